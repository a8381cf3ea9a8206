// The management review report (src/report/review.hpp) on a ReviewData built by hand: escaping
// of hostile text, section order, number formats, the trend chart's annotation markers and
// spike dots, the Pareto chart's bars and 80 % guide, and the PDF from weasyprint.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "report/review.hpp"

namespace redress {
namespace {

using report::ReviewData;

core::LocalDate Day(int y, unsigned m, unsigned d) { return date::year(y) / m / d; }

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// The table row that starts with `label`, up to its end.
std::string RowOf(const std::string& html, const std::string& label) {
  const size_t at = html.find("<td>" + label + "</td>");
  if (at == std::string::npos) return "";
  return html.substr(at, html.find("</tr>", at) - at);
}

core::Kpis SampleKpis() {
  core::Kpis k;
  k.received = 120;
  k.closed = 96;
  k.open = 24;
  k.final_on_time = 0.875;  // 87.5 %
  // ack_on_time stays absent: "—".
  k.decided = 80;
  k.upheld = 0.25;
  k.partly_upheld = 0.125;
  k.not_upheld = 0.625;
  k.redress_minor = 123450;  // 1,234.50
  k.redressed = 3;
  k.redress_mean_minor = 41150;  // 411.50
  k.surveys = 40;
  k.survey_response = 40.0 / 96.0;
  k.satisfaction_handling = 4.25;
  k.satisfaction_outcome = 3.5;
  return k;
}

core::CorrectiveAction SampleAction() {
  core::CorrectiveAction a;
  a.id = 7;
  a.root_cause_id = 3;
  a.title = "Rewrite the card dispute script";
  a.owner = "mgr.jones";
  a.due = Day(2026, 5, 31);
  a.status = core::ActionStatus::kInProgress;
  a.check.measure = core::CheckMeasure::kVolume;
  a.check.where = {{core::FactDim::kProduct, "credit-card"}};
  a.check.window = core::FactPeriod::kMonth;
  a.check.below = true;
  a.check.threshold = 10;
  a.check.check_on = Day(2026, 6, 15);
  return a;
}

ReviewData Sample() {
  ReviewData d;
  d.organisation = "<script>alert('x')</script> Bank & \"Co\"";
  d.from = "2026-01-01";
  d.to = "2026-07-01";  // exclusive: the period ends on 30 June
  d.generated_at = "2026-07-01T08:05:00.000Z";
  d.kpis = SampleKpis();
  core::Kpis before;
  before.received = 100;
  before.closed = 90;
  before.open = 30;
  d.previous = before;
  // 27 weeks, Mondays from 29 December 2025; a jump in the week of 2 March.
  const int64_t first = date::sys_days{Day(2025, 12, 29)}.time_since_epoch().count();
  for (int64_t w = 0; w < 27; ++w) {
    const core::LocalDate monday{date::sys_days{date::days{first + 7 * w}}};
    d.weekly.emplace_back(core::FormatDate(monday), w == 9 ? 14 : 4);
  }
  core::Annotation launch;
  launch.day = Day(2026, 3, 2);
  launch.kind = "launch";
  launch.label = "<script>Card launch</script>";
  core::Annotation later;
  later.day = Day(2026, 8, 3);  // after the period: not charted
  later.kind = "policy_change";
  later.label = "Outside marker";
  d.annotations = {launch, later};
  d.spikes = {{"category", "billing", "2026-03-02", 12, 3, std::numeric_limits<double>::infinity()},
              {"category", "fees", "2026-01-05", 6, 1, 4.2}};
  d.by_category = {{"billing", SampleKpis()}, {"fees", core::Kpis{}}};
  d.by_product = {{"credit-card", SampleKpis()}};
  d.by_channel = {{"web", SampleKpis()}};
  d.resolve = {96, 12, 41};
  d.open_by_age = {5, 10, 6, 3};
  d.targets = {{"Final response on time", 0.95, 0.875, true, "final_on_time", true},
               {"Acknowledged on time", 0.98, std::nullopt, true, "ack_on_time", true},
               {"Reopened after closure", 0.05, 0.02, false, "reopen_rate", true},
               {"Satisfaction with the handling", 4.0, 3.6, true, "satisfaction_handling", false}};
  d.pareto = {{"process", 50, 10000, 0.5, 0.5, true},
              {"system", 30, 5000, 0.3, 0.8, true},
              {"people", 15, 0, 0.15, 0.95, false},
              {"policy", 5, 0, 0.05, 1.0, false}};
  core::RootCause rc;
  rc.id = 3;
  rc.title = "Dispute script skips the chargeback step";
  rc.method = core::RcaMethod::kFiveWhys;
  rc.category = core::CauseCategory::kProcess;
  rc.whys = {"Refund was late", "Chargeback not raised", "Script omits it"};
  rc.complaints = {"CMP-2026-000123-N", "CMP-2026-000140-K"};
  d.root_causes = {rc};
  d.actions = {{SampleAction(), rc.title, "overdue"}};
  core::Audit audit;
  audit.id = 2;
  audit.auditor = "auditor.kim";
  audit.from = Day(2026, 4, 1);
  audit.to = Day(2026, 5, 1);
  audit.size = 2;
  audit.seed = 42;
  audit.population = 31;
  core::AuditItem item;
  item.reference = "CMP-2026-000123-N";
  item.checks = {{"acknowledged_on_time", true, ""}, {"referral_rights_named", false, "missing"}};
  item.severity = core::FindingSeverity::kMajor;
  item.note = "Final letter lacks the ombudsman's time limit";
  audit.items = {item};
  d.audits = {audit};
  return d;
}

TEST(ReviewReport, IsOneSelfContainedDocument) {
  const std::string html = report::RenderReviewHtml(Sample());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("@page { size: A4; margin: 18mm; }"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(ReviewReport, EscapesHostileText) {
  const std::string html = report::RenderReviewHtml(Sample());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Bank &amp; &quot;Co&quot;"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;Card launch&lt;/script&gt;"), std::string::npos);
}

TEST(ReviewReport, SectionsInOrder) {
  const std::string html = report::RenderReviewHtml(Sample());
  const std::vector<std::string> headings = {"Summary",
                                             "KPIs against targets",
                                             "Volumes and trend",
                                             "Spikes",
                                             "Breakdowns",
                                             "Outcomes and redress",
                                             "Time to resolve and open ageing",
                                             "Satisfaction",
                                             "Pareto of causes",
                                             "Root causes and actions",
                                             "Audit findings"};
  size_t last = 0;
  for (const auto& h : headings) {
    const size_t at = html.find("<h2>" + h + "</h2>");
    ASSERT_NE(at, std::string::npos) << h;
    EXPECT_GT(at, last) << h << " is out of order";
    last = at;
  }
}

TEST(ReviewReport, SummaryShowsInclusivePeriodAndChange) {
  const std::string html = report::RenderReviewHtml(Sample());
  EXPECT_NE(html.find("1 January 2026 – 30 June 2026"), std::string::npos);
  EXPECT_NE(html.find("1 July 2026, 08:05 UTC"), std::string::npos);
  EXPECT_NE(html.find("+20 (+20.0 %)"), std::string::npos);  // received 120 against 100
  EXPECT_NE(html.find("-6 (-20.0 %)"), std::string::npos);   // open 24 against 30
}

TEST(ReviewReport, FormatsPercentMoneyAndAbsentValues) {
  const std::string html = report::RenderReviewHtml(Sample());
  EXPECT_NE(RowOf(html, "Final response on time").find("87.5 %"), std::string::npos);
  EXPECT_NE(RowOf(html, "Total redress").find("1,234.50"), std::string::npos);
  EXPECT_NE(RowOf(html, "Mean redress per complaint with redress").find("411.50"),
            std::string::npos);
  // The acknowledgement rate is absent: a dash, never "0.0 %".
  const std::string ack = RowOf(html, "Acknowledged on time");
  EXPECT_NE(ack.find("no data"), std::string::npos);
  const size_t all = html.find("<h3>All indicators</h3>");
  ASSERT_NE(all, std::string::npos);
  const std::string indicators = html.substr(all);
  EXPECT_NE(RowOf(indicators, "Acknowledged on time").find("<td class=\"num\">—</td>"),
            std::string::npos);
  EXPECT_EQ(html.find("nan"), std::string::npos);
  EXPECT_NE(html.find("4.2 / 5"), std::string::npos);  // handling satisfaction 4.25
  EXPECT_NE(RowOf(html, "Median (p50)").find("12 days"), std::string::npos);
}

TEST(ReviewReport, TargetsMetAndNotMet) {
  const std::string html = report::RenderReviewHtml(Sample());
  const size_t targets = html.find("<table class=\"targets\">");
  ASSERT_NE(targets, std::string::npos);
  const std::string t = html.substr(targets, html.find("</table>", targets) - targets);
  EXPECT_NE(RowOf(t, "Final response on time").find("not met"), std::string::npos);
  EXPECT_NE(RowOf(t, "Reopened after closure").find("≤ 5.0 %"), std::string::npos);
  EXPECT_NE(RowOf(t, "Reopened after closure").find(">met<"), std::string::npos);
  // A mean rating is shown on its 1..5 scale, not as a percentage.
  const std::string sat = RowOf(t, "Satisfaction with the handling");
  EXPECT_NE(sat.find("≥ 4.0 / 5"), std::string::npos) << sat;
  EXPECT_NE(sat.find("3.6 / 5"), std::string::npos) << sat;
  EXPECT_NE(sat.find("not met"), std::string::npos) << sat;
}

TEST(ReviewReport, AnnotationMarkedOnlyInsideThePeriod) {
  ReviewData d = Sample();
  std::string html = report::RenderReviewHtml(d);
  EXPECT_EQ(Count(html, "<g class=\"annotation\">"), 1u);
  EXPECT_EQ(html.find("Outside marker"), std::string::npos);
  // Moved into the period, it is charted too.
  d.annotations[1].day = Day(2026, 6, 1);
  html = report::RenderReviewHtml(d);
  EXPECT_EQ(Count(html, "<g class=\"annotation\">"), 2u);
  EXPECT_NE(html.find("Outside marker"), std::string::npos);
  // On the exclusive end day, it is not.
  d.annotations[1].day = Day(2026, 7, 1);
  EXPECT_EQ(Count(report::RenderReviewHtml(d), "<g class=\"annotation\">"), 1u);
}

TEST(ReviewReport, SpikeWeeksGetADot) {
  const std::string html = report::RenderReviewHtml(Sample());
  EXPECT_EQ(Count(html, "class=\"spike-dot\""), 2u);  // 2 March and 5 January
  EXPECT_NE(html.find("∞ (flat baseline)"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">4.2</td>"), std::string::npos);
  ReviewData d = Sample();
  d.spikes[1].week = "2027-01-04";  // not a charted week: no dot, still in the table
  const std::string other = report::RenderReviewHtml(d);
  EXPECT_EQ(Count(other, "class=\"spike-dot\""), 1u);
  EXPECT_NE(other.find("4 January 2027"), std::string::npos);
}

TEST(ReviewReport, EmptyWeeklySaysNoComplaints) {
  ReviewData d = Sample();
  d.weekly.clear();
  const std::string html = report::RenderReviewHtml(d);
  EXPECT_NE(html.find("No complaints received in this period"), std::string::npos);
  EXPECT_EQ(html.find("<svg class=\"trend\""), std::string::npos);
  EXPECT_EQ(html.find("class=\"annotation\""), std::string::npos);
  EXPECT_EQ(report::RenderReviewHtml(Sample()).find("No complaints received"), std::string::npos);
}

TEST(ReviewReport, ParetoBarsSortedWithCumulativeLineAndGuide) {
  ReviewData d = Sample();
  std::swap(d.pareto[0], d.pareto[3]);  // given out of order: drawn most first all the same
  const std::string html = report::RenderReviewHtml(d);
  const size_t svg = html.find("<svg class=\"pareto\"");
  ASSERT_NE(svg, std::string::npos);
  const std::string chart = html.substr(svg, html.find("</svg>", svg) - svg);
  EXPECT_EQ(Count(chart, "<rect class=\"bar\""), 4u);
  EXPECT_EQ(Count(chart, "class=\"guide-80\""), 1u);
  EXPECT_EQ(Count(chart, "<polyline class=\"cumulative\""), 1u);
  EXPECT_LT(chart.find(">process<"), chart.find(">system<"));
  EXPECT_LT(chart.find(">people<"), chart.find(">policy<"));
  // The table: cumulative shares recomputed in the sorted order, vital rows marked.
  EXPECT_NE(RowOf(html, "system").find("80.0 %"), std::string::npos);
  EXPECT_NE(RowOf(html, "system").find("vital few"), std::string::npos);
  EXPECT_EQ(RowOf(html, "people").find("vital few"), std::string::npos);
}

TEST(ReviewReport, RootCausesActionsAndAudits) {
  const std::string html = report::RenderReviewHtml(Sample());
  EXPECT_NE(html.find("<ol><li>Refund was late</li><li>Chargeback not raised</li>"),
            std::string::npos);
  EXPECT_NE(html.find("CMP-2026-000123-N, CMP-2026-000140-K"), std::string::npos);
  EXPECT_NE(html.find("volume where product = credit-card over the month (30 days) before 15 "
                      "June 2026; effective when below 10 complaints"),
            std::string::npos);
  EXPECT_NE(html.find("not yet evaluated"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"attention\">overdue</span>"), std::string::npos);
  // Audit: period shown inclusive, failed checks only.
  EXPECT_NE(html.find("1 April 2026 – 30 April 2026"), std::string::npos);
  EXPECT_NE(html.find("referral rights named: missing"), std::string::npos);
  EXPECT_EQ(html.find("acknowledged on time:"), std::string::npos);
  EXPECT_NE(html.find("1 drawn of 2 requested"), std::string::npos);
}

TEST(ReviewReport, EffectivenessResults) {
  ReviewData d = Sample();
  auto& check = d.actions[0].action.check;
  check.evaluated_at = core::Instant{};
  EXPECT_NE(report::RenderReviewHtml(d).find("<td>no data</td>"), std::string::npos);
  check.measured = 4;
  check.effective = true;
  EXPECT_NE(report::RenderReviewHtml(d).find("effective (measured 4 complaints)"),
            std::string::npos);
  check.measured = 12;
  check.effective = false;
  EXPECT_NE(report::RenderReviewHtml(d).find("not effective (measured 12 complaints)"),
            std::string::npos);
}

bool OnPath(const std::string& tool) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string dirs = path;
  for (size_t start = 0; start <= dirs.size();) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = dirs.substr(start, end - start) + "/" + tool;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

TEST(ReviewReport, PdfFromWeasyprint) {
  if (!OnPath("weasyprint")) GTEST_SKIP() << "weasyprint is not on PATH";
  auto pdf = report::RenderPdf(report::RenderReviewHtml(Sample()));
  ASSERT_TRUE(pdf.ok()) << pdf.error().detail;
  EXPECT_EQ(pdf->rfind("%PDF-", 0), 0u);
  EXPECT_GT(pdf->size(), 5000u);
}

TEST(ReviewReport, PdfWithoutWeasyprintIsUnavailable) {
  const char* saved = std::getenv("PATH");
  const std::string path = saved ? saved : "";
  ::setenv("PATH", "/nonexistent", 1);
  auto pdf = report::RenderPdf("<p>secret complainant text</p>");
  ::setenv("PATH", path.c_str(), 1);
  ASSERT_FALSE(pdf.ok());
  EXPECT_EQ(pdf.error().code, core::Errc::kUnavailable);
  EXPECT_NE(pdf.error().detail.find("weasyprint"), std::string::npos);
  EXPECT_EQ(pdf.error().detail.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace redress
