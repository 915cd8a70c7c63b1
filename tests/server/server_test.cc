// The REST API over real HTTP on loopback, against a real Service on a real SQLite state file and
// a deep store of segments written by `pinot-export sample --demo`. Expected shapes and values come
// from Pinot's PinotTaskRestletResource (URLs, JSON shapes, ControllerApplicationException's
// {"code","error"}), the exposition format (prom_check.h), the segments' own metadata as
// `pinot-export inspect` prints it, and the files found in the output directory.
#include "server/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/file.h"
#include "common/redact.h"
#include "prom_check.h"
#include "state/state.h"
#include "task/config.h"
#include "task/service.h"
#include "testing/testing.h"

namespace pe::server {
namespace {

using nlohmann::json;
namespace fsys = std::filesystem;

constexpr const char* kTable = "events_REALTIME";
// A second served table whose name needs escaping in a Prometheus label value (and has no
// segments: its deep-store folder does not exist).
constexpr const char* kOddTable = "odd\"na\\me_REALTIME";
// Secret config values: never in a response.
constexpr const char* kSecret = "S3cr3t-Value-0f9e8d7c";
constexpr const char* kAccessKey = "AKIAEXAMPLE0123456789";
constexpr const char* kToken = "tok-7f3a9c2e1b";

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  json doc;  // parsed body (discarded when not JSON)
};

struct Segment {
  std::string name;
  int rows = 0;
  int64_t end_ms = 0;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Make("pe-server");
    ASSERT_TRUE(d.ok());
    tmp_ = std::make_unique<TempDir>(std::move(d).value());
    deep_ = tmp_->path() + "/deep";
    lake_ = tmp_->path() + "/lake";
    fsys::create_directories(deep_ + "/events");
    fsys::create_directories(lake_);
    // Three segments of different sizes; `sample --demo` spaces rows a second apart, so they end
    // at different times. The end times are read back with `inspect`, not assumed.
    const std::vector<std::pair<std::string, int>> specs = {{"events__0__0__20260101T0000Z", 10},
                                                            {"events__1__0__20260101T0000Z", 20},
                                                            {"events__0__1__20260101T0100Z", 30}};
    for (const auto& [name, rows] : specs) {
      const std::string path = deep_ + "/events/" + name;
      auto r =
          pe::testing::RunCli({"sample", "--demo", "--rows", std::to_string(rows), "--out", path});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      auto info = pe::testing::RunCli({"inspect", path, "--json"});
      ASSERT_EQ(info.exit_code, 0) << info.err;
      json j = json::parse(info.out);
      ASSERT_EQ(j["name"], name);
      segments_.push_back({name, rows, j["endTimeMs"].get<int64_t>()});
    }
    std::sort(segments_.begin(), segments_.end(),
              [](const Segment& a, const Segment& b) { return a.end_ms < b.end_ms; });
    // Every segment is past the 1h buffer.
    now_ms_ = segments_.back().end_ms + 2 * 3600 * 1000;

    auto store = state::OpenSqliteStore(tmp_->path() + "/state.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    std::vector<task::ExportConfig> configs;
    for (const auto& [table, source, out] :
         {std::tuple<std::string, std::string, std::string>{kTable, kTable, lake_},
          {kOddTable, "other_REALTIME", lake_ + "/other"}}) {
      json tc = {{"tableName", table},
                 {"tableType", "REALTIME"},
                 {"task",
                  {{"taskTypeConfigsMap",
                    {{"DataExportTask",
                      {{"sourceTableName", source},
                       {"outputDirURI", out},
                       {"bufferTimePeriod", "1h"},
                       {"fileFormat.parquet.compressionCodec", "ZSTD"},
                       {"output.fs.prop.secretKey", kSecret},
                       {"output.fs.prop.accessKey", kAccessKey}}}}}}}};
      auto c = task::ParseExportConfig(tc.dump());
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      configs.push_back(std::move(c).value());
    }
    task::ServiceOptions opts;
    opts.deep_store = deep_;
    opts.executors = 1;
    opts.scratch_dir = tmp_->path() + "/scratch";
    opts.worker_id = "server-test";
    opts.clock = [this] { return now_ms_; };
    auto svc = task::Service::Create(std::move(configs), store_.get(), std::move(opts));
    ASSERT_TRUE(svc.ok()) << svc.status().ToString();
    service_ = std::move(svc).value();
    StartServer("");
  }

  void StartServer(const std::string& token) {
    server_.reset();
    ServerOptions o;
    o.auth_token = token;
    auto s = Server::Start(service_.get(), o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    ASSERT_GT(server_->port(), 0);
  }

  static Reply ToReply(const httplib::Result& r) {
    Reply out;
    if (!r) {
      ADD_FAILURE() << "HTTP request failed: " << httplib::to_string(r.error());
      return out;
    }
    out.status = r->status;
    out.body = r->body;
    out.content_type = r->get_header_value("Content-Type");
    out.doc = json::parse(out.body, nullptr, false);
    return out;
  }

  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_keep_alive(false);
    return c;
  }

  Reply Get(const std::string& path, const httplib::Headers& h = {}) {
    auto c = Client();
    return ToReply(c.Get(path, h));
  }
  Reply Post(const std::string& path, const httplib::Headers& h = {}) {
    auto c = Client();
    return ToReply(c.Post(path, h, "", "text/plain"));
  }
  Reply Put(const std::string& path, const httplib::Headers& h = {}) {
    auto c = Client();
    return ToReply(c.Put(path, h, "", "text/plain"));
  }

  // Pinot's error entity: {"code": <the HTTP status>, "error": "<one line>"}.
  static void ExpectError(const Reply& r, int status, const std::string& path) {
    SCOPED_TRACE(path);
    EXPECT_EQ(r.status, status) << r.body;
    ASSERT_TRUE(r.doc.is_object()) << r.body;
    EXPECT_EQ(r.doc.size(), 2u) << r.body;
    EXPECT_EQ(r.doc["code"], status);
    ASSERT_TRUE(r.doc["error"].is_string());
    EXPECT_EQ(r.doc["error"].get<std::string>().find('\n'), std::string::npos);
    EXPECT_NE(r.content_type.find("application/json"), std::string::npos);
  }

  std::string Schedule() {
    Reply r = Post(std::string("/tasks/schedule?taskType=DataExportTask&tableName=") + kTable);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.doc.is_object() && r.doc.size() == 1 && r.doc.contains("DataExportTask"))
        << r.body;
    return r.doc["DataExportTask"].is_string() ? r.doc["DataExportTask"].get<std::string>() : "";
  }

  std::unique_ptr<TempDir> tmp_;
  std::string deep_, lake_;
  std::vector<Segment> segments_;
  int64_t now_ms_ = 0;
  std::unique_ptr<state::StateStore> store_;
  std::unique_ptr<task::Service> service_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, HealthUnknownRoutesAndMethods) {
  Reply r = Get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.doc, json({{"status", "OK"}}));
  ExpectError(Get("/nope"), 404, "/nope");
  ExpectError(Get("/tasks/DataExportTask/events_REALTIME/nope"), 404, "nope");
  ExpectError(Get("/health/"), 404, "/health/");
  ExpectError(Post("/health"), 405, "POST /health");
  ExpectError(Get("/tasks/schedule"), 405, "GET /tasks/schedule");
  ExpectError(Get("/tasks/DataExportTask/stop"), 405, "GET stop");
}

TEST_F(ServerTest, ScheduleThenTaskAndSubtaskStatesThroughCompletion) {
  EXPECT_EQ(Get("/tasks/tasktypes").doc, json::array({"DataExportTask"}));
  // Nothing yet: empty list and map (Pinot's Set<String> and Map<String, TaskState>).
  EXPECT_EQ(Get("/tasks/DataExportTask/tasks").doc, json::array());
  EXPECT_EQ(Get("/tasks/DataExportTask/taskstates").doc, json::object());

  // The raw table name works as well as the name with type.
  Reply r = Post("/tasks/schedule?taskType=DataExportTask&tableName=events");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.doc.is_object() && r.doc.size() == 1) << r.body;
  const std::string task = r.doc["DataExportTask"].get<std::string>();
  // Task_<taskType>_<uuid>_<millis>, as Pinot names tasks.
  EXPECT_TRUE(std::regex_match(
      task, std::regex("Task_DataExportTask_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                       "[0-9a-f]{12}_[0-9]+")))
      << task;

  EXPECT_EQ(Get("/tasks/DataExportTask/tasks").doc, json::array({task}));
  const json not_started = {{task, "NOT_STARTED"}};
  EXPECT_EQ(Get("/tasks/DataExportTask/taskstates").doc, not_started);
  EXPECT_EQ(Get("/tasks/DataExportTask/events_REALTIME/state").doc, not_started);
  EXPECT_EQ(Get("/tasks/DataExportTask/events_REALTIME/taskstates").doc, not_started);
  EXPECT_EQ(Get("/tasks/DataExportTask/events/taskstates").doc, not_started);
  EXPECT_EQ(Get(std::string("/tasks/DataExportTask/") + PercentEncode(kOddTable) + "/state").doc,
            json::object());
  // Pinot returns the TaskState enum, a JSON string.
  r = Get("/tasks/task/" + task + "/state");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.doc, json("NOT_STARTED"));
  // One subtask per segment, named <task>_<i>, INIT before an executor claims it.
  const json all_init = {{task + "_0", "INIT"}, {task + "_1", "INIT"}, {task + "_2", "INIT"}};
  EXPECT_EQ(Get("/tasks/subtask/" + task + "/state").doc, all_init);
  EXPECT_EQ(Get("/tasks/subtask/" + task + "_1/state").doc, json({{task + "_1", "INIT"}}));

  // The segments are in a task that has not ended: nothing more to schedule, Pinot's null.
  r = Post(std::string("/tasks/schedule?taskType=DataExportTask&tableName=") + kTable);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.doc, json({{"DataExportTask", nullptr}}));

  ASSERT_TRUE(service_->Start().ok());
  service_->WaitIdle(kTable);

  EXPECT_EQ(Get("/tasks/task/" + task + "/state").doc, json("COMPLETED"));
  EXPECT_EQ(Get("/tasks/DataExportTask/events_REALTIME/state").doc, json({{task, "COMPLETED"}}));
  EXPECT_EQ(
      Get("/tasks/subtask/" + task + "/state").doc,
      json({{task + "_0", "COMPLETED"}, {task + "_1", "COMPLETED"}, {task + "_2", "COMPLETED"}}));

  // A cycle after the export: nothing eligible, the watermark passes the last end time.
  EXPECT_EQ(Schedule(), "");

  // Status: camelCase fields of the table's status.
  r = Get("/tasks/DataExportTask/events_REALTIME/status");
  ASSERT_EQ(r.status, 200) << r.body;
  const int64_t watermark = segments_.back().end_ms + 1;  // one past the latest end time
  const json want_status = {{"table", kTable},
                            {"watermarkMs", watermark},
                            {"lagMs", now_ms_ - watermark},
                            {"eligible", 0},
                            {"running", 0},
                            {"failed", 0},
                            {"exported", 3},
                            {"late", 0},
                            {"vanished", 0},
                            {"lastCycleMs", now_ms_},
                            {"lastTask", task},
                            {"lastError", ""}};
  EXPECT_EQ(r.doc, want_status);

  // Metadata: Pinot's ZNRecord (id, simpleFields.watermarkMs, mapFields per checkpoint).
  r = Get("/tasks/DataExportTask/events_REALTIME/metadata");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.doc["id"], kTable);
  EXPECT_EQ(r.doc["simpleFields"], json({{"watermarkMs", std::to_string(watermark)}}));
  EXPECT_EQ(r.doc["listFields"], json::object());
  ASSERT_EQ(r.doc["mapFields"].size(), 3u) << r.body;
  for (const Segment& s : segments_) {
    SCOPED_TRACE(s.name);
    const json& m = r.doc["mapFields"][s.name];
    EXPECT_EQ(m["outputURI"], lake_ + "/" + s.name + ".parquet");
    EXPECT_EQ(m["rows"], std::to_string(s.rows));
    EXPECT_EQ(m["bytes"], std::to_string(fsys::file_size(lake_ + "/" + s.name + ".parquet")));
    EXPECT_EQ(m["endTimeMs"], std::to_string(s.end_ms));
  }
  // A served table without metadata yet: Pinot's empty object.
  r = Get(std::string("/tasks/DataExportTask/") + PercentEncode(kOddTable) + "/metadata");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.doc, json::object());
}

TEST_F(ServerTest, TaskConfigListsSubtasksWithSecretsMasked) {
  const std::string task = Schedule();
  ASSERT_FALSE(task.empty());
  Reply r = Get("/tasks/task/" + task + "/config");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find(kSecret), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find(kAccessKey), std::string::npos) << r.body;
  // Pinot's List<PinotTaskConfig>: one per subtask, in subtask order (segments by end time).
  ASSERT_TRUE(r.doc.is_array()) << r.body;
  ASSERT_EQ(r.doc.size(), segments_.size());
  for (size_t i = 0; i < segments_.size(); ++i) {
    SCOPED_TRACE(i);
    const json& e = r.doc[i];
    EXPECT_EQ(e.size(), 2u);
    EXPECT_EQ(e["taskType"], "DataExportTask");
    const json& c = e["configs"];
    EXPECT_EQ(c["tableName"], kTable);
    EXPECT_EQ(c["segmentName"], segments_[i].name);
    EXPECT_EQ(c["downloadURL"], deep_ + "/events/" + segments_[i].name);
    EXPECT_EQ(c["uploadURL"], lake_ + "/" + segments_[i].name + ".parquet");
    // The task's own config keys, as given, secrets masked.
    EXPECT_EQ(c["sourceTableName"], kTable);
    EXPECT_EQ(c["bufferTimePeriod"], "1h");
    EXPECT_EQ(c["fileFormat.parquet.compressionCodec"], "ZSTD");
    EXPECT_EQ(c["output.fs.prop.secretKey"], "*****");
    EXPECT_EQ(c["output.fs.prop.accessKey"], "*****");
  }
}

TEST_F(ServerTest, StopAndResume) {
  const std::string task = Schedule();
  ASSERT_FALSE(task.empty());
  Reply r = Put("/tasks/DataExportTask/stop");
  EXPECT_EQ(r.status, 200) << r.body;
  // Pinot's SuccessResponse.
  EXPECT_EQ(r.doc, json({{"status", "Successfully stopped tasks for task type: DataExportTask"}}));
  EXPECT_EQ(Get("/tasks/task/" + task + "/state").doc, json("STOPPED"));
  EXPECT_EQ(Get("/tasks/DataExportTask/state").doc, json("STOPPED"));  // the queue
  r = Put("/tasks/DataExportTask/resume");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.doc, json({{"status", "Successfully resumed tasks for task type: DataExportTask"}}));
  EXPECT_EQ(Get("/tasks/task/" + task + "/state").doc, json("NOT_STARTED"));
  EXPECT_EQ(Get("/tasks/DataExportTask/state").doc, json("IN_PROGRESS"));
  ExpectError(Get("/tasks/MergeRollupTask/state"), 400, "queue state of another type");
}

TEST_F(ServerTest, ScheduleEveryTableWithoutTableName) {
  // No tableName: every served table; the odd table has no segments, so one task name.
  Reply r = Post("/tasks/schedule?taskType=DataExportTask");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.doc["DataExportTask"].is_string()) << r.body;
  const std::string task = r.doc["DataExportTask"];
  EXPECT_EQ(Get("/tasks/DataExportTask/tasks").doc, json::array({task}));
  // Neither taskType nor tableName: every task type (only ours) of every table.
  r = Post("/tasks/schedule");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.doc, json({{"DataExportTask", nullptr}}));
}

TEST_F(ServerTest, BadInput) {
  // Unknown table: 404 on every table endpoint.
  ExpectError(Post("/tasks/schedule?taskType=DataExportTask&tableName=nosuch_REALTIME"), 404,
              "schedule nosuch");
  for (const char* suffix : {"state", "taskstates", "metadata", "status"})
    ExpectError(Get(std::string("/tasks/DataExportTask/nosuch_REALTIME/") + suffix), 404, suffix);
  // A task type other than DataExportTask: 400.
  ExpectError(Post("/tasks/schedule?taskType=MergeRollupTask&tableName=events_REALTIME"), 400,
              "schedule MergeRollupTask");
  ExpectError(Get("/tasks/MergeRollupTask/tasks"), 400, "tasks");
  ExpectError(Get("/tasks/MergeRollupTask/taskstates"), 400, "taskstates");
  ExpectError(Get("/tasks/MergeRollupTask/events_REALTIME/state"), 400, "table state");
  ExpectError(Get("/tasks/MergeRollupTask/events_REALTIME/metadata"), 400, "metadata");
  ExpectError(Get("/tasks/MergeRollupTask/events_REALTIME/status"), 400, "status");
  ExpectError(Put("/tasks/MergeRollupTask/stop"), 400, "stop");
  ExpectError(Put("/tasks/MergeRollupTask/resume"), 400, "resume");
  // Empty parameters: 400.
  ExpectError(Post("/tasks/schedule?taskType=DataExportTask&tableName="), 400, "empty tableName");
  ExpectError(Post("/tasks/schedule?taskType=&tableName=events_REALTIME"), 400, "empty taskType");
  // Unknown task and subtask: 404.
  const std::string ghost = "Task_DataExportTask_00000000-0000-4000-8000-000000000000_1";
  ExpectError(Get("/tasks/task/" + ghost + "/state"), 404, "task state");
  ExpectError(Get("/tasks/task/" + ghost + "/config"), 404, "task config");
  ExpectError(Get("/tasks/subtask/" + ghost + "_0/state"), 404, "subtask state");
  // A secret typed into a URL does not come back in the error.
  Reply r = Get(std::string("/tasks/DataExportTask/") + kSecret + "/status");
  ExpectError(r, 404, "secret in path");
  EXPECT_EQ(r.body.find(kSecret), std::string::npos) << r.body;
  r = Post(std::string("/tasks/schedule?tableName=") + kAccessKey);
  ExpectError(r, 404, "secret in query");
  EXPECT_EQ(r.body.find(kAccessKey), std::string::npos) << r.body;
}

TEST_F(ServerTest, BearerTokenGuardsMutatingEndpoints) {
  StartServer(kToken);
  const std::string schedule =
      std::string("/tasks/schedule?taskType=DataExportTask&tableName=") + kTable;
  auto bearer = [](const std::string& t) {
    return httplib::Headers{{"Authorization", "Bearer " + t}};
  };
  ExpectError(Post(schedule), 401, "no token");
  ExpectError(Post(schedule, bearer("wrong")), 401, "wrong token");
  ExpectError(Post(schedule, bearer(std::string(kToken) + "x")), 401, "longer token");
  ExpectError(Post(schedule, bearer(std::string(kToken).substr(1))), 401, "shorter token");
  ExpectError(Post(schedule, {{"Authorization", std::string("Basic ") + kToken}}), 401, "basic");
  ExpectError(Put("/tasks/DataExportTask/stop"), 401, "stop without token");
  // Nothing was scheduled by the refused requests.
  EXPECT_EQ(Get("/tasks/DataExportTask/tasks").doc, json::array());
  // The right token (the scheme name is case-insensitive).
  Reply r = Post(schedule, bearer(kToken));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.doc["DataExportTask"].is_string()) << r.body;
  r = Put("/tasks/DataExportTask/stop", {{"Authorization", std::string("bearer ") + kToken}});
  EXPECT_EQ(r.status, 200) << r.body;
  // GETs stay open.
  EXPECT_EQ(Get("/tasks/DataExportTask/tasks").status, 200);
  EXPECT_EQ(Get("/health").status, 200);
  EXPECT_EQ(Get("/metrics").status, 200);
  // A 401 body does not echo the presented token.
  r = Post(schedule, bearer("Wr0ng-T0ken-Value"));
  EXPECT_EQ(r.body.find("Wr0ng-T0ken-Value"), std::string::npos);
}

TEST_F(ServerTest, MetricsAreValidPrometheusText) {
  const std::string task = Schedule();
  ASSERT_FALSE(task.empty());
  ASSERT_TRUE(service_->Start().ok());
  service_->WaitIdle(kTable);
  EXPECT_EQ(Schedule(), "");  // moves the watermark past every exported segment

  Reply r = Get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain; version=0.0.4", 0), 0u) << r.content_type;
  prom::Exposition e;
  ASSERT_EQ(prom::Check(r.body, &e), "") << r.body;

  std::map<std::pair<std::string, std::string>, double> v;  // (name, table) -> value
  for (const auto& s : e.samples) {
    ASSERT_EQ(s.labels.size(), 1u) << s.name;
    v[{s.name, s.labels.at("table")}] = s.value;
  }
  auto val = [&](const std::string& name, const std::string& table) {
    auto it = v.find({name, table});
    EXPECT_NE(it, v.end()) << name << "{table=" << table << "}";
    return it == v.end() ? -1.0 : it->second;
  };
  const std::map<std::string, std::string> want_types = {
      {"pinot_export_segments_exported_total", "counter"},
      {"pinot_export_rows_exported_total", "counter"},
      {"pinot_export_bytes_exported_total", "counter"},
      {"pinot_export_subtask_failures_total", "counter"},
      {"pinot_export_watermark_ms", "gauge"},
      {"pinot_export_lag_seconds", "gauge"},
      {"pinot_export_running_subtasks", "gauge"},
      {"pinot_export_cycle_duration_seconds", "summary"},
      {"pinot_export_subtask_duration_seconds", "summary"}};
  for (const auto& [name, type] : want_types) {
    EXPECT_EQ(e.types[name], type) << name;
    EXPECT_FALSE(e.helps[name].empty()) << name;
  }
  int64_t rows = 0, bytes = 0;
  for (const Segment& s : segments_) {
    rows += s.rows;
    bytes += int64_t(fsys::file_size(lake_ + "/" + s.name + ".parquet"));
  }
  const int64_t watermark = segments_.back().end_ms + 1;
  EXPECT_EQ(val("pinot_export_segments_exported_total", kTable), 3);
  EXPECT_EQ(val("pinot_export_rows_exported_total", kTable), rows);
  EXPECT_EQ(val("pinot_export_bytes_exported_total", kTable), bytes);
  EXPECT_EQ(val("pinot_export_subtask_failures_total", kTable), 0);
  EXPECT_EQ(val("pinot_export_watermark_ms", kTable), watermark);
  EXPECT_DOUBLE_EQ(val("pinot_export_lag_seconds", kTable), (now_ms_ - watermark) / 1000.0);
  EXPECT_EQ(val("pinot_export_running_subtasks", kTable), 0);
  EXPECT_EQ(val("pinot_export_subtask_duration_seconds_count", kTable), 3);
  EXPECT_EQ(val("pinot_export_cycle_duration_seconds_count", kTable), 2);
  EXPECT_GE(val("pinot_export_cycle_duration_seconds_sum", kTable), 0);
  // The table whose name needs escaping reads back unescaped.
  EXPECT_EQ(val("pinot_export_segments_exported_total", kOddTable), 0);
  EXPECT_EQ(val("pinot_export_running_subtasks", kOddTable), 0);
}

TEST_F(ServerTest, BindErrorsNameTheAddress) {
  ServerOptions o;
  o.port = server_->port();  // taken by the fixture's server
  auto s = Server::Start(service_.get(), o);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsIOError()) << s.status().ToString();
  EXPECT_NE(s.status().message().find("127.0.0.1:" + std::to_string(o.port)), std::string::npos)
      << s.status().ToString();
  o.bind = "192.0.2.1";  // TEST-NET-1 (RFC 5737): never a local address
  o.port = 0;
  s = Server::Start(service_.get(), o);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsIOError()) << s.status().ToString();
  EXPECT_NE(s.status().message().find("192.0.2.1:0"), std::string::npos) << s.status().ToString();
  // The fixture's server still answers; Stop() is idempotent.
  EXPECT_EQ(Get("/health").status, 200);
  server_->Stop();
  server_->Stop();
}

}  // namespace
}  // namespace pe::server

namespace pe::server {
namespace {

// Cluster mode: a follower generator answers reads itself and forwards POST/PUT to the leader
// (same method, path, query and bearer token), returning the leader's answer; with no leader it
// answers 503, with an unreachable leader 502. A worker serves only /health and /metrics.
TEST_F(ServerTest, FollowerForwardsMutatingCallsToTheLeader) {
  StartServer(kToken);  // the leader: this fixture's server, with a token
  const int leader_port = server_->port();
  const std::string leader_url = "http://127.0.0.1:" + std::to_string(leader_port);
  Result<std::string> leader = leader_url;
  ServerOptions fo;
  fo.auth_token = kToken;
  fo.leader_url = [&leader]() { return leader; };
  fo.health = [] { return std::string(R"({"role":"generator","leader":false})"); };
  auto follower = Server::Start(service_.get(), fo);
  ASSERT_TRUE(follower.ok()) << follower.status().ToString();
  httplib::Client c("127.0.0.1", (*follower)->port());
  c.set_keep_alive(false);
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};

  Reply h = ToReply(c.Get("/health"));
  EXPECT_EQ(h.doc, json({{"status", "OK"}, {"role", "generator"}, {"leader", false}}));
  // The token is checked by the follower too, then forwarded with the request.
  ExpectError(ToReply(c.Post("/tasks/schedule?taskType=DataExportTask", "", "text/plain")), 401,
              "follower without token");
  auto r = c.Post(std::string("/tasks/schedule?taskType=DataExportTask&tableName=") + kTable, auth,
                  "", "text/plain");
  Reply rep = ToReply(r);
  ASSERT_EQ(rep.status, 200) << rep.body;
  EXPECT_EQ(r->get_header_value("X-Pinot-Export-Leader"), leader_url);
  ASSERT_TRUE(rep.doc["DataExportTask"].is_string()) << rep.body;
  // The leader made the task: it is in the (shared) state.
  const std::string task = rep.doc["DataExportTask"];
  EXPECT_TRUE(store_->GetTask(task)->has_value());
  // A bad query is answered by the leader as it would answer it.
  ExpectError(ToReply(c.Put("/tasks/OtherTask/stop", auth, "", "text/plain")), 400, "bad type");
  // Reads are the follower's own.
  Reply states = ToReply(c.Get(std::string("/tasks/DataExportTask/") + kTable + "/taskstates"));
  EXPECT_EQ(states.status, 200);
  EXPECT_TRUE(states.doc.contains(task)) << states.body;

  leader = Status::NotFound("no generator is elected");
  ExpectError(ToReply(c.Put("/tasks/DataExportTask/stop", auth, "", "text/plain")), 503,
              "no leader");
  leader = std::string("http://127.0.0.1:1");
  ExpectError(ToReply(c.Put("/tasks/DataExportTask/stop", auth, "", "text/plain")), 502,
              "unreachable leader");
  EXPECT_FALSE(service_->QueueStopped());  // nothing acted locally
}

TEST_F(ServerTest, WorkerServesOnlyHealthAndMetrics) {
  ServerOptions wo;
  wo.task_api = false;
  auto worker = Server::Start(service_.get(), wo);
  ASSERT_TRUE(worker.ok());
  httplib::Client c("127.0.0.1", (*worker)->port());
  c.set_keep_alive(false);
  EXPECT_EQ(ToReply(c.Get("/health")).status, 200);
  Reply m = ToReply(c.Get("/metrics"));
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("pinot_export_segments_exported_total"), std::string::npos);
  ExpectError(ToReply(c.Get("/tasks/tasktypes")), 404, "worker tasktypes");
  ExpectError(ToReply(c.Post("/tasks/schedule?taskType=DataExportTask", "", "text/plain")), 404,
              "worker schedule");
}

}  // namespace
}  // namespace pe::server
