// A real standalone ZooKeeper server for tests: Debian's zookeeper package
// (/usr/share/java/zookeeper.jar, whose manifest Class-Path names its dependencies) run as
//   java -cp /usr/share/java/zookeeper.jar org.apache.zookeeper.server.ZooKeeperServerMain zoo.cfg
// in a temp dir, on a free loopback port, with the admin server off, the four-letter words ruok
// and srvr allowed, and tickTime 200 ms so sessions may be as short as 400 ms (minSessionTimeout =
// 2 x tickTime) for expiry tests; maxSessionTimeout is raised to 60 s.
//
// Not thread-safe. The server is killed (SIGKILL) when the object is destroyed.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/file.h"

namespace pe::testing {

class ZkServer {
 public:
  ZkServer() = default;
  ZkServer(const ZkServer&) = delete;
  ZkServer& operator=(const ZkServer&) = delete;
  ~ZkServer();

  // Picks a free port, writes zoo.cfg and starts the server; returns false (see error()) when it
  // does not answer "ruok" within 60 s or exits.
  bool Start();
  // SIGTERM, then waits for the exit (SIGKILL after 20 s). The data dir and port are kept.
  void Stop();
  // SIGKILL (a crash): the data dir and port are kept.
  void Kill();
  // Starts again on the same port and data dir (after Stop or Kill): sessions and znodes persisted
  // in the transaction log are recovered.
  bool Restart();
  // SIGSTOP / SIGCONT: a server that hangs (accepts nothing, answers nothing) and comes back.
  void Pause();
  void Resume();

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  std::string hosts() const;  // "127.0.0.1:<port>"
  const std::string& error() const { return error_; }
  // The server's output (stdout + stderr), for failure messages.
  std::string Log() const;

 private:
  bool Launch();
  bool Fail(std::string e);
  void Reap(int signal, int wait_ms);

  std::unique_ptr<TempDir> dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string error_;
};

// Asks a four-letter word ("ruok", "srvr") of the server at 127.0.0.1:`port`; "" when it does not
// answer within `timeout_ms`.
std::string ZkFourLetterWord(int port, const std::string& word, int timeout_ms = 1000);

}  // namespace pe::testing
