#include "common/bytes.h"

#include <gtest/gtest.h>

namespace medsign {
namespace {

TEST(Hex, RoundTripsAndRejectsBadDigits) {
  Bytes b = {0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(hex_encode(b), "007f80ff");
  EXPECT_EQ(hex_decode("007F80ff").value(), b);
  EXPECT_EQ(hex_decode("0g").error().code, Errc::bad_encoding);
  EXPECT_EQ(hex_decode("abc").error().code, Errc::bad_encoding);
}

TEST(Base64, MatchesRfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(base64_encode(as_bytes(plain[i])), enc[i]);
    EXPECT_EQ(as_chars(base64_decode(enc[i]).value()), plain[i]);
  }
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(base64_decode("Zm9v!").ok());
  EXPECT_FALSE(base64_decode("Zg=").ok());
  EXPECT_FALSE(base64_decode("Zg==Zg==").ok());
  EXPECT_FALSE(base64_decode("Zh==").ok());  // non-canonical trailing bits
  EXPECT_TRUE(base64_decode("Zm9v\r\nYmFy").ok());
}

TEST(Base64Url, RoundTripsWithoutPadding) {
  Bytes b = {0xfb, 0xff, 0xfe};
  EXPECT_EQ(base64url_encode(b), "-__-");
  EXPECT_EQ(base64url_decode("-__-").value(), b);
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(ct_equal(as_bytes("abc"), as_bytes("abc")));
  EXPECT_FALSE(ct_equal(as_bytes("abc"), as_bytes("abd")));
  EXPECT_FALSE(ct_equal(as_bytes("abc"), as_bytes("ab")));
}

}  // namespace
}  // namespace medsign
