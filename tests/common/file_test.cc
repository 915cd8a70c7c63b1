// common/file.h temp names: while an AtomicFile is being written, its directory holds nothing a
// lake engine would read as data (Spark, Hive and Trino skip names starting with '.' or '_').
#include "common/file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

namespace pe {
namespace {

std::set<std::string> Names(const std::string& dir) {
  std::set<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(dir)) out.insert(e.path().filename());
  return out;
}

bool Hidden(const std::string& name) { return name[0] == '.' || name[0] == '_'; }

TEST(AtomicFile, TempFileIsHiddenBesideTheTarget) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(WriteFileAtomic(dir->path() + "/done.parquet", "PAR1").ok());
  const std::string target = dir->path() + "/part-0.parquet";
  {
    auto f = AtomicFile::Create(target);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_TRUE((*f)->Append("PAR1 partial").ok());
    // Same directory (rename stays within it), and invisible to engines listing it.
    EXPECT_EQ(std::filesystem::path((*f)->temp_path()).parent_path(), dir->path());
    std::set<std::string> names = Names(dir->path());
    EXPECT_EQ(names.size(), 2u);
    for (const auto& n : names) {
      EXPECT_TRUE(n == "done.parquet" || Hidden(n)) << n;
    }
    ASSERT_TRUE((*f)->Commit().ok());
  }
  EXPECT_EQ(Names(dir->path()), (std::set<std::string>{"done.parquet", "part-0.parquet"}));
  {
    auto f = AtomicFile::Create(dir->path() + "/part-1.parquet");
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("partial").ok());
  }  // a failed write: destroyed uncommitted
  EXPECT_EQ(Names(dir->path()), (std::set<std::string>{"done.parquet", "part-0.parquet"}));
}

TEST(AtomicFile, LongTargetNamesStillGetATempName) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  // 253 bytes of 2-byte UTF-8 characters: names this long leave no room for a suffix; the temp
  // name is cut to fit NAME_MAX (255 bytes), between characters, never inside one.
  std::string name;
  for (int i = 0; i < 125; ++i) name += "\xc3\xa9";
  name += ".pq";
  ASSERT_TRUE(WriteFileAtomic(dir->path() + "/" + name, "x").ok());
  EXPECT_EQ(Names(dir->path()), std::set<std::string>{name});
  const std::string base =
      std::filesystem::path(HiddenTempPath(dir->path() + "/" + name)).filename();
  EXPECT_LE(base.size(), 255u);
  ASSERT_EQ(base[0], '.');
  size_t suffix = base.find(".tmp-");
  ASSERT_NE(suffix, std::string::npos) << base;
  const std::string kept = base.substr(1, suffix - 1);
  EXPECT_GT(kept.size(), 150u);
  ASSERT_EQ(kept.size() % 2, 0u) << "cut inside a UTF-8 character";
  for (size_t i = 0; i < kept.size(); i += 2) EXPECT_EQ(kept.substr(i, 2), "\xc3\xa9");
  // Two temp names for one target differ; a bare name stays in the current directory.
  EXPECT_NE(HiddenTempPath("/d/x"), HiddenTempPath("/d/x"));
  EXPECT_EQ(HiddenTempPath("x").rfind(".x.tmp-", 0), 0u);
  EXPECT_EQ(HiddenTempPath("/d/x").rfind("/d/.x.tmp-", 0), 0u);
}

}  // namespace
}  // namespace pe
