#include "store/list_support.hpp"

#include <algorithm>
#include <charconv>

namespace redress::store {
namespace {

constexpr char kHex[] = "0123456789abcdef";

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsTermChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || u >= 0x80;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool ParseInt(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

int ClampLimit(int limit) { return std::clamp(limit, kMinListLimit, kMaxListLimit); }

std::string EncodeCursor(const CursorPos& p) {
  std::string plain = p.sort == 0
                          ? "v1:" + std::to_string(p.received_at_ms) + ":" + std::to_string(p.id)
                          : "v2:" + std::to_string(p.sort) + ":" + std::to_string(p.key) + ":" +
                                std::to_string(p.received_at_ms) + ":" + std::to_string(p.id);
  std::string out;
  out.reserve(plain.size() * 2);
  for (unsigned char c : plain) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<CursorPos> DecodeCursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() % 2 != 0 || cursor.size() > 128) return std::nullopt;
  std::string plain;
  plain.reserve(cursor.size() / 2);
  for (size_t i = 0; i < cursor.size(); i += 2) {
    int hi = HexValue(cursor[i]);
    int lo = HexValue(cursor[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    plain += static_cast<char>(hi * 16 + lo);
  }
  std::string_view v = plain;
  CursorPos p;
  if (v.substr(0, 3) == "v2:") {
    v.remove_prefix(3);
    int64_t parts[4];
    for (int i = 0; i < 4; ++i) {
      size_t colon = v.find(':');
      if ((colon == std::string_view::npos) != (i == 3)) return std::nullopt;
      if (!ParseInt(v.substr(0, colon), parts[i])) return std::nullopt;
      v = colon == std::string_view::npos ? std::string_view() : v.substr(colon + 1);
    }
    if (parts[0] < 1 || parts[0] > 3) return std::nullopt;
    p.sort = static_cast<int>(parts[0]);
    p.key = parts[1];
    p.received_at_ms = parts[2];
    p.id = parts[3];
    return p;
  }
  if (v.substr(0, 3) != "v1:") return std::nullopt;
  v.remove_prefix(3);
  size_t colon = v.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  if (!ParseInt(v.substr(0, colon), p.received_at_ms) || !ParseInt(v.substr(colon + 1), p.id)) {
    return std::nullopt;
  }
  return p;
}

std::string CursorAfter(const core::ComplaintSummaryView& last, core::ListSort sort) {
  CursorPos p{core::ToMillis(last.received_at), last.id, static_cast<int>(sort), 0};
  if (sort == core::ListSort::kDue && last.due) p.key = core::ToMillis(*last.due);
  if (sort == core::ListSort::kPriority) p.key = static_cast<int64_t>(last.priority);
  return EncodeCursor(p);
}

std::string NormalizePersonsNamed(std::string_view text) { return core::NamedTokens(text); }

std::string PersonNeedle(std::string_view username) {
  if (username.empty()) return {};
  std::string out;
  out.reserve(username.size() + 2);
  out += ' ';
  for (char c : username) out += Lower(c);
  out += ' ';
  return out;
}

std::optional<std::vector<std::string>> ListSearchTerms(const core::ListQuery& q) {
  if (!q.text || q.text->find_first_not_of(" \t\r\n\f\v") == std::string::npos) {
    return std::nullopt;
  }
  return SearchTerms(*q.text);
}

bool MergesHandlerQueue(uint64_t bits) {
  constexpr uint64_t kOther = kByState | kByCategory | kByPriority | kByAssignee | kOverdue |
                              kFollowUpDue | kFrom | kTo | kText | kScopeInvestigator | kSortDue |
                              kSortPriority;
  return (bits & kScopeAssignee) && !(bits & kOther);
}

core::Result<std::optional<ListPlan>> PlanList(const core::ListQuery& q, bool text) {
  ListPlan plan;
  uint64_t& bits = plan.bits;
  if (q.state) bits |= kByState;
  if (q.category) bits |= q.category->empty() ? kByCategory : (kByCategory | kCategoryNamed);
  if (q.priority) bits |= kByPriority;
  if (q.assignee) bits |= kByAssignee;
  if (q.overdue) bits |= kOverdue;
  if (q.follow_up_due) bits |= kFollowUpDue;
  if (q.received_from) bits |= kFrom;
  if (q.received_to) bits |= kTo;
  if (text) {
    bits |= kText;
  } else {
    plan.sort = q.sort;
    if (q.sort == core::ListSort::kOldest) bits |= kSortOldest;
    if (q.sort == core::ListSort::kDue) bits |= kSortDue;
    if (q.sort == core::ListSort::kPriority) bits |= kSortPriority;
  }
  if (!q.cursor.empty()) {
    auto pos = DecodeCursor(q.cursor);
    if (!pos || pos->sort != static_cast<int>(plan.sort)) {
      return core::MakeError(core::Errc::kMalformed, "invalid cursor", {{"/cursor", "invalid"}});
    }
    plan.after = *pos;
    bits |= kAfter;
  }
  const core::Scope& scope = q.scope;
  if (!scope.all) {
    if (!scope.assignee.empty()) bits |= kScopeAssignee;
    if (!scope.investigator.empty()) bits |= kScopeInvestigator;
    if (!(bits & (kScopeAssignee | kScopeInvestigator))) return std::optional<ListPlan>();
  }
  plan.named = PersonNeedle(scope.exclude_named);
  if (!plan.named.empty()) bits |= kExcludeNamed;
  plan.limit = ClampLimit(q.limit);
  return std::optional<ListPlan>(std::move(plan));
}

std::vector<std::string> SearchTerms(std::string_view text) {
  std::vector<std::string> terms;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsTermChar(text[i])) ++i;
    if (i == text.size()) break;
    std::string term;
    while (i < text.size() && IsTermChar(text[i])) term += Lower(text[i++]);
    terms.push_back(std::move(term));
  }
  return terms;
}

std::string TsVectorText(std::string_view text) {
  std::vector<std::string> terms = SearchTerms(text);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  std::string out;
  for (const auto& t : terms) {
    if (t.size() >= 2048) continue;  // as search_terms(): such a word is not indexed
    if (!out.empty()) out += ' ';
    // A term holds no quote or backslash (both separate terms): nothing to escape.
    out += '\'';
    out += t;
    out += '\'';
  }
  return out;
}

}  // namespace redress::store
