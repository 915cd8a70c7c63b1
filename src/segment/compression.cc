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
// Every declared size is checked against `capacity` and against what the input can decompress to
// at the codec's maximum ratio (MaxDecompressedSize) before anything is allocated. Where the
// codec allows it (LZ4, zstd, zlib), the output buffer starts at a small multiple of the input
// and doubles only while the real data needs it, so a lying size header costs at most
// kFirstGuessRatio x the input, whatever it declares.
#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>

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

// Maximum decompression ratios, from each format's smallest encoding of the most output:
// LZ4 block (lz4_Block_format.md): each extra match-length byte adds at most 255 output bytes.
constexpr uint64_t kLz4MaxRatio = 255;
// Snappy (format_description.txt): a 3-byte copy (2-byte offset) emits at most 64 bytes; the
// 5-byte copy emits 64 too, a literal 1 per byte: at most 64/3 < 22 bytes per input byte.
constexpr uint64_t kSnappyMaxRatio = 22;
// Deflate (zlib FAQ, "maximum compression ratio"): 1032:1.
constexpr uint64_t kDeflateMaxRatio = 1032;
// zstd (RFC 8878 3.1.1.2): a 4-byte RLE block (3-byte header + 1 byte) emits up to
// Block_Maximum_Size = 128 KiB.
constexpr uint64_t kZstdMaxRatio = (uint64_t(128) << 10) / 4;
// First output buffer for a growing decode: this multiple of the input (+ 64 KiB).
constexpr uint64_t kFirstGuessRatio = 16;

size_t FirstGuess(uint64_t in_size, uint64_t limit) {
  return size_t(std::min<uint64_t>(limit, kFirstGuessRatio * in_size + (64 << 10)));
}

Status TooLarge(int codec, uint64_t n, size_t cap, uint64_t in_size) {
  return Status::Corruption(std::string(CodecName(codec)) + " chunk declares " + std::to_string(n) +
                            " decompressed bytes, more than it can hold: " +
                            std::to_string(in_size) + " compressed bytes decompress to at most " +
                            std::to_string(MaxDecompressedSize(codec, in_size)) +
                            ", the chunk capacity is " + std::to_string(cap));
}

// The output limit for `in_size` bytes of `codec` in a chunk of `capacity` bytes.
uint64_t Limit(int codec, uint64_t in_size, size_t capacity) {
  return std::min<uint64_t>(capacity, MaxDecompressedSize(codec, in_size));
}

// Runs decode(dst, cap) -> bytes produced, kTooSmall (`cap` may be too small) or kBad, into a
// buffer of `first` bytes doubled up to `limit`: what is allocated is at most `first` or twice what
// the input really decompresses to (a bad input reported as kTooSmall: up to `limit`). Returns
// false if the data is bad or does not fit in `limit`.
constexpr int64_t kTooSmall = -1, kBad = -2;
template <class Decode>
bool DecodeGrowing(size_t first, uint64_t limit, std::string* out, Decode decode) {
  size_t cap = first;
  while (true) {
    out->resize(cap);
    int64_t r = decode(out->data(), cap);
    if (r >= 0) {
      out->resize(size_t(r));
      return true;
    }
    if (r == kBad || cap >= limit) return false;
    cap = size_t(std::min<uint64_t>(limit, std::max<uint64_t>(1, uint64_t(cap) * 2)));
  }
}

// A raw LZ4 block of at most `limit` bytes (LZ4_decompress_safe cannot tell "bad" from "does not
// fit", so a bad block is retried up to `limit`).
Status Lz4Block(const uint8_t* in, size_t n, uint64_t limit, std::string* out) {
  limit = std::min<uint64_t>(limit, uint64_t(INT32_MAX));  // LZ4's int sizes
  bool ok = DecodeGrowing(FirstGuess(n, limit), limit, out, [&](char* dst, size_t cap) {
    int r = LZ4_decompress_safe(reinterpret_cast<const char*>(in), dst, int(n), int(cap));
    return r < 0 ? kTooSmall : int64_t(r);
  });
  if (!ok) return Status::Corruption("LZ4 chunk does not decompress");
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
  const int codec = delta_of_delta ? 7 : 6;
  if (uint64_t(count) * w > Limit(codec, in.size(), cap)) {
    return TooLarge(codec, uint64_t(count) * w, cap, in.size());
  }
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

uint64_t MaxDecompressedSize(int codec, uint64_t in_size) {
  switch (codec) {
    case 1:
      return kSnappyMaxRatio * in_size;
    case 2:
      return kZstdMaxRatio * in_size;
    case 3:
    case 4:
      return kLz4MaxRatio * in_size;
    case 5:
      return kDeflateMaxRatio * in_size;
    case 6:
    case 7:
      return 8 + kLz4MaxRatio * in_size;  // the first value as is, then an LZ4 block
  }
  return in_size;  // PASS_THROUGH
}

Status Decompress(int codec, Span in, size_t capacity, bool gzip_le_size, std::string* out) {
  const uint64_t limit = Limit(codec, in.size(), capacity);
  switch (codec) {
    case 0:
      if (in.size() > capacity) return TooLarge(codec, in.size(), capacity, in.size());
      out->assign(reinterpret_cast<const char*>(in.data()), in.size());
      return Status::OK();
    case 1: {
      size_t n = 0;
      const char* p = reinterpret_cast<const char*>(in.data());
      if (!snappy::GetUncompressedLength(p, in.size(), &n)) {
        return Status::Corruption("SNAPPY chunk has a bad length header");
      }
      if (n > limit) return TooLarge(codec, n, capacity, in.size());
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
      const bool known = n != ZSTD_CONTENTSIZE_UNKNOWN;
      if (known && n > limit) return TooLarge(codec, n, capacity, in.size());
      size_t err = 0;
      bool ok = DecodeGrowing(
          FirstGuess(in.size(), known ? n : limit), known ? n : limit, out,
          [&](char* dst, size_t cap) {
            size_t r = ZSTD_decompress(dst, cap, in.data(), in.size());
            if (!ZSTD_isError(r)) return int64_t(r);
            err = r;
            return ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall ? kTooSmall : kBad;
          });
      if (!ok) {
        return Status::Corruption(std::string("ZSTANDARD chunk does not decompress: ") +
                                  (err ? ZSTD_getErrorName(err) : "?"));
      }
      if (known && out->size() != n) {
        return Status::Corruption("ZSTANDARD chunk holds " + std::to_string(out->size()) +
                                  " bytes, its frame header declares " + std::to_string(n));
      }
      return Status::OK();
    }
    case 3:
      return Lz4Block(in.data(), in.size(), limit, out);
    case 4: {
      if (in.size() < 4)
        return Status::Corruption("LZ4_LENGTH_PREFIXED chunk shorter than 4 bytes");
      uint32_t n = LoadLE32(in.data());
      if (n > Limit(codec, in.size() - 4, capacity)) {
        return TooLarge(codec, n, capacity, in.size() - 4);
      }
      PE_RETURN_IF_ERROR(Lz4Block(in.data() + 4, in.size() - 4, n, out));
      if (out->size() != n) return Status::Corruption("LZ4_LENGTH_PREFIXED chunk length mismatch");
      return Status::OK();
    }
    case 5: {
      if (in.size() < 4) return Status::Corruption("GZIP chunk shorter than 4 bytes");
      const uint8_t* t = in.data() + in.size() - 4;
      uint32_t n = gzip_le_size ? LoadLE32(t) : LoadBE32(t);
      if (n > Limit(codec, in.size() - 4, capacity)) {
        return TooLarge(codec, n, capacity, in.size() - 4);
      }
      bool zlib_ok = true;
      bool ok = DecodeGrowing(FirstGuess(in.size(), n), n, out, [&](char* dst, size_t cap) {
        z_stream zs{};
        if (inflateInit(&zs) != Z_OK) {
          zlib_ok = false;
          return kBad;
        }
        zs.next_in = const_cast<Bytef*>(in.data());
        zs.avail_in = uInt(in.size() - 4);
        zs.next_out = reinterpret_cast<Bytef*>(dst);
        zs.avail_out = uInt(cap);
        int r = inflate(&zs, Z_FINISH);
        size_t produced = cap - zs.avail_out;
        inflateEnd(&zs);
        if (r == Z_STREAM_END) return int64_t(produced);
        return zs.avail_out == 0 && (r == Z_OK || r == Z_BUF_ERROR) ? kTooSmall : kBad;
      });
      if (!zlib_ok) return Status::IOError("zlib init failed");
      if (!ok || out->size() != n) return Status::Corruption("GZIP chunk does not inflate");
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
