// parquet/: a streaming Parquet file writer (public header).
//
// The file layout, page formats and footer follow ../shared/specs/parquet (README.md "File
// Format", Encodings.md, LogicalTypes.md, PageIndex.md); the footer is serialized with libthrift's
// TCompactProtocol from structures written here by hand (field ids as in parquet.thrift).
//
// Model: one FileWriter per output file, appending to an OutputSink it does not own (sink.h: a
// local file committed by its owner, memory, later an upload). Rows are written row group by row
// group; within a row group the columns are written in schema order (column 0 first), each column
// with as many Write* calls as the caller likes, then FlushRowGroup(). A column chunk is buffered
// (encoded and compressed) only until the next column starts, so memory is bounded by the largest
// column chunk of a row group, not by the file. After Close(), metrics() holds the footer's
// per-column counts, bounds and sizes and the row-group offsets (what an Iceberg DataFile records).
//
// Values arrays hold only the non-null values, in row order. For list columns `offsets` has
// n_rows + 1 entries framing each row's values (a null row has an empty frame); for flat columns
// it is null. `nulls[i] != 0` marks row i null (optional columns only; may be null = no nulls).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "parquet/sink.h"

namespace pe::parquet {

enum class Codec { kUncompressed, kSnappy, kGzip, kZstd };
// "SNAPPY", "gzip", "Zstd", "UNCOMPRESSED" (case-insensitive); "NONE" means uncompressed.
Result<Codec> ParseCodec(std::string_view name);
const char* CodecName(Codec c);

enum class PhysicalType {
  kBoolean,
  kInt32,
  kInt64,
  kFloat,
  kDouble,
  kByteArray,
  kFixedLenByteArray
};

// "BOOLEAN", "INT32", "INT64", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"
// (parquet.thrift Type names).
const char* PhysicalTypeName(PhysicalType t);

struct LogicalType {
  enum Kind { kNone, kString, kJson, kTimestampMillisUtc, kDecimal, kUuid, kTimestampMicros };
  Kind kind = kNone;
  int precision = 0;            // kDecimal
  int scale = 0;                // kDecimal
  bool adjusted_to_utc = true;  // kTimestampMicros: Iceberg timestamptz (true) / timestamp (false)
};

// One column. list = a standard 3-level LIST (LogicalTypes.md "Lists") whose elements are
// required; optional applies to the column itself (the list, for list columns). A column with
// `fields` is a group (a struct) of those columns; groups are never lists.
struct ColumnSchema {
  std::string name;
  PhysicalType type = PhysicalType::kInt32;
  LogicalType logical;
  bool optional = false;
  bool list = false;
  bool element_optional = false;  // not supported: must be false
  int type_length = 0;            // kFixedLenByteArray
  std::vector<ColumnSchema> fields;
  // SchemaElement.field_id (parquet.thrift field 9), -1 = none. Iceberg requires its column ids
  // here (spec Appendix A "Parquet"): on the column (for a list: on the list group), and for a
  // list the element id on the `element` field (`element_field_id`); the repeated `list` group
  // carries none.
  int field_id = -1;
  int element_field_id = -1;
};

// The footer's created_by: "pinot-export version <x.y.z> (build <git short sha at configure time,
// or "unknown">)", the form parquet-java's VersionParser parses (Spark and Hive read it to decide
// which statistics of a file to trust).
std::string CreatedBy();

// Writer defaults: also the defaults of the export's fileFormat.parquet.* keys, which
// convert::Options takes from here (the one place they are written). They are parquet-java's
// ParquetWriter defaults except the codec (parquet-java: UNCOMPRESSED; the export: SNAPPY).
inline constexpr Codec kDefaultCodec = Codec::kSnappy;
inline constexpr int64_t kDefaultPageBytes = 1048576;            // ParquetWriter.DEFAULT_PAGE_SIZE
inline constexpr bool kDefaultDictionary = true;                 // DEFAULT_IS_DICTIONARY_ENABLED
inline constexpr int64_t kDefaultDictionaryPageLimit = 1048576;  // DEFAULT_PAGE_SIZE as well

struct WriterOptions {
  Codec codec = kDefaultCodec;
  int64_t page_bytes = kDefaultPageBytes;  // data pages are cut at row boundaries past this size
  bool dictionary = kDefaultDictionary;  // dictionary-encode columns (fallback to PLAIN past limit)
  int64_t dictionary_page_limit = kDefaultDictionaryPageLimit;  // PLAIN dictionary size: fallback
  bool page_index = true;  // write ColumnIndex / OffsetIndex (PageIndex.md)
  std::string created_by = CreatedBy();
  std::vector<std::pair<std::string, std::string>> key_values;
};

// What the footer says about one leaf column, summed over the file's row groups: the metrics an
// Iceberg DataFile records (Iceberg spec "Manifests": value_counts, null_value_counts,
// nan_value_counts, lower_bounds, upper_bounds, column_sizes).
struct ColumnMetrics {
  std::vector<std::string> path;             // path_in_schema, e.g. {"tags", "list", "element"}
  PhysicalType type = PhysicalType::kInt32;  // the leaf's physical type: how min/max are encoded
  // Entries (ColumnMetaData.num_values): values, nulls and empty lists; what Iceberg's
  // ParquetUtil.footerMetrics takes as the value count.
  int64_t value_count = 0;
  int64_t null_count = 0;  // Statistics.null_count: null entries (null rows, empty lists)
  int64_t nan_count = 0;   // NaN values (FLOAT / DOUBLE columns; always 0 for the others)
  // The smallest and largest non-NaN value in the column's sort order (LogicalTypes.md "Sort
  // Order"), in PLAIN encoding (Statistics.min_value / max_value, -0.0 / +0.0 for zeros), over
  // every row group; absent when the column has no such value or when a row group's bound was not
  // written (bounds over 4096 bytes are dropped, never truncated).
  std::optional<std::string> min, max;
  int64_t compressed_bytes = 0;    // sum of ColumnMetaData.total_compressed_size
  int64_t uncompressed_bytes = 0;  // sum of ColumnMetaData.total_uncompressed_size
};

struct FileMetrics {
  int64_t file_bytes = 0;  // the whole file, footer and magic included
  int64_t num_rows = 0;
  // Byte offset of each row group's first page (its first column chunk's dictionary page or
  // first data page): Iceberg's split_offsets.
  std::vector<int64_t> row_group_offsets;
  std::vector<ColumnMetrics> columns;  // one per leaf, in leaf order (FileWriter::num_leaves)
};

class FileWriter {
 public:
  // A writer appending one Parquet file to `sink`, which must be empty (Tell() == 0: the footer's
  // offsets are the sink's) and must outlive the writer. The writer never owns, commits or
  // discards the sink: after Close() its owner makes the bytes visible (LocalFileSink::Commit,
  // an upload, ...); after an error or an abandoned write it drops them.
  static Result<std::unique_ptr<FileWriter>> Open(OutputSink* sink,
                                                  std::vector<ColumnSchema> schema,
                                                  WriterOptions opts);
  // Convenience: a writer owning a LocalFileSink for `path`. Its Close() also commits: `path`
  // appears atomically (temp name, fsync, rename); a writer destroyed before a successful Close()
  // leaves nothing behind.
  static Result<std::unique_ptr<FileWriter>> OpenFile(const std::string& path,
                                                      std::vector<ColumnSchema> schema,
                                                      WriterOptions opts);
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // `col` below is a leaf column index: leaves are numbered depth-first through the schema, so
  // without groups it is the schema index. Write* calls fill flat and list leaves;
  // WriteLeaf* calls fill leaves inside groups, with explicit definition levels.
  int num_leaves() const;

  Status WriteInt32(int col, uint32_t n_rows, const int32_t* values, const uint8_t* nulls,
                    const uint32_t* offsets);
  Status WriteInt64(int col, uint32_t n_rows, const int64_t* values, const uint8_t* nulls,
                    const uint32_t* offsets);
  Status WriteFloat(int col, uint32_t n_rows, const float* values, const uint8_t* nulls,
                    const uint32_t* offsets);
  Status WriteDouble(int col, uint32_t n_rows, const double* values, const uint8_t* nulls,
                     const uint32_t* offsets);
  // values[k] is 0 or 1.
  Status WriteBoolean(int col, uint32_t n_rows, const uint8_t* values, const uint8_t* nulls,
                      const uint32_t* offsets);
  // BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY: value k is data[value_offsets[k], value_offsets[k+1]).
  Status WriteByteArray(int col, uint32_t n_rows, const uint32_t* value_offsets, const char* data,
                        const uint8_t* nulls, const uint32_t* offsets);

  // Dictionary transcoding: sets the dictionary of `col`'s chunk in the current row group (before
  // any value of that chunk), then WriteIndices passes indices into it. The dictionary is written
  // as the chunk's dictionary page and indices as RLE_DICTIONARY data pages; if its PLAIN size
  // exceeds dictionary_page_limit the chunk is written PLAIN instead (values gathered). Statistics
  // and page bounds cover only the entries that indices reference. The dictionary may be in any
  // order; one in the column's sort order (e.g. a Pinot dictionary of numbers or plain strings)
  // gives each page's bounds from its smallest and largest index without comparing values.
  Status SetDictionaryInt32(int col, const int32_t* values, uint32_t n);
  Status SetDictionaryInt64(int col, const int64_t* values, uint32_t n);
  Status SetDictionaryFloat(int col, const float* values, uint32_t n);
  Status SetDictionaryDouble(int col, const double* values, uint32_t n);
  Status SetDictionaryByteArray(int col, const uint32_t* value_offsets, const char* data,
                                uint32_t n);
  // Starts `col`'s chunk in the current row group as PLAIN (no dictionary), e.g. when the caller
  // knows the dictionary would exceed dictionary_page_limit anyway.
  Status SetPlain(int col);
  Status WriteIndices(int col, uint32_t n_rows, const uint32_t* ids, const uint8_t* nulls,
                      const uint32_t* offsets);

  // Leaves inside groups (never repeated): n entries, one per row; defs[i] is the definition
  // level of row i (the number of optional ancestors, including the leaf, that are present);
  // values hold one value per entry whose level is the leaf's maximum.
  Status WriteLeafInt32(int col, uint32_t n, const int32_t* values, const uint8_t* defs);
  Status WriteLeafInt64(int col, uint32_t n, const int64_t* values, const uint8_t* defs);
  Status WriteLeafFloat(int col, uint32_t n, const float* values, const uint8_t* defs);
  Status WriteLeafDouble(int col, uint32_t n, const double* values, const uint8_t* defs);
  Status WriteLeafBoolean(int col, uint32_t n, const uint8_t* values, const uint8_t* defs);
  // BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY leaves, values as WriteByteArray's.
  Status WriteLeafByteArray(int col, uint32_t n, const uint32_t* value_offsets, const char* data,
                            const uint8_t* defs);

  // Encoded bytes buffered for the current row group (pages not yet in the sink).
  int64_t buffered_bytes() const;
  // Ends the row group. Every column must have received the same number of rows.
  Status FlushRowGroup();
  // Flushes a pending row group, writes page indexes and the footer, and flushes the sink
  // (OpenFile: also commits the file). At most once. After an error from the sink the file is
  // incomplete: abandon the writer and the sink's bytes.
  Status Close();
  // The footer's numbers per leaf column and for the file. Valid after a successful Close().
  const FileMetrics& metrics() const;

  int64_t num_rows() const;
  int num_row_groups() const;

  struct Impl;

 private:
  explicit FileWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pe::parquet
