// task/: the Executor — one subtask is one segment: fetch → convert → upload → verify → checkpoint.
//
//   fetch    the segment (a local path, or a URI downloaded into a scratch dir), opened there;
//   convert  with the table's fileFormat.parquet.* options (convert::ConvertSegment);
//   upload   to <outputDirURI>/<segment>.parquet atomically (fs/fs.h: temp + rename, or a
//            multipart upload completed only after every part), so a reader never sees a partial
//            file, and a re-run of the same segment (a crash between upload and checkpoint)
//            replaces the same object instead of writing a second file;
//   verify   the uploaded object's size equals the written size, and the rows written equal the
//            segment's doc count;
//   result   a COMPLETED outcome carrying the checkpoint (recorded by the caller through
//            StateStore::FinishSubtask), or TASK_ERROR with the last error (one line, no secrets).
//
// With the Iceberg target (externalTable.target = iceberg-rest) convert and upload are
// task/iceberg_target.h's StageSegment: the segment becomes a new data file of the table, and the
// COMPLETED outcome carries it (Outcome::data_file) so the segment is recorded STAGED; the
// generator's COMMIT makes it COMPLETED once its batch is in the table.
//
// Transient errors (kIOError, kUnknownOutcome: disk and network) are retried with exponential
// backoff and jitter up to max_attempts; bad input (corrupt segment, unsupported data, bad
// options) fails at once. A segment gone from the deep store is reported as vanished (not retried:
// it no longer exists). Stale hidden temp files of the same output name (a killed earlier run) are
// removed before writing. Scratch files are removed on every path.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "state/state.h"
#include "task/config.h"

namespace pe::task {

struct ExecutorOptions {
  int max_attempts = 3;
  int64_t retry_backoff_ms = 1000;  // before attempt 2; doubled for each further attempt
  std::string scratch_parent;       // per-subtask scratch dirs go here (default temp dir)
  std::function<int64_t()> clock;   // epoch ms (required)
  // Waits `ms` between attempts; returns false when cancelled meanwhile (default: a sleep that
  // wakes early on `cancel`).
  std::function<bool(int64_t ms)> sleep;
  const std::atomic<bool>* cancel = nullptr;  // set: stop at the next step boundary
};

struct SubtaskResult {
  state::Outcome outcome;  // kCompleted (with checkpoint) or kTaskError
  bool vanished = false;   // the segment was gone from the deep store
  bool cancelled = false;  // stopped by `cancel`: no outcome to record (the subtask stays claimed)
  int attempts = 0;
};

// Whether `s` may succeed when tried again (disk and network trouble, ambiguous outcomes).
bool IsTransient(const Status& s);

// Runs `st` for table config `cfg`. Never throws.
SubtaskResult RunSubtask(const state::Subtask& st, const ExportConfig& cfg,
                         const ExecutorOptions& o);

}  // namespace pe::task
