// The clause 8 analytics at volume: builds (or reuses) a SQLite store of N complaints with a
// realistic spread of categories, products, channels, departments, locations, handlers,
// outcomes, redress, surveys and clock results over three years, then times the staff
// dashboard's store queries (app::Learning::Dashboard: one snapshot, every figure) and the
// other analytics. A program, not a test: it prints figures (and JSON with --json); its only
// check is that the dashboard counts every complaint.
//
//   analytics_load [--rows N] [--db PATH] [--repeat K] [--json]
//
// Without --db the store lives in a temporary directory that is removed at the end. With --db
// an existing store of at least N complaints is reused as it is.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "app/learning.hpp"
#include "app/service.hpp"
#include "config/policy_loader.hpp"
#include "core/codec.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace {

using namespace redress;
using Clock = std::chrono::steady_clock;

class WallClock final : public core::Clock {
 public:
  explicit WallClock(core::Instant t) : t_(t) {}
  core::Instant Now() const override { return t_; }

 private:
  core::Instant t_;
};

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

core::ClockTrack Track(const char* name, core::ClockState s, bool breached) {
  core::ClockTrack t;
  t.name = name;
  t.rule = name;
  t.state = s;
  t.breached = breached;
  return t;
}

// Complaint i of the data set: the same for every run.
core::Complaint Make(int64_t i, core::Instant start, std::mt19937_64& rng) {
  static const char* kChannels[] = {"web", "email", "phone", "letter", "in_person", "api"};
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  // Skewed choices: low indices are far more common (Pareto-like), as in real data.
  auto skewed = [&rng](int n) {
    std::uniform_real_distribution<double> u(0, 1);
    return std::min(n - 1, static_cast<int>(n * u(rng) * u(rng)));
  };
  core::Complaint c;
  c.reference = core::Reference{"CMP", 2026, i};
  c.version = 1;
  c.received_at =
      start + std::chrono::milliseconds(static_cast<int64_t>(rng() % (3ULL * 365 * 86'400'000)));
  c.logged_at = c.received_at;
  c.updated_at = c.received_at;
  c.received_by = "complainant";
  c.channel = *core::ParseChannel(kChannels[skewed(6)]);
  c.description = "Complaint number " + std::to_string(i) + " about a fee charged twice.";
  c.subject.product = "product-" + std::to_string(skewed(20));
  c.subject.department = "department-" + std::to_string(pick(10));
  c.subject.location = "branch-" + std::to_string(pick(30));
  c.assessment.category = "category-" + std::to_string(skewed(60));
  c.assessment.severity = 1 + pick(4);
  c.assignee = "handler" + std::to_string(pick(50));
  c.policy_id = "iso-default";
  c.clocks = {Track("acknowledge", core::ClockState::kMet, pick(20) == 0),
              Track("final_response", core::ClockState::kRunning, false)};
  c.state = core::State::kUnderInvestigation;
  if (pick(10) != 0) {  // 90 % closed
    c.state = core::State::kClosed;
    const int days =
        std::min(120, static_cast<int>(std::exponential_distribution<double>(1.0 / 18)(rng)));
    c.closure.closed_at = c.received_at + std::chrono::days(days) + std::chrono::hours(2);
    c.closure.reason = core::ClosureReason::kResolvedAccepted;
    c.closure.cause = static_cast<core::CauseCategory>(skewed(6));
    c.decision.communicated_at = c.closure.closed_at;
    c.decision.outcome = static_cast<core::Outcome>(pick(3));
    if (c.decision.outcome != core::Outcome::kNotUpheld && pick(2) == 0) {
      c.decision.remedy.amount_minor = 100 * (1 + pick(500));
      c.decision.remedy.currency = "GBP";
    }
    c.clocks[1].state = core::ClockState::kMet;
    c.clocks[1].breached = days > 56;
    c.reopen_count = pick(40) == 0 ? 1 : 0;
    if (pick(8) == 0) {
      c.survey.answered_at = *c.closure.closed_at + std::chrono::days(2);
      c.survey.handling = 1 + pick(5);
      c.survey.outcome = 1 + pick(5);
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1'000'000;
  int repeat = 5;
  bool as_json = false;
  std::string db;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc) {
      rows = std::atoll(argv[++i]);
    } else if (a == "--db" && i + 1 < argc) {
      db = argv[++i];
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--json") {
      as_json = true;
    } else {
      std::fprintf(stderr, "usage: analytics_load [--rows N] [--db PATH] [--repeat K] [--json]\n");
      return 2;
    }
  }
  std::string tmpdir;
  if (db.empty()) {
    char tmpl[] = "/tmp/redress-analytics.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    tmpdir = tmpl;
    db = tmpdir + "/redress.db";
  }
  // Data from 1 January 2024 for three years; "now" is the end of that.
  const core::Instant start = core::Instant(date::sys_days(date::year(2024) / 1 / 1));
  const core::Instant now = start + std::chrono::days(3 * 365);
  nlohmann::json out{{"rows", rows}};
  int rc = 0;
  {
    store::SqliteStore::Options options;
    options.writer_mmap_bytes = int64_t{1} << 40;  // as `redress import` does
    auto opened = store::SqliteStore::Open(db, options);
    if (!opened) {
      std::fprintf(stderr, "analytics_load: %s\n", opened.error().detail.c_str());
      return 1;
    }
    auto& store = **opened;
    auto existing = store.CountComplaints();
    const int64_t have = existing ? *existing : 0;
    if (have < rows) {
      // A bulk load, as `redress import` runs one: the roll-ups summed in memory and, when
      // the load more than doubles the store, the indexes built once at the end.
      if (auto s = store.BeginBulkLoad(rows - have > have); !s) {
        std::fprintf(stderr, "analytics_load: %s\n", s.error().detail.c_str());
        return 1;
      }
      std::mt19937_64 rng(20261124);
      const auto t0 = Clock::now();
      constexpr int64_t kBatch = 5000;
      for (int64_t first = have + 1; first <= rows; first += kBatch) {
        const int64_t last = std::min(rows, first + kBatch - 1);
        std::vector<core::Complaint> batch;
        std::vector<std::string> docs;
        for (int64_t i = first; i <= last; ++i) {
          batch.push_back(Make(i, start, rng));
          docs.push_back(store.PackRecord(core::EncodeStorage(batch.back())));
        }
        auto s = store.WriteSync([&](core::StoreTx& tx) -> core::Status {
          for (size_t k = 0; k < batch.size(); ++k) {
            if (auto st = tx.InsertComplaint(batch[k], docs[k]); !st) return st;
          }
          return {};
        });
        if (!s) {
          std::fprintf(stderr, "analytics_load: %s\n", s.error().detail.c_str());
          return 1;
        }
        if (!as_json && (last % 100000 == 0 || last == rows)) {
          std::fprintf(stderr, "\rloaded %lld", static_cast<long long>(last));
        }
      }
      if (auto s = store.EndBulkLoad(); !s) {
        std::fprintf(stderr, "analytics_load: %s\n", s.error().detail.c_str());
        return 1;
      }
      const double secs = Ms(t0, Clock::now()) / 1000;
      out["load_s"] = secs;
      out["load_rows_per_s"] = static_cast<double>(rows - have) / secs;
      if (!as_json) std::fprintf(stderr, "\n");
    }
  }
  {
    // A fresh open, as a restarted server would see it.
    auto opened = store::SqliteStore::Open(db, {});
    if (!opened) return 1;
    auto& store = **opened;
    auto policies = config::LoadPolicyDir(std::string(REDRESS_SOURCE_DIR) + "/policies");
    if (!policies) return 1;
    WallClock clock(now);
    app::ComplaintService service(store, clock, std::move(*policies), app::ServiceConfig{});
    app::Learning learning(store, service, app::LearningConfig{});

    auto time_it = [&](const char* name, auto fn) {
      std::vector<double> ms;
      for (int k = 0; k < repeat; ++k) {
        const auto a = Clock::now();
        if (!fn()) {
          std::fprintf(stderr, "analytics_load: %s failed\n", name);
          rc = 1;
          return;
        }
        ms.push_back(Ms(a, Clock::now()));
      }
      const double first = ms.front();
      std::sort(ms.begin(), ms.end());
      out[name] = {{"first_ms", first}, {"median_ms", ms[ms.size() / 2]}, {"max_ms", ms.back()}};
      if (!as_json) {
        std::printf("%-34s first %8.1f ms   median %8.1f ms   max %8.1f ms\n", name, first,
                    ms[ms.size() / 2], ms.back());
      }
    };
    const core::LocalDate today = core::LocalDate{std::chrono::floor<date::days>(now)};
    const core::LocalDate year_ago =
        core::LocalDate{std::chrono::floor<date::days>(now - std::chrono::days(365))};
    time_it("dashboard_all_time", [&] {
      auto d = learning.Dashboard({});
      if (d && d->kpis.received != rows) {
        std::fprintf(stderr, "analytics_load: the dashboard counted %lld of %lld\n",
                     static_cast<long long>(d->kpis.received), static_cast<long long>(rows));
        return false;
      }
      return d.ok();
    });
    time_it("dashboard_last_year", [&] { return learning.Dashboard({year_ago, today, {}}).ok(); });
    time_it("dashboard_one_product", [&] {
      return learning
          .Dashboard({std::nullopt, std::nullopt, {{core::FactDim::kProduct, "product-3"}}})
          .ok();
    });
    time_it("dashboard_one_handler", [&] {
      return learning
          .Dashboard({std::nullopt, std::nullopt, {{core::FactDim::kHandler, "handler7"}}})
          .ok();
    });
    time_it("breakdown_channel_by_category", [&] {
      return learning
          .Breakdown({std::nullopt, std::nullopt, {{core::FactDim::kChannel, "email"}}},
                     {core::FactDim::kCategory})
          .ok();
    });
    time_it("breakdown_handler_by_month", [&] {
      return learning
          .Breakdown({year_ago, today, {}}, {core::FactDim::kHandler, core::FactPeriod::kMonth})
          .ok();
    });
    time_it("open_by_state_and_age", [&] { return learning.OpenByAge({}).ok(); });
    time_it("spikes_by_product", [&] { return learning.Spikes({}, core::FactDim::kProduct).ok(); });
    time_it("complaints_return_half_year", [&] {
      return learning
          .Return(core::LocalDate{std::chrono::floor<date::days>(now - std::chrono::days(182))},
                  today)
          .ok();
    });
  }
  if (as_json) std::printf("%s\n", out.dump().c_str());
  if (!tmpdir.empty()) std::filesystem::remove_all(tmpdir);
  return rc;
}
