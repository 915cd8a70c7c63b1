// iceberg/: appending one batch of data files to a table as one snapshot, exactly once (public
// header).
//
// A batch is a set of staged data files with a deterministic id. Its snapshot carries the id in
// its summary (kSummaryBatchId, with the segment count and a digest of the segment names), so the
// table itself records which batches it holds: before every attempt — and so after any restart —
// the table is reloaded and its snapshots searched for the id; a batch found there is done and is
// never appended again. This is the Flink / Kafka Connect recipe (commit ids in snapshot
// summaries, ../shared/design/iceberg-notes.md §4) applied to batches of segments.
//
// One attempt (spec "Snapshots", "Manifest Lists"; Java's FastAppend + SnapshotProducer.commit):
//   1. the manifest of the batch's files, written once and reused by every attempt (its entries
//      inherit snapshot id and sequence numbers from the manifest list);
//   2. a manifest list: the new manifest first, then every manifest of the parent snapshot
//      (main), carried forward unchanged; written once per parent;
//   3. one CommitTableRequest: requirements assert-table-uuid + assert-ref-snapshot-id (main =
//      the parent, or null for an empty table); updates add-snapshot (sequence number =
//      last-sequence-number + 1 in v2+, first-row-id = next-row-id and added-rows in v3) and
//      set-snapshot-ref main.
// Outcomes: 409 (another writer moved main) → reload and rebuild the list on the new parent,
// with exponential backoff, within the table's commit.retry.num-retries / min-wait-ms /
// max-wait-ms / total-timeout-ms (Java's defaults 4, 100, 60000, 1800000); an unknown outcome
// (5xx, lost reply) → reload and look for the batch before trying again; files of an attempt
// whose outcome is unknown are never deleted. Idempotency-Key (when the catalog supports it) is
// one per (batch, parent): a resend of the same request reuses it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "fs/fs.h"
#include "iceberg/manifest.h"
#include "iceberg/rest.h"

namespace pe::iceberg {

inline constexpr const char* kSummaryBatchId = "pinot-export.batch-id";
inline constexpr const char* kSummarySegmentCount = "pinot-export.segment-count";
inline constexpr const char* kSummarySegmentsDigest = "pinot-export.segments-digest";

// Hex SHA-256 of the sorted segment names joined by '\n'.
std::string SegmentsDigest(std::vector<std::string> segments);
// The batch id of `segments` of `table`: "pe-" + the first 32 hex digits of SHA-256 of the table
// name, '\n' and SegmentsDigest. The same set of segments always gets the same id.
std::string BatchId(const std::string& table, const std::vector<std::string>& segments);
// File names of a batch's metadata files, under the table's metadata location: its manifest
// "<batch_id>-m0.avro" and its manifest lists "snap-<snapshot_id>-<k>-<batch_id>.avro" (k = 1, 2,
// ... per parent the list was built on; Java's "snap-<id>-<attempt>-<uuid>.avro" shape).
std::string ManifestFileName(const std::string& batch_id);
std::string ManifestListFileName(int64_t snapshot_id, size_t k, const std::string& batch_id);
// The batch id named by a file name of either form above; "" for any other name.
std::string BatchOfFileName(std::string_view name);
// A new snapshot id: a random UUID's two halves XORed, made positive (Java's
// SnapshotIdGeneratorUtil; spec Appendix F). Never one of `taken`.
int64_t NewSnapshotId(const TableMetadata* taken = nullptr);

// The snapshot of the table holding batch `batch_id` (any snapshot whose summary names it).
const Snapshot* FindBatch(const TableMetadata& m, const std::string& batch_id);

// Reads and writes the table's metadata files (manifests, manifest lists) where the table lives,
// with the credentials the catalog vended for it. Writes are atomic (fs::FileSystem::Upload).
class TableIO {
 public:
  virtual ~TableIO() = default;
  virtual Result<std::string> Read(const LoadTableResult& t, const std::string& uri) = 0;
  virtual Status Write(const LoadTableResult& t, const std::string& uri,
                       const std::string& bytes) = 0;
};
// TableIO over the storage layer: props = StorageProps(t, uri, base); `scratch` is a local dir for
// staging uploads; `open` (optional) gives the storage-layer options for a uri of a loaded table
// (e.g. a provider of its vended credentials, NewVendedCredentialsProvider).
using OpenOptionsFor = std::function<fs::OpenOptions(const LoadTableResult&, const std::string&)>;
std::unique_ptr<TableIO> NewFsTableIO(fs::Props base, std::string scratch,
                                      OpenOptionsFor open = {});

struct AppendRequest {
  std::vector<std::string> ns;
  std::string table;
  std::string batch_id;
  int64_t snapshot_id = 0;            // chosen once for the batch and kept across attempts
  std::vector<std::string> segments;  // for the summary's count and digest
  std::vector<DataFile> files;
  std::string manifest_uri;  // "" = not written yet
  int64_t manifest_length = 0;
  std::string source_table;  // summary "pinot-export.source-table"
};

struct AppendOptions {
  std::function<int64_t()> clock;         // epoch ms (required)
  std::function<void(int64_t ms)> sleep;  // between attempts (required)
  // Called once the manifest is written, before any commit that names it: the caller persists
  // it so that a restarted run reuses the same manifest.
  std::function<Status(const std::string& uri, int64_t length)> on_manifest;
  // Overrides of the table's commit.retry.* properties (tests); -1 = the table's value.
  int num_retries = -1;
  int64_t min_wait_ms = -1, max_wait_ms = -1, total_timeout_ms = -1;
};

struct AppendResult {
  int64_t snapshot_id = 0;
  bool already_committed = false;  // found in the table: an earlier attempt had landed
  int attempts = 0;                // commit requests sent
  int conflicts = 0;               // 409s
  int unknown = 0;                 // unknown outcomes
  std::string metadata_location;
};

// Appends `r` to the table, or finds it there. Errors: kConflict when the retries ran out on
// 409s; kUnknownOutcome when the last attempt's outcome stayed unknown (the batch must be looked
// for again before any new attempt: call Append again later); kNotSupported for a partitioned
// table or a format version above 3; others from the catalog and storage.
Result<AppendResult> Append(RestCatalog* catalog, TableIO* io, const AppendRequest& r,
                            const AppendOptions& o);

}  // namespace pe::iceberg
