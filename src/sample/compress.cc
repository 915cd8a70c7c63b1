// Chunk compressors (L/io/compression/*Compressor, ChunkCompressorFactory), output files and the
// value orderings of Pinot's dictionaries.
//
//   PASS_THROUGH        bytes as is (PassThroughCompressor)
//   SNAPPY              raw snappy block (SnappyCompressor, snappy-java)
//   ZSTANDARD           one zstd frame, level 3 (ZstandardCompressor, zstd-jni default level)
//   LZ4                 raw LZ4 block (LZ4Compressor, lz4-java fastCompressor)
//   LZ4_LENGTH_PREFIXED LE int original length + raw LZ4 block (LZ4WithLengthCompressor)
//   GZIP                zlib stream (java.util.zip.Deflater defaults) + int uncompressed size in
//                       the output buffer's byte order (GzipCompressor)
//   DELTA / DELTADELTA  byte flag (0 int / 1 long, by byte count % 8), BE int count, BE first
//   value,
//                       then BE int LZ4 length + LZ4 block of the BE (delta-of-)deltas
//                       (DeltaCompressor, DeltaDeltaCompressor)
#include <fcntl.h>
#include <lz4.h>
#include <snappy.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

#include "sample/sample_internal.h"
#include "segment/segment.h"

namespace pe::sample {

// ---- OutFile ----

Result<std::unique_ptr<OutFile>> OutFile::Create(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  std::unique_ptr<OutFile> f(new OutFile());
  f->fd_ = fd;
  f->path_ = path;
  return f;
}

OutFile::~OutFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status OutFile::Flush() {
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t w = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("cannot write " + path_ + ": " + std::strerror(errno));
    }
    done += size_t(w);
  }
  buf_.clear();
  return Status::OK();
}

Status OutFile::Append(std::string_view bytes) {
  buf_.append(bytes);
  size_ += bytes.size();
  if (buf_.size() >= (1u << 20)) return Flush();
  return Status::OK();
}

Status OutFile::WriteAt(uint64_t offset, std::string_view bytes) {
  PE_RETURN_IF_ERROR(Flush());
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, off_t(offset + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("cannot write " + path_ + ": " + std::strerror(errno));
    }
    done += size_t(w);
  }
  if (offset + bytes.size() > size_) size_ = offset + bytes.size();
  return Status::OK();
}

Status OutFile::AppendFile(const std::string& path) {
  int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  std::string block(1 << 20, '\0');
  Status st;
  while (true) {
    ssize_t r = ::read(in, block.data(), block.size());
    if (r < 0) {
      if (errno == EINTR) continue;
      st = Status::IOError("cannot read " + path + ": " + std::strerror(errno));
      break;
    }
    if (r == 0) break;
    st = Append(std::string_view(block.data(), size_t(r)));
    if (!st.ok()) break;
  }
  ::close(in);
  return st;
}

Status OutFile::Close() {
  if (fd_ < 0) return Status::OK();
  Status st = Flush();
  if (::close(fd_) != 0 && st.ok()) {
    st = Status::IOError("cannot close " + path_ + ": " + std::strerror(errno));
  }
  fd_ = -1;
  return st;
}

// ---- Compressors ----

namespace {

std::string Lz4Block(std::string_view in) {
  std::string out(size_t(LZ4_compressBound(int(in.size()))), '\0');
  int n = LZ4_compress_default(in.data(), out.data(), int(in.size()), int(out.size()));
  out.resize(size_t(n > 0 ? n : 0));
  return out;
}

// DeltaCompressor / DeltaDeltaCompressor.compressForInt/compressForLong.
void Delta(std::string_view in, bool delta_of_delta, std::string* out) {
  const bool ints = in.size() % 8 != 0;
  const size_t w = ints ? 4 : 8;
  const size_t n = in.size() / w;
  out->push_back(char(ints ? 0 : 1));
  AppendBE32(out, uint32_t(n));
  if (n == 0) return;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(in.data());
  out->append(in.substr(0, w));
  if (n == 1) return;
  std::string deltas;
  deltas.reserve((n - 1) * w);
  if (ints) {
    uint32_t prev = LoadBE32(p), prev_delta = 0;
    for (size_t i = 1; i < n; ++i) {
      uint32_t cur = LoadBE32(p + 4 * i);
      uint32_t d = cur - prev;  // wrapping, as Java int arithmetic
      AppendBE32(&deltas, delta_of_delta && i > 1 ? d - prev_delta : d);
      prev = cur;
      prev_delta = d;
    }
  } else {
    uint64_t prev = LoadBE64(p), prev_delta = 0;
    for (size_t i = 1; i < n; ++i) {
      uint64_t cur = LoadBE64(p + 8 * i);
      uint64_t d = cur - prev;
      AppendBE64(&deltas, delta_of_delta && i > 1 ? d - prev_delta : d);
      prev = cur;
      prev_delta = d;
    }
  }
  std::string block = Lz4Block(deltas);
  AppendBE32(out, uint32_t(block.size()));
  out->append(block);
}

}  // namespace

Status CompressChunk(Codec codec, std::string_view in, bool le_sizes, std::string* out) {
  out->clear();
  switch (codec) {
    case Codec::kPassThrough:
      out->assign(in);
      return Status::OK();
    case Codec::kSnappy:
      snappy::Compress(in.data(), in.size(), out);
      return Status::OK();
    case Codec::kZstandard: {
      out->resize(ZSTD_compressBound(in.size()));
      size_t n = ZSTD_compress(out->data(), out->size(), in.data(), in.size(), 3);
      if (ZSTD_isError(n)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(n));
      out->resize(n);
      return Status::OK();
    }
    case Codec::kLz4:
      *out = Lz4Block(in);
      return Status::OK();
    case Codec::kLz4LengthPrefixed:
      AppendLE32(out, uint32_t(in.size()));
      out->append(Lz4Block(in));
      return Status::OK();
    case Codec::kGzip: {
      uLongf n = compressBound(uLong(in.size()));
      out->resize(n);
      int r = compress2(reinterpret_cast<Bytef*>(out->data()), &n,
                        reinterpret_cast<const Bytef*>(in.data()), uLong(in.size()),
                        Z_DEFAULT_COMPRESSION);
      if (r != Z_OK) return Status::IOError("zlib compress failed");
      out->resize(n);
      if (le_sizes)
        AppendLE32(out, uint32_t(in.size()));
      else
        AppendBE32(out, uint32_t(in.size()));
      return Status::OK();
    }
    case Codec::kDelta:
    case Codec::kDeltaDelta:
      if (in.size() % 4 != 0) {
        return Status::InvalidArgument("DELTA compression needs 4- or 8-byte values");
      }
      Delta(in, codec == Codec::kDeltaDelta, out);
      return Status::OK();
  }
  return Status::InvalidArgument("unknown codec");
}

const char* CodecName(Codec c) {
  static const char* kNames[] = {"PASS_THROUGH",        "SNAPPY", "ZSTANDARD", "LZ4",
                                 "LZ4_LENGTH_PREFIXED", "GZIP",   "DELTA",     "DELTADELTA"};
  int i = int(c);
  return i >= 0 && i < 8 ? kNames[i] : "UNKNOWN";
}

std::optional<Codec> ParseCodec(std::string_view name) {
  for (int i = 0; i <= 7; ++i) {
    if (name == CodecName(Codec(i))) return Codec(i);
  }
  return std::nullopt;
}

// ---- Orderings ----

namespace {

// Decodes the code point starting at s[i] (valid UTF-8 assumed; invalid bytes map to themselves).
uint32_t DecodeAt(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) -> uint32_t {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) & 0x3F : 0;
  };
  if (c < 0x80) return c;
  if (c >= 0xF0) return ((c & 0x07u) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
  if (c >= 0xE0) return ((c & 0x0Fu) << 12) | (cont(1) << 6) | cont(2);
  if (c >= 0xC0) return ((c & 0x1Fu) << 6) | cont(1);
  return c;
}

// First UTF-16 code unit of a code point.
uint32_t FirstUnit(uint32_t cp) { return cp < 0x10000 ? cp : 0xD800 + ((cp - 0x10000) >> 10); }

}  // namespace

int CompareUtf16Order(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
  // Back up to the start of the code point that differs.
  while (i > 0 && (static_cast<unsigned char>(a[i]) & 0xC0) == 0x80) --i;
  uint32_t ca = DecodeAt(a, i), cb = DecodeAt(b, i);
  uint32_t ua = FirstUnit(ca), ub = FirstUnit(cb);
  if (ua != ub) return ua < ub ? -1 : 1;
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

namespace {

// Plain decimal text -> (negative, integer digits without leading zeros, fraction digits without
// trailing zeros).
void SplitDecimal(const std::string& s, bool* neg, std::string* ip, std::string* fp) {
  size_t i = 0;
  *neg = !s.empty() && s[0] == '-';
  if (*neg) i = 1;
  size_t dot = s.find('.', i);
  *ip = s.substr(i, dot == std::string::npos ? std::string::npos : dot - i);
  *fp = dot == std::string::npos ? "" : s.substr(dot + 1);
  size_t z = 0;
  while (z < ip->size() && (*ip)[z] == '0') ++z;
  ip->erase(0, z);
  while (!fp->empty() && fp->back() == '0') fp->pop_back();
  if (ip->empty() && fp->empty()) *neg = false;  // zero
}

int CompareMagnitude(const std::string& ia, const std::string& fa, const std::string& ib,
                     const std::string& fb) {
  if (ia.size() != ib.size()) return ia.size() < ib.size() ? -1 : 1;
  if (int c = ia.compare(ib)) return c < 0 ? -1 : 1;
  size_t n = std::max(fa.size(), fb.size());
  for (size_t k = 0; k < n; ++k) {
    char x = k < fa.size() ? fa[k] : '0', y = k < fb.size() ? fb[k] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace

int CompareBigDecimal(std::string_view a, std::string_view b) {
  auto sa = segment::BigDecimalToString(a), sb = segment::BigDecimalToString(b);
  if (sa.ok() && sb.ok()) {
    bool na, nb;
    std::string ia, fa, ib, fb;
    SplitDecimal(*sa, &na, &ia, &fa);
    SplitDecimal(*sb, &nb, &ib, &fb);
    int c;
    if (na != nb) {
      c = na ? -1 : 1;
    } else {
      c = CompareMagnitude(ia, fa, ib, fb);
      if (na) c = -c;
    }
    if (c != 0) return c;
  }
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

}  // namespace pe::sample
