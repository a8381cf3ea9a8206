// JSON mapping of the complaint record. Three views:
//  * storage: every field, personal ones included (the store's `doc` column);
//  * staff:   what staff see through the API (same fields, plus computed ones);
//  * complainant: status, dates, what they told us — never staff notes or internal fields.
// Parsing never throws: a bad document is an Error with the JSON pointer of the field.
#pragma once

#include <nlohmann/json.hpp>

#include "core/complaint.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/user.hpp"

namespace redress::core {

nlohmann::json ToStorageJson(const Complaint& c);
Result<Complaint> FromStorageJson(const nlohmann::json& j);

nlohmann::json ToStaffJson(const Complaint& c, Instant now);
nlohmann::json ToComplainantJson(const Complaint& c, Instant now);
nlohmann::json ToJson(const ClockTrack& t);
nlohmann::json ToJson(const Event& e);
nlohmann::json ToJson(const Note& n);
nlohmann::json ToJson(const Attachment& a);
nlohmann::json ToJson(const User& u);  // never the password hash

}  // namespace redress::core
