// task/: the Iceberg target of DataExportTask (externalTable.target = iceberg-rest): its two
// halves, staging (executor) and committing (generator). docs/iceberg.md is the user's view.
//
//   stage   one subtask = one segment: load the table (schema with its field ids, data location,
//           vended credentials), map the segment's columns onto the schema (iceberg/mapping.h),
//           convert with those targets, upload to <data location>/<segment>-<uuid>.parquet
//           (unique: a retried or re-run segment never overwrites a file a snapshot may name),
//           verify, and return the DataFile; the caller records the segment STAGED.
//   commit  the staged segments (or a batch recorded earlier and not known committed) become
//           one batch, recorded in the state with its id and snapshot id before any attempt, then
//           appended as one snapshot (iceberg/commit.h: found in the table when it had landed);
//           once known committed its segments become COMPLETED checkpoints in one transaction.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "convert/convert.h"
#include "iceberg/commit.h"
#include "iceberg/manifest.h"
#include "iceberg/rest.h"
#include "segment/segment.h"
#include "state/state.h"
#include "task/config.h"

namespace pe::task {

// The catalog options of cfg.iceberg (SigV4 credentials from the storage layer's AWS chain:
// the catalog's s3.* overrides, output.fs.prop.*, then the environment, profiles, web identity,
// instance metadata).
Result<iceberg::CatalogOptions> CatalogOptionsFor(const ExportConfig& cfg);
Result<std::unique_ptr<iceberg::RestCatalog>> ConnectCatalog(const ExportConfig& cfg);

// Loads the table and checks what every export needs: it exists, is unpartitioned, writes
// Parquet (write.format.default), has a format version pinot-export writes (1..3).
// Errors: kNotFound, kNotSupported, kInvalidArgument, naming the table.
Result<iceberg::LoadTableResult> LoadAndCheckTable(iceberg::RestCatalog* catalog,
                                                   const ExportConfig& cfg);

// The storage props for `uri` of table `t`: the catalog's vended credentials under the user's
// overrides (output.fs.prop.*, then catalog.iceberg-rest.s3.*).
fs::Props TableStorageProps(const iceberg::LoadTableResult& t, const std::string& uri,
                            const ExportConfig& cfg);

struct StagedFile {
  convert::Summary summary;
  iceberg::DataFile file;
};

// Writes `seg` as a new data file of the table. `scratch` is a local dir for remote uploads.
Result<StagedFile> StageSegment(const segment::Segment& seg, const ExportConfig& cfg,
                                const std::string& scratch, const std::atomic<bool>* cancel);

struct CommitOptions {
  std::function<int64_t()> clock;         // epoch ms (required)
  std::function<void(int64_t ms)> sleep;  // between commit attempts (default: a real sleep)
  std::string scratch;                    // local dir for uploads
  iceberg::AppendOptions append;          // retry overrides (clock/sleep are filled in)
};

struct CommitReport {
  std::string batch_id;
  int64_t snapshot_id = 0;
  int64_t segments = 0, rows = 0;
  bool already_committed = false;
  int attempts = 0, conflicts = 0, unknown = 0;
};

// Commits the table's pending batch, or makes one of every staged segment not in a batch and
// commits it. Returns a report with segments == 0 when nothing was staged.
Result<CommitReport> CommitStaged(state::StateStore* st, const ExportConfig& cfg,
                                  const CommitOptions& o);

}  // namespace pe::task
