// iceberg/: the parts of an Iceberg table's metadata that an appender needs (public header).
//
// The table metadata JSON is the one loadTable returns (../shared/specs/iceberg/spec.md "Table
// Metadata" and Appendix C "JSON serialization"; rest-catalog-open-api.yaml TableMetadata). Only
// what pinot-export reads is modelled; the original JSON text is kept next to it (`json`) so that
// whatever must be passed on verbatim (the schema and partition spec written into manifests) is
// never re-serialized by us.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pe::iceberg {

struct Type;

// A struct field, a list element or a map key/value (spec "Schemas and Data Types": every field
// of a nested type carries its own id).
struct NestedField {
  int id = 0;
  std::string name;  // "" for list elements and map keys/values
  bool required = false;
  std::shared_ptr<const Type> type;
};

struct Type {
  enum Kind {
    kBoolean,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kDecimal,  // precision, scale
    kDate,
    kTime,
    kTimestamp,    // µs, no zone
    kTimestampTz,  // µs, UTC
    kTimestampNs,  // v3
    kTimestampTzNs,
    kString,
    kUuid,
    kFixed,  // length
    kBinary,
    kStruct,  // fields
    kList,    // element
    kMap,     // key, value
    kOther,   // a type pinot-export never writes (variant, geometry, unknown, ...): `text`
  };
  Kind kind = kString;
  int precision = 0, scale = 0;     // kDecimal
  int length = 0;                   // kFixed
  std::vector<NestedField> fields;  // kStruct
  NestedField element;              // kList (name "")
  NestedField key, value;           // kMap
  std::string text;                 // kOther: the type as the JSON spells it

  bool is_primitive() const { return kind != kStruct && kind != kList && kind != kMap; }
};

// The type as Iceberg spells it in JSON and messages: "long", "decimal(10,2)", "fixed[16]",
// "timestamptz", "list<string>", "struct<a: int, b: string>", "map<string, long>".
std::string TypeString(const Type& t);

struct Schema {
  int schema_id = 0;
  std::vector<NestedField> fields;  // top-level columns, in order
  std::string json;                 // the schema object as the table metadata has it
  // The top-level field named `name` (Iceberg names are case-sensitive), or nullptr.
  const NestedField* Find(std::string_view name) const;
};

struct PartitionSpec {
  int spec_id = 0;
  int num_fields = 0;       // 0 = unpartitioned
  std::string fields_json;  // the spec's "fields" array as JSON text ("[]" when unpartitioned)
};

struct Snapshot {
  int64_t snapshot_id = 0;
  std::optional<int64_t> parent_snapshot_id;
  int64_t sequence_number = 0;  // 0 in v1 tables
  int64_t timestamp_ms = 0;
  std::string manifest_list;                   // URI of the manifest list
  std::map<std::string, std::string> summary;  // "operation" included
  std::optional<int> schema_id;
  std::optional<int64_t> first_row_id, added_rows;  // v3
};

struct TableMetadata {
  int format_version = 2;
  std::string table_uuid;
  std::string location;
  int64_t last_sequence_number = 0;
  int64_t last_updated_ms = 0;
  int last_column_id = 0;
  int current_schema_id = 0;
  std::vector<Schema> schemas;
  int default_spec_id = 0;
  std::vector<PartitionSpec> specs;
  std::map<std::string, std::string> properties;
  std::vector<Snapshot> snapshots;
  // refs: ref name -> snapshot id (branches and tags). In v1 metadata without refs, "main" is
  // current-snapshot-id (spec "Table Metadata Fields": refs).
  std::map<std::string, int64_t> refs;
  std::optional<int64_t> next_row_id;  // v3
  std::string json;                    // the whole metadata object as received

  const Schema* CurrentSchema() const;
  const PartitionSpec* DefaultSpec() const;
  const Snapshot* FindSnapshot(int64_t id) const;
  // The snapshot "main" points at, nullptr for a table without one (empty table).
  const Snapshot* MainSnapshot() const;
  // write.data.path, else <location>/data (spec "Table properties"; no trailing slash).
  std::string DataLocation() const;
  // write.metadata.path, else <location>/metadata.
  std::string MetadataLocation() const;
  // properties[key], or `def` when absent.
  std::string Property(const std::string& key, const std::string& def) const;
};

// Parses a schema object ({"type":"struct","schema-id":..,"fields":[...]}).
// Errors: kCorruption naming what is missing or malformed.
Result<Schema> ParseSchema(std::string_view json);
// Parses a table metadata object (format versions 1, 2 and 3). Errors: kCorruption naming the
// field; kNotSupported for a format version above 3.
Result<TableMetadata> ParseTableMetadata(std::string_view json);

}  // namespace pe::iceberg
