#include "segment/segment.h"

namespace pe::segment {

void ColumnBatch::Clear() {
  first_doc = 0;
  num_docs = 0;
  offsets.clear();
  ids.clear();
  i32.clear();
  i64.clear();
  f32.clear();
  f64.clear();
  bin_offsets.clear();
  bin_data.clear();
  nulls.clear();
}

size_t ColumnBatch::num_values() const {
  if (!offsets.empty()) return offsets.back();
  return num_docs;
}

}  // namespace pe::segment
