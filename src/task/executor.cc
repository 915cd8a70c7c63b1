// The Executor (executor.h).
#include "task/executor.h"

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "common/file.h"
#include "common/log.h"
#include "convert/convert.h"
#include "fs/fs.h"
#include "fs/transfer.h"
#include "segment/segment.h"
#include "task/crash_point.h"
#include "task/iceberg_target.h"

namespace pe::task {

bool IsTransient(const Status& s) { return s.IsIOError() || s.IsUnknownOutcome(); }

namespace {

struct Attempt {
  Status status;
  bool vanished = false;
  state::Checkpoint checkpoint;
  std::string data_file;  // the Iceberg target: the staged DataFile as JSON
};

bool Cancelled(const ExecutorOptions& o) { return o.cancel && o.cancel->load(); }

// Removes hidden temp files "<dir>/.<name>.tmp-*" that a killed earlier attempt left beside
// `uri` (common/file.h HiddenTempPath). Best effort: a failure here does not fail the export.
void RemoveStaleTemps(fs::FileSystem* out, const std::string& uri) {
  size_t slash = uri.rfind('/');
  if (slash == std::string::npos) return;
  std::string prefix = uri.substr(0, slash + 1) + "." + uri.substr(slash + 1) + ".tmp-";
  auto files = out->List(prefix);
  if (!files.ok()) return;
  for (const auto& f : *files) {
    if (out->Delete(f.uri).ok()) log::Info("removed stale temp file " + f.uri);
  }
}

Attempt RunOnce(const state::Subtask& st, const ExportConfig& cfg, const ExecutorOptions& o) {
  Attempt a;
  const int64_t t0 = o.clock();
  auto tmp = TempDir::Make("pinot-export-subtask", o.scratch_parent);
  if (!tmp.ok()) {
    a.status = tmp.status();
    return a;
  }
  const std::string out_uri = cfg.OutputUri(st.segment);
  fs::Transfer io(fs::Props(cfg.output_fs_props.begin(), cfg.output_fs_props.end()),
                  cfg.output_fs_class, tmp->path());
  auto fail = [&](Status s) {
    a.status = std::move(s);
    return a;
  };

  // Fetch. A segment missing from the deep store vanished (retention, a deleted table).
  std::string input = st.segment_uri;
  if (!fs::IsRemoteUri(input)) {
    std::string path = input.rfind("file://", 0) == 0 ? input.substr(7) : input;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      a.vanished = true;
      return fail(Status::NotFound(input + ": segment vanished from the deep store"));
    }
  }
  auto local = io.FetchInput(input);
  if (!local.ok()) {
    if (local.status().IsNotFound()) {
      a.vanished = true;
      return fail(Status::NotFound(input + ": segment vanished from the deep store"));
    }
    return fail(local.status());
  }
  CrashPoint("fetched");
  if (Cancelled(o)) return fail(Status::Cancelled("cancelled"));
  segment::OpenOptions oo;
  oo.extract_dir = tmp->path() + "/segment";
  auto seg = segment::Segment::Open(*local, oo);
  if (!seg.ok()) return fail(seg.status());
  const segment::SegmentMeta meta = (*seg)->meta();  // a copy: *seg is reset before the upload
  if (meta.name != st.segment && !meta.name.empty()) {
    return fail(Status::Corruption(input + ": metadata.properties names segment '" + meta.name +
                                   "', expected '" + st.segment + "'"));
  }

  if (cfg.target == "iceberg-rest") {
    // A new data file of the table, staged for the generator's next commit (iceberg_target.h).
    if (Cancelled(o)) return fail(Status::Cancelled("cancelled"));
    auto staged = StageSegment(**seg, cfg, tmp->path(), o.cancel);
    if (!staged.ok()) return fail(staged.status());
    a.checkpoint.table = st.table;
    a.checkpoint.segment = st.segment;
    a.checkpoint.output_uri = staged->file.file_path;
    a.checkpoint.rows = int64_t(staged->summary.rows);
    a.checkpoint.bytes = int64_t(staged->summary.bytes);
    a.checkpoint.segment_crc = meta.crc.value_or(-1);
    a.checkpoint.end_time_ms = st.end_time_ms;
    const int64_t t1 = o.clock();
    a.checkpoint.duration_ms = t1 - t0;
    a.checkpoint.completed_ms = t1;
    a.data_file = iceberg::DataFileToJson(staged->file);
    return a;
  }

  // Convert (locally: in place for a local output, into scratch for a remote one) and upload.
  fs::Props props(cfg.output_fs_props.begin(), cfg.output_fs_props.end());
  auto out_fs = fs::OpenFileSystem(out_uri, props, cfg.output_fs_class);
  if (!out_fs.ok()) return fail(out_fs.status());
  RemoveStaleTemps(out_fs->get(), out_uri);
  auto local_out = io.LocalOutputPath(out_uri);
  if (!local_out.ok()) return fail(local_out.status());
  if (Cancelled(o)) return fail(Status::Cancelled("cancelled"));
  auto sum = convert::ConvertSegment(**seg, *local_out, cfg.parquet, o.cancel);
  if (!sum.ok()) return fail(sum.status().WithContext(st.segment));
  seg->reset();  // unmaps and removes the extracted copy before the upload
  CrashPoint("converted");
  if (Cancelled(o)) {
    if (fs::IsRemoteUri(out_uri)) std::filesystem::remove(*local_out);
    return fail(Status::Cancelled("cancelled"));
  }
  Status up = io.PublishOutput(*local_out, out_uri);
  if (!up.ok()) return fail(up);
  CrashPoint("uploaded");

  // Verify what readers will see.
  if (sum->rows != meta.total_docs) {
    return fail(Status::Corruption(st.segment + ": wrote " + std::to_string(sum->rows) +
                                   " rows but the segment has " + std::to_string(meta.total_docs) +
                                   " docs"));
  }
  auto size = (*out_fs)->Size(out_uri);
  if (!size.ok()) return fail(size.status().WithContext("verifying " + out_uri));
  if (*size != sum->bytes) {
    return fail(Status::UnknownOutcome(out_uri + ": uploaded object has " + std::to_string(*size) +
                                       " bytes, wrote " + std::to_string(sum->bytes)));
  }
  a.checkpoint.table = st.table;
  a.checkpoint.segment = st.segment;
  a.checkpoint.output_uri = out_uri;
  a.checkpoint.rows = int64_t(sum->rows);
  a.checkpoint.bytes = int64_t(sum->bytes);
  a.checkpoint.segment_crc = meta.crc.value_or(-1);
  a.checkpoint.end_time_ms = st.end_time_ms;
  const int64_t t1 = o.clock();
  a.checkpoint.duration_ms = t1 - t0;
  a.checkpoint.completed_ms = t1;
  return a;
}

bool DefaultSleep(const ExecutorOptions& o, int64_t ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (Cancelled(o)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(ms, 50)));
  }
  return !Cancelled(o);
}

}  // namespace

SubtaskResult RunSubtask(const state::Subtask& st, const ExportConfig& cfg,
                         const ExecutorOptions& o) {
  SubtaskResult r;
  std::mt19937_64 rng(std::random_device{}());
  const int max_attempts = std::max(1, o.max_attempts);
  Status last;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    r.attempts = attempt;
    Attempt a;
    try {
      a = RunOnce(st, cfg, o);
    } catch (const std::exception& e) {  // e.g. bad_alloc: one subtask fails, the service lives
      a.status = Status::IOError(st.segment + ": " + e.what());
    }
    if (a.status.ok()) {
      r.outcome.state = state::SubtaskState::kCompleted;
      r.outcome.checkpoint = std::move(a.checkpoint);
      r.outcome.data_file = std::move(a.data_file);
      r.outcome.finished_ms = o.clock();
      return r;
    }
    if (a.status.IsCancelled() || Cancelled(o)) {
      r.cancelled = true;
      return r;
    }
    last = a.status;
    r.vanished = a.vanished;
    if (a.vanished || !IsTransient(a.status) || attempt == max_attempts) break;
    // Exponential backoff with full jitter in [base/2, base].
    int64_t base = o.retry_backoff_ms << std::min(attempt - 1, 16);
    int64_t wait = base / 2 + int64_t(rng() % uint64_t(base / 2 + 1));
    log::Warn(st.name + ": attempt " + std::to_string(attempt) + " of " +
              std::to_string(max_attempts) + " failed (" + a.status.ToString() + "); retrying in " +
              std::to_string(wait) + " ms");
    bool go_on = o.sleep ? o.sleep(wait) : DefaultSleep(o, wait);
    if (!go_on) {
      r.cancelled = true;
      return r;
    }
  }
  r.outcome.state = state::SubtaskState::kTaskError;
  r.outcome.error = log::Scrub(last.ToString());
  r.outcome.finished_ms = o.clock();
  return r;
}

}  // namespace pe::task
