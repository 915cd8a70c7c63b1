// Appending a batch as one snapshot, exactly once (commit.h).
#include "iceberg/commit.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "common/file.h"
#include "common/log.h"
#include "fs/sigv4.h"
#include "parquet/parquet.h"

namespace pe::iceberg {

std::string SegmentsDigest(std::vector<std::string> segments) {
  std::sort(segments.begin(), segments.end());
  std::string joined;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i) joined += '\n';
    joined += segments[i];
  }
  return fs::Sha256Hex(joined);
}

std::string BatchId(const std::string& table, const std::vector<std::string>& segments) {
  return "pe-" + fs::Sha256Hex(table + "\n" + SegmentsDigest(segments)).substr(0, 32);
}

std::string ManifestFileName(const std::string& batch_id) { return batch_id + "-m0.avro"; }

std::string ManifestListFileName(int64_t snapshot_id, size_t k, const std::string& batch_id) {
  return "snap-" + std::to_string(snapshot_id) + "-" + std::to_string(k) + "-" + batch_id + ".avro";
}

std::string BatchOfFileName(std::string_view name) {
  // A batch id: "pe-" and 32 lowercase hex digits (BatchId).
  auto batch_at = [&](size_t at) {
    if (at + 35 > name.size() || name.substr(at, 3) != "pe-") return false;
    for (char c : name.substr(at + 3, 32))
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
  };
  auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (name.size() == 35 + 8 && batch_at(0) && name.substr(35) == "-m0.avro")
    return std::string(name.substr(0, 35));
  // snap-<digits>-<digits>-<batch id>.avro
  if (name.size() < 5 + 4 + 35 + 5 || name.substr(0, 5) != "snap-" ||
      name.substr(name.size() - 5) != ".avro")
    return "";
  const size_t at = name.size() - 5 - 35;
  if (!batch_at(at) || name[at - 1] != '-') return "";
  const std::string_view ids = name.substr(5, at - 1 - 5);  // "<snapshot id>-<k>"
  const size_t dash = ids.find('-');
  if (dash == std::string_view::npos || !digits(ids.substr(0, dash)) ||
      !digits(ids.substr(dash + 1)))
    return "";
  return std::string(name.substr(at, 35));
}

int64_t NewSnapshotId(const TableMetadata* taken) {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  while (true) {
    uint64_t msb, lsb;
    {
      std::lock_guard<std::mutex> l(mu);
      msb = rng();
      lsb = rng();
    }
    // A version-4 UUID's bits (RFC 4122 §4.4), as UUID.randomUUID() has them.
    msb = (msb & ~0xF000ull) | 0x4000ull;
    lsb = (lsb & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
    const int64_t id = int64_t((msb ^ lsb) & 0x7FFFFFFFFFFFFFFFull);
    if (id == 0) continue;
    if (taken && taken->FindSnapshot(id)) continue;
    return id;
  }
}

const Snapshot* FindBatch(const TableMetadata& m, const std::string& batch_id) {
  for (const Snapshot& s : m.snapshots) {
    auto it = s.summary.find(kSummaryBatchId);
    if (it != s.summary.end() && it->second == batch_id) return &s;
  }
  return nullptr;
}

namespace {

class FsTableIO final : public TableIO {
 public:
  FsTableIO(fs::Props base, std::string scratch, OpenOptionsFor open)
      : base_(std::move(base)), scratch_(std::move(scratch)), open_(std::move(open)) {}

  Result<std::string> Read(const LoadTableResult& t, const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(auto fsys, Open(t, uri));
    PE_ASSIGN_OR_RETURN(uint64_t size, fsys->Size(uri));
    PE_ASSIGN_OR_RETURN(std::string bytes, fsys->ReadRange(uri, 0, size));
    if (bytes.size() != size)
      return Status::IOError(uri + ": read " + std::to_string(bytes.size()) + " of " +
                             std::to_string(size) + " bytes");
    return bytes;
  }

  Status Write(const LoadTableResult& t, const std::string& uri,
               const std::string& bytes) override {
    PE_ASSIGN_OR_RETURN(auto fsys, Open(t, uri));
    PE_ASSIGN_OR_RETURN(TempDir tmp, TempDir::Make("pinot-export-iceberg", scratch_));
    const std::string local = tmp.path() + "/file";
    {
      std::ofstream f(local, std::ios::binary);
      f.write(bytes.data(), std::streamsize(bytes.size()));
      f.close();
      if (!f) return Status::IOError("cannot write " + local);
    }
    return fsys->Upload(local, uri);
  }

 private:
  Result<std::unique_ptr<fs::FileSystem>> Open(const LoadTableResult& t, const std::string& uri) {
    std::map<std::string, std::string> base(base_.begin(), base_.end());
    fs::Props props;
    for (const auto& [k, v] : StorageProps(t, uri, base)) props[k] = v;
    return fs::OpenFileSystem(uri, props, "", open_ ? open_(t, uri) : fs::OpenOptions{});
  }

  fs::Props base_;
  std::string scratch_;
  OpenOptionsFor open_;
};

int64_t PropInt(const TableMetadata& m, const std::string& key, int64_t def, int64_t override) {
  if (override >= 0) return override;
  auto it = m.properties.find(key);
  if (it == m.properties.end()) return def;
  try {
    size_t pos = 0;
    int64_t v = std::stoll(it->second, &pos);
    if (pos == it->second.size() && v >= 0) return v;
  } catch (...) {
  }
  log::Warn("table property " + key + " = '" + it->second + "' is not a number; using " +
            std::to_string(def));
  return def;
}

// Adds `added` to the parent's total `key` (Java SnapshotProducer.updateTotal: omitted when the
// parent has a snapshot without the total; an empty table starts at 0).
void Total(nlohmann::ordered_json* summary, const Snapshot* parent, const std::string& key,
           int64_t added) {
  int64_t base = 0;
  if (parent) {
    auto it = parent->summary.find(key);
    if (it == parent->summary.end()) return;
    try {
      base = std::stoll(it->second);
    } catch (...) {
      return;
    }
  }
  (*summary)[key] = std::to_string(base + added);
}

std::string JoinNs(const std::vector<std::string>& ns) {
  std::string out;
  for (size_t i = 0; i < ns.size(); ++i) out += (i ? "." : "") + ns[i];
  return out;
}

}  // namespace

std::unique_ptr<TableIO> NewFsTableIO(fs::Props base, std::string scratch, OpenOptionsFor open) {
  return std::make_unique<FsTableIO>(std::move(base), std::move(scratch), std::move(open));
}

Result<AppendResult> Append(RestCatalog* catalog, TableIO* io, const AppendRequest& r,
                            const AppendOptions& o) {
  const std::string name = JoinNs(r.ns) + "." + r.table;
  AppendResult res;
  std::string manifest_uri = r.manifest_uri;
  int64_t manifest_length = r.manifest_length;
  ManifestFile manifest_entry;
  bool have_entry = false;
  std::map<std::optional<int64_t>, std::string> lists;  // parent -> manifest list written
  std::map<std::optional<int64_t>, std::string> keys;   // parent -> Idempotency-Key
  int64_t added_records = 0, added_bytes = 0;
  for (const DataFile& f : r.files) {
    added_records += f.record_count;
    added_bytes += f.file_size_in_bytes;
  }
  int64_t deadline = -1;
  int64_t wait = 0;
  Status last;
  for (int attempt = 0;; ++attempt) {
    PE_ASSIGN_OR_RETURN(LoadTableResult t, catalog->LoadTable(r.ns, r.table));
    const TableMetadata& m = t.metadata;
    if (const Snapshot* s = FindBatch(m, r.batch_id)) {
      res.snapshot_id = s->snapshot_id;
      res.already_committed = res.attempts == 0 || res.unknown > 0;
      res.metadata_location = t.metadata_location;
      return res;
    }
    if (m.format_version < 1 || m.format_version > 3)
      return Status::NotSupported(name + ": table format version " +
                                  std::to_string(m.format_version) + " is not supported");
    const PartitionSpec* spec = m.DefaultSpec();
    if (spec == nullptr || spec->num_fields != 0)
      return Status::NotSupported(name +
                                  ": the table is partitioned; pinot-export appends only "
                                  "to unpartitioned tables");
    const Schema* schema = m.CurrentSchema();
    if (schema == nullptr) return Status::Corruption(name + ": metadata has no current schema");
    if (attempt == 0) {
      const int64_t total =
          PropInt(m, "commit.retry.total-timeout-ms", 1800000, o.total_timeout_ms);
      deadline = o.clock() + total;
      wait = PropInt(m, "commit.retry.min-wait-ms", 100, o.min_wait_ms);
    }
    const int64_t num_retries = PropInt(m, "commit.retry.num-retries", 4, o.num_retries);
    const int64_t max_wait = PropInt(m, "commit.retry.max-wait-ms", 60000, o.max_wait_ms);
    if (m.FindSnapshot(r.snapshot_id))
      return Status::Conflict(name + ": snapshot id " + std::to_string(r.snapshot_id) +
                              " is taken by a snapshot of another writer");

    // 1. The manifest, once.
    if (!have_entry) {
      const std::string uri = manifest_uri.empty()
                                  ? m.MetadataLocation() + "/" + ManifestFileName(r.batch_id)
                                  : manifest_uri;
      ManifestOptions mo;
      mo.format_version = m.format_version;
      mo.snapshot_id = r.snapshot_id;
      mo.schema = schema;
      mo.spec = spec;
      PE_ASSIGN_OR_RETURN(std::string bytes, WriteManifest(mo, r.files, uri, &manifest_entry));
      if (manifest_uri.empty() || manifest_length != int64_t(bytes.size())) {
        // Not written yet (or written by a run whose bytes we cannot reuse: write it again,
        // same content, before any commit names it).
        PE_RETURN_IF_ERROR(io->Write(t, uri, bytes));
        manifest_uri = uri;
        manifest_length = int64_t(bytes.size());
        if (o.on_manifest) PE_RETURN_IF_ERROR(o.on_manifest(manifest_uri, manifest_length));
      }
      manifest_entry.manifest_path = manifest_uri;
      manifest_entry.manifest_length = manifest_length;
      have_entry = true;
    }

    // 2. The manifest list on the current parent.
    const Snapshot* parent = m.MainSnapshot();
    std::optional<int64_t> parent_id;
    if (parent) parent_id = parent->snapshot_id;
    const int64_t seq = m.format_version >= 2 ? m.last_sequence_number + 1 : 0;
    ManifestListOptions lo;
    lo.format_version = m.format_version;
    lo.snapshot_id = r.snapshot_id;
    lo.parent_snapshot_id = parent_id;
    lo.sequence_number = seq;
    if (m.format_version >= 3) lo.first_row_id = m.next_row_id.value_or(0);
    std::vector<ManifestFile> manifests{manifest_entry};
    if (parent) {
      PE_ASSIGN_OR_RETURN(std::string old, io->Read(t, parent->manifest_list));
      PE_ASSIGN_OR_RETURN(auto carried, ReadManifestList(old));
      manifests.insert(manifests.end(), carried.begin(), carried.end());
    }
    PE_ASSIGN_OR_RETURN(ManifestListResult list, WriteManifestList(lo, manifests));
    std::string& list_uri = lists[parent_id];
    if (list_uri.empty()) {
      list_uri = m.MetadataLocation() + "/" +
                 ManifestListFileName(r.snapshot_id, lists.size(), r.batch_id);
      PE_RETURN_IF_ERROR(io->Write(t, list_uri, list.bytes));
    }

    // 3. The commit.
    nlohmann::ordered_json summary;
    summary["operation"] = "append";
    summary["added-data-files"] = std::to_string(r.files.size());
    summary["added-records"] = std::to_string(added_records);
    summary["added-files-size"] = std::to_string(added_bytes);
    summary["changed-partition-count"] = r.files.empty() ? "0" : "1";
    Total(&summary, parent, "total-records", added_records);
    Total(&summary, parent, "total-files-size", added_bytes);
    Total(&summary, parent, "total-data-files", int64_t(r.files.size()));
    Total(&summary, parent, "total-delete-files", 0);
    Total(&summary, parent, "total-position-deletes", 0);
    Total(&summary, parent, "total-equality-deletes", 0);
    summary["engine-name"] = "pinot-export";
    summary["engine-version"] = parquet::CreatedBy();
    summary[kSummaryBatchId] = r.batch_id;
    summary[kSummarySegmentCount] = std::to_string(r.segments.size());
    summary[kSummarySegmentsDigest] = SegmentsDigest(r.segments);
    if (!r.source_table.empty()) summary["pinot-export.source-table"] = r.source_table;

    nlohmann::ordered_json snap;
    snap["snapshot-id"] = r.snapshot_id;
    if (parent_id) snap["parent-snapshot-id"] = *parent_id;
    if (m.format_version >= 2) snap["sequence-number"] = seq;
    // Java rejects a snapshot older than the last update by more than a minute; never go back.
    snap["timestamp-ms"] = std::max(o.clock(), m.last_updated_ms);
    snap["manifest-list"] = list_uri;
    snap["summary"] = summary;
    snap["schema-id"] = schema->schema_id;
    if (m.format_version >= 3) {
      snap["first-row-id"] = *lo.first_row_id;
      snap["added-rows"] = list.added_rows;
    }
    nlohmann::ordered_json req;
    req["identifier"] = {{"namespace", r.ns}, {"name", r.table}};
    req["requirements"] = nlohmann::ordered_json::array(
        {{{"type", "assert-table-uuid"}, {"uuid", m.table_uuid}},
         {{"type", "assert-ref-snapshot-id"},
          {"ref", "main"},
          {"snapshot-id", parent_id ? nlohmann::ordered_json(*parent_id) : nullptr}}});
    req["updates"] =
        nlohmann::ordered_json::array({{{"action", "add-snapshot"}, {"snapshot", snap}},
                                       {{"action", "set-snapshot-ref"},
                                        {"ref-name", "main"},
                                        {"type", "branch"},
                                        {"snapshot-id", r.snapshot_id}}});
    std::string& key = keys[parent_id];
    if (key.empty()) {
      // A UUID (v4 layout) from the snapshot-id generator's randomness.
      char buf[40];
      const uint64_t a = uint64_t(NewSnapshotId()), b = uint64_t(NewSnapshotId());
      std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", unsigned(a >> 32),
                    unsigned((a >> 16) & 0xFFFF), unsigned(a & 0xFFF), unsigned(b >> 52),
                    (unsigned long long)(b & 0xFFFFFFFFFFFFull));
      key = buf;
    }
    ++res.attempts;
    auto c = catalog->CommitTable(r.ns, r.table, req.dump(), key);
    if (c.ok()) {
      res.snapshot_id = r.snapshot_id;
      res.metadata_location = c->metadata_location;
      return res;
    }
    last = c.status();
    if (last.IsConflict()) {
      ++res.conflicts;
    } else if (last.IsUnknownOutcome()) {
      ++res.unknown;
    } else {
      return last;
    }
    if (attempt >= num_retries || o.clock() + wait > deadline) {
      if (last.IsUnknownOutcome()) {
        // One more look: the last attempt may have landed.
        PE_ASSIGN_OR_RETURN(LoadTableResult again, catalog->LoadTable(r.ns, r.table));
        if (const Snapshot* s = FindBatch(again.metadata, r.batch_id)) {
          res.snapshot_id = s->snapshot_id;
          res.already_committed = true;
          res.metadata_location = again.metadata_location;
          return res;
        }
      }
      return last.WithContext(name + ": gave up after " + std::to_string(res.attempts) +
                              " commit attempt(s)");
    }
    log::Warn(name + ": commit of batch " + r.batch_id + " attempt " +
              std::to_string(res.attempts) + ": " + last.ToString() + "; retrying in " +
              std::to_string(wait) + " ms");
    o.sleep(wait);
    wait = std::min(wait * 2, max_wait);
  }
}

}  // namespace pe::iceberg
