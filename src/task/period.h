// task/: Pinot period strings ("1d", "6h", "30m", "1h30m", "2d12h", "90s").
//
// Pinot parses them with TimeUtils.convertPeriodToMillis: a Joda PeriodFormatter of days "d",
// hours "h", minutes "m" and seconds "s", each optional but in that order, suffixes matched
// case-insensitively. We accept exactly that grammar (non-negative whole numbers, at least one
// unit, no spaces) and reject everything else with a one-line error naming the text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pe::task {

// Milliseconds of `period`. Errors: kInvalidArgument ("invalid period '<text>' ...").
Result<int64_t> ParsePeriodMs(std::string_view period);

// The canonical form of `ms` (whole seconds), e.g. 5400000 -> "1h30m"; 0 -> "0s".
std::string FormatPeriod(int64_t ms);

}  // namespace pe::task
