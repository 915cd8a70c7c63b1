// metadata.properties syntax: Java .properties + commons-configuration list handling.
#include <gtest/gtest.h>

#include "segment/segment.h"

namespace pe::segment {
namespace {

TEST(Properties, EscapesListsContinuationsComments) {
  auto p = ParseProperties(
      "# comment\n"
      "! also a comment\n"
      "segment.name = my_seg\n"
      "a.list = x, y ,z\n"
      "a.comma = one\\, two\n"
      "a.unicode = caf\\u00e9 \\ud83d\\ude00\n"
      "a.nul = \\u0000\n"
      "a.cont = first \\\n"
      "    second\n"
      "a.backslash = c:\\\\dir\n"
      "key\\ with\\ space = v\n"
      "colon:sep\n"
      "dup = 1\n"
      "dup = 2\n"
      "empty.list =\n");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(GetString(*p, "segment.name"), "my_seg");
  EXPECT_EQ(p->at("a.list"), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(GetString(*p, "a.list"), "x");  // getString returns the first item
  EXPECT_EQ(GetString(*p, "a.comma"), "one, two");
  EXPECT_EQ(GetString(*p, "a.unicode"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(GetString(*p, "a.nul"), std::string(1, '\0'));
  EXPECT_EQ(GetString(*p, "a.cont"), "first second");
  EXPECT_EQ(GetString(*p, "a.backslash"), "c:\\dir");
  EXPECT_EQ(GetString(*p, "key with space"), "v");
  EXPECT_EQ(GetString(*p, "colon"), "sep");
  EXPECT_EQ(p->at("dup"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(p->at("empty.list"), (std::vector<std::string>{""}));
}

TEST(Properties, MalformedUnicodeEscapeIsCorruption) {
  auto p = ParseProperties("a = \\u12\n");
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().IsCorruption());
}

TEST(LlcName, Parses) {
  auto l = ParseLlcName("events__3__127__20260101T0930Z");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->table, "events");
  EXPECT_EQ(l->partition, 3);
  EXPECT_EQ(l->sequence, 127);
  EXPECT_EQ(l->creation_time, "20260101T0930Z");
  EXPECT_FALSE(ParseLlcName("baseballStats_OFFLINE_0").has_value());
  EXPECT_FALSE(ParseLlcName("a__b__1__20260101T0930Z").has_value());
}

TEST(Values, BigDecimalAndMap) {
  // scale 2, unscaled -12345 (two's complement CF C7) -> "-123.45"
  std::string bd("\x00\x02\xcf\xc7", 4);
  EXPECT_EQ(*BigDecimalToString(bd), "-123.45");
  std::string small("\x00\x05\x01", 3);  // 1 x 10^-5
  EXPECT_EQ(*BigDecimalToString(small), "0.00001");
  std::string neg_scale("\xff\xfe\x07", 3);  // 7 x 10^2
  EXPECT_EQ(*BigDecimalToString(neg_scale), "700");
  // 2^64 = 18446744073709551616 needs 9 bytes: 01 00..00
  std::string big("\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00", 11);
  EXPECT_EQ(*BigDecimalToString(big), "18446744073709551616");
  EXPECT_FALSE(BigDecimalToString(std::string("\x00", 1)).ok());

  std::string map("\x00\x00\x00\x01\x00\x00\x00\x01k\x00\x00\x00\x02[]", 15);
  EXPECT_EQ(*MapToJson(map), "{\"k\":[]}");
  EXPECT_FALSE(MapToJson(map.substr(0, 10)).ok());
}

}  // namespace
}  // namespace pe::segment
