#include "cli/report_cmd.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/learning.hpp"
#include "cli/runtime.hpp"
#include "importer/csv_reader.hpp"
#include "report/review.hpp"

namespace redress::cli {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

int Usage(const std::string& message) {
  std::cerr << "redress: " << message << "\n";
  return kUsage;
}

int Failed(const std::string& message) {
  std::cerr << "redress: " << message << "\n";
  return kFailed;
}

// Writes `bytes` to `out` (stdout when empty) through OutputFile: a file is written beside it
// and renamed into place, so a failure leaves no partial file.
int Write(const std::string& out, const std::string& bytes) {
  if (out.empty()) {
    std::cout << bytes;
    std::cout.flush();
    return std::cout ? kOk : Failed("cannot write to standard output");
  }
  auto file = OutputFile::For(out);
  if (!file) return Usage(file.error().detail);
  {
    std::ofstream f(file->path(), std::ios::binary);
    if (!f) return Usage("cannot create " + file->path() + ": " + std::strerror(errno));
    f << bytes;
    if (!f.flush()) {
      file->Discard();
      return Failed("cannot write " + out);
    }
  }
  if (auto s = file->Commit(); !s) return Failed(s.error().detail);
  std::cerr << "wrote " << out << "\n";
  return kOk;
}

void AddCommonOptions(CLI::App* cmd, std::string& data, std::string& store, std::string& policies,
                      std::string& from, std::string& to, std::string& out) {
  cmd->add_option("--data", data, "Data directory")->capture_default_str();
  cmd->add_option("--store", store, kStoreOptionHelp);
  cmd->add_option("--policies", policies, "Policies directory (taxonomy.toml inside)");
  cmd->add_option("--from", from, "First day of the period, YYYY-MM-DD")->required();
  cmd->add_option("--to", to, "Last day of the period, YYYY-MM-DD (inclusive)")->required();
  cmd->add_option("--out", out, "Write to FILE instead of standard output");
}

}  // namespace

ReportCommands::ReportCommands(CLI::App& app) {
  auto* report = app.add_subcommand("report", "Clause 8 reports");
  report->require_subcommand(1);
  review_ = report->add_subcommand("review", "The management review report for a period");
  AddCommonOptions(review_, data_, store_, policies_, from_, to_, out_);
  review_->add_option("--format", format_, "html or pdf")->capture_default_str();
  review_->add_option("--organisation", organisation_, "Name on the report");
  return_ = report->add_subcommand("return", "The complaints return (FCA-style), as CSV");
  AddCommonOptions(return_, data_, store_, policies_, from_, to_, out_);
  return_->add_option("--table", table_, "product, or product and cause")->capture_default_str();
}

bool ReportCommands::Parsed() const { return review_->parsed() || return_->parsed(); }

int ReportCommands::Run() { return review_->parsed() ? Review() : Return(); }

namespace {

struct Opened {
  std::unique_ptr<core::Store> store;
  std::unique_ptr<app::ComplaintService> service;
  std::unique_ptr<app::Learning> learning;
  core::LocalDate from{};
  core::LocalDate to{};
};

SystemClock& TheClock() {
  static SystemClock clock;
  return clock;
}

// Opens the store (OpenStoreToRead) and the use cases over it; an exit code on failure.
std::variant<Opened, int> Open(const std::string& data, const std::string& store_flag,
                               const std::string& policies, const std::string& from,
                               const std::string& to, std::string organisation) {
  auto f = core::ParseDate(from);
  auto t = core::ParseDate(to);
  if (!f || !t) return Usage("--from and --to must be dates, YYYY-MM-DD");
  if (*f > *t) return Usage("--from must not be after --to");
  const auto location = StoreLocation(store_flag);
  if (!location) return Usage(location.error().detail);
  const std::string path = data + "/redress.db";
  if (location->empty() && !std::filesystem::exists(path)) return Usage("no store at " + path);
  auto loaded = LoadPoliciesAndTaxonomy(PoliciesDir(policies));
  if (!loaded) return Usage(loaded.error().detail);
  auto store = OpenStoreToRead({data, policies}, *location);
  if (!store && store.error().code == core::Errc::kInvalid) return Usage(store.error().detail);
  if (!store) return Failed(store.error().detail);
  Opened o;
  o.store = std::move(*store);
  app::ServiceConfig config;
  config.default_policy = loaded->policies.front().id;
  for (const auto& p : loaded->policies) {
    if (p.id == "iso-default") config.default_policy = p.id;
  }
  o.service = std::make_unique<app::ComplaintService>(*o.store, TheClock(),
                                                      std::move(loaded->policies), config);
  app::LearningConfig lc;
  lc.organisation = std::move(organisation);
  lc.fca_group = loaded->fca_groups;
  lc.targets = loaded->objectives;
  o.learning = std::make_unique<app::Learning>(*o.store, *o.service, std::move(lc));
  o.from = *f;
  o.to = *t;
  return o;
}

}  // namespace

int ReportCommands::Review() {
  if (format_ != "html" && format_ != "pdf") return Usage("--format must be html or pdf");
  auto opened = Open(data_, store_, policies_, from_, to_, organisation_);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  auto& o = std::get<Opened>(opened);
  auto data = o.learning->Review(o.from, o.to);
  if (!data) return Failed(data.error().detail);
  std::string html = report::RenderReviewHtml(*data);
  if (format_ == "html") return Write(out_, html);
  auto pdf = report::RenderPdf(html);
  if (!pdf) return Failed(pdf.error().detail);
  return Write(out_, *pdf);
}

int ReportCommands::Return() {
  if (table_ != "product" && table_ != "cause") return Usage("--table must be product or cause");
  auto opened = Open(data_, store_, policies_, from_, to_, "");
  if (auto* code = std::get_if<int>(&opened)) return *code;
  auto& o = std::get<Opened>(opened);
  auto ret = o.learning->Return(o.from, o.to);
  if (!ret) return Failed(ret.error().detail);
  std::string csv;
  const bool by_cause = table_ == "cause";
  std::vector<std::string> header = {"product_group"};
  if (by_cause) header.push_back("cause");
  for (const char* h : {"open_at_start", "opened", "closed", "upheld", "within_3_business_days",
                        "within_8_weeks", "later", "redress_minor", "open_at_end"}) {
    header.emplace_back(h);
  }
  importer::AppendCsvRecord(csv, header);
  for (const auto& r : by_cause ? ret->by_cause : ret->by_product) {
    std::vector<std::string> row = {r.product_group};
    if (by_cause) row.push_back(r.cause);
    for (int64_t v : {r.open_at_start, r.opened, r.closed, r.upheld, r.within_3_business_days,
                      r.within_8_weeks, r.later, r.redress_minor, r.open_at_end}) {
      row.push_back(std::to_string(v));
    }
    importer::AppendCsvRecord(csv, row);
  }
  return Write(out_, csv);
}

}  // namespace redress::cli
