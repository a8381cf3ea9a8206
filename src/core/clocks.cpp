// Running clocks (iso10002.md §5). Invariants kept here:
//  * a clock is never reset: nothing below moves `anchor` or shortens a due date, except
//    ApplyFlags adopting a stricter rule for a clock that is still live;
//  * `breached` is final: once the due instant has passed while the clock was live, meeting or
//    stopping it later ends in kBreached, never kMet or kStopped;
//  * a paused clock cannot breach: its due date moves later by the paused span at resume;
//  * EvaluateClocks fires each warning and each breach at most once.
#include "core/clocks.hpp"

#include <algorithm>

namespace redress::core {
namespace {

using std::chrono::milliseconds;

bool IsLive(const ClockTrack& c) {
  return c.state == ClockState::kRunning || c.state == ClockState::kPaused;
}

std::string RuleIdentity(const ClockRule& r) {
  return r.when_flag.empty() ? r.name : r.name + "@" + r.when_flag;
}

ClockTrack MakeTrack(const Policy& policy, const ClockRule& rule, Instant anchor) {
  const Deadline d = ComputeDeadline(policy, rule, anchor);
  ClockTrack t;
  t.name = rule.name;
  t.rule = RuleIdentity(rule);
  t.state = ClockState::kRunning;
  t.anchor = anchor;
  t.due = d.due;
  t.warn = d.warn;
  t.local_due = d.local_due;
  return t;
}

// Ends a pause: the due and warning instants move later by the time spent paused.
void Unpause(ClockTrack& c, const Calendar* calendar, Instant now) {
  if (c.state != ClockState::kPaused) return;
  milliseconds span{0};
  if (c.paused_at && now > *c.paused_at) span = now - *c.paused_at;
  c.due += span;
  c.warn += span;
  c.paused_ms += span.count();
  if (calendar != nullptr) c.local_due = calendar->LocalDateOf(c.due);
  c.paused_at.reset();
  c.state = ClockState::kRunning;
}

// Ends a live clock at `now`: `ok_state` if on time, kBreached if it was or is now overdue.
void End(ClockTrack& c, Instant now, ClockState ok_state) {
  // A paused clock's due date has not moved yet; count the pause first. Its local date is left
  // as it was since no calendar is at hand (the clock is over; `due` is what the record keeps).
  Unpause(c, nullptr, now);
  if (now > c.due) c.breached = true;
  c.state = c.breached ? ClockState::kBreached : ok_state;
  c.ended_at = now;
}

}  // namespace

std::vector<ClockTrack> StartClocks(const Policy& policy, const std::vector<std::string>& flags,
                                    Instant received_at) {
  std::vector<ClockTrack> out;
  for (const ClockRule* rule : policy.RulesFor(flags)) {
    // kSentToCompany is measured from receipt: a complaint reaches Redress when it is sent to
    // the company, so the two instants coincide (docs/policies.md, CFPB).
    if (rule->anchor == Anchor::kReopened) continue;
    out.push_back(MakeTrack(policy, *rule, received_at));
  }
  return out;
}

void ApplyFlags(std::vector<ClockTrack>& clocks, const Policy& policy,
                const std::vector<std::string>& flags, Instant received_at) {
  for (const ClockRule* rule : policy.RulesFor(flags)) {
    if (rule->anchor == Anchor::kReopened) continue;
    ClockTrack fresh = MakeTrack(policy, *rule, received_at);
    auto same_name = [&rule](const ClockTrack& c) { return c.name == rule->name; };
    auto it = std::find_if(clocks.begin(), clocks.end(), same_name);
    if (it == clocks.end()) {
      // A regime or flag added at assessment runs from the original anchor, so it may already
      // be overdue; EvaluateClocks reports that at its next run.
      clocks.push_back(std::move(fresh));
      continue;
    }
    // Several tracks may share a name only after a reopen; the live one is the one to tighten.
    auto live = std::find_if(clocks.begin(), clocks.end(),
                             [&](const ClockTrack& c) { return same_name(c) && IsLive(c); });
    if (live == clocks.end() || live->rule == fresh.rule) continue;
    // Keep the time already paused: the stricter rule's due date moves by it too.
    const milliseconds paused(live->paused_ms);
    if (fresh.due + paused >= live->due) continue;  // not stricter: never loosen a clock
    live->rule = fresh.rule;
    live->due = fresh.due + paused;
    live->warn = fresh.warn + paused;
    live->local_due = policy.calendar.LocalDateOf(live->due);
  }
}

void StartReopenClock(std::vector<ClockTrack>& clocks, const Policy& policy, Instant now) {
  bool any = false;
  for (const ClockRule& rule : policy.clocks) {
    if (rule.anchor != Anchor::kReopened || !rule.when_flag.empty()) continue;
    clocks.push_back(MakeTrack(policy, rule, now));
    any = true;
  }
  if (any) return;
  ClockRule fallback;
  fallback.name = "reopen";
  fallback.anchor = Anchor::kReopened;
  fallback.unit = TimeUnit::kBusinessDays;
  fallback.count = policy.reopen_business_days;
  fallback.day_end = DayEnd::kCloseOfBusiness;
  clocks.push_back(MakeTrack(policy, fallback, now));
}

bool PauseClocks(std::vector<ClockTrack>& clocks, const Policy& policy, Instant now) {
  if (!policy.pause_allowed) return false;
  for (ClockTrack& c : clocks) {
    if (c.state != ClockState::kRunning) continue;
    // Overdue before the pause: the breach already happened, and a pause cannot undo it.
    if (now > c.due) c.breached = true;
    c.state = ClockState::kPaused;
    c.paused_at = now;
  }
  return true;
}

void ResumeClocks(std::vector<ClockTrack>& clocks, const Policy& policy, Instant now) {
  for (ClockTrack& c : clocks) Unpause(c, &policy.calendar, now);
}

void MeetClock(std::vector<ClockTrack>& clocks, const std::string& name, Instant now) {
  for (ClockTrack& c : clocks) {
    if (c.name == name && IsLive(c)) End(c, now, ClockState::kMet);
  }
}

void StopClocks(std::vector<ClockTrack>& clocks, Instant now) {
  for (ClockTrack& c : clocks) {
    if (IsLive(c)) End(c, now, ClockState::kStopped);
  }
}

std::vector<ClockAlert> EvaluateClocks(std::vector<ClockTrack>& clocks, Instant now) {
  std::vector<ClockAlert> alerts;
  for (ClockTrack& c : clocks) {
    if (c.state != ClockState::kRunning) continue;  // paused clocks cannot fire
    if (!c.breached && now > c.due) {
      // A breach supersedes a warning that was never sent: warning after the fact is noise, so
      // the warning is marked done without an alert.
      c.breached = true;
      c.warned = true;
      alerts.push_back({c.name, ClockAlert::kBreach, c.due});
    } else if (!c.warned && !c.breached && now >= c.warn) {
      c.warned = true;
      alerts.push_back({c.name, ClockAlert::kWarning, c.due});
    }
  }
  return alerts;
}

std::optional<Instant> NextClockInstant(const std::vector<ClockTrack>& clocks) {
  std::optional<Instant> next;
  for (const ClockTrack& c : clocks) {
    if (c.state != ClockState::kRunning || c.breached) continue;
    // A breach fires strictly after the due instant (meeting at `due` is on time).
    const Instant at = c.warned ? c.due + milliseconds(1) : c.warn;
    if (!next || at < *next) next = at;
  }
  return next;
}

std::optional<Instant> EarliestDue(const std::vector<ClockTrack>& clocks, const std::string& name) {
  std::optional<Instant> best;
  for (const ClockTrack& c : clocks) {
    if (!IsLive(c)) continue;
    if (!name.empty() && c.name != name) continue;
    if (!best || c.due < *best) best = c.due;
  }
  return best;
}

const char* ToString(ClockState s) {
  switch (s) {
    case ClockState::kRunning:
      return "running";
    case ClockState::kPaused:
      return "paused";
    case ClockState::kMet:
      return "met";
    case ClockState::kBreached:
      return "breached";
    case ClockState::kStopped:
      return "stopped";
  }
  return "unknown";
}

std::optional<ClockState> ParseClockState(std::string_view s) {
  for (ClockState c : {ClockState::kRunning, ClockState::kPaused, ClockState::kMet,
                       ClockState::kBreached, ClockState::kStopped}) {
    if (s == ToString(c)) return c;
  }
  return std::nullopt;
}

}  // namespace redress::core
