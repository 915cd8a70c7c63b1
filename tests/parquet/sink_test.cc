// Output sinks and the writer's FileMetrics: the writer appends to a sink it does not own (a
// local file committed by its owner, or memory), and after Close() reports per-column value, null
// and NaN counts, bounds and sizes, row-group offsets and the file size. The expected counts and
// bounds are those of the values this test writes (worked out by hand below); sizes and offsets
// are checked against DuckDB's parquet_metadata() of the written file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "common/file.h"
#include "parquet/parquet.h"
#include "testing/testing.h"

namespace pe::parquet {
namespace {

using nlohmann::json;

template <typename T>
std::string Plain(T v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof(T));
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const float kNaNf = std::numeric_limits<float>::quiet_NaN();

std::vector<ColumnSchema> Schema() {
  std::vector<ColumnSchema> s(7);
  s[0].name = "i";
  s[0].type = PhysicalType::kInt32;
  s[0].optional = true;
  s[1].name = "d";
  s[1].type = PhysicalType::kDouble;
  s[2].name = "z";
  s[2].type = PhysicalType::kDouble;
  s[3].name = "f";
  s[3].type = PhysicalType::kFloat;
  s[4].name = "s";
  s[4].type = PhysicalType::kByteArray;
  s[4].logical.kind = LogicalType::kString;
  s[4].list = true;
  s[4].optional = true;
  s[5].name = "big";
  s[5].type = PhysicalType::kByteArray;
  s[6].name = "dd";
  s[6].type = PhysicalType::kDouble;
  return s;
}

// Two row groups: rows 0-3 and 4-6.
Status WriteContent(FileWriter* w) {
  {  // row group 0
    const int32_t i[] = {5, -7, 3};
    const uint8_t in[] = {0, 1, 0, 0};
    PE_RETURN_IF_ERROR(w->WriteInt32(0, 4, i, in, nullptr));
    const double d[] = {kNaN, 0.0, 2.5, -0.0};
    PE_RETURN_IF_ERROR(w->WriteDouble(1, 4, d, nullptr, nullptr));
    const double z[] = {0.0, 0.0, 0.0, 0.0};
    PE_RETURN_IF_ERROR(w->WriteDouble(2, 4, z, nullptr, nullptr));
    const float f[] = {kNaNf, kNaNf, kNaNf, kNaNf};
    PE_RETURN_IF_ERROR(w->WriteFloat(3, 4, f, nullptr, nullptr));
    // ["b","a"], [], null, ["c"]
    const uint32_t so[] = {0, 1, 2, 3};
    const uint32_t rows[] = {0, 2, 2, 2, 3};
    const uint8_t sn[] = {0, 0, 1, 0};
    PE_RETURN_IF_ERROR(w->WriteByteArray(4, 4, so, "bac", sn, rows));
    const uint32_t bo[] = {0, 1, 2, 3, 4};
    PE_RETURN_IF_ERROR(w->WriteByteArray(5, 4, bo, "xymn", nullptr, nullptr));
    // An out-of-order dictionary holding NaN (rank tables): 1.0, NaN, -2.0.
    const double dict[] = {1.0, kNaN, -2.0};
    PE_RETURN_IF_ERROR(w->SetDictionaryDouble(6, dict, 3));
    const uint32_t ids[] = {1, 0, 1, 2};
    PE_RETURN_IF_ERROR(w->WriteIndices(6, 4, ids, nullptr, nullptr));
    PE_RETURN_IF_ERROR(w->FlushRowGroup());
  }
  {  // row group 1
    const uint8_t in[] = {1, 1, 1};
    PE_RETURN_IF_ERROR(w->WriteInt32(0, 3, nullptr, in, nullptr));
    const double d[] = {kNaN, 1.0, -1e300};
    PE_RETURN_IF_ERROR(w->WriteDouble(1, 3, d, nullptr, nullptr));
    const double z[] = {-0.0, -0.0, -0.0};
    PE_RETURN_IF_ERROR(w->WriteDouble(2, 3, z, nullptr, nullptr));
    const float f[] = {kNaNf, kNaNf, kNaNf};
    PE_RETURN_IF_ERROR(w->WriteFloat(3, 3, f, nullptr, nullptr));
    // ["zz"], [], ["a"]
    const uint32_t so[] = {0, 2, 3};
    const uint32_t rows[] = {0, 1, 1, 2};
    PE_RETURN_IF_ERROR(w->WriteByteArray(4, 3, so, "zza", nullptr, rows));
    // A value past the 4096-byte statistics limit: this chunk's bounds are dropped.
    const std::string big = std::string(5000, 'q') + "ab";
    const uint32_t bo[] = {0, 5000, 5001, 5002};
    PE_RETURN_IF_ERROR(w->WriteByteArray(5, 3, bo, big.data(), nullptr, nullptr));
    const double dict[] = {1.0, kNaN, -2.0};
    PE_RETURN_IF_ERROR(w->SetDictionaryDouble(6, dict, 3));
    const uint32_t ids[] = {0, 0, 0};
    PE_RETURN_IF_ERROR(w->WriteIndices(6, 3, ids, nullptr, nullptr));
    PE_RETURN_IF_ERROR(w->FlushRowGroup());
  }
  return Status::OK();
}

WriterOptions Options(bool dictionary) {
  WriterOptions o;
  o.dictionary = dictionary;
  o.created_by = "pinot-export version 0.0.0 (build test)";  // same bytes from every writer
  return o;
}

// The whole file written to memory.
std::string WriteToString(bool dictionary, FileMetrics* metrics = nullptr) {
  StringSink sink;
  auto w = FileWriter::Open(&sink, Schema(), Options(dictionary));
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  if (!w.ok()) return "";
  Status s = WriteContent(w->get());
  EXPECT_TRUE(s.ok()) << s.ToString();
  s = (*w)->Close();
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (metrics) *metrics = (*w)->metrics();
  return sink.Release();
}

TEST(Sink, MemoryAndLocalFileHoldTheSameBytes) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/t.parquet";
  auto w = FileWriter::OpenFile(path, Schema(), Options(true));
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(WriteContent(w->get()).ok());
  ASSERT_TRUE((*w)->Close().ok());
  const std::string mem = WriteToString(true);
  ASSERT_FALSE(mem.empty());
  EXPECT_EQ(*ReadFileToString(path), mem);
  EXPECT_EQ(mem.substr(0, 4), "PAR1");
  EXPECT_EQ(mem.substr(mem.size() - 4), "PAR1");
}

TEST(Sink, WriterNeedsAnEmptySink) {
  StringSink used;
  ASSERT_TRUE(used.Append("x", 1).ok());
  auto w = FileWriter::Open(&used, Schema(), WriterOptions());
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(w.status().IsInvalidArgument());
  EXPECT_NE(w.status().message().find("offset 1"), std::string::npos) << w.status().message();
  EXPECT_FALSE(FileWriter::Open(nullptr, Schema(), WriterOptions()).ok());
}

// The writer does not commit a sink it does not own: the file appears only on the owner's
// Commit(); an uncommitted sink leaves nothing behind.
TEST(Sink, LocalFileAppearsOnlyOnCommit) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/t.parquet";
  {
    auto sink = LocalFileSink::Create(path);
    ASSERT_TRUE(sink.ok());
    auto w = FileWriter::Open(sink->get(), Schema(), Options(true));
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(WriteContent(w->get()).ok());
    ASSERT_TRUE((*w)->Close().ok());
    EXPECT_EQ((*sink)->Tell(), (*w)->metrics().file_bytes);
    EXPECT_FALSE(std::filesystem::exists(path));  // closed, not committed
    size_t hidden = 0;
    for (auto& e : std::filesystem::directory_iterator(dir->path()))
      hidden += e.path().filename().string().rfind(".t.parquet.tmp-", 0) == 0;
    EXPECT_EQ(hidden, 1u);
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir->path()));  // dropped with the sink

  auto sink = LocalFileSink::Create(path);
  ASSERT_TRUE(sink.ok());
  auto w = FileWriter::Open(sink->get(), Schema(), Options(true));
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(WriteContent(w->get()).ok());
  ASSERT_TRUE((*w)->Close().ok());
  ASSERT_TRUE((*sink)->Commit().ok());
  EXPECT_EQ(*ReadFileToString(path), WriteToString(true));
  size_t files = 0;
  for (auto it = std::filesystem::directory_iterator(dir->path());
       it != std::filesystem::directory_iterator(); ++it)
    ++files;
  EXPECT_EQ(files, 1u);
  EXPECT_FALSE((*sink)->Commit().ok());  // at most once
}

struct Want {
  std::vector<std::string> path;
  int64_t values, nulls, nans;
  std::optional<std::string> min, max;
};

class Metrics : public ::testing::TestWithParam<bool> {};

// Counts and bounds against the values written; sizes and offsets against DuckDB.
TEST_P(Metrics, MatchTheValuesAndTheFooter) {
  FileMetrics m;
  const std::string bytes = WriteToString(GetParam(), &m);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(m.file_bytes, int64_t(bytes.size()));
  EXPECT_EQ(m.num_rows, 7);
  const Want want[] = {
      // i: 5, null, -7, 3 | null x3
      {{"i"}, 7, 4, 0, Plain<int32_t>(-7), Plain<int32_t>(5)},
      // d: NaN, 0, 2.5, -0 | NaN, 1, -1e300 (NaN never bounds)
      {{"d"}, 7, 0, 2, Plain(-1e300), Plain(2.5)},
      // z: only zeros: min is -0.0 and max +0.0 (parquet.thrift ColumnOrder)
      {{"z"}, 7, 0, 0, Plain(-0.0), Plain(0.0)},
      // f: only NaN: no bounds
      {{"f"}, 7, 0, 7, std::nullopt, std::nullopt},
      // s: ["b","a"], [], null, ["c"] | ["zz"], [], ["a"]: entries are values, empty lists and
      // null lists (one each)
      {{"s", "list", "element"}, 8, 3, 0, std::string("a"), std::string("zz")},
      // big: the second chunk's bounds are over 4096 bytes and dropped: no file bounds
      {{"big"}, 7, 0, 0, std::nullopt, std::nullopt},
      // dd: dictionary 1.0, NaN, -2.0; ids 1 0 1 2 | 0 0 0
      {{"dd"}, 7, 0, 2, Plain(-2.0), Plain(1.0)},
  };
  ASSERT_EQ(m.columns.size(), std::size(want));
  for (size_t c = 0; c < std::size(want); ++c) {
    const ColumnMetrics& got = m.columns[c];
    const Want& w = want[c];
    SCOPED_TRACE(w.path[0]);
    EXPECT_EQ(got.path, w.path);
    EXPECT_EQ(got.value_count, w.values);
    EXPECT_EQ(got.null_count, w.nulls);
    EXPECT_EQ(got.nan_count, w.nans);
    EXPECT_EQ(got.min, w.min);
    EXPECT_EQ(got.max, w.max);
  }

  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/t.parquet";
  ASSERT_TRUE(WriteFileAtomic(path, bytes).ok());
  // Per column: sums over row groups of what the footer says, as DuckDB reads it.
  auto r = pe::testing::RunNode(
      "duckdb_rows.mjs",
      {"select path_in_schema, sum(num_values), sum(stats_null_count), sum(total_compressed_size), "
       "sum(total_uncompressed_size) from parquet_metadata('" +
       path + "') group by path_in_schema order by min(column_id)"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  size_t c = 0;
  for (; std::getline(in, line); ++c) {
    ASSERT_LT(c, m.columns.size());
    const json row = json::parse(line);
    const ColumnMetrics& got = m.columns[c];
    std::string joined;
    for (const auto& p : got.path) joined += (joined.empty() ? "" : ", ") + p;
    EXPECT_EQ(row[0], joined);
    EXPECT_EQ(row[1], std::to_string(got.value_count)) << joined;
    EXPECT_EQ(row[2], std::to_string(got.null_count)) << joined;
    EXPECT_EQ(row[3], std::to_string(got.compressed_bytes)) << joined;
    EXPECT_EQ(row[4], std::to_string(got.uncompressed_bytes)) << joined;
  }
  EXPECT_EQ(c, m.columns.size());
  // Row groups start at their first column chunk's first page (dictionary page, if any).
  r = pe::testing::RunNode(
      "duckdb_rows.mjs",
      {"select min(coalesce(nullif(dictionary_page_offset, 0), data_page_offset)) from "
       "parquet_metadata('" +
       path + "') group by row_group_id order by row_group_id"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<int64_t> offsets;
  std::istringstream oin(r.out);
  while (std::getline(oin, line))
    offsets.push_back(std::stoll(json::parse(line)[0].get<std::string>()));
  EXPECT_EQ(m.row_group_offsets, offsets);
  ASSERT_EQ(offsets.size(), 2u);
  EXPECT_EQ(offsets[0], 4);  // right after "PAR1"
}

INSTANTIATE_TEST_SUITE_P(Dictionary, Metrics, ::testing::Bool(),
                         [](const auto& i) { return i.param ? "on" : "off"; });

}  // namespace
}  // namespace pe::parquet
