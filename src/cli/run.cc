// `pinot-export validate` and `pinot-export run`: the DataExportTask service in one process.
//
// run: loads every --table-config, opens the SQLite state (--state; an exclusive lock file
// "<state>.lock" keeps a second process off the same state), and runs the scheduler, the generator
// and --executors executors; with --port, serves Pinot's task REST API. --once runs one generator
// cycle per table, executes what it emitted (and anything a killed earlier run left queued), prints
// a summary and exits 0 when every subtask ended COMPLETED, 1 otherwise. SIGTERM/SIGINT: stop
// taking work, let running subtasks finish within --grace-period, then exit with state consistent
// (cancelled subtasks go back to the queue).
// With --zk/--cluster the segments come from the Pinot cluster's ZooKeeper metadata
// (task/zk_source.h) and --table reads a table's config from its property store.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "common/file.h"
#include "common/log.h"
#include "server/server.h"
#include "state/state.h"
#include "state/zk.h"
#include "state/zk_store.h"
#include "task/cluster.h"
#include "task/config.h"
#include "task/controller_source.h"
#include "task/pinot_zk.h"
#include "task/service.h"
#include "task/zk_source.h"

namespace pe::cli {
namespace {

Result<std::vector<task::ExportConfig>> LoadConfigs(const std::vector<std::string>& paths) {
  std::vector<task::ExportConfig> out;
  for (const auto& p : paths) {
    PE_ASSIGN_OR_RETURN(auto c, task::LoadExportConfig(p));
    if (!c.unknown_keys.empty()) {
      std::string keys;
      for (const auto& k : c.unknown_keys) keys += (keys.empty() ? "" : ", ") + k;
      log::Warn(p + ": unknown DataExportTask key(s) ignored: " + keys);
    }
    out.push_back(std::move(c));
  }
  return out;
}

// "12.3 MB" style sizes for the progress lines.
std::string HumanBytes(int64_t b) {
  char buf[32];
  if (b >= 1 << 20)
    std::snprintf(buf, sizeof buf, "%.1f MiB", double(b) / (1 << 20));
  else if (b >= 1 << 10)
    std::snprintf(buf, sizeof buf, "%.1f KiB", double(b) / (1 << 10));
  else
    std::snprintf(buf, sizeof buf, "%lld B", (long long)b);
  return buf;
}

}  // namespace

int Validate(const ValidateArgs& a) {
  if (a.table_configs.empty()) {
    std::fprintf(stderr, "pinot-export: validate needs --table-config FILE\n");
    return 2;
  }
  int rc = 0;
  for (const auto& p : a.table_configs) {
    auto c = task::LoadExportConfig(p);
    if (!c.ok()) {
      rc = Fail(c.status());
      continue;
    }
    if (!c->unknown_keys.empty()) {
      std::string keys;
      for (const auto& k : c->unknown_keys) keys += (keys.empty() ? "" : ", ") + k;
      std::fprintf(stderr, "pinot-export: warning: %s: unknown DataExportTask key(s) ignored: %s\n",
                   p.c_str(), keys.c_str());
    }
    std::printf("%s\n", task::ResolvedJson(*c).c_str());
  }
  return rc;
}

int Run(const RunArgs& a) {
  log::Level level;
  if (!log::ParseLevel(a.log_level, &level)) {
    std::fprintf(stderr, "pinot-export: --log-level must be debug, info, warn, error or off\n");
    return 2;
  }
  log::SetLevel(level);
  if (a.table_configs.empty() && a.tables.empty()) {
    std::fprintf(stderr, "pinot-export: run needs --table-config FILE (or --zk with --table)\n");
    return 2;
  }
  if (a.zk.empty() && a.controller.empty() && a.deep_store.empty()) {
    std::fprintf(stderr,
                 "pinot-export: run needs --deep-store URI (or --zk and --cluster, or "
                 "--controller)\n");
    return 2;
  }
  if (!a.zk.empty() && !a.controller.empty()) {
    std::fprintf(stderr, "pinot-export: --zk and --controller are alternatives: give one\n");
    return 2;
  }
  if (!a.zk.empty() && a.cluster.empty()) {
    std::fprintf(stderr, "pinot-export: --zk needs --cluster NAME\n");
    return 2;
  }
  if (a.zk.empty() && !a.cluster.empty()) {
    std::fprintf(stderr, "pinot-export: --cluster needs --zk\n");
    return 2;
  }
  if (a.zk.empty() && a.controller.empty() && !a.tables.empty()) {
    std::fprintf(stderr, "pinot-export: --table needs --zk or --controller\n");
    return 2;
  }
  if (a.controller.empty() && !a.controller_auth_file.empty()) {
    std::fprintf(stderr, "pinot-export: --controller-auth-file needs --controller\n");
    return 2;
  }
  const auto role = task::ParseRole(a.role);
  if (!role) {
    std::fprintf(stderr, "pinot-export: --role must be all, generator or worker\n");
    return 2;
  }
  // Cluster mode: the state lives in the cluster's ZooKeeper (unless --state names a file).
  const bool zk_state = !a.zk.empty() && !a.state_given;
  if (*role != task::Role::kAll && !zk_state) {
    std::fprintf(stderr,
                 "pinot-export: --role %s needs the state in ZooKeeper (--zk without --state)\n",
                 a.role.c_str());
    return 2;
  }
  if (a.once && *role != task::Role::kAll) {
    std::fprintf(stderr, "pinot-export: --once runs every role itself (no --role)\n");
    return 2;
  }
  // SIGTERM/SIGINT are taken by one thread (sigwait), so every other thread runs unaffected.
  // Blocked first: a signal that arrives while the state opens is handled, not fatal.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  auto configs = LoadConfigs(a.table_configs);
  if (!configs.ok()) return Fail(configs.status());
  std::unique_ptr<state::ZkSession> zk;
  if (!a.zk.empty()) {
    state::ZkOptions zo;
    zo.hosts = a.zk;
    zo.session_timeout_ms = a.zk_session_timeout_ms;
    auto c = state::ZkSession::Connect(zo);
    if (!c.ok()) return Fail(c.status());
    zk = std::move(c).value();
    auto client = zk->Client();
    if (!client.ok()) return Fail(client.status());
    for (const auto& t : a.tables) {
      auto c = task::ExportConfigFromZk(client->get(), a.cluster, t);
      if (!c.ok()) return Fail(c.status());
      configs->push_back(std::move(c).value());
    }
  }
  task::ControllerSourceOptions controller;
  if (!a.controller.empty()) {
    controller.url = a.controller;
    if (!a.controller_auth_file.empty()) {
      auto h = ReadFileToString(a.controller_auth_file);
      if (!h.ok()) return Fail(h.status());
      std::string v = *h;
      while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ')) v.pop_back();
      if (v.empty())
        return Fail(Status::InvalidArgument(a.controller_auth_file + ": empty header value"));
      log::AddSecret(v);
      controller.auth_header = v;
    }
    for (const auto& t : a.tables) {
      auto json = task::TableConfigJsonFromController(controller, t);
      if (!json.ok()) return Fail(json.status());
      auto c = task::ParseExportConfig(*json);
      if (!c.ok()) return Fail(c.status().WithContext(a.controller + " table " + t));
      configs->push_back(std::move(c).value());
    }
  }
  std::string token;
  if (!a.auth_token_file.empty()) {
    auto t = ReadFileToString(a.auth_token_file);
    if (!t.ok()) return Fail(t.status());
    token = *t;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
      token.pop_back();
    if (token.empty()) return Fail(Status::InvalidArgument(a.auth_token_file + ": empty token"));
    log::AddSecret(token);
  }

  // One process per state file: a second `run` on the same state would re-queue the first one's
  // running subtasks and remove its scratch files. (The ZooKeeper state has no such limit: every
  // process claims through ZooKeeper.)
  int lock_fd = -1;
  std::unique_ptr<state::StateStore> sqlite;
  std::unique_ptr<state::ZkStateStore> zk_store;
  state::StateStore* store = nullptr;
  if (zk_state) {
    state::ZkStoreOptions zso;
    zso.cluster = a.cluster;
    for (const auto& c : *configs) zso.tables.push_back(c.table);
    zso.session = zk.get();
    zso.max_attempts = a.max_attempts;
    zso.retry_timeout_ms = 2 * int64_t(a.zk_session_timeout_ms);
    auto s = state::ZkStateStore::Open(zso);
    if (!s.ok()) return Fail(s.status());
    zk_store = std::move(s).value();
    store = zk_store.get();
  } else {
    const std::string lock_path = a.state + ".lock";
    lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0) return Fail(Status::IOError("cannot open lock file " + lock_path));
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(lock_fd);
      return Fail(Status::Conflict(
          "state " + a.state + " is in use by another pinot-export run (lock " + lock_path + ")"));
    }
    auto s = state::OpenSqliteStore(a.state);
    if (!s.ok()) return Fail(s.status());
    sqlite = std::move(s).value();
    store = sqlite.get();
  }

  const bool tty = ::isatty(STDOUT_FILENO);
  std::mutex out_mu;
  int64_t ended = 0, completed = 0, failed = 0;
  task::ServiceOptions so;
  so.deep_store = a.deep_store;
  so.executors = a.executors;
  so.max_attempts = a.max_attempts;
  so.grace_ms = int64_t(a.grace_seconds * 1000);
  so.scratch_dir = a.scratch_dir;
  if (so.scratch_dir.empty()) {
    if (zk_state) {
      const char* tmp = std::getenv("TMPDIR");
      so.scratch_dir =
          std::string(tmp && *tmp ? tmp : "/tmp") + "/pinot-export." + std::to_string(::getpid());
    } else {
      so.scratch_dir = a.state + ".scratch";
    }
  }
  if (zk) {
    so.source_factory =
        [&zk, &a](const task::ExportConfig&) -> Result<std::unique_ptr<task::SegmentSource>> {
      task::ZkSourceOptions zo;
      zo.cluster = a.cluster;
      zo.session = zk.get();
      return std::unique_ptr<task::SegmentSource>(
          std::make_unique<task::ZkSegmentSource>(std::move(zo)));
    };
  }
  if (!a.controller.empty()) {
    so.source_factory =
        [&controller](const task::ExportConfig&) -> Result<std::unique_ptr<task::SegmentSource>> {
      return std::unique_ptr<task::SegmentSource>(
          std::make_unique<task::ControllerSegmentSource>(controller));
    };
  }
  // Cluster roles: a generator runs the (leader-gated) scheduler and no executors, a worker only
  // executors. The leader re-queues dead workers' subtasks (their claims vanish with their
  // session), checking every second.
  std::atomic<task::ClusterMember*> member{nullptr};
  if (zk_state && !a.once) {
    so.run_executors = *role != task::Role::kGenerator;
    so.run_scheduler = *role != task::Role::kWorker;
    so.leads = [&member] {
      task::ClusterMember* m = member.load();
      return m != nullptr && m->leads();
    };
    if (*role != task::Role::kWorker) so.requeue_interval_ms = 1000;
  }
  so.on_subtask_end = [&](const state::Subtask& st, const state::Outcome& o) {
    std::lock_guard<std::mutex> l(out_mu);
    ++ended;
    if (o.state == state::SubtaskState::kCompleted)
      ++completed;
    else
      ++failed;
    if (!tty) return;  // the service's log line says it
    if (o.checkpoint) {
      std::printf("  %-60s COMPLETED %10lld rows %10s %6.1f s\n", st.segment.c_str(),
                  (long long)o.checkpoint->rows, HumanBytes(o.checkpoint->bytes).c_str(),
                  double(o.checkpoint->duration_ms) / 1000.0);
    } else {
      std::printf("  %-60s %s %s\n", st.segment.c_str(), state::SubtaskStateName(o.state),
                  log::Scrub(o.error).c_str());
    }
    std::fflush(stdout);
  };
  std::vector<std::string> zk_tables = a.tables;
  auto svc = task::Service::Create(std::move(configs).value(), store, so);
  if (!svc.ok()) return Fail(svc.status());
  task::Service& service = **svc;
  Status s = service.Start();
  if (!s.ok()) return Fail(s);

  std::unique_ptr<server::Server> rest;
  if (a.port >= 0) {
    server::ServerOptions ro;
    ro.bind = a.bind;
    ro.port = a.port;
    ro.auth_token = token;
    if (zk_state && !a.once) {
      ro.task_api = *role != task::Role::kWorker;
      ro.leader_url = [&member]() -> Result<std::string> {
        task::ClusterMember* m = member.load();
        if (m == nullptr) return Status::NotFound("not in the election yet");
        return m->LeaderUrl();
      };
      ro.health = [&member]() -> std::string {
        task::ClusterMember* m = member.load();
        return m ? m->HealthJson() : std::string();
      };
    }
    auto r = server::Server::Start(&service, ro);
    if (!r.ok()) {
      service.Shutdown();
      return Fail(r.status());
    }
    rest = std::move(r).value();
    log::Info("REST API on http://" + a.bind + ":" + std::to_string(rest->port()));
  }
  std::unique_ptr<task::ClusterMember> cluster;
  if (zk_state && !a.once) {
    task::ClusterOptions co;
    co.cluster = a.cluster;
    co.role = *role;
    co.advertise_url = a.advertise_url;
    if (co.advertise_url.empty()) {
      char host[256] = {0};
      if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
      co.advertise_url = std::string("http://") + (a.bind == "127.0.0.1" ? "127.0.0.1" : host) +
                         ":" + std::to_string(rest ? rest->port() : 0);
    }
    co.watched_tables = zk_tables;
    co.session = zk.get();
    co.store = zk_store.get();
    co.service = &service;
    auto m = task::ClusterMember::Start(co);
    if (!m.ok()) {
      if (rest) rest->Stop();
      service.Shutdown();
      return Fail(m.status());
    }
    cluster = std::move(m).value();
    member = cluster.get();
    log::Info(std::string("cluster ") + a.cluster + ": role " + a.role + ", " +
              (cluster->leads() ? "leader" : "not the leader"));
  }

  std::atomic<bool> signalled{false}, finished{false};
  std::thread sig_thread([&] {
    timespec ts{0, 200 * 1000 * 1000};
    while (!finished) {
      int sig = sigtimedwait(&sigs, nullptr, &ts);
      if (sig == SIGTERM || sig == SIGINT) {
        log::Info(std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                  ": stopping (running subtasks may finish)");
        signalled = true;
        service.Shutdown();
        return;
      }
    }
  });

  int rc = 0;
  int64_t unusable = 0;
  std::map<std::string, int64_t> unusable_by_table;
  if (a.once) {
    // One line per cycle: the filesystem target's task, or the Iceberg target's decision.
    auto print = [&](const std::string& table, const task::CycleReport& rep) {
      const task::CyclePlan& p = rep.plan;
      if (!rep.action) {
        std::printf("%s: %s (%lld eligible, %zu selected, %zu late, %lld unusable)\n",
                    table.c_str(), rep.task.empty() ? "nothing to export" : rep.task.c_str(),
                    (long long)p.eligible, p.selected.size(), p.late.size(), (long long)p.unusable);
      } else if (*rep.action == task::BatchAction::kCommit && rep.commit) {
        std::printf("%s: COMMIT batch %s: %lld segment(s), %lld rows, snapshot %lld%s\n",
                    table.c_str(), rep.commit->batch_id.c_str(), (long long)rep.commit->segments,
                    (long long)rep.commit->rows, (long long)rep.commit->snapshot_id,
                    rep.commit->already_committed ? " (found already committed)" : "");
      } else {
        std::printf(
            "%s: %s%s%s (%lld eligible, %zu selected, %zu late, %lld unusable; %lld "
            "running, %lld staged)\n",
            table.c_str(), task::BatchActionName(*rep.action), rep.task.empty() ? "" : " ",
            rep.task.c_str(), (long long)p.eligible, p.selected.size(), p.late.size(),
            (long long)p.unusable, (long long)rep.counts.running, (long long)rep.counts.staged);
      }
      std::fflush(stdout);
      // Listed segments that cannot be exported (unreadable or lying metadata) fail the run:
      // their data is not in the lake, and a cron job must notice. The service logged why.
      if (p.unusable > 0) {
        unusable_by_table[table] = p.unusable;
        rc = 1;
      }
    };
    std::vector<std::pair<std::string, task::BatchAction>> iceberg_tables;
    for (const auto& table : service.Tables()) {
      auto rep = service.ScheduleNow(table);
      if (!rep.ok()) {
        log::Error(table + ": " + rep.status().ToString());
        rc = 1;
        continue;
      }
      print(table, *rep);
      if (rep->action) iceberg_tables.emplace_back(table, *rep->action);
    }
    // The Iceberg target: cycles until nothing is eligible and nothing staged is uncommitted, so
    // one invocation leaves the table up to date.
    for (auto& [table, action] : iceberg_tables) {
      while (!signalled && action != task::BatchAction::kIdle) {
        if (action == task::BatchAction::kEmit || action == task::BatchAction::kWait)
          service.WaitIdle(table);
        if (signalled) break;
        auto rep = service.ContinueNow(table);
        if (!rep.ok()) {
          log::Error(table + ": " + rep.status().ToString());
          rc = 1;
          break;
        }
        print(table, *rep);
        action = rep->action.value_or(task::BatchAction::kIdle);
      }
    }
    for (const auto& [table, n] : unusable_by_table) unusable += n;
    for (const auto& table : service.Tables()) service.WaitIdle(table);
    if (!signalled) {
      for (const auto& table : service.Tables()) {
        auto r = service.RefreshWatermark(table);
        if (!r.ok()) log::Error(table + ": " + r.status().ToString());
      }
    }
  } else {
    while (!signalled) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  finished = true;
  sig_thread.join();
  if (rest) rest->Stop();
  service.Shutdown();
  member = nullptr;
  cluster.reset();  // resigns: a follower takes over at once
  if (a.once) {
    for (const auto& table : service.Tables()) {
      auto st = service.GetStatus(table);
      if (!st.ok()) continue;
      std::printf("%s: %lld exported in total, watermark %s\n", table.c_str(),
                  (long long)st->exported,
                  st->watermark_ms ? std::to_string(*st->watermark_ms).c_str() : "(none)");
    }
    std::printf(
        "summary: %lld subtask(s): %lld completed, %lld failed, %lld unusable segment(s)%s\n",
        (long long)ended, (long long)completed, (long long)failed, (long long)unusable,
        signalled ? " (interrupted)" : "");
    if (failed > 0 || signalled) rc = 1;
  }
  if (lock_fd >= 0) ::close(lock_fd);
  if (zk_state && a.scratch_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(so.scratch_dir, ec);
  }
  return rc;
}

}  // namespace pe::cli
