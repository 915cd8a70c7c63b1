// Page compression (internal to parquet/). Codecs as Compression.md defines them: SNAPPY is raw
// snappy (no framing), GZIP is a gzip member (RFC 1952, zlib with windowBits 15+16), ZSTD is a
// zstd frame (RFC 8878).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "parquet/parquet.h"

namespace pe::parquet {

class Compressor {
 public:
  static std::unique_ptr<Compressor> Make(Codec c);
  virtual ~Compressor() = default;
  // The compressed form of `in`, valid until the next call (UNCOMPRESSED: `in` itself).
  virtual Result<std::string_view> Compress(std::string_view in) = 0;

 protected:
  // Output buffer that only grows, so steady-state pages neither allocate nor zero-fill.
  char* Reserve(size_t n) {
    if (buf_.size() < n) buf_.resize(n);
    return buf_.data();
  }

 private:
  std::vector<char> buf_;
};

// The CompressionCodec enum value of parquet.thrift.
int ThriftCodec(Codec c);

}  // namespace pe::parquet
