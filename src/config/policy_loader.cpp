// Policy TOML → core::Policy. toml++ is used with its default (exceptions on, as the Debian
// shared library is built); the only throwing calls, toml::parse and date::locate_zone, are
// caught right here so no exception leaves this file.
#include "config/policy_loader.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "core/time.hpp"

namespace redress::config {
namespace {

using core::Errc;
using core::Error;
using core::Policy;

// Collects the first error with its location; parsing stops at the first problem so the
// message points at one place the author can fix.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  bool failed() const { return error_.has_value(); }
  Error TakeError() { return std::move(*error_); }

  void Fail(const toml::source_region& where, const std::string& key, const std::string& pointer,
            const std::string& message, Errc code = Errc::kInvalid) {
    if (error_) return;
    std::string detail = source_;
    if (where.begin.line != 0) detail += ":" + std::to_string(where.begin.line);
    detail += ": " + (key.empty() ? message : key + ": " + message);
    error_ = core::MakeError(code, std::move(detail), {{pointer, message}});
  }

  // Unknown keys are errors: a typo must not silently fall back to a default.
  void CheckKeys(const toml::table& t, const std::string& path, const std::string& pointer,
                 std::initializer_list<std::string_view> allowed) {
    for (auto&& [k, v] : t) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
      const std::string name = path.empty() ? std::string(k.str()) : path + "." + std::string(k);
      Fail(k.source(), name, pointer + "/" + std::string(k.str()), "unknown key");
      return;
    }
  }

  std::optional<std::string> String(const toml::table& t, std::string_view key,
                                    const std::string& path, const std::string& pointer,
                                    bool required) {
    const toml::node* n = t.get(key);
    const std::string name = Join(path, key);
    if (n == nullptr) {
      if (required) Fail(t.source(), name, pointer + "/" + std::string(key), "is required");
      return std::nullopt;
    }
    if (const auto* s = n->as_string()) return s->get();
    Fail(n->source(), name, pointer + "/" + std::string(key), "must be a string");
    return std::nullopt;
  }

  std::optional<bool> Bool(const toml::table& t, std::string_view key, const std::string& path,
                           const std::string& pointer) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (const auto* b = n->as_boolean()) return b->get();
    Fail(n->source(), Join(path, key), pointer + "/" + std::string(key), "must be true or false");
    return std::nullopt;
  }

  // An integer in [min, max].
  std::optional<int> Int(const toml::table& t, std::string_view key, const std::string& path,
                         const std::string& pointer, bool required, int min, const char* what) {
    const toml::node* n = t.get(key);
    const std::string name = Join(path, key);
    const std::string ptr = pointer + "/" + std::string(key);
    if (n == nullptr) {
      if (required) Fail(t.source(), name, ptr, "is required");
      return std::nullopt;
    }
    const auto* i = n->as_integer();
    if (i == nullptr || i->get() < min || i->get() > std::numeric_limits<int>::max()) {
      Fail(n->source(), name, ptr, std::string("must be ") + what);
      return std::nullopt;
    }
    return static_cast<int>(i->get());
  }

  // A date written as a TOML local date (2025-01-01) or a string ("2025-01-01").
  std::optional<core::LocalDate> Date(const toml::node& n, const std::string& name,
                                      const std::string& ptr) {
    if (const auto* d = n.as_date()) {
      const toml::date v = d->get();
      const core::LocalDate ymd{date::year(v.year), date::month(v.month), date::day(v.day)};
      if (ymd.ok()) return ymd;
    } else if (const auto* s = n.as_string()) {
      if (auto parsed = core::ParseDate(s->get())) return parsed;
    }
    Fail(n.source(), name, ptr, "must be a date such as 2026-01-31");
    return std::nullopt;
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

 private:
  std::string source_;
  std::optional<Error> error_;
};

template <typename E>
std::optional<E> ParseEnum(std::string_view text,
                           std::initializer_list<std::pair<std::string_view, E>> table) {
  for (const auto& [name, value] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

// An enumerated string key; `choices` lists the accepted spellings for the error message.
template <typename E>
std::optional<E> EnumKey(Reader& r, const toml::table& t, std::string_view key,
                         const std::string& path, const std::string& pointer,
                         std::initializer_list<std::pair<std::string_view, E>> table,
                         const char* choices) {
  auto s = r.String(t, key, path, pointer, /*required=*/false);
  if (!s) return std::nullopt;
  auto v = ParseEnum<E>(*s, table);
  if (!v) {
    r.Fail(t.get(key)->source(), Reader::Join(path, key), pointer + "/" + std::string(key),
           "'" + *s + "' is not one of " + choices);
  }
  return v;
}

void ReadCalendar(Reader& r, const toml::table& t, core::Calendar& cal) {
  const std::string path = "calendar";
  const std::string ptr = "/calendar";
  r.CheckKeys(t, path, ptr, {"id", "time_zone", "weekend", "close_of_business", "holidays"});
  if (auto v = r.String(t, "id", path, ptr, false)) cal.id = *v;
  if (auto v = r.String(t, "time_zone", path, ptr, true)) {
    cal.time_zone_name = *v;
    try {
      cal.zone = date::locate_zone(*v);
    } catch (const std::exception&) {
      r.Fail(t.get("time_zone")->source(), "calendar.time_zone", ptr + "/time_zone",
             "unknown IANA time zone '" + *v + "'");
    }
  }
  if (const toml::node* n = t.get("weekend")) {
    const auto* arr = n->as_array();
    if (arr == nullptr) {
      r.Fail(n->source(), "calendar.weekend", ptr + "/weekend",
             "must be an array of ISO weekday numbers (Mon=1 .. Sun=7)");
    } else {
      cal.weekend.clear();
      for (const toml::node& e : *arr) {
        const auto* i = e.as_integer();
        if (i == nullptr || i->get() < 1 || i->get() > 7) {
          r.Fail(e.source(), "calendar.weekend", ptr + "/weekend",
                 "must hold ISO weekday numbers (Mon=1 .. Sun=7)");
          break;
        }
        cal.weekend.insert(static_cast<unsigned>(i->get()));
      }
    }
  }
  if (auto v = r.String(t, "close_of_business", path, ptr, false)) {
    // "HH:MM", 00:01 .. 24:00.
    int h = -1;
    int m = -1;
    char colon = 0;
    std::istringstream in(*v);
    in >> h >> colon >> m;
    const bool ok = in && in.peek() == std::char_traits<char>::eof() && colon == ':' &&
                    v->size() == 5 && h >= 0 && m >= 0 && m < 60 &&
                    (h < 24 || (h == 24 && m == 0)) && (h > 0 || m > 0);
    if (!ok) {
      r.Fail(t.get("close_of_business")->source(), "calendar.close_of_business",
             ptr + "/close_of_business",
             "must be a local time \"HH:MM\" after 00:00, e.g. \"17:00\"");
    } else {
      cal.close_of_business = std::chrono::minutes(h * 60 + m);
    }
  }
  if (const toml::node* n = t.get("holidays")) {
    const auto* arr = n->as_array();
    if (arr == nullptr) {
      r.Fail(n->source(), "calendar.holidays", ptr + "/holidays", "must be an array of dates");
      return;
    }
    for (size_t i = 0; i < arr->size(); ++i) {
      const std::string name = "calendar.holidays[" + std::to_string(i) + "]";
      auto d = r.Date(*arr->get(i), name, ptr + "/holidays/" + std::to_string(i));
      if (!d) return;
      cal.holidays.insert(static_cast<int>(date::sys_days(*d).time_since_epoch().count()));
    }
  }
}

void ReadOmbudsman(Reader& r, const toml::table& t, core::Ombudsman& o) {
  const std::string path = "ombudsman";
  const std::string ptr = "/ombudsman";
  r.CheckKeys(t, path, ptr, {"name", "url", "time_limit"});
  if (auto v = r.String(t, "name", path, ptr, true)) o.name = *v;
  if (auto v = r.String(t, "url", path, ptr, false)) o.url = *v;
  if (auto v = r.String(t, "time_limit", path, ptr, false)) o.time_limit = *v;
}

void ReadClock(Reader& r, const toml::table& t, size_t index, core::ClockRule& rule) {
  const std::string path = "clocks[" + std::to_string(index) + "]";
  const std::string ptr = "/clocks/" + std::to_string(index);
  r.CheckKeys(t, path, ptr,
              {"name", "when_flag", "anchor", "unit", "count", "day_end", "roll_to_business_day",
               "extension_count", "citation"});
  if (auto v = r.String(t, "name", path, ptr, true)) rule.name = *v;
  if (auto v = r.String(t, "when_flag", path, ptr, false)) rule.when_flag = *v;
  if (auto v = EnumKey<core::Anchor>(r, t, "anchor", path, ptr,
                                     {{"received", core::Anchor::kReceived},
                                      {"sent_to_company", core::Anchor::kSentToCompany},
                                      {"reopened", core::Anchor::kReopened}},
                                     "received, sent_to_company, reopened")) {
    rule.anchor = *v;
  }
  if (t.get("unit") == nullptr) {
    r.Fail(t.source(), path + ".unit", ptr + "/unit", "is required");
  } else if (auto v =
                 EnumKey<core::TimeUnit>(r, t, "unit", path, ptr,
                                         {{"hours", core::TimeUnit::kHours},
                                          {"calendar_days", core::TimeUnit::kCalendarDays},
                                          {"business_days", core::TimeUnit::kBusinessDays},
                                          {"weeks", core::TimeUnit::kWeeks},
                                          {"months", core::TimeUnit::kMonths}},
                                         "hours, calendar_days, business_days, weeks, months")) {
    rule.unit = *v;
  }
  if (auto v = r.Int(t, "count", path, ptr, true, 1, "a positive integer")) rule.count = *v;
  if (auto v = EnumKey<core::DayEnd>(r, t, "day_end", path, ptr,
                                     {{"close_of_business", core::DayEnd::kCloseOfBusiness},
                                      {"end_of_day", core::DayEnd::kEndOfDay},
                                      {"exact", core::DayEnd::kExact}},
                                     "close_of_business, end_of_day, exact")) {
    rule.day_end = *v;
  }
  if (auto v = r.Bool(t, "roll_to_business_day", path, ptr)) rule.roll_to_business_day = *v;
  if (auto v = r.Int(t, "extension_count", path, ptr, false, 1, "a positive integer")) {
    rule.extension_count = *v;
  }
  if (auto v = r.String(t, "citation", path, ptr, false)) rule.rule_citation = *v;
}

void ReadPolicy(Reader& r, const toml::table& root, Policy& p) {
  r.CheckKeys(root, "", "",
              {"id", "name", "regime", "effective_from", "pause_allowed", "warn_fraction",
               "warn_on_last_business_day", "reopen_business_days", "auto_close_days",
               "reopen_on_reply_days", "follow_up_days", "survey_delay_days", "calendar",
               "ombudsman", "clocks"});
  if (auto v = r.String(root, "id", "", "", true)) p.id = *v;
  if (auto v = r.String(root, "name", "", "", true)) p.name = *v;
  if (auto v = r.String(root, "regime", "", "", true)) p.regime = *v;
  if (const toml::node* n = root.get("effective_from")) {
    if (auto d = r.Date(*n, "effective_from", "/effective_from"))
      p.effective_from = core::FormatDate(*d);
  } else {
    r.Fail(root.source(), "effective_from", "/effective_from", "is required");
  }
  if (auto v = r.Bool(root, "pause_allowed", "", "")) p.pause_allowed = *v;
  if (auto v = r.Bool(root, "warn_on_last_business_day", "", "")) {
    p.warn_on_last_business_day = *v;
  }
  if (const toml::node* n = root.get("warn_fraction")) {
    std::optional<double> f;
    if (const auto* d = n->as_floating_point()) f = d->get();
    if (const auto* i = n->as_integer()) f = static_cast<double>(i->get());
    if (!f || !(*f > 0.0 && *f <= 1.0)) {
      r.Fail(n->source(), "warn_fraction", "/warn_fraction",
             "must be a number in (0, 1], e.g. 0.75");
    } else {
      p.warn_fraction = *f;
    }
  }
  if (auto v = r.Int(root, "reopen_business_days", "", "", false, 1, "a positive integer")) {
    p.reopen_business_days = *v;
  }
  if (auto v = r.Int(root, "reopen_on_reply_days", "", "", false, 0, "a non-negative integer")) {
    p.reopen_on_reply_days = *v;
  }
  if (auto v = r.Int(root, "auto_close_days", "", "", false, 0, "a non-negative integer")) {
    p.auto_close_days = *v;
  }
  if (auto v = r.Int(root, "follow_up_days", "", "", false, 0, "a non-negative integer")) {
    p.follow_up_days = *v;
  }
  if (auto v = r.Int(root, "survey_delay_days", "", "", false, 0, "a non-negative integer")) {
    p.survey_delay_days = *v;
  }

  if (const toml::node* n = root.get("calendar")) {
    if (const auto* t = n->as_table()) {
      ReadCalendar(r, *t, p.calendar);
    } else {
      r.Fail(n->source(), "calendar", "/calendar", "must be a table [calendar]");
    }
  } else {
    r.Fail(root.source(), "calendar", "/calendar", "is required");
  }

  if (const toml::node* n = root.get("ombudsman")) {
    if (const auto* t = n->as_table()) {
      ReadOmbudsman(r, *t, p.ombudsman);
    } else {
      r.Fail(n->source(), "ombudsman", "/ombudsman", "must be a table [ombudsman]");
    }
  }

  const toml::node* clocks = root.get("clocks");
  const toml::array* arr = clocks != nullptr ? clocks->as_array() : nullptr;
  if (clocks == nullptr) {
    r.Fail(root.source(), "clocks", "/clocks", "is required: at least one [[clocks]] table");
  } else if (arr == nullptr || arr->empty()) {
    r.Fail(clocks->source(), "clocks", "/clocks", "must be one or more [[clocks]] tables");
  } else {
    for (size_t i = 0; i < arr->size() && !r.failed(); ++i) {
      const toml::table* t = arr->get(i)->as_table();
      if (t == nullptr) {
        r.Fail(arr->get(i)->source(), "clocks[" + std::to_string(i) + "]",
               "/clocks/" + std::to_string(i), "must be a table");
        break;
      }
      core::ClockRule rule;
      ReadClock(r, *t, i, rule);
      // Structural checks that need the whole rule, reported at the rule's line.
      if (!r.failed()) {
        for (const core::ClockRule& other : p.clocks) {
          if (other.name == rule.name && other.when_flag == rule.when_flag) {
            r.Fail(t->source(), "clocks[" + std::to_string(i) + "]", "/clocks/" + std::to_string(i),
                   "a clock named '" + rule.name + "'" +
                       (rule.when_flag.empty() ? "" : " for flag '" + rule.when_flag + "'") +
                       " is already defined");
          }
        }
        if (rule.day_end == core::DayEnd::kExact && rule.unit == core::TimeUnit::kBusinessDays) {
          r.Fail(t->source(), "clocks[" + std::to_string(i) + "].day_end",
                 "/clocks/" + std::to_string(i) + "/day_end",
                 "'exact' needs a calendar or hours unit, not business_days");
        }
        if (rule.roll_to_business_day && rule.unit != core::TimeUnit::kHours) {
          r.Fail(t->source(), "clocks[" + std::to_string(i) + "].roll_to_business_day",
                 "/clocks/" + std::to_string(i) + "/roll_to_business_day",
                 "applies only to unit 'hours'");
        }
        if (rule.extension_count && *rule.extension_count <= rule.count) {
          r.Fail(t->source(), "clocks[" + std::to_string(i) + "].extension_count",
                 "/clocks/" + std::to_string(i) + "/extension_count", "must exceed count");
        }
      }
      p.clocks.push_back(std::move(rule));
    }
  }
}

// Receipt instants used to compare two policies: every 7 hours through 2026, which crosses
// every weekday at many hours, both DST changes in each shipped zone and the year-end holidays.
std::vector<core::Instant> SampleAnchors() {
  std::vector<core::Instant> out;
  const core::Instant start = core::Instant(date::sys_days(date::year(2026) / 1 / 1));
  const core::Instant end = core::Instant(date::sys_days(date::year(2027) / 1 / 1));
  for (core::Instant t = start; t < end; t += std::chrono::hours(7)) out.push_back(t);
  return out;
}

std::string Label(const core::ClockRule& r) {
  return r.when_flag.empty() ? r.name : r.name + " (flag " + r.when_flag + ")";
}

}  // namespace

core::Result<Policy> ParsePolicy(std::string_view toml_text, std::string_view source_name) {
  Reader r(source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    r.Fail(e.source(), "", "", std::string(e.description()), Errc::kMalformed);
    return r.TakeError();
  }
  Policy p;
  ReadPolicy(r, root, p);
  if (r.failed()) return r.TakeError();
  // Whatever the schema cannot say on its own (e.g. a weekend covering the whole week).
  core::PolicyCheck check = core::CheckPolicy(p);
  if (!check.errors.empty()) {
    std::string detail = std::string(source_name) + ": " + check.errors.front();
    std::vector<core::FieldError> fields;
    for (const std::string& e : check.errors) fields.push_back({"", e});
    return core::MakeError(Errc::kInvalid, std::move(detail), std::move(fields));
  }
  return p;
}

}  // namespace redress::config

namespace redress::config {

core::Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::MakeError(Errc::kNotFound, path + ": cannot open file");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return core::MakeError(Errc::kInternal, path + ": read failed");
  return buf.str();
}

core::Result<Policy> LoadPolicyFile(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text) return std::move(text).error();
  return ParsePolicy(*text, path);
}

core::Result<std::vector<Policy>> LoadPolicyDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return core::MakeError(Errc::kNotFound, dir + ": cannot read directory: " + ec.message());
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : it) {
    const fs::path& p = e.path();
    if (p.extension() != ".toml" || p.filename() == "taxonomy.toml" ||
        p.filename() == "objectives.toml") {
      continue;
    }
    if (!e.is_regular_file(ec)) continue;
    files.push_back(p);
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  std::vector<Policy> out;
  std::map<std::string, std::string> seen;  // id -> file
  for (const fs::path& f : files) {
    auto p = LoadPolicyFile(f.string());
    if (!p) return std::move(p).error();
    auto [pos, inserted] = seen.emplace(p->id, f.filename().string());
    if (!inserted) {
      return core::MakeError(Errc::kInvalid, f.string() + ": policy id '" + p->id +
                                                 "' is already used by " + pos->second);
    }
    out.push_back(std::move(p).value());
  }
  return out;
}

std::vector<std::string> CompareWithShipped(const Policy& p, const std::vector<Policy>& shipped) {
  std::vector<std::string> warnings;
  const std::vector<core::Instant> anchors = SampleAnchors();
  for (const Policy& s : shipped) {
    if (s.regime != p.regime) continue;
    const std::string against = "shipped policy '" + s.id + "'";
    if (p.pause_allowed && !s.pause_allowed) {
      warnings.push_back("pause_allowed = true, but " + against + " allows no pause");
    }
    for (const core::ClockRule& srule : s.clocks) {
      // The rule `p` would apply in the situation the shipped rule covers.
      std::vector<std::string> flags;
      if (!srule.when_flag.empty()) flags.push_back(srule.when_flag);
      const core::ClockRule* prule = nullptr;
      for (const core::ClockRule* r : p.RulesFor(flags)) {
        if (r->name == srule.name) prule = r;
      }
      if (prule == nullptr) {
        warnings.push_back("clock '" + Label(srule) + "' is set by " + against + " but not here");
        continue;
      }
      if (prule->extension_count &&
          (!srule.extension_count || *prule->extension_count > *srule.extension_count)) {
        warnings.push_back("clock '" + Label(srule) + "': extension_count " +
                           std::to_string(*prule->extension_count) + " exceeds " + against + "'s " +
                           (srule.extension_count ? std::to_string(*srule.extension_count)
                                                  : std::string("(none)")));
      }
      for (core::Instant a : anchors) {
        const core::Instant mine = core::ComputeDeadline(p, *prule, a).due;
        const core::Instant theirs = core::ComputeDeadline(s, srule, a).due;
        if (mine > theirs) {
          warnings.push_back("clock '" + Label(srule) + "' is looser than " + against +
                             ": received " + core::FormatInstant(a) + ", due " +
                             core::FormatInstant(mine) + " instead of " +
                             core::FormatInstant(theirs));
          break;
        }
      }
    }
  }
  return warnings;
}

}  // namespace redress::config
