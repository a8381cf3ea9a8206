// The management review report: ReviewData as one self-contained HTML page (inline CSS, inline
// SVG charts, no script, no external resource), and that page as PDF through weasyprint.
//
// Every text value goes through Esc; table cells and SVG fragments are built from escaped text
// only. Charts use presentation attributes rather than CSS so that browsers and weasyprint's
// SVG renderer draw them alike.
#include "report/review.hpp"

#include <date/date.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string_view>
#include <utility>

#include "core/time.hpp"

extern char** environ;

namespace redress::report {
namespace {

// --- Text ------------------------------------------------------------------------------------

constexpr std::string_view kDash = "—";  // an absent value

// HTML/XML text and attribute escaping. C0 controls other than tab and newlines are dropped:
// they are not allowed in the SVG (XML) parts of the page.
std::string Esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
          out += c;
        }
    }
  }
  return out;
}

// An enum or check name for reading: "in_progress" -> "in progress".
std::string Humanise(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

// At most `max` code points of UTF-8 text, with an ellipsis when cut.
std::string Truncate(std::string_view s, size_t max) {
  size_t points = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (points++ == max) return std::string(s.substr(0, i)) + "…";
  }
  return std::string(s);
}

// "1234567" -> "1,234,567" (digits only; the caller adds the sign).
std::string GroupThousands(uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Num(int64_t v) {
  const uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  return (v < 0 ? "-" : "") + GroupThousands(magnitude);
}

// A share (0..1) as a percentage with one decimal: "87.5 %"; absent: "—".
std::string Pct(std::optional<double> share) {
  if (!share || !std::isfinite(*share)) return std::string(kDash);
  return fmt::format("{:.1f} %", *share * 100);
}

// An amount in minor units as major units: 123450 -> "1,234.50".
std::string Money(double minor) {
  const auto cents = static_cast<int64_t>(std::llround(minor));
  const uint64_t magnitude =
      cents < 0 ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  return fmt::format("{}{}.{:02}", cents < 0 ? "-" : "", GroupThousands(magnitude / 100),
                     magnitude % 100);
}
std::string Money(std::optional<double> minor) {
  return minor && std::isfinite(*minor) ? Money(*minor) : std::string(kDash);
}

// A mean rating on the 1..5 survey scale.
std::string Rating(std::optional<double> mean) {
  if (!mean || !std::isfinite(*mean)) return std::string(kDash);
  return fmt::format("{:.1f} / 5", *mean);
}

std::string Days(std::optional<int64_t> days) {
  if (!days) return std::string(kDash);
  return *days == 1 ? "1 day" : Num(*days) + " days";
}

// The change from `before` to `now`: "+12 (+20.0 %)", "-3 (-5.0 %)", "no change".
std::string Change(int64_t now, int64_t before) {
  const int64_t diff = now - before;
  if (diff == 0) return "no change";
  const std::string abs = (diff > 0 ? "+" : "") + Num(diff);
  if (before <= 0) return abs;
  return fmt::format("{} ({:+.1f} %)", abs,
                     100.0 * static_cast<double>(diff) / static_cast<double>(before));
}

// --- Dates -----------------------------------------------------------------------------------

constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

int64_t DayNumber(core::LocalDate d) { return date::sys_days{d}.time_since_epoch().count(); }
core::LocalDate DateOfDay(int64_t n) { return core::LocalDate{date::sys_days{date::days{n}}}; }

// "1 January 2026"; "—" for an unset date.
std::string LongDate(core::LocalDate d) {
  if (!d.ok()) return std::string(kDash);
  return fmt::format("{} {} {}", static_cast<unsigned>(d.day()),
                     kMonths[static_cast<unsigned>(d.month()) - 1], static_cast<int>(d.year()));
}

// "5 Jan": the week labels of the trend chart.
std::string ShortDate(core::LocalDate d) {
  return fmt::format("{} {}", static_cast<unsigned>(d.day()),
                     kMonths[static_cast<unsigned>(d.month()) - 1].substr(0, 3));
}

// A period given by its first day and the day after its last, as "1 January 2026 – 30 June
// 2026" (both ends inclusive, as a reader expects).
std::string Period(core::LocalDate from, core::LocalDate to_exclusive) {
  const std::string last =
      to_exclusive.ok() ? LongDate(DateOfDay(DayNumber(to_exclusive) - 1)) : std::string(kDash);
  return LongDate(from) + " – " + last;
}
std::string Period(const std::string& from, const std::string& to_exclusive) {
  return Period(core::ParseDate(from).value_or(core::LocalDate{}),
                core::ParseDate(to_exclusive).value_or(core::LocalDate{}));
}

// "1 July 2026, 08:00 UTC" from an ISO 8601 instant; the text itself if it does not parse.
std::string LongInstant(const std::string& iso) {
  const auto t = core::ParseInstant(iso);
  if (!t) return iso.empty() ? std::string(kDash) : iso;
  const auto day = std::chrono::floor<date::days>(*t);
  const date::hh_mm_ss<std::chrono::milliseconds> hms{*t - day};
  return fmt::format("{}, {:02}:{:02} UTC", LongDate(core::LocalDate{day}), hms.hours().count(),
                     hms.minutes().count());
}

// --- HTML building blocks --------------------------------------------------------------------

struct Column {
  std::string_view title;
  bool numeric = false;
};
using Row = std::vector<std::string>;  // cells as HTML: every text value already escaped

std::string Table(const std::vector<Column>& columns, const std::vector<Row>& rows,
                  std::string_view css_class = "") {
  std::string out = css_class.empty() ? "<table>" : fmt::format("<table class=\"{}\">", css_class);
  out += "<thead><tr>";
  for (const auto& c : columns) {
    out += fmt::format("<th{}>{}</th>", c.numeric ? " class=\"num\"" : "", Esc(c.title));
  }
  out += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      const bool numeric = i < columns.size() && columns[i].numeric;
      out += fmt::format("<td{}>{}</td>", numeric ? " class=\"num\"" : "", row[i]);
    }
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

// A two-column table of labelled values (labels are constants; values are escaped here).
std::string Facts(const std::vector<std::pair<std::string_view, std::string>>& items) {
  std::vector<Row> rows;
  for (const auto& [label, value] : items) rows.push_back({Esc(label), Esc(value)});
  return Table({{"Measure"}, {"Value", true}}, rows, "facts");
}

std::string Section(std::string_view id, std::string_view title, const std::string& body) {
  return fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", id, Esc(title), body);
}

std::string Para(std::string_view text, std::string_view css_class = "empty") {
  return fmt::format("<p class=\"{}\">{}</p>\n", css_class, Esc(text));
}

// --- SVG building blocks ---------------------------------------------------------------------

constexpr std::string_view kFont = "DejaVu Sans, Helvetica, Arial, sans-serif";

// The plotting area of a chart, in SVG user units.
struct Plot {
  double left, top, width, height;
  double bottom() const { return top + height; }
  double right() const { return left + width; }
  // y of `v` on a scale from 0 to `max`.
  double Y(double v, double max) const { return bottom() - height * (max > 0 ? v / max : 0); }
};

// An axis step of 1, 2 or 5 times a power of ten giving about five intervals up to `max`.
double NiceStep(double max) {
  if (max <= 5) return 1;
  const double raw = max / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (raw <= m * magnitude) return m * magnitude;
  }
  return 10 * magnitude;
}

// The top of a count axis: a whole number of steps at or above `max` (at least one step).
double AxisMax(double max, double step) { return std::max(step, std::ceil(max / step) * step); }

std::string SvgText(double x, double y, std::string_view text, std::string_view anchor,
                    std::string_view extra = "") {
  return fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" font-family=\"{}\" font-size=\"10\" fill=\"#333\" "
      "text-anchor=\"{}\"{}>{}</text>\n",
      x, y, kFont, anchor, extra, Esc(text));
}

std::string SvgLine(double x1, double y1, double x2, double y2, std::string_view stroke,
                    std::string_view extra = "") {
  return fmt::format(
      "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"{}/>\n", x1, y1,
      x2, y2, stroke, extra);
}

// Horizontal grid lines with labels on the left, from 0 to `max` by `step`.
std::string CountAxis(const Plot& p, double max, double step) {
  std::string out;
  for (double v = 0; v <= max + step / 2; v += step) {
    const double y = p.Y(v, max);
    out += SvgLine(p.left, y, p.right(), y, "#ddd");
    out += SvgText(p.left - 6, y + 3.5, Num(static_cast<int64_t>(v)), "end");
  }
  out += SvgLine(p.left, p.top, p.left, p.bottom(), "#666");
  out += SvgLine(p.left, p.bottom(), p.right(), p.bottom(), "#666");
  return out;
}

std::string AxisTitle(double x, double y, std::string_view text, bool vertical) {
  const std::string rotate =
      vertical ? fmt::format(" transform=\"rotate(-90 {:.1f} {:.1f})\"", x, y) : "";
  return SvgText(x, y, text, "middle", rotate);
}

std::string Svg(std::string_view css_class, double width, double height, std::string_view title,
                const std::string& body) {
  return fmt::format(
      "<svg class=\"{}\" viewBox=\"0 0 {:.0f} {:.0f}\" width=\"{:.0f}\" height=\"{:.0f}\" "
      "role=\"img\" aria-label=\"{}\">\n<title>{}</title>\n{}</svg>\n",
      css_class, width, height, width, height, Esc(title), Esc(title), body);
}

std::string Figure(const std::string& svg, std::string_view caption) {
  return fmt::format("<figure>\n{}<figcaption>{}</figcaption>\n</figure>\n", svg, Esc(caption));
}

// --- Summary ---------------------------------------------------------------------------------

std::string SummarySection(const ReviewData& d) {
  std::string body = "<dl class=\"meta\">";
  body += "<dt>Organisation</dt><dd>" + Esc(d.organisation) + "</dd>";
  body += "<dt>Period</dt><dd>" + Esc(Period(d.from, d.to)) + "</dd>";
  body += "<dt>Generated</dt><dd>" + Esc(LongInstant(d.generated_at)) + "</dd></dl>\n";
  std::vector<Row> rows = {
      {"This period", Num(d.kpis.received), Num(d.kpis.closed), Num(d.kpis.open)}};
  if (d.previous) {
    const core::Kpis& p = *d.previous;
    rows.push_back({"Previous period", Num(p.received), Num(p.closed), Num(p.open)});
    rows.push_back({"Change", Esc(Change(d.kpis.received, p.received)),
                    Esc(Change(d.kpis.closed, p.closed)), Esc(Change(d.kpis.open, p.open))});
  }
  body += Table({{""}, {"Received", true}, {"Closed", true}, {"Open", true}}, rows, "headline");
  if (!d.previous) body += Para("No data for the previous period of the same length.", "note");
  return Section("summary", "Summary", body);
}

// --- KPIs against targets --------------------------------------------------------------------

struct RateLine {
  std::string_view name;
  std::optional<double> core::Kpis::*rate;
};
constexpr std::array<RateLine, 7> kIndicators = {{
    {"Acknowledged on time", &core::Kpis::ack_on_time},
    {"Final response on time", &core::Kpis::final_on_time},
    {"Upheld (in full)", &core::Kpis::upheld},
    {"Reopened after closure", &core::Kpis::reopen_rate},
    {"Referred to an outside body", &core::Kpis::referral_rate},
    {"Resolved early", &core::Kpis::early_resolution},
    {"Survey response", &core::Kpis::survey_response},
}};

Row TargetRow(const Target& t) {
  auto show = [&t](std::optional<double> v) { return t.share ? Pct(v) : Rating(v); };
  const std::string objective = (t.higher_is_better ? "≥ " : "≤ ") + show(t.objective);
  std::string status = std::string(kDash);
  if (t.actual) {
    const bool met = t.higher_is_better ? *t.actual >= t.objective : *t.actual <= t.objective;
    status = met ? "<span class=\"met\">met</span>" : "<span class=\"not-met\">not met</span>";
  }
  return {Esc(t.name), Esc(objective), t.actual ? Esc(show(t.actual)) : "no data", status};
}

std::string KpiSection(const ReviewData& d) {
  std::string body;
  if (d.targets.empty()) {
    body += Para("No targets are configured.");
  } else {
    std::vector<Row> rows;
    for (const auto& t : d.targets) rows.push_back(TargetRow(t));
    body +=
        Table({{"Indicator"}, {"Objective", true}, {"Actual", true}, {"Status"}}, rows, "targets");
  }
  body += "<h3>All indicators</h3>\n";
  std::vector<Row> rows;
  for (const auto& line : kIndicators) {
    rows.push_back({Esc(line.name), Esc(Pct(d.kpis.*line.rate)),
                    Esc(d.previous ? Pct((*d.previous).*line.rate) : std::string(kDash))});
  }
  body += Table({{"Indicator"}, {"This period", true}, {"Previous period", true}}, rows);
  return Section("kpis", "KPIs against targets", body);
}

// --- Volumes and trend -----------------------------------------------------------------------

// The trend chart's frame: the weeks it shows, in days since the epoch.
struct TrendScale {
  Plot plot;
  int64_t first_day = 0;  // the first week's Monday
  int64_t end_day = 0;    // the day after the last week's Sunday
  double max = 1;
  double X(double day) const {
    return plot.left + plot.width * (day - static_cast<double>(first_day)) /
                           static_cast<double>(std::max<int64_t>(1, end_day - first_day));
  }
  // A week's point sits in the middle of its week.
  double WeekX(int64_t monday) const { return X(static_cast<double>(monday) + 3.5); }
};

constexpr double kTrendWidth = 640, kTrendHeight = 280;

std::vector<int64_t> WeekDays(const ReviewData& d) {
  std::vector<int64_t> days;
  for (const auto& [week, count] : d.weekly) {
    const auto day = core::ParseDate(week);
    days.push_back(day ? DayNumber(*day) : (days.empty() ? 0 : days.back() + 7));
  }
  return days;
}

std::string WeekTicks(const TrendScale& s, const std::vector<int64_t>& days) {
  std::string out;
  const size_t every = std::max<size_t>(1, (days.size() + 8) / 9);
  for (size_t i = 0; i < days.size(); i += every) {
    const double x = s.WeekX(days[i]);
    out += SvgLine(x, s.plot.bottom(), x, s.plot.bottom() + 4, "#666");
    out += SvgText(x, s.plot.bottom() + 16, ShortDate(DateOfDay(days[i])), "middle");
  }
  return out;
}

std::string TrendLine(const TrendScale& s, const ReviewData& d, const std::vector<int64_t>& days) {
  std::string points, dots;
  for (size_t i = 0; i < days.size(); ++i) {
    const double x = s.WeekX(days[i]);
    const double y = s.plot.Y(static_cast<double>(d.weekly[i].second), s.max);
    points += fmt::format("{:.1f},{:.1f} ", x, y);
    dots += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.2\" fill=\"#1f4e79\"/>\n", x, y);
  }
  return fmt::format(
             "<polyline class=\"trend-line\" points=\"{}\" fill=\"none\" stroke=\"#1f4e79\" "
             "stroke-width=\"2\"/>\n",
             points) +
         dots;
}

// A red ring on each week of `weekly` that has a spike in some dimension value.
std::string SpikeDots(const TrendScale& s, const ReviewData& d, const std::vector<int64_t>& days) {
  std::string out;
  for (size_t i = 0; i < days.size(); ++i) {
    std::string what;
    for (const auto& sp : d.spikes) {
      if (sp.week != d.weekly[i].first) continue;
      what += (what.empty() ? "Spike: " : "; ") + sp.dimension + " " + sp.value;
    }
    if (what.empty()) continue;
    out += fmt::format(
        "<circle class=\"spike-dot\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5.5\" fill=\"#c62828\" "
        "stroke=\"#fff\" stroke-width=\"1.5\"><title>{}</title></circle>\n",
        s.WeekX(days[i]), s.plot.Y(static_cast<double>(d.weekly[i].second), s.max), Esc(what));
  }
  return out;
}

// The annotations whose day lies in both the reported period and the charted weeks.
std::vector<const core::Annotation*> ChartedAnnotations(const ReviewData& d, const TrendScale& s) {
  const auto from = core::ParseDate(d.from);
  const auto to = core::ParseDate(d.to);
  const int64_t lo = std::max(s.first_day, from ? DayNumber(*from) : s.first_day);
  const int64_t hi = std::min(s.end_day, to ? DayNumber(*to) : s.end_day);
  std::vector<const core::Annotation*> out;
  for (const auto& a : d.annotations) {
    if (!a.day.ok()) continue;
    const int64_t day = DayNumber(a.day);
    if (day >= lo && day < hi) out.push_back(&a);
  }
  return out;
}

std::string AnnotationMarkers(const TrendScale& s,
                              const std::vector<const core::Annotation*>& notes) {
  std::string out;
  for (size_t i = 0; i < notes.size(); ++i) {
    const double x = s.X(static_cast<double>(DayNumber(notes[i]->day)) + 0.5);
    const double label_y = 12.0 + 11.0 * static_cast<double>(i % 3);
    const bool near_right = x > s.plot.right() - 140;
    out += "<g class=\"annotation\">";
    out += SvgLine(x, label_y + 3, x, s.plot.bottom(), "#8e44ad",
                   " stroke-width=\"1.2\" stroke-dasharray=\"4 3\"");
    out += SvgText(near_right ? x - 3 : x + 3, label_y,
                   fmt::format("{}. {}", i + 1, Truncate(notes[i]->label, 28)),
                   near_right ? "end" : "start", " fill=\"#6c3483\"");
    out += "</g>\n";
  }
  return out;
}

std::string AnnotationList(const std::vector<const core::Annotation*>& notes) {
  if (notes.empty()) return {};
  std::string out = "<ol class=\"annotations\">";
  for (const auto* a : notes) {
    out += fmt::format("<li>{} ({}): {}</li>", Esc(LongDate(a->day)), Esc(Humanise(a->kind)),
                       Esc(a->label));
  }
  return out + "</ol>\n";
}

std::string TrendSection(const ReviewData& d) {
  if (d.weekly.empty()) {
    return Section("trend", "Volumes and trend", Para("No complaints received in this period."));
  }
  const std::vector<int64_t> days = WeekDays(d);
  TrendScale s{
      {52, 48, kTrendWidth - 52 - 16, kTrendHeight - 48 - 44}, days.front(), days.back() + 7, 1};
  int64_t peak = 0;
  for (const auto& [week, count] : d.weekly) peak = std::max(peak, count);
  const double step = NiceStep(static_cast<double>(peak));
  s.max = AxisMax(static_cast<double>(peak), step);
  const auto notes = ChartedAnnotations(d, s);
  const std::string body =
      CountAxis(s.plot, s.max, step) + WeekTicks(s, days) +
      AxisTitle(14, s.plot.top + s.plot.height / 2, "Complaints", true) +
      AxisTitle(s.plot.left + s.plot.width / 2, kTrendHeight - 6, "Week starting", false) +
      AnnotationMarkers(s, notes) + TrendLine(s, d, days) + SpikeDots(s, d, days);
  const std::string caption =
      "Complaints received per week. Red dots: weeks with a spike (see Spikes); dashed lines: "
      "annotated events.";
  return Section(
      "trend", "Volumes and trend",
      Figure(Svg("trend", kTrendWidth, kTrendHeight, "Complaints received per week", body),
             caption) +
          AnnotationList(notes));
}

// --- Spikes ----------------------------------------------------------------------------------

std::string ZScore(double z) {
  if (std::isinf(z)) return "∞ (flat baseline)";
  return fmt::format("{:.1f}", z);
}

std::string SpikeSection(const ReviewData& d) {
  if (d.spikes.empty()) return Section("spikes", "Spikes", Para("No spikes in this period."));
  std::vector<Row> rows;
  for (const auto& s : d.spikes) {
    const auto week = core::ParseDate(s.week);
    rows.push_back({Esc(Humanise(s.dimension)), Esc(s.value), Esc(week ? LongDate(*week) : s.week),
                    Num(s.count), Esc(fmt::format("{:.1f}", s.baseline_median)), Esc(ZScore(s.z))});
  }
  return Section("spikes", "Spikes",
                 Table({{"Dimension"},
                        {"Value"},
                        {"Week starting"},
                        {"Count", true},
                        {"Baseline median", true},
                        {"Robust z", true}},
                       rows));
}

// --- Breakdowns ------------------------------------------------------------------------------

std::string BreakdownTable(std::string_view title, std::string_view key,
                           const std::vector<Breakdown>& lines) {
  std::string out = fmt::format("<h3>{}</h3>\n", Esc(title));
  if (lines.empty()) return out + Para("No data.");
  std::vector<Row> rows;
  for (const auto& b : lines) {
    rows.push_back({Esc(b.key.empty() ? "(none)" : b.key), Num(b.kpis.received), Num(b.kpis.closed),
                    Esc(Pct(b.kpis.upheld)), Esc(Pct(b.kpis.final_on_time)),
                    Esc(Rating(b.kpis.satisfaction_handling))});
  }
  return out + Table({{key},
                      {"Received", true},
                      {"Closed", true},
                      {"% upheld", true},
                      {"Final response on time", true},
                      {"Handling satisfaction", true}},
                     rows);
}

std::string BreakdownSection(const ReviewData& d) {
  return Section("breakdowns", "Breakdowns",
                 BreakdownTable("By category", "Category", d.by_category) +
                     BreakdownTable("By product", "Product", d.by_product) +
                     BreakdownTable("By channel", "Channel", d.by_channel));
}

// --- Outcomes, resolution, satisfaction ------------------------------------------------------

std::string OutcomeSection(const ReviewData& d) {
  const core::Kpis& k = d.kpis;
  return Section("outcomes", "Outcomes and redress",
                 Facts({{"Decisions communicated", Num(k.decided)},
                        {"Upheld", Pct(k.upheld)},
                        {"Partly upheld", Pct(k.partly_upheld)},
                        {"Not upheld", Pct(k.not_upheld)},
                        {"Total redress", Money(static_cast<double>(k.redress_minor))},
                        {"Complaints with redress", Num(k.redressed)},
                        {"Mean redress per complaint with redress", Money(k.redress_mean_minor)}}));
}

constexpr std::array<std::string_view, 4> kAgeBuckets = {"≤ 3 business days", "≤ 4 weeks",
                                                         "≤ 8 weeks", "> 8 weeks"};

std::string ResolveSection(const ReviewData& d) {
  std::string body = Facts({{"Complaints resolved", Num(d.resolve.resolved)},
                            {"Median (p50)", Days(d.resolve.p50)},
                            {"90th percentile (p90)", Days(d.resolve.p90)}});
  body += Para(
      "Percentiles are nearest-rank, in calendar days from receipt to closure, over the "
      "complaints closed in the period.",
      "note");
  body += "<h3>Open complaints by age</h3>\n";
  std::vector<Row> rows;
  int64_t total = 0;
  for (size_t i = 0; i < kAgeBuckets.size(); ++i) {
    rows.push_back({Esc(kAgeBuckets[i]), Num(d.open_by_age[i])});
    total += d.open_by_age[i];
  }
  rows.push_back({"<strong>All open</strong>", "<strong>" + Num(total) + "</strong>"});
  body += Table({{"Age"}, {"Open", true}}, rows, "ageing");
  return Section("resolution", "Time to resolve and open ageing", body);
}

std::string SatisfactionSection(const ReviewData& d) {
  const core::Kpis& k = d.kpis;
  return Section("satisfaction", "Satisfaction",
                 Facts({{"Survey answers", Num(k.surveys)},
                        {"Response rate", Pct(k.survey_response)},
                        {"Handling of the complaint", Rating(k.satisfaction_handling)},
                        {"Outcome", Rating(k.satisfaction_outcome)}}));
}

// --- Pareto ----------------------------------------------------------------------------------

// The rows most first, each with its share and cumulative share recomputed from the counts.
std::vector<core::ParetoRow> SortedPareto(std::vector<core::ParetoRow> rows) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.count > b.count; });
  int64_t total = 0;
  for (const auto& r : rows) total += r.count;
  int64_t running = 0;
  for (auto& r : rows) {
    running += r.count;
    r.share = total > 0 ? static_cast<double>(r.count) / static_cast<double>(total) : 0;
    r.cumulative = total > 0 ? static_cast<double>(running) / static_cast<double>(total) : 0;
  }
  return rows;
}

constexpr double kParetoWidth = 640, kParetoHeight = 280;

std::string PercentAxis(const Plot& p) {
  std::string out = SvgLine(p.right(), p.top, p.right(), p.bottom(), "#666");
  for (int v = 0; v <= 100; v += 20) {
    out += SvgText(p.right() + 6, p.Y(v, 100) + 3.5, fmt::format("{} %", v), "start");
  }
  const double y80 = p.Y(80, 100);
  out += SvgLine(p.left, y80, p.right(), y80, "#c0392b",
                 " class=\"guide-80\" stroke-width=\"1\" stroke-dasharray=\"6 4\"");
  return out + SvgText(p.right() - 4, y80 - 4, "80 % guide", "end", " fill=\"#c0392b\"");
}

std::string ParetoBars(const Plot& p, const std::vector<core::ParetoRow>& rows, double max) {
  std::string out, cumulative;
  const double band = p.width / static_cast<double>(rows.size());
  const auto label_chars = static_cast<size_t>(std::max(3.0, band / 6.5));
  for (size_t i = 0; i < rows.size(); ++i) {
    const double cx = p.left + band * (static_cast<double>(i) + 0.5);
    const double y = p.Y(static_cast<double>(rows[i].count), max);
    out += fmt::format(
        "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
        "fill=\"{}\"/>\n",
        cx - band * 0.35, y, band * 0.7, p.bottom() - y, rows[i].vital ? "#1f4e79" : "#8fa9c4");
    out += SvgText(cx, y - 3, Num(rows[i].count), "middle");
    out += SvgText(cx, p.bottom() + 14, Truncate(Humanise(rows[i].key), label_chars), "middle");
    const double cy = p.Y(rows[i].cumulative * 100, 100);
    cumulative += fmt::format("{:.1f},{:.1f} ", cx, cy);
    out +=
        fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"#e67e22\"/>\n", cx, cy);
  }
  return out + fmt::format(
                   "<polyline class=\"cumulative\" points=\"{}\" fill=\"none\" "
                   "stroke=\"#e67e22\" stroke-width=\"2\"/>\n",
                   cumulative);
}

std::string ParetoChart(const std::vector<core::ParetoRow>& rows) {
  const Plot p{52, 16, kParetoWidth - 52 - 48, kParetoHeight - 16 - 44};
  const double peak = static_cast<double>(rows.front().count);
  const double step = NiceStep(peak);
  const double max = AxisMax(peak, step);
  const std::string body = CountAxis(p, max, step) + ParetoBars(p, rows, max) + PercentAxis(p) +
                           AxisTitle(14, p.top + p.height / 2, "Complaints", true) +
                           AxisTitle(p.left + p.width / 2, kParetoHeight - 6, "Cause", false);
  return Figure(Svg("pareto", kParetoWidth, kParetoHeight, "Pareto of causes", body),
                "Complaints by recorded cause, most first (dark bars: the vital few), with the "
                "cumulative share (line) and the 80 % guide.");
}

std::string ParetoSection(const ReviewData& d) {
  if (d.pareto.empty()) {
    return Section("pareto", "Pareto of causes", Para("No causes recorded in this period."));
  }
  const auto rows = SortedPareto(d.pareto);
  std::vector<Row> table;
  for (const auto& r : rows) {
    table.push_back({Esc(Humanise(r.key)), Num(r.count), Esc(Pct(r.share)), Esc(Pct(r.cumulative)),
                     Esc(Money(static_cast<double>(r.redress_minor))),
                     r.vital ? "<span class=\"vital\">vital few</span>" : ""});
  }
  return Section("pareto", "Pareto of causes",
                 ParetoChart(rows) + Table({{"Cause"},
                                            {"Complaints", true},
                                            {"Share", true},
                                            {"Cumulative", true},
                                            {"Redress", true},
                                            {"80 % group"}},
                                           table, "pareto-table"));
}

// --- Root causes and actions -----------------------------------------------------------------

std::string List(std::string_view tag, const std::vector<std::string>& items) {
  std::string out = fmt::format("<{}>", tag);
  for (const auto& i : items) out += "<li>" + Esc(i) + "</li>";
  return out + fmt::format("</{}>", tag);
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

std::string RootCauseBlock(const core::RootCause& rc) {
  std::string out = fmt::format("<article class=\"root-cause\">\n<h4>{}</h4>\n<dl>", Esc(rc.title));
  out += "<dt>Method</dt><dd>" + Esc(Humanise(core::ToString(rc.method))) + "</dd>";
  out += "<dt>Category</dt><dd>" +
         Esc(rc.category ? Humanise(core::ToString(*rc.category)) : std::string(kDash)) + "</dd>";
  if (!rc.description.empty()) out += "<dt>Description</dt><dd>" + Esc(rc.description) + "</dd>";
  if (!rc.whys.empty()) out += "<dt>Whys</dt><dd>" + List("ol", rc.whys) + "</dd>";
  out += "<dt>Complaints</dt><dd>" +
         Esc(rc.complaints.empty() ? std::string(kDash) : Join(rc.complaints, ", ")) + "</dd>";
  return out + "</dl>\n</article>\n";
}

// A check's measured value or threshold in the measure's own unit.
std::string MeasureValue(core::CheckMeasure m, double v) {
  switch (m) {
    case core::CheckMeasure::kVolume:
      return Num(std::llround(v)) + " complaints";
    case core::CheckMeasure::kSatisfaction:
      return Rating(v);
    case core::CheckMeasure::kUpheldRate:
    case core::CheckMeasure::kFinalOnTime:
      break;
  }
  return Pct(v);
}

std::string_view Window(core::FactPeriod p) {
  switch (p) {
    case core::FactPeriod::kDay:
      return "day";
    case core::FactPeriod::kWeek:
      return "week (7 days)";
    case core::FactPeriod::kMonth:
      break;
  }
  return "month (30 days)";
}

std::string CheckDescription(const core::EffectivenessCheck& c) {
  std::vector<std::string> filters;
  for (const auto& [dim, value] : c.where) {
    filters.push_back(Humanise(core::ToString(dim)) + " = " + value);
  }
  return fmt::format("{}{} over the {} before {}; effective when {} {}",
                     Humanise(core::ToString(c.measure)),
                     filters.empty() ? "" : " where " + Join(filters, ", "), Window(c.window),
                     LongDate(c.check_on), c.below ? "below" : "at or above",
                     MeasureValue(c.measure, c.threshold));
}

std::string CheckResult(const core::EffectivenessCheck& c) {
  if (!c.evaluated_at) return "not yet evaluated";
  if (!c.measured) return "no data";
  const std::string measured = " (measured " + MeasureValue(c.measure, *c.measured) + ")";
  return (c.effective.value_or(false) ? "effective" : "not effective") + measured;
}

Row ActionRow(const ActionLine& line) {
  const core::CorrectiveAction& a = line.action;
  const std::string attention =
      line.attention.empty()
          ? std::string(kDash)
          : "<span class=\"attention\">" + Esc(Humanise(line.attention)) + "</span>";
  const std::string title =
      Esc(a.title) + (line.root_cause.empty()
                          ? ""
                          : "<br><small>Root cause: " + Esc(line.root_cause) + "</small>");
  return {title,
          Esc(core::ToString(a.kind)),
          Esc(a.owner.empty() ? std::string(kDash) : a.owner),
          Esc(LongDate(a.due)),
          Esc(Humanise(core::ToString(a.status))),
          Esc(CheckDescription(a.check)),
          Esc(CheckResult(a.check)),
          attention};
}

std::string RootCauseSection(const ReviewData& d) {
  std::string body = "<h3>Root causes</h3>\n";
  if (d.root_causes.empty()) body += Para("No root causes analysed for this period.");
  for (const auto& rc : d.root_causes) body += RootCauseBlock(rc);
  body += "<h3>Corrective and preventive actions</h3>\n";
  if (d.actions.empty()) {
    body += Para("No open actions and no effectiveness checks in this period.");
  } else {
    std::vector<Row> rows;
    for (const auto& line : d.actions) rows.push_back(ActionRow(line));
    body += Table({{"Action"},
                   {"Kind"},
                   {"Owner"},
                   {"Due"},
                   {"Status"},
                   {"Effectiveness check"},
                   {"Result"},
                   {"Attention"}},
                  rows, "actions");
  }
  return Section("root-causes", "Root causes and actions", body);
}

// --- Audit findings --------------------------------------------------------------------------

std::string FailedChecks(const core::AuditItem& item) {
  std::vector<std::string> failed;
  for (const auto& c : item.checks) {
    if (!c.passed) failed.push_back(Humanise(c.name) + (c.detail.empty() ? "" : ": " + c.detail));
  }
  return failed.empty() ? "none" : List("ul", failed);
}

std::string AuditBlock(const core::Audit& a) {
  std::string out = fmt::format("<article class=\"audit\">\n<h3>Audit {}</h3>\n", a.id);
  out +=
      Facts({{"Auditor", a.auditor},
             {"Complaints closed", Period(a.from, a.to)},
             {"Seed", std::to_string(a.seed)},
             {"Population", Num(a.population)},
             {"Sample size", fmt::format("{} drawn of {} requested",
                                         Num(static_cast<int64_t>(a.items.size())), Num(a.size))}});
  if (a.items.empty()) return out + Para("The sample is empty.") + "</article>\n";
  std::vector<Row> rows;
  for (const auto& item : a.items) {
    rows.push_back({"<span class=\"ref\">" + Esc(item.reference) + "</span>", FailedChecks(item),
                    Esc(Humanise(core::ToString(item.severity))),
                    Esc(item.note.empty() ? std::string(kDash) : item.note)});
  }
  return out + Table({{"Complaint"}, {"Failed checks"}, {"Severity"}, {"Note"}}, rows, "audit") +
         "</article>\n";
}

std::string AuditSection(const ReviewData& d) {
  std::string body;
  if (d.audits.empty()) body = Para("No audit samples were drawn in this period.");
  for (const auto& a : d.audits) body += AuditBlock(a);
  return Section("audits", "Audit findings", body);
}

// --- PDF by weasyprint -----------------------------------------------------------------------

constexpr const char* kWeasyprint = "weasyprint";
// A review page renders in seconds; a stuck converter must not hold a request or job forever.
constexpr std::chrono::seconds kPdfDeadline{120};

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Close();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

struct Pipe {
  Fd read, write;
};

// Close-on-exec, so that a process spawned meanwhile by another thread does not hold our ends.
std::optional<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// While it lives, SIGPIPE is blocked in this thread, so writing to a converter that has exited
// fails with EPIPE instead of killing the process; a SIGPIPE raised meanwhile is consumed.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  ~SigpipeBlock() {
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

core::Error Unavailable(std::string detail) {
  return core::MakeError(core::Errc::kUnavailable, std::move(detail));
}

// Starts `weasyprint --quiet --encoding utf-8 - -` with its stdin and stdout on the given pipe
// ends and its stderr on /dev/null (its messages may quote the page). The child gets an empty
// signal mask and SIGPIPE at its default, whatever this thread has.
core::Result<pid_t> SpawnConverter(const Fd& child_stdin, const Fd& child_stdout) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, child_stdin.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, child_stdout.get(), STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  sigset_t none, pipe;
  sigemptyset(&none);
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &pipe);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  char* argv[] = {const_cast<char*>(kWeasyprint),
                  const_cast<char*>("--quiet"),
                  const_cast<char*>("--encoding"),
                  const_cast<char*>("utf-8"),
                  const_cast<char*>("-"),
                  const_cast<char*>("-"),
                  nullptr};
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, kWeasyprint, &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc == ENOENT) {
    return Unavailable(
        "PDF output needs weasyprint, which is not installed (Debian package weasyprint); the "
        "HTML report works without it.");
  }
  if (rc != 0) return Unavailable(std::string("could not start weasyprint: ") + strerror(rc));
  return pid;
}

// Writes `input` to `to` and reads `from` until end of file, both at once (poll), so neither
// side waits on a full pipe. Stops writing if the reader goes away (EPIPE). "" when `from`
// reached its end, else what went wrong (an I/O error, the deadline).
std::string Exchange(const std::string& input, Fd& to, Fd& from, std::string& output,
                     std::chrono::steady_clock::time_point deadline) {
  size_t written = 0;
  if (input.empty()) to.Close();
  if (to.open() && ::fcntl(to.get(), F_SETFL, O_NONBLOCK) != 0) {
    return std::string("could not configure its input: ") + strerror(errno);
  }
  char buf[65536];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return fmt::format("did not finish within {} seconds", kPdfDeadline.count());
    }
    pollfd fds[2] = {{from.get(), POLLIN, 0}, {to.get(), POLLOUT, 0}};
    const int n = ::poll(fds, to.open() ? 2 : 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::string("poll failed: ") + strerror(errno);
    if (to.open() && fds[1].revents != 0) {
      const ssize_t w = ::write(to.get(), input.data() + written,
                                std::min<size_t>(input.size() - written, sizeof buf));
      if (w > 0) written += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) to.Close();
    }
    if (fds[0].revents != 0) {
      const ssize_t r = ::read(from.get(), buf, sizeof buf);
      if (r == 0) return "";
      if (r > 0) output.append(buf, static_cast<size_t>(r));
      if (r < 0 && errno != EAGAIN && errno != EINTR) {
        return std::string("reading its output failed: ") + strerror(errno);
      }
    }
  }
}

// Waits for the child; its exit status as text when it did not exit with 0, else "".
std::string Reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return "could not be waited for";
  }
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status) == 0 ? ""
                                    : fmt::format("exited with status {}", WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return "ended abnormally";
}

// --- Page ------------------------------------------------------------------------------------

constexpr std::string_view kStyle = R"css(
@page { size: A4; margin: 18mm; }
html { color: #1a1a1a; background: #fff; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 9.5pt;
       line-height: 1.35; margin: 0 auto; max-width: 180mm; }
h1 { font-size: 17pt; margin: 0 0 6pt; }
h2 { font-size: 13pt; margin: 16pt 0 6pt; padding-bottom: 2pt; border-bottom: 1.5pt solid #1f4e79;
     color: #1f4e79; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 10pt 0 4pt; break-after: avoid; page-break-after: avoid; }
h4 { font-size: 10pt; margin: 8pt 0 2pt; break-after: avoid; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; font-size: 8.5pt;
        break-inside: avoid; page-break-inside: avoid; }
th, td { text-align: left; vertical-align: top; padding: 2pt 4pt; border-bottom: 0.5pt solid #ccc; }
th { background: #eef2f7; font-weight: bold; }
th.num, td.num { text-align: right; white-space: nowrap; }
table.headline td.num { font-size: 13pt; font-weight: bold; }
table.facts { width: auto; min-width: 60%; }
table.actions { font-size: 7.5pt; }
table ul, table ol, dd ol { margin: 0; padding-left: 14pt; }
figure { margin: 6pt 0 10pt; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 8pt; color: #555; margin-top: 2pt; }
svg { display: block; width: 100%; max-width: 100%; height: auto; }
dl { margin: 4pt 0; }
dt { float: left; clear: left; width: 30mm; font-weight: bold; }
dd { margin: 0 0 2pt 32mm; }
.ref { white-space: nowrap; }
article { break-inside: avoid; page-break-inside: avoid; }
.met { color: #1b6e2a; font-weight: bold; }
.not-met { color: #b71c1c; font-weight: bold; }
.attention { background: #ffe082; color: #6d2d00; font-weight: bold; padding: 0 3pt; }
.vital { font-weight: bold; color: #1f4e79; }
.empty, .note { color: #555; font-style: italic; }
ol.annotations { font-size: 8.5pt; margin: 0 0 8pt; }
@media screen { body { padding: 16px; } }
)css";

}  // namespace

std::string RenderReviewHtml(const ReviewData& d) {
  std::string out;
  out.reserve(64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>Management review — " + Esc(d.organisation) + "</title>\n";
  out += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  out += "<h1>Management review of complaints handling</h1>\n";
  out += Para("ISO 10002 clause 8.6 — " + d.organisation + ", " + Period(d.from, d.to), "lead");
  for (const auto& section :
       {SummarySection(d), KpiSection(d), TrendSection(d), SpikeSection(d), BreakdownSection(d),
        OutcomeSection(d), ResolveSection(d), SatisfactionSection(d), ParetoSection(d),
        RootCauseSection(d), AuditSection(d)}) {
    out += section;
  }
  return out + "</body>\n</html>\n";
}

core::Result<std::string> RenderPdf(const std::string& html) {
  SigpipeBlock no_sigpipe;
  auto in = MakePipe();
  auto out = MakePipe();
  if (!in || !out)
    return Unavailable(std::string("could not create pipes for weasyprint: ") + strerror(errno));
  auto pid = SpawnConverter(in->read, out->write);
  if (!pid) return pid.error();
  in->read.Close();  // the child's ends: only the child holds them now
  out->write.Close();
  std::string pdf;
  const std::string io =
      Exchange(html, in->write, out->read, pdf, std::chrono::steady_clock::now() + kPdfDeadline);
  in->write.Close();
  if (!io.empty()) ::kill(*pid, SIGKILL);
  const std::string ended = Reap(*pid);
  if (!io.empty()) return Unavailable("weasyprint " + io);
  if (!ended.empty()) return Unavailable("weasyprint " + ended + " while rendering the report");
  if (pdf.rfind("%PDF-", 0) != 0) return Unavailable("weasyprint produced no PDF");
  return pdf;
}

}  // namespace redress::report
