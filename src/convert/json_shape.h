// JSON columns as Parquet groups (fileFormat.parquet.json.maxDepth).
//
// The shape of a JSON column is inferred from the segment's values (the dictionary when there is
// one, else every value): objects down to maxDepth become groups whose fields are the keys seen,
// in first-seen order; a field whose values are all integers becomes INT64, all numbers DOUBLE,
// all booleans BOOLEAN, all strings String; anything else (arrays, mixed types, objects below
// maxDepth) stays JSON text. Every group and field is OPTIONAL: a missing key, a JSON null and a
// null row are nulls.
//
// A target table (the Iceberg target's struct field) gives the shape instead (TargetShape): the
// same shredding, checked strictly against the table's field types.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "parquet/parquet.h"

namespace pe::convert {

struct JsonShape {
  // kInt32 and kFloat come only from a target schema (TargetShape); inference makes kInt (INT64)
  // and kDouble.
  enum Kind { kUnknown, kObject, kInt, kDouble, kBool, kString, kJson, kInt32, kFloat };
  Kind kind = kUnknown;
  std::vector<std::pair<std::string, JsonShape>> fields;  // kObject
  // Target shapes only: the field (or the column's group) is REQUIRED. Inferred shapes are all
  // optional.
  bool required = false;

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

// The shape of a target group (convert::ColumnTarget kJsonToStruct: a struct of the table's
// schema): nested groups become objects, INT32/INT64/FLOAT/DOUBLE/BOOLEAN leaves and BYTE_ARRAY
// String leaves their kinds, REQUIRED fields `required`. Errors: kNotSupported naming the field
// for a list or any other leaf type; kInvalidArgument when `group` has no fields.
Result<JsonShape> TargetShape(const parquet::ColumnSchema& group);

// One leaf of a shaped column: the key path from the column value, its kind and its maximum
// definition level (the optional levels among the group, its nested groups and the leaf).
struct JsonLeaf {
  std::vector<std::string> path;
  JsonShape::Kind kind;
  int max_def;
};
std::vector<JsonLeaf> ShapeLeaves(const JsonShape& s);

// Splits rows of a shaped column into its leaves: call Add per row, then write each leaf.
//
// Inferred shapes (strict = false) cover every value by construction: a value that is not an
// object where the shape has a group reads as a null group, and anything at a kJson leaf is kept
// as JSON text. A target shape (strict = true) is the table's: a JSON value whose type does not
// fit its field (a string for a long, an integer out of int range, a scalar for a struct, ...), a
// missing or null value for a REQUIRED field (or a null row for a required column) is an error
// naming the key; keys the shape does not have are dropped and reported by unknown_key().
class JsonShredder {
 public:
  explicit JsonShredder(const JsonShape& shape, bool strict = false);
  // `text` is the row's JSON text, or null for a null row. Errors: kCorruption (not JSON),
  // kInvalidArgument (strict: a value that does not fit, "key 'a.b': ...").
  Status Add(const std::string_view* text);
  // The dotted path of the first key of the last Add's row that the shape does not have ("" when
  // none; strict only).
  const std::string& unknown_key() const { return unknown_; }
  // Writes leaf i's entries to writer leaf `col`, then clears them.
  Status Flush(parquet::FileWriter* w, int first_leaf);
  size_t num_leaves() const { return leaves_.size(); }

 private:
  struct Buf {
    std::vector<uint8_t> defs;
    std::vector<int32_t> i32;
    std::vector<int64_t> i64;
    std::vector<float> f32;
    std::vector<double> f64;
    std::vector<uint8_t> b;
    std::vector<uint32_t> offs{0};
    std::string data;
  };
  Status Walk(const JsonShape& s, const nlohmann::json* v, bool parent_present, uint8_t def,
              std::string* path, size_t* leaf);
  Status Put(const JsonShape& s, const nlohmann::json& v, const std::string& path, Buf* b);

  JsonShape shape_;
  bool strict_;
  std::vector<JsonLeaf> leaves_;
  std::vector<Buf> bufs_;
  uint32_t rows_ = 0;
  std::string unknown_;
};

}  // namespace pe::convert
