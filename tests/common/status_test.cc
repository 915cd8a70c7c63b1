#include "common/status.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/file.h"

namespace pe {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Status Quarter(int x, int* out) {
  PE_ASSIGN_OR_RETURN(int h, Half(x));
  PE_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::OK();
}

TEST(Status, PropagatesFirstError) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = Quarter(6, &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "odd: 3");
  EXPECT_EQ(s.WithContext("f").ToString(), "invalid argument: f: odd: 3");
}

TEST(AtomicFile, CommitAndAbortLeaveNoTemp) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  std::string target = dir->path() + "/x.bin";
  {
    auto f = AtomicFile::Create(target);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("hello").ok());
    EXPECT_FALSE(std::filesystem::exists(target));
    ASSERT_TRUE((*f)->Commit().ok());
  }
  EXPECT_EQ(*ReadFileToString(target), "hello");
  {
    auto f = AtomicFile::Create(dir->path() + "/y.bin");
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("partial").ok());
  }  // destroyed uncommitted
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir->path())) (void)e, ++n;
  EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace pe
