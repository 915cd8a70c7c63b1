// Checking a Parquet file's page index (PageIndex.md) against the pages actually in the file,
// both read by an independent reader (hyparquet, through tests/e2e/parquet_page_index.mjs).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace pe::parquet {

// Reads `path` with tests/e2e/parquet_page_index.mjs (see there for the document's shape).
nlohmann::json ReadPageIndex(const std::string& path);

// For every column chunk of `doc` (from ReadPageIndex): the OffsetIndex lists exactly the data
// pages found by walking the chunk (offset, size with header, first row; rows add up to the row
// group's), and the ColumnIndex has, per page, null_pages = the page has no value, null_counts =
// its entries below the maximum definition level, min/max = the bounds of the values read back
// (empty for null pages) and the boundary order those bounds imply. A chunk with a page whose
// values are all NaN must have no ColumnIndex (parquet.thrift ColumnIndex, TYPE_ORDER), nor a
// chunk with a bound over 4 KiB (the writer drops such bounds rather than truncate them); every
// other chunk must have one. Reports failures through gtest; returns the number of chunks checked.
int CheckPageIndex(const nlohmann::json& doc, const std::string& label);

}  // namespace pe::parquet
