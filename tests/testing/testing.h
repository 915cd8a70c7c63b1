// Shared helpers for the tests: fixture paths, running the CLI binary and node scripts.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pe::testing {

// tests/data/pinot/<name>: real segments written by Apache Pinot (tests/data/pinot/SOURCES.md).
std::string FixturePath(const std::string& name);
// The test matrix written once per ctest run by the "matrix" fixture (tests/CMakeLists.txt):
// `pinot-export sample --matrix --rows MatrixRows() --seed MatrixSeed()`, one segment directory per
// matrix group and expected/<segment>.jsonl, the rows generated for it (not read back).
std::string MatrixDir();
uint32_t MatrixRows();
uint64_t MatrixSeed();
// Repository root (for tests/e2e/*.mjs and node_modules).
std::string SourceDir();
// Path of build/pinot-export.
std::string CliBinary();

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Starts argv[0] (PATH searched) with stdin /dev/null and stdout/stderr to the two files;
// environment inherited plus `env` ("K=V"). Returns the pid, or -1 when it cannot start.
pid_t Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
            const std::string& out_path, const std::string& err_path);
// Runs argv[0] with arguments (no shell); captures stdout/stderr. Environment inherited plus `env`
// ("K=V" entries).
RunResult Run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
// Runs build/pinot-export with `args`.
RunResult RunCli(const std::vector<std::string>& args);
// Runs `node <SourceDir>/tests/e2e/<script> args...` with NODE_PATH set to the repo's node_modules.
RunResult RunNode(const std::string& script, const std::vector<std::string>& args);

}  // namespace pe::testing
