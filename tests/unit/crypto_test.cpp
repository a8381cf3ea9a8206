// util/crypto.hpp: the streaming SHA-256 agrees with the one-shot one.
#include "util/crypto.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace redress::util
