// Hashes, random tokens and password hashing. Random tokens, passwords and constant-time
// comparison go through libsodium (conventions §1); SHA-256 through OpenSSL's libcrypto, whose
// code uses the CPU's SHA instructions (the digests are the same bytes either way).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace redress::util {

// Must be called once before any other function here (idempotent, thread-safe).
void InitCrypto();

// Lower-case hex of `n` bytes, as sodium_bin2hex writes it (without branches on the bytes).
std::string Hex(const unsigned char* data, size_t n);

std::string Sha256Hex(std::string_view data);
// SHA-256 of the concatenation a ‖ b, without building it.
std::string Sha256Hex2(std::string_view a, std::string_view b);

// SHA-256 of bytes that come in pieces (a stream too large to hold).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::string_view data);
  // The digest of everything given so far, in hex; the stream may go on after it.
  std::string Hex() const;

  // Frees an OpenSSL digest context (for a std::unique_ptr).
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };

 private:
  std::unique_ptr<evp_md_ctx_st, Free> state_;
};

// `bytes` random bytes from the CSPRNG, in Crockford base32 (no padding, upper case).
std::string RandomToken(size_t bytes);

// Argon2id (crypto_pwhash_str, interactive limits). Slow on purpose: call off I/O threads.
std::optional<std::string> HashPassword(std::string_view password);
bool VerifyPassword(const std::string& hash, std::string_view password);
bool PasswordNeedsRehash(const std::string& hash);

// Constant-time comparison of two equal-length strings (false if lengths differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace redress::util
