// Page indexes (PageIndex.md) and created_by, read back by an independent reader: every
// ColumnIndex / OffsetIndex is checked against the pages hyparquet finds in the file and the
// values it decodes from them — for PLAIN chunks, writer-built dictionaries and caller-given
// (transcoded, Pinot-sorted) dictionaries, and for segments converted by the CLI with small pages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>

#include "common/file.h"
#include "page_index_check.h"
#include "parquet/parquet.h"
#include "testing/testing.h"

namespace pe::parquet {

using nlohmann::json;

json ReadPageIndex(const std::string& path) {
  auto r = pe::testing::RunNode("parquet_page_index.mjs", {path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return json::object();
  return json::parse(r.out);
}

int CheckPageIndex(const json& doc, const std::string& label) {
  int checked = 0;
  if (!doc.contains("row_groups")) {
    ADD_FAILURE() << label << ": no page index document";
    return 0;
  }
  for (size_t g = 0; g < doc["row_groups"].size(); ++g) {
    const json& rg = doc["row_groups"][g];
    for (const json& c : rg["columns"]) {
      const std::string at =
          label + " rg " + std::to_string(g) + " " + c["path"].get<std::string>();
      const json& pages = c["pages"];
      const json& oi = c["offset_index"];
      ++checked;
      if (oi.is_null() || oi.size() != pages.size()) {
        ADD_FAILURE() << at << ": offset index " << oi.dump() << " for " << pages.size()
                      << " pages";
        continue;
      }
      int64_t rows = 0;
      bool nan_only = false, oversized = false;
      for (size_t i = 0; i < pages.size(); ++i) {
        EXPECT_EQ(oi[i]["offset"], pages[i]["offset"]) << at << " page " << i;
        EXPECT_EQ(oi[i]["compressed_page_size"], pages[i]["size"]) << at << " page " << i;
        EXPECT_EQ(oi[i]["first_row_index"], pages[i]["first_row"]) << at << " page " << i;
        rows += pages[i]["rows"].get<int64_t>();
        nan_only |= pages[i]["values"].get<int64_t>() > 0 && pages[i]["min"].is_null();
        for (const char* b : {"min", "max"}) {
          oversized |= pages[i][b].is_string() && pages[i][b].get<std::string>().size() > 2 * 4096;
        }
      }
      EXPECT_EQ(rows, rg["num_rows"].get<int64_t>()) << at;
      const json& ci = c["column_index"];
      if (nan_only) {
        EXPECT_TRUE(ci.is_null()) << at << ": a page of only NaN values, yet a ColumnIndex";
        continue;
      }
      if (oversized) {  // the writer drops bounds over 4 KiB rather than truncating them
        EXPECT_TRUE(ci.is_null()) << at << ": a ColumnIndex with bounds over 4 KiB";
        continue;
      }
      if (ci.is_null()) {
        ADD_FAILURE() << at << ": no ColumnIndex (" << pages.size() << " pages, first encoding "
                      << pages[0]["encoding"] << ")";
        continue;
      }
      if (ci["null_pages"].size() != pages.size() || ci["min_values"].size() != pages.size() ||
          ci["max_values"].size() != pages.size() || !ci["null_counts"].is_array() ||
          ci["null_counts"].size() != pages.size()) {
        ADD_FAILURE() << at << ": ColumnIndex " << ci.dump() << " for " << pages.size() << " pages";
        continue;
      }
      for (size_t i = 0; i < pages.size(); ++i) {
        const bool null_page = pages[i]["values"].get<int64_t>() == 0;
        EXPECT_EQ(ci["null_pages"][i].get<bool>(), null_page) << at << " page " << i;
        EXPECT_EQ(ci["null_counts"][i], pages[i]["nulls"]) << at << " page " << i;
        EXPECT_EQ(ci["min_values"][i], null_page ? json("") : pages[i]["min"])
            << at << " page " << i;
        EXPECT_EQ(ci["max_values"][i], null_page ? json("") : pages[i]["max"])
            << at << " page " << i;
      }
      EXPECT_EQ(ci["boundary_order"], c["boundary_order"]) << at;
    }
  }
  return checked;
}

namespace {

// PLAIN bytes of a double as hex (little-endian), for expectations on -0.0 / +0.0.
std::string DoubleHex(double v) {
  static const char* d = "0123456789abcdef";
  unsigned char b[8];
  std::memcpy(b, &v, 8);
  std::string o;
  for (unsigned char c : b) o += d[c >> 4], o += d[c & 15];
  return o;
}

// Java's String.compareTo (UTF-16 code units), the order of Pinot's STRING dictionaries: differs
// from the unsigned byte order of UTF-8 (Parquet's) between U+E000..U+FFFF and supplementary
// characters.
std::u16string Utf16(const std::string& s) {
  std::u16string o;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    uint32_t cp;
    int n;
    if (c < 0x80)
      cp = c, n = 1;
    else if (c < 0xE0)
      cp = c & 0x1F, n = 2;
    else if (c < 0xF0)
      cp = c & 0x0F, n = 3;
    else
      cp = c & 0x07, n = 4;
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      o += char16_t(0xD800 + (cp >> 10));
      o += char16_t(0xDC00 + (cp & 0x3FF));
    } else {
      o += char16_t(cp);
    }
  }
  return o;
}

// Java's Double.compare (Pinot's DOUBLE dictionary order): -0.0 < 0.0, NaN after everything.
bool JavaDoubleLess(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  if (a == b) return std::signbit(a) && !std::signbit(b);
  return a < b;
}

// The edge-case columns, n rows each; per column its non-null values in row order plus per-row
// nulls and list offsets.
struct Data {
  uint32_t n = 2000;
  std::vector<int32_t> desc;   // INT32 required, descending: DESCENDING pages
  std::vector<int64_t> asc;    // INT64 required, ascending through negatives: ASCENDING
  std::vector<std::string> s;  // STRING optional: bytes >= 0x80, all-null pages
  std::vector<uint8_t> s_null;
  std::vector<double> d;  // DOUBLE optional: NaN, -0.0/+0.0, infinities
  std::vector<uint8_t> d_null;
  std::vector<int32_t> l;  // LIST<INT32> optional: null rows and empty lists
  std::vector<uint8_t> l_null;
  std::vector<uint32_t> l_offs{0};
  std::vector<double> nan;  // DOUBLE required: rows 500..699 are NaN

  Data() {
    const char* pool[] = {"",
                          "a",
                          "z",
                          "\xc3\xa9",
                          "\xe6\x97\xa5\xe6\x9c\xac",
                          "\xef\xbf\xbd",
                          "\xf0\x9f\x98\x80",
                          "zz",
                          "b\x7f"};
    for (uint32_t r = 0; r < n; ++r) {
      desc.push_back(int32_t(3000) - int32_t(r) * 3);
      asc.push_back(int64_t(r / 7) * 1000000007LL - 5000000000LL);
      // Blocks of 40 rows alternating two neighbours of `pool` (not sorted either way), so
      // page bounds go up and down; rows 50..1149 null: longer than any page can hold.
      const bool sn = (r >= 50 && r < 1150) || r % 11 == 0;
      s_null.push_back(sn);
      if (!sn) s.push_back(pool[(r / 40 + r % 2) % 9]);
      const bool dn = r % 13 == 0;
      d_null.push_back(dn);
      if (!dn) {
        double v = r < 400       ? (r % 2 ? 0.0 : -0.0)
                   : r % 17 == 0 ? std::nan("")
                   : r % 97 == 0 ? (r % 2 ? INFINITY : -INFINITY)
                                 : std::sin(double(r)) * 100;
        d.push_back(v);
      }
      const bool ln = r % 9 == 0;
      l_null.push_back(ln);
      if (!ln && r % 5 != 0) {
        for (uint32_t k = 0; k < 1 + r % 3; ++k) l.push_back(int32_t((r * 31 + k * 7) % 200) - 100);
      }
      l_offs.push_back(uint32_t(l.size()));
      nan.push_back(r >= 500 && r < 700 ? std::nan("") : double(r));
    }
  }
};

std::vector<ColumnSchema> EdgeSchema() {
  return {{"desc", PhysicalType::kInt32},
          {"asc", PhysicalType::kInt64},
          {"s", PhysicalType::kByteArray, {LogicalType::kString}, true},
          {"d", PhysicalType::kDouble, {}, true},
          {"l", PhysicalType::kInt32, {}, true, true},
          {"nan", PhysicalType::kDouble}};
}

// Row ranges of the two row groups.
constexpr uint32_t kGroups[] = {0, 1200, 2000};

// Values [v0, v1) of a column for rows [r0, r1): first value index of each row.
std::vector<uint32_t> ValueStarts(const std::vector<uint8_t>* nulls,
                                  const std::vector<uint32_t>* offs, uint32_t n) {
  std::vector<uint32_t> st{0};
  for (uint32_t r = 0; r < n; ++r) {
    uint32_t k = offs ? (*offs)[r + 1] - (*offs)[r] : nulls && (*nulls)[r] ? 0 : 1;
    st.push_back(st.back() + k);
  }
  return st;
}

// A given dictionary for `vals` sorted by `less` (as Pinot sorts its dictionaries), and the ids.
template <typename T, typename L>
std::pair<std::vector<T>, std::vector<uint32_t>> SortedDict(const std::vector<T>& vals, L less) {
  std::vector<T> dict = vals;
  std::stable_sort(dict.begin(), dict.end(), less);
  dict.erase(std::unique(dict.begin(), dict.end(),
                         [&](const T& a, const T& b) { return !less(a, b) && !less(b, a); }),
             dict.end());
  std::vector<uint32_t> ids;
  for (const T& v : vals) {
    ids.push_back(uint32_t(std::lower_bound(dict.begin(), dict.end(), v, less) - dict.begin()));
  }
  return {dict, ids};
}

enum class Mode { kPlain, kDictBuilt, kDictGiven };

// Writes Data in `mode` with 48-byte pages (many pages per chunk) in two row groups.
void WriteEdgeFile(const std::string& path, Mode mode, Codec codec) {
  Data x;
  WriterOptions o;
  o.codec = codec;
  o.page_bytes = 48;
  o.dictionary = mode != Mode::kPlain;
  auto w = FileWriter::OpenFile(path, EdgeSchema(), o);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  FileWriter* fw = w->get();
  const auto st_s = ValueStarts(&x.s_null, nullptr, x.n);
  const auto st_d = ValueStarts(&x.d_null, nullptr, x.n);
  // Given dictionaries, in Pinot's order (Java's compare): for strings and doubles that is not
  // Parquet's order, so the writer must not take a page's bounds at its smallest/largest id.
  auto di32 = SortedDict(x.desc, std::less<int32_t>());
  auto di64 = SortedDict(x.asc, std::less<int64_t>());
  auto ds = SortedDict(
      x.s, [](const std::string& a, const std::string& b) { return Utf16(a) < Utf16(b); });
  auto dd = SortedDict(x.d, JavaDoubleLess);
  auto dl = SortedDict(x.l, std::less<int32_t>());
  auto dn = SortedDict(x.nan, JavaDoubleLess);
  std::vector<uint32_t> ds_offs{0};
  std::string ds_data;
  for (const auto& v : ds.first) ds_data += v, ds_offs.push_back(uint32_t(ds_data.size()));

  for (int g = 0; g < 2; ++g) {
    const uint32_t r0 = kGroups[g], n = kGroups[g + 1] - r0;
    std::vector<uint32_t> loffs;
    for (uint32_t r = r0; r <= r0 + n; ++r) loffs.push_back(x.l_offs[r] - x.l_offs[r0]);
    const uint32_t ls = x.l_offs[r0];
    if (mode == Mode::kDictGiven) {
      // The whole dictionary each row group: statistics and bounds must still come only from
      // the entries the pages reference.
      ASSERT_TRUE(fw->SetDictionaryInt32(0, di32.first.data(), uint32_t(di32.first.size())).ok());
      ASSERT_TRUE(fw->WriteIndices(0, n, di32.second.data() + r0, nullptr, nullptr).ok());
      ASSERT_TRUE(fw->SetDictionaryInt64(1, di64.first.data(), uint32_t(di64.first.size())).ok());
      ASSERT_TRUE(fw->WriteIndices(1, n, di64.second.data() + r0, nullptr, nullptr).ok());
      ASSERT_TRUE(
          fw->SetDictionaryByteArray(2, ds_offs.data(), ds_data.data(), uint32_t(ds.first.size()))
              .ok());
      ASSERT_TRUE(
          fw->WriteIndices(2, n, ds.second.data() + st_s[r0], x.s_null.data() + r0, nullptr).ok());
      ASSERT_TRUE(fw->SetDictionaryDouble(3, dd.first.data(), uint32_t(dd.first.size())).ok());
      ASSERT_TRUE(
          fw->WriteIndices(3, n, dd.second.data() + st_d[r0], x.d_null.data() + r0, nullptr).ok());
      ASSERT_TRUE(fw->SetDictionaryInt32(4, dl.first.data(), uint32_t(dl.first.size())).ok());
      ASSERT_TRUE(
          fw->WriteIndices(4, n, dl.second.data() + ls, x.l_null.data() + r0, loffs.data()).ok());
      ASSERT_TRUE(fw->SetDictionaryDouble(5, dn.first.data(), uint32_t(dn.first.size())).ok());
      ASSERT_TRUE(fw->WriteIndices(5, n, dn.second.data() + r0, nullptr, nullptr).ok());
    } else {
      ASSERT_TRUE(fw->WriteInt32(0, n, x.desc.data() + r0, nullptr, nullptr).ok());
      ASSERT_TRUE(fw->WriteInt64(1, n, x.asc.data() + r0, nullptr, nullptr).ok());
      std::vector<uint32_t> so{0};
      std::string sd;
      for (uint32_t v = st_s[r0]; v < st_s[r0 + n]; ++v)
        sd += x.s[v], so.push_back(uint32_t(sd.size()));
      ASSERT_TRUE(
          fw->WriteByteArray(2, n, so.data(), sd.data(), x.s_null.data() + r0, nullptr).ok());
      ASSERT_TRUE(fw->WriteDouble(3, n, x.d.data() + st_d[r0], x.d_null.data() + r0, nullptr).ok());
      ASSERT_TRUE(fw->WriteInt32(4, n, x.l.data() + ls, x.l_null.data() + r0, loffs.data()).ok());
      ASSERT_TRUE(fw->WriteDouble(5, n, x.nan.data() + r0, nullptr, nullptr).ok());
    }
    ASSERT_TRUE(fw->FlushRowGroup().ok());
  }
  ASSERT_TRUE(fw->Close().ok());
}

const json& Chunk(const json& doc, int g, const std::string& path) {
  for (const json& c : doc["row_groups"][g]["columns"]) {
    if (c["path"] == path) return c;
  }
  static const json none;
  ADD_FAILURE() << "no column " << path;
  return none;
}

class EdgePageIndex : public ::testing::TestWithParam<Mode> {};

TEST_P(EdgePageIndex, MatchesPagesReadBack) {
  const Mode mode = GetParam();
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/edge.parquet";
  WriteEdgeFile(path, mode, mode == Mode::kDictGiven ? Codec::kZstd : Codec::kSnappy);
  if (HasFatalFailure()) return;
  json doc = ReadPageIndex(path);
  EXPECT_EQ(CheckPageIndex(doc, "edge"), 12);

  for (int g = 0; g < 2; ++g) {
    // The encoding under test is the one actually written, and there are many pages.
    for (const char* col : {"desc", "asc", "s", "d", "l.list.element"}) {
      const json& c = Chunk(doc, g, col);
      ASSERT_GT(c["pages"].size(), 5u) << col;
      const std::string enc = c["pages"][0]["encoding"];
      EXPECT_EQ(enc, mode == Mode::kPlain ? "PLAIN" : "RLE_DICTIONARY") << col << " rg " << g;
    }
    // Expectations from how the data was made, not only from the pages.
    EXPECT_EQ(Chunk(doc, g, "desc")["column_index"]["boundary_order"], "DESCENDING");
    EXPECT_EQ(Chunk(doc, g, "asc")["column_index"]["boundary_order"], "ASCENDING");
  }
  EXPECT_EQ(Chunk(doc, 1, "s")["column_index"]["boundary_order"], "UNORDERED");
  // Rows 50..1149 of s are null: whole pages of nulls (empty bounds, null_pages true).
  const json& s0 = Chunk(doc, 0, "s")["column_index"];
  int null_pages = 0;
  for (size_t i = 0; i < s0["null_pages"].size(); ++i) {
    if (s0["null_pages"][i].get<bool>()) {
      ++null_pages;
      EXPECT_EQ(s0["min_values"][i], "");
      EXPECT_GT(s0["null_counts"][i].get<int64_t>(), 0);
    }
  }
  EXPECT_GE(null_pages, 1);
  // Unsigned byte order (row group 1 holds every string): U+1F600 (f0 9f 98 80) is the
  // largest, "" the smallest; hex strings order as their bytes do.
  const json& s1 = Chunk(doc, 1, "s")["column_index"];
  std::string lo = "~", hi;
  for (size_t i = 0; i < s1["min_values"].size(); ++i) {
    if (s1["null_pages"][i].get<bool>()) continue;
    lo = std::min(lo, s1["min_values"][i].get<std::string>());
    hi = std::max(hi, s1["max_values"][i].get<std::string>());
  }
  EXPECT_EQ(lo, "");
  EXPECT_EQ(hi, "f09f9880");
  // d: rows 0..399 hold only zeros (-0.0 and +0.0): bounds -0.0 and +0.0.
  const json& d0 = Chunk(doc, 0, "d")["column_index"];
  EXPECT_EQ(d0["min_values"][0], DoubleHex(-0.0));
  EXPECT_EQ(d0["max_values"][0], DoubleHex(0.0));
  // nan: rows 500..699 (row group 0) fill pages with NaN only: no ColumnIndex there (TYPE_ORDER),
  // but row group 1 has one.
  EXPECT_TRUE(Chunk(doc, 0, "nan")["column_index"].is_null());
  EXPECT_FALSE(Chunk(doc, 1, "nan")["column_index"].is_null());
  EXPECT_EQ(Chunk(doc, 1, "nan")["column_index"]["boundary_order"], "ASCENDING");
}

INSTANTIATE_TEST_SUITE_P(Modes, EdgePageIndex,
                         ::testing::Values(Mode::kPlain, Mode::kDictBuilt, Mode::kDictGiven),
                         [](const auto& info) {
                           switch (info.param) {
                             case Mode::kPlain:
                               return "Plain";
                             case Mode::kDictBuilt:
                               return "DictBuilt";
                             case Mode::kDictGiven:
                               return "DictGiven";
                           }
                           return "";
                         });

// parquet-java's VersionParser.FORMAT (parquet-common, org.apache.parquet.VersionParser), which
// Spark and Hive apply to created_by (whole-string match) to decide which statistics to trust:
// application, then "version", then the version and an optional "(build <hash>)".
const std::regex kVersionParser(
    R"((.*?)\s+version\s*(?:([^(]*?)\s*(?:\(\s*build\s*([^)]*?)\s*\))?)?)");

// created_by parses as application "pinot-export", semantic version PE_VERSION and a build
// hash (the git short sha, or "unknown" without git).
void ExpectCreatedBy(const std::string& created_by) {
  std::smatch m;
  ASSERT_TRUE(std::regex_match(created_by, m, kVersionParser)) << created_by;
  EXPECT_EQ(m[1].str(), "pinot-export");
  EXPECT_EQ(m[2].str(), PE_VERSION);
  EXPECT_TRUE(std::regex_match(m[2].str(), std::regex(R"(\d+\.\d+\.\d+)"))) << m[2];
  EXPECT_TRUE(std::regex_match(m[3].str(), std::regex("[0-9a-f]{7,40}|unknown"))) << m[3];
}

TEST(CreatedBy, ParsesAsParquetJavaVersion) {
  // The regex itself, on parquet-java's own example and on the no-git fallback.
  std::smatch m;
  const std::string mr = "parquet-mr version 1.8.0rc2-SNAPSHOT (build ddb469afac70)";
  ASSERT_TRUE(std::regex_match(mr, m, kVersionParser));
  EXPECT_EQ(m[3].str(), "ddb469afac70");
  ExpectCreatedBy(std::string("pinot-export version ") + PE_VERSION + " (build unknown)");

  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/v.parquet";
  {
    auto w = FileWriter::OpenFile(path, {{"a", PhysicalType::kInt32}}, WriterOptions());
    ASSERT_TRUE(w.ok());
    int32_t v[1] = {1};
    ASSERT_TRUE((*w)->WriteInt32(0, 1, v, nullptr, nullptr).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  // Read back by DuckDB's footer reader.
  auto r = pe::testing::RunNode("duckdb_rows.mjs",
                                {"select created_by from parquet_file_metadata('" + path + "')"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectCreatedBy(json::parse(r.out)[0].get<std::string>());
}

// A real Pinot segment (dictionary-encoded INT and STRING columns, transcoded) and fixture
// matrix segments (every type, SV/MV, nulls; dictionary-encoded, raw, empty) converted by the CLI
// with small pages: every chunk's page index against its pages, and created_by as hyparquet reads
// it. (The matrix's raw segments differ only in Pinot chunk formats: two of them suffice here.)
TEST(ConvertPageIndex, SegmentsWithSmallPages) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  auto r =
      pe::testing::RunCli({"sample", "--matrix", "--rows", "400", "--out", dir->path() + "/m"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> segs;
  for (auto& e : std::filesystem::directory_iterator(dir->path() + "/m")) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("matrixDict") || name.starts_with("matrixEmpty") ||
        name.starts_with("matrixRawV2_GZIP") || name.starts_with("matrixRawV4_GZIP")) {
      segs.push_back(e.path().string());
    }
  }
  std::sort(segs.begin(), segs.end());
  ASSERT_EQ(segs.size(), 5u);
  segs.insert(segs.begin(), pe::testing::FixturePath("baseballStats_OFFLINE_0.tar.gz"));
  int dict_chunks = 0, chunks = 0;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string out = dir->path() + "/o" + std::to_string(i) + ".parquet";
    r = pe::testing::RunCli({"convert", segs[i], out, "--page-bytes", i == 0 ? "2048" : "96",
                             "--row-group-bytes", i == 0 ? "400000" : "3000"});
    ASSERT_EQ(r.exit_code, 0) << segs[i] << ": " << r.err;
    json doc = ReadPageIndex(out);
    chunks += CheckPageIndex(doc, std::filesystem::path(segs[i]).filename().string());
    ExpectCreatedBy(doc["created_by"].get<std::string>());
    for (const json& rg : doc["row_groups"]) {
      for (const json& c : rg["columns"]) {
        if (c["pages"].size() > 1 && c["pages"][0]["encoding"] == "RLE_DICTIONARY" &&
            !c["column_index"].is_null()) {
          ++dict_chunks;
        }
      }
    }
  }
  EXPECT_GT(chunks, 100);
  EXPECT_GT(dict_chunks, 50);
}

}  // namespace
}  // namespace pe::parquet
