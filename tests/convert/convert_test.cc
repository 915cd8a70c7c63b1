// convert: real Pinot segments to Parquet, read back by DuckDB and hyparquet and compared value by
// value with expectations that do not come from our reader: baseballStats with its ground-truth
// rows (tests/data/pinot/SOURCES.md), the legacy raw segments with the rows their inverted index
// records; failures leave no output.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/file.h"
#include "testing/parquet_check.h"
#include "testing/testing.h"

namespace pe::convert {
namespace {

using nlohmann::json;
using pe::testing::FixturePath;
using pe::testing::PinotColumn;
using pe::testing::RawRow;
using pe::testing::RunCli;

struct Expected {
  std::vector<PinotColumn> columns;
  std::vector<RawRow> rows;
};

// baseballStats as Pinot ingested it: the columns of the schema the segment was built with
// (baseballStats_schema.json) and the input rows (baseballStats.rows.snappy.parquet, every value a
// string or null) with Pinot's default null values in place of nulls: the field's
// defaultNullValue, else FieldSpec's defaults (dimension INT Integer.MIN_VALUE, metric INT 0,
// STRING "null").
Expected BaseballGroundTruth() {
  Expected e;
  std::ifstream schema_in(FixturePath("baseballStats_schema.json"));
  const json schema = json::parse(schema_in);
  std::map<std::string, std::string> defaults;
  for (const char* kind : {"dimensionFieldSpecs", "metricFieldSpecs"}) {
    for (const auto& f : schema.value(kind, json::array())) {
      PinotColumn c{f.at("name").get<std::string>(), f.at("dataType").get<std::string>(),
                    f.value("singleValueField", true), false};
      EXPECT_TRUE(c.type == "INT" || c.type == "STRING") << c.name << " " << c.type;
      std::string d = c.type == "STRING"                        ? "null"
                      : std::string(kind) == "metricFieldSpecs" ? "0"
                                                                : "-2147483648";
      if (f.contains("defaultNullValue")) {
        d = f["defaultNullValue"].is_string() ? f["defaultNullValue"].get<std::string>()
                                              : f["defaultNullValue"].dump();
      }
      defaults[c.name] = d;
      e.columns.push_back(c);
    }
  }
  EXPECT_EQ(e.columns.size(), 25u);
  auto truth = pe::testing::ReadParquet("duckdb", FixturePath("baseballStats.rows.snappy.parquet"));
  std::vector<size_t> pos;
  for (const auto& c : e.columns) {
    size_t p = 0;
    while (p < truth.columns.size() && truth.columns[p].first != c.name) ++p;
    EXPECT_LT(p, truth.columns.size()) << "ground truth has no column " << c.name;
    pos.push_back(p);
  }
  for (const auto& t : truth.rows) {
    RawRow row;
    for (size_t i = 0; i < e.columns.size(); ++i) {
      const json& v = pos[i] < t.size() ? t[pos[i]] : json();
      const std::string text = v.is_null() ? defaults[e.columns[i].name] : v.get<std::string>();
      if (e.columns[i].type == "INT") {
        // Canonical integer text (as a JSON number prints).
        EXPECT_EQ(std::to_string(std::stoll(text)), text) << e.columns[i].name;
        row.push_back(text);
      } else {
        row.push_back(json(text).dump());
      }
    }
    e.rows.push_back(std::move(row));
  }
  EXPECT_EQ(e.rows.size(), 97889u);
  return e;
}

// Converts `seg` with `opts` into `out`.
void Convert(const std::string& seg, const std::string& out, const std::vector<std::string>& opts) {
  std::vector<std::string> args = {"convert", seg, out};
  args.insert(args.end(), opts.begin(), opts.end());
  auto r = RunCli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" rows, "), std::string::npos) << r.out;
}

void ExpectBaseball(const std::vector<std::string>& opts, const std::string& label) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string out = dir->path() + "/b.parquet";
  Convert(FixturePath("baseballStats_OFFLINE_0.tar.gz"), out, opts);
  const Expected e = BaseballGroundTruth();
  EXPECT_EQ(pe::testing::ExpectParquetHolds(out, e.columns, e.rows, {}, label), 0u);
}

struct Variant {
  const char* name;
  std::vector<std::string> opts;
};

class BaseballVariants : public ::testing::TestWithParam<Variant> {};

TEST_P(BaseballVariants, ReadersSeeTheGroundTruth) {
  ExpectBaseball(GetParam().opts, GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(Options, BaseballVariants,
                         ::testing::Values(Variant{"gzip", {"--compression", "gzip"}},
                                           Variant{
                                               "zstd_no_dictionary",
                                               {"--compression", "ZSTD", "--dictionary", "false"}},
                                           Variant{"tiny_pages_and_row_groups",
                                                   {"--compression", "UNCOMPRESSED", "--page-bytes",
                                                    "512", "--row-group-bytes", "200000"}}),
                         [](const auto& info) { return std::string(info.param.name); });

// The default export (SNAPPY, dictionaries) holds the rows Pinot ingested, with INT columns typed
// INT32 and STRING columns String; its key-value metadata names the segment and table.
TEST(Convert, BaseballStatsEqualsGroundTruth) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string out = dir->path() + "/b.parquet";
  Convert(FixturePath("baseballStats_OFFLINE_0.tar.gz"), out, {});
  const Expected e = BaseballGroundTruth();
  EXPECT_EQ(pe::testing::ExpectParquetHolds(out, e.columns, e.rows, {}, "default"), 0u);
  auto kv = pe::testing::RunNode(
      "duckdb_rows.mjs", {"select decode(key), decode(value) from parquet_kv_metadata('" + out +
                          "') where decode(key) like 'pinot.%' order by 1"});
  ASSERT_EQ(kv.exit_code, 0) << kv.err;
  EXPECT_NE(kv.out.find("[\"pinot.segment.name\",\"baseballStats_OFFLINE_0\"]"), std::string::npos)
      << kv.out;
  EXPECT_NE(kv.out.find("[\"pinot.table\",\"baseballStats\"]"), std::string::npos) << kv.out;
}

// legacyRawInverted_OFFLINE_0 (v1 and v3 layouts of one segment): 600 docs of one raw STRING
// column, "category" (metadata.properties). Its rows, as its inverted index category.bitmap.inv
// records them (an embedded dictionary alpha, beta, delta, gamma and one RoaringBitmap of doc ids
// per value, decoded by hand): even docs alpha, and docs 1, 3, 5 mod 6 beta, gamma, delta.
Expected LegacyRows() {
  Expected e;
  e.columns = {{"category", "STRING", true, false}};
  for (int doc = 0; doc < 600; ++doc) {
    const char* v = doc % 2 == 0   ? "alpha"
                    : doc % 6 == 1 ? "beta"
                    : doc % 6 == 3 ? "gamma"
                                   : "delta";
    e.rows.push_back({json(v).dump()});
  }
  return e;
}

TEST(Convert, LegacyRawSegmentsV1AndV3) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const Expected e = LegacyRows();
  Convert(FixturePath("legacyRawInverted_OFFLINE_0.v1.tar.gz"), dir->path() + "/v1.parquet", {});
  EXPECT_EQ(
      pe::testing::ExpectParquetHolds(dir->path() + "/v1.parquet", e.columns, e.rows, {}, "v1"),
      0u);
  Convert(FixturePath("legacyRawInverted_OFFLINE_0.v3.tar.gz"), dir->path() + "/v3.parquet",
          {"--dictionary", "false", "--page-bytes", "1000"});
  EXPECT_EQ(
      pe::testing::ExpectParquetHolds(dir->path() + "/v3.parquet", e.columns, e.rows, {}, "v3"),
      0u);
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
  // Unwritable: the output's folder would have to be created under a regular file.
  r = RunCli({"convert", FixturePath("baseballStats_OFFLINE_0.tar.gz"), junk + "/b.parquet"});
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

// --columns keeps only the named columns, with the ground truth's values.
TEST(Convert, ColumnsSubset) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string out = dir->path() + "/s.parquet";
  Convert(FixturePath("baseballStats_OFFLINE_0.tar.gz"), out, {"--columns", "teamID,yearID"});
  const Expected all = BaseballGroundTruth();
  Expected e;
  std::vector<size_t> keep;
  for (size_t i = 0; i < all.columns.size(); ++i) {
    if (all.columns[i].name == "teamID" || all.columns[i].name == "yearID") {
      keep.push_back(i);
      e.columns.push_back(all.columns[i]);
    }
  }
  ASSERT_EQ(keep.size(), 2u);
  for (const auto& r : all.rows) e.rows.push_back({r[keep[0]], r[keep[1]]});
  EXPECT_EQ(pe::testing::ExpectParquetHolds(out, e.columns, e.rows, {}, "columns"), 0u);
}

}  // namespace
}  // namespace pe::convert
