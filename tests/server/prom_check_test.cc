// The exposition-format checker used by the server tests rejects what the format forbids (so a
// passing /metrics check means something). Inputs are hand-written from the format description.
#include "prom_check.h"

#include <gtest/gtest.h>

namespace pe::prom {
namespace {

std::string CheckText(const std::string& text) {
  Exposition e;
  return Check(text, &e);
}

TEST(PromCheck, AcceptsTheFormatsOwnExample) {
  // Adapted from the example in the exposition format documentation.
  const std::string text =
      "# HELP http_requests_total The total number of HTTP requests.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
      "\n"
      "# Escaping in label values:\n"
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
      "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
      "metric_without_timestamp_and_labels 12.47\n"
      "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
      "# HELP rpc_duration_seconds A summary of the RPC duration in seconds.\n"
      "# TYPE rpc_duration_seconds summary\n"
      "rpc_duration_seconds{quantile=\"0.5\"} 4773\n"
      "rpc_duration_seconds_sum 1.7560473e+07\n"
      "rpc_duration_seconds_count 2693\n";
  Exposition e;
  ASSERT_EQ(Check(text, &e), "");
  ASSERT_EQ(e.samples.size(), 8u);
  EXPECT_EQ(e.samples[2].labels.at("path"), "C:\\DIR\\FILE.TXT");
  EXPECT_EQ(e.samples[2].labels.at("error"), "Cannot find file:\n\"FILE.TXT\"");
  EXPECT_EQ(e.types.at("rpc_duration_seconds"), "summary");
}

TEST(PromCheck, RejectsViolations) {
  EXPECT_NE(CheckText("a 1"), "");                                      // no final newline
  EXPECT_NE(CheckText("1a 1\n"), "");                                   // bad name
  EXPECT_NE(CheckText("a{b=\"x\\t\"} 1\n"), "");                        // bad escape
  EXPECT_NE(CheckText("a{b=\"x} 1\n"), "");                             // unterminated value
  EXPECT_NE(CheckText("a{b=x} 1\n"), "");                               // unquoted value
  EXPECT_NE(CheckText("a{1b=\"x\"} 1\n"), "");                          // bad label name
  EXPECT_NE(CheckText("a one\n"), "");                                  // bad value
  EXPECT_NE(CheckText("a 1 12x\n"), "");                                // bad timestamp
  EXPECT_NE(CheckText("a{b=\"1\"} 1\na{b=\"1\"} 2\n"), "");             // duplicate
  EXPECT_NE(CheckText("a 1\nb 1\na{x=\"1\"} 1\n"), "");                 // interleaved
  EXPECT_NE(CheckText("# TYPE a counter\n# TYPE a gauge\na 1\n"), "");  // two TYPEs
  EXPECT_NE(CheckText("a 1\n# TYPE a counter\n"), "");                  // TYPE after samples
  EXPECT_NE(CheckText("# TYPE a countr\na 1\n"), "");                   // unknown type
  EXPECT_NE(CheckText("# HELP a bad \\q escape\na 1\n"), "");           // HELP escape
  EXPECT_NE(CheckText("# TYPE a summary\na 1\n"), "");                  // summary w/o quantile
  EXPECT_NE(CheckText("# TYPE a counter\na -1\n"), "");                 // negative counter
  EXPECT_NE(CheckText("a{b=\"1\"}1\n"), "");                            // no blank
}

}  // namespace
}  // namespace pe::prom
