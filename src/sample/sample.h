// Segment WRITER: produces Apache Pinot immutable segments in Pinot's exact on-disk formats, so
// the reader (src/segment/) can be tested on every format it supports, and so the CLI can make
// demo and benchmark segments (`pinot-export sample`).
//
// What is written follows Pinot's own writer classes (apache/pinot, pinot-segment-local unless
// noted), cited where each format is produced:
//   - metadata.properties: BaseSegmentCreator.writeMetadata / addColumnMetadataInfo, written with
//     commons-configuration2 escaping (CommonsConfigurationUtils; STRING values pass
//     replaceSpecialCharacterInPropertyValue);
//   - dictionaries: SegmentDictionaryCreator (+ VarLengthValueWriter for var-length);
//   - dictionary forward indexes: FixedBitSVForwardIndexWriter,
//   SingleValueSortedForwardIndexCreator,
//     FixedBitMVForwardIndexWriter, FixedBitMVEntryDictForwardIndexWriter (MV_ENTRY_DICT);
//   - raw forward indexes: FixedByteChunkForwardIndexWriter, VarByteChunkForwardIndexWriter
//   (v2/v3),
//     VarByteChunkForwardIndexWriterV4/V5/V6, chosen as ForwardIndexCreatorFactory does;
//   - chunk compressors: io/compression/*Compressor (LZ4 upgraded to LZ4_LENGTH_PREFIXED in V4+);
//   - null vectors: NullValueVectorCreator (RoaringBitmap, run-compressed, portable format);
//   - v3 layout: SegmentV1V2ToV3FormatConverter + SingleFileIndexDirectory (columns.psf with
//     magic markers, index_map), creation.meta and CRCs: CrcUtils, BaseSegmentCreator.
//   - tarballs: pinot-common TarCompressionUtils (gzip, LZ4 frame, zstd, or none).
//
// Streaming: the writer asks a ValueSource for the values of one column in batches, twice per
// column (a statistics pass, then an index pass, as Pinot's stats collectors + index creators do),
// so it never holds more than one column's dictionary and one batch of values.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "segment/segment.h"

namespace pe::sample {

using segment::DataType;
using segment::FieldRole;

// ChunkCompressionType ids (S/compression/ChunkCompressionType).
enum class Codec {
  kPassThrough = 0,
  kSnappy = 1,
  kZstandard = 2,
  kLz4 = 3,
  kLz4LengthPrefixed = 4,
  kGzip = 5,
  kDelta = 6,       // raw SV INT/LONG only (fixed-byte chunks)
  kDeltaDelta = 7,  // raw SV INT/LONG only (fixed-byte chunks)
};
const char* CodecName(Codec c);
std::optional<Codec> ParseCodec(std::string_view name);

enum class Encoding { kDictionary, kRaw };

struct ColumnSpec {
  std::string name;
  DataType type = DataType::kInt;  // INT LONG FLOAT DOUBLE BIG_DECIMAL BOOLEAN TIMESTAMP STRING
                                   // JSON BYTES
  bool single_value = true;
  FieldRole role = FieldRole::kDimension;  // kDimension, kMetric or kDateTime
  Encoding encoding = Encoding::kDictionary;
  // Raw forward index writer version (ForwardIndexConfig.rawIndexWriterVersion): 2, 3, 4, 5 or 6.
  // SV fixed-width types always use FixedByteChunkForwardIndexWriter with this version.
  int raw_version = 4;
  Codec codec = Codec::kLz4;  // raw only
  // Raw v2/v3: derive docs per chunk from the longest value (deriveNumDocsPerChunk).
  bool derive_docs_per_chunk = false;
  int target_docs_per_chunk = 1000;          // ForwardIndexConfig default
  int target_max_chunk_bytes = 1024 * 1024;  // ForwardIndexConfig default
  bool mv_entry_dict = false;                // dictionary MV with codec MV_ENTRY_DICT
  bool var_length_dictionary = false;        // STRING: useVarLengthDictionary
  // Null handling: write a null vector (only written if a doc is null) and isNonNull=true when
  // there is none (BaseSegmentCreator). Without it, nulls silently become the default value.
  bool null_vector = false;
  // Schema defaultNullValue as text (Pinot's FieldSpec string form); empty = FieldSpec default.
  std::optional<std::string> default_null_value;
  std::string datetime_format = "1:MILLISECONDS:EPOCH";  // kDateTime only
  std::string datetime_granularity = "1:MILLISECONDS";   // kDateTime only
};

struct SegmentSpec {
  std::string table;  // raw table name
  std::string name;   // segment name (see OfflineSegmentName / LlcSegmentName)
  bool v3 = true;     // v3 (columns.psf) or v1 (file per index)
  uint32_t num_docs = 0;
  std::vector<ColumnSpec> columns;
  // Time column (a DATE_TIME/TIME column of epoch values) => segment.start/end.time + unit.
  std::string time_column;
  std::string time_unit = "MILLISECONDS";
  int64_t creation_time_ms = 0;
  std::string creator_version;                             // creator.version; empty = not written
  std::string realtime_start_offset, realtime_end_offset;  // LLC segments
  std::map<std::string, std::string> custom;               // custom.<key> = value
};

// Values of docs [first, first + n) of one column.
//   SV: one value per doc in the store for the column's stored type.
//   MV: offsets[n + 1] into the store; a doc with no values is stored as [defaultNullValue].
// Stores: ints (INT, LONG, BOOLEAN 0/1, TIMESTAMP millis), reals (FLOAT, DOUBLE; FLOAT values
// are cast to float), bin/bin_offsets[k+1] (STRING, JSON: UTF-8; BYTES: raw; BIG_DECIMAL:
// BigDecimalUtils.serialize bytes, see BigDecimalBytes).
// nulls: per doc, 1 = null (the stored value is ignored and the default is written instead);
// empty = no nulls in this batch.
struct ColumnValues {
  std::vector<uint32_t> offsets;
  std::vector<int64_t> ints;
  std::vector<double> reals;
  std::vector<uint32_t> bin_offsets{0};
  std::string bin;
  std::vector<uint8_t> nulls;

  void Clear();
  size_t num_values() const;
  std::string_view binary(size_t k) const {
    return std::string_view(bin).substr(bin_offsets[k], bin_offsets[k + 1] - bin_offsets[k]);
  }
  void AddBinary(std::string_view v) {
    bin.append(v);
    bin_offsets.push_back(uint32_t(bin.size()));
  }
};

// Produces the values of a column; must return the same values every time it is asked (the writer
// reads each column twice).
class ValueSource {
 public:
  virtual ~ValueSource() = default;
  virtual Status Fill(size_t column, uint32_t first, uint32_t n, ColumnValues* out) = 0;
};

// A ValueSource over whole columns held in memory (tests, small segments).
class MemorySource final : public ValueSource {
 public:
  explicit MemorySource(std::vector<ColumnValues> columns) : cols_(std::move(columns)) {}
  Status Fill(size_t column, uint32_t first, uint32_t n, ColumnValues* out) override;
  const ColumnValues& column(size_t i) const { return cols_[i]; }

 private:
  std::vector<ColumnValues> cols_;
};

// What was written (for tests and the CLI).
struct WrittenSegment {
  std::string dir;           // <out>/<name>
  std::string metadata_dir;  // dir (v1) or dir/v3
  int64_t crc = 0, data_crc = 0;
};

// Writes the segment to <out_dir>/<spec.name>/ (replacing an existing directory of that name).
Result<WrittenSegment> WriteSegment(const SegmentSpec& spec, ValueSource& source,
                                    const std::string& out_dir);

enum class TarCompression { kGzip, kLz4, kZstd, kNone };
// Packs `segment_dir` as <basename(segment_dir)>/... into a tarball at `out_path`
// (TarCompressionUtils layout: one top directory named after the segment).
Status WriteTarball(const std::string& segment_dir, const std::string& out_path,
                    TarCompression compression);
// From the output name: .tar.gz/.tgz -> gzip, .tar.lz4 -> LZ4 frame, .tar.zst -> zstd, .tar ->
// none, no extension -> gzip (deep-store LLC objects are gzip tarballs without extension).
TarCompression TarCompressionFor(const std::string& path);

// Segment names.
// SimpleSegmentNameGenerator without time: <table>_OFFLINE_<sequence>... as Pinot's default
// (tableNameWithType + "_" + sequenceId).
std::string OfflineSegmentName(const std::string& table, int sequence);
// LLCSegmentName: <table>__<partition>__<sequence>__<yyyyMMdd'T'HHmm'Z'> (UTC).
std::string LlcSegmentName(const std::string& table, int partition, int sequence,
                           int64_t creation_ms);

// Value helpers.
// BigDecimalUtils.serialize(new BigDecimal(unscaled, scale)): BE int16 scale + BE two's complement
// minimal bytes of `unscaled`.
std::string BigDecimalBytes(int64_t unscaled, int scale);
// Parses a decimal text ("-12.345", "7") into BigDecimalUtils.serialize bytes.
Result<std::string> BigDecimalFromString(std::string_view text);
// Pinot FieldSpec default null value text for a type and role.
std::string DefaultNullValueText(DataType t, FieldRole role);

// ---- Generators (pinot-export sample) ----

// The values the reader must return for a column written from `in` (num_docs docs): null docs
// and empty multi-value docs hold the default value ([default] for MV); `nulls` is set (one entry
// per doc) only when the column has a null vector and at least one null.
Result<ColumnValues> ExpectedValues(const ColumnSpec& spec, const ColumnValues& in,
                                    uint32_t num_docs);

struct MatrixOptions {
  uint32_t rows = 1000;
  uint64_t seed = 1;
  bool v1 = false;  // also write v1 layouts for every other cell
};

// One generated segment: its spec and in-memory values (matrix and demo sizes only).
struct GeneratedSegment {
  SegmentSpec spec;
  std::vector<ColumnValues> values;
  std::string description;  // the matrix cell(s) it covers
};

// The reader test matrix: every type x SV/MV x dict/raw x raw version x codec x nulls, sorted
// columns, MV_ENTRY_DICT, var-length dictionaries, v1 and v3, OFFLINE and LLC names.
std::vector<GeneratedSegment> MatrixSegments(const MatrixOptions& opt);
// Appends the jsonl rows `pinot-export dump --format jsonl` must print for `g`.
Status ExpectedJsonl(const GeneratedSegment& g, std::string* out);

// A realistic REALTIME (LLC-named) events segment, mostly dictionary-encoded.
// end_ms != 0: the time column ts holds one row a second ending just before end_ms (the
// segment's creation time); 0: the fixed default range starting 2026-01-01.
GeneratedSegment DemoSegment(uint32_t rows, uint64_t seed, int64_t end_ms = 0);

// Benchmark profile: "dict" (mostly dictionary-encoded) or "raw" (mostly raw). Values are produced
// on the fly by the returned source (deterministic from the seed), never all held in memory.
struct ProfileSegment {
  SegmentSpec spec;
  std::unique_ptr<ValueSource> source;
};
Result<ProfileSegment> Profile(const std::string& profile, uint32_t rows, uint64_t seed);

}  // namespace pe::sample
