#include "convert/json_shape.h"

#include <algorithm>

namespace pe::convert {

using parquet::ColumnSchema;
using parquet::LogicalType;
using parquet::PhysicalType;

namespace {

JsonShape::Kind ScalarKind(const nlohmann::json& v) {
  if (v.is_boolean()) return JsonShape::kBool;
  if (v.is_number_unsigned()) {
    return v.get<uint64_t>() > uint64_t(INT64_MAX) ? JsonShape::kDouble : JsonShape::kInt;
  }
  if (v.is_number_integer()) return JsonShape::kInt;
  if (v.is_number_float()) return JsonShape::kDouble;
  if (v.is_string()) return JsonShape::kString;
  return JsonShape::kJson;  // arrays, objects below max depth
}

void Collect(const JsonShape& s, std::vector<std::string>* path, int def,
             std::vector<JsonLeaf>* out) {
  if (s.kind == JsonShape::kObject && !s.fields.empty()) {
    for (const auto& [k, f] : s.fields) {
      path->push_back(k);
      Collect(f, path, def + 1, out);
      path->pop_back();
    }
    return;
  }
  JsonShape::Kind k = s.kind;
  if (k == JsonShape::kUnknown || k == JsonShape::kObject) k = JsonShape::kJson;
  out->push_back({*path, k, def});
}

ColumnSchema FieldSchema(const std::string& name, const JsonShape& s) {
  ColumnSchema c;
  c.name = name;
  c.optional = true;
  if (s.kind == JsonShape::kObject && !s.fields.empty()) {
    for (const auto& [k, f] : s.fields) c.fields.push_back(FieldSchema(k, f));
    return c;
  }
  switch (s.kind) {
    case JsonShape::kInt:
      c.type = PhysicalType::kInt64;
      break;
    case JsonShape::kDouble:
      c.type = PhysicalType::kDouble;
      break;
    case JsonShape::kBool:
      c.type = PhysicalType::kBoolean;
      break;
    case JsonShape::kString:
      c.type = PhysicalType::kByteArray;
      c.logical.kind = LogicalType::kString;
      break;
    default:
      c.type = PhysicalType::kByteArray;
      c.logical.kind = LogicalType::kJson;
      break;
  }
  return c;
}

}  // namespace

JsonShape::JsonShape() = default;

void JsonShape::Observe(const nlohmann::json& v, int depth, int max_depth) {
  if (v.is_null() || kind == kJson) return;
  if (v.is_object() && depth < max_depth) {
    if (kind == kUnknown) kind = kObject;
    if (kind != kObject) {
      kind = kJson;
      return;
    }
    for (const auto& item : v.items()) {
      // Not a structured binding: clang before 16 cannot capture one in the lambda below.
      const std::string& k = item.key();
      const nlohmann::json& x = item.value();
      auto it = std::find_if(fields.begin(), fields.end(), [&](auto& f) { return f.first == k; });
      if (it == fields.end()) {
        fields.emplace_back(k, JsonShape());
        it = fields.end() - 1;
      }
      it->second.Observe(x, depth + 1, max_depth);
    }
    return;
  }
  const Kind k = ScalarKind(v);
  if (kind == kUnknown || kind == k) {
    kind = k;
  } else if ((kind == kInt && k == kDouble) || (kind == kDouble && k == kInt)) {
    kind = kDouble;
  } else {
    kind = kJson;
  }
}

size_t JsonShape::NumLeaves() const {
  if (kind != kObject || fields.empty()) return 1;
  size_t n = 0;
  for (const auto& f : fields) n += f.second.NumLeaves();
  return n;
}

ColumnSchema ShapeSchema(const std::string& name, const JsonShape& s) {
  return FieldSchema(name, s);
}

std::vector<JsonLeaf> ShapeLeaves(const JsonShape& s) {
  std::vector<JsonLeaf> out;
  std::vector<std::string> path;
  Collect(s, &path, 1, &out);
  return out;
}

JsonShredder::JsonShredder(std::vector<JsonLeaf> leaves)
    : leaves_(std::move(leaves)), bufs_(leaves_.size()) {}

Status JsonShredder::Add(const std::string_view* text) {
  nlohmann::json v;
  if (text) {
    v = nlohmann::json::parse(*text, nullptr, false);
    if (v.is_discarded()) return Status::Corruption("invalid JSON value");
  }
  for (size_t i = 0; i < leaves_.size(); ++i) {
    const JsonLeaf& l = leaves_[i];
    Buf& b = bufs_[i];
    uint8_t d = 0;
    const nlohmann::json* cur = &v;
    if (v.is_object()) {
      d = 1;
      for (const auto& key : l.path) {
        if (!cur->is_object()) break;
        auto it = cur->find(key);
        if (it == cur->end() || it->is_null()) break;
        cur = &*it;
        ++d;
      }
    }
    if (d == l.max_def) {
      switch (l.kind) {
        case JsonShape::kInt:
          b.i64.push_back(cur->get<int64_t>());
          break;
        case JsonShape::kDouble:
          b.f64.push_back(cur->get<double>());
          break;
        case JsonShape::kBool:
          b.b.push_back(cur->get<bool>());
          break;
        case JsonShape::kString:
          b.data += cur->get_ref<const std::string&>();
          b.offs.push_back(uint32_t(b.data.size()));
          break;
        default:
          b.data += cur->dump();
          b.offs.push_back(uint32_t(b.data.size()));
          break;
      }
    }
    b.defs.push_back(d);
  }
  ++rows_;
  return Status::OK();
}

Status JsonShredder::Flush(parquet::FileWriter* w, int first_leaf) {
  for (size_t i = 0; i < leaves_.size(); ++i) {
    Buf& b = bufs_[i];
    const int col = first_leaf + int(i);
    switch (leaves_[i].kind) {
      case JsonShape::kInt:
        PE_RETURN_IF_ERROR(w->WriteLeafInt64(col, rows_, b.i64.data(), b.defs.data()));
        break;
      case JsonShape::kDouble:
        PE_RETURN_IF_ERROR(w->WriteLeafDouble(col, rows_, b.f64.data(), b.defs.data()));
        break;
      case JsonShape::kBool:
        PE_RETURN_IF_ERROR(w->WriteLeafBoolean(col, rows_, b.b.data(), b.defs.data()));
        break;
      default:
        PE_RETURN_IF_ERROR(
            w->WriteLeafByteArray(col, rows_, b.offs.data(), b.data.data(), b.defs.data()));
        break;
    }
    b = Buf();
  }
  rows_ = 0;
  return Status::OK();
}

}  // namespace pe::convert
