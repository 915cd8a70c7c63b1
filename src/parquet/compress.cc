#include "parquet/compress.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

namespace pe::parquet {

namespace {

class Snappy final : public Compressor {
 public:
  Result<std::string_view> Compress(std::string_view in) override {
    char* out = Reserve(snappy::MaxCompressedLength(in.size()));
    size_t n = 0;
    snappy::RawCompress(in.data(), in.size(), out, &n);
    return std::string_view(out, n);
  }
};

class Gzip final : public Compressor {
 public:
  Result<std::string_view> Compress(std::string_view in) override {
    z_stream z{};
    // 15 + 16: a gzip header and trailer around the deflate stream.
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      return Status::IOError("gzip: deflateInit2 failed");
    }
    const size_t cap = deflateBound(&z, uLong(in.size())) + 32;
    char* out = Reserve(cap);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = uInt(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out);
    z.avail_out = uInt(cap);
    int rc = deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) return Status::IOError("gzip: deflate failed");
    return std::string_view(out, n);
  }
};

class Zstd final : public Compressor {
 public:
  Zstd() : ctx_(ZSTD_createCCtx()) {}
  ~Zstd() override { ZSTD_freeCCtx(ctx_); }
  Result<std::string_view> Compress(std::string_view in) override {
    const size_t cap = ZSTD_compressBound(in.size());
    char* out = Reserve(cap);
    // Level 3 is zstd's default (ZSTD_CLEVEL_DEFAULT), as parquet-mr and DuckDB use.
    size_t n = ZSTD_compressCCtx(ctx_, out, cap, in.data(), in.size(), 3);
    if (ZSTD_isError(n)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(n));
    return std::string_view(out, n);
  }

 private:
  ZSTD_CCtx* ctx_;
};

class None final : public Compressor {
 public:
  Result<std::string_view> Compress(std::string_view in) override { return in; }
};

}  // namespace

std::unique_ptr<Compressor> Compressor::Make(Codec c) {
  switch (c) {
    case Codec::kSnappy:
      return std::make_unique<Snappy>();
    case Codec::kGzip:
      return std::make_unique<Gzip>();
    case Codec::kZstd:
      return std::make_unique<Zstd>();
    case Codec::kUncompressed:
      break;
  }
  return std::make_unique<None>();
}

// parquet.thrift CompressionCodec: UNCOMPRESSED=0 SNAPPY=1 GZIP=2 ZSTD=6.
int ThriftCodec(Codec c) {
  switch (c) {
    case Codec::kSnappy:
      return 1;
    case Codec::kGzip:
      return 2;
    case Codec::kZstd:
      return 6;
    case Codec::kUncompressed:
      break;
  }
  return 0;
}

}  // namespace pe::parquet
