// Internals shared by the segment reader's .cc files. Not part of the public API.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/file.h"
#include "segment/segment.h"

namespace pe::segment {

using Span = std::span<const uint8_t>;

// Index ids as in index_map (StandardIndexes) and their v1 file suffixes (V1Constants.Indexes).
inline constexpr const char* kForwardIndex = "forward_index";
inline constexpr const char* kDictionary = "dictionary";
inline constexpr const char* kNullVector = "nullvalue_vector";
inline constexpr const char* kInvertedIndex = "inverted_index";

// Where a segment's index buffers live: v1 = one file per index, v3 = slices of columns.psf.
// Immutable after Open (v1 index files are all mapped there), so every const method may be called
// from several threads at once; returned spans live as long as the IndexStore.
class IndexStore {
 public:
  // `dir` holds metadata.properties (the v3/ directory for v3).
  static Result<std::unique_ptr<IndexStore>> Open(const std::string& dir, bool v3);
  // The buffer of `index` of `column`, or an empty optional if the segment has none.
  // For v1 forward indexes the caller passes the specific file suffix via FindV1.
  Result<std::optional<Span>> Find(const std::string& column, const std::string& index) const;
  // v1 only: <dir>/<column><suffix>, e.g. ".sv.unsorted.fwd".
  Result<std::optional<Span>> FindFile(const std::string& file) const;
  bool v3() const { return v3_; }
  // MappedFile::ReleaseResident on every mapped file.
  void ReleaseResident() const;
  // Forward index of `column` and the v1 suffix it was found under ("" for v3).
  Result<std::optional<Span>> FindForward(const std::string& column, std::string* suffix) const;

 private:
  std::string dir_;
  bool v3_ = false;
  MappedFile psf_;
  // v3: column -> index id -> [start, start+size) within columns.psf (magic included).
  std::map<std::string, std::map<std::string, std::pair<uint64_t, uint64_t>>> map_;
  // v1: file name -> mapping, for every file in dir_ with an index suffix this reader reads.
  std::map<std::string, MappedFile> files_;
};

// Checked little cursor-less reads: all return Corruption when [off, off+n) is outside `buf`.
inline bool InBounds(Span buf, uint64_t off, uint64_t n) {
  return off <= buf.size() && n <= buf.size() - off;
}

// Unpacks n bit-packed (MSB-first, PinotDataBitSet) values of `bits` width starting at value index
// `first` into out[0..n). REQUIRES: the caller checked ceil((first+n)*bits/8) <= buf.size().
void UnpackBits(const uint8_t* buf, int bits, uint64_t first, size_t n, uint32_t* out);
inline uint64_t PackedBytes(uint64_t count, int bits) { return (count * uint64_t(bits) + 7) / 8; }

// Chunk decompression (ChunkCompressionType ids). `out` is resized to the decompressed size.
// `capacity` bounds the output (the chunk capacity from the index header); so does what `in` can
// decompress to at the codec's maximum ratio: a size declared past either is Corruption, and no
// more than that is ever allocated. GZIP's size trailer endianness differs by writer:
// `gzip_le_size` selects LE (VarByteChunkForwardIndexWriterV4+) vs BE (BaseChunk writers).
Status Decompress(int codec, Span in, size_t capacity, bool gzip_le_size, std::string* out);
// The most bytes `in_size` compressed bytes of `codec` can decompress to (its maximum ratio).
uint64_t MaxDecompressedSize(int codec, uint64_t in_size);

// ColumnBatch size limit (segment.h): OK if a batch of column `m` whose docs are
// [out.first_doc, +out.num_docs) may hold `bytes` bytes of `what` ("binary data", "values"), else
// kInvalidArgument naming the column, the doc range and the limit.
Status CheckBatchBytes(const ColumnMeta& m, const ColumnBatch& out, uint64_t bytes,
                       const char* what);
const char* CodecName(int codec);

// Validates a ".vl;" var-length buffer and returns its offsets[numValues + 1].
Result<std::vector<uint32_t>> ParseVarLengthOffsets(Span buf, const std::string& what);

// Dictionaries (BaseImmutableDictionary subclasses).
Result<std::unique_ptr<Dictionary>> OpenDictionary(const ColumnMeta& meta, Span buf,
                                                   char legacy_pad);

// Forward index readers: each produces doc-id batches into a ColumnBatch. Implementations check
// every header field against the buffer at open.
class ForwardReader {
 public:
  virtual ~ForwardReader() = default;
  // Dictionary-encoded: ids (+ offsets for MV). Raw: values (+ offsets for MV).
  virtual Status Read(uint32_t first_doc, uint32_t n, ColumnBatch* out) = 0;
};
Result<std::unique_ptr<ForwardReader>> OpenDictForward(const ColumnMeta& meta, uint32_t total_docs,
                                                       Span buf, ForwardKind* kind);
Result<std::unique_ptr<ForwardReader>> OpenRawForward(const ColumnMeta& meta, uint32_t total_docs,
                                                      Span buf, ForwardKind* kind, int* version,
                                                      std::string* codec);
// Forward index disabled: rebuild from inverted index
// (InvertedIndexAndDictionaryBasedForwardIndexCreator).
Result<std::unique_ptr<ForwardReader>> OpenRebuiltForward(const ColumnMeta& meta,
                                                          uint32_t total_docs, Span inverted);

// Parses metadata.properties into SegmentMeta (columns without on-disk facts).
Result<SegmentMeta> ParseSegmentMetadata(const Properties& props);
Result<DataType> ParseDataType(const std::string& s);

}  // namespace pe::segment
