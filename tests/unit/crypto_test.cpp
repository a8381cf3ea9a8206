// util/crypto.hpp: SHA-256 (OpenSSL) gives the standard digests and the same bytes as
// libsodium's; the streaming and two-part forms agree with the one-shot one.
#include "util/crypto.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>

namespace redress::util {
namespace {

TEST(Sha256Stream, KnownDigestAndPiecesEqualTheWhole) {
  InitCrypto();
  Sha256Stream empty;
  EXPECT_EQ(empty.Hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256Stream abc;
  abc.Update("a");
  abc.Update("");
  abc.Update("bc");
  EXPECT_EQ(abc.Hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(abc.Hex(), Sha256Hex("abc"));  // Hex() leaves the stream as it was

  std::string big;
  for (int i = 0; i < 100000; ++i) big += static_cast<char>(i * 31);
  Sha256Stream pieces;
  for (size_t off = 0; off < big.size(); off += 777)
    pieces.Update(std::string_view(big).substr(off, 777));
  EXPECT_EQ(pieces.Hex(), Sha256Hex(big));
  pieces.Update("more");
  EXPECT_EQ(pieces.Hex(), Sha256Hex(big + "more"));
}

TEST(Sha256, SameDigestsAsLibsodiumAndTwoPartsAsOne) {
  InitCrypto();
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Every length across the 64-byte block and padding boundaries, and a record-sized one:
  // digests stored before the change to OpenSSL (the events' chain) must still verify.
  std::string text;
  for (int i = 0; i < 1500; ++i) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> raw{};
    crypto_hash_sha256(raw.data(), reinterpret_cast<const unsigned char*>(text.data()),
                       text.size());
    std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
    ASSERT_EQ(Sha256Hex(text), hex.data()) << "length " << text.size();
    const size_t cut = text.size() / 3;
    ASSERT_EQ(Sha256Hex2(std::string_view(text).substr(0, cut), std::string_view(text).substr(cut)),
              hex.data())
        << "length " << text.size();
    text += static_cast<char>(i * 37 + 11);
  }
}

TEST(Hex, SameTextAsLibsodiumForEveryLengthAndByte) {
  InitCrypto();
  // Every byte value at every position of an eight-byte word, and every length of a last
  // partial word (the row digests are 16 bytes, SHA-256 32).
  std::array<unsigned char, 256 + 7> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 13 + 5);
  for (size_t start = 0; start < 8; ++start) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{16}, size_t{31},
                     size_t{32}, size_t{256}}) {
      std::array<char, 2 * 256 + 1> hex{};
      sodium_bin2hex(hex.data(), hex.size(), bytes.data() + start, n);
      ASSERT_EQ(Hex(bytes.data() + start, n), hex.data()) << "start " << start << " length " << n;
    }
  }
}

}  // namespace
}  // namespace redress::util
