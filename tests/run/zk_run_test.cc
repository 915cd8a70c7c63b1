// `pinot-export run --zk --cluster --table` end to end: a real ZooKeeper server (Debian's
// zookeeper package, started by the test) holding the table config and segment metadata as Pinot
// writes them (ZNRecords, task/pinot_zk.h), pointing at segments written by `sample`.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "iceberg/test_catalog.h"
#include "run/iceberg_env.h"
#include "run/run_env.h"
#include "state/zk.h"
#include "state/zk_store.h"
#include "task/cluster.h"
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
  void PutTableConfig(const std::map<std::string, std::string>& extra = {}) {
    task::ZNRecord r;
    r.id = kTable;
    nlohmann::json keys = {
        {"sourceTableName", kTable}, {"outputDirURI", env_.out_dir()}, {"bufferTimePeriod", "1d"}};
    for (const auto& [k, v] : extra) {
      if (v.empty())
        keys.erase(k);  // (as ExportEnv::WriteConfig: "" removes a key)
      else
        keys[k] = v;
    }
    nlohmann::json task = {{"taskTypeConfigsMap", {{"DataExportTask", keys}}}};
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

  // ---- cluster mode: fleet processes and what they left in ZooKeeper ----

  struct Proc {
    Child child;
    std::string out, err;
    std::string Log() const { return ReadText(out) + ReadText(err); }
  };
  std::unique_ptr<Proc> StartRole(const std::string& role, const std::vector<std::string>& env = {},
                                  int executors = 2) {
    auto p = std::make_unique<Proc>();
    const std::string tag = role + std::to_string(procs_++);
    p->out = env_.root() + "/" + tag + ".out";
    p->err = env_.root() + "/" + tag + ".err";
    std::vector<std::string> argv = {pe::testing::CliBinary(),
                                     "run",
                                     "--zk",
                                     server_.hosts(),
                                     "--cluster",
                                     kCluster,
                                     "--table",
                                     kTable,
                                     "--role",
                                     role,
                                     "--zk-session-timeout",
                                     "4000",
                                     "--port",
                                     "0",
                                     "--grace-period",
                                     "5",
                                     "--executors",
                                     std::to_string(executors)};
    EXPECT_TRUE(p->child.Start(argv, env, p->out, p->err));
    return p;
  }
  // COMPLETED checkpoints, read from the shards as any ZooKeeper tool would: segment -> record.
  std::map<std::string, nlohmann::json> ZkCheckpoints() {
    std::map<std::string, nlohmann::json> out;
    const std::string dir = state::ZkStateRoot(kCluster, kTable) + "/checkpoints";
    auto shards = zk_->Children(dir);
    if (!shards.ok()) return out;
    for (const auto& sh : *shards) {
      auto n = zk_->Get(dir + "/" + sh);
      if (!n.ok()) continue;
      auto j = nlohmann::json::parse(n->data);
      for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = it.value();
    }
    return out;
  }
  std::vector<std::string> ElectionCandidates() {
    auto c = zk_->Children(task::ElectionPath(kCluster));
    return c.ok() ? *c : std::vector<std::string>{};
  }
  // Every subtask record: name -> JSON.
  std::map<std::string, nlohmann::json> ZkSubtasks() {
    std::map<std::string, nlohmann::json> out;
    const std::string dir = state::ZkStateRoot(kCluster, kTable) + "/tasks";
    auto tasks = zk_->Children(dir);
    if (!tasks.ok()) return out;
    for (const auto& t : *tasks) {
      auto subs = zk_->Children(dir + "/" + t);
      if (!subs.ok()) continue;
      for (const auto& s : *subs) {
        auto n = zk_->Get(dir + "/" + t + "/" + s);
        if (n.ok()) out[s] = nlohmann::json::parse(n->data);
      }
    }
    return out;
  }
  std::vector<Seg> MakeSegments(int n, int rows) {
    const int64_t day = 86400000;
    const int64_t base = (NowMs() / 60000) * 60000 - 3 * day;
    std::vector<Seg> segs;
    for (int i = 0; i < n; ++i) segs.push_back({LlcName(i % 4, i / 4, base + i * 60000), rows});
    env_.Write(segs);
    for (const auto& s : segs) PutSegment(s, "DONE", true);
    return segs;
  }
  static double Seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
  }

  pe::testing::ZkServer server_;
  std::unique_ptr<state::ZkClient> zk_;
  int procs_ = 0;
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

// The issue's fleet: 2 generators + 3 workers as separate processes, 100 segments. One worker is
// killed (SIGKILL by its own crash point) right after an upload, before its checkpoint, and the
// leader is killed with SIGKILL mid-run: every segment is exported exactly once, within a bounded
// time, with nothing partial in the output.
TEST_F(ZkRun, FleetExportsEverySegmentOnceThroughLeaderAndWorkerKills) {
  auto segs = MakeSegments(100, 3000);
  PutTableConfig({{"schedule", "0/1 * * * * ?"}, {"tableMaxNumTasks", "12"}});
  const auto t0 = std::chrono::steady_clock::now();
  auto gen1 = StartRole("generator");
  ASSERT_TRUE(WaitUntil([&] { return ElectionCandidates().size() == 1; }, std::chrono::seconds(30)))
      << gen1->Log();
  auto gen2 = StartRole("generator");
  ASSERT_TRUE(WaitUntil([&] { return ElectionCandidates().size() == 2; }, std::chrono::seconds(30)))
      << gen2->Log();
  auto w1 = StartRole("worker", {"PE_CRASH_AT=uploaded:3"});
  auto w2 = StartRole("worker");
  auto w3 = StartRole("worker");

  ASSERT_TRUE(WaitUntil([&] { return ZkCheckpoints().size() >= 30; }, std::chrono::seconds(120)))
      << gen1->Log() << w2->Log();
  gen1->child.Signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  EXPECT_EQ(gen1->child.Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  ASSERT_TRUE(
      WaitUntil([&] { return ElectionCandidates().size() == 1; }, std::chrono::seconds(30)));
  const double takeover = Seconds(killed);
  ASSERT_TRUE(WaitUntil([&] { return ZkCheckpoints().size() == 100; }, std::chrono::seconds(180)))
      << ZkCheckpoints().size() << " checkpoints\n"
      << gen2->Log() << w2->Log() << w3->Log();
  const double total = Seconds(t0);
  // The crashed worker died at its crash point (after an upload, before the checkpoint).
  EXPECT_EQ(w1->child.Wait(std::chrono::seconds(30)), 128 + SIGKILL) << w1->Log();
  std::fprintf(stderr,
               "fleet: 100 segments exported in %.1f s; leader takeover %.1f s after kill -9 "
               "(session timeout 4 s)\n",
               total, takeover);
  EXPECT_LT(takeover, 4.0 + 3.0);  // within the session timeout (+ detection slack)

  // Exactly once: 100 checkpoints, one file per segment with its rows, nothing hidden left over.
  auto cps = ZkCheckpoints();
  std::set<std::string> want;
  for (const auto& s : segs) want.insert(s.name);
  std::set<std::string> got;
  for (const auto& [seg, cp] : cps) got.insert(seg);
  EXPECT_EQ(got, want);
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env_.out_dir()), segs), 0);
  EXPECT_TRUE(HiddenFiles(env_.out_dir()).empty());
  // One re-run at least: the crashed worker's segment was claimed twice.
  int retried = 0;
  for (const auto& [name, st] : ZkSubtasks()) retried += st["attempts"].get<int>() > 1;
  EXPECT_GE(retried, 1);

  for (auto* p : {gen2.get(), w2.get(), w3.get()}) p->child.Signal(SIGTERM);
  for (auto* p : {gen2.get(), w2.get(), w3.get()})
    EXPECT_EQ(p->child.Wait(std::chrono::seconds(30)), 0) << p->Log();
}

// ZooKeeper stopped and started again mid-run: the fleet waits, reconnects on its own and loses
// nothing (sessions survive a restart shorter than their timeout).
TEST_F(ZkRun, FleetRecoversFromAZooKeeperRestart) {
  auto segs = MakeSegments(30, 3000);
  PutTableConfig({{"schedule", "0/1 * * * * ?"}, {"tableMaxNumTasks", "4"}});
  auto gen = StartRole("generator");
  auto w1 = StartRole("worker");
  auto w2 = StartRole("worker");
  ASSERT_TRUE(WaitUntil([&] { return ZkCheckpoints().size() >= 6; }, std::chrono::seconds(120)))
      << gen->Log() << w1->Log();
  zk_.reset();
  server_.Stop();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the outage (a real pause, no clock)
  ASSERT_TRUE(server_.Restart()) << server_.error();
  state::ZkOptions o;
  o.hosts = server_.hosts();
  auto c = state::ZkClient::Connect(o);
  ASSERT_TRUE(c.ok());
  zk_ = std::move(c).value();
  ASSERT_TRUE(WaitUntil([&] { return ZkCheckpoints().size() == 30; }, std::chrono::seconds(120)))
      << ZkCheckpoints().size() << "\n"
      << gen->Log() << w1->Log() << w2->Log();
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env_.out_dir()), segs), 0);
  EXPECT_TRUE(HiddenFiles(env_.out_dir()).empty());
  for (auto* p : {gen.get(), w1.get(), w2.get()}) p->child.Signal(SIGTERM);
  for (auto* p : {gen.get(), w1.get(), w2.get()})
    EXPECT_EQ(p->child.Wait(std::chrono::seconds(30)), 0) << p->Log();
}

// A worker partitioned from ZooKeeper (frozen with SIGSTOP past its session timeout, so the server
// expires its session) while it runs a subtask: the subtask is re-queued and finished by another
// worker, and the partitioned worker, once it runs again, records nothing for it.
TEST_F(ZkRun, PartitionedWorkerWritesNoCheckpointAfterItsSessionExpired) {
  auto segs = MakeSegments(6, 200000);
  PutTableConfig({{"schedule", "0/1 * * * * ?"}});
  auto gen = StartRole("generator");
  // The victim's scratch files show when it is inside a subtask (fetching or converting), not
  // merely claiming one: it is frozen there.
  const std::string tmp = env_.root() + "/victim-tmp";
  std::filesystem::create_directories(tmp);
  auto victim = StartRole("worker", {"TMPDIR=" + tmp}, 1);
  const std::string scratch = tmp + "/pinot-export." + std::to_string(victim->child.pid());
  std::string held;
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::error_code ec;
        if (std::filesystem::is_empty(scratch, ec) || ec) return false;
        auto c = zk_->Children(state::ZkStateRoot(kCluster, kTable) + "/claims");
        if (!c.ok() || c->size() != 1) return false;
        held = (*c)[0];
        return true;
      },
      std::chrono::seconds(120)))
      << gen->Log() << victim->Log();
  victim->child.Signal(SIGSTOP);
  const std::string victim_id = [&] {
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    return std::string(host) + "-" + std::to_string(victim->child.pid());
  }();
  auto helper = StartRole("worker");
  ASSERT_TRUE(
      WaitUntil([&] { return ZkCheckpoints().size() == segs.size(); }, std::chrono::seconds(120)))
      << gen->Log() << helper->Log();
  auto subs = ZkSubtasks();
  ASSERT_TRUE(subs.count(held));
  EXPECT_EQ(subs[held]["state"], "COMPLETED");
  EXPECT_NE(subs[held]["worker"], victim_id);
  EXPECT_EQ(subs[held]["attempts"], 2);
  const auto before = subs[held];

  // Running again: its subtask's outcome is refused (fenced), its own new claims are fine.
  victim->child.Signal(SIGCONT);
  ASSERT_TRUE(
      WaitUntil([&] { return victim->Log().find("recording its outcome") != std::string::npos; },
                std::chrono::seconds(60)))
      << victim->Log();
  EXPECT_NE(victim->Log().find(held), std::string::npos);
  EXPECT_EQ(ZkSubtasks()[held], before);
  EXPECT_EQ(ZkCheckpoints().size(), segs.size());
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env_.out_dir()), segs), 0);
  for (auto* p : {gen.get(), victim.get(), helper.get()}) p->child.Signal(SIGTERM);
  for (auto* p : {gen.get(), victim.get(), helper.get()})
    EXPECT_EQ(p->child.Wait(std::chrono::seconds(30)), 0) << p->Log();
}

// The Iceberg target in cluster mode: the staged queue and the batches live in ZooKeeper, workers
// stage data files, and the leader commits one snapshot per iceberg.commitThreshold segments.
class ZkIcebergRun : public ZkRun {
 protected:
  void SetUp() override {
    ZkRun::SetUp();
    ASSERT_TRUE(catalog_.Start());
    catalog_.CreateTable({"lake"}, "events", DemoSchema(), 2);
  }
  void TearDown() override { EXPECT_EQ(catalog_.Violations(), nlohmann::json::array()); }
  iceberg::testing::TestCatalog catalog_;
};

TEST_F(ZkIcebergRun, FleetCommitsStagedSegmentsInBatches) {
  const auto segs = Segments(12, 40);
  env_.Write(segs);
  for (const auto& s : segs) PutSegment(s, "DONE", true);
  auto keys = IcebergKeys(catalog_.uri(), 5);
  keys["schedule"] = "0/1 * * * * ?";
  PutTableConfig(keys);
  auto gen = StartRole("generator");
  auto w1 = StartRole("worker");
  auto w2 = StartRole("worker");
  ASSERT_TRUE(
      WaitUntil([&] { return ZkCheckpoints().size() == segs.size(); }, std::chrono::seconds(120)))
      << ZkCheckpoints().size() << "\n"
      << gen->Log() << w1->Log() << w2->Log();
  // Batches of the threshold, oldest segments first (DecideBatch: EMIT 5, COMMIT 5, ..., 2).
  auto metadata = catalog_.Table("lake", "events")["metadata"];
  auto batches = BatchesOf(metadata);
  ASSERT_EQ(batches.size(), 3u) << metadata.dump();
  EXPECT_EQ(batches[0], std::make_pair(int64_t(5), int64_t(40 + 41 + 42 + 43 + 44)));
  EXPECT_EQ(batches[1], std::make_pair(int64_t(5), int64_t(45 + 46 + 47 + 48 + 49)));
  EXPECT_EQ(batches[2], std::make_pair(int64_t(2), int64_t(50 + 51)));
  ExpectEachSegmentOnce(segs, ReadTsWithIcebird(metadata, env_.root()));
  // Nothing left staged or pending in ZooKeeper.
  const std::string root = state::ZkStateRoot(kCluster, kTable);
  EXPECT_TRUE(zk_->Children(root + "/staged")->empty());
  EXPECT_TRUE(zk_->Children(root + "/batches")->empty());
  EXPECT_TRUE(zk_->Children(root + "/inflight")->empty());
  for (auto* p : {gen.get(), w1.get(), w2.get()}) p->child.Signal(SIGTERM);
  for (auto* p : {gen.get(), w1.get(), w2.get()})
    EXPECT_EQ(p->child.Wait(std::chrono::seconds(30)), 0) << p->Log();
}

}  // namespace
}  // namespace pe::run_testing
