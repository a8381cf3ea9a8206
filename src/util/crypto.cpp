#include "util/crypto.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>

namespace redress::util {
namespace {

constexpr size_t kSha256Bytes = 32;

// Fetched once: an implicit fetch on each digest (EVP_sha256()) costs a look-up every call.
const EVP_MD* Sha256() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) throw std::runtime_error("OpenSSL has no SHA-256");
    return fetched;
  }();
  return md;
}

void Check(int ok) {
  if (ok != 1) throw std::runtime_error("SHA-256 failed");
}

using Context = std::unique_ptr<evp_md_ctx_st, Sha256Stream::Free>;

Context NewContext() {
  Context ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  return ctx;
}

Context NewSha256Context() {
  Context ctx = NewContext();
  Check(EVP_DigestInit_ex2(ctx.get(), Sha256(), nullptr));
  return ctx;
}

std::string FinalHex(EVP_MD_CTX* ctx) {
  std::array<unsigned char, kSha256Bytes> out{};
  unsigned int n = 0;
  Check(EVP_DigestFinal_ex(ctx, out.data(), &n));
  return Hex(out.data(), n);
}

// Crockford's base32 alphabet: no I, L, O, U.
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

constexpr uint64_t kLowNibbles = 0x0F0F'0F0F'0F0F'0F0FULL;

// Each byte of `nibbles` (0-15) as its hex digit: '0' + n, and 39 more ('a' - '0' - 10) for
// 10-15, whose byte n + 6 reaches 16.
uint64_t HexDigits(uint64_t nibbles) {
  const uint64_t letter = ((nibbles + 0x0606'0606'0606'0606ULL) & 0x1010'1010'1010'1010ULL) >> 4;
  return nibbles + 0x3030'3030'3030'3030ULL + letter * 39;
}

}  // namespace

// Lower-case hex, as sodium_bin2hex writes it, eight bytes at a time and without branches on
// the bytes (a digest's hex is a cache key and a stored value, so it stays free of
// data-dependent timing like libsodium's), at about half its instructions: a session's
// token hash at every request, four digests at every create, an imported row's digest.
std::string Hex(const unsigned char* data, size_t n) {
  static_assert(std::endian::native == std::endian::little, "byte k of a word is bits 8k..8k+7");
  std::string out(n * 2, '\0');
  char* d = out.data();
  for (size_t i = 0; i < n; i += 8) {
    const size_t m = std::min<size_t>(8, n - i);
    uint64_t x = 0;
    std::memcpy(&x, data + i, m);
    const uint64_t hi = HexDigits((x >> 4) & kLowNibbles);
    const uint64_t lo = HexDigits(x & kLowNibbles);
    for (size_t k = 0; k < m; ++k) {
      d[2 * (i + k)] = static_cast<char>(hi >> (8 * k));
      d[2 * (i + k) + 1] = static_cast<char>(lo >> (8 * k));
    }
  }
  return out;
}

void InitCrypto() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  });
}

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, kSha256Bytes> out{};
  unsigned int n = 0;
  Check(EVP_Digest(data.data(), data.size(), out.data(), &n, Sha256(), nullptr));
  return Hex(out.data(), n);
}

std::string Sha256Hex2(std::string_view a, std::string_view b) {
  const Context ctx = NewSha256Context();
  Check(EVP_DigestUpdate(ctx.get(), a.data(), a.size()));
  Check(EVP_DigestUpdate(ctx.get(), b.data(), b.size()));
  return FinalHex(ctx.get());
}

void Sha256Stream::Free::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256Stream::Sha256Stream() : state_(NewSha256Context()) {}

Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::Update(std::string_view data) {
  Check(EVP_DigestUpdate(state_.get(), data.data(), data.size()));
}

std::string Sha256Stream::Hex() const {
  // Final consumes its context: finish a copy so the stream may go on.
  const Context copy = NewContext();
  Check(EVP_MD_CTX_copy_ex(copy.get(), state_.get()));
  return FinalHex(copy.get());
}

std::string RandomToken(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out;
  out.reserve((bytes * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kCrockford[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kCrockford[(buffer << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> HashPassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return std::nullopt;  // out of memory
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  if (hash.empty()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(const std::string& hash) {
  return crypto_pwhash_str_needs_rehash(hash.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace redress::util
