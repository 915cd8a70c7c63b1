#include "parquet/compress.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

namespace pe::parquet {

namespace {

class Snappy final : public Compressor {
 public:
  Status Compress(std::string_view in, std::string* out) override {
    out->resize(snappy::MaxCompressedLength(in.size()));
    size_t n = 0;
    snappy::RawCompress(in.data(), in.size(), out->data(), &n);
    out->resize(n);
    return Status::OK();
  }
};

class Gzip final : public Compressor {
 public:
  Status Compress(std::string_view in, std::string* out) override {
    z_stream z{};
    // 15 + 16: a gzip header and trailer around the deflate stream.
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      return Status::IOError("gzip: deflateInit2 failed");
    }
    out->resize(deflateBound(&z, uLong(in.size())) + 32);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = uInt(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out->data());
    z.avail_out = uInt(out->size());
    int rc = deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) return Status::IOError("gzip: deflate failed");
    out->resize(n);
    return Status::OK();
  }
};

class Zstd final : public Compressor {
 public:
  Zstd() : ctx_(ZSTD_createCCtx()) {}
  ~Zstd() override { ZSTD_freeCCtx(ctx_); }
  Status Compress(std::string_view in, std::string* out) override {
    out->resize(ZSTD_compressBound(in.size()));
    // Level 3 is zstd's default (ZSTD_CLEVEL_DEFAULT), as parquet-mr and DuckDB use.
    size_t n = ZSTD_compressCCtx(ctx_, out->data(), out->size(), in.data(), in.size(), 3);
    if (ZSTD_isError(n)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(n));
    out->resize(n);
    return Status::OK();
  }

 private:
  ZSTD_CCtx* ctx_;
};

class None final : public Compressor {
 public:
  Status Compress(std::string_view in, std::string* out) override {
    out->assign(in);
    return Status::OK();
  }
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
