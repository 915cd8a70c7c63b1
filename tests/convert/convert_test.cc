// convert: real Pinot segments to Parquet, read back by DuckDB and hyparquet and compared value
// by value with `pinot-export dump` of the source; baseballStats against its ground-truth rows;
// failures leave no output.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "common/file.h"
#include "convert/check.h"
#include "segment/segment.h"
#include "testing/parquet_check.h"
#include "testing/testing.h"

namespace pe::convert {
namespace {

using nlohmann::json;
using pe::testing::CellKind;
using pe::testing::FixturePath;
using pe::testing::RunCli;

// Column names and kinds of `seg`, and its dumped rows.
void ExpectedRows(const std::string& seg, std::vector<json>* rows, std::vector<std::string>* names,
                  std::vector<CellKind>* kinds) {
  auto s = segment::Segment::Open(seg);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  for (const auto& c : (*s)->meta().columns) {
    names->push_back(c.name);
    kinds->push_back(KindOf(c));
  }
  *rows = DumpRows(seg, *names);
}

void ExpectConvertMatchesDump(const std::string& seg, const std::vector<std::string>& opts,
                              const std::string& label) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string out = dir->path() + "/out.parquet";
  std::vector<std::string> args = {"convert", seg, out};
  args.insert(args.end(), opts.begin(), opts.end());
  auto r = RunCli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" rows, "), std::string::npos) << r.out;
  std::vector<json> want;
  std::vector<std::string> names;
  std::vector<CellKind> kinds;
  ExpectedRows(seg, &want, &names, &kinds);
  ASSERT_FALSE(want.empty());
  for (const char* reader : {"duckdb", "hyparquet"}) {
    auto got = pe::testing::ReadParquetRows(reader, out);
    EXPECT_EQ(pe::testing::CompareRows(want, got, kinds, names, label + "/" + reader), 0u);
  }
}

struct Variant {
  const char* name;
  std::vector<std::string> opts;
};

class BaseballVariants : public ::testing::TestWithParam<Variant> {};

TEST_P(BaseballVariants, ReadersSeeTheSegmentRows) {
  ExpectConvertMatchesDump(FixturePath("baseballStats_OFFLINE_0.tar.gz"), GetParam().opts,
                           GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(
    Options, BaseballVariants,
    ::testing::Values(Variant{"default_snappy", {}}, Variant{"gzip", {"--compression", "gzip"}},
                      Variant{"zstd_no_dictionary",
                              {"--compression", "ZSTD", "--dictionary", "false"}},
                      Variant{"tiny_pages_and_row_groups",
                              {"--compression", "UNCOMPRESSED", "--page-bytes", "512",
                               "--row-group-bytes", "200000"}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Convert, LegacyRawSegmentsV1AndV3) {
  ExpectConvertMatchesDump(FixturePath("legacyRawInverted_OFFLINE_0.v1.tar.gz"), {}, "v1");
  ExpectConvertMatchesDump(FixturePath("legacyRawInverted_OFFLINE_0.v3.tar.gz"),
                           {"--dictionary", "false", "--page-bytes", "1000"}, "v3");
}

// The Parquet file equals the rows Pinot ingested (after default-null substitution), with INT
// columns typed INTEGER and STRING columns VARCHAR.
TEST(Convert, BaseballStatsEqualsGroundTruth) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string out = dir->path() + "/b.parquet";
  ASSERT_EQ(RunCli({"convert", FixturePath("baseballStats_OFFLINE_0.tar.gz"), out}).exit_code, 0);
  auto seg = segment::Segment::Open(FixturePath("baseballStats_OFFLINE_0.tar.gz"));
  ASSERT_TRUE(seg.ok());
  std::string on, types;
  for (const auto& c : (*seg)->meta().columns) {
    std::string q = "\"" + c.name + "\"";
    // The ground-truth file holds text; compare as text with Pinot's default for missing values.
    on += std::string(on.empty() ? "" : " and ") + "o." + q +
          "::varchar is not distinct from coalesce(t." + q + "::varchar, '" + c.default_null_value +
          "')";
  }
  auto r = pe::testing::RunNode(
      "duckdb_rows.mjs",
      {"with o as (select row_number() over () as rn, * from read_parquet('" + out +
       "')), t as (select row_number() over () as rn, * from read_parquet('" +
       FixturePath("baseballStats.rows.snappy.parquet") +
       "')) select (select count(*) from o), (select count(*) from t), count(*) from o join t "
       "using (rn) where " +
       on});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), json::array({"97889", "97889", "97889"}));
  auto d = pe::testing::RunNode("duckdb_rows.mjs",
                                {"select column_name, column_type from (describe select * from "
                                 "read_parquet('" +
                                 out + "'))"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  std::istringstream in(d.out);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    json row = json::parse(line);
    const auto* c = (*seg)->meta().FindColumn(row[0].get<std::string>());
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(row[1], c->data_type == segment::DataType::kInt ? "INTEGER" : "VARCHAR") << row[0];
    ++n;
  }
  EXPECT_EQ(n, 25u);
  // Key-value metadata names the segment and table.
  auto kv = pe::testing::RunNode(
      "duckdb_rows.mjs", {"select decode(key), decode(value) from parquet_kv_metadata('" + out +
                          "') where decode(key) like 'pinot.%' order by 1"});
  ASSERT_EQ(kv.exit_code, 0) << kv.err;
  EXPECT_NE(kv.out.find("[\"pinot.segment.name\",\"baseballStats_OFFLINE_0\"]"), std::string::npos)
      << kv.out;
  EXPECT_NE(kv.out.find("[\"pinot.table\",\"baseballStats\"]"), std::string::npos) << kv.out;
}

// Column statistics equal the actual per-row-group min/max/null counts (computed by DuckDB from
// the values themselves).
TEST(Convert, StatisticsMatchValues) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string out = dir->path() + "/b.parquet";
  ASSERT_EQ(RunCli({"convert", FixturePath("baseballStats_OFFLINE_0.tar.gz"), out,
                    "--row-group-bytes", "1000000"})
                .exit_code,
            0);
  for (const char* col : {"playerID", "homeRuns", "yearID", "playerName"}) {
    const std::string q = std::string("\"") + col + "\"";
    auto r = pe::testing::RunNode(
        "duckdb_rows.mjs",
        {"with m as (select row_group_id, row_group_num_rows as n, stats_min_value as lo, "
         "stats_max_value as hi, stats_null_count as nc from parquet_metadata('" +
         out + "') where path_in_schema = '" + col +
         "'), v as (select (row_number() over () - 1) as i, " + q + " as x from read_parquet('" +
         out +
         "')), b as (select row_group_id, "
         "sum(n) over (order by row_group_id) - n as first, n, lo, hi, nc from m) "
         "select count(*), sum(case when lo = (select min(x)::varchar from v where i >= first and "
         "i < first + n) and hi = (select max(x)::varchar from v where i >= first and i < first "
         "+ n) and nc = (select count(*) - count(x) from v where i >= first and i < first + n) "
         "then 1 else 0 end) from b"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json row = json::parse(r.out);
    EXPECT_GT(std::stoi(row[0].get<std::string>()), 1) << col << ": expected several row groups";
    EXPECT_EQ(row[0], row[1]) << col;
  }
}

TEST(Convert, BadInputAndUnwritableOutputLeaveNothing) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string junk = dir->path() + "/junk.tar.gz";
  ASSERT_TRUE(WriteFileAtomic(junk, std::string(1000, 'x')).ok());
  auto r = RunCli({"convert", junk, dir->path() + "/a.parquet"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir->path() + "/a.parquet"));
  r = RunCli({"convert", FixturePath("baseballStats_OFFLINE_0.tar.gz"),
              dir->path() + "/missing/dir/b.parquet"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = RunCli({"convert", FixturePath("baseballStats_OFFLINE_0.tar.gz"), dir->path() + "/c.parquet",
              "--compression", "lzo"});
  EXPECT_NE(r.exit_code, 0);
  r = RunCli({"convert", FixturePath("baseballStats_OFFLINE_0.tar.gz"), dir->path() + "/c.parquet",
              "--columns", "playerID,nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
  // Only the junk input remains: no output and no temp files.
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir->path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST(Convert, ColumnsSubset) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string out = dir->path() + "/s.parquet";
  ASSERT_EQ(RunCli({"convert", FixturePath("baseballStats_OFFLINE_0.tar.gz"), out, "--columns",
                    "teamID,yearID"})
                .exit_code,
            0);
  auto got = pe::testing::ReadParquetRows("hyparquet", out);
  ASSERT_EQ(got.size(), 97889u);
  EXPECT_EQ(got[0], json::array({"SFN", 2004}));
}

}  // namespace
}  // namespace pe::convert
