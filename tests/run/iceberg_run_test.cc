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
#include "run/run_env.h"

namespace pe::run_testing {
namespace {

constexpr int64_t kHour = 3600 * 1000;

// The Iceberg table for `sample --demo` segments: every Pinot column by name, with promotions
// (INT quantity -> long), TIMESTAMP event_time -> timestamptz, the LONG time column ts (epoch
// ms) -> timestamp, JSON payload and BIG_DECIMAL price -> string, MV tags -> list<string>, plus
// an optional field no segment has (written as nulls).
nlohmann::json DemoSchema() {
  int id = 0;
  auto f = [&](const char* name, nlohmann::json type, bool required) {
    return nlohmann::json{{"id", ++id}, {"name", name}, {"required", required}, {"type", type}};
  };
  nlohmann::json fields = nlohmann::json::array();
  fields.push_back(f("event_type", "string", true));
  fields.push_back(f("user_id", "long", true));
  fields.push_back(f("country", "string", false));
  fields.push_back(f("device", "string", false));
  fields.push_back(f("is_mobile", "boolean", false));
  fields.push_back(
      f("tags",
        {{"type", "list"}, {"element-id", 100}, {"element", "string"}, {"element-required", true}},
        false));
  fields.push_back(f("quantity", "long", false));
  fields.push_back(f("amount", "double", false));
  fields.push_back(f("price", "string", false));
  fields.push_back(f("event_time", "timestamptz", false));
  fields.push_back(f("payload", "string", false));
  fields.push_back(f("session_key", "binary", false));
  fields.push_back(f("ts", "timestamp", true));
  fields.push_back(f("note", "string", false));
  return {{"type", "struct"}, {"schema-id", 0}, {"fields", fields}};
}

std::vector<Seg> Segments(int n, int rows) {
  std::vector<Seg> segs;
  const int64_t base = UtcMs(2026, 11, 10);
  for (int i = 0; i < n; ++i)
    segs.push_back({LlcName(0, i, base + int64_t(i) * 5 * kHour), rows + i});
  return segs;
}

class IcebergRun : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(catalog_.Start());
    catalog_.CreateTable({"lake"}, "events", DemoSchema(), 2);
  }
  void TearDown() override { EXPECT_EQ(catalog_.Violations(), nlohmann::json::array()); }

  void Configure(int threshold, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> keys = {
        {"outputDirURI", ""},
        {"externalTable.target", "iceberg-rest"},
        {"catalog.iceberg-rest.restUri", catalog_.uri()},
        {"catalog.iceberg-rest.table.namespace", "lake"},
        {"catalog.iceberg-rest.table.tableName", "events"},
        {"iceberg.commitThreshold", std::to_string(threshold)}};
    for (auto& [k, v] : extra) keys[k] = v;
    env_.WriteConfig(keys);
  }

  nlohmann::json Metadata() { return catalog_.Table("lake", "events")["metadata"]; }

  // Snapshots of pinot-export batches, oldest first: segment count and added records.
  std::vector<std::pair<int64_t, int64_t>> Batches() {
    std::vector<std::pair<int64_t, int64_t>> out;
    const nlohmann::json m = Metadata();
    for (const auto& s : m["snapshots"]) {
      const auto& sum = s["summary"];
      if (!sum.contains("pinot-export.batch-id")) continue;
      out.emplace_back(std::stoll(sum["pinot-export.segment-count"].get<std::string>()),
                       std::stoll(sum["added-records"].get<std::string>()));
    }
    return out;
  }

  // Rows of the current snapshot read by icebird: the ts column (epoch µs) of each row.
  std::vector<int64_t> ReadTs() {
    const std::string meta = env_.root() + "/metadata.json";
    std::ofstream(meta) << Metadata().dump();
    auto r = pe::testing::RunNode("iceberg_read.mjs", {meta});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<int64_t> ts;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (!j.is_array()) {
      ADD_FAILURE() << r.out << r.err;
      return ts;
    }
    for (const auto& row : j) {
      const auto& v = row["ts"];
      // icebird gives timestamps as Dates (ISO text here) or bigints (text).
      if (v.is_string() && v.get<std::string>().find('T') != std::string::npos) {
        std::tm tm{};
        const std::string s = v.get<std::string>();
        strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
        int ms = std::stoi(s.substr(20, 3));
        ts.push_back((int64_t(timegm(&tm)) * 1000 + ms) * 1000);
      } else {
        ts.push_back(v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>());
      }
    }
    return ts;
  }

  // Every segment's rows are in the table exactly once: per segment, the rows whose ts falls in
  // its range [C - N s, C) number N (segments do not overlap in time).
  void ExpectRowsExactlyOnce(const std::vector<Seg>& segs) {
    std::vector<int64_t> ts = ReadTs();
    size_t total = 0;
    for (const Seg& s : segs) total += size_t(s.rows);
    EXPECT_EQ(ts.size(), total);
    for (const Seg& s : segs) {
      const int64_t end_us = LlcCreationMs(s.name) * 1000;
      const int64_t start_us = end_us - int64_t(s.rows) * 1000 * 1000;
      const auto n = std::count_if(ts.begin(), ts.end(),
                                   [&](int64_t t) { return t >= start_us && t < end_us; });
      EXPECT_EQ(n, s.rows) << s.name;
    }
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

// A segment column the table does not have: the subtask fails naming table, column and type; no
// snapshot; exit 1.
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
  env_.WriteConfig({{"outputDirURI", ""},
                    {"externalTable.target", "iceberg-rest"},
                    {"catalog.iceberg-rest.restUri", other.uri()},
                    {"catalog.iceberg-rest.table.namespace", "lake"},
                    {"catalog.iceberg-rest.table.tableName", "events"}});
  auto r = env_.RunOnce();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lake.events"), std::string::npos) << r.err;
  EXPECT_EQ(other.Table("lake", "events")["metadata"]["snapshots"].size(), 0u);
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
