// `pinot-export run` killed or stopped mid-export, then restarted: every segment ends up exported
// exactly once, with no temp files in the output and no scratch files left.
//   - kill -9 at each crash point (PE_CRASH_AT, task/crash_point.h: the process SIGKILLs itself
//     there, exactly what `kill -9` does at that moment);
//   - SIGTERM while subtasks run (drain within the grace period);
//   - a second `run` on the same --state is refused while the first runs.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>

#include "run/run_env.h"

namespace pe::run_testing {
namespace {

constexpr int64_t kHour = 3600 * 1000;

std::vector<Seg> Segments(int n, int rows, int partition = 0) {
  std::vector<Seg> segs;
  const int64_t base = UtcMs(2026, 11, 10);
  for (int i = 0; i < n; ++i)
    segs.push_back({LlcName(partition, i, base + int64_t(i) * 5 * kHour), rows + i});
  return segs;
}

std::vector<std::string> Names(const std::vector<Seg>& segs) {
  std::vector<std::string> n;
  for (const auto& s : segs) n.push_back(s.name);
  std::sort(n.begin(), n.end());
  return n;
}

struct CrashCase {
  const char* point;
  // Checkpoints recorded when the process dies at the 3rd pass with one executor: the subtask
  // that reached "checkpointed" has recorded its checkpoint; at the earlier points it has not.
  size_t checkpointed_before;
  // Whether the dead run left a subtask RUNNING (at "checkpointed" it had already ended it).
  bool left_running;
};

void PrintTo(const CrashCase& c, std::ostream* os) { *os << "PE_CRASH_AT=" << c.point << ":3"; }

class RunCrash : public ::testing::TestWithParam<CrashCase> {};

TEST_P(RunCrash, RestartExportsEverySegmentExactlyOnce) {
  const CrashCase& c = GetParam();
  ExportEnv env;
  const std::vector<Seg> segs = Segments(8, 150);
  env.Write(segs);
  env.WriteConfig();

  auto r1 = env.RunOnce({"--executors", "1"}, {std::string("PE_CRASH_AT=") + c.point + ":3"});
  ASSERT_EQ(r1.exit_code, 128 + SIGKILL) << "expected the process to die at " << c.point << "\n"
                                         << r1.out << r1.err;
  const auto done_before = CheckpointedSegments(env.state());
  ASSERT_EQ(done_before.size(), c.checkpointed_before);
  // Files of checkpointed segments must not be written again by the restart.
  const auto files_before = ListDir(env.out_dir());
  // The dead subtask's scratch dir is still there (so the check after the restart means something).
  if (c.left_running) {
    EXPECT_FALSE(ListDir(env.scratch()).empty());
  }

  auto r2 = env.RunOnce({"--executors", "1"});
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  Summary s2 = ParseSummary(r2.out);
  ASSERT_TRUE(s2.parsed) << r2.out;
  // The dead run's task still holds the rest: re-queued and finished, nothing selected twice.
  EXPECT_EQ(s2.completed, int64_t(segs.size() - c.checkpointed_before)) << r2.out;
  EXPECT_EQ(s2.failed, 0);
  EXPECT_EQ(s2.exported_total, int64_t(segs.size()));
  EXPECT_EQ(r2.err.find("re-queued 1 subtask") != std::string::npos, c.left_running) << r2.err;

  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env.out_dir()), segs), 0);
  EXPECT_EQ(HiddenFiles(env.out_dir()), std::vector<std::string>{});
  EXPECT_EQ(ListDir(env.scratch()).size(), 0u) << "scratch files left in " << env.scratch();
  EXPECT_EQ(CheckpointedSegments(env.state()), Names(segs));
  const auto files_after = ListDir(env.out_dir());
  for (const auto& seg : done_before) {
    const std::string f = seg + ".parquet";
    ASSERT_TRUE(files_before.count(f)) << f;
    EXPECT_EQ(files_after.at(f).mtime_ns, files_before.at(f).mtime_ns) << f << " written twice";
  }

  auto r3 = env.RunOnce();
  ASSERT_EQ(r3.exit_code, 0) << r3.out << r3.err;
  EXPECT_TRUE(ParseSummary(r3.out).nothing_to_export) << r3.out;
}

INSTANTIATE_TEST_SUITE_P(Points, RunCrash,
                         ::testing::Values(CrashCase{"fetched", 2, true},
                                           CrashCase{"converted", 2, true},
                                           CrashCase{"uploaded", 2, true},
                                           CrashCase{"checkpointed", 3, false}),
                         [](const auto& info) { return std::string(info.param.point); });

// SIGTERM while one executor works through many segments: the process stops taking work, lets the
// running subtask finish, exits 1 ("interrupted") well within the grace period, leaves only
// complete files that are all checkpointed; the next `run --once` exports the rest exactly once.
TEST(RunSignal, SigtermDrainsAndTheNextRunFinishes) {
  ExportEnv env;
  const std::vector<Seg> segs = Segments(24, 4000);
  env.Write(segs);
  env.WriteConfig();

  Child run;
  const std::string out = env.root() + "/run.out", err = env.root() + "/run.err";
  ASSERT_TRUE(
      run.Start(env.RunArgv({"--once", "--executors", "1", "--grace-period", "30"}), {}, out, err));
  // Signal once the first file is out: the other 23 are still to do.
  auto parquet_count = [&] {
    size_t n = 0;
    for (const auto& [name, st] : ListDir(env.out_dir()))
      if (name.ends_with(".parquet") && name[0] != '.') ++n;
    return n;
  };
  ASSERT_TRUE(WaitUntil([&] { return parquet_count() >= 1; }, std::chrono::seconds(120)));
  run.Signal(SIGTERM);
  auto rc = run.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(rc.has_value()) << "still running 30 s (the grace period) after SIGTERM";
  const std::string stdout_text = ReadText(out);
  const std::string stderr_text = ReadText(err);
  EXPECT_EQ(*rc, 1) << stdout_text << stderr_text;
  Summary s1 = ParseSummary(stdout_text);
  ASSERT_TRUE(s1.parsed) << stdout_text;
  EXPECT_TRUE(s1.interrupted) << stdout_text;
  EXPECT_EQ(s1.failed, 0);
  ASSERT_LT(s1.completed, int64_t(segs.size())) << "finished before SIGTERM arrived";
  EXPECT_NE(stderr_text.find("SIGTERM"), std::string::npos) << stderr_text;

  // Only whole files, each checkpointed.
  EXPECT_EQ(HiddenFiles(env.out_dir()), std::vector<std::string>{});
  const auto done = CheckpointedSegments(env.state());
  EXPECT_EQ(done.size(), size_t(s1.completed));
  std::vector<Seg> done_segs;
  for (const auto& s : segs)
    if (std::binary_search(done.begin(), done.end(), s.name)) done_segs.push_back(s);
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env.out_dir()), done_segs), 0);
  const auto files_before = ListDir(env.out_dir());

  auto r2 = env.RunOnce({"--executors", "2"});
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  Summary s2 = ParseSummary(r2.out);
  EXPECT_EQ(s2.completed, int64_t(segs.size()) - s1.completed) << r2.out;
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env.out_dir()), segs), 0);
  EXPECT_EQ(HiddenFiles(env.out_dir()), std::vector<std::string>{});
  EXPECT_EQ(ListDir(env.scratch()).size(), 0u);
  EXPECT_EQ(CheckpointedSegments(env.state()), Names(segs));
  const auto files_after = ListDir(env.out_dir());
  for (const auto& [f, st] : files_before)
    EXPECT_EQ(files_after.at(f).mtime_ns, st.mtime_ns) << f << " written twice";
}

// One process per state file: while a `run` holds --state, a second one exits 1 saying the state
// is in use and exports nothing; once the first has stopped, a run proceeds.
TEST(RunSignal, SecondRunOnTheSameStateIsRefused) {
  ExportEnv env;
  const std::vector<Seg> segs = Segments(3, 120);
  env.Write(segs);
  env.WriteConfig();  // no schedule: the service runs cycles only on demand, so it stays idle

  Child first;
  const std::string first_err = env.root() + "/first.err";
  ASSERT_TRUE(first.Start(env.RunArgv({"--executors", "1", "--port", "0"}), {},
                          env.root() + "/first.out", first_err));
  // Up (lock held, service started, signals handled) once it logs its REST address.
  ASSERT_TRUE(
      WaitUntil([&] { return ReadText(first_err).find("REST API on") != std::string::npos; },
                std::chrono::seconds(60)))
      << ReadText(first_err);

  auto second = env.RunOnce();
  EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
  EXPECT_NE(second.err.find("in use"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find(env.state()), std::string::npos) << second.err;
  EXPECT_TRUE(ListDir(env.out_dir()).empty());

  first.Signal(SIGTERM);
  auto rc = first.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << ReadText(first_err);

  auto third = env.RunOnce();
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env.out_dir()), segs), 0);
}

}  // namespace
}  // namespace pe::run_testing
