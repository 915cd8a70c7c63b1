// Pinot period strings: the examples of the DataExportTask reference and of
// TimeUtils.convertPeriodToMillis ("1d" = 86400000, "4h30m"), checked against arithmetic.
#include "task/period.h"

#include <gtest/gtest.h>

namespace pe::task {
namespace {

TEST(Period, PinotExamples) {
  const int64_t s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  EXPECT_EQ(*ParsePeriodMs("1d"), 86400000);
  EXPECT_EQ(*ParsePeriodMs("6h"), 6 * h);
  EXPECT_EQ(*ParsePeriodMs("30m"), 30 * m);
  EXPECT_EQ(*ParsePeriodMs("1h30m"), h + 30 * m);
  EXPECT_EQ(*ParsePeriodMs("2d12h"), 2 * d + 12 * h);
  EXPECT_EQ(*ParsePeriodMs("4h30m"), 4 * h + 30 * m);
  EXPECT_EQ(*ParsePeriodMs("90s"), 90 * s);
  EXPECT_EQ(*ParsePeriodMs("1d2h3m4s"), d + 2 * h + 3 * m + 4 * s);
  EXPECT_EQ(*ParsePeriodMs("0d"), 0);
  EXPECT_EQ(*ParsePeriodMs("48H"), 48 * h);  // Joda matches suffixes case-insensitively
}

TEST(Period, RejectsWhatJodaRejects) {
  for (const char* bad : {"", "d", "1", "1x", "1h1d", "1d1d", "-1d", "1 d", " 1d", "1.5h", "1w",
                          "99999999999999999999d", "200000000000d"}) {
    auto r = ParsePeriodMs(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_TRUE(r.status().IsInvalidArgument());
      EXPECT_NE(r.status().message().find("'" + std::string(bad) + "'"), std::string::npos)
          << r.status().message();
    }
  }
}

TEST(Period, FormatRoundTrips) {
  EXPECT_EQ(FormatPeriod(86400000), "1d");
  EXPECT_EQ(FormatPeriod(5400000), "1h30m");
  EXPECT_EQ(FormatPeriod(0), "0s");
  for (const char* p : {"2d12h", "1d2h3m4s", "45m", "7s"})
    EXPECT_EQ(FormatPeriod(*ParsePeriodMs(p)), p);
}

}  // namespace
}  // namespace pe::task
