#include "task/controller_source.h"

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/redact.h"
#include "fs/http.h"

namespace pe::task {
namespace {

using Json = nlohmann::json;

// "REALTIME" / "OFFLINE" from the name's suffix (TableNameBuilder.getTableTypeFromTableName).
Result<std::string> TableType(const std::string& t) {
  auto ends = [&](std::string_view s) {
    return t.size() > s.size() && t.compare(t.size() - s.size(), s.size(), s) == 0;
  };
  if (ends("_REALTIME")) return std::string("REALTIME");
  if (ends("_OFFLINE")) return std::string("OFFLINE");
  return Status::InvalidArgument("table '" + t +
                                 "' has no type suffix (expected <table>_REALTIME or _OFFLINE)");
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The token part of an Authorization value ("Basic abc" -> "abc"), a secret on its own.
std::string TokenPart(const std::string& h) {
  size_t sp = h.find(' ');
  return sp == std::string::npos ? h : h.substr(sp + 1);
}

class Controller {
 public:
  Controller(const ControllerSourceOptions& o, fs::HttpClient* http) : o_(o), http_(http) {
    base_ = o_.url;
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
  }

  // GET base + path + query. `body` is nullopt for 204 or an empty 200 (no entity).
  Result<std::optional<Json>> Get(const std::string& path, const std::string& query) {
    fs::HttpRequest req;
    req.url = base_ + path + (query.empty() ? "" : "?" + query);
    req.headers.emplace_back("Accept", "application/json");
    if (!o_.auth_header.empty()) req.headers.emplace_back("Authorization", o_.auth_header);
    const std::string what = "controller " + base_ + ": GET " + path;
    std::string body;
    bool too_big = false;
    req.sink = [&](const fs::HttpResponse&, std::string_view data) -> Status {
      if (body.size() + data.size() > o_.max_response_bytes) {
        too_big = true;
        return Status::Corruption("x");
      }
      body.append(data);
      return Status::OK();
    };
    auto r = http_->Send(req);
    if (too_big) {
      return Status::Corruption(Scrub(what + ": response larger than " +
                                      std::to_string(o_.max_response_bytes) + " bytes"));
    }
    if (!r.ok()) return Status::IOError(Scrub(what + ": " + r.status().message()));
    const long code = r->status;
    if (code < 200 || code > 299) return HttpError(*r, what);
    if (code == 204 || body.empty()) return std::optional<Json>();
    Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::Corruption(Scrub(what + ": response is not JSON"));
    return std::optional<Json>(std::move(j));
  }

  std::string Scrub(const std::string& s) const {
    std::vector<std::string> secrets;
    if (!o_.auth_header.empty()) {
      secrets.push_back(o_.auth_header);
      secrets.push_back(TokenPart(o_.auth_header));
    }
    return Redact(fs::OneLine(s), secrets);
  }

 private:
  // Pinot's error entity is {"code": N, "error": "..."} (ControllerApplicationException through
  // its WebApplicationExceptionMapper); anything else is quoted, bounded.
  Status HttpError(const fs::HttpResponse& r, const std::string& what) const {
    std::string text = what + ": HTTP " + std::to_string(r.status);
    Json j = Json::parse(r.body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_string()) {
      text += " " + fs::Bounded(j["error"].get<std::string>());
    } else if (!r.body.empty()) {
      text += " " + fs::Bounded(r.body);
    }
    text = Scrub(text);
    if (r.status == 401)
      return Status::InvalidArgument(text + " (check the controller credentials)");
    if (r.status == 403) return Status::InvalidArgument(text + " (not permitted)");
    if (r.status == 404) return Status::NotFound(text);
    if (r.status >= 500 || r.status == 408 || r.status == 429) return Status::IOError(text);
    return Status::InvalidArgument(text);
  }

  const ControllerSourceOptions& o_;
  fs::HttpClient* http_;
  std::string base_;
};

std::unique_ptr<fs::HttpClient> MakeClient(const ControllerSourceOptions& o) {
  if (!o.auth_header.empty()) {
    log::AddSecret(o.auth_header);
    log::AddSecret(TokenPart(o.auth_header));
  }
  fs::HttpOptions h;
  h.connect_timeout_ms = o.connect_timeout_ms;
  h.request_timeout_ms = o.timeout_ms;
  return std::make_unique<fs::HttpClient>(h);
}

std::string Seg(const std::string& table) { return PercentEncode(table); }

Status Shape(const Controller& c, const std::string& what, const std::string& why) {
  return Status::Corruption(c.Scrub(what + ": " + why));
}

// A JSON leaf as ZNRecord text (Jackson's String deserializer takes numbers and booleans as
// their text; ParseZNRecord does the same).
bool LeafText(const Json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get<std::string>();
  } else if (v.is_number() || v.is_boolean()) {
    *out = v.dump();
  } else {
    return false;
  }
  return true;
}

}  // namespace

ControllerSegmentSource::ControllerSegmentSource(ControllerSourceOptions opts)
    : opts_(std::move(opts)), http_(MakeClient(opts_)) {}

ControllerSegmentSource::~ControllerSegmentSource() = default;

Result<std::vector<SegmentRecord>> ControllerSegmentSource::ListSegments(
    const std::string& table_with_type) {
  counts_ = ExportFilterCounts();
  records_ = 0;
  PE_ASSIGN_OR_RETURN(std::string type, TableType(table_with_type));
  Controller c(opts_, http_.get());
  const std::string t = Seg(table_with_type);

  // Segment records (PinotSegmentRestletResource.getZookeeperMetadata).
  const std::string zk_path = "/segments/" + t + "/zkmetadata";
  const std::string zk_what = "controller " + opts_.url + ": GET " + zk_path;
  PE_ASSIGN_OR_RETURN(auto zk, c.Get(zk_path, "type=" + type));
  if (!zk || !zk->is_object()) return Shape(c, zk_what, "expected a JSON object of segments");
  std::vector<SegmentRecord> out;
  out.reserve(zk->size());
  // {segment: SegmentZKMetadata.toMap()} back to ZNRecords: the id is the map key (getSegmentName
  // is the record's id); a "custom.map" entry that parses as a string map (toMap writes the custom
  // map there as JSON text) becomes the "custom.map" mapField again. An entry that is not an
  // object of leaves is listed with a problem, as an unreadable znode is by ZkSegmentSource.
  for (const auto& [name, fields] : zk->items()) {
    ++records_;
    SegmentRecord rec;
    ZNRecord r;
    r.id = name;
    std::string problem;
    if (!fields.is_object()) problem = "segment ZK metadata is not a JSON object";
    for (auto it = fields.begin(); problem.empty() && it != fields.end(); ++it) {
      std::string v;
      if (it.value().is_null()) continue;  // absent, as ParseZNRecord reads a null leaf
      if (!LeafText(it.value(), &v)) {
        problem = "segment ZK metadata field '" + it.key() + "' is not a string";
        break;
      }
      if (it.key() == "custom.map") {
        Json m = Json::parse(v, nullptr, false);
        if (m.is_object()) {
          bool leaves = true;
          std::map<std::string, std::string> cm;
          for (const auto& [k, x] : m.items()) leaves = leaves && LeafText(x, &cm[k]);
          if (leaves) {
            r.map_fields["custom.map"] = std::move(cm);
            continue;
          }
        }
      }
      r.simple_fields[it.key()] = std::move(v);
    }
    if (problem.empty()) {
      auto seg = SegmentFromZk(r);
      if (seg.ok()) {
        rec = std::move(seg).value();
      } else {
        rec.problem = seg.status().message();
      }
    } else {
      rec.problem = "unreadable segment ZK metadata: " + problem;
    }
    if (rec.name.empty()) rec.name = name;
    out.push_back(std::move(rec));
  }

  // Ideal state (TableViews.getIdealState): only its mapFields are served.
  const std::string is_path = "/tables/" + t + "/idealstate";
  const std::string is_what = "controller " + opts_.url + ": GET " + is_path;
  PE_ASSIGN_OR_RETURN(auto isj, c.Get(is_path, "tableType=" + Lower(type)));
  if (!isj || !isj->is_object()) return Shape(c, is_what, "expected a JSON object");
  IdealState is;
  is.table = table_with_type;
  if (auto it = isj->find(type); it != isj->end() && !it->is_null()) {
    if (!it->is_object()) return Shape(c, is_what, type + " is not an object");
    ZNRecord r;
    r.id = table_with_type;
    for (const auto& [seg, states] : it->items()) {
      if (!states.is_object()) return Shape(c, is_what, "segment '" + seg + "' is not an object");
      auto& m = r.map_fields[seg];
      for (const auto& [inst, st] : states.items()) {
        if (!st.is_string()) return Shape(c, is_what, "state of '" + seg + "' is not a string");
        m[inst] = st.get<std::string>();
      }
    }
    PE_ASSIGN_OR_RETURN(is, IdealStateFromZk(r));
  }

  // Lineage (PinotSegmentRestletResource.listSegmentLineage), rebuilt as the ZNRecord that
  // SegmentLineage.toZNRecord writes, so ReplacedSegments applies Pinot's rule to it.
  const std::string ln_path = "/segments/" + t + "/lineage";
  const std::string ln_what = "controller " + opts_.url + ": GET " + ln_path;
  PE_ASSIGN_OR_RETURN(auto lj, c.Get(ln_path, "type=" + type));
  std::set<std::string> replaced;
  if (lj && !lj->is_null()) {
    if (!lj->is_object()) return Shape(c, ln_what, "expected a JSON object");
    ZNRecord r;
    r.id = table_with_type;
    if (auto e = lj->find("lineageEntries"); e != lj->end() && !e->is_null()) {
      if (!e->is_object()) return Shape(c, ln_what, "lineageEntries is not an object");
      for (const auto& [id, entry] : e->items()) {
        auto csv = [&](const char* key, std::string* out_csv) {
          auto f = entry.find(key);
          if (f == entry.end() || !f->is_array()) return false;
          for (const auto& s : *f) {
            if (!s.is_string()) return false;
            if (!out_csv->empty()) out_csv->push_back(',');
            *out_csv += s.get<std::string>();
          }
          return true;
        };
        std::string from, to, state, ts;
        if (!entry.is_object() || !csv("segmentsFrom", &from) || !csv("segmentsTo", &to) ||
            !entry.contains("state") || !LeafText(entry["state"], &state) ||
            !entry.contains("timestamp") || !LeafText(entry["timestamp"], &ts))
          return Shape(c, ln_what, "lineage entry '" + id + "' is malformed");
        r.list_fields[id] = {from, to, state, ts};
      }
    }
    PE_ASSIGN_OR_RETURN(replaced, ReplacedSegments(r));
  }
  return FilterForExport(std::move(out), is, replaced, &counts_);
}

Result<std::string> TableConfigJsonFromController(const ControllerSourceOptions& opts,
                                                  const std::string& table_with_type) {
  PE_ASSIGN_OR_RETURN(std::string type, TableType(table_with_type));
  auto http = MakeClient(opts);
  Controller c(opts, http.get());
  const std::string path = "/tables/" + Seg(table_with_type);
  const std::string what = "controller " + opts.url + ": GET " + path;
  // PinotTableRestletResource.listTableConfigs: {"REALTIME": config} (404 when absent).
  PE_ASSIGN_OR_RETURN(auto j, c.Get(path, "type=" + Lower(type)));
  if (!j || !j->is_object()) return Shape(c, what, "expected a JSON object");
  auto it = j->find(type);
  if (it == j->end() || !it->is_object()) return Shape(c, what, "no " + type + " table config");
  return it->dump();
}

}  // namespace pe::task
