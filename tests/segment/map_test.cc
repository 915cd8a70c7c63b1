// MAP values: Pinot's MapUtils.serializeMap layout (big-endian int size, then per entry an int
// key length, the UTF-8 key, an int value length and the value as Jackson JSON bytes).
#include <gtest/gtest.h>

#include "common/bytes.h"
#include "segment/segment.h"

namespace pe::segment {
namespace {

std::string Serialize(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string b;
  AppendBE32(&b, uint32_t(kv.size()));
  for (const auto& [k, v] : kv) {
    AppendBE32(&b, uint32_t(k.size()));
    b += k;
    AppendBE32(&b, uint32_t(v.size()));
    b += v;
  }
  return b;
}

TEST(MapValues, SerializedMapToJsonObject) {
  auto j = MapToJson(Serialize({{"clicks", "12"}, {"name", "\"a\\\"b\""}, {"tags", "[1,2]"}}));
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(*j, R"({"clicks":12,"name":"a\"b","tags":[1,2]})");
  auto empty = MapToJson(Serialize({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "{}");
  // Keys are escaped as JSON strings.
  auto esc = MapToJson(Serialize({{"a\"\n", "true"}}));
  ASSERT_TRUE(esc.ok());
  EXPECT_EQ(*esc, R"({"a\"\n":true})");
}

TEST(MapValues, TruncatedOrOversizedFailCleanly) {
  std::string b = Serialize({{"k", "1"}});
  for (size_t n = 0; n < b.size(); ++n) {
    EXPECT_FALSE(MapToJson(b.substr(0, n)).ok()) << n;
  }
  std::string huge;
  AppendBE32(&huge, 1);
  AppendBE32(&huge, 0x7fffffff);  // key length past the value
  EXPECT_FALSE(MapToJson(huge).ok());
}

}  // namespace
}  // namespace pe::segment
