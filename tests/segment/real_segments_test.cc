// The reader against real segments written by Apache Pinot (vendored in tests/data/pinot, see
// SOURCES.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/file.h"
#include "segment/segment.h"
#include "testing/testing.h"

namespace pe::segment {
namespace {

using pe::testing::FixturePath;

// All values of a column as text (SV only), nulls as "<null>".
std::vector<std::string> ColumnText(Segment& seg, const std::string& col) {
  auto r = seg.OpenColumn(col);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> out;
  if (!r.ok()) return out;
  ColumnBatch b;
  const uint32_t total = seg.meta().total_docs;
  for (uint32_t first = 0; first < total; first += 1000) {
    uint32_t n = std::min<uint32_t>(1000, total - first);
    Status s = (*r)->ReadValues(first, n, &b);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return out;
    for (uint32_t i = 0; i < n; ++i) {
      if (!b.nulls.empty() && b.nulls[i]) {
        out.push_back("<null>");
        continue;
      }
      std::string t;
      EXPECT_TRUE(AppendValueText((*r)->meta(), b, i, false, &t).ok());
      out.push_back(t);
    }
  }
  return out;
}

TEST(RealSegments, BaseballStatsEqualsGroundTruthRows) {
  auto seg = Segment::Open(FixturePath("baseballStats_OFFLINE_0.tar.gz"));
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  const SegmentMeta& m = (*seg)->meta();
  EXPECT_EQ(m.name, "baseballStats_OFFLINE_0");
  EXPECT_EQ(m.table, "baseballStats");
  EXPECT_EQ(m.layout, "v3");
  ASSERT_EQ(m.total_docs, 97889u);
  ASSERT_EQ(m.columns.size(), 25u);

  // Ground truth: the Parquet input rows, read by DuckDB (all VARCHAR).
  std::string pq = FixturePath("baseballStats.rows.snappy.parquet");
  std::vector<std::string> names;
  for (const auto& c : m.columns) names.push_back(c.name);
  std::string sel;
  for (const auto& n : names) sel += (sel.empty() ? "" : ", ") + std::string("\"") + n + "\"";
  auto res = pe::testing::RunNode("duckdb_rows.mjs",
                                  {"select " + sel + " from read_parquet('" + pq + "')"});
  ASSERT_EQ(res.exit_code, 0) << res.err;
  std::vector<std::vector<std::string>> truth(names.size());
  std::istringstream in(res.out);
  std::string line;
  size_t rows = 0;
  while (std::getline(in, line)) {
    auto row = nlohmann::json::parse(line);
    for (size_t c = 0; c < names.size(); ++c) {
      // Pinot's default-null-value substitution: a missing value becomes the column's
      // defaultNullValue from metadata.properties.
      const ColumnMeta* cm = m.FindColumn(names[c]);
      truth[c].push_back(row[c].is_null() ? cm->default_null_value : row[c].get<std::string>());
    }
    ++rows;
  }
  ASSERT_EQ(rows, 97889u);
  size_t substituted = 0;
  for (size_t c = 0; c < names.size(); ++c) {
    std::vector<std::string> got = ColumnText(**seg, names[c]);
    ASSERT_EQ(got.size(), truth[c].size()) << names[c];
    size_t mismatches = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] != truth[c][i] && mismatches++ < 3) {
        ADD_FAILURE() << names[c] << " doc " << i << ": segment '" << got[i] << "' vs truth '"
                      << truth[c][i] << "'";
      }
    }
    EXPECT_EQ(mismatches, 0u) << names[c];
    if (names[c] == "playerName") substituted = std::count(got.begin(), got.end(), "null");
  }
  // 97889 - 97843 playerName values are missing in the input and read back as "null".
  EXPECT_EQ(substituted, 46u);
}

TEST(RealSegments, BaseballStatsMetadataAndIds) {
  auto seg = Segment::Open(FixturePath("baseballStats_OFFLINE_0.tar.gz"));
  ASSERT_TRUE(seg.ok());
  const ColumnMeta* pid = (*seg)->meta().FindColumn("playerID");
  ASSERT_NE(pid, nullptr);
  EXPECT_EQ(pid->cardinality, 18107u);
  EXPECT_EQ(pid->forward, ForwardKind::kDictUnsorted);
  EXPECT_EQ(pid->min_value, "aardsda01");
  auto r = (*seg)->OpenColumn("playerID");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->has_ids());
  const Dictionary* d = (*r)->dictionary();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->size(), 18107u);
  EXPECT_EQ(d->GetBytes(0), "aardsda01");
  EXPECT_EQ(d->GetBytes(d->size() - 1), "zwilldu01");
  for (uint32_t i = 1; i < d->size(); ++i) ASSERT_LT(d->GetBytes(i - 1), d->GetBytes(i));
  ColumnBatch b;
  ASSERT_TRUE((*r)->ReadIds(0, 5, &b).ok());
  ASSERT_EQ(b.ids.size(), 5u);
  EXPECT_EQ(d->GetBytes(b.ids[0]), "aardsda01");
  // Reads past the end are refused, not undefined.
  EXPECT_FALSE((*r)->ReadIds(97880, 10, &b).ok());
}

TEST(RealSegments, LegacyRawInvertedV1AndV3DecodeIdentically) {
  auto v1 = Segment::Open(FixturePath("legacyRawInverted_OFFLINE_0.v1.tar.gz"));
  auto v3 = Segment::Open(FixturePath("legacyRawInverted_OFFLINE_0.v3.tar.gz"));
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  ASSERT_TRUE(v3.ok()) << v3.status().ToString();
  EXPECT_EQ((*v1)->meta().layout, "v1");
  EXPECT_EQ((*v3)->meta().layout, "v3");
  const ColumnMeta* c = (*v1)->meta().FindColumn("category");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->forward, ForwardKind::kRawVarChunkV4);
  EXPECT_EQ(c->codec, "LZ4_LENGTH_PREFIXED");
  EXPECT_EQ(c->raw_version, 4);
  auto a = ColumnText(**v1, "category");
  auto b = ColumnText(**v3, "category");
  ASSERT_EQ(a.size(), 600u);
  EXPECT_EQ(a, b);
  std::map<std::string, int> counts;
  for (const auto& s : a) counts[s]++;
  EXPECT_EQ(counts.size(), 4u);  // cardinality 4
  EXPECT_EQ(counts.begin()->first, c->min_value);
  EXPECT_EQ(counts.rbegin()->first, c->max_value);
}

// Forward index disabled: drop playerID's and teamID's forward index from index_map; the reader
// rebuilds them from dictionary + inverted index and must produce the same rows.
TEST(RealSegments, ForwardIndexDisabledIsRebuiltFromInvertedIndex) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  auto r = pe::testing::Run(
      {"tar", "xzf", FixturePath("baseballStats_OFFLINE_0.tar.gz"), "-C", dir->path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string v3 = dir->path() + "/baseballStats_OFFLINE_0/v3";
  auto orig = Segment::Open(v3);
  ASSERT_TRUE(orig.ok());
  auto want_pid = ColumnText(**orig, "playerID");
  auto want_team = ColumnText(**orig, "teamID");
  orig->reset();
  std::string map = *ReadFileToString(v3 + "/index_map"), kept;
  std::istringstream in(map);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("playerID.forward_index", 0) == 0 || line.rfind("teamID.forward_index", 0) == 0)
      continue;
    kept += line + "\n";
  }
  ASSERT_LT(kept.size(), map.size());
  ASSERT_TRUE(WriteFileAtomic(v3 + "/index_map", kept).ok());
  auto seg = Segment::Open(v3);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  EXPECT_EQ((*seg)->meta().FindColumn("playerID")->forward, ForwardKind::kRebuiltInverted);
  EXPECT_EQ(ColumnText(**seg, "playerID"), want_pid);
  EXPECT_EQ(ColumnText(**seg, "teamID"), want_team);
  // A column with neither forward nor inverted index names itself in a clear error.
  std::string kept2;
  std::istringstream in2(kept);
  while (std::getline(in2, line)) {
    if (line.rfind("league.forward_index", 0) == 0) continue;
    kept2 += line + "\n";
  }
  ASSERT_TRUE(WriteFileAtomic(v3 + "/index_map", kept2).ok());
  auto seg2 = Segment::Open(v3);
  ASSERT_TRUE(seg2.ok());
  auto league = (*seg2)->OpenColumn("league");
  ASSERT_FALSE(league.ok());
  EXPECT_TRUE(league.status().IsNotSupported());
  EXPECT_NE(league.status().message().find("league"), std::string::npos);
}

}  // namespace
}  // namespace pe::segment
