// The REST API of the DataExportTask service (server.h): routing, Pinot's JSON shapes, bearer
// auth, request logging and the Prometheus exposition.
#include "server/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <exception>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include "common/log.h"
#include "task/config.h"

namespace pe::server {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Pinot masks secret config values with this text (task/config.h ResolvedJson does the same).
constexpr const char* kMasked = "*****";
// Marks a request a follower forwarded to the leader (ServerOptions::leader_url).
constexpr const char* kForwardedHeader = "X-Pinot-Export-Forwarded";

// JSON text of `j`; bytes that are not UTF-8 (a segment name, a path typed by a client) become
// U+FFFD instead of throwing.
template <typename J>
std::string Dump(const J& j) {
  return j.dump(-1, ' ', false, J::error_handler_t::replace);
}

void SendJson(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

// Pinot's ControllerApplicationException entity: {"code": <HTTP status>, "error": <message>}.
void SendError(httplib::Response& res, int status, std::string_view msg) {
  ordered_json j;
  j["code"] = status;
  j["error"] = log::Scrub(msg);
  SendJson(res, status, Dump(j));
}

int HttpStatus(const Status& st) {
  switch (st.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kNotSupported:
      return 501;
    case StatusCode::kCancelled:
      return 503;
    default:
      return 500;
  }
}

void SendStatus(httplib::Response& res, const Status& st) {
  SendError(res, HttpStatus(st), st.message());
}

// Compares a presented token with the expected one in time that depends only on the expected
// token's length, so response timing does not reveal how many leading bytes matched.
bool TokenEquals(std::string_view presented, std::string_view expected) {
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const unsigned char p = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    diff |= p ^ static_cast<unsigned char>(expected[i]);
  }
  return diff == 0;
}

// The credentials of "Authorization: Bearer <token>" (RFC 6750 section 2.1; the scheme name is
// case-insensitive, RFC 7235 section 2.1); nullopt when the header is absent or another scheme.
std::optional<std::string> BearerToken(const httplib::Request& req) {
  if (!req.has_header("Authorization")) return std::nullopt;
  const std::string h = req.get_header_value("Authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (h.size() < kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return std::nullopt;
  size_t b = kScheme.size();
  while (b < h.size() && h[b] == ' ') ++b;
  size_t e = h.size();
  while (e > b && h[e - 1] == ' ') --e;
  return h.substr(b, e - b);
}

// The message of an error cpp-httplib answers by itself, before any route runs.
std::string ProtocolError(int status) {
  switch (status) {
    case 400:
      return "malformed HTTP request";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 416:
      return "unsatisfiable range";
    default:
      return "HTTP error " + std::to_string(status);
  }
}

// --- Prometheus text exposition format 0.0.4 -------------------------------------------------
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format: per family a
// "# HELP" and a "# TYPE" line, then its samples, families not interleaved; label values escape
// backslash, double quote and line feed; HELP text escapes backslash and line feed.

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, p) : "NaN";
}

struct Family {
  std::string name, type, help;
  // (table, value) samples; `suffix` extends the family name (a summary's _sum and _count).
  struct Sample {
    std::string suffix, table, value;
  };
  std::vector<Sample> samples;
};

std::string Exposition(const std::vector<Family>& families) {
  std::string out;
  for (const Family& f : families) {
    out += "# HELP " + f.name + " " + f.help + "\n";
    out += "# TYPE " + f.name + " " + f.type + "\n";
    for (const auto& s : f.samples)
      out += f.name + s.suffix + "{table=\"" + EscapeLabelValue(s.table) + "\"} " + s.value + "\n";
  }
  return out;
}

// --- routing ---------------------------------------------------------------------------------

using Params = std::vector<std::string>;  // the path's placeholder values, in order

struct Route {
  std::string method;
  std::vector<std::string> pattern;  // literal segments, "{}" for a placeholder
  std::function<void(const httplib::Request&, httplib::Response&, const Params&)> handler;
};

// "/a/b/c" -> {"a","b","c"}; empty segments are kept (so "/a//b" and "/a/" match no route).
std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> segs;
  if (path.empty() || path[0] != '/') return segs;
  size_t start = 1;
  while (true) {
    size_t slash = path.find('/', start);
    segs.push_back(path.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return segs;
}

bool Match(const Route& r, const std::vector<std::string>& segs, Params* params) {
  if (r.pattern.size() != segs.size()) return false;
  params->clear();
  for (size_t i = 0; i < segs.size(); ++i) {
    if (r.pattern[i] == "{}") {
      if (segs[i].empty()) return false;
      params->push_back(segs[i]);
    } else if (r.pattern[i] != segs[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

struct Server::Impl {
  task::Service* service;
  ServerOptions options;
  httplib::Server http;
  std::thread listener;
  std::atomic<bool> listen_returned{false};
  int port = 0;
  std::once_flag stopped;
  std::vector<Route> routes;

  Impl(task::Service* s, ServerOptions o) : service(s), options(std::move(o)) {}

  state::StateStore& store() { return service->state(); }

  // A table served by the service: the name as given, or (Pinot's TableNameBuilder habit) a raw
  // name completed with _REALTIME or _OFFLINE. kNotFound otherwise.
  Result<std::string> ResolveTable(const std::string& name) const {
    if (service->Config(name) != nullptr) return name;
    auto ends_with = [&](std::string_view suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (!ends_with("_REALTIME") && !ends_with("_OFFLINE")) {
      for (const char* suffix : {"_REALTIME", "_OFFLINE"})
        if (service->Config(name + suffix) != nullptr) return name + suffix;
    }
    return Status::NotFound("unknown table: " + name);
  }

  // 400 unless `type` is the one task type served; true when it is.
  static bool CheckTaskType(const std::string& type, httplib::Response& res) {
    if (type == task::kTaskType) return true;
    SendError(res, 400,
              "unknown task type: " + type + " (this service runs " + task::kTaskType + " only)");
    return false;
  }

  // Task name -> Helix TaskState name for `tasks`.
  Result<json> TaskStates(const std::vector<state::Task>& tasks) {
    json out = json::object();
    for (const state::Task& t : tasks) {
      PE_ASSIGN_OR_RETURN(auto subtasks, store().Subtasks(t.name));
      out[t.name] = task::TaskStateName(t, subtasks);
    }
    return out;
  }

  // --- handlers ---

  void Schedule(const httplib::Request& req, httplib::Response& res) {
    if (req.has_param("taskType") && !CheckTaskType(req.get_param_value("taskType"), res)) return;
    std::vector<std::string> tables;
    if (req.has_param("tableName")) {
      if (req.get_param_value("tableName").empty())
        return SendError(res, 400, "parameter tableName is empty");
      auto t = ResolveTable(req.get_param_value("tableName"));
      if (!t.ok()) return SendStatus(res, t.status());
      tables.push_back(*t);
    } else {
      tables = service->Tables();
    }
    // One table: its task, or its error. Every table (no tableName): as Pinot's PinotTaskManager,
    // a table whose generation fails is logged and skipped, and the names created are joined.
    std::string names;
    for (const std::string& table : tables) {
      auto report = service->ScheduleNow(table);
      if (!report.ok()) {
        if (req.has_param("tableName")) return SendStatus(res, report.status());
        log::Warn("schedule " + table + ": " + report.status().ToString());
        continue;
      }
      if (report->task.empty()) continue;
      names += (names.empty() ? "" : ",") + report->task;
    }
    // Pinot answers {"<taskType>": null} when no task was generated.
    json out;
    out[task::kTaskType] = names.empty() ? json(nullptr) : json(names);
    SendJson(res, 200, Dump(out));
  }

  void ListTasks(httplib::Response& res, const std::string& type) {
    if (!CheckTaskType(type, res)) return;
    auto tasks = store().Tasks(type);
    if (!tasks.ok()) return SendStatus(res, tasks.status());
    json out = json::array();
    for (const auto& t : *tasks) out.push_back(t.name);
    SendJson(res, 200, Dump(out));
  }

  // GET /tasks/{taskType}/state: the task queue's Helix TaskState (PinotTaskRestletResource
  // getTaskQueueState): STOPPED after PUT .../stop, IN_PROGRESS otherwise.
  void QueueState(httplib::Response& res, const std::string& type) {
    if (!CheckTaskType(type, res)) return;
    SendJson(res, 200, Dump(json(service->QueueStopped() ? "STOPPED" : "IN_PROGRESS")));
  }

  void TypeTaskStates(httplib::Response& res, const std::string& type) {
    if (!CheckTaskType(type, res)) return;
    auto tasks = store().Tasks(type);
    if (!tasks.ok()) return SendStatus(res, tasks.status());
    auto out = TaskStates(*tasks);
    if (!out.ok()) return SendStatus(res, out.status());
    SendJson(res, 200, Dump(*out));
  }

  void TableTaskStates(httplib::Response& res, const Params& p) {
    if (!CheckTaskType(p[0], res)) return;
    auto table = ResolveTable(p[1]);
    if (!table.ok()) return SendStatus(res, table.status());
    auto tasks = store().Tasks(p[0], *table);
    if (!tasks.ok()) return SendStatus(res, tasks.status());
    auto out = TaskStates(*tasks);
    if (!out.ok()) return SendStatus(res, out.status());
    SendJson(res, 200, Dump(*out));
  }

  // The table's minion task metadata as Pinot stores it in ZooKeeper and returns it: a ZNRecord
  // (id = table; simpleFields.watermarkMs as RealtimeToOfflineSegmentsTaskMetadata keeps it;
  // mapFields: one entry per COMPLETED checkpoint), or {} when the table has none yet.
  void Metadata(httplib::Response& res, const Params& p) {
    if (!CheckTaskType(p[0], res)) return;
    auto table = ResolveTable(p[1]);
    if (!table.ok()) return SendStatus(res, table.status());
    auto watermark = store().Watermark(*table);
    if (!watermark.ok()) return SendStatus(res, watermark.status());
    auto checkpoints = store().Checkpoints(*table);
    if (!checkpoints.ok()) return SendStatus(res, checkpoints.status());
    if (!watermark->has_value() && checkpoints->empty()) return SendJson(res, 200, "{}");
    ordered_json out;
    out["id"] = *table;
    out["simpleFields"] = ordered_json::object();
    if (watermark->has_value()) out["simpleFields"]["watermarkMs"] = std::to_string(**watermark);
    ordered_json map = ordered_json::object();
    for (const state::Checkpoint& c : *checkpoints) {
      ordered_json m;
      m["outputURI"] = log::Scrub(c.output_uri);
      m["rows"] = std::to_string(c.rows);
      m["bytes"] = std::to_string(c.bytes);
      m["crc"] = std::to_string(c.segment_crc);
      m["endTimeMs"] = std::to_string(c.end_time_ms);
      m["durationMs"] = std::to_string(c.duration_ms);
      m["completedMs"] = std::to_string(c.completed_ms);
      map[c.segment] = std::move(m);
    }
    out["mapFields"] = std::move(map);
    out["listFields"] = ordered_json::object();
    SendJson(res, 200, Dump(out));
  }

  void TableStatus(httplib::Response& res, const Params& p) {
    if (!CheckTaskType(p[0], res)) return;
    auto table = ResolveTable(p[1]);
    if (!table.ok()) return SendStatus(res, table.status());
    auto st = service->GetStatus(*table);
    if (!st.ok()) return SendStatus(res, st.status());
    auto opt = [](const std::optional<int64_t>& v) {
      return v ? ordered_json(*v) : ordered_json(nullptr);
    };
    ordered_json out;
    out["table"] = st->table;
    out["watermarkMs"] = opt(st->watermark_ms);
    out["lagMs"] = opt(st->lag_ms);
    out["eligible"] = st->eligible;
    out["running"] = st->running;
    out["failed"] = st->failed;
    out["exported"] = st->exported;
    out["late"] = st->late;
    out["vanished"] = st->vanished;
    if (const task::ExportConfig* c = service->Config(*table); c && c->target == "iceberg-rest") {
      out["staged"] = st->staged;
      out["lastSnapshotId"] = opt(st->last_snapshot_id);
    }
    out["lastCycleMs"] = opt(st->last_cycle_ms);
    out["lastTask"] = st->last_task;
    out["lastError"] = log::Scrub(st->last_error);
    SendJson(res, 200, Dump(out));
  }

  // Pinot returns the TaskState enum itself, which Jackson writes as a JSON string.
  void TaskState(httplib::Response& res, const std::string& name) {
    auto t = store().GetTask(name);
    if (!t.ok()) return SendStatus(res, t.status());
    if (!t->has_value()) return SendError(res, 404, "unknown task: " + name);
    auto subtasks = store().Subtasks(name);
    if (!subtasks.ok()) return SendStatus(res, subtasks.status());
    SendJson(res, 200, Dump(json(task::TaskStateName(**t, *subtasks))));
  }

  // Pinot's List<PinotTaskConfig>, one per subtask: {"taskType": ..., "configs": {...}} where
  // configs hold the task's config keys and the subtask's own keys (MinionConstants tableName,
  // segmentName, downloadURL, uploadURL). Secret values are "*****"; every other value passes the
  // scrubber, so a URI's userinfo or query never leaves.
  void TaskConfig(httplib::Response& res, const std::string& name) {
    auto t = store().GetTask(name);
    if (!t.ok()) return SendStatus(res, t.status());
    if (!t->has_value()) return SendError(res, 404, "unknown task: " + name);
    auto subtasks = store().Subtasks(name);
    if (!subtasks.ok()) return SendStatus(res, subtasks.status());
    const task::ExportConfig* cfg = service->Config((*t)->table);
    json out = json::array();
    for (const state::Subtask& s : *subtasks) {
      json configs = json::object();
      if (cfg != nullptr)
        for (const auto& [k, v] : cfg->keys)
          configs[k] = task::IsSecretKey(k) ? kMasked : log::Scrub(v);
      configs["tableName"] = s.table.empty() ? (*t)->table : s.table;
      configs["segmentName"] = s.segment;
      configs["downloadURL"] = log::Scrub(s.segment_uri);
      if (cfg != nullptr) configs["uploadURL"] = log::Scrub(cfg->OutputUri(s.segment));
      out.push_back({{"taskType", (*t)->task_type}, {"configs", std::move(configs)}});
    }
    SendJson(res, 200, Dump(out));
  }

  // Pinot's GET /tasks/subtask/{taskName}/state: subtask name -> Helix TaskPartitionState for
  // every subtask of the task. A subtask's own name is accepted too (a map of that one entry).
  void SubtaskStates(httplib::Response& res, const std::string& name) {
    auto t = store().GetTask(name);
    if (!t.ok()) return SendStatus(res, t.status());
    json out = json::object();
    if (t->has_value()) {
      auto subtasks = store().Subtasks(name);
      if (!subtasks.ok()) return SendStatus(res, subtasks.status());
      for (const auto& s : *subtasks) out[s.name] = state::SubtaskStateName(s.state);
    } else {
      auto s = store().GetSubtask(name);
      if (!s.ok()) return SendStatus(res, s.status());
      if (!s->has_value()) return SendError(res, 404, "unknown task or subtask: " + name);
      out[(*s)->name] = state::SubtaskStateName((*s)->state);
    }
    SendJson(res, 200, Dump(out));
  }

  // Pinot's SuccessResponse: {"status": "Successfully stopped tasks for task type: <type>"}.
  void StopOrResume(httplib::Response& res, const std::string& type, bool stop) {
    if (!CheckTaskType(type, res)) return;
    Status st = stop ? service->StopTasks() : service->ResumeTasks();
    if (!st.ok()) return SendStatus(res, st);
    ordered_json out;
    out["status"] = std::string("Successfully ") + (stop ? "stopped" : "resumed") +
                    " tasks for task type: " + type;
    SendJson(res, 200, Dump(out));
  }

  void Metrics(httplib::Response& res) {
    std::map<std::string, task::TableMetrics> metrics = service->Metrics();
    std::set<std::string> tables;
    for (const auto& t : service->Tables()) tables.insert(t);
    for (const auto& [t, m] : metrics) tables.insert(t);
    std::map<std::string, task::TableStatus> status;
    for (const auto& t : tables) {
      if (service->Config(t) == nullptr) continue;
      auto st = service->GetStatus(t);
      if (!st.ok()) return SendStatus(res, st.status().WithContext("status of " + t));
      status[t] = std::move(st).value();
    }
    auto i64 = [](int64_t v) { return std::to_string(v); };
    Family exported{"pinot_export_segments_exported_total", "counter",
                    "Segments exported by this process (files written; Iceberg: committed)."};
    Family rows{"pinot_export_rows_exported_total", "counter", "Rows written to the lake."};
    Family bytes{"pinot_export_bytes_exported_total", "counter",
                 "Bytes of Parquet files written to the lake."};
    Family failures{"pinot_export_subtask_failures_total", "counter",
                    "Subtasks that ended TASK_ERROR."};
    Family cycle{"pinot_export_cycle_duration_seconds", "summary", "Duration of generator cycles."};
    Family subtask{"pinot_export_subtask_duration_seconds", "summary",
                   "Duration of subtasks (fetch, convert, upload, verify)."};
    Family watermark{"pinot_export_watermark_ms", "gauge",
                     "Export watermark: every segment ending before it is exported (epoch ms)."};
    Family lag{"pinot_export_lag_seconds", "gauge", "Now minus the watermark."};
    Family running{"pinot_export_running_subtasks", "gauge", "Subtasks INIT or RUNNING."};
    Family eligible{"pinot_export_eligible_segments", "gauge",
                    "Segments eligible at the last generator cycle."};
    Family checkpointed{"pinot_export_checkpointed_segments", "gauge",
                        "Segments with a COMPLETED checkpoint in state."};
    // The Iceberg target (tables with externalTable.target = iceberg-rest only).
    Family staged{"pinot_export_staged_segments", "gauge",
                  "Iceberg: segments whose data file is written, waiting for their commit."};
    Family snapshots{"pinot_export_snapshots_committed_total", "counter",
                     "Iceberg: batches appended (or found appended) as snapshots."};
    Family commits{"pinot_export_commit_attempts_total", "counter",
                   "Iceberg: commit requests sent to the catalog."};
    Family conflicts{"pinot_export_commit_conflicts_total", "counter",
                     "Iceberg: commit requests answered 409 (retried on the new parent)."};
    Family commit_failures{"pinot_export_commit_failures_total", "counter",
                           "Iceberg: COMMIT cycles that failed (the batch stays pending)."};
    for (const auto& t : tables) {
      const task::TableMetrics m = metrics.count(t) ? metrics.at(t) : task::TableMetrics{};
      exported.samples.push_back({"", t, i64(m.segments_exported)});
      rows.samples.push_back({"", t, i64(m.rows_exported)});
      bytes.samples.push_back({"", t, i64(m.bytes_exported)});
      failures.samples.push_back({"", t, i64(m.subtask_failures)});
      cycle.samples.push_back({"_sum", t, FormatNumber(m.cycle_seconds_sum)});
      cycle.samples.push_back({"_count", t, i64(m.cycles)});
      subtask.samples.push_back({"_sum", t, FormatNumber(m.subtask_seconds_sum)});
      subtask.samples.push_back({"_count", t, i64(m.subtasks_ended)});
      auto it = status.find(t);
      if (it == status.end()) continue;
      const task::TableStatus& s = it->second;
      // No watermark yet: no sample (absent, rather than a made-up value).
      if (s.watermark_ms) watermark.samples.push_back({"", t, i64(*s.watermark_ms)});
      if (s.lag_ms) lag.samples.push_back({"", t, FormatNumber(*s.lag_ms / 1000.0)});
      running.samples.push_back({"", t, i64(s.running)});
      eligible.samples.push_back({"", t, i64(s.eligible)});
      checkpointed.samples.push_back({"", t, i64(s.exported)});
      const task::ExportConfig* c = service->Config(t);
      if (c == nullptr || c->target != "iceberg-rest") continue;
      staged.samples.push_back({"", t, i64(s.staged)});
      snapshots.samples.push_back({"", t, i64(m.snapshots_committed)});
      commits.samples.push_back({"", t, i64(m.commit_attempts)});
      conflicts.samples.push_back({"", t, i64(m.commit_conflicts)});
      commit_failures.samples.push_back({"", t, i64(m.commit_failures)});
    }
    res.status = 200;
    res.set_content(Exposition({exported, rows, bytes, failures, cycle, subtask, watermark, lag,
                                running, eligible, checkpointed, staged, snapshots, commits,
                                conflicts, commit_failures}),
                    "text/plain; version=0.0.4; charset=utf-8");
  }

  void AddRoutes() {
    auto add = [this](std::string method, std::vector<std::string> pattern, auto fn) {
      routes.push_back({std::move(method), std::move(pattern), std::move(fn)});
    };
    using Req = const httplib::Request&;
    using Res = httplib::Response&;
    add("GET", {"health"}, [this](Req, Res res, const Params&) { Health(res); });
    add("GET", {"metrics"}, [this](Req, Res res, const Params&) { Metrics(res); });
    if (!options.task_api) return;  // a worker
    add("POST", {"tasks", "schedule"},
        [this](Req req, Res res, const Params&) { Schedule(req, res); });
    add("GET", {"tasks", "tasktypes"}, [](Req, Res res, const Params&) {
      SendJson(res, 200, Dump(json::array({task::kTaskType})));
    });
    // Literal segments first: /tasks/task/... and /tasks/subtask/... are not task types.
    add("GET", {"tasks", "task", "{}", "state"},
        [this](Req, Res res, const Params& p) { TaskState(res, p[0]); });
    add("GET", {"tasks", "task", "{}", "config"},
        [this](Req, Res res, const Params& p) { TaskConfig(res, p[0]); });
    add("GET", {"tasks", "subtask", "{}", "state"},
        [this](Req, Res res, const Params& p) { SubtaskStates(res, p[0]); });
    add("GET", {"tasks", "{}", "tasks"},
        [this](Req, Res res, const Params& p) { ListTasks(res, p[0]); });
    add("GET", {"tasks", "{}", "state"},
        [this](Req, Res res, const Params& p) { QueueState(res, p[0]); });
    add("GET", {"tasks", "{}", "taskstates"},
        [this](Req, Res res, const Params& p) { TypeTaskStates(res, p[0]); });
    add("PUT", {"tasks", "{}", "stop"},
        [this](Req, Res res, const Params& p) { StopOrResume(res, p[0], true); });
    add("PUT", {"tasks", "{}", "resume"},
        [this](Req, Res res, const Params& p) { StopOrResume(res, p[0], false); });
    add("GET", {"tasks", "{}", "{}", "state"},
        [this](Req, Res res, const Params& p) { TableTaskStates(res, p); });
    add("GET", {"tasks", "{}", "{}", "taskstates"},
        [this](Req, Res res, const Params& p) { TableTaskStates(res, p); });
    add("GET", {"tasks", "{}", "{}", "metadata"},
        [this](Req, Res res, const Params& p) { Metadata(res, p); });
    add("GET", {"tasks", "{}", "{}", "status"},
        [this](Req, Res res, const Params& p) { TableStatus(res, p); });
  }

  void Health(httplib::Response& res) {
    json out = json::object();
    out["status"] = "OK";
    if (options.health) {
      const std::string extra = options.health();
      if (!extra.empty()) {
        json e = json::parse(extra, nullptr, /*allow_exceptions=*/false);
        if (e.is_object())
          for (auto it = e.begin(); it != e.end(); ++it) out[it.key()] = it.value();
      }
    }
    SendJson(res, 200, Dump(out));
  }

  // Cluster mode: a mutating call on a follower is answered by the leader (see ServerOptions).
  // Returns true when the request was forwarded (res holds the leader's answer or the error).
  bool Forward(const httplib::Request& req, httplib::Response& res) {
    if (!options.leader_url || (req.method != "POST" && req.method != "PUT")) return false;
    if (req.has_header(kForwardedHeader)) return false;  // sent by a follower: act
    auto url = options.leader_url();
    if (!url.ok()) {
      SendError(res, 503,
                "no leader to act on " + req.method + " " + req.path + ": " +
                    log::Scrub(url.status().message()));
      return true;
    }
    if (url->empty()) return false;  // this process leads
    httplib::Client cli(*url);
    cli.set_connection_timeout(5, 0);
    cli.set_read_timeout(300, 0);
    httplib::Headers headers = {{kForwardedHeader, "1"}};
    if (req.has_header("Authorization"))
      headers.emplace("Authorization", req.get_header_value("Authorization"));
    const std::string target = req.target.empty() ? req.path : req.target;
    auto r = req.method == "POST" ? cli.Post(target.c_str(), headers, "", "application/json")
                                  : cli.Put(target.c_str(), headers, "", "application/json");
    if (!r) {
      SendError(res, 502,
                "the leader " + *url + " did not answer " + req.method + " " + req.path + " (" +
                    httplib::to_string(r.error()) + ")");
      return true;
    }
    res.status = r->status;
    res.set_content(r->body, r->has_header("Content-Type")
                                 ? r->get_header_value("Content-Type").c_str()
                                 : "application/json");
    res.set_header("X-Pinot-Export-Leader", *url);
    return true;
  }

  // Every request lands here (one catch-all per method): the first route whose pattern and method
  // match runs; a path served under another method is 405, anything else 404.
  void Dispatch(const httplib::Request& req, httplib::Response& res) {
    const std::vector<std::string> segs = SplitPath(req.path);
    const std::string method = req.method == "HEAD" ? "GET" : req.method;
    if (options.task_api && Forward(req, res)) return;
    Params params;
    bool other_method = false;
    for (const Route& r : routes) {
      if (!Match(r, segs, &params)) continue;
      if (r.method == method) return r.handler(req, res, params);
      other_method = true;
    }
    if (other_method) return SendError(res, 405, req.method + " is not allowed on " + req.path);
    SendError(res, 404, "no endpoint " + req.method + " " + req.path);
  }

  // Mutating requests need the bearer token when one is configured.
  bool Authorized(const httplib::Request& req) const {
    if (options.auth_token.empty()) return true;
    if (req.method == "GET" || req.method == "HEAD") return true;
    auto token = BearerToken(req);
    return token && TokenEquals(*token, options.auth_token);
  }

  void Configure() {
    AddRoutes();
    http.set_payload_max_length(1 << 20);  // no endpoint takes a body
    // cpp-httplib's default also sets SO_REUSEPORT, which lets a second process bind the same
    // port and silently share its connections; SO_REUSEADDR alone still allows a restart while
    // old connections sit in TIME_WAIT, and a port held by a live listener is refused.
    http.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (Authorized(req)) return httplib::Server::HandlerResponse::Unhandled;
      res.set_header("WWW-Authenticate", "Bearer");
      SendError(res, 401,
                req.method + " " + req.path + " requires \"Authorization: Bearer <token>\"");
      return httplib::Server::HandlerResponse::Handled;
    });
    auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
      Dispatch(req, res);
    };
    http.Get(".*", dispatch);
    http.Post(".*", dispatch);
    http.Put(".*", dispatch);
    http.Delete(".*", dispatch);
    http.Patch(".*", dispatch);
    // Errors that cpp-httplib produces itself (malformed request, payload too large) get the same
    // JSON shape; ours already have a body.
    http.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          SendError(res, res.status, ProtocolError(res.status));
          return httplib::Server::HandlerResponse::Handled;
        }));
    http.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown error";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          log::Error("HTTP " + req.method + " " + req.path + ": " + what);
          SendError(res, 500, "internal error: " + what);
        });
    // One line per request: method, path (never the query), status.
    http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      log::Info("HTTP " + req.method + " " + req.path + " " + std::to_string(res.status));
    });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

int Server::port() const { return impl_->port; }

Result<std::unique_ptr<Server>> Server::Start(task::Service* service, ServerOptions options) {
  if (service == nullptr) return Status::InvalidArgument("server: no service");
  if (options.port < 0 || options.port > 65535)
    return Status::InvalidArgument("server: port " + std::to_string(options.port) +
                                   " is not in 0..65535");
  // The token and the tables' secret config values never reach a log line or a response.
  if (!options.auth_token.empty()) log::AddSecret(options.auth_token);
  for (const auto& table : service->Tables())
    if (const task::ExportConfig* c = service->Config(table))
      for (const auto& [k, v] : c->keys)
        if (task::IsSecretKey(k)) log::AddSecret(v);

  auto impl = std::make_unique<Impl>(service, std::move(options));
  impl->Configure();
  const std::string where = impl->options.bind + ":" + std::to_string(impl->options.port);
  if (impl->options.port == 0) {
    impl->port = impl->http.bind_to_any_port(impl->options.bind);
    if (impl->port <= 0) return Status::IOError("cannot listen on " + where);
  } else {
    if (!impl->http.bind_to_port(impl->options.bind, impl->options.port))
      return Status::IOError("cannot listen on " + where +
                             " (address in use, not local or not resolvable)");
    impl->port = impl->options.port;
  }
  Impl* raw = impl.get();
  raw->listener = std::thread([raw] {
    raw->http.listen_after_bind();
    raw->listen_returned = true;
  });
  // stop() is a no-op until the accept loop has marked the server running; wait for that so a
  // Stop() right after Start() cannot be lost (the socket already accepts connections).
  while (!raw->http.is_running() && !raw->listen_returned) std::this_thread::yield();
  log::Info("REST API listening on " + impl->options.bind + ":" + std::to_string(impl->port));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Stop() {
  if (!impl_) return;
  std::call_once(impl_->stopped, [this] {
    impl_->http.stop();
    if (impl_->listener.joinable()) impl_->listener.join();
  });
}

}  // namespace pe::server
