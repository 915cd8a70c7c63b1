// Footer and page-header structures (internal to parquet/), serialized with libthrift's
// TCompactProtocol. Only the fields this writer sets are modelled; field ids and enum values are
// those of parquet.thrift (../shared/specs/parquet/parquet.thrift).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pe::parquet::format {

// parquet.thrift enums.
enum Type { BOOLEAN = 0, INT32 = 1, INT64 = 2, FLOAT = 4, DOUBLE = 5, BYTE_ARRAY = 6, FLBA = 7 };
enum Repetition { REQUIRED = 0, OPTIONAL = 1, REPEATED = 2 };
enum Encoding { PLAIN = 0, PLAIN_DICTIONARY = 2, RLE = 3, RLE_DICTIONARY = 8 };
enum PageType { DATA_PAGE = 0, DICTIONARY_PAGE = 2 };
enum BoundaryOrder { UNORDERED = 0, ASCENDING = 1, DESCENDING = 2 };
enum ConvertedType {
  UTF8 = 0,
  LIST = 3,
  DECIMAL = 5,
  TIMESTAMP_MILLIS = 9,
  TIMESTAMP_MICROS = 10,
  JSON = 19
};
// TimeUnit union members (parquet.thrift TimeUnit).
enum TimeUnit { kMillis = 1, kMicros = 2 };
enum LogicalKind {
  kLogicalNone = 0,
  kLogicalString = 1,
  kLogicalList = 3,
  kLogicalDecimal = 5,
  kLogicalTimestamp = 8,
  kLogicalJson = 12,
  kLogicalUuid = 14
};

struct Statistics {
  std::optional<int64_t> null_count;
  std::optional<std::string> min_value, max_value;  // PLAIN-encoded, no length prefix
};

struct SchemaElement {
  std::optional<int> type;
  std::optional<int> type_length;
  std::optional<int> repetition;
  std::string name;
  std::optional<int> num_children;
  std::optional<int> converted_type;
  std::optional<int> scale, precision;
  std::optional<int> field_id;  // field 9
  int logical = kLogicalNone;   // with scale/precision for decimal
  // kLogicalTimestamp: TimestampType(isAdjustedToUTC, unit).
  bool timestamp_utc = true;
  int timestamp_unit = kMillis;
};

struct PageEncodingStats {
  int page_type;
  int encoding;
  int count;
};

struct ColumnMetaData {
  int type;
  std::vector<int> encodings;
  std::vector<std::string> path;
  int codec;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  Statistics statistics;
  std::vector<PageEncodingStats> encoding_stats;
};

struct ColumnChunk {
  int64_t file_offset = 0;
  ColumnMetaData meta;
  std::optional<int64_t> offset_index_offset;
  std::optional<int32_t> offset_index_length;
  std::optional<int64_t> column_index_offset;
  std::optional<int32_t> column_index_length;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  int64_t file_offset = 0;
  int64_t total_compressed_size = 0;
  int16_t ordinal = 0;
};

struct FileMetaData {
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<std::pair<std::string, std::string>> key_values;
  std::string created_by;
  int num_leaf_columns = 0;  // column_orders: TYPE_ORDER for each
};

struct DataPageHeader {
  int32_t num_values;
  int encoding;
};

struct PageHeader {
  int type;
  int32_t uncompressed_page_size;
  int32_t compressed_page_size;
  DataPageHeader data;          // type == DATA_PAGE (levels are RLE)
  int32_t dict_num_values = 0;  // type == DICTIONARY_PAGE (PLAIN)
};

struct PageLocation {
  int64_t offset;
  int32_t compressed_page_size;
  int64_t first_row_index;
};

struct ColumnIndex {
  std::vector<bool> null_pages;
  std::vector<std::string> min_values, max_values;
  int boundary_order = UNORDERED;
  std::vector<int64_t> null_counts;
};

std::string Serialize(const FileMetaData& m);
std::string Serialize(const PageHeader& h);
std::string Serialize(const std::vector<PageLocation>& offset_index);
std::string Serialize(const ColumnIndex& ci);

}  // namespace pe::parquet::format
