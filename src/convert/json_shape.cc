#include "convert/json_shape.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

void Collect(const JsonShape& s, std::vector<std::string>* path, int def_above,
             std::vector<JsonLeaf>* out) {
  const int def = def_above + (s.required ? 0 : 1);
  if (s.kind == JsonShape::kObject && !s.fields.empty()) {
    for (const auto& [k, f] : s.fields) {
      path->push_back(k);
      Collect(f, path, def, out);
      path->pop_back();
    }
    return;
  }
  JsonShape::Kind k = s.kind;
  if (k == JsonShape::kUnknown || k == JsonShape::kObject) k = JsonShape::kJson;
  out->push_back({*path, k, def});
}

Result<JsonShape> TargetField(const ColumnSchema& c, const std::string& path) {
  JsonShape s;
  s.required = !c.optional;
  const std::string what = path.empty() ? "column '" + c.name + "'" : "field '" + path + "'";
  if (c.list) {
    return Status::NotSupported(what + " is a list: lists inside a JSON struct are not supported");
  }
  if (!c.fields.empty()) {
    s.kind = JsonShape::kObject;
    for (const auto& f : c.fields) {
      PE_ASSIGN_OR_RETURN(JsonShape fs,
                          TargetField(f, path.empty() ? f.name : path + "." + f.name));
      s.fields.emplace_back(f.name, std::move(fs));
    }
    return s;
  }
  const bool plain = c.logical.kind == LogicalType::kNone;
  if (c.type == PhysicalType::kInt32 && plain) {
    s.kind = JsonShape::kInt32;
  } else if (c.type == PhysicalType::kInt64 && plain) {
    s.kind = JsonShape::kInt;
  } else if (c.type == PhysicalType::kFloat) {
    s.kind = JsonShape::kFloat;
  } else if (c.type == PhysicalType::kDouble) {
    s.kind = JsonShape::kDouble;
  } else if (c.type == PhysicalType::kBoolean) {
    s.kind = JsonShape::kBool;
  } else if (c.type == PhysicalType::kByteArray && c.logical.kind == LogicalType::kString) {
    s.kind = JsonShape::kString;
  } else {
    return Status::NotSupported(what +
                                ": only long, int, double, float, boolean, string and struct "
                                "fields can be filled from JSON");
  }
  return s;
}

// What a JSON kind is called in messages (Iceberg's type names).
const char* KindName(JsonShape::Kind k) {
  switch (k) {
    case JsonShape::kInt:
      return "long";
    case JsonShape::kInt32:
      return "int";
    case JsonShape::kDouble:
      return "double";
    case JsonShape::kFloat:
      return "float";
    case JsonShape::kBool:
      return "boolean";
    case JsonShape::kString:
      return "string";
    case JsonShape::kObject:
      return "struct";
    default:
      return "JSON";
  }
}

// A value for a message: its JSON text, shortened.
std::string Shown(const nlohmann::json& v) {
  std::string t = v.dump();
  if (t.size() > 64) t = t.substr(0, 61) + "...";
  return t;
}

ColumnSchema FieldSchema(const std::string& name, const JsonShape& s) {
  ColumnSchema c;
  c.name = name;
  c.optional = !s.required;
  if (s.kind == JsonShape::kObject && !s.fields.empty()) {
    for (const auto& [k, f] : s.fields) c.fields.push_back(FieldSchema(k, f));
    return c;
  }
  switch (s.kind) {
    case JsonShape::kInt:
      c.type = PhysicalType::kInt64;
      break;
    case JsonShape::kInt32:
      c.type = PhysicalType::kInt32;
      break;
    case JsonShape::kFloat:
      c.type = PhysicalType::kFloat;
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

Result<JsonShape> TargetShape(const ColumnSchema& group) {
  if (group.fields.empty()) {
    return Status::InvalidArgument("column '" + group.name + "': a JSON struct needs fields");
  }
  return TargetField(group, "");
}

std::vector<JsonLeaf> ShapeLeaves(const JsonShape& s) {
  std::vector<JsonLeaf> out;
  std::vector<std::string> path;
  Collect(s, &path, 0, &out);
  return out;
}

JsonShredder::JsonShredder(const JsonShape& shape, bool strict)
    : shape_(shape), strict_(strict), leaves_(ShapeLeaves(shape)), bufs_(leaves_.size()) {}

Status JsonShredder::Add(const std::string_view* text) {
  nlohmann::json v;
  if (text) {
    v = nlohmann::json::parse(*text, nullptr, false);
    if (v.is_discarded()) return Status::Corruption("invalid JSON value");
  }
  unknown_.clear();
  std::string path;
  size_t leaf = 0;
  PE_RETURN_IF_ERROR(Walk(shape_, v.is_null() ? nullptr : &v, true, 0, &path, &leaf));
  ++rows_;
  return Status::OK();
}

// One level of the shape against the value found there (`v` null: missing or JSON null;
// `parent_present`: the enclosing group exists, so a missing REQUIRED value is an error). `def` is
// the definition level reached above this level; every leaf below gets one entry.
Status JsonShredder::Walk(const JsonShape& s, const nlohmann::json* v, bool parent_present,
                          uint8_t def, std::string* path, size_t* leaf) {
  const std::string where = path->empty() ? "value" : "key '" + *path + "'";
  if (v && strict_ && s.kind == JsonShape::kObject && !v->is_object()) {
    return Status::InvalidArgument(where + ": " + Shown(*v) + " is not a JSON object (the " +
                                   "table's field is a struct)");
  }
  if (!v && strict_ && parent_present && s.required) {
    return Status::InvalidArgument(where + ": missing or null, but the table's field is required");
  }
  if (s.kind == JsonShape::kObject && !s.fields.empty()) {
    const bool present = v && v->is_object();
    const uint8_t d = uint8_t(def + (present && !s.required ? 1 : 0));
    if (present && strict_ && unknown_.empty()) {
      for (const auto& item : v->items()) {
        const std::string& k = item.key();
        if (std::none_of(s.fields.begin(), s.fields.end(),
                         [&k](const auto& f) { return f.first == k; })) {
          unknown_ = path->empty() ? k : *path + "." + k;
          break;
        }
      }
    }
    const size_t at = path->size();
    for (const auto& [k, f] : s.fields) {
      const nlohmann::json* child = nullptr;
      if (present) {
        auto it = v->find(k);
        if (it != v->end() && !it->is_null()) child = &*it;
      }
      if (!path->empty()) path->push_back('.');
      path->append(k);
      PE_RETURN_IF_ERROR(Walk(f, child, present, d, path, leaf));
      path->resize(at);
    }
    return Status::OK();
  }
  Buf& b = bufs_[(*leaf)++];
  if (v) {
    PE_RETURN_IF_ERROR(Put(s, *v, where, &b));
    def = uint8_t(def + (s.required ? 0 : 1));
  }
  b.defs.push_back(def);
  return Status::OK();
}

// Appends the leaf value `v`; strict shapes check that it fits the field's type.
Status JsonShredder::Put(const JsonShape& s, const nlohmann::json& v, const std::string& where,
                         Buf* b) {
  auto misfit = [&]() {
    return Status::InvalidArgument(where + ": " + Shown(v) + " does not fit the table's " +
                                   KindName(s.kind) + " field");
  };
  const bool fits_long =
      v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX));
  switch (s.kind) {
    case JsonShape::kInt:
      if (strict_ && !fits_long) return misfit();
      b->i64.push_back(v.get<int64_t>());
      return Status::OK();
    case JsonShape::kInt32: {
      if (!fits_long) return misfit();
      const int64_t x = v.get<int64_t>();
      if (x < INT32_MIN || x > INT32_MAX) return misfit();
      b->i32.push_back(int32_t(x));
      return Status::OK();
    }
    case JsonShape::kDouble:
      if (strict_ && !v.is_number()) return misfit();
      b->f64.push_back(v.get<double>());
      return Status::OK();
    case JsonShape::kFloat: {
      if (!v.is_number()) return misfit();
      const double x = v.get<double>();
      if (std::fabs(x) > double(std::numeric_limits<float>::max())) return misfit();
      b->f32.push_back(float(x));
      return Status::OK();
    }
    case JsonShape::kBool:
      if (strict_ && !v.is_boolean()) return misfit();
      b->b.push_back(v.get<bool>());
      return Status::OK();
    case JsonShape::kString:
      if (strict_ && !v.is_string()) return misfit();
      b->data += v.get_ref<const std::string&>();
      b->offs.push_back(uint32_t(b->data.size()));
      return Status::OK();
    default:
      b->data += v.dump();
      b->offs.push_back(uint32_t(b->data.size()));
      return Status::OK();
  }
}

Status JsonShredder::Flush(parquet::FileWriter* w, int first_leaf) {
  for (size_t i = 0; i < leaves_.size(); ++i) {
    Buf& b = bufs_[i];
    const int col = first_leaf + int(i);
    switch (leaves_[i].kind) {
      case JsonShape::kInt:
        PE_RETURN_IF_ERROR(w->WriteLeafInt64(col, rows_, b.i64.data(), b.defs.data()));
        break;
      case JsonShape::kInt32:
        PE_RETURN_IF_ERROR(w->WriteLeafInt32(col, rows_, b.i32.data(), b.defs.data()));
        break;
      case JsonShape::kDouble:
        PE_RETURN_IF_ERROR(w->WriteLeafDouble(col, rows_, b.f64.data(), b.defs.data()));
        break;
      case JsonShape::kFloat:
        PE_RETURN_IF_ERROR(w->WriteLeafFloat(col, rows_, b.f32.data(), b.defs.data()));
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
