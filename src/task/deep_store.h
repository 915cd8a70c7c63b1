// task/: the embedded segment source — a deep-store directory in Pinot's layout.
//
// Pinot's controller stores a table's completed segments at <deepStore>/<rawTableName>/<segment>
// (SegmentCompletionManager / LLCSegmentCompletionHandlers move committed LLC segments there; the
// object is a tarball without an extension). This source lists that folder on any scheme the
// storage layer lists (local, s3, gs, hdfs) and reports every segment found as completed:
//   - an object directly in the folder is a segment tarball; a ".tar.gz" / ".tgz" suffix is not
//     part of the name;
//   - a sub-folder holding files is an extracted segment directory named after the folder;
//   - names starting with '.' or '_' are temp files of writers in progress and are ignored.
// Start/end time, time unit, doc count and CRC come from the segment's own metadata.properties and
// creation.meta (segment::ReadSegmentMeta). They are read once per object version and cached in
// the StateStore keyed by (URI, size, modification time), so a cycle over thousands of segments
// reads no tarball twice. A segment whose metadata cannot be read is listed with `problem` set.
#pragma once

#include <memory>
#include <string>

#include "fs/fs.h"
#include "state/state.h"
#include "task/generator.h"

namespace pe::task {

struct DeepStoreOptions {
  std::string uri;                     // <deepStore>: a local path or a URI
  fs::Props props;                     // storage properties (output.fs.prop.* names)
  state::StateStore* cache = nullptr;  // segment-metadata cache (required)
  std::string scratch_parent;          // where remote metadata is fetched (default: temp dir)
};

class DeepStoreSource : public SegmentSource {
 public:
  explicit DeepStoreSource(DeepStoreOptions opts) : opts_(std::move(opts)) {}
  // Errors: the listing's (unreachable store, bad credentials). An empty or absent table folder is
  // an empty listing.
  Result<std::vector<SegmentRecord>> ListSegments(const std::string& table_with_type) override;

  // Metadata reads done (cache misses) since construction; for tests and the benchmark.
  int64_t metadata_reads() const { return metadata_reads_; }

 private:
  DeepStoreOptions opts_;
  int64_t metadata_reads_ = 0;
};

// "events_REALTIME" -> "events" (the deep-store folder name); other names unchanged.
std::string RawTableName(const std::string& table_with_type);

}  // namespace pe::task
