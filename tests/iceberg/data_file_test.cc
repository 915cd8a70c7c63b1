// MakeDataFile: Iceberg DataFile metrics from Parquet footer metrics, with bounds checked byte by
// byte against the single-value serialization of spec.md Appendix D computed here from the
// values, the truncate(16) rules of Iceberg Java's MetricsModes (UnicodeUtil / BinaryUtil), and
// what Java's ParquetMetrics records for nested and repeated columns; a real file written by
// parquet::FileWriter with field ids; DataFile JSON round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "common/file.h"
#include "iceberg/manifest.h"
#include "parquet/parquet.h"

namespace pe::iceberg {
namespace {

using parquet::ColumnMetrics;
using parquet::FileMetrics;
using parquet::PhysicalType;

std::shared_ptr<const Type> T(Type::Kind k, int precision = 0, int scale = 0, int length = 0) {
  auto t = std::make_shared<Type>();
  t->kind = k;
  t->precision = precision;
  t->scale = scale;
  t->length = length;
  return t;
}

NestedField F(int id, std::string name, std::shared_ptr<const Type> t, bool required = false) {
  return NestedField{id, std::move(name), required, std::move(t)};
}

// Little-endian bytes of an integer (Appendix D int/long, Parquet PLAIN INT32/INT64).
std::string LE(int64_t v, int n) {
  std::string s(size_t(n), '\0');
  for (int i = 0; i < n; ++i) s[size_t(i)] = char(uint64_t(v) >> (8 * i));
  return s;
}
std::string F32(float f) { return std::string(reinterpret_cast<const char*>(&f), 4); }
std::string F64(double d) { return std::string(reinterpret_cast<const char*>(&d), 8); }
std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(char(b));
  return s;
}
std::string Rep(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

ColumnMetrics Col(std::vector<std::string> path, PhysicalType t, int64_t values, int64_t nulls,
                  std::optional<std::string> min, std::optional<std::string> max,
                  int64_t bytes = 100, int64_t nans = 0) {
  ColumnMetrics c;
  c.path = std::move(path);
  c.type = t;
  c.value_count = values;
  c.null_count = nulls;
  c.nan_count = nans;
  c.min = std::move(min);
  c.max = std::move(max);
  c.compressed_bytes = bytes;
  c.uncompressed_bytes = bytes * 2;
  return c;
}

Schema WideSchema() {
  Schema s;
  auto tags = std::make_shared<Type>();
  tags->kind = Type::kList;
  tags->element = F(21, "", T(Type::kString), true);
  auto attrs = std::make_shared<Type>();
  attrs->kind = Type::kMap;
  attrs->key = F(23, "", T(Type::kString), true);
  attrs->value = F(24, "", T(Type::kLong));
  auto st = std::make_shared<Type>();
  st->kind = Type::kStruct;
  st->fields = {F(31, "a", T(Type::kLong)), F(32, "b", T(Type::kString))};
  s.fields = {F(1, "i", T(Type::kInt), true),
              F(2, "l", T(Type::kLong)),
              F(3, "f", T(Type::kFloat)),
              F(4, "d", T(Type::kDouble)),
              F(5, "s", T(Type::kString)),
              F(6, "bin", T(Type::kBinary)),
              F(7, "dec9", T(Type::kDecimal, 9, 2)),
              F(8, "dec18", T(Type::kDecimal, 18, 2)),
              F(9, "dec38", T(Type::kDecimal, 38, 2)),
              F(10, "ts", T(Type::kTimestampTz)),
              F(11, "flag", T(Type::kBoolean)),
              F(12, "u", T(Type::kUuid)),
              F(13, "day", T(Type::kDate)),
              F(14, "promoted", T(Type::kLong)),
              F(15, "dec9fixed", T(Type::kDecimal, 9, 2)),
              F(20, "tags", tags),
              F(22, "attrs", attrs),
              F(30, "st", st)};
  return s;
}

TEST(MakeDataFile, BoundsInTheSingleValueSerialization) {
  const std::string uuid = B({0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42,
                              0x66, 0x14, 0x17, 0x40, 0x00});
  FileMetrics m;
  m.file_bytes = 4242;
  m.num_rows = 10;
  m.row_group_offsets = {4, 2000};
  m.columns = {
      Col({"i"}, PhysicalType::kInt32, 10, 0, LE(-7, 4), LE(300, 4), 11),
      Col({"l"}, PhysicalType::kInt64, 10, 2, LE(-1, 8), LE(1LL << 40, 8), 12),
      Col({"f"}, PhysicalType::kFloat, 10, 1, F32(-0.0f), F32(2.5f), 13, 3),
      Col({"d"}, PhysicalType::kDouble, 10, 0, F64(-1e300), F64(0.0), 14, 0),
      Col({"s"}, PhysicalType::kByteArray, 10, 0, "apple", "pear", 15),
      Col({"bin"}, PhysicalType::kByteArray, 10, 0, B({0x00}), B({0xff, 0x01}), 16),
      // 123.45 and -123.45 at scale 2: unscaled 12345 = 0x3039, -12345 = 0xcfc7.
      Col({"dec9"}, PhysicalType::kInt32, 10, 0, LE(-12345, 4), LE(12345, 4), 17),
      // -1.28 = -128 = 0x80 (one byte); 2^40 = 0x010000000000.
      Col({"dec18"}, PhysicalType::kInt64, 10, 0, LE(-128, 8), LE(1LL << 40, 8), 18),
      // FIXED(16) big-endian: 0 -> 0x00; 255 -> 0x00ff (the sign needs the leading zero byte).
      Col({"dec38"}, PhysicalType::kFixedLenByteArray, 10, 0, std::string(16, '\0'),
          std::string(15, '\0') + B({0xff}), 19),
      Col({"ts"}, PhysicalType::kInt64, 10, 0, LE(1700000000123456, 8), LE(1700000000999999, 8),
          20),
      Col({"flag"}, PhysicalType::kBoolean, 10, 0, B({0}), B({1}), 21),
      Col({"u"}, PhysicalType::kFixedLenByteArray, 10, 0, uuid, uuid, 22),
      Col({"day"}, PhysicalType::kInt32, 10, 0, LE(19000, 4), LE(19001, 4), 23),
      Col({"promoted"}, PhysicalType::kInt32, 10, 0, LE(-2, 4), LE(5, 4), 24),  // int -> long
      Col({"dec9fixed"}, PhysicalType::kFixedLenByteArray, 10, 0, B({0xff, 0xff, 0xcf, 0xc7}),
          B({0x00, 0x00, 0x30, 0x39}), 25),
      Col({"tags", "list", "element"}, PhysicalType::kByteArray, 25, 3, "a", "z", 26),
      Col({"attrs", "key_value", "key"}, PhysicalType::kByteArray, 12, 1, "k", "k", 27),
      Col({"attrs", "key_value", "value"}, PhysicalType::kInt64, 12, 2, LE(1, 8), LE(2, 8), 28),
      Col({"st", "a"}, PhysicalType::kInt64, 10, 4, LE(3, 8), LE(9, 8), 29),
      Col({"st", "b"}, PhysicalType::kByteArray, 10, 10, std::nullopt, std::nullopt, 30),
  };
  auto df = MakeDataFile("s3://b/t/data/x.parquet", m, WideSchema());
  ASSERT_TRUE(df.ok()) << df.status().ToString();
  EXPECT_EQ(df->file_path, "s3://b/t/data/x.parquet");
  EXPECT_EQ(df->file_format, "PARQUET");
  EXPECT_EQ(df->record_count, 10);
  EXPECT_EQ(df->file_size_in_bytes, 4242);
  EXPECT_EQ(df->split_offsets, (std::vector<int64_t>{4, 2000}));

  // column_sizes: every leaf with an id, list elements and map keys/values included.
  std::map<int, int64_t> sizes = {{1, 11},  {2, 12},  {3, 13},  {4, 14},  {5, 15},
                                  {6, 16},  {7, 17},  {8, 18},  {9, 19},  {10, 20},
                                  {11, 21}, {12, 22}, {13, 23}, {14, 24}, {15, 25},
                                  {21, 26}, {23, 27}, {24, 28}, {31, 29}, {32, 30}};
  EXPECT_EQ(df->column_sizes, sizes);
  // Counts: not for fields inside lists or maps (Java's ParquetMetrics drops them).
  std::map<int, int64_t> values, nulls;
  for (int id : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}) values[id] = 10;
  values[31] = 10, values[32] = 10;
  nulls = {{1, 0},  {2, 2},  {3, 1},  {4, 0},  {5, 0},  {6, 0},  {7, 0},  {8, 0},  {9, 0},
           {10, 0}, {11, 0}, {12, 0}, {13, 0}, {14, 0}, {15, 0}, {31, 4}, {32, 10}};
  EXPECT_EQ(df->value_counts, values);
  EXPECT_EQ(df->null_value_counts, nulls);
  EXPECT_EQ(df->nan_value_counts, (std::map<int, int64_t>{{3, 3}, {4, 0}}));  // floats only

  std::map<int, std::string> lower = {
      {1, LE(-7, 4)},        {2, LE(-1, 8)},
      {3, F32(-0.0f)},       {4, F64(-1e300)},
      {5, "apple"},          {6, B({0x00})},
      {7, B({0xcf, 0xc7})},  {8, B({0x80})},
      {9, B({0x00})},        {10, LE(1700000000123456, 8)},
      {11, B({0})},          {12, uuid},
      {13, LE(19000, 4)},    {14, LE(-2, 8)},
      {15, B({0xcf, 0xc7})}, {31, LE(3, 8)},
  };
  std::map<int, std::string> upper = {
      {1, LE(300, 4)},       {2, LE(1LL << 40, 8)},
      {3, F32(2.5f)},        {4, F64(0.0)},
      {5, "pear"},           {6, B({0xff, 0x01})},
      {7, B({0x30, 0x39})},  {8, B({0x01, 0x00, 0x00, 0x00, 0x00, 0x00})},
      {9, B({0x00, 0xff})},  {10, LE(1700000000999999, 8)},
      {11, B({1})},          {12, uuid},
      {13, LE(19001, 4)},    {14, LE(5, 8)},
      {15, B({0x30, 0x39})}, {31, LE(9, 8)},
  };
  EXPECT_EQ(df->lower_bounds, lower);
  EXPECT_EQ(df->upper_bounds, upper);

  // Counts mode (truncate length 0): no bounds, counts kept.
  auto counts = MakeDataFile("x", m, WideSchema(), 0);
  ASSERT_TRUE(counts.ok());
  EXPECT_TRUE(counts->lower_bounds.empty());
  EXPECT_TRUE(counts->upper_bounds.empty());
  EXPECT_EQ(counts->value_counts, values);
}

// One string column's bounds for (min, max) at truncate(16).
std::pair<std::optional<std::string>, std::optional<std::string>> StringBounds(
    const std::string& min, const std::string& max, Type::Kind kind = Type::kString) {
  Schema s;
  s.fields = {F(1, "c", T(kind))};
  FileMetrics m;
  m.num_rows = 1;
  m.columns = {Col({"c"}, PhysicalType::kByteArray, 1, 0, min, max)};
  auto df = MakeDataFile("x", m, s);
  EXPECT_TRUE(df.ok()) << df.status().ToString();
  std::pair<std::optional<std::string>, std::optional<std::string>> out;
  if (df->lower_bounds.count(1)) out.first = df->lower_bounds.at(1);
  if (df->upper_bounds.count(1)) out.second = df->upper_bounds.at(1);
  return out;
}

TEST(MakeDataFile, StringsTruncateToSixteenCodePoints) {
  // ASCII: 20 characters -> the first 16; the upper bound's 16th character incremented.
  auto b = StringBounds("abcdefghijklmnopqrst", "abcdefghijklmnopqrst");
  EXPECT_EQ(b.first, "abcdefghijklmnop");
  EXPECT_EQ(b.second, "abcdefghijklmnoq");
  // Exactly 16: kept as is.
  b = StringBounds("abcdefghijklmnop", "abcdefghijklmnop");
  EXPECT_EQ(b.first, "abcdefghijklmnop");
  EXPECT_EQ(b.second, "abcdefghijklmnop");
  // Two-byte UTF-8: 17 x U+00E9 (é, c3 a9) -> 16 x é; upper 15 x é + U+00EA (ê, c3 aa).
  const std::string e = "\xc3\xa9";
  b = StringBounds(Rep(e, 17), Rep(e, 17));
  EXPECT_EQ(b.first, Rep(e, 16));
  EXPECT_EQ(b.second, Rep(e, 15) + "\xc3\xaa");
  // Four-byte UTF-8: U+1F600 (f0 9f 98 80) x 20 -> upper ends with U+1F601 (f0 9f 98 81).
  const std::string smile = "\xf0\x9f\x98\x80";
  b = StringBounds(Rep(smile, 20), Rep(smile, 20));
  EXPECT_EQ(b.first, Rep(smile, 16));
  EXPECT_EQ(b.second, Rep(smile, 15) + "\xf0\x9f\x98\x81");
  // All U+10FFFF (f4 8f bf bf): no code point can be incremented, so no upper bound.
  const std::string top = "\xf4\x8f\xbf\xbf";
  b = StringBounds(Rep(top, 17), Rep(top, 17));
  EXPECT_EQ(b.first, Rep(top, 16));
  EXPECT_FALSE(b.second.has_value());
  // "a" then U+10FFFF: the increment moves to the first code point and the rest is dropped.
  b = StringBounds("a" + Rep(top, 16), "a" + Rep(top, 16));
  EXPECT_EQ(b.second, "b");
  // U+D7FF (ed 9f bf) as the 16th: the next scalar value is U+E000 (ee 80 80).
  b = StringBounds("x", Rep("y", 15) + "\xed\x9f\xbf" + "zz");
  EXPECT_EQ(b.first, "x");
  EXPECT_EQ(b.second, Rep("y", 15) + "\xee\x80\x80");
  // Not UTF-8: no bounds rather than wrong ones.
  b = StringBounds("\xff\xfe", "\xff\xfe");
  EXPECT_FALSE(b.first.has_value());
  EXPECT_FALSE(b.second.has_value());
}

TEST(MakeDataFile, BinaryTruncatesToSixteenBytes) {
  const std::string ff(20, '\xff');
  auto b = StringBounds(ff, ff, Type::kBinary);
  EXPECT_EQ(b.first, std::string(16, '\xff'));
  EXPECT_FALSE(b.second.has_value());  // 0xff x 16 cannot be incremented
  // 01 02 ... 14: upper 01 .. 0f 11 (byte 16 incremented).
  std::string seq;
  for (int i = 1; i <= 20; ++i) seq.push_back(char(i));
  b = StringBounds(seq, seq, Type::kBinary);
  EXPECT_EQ(b.first, seq.substr(0, 16));
  EXPECT_EQ(b.second, seq.substr(0, 15) + char(17));
  // ... 0f ff ff ff: the last byte below 0xff is incremented, the rest dropped.
  std::string tail = seq.substr(0, 14) + std::string(6, '\xff');
  b = StringBounds(tail, tail, Type::kBinary);
  EXPECT_EQ(b.second, seq.substr(0, 13) + char(15));
}

TEST(MakeDataFile, UnresolvedPathsAndWrongTypesAreErrors) {
  Schema s;
  s.fields = {F(1, "a", T(Type::kInt)), F(2, "b", T(Type::kString))};
  FileMetrics m;
  m.columns = {Col({"zzz"}, PhysicalType::kInt32, 1, 0, std::nullopt, std::nullopt)};
  auto r = MakeDataFile("x", m, s);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("zzz"), std::string::npos) << r.status().ToString();
  m.columns = {
      Col({"a", "list", "element"}, PhysicalType::kInt32, 1, 0, std::nullopt, std::nullopt)};
  EXPECT_TRUE(MakeDataFile("x", m, s).status().IsInvalidArgument());
  m.columns = {Col({"b"}, PhysicalType::kInt64, 1, 0, LE(1, 8), LE(2, 8))};
  r = MakeDataFile("x", m, s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("INT64"), std::string::npos) << r.status().ToString();
  m.columns = {Col({"a"}, PhysicalType::kInt32, 1, 0, LE(1, 3), LE(2, 3))};  // 3-byte INT32
  EXPECT_TRUE(MakeDataFile("x", m, s).status().IsInvalidArgument());
}

TEST(DataFileJson, RoundTripsExactly) {
  DataFile f;
  f.file_path = "s3://b/t/data/\xc3\xa9 \"q\".parquet";
  f.record_count = 9007199254740993;  // 2^53 + 1
  f.file_size_in_bytes = INT64_MAX;
  f.column_sizes = {{1, 5}, {100000, 0}};
  f.value_counts = {{1, -1}};
  f.null_value_counts = {{2, 3}};
  f.nan_value_counts = {{3, 0}};
  f.lower_bounds = {{1, std::string("\x00\xff\x10", 3)}, {2, ""}};
  f.upper_bounds = {{1, std::string(16, '\xff')}};
  f.split_offsets = {4, 1LL << 40};
  const std::string j = DataFileToJson(f);
  auto g = DataFileFromJson(j);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->file_path, f.file_path);
  EXPECT_EQ(g->file_format, f.file_format);
  EXPECT_EQ(g->record_count, f.record_count);
  EXPECT_EQ(g->file_size_in_bytes, f.file_size_in_bytes);
  EXPECT_EQ(g->column_sizes, f.column_sizes);
  EXPECT_EQ(g->value_counts, f.value_counts);
  EXPECT_EQ(g->null_value_counts, f.null_value_counts);
  EXPECT_EQ(g->nan_value_counts, f.nan_value_counts);
  EXPECT_EQ(g->lower_bounds, f.lower_bounds);
  EXPECT_EQ(g->upper_bounds, f.upper_bounds);
  EXPECT_EQ(g->split_offsets, f.split_offsets);
  EXPECT_EQ(DataFileToJson(*g), j);
  // Bounds are hex text in the JSON.
  auto parsed = nlohmann::json::parse(j);
  EXPECT_EQ(parsed["lower_bounds"]["1"], "00ff10");

  for (
      const char* bad :
      {"", "[]", "{}", R"({"file_path":1})",
       R"({"file_path":"p","file_format":"PARQUET","record_count":"1","file_size_in_bytes":1})",
       R"({"file_path":"p","file_format":"PARQUET","record_count":1,"file_size_in_bytes":18446744073709551615})",
       R"({"file_path":"p","file_format":"PARQUET","record_count":1,"file_size_in_bytes":1,"lower_bounds":{"1":"0g"}})",
       R"({"file_path":"p","file_format":"PARQUET","record_count":1,"file_size_in_bytes":1,"column_sizes":{"x":1}})",
       R"({"file_path":"p","file_format":"PARQUET","record_count":1,"file_size_in_bytes":1,"split_offsets":[1.5]})"}) {
    auto r = DataFileFromJson(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsCorruption()) << bad;
  }
}

// A file written by parquet::FileWriter with Iceberg field ids: the writer's footer metrics give
// the DataFile of the values written here.
TEST(MakeDataFile, FromARealParquetFile) {
  using parquet::ColumnSchema;
  using parquet::LogicalType;
  auto leaf = [](std::string name, PhysicalType t, int id, bool optional) {
    ColumnSchema c;
    c.name = std::move(name);
    c.type = t;
    c.optional = optional;
    c.field_id = id;
    return c;
  };
  ColumnSchema id = leaf("id", PhysicalType::kInt64, 1, false);
  ColumnSchema name = leaf("name", PhysicalType::kByteArray, 2, true);
  name.logical.kind = LogicalType::kString;
  ColumnSchema price = leaf("price", PhysicalType::kFixedLenByteArray, 3, true);
  price.type_length = 4;
  price.logical.kind = LogicalType::kDecimal;
  price.logical.precision = 9;
  price.logical.scale = 2;
  ColumnSchema score = leaf("score", PhysicalType::kDouble, 4, true);
  ColumnSchema tags = leaf("tags", PhysicalType::kByteArray, 5, true);
  tags.logical.kind = LogicalType::kString;
  tags.list = true;
  tags.element_field_id = 6;
  ColumnSchema ts = leaf("ts", PhysicalType::kInt64, 7, true);
  ts.logical.kind = LogicalType::kTimestampMicros;

  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/real.parquet";
  auto w = parquet::FileWriter::OpenFile(path, {id, name, price, score, tags, ts},
                                         parquet::WriterOptions());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  // Rows: (3, "bob", 123.45, NaN, [x, y], t0), (1, null, -0.50, 2.5, null, null),
  //       (2, "alice in wonderland, the long one", null, -1.0, [], t1).
  const int64_t ids[] = {3, 1, 2};
  ASSERT_TRUE((*w)->WriteInt64(0, 3, ids, nullptr, nullptr).ok());
  const std::string names = std::string("bob") + "alice in wonderland, the long one";
  const uint32_t name_offs[] = {0, 3, uint32_t(names.size())};  // non-null values only
  const uint8_t name_nulls[] = {0, 1, 0};
  ASSERT_TRUE((*w)->WriteByteArray(1, 3, name_offs, names.data(), name_nulls, nullptr).ok());
  // DECIMAL(9,2) in FIXED(4), big-endian: 12345 and -50.
  const std::string prices = B({0x00, 0x00, 0x30, 0x39, 0xff, 0xff, 0xff, 0xce});
  const uint32_t price_offs[] = {0, 4, 8};
  const uint8_t price_nulls[] = {0, 0, 1};
  ASSERT_TRUE((*w)->WriteByteArray(2, 3, price_offs, prices.data(), price_nulls, nullptr).ok());
  const double scores[] = {std::nan(""), 2.5, -1.0};
  ASSERT_TRUE((*w)->WriteDouble(3, 3, scores, nullptr, nullptr).ok());
  const std::string tag_data = "xy";
  const uint32_t tag_voffs[] = {0, 1, 2};
  const uint32_t tag_rows[] = {0, 2, 2, 2};
  const uint8_t tag_nulls[] = {0, 1, 0};
  ASSERT_TRUE((*w)->WriteByteArray(4, 3, tag_voffs, tag_data.data(), tag_nulls, tag_rows).ok());
  const int64_t tss[] = {1700000000000000, 1700000000000001};
  const uint8_t ts_nulls[] = {0, 1, 0};
  ASSERT_TRUE((*w)->WriteInt64(5, 3, tss, ts_nulls, nullptr).ok());
  ASSERT_TRUE((*w)->Close().ok());

  auto list = std::make_shared<Type>();
  list->kind = Type::kList;
  list->element = F(6, "", T(Type::kString), true);
  Schema s;
  s.fields = {F(1, "id", T(Type::kLong), true),
              F(2, "name", T(Type::kString)),
              F(3, "price", T(Type::kDecimal, 9, 2)),
              F(4, "score", T(Type::kDouble)),
              F(5, "tags", list),
              F(7, "ts", T(Type::kTimestampTz))};
  const FileMetrics& m = (*w)->metrics();
  auto df = MakeDataFile("file://" + path, m, s);
  ASSERT_TRUE(df.ok()) << df.status().ToString();
  EXPECT_EQ(df->record_count, 3);
  EXPECT_EQ(df->file_size_in_bytes, int64_t(std::filesystem::file_size(path)));
  EXPECT_EQ(df->split_offsets, (std::vector<int64_t>{4}));  // one row group after "PAR1"
  std::set<int> size_ids;
  for (const auto& [k, v] : df->column_sizes) {
    size_ids.insert(k);
    EXPECT_GT(v, 0) << k;
  }
  EXPECT_EQ(size_ids, (std::set<int>{1, 2, 3, 4, 6, 7}));
  EXPECT_EQ(df->value_counts, (std::map<int, int64_t>{{1, 3}, {2, 3}, {3, 3}, {4, 3}, {7, 3}}));
  EXPECT_EQ(df->null_value_counts,
            (std::map<int, int64_t>{{1, 0}, {2, 1}, {3, 1}, {4, 0}, {7, 1}}));
  EXPECT_EQ(df->nan_value_counts, (std::map<int, int64_t>{{4, 1}}));
  EXPECT_EQ(df->lower_bounds.size(), 5u);  // ids 1, 2, 3, 4, 7
  EXPECT_EQ(df->upper_bounds.size(), 5u);
  EXPECT_EQ(df->lower_bounds.at(1), LE(1, 8));
  EXPECT_EQ(df->upper_bounds.at(1), LE(3, 8));
  EXPECT_EQ(df->lower_bounds.at(2), "alice in wonderl");  // 16 code points
  EXPECT_EQ(df->upper_bounds.at(2), "bob");
  EXPECT_EQ(df->lower_bounds.at(3), B({0xce}));        // -0.50 -> unscaled -50
  EXPECT_EQ(df->upper_bounds.at(3), B({0x30, 0x39}));  // 123.45 -> 12345
  EXPECT_EQ(df->lower_bounds.at(4), F64(-1.0));        // NaN excluded
  EXPECT_EQ(df->upper_bounds.at(4), F64(2.5));
  EXPECT_EQ(df->lower_bounds.at(7), LE(1700000000000000, 8));
  EXPECT_EQ(df->upper_bounds.at(7), LE(1700000000000001, 8));
  EXPECT_FALSE(df->lower_bounds.count(6));  // list elements: no bounds
}

}  // namespace
}  // namespace pe::iceberg
