// Staff users, roles, sessions, notes and attachments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/personal.hpp"
#include "core/time.hpp"

namespace redress::core {

enum class Role { kHandler, kInvestigator, kManager, kAuditor, kAdmin };

const char* ToString(Role r);
std::optional<Role> ParseRole(std::string_view s);

struct User {
  int64_t id = 0;
  std::string username;
  Personal<std::string> display_name;
  Role role = Role::kHandler;
  std::string password_hash;  // Argon2id string from crypto_pwhash_str
  bool disabled = false;
  bool must_change_password = false;
  Instant created_at{};
};

struct Session {
  std::string token_hash;  // hex SHA-256 of the bearer token
  int64_t user_id = 0;
  Instant created_at{};
  Instant expires_at{};
};

enum class NoteVisibility { kInternal, kComplainant };

struct Note {
  int64_t id = 0;
  int64_t complaint_id = 0;
  Instant at{};
  std::string author;  // username or "complainant"
  NoteVisibility visibility = NoteVisibility::kInternal;
  Personal<std::string> body;
};

struct Attachment {
  int64_t id = 0;
  int64_t complaint_id = 0;
  std::string sha256;  // hex; the file lives at DATA/attachments/<aa>/<sha256>
  std::string content_type;
  int64_t size = 0;
  Personal<std::string> filename;
  std::string uploaded_by;
  Instant at{};
};

// The idempotency record of a create (conventions §4).
struct IdempotencyRecord {
  std::string key;
  std::string caller;     // "public" or a username
  std::string body_hash;  // hex SHA-256 of the request body
  int status = 0;
  std::string response;  // JSON body replayed on repeat
  Instant at{};
};

}  // namespace redress::core
