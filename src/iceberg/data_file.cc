// DataFile metrics from a Parquet footer, and DataFile <-> JSON (iceberg/manifest.h).
//
// What is recorded per field follows Iceberg Java's Parquet writer path (parquet/ParquetMetrics
// .metrics with the value writers' FieldMetrics): for every primitive leaf with a field id the
// compressed bytes of its chunks (column_sizes); for leaves outside lists and maps also the value
// count (ColumnMetaData.num_values summed), the null count (Statistics.null_count), for float and
// double the NaN count, and lower/upper bounds (NaN excluded) in Appendix D's single-value
// serialization, strings and binary truncated as MetricsModes "truncate(16)" does
// (UnicodeUtil.truncateStringMin/Max, BinaryUtil.truncateBinaryMin/Max). Leaves inside lists and
// maps get only their size (ParquetMetrics.MetricsVisitor.list/map return no metrics).
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "iceberg/manifest.h"

namespace pe::iceberg {
namespace {

using parquet::ColumnMetrics;
using parquet::PhysicalType;

std::string PathText(const std::vector<std::string>& path) {
  std::string s;
  for (const auto& p : path) s += (s.empty() ? "" : ".") + p;
  return s;
}

struct Leaf {
  const NestedField* field = nullptr;
  bool repeated = false;  // inside a list or a map
};

// Resolves a Parquet leaf path through the Iceberg schema: top-level and struct fields by name,
// lists as <name>.list.element and maps as <name>.key_value.key|value (LogicalTypes.md 3-level
// forms, as the writer and Iceberg's TypeToMessageType spell them).
Result<Leaf> Resolve(const Schema& schema, const std::vector<std::string>& path) {
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("Parquet column " + PathText(path) + ": " + why);
  };
  if (path.empty()) return fail("empty path");
  Leaf leaf;
  for (const auto& f : schema.fields) {
    if (f.name == path[0]) leaf.field = &f;
  }
  if (!leaf.field) return fail("no field '" + path[0] + "' in the Iceberg schema");
  size_t i = 1;
  while (i < path.size()) {
    const Type* t = leaf.field->type.get();
    if (!t) return fail("field '" + leaf.field->name + "' has no type");
    if (t->kind == Type::kStruct) {
      const NestedField* next = nullptr;
      for (const auto& f : t->fields) {
        if (f.name == path[i]) next = &f;
      }
      if (!next) return fail("no struct field '" + path[i] + "'");
      leaf.field = next;
      i += 1;
    } else if (t->kind == Type::kList) {
      if (i + 1 >= path.size() || path[i] != "list" || path[i + 1] != "element") {
        return fail("a list is not spelled <name>.list.element");
      }
      leaf.field = &t->element;
      leaf.repeated = true;
      i += 2;
    } else if (t->kind == Type::kMap) {
      if (i + 1 >= path.size() || path[i] != "key_value" ||
          (path[i + 1] != "key" && path[i + 1] != "value")) {
        return fail("a map is not spelled <name>.key_value.key|value");
      }
      leaf.field = path[i + 1] == "key" ? &t->key : &t->value;
      leaf.repeated = true;
      i += 2;
    } else {
      return fail("field '" + leaf.field->name + "' is " + TypeString(*t) + ", not a group");
    }
  }
  if (!leaf.field->type || !leaf.field->type->is_primitive()) {
    return fail("field '" + leaf.field->name + "' is not a primitive type");
  }
  return leaf;
}

// Whether a Parquet leaf of physical type `p` can hold values of Iceberg type `k` in the forms of
// spec Appendix A "Parquet" (plus the int -> long and float -> double promotions).
bool Holds(Type::Kind k, PhysicalType p) {
  switch (k) {
    case Type::kBoolean:
      return p == PhysicalType::kBoolean;
    case Type::kInt:
    case Type::kDate:
      return p == PhysicalType::kInt32;
    case Type::kLong:
      return p == PhysicalType::kInt64 || p == PhysicalType::kInt32;
    case Type::kTime:
    case Type::kTimestamp:
    case Type::kTimestampTz:
    case Type::kTimestampNs:
    case Type::kTimestampTzNs:
      return p == PhysicalType::kInt64;
    case Type::kFloat:
      return p == PhysicalType::kFloat;
    case Type::kDouble:
      return p == PhysicalType::kDouble || p == PhysicalType::kFloat;
    case Type::kDecimal:
      return p == PhysicalType::kInt32 || p == PhysicalType::kInt64 ||
             p == PhysicalType::kFixedLenByteArray || p == PhysicalType::kByteArray;
    case Type::kString:
    case Type::kBinary:
      return p == PhysicalType::kByteArray;
    case Type::kUuid:
    case Type::kFixed:
      return p == PhysicalType::kFixedLenByteArray;
    case Type::kOther:
      return true;  // counts only
    case Type::kStruct:
    case Type::kList:
    case Type::kMap:
      return false;
  }
  return false;
}

// ---- UTF-8 and truncation -----------------------------------------------------------------------

// The code points of valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF), or
// nullopt.
std::optional<std::vector<uint32_t>> CodePoints(std::string_view s) {
  std::vector<uint32_t> cps;
  for (size_t i = 0; i < s.size();) {
    uint8_t c = uint8_t(s[i]);
    int n = c < 0x80             ? 1
            : (c & 0xE0) == 0xC0 ? 2
            : (c & 0xF0) == 0xE0 ? 3
            : (c & 0xF8) == 0xF0 ? 4
                                 : 0;
    if (n == 0 || i + n > s.size()) return std::nullopt;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < n; ++k) {
      uint8_t d = uint8_t(s[i + k]);
      if ((d & 0xC0) != 0x80) return std::nullopt;
      cp = cp << 6 | (d & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    cps.push_back(cp);
    i += n;
  }
  return cps;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(char(cp));
  } else if (cp < 0x800) {
    out->push_back(char(0xC0 | cp >> 6));
    out->push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(char(0xE0 | cp >> 12));
    out->push_back(char(0x80 | (cp >> 6 & 0x3F)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(char(0xF0 | cp >> 18));
    out->push_back(char(0x80 | (cp >> 12 & 0x3F)));
    out->push_back(char(0x80 | (cp >> 6 & 0x3F)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  }
}

std::string Utf8(const std::vector<uint32_t>& cps, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) AppendUtf8(&s, cps[i]);
  return s;
}

// Lower bound: the first `len` code points (UnicodeUtil.truncateStringMin).
std::string TruncateStringMin(std::string_view s, const std::vector<uint32_t>& cps, size_t len) {
  return cps.size() <= len ? std::string(s) : Utf8(cps, len);
}

// Upper bound (UnicodeUtil.truncateStringMax): the value itself when it has at most `len` code
// points, else the first `len` with the last one that can be incremented incremented and the
// rest dropped (U+D7FF steps over the surrogates to U+E000; U+10FFFF cannot be incremented);
// nullopt when none can.
std::optional<std::string> TruncateStringMax(std::string_view s, const std::vector<uint32_t>& cps,
                                             size_t len) {
  if (cps.size() <= len) return std::string(s);
  for (size_t i = len; i-- > 0;) {
    uint32_t cp = cps[i];
    if (cp == 0x10FFFF) continue;
    std::string out = Utf8(cps, i);
    AppendUtf8(&out, cp == 0xD7FF ? 0xE000 : cp + 1);
    return out;
  }
  return std::nullopt;
}

// BinaryUtil.truncateBinaryMax: the first `len` bytes with the last byte below 0xFF incremented
// and the rest dropped; nullopt when all are 0xFF.
std::optional<std::string> TruncateBinaryMax(std::string_view s, size_t len) {
  if (s.size() <= len) return std::string(s);
  for (size_t i = len; i-- > 0;) {
    if (uint8_t(s[i]) != 0xFF) {
      std::string out(s.substr(0, i));
      out.push_back(char(uint8_t(s[i]) + 1));
      return out;
    }
  }
  return std::nullopt;
}

// ---- Single-value serialization (Appendix D) ----------------------------------------------------

std::string LittleEndian(int64_t v, int bytes) {
  std::string s(size_t(bytes), '\0');
  for (int i = 0; i < bytes; ++i) s[size_t(i)] = char(uint64_t(v) >> (8 * i));
  return s;
}

int64_t ReadLittleEndian(const std::string& s) {  // sign-extended
  uint64_t v = 0;
  for (size_t i = s.size(); i-- > 0;) v = v << 8 | uint8_t(s[i]);
  if (s.size() < 8 && (uint8_t(s.back()) & 0x80)) v |= ~uint64_t(0) << (8 * s.size());
  return int64_t(v);
}

// Two's complement big-endian with the fewest bytes (Java's BigInteger.toByteArray, which
// Iceberg's Conversions uses for decimals): redundant leading 0x00 / 0xFF bytes removed.
std::string MinimalBigEndian(std::string be) {
  size_t k = 0;
  while (k + 1 < be.size() && ((uint8_t(be[k]) == 0x00 && !(uint8_t(be[k + 1]) & 0x80)) ||
                               (uint8_t(be[k]) == 0xFF && (uint8_t(be[k + 1]) & 0x80)))) {
    ++k;
  }
  return be.substr(k);
}

struct Bounds {
  std::optional<std::string> lower, upper;
};

// The bounds of a column from its PLAIN min/max (parquet::ColumnMetrics) in the serialization of
// the field's Iceberg type. Errors: kInvalidArgument for a statistic of the wrong size.
Result<Bounds> ToBounds(const Type& t, const ColumnMetrics& c, int truncate_length,
                        const std::string& what) {
  const std::string& lo = *c.min;
  const std::string& hi = *c.max;
  auto sized = [&](size_t n) -> Status {
    if (lo.size() != n || hi.size() != n) {
      return Status::InvalidArgument(what + ": " + parquet::PhysicalTypeName(c.type) +
                                     " statistics of " + std::to_string(lo.size()) + "/" +
                                     std::to_string(hi.size()) + " bytes");
    }
    return Status::OK();
  };
  Bounds b;
  const size_t len = size_t(truncate_length);
  switch (t.kind) {
    case Type::kBoolean:
    case Type::kInt:
    case Type::kDate:
    case Type::kFloat:
    case Type::kTime:
    case Type::kTimestamp:
    case Type::kTimestampTz:
    case Type::kTimestampNs:
    case Type::kTimestampTzNs:
    case Type::kUuid:
    case Type::kFixed: {
      // PLAIN is already the single-value form: 1-byte boolean, 4/8-byte little-endian numbers,
      // raw fixed bytes (uuid: 16 big-endian bytes). Fixed values are not truncated (Java
      // truncates only strings and binary).
      size_t n = c.type == PhysicalType::kBoolean                                   ? 1
                 : c.type == PhysicalType::kInt32 || c.type == PhysicalType::kFloat ? 4
                 : c.type == PhysicalType::kFixedLenByteArray                       ? lo.size()
                                                                                    : 8;
      if (t.kind == Type::kUuid) n = 16;
      if (t.kind == Type::kFixed && t.length > 0) n = size_t(t.length);
      PE_RETURN_IF_ERROR(sized(n));
      b.lower = lo, b.upper = hi;
      break;
    }
    case Type::kLong: {
      PE_RETURN_IF_ERROR(sized(c.type == PhysicalType::kInt32 ? 4 : 8));
      b.lower = LittleEndian(ReadLittleEndian(lo), 8);
      b.upper = LittleEndian(ReadLittleEndian(hi), 8);
      break;
    }
    case Type::kDouble: {
      if (c.type == PhysicalType::kFloat) {  // float -> double promotion
        PE_RETURN_IF_ERROR(sized(4));
        float f[2];
        std::memcpy(&f[0], lo.data(), 4);
        std::memcpy(&f[1], hi.data(), 4);
        double d[2] = {f[0], f[1]};
        b.lower = std::string(reinterpret_cast<const char*>(&d[0]), 8);
        b.upper = std::string(reinterpret_cast<const char*>(&d[1]), 8);
      } else {
        PE_RETURN_IF_ERROR(sized(8));
        b.lower = lo, b.upper = hi;
      }
      break;
    }
    case Type::kDecimal: {
      // INT32 / INT64 hold the unscaled value little-endian, FIXED_LEN_BYTE_ARRAY / BYTE_ARRAY
      // big-endian two's complement (LogicalTypes.md "DECIMAL"); the bound is the unscaled value
      // big-endian in the fewest bytes.
      auto be = [&](const std::string& plain) -> std::string {
        if (c.type == PhysicalType::kInt32 || c.type == PhysicalType::kInt64) {
          int64_t v = ReadLittleEndian(plain);
          std::string s(8, '\0');
          for (int i = 0; i < 8; ++i) s[size_t(i)] = char(uint64_t(v) >> (56 - 8 * i));
          return MinimalBigEndian(s);
        }
        return MinimalBigEndian(plain);
      };
      if (c.type == PhysicalType::kInt32) PE_RETURN_IF_ERROR(sized(4));
      if (c.type == PhysicalType::kInt64) PE_RETURN_IF_ERROR(sized(8));
      if (lo.empty() || hi.empty()) {
        return Status::InvalidArgument(what + ": empty decimal statistics");
      }
      b.lower = be(lo), b.upper = be(hi);
      break;
    }
    case Type::kString: {
      auto lcp = CodePoints(lo), hcp = CodePoints(hi);
      if (!lcp || !hcp) break;  // not UTF-8: no bounds rather than wrong ones
      b.lower = TruncateStringMin(lo, *lcp, len);
      b.upper = TruncateStringMax(hi, *hcp, len);
      break;
    }
    case Type::kBinary:
      b.lower = lo.substr(0, std::min(lo.size(), len));
      b.upper = TruncateBinaryMax(hi, len);
      break;
    case Type::kOther:
    case Type::kStruct:
    case Type::kList:
    case Type::kMap:
      break;
  }
  return b;
}

// ---- JSON ---------------------------------------------------------------------------------------

std::string Hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string h;
  h.reserve(s.size() * 2);
  for (unsigned char c : s) {
    h.push_back(kDigits[c >> 4]);
    h.push_back(kDigits[c & 15]);
  }
  return h;
}

std::optional<std::string> Unhex(std::string_view h) {
  if (h.size() % 2) return std::nullopt;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string s;
  for (size_t i = 0; i < h.size(); i += 2) {
    int a = nib(h[i]), b = nib(h[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    s.push_back(char(a << 4 | b));
  }
  return s;
}

std::optional<int64_t> Int64Of(const nlohmann::json& j) {
  if (j.is_number_integer() && !j.is_number_unsigned()) return j.get<int64_t>();
  if (j.is_number_unsigned() && j.get<uint64_t>() <= uint64_t(INT64_MAX)) {
    return int64_t(j.get<uint64_t>());
  }
  return std::nullopt;
}

std::optional<int> FieldIdOf(const std::string& key) {
  int id = 0;
  auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
  if (ec != std::errc() || p != key.data() + key.size() || key.empty()) return std::nullopt;
  return id;
}

}  // namespace

Result<DataFile> MakeDataFile(const std::string& file_path, const parquet::FileMetrics& metrics,
                              const Schema& schema, int truncate_length) {
  DataFile f;
  f.file_path = file_path;
  f.record_count = metrics.num_rows;
  f.file_size_in_bytes = metrics.file_bytes;
  f.split_offsets = metrics.row_group_offsets;
  for (const ColumnMetrics& c : metrics.columns) {
    PE_ASSIGN_OR_RETURN(Leaf leaf, Resolve(schema, c.path));
    const NestedField& field = *leaf.field;
    const Type& t = *field.type;
    const std::string what = "Parquet column " + PathText(c.path) + " (Iceberg field " +
                             std::to_string(field.id) + ", " + TypeString(t) + ")";
    if (!Holds(t.kind, c.type)) {
      return Status::InvalidArgument(what + ": a " + parquet::PhysicalTypeName(c.type) +
                                     " column cannot hold it");
    }
    if (!f.column_sizes.emplace(field.id, c.compressed_bytes).second) {
      return Status::InvalidArgument(what + ": a second column for the same field id");
    }
    if (leaf.repeated) continue;  // sizes only inside lists and maps
    f.value_counts[field.id] = c.value_count;
    f.null_value_counts[field.id] = c.null_count;
    if (t.kind == Type::kFloat || t.kind == Type::kDouble)
      f.nan_value_counts[field.id] = c.nan_count;
    // Bounds need both statistics; truncate_length <= 0 is Java's "counts" mode.
    if (truncate_length <= 0 || !c.min || !c.max) continue;
    PE_ASSIGN_OR_RETURN(Bounds b, ToBounds(t, c, truncate_length, what));
    if (b.lower) f.lower_bounds[field.id] = std::move(*b.lower);
    if (b.upper) f.upper_bounds[field.id] = std::move(*b.upper);
  }
  return f;
}

std::string DataFileToJson(const DataFile& f) {
  nlohmann::ordered_json j;
  j["file_path"] = f.file_path;
  j["file_format"] = f.file_format;
  j["record_count"] = f.record_count;
  j["file_size_in_bytes"] = f.file_size_in_bytes;
  auto counts = [](const std::map<int, int64_t>& m) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (const auto& [k, v] : m) o[std::to_string(k)] = v;
    return o;
  };
  auto bounds = [](const std::map<int, std::string>& m) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (const auto& [k, v] : m) o[std::to_string(k)] = Hex(v);
    return o;
  };
  j["column_sizes"] = counts(f.column_sizes);
  j["value_counts"] = counts(f.value_counts);
  j["null_value_counts"] = counts(f.null_value_counts);
  j["nan_value_counts"] = counts(f.nan_value_counts);
  j["lower_bounds"] = bounds(f.lower_bounds);
  j["upper_bounds"] = bounds(f.upper_bounds);
  j["split_offsets"] = f.split_offsets;
  return j.dump();
}

Result<DataFile> DataFileFromJson(std::string_view text) {
  auto bad = [](const std::string& why) { return Status::Corruption("data file JSON: " + why); };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  DataFile f;
  auto str = [&](const char* key, std::string* out) -> Status {
    if (!j.contains(key) || !j[key].is_string()) return bad(std::string(key) + " is not a string");
    *out = j[key].get<std::string>();
    return Status::OK();
  };
  auto num = [&](const char* key, int64_t* out) -> Status {
    std::optional<int64_t> v = j.contains(key) ? Int64Of(j[key]) : std::nullopt;
    if (!v) return bad(std::string(key) + " is not a 64-bit integer");
    *out = *v;
    return Status::OK();
  };
  PE_RETURN_IF_ERROR(str("file_path", &f.file_path));
  PE_RETURN_IF_ERROR(str("file_format", &f.file_format));
  PE_RETURN_IF_ERROR(num("record_count", &f.record_count));
  PE_RETURN_IF_ERROR(num("file_size_in_bytes", &f.file_size_in_bytes));
  // Maps keyed by field id (decimal text); absent maps are empty.
  auto counts = [&](const char* key, std::map<int, int64_t>* out) -> Status {
    if (!j.contains(key)) return Status::OK();
    if (!j[key].is_object()) return bad(std::string(key) + " is not an object");
    for (const auto& [k, v] : j[key].items()) {
      auto id = FieldIdOf(k);
      auto n = Int64Of(v);
      if (!id || !n) return bad(std::string(key) + "." + k + " is not <field id>: <integer>");
      (*out)[*id] = *n;
    }
    return Status::OK();
  };
  auto bounds = [&](const char* key, std::map<int, std::string>* out) -> Status {
    if (!j.contains(key)) return Status::OK();
    if (!j[key].is_object()) return bad(std::string(key) + " is not an object");
    for (const auto& [k, v] : j[key].items()) {
      auto id = FieldIdOf(k);
      auto bytes = v.is_string() ? Unhex(v.get<std::string>()) : std::nullopt;
      if (!id || !bytes) return bad(std::string(key) + "." + k + " is not <field id>: <hex>");
      (*out)[*id] = std::move(*bytes);
    }
    return Status::OK();
  };
  PE_RETURN_IF_ERROR(counts("column_sizes", &f.column_sizes));
  PE_RETURN_IF_ERROR(counts("value_counts", &f.value_counts));
  PE_RETURN_IF_ERROR(counts("null_value_counts", &f.null_value_counts));
  PE_RETURN_IF_ERROR(counts("nan_value_counts", &f.nan_value_counts));
  PE_RETURN_IF_ERROR(bounds("lower_bounds", &f.lower_bounds));
  PE_RETURN_IF_ERROR(bounds("upper_bounds", &f.upper_bounds));
  if (j.contains("split_offsets")) {
    if (!j["split_offsets"].is_array()) return bad("split_offsets is not an array");
    for (const auto& v : j["split_offsets"]) {
      auto n = Int64Of(v);
      if (!n) return bad("split_offsets holds a non-integer");
      f.split_offsets.push_back(*n);
    }
  }
  return f;
}

}  // namespace pe::iceberg
