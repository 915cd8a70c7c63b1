// Every matrix segment written by the sample writer (the "matrix" ctest fixture:
// `pinot-export sample --matrix`, pe::testing::MatrixDir()) opens through segment::Segment::Open
// with the metadata its spec asks for, and `dump` prints exactly the rows the generator made for it
// (expected/<segment>.jsonl); tarball variants open too.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "common/bytes.h"
#include "common/file.h"
#include "sample/sample.h"
#include "sample_test_util.h"
#include "segment/segment.h"
#include "testing/parquet_check.h"
#include "testing/testing.h"

namespace pe::sample {
namespace {

// The matrix's segment specs: the generator's specs do not depend on the row count except for
// num_docs and the REALTIME end offset, so rows = 0 gives them without generating values.
const std::vector<GeneratedSegment>& Specs() {
  static const std::vector<GeneratedSegment> kSpecs = [] {
    MatrixOptions o;
    o.rows = 0;
    o.seed = pe::testing::MatrixSeed();
    return MatrixSegments(o);
  }();
  return kSpecs;
}

class MatrixTest : public ::testing::TestWithParam<size_t> {};

TEST_P(MatrixTest, WrittenSegmentReadsBack) {
  SegmentSpec spec = Specs()[GetParam()].spec;
  SCOPED_TRACE(spec.name + " (" + Specs()[GetParam()].description + ")");
  const std::string dir = pe::testing::MatrixDir() + "/" + spec.name;
  const std::string expected_path = pe::testing::MatrixDir() + "/expected/" + spec.name + ".jsonl";
  auto expected = ReadFileToString(expected_path);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  const uint32_t rows = uint32_t(std::count(expected->begin(), expected->end(), '\n'));
  EXPECT_EQ(rows, spec.table != "matrixEmpty" ? pe::testing::MatrixRows() : 0u);
  if (spec.table != "matrixEmpty") spec.num_docs = rows;
  if (!spec.realtime_start_offset.empty()) {
    spec.realtime_end_offset = std::to_string(std::stoll(spec.realtime_start_offset) + rows);
  }

  auto seg = segment::Segment::Open(dir);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  const segment::SegmentMeta& m = (*seg)->meta();
  EXPECT_EQ(m.name, spec.name);
  EXPECT_EQ(m.table, spec.table);
  EXPECT_EQ(m.total_docs, spec.num_docs);
  EXPECT_EQ(m.layout, spec.v3 ? "v3" : "v1");
  EXPECT_EQ(m.creation_time_ms, spec.creation_time_ms);
  EXPECT_EQ(m.realtime_start_offset, spec.realtime_start_offset);
  if (!spec.time_column.empty() && spec.num_docs > 0) {
    // The time range is the first and last generated ts (sorted ascending).
    std::istringstream lines(*expected);
    std::string first, last, line;
    std::getline(lines, first);
    last = first;
    while (std::getline(lines, line)) last = line;
    auto ts = [&](const std::string& l) {
      for (const auto& [k, v] : pe::testing::RawMembers(l)) {
        if (k == spec.time_column) return std::stoll(v);
      }
      ADD_FAILURE() << "no " << spec.time_column << " in " << l;
      return 0LL;
    };
    EXPECT_EQ(m.time_column, spec.time_column);
    ASSERT_TRUE(m.start_time_ms.has_value());
    EXPECT_EQ(*m.start_time_ms, ts(first));
    EXPECT_EQ(*m.end_time_ms, ts(last));
  }
  if (!spec.realtime_start_offset.empty()) {
    auto llc = segment::ParseLlcName(m.name);
    ASSERT_TRUE(llc.has_value()) << m.name;
    EXPECT_EQ(llc->table, spec.table);
  }
  ASSERT_EQ(m.columns.size(), spec.columns.size());
  for (const ColumnSpec& s : spec.columns) {
    SCOPED_TRACE("column " + s.name);
    const segment::ColumnMeta* cm = m.FindColumn(s.name);
    ASSERT_NE(cm, nullptr);
    EXPECT_TRUE(cm->unsupported.empty()) << cm->unsupported;
    EXPECT_EQ(cm->data_type, s.type);
    EXPECT_EQ(cm->single_value, s.single_value);
    EXPECT_EQ(cm->dict_encoded, s.encoding == Encoding::kDictionary);
    EXPECT_EQ(cm->has_null_vector, s.null_vector && spec.num_docs > 0);
    // metadata.properties escaping (commas, edge spaces, \u escapes) round-trips.
    EXPECT_EQ(cm->default_null_value,
              s.default_null_value ? *s.default_null_value : DefaultNullValueText(s.type, s.role));
    if (spec.num_docs == 0) continue;
    if (s.encoding == Encoding::kRaw) {
      const bool fixed_sv = s.single_value && segment::IsFixedWidth(segment::StoredTypeOf(s.type));
      int want_version = s.raw_version;
      if (!fixed_sv && s.raw_version == 5 &&
          !segment::IsFixedWidth(segment::StoredTypeOf(s.type))) {
        want_version = 4;  // var-byte v5 config falls back to V4
      }
      EXPECT_EQ(cm->raw_version, want_version);
      EXPECT_EQ(cm->forward, fixed_sv             ? segment::ForwardKind::kRawFixedChunk
                             : s.raw_version >= 4 ? segment::ForwardKind::kRawVarChunkV4
                                                  : segment::ForwardKind::kRawVarChunk);
      std::string codec = CodecName(s.codec);
      if (s.raw_version >= 4 && !fixed_sv && s.codec == Codec::kLz4) codec = "LZ4_LENGTH_PREFIXED";
      EXPECT_EQ(cm->codec, codec);
    } else if (!s.single_value) {
      EXPECT_EQ(cm->forward, s.mv_entry_dict ? segment::ForwardKind::kDictMVEntry
                                             : segment::ForwardKind::kDictMV);
    } else {
      EXPECT_TRUE(cm->forward == segment::ForwardKind::kDictSorted ||
                  cm->forward == segment::ForwardKind::kDictUnsorted);
      if (s.name.ends_with("_sorted") || s.name == "ts") {
        EXPECT_EQ(cm->forward, segment::ForwardKind::kDictSorted);
      }
    }
  }

  // Every value, null and list as generated.
  auto d = pe::testing::RunCli({"dump", dir, "--format", "jsonl"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  std::istringstream got(d.out), want(*expected);
  std::string g, w;
  for (size_t n = 1; std::getline(want, w); ++n) {
    ASSERT_TRUE(std::getline(got, g)) << "dump ends before row " << n;
    ASSERT_EQ(g, w) << "row " << n;
  }
  EXPECT_FALSE(std::getline(got, g)) << "dump prints more rows than generated: " << g;
}

INSTANTIATE_TEST_SUITE_P(Cells, MatrixTest, ::testing::Range(size_t(0), Specs().size()),
                         [](const ::testing::TestParamInfo<size_t>& i) {
                           const SegmentSpec& s = Specs()[i.param].spec;
                           std::string n = s.table + (s.v3 ? "_v3" : "_v1");
                           for (auto& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

TEST(SampleTarball, AllCompressionsOpen) {
  GeneratedSegment g = DemoSegment(3000, 7);
  auto out = TempDir::Make("sample-tar");
  ASSERT_TRUE(out.ok());
  MemorySource src(g.values);
  auto w = WriteSegment(g.spec, src, out->path());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto dir_seg = segment::Segment::Open(w->dir);
  ASSERT_TRUE(dir_seg.ok()) << dir_seg.status().ToString();
  for (const std::string ext : {".tar.gz", ".tar.lz4", ".tar.zst", ""}) {
    SCOPED_TRACE("extension '" + ext + "'");
    const std::string path = out->path() + "/tars/" + g.spec.name + ext;
    std::filesystem::create_directories(out->path() + "/tars");
    ASSERT_TRUE(WriteTarball(w->dir, path, TarCompressionFor(path)).ok());
    auto raw = ReadFileToString(path);
    ASSERT_TRUE(raw.ok());
    const auto* b = reinterpret_cast<const uint8_t*>(raw->data());
    if (ext == ".tar.lz4") {
      EXPECT_EQ(LoadLE32(b), 0x184D2204u);
    } else if (ext == ".tar.zst") {
      EXPECT_EQ(LoadLE32(b), 0xFD2FB528u);
    } else {
      EXPECT_TRUE(b[0] == 0x1F && b[1] == 0x8B);
    }
    auto seg = segment::Segment::Open(path);
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    EXPECT_EQ((*seg)->meta().name, g.spec.name);
    EXPECT_EQ((*seg)->meta().layout, "v3");
    for (const auto& c : g.spec.columns) ExpectSameColumn(**dir_seg, **seg, c.name);
  }
  // A plain (uncompressed) tar.
  const std::string plain = out->path() + "/plain.tar";
  ASSERT_TRUE(WriteTarball(w->dir, plain, TarCompression::kNone).ok());
  auto seg = segment::Segment::Open(plain);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
}

TEST(SampleNames, OfflineAndLlc) {
  EXPECT_EQ(OfflineSegmentName("events", 3), "events_OFFLINE_3");
  std::string llc = LlcSegmentName("events", 2, 41, 1767225600000 + 90 * 60000);
  EXPECT_EQ(llc, "events__2__41__20260101T0130Z");
  auto p = segment::ParseLlcName(llc);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->partition, 2);
  EXPECT_EQ(p->sequence, 41);
}

TEST(SampleValues, BigDecimalBytes) {
  EXPECT_EQ(*segment::BigDecimalToString(BigDecimalBytes(12345, 2)), "123.45");
  EXPECT_EQ(*segment::BigDecimalToString(BigDecimalBytes(-1, 0)), "-1");
  EXPECT_EQ(BigDecimalBytes(0, 0), std::string("\0\0\0", 3));
  EXPECT_EQ(BigDecimalBytes(128, 0), std::string("\0\0\0\x80", 4));
  auto b = BigDecimalFromString("-123456789012345678901234567890.000123");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*segment::BigDecimalToString(*b), "-123456789012345678901234567890.000123");
  EXPECT_EQ(*BigDecimalFromString("-128"), BigDecimalBytes(-128, 0));
  EXPECT_EQ(*BigDecimalFromString("255"), BigDecimalBytes(255, 0));
}

// The profile source streams (values regenerate identically) and writes a readable segment.
TEST(SampleProfile, SmallProfilesRoundTrip) {
  for (const char* prof : {"dict", "raw"}) {
    SCOPED_TRACE(prof);
    auto p = Profile(prof, 5000, 3);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    auto out = TempDir::Make("sample-prof");
    ASSERT_TRUE(out.ok());
    auto w = WriteSegment(p->spec, *p->source, out->path());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    auto seg = segment::Segment::Open(w->dir);
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    for (size_t c = 0; c < p->spec.columns.size(); ++c) {
      ColumnValues all;
      ASSERT_TRUE(p->source->Fill(c, 0, 5000, &all).ok());
      auto want = ExpectedValues(p->spec.columns[c], all, 5000);
      ASSERT_TRUE(want.ok());
      ExpectSameValues(ReadColumn(**seg, p->spec.columns[c].name), *want, p->spec.columns[c].name);
    }
  }
}

}  // namespace
}  // namespace pe::sample
