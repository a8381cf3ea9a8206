#include "importer/cfpb_export.hpp"

#include <cerrno>
#include <cstring>
#include <map>
#include <string>

#include "importer/cfpb.hpp"
#include "importer/csv_reader.hpp"

namespace redress::importer {

core::Result<int64_t> ExportCfpbCsv(core::Store& store, const std::vector<core::Policy>& policies,
                                    const ExportSink& out, const ExportFilter& filter) {
  std::map<std::string, const core::Calendar*> calendars;
  for (const auto& p : policies) calendars[p.id] = &p.calendar;

  constexpr size_t kFlushAt = 1 << 20;
  std::string buf;
  buf.reserve(kFlushAt + 64 * 1024);
  bool write_failed = false;
  auto flush = [&] {
    if (!buf.empty() && !out(buf)) write_failed = true;
    buf.clear();
  };
  const auto& columns = cfpb::Columns();
  AppendCsvRecord(buf, std::vector<std::string>(columns.begin(), columns.end()));
  int64_t count = 0;
  core::Status s = store.ScanComplaints(0, [&](const core::Complaint& c) {
    auto it = calendars.find(c.policy_id);
    const core::Calendar* calendar = it == calendars.end() ? nullptr : it->second;
    if (filter.from || filter.to) {
      const core::LocalDate day = cfpb::ReceivedDate(c, calendar);
      if ((filter.from && day < *filter.from) || (filter.to && day > *filter.to)) return true;
    }
    AppendCsvRecord(buf, cfpb::ExportRecord(c, calendar));
    ++count;
    if (buf.size() >= kFlushAt) flush();
    return !write_failed;
  });
  if (!s) return s.error();
  flush();
  if (write_failed) {
    return core::MakeError(core::Errc::kUnavailable,
                           std::string("cannot write the export: ") + std::strerror(errno));
  }
  return count;
}

core::Result<int64_t> ExportCfpbCsv(core::Store& store, const std::vector<core::Policy>& policies,
                                    std::FILE* out, const ExportFilter& filter) {
  auto n = ExportCfpbCsv(
      store, policies,
      [out](std::string_view text) {
        return std::fwrite(text.data(), 1, text.size(), out) == text.size();
      },
      filter);
  if (n && std::fflush(out) != 0) {
    return core::MakeError(core::Errc::kUnavailable,
                           std::string("cannot write the export: ") + std::strerror(errno));
  }
  return n;
}

}  // namespace redress::importer
