// `pinot-export sample` end to end: --demo and --profile write readable segments; usage errors
// exit 2. (The --matrix output is checked segment by segment in matrix_test.cc.)
#include <gtest/gtest.h>

#include <filesystem>

#include "common/file.h"
#include "segment/segment.h"
#include "testing/testing.h"

namespace pe::sample {
namespace {

namespace fs = std::filesystem;

TEST(SampleCli, DemoTarballWithoutExtension) {
  auto dir = TempDir::Make("sample-cli");
  ASSERT_TRUE(dir.ok());
  const std::string seg = dir->path() + "/events__0__42__20261124T0000Z";
  auto r = pe::testing::RunCli({"sample", "--demo", "--rows", "2000", "--out", seg});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto s = segment::Segment::Open(seg);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->meta().name, "events__0__42__20261124T0000Z");
  EXPECT_EQ((*s)->meta().total_docs, 2000u);
  EXPECT_FALSE((*s)->meta().realtime_start_offset.empty());
  auto gz = pe::testing::RunCli(
      {"sample", "--demo", "--rows", "100", "--out", dir->path() + "/demo.tar.gz"});
  ASSERT_EQ(gz.exit_code, 0) << gz.err;
  EXPECT_TRUE(segment::Segment::Open(dir->path() + "/demo.tar.gz").ok());
}

TEST(SampleCli, ProfilesAndUsageErrors) {
  auto dir = TempDir::Make("sample-cli");
  ASSERT_TRUE(dir.ok());
  for (const char* p : {"dict", "raw"}) {
    const std::string seg = dir->path() + "/" + p;
    auto r = pe::testing::RunCli({"sample", "--profile", p, "--rows", "3000", "--out", seg});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto s = segment::Segment::Open(seg);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ((*s)->meta().total_docs, 3000u);
  }
  EXPECT_EQ(pe::testing::RunCli({"sample", "--out", dir->path() + "/x"}).exit_code, 2);
  EXPECT_EQ(pe::testing::RunCli({"sample", "--matrix", "--demo", "--out", dir->path()}).exit_code,
            2);
  EXPECT_EQ(pe::testing::RunCli({"sample", "--profile", "nope", "--out", dir->path()}).exit_code,
            2);
}

}  // namespace
}  // namespace pe::sample
