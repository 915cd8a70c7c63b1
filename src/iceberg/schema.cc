#include "iceberg/schema.h"

#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "iceberg/json_text.h"

namespace pe::iceberg {

namespace {

using Json = nlohmann::json;

// ---- Typed field access with one-line errors --------------------------------------------------

Status Bad(const std::string& what, const std::string& problem) {
  return Status::Corruption("table metadata: " + what + " " + problem);
}

Result<int64_t> GetLong(const Json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Bad(where + "\"" + key + "\"", "is missing");
  if (!it->is_number_integer()) return Bad(where + "\"" + key + "\"", "is not an integer");
  if (it->is_number_unsigned() &&
      it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Bad(where + "\"" + key + "\"", "is out of range");
  }
  return it->get<int64_t>();
}

Result<int> GetInt(const Json& j, const char* key, const std::string& where) {
  PE_ASSIGN_OR_RETURN(int64_t v, GetLong(j, key, where));
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    return Bad(where + "\"" + key + "\"", "is out of range for an int");
  }
  return static_cast<int>(v);
}

Result<std::optional<int64_t>> GetOptLong(const Json& j, const char* key,
                                          const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<int64_t>();
  PE_ASSIGN_OR_RETURN(int64_t v, GetLong(j, key, where));
  return std::optional<int64_t>(v);
}

Result<std::string> GetString(const Json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Bad(where + "\"" + key + "\"", "is missing");
  if (!it->is_string()) return Bad(where + "\"" + key + "\"", "is not a string");
  return it->get<std::string>();
}

Result<bool> GetBool(const Json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Bad(where + "\"" + key + "\"", "is missing");
  if (!it->is_boolean()) return Bad(where + "\"" + key + "\"", "is not a boolean");
  return it->get<bool>();
}

// A JSON object of strings (properties, snapshot summary, ...).
Result<std::map<std::string, std::string>> GetStringMap(const Json& j, const char* key,
                                                        const std::string& where) {
  std::map<std::string, std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_object()) return Bad(where + "\"" + key + "\"", "is not an object");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return Bad(where + "\"" + key + "\"." + k, "is not a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

// ---- Types (spec Appendix C "Schemas") -------------------------------------------------------

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// A non-negative decimal integer (whitespace around it allowed, Appendix C: "Readers should
// accept optional whitespace around parameters"); -1 when malformed.
int ParseParam(std::string_view s) {
  std::string t = Trim(s);
  if (t.empty() || t.size() > 9) return -1;
  int v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

Result<std::shared_ptr<const Type>> ParseType(const Json& j, const std::string& where,
                                              std::set<int>* ids, int depth);

Result<NestedField> ParseNested(const Json& type_json, int id, std::string name, bool required,
                                const std::string& where, std::set<int>* ids, int depth) {
  if (!ids->insert(id).second) {
    return Bad(where, "reuses field id " + std::to_string(id));
  }
  NestedField f;
  f.id = id;
  f.name = std::move(name);
  f.required = required;
  PE_ASSIGN_OR_RETURN(f.type, ParseType(type_json, where, ids, depth + 1));
  return f;
}

Result<std::vector<NestedField>> ParseStructFields(const Json& j, const std::string& where,
                                                   std::set<int>* ids, int depth) {
  auto it = j.find("fields");
  if (it == j.end() || !it->is_array()) return Bad(where + "\"fields\"", "is missing");
  std::vector<NestedField> out;
  std::set<std::string> names;
  for (const auto& fj : *it) {
    if (!fj.is_object()) return Bad(where + "\"fields\"", "holds a non-object");
    PE_ASSIGN_OR_RETURN(int id, GetInt(fj, "id", where + "field "));
    PE_ASSIGN_OR_RETURN(std::string name, GetString(fj, "name", where + "field "));
    std::string fwhere = where + "field \"" + name + "\" ";
    PE_ASSIGN_OR_RETURN(bool required, GetBool(fj, "required", fwhere));
    auto t = fj.find("type");
    if (t == fj.end()) return Bad(fwhere + "\"type\"", "is missing");
    if (!names.insert(name).second) return Bad(where, "has two fields named \"" + name + "\"");
    PE_ASSIGN_OR_RETURN(NestedField f,
                        ParseNested(*t, id, std::move(name), required, fwhere, ids, depth));
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::shared_ptr<const Type>> ParseType(const Json& j, const std::string& where,
                                              std::set<int>* ids, int depth) {
  // Real schemas nest a handful of levels; the bound keeps hostile input from exhausting the
  // stack (nlohmann itself parses arbitrarily deep documents).
  if (depth > 64) return Bad(where, "nests types more than 64 levels deep");
  auto t = std::make_shared<Type>();
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    static const std::pair<const char*, Type::Kind> kPrimitives[] = {
        {"boolean", Type::kBoolean},
        {"int", Type::kInt},
        {"long", Type::kLong},
        {"float", Type::kFloat},
        {"double", Type::kDouble},
        {"date", Type::kDate},
        {"time", Type::kTime},
        {"timestamp", Type::kTimestamp},
        {"timestamptz", Type::kTimestampTz},
        {"timestamp_ns", Type::kTimestampNs},
        {"timestamptz_ns", Type::kTimestampTzNs},
        {"string", Type::kString},
        {"uuid", Type::kUuid},
        {"binary", Type::kBinary},
    };
    for (const auto& [name, kind] : kPrimitives) {
      if (s == name) {
        t->kind = kind;
        return std::shared_ptr<const Type>(t);
      }
    }
    if (s.rfind("decimal(", 0) == 0 && s.back() == ')') {
      std::string_view args(s.data() + 8, s.size() - 9);
      size_t comma = args.find(',');
      int p = comma == std::string_view::npos ? -1 : ParseParam(args.substr(0, comma));
      int sc = comma == std::string_view::npos ? -1 : ParseParam(args.substr(comma + 1));
      // Precision is at most 38 (spec "Primitive Types": decimal(P,S)).
      if (p < 1 || p > 38 || sc < 0) return Bad(where, "has a malformed type \"" + s + "\"");
      t->kind = Type::kDecimal;
      t->precision = p;
      t->scale = sc;
      return std::shared_ptr<const Type>(t);
    }
    if (s.rfind("fixed[", 0) == 0 && s.back() == ']') {
      int len = ParseParam(std::string_view(s).substr(6, s.size() - 7));
      if (len < 1) return Bad(where, "has a malformed type \"" + s + "\"");
      t->kind = Type::kFixed;
      t->length = len;
      return std::shared_ptr<const Type>(t);
    }
    if (s.empty()) return Bad(where, "has an empty type");
    // variant, unknown, geometry(...), geography(...) and types of later spec versions: kept
    // by name; pinot-export never writes them (mapping.h rejects them with both types named).
    t->kind = Type::kOther;
    t->text = s;
    return std::shared_ptr<const Type>(t);
  }
  if (!j.is_object()) return Bad(where, "has a type that is neither a string nor an object");
  auto tn = j.find("type");
  if (tn == j.end() || !tn->is_string()) return Bad(where + "\"type\"", "is missing");
  std::string kind = tn->get<std::string>();
  if (kind == "struct") {
    t->kind = Type::kStruct;
    PE_ASSIGN_OR_RETURN(t->fields, ParseStructFields(j, where, ids, depth));
  } else if (kind == "list") {
    t->kind = Type::kList;
    PE_ASSIGN_OR_RETURN(int id, GetInt(j, "element-id", where));
    PE_ASSIGN_OR_RETURN(bool req, GetBool(j, "element-required", where));
    auto e = j.find("element");
    if (e == j.end()) return Bad(where + "\"element\"", "is missing");
    PE_ASSIGN_OR_RETURN(t->element, ParseNested(*e, id, "", req, where + "element ", ids, depth));
  } else if (kind == "map") {
    t->kind = Type::kMap;
    PE_ASSIGN_OR_RETURN(int kid, GetInt(j, "key-id", where));
    PE_ASSIGN_OR_RETURN(int vid, GetInt(j, "value-id", where));
    PE_ASSIGN_OR_RETURN(bool vreq, GetBool(j, "value-required", where));
    auto k = j.find("key");
    auto v = j.find("value");
    if (k == j.end()) return Bad(where + "\"key\"", "is missing");
    if (v == j.end()) return Bad(where + "\"value\"", "is missing");
    // Map keys are always required (spec "Nested Types": map keys are required).
    PE_ASSIGN_OR_RETURN(t->key, ParseNested(*k, kid, "", true, where + "key ", ids, depth));
    PE_ASSIGN_OR_RETURN(t->value, ParseNested(*v, vid, "", vreq, where + "value ", ids, depth));
  } else {
    t->kind = Type::kOther;
    t->text = j.dump();
  }
  return std::shared_ptr<const Type>(t);
}

Result<Schema> SchemaFromJson(const Json& j, std::string_view text, bool id_required) {
  if (!j.is_object()) return Bad("schema", "is not an object");
  Schema s;
  auto id = j.find("schema-id");
  if (id != j.end() && !id->is_null()) {
    PE_ASSIGN_OR_RETURN(s.schema_id, GetInt(j, "schema-id", "schema "));
  } else if (id_required) {
    return Bad("schema \"schema-id\"", "is missing");
  }
  std::string where = "schema " + std::to_string(s.schema_id) + " ";
  auto type = j.find("type");
  if (type != j.end() && (!type->is_string() || type->get<std::string>() != "struct")) {
    return Bad(where + "\"type\"", "is not \"struct\"");
  }
  std::set<int> ids;
  PE_ASSIGN_OR_RETURN(s.fields, ParseStructFields(j, where, &ids, 0));
  s.json = std::string(text);
  return s;
}

Result<Snapshot> SnapshotFromJson(const Json& j, int format_version) {
  if (!j.is_object()) return Bad("snapshot", "is not an object");
  Snapshot s;
  PE_ASSIGN_OR_RETURN(s.snapshot_id, GetLong(j, "snapshot-id", "snapshot "));
  std::string where = "snapshot " + std::to_string(s.snapshot_id) + " ";
  PE_ASSIGN_OR_RETURN(s.parent_snapshot_id, GetOptLong(j, "parent-snapshot-id", where));
  if (format_version >= 2) {
    PE_ASSIGN_OR_RETURN(s.sequence_number, GetLong(j, "sequence-number", where));
  } else {
    PE_ASSIGN_OR_RETURN(auto seq, GetOptLong(j, "sequence-number", where));
    s.sequence_number = seq.value_or(0);
  }
  PE_ASSIGN_OR_RETURN(s.timestamp_ms, GetLong(j, "timestamp-ms", where));
  // v1 snapshots may list "manifests" instead of a manifest list (spec "Snapshots"); then
  // manifest_list stays empty.
  if (format_version >= 2 || j.contains("manifest-list")) {
    PE_ASSIGN_OR_RETURN(s.manifest_list, GetString(j, "manifest-list", where));
  }
  PE_ASSIGN_OR_RETURN(s.summary, GetStringMap(j, "summary", where));
  if (format_version >= 2 && !s.summary.count("operation")) {
    return Bad(where + "\"summary\"", "has no \"operation\"");
  }
  PE_ASSIGN_OR_RETURN(auto schema_id, GetOptLong(j, "schema-id", where));
  if (schema_id) s.schema_id = static_cast<int>(*schema_id);
  if (format_version >= 3) {
    PE_ASSIGN_OR_RETURN(s.first_row_id, GetOptLong(j, "first-row-id", where));
    PE_ASSIGN_OR_RETURN(s.added_rows, GetOptLong(j, "added-rows", where));
  }
  return s;
}

std::string Join(const std::vector<NestedField>& fields) {
  std::string out;
  for (const auto& f : fields) {
    if (!out.empty()) out += ", ";
    out += f.name + ": " + TypeString(*f.type);
  }
  return out;
}

}  // namespace

std::string TypeString(const Type& t) {
  switch (t.kind) {
    case Type::kBoolean:
      return "boolean";
    case Type::kInt:
      return "int";
    case Type::kLong:
      return "long";
    case Type::kFloat:
      return "float";
    case Type::kDouble:
      return "double";
    case Type::kDecimal:
      return "decimal(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
    case Type::kDate:
      return "date";
    case Type::kTime:
      return "time";
    case Type::kTimestamp:
      return "timestamp";
    case Type::kTimestampTz:
      return "timestamptz";
    case Type::kTimestampNs:
      return "timestamp_ns";
    case Type::kTimestampTzNs:
      return "timestamptz_ns";
    case Type::kString:
      return "string";
    case Type::kUuid:
      return "uuid";
    case Type::kFixed:
      return "fixed[" + std::to_string(t.length) + "]";
    case Type::kBinary:
      return "binary";
    case Type::kStruct:
      return "struct<" + Join(t.fields) + ">";
    case Type::kList:
      return "list<" + (t.element.type ? TypeString(*t.element.type) : std::string("?")) + ">";
    case Type::kMap:
      return "map<" + (t.key.type ? TypeString(*t.key.type) : std::string("?")) + ", " +
             (t.value.type ? TypeString(*t.value.type) : std::string("?")) + ">";
    case Type::kOther:
      return t.text;
  }
  return "?";
}

const NestedField* Schema::Find(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Schema* TableMetadata::CurrentSchema() const {
  for (const auto& s : schemas) {
    if (s.schema_id == current_schema_id) return &s;
  }
  return nullptr;
}

const PartitionSpec* TableMetadata::DefaultSpec() const {
  for (const auto& s : specs) {
    if (s.spec_id == default_spec_id) return &s;
  }
  return nullptr;
}

const Snapshot* TableMetadata::FindSnapshot(int64_t id) const {
  for (const auto& s : snapshots) {
    if (s.snapshot_id == id) return &s;
  }
  return nullptr;
}

const Snapshot* TableMetadata::MainSnapshot() const {
  auto it = refs.find("main");
  return it == refs.end() ? nullptr : FindSnapshot(it->second);
}

namespace {
std::string StripSlash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}
}  // namespace

std::string TableMetadata::DataLocation() const {
  std::string p = Property("write.data.path", "");
  return p.empty() ? StripSlash(location) + "/data" : StripSlash(p);
}

std::string TableMetadata::MetadataLocation() const {
  std::string p = Property("write.metadata.path", "");
  return p.empty() ? StripSlash(location) + "/metadata" : StripSlash(p);
}

std::string TableMetadata::Property(const std::string& key, const std::string& def) const {
  auto it = properties.find(key);
  return it == properties.end() ? def : it->second;
}

Result<Schema> ParseSchema(std::string_view json) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption("table metadata: schema is not valid JSON");
  return SchemaFromJson(j, json, /*id_required=*/false);
}

Result<TableMetadata> ParseTableMetadata(std::string_view json) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption("table metadata is not valid JSON");
  if (!j.is_object()) return Status::Corruption("table metadata is not a JSON object");
  TableMetadata m;
  PE_ASSIGN_OR_RETURN(m.format_version, GetInt(j, "format-version", ""));
  if (m.format_version < 1) {
    return Bad("\"format-version\"", std::to_string(m.format_version) + " is not a version");
  }
  // "Implementations must throw an exception if a table's version is higher than the supported
  // version" (spec "Table Metadata Fields").
  if (m.format_version > 3) {
    return Status::NotSupported("table format version " + std::to_string(m.format_version) +
                                " (pinot-export writes versions 1 to 3)");
  }
  const int v = m.format_version;
  if (v >= 2 || (j.contains("table-uuid") && !j["table-uuid"].is_null())) {
    PE_ASSIGN_OR_RETURN(m.table_uuid, GetString(j, "table-uuid", ""));
  }
  PE_ASSIGN_OR_RETURN(m.location, GetString(j, "location", ""));
  if (v >= 2) {
    PE_ASSIGN_OR_RETURN(m.last_sequence_number, GetLong(j, "last-sequence-number", ""));
  }
  PE_ASSIGN_OR_RETURN(m.last_updated_ms, GetLong(j, "last-updated-ms", ""));
  PE_ASSIGN_OR_RETURN(m.last_column_id, GetInt(j, "last-column-id", ""));

  // Schemas: "schemas" + "current-schema-id" (required from v2); v1 writers may give only the
  // deprecated "schema" (Appendix C: "read schemas instead" when both are present).
  auto schemas = j.find("schemas");
  if (schemas != j.end() && !schemas->is_null()) {
    if (!schemas->is_array()) return Bad("\"schemas\"", "is not a list");
    std::vector<std::string_view> texts = JsonElements(JsonMember(json, "schemas"));
    if (texts.size() != schemas->size()) return Bad("\"schemas\"", "cannot be located");
    for (size_t i = 0; i < schemas->size(); ++i) {
      PE_ASSIGN_OR_RETURN(Schema s, SchemaFromJson((*schemas)[i], texts[i], true));
      for (const auto& o : m.schemas) {
        if (o.schema_id == s.schema_id) {
          return Bad("\"schemas\"", "has two schemas with id " + std::to_string(s.schema_id));
        }
      }
      m.schemas.push_back(std::move(s));
    }
    PE_ASSIGN_OR_RETURN(m.current_schema_id, GetInt(j, "current-schema-id", ""));
  } else if (v == 1 && j.contains("schema")) {
    PE_ASSIGN_OR_RETURN(Schema s, SchemaFromJson(j["schema"], JsonMember(json, "schema"), false));
    m.current_schema_id = s.schema_id;
    m.schemas.push_back(std::move(s));
  } else {
    return Bad("\"schemas\"", "is missing");
  }
  if (!m.CurrentSchema()) {
    return Bad("\"current-schema-id\"",
               std::to_string(m.current_schema_id) + " names no schema in \"schemas\"");
  }

  // Partition specs: "partition-specs" + "default-spec-id"; v1 may give only "partition-spec"
  // (the fields of spec 0).
  auto specs = j.find("partition-specs");
  if (specs != j.end() && !specs->is_null()) {
    if (!specs->is_array()) return Bad("\"partition-specs\"", "is not a list");
    std::vector<std::string_view> texts = JsonElements(JsonMember(json, "partition-specs"));
    if (texts.size() != specs->size()) return Bad("\"partition-specs\"", "cannot be located");
    for (size_t i = 0; i < specs->size(); ++i) {
      const Json& sj = (*specs)[i];
      if (!sj.is_object()) return Bad("\"partition-specs\"", "holds a non-object");
      PartitionSpec p;
      PE_ASSIGN_OR_RETURN(p.spec_id, GetInt(sj, "spec-id", "partition spec "));
      auto f = sj.find("fields");
      if (f == sj.end() || !f->is_array()) {
        return Bad("partition spec " + std::to_string(p.spec_id) + " \"fields\"", "is missing");
      }
      p.num_fields = static_cast<int>(f->size());
      p.fields_json = std::string(JsonMember(texts[i], "fields"));
      m.specs.push_back(std::move(p));
    }
    PE_ASSIGN_OR_RETURN(m.default_spec_id, GetInt(j, "default-spec-id", ""));
  } else if (v == 1 && j.contains("partition-spec")) {
    if (!j["partition-spec"].is_array()) return Bad("\"partition-spec\"", "is not a list");
    PartitionSpec p;
    p.num_fields = static_cast<int>(j["partition-spec"].size());
    p.fields_json = std::string(JsonMember(json, "partition-spec"));
    m.specs.push_back(std::move(p));
  } else {
    return Bad("\"partition-specs\"", "is missing");
  }
  if (!m.DefaultSpec()) {
    return Bad("\"default-spec-id\"",
               std::to_string(m.default_spec_id) + " names no spec in \"partition-specs\"");
  }

  PE_ASSIGN_OR_RETURN(m.properties, GetStringMap(j, "properties", ""));

  auto snaps = j.find("snapshots");
  if (snaps != j.end() && !snaps->is_null()) {
    if (!snaps->is_array()) return Bad("\"snapshots\"", "is not a list");
    for (const auto& sj : *snaps) {
      PE_ASSIGN_OR_RETURN(Snapshot s, SnapshotFromJson(sj, v));
      if (m.FindSnapshot(s.snapshot_id)) {
        return Bad("\"snapshots\"", "lists snapshot " + std::to_string(s.snapshot_id) + " twice");
      }
      m.snapshots.push_back(std::move(s));
    }
  }

  // refs; "There is always a main branch reference pointing to the current-snapshot-id even if
  // the refs map is null" (spec "Table Metadata Fields"). Java writes -1 for "no snapshot".
  auto refs = j.find("refs");
  if (refs != j.end() && !refs->is_null()) {
    if (!refs->is_object()) return Bad("\"refs\"", "is not an object");
    for (const auto& [name, r] : refs->items()) {
      if (!r.is_object()) return Bad("ref \"" + name + "\"", "is not an object");
      PE_ASSIGN_OR_RETURN(m.refs[name], GetLong(r, "snapshot-id", "ref \"" + name + "\" "));
    }
  }
  PE_ASSIGN_OR_RETURN(auto current, GetOptLong(j, "current-snapshot-id", ""));
  if (current && *current != -1) {
    auto main = m.refs.find("main");
    if (main == m.refs.end()) {
      m.refs["main"] = *current;
    } else if (main->second != *current) {
      return Bad("\"current-snapshot-id\"", std::to_string(*current) +
                                                " differs from the main branch's snapshot " +
                                                std::to_string(main->second));
    }
  }
  for (const auto& [name, id] : m.refs) {
    if (!m.FindSnapshot(id)) {
      return Bad("ref \"" + name + "\"", "points to snapshot " + std::to_string(id) +
                                             ", which \"snapshots\" does not list");
    }
  }

  if (v >= 3) {
    PE_ASSIGN_OR_RETURN(int64_t next, GetLong(j, "next-row-id", ""));
    m.next_row_id = next;
  }
  m.json = std::string(json);
  return m;
}

}  // namespace pe::iceberg
