// Forward index and dictionary writers of the sample segment writer (internal).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sample/sample_internal.h"

namespace pe::sample {

// One forward index being written, fed doc by doc.
class ForwardWriter {
 public:
  virtual ~ForwardWriter() = default;
  // Dictionary-encoded writers: the dict ids of one doc.
  virtual Status AddIds(const uint32_t* ids, size_t n) { return Status::InvalidArgument("ids"); }
  // Raw writers: the serialized entry of one doc (a fixed-width BE value, the value bytes, or an
  // ArraySerDeUtils-serialized MV entry).
  virtual Status AddEntry(std::string_view entry) { return Status::InvalidArgument("entry"); }
  virtual Status Finish() = 0;
};

// FixedBitSVForwardIndexWriter: totalDocs x bits, MSB-first, no header.
std::unique_ptr<ForwardWriter> NewFixedBitSV(std::unique_ptr<OutFile> out, int bits);
// SingleValueSortedForwardIndexCreator: cardinality x (BE int minDoc, BE int maxDoc).
std::unique_ptr<ForwardWriter> NewSortedSV(std::unique_ptr<OutFile> out, uint32_t cardinality);
// FixedBitMVForwardIndexWriter: chunk offsets + doc-start bitmap + bit-packed ids.
std::unique_ptr<ForwardWriter> NewFixedBitMV(std::unique_ptr<OutFile> out, uint32_t num_docs,
                                             uint64_t total_values, int bits);
// FixedBitMVEntryDictForwardIndexWriter (MV_ENTRY_DICT).
std::unique_ptr<ForwardWriter> NewEntryDictMV(std::unique_ptr<OutFile> out, uint32_t num_docs,
                                              int bits);
// FixedByteChunkForwardIndexWriter (version 2..6; >= 4 rounds docs per chunk up to a power of 2).
std::unique_ptr<ForwardWriter> NewFixedByteChunk(std::unique_ptr<OutFile> out, int version,
                                                 Codec codec, uint32_t total_docs,
                                                 uint32_t docs_per_chunk, uint32_t width);
// VarByteChunkForwardIndexWriter (version 2 or 3).
std::unique_ptr<ForwardWriter> NewVarByteChunk(std::unique_ptr<OutFile> out, int version,
                                               Codec codec, uint32_t total_docs,
                                               uint32_t docs_per_chunk,
                                               uint32_t length_of_longest_entry);
// VarByteChunkForwardIndexWriterV4 / V5 / V6 (version 4, 5, 6); chunks are staged in
// "<path>.buf" as Pinot does.
std::unique_ptr<ForwardWriter> NewVarByteV4(std::unique_ptr<OutFile> out, int version, Codec codec,
                                            uint32_t chunk_size);

// ForwardIndexUtils.getDynamicTargetChunkSize.
uint32_t DynamicTargetChunkSize(int64_t max_length, int target_docs_per_chunk,
                                int target_max_chunk_bytes);

}  // namespace pe::sample
