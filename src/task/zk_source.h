// task/: the Pinot cluster's own metadata in ZooKeeper as the Generator's segment source
// (cluster mode, `--zk host:port[/chroot] --cluster NAME`).
//
// One ListSegments reads, for tableNameWithType T of cluster C (paths: task/pinot_zk.h, as
// ZKMetadataProvider lays out Pinot's property store):
//   /C/PROPERTYSTORE/SEGMENTS/T/*      every segment's SegmentZKMetadata ZNRecord, listed and then
//                                      fetched with pipelined asynchronous gets
//                                      (ZkClient::GetMany);
//   /C/IDEALSTATES/T                   the segments that exist and whether a replica is CONSUMING;
//   /C/PROPERTYSTORE/SEGMENT_LINEAGE/T the segments replaced by (or replacing, in progress) others.
// and keeps what BaseTaskGenerator.getNonConsumingSegmentsZKMetadataForRealtimeTable keeps (in the
// ideal state, not CONSUMING there, not replaced: FilterForExport). Completed-ness (DONE /
// UPLOADED) and "no download URL" (peer download only: listed with download_uri "" and a
// `problem`, so the Generator counts and reports it) are judged by PlanCycle as for any source.
// A record that cannot be parsed is listed with `problem` set; a record deleted between the listing
// and the get is skipped (the segment was deleted). A table with no SEGMENTS folder or no ideal
// state has no segments. Errors: the ZooKeeper client's (kIOError unreachable, kCancelled session
// expired) and kCorruption for an ideal state or lineage record that cannot be read (without them
// nothing can be judged safely).
#pragma once

#include <memory>
#include <string>

#include "state/zk.h"
#include "state/zk_store.h"
#include "task/generator.h"
#include "task/pinot_zk.h"

namespace pe::task {

struct ZkSourceOptions {
  std::string cluster;            // Pinot's Helix cluster name (the first path level)
  state::ZkClient* zk = nullptr;  // not owned; must outlive the source
  // Or (cluster mode) the session holder, whose live session is used for each listing.
  state::ZkSession* session = nullptr;
};

class ZkSegmentSource : public SegmentSource {
 public:
  explicit ZkSegmentSource(ZkSourceOptions opts) : opts_(std::move(opts)) {}
  Result<std::vector<SegmentRecord>> ListSegments(const std::string& table_with_type) override;

  // What the last ListSegments dropped and why (for reports and tests).
  const ExportFilterCounts& last_counts() const { return counts_; }
  // Segment records read by the last ListSegments.
  int64_t last_records() const { return records_; }

 private:
  ZkSourceOptions opts_;
  ExportFilterCounts counts_;
  int64_t records_ = 0;
};

}  // namespace pe::task
