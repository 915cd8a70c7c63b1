// ClusterMember against a real ZooKeeper server: a table config changed with Pinot's tools (its
// ZNRecord rewritten in the property store) reaches the running service without a restart, a
// broken change is refused and the old config kept; two generators elect one leader, the follower
// names the leader's URL, the leader's generator writes are fenced on its election znode, and a
// resigned leader is replaced at once.
#include "task/cluster.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/file.h"
#include "state/zk.h"
#include "state/zk_store.h"
#include "task/pinot_zk.h"
#include "task/service.h"
#include "testing/zk_server.h"

namespace pe::task {
namespace {

constexpr char kCluster[] = "PinotCluster";
constexpr char kTable[] = "events_REALTIME";

// Polls `done` until it holds or `timeout` passes (watches fire on ZooKeeper's schedule).
bool Eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start()) << server_.error();
    auto d = TempDir::Make("pe-cluster");
    ASSERT_TRUE(d.ok());
    dir_ = std::make_unique<TempDir>(std::move(d).value());
    raw_ = Session();
    ASSERT_TRUE(raw_);
  }
  std::unique_ptr<state::ZkSession> Session() {
    state::ZkOptions o;
    o.hosts = server_.hosts();
    o.session_timeout_ms = 4000;
    auto s = state::ZkSession::Connect(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  state::ZkClient* Raw() { return raw_->Client()->get(); }
  // The table config record as TableConfigSerDeUtils writes it (sections as JSON text).
  void PutTableConfig(const nlohmann::json& task_keys) {
    ZNRecord r;
    r.id = kTable;
    nlohmann::json task = {{"taskTypeConfigsMap", {{"DataExportTask", task_keys}}}};
    r.simple_fields = {{"tableName", kTable},
                       {"tableType", "REALTIME"},
                       {"segmentsConfig", R"({"timeColumnName":"ts","replication":"2"})"},
                       {"tenants", R"({"broker":"DefaultTenant","server":"DefaultTenant"})"},
                       {"tableIndexConfig", R"({"loadMode":"MMAP"})"},
                       {"metadata", R"({"customConfigs":{}})"},
                       {"task", task.dump()}};
    const std::string path = TableConfigPath(kCluster, kTable);
    ASSERT_TRUE(Raw()->CreateParents(path).ok());
    ASSERT_TRUE(Raw()->Set(path, SerializeZNRecord(r), -1).ok());
  }
  // A process of the fleet without its member: a session, the ZooKeeper store and a service (no
  // executor or scheduler threads) serving the table's config as read from ZooKeeper.
  struct Node {
    std::unique_ptr<state::ZkSession> session;
    std::unique_ptr<state::ZkStateStore> store;
    std::unique_ptr<Service> service;
  };
  void StartNode(Node* n) {
    n->session = Session();
    ASSERT_TRUE(n->session);
    auto config = ExportConfigFromZk(n->session->Client()->get(), kCluster, kTable);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    state::ZkStoreOptions so;
    so.cluster = kCluster;
    so.tables = {kTable};
    so.session = n->session.get();
    auto store = state::ZkStateStore::Open(so);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    n->store = std::move(store).value();
    ServiceOptions opts;
    opts.deep_store = dir_->path() + "/deep";
    opts.run_executors = false;
    opts.run_scheduler = false;
    auto svc = Service::Create({*config}, n->store.get(), opts);
    ASSERT_TRUE(svc.ok()) << svc.status().ToString();
    n->service = std::move(svc).value();
  }
  nlohmann::json Keys(const std::string& out, const std::string& max_tasks) {
    return {{"sourceTableName", kTable},
            {"outputDirURI", out},
            {"bufferTimePeriod", "1d"},
            {"tableMaxNumTasks", max_tasks}};
  }

  pe::testing::ZkServer server_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<state::ZkSession> raw_;
};

TEST_F(ClusterTest, ChangedTableConfigIsPickedUpWithoutRestart) {
  PutTableConfig(Keys(dir_->path() + "/out-a", "5"));
  Node n;
  ASSERT_NO_FATAL_FAILURE(StartNode(&n));
  auto& session = n.session;
  auto* store = &n.store;
  auto* svc = &n.service;
  ClusterOptions co;
  co.cluster = kCluster;
  co.role = Role::kWorker;
  co.watched_tables = {kTable};
  co.session = session.get();
  co.store = store->get();
  co.service = svc->get();
  auto member = ClusterMember::Start(co);
  ASSERT_TRUE(member.ok()) << member.status().ToString();
  EXPECT_EQ((*svc)->Config(kTable)->max_tasks, 5);

  // Changed in ZooKeeper (as Pinot's controller rewrites the record): in force shortly after.
  PutTableConfig(Keys(dir_->path() + "/out-b", "7"));
  ASSERT_TRUE(Eventually([&] { return (*svc)->Config(kTable)->max_tasks == 7; }));
  EXPECT_EQ((*svc)->Config(kTable)->output_dir_uri, dir_->path() + "/out-b");

  // A broken change is refused; the last good config stays. A later good one is taken again
  // (the watch was re-armed).
  nlohmann::json bad = Keys(dir_->path() + "/out-c", "7");
  bad["bufferTimePeriod"] = "one day";
  PutTableConfig(bad);
  ASSERT_TRUE(Eventually([&] { return member->get()->config_rejections() == 1; }));
  EXPECT_EQ((*svc)->Config(kTable)->max_tasks, 7);
  EXPECT_EQ(member->get()->config_updates(), 1);
  PutTableConfig(Keys(dir_->path() + "/out-d", "9"));
  ASSERT_TRUE(Eventually([&] { return (*svc)->Config(kTable)->max_tasks == 9; }));
  EXPECT_EQ((*svc)->Config(kTable)->output_dir_uri, dir_->path() + "/out-d");
  EXPECT_EQ(member->get()->LeaderUrl().status().code(), StatusCode::kNotFound);  // a worker
}

TEST_F(ClusterTest, OneLeaderAmongGeneratorsWithFencedWritesAndFastHandOver) {
  PutTableConfig(Keys(dir_->path() + "/out", "5"));
  struct Gen {
    std::unique_ptr<state::ZkSession> session;
    std::unique_ptr<state::ZkStateStore> store;
    std::unique_ptr<ClusterMember> member;
  };
  auto start = [&](const std::string& url) {
    Gen g;
    g.session = Session();
    state::ZkStoreOptions so;
    so.cluster = kCluster;
    so.tables = {kTable};
    so.session = g.session.get();
    so.retry_timeout_ms = 2000;
    auto st = state::ZkStateStore::Open(so);
    EXPECT_TRUE(st.ok());
    g.store = std::move(st).value();
    ClusterOptions co;
    co.cluster = kCluster;
    co.role = Role::kGenerator;
    co.advertise_url = url;
    co.session = g.session.get();
    co.store = g.store.get();
    auto m = ClusterMember::Start(co);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    g.member = std::move(m).value();
    return g;
  };
  Gen a = start("http://127.0.0.1:1111");
  ASSERT_TRUE(Eventually([&] { return a.member->leads(); }));
  Gen b = start("http://127.0.0.1:2222");
  EXPECT_FALSE(b.member->leads());
  EXPECT_EQ(*a.member->LeaderUrl(), "");
  EXPECT_EQ(*b.member->LeaderUrl(), "http://127.0.0.1:1111");
  auto health = nlohmann::json::parse(b.member->HealthJson());
  EXPECT_EQ(health["role"], "generator");
  EXPECT_EQ(health["leader"], false);
  EXPECT_EQ(health["zookeeper"], "CONNECTED");

  // The leader writes; the fence is its election znode: deleting it (as the server does when the
  // session expires) stops its generator writes at once.
  ASSERT_TRUE(a.store->SetWatermark(kTable, std::nullopt, 10).ok());
  auto candidates = Raw()->Children(ElectionPath(kCluster));
  ASSERT_TRUE(candidates.ok());
  ASSERT_EQ(candidates->size(), 2u);

  // Resigning (the process stops) hands over without waiting for a session timeout.
  const auto t0 = std::chrono::steady_clock::now();
  a.member.reset();
  ASSERT_TRUE(Eventually([&] { return b.member->leads(); }, std::chrono::seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(*b.member->LeaderUrl(), "");
  // The old leader's store is fenced on a znode that is gone now.
  Status s = a.store->SetWatermark(kTable, 10, 20);
  EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  EXPECT_TRUE(b.store->SetWatermark(kTable, 10, 20).ok());
}

}  // namespace
}  // namespace pe::task

namespace pe::task {
namespace {

// PUT /tasks/DataExportTask/stop reached the old leader; a generator that becomes leader later
// takes the stopped flag over from the state, so the tasks it creates are stopped too.
TEST_F(ClusterTest, NewLeaderTakesOverTheStoppedQueue) {
  PutTableConfig(Keys(dir_->path() + "/out", "5"));
  Node n;
  ASSERT_NO_FATAL_FAILURE(StartNode(&n));
  auto& session = n.session;
  auto* store = &n.store;
  auto* svc = &n.service;
  EXPECT_FALSE((*svc)->QueueStopped());
  // Meanwhile the leader of the time was told to stop.
  state::Subtask sub;
  sub.name = "Task_X_0";
  sub.task = "Task_X";
  sub.table = kTable;
  sub.segment = "seg";
  ASSERT_TRUE((*store)->AddTask(state::Task{"Task_X", kTaskType, kTable, 1, false}, {sub}).ok());
  ASSERT_TRUE((*store)->SetStopped(kTaskType, true).ok());
  ClusterOptions co;
  co.cluster = kCluster;
  co.role = Role::kGenerator;
  co.advertise_url = "http://127.0.0.1:3333";
  co.session = session.get();
  co.store = store->get();
  co.service = svc->get();
  auto member = ClusterMember::Start(co);
  ASSERT_TRUE(member.ok());
  ASSERT_TRUE(Eventually([&] { return (*member)->leads(); }));
  EXPECT_TRUE(Eventually([&] { return (*svc)->QueueStopped(); }));
}

}  // namespace
}  // namespace pe::task
