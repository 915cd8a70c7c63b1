// The deep-store directory source (deep_store.h).
#include "task/deep_store.h"

#include <filesystem>
#include <map>
#include <set>

#include "common/file.h"
#include "fs/transfer.h"
#include "segment/segment.h"

namespace pe::task {

std::string RawTableName(const std::string& table_with_type) {
  for (std::string_view suffix : {"_REALTIME", "_OFFLINE"}) {
    if (table_with_type.size() > suffix.size() &&
        table_with_type.compare(table_with_type.size() - suffix.size(), suffix.size(), suffix) == 0)
      return table_with_type.substr(0, table_with_type.size() - suffix.size());
  }
  return table_with_type;
}

namespace {

bool EndsWith(const std::string& s, std::string_view suf) {
  return s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

// One segment as the listing shows it: a tarball object, or a folder of files.
struct Listed {
  std::string name;
  std::string uri;  // the object, or the folder (no trailing '/')
  int64_t size = 0;
  int64_t mtime_ms = 0;
  bool folder = false;
  std::vector<std::string> meta_files;  // folder: URIs of its metadata.properties / creation.meta
};

// Reads the metadata of `l` (downloading only what is needed from a remote store).
Result<segment::SegmentMeta> ReadMeta(const Listed& l, const DeepStoreOptions& o,
                                      fs::FileSystem* store) {
  if (!fs::IsRemoteUri(l.uri)) {
    std::string path = l.uri.rfind("file://", 0) == 0 ? l.uri.substr(7) : l.uri;
    return segment::ReadSegmentMeta(path);
  }
  PE_ASSIGN_OR_RETURN(TempDir tmp, TempDir::Make("pinot-export-meta", o.scratch_parent));
  if (!l.folder) {
    std::string local = tmp.path() + "/segment";
    PE_RETURN_IF_ERROR(store->Download(l.uri, local));
    return segment::ReadSegmentMeta(local);
  }
  // A folder: only metadata.properties and creation.meta, at their relative places.
  const std::string prefix = l.uri + "/";
  for (const std::string& f : l.meta_files) {
    std::string rel = f.substr(prefix.size());
    if (rel.find("..") != std::string::npos)
      return Status::Corruption(l.uri + ": object '" + f + "' has an unsafe relative path");
    std::string dst = tmp.path() + "/segment/" + rel;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(dst).parent_path(), ec);
    PE_RETURN_IF_ERROR(store->Download(f, dst));
  }
  return segment::ReadSegmentMeta(tmp.path() + "/segment");
}

}  // namespace

Result<std::vector<SegmentRecord>> DeepStoreSource::ListSegments(
    const std::string& table_with_type) {
  if (opts_.cache == nullptr) return Status::InvalidArgument("deep-store source without a cache");
  std::string base = opts_.uri;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  const std::string prefix = base + "/" + RawTableName(table_with_type) + "/";
  PE_ASSIGN_OR_RETURN(auto store, fs::OpenFileSystem(prefix, opts_.props));
  std::vector<fs::FileInfo> files;
  if (!fs::IsRemoteUri(prefix)) {
    // A local deep store may not have the table's folder yet: an empty listing, not an error.
    std::string dir = prefix.rfind("file://", 0) == 0 ? prefix.substr(7) : prefix;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return std::vector<SegmentRecord>{};
  }
  PE_ASSIGN_OR_RETURN(files, store->List(prefix));

  std::map<std::string, Listed> by_name;
  for (const fs::FileInfo& f : files) {
    if (f.uri.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rel = f.uri.substr(prefix.size());
    size_t slash = rel.find('/');
    std::string first = rel.substr(0, slash);
    if (first.empty() || first[0] == '.' || first[0] == '_') continue;  // temp files, markers
    if (slash == std::string::npos) {
      std::string name = first;
      for (std::string_view ext : {".tar.gz", ".tgz"}) {
        if (EndsWith(name, ext)) {
          name.resize(name.size() - ext.size());
          break;
        }
      }
      Listed& l = by_name[name];
      if (!l.uri.empty()) continue;  // both "x" and "x.tar.gz": the first listed wins
      l.name = name;
      l.uri = f.uri;
      l.size = int64_t(f.size);
      l.mtime_ms = f.mtime_ms;
    } else {
      Listed& l = by_name[first];
      if (!l.uri.empty() && !l.folder) continue;
      l.name = first;
      l.uri = prefix + first;
      l.folder = true;
      l.size += int64_t(f.size);
      l.mtime_ms = std::max(l.mtime_ms, f.mtime_ms);
      std::string leaf = rel.substr(rel.rfind('/') + 1);
      if (leaf == "metadata.properties" || leaf == "creation.meta") l.meta_files.push_back(f.uri);
    }
  }

  // Forget cached metadata of segments gone from the folder (retention).
  std::set<std::string> keep;
  for (const auto& [name, l] : by_name) keep.insert(l.uri);
  PE_RETURN_IF_ERROR(opts_.cache->DropCachedSegmentsExcept(prefix, keep).status());

  std::vector<SegmentRecord> out;
  out.reserve(by_name.size());
  for (const auto& [name, l] : by_name) {
    SegmentRecord r;
    r.name = name;
    r.download_uri = l.uri;
    r.completed = true;
    PE_ASSIGN_OR_RETURN(auto cached, opts_.cache->CachedSegment(l.uri, l.size, l.mtime_ms));
    if (!cached) {
      ++metadata_reads_;
      auto meta = ReadMeta(l, opts_, store.get());
      if (!meta.ok()) {
        r.problem = meta.status().message();
        out.push_back(std::move(r));
        continue;
      }
      state::SegmentInfo info;
      info.uri = l.uri;
      info.size = l.size;
      info.mtime_ms = l.mtime_ms;
      info.name = meta->name;
      info.start_time_ms = meta->start_time_ms;
      info.end_time_ms = meta->end_time_ms;
      info.total_docs = meta->total_docs;
      info.crc = meta->crc.value_or(-1);
      PE_RETURN_IF_ERROR(opts_.cache->CacheSegment(info));
      cached = std::move(info);
    }
    // The object's name is the segment's name in Pinot's layout; metadata naming another segment
    // is a lying or misplaced object, not something to export under either name.
    if (!cached->name.empty() && cached->name != name) {
      r.problem = l.uri + ": metadata.properties names segment '" + cached->name + "'";
    } else if (!cached->end_time_ms) {
      r.problem = l.uri + ": no end time in metadata.properties (segment.end.time/time.unit)";
    }
    r.start_time_ms = cached->start_time_ms;
    r.end_time_ms = cached->end_time_ms;
    r.total_docs = cached->total_docs;
    r.crc = cached->crc;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace pe::task
