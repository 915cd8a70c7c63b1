// task/: the DataExportTask service of one process — generator cycles (on a Quartz schedule or on
// demand), a pool of executors running subtasks, and the counters behind status and metrics.
//
// One Service serves one or more tables (one ExportConfig each, keyed by the table name with type,
// e.g. events_REALTIME). Everything it remembers lives in the StateStore; the service itself
// holds only counters that reset with the process (the Prometheus convention for counters).
//
// Threads: Start() launches `executors` worker threads, which claim INIT subtasks from the store
// and run them (task/executor.h), and one scheduler thread that runs a cycle for every table whose
// config has a schedule at each fire time. ScheduleNow() runs a cycle in the caller's thread.
// Shutdown() stops claiming, lets running subtasks finish until the grace period ends, then
// cancels them (a cancelled subtask goes back to INIT, so the next start runs it again) and joins
// every thread. All public methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "state/state.h"
#include "task/config.h"
#include "task/generator.h"
#include "task/iceberg_target.h"

namespace pe::task {

// Epoch milliseconds; injected so tests decide what "now" is.
using Clock = std::function<int64_t()>;
int64_t SystemNowMs();

struct ServiceOptions {
  std::string deep_store;  // --deep-store: <deepStore>/<rawTableName>/<segmentName>
  std::string worker_id;   // who claims subtasks (default "<hostname>-<pid>")
  int executors = 0;       // parallel subtasks (0 = hardware threads)
  int max_attempts = 3;    // tries of one subtask run before TASK_ERROR (transient errors only)
  int64_t retry_backoff_ms = 1000;  // first backoff, doubled per attempt, with jitter
  int64_t grace_ms = 30000;         // Shutdown(): how long running subtasks may finish
  // Parent of per-subtask scratch dirs (default $TMPDIR or /tmp). When set, the service owns it:
  // whatever a killed earlier run left there is removed at Start().
  std::string scratch_dir;
  Clock clock = SystemNowMs;
  // Where segments come from (default: the deep-store directory source over `deep_store`).
  std::function<Result<std::unique_ptr<SegmentSource>>(const ExportConfig&)> source_factory;
  // Called for every subtask that ends (progress lines of `run`).
  std::function<void(const state::Subtask&, const state::Outcome&)> on_subtask_end;

  // Cluster mode (run --role). A generator runs no executors (run_executors = false); a worker
  // runs no scheduler (run_scheduler = false). With `leads` set, scheduled cycles run only while
  // it returns true (the elected leader; ScheduleNow is not gated: the REST layer forwards it to
  // the leader), and every requeue_interval_ms (> 0) the leader returns to the queue the RUNNING
  // subtasks whose worker is gone (StateStore::RequeueRunning("")).
  bool run_executors = true;
  bool run_scheduler = true;
  std::function<bool()> leads;
  int64_t requeue_interval_ms = 0;
};

// Helix TaskState names (org.apache.helix.task.TaskState) as Pinot's task API returns them,
// derived from a task's subtasks: COMPLETED when all completed; FAILED when all ended and one is
// TASK_ERROR; STOPPED when stopped and none is running; NOT_STARTED when none has started;
// IN_PROGRESS otherwise.
std::string TaskStateName(const state::Task& task, const std::vector<state::Subtask>& subtasks);

// The result of one generator cycle.
struct CycleReport {
  std::string table;
  std::string task;  // the task created ("" when nothing was selected)
  CyclePlan plan;
  int64_t at_ms = 0;
  int64_t duration_ms = 0;
  // The Iceberg target: the cycle's decision (DecideBatch), its inputs, and the commit it made.
  std::optional<BatchAction> action;
  BatchCounts counts;
  std::optional<CommitReport> commit;
};

// GET /tasks/DataExportTask/{table}/status and the per-table metrics.
struct TableStatus {
  std::string table;
  std::optional<int64_t> watermark_ms;
  std::optional<int64_t> lag_ms;            // now - watermark
  int64_t eligible = 0;                     // at the last cycle, before the tableMaxNumTasks cap
  int64_t running = 0;                      // subtasks INIT or RUNNING now
  int64_t failed = 0;                       // subtasks ended TASK_ERROR (this process)
  int64_t exported = 0;                     // COMPLETED checkpoints in state
  int64_t late = 0;                         // exported below the watermark (this process)
  int64_t vanished = 0;                     // gone from the source before export (last cycle)
  int64_t staged = 0;                       // Iceberg: data files written, waiting for their commit
  std::optional<int64_t> last_snapshot_id;  // Iceberg: the last snapshot this process committed
  std::optional<int64_t> last_cycle_ms;
  std::string last_task;
  std::string last_error;  // one line, no secrets
};

// Process-lifetime counters for GET /metrics (Prometheus text; see server/).
struct TableMetrics {
  int64_t segments_exported = 0;
  int64_t rows_exported = 0;
  int64_t bytes_exported = 0;
  int64_t subtask_failures = 0;  // subtasks ended TASK_ERROR
  int64_t cycles = 0;
  double cycle_seconds_sum = 0;
  double subtask_seconds_sum = 0;
  int64_t subtasks_ended = 0;
  // Iceberg target.
  int64_t snapshots_committed = 0;  // batches appended (or found already appended)
  int64_t commit_attempts = 0;      // commit requests sent
  int64_t commit_conflicts = 0;     // of them answered 409
  int64_t commit_failures = 0;      // COMMIT cycles that failed (the batch stays pending)
};

class Service {
 public:
  // Validates every config (target filesystem; output filesystem opens) before anything runs.
  // `state` must outlive the service. Errors: kInvalidArgument naming table and key.
  static Result<std::unique_ptr<Service>> Create(std::vector<ExportConfig> configs,
                                                 state::StateStore* state, ServiceOptions opts);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Replaces the config of a served table (cluster mode: the table config changed in Pinot's
  // property store), checked as Create checks it; a config that fails the checks is refused and
  // the old one stays. Running subtasks finish under the config they started with; the next cycle
  // and the next subtask use the new one. kNotFound for a table not served.
  Status UpdateConfig(ExportConfig config);

  // Tables served (names with type), sorted.
  std::vector<std::string> Tables() const;
  // The config of `table`, nullptr when the table is not served.
  const ExportConfig* Config(const std::string& table) const;
  state::StateStore& state() const;
  const ServiceOptions& options() const;

  // Runs one generator cycle of `table` now (POST /tasks/schedule). kNotFound for a table not
  // served. The task name is "" when nothing was eligible. For the Iceberg target a cycle makes
  // one decision (EMIT, WAIT, COMMIT or IDLE; generator.h DecideBatch); segments whose subtask
  // failed since the last commit are held back while a batch is forming, and a cycle that finds
  // no batch forming (nothing staged, pending or running) lets them be tried again.
  Result<CycleReport> ScheduleNow(const std::string& table);
  // The same, but never lets failed segments back in before the next commit: `run --once` calls
  // it for the cycles after its first, so a segment that keeps failing ends the run instead of
  // being retried forever.
  Result<CycleReport> ContinueNow(const std::string& table);

  // A cycle that creates no task: lists the source, moves the watermark past what has been
  // exported since the last cycle and drops checkpoints of vanished segments (`run --once` ends
  // with it, so its summary shows the watermark after its own exports).
  Result<CycleReport> RefreshWatermark(const std::string& table);

  // Starts executors and the scheduler thread.
  Status Start();
  // Stops claiming work and scheduling; waits up to grace_ms for running subtasks, then cancels
  // them (returned to INIT) and joins. Idempotent.
  void Shutdown();
  // Blocks until `table` has no subtask left to run (none INIT in a task that is not stopped, none
  // RUNNING), or Shutdown() was called.
  void WaitIdle(const std::string& table);

  // PUT /tasks/{taskType}/stop and /resume: stop starting subtasks of existing and new tasks
  // (running ones finish) / start them again.
  Status StopTasks();
  Status ResumeTasks();
  // True between StopTasks() and ResumeTasks() (persisted: the newest task's stopped flag).
  bool QueueStopped() const;
  // Re-reads that flag from the state (cluster mode: a generator becoming leader takes over what
  // the previous leader was told).
  Status SyncQueueStopped();

  Result<TableStatus> GetStatus(const std::string& table);
  std::map<std::string, TableMetrics> Metrics() const;

  struct Impl;

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pe::task
