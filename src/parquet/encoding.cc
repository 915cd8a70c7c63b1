#include "parquet/encoding.h"

namespace pe::parquet {

namespace {

// Bit-packs n values (n a multiple of 8 after padding) LSB-first.
template <typename T>
void AppendBitPacked(const T* v, size_t n, size_t padded, int bw, std::string* out) {
  uint64_t acc = 0;
  int bits = 0;
  const size_t start = out->size();
  out->reserve(start + padded * bw / 8);
  for (size_t i = 0; i < padded; ++i) {
    uint64_t x = i < n ? uint64_t(v[i]) : 0;
    acc |= x << bits;
    bits += bw;
    while (bits >= 8) {
      out->push_back(char(acc & 0xff));
      acc >>= 8;
      bits -= 8;
    }
  }
  // padded * bw is a multiple of 8, so nothing is left in acc.
}

template <typename T>
void EmitLiterals(const T* v, size_t n, int bw, std::string* out) {
  if (n == 0) return;
  size_t groups = (n + 7) / 8;
  AppendVarint(out, (uint64_t(groups) << 1) | 1);
  AppendBitPacked(v, n, groups * 8, bw, out);
}

template <typename T>
void EmitRun(T value, size_t count, int bw, std::string* out) {
  AppendVarint(out, uint64_t(count) << 1);
  uint32_t x = uint32_t(value);
  for (int b = 0; b < (bw + 7) / 8; ++b) out->push_back(char((x >> (8 * b)) & 0xff));
}

template <typename T>
void Encode(const T* v, size_t n, int bw, std::string* out) {
  size_t lit_start = 0;  // literals pending: [lit_start, i)
  size_t i = 0;
  while (i < n) {
    size_t j = i + 1;
    while (j < n && v[j] == v[i]) ++j;
    const size_t run = j - i;
    if (run >= 8) {
      // Literal groups in the middle of the stream must hold a multiple of 8 values: borrow the
      // first k values of the run to complete the last group, RLE-encode the rest (>= 1).
      const size_t pending = i - lit_start;
      const size_t k = (8 - pending % 8) % 8;
      EmitLiterals(v + lit_start, pending + k, bw, out);
      EmitRun(v[i], run - k, bw, out);
      lit_start = j;
    }
    i = j;
  }
  EmitLiterals(v + lit_start, n - lit_start, bw, out);
}

}  // namespace

void EncodeHybrid(const uint32_t* v, size_t n, int bw, std::string* out) { Encode(v, n, bw, out); }
void EncodeHybrid(const uint8_t* v, size_t n, int bw, std::string* out) { Encode(v, n, bw, out); }

void PackBooleans(const uint8_t* v, size_t n, std::string* out) {
  size_t start = out->size();
  out->resize(start + (n + 7) / 8, '\0');
  char* p = out->data() + start;
  for (size_t i = 0; i < n; ++i) {
    if (v[i]) p[i >> 3] = char(uint8_t(p[i >> 3]) | (1u << (i & 7)));
  }
}

}  // namespace pe::parquet
