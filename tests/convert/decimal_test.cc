// BIG_DECIMAL -> Parquet DECIMAL(P, S) FIXED_LEN_BYTE_ARRAY (LogicalTypes.md "DECIMAL"): the
// byte length per precision, the unscaled big-endian two's-complement bytes at the precision
// boundaries 9, 18 and 38 (positive and negative), and the one-line error for a value that does
// not fit — including values whose rescaling would overflow 128 bits. Expected bytes were computed
// independently (Python int.to_bytes of the unscaled value).
#include "convert/decimal.h"

#include <gtest/gtest.h>

#include <string>

namespace pe::convert {
namespace {

using i128 = __int128;
using u128 = unsigned __int128;

i128 Pow10(int n) {
  i128 v = 1;
  while (n-- > 0) v *= 10;
  return v;
}

// BigDecimalUtils.serialize: BE int16 scale + BigInteger.toByteArray() (minimal BE two's
// complement: drop leading 0x00/0xFF bytes while the next byte keeps the sign).
std::string PinotDecimal(i128 unscaled, int scale) {
  std::string mag;
  for (int i = 15; i >= 0; --i) mag.push_back(char(uint8_t(u128(unscaled) >> (8 * i))));
  const bool neg = unscaled < 0;
  size_t skip = 0;
  while (skip + 1 < mag.size() && uint8_t(mag[skip]) == (neg ? 0xFF : 0x00) &&
         ((uint8_t(mag[skip + 1]) & 0x80) != 0) == neg) {
    ++skip;
  }
  std::string out;
  out.push_back(char(uint8_t(uint16_t(int16_t(scale)) >> 8)));
  out.push_back(char(uint8_t(uint16_t(int16_t(scale)))));
  return out + mag.substr(skip);
}

std::string Hex(const std::string& s) {
  static const char* k = "0123456789abcdef";
  std::string h;
  for (unsigned char c : s) {
    h.push_back(k[c >> 4]);
    h.push_back(k[c & 15]);
  }
  return h;
}

// The converted bytes as hex, or "error: <message>".
std::string Convert(const std::string& pinot, int precision, int scale) {
  std::string out;
  Status st = ToDecimalBytes(pinot, precision, scale, DecimalBytes(precision), &out);
  if (!st.ok()) return "error: " + st.message();
  EXPECT_EQ(out.size(), size_t(DecimalBytes(precision)));
  return Hex(out);
}

TEST(Decimal, BytesPerPrecisionFollowTheSpec) {
  // n bytes hold floor(log10(2^(8n-1) - 1)) digits.
  const int want[39] = {0, 1, 1,  2,  2,  3,  3,  4,  4,  4,  5,  5,  6,  6,  6,  7,  7,  8,  8, 9,
                        9, 9, 10, 10, 11, 11, 11, 12, 12, 13, 13, 13, 14, 14, 15, 15, 16, 16, 16};
  for (int p = 1; p <= 38; ++p) EXPECT_EQ(DecimalBytes(p), want[p]) << "precision " << p;
}

TEST(Decimal, Precision38Boundary) {
  const i128 max38 = Pow10(38) - 1;  // 38 nines
  EXPECT_EQ(Convert(PinotDecimal(max38, 0), 38, 0), "4b3b4ca85a86c47a098a223fffffffff");
  EXPECT_EQ(Convert(PinotDecimal(-max38, 0), 38, 0), "b4c4b357a5793b85f675ddc000000001");
  // 37 nines at scale 0 -> 38 digits at scale 1.
  EXPECT_EQ(Convert(PinotDecimal(-(Pow10(37) - 1), 0), 38, 1), "b4c4b357a5793b85f675ddc00000000a");
  // 99 * 10^36 fits in 128 bits, but at scale 1 it needs 39 digits (and 99 * 10^37 overflows
  // int128): it must fail, not wrap to a negative number.
  EXPECT_EQ(Convert(PinotDecimal(99 * Pow10(36), 0), 38, 1),
            "error: value 99000000000000000000000000000000000000 does not fit DECIMAL(38,1): more "
            "than 38 digits");
  EXPECT_EQ(Convert(PinotDecimal(-99 * Pow10(36), 0), 38, 1),
            "error: value -99000000000000000000000000000000000000 does not fit DECIMAL(38,1): "
            "more than 38 digits");
  // 10^38 itself has 39 digits.
  EXPECT_EQ(Convert(PinotDecimal(Pow10(38), 0), 38, 0),
            "error: value 100000000000000000000000000000000000000 does not fit DECIMAL(38,0): "
            "more than 38 digits");
  // 1E+38 (unscaled 1, scale -38): rescaling reaches 10^38 and must stop before 10^39.
  EXPECT_EQ(Convert(PinotDecimal(1, -38), 38, 0),
            "error: value 100000000000000000000000000000000000000 does not fit DECIMAL(38,0): "
            "more than 38 digits");
  EXPECT_EQ(Convert(PinotDecimal(-1, -38), 38, 0),
            "error: value -100000000000000000000000000000000000000 does not fit DECIMAL(38,0): "
            "more than 38 digits");
}

TEST(Decimal, Precision18Boundary) {
  const i128 max18 = Pow10(18) - 1;
  // 9999999999999999.99 at DECIMAL(18,2).
  EXPECT_EQ(Convert(PinotDecimal(max18, 2), 18, 2), "0de0b6b3a763ffff");
  EXPECT_EQ(Convert(PinotDecimal(-max18, 2), 18, 2), "f21f494c589c0001");
  // 10^16 needs 19 digits at scale 2.
  EXPECT_EQ(Convert(PinotDecimal(Pow10(16), 0), 18, 2),
            "error: value 10000000000000000 does not fit DECIMAL(18,2): more than 18 digits");
  EXPECT_EQ(Convert(PinotDecimal(-Pow10(16), 0), 18, 2),
            "error: value -10000000000000000 does not fit DECIMAL(18,2): more than 18 digits");
}

TEST(Decimal, Precision9Boundary) {
  EXPECT_EQ(Convert(PinotDecimal(Pow10(9) - 1, 0), 9, 0), "3b9ac9ff");
  EXPECT_EQ(Convert(PinotDecimal(-(Pow10(9) - 1), 0), 9, 0), "c4653601");
  EXPECT_EQ(Convert(PinotDecimal(Pow10(9), 0), 9, 0),
            "error: value 1000000000 does not fit DECIMAL(9,0): more than 9 digits");
  EXPECT_EQ(Convert(PinotDecimal(-Pow10(9), 0), 9, 0),
            "error: value -1000000000 does not fit DECIMAL(9,0): more than 9 digits");
}

TEST(Decimal, ScaleReduction) {
  // -1.20 -> -1.2 is exact; 1.25 at scale 1 would lose a digit.
  EXPECT_EQ(Convert(PinotDecimal(-120, 2), 9, 1), "fffffff4");
  EXPECT_EQ(Convert(PinotDecimal(125, 2), 9, 1),
            "error: value 1.25 does not fit DECIMAL(9,1): scale 2 would lose digits");
  // 0 at scale 32767 reduces to 0 (no digits lost).
  EXPECT_EQ(Convert(PinotDecimal(0, 32767), 9, 0), "00000000");
}

TEST(Decimal, HugeExponentsFailWithoutOverflow) {
  // 1E+32768 (scale -32768): far past 128 bits.
  EXPECT_EQ(Convert(PinotDecimal(7, -32768), 38, 0).rfind("error: value 7", 0), 0u);
  EXPECT_NE(Convert(PinotDecimal(7, -32768), 38, 0).find("more than 38 digits"), std::string::npos);
  // A 17-byte unscaled value.
  std::string big = std::string("\x00\x00", 2) + "\x01" + std::string(16, '\0');
  EXPECT_EQ(Convert(big, 38, 0),
            "error: value 340282366920938463463374607431768211456 does not fit DECIMAL(38,0): too "
            "many digits");
}

TEST(Decimal, BadArguments) {
  std::string out;
  EXPECT_FALSE(ToDecimalBytes(PinotDecimal(1, 0), 39, 0, 16, &out).ok());
  EXPECT_FALSE(ToDecimalBytes(PinotDecimal(1, 0), 0, 0, 1, &out).ok());
  EXPECT_FALSE(ToDecimalBytes(PinotDecimal(1, 0), 9, 10, 4, &out).ok());
  EXPECT_FALSE(ToDecimalBytes(PinotDecimal(1, 0), 38, 0, 8, &out).ok());  // too short for P=38
  EXPECT_FALSE(ToDecimalBytes(std::string_view("\x00", 1), 9, 0, 4, &out).ok());  // < 3 bytes
}

}  // namespace
}  // namespace pe::convert
