// Raw (no-dictionary) forward indexes → values.
//
// Chunk formats v1–v3, and fixed-byte v4+ (BaseChunkForwardIndexReader/Writer):
//   BE int version | BE int numChunks | BE int numDocsPerChunk | BE int lengthOfLongestEntry
//   version >= 2: | BE int totalDocs | BE int compressionType | BE int dataHeaderStart (28)
//   then numChunks chunk offsets (BE int if version <= 2, BE long if >= 3), absolute in the buffer;
//   chunk size = next offset - this (last: buffer end). Version 1 has a 16-byte header and is
//   SNAPPY.
//   - fixed SV (FixedByteChunkSVForwardIndexReader, FixedBytePower2ChunkSVForwardIndexReader for
//     version >= 4, whose numDocsPerChunk is a power of 2): numDocsPerChunk BE values per chunk.
//   - var SV (VarByteChunkSVForwardIndexReader): decompressed chunk = numDocsPerChunk BE int
//   offsets
//     from chunk start, then data; a value ends at the next offset, or at the chunk end for the
//     chunk's last doc or when the next offset is 0 (a partial last chunk).
//   - MV (FixedByteChunkMVForwardIndexReader, VarByteChunkMVForwardIndexReader): var-SV framing;
//     entry = [BE int n][n BE values] or [BE int n][n BE int lengths][bytes] (ArraySerDeUtils).
// Var-byte V4/V5/V6 (VarByteChunkForwardIndexReaderV4/V5/V6, writers
// VarByteChunkForwardIndexWriterV4+):
//   BE header {version, targetDecompressedChunkSize, compressionType, chunksStartOffset};
//   [16, chunksStart): 8-byte LE entries {int docIdOffset (MSB set = huge chunk), uint32 chunk
//   offset relative to chunksStart}. Regular chunk (decompressed, LE): int numDocs,
//   int offsets[numDocs] from chunk start, data — V6 with compression stores value SIZES instead.
//   A huge chunk holds exactly one value, compressed alone, no header.
//   Payloads are BE: SV bytes as is; MV fixed V4 = [BE n][values], V5/V6 = values only;
//   MV STRING/BYTES/BIG_DECIMAL = [BE n][n BE lengths][bytes].
#include <algorithm>
#include <cstring>

#include "segment/segment_internal.h"

namespace pe::segment {

namespace {

// Huge V4 chunks hold one value of unknown size; bound what a declared size may allocate.
constexpr size_t kMaxHugeValueBytes = size_t(256) << 20;

void AppendFixed(StoredType t, const uint8_t* p, size_t n, ColumnBatch* out) {
  switch (t) {
    case StoredType::kInt32:
      for (size_t i = 0; i < n; ++i) out->i32.push_back(int32_t(LoadBE32(p + 4 * i)));
      break;
    case StoredType::kInt64:
      for (size_t i = 0; i < n; ++i) out->i64.push_back(int64_t(LoadBE64(p + 8 * i)));
      break;
    case StoredType::kFloat:
      for (size_t i = 0; i < n; ++i) {
        uint32_t b = LoadBE32(p + 4 * i);
        float f;
        std::memcpy(&f, &b, 4);
        out->f32.push_back(f);
      }
      break;
    case StoredType::kDouble:
      for (size_t i = 0; i < n; ++i) {
        uint64_t b = LoadBE64(p + 8 * i);
        double d;
        std::memcpy(&d, &b, 8);
        out->f64.push_back(d);
      }
      break;
    case StoredType::kBinary:
      break;
  }
}

Status AppendBinary(const ColumnMeta& m, std::string_view v, ColumnBatch* out) {
  PE_RETURN_IF_ERROR(CheckBatchBytes(m, *out, out->bin_data.size() + v.size(), "binary data"));
  if (out->bin_offsets.empty()) out->bin_offsets.push_back(uint32_t(out->bin_data.size()));
  out->bin_data.append(v);
  out->bin_offsets.push_back(uint32_t(out->bin_data.size()));
  return Status::OK();
}

// MV: the batch's value array may grow to `values` values of `width` bytes.
Status CheckMvValues(const ColumnMeta& m, const ColumnBatch& out, uint64_t values, size_t width) {
  return CheckBatchBytes(m, out, values * width, "values");
}

// Appends one entry's values (payload of one doc) to `out`.
Status AppendEntry(const ColumnMeta& m, std::string_view e, bool mv_fixed_has_count,
                   ColumnBatch* out) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(e.data());
  if (m.single_value) {
    if (m.stored_type == StoredType::kBinary) return AppendBinary(m, e, out);
    if (e.size() != size_t(FixedWidth(m.stored_type))) {
      return Status::Corruption("column " + m.name + ": value of " + std::to_string(e.size()) +
                                " bytes for a fixed-width type");
    }
    AppendFixed(m.stored_type, p, 1, out);
    return Status::OK();
  }
  const std::string bad = "column " + m.name + ": malformed multi-value entry";
  if (m.stored_type != StoredType::kBinary) {
    size_t w = size_t(FixedWidth(m.stored_type));
    size_t n;
    if (mv_fixed_has_count) {
      if (e.size() < 4) return Status::Corruption(bad);
      n = LoadBE32(p);
      if ((e.size() - 4) / w < n) return Status::Corruption(bad);
      p += 4;
    } else {
      if (e.size() % w) return Status::Corruption(bad);
      n = e.size() / w;
    }
    PE_RETURN_IF_ERROR(CheckMvValues(m, *out, uint64_t(out->offsets.back()) + n, w));
    AppendFixed(m.stored_type, p, n, out);
    out->offsets.push_back(out->offsets.back() + uint32_t(n));
    return Status::OK();
  }
  if (e.size() < 4) return Status::Corruption(bad);
  uint32_t n = LoadBE32(p);
  if ((e.size() - 4) / 4 < n) return Status::Corruption(bad);
  PE_RETURN_IF_ERROR(CheckMvValues(m, *out, uint64_t(out->offsets.back()) + n, 4));
  uint64_t pos = 4 + 4 * uint64_t(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t len = LoadBE32(p + 4 + 4 * size_t(i));
    if (len > e.size() - pos) return Status::Corruption(bad);
    PE_RETURN_IF_ERROR(AppendBinary(m, e.substr(pos, len), out));
    pos += len;
  }
  out->offsets.push_back(out->offsets.back() + n);
  return Status::OK();
}

void StartBatch(const ColumnMeta& m, uint32_t n, ColumnBatch* out) {
  if (!m.single_value) {
    out->offsets.clear();
    out->offsets.reserve(size_t(n) + 1);
    out->offsets.push_back(0);
  }
  if (m.stored_type == StoredType::kBinary) {
    out->bin_offsets.clear();
    out->bin_offsets.push_back(0);
  }
}

// Readers for the v1–v3 chunk layout (and fixed-byte v4+).
class ChunkReader final : public ForwardReader {
 public:
  static Result<std::unique_ptr<ForwardReader>> Open(const ColumnMeta& m, uint32_t total_docs,
                                                     Span buf, int version, ForwardKind* kind,
                                                     std::string* codec_name) {
    const std::string what = "column " + m.name + " raw forward index";
    std::unique_ptr<ChunkReader> r(new ChunkReader(m, buf, total_docs));
    if (buf.size() < 16) return Status::Corruption(what + ": header truncated");
    r->version_ = version;
    r->num_chunks_ = LoadBE32(buf.data() + 4);
    r->dpc_ = LoadBE32(buf.data() + 8);
    r->longest_ = LoadBE32(buf.data() + 12);
    uint64_t header = 16;
    r->codec_ = 1;  // version 1: always SNAPPY
    if (version >= 2) {
      if (buf.size() < 28) return Status::Corruption(what + ": header truncated");
      uint32_t docs = LoadBE32(buf.data() + 16);
      r->codec_ = int(LoadBE32(buf.data() + 20));
      header = LoadBE32(buf.data() + 24);
      if (docs != total_docs) {
        return Status::Corruption(what + ": header says " + std::to_string(docs) +
                                  " docs, segment has " + std::to_string(total_docs));
      }
    }
    if (r->codec_ < 0 || r->codec_ > 7) {
      return Status::NotSupported(what + ": chunk compression type id " +
                                  std::to_string(r->codec_));
    }
    *codec_name = CodecName(r->codec_);
    if (r->dpc_ == 0) return Status::Corruption(what + ": zero docs per chunk");
    if (uint64_t(r->num_chunks_) * r->dpc_ < total_docs) {
      return Status::Corruption(what + ": " + std::to_string(r->num_chunks_) + " chunks of " +
                                std::to_string(r->dpc_) + " docs cannot hold " +
                                std::to_string(total_docs) + " docs");
    }
    const uint64_t off_width = version >= 3 ? 8 : 4;
    if (!InBounds(buf, header, off_width * r->num_chunks_)) {
      return Status::Corruption(what + ": chunk offsets past the end");
    }
    r->offsets_.resize(size_t(r->num_chunks_) + 1);
    uint64_t data_start = header + off_width * r->num_chunks_;
    for (uint32_t c = 0; c < r->num_chunks_; ++c) {
      const uint8_t* p = buf.data() + header + off_width * c;
      r->offsets_[c] = off_width == 8 ? LoadBE64(p) : LoadBE32(p);
    }
    r->offsets_[r->num_chunks_] = buf.size();
    for (uint32_t c = 0; c < r->num_chunks_; ++c) {
      if (r->offsets_[c] < data_start || r->offsets_[c] > r->offsets_[c + 1]) {
        return Status::Corruption(what + ": chunk " + std::to_string(c) + " offset out of range");
      }
    }
    const bool fixed_sv = m.single_value && m.stored_type != StoredType::kBinary;
    *kind = fixed_sv ? ForwardKind::kRawFixedChunk : ForwardKind::kRawVarChunk;
    if (fixed_sv) {
      r->capacity_ = size_t(r->dpc_) * size_t(FixedWidth(m.stored_type));
    } else {
      r->capacity_ = size_t(r->dpc_) * (4 + size_t(r->longest_));
    }
    // A chunk is one Java byte array/ByteBuffer: under 2 GiB.
    if (r->capacity_ > (size_t(1) << 31)) {
      return Status::Corruption(what + ": header declares chunks of " +
                                std::to_string(r->capacity_) + " bytes (numDocsPerChunk " +
                                std::to_string(r->dpc_) + ", lengthOfLongestEntry " +
                                std::to_string(r->longest_) + "), more than 2 GiB");
    }
    return std::unique_ptr<ForwardReader>(std::move(r));
  }

  Status Read(uint32_t first, uint32_t n, ColumnBatch* out) override {
    StartBatch(m_, n, out);
    const bool fixed_sv = m_.single_value && m_.stored_type != StoredType::kBinary;
    const size_t w = size_t(FixedWidth(m_.stored_type));
    uint32_t doc = first, end = first + n;
    while (doc < end) {
      uint32_t c = doc / dpc_;
      PE_RETURN_IF_ERROR(Load(c));
      uint32_t in_chunk = doc - c * dpc_;
      uint32_t take = std::min(end - doc, dpc_ - in_chunk);
      if (fixed_sv) {
        if ((size_t(in_chunk) + take) * w > chunk_.size())
          return Corrupt("chunk holds too few values");
        AppendFixed(m_.stored_type, chunk_.data() + in_chunk * w, take, out);
      } else {
        for (uint32_t i = 0; i < take; ++i) {
          std::string_view e;
          PE_RETURN_IF_ERROR(VarEntry(c, in_chunk + i, &e));
          PE_RETURN_IF_ERROR(AppendEntry(m_, e, true, out));
        }
      }
      doc += take;
    }
    return Status::OK();
  }

 private:
  ChunkReader(const ColumnMeta& m, Span buf, uint32_t total_docs)
      : m_(m), buf_(buf), total_docs_(total_docs) {}

  Status Corrupt(const std::string& what) const {
    return Status::Corruption("column " + m_.name + " raw forward index: " + what);
  }

  Status Load(uint32_t c) {
    if (c == cur_) return Status::OK();
    if (c >= num_chunks_) return Corrupt("doc past the last chunk");
    Span in = buf_.subspan(offsets_[c], offsets_[c + 1] - offsets_[c]);
    cur_ = UINT32_MAX;
    if (codec_ == 0) {
      if (in.size() > capacity_) in = in.subspan(0, capacity_);
      chunk_ = in;
    } else {
      Status s = Decompress(codec_, in, capacity_, /*gzip_le_size=*/false, &scratch_);
      if (!s.ok()) {
        return s.WithContext("column " + m_.name + " raw forward index chunk " + std::to_string(c));
      }
      chunk_ = Span(reinterpret_cast<const uint8_t*>(scratch_.data()), scratch_.size());
    }
    cur_ = c;
    return Status::OK();
  }

  // Entry i of the current (var-framed) chunk c.
  Status VarEntry(uint32_t c, uint32_t i, std::string_view* e) const {
    const uint64_t hdr = 4 * uint64_t(dpc_);
    if (chunk_.size() < std::min<uint64_t>(hdr, 4 * uint64_t(i + 1)))
      return Corrupt("chunk header truncated");
    uint64_t s = LoadBE32(chunk_.data() + 4 * size_t(i));
    uint64_t e_end = chunk_.size();
    bool last_doc = i + 1 == dpc_ || uint64_t(c) * dpc_ + i + 1 == total_docs_;
    if (!last_doc && 4 * uint64_t(i + 2) <= chunk_.size()) {
      uint64_t nx = LoadBE32(chunk_.data() + 4 * size_t(i) + 4);
      if (nx != 0) e_end = nx;
    }
    if (s > e_end || e_end > chunk_.size()) return Corrupt("value offsets out of range");
    *e = std::string_view(reinterpret_cast<const char*>(chunk_.data()) + s, e_end - s);
    return Status::OK();
  }

  const ColumnMeta& m_;
  Span buf_;
  uint32_t total_docs_;
  int version_ = 0;
  uint32_t num_chunks_ = 0, dpc_ = 0, longest_ = 0;
  int codec_ = 0;
  size_t capacity_ = 0;
  std::vector<uint64_t> offsets_;
  uint32_t cur_ = UINT32_MAX;
  Span chunk_;
  std::string scratch_;
};

class VarByteV4Reader final : public ForwardReader {
 public:
  static Result<std::unique_ptr<ForwardReader>> Open(const ColumnMeta& m, uint32_t total_docs,
                                                     Span buf, int version,
                                                     std::string* codec_name) {
    const std::string what =
        "column " + m.name + " raw forward index (V" + std::to_string(version) + ")";
    if (buf.size() < 16) return Status::Corruption(what + ": header truncated");
    std::unique_ptr<VarByteV4Reader> r(new VarByteV4Reader(m, buf, total_docs));
    r->version_ = version;
    r->target_ = LoadBE32(buf.data() + 4);
    r->codec_ = int(LoadBE32(buf.data() + 8));
    uint32_t chunks_start = LoadBE32(buf.data() + 12);
    if (r->codec_ < 0 || r->codec_ > 7) {
      return Status::NotSupported(what + ": chunk compression type id " +
                                  std::to_string(r->codec_));
    }
    *codec_name = CodecName(r->codec_);
    if (chunks_start < 16 || chunks_start > buf.size() || (chunks_start - 16) % 8) {
      return Status::Corruption(what + ": chunks start offset " + std::to_string(chunks_start) +
                                " out of range");
    }
    size_t n = (chunks_start - 16) / 8;
    if (total_docs > 0 && n == 0) return Status::Corruption(what + ": no chunks");
    r->first_doc_.resize(n);
    r->huge_.resize(n);
    r->offsets_.resize(n + 1);
    for (size_t c = 0; c < n; ++c) {
      const uint8_t* p = buf.data() + 16 + 8 * c;
      uint32_t d = LoadLE32(p);
      r->huge_[c] = (d & 0x80000000u) != 0;
      r->first_doc_[c] = d & 0x7FFFFFFFu;
      r->offsets_[c] = uint64_t(chunks_start) + LoadLE32(p + 4);
      if (c > 0 &&
          (r->first_doc_[c] <= r->first_doc_[c - 1] || r->offsets_[c] < r->offsets_[c - 1])) {
        return Status::Corruption(what + ": chunk metadata not increasing at chunk " +
                                  std::to_string(c));
      }
    }
    r->offsets_[n] = buf.size();
    if (n > 0 && (r->first_doc_[0] != 0 || r->offsets_[n - 1] > buf.size())) {
      return Status::Corruption(what + ": chunk metadata out of range");
    }
    return std::unique_ptr<ForwardReader>(std::move(r));
  }

  Status Read(uint32_t first, uint32_t n, ColumnBatch* out) override {
    StartBatch(m_, n, out);
    uint32_t doc = first, end = first + n;
    while (doc < end) {
      size_t c =
          size_t(std::upper_bound(first_doc_.begin(), first_doc_.end(), doc) - first_doc_.begin()) -
          1;
      PE_RETURN_IF_ERROR(Load(c));
      uint32_t in_chunk = doc - first_doc_[c];
      if (in_chunk >= chunk_docs_)
        return Corrupt("doc " + std::to_string(doc) + " not in its chunk");
      uint32_t take = std::min(end - doc, chunk_docs_ - in_chunk);
      for (uint32_t i = 0; i < take; ++i) {
        std::string_view e;
        PE_RETURN_IF_ERROR(Entry(in_chunk + i, &e));
        PE_RETURN_IF_ERROR(AppendEntry(m_, e, /*mv_fixed_has_count=*/version_ == 4, out));
      }
      doc += take;
    }
    return Status::OK();
  }

 private:
  VarByteV4Reader(const ColumnMeta& m, Span buf, uint32_t total_docs)
      : m_(m), buf_(buf), total_docs_(total_docs) {}
  Status Corrupt(const std::string& what) const {
    return Status::Corruption("column " + m_.name + " raw forward index: " + what);
  }

  Status Load(size_t c) {
    if (c == cur_) return Status::OK();
    cur_ = SIZE_MAX;
    Span in = buf_.subspan(offsets_[c], offsets_[c + 1] - offsets_[c]);
    size_t cap = huge_[c] ? std::max<size_t>(target_, kMaxHugeValueBytes) : target_;
    if (codec_ == 0) {
      chunk_ = in;
    } else {
      Status s = Decompress(codec_, in, cap, /*gzip_le_size=*/true, &scratch_);
      if (!s.ok()) {
        return s.WithContext("column " + m_.name + " raw forward index chunk " + std::to_string(c));
      }
      chunk_ = Span(reinterpret_cast<const uint8_t*>(scratch_.data()), scratch_.size());
    }
    uint32_t next_first = c + 1 < first_doc_.size() ? first_doc_[c + 1] : total_docs_;
    if (huge_[c]) {
      chunk_docs_ = 1;
    } else {
      if (chunk_.size() < 4) return Corrupt("chunk header truncated");
      chunk_docs_ = LoadLE32(chunk_.data());
      if (chunk_docs_ == 0 || (chunk_.size() - 4) / 4 < chunk_docs_)
        return Corrupt("chunk header truncated");
      // V6 with compression: sizes instead of offsets -> prefix-sum into offsets.
      starts_.resize(size_t(chunk_docs_) + 1);
      const uint64_t data0 = 4 * (uint64_t(chunk_docs_) + 1);
      if (version_ >= 6 && codec_ != 0) {
        uint64_t pos = data0;
        for (uint32_t i = 0; i < chunk_docs_; ++i) {
          starts_[i] = pos;
          pos += LoadLE32(chunk_.data() + 4 + 4 * size_t(i));
        }
        starts_[chunk_docs_] = pos;
      } else {
        for (uint32_t i = 0; i < chunk_docs_; ++i)
          starts_[i] = LoadLE32(chunk_.data() + 4 + 4 * size_t(i));
        starts_[chunk_docs_] = chunk_.size();
      }
      for (uint32_t i = 0; i < chunk_docs_; ++i) {
        if (starts_[i] < data0 || starts_[i] > starts_[i + 1] || starts_[i + 1] > chunk_.size()) {
          return Corrupt("value offsets out of range in chunk " + std::to_string(c));
        }
      }
    }
    if (first_doc_[c] + uint64_t(chunk_docs_) != next_first) {
      return Corrupt("chunk " + std::to_string(c) + " holds " + std::to_string(chunk_docs_) +
                     " docs, metadata says " + std::to_string(next_first - first_doc_[c]));
    }
    cur_ = c;
    return Status::OK();
  }

  Status Entry(uint32_t i, std::string_view* e) const {
    const char* p = reinterpret_cast<const char*>(chunk_.data());
    if (huge_[cur_]) {
      *e = std::string_view(p, chunk_.size());
    } else {
      *e = std::string_view(p + starts_[i], starts_[i + 1] - starts_[i]);
    }
    return Status::OK();
  }

  const ColumnMeta& m_;
  Span buf_;
  uint32_t total_docs_;
  int version_ = 4;
  uint32_t target_ = 0;
  int codec_ = 0;
  std::vector<uint32_t> first_doc_;
  std::vector<bool> huge_;
  std::vector<uint64_t> offsets_;
  size_t cur_ = SIZE_MAX;
  uint32_t chunk_docs_ = 0;
  std::vector<uint64_t> starts_;
  Span chunk_;
  std::string scratch_;
};

}  // namespace

Result<std::unique_ptr<ForwardReader>> OpenRawForward(const ColumnMeta& m, uint32_t total_docs,
                                                      Span buf, ForwardKind* kind, int* version,
                                                      std::string* codec) {
  const std::string what = "column " + m.name + " raw forward index";
  if (buf.size() >= 6 && std::memcmp(buf.data(), "CLP.v", 5) == 0) {
    *kind = ForwardKind::kClp;
    *codec = std::string("CLP.v") + char(buf[5]);
    return Status::NotSupported("column " + m.name + ": CLP-encoded forward index (" + *codec +
                                ") is not supported yet");
  }
  if (buf.size() < 4) return Status::Corruption(what + ": header truncated");
  int v = int(LoadBE32(buf.data()));
  *version = v;
  const bool fixed_sv = m.single_value && m.stored_type != StoredType::kBinary;
  if (fixed_sv && v >= 1 && v <= 6) {
    return ChunkReader::Open(m, total_docs, buf, v, kind, codec);
  }
  if (v >= 4 && v <= 6) {
    *kind = ForwardKind::kRawVarChunkV4;
    return VarByteV4Reader::Open(m, total_docs, buf, v, codec);
  }
  if (v >= 1 && v <= 3) return ChunkReader::Open(m, total_docs, buf, v, kind, codec);
  return Status::NotSupported(what + ": version " + std::to_string(v));
}

}  // namespace pe::segment
