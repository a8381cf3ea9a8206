// `redress import cfpb`: reads a CFPB complaint CSV into the store (docs/import.md).
//
//  * Idempotent by Complaint ID: the store's source keys (StoreTx::FindSource) map each ID to
//    its complaint with a digest of the row. A row seen before with the same digest changes
//    nothing; with another digest it replaces the fields the import sets and appends an
//    "import_updated" event with the difference. A new ID becomes a complaint with a
//    reference from its received year's sequence and one "imported" event holding the record.
//  * The calling thread reads, parses, maps and encodes (CSV, JSON, payload digests); the
//    store's writer only looks keys up and inserts, `batch_rows` records per Store::Write,
//    with at most `max_in_flight` batches queued, so reading and writing overlap.
//  * A bad record is reported to `on_bad` and skipped; with `strict` it stops the import
//    instead (kInvalid). Batches already written stay written: CheckCfpbFile first when
//    nothing may be written.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/policy.hpp"
#include "core/ports/store.hpp"
#include "core/result.hpp"
#include "importer/cfpb.hpp"

namespace redress::importer {

struct BadRow {
  int64_t line = 0;
  std::string reason;
  // The record's fields as read, for on_bad only (not kept after the callback returns).
  const std::vector<std::string>* fields = nullptr;
};

struct ImportSummary {
  int64_t rows = 0;  // records read after the header
  int64_t imported = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t bad = 0;
  // Bytes of the file read so far (compressed bytes for a gzip file): progress, not counts.
  int64_t file_offset = 0;
};

struct ImportOptions {
  const core::Policy* policy = nullptr;  // the "cfpb" policy
  core::Instant now{};
  std::string reference_prefix = "CMP";
  std::string actor = "import";
  bool strict = false;
  // Rows per Store::Write, and writes queued: about 16,000 rows in flight either way. Large
  // writes were once quadratic in SQLite, when a trigger on complaints made every insert
  // release a statement journal by walking all its savepoint had journalled (100,000 rows:
  // 1,500 rows/s at 4,096 rows per write, 7,900 at 128). The import's writes have no trigger
  // and no UPSERT per row now, and 2,048 rows a write were 6 % faster than 128 on SQLite
  // (1,000,000 rows, alternating) and 12 % on PostgreSQL (fewer look-up round trips).
  size_t batch_rows = 2048;
  int max_in_flight = 8;
  std::function<void(const BadRow&)> on_bad;
  // Called from the reading thread every `progress_every` records with the counts so far
  // (imported/updated/unchanged count committed batches only).
  std::function<void(const ImportSummary&)> on_progress;
  int64_t progress_every = 20000;
};

// The header of the file at `path`: kNotFound if it cannot be read, kInvalid if it is not a
// CFPB export (or empty).
core::Result<cfpb::Header> ReadCfpbHeader(const std::string& path);

// Reads every record of `path` without writing and returns the first bad one, if any.
core::Result<std::optional<BadRow>> CheckCfpbFile(const std::string& path,
                                                  const ImportOptions& options);

core::Result<ImportSummary> ImportCfpb(core::Store& store, const std::string& path,
                                       const ImportOptions& options);

// The placeholder reference in an encoded record, and its replacement (exposed for tests):
// the record is encoded before its reference exists, and the writer puts the reference in.
std::string PlaceholderMember(int year);
bool ReplaceMember(std::string& doc, std::string_view member, std::string_view replacement);

}  // namespace redress::importer
