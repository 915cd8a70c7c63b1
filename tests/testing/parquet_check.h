// Reading Parquet files back with independent readers (DuckDB, hyparquet;
// tests/e2e/parquet_rows.mjs) and comparing what they return, strictly, with expected rows that do
// not come from our own reader: the generator's expected/<segment>.jsonl, a real segment's ground
// truth, or values a test built itself.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pe::testing {

// What a reader returned: its top-level columns (name, type as the reader names it) and rows
// (arrays of cells in that column order).
struct ReadBack {
  std::vector<std::pair<std::string, std::string>> columns;
  std::vector<nlohmann::json> rows;
};
// `path` read by `reader` ("duckdb" or "hyparquet"). Fails the test on reader errors.
ReadBack ReadParquet(const std::string& reader, const std::string& path);
// Only the rows of ReadParquet.
std::vector<nlohmann::json> ReadParquetRows(const std::string& reader, const std::string& path);

// How a cell compares. Every kind is strict: null only equals null, lists compare element by
// element in order, and
enum class CellKind {
  kExact,     // same JSON type and value (an integer never equals a float or a string)
  kFloat32,   // a number that is exactly a float with the bits of strtof(want): -0.0 != 0.0;
              // NaN/Infinity/-Infinity as those strings
  kFloat64,   // ... a double with the bits of strtod(want)
  kJsonText,  // got is JSON text equal to `want` byte for byte (CompareRawCell), or (CompareCell,
              // whose `want` is an embedded JSON value) parsing to the same JSON value
  kDecimal,   // decimal text equal to want's text (CompareRawCell: want rescaled to the column's
              // scale, exactly: "1.5" at scale 3 is "1.500"; never through a binary float)
};

// Compares `got` with `want`, the cell as raw JSON text in `pinot-export dump --format jsonl` form
// (numbers keep their exact text). `decimal_scale` >= 0 rescales a kDecimal `want`. "" if equal,
// else a description of the difference.
std::string CompareRawCell(std::string_view want, const nlohmann::json& got, CellKind kind,
                           int decimal_scale = -1);
// The same for a `want` held as a JSON value (want.dump() is its raw text).
std::string CompareCell(const nlohmann::json& want, const nlohmann::json& got, CellKind kind);

// Compares `got` rows (arrays) against `want` (arrays), reporting at most a few mismatches; returns
// the number of mismatching cells (row count differences count as one).
size_t CompareRows(const std::vector<nlohmann::json>& want, const std::vector<nlohmann::json>& got,
                   const std::vector<CellKind>& kinds, const std::vector<std::string>& names,
                   const std::string& label);

// ---- Pinot segments exported to Parquet ----

// A Pinot column as its export must present it (README, "Type mapping").
struct PinotColumn {
  std::string name;
  std::string type;  // Pinot FieldSpec.DataType name: INT, LONG, FLOAT, DOUBLE, BIG_DECIMAL,
                     // BOOLEAN, TIMESTAMP, STRING, JSON, BYTES, UUID, MAP
  bool single_value = true;
  bool nullable = false;  // has a null value vector: an OPTIONAL column with real nulls
};
// BIG_DECIMAL as DECIMAL(precision, scale) when precision > 0, else as its exact text.
struct DecimalOption {
  int precision = 0;
  int scale = 0;
};

// One expected row: per column, the cell as raw JSON text in `dump --format jsonl` form.
using RawRow = std::vector<std::string>;

// Columns of a segment directory (v1, or v3 with v3/metadata.properties) as Pinot's
// metadata.properties names them (column.<name>.dataType, .isSingleValues), sorted by name;
// nullable is left false. Fails the test when the file is missing.
std::vector<PinotColumn> SegmentColumns(const std::string& segment_dir);

// Members of a JSON object text as (decoded name, raw value text), in order.
std::vector<std::pair<std::string, std::string>> RawMembers(std::string_view object);
// Elements of a JSON array text as raw texts.
std::vector<std::string> RawElements(std::string_view array);

// Rows of a jsonl file (one object per line, e.g. expected/<segment>.jsonl of `pinot-export sample
// --matrix`), each as the raw texts of `columns` in order. Fails the test on a missing member.
std::vector<RawRow> ReadJsonlRows(const std::string& path, const std::vector<PinotColumn>& columns);

// The type `reader` must report for column `c` (parquet_rows.mjs's header).
std::string ExpectedReaderType(const std::string& reader, const PinotColumn& c,
                               const DecimalOption& decimal);
// Compares one cell of column `c`: raw "null" is a null cell when `c` is nullable, and the JSON
// text "null" in a JSON/MAP column without a null vector (Pinot's default null value for JSON).
std::string ComparePinotCell(const PinotColumn& c, std::string_view want, const nlohmann::json& got,
                             const DecimalOption& decimal);

// Reads `parquet` with DuckDB and with hyparquet and checks that each sees exactly `columns` (names
// and types, in any order) and `want` (rows in `columns` order), cell for cell. Reports at most a
// few mismatches per reader; returns the number of mismatches.
size_t ExpectParquetHolds(const std::string& parquet, const std::vector<PinotColumn>& columns,
                          const std::vector<RawRow>& want, const DecimalOption& decimal,
                          const std::string& label);
// The same check for what `reader` returned (ReadParquet).
size_t ExpectReadBackHolds(const ReadBack& got, const std::string& reader,
                           const std::vector<PinotColumn>& columns, const std::vector<RawRow>& want,
                           const DecimalOption& decimal, const std::string& label);

}  // namespace pe::testing
