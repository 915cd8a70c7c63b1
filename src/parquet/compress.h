// Page compression (internal to parquet/). Codecs as Compression.md defines them: SNAPPY is raw
// snappy (no framing), GZIP is a gzip member (RFC 1952, zlib with windowBits 15+16), ZSTD is a
// zstd frame (RFC 8878).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "parquet/parquet.h"

namespace pe::parquet {

class Compressor {
 public:
  static std::unique_ptr<Compressor> Make(Codec c);
  virtual ~Compressor() = default;
  // Replaces *out with the compressed form of `in`.
  virtual Status Compress(std::string_view in, std::string* out) = 0;
};

// The CompressionCodec enum value of parquet.thrift.
int ThriftCodec(Codec c);

}  // namespace pe::parquet
