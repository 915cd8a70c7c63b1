// BIG_DECIMAL → Parquet DECIMAL(P, S) as FIXED_LEN_BYTE_ARRAY (LogicalTypes.md "DECIMAL":
// unscaled value, big-endian two's complement, fixed length n holds precision
// floor(log10(2^(8n-1) - 1))).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace pe::convert {

// Largest precision a 16-byte FIXED_LEN_BYTE_ARRAY holds for every value: 10^38 - 1 < 2^127 - 1
// < 10^39 - 1. The converter's unscaled values are 128-bit integers.
inline constexpr int kMaxDecimalPrecision = 38;

// Smallest byte length whose two's complement range holds every `precision`-digit number
// (1 <= precision <= 38; any other precision gets 16).
int DecimalBytes(int precision);

// Converts a serialized Pinot BigDecimal (BigDecimalUtils: BE int16 scale + BigInteger bytes) to
// the unscaled value at `scale`, as `len` big-endian two's-complement bytes. A value that would
// lose digits at `scale` or needs more than `precision` digits is kInvalidArgument "value <plain
// decimal> does not fit DECIMAL(P,S): <why>"; rescaling uses checked 128-bit arithmetic, so no
// value can wrap. Arguments outside 1 <= precision <= 38, 0 <= scale <= precision,
// DecimalBytes(precision) <= len <= 16 are kInvalidArgument too.
Status ToDecimalBytes(std::string_view pinot, int precision, int scale, int len, std::string* out);

}  // namespace pe::convert
