// The deep-store source, the executor and the service on real segments (written by `sample`), a
// real SQLite state file and real output files read back by DuckDB. Clocks are injected.
#include "task/service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/file.h"
#include "state/state.h"
#include "task/deep_store.h"
#include "task/executor.h"
#include "testing/testing.h"

namespace pe::task {
namespace {

namespace stdfs = std::filesystem;
using pe::testing::RunCli;
using pe::testing::RunNode;

constexpr int64_t kDay = 86400000;

// An LLC segment tarball at <deep>/events/<name>, `rows` rows (ts one a second ending at the
// name's creation time). Returns its path.
std::string MakeSegment(const std::string& deep, const std::string& name, int rows = 200) {
  stdfs::create_directories(deep + "/events");
  std::string path = deep + "/events/" + name;
  auto r = RunCli({"sample", "--demo", "--rows", std::to_string(rows), "--out", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

// 2026-11-0<day>T00:00Z in epoch ms (the creation time in the LLC names below).
int64_t Nov(int day) { return 1793491200000 + int64_t(day - 1) * kDay; }
std::string LlcName(int seq, int day) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "events__0__%d__202611%02dT0000Z", seq, day);
  return buf;
}

ExportConfig Config(const std::string& out_dir, const std::string& extra = "") {
  std::string json = R"({"tableName":"events_REALTIME","task":{"taskTypeConfigsMap":{
      "DataExportTask":{"sourceTableName":"events_REALTIME","bufferTimePeriod":"1d",
      "outputDirURI":")" +
                     out_dir + "\"" + extra + "}}}}";
  auto c = ParseExportConfig(json);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

struct Fixture {
  TempDir dir = std::move(TempDir::Make("service-test")).value();
  std::string deep = dir.path() + "/deep";
  std::string out = dir.path() + "/out";
  std::unique_ptr<state::StateStore> store =
      std::move(state::OpenSqliteStore(dir.path() + "/state.db")).value();
};

TEST(DeepStoreSource, ListsTarballsFoldersAndSkipsHiddenNames) {
  Fixture f;
  MakeSegment(f.deep, LlcName(1, 2));
  // The same segment with a .tar.gz suffix: the suffix is not part of the name.
  std::string gz = MakeSegment(f.deep, LlcName(2, 3));
  stdfs::rename(gz, gz + ".tar.gz");
  // An extracted segment directory.
  std::string tar = MakeSegment(f.dir.path(), LlcName(3, 4));
  stdfs::create_directories(f.deep + "/events/" + LlcName(3, 4));
  auto r = pe::testing::Run(
      {"tar", "-xzf", tar, "-C", f.deep + "/events/" + LlcName(3, 4), "--strip-components=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Writers' temp files are not segments.
  std::ofstream(f.deep + "/events/." + LlcName(4, 5) + ".tmp-1") << "partial";
  std::ofstream(f.deep + "/events/_SUCCESS") << "";

  DeepStoreSource src({f.deep, {}, f.store.get(), ""});
  auto list = src.ListSegments("events_REALTIME");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 3u);
  std::map<std::string, SegmentRecord> by;
  for (auto& s : *list) by[s.name] = s;
  for (int seq = 1; seq <= 3; ++seq) {
    const std::string n = LlcName(seq, seq + 1);
    ASSERT_TRUE(by.count(n)) << n;
    const SegmentRecord& s = by[n];
    EXPECT_TRUE(s.problem.empty()) << s.problem;
    EXPECT_TRUE(s.completed);
    EXPECT_EQ(s.total_docs, 200);
    // ts runs one row a second and its last value is just before the name's creation time.
    ASSERT_TRUE(s.end_time_ms.has_value());
    EXPECT_LT(*s.end_time_ms, Nov(seq + 1));
    EXPECT_GT(*s.end_time_ms, Nov(seq + 1) - 2000);
    EXPECT_NE(s.crc, -1);
  }
  EXPECT_EQ(by[LlcName(2, 3)].download_uri, f.deep + "/events/" + LlcName(2, 3) + ".tar.gz");
  EXPECT_EQ(by[LlcName(3, 4)].download_uri, f.deep + "/events/" + LlcName(3, 4));
  EXPECT_EQ(src.metadata_reads(), 3);
}

TEST(DeepStoreSource, MetadataIsReadOncePerObjectVersion) {
  Fixture f;
  std::string a = MakeSegment(f.deep, LlcName(1, 2));
  MakeSegment(f.deep, LlcName(2, 3));
  {
    DeepStoreSource src({f.deep, {}, f.store.get(), ""});
    ASSERT_TRUE(src.ListSegments("events_REALTIME").ok());
    EXPECT_EQ(src.metadata_reads(), 2);
  }
  // A new source over the same state (a restart): everything comes from the cache.
  DeepStoreSource src({f.deep, {}, f.store.get(), ""});
  ASSERT_TRUE(src.ListSegments("events_REALTIME").ok());
  EXPECT_EQ(src.metadata_reads(), 0);
  // The object replaced (another size and mtime): read again.
  MakeSegment(f.dir.path(), LlcName(1, 2), 300);
  stdfs::rename(f.dir.path() + "/events/" + LlcName(1, 2), a);
  auto list = src.ListSegments("events_REALTIME");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(src.metadata_reads(), 1);
  for (const auto& s : *list)
    if (s.name == LlcName(1, 2)) {
      EXPECT_EQ(s.total_docs, 300);
    }
}

TEST(DeepStoreSource, LyingOrUnreadableSegmentsAreListedWithTheirProblem) {
  Fixture f;
  // A segment stored under another segment's name.
  std::string real = MakeSegment(f.deep, LlcName(1, 2));
  stdfs::copy_file(real, f.deep + "/events/" + LlcName(9, 9));
  // Not a segment at all.
  std::ofstream(f.deep + "/events/" + LlcName(8, 8)) << "this is not a tarball";
  DeepStoreSource src({f.deep, {}, f.store.get(), ""});
  auto list = src.ListSegments("events_REALTIME");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  for (const auto& s : *list) {
    if (s.name == LlcName(9, 9)) {
      EXPECT_NE(s.problem.find("names segment '" + LlcName(1, 2) + "'"), std::string::npos)
          << s.problem;
    } else if (s.name == LlcName(8, 8)) {
      EXPECT_NE(s.problem.find("not a Pinot segment"), std::string::npos) << s.problem;
    } else {
      EXPECT_TRUE(s.problem.empty()) << s.problem;
    }
  }
  // The generator counts them as unusable and never selects them.
  CycleInput in;
  in.now_ms = Nov(30);
  in.buffer_ms = kDay;
  in.segments = *list;
  CyclePlan p = PlanCycle(in);
  EXPECT_EQ(p.unusable, 2);
  ASSERT_EQ(p.selected.size(), 1u);
  EXPECT_EQ(p.selected[0].name, LlcName(1, 2));
}

TEST(DeepStoreSource, AbsentTableFolderIsAnEmptyListing) {
  Fixture f;
  DeepStoreSource src({f.deep, {}, f.store.get(), ""});
  auto list = src.ListSegments("events_REALTIME");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->empty());
}

state::Subtask SubtaskFor(const std::string& deep, const std::string& name, int64_t end_ms) {
  state::Subtask st;
  st.name = "Task_DataExportTask_x_1_0";
  st.task = "Task_DataExportTask_x_1";
  st.table = "events_REALTIME";
  st.segment = name;
  st.segment_uri = deep + "/events/" + name;
  st.end_time_ms = end_ms;
  return st;
}

ExecutorOptions TestExecutorOptions(std::vector<int64_t>* sleeps, int64_t* now) {
  ExecutorOptions o;
  o.max_attempts = 3;
  o.retry_backoff_ms = 1000;
  o.clock = [now] { return *now; };
  o.sleep = [sleeps](int64_t ms) {
    sleeps->push_back(ms);
    return true;
  };
  return o;
}

TEST(Executor, ExportsVerifiesAndReturnsTheCheckpoint) {
  Fixture f;
  MakeSegment(f.deep, LlcName(1, 2), 321);
  // A stale hidden temp file of the same output left by a killed run.
  stdfs::create_directories(f.out);
  const std::string stale = f.out + "/." + LlcName(1, 2) + ".parquet.tmp-99-abc-1";
  std::ofstream(stale) << "partial";
  std::vector<int64_t> sleeps;
  int64_t now = 5000;
  auto o = TestExecutorOptions(&sleeps, &now);
  o.scratch_parent = f.dir.path() + "/scratch";
  stdfs::create_directories(o.scratch_parent);
  SubtaskResult r = RunSubtask(SubtaskFor(f.deep, LlcName(1, 2), 42), Config(f.out), o);
  ASSERT_EQ(r.outcome.state, state::SubtaskState::kCompleted) << r.outcome.error;
  ASSERT_TRUE(r.outcome.checkpoint.has_value());
  const state::Checkpoint& c = *r.outcome.checkpoint;
  const std::string file = f.out + "/" + LlcName(1, 2) + ".parquet";
  EXPECT_EQ(c.output_uri, file);
  EXPECT_EQ(c.rows, 321);
  EXPECT_EQ(c.bytes, int64_t(stdfs::file_size(file)));
  EXPECT_EQ(c.end_time_ms, 42);
  EXPECT_EQ(c.completed_ms, 5000);
  EXPECT_FALSE(stdfs::exists(stale));
  EXPECT_TRUE(stdfs::is_empty(o.scratch_parent));  // scratch removed
  EXPECT_TRUE(sleeps.empty());
  auto rows = RunNode("duckdb_rows.mjs", {"select count(*) as n from '" + file + "'"});
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  EXPECT_NE(rows.out.find("321"), std::string::npos) << rows.out;
}

TEST(Executor, CorruptSegmentFailsAtOnceWithoutRetry) {
  Fixture f;
  std::string seg = MakeSegment(f.deep, LlcName(1, 2));
  // Truncate the tarball: metadata may still be listed, but the data is gone.
  stdfs::resize_file(seg, stdfs::file_size(seg) / 2);
  std::vector<int64_t> sleeps;
  int64_t now = 0;
  SubtaskResult r = RunSubtask(SubtaskFor(f.deep, LlcName(1, 2), 1), Config(f.out),
                               TestExecutorOptions(&sleeps, &now));
  EXPECT_EQ(r.outcome.state, state::SubtaskState::kTaskError);
  EXPECT_NE(r.outcome.error.find("truncated"), std::string::npos) << r.outcome.error;
  EXPECT_EQ(r.attempts, 1);
  EXPECT_TRUE(sleeps.empty());
  EXPECT_FALSE(r.vanished);
  EXPECT_FALSE(stdfs::exists(f.out + "/" + LlcName(1, 2) + ".parquet"));
}

TEST(Executor, TransientErrorsAreRetriedWithGrowingBackoff) {
  Fixture f;
  MakeSegment(f.deep, LlcName(1, 2));
  // The output folder's parent is a file: every attempt fails with an I/O error.
  std::ofstream(f.dir.path() + "/blocker") << "x";
  std::vector<int64_t> sleeps;
  int64_t now = 0;
  SubtaskResult r =
      RunSubtask(SubtaskFor(f.deep, LlcName(1, 2), 1), Config(f.dir.path() + "/blocker/out"),
                 TestExecutorOptions(&sleeps, &now));
  EXPECT_EQ(r.outcome.state, state::SubtaskState::kTaskError);
  EXPECT_EQ(r.attempts, 3);
  ASSERT_EQ(sleeps.size(), 2u);
  // Full jitter within [base/2, base]: 1000 then 2000.
  EXPECT_GE(sleeps[0], 500);
  EXPECT_LE(sleeps[0], 1000);
  EXPECT_GE(sleeps[1], 1000);
  EXPECT_LE(sleeps[1], 2000);
}

TEST(Executor, VanishedSegmentIsReportedNotRetried) {
  Fixture f;
  std::vector<int64_t> sleeps;
  int64_t now = 0;
  SubtaskResult r = RunSubtask(SubtaskFor(f.deep, LlcName(1, 2), 1), Config(f.out),
                               TestExecutorOptions(&sleeps, &now));
  EXPECT_EQ(r.outcome.state, state::SubtaskState::kTaskError);
  EXPECT_TRUE(r.vanished);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.outcome.error.find("vanished"), std::string::npos) << r.outcome.error;
}

TEST(Executor, CancelledBeforeWorkRecordsNothing) {
  Fixture f;
  MakeSegment(f.deep, LlcName(1, 2));
  std::vector<int64_t> sleeps;
  int64_t now = 0;
  auto o = TestExecutorOptions(&sleeps, &now);
  std::atomic<bool> cancel{true};
  o.cancel = &cancel;
  SubtaskResult r = RunSubtask(SubtaskFor(f.deep, LlcName(1, 2), 1), Config(f.out), o);
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(stdfs::exists(f.out + "/" + LlcName(1, 2) + ".parquet"));
}

TEST(TaskState, DerivedFromSubtasksAsHelixNamesThem) {
  using S = state::SubtaskState;
  auto subs = [](std::vector<S> states) {
    std::vector<state::Subtask> v;
    for (S s : states) {
      state::Subtask st;
      st.state = s;
      v.push_back(st);
    }
    return v;
  };
  state::Task t;
  EXPECT_EQ(TaskStateName(t, subs({S::kInit, S::kInit})), "NOT_STARTED");
  EXPECT_EQ(TaskStateName(t, subs({S::kRunning, S::kInit})), "IN_PROGRESS");
  EXPECT_EQ(TaskStateName(t, subs({S::kCompleted, S::kInit})), "IN_PROGRESS");
  EXPECT_EQ(TaskStateName(t, subs({S::kCompleted, S::kCompleted})), "COMPLETED");
  EXPECT_EQ(TaskStateName(t, subs({S::kCompleted, S::kTaskError})), "FAILED");
  t.stopped = true;
  EXPECT_EQ(TaskStateName(t, subs({S::kCompleted, S::kInit})), "STOPPED");
  EXPECT_EQ(TaskStateName(t, subs({S::kRunning, S::kInit})), "IN_PROGRESS");
}

TEST(Service, CycleCreatesPinotNamedTaskAndExecutorsExportIt) {
  Fixture f;
  for (int i = 1; i <= 4; ++i) MakeSegment(f.deep, LlcName(i, i + 1));
  // The newest ends within bufferTimePeriod of "now".
  const int64_t now = Nov(5) + 12 * 3600 * 1000;
  ServiceOptions so;
  so.deep_store = f.deep;
  so.executors = 2;
  so.clock = [now] { return now; };
  so.scratch_dir = f.dir.path() + "/scratch";
  auto svc = Service::Create({Config(f.out)}, f.store.get(), so);
  ASSERT_TRUE(svc.ok()) << svc.status().ToString();
  auto rep = (*svc)->ScheduleNow("events_REALTIME");
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  EXPECT_TRUE(std::regex_match(
      rep->task,
      std::regex("Task_DataExportTask_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                 "[0-9a-f]{12}_" +
                 std::to_string(now))))
      << rep->task;
  EXPECT_EQ(rep->plan.selected.size(), 3u);
  EXPECT_EQ(rep->plan.in_buffer, 1);
  auto subs = f.store->Subtasks(rep->task);
  ASSERT_TRUE(subs.ok());
  ASSERT_EQ(subs->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*subs)[i].name, rep->task + "_" + std::to_string(i));
    EXPECT_EQ((*subs)[i].segment, LlcName(int(i) + 1, int(i) + 2));  // by end time
  }
  // A second cycle while they are queued selects nothing again.
  auto again = (*svc)->ScheduleNow("events_REALTIME");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->task.empty());

  ASSERT_TRUE((*svc)->Start().ok());
  (*svc)->WaitIdle("events_REALTIME");
  auto cps = f.store->Checkpoints("events_REALTIME");
  ASSERT_TRUE(cps.ok());
  EXPECT_EQ(cps->size(), 3u);
  for (int i = 1; i <= 3; ++i)
    EXPECT_TRUE(stdfs::exists(f.out + "/" + LlcName(i, i + 1) + ".parquet"));
  EXPECT_FALSE(stdfs::exists(f.out + "/" + LlcName(4, 5) + ".parquet"));
  auto m = (*svc)->Metrics();
  EXPECT_EQ(m["events_REALTIME"].segments_exported, 3);
  EXPECT_EQ(m["events_REALTIME"].rows_exported, 600);

  // The watermark passes what was exported: the in-buffer segment's end time.
  auto refreshed = (*svc)->RefreshWatermark("events_REALTIME");
  ASSERT_TRUE(refreshed.ok());
  auto st = (*svc)->GetStatus("events_REALTIME");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->watermark_ms.has_value());
  EXPECT_GT(*st->watermark_ms, Nov(4) - 2000);
  EXPECT_LT(*st->watermark_ms, Nov(5));
  EXPECT_EQ(*st->lag_ms, now - *st->watermark_ms);
  EXPECT_EQ(st->exported, 3);
  EXPECT_EQ(st->running, 0);
  (*svc)->Shutdown();
  EXPECT_TRUE(stdfs::is_empty(so.scratch_dir));
  EXPECT_EQ((*svc)->ScheduleNow("nope_REALTIME").status().code(), StatusCode::kNotFound);
}

TEST(Service, StartRequeuesSubtasksLeftRunningAndClearsScratch) {
  Fixture f;
  MakeSegment(f.deep, LlcName(1, 2));
  ServiceOptions so;
  so.deep_store = f.deep;
  so.executors = 1;
  const int64_t now = Nov(20);
  so.clock = [now] { return now; };
  so.scratch_dir = f.dir.path() + "/scratch";
  std::string task;
  {
    auto svc = Service::Create({Config(f.out)}, f.store.get(), so);
    ASSERT_TRUE(svc.ok());
    auto rep = (*svc)->ScheduleNow("events_REALTIME");
    ASSERT_TRUE(rep.ok());
    task = rep->task;
  }
  // A dead run's claim and scratch files.
  auto claimed = f.store->ClaimSubtask("dead-worker", now);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  stdfs::create_directories(so.scratch_dir + "/pinot-export-subtask-old");
  std::ofstream(so.scratch_dir + "/pinot-export-subtask-old/segment") << "x";

  auto svc = Service::Create({Config(f.out)}, f.store.get(), so);
  ASSERT_TRUE(svc.ok());
  ASSERT_TRUE((*svc)->Start().ok());
  (*svc)->WaitIdle("events_REALTIME");
  (*svc)->Shutdown();
  auto sub = f.store->GetSubtask(task + "_0");
  ASSERT_TRUE(sub.ok() && sub->has_value());
  EXPECT_EQ((*sub)->state, state::SubtaskState::kCompleted);
  EXPECT_EQ((*sub)->attempts, 2);
  EXPECT_TRUE(stdfs::is_empty(so.scratch_dir));
}

TEST(Service, StoppedTasksAreNotStartedUntilResumed) {
  Fixture f;
  MakeSegment(f.deep, LlcName(1, 2));
  ServiceOptions so;
  so.deep_store = f.deep;
  so.executors = 1;
  so.clock = [] { return Nov(20); };
  auto svc = Service::Create({Config(f.out)}, f.store.get(), so);
  ASSERT_TRUE(svc.ok());
  ASSERT_TRUE((*svc)->StopTasks().ok());
  auto rep = (*svc)->ScheduleNow("events_REALTIME");
  ASSERT_TRUE(rep.ok());
  ASSERT_FALSE(rep->task.empty());
  // New tasks of a stopped task type are created stopped (Helix's stopped queue).
  auto t = f.store->GetTask(rep->task);
  ASSERT_TRUE(t.ok() && t->has_value());
  ASSERT_TRUE((*svc)->Start().ok());
  (*svc)->WaitIdle("events_REALTIME");  // nothing runnable: returns at once
  EXPECT_TRUE((*t)->stopped);
  auto subs = f.store->Subtasks(rep->task);
  ASSERT_TRUE(subs.ok());
  EXPECT_EQ((*subs)[0].state, state::SubtaskState::kInit);
  ASSERT_TRUE((*svc)->ResumeTasks().ok());
  (*svc)->WaitIdle("events_REALTIME");
  subs = f.store->Subtasks(rep->task);
  EXPECT_EQ((*subs)[0].state, state::SubtaskState::kCompleted);
  (*svc)->Shutdown();
}

TEST(Service, CreateRefusesBadSetups) {
  Fixture f;
  ServiceOptions so;
  so.deep_store = f.deep;
  EXPECT_FALSE(Service::Create({}, f.store.get(), so).ok());
  EXPECT_FALSE(Service::Create({Config(f.out), Config(f.out)}, f.store.get(), so).ok());
  so.deep_store = "";
  EXPECT_EQ(Service::Create({Config(f.out)}, f.store.get(), so).status().code(),
            StatusCode::kInvalidArgument);
  so.deep_store = f.deep;
  auto bad = Service::Create({Config("ftp://host/out")}, f.store.get(), so);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("outputDirURI"), std::string::npos);
}

}  // namespace
}  // namespace pe::task
