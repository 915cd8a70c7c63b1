// Endian-explicit loads/stores over raw bytes. Pinot index files are big-endian
// (PinotDataBuffer is mapped BIG_ENDIAN); var-byte V4+ chunk framing, LZ4 length prefixes and
// Roaring's portable format are little-endian; Parquet is little-endian throughout.
// These helpers do not bounds-check: callers check every offset against the buffer first.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace pe {

inline uint16_t LoadBE16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t LoadBE32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t LoadBE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
inline uint32_t LoadLE32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t LoadLE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void StoreBE32(uint8_t* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline void StoreBE64(uint8_t* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}
inline void StoreLE32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void StoreLE64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }

inline void AppendBE32(std::string* s, uint32_t v) {
  uint8_t b[4];
  StoreBE32(b, v);
  s->append(reinterpret_cast<const char*>(b), 4);
}
inline void AppendBE64(std::string* s, uint64_t v) {
  uint8_t b[8];
  StoreBE64(b, v);
  s->append(reinterpret_cast<const char*>(b), 8);
}
inline void AppendLE32(std::string* s, uint32_t v) {
  uint8_t b[4];
  StoreLE32(b, v);
  s->append(reinterpret_cast<const char*>(b), 4);
}
inline void AppendLE64(std::string* s, uint64_t v) {
  uint8_t b[8];
  StoreLE64(b, v);
  s->append(reinterpret_cast<const char*>(b), 8);
}

// Bits needed to store values in [0, max_value]; at least 1 (PinotDataBitSet.getNumBitsPerValue).
inline int BitsFor(uint32_t max_value) {
  return max_value == 0 ? 1 : 32 - __builtin_clz(max_value);
}

}  // namespace pe
