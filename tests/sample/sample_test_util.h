// Helpers shared by the sample writer tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "sample/sample.h"
#include "segment/segment.h"

namespace pe::sample {

// All values of a column as read by the reader, in the writer's ColumnValues form (nulls from
// the null vector, if any).
inline ColumnValues ReadColumn(segment::Segment& seg, const std::string& name) {
  ColumnValues out;
  auto r = seg.OpenColumn(name);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return out;
  const segment::ColumnMeta& m = (*r)->meta();
  const uint32_t total = seg.meta().total_docs;
  segment::ColumnBatch b;
  bool any_null = false;
  std::vector<uint8_t> nulls;
  if (!m.single_value) out.offsets.push_back(0);
  for (uint32_t first = 0; first < total; first += 4096) {
    uint32_t n = std::min<uint32_t>(4096, total - first);
    Status s = (*r)->ReadValues(first, n, &b);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return out;
    for (uint32_t i = 0; i < n; ++i) {
      bool is_null = !b.nulls.empty() && b.nulls[i];
      any_null |= is_null;
      nulls.push_back(is_null);
    }
    size_t nv = b.num_values();
    for (size_t k = 0; k < nv; ++k) {
      switch (m.stored_type) {
        case segment::StoredType::kInt32:
          out.ints.push_back(b.i32[k]);
          break;
        case segment::StoredType::kInt64:
          out.ints.push_back(b.i64[k]);
          break;
        case segment::StoredType::kFloat:
          out.reals.push_back(b.f32[k]);
          break;
        case segment::StoredType::kDouble:
          out.reals.push_back(b.f64[k]);
          break;
        case segment::StoredType::kBinary:
          out.AddBinary(b.binary(k));
          break;
      }
    }
    if (!m.single_value) {
      uint32_t base = out.offsets.back();
      for (uint32_t i = 1; i <= n; ++i) out.offsets.push_back(base + b.offsets[i]);
    }
  }
  if (any_null) out.nulls = std::move(nulls);
  return out;
}

inline void ExpectSameValues(const ColumnValues& a, const ColumnValues& b,
                             const std::string& what) {
  EXPECT_EQ(a.offsets, b.offsets) << what << ": multi-value offsets";
  EXPECT_EQ(a.ints, b.ints) << what << ": int values";
  ASSERT_EQ(a.reals.size(), b.reals.size()) << what;
  for (size_t i = 0; i < a.reals.size(); ++i) {
    bool same = a.reals[i] == b.reals[i] || (a.reals[i] != a.reals[i] && b.reals[i] != b.reals[i]);
    if (!same) {
      ADD_FAILURE() << what << ": real value " << i << ": " << a.reals[i] << " vs " << b.reals[i];
      break;
    }
  }
  EXPECT_EQ(a.bin_offsets, b.bin_offsets) << what << ": binary value lengths";
  EXPECT_TRUE(a.bin == b.bin) << what << ": binary values";
  EXPECT_EQ(a.nulls, b.nulls) << what << ": nulls";
}

inline void ExpectSameColumn(segment::Segment& a, segment::Segment& b, const std::string& name) {
  ExpectSameValues(ReadColumn(a, name), ReadColumn(b, name), "column " + name);
}

}  // namespace pe::sample
