// Chunk decompression for raw forward indexes.
//
// Ids (S/compression/ChunkCompressionType; L/io/compression/*Decompressor):
//   0 PASS_THROUGH  bytes as stored
//   1 SNAPPY        raw snappy block (snappy-java)
//   2 ZSTANDARD     one zstd frame (zstd-jni)
//   3 LZ4           raw LZ4 block, no size: decompressed into the known chunk capacity
//   4 LZ4_LENGTH_PREFIXED  uint32 LE original length + raw LZ4 block (LZ4CompressorWithLength)
//   5 GZIP          zlib stream (java.util.zip.Deflater, "78 xx") + uint32 uncompressed size,
//                   BE from BaseChunkForwardIndexWriter, LE from VarByteChunkForwardIndexWriterV4+
//   6 DELTA         byte flag (0 int, 1 long), BE int count, BE first value, and if count > 1:
//                   BE int compressedLen + raw LZ4 block of count-1 BE deltas (DeltaDecompressor)
//   7 DELTADELTA    as DELTA with flag 1 only; the block holds the first delta, then
//                   delta-of-deltas (DeltaDeltaDecompressor)
// Every declared size is checked against `capacity` before anything is allocated.
#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include "segment/segment_internal.h"

namespace pe::segment {

const char* CodecName(int codec) {
  switch (codec) {
    case 0:
      return "PASS_THROUGH";
    case 1:
      return "SNAPPY";
    case 2:
      return "ZSTANDARD";
    case 3:
      return "LZ4";
    case 4:
      return "LZ4_LENGTH_PREFIXED";
    case 5:
      return "GZIP";
    case 6:
      return "DELTA";
    case 7:
      return "DELTADELTA";
  }
  return "UNKNOWN";
}

namespace {

Status TooLarge(const char* codec, uint64_t n, size_t cap) {
  return Status::Corruption(std::string(codec) + " chunk declares " + std::to_string(n) +
                            " bytes, more than the chunk capacity " + std::to_string(cap));
}

Status Lz4Block(const uint8_t* in, size_t n, size_t cap, std::string* out) {
  out->resize(cap);
  int r = LZ4_decompress_safe(reinterpret_cast<const char*>(in), out->data(), int(n), int(cap));
  if (r < 0) return Status::Corruption("LZ4 chunk does not decompress");
  out->resize(size_t(r));
  return Status::OK();
}

Status Delta(Span in, size_t cap, bool delta_of_delta, std::string* out) {
  if (in.size() < 5) return Status::Corruption("DELTA chunk shorter than its header");
  uint8_t flag = in[0];
  // Flag 0: 4-byte values, 1: 8-byte values, for both DELTA and DELTADELTA (Pinot's
  // DeltaDeltaCompressor writes flag 0 for INT chunks whose byte size is not a multiple of 8).
  if (flag > 1) {
    return Status::Corruption("DELTA chunk has an invalid type flag " + std::to_string(flag));
  }
  const size_t w = flag == 0 ? 4 : 8;
  uint32_t count = LoadBE32(in.data() + 1);
  if (uint64_t(count) * w > cap) return TooLarge("DELTA", uint64_t(count) * w, cap);
  out->resize(size_t(count) * w);
  if (count == 0) return Status::OK();
  if (in.size() < 5 + w) return Status::Corruption("DELTA chunk truncated");
  uint8_t* o = reinterpret_cast<uint8_t*>(out->data());
  std::memcpy(o, in.data() + 5, w);
  if (count == 1) return Status::OK();
  if (in.size() < 5 + w + 4) return Status::Corruption("DELTA chunk truncated");
  uint32_t clen = LoadBE32(in.data() + 5 + w);
  if (!InBounds(in, 9 + w, clen)) return Status::Corruption("DELTA chunk length past its end");
  std::string deltas;
  size_t want = size_t(count - 1) * w;
  PE_RETURN_IF_ERROR(Lz4Block(in.data() + 9 + w, clen, want, &deltas));
  if (deltas.size() != want) return Status::Corruption("DELTA chunk holds too few deltas");
  const uint8_t* d = reinterpret_cast<const uint8_t*>(deltas.data());
  if (w == 4) {
    uint32_t prev = LoadBE32(o);
    uint32_t prev_delta = 0;
    for (uint32_t i = 1; i < count; ++i) {
      uint32_t v = LoadBE32(d + (i - 1) * 4);  // wrapping adds, as Java int arithmetic
      if (delta_of_delta) {
        prev_delta = i == 1 ? v : prev_delta + v;
        prev += prev_delta;
      } else {
        prev += v;
      }
      StoreBE32(o + i * 4, prev);
    }
  } else {
    uint64_t prev = LoadBE64(o);
    uint64_t prev_delta = 0;
    for (uint32_t i = 1; i < count; ++i) {
      uint64_t v = LoadBE64(d + (i - 1) * 8);
      if (delta_of_delta) {
        prev_delta = i == 1 ? v : prev_delta + v;
        prev += prev_delta;
      } else {
        prev += v;
      }
      StoreBE64(o + i * 8, prev);
    }
  }
  return Status::OK();
}

}  // namespace

Status Decompress(int codec, Span in, size_t capacity, bool gzip_le_size, std::string* out) {
  switch (codec) {
    case 0:
      if (in.size() > capacity) return TooLarge("PASS_THROUGH", in.size(), capacity);
      out->assign(reinterpret_cast<const char*>(in.data()), in.size());
      return Status::OK();
    case 1: {
      size_t n = 0;
      const char* p = reinterpret_cast<const char*>(in.data());
      if (!snappy::GetUncompressedLength(p, in.size(), &n)) {
        return Status::Corruption("SNAPPY chunk has a bad length header");
      }
      if (n > capacity) return TooLarge("SNAPPY", n, capacity);
      out->resize(n);
      if (!snappy::RawUncompress(p, in.size(), out->data())) {
        return Status::Corruption("SNAPPY chunk does not decompress");
      }
      return Status::OK();
    }
    case 2: {
      unsigned long long n = ZSTD_getFrameContentSize(in.data(), in.size());
      if (n == ZSTD_CONTENTSIZE_ERROR)
        return Status::Corruption("ZSTANDARD chunk is not a zstd frame");
      size_t cap = n == ZSTD_CONTENTSIZE_UNKNOWN ? capacity : size_t(n);
      if (n != ZSTD_CONTENTSIZE_UNKNOWN && n > capacity) return TooLarge("ZSTANDARD", n, capacity);
      out->resize(cap);
      size_t r = ZSTD_decompress(out->data(), cap, in.data(), in.size());
      if (ZSTD_isError(r)) {
        return Status::Corruption(std::string("ZSTANDARD chunk does not decompress: ") +
                                  ZSTD_getErrorName(r));
      }
      out->resize(r);
      return Status::OK();
    }
    case 3:
      return Lz4Block(in.data(), in.size(), capacity, out);
    case 4: {
      if (in.size() < 4)
        return Status::Corruption("LZ4_LENGTH_PREFIXED chunk shorter than 4 bytes");
      uint32_t n = LoadLE32(in.data());
      if (n > capacity) return TooLarge("LZ4_LENGTH_PREFIXED", n, capacity);
      PE_RETURN_IF_ERROR(Lz4Block(in.data() + 4, in.size() - 4, n, out));
      if (out->size() != n) return Status::Corruption("LZ4_LENGTH_PREFIXED chunk length mismatch");
      return Status::OK();
    }
    case 5: {
      if (in.size() < 4) return Status::Corruption("GZIP chunk shorter than 4 bytes");
      const uint8_t* t = in.data() + in.size() - 4;
      uint32_t n = gzip_le_size ? LoadLE32(t) : LoadBE32(t);
      if (n > capacity) return TooLarge("GZIP", n, capacity);
      out->resize(n);
      z_stream zs{};
      if (inflateInit(&zs) != Z_OK) return Status::IOError("zlib init failed");
      zs.next_in = const_cast<Bytef*>(in.data());
      zs.avail_in = uInt(in.size() - 4);
      zs.next_out = reinterpret_cast<Bytef*>(out->data());
      zs.avail_out = uInt(n);
      int r = inflate(&zs, Z_FINISH);
      size_t produced = n - zs.avail_out;
      inflateEnd(&zs);
      if (r != Z_STREAM_END || produced != n)
        return Status::Corruption("GZIP chunk does not inflate");
      return Status::OK();
    }
    case 6:
      return Delta(in, capacity, false, out);
    case 7:
      return Delta(in, capacity, true, out);
  }
  return Status::NotSupported("chunk compression type id " + std::to_string(codec));
}

}  // namespace pe::segment
