// state/: the StateStore of cluster mode, kept in the Pinot cluster's own ZooKeeper, and the
// session holder it runs on.
//
// Layout. Everything of table T lives under Pinot's minion task metadata node of the task type,
//   R = /<cluster>/PROPERTYSTORE/MINION_TASK_METADATA/<T>/DataExportTask
// the path Pinot's ZKMetadataProvider.constructPropertyStorePathForMinionTaskMetadata gives a
// (table, task type) pair, so Pinot's table deletion removes it with the table. R's own data is the
// watermark as Pinot's task metadata ZNRecords carry it (RealtimeToOfflineSegmentsTaskMetadata):
//   {"id":"<T>","simpleFields":{"watermarkMs":"<epoch ms>"},"mapFields":{},"listFields":{}}
// and its children hold the rest (JSON documents, one schema each, documented in
// docs/export-task.md "Cluster mode state"):
//   R/checkpoints/000..127   COMPLETED checkpoints, sharded by FNV-1a(segment) % 128: one JSON
//                            object segment -> checkpoint per shard, so no znode nears ZooKeeper's
//                            1 MB limit (~4,500 checkpoints a shard, ~570,000 a table) and a
//                            cycle reads all of them with 128 pipelined gets.
//   R/tasks/<task>           a task; its children R/tasks/<task>/<subtask> are its subtasks.
//   R/queue/<ms>_<subtask>   one per INIT subtask, <ms> = the task's creation time, 13 digits:
//                            sorted names are the claim order (oldest task first).
//   R/claims/<subtask>       EPHEMERAL: the worker session running the subtask.
//   R/inflight/<segment>     the segment is in a subtask that has not ended, or staged: created
//                            by AddTask (an existing one makes AddTask fail: kConflict), deleted
//                            when the subtask fails or its checkpoint is recorded.
//   R/staged/<segment>       Iceberg: the data file written for the segment, waiting for its
//                            batch's commit.
//   R/batches/<batch id>     Iceberg: a batch (its segments, snapshot id, manifest).
//
// Concurrency. Every write is a versioned compare-and-set or one atomic Multi, so concurrent
// writers never lose an update (a stale version is re-read and retried, or reported as kConflict
// when the decision it was based on no longer holds). A subtask is claimed by one Multi that
// creates its EPHEMERAL claim, moves the subtask znode from INIT to RUNNING at the version read and
// deletes its queue entry. FinishSubtask is one Multi that checks the same: the subtask znode is
// at the version its claim left it (nobody re-queued or re-claimed it since) and the claim znode is
// owned by the calling session — so a worker whose session expired (its claim is deleted by the
// server) can never record a checkpoint, even from a new session (fencing by znode version).
// RequeueRunning("") returns to INIT the RUNNING subtasks whose claim is gone (their worker's
// session ended), or ends them TASK_ERROR once they were claimed max_attempts times.
// Generator writes (tasks, watermark, batches, checkpoint drops) also carry a Check of the fence
// znode when one is set (SetFence: the leader's election znode), so a deposed leader writes
// nothing.
//
// Lost replies. A write whose reply was lost (kUnknownOutcome), a connection loss (kIOError) or an
// expired session (kCancelled: a new session is opened) is retried for up to retry_timeout_ms;
// every retry first reads what is there, so a write that did land is recognised, never applied
// twice.
//
// The segment-metadata cache (CachedSegment) is not kept: cluster mode reads segment metadata
// from Pinot's ZooKeeper records, not from the deep store.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "state/state.h"
#include "state/zk.h"

namespace pe::state {

// A ZooKeeper connection that outlives sessions: Client() is the live session, replaced by a new
// one (same options) after the server expired the old one. Owners of ephemeral nodes and watches
// compare generation() to notice a new session and set theirs up again.
class ZkSession {
 public:
  static Result<std::unique_ptr<ZkSession>> Connect(ZkOptions options);
  // The live client. After expiry: connects a new session (kIOError when ZooKeeper does not
  // answer within connect_timeout_ms; the next call tries again).
  Result<std::shared_ptr<ZkClient>> Client();
  // 1 for the first session, +1 per new one.
  uint64_t generation() const { return generation_; }
  const ZkOptions& options() const { return options_; }

 private:
  explicit ZkSession(ZkOptions o) : options_(std::move(o)) {}
  ZkOptions options_;
  std::mutex mu_;
  std::shared_ptr<ZkClient> client_;
  std::atomic<uint64_t> generation_{0};
};

struct ZkStoreOptions {
  std::string cluster;               // Pinot's Helix cluster name (the first path level)
  std::vector<std::string> tables;   // tables with type this store serves (GetTask looks there)
  ZkSession* session = nullptr;      // not owned
  int max_attempts = 3;              // claims of one subtask before RequeueRunning fails it
  int64_t retry_timeout_ms = 60000;  // how long transient ZooKeeper errors are retried
};

// The znode R above for `table`.
std::string ZkStateRoot(const std::string& cluster, const std::string& table);
// The checkpoint shard of `segment`: "000".."127" (FNV-1a 32-bit of the name, mod 128).
std::string ZkCheckpointShard(const std::string& segment);

class ZkStateStore : public StateStore {
 public:
  // Creates R and its children for every table of options.tables (idempotent).
  static Result<std::unique_ptr<ZkStateStore>> Open(ZkStoreOptions options);

  // Generator writes from now on also require `path` to exist (Check op in the same Multi):
  // the leader's election znode. "" = none.
  virtual void SetFence(std::string path) = 0;
};

}  // namespace pe::state
