// Local file system: atomic upload/download (temp + fsync + rename), no temp files left.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/file.h"
#include "fs/fs.h"

namespace pe::fs {
namespace {

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    out.push_back(std::filesystem::relative(e.path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class LocalFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::move(TempDir::Make("pe-localfs").value());
    fs_ = std::move(OpenFileSystem(dir_.path(), {}, "").value());
  }
  std::string P(const std::string& rel) const { return dir_.path() + "/" + rel; }
  TempDir dir_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_F(LocalFsTest, UploadCreatesParentsAndReplacesAtomically) {
  ASSERT_TRUE(WriteFileAtomic(P("src"), "new contents").ok());
  ASSERT_TRUE(fs_->Upload(P("src"), "file://" + P("out/deep/x.parquet")).ok());
  EXPECT_EQ(ReadFileToString(P("out/deep/x.parquet")).value(), "new contents");
  // Replacing an open file: the reader keeps the old inode (rename, not truncate+write).
  ASSERT_TRUE(WriteFileAtomic(P("src2"), "v2").ok());
  std::ifstream reader(P("out/deep/x.parquet"));
  ASSERT_TRUE(fs_->Upload(P("src2"), P("out/deep/x.parquet")).ok());
  std::string old((std::istreambuf_iterator<char>(reader)), std::istreambuf_iterator<char>());
  EXPECT_EQ(old, "new contents");
  EXPECT_EQ(ReadFileToString(P("out/deep/x.parquet")).value(), "v2");
  EXPECT_EQ(Names(dir_.path()),
            (std::vector<std::string>{"out", "out/deep", "out/deep/x.parquet", "src", "src2"}));
}

TEST_F(LocalFsTest, FailedCopyLeavesNoTempFileAndKeepsTarget) {
  ASSERT_TRUE(WriteFileAtomic(P("target"), "keep me").ok());
  EXPECT_TRUE(fs_->Upload(P("missing"), P("target")).IsNotFound());
  EXPECT_TRUE(fs_->Download(P("missing"), P("target")).IsNotFound());
  // Unreadable source (a directory): the temp file is created then removed.
  std::filesystem::create_directories(P("adir"));
  EXPECT_FALSE(fs_->Upload(P("adir"), P("target")).ok());
  EXPECT_EQ(ReadFileToString(P("target")).value(), "keep me");
  EXPECT_EQ(Names(dir_.path()), (std::vector<std::string>{"adir", "target"}));
}

TEST_F(LocalFsTest, ExistsSizeReadRangeListDelete) {
  std::filesystem::create_directories(P("d/sub"));
  ASSERT_TRUE(WriteFileAtomic(P("d/a.parquet"), "0123456789").ok());
  ASSERT_TRUE(WriteFileAtomic(P("d/sub/b.parquet"), "xy").ok());
  ASSERT_TRUE(WriteFileAtomic(P("d2"), "z").ok());
  EXPECT_TRUE(fs_->Exists(P("d/a.parquet")).value());
  EXPECT_FALSE(fs_->Exists(P("nope")).value());
  EXPECT_EQ(fs_->Size(P("d/a.parquet")).value(), 10u);
  EXPECT_TRUE(fs_->Size(P("nope")).status().IsNotFound());
  EXPECT_EQ(fs_->ReadRange(P("d/a.parquet"), 3, 4).value(), "3456");
  EXPECT_EQ(fs_->ReadRange(P("d/a.parquet"), 8, 10).value(), "89");
  EXPECT_EQ(fs_->ReadRange(P("d/a.parquet"), 20, 10).value(), "");
  auto list = fs_->List(P("d/"));
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].uri, P("d/a.parquet"));
  EXPECT_EQ((*list)[1].uri, P("d/sub/b.parquet"));
  EXPECT_EQ((*list)[1].size, 2u);
  // Modification times are the files' (epoch ms), within the test's run.
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (const auto& f : *list) {
    EXPECT_LE(f.mtime_ms, now_ms) << f.uri;
    EXPECT_GT(f.mtime_ms, now_ms - 60'000) << f.uri;
  }
  EXPECT_EQ(fs_->List(P("d")).value().size(), 3u);  // key-prefix semantics: d2 too
  auto furi = fs_->List("file://" + P("d/sub"));
  ASSERT_EQ(furi->size(), 1u);
  EXPECT_EQ((*furi)[0].uri, "file://" + P("d/sub/b.parquet"));
  ASSERT_TRUE(fs_->Delete(P("d2")).ok());
  EXPECT_TRUE(fs_->Delete(P("d2")).ok());
  EXPECT_FALSE(fs_->Exists(P("d2")).value());
  std::string out = P("copy");
  ASSERT_TRUE(fs_->Download(P("d/a.parquet"), out).ok());
  EXPECT_EQ(ReadFileToString(out).value(), "0123456789");
}

}  // namespace
}  // namespace pe::fs
