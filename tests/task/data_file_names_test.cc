// The data file names StageSegment gives ("<segment>-<32 hex>.parquet") and their recognition,
// which `pinot-export iceberg orphans` relies on to touch only pinot-export's files.
#include <gtest/gtest.h>

#include "task/iceberg_target.h"

namespace pe::task {
namespace {

TEST(DataFileNames, PinotExportNamesAreRecognised) {
  EXPECT_TRUE(
      IsDataFileName("events__0__3__20261110T0500Z-0123456789abcdef0123456789abcdef.parquet"));
  EXPECT_TRUE(IsDataFileName("s-ffffffffffffffffffffffffffffffff.parquet"));
}

TEST(DataFileNames, OtherNamesAreNot) {
  for (const std::string other : {
           // Spark / Java Iceberg: <partition>-<task>-<uuid>-<file>.parquet.
           "00000-0-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-00001.parquet",
           // The filesystem target's <segment>.parquet.
           "events__0__3__20261110T0500Z.parquet",
           // No segment name, upper-case or short hex, other suffixes.
           "-0123456789abcdef0123456789abcdef.parquet",
           "0123456789abcdef0123456789abcdef.parquet",
           "s-0123456789ABCDEF0123456789abcdef.parquet",
           "s-0123456789abcdef0123456789abcde.parquet",
           "s_0123456789abcdef0123456789abcdef.parquet",
           "s-0123456789abcdef0123456789abcdef.parquet.tmp",
           "s-0123456789abcdef0123456789abcdef.avro",
           // Hidden: temps are recognised as temps, never as data files.
           ".s-0123456789abcdef0123456789abcdef.parquet",
           "",
       }) {
    EXPECT_FALSE(IsDataFileName(other)) << other;
  }
}

}  // namespace
}  // namespace pe::task
