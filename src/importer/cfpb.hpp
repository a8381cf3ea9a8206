// The US CFPB consumer complaint CSV (docs/import.md): recognising its two layouts, mapping a
// record to a complaint, and writing a complaint back as a record of the current layout.
// Pure functions: no I/O, no store.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/complaint.hpp"
#include "core/policy.hpp"
#include "core/result.hpp"
#include "importer/csv_reader.hpp"

namespace redress::importer::cfpb {

inline constexpr const char* kSystem = "cfpb";
inline constexpr size_t kColumnCount = 18;

// The columns of the current layout, in its order: the export's header, and the names under
// which SourceRecord::fields keeps the values (the 2014 layout's "Company response" is kept
// as "Company response to consumer").
const std::array<const char*, kColumnCount>& Columns();

enum class Layout { kCurrent, kLegacy2014 };

struct Header {
  Layout layout = Layout::kCurrent;
  size_t width = 0;  // fields per record
  // For each column of Columns(), its position in a record, or -1 (absent in this layout).
  std::array<int, kColumnCount> index{};
  std::vector<std::string> names;  // the header's fields as read (a byte order mark removed)
};

// Recognises the header record of either layout (columns in any order; a UTF-8 byte order
// mark is ignored). kInvalid naming what is missing when it is neither.
core::Result<Header> ParseHeader(const std::vector<std::string>& fields);

struct MapContext {
  const core::Policy* policy = nullptr;  // the "cfpb" policy: time zone and clocks
  core::Instant now{};                   // logged_at and updated_at
  std::string actor = "import";          // received_by
};

struct MappedRow {
  int64_t line = 0;
  core::Complaint complaint;  // everything but id and reference (reference.year is set)
  std::string row_hash;       // hex digest of the record's values (layout-independent)
};

// Checks and maps one record. A bad record (wrong field count, invalid UTF-8, a bad date, no
// Complaint ID) is kInvalid with a one-line detail that names the problem, not the line.
core::Result<MappedRow> MapRecord(const Header& header, const CsvRecord& record,
                                  const MapContext& ctx);

// The record of the current layout for a complaint. `calendar` gives the local date of
// received_at (the complaint's policy's; UTC when null).
std::vector<std::string> ExportRecord(const core::Complaint& c, const core::Calendar* calendar);

// The `Date received` an export writes: the local date of c.received_at in `calendar`'s zone,
// or in UTC when there is none.
core::LocalDate ReceivedDate(const core::Complaint& c, const core::Calendar* calendar);

// Pieces of the mapping, exposed for tests.
core::Channel ChannelOf(std::string_view submitted_via);
std::string CategoryOf(std::string_view issue, std::string_view sub_issue);
bool IsValidUtf8(std::string_view s);

}  // namespace redress::importer::cfpb
