// Reading Parquet files back with independent readers (DuckDB, hyparquet) and comparing their
// cells with expected values in `pinot-export dump --format jsonl` form.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pe::testing {

// How two cells are compared.
enum class CellKind {
  kExact,     // JSON equality (integers compare by value)
  kFloat32,   // numbers (or "NaN"/"Infinity" strings) equal as float
  kFloat64,   // ... as double
  kJsonText,  // expected is the embedded JSON value, actual its text: equal after parsing
  kDecimal,   // decimal text (or, from hyparquet, a JS number): equal as numbers
};

// Rows of `path` as read by `reader` ("duckdb" or "hyparquet"), each a JSON array of cells in
// schema column order (tests/e2e/parquet_rows.mjs). Fails the test on reader errors.
std::vector<nlohmann::json> ReadParquetRows(const std::string& reader, const std::string& path);

// "" if equal, else a description of the difference.
std::string CompareCell(const nlohmann::json& want, const nlohmann::json& got, CellKind kind);

// Compares `rows` (arrays) against `want` (arrays), reporting at most a few mismatches; returns
// the number of mismatching cells (row count differences count as one).
size_t CompareRows(const std::vector<nlohmann::json>& want, const std::vector<nlohmann::json>& got,
                   const std::vector<CellKind>& kinds, const std::vector<std::string>& names,
                   const std::string& label);

}  // namespace pe::testing
