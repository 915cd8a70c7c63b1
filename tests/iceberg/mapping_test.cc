// Pinot columns onto an Iceberg table's fields (iceberg/mapping.h): every compatible pair with its
// conversion, Parquet type and field ids (the Parquet forms from spec.md Appendix A "Parquet"),
// optional fields without a Pinot column, and every error message. Schemas are table-metadata
// JSON written by hand from the spec; segment metadata is built by hand.
#include "iceberg/mapping.h"

#include <gtest/gtest.h>

#include <string>

namespace pe::iceberg {
namespace {

using convert::ColumnTarget;
using parquet::LogicalType;
using parquet::PhysicalType;
using segment::DataType;
using Conversion = ColumnTarget::Conversion;

segment::ColumnMeta Col(std::string name, DataType t, bool sv = true) {
  segment::ColumnMeta c;
  c.name = std::move(name);
  c.data_type = t;
  c.single_value = sv;
  return c;
}

Schema Parse(const std::string& fields) {
  auto s = ParseSchema(R"({"type":"struct","schema-id":0,"fields":[)" + fields + "]}");
  EXPECT_TRUE(s.ok()) << s.status().ToString() << " " << fields;
  return s.ok() ? *s : Schema();
}

std::string Field(int id, const std::string& name, const std::string& type, bool required = false) {
  return R"({"id":)" + std::to_string(id) + R"(,"name":")" + name + R"(","required":)" +
         (required ? "true" : "false") + R"(,"type":)" + type + "}";
}

// Maps one column onto one field.
Result<std::vector<ColumnTarget>> MapOne(const segment::ColumnMeta& c, const std::string& type,
                                         bool required = false, std::string time_unit = "") {
  segment::SegmentMeta seg;
  seg.name = "events__0__1__20260101T0000Z";
  seg.columns = {c};
  if (!time_unit.empty()) {
    seg.time_column = c.name;
    seg.time_unit = time_unit;
  }
  return MapColumns(seg, Parse(Field(7, c.name, type, required)), "db.events");
}

struct Pair {
  DataType pinot;
  bool sv;
  std::string iceberg;  // the field's type JSON
  std::string time_unit;
  Conversion conv;
  int64_t multiplier;
  PhysicalType type;
  LogicalType::Kind logical;
  int type_length = 0;
};

TEST(Mapping, EveryCompatiblePair) {
  const Pair pairs[] = {
      {DataType::kInt, true, R"("int")", "", Conversion::kAsIs, 1, PhysicalType::kInt32,
       LogicalType::kNone},
      {DataType::kInt, true, R"("long")", "", Conversion::kIntToLong, 1, PhysicalType::kInt64,
       LogicalType::kNone},
      {DataType::kLong, true, R"("long")", "", Conversion::kAsIs, 1, PhysicalType::kInt64,
       LogicalType::kNone},
      // LONG -> timestamp: millis unless it is the time column, then its unit.
      {DataType::kLong, true, R"("timestamp")", "", Conversion::kScaleToMicros, 1000,
       PhysicalType::kInt64, LogicalType::kTimestampMicros},
      {DataType::kLong, true, R"("timestamptz")", "MILLISECONDS", Conversion::kScaleToMicros, 1000,
       PhysicalType::kInt64, LogicalType::kTimestampMicros},
      {DataType::kLong, true, R"("timestamptz")", "MICROSECONDS", Conversion::kScaleToMicros, 1,
       PhysicalType::kInt64, LogicalType::kTimestampMicros},
      {DataType::kLong, true, R"("timestamptz")", "SECONDS", Conversion::kScaleToMicros, 1000000,
       PhysicalType::kInt64, LogicalType::kTimestampMicros},
      {DataType::kLong, true, R"("timestamp")", "MINUTES", Conversion::kScaleToMicros, 60000000,
       PhysicalType::kInt64, LogicalType::kTimestampMicros},
      {DataType::kLong, true, R"("timestamp")", "HOURS", Conversion::kScaleToMicros, 3600000000,
       PhysicalType::kInt64, LogicalType::kTimestampMicros},
      {DataType::kLong, true, R"("timestamp")", "DAYS", Conversion::kScaleToMicros, 86400000000,
       PhysicalType::kInt64, LogicalType::kTimestampMicros},
      {DataType::kFloat, true, R"("float")", "", Conversion::kAsIs, 1, PhysicalType::kFloat,
       LogicalType::kNone},
      {DataType::kFloat, true, R"("double")", "", Conversion::kFloatToDouble, 1,
       PhysicalType::kDouble, LogicalType::kNone},
      {DataType::kDouble, true, R"("double")", "", Conversion::kAsIs, 1, PhysicalType::kDouble,
       LogicalType::kNone},
      {DataType::kBoolean, true, R"("boolean")", "", Conversion::kAsIs, 1, PhysicalType::kBoolean,
       LogicalType::kNone},
      {DataType::kTimestamp, true, R"("timestamptz")", "", Conversion::kScaleToMicros, 1000,
       PhysicalType::kInt64, LogicalType::kTimestampMicros},
      {DataType::kTimestamp, true, R"("timestamp")", "", Conversion::kScaleToMicros, 1000,
       PhysicalType::kInt64, LogicalType::kTimestampMicros},
      // TIMESTAMP is epoch millis whatever the time unit says.
      {DataType::kTimestamp, true, R"("timestamptz")", "SECONDS", Conversion::kScaleToMicros, 1000,
       PhysicalType::kInt64, LogicalType::kTimestampMicros},
      {DataType::kTimestamp, true, R"("long")", "", Conversion::kAsIs, 1, PhysicalType::kInt64,
       LogicalType::kNone},
      {DataType::kString, true, R"("string")", "", Conversion::kAsIs, 1, PhysicalType::kByteArray,
       LogicalType::kString},
      {DataType::kBytes, true, R"("binary")", "", Conversion::kAsIs, 1, PhysicalType::kByteArray,
       LogicalType::kNone},
      {DataType::kJson, true, R"("string")", "", Conversion::kAsIs, 1, PhysicalType::kByteArray,
       LogicalType::kString},
      {DataType::kBigDecimal, true, "\"decimal(9, 2)\"", "", Conversion::kDecimal, 1,
       PhysicalType::kInt32, LogicalType::kDecimal},
      {DataType::kBigDecimal, true, "\"decimal(18, 0)\"", "", Conversion::kDecimal, 1,
       PhysicalType::kInt64, LogicalType::kDecimal},
      {DataType::kBigDecimal, true, "\"decimal(19, 4)\"", "", Conversion::kDecimal, 1,
       PhysicalType::kFixedLenByteArray, LogicalType::kDecimal, 9},
      {DataType::kBigDecimal, true, "\"decimal(38, 10)\"", "", Conversion::kDecimal, 1,
       PhysicalType::kFixedLenByteArray, LogicalType::kDecimal, 16},
      {DataType::kBigDecimal, true, R"("string")", "", Conversion::kDecimalText, 1,
       PhysicalType::kByteArray, LogicalType::kString},
      {DataType::kUuid, true, R"("uuid")", "", Conversion::kAsIs, 1,
       PhysicalType::kFixedLenByteArray, LogicalType::kUuid, 16},
  };
  for (const Pair& p : pairs) {
    SCOPED_TRACE(std::string(segment::DataTypeName(p.pinot)) + " -> " + p.iceberg + " " +
                 p.time_unit);
    for (bool sv : {true, false}) {
      // Multi-value: the same conversion into list<type>, the element id on the element.
      const std::string type =
          sv ? p.iceberg
             : R"({"type":"list","element-id":8,"element-required":false,"element":)" + p.iceberg +
                   "}";
      auto r = MapOne(Col("c", p.pinot, sv), type, false, sv ? p.time_unit : "");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->size(), 1u);
      const ColumnTarget& t = (*r)[0];
      EXPECT_EQ(t.source, "c");
      EXPECT_EQ(t.conversion, p.conv);
      if (sv || p.time_unit.empty()) {
        EXPECT_EQ(t.multiplier, p.multiplier);
      }
      EXPECT_EQ(t.schema.name, "c");
      EXPECT_EQ(t.schema.field_id, 7);
      EXPECT_EQ(t.schema.list, !sv);
      EXPECT_EQ(t.schema.element_field_id, sv ? -1 : 8);
      EXPECT_TRUE(t.schema.optional);
      EXPECT_EQ(t.schema.type, p.type);
      EXPECT_EQ(t.schema.logical.kind, p.logical);
      EXPECT_EQ(t.schema.type_length, p.type_length);
      if (p.logical == LogicalType::kTimestampMicros) {
        EXPECT_EQ(t.schema.logical.adjusted_to_utc, p.iceberg == R"("timestamptz")");
      }
    }
  }
  // Decimal precision and scale come from the table.
  auto d = MapOne(Col("c", DataType::kBigDecimal), "\"decimal(19, 4)\"");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)[0].schema.logical.precision, 19);
  EXPECT_EQ((*d)[0].schema.logical.scale, 4);
  // Required fields give required columns.
  auto req = MapOne(Col("c", DataType::kLong), R"("long")", true);
  ASSERT_TRUE(req.ok());
  EXPECT_FALSE((*req)[0].schema.optional);
}

TEST(Mapping, JsonToStructKeepsNestedIdsAndTypes) {
  auto r = MapOne(
      Col("payload", DataType::kJson),
      R"({"type":"struct","fields":[)" + Field(20, "a", R"("long")", true) + "," +
          Field(21, "b", R"("int")") + "," + Field(22, "c", R"("double")") + "," +
          Field(23, "d", R"("float")") + "," + Field(24, "e", R"("boolean")") + "," +
          Field(25, "f", R"("string")") + "," +
          Field(26, "g", R"({"type":"struct","fields":[)" + Field(27, "h", R"("long")") + "]}") +
          "]}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ColumnTarget& t = (*r)[0];
  EXPECT_EQ(t.conversion, Conversion::kJsonToStruct);
  EXPECT_EQ(t.schema.field_id, 7);
  ASSERT_EQ(t.schema.fields.size(), 7u);
  const PhysicalType types[] = {PhysicalType::kInt64,   PhysicalType::kInt32,
                                PhysicalType::kDouble,  PhysicalType::kFloat,
                                PhysicalType::kBoolean, PhysicalType::kByteArray};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(t.schema.fields[i].field_id, 20 + i);
    EXPECT_EQ(t.schema.fields[i].type, types[i]);
    EXPECT_EQ(t.schema.fields[i].optional, i != 0);
  }
  EXPECT_EQ(t.schema.fields[5].logical.kind, LogicalType::kString);
  ASSERT_EQ(t.schema.fields[6].fields.size(), 1u);
  EXPECT_EQ(t.schema.fields[6].field_id, 26);
  EXPECT_EQ(t.schema.fields[6].fields[0].field_id, 27);
  EXPECT_EQ(t.schema.fields[6].fields[0].name, "h");
}

// Fields without a Pinot column: optional ones are all-null columns in the table's order (types
// the writer cannot express are left out of the file); required ones are errors.
TEST(Mapping, OptionalFieldsWithoutColumnsAreNull) {
  segment::SegmentMeta seg;
  seg.columns = {Col("id", DataType::kLong)};
  Schema s = Parse(
      Field(1, "opt_list",
            R"({"type":"list","element-id":9,"element-required":true,)"
            R"("element":"string"})") +
      "," + Field(2, "id", R"("long")", true) + "," +
      Field(3, "opt_struct",
            R"({"type":"struct","fields":[)" + Field(10, "x", R"("int")", true) + "]}") +
      "," +
      Field(4, "opt_map",
            R"({"type":"map","key-id":11,"key":"string","value-id":12,)"
            R"("value-required":false,"value":"long"})") +
      "," + Field(5, "opt_date", R"("date")") + "," + Field(6, "opt_dec", "\"decimal(30, 2)\""));
  auto r = MapColumns(seg, s, "db.events");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].conversion, Conversion::kNull);
  EXPECT_EQ((*r)[0].schema.name, "opt_list");
  EXPECT_TRUE((*r)[0].schema.list);
  EXPECT_EQ((*r)[0].schema.field_id, 1);
  EXPECT_EQ((*r)[0].schema.element_field_id, 9);
  EXPECT_TRUE((*r)[0].schema.optional);
  EXPECT_EQ((*r)[1].source, "id");
  EXPECT_EQ((*r)[2].conversion, Conversion::kNull);
  EXPECT_EQ((*r)[2].schema.name, "opt_struct");
  ASSERT_EQ((*r)[2].schema.fields.size(), 1u);
  EXPECT_EQ((*r)[2].schema.fields[0].field_id, 10);
  EXPECT_FALSE((*r)[2].schema.fields[0].optional);
  EXPECT_EQ((*r)[3].schema.name, "opt_dec");
  EXPECT_EQ((*r)[3].schema.type, PhysicalType::kFixedLenByteArray);
  EXPECT_EQ((*r)[3].schema.type_length, 13);
}

std::string Error(const Result<std::vector<ColumnTarget>>& r) {
  return r.ok() ? "ok" : r.status().ToString();
}

TEST(Mapping, ErrorsNameTableColumnAndBothTypes) {
  const std::string pre = "invalid argument: table db.events: ";
  // Incompatible types.
  EXPECT_EQ(Error(MapOne(Col("s", DataType::kString), R"("long")")),
            pre + "column 's' is STRING but the Iceberg field 7 's' is long");
  EXPECT_EQ(Error(MapOne(Col("d", DataType::kDouble), R"("float")")),
            pre + "column 'd' is DOUBLE but the Iceberg field 7 'd' is float");
  EXPECT_EQ(Error(MapOne(Col("i", DataType::kInt), R"("double")")),
            pre + "column 'i' is INT but the Iceberg field 7 'i' is double");
  EXPECT_EQ(Error(MapOne(Col("m", DataType::kMap), R"("string")")),
            pre + "column 'm' is MAP but the Iceberg field 7 'm' is string");
  EXPECT_EQ(Error(MapOne(Col("b", DataType::kBytes), R"("uuid")")),
            pre + "column 'b' is BYTES but the Iceberg field 7 'b' is uuid");
  EXPECT_EQ(Error(MapOne(Col("t", DataType::kTimestamp), R"("timestamp_ns")")),
            pre + "column 't' is TIMESTAMP but the Iceberg field 7 't' is timestamp_ns");
  // A time column in nanoseconds cannot become µs.
  EXPECT_EQ(Error(MapOne(Col("t", DataType::kLong), R"("timestamptz")", false, "NANOSECONDS")),
            pre +
                "column 't' is LONG but the Iceberg field 7 't' is timestamptz (time unit "
                "NANOSECONDS cannot become microseconds exactly)");
  // Multi-value against a non-list, single-value against a list, list element types.
  EXPECT_EQ(Error(MapOne(Col("tags", DataType::kString, false), R"("string")")),
            pre + "column 'tags' is multi-value STRING but the Iceberg field 7 'tags' is string");
  EXPECT_EQ(
      Error(MapOne(Col("s", DataType::kString),
                   R"({"type":"list","element-id":8,"element-required":true,"element":"string"})")),
      pre + "column 's' is STRING but the Iceberg field 7 's' is list<string>");
  EXPECT_EQ(
      Error(MapOne(Col("tags", DataType::kString, false),
                   R"({"type":"list","element-id":8,"element-required":true,"element":"long"})")),
      pre +
          "column 'tags' is multi-value STRING but the Iceberg field 7 'tags' is list<long> "
          "(element 8 is long)");
  EXPECT_EQ(Error(MapOne(Col("j", DataType::kJson, false),
                         R"({"type":"list","element-id":8,"element-required":true,)"
                         R"("element":{"type":"struct","fields":[)" +
                             Field(9, "a", R"("long")") + "]}}")),
            pre +
                "column 'j' is multi-value JSON but the Iceberg field 7 'j' is "
                "list<struct<a: long>> (element 8 is struct<a: long>)");
  // Nulls into a required field.
  segment::ColumnMeta n = Col("n", DataType::kLong);
  n.has_null_vector = true;
  n.null_count = 3;
  EXPECT_EQ(Error(MapOne(n, R"("long")", true)),
            pre + "column 'n' has 3 null value(s) but the Iceberg field 7 'n' is required");
  EXPECT_EQ(Error(MapOne(n, R"("long")", false)), "ok");
  // A Pinot column the table does not have; a required field the segment does not have.
  segment::SegmentMeta seg;
  seg.columns = {Col("extra", DataType::kInt), Col("id", DataType::kLong)};
  EXPECT_EQ(Error(MapColumns(seg, Parse(Field(1, "id", R"("long")")), "db.events")),
            pre + "column 'extra' is INT but the Iceberg table has no field 'extra'");
  seg.columns = {Col("id", DataType::kLong)};
  EXPECT_EQ(Error(MapColumns(seg,
                             Parse(Field(1, "id", R"("long")") + "," +
                                   Field(2, "must", "\"decimal(10, 2)\"", true)),
                             "db.events")),
            pre +
                "the Iceberg field 2 'must' is required decimal(10,2) but the segment has no "
                "column 'must'");
  // Names are case-sensitive.
  seg.columns = {Col("ID", DataType::kLong)};
  EXPECT_EQ(Error(MapColumns(seg, Parse(Field(1, "id", R"("long")")), "db.events")),
            pre + "column 'ID' is LONG but the Iceberg table has no field 'ID'");
}

TEST(Mapping, StructsJsonCannotFillAreNotSupported) {
  const std::string pre =
      "not supported: table db.events: column 'j' is JSON but the Iceberg "
      "field 7 'j' is ";
  EXPECT_EQ(Error(MapOne(Col("j", DataType::kJson),
                         R"({"type":"struct","fields":[)" +
                             Field(9, "tags",
                                   R"({"type":"list","element-id":10,"element-required":true,)"
                                   R"("element":"string"})") +
                             "]}")),
            pre +
                "struct<tags: list<string>>: struct field 'tags' is list<string>: lists inside "
                "structs are not supported");
  EXPECT_EQ(Error(MapOne(Col("j", DataType::kJson),
                         R"({"type":"struct","fields":[)" + Field(9, "day", R"("date")") + "]}")),
            pre + "struct<day: date>: date cannot be written");
  EXPECT_EQ(Error(MapOne(Col("j", DataType::kJson), R"({"type":"struct","fields":[)" +
                                                        Field(9, "ts", R"("timestamptz")") + "]}")),
            pre +
                "struct<ts: timestamptz>: field 'ts': only long, int, double, float, boolean, "
                "string and struct fields can be filled from JSON");
}

}  // namespace
}  // namespace pe::iceberg
