#include "store/sqlite/record_pack.hpp"

#include <lz4.h>
#include <sqlite3.h>

#include <cstring>
#include <mutex>

#include "store/sqlite/statement.hpp"

namespace redress::store::sqlite {

namespace {

constexpr std::string_view kReferenceOpening = "{\"reference\":\"";

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// The length of `record`'s leading `{"reference":"…"` (0: it has none to leave out). Only a
// reference without escapes, followed by the next member or the object's end, is left out.
size_t ReferencePrefix(std::string_view record) {
  if (record.substr(0, kReferenceOpening.size()) != kReferenceOpening) return 0;
  const size_t close = record.find('"', kReferenceOpening.size());
  if (close == std::string_view::npos || close + 1 >= record.size()) return 0;
  const std::string_view ref =
      record.substr(kReferenceOpening.size(), close - kReferenceOpening.size());
  if (ref.find('\\') != std::string_view::npos) return 0;
  const char next = record[close + 1];
  return next == ',' || next == '}' ? close + 1 : 0;
}

struct Header {
  int64_t dict_id = 0;
  size_t size = 0;
  unsigned char flags = 0;
  std::string_view block;
};

core::Result<Header> ReadHeader(std::string_view packed) {
  auto broken = [] { return core::MakeError(core::Errc::kInternal, "packed record is broken"); };
  if (!IsPacked(packed)) return broken();
  packed.remove_prefix(1);
  Header h;
  uint64_t id = 0;
  uint64_t size = 0;
  if (!GetVarint(packed, id) || !GetVarint(packed, size) || packed.empty()) return broken();
  if (id > INT64_MAX || size > (uint64_t{1} << 31)) return broken();
  h.dict_id = static_cast<int64_t>(id);
  h.size = static_cast<size_t>(size);
  h.flags = static_cast<unsigned char>(packed.front());
  packed.remove_prefix(1);
  h.block = packed;
  // An LZ4 block unpacks to at most about 255 times its size: a larger size is a broken header
  // (and would be a large allocation).
  if (h.size > h.block.size() * 255 + 64) return broken();
  return h;
}

}  // namespace

PackDict::PackDict(int64_t id, std::string bytes)
    : id_(id), bytes_(std::move(bytes)), loaded_(std::make_unique<LZ4_stream_u>()) {
  if (bytes_.size() > kMaxDictBytes) bytes_.erase(0, bytes_.size() - kMaxDictBytes);
  LZ4_initStream(loaded_.get(), sizeof(LZ4_stream_u));
  LZ4_loadDict(loaded_.get(), bytes_.data(), static_cast<int>(bytes_.size()));
}

PackDict::~PackDict() = default;

std::string PackDict::Pack(std::string_view record) const {
  const size_t prefix = ReferencePrefix(record);
  const std::string_view text = record.substr(prefix);
  std::string out;
  out.push_back(static_cast<char>(kPackedFormat));
  PutVarint(out, static_cast<uint64_t>(id_));
  PutVarint(out, text.size());
  out.push_back(static_cast<char>(prefix != 0 ? kWithoutReference : 0));
  const size_t head = out.size();
  const int bound = LZ4_compressBound(static_cast<int>(text.size()));
  out.resize(head + static_cast<size_t>(bound));
  // The loaded dictionary's state is copied into a working one for each record (lz4.h: the
  // documented alternative to loading it again each time).
  thread_local LZ4_stream_u work;
  std::memcpy(&work, loaded_.get(), sizeof(LZ4_stream_u));
  const int n = LZ4_compress_fast_continue(&work, text.data(), out.data() + head,
                                           static_cast<int>(text.size()), bound, 1);
  if (n <= 0) return std::string(record);  // not packed: kept as it is (never seen)
  out.resize(head + static_cast<size_t>(n));
  return out;
}

std::string DictBytes(const std::vector<std::string>& records) {
  size_t take = 0;
  size_t bytes = 0;
  while (take < records.size() &&
         bytes + records[records.size() - 1 - take].size() <= kMaxDictBytes) {
    bytes += records[records.size() - 1 - take].size();
    ++take;
  }
  std::string out;
  out.reserve(bytes);
  for (size_t i = records.size() - take; i < records.size(); ++i) out += records[i];
  return out;
}

core::Complaint DictSample(const core::Complaint& c) {
  core::Complaint s;
  s.reference = c.reference;
  s.state = c.state;
  s.received_at = c.received_at;
  s.logged_at = c.logged_at;
  s.updated_at = c.updated_at;
  s.channel = c.channel;
  s.complainant.is_customer = c.complainant.is_customer;
  s.subject.type = c.subject.type;
  s.subject.product = c.subject.product;
  s.subject.department = c.subject.department;
  s.subject.location = c.subject.location;
  s.event_date = c.event_date;
  s.assessment.category = c.assessment.category;
  s.assessment.flags = c.assessment.flags;
  s.assessment.severity = c.assessment.severity;
  s.assessment.safety = c.assessment.safety;
  s.assessment.complexity = c.assessment.complexity;
  s.assessment.impact_complainant = c.assessment.impact_complainant;
  s.assessment.impact_organisation = c.assessment.impact_organisation;
  s.assessment.immediate_action_needed = c.assessment.immediate_action_needed;
  s.priority = c.priority;
  s.escalated = c.escalated;
  s.policy_id = c.policy_id;
  s.clocks = c.clocks;
  s.decision.outcome = c.decision.outcome;
  s.decision.remedy.type = c.decision.remedy.type;
  s.decision.remedy.currency = c.decision.remedy.currency;
  s.decision.acceptance = c.decision.acceptance;
  s.closure.closed_at = c.closure.closed_at;
  s.closure.reason = c.closure.reason;
  s.closure.cause = c.closure.cause;
  s.source = c.source;
  return s;
}

core::Result<int64_t> PackedDictId(std::string_view packed) {
  auto h = ReadHeader(packed);
  if (!h) return h.error();
  return h->dict_id;
}

core::Result<std::string> Unpack(std::string_view packed, const PackDict& dict,
                                 std::string_view reference) {
  auto h = ReadHeader(packed);
  if (!h) return h.error();
  if (h->dict_id != dict.id()) {
    return core::MakeError(core::Errc::kInternal, "packed record names another dictionary");
  }
  std::string out;
  size_t head = 0;
  if (h->flags & kWithoutReference) {
    out.reserve(kReferenceOpening.size() + reference.size() + 1 + h->size);
    out += kReferenceOpening;
    out += reference;
    out += '"';
    head = out.size();
  }
  out.resize(head + h->size);
  const std::string_view d = dict.bytes();
  const int n = LZ4_decompress_safe_usingDict(
      h->block.data(), out.data() + head, static_cast<int>(h->block.size()),
      static_cast<int>(h->size), d.data(), static_cast<int>(d.size()));
  if (n < 0 || static_cast<size_t>(n) != h->size) {
    return core::MakeError(core::Errc::kInternal, "packed record does not unpack");
  }
  return out;
}

core::Result<std::shared_ptr<const PackDict>> PackDicts::Get(sqlite3* db, int64_t id) {
  {
    std::shared_lock lock(mu_);
    if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  }
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT dict FROM record_dicts WHERE id = ?1", -1, &raw, nullptr);
  const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "read record dictionary");
  sqlite3_bind_int64(raw, 1, id);
  rc = sqlite3_step(raw);
  if (rc == SQLITE_DONE) {
    return core::MakeError(core::Errc::kInternal, "a packed record names dictionary " +
                                                      std::to_string(id) +
                                                      ", which the store does not hold");
  }
  if (rc != SQLITE_ROW) return SqliteError(db, rc, "read record dictionary");
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(raw, 0));
  auto dict = std::make_shared<const PackDict>(
      id, std::string(bytes == nullptr ? "" : bytes,
                      static_cast<size_t>(sqlite3_column_bytes(raw, 0))));
  std::unique_lock lock(mu_);
  return by_id_.try_emplace(id, std::move(dict)).first->second;
}

void PackDicts::Put(std::shared_ptr<const PackDict> d) {
  std::unique_lock lock(mu_);
  by_id_.try_emplace(d->id(), std::move(d));
}

core::Result<std::string_view> PackDicts::Text(sqlite3* db, std::string_view doc,
                                               std::optional<std::string_view> packed,
                                               std::string_view reference, std::string& buf) {
  if (!packed) return doc;
  auto id = PackedDictId(*packed);
  if (!id) return id.error();
  auto dict = Get(db, *id);
  if (!dict) return dict.error();
  auto text = Unpack(*packed, **dict, reference);
  if (!text) return text.error();
  buf = std::move(*text);
  return std::string_view(buf);
}

namespace {

std::string_view ValueText(sqlite3_value* v) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  return p == nullptr ? std::string_view()
                      : std::string_view(p, static_cast<size_t>(sqlite3_value_bytes(v)));
}

void RecordFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 3) return sqlite3_result_error(ctx, "redress_record takes three arguments", -1);
  auto* dicts = static_cast<PackDicts*>(sqlite3_user_data(ctx));
  if (sqlite3_value_type(argv[1]) == SQLITE_NULL) return sqlite3_result_value(ctx, argv[0]);
  const auto* blob = static_cast<const char*>(sqlite3_value_blob(argv[1]));
  const std::string_view packed(blob == nullptr ? "" : blob,
                                static_cast<size_t>(sqlite3_value_bytes(argv[1])));
  const std::string reference(ValueText(argv[2]));
  std::string buf;
  auto text = dicts->Text(sqlite3_context_db_handle(ctx), {}, packed, reference, buf);
  if (!text) return sqlite3_result_error(ctx, text.error().detail.c_str(), -1);
  sqlite3_result_text(ctx, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
}

}  // namespace

int RegisterRecordFunction(sqlite3* db, PackDicts* dicts) {
  return sqlite3_create_function_v2(db, "redress_record", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                    dicts, RecordFunction, nullptr, nullptr, nullptr);
}

}  // namespace redress::store::sqlite
