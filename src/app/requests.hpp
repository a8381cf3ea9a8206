// Mapping of API request bodies to domain inputs. Pure and fuzzable: never throws, refuses
// unknown fields, and names every bad field by JSON pointer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/complaint.hpp"
#include "core/lifecycle.hpp"
#include "core/result.hpp"

namespace redress::app {

enum class Intake { kPublic, kStaff };

// The receipt fields of a new complaint (complaint form annex). Public callers may not set
// received_at or a staff-only channel; staff logging a phone or letter complaint may.
core::Result<core::Complaint> ParseNewComplaint(const nlohmann::json& body, Intake intake,
                                                core::Instant now);
// The same from a request body's text, parsed by simdjson (several times faster than building
// an nlohmann document): kMalformed when it is not a JSON object, as ParseJsonObject; an empty
// body reads as {}.
core::Result<core::Complaint> ParseNewComplaintText(std::string_view body, Intake intake,
                                                    core::Instant now);

core::Result<core::ActionInput> ParseActionInput(core::Action action, const nlohmann::json& body);
core::Result<core::ActionInput> ParseActionInputText(core::Action action, std::string_view body);

struct NoteInput {
  std::string body;
  core::NoteVisibility visibility = core::NoteVisibility::kInternal;
};
core::Result<NoteInput> ParseNoteInput(const nlohmann::json& body);

}  // namespace redress::app
