// `pinot-export iceberg orphans` against the test REST catalog, after real runs (normal, killed
// at a step of staging, killed with segments staged but uncommitted). What the tests know
// independently of the code under test: which files a snapshot references, from the table's
// metadata (admin API) and its manifest lists and manifests decoded by avsc
// (tests/e2e/iceberg_avro.mjs); which files exist, from the directory listing; the names
// pinot-export gives its files (docs/iceberg.md) and the hidden-temp shape of common/file.h.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "iceberg/test_catalog.h"
#include "run/iceberg_env.h"
#include "run/run_env.h"

namespace pe::run_testing {
namespace {

struct OrphansOutput {
  int exit_code = -1;
  std::map<std::string, int64_t> orphans;  // uri -> bytes, from the "<uri>\t<bytes>" lines
  std::string last;                        // the summary line
  std::string out, err;
};

OrphansOutput Parse(const pe::testing::RunResult& r) {
  OrphansOutput o;
  o.exit_code = r.exit_code;
  o.out = r.out;
  o.err = r.err;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.find('\t');
    if (tab != std::string::npos) {
      o.orphans[line.substr(0, tab)] = std::stoll(line.substr(tab + 1));
    } else {
      o.last = line;
    }
  }
  return o;
}

std::string Summary(int64_t n, int64_t bytes, int64_t of) {
  return "orphans: " + std::to_string(n) + " file(s), " + std::to_string(bytes) + " bytes (of " +
         std::to_string(of) + " pinot-export files under the table; nothing deleted)";
}

class IcebergOrphans : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(catalog_.Start());
    catalog_.CreateTable({"lake"}, "events", DemoSchema(), 2);
  }
  void TearDown() override { EXPECT_EQ(catalog_.Violations(), nlohmann::json::array()); }

  void Configure(int threshold, std::map<std::string, std::string> extra = {}) {
    auto keys = IcebergKeys(catalog_.uri(), threshold);
    for (auto& [k, v] : extra) keys[k] = v;
    env_.WriteConfig(keys);
  }

  nlohmann::json Metadata() { return catalog_.Table("lake", "events")["metadata"]; }
  // The table's location as a local path (the test catalog's tables are file://).
  std::string Location() {
    std::string loc = Metadata()["location"].get<std::string>();
    return loc.rfind("file://", 0) == 0 ? loc.substr(7) : loc;
  }
  std::string DataDir() { return Location() + "/data"; }
  std::string MetadataDir() { return Location() + "/metadata"; }

  // Every file the table's snapshots reference, as local paths: manifest lists, the manifests
  // they list, and the files those manifests name (decoded by avsc).
  std::set<std::string> Referenced() {
    auto local = [](const std::string& u) { return u.rfind("file://", 0) == 0 ? u.substr(7) : u; };
    std::set<std::string> out;
    const nlohmann::json metadata = Metadata();
    for (const auto& s : metadata["snapshots"]) {
      const std::string list = s["manifest-list"].get<std::string>();
      out.insert(local(list));
      const nlohmann::json rows = DumpAvro(list)["records"];
      for (const auto& m : rows) {
        const std::string manifest = m["manifest_path"].get<std::string>();
        out.insert(local(manifest));
        const nlohmann::json entries = DumpAvro(manifest)["records"];
        for (const auto& e : entries)
          out.insert(local(e["data_file"]["file_path"].get<std::string>()));
      }
    }
    return out;
  }

  // Files of `dir` (direct entries) that `referenced` does not name: "file://<path>" -> size.
  static std::map<std::string, int64_t> Unreferenced(const std::string& dir,
                                                     const std::set<std::string>& referenced) {
    std::map<std::string, int64_t> out;
    for (const auto& [name, st] : ListDir(dir)) {
      const std::string path = dir + "/" + name;
      if (!referenced.count(path)) out["file://" + path] = st.size;
    }
    return out;
  }

  // The Avro files of the metadata dir (the test catalog writes only metadata JSON and the
  // version hint there; every .avro is a manifest or manifest list of pinot-export here).
  int64_t AvroFiles() {
    int64_t n = 0;
    for (const auto& [name, st] : ListDir(MetadataDir()))
      if (name.size() > 5 && name.substr(name.size() - 5) == ".avro") ++n;
    return n;
  }

  OrphansOutput Orphans(const std::string& state = "") {
    return Parse(pe::testing::RunCli({"iceberg", "orphans", "--table-config", env_.config(),
                                      "--state", state.empty() ? env_.state() : state}));
  }
  // Without --state, from a working directory holding no default state file.
  OrphansOutput OrphansWithoutState() {
    const std::string cwd = env_.root() + "/elsewhere";
    std::filesystem::create_directories(cwd);
    return Parse(pe::testing::Run({"/bin/sh", "-c",
                                   "cd \"$1\" && exec \"$2\" iceberg orphans --table-config \"$3\"",
                                   "sh", cwd, pe::testing::CliBinary(), env_.config()}));
  }

  iceberg::testing::TestCatalog catalog_;
  ExportEnv env_;
};

TEST_F(IcebergOrphans, NormalRunLeavesNone) {
  env_.Write(Segments(4, 20));
  Configure(2);
  auto r = env_.RunOnce({"--executors", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(BatchesOf(Metadata()).size(), 2u);
  // Every file in the data dir is referenced.
  EXPECT_TRUE(Unreferenced(DataDir(), Referenced()).empty());
  const int64_t data_files = int64_t(ListDir(DataDir()).size());
  EXPECT_EQ(data_files, 4);
  auto o = Orphans();
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_TRUE(o.orphans.empty()) << o.out;
  EXPECT_EQ(o.last, Summary(0, 0, data_files + AvroFiles())) << o.out;
}

// kill -9 after the data file was written (and, for a local table, is already at its final name:
// the writer renames its temp before "converted") and before it was staged: the restart stages the
// segment again in a new file, and the dead attempt's file is the one orphan.
class IcebergOrphansCrash : public IcebergOrphans,
                            public ::testing::WithParamInterface<const char*> {};

TEST_P(IcebergOrphansCrash, DeadAttemptsDataFileIsTheOrphan) {
  env_.Write(Segments(4, 25));
  Configure(10);
  auto r1 = env_.RunOnce({"--executors", "1"}, {std::string("PE_CRASH_AT=") + GetParam()});
  ASSERT_EQ(r1.exit_code, 128 + SIGKILL) << r1.out << r1.err;
  auto r2 = env_.RunOnce({"--executors", "1"});
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  ASSERT_EQ(ListDir(DataDir()).size(), 5u);
  const auto expected = Unreferenced(DataDir(), Referenced());
  ASSERT_EQ(expected.size(), 1u);

  auto o = Orphans();
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_EQ(o.orphans, expected) << o.out;
  EXPECT_EQ(o.last, Summary(1, expected.begin()->second, 5 + AvroFiles())) << o.out;
  // Listed, not deleted.
  EXPECT_TRUE(std::filesystem::exists(expected.begin()->first.substr(7)));
  EXPECT_EQ(Orphans().orphans, expected);
}

INSTANTIATE_TEST_SUITE_P(Points, IcebergOrphansCrash,
                         ::testing::Values("converted:2", "uploaded:2"), [](const auto& info) {
                           std::string n = info.param;
                           return n.substr(0, n.find(':'));
                         });

// kill -9 right after the second segment was recorded STAGED (commit threshold not reached, so
// nothing is committed): the two data files are needed by the state, not orphans; without the
// state they would be. After the restart commits them, still none.
TEST_F(IcebergOrphans, StagedFilesAreNotOrphansWithTheState) {
  env_.Write(Segments(4, 25));
  Configure(10);
  auto r1 = env_.RunOnce({"--executors", "1"}, {"PE_CRASH_AT=checkpointed:2"});
  ASSERT_EQ(r1.exit_code, 128 + SIGKILL) << r1.out << r1.err;
  EXPECT_EQ(Metadata()["snapshots"].size(), 0u);
  const auto staged = Unreferenced(DataDir(), Referenced());
  ASSERT_EQ(staged.size(), 2u);

  auto with_state = Orphans();
  ASSERT_EQ(with_state.exit_code, 0) << with_state.out << with_state.err;
  EXPECT_TRUE(with_state.orphans.empty()) << with_state.out;
  EXPECT_EQ(with_state.last, Summary(0, 0, 2)) << with_state.out;

  auto without = OrphansWithoutState();
  ASSERT_EQ(without.exit_code, 0) << without.out << without.err;
  EXPECT_EQ(without.orphans, staged) << without.out;
  EXPECT_NE(without.err.find("no state file"), std::string::npos) << without.err;

  auto r2 = env_.RunOnce({"--executors", "1"});
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_EQ(CheckpointedSegments(env_.state()).size(), 4u);
  auto after = Orphans();
  ASSERT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_TRUE(after.orphans.empty()) << after.out;
  EXPECT_EQ(after.last, Summary(0, 0, 4 + AvroFiles())) << after.out;
}

// Commit attempts that lost to a concurrent writer (409) leave manifest lists built on the old
// parents: they are the orphans (every unreferenced Avro file of the metadata dir; the other
// writer's own lists are referenced by its snapshots).
TEST_F(IcebergOrphans, ListsOfConflictedAttemptsAreOrphans) {
  env_.Write(Segments(2, 10));
  Configure(10);
  catalog_.Faults({{{"route", "commit"}, {"mode", "concurrent-append"}, {"count", 3}}});
  auto r = env_.RunOnce();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(BatchesOf(Metadata()).size(), 1u);
  std::map<std::string, int64_t> expected;
  for (const auto& [uri, size] : Unreferenced(MetadataDir(), Referenced()))
    if (uri.size() > 5 && uri.substr(uri.size() - 5) == ".avro") expected[uri] = size;
  ASSERT_EQ(expected.size(), 3u);
  int64_t bytes = 0;
  for (const auto& [uri, size] : expected) bytes += size;
  EXPECT_TRUE(Unreferenced(DataDir(), Referenced()).empty());

  auto o = Orphans();
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_EQ(o.orphans, expected) << o.out;
  // Candidates: 2 data files, the manifest, the committed list and the 3 abandoned ones.
  EXPECT_EQ(o.last, Summary(3, bytes, 7)) << o.out;
}

// Only pinot-export's names count: a hidden temp of a data or metadata file (a writer killed
// mid-write) and a batch manifest no snapshot names are listed; another writer's files, other
// hidden files and files in subdirectories are not.
TEST_F(IcebergOrphans, OnlyPinotExportNamesAreCandidates) {
  env_.Write(Segments(1, 10));
  Configure(5);
  auto r = env_.RunOnce();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string hex = "0123456789abcdef0123456789abcdef";
  auto put = [](const std::string& path, size_t bytes) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << std::string(bytes, 'x');
  };
  const std::string data = DataDir(), meta = MetadataDir();
  // Listed.
  put(data + "/.events__0__0__20261110T0000Z-" + hex + ".parquet.tmp-4242-deadbeef-0", 11);
  put(meta + "/pe-" + hex + "-m0.avro", 13);
  put(meta + "/.snap-77-1-pe-" + hex + ".avro.tmp-4242-deadbeef-3", 17);
  // Not listed.
  put(data + "/00000-0-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-00001.parquet", 19);
  put(data + "/.hidden-" + hex + ".parquet", 23);
  put(data + "/x-" + hex + ".parquet.tmp-1-2-3", 29);
  put(data + "/sub/y-" + hex + ".parquet", 31);
  put(meta + "/snap-77-1-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.avro", 37);

  auto o = Orphans();
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  const std::map<std::string, int64_t> expected = {
      {"file://" + data + "/.events__0__0__20261110T0000Z-" + hex + ".parquet.tmp-4242-deadbeef-0",
       11},
      {"file://" + meta + "/pe-" + hex + "-m0.avro", 13},
      {"file://" + meta + "/.snap-77-1-pe-" + hex + ".avro.tmp-4242-deadbeef-3", 17}};
  EXPECT_EQ(o.orphans, expected) << o.out;
  // Candidates: the run's data file, manifest and list, and the three above.
  EXPECT_EQ(o.last, Summary(3, 11 + 13 + 17, 6)) << o.out;
}

TEST_F(IcebergOrphans, ErrorsAreOneLineAndExit1) {
  env_.Write(Segments(1, 10));
  Configure(5);
  ASSERT_EQ(env_.RunOnce().exit_code, 0);  // the state exists
  auto one_line = [](const OrphansOutput& o) {
    EXPECT_EQ(o.exit_code, 1) << o.out << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
  };
  // The filesystem target.
  env_.WriteConfig();
  auto fs_target = Orphans();
  one_line(fs_target);
  EXPECT_NE(fs_target.err.find("iceberg-rest"), std::string::npos) << fs_target.err;
  // A config that does not parse.
  std::ofstream(env_.config()) << "{ not json";
  one_line(Orphans());
  // A table that does not exist.
  Configure(5, {{"catalog.iceberg-rest.table.tableName", "nope"}});
  auto missing = Orphans();
  one_line(missing);
  EXPECT_NE(missing.err.find("lake.nope"), std::string::npos) << missing.err;
  // An unreachable catalog (a port nothing listens on: the closed catalog's).
  {
    iceberg::testing::TestCatalog gone;
    ASSERT_TRUE(gone.Start());
    Configure(5, {{"catalog.iceberg-rest.restUri", gone.uri()}});
  }
  auto unreachable = Orphans();
  one_line(unreachable);
  // A --state that does not exist.
  Configure(5);
  auto no_state = Orphans(env_.root() + "/missing.db");
  one_line(no_state);
  EXPECT_NE(no_state.err.find("missing.db"), std::string::npos) << no_state.err;
  // A state in use by a run (its exclusive lock held): refused, files it writes would look
  // orphaned.
  const std::string lock = env_.state() + ".lock";
  int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  auto locked = Orphans();
  ::close(fd);
  one_line(locked);
  EXPECT_NE(locked.err.find("in use"), std::string::npos) << locked.err;
  EXPECT_EQ(Orphans().exit_code, 0);
}

TEST_F(IcebergOrphans, UsageErrorsExit2) {
  EXPECT_EQ(pe::testing::RunCli({"iceberg"}).exit_code, 2);
  EXPECT_EQ(pe::testing::RunCli({"iceberg", "orphans"}).exit_code, 2);
  EXPECT_EQ(pe::testing::RunCli({"iceberg", "nope"}).exit_code, 2);
  EXPECT_EQ(pe::testing::RunCli({"iceberg", "orphans", "--table-config"}).exit_code, 2);
}

}  // namespace
}  // namespace pe::run_testing
