#include "testing/zk_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "testing/testing.h"

namespace pe::testing {

namespace {

using Clock = std::chrono::steady_clock;

// A port the kernel hands out for 127.0.0.1 right now (bound and released; the server binds it
// moments later, and Start retries with another on a lost race).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace

std::string ZkFourLetterWord(int port, const std::string& word, int timeout_ms) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  auto left_ms = [&] {
    return static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
  };
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 && errno != EINPROGRESS) {
    close(fd);
    return "";
  }
  pollfd p{fd, POLLOUT, 0};
  int err = 0;
  socklen_t elen = sizeof(err);
  if (poll(&p, 1, left_ms()) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 ||
      err != 0 || send(fd, word.data(), word.size(), MSG_NOSIGNAL) != ssize_t(word.size())) {
    close(fd);
    return "";
  }
  // The server answers and closes the connection.
  for (;;) {
    p = {fd, POLLIN, 0};
    if (poll(&p, 1, left_ms()) != 1) break;
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

ZkServer::~ZkServer() { Kill(); }

std::string ZkServer::hosts() const { return "127.0.0.1:" + std::to_string(port_); }

std::string ZkServer::Log() const {
  if (!dir_) return "";
  std::ifstream f(dir_->path() + "/server.log", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool ZkServer::Fail(std::string e) {
  error_ = std::move(e);
  std::string log = Log();
  if (log.size() > 2000) log = log.substr(log.size() - 2000);
  if (!log.empty()) error_ += "; server output: " + log;
  return false;
}

bool ZkServer::Start() {
  if (running()) return true;
  auto d = TempDir::Make("pe-zk");
  if (!d.ok()) return Fail("cannot make a temp dir: " + d.status().ToString());
  dir_ = std::make_unique<TempDir>(std::move(d).value());
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = FreePort();
    if (port_ == 0) return Fail("no free port");
    if (Launch()) return true;
  }
  return false;
}

bool ZkServer::Restart() {
  if (!dir_) return Start();
  if (running()) Stop();
  return Launch();
}

bool ZkServer::Launch() {
  const std::string& root = dir_->path();
  {
    std::ofstream cfg(root + "/zoo.cfg", std::ios::trunc);
    cfg << "tickTime=200\n"
        << "minSessionTimeout=400\n"
        << "maxSessionTimeout=60000\n"
        << "dataDir=" << root << "/data\n"
        << "clientPort=" << port_ << "\n"
        << "clientPortAddress=127.0.0.1\n"
        << "maxClientCnxns=0\n"
        << "admin.enableServer=false\n"
        << "4lw.commands.whitelist=ruok,srvr\n";
    if (!cfg) return Fail("cannot write " + root + "/zoo.cfg");
  }
  // Output appended across restarts; stdout and stderr to the same file.
  std::string log = root + "/server.log";
  std::vector<std::string> argv{"java",
                                "-Xmx256m",
                                "-XX:+UseSerialGC",
                                "-XX:TieredStopAtLevel=1",
                                "-Dzookeeper.admin.enableServer=false",
                                "-cp",
                                "/usr/share/java/zookeeper.jar",
                                "org.apache.zookeeper.server.ZooKeeperServerMain",
                                root + "/zoo.cfg"};
  std::vector<std::string> cmd{"sh", "-c", "exec \"$@\" >>\"$0\" 2>&1", log};
  cmd.insert(cmd.end(), argv.begin(), argv.end());
  pid_ = Spawn(cmd, {}, "/dev/null", "/dev/null");
  if (pid_ < 0) return Fail("cannot spawn java");
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Fail("ZooKeeper on port " + std::to_string(port_) + " exited at start");
    }
    if (ZkFourLetterWord(port_, "ruok", 500) == "imok") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));  // polling, not a wait for time
  }
  Kill();
  return Fail("ZooKeeper on port " + std::to_string(port_) + " did not answer ruok within 60 s");
}

void ZkServer::Reap(int signal, int wait_ms) {
  if (pid_ <= 0) return;
  kill(pid_, SIGCONT);  // a paused server cannot handle SIGTERM
  kill(pid_, signal);
  auto deadline = Clock::now() + std::chrono::milliseconds(wait_ms);
  while (Clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void ZkServer::Pause() {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}

void ZkServer::Resume() {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

void ZkServer::Stop() { Reap(SIGTERM, 20000); }

void ZkServer::Kill() { Reap(SIGKILL, 20000); }

}  // namespace pe::testing
