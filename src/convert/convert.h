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

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "parquet/parquet.h"
#include "segment/segment.h"

namespace pe::convert {

struct Options {
  parquet::Codec codec = parquet::Codec::kSnappy;  // fileFormat.parquet.compressionCodec
  int64_t row_group_bytes = 134217728;             // fileFormat.parquet.rowGroupSizeBytes
  int64_t page_bytes = 1048576;                    // fileFormat.parquet.pageSizeBytes
  bool dictionary = true;                          // fileFormat.parquet.enableDictionary
  int64_t dictionary_page_limit = 1048576;         // PLAIN dictionary size that falls back
  int json_max_depth = -1;                         // fileFormat.parquet.json.maxDepth (-1 = off)
  int decimal_precision = 0;                       // fileFormat.parquet.decimal.precision (0 = off)
  int decimal_scale = 0;                           // fileFormat.parquet.decimal.scale
  std::vector<std::string> columns;                // empty = all physical columns, by name
  // Most bytes one read batch of a column may hold (segment::ColumnBatch::max_bytes; 0 = its
  // 32-bit offset limit). Docs whose values pass it are read in smaller batches.
  uint64_t batch_max_bytes = 0;
  // Called after each row group with (rows written, total rows).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct Summary {
  uint64_t rows = 0;
  int row_groups = 0;
  uint64_t bytes = 0;
  double seconds = 0;
};

// The Parquet schema for `columns` of `seg` (all columns if empty). Errors: kInvalidArgument for
// options that do not fit the data (e.g. decimal precision out of range), kNotSupported.
Result<std::vector<parquet::ColumnSchema>> MapSchema(
    const segment::SegmentMeta& seg, const std::vector<const segment::ColumnMeta*>& columns,
    const Options& opts);

// Writes `seg` to the local file `out_path` atomically (nothing is left behind on error).
// Errors name the column and, for values that do not fit, the value.
Result<Summary> ConvertSegment(const segment::Segment& seg, const std::string& out_path,
                               const Options& opts);

}  // namespace pe::convert
