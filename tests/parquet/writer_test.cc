// The Parquet writer on its own: every physical/logical type it writes, flat and list, required
// and optional, each codec, dictionary on/off/fallback, transcoded dictionaries, many pages and
// row groups — each file read back by DuckDB and hyparquet and compared value by value, and the
// column statistics checked through DuckDB's parquet_metadata and the page indexes against the
// pages hyparquet reads (page_index_check.h).
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <random>

#include "common/file.h"
#include "page_index_check.h"
#include "parquet/encoding.h"
#include "parquet/parquet.h"
#include "testing/parquet_check.h"
#include "testing/testing.h"

namespace pe::parquet {
namespace {

using nlohmann::json;
using pe::testing::CellKind;

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string o;
  for (unsigned char c : s) o += d[c >> 4], o += d[c & 15];
  return o;
}

std::string IsoMillis(int64_t ms) {
  time_t secs = time_t(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  int milli = int(((ms % 1000) + 1000) % 1000);
  struct tm t;
  gmtime_r(&secs, &t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, milli);
  return buf;
}

json FloatCell(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

// 16-byte big-endian two's complement of v (DECIMAL on FIXED_LEN_BYTE_ARRAY(16)).
std::string Decimal16(int64_t v) {
  std::string s(16, v < 0 ? '\xff' : '\0');
  for (int i = 0; i < 8; ++i) s[15 - i] = char((uint64_t(v) >> (8 * i)) & 0xff);
  return s;
}
std::string DecimalText(int64_t v, int scale) {
  std::string d = std::to_string(v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v));
  while (int(d.size()) <= scale) d = "0" + d;
  std::string out = (v < 0 ? "-" : "") + d.substr(0, d.size() - scale);
  if (scale) out += "." + d.substr(d.size() - scale);
  return out;
}

// One column's rows: flattened non-null values plus per-row nulls/counts and the expected cells.
struct Col {
  ColumnSchema s;
  CellKind kind = CellKind::kExact;
  std::vector<uint8_t> nulls;   // per row
  std::vector<uint32_t> start;  // per row + 1: first value index
  std::vector<int32_t> i32;
  std::vector<int64_t> i64;
  std::vector<float> f32;
  std::vector<double> f64;
  std::vector<uint8_t> b;
  std::vector<std::string> bin;
  std::vector<json> want;  // per row
};

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  uint32_t U(uint32_t n) { return uint32_t(rng_() % n); }
  bool P(int pct) { return int(U(100)) < pct; }

  // Fills `c` with n rows; `value(json* cell)` appends one value and returns its rendering.
  template <typename F>
  void Fill(Col* c, uint32_t n, int null_pct, F value) {
    c->start.assign(1, 0);
    for (uint32_t r = 0; r < n; ++r) {
      bool null = c->s.optional && P(null_pct);
      c->nulls.push_back(null);
      json cell;
      if (!null) {
        if (c->s.list) {
          uint32_t k = U(4);  // 0..3 elements (0 = empty list)
          cell = json::array();
          for (uint32_t i = 0; i < k; ++i) cell.push_back(value());
        } else {
          cell = value();
        }
      }
      c->want.push_back(cell);
      c->start.push_back(uint32_t(Count(*c)));
    }
  }
  static size_t Count(const Col& c) {
    return c.i32.size() + c.i64.size() + c.f32.size() + c.f64.size() + c.b.size() + c.bin.size();
  }
  std::string Str() {
    static const char* parts[] = {"a", "b", "pinot", "é", "日本", "", "zz", "\x7f", "x y"};
    std::string s;
    for (uint32_t k = U(5); k > 0; --k) s += parts[U(9)];
    return s;
  }

 private:
  std::mt19937 rng_;
};

std::vector<Col> MakeColumns(uint32_t n, uint32_t seed, int distinct) {
  Gen g(seed);
  std::vector<Col> cols(14);
  auto& c0 = cols[0];
  c0.s = {"i32", PhysicalType::kInt32};
  g.Fill(&c0, n, 0, [&] {
    int32_t v = int32_t(g.U(distinct)) - distinct / 2;
    if (g.P(1)) v = g.P(50) ? INT32_MIN : INT32_MAX;
    c0.i32.push_back(v);
    return json(v);
  });
  auto& c1 = cols[1];
  c1.s = {"i64", PhysicalType::kInt64, {}, true};
  g.Fill(&c1, n, 20, [&] {
    int64_t v = (int64_t(g.U(distinct)) << 40) - 7;
    if (g.P(1)) v = INT64_MIN;
    c1.i64.push_back(v);
    return json(v);
  });
  auto& c2 = cols[2];
  c2.s = {"f32", PhysicalType::kFloat, {}, true};
  c2.kind = CellKind::kFloat32;
  g.Fill(&c2, n, 10, [&] {
    float v = float(int(g.U(distinct)) - 5) / 4.0f;
    if (g.P(2)) v = std::nanf("");
    if (g.P(2)) v = -0.0f;
    if (g.P(1)) v = -INFINITY;
    c2.f32.push_back(v);
    return FloatCell(v);
  });
  auto& c3 = cols[3];
  c3.s = {"f64", PhysicalType::kDouble};
  c3.kind = CellKind::kFloat64;
  g.Fill(&c3, n, 0, [&] {
    double v = double(g.U(distinct)) * 1.1e-3 - 0.5;
    c3.f64.push_back(v);
    return FloatCell(v);
  });
  auto& c4 = cols[4];
  c4.s = {"flag", PhysicalType::kBoolean, {}, true};
  g.Fill(&c4, n, 15, [&] {
    bool v = g.P(30);
    c4.b.push_back(v);
    return json(v);
  });
  auto& c5 = cols[5];
  c5.s = {"str", PhysicalType::kByteArray, {LogicalType::kString}, true};
  g.Fill(&c5, n, 10, [&] {
    std::string v = distinct > 100 ? g.Str() + std::to_string(g.U(distinct)) : g.Str();
    c5.bin.push_back(v);
    return json(v);
  });
  auto& c6 = cols[6];
  c6.s = {"bytes", PhysicalType::kByteArray};
  g.Fill(&c6, n, 0, [&] {
    std::string v;
    for (uint32_t k = g.U(6); k > 0; --k) v.push_back(char(g.U(256)));
    c6.bin.push_back(v);
    return json(Hex(v));
  });
  auto& c7 = cols[7];
  c7.s = {"ts", PhysicalType::kInt64, {LogicalType::kTimestampMillisUtc}};
  g.Fill(&c7, n, 0, [&] {
    int64_t v = 1700000000000LL + int64_t(g.U(distinct)) * 86399999LL;
    c7.i64.push_back(v);
    return json(IsoMillis(v));
  });
  auto& c8 = cols[8];
  c8.s = {"js", PhysicalType::kByteArray, {LogicalType::kJson}, true};
  c8.kind = CellKind::kJsonText;
  g.Fill(&c8, n, 10, [&] {
    json v = {{"k", g.U(distinct)}, {"tags", {"x", g.Str()}}, {"nested", {{"ok", g.P(50)}}}};
    c8.bin.push_back(v.dump());
    return v;
  });
  auto& c9 = cols[9];
  c9.s = {"ints", PhysicalType::kInt32, {}, true, true};
  g.Fill(&c9, n, 15, [&] {
    int32_t v = int32_t(g.U(distinct));
    c9.i32.push_back(v);
    return json(v);
  });
  auto& c10 = cols[10];
  c10.s = {"strs", PhysicalType::kByteArray, {LogicalType::kString}, false, true};
  g.Fill(&c10, n, 0, [&] {
    std::string v = g.Str();
    c10.bin.push_back(v);
    return json(v);
  });
  auto& c11 = cols[11];
  c11.s = {"dec", PhysicalType::kFixedLenByteArray, {LogicalType::kDecimal, 38, 4}, true};
  c11.s.type_length = 16;
  c11.kind = CellKind::kDecimal;
  g.Fill(&c11, n, 5, [&] {
    int64_t v = (int64_t(g.U(distinct)) - distinct / 2) * 12345;
    c11.bin.push_back(Decimal16(v));
    return json(DecimalText(v, 4));
  });
  auto& c12 = cols[12];
  c12.s = {"doubles", PhysicalType::kDouble, {}, false, true};
  c12.kind = CellKind::kFloat64;
  g.Fill(&c12, n, 0, [&] {
    double v = double(g.U(distinct)) / 8;
    c12.f64.push_back(v);
    return json(v);
  });
  auto& c13 = cols[13];
  c13.s = {"bools", PhysicalType::kBoolean, {}, true, true};
  g.Fill(&c13, n, 10, [&] {
    bool v = g.P(50);
    c13.b.push_back(v);
    return json(v);
  });
  return cols;
}

// Writes rows [a, b) of `c` as column `ci` (in batches of `batch` rows).
Status WriteRows(FileWriter* w, int ci, const Col& c, uint32_t a, uint32_t b, uint32_t batch) {
  for (uint32_t r0 = a; r0 < b; r0 += batch) {
    const uint32_t r1 = std::min(b, r0 + batch), n = r1 - r0;
    const uint32_t v0 = c.start[r0];
    std::vector<uint32_t> offs;
    for (uint32_t r = r0; r <= r1; ++r) offs.push_back(c.start[r] - v0);
    const uint32_t* o = c.s.list ? offs.data() : nullptr;
    const uint8_t* nl = c.s.optional ? c.nulls.data() + r0 : nullptr;
    switch (c.s.type) {
      case PhysicalType::kInt32:
        PE_RETURN_IF_ERROR(w->WriteInt32(ci, n, c.i32.data() + v0, nl, o));
        break;
      case PhysicalType::kInt64:
        PE_RETURN_IF_ERROR(w->WriteInt64(ci, n, c.i64.data() + v0, nl, o));
        break;
      case PhysicalType::kFloat:
        PE_RETURN_IF_ERROR(w->WriteFloat(ci, n, c.f32.data() + v0, nl, o));
        break;
      case PhysicalType::kDouble:
        PE_RETURN_IF_ERROR(w->WriteDouble(ci, n, c.f64.data() + v0, nl, o));
        break;
      case PhysicalType::kBoolean:
        PE_RETURN_IF_ERROR(w->WriteBoolean(ci, n, c.b.data() + v0, nl, o));
        break;
      default: {
        std::vector<uint32_t> vo{0};
        std::string data;
        for (uint32_t v = v0; v < c.start[r1]; ++v) {
          data += c.bin[v];
          vo.push_back(uint32_t(data.size()));
        }
        PE_RETURN_IF_ERROR(w->WriteByteArray(ci, n, vo.data(), data.data(), nl, o));
      }
    }
  }
  return Status::OK();
}

struct Case {
  const char* name;
  Codec codec;
  bool dictionary;
  int64_t page_bytes;
  int64_t dict_limit;
  int distinct;
};

void CheckFile(const std::string& path, const std::vector<Col>& cols, const std::string& label) {
  std::vector<json> want;
  std::vector<CellKind> kinds;
  std::vector<std::string> names;
  for (const auto& c : cols) kinds.push_back(c.kind), names.push_back(c.s.name);
  for (size_t r = 0; r < cols[0].want.size(); ++r) {
    json row = json::array();
    for (const auto& c : cols) row.push_back(c.want[r]);
    want.push_back(row);
  }
  for (const char* reader : {"duckdb", "hyparquet"}) {
    auto got = pe::testing::ReadParquetRows(reader, path);
    EXPECT_EQ(pe::testing::CompareRows(want, got, kinds, names, label + "/" + reader), 0u);
  }
}

class WriterMatrix : public ::testing::TestWithParam<Case> {};

TEST_P(WriterMatrix, ReadersSeeEveryValue) {
  const Case& k = GetParam();
  const uint32_t n = 3000;
  auto cols = MakeColumns(n, 42, k.distinct);
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/t.parquet";
  std::vector<ColumnSchema> schema;
  for (const auto& c : cols) schema.push_back(c.s);
  WriterOptions o;
  o.codec = k.codec;
  o.dictionary = k.dictionary;
  o.page_bytes = k.page_bytes;
  o.dictionary_page_limit = k.dict_limit;
  o.key_values = {{"pinot.segment.name", "t_0"}};
  auto w = FileWriter::OpenFile(path, schema, o);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  const uint32_t groups[] = {0, 1000, 2500, 3000};
  for (int g = 0; g < 3; ++g) {
    for (size_t ci = 0; ci < cols.size(); ++ci) {
      Status s = WriteRows(w->get(), int(ci), cols[ci], groups[g], groups[g + 1], 333);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    ASSERT_TRUE((*w)->FlushRowGroup().ok());
  }
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_EQ((*w)->num_rows(), int64_t(n));
  EXPECT_EQ((*w)->num_row_groups(), 3);
  CheckFile(path, cols, k.name);
  // Page indexes of every chunk (PLAIN, dictionary, fallback) against the pages read back.
  EXPECT_EQ(CheckPageIndex(ReadPageIndex(path), k.name), int(3 * cols.size()));

  // Statistics: null counts and min/max of the flat integer and string columns, per row group.
  auto meta = pe::testing::RunNode(
      "duckdb_rows.mjs",
      {"select row_group_id, path_in_schema, stats_null_count, stats_min_value, stats_max_value "
       "from parquet_metadata('" +
       path + "') order by row_group_id, column_id"});
  ASSERT_EQ(meta.exit_code, 0) << meta.err;
  std::istringstream in(meta.out);
  std::string line;
  size_t checked = 0;
  while (std::getline(in, line)) {
    json row = json::parse(line);
    const int g = std::stoi(row[0].get<std::string>());
    const std::string col = row[1].get<std::string>();
    for (const auto& c : cols) {
      if (c.s.name != col || c.s.list) continue;
      int64_t nulls = 0;
      json lo, hi;
      for (uint32_t r = groups[g]; r < groups[g + 1]; ++r) {
        if (c.nulls[r]) {
          ++nulls;
          continue;
        }
        const json& v = c.want[r];
        if (c.s.name == "i32" || c.s.name == "i64") {
          if (lo.is_null() || v < lo) lo = v;
          if (hi.is_null() || hi < v) hi = v;
        } else if (c.s.name == "str") {
          if (lo.is_null() || v.get<std::string>() < lo.get<std::string>()) lo = v;
          if (hi.is_null() || hi.get<std::string>() < v.get<std::string>()) hi = v;
        }
      }
      EXPECT_EQ(row[2].get<std::string>(), std::to_string(nulls)) << col << " rg " << g;
      if (!lo.is_null()) {
        auto text = [](const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); };
        EXPECT_EQ(row[3].get<std::string>(), text(lo)) << col << " rg " << g;
        EXPECT_EQ(row[4].get<std::string>(), text(hi)) << col << " rg " << g;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 9u);  // 3 columns x 3 row groups
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WriterMatrix,
    ::testing::Values(Case{"snappy_dict", Codec::kSnappy, true, 1 << 20, 1 << 20, 50},
                      Case{"gzip_plain_tiny_pages", Codec::kGzip, false, 200, 1 << 20, 50},
                      Case{"zstd_dict_fallback", Codec::kZstd, true, 300, 400, 5000},
                      Case{"uncompressed_dict_many", Codec::kUncompressed, true, 64, 1 << 20,
                           100000}),
    [](const auto& info) { return std::string(info.param.name); });

// Transcoding: a caller-given (sorted) dictionary and indices, with nulls, lists and a fallback.
TEST(Writer, GivenDictionaryAndFallback) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  std::vector<std::string> dict;
  for (int i = 0; i < 200; ++i) dict.push_back("v" + std::to_string(1000 + i));
  std::vector<uint32_t> doffs{0};
  std::string ddata;
  for (auto& s : dict) ddata += s, doffs.push_back(uint32_t(ddata.size()));
  std::vector<int64_t> ldict;
  for (int i = 0; i < 50; ++i) ldict.push_back(int64_t(i) * 1000003 - 7);
  for (int64_t limit : {int64_t(1) << 20, int64_t(100)}) {
    const std::string path = dir->path() + "/d" + std::to_string(limit) + ".parquet";
    std::vector<ColumnSchema> schema = {
        {"s", PhysicalType::kByteArray, {LogicalType::kString}, true},
        {"l", PhysicalType::kInt64, {}, false, true}};
    WriterOptions o;
    o.dictionary_page_limit = limit;
    o.page_bytes = 100;
    auto w = FileWriter::OpenFile(path, schema, o);
    ASSERT_TRUE(w.ok());
    std::mt19937 rng(7);
    std::vector<json> want;
    const uint32_t n = 700;
    std::vector<uint32_t> ids, lids, loffs{0};
    std::vector<uint8_t> nulls;
    for (uint32_t r = 0; r < n; ++r) {
      bool null = rng() % 5 == 0;
      nulls.push_back(null);
      json s = nullptr;
      if (!null) {
        // Use only ids 10..59: statistics must cover used entries only.
        ids.push_back(10 + rng() % 50);
        s = dict[ids.back()];
      }
      json l = json::array();
      for (uint32_t k = 1 + rng() % 3; k > 0; --k) {
        lids.push_back(rng() % 50);
        l.push_back(ldict[lids.back()]);
      }
      loffs.push_back(uint32_t(lids.size()));
      want.push_back(json::array({s, l}));
    }
    ASSERT_TRUE((*w)->SetDictionaryByteArray(0, doffs.data(), ddata.data(), 200).ok());
    ASSERT_TRUE((*w)->WriteIndices(0, n, ids.data(), nulls.data(), nullptr).ok());
    ASSERT_TRUE((*w)->SetDictionaryInt64(1, ldict.data(), 50).ok());
    ASSERT_TRUE((*w)->WriteIndices(1, n, lids.data(), nullptr, loffs.data()).ok());
    ASSERT_TRUE((*w)->Close().ok());
    for (const char* reader : {"duckdb", "hyparquet"}) {
      auto got = pe::testing::ReadParquetRows(reader, path);
      EXPECT_EQ(pe::testing::CompareRows(want, got, {CellKind::kExact, CellKind::kExact},
                                         {"s", "l"}, reader),
                0u);
    }
    EXPECT_EQ(CheckPageIndex(ReadPageIndex(path), "given"), 2);
    auto meta = pe::testing::RunNode("duckdb_rows.mjs",
                                     {"select stats_min_value, stats_max_value, encodings from "
                                      "parquet_metadata('" +
                                      path + "') where column_id = 0"});
    ASSERT_EQ(meta.exit_code, 0) << meta.err;
    json row = json::parse(meta.out);
    std::string lo = "~", hi;
    for (uint32_t id : ids) lo = std::min(lo, dict[id]), hi = std::max(hi, dict[id]);
    EXPECT_EQ(row[0], lo);
    EXPECT_EQ(row[1], hi);
    const std::string enc = row[2].get<std::string>();
    EXPECT_EQ(enc.find("RLE_DICTIONARY") != std::string::npos, limit > 1000) << enc;
  }
}

TEST(Writer, FailedWriterLeavesNothing) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/x.parquet";
  {
    auto w = FileWriter::OpenFile(path, {{"a", PhysicalType::kInt32}}, WriterOptions());
    ASSERT_TRUE(w.ok());
    int32_t v[2] = {1, 2};
    ASSERT_TRUE((*w)->WriteInt32(0, 2, v, nullptr, nullptr).ok());
    // Wrong type for the column: an error, and the file is never committed.
    EXPECT_FALSE((*w)->WriteInt64(0, 1, reinterpret_cast<int64_t*>(v), nullptr, nullptr).ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir->path()));
  auto bad = FileWriter::OpenFile(dir->path() + "/no/such/dir/x.parquet",
                                  {{"a", PhysicalType::kInt32}}, WriterOptions());
  EXPECT_FALSE(bad.ok());
}

TEST(Writer, RowGroupsMustBeComplete) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  auto w = FileWriter::OpenFile(dir->path() + "/x.parquet",
                                {{"a", PhysicalType::kInt32}, {"b", PhysicalType::kInt32}},
                                WriterOptions());
  ASSERT_TRUE(w.ok());
  int32_t v[3] = {1, 2, 3};
  ASSERT_TRUE((*w)->WriteInt32(0, 3, v, nullptr, nullptr).ok());
  ASSERT_TRUE((*w)->WriteInt32(1, 2, v, nullptr, nullptr).ok());
  Status s = (*w)->FlushRowGroup();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("column b has 2 rows"), std::string::npos) << s.message();
}

// Decodes the hybrid encoding (Encodings.md) to check the encoder independently.
std::vector<uint32_t> DecodeHybrid(const std::string& s, int bw, size_t n) {
  std::vector<uint32_t> out;
  size_t p = 0;
  while (out.size() < n && p < s.size()) {
    uint64_t h = 0;
    int shift = 0;
    while (true) {
      uint8_t b = uint8_t(s[p++]);
      h |= uint64_t(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (h & 1) {
      size_t count = (h >> 1) * 8;
      uint64_t acc = 0;
      int bits = 0;
      for (size_t i = 0; i < count; ++i) {
        while (bits < bw) acc |= uint64_t(uint8_t(s[p++])) << bits, bits += 8;
        out.push_back(uint32_t(acc & ((1ull << bw) - 1)));
        acc >>= bw;
        bits -= bw;
      }
    } else {
      uint32_t v = 0;
      for (int i = 0; i < (bw + 7) / 8; ++i) v |= uint32_t(uint8_t(s[p++])) << (8 * i);
      out.insert(out.end(), h >> 1, v);
    }
  }
  out.resize(std::min(out.size(), n));
  return out;
}

TEST(Encoding, HybridRoundTrips) {
  std::mt19937 rng(1);
  for (int bw : {1, 2, 3, 7, 8, 13, 20, 32}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<uint32_t> v;
      size_t n = rng() % 300;
      uint32_t mask = bw == 32 ? ~0u : (1u << bw) - 1;
      while (v.size() < n) {
        uint32_t x = rng() & mask;
        size_t run = rng() % 4 == 0 ? rng() % 40 : 1;
        v.insert(v.end(), run, x);
      }
      v.resize(n);
      std::string s;
      EncodeHybrid(v.data(), v.size(), bw, &s);
      EXPECT_EQ(DecodeHybrid(s, bw, n), v) << "bw " << bw << " n " << n;
    }
  }
  // Long runs are RLE: 10000 equal values take a few bytes.
  std::vector<uint32_t> same(10000, 5);
  std::string s;
  EncodeHybrid(same.data(), same.size(), 3, &s);
  EXPECT_LE(s.size(), 4u);
}

TEST(Codec, ParsesCaseInsensitively) {
  EXPECT_EQ(*ParseCodec("snappy"), Codec::kSnappy);
  EXPECT_EQ(*ParseCodec("Zstd"), Codec::kZstd);
  EXPECT_EQ(*ParseCodec("GZIP"), Codec::kGzip);
  EXPECT_EQ(*ParseCodec("uncompressed"), Codec::kUncompressed);
  EXPECT_FALSE(ParseCodec("lzo").ok());
}

}  // namespace
}  // namespace pe::parquet
