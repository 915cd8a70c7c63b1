// convert over the test matrix (pe::testing::MatrixDir(), written once per ctest run: every type x
// SV/MV x dictionary/raw x chunk version x codec x nulls), each segment converted with rotating
// writer options (codecs, dictionary on/off, tiny pages and row groups) and read back by DuckDB and
// hyparquet. The readers' values are compared with the rows the generator produced for the segment
// (expected/<segment>.jsonl), not with what our reader makes of it. Also DECIMAL(P,S) for
// BIG_DECIMAL and JSON objects as Parquet groups (json max depth).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file.h"
#include "sample/sample.h"
#include "testing/parquet_check.h"
#include "testing/testing.h"

namespace pe::convert {
namespace {

using nlohmann::json;
using pe::testing::DecimalOption;
using pe::testing::MatrixDir;
using pe::testing::PinotColumn;
using pe::testing::RunCli;
namespace fs = std::filesystem;

// Segment directories of the matrix, sorted by name.
std::vector<std::string> Segments() {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(MatrixDir())) {
    if (e.path().filename() != "expected") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Find(const std::string& prefix) {
  for (const auto& s : Segments()) {
    if (fs::path(s).filename().string().rfind(prefix, 0) == 0) return s;
  }
  ADD_FAILURE() << "no matrix segment " << prefix << "* in " << MatrixDir();
  return "";
}

std::string ExpectedPath(const std::string& seg) {
  return MatrixDir() + "/expected/" + fs::path(seg).filename().string() + ".jsonl";
}

// The columns of a matrix segment: Pinot types from its metadata.properties; nullable for the
// generator's "_nullvec" columns (src/sample/generate.cc gives exactly those a null value vector).
std::vector<PinotColumn> Columns(const std::string& seg) {
  std::vector<PinotColumn> cols = pe::testing::SegmentColumns(seg);
  for (auto& c : cols) c.nullable = c.name.ends_with("_nullvec");
  return cols;
}

// Converts `seg` with `opts` and checks that both readers see the generator's rows.
void Check(const std::string& seg, const std::vector<std::string>& opts,
           const DecimalOption& decimal, const std::string& label) {
  auto tmp = TempDir::Make();
  ASSERT_TRUE(tmp.ok());
  const std::string out = tmp->path() + "/o.parquet";
  std::vector<std::string> args = {"convert", seg, out};
  args.insert(args.end(), opts.begin(), opts.end());
  auto r = RunCli(args);
  ASSERT_EQ(r.exit_code, 0) << label << ": " << r.err;
  const auto cols = Columns(seg);
  ASSERT_FALSE(cols.empty()) << seg;
  const auto want = pe::testing::ReadJsonlRows(ExpectedPath(seg), cols);
  const bool empty = fs::path(seg).filename().string().rfind("matrixEmpty", 0) == 0;
  ASSERT_EQ(want.size(), empty ? 0u : pe::testing::MatrixRows()) << label;
  EXPECT_EQ(pe::testing::ExpectParquetHolds(out, cols, want, decimal, label), 0u);
}

// The matrix's segment names, in the generator's order: its specs do not depend on the row count
// except for num_docs, so rows = 0 gives them without generating values (one test per segment).
const std::vector<std::string>& SegmentNames() {
  static const std::vector<std::string> kNames = [] {
    sample::MatrixOptions o;
    o.rows = 0;
    o.seed = pe::testing::MatrixSeed();
    std::vector<std::string> names;
    for (const auto& g : sample::MatrixSegments(o)) names.push_back(g.spec.name);
    return names;
  }();
  return kNames;
}

class ConvertMatrixSegments : public ::testing::TestWithParam<size_t> {};

// Each segment converted with one of four writer option sets, in rotation.
TEST_P(ConvertMatrixSegments, ReadersSeeTheGeneratedRows) {
  const std::vector<std::vector<std::string>> variants = {
      {},
      {"--compression", "gzip", "--dictionary", "false", "--page-bytes", "256"},
      {"--compression", "zstd", "--row-group-bytes", "4096", "--page-bytes", "512"},
      {"--compression", "uncompressed", "--dictionary", "false", "--row-group-bytes", "2000"},
  };
  const std::string& name = SegmentNames()[GetParam()];
  const auto& v = variants[GetParam() % variants.size()];
  std::string label = name;
  for (const auto& a : v) label += " " + a;
  Check(MatrixDir() + "/" + name, v, {}, label);
}

INSTANTIATE_TEST_SUITE_P(Every, ConvertMatrixSegments,
                         ::testing::Range(size_t(0), SegmentNames().size()),
                         [](const ::testing::TestParamInfo<size_t>& i) {
                           std::string n = SegmentNames()[i.param];
                           for (auto& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

TEST(ConvertMatrix, DictionarySegmentUnderEveryVariant) {
  const std::string seg = Find("matrixDict_OFFLINE");
  ASSERT_FALSE(seg.empty());
  Check(seg, {"--dictionary", "false"}, {}, "dict/plain");
  Check(seg, {"--page-bytes", "64", "--row-group-bytes", "3000"}, {}, "dict/tiny");
}

TEST(ConvertMatrix, BigDecimalAsDecimal) {
  const std::string seg = Find("matrixDict_OFFLINE");
  ASSERT_FALSE(seg.empty());
  // Wide enough for every generated value: each reads back as its exact text at scale 8.
  Check(seg, {"--decimal-precision", "38", "--decimal-scale", "8"}, {38, 8}, "decimal(38,8)");
  auto tmp = TempDir::Make();
  ASSERT_TRUE(tmp.ok());
  // Too narrow: exit 1 naming the column and the value, no output file.
  auto r = RunCli({"convert", seg, tmp->path() + "/x.parquet", "--decimal-precision", "5",
                   "--decimal-scale", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("big_decimal"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(fs::is_empty(tmp->path()));
}

// With json max depth, single-value JSON object columns become groups; reading the group back
// as a JSON object gives the original value (typed leaves as their JSON scalars, deeper values
// as JSON text).
TEST(ConvertMatrix, JsonObjectsAsGroups) {
  const std::string dict = Find("matrixDict_OFFLINE"), raw = Find("matrixRawV4_GZIP_OFFLINE");
  ASSERT_FALSE(dict.empty());
  ASSERT_FALSE(raw.empty());
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {dict, {"d_json_sv", "d_json_sv_nullvec"}}, {raw, {"r_json_sv"}}};
  for (const auto& [seg, cols] : cases) {
    auto tmp = TempDir::Make();
    ASSERT_TRUE(tmp.ok());
    const std::string out = tmp->path() + "/j.parquet";
    std::string list, sel;
    for (const auto& c : cols) {
      list += (list.empty() ? "" : ",") + c;
      sel += std::string(sel.empty() ? "" : ", ") + "to_json(" + c + ")::varchar";
    }
    auto r = RunCli({"convert", seg, out, "--json-max-depth", "1", "--columns", list});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto desc = pe::testing::RunNode(
        "duckdb_rows.mjs",
        {"select column_type from (describe select * from read_parquet('" + out + "'))"});
    ASSERT_EQ(desc.exit_code, 0) << desc.err;
    EXPECT_NE(desc.out.find("STRUCT("), std::string::npos) << desc.out;
    EXPECT_NE(desc.out.find("BIGINT"), std::string::npos) << desc.out;
    auto rows = pe::testing::RunNode("duckdb_rows.mjs",
                                     {"select " + sel + " from read_parquet('" + out + "')"});
    ASSERT_EQ(rows.exit_code, 0) << rows.err;
    // The generator's rows for the segment.
    std::ifstream want_in(ExpectedPath(seg));
    std::istringstream got_in(rows.out);
    std::string wl, gl;
    size_t n = 0, bad = 0;
    while (std::getline(want_in, wl) && std::getline(got_in, gl)) {
      json want = json::parse(wl), got = json::parse(gl);
      for (size_t c = 0; c < cols.size(); ++c) {
        json w = want[cols[c]];
        json g = got[c].is_null() ? json() : json::parse(got[c].get<std::string>());
        // Group fields are null for keys a row lacks; JSON-text leaves hold text.
        if (g.is_object()) {
          json norm = json::object();
          for (auto& [k, v] : g.items()) {
            if (v.is_null()) continue;
            norm[k] = v.is_string() && w.is_object() && w.contains(k) && !w[k].is_string()
                          ? json::parse(v.get<std::string>())
                          : v;
          }
          g = norm;
        }
        if (w.is_object()) {
          for (auto it = w.begin(); it != w.end();)
            it = it->is_null() ? w.erase(it) : std::next(it);
        }
        if (g != w && bad++ < 3) {
          ADD_FAILURE() << cols[c] << " row " << n << ": " << g << " vs " << w;
        }
      }
      ++n;
    }
    EXPECT_EQ(n, pe::testing::MatrixRows());
    EXPECT_EQ(bad, 0u);
  }
}

}  // namespace
}  // namespace pe::convert
