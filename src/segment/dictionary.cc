// Immutable dictionaries (L/segment/index/readers/*Dictionary, BaseImmutableDictionary; writer
// L/segment/creator/impl/SegmentDictionaryCreator). Values are sorted ascending; dict id =
// position.
//
//   INT/BOOLEAN/FLOAT      cardinality x 4-byte BE
//   LONG/TIMESTAMP/DOUBLE  cardinality x 8-byte BE (IEEE 754 for floating point)
//   STRING/JSON fixed      cardinality x W bytes, right-padded with the pad byte; the value is the
//                          bytes before the first pad byte
//                          (FixedByteValueReaderWriter.readUnpaddedBytes). Legacy '%' padding
//                          strips from the FIRST '%'.
//   BYTES/BIG_DECIMAL/UUID fixed when all values have the same length: W bytes, no padding
//   var-length (".vl;")    magic 2E 76 6C 3B | BE int version (1) | BE int numValues |
//                          BE int dataSectionOffset | BE int offsets[numValues + 1] (absolute)
//                          (L/io/util/VarLengthValueWriter/Reader). Tested before fixed width.
// Also: UnpackBits for PinotDataBitSet (MSB-first bit packing).
#include <cstring>

#include "segment/segment_internal.h"

namespace pe::segment {

void UnpackBits(const uint8_t* buf, int bits, uint64_t first, size_t n, uint32_t* out) {
  // value i occupies bits [i*bits, (i+1)*bits), bit k = (buf[k>>3] >> (7 - (k&7))) & 1.
  // Read 8 bytes big-endian around the start bit; bits <= 32 so one 64-bit window covers a value
  // (start offset within byte <= 7, 7 + 32 <= 64). Near the buffer end fall back to byte loads.
  uint64_t bit = first * uint64_t(bits);
  const uint64_t mask = bits == 32 ? 0xFFFFFFFFull : ((1ull << bits) - 1);
  const uint64_t end_byte = PackedBytes(first + n, bits);
  for (size_t i = 0; i < n; ++i, bit += uint64_t(bits)) {
    uint64_t byte = bit >> 3;
    uint64_t w;
    if (byte + 8 <= end_byte) {
      w = LoadBE64(buf + byte);
    } else {
      w = 0;
      for (uint64_t k = 0; k < 8; ++k) {
        w = (w << 8) | (byte + k < end_byte ? buf[byte + k] : 0);
      }
    }
    out[i] = uint32_t((w >> (64 - (bit & 7) - uint64_t(bits))) & mask);
  }
}

void Dictionary::Gather(const uint32_t* ids, size_t n, ColumnBatch* out) const {
  switch (type()) {
    case StoredType::kInt32:
      for (size_t i = 0; i < n; ++i) out->i32.push_back(GetInt(ids[i]));
      break;
    case StoredType::kInt64:
      for (size_t i = 0; i < n; ++i) out->i64.push_back(GetLong(ids[i]));
      break;
    case StoredType::kFloat:
      for (size_t i = 0; i < n; ++i) out->f32.push_back(GetFloat(ids[i]));
      break;
    case StoredType::kDouble:
      for (size_t i = 0; i < n; ++i) out->f64.push_back(GetDouble(ids[i]));
      break;
    case StoredType::kBinary:
      if (out->bin_offsets.empty()) out->bin_offsets.push_back(uint32_t(out->bin_data.size()));
      for (size_t i = 0; i < n; ++i) {
        std::string_view v = GetBytes(ids[i]);
        out->bin_data.append(v);
        out->bin_offsets.push_back(uint32_t(out->bin_data.size()));
      }
      break;
  }
}

namespace {

class FixedNumericDictionary final : public Dictionary {
 public:
  FixedNumericDictionary(StoredType t, Span buf, uint32_t card) : t_(t), p_(buf.data()), n_(card) {}
  uint32_t size() const override { return n_; }
  StoredType type() const override { return t_; }
  int32_t GetInt(uint32_t id) const override { return int32_t(LoadBE32(p_ + 4 * size_t(id))); }
  int64_t GetLong(uint32_t id) const override { return int64_t(LoadBE64(p_ + 8 * size_t(id))); }
  float GetFloat(uint32_t id) const override {
    uint32_t b = LoadBE32(p_ + 4 * size_t(id));
    float f;
    std::memcpy(&f, &b, 4);
    return f;
  }
  double GetDouble(uint32_t id) const override {
    uint64_t b = LoadBE64(p_ + 8 * size_t(id));
    double d;
    std::memcpy(&d, &b, 8);
    return d;
  }
  std::string_view GetBytes(uint32_t) const override { return {}; }

 private:
  StoredType t_;
  const uint8_t* p_;
  uint32_t n_;
};

class FixedBytesDictionary final : public Dictionary {
 public:
  // pad < 0: no unpadding (BYTES/BIG_DECIMAL). Values are unpadded once at open so GetBytes is
  // a table lookup (the scan is O(cardinality x width), paid once).
  FixedBytesDictionary(Span buf, uint32_t card, uint32_t width, int pad) : n_(card) {
    lens_.resize(card);
    starts_.resize(card);
    for (uint32_t i = 0; i < card; ++i) {
      const uint8_t* e = buf.data() + size_t(i) * width;
      uint32_t len = width;
      if (pad >= 0) {
        const void* f = std::memchr(e, pad, width);
        if (f) len = uint32_t(static_cast<const uint8_t*>(f) - e);
      }
      starts_[i] = reinterpret_cast<const char*>(e);
      lens_[i] = len;
    }
  }
  uint32_t size() const override { return n_; }
  StoredType type() const override { return StoredType::kBinary; }
  int32_t GetInt(uint32_t) const override { return 0; }
  int64_t GetLong(uint32_t) const override { return 0; }
  float GetFloat(uint32_t) const override { return 0; }
  double GetDouble(uint32_t) const override { return 0; }
  std::string_view GetBytes(uint32_t id) const override { return {starts_[id], lens_[id]}; }

 private:
  uint32_t n_;
  std::vector<const char*> starts_;
  std::vector<uint32_t> lens_;
};

class VarLengthDictionary final : public Dictionary {
 public:
  VarLengthDictionary(Span buf, std::vector<uint32_t> offs)
      : p_(reinterpret_cast<const char*>(buf.data())), offs_(std::move(offs)) {}
  uint32_t size() const override { return uint32_t(offs_.size() - 1); }
  StoredType type() const override { return StoredType::kBinary; }
  int32_t GetInt(uint32_t) const override { return 0; }
  int64_t GetLong(uint32_t) const override { return 0; }
  float GetFloat(uint32_t) const override { return 0; }
  double GetDouble(uint32_t) const override { return 0; }
  std::string_view GetBytes(uint32_t id) const override {
    return {p_ + offs_[id], offs_[id + 1] - offs_[id]};
  }

 private:
  const char* p_;
  std::vector<uint32_t> offs_;
};

}  // namespace

// Validates and indexes a ".vl;" buffer (VarLengthValueReader). Shared with CLP dictionaries.
Result<std::vector<uint32_t>> ParseVarLengthOffsets(Span buf, const std::string& what) {
  if (buf.size() < 16) return Status::Corruption(what + ": var-length dictionary header truncated");
  uint32_t version = LoadBE32(buf.data() + 4);
  uint32_t n = LoadBE32(buf.data() + 8);
  uint32_t data_off = LoadBE32(buf.data() + 12);
  if (version != 1) {
    return Status::NotSupported(what + ": var-length dictionary version " +
                                std::to_string(version));
  }
  if (!InBounds(buf, data_off, (uint64_t(n) + 1) * 4)) {
    return Status::Corruption(what + ": var-length dictionary offsets past the end");
  }
  std::vector<uint32_t> offs(size_t(n) + 1);
  uint32_t prev = 0;
  for (uint32_t i = 0; i <= n; ++i) {
    uint32_t o = LoadBE32(buf.data() + data_off + 4 * size_t(i));
    if (o > buf.size() || (i > 0 && o < prev)) {
      return Status::Corruption(what + ": var-length dictionary offset " + std::to_string(i) +
                                " out of range");
    }
    offs[i] = prev = o;
  }
  return offs;
}

Result<std::unique_ptr<Dictionary>> OpenDictionary(const ColumnMeta& m, Span buf, char legacy_pad) {
  const std::string what = "column " + m.name + " dictionary";
  const uint32_t card = m.cardinality;
  if (m.stored_type != StoredType::kBinary) {
    size_t w = size_t(FixedWidth(m.stored_type));
    if (buf.size() != card * w) {
      return Status::Corruption(what + ": " + std::to_string(buf.size()) + " bytes, expected " +
                                std::to_string(card * w) + " (cardinality " + std::to_string(card) +
                                " x " + std::to_string(w) + ")");
    }
    return std::unique_ptr<Dictionary>(new FixedNumericDictionary(m.stored_type, buf, card));
  }
  static const uint8_t kVarMagic[4] = {0x2E, 0x76, 0x6C, 0x3B};  // ".vl;"
  if (buf.size() >= 4 && std::memcmp(buf.data(), kVarMagic, 4) == 0) {
    PE_ASSIGN_OR_RETURN(auto offs, ParseVarLengthOffsets(buf, what));
    if (offs.size() - 1 != card) {
      return Status::Corruption(what + ": holds " + std::to_string(offs.size() - 1) +
                                " values, cardinality is " + std::to_string(card));
    }
    return std::unique_ptr<Dictionary>(new VarLengthDictionary(buf, std::move(offs)));
  }
  // Fixed width: W = size / cardinality (an all-"" STRING dictionary has W = 0).
  if (card == 0) {
    if (!buf.empty()) return Status::Corruption(what + ": bytes present for cardinality 0");
    return std::unique_ptr<Dictionary>(new FixedBytesDictionary(buf, 0, 0, -1));
  }
  if (buf.size() % card != 0) {
    return Status::Corruption(what + ": " + std::to_string(buf.size()) +
                              " bytes is not a multiple of cardinality " + std::to_string(card));
  }
  uint32_t width = uint32_t(buf.size() / card);
  // Entries are distinct (sorted, id = position), so a 0-byte width holds only "": an empty
  // buffer cannot back a larger cardinality (and must not size the per-entry tables).
  if (width == 0 && card > 1) {
    return Status::Corruption(what + ": empty, but cardinality is " + std::to_string(card) +
                              " (0-byte entries hold at most one value)");
  }
  bool padded = m.data_type == DataType::kString || m.data_type == DataType::kJson;
  int pad = padded ? static_cast<unsigned char>(legacy_pad) : -1;
  return std::unique_ptr<Dictionary>(new FixedBytesDictionary(buf, card, width, pad));
}

}  // namespace pe::segment
