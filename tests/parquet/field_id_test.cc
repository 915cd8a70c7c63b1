// What Iceberg needs of a Parquet data file's schema (Iceberg spec Appendix A "Parquet"):
// SchemaElement.field_id (parquet.thrift field 9) on every column — on the LIST group and on its
// `element` (the element id), never on the repeated `list` group; on a struct group and on each
// of its (nested) fields — and TIMESTAMP(isAdjustedToUTC, MICROS) for timestamptz / timestamp,
// with the legacy TIMESTAMP_MICROS converted type only when adjusted to UTC. Read back by DuckDB
// (parquet_schema(), column types, epoch_us) and hyparquet (its footer decoding and raw values).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "common/file.h"
#include "parquet/parquet.h"
#include "testing/testing.h"

namespace pe::parquet {
namespace {

using nlohmann::json;

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

ColumnSchema Leaf(std::string name, PhysicalType t, int id, bool optional = true) {
  ColumnSchema c;
  c.name = std::move(name);
  c.type = t;
  c.optional = optional;
  c.field_id = id;
  return c;
}

// The schema under test and its expected footer elements, depth-first: name, field id (null =
// none), converted type (null = none).
std::vector<ColumnSchema> TestSchema() {
  ColumnSchema id = Leaf("id", PhysicalType::kInt64, 1, false);
  ColumnSchema tags = Leaf("tags", PhysicalType::kByteArray, 2);
  tags.logical.kind = LogicalType::kString;
  tags.list = true;
  tags.element_field_id = 5;
  ColumnSchema payload;
  payload.name = "payload";
  payload.optional = true;
  payload.field_id = 3;
  ColumnSchema inner;
  inner.name = "inner";
  inner.optional = true;
  inner.field_id = 9;
  ColumnSchema d = Leaf("d", PhysicalType::kByteArray, 10, false);  // required in optional group
  d.logical.kind = LogicalType::kString;
  inner.fields = {d};
  payload.fields = {Leaf("a", PhysicalType::kInt64, 6), Leaf("b", PhysicalType::kInt32, 7),
                    Leaf("c", PhysicalType::kFloat, 8), inner};
  ColumnSchema ts_utc = Leaf("ts_utc", PhysicalType::kInt64, 11);
  ts_utc.logical.kind = LogicalType::kTimestampMicros;
  ts_utc.logical.adjusted_to_utc = true;
  ColumnSchema ts_local = Leaf("ts_local", PhysicalType::kInt64, 12, false);
  ts_local.logical.kind = LogicalType::kTimestampMicros;
  ts_local.logical.adjusted_to_utc = false;
  ColumnSchema no_id = Leaf("no_id", PhysicalType::kInt32, -1, false);
  return {id, tags, payload, ts_utc, ts_local, no_id};
}

TEST(FieldIds, OnEveryElementAndTimestampMicros) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/ids.parquet";
  auto w = FileWriter::OpenFile(path, TestSchema(), WriterOptions());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_EQ((*w)->num_leaves(), 9);
  // Four rows.
  const int64_t ids[] = {10, 20, 30, 40};
  ASSERT_TRUE((*w)->WriteInt64(0, 4, ids, nullptr, nullptr).ok());
  const std::string tag_data = "xyz";
  const uint32_t tag_voffs[] = {0, 1, 2, 3};
  const uint32_t tag_rows[] = {0, 2, 2, 2, 3};  // [x,y], null, [], [z]
  const uint8_t tag_nulls[] = {0, 1, 0, 0};
  ASSERT_TRUE((*w)->WriteByteArray(1, 4, tag_voffs, tag_data.data(), tag_nulls, tag_rows).ok());
  // payload rows: {a:1,b:-2,c:1.5,inner:{d:"q"}}, null, {a:null,b:7,c:null,inner:null}, {all null
  // fields, inner:{d:"r"}}. Definition levels: payload 1, field 2; inner 2, d (required) 2.
  const int64_t a[] = {1};
  const uint8_t a_defs[] = {2, 0, 1, 1};
  const int32_t b[] = {-2, 7};
  const uint8_t b_defs[] = {2, 0, 2, 1};
  const float c[] = {1.5f};
  const uint8_t c_defs[] = {2, 0, 1, 1};
  const std::string d_data = "qr";
  const uint32_t d_offs[] = {0, 1, 2};
  const uint8_t d_defs[] = {2, 0, 1, 2};
  ASSERT_TRUE((*w)->WriteLeafInt64(2, 4, a, a_defs).ok());
  ASSERT_TRUE((*w)->WriteLeafInt32(3, 4, b, b_defs).ok());
  ASSERT_TRUE((*w)->WriteLeafFloat(4, 4, c, c_defs).ok());
  ASSERT_TRUE((*w)->WriteLeafByteArray(5, 4, d_offs, d_data.data(), d_defs).ok());
  // 2023-11-14T22:13:20.123456Z, -1 µs, 0, null / the same values as local timestamps.
  const int64_t ts[] = {1700000000123456, -1, 0};
  const uint8_t ts_nulls[] = {0, 0, 0, 1};
  const int64_t ts_l[] = {1700000000123456, -1, 0, 253402300799999999};
  ASSERT_TRUE((*w)->WriteInt64(6, 4, ts, ts_nulls, nullptr).ok());
  ASSERT_TRUE((*w)->WriteInt64(7, 4, ts_l, nullptr, nullptr).ok());
  const int32_t no_id[] = {1, 2, 3, 4};
  ASSERT_TRUE((*w)->WriteInt32(8, 4, no_id, nullptr, nullptr).ok());
  ASSERT_TRUE((*w)->Close().ok());

  // The footer's schema elements as DuckDB decodes them (parquet_schema, footer order).
  auto r = pe::testing::RunNode("duckdb_rows.mjs",
                                {"select name, field_id, converted_type, repetition_type from "
                                 "parquet_schema('" +
                                 path + "')"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> want_elems = {
      {"schema", nullptr, nullptr}, {"id", "1", nullptr},     {"tags", "2", "LIST"},
      {"list", nullptr, nullptr},   {"element", "5", "UTF8"}, {"payload", "3", nullptr},
      {"a", "6", nullptr},          {"b", "7", nullptr},      {"c", "8", nullptr},
      {"inner", "9", nullptr},      {"d", "10", "UTF8"},      {"ts_utc", "11", "TIMESTAMP_MICROS"},
      {"ts_local", "12", nullptr},  // no legacy type: TIMESTAMP_MICROS would mean UTC
      {"no_id", nullptr, nullptr},
  };
  auto duck = JsonLines(r.out);
  ASSERT_EQ(duck.size(), want_elems.size()) << r.out;
  for (size_t i = 0; i < duck.size(); ++i) {
    EXPECT_EQ(duck[i][0], want_elems[i][0]) << i;
    EXPECT_EQ(duck[i][1], want_elems[i][1]) << duck[i][0];
    EXPECT_EQ(duck[i][2], want_elems[i][2]) << duck[i][0];
  }
  // DuckDB's types: timestamptz for UTC-adjusted, timestamp for local; values in µs.
  r = pe::testing::RunNode(
      "duckdb_rows.mjs",
      {"select typeof(ts_utc), typeof(ts_local), epoch_us(ts_utc), epoch_us(ts_local), "
       "payload.inner.d, payload.b, tags from read_parquet('" +
       path + "')"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = JsonLines(r.out);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0][0], "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(rows[0][1], "TIMESTAMP");
  EXPECT_EQ(rows[0], json({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "1700000000123456",
                           "1700000000123456", "q", "-2", json{"x", "y"}}));
  EXPECT_EQ(rows[1],
            json({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "-1", "-1", nullptr, nullptr, nullptr}));
  EXPECT_EQ(rows[2],
            json({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "0", "0", nullptr, "7", json::array()}));
  EXPECT_EQ(rows[3], json({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP", nullptr, "253402300799999999",
                           "r", nullptr, json{"z"}}));

  // hyparquet: the same ids, the logical types, and the stored values.
  r = pe::testing::RunNode("parquet_fields.mjs", {path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto hy = JsonLines(r.out);
  ASSERT_EQ(hy.size(), 5u) << r.out;
  const json& elems = hy[0];
  ASSERT_EQ(elems.size(), want_elems.size());
  for (size_t i = 0; i < elems.size(); ++i) {
    EXPECT_EQ(elems[i]["name"], want_elems[i][0]);
    const json& id = want_elems[i][1];
    EXPECT_EQ(elems[i]["field_id"], id.is_null() ? json() : json(std::stoi(id.get<std::string>())))
        << elems[i]["name"];
  }
  EXPECT_EQ(elems[3]["repetition"], "REPEATED");
  EXPECT_EQ(elems[11]["logical_type"],
            json({{"type", "TIMESTAMP"}, {"isAdjustedToUTC", true}, {"unit", "MICROS"}}));
  EXPECT_EQ(elems[12]["logical_type"],
            json({{"type", "TIMESTAMP"}, {"isAdjustedToUTC", false}, {"unit", "MICROS"}}));
  EXPECT_EQ(elems[12]["converted_type"], nullptr);
  EXPECT_EQ(hy[1], json::parse(R"([10,["x","y"],{"a":1,"b":-2,"c":1.5,"inner":{"d":"q"}},)"
                               R"(1700000000123456,1700000000123456,1])"));
  EXPECT_EQ(hy[2], json::parse(R"([20,null,null,-1,-1,2])"));
  EXPECT_EQ(hy[3], json::parse(R"([30,[],{"a":null,"b":7,"c":null,"inner":null},0,0,3])"));
  EXPECT_EQ(hy[4], json::parse(R"([40,["z"],{"a":null,"b":null,"c":null,"inner":{"d":"r"}},)"
                               R"(null,253402300799999999,4])"));
}

TEST(FieldIds, TimestampMicrosNeedsInt64) {
  ColumnSchema bad = Leaf("t", PhysicalType::kInt32, 1);
  bad.logical.kind = LogicalType::kTimestampMicros;
  StringSink sink;
  auto w = FileWriter::Open(&sink, {bad}, WriterOptions());
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("TIMESTAMP(MICROS) needs INT64"), std::string::npos);
}

}  // namespace
}  // namespace pe::parquet
