// End-to-end tests of `pinot-export run` with real processes: a deep store of REALTIME LLC
// segments written by `pinot-export sample --demo`, a Pinot table config file, and the built CLI
// (PE_BINARY) run as a child process.
//
// What the tests know independently of the service: `sample --demo --rows N --out
// <dir>/events__P__S__yyyyMMddTHHmmZ` writes a segment named after that LLC name whose N rows
// (column ts, epoch ms) are one per second and end before the name's creation time C: min(ts) is C
// - N * 1000 and max(ts) < C (src/cli/sample.cc). So a test knows each segment's doc count and time
// range from the name and row count it chose.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/file.h"
#include "testing/testing.h"

namespace pe::run_testing {

using pe::testing::RunResult;

inline constexpr char kTable[] = "events_REALTIME";

int64_t NowMs();
// Epoch ms of a UTC date and time.
int64_t UtcMs(int year, int month, int day, int hour = 0, int minute = 0);
// "events__<partition>__<seq>__<yyyyMMdd>T<HHmm>Z" for a creation time (cut to the minute).
std::string LlcName(int partition, int seq, int64_t creation_ms);
// The creation time an LLC name carries (epoch ms).
int64_t LlcCreationMs(const std::string& name);

struct Seg {
  std::string name;
  int rows = 0;
};
// Writes every segment as a tarball <dir>/<name> with `pinot-export sample --demo` (a few
// processes at a time). Fails the test on any error.
void WriteSegments(const std::string& dir, const std::vector<Seg>& segs);

// The contents of a small text file ("" when unreadable).
std::string ReadText(const std::string& path);

// File name -> (size, modification time in ns) of the entries directly in `dir` (none when the
// directory does not exist).
struct FileStat {
  int64_t size = 0;
  int64_t mtime_ns = 0;
};
std::map<std::string, FileStat> ListDir(const std::string& dir);
// Names in `dir` that are hidden or temporary ('.' or '_' first, as lake engines skip them).
std::vector<std::string> HiddenFiles(const std::string& dir);

// What a `run --once` printed on stdout (src/cli/run.cc): the cycle line
// "<table>: <task>|nothing to export (E eligible, S selected, L late, U unusable)", the line
// "<table>: N exported in total, watermark W|(none)" and
// "summary: N subtask(s): C completed, F failed, U unusable segment(s)[ (interrupted)]".
struct Summary {
  bool parsed = false;
  bool nothing_to_export = false;
  int64_t eligible = -1, selected = -1, late = -1, unusable = -1;
  int64_t exported_total = -1;
  std::optional<int64_t> watermark;
  int64_t subtasks = -1, completed = -1, failed = -1, unusable_total = -1;
  bool interrupted = false;
};
Summary ParseSummary(const std::string& out);

// Per Parquet file in `dir`: its row count, min/max ts, and the footer's pinot.segment.name, read
// back by DuckDB (tests/e2e/duckdb_rows.mjs).
struct FileRows {
  int64_t rows = 0;
  int64_t min_ts = 0, max_ts = 0;
  std::string segment;  // key-value metadata pinot.segment.name
};
std::map<std::string, FileRows> ReadBackWithDuckDb(const std::string& dir);
// Checks that `files` (ReadBackWithDuckDb) hold exactly `segs`, one file <name>.parquet each with
// the segment's rows and time range. Returns the number of problems (each reported).
int ExpectExportedExactly(const std::map<std::string, FileRows>& files,
                          const std::vector<Seg>& segs);

// Segment names with a COMPLETED checkpoint in the SQLite state file (opened after the run
// process ended), sorted.
std::vector<std::string> CheckpointedSegments(const std::string& state_path);

// A child process with stdout/stderr redirected to files (for signals sent while it runs).
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();
  // Starts argv (no shell), environment inherited plus `env`. Returns false on spawn failure.
  bool Start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
             const std::string& out_path, const std::string& err_path);
  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits up to `timeout` for the exit; the exit code (128 + signal when killed), nullopt on
  // timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// Polls `done` every 5 ms until it is true or `timeout` passed; returns its last value. (Real
// processes are observed from outside: there is no clock to inject into them.)
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// One table's export set-up in a fresh temp dir: <root>/deepstore/events/ (the deep store's table
// folder), <root>/out (outputDirURI), <root>/state.db, <root>/table.json.
class ExportEnv {
 public:
  ExportEnv();
  const std::string& root() const { return root_.path(); }
  std::string deep_store() const { return root() + "/deepstore"; }
  std::string table_dir() const { return root() + "/deepstore/events"; }
  std::string out_dir() const { return root() + "/out"; }
  std::string state() const { return root() + "/state.db"; }
  std::string scratch() const { return state() + ".scratch"; }
  std::string config() const { return root() + "/table.json"; }

  // Writes the table config: tableName events_REALTIME and a DataExportTask with
  // sourceTableName events_REALTIME, outputDirURI out_dir(), bufferTimePeriod 1d, then `keys`
  // (which override those; an empty value removes the key).
  void WriteConfig(const std::map<std::string, std::string>& keys = {});
  // The argv of `pinot-export run --table-config ... --deep-store ... --state ...` + extra.
  std::vector<std::string> RunArgv(const std::vector<std::string>& extra) const;
  // `run --once` + extra, to completion.
  RunResult RunOnce(const std::vector<std::string>& extra = {},
                    const std::vector<std::string>& env = {}) const;
  void Write(const std::vector<Seg>& segs) const { WriteSegments(table_dir(), segs); }

 private:
  TempDir root_;
};

}  // namespace pe::run_testing
