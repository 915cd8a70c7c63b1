#include "task/zk_source.h"

#include <utility>
#include <vector>

namespace pe::task {
namespace {

// The ZNRecord at `path`, or nullopt when the znode does not exist.
Result<std::optional<ZNRecord>> ReadRecord(state::ZkClient* zk, const std::string& path) {
  auto node = zk->Get(path);
  if (!node.ok()) {
    if (node.status().IsNotFound()) return std::optional<ZNRecord>();
    return node.status();
  }
  auto r = ParseZNRecord(node->data);
  if (!r.ok()) return r.status().WithContext(path);
  return std::optional<ZNRecord>(std::move(r).value());
}

}  // namespace

Result<std::vector<SegmentRecord>> ZkSegmentSource::ListSegments(
    const std::string& table_with_type) {
  std::shared_ptr<state::ZkClient> live;
  if (opts_.session) {
    PE_ASSIGN_OR_RETURN(live, opts_.session->Client());
  }
  state::ZkClient* zk = live ? live.get() : opts_.zk;
  if (!zk) return Status::InvalidArgument("ZooKeeper segment source without a client");
  counts_ = ExportFilterCounts();
  records_ = 0;
  const std::string folder = SegmentsPath(opts_.cluster, table_with_type);
  auto names = zk->Children(folder);
  if (!names.ok()) {
    if (names.status().IsNotFound()) return std::vector<SegmentRecord>();
    return names.status();
  }
  std::vector<std::string> paths;
  paths.reserve(names->size());
  for (const auto& n : *names) paths.push_back(SegmentPath(opts_.cluster, table_with_type, n));
  auto nodes = zk->GetMany(paths);
  if (nodes.size() != paths.size())
    return Status::IOError("ZooKeeper answered " + std::to_string(nodes.size()) + " of " +
                           std::to_string(paths.size()) + " gets under " + folder);
  std::vector<SegmentRecord> out;
  out.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].ok()) {
      if (nodes[i].status().IsNotFound()) continue;  // deleted since the listing
      return nodes[i].status();
    }
    ++records_;
    SegmentRecord rec;
    auto parsed = ParseZNRecord(nodes[i]->data);
    if (parsed.ok()) {
      auto seg = SegmentFromZk(*parsed);
      if (seg.ok()) {
        rec = std::move(seg).value();
      } else {
        rec.problem = seg.status().message();
      }
    } else {
      rec.problem = "unreadable segment ZK metadata: " + parsed.status().message();
    }
    if (rec.name.empty()) rec.name = (*names)[i];
    out.push_back(std::move(rec));
  }

  PE_ASSIGN_OR_RETURN(auto is_record,
                      ReadRecord(zk, IdealStatePath(opts_.cluster, table_with_type)));
  IdealState is;
  if (is_record) {
    auto parsed = IdealStateFromZk(*is_record);
    if (!parsed.ok()) return parsed.status();
    is = std::move(parsed).value();
  }
  PE_ASSIGN_OR_RETURN(auto lineage_record,
                      ReadRecord(zk, LineagePath(opts_.cluster, table_with_type)));
  std::set<std::string> replaced;
  if (lineage_record) {
    PE_ASSIGN_OR_RETURN(replaced, ReplacedSegments(*lineage_record));
  }
  return FilterForExport(std::move(out), is, replaced, &counts_);
}

}  // namespace pe::task
