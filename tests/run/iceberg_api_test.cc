// The task REST API of a long-running `pinot-export run` (no schedule: cycles only on demand)
// with the Iceberg target: POST /tasks/schedule drives the EMIT / WAIT / COMMIT decisions one
// cycle at a time, GET .../status shows staged segments and the last snapshot, /metrics the commit
// counters (checked against the table the catalog holds, not against the service).
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "fs/http.h"
#include "iceberg/test_catalog.h"
#include "run/run_env.h"

namespace pe::run_testing {
namespace {

constexpr int64_t kHour = 3600 * 1000;

struct Http {
  int status = 0;
  std::string body;
  nlohmann::json doc;
};

Http Call(const std::string& method, const std::string& url) {
  pe::fs::HttpClient c;
  pe::fs::HttpRequest r;
  r.method = method;
  r.url = url;
  auto resp = c.Send(r);
  Http h;
  if (!resp.ok()) {
    ADD_FAILURE() << url << ": " << resp.status().ToString();
    return h;
  }
  h.status = int(resp->status);
  h.body = resp->body;
  h.doc = nlohmann::json::parse(h.body, nullptr, false);
  return h;
}

TEST(IcebergApi, ScheduleDrivesEmitThenCommitAndStatusShowsTheSnapshot) {
  iceberg::testing::TestCatalog catalog;
  ASSERT_TRUE(catalog.Start());
  nlohmann::json schema = {
      {"type", "struct"},
      {"schema-id", 0},
      {"fields",
       {{{"id", 1}, {"name", "ts"}, {"required", true}, {"type", "long"}},
        {{"id", 2}, {"name", "event_type"}, {"required", false}, {"type", "string"}},
        {{"id", 3}, {"name", "user_id"}, {"required", false}, {"type", "long"}},
        {{"id", 4}, {"name", "country"}, {"required", false}, {"type", "string"}},
        {{"id", 5}, {"name", "device"}, {"required", false}, {"type", "string"}},
        {{"id", 6}, {"name", "is_mobile"}, {"required", false}, {"type", "boolean"}},
        {{"id", 7},
         {"name", "tags"},
         {"required", false},
         {"type",
          {{"type", "list"},
           {"element-id", 20},
           {"element", "string"},
           {"element-required", true}}}},
        {{"id", 8}, {"name", "quantity"}, {"required", false}, {"type", "int"}},
        {{"id", 9}, {"name", "amount"}, {"required", false}, {"type", "double"}},
        {{"id", 10}, {"name", "price"}, {"required", false}, {"type", "string"}},
        {{"id", 11}, {"name", "event_time"}, {"required", false}, {"type", "timestamptz"}},
        {{"id", 12}, {"name", "payload"}, {"required", false}, {"type", "string"}},
        {{"id", 13}, {"name", "session_key"}, {"required", false}, {"type", "binary"}}}}};
  catalog.CreateTable({"lake"}, "events", schema, 2);

  ExportEnv env;
  std::vector<Seg> segs;
  for (int i = 0; i < 3; ++i)
    segs.push_back({LlcName(0, i, UtcMs(2026, 11, 10) + int64_t(i) * 5 * kHour), 20 + i});
  env.Write(segs);
  env.WriteConfig({{"outputDirURI", ""},
                   {"externalTable.target", "iceberg-rest"},
                   {"catalog.iceberg-rest.restUri", catalog.uri()},
                   {"catalog.iceberg-rest.table.namespace", "lake"},
                   {"catalog.iceberg-rest.table.tableName", "events"},
                   {"iceberg.commitThreshold", "10"}});
  Child run;
  const std::string err = env.root() + "/run.err";
  ASSERT_TRUE(run.Start(env.RunArgv({"--executors", "1", "--port", "0"}), {},
                        env.root() + "/run.out", err));
  std::smatch m;
  std::string text;
  ASSERT_TRUE(WaitUntil(
      [&] {
        text = ReadText(err);
        return std::regex_search(text, m, std::regex("REST API on (http://[0-9.:]+)"));
      },
      std::chrono::seconds(60)))
      << text;
  const std::string base = m[1];
  const std::string status_url = base + "/tasks/DataExportTask/events_REALTIME/status";

  // Cycle 1: three eligible, nothing running or staged: EMIT (rule 3) — a task is created.
  Http s1 =
      Call("POST", base + "/tasks/schedule?taskType=DataExportTask&tableName=events_REALTIME");
  ASSERT_EQ(s1.status, 200) << s1.body;
  ASSERT_TRUE(s1.doc["DataExportTask"].is_string()) << s1.body;
  // Staged once its subtasks end (observed from outside: a real process).
  ASSERT_TRUE(WaitUntil(
      [&] {
        Http st = Call("GET", status_url);
        return st.doc.value("staged", -1) == 3 && st.doc.value("running", -1) == 0;
      },
      std::chrono::seconds(120)))
      << Call("GET", status_url).body << ReadText(err);
  EXPECT_EQ(catalog.Table("lake", "events")["metadata"]["snapshots"].size(), 0u);
  Http before = Call("GET", status_url);
  EXPECT_TRUE(before.doc["lastSnapshotId"].is_null()) << before.body;
  EXPECT_EQ(before.doc["exported"], 0);

  // Cycle 2: nothing eligible, nothing running, 3 staged: COMMIT (rule 5) — no task.
  Http s2 =
      Call("POST", base + "/tasks/schedule?taskType=DataExportTask&tableName=events_REALTIME");
  ASSERT_EQ(s2.status, 200) << s2.body;
  EXPECT_TRUE(s2.doc["DataExportTask"].is_null()) << s2.body;
  const nlohmann::json meta = catalog.Table("lake", "events")["metadata"];
  ASSERT_EQ(meta["snapshots"].size(), 1u);
  Http after = Call("GET", status_url);
  EXPECT_EQ(after.doc["staged"], 0) << after.body;
  EXPECT_EQ(after.doc["exported"], 3) << after.body;
  EXPECT_EQ(after.doc["lastSnapshotId"], meta["current-snapshot-id"]) << after.body;

  Http metrics = Call("GET", base + "/metrics");
  ASSERT_EQ(metrics.status, 200);
  for (const char* line : {"pinot_export_snapshots_committed_total{table=\"events_REALTIME\"} 1",
                           "pinot_export_commit_attempts_total{table=\"events_REALTIME\"} 1",
                           "pinot_export_staged_segments{table=\"events_REALTIME\"} 0",
                           "pinot_export_segments_exported_total{table=\"events_REALTIME\"} 3",
                           "pinot_export_rows_exported_total{table=\"events_REALTIME\"} 63"})
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << "\n" << metrics.body;

  run.Signal(SIGTERM);
  auto rc = run.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << ReadText(err);
  EXPECT_EQ(catalog.Violations(), nlohmann::json::array());
}

}  // namespace
}  // namespace pe::run_testing
