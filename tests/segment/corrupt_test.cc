// Segments whose headers lie: every allocation the reader makes is bounded by what the file can
// hold, so a lie is a one-line error naming the column and the field, never a multi-GiB
// allocation; batches too large for ColumnBatch's 32-bit offsets are refused, never wrapped; and
// one Segment serves concurrent OpenColumn calls.
//
// Segments are written by the sample writer (src/sample/) in the v1 layout (a file per index) and
// then patched: header bytes of an index file, or a line of metadata.properties.
#include <gtest/gtest.h>
#include <roaring/roaring.h>
#include <sys/resource.h>
#include <zlib.h>
#include <zstd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/bytes.h"
#include "common/file.h"
#include "sample/sample.h"
#include "segment/segment.h"
#include "segment/segment_internal.h"

namespace pe::segment {
namespace {

using sample::ColumnSpec;
using sample::ColumnValues;
using sample::SegmentSpec;

// Peak resident memory of this process so far (ru_maxrss is in KiB on Linux).
uint64_t PeakRssBytes() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return uint64_t(ru.ru_maxrss) * 1024;
}
// What a test may add to the peak RSS: far below the GiBs a trusted lie would allocate.
constexpr uint64_t kRssSlack = uint64_t(512) << 20;

std::string ReadAll(const std::string& path) {
  auto s = ReadFileToString(path);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : "";
}
void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
  ASSERT_TRUE(f.good()) << path;
}

// Replaces the value of `key` in <dir>/metadata.properties (the writer's "key = value" lines).
void SetProperty(const std::string& dir, const std::string& key, const std::string& value) {
  std::istringstream in(ReadAll(dir + "/metadata.properties"));
  std::string out;
  bool found = false;
  for (std::string l; std::getline(in, l);) {
    if (l.rfind(key + " = ", 0) == 0) {
      l = key + " = " + value;
      found = true;
    }
    out += l + "\n";
  }
  ASSERT_TRUE(found) << key;
  WriteAll(dir + "/metadata.properties", out);
}

ColumnValues Strings(const std::vector<std::string>& v) {
  ColumnValues c;
  for (const auto& s : v) c.AddBinary(s);
  return c;
}

// A v1 segment of one column; returns its directory.
std::string WriteV1(const std::string& root, ColumnSpec col, const ColumnValues& values,
                    uint32_t docs) {
  SegmentSpec spec;
  spec.table = "t";
  spec.name = "t_OFFLINE_0";
  spec.v3 = false;
  spec.num_docs = docs;
  spec.columns.push_back(std::move(col));
  sample::MemorySource src({values});
  auto w = sample::WriteSegment(spec, src, root);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  return w.ok() ? w->metadata_dir : "";
}

std::vector<std::string> ReadStrings(ColumnReader& r, uint32_t first, uint32_t n) {
  ColumnBatch b;
  Status s = r.ReadValues(first, n, &b);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::vector<std::string> out;
  if (!s.ok()) return out;
  for (size_t k = 0; k < b.num_values(); ++k) out.emplace_back(b.binary(k));
  return out;
}

class CorruptSegment : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Make("corrupt-test");
    ASSERT_TRUE(t.ok());
    tmp_ = std::move(t).value();
  }
  std::string root() const { return tmp_.path(); }
  TempDir tmp_;
};

// ---- 1. allocations sized by header fields ----

// Raw var-byte V4 (VarByteChunkForwardIndexWriterV4): header targetDecompressedChunkSize and the
// LZ4_LENGTH_PREFIXED chunk's length prefix both claim ~4 GiB; the chunk is a few bytes.
TEST_F(CorruptSegment, RawV4ChunkDeclaringGigabytesIsCorruption) {
  ColumnSpec c{.name = "s", .type = DataType::kString, .encoding = sample::Encoding::kRaw};
  c.raw_version = 4;
  c.codec = sample::Codec::kLz4;  // written as LZ4_LENGTH_PREFIXED (V4 upgrades LZ4)
  std::string dir = WriteV1(root(), c, Strings({"a", "bb", "ccc"}), 3);
  std::string fwd = ReadAll(dir + "/s.sv.raw.fwd");
  ASSERT_EQ(LoadBE32(reinterpret_cast<const uint8_t*>(fwd.data()) + 8), 4u);  // codec id
  uint32_t chunks_start = LoadBE32(reinterpret_cast<const uint8_t*>(fwd.data()) + 12);
  StoreBE32(reinterpret_cast<uint8_t*>(fwd.data()) + 4, 0xFFFFFFFFu);  // target chunk size
  StoreLE32(reinterpret_cast<uint8_t*>(fwd.data()) + chunks_start, 0xF0000000u);  // length
  WriteAll(dir + "/s.sv.raw.fwd", fwd);

  const uint64_t rss0 = PeakRssBytes();
  auto seg = Segment::Open(dir);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  auto r = (*seg)->OpenColumn("s");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ColumnBatch b;
  Status s = (*r)->ReadValues(0, 3, &b);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("column s raw forward index chunk 0"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("LZ4_LENGTH_PREFIXED chunk declares 4026531840 decompressed bytes"),
            std::string::npos)
      << s.ToString();
  EXPECT_LT(PeakRssBytes(), rss0 + kRssSlack);
}

// Raw v3 chunks (VarByteChunkForwardIndexWriter) with raw LZ4 blocks, which carry no size: the
// output buffer was the chunk capacity numDocsPerChunk x (4 + lengthOfLongestEntry) from the
// header. A lengthOfLongestEntry lie makes that ~2 GiB; the values are still read correctly and
// the buffer follows the data.
TEST_F(CorruptSegment, RawV3LongestEntryLieAllocatesOnlyWhatTheChunkHolds) {
  ColumnSpec c{.name = "s", .type = DataType::kString, .encoding = sample::Encoding::kRaw};
  c.raw_version = 3;
  c.codec = sample::Codec::kLz4;
  std::vector<std::string> vals;
  for (int i = 0; i < 50; ++i) vals.push_back(std::string(200 + i, char('a' + i % 26)));
  std::string dir = WriteV1(root(), c, Strings(vals), uint32_t(vals.size()));
  std::string fwd = ReadAll(dir + "/s.sv.raw.fwd");
  const uint8_t* h = reinterpret_cast<const uint8_t*>(fwd.data());
  ASSERT_EQ(LoadBE32(h + 20), 3u);  // raw LZ4
  uint32_t dpc = LoadBE32(h + 8);
  StoreBE32(reinterpret_cast<uint8_t*>(fwd.data()) + 12, uint32_t((1u << 31) / dpc - 4));
  WriteAll(dir + "/s.sv.raw.fwd", fwd);

  const uint64_t rss0 = PeakRssBytes();
  auto seg = Segment::Open(dir);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  auto r = (*seg)->OpenColumn("s");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ReadStrings(**r, 0, uint32_t(vals.size())), vals);
  EXPECT_LT(PeakRssBytes(), rss0 + kRssSlack);

  // Past 2 GiB the header itself is refused, naming its fields.
  StoreBE32(reinterpret_cast<uint8_t*>(fwd.data()) + 12, uint32_t((1u << 31) / dpc));
  WriteAll(dir + "/s.sv.raw.fwd", fwd);
  auto bad = Segment::Open(dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsCorruption());
  EXPECT_NE(bad.status().message().find("lengthOfLongestEntry"), std::string::npos)
      << bad.status().ToString();
}

// Highly compressible chunks (ratio far above the first output guess) still read back through
// every codec: the growing output buffer reaches their real size.
TEST_F(CorruptSegment, HighRatioChunksReadBackWithEveryCodec) {
  std::vector<std::string> vals;
  for (int i = 0; i < 40; ++i) vals.push_back(std::string(20000, char('a' + i % 3)));
  struct Cell {
    int version;
    sample::Codec codec;
  };
  for (Cell cell : {Cell{3, sample::Codec::kLz4}, Cell{3, sample::Codec::kZstandard},
                    Cell{3, sample::Codec::kGzip}, Cell{3, sample::Codec::kSnappy},
                    Cell{4, sample::Codec::kLz4}, Cell{4, sample::Codec::kZstandard},
                    Cell{4, sample::Codec::kGzip}, Cell{4, sample::Codec::kSnappy}}) {
    const std::string what = "v" + std::to_string(cell.version) + " " + CodecName(int(cell.codec));
    ColumnSpec c{.name = "s", .type = DataType::kString, .encoding = sample::Encoding::kRaw};
    c.raw_version = cell.version;
    c.codec = cell.codec;
    std::string dir =
        WriteV1(root() + "/" + std::to_string(cell.version) + CodecName(int(cell.codec)), c,
                Strings(vals), uint32_t(vals.size()));
    auto seg = Segment::Open(dir);
    ASSERT_TRUE(seg.ok()) << what << ": " << seg.status().ToString();
    auto r = (*seg)->OpenColumn("s");
    ASSERT_TRUE(r.ok()) << what << ": " << r.status().ToString();
    EXPECT_EQ(ReadStrings(**r, 0, uint32_t(vals.size())), vals) << what;
  }
}

// A fixed-width STRING dictionary of all-"" values is empty (0-byte entries); metadata claiming
// 2^30 entries must not size per-entry tables (12 bytes each) from it.
TEST_F(CorruptSegment, EmptyDictionaryWithHugeCardinalityIsCorruption) {
  ColumnSpec c{.name = "e", .type = DataType::kString};
  std::string dir = WriteV1(root(), c, Strings({"", "", ""}), 3);
  ASSERT_EQ(ReadAll(dir + "/e.dict"), "");
  SetProperty(dir, "column.e.cardinality", std::to_string(1u << 30));
  const uint64_t rss0 = PeakRssBytes();
  auto seg = Segment::Open(dir);
  ASSERT_FALSE(seg.ok());
  EXPECT_TRUE(seg.status().IsCorruption()) << seg.status().ToString();
  EXPECT_NE(seg.status().message().find("column e"), std::string::npos) << seg.status().ToString();
  EXPECT_NE(seg.status().message().find("cardinality"), std::string::npos)
      << seg.status().ToString();
  EXPECT_LT(PeakRssBytes(), rss0 + kRssSlack);
}

// Forward index disabled: the reader rebuilds dict ids from the inverted index
// (BitmapInvertedIndexReader layout: (card+1) BE offsets, then portable Roaring bitmaps), 4 bytes
// per doc. segment.total.docs claiming 2^30 docs must be checked against the bitmaps first.
std::string InvertedIndex(const std::vector<std::vector<uint32_t>>& docs_per_id) {
  std::string bitmaps;
  std::vector<uint32_t> offs;
  const uint32_t header = uint32_t(4 * (docs_per_id.size() + 1));
  for (const auto& docs : docs_per_id) {
    offs.push_back(header + uint32_t(bitmaps.size()));
    roaring_bitmap_t* b = roaring_bitmap_of_ptr(docs.size(), docs.data());
    std::string buf(roaring_bitmap_portable_size_in_bytes(b), '\0');
    roaring_bitmap_portable_serialize(b, buf.data());
    roaring_bitmap_free(b);
    bitmaps += buf;
  }
  offs.push_back(header + uint32_t(bitmaps.size()));
  std::string out;
  for (uint32_t o : offs) AppendBE32(&out, o);
  return out + bitmaps;
}

TEST_F(CorruptSegment, RebuiltForwardIndexChecksTotalDocsAgainstTheBitmaps) {
  ColumnSpec c{.name = "i", .type = DataType::kInt};
  ColumnValues v;
  v.ints = {7, 5, 7, 9, 5};  // dictionary [5, 7, 9]
  std::string dir = WriteV1(root(), c, v, 5);
  ASSERT_EQ(std::remove((dir + "/i.sv.unsorted.fwd").c_str()), 0);
  WriteAll(dir + "/i.bitmap.inv", InvertedIndex({{1, 4}, {0, 2}, {3}}));

  {  // As written: the rebuilt forward index reads the values back.
    auto seg = Segment::Open(dir);
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    auto r = (*seg)->OpenColumn("i");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->meta().forward, ForwardKind::kRebuiltInverted);
    ColumnBatch b;
    ASSERT_TRUE((*r)->ReadValues(0, 5, &b).ok());
    EXPECT_EQ(b.i32, (std::vector<int32_t>{7, 5, 7, 9, 5}));
  }
  SetProperty(dir, "segment.total.docs", std::to_string(1u << 30));
  const uint64_t rss0 = PeakRssBytes();
  auto seg = Segment::Open(dir);
  ASSERT_FALSE(seg.ok());
  EXPECT_TRUE(seg.status().IsCorruption()) << seg.status().ToString();
  EXPECT_NE(seg.status().message().find("column i inverted index: bitmaps hold 5 docs"),
            std::string::npos)
      << seg.status().ToString();
  EXPECT_LT(PeakRssBytes(), rss0 + kRssSlack);
}

// MV_ENTRY_DICT (FixedBitMVEntryDictForwardIndexWriter): docs share entries, so a doc's entry
// longer than maxNumberOfMultiValues is a lie Pinot's reader (a buffer of that many ids) rejects.
TEST_F(CorruptSegment, MvEntryLongerThanMaxMultiValuesIsCorruption) {
  ColumnSpec c{.name = "m", .type = DataType::kInt, .single_value = false};
  c.mv_entry_dict = true;
  ColumnValues v;
  v.offsets = {0, 3, 6};
  v.ints = {1, 2, 3, 1, 2, 3};
  std::string dir = WriteV1(root(), c, v, 2);
  SetProperty(dir, "column.m.maxNumberOfMultiValues", "2");
  auto seg = Segment::Open(dir);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  auto r = (*seg)->OpenColumn("m");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ((*r)->meta().forward, ForwardKind::kDictMVEntry);
  ColumnBatch b;
  Status s = (*r)->ReadIds(0, 2, &b);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("more than maxNumberOfMultiValues 2"), std::string::npos)
      << s.ToString();
}

// Decompress directly: a size header past what the compressed bytes can hold at the codec's
// maximum ratio is Corruption even when the chunk capacity (also a header field) allows it.
TEST(Decompress, SizeHeadersPastTheCodecRatioAreCorruption) {
  const size_t cap = size_t(1) << 32;
  std::string out;
  // SNAPPY: varint length 2^31, then a literal.
  std::string snappy = "\x80\x80\x80\x80\x08\x00x";
  Status s = Decompress(1, Span(reinterpret_cast<const uint8_t*>(snappy.data()), snappy.size()),
                        cap, false, &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("SNAPPY chunk declares 2147483648"), std::string::npos)
      << s.ToString();
  // ZSTANDARD: single-segment frame declaring 4 GiB, holding one 16-byte RLE block (RFC 8878).
  std::string zstd = "\x28\xB5\x2F\xFD\xE0";
  AppendLE64(&zstd, uint64_t(1) << 32);
  zstd += std::string("\x83\x00\x00", 3) + "a";
  s = Decompress(2, Span(reinterpret_cast<const uint8_t*>(zstd.data()), zstd.size()), cap, false,
                 &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("ZSTANDARD chunk declares 4294967296"), std::string::npos)
      << s.ToString();
  // GZIP: zlib stream of "abc" with a BE size trailer of 3 GiB.
  std::string z(64, '\0');
  uLongf zn = z.size();
  ASSERT_EQ(
      compress(reinterpret_cast<Bytef*>(z.data()), &zn, reinterpret_cast<const Bytef*>("abc"), 3),
      Z_OK);
  z.resize(zn);
  AppendBE32(&z, 3u << 30);
  s = Decompress(5, Span(reinterpret_cast<const uint8_t*>(z.data()), z.size()), cap, false, &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("GZIP chunk declares 3221225472"), std::string::npos) << s.ToString();
  // DELTA: 2^30 8-byte values from a 17-byte chunk.
  std::string delta = "\x01";
  AppendBE32(&delta, 1u << 30);
  AppendBE64(&delta, 42);
  AppendBE32(&delta, 0);
  s = Decompress(6, Span(reinterpret_cast<const uint8_t*>(delta.data()), delta.size()), cap, false,
                 &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("DELTA chunk declares 8589934592"), std::string::npos) << s.ToString();
}

// A zstd frame without a content size (RFC 8878 Frame_Content_Size absent) decompresses into a
// buffer that grows with the data, up to the capacity (which it used to allocate whole).
TEST(Decompress, ZstdWithoutContentSizeGrowsToItsData) {
  std::string data(3 << 20, 'z');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ASSERT_EQ(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0)), 0u);
  std::string comp(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress2(cctx, comp.data(), comp.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  ASSERT_FALSE(ZSTD_isError(n));
  comp.resize(n);
  Span in(reinterpret_cast<const uint8_t*>(comp.data()), comp.size());
  ASSERT_EQ(ZSTD_getFrameContentSize(comp.data(), comp.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  std::string out;
  const uint64_t rss0 = PeakRssBytes();
  Status s = Decompress(2, in, size_t(1) << 31, true, &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(out == data);
  EXPECT_LT(PeakRssBytes(), rss0 + kRssSlack) << "the 2 GiB capacity was allocated";
  // Past the capacity: Corruption, not a bigger buffer.
  s = Decompress(2, in, size_t(1) << 20, true, &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

// ---- 2. batches past ColumnBatch's 32-bit offsets ----

TEST(BatchLimit, CheckBatchBytesCapsAt32BitOffsets) {
  ColumnMeta m;
  m.name = "big";
  ColumnBatch b;
  b.first_doc = 4096;
  b.num_docs = 4096;
  EXPECT_TRUE(CheckBatchBytes(m, b, UINT32_MAX, "binary data").ok());
  Status s = CheckBatchBytes(m, b, uint64_t(UINT32_MAX) + 1, "binary data");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(s.message(),
            "column big: docs [4096, 8192) hold more than 4294967295 bytes of binary data, the "
            "most one batch can hold (32-bit offsets): read fewer docs");
  b.max_bytes = UINT64_MAX;  // cannot raise the limit past the offsets' range
  EXPECT_TRUE(CheckBatchBytes(m, b, uint64_t(UINT32_MAX) + 1, "values").IsInvalidArgument());
}

// With the limit lowered, each read path refuses a batch past it (and reads one within it).
TEST_F(CorruptSegment, BatchesPastTheLimitAreRefusedOnEveryPath) {
  const std::vector<std::string> vals(20, std::string(100, 'v'));
  struct Cell {
    std::string name;
    ColumnSpec spec;
  };
  ColumnSpec raw{.name = "raw", .type = DataType::kString, .encoding = sample::Encoding::kRaw};
  ColumnSpec dict{.name = "dict", .type = DataType::kString};
  ColumnSpec raw_v3 = raw;
  raw_v3.raw_version = 3;
  for (const ColumnSpec& c : {raw, dict, raw_v3}) {
    const std::string what = c.name + " v" + std::to_string(c.raw_version);
    std::string dir = WriteV1(root() + "/" + std::to_string(c.raw_version) + c.name, c,
                              Strings(vals), uint32_t(vals.size()));
    auto seg = Segment::Open(dir);
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    auto r = (*seg)->OpenColumn(c.name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ColumnBatch b;
    b.max_bytes = 1000;  // 10 values of 100 bytes
    ASSERT_TRUE((*r)->ReadValues(5, 10, &b).ok()) << what;
    EXPECT_EQ(b.bin_data.size(), 1000u) << what;
    Status s = (*r)->ReadValues(5, 11, &b);
    EXPECT_TRUE(s.IsInvalidArgument()) << what << ": " << s.ToString();
    EXPECT_EQ(s.message(), "column " + c.name +
                               ": docs [5, 16) hold more than 1000 bytes of binary data, the most "
                               "one batch can hold (32-bit offsets): read fewer docs")
        << what;
    b.Clear();
    EXPECT_EQ(b.max_bytes, 1000u) << "Clear() keeps the limit";
  }
}

// Multi-value value arrays (offsets index them): dictionary ids (MV and MV_ENTRY_DICT), gathered
// values and raw values.
TEST_F(CorruptSegment, MultiValueBatchesPastTheLimitAreRefused) {
  ColumnValues v;
  v.offsets = {0};
  for (int d = 0; d < 20; ++d) {
    for (int k = 0; k < 3; ++k) v.ints.push_back(1000 + k);
    v.offsets.push_back(uint32_t(v.ints.size()));
  }
  ColumnSpec dict_mv{.name = "dmv", .type = DataType::kLong, .single_value = false};
  ColumnSpec entry_mv = dict_mv;
  entry_mv.name = "emv";
  entry_mv.mv_entry_dict = true;
  ColumnSpec raw_mv = dict_mv;
  raw_mv.name = "rmv";
  raw_mv.encoding = sample::Encoding::kRaw;
  for (const ColumnSpec& c : {dict_mv, entry_mv, raw_mv}) {
    std::string dir = WriteV1(root() + "/" + c.name, c, v, 20);
    auto seg = Segment::Open(dir);
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    auto r = (*seg)->OpenColumn(c.name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ColumnBatch b;
    b.max_bytes = 3 * 8 * 4;  // 4 docs of 3 LONG values
    ASSERT_TRUE((*r)->ReadValues(0, 4, &b).ok()) << c.name;
    EXPECT_EQ(b.i64.size(), 12u) << c.name;
    Status s = (*r)->ReadValues(0, 5, &b);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.name << ": " << s.ToString();
    EXPECT_NE(s.message().find("column " + c.name + ": docs [0, 5) hold more than 96 bytes"),
              std::string::npos)
        << s.ToString();
    if ((*r)->has_ids()) {
      b.max_bytes = 3 * 4 * 2;  // 2 docs of 3 ids
      EXPECT_TRUE((*r)->ReadIds(0, 2, &b).ok()) << c.name;
      EXPECT_TRUE((*r)->ReadIds(0, 3, &b).IsInvalidArgument()) << c.name;
    }
  }
}

// ---- 3. one Segment, many threads ----

// A v1 segment (a file per index) opened from several threads at once: every thread opens every
// column and reads the same values. Meaningful under ASan/TSan (the index-file map was filled
// lazily); without a sanitizer it still checks that the results agree.
TEST_F(CorruptSegment, ConcurrentOpenColumnOnV1SegmentAgrees) {
  SegmentSpec spec;
  spec.table = "t";
  spec.name = "t_OFFLINE_0";
  spec.v3 = false;
  spec.num_docs = 3000;
  std::vector<ColumnValues> cols(4);
  for (uint32_t d = 0; d < spec.num_docs; ++d) {
    cols[0].ints.push_back(d % 17);
    cols[1].AddBinary("s" + std::to_string(d % 101));
    cols[2].AddBinary(std::string(d % 50, 'x') + std::to_string(d));
    if (d == 0) cols[3].offsets.push_back(0);
    cols[3].ints.push_back(d);
    cols[3].ints.push_back(d % 7);
    cols[3].offsets.push_back(uint32_t(cols[3].ints.size()));
  }
  cols[1].nulls.assign(spec.num_docs, 0);
  cols[1].nulls[10] = 1;
  spec.columns = {ColumnSpec{.name = "a", .type = DataType::kInt},
                  ColumnSpec{.name = "b", .type = DataType::kString, .null_vector = true},
                  ColumnSpec{.name = "c",
                             .type = DataType::kString,
                             .encoding = sample::Encoding::kRaw,
                             .codec = sample::Codec::kZstandard},
                  ColumnSpec{.name = "d", .type = DataType::kLong, .single_value = false}};
  sample::MemorySource src(cols);
  auto w = sample::WriteSegment(spec, src, root());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto seg = Segment::Open(w->metadata_dir);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  ASSERT_EQ((*seg)->meta().layout, "v1");

  // Every value of every column as text, in doc order.
  auto dump = [&](std::string* out) -> Status {
    for (const char* name : {"a", "b", "c", "d"}) {
      PE_ASSIGN_OR_RETURN(auto r, (*seg)->OpenColumn(name));
      ColumnBatch b;
      for (uint32_t first = 0; first < spec.num_docs; first += 512) {
        uint32_t n = std::min<uint32_t>(512, spec.num_docs - first);
        PE_RETURN_IF_ERROR(r->ReadValues(first, n, &b));
        for (size_t k = 0; k < b.num_values(); ++k) {
          PE_RETURN_IF_ERROR(AppendValueText(r->meta(), b, k, true, out));
          out->push_back(',');
        }
        for (uint8_t x : b.nulls) out->push_back(char('0' + x));
      }
    }
    return Status::OK();
  };
  std::string want;
  ASSERT_TRUE(dump(&want).ok());
  ASSERT_NE(want.find("\"s5\""), std::string::npos);

  constexpr int kThreads = 8;
  std::vector<std::string> got(kThreads);
  std::vector<Status> st(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3 && st[t].ok(); ++round) {
        got[t].clear();
        st[t] = dump(&got[t]);
        if (round == 1) (*seg)->ReleaseResidentPages();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(st[t].ok()) << st[t].ToString();
    EXPECT_TRUE(got[t] == want) << "thread " << t;
  }
}

}  // namespace
}  // namespace pe::segment
