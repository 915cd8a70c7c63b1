// Appending batches to a table of the test REST catalog (every request and response validated
// against the OpenAPI file), with the catalog's faults: 409 storms from a concurrent writer,
// commits applied but answered 503 or never answered, commits lost before the catalog saw them.
// The resulting table is read back by icebird (an independent Iceberg reader) and its manifest
// lists by avsc; expectations are counted from the batches the test made, not from the code.
#include "iceberg/commit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "iceberg/test_catalog.h"
#include "parquet/parquet.h"
#include "testing/testing.h"

namespace pe::iceberg {
namespace {

const nlohmann::json kSchema = {
    {"type", "struct"},
    {"schema-id", 0},
    {"fields",
     {{{"id", 1}, {"name", "id"}, {"required", true}, {"type", "long"}},
      {{"id", 2}, {"name", "name"}, {"required", false}, {"type", "string"}}}}};

std::string LocalPath(const std::string& uri) {
  return uri.rfind("file://", 0) == 0 ? uri.substr(7) : uri;
}

class CommitTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { Start({}); }
  void Start(std::vector<std::string> args, int format_version = 0) {
    ASSERT_TRUE(catalog_.Start(std::move(args)));
    catalog_.CreateTable({"lake"}, "events", kSchema, format_version ? format_version : GetParam());
    CatalogOptions o;
    o.uri = catalog_.uri();
    o.sleep = [](long) {};
    auto c = RestCatalog::Connect(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::move(c).value();
    auto d = TempDir::Make("pe-commit-scratch");
    ASSERT_TRUE(d.ok());
    scratch_ = std::make_unique<TempDir>(std::move(d).value());
    io_ = NewFsTableIO({}, scratch_->path());
  }
  void TearDown() override {
    if (client_) {
      EXPECT_EQ(catalog_.Violations(), nlohmann::json::array());
    }
  }

  LoadTableResult Load() {
    auto t = client_->LoadTable({"lake"}, "events");
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(t).value() : LoadTableResult{};
  }

  // A data file of rows id = first .. first + n - 1, name = "n<id>", written with the table's
  // field ids, and its DataFile.
  DataFile WriteFile(const std::string& name, int64_t first, int n) {
    LoadTableResult t = Load();
    const Schema* s = t.metadata.CurrentSchema();
    std::vector<parquet::ColumnSchema> cols(2);
    cols[0].name = "id";
    cols[0].type = parquet::PhysicalType::kInt64;
    cols[0].field_id = s->Find("id")->id;
    cols[1].name = "name";
    cols[1].type = parquet::PhysicalType::kByteArray;
    cols[1].logical.kind = parquet::LogicalType::kString;
    cols[1].optional = true;
    cols[1].field_id = s->Find("name")->id;
    const std::string uri = t.metadata.DataLocation() + "/" + name + ".parquet";
    std::filesystem::create_directories(std::filesystem::path(LocalPath(uri)).parent_path());
    auto w = parquet::FileWriter::OpenFile(LocalPath(uri), cols, {});
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    std::vector<int64_t> ids;
    std::string text;
    std::vector<uint32_t> offs{0};
    for (int i = 0; i < n; ++i) {
      ids.push_back(first + i);
      text += "n" + std::to_string(first + i);
      offs.push_back(uint32_t(text.size()));
    }
    EXPECT_TRUE((*w)->WriteInt64(0, uint32_t(n), ids.data(), nullptr, nullptr).ok());
    EXPECT_TRUE(
        (*w)->WriteByteArray(1, uint32_t(n), offs.data(), text.data(), nullptr, nullptr).ok());
    EXPECT_TRUE((*w)->Close().ok());
    auto f = MakeDataFile(uri, (*w)->metrics(), *s);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return std::move(f).value();
  }

  AppendRequest Batch(const std::string& tag, const std::vector<DataFile>& files) {
    AppendRequest r;
    r.ns = {"lake"};
    r.table = "events";
    for (size_t i = 0; i < files.size(); ++i) r.segments.push_back(tag + "__" + std::to_string(i));
    r.batch_id = BatchId("events_REALTIME", r.segments);
    r.snapshot_id = NewSnapshotId();
    r.files = files;
    r.source_table = "events_REALTIME";
    return r;
  }

  AppendOptions Options() {
    AppendOptions o;
    o.clock = [this] { return now_ms_; };
    o.sleep = [this](int64_t ms) {
      slept_.push_back(ms);
      now_ms_ += ms;
    };
    return o;
  }

  // Rows of the table's current snapshot as icebird reads them: id -> name.
  std::map<int64_t, std::string> ReadRows() {
    nlohmann::json t = catalog_.Table("lake", "events");
    const std::string meta = scratch_->path() + "/metadata.json";
    std::ofstream(meta) << t["metadata"].dump();
    auto r = pe::testing::RunNode("iceberg_read.mjs", {meta});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<int64_t, std::string> rows;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_array()) << r.out << r.err;
    if (!j.is_array()) return rows;
    for (const auto& row : j) {
      int64_t id = row["id"].is_string() ? std::stoll(row["id"].get<std::string>())
                                         : row["id"].get<int64_t>();
      EXPECT_EQ(rows.count(id), 0u) << "duplicate row " << id;
      rows[id] = row["name"].get<std::string>();
    }
    return rows;
  }

  // Snapshots of the table (catalog view) carrying our batch id.
  int SnapshotsOf(const std::string& batch_id) {
    int n = 0;
    const nlohmann::json t = catalog_.Table("lake", "events");
    for (const auto& s : t["metadata"]["snapshots"])
      if (s["summary"].value(kSummaryBatchId, "") == batch_id) ++n;
    return n;
  }

  testing::TestCatalog catalog_;
  std::unique_ptr<RestCatalog> client_;
  std::unique_ptr<TempDir> scratch_;
  std::unique_ptr<TableIO> io_;
  int64_t now_ms_ = 1767225600000;  // 2026-01-01
  std::vector<int64_t> slept_;
};

TEST_P(CommitTest, EachBatchIsOneSnapshotWithTotalsThatAddUp) {
  const int fv = GetParam();
  auto b1 = Batch("a", {WriteFile("a0", 0, 10), WriteFile("a1", 10, 15)});
  auto r1 = Append(client_.get(), io_.get(), b1, Options());
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_FALSE(r1->already_committed);
  EXPECT_EQ(r1->attempts, 1);
  auto b2 = Batch("b", {WriteFile("b0", 25, 5)});
  auto r2 = Append(client_.get(), io_.get(), b2, Options());
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();

  nlohmann::json m = catalog_.Table("lake", "events")["metadata"];
  ASSERT_EQ(m["snapshots"].size(), 2u);
  const auto& s1 = m["snapshots"][0];
  const auto& s2 = m["snapshots"][1];
  EXPECT_EQ(s1["snapshot-id"], b1.snapshot_id);
  EXPECT_EQ(s2["snapshot-id"], b2.snapshot_id);
  EXPECT_EQ(s2["parent-snapshot-id"], b1.snapshot_id);
  EXPECT_FALSE(s1.contains("parent-snapshot-id"));
  EXPECT_EQ(m["current-snapshot-id"], b2.snapshot_id);
  EXPECT_EQ(s1["summary"]["operation"], "append");
  EXPECT_EQ(s1["summary"]["added-data-files"], "2");
  EXPECT_EQ(s1["summary"]["added-records"], "25");
  EXPECT_EQ(s1["summary"]["total-records"], "25");
  EXPECT_EQ(s2["summary"]["added-records"], "5");
  EXPECT_EQ(s2["summary"]["total-records"], "30");
  EXPECT_EQ(s2["summary"]["total-data-files"], "3");
  EXPECT_EQ(s1["summary"][kSummaryBatchId], b1.batch_id);
  EXPECT_EQ(s1["summary"][kSummarySegmentCount], "2");
  EXPECT_EQ(s1["summary"][kSummarySegmentsDigest], SegmentsDigest(b1.segments));
  if (fv >= 2) {
    EXPECT_EQ(s1["sequence-number"], 1);
    EXPECT_EQ(s2["sequence-number"], 2);
    EXPECT_EQ(m["last-sequence-number"], 2);
  } else {
    EXPECT_FALSE(s1.contains("sequence-number"));
  }
  if (fv >= 3) {
    EXPECT_EQ(s1["first-row-id"], 0);
    EXPECT_EQ(s1["added-rows"], 25);
    EXPECT_EQ(s2["first-row-id"], 25);
    EXPECT_EQ(m["next-row-id"], 30);
  }

  // The second manifest list carries the first snapshot's manifest forward (avsc decodes it).
  auto list = pe::testing::RunNode("iceberg_avro.mjs", {LocalPath(s2["manifest-list"])});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto lj = nlohmann::json::parse(list.out, nullptr, false);
  ASSERT_FALSE(lj.is_discarded()) << list.out;
  ASSERT_EQ(lj["records"].size(), 2u) << list.out;
  auto list1 = nlohmann::json::parse(
      pe::testing::RunNode("iceberg_avro.mjs", {LocalPath(s1["manifest-list"])}).out, nullptr,
      false);
  ASSERT_EQ(list1["records"].size(), 1u);
  EXPECT_EQ(lj["records"][1]["manifest_path"], list1["records"][0]["manifest_path"]);

  // icebird reads every row exactly once.
  if (fv >= 2) {  // icebird requires inherited sequence numbers (v2+)
    auto rows = ReadRows();
    ASSERT_EQ(rows.size(), 30u);
    for (int64_t id = 0; id < 30; ++id) EXPECT_EQ(rows[id], "n" + std::to_string(id));
  }
}

TEST_P(CommitTest, ConflictStormIsRetriedOnTheNewParentReusingTheManifest) {
  auto b = Batch("a", {WriteFile("a0", 0, 10)});
  catalog_.Faults({{{"route", "commit"}, {"mode", "concurrent-append"}, {"count", 3}}});
  auto r = Append(client_.get(), io_.get(), b, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 4);
  EXPECT_EQ(r->conflicts, 3);
  // Backoff doubles from commit.retry.min-wait-ms (100).
  EXPECT_EQ(slept_, (std::vector<int64_t>{100, 200, 400}));
  nlohmann::json m = catalog_.Table("lake", "events")["metadata"];
  ASSERT_EQ(m["snapshots"].size(), 4u);  // three of the other writer, then ours
  EXPECT_EQ(m["current-snapshot-id"], b.snapshot_id);
  EXPECT_EQ(m["snapshots"][3]["parent-snapshot-id"], m["snapshots"][2]["snapshot-id"]);
  EXPECT_EQ(SnapshotsOf(b.batch_id), 1);
  // One manifest for the batch, one manifest list per parent tried.
  int manifests = 0, lists = 0;
  for (const auto& e : std::filesystem::directory_iterator(
           LocalPath(m["location"].get<std::string>()) + "/metadata")) {
    const std::string f = e.path().filename().string();
    if (f.find(b.batch_id + "-m") == 0) ++manifests;
    if (f.find("snap-" + std::to_string(b.snapshot_id)) == 0) ++lists;
  }
  EXPECT_EQ(manifests, 1);
  EXPECT_EQ(lists, 4);
}

TEST_P(CommitTest, RetriesRunOutOnEndlessConflicts) {
  auto b = Batch("a", {WriteFile("a0", 0, 10)});
  catalog_.Faults({{{"route", "commit"}, {"mode", "concurrent-append"}, {"count", 100}}});
  AppendOptions o = Options();
  o.num_retries = 2;
  auto r = Append(client_.get(), io_.get(), b, o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsConflict()) << r.status().ToString();
  EXPECT_EQ(SnapshotsOf(b.batch_id), 0);
  catalog_.Admin("DELETE", "/__admin/faults");
}

TEST_P(CommitTest, CommitAppliedButAnswered503IsFoundNotAppendedTwice) {
  auto b = Batch("a", {WriteFile("a0", 0, 10)});
  catalog_.Faults({{{"route", "commit"}, {"mode", "apply-then-fail"}, {"status", 503}}});
  auto r = Append(client_.get(), io_.get(), b, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->already_committed);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->unknown, 1);
  EXPECT_EQ(SnapshotsOf(b.batch_id), 1);
  EXPECT_EQ(catalog_.Table("lake", "events")["metadata"]["snapshots"].size(), 1u);
}

TEST_P(CommitTest, CommitAppliedButReplyLostIsFoundNotAppendedTwice) {
  auto b = Batch("a", {WriteFile("a0", 0, 10)});
  catalog_.Faults({{{"route", "commit"}, {"mode", "drop"}}});
  auto r = Append(client_.get(), io_.get(), b, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->already_committed);
  EXPECT_EQ(SnapshotsOf(b.batch_id), 1);
}

TEST_P(CommitTest, CommitLostBeforeTheCatalogSawItIsSentAgain) {
  auto b = Batch("a", {WriteFile("a0", 0, 10)});
  catalog_.Faults({{{"route", "commit"}, {"mode", "drop-before"}},
                   {{"route", "commit"}, {"mode", "status"}, {"status", 500}}});
  auto r = Append(client_.get(), io_.get(), b, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->already_committed);
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(r->unknown, 2);
  EXPECT_EQ(SnapshotsOf(b.batch_id), 1);
}

TEST_P(CommitTest, ARestartedRunFindsItsBatchInTheTable) {
  auto b = Batch("a", {WriteFile("a0", 0, 10)});
  ASSERT_TRUE(Append(client_.get(), io_.get(), b, Options()).ok());
  // The same batch again (its state said "not known committed"): found, nothing sent.
  auto again = Append(client_.get(), io_.get(), b, Options());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->already_committed);
  EXPECT_EQ(again->attempts, 0);
  EXPECT_EQ(SnapshotsOf(b.batch_id), 1);
}

TEST_P(CommitTest, ManifestIsPersistedBeforeTheCommitNamesIt) {
  auto b = Batch("a", {WriteFile("a0", 0, 10)});
  std::string recorded;
  int64_t length = 0;
  AppendOptions o = Options();
  o.on_manifest = [&](const std::string& uri, int64_t len) {
    recorded = uri;
    length = len;
    // Nothing committed yet when the manifest is recorded.
    EXPECT_EQ(SnapshotsOf(b.batch_id), 0);
    return Status::OK();
  };
  ASSERT_TRUE(Append(client_.get(), io_.get(), b, o).ok());
  ASSERT_FALSE(recorded.empty());
  EXPECT_EQ(int64_t(std::filesystem::file_size(LocalPath(recorded))), length);
  // A failing persist stops before any commit.
  auto b2 = Batch("b", {WriteFile("b0", 10, 1)});
  o.on_manifest = [](const std::string&, int64_t) { return Status::IOError("disk full"); };
  auto r = Append(client_.get(), io_.get(), b2, o);
  EXPECT_TRUE(r.status().IsIOError());
  EXPECT_EQ(SnapshotsOf(b2.batch_id), 0);
}

INSTANTIATE_TEST_SUITE_P(FormatVersions, CommitTest, ::testing::Values(1, 2, 3),
                         [](const auto& info) { return "v" + std::to_string(info.param); });

TEST(CommitIdempotency, SameKeyForTheSameParentNewKeyForANewParent) {
  testing::TestCatalog catalog;
  ASSERT_TRUE(catalog.Start({"--idempotency"}));
  // (table set up as in CommitTest; kept separate because it needs the catalog option)
  catalog.CreateTable({"lake"}, "events", kSchema, 2);
  CatalogOptions o;
  o.uri = catalog.uri();
  o.sleep = [](long) {};
  auto client = RestCatalog::Connect(o);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_TRUE((*client)->supports_idempotency());
  auto scratch = TempDir::Make("pe-commit-idem");
  ASSERT_TRUE(scratch.ok());
  auto io = NewFsTableIO({}, scratch->path());
  AppendRequest r;
  r.ns = {"lake"};
  r.table = "events";
  r.segments = {"s0"};
  r.batch_id = BatchId("events_REALTIME", r.segments);
  r.snapshot_id = NewSnapshotId();
  // A batch without files is still a valid append (tests the protocol, not the data).
  catalog.Faults({{{"route", "commit"}, {"mode", "drop-before"}},
                  {{"route", "commit"}, {"mode", "concurrent-append"}}});
  AppendOptions ao;
  int64_t now = 1767225600000;
  ao.clock = [&] { return now; };
  ao.sleep = [&](int64_t ms) { now += ms; };
  auto res = Append(client->get(), io.get(), r, ao);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  std::vector<std::string> keys;
  for (const auto& e : catalog.Log())
    if (e.value("route", "") == "commit") keys.push_back(e.value("idempotencyKey", ""));
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_FALSE(keys[0].empty());
  EXPECT_EQ(keys[0], keys[1]);  // resent after a lost request: same parent, same key
  EXPECT_NE(keys[1], keys[2]);  // rebuilt on the concurrent writer's snapshot: a new key
  EXPECT_EQ(catalog.Violations(), nlohmann::json::array());
}

TEST(CommitRules, BatchIdIsDeterministicAndOrderFree) {
  EXPECT_EQ(BatchId("t", {"a", "b"}), BatchId("t", {"b", "a"}));
  EXPECT_NE(BatchId("t", {"a", "b"}), BatchId("t", {"a", "c"}));
  EXPECT_NE(BatchId("t", {"a"}), BatchId("u", {"a"}));
  EXPECT_EQ(BatchId("t", {"a"}).size(), 3u + 32u);
  // SHA-256 of "a\nb" (computed independently: printf 'a\nb' | sha256sum).
  EXPECT_EQ(SegmentsDigest({"b", "a"}),
            "7e18f737311b2dc3b2f269dd78396b0351f14fb66efa879f768cb23181883c78");
  std::set<int64_t> ids;
  for (int i = 0; i < 1000; ++i) {
    int64_t id = NewSnapshotId();
    EXPECT_GT(id, 0);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace pe::iceberg
