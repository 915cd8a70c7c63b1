// Every matrix cell written by the sample writer reads back, value for value and null for null,
// through segment::Segment::Open; tarball variants open too.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "common/bytes.h"
#include "common/file.h"
#include "sample/sample.h"
#include "sample_test_util.h"
#include "segment/segment.h"

namespace pe::sample {
namespace {

// Reader bugs found by the matrix, as "<segment table>/<column>" -> symptom. Such columns are not
// compared; the test still checks every other column and then reports GTEST_SKIP naming them.
const std::map<std::string, std::string>& KnownReaderBugs() {
  // Empty: DELTADELTA INT chunks with flag 0 (odd value counts) once failed here and are now
  // decoded (segment/compression.cc). Add "<table>/<column>" entries only for open reader bugs.
  static const std::map<std::string, std::string> kBugs;

  return kBugs;
}

class MatrixTest : public ::testing::TestWithParam<size_t> {
 public:
  static const std::vector<GeneratedSegment>& Segments() {
    static const std::vector<GeneratedSegment> kSegs = [] {
      MatrixOptions o;
      o.rows = 2500;  // > 2 chunks of 1000/1024 docs; several MV chunks
      o.seed = 42;
      return MatrixSegments(o);
    }();
    return kSegs;
  }
};

TEST_P(MatrixTest, WrittenSegmentReadsBack) {
  const GeneratedSegment& g = Segments()[GetParam()];
  SCOPED_TRACE(g.spec.name + " (" + g.description + ")");
  auto out = TempDir::Make("sample-matrix");
  ASSERT_TRUE(out.ok());
  MemorySource src(g.values);
  auto w = WriteSegment(g.spec, src, out->path());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto seg = segment::Segment::Open(w->dir);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  const segment::SegmentMeta& m = (*seg)->meta();
  EXPECT_EQ(m.name, g.spec.name);
  EXPECT_EQ(m.table, g.spec.table);
  EXPECT_EQ(m.total_docs, g.spec.num_docs);
  EXPECT_EQ(m.layout, g.spec.v3 ? "v3" : "v1");
  EXPECT_EQ(m.crc, w->crc);
  EXPECT_EQ(m.creation_time_ms, g.spec.creation_time_ms);
  EXPECT_EQ(m.realtime_start_offset, g.spec.realtime_start_offset);
  if (!g.spec.time_column.empty() && g.spec.num_docs > 0) {
    EXPECT_EQ(m.time_column, g.spec.time_column);
    ASSERT_TRUE(m.start_time_ms.has_value());
    EXPECT_EQ(*m.start_time_ms, g.values[0].ints.front());
    EXPECT_EQ(*m.end_time_ms, g.values[0].ints.back());
  }
  if (!g.spec.realtime_start_offset.empty()) {
    auto llc = segment::ParseLlcName(m.name);
    ASSERT_TRUE(llc.has_value()) << m.name;
    EXPECT_EQ(llc->table, g.spec.table);
  }
  ASSERT_EQ(m.columns.size(), g.spec.columns.size());
  size_t checked = 0;
  std::string skipped;
  for (size_t c = 0; c < g.spec.columns.size(); ++c) {
    const ColumnSpec& s = g.spec.columns[c];
    SCOPED_TRACE("column " + s.name);
    auto bug = KnownReaderBugs().find(g.spec.table + "/" + s.name);
    if (bug != KnownReaderBugs().end()) {
      skipped += " " + g.spec.table + "/" + s.name + " (" + bug->second + ");";
      continue;
    }
    const segment::ColumnMeta* cm = m.FindColumn(s.name);
    ASSERT_NE(cm, nullptr);
    EXPECT_TRUE(cm->unsupported.empty()) << cm->unsupported;
    EXPECT_EQ(cm->data_type, s.type);
    EXPECT_EQ(cm->single_value, s.single_value);
    EXPECT_EQ(cm->dict_encoded, s.encoding == Encoding::kDictionary);
    // metadata.properties escaping (commas, edge spaces, \u escapes) round-trips.
    EXPECT_EQ(cm->default_null_value,
              s.default_null_value ? *s.default_null_value : DefaultNullValueText(s.type, s.role));
    if (g.spec.num_docs > 0) {
      if (s.encoding == Encoding::kRaw) {
        const bool fixed_sv =
            s.single_value && segment::IsFixedWidth(segment::StoredTypeOf(s.type));
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
        if (s.raw_version >= 4 && !fixed_sv && s.codec == Codec::kLz4)
          codec = "LZ4_LENGTH_PREFIXED";
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
    auto want = ExpectedValues(s, g.values[c], g.spec.num_docs);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    EXPECT_EQ(cm->has_null_vector, !want->nulls.empty());
    ExpectSameValues(ReadColumn(**seg, s.name), *want, "column " + s.name);
    ++checked;
  }
  EXPECT_GT(checked, 0u);
  if (!skipped.empty()) GTEST_SKIP() << "known reader bug, cells not compared:" << skipped;
}

INSTANTIATE_TEST_SUITE_P(Cells, MatrixTest,
                         ::testing::Range(size_t(0), MatrixTest::Segments().size()),
                         [](const ::testing::TestParamInfo<size_t>& i) {
                           std::string n =
                               MatrixTest::Segments()[i.param].spec.table +
                               (MatrixTest::Segments()[i.param].spec.v3 ? "_v3" : "_v1");
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
