// Running clocks of one complaint (iso10002.md §5). Pure functions over ClockTrack values.
// A clock is started at receipt (or at reopening, for the reopen clock) and never reset:
// reassignment, reclassification and state changes leave it alone; pause shifts its due
// instant by the paused time; met and breached are final (met late stays breached).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/policy.hpp"
#include "core/time.hpp"

namespace redress::core {

enum class ClockState { kRunning, kPaused, kMet, kBreached, kStopped };

struct ClockTrack {
  std::string name;  // the rule's name: "acknowledge", "final_response", ...
  std::string rule;  // rule identity "name" or "name@flag", for the record
  ClockState state = ClockState::kRunning;
  Instant anchor{};  // start instant
  Instant due{};
  Instant warn{};
  LocalDate local_due{};
  bool warned = false;    // a warning event was recorded
  bool breached = false;  // the due instant passed while running or paused (final)
  std::optional<Instant> paused_at;
  int64_t paused_ms = 0;            // total paused so far
  std::optional<Instant> ended_at;  // met or stopped at

  bool operator==(const ClockTrack&) const = default;
};

// Starts every clock the policy sets for these flags from `received_at`.
// Rules anchored on kReopened are not started here.
std::vector<ClockTrack> StartClocks(const Policy& policy, const std::vector<std::string>& flags,
                                    Instant received_at);

// Adds clocks for rules newly applicable after reclassification (new flags), anchored on the
// original receipt; existing clocks of the same name are replaced only if the new rule is
// stricter (earlier due) and the old one is still running. Never resets a clock.
void ApplyFlags(std::vector<ClockTrack>& clocks, const Policy& policy,
                const std::vector<std::string>& flags, Instant received_at);

// Starts the reopen clock (rules anchored on kReopened, or reopen_business_days by default).
void StartReopenClock(std::vector<ClockTrack>& clocks, const Policy& policy, Instant now);

// Pauses every running clock (only when the policy allows; returns false and changes nothing
// otherwise).
bool PauseClocks(std::vector<ClockTrack>& clocks, const Policy& policy, Instant now);
// Resumes paused clocks: due and warn move later by the paused span.
void ResumeClocks(std::vector<ClockTrack>& clocks, const Policy& policy, Instant now);

// Marks a clock met at `now` (or breached if `now` is past due). No-op if it is not running
// or paused, or does not exist.
void MeetClock(std::vector<ClockTrack>& clocks, const std::string& name, Instant now);
// Stops all running/paused clocks (withdrawal, closure): state kStopped unless already breached.
void StopClocks(std::vector<ClockTrack>& clocks, Instant now);

struct ClockAlert {
  std::string clock;
  enum Kind { kWarning, kBreach } kind;
  Instant due;
};

// Fires warnings and breaches that are due at `now` and not fired before; marks them on the
// tracks so a second call at the same time fires nothing (idempotent).
std::vector<ClockAlert> EvaluateClocks(std::vector<ClockTrack>& clocks, Instant now);

// The earliest instant at which EvaluateClocks could fire something, for scheduling.
std::optional<Instant> NextClockInstant(const std::vector<ClockTrack>& clocks);

// The earliest due instant among running/paused clocks named `name` (or any, if empty).
std::optional<Instant> EarliestDue(const std::vector<ClockTrack>& clocks,
                                   const std::string& name = {});

const char* ToString(ClockState s);
std::optional<ClockState> ParseClockState(std::string_view s);

}  // namespace redress::core
