// Complaint records packed for the SQLite store (migration 0020, docs/architecture.md).
//
// A record (EncodeStorage: JSON of about 1.8 KB for a CFPB complaint, 0.3 KB of it key names
// and values that repeat from one complaint to the next) is kept LZ4-compressed against a
// dictionary made of the store's own first records: an intake record of 1.7 KB takes about 200
// bytes, packed in about 1.5 µs and unpacked in 0.6 µs (bench/intake_bench.cpp), a CFPB one
// about 350 bytes (docs/performance.md). zstd made records a sixth smaller but took 8-10 µs to
// pack and 2.5 µs to unpack, on every create.
//
// A packed record, the BLOB in complaint_docs.packed:
//   byte 0       kPackedFormat (never '{', so a packed record is told from a plain one)
//   LEB128       the dictionary's id in record_dicts
//   LEB128       the size of the text packed
//   byte         flags: kWithoutReference when the record's leading "reference" member was
//                left out (the complaints row holds the reference; Unpack puts it back)
//   the rest     one LZ4 block of the text
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/complaint.hpp"
#include "core/result.hpp"

union LZ4_stream_u;
struct sqlite3;

namespace redress::store::sqlite {

constexpr unsigned char kPackedFormat = 0x01;
constexpr unsigned char kWithoutReference = 0x01;
// What a dictionary holds at most (LZ4 looks back 64 KiB) and the records it is made of.
constexpr size_t kMaxDictBytes = 64 * 1024;
constexpr int kDictRecords = 48;

// A dictionary: its bytes, loaded once for packing. Immutable after construction; shared by
// every thread that packs or unpacks with it.
class PackDict {
 public:
  PackDict(int64_t id, std::string bytes);
  ~PackDict();
  PackDict(const PackDict&) = delete;
  PackDict& operator=(const PackDict&) = delete;

  int64_t id() const { return id_; }
  std::string_view bytes() const { return bytes_; }

  // `record` packed (see above). When `record` opens with a "reference" member, that member is
  // left out: whoever unpacks names the reference.
  std::string Pack(std::string_view record) const;

 private:
  int64_t id_;
  std::string bytes_;
  std::unique_ptr<LZ4_stream_u> loaded_;  // LZ4_loadDict of bytes_; copied for each Pack
};

// The dictionary bytes made of `records` (plain records, newest last): as many of the newest as
// fit in kMaxDictBytes.
std::string DictBytes(const std::vector<std::string>& records);

// What of record `c` a dictionary may hold (EncodeStorage of it): an allow-list of the members
// that are neither personal nor free text (the reference, state, dates, channel, product,
// classification, priority, policy, clocks, decision and closure codes, the source's fields),
// so no complainant's data outlives an erasure of their record in a dictionary, which is never
// rewritten.
core::Complaint DictSample(const core::Complaint& c);

// Whether `stored` is a packed record (else it is plain JSON).
inline bool IsPacked(std::string_view stored) {
  return !stored.empty() && static_cast<unsigned char>(stored.front()) == kPackedFormat;
}

// The id of the dictionary `packed` needs (kInternal when the header is broken).
core::Result<int64_t> PackedDictId(std::string_view packed);

// The record `packed` holds, its reference member put back from `reference` when it was left
// out. kInternal when `packed` is broken or was packed with another dictionary.
core::Result<std::string> Unpack(std::string_view packed, const PackDict& dict,
                                 std::string_view reference);

// The dictionaries of one database's packed records, by id: each read from record_dicts when a
// record first needs it, then kept (they never change). Thread-safe.
class PackDicts {
 public:
  // The dictionary `id`, read on `db` when not kept yet (kInternal when the store has none such).
  core::Result<std::shared_ptr<const PackDict>> Get(sqlite3* db, int64_t id);
  void Put(std::shared_ptr<const PackDict> d);

  // A stored record's JSON: `doc` itself when `packed` is null, else `packed` unpacked into
  // `buf` with its reference from `reference`.
  core::Result<std::string_view> Text(sqlite3* db, std::string_view doc,
                                      std::optional<std::string_view> packed,
                                      std::string_view reference, std::string& buf);

 private:
  std::shared_mutex mu_;
  std::unordered_map<int64_t, std::shared_ptr<const PackDict>> by_id_;  // GUARDED_BY(mu_)
};

// Registers the SQL function redress_record(doc, packed, reference) on `db`: the record's JSON
// (PackDicts::Text), for statements that read into it (json_each over its clocks; the copy to
// PostgreSQL). `dicts` must outlive the connection. An SQLite result code.
int RegisterRecordFunction(sqlite3* db, PackDicts* dicts);

}  // namespace redress::store::sqlite
