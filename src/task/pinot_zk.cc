#include "task/pinot_zk.h"

#include <zlib.h>

#include <charconv>
#include <climits>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

namespace pe::task {
namespace {

using Json = nlohmann::json;

// "ZNRecord <id>" (or "ZNRecord" before the id is known): the subject of every parse error.
std::string Subject(const std::string& id) { return id.empty() ? "ZNRecord" : "ZNRecord " + id; }

// Inflates a gzip stream (one or more members, as java.util.zip.GZIPInputStream reads them) into
// at most `max_bytes`.
Result<std::string> Gunzip(std::string_view in, size_t max_bytes) {
  if (in.size() > UINT_MAX) return Status::Corruption("ZNRecord: too large");
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return Status::Corruption("ZNRecord: inflateInit failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());  // znodes are far below 4 GiB (checked by caller)
  std::string out;
  char buf[64 * 1024];
  Status st;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t got = sizeof(buf) - zs.avail_out;
    if (out.size() + got > max_bytes) {
      st = Status::Corruption("ZNRecord: gzip data inflates past " + std::to_string(max_bytes) +
                              " bytes");
      break;
    }
    out.append(buf, got);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another member follows (GZIPInputStream reads concatenated members); anything else after
      // the trailer is corruption.
      if (zs.avail_in < 2 || zs.next_in[0] != 0x1F || zs.next_in[1] != 0x8B) {
        st = Status::Corruption("ZNRecord: bytes after the gzip data");
        break;
      }
      if (inflateReset(&zs) != Z_OK) {
        st = Status::Corruption("ZNRecord: bad gzip data");
        break;
      }
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      st = Status::Corruption("ZNRecord: gzip data is truncated");
    } else {
      st = Status::Corruption("ZNRecord: bad gzip data");
    }
    break;
  }
  inflateEnd(&zs);
  if (!st.ok()) return st;
  return out;
}

// A leaf as ZNRecord's Map<String, String> deserializes it (Jackson's StringDeserializer: strings,
// and the text of numbers and booleans). Returns false for objects and arrays; null is handled
// by the callers (absent).
bool LeafText(const Json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get<std::string>();
    return true;
  }
  if (v.is_boolean()) {
    *out = v.get<bool>() ? "true" : "false";
    return true;
  }
  if (v.is_number()) {
    *out = v.dump();
    return true;
  }
  return false;
}

Status StringMap(const Json& obj, const std::string& id, const std::string& where,
                 std::map<std::string, std::string>* out) {
  if (!obj.is_object()) return Status::Corruption(Subject(id) + ": " + where + " is not an object");
  for (const auto& [k, v] : obj.items()) {
    if (v.is_null()) continue;
    std::string text;
    if (!LeafText(v, &text))
      return Status::Corruption(Subject(id) + ": " + where + "." + k + " is not a string");
    (*out)[k] = std::move(text);
  }
  return Status::OK();
}

// Jackson's string output (JsonGenerator without ESCAPE_NON_ASCII): '"' and '\\' escaped, control
// characters as \b \t \n \f \r or \u00XX (upper-case hex), everything else as is (UTF-8).
void AppendJsonString(std::string* out, const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

// Jackson DefaultPrettyPrinter: entries of an object at `depth` start on a new line indented by
// two spaces per level; an empty object is "{ }".
void Indent(std::string* out, int depth) {
  out->push_back('\n');
  out->append(static_cast<size_t>(depth) * 2, ' ');
}

template <typename Map, typename WriteValue>
void AppendObject(std::string* out, const Map& m, int depth, WriteValue write_value) {
  out->push_back('{');
  if (m.empty()) {
    out->append(" }");
    return;
  }
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out->push_back(',');
    first = false;
    Indent(out, depth + 1);
    AppendJsonString(out, k);
    out->append(" : ");
    write_value(v, depth + 1);
  }
  Indent(out, depth);
  out->push_back('}');
}

std::string Gzip(const std::string& data) {
  // GZIPOutputStream: Deflater(DEFAULT_COMPRESSION = level 6), header 1F 8B 08 00 00000000 00 FF.
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  gz_header h{};
  h.time = 0;
  h.os = 255;
  deflateSetHeader(&zs, &h);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);  // deflateBound guarantees one call suffices
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Java's Long.parseLong: an optional sign, then decimal digits only.
bool ParseLong(const std::string& s, int64_t* v) {
  std::string_view t = s;
  if (!t.empty() && t[0] == '+') t.remove_prefix(1);
  if (t.empty() || t[0] == '+') return false;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), *v);
  return ec == std::errc() && p == t.data() + t.size();
}

// ms per unit (> 0) or units per ms (< 0) for java.util.concurrent.TimeUnit names.
bool UnitToMsFactor(const std::string& unit, int64_t* factor) {
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"NANOSECONDS", -1000000}, {"MICROSECONDS", -1000}, {"MILLISECONDS", 1}, {"SECONDS", 1000},
      {"MINUTES", 60000},        {"HOURS", 3600000},      {"DAYS", 86400000}};
  for (const auto& [name, f] : kUnits) {
    if (unit == name) {
      *factor = f;
      return true;
    }
  }
  return false;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

void AddProblem(std::string* problem, const std::string& p) {
  if (!problem->empty()) problem->append("; ");
  problem->append(p);
}

}  // namespace

const std::string* ZNRecord::Simple(const std::string& key) const {
  auto it = simple_fields.find(key);
  return it == simple_fields.end() ? nullptr : &it->second;
}

Result<ZNRecord> ParseZNRecord(std::string_view bytes, size_t max_bytes) {
  // ZNRecordSerializer.deserialize reads empty data as "no record" (a parent znode).
  if (bytes.empty()) return Status::Corruption("ZNRecord: empty data");
  if (bytes.size() > max_bytes)
    return Status::Corruption("ZNRecord: " + std::to_string(bytes.size()) + " bytes exceed " +
                              std::to_string(max_bytes));
  std::string inflated;
  // GZipCompressionUtil.isCompressed: the first two bytes are GZIPInputStream.GZIP_MAGIC (LE).
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1F &&
      static_cast<unsigned char>(bytes[1]) == 0x8B) {
    PE_ASSIGN_OR_RETURN(inflated, Gunzip(bytes, max_bytes));
    bytes = inflated;
  }
  Json doc = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Corruption("ZNRecord: not valid JSON");
  if (!doc.is_object()) return Status::Corruption("ZNRecord: not a JSON object");
  ZNRecord r;
  if (auto it = doc.find("id"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return Status::Corruption("ZNRecord: id is not a string");
    r.id = it->get<std::string>();
  }
  if (auto it = doc.find("simpleFields"); it != doc.end() && !it->is_null())
    PE_RETURN_IF_ERROR(StringMap(*it, r.id, "simpleFields", &r.simple_fields));
  if (auto it = doc.find("mapFields"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return Status::Corruption(Subject(r.id) + ": mapFields is not an object");
    for (const auto& [k, v] : it->items()) {
      if (v.is_null()) continue;
      PE_RETURN_IF_ERROR(StringMap(v, r.id, "mapFields." + k, &r.map_fields[k]));
    }
  }
  if (auto it = doc.find("listFields"); it != doc.end() && !it->is_null()) {
    if (!it->is_object())
      return Status::Corruption(Subject(r.id) + ": listFields is not an object");
    for (const auto& [k, v] : it->items()) {
      if (v.is_null()) continue;
      if (!v.is_array())
        return Status::Corruption(Subject(r.id) + ": listFields." + k + " is not an array");
      std::vector<std::string>& list = r.list_fields[k];
      for (const Json& e : v) {
        std::string text;
        if (!LeafText(e, &text))
          return Status::Corruption(Subject(r.id) + ": listFields." + k +
                                    " holds a non-string item");
        list.push_back(std::move(text));
      }
    }
  }
  return r;
}

std::string SerializeZNRecord(const ZNRecord& r, bool gzip) {
  std::string out = "{";
  Indent(&out, 1);
  out.append("\"id\" : ");
  AppendJsonString(&out, r.id);
  out.push_back(',');
  Indent(&out, 1);
  out.append("\"simpleFields\" : ");
  auto string_value = [&out](const std::string& v, int) { AppendJsonString(&out, v); };
  AppendObject(&out, r.simple_fields, 1, string_value);
  out.push_back(',');
  Indent(&out, 1);
  out.append("\"mapFields\" : ");
  AppendObject(&out, r.map_fields, 1, [&](const std::map<std::string, std::string>& m, int depth) {
    AppendObject(&out, m, depth, string_value);
  });
  out.push_back(',');
  Indent(&out, 1);
  out.append("\"listFields\" : ");
  // Arrays use Jackson's inline FixedSpaceIndenter: [ "a", "b" ] and [ ].
  AppendObject(&out, r.list_fields, 1, [&out](const std::vector<std::string>& list, int) {
    out.append("[ ");
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out.append(", ");
      AppendJsonString(&out, list[i]);
    }
    out.append(list.empty() ? "]" : " ]");
  });
  Indent(&out, 0);
  out.push_back('}');
  return gzip ? Gzip(out) : out;
}

// ---- paths (HC/PropertyPathBuilder, CM/metadata/ZKMetadataProvider) ----

std::string TableConfigPath(const std::string& cluster, const std::string& table) {
  return "/" + cluster + "/PROPERTYSTORE/CONFIGS/TABLE/" + table;
}
std::string SegmentsPath(const std::string& cluster, const std::string& table) {
  return "/" + cluster + "/PROPERTYSTORE/SEGMENTS/" + table;
}
std::string SegmentPath(const std::string& cluster, const std::string& table,
                        const std::string& segment) {
  return SegmentsPath(cluster, table) + "/" + segment;
}
std::string LineagePath(const std::string& cluster, const std::string& table) {
  return "/" + cluster + "/PROPERTYSTORE/SEGMENT_LINEAGE/" + table;
}
std::string IdealStatePath(const std::string& cluster, const std::string& table) {
  return "/" + cluster + "/IDEALSTATES/" + table;
}

// ---- segment ZK metadata (CM/metadata/segment/SegmentZKMetadata, SPI CommonConstants.Segment)
// ----

Result<SegmentRecord> SegmentFromZk(const ZNRecord& r, ZkSegmentExtra* extra) {
  if (r.id.empty()) return Status::Corruption("segment ZNRecord has no id");
  SegmentRecord s;
  ZkSegmentExtra x;
  s.name = r.id;

  // Segment.Realtime.STATUS; getStatus() defaults to UPLOADED; Status.isCompleted().
  const std::string* status = r.Simple("segment.realtime.status");
  x.status = status ? *status : "UPLOADED";
  if (x.status == "DONE" || x.status == "UPLOADED") {
    s.completed = true;
  } else if (x.status == "IN_PROGRESS" || x.status == "COMMITTING") {
    s.completed = false;
  } else {
    s.completed = false;
    AddProblem(&s.problem, "segment.realtime.status '" + x.status + "' is not a Pinot status");
  }

  // Segment.START_TIME / END_TIME in TIME_UNIT (getStartTimeMs / getEndTimeMs).
  const std::string* unit = r.Simple("segment.time.unit");
  auto time_ms = [&](const char* key) -> std::optional<int64_t> {
    const std::string* text = r.Simple(key);
    if (!text) return std::nullopt;
    int64_t t = 0;
    if (!ParseLong(*text, &t)) {
      AddProblem(&s.problem, std::string(key) + " '" + *text + "' is not an integer");
      return std::nullopt;
    }
    if (t <= 0) return std::nullopt;  // old records: -1 with unit "null"
    int64_t f = 0;
    if (!unit || !UnitToMsFactor(*unit, &f)) {
      AddProblem(&s.problem, std::string(key) + " " + *text + " has " +
                                 (unit ? "unknown segment.time.unit '" + *unit + "'"
                                       : std::string("no segment.time.unit")));
      return std::nullopt;
    }
    if (f < 0) return t / -f;  // TimeUnit.toMillis truncates
    int64_t ms = 0;
    if (__builtin_mul_overflow(t, f, &ms)) {
      AddProblem(&s.problem, std::string(key) + " " + *text + " " + *unit +
                                 " does not fit in epoch milliseconds");
      return std::nullopt;
    }
    return ms;
  };
  s.start_time_ms = time_ms("segment.start.time");
  s.end_time_ms = time_ms("segment.end.time");

  auto long_field = [&](const char* key, int64_t* out) {
    const std::string* text = r.Simple(key);
    if (!text) return;
    if (!ParseLong(*text, out)) {
      *out = -1;
      AddProblem(&s.problem, std::string(key) + " '" + *text + "' is not an integer");
    }
  };
  long_field("segment.crc", &s.crc);
  long_field("segment.total.docs", &s.total_docs);
  long_field("segment.data.crc", &x.data_crc);
  long_field("segment.size.in.bytes", &x.size_bytes);
  long_field("segment.creation.time", &x.creation_time);
  if (const std::string* c = r.Simple("segment.crypter")) x.crypter = *c;

  // getDownloadUrl(): Segment.DOWNLOAD_URL, else the deprecated Offline.DOWNLOAD_URL, else
  // Realtime.DOWNLOAD_URL. "" is METADATA_URI_FOR_PEER_DOWNLOAD; "peer://" is
  // PEER_SEGMENT_DOWNLOAD_SCHEME (PinotLLCRealtimeSegmentManager.isPeerUrl, case-insensitive).
  const std::string* url = r.Simple("segment.download.url");
  if (!url) url = r.Simple("segment.offline.download.url");
  if (!url) url = r.Simple("segment.realtime.download.url");
  if (!url) {
    x.no_download_url = true;
    if (s.completed) x.note = "no download URL";
  } else if (url->empty() || StartsWithNoCase(*url, "peer://")) {
    x.peer_download_only = true;
    if (s.completed) x.note = "not in deep store (peer download only)";
  } else {
    s.download_uri = *url;
  }
  if (extra) *extra = std::move(x);
  return s;
}

// ---- IdealState (HC/model/IdealState) ----

bool IdealState::Contains(const std::string& segment) const { return segments.count(segment) > 0; }

bool IdealState::IsConsuming(const std::string& segment) const {
  auto it = segments.find(segment);
  if (it == segments.end()) return false;
  for (const auto& [instance, state] : it->second)
    if (state == "CONSUMING") return true;
  return false;
}

Result<IdealState> IdealStateFromZk(const ZNRecord& r) {
  if (const std::string* mode = r.Simple("REBALANCE_MODE"); mode && *mode != "CUSTOMIZED")
    return Status::Corruption("IdealState " + r.id + ": REBALANCE_MODE " + *mode +
                              " is not CUSTOMIZED (Pinot's)");
  IdealState is;
  is.table = r.id;
  is.segments = r.map_fields;
  return is;
}

// ---- lineage (CM/lineage/SegmentLineage, SegmentLineageUtils) ----

Result<std::set<std::string>> ReplacedSegments(const ZNRecord& lineage) {
  std::set<std::string> out;
  auto split = [&out](const std::string& csv) {  // StringUtils.split(csv, ","): no empty items
    size_t i = 0;
    while (i <= csv.size()) {
      size_t j = csv.find(',', i);
      if (j == std::string::npos) j = csv.size();
      if (j > i) out.insert(csv.substr(i, j - i));
      i = j + 1;
    }
  };
  for (const auto& [entry, v] : lineage.list_fields) {
    std::string where = "segment lineage " + lineage.id + " entry " + entry;
    if (v.size() < 4) return Status::Corruption(where + ": fewer than 4 items");
    int64_t ts = 0;
    if (!ParseLong(v[3], &ts))
      return Status::Corruption(where + ": timestamp '" + v[3] + "' is not an integer");
    const std::string& state = v[2];
    if (state == "COMPLETED") {
      split(v[0]);  // segmentsFrom were replaced
    } else if (state == "IN_PROGRESS" || state == "REVERTED") {
      split(v[1]);  // segmentsTo are not (or no longer) live
    } else {
      return Status::Corruption(where + ": unknown state '" + state + "'");
    }
  }
  return out;
}

// ---- table config (CM/utils/config/TableConfigSerDeUtils, SPI/config/table/TableConfig) ----

Result<std::string> TableConfigJsonFromZk(const ZNRecord& r) {
  const std::string subject = "table config " + (r.id.empty() ? std::string("ZNRecord") : r.id);
  if (r.id.empty()) return Status::Corruption("table config ZNRecord has no id");
  nlohmann::ordered_json j;
  j["tableName"] = r.id;
  const std::string* type = r.Simple("tableType");
  if (!type) return Status::Corruption(subject + ": tableType is missing");
  j["tableType"] = *type;
  if (const std::string* d = r.Simple("description")) j["description"] = *d;
  for (const char* key : {"isDimTable", "isMaterializedView"}) {
    if (const std::string* b = r.Simple(key)) {
      std::string lower = *b;
      for (char& c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      j[key] = lower == "true";  // Boolean.parseBoolean
    }
  }
  // JSON-text keys in TableConfig's order; the first five are mandatory.
  static const char* const kJsonKeys[] = {"segmentsConfig",
                                          "tenants",
                                          "tableIndexConfig",
                                          "metadata",
                                          "quota",
                                          "task",
                                          "routing",
                                          "query",
                                          "instanceAssignmentConfigMap",
                                          "fieldConfigList",
                                          "upsertConfig",
                                          "dedupConfig",
                                          "dimensionTableConfig",
                                          "ingestionConfig",
                                          "tierConfigs",
                                          "tunerConfigs",
                                          "instancePartitionsMap",
                                          "segmentAssignmentConfigMap",
                                          "tableSamplers",
                                          "tags"};
  for (size_t i = 0; i < std::size(kJsonKeys); ++i) {
    const char* key = kJsonKeys[i];
    const std::string* text = r.Simple(key);
    if (!text) {
      if (i < 4) return Status::Corruption(subject + ": " + key + " is missing");
      continue;
    }
    auto v = nlohmann::ordered_json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (v.is_discarded()) return Status::Corruption(subject + ": " + key + " is not valid JSON");
    j[key] = std::move(v);
  }
  return j.dump(2);
}

// ---- BaseTaskGenerator.getNonConsumingSegmentsZKMetadataForRealtimeTable ----

std::vector<SegmentRecord> FilterForExport(std::vector<SegmentRecord> from_zk, const IdealState& is,
                                           const std::set<std::string>& replaced,
                                           ExportFilterCounts* counts) {
  ExportFilterCounts c;
  std::vector<SegmentRecord> kept;
  kept.reserve(from_zk.size());
  for (SegmentRecord& s : from_zk) {
    if (!is.Contains(s.name)) {
      ++c.not_in_ideal_state;
    } else if (is.IsConsuming(s.name)) {
      ++c.consuming;
    } else if (replaced.count(s.name)) {
      ++c.replaced;
    } else {
      ++c.kept;
      kept.push_back(std::move(s));
    }
  }
  if (counts) *counts = c;
  return kept;
}

}  // namespace pe::task
