// metadata.properties facts that are untrusted input: the segment time range in every TimeUnit
// (int64 overflow leaves the ms range unset and says why), TIMESTAMP text at the int64 extremes,
// and pre-2019 star-tree segments whose pre-aggregated docs follow the raw docs
// (segment.total.raw.docs < segment.total.docs: only the raw docs are rows).
#include <gtest/gtest.h>

#include <climits>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/file.h"
#include "convert/check.h"
#include "segment/segment.h"
#include "segment/segment_internal.h"
#include "testing/parquet_check.h"
#include "testing/testing.h"

namespace pe::segment {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using pe::testing::RunCli;

Result<SegmentMeta> Parse(const std::string& text) {
  auto p = ParseProperties(text);
  if (!p.ok()) return p.status();
  return ParseSegmentMetadata(*p);
}

// A segment with no columns and the given time range (unit "" = key absent).
std::string TimeProps(const std::string& unit, const std::string& start, const std::string& end) {
  std::string s = "segment.name = s\nsegment.total.docs = 0\nsegment.start.time = " + start +
                  "\nsegment.end.time = " + end + "\n";
  if (!unit.empty()) s += "segment.time.unit = " + unit + "\n";
  return s;
}

TEST(TimeRange, EveryUnitToMillis) {
  struct Case {
    const char* unit;
    const char* start;
    const char* end;
    int64_t start_ms, end_ms;
  };
  const Case cases[] = {
      {"MILLISECONDS", "-9223372036854775808", "9223372036854775807", INT64_MIN, INT64_MAX},
      {"SECONDS", "-9223372036854775", "9223372036854775", -9223372036854775000,
       9223372036854775000},
      {"MINUTES", "-2", "3", -120000, 180000},
      {"HOURS", "5", "6", 18000000, 21600000},
      {"DAYS", "19000", "19001", 1641600000000, 1641686400000},
      {"", "19000", "19001", 1641600000000, 1641686400000},  // no unit: DAYS
      // Finer units truncate toward zero (Java's TimeUnit.toMillis).
      {"MICROSECONDS", "-1999", "1999", -1, 1},
      {"NANOSECONDS", "-9223372036854775808", "9223372036854775807", -9223372036854, 9223372036854},
  };
  for (const auto& c : cases) {
    auto m = Parse(TimeProps(c.unit, c.start, c.end));
    ASSERT_TRUE(m.ok()) << c.unit << ": " << m.status().ToString();
    ASSERT_TRUE(m->start_time_ms.has_value()) << c.unit << ": " << m->time_range_note;
    EXPECT_EQ(*m->start_time_ms, c.start_ms) << c.unit;
    EXPECT_EQ(*m->end_time_ms, c.end_ms) << c.unit;
    EXPECT_EQ(m->time_range_note, "") << c.unit;
  }
}

TEST(TimeRange, UnrepresentableInMillisOpensWithoutARangeAndSaysWhy) {
  struct Case {
    const char* unit;
    const char* start;
    const char* end;
    const char* note;
  };
  const Case cases[] = {
      {"SECONDS", "9223372036854776", "9223372036854776",
       "segment.start.time 9223372036854776 SECONDS is outside the int64 millisecond range"},
      {"SECONDS", "0", "-9223372036854776",
       "segment.end.time -9223372036854776 SECONDS is outside the int64 millisecond range"},
      {"MILLISECONDS", "0", "9223372036854775807", nullptr},  // fits: control case
      {"", "1", "106751991167301",
       "segment.end.time 106751991167301 DAYS is outside the int64 millisecond range"},
      {"HOURS", "-9223372036854775808", "0",
       "segment.start.time -9223372036854775808 HOURS is outside the int64 millisecond range"},
      {"FORTNIGHTS", "1", "2", "unknown segment.time.unit 'FORTNIGHTS'"},
  };
  for (const auto& c : cases) {
    auto m = Parse(TimeProps(c.unit, c.start, c.end));
    ASSERT_TRUE(m.ok()) << c.start << " " << c.unit << ": " << m.status().ToString();
    // The raw values are kept either way.
    EXPECT_EQ(std::to_string(*m->start_time), c.start);
    EXPECT_EQ(std::to_string(*m->end_time), c.end);
    if (!c.note) {
      EXPECT_TRUE(m->start_time_ms.has_value());
      continue;
    }
    EXPECT_FALSE(m->start_time_ms.has_value()) << c.start << " " << c.unit;
    EXPECT_FALSE(m->end_time_ms.has_value()) << c.end << " " << c.unit;
    EXPECT_EQ(m->time_range_note, c.note);
  }
}

std::string TimestampText(int64_t ms, bool json) {
  ColumnMeta m;
  m.name = "ts";
  m.data_type = DataType::kTimestamp;
  m.stored_type = StoredType::kInt64;
  ColumnBatch b;
  b.num_docs = 1;
  b.i64 = {ms};
  std::string out;
  Status st = AppendValueText(m, b, 0, json, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

TEST(Timestamp, TextAtTheInt64Extremes) {
  // java.time.Instant.ofEpochMilli(x).toString() (with the fraction always 3 digits); the
  // extremes were checked against GNU date.
  EXPECT_EQ(TimestampText(INT64_MIN, false), "-292275055-05-16T16:47:04.192Z");
  EXPECT_EQ(TimestampText(INT64_MAX, false), "+292278994-08-17T07:12:55.807Z");
  EXPECT_EQ(TimestampText(INT64_MIN + 1, false), "-292275055-05-16T16:47:04.193Z");
  EXPECT_EQ(TimestampText(INT64_MAX, true), "\"+292278994-08-17T07:12:55.807Z\"");
  EXPECT_EQ(TimestampText(-1, false), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(TimestampText(0, false), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(TimestampText(-1001, false), "1969-12-31T23:59:58.999Z");
  EXPECT_EQ(TimestampText(253402300799999, false), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(TimestampText(253402300800000, false), "+10000-01-01T00:00:00.000Z");
  EXPECT_EQ(TimestampText(-62167219200000, false), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(TimestampText(-62167219200001, false), "-0001-12-31T23:59:59.999Z");
}

TEST(StarTree, RawDocsAreTheRows) {
  auto m = Parse(
      "segment.name = st\n"
      "segment.total.docs = 50\n"
      "segment.total.raw.docs = 30\n"
      "segment.total.aggregate.docs = 20\n"
      "segment.startree.enabled = true\n"
      "segment.dimension.column.names = d\n"
      "column.d.dataType = INT\n"
      "column.d.cardinality = 3\n"
      "column.d.bitsPerElement = 2\n");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->total_docs, 30u);
  EXPECT_EQ(m->star_tree_docs, 20u);
  EXPECT_EQ(m->index_docs(), 50u);
  ASSERT_EQ(m->columns.size(), 1u);
  // totalNumberOfEntries defaults to the docs in the index, aggregated ones included.
  EXPECT_EQ(m->columns[0].total_entries, 50u);

  auto plain = Parse("segment.name = p\nsegment.total.docs = 50\n");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->total_docs, 50u);
  EXPECT_EQ(plain->star_tree_docs, 0u);
}

TEST(StarTree, LyingRawDocCounts) {
  auto m = Parse("segment.name = st\nsegment.total.docs = 50\nsegment.total.raw.docs = 51\n");
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(m.status().IsCorruption());
  EXPECT_EQ(m.status().message(),
            "metadata.properties: segment.total.raw.docs 51 is greater than segment.total.docs 50");
  m = Parse("segment.name = st\nsegment.total.docs = 50\nsegment.total.raw.docs = -1\n");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "metadata.properties: segment.total.raw.docs is not an integer: '-1'");
}

// Segments of `pinot-export sample --matrix` (every forward index kind, v1 and v3 layouts) with
// their expected rows, 50 rows each.
class MatrixSegments : public ::testing::Test {
 protected:
  static constexpr int kRows = 50;
  static void SetUpTestSuite() {
    auto d = TempDir::Make("pe-meta-hardening");
    ASSERT_TRUE(d.ok());
    dir_ = new TempDir(std::move(*d));
    auto r = RunCli(
        {"sample", "--matrix", "--rows", std::to_string(kRows), "--out", dir_->path() + "/m"});
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
  static std::string PropertiesPath(const std::string& seg) {
    return fs::exists(seg + "/v3/metadata.properties") ? seg + "/v3/metadata.properties"
                                                       : seg + "/metadata.properties";
  }
  static std::vector<std::string> ExpectedLines(const std::string& seg) {
    auto text = ReadFileToString(dir_->path() + "/m/expected/" + fs::path(seg).filename().string() +
                                 ".jsonl");
    EXPECT_TRUE(text.ok());
    std::vector<std::string> lines;
    std::istringstream in(text.ok() ? *text : "");
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }
  // Appends `extra` to the segment's metadata.properties, dropping lines that start with any of
  // `drop_keys`.
  static void EditProperties(const std::string& seg, const std::string& extra,
                             const std::vector<std::string>& drop_keys = {}) {
    const std::string path = PropertiesPath(seg);
    auto text = ReadFileToString(path);
    ASSERT_TRUE(text.ok());
    std::string out;
    std::istringstream in(*text);
    for (std::string l; std::getline(in, l);) {
      bool drop = false;
      for (const auto& k : drop_keys) drop = drop || l.rfind(k, 0) == 0;
      if (!drop) out += l + "\n";
    }
    ASSERT_TRUE(WriteFileAtomic(path, out + extra).ok());
  }
  static TempDir* dir_;
};
TempDir* MatrixSegments::dir_ = nullptr;

TEST_F(MatrixSegments, StarTreeDocsAreNeitherDumpedNorConverted) {
  // The last 20 docs play the pre-aggregated star-tree docs of a 2016 segment: the index files
  // hold all 50, only the first 30 are rows.
  constexpr uint32_t kRaw = 30;
  const auto segments = Segments();
  ASSERT_GT(segments.size(), 5u);
  size_t tested = 0;
  for (const auto& seg : segments) {
    SCOPED_TRACE(seg);
    const std::vector<std::string> expected = ExpectedLines(seg);
    if (expected.empty()) continue;  // the matrix's empty segment has no docs to split
    ASSERT_EQ(expected.size(), size_t(kRows));
    ++tested;
    EditProperties(seg,
                   "segment.total.raw.docs = 30\nsegment.total.aggregate.docs = 20\n"
                   "segment.startree.enabled = true\n");

    auto s = Segment::Open(seg);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ((*s)->meta().total_docs, kRaw);
    EXPECT_EQ((*s)->meta().star_tree_docs, uint32_t(kRows) - kRaw);

    auto d = RunCli({"dump", "--format", "jsonl", seg});
    ASSERT_EQ(d.exit_code, 0) << d.err;
    std::vector<std::string> got;
    std::istringstream in(d.out);
    for (std::string l; std::getline(in, l);) got.push_back(l);
    EXPECT_EQ(got.size(), size_t(kRaw));
    for (size_t i = 0; i < got.size() && i < kRaw; ++i) {
      EXPECT_EQ(got[i], expected[i]) << "row " << i;
      if (got[i] != expected[i]) break;
    }

    // Converting (and reading back) one raw segment per chunk version plus the dictionary ones
    // keeps the test short; dump above covers every segment.
    const std::string name = fs::path(seg).filename().string();
    if (name.rfind("matrixDict", 0) != 0 && name.find("_GZIP_") == std::string::npos) continue;
    auto tmp = TempDir::Make();
    ASSERT_TRUE(tmp.ok());
    const std::string out = tmp->path() + "/o.parquet";
    auto c = RunCli({"convert", seg, out});
    ASSERT_EQ(c.exit_code, 0) << c.err;
    EXPECT_NE(c.out.find(": 30 rows,"), std::string::npos) << c.out;
    std::vector<std::string> names;
    std::vector<pe::testing::CellKind> kinds;
    for (const auto& col : (*s)->meta().columns) {
      names.push_back(col.name);
      kinds.push_back(pe::convert::KindOf(col));
    }
    std::vector<json> want;
    for (uint32_t i = 0; i < kRaw; ++i) {
      json obj = json::parse(expected[i]), row = json::array();
      for (const auto& n : names) row.push_back(obj.at(n));
      want.push_back(std::move(row));
    }
    auto rows = pe::testing::ReadParquetRows("duckdb", out);
    EXPECT_EQ(pe::testing::CompareRows(want, rows, kinds, names, seg), 0u);
  }

  EXPECT_GE(tested, segments.size() - 1);

  // inspect says so.
  const std::string seg = segments[0];
  auto t = RunCli({"inspect", seg});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("total docs   30\n"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("star-tree    20 pre-aggregated docs after the 30 rows (not exported)\n"),
            std::string::npos)
      << t.out;
  auto j = RunCli({"inspect", "--json", seg});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  json doc = json::parse(j.out);
  EXPECT_EQ(doc["totalDocs"], 30);
  EXPECT_EQ(doc["starTreeDocs"], 20);
}

TEST_F(MatrixSegments, InspectSaysWhyTheTimeRangeIsNotInMillis) {
  const std::string seg = Segments()[0];
  EditProperties(seg,
                 "segment.start.time = 1\nsegment.end.time = 9223372036854775807\n"
                 "segment.time.unit = SECONDS\n",
                 {"segment.start.time", "segment.end.time", "segment.time.unit"});
  auto t = RunCli({"inspect", seg});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("time range   not in ms: segment.end.time 9223372036854775807 SECONDS is "
                       "outside the int64 millisecond range\n"),
            std::string::npos)
      << t.out;
  auto j = RunCli({"inspect", "--json", seg});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  json doc = json::parse(j.out);
  EXPECT_EQ(doc["startTime"], 1);
  EXPECT_EQ(doc["endTime"], INT64_MAX);
  EXPECT_TRUE(doc["startTimeMs"].is_null());
  EXPECT_TRUE(doc["endTimeMs"].is_null());
  EXPECT_EQ(doc["timeRangeNote"],
            "segment.end.time 9223372036854775807 SECONDS is outside the int64 millisecond range");
  // The rows still export; the footer just has no time range.
  auto d = RunCli({"dump", seg, "--limit", "3"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
}

}  // namespace
}  // namespace pe::segment
