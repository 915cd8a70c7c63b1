// Forward index writers, byte for byte as Pinot's (classes cited per writer below).
#include "sample/forward.h"

#include <cmath>
#include <cstdio>
#include <map>

namespace pe::sample {

uint32_t DynamicTargetChunkSize(int64_t max_length, int target_docs_per_chunk,
                                int target_max_chunk_bytes) {
  // ForwardIndexUtils.getDynamicTargetChunkSize (TARGET_MIN_CHUNK_SIZE = 4 KiB).
  const int64_t kMin = 4 * 1024;
  if (target_docs_per_chunk < 0 || max_length * target_docs_per_chunk > INT32_MAX) {
    return uint32_t(std::max<int64_t>(target_max_chunk_bytes, kMin));
  }
  return uint32_t(std::max<int64_t>(
      std::min<int64_t>(max_length * target_docs_per_chunk, target_max_chunk_bytes), kMin));
}

namespace {

// ---- FixedBitSVForwardIndexWriter ----
class FixedBitSV final : public ForwardWriter {
 public:
  FixedBitSV(std::unique_ptr<OutFile> out, int bits) : out_(std::move(out)), packer_(bits) {}
  Status AddIds(const uint32_t* ids, size_t n) override {
    for (size_t i = 0; i < n; ++i) packer_.Put(ids[i], &buf_);
    if (buf_.size() >= (1u << 16)) {
      PE_RETURN_IF_ERROR(out_->Append(buf_));
      buf_.clear();
    }
    return Status::OK();
  }
  Status Finish() override {
    packer_.Finish(&buf_);
    PE_RETURN_IF_ERROR(out_->Append(buf_));
    return out_->Close();
  }

 private:
  std::unique_ptr<OutFile> out_;
  BitPacker packer_;
  std::string buf_;
};

// ---- SingleValueSortedForwardIndexCreator (FixedByteSingleValueMultiColWriter, 2 int columns)
// ----
class SortedSV final : public ForwardWriter {
 public:
  SortedSV(std::unique_ptr<OutFile> out, uint32_t card)
      : out_(std::move(out)), min_(card, INT32_MAX), max_(card, INT32_MIN) {}
  Status AddIds(const uint32_t* ids, size_t n) override {
    if (n != 1) return Status::InvalidArgument("sorted forward index is single-value");
    int32_t doc = next_++;
    uint32_t id = ids[0];
    if (id >= min_.size()) return Status::InvalidArgument("dict id out of range");
    min_[id] = std::min(min_[id], doc);
    max_[id] = std::max(max_[id], doc);
    return Status::OK();
  }
  Status Finish() override {
    std::string b;
    b.reserve(min_.size() * 8);
    for (size_t i = 0; i < min_.size(); ++i) {
      AppendBE32(&b, uint32_t(min_[i]));
      AppendBE32(&b, uint32_t(max_[i]));
    }
    PE_RETURN_IF_ERROR(out_->Append(b));
    return out_->Close();
  }

 private:
  std::unique_ptr<OutFile> out_;
  std::vector<int32_t> min_, max_;
  int32_t next_ = 0;
};

// ---- FixedBitMVForwardIndexWriter ----
// [numChunks BE ints: first value index of each chunk][bitmap: bit set at each doc's first value]
// [bit-packed dict ids]. docsPerChunk = ceil(2048f / (float)(totalValues / numDocs)).
class FixedBitMV final : public ForwardWriter {
 public:
  FixedBitMV(std::unique_ptr<OutFile> out, uint32_t num_docs, uint64_t total, int bits)
      : out_(std::move(out)), num_docs_(num_docs), total_(total), packer_(bits) {
    float avg = float(num_docs ? total / num_docs : 0);
    docs_per_chunk_ = uint32_t(std::ceil(double(2048.0f / avg)));
    if (docs_per_chunk_ == 0) docs_per_chunk_ = 1;
    num_chunks_ = (num_docs + docs_per_chunk_ - 1) / docs_per_chunk_;
    header_.assign(size_t(num_chunks_) * 4, '\0');
    bitmap_.assign(size_t((total + 7) / 8), '\0');
  }
  Status AddIds(const uint32_t* ids, size_t n) override {
    if (!started_) {
      // Reserve the header + bitmap sections; they are written at Finish.
      PE_RETURN_IF_ERROR(out_->Append(std::string(header_.size() + bitmap_.size(), '\0')));
      started_ = true;
    }
    uint64_t start = next_value_;
    uint32_t doc = next_doc_++;
    if (doc % docs_per_chunk_ == 0)
      StoreBE32(Header() + 4 * (doc / docs_per_chunk_), uint32_t(start));
    if (start < total_)
      bitmap_[start >> 3] = char(uint8_t(bitmap_[start >> 3]) | (0x80 >> (start & 7)));
    next_value_ += n;
    for (size_t i = 0; i < n; ++i) packer_.Put(ids[i], &buf_);
    if (buf_.size() >= (1u << 16)) {
      PE_RETURN_IF_ERROR(out_->Append(buf_));
      buf_.clear();
    }
    return Status::OK();
  }
  Status Finish() override {
    if (!started_)
      PE_RETURN_IF_ERROR(out_->Append(std::string(header_.size() + bitmap_.size(), '\0')));
    if (next_value_ != total_ || next_doc_ != num_docs_) {
      return Status::InvalidArgument("multi-value forward index: value count differs from stats");
    }
    packer_.Finish(&buf_);
    PE_RETURN_IF_ERROR(out_->Append(buf_));
    PE_RETURN_IF_ERROR(out_->WriteAt(0, header_));
    PE_RETURN_IF_ERROR(out_->WriteAt(header_.size(), bitmap_));
    return out_->Close();
  }

 private:
  uint8_t* Header() { return reinterpret_cast<uint8_t*>(header_.data()); }
  std::unique_ptr<OutFile> out_;
  uint32_t num_docs_;
  uint64_t total_;
  BitPacker packer_;
  uint32_t docs_per_chunk_ = 1, num_chunks_ = 0;
  std::string header_, bitmap_, buf_;
  bool started_ = false;
  uint32_t next_doc_ = 0;
  uint64_t next_value_ = 0;
};

// ---- FixedBitMVEntryDictForwardIndexWriter ----
class EntryDictMV final : public ForwardWriter {
 public:
  EntryDictMV(std::unique_ptr<OutFile> out, uint32_t num_docs, int bits)
      : out_(std::move(out)), bits_(bits) {
    doc_entries_.reserve(num_docs);
  }
  Status AddIds(const uint32_t* ids, size_t n) override {
    std::vector<uint32_t> key(ids, ids + n);
    auto [it, fresh] = ids_.emplace(std::move(key), uint32_t(entries_.size()));
    if (fresh) entries_.push_back(&it->first);
    doc_entries_.push_back(it->second);
    return Status::OK();
  }
  Status Finish() override {
    const uint32_t unique = uint32_t(entries_.size());
    uint64_t total = 0;
    for (const auto* e : entries_) total += e->size();
    const int bits_id = BitsFor(unique ? unique - 1 : 0);
    const int bits_off = BitsFor(uint32_t(total));
    const uint64_t id_bytes = (uint64_t(doc_entries_.size()) * bits_id + 7) / 8;
    const uint64_t off_bytes = ((uint64_t(unique) + 1) * bits_off + 7) / 8;
    const uint32_t off_off = uint32_t(24 + id_bytes);
    const uint32_t val_off = uint32_t(off_off + off_bytes);
    std::string b;
    AppendBE32(&b, 0xFFABCDEFu);
    b.push_back(0);
    b.push_back(1);  // short version 1
    b.push_back(char(bits_));
    b.push_back(char(bits_id));
    AppendBE32(&b, unique);
    AppendBE32(&b, uint32_t(total));
    AppendBE32(&b, off_off);
    AppendBE32(&b, val_off);
    BitPacker pid(bits_id);
    for (uint32_t e : doc_entries_) pid.Put(e, &b);
    pid.Finish(&b);
    BitPacker poff(bits_off);
    uint32_t start = 0;
    for (const auto* e : entries_) {
      poff.Put(start, &b);
      start += uint32_t(e->size());
    }
    poff.Put(start, &b);
    poff.Finish(&b);
    BitPacker pval(bits_);
    for (const auto* e : entries_) {
      for (uint32_t id : *e) pval.Put(id, &b);
    }
    pval.Finish(&b);
    PE_RETURN_IF_ERROR(out_->Append(b));
    return out_->Close();
  }

 private:
  std::unique_ptr<OutFile> out_;
  int bits_;
  std::map<std::vector<uint32_t>, uint32_t> ids_;
  std::vector<const std::vector<uint32_t>*> entries_;
  std::vector<uint32_t> doc_entries_;
};

// ---- BaseChunkForwardIndexWriter header (7 BE ints + chunk offsets) ----
std::string ChunkHeader(int version, uint32_t num_chunks, uint32_t dpc, uint32_t entry_size,
                        uint32_t total_docs, Codec codec, const std::vector<uint64_t>& offsets) {
  std::string h;
  AppendBE32(&h, uint32_t(version));
  AppendBE32(&h, num_chunks);
  AppendBE32(&h, dpc);
  AppendBE32(&h, entry_size);
  AppendBE32(&h, total_docs);
  AppendBE32(&h, uint32_t(codec));
  AppendBE32(&h, 28);  // dataHeaderStart
  for (uint32_t c = 0; c < num_chunks; ++c) {
    uint64_t off = c < offsets.size() ? offsets[c] : 0;
    if (version == 2)
      AppendBE32(&h, uint32_t(off));
    else
      AppendBE64(&h, off);
  }
  return h;
}

// ---- BaseChunkForwardIndexWriter (v2/v3 chunk files) ----
// What the fixed-byte and var-byte chunk writers share: a header placeholder written first and
// rewritten at the end with the chunk offsets, and each chunk compressed as a whole.
class BaseChunk : public ForwardWriter {
 protected:
  BaseChunk(std::unique_ptr<OutFile> out, int version, Codec codec, uint32_t total_docs)
      : out_(std::move(out)), version_(version), codec_(codec), total_docs_(total_docs) {}
  // Sets the docs per chunk, hence the chunk count and the header size.
  void SetDocsPerChunk(uint32_t dpc) {
    dpc_ = dpc;
    num_chunks_ = (total_docs_ + dpc - 1) / dpc;
    header_size_ = 28 + uint64_t(num_chunks_) * (version_ == 2 ? 4 : 8);
  }
  Status Start() {
    if (started_) return Status::OK();
    started_ = true;
    return out_->Append(std::string(header_size_, '\0'));
  }
  // Compresses chunk_ and appends it, recording its offset.
  Status WriteChunk() {
    PE_RETURN_IF_ERROR(CompressChunk(codec_, chunk_, /*le_sizes=*/false, &z_));
    offsets_.push_back(out_->size());
    return out_->Append(z_);
  }
  // Writes the header; `size_field` is the value width (fixed) or the longest entry (var).
  Status Close(uint32_t size_field) {
    PE_RETURN_IF_ERROR(Start());
    PE_RETURN_IF_ERROR(out_->WriteAt(
        0, ChunkHeader(version_, num_chunks_, dpc_, size_field, total_docs_, codec_, offsets_)));
    return out_->Close();
  }

  std::unique_ptr<OutFile> out_;
  int version_;
  Codec codec_;
  uint32_t total_docs_, dpc_ = 1, num_chunks_ = 0;
  uint64_t header_size_ = 0;
  bool started_ = false;
  std::string chunk_, z_;
  std::vector<uint64_t> offsets_;
};

// ---- FixedByteChunkForwardIndexWriter ----
class FixedByteChunk final : public BaseChunk {
 public:
  FixedByteChunk(std::unique_ptr<OutFile> out, int version, Codec codec, uint32_t total_docs,
                 uint32_t dpc, uint32_t width)
      : BaseChunk(std::move(out), version, codec, total_docs), width_(width) {
    // normalizeDocsPerChunk: version >= 4 uses power-of-2 chunk sizes.
    if (version >= 4 && (dpc & (dpc - 1)) != 0) {
      uint32_t p = 1;
      while (p < dpc) p <<= 1;
      dpc = p;
    }
    SetDocsPerChunk(dpc);
  }
  Status AddEntry(std::string_view e) override {
    PE_RETURN_IF_ERROR(Start());
    if (e.size() != width_) return Status::InvalidArgument("fixed-width value of wrong size");
    chunk_.append(e);
    if (chunk_.size() == size_t(dpc_) * width_) return Flush();
    return Status::OK();
  }
  Status Finish() override {
    PE_RETURN_IF_ERROR(Start());
    if (!chunk_.empty()) PE_RETURN_IF_ERROR(Flush());
    return Close(width_);
  }

 private:
  Status Flush() {
    PE_RETURN_IF_ERROR(WriteChunk());
    chunk_.clear();
    return Status::OK();
  }
  uint32_t width_;
};

// ---- VarByteChunkForwardIndexWriter (v2/v3) ----
// Chunk = numDocsPerChunk BE int offsets (from chunk start; 0 for missing docs of a partial
// chunk) + data, compressed as a whole.
class VarByteChunk final : public BaseChunk {
 public:
  VarByteChunk(std::unique_ptr<OutFile> out, int version, Codec codec, uint32_t total_docs,
               uint32_t dpc, uint32_t longest)
      : BaseChunk(std::move(out), version, codec, total_docs), longest_(longest) {
    SetDocsPerChunk(std::max<uint32_t>(dpc, 1));
    chunk_.assign(size_t(dpc_) * 4, '\0');
  }
  Status AddEntry(std::string_view e) override {
    PE_RETURN_IF_ERROR(Start());
    StoreBE32(reinterpret_cast<uint8_t*>(chunk_.data()) + 4 * size_t(in_chunk_),
              uint32_t(chunk_.size()));
    chunk_.append(e);
    if (++in_chunk_ == dpc_) return Flush();
    return Status::OK();
  }
  Status Finish() override {
    PE_RETURN_IF_ERROR(Start());
    if (in_chunk_ > 0) PE_RETURN_IF_ERROR(Flush());
    return Close(longest_);
  }

 private:
  Status Flush() {
    PE_RETURN_IF_ERROR(WriteChunk());
    chunk_.assign(size_t(dpc_) * 4, '\0');
    in_chunk_ = 0;
    return Status::OK();
  }
  uint32_t longest_, in_chunk_ = 0;
};

// ---- VarByteChunkForwardIndexWriterV4 / V5 / V6 ----
// BE header {version, chunkSize, compressionType, chunksStart}; LE metadata {docIdOffset (MSB =
// huge chunk), chunk offset}; regular chunk (LE) = numDocs, offsets (V6 + compression: sizes),
// data. A value that does not fit an empty chunk is a "huge" chunk compressed alone.
class VarByteV4 final : public ForwardWriter {
 public:
  VarByteV4(std::unique_ptr<OutFile> out, int version, Codec codec, uint32_t chunk_size)
      : out_(std::move(out)), version_(version), chunk_size_(chunk_size) {
    // ChunkCompressorFactory.getCompressor(type, upgradeToLengthPrefixed=true).
    codec_ = codec == Codec::kLz4 ? Codec::kLz4LengthPrefixed : codec;
    chunk_.reserve(chunk_size);
  }
  Status AddEntry(std::string_view e) override {
    if (!buf_) {
      auto b = OutFile::Create(out_->path() + ".buf");
      if (!b.ok()) return b.status();
      buf_ = std::move(b).value();
    }
    const uint64_t required = 4 + uint64_t(e.size());
    const uint64_t position = 4 + 4 * uint64_t(lens_.size()) + data_.size();
    if (position + required > chunk_size_) {
      PE_RETURN_IF_ERROR(FlushChunk());
      if (required > uint64_t(chunk_size_) - 4) {
        ++next_doc_;
        return WriteChunk(e, /*huge=*/true);
      }
    }
    lens_.push_back(uint32_t(e.size()));
    data_.append(e);
    ++next_doc_;
    return Status::OK();
  }
  Status Finish() override {
    if (buf_) PE_RETURN_IF_ERROR(FlushChunk());
    std::string h;
    AppendBE32(&h, uint32_t(version_));
    AppendBE32(&h, chunk_size_);
    AppendBE32(&h, uint32_t(codec_));
    AppendBE32(&h, uint32_t(16 + meta_.size()));
    h.append(meta_);
    PE_RETURN_IF_ERROR(out_->Append(h));
    if (buf_) {
      PE_RETURN_IF_ERROR(buf_->Close());
      PE_RETURN_IF_ERROR(out_->AppendFile(buf_->path()));
      std::remove(buf_->path().c_str());
    }
    return out_->Close();
  }

 private:
  Status FlushChunk() {
    if (lens_.empty()) return Status::OK();
    const uint32_t n = uint32_t(lens_.size());
    chunk_.clear();
    AppendLE32(&chunk_, n);
    const bool sizes = version_ >= 6 && codec_ != Codec::kPassThrough;
    uint32_t off = 4 * (n + 1);
    for (uint32_t i = 0; i < n; ++i) {
      AppendLE32(&chunk_, sizes ? lens_[i] : off);
      off += lens_[i];
    }
    chunk_.append(data_);
    lens_.clear();
    data_.clear();
    return WriteChunk(chunk_, false);
  }
  Status WriteChunk(std::string_view bytes, bool huge) {
    PE_RETURN_IF_ERROR(CompressChunk(codec_, bytes, /*le_sizes=*/true, &z_));
    AppendLE32(&meta_, doc_offset_ | (huge ? 0x80000000u : 0));
    AppendLE32(&meta_, uint32_t(chunk_offset_));
    chunk_offset_ += z_.size();
    PE_RETURN_IF_ERROR(buf_->Append(z_));
    doc_offset_ = next_doc_;
    return Status::OK();
  }
  std::unique_ptr<OutFile> out_, buf_;
  int version_;
  Codec codec_;
  uint32_t chunk_size_;
  std::vector<uint32_t> lens_;
  std::string data_, chunk_, z_, meta_;
  uint32_t doc_offset_ = 0, next_doc_ = 0;
  uint64_t chunk_offset_ = 0;
};

}  // namespace

std::unique_ptr<ForwardWriter> NewFixedBitSV(std::unique_ptr<OutFile> out, int bits) {
  return std::make_unique<FixedBitSV>(std::move(out), bits);
}
std::unique_ptr<ForwardWriter> NewSortedSV(std::unique_ptr<OutFile> out, uint32_t cardinality) {
  return std::make_unique<SortedSV>(std::move(out), cardinality);
}
std::unique_ptr<ForwardWriter> NewFixedBitMV(std::unique_ptr<OutFile> out, uint32_t num_docs,
                                             uint64_t total_values, int bits) {
  return std::make_unique<FixedBitMV>(std::move(out), num_docs, total_values, bits);
}
std::unique_ptr<ForwardWriter> NewEntryDictMV(std::unique_ptr<OutFile> out, uint32_t num_docs,
                                              int bits) {
  return std::make_unique<EntryDictMV>(std::move(out), num_docs, bits);
}
std::unique_ptr<ForwardWriter> NewFixedByteChunk(std::unique_ptr<OutFile> out, int version,
                                                 Codec codec, uint32_t total_docs,
                                                 uint32_t docs_per_chunk, uint32_t width) {
  return std::make_unique<FixedByteChunk>(std::move(out), version, codec, total_docs,
                                          docs_per_chunk, width);
}
std::unique_ptr<ForwardWriter> NewVarByteChunk(std::unique_ptr<OutFile> out, int version,
                                               Codec codec, uint32_t total_docs,
                                               uint32_t docs_per_chunk,
                                               uint32_t length_of_longest_entry) {
  return std::make_unique<VarByteChunk>(std::move(out), version, codec, total_docs, docs_per_chunk,
                                        length_of_longest_entry);
}
std::unique_ptr<ForwardWriter> NewVarByteV4(std::unique_ptr<OutFile> out, int version, Codec codec,
                                            uint32_t chunk_size) {
  return std::make_unique<VarByteV4>(std::move(out), version, codec, chunk_size);
}

}  // namespace pe::sample
