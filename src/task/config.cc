// DataExportTask config parsing; the keys and defaults are listed in config.h.
#include "task/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "common/file.h"
#include "task/period.h"

namespace pe::task {

namespace {

constexpr const char* kParquetPrefix = "fileFormat.parquet.";
constexpr const char* kFsPropPrefix = "output.fs.prop.";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Keys this build knows that are not fileFormat.parquet.* or output.fs.prop.*.
constexpr const char* kCatalogPrefix = "catalog.iceberg-rest.";

// catalog.iceberg-rest.<suffix> keys and the fs::Props name of the storage overrides.
constexpr std::pair<std::string_view, std::string_view> kCatalogStorageKeys[] = {
    {"s3.access-key-id", "accessKey"},
    {"s3.secret-access-key", "secretKey"},
    {"s3.session-token", "sessionToken"},
    {"s3.endpoint", "endpoint"},
    {"s3.region", "region"},
    {"s3.path-style-access", "pathStyleAccess"},
};
constexpr std::string_view kCatalogKeys[] = {
    "restUri",           "table.namespace", "table.tableName",
    "warehouse",         "token",           "credential",
    "oauth2-server-uri", "scope",           "rest.signing-region",
    "rest.signing-name",
};

bool IsKnownKey(std::string_view k) {
  static constexpr std::string_view kKeys[] = {
      "sourceTableName",         "schedule",         "fileFormat",
      "externalTable.target",    "bufferTimePeriod", "initialWatermarkMs",
      "tableMaxNumTasks",        "outputDirURI",     "output.fs.class",
      "iceberg.commitThreshold",
  };
  if (std::find(std::begin(kKeys), std::end(kKeys), k) != std::end(kKeys)) return true;
  if (StartsWith(k, kCatalogPrefix)) {
    std::string_view rest = k.substr(std::string_view(kCatalogPrefix).size());
    if (std::find(std::begin(kCatalogKeys), std::end(kCatalogKeys), rest) != std::end(kCatalogKeys))
      return true;
    for (const auto& [key, prop] : kCatalogStorageKeys)
      if (rest == key) return true;
    return false;
  }
  return StartsWith(k, kFsPropPrefix);
}

// Collects "key 'value': why" problems; the config is valid when there are none.
class Errors {
 public:
  void Add(const std::string& key, const std::string& value, const std::string& why) {
    std::string shown = IsSecretKey(key) ? "*****" : value;
    list_.push_back(key + " = '" + shown + "': " + why);
  }
  // A problem already worded "key = 'value': why" (convert::SetOption, CheckOptions).
  void AddStatus(const Status& s) { list_.push_back(s.message()); }
  void AddMissing(const std::string& key, const std::string& why) {
    list_.push_back(key + " is required: " + why);
  }
  bool empty() const { return list_.empty(); }
  Status ToStatus() const {
    std::string msg = "DataExportTask config: ";
    for (size_t i = 0; i < list_.size(); ++i) msg += (i ? "; " : "") + list_[i];
    return Status::InvalidArgument(msg);
  }

 private:
  std::vector<std::string> list_;
};

std::optional<int64_t> ParseInt(std::string_view v) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty()) return std::nullopt;
  return n;
}

// fileFormat.parquet.*: json.unknownKeysBehavior is the config's own (ExportConfig); every other
// key is parsed by convert::SetOption, the one parser shared with `convert`'s flags.
void ParseParquetKey(const std::string& key, const std::string& v, ExportConfig* c, Errors* e) {
  if (key == std::string(kParquetPrefix) + "json.unknownKeysBehavior") {
    std::string l = Lower(v);
    if (l != "warn" && l != "fail")
      e->Add(key, v, "expected warn or fail");
    else
      c->json_unknown_keys = l;
    return;
  }
  Status s = convert::SetOption(&c->parquet, key, v);
  if (s.IsNotFound())
    c->unknown_keys.push_back(key);
  else if (!s.ok())
    e->AddStatus(s);
}

}  // namespace

bool IsSecretKey(std::string_view key) {
  const std::string l = Lower(key);
  for (const char* s : {"secret", "token", "credential", "password", "accesskey", "access-key",
                        "jsonkey", "sessionkey", "delegation"})
    if (l.find(s) != std::string::npos) return true;
  return false;
}

std::string ExportConfig::OutputUri(const std::string& segment) const {
  std::string base = output_dir_uri;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + segment + ".parquet";
}

Result<ExportConfig> ParseExportConfig(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return Status::InvalidArgument("table config is not a JSON object");
  // GET /tables/{t} wraps the configs by type: {"OFFLINE": {...}, "REALTIME": {...}}; take the
  // one that carries the DataExportTask config (REALTIME first).
  if (!doc.contains("tableName")) {
    for (const char* type : {"REALTIME", "OFFLINE"}) {
      auto it = doc.find(type);
      if (it != doc.end() && it->is_object() && it->contains("task")) {
        nlohmann::json inner = *it;
        doc = std::move(inner);
        break;
      }
    }
  }
  ExportConfig c;
  if (auto it = doc.find("tableName"); it != doc.end() && it->is_string())
    c.table = it->get<std::string>();
  // Pinot's TableConfig holds the name with its type (TableNameBuilder); a hand-written file may
  // give the raw name and tableType separately.
  if (auto it = doc.find("tableType"); it != doc.end() && it->is_string() && !c.table.empty()) {
    std::string suffix = "_" + it->get<std::string>();
    if (c.table.size() <= suffix.size() ||
        c.table.compare(c.table.size() - suffix.size(), suffix.size(), suffix) != 0)
      c.table += suffix;
  }
  const nlohmann::json* map = nullptr;
  if (auto t = doc.find("task"); t != doc.end() && t->is_object())
    if (auto m = t->find("taskTypeConfigsMap"); m != t->end() && m->is_object())
      if (auto d = m->find(kTaskType); d != m->end()) map = &*d;
  if (map == nullptr)
    return Status::InvalidArgument("table config " +
                                   (c.table.empty() ? std::string("(no tableName)") : c.table) +
                                   " has no task.taskTypeConfigsMap.DataExportTask");
  if (!map->is_object())
    return Status::InvalidArgument("task.taskTypeConfigsMap.DataExportTask is not an object");

  Errors e;
  for (const auto& [key, value] : map->items()) {
    if (!value.is_string()) {
      e.Add(key, value.dump(), "values in a Pinot task config are strings");
      continue;
    }
    c.keys[key] = value.get<std::string>();
  }
  auto get = [&](const char* key) -> const std::string* {
    auto it = c.keys.find(key);
    return it == c.keys.end() ? nullptr : &it->second;
  };

  if (const std::string* v = get("sourceTableName")) {
    static constexpr std::string_view kSuffix = "_REALTIME";
    if (v->size() <= kSuffix.size() || v->substr(v->size() - kSuffix.size()) != kSuffix)
      e.Add("sourceTableName", *v, "must name a REALTIME table (<table>_REALTIME)");
    c.source_table = *v;
    if (v->size() > kSuffix.size()) c.raw_table = v->substr(0, v->size() - kSuffix.size());
  } else {
    e.AddMissing("sourceTableName", "the <table>_REALTIME whose segments are exported");
  }
  if (const std::string* v = get("schedule")) {
    auto s = CronSchedule::Parse(*v);
    if (!s.ok())
      e.Add("schedule", *v, s.status().message());
    else
      c.schedule = std::move(s).value();
  }
  if (const std::string* v = get("fileFormat"); v && Lower(*v) != "parquet")
    e.Add("fileFormat", *v, "only parquet is supported");
  if (const std::string* v = get("externalTable.target")) {
    const std::string l = Lower(*v);
    if (l != "filesystem" && l != "iceberg-rest")
      e.Add("externalTable.target", *v, "expected filesystem or iceberg-rest");
    c.target = l;
  }
  if (const std::string* v = get("bufferTimePeriod")) {
    auto ms = ParsePeriodMs(*v);
    if (!ms.ok())
      e.Add("bufferTimePeriod", *v, "expected a Pinot period such as 1d, 6h, 30m, 1h30m");
    else
      c.buffer_ms = *ms;
  }
  if (const std::string* v = get("initialWatermarkMs")) {
    auto n = ParseInt(*v);
    if (!n || *n < 0)
      e.Add("initialWatermarkMs", *v, "expected epoch milliseconds (a non-negative integer)");
    else
      c.initial_watermark_ms = *n;
  }
  if (const std::string* v = get("tableMaxNumTasks")) {
    auto n = ParseInt(*v);
    // Pinot's generators treat a non-positive cap as "no cap" (Integer.MAX_VALUE default); we
    // accept -1 for that and reject 0 (it would never export anything).
    if (!n || *n == 0 || *n < -1)
      e.Add("tableMaxNumTasks", *v, "expected a positive integer (or -1 for no cap)");
    else if (*n > 0)
      c.max_tasks = *n;
  }
  if (const std::string* v = get("outputDirURI")) c.output_dir_uri = *v;
  if (const std::string* v = get("output.fs.class")) c.output_fs_class = *v;
  for (const auto& [key, value] : c.keys) {
    if (StartsWith(key, kFsPropPrefix))
      c.output_fs_props[key.substr(std::string_view(kFsPropPrefix).size())] = value;
    else if (StartsWith(key, kParquetPrefix))
      ParseParquetKey(key, value, &c, &e);
    else if (!IsKnownKey(key))
      c.unknown_keys.push_back(key);
  }
  const bool has_precision = get("fileFormat.parquet.decimal.precision") != nullptr;
  const bool has_scale = get("fileFormat.parquet.decimal.scale") != nullptr;
  if (has_precision != has_scale)
    e.AddMissing(
        has_precision ? "fileFormat.parquet.decimal.scale" : "fileFormat.parquet.decimal.precision",
        "decimal precision and scale go together");
  else if (Status s = convert::CheckOptions(c.parquet); c.parquet.decimal_precision > 0 && !s.ok())
    e.AddStatus(s);
  if (c.target == "filesystem" && c.output_dir_uri.empty())
    e.AddMissing("outputDirURI", "where the Parquet files of externalTable.target=filesystem go");
  if (const std::string* v = get("iceberg.commitThreshold")) {
    auto n = ParseInt(*v);
    if (!n || *n < 1 || *n > 1000000)
      e.Add("iceberg.commitThreshold", *v, "expected a positive integer (at most 1000000)");
    else
      c.iceberg.commit_threshold = *n;
  }
  if (c.target == "iceberg-rest") {
    auto cat = [&](const char* suffix) {
      return get((std::string(kCatalogPrefix) + suffix).c_str());
    };
    ExportConfig::Iceberg& ice = c.iceberg;
    if (const std::string* v = cat("restUri")) {
      if (v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0)
        e.Add(std::string(kCatalogPrefix) + "restUri", *v, "expected an http:// or https:// URI");
      ice.rest_uri = *v;
    } else {
      e.AddMissing(std::string(kCatalogPrefix) + "restUri",
                   "the Iceberg REST catalog's URI (externalTable.target = iceberg-rest)");
    }
    if (const std::string* v = cat("table.namespace")) {
      std::string level;
      bool bad = v->empty();
      for (size_t i = 0; i <= v->size(); ++i) {
        if (i == v->size() || (*v)[i] == '.') {
          if (level.empty()) bad = true;
          ice.ns.push_back(level);
          level.clear();
        } else {
          level += (*v)[i];
        }
      }
      if (bad)
        e.Add(std::string(kCatalogPrefix) + "table.namespace", *v,
              "expected dot-separated non-empty levels, e.g. db or lake.events");
    } else {
      e.AddMissing(std::string(kCatalogPrefix) + "table.namespace",
                   "the Iceberg table's namespace");
    }
    if (const std::string* v = cat("table.tableName"); v && !v->empty())
      ice.table_name = *v;
    else
      e.AddMissing(std::string(kCatalogPrefix) + "table.tableName", "the Iceberg table's name");
    if (const std::string* v = cat("warehouse")) ice.warehouse = *v;
    if (const std::string* v = cat("token")) ice.token = *v;
    if (const std::string* v = cat("credential")) ice.credential = *v;
    if (const std::string* v = cat("oauth2-server-uri")) ice.oauth2_server_uri = *v;
    if (const std::string* v = cat("scope")) ice.scope = *v;
    if (const std::string* v = cat("rest.signing-region")) ice.signing_region = *v;
    if (const std::string* v = cat("rest.signing-name")) ice.signing_name = *v;
    if (!ice.token.empty() && !ice.credential.empty())
      e.Add(std::string(kCatalogPrefix) + "credential", ice.credential,
            "give either a token or a credential, not both");
    for (const auto& [key, prop] : kCatalogStorageKeys)
      if (const std::string* v = cat(std::string(key).c_str())) ice.storage[std::string(prop)] = *v;
    if (ice.storage.count("accessKey") != ice.storage.count("secretKey"))
      e.AddMissing(
          std::string(kCatalogPrefix) +
              (ice.storage.count("accessKey") ? "s3.secret-access-key" : "s3.access-key-id"),
          "S3 access key id and secret go together");
  }
  if (!e.empty()) return e.ToStatus();
  // The table whose task this is names the task's state and REST paths; a config without a
  // tableName is the source table's own.
  if (c.table.empty()) c.table = c.source_table;
  return c;
}

Result<ExportConfig> LoadExportConfig(const std::string& path) {
  PE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  auto c = ParseExportConfig(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

std::string ResolvedJson(const ExportConfig& c) {
  nlohmann::ordered_json j;
  j["tableName"] = c.table;
  j["sourceTableName"] = c.source_table;
  j["schedule"] = c.schedule ? nlohmann::ordered_json(c.schedule->expression()) : nullptr;
  j["fileFormat"] = "parquet";
  j["externalTable.target"] = c.target;
  j["bufferTimePeriod"] = FormatPeriod(c.buffer_ms);
  j["initialWatermarkMs"] =
      c.initial_watermark_ms ? nlohmann::ordered_json(*c.initial_watermark_ms) : nullptr;
  j["tableMaxNumTasks"] = c.max_tasks ? nlohmann::ordered_json(*c.max_tasks) : nullptr;
  j["outputDirURI"] = c.output_dir_uri;
  j["output.fs.class"] = c.output_fs_class;
  for (const auto& [k, v] : c.output_fs_props)
    j[std::string(kFsPropPrefix) + k] = IsSecretKey(k) ? "*****" : v;
  j["fileFormat.parquet.compressionCodec"] = parquet::CodecName(c.parquet.codec);
  j["fileFormat.parquet.rowGroupSizeBytes"] = c.parquet.row_group_bytes;
  j["fileFormat.parquet.pageSizeBytes"] = c.parquet.page_bytes;
  j["fileFormat.parquet.enableDictionary"] = c.parquet.dictionary;
  j["fileFormat.parquet.json.maxDepth"] =
      c.parquet.json_max_depth > 0 ? nlohmann::ordered_json(c.parquet.json_max_depth) : nullptr;
  if (c.parquet.decimal_precision > 0) {
    j["fileFormat.parquet.decimal.precision"] = c.parquet.decimal_precision;
    j["fileFormat.parquet.decimal.scale"] = c.parquet.decimal_scale;
  }
  j["fileFormat.parquet.json.unknownKeysBehavior"] = c.json_unknown_keys;
  if (c.target == "iceberg-rest") j["iceberg.commitThreshold"] = c.iceberg.commit_threshold;
  for (const auto& [k, v] : c.keys)
    if (!j.contains(k) && StartsWith(k, "catalog.")) j[k] = IsSecretKey(k) ? "*****" : v;
  j["unknownKeys"] = c.unknown_keys;
  return j.dump(2);
}

}  // namespace pe::task
