// JSON columns as Parquet groups (fileFormat.parquet.json.maxDepth).
//
// The shape of a JSON column is inferred from the segment's values (the dictionary when there is
// one, else every value): objects down to maxDepth become groups whose fields are the keys seen,
// in first-seen order; a field whose values are all integers becomes INT64, all numbers DOUBLE,
// all booleans BOOLEAN, all strings String; anything else (arrays, mixed types, objects below
// maxDepth) stays JSON text. Every group and field is OPTIONAL: a missing key, a JSON null and a
// null row are nulls.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "parquet/parquet.h"

namespace pe::convert {

struct JsonShape {
  enum Kind { kUnknown, kObject, kInt, kDouble, kBool, kString, kJson };
  Kind kind = kUnknown;
  std::vector<std::pair<std::string, JsonShape>> fields;  // kObject

  // Defined out of line: an implicit one makes clang with libstdc++ instantiate
  // pair<string, JsonShape> while JsonShape is still incomplete (a compile error).
  JsonShape();

  // Widens the shape to cover `v`, found at `depth` (the column value is depth 0).
  void Observe(const nlohmann::json& v, int depth, int max_depth);
  // Leaf count of the group this shape maps to (1 for a leaf).
  size_t NumLeaves() const;
};

// The Parquet column for a column of shape `s` (a group when s is an object with fields).
parquet::ColumnSchema ShapeSchema(const std::string& name, const JsonShape& s);

// One leaf of a shaped column: the key path from the column value, its kind and its maximum
// definition level (the group, each nested group and the leaf are optional).
struct JsonLeaf {
  std::vector<std::string> path;
  JsonShape::Kind kind;
  int max_def;
};
std::vector<JsonLeaf> ShapeLeaves(const JsonShape& s);

// Splits rows of a shaped column into its leaves: call Add per row, then write each leaf.
class JsonShredder {
 public:
  explicit JsonShredder(std::vector<JsonLeaf> leaves);
  // `text` is the row's JSON text, or null for a null row.
  Status Add(const std::string_view* text);
  // Writes leaf i's entries to writer leaf `col`, then clears them.
  Status Flush(parquet::FileWriter* w, int first_leaf);
  size_t num_leaves() const { return leaves_.size(); }

 private:
  struct Buf {
    std::vector<uint8_t> defs;
    std::vector<int64_t> i64;
    std::vector<double> f64;
    std::vector<uint8_t> b;
    std::vector<uint32_t> offs{0};
    std::string data;
  };
  std::vector<JsonLeaf> leaves_;
  std::vector<Buf> bufs_;
  uint32_t rows_ = 0;
};

}  // namespace pe::convert
