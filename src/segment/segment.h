// segment/: the Apache Pinot immutable-segment reader (public header).
//
// Opens a completed segment as Pinot stores it in deep store — a tarball (.tar.gz, .tar.lz4,
// .tar.zst or no extension: the compressor is sniffed from magic bytes), an extracted segment
// directory (v1: one file per index) or its v3/ directory (columns.psf + index_map) — and reads
// its columns in doc-id batches, either as dictionary ids (with Pinot's sorted dictionary beside
// them) or as values. Index files are memory-mapped; nothing is decoded before it is asked for and
// a batch holds only the docs asked for (plus at most one decompressed raw chunk).
//
// Format facts follow Apache Pinot (pinot-segment-spi, pinot-segment-local); each .cc cites the
// classes it matches. Every offset and length read off disk is checked against its buffer: a bad
// segment yields Status::Corruption naming the file/column and what is wrong, never a crash.
//
// Thread-safety and lifetimes: a Segment is immutable after Open() (every index file is mapped
// there), so meta(), OpenColumn() and ReleaseResidentPages() may be called from any number of
// threads at once. A ColumnReader is not thread-safe: use each one from one thread at a time
// (open one per thread; they share nothing mutable). ColumnReaders, their Dictionary and every
// view they hand out (Dictionary::GetBytes) point into the Segment's mapped files: the Segment
// must outlive them. A ColumnBatch owns its values (it may outlive both).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pe::segment {

// Pinot FieldSpec.DataType (logical type as declared in the schema).
enum class DataType {
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBigDecimal,
  kBoolean,    // stored as INT 0/1
  kTimestamp,  // stored as LONG epoch millis
  kString,
  kJson,  // stored as STRING
  kBytes,
  kMap,   // stored as BYTES (SPI/utils/MapUtils serialization)
  kUuid,  // stored as BYTES(16)
};

// How values are stored in dictionaries and forward indexes (DataType.getStoredType()).
enum class StoredType { kInt32, kInt64, kFloat, kDouble, kBinary };

// Pinot FieldSpec.FieldType.
enum class FieldRole { kDimension, kMetric, kTime, kDateTime, kComplex };

// Which forward index the column has (ForwardIndexReaderFactory.createIndexReader dispatch).
enum class ForwardKind {
  kDictSorted,     // SortedIndexReaderImpl: (startDoc, endDoc) per dict id
  kDictUnsorted,   // FixedBitSVForwardIndexReaderV2: bit-packed dict ids
  kDictMV,         // FixedBitMVForwardIndexReader: chunk offsets + doc bitmap + bit-packed ids
  kDictMVEntry,    // FixedBitMVEntryDictForwardIndexReader (MV_ENTRY_DICT)
  kRawFixedChunk,  // FixedByteChunkSVForwardIndexReader / FixedBytePower2ChunkSVForwardIndexReader
  kRawVarChunk,    // VarByteChunkSVForwardIndexReader (v1-v3) / FixedByte- & VarByteChunkMV (v2/v3)
  kRawVarChunkV4,  // VarByteChunkForwardIndexReaderV4 / V5 / V6
  kRebuiltInverted,  // forward index disabled: rebuilt from dictionary + inverted index
  kClp,              // CLP-encoded log column
  kNone,             // no forward index and nothing to rebuild it from
};

const char* DataTypeName(DataType t);
const char* StoredTypeName(StoredType t);
const char* FieldRoleName(FieldRole r);
const char* ForwardKindName(ForwardKind k);
StoredType StoredTypeOf(DataType t);
bool IsFixedWidth(StoredType t);
int FixedWidth(StoredType t);  // 4 or 8; 0 for kBinary

// Column metadata (ColumnMetadataImpl.fromPropertiesConfiguration) plus what the reader found on
// disk.
struct ColumnMeta {
  std::string name;
  DataType data_type = DataType::kInt;
  StoredType stored_type = StoredType::kInt32;
  FieldRole role = FieldRole::kDimension;
  bool single_value = true;
  bool has_dictionary = true;
  bool dict_encoded = true;  // forwardIndexEncoding == DICTIONARY
  bool sorted = false;
  uint32_t cardinality = 0;
  int bits_per_element = 0;
  uint64_t total_entries = 0;  // total values (MV); = total docs for SV
  uint32_t max_multi_values = 0;
  uint32_t dict_entry_width = 0;   // fixed-width dictionary entry size in bytes (strings/bytes)
  std::string default_null_value;  // unescaped text from metadata.properties; "" if absent
  bool has_default_null_value = false;
  std::string min_value, max_value;  // as text; empty if absent
  bool non_null = false;             // isNonNull=true: null handling on, column has no nulls
  // Filled from the index files:
  ForwardKind forward = ForwardKind::kNone;
  bool has_null_vector = false;
  uint64_t null_count = 0;
  std::string codec;    // chunk compression of raw forward indexes ("LZ4_LENGTH_PREFIXED", ...)
  int raw_version = 0;  // raw forward index version (1..6); 0 for dictionary-encoded
  std::string datetime_format, datetime_granularity;
  // Non-empty when this build cannot decode the column: why (reading it returns kNotSupported).
  std::string unsupported;
};

struct SegmentMeta {
  std::string name;
  std::string table;
  std::string index_version;  // "v1" or "v3" as written in metadata.properties ("v1" if absent)
  std::string layout;         // "v1" (file per index) or "v3" (columns.psf) as found on disk
  // The segment's rows: docs [0, total_docs) are what dump and convert export. This is
  // segment.total.raw.docs when present (SegmentMetadataImpl.getTotalRawDocs: it defaults to
  // segment.total.docs), else segment.total.docs.
  uint32_t total_docs = 0;
  // Pre-2019 star-tree segments (segment.startree.enabled, StarTreeIndexNode v1) store
  // pre-aggregated star-tree documents in the same index files after the raw ones, as doc ids
  // [total_docs, total_docs + star_tree_docs) (segment.total.docs - segment.total.raw.docs).
  // They are not data rows and are never exported. 0 for every other segment.
  uint32_t star_tree_docs = 0;
  // Docs the index files cover (segment.total.docs): forward indexes, null vectors and inverted
  // indexes are sized for these.
  uint32_t index_docs() const { return total_docs + star_tree_docs; }
  std::string time_column;
  std::optional<int64_t> start_time, end_time;  // in time_unit
  std::string time_unit;                        // java TimeUnit name, e.g. "MILLISECONDS"
  // start/end time in epoch millis (TimeUnit.toMillis). Unset when the segment has no time range,
  // and when it has one that cannot be expressed in int64 milliseconds (a unit this reader does
  // not know, or a value past +-2^63 ms): the segment still opens and exports — the range is
  // informational — and time_range_note says why.
  std::optional<int64_t> start_time_ms, end_time_ms;
  std::string time_range_note;
  std::optional<int64_t> creation_time_ms;  // creation.meta
  std::optional<int64_t> crc;               // creation.meta
  std::optional<int64_t> data_crc;          // creation.meta (24-byte form)
  std::string creator_version;
  std::string realtime_start_offset, realtime_end_offset;
  std::map<std::string, std::string> custom;
  std::vector<ColumnMeta> columns;  // physical columns, ordered by name

  const ColumnMeta* FindColumn(std::string_view name) const;
};

// A batch of rows [first_doc, first_doc + num_docs) of one column.
//
// Single-value columns hold one value per doc; multi-value columns hold offsets[num_docs + 1] into
// the value arrays (doc i has values [offsets[i], offsets[i+1])). Exactly one value store is used,
// chosen by the read call and the stored type. Vectors are reused across calls (cleared, capacity
// kept), so a reader streaming a column allocates only while batches grow.
//
// Size limit: offsets are 32-bit. A batch's binary data, and for a multi-value column its value
// array (dictionary ids, or the values: 4 or 8 bytes each; 4 per binary value for bin_offsets),
// each hold at most max_bytes bytes, and never more than kMaxBytes. A read whose docs would hold
// more is refused with kInvalidArgument naming the column and the doc range, before anything wraps
// or is allocated past the limit: read fewer docs. Callers may lower max_bytes to bound a batch's
// memory (tests do, to reach the limit cheaply); Clear() keeps it.
struct ColumnBatch {
  static constexpr uint64_t kMaxBytes = UINT32_MAX;
  uint64_t max_bytes = kMaxBytes;
  uint32_t first_doc = 0;
  uint32_t num_docs = 0;
  std::vector<uint32_t> offsets;  // MV only
  std::vector<uint32_t> ids;      // ReadIds
  std::vector<int32_t> i32;       // ReadValues, kInt32
  std::vector<int64_t> i64;       // kInt64
  std::vector<float> f32;         // kFloat
  std::vector<double> f64;        // kDouble
  // kBinary: value k is bin_data[bin_offsets[k], bin_offsets[k+1]); bin_offsets has n+1 entries.
  std::vector<uint32_t> bin_offsets;
  std::string bin_data;
  // nulls[i] != 0 if doc first_doc+i is null; empty when the column has no null vector.
  std::vector<uint8_t> nulls;

  void Clear();
  size_t num_values() const;  // values across all docs
  std::string_view binary(size_t k) const {
    return std::string_view(bin_data.data() + bin_offsets[k], bin_offsets[k + 1] - bin_offsets[k]);
  }
};

// Pinot's immutable dictionary: values sorted ascending, dict id = position.
class Dictionary {
 public:
  virtual ~Dictionary() = default;
  virtual uint32_t size() const = 0;
  virtual StoredType type() const = 0;
  // REQUIRES: id < size() and type() matches.
  virtual int32_t GetInt(uint32_t id) const = 0;
  virtual int64_t GetLong(uint32_t id) const = 0;
  virtual float GetFloat(uint32_t id) const = 0;
  virtual double GetDouble(uint32_t id) const = 0;
  // Bytes of a binary value (padding removed); the view points into the mapped segment and lives
  // as long as the Segment.
  virtual std::string_view GetBytes(uint32_t id) const = 0;
  // Appends values of `ids` to the value store of `out` matching type().
  void Gather(const uint32_t* ids, size_t n, ColumnBatch* out) const;
};

class ColumnReader {
 public:
  virtual ~ColumnReader() = default;
  virtual const ColumnMeta& meta() const = 0;
  // The column's dictionary, or nullptr for raw columns without one.
  virtual const Dictionary* dictionary() const = 0;
  // True if ReadIds is available (dictionary-encoded or rebuilt forward index).
  virtual bool has_ids() const = 0;
  // Reads dictionary ids of docs [first_doc, first_doc+n) into out->ids (+ offsets for MV, nulls).
  // REQUIRES: has_ids(); first_doc + n <= total docs.
  virtual Status ReadIds(uint32_t first_doc, uint32_t n, ColumnBatch* out) = 0;
  // Reads values (dictionary lookups done) of docs [first_doc, first_doc+n).
  virtual Status ReadValues(uint32_t first_doc, uint32_t n, ColumnBatch* out) = 0;
};

struct OpenOptions {
  // Where tarballs are extracted; empty = a fresh temp directory owned by the Segment.
  std::string extract_dir;
};

class Segment {
 public:
  // Opens a tarball, a segment directory or a v3 directory. Errors: kIOError (cannot read),
  // kCorruption (bad tar, missing metadata.properties, index entries past the end, ...),
  // kNotSupported (a format this build cannot decode, named).
  static Result<std::unique_ptr<Segment>> Open(const std::string& path,
                                               const OpenOptions& opts = {});
  virtual ~Segment() = default;
  virtual const SegmentMeta& meta() const = 0;
  // Errors: kNotFound (no such column), kCorruption, kNotSupported.
  virtual Result<std::unique_ptr<ColumnReader>> OpenColumn(std::string_view name) const = 0;
  // Drops the segment's mapped pages from this process's resident memory (they are re-read on
  // demand); streaming callers call it between row groups to keep memory bounded.
  virtual void ReleaseResidentPages() const = 0;
};

// The metadata of the segment at `path` (tarball or directory) without opening its indexes: only
// metadata.properties and creation.meta are read (a tarball is streamed, nothing is extracted).
// Column facts that only the index files give (forward index kind, codec) are left unset.
// Errors as Segment::Open.
Result<SegmentMeta> ReadSegmentMeta(const std::string& path);

// metadata.properties parsing: Java .properties syntax (escapes, continuations, comments) plus
// commons-configuration's LegacyListDelimiterHandler(','): an unescaped ',' splits a value into
// trimmed items, "\," is a literal comma, a repeated key appends items. Exposed for tests.
using Properties = std::map<std::string, std::vector<std::string>>;
Result<Properties> ParseProperties(std::string_view text);
// PropertiesConfiguration.getString: the first item ("" if absent).
std::string GetString(const Properties& p, const std::string& key, const std::string& dflt = "");

// Value semantics shared by dump and convert.
// BIG_DECIMAL bytes (SPI/utils/BigDecimalUtils.serialize): BE int16 scale +
// BigInteger.toByteArray() (BE two's complement). Returns the plain decimal string
// (BigDecimal.toPlainString).
Result<std::string> BigDecimalToString(std::string_view bytes);
// Decodes a BIG_DECIMAL into its unscaled two's-complement bytes and scale.
Status BigDecimalParts(std::string_view bytes, int* scale, std::string_view* unscaled);
// MAP bytes (SPI/utils/MapUtils): BE int n, then n x {BE int klen, UTF-8 key, BE int vlen, JSON
// value}. Returns a JSON object text.
Result<std::string> MapToJson(std::string_view bytes);
// Appends value k of `b` (an index into the value store, not a doc) as text: numbers in shortest
// round-trip form, BOOLEAN true/false, TIMESTAMP ISO-8601 UTC with millis, BYTES/UUID hex,
// BIG_DECIMAL plain decimal, MAP/JSON as JSON text. With `json`, strings are JSON-quoted and
// MAP/JSON values are emitted raw (as JSON).
Status AppendValueText(const ColumnMeta& m, const ColumnBatch& b, size_t k, bool json,
                       std::string* out);
void AppendJsonString(std::string_view s, std::string* out);

// LLC segment names: <table>__<partition>__<sequence>__<yyyyMMdd'T'HHmm'Z'> (LLCSegmentName).
struct LlcName {
  std::string table;
  int partition = 0;
  int sequence = 0;
  std::string creation_time;  // as in the name
};
std::optional<LlcName> ParseLlcName(std::string_view segment_name);

}  // namespace pe::segment
