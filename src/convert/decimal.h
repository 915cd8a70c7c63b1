// BIG_DECIMAL → Parquet DECIMAL(P, S) as FIXED_LEN_BYTE_ARRAY (LogicalTypes.md "DECIMAL":
// unscaled value, big-endian two's complement, fixed length n holds precision
// floor(log10(2^(8n-1) - 1))).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace pe::convert {

// Smallest byte length whose two's complement range holds every `precision`-digit number.
int DecimalBytes(int precision);

// Converts a serialized Pinot BigDecimal (BigDecimalUtils: BE int16 scale + BigInteger bytes) to
// the unscaled value at `scale`, as `len` big-endian two's-complement bytes. A value that would
// lose digits at `scale` or needs more than `precision` digits is kInvalidArgument naming the
// value.
Status ToDecimalBytes(std::string_view pinot, int precision, int scale, int len, std::string* out);

}  // namespace pe::convert
