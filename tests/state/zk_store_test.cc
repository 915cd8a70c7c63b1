// The ZooKeeper state store of cluster mode against a real ZooKeeper server: the StateStore
// contract (compare-and-set watermark, atomic claim/finish, conflicts), the znode layout Pinot's
// tools can read, concurrent workers on separate sessions, fencing of a worker whose session
// expired, re-queueing of dead workers' subtasks up to the attempt limit, the leader fence, the
// Iceberg staged queue, and requests split below ZooKeeper's 1 MB limit.
#include "state/zk_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "testing/zk_server.h"

namespace pe::state {
namespace {

constexpr char kTable[] = "events_REALTIME";

class ZkStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::ZkServer();
    ASSERT_TRUE(server_->Start()) << server_->error();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_ && server_->running());
    // Each test its own cluster name: /<test name>/PROPERTYSTORE/...
    cluster_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  // A new session and a store on it (a "process").
  struct Node {
    std::unique_ptr<ZkSession> session;
    std::unique_ptr<ZkStateStore> store;
  };
  Node Open(int session_timeout_ms = 30000, int max_attempts = 3) {
    ZkOptions o;
    o.hosts = server_->hosts();
    o.session_timeout_ms = session_timeout_ms;
    auto s = ZkSession::Connect(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return {};
    ZkStoreOptions so;
    so.cluster = cluster_;
    so.tables = {kTable, "other_REALTIME"};
    so.session = s->get();
    so.max_attempts = max_attempts;
    so.retry_timeout_ms = 10000;
    auto st = ZkStateStore::Open(so);
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    if (!st.ok()) return {};
    return Node{std::move(s).value(), std::move(st).value()};
  }
  // A raw client for looking at the znodes as another tool would.
  std::unique_ptr<ZkClient> Raw() {
    ZkOptions o;
    o.hosts = server_->hosts();
    auto c = ZkClient::Connect(o);
    EXPECT_TRUE(c.ok());
    return c.ok() ? std::move(c).value() : nullptr;
  }
  // Ends `victim`'s session from outside, as the server does for a partitioned client: another
  // handle takes the session over (same id and password) and closes it.
  static bool Expire(ZkClient* victim) {
    ZkOptions o;
    o.hosts = server_->hosts();
    o.session_timeout_ms = 4000;
    o.session_id = victim->session_id();
    o.session_password = victim->session_password();
    for (int i = 0; i < 20 && !victim->session_expired(); ++i) {
      { auto thief = ZkClient::Connect(o); }  // closes the session
      for (int w = 0; w < 60 && !victim->session_expired(); ++w) {
        (void)victim->Exists("/");  // talking to the server makes it learn the expiry
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    return victim->session_expired();
  }
  std::string Root() const {
    return "/" + cluster_ + "/PROPERTYSTORE/MINION_TASK_METADATA/" + std::string(kTable) +
           "/DataExportTask";
  }

  static Task MakeTask(const std::string& name, int64_t created,
                       const std::string& table = kTable) {
    return Task{name, "DataExportTask", table, created, false};
  }
  static Subtask MakeSubtask(const std::string& name, const std::string& segment,
                             const std::string& table = kTable) {
    Subtask s;
    s.name = name;
    s.task = name.substr(0, name.rfind('_'));
    s.table = table;
    s.segment = segment;
    s.segment_uri = "s3://deep/events/" + segment;
    s.end_time_ms = 1000;
    return s;
  }
  static Outcome Completed(const std::string& segment, int64_t rows, int64_t finished = 5) {
    Outcome o;
    o.state = SubtaskState::kCompleted;
    o.finished_ms = finished;
    o.checkpoint = Checkpoint{
        kTable, segment, "s3://lake/" + segment + ".parquet", rows, 4096, 1234, 1000, 17, finished};
    return o;
  }

  static testing::ZkServer* server_;
  std::string cluster_;
};
testing::ZkServer* ZkStoreTest::server_ = nullptr;

TEST_F(ZkStoreTest, ShardOfASegmentIsFnv1aOfItsName) {
  // FNV-1a 32-bit test vectors (Fowler/Noll/Vo reference): "" -> 0x811c9dc5, "a" -> 0xe40c292c,
  // "foobar" -> 0xbf9cf968; the shard is the hash mod 128.
  EXPECT_EQ(ZkCheckpointShard(""), "069");        // 0x811c9dc5 % 128 = 0x45
  EXPECT_EQ(ZkCheckpointShard("a"), "044");       // 0x2c
  EXPECT_EQ(ZkCheckpointShard("foobar"), "104");  // 0x68
  EXPECT_EQ(ZkStateRoot("PinotCluster", "t_REALTIME"),
            "/PinotCluster/PROPERTYSTORE/MINION_TASK_METADATA/t_REALTIME/DataExportTask");
}

TEST_F(ZkStoreTest, WatermarkIsCompareAndSetInPinotsTaskMetadataRecord) {
  Node n = Open();
  ASSERT_TRUE(n.store);
  EXPECT_EQ(*n.store->Watermark(kTable), std::nullopt);
  ASSERT_TRUE(n.store->SetWatermark(kTable, std::nullopt, 100).ok());
  EXPECT_EQ(*n.store->Watermark(kTable), 100);
  EXPECT_TRUE(n.store->SetWatermark(kTable, std::nullopt, 50).IsConflict());
  EXPECT_TRUE(n.store->SetWatermark(kTable, 99, 150).IsConflict());
  ASSERT_TRUE(n.store->SetWatermark(kTable, 100, 150).ok());
  EXPECT_EQ(*n.store->Watermark("other_REALTIME"), std::nullopt);
  // The znode is a ZNRecord as Pinot's task metadata (RealtimeToOfflineSegmentsTaskMetadata).
  auto raw = Raw();
  auto node = raw->Get(Root());
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  auto j = nlohmann::json::parse(node->data);
  EXPECT_EQ(j["id"], kTable);
  EXPECT_EQ(j["simpleFields"]["watermarkMs"], "150");
  // Another process sees it.
  Node other = Open();
  EXPECT_EQ(*other.store->Watermark(kTable), 150);
  // A record that is not ours is reported, not misread.
  ASSERT_TRUE(raw->Set(Root(), "{\"simpleFields\":{\"watermarkMs\":\"12x\"}}", -1).ok());
  auto bad = n.store->Watermark(kTable);
  EXPECT_TRUE(bad.status().IsCorruption()) << bad.status().ToString();
}

TEST_F(ZkStoreTest, ClaimFinishAndCheckpointAtomically) {
  Node n = Open();
  auto& s = n.store;
  ASSERT_TRUE(s->AddTask(MakeTask("Task_A", 1),
                         {MakeSubtask("Task_A_0", "seg0"), MakeSubtask("Task_A_1", "seg1")})
                  .ok());
  ASSERT_TRUE(s->AddTask(MakeTask("Task_B", 2), {MakeSubtask("Task_B_0", "seg2")}).ok());
  EXPECT_EQ(*s->ActiveSegments(kTable), (std::vector<std::string>{"seg0", "seg1", "seg2"}));
  auto tasks = s->Tasks("DataExportTask", kTable);
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ((*tasks)[0].name, "Task_A");

  auto a = s->ClaimSubtask("w1", 10);
  ASSERT_TRUE(a.ok() && a->has_value()) << a.status().ToString();
  EXPECT_EQ((*a)->name, "Task_A_0");
  EXPECT_EQ((*a)->state, SubtaskState::kRunning);
  EXPECT_EQ((*a)->attempts, 1);
  EXPECT_EQ((*a)->started_ms, 10);
  // The claim is an ephemeral znode of the claiming session.
  auto raw = Raw();
  auto claim = raw->Get(Root() + "/claims/Task_A_0");
  ASSERT_TRUE(claim.ok());
  EXPECT_EQ(claim->data, "w1");
  EXPECT_EQ(claim->ephemeral_owner, (*n.session->Client())->session_id());

  auto b = s->ClaimSubtask("w2", 11);
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->name, "Task_A_1");

  EXPECT_TRUE(s->FinishSubtask("Task_A_0", "w2", Completed("seg0", 7)).IsConflict());
  Outcome no_cp;
  EXPECT_TRUE(s->FinishSubtask("Task_A_0", "w1", no_cp).IsInvalidArgument());
  ASSERT_TRUE(s->FinishSubtask("Task_A_0", "w1", Completed("seg0", 7)).ok());
  EXPECT_TRUE(s->FinishSubtask("Task_A_0", "w1", Completed("seg0", 8, 6)).IsConflict());
  EXPECT_FALSE(*raw->Exists(Root() + "/claims/Task_A_0"));

  Outcome err;
  err.state = SubtaskState::kTaskError;
  err.error = "corrupt input: seg1: bad magic";
  ASSERT_TRUE(s->FinishSubtask("Task_A_1", "w2", err).ok());

  auto cps = *s->Checkpoints(kTable);
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].segment, "seg0");
  EXPECT_EQ(cps[0].rows, 7);
  EXPECT_EQ(cps[0].output_uri, "s3://lake/seg0.parquet");
  // In the shard FNV-1a names.
  auto shard = raw->Get(Root() + "/checkpoints/" + ZkCheckpointShard("seg0"));
  ASSERT_TRUE(shard.ok());
  EXPECT_EQ(nlohmann::json::parse(shard->data)["seg0"]["rows"], 7);
  auto sub = *s->GetSubtask("Task_A_1");
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->state, SubtaskState::kTaskError);
  EXPECT_EQ(sub->error, "corrupt input: seg1: bad magic");
  EXPECT_EQ(*s->ActiveSegments(kTable), (std::vector<std::string>{"seg2"}));

  // A checkpointed or in-flight segment cannot be put in another task; nothing of it is written.
  EXPECT_TRUE(s->AddTask(MakeTask("Task_C", 3),
                         {MakeSubtask("Task_C_0", "seg1"), MakeSubtask("Task_C_1", "seg0")})
                  .IsConflict());
  EXPECT_TRUE(s->AddTask(MakeTask("Task_C", 3), {MakeSubtask("Task_C_0", "seg2")}).IsConflict());
  EXPECT_EQ(*s->GetTask("Task_C"), std::nullopt);
  EXPECT_EQ(*s->GetSubtask("Task_C_0"), std::nullopt);
  ASSERT_TRUE(s->AddTask(MakeTask("Task_C", 3), {MakeSubtask("Task_C_0", "seg1")}).ok());

  ASSERT_TRUE(s->DropCheckpoints(kTable, {"seg0"}).ok());
  EXPECT_TRUE(s->Checkpoints(kTable)->empty());

  // Ended tasks are history after the cutoff; running ones and recent ones stay.
  auto deleted = s->DeleteEndedTasks(kTable, 3);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1);  // Task_A (ended); Task_B has an INIT subtask
  EXPECT_FALSE(s->GetTask("Task_A")->has_value());
  EXPECT_FALSE(s->GetSubtask("Task_A_0")->has_value());
  EXPECT_TRUE(s->GetTask("Task_B")->has_value());
}

TEST_F(ZkStoreTest, StoppedTasksAreNotClaimedAndTablesAreSeparate) {
  Node n = Open();
  auto& s = n.store;
  ASSERT_TRUE(s->AddTask(MakeTask("Task_A", 1), {MakeSubtask("Task_A_0", "seg0")}).ok());
  ASSERT_TRUE(s->SetStopped("DataExportTask", true).ok());
  EXPECT_TRUE((*s->GetTask("Task_A"))->stopped);
  EXPECT_EQ(*s->ClaimSubtask("w", 1), std::nullopt);
  ASSERT_TRUE(s->SetStopped("DataExportTask", false).ok());
  auto c = s->ClaimSubtask("w", 1);
  ASSERT_TRUE(c.ok() && c->has_value());
  ASSERT_TRUE(s->AddTask(MakeTask("Task_O", 2, "other_REALTIME"),
                         {MakeSubtask("Task_O_0", "o0", "other_REALTIME")})
                  .ok());
  EXPECT_EQ(*s->ClaimSubtask("w", 2, kTable), std::nullopt);
  EXPECT_EQ((*s->ClaimSubtask("w", 2, "other_REALTIME"))->name, "Task_O_0");
}

// Three worker sessions claim 120 subtasks at once: each is run exactly once and every checkpoint
// lands although they share shards (versioned sets, no lost update).
TEST_F(ZkStoreTest, ConcurrentWorkersClaimEachSubtaskOnceAndLoseNoCheckpoint) {
  Node gen = Open();
  constexpr int kN = 120;
  for (int t = 0; t < 4; ++t) {
    std::vector<Subtask> subs;
    for (int i = 0; i < kN / 4; ++i)
      subs.push_back(MakeSubtask("T" + std::to_string(t) + "_" + std::to_string(i),
                                 "seg" + std::to_string(t * 100 + i)));
    ASSERT_TRUE(gen.store->AddTask(MakeTask("T" + std::to_string(t), 10 + t), subs).ok());
  }
  std::vector<Node> workers;
  for (int w = 0; w < 3; ++w) workers.push_back(Open());
  std::mutex mu;
  std::map<std::string, int> runs;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int w = 0; w < 3; ++w) {
    for (int e = 0; e < 2; ++e) {  // two executors per worker
      threads.emplace_back([&, w] {
        const std::string id = "w" + std::to_string(w);
        while (true) {
          auto c = workers[w].store->ClaimSubtask(id, 20);
          if (!c.ok()) {
            ++errors;
            return;
          }
          if (!c->has_value()) return;
          {
            std::lock_guard<std::mutex> l(mu);
            ++runs[(*c)->name];
          }
          if (!workers[w].store->FinishSubtask((*c)->name, id, Completed((*c)->segment, 1)).ok())
            ++errors;
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(runs.size(), size_t(kN));
  for (const auto& [name, count] : runs) EXPECT_EQ(count, 1) << name;
  auto cps = gen.store->Checkpoints(kTable);
  ASSERT_TRUE(cps.ok());
  EXPECT_EQ(cps->size(), size_t(kN));
  EXPECT_TRUE(gen.store->ActiveSegments(kTable)->empty());
  EXPECT_TRUE(Raw()->Children(Root() + "/queue")->empty());
}

// A worker whose session expired while it ran a subtask records nothing afterwards — not from
// its old session (gone) and not from the new session its process opens. The dead worker's
// subtask goes back to the queue once its claim is gone and another worker finishes it.
TEST_F(ZkStoreTest, WorkerWhoseSessionExpiredRecordsNoCheckpoint) {
  Node gen = Open();
  ASSERT_TRUE(gen.store->AddTask(MakeTask("T", 1), {MakeSubtask("T_0", "seg0")}).ok());
  Node victim = Open(4000);
  auto c = victim.store->ClaimSubtask("victim", 2);
  ASSERT_TRUE(c.ok() && c->has_value());
  auto old_client = victim.session->Client();
  ASSERT_TRUE(old_client.ok());
  // Alive: not re-queued.
  EXPECT_EQ(*gen.store->RequeueRunning(""), 0);

  ASSERT_TRUE(Expire(old_client->get()));
  Status late = victim.store->FinishSubtask("T_0", "victim", Completed("seg0", 1));
  EXPECT_TRUE(late.IsConflict()) << late.ToString();
  EXPECT_EQ(victim.session->generation(), 2u);  // it did reconnect, and still may not write
  EXPECT_TRUE(gen.store->Checkpoints(kTable)->empty());

  EXPECT_EQ(*gen.store->RequeueRunning(""), 1);
  Node other = Open();
  auto again = other.store->ClaimSubtask("other", 3);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->attempts, 2);
  ASSERT_TRUE(other.store->FinishSubtask("T_0", "other", Completed("seg0", 9)).ok());
  // The victim, now on its new session, cannot overwrite the outcome either.
  EXPECT_TRUE(victim.store->FinishSubtask("T_0", "victim", Completed("seg0", 1)).IsConflict());
  auto cps = *gen.store->Checkpoints(kTable);
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].rows, 9);
}

// A subtask whose workers keep dying is failed after max_attempts claims, not retried forever;
// a worker shutting down hands its running subtasks back without spending an attempt.
TEST_F(ZkStoreTest, DeadWorkersSubtaskIsRetriedUpToTheAttemptLimit) {
  Node gen = Open(30000, /*max_attempts=*/2);
  ASSERT_TRUE(gen.store->AddTask(MakeTask("T", 1), {MakeSubtask("T_0", "seg0")}).ok());
  for (int attempt = 1; attempt <= 2; ++attempt) {
    Node w = Open(4000);
    auto c = w.store->ClaimSubtask("w", 2);
    ASSERT_TRUE(c.ok() && c->has_value()) << attempt;
    EXPECT_EQ((*c)->attempts, attempt);
    w.store.reset();
    w.session.reset();  // the process exits: its session closes, the claim goes
    EXPECT_EQ(*gen.store->RequeueRunning(""), 1);
  }
  auto st = *gen.store->GetSubtask("T_0");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, SubtaskState::kTaskError);
  EXPECT_NE(st->error.find("died"), std::string::npos) << st->error;
  EXPECT_TRUE(gen.store->ActiveSegments(kTable)->empty());  // may be exported again

  ASSERT_TRUE(gen.store->AddTask(MakeTask("U", 5), {MakeSubtask("U_0", "seg0")}).ok());
  auto c = gen.store->ClaimSubtask("me", 6);
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ(*gen.store->RequeueRunning("me"), 1);  // Shutdown's hand-back
  auto u = *gen.store->GetSubtask("U_0");
  EXPECT_EQ(u->state, SubtaskState::kInit);
  EXPECT_EQ(u->attempts, 0);
  EXPECT_TRUE((*gen.store->ClaimSubtask("me", 7)).has_value());
}

// Generator writes carry the leader's fence: once the election znode is gone, nothing is written.
TEST_F(ZkStoreTest, DeposedLeaderWritesNothing) {
  Node n = Open();
  auto raw = Raw();
  const std::string fence = "/" + cluster_ + "/leader-node";
  ASSERT_TRUE(raw->Create("/" + cluster_ + "/leader-node", "me").ok());
  n.store->SetFence(fence);
  ASSERT_TRUE(n.store->SetWatermark(kTable, std::nullopt, 10).ok());
  ASSERT_TRUE(n.store->AddTask(MakeTask("T", 1), {MakeSubtask("T_0", "a")}).ok());
  ASSERT_TRUE(raw->Delete(fence).ok());
  Status s = n.store->AddTask(MakeTask("U", 2), {MakeSubtask("U_0", "b")});
  EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  EXPECT_NE(s.message().find("leader"), std::string::npos);
  EXPECT_FALSE(n.store->GetTask("U")->has_value());
  EXPECT_TRUE(n.store->SetWatermark(kTable, 10, 20).IsCancelled());
  EXPECT_EQ(*n.store->Watermark(kTable), 10);
  // Workers' writes are not fenced by the leader: a worker finishes its subtask.
  auto c = n.store->ClaimSubtask("w", 3);
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_TRUE(n.store->FinishSubtask("T_0", "w", Completed("a", 1)).ok());
}

// A task too large for one ZooKeeper request (1 MB) is written in several Multis and reads back
// whole; a checkpoint per segment lands in its shard.
TEST_F(ZkStoreTest, LargeTaskIsSplitBelowTheRequestLimit) {
  Node n = Open();
  std::vector<Subtask> subs;
  const std::string pad(180, 'x');  // ~1.5 KB of records per subtask: > 3 MB in all
  for (int i = 0; i < 2500; ++i) {
    Subtask s = MakeSubtask("Big_" + std::to_string(i), "seg_" + std::to_string(i) + "_" + pad);
    s.segment_uri += pad + pad + pad;
    subs.push_back(s);
  }
  Status s = n.store->AddTask(MakeTask("Big", 1), subs);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto got = n.store->Subtasks("Big");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2500u);
  EXPECT_EQ((*got)[1234].name, "Big_1234");
  EXPECT_EQ((*got)[1234].segment_uri, subs[1234].segment_uri);
  EXPECT_EQ(n.store->ActiveSegments(kTable)->size(), 2500u);
  EXPECT_EQ(Raw()->Children(Root() + "/queue")->size(), 2500u);
}

// The Iceberg staged queue (mirrors the SQLite store's contract).
TEST_F(ZkStoreTest, StagedSegmentsBecomeCheckpointsOnlyWhenTheirBatchCommits) {
  Node n = Open();
  auto& s = n.store;
  ASSERT_TRUE(
      s->AddTask(MakeTask("T1", 1), {MakeSubtask("T1_0", "seg_a"), MakeSubtask("T1_1", "seg_b"),
                                     MakeSubtask("T1_2", "seg_c")})
          .ok());
  for (const char* seg : {"seg_a", "seg_b", "seg_c"}) {
    auto st = s->ClaimSubtask("w", 2, kTable);
    ASSERT_TRUE(st.ok() && st->has_value());
    Outcome o = Completed((*st)->segment, 10);
    o.data_file = std::string("{\"file_path\":\"") + seg + "\"}";
    ASSERT_TRUE(s->FinishSubtask((*st)->name, "w", o).ok()) << seg;
  }
  EXPECT_TRUE(s->Checkpoints(kTable)->empty());
  EXPECT_TRUE(s->ActiveSegments(kTable)->empty());  // staged is not running
  auto staged = s->StagedSegments(kTable);
  ASSERT_TRUE(staged.ok());
  ASSERT_EQ(staged->size(), 3u);
  EXPECT_EQ((*staged)[0].data_file, "{\"file_path\":\"seg_a\"}");
  EXPECT_EQ((*staged)[0].checkpoint.rows, 10);
  EXPECT_TRUE(s->AddTask(MakeTask("T2", 3), {MakeSubtask("T2_0", "seg_b")}).IsConflict());

  Batch b;
  b.table = kTable;
  b.id = "pe-batch-1";
  b.snapshot_id = 42;
  b.created_ms = 7;
  b.segments = {"seg_b", "seg_a"};
  ASSERT_TRUE(s->CreateBatch(b).ok());
  Batch other = b;
  other.id = "pe-batch-2";
  other.segments = {"seg_b", "seg_c"};
  EXPECT_TRUE(s->CreateBatch(other).IsConflict());
  Batch same_id = b;
  same_id.segments = {"seg_c"};
  EXPECT_TRUE(s->CreateBatch(same_id).IsConflict());
  staged = s->StagedSegments(kTable);
  EXPECT_EQ((*staged)[1].batch_id, "pe-batch-1");
  EXPECT_EQ((*staged)[2].batch_id, "");

  ASSERT_TRUE(s->SetBatchManifest(kTable, "pe-batch-1", "s3://t/metadata/m0.avro", 999).ok());
  EXPECT_TRUE(s->SetBatchManifest(kTable, "nope", "x", 1).IsNotFound());
  auto pending = s->PendingBatches(kTable);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].snapshot_id, 42);
  EXPECT_EQ((*pending)[0].manifest_uri, "s3://t/metadata/m0.avro");
  EXPECT_EQ((*pending)[0].segments, (std::vector<std::string>{"seg_a", "seg_b"}));

  Node restarted = Open();
  ASSERT_TRUE(restarted.store->CommitBatch(kTable, "pe-batch-1", 123).ok());
  auto cps = s->Checkpoints(kTable);
  ASSERT_EQ(cps->size(), 2u);
  EXPECT_EQ((*cps)[0].segment, "seg_a");
  EXPECT_EQ((*cps)[0].completed_ms, 123);
  EXPECT_EQ((*cps)[0].output_uri, "s3://lake/seg_a.parquet");
  EXPECT_TRUE(s->PendingBatches(kTable)->empty());
  ASSERT_EQ(s->StagedSegments(kTable)->size(), 1u);
  EXPECT_TRUE(s->CommitBatch(kTable, "pe-batch-1", 124).IsNotFound());
  // Committed segments are no longer in flight; the staged one still is.
  EXPECT_TRUE(s->AddTask(MakeTask("T3", 4), {MakeSubtask("T3_0", "seg_c")}).IsConflict());
  EXPECT_TRUE(s->AddTask(MakeTask("T3", 4), {MakeSubtask("T3_0", "seg_a")}).IsConflict());
}

// ZooKeeper restarted under a running store: calls made while it is down wait for it (within
// retry_timeout_ms) instead of failing, and nothing is applied twice.
TEST_F(ZkStoreTest, SurvivesAZooKeeperRestart) {
  Node n = Open();
  ASSERT_TRUE(n.store->AddTask(MakeTask("T", 1), {MakeSubtask("T_0", "a")}).ok());
  auto c = n.store->ClaimSubtask("w", 2);
  ASSERT_TRUE(c.ok() && c->has_value());
  server_->Stop();
  std::thread restart([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ASSERT_TRUE(server_->Restart());
  });
  Status s = n.store->FinishSubtask("T_0", "w", Completed("a", 3));
  restart.join();
  EXPECT_TRUE(s.ok()) << s.ToString();
  auto cps = n.store->Checkpoints(kTable);
  ASSERT_TRUE(cps.ok());
  ASSERT_EQ(cps->size(), 1u);
  EXPECT_EQ((*cps)[0].rows, 3);
}

}  // namespace
}  // namespace pe::state
