// Hashes, random tokens and password hashing, all through libsodium (conventions §1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redress::util {

// Must be called once before any other function here (idempotent, thread-safe).
void InitCrypto();

std::string Sha256Hex(std::string_view data);
// SHA-256 of the concatenation a ‖ b, without building it.
std::string Sha256Hex2(std::string_view a, std::string_view b);

// `bytes` random bytes from the CSPRNG, in Crockford base32 (no padding, upper case).
std::string RandomToken(size_t bytes);

// Argon2id (crypto_pwhash_str, interactive limits). Slow on purpose: call off I/O threads.
std::optional<std::string> HashPassword(std::string_view password);
bool VerifyPassword(const std::string& hash, std::string_view password);
bool PasswordNeedsRehash(const std::string& hash);

// Constant-time comparison of two equal-length strings (false if lengths differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace redress::util
