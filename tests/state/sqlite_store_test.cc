// The embedded state store on a real SQLite file: compare-and-set, claims, atomic checkpoints,
// recovery after a process is killed (a forked child killed with SIGKILL mid-subtask), schema
// versions, and bad files.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "common/file.h"
#include "state/state.h"

namespace pe::state {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Make("pe-state");
    ASSERT_TRUE(d.ok());
    dir_ = std::make_unique<TempDir>(std::move(d).value());
    path_ = dir_->path() + "/state.db";
  }
  std::unique_ptr<StateStore> Open() {
    auto s = OpenSqliteStore(path_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  static Task MakeTask(const std::string& name, int64_t created) {
    return Task{name, "DataExportTask", "events_REALTIME", created, false};
  }
  static Subtask MakeSubtask(const std::string& name, const std::string& segment) {
    Subtask s;
    s.name = name;
    s.segment = segment;
    s.segment_uri = "/deep/events/" + segment;
    s.end_time_ms = 1000;
    return s;
  }
  static Outcome Completed(const std::string& segment, int64_t rows) {
    Outcome o;
    o.state = SubtaskState::kCompleted;
    o.finished_ms = 5;
    o.checkpoint = Checkpoint{
        "events_REALTIME", segment, "/lake/" + segment + ".parquet", rows, 4096, 1234, 1000, 17, 5};
    return o;
  }
  std::unique_ptr<TempDir> dir_;
  std::string path_;
};

TEST_F(SqliteStoreTest, WatermarkIsCompareAndSet) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(*s->Watermark("events_REALTIME"), std::nullopt);
  ASSERT_TRUE(s->SetWatermark("events_REALTIME", std::nullopt, 100).ok());
  EXPECT_EQ(*s->Watermark("events_REALTIME"), 100);
  // A writer that read an older value loses.
  Status st = s->SetWatermark("events_REALTIME", std::nullopt, 50);
  EXPECT_TRUE(st.IsConflict()) << st.ToString();
  st = s->SetWatermark("events_REALTIME", 99, 150);
  EXPECT_TRUE(st.IsConflict()) << st.ToString();
  EXPECT_EQ(*s->Watermark("events_REALTIME"), 100);
  ASSERT_TRUE(s->SetWatermark("events_REALTIME", 100, 150).ok());
  // Tables are independent.
  EXPECT_EQ(*s->Watermark("other_REALTIME"), std::nullopt);
  s.reset();
  EXPECT_EQ(*Open()->Watermark("events_REALTIME"), 150);  // durable across reopen
}

TEST_F(SqliteStoreTest, ClaimFinishAndCheckpointAtomically) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->AddTask(MakeTask("Task_A", 1),
                         {MakeSubtask("Task_A_0", "seg0"), MakeSubtask("Task_A_1", "seg1")})
                  .ok());
  ASSERT_TRUE(s->AddTask(MakeTask("Task_B", 2), {MakeSubtask("Task_B_0", "seg2")}).ok());
  EXPECT_EQ(*s->ActiveSegments("events_REALTIME"),
            (std::vector<std::string>{"seg0", "seg1", "seg2"}));

  // Oldest task first, subtasks in order.
  auto a = s->ClaimSubtask("w1", 10);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->name, "Task_A_0");
  EXPECT_EQ((*a)->state, SubtaskState::kRunning);
  EXPECT_EQ((*a)->attempts, 1);
  EXPECT_EQ((*a)->worker, "w1");
  EXPECT_EQ((*a)->started_ms, 10);
  auto b = s->ClaimSubtask("w2", 11);
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->name, "Task_A_1");

  // Only the holder can finish; a completed subtask needs its checkpoint.
  EXPECT_TRUE(s->FinishSubtask("Task_A_0", "w2", Completed("seg0", 7)).IsConflict());
  Outcome no_cp;
  EXPECT_TRUE(s->FinishSubtask("Task_A_0", "w1", no_cp).IsInvalidArgument());
  ASSERT_TRUE(s->FinishSubtask("Task_A_0", "w1", Completed("seg0", 7)).ok());
  // Finishing twice is a conflict, not a second checkpoint.
  EXPECT_TRUE(s->FinishSubtask("Task_A_0", "w1", Completed("seg0", 8)).IsConflict());

  Outcome err;
  err.state = SubtaskState::kTaskError;
  err.error = "corrupt input: seg1: bad magic";
  ASSERT_TRUE(s->FinishSubtask("Task_A_1", "w2", err).ok());

  auto cps = *s->Checkpoints("events_REALTIME");
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].segment, "seg0");
  EXPECT_EQ(cps[0].rows, 7);
  EXPECT_EQ(cps[0].output_uri, "/lake/seg0.parquet");
  auto sub = *s->GetSubtask("Task_A_1");
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->state, SubtaskState::kTaskError);
  EXPECT_EQ(sub->error, "corrupt input: seg1: bad magic");
  EXPECT_EQ(*s->ActiveSegments("events_REALTIME"), (std::vector<std::string>{"seg2"}));

  // A checkpointed or in-flight segment cannot be put in another task; nothing of that task is
  // written. A segment whose subtask failed can.
  EXPECT_TRUE(s->AddTask(MakeTask("Task_C", 3),
                         {MakeSubtask("Task_C_0", "seg1"), MakeSubtask("Task_C_1", "seg0")})
                  .IsConflict());
  EXPECT_TRUE(s->AddTask(MakeTask("Task_C", 3), {MakeSubtask("Task_C_0", "seg2")}).IsConflict());
  EXPECT_EQ(*s->GetTask("Task_C"), std::nullopt);
  EXPECT_EQ(*s->GetSubtask("Task_C_0"), std::nullopt);
  ASSERT_TRUE(s->AddTask(MakeTask("Task_C", 3), {MakeSubtask("Task_C_0", "seg1")}).ok());

  // Retention: dropping a checkpoint makes the segment exportable again.
  ASSERT_TRUE(s->DropCheckpoints("events_REALTIME", {"seg0"}).ok());
  EXPECT_TRUE(s->Checkpoints("events_REALTIME")->empty());
}

TEST_F(SqliteStoreTest, StoppedTasksAreNotClaimed) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->AddTask(MakeTask("Task_A", 1), {MakeSubtask("Task_A_0", "seg0")}).ok());
  ASSERT_TRUE(s->SetStopped("DataExportTask", true).ok());
  EXPECT_TRUE((*s->GetTask("Task_A"))->stopped);
  EXPECT_EQ(*s->ClaimSubtask("w", 1), std::nullopt);
  ASSERT_TRUE(s->SetStopped("DataExportTask", false).ok());
  auto c = s->ClaimSubtask("w", 1);
  ASSERT_TRUE(c.ok() && c->has_value());
  // Filtered by table.
  ASSERT_TRUE(s->AddTask(Task{"Task_O", "DataExportTask", "other_REALTIME", 2, false},
                         {MakeSubtask("Task_O_0", "o0")})
                  .ok());
  EXPECT_EQ(*s->ClaimSubtask("w", 2, "events_REALTIME"), std::nullopt);
  EXPECT_EQ((*s->ClaimSubtask("w", 2, "other_REALTIME"))->name, "Task_O_0");
}

TEST_F(SqliteStoreTest, KilledProcessLeavesRecoverableState) {
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    ASSERT_TRUE(s->AddTask(MakeTask("Task_A", 1),
                           {MakeSubtask("Task_A_0", "seg0"), MakeSubtask("Task_A_1", "seg1")})
                    .ok());
  }
  // A child process claims both subtasks, completes one, and is killed while running the other.
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto s = OpenSqliteStore(path_);
    if (!s.ok()) _exit(2);
    auto a = (*s)->ClaimSubtask("child", 1);
    auto b = (*s)->ClaimSubtask("child", 2);
    if (!a.ok() || !b.ok() || !a->has_value() || !b->has_value()) _exit(3);
    if (!(*s)->FinishSubtask("Task_A_0", "child", Completed("seg0", 3)).ok()) _exit(4);
    raise(SIGKILL);
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

  auto s = Open();

  ASSERT_NE(s, nullptr);
  EXPECT_EQ((*s->GetSubtask("Task_A_1"))->state, SubtaskState::kRunning);
  EXPECT_EQ(*s->RequeueRunning(""), 1);
  auto t = *s->GetSubtask("Task_A_1");
  EXPECT_EQ(t->state, SubtaskState::kInit);
  EXPECT_EQ(t->attempts, 1);
  ASSERT_EQ(s->Checkpoints("events_REALTIME")->size(), 1u);  // the finished one survived
  // The dead worker cannot finish what was re-queued; the next claim gets it with attempt 2.
  EXPECT_TRUE(s->FinishSubtask("Task_A_1", "child", Completed("seg1", 3)).IsConflict());
  auto c = s->ClaimSubtask("w", 3);
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->name, "Task_A_1");
  EXPECT_EQ((*c)->attempts, 2);
}

TEST_F(SqliteStoreTest, SegmentCacheIsKeyedByObjectIdentity) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  SegmentInfo i;
  i.uri = "s3://deep/events/seg0";
  i.size = 100;
  i.mtime_ms = 5;
  i.name = "seg0";
  i.end_time_ms = 99;
  i.total_docs = 10;
  i.crc = 42;
  ASSERT_TRUE(s->CacheSegment(i).ok());
  auto hit = *s->CachedSegment(i.uri, 100, 5);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->name, "seg0");
  EXPECT_EQ(hit->start_time_ms, std::nullopt);
  EXPECT_EQ(hit->end_time_ms, 99);
  EXPECT_EQ(hit->crc, 42);
  EXPECT_EQ(*s->CachedSegment(i.uri, 101, 5), std::nullopt);  // rewritten object: re-read
  EXPECT_EQ(*s->CachedSegment(i.uri, 100, 6), std::nullopt);
}

TEST_F(SqliteStoreTest, RefusesNewerSchemaAndGarbage) {
  Open().reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = OpenSqliteStore(path_);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsNotSupported()) << s.status().ToString();
  EXPECT_NE(s.status().message().find("99"), std::string::npos);

  const std::string junk = dir_->path() + "/junk.db";
  std::ofstream(junk) << std::string(8192, 'x');
  auto j = OpenSqliteStore(junk);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find(junk), std::string::npos) << j.status().message();
  EXPECT_EQ(j.status().message().find('\n'), std::string::npos);

  auto missing = OpenSqliteStore(dir_->path() + "/no/such/dir/state.db");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsIOError());
}

}  // namespace
}  // namespace pe::state

namespace pe::state {
namespace {

// Ended tasks older than the cut are deleted with their subtasks; running or young ones stay.
TEST_F(SqliteStoreTest, DeleteEndedTasksKeepsActiveAndRecentOnes) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->AddTask(MakeTask("old_done", 10), {MakeSubtask("old_done_0", "a")}).ok());
  ASSERT_TRUE(s->AddTask(MakeTask("old_open", 20), {MakeSubtask("old_open_0", "b")}).ok());
  ASSERT_TRUE(s->AddTask(MakeTask("new_done", 500), {MakeSubtask("new_done_0", "c")}).ok());
  // Claims go oldest first: a (finished), b (left running), c (finished).
  for (const char* seg : {"a", "b", "c"}) {
    auto c = s->ClaimSubtask("w", 1);
    ASSERT_TRUE(c.ok() && c->has_value());
    ASSERT_EQ((*c)->segment, seg);
    if ((*c)->segment != "b") {
      ASSERT_TRUE(s->FinishSubtask((*c)->name, "w", Completed((*c)->segment, 1)).ok());
    }
  }
  auto n = s->DeleteEndedTasks("events_REALTIME", 100);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  EXPECT_FALSE(s->GetTask("old_done")->has_value());
  EXPECT_FALSE(s->GetSubtask("old_done_0")->has_value());
  EXPECT_TRUE(s->GetTask("old_open")->has_value());  // still running
  EXPECT_TRUE(s->GetTask("new_done")->has_value());  // too recent
  // Checkpoints are not task history: they stay.
  EXPECT_EQ(s->Checkpoints("events_REALTIME")->size(), 2u);
}

TEST_F(SqliteStoreTest, DropCachedSegmentsExceptKeepsListedAndOtherPrefixes) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  for (const char* uri :
       {"/deep/events/a", "/deep/events/b", "/deep/events_x/c", "/deep/other/d"}) {
    SegmentInfo i;
    i.uri = uri;
    i.name = "n";
    ASSERT_TRUE(s->CacheSegment(i).ok());
  }
  auto n = s->DropCachedSegmentsExcept("/deep/events/", {"/deep/events/a"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_TRUE(s->CachedSegment("/deep/events/a", 0, 0)->has_value());
  EXPECT_FALSE(s->CachedSegment("/deep/events/b", 0, 0)->has_value());
  EXPECT_TRUE(s->CachedSegment("/deep/events_x/c", 0, 0)->has_value());
  EXPECT_TRUE(s->CachedSegment("/deep/other/d", 0, 0)->has_value());
}

}  // namespace
}  // namespace pe::state

namespace pe::state {
namespace {

// The Iceberg staged queue: a staged segment is neither COMPLETED nor eligible for a new task;
// a batch takes staged segments once; committing it turns exactly its segments into checkpoints.
TEST_F(SqliteStoreTest, StagedSegmentsBecomeCheckpointsOnlyWhenTheirBatchCommits) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(
      s->AddTask(MakeTask("T1", 1), {MakeSubtask("T1_0", "seg_a"), MakeSubtask("T1_1", "seg_b"),
                                     MakeSubtask("T1_2", "seg_c")})
          .ok());
  for (const char* seg : {"seg_a", "seg_b", "seg_c"}) {
    auto st = s->ClaimSubtask("w", 2, "events_REALTIME");
    ASSERT_TRUE(st.ok() && st->has_value());
    Outcome o = Completed((*st)->segment, 10);
    o.data_file = std::string("{\"file_path\":\"") + seg + "\"}";
    ASSERT_TRUE(s->FinishSubtask((*st)->name, "w", o).ok()) << seg;
  }
  EXPECT_TRUE(s->Checkpoints("events_REALTIME")->empty());  // staged, not exported
  auto staged = s->StagedSegments("events_REALTIME");
  ASSERT_TRUE(staged.ok());
  ASSERT_EQ(staged->size(), 3u);
  EXPECT_EQ((*staged)[0].checkpoint.segment, "seg_a");
  EXPECT_EQ((*staged)[0].data_file, "{\"file_path\":\"seg_a\"}");
  EXPECT_EQ((*staged)[0].batch_id, "");
  // Staged segments cannot be put in a new task.
  Status again = s->AddTask(MakeTask("T2", 3), {MakeSubtask("T2_0", "seg_b")});
  EXPECT_TRUE(again.IsConflict()) << again.ToString();

  Batch b;
  b.table = "events_REALTIME";
  b.id = "pe-batch-1";
  b.snapshot_id = 42;
  b.created_ms = 7;
  b.segments = {"seg_a", "seg_b"};
  ASSERT_TRUE(s->CreateBatch(b).ok());
  // A segment goes into one batch only; a batch id is used once.
  Batch other = b;
  other.id = "pe-batch-2";
  other.segments = {"seg_b", "seg_c"};
  EXPECT_TRUE(s->CreateBatch(other).IsConflict());
  EXPECT_TRUE(s->CreateBatch(b).IsConflict());
  // The failed CreateBatch changed nothing: seg_c is still free.
  staged = s->StagedSegments("events_REALTIME");
  ASSERT_EQ(staged->size(), 3u);
  EXPECT_EQ((*staged)[2].batch_id, "");
  EXPECT_EQ((*staged)[1].batch_id, "pe-batch-1");

  ASSERT_TRUE(
      s->SetBatchManifest("events_REALTIME", "pe-batch-1", "s3://t/metadata/m0.avro", 999).ok());
  EXPECT_TRUE(s->SetBatchManifest("events_REALTIME", "nope", "x", 1).IsNotFound());
  auto pending = s->PendingBatches("events_REALTIME");
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].snapshot_id, 42);
  EXPECT_EQ((*pending)[0].manifest_uri, "s3://t/metadata/m0.avro");
  EXPECT_EQ((*pending)[0].manifest_length, 999);
  EXPECT_EQ((*pending)[0].segments, (std::vector<std::string>{"seg_a", "seg_b"}));

  // Reopening (a restart) keeps the batch, then committing it completes exactly its segments.
  s.reset();
  s = Open();
  ASSERT_TRUE(s->CommitBatch("events_REALTIME", "pe-batch-1", 123).ok());
  auto cps = s->Checkpoints("events_REALTIME");
  ASSERT_TRUE(cps.ok());
  ASSERT_EQ(cps->size(), 2u);
  EXPECT_EQ((*cps)[0].segment, "seg_a");
  EXPECT_EQ((*cps)[0].completed_ms, 123);
  EXPECT_EQ((*cps)[0].rows, 10);
  EXPECT_TRUE(s->PendingBatches("events_REALTIME")->empty());
  staged = s->StagedSegments("events_REALTIME");
  ASSERT_EQ(staged->size(), 1u);
  EXPECT_EQ((*staged)[0].checkpoint.segment, "seg_c");
  EXPECT_TRUE(s->CommitBatch("events_REALTIME", "pe-batch-1", 124).IsNotFound());
}

// A state file written before the staged queue existed (schema version 1) is migrated on open.
TEST_F(SqliteStoreTest, MigratesVersionOneFiles) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  // The version-1 schema's checkpoints table, as the first release wrote it.
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE watermarks (table_name TEXT PRIMARY KEY, value_ms INTEGER "
                         "NOT NULL); PRAGMA user_version = 1;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  // Version 1 lacked every other table; opening must add the staged queue (and would fail at the
  // first staged query otherwise).
  auto s = OpenSqliteStore(path_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto staged = (*s)->StagedSegments("events_REALTIME");
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_TRUE(staged->empty());
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 2);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace pe::state
