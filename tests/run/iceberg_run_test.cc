// `pinot-export run` with externalTable.target = iceberg-rest against the test REST catalog (every
// request and response validated against the OpenAPI file): segments land in the Iceberg table in
// batches of iceberg.commitThreshold, exactly once across kill -9 at every step, and the table is
// read back by icebird. What the tests know independently: each segment's row count and time range
// (run_env.h), the batching rules (task/generator.h DecideBatch) applied by hand.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "iceberg/test_catalog.h"
#include "run/iceberg_env.h"
#include "run/run_env.h"
#include "state/state.h"

namespace pe::run_testing {
namespace {

class IcebergRun : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(catalog_.Start());
    catalog_.CreateTable({"lake"}, "events", DemoSchema(), 2);
  }
  void TearDown() override { EXPECT_EQ(catalog_.Violations(), nlohmann::json::array()); }

  void Configure(int threshold, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> keys = IcebergKeys(catalog_.uri(), threshold);
    for (auto& [k, v] : extra) keys[k] = v;
    env_.WriteConfig(keys);
  }

  nlohmann::json Metadata() { return catalog_.Table("lake", "events")["metadata"]; }

  // Snapshots of pinot-export batches, oldest first: segment count and added records.
  std::vector<std::pair<int64_t, int64_t>> Batches() { return BatchesOf(Metadata()); }

  // Every segment's rows are in the table's current snapshot (read by icebird) exactly once.
  void ExpectRowsExactlyOnce(const std::vector<Seg>& segs) {
    ExpectEachSegmentOnce(segs, ReadTsWithIcebird(Metadata(), env_.root()));
  }

  iceberg::testing::TestCatalog catalog_;
  ExportEnv env_;
};

TEST_F(IcebergRun, SegmentsLandInBatchesOfTheCommitThreshold) {
  const auto segs = Segments(12, 40);
  env_.Write(segs);
  Configure(5);
  auto r = env_.RunOnce({"--executors", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // EMIT 5, COMMIT 5, EMIT 5, COMMIT 5, EMIT 2, COMMIT 2 (DecideBatch rules 3, 2, 3, 2, 3, 5).
  auto batches = Batches();
  ASSERT_EQ(batches.size(), 3u) << r.out;
  EXPECT_EQ(batches[0].first, 5);
  EXPECT_EQ(batches[1].first, 5);
  EXPECT_EQ(batches[2].first, 2);
  // Oldest segments first: rows 40..44, 45..49, 50..51.
  EXPECT_EQ(batches[0].second, 40 + 41 + 42 + 43 + 44);
  EXPECT_EQ(batches[1].second, 45 + 46 + 47 + 48 + 49);
  EXPECT_EQ(batches[2].second, 50 + 51);
  EXPECT_EQ(CheckpointedSegments(env_.state()).size(), 12u);
  ExpectRowsExactlyOnce(segs);
  // The optional field no segment has is null; nothing else is needed for that check than
  // the table reading at all (icebird resolves every field by id).

  // Nothing new: no snapshot.
  auto again = env_.RunOnce();
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(Batches().size(), 3u);
  EXPECT_NE(again.out.find("IDLE"), std::string::npos) << again.out;
}

// kill -9 after the catalog applied a commit and before the state recorded it: the restart finds
// the batch in the table's snapshots and completes its segments without appending them again.
TEST_F(IcebergRun, KillBetweenCommitAndStateIsFoundOnRestart) {
  const auto segs = Segments(6, 30);
  env_.Write(segs);
  Configure(3);
  auto r1 = env_.RunOnce({"--executors", "1"}, {"PE_CRASH_AT=committed:1"});
  ASSERT_EQ(r1.exit_code, 128 + SIGKILL) << r1.out << r1.err;
  EXPECT_EQ(Batches().size(), 1u);
  EXPECT_TRUE(CheckpointedSegments(env_.state()).empty());
  auto r2 = env_.RunOnce({"--executors", "1"});
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_NE(r2.out.find("found already committed"), std::string::npos) << r2.out;
  auto batches = Batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].first, 3);
  EXPECT_EQ(batches[1].first, 3);
  EXPECT_EQ(CheckpointedSegments(env_.state()).size(), 6u);
  ExpectRowsExactlyOnce(segs);
}

// kill -9 at each step of staging: the restart stages again (a new data file; the dead run's file
// is an orphan that no snapshot names) and the table holds every row once.
class IcebergRunCrash : public IcebergRun, public ::testing::WithParamInterface<const char*> {};

TEST_P(IcebergRunCrash, RestartExportsEverySegmentExactlyOnce) {
  const auto segs = Segments(4, 25);
  env_.Write(segs);
  Configure(10);
  auto r1 = env_.RunOnce({"--executors", "1"}, {std::string("PE_CRASH_AT=") + GetParam()});
  ASSERT_EQ(r1.exit_code, 128 + SIGKILL) << r1.out << r1.err;
  auto r2 = env_.RunOnce({"--executors", "1"});
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_EQ(CheckpointedSegments(env_.state()).size(), 4u);
  int64_t committed = 0;
  for (const auto& b : Batches()) committed += b.first;
  EXPECT_EQ(committed, 4);
  ExpectRowsExactlyOnce(segs);
}

INSTANTIATE_TEST_SUITE_P(Points, IcebergRunCrash,
                         ::testing::Values("converted:2", "uploaded:2", "checkpointed:2"),
                         [](const auto& info) {
                           std::string n = info.param;
                           return n.substr(0, n.find(':'));
                         });

// A concurrent writer commits between our reload and our commit, three times in a row: each 409 is
// retried on the new parent, and the table ends with every row once next to the other writer's
// snapshots.
TEST_F(IcebergRun, ConflictsFromAConcurrentWriterAreRetried) {
  const auto segs = Segments(3, 20);
  env_.Write(segs);
  Configure(10);
  catalog_.Faults({{{"route", "commit"}, {"mode", "concurrent-append"}, {"count", 3}}});
  auto r = env_.RunOnce();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto m = Metadata();
  EXPECT_EQ(m["snapshots"].size(), 4u);
  ASSERT_EQ(Batches().size(), 1u);
  ExpectRowsExactlyOnce(segs);
}

// A segment column the table does not have: found before any subtask is created (the first
// segment's metadata against the table's schema); one line naming table, column and type; no
// task, no data file, no snapshot; exit 1.
TEST_F(IcebergRun, ColumnMissingFromTheTableFailsNamingIt) {
  iceberg::testing::TestCatalog other;
  ASSERT_TRUE(other.Start());
  nlohmann::json schema = DemoSchema();
  auto& fields = schema["fields"];
  fields.erase(std::remove_if(fields.begin(), fields.end(),
                              [](const nlohmann::json& f) { return f["name"] == "device"; }),
               fields.end());
  other.CreateTable({"lake"}, "events", schema, 2);
  env_.Write(Segments(1, 10));
  auto keys = IcebergKeys(other.uri(), 250);
  keys.erase("iceberg.commitThreshold");
  env_.WriteConfig(keys);
  auto r = env_.RunOnce();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lake.events"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("STRING"), std::string::npos) << r.err;  // the Pinot type
  EXPECT_EQ(other.Table("lake", "events")["metadata"]["snapshots"].size(), 0u);
  auto store = pe::state::OpenSqliteStore(env_.state());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto tasks = (*store)->Tasks("DataExportTask");
  ASSERT_TRUE(tasks.ok());
  EXPECT_TRUE(tasks->empty()) << tasks->size() << " task(s) created";
  const std::string data = other.dir() + "/warehouse/lake/events/data";
  EXPECT_FALSE(std::filesystem::exists(data) && !std::filesystem::is_empty(data)) << data;
  EXPECT_EQ(other.Violations(), nlohmann::json::array());
}

// A table that does not exist stops `run` before anything runs.
TEST_F(IcebergRun, MissingTableStopsBeforeAnythingRuns) {
  env_.Write(Segments(1, 10));
  Configure(5, {{"catalog.iceberg-rest.table.tableName", "nope"}});
  auto r = env_.RunOnce();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("lake.nope"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(env_.scratch()));
}

}  // namespace
}  // namespace pe::run_testing
