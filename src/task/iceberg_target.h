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
#include <string_view>
#include <vector>

#include "common/status.h"
#include "convert/convert.h"
#include "fs/fs.h"
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

// The storage-layer options for `uri` of table `t`: the vended credentials as a provider that
// refreshes them from the catalog before they expire (none when the user's keys apply).
fs::OpenOptions TableOpenOptions(const iceberg::LoadTableResult& t, const std::string& uri,
                                 const ExportConfig& cfg);

// Checks that the segment at `segment_uri` (a deep-store URI or path; only its metadata is read,
// a remote one is downloaded with `props` into `scratch`) maps onto the table's current schema
// (iceberg::MapColumns: every column by name to a compatible field, no required field left
// without a column). Called before the first subtask is created. Errors: the catalog's, the
// segment's (kCorruption/kNotFound, naming it), and MapColumns' kInvalidArgument naming table,
// column and both types.
Status CheckMapping(const ExportConfig& cfg, const std::string& segment_uri, const fs::Props& props,
                    const std::string& scratch);

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

// Orphan files (docs/iceberg.md "Orphan files"): pinot-export's files in the table's locations
// that nothing needs. Candidates are the files directly under the table's data location named as
// StageSegment names data files ("<segment>-<32 hex>.parquet"), the files directly under its
// metadata location named as a batch's manifest or manifest lists (iceberg::BatchOfFileName), and
// the hidden temps a writer killed mid-write leaves beside either ("." + such a name +
// ".tmp-<pid>-<nonce>-<n>", common/file.h HiddenTempPath; a temp whose name HiddenTempPath cut to
// fit 255 bytes is not recognised). Referenced are every snapshot's manifest list, every manifest
// those lists name and every file (data or delete, any entry status) those manifests name. An
// orphan is a candidate that is not referenced and, when `st` is given, is neither the data file
// of a staged segment nor a metadata file of a pending batch (its commit may be outstanding).
// The table is loaded again after the listing, so a commit landing meanwhile cannot make its files
// look orphaned. Only the current data and metadata locations are scanned; URIs compare with
// file:// and plain paths alike and s3a:// / s3n:// as s3:// (Java's DeleteOrphanFiles default
// scheme equivalence). Nothing is ever deleted.
struct OrphanFile {
  std::string uri;
  int64_t bytes = 0;
};
struct OrphanReport {
  std::vector<OrphanFile> orphans;  // sorted by URI
  int64_t orphan_bytes = 0;
  int64_t candidates = 0;     // pinot-export files found under the table
  int64_t kept_by_state = 0;  // candidates not referenced but staged or of a pending batch
  // Referenced files (distinct): snapshots, their manifest lists, manifests and content files.
  int64_t snapshots = 0, manifest_lists = 0, manifests = 0, content_files = 0;
};

// Whether `name` (a file name, no directory) is one StageSegment gives data files.
bool IsDataFileName(std::string_view name);

// Lists the orphans of cfg's table. `st` may be null (then staged and pending files count as
// orphans too); `scratch` is a local dir for the storage layer. Errors: those of the catalog
// (kNotFound for a missing table), the storage layer (a manifest list or manifest the table names
// but that cannot be read), kCorruption for unreadable manifests or state rows, kNotSupported for
// a snapshot without a manifest list (v1 "manifests").
Result<OrphanReport> FindOrphans(const ExportConfig& cfg, state::StateStore* st,
                                 const std::string& scratch);

}  // namespace pe::task
