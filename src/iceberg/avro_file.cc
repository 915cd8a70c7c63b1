#include "iceberg/avro_file.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>

namespace pe::iceberg::avro {
namespace {

// Avro specification "Object Container Files".
constexpr char kMagic[4] = {'O', 'b', 'j', 1};
constexpr size_t kSyncBytes = 16;
// Records are gathered into blocks of about this many bytes before compression (Avro Java's
// DataFileWriter syncs every 64000 bytes by default; larger blocks compress better and manifests
// are read whole).
constexpr size_t kBlockBytes = 1 << 20;
// A decompressed block larger than this is treated as corrupt: manifest lists and manifests are
// written in blocks of at most a few MiB by every writer we know of.
constexpr size_t kMaxBlockBytes = size_t(256) << 20;

thread_local size_t tl_cap = std::numeric_limits<size_t>::max();

// avro_allocator_t: realloc/free as Avro C's default allocator, but refusing sizes over the
// thread's cap (Avro C returns ENOMEM for a NULL result; read_bytes/read_string allocate a length
// read from the input before reading the bytes).
void* CappedAlloc(void*, void* ptr, size_t, size_t nsize) {
  if (nsize == 0) {
    std::free(ptr);
    return nullptr;
  }
  if (nsize > tl_cap) return nullptr;
  return std::realloc(ptr, nsize);
}

void PutVarint(std::string* out, int64_t v) {  // zig-zag varint (Avro "long")
  uint64_t n = (uint64_t(v) << 1) ^ uint64_t(v >> 63);
  while (n & ~uint64_t(0x7F)) {
    out->push_back(char((n & 0x7F) | 0x80));
    n >>= 7;
  }
  out->push_back(char(n));
}

void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, int64_t(s.size()));
  out->append(s);
}

// FNV-1a, 64 bits.
uint64_t Fnv(std::string_view s, uint64_t h) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

Result<std::string> Deflate(std::string_view in) {
  z_stream z{};
  // Raw deflate (RFC 1951, no zlib header): Avro's "deflate" codec.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::InvalidArgument("avro: deflateInit2 failed");
  }
  std::string out(deflateBound(&z, uLong(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  int rc = deflate(&z, Z_FINISH);
  size_t n = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::InvalidArgument("avro: deflate failed");
  out.resize(n);
  return out;
}

class Cursor {
 public:
  explicit Cursor(std::string_view b) : b_(b) {}
  size_t remaining() const { return b_.size() - pos_; }
  size_t pos() const { return pos_; }
  Result<int64_t> Varint(const char* what) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ >= b_.size()) return Status::Corruption(std::string("avro: truncated ") + what);
      uint8_t c = uint8_t(b_[pos_++]);
      if (shift == 63 && (c & 0x7E)) break;  // more than 64 bits
      v |= uint64_t(c & 0x7F) << shift;
      if (!(c & 0x80)) return int64_t((v >> 1) ^ (~(v & 1) + 1));
    }
    return Status::Corruption(std::string("avro: varint too long in ") + what);
  }
  Result<std::string_view> Take(int64_t n, const char* what) {
    if (n < 0 || uint64_t(n) > remaining()) {
      return Status::Corruption(std::string("avro: ") + what + " of " + std::to_string(n) +
                                " bytes runs past the end of the file");
    }
    std::string_view s = b_.substr(pos_, size_t(n));
    pos_ += size_t(n);
    return s;
  }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

Result<std::string> Inflate(std::string_view in) {
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return Status::Corruption("avro: inflateInit2 failed");
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (out.size() >= kMaxBlockBytes) break;
    size_t have = out.size();
    out.resize(std::min(kMaxBlockBytes, std::max<size_t>(4096, have * 2)));
    z.next_out = reinterpret_cast<Bytef*>(out.data() + have);
    z.avail_out = uInt(out.size() - have);
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(out.size() - z.avail_out);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // input ended before the stream did
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    return Status::Corruption(out.size() >= kMaxBlockBytes
                                  ? "avro: deflate block inflates past 256 MiB"
                                  : "avro: deflate block does not inflate");
  }
  return out;
}

Result<std::string> Unsnappy(std::string_view in) {
  // Avro "snappy": raw snappy data followed by the big-endian CRC-32 of the uncompressed bytes.
  if (in.size() < 4) return Status::Corruption("avro: snappy block shorter than its checksum");
  std::string_view body = in.substr(0, in.size() - 4);
  size_t n = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &n) || n > kMaxBlockBytes) {
    return Status::Corruption("avro: snappy block has a bad or oversized length");
  }
  std::string out(n, '\0');
  if (!snappy::RawUncompress(body.data(), body.size(), out.data())) {
    return Status::Corruption("avro: snappy block does not decompress");
  }
  const auto* c = reinterpret_cast<const unsigned char*>(in.data() + body.size());
  uint32_t want = uint32_t(c[0]) << 24 | uint32_t(c[1]) << 16 | uint32_t(c[2]) << 8 | c[3];
  if (uint32_t(crc32(0, reinterpret_cast<const Bytef*>(out.data()), uInt(n))) != want) {
    return Status::Corruption("avro: snappy block checksum mismatch");
  }
  return out;
}

Result<std::string> Unzstd(std::string_view in) {
  // Streaming: Avro Java's zstandard codec writes frames without a content size.
  ZSTD_DCtx* d = ZSTD_createDCtx();
  if (!d) return Status::Corruption("avro: ZSTD_createDCtx failed");
  std::string out;
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t rc = 1;
  bool bad = false;
  while (rc != 0) {
    if (out.size() >= kMaxBlockBytes) break;
    size_t have = out.size();
    out.resize(std::min(kMaxBlockBytes, std::max<size_t>(4096, have * 2)));
    ZSTD_outBuffer ob{out.data() + have, out.size() - have, 0};
    rc = ZSTD_decompressStream(d, &ob, &ib);
    out.resize(have + ob.pos);
    if (ZSTD_isError(rc)) {
      bad = true;
      break;
    }
    if (rc != 0 && ib.pos == ib.size && ob.pos < ob.size) {
      bad = true;  // input ended inside a frame
      break;
    }
  }
  ZSTD_freeDCtx(d);
  if (bad || rc != 0 || ib.pos != ib.size) {
    return Status::Corruption(out.size() >= kMaxBlockBytes
                                  ? "avro: zstandard block decompresses past 256 MiB"
                                  : "avro: zstandard block does not decompress");
  }
  return out;
}

}  // namespace

void InstallAllocator() {
  static std::once_flag once;
  std::call_once(once, [] { avro_set_allocator(CappedAlloc, nullptr); });
}

AllocationCap::AllocationCap(size_t bytes) : saved_(tl_cap) { tl_cap = bytes; }
AllocationCap::~AllocationCap() { tl_cap = saved_; }

Value::~Value() {
  if (live_) avro_value_decref(&value_);
  if (iface_) avro_value_iface_decref(iface_);
  if (schema_) avro_schema_decref(schema_);
}

Status Value::Init(std::string_view json, StatusCode code) {
  InstallAllocator();
  auto fail = [&](const std::string& what) {
    std::string m = "avro: " + what + ": " + avro_strerror();
    return code == StatusCode::kCorruption ? Status::Corruption(m) : Status::InvalidArgument(m);
  };
  if (avro_schema_from_json_length(json.data(), json.size(), &schema_) != 0) {
    schema_ = nullptr;
    return fail("schema does not parse");
  }
  iface_ = avro_generic_class_from_schema(schema_);
  if (!iface_) return fail("no value class for the schema");
  if (avro_generic_value_new(iface_, &value_) != 0) return fail("cannot create a value");
  live_ = true;
  return Status::OK();
}

Status FileWriter::Open(std::string schema_json, std::string codec) {
  if (codec != "deflate" && codec != "null") {
    return Status::InvalidArgument("avro: codec " + codec + " is not written here");
  }
  PE_RETURN_IF_ERROR(value_.Init(schema_json, StatusCode::kInvalidArgument));
  schema_json_ = std::move(schema_json);
  codec_ = std::move(codec);
  return Status::OK();
}

Status FileWriter::Append() {
  avro_value_t* v = value_.get();
  size_t n = 0;
  if (avro_value_sizeof(v, &n) != 0) {
    return Status::InvalidArgument(std::string("avro: sizing a record: ") + avro_strerror());
  }
  size_t at = pending_.size();
  pending_.resize(at + n);
  avro_writer_t w = avro_writer_memory(pending_.data() + at, int64_t(n));
  if (!w) return Status::InvalidArgument("avro: cannot create a memory writer");
  int rc = avro_value_write(w, v);
  avro_writer_free(w);
  if (rc != 0) {
    return Status::InvalidArgument(std::string("avro: encoding a record: ") + avro_strerror());
  }
  ++pending_count_;
  if (avro_value_reset(v) != 0) {
    return Status::InvalidArgument(std::string("avro: resetting a record: ") + avro_strerror());
  }
  if (pending_.size() >= kBlockBytes) return FlushBlock();
  return Status::OK();
}

Status FileWriter::FlushBlock() {
  if (pending_count_ == 0) return Status::OK();
  if (codec_ == "deflate") {
    PE_ASSIGN_OR_RETURN(std::string z, Deflate(pending_));
    blocks_.emplace_back(pending_count_, std::move(z));
  } else {
    blocks_.emplace_back(pending_count_, std::move(pending_));
  }
  pending_.clear();
  pending_count_ = 0;
  return Status::OK();
}

Result<std::string> FileWriter::Finish(
    const std::vector<std::pair<std::string, std::string>>& meta) {
  PE_RETURN_IF_ERROR(FlushBlock());
  std::vector<std::pair<std::string, std::string>> all = {{"avro.schema", schema_json_},
                                                          {"avro.codec", codec_}};
  all.insert(all.end(), meta.begin(), meta.end());
  std::string out(kMagic, sizeof(kMagic));
  PutVarint(&out, int64_t(all.size()));  // one map block, then the empty block that ends it
  for (const auto& [k, v] : all) {
    PutBytes(&out, k);
    PutBytes(&out, v);
  }
  PutVarint(&out, 0);
  // Sync marker: any 16 bytes serve (readers compare it after each block); deriving it from the
  // content keeps the output deterministic.
  uint64_t h1 = Fnv(out, 0xcbf29ce484222325ULL), h2 = Fnv(out, 0x84222325cbf29ce4ULL);
  for (const auto& b : blocks_) h1 = Fnv(b.second, h1), h2 = Fnv(b.second, h2);
  char sync[kSyncBytes];
  std::memcpy(sync, &h1, 8);
  std::memcpy(sync + 8, &h2, 8);
  out.append(sync, kSyncBytes);
  for (const auto& [count, data] : blocks_) {
    PutVarint(&out, count);
    PutBytes(&out, data);
    out.append(sync, kSyncBytes);
  }
  return out;
}

Result<File> ParseFile(std::string_view bytes) {
  Cursor c(bytes);
  PE_ASSIGN_OR_RETURN(std::string_view magic, c.Take(4, "magic"));
  if (magic != std::string_view(kMagic, 4)) {
    return Status::Corruption("avro: not an Avro object container file (bad magic)");
  }
  File f;
  for (;;) {  // header metadata: an Avro map<bytes>, in blocks ended by a zero count
    PE_ASSIGN_OR_RETURN(int64_t n, c.Varint("header metadata"));
    if (n == 0) break;
    if (n < 0) {  // a negative count is followed by the block's size in bytes
      PE_ASSIGN_OR_RETURN(int64_t size, c.Varint("header metadata"));
      (void)size;
      n = n == std::numeric_limits<int64_t>::min() ? n : -n;
    }
    if (n < 0 || uint64_t(n) > c.remaining()) {
      return Status::Corruption("avro: header metadata count " + std::to_string(n) +
                                " exceeds the file");
    }
    for (int64_t i = 0; i < n; ++i) {
      PE_ASSIGN_OR_RETURN(int64_t kn, c.Varint("metadata key"));
      PE_ASSIGN_OR_RETURN(std::string_view k, c.Take(kn, "metadata key"));
      PE_ASSIGN_OR_RETURN(int64_t vn, c.Varint("metadata value"));
      PE_ASSIGN_OR_RETURN(std::string_view v, c.Take(vn, "metadata value"));
      f.meta[std::string(k)] = std::string(v);
    }
  }
  PE_ASSIGN_OR_RETURN(std::string_view sync, c.Take(kSyncBytes, "sync marker"));
  if (!f.meta.count("avro.schema")) return Status::Corruption("avro: header has no avro.schema");
  std::string codec = f.meta.count("avro.codec") ? f.meta["avro.codec"] : "null";
  if (codec != "null" && codec != "deflate" && codec != "snappy" && codec != "zstandard") {
    return Status::NotSupported("avro: codec " + codec);
  }
  while (c.remaining() > 0) {
    PE_ASSIGN_OR_RETURN(int64_t count, c.Varint("block count"));
    PE_ASSIGN_OR_RETURN(int64_t size, c.Varint("block size"));
    if (count < 0) {
      return Status::Corruption("avro: negative block count " + std::to_string(count));
    }
    PE_ASSIGN_OR_RETURN(std::string_view data, c.Take(size, "block"));
    PE_ASSIGN_OR_RETURN(std::string_view s, c.Take(kSyncBytes, "block sync marker"));
    if (s != sync) {
      return Status::Corruption("avro: block sync marker at byte " +
                                std::to_string(c.pos() - kSyncBytes) + " does not match");
    }
    std::string raw;
    if (codec == "null") {
      raw = std::string(data);
    } else if (codec == "deflate") {
      PE_ASSIGN_OR_RETURN(raw, Inflate(data));
    } else if (codec == "snappy") {
      PE_ASSIGN_OR_RETURN(raw, Unsnappy(data));
    } else {
      PE_ASSIGN_OR_RETURN(raw, Unzstd(data));
    }
    f.blocks.emplace_back(count, std::move(raw));
  }
  return f;
}

}  // namespace pe::iceberg::avro
