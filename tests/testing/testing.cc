#include "testing/testing.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/file.h"

extern char** environ;

namespace pe::testing {

std::string FixturePath(const std::string& name) {
  return std::string(PE_FIXTURES_DIR) + "/" + name;
}
std::string MatrixDir() { return PE_MATRIX_DIR; }
uint32_t MatrixRows() { return PE_MATRIX_ROWS; }
uint64_t MatrixSeed() { return PE_MATRIX_SEED; }
std::string SourceDir() { return PE_SOURCE_DIR; }
std::string CliBinary() { return PE_BINARY; }

pid_t Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
            const std::string& out_path, const std::string& err_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) envs.emplace_back(*e);
  for (const auto& e : env) envs.push_back(e);
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

RunResult Run(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  RunResult r;
  auto dir = TempDir::Make("pe-run");
  if (!dir.ok()) return r;
  std::string out_path = dir->path() + "/out", err_path = dir->path() + "/err";
  pid_t pid = Spawn(argv, env, out_path, err_path);
  if (pid < 0) {
    r.err = std::string("cannot spawn ") + argv[0];
    return r;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto slurp = [](const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

RunResult RunCli(const std::vector<std::string>& args) {
  std::vector<std::string> argv{CliBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv);
}

RunResult RunNode(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"node", SourceDir() + "/tests/e2e/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, {"NODE_PATH=" + SourceDir() + "/node_modules"});
}

}  // namespace pe::testing
