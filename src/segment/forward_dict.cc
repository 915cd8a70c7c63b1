// Dictionary-encoded forward indexes → dictionary ids.
//
// Sorted SV (SortedIndexReaderImpl; writer SingleValueSortedForwardIndexCreator →
//   FixedByteSingleValueMultiColWriter): cardinality x {BE int startDoc, BE int endDoc
//   (inclusive)}.
// Unsorted SV (FixedBitSVForwardIndexReaderV2 / FixedBitSVForwardIndexWriter): totalDocs dict ids
//   bit-packed MSB-first with bitsPerElement bits, no header.
// MV (FixedBitMVForwardIndexReader / FixedBitMVForwardIndexWriter):
//   [numChunks x BE int: value index of each chunk's first doc]
//   [bitmap: ceil(totalEntries/8) bytes, MSB-first, bit v set iff value v is a doc's first value]
//   [totalEntries dict ids bit-packed with bitsPerElement bits]
//   docsPerChunk = ceil(2048f / (totalEntries / numDocs)) (integer division inside),
//   numChunks = ceil(numDocs / docsPerChunk).
// MV entry-dict (FixedBitMVEntryDictForwardIndexReader, codec MV_ENTRY_DICT): 24-byte BE header
//   {int magic 0xFFABCDEF, short version, byte bitsPerValue, byte bitsPerId, int numUniqueEntries,
//    int numTotalValues, int offsetBufferOffset, int valueBufferOffset}; @24 numDocs entry ids
//   (bitsPerId bits); offsets (numUnique+1 values of BitsFor(numTotalValues) bits); dict ids.
// Forward index disabled (InvertedIndexAndDictionaryBasedForwardIndexCreator): every doc of
//   inverted bitmap d gets dict id d; inverted layout (BitmapInvertedIndexReader):
//   (card+1) BE uint32 offsets, then portable Roaring bitmaps; offsets absolute (new) or relative
//   to the bitmap area (old) — normalised with offsets[0].
#include <roaring/roaring.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "segment/segment_internal.h"

namespace pe::segment {

namespace {

Status CheckIds(const ColumnMeta& m, const uint32_t* ids, size_t n) {
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i) bad |= ids[i] >= m.cardinality;
  if (bad) {
    return Status::Corruption("column " + m.name +
                              ": forward index holds a dictionary id >= cardinality " +
                              std::to_string(m.cardinality));
  }
  return Status::OK();
}

class SortedReader final : public ForwardReader {
 public:
  SortedReader(const ColumnMeta& m, Span buf) : m_(m), buf_(buf) {}
  Status Read(uint32_t first, uint32_t n, ColumnBatch* out) override {
    // Binary search for the id whose [start, end] holds `first`, then walk forward.
    uint32_t lo = 0, hi = m_.cardinality;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (End(mid) < first)
        lo = mid + 1;
      else
        hi = mid;
    }
    uint32_t id = lo;
    out->ids.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t doc = first + i;
      while (id < m_.cardinality && End(id) < doc) ++id;
      if (id >= m_.cardinality || Start(id) > doc) {
        return Status::Corruption("column " + m_.name + ": sorted index does not cover doc " +
                                  std::to_string(doc));
      }
      out->ids[i] = id;
    }
    return Status::OK();
  }

 private:
  uint32_t Start(uint32_t id) const { return LoadBE32(buf_.data() + 8 * size_t(id)); }
  uint32_t End(uint32_t id) const { return LoadBE32(buf_.data() + 8 * size_t(id) + 4); }
  const ColumnMeta& m_;
  Span buf_;
};

class FixedBitSVReader final : public ForwardReader {
 public:
  FixedBitSVReader(const ColumnMeta& m, Span buf, int bits) : m_(m), buf_(buf), bits_(bits) {}
  Status Read(uint32_t first, uint32_t n, ColumnBatch* out) override {
    out->ids.resize(n);
    UnpackBits(buf_.data(), bits_, first, n, out->ids.data());
    return CheckIds(m_, out->ids.data(), n);
  }

 private:
  const ColumnMeta& m_;
  Span buf_;
  int bits_;
};

class FixedBitMVReader final : public ForwardReader {
 public:
  FixedBitMVReader(const ColumnMeta& m, Span buf, uint32_t docs_per_chunk, uint32_t num_chunks,
                   uint64_t bitmap_off, uint64_t ids_off, int bits)
      : m_(m),
        buf_(buf),
        dpc_(docs_per_chunk),
        num_chunks_(num_chunks),
        bitmap_off_(bitmap_off),
        ids_off_(ids_off),
        bits_(bits) {}

  Status Read(uint32_t first, uint32_t n, ColumnBatch* out) override {
    // Position (doc, value index) at `first`: continue from the last read if sequential, else
    // start at the chunk's first doc and skip by walking the bitmap.
    if (!(have_pos_ && pos_doc_ == first)) {
      uint32_t chunk = first / dpc_;
      if (chunk >= num_chunks_) return Corrupt("doc past the last chunk");
      uint64_t v = LoadBE32(buf_.data() + 4 * size_t(chunk));
      uint32_t doc = chunk * dpc_;
      if (v >= m_.total_entries) return Corrupt("chunk offset past the values");
      pos_doc_ = doc;
      pos_val_ = v;
      while (pos_doc_ < first) {
        PE_RETURN_IF_ERROR(NextDocEnd(&pos_val_));
        ++pos_doc_;
      }
    }
    out->offsets.resize(size_t(n) + 1);
    out->offsets[0] = 0;
    uint64_t start = pos_val_;
    uint64_t v = pos_val_;
    for (uint32_t i = 0; i < n; ++i) {
      PE_RETURN_IF_ERROR(NextDocEnd(&v));
      out->offsets[i + 1] = uint32_t(v - start);
    }
    PE_RETURN_IF_ERROR(CheckBatchBytes(m_, *out, 4 * (v - start), "values"));
    size_t nv = size_t(v - start);
    out->ids.resize(nv);
    UnpackBits(buf_.data() + ids_off_, bits_, start, nv, out->ids.data());
    pos_doc_ = first + n;
    pos_val_ = v;
    have_pos_ = true;
    return CheckIds(m_, out->ids.data(), nv);
  }

 private:
  bool BitSet(uint64_t v) const { return (buf_[bitmap_off_ + (v >> 3)] >> (7 - (v & 7))) & 1; }
  // *v is a doc's first value index; advances it past that doc's values.
  Status NextDocEnd(uint64_t* v) const {
    if (*v >= m_.total_entries) return Corrupt("more docs than values");
    *v = NextSetBit(*v + 1);
    return Status::OK();
  }
  // The first doc-start bit at index >= x, or total_entries. The bitmap is MSB-first within
  // each byte (PinotDataBitSet), so a big-endian 64-bit load puts bit x at bit 63 - (x & 7).
  uint64_t NextSetBit(uint64_t x) const {
    const uint64_t total = m_.total_entries;
    const uint64_t nbytes = (total + 7) / 8;
    while (x < total) {
      const uint64_t byte = x >> 3;
      if (byte + 8 <= nbytes) {
        uint64_t w = LoadBE64(buf_.data() + bitmap_off_ + byte) << (x & 7);
        if (w) return std::min(total, x + uint64_t(__builtin_clzll(w)));
        x = (byte + 8) << 3;
      } else {
        if (BitSet(x)) return x;
        ++x;
      }
    }
    return total;
  }
  Status Corrupt(const std::string& what) const {
    return Status::Corruption("column " + m_.name + ": multi-value forward index: " + what);
  }
  const ColumnMeta& m_;
  Span buf_;
  uint32_t dpc_, num_chunks_;
  uint64_t bitmap_off_, ids_off_;
  int bits_;
  bool have_pos_ = false;
  uint32_t pos_doc_ = 0;
  uint64_t pos_val_ = 0;
};

class EntryDictMVReader final : public ForwardReader {
 public:
  EntryDictMVReader(const ColumnMeta& m, Span buf, int bits_value, int bits_id, uint32_t unique,
                    uint32_t total_values, uint32_t off_off, uint32_t val_off)
      : m_(m),
        buf_(buf),
        bits_value_(bits_value),
        bits_id_(bits_id),
        bits_off_(BitsFor(total_values)),
        unique_(unique),
        total_values_(total_values),
        off_off_(off_off),
        val_off_(val_off) {}

  Status Read(uint32_t first, uint32_t n, ColumnBatch* out) override {
    entries_.resize(n);
    UnpackBits(buf_.data() + 24, bits_id_, first, n, entries_.data());
    // Docs share entries, so n docs can name far more values than the file holds: validate and
    // count first, then allocate once.
    starts_.resize(n);
    out->offsets.resize(size_t(n) + 1);
    out->offsets[0] = 0;
    uint64_t total = 0;
    uint32_t se[2];
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t e = entries_[i];
      if (e >= unique_)
        return Status::Corruption("column " + m_.name + ": MV entry id out of range");
      UnpackBits(buf_.data() + off_off_, bits_off_, e, 2, se);
      if (se[0] > se[1] || se[1] > total_values_) {
        return Status::Corruption("column " + m_.name + ": MV entry offsets out of range");
      }
      // Pinot's reader fills a buffer of maxNumberOfMultiValues ids per doc.
      if (m_.max_multi_values > 0 && se[1] - se[0] > m_.max_multi_values) {
        return Status::Corruption("column " + m_.name + ": MV entry " + std::to_string(e) +
                                  " holds " + std::to_string(se[1] - se[0]) +
                                  " values, more than maxNumberOfMultiValues " +
                                  std::to_string(m_.max_multi_values));
      }
      starts_[i] = se[0];
      total += se[1] - se[0];
      PE_RETURN_IF_ERROR(CheckBatchBytes(m_, *out, 4 * total, "values"));
      out->offsets[i + 1] = uint32_t(total);
    }
    out->ids.resize(size_t(total));
    for (uint32_t i = 0; i < n; ++i) {
      UnpackBits(buf_.data() + val_off_, bits_value_, starts_[i],
                 out->offsets[i + 1] - out->offsets[i], out->ids.data() + out->offsets[i]);
    }
    return CheckIds(m_, out->ids.data(), out->ids.size());
  }

 private:
  const ColumnMeta& m_;
  Span buf_;
  int bits_value_, bits_id_, bits_off_;
  uint32_t unique_, total_values_, off_off_, val_off_;
  std::vector<uint32_t> entries_, starts_;
};

// Materialises the forward index from the inverted index once (4 bytes per doc): rebuilding it is
// what Pinot itself does on load, and the bitmaps give no cheaper per-range access.
class RebuiltReader final : public ForwardReader {
 public:
  explicit RebuiltReader(std::vector<uint32_t> ids) : ids_(std::move(ids)) {}
  Status Read(uint32_t first, uint32_t n, ColumnBatch* out) override {
    out->ids.assign(ids_.begin() + first, ids_.begin() + first + n);
    return Status::OK();
  }

 private:
  std::vector<uint32_t> ids_;
};

}  // namespace

Result<std::unique_ptr<ForwardReader>> OpenDictForward(const ColumnMeta& m, uint32_t total_docs,
                                                       Span buf, ForwardKind* kind) {
  const std::string what = "column " + m.name + " forward index";
  const int bits =
      m.bits_per_element > 0 ? m.bits_per_element : BitsFor(m.cardinality ? m.cardinality - 1 : 0);
  if (bits > 32) return Status::Corruption(what + ": bitsPerElement " + std::to_string(bits));
  if (m.single_value && m.sorted) {
    *kind = ForwardKind::kDictSorted;
    if (buf.size() != 8 * uint64_t(m.cardinality)) {
      return Status::Corruption(what + ": sorted index has " + std::to_string(buf.size()) +
                                " bytes, expected 8 x cardinality " +
                                std::to_string(m.cardinality));
    }
    return std::unique_ptr<ForwardReader>(new SortedReader(m, buf));
  }
  if (m.single_value) {
    *kind = ForwardKind::kDictUnsorted;
    if (buf.size() < PackedBytes(total_docs, bits)) {
      return Status::Corruption(what + ": " + std::to_string(buf.size()) + " bytes, need " +
                                std::to_string(PackedBytes(total_docs, bits)) + " for " +
                                std::to_string(total_docs) + " docs x " + std::to_string(bits) +
                                " bits");
    }
    return std::unique_ptr<ForwardReader>(new FixedBitSVReader(m, buf, bits));
  }
  if (buf.size() > 4 && LoadBE32(buf.data()) == 0xFFABCDEFu) {
    *kind = ForwardKind::kDictMVEntry;
    if (buf.size() < 24) return Status::Corruption(what + ": MV_ENTRY_DICT header truncated");
    int bits_value = buf[6], bits_id = buf[7];
    uint32_t unique = LoadBE32(buf.data() + 8), total = LoadBE32(buf.data() + 12);
    uint32_t off_off = LoadBE32(buf.data() + 16), val_off = LoadBE32(buf.data() + 20);
    if (bits_value < 1 || bits_value > 32 || bits_id < 1 || bits_id > 32 ||
        !InBounds(buf, 24, PackedBytes(total_docs, bits_id)) ||
        !InBounds(buf, off_off, PackedBytes(uint64_t(unique) + 1, BitsFor(total))) ||
        !InBounds(buf, val_off, PackedBytes(total, bits_value))) {
      return Status::Corruption(what + ": MV_ENTRY_DICT sections out of range");
    }
    return std::unique_ptr<ForwardReader>(
        new EntryDictMVReader(m, buf, bits_value, bits_id, unique, total, off_off, val_off));
  }
  *kind = ForwardKind::kDictMV;
  if (total_docs == 0) return std::unique_ptr<ForwardReader>(new RebuiltReader({}));
  uint64_t total = m.total_entries;
  if (total < total_docs) return Status::Corruption(what + ": fewer values than docs");
  uint64_t avg = total / total_docs;
  uint32_t dpc = uint32_t(std::ceil(2048.0f / float(avg)));
  if (dpc == 0) dpc = 1;
  uint32_t num_chunks = (total_docs + dpc - 1) / dpc;
  uint64_t bitmap_off = 4 * uint64_t(num_chunks);
  uint64_t ids_off = bitmap_off + (total + 7) / 8;
  if (!InBounds(buf, ids_off, PackedBytes(total, bits))) {
    return Status::Corruption(what + ": " + std::to_string(buf.size()) + " bytes, too short for " +
                              std::to_string(total) + " values");
  }
  return std::unique_ptr<ForwardReader>(
      new FixedBitMVReader(m, buf, dpc, num_chunks, bitmap_off, ids_off, bits));
}

Result<std::unique_ptr<ForwardReader>> OpenRebuiltForward(const ColumnMeta& m, uint32_t total_docs,
                                                          Span inv) {
  const std::string what = "column " + m.name + " inverted index";
  if (!m.single_value) {
    return Status::NotSupported("column " + m.name +
                                ": multi-value column with forward index disabled (the inverted "
                                "index loses in-row order and duplicates)");
  }
  const uint32_t card = m.cardinality;
  if (!InBounds(inv, 0, (uint64_t(card) + 1) * 4)) return Status::Corruption(what + ": truncated");
  uint32_t base = LoadBE32(inv.data());
  // New writers store absolute offsets (first = header size); old ones relative to the bitmaps.
  uint64_t header = (uint64_t(card) + 1) * 4;
  uint64_t shift = base == header ? 0 : header - base;
  // Every doc is in exactly one bitmap: their cardinalities must add up to total docs before 4
  // bytes per doc are allocated (Roaring runs let a few bytes name millions of docs, so the file
  // size does not bound total docs; the bitmaps do).
  struct RoaringDeleter {
    void operator()(roaring_bitmap_t* b) const { roaring_bitmap_free(b); }
  };
  std::vector<std::unique_ptr<roaring_bitmap_t, RoaringDeleter>> bitmaps;
  uint64_t covered = 0;
  for (uint32_t d = 0; d < card; ++d) {
    uint64_t s = LoadBE32(inv.data() + 4 * size_t(d)) + shift;
    uint64_t e = LoadBE32(inv.data() + 4 * size_t(d) + 4) + shift;
    if (e < s || e > inv.size()) return Status::Corruption(what + ": bitmap offsets out of range");
    roaring_bitmap_t* bm = roaring_bitmap_portable_deserialize_safe(
        reinterpret_cast<const char*>(inv.data() + s), size_t(e - s));
    if (!bm) return Status::Corruption(what + ": bitmap " + std::to_string(d) + " is not Roaring");
    bitmaps.emplace_back(bm);
    covered += roaring_bitmap_get_cardinality(bm);
    if (roaring_bitmap_get_cardinality(bm) > 0 && roaring_bitmap_maximum(bm) >= total_docs) {
      return Status::Corruption(what + ": doc id past total docs");
    }
  }
  if (covered != total_docs) {
    return Status::Corruption(what + ": bitmaps hold " + std::to_string(covered) +
                              " docs, segment.total.docs is " + std::to_string(total_docs));
  }
  std::vector<uint32_t> ids(total_docs, UINT32_MAX);
  for (uint32_t d = 0; d < card; ++d) {
    roaring_uint32_iterator_t* it = roaring_create_iterator(bitmaps[d].get());
    while (it->has_value) {
      ids[it->current_value] = d;
      roaring_advance_uint32_iterator(it);
    }
    roaring_free_uint32_iterator(it);
    bitmaps[d].reset();
  }
  for (uint32_t doc = 0; doc < total_docs; ++doc) {
    if (ids[doc] == UINT32_MAX) {
      return Status::Corruption(what + ": doc " + std::to_string(doc) + " is in no bitmap");
    }
  }
  return std::unique_ptr<ForwardReader>(new RebuiltReader(std::move(ids)));
}

}  // namespace pe::segment
