// Shared by the convert tests: expected rows from `pinot-export dump` and how to compare them.
#pragma once

#include <gtest/gtest.h>

#include <sstream>

#include "segment/segment.h"
#include "testing/parquet_check.h"
#include "testing/testing.h"

namespace pe::convert {

// How a Pinot column's cells compare (decimal: BIG_DECIMAL written as DECIMAL(P,S)).
inline pe::testing::CellKind KindOf(const segment::ColumnMeta& c, bool decimal = false) {
  using pe::testing::CellKind;
  switch (c.data_type) {
    case segment::DataType::kFloat:
      return CellKind::kFloat32;
    case segment::DataType::kDouble:
      return CellKind::kFloat64;
    case segment::DataType::kJson:
    case segment::DataType::kMap:
      return CellKind::kJsonText;
    case segment::DataType::kBigDecimal:
      return decimal ? CellKind::kDecimal : CellKind::kExact;
    default:
      return CellKind::kExact;
  }
}

// `pinot-export dump --format jsonl SEG` as arrays of cells in `names` order.
inline std::vector<nlohmann::json> DumpRows(const std::string& seg,
                                            const std::vector<std::string>& names) {
  std::vector<nlohmann::json> rows;
  auto r = pe::testing::RunCli({"dump", "--format", "jsonl", seg});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json obj = nlohmann::json::parse(line), row = nlohmann::json::array();
    for (const auto& n : names) row.push_back(obj.at(n));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace pe::convert
