// `pinot-export run --controller URL --table` end to end: the Pinot controller test double
// (tests/e2e/pinot_controller.mjs, Pinot's REST protocol and BasicAuth) serving the table config,
// ideal state and segment metadata as Pinot keeps them (ZNRecord files, task/pinot_zk.h) and
// answers them, pointing at segments written by `sample`.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/file.h"
#include "fs/http.h"
#include "fs/node_server.h"
#include "run/run_env.h"
#include "task/pinot_zk.h"

namespace pe::run_testing {
namespace {

// Pinot's BasicAuthAccessControlFactory header for pinot:s3cr3t-password.
constexpr char kSecret[] = "cGlub3Q6czNjcjN0LXBhc3N3b3Jk";
const std::string kAuth = std::string("Basic ") + kSecret;

class ControllerRun : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(segment_dir());
    PutTableConfig();
    PutIdealState();
    ASSERT_TRUE(WriteFileAtomic(auth_file(), kAuth + "\n").ok());
    ASSERT_TRUE(server_.Start("pinot_controller.mjs",
                              {"--table-config", table_record(), "--idealstate", ideal_record(),
                               "--segment-dir", segment_dir(), "--auth", kAuth}))
        << server_.error();
  }
  std::string dir() const { return env_.root() + "/controller"; }
  std::string segment_dir() const { return dir() + "/segments"; }
  std::string table_record() const { return dir() + "/table_config.json"; }
  std::string ideal_record() const { return dir() + "/idealstate.json"; }
  std::string auth_file() const { return env_.root() + "/controller.auth"; }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

  void Put(const std::string& path, const task::ZNRecord& r) {
    auto s = WriteFileAtomic(path, task::SerializeZNRecord(r));
    ASSERT_TRUE(s.ok()) << path << ": " << s.ToString();
  }
  // The table config record as TableConfigSerDeUtils.toZNRecord stores it (sections as JSON text);
  // the double answers GET /tables/{t} with its fromZNRecord reading.
  void PutTableConfig() {
    task::ZNRecord r;
    r.id = kTable;
    nlohmann::json keys = {
        {"sourceTableName", kTable}, {"outputDirURI", env_.out_dir()}, {"bufferTimePeriod", "1d"}};
    nlohmann::json task = {{"taskTypeConfigsMap", {{"DataExportTask", keys}}}};
    r.simple_fields = {{"tableName", kTable},
                       {"tableType", "REALTIME"},
                       {"segmentsConfig", R"({"timeColumnName":"ts","replication":"2"})"},
                       {"tenants", R"({"broker":"DefaultTenant","server":"DefaultTenant"})"},
                       {"tableIndexConfig", R"({"loadMode":"MMAP"})"},
                       {"metadata", R"({"customConfigs":{}})"},
                       {"task", task.dump()}};
    Put(table_record(), r);
  }
  void PutIdealState() {
    task::ZNRecord is;
    is.id = kTable;
    is.simple_fields = {{"REBALANCE_MODE", "CUSTOMIZED"},
                        {"STATE_MODEL_DEF_REF", "SegmentOnlineOfflineStateModel"}};
    for (const auto& [seg, st] : ideal_) is.map_fields[seg] = {{"Server_1_8098", st}};
    Put(ideal_record(), is);
  }
  // A segment's ZK metadata as SegmentZKMetadataUtils writes it at commit; the times are those
  // `sample --demo` gives the segment (run_env.h). The controller serves it from the next request
  // on.
  void PutSegment(const Seg& s, const std::string& status, bool in_deep_store) {
    task::ZNRecord r;
    r.id = s.name;
    const int64_t c = LlcCreationMs(s.name);
    r.simple_fields = {{"segment.realtime.status", status},
                       {"segment.start.time", std::to_string(c - int64_t(s.rows) * 1000)},
                       {"segment.end.time", std::to_string(c - 1000)},
                       {"segment.time.unit", "MILLISECONDS"},
                       {"segment.total.docs", std::to_string(s.rows)}};
    if (status == "DONE" || status == "UPLOADED")
      r.simple_fields["segment.download.url"] =
          in_deep_store ? env_.table_dir() + "/" + s.name : "";
    Put(segment_dir() + "/" + s.name + ".json", r);
    ideal_[s.name] = status == "IN_PROGRESS" ? "CONSUMING" : "ONLINE";
    PutIdealState();
  }
  RunResult RunOnce(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {pe::testing::CliBinary(),
                                     "run",
                                     "--once",
                                     "--controller",
                                     Url(),
                                     "--table",
                                     kTable,
                                     "--state",
                                     env_.state(),
                                     "--executors",
                                     "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return pe::testing::Run(argv);
  }
  RunResult RunOnceWithAuth() { return RunOnce({"--controller-auth-file", auth_file()}); }
  // The double's admin calls (never authenticated).
  nlohmann::json Admin(const std::string& method, const std::string& path,
                       const std::string& body = "") {
    fs::HttpClient c;
    fs::HttpRequest r;
    r.method = method;
    r.url = Url() + path;
    r.body = body;
    auto resp = c.Send(r);
    EXPECT_TRUE(resp.ok() && resp->status == 200) << path;
    return resp.ok() ? nlohmann::json::parse(resp->body, nullptr, false) : nlohmann::json();
  }
  // The double's request log: [{method, path, query, authorization, status}].
  nlohmann::json RequestLog() { return Admin("GET", "/__admin/log"); }
  // A failed run's stderr: one line, without the credentials.
  static void ExpectOneCleanLine(const RunResult& r) {
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_EQ(r.err.find(kSecret), std::string::npos) << r.err;
    EXPECT_EQ((r.out + r.err).find(kSecret), std::string::npos) << r.out;
  }

  ExportEnv env_;
  std::map<std::string, std::string> ideal_;
  fs::testing::NodeServer server_;
};

TEST_F(ControllerRun, ExportsWhatTheControllerSaysIsCompleted) {
  const int64_t day = 86400000;
  const int64_t base = (NowMs() / 60000) * 60000 - 3 * day;
  std::vector<Seg> segs;
  for (int i = 0; i < 5; ++i) segs.push_back({LlcName(i, 0, base + i * 60000), 40 + i});
  env_.Write(segs);
  PutSegment(segs[0], "DONE", true);
  PutSegment(segs[1], "UPLOADED", true);
  PutSegment(segs[2], "IN_PROGRESS", false);
  PutSegment(segs[3], "DONE", false);  // committed to peer download only: not in deep store
  PutSegment(segs[4], "COMMITTING", false);

  auto r = RunOnceWithAuth();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(CheckpointedSegments(env_.state()),
            (std::vector<std::string>{segs[0].name, segs[1].name}));
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env_.out_dir()), {segs[0], segs[1]}), 0);
  // The table config and the three metadata reads, each with the header from the file (its
  // trailing newline dropped), each answered.
  std::set<std::string> paths;
  for (const auto& e : RequestLog()) {
    paths.insert(e["path"].get<std::string>());
    EXPECT_EQ(e["authorization"], kAuth) << e.dump();
    EXPECT_TRUE(e["status"] == 200 || e["status"] == 204) << e.dump();
  }
  EXPECT_EQ(paths,
            (std::set<std::string>{"/tables/events_REALTIME", "/tables/events_REALTIME/idealstate",
                                   "/segments/events_REALTIME/zkmetadata",
                                   "/segments/events_REALTIME/lineage"}));

  // Between runs the consuming segment commits and the committing one finishes: both are picked
  // up; the peer-download-only one still is not.
  PutSegment(segs[2], "DONE", true);
  PutSegment(segs[4], "DONE", true);
  r = RunOnceWithAuth();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(CheckpointedSegments(env_.state()),
            (std::vector<std::string>{segs[0].name, segs[1].name, segs[2].name, segs[4].name}));
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env_.out_dir()),
                                  {segs[0], segs[1], segs[2], segs[4]}),
            0);
}

TEST_F(ControllerRun, CredentialsUnreachableControllerAndZkAreOneLineErrors) {
  // No header: the controller's 401, naming the endpoint (the table config is read first).
  auto r = RunOnce();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/tables/events_REALTIME"), std::string::npos) << r.err;
  ExpectOneCleanLine(r);
  // A wrong secret in the file: refused, and that secret is not quoted either.
  const std::string wrong = "d3Jvbmc6d3Jvbmctc2VjcmV0";  // wrong:wrong-secret
  const std::string wrong_file = env_.root() + "/wrong.auth";
  ASSERT_TRUE(WriteFileAtomic(wrong_file, "Basic " + wrong + "\n").ok());
  r = RunOnce({"--controller-auth-file", wrong_file});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find(wrong), std::string::npos) << r.err;
  ExpectOneCleanLine(r);
  for (const auto& e : RequestLog()) EXPECT_EQ(e["status"], 401) << e.dump();
  EXPECT_TRUE(CheckpointedSegments(env_.state()).empty());

  // The controller failing once the config is read (a 503 on the segment metadata): the cycle's
  // error names the URL and endpoint, and the run fails.
  Admin("POST", "/__admin/faults",
        R"({"faults":[{"mode":"status","status":503,"path":"zkmetadata"}]})");
  r = RunOnceWithAuth();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(Url() + ": GET /segments/events_REALTIME/zkmetadata: HTTP 503"),
            std::string::npos)
      << r.err;
  EXPECT_EQ((r.out + r.err).find(kSecret), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(CheckpointedSegments(env_.state()).empty());

  // The controller gone (its port closed): an I/O error naming its URL.
  const std::string url = Url();
  server_.Stop();
  r = RunOnceWithAuth();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
  ExpectOneCleanLine(r);

  // --controller and --zk are alternatives: a usage error.
  r = RunOnce({"--zk", "127.0.0.1:2181", "--cluster", "PinotCluster"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--zk and --controller are alternatives"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pe::run_testing
