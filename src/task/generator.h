// task/: where segments come from, and the Generator's decision for one cycle.
//
// SegmentSource lists a REALTIME table's segments with what the Generator needs (the deep-store
// directory source of the embedded mode, or Pinot's ZooKeeper metadata in cluster mode).
// PlanCycle is the Generator's rule set as a pure function of that listing, the state and the
// clock, so every rule is tested on its own:
//
//   eligible  = completed, has a download URI and an end time, end time <= now - bufferTimePeriod,
//               end time >= initialWatermarkMs (when set), no COMPLETED checkpoint, not in a task
//               that has not ended (INIT/RUNNING);
//   selected  = eligible ordered by (end time, name), the first tableMaxNumTasks of them;
//   watermark = the largest T such that every known segment (at or past initialWatermarkMs) that
//               ends before T is checkpointed: the end time of the earliest-ending segment not yet
//               checkpointed, or one past the latest end time when all are. It only moves forward.
//               It measures progress and lag; it never hides a segment: an eligible segment ending
//               below the stored watermark (a lagging partition, a backfill) is still selected and
//               reported as late;
//   forgotten = checkpoints whose segment is no longer listed (retention): dropped, so state stays
//               proportional to the table, not to its history.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace pe::task {

struct SegmentRecord {
  std::string name;
  std::string download_uri;  // where the executor fetches it; "" = not in deep store (yet)
  bool completed = true;     // DONE/UPLOADED (every segment in a deep-store directory is)
  std::optional<int64_t> start_time_ms, end_time_ms;
  int64_t total_docs = -1;
  int64_t crc = -1;
  std::string problem;  // non-empty: listed but unusable (e.g. unreadable metadata), why
};

class SegmentSource {
 public:
  virtual ~SegmentSource() = default;
  // Every segment of `table_with_type`, in no particular order.
  virtual Result<std::vector<SegmentRecord>> ListSegments(const std::string& table_with_type) = 0;
};

struct CycleInput {
  int64_t now_ms = 0;
  int64_t buffer_ms = 0;
  std::optional<int64_t> initial_watermark_ms;
  std::optional<int64_t> max_tasks;
  std::optional<int64_t> watermark_ms;  // as stored (nullopt on the first cycle)
  std::set<std::string> checkpointed;   // segments with a COMPLETED checkpoint
  std::set<std::string> active;         // segments in INIT/RUNNING subtasks
  std::vector<SegmentRecord> segments;  // the source's listing
};

struct CyclePlan {
  std::vector<SegmentRecord> selected;  // one subtask each, in this order
  std::vector<std::string> late;        // selected segments ending below the stored watermark
  std::optional<int64_t> watermark_ms;  // the new watermark (>= the stored one)
  std::vector<std::string> forgotten;   // checkpoints to drop
  // Counts for status and metrics.
  int64_t eligible = 0;          // before the tableMaxNumTasks cap
  int64_t in_buffer = 0;         // completed but ending within bufferTimePeriod
  int64_t not_completed = 0;     // still consuming / committing
  int64_t not_downloadable = 0;  // completed but not in deep store yet
  int64_t before_initial = 0;    // ending before initialWatermarkMs
  int64_t unusable = 0;          // listed with a problem (or no end time)
};

CyclePlan PlanCycle(const CycleInput& in);

// The Iceberg target's decision for one cycle (the reference's EMIT / WAIT / COMMIT), from counts
// of the table's segments:
//   eligible  eligible segments (PlanCycle), minus those whose subtask failed since the oldest
//             staged segment was staged (so a segment that keeps failing cannot hold a batch
//             back: it is tried again after the commit);
//   running   segments in subtasks not yet ended (INIT or RUNNING);
//   staged    segments whose data file is written, not yet committed;
//   pending   whether a batch is recorded but not known committed (a crash or an unknown
//             outcome interrupted its commit).
// Rules, first match wins:
//   1. pending                                          COMMIT (finish that batch first)
//   2. staged >= threshold                              COMMIT
//   3. eligible > 0 and running + staged < threshold    EMIT at most threshold - running - staged
//   4. running > 0                                      WAIT (running + staged >= threshold, or
//                                                       nothing eligible and a batch forming)
//   5. staged > 0                                       COMMIT (nothing eligible, nothing running)
//   6. otherwise                                        IDLE
// So EMIT happens while eligible segments exist and running + staged < threshold; WAIT when
// running + staged >= threshold; COMMIT when staged >= threshold or nothing eligible remains —
// with rule 4 preferring one snapshot for a batch still running over two snapshots.
enum class BatchAction { kIdle, kEmit, kWait, kCommit };
const char* BatchActionName(BatchAction a);  // "IDLE", "EMIT", "WAIT", "COMMIT"

struct BatchCounts {
  int64_t eligible = 0, running = 0, staged = 0;
  bool pending = false;
  int64_t threshold = 250;  // iceberg.commitThreshold
};

struct BatchDecision {
  BatchAction action = BatchAction::kIdle;
  int64_t emit_cap = 0;  // kEmit: most subtasks to create (tableMaxNumTasks applies as well)
};

BatchDecision DecideBatch(const BatchCounts& c);

}  // namespace pe::task
