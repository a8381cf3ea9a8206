// Helpers every store adapter shares so that they answer list queries alike: the opaque
// keyset cursor, the limit clamp, the persons_named normalisation used by scope exclusion,
// and the tokenisation of full-text queries.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/complaint.hpp"
#include "core/ports/store.hpp"

namespace redress::store {

inline constexpr int kMinListLimit = 1;
inline constexpr int kMaxListLimit = 200;
int ClampLimit(int limit);

// The position after the last row of a page: for the default order (received_at DESC, id
// DESC) the received instant and id; other orders also carry their sort and its key (the due
// instant, or the priority number).
struct CursorPos {
  int64_t received_at_ms = 0;
  int64_t id = 0;
  int sort = 0;  // static_cast<int>(core::ListSort)
  int64_t key = 0;
};
// Opaque to clients: lower-case hex of "v1:<received_at_ms>:<id>" for the default order,
// "v2:<sort>:<key>:<received_at_ms>:<id>" for the others.
std::string EncodeCursor(const CursorPos& p);
// nullopt for anything EncodeCursor could not have produced.
std::optional<CursorPos> DecodeCursor(std::string_view cursor);
// The cursor that continues a list in `sort` order after row `last` (of a view, only its id,
// priority and instants are read).
std::string CursorAfter(const core::ComplaintSummaryView& last, core::ListSort sort);
inline std::string CursorAfter(const core::ComplaintSummary& last, core::ListSort sort) {
  return CursorAfter(core::ComplaintSummaryView::Of(last), sort);
}

// persons_named as stored for scope exclusion: core::NamedTokens, the same rule the use cases
// apply to a single complaint, so a list never shows what the file view hides. A username is
// named when " <lower-case username> " occurs in it.
std::string NormalizePersonsNamed(std::string_view text);
// The needle for that test: " <lower-case username> ", or "" when username is empty.
std::string PersonNeedle(std::string_view username);

// Full-text search terms: runs of ASCII letters and digits (and bytes >= 0x80, i.e. any
// non-ASCII UTF-8 text), ASCII lower-cased. Everything else separates terms and is dropped,
// so a query made only of punctuation has no terms (and matches nothing). A complaint
// matches when every term occurs as a whole word in its description or one of its notes.
std::vector<std::string> SearchTerms(std::string_view text);
// The PostgreSQL tsvector of `text`'s terms, as text: each distinct term of fewer than 2048
// bytes, quoted, in byte order ('a' 'b'), what search_terms() in SQL makes of the same text.
std::string TsVectorText(std::string_view text);

// A list query's text search: nullopt when it asks for none (no text, or only blanks); else its
// SearchTerms, empty when the text is only punctuation (which matches nothing).
std::optional<std::vector<std::string>> ListSearchTerms(const core::ListQuery& q);

// The parts of a list query the SQL stores (SqliteStore, PgStore) write their statements from,
// one bit per filter, order and scope term, so that each combination of bits is one prepared
// statement per connection.
enum ListBit : uint64_t {
  kByState = 1 << 0,
  kByCategory = 1 << 1,
  kByPriority = 1 << 2,
  kByAssignee = 1 << 3,
  kOverdue = 1 << 4,
  kFrom = 1 << 5,
  kTo = 1 << 6,
  kText = 1 << 7,
  kAfter = 1 << 8,
  kScopeAssignee = 1 << 9,
  kScopeInvestigator = 1 << 10,
  kExcludeNamed = 1 << 11,
  kSortOldest = 1 << 12,
  kSortDue = 1 << 13,
  kSortPriority = 1 << 14,
  kFollowUpDue = 1 << 15,
  // SQLite: with kAfter, newest or oldest first, the rows received at the cursor's instant
  // beyond its id; without it, kAfter in those orders means the rows received strictly before
  // (after) that instant.
  kTie = 1 << 16,
  // With kByCategory: the category asked for is not empty. The index by category holds only
  // complaints that have one (migration 0018), so the statement says so for it to serve.
  kCategoryNamed = 1 << 17,
};

// Whether a list is a handler's queue (their complaints and the unassigned ones) with no other
// filter, newest or oldest first, which the SQL stores run as two ordered walks of the index by
// assignee merged rather than as one `OR` whose rows the database may sort whole.
bool MergesHandlerQueue(uint64_t bits);

struct ListPlan {
  uint64_t bits = 0;
  core::ListSort sort = core::ListSort::kNewest;  // a text search: newest first, whatever q asks
  CursorPos after;                                // with kAfter
  std::string named;                              // PersonNeedle of the scope's exclusion
  int limit = 0;                                  // ClampLimit(q.limit)
};
// The plan of `q` for a store that runs it as a text search when `text` (its terms are the
// store's to write): nullopt when the caller's scope sees no complaint (an empty page); an
// error (kMalformed) when the cursor is not one of this order's.
core::Result<std::optional<ListPlan>> PlanList(const core::ListQuery& q, bool text);

inline constexpr std::array<core::State, 11> kAllStates = {
    core::State::kReceived,
    core::State::kAcknowledged,
    core::State::kAssessed,
    core::State::kUnderInvestigation,
    core::State::kAwaitingComplainant,
    core::State::kResponseProposed,
    core::State::kDecisionCommunicated,
    core::State::kClosed,
    core::State::kReopened,
    core::State::kWithdrawn,
    core::State::kReferred,
};

}  // namespace redress::store
