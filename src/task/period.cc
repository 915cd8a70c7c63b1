#include "task/period.h"

#include <cctype>
#include <charconv>

namespace pe::task {

Result<int64_t> ParsePeriodMs(std::string_view period) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid period '" + std::string(period) + "': " + why +
                                   " (Pinot periods look like 1d, 6h, 30m, 1h30m, 2d12h)");
  };
  static constexpr struct {
    char unit;
    int64_t ms;
  } kUnits[] = {{'d', 86400000}, {'h', 3600000}, {'m', 60000}, {'s', 1000}};
  if (period.empty()) return bad("empty");
  int64_t total = 0;
  size_t next_unit = 0;  // units must come in the order d, h, m, s, each at most once
  std::string_view s = period;
  while (!s.empty()) {
    if (!std::isdigit(static_cast<unsigned char>(s[0]))) return bad("expected a number");
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc()) return bad("number too large");
    s.remove_prefix(size_t(p - s.data()));
    if (s.empty()) return bad("number without a unit");
    const char u = char(std::tolower(static_cast<unsigned char>(s[0])));
    size_t k = next_unit;
    while (k < 4 && kUnits[k].unit != u) ++k;
    if (k == 4)
      return bad(std::string("unexpected '") + s[0] + "' (units d, h, m, s in that order)");
    int64_t part;
    if (__builtin_mul_overflow(n, kUnits[k].ms, &part) ||
        __builtin_add_overflow(total, part, &total))
      return bad("too long");
    next_unit = k + 1;
    s.remove_prefix(1);
  }
  return total;
}

std::string FormatPeriod(int64_t ms) {
  int64_t s = ms / 1000;
  if (s <= 0) return "0s";
  std::string out;
  const int64_t parts[] = {s / 86400, s / 3600 % 24, s / 60 % 60, s % 60};
  const char units[] = {'d', 'h', 'm', 's'};
  for (int i = 0; i < 4; ++i)
    if (parts[i] != 0) out += std::to_string(parts[i]) + units[i];
  return out;
}

}  // namespace pe::task
