// Shared by tests that read converted segments back: how a Pinot column's cells compare.
#pragma once

#include "segment/segment.h"
#include "testing/parquet_check.h"

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

}  // namespace pe::convert
