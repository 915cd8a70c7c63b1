// The CLI as a user runs it: exit codes, one-line errors on bad input, dump formats.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "cli/guard.h"
#include "common/file.h"
#include "testing/testing.h"

namespace pe {
namespace {

using pe::testing::FixturePath;

using pe::testing::RunCli;

size_t Lines(const std::string& s) { return size_t(std::count(s.begin(), s.end(), '\n')); }

// Expects exit 1 and exactly one line on stderr that mentions `needle`.
void ExpectBadInput(const std::vector<std::string>& args, const std::string& needle) {
  auto r = RunCli(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("pinot-export: ", 0), 0u) << r.err;
}

class CorruptSegments : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::move(TempDir::Make().value());
    auto r = pe::testing::Run(
        {"tar", "xzf", FixturePath("legacyRawInverted_OFFLINE_0.v3.tar.gz"), "-C", dir_.path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    v3_ = dir_.path() + "/legacyRawInverted_OFFLINE_0/v3";
    ASSERT_EQ(RunCli({"dump", v3_, "--limit", "1"}).exit_code, 0);
  }
  std::string Path(const std::string& n) { return dir_.path() + "/" + n; }
  TempDir dir_;
  std::string v3_;
};

TEST_F(CorruptSegments, TruncatedTarball) {
  std::string whole = *ReadFileToString(FixturePath("baseballStats_OFFLINE_0.tar.gz"));
  ASSERT_TRUE(WriteFileAtomic(Path("half.tar.gz"), whole.substr(0, whole.size() / 2)).ok());
  ExpectBadInput({"inspect", Path("half.tar.gz")}, "half.tar.gz");
  ExpectBadInput({"dump", Path("half.tar.gz")}, "truncated or corrupt tarball");
}

TEST_F(CorruptSegments, RandomBytes) {
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 5000; ++i) junk.push_back(char((x = x * 1103515245u + 12345u) >> 24));
  ASSERT_TRUE(WriteFileAtomic(Path("junk"), junk).ok());
  ExpectBadInput({"inspect", Path("junk")}, "not a Pinot segment");
}

TEST_F(CorruptSegments, MissingMetadataProperties) {
  std::filesystem::remove(v3_ + "/metadata.properties");
  ExpectBadInput({"inspect", v3_}, "no metadata.properties");
  auto r = pe::testing::Run(
      {"tar", "czf", Path("nometa.tar.gz"), "-C", dir_.path(), "legacyRawInverted_OFFLINE_0"});
  ASSERT_EQ(r.exit_code, 0);
  ExpectBadInput({"dump", Path("nometa.tar.gz")}, "no metadata.properties");
}

TEST_F(CorruptSegments, IndexOffsetPastTheEnd) {
  std::string map = *ReadFileToString(v3_ + "/index_map");
  size_t p = map.find("forward_index.startOffset = ");
  ASSERT_NE(p, std::string::npos);
  size_t eol = map.find('\n', p);
  map.replace(p, eol - p, "forward_index.startOffset = 99999999");
  ASSERT_TRUE(WriteFileAtomic(v3_ + "/index_map", map).ok());
  ExpectBadInput({"dump", v3_}, "past the end");
}

TEST_F(CorruptSegments, TruncatedColumnsPsf) {
  std::string psf = *ReadFileToString(v3_ + "/columns.psf");
  ASSERT_TRUE(WriteFileAtomic(v3_ + "/columns.psf", psf.substr(0, psf.size() - 100)).ok());
  ExpectBadInput({"inspect", v3_}, "columns.psf");
}

TEST_F(CorruptSegments, CorruptChunkBytes) {
  // Overwrite the compressed chunk bodies (after the V4 header + chunk metadata) with garbage.
  std::string psf = *ReadFileToString(v3_ + "/columns.psf");
  std::string map = *ReadFileToString(v3_ + "/index_map");
  size_t p = map.find("category.forward_index.startOffset = ");
  ASSERT_NE(p, std::string::npos);
  size_t start = std::stoul(map.substr(p + 37));
  for (size_t i = start + 8 + 32; i < start + 8 + 200 && i < psf.size(); ++i) psf[i] = char(0xEE);
  ASSERT_TRUE(WriteFileAtomic(v3_ + "/columns.psf", psf).ok());
  ExpectBadInput({"dump", v3_}, "category");
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(RunCli({}).exit_code, 2);
  EXPECT_EQ(RunCli({"nosuchcommand"}).exit_code, 2);
  EXPECT_EQ(RunCli({"dump"}).exit_code, 2);
  EXPECT_EQ(
      RunCli({"dump", FixturePath("baseballStats_OFFLINE_0.tar.gz"), "--format", "xml"}).exit_code,
      2);
  EXPECT_EQ(RunCli({"inspect", "/nonexistent/segment"}).exit_code, 1);
}

TEST(Cli, DumpCsvAndJsonl) {
  std::string seg = FixturePath("baseballStats_OFFLINE_0.tar.gz");
  auto csv = RunCli({"dump", seg, "--columns", "playerName,yearID,hits", "--limit", "5"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::istringstream in(csv.out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "playerName,yearID,hits");
  std::getline(in, line);
  EXPECT_EQ(line, "David Allan,2004,0");
  EXPECT_EQ(Lines(csv.out), 6u);

  auto all = RunCli({"dump", seg, "--format", "jsonl"});
  ASSERT_EQ(all.exit_code, 0);
  EXPECT_EQ(Lines(all.out), 97889u);
  std::istringstream jin(all.out);
  std::getline(jin, line);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["playerID"], "aardsda01");
  EXPECT_EQ(j["yearID"], 2004);
  EXPECT_EQ(j.size(), 25u);

  auto bad = RunCli({"dump", seg, "--columns", "nope"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("no column 'nope'"), std::string::npos);
}

TEST(Cli, InspectJson) {
  auto r = RunCli({"inspect", "--json", FixturePath("legacyRawInverted_OFFLINE_0.v1.tar.gz")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["name"], "legacyRawInverted_OFFLINE_0");
  EXPECT_EQ(j["totalDocs"], 600);
  EXPECT_EQ(j["layout"], "v1");
  ASSERT_EQ(j["columns"].size(), 1u);
  EXPECT_EQ(j["columns"][0]["encoding"], "RAW");
  EXPECT_EQ(j["columns"][0]["codec"], "LZ4_LENGTH_PREFIXED");
  EXPECT_EQ(j["crc"], 1299627447);
}

// `sample` without --rows uses the per-mode defaults its --help documents (it used to fail with
// "--rows must be in [0, 2147483647]" because the unset value was range-checked). --demo stands
// for the three modes (--matrix and --profile defaults take tens of seconds to write).
TEST(Cli, SampleDefaultRowCounts) {
  auto help = RunCli({"sample", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(
      help.out.find("default: 1000 with --matrix, 100000 with --demo, 1000000 with --profile"),
      std::string::npos)
      << help.out;

  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string demo = dir->path() + "/demo.tar.gz";
  auto r = RunCli({"sample", "--demo", "--out", demo});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = RunCli({"inspect", "--json", demo});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(nlohmann::json::parse(j.out)["totalDocs"], 100000);

  // Given values are still range-checked; an empty --out is a usage error, not an exception.
  EXPECT_EQ(RunCli({"sample", "--demo", "--rows", "2147483648", "--out", demo}).exit_code, 2);
  r = RunCli({"sample", "--demo", "--rows", "10", "--out", ""});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "pinot-export: --out must not be empty\n");
}

// main() runs every command under RunGuarded: an escaped exception is one line and exit 1.
std::string Guarded(int (*body)(), int* rc) {
  std::FILE* f = std::tmpfile();
  EXPECT_NE(f, nullptr);
  *rc = pe::cli::RunGuarded(body, f);
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s.push_back(char(c));
  std::fclose(f);
  return s;
}

TEST(Cli, EscapedExceptionsAreOneLineErrors) {
  int rc = -1;
  EXPECT_EQ(Guarded([]() -> int { throw std::bad_alloc(); }, &rc), "pinot-export: out of memory\n");
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(Guarded([]() -> int { throw std::length_error("vector::reserve"); }, &rc),
            "pinot-export: vector::reserve\n");
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(Guarded([]() -> int { throw std::runtime_error("first\nsecond\r\n"); }, &rc),
            "pinot-export: first second  \n");
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(Guarded([]() -> int { throw 42; }, &rc),
            "pinot-export: unexpected error (an exception that is not a std::exception)\n");
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(Guarded([]() -> int { return 2; }, &rc), "");
  EXPECT_EQ(rc, 2);
}

// Errors name the input, but never the signature of a presigned URL nor a URL's password.
TEST(Cli, ErrorsNeverShowUrlSecrets) {
  // Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
  auto r = pe::testing::RunCli(
      {"convert", "http://user:hunter22@127.0.0.1:9/seg.tar.gz?X-Amz-Signature=deadbeefcafe",
       "/tmp/never-written.parquet", "--fs-prop", "maxAttempts=1"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:9/seg.tar.gz"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("deadbeefcafe"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hunter22"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace pe
