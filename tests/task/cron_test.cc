// Quartz cron schedules. Expected fire times come from Quartz's own documentation of each
// construct (the CronExpression javadoc and the CronTrigger tutorial's examples) and from Quartz's
// CronExpressionTest (quartz-core/src/test/java/org/quartz/CronExpressionTest.java), worked out
// on the calendar by hand; times are converted with libc's timegm, not with the code under test.
#include "task/cron.h"

#include <gtest/gtest.h>

#include <ctime>

namespace pe::task {
namespace {

// "YYYY-MM-DDTHH:MM:SS" (UTC) -> epoch ms, via libc.
int64_t Ms(const char* iso) {
  std::tm tm{};
  EXPECT_NE(strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << iso;
  return int64_t(timegm(&tm)) * 1000;
}

std::optional<int64_t> Next(const char* expr, const char* after) {
  auto c = CronSchedule::Parse(expr);
  EXPECT_TRUE(c.ok()) << expr << ": " << c.status().ToString();
  if (!c.ok()) return std::nullopt;
  return c->NextAfter(Ms(after));
}

#define EXPECT_NEXT(expr, after, want) \
  EXPECT_EQ(Next(expr, after), std::optional<int64_t>(Ms(want)))

TEST(Cron, EveryDayAtNoon) {
  // Tutorial: "0 0 12 * * ?" fires at 12pm (noon) every day.
  EXPECT_NEXT("0 0 12 * * ?", "2026-12-02T13:00:00", "2026-12-03T12:00:00");
  EXPECT_NEXT("0 0 12 * * ?", "2026-12-02T11:59:59", "2026-12-02T12:00:00");
  // Strictly after: a time that is itself a fire time gives the next one.
  EXPECT_NEXT("0 0 12 * * ?", "2026-12-02T12:00:00", "2026-12-03T12:00:00");
  // Milliseconds past a fire time count as "after" it.
  auto c = CronSchedule::Parse("0 0 12 * * ?");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->NextAfter(Ms("2026-12-02T12:00:00") + 500), Ms("2026-12-03T12:00:00"));
  EXPECT_EQ(c->NextAfter(Ms("2026-12-02T12:00:00") - 1), Ms("2026-12-02T12:00:00"));
}

TEST(Cron, WeekdayRangesAndNames) {
  // Tutorial: "0 15 10 ? * MON-FRI" fires at 10:15am every weekday. 2026-12-04 is a Friday.
  EXPECT_NEXT("0 15 10 ? * MON-FRI", "2026-12-04T10:15:00", "2026-12-07T10:15:00");
  EXPECT_NEXT("0 15 10 ? * 2-6", "2026-12-04T10:15:00", "2026-12-07T10:15:00");
  // Names are case-insensitive.
  EXPECT_NEXT("0 15 10 ? * mon-fri", "2026-12-05T00:00:00", "2026-12-07T10:15:00");
  // Tutorial: "0 0/5 14,18 * * ?" every 5 minutes from 2pm to 2:55pm and 6pm to 6:55pm.
  EXPECT_NEXT("0 0/5 14,18 * * ?", "2026-12-02T14:55:00", "2026-12-02T18:00:00");
  EXPECT_NEXT("0 0/5 14,18 * * ?", "2026-12-02T18:55:00", "2026-12-03T14:00:00");
  // Tutorial: "0 10,44 14 ? 3 WED" at 2:10pm and 2:44pm every Wednesday in March.
  EXPECT_NEXT("0 10,44 14 ? 3 WED", "2026-12-02T00:00:00", "2027-03-03T14:10:00");
  EXPECT_NEXT("0 10,44 14 ? MAR WED", "2027-03-03T14:10:00", "2027-03-03T14:44:00");
  // Names holding a special letter: the L of JUL, the W of WED.
  EXPECT_NEXT("0 0 0 1 JUL ?", "2026-12-02T00:00:00", "2027-07-01T00:00:00");
  EXPECT_NEXT("0 0 0 ? JUL WEDL", "2026-12-02T00:00:00", "2027-07-28T00:00:00");
}

TEST(Cron, StepsAndPinotStyleSchedules) {
  // Pinot's task docs schedule every 10 minutes with "0 */10 * ? * *".
  EXPECT_NEXT("0 */10 * ? * *", "2026-12-02T20:31:07", "2026-12-02T20:40:00");
  EXPECT_NEXT("0 */10 * ? * *", "2026-12-31T23:55:00", "2027-01-01T00:00:00");
  // Javadoc: "5/15" in the seconds field means 5, 20, 35, 50.
  EXPECT_NEXT("5/15 * * * * ?", "2026-12-02T20:00:50", "2026-12-02T20:01:05");
  EXPECT_NEXT("5/15 * * * * ?", "2026-12-02T20:00:21", "2026-12-02T20:00:35");
  // Javadoc: "7/6" in the month field turns on only month 7 (steps stop at the maximum).
  EXPECT_NEXT("0 0 0 1 7/6 ?", "2026-07-02T00:00:00", "2027-07-01T00:00:00");
  // Range with a step: 10-20/5 minutes = 10, 15, 20.
  EXPECT_NEXT("0 10-20/5 3 * * ?", "2026-12-02T03:15:00", "2026-12-02T03:20:00");
  EXPECT_NEXT("0 10-20/5 3 * * ?", "2026-12-02T03:20:00", "2026-12-03T03:10:00");
}

TEST(Cron, OverflowingRangesWrap) {
  // Javadoc: "22-2" in hours catches 10pm until 2am.
  EXPECT_NEXT("0 0 22-2 * * ?", "2026-12-02T02:30:00", "2026-12-02T22:00:00");
  EXPECT_NEXT("0 0 22-2 * * ?", "2026-12-02T23:00:00", "2026-12-03T00:00:00");
  EXPECT_NEXT("0 0 22-2 * * ?", "2026-12-03T01:00:00", "2026-12-03T02:00:00");
  // And "NOV-FEB" in months.
  EXPECT_NEXT("0 0 0 1 NOV-FEB ?", "2027-02-01T00:00:00", "2027-11-01T00:00:00");
  EXPECT_NEXT("0 0 0 1 NOV-FEB ?", "2026-12-01T00:00:00", "2027-01-01T00:00:00");
}

TEST(Cron, LastDayOfMonth) {
  // Tutorial: "0 15 10 L * ?" fires at 10:15am on the last day of every month.
  EXPECT_NEXT("0 15 10 L * ?", "2026-02-01T00:00:00", "2026-02-28T10:15:00");
  EXPECT_NEXT("0 15 10 L * ?", "2028-02-01T00:00:00", "2028-02-29T10:15:00");  // leap year
  EXPECT_NEXT("0 15 10 L * ?", "2026-04-30T10:15:00", "2026-05-31T10:15:00");
  // CronExpressionTest.testLastDayOffset: L-2 in October 2010 is the 29th, L-1 the 30th,
  // L-5W the 26th (a Tuesday), L-1W the 29th (the 30th is a Saturday: Friday the 29th).
  EXPECT_NEXT("0 15 10 L-2 * ? 2010", "2010-10-01T00:00:00", "2010-10-29T10:15:00");
  EXPECT_NEXT("0 15 10 L-1 * ? 2010", "2010-10-01T00:00:00", "2010-10-30T10:15:00");
  EXPECT_NEXT("0 15 10 L-5W * ? 2010", "2010-10-01T00:00:00", "2010-10-26T10:15:00");
  EXPECT_NEXT("0 15 10 L-1W * ? 2010", "2010-10-01T00:00:00", "2010-10-29T10:15:00");
  // "LW": the last weekday of the month. 2027-01-31 is a Sunday: Friday the 29th.
  EXPECT_NEXT("0 0 0 LW * ? *", "2027-01-01T00:00:00", "2027-01-29T00:00:00");
  // QTZ-259: consecutive fire times of "L-2" never repeat.
  auto c = CronSchedule::Parse("0 0 0 L-2 * ? *");
  ASSERT_TRUE(c.ok());
  int64_t t = Ms("2026-01-01T00:00:00");
  for (int i = 0; i < 25; ++i) {
    auto n = c->NextAfter(t);
    ASSERT_TRUE(n.has_value());
    ASSERT_GT(*n, t);
    t = *n;
  }
  EXPECT_EQ(t, Ms("2028-01-29T00:00:00"));  // 25th fire: January 2028 (31 - 2)
}

TEST(Cron, NearestWeekday) {
  // Javadoc: "15W": if the 15th is a Saturday, Friday the 14th; a Sunday, Monday the 16th; a
  // Tuesday, the 15th itself. 2026-08-15 is a Saturday, 2026-11-15 a Sunday, 2026-12-15 a
  // Tuesday.
  EXPECT_NEXT("0 0 12 15W * ?", "2026-08-01T00:00:00", "2026-08-14T12:00:00");
  EXPECT_NEXT("0 0 12 15W * ?", "2026-11-01T00:00:00", "2026-11-16T12:00:00");
  EXPECT_NEXT("0 0 12 15W * ?", "2026-12-01T00:00:00", "2026-12-15T12:00:00");
  // "1W" when the 1st is a Saturday (2026-08-01) fires on Monday the 3rd: it does not jump
  // back into the previous month.
  EXPECT_NEXT("0 0 12 1W * ?", "2026-07-31T13:00:00", "2026-08-03T12:00:00");
  // "31W" when the 31st is a Sunday (2027-01-31): Friday the 29th, not Monday in February.
  EXPECT_NEXT("0 0 12 31W * ?", "2027-01-02T00:00:00", "2027-01-29T12:00:00");
}

TEST(Cron, DayOfWeekLastAndNth) {
  // Tutorial: "0 15 10 ? * 6L" the last Friday of every month (December 2026: the 25th).
  EXPECT_NEXT("0 15 10 ? * 6L", "2026-12-02T00:00:00", "2026-12-25T10:15:00");
  // CronExpressionTest: "SUNL" the last Sunday (December 2026: the 27th).
  EXPECT_NEXT("0 0 0 ? * SUNL *", "2026-12-02T00:00:00", "2026-12-27T00:00:00");
  // Tutorial: "0 15 10 ? * 6#3" the third Friday of every month (December 2026: the 18th).
  EXPECT_NEXT("0 15 10 ? * 6#3", "2026-12-02T00:00:00", "2026-12-18T10:15:00");
  // CronExpressionTest: "2#3" the third Monday (December 2026: the 21st).
  EXPECT_NEXT("0 0 0 ? * 2#3 *", "2026-12-02T00:00:00", "2026-12-21T00:00:00");
  // Javadoc: "#5" in a month without a fifth such day does not fire that month. December 2026
  // has five Thursdays (3, 10, 17, 24, 31); February 2027 has four Mondays (1, 8, 15, 22), so
  // the next fifth Monday is March 29th, 2027.
  EXPECT_NEXT("0 0 0 ? * 5#5", "2026-12-02T00:00:00", "2026-12-31T00:00:00");
  EXPECT_NEXT("0 0 0 ? * MON#5", "2027-02-01T00:00:00", "2027-03-29T00:00:00");
  // Javadoc: 'L' alone in day-of-week means 7, Saturday.
  EXPECT_NEXT("0 15 10 ? * L", "2026-12-02T00:00:00", "2026-12-05T10:15:00");
}

TEST(Cron, YearsAndImpossibleDays) {
  // Tutorial: "0 15 10 * * ? 2005" fires every day during 2005 only.
  EXPECT_NEXT("0 15 10 * * ? 2005", "2004-12-31T23:00:00", "2005-01-01T10:15:00");
  EXPECT_EQ(Next("0 15 10 * * ? 2005", "2026-01-01T00:00:00"), std::nullopt);
  EXPECT_NEXT("0 0 0 1 1 ? 2027-2029", "2027-01-01T00:00:00", "2028-01-01T00:00:00");
  // February 29th: only in leap years.
  EXPECT_NEXT("0 0 0 29 2 ?", "2026-03-01T00:00:00", "2028-02-29T00:00:00");
  // February 30th never exists.
  EXPECT_EQ(Next("0 0 0 30 2 ?", "2026-01-01T00:00:00"), std::nullopt);
}

TEST(Cron, RejectsWhatQuartzRejects) {
  const char* bad[] = {
      "0 0 * * * *",           // QUARTZ-621: both day fields specified
      "0 0 * 4 * *",           // QUARTZ-621
      "0 0 * ? * ?",           // both '?'
      "0 43 9 1,5,29,L * ?",   // QUARTZ-640: L with other days of the month
      "0 43 9 ? * SAT,SUN,L",  // QUARTZ-640: L with other days of the week
      "0 43 9 ? * 6,7,L",      // QUARTZ-640
      "0/5 * * 32W 1 ?",       // QTZ-96: W with a day past 31
      "0/120 0 8-18 ? * 2-6",  // Issue #58: increment larger than the field
      "0 / 8-18 ? * 2-6",      // Issue #58: '/' not followed by a number
      "* * * * Foo ?",         // QUARTZ-574: not a month
      "* * * * Jan-Foo ?",     // QUARTZ-574
      "0 0 12 * *",            // five fields
      "0 0 12 * * ? 2026 1",   // eight fields
      "60 * * * * ?",          // second out of range
      "0 0 24 * * ?",          // hour out of range
      "0 0 0 0 * ?",           // day 0
      "0 0 0 ? 13 *",          // month 13
      "0 0 0 ? * 8",           // day-of-week 8
      "0 0 0 ? * 6#6",         // sixth Friday
      "0 0 0 1-5W * ?",        // W on a range
      "0 0 0 ? * 1#1,2#2",     // '#' in a list
      "0 0 L * * ?",           // L in hours
      "0 0 0 1,,2 * ?",        // empty list item
      "0 0 0 1 * ? 1969",      // year out of range
      "",
  };
  for (const char* e : bad) {
    auto c = CronSchedule::Parse(e);
    EXPECT_FALSE(c.ok()) << e;
    if (!c.ok()) {
      EXPECT_TRUE(c.status().IsInvalidArgument()) << e;
      EXPECT_EQ(c.status().message().find('\n'), std::string::npos);
    }
  }
  auto c = CronSchedule::Parse("0 0 25 * * ?");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("hours"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("25"), std::string::npos) << c.status().message();
}

}  // namespace
}  // namespace pe::task
