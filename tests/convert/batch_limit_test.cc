// Columns whose values do not fit one read batch (ColumnBatch's 32-bit offsets, lowered here with
// Options::batch_max_bytes so the test stays small) are converted in smaller batches, not refused
// and never wrapped: the file read back by DuckDB equals the values the segment was written from.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/file.h"
#include "convert/convert.h"
#include "sample/sample.h"
#include "segment/segment.h"
#include "testing/parquet_check.h"

namespace pe::convert {
namespace {

TEST(BatchLimit, BigValuesAreReadInSmallerBatches) {
  auto dir = TempDir::Make("pe-batch");
  ASSERT_TRUE(dir.ok());
  constexpr uint32_t kDocs = 600;
  sample::SegmentSpec spec;
  spec.table = "big";
  spec.name = "big_OFFLINE_0";
  spec.num_docs = kDocs;
  sample::ColumnSpec raw{"raw_s", segment::DataType::kString};
  raw.encoding = sample::Encoding::kRaw;
  sample::ColumnSpec mv{"dict_mv", segment::DataType::kString};
  mv.single_value = false;
  spec.columns = {raw, mv};

  // Values of 1..400 bytes (raw) and lists of 0..5 strings (dictionary MV): a 4096-doc batch holds
  // far more than the 1 KiB limit below, one doc never does.
  std::vector<sample::ColumnValues> cols(2);
  std::vector<nlohmann::json> want;
  cols[1].offsets.push_back(0);
  for (uint32_t d = 0; d < kDocs; ++d) {
    std::string v(1 + (d * 37) % 400, char('a' + d % 26));
    cols[0].AddBinary(v);
    nlohmann::json list = nlohmann::json::array();
    for (uint32_t k = 0; k < (d % 6); ++k) {
      std::string e = "e" + std::to_string((d + k) % 50);
      cols[1].AddBinary(e);
      list.push_back(e);
    }
    // A doc with no values is stored as [defaultNullValue] ("null" for STRING: FieldSpec).
    if (list.empty()) {
      cols[1].AddBinary("null");
      list.push_back("null");
    }
    cols[1].offsets.push_back(uint32_t(cols[1].bin_offsets.size() - 1));
    want.push_back(nlohmann::json::array({v, list}));
  }
  sample::MemorySource src(std::move(cols));
  auto written = sample::WriteSegment(spec, src, dir->path());
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto seg = segment::Segment::Open(written->dir);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();

  Options o;
  o.batch_max_bytes = 1024;
  const std::string out = dir->path() + "/big.parquet";
  auto sum = ConvertSegment(**seg, out, o);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->rows, kDocs);
  // Column order in the file follows the segment's (by name): dict_mv, raw_s.
  auto rows = pe::testing::ReadParquetRows("duckdb", out);
  ASSERT_EQ(rows.size(), kDocs);
  for (uint32_t d = 0; d < kDocs; ++d) {
    ASSERT_EQ(rows[d][1], want[d][0]) << "doc " << d;
    ASSERT_EQ(rows[d][0], want[d][1]) << "doc " << d;
  }

  // A limit below one doc's values cannot be met by splitting: a one-line error, no file.
  o.batch_max_bytes = 8;
  const std::string out2 = dir->path() + "/small.parquet";
  auto fail = ConvertSegment(**seg, out2, o);
  ASSERT_FALSE(fail.ok());
  EXPECT_TRUE(fail.status().IsInvalidArgument()) << fail.status().ToString();
  EXPECT_EQ(fail.status().message().find('\n'), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(out2));
}

}  // namespace
}  // namespace pe::convert
