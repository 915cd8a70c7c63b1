// ConvertSegment as a library: into an in-memory sink, with per-column metrics checked against
// what DuckDB computes from the written file's values (counts, NaNs, min/max) and reads from its
// footer (sizes, row-group offsets); and cancellation, which stops between row groups and leaves
// nothing behind.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/file.h"
#include "convert/convert.h"
#include "testing/testing.h"

namespace pe::convert {
namespace {

using nlohmann::json;
using segment::DataType;

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string o;
  for (unsigned char c : s) o += d[c >> 4], o += d[c & 15];
  return o;
}

template <typename T>
T Load(const std::string& b) {
  T x{};
  EXPECT_EQ(b.size(), sizeof(T));
  std::memcpy(&x, b.data(), std::min(b.size(), sizeof(T)));
  return x;
}

bool IsFloat(DataType t) { return t == DataType::kFloat || t == DataType::kDouble; }

// DuckDB SQL of the bounds of values `v` of a column of type `t`, as text comparable with
// BoundText below.
std::string BoundSql(DataType t, const char* agg) {
  const std::string a = agg;
  switch (t) {
    case DataType::kInt:
    case DataType::kLong:
      return a + "(v)::varchar";
    case DataType::kFloat:
    case DataType::kDouble:
      return a + "(v) filter (where not isnan(v))::varchar";
    case DataType::kBoolean:
      return a + "(v::int)::varchar";
    case DataType::kTimestamp:
      return "epoch_ms(" + a + "(v))::varchar";
    case DataType::kBytes:
      return "lower(hex(" + a + "(v)))";
    case DataType::kUuid:
      return "replace(" + a + "(v)::varchar, '-', '')";
    default:  // STRING, JSON, MAP (JSON text), BIG_DECIMAL (plain decimal text)
      return a + "(v::varchar)";
  }
}

// Our PLAIN-encoded bound as the text BoundSql gives, or "" when it cannot be said in text
// (floats compare as numbers, below).
std::string BoundText(DataType t, const std::string& b) {
  switch (t) {
    case DataType::kInt:
      return std::to_string(Load<int32_t>(b));
    case DataType::kLong:
    case DataType::kTimestamp:
      return std::to_string(Load<int64_t>(b));
    case DataType::kBoolean:
      return b == std::string(1, '\1') ? "1" : "0";
    case DataType::kBytes:
    case DataType::kUuid:
      return Hex(b);
    default:
      return b;
  }
}

bool SameBound(DataType t, const std::string& ours, const std::string& duck) {
  if (t == DataType::kFloat)
    return double(Load<float>(ours)) == double(std::strtof(duck.c_str(), nullptr));
  if (t == DataType::kDouble) return Load<double>(ours) == std::strtod(duck.c_str(), nullptr);
  return BoundText(t, ours) == duck;
}

// Converts `seg` into memory with `o` and checks every metric of every column against DuckDB.
void CheckMetrics(const std::string& seg_path, const Options& o, const std::string& label) {
  SCOPED_TRACE(label);
  auto seg = segment::Segment::Open(seg_path);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  parquet::StringSink sink;
  auto sum = ConvertSegment(**seg, &sink, o);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  const parquet::FileMetrics& m = sum->metrics;
  EXPECT_EQ(sum->bytes, sink.data().size());
  EXPECT_EQ(m.file_bytes, int64_t(sink.data().size()));
  EXPECT_EQ(m.num_rows, int64_t((*seg)->meta().total_docs));
  EXPECT_EQ(int(m.row_group_offsets.size()), sum->row_groups);
  EXPECT_GT(sum->row_groups, 2);  // several row groups: the metrics are sums and merges
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string f = dir->path() + "/o.parquet";
  ASSERT_TRUE(WriteFileAtomic(f, sink.data()).ok());

  // From the values: one row per leaf column, in leaf order.
  std::string sql = "with t as materialized (select * from read_parquet('" + f + "'))";
  std::vector<DataType> types;
  for (size_t c = 0; c < m.columns.size(); ++c) {
    const auto& path = m.columns[c].path;
    ASSERT_FALSE(path.empty());
    const segment::ColumnMeta* cm = (*seg)->meta().FindColumn(path[0]);
    ASSERT_NE(cm, nullptr) << path[0];
    ASSERT_EQ(path.size(), cm->single_value ? 1u : 3u) << path[0];
    types.push_back(cm->data_type);
    const std::string x = "\"" + path[0] + "\"";
    // Entries: one per value, per empty list and per null (Iceberg counts values incl. nulls).
    const std::string entries = cm->single_value ? "count(*)"
                                                 : "sum(case when " + x + " is null or len(" + x +
                                                       ") = 0 then 1 else len(" + x + ") end)";
    const std::string nulls = cm->single_value ? "count(*) - count(" + x + ")"
                                               : "sum(case when " + x + " is null or len(" + x +
                                                     ") = 0 then 1 else 0 end)";
    const std::string nans = IsFloat(cm->data_type) ? "count(*) filter (where isnan(v))" : "0";
    // Longest value in bytes (strlen counts UTF-8 bytes), for the 4096-byte statistics limit.
    const std::string longest =
        cm->data_type == DataType::kBytes ? "max(octet_length(v))"
        : IsFloat(cm->data_type) || cm->data_type == DataType::kUuid ||
                cm->data_type == DataType::kInt || cm->data_type == DataType::kLong ||
                cm->data_type == DataType::kBoolean || cm->data_type == DataType::kTimestamp
            ? "0"
            : "max(strlen(v::varchar))";
    sql += std::string(c ? " union all" : "") + " select " + std::to_string(c) + ", (select " +
           entries + " from t)::varchar, (select " + nulls + " from t)::varchar, (" + nans +
           ")::varchar, " + BoundSql(cm->data_type, "min") + ", " + BoundSql(cm->data_type, "max") +
           ", (" + longest + ")::varchar from (select " +
           (cm->single_value ? x : "unnest(" + x + ")") + " as v from t)";
  }
  sql = "select * from (" + sql + ") order by 1";
  auto r = pe::testing::RunNode("duckdb_rows.mjs", {sql});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  size_t c = 0, bounded = 0, nan_cols = 0;
  for (; std::getline(in, line); ++c) {
    ASSERT_LT(c, m.columns.size());
    const json row = json::parse(line);
    const parquet::ColumnMetrics& got = m.columns[c];
    const std::string& name = got.path[0];
    EXPECT_EQ(row[1], std::to_string(got.value_count)) << name;
    EXPECT_EQ(row[2], std::to_string(got.null_count)) << name;
    EXPECT_EQ(row[3], std::to_string(got.nan_count)) << name;
    nan_cols += got.nan_count > 0;
    if (row[4].is_null()) {  // no non-null, non-NaN value
      EXPECT_FALSE(got.min.has_value()) << name;
      EXPECT_FALSE(got.max.has_value()) << name;
    } else if (!got.min || !got.max) {
      // Bounds are dropped only when some value is longer than the 4096-byte statistics limit.
      EXPECT_GT(std::stoll(row[6].get<std::string>()), 4096) << name;
      EXPECT_EQ(got.min.has_value(), got.max.has_value()) << name;
    } else {
      ++bounded;
      EXPECT_TRUE(SameBound(types[c], *got.min, row[4])) << name << " min " << row[4];
      EXPECT_TRUE(SameBound(types[c], *got.max, row[5])) << name << " max " << row[5];
    }
  }
  EXPECT_EQ(c, m.columns.size());
  EXPECT_GT(bounded, m.columns.size() / 2);
  EXPECT_GT(nan_cols, 0u);  // the matrix has NaNs in its FLOAT / DOUBLE columns

  // From the footer as DuckDB reads it: sizes per column, row-group start offsets.
  r = pe::testing::RunNode(
      "duckdb_rows.mjs",
      {"select sum(total_compressed_size), sum(total_uncompressed_size) from parquet_metadata('" +
       f + "') group by column_id order by column_id"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream sin(r.out);
  for (c = 0; std::getline(sin, line); ++c) {
    ASSERT_LT(c, m.columns.size());
    const json row = json::parse(line);
    EXPECT_EQ(row[0], std::to_string(m.columns[c].compressed_bytes)) << m.columns[c].path[0];
    EXPECT_EQ(row[1], std::to_string(m.columns[c].uncompressed_bytes)) << m.columns[c].path[0];
  }
  EXPECT_EQ(c, m.columns.size());
  r = pe::testing::RunNode(
      "duckdb_rows.mjs",
      {"select min(coalesce(nullif(dictionary_page_offset, 0), data_page_offset)) from "
       "parquet_metadata('" +
       f + "') group by row_group_id order by row_group_id"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<int64_t> offsets;
  std::istringstream oin(r.out);
  while (std::getline(oin, line))
    offsets.push_back(std::stoll(json::parse(line)[0].get<std::string>()));
  EXPECT_EQ(m.row_group_offsets, offsets);
}

Options SmallRowGroups(bool dictionary) {
  Options o;
  o.row_group_bytes = 20000;
  o.dictionary = dictionary;
  return o;
}

// Dictionary segment: Pinot dictionaries transcoded (NaN sorts last in them: rank tables).
TEST(ConvertMetrics, DictionarySegment) {
  CheckMetrics(pe::testing::MatrixDir() + "/matrixDict_OFFLINE_0", SmallRowGroups(true), "dict");
}
// The same values written PLAIN.
TEST(ConvertMetrics, DictionarySegmentPlain) {
  CheckMetrics(pe::testing::MatrixDir() + "/matrixDict_OFFLINE_0", SmallRowGroups(false),
               "dict, plain");
}
// Raw segment: values streamed, dictionaries built by the writer, huge strings.
TEST(ConvertMetrics, RawSegment) {
  CheckMetrics(pe::testing::MatrixDir() + "/matrixRawV4_ZSTANDARD_OFFLINE_16", SmallRowGroups(true),
               "raw");
}

// The path overload writes the same bytes as the sink overload, and reports the same metrics.
TEST(ConvertMetrics, PathAndSinkAgree) {
  auto seg = segment::Segment::Open(pe::testing::FixturePath("baseballStats_OFFLINE_0.tar.gz"));
  ASSERT_TRUE(seg.ok());
  Options o;
  o.row_group_bytes = 100000;
  parquet::StringSink sink;
  auto a = ConvertSegment(**seg, &sink, o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string out = dir->path() + "/b.parquet";
  auto b = ConvertSegment(**seg, out, o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(*ReadFileToString(out), sink.data());
  EXPECT_EQ(b->bytes, sink.data().size());
  EXPECT_EQ(a->rows, 97889u);
  EXPECT_EQ(b->row_groups, a->row_groups);
  EXPECT_EQ(b->metrics.row_group_offsets, a->metrics.row_group_offsets);
  ASSERT_EQ(b->metrics.columns.size(), 25u);
  for (size_t c = 0; c < 25; ++c) {
    EXPECT_EQ(b->metrics.columns[c].value_count, 97889);
    EXPECT_EQ(b->metrics.columns[c].min, a->metrics.columns[c].min);
    EXPECT_EQ(b->metrics.columns[c].compressed_bytes, a->metrics.columns[c].compressed_bytes);
  }
}

// A flag set before the conversion: kCancelled at once, nothing written.
TEST(ConvertCancel, BeforeStart) {
  auto seg = segment::Segment::Open(pe::testing::FixturePath("baseballStats_OFFLINE_0.tar.gz"));
  ASSERT_TRUE(seg.ok());
  std::atomic<bool> cancel{true};
  parquet::StringSink sink;
  auto r = ConvertSegment(**seg, &sink, Options(), &cancel);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCancelled()) << r.status().ToString();
  EXPECT_EQ(sink.Tell(), 0);
}

// A flag set after the first row group (from the progress callback, which runs between row
// groups): the conversion stops before the second one with kCancelled, and the path overload
// leaves neither the file nor a temp file behind.
TEST(ConvertCancel, BetweenRowGroupsLeavesNothing) {
  auto seg = segment::Segment::Open(pe::testing::FixturePath("baseballStats_OFFLINE_0.tar.gz"));
  ASSERT_TRUE(seg.ok());
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  std::atomic<bool> cancel{false};
  int calls = 0;
  uint64_t done_at_cancel = 0;
  Options o;
  o.row_group_bytes = 100000;
  o.progress = [&](uint64_t done, uint64_t) {
    ++calls;
    done_at_cancel = done;
    cancel = true;
  };
  auto r = ConvertSegment(**seg, dir->path() + "/b.parquet", o, &cancel);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCancelled()) << r.status().ToString();
  EXPECT_EQ(calls, 1);
  EXPECT_GT(done_at_cancel, 0u);
  EXPECT_LT(done_at_cancel, 97889u);  // it stopped before the end
  EXPECT_TRUE(std::filesystem::is_empty(dir->path()));

  // Not cancelled: the same conversion completes, with the callback once per row group.
  cancel = false;
  calls = 0;
  o.progress = [&](uint64_t, uint64_t) { ++calls; };
  auto ok = ConvertSegment(**seg, dir->path() + "/b.parquet", o, &cancel);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(calls, ok->row_groups);
  EXPECT_GT(ok->row_groups, 1);
}

}  // namespace
}  // namespace pe::convert
