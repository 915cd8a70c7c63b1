// Runs a tests/e2e/*.mjs helper server as a child process for the duration of a test: stdin is a
// pipe (the scripts exit when it closes), the first stdout line is a JSON object with "port".
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "testing/testing.h"

extern char** environ;

namespace pe::fs::testing {

class NodeServer {
 public:
  NodeServer() = default;
  NodeServer(const NodeServer&) = delete;
  NodeServer& operator=(const NodeServer&) = delete;
  ~NodeServer() { Stop(); }

  // Starts `node tests/e2e/<script> args...`; returns false (with `error()`) when it does not
  // print its ready line within 20 s.
  bool Start(const std::string& script, const std::vector<std::string>& args) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return Fail("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::vector<std::string> argv{"node", pe::testing::SourceDir() + "/tests/e2e/" + script};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) envs.emplace_back(*e);
    envs.push_back("NODE_PATH=" + pe::testing::SourceDir() + "/node_modules");
    std::vector<char*> envp;
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    int rc = posix_spawnp(&pid_, "node", &fa, nullptr, cargv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    stdin_fd_ = in[1];
    fcntl(stdin_fd_, F_SETFD, FD_CLOEXEC);
    if (rc != 0) {
      pid_ = -1;
      close(out[0]);
      return Fail("cannot spawn node");
    }
    // Read the ready line.
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    while (line.find('\n') == std::string::npos) {
      char buf[256];
      ssize_t n = read(out[0], buf, sizeof(buf));
      if (n > 0) {
        line.append(buf, static_cast<size_t>(n));
      } else if (n == 0) {
        break;
      } else if (std::chrono::steady_clock::now() > deadline) {
        break;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    close(out[0]);
    auto j = nlohmann::json::parse(line.substr(0, line.find('\n')), nullptr, false);
    if (j.is_discarded() || !j.contains("port")) return Fail("no ready line from " + script);
    port_ = j["port"].get<int>();
    return true;
  }

  void Stop() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    stdin_fd_ = -1;
    if (pid_ <= 0) return;
    for (int i = 0; i < 100; ++i) {  // up to 5 s for a clean exit
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  int port() const { return port_; }
  const std::string& error() const { return error_; }

 private:
  bool Fail(std::string e) {
    error_ = std::move(e);
    Stop();
    return false;
  }
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
  std::string error_;
};

}  // namespace pe::fs::testing
