// Manifests and manifest lists (iceberg/manifest.h).
//
// Writer schemas are those of spec.md §"Manifests" / §"Manifest Lists" for each format version, in
// the field order Iceberg Java writes them (core V1Metadata / V2Metadata / V3Metadata) and with
// the Avro shapes of Appendix A: optional = ["null", T] with default null, "field-id" on every
// field, "element-id" on arrays, int-keyed maps as arrays of k<key id>_v<value id> records with
// logicalType "map", nested records named "r" + field id (Java's AvroSchemaUtil naming).
#include "iceberg/manifest.h"

#include <cstring>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "iceberg/avro_file.h"

namespace pe::iceberg {
namespace {

using J = nlohmann::ordered_json;

// v1 data_file.block_size_in_bytes: "Always write a default in v1" (spec); Java's V1Metadata
// DataFileWrapper writes 64 MiB.
constexpr int64_t kV1BlockSize = int64_t(64) << 20;

Status CheckVersion(int v) {
  if (v < 1 || v > 3) {
    return Status::InvalidArgument("Iceberg format version " + std::to_string(v) +
                                   " is not 1, 2 or 3");
  }
  return Status::OK();
}

// ---- Writer schemas -------------------------------------------------------------------------

J Field(const char* name, J type, int id) {
  J f;
  f["name"] = name;
  f["type"] = std::move(type);
  f["field-id"] = id;
  return f;
}

J Optional(const char* name, J type, int id) {
  J f;
  f["name"] = name;
  f["type"] = J::array({"null", std::move(type)});
  f["default"] = nullptr;
  f["field-id"] = id;
  return f;
}

J Record(const std::string& name, J fields) {
  J r;
  r["type"] = "record";
  r["name"] = name;
  r["fields"] = std::move(fields);
  return r;
}

J Array(J items, int element_id) {
  J a;
  a["type"] = "array";
  a["items"] = std::move(items);
  a["element-id"] = element_id;
  return a;
}

// map<int, T> (Appendix A: non-string keys use an array of key/value records, logicalType map).
J IntMap(int key_id, int value_id, const char* value_type) {
  J a;
  a["type"] = "array";
  a["items"] =
      Record("k" + std::to_string(key_id) + "_v" + std::to_string(value_id),
             J::array({Field("key", "int", key_id), Field("value", value_type, value_id)}));
  a["logicalType"] = "map";
  return a;
}

// data_file (spec "Data File Fields"; Java V1Metadata.dataFileSchema, V2/V3Metadata.fileType).
// The partition tuple of an unpartitioned spec is an empty record.
J DataFileType(int v) {
  J f = J::array();
  if (v >= 2) f.push_back(Field("content", "int", 134));
  f.push_back(Field("file_path", "string", 100));
  f.push_back(Field("file_format", "string", 101));
  f.push_back(Field("partition", Record("r102", J::array()), 102));
  f.push_back(Field("record_count", "long", 103));
  f.push_back(Field("file_size_in_bytes", "long", 104));
  if (v == 1) f.push_back(Field("block_size_in_bytes", "long", 105));
  f.push_back(Optional("column_sizes", IntMap(117, 118, "long"), 108));
  f.push_back(Optional("value_counts", IntMap(119, 120, "long"), 109));
  f.push_back(Optional("null_value_counts", IntMap(121, 122, "long"), 110));
  f.push_back(Optional("nan_value_counts", IntMap(138, 139, "long"), 137));
  f.push_back(Optional("lower_bounds", IntMap(126, 127, "bytes"), 125));
  f.push_back(Optional("upper_bounds", IntMap(129, 130, "bytes"), 128));
  f.push_back(Optional("key_metadata", "bytes", 131));
  f.push_back(Optional("split_offsets", Array("long", 133), 132));
  if (v >= 2) f.push_back(Optional("equality_ids", Array("int", 136), 135));
  f.push_back(Optional("sort_order_id", "int", 140));
  if (v >= 3) f.push_back(Optional("first_row_id", "long", 142));
  if (v >= 2) f.push_back(Optional("referenced_data_file", "string", 143));
  if (v >= 3) {
    f.push_back(Optional("content_offset", "long", 144));
    f.push_back(Optional("content_size_in_bytes", "long", 145));
  }
  return Record("r2", std::move(f));
}

// manifest_entry (spec "Manifest Entry Fields"): snapshot_id is required in v1, optional from v2,
// which also adds the two sequence numbers.
std::string ManifestEntrySchema(int v) {
  J f = J::array();
  f.push_back(Field("status", "int", 0));
  if (v == 1) {
    f.push_back(Field("snapshot_id", "long", 1));
  } else {
    f.push_back(Optional("snapshot_id", "long", 1));
    f.push_back(Optional("sequence_number", "long", 3));
    f.push_back(Optional("file_sequence_number", "long", 4));
  }
  f.push_back(Field("data_file", DataFileType(v), 2));
  return Record("manifest_entry", std::move(f)).dump();
}

// manifest_file (spec "Manifest Lists"; Java V1Metadata / V2Metadata / V3Metadata
// MANIFEST_LIST_SCHEMA, in their field order).
std::string ManifestListSchema(int v) {
  J summary = Record(
      "r508",
      J::array({Field("contains_null", "boolean", 509), Optional("contains_nan", "boolean", 518),
                Optional("lower_bound", "bytes", 510), Optional("upper_bound", "bytes", 511)}));
  J partitions = Optional("partitions", Array(std::move(summary), 508), 507);
  J f = J::array();
  f.push_back(Field("manifest_path", "string", 500));
  f.push_back(Field("manifest_length", "long", 501));
  f.push_back(Field("partition_spec_id", "int", 502));
  if (v == 1) {
    f.push_back(Field("added_snapshot_id", "long", 503));
    f.push_back(Optional("added_files_count", "int", 504));
    f.push_back(Optional("existing_files_count", "int", 505));
    f.push_back(Optional("deleted_files_count", "int", 506));
    f.push_back(std::move(partitions));
    f.push_back(Optional("added_rows_count", "long", 512));
    f.push_back(Optional("existing_rows_count", "long", 513));
    f.push_back(Optional("deleted_rows_count", "long", 514));
    f.push_back(Optional("key_metadata", "bytes", 519));
  } else {
    f.push_back(Field("content", "int", 517));
    f.push_back(Field("sequence_number", "long", 515));
    f.push_back(Field("min_sequence_number", "long", 516));
    f.push_back(Field("added_snapshot_id", "long", 503));
    f.push_back(Field("added_files_count", "int", 504));
    f.push_back(Field("existing_files_count", "int", 505));
    f.push_back(Field("deleted_files_count", "int", 506));
    f.push_back(Field("added_rows_count", "long", 512));
    f.push_back(Field("existing_rows_count", "long", 513));
    f.push_back(Field("deleted_rows_count", "long", 514));
    f.push_back(std::move(partitions));
    f.push_back(Optional("key_metadata", "bytes", 519));
    if (v >= 3) f.push_back(Optional("first_row_id", "long", 520));
  }
  return Record("manifest_file", std::move(f)).dump();
}

// ---- Filling Avro C values --------------------------------------------------------------------

// Sets fields of a generic value, keeping the first Avro C error (later calls do nothing).
class Builder {
 public:
  Status status() const {
    return err_.empty() ? Status::OK() : Status::InvalidArgument("avro: " + err_);
  }
  avro_value_t Field(avro_value_t rec, const char* name) {
    avro_value_t f{};
    if (ok() && avro_value_get_by_name(&rec, name, &f, nullptr) != 0) Fail(name);
    return f;
  }
  // An optional field: selects the value branch and returns it, or sets null (`present` false).
  avro_value_t Opt(avro_value_t rec, const char* name, bool present) {
    avro_value_t u = Field(rec, name), b{};
    if (!ok()) return b;
    if (avro_value_set_branch(&u, present ? 1 : 0, &b) != 0) {
      Fail(name);
    } else if (!present && avro_value_set_null(&b) != 0) {
      Fail(name);
    }
    return b;
  }
  avro_value_t Append(avro_value_t array) {
    avro_value_t e{};
    if (ok() && avro_value_append(&array, &e, nullptr) != 0) Fail("array element");
    return e;
  }
  void Int(avro_value_t v, int32_t x) {
    if (ok() && avro_value_set_int(&v, x) != 0) Fail("int");
  }
  void Long(avro_value_t v, int64_t x) {
    if (ok() && avro_value_set_long(&v, x) != 0) Fail("long");
  }
  void Bool(avro_value_t v, bool x) {
    if (ok() && avro_value_set_boolean(&v, x ? 1 : 0) != 0) Fail("boolean");
  }
  void String(avro_value_t v, const std::string& s) {
    // set_string_len takes the size with the terminating NUL.
    if (ok() && avro_value_set_string_len(&v, s.c_str(), s.size() + 1) != 0) Fail("string");
  }
  void Bytes(avro_value_t v, const std::string& s) {
    if (ok() && avro_value_set_bytes(&v, const_cast<char*>(s.data()), s.size()) != 0) {
      Fail("bytes");
    }
  }
  template <typename T>
  void OptLong(avro_value_t rec, const char* name, const std::optional<T>& x) {
    avro_value_t b = Opt(rec, name, x.has_value());
    if (x) Long(b, *x);
  }
  void OptInt(avro_value_t rec, const char* name, const std::optional<int32_t>& x) {
    avro_value_t b = Opt(rec, name, x.has_value());
    if (x) Int(b, *x);
  }
  void OptBytes(avro_value_t rec, const char* name, const std::optional<std::string>& x) {
    avro_value_t b = Opt(rec, name, x.has_value());
    if (x) Bytes(b, *x);
  }
  void LongMap(avro_value_t rec, const char* name, const std::map<int, int64_t>& m) {
    avro_value_t a = Opt(rec, name, true);
    for (const auto& [k, v] : m) {
      avro_value_t e = Append(a);
      Int(Field(e, "key"), k);
      Long(Field(e, "value"), v);
    }
  }
  void BytesMap(avro_value_t rec, const char* name, const std::map<int, std::string>& m) {
    avro_value_t a = Opt(rec, name, true);
    for (const auto& [k, v] : m) {
      avro_value_t e = Append(a);
      Int(Field(e, "key"), k);
      Bytes(Field(e, "value"), v);
    }
  }

 private:
  bool ok() const { return err_.empty(); }
  void Fail(const char* what) { err_ = std::string(what) + ": " + avro_strerror(); }
  std::string err_;
};

void FillDataFile(Builder& b, avro_value_t df, const DataFile& f, int v) {
  if (v >= 2) b.Int(b.Field(df, "content"), 0);  // data
  b.String(b.Field(df, "file_path"), f.file_path);
  b.String(b.Field(df, "file_format"), f.file_format);
  // partition: the empty record of an unpartitioned spec has nothing to set.
  b.Long(b.Field(df, "record_count"), f.record_count);
  b.Long(b.Field(df, "file_size_in_bytes"), f.file_size_in_bytes);
  if (v == 1) b.Long(b.Field(df, "block_size_in_bytes"), kV1BlockSize);
  b.LongMap(df, "column_sizes", f.column_sizes);
  b.LongMap(df, "value_counts", f.value_counts);
  b.LongMap(df, "null_value_counts", f.null_value_counts);
  b.LongMap(df, "nan_value_counts", f.nan_value_counts);
  b.BytesMap(df, "lower_bounds", f.lower_bounds);
  b.BytesMap(df, "upper_bounds", f.upper_bounds);
  b.Opt(df, "key_metadata", false);
  avro_value_t so = b.Opt(df, "split_offsets", !f.split_offsets.empty());
  for (int64_t o : f.split_offsets) b.Long(b.Append(so), o);
  if (v >= 2) b.Opt(df, "equality_ids", false);
  // sort_order_id null: unknown order, i.e. unsorted (spec "Data File Fields" note 3).
  b.Opt(df, "sort_order_id", false);
  if (v >= 3) b.Opt(df, "first_row_id", false);  // new files: inherited (spec "Row Lineage")
  if (v >= 2) b.Opt(df, "referenced_data_file", false);
  if (v >= 3) {
    b.Opt(df, "content_offset", false);
    b.Opt(df, "content_size_in_bytes", false);
  }
}

// ---- Reading manifest lists -------------------------------------------------------------------

// Field names by Iceberg field id, from the "field-id" attributes of a record schema's fields.
std::map<int, std::string> NamesById(const nlohmann::json& record) {
  std::map<int, std::string> names;
  if (!record.is_object() || !record.contains("fields") || !record["fields"].is_array()) {
    return names;
  }
  for (const auto& f : record["fields"]) {
    if (f.is_object() && f.contains("name") && f["name"].is_string() && f.contains("field-id") &&
        f["field-id"].is_number_integer()) {
      names[f["field-id"].get<int>()] = f["name"].get<std::string>();
    }
  }
  return names;
}

// The type of field `id` of a record schema, the non-null branch of an optional union; null when
// the record has no such field.
nlohmann::json FieldType(const nlohmann::json& record, int id) {
  if (!record.is_object() || !record.contains("fields") || !record["fields"].is_array()) {
    return nullptr;
  }
  for (const auto& f : record["fields"]) {
    if (!f.is_object() || !f.contains("field-id") || f["field-id"] != id || !f.contains("type")) {
      continue;
    }
    const nlohmann::json& t = f["type"];
    if (t.is_array()) {  // ["null", {...}]
      for (const auto& m : t) {
        if (m.is_object()) return m;
      }
      return nullptr;
    }
    return t;
  }
  return nullptr;
}

// The record schema of field `id`'s array items (through an optional union), or null.
nlohmann::json ItemsRecord(const nlohmann::json& record, int id) {
  nlohmann::json t = FieldType(record, id);
  if (t.is_object() && t.value("type", "") == "array" && t.contains("items")) return t["items"];
  return nullptr;
}

// Typed access to the fields of one decoded record. Fields are found by Iceberg field id through
// the writer schema's "field-id" attributes, else by the spec's name (older Java versions named
// some fields differently, e.g. added_data_files_count for 504); a missing field or a null reads
// as absent. Errors: kCorruption naming the record and field.
class FieldReader {
 public:
  FieldReader(avro_value_t rec, const std::map<int, std::string>& names, std::string where)
      : rec_(rec), names_(names), where_(std::move(where)) {}

  Result<std::optional<avro_value_t>> Get(int id, const char* spec_name) {
    auto it = names_.find(id);
    name_ = it != names_.end() ? it->second : spec_name;
    avro_value_t f{};
    if (avro_value_get_by_name(&rec_, name_.c_str(), &f, nullptr) != 0) {
      return std::optional<avro_value_t>();
    }
    return Unwrap(f);
  }
  Result<std::optional<int64_t>> Long(int id, const char* name) {
    PE_ASSIGN_OR_RETURN(auto f, Get(id, name));
    if (!f) return std::optional<int64_t>();
    avro_type_t t = avro_value_get_type(&*f);
    if (t == AVRO_INT64) {
      int64_t x = 0;
      if (avro_value_get_long(&*f, &x) != 0) return Bad("long");
      return std::optional<int64_t>(x);
    }
    if (t == AVRO_INT32) {  // int promotes to long (Avro schema resolution)
      int32_t x = 0;
      if (avro_value_get_int(&*f, &x) != 0) return Bad("long");
      return std::optional<int64_t>(x);
    }
    return Bad("long", &*f);
  }
  Result<std::optional<int32_t>> Int(int id, const char* name) {
    PE_ASSIGN_OR_RETURN(auto f, Get(id, name));
    if (!f) return std::optional<int32_t>();
    int32_t x = 0;
    if (avro_value_get_type(&*f) != AVRO_INT32) return Bad("int", &*f);
    if (avro_value_get_int(&*f, &x) != 0) return Bad("int");
    return std::optional<int32_t>(x);
  }
  Result<std::optional<bool>> Bool(int id, const char* name) {
    PE_ASSIGN_OR_RETURN(auto f, Get(id, name));
    if (!f) return std::optional<bool>();
    int x = 0;
    if (avro_value_get_type(&*f) != AVRO_BOOLEAN) return Bad("boolean", &*f);
    if (avro_value_get_boolean(&*f, &x) != 0) return Bad("boolean");
    return std::optional<bool>(x != 0);
  }
  Result<std::optional<std::string>> String(int id, const char* name) {
    PE_ASSIGN_OR_RETURN(auto f, Get(id, name));
    if (!f) return std::optional<std::string>();
    const char* p = nullptr;
    size_t n = 0;
    if (avro_value_get_type(&*f) != AVRO_STRING) return Bad("string", &*f);
    if (avro_value_get_string(&*f, &p, &n) != 0 || n == 0) return Bad("string");
    return std::optional<std::string>(std::string(p, n - 1));  // n counts the NUL
  }
  Result<std::optional<std::string>> Bytes(int id, const char* name) {
    PE_ASSIGN_OR_RETURN(auto f, Get(id, name));
    if (!f) return std::optional<std::string>();
    const void* p = nullptr;
    size_t n = 0;
    avro_type_t t = avro_value_get_type(&*f);
    int rc = t == AVRO_BYTES   ? avro_value_get_bytes(&*f, &p, &n)
             : t == AVRO_FIXED ? avro_value_get_fixed(&*f, &p, &n)
                               : -1;
    if (rc == -1) return Bad("bytes", &*f);
    if (rc != 0) return Bad("bytes");
    return std::optional<std::string>(std::string(static_cast<const char*>(p), n));
  }
  // A required value: kCorruption when absent.
  template <typename T>
  Result<T> Require(Result<std::optional<T>> r) {
    if (!r.ok()) return r.status();
    if (!r->has_value()) {
      return Status::Corruption(where_ + ": required field " + name_ + " is missing or null");
    }
    return **r;
  }
  const std::string& name() const { return name_; }
  const std::string& where() const { return where_; }

  // A union's current branch, recursively; nullopt for null.
  Result<std::optional<avro_value_t>> Unwrap(avro_value_t f) {
    while (avro_value_get_type(&f) == AVRO_UNION) {
      avro_value_t b{};
      if (avro_value_get_current_branch(&f, &b) != 0) return Bad("union");
      f = b;
    }
    if (avro_value_get_type(&f) == AVRO_NULL) return std::optional<avro_value_t>();
    return std::optional<avro_value_t>(f);
  }

 private:
  Status Bad(const char* want, avro_value_t* v = nullptr) {
    std::string got;
    if (v) {
      avro_schema_t s = avro_value_get_schema(v);
      got = std::string(" is ") + (s ? avro_schema_type_name(s) : "?") + ", not " + want;
    } else {
      got = std::string(": ") + avro_strerror();
    }
    return Status::Corruption(where_ + ": field " + name_ + got);
  }

  avro_value_t rec_;
  const std::map<int, std::string>& names_;
  std::string where_, name_;
};

Result<ManifestFile> ReadRow(avro_value_t rec, const std::map<int, std::string>& names,
                             const std::map<int, std::string>& summary_names,
                             const std::string& where) {
  FieldReader r(rec, names, where);
  ManifestFile m;
  PE_ASSIGN_OR_RETURN(m.manifest_path, r.Require(r.String(500, "manifest_path")));
  PE_ASSIGN_OR_RETURN(m.manifest_length, r.Require(r.Long(501, "manifest_length")));
  PE_ASSIGN_OR_RETURN(m.partition_spec_id, r.Require(r.Int(502, "partition_spec_id")));
  // v1 lists have no content or sequence numbers: 0 (spec Appendix E "Reading v1 metadata").
  PE_ASSIGN_OR_RETURN(auto content, r.Int(517, "content"));
  m.content = content.value_or(0);
  PE_ASSIGN_OR_RETURN(auto seq, r.Long(515, "sequence_number"));
  m.sequence_number = seq.value_or(0);
  PE_ASSIGN_OR_RETURN(auto min_seq, r.Long(516, "min_sequence_number"));
  m.min_sequence_number = min_seq.value_or(0);
  PE_ASSIGN_OR_RETURN(m.added_snapshot_id, r.Require(r.Long(503, "added_snapshot_id")));
  PE_ASSIGN_OR_RETURN(m.added_files_count, r.Int(504, "added_files_count"));
  PE_ASSIGN_OR_RETURN(m.existing_files_count, r.Int(505, "existing_files_count"));
  PE_ASSIGN_OR_RETURN(m.deleted_files_count, r.Int(506, "deleted_files_count"));
  PE_ASSIGN_OR_RETURN(m.added_rows_count, r.Long(512, "added_rows_count"));
  PE_ASSIGN_OR_RETURN(m.existing_rows_count, r.Long(513, "existing_rows_count"));
  PE_ASSIGN_OR_RETURN(m.deleted_rows_count, r.Long(514, "deleted_rows_count"));
  PE_ASSIGN_OR_RETURN(m.key_metadata, r.Bytes(519, "key_metadata"));
  PE_ASSIGN_OR_RETURN(m.first_row_id, r.Long(520, "first_row_id"));
  PE_ASSIGN_OR_RETURN(auto parts, r.Get(507, "partitions"));
  if (parts) {
    if (avro_value_get_type(&*parts) != AVRO_ARRAY) {
      return Status::Corruption(where + ": field " + r.name() + " is not an array");
    }
    size_t n = 0;
    if (avro_value_get_size(&*parts, &n) != 0) {
      return Status::Corruption(where + ": partitions: " + avro_strerror());
    }
    m.partitions.emplace();
    for (size_t i = 0; i < n; ++i) {
      avro_value_t e{};
      if (avro_value_get_by_index(&*parts, i, &e, nullptr) != 0) {
        return Status::Corruption(where + ": partitions: " + avro_strerror());
      }
      PE_ASSIGN_OR_RETURN(auto s, r.Unwrap(e));
      if (!s || avro_value_get_type(&*s) != AVRO_RECORD) {
        return Status::Corruption(where + ": partitions[" + std::to_string(i) +
                                  "] is not a field_summary record");
      }
      FieldReader sr(*s, summary_names, where + ": partitions[" + std::to_string(i) + "]");
      FieldSummary fs;
      PE_ASSIGN_OR_RETURN(fs.contains_null, sr.Require(sr.Bool(509, "contains_null")));
      PE_ASSIGN_OR_RETURN(fs.contains_nan, sr.Bool(518, "contains_nan"));
      PE_ASSIGN_OR_RETURN(fs.lower_bound, sr.Bytes(510, "lower_bound"));
      PE_ASSIGN_OR_RETURN(fs.upper_bound, sr.Bytes(511, "upper_bound"));
      m.partitions->push_back(std::move(fs));
    }
  }
  return m;
}

// Decodes every record of an Avro container (Iceberg manifest or manifest list, `what`) with the
// file's own writer schema: `on_schema` is called once with the parsed schema, then `on_record`
// with each record and "<what> row N" for messages. Errors: kCorruption, kNotSupported (codec).
Status DecodeRecords(std::string_view bytes, const std::string& what,
                     const std::function<void(const nlohmann::json&)>& on_schema,
                     const std::function<Status(avro_value_t, const std::string&)>& on_record) {
  avro::InstallAllocator();
  auto ctx = [&](const Status& s) { return s.WithContext(what); };
  auto file = avro::ParseFile(bytes);
  if (!file.ok()) return ctx(file.status());
  const std::string& schema_text = file->meta["avro.schema"];
  nlohmann::json schema = nlohmann::json::parse(schema_text, nullptr, false);
  if (schema.is_discarded() || !schema.is_object() || schema.value("type", "") != "record") {
    return Status::Corruption(what + ": avro.schema is not a record schema");
  }
  on_schema(schema);
  avro::Value value;
  if (Status s = value.Init(schema_text, StatusCode::kCorruption); !s.ok()) return ctx(s);
  int64_t n = 0;
  for (const auto& [count, data] : file->blocks) {
    // Every manifest_file record takes at least one byte (its path's length), every
    // manifest_entry one too (its status).
    if (uint64_t(count) > data.size()) {
      return Status::Corruption(what + ": a block claims " + std::to_string(count) + " rows in " +
                                std::to_string(data.size()) + " bytes");
    }
    avro_reader_t reader = avro_reader_memory(data.data(), int64_t(data.size()));
    if (!reader) return Status::Corruption(what + ": cannot create an Avro reader");
    // No single Avro C allocation beyond what a record of this block can need: a corrupt length
    // fails as ENOMEM instead of allocating it.
    avro::AllocationCap cap((size_t(64) << 20) + 2 * data.size());
    Status st;
    for (int64_t i = 0; i < count && st.ok(); ++i, ++n) {
      const std::string where = what + " row " + std::to_string(n);
      if (avro_value_read(reader, value.get()) != 0) {
        st = Status::Corruption(where + ": " + avro_strerror());
        break;
      }
      st = on_record(*value.get(), where);
    }
    avro_reader_free(reader);
    PE_RETURN_IF_ERROR(st);
  }
  return Status::OK();
}

}  // namespace

Result<std::string> WriteManifest(const ManifestOptions& o, const std::vector<DataFile>& files,
                                  const std::string& manifest_path, ManifestFile* entry) {
  const int v = o.format_version;
  PE_RETURN_IF_ERROR(CheckVersion(v));
  if (!o.schema || !o.spec) {
    return Status::InvalidArgument("manifest " + manifest_path + ": no schema or partition spec");
  }
  if (o.spec->num_fields != 0) {
    return Status::InvalidArgument("manifest " + manifest_path + ": partition spec " +
                                   std::to_string(o.spec->spec_id) +
                                   " is partitioned; only unpartitioned tables are written");
  }
  if (o.schema->json.empty()) {
    return Status::InvalidArgument("manifest " + manifest_path + ": the schema has no JSON text");
  }
  avro::FileWriter w;
  PE_RETURN_IF_ERROR(w.Open(ManifestEntrySchema(v), "deflate"));
  int64_t rows = 0;
  for (const DataFile& f : files) {
    if (f.file_path.empty() || f.record_count < 0 || f.file_size_in_bytes < 0) {
      return Status::InvalidArgument("manifest " + manifest_path + ": data file '" + f.file_path +
                                     "' has no path or a negative count or size");
    }
    Builder b;
    avro_value_t e = *w.record();
    b.Int(b.Field(e, "status"), 1);  // ADDED
    if (v == 1) {
      b.Long(b.Field(e, "snapshot_id"), o.snapshot_id);
    } else {
      // Inherited from the manifest list (spec "Sequence Number Inheritance"), so a retried commit
      // reuses this manifest unchanged.
      b.Opt(e, "snapshot_id", false);
      b.Opt(e, "sequence_number", false);
      b.Opt(e, "file_sequence_number", false);
    }
    FillDataFile(b, b.Field(e, "data_file"), f, v);
    PE_RETURN_IF_ERROR(b.status());
    PE_RETURN_IF_ERROR(w.Append());
    rows += f.record_count;
  }
  // Key/value metadata of spec "Manifests" (schema-id, partition-spec-id and format-version are
  // optional in v1 and written anyway; content is v2+).
  std::vector<std::pair<std::string, std::string>> meta = {
      {"schema", o.schema->json},
      {"schema-id", std::to_string(o.schema->schema_id)},
      {"partition-spec", o.spec->fields_json.empty() ? "[]" : o.spec->fields_json},
      {"partition-spec-id", std::to_string(o.spec->spec_id)},
      {"format-version", std::to_string(v)},
  };
  if (v >= 2) meta.emplace_back("content", "data");
  PE_ASSIGN_OR_RETURN(std::string bytes, w.Finish(meta));
  if (entry) {
    *entry = ManifestFile();
    entry->manifest_path = manifest_path;
    entry->manifest_length = int64_t(bytes.size());
    entry->partition_spec_id = o.spec->spec_id;
    entry->content = 0;
    entry->added_snapshot_id = o.snapshot_id;
    entry->added_files_count = int32_t(files.size());
    entry->existing_files_count = 0;
    entry->deleted_files_count = 0;
    entry->added_rows_count = rows;
    entry->existing_rows_count = 0;
    entry->deleted_rows_count = 0;
    entry->partitions.emplace();  // one summary per partition field: none
  }
  return bytes;
}

Result<ManifestListResult> WriteManifestList(const ManifestListOptions& o,
                                             const std::vector<ManifestFile>& manifests) {
  const int v = o.format_version;
  PE_RETURN_IF_ERROR(CheckVersion(v));
  if (v >= 3 && !o.first_row_id) {
    return Status::InvalidArgument("a v3 manifest list needs the table's next-row-id");
  }
  avro::FileWriter w;
  PE_RETURN_IF_ERROR(w.Open(ManifestListSchema(v), "deflate"));
  ManifestListResult res;
  int64_t next_row_id = o.first_row_id.value_or(0);
  for (const ManifestFile& m : manifests) {
    const std::string where = "manifest list entry " + m.manifest_path;
    if (v == 1 && m.content != 0) {
      return Status::InvalidArgument(where + ": delete manifests cannot be in a v1 table");
    }
    if (v >= 2 && (!m.added_files_count || !m.existing_files_count || !m.deleted_files_count ||
                   !m.added_rows_count || !m.existing_rows_count || !m.deleted_rows_count)) {
      return Status::InvalidArgument(where +
                                     ": file and row counts are required from format version 2");
    }
    Builder b;
    avro_value_t r = *w.record();
    b.String(b.Field(r, "manifest_path"), m.manifest_path);
    b.Long(b.Field(r, "manifest_length"), m.manifest_length);
    b.Int(b.Field(r, "partition_spec_id"), m.partition_spec_id);
    b.Long(b.Field(r, "added_snapshot_id"), m.added_snapshot_id);
    if (v == 1) {
      b.OptInt(r, "added_files_count", m.added_files_count);
      b.OptInt(r, "existing_files_count", m.existing_files_count);
      b.OptInt(r, "deleted_files_count", m.deleted_files_count);
      b.OptLong(r, "added_rows_count", m.added_rows_count);
      b.OptLong(r, "existing_rows_count", m.existing_rows_count);
      b.OptLong(r, "deleted_rows_count", m.deleted_rows_count);
    } else {
      // Manifests this snapshot adds take its sequence number (spec "Manifest Lists": "the
      // (optimistic) sequence number of the snapshot is written for all new manifest files");
      // their entries all inherit it, so it is also their minimum.
      const bool added_here = m.added_snapshot_id == o.snapshot_id;
      b.Int(b.Field(r, "content"), m.content);
      b.Long(b.Field(r, "sequence_number"), added_here ? o.sequence_number : m.sequence_number);
      b.Long(b.Field(r, "min_sequence_number"),
             added_here ? o.sequence_number : m.min_sequence_number);
      b.Int(b.Field(r, "added_files_count"), *m.added_files_count);
      b.Int(b.Field(r, "existing_files_count"), *m.existing_files_count);
      b.Int(b.Field(r, "deleted_files_count"), *m.deleted_files_count);
      b.Long(b.Field(r, "added_rows_count"), *m.added_rows_count);
      b.Long(b.Field(r, "existing_rows_count"), *m.existing_rows_count);
      b.Long(b.Field(r, "deleted_rows_count"), *m.deleted_rows_count);
    }
    avro_value_t ps = b.Opt(r, "partitions", m.partitions.has_value());
    if (m.partitions) {
      for (const FieldSummary& s : *m.partitions) {
        avro_value_t e = b.Append(ps);
        b.Bool(b.Field(e, "contains_null"), s.contains_null);
        avro_value_t nan = b.Opt(e, "contains_nan", s.contains_nan.has_value());
        if (s.contains_nan) b.Bool(nan, *s.contains_nan);
        b.OptBytes(e, "lower_bound", s.lower_bound);
        b.OptBytes(e, "upper_bound", s.upper_bound);
      }
    }
    b.OptBytes(r, "key_metadata", m.key_metadata);
    if (v >= 3) {
      // spec "First Row ID Assignment": existing values are kept, delete manifests have none,
      // and each data manifest without one gets the next id, which then advances by its added
      // and existing rows (the files that inherit ids from it).
      std::optional<int64_t> first = m.first_row_id;
      if (!first && m.content == 0) {
        first = next_row_id;
        const int64_t span = *m.added_rows_count + *m.existing_rows_count;
        if (span < 0 || next_row_id > std::numeric_limits<int64_t>::max() - span) {
          return Status::InvalidArgument(where + ": row counts overflow the row ids");
        }
        next_row_id += span;
      }
      b.OptLong(r, "first_row_id", first);
    }
    PE_RETURN_IF_ERROR(b.status());
    PE_RETURN_IF_ERROR(w.Append());
  }
  res.added_rows = v >= 3 ? next_row_id - *o.first_row_id : 0;
  // Key/value metadata as Java's ManifestListWriter writes it (parent "null" when there is none).
  std::vector<std::pair<std::string, std::string>> meta = {
      {"snapshot-id", std::to_string(o.snapshot_id)},
      {"parent-snapshot-id",
       o.parent_snapshot_id ? std::to_string(*o.parent_snapshot_id) : std::string("null")},
  };
  if (v >= 2) meta.emplace_back("sequence-number", std::to_string(o.sequence_number));
  if (v >= 3) meta.emplace_back("first-row-id", std::to_string(*o.first_row_id));
  meta.emplace_back("format-version", std::to_string(v));
  PE_ASSIGN_OR_RETURN(res.bytes, w.Finish(meta));
  return res;
}

Result<std::vector<ManifestFile>> ReadManifestList(std::string_view bytes) {
  std::map<int, std::string> names, summary_names;
  std::vector<ManifestFile> out;
  PE_RETURN_IF_ERROR(DecodeRecords(
      bytes, "manifest list",
      [&](const nlohmann::json& schema) {
        names = NamesById(schema);
        summary_names = NamesById(ItemsRecord(schema, 507));
      },
      [&](avro_value_t rec, const std::string& where) -> Status {
        PE_ASSIGN_OR_RETURN(ManifestFile row, ReadRow(rec, names, summary_names, where));
        out.push_back(std::move(row));
        return Status::OK();
      }));
  return out;
}

Result<std::vector<ManifestEntryInfo>> ReadManifestEntries(std::string_view bytes) {
  std::map<int, std::string> names, file_names;
  std::vector<ManifestEntryInfo> out;
  PE_RETURN_IF_ERROR(DecodeRecords(
      bytes, "manifest",
      [&](const nlohmann::json& schema) {
        names = NamesById(schema);
        file_names = NamesById(FieldType(schema, 2));  // data_file
      },
      [&](avro_value_t rec, const std::string& where) -> Status {
        FieldReader r(rec, names, where);
        ManifestEntryInfo e;
        PE_ASSIGN_OR_RETURN(e.status, r.Require(r.Int(0, "status")));
        PE_ASSIGN_OR_RETURN(auto df, r.Get(2, "data_file"));
        if (!df || avro_value_get_type(&*df) != AVRO_RECORD) {
          return Status::Corruption(where + ": field " + r.name() + " is not a record");
        }
        FieldReader f(*df, file_names, where + ": data_file");
        PE_ASSIGN_OR_RETURN(e.file_path, f.Require(f.String(100, "file_path")));
        // v1 data files have no content: data (spec Appendix E "Reading v1 metadata").
        PE_ASSIGN_OR_RETURN(auto content, f.Int(134, "content"));
        e.content = content.value_or(0);
        out.push_back(std::move(e));
        return Status::OK();
      }));
  return out;
}

}  // namespace pe::iceberg
