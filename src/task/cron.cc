// Quartz cron expressions: parsing (org.quartz.CronExpression.buildExpression /
// storeExpressionVals) and next-fire-time evaluation (getTimeAfter), UTC only. See cron.h for the
// grammar.
#include "task/cron.h"

#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace pe::task {

namespace {

enum Field { kSecond, kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek, kYear };

struct FieldInfo {
  const char* name;
  int min, max;
};
constexpr std::array<FieldInfo, 7> kFields = {{
    {"seconds", 0, 59},
    {"minutes", 0, 59},
    {"hours", 0, 23},
    {"day-of-month", 1, 31},
    {"month", 1, 12},
    {"day-of-week", 1, 7},
    {"year", 1970, 2199},
}};
constexpr std::array<const char*, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 7> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

Status FieldError(Field f, std::string_view item, const std::string& why) {
  return Status::InvalidArgument("cron " + std::string(kFields[f].name) + " field '" +
                                 std::string(item) + "': " + why);
}

// Parses a number or (month/day-of-week) a three-letter name at the start of `s`; advances `s`.
Result<int> TakeValue(Field f, std::string_view item, std::string_view* s) {
  if (!s->empty() && std::isdigit(static_cast<unsigned char>((*s)[0]))) {
    int v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc()) return FieldError(f, item, "number out of range");
    s->remove_prefix(size_t(p - s->data()));
    if (v < kFields[f].min || v > kFields[f].max)
      return FieldError(f, item,
                        "value " + std::to_string(v) + " is not in " +
                            std::to_string(kFields[f].min) + "-" + std::to_string(kFields[f].max));
    return v;
  }
  if ((f == kMonth || f == kDayOfWeek) && s->size() >= 3) {
    std::string_view name = s->substr(0, 3);
    const char* const* names = f == kMonth ? kMonthNames.data() : kDayNames.data();
    int n = f == kMonth ? 12 : 7;
    for (int i = 0; i < n; ++i) {
      if (name == names[i]) {
        s->remove_prefix(3);
        return i + 1;
      }
    }
  }
  return FieldError(f, item, "expected a value");
}

Result<int> TakeNumber(Field f, std::string_view item, std::string_view* s, const char* what) {
  int v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p == s->data())
    return FieldError(f, item, std::string("'") + what + "' must be followed by a number");
  s->remove_prefix(size_t(p - s->data()));
  return v;
}

// Adds `first`, `first + step`, ... to `bits`: up to `last` (wrapping past the field's maximum to
// its minimum when last < first, as Quartz's overflowing ranges do).
template <size_t N>
void AddRange(Field f, int first, int last, int step, std::bitset<N>* bits, int bias) {
  const int lo = kFields[f].min, span = kFields[f].max - lo + 1;
  const int count = ((last - first) % span + span) % span;
  for (int k = 0; k <= count; k += step) bits->set(size_t(lo + (first - lo + k) % span - bias));
}

struct Parsed {
  std::bitset<60> values;  // bit v - bias
  bool no_spec = false;    // '?'
  bool last = false;       // L (day fields)
  int last_offset = 0;     // L-n
  bool weekday = false;    // W
  int nth = 0;             // #k
  int last_dow = 0;        // nL
};

// One comma-separated item of a plain list: *, */n, /n, a, a-b, a/n, a-b/n.
template <size_t N>
Status ParseListItem(Field f, std::string_view item, std::bitset<N>* bits, int bias) {
  const int lo = kFields[f].min, hi = kFields[f].max;
  std::string_view s = item;
  int first = lo, last = hi, step = 1;
  bool ranged = true;  // '*' or a-b: the values up to `last`; a alone: just a (a/n: a..max)
  if (!s.empty() && s[0] == '*') {
    s.remove_prefix(1);
  } else if (!s.empty() && s[0] == '/') {
    // "/n" is "*/n" (Quartz accepts a missing start).
  } else {
    PE_ASSIGN_OR_RETURN(first, TakeValue(f, item, &s));
    last = first;
    ranged = false;
    if (!s.empty() && s[0] == '-') {
      s.remove_prefix(1);
      PE_ASSIGN_OR_RETURN(last, TakeValue(f, item, &s));
      ranged = true;
    }
  }
  if (!s.empty() && s[0] == '/') {
    s.remove_prefix(1);
    PE_ASSIGN_OR_RETURN(step, TakeNumber(f, item, &s, "/"));
    if (step < 1 || step > hi - lo + 1)
      return FieldError(
          f, item,
          "increment " + std::to_string(step) + " is not in 1-" + std::to_string(hi - lo + 1));
    if (!ranged) last = hi;  // a/n: from a to the maximum (no wrap)
  }
  if (!s.empty()) return FieldError(f, item, "unexpected '" + std::string(s) + "'");
  AddRange(f, first, last, step, bits, bias);
  return Status::OK();
}

template <size_t N>
Status ParseList(Field f, std::string_view text, std::bitset<N>* bits, int bias) {
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (item.empty()) return FieldError(f, text, "empty list item");
    PE_RETURN_IF_ERROR(ParseListItem(f, item, bits, bias));
    if (comma == std::string_view::npos) return Status::OK();
    start = comma + 1;
  }
}

bool Contains(std::string_view s, char c) { return s.find(c) != std::string_view::npos; }

// `t` with month and day names blanked out, so that the 'L' of JUL or the 'W' of WED is not
// taken for a special character.
std::string WithoutNames(Field f, std::string_view t) {
  std::string out(t);
  if (f != kMonth && f != kDayOfWeek) return out;
  const char* const* names = f == kMonth ? kMonthNames.data() : kDayNames.data();
  const int n = f == kMonth ? 12 : 7;
  for (int i = 0; i < n; ++i)
    for (size_t p = out.find(names[i]); p != std::string::npos; p = out.find(names[i], p))
      out.replace(p, 3, "000");
  return out;
}

// Civil-date arithmetic on the proleptic Gregorian calendar (H. Hinnant's days_from_civil and
// civil_from_days algorithms), days counted from 1970-01-01.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year;
  int month, day, hour, minute, second;
};

Civil CivilFromSeconds(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t sod = t - days * 86400;
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  Civil c;
  c.day = int(doy - (153 * mp + 2) / 5 + 1);
  c.month = int(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2);
  c.hour = int(sod / 3600);
  c.minute = int(sod / 60 % 60);
  c.second = int(sod % 60);
  return c;
}

int64_t EpochSeconds(int64_t y, int m, int d, int h = 0, int mi = 0, int s = 0) {
  return DaysFromCivil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
}

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Quartz day-of-week: 1 = Sunday ... 7 = Saturday. 1970-01-01 was a Thursday (5).
int Weekday(int64_t y, int m, int d) {
  int64_t days = DaysFromCivil(y, m, d);
  return int(((days + 4) % 7 + 7) % 7) + 1;
}

// The weekday (Mon-Fri) nearest to day `d`, not leaving the month (CronExpression's 'W').
int NearestWeekday(int64_t y, int m, int d, int dim) {
  int w = Weekday(y, m, d);
  if (w == 7) return d == 1 ? 3 : d - 1;        // Saturday: Friday before, or Monday the 3rd
  if (w == 1) return d == dim ? d - 2 : d + 1;  // Sunday: Monday after, or Friday before
  return d;
}

template <size_t N>
std::optional<int> NextBit(const std::bitset<N>& b, int from, int to) {
  for (int i = from; i <= to; ++i)
    if (b[size_t(i)]) return i;
  return std::nullopt;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view expression) {
  std::string upper(expression);
  for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  std::vector<std::string_view> fields;
  {
    std::string_view s = upper;
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      size_t j = i;
      while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
      if (j > i) fields.push_back(s.substr(i, j - i));
      i = j;
    }
  }
  if (fields.size() != 6 && fields.size() != 7)
    return Status::InvalidArgument(
        "cron expression '" + std::string(expression) + "' has " + std::to_string(fields.size()) +
        " fields; Quartz expects 6 or 7: seconds minutes hours day-of-month month day-of-week "
        "[year]");

  CronSchedule c;
  c.text_ = std::string(expression);
  for (Field f : {kSecond, kMinute, kHour, kMonth, kYear}) {
    if (f == kYear && fields.size() == 6) {
      c.years_.set();
      continue;
    }
    std::string_view t = fields[f];
    const std::string plain = WithoutNames(f, t);
    if (t == "?" || Contains(plain, 'L') || Contains(plain, 'W') || Contains(plain, '#'))
      return FieldError(f, t, "'?', 'L', 'W' and '#' are for the day fields only");
    Status st;
    switch (f) {
      case kSecond:
        st = ParseList(f, t, &c.seconds_, 0);
        break;
      case kMinute:
        st = ParseList(f, t, &c.minutes_, 0);
        break;
      case kHour:
        st = ParseList(f, t, &c.hours_, 0);
        break;
      case kMonth:
        st = ParseList(f, t, &c.months_, 0);
        break;
      default:
        st = ParseList(f, t, &c.years_, 1970);
        break;
    }
    PE_RETURN_IF_ERROR(st);
  }

  const std::string_view dom = fields[kDayOfMonth], dow = fields[kDayOfWeek];
  if ((dom == "?") == (dow == "?"))
    return Status::InvalidArgument(
        "cron expression '" + std::string(expression) +
        "': exactly one of day-of-month and day-of-week must be '?' (Quartz does not support "
        "both)");
  c.by_day_of_month_ = dow == "?";
  if (c.by_day_of_month_) {
    std::string_view t = dom;
    if (Contains(t, '#')) return FieldError(kDayOfMonth, t, "'#' is for day-of-week");
    if (t[0] == 'L') {  // L, L-n, LW, L-nW
      if (Contains(t, ',')) return FieldError(kDayOfMonth, t, "'L' cannot be used in a list");
      c.last_day_ = true;
      std::string_view s = t.substr(1);
      if (!s.empty() && s[0] == '-') {
        s.remove_prefix(1);
        PE_ASSIGN_OR_RETURN(c.last_day_offset_, TakeNumber(kDayOfMonth, t, &s, "L-"));
        if (c.last_day_offset_ > 30)
          return FieldError(kDayOfMonth, t, "offset from the last day must be at most 30");
      }
      if (s == "W") {
        c.nearest_weekday_ = true;
      } else if (!s.empty()) {
        return FieldError(kDayOfMonth, t, "unexpected '" + std::string(s) + "'");
      }
    } else if (t.back() == 'W') {  // nW
      std::string_view s = t.substr(0, t.size() - 1);
      if (Contains(s, ',') || Contains(s, '-') || Contains(s, '/') || Contains(s, '*'))
        return FieldError(kDayOfMonth, t, "'W' takes a single day, not a list or range");
      std::string_view v = s;
      PE_ASSIGN_OR_RETURN(int day, TakeValue(kDayOfMonth, t, &v));
      if (!v.empty()) return FieldError(kDayOfMonth, t, "unexpected '" + std::string(v) + "'");
      c.nearest_weekday_ = true;
      c.days_of_month_.set(size_t(day));
    } else {
      if (Contains(t, 'L') || Contains(t, 'W'))
        return FieldError(kDayOfMonth, t, "'L' and 'W' cannot be combined with other days");
      PE_RETURN_IF_ERROR(ParseList(kDayOfMonth, t, &c.days_of_month_, 0));
    }
  } else {
    std::string_view t = dow;
    const std::string plain = WithoutNames(kDayOfWeek, t);
    if (Contains(plain, 'W')) return FieldError(kDayOfWeek, t, "'W' is for day-of-month");
    if (t == "L") {
      c.days_of_week_.set(7);           // 'L' alone is the last day of the week: Saturday
    } else if (Contains(plain, 'L')) {  // nL
      if (Contains(t, ',') || Contains(t, '-') || Contains(t, '/'))
        return FieldError(kDayOfWeek, t, "'L' cannot be used in a list or range");
      std::string_view s = t;
      PE_ASSIGN_OR_RETURN(c.last_weekday_, TakeValue(kDayOfWeek, t, &s));
      if (s != "L") return FieldError(kDayOfWeek, t, "expected a day followed by 'L'");
    } else if (Contains(t, '#')) {  // n#k
      if (Contains(t, ',') || Contains(t, '-') || Contains(t, '/'))
        return FieldError(kDayOfWeek, t, "'#' takes a single day, not a list or range");
      std::string_view s = t;
      PE_ASSIGN_OR_RETURN(c.nth_weekday_, TakeValue(kDayOfWeek, t, &s));
      if (s.empty() || s[0] != '#') return FieldError(kDayOfWeek, t, "expected n#k");
      s.remove_prefix(1);
      PE_ASSIGN_OR_RETURN(c.nth_, TakeNumber(kDayOfWeek, t, &s, "#"));
      if (!s.empty() || c.nth_ < 1 || c.nth_ > 5)
        return FieldError(kDayOfWeek, t, "the k of n#k must be 1-5");
    } else {
      PE_RETURN_IF_ERROR(ParseList(kDayOfWeek, t, &c.days_of_week_, 0));
    }
  }
  return c;
}

std::bitset<32> CronSchedule::DaysIn(int year, int month) const {
  std::bitset<32> days;
  const int dim = DaysInMonth(year, month);
  if (by_day_of_month_) {
    if (last_day_) {
      int d = dim - last_day_offset_;
      if (d < 1) return days;
      days.set(size_t(nearest_weekday_ ? NearestWeekday(year, month, d, dim) : d));
    } else if (nearest_weekday_) {
      auto d = NextBit(days_of_month_, 1, 31);
      if (d && *d <= dim) days.set(size_t(NearestWeekday(year, month, *d, dim)));
    } else {
      for (int d = 1; d <= dim; ++d) days[size_t(d)] = days_of_month_[size_t(d)];
    }
    return days;
  }
  const int first = Weekday(year, month, 1);
  if (nth_weekday_ != 0) {
    int d = 1 + (nth_weekday_ - first + 7) % 7 + 7 * (nth_ - 1);
    if (d <= dim) days.set(size_t(d));
  } else if (last_weekday_ != 0) {
    int last = Weekday(year, month, dim);
    days.set(size_t(dim - (last - last_weekday_ + 7) % 7));
  } else {
    for (int d = 1; d <= dim; ++d)
      if (days_of_week_[size_t((first - 1 + d - 1) % 7 + 1)]) days.set(size_t(d));
  }
  return days;
}

std::optional<int64_t> CronSchedule::NextAfter(int64_t after_ms) const {
  // The next whole second strictly after `after_ms`.
  int64_t t = (after_ms >= 0 ? after_ms / 1000 : (after_ms - 999) / 1000) + 1;
  const int64_t kStart = EpochSeconds(1970, 1, 1);
  if (t < kStart) t = kStart;
  // Every iteration either returns or moves t forward to the start of a later year, month, day,
  // hour or minute, so the loop ends by the end of 2199.
  while (true) {
    const Civil c = CivilFromSeconds(t);
    if (c.year > 2199) return std::nullopt;
    const int y = int(c.year);
    if (!years_[size_t(y - 1970)]) {
      auto next = NextBit(years_, y - 1970 + 1, 229);
      if (!next) return std::nullopt;
      t = EpochSeconds(1970 + *next, 1, 1);
      continue;
    }
    const int64_t next_month =
        c.month == 12 ? EpochSeconds(y + 1, 1, 1) : EpochSeconds(y, c.month + 1, 1);
    if (!months_[size_t(c.month)]) {
      t = next_month;
      continue;
    }
    auto day = NextBit(DaysIn(y, c.month), c.day, 31);
    if (!day) {
      t = next_month;
      continue;
    }
    if (*day != c.day) {
      t = EpochSeconds(y, c.month, *day);
      continue;
    }
    const int64_t midnight = EpochSeconds(y, c.month, c.day);
    auto hour = NextBit(hours_, c.hour, 23);
    if (!hour) {
      t = midnight + 86400;
      continue;
    }
    if (*hour != c.hour) {
      t = midnight + *hour * 3600;
      continue;
    }
    auto minute = NextBit(minutes_, c.minute, 59);
    if (!minute) {
      t = midnight + (c.hour + 1) * 3600;
      continue;
    }
    if (*minute != c.minute) {
      t = midnight + c.hour * 3600 + *minute * 60;
      continue;
    }
    auto second = NextBit(seconds_, c.second, 59);
    if (!second) {
      t = midnight + c.hour * 3600 + (c.minute + 1) * 60;
      continue;
    }
    return (midnight + c.hour * 3600 + c.minute * 60 + *second) * 1000;
  }
}

}  // namespace pe::task
