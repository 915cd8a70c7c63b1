// ControllerSegmentSource and TableConfigJsonFromController against tests/e2e/pinot_controller.mjs,
// a Pinot controller double serving the ZooKeeper records of tests/data/pinot_zk (plus a few
// written here) through the controller's REST endpoints, with Pinot's table-name resolution,
// authentication and error entities, and injectable faults.
#include "task/controller_source.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fs/http.h"
#include "fs/node_server.h"
#include "task/config.h"
#include "task/generator.h"
#include "task/pinot_zk.h"
#include "testing/testing.h"

namespace pe::task {
namespace {

constexpr char kTable[] = "events_REALTIME";
constexpr char kAuth[] = "Basic cGlub3Q6czNjcjN0LXBhc3N3b3Jk";  // pinot:s3cr3t-password
constexpr char kSecret[] = "cGlub3Q6czNjcjN0LXBhc3N3b3Jk";
constexpr char kNoAccess[] = "Basic b3RoZXI6bm8tYWNjZXNzLXRvLWV2ZW50cw==";

std::string Fixture(const std::string& name) {
  return pe::testing::SourceDir() + "/tests/data/pinot_zk/" + name;
}
std::string ReadFile(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
void WriteFile(const std::string& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}

// Hand-written from the fixture files (not computed by the code under test).
struct Expected {
  std::string name, uri;
  bool completed;
  std::optional<int64_t> start, end;
  int64_t docs, crc;
  std::string problem_has;  // "" = no problem
};

void ExpectRecords(std::vector<SegmentRecord> got, const std::vector<Expected>& want) {
  std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].name);
    EXPECT_EQ(got[i].name, want[i].name);
    EXPECT_EQ(got[i].download_uri, want[i].uri);
    EXPECT_EQ(got[i].completed, want[i].completed);
    EXPECT_EQ(got[i].start_time_ms, want[i].start);
    EXPECT_EQ(got[i].end_time_ms, want[i].end);
    EXPECT_EQ(got[i].total_docs, want[i].docs);
    EXPECT_EQ(got[i].crc, want[i].crc);
    if (want[i].problem_has.empty()) {
      EXPECT_EQ(got[i].problem, "");
    } else {
      EXPECT_NE(got[i].problem.find(want[i].problem_has), std::string::npos) << got[i].problem;
    }
  }
}

bool SameRecord(const SegmentRecord& a, const SegmentRecord& b) {
  return a.name == b.name && a.download_uri == b.download_uri && a.completed == b.completed &&
         a.start_time_ms == b.start_time_ms && a.end_time_ms == b.end_time_ms &&
         a.total_docs == b.total_docs && a.crc == b.crc && a.problem == b.problem;
}

// A port nothing listens on (bound, then closed).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

class ControllerSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pe_controller_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    // Records beyond the fixture files, as Pinot writes them.
    auto seg = [&](const std::string& name, const std::string& status, const std::string& url) {
      ZNRecord r;
      r.id = name;
      r.simple_fields = {{"segment.crc", "7"},
                         {"segment.download.url", url},
                         {"segment.end.time", "1767229199000"},
                         {"segment.realtime.status", status},
                         {"segment.start.time", "1767225600000"},
                         {"segment.time.unit", "MILLISECONDS"},
                         {"segment.total.docs", "10"}};
      WriteFile(dir_ / (name + ".json"), SerializeZNRecord(r));
      extra_.push_back(dir_ / (name + ".json"));
    };
    // DONE, but one replica still CONSUMING in idealstate.json: skipped.
    seg("events__2__3__20260101T0000Z", "DONE", "s3://pinot-deepstore/events/e23");
    // DONE and ONLINE, but replaced by lineage.json's COMPLETED entry: skipped.
    seg("events_merged_src_0", "DONE", "s3://pinot-deepstore/events/m0");
    // An unknown status, ONLINE in the ideal state below: listed with a problem.
    seg("events__3__1__20260101T0000Z", "BOGUS", "s3://pinot-deepstore/events/e31");
    auto is = ParseZNRecord(ReadFile(Fixture("idealstate.json")));
    ASSERT_TRUE(is.ok());
    is->map_fields["events__3__1__20260101T0000Z"] = {{"Server_pinot-server-0_8098", "ONLINE"}};
    ideal_state_ = dir_ / "idealstate.json";
    WriteFile(ideal_state_, SerializeZNRecord(*is));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> Segments() const {
    std::vector<std::string> s;
    for (const char* f :
         {"segment_done.json", "segment_in_progress.json", "segment_committing.json",
          "segment_peer.json", "segment_uploaded.json", "segment_legacy_offline.json"})
      s.push_back(Fixture(f));
    s.insert(s.end(), extra_.begin(), extra_.end());
    return s;
  }
  void Start(bool lineage = true) {
    std::vector<std::string> a{"--table-config",   Fixture("table_config.json"),
                               "--idealstate",     ideal_state_,
                               "--auth",           kAuth,
                               "--auth-no-access", kNoAccess};
    if (lineage) a.insert(a.end(), {"--lineage", Fixture("lineage.json")});
    for (const auto& s : Segments()) a.insert(a.end(), {"--segment", s});
    ASSERT_TRUE(server_.Start("pinot_controller.mjs", a)) << server_.error();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  ControllerSourceOptions Opts(const std::string& auth = kAuth) const {
    ControllerSourceOptions o;
    o.url = Url();
    o.auth_header = auth;
    o.timeout_ms = 2000;
    return o;
  }
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
  void Fault(nlohmann::json f) {
    Admin("POST", "/__admin/faults", nlohmann::json{{"faults", {f}}}.dump());
  }
  // A failed call's Status: one line, no credentials.
  static void ExpectClean(const Status& s) {
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find(kSecret), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("Basic"), std::string::npos) << s.message();
  }

  std::filesystem::path dir_;
  std::vector<std::string> extra_;
  std::string ideal_state_;
  fs::testing::NodeServer server_;
};

// What the fixture files hold, judged by BaseTaskGenerator's rule.
const std::vector<Expected> kKept = {
    // segment_uploaded.json: UPLOADED, controller download URL.
    {"events_1767225600000_1767311999000_0",
     "http://controller-0:9000/segments/events/events_1767225600000_1767311999000_0", true,
     1767225600000, 1767311999000, 25000, 987654321, ""},
    // segment_done.json: DONE, in deep store.
    {"events__0__12__20260101T0000Z", "s3://pinot-deepstore/events/events__0__12__20260101T0000Z",
     true, 1767225600000, 1767229199000, 100000, 3251475672, ""},
    // segment_peer.json: DONE, download URL "" (peer download only): listed, not downloadable.
    {"events__1__6__20260101T0000Z", "", true, 1767225600000, 1767227399000, 50000, 42, ""},
    // segment_committing.json: COMMITTING, ONLINE in the ideal state: listed, not completed.
    {"events__1__7__20260101T0030Z", "", false, std::nullopt, std::nullopt, -1, -1, ""},
    // Written above: unknown status.
    {"events__3__1__20260101T0000Z", "s3://pinot-deepstore/events/e31", false, 1767225600000,
     1767229199000, 10, 7, "BOGUS"},
};

TEST_F(ControllerSourceTest, SameSegmentRecordsAsFromZooKeeperRecords) {
  Start();
  ControllerSegmentSource src(Opts());
  auto got = src.ListSegments(kTable);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectRecords(*got, kKept);
  EXPECT_EQ(src.last_records(), 9);
  EXPECT_EQ(src.last_counts().consuming, 2);           // in_progress, events__2__3
  EXPECT_EQ(src.last_counts().not_in_ideal_state, 1);  // legacy offline record
  EXPECT_EQ(src.last_counts().replaced, 1);            // events_merged_src_0

  // The same records read as ZNRecord bytes (what ZkSegmentSource reads from ZooKeeper) and judged
  // by pinot_zk.h give the same SegmentRecords.
  std::vector<SegmentRecord> from_zk;
  for (const auto& f : Segments()) {
    auto r = ParseZNRecord(ReadFile(f));
    ASSERT_TRUE(r.ok()) << f;
    auto s = SegmentFromZk(*r);
    ASSERT_TRUE(s.ok()) << f;
    from_zk.push_back(*s);
  }
  auto is = IdealStateFromZk(*ParseZNRecord(ReadFile(ideal_state_)));
  auto replaced = ReplacedSegments(*ParseZNRecord(ReadFile(Fixture("lineage.json"))));
  ASSERT_TRUE(is.ok() && replaced.ok());
  auto zk = FilterForExport(from_zk, *is, *replaced);
  ASSERT_EQ(zk.size(), got->size());
  std::sort(zk.begin(), zk.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  auto sorted = *got;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (size_t i = 0; i < zk.size(); ++i) EXPECT_TRUE(SameRecord(zk[i], sorted[i])) << zk[i].name;

  // PlanCycle over them: only the two completed, downloadable segments are exported.
  CycleInput in;
  in.now_ms = 1767400000000;
  in.buffer_ms = 3600000;
  in.segments = *got;
  CyclePlan plan = PlanCycle(in);
  std::vector<std::string> names;
  for (const auto& s : plan.selected) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"events__0__12__20260101T0000Z",
                                             "events_1767225600000_1767311999000_0"}));
  EXPECT_EQ(plan.not_downloadable, 1);
  // PlanCycle counts a record without an end time (the COMMITTING one) as unusable, before it
  // looks at completed-ness; the BOGUS one has a problem.
  EXPECT_EQ(plan.not_completed, 0);
  EXPECT_EQ(plan.unusable, 2);

  // The endpoints and queries Pinot documents, each with the Authorization header.
  auto log = Admin("GET", "/__admin/log");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0]["path"], "/segments/events_REALTIME/zkmetadata");
  EXPECT_EQ(log[0]["query"], "?type=REALTIME");
  EXPECT_EQ(log[1]["path"], "/tables/events_REALTIME/idealstate");
  EXPECT_EQ(log[1]["query"], "?tableType=realtime");
  EXPECT_EQ(log[2]["path"], "/segments/events_REALTIME/lineage");
  EXPECT_EQ(log[2]["query"], "?type=REALTIME");
  for (const auto& e : log) {
    EXPECT_EQ(e["method"], "GET");
    EXPECT_EQ(e["authorization"], kAuth);
    EXPECT_EQ(e["status"], 200);
  }
}

TEST_F(ControllerSourceTest, NoLineageKeepsTheSegmentsLineageWouldReplace) {
  Start(/*lineage=*/false);  // the controller answers 204 (no entity)
  ControllerSegmentSource src(Opts());
  auto got = src.ListSegments(kTable);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->size(), kKept.size() + 1);
  EXPECT_EQ(src.last_counts().replaced, 0);
  EXPECT_TRUE(std::any_of(got->begin(), got->end(),
                          [](const auto& s) { return s.name == "events_merged_src_0"; }));
  EXPECT_EQ(Admin("GET", "/__admin/log")[2]["status"], 204);
}

TEST_F(ControllerSourceTest, TableConfigInTheShapeParseExportConfigReads) {
  Start();
  auto json = TableConfigJsonFromController(Opts(), kTable);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto cfg = ParseExportConfig(*json);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  // From table_config.json's task map.
  EXPECT_EQ(cfg->table, "events_REALTIME");
  EXPECT_EQ(cfg->source_table, "events_REALTIME");
  EXPECT_EQ(cfg->output_dir_uri, "s3://lake/events");
  EXPECT_EQ(cfg->buffer_ms, 2 * 3600000);
  EXPECT_TRUE(cfg->schedule.has_value());
  // The same JSON as the ZooKeeper record gives.
  auto zk = TableConfigJsonFromZk(*ParseZNRecord(ReadFile(Fixture("table_config.json"))));
  ASSERT_TRUE(zk.ok());
  EXPECT_EQ(nlohmann::json::parse(*json), nlohmann::json::parse(*zk));
  auto log = Admin("GET", "/__admin/log");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["path"], "/tables/events_REALTIME");
  EXPECT_EQ(log[0]["query"], "?type=realtime");
  EXPECT_EQ(log[0]["authorization"], kAuth);
}

TEST_F(ControllerSourceTest, CredentialsRefusedAndNeverInErrors) {
  Start();
  struct Case {
    std::string auth;
    std::string code;
  };
  for (const Case& c : {Case{"", "HTTP 401"}, Case{"Basic d3Jvbmc6d3Jvbmctc2VjcmV0", "HTTP 401"},
                        Case{kNoAccess, "HTTP 403"}}) {
    SCOPED_TRACE(c.auth);
    ControllerSegmentSource src(Opts(c.auth));
    auto l = src.ListSegments(kTable);
    ASSERT_FALSE(l.ok());
    EXPECT_TRUE(l.status().IsInvalidArgument()) << l.status().ToString();
    EXPECT_NE(l.status().message().find(c.code), std::string::npos) << l.status().message();
    EXPECT_NE(l.status().message().find("/segments/events_REALTIME/zkmetadata"), std::string::npos);
    ExpectClean(l.status());
    if (!c.auth.empty()) {
      EXPECT_EQ(l.status().message().find(c.auth.substr(6)), std::string::npos);
    }
    auto t = TableConfigJsonFromController(Opts(c.auth), kTable);
    ASSERT_FALSE(t.ok());
    EXPECT_TRUE(t.status().IsInvalidArgument()) << t.status().ToString();
    EXPECT_NE(t.status().message().find(c.code), std::string::npos);
    ExpectClean(t.status());
  }
}

TEST_F(ControllerSourceTest, UnknownTableIsNotFound) {
  Start();
  ControllerSegmentSource src(Opts());
  auto l = src.ListSegments("nothing_REALTIME");
  ASSERT_FALSE(l.ok());
  // Pinot's own text (getExistingTableNamesWithType appends "_" + type to the name it was given).
  EXPECT_TRUE(l.status().IsNotFound()) << l.status().ToString();
  EXPECT_NE(l.status().message().find("HTTP 404 Table 'nothing_REALTIME"), std::string::npos)
      << l.status().message();
  auto t = TableConfigJsonFromController(Opts(), "nothing_REALTIME");
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(t.status().IsNotFound()) << t.status().ToString();
  // A name without its type is refused before any request.
  auto raw = src.ListSegments("events");
  ASSERT_FALSE(raw.ok());
  EXPECT_TRUE(raw.status().IsInvalidArgument());
}

TEST_F(ControllerSourceTest, EveryFaultIsOneLineWithItsCode) {
  Start();
  struct Case {
    nlohmann::json fault;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {{{"mode", "reset"}, {"path", "zkmetadata"}}, StatusCode::kIOError},
      {{{"mode", "status"}, {"status", 500}, {"path", "idealstate"}}, StatusCode::kIOError},
      {{{"mode", "status"}, {"status", 503}, {"path", "lineage"}}, StatusCode::kIOError},
      {{{"mode", "hang"}, {"path", "lineage"}}, StatusCode::kIOError},
      {{{"mode", "garbage"}, {"path", "zkmetadata"}}, StatusCode::kCorruption},
      {{{"mode", "garbage"}, {"path", "idealstate"}}, StatusCode::kCorruption},
      {{{"mode", "huge"}, {"path", "zkmetadata"}, {"bytes", 1 << 20}}, StatusCode::kCorruption},
  };
  ControllerSourceOptions o = Opts();
  o.timeout_ms = 500;  // the "hang" fault never answers
  o.max_response_bytes = 64 << 10;
  ControllerSegmentSource src(o);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fault.dump());
    Fault(c.fault);
    auto l = src.ListSegments(kTable);
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.status().code(), c.code) << l.status().ToString();
    EXPECT_NE(l.status().message().find(Url()), std::string::npos) << l.status().message();
    EXPECT_NE(l.status().message().find(c.fault["path"].get<std::string>()), std::string::npos)
        << l.status().message();
    ExpectClean(l.status());
    // The fault was used up: the next listing works (the client recovers its connection).
    auto ok = src.ListSegments(kTable);
    EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  }
  Fault({{"mode", "status"}, {"status", 500}, {"path", "/tables/"}});
  auto t = TableConfigJsonFromController(o, kTable);
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(t.status().IsIOError()) << t.status().ToString();
  ExpectClean(t.status());
}

TEST_F(ControllerSourceTest, UnreachableControllerNamesTheUrl) {
  ControllerSourceOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(ClosedPort());
  o.auth_header = kAuth;
  o.timeout_ms = 2000;
  ControllerSegmentSource src(o);
  auto l = src.ListSegments(kTable);
  ASSERT_FALSE(l.ok());
  EXPECT_TRUE(l.status().IsIOError()) << l.status().ToString();
  EXPECT_NE(l.status().message().find(o.url), std::string::npos) << l.status().message();
  ExpectClean(l.status());
  auto t = TableConfigJsonFromController(o, kTable);
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(t.status().IsIOError());
  ExpectClean(t.status());
}

}  // namespace
}  // namespace pe::task
