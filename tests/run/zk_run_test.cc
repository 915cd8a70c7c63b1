// `pinot-export run --zk --cluster --table` end to end: a real ZooKeeper server (Debian's
// zookeeper package, started by the test) holding the table config and segment metadata as Pinot
// writes them (ZNRecords, task/pinot_zk.h), pointing at segments written by `sample`.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run/run_env.h"
#include "state/zk.h"
#include "task/pinot_zk.h"
#include "testing/zk_server.h"

namespace pe::run_testing {
namespace {

constexpr char kCluster[] = "PinotCluster";

class ZkRun : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start()) << server_.error();
    state::ZkOptions o;
    o.hosts = server_.hosts();
    auto c = state::ZkClient::Connect(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    zk_ = std::move(c).value();
  }
  void Put(const std::string& path, const task::ZNRecord& r) {
    ASSERT_TRUE(zk_->CreateParents(path).ok()) << path;
    auto s = zk_->Set(path, task::SerializeZNRecord(r), -1);
    ASSERT_TRUE(s.ok()) << path << ": " << s.status().ToString();
  }
  // The table config as TableConfigSerDeUtils.toZNRecord stores it: sections as JSON text.
  void PutTableConfig() {
    task::ZNRecord r;
    r.id = kTable;
    nlohmann::json task = {{"taskTypeConfigsMap",
                            {{"DataExportTask",
                              {{"sourceTableName", kTable},
                               {"outputDirURI", env_.out_dir()},
                               {"bufferTimePeriod", "1d"}}}}}};
    r.simple_fields = {{"tableName", kTable},
                       {"tableType", "REALTIME"},
                       {"segmentsConfig", R"({"timeColumnName":"ts","replication":"2"})"},
                       {"tenants", R"({"broker":"DefaultTenant","server":"DefaultTenant"})"},
                       {"tableIndexConfig", R"({"loadMode":"MMAP"})"},
                       {"metadata", R"({"customConfigs":{}})"},
                       {"task", task.dump()}};
    Put(task::TableConfigPath(kCluster, kTable), r);
  }
  // A segment's ZK metadata as SegmentZKMetadataUtils writes it at commit; the times are those
  // `sample --demo` gives the segment (run_env.h).
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
    Put(task::SegmentPath(kCluster, kTable, s.name), r);
    ideal_[s.name] = status == "IN_PROGRESS" ? "CONSUMING" : "ONLINE";
    task::ZNRecord is;
    is.id = kTable;
    is.simple_fields = {{"REBALANCE_MODE", "CUSTOMIZED"},
                        {"STATE_MODEL_DEF_REF", "SegmentOnlineOfflineStateModel"}};
    for (const auto& [seg, st] : ideal_) is.map_fields[seg] = {{"Server_1_8098", st}};
    Put(task::IdealStatePath(kCluster, kTable), is);
  }
  RunResult RunOnce() {
    return pe::testing::Run({pe::testing::CliBinary(), "run", "--once", "--zk", server_.hosts(),
                             "--cluster", kCluster, "--table", kTable, "--state", env_.state(),
                             "--executors", "2"});
  }

  pe::testing::ZkServer server_;
  std::unique_ptr<state::ZkClient> zk_;
  ExportEnv env_;
  std::map<std::string, std::string> ideal_;
};

TEST_F(ZkRun, ExportsWhatPinotsMetadataSaysIsCompleted) {
  const int64_t day = 86400000;
  const int64_t base = (NowMs() / 60000) * 60000 - 3 * day;
  std::vector<Seg> segs;
  for (int i = 0; i < 5; ++i) segs.push_back({LlcName(i, 0, base + i * 60000), 40 + i});
  env_.Write(segs);
  PutTableConfig();
  PutSegment(segs[0], "DONE", true);
  PutSegment(segs[1], "UPLOADED", true);
  PutSegment(segs[2], "IN_PROGRESS", false);
  PutSegment(segs[3], "DONE", false);  // committed to peer download only: not in deep store
  PutSegment(segs[4], "COMMITTING", false);

  auto r = RunOnce();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(CheckpointedSegments(env_.state()),
            (std::vector<std::string>{segs[0].name, segs[1].name}));
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env_.out_dir()), {segs[0], segs[1]}), 0);

  // Between runs the consuming segment commits and the committing one finishes: both are picked
  // up; the peer-download-only one still is not.
  PutSegment(segs[2], "DONE", true);
  PutSegment(segs[4], "DONE", true);
  r = RunOnce();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(CheckpointedSegments(env_.state()),
            (std::vector<std::string>{segs[0].name, segs[1].name, segs[2].name, segs[4].name}));
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env_.out_dir()),
                                  {segs[0], segs[1], segs[2], segs[4]}),
            0);
}

TEST_F(ZkRun, MissingTableConfigAndUnreachableZooKeeperAreOneLineErrors) {
  auto r = RunOnce();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("no table config events_REALTIME in cluster PinotCluster"),
            std::string::npos)
      << r.err;
  server_.Stop();
  r = pe::testing::Run({pe::testing::CliBinary(), "run", "--once", "--zk", server_.hosts(),
                        "--cluster", kCluster, "--table", kTable, "--state", env_.state()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(server_.hosts()), std::string::npos) << r.err;
  r = pe::testing::Run({pe::testing::CliBinary(), "run", "--once", "--zk", server_.hosts(),
                        "--table", kTable, "--state", env_.state()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--zk needs --cluster"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pe::run_testing
