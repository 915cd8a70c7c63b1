// Table metadata and schema parsing (iceberg/schema.h). The documents are written by hand from
// the Iceberg table spec (apache/iceberg format/spec.md) ("Table Metadata Fields", "Snapshots",
// Appendix C), one per format version, so the expectations come from the spec, not from the parser.
#include "iceberg/schema.h"

#include <gtest/gtest.h>

#include <string>

namespace pe::iceberg {
namespace {

// Appendix C example types: every primitive, nested list/map/struct, decimal, fixed, and types
// pinot-export never writes (variant, geometry, unknown).
const char* kSchemaV2 = R"json({
  "type": "struct", "schema-id": 1, "identifier-field-ids": [1],
  "fields": [
    {"id": 1, "name": "id", "required": true, "type": "long"},
    {"id": 2, "name": "price", "required": false, "type": "decimal(9, 2)"
},
    {"id": 3, "name": "digest", "required": false, "type": "fixed[16]"},
    {"id": 4, "name": "ts", "required": false, "type": "timestamptz", "doc": "event time"},
    {"id": 5, "name": "tags", "required": false,
     "type": {"type": "list", "element-id": 9, "element-required": true, "element": "string"}},
    {"id": 6, "name": "attrs", "required": false,
     "type": {"type": "map", "key-id": 10, "key": "string", "value-id": 11,
              "value-required": false, "value": "double"}},
    {"id": 7, "name": "loc", "required": false,
     "type": {"type": "struct", "fields": [
       {"id": 12, "name": "lat", "required": true, "type": "float"},
       {"id": 13, "name": "points", "required": false,
        "type": {"type": "list", "element-id": 14, "element-required": false,
                 "element": {"type": "struct", "fields": [
                   {"id": 15, "name": "x", "required": true, "type": "int"}]}}}]}},
    {"id": 8, "name": "v", "required": false, "type": "variant"},
    {"id": 16, "name": "g", "required": false, "type": "geometry(srid:4326)"},
    {"id": 17, "name": "u", "required": false, "type": "unknown"},
    {"id": 18, "name": "b", "required": false, "type": "boolean"},
    {"id": 19, "name": "d", "required": false, "type": "date"},
    {"id": 20, "name": "t", "required": false, "type": "time"},
    {"id": 21, "name": "ts2", "required": false, "type": "timestamp"},
    {"id": 22, "name": "tsn", "required": false, "type": "timestamp_ns"},
    {"id": 23, "name": "tstzn", "required": false, "type": "timestamptz_ns"},
    {"id": 24, "name": "s", "required": false, "type": "string"},
    {"id": 25, "name": "uu", "required": false, "type": "uuid"},
    {"id": 26, "name": "bin", "required": false, "type": "binary"},
    {"id": 27, "name": "dbl", "required": false, "type": "double"}
  ]
})json";

TEST(IcebergSchema, ParsesEveryTypeAndNestedIds) {
  auto s = ParseSchema(kSchemaV2);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->schema_id, 1);
  ASSERT_EQ(s->fields.size(), 20u);
  EXPECT_EQ(s->json, kSchemaV2);

  const NestedField* id = s->Find("id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->id, 1);
  EXPECT_TRUE(id->required);
  EXPECT_EQ(id->type->kind, Type::kLong);
  EXPECT_EQ(s->Find("ID"), nullptr);  // names are case-sensitive

  const Type& price = *s->Find("price")->type;
  EXPECT_EQ(price.kind, Type::kDecimal);
  EXPECT_EQ(price.precision, 9);
  EXPECT_EQ(price.scale, 2);
  EXPECT_EQ(TypeString(price), "decimal(9,2)");
  EXPECT_EQ(s->Find("digest")->type->length, 16);
  EXPECT_EQ(TypeString(*s->Find("digest")->type), "fixed[16]");

  const Type& tags = *s->Find("tags")->type;
  ASSERT_EQ(tags.kind, Type::kList);
  EXPECT_EQ(tags.element.id, 9);
  EXPECT_TRUE(tags.element.required);
  EXPECT_EQ(tags.element.type->kind, Type::kString);
  EXPECT_EQ(TypeString(tags), "list<string>");

  const Type& attrs = *s->Find("attrs")->type;
  ASSERT_EQ(attrs.kind, Type::kMap);
  EXPECT_EQ(attrs.key.id, 10);
  EXPECT_TRUE(attrs.key.required);
  EXPECT_EQ(attrs.value.id, 11);
  EXPECT_FALSE(attrs.value.required);
  EXPECT_EQ(TypeString(attrs), "map<string, double>");

  const Type& loc = *s->Find("loc")->type;
  ASSERT_EQ(loc.kind, Type::kStruct);
  ASSERT_EQ(loc.fields.size(), 2u);
  EXPECT_EQ(loc.fields[0].id, 12);
  const Type& points = *loc.fields[1].type;
  ASSERT_EQ(points.kind, Type::kList);
  EXPECT_EQ(points.element.id, 14);
  ASSERT_EQ(points.element.type->kind, Type::kStruct);
  EXPECT_EQ(points.element.type->fields[0].id, 15);
  EXPECT_EQ(TypeString(loc), "struct<lat: float, points: list<struct<x: int>>>");

  for (const char* name : {"v", "g", "u"}) {
    EXPECT_EQ(s->Find(name)->type->kind, Type::kOther) << name;
  }
  EXPECT_EQ(TypeString(*s->Find("g")->type), "geometry(srid:4326)");
  EXPECT_EQ(TypeString(*s->Find("v")->type), "variant");

  const std::pair<const char*, Type::Kind> kinds[] = {
      {"b", Type::kBoolean},           {"d", Type::kDate},        {"t", Type::kTime},
      {"ts", Type::kTimestampTz},      {"ts2", Type::kTimestamp}, {"tsn", Type::kTimestampNs},
      {"tstzn", Type::kTimestampTzNs}, {"s", Type::kString},      {"uu", Type::kUuid},
      {"bin", Type::kBinary},          {"dbl", Type::kDouble},
  };
  for (const auto& [name, kind] : kinds) {
    EXPECT_EQ(s->Find(name)->type->kind, kind) << name;
    EXPECT_TRUE(s->Find(name)->type->is_primitive());
  }
  EXPECT_EQ(TypeString(*s->Find("tstzn")->type), "timestamptz_ns");
}

// v1 (spec: schemas/current-schema-id/partition-specs optional; the deprecated "schema" and
// "partition-spec"; no refs, current-snapshot-id names main; snapshot sequence numbers absent).
const char* kV1 = R"json({
  "format-version": 1,
  "table-uuid": "fb072c92-a02b-11e9-ae9c-1bb7bc9eca94",
  "location": "s3://b/wh/data.db/table/",
  "last-updated-ms": 1515100955770,
  "last-column-id": 2,
  "schema": {"type": "struct", "fields": [
    {"id": 1, "name": "id", "required": true, "type": "int"},
    {"id": 2, "name": "data", "required": false, "type": "string"}]},
  "partition-spec": [],
  "properties": {"write.format.default": "parquet", "write.data.path": "s3://other/data/"},
  "current-snapshot-id": 3051729675574597004,
  "snapshots": [{"snapshot-id": 3051729675574597004, "timestamp-ms": 1515100955770,
                 "summary": {"operation": "append"},
                 "manifest-list": "s3://b/wh/data.db/table/metadata/snap-1.avro"}]
})json";

TEST(IcebergMetadata, V1LegacyFields) {
  auto m = ParseTableMetadata(kV1);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->format_version, 1);
  EXPECT_EQ(m->table_uuid, "fb072c92-a02b-11e9-ae9c-1bb7bc9eca94");
  EXPECT_EQ(m->last_sequence_number, 0);
  EXPECT_EQ(m->last_column_id, 2);
  ASSERT_NE(m->CurrentSchema(), nullptr);
  EXPECT_EQ(m->CurrentSchema()->fields.size(), 2u);
  EXPECT_EQ(m->CurrentSchema()->json.substr(0, 18), R"({"type": "struct",)");
  ASSERT_NE(m->DefaultSpec(), nullptr);
  EXPECT_EQ(m->DefaultSpec()->num_fields, 0);
  EXPECT_EQ(m->DefaultSpec()->fields_json, "[]");
  ASSERT_NE(m->MainSnapshot(), nullptr);
  EXPECT_EQ(m->MainSnapshot()->snapshot_id, 3051729675574597004LL);
  EXPECT_EQ(m->MainSnapshot()->sequence_number, 0);
  EXPECT_EQ(m->MainSnapshot()->summary.at("operation"), "append");
  EXPECT_EQ(m->DataLocation(), "s3://other/data");
  EXPECT_EQ(m->MetadataLocation(), "s3://b/wh/data.db/table/metadata");
  EXPECT_EQ(m->Property("write.format.default", "avro"), "parquet");
  EXPECT_EQ(m->Property("absent", "dflt"), "dflt");
  EXPECT_FALSE(m->next_row_id.has_value());
  EXPECT_EQ(m->json, kV1);
}

TEST(IcebergMetadata, V1WithoutSnapshotUsesMinusOne) {
  std::string doc = kV1;
  doc.replace(doc.find("3051729675574597004,"), 20, "-1,");
  auto m = ParseTableMetadata(doc);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->MainSnapshot(), nullptr);
  EXPECT_TRUE(m->refs.empty());
}

// v2: schemas/current-schema-id, partition-specs/default-spec-id, refs with a branch and a tag,
// sequence numbers, a partitioned spec kept verbatim.
const char* kV2 = R"json({
  "format-version": 2,
  "table-uuid": "9c12d441-03fe-4693-9a96-a0705ddf69c1",
  "location": "file:///tmp/wh/db/t",
  "last-sequence-number": 2,
  "last-updated-ms": 1602638573590,
  "last-column-id": 3,
  "current-schema-id": 1,
  "schemas": [
    {"type": "struct", "schema-id": 0, "fields": [
      {"id": 1, "name": "x", "required": true, "type": "long"}]},
    {"type": "struct", "schema-id": 1, "identifier-field-ids": [1, 2], "fields": [
      {"id": 1, "name": "x", "required": true, "type": "long"},
      {"id": 2, "name": "y", "required": true, "type": "long", "doc": "comment"},
      {"id": 3, "name": "z", "required": true, "type": "long"}]}],
  "default-spec-id": 1,
  "partition-specs": [
    {"spec-id": 0, "fields": []},
    {"spec-id": 1, "fields": [ {"name": "x", "transform": "identity", "source-id": 1, "field-id": 1000} ]}],
  "last-partition-id": 1000,
  "default-sort-order-id": 0,
  "sort-orders": [{"order-id": 0, "fields": []}],
  "properties": {},
  "current-snapshot-id": 3055729675574597004,
  "refs": {"main": {"snapshot-id": 3055729675574597004, "type": "branch"},
           "audit": {"snapshot-id": 3051729675574597004, "type": "tag", "max-ref-age-ms": 10000}},
  "snapshots": [
    {"snapshot-id": 3051729675574597004, "timestamp-ms": 1515100955770, "sequence-number": 1,
     "summary": {"operation": "append", "added-records": "10"},
     "manifest-list": "s3://a/b/1.avro"},
    {"snapshot-id": 3055729675574597004, "parent-snapshot-id": 3051729675574597004,
     "timestamp-ms": 1555100955770, "sequence-number": 2,
     "summary": {"operation": "append", "pinot-export.batch-id": "b-1"},
     "manifest-list": "s3://a/b/2.avro", "schema-id": 1}],
  "snapshot-log": [{"snapshot-id": 3051729675574597004, "timestamp-ms": 1515100955770}],
  "metadata-log": []
})json";

TEST(IcebergMetadata, V2) {
  auto m = ParseTableMetadata(kV2);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->format_version, 2);
  EXPECT_EQ(m->last_sequence_number, 2);
  EXPECT_EQ(m->last_updated_ms, 1602638573590);
  ASSERT_EQ(m->schemas.size(), 2u);
  ASSERT_NE(m->CurrentSchema(), nullptr);
  EXPECT_EQ(m->CurrentSchema()->schema_id, 1);
  EXPECT_EQ(m->CurrentSchema()->fields.size(), 3u);
  // The schema text is cut out of the document, byte for byte.
  const std::string& sj = m->CurrentSchema()->json;
  EXPECT_EQ(sj.front(), '{');
  EXPECT_NE(std::string(kV2).find(sj), std::string::npos);
  EXPECT_NE(sj.find(R"("doc": "comment")"), std::string::npos);
  ASSERT_NE(m->DefaultSpec(), nullptr);
  EXPECT_EQ(m->DefaultSpec()->spec_id, 1);
  EXPECT_EQ(m->DefaultSpec()->num_fields, 1);
  EXPECT_EQ(m->DefaultSpec()->fields_json,
            R"([ {"name": "x", "transform": "identity", "source-id": 1, "field-id": 1000} ])");
  EXPECT_EQ(m->refs.at("audit"), 3051729675574597004LL);
  const Snapshot* main = m->MainSnapshot();
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->snapshot_id, 3055729675574597004LL);
  EXPECT_EQ(main->parent_snapshot_id, 3051729675574597004LL);
  EXPECT_EQ(main->sequence_number, 2);
  EXPECT_EQ(main->schema_id, 1);
  EXPECT_EQ(main->manifest_list, "s3://a/b/2.avro");
  EXPECT_EQ(main->summary.at("pinot-export.batch-id"), "b-1");
  EXPECT_FALSE(m->FindSnapshot(3051729675574597004LL)->parent_snapshot_id.has_value());
  EXPECT_EQ(m->FindSnapshot(42), nullptr);
  EXPECT_EQ(m->DataLocation(), "file:///tmp/wh/db/t/data");
}

// v3: next-row-id, snapshot first-row-id/added-rows, refs without current-snapshot-id.
const char* kV3 = R"json({"format-version":3,"table-uuid":"0d8fa1bd-2d43-4f4c-8b7b-0e7f1bd8c2a5",
"location":"s3://bucket/wh/ns/t","last-sequence-number":1,"last-updated-ms":1700000000000,
"last-column-id":2,"current-schema-id":0,"schemas":[{"type":"struct","schema-id":0,"fields":[
{"id":1,"name":"a","required":false,"type":"timestamp_ns"},
{"id":2,"name":"b","required":false,"type":"unknown"}]}],
"default-spec-id":0,"partition-specs":[{"spec-id":0,"fields":[]}],"last-partition-id":999,
"default-sort-order-id":0,"sort-orders":[{"order-id":0,"fields":[]}],"properties":{"k":"v"},
"refs":{"main":{"snapshot-id":7,"type":"branch"}},"next-row-id":130,
"snapshots":[{"snapshot-id":7,"timestamp-ms":1700000000000,"sequence-number":1,
"summary":{"operation":"append"},"manifest-list":"s3://bucket/wh/ns/t/metadata/snap-7.avro",
"first-row-id":0,"added-rows":130}]})json";

TEST(IcebergMetadata, V3RowLineage) {
  auto m = ParseTableMetadata(kV3);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->format_version, 3);
  EXPECT_EQ(m->next_row_id, 130);
  const Snapshot* main = m->MainSnapshot();
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->snapshot_id, 7);
  EXPECT_EQ(main->first_row_id, 0);
  EXPECT_EQ(main->added_rows, 130);
  EXPECT_EQ(m->CurrentSchema()->fields[0].type->kind, Type::kTimestampNs);
  EXPECT_EQ(m->CurrentSchema()->fields[1].type->kind, Type::kOther);
  EXPECT_EQ(m->CurrentSchema()->json,
            R"({"type":"struct","schema-id":0,"fields":[
{"id":1,"name":"a","required":false,"type":"timestamp_ns"},
{"id":2,"name":"b","required":false,"type":"unknown"}]})");
}

TEST(IcebergMetadata, EmptyV2Table) {
  std::string doc = kV3;
  doc.replace(doc.find("\"format-version\":3"), 18, "\"format-version\":2");
  const std::string refs = R"("refs":{"main":{"snapshot-id":7,"type":"branch"}},)";
  doc.replace(doc.find(refs), refs.size(), "");
  size_t s = doc.find("\"snapshots\":[");
  doc.replace(s, doc.size() - s, "\"snapshots\":[]}");
  auto m = ParseTableMetadata(doc);
  ASSERT_TRUE(m.ok()) << m.status().ToString() << "\n" << doc;
  EXPECT_EQ(m->MainSnapshot(), nullptr);
  EXPECT_FALSE(m->next_row_id.has_value());
}

TEST(IcebergMetadata, FutureVersionIsNotSupported) {
  std::string doc = kV3;
  doc.replace(doc.find("\"format-version\":3"), 18, "\"format-version\":4");
  auto m = ParseTableMetadata(doc);
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(m.status().IsNotSupported()) << m.status().ToString();
  EXPECT_NE(m.status().message().find("version 4"), std::string::npos);
}

// Each corruption: one string replacement in a valid document, and the words the one-line
// kCorruption error must contain.
struct Corrupt {
  const char* base;
  const char* from;
  const char* to;
  const char* expect;
};

TEST(IcebergMetadata, CorruptDocumentsGiveOneLineCorruption) {
  const Corrupt cases[] = {
      {kV2, "\"format-version\": 2", "\"format-version\": \"2\"", "format-version"},
      {kV2, "\"format-version\": 2", "\"format-version\": 0", "format-version"},
      {kV2, "\"table-uuid\"", "\"table_uuid\"", "table-uuid"},
      {kV2, "\"location\"", "\"loc\"", "location"},
      {kV2, "\"last-sequence-number\": 2", "\"last-sequence-number\": 2.5", "last-sequence-number"},
      {kV2, "\"last-sequence-number\": 2", "\"last-sequence-number\": 18446744073709551615",
       "out of range"},
      {kV2, "\"current-schema-id\": 1", "\"current-schema-id\": 5", "current-schema-id"},
      {kV2, "\"schemas\"", "\"schemes\"", "schemas"},
      {kV2, "\"default-spec-id\": 1", "\"default-spec-id\": 9", "default-spec-id"},
      {kV2, "\"partition-specs\"", "\"partition_specs\"", "partition-specs"},
      {kV2, "\"type\": \"long\", \"doc\"", "\"type\": 5, \"doc\"", "\"y\""},
      {kV2, "\"name\": \"z\"", "\"name\": \"y\"", "two fields named \"y\""},
      {kV2, "{\"id\": 3, \"name\": \"z\"", "{\"id\": 2, \"name\": \"z\"", "field id 2"},
      {kV2, "\"required\": true, \"type\": \"long\", \"doc\"", "\"type\": \"long\", \"doc\"",
       "required"},
      {kV2, "\"sequence-number\": 1,", "", "sequence-number"},
      {kV2, "\"manifest-list\": \"s3://a/b/1.avro\"", "\"manifest-list\": 1", "manifest-list"},
      {kV2, "\"summary\": {\"operation\": \"append\", \"added-records\": \"10\"}",
       "\"summary\": {\"added-records\": \"10\"}", "operation"},
      {kV2, "\"added-records\": \"10\"", "\"added-records\": 10", "added-records"},
      {kV2, "\"snapshot-id\": 3055729675574597004, \"type\": \"branch\"",
       "\"snapshot-id\": 1, \"type\": \"branch\"", "main"},
      {kV2, "\"snapshot-id\": 3051729675574597004, \"type\": \"tag\"",
       "\"snapshot-id\": 5, \"type\": \"tag\"", "audit"},
      {kV2, "\"parent-snapshot-id\": 3051729675574597004", "\"snapshot-id\": 3051729675574597004",
       "twice"},
      {kV2, "\"properties\": {}", "\"properties\": {\"a\": 1}", "properties"},
      {kV2, "\"last-updated-ms\": 1602638573590,", "", "last-updated-ms"},
      {kV2, "}", "", "not valid JSON"},
      {kV2, "\"type\": \"long\"}]}", "\"type\": \"decimal(39,2)\"}]}", "decimal(39,2)"},
      {kV2, "\"type\": \"long\"}]}", "\"type\": \"decimal(a,2)\"}]}", "decimal(a,2)"},
      {kV2, "\"type\": \"long\"}]}", "\"type\": \"fixed[0]\"}]}", "fixed[0]"},
      {kV2, "\"type\": \"long\"}]}", "\"type\": {\"type\": \"list\", \"element\": \"int\"}}]}",
       "element-id"},
      {kV2, "\"type\": \"long\"}]}",
       "\"type\": {\"type\": \"map\", \"key-id\": 8, \"value-id\": 9, \"value-required\": true,"
       " \"value\": \"int\"}}]}",
       "key"},
      {kV3, "\"next-row-id\":130,", "", "next-row-id"},
      {kV1, "\"location\": \"s3://b/wh/data.db/table/\",", "", "location"},
      {kV1, "\"partition-spec\": [],", "\"partition-spec\": {},", "partition-spec"},
      {kV1, "\"current-snapshot-id\": 3051729675574597004", "\"current-snapshot-id\": 3",
       "snapshot 3"},
  };
  for (const auto& c : cases) {
    std::string doc = c.base;
    size_t at = doc.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    doc.replace(at, std::string(c.from).size(), c.to);
    auto m = ParseTableMetadata(doc);
    ASSERT_FALSE(m.ok()) << "accepted: " << c.from << " -> " << c.to;
    EXPECT_TRUE(m.status().IsCorruption()) << m.status().ToString();
    EXPECT_NE(m.status().message().find(c.expect), std::string::npos)
        << c.from << " -> " << c.to << ": " << m.status().message();
    EXPECT_EQ(m.status().message().find('\n'), std::string::npos) << m.status().message();
  }
}

TEST(IcebergMetadata, NonObjectsAndDeepNesting) {
  for (const char* doc : {"", "[]", "null", "42", "\"x\""}) {
    auto m = ParseTableMetadata(doc);
    ASSERT_FALSE(m.ok()) << doc;
    EXPECT_TRUE(m.status().IsCorruption()) << doc;
  }
  // A list nested 1,000 levels deep: an error, not a stack overflow.
  std::string type = "\"int\"";
  for (int i = 0; i < 1000; ++i) {
    type = R"({"type":"list","element-id":)" + std::to_string(100 + i) +
           R"(,"element-required":true,"element":)" + type + "}";
  }
  std::string schema =
      R"({"type":"struct","schema-id":0,"fields":[{"id":1,"name":"a","required":true,"type":)" +
      type + "}]}";
  auto s = ParseSchema(schema);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsCorruption());
  EXPECT_NE(s.status().message().find("deep"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace pe::iceberg
