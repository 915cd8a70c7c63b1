// Parquet value and level encodings (internal to parquet/).
//   - RLE / bit-packed hybrid (Encodings.md "Run Length Encoding / Bit-Packing Hybrid
//     Encoding"): used for definition/repetition levels and dictionary indices.
//   - Bit packing is LSB-first within each byte, as that section specifies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace pe::parquet {

// ULEB128 (the hybrid encoding's run headers).
inline void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(char(uint8_t(v) | 0x80));
    v >>= 7;
  }
  out->push_back(char(v));
}

// Appends v[0..n) encoded with the hybrid encoding at `bit_width` (1..32), without any length
// prefix. Runs of 8 or more equal values become RLE runs; everything else is bit-packed in groups
// of 8 (the final group is zero-padded; readers stop at the page's value count).
void EncodeHybrid(const uint32_t* v, size_t n, int bit_width, std::string* out);
void EncodeHybrid(const uint8_t* v, size_t n, int bit_width, std::string* out);

// PLAIN BOOLEAN: one bit per value, LSB first (Encodings.md "Plain").
void PackBooleans(const uint8_t* v, size_t n, std::string* out);

}  // namespace pe::parquet
