// state/: what the export task remembers — per-table watermark, COMPLETED checkpoints, tasks and
// subtasks with their states, attempts and errors, and a cache of segment metadata.
//
// StateStore is the small interface both stores implement: the embedded SQLite file
// (OpenSqliteStore, the default) and the ZooKeeper store of cluster mode. Every mutation that
// must not be lost or half-applied is one call here and one transaction in the store:
//   - SetWatermark is a compare-and-set (kConflict when another writer moved it);
//   - ClaimSubtask moves one NOT_STARTED subtask to RUNNING for one worker;
//   - FinishSubtask ends a RUNNING subtask and, on success, records its checkpoint atomically;
//   - RequeueRunning returns subtasks left RUNNING by a dead worker to NOT_STARTED.
// Names of states are Pinot's (Helix TaskPartitionState for subtasks, TaskState for tasks), so the
// REST layer returns them as they are.
//
// Thread-safety: a StateStore may be used from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace pe::state {

// Helix TaskPartitionState names (org.apache.helix.task.TaskPartitionState) that pinot-export uses.
enum class SubtaskState { kInit, kRunning, kCompleted, kTaskError, kStopped };
const char* SubtaskStateName(SubtaskState s);  // "INIT", "RUNNING", "COMPLETED", "TASK_ERROR", ...
std::optional<SubtaskState> ParseSubtaskState(std::string_view name);

// A segment exported for good: the reason it is never exported twice.
struct Checkpoint {
  std::string table;  // table name with type, e.g. events_REALTIME
  std::string segment;
  std::string output_uri;
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t segment_crc = -1;  // the segment's CRC (creation.meta), -1 if unknown
  int64_t end_time_ms = 0;   // the segment's end time (for the watermark)
  int64_t duration_ms = 0;
  int64_t completed_ms = 0;  // when the checkpoint was recorded
};

struct Task {
  std::string name;       // Task_DataExportTask_<uuid>_<millis>
  std::string task_type;  // DataExportTask
  std::string table;
  int64_t created_ms = 0;
  bool stopped = false;  // PUT /tasks/{type}/stop: its INIT subtasks are not started
};

struct Subtask {
  std::string name;  // <task name>_<index>
  std::string task;
  std::string table;
  std::string segment;
  std::string segment_uri;  // where the executor fetches it
  int64_t end_time_ms = 0;
  SubtaskState state = SubtaskState::kInit;
  int attempts = 0;
  std::string worker;  // who runs it (RUNNING) or ran it last
  std::string error;   // last error, one line, no secrets
  int64_t started_ms = 0, finished_ms = 0;
};

// Metadata of one segment as read from its metadata.properties, keyed by where it was read and
// the object's identity (size and modification time): a changed object is read again.
struct SegmentInfo {
  std::string uri;
  int64_t size = 0;
  int64_t mtime_ms = 0;
  std::string name;
  std::optional<int64_t> start_time_ms, end_time_ms;
  int64_t total_docs = 0;
  int64_t crc = -1;
};

// How a claimed subtask ended.
struct Outcome {
  SubtaskState state = SubtaskState::kCompleted;  // kCompleted, kTaskError or kStopped
  std::string error;                              // for kTaskError
  std::optional<Checkpoint> checkpoint;           // required for kCompleted
  int64_t finished_ms = 0;
  // The Iceberg target: the data file (iceberg::DataFileToJson) written for the segment. When
  // set, kCompleted records the segment as STAGED (waiting for its batch's commit), not as a
  // COMPLETED checkpoint; `checkpoint` describes the staged file (output_uri = the data file).
  std::string data_file;
};

// A segment whose data file is written but not yet committed to the Iceberg table (STAGED).
struct Staged {
  Checkpoint checkpoint;  // what becomes the COMPLETED checkpoint once the batch is committed
  std::string data_file;  // iceberg::DataFile as JSON
  std::string batch_id;   // "" until the generator puts it in a batch
};

// One Iceberg append: a set of staged segments committed as one snapshot. Recorded before the
// first commit attempt, so that after a crash the same batch (same id, same snapshot id, same
// manifest) is looked for in the table and finished, never appended a second time.
struct Batch {
  std::string table;
  std::string id;  // deterministic: a digest of the table and the segment names
  int64_t snapshot_id = 0;
  std::string manifest_uri;     // "" until the manifest is written
  int64_t manifest_length = 0;  // its size in bytes
  int64_t created_ms = 0;
  std::vector<std::string> segments;  // sorted
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // The table's watermark (epoch ms), nullopt before it was first set.
  virtual Result<std::optional<int64_t>> Watermark(const std::string& table) = 0;
  // Sets the watermark to `value` if it still is `expected` (nullopt: not set yet).
  // Errors: kConflict when it is not.
  virtual Status SetWatermark(const std::string& table, std::optional<int64_t> expected,
                              int64_t value) = 0;

  // Records a task (stopped as task.stopped says) and its subtasks (state INIT) in one step.
  // Errors: kConflict when a subtask's segment is already in a task that has not ended (INIT or
  // RUNNING), already checkpointed, or staged.
  virtual Status AddTask(const Task& task, const std::vector<Subtask>& subtasks) = 0;
  // Claims the oldest INIT subtask of a task that is not stopped (optionally of one table) for
  // `worker`: RUNNING, attempts + 1, started now. nullopt when there is none.
  virtual Result<std::optional<Subtask>> ClaimSubtask(const std::string& worker, int64_t now_ms,
                                                      const std::string& table = "") = 0;
  // Ends subtask `name`, which `worker` must hold RUNNING; on kCompleted the checkpoint (or, with
  // outcome.data_file, the staged data file) is recorded in the same transaction. Errors: kConflict
  // when the subtask is not RUNNING for `worker` (it was re-queued or claimed by another),
  // kInvalidArgument for kCompleted without a checkpoint.
  virtual Status FinishSubtask(const std::string& name, const std::string& worker,
                               const Outcome& outcome) = 0;
  // Returns subtasks RUNNING for `worker` (every worker when empty) to INIT; returns how many.
  // The embedded store calls it for every worker at start: whoever held them is dead.
  virtual Result<int> RequeueRunning(const std::string& worker) = 0;
  // Stops or resumes the not-yet-started subtasks of every task of `task_type`.
  virtual Status SetStopped(const std::string& task_type, bool stopped) = 0;

  virtual Result<std::vector<Task>> Tasks(const std::string& task_type,
                                          const std::string& table = "") = 0;
  virtual Result<std::optional<Task>> GetTask(const std::string& name) = 0;
  virtual Result<std::vector<Subtask>> Subtasks(const std::string& task) = 0;
  virtual Result<std::optional<Subtask>> GetSubtask(const std::string& name) = 0;
  // Segments of `table` in a task that has not ended (INIT or RUNNING subtasks).
  virtual Result<std::vector<std::string>> ActiveSegments(const std::string& table) = 0;

  virtual Result<std::vector<Checkpoint>> Checkpoints(const std::string& table) = 0;
  // Removes the checkpoints of `segments` (gone from the source: retention).
  virtual Status DropCheckpoints(const std::string& table,
                                 const std::vector<std::string>& segments) = 0;

  // Deletes `table`'s tasks created before `before_ms` whose subtasks have all ended (Helix
  // expires finished workflows the same way, WorkflowConfig's 24 h default expiry); returns how
  // many. Keeps the task history proportional to recent activity, not to the table's age.
  virtual Result<int> DeleteEndedTasks(const std::string& table, int64_t before_ms) = 0;
  // Drops cached metadata of URIs starting with `prefix` that are not in `keep` (segments gone
  // from the deep store); returns how many.
  virtual Result<int> DropCachedSegmentsExcept(const std::string& prefix,
                                               const std::set<std::string>& keep) = 0;
  // The Iceberg staged queue. Staged segments of `table`, in or out of a batch, by segment name.
  virtual Result<std::vector<Staged>> StagedSegments(const std::string& table) = 0;
  // Records `batch` and assigns its segments to it. Errors: kConflict when a segment is not
  // staged or already in a batch, or the batch exists.
  virtual Status CreateBatch(const Batch& batch) = 0;
  // Batches of `table` not yet known committed, oldest first.
  virtual Result<std::vector<Batch>> PendingBatches(const std::string& table) = 0;
  // Records the manifest written for a batch (reused by every later attempt).
  virtual Status SetBatchManifest(const std::string& table, const std::string& batch_id,
                                  const std::string& manifest_uri, int64_t manifest_length) = 0;
  // The batch is in the table: its staged segments become COMPLETED checkpoints (completed_ms =
  // `committed_ms`) and the batch and staged rows are removed, in one transaction.
  // Errors: kNotFound for an unknown batch.
  virtual Status CommitBatch(const std::string& table, const std::string& batch_id,
                             int64_t committed_ms) = 0;

  virtual Result<std::optional<SegmentInfo>> CachedSegment(const std::string& uri, int64_t size,
                                                           int64_t mtime_ms) = 0;
  virtual Status CacheSegment(const SegmentInfo& info) = 0;
};

// Opens (creating if needed) the SQLite state file at `path`: WAL journal, synchronous=FULL,
// schema versioned with PRAGMA user_version and migrated forward on open. A file written by a
// newer pinot-export (higher version) is refused with kNotSupported.
Result<std::unique_ptr<StateStore>> OpenSqliteStore(const std::string& path);

}  // namespace pe::state
