// The read-back comparison (testing/parquet_check.h) is strict and can fail: cell rules on their
// own, and a real export checked against deliberately altered copies of the generator's expected
// rows, each alteration caught by both readers.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <filesystem>

#include "common/file.h"
#include "testing/parquet_check.h"
#include "testing/testing.h"

namespace pe::convert {
namespace {

using nlohmann::json;
using pe::testing::CellKind;
using pe::testing::CompareRawCell;
using pe::testing::PinotColumn;
using pe::testing::RawRow;

bool Same(std::string_view want, const json& got, CellKind kind, int scale = -1) {
  return CompareRawCell(want, got, kind, scale).empty();
}

TEST(StrictCompare, TypesAndNulls) {
  EXPECT_TRUE(Same("5", json(5), CellKind::kExact));
  EXPECT_FALSE(Same("5", json(5.0), CellKind::kExact));   // a float is not an INT
  EXPECT_FALSE(Same("5", json("5"), CellKind::kExact));   // nor is text
  EXPECT_FALSE(Same("true", json(1), CellKind::kExact));  // nor a BOOLEAN an integer
  EXPECT_FALSE(Same("null", json(0), CellKind::kExact));  // a default is not a null
  EXPECT_FALSE(Same("0", json(), CellKind::kExact));      // nor a null a default
  EXPECT_TRUE(Same("9223372036854775807", json(INT64_MAX), CellKind::kExact));
  EXPECT_FALSE(Same("9223372036854775807", json(9223372036854775806), CellKind::kExact));
  EXPECT_FALSE(Same("\"ab\"", json("ab "), CellKind::kExact));
}

TEST(StrictCompare, ListsInOrder) {
  EXPECT_TRUE(Same("[1,2]", json::array({1, 2}), CellKind::kExact));
  EXPECT_FALSE(Same("[1,2]", json::array({2, 1}), CellKind::kExact));
  EXPECT_FALSE(Same("[1,2]", json::array({1, 2, 2}), CellKind::kExact));
  EXPECT_FALSE(Same("[1]", json(1), CellKind::kExact));
  EXPECT_FALSE(Same("[]", json(), CellKind::kExact));
}

TEST(StrictCompare, FloatBits) {
  EXPECT_TRUE(Same("0.1", json(double(0.1f)), CellKind::kFloat32));
  EXPECT_FALSE(Same("0.1", json(0.1), CellKind::kFloat32));  // a double is not a FLOAT
  EXPECT_FALSE(Same("0.1", json(double(std::nextafter(0.1f, 1.0f))), CellKind::kFloat32));
  EXPECT_TRUE(Same("0.1", json(0.1), CellKind::kFloat64));
  EXPECT_FALSE(Same("0.1", json(std::nextafter(0.1, 1.0)), CellKind::kFloat64));
  EXPECT_TRUE(Same("-0.0", json(-0.0), CellKind::kFloat64));
  EXPECT_FALSE(Same("-0.0", json(0.0), CellKind::kFloat64));
  EXPECT_FALSE(Same("0", json(-0.0), CellKind::kFloat32));
  EXPECT_TRUE(Same("\"NaN\"", json("NaN"), CellKind::kFloat64));
  EXPECT_FALSE(Same("\"Infinity\"", json("-Infinity"), CellKind::kFloat64));
  EXPECT_FALSE(Same("1e39", json(1e39), CellKind::kFloat32));  // not a float at all
}

TEST(StrictCompare, ExactDecimalText) {
  // BIG_DECIMAL as text: the exact text, trailing zeros and all.
  EXPECT_TRUE(Same("\"-5.00\"", json("-5.00"), CellKind::kExact));
  EXPECT_FALSE(Same("\"-5.00\"", json("-5.0"), CellKind::kExact));
  // DECIMAL(P,S): the generator's text at scale S, digit for digit.
  EXPECT_TRUE(Same("\"1.5\"", json("1.50000000"), CellKind::kDecimal, 8));
  EXPECT_TRUE(Same("\"-8704788\"", json("-8704788.00000000"), CellKind::kDecimal, 8));
  EXPECT_TRUE(Same("\"0.10\"", json("0.1"), CellKind::kDecimal, 1));
  EXPECT_FALSE(Same("\"1.5\"", json("1.50000001"), CellKind::kDecimal, 8));
  EXPECT_FALSE(Same("\"1.5\"", json("1.5"), CellKind::kDecimal, 8));
  EXPECT_FALSE(Same("\"1.5\"", json("-1.50000000"), CellKind::kDecimal, 8));
  EXPECT_FALSE(Same("\"1.123456789\"", json("1.12345679"), CellKind::kDecimal, 8));
  // Digits beyond double precision count.
  EXPECT_TRUE(Same("\"12345678901234567890.12345678\"", json("12345678901234567890.12345678"),
                   CellKind::kDecimal, 8));
  EXPECT_FALSE(Same("\"12345678901234567890.12345678\"", json("12345678901234567890.12345679"),
                    CellKind::kDecimal, 8));
  EXPECT_FALSE(Same("\"1.5\"", json(1.5), CellKind::kDecimal, 1));
}

TEST(StrictCompare, JsonTextByteForByte) {
  EXPECT_TRUE(Same(R"({"a":1,"b":2})", json(R"({"a":1,"b":2})"), CellKind::kJsonText));
  EXPECT_FALSE(Same(R"({"a":1,"b":2})", json(R"({"b":2,"a":1})"), CellKind::kJsonText));
  EXPECT_FALSE(Same(R"({"a":1})", json(R"({"a":1.0})"), CellKind::kJsonText));
  EXPECT_FALSE(Same(R"({"a":1})", json(R"({"a": 1})"), CellKind::kJsonText));
}

// Where Pinot keeps the default and where it keeps a null.
TEST(StrictCompare, PinotNulls) {
  const PinotColumn required{"c", "JSON", true, false}, nullable{"c", "JSON", true, true};
  EXPECT_TRUE(pe::testing::ComparePinotCell(required, "null", json("null"), {}).empty());
  EXPECT_FALSE(pe::testing::ComparePinotCell(required, "null", json(), {}).empty());
  EXPECT_TRUE(pe::testing::ComparePinotCell(nullable, "null", json(), {}).empty());
  EXPECT_FALSE(pe::testing::ComparePinotCell(nullable, "null", json("null"), {}).empty());
  const PinotColumn mv{"m", "INT", false, false};
  EXPECT_FALSE(pe::testing::ComparePinotCell(mv, "[1]", json(1), {}).empty());
}

std::string ShortestFloat(float f) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f);
  return std::string(buf, r.ptr);
}
std::string ShortestDouble(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// A real export of matrixDict_OFFLINE_0 matches the generator's rows; each single-cell alteration
// of those rows is reported once by each reader, naming the column.
TEST(StrictCompare, AlteredExpectationsFail) {
  const std::string seg = pe::testing::MatrixDir() + "/matrixDict_OFFLINE_0";
  auto tmp = TempDir::Make();
  ASSERT_TRUE(tmp.ok());
  const std::string out = tmp->path() + "/o.parquet";
  auto r = pe::testing::RunCli({"convert", seg, out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<PinotColumn> cols = pe::testing::SegmentColumns(seg);
  for (auto& c : cols) c.nullable = c.name.ends_with("_nullvec");
  const std::vector<RawRow> want = pe::testing::ReadJsonlRows(
      pe::testing::MatrixDir() + "/expected/matrixDict_OFFLINE_0.jsonl", cols);
  ASSERT_EQ(want.size(), pe::testing::MatrixRows());
  // Each reader reads the file once; every expectation below is checked against those reads.
  const std::vector<std::pair<std::string, pe::testing::ReadBack>> reads = {
      {"duckdb", pe::testing::ReadParquet("duckdb", out)},
      {"hyparquet", pe::testing::ReadParquet("hyparquet", out)}};
  auto check_against = [&](const auto& got_reads, const std::vector<RawRow>& rows,
                           const std::string& label) {
    size_t bad = 0;
    for (const auto& [reader, got] : got_reads) {
      bad += pe::testing::ExpectReadBackHolds(got, reader, cols, rows, {}, label);
    }
    return bad;
  };
  ASSERT_EQ(check_against(reads, want, "as generated"), 0u);
  const size_t kPrefix = 100;
  std::vector<std::pair<std::string, pe::testing::ReadBack>> prefix = reads;
  for (auto& [reader, got] : prefix) got.rows.resize(kPrefix);

  auto col = [&](const std::string& name) {
    for (size_t i = 0; i < cols.size(); ++i) {
      if (cols[i].name == name) return i;
    }
    ADD_FAILURE() << "no column " << name;
    return size_t(0);
  };
  // The first row whose `name` cell satisfies `pred`.
  auto row = [&](const std::string& name, auto pred) {
    const size_t c = col(name);
    for (size_t i = 0; i < want.size(); ++i) {
      if (pred(want[i][c])) return i;
    }
    ADD_FAILURE() << "no suitable row for " << name;
    return size_t(0);
  };

  struct Alteration {
    std::string column;
    std::string (*alter)(const std::string&);
    bool (*usable)(const std::string&);
  };
  const std::vector<Alteration> alterations = {
      // FLOAT one ulp up, in shortest text.
      {"d_float_sv_highcard",
       [](const std::string& s) {
         return ShortestFloat(std::nextafter(std::strtof(s.c_str(), nullptr), INFINITY));
       },
       [](const std::string& s) { return !s.empty() && s[0] != '"' && s != "null"; }},
      // DOUBLE one ulp up.
      {"d_double_sv_highcard",
       [](const std::string& s) {
         return ShortestDouble(std::nextafter(std::strtod(s.c_str(), nullptr), INFINITY));
       },
       [](const std::string& s) { return !s.empty() && s[0] != '"' && s != "null"; }},
      // An INT as the same number in float syntax.
      {"d_int_sv", [](const std::string& s) { return s + ".0"; },
       [](const std::string& s) { return s != "null"; }},
      // A LONG list with its first two elements swapped.
      {"d_long_mv",
       [](const std::string& s) {
         auto e = pe::testing::RawElements(s);
         std::swap(e[0], e[1]);
         std::string o = "[";
         for (size_t i = 0; i < e.size(); ++i) o += (i ? "," : "") + e[i];
         return o + "]";
       },
       [](const std::string& s) {
         auto e = pe::testing::RawElements(s);
         return e.size() >= 2 && e[0] != e[1];
       }},
      // BIG_DECIMAL text with one more trailing zero (the same number).
      {"d_big_decimal_sv",
       [](const std::string& s) {
         return s.substr(0, s.size() - 1) + (s.find('.') == std::string::npos ? ".0\"" : "0\"");
       },
       [](const std::string& s) { return s != "null"; }},
      // A null row expected as Pinot's default instead.
      {"d_int_sv_nullvec", [](const std::string&) { return std::string("-2147483648"); },
       [](const std::string& s) { return s == "null"; }},
      // A value expected as null.
      {"d_string_sv_nullvec", [](const std::string&) { return std::string("null"); },
       [](const std::string& s) { return s != "null"; }},
      // JSON with a space after the first colon (the same JSON value, other text).
      {"d_json_sv",
       [](const std::string& s) {
         return s.substr(0, s.find(':') + 1) + " " + s.substr(s.find(':') + 1);
       },
       [](const std::string& s) { return s.find(':') != std::string::npos; }},
      // TIMESTAMP one millisecond later.
      {"d_timestamp_sv",
       [](const std::string& s) {
         std::string o = s;              // "...:SS.mmmZ"
         const size_t m = o.size() - 3;  // last milli digit
         o[m] = o[m] == '9' ? '8' : char(o[m] + 1);
         return o;
       },
       [](const std::string& s) { return s != "null"; }},
      // BYTES as upper-case hex.
      {"d_bytes_sv",
       [](const std::string& s) {
         std::string o = s;
         for (auto& ch : o) ch = char(std::toupper(static_cast<unsigned char>(ch)));
         return o;
       },
       [](const std::string& s) { return s.find_first_of("abcdef") != std::string::npos; }},
  };
  for (const auto& a : alterations) {
    SCOPED_TRACE(a.column);
    const size_t c = col(a.column);
    const size_t i = row(a.column, a.usable);
    // The rows above compared in full; the altered ones are checked on a prefix holding the
    // altered row (all cells of every row in it), which keeps the sanitized run short.
    ASSERT_LT(i, kPrefix);
    std::vector<RawRow> altered(want.begin(), want.begin() + kPrefix);
    altered[i][c] = a.alter(want[i][c]);
    ASSERT_NE(altered[i][c], want[i][c]);
    ::testing::TestPartResultArray failures;
    size_t bad;
    {
      ::testing::ScopedFakeTestPartResultReporter reporter(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
      bad = check_against(prefix, altered, "altered");
    }
    EXPECT_EQ(bad, 2u) << want[i][c] << " -> " << altered[i][c];
    ASSERT_EQ(failures.size(), 2);
    for (int f = 0; f < failures.size(); ++f) {
      const std::string msg = failures.GetTestPartResult(f).message();
      EXPECT_NE(msg.find("row " + std::to_string(i) + " column " + a.column + ":"),
                std::string::npos)
          << msg;
    }
  }
}

}  // namespace
}  // namespace pe::convert
