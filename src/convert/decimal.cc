#include "convert/decimal.h"

#include "segment/segment.h"

namespace pe::convert {

namespace {
using i128 = __int128;

i128 Pow10(int n) {
  i128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}
}  // namespace

int DecimalBytes(int precision) {
  // Need 2^(8n-1) > 10^precision - 1; 38 digits need all 16 bytes.
  if (precision < 1 || precision > kMaxDecimalPrecision) return 16;
  const i128 max = Pow10(precision) - 1;
  for (int n = 1; n < 16; ++n) {
    if (max <= (i128(1) << (8 * n - 1)) - 1) return n;
  }
  return 16;
}

Status ToDecimalBytes(std::string_view pinot, int precision, int scale, int len, std::string* out) {
  if (precision < 1 || precision > kMaxDecimalPrecision || scale < 0 || scale > precision ||
      len < DecimalBytes(precision) || len > 16) {
    return Status::InvalidArgument("DECIMAL(" + std::to_string(precision) + "," +
                                   std::to_string(scale) + ") in " + std::to_string(len) +
                                   " bytes is not a valid Parquet decimal");
  }
  int src_scale;
  std::string_view mag;
  PE_RETURN_IF_ERROR(segment::BigDecimalParts(pinot, &src_scale, &mag));
  auto text = [&] {
    auto t = segment::BigDecimalToString(pinot);
    return t.ok() ? *t : std::string("?");
  };
  auto no_fit = [&](const std::string& why) {
    return Status::InvalidArgument("value " + text() + " does not fit DECIMAL(" +
                                   std::to_string(precision) + "," + std::to_string(scale) +
                                   "): " + why);
  };
  auto too_many_digits = [&] {
    return no_fit("more than " + std::to_string(precision) + " digits");
  };
  // Sign-extend the two's complement magnitude into 128 bits (more than 16 significant bytes
  // cannot fit precision <= 38).
  bool neg = !mag.empty() && (uint8_t(mag[0]) & 0x80);
  size_t skip = 0;
  while (skip + 1 < mag.size() && uint8_t(mag[skip]) == (neg ? 0xFF : 0x00) &&
         ((uint8_t(mag[skip + 1]) & 0x80) != 0) == neg) {
    ++skip;
  }
  mag.remove_prefix(skip);
  if (mag.size() > 16) return no_fit("too many digits");
  unsigned __int128 u = neg ? ~(unsigned __int128)0 : 0;
  for (unsigned char c : mag) u = (u << 8) | c;
  i128 v = i128(u);
  // |v| < 10^precision <= 10^38 < 2^127 once it fits; rescaling up stops at the first product
  // past that bound (checked multiply: 10 x a value near 2^127 would overflow int128).
  const i128 limit = Pow10(precision);
  for (int diff = scale - src_scale; diff > 0; --diff) {
    if (__builtin_mul_overflow(v, 10, &v) || v >= limit || v <= -limit) return too_many_digits();
  }
  for (int diff = src_scale - scale; diff > 0 && v != 0; --diff) {
    if (v % 10 != 0) return no_fit("scale " + std::to_string(src_scale) + " would lose digits");
    v /= 10;
  }
  if (v >= limit || v <= -limit) return too_many_digits();
  out->resize(size_t(len));
  unsigned __int128 w = (unsigned __int128)v;
  for (int i = len - 1; i >= 0; --i) {
    (*out)[size_t(i)] = char(uint8_t(w & 0xFF));
    w >>= 8;
  }
  return Status::OK();
}

}  // namespace pe::convert
