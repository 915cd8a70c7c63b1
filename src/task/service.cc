// The DataExportTask service (service.h).
#include "task/service.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/file.h"
#include "common/log.h"
#include "fs/fs.h"
#include "task/crash_point.h"
#include "task/deep_store.h"
#include "task/executor.h"

namespace pe::task {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string TaskStateName(const state::Task& task, const std::vector<state::Subtask>& subtasks) {
  using S = state::SubtaskState;
  int init = 0, running = 0, completed = 0, failed = 0, stopped = 0;
  for (const auto& s : subtasks) {
    switch (s.state) {
      case S::kInit:
        ++init;
        break;
      case S::kRunning:
        ++running;
        break;
      case S::kCompleted:
        ++completed;
        break;
      case S::kTaskError:
        ++failed;
        break;
      case S::kStopped:
        ++stopped;
        break;
    }
  }
  const int n = int(subtasks.size());
  if (completed == n) return "COMPLETED";
  if (init == 0 && running == 0) return failed > 0 ? "FAILED" : "STOPPED";
  if (task.stopped && running == 0) return "STOPPED";
  if (running == 0 && completed == 0 && failed == 0 && stopped == 0) return "NOT_STARTED";
  return "IN_PROGRESS";
}

namespace {

// Task_DataExportTask_<uuid>_<millis>, as Pinot's PinotHelixTaskResourceManager names tasks
// (TASK_PREFIX + taskType + "_" + UUID.randomUUID() + "_" + System.currentTimeMillis()).
std::string NewTaskName(int64_t now_ms) {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  uint64_t hi, lo;
  {
    std::lock_guard<std::mutex> l(mu);
    hi = rng();
    lo = rng();
  }
  // UUID version 4 (RFC 4122 section 4.4): version nibble 4, variant bits 10.
  hi = (hi & ~0xF000ull) | 0x4000ull;
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32),
                unsigned((hi >> 16) & 0xFFFF), unsigned(hi & 0xFFFF), unsigned(lo >> 48),
                (unsigned long long)(lo & 0xFFFFFFFFFFFFull));
  return std::string("Task_") + kTaskType + "_" + buf + "_" + std::to_string(now_ms);
}

std::string DefaultWorkerId() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
  return std::string(host) + "-" + std::to_string(::getpid());
}

// How long ended tasks stay queryable (Helix WorkflowConfig.DEFAULT_EXPIRY: 24 h).
constexpr int64_t kTaskExpiryMs = 24 * 3600 * 1000;

struct TableRuntime {
  // The config in force. UpdateConfig swaps it; earlier versions are kept until the service ends,
  // so a reference held by a running cycle or subtask (or returned by Config()) stays valid.
  std::vector<std::unique_ptr<ExportConfig>> versions;  // guarded by cycle_mu
  std::atomic<const ExportConfig*> config{nullptr};
  const ExportConfig& cfg() const { return *config.load(); }
  std::unique_ptr<SegmentSource> source;
  std::mutex cycle_mu;  // one cycle of a table at a time
  // Iceberg: a segment's columns were checked against the table's schema before the first
  // subtask was created (guarded by cycle_mu).
  bool mapping_checked = false;
  // Guarded by Service::Impl::mu.
  TableMetrics metrics;
  int64_t eligible = 0, failed = 0, late = 0, vanished = 0;
  std::optional<int64_t> last_cycle_ms;
  std::string last_task, last_error;
  // Iceberg: segments whose subtask failed since the last commit (held back while a batch is
  // forming, see ScheduleNow), and the last snapshot committed.
  std::set<std::string> deferred;
  std::optional<int64_t> last_snapshot_id;
};

}  // namespace

struct Service::Impl {
  ServiceOptions opts;
  state::StateStore* state = nullptr;
  std::map<std::string, std::unique_ptr<TableRuntime>> tables;

  mutable std::mutex mu;
  std::condition_variable work_cv;  // new subtasks, stopping
  std::condition_variable done_cv;  // a subtask ended
  bool started = false, stopping = false, shutting_down = false, joined = false;
  int running = 0;
  std::atomic<bool> cancel{false};
  std::vector<std::thread> threads;
  std::atomic<size_t> next_table{0};  // round-robin start for claims
  uint64_t config_epoch = 0;          // UpdateConfig count (guarded by mu)
  // PUT /tasks/DataExportTask/stop: new tasks are created stopped until resumed (Helix's stopped
  // queue). Survives restarts through the state: the queue is stopped when its newest task is.
  std::atomic<bool> queue_stopped{false};

  TableRuntime* Find(const std::string& table) {
    auto it = tables.find(table);
    return it == tables.end() ? nullptr : it->second.get();
  }

  Result<std::optional<state::Subtask>> Claim() {
    std::vector<std::string> names;
    for (const auto& [n, t] : tables) names.push_back(n);
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& n = names[(next_table.load() + i) % names.size()];
      PE_ASSIGN_OR_RETURN(auto st, state->ClaimSubtask(opts.worker_id, opts.clock(), n));
      if (st) {
        next_table = (next_table.load() + i + 1) % names.size();
        return st;
      }
    }
    return std::optional<state::Subtask>();
  }

  void ExecutorLoop() {
    while (true) {
      std::optional<state::Subtask> st;
      {
        std::lock_guard<std::mutex> l(mu);
        if (stopping) return;
      }
      // Not under mu: a claim is a round trip to the store (ZooKeeper in cluster mode, retried
      // through an outage), and status, metrics and Shutdown must not wait for it. A subtask
      // claimed while Shutdown runs is cancelled like any running one (back to the queue).
      auto claimed = Claim();
      if (!claimed.ok()) {
        log::Error("claiming a subtask: " + claimed.status().ToString());
      } else {
        st = std::move(claimed).value();
      }
      {
        std::unique_lock<std::mutex> l(mu);
        if (!st) {
          if (!stopping) work_cv.wait_for(l, std::chrono::seconds(1));
          continue;
        }
        // Claimed as Shutdown began: left RUNNING for Shutdown's RequeueRunning to hand back.
        if (stopping) return;
        ++running;
      }
      Execute(*st);
      {
        std::lock_guard<std::mutex> l(mu);
        --running;
      }
      done_cv.notify_all();
    }
  }

  void Execute(const state::Subtask& st) {
    TableRuntime* t = Find(st.table);
    ExecutorOptions eo;
    eo.max_attempts = opts.max_attempts;
    eo.retry_backoff_ms = opts.retry_backoff_ms;
    eo.scratch_parent = opts.scratch_dir;
    eo.clock = opts.clock;
    eo.cancel = &cancel;
    const int64_t t0 = opts.clock();
    SubtaskResult r = RunSubtask(st, t->cfg(), eo);
    if (r.cancelled) {
      log::Info(st.name + " (" + st.segment + "): cancelled, back to the queue");
      return;  // stays RUNNING for this worker; Shutdown() re-queues it
    }
    Status s = state->FinishSubtask(st.name, opts.worker_id, r.outcome);
    if (!s.ok()) {
      log::Error(st.name + ": recording its outcome: " + s.ToString());
      return;
    }
    CrashPoint("checkpointed");
    const double secs = double(opts.clock() - t0) / 1000.0;
    {
      std::lock_guard<std::mutex> l(mu);
      TableMetrics& m = t->metrics;
      ++m.subtasks_ended;
      m.subtask_seconds_sum += secs;
      if (r.outcome.state == state::SubtaskState::kCompleted) {
        // Iceberg: staged now, counted as exported when its batch is committed.
        if (r.outcome.data_file.empty()) {
          ++m.segments_exported;
          m.rows_exported += r.outcome.checkpoint->rows;
          m.bytes_exported += r.outcome.checkpoint->bytes;
        }
      } else {
        ++m.subtask_failures;
        ++t->failed;
        if (r.vanished) ++t->vanished;
        t->last_error = st.segment + ": " + r.outcome.error;
        if (t->cfg().target == "iceberg-rest") t->deferred.insert(st.segment);
      }
    }
    if (r.outcome.state == state::SubtaskState::kCompleted && !r.outcome.data_file.empty()) {
      const auto& c = *r.outcome.checkpoint;
      log::Info(st.name + " " + st.segment + ": staged " + std::to_string(c.rows) + " rows, " +
                std::to_string(c.bytes) + " bytes as " + c.output_uri + " in " +
                std::to_string(c.duration_ms) + " ms");
    } else if (r.outcome.state == state::SubtaskState::kCompleted) {
      const auto& c = *r.outcome.checkpoint;
      log::Info(st.name + " " + st.segment + ": exported " + std::to_string(c.rows) + " rows, " +
                std::to_string(c.bytes) + " bytes to " + c.output_uri + " in " +
                std::to_string(c.duration_ms) + " ms");
    } else {
      log::Error(st.name + " " + st.segment + ": TASK_ERROR after " + std::to_string(r.attempts) +
                 " attempt(s): " + r.outcome.error);
    }
    if (opts.on_subtask_end) {
      state::Subtask ended = st;
      ended.state = r.outcome.state;
      ended.error = r.outcome.error;
      opts.on_subtask_end(ended, r.outcome);
    }
  }

  void SchedulerLoop() {
    while (true) {
      // The earliest next fire time over the scheduled tables.
      const int64_t now = opts.clock();
      std::optional<int64_t> next;
      std::vector<std::string> due;
      for (const auto& [name, t] : tables) {
        if (!t->cfg().schedule) continue;
        auto at = t->cfg().schedule->NextAfter(now);
        if (!at) continue;
        if (!next || *at < *next) {
          next = *at;
          due = {name};
        } else if (*at == *next) {
          due.push_back(name);
        }
      }
      {
        std::unique_lock<std::mutex> l(mu);
        if (stopping) return;
        // A config change (UpdateConfig) may change the schedules: start over.
        const uint64_t epoch = config_epoch;
        if (!next) {
          work_cv.wait(l, [&] { return stopping || config_epoch != epoch; });
          if (stopping) return;
          continue;
        }
        // Wait on the wall clock in steps (the injected clock decides when it is due).
        while (!stopping && config_epoch == epoch && opts.clock() < *next) {
          int64_t left = *next - opts.clock();
          work_cv.wait_for(l, std::chrono::milliseconds(std::clamp<int64_t>(left, 1, 1000)));
        }
        if (stopping) return;
        if (config_epoch != epoch) continue;
      }
      if (opts.leads && !opts.leads()) continue;  // a follower: the leader generates
      for (const std::string& name : due) {
        auto r = Run(name);
        if (!r.ok()) log::Error(name + ": scheduled cycle failed: " + r.status().ToString());
      }
    }
  }

  // Cluster mode: the leader returns dead workers' subtasks to the queue (see ServiceOptions).
  void RequeueLoop() {
    std::unique_lock<std::mutex> l(mu);
    while (!stopping) {
      work_cv.wait_for(l, std::chrono::milliseconds(opts.requeue_interval_ms));
      if (stopping) return;
      if (opts.leads && !opts.leads()) continue;
      l.unlock();
      auto r = state->RequeueRunning("");
      if (!r.ok()) log::Error("re-queueing subtasks of dead workers: " + r.status().ToString());
      l.lock();
      if (r.ok() && *r > 0) work_cv.notify_all();
    }
  }

  Result<CycleReport> Run(const std::string& table, bool create_tasks = true, bool fresh = true) {
    TableRuntime* t = Find(table);
    if (!t) return Status::NotFound("table " + table + " is not served by this pinot-export");
    std::lock_guard<std::mutex> cycle(t->cycle_mu);
    CycleReport rep;
    rep.table = table;
    rep.at_ms = opts.clock();
    Status s = Cycle(t, &rep, create_tasks, fresh);
    rep.duration_ms = opts.clock() - rep.at_ms;
    {
      std::lock_guard<std::mutex> l(mu);
      t->last_cycle_ms = rep.at_ms;
      ++t->metrics.cycles;
      t->metrics.cycle_seconds_sum += double(rep.duration_ms) / 1000.0;
      if (rep.action == BatchAction::kCommit) {
        TableMetrics& m = t->metrics;
        if (rep.commit) {
          m.commit_attempts += rep.commit->attempts;
          m.commit_conflicts += rep.commit->conflicts;
          if (rep.commit->segments > 0) {
            ++m.snapshots_committed;
            m.segments_exported += rep.commit->segments;
            m.rows_exported += rep.commit->rows;
            t->last_snapshot_id = rep.commit->snapshot_id;
          }
        } else {
          ++m.commit_failures;
        }
      }
      if (!s.ok()) {
        t->last_error = log::Scrub(s.ToString());
      } else {
        t->eligible = rep.plan.eligible;
        if (create_tasks) t->late += int64_t(rep.plan.late.size());
        if (!rep.task.empty()) t->last_task = rep.task;
      }
    }
    if (!s.ok()) return s;
    if (!rep.task.empty()) work_cv.notify_all();
    return rep;
  }

  Status Cycle(TableRuntime* t, CycleReport* rep, bool create_tasks, bool fresh) {
    const ExportConfig& c = t->cfg();
    const bool iceberg = c.target == "iceberg-rest";
    PE_ASSIGN_OR_RETURN(auto segments, t->source->ListSegments(c.source_table));
    CycleInput in;
    in.now_ms = rep->at_ms;
    in.buffer_ms = c.buffer_ms;
    in.initial_watermark_ms = c.initial_watermark_ms;
    in.max_tasks = c.max_tasks;
    PE_ASSIGN_OR_RETURN(in.watermark_ms, state->Watermark(c.table));
    PE_ASSIGN_OR_RETURN(auto checkpoints, state->Checkpoints(c.table));
    for (const auto& cp : checkpoints) in.checkpointed.insert(cp.segment);
    PE_ASSIGN_OR_RETURN(auto active, state->ActiveSegments(c.table));
    in.active.insert(active.begin(), active.end());
    std::vector<state::Staged> staged;
    std::vector<state::Batch> pending;
    if (iceberg) {
      // Staged segments wait for their commit: not eligible again.
      PE_ASSIGN_OR_RETURN(staged, state->StagedSegments(c.table));
      PE_ASSIGN_OR_RETURN(pending, state->PendingBatches(c.table));
      for (const auto& sg : staged) in.active.insert(sg.checkpoint.segment);
      std::lock_guard<std::mutex> l(mu);
      // No batch forming: whatever failed may be tried again (a fresh cycle only).
      if (fresh && staged.empty() && pending.empty() && active.empty()) t->deferred.clear();
      in.active.insert(t->deferred.begin(), t->deferred.end());
    }
    in.segments = std::move(segments);
    rep->plan = PlanCycle(in);
    CyclePlan& p = rep->plan;
    if (iceberg && create_tasks) {
      rep->counts.eligible = p.eligible;
      rep->counts.running = int64_t(active.size());
      rep->counts.staged = int64_t(staged.size());
      rep->counts.pending = !pending.empty();
      rep->counts.threshold = c.iceberg.commit_threshold;
      const BatchDecision d = DecideBatch(rep->counts);
      rep->action = d.action;
      if (d.action == BatchAction::kEmit) {
        if (int64_t(p.selected.size()) > d.emit_cap) {
          p.selected.resize(size_t(d.emit_cap));
          std::set<std::string> kept;
          for (const auto& sel : p.selected) kept.insert(sel.name);
          std::vector<std::string> late;
          for (const auto& name : p.late)
            if (kept.count(name)) late.push_back(name);
          p.late = std::move(late);
        }
      } else {
        p.selected.clear();
        p.late.clear();
      }
      // Before the first subtask: the columns of the first segment to export map onto the
      // table's schema (the "validate before exporting anything"). A segment whose
      // schema differs later is checked again when it is staged.
      if (!p.selected.empty() && !t->mapping_checked) {
        PE_RETURN_IF_ERROR(CheckMapping(
            c, p.selected.front().download_uri,
            fs::Props(c.output_fs_props.begin(), c.output_fs_props.end()), opts.scratch_dir));
        t->mapping_checked = true;
      }
    }
    if (!p.forgotten.empty()) {
      PE_RETURN_IF_ERROR(state->DropCheckpoints(c.table, p.forgotten));
      log::Info(c.table + ": dropped " + std::to_string(p.forgotten.size()) +
                " checkpoint(s) of segments gone from the source");
    }
    // Ended tasks older than a day are history (Helix's default workflow expiry).
    auto expired = state->DeleteEndedTasks(c.table, rep->at_ms - kTaskExpiryMs);
    if (!expired.ok()) return expired.status();
    if (p.watermark_ms && p.watermark_ms != in.watermark_ms) {
      Status s = state->SetWatermark(c.table, in.watermark_ms, *p.watermark_ms);
      // Another writer moved it: this cycle's value is stale, the next cycle recomputes it.
      if (!s.ok() && !s.IsConflict()) return s;
    }
    for (const auto& name : create_tasks ? p.late : std::vector<std::string>{})
      log::Warn(c.table + ": segment " + name + " ends below the watermark (late); exporting it");
    if (p.unusable > 0) {
      for (const auto& seg : in.segments)
        if (!seg.problem.empty()) log::Warn(c.table + ": segment " + seg.name + ": " + seg.problem);
    }
    if (rep->action == BatchAction::kCommit) {
      CommitOptions co;
      co.clock = opts.clock;
      co.scratch = opts.scratch_dir;
      auto cr = CommitStaged(state, c, co);
      if (!cr.ok()) {
        log::Error(c.table +
                   ": COMMIT failed (the batch stays pending and is looked for in the "
                   "table before any new attempt): " +
                   cr.status().ToString());
        return cr.status();
      }
      rep->commit = *cr;
      {
        std::lock_guard<std::mutex> l(mu);
        t->deferred.clear();
      }
      if (cr->segments > 0)
        log::Info(c.table + ": " +
                  (cr->already_committed ? std::string("found batch ")
                                         : std::string("committed batch ")) +
                  cr->batch_id + " (" + std::to_string(cr->segments) + " segment(s), " +
                  std::to_string(cr->rows) + " rows) as snapshot " +
                  std::to_string(cr->snapshot_id) + " after " + std::to_string(cr->attempts) +
                  " attempt(s), " + std::to_string(cr->conflicts) + " conflict(s)");
      // The watermark moves past what the commit made COMPLETED at the next cycle.
      return Status::OK();
    }
    if (p.selected.empty() || !create_tasks) return Status::OK();
    state::Task task;
    task.name = NewTaskName(rep->at_ms);
    task.task_type = kTaskType;
    task.table = c.table;
    task.created_ms = rep->at_ms;
    task.stopped = queue_stopped;
    std::vector<state::Subtask> subs;
    for (size_t i = 0; i < p.selected.size(); ++i) {
      state::Subtask s;
      s.name = task.name + "_" + std::to_string(i);
      s.task = task.name;
      s.table = c.table;
      s.segment = p.selected[i].name;
      s.segment_uri = p.selected[i].download_uri;
      s.end_time_ms = *p.selected[i].end_time_ms;
      subs.push_back(std::move(s));
    }
    PE_RETURN_IF_ERROR(state->AddTask(task, subs));
    rep->task = task.name;
    log::Info(c.table + ": created " + task.name + " with " + std::to_string(subs.size()) +
              " subtask(s) (" + std::to_string(p.eligible) + " eligible)");
    return Status::OK();
  }

  // True when `table` has nothing left to run (see WaitIdle).
  Result<bool> Idle(const std::string& table) {
    PE_ASSIGN_OR_RETURN(auto tasks, state->Tasks(kTaskType, table));
    for (const auto& task : tasks) {
      PE_ASSIGN_OR_RETURN(auto subs, state->Subtasks(task.name));
      for (const auto& s : subs) {
        if (s.state == state::SubtaskState::kRunning) return false;
        if (s.state == state::SubtaskState::kInit && !task.stopped) return false;
      }
    }
    return true;
  }
};

namespace {

// Checks one table's config before it is served (the output filesystem opens; the Iceberg
// catalog answers and the table is usable) and makes its segment source.
Result<std::unique_ptr<SegmentSource>> PrepareTable(const ExportConfig& c, state::StateStore* st,
                                                    const ServiceOptions& opts) {
  const std::string& table = c.table;
  for (const auto& [k, v] : c.keys)
    if (IsSecretKey(k)) log::AddSecret(v);
  fs::Props props(c.output_fs_props.begin(), c.output_fs_props.end());
  if (c.target == "iceberg-rest") {
    // The catalog answers, the table exists, is unpartitioned and writes Parquet: checked now,
    // before anything runs.
    PE_ASSIGN_OR_RETURN(auto catalog, ConnectCatalog(c));
    auto t = LoadAndCheckTable(catalog.get(), c);
    if (!t.ok()) return t.status().WithContext(table);
  } else {
    // Configuration problems of the output store (scheme, class, credentials) fail now.
    auto out = fs::OpenFileSystem(c.output_dir_uri, props, c.output_fs_class);
    if (!out.ok()) return out.status().WithContext(table + ": outputDirURI");
  }
  if (opts.source_factory) return opts.source_factory(c);
  DeepStoreOptions d;
  d.uri = opts.deep_store;
  d.props = props;
  d.cache = st;
  d.scratch_parent = opts.scratch_dir;
  return std::unique_ptr<SegmentSource>(std::make_unique<DeepStoreSource>(std::move(d)));
}

}  // namespace

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() { Shutdown(); }

Result<std::unique_ptr<Service>> Service::Create(std::vector<ExportConfig> configs,
                                                 state::StateStore* st, ServiceOptions opts) {
  auto impl = std::make_unique<Impl>();
  if (st == nullptr) return Status::InvalidArgument("no state store");
  if (configs.empty()) return Status::InvalidArgument("no table config to serve");
  if (!opts.clock) opts.clock = SystemNowMs;
  if (opts.worker_id.empty()) opts.worker_id = DefaultWorkerId();
  if (opts.executors <= 0) opts.executors = int(std::max(1u, std::thread::hardware_concurrency()));
  if (!opts.source_factory && opts.deep_store.empty())
    return Status::InvalidArgument("no deep store given (--deep-store URI)");
  impl->state = st;
  for (auto& c : configs) {
    const std::string table = c.table;
    if (impl->tables.count(table))
      return Status::InvalidArgument("table " + table + " is configured twice");
    auto t = std::make_unique<TableRuntime>();
    PE_ASSIGN_OR_RETURN(t->source, PrepareTable(c, st, opts));
    t->versions.push_back(std::make_unique<ExportConfig>(std::move(c)));
    t->config = t->versions.back().get();
    impl->tables[table] = std::move(t);
  }
  PE_ASSIGN_OR_RETURN(auto tasks, st->Tasks(kTaskType));
  if (!tasks.empty()) impl->queue_stopped = tasks.back().stopped;
  impl->opts = std::move(opts);
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

Status Service::UpdateConfig(ExportConfig config) {
  Impl& m = *impl_;
  TableRuntime* t = m.Find(config.table);
  if (!t) return Status::NotFound("table " + config.table + " is not served by this pinot-export");
  PE_ASSIGN_OR_RETURN(auto source, PrepareTable(config, m.state, m.opts));
  std::lock_guard<std::mutex> cycle(t->cycle_mu);
  t->source = std::move(source);
  t->versions.push_back(std::make_unique<ExportConfig>(std::move(config)));
  t->config = t->versions.back().get();
  t->mapping_checked = false;
  {
    std::lock_guard<std::mutex> l(m.mu);
    ++m.config_epoch;
    m.work_cv.notify_all();  // the scheduler recomputes its next fire time
  }
  log::Info(t->cfg().table + ": config updated");
  return Status::OK();
}

std::vector<std::string> Service::Tables() const {
  std::vector<std::string> out;
  for (const auto& [n, t] : impl_->tables) out.push_back(n);
  return out;
}

const ExportConfig* Service::Config(const std::string& table) const {
  auto it = impl_->tables.find(table);
  return it == impl_->tables.end() ? nullptr : &it->second->cfg();
}

state::StateStore& Service::state() const { return *impl_->state; }
const ServiceOptions& Service::options() const { return impl_->opts; }

Result<CycleReport> Service::ScheduleNow(const std::string& table) { return impl_->Run(table); }

Result<CycleReport> Service::ContinueNow(const std::string& table) {
  return impl_->Run(table, /*create_tasks=*/true, /*fresh=*/false);
}

Result<CycleReport> Service::RefreshWatermark(const std::string& table) {
  return impl_->Run(table, /*create_tasks=*/false);
}

Status Service::Start() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> l(m.mu);
  if (m.started) return Status::OK();
  if (m.stopping) return Status::Cancelled("service was shut down");
  if (!m.opts.scratch_dir.empty()) {
    // Ours alone: what is here was left by a killed run.
    std::error_code ec;
    std::filesystem::remove_all(m.opts.scratch_dir, ec);
    std::filesystem::create_directories(m.opts.scratch_dir, ec);
    if (ec)
      return Status::IOError("cannot create scratch dir " + m.opts.scratch_dir + ": " +
                             ec.message());
  }
  // Whoever held RUNNING subtasks of this embedded store is dead (one process owns the file).
  PE_ASSIGN_OR_RETURN(int requeued, m.state->RequeueRunning(""));
  if (requeued > 0)
    log::Warn("re-queued " + std::to_string(requeued) + " subtask(s) left RUNNING by a dead run");
  m.started = true;
  if (m.opts.run_executors)
    for (int i = 0; i < m.opts.executors; ++i) m.threads.emplace_back([&m] { m.ExecutorLoop(); });
  if (m.opts.run_scheduler) m.threads.emplace_back([&m] { m.SchedulerLoop(); });
  if (m.opts.requeue_interval_ms > 0) m.threads.emplace_back([&m] { m.RequeueLoop(); });
  return Status::OK();
}

void Service::Shutdown() {
  Impl& m = *impl_;
  {
    std::unique_lock<std::mutex> l(m.mu);
    if (m.shutting_down) {  // another thread shuts down: wait for it to finish
      m.done_cv.wait(l, [&] { return m.joined; });
      return;
    }
    m.shutting_down = true;
    m.stopping = true;
    m.work_cv.notify_all();
    if (m.running > 0) {
      log::Info("waiting up to " + std::to_string(m.opts.grace_ms) + " ms for " +
                std::to_string(m.running) + " running subtask(s)");
      m.done_cv.wait_for(l, std::chrono::milliseconds(m.opts.grace_ms),
                         [&] { return m.running == 0; });
    }
    if (m.running > 0) m.cancel = true;
  }
  for (auto& t : m.threads) t.join();
  m.threads.clear();
  if (m.started) {
    auto r = m.state->RequeueRunning(m.opts.worker_id);
    if (!r.ok()) log::Error("re-queueing cancelled subtasks: " + r.status().ToString());
  }
  {
    std::lock_guard<std::mutex> l(m.mu);
    m.joined = true;
  }
  m.done_cv.notify_all();
}

void Service::WaitIdle(const std::string& table) {
  Impl& m = *impl_;
  std::unique_lock<std::mutex> l(m.mu);
  while (!m.stopping) {
    l.unlock();
    auto idle = m.Idle(table);
    l.lock();
    if (!idle.ok()) {
      log::Error("waiting for " + table + ": " + idle.status().ToString());
      return;
    }
    // running == 0 too: a subtask's state ends before its executor has counted it.
    if (*idle && m.running == 0) return;
    m.done_cv.wait_for(l, std::chrono::milliseconds(200));
  }
}

Status Service::StopTasks() {
  impl_->queue_stopped = true;
  return impl_->state->SetStopped(kTaskType, true);
}

Status Service::ResumeTasks() {
  impl_->queue_stopped = false;
  PE_RETURN_IF_ERROR(impl_->state->SetStopped(kTaskType, false));
  impl_->work_cv.notify_all();
  return Status::OK();
}

bool Service::QueueStopped() const { return impl_->queue_stopped; }

Status Service::SyncQueueStopped() {
  PE_ASSIGN_OR_RETURN(auto tasks, impl_->state->Tasks(kTaskType));
  if (!tasks.empty()) impl_->queue_stopped = tasks.back().stopped;
  return Status::OK();
}

Result<TableStatus> Service::GetStatus(const std::string& table) {
  Impl& m = *impl_;
  TableRuntime* t = m.Find(table);
  if (!t) return Status::NotFound("table " + table + " is not served by this pinot-export");
  TableStatus s;
  s.table = table;
  PE_ASSIGN_OR_RETURN(s.watermark_ms, m.state->Watermark(table));
  if (s.watermark_ms) s.lag_ms = std::max<int64_t>(0, m.opts.clock() - *s.watermark_ms);
  PE_ASSIGN_OR_RETURN(auto active, m.state->ActiveSegments(table));
  s.running = int64_t(active.size());
  PE_ASSIGN_OR_RETURN(auto cps, m.state->Checkpoints(table));
  s.exported = int64_t(cps.size());
  PE_ASSIGN_OR_RETURN(auto staged, m.state->StagedSegments(table));
  s.staged = int64_t(staged.size());
  std::lock_guard<std::mutex> l(m.mu);
  s.last_snapshot_id = t->last_snapshot_id;
  s.eligible = t->eligible;
  s.failed = t->failed;
  s.late = t->late;
  s.vanished = t->vanished;
  s.last_cycle_ms = t->last_cycle_ms;
  s.last_task = t->last_task;
  s.last_error = t->last_error;
  return s;
}

std::map<std::string, TableMetrics> Service::Metrics() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  std::map<std::string, TableMetrics> out;
  for (const auto& [n, t] : impl_->tables) out[n] = t->metrics;
  return out;
}

}  // namespace pe::task
