// Internals of the segment writer shared by its .cc files. Not part of the public API.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "sample/sample.h"

namespace pe::sample {

// A file written sequentially (Append) with positioned overwrites (WriteAt) for headers whose
// content is known only at the end, as Pinot's writers do with FileChannel.write(buf, pos).
class OutFile {
 public:
  static Result<std::unique_ptr<OutFile>> Create(const std::string& path);
  ~OutFile();
  Status Append(std::string_view bytes);
  Status WriteAt(uint64_t offset, std::string_view bytes);
  // Appends the whole content of the file at `path`.
  Status AppendFile(const std::string& path);
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  Status Close();

 private:
  OutFile() = default;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string path_;
  std::string buf_;  // pending appends
  Status Flush();
};

// Compresses one chunk with a ChunkCompressor (L/io/compression/*Compressor). `le_sizes` selects
// the byte order of the GZIP size trailer: the V4+ writers compress into a LITTLE_ENDIAN buffer
// (VarByteChunkForwardIndexWriterV4), the BaseChunkForwardIndexWriter ones into a BIG_ENDIAN one.
Status CompressChunk(Codec codec, std::string_view in, bool le_sizes, std::string* out);

// MSB-first bit packing (PinotDataBitSet / FixedBitIntReaderWriter).
class BitPacker {
 public:
  explicit BitPacker(int bits) : bits_(bits) {}
  void Put(uint32_t v, std::string* out) {
    acc_ = (acc_ << bits_) | v;
    nacc_ += bits_;
    while (nacc_ >= 8) {
      nacc_ -= 8;
      out->push_back(char((acc_ >> nacc_) & 0xFF));
    }
  }
  // Pads the last partial byte with zero bits.
  void Finish(std::string* out) {
    if (nacc_ > 0) out->push_back(char((acc_ << (8 - nacc_)) & 0xFF));
    nacc_ = 0;
    acc_ = 0;
  }

 private:
  int bits_;
  uint64_t acc_ = 0;
  int nacc_ = 0;
};

// Comparators matching Pinot's dictionary sort orders.
// String.compareTo: UTF-16 code unit order on valid UTF-8 input.
int CompareUtf16Order(std::string_view a, std::string_view b);
// BigDecimal.compareTo on BigDecimalUtils bytes (numeric; ties broken by the bytes).
int CompareBigDecimal(std::string_view a, std::string_view b);

}  // namespace pe::sample
