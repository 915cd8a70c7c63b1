// task/: Quartz cron schedules (the `schedule` key of a Pinot task config).
//
// Pinot's controller schedules minion tasks with Quartz CronTriggers, so `schedule` holds a
// Quartz cron expression (org.quartz.CronExpression), not a Unix one:
//
//   seconds minutes hours day-of-month month day-of-week [year]
//
//   field         values            special characters
//   seconds       0-59              , - * /
//   minutes       0-59              , - * /
//   hours         0-23              , - * /
//   day-of-month  1-31              , - * / ? L W   (L, L-n, LW, L-nW, nW)
//   month         1-12 or JAN-DEC   , - * /
//   day-of-week   1-7 or SUN-SAT    , - * / ? L #   (1 = SUN; L alone = SAT; nL = last n-day;
//                                                    n#k = k-th n-day of the month)
//   year          1970-2199         , - * /
//
// Exactly one of day-of-month and day-of-week is '?' (Quartz rejects both and neither). A range
// whose start is after its end wraps ("22-2" hours, "NOV-FEB"); "a/n" starts at a and steps by n
// up to the field's maximum; '*' before '/' is 0 (1 for the day and month fields). Names and
// letters are case-insensitive. Quartz rejects 'L' in a list, '#' in a list, 'W' on a range or
// list; so do we, with a one-line error naming the field.
//
// Times are evaluated in UTC (a deployment that wants local time writes the UTC hours).
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pe::task {

class CronSchedule {
 public:
  // Errors: kInvalidArgument naming the field and the offending text.
  static Result<CronSchedule> Parse(std::string_view expression);

  // The first fire time strictly after `after_ms` (epoch milliseconds, UTC), in epoch
  // milliseconds (always a whole second); nullopt when none is left (a year field in the past,
  // or a day that never exists such as "30 FEB").
  std::optional<int64_t> NextAfter(int64_t after_ms) const;

  const std::string& expression() const { return text_; }

 private:
  // Days of month (bit d, 1..31) on which the schedule fires in `year`/`month`.
  std::bitset<32> DaysIn(int year, int month) const;

  std::string text_;
  std::bitset<60> seconds_, minutes_;
  std::bitset<24> hours_;
  std::bitset<13> months_;       // bits 1..12
  std::bitset<230> years_;       // bit y - 1970, for 1970..2199
  bool by_day_of_month_ = true;  // false: by day of week (day-of-month is '?')
  // Day-of-month mode.
  std::bitset<32> days_of_month_;  // bits 1..31 (plain values)
  bool last_day_ = false;          // L or L-n
  int last_day_offset_ = 0;        // n of L-n
  bool nearest_weekday_ = false;   // W: LW, L-nW or nW (then days_of_month_ has one bit)
  // Day-of-week mode.
  std::bitset<8> days_of_week_;  // bits 1..7, 1 = Sunday
  int last_weekday_ = 0;         // nL: last n-day of the month (n in 1..7), 0 if unused
  int nth_weekday_ = 0;          // n#k: the k-th ...
  int nth_ = 0;                  // ... k
};

}  // namespace pe::task
