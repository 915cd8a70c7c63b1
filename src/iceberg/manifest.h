// iceberg/: data files, manifests and manifest lists (public header).
//
// Layouts follow ../shared/specs/iceberg/spec.md §"Manifests" (manifest_entry, data_file),
// §"Manifest Lists" (manifest_file) and Appendix A/D/E (Avro field ids, single-value binary
// serialization of bounds, what each format version adds and drops). Files are Avro object
// container files written and read with Avro C (libavro); every field carries its Iceberg
// "field-id" and records are named as the spec's Avro schemas name them (manifest_entry, r2,
// r102, manifest_file, r508, k117_v118, ...), so readers that resolve by id or by name agree.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "iceberg/schema.h"
#include "parquet/parquet.h"

namespace pe::iceberg {

// One data file of an append (spec "data_file"; content 0 = data). Maps are keyed by field id.
struct DataFile {
  std::string file_path;  // full URI
  std::string file_format = "PARQUET";
  int64_t record_count = 0;
  int64_t file_size_in_bytes = 0;
  std::map<int, int64_t> column_sizes;       // 108
  std::map<int, int64_t> value_counts;       // 109 (nulls and NaNs included)
  std::map<int, int64_t> null_value_counts;  // 110
  std::map<int, int64_t> nan_value_counts;   // 137 (float/double fields only)
  std::map<int, std::string> lower_bounds;   // 125, Appendix D single-value serialization
  std::map<int, std::string> upper_bounds;   // 128
  std::vector<int64_t> split_offsets;        // 132, ascending row-group offsets
};

// Default truncation of string/binary bounds (Iceberg's write.metadata.metrics.default
// "truncate(16)", TableProperties.DEFAULT_WRITE_METRICS_MODE_DEFAULT).
inline constexpr int kDefaultTruncateLength = 16;

// The DataFile of a Parquet file written with Iceberg field ids on every column (its leaf paths
// resolve through `schema` to field ids: top-level field names, "list"/"element" for lists,
// "key_value"/"key"/"value" for maps, struct field names). Counts and sizes come from the footer
// metrics; bounds are converted from Parquet's PLAIN statistics to the single-value serialization
// of the field's Iceberg type (decimals as minimal big-endian two's complement, timestamps as µs
// longs, ...) and strings/binary truncated to `truncate_length` (lower: prefix; upper: prefix
// with its last code point / byte incremented, dropped when it cannot be). No bounds for fields
// inside lists or maps (as Iceberg's ParquetMetrics does); those leaves get only column_sizes.
// Values must be in the Iceberg type's unit (timestamps in µs / ns as the type says); each leaf's
// ColumnMetrics::type tells how its statistics are encoded (e.g. a decimal in INT32, INT64 or
// FIXED). truncate_length <= 0 records no bounds (Java's "counts" mode). Errors: kInvalidArgument
// when a leaf path does not resolve or its physical type cannot hold the field's type.
Result<DataFile> MakeDataFile(const std::string& file_path, const parquet::FileMetrics& metrics,
                              const Schema& schema, int truncate_length = kDefaultTruncateLength);

// A DataFile as one JSON object and back (the staged queue in state keeps it; bounds as hex).
std::string DataFileToJson(const DataFile& f);
Result<DataFile> DataFileFromJson(std::string_view json);

// The partition summary of one partition field in a manifest list row (spec "field_summary").
struct FieldSummary {
  bool contains_null = false;
  std::optional<bool> contains_nan;
  std::optional<std::string> lower_bound, upper_bound;
};

// One row of a manifest list (spec "manifest_file"). Rows read from a parent's list are written
// into the new list unchanged, whatever version wrote them (v1 rows lacking counts keep them
// absent; v1 rows get sequence numbers 0 in v2+ lists, as the spec's upgrade rules say).
struct ManifestFile {
  std::string manifest_path;
  int64_t manifest_length = 0;
  int partition_spec_id = 0;
  int content = 0;  // 0 data, 1 deletes (v2+)
  int64_t sequence_number = 0, min_sequence_number = 0;
  int64_t added_snapshot_id = 0;
  std::optional<int32_t> added_files_count, existing_files_count, deleted_files_count;
  std::optional<int64_t> added_rows_count, existing_rows_count, deleted_rows_count;
  std::optional<std::vector<FieldSummary>> partitions;
  std::optional<std::string> key_metadata;
  std::optional<int64_t> first_row_id;  // v3
};

struct ManifestOptions {
  int format_version = 2;               // 1, 2 or 3
  int64_t snapshot_id = 0;              // the snapshot adding the files
  const Schema* schema = nullptr;       // the table's current schema (its JSON goes in metadata)
  const PartitionSpec* spec = nullptr;  // the table's default spec (must be unpartitioned)
};

// A manifest of ADDED data files (status 1; snapshot id and, in v2+, sequence numbers left null
// so they are inherited from the manifest list, which lets a retried commit reuse the manifest;
// v1 writes the snapshot id, as v1 requires). Returns the Avro file bytes (deflate codec, Java's
// "gzip" default) and fills `entry` with the manifest-list row for it (path = `manifest_path`,
// length = the bytes' size, counts; sequence numbers are set by WriteManifestList).
Result<std::string> WriteManifest(const ManifestOptions& o, const std::vector<DataFile>& files,
                                  const std::string& manifest_path, ManifestFile* entry);

struct ManifestListOptions {
  int format_version = 2;
  int64_t snapshot_id = 0;
  std::optional<int64_t> parent_snapshot_id;
  int64_t sequence_number = 0;          // the new snapshot's (v2+)
  std::optional<int64_t> first_row_id;  // v3: the table's next-row-id
};

struct ManifestListResult {
  std::string bytes;       // the Avro file
  int64_t added_rows = 0;  // v3: rows given row ids here (the snapshot's added-rows)
};

// A manifest list of `manifests` (the new ones first, then the parent's carried forward). In v2+
// entries added by `snapshot_id` get sequence_number = min_sequence_number = the snapshot's; in v3
// data manifests without first_row_id get one, consecutively from o.first_row_id (spec "Row
// Lineage"), and `added_rows` counts the rows so assigned.
Result<ManifestListResult> WriteManifestList(const ManifestListOptions& o,
                                             const std::vector<ManifestFile>& manifests);

// Reads a manifest list written by any Iceberg writer (v1, v2 or v3; codecs null, deflate, snappy,
// zstandard), decoding with the file's own writer schema: fields are found by their "field-id"
// (else by the spec's name), missing optional fields read as absent. Errors: kCorruption,
// kNotSupported (another codec).
Result<std::vector<ManifestFile>> ReadManifestList(std::string_view bytes);

// What one manifest entry says about its file (spec "Manifest Entry Fields", "Data File Fields").
struct ManifestEntryInfo {
  int status = 0;         // 0 EXISTING, 1 ADDED, 2 DELETED
  std::string file_path;  // data_file.file_path (field 100)
  int content = 0;        // data_file.content (134): 0 data, 1 position / 2 equality deletes; v1: 0
};

// Reads the entries of a manifest written by any Iceberg writer (v1, v2 or v3, data or delete
// manifest; the codecs of ReadManifestList), decoding with the file's own writer schema and
// finding fields by "field-id" (else by the spec's name), as ReadManifestList does.
// Errors: kCorruption (also for a missing status or file_path), kNotSupported (another codec).
Result<std::vector<ManifestEntryInfo>> ReadManifestEntries(std::string_view bytes);

}  // namespace pe::iceberg
