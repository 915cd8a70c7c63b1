// convert/: Pinot segment → Parquet file (public header).
//
// Maps Pinot types to a Parquet schema and streams a segment into parquet::FileWriter, row group
// by row group and, within a row group, column by column in doc-id batches, so memory is bounded
// by the row-group size and not by the segment. Dictionary-encoded Pinot columns are transcoded:
// the (used part of the) sorted Pinot dictionary becomes the Parquet dictionary page and the
// forward index's ids are re-packed as RLE/bit-packed indices, without materialising values.
//
// Type mapping (README "Type mapping"):
//   INT→INT32  LONG→INT64  FLOAT→FLOAT  DOUBLE→DOUBLE  BOOLEAN→BOOLEAN
//   TIMESTAMP→INT64 TIMESTAMP(MILLIS, UTC)  STRING→BYTE_ARRAY String  JSON→BYTE_ARRAY JSON
//   BYTES→BYTE_ARRAY  UUID→FIXED_LEN_BYTE_ARRAY(16) UUID  MAP→BYTE_ARRAY JSON (object text)
//   BIG_DECIMAL→DECIMAL(P,S) with decimal precision/scale, else BYTE_ARRAY String holding the
//   exact plain decimal text (lossless; no precision is guessed).
//   Multi-value→3-level LIST with required elements. Columns with a null vector are OPTIONAL and
//   carry real nulls; others are REQUIRED.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "parquet/parquet.h"
#include "segment/segment.h"

namespace pe::convert {

// The DataExportTask's fileFormat.parquet.* keys (and `pinot-export convert`'s flags, named after
// them). Every default is written here once; those the writer shares come from parquet.h's
// kDefault* constants. Parse values with SetOption, then CheckOptions.
inline constexpr std::string_view kOptionPrefix = "fileFormat.parquet.";
inline constexpr int64_t kDefaultRowGroupBytes = 134217728;  // parquet-java DEFAULT_BLOCK_SIZE

// One output column as a target table defines it (the Iceberg target: iceberg/mapping.h builds
// these from the table's schema): which Pinot column feeds it and how its values are converted.
// ConvertSegment checks each target against its source column first (the source type the
// conversion reads, the Parquet type it writes, single-value vs list) and refuses a mismatch with
// kInvalidArgument "target column '<name>': ...". Nulls are kept: a null row is null in an
// optional column and an error in a REQUIRED one (never Pinot's default value). Dictionary-encoded
// columns stay transcoded for every conversion but kJsonToStruct (values are shredded per row):
// the conversion is applied to the dictionary entries the row group uses.
struct ColumnTarget {
  enum class Conversion {
    kAsIs,           // the default mapping's values (schema may differ only in name, field ids
                     // and optionality, e.g. INT->int, STRING->string, MV->list of the same)
    kIntToLong,      // INT -> INT64 (Iceberg int -> long promotion); MV too
    kFloatToDouble,  // FLOAT -> DOUBLE; MV too
    kScaleToMicros,  // LONG / TIMESTAMP -> INT64 TIMESTAMP(MICROS): value * multiplier (a
                     // product past 64 bits is kInvalidArgument naming column and value)
    kJsonToStruct,   // JSON (SV) -> the group `schema` (json_shape.h TargetShape: long, int,
                     // double, float, boolean, string and struct fields; keys not in it: warn
                     // and drop, or fail; a value that does not fit its field is an error)
    kDecimal,        // BIG_DECIMAL -> DECIMAL(schema.logical.precision, .scale) on INT32
                     // (P <= 9), INT64 (P <= 18) or FIXED_LEN_BYTE_ARRAY
    kDecimalText,    // BIG_DECIMAL -> String (the exact plain text)
    kNull,           // no Pinot column: every row null (schema.optional must be true); any
                     // schema the writer takes (lists, groups)
  };
  std::string source;  // the Pinot column ("" for kNull)
  parquet::ColumnSchema schema;
  Conversion conversion = Conversion::kAsIs;
  int64_t multiplier = 1;  // kScaleToMicros: 1000 for epoch ms, 1 for µs, ...
};

struct Options {
  parquet::Codec codec = parquet::kDefaultCodec;    // fileFormat.parquet.compressionCodec
  int64_t row_group_bytes = kDefaultRowGroupBytes;  // fileFormat.parquet.rowGroupSizeBytes
  int64_t page_bytes = parquet::kDefaultPageBytes;  // fileFormat.parquet.pageSizeBytes
  bool dictionary = parquet::kDefaultDictionary;    // fileFormat.parquet.enableDictionary
  int64_t dictionary_page_limit = parquet::kDefaultDictionaryPageLimit;  // (no key)
  int json_max_depth = -1;           // fileFormat.parquet.json.maxDepth (-1 = off)
  int decimal_precision = 0;         // fileFormat.parquet.decimal.precision (0 = off)
  int decimal_scale = 0;             // fileFormat.parquet.decimal.scale
  std::vector<std::string> columns;  // empty = all physical columns, by name
  // Non-empty: the output is exactly these columns in this order (`columns`, json_max_depth and
  // decimal_precision/scale are then not used).
  std::vector<ColumnTarget> target;
  bool json_unknown_keys_fail = false;  // kJsonToStruct: unknown keys are an error (else warned)
  // Receives warnings (e.g. "column 'payload': dropped unknown JSON key 'x' (first at doc 12)"),
  // at most one per column and kind. Keys are dotted paths ("g.q" for a key q in field g).
  std::function<void(const std::string&)> warn;
  // Most bytes one read batch of a column may hold (segment::ColumnBatch::max_bytes; 0 = its
  // 32-bit offset limit). Docs whose values pass it are read in smaller batches.
  uint64_t batch_max_bytes = 0;
  // Called after each row group with (rows written, total rows).
  std::function<void(uint64_t, uint64_t)> progress;
};

// Sets the option of `key`, the whole Pinot key ("fileFormat.parquet.pageSizeBytes"; the prefix
// is required, so messages name the key as the table config spells it), from its string value.
// Parsing is strict: integers are the whole string in decimal (no sign '+', spaces or units) and
// in range; booleans are true/false (any case); codecs as parquet::ParseCodec.
//   compressionCodec    SNAPPY | GZIP | ZSTD | UNCOMPRESSED (NONE)    default SNAPPY
//   rowGroupSizeBytes   1024 .. 2^40                                   default 134217728
//   pageSizeBytes       64 .. 2^30                                     default 1048576
//   enableDictionary    true | false                                   default true
//   json.maxDepth       1 .. 64                                        default off
//   decimal.precision   1 .. 38                                        default off
//   decimal.scale       0 .. 38 (and <= precision: CheckOptions)       default 0
// Errors: kInvalidArgument "<key> = '<value>': expected ..." for a bad value (`o` unchanged);
// kNotFound for a key this function does not know (other fileFormat.parquet.* keys, such as
// json.unknownKeysBehavior, belong to the caller).
Status SetOption(Options* o, std::string_view key, std::string_view value);

// Checks what no single key can: a decimal scale needs a precision and must not exceed it.
// Errors: kInvalidArgument naming the keys and values.
Status CheckOptions(const Options& o);

// The Parquet writer's options for `o` (codec, page size, dictionary and its limit; created_by
// and no key-value metadata).
parquet::WriterOptions WriterOptionsFor(const Options& o);

struct Summary {
  uint64_t rows = 0;
  int row_groups = 0;
  uint64_t bytes = 0;  // = metrics.file_bytes
  double seconds = 0;
  // Per leaf column value/null/NaN counts, bounds and sizes, row-group offsets, file size: what
  // an Iceberg DataFile records (parquet::FileMetrics).
  parquet::FileMetrics metrics;
};

// The Parquet schema for `columns` of `seg` (all columns if empty). Errors: kInvalidArgument for
// options that do not fit the data (e.g. decimal precision out of range), kNotSupported.
Result<std::vector<parquet::ColumnSchema>> MapSchema(
    const segment::SegmentMeta& seg, const std::vector<const segment::ColumnMeta*>& columns,
    const Options& opts);

// Writes `seg` as one Parquet file to `sink` (empty; not owned; not committed: on success the
// caller commits or uploads the bytes, on error it drops them). `cancel`, when given, is read
// between read batches and row groups; once it is true the conversion stops with kCancelled.
// Errors name the column and, for values that do not fit, the value.
Result<Summary> ConvertSegment(const segment::Segment& seg, parquet::OutputSink* sink,
                               const Options& opts, const std::atomic<bool>* cancel = nullptr);

// The same into the local file `out_path`, atomically (parquet::LocalFileSink): it appears only
// when the conversion succeeded; on error or cancellation nothing is left behind.
Result<Summary> ConvertSegment(const segment::Segment& seg, const std::string& out_path,
                               const Options& opts, const std::atomic<bool>* cancel = nullptr);

}  // namespace pe::convert
