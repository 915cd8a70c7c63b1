// `pinot-export run --once` end to end on the embedded default (a local deep store, SQLite state,
// a local outputDirURI): every segment exported exactly once, the Generator's rules as a user sees
// them (bufferTimePeriod, initialWatermarkMs, tableMaxNumTasks, late segments), and a corrupt
// segment failing alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "run/run_env.h"

namespace pe::run_testing {
namespace {

namespace stdfs = std::filesystem;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;

std::vector<std::string> Names(const std::vector<Seg>& segs) {
  std::vector<std::string> n;
  for (const auto& s : segs) n.push_back(s.name);
  std::sort(n.begin(), n.end());
  return n;
}

std::vector<std::string> ParquetFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& [name, st] : ListDir(dir)) out.push_back(name);
  return out;
}

std::vector<std::string> WithParquet(std::vector<std::string> names) {
  for (auto& n : names) n += ".parquet";
  std::sort(names.begin(), names.end());
  return names;
}

// 50 segments of 5 partitions over ~6 days → the first run exports all 50 (each file holds its
// segment's rows, read back by DuckDB), the second exports nothing and touches no file.
TEST(RunExport, FiftySegmentsExportOnceAndNeverTwice) {
  ExportEnv env;
  std::vector<Seg> segs;
  const int64_t base = UtcMs(2026, 11, 1);
  for (int p = 0; p < 5; ++p) {
    for (int s = 0; s < 10; ++s) {
      const int i = p * 10 + s;
      segs.push_back(
          {LlcName(p, s, base + int64_t(s) * 14 * kHour + p * 37 * 60000), 100 + 7 * (i % 13)});
    }
  }
  env.Write(segs);
  env.WriteConfig();

  auto r1 = env.RunOnce({"--executors", "2"});
  ASSERT_EQ(r1.exit_code, 0) << r1.out << r1.err;
  Summary s1 = ParseSummary(r1.out);
  ASSERT_TRUE(s1.parsed) << r1.out;
  EXPECT_EQ(s1.eligible, 50);
  EXPECT_EQ(s1.selected, 50);
  EXPECT_EQ(s1.late, 0);
  EXPECT_EQ(s1.completed, 50);
  EXPECT_EQ(s1.failed, 0);
  EXPECT_EQ(s1.exported_total, 50);

  auto files = ReadBackWithDuckDb(env.out_dir());
  EXPECT_EQ(ExpectExportedExactly(files, segs), 0);
  int64_t rows = 0, max_ts = 0;
  for (const auto& [f, fr] : files) {
    rows += fr.rows;
    max_ts = std::max(max_ts, fr.max_ts);
  }
  int64_t want_rows = 0;
  for (const auto& s : segs) want_rows += s.rows;
  EXPECT_EQ(rows, want_rows);
  // Every segment is checkpointed, so the watermark is one past the latest end time (the
  // segment's end time is its largest ts).
  ASSERT_TRUE(s1.watermark.has_value());
  EXPECT_EQ(*s1.watermark, max_ts + 1);
  EXPECT_TRUE(HiddenFiles(env.out_dir()).empty());
  EXPECT_TRUE(ListDir(env.scratch()).empty());
  EXPECT_EQ(CheckpointedSegments(env.state()), Names(segs));

  const auto before = ListDir(env.out_dir());
  auto r2 = env.RunOnce({"--executors", "2"});
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  Summary s2 = ParseSummary(r2.out);
  ASSERT_TRUE(s2.parsed) << r2.out;
  EXPECT_TRUE(s2.nothing_to_export) << r2.out;
  EXPECT_EQ(s2.selected, 0);
  EXPECT_EQ(s2.subtasks, 0);
  EXPECT_EQ(s2.exported_total, 50);
  EXPECT_EQ(s2.watermark, s1.watermark);
  const auto after = ListDir(env.out_dir());
  ASSERT_EQ(after.size(), before.size());
  for (const auto& [name, st] : before) {
    ASSERT_TRUE(after.count(name)) << name;
    EXPECT_EQ(after.at(name).size, st.size) << name;
    EXPECT_EQ(after.at(name).mtime_ns, st.mtime_ns) << name << " was written again";
  }
}

// bufferTimePeriod against the real clock: a segment that ended 3 days ago is exported at 1d; one
// that ended ~2 hours ago only once the buffer is 1h; one ending tomorrow never.
TEST(RunExport, BufferTimePeriodHoldsBackRecentSegments) {
  ExportEnv env;
  const int64_t now = NowMs();
  const Seg old{LlcName(0, 0, now - 3 * kDay), 120};
  const Seg recent{LlcName(0, 1, now - 2 * kHour), 120};
  const Seg future{LlcName(0, 2, now + kDay), 120};
  env.Write({old, recent, future});

  env.WriteConfig({{"bufferTimePeriod", "1d"}});
  auto r1 = env.RunOnce();
  ASSERT_EQ(r1.exit_code, 0) << r1.out << r1.err;
  Summary s1 = ParseSummary(r1.out);
  EXPECT_EQ(s1.eligible, 1) << r1.out;
  EXPECT_EQ(s1.completed, 1);
  EXPECT_EQ(ParquetFiles(env.out_dir()), WithParquet({old.name}));
  // The watermark stops at the earliest segment not exported (the recent one): below its
  // creation time, above the old one's.
  ASSERT_TRUE(s1.watermark.has_value()) << r1.out;
  EXPECT_GT(*s1.watermark, LlcCreationMs(old.name) - 1000);
  EXPECT_LT(*s1.watermark, LlcCreationMs(recent.name));

  env.WriteConfig({{"bufferTimePeriod", "1h"}});
  auto r2 = env.RunOnce();
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  Summary s2 = ParseSummary(r2.out);
  EXPECT_EQ(s2.eligible, 1) << r2.out;
  EXPECT_EQ(s2.completed, 1);
  EXPECT_EQ(ParquetFiles(env.out_dir()), WithParquet({old.name, recent.name}));

  env.WriteConfig({{"bufferTimePeriod", "30m"}});
  auto r3 = env.RunOnce();
  ASSERT_EQ(r3.exit_code, 0) << r3.out << r3.err;
  EXPECT_TRUE(ParseSummary(r3.out).nothing_to_export) << r3.out;
  EXPECT_EQ(ParquetFiles(env.out_dir()), WithParquet({old.name, recent.name}));
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env.out_dir()), {old, recent}), 0);
}

// initialWatermarkMs: segments ending before it are never exported; later ones are.
TEST(RunExport, InitialWatermarkSkipsOlderSegments) {
  ExportEnv env;
  std::vector<Seg> segs;
  for (int d = 1; d <= 4; ++d) segs.push_back({LlcName(0, d, UtcMs(2026, 11, d)), 100 + d});
  env.Write(segs);
  // Between the ends of the Nov 2 segment (Nov 1 23:59:59) and the Nov 3 one (Nov 2 23:59:59).
  const int64_t initial = UtcMs(2026, 11, 2, 12);
  env.WriteConfig({{"initialWatermarkMs", std::to_string(initial)}});

  auto r1 = env.RunOnce();
  ASSERT_EQ(r1.exit_code, 0) << r1.out << r1.err;
  Summary s1 = ParseSummary(r1.out);
  EXPECT_EQ(s1.eligible, 2) << r1.out;
  EXPECT_EQ(s1.completed, 2);
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env.out_dir()), {segs[2], segs[3]}), 0);
  ASSERT_TRUE(s1.watermark.has_value());
  EXPECT_GE(*s1.watermark, initial);

  auto r2 = env.RunOnce();
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_TRUE(ParseSummary(r2.out).nothing_to_export) << r2.out;
  EXPECT_EQ(ParquetFiles(env.out_dir()), WithParquet({segs[2].name, segs[3].name}));
}

// tableMaxNumTasks 4 over 10 segments: runs export 4, 4, 2, then nothing; each run takes the
// earliest-ending segments left (creation times are not in name order).
TEST(RunExport, TableMaxNumTasksCapsEachCycle) {
  ExportEnv env;
  std::vector<Seg> segs;
  const int64_t base = UtcMs(2026, 11, 10);
  for (int i = 0; i < 10; ++i)
    segs.push_back({LlcName(i % 3, i, base + int64_t((i * 7) % 10) * kHour), 100 + i});
  env.Write(segs);
  env.WriteConfig({{"tableMaxNumTasks", "4"}});
  std::vector<Seg> by_end = segs;
  std::sort(by_end.begin(), by_end.end(), [](const Seg& a, const Seg& b) {
    return LlcCreationMs(a.name) < LlcCreationMs(b.name);
  });

  const int64_t want_eligible[] = {10, 6, 2};
  const int64_t want_selected[] = {4, 4, 2};
  size_t done = 0;
  for (int run = 0; run < 3; ++run) {
    auto r = env.RunOnce({"--executors", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    Summary s = ParseSummary(r.out);
    EXPECT_EQ(s.eligible, want_eligible[run]) << "run " << run << "\n" << r.out;
    EXPECT_EQ(s.selected, want_selected[run]) << "run " << run;
    EXPECT_EQ(s.completed, want_selected[run]) << "run " << run;
    done += size_t(want_selected[run]);
    std::vector<std::string> want;
    for (size_t i = 0; i < done; ++i) want.push_back(by_end[i].name);
    EXPECT_EQ(ParquetFiles(env.out_dir()), WithParquet(want)) << "after run " << run;
  }
  auto r = env.RunOnce();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(ParseSummary(r.out).nothing_to_export) << r.out;
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env.out_dir()), segs), 0);
  EXPECT_EQ(CheckpointedSegments(env.state()), Names(segs));
}

// A segment that shows up after the watermark passed its end time (a lagging partition) is still
// exported on the next run and reported as late; the watermark does not move back.
TEST(RunExport, LateSegmentIsExportedAndReported) {
  ExportEnv env;
  std::vector<Seg> segs = {{LlcName(0, 0, UtcMs(2026, 11, 1)), 150},
                           {LlcName(0, 1, UtcMs(2026, 11, 3)), 160},
                           {LlcName(0, 2, UtcMs(2026, 11, 5)), 170}};
  env.Write(segs);
  env.WriteConfig();
  auto r1 = env.RunOnce();
  ASSERT_EQ(r1.exit_code, 0) << r1.out << r1.err;
  Summary s1 = ParseSummary(r1.out);
  EXPECT_EQ(s1.completed, 3);
  EXPECT_EQ(s1.late, 0);
  ASSERT_TRUE(s1.watermark.has_value());
  EXPECT_GE(*s1.watermark, LlcCreationMs(segs[2].name) - 1000);

  const Seg late{LlcName(1, 0, UtcMs(2026, 11, 2)), 140};
  ASSERT_LT(LlcCreationMs(late.name), *s1.watermark);
  env.Write({late});
  auto r2 = env.RunOnce();
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  Summary s2 = ParseSummary(r2.out);
  EXPECT_EQ(s2.selected, 1) << r2.out;
  EXPECT_EQ(s2.late, 1) << r2.out;
  EXPECT_EQ(s2.completed, 1);
  EXPECT_NE(r2.err.find(late.name), std::string::npos) << r2.err;
  EXPECT_EQ(s2.watermark, s1.watermark);
  segs.push_back(late);
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env.out_dir()), segs), 0);

  auto r3 = env.RunOnce();
  ASSERT_EQ(r3.exit_code, 0) << r3.out << r3.err;
  EXPECT_TRUE(ParseSummary(r3.out).nothing_to_export) << r3.out;
}

// Writes `seg` into `table_dir` as a complete tarball whose metadata is intact but whose
// columns.psf is cut to half (the index_map points past its end): listed normally, failing only
// when the executor opens it.
void WriteSegmentWithTruncatedIndex(const std::string& table_dir, const Seg& seg) {
  auto tmp = TempDir::Make("pe-run-corrupt");
  ASSERT_TRUE(tmp.ok());
  WriteSegments(tmp->path(), {seg});
  auto x = pe::testing::Run({"tar", "-xzf", tmp->path() + "/" + seg.name, "-C", tmp->path()});
  ASSERT_EQ(x.exit_code, 0) << x.err;
  const std::string psf = tmp->path() + "/" + seg.name + "/v3/columns.psf";
  std::error_code ec;
  const auto size = stdfs::file_size(psf, ec);
  ASSERT_FALSE(ec);
  stdfs::resize_file(psf, size / 2, ec);
  ASSERT_FALSE(ec);
  auto c =
      pe::testing::Run({"tar", "-czf", table_dir + "/" + seg.name, "-C", tmp->path(), seg.name});
  ASSERT_EQ(c.exit_code, 0) << c.err;
}

// A segment whose index bytes are cut is TASK_ERROR (exit 1, counted as failed) while the others
// export; the watermark stays below its end time, and the next run tries it again.
TEST(RunExport, CorruptSegmentFailsAloneAndHoldsTheWatermark) {
  ExportEnv env;
  std::vector<Seg> good = {{LlcName(0, 0, UtcMs(2026, 11, 1)), 200},
                           {LlcName(0, 1, UtcMs(2026, 11, 2)), 210},
                           {LlcName(0, 3, UtcMs(2026, 11, 4)), 230},
                           {LlcName(0, 4, UtcMs(2026, 11, 5)), 240}};
  const Seg bad{LlcName(0, 2, UtcMs(2026, 11, 3)), 220};
  env.Write(good);
  WriteSegmentWithTruncatedIndex(env.table_dir(), bad);
  env.WriteConfig();

  auto r1 = env.RunOnce({"--executors", "2"});
  EXPECT_EQ(r1.exit_code, 1) << r1.out << r1.err;
  Summary s1 = ParseSummary(r1.out);
  ASSERT_TRUE(s1.parsed) << r1.out;
  EXPECT_EQ(s1.selected, 5);
  EXPECT_EQ(s1.completed, 4);
  EXPECT_EQ(s1.failed, 1);
  EXPECT_NE(r1.err.find(bad.name), std::string::npos) << r1.err;
  EXPECT_NE(r1.err.find("TASK_ERROR"), std::string::npos) << r1.err;
  EXPECT_NE(r1.err.find("columns.psf"), std::string::npos) << r1.err;
  auto files = ReadBackWithDuckDb(env.out_dir());
  EXPECT_EQ(ExpectExportedExactly(files, good), 0);
  EXPECT_TRUE(HiddenFiles(env.out_dir()).empty());
  EXPECT_TRUE(ListDir(env.scratch()).empty());
  // Past the segment before it, at or below the corrupt one's end (which is before its creation).
  ASSERT_TRUE(s1.watermark.has_value());
  EXPECT_GT(*s1.watermark, files.at(good[1].name + ".parquet").max_ts);
  EXPECT_LT(*s1.watermark, LlcCreationMs(bad.name));

  const auto before = ListDir(env.out_dir());
  auto r2 = env.RunOnce();
  EXPECT_EQ(r2.exit_code, 1) << r2.out << r2.err;
  Summary s2 = ParseSummary(r2.out);
  EXPECT_EQ(s2.selected, 1) << r2.out;
  EXPECT_EQ(s2.completed, 0);
  EXPECT_EQ(s2.failed, 1);
  EXPECT_EQ(s2.watermark, s1.watermark);
  const auto after = ListDir(env.out_dir());
  ASSERT_EQ(after.size(), before.size());
  for (const auto& [name, st] : before) EXPECT_EQ(after.at(name).mtime_ns, st.mtime_ns) << name;
}

// A truncated segment tarball (its metadata cannot be read to the end) must not pass unnoticed:
// `run --once` is what a cron job or CI checks, so it exits 1 and names the segment; the others
// export.
TEST(RunExport, TruncatedTarballFailsTheRun) {
  ExportEnv env;
  std::vector<Seg> good = {{LlcName(0, 0, UtcMs(2026, 11, 1)), 200},
                           {LlcName(0, 2, UtcMs(2026, 11, 3)), 220}};
  const Seg bad{LlcName(0, 1, UtcMs(2026, 11, 2)), 2000};
  env.Write(good);
  {
    auto tmp = TempDir::Make("pe-run-trunc");
    ASSERT_TRUE(tmp.ok());
    WriteSegments(tmp->path(), {bad});
    const std::string src = tmp->path() + "/" + bad.name;
    std::error_code ec;
    stdfs::copy_file(src, env.table_dir() + "/" + bad.name, ec);
    ASSERT_FALSE(ec);
    stdfs::resize_file(env.table_dir() + "/" + bad.name, stdfs::file_size(src) * 6 / 10, ec);
    ASSERT_FALSE(ec);
  }
  env.WriteConfig();
  auto r = env.RunOnce();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(bad.name), std::string::npos) << r.err;
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(env.out_dir()), good), 0);
  // Its metadata cannot be read (the tarball ends early): listed as unusable, not exported.
  Summary s = ParseSummary(r.out);
  ASSERT_TRUE(s.parsed) << r.out;
  EXPECT_EQ(s.unusable, 1) << r.out;
  EXPECT_EQ(s.unusable_total, 1) << r.out;
  EXPECT_EQ(s.completed, 2) << r.out;
}

}  // namespace
}  // namespace pe::run_testing
