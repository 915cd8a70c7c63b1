// convert over the fixture matrix (`pinot-export sample --matrix`): every type x SV/MV x
// dictionary/raw x chunk version x codec x nulls, each converted with rotating writer options
// (codecs, dictionary on/off, tiny pages and row groups) and read back by DuckDB and hyparquet.
// Also DECIMAL(P,S) for BIG_DECIMAL and JSON objects as Parquet groups (json max depth).
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
using pe::testing::RunCli;
namespace fs = std::filesystem;

class Matrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto d = TempDir::Make("pe-matrix");
    ASSERT_TRUE(d.ok());
    dir_ = new TempDir(std::move(*d));
    auto r = RunCli({"sample", "--matrix", "--rows", "300", "--out", dir_->path() + "/m"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::vector<std::string> Segments() {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(dir_->path() + "/m")) {
      if (e.path().filename() != "expected") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static TempDir* dir_;
};
TempDir* Matrix::dir_ = nullptr;

// Converts `seg` with `opts` and checks both readers against `pinot-export dump`.
void Check(const std::string& seg, const std::vector<std::string>& opts, bool decimal,
           const std::string& label) {
  auto s = segment::Segment::Open(seg);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto tmp = TempDir::Make();
  ASSERT_TRUE(tmp.ok());
  const std::string out = tmp->path() + "/o.parquet";
  std::vector<std::string> args = {"convert", seg, out};
  args.insert(args.end(), opts.begin(), opts.end());
  auto r = RunCli(args);
  ASSERT_EQ(r.exit_code, 0) << label << ": " << r.err;
  std::vector<std::string> names;
  std::vector<CellKind> kinds;
  for (const auto& c : (*s)->meta().columns) {
    names.push_back(c.name);
    kinds.push_back(KindOf(c, decimal));
  }
  std::vector<json> want = DumpRows(seg, names);
  ASSERT_EQ(want.size(), (*s)->meta().total_docs);
  for (const char* reader : {"duckdb", "hyparquet"}) {
    auto got = pe::testing::ReadParquetRows(reader, out);
    EXPECT_EQ(pe::testing::CompareRows(want, got, kinds, names, label + "/" + reader), 0u);
  }
}

TEST_F(Matrix, EverySegmentEveryReader) {
  const std::vector<std::vector<std::string>> variants = {
      {},
      {"--compression", "gzip", "--dictionary", "false", "--page-bytes", "256"},
      {"--compression", "zstd", "--row-group-bytes", "4096", "--page-bytes", "512"},
      {"--compression", "uncompressed", "--dictionary", "false", "--row-group-bytes", "2000"},
  };
  auto segs = Segments();
  ASSERT_GE(segs.size(), 30u);
  for (size_t i = 0; i < segs.size(); ++i) {
    const auto& v = variants[i % variants.size()];
    std::string label = fs::path(segs[i]).filename().string();
    for (const auto& a : v) label += " " + a;
    Check(segs[i], v, false, label);
  }
}

TEST_F(Matrix, DictionarySegmentUnderEveryVariant) {
  for (const auto& seg : Segments()) {
    if (fs::path(seg).filename().string().rfind("matrixDict_OFFLINE", 0) != 0) continue;
    Check(seg, {"--dictionary", "false"}, false, "dict/plain");
    Check(seg, {"--page-bytes", "64", "--row-group-bytes", "3000"}, false, "dict/tiny");
    return;
  }
  FAIL() << "no matrixDict_OFFLINE segment";
}

TEST_F(Matrix, BigDecimalAsDecimal) {
  const std::string seg = Segments().front();
  // Wide enough for every generated value: all of them read back equal as numbers.
  Check(seg, {"--decimal-precision", "38", "--decimal-scale", "8"}, true, "decimal(38,8)");
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
TEST_F(Matrix, JsonObjectsAsGroups) {
  std::string dict, raw;
  for (const auto& s : Segments()) {
    const std::string n = fs::path(s).filename().string();
    if (n.rfind("matrixDict_OFFLINE", 0) == 0) dict = s;
    if (n.rfind("matrixRawV4_GZIP_OFFLINE", 0) == 0) raw = s;
  }
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
    auto d = RunCli({"dump", "--format", "jsonl", "--columns", list, seg});
    ASSERT_EQ(d.exit_code, 0);
    std::istringstream want_in(d.out), got_in(rows.out);
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
    EXPECT_EQ(n, 300u);
    EXPECT_EQ(bad, 0u);
  }
}

}  // namespace
}  // namespace pe::convert
