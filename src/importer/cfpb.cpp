#include "importer/cfpb.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "core/clocks.hpp"
#include "util/crypto.hpp"

namespace redress::importer::cfpb {
namespace {

using core::Errc;
using core::MakeError;

// Positions in Columns().
enum Col : size_t {
  kDateReceived,
  kProduct,
  kSubProduct,
  kIssue,
  kSubIssue,
  kNarrative,
  kPublicResponse,
  kCompany,
  kState,
  kZip,
  kTags,
  kConsent,
  kSubmittedVia,
  kDateSent,
  kResponse,
  kTimely,
  kDisputed,
  kComplaintId,
};

constexpr std::array<const char*, kColumnCount> kColumns = {
    "Date received",
    "Product",
    "Sub-product",
    "Issue",
    "Sub-issue",
    "Consumer complaint narrative",
    "Company public response",
    "Company",
    "State",
    "ZIP code",
    "Tags",
    "Consumer consent provided?",
    "Submitted via",
    "Date sent to company",
    "Company response to consumer",
    "Timely response?",
    "Consumer disputed?",
    "Complaint ID",
};

// The 2014 layout: these columns only, and "Company response" for kResponse.
constexpr std::array<Col, 14> kLegacyColumns = {
    kComplaintId,  kProduct,      kSubProduct, kIssue,   kSubIssue, kState,  kZip,
    kSubmittedVia, kDateReceived, kDateSent,   kCompany, kResponse, kTimely, kDisputed,
};
constexpr const char* kLegacyResponse = "Company response";

// Bumped when the mapping changes, so a re-import of unchanged rows updates their records.
constexpr std::string_view kMappingVersion = "cfpb-mapping-1";

// Columns whose value lives in a field of the complaint itself; every other one is kept in
// SourceRecord::fields.
bool HasOwnField(size_t col) {
  return col == kDateReceived || col == kProduct || col == kNarrative || col == kComplaintId;
}

std::optional<core::LocalDate> ParseAnyDate(std::string_view s) {
  if (auto d = core::ParseDate(s)) return d;  // YYYY-MM-DD
  // MM/DD/YYYY (the 2014 layout).
  if (s.size() != 10 || s[2] != '/' || s[5] != '/') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 3, 6};
  const size_t lens[3] = {2, 2, 4};
  for (int i = 0; i < 3; ++i) {
    for (size_t k = 0; k < lens[i]; ++k) {
      const char ch = s[starts[i] + k];
      if (ch < '0' || ch > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (ch - '0');
    }
  }
  const date::year_month_day ymd{date::year{parts[2]}, date::month{static_cast<unsigned>(parts[0])},
                                 date::day{static_cast<unsigned>(parts[1])}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

// A short value is echoed in the error when it is plain ASCII (it is meant to be a date).
std::string Shown(std::string_view v) {
  const bool plain = v.size() <= 24 && std::all_of(v.begin(), v.end(),
                                                   [](char ch) { return ch >= 0x20 && ch < 0x7f; });
  return plain ? fmt::format(" ('{}')", v) : std::string();
}

// What a "Company response to consumer" value says about the complaint.
struct ResponseMeaning {
  bool closed = false;
  core::Outcome outcome = core::Outcome::kNotUpheld;
  const char* remedy = "";
};

ResponseMeaning MeaningOf(std::string_view response) {
  if (response == "Closed with monetary relief") {
    return {true, core::Outcome::kUpheld, "monetary relief"};
  }
  if (response == "Closed with relief") return {true, core::Outcome::kUpheld, "relief"};
  if (response == "Closed with non-monetary relief") {
    return {true, core::Outcome::kPartlyUpheld, "non-monetary relief"};
  }
  if (response == "Closed with explanation") {
    return {true, core::Outcome::kNotUpheld, "explanation"};
  }
  if (response == "Closed without relief" || response == "Closed") {
    return {true, core::Outcome::kNotUpheld, ""};
  }
  return {};  // "In progress", "Untimely response", empty or unknown: still open
}

bool ConsistentWith(const ResponseMeaning& m, const core::Complaint& c) {
  if (!m.closed) return core::IsOpen(c.state);
  return c.state == core::State::kClosed && c.decision.outcome == m.outcome;
}

// The response a complaint handled in Redress would have been published with.
std::string ResponseOf(const core::Complaint& c) {
  if (c.state == core::State::kWithdrawn) return "Closed";
  if (c.state != core::State::kClosed) return "In progress";
  switch (c.decision.outcome) {
    case core::Outcome::kUpheld:
      return c.decision.remedy.amount_minor > 0 || c.decision.remedy.type == "monetary relief"
                 ? "Closed with monetary relief"
                 : "Closed with non-monetary relief";
    case core::Outcome::kPartlyUpheld:
      return "Closed with non-monetary relief";
    case core::Outcome::kNotUpheld:
      break;
  }
  return "Closed with explanation";
}

const char* SubmittedViaOf(core::Channel ch) {
  switch (ch) {
    case core::Channel::kWeb:
      return "Web";
    case core::Channel::kEmail:
      return "Email";
    case core::Channel::kPhone:
      return "Phone";
    case core::Channel::kLetter:
      return "Postal mail";
    case core::Channel::kReferral:
      return "Referral";
    case core::Channel::kInPerson:
      return "In person";
    case core::Channel::kSocialMedia:
      return "Social media";
    case core::Channel::kApi:
      return "API";
  }
  return "Web";
}

// Clock outcome from "Timely response?".
void EndClock(core::ClockTrack& t, std::string_view timely) {
  if (timely == "No") {
    t.state = core::ClockState::kBreached;
    t.breached = true;
    t.warned = true;
  } else if (timely == "Yes") {
    t.state = core::ClockState::kMet;
  } else {
    t.state = core::ClockState::kStopped;
  }
}

// Layout-independent digest of a record's values (the normalised dates included).
std::string RowHash(const std::array<std::string_view, kColumnCount>& v,
                    const std::string& received_iso, const std::string& sent_iso) {
  crypto_generichash_state st;
  unsigned char out[16];
  crypto_generichash_init(&st, nullptr, 0, sizeof out);
  auto add = [&st](std::string_view s) {
    const uint64_t n = s.size();
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(&n), sizeof n);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  add(kMappingVersion);
  for (size_t i = 0; i < kColumnCount; ++i) {
    if (i == kDateReceived) {
      add(received_iso);
    } else if (i == kDateSent) {
      add(sent_iso);
    } else {
      add(v[i]);
    }
  }
  crypto_generichash_final(&st, out, sizeof out);
  return util::Hex(out, sizeof out);
}

}  // namespace

const std::array<const char*, kColumnCount>& Columns() { return kColumns; }

core::Result<Header> ParseHeader(const std::vector<std::string>& fields) {
  std::map<std::string_view, int> pos;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string_view name = fields[i];
    if (i == 0 && name.substr(0, 3) == "\xEF\xBB\xBF") name.remove_prefix(3);
    pos.emplace(name, static_cast<int>(i));
  }
  Header h;
  h.width = fields.size();
  h.names = fields;
  if (!h.names.empty() && h.names[0].starts_with("\xEF\xBB\xBF")) h.names[0].erase(0, 3);
  std::vector<std::string> missing;
  for (size_t c = 0; c < kColumnCount; ++c) {
    auto it = pos.find(kColumns[c]);
    h.index[c] = it == pos.end() ? -1 : it->second;
    if (it == pos.end()) missing.emplace_back(kColumns[c]);
  }
  if (missing.empty()) return h;

  Header legacy;
  legacy.layout = Layout::kLegacy2014;
  legacy.width = fields.size();
  legacy.names = h.names;
  legacy.index.fill(-1);
  bool ok = true;
  for (Col c : kLegacyColumns) {
    auto it = pos.find(c == kResponse ? kLegacyResponse : kColumns[c]);
    if (it == pos.end()) {
      ok = false;
      break;
    }
    legacy.index[c] = it->second;
  }
  if (ok) return legacy;
  return MakeError(Errc::kInvalid, fmt::format("not a CFPB complaint export: the header lacks {}",
                                               fmt::join(missing.begin(), missing.end(), ", ")));
}

core::Channel ChannelOf(std::string_view v) {
  if (v == "Web") return core::Channel::kWeb;
  if (v == "Referral" || v == "Web Referral") return core::Channel::kReferral;
  if (v == "Phone") return core::Channel::kPhone;
  if (v == "Postal mail" || v == "Fax") return core::Channel::kLetter;
  if (v == "Email") return core::Channel::kEmail;
  if (v == "In person") return core::Channel::kInPerson;
  if (v == "Social media") return core::Channel::kSocialMedia;
  if (v == "API") return core::Channel::kApi;
  return core::Channel::kWeb;  // empty or unknown; the value itself is kept in the source
}

std::string CategoryOf(std::string_view issue, std::string_view sub_issue) {
  std::string out(issue);
  if (!sub_issue.empty()) {
    out += " / ";
    out += sub_issue;
  }
  return out;
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // ASCII fast path, eight bytes at a time.
    if (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte, overlong lead (C0, C1) or beyond U+10FFFF
    }
    if (end - p <= n) return false;
    for (int k = 1; k <= n; ++k) {
      if ((p[k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;  // overlong, out of range, or a surrogate
    }
    p += n + 1;
  }
  return true;
}

core::Result<MappedRow> MapRecord(const Header& header, const CsvRecord& record,
                                  const MapContext& ctx) {
  if (record.fields.size() != header.width) {
    return MakeError(Errc::kInvalid, fmt::format("expected {} fields, found {}", header.width,
                                                 record.fields.size()));
  }
  std::array<std::string_view, kColumnCount> v{};
  for (size_t c = 0; c < kColumnCount; ++c) {
    if (header.index[c] >= 0) v[c] = record.fields[static_cast<size_t>(header.index[c])];
  }
  for (size_t i = 0; i < record.fields.size(); ++i) {
    if (!IsValidUtf8(record.fields[i])) {
      std::string name = fmt::format("column {}", i + 1);
      for (size_t c = 0; c < kColumnCount; ++c) {
        if (header.index[c] == static_cast<int>(i)) name = kColumns[c];
      }
      return MakeError(Errc::kInvalid, fmt::format("'{}' is not valid UTF-8", name));
    }
  }
  if (v[kComplaintId].empty()) return MakeError(Errc::kInvalid, "the Complaint ID is empty");
  auto received = ParseAnyDate(v[kDateReceived]);
  if (!received) {
    return MakeError(Errc::kInvalid,
                     fmt::format("'Date received' is not a date{}", Shown(v[kDateReceived])));
  }
  std::optional<core::LocalDate> sent;
  if (!v[kDateSent].empty()) {
    sent = ParseAnyDate(v[kDateSent]);
    if (!sent) {
      return MakeError(Errc::kInvalid,
                       fmt::format("'Date sent to company' is not a date{}", Shown(v[kDateSent])));
    }
  }
  const std::string received_iso = core::FormatDate(*received);
  const std::string sent_iso = sent ? core::FormatDate(*sent) : std::string();

  const core::Policy& policy = *ctx.policy;
  const auto noon = std::chrono::minutes(12 * 60);
  MappedRow row;
  row.line = record.line;
  row.row_hash = RowHash(v, received_iso, sent_iso);
  core::Complaint& c = row.complaint;
  c.reference.year = static_cast<int>(received->year());
  c.version = 1;
  c.received_at = policy.calendar.AtLocal(*received, noon);
  c.logged_at = ctx.now;
  c.updated_at = ctx.now;
  c.received_by = ctx.actor;
  c.channel = ChannelOf(v[kSubmittedVia]);
  c.subject.type = core::SubjectType::kProduct;
  c.subject.product = std::string(v[kProduct]);
  c.description = std::string(v[kNarrative]);
  c.assessment.category = CategoryOf(v[kIssue], v[kSubIssue]);
  c.policy_id = policy.id;

  c.source.system = kSystem;
  c.source.id = std::string(v[kComplaintId]);
  for (size_t col = 0; col < kColumnCount; ++col) {
    if (HasOwnField(col) || v[col].empty()) continue;
    c.source.fields.emplace(kColumns[col], col == kDateSent ? sent_iso : std::string(v[col]));
  }

  // Clocks run from the day the CFPB sent the complaint (the policy's anchor).
  const core::Instant sent_at = sent ? policy.calendar.AtLocal(*sent, noon) : c.received_at;
  c.clocks = core::StartClocks(policy, c.assessment.flags, sent_at);
  const std::string_view response = v[kResponse];
  const ResponseMeaning meaning = MeaningOf(response);
  const bool responded = !response.empty() && response != "Untimely response";
  for (core::ClockTrack& t : c.clocks) {
    if (meaning.closed || (responded && t.name == "response")) {
      EndClock(t, v[kTimely]);
    } else if (!responded && t.name == "response" && v[kTimely] == "No") {
      t.breached = true;  // no answer in time: breached, and still running
      t.warned = true;
    }
  }

  if (meaning.closed) {
    c.state = core::State::kClosed;
    c.decision.outcome = meaning.outcome;
    c.decision.remedy.type = meaning.remedy;
    const std::string_view disputed = v[kDisputed];
    if (disputed == "Yes") {
      c.decision.acceptance = core::Acceptance::kRejects;
      c.closure.reason = core::ClosureReason::kRejectedRecourseGiven;
    } else if (disputed == "No") {
      c.decision.acceptance = core::Acceptance::kAccepts;
      c.closure.reason = core::ClosureReason::kResolvedAccepted;
    } else {
      c.decision.acceptance = core::Acceptance::kNoReply;
      c.closure.reason = core::ClosureReason::kNoReply;
    }
  } else {
    c.state = core::State::kAcknowledged;
  }
  return row;
}

core::LocalDate ReceivedDate(const core::Complaint& c, const core::Calendar* calendar) {
  return calendar != nullptr
             ? calendar->LocalDateOf(c.received_at)
             : date::year_month_day(std::chrono::floor<std::chrono::days>(c.received_at));
}

std::vector<std::string> ExportRecord(const core::Complaint& c, const core::Calendar* calendar) {
  const bool from_cfpb = c.source.system == kSystem;
  auto kept = [&](size_t col) -> std::string {
    if (!from_cfpb) return {};
    auto it = c.source.fields.find(kColumns[col]);
    return it == c.source.fields.end() ? std::string() : it->second;
  };
  std::vector<std::string> out(kColumnCount);
  out[kDateReceived] = core::FormatDate(ReceivedDate(c, calendar));
  out[kProduct] = c.subject.product;
  out[kSubProduct] = kept(kSubProduct);
  // A published value is written back unless the record has since changed the field it maps
  // to; then the column comes from the record.
  std::string issue = kept(kIssue);
  std::string sub_issue = kept(kSubIssue);
  if (CategoryOf(issue, sub_issue) != c.assessment.category) {
    issue = c.assessment.category;
    sub_issue.clear();
  }
  out[kIssue] = std::move(issue);
  out[kSubIssue] = std::move(sub_issue);
  out[kNarrative] = c.description.value;
  for (size_t col :
       {kPublicResponse, kCompany, kState, kZip, kTags, kConsent, kDateSent, kDisputed}) {
    out[col] = kept(col);
  }
  std::string via = kept(kSubmittedVia);
  out[kSubmittedVia] = ChannelOf(via) == c.channel ? via : SubmittedViaOf(c.channel);
  std::string response = kept(kResponse);
  out[kResponse] = ConsistentWith(MeaningOf(response), c) ? response : ResponseOf(c);
  if (from_cfpb) {
    out[kTimely] = kept(kTimely);
  } else {
    const bool late = std::any_of(c.clocks.begin(), c.clocks.end(),
                                  [](const core::ClockTrack& t) { return t.breached; });
    out[kTimely] = late ? "No" : (c.state == core::State::kClosed ? "Yes" : "");
  }
  out[kComplaintId] = from_cfpb ? c.source.id : c.reference.ToString();
  return out;
}

}  // namespace redress::importer::cfpb
