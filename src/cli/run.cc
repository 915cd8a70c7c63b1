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
#include "task/config.h"
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

// The DataExportTask config of `table` from its table config record in the cluster's property
// store (/<cluster>/PROPERTYSTORE/CONFIGS/TABLE/<table>), as Pinot's own tools write it.
Result<task::ExportConfig> ConfigFromZk(state::ZkClient* zk, const std::string& cluster,
                                        const std::string& table) {
  const std::string path = task::TableConfigPath(cluster, table);
  auto node = zk->Get(path);
  if (!node.ok()) {
    if (node.status().IsNotFound())
      return Status::NotFound("no table config " + table + " in cluster " + cluster + " (" + path +
                              ")");
    return node.status();
  }
  PE_ASSIGN_OR_RETURN(task::ZNRecord r, task::ParseZNRecord(node->data));
  PE_ASSIGN_OR_RETURN(std::string json, task::TableConfigJsonFromZk(r));
  auto c = task::ParseExportConfig(json);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
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
  if (a.zk.empty() && a.deep_store.empty()) {
    std::fprintf(stderr, "pinot-export: run needs --deep-store URI (or --zk and --cluster)\n");
    return 2;
  }
  if (!a.zk.empty() && a.cluster.empty()) {
    std::fprintf(stderr, "pinot-export: --zk needs --cluster NAME\n");
    return 2;
  }
  if (a.zk.empty() && (!a.tables.empty() || !a.cluster.empty())) {
    std::fprintf(stderr, "pinot-export: --table and --cluster need --zk\n");
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
  std::unique_ptr<state::ZkClient> zk;
  if (!a.zk.empty()) {
    state::ZkOptions zo;
    zo.hosts = a.zk;
    auto c = state::ZkClient::Connect(zo);
    if (!c.ok()) return Fail(c.status());
    zk = std::move(c).value();
    for (const auto& t : a.tables) {
      auto c = ConfigFromZk(zk.get(), a.cluster, t);
      if (!c.ok()) return Fail(c.status());
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
  // running subtasks and remove its scratch files.
  const std::string lock_path = a.state + ".lock";
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return Fail(Status::IOError("cannot open lock file " + lock_path));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return Fail(Status::Conflict(
        "state " + a.state + " is in use by another pinot-export run (lock " + lock_path + ")"));
  }
  auto store = state::OpenSqliteStore(a.state);
  if (!store.ok()) return Fail(store.status());

  const bool tty = ::isatty(STDOUT_FILENO);
  std::mutex out_mu;
  int64_t ended = 0, completed = 0, failed = 0;
  task::ServiceOptions so;
  so.deep_store = a.deep_store;
  so.executors = a.executors;
  so.max_attempts = a.max_attempts;
  so.grace_ms = int64_t(a.grace_seconds * 1000);
  so.scratch_dir = a.state + ".scratch";
  if (zk) {
    so.source_factory =
        [&zk, &a](const task::ExportConfig&) -> Result<std::unique_ptr<task::SegmentSource>> {
      return std::unique_ptr<task::SegmentSource>(
          std::make_unique<task::ZkSegmentSource>(task::ZkSourceOptions{a.cluster, zk.get()}));
    };
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
  auto svc = task::Service::Create(std::move(configs).value(), store->get(), so);
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
    auto r = server::Server::Start(&service, ro);
    if (!r.ok()) {
      service.Shutdown();
      return Fail(r.status());
    }
    rest = std::move(r).value();
    log::Info("REST API on http://" + a.bind + ":" + std::to_string(rest->port()));
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
  ::close(lock_fd);
  return rc;
}

}  // namespace pe::cli
