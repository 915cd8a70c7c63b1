// The Iceberg target: staging and committing (iceberg_target.h).
#include "task/iceberg_target.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "common/log.h"
#include "fs/config.h"
#include "fs/s3.h"
#include "fs/transfer.h"
#include "iceberg/mapping.h"
#include "task/crash_point.h"

namespace pe::task {

namespace {

std::string TableName(const ExportConfig& cfg) {
  std::string out;
  for (const auto& l : cfg.iceberg.ns) out += l + ".";
  return out + cfg.iceberg.table_name;
}

// A random hex id for data file names (128 bits, as Java's UUID-based names).
std::string RandomId() {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  std::lock_guard<std::mutex> l(mu);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)rng(),
                (unsigned long long)rng());
  return buf;
}

// Data file names: "<segment>-<RandomId()>.parquet" (IsDataFileName recognises them).
constexpr std::string_view kDataFileSuffix = ".parquet";

bool IsLowerHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}
bool IsDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// The name a hidden temp stands for: ".<name>.tmp-<pid>-<8 hex nonce>-<n>" (common/file.h
// HiddenTempPath) gives <name>; any other name gives nullopt.
std::optional<std::string_view> TempOf(std::string_view name) {
  if (name.size() < 2 || name[0] != '.') return std::nullopt;
  const size_t t = name.rfind(".tmp-");
  if (t == std::string_view::npos || t < 2) return std::nullopt;
  std::string_view tail = name.substr(t + 5);  // <pid>-<nonce>-<n>
  const size_t a = tail.find('-'), b = tail.rfind('-');
  if (a == std::string_view::npos || b <= a) return std::nullopt;
  const std::string_view nonce = tail.substr(a + 1, b - a - 1);
  if (!IsDigits(tail.substr(0, a)) || nonce.size() != 8 || !IsLowerHex(nonce) ||
      !IsDigits(tail.substr(b + 1)))
    return std::nullopt;
  return name.substr(1, t - 1);
}

// A URI as compared for references: file:// and plain paths alike, s3a:// and s3n:// as s3://.
std::string UriKey(const std::string& uri) {
  if (uri.rfind("file://", 0) == 0) return uri.substr(7);
  if (uri.rfind("file:", 0) == 0) return uri.substr(5);
  if (uri.rfind("s3a://", 0) == 0 || uri.rfind("s3n://", 0) == 0) return "s3://" + uri.substr(6);
  return uri;
}

// The user's storage overrides: output.fs.prop.*, then catalog.iceberg-rest.s3.*.
std::map<std::string, std::string> UserStorage(const ExportConfig& cfg) {
  std::map<std::string, std::string> base(cfg.output_fs_props.begin(), cfg.output_fs_props.end());
  for (const auto& [k, v] : cfg.iceberg.storage) base[k] = v;
  return base;
}

}  // namespace

Result<iceberg::CatalogOptions> CatalogOptionsFor(const ExportConfig& cfg) {
  const ExportConfig::Iceberg& ice = cfg.iceberg;
  iceberg::CatalogOptions o;
  o.uri = ice.rest_uri;
  o.warehouse = ice.warehouse;
  o.token = ice.token;
  o.credential = ice.credential;
  o.oauth2_server_uri = ice.oauth2_server_uri;
  o.scope = ice.scope;
  o.signing_region = ice.signing_region;
  o.signing_name = ice.signing_name;
  if (!o.signing_region.empty()) {
    fs::Props props;
    for (const auto& [k, v] : UserStorage(cfg)) props[k] = v;
    props["region"] = o.signing_region;
    PE_ASSIGN_OR_RETURN(fs::S3Options s3, fs::S3OptionsFromProps(props, fs::ProcessEnv()));
    if (s3.credentials_provider) {
      auto provider = s3.credentials_provider;
      o.aws_credentials = [provider]() { return provider->Get(); };
    } else {
      fs::SigV4Credentials creds = s3.credentials;
      o.aws_credentials = [creds]() -> Result<fs::SigV4Credentials> { return creds; };
    }
  }
  return o;
}

Result<std::unique_ptr<iceberg::RestCatalog>> ConnectCatalog(const ExportConfig& cfg) {
  PE_ASSIGN_OR_RETURN(iceberg::CatalogOptions o, CatalogOptionsFor(cfg));
  auto c = iceberg::RestCatalog::Connect(std::move(o));
  if (!c.ok()) return c.status().WithContext("Iceberg catalog " + cfg.iceberg.rest_uri);
  return c;
}

Result<iceberg::LoadTableResult> LoadAndCheckTable(iceberg::RestCatalog* catalog,
                                                   const ExportConfig& cfg) {
  const std::string name = TableName(cfg);
  auto t = catalog->LoadTable(cfg.iceberg.ns, cfg.iceberg.table_name);
  if (!t.ok()) return t.status().WithContext("Iceberg table " + name);
  const iceberg::TableMetadata& m = t->metadata;
  if (m.format_version < 1 || m.format_version > 3)
    return Status::NotSupported("Iceberg table " + name + " has format version " +
                                std::to_string(m.format_version) +
                                " (pinot-export writes 1, 2, 3)");
  const iceberg::PartitionSpec* spec = m.DefaultSpec();
  if (spec == nullptr || spec->num_fields != 0)
    return Status::NotSupported("Iceberg table " + name +
                                " is partitioned; pinot-export appends to unpartitioned tables");
  std::string format = m.Property("write.format.default", "parquet");
  std::transform(format.begin(), format.end(), format.begin(), ::tolower);
  if (format != "parquet")
    return Status::NotSupported("Iceberg table " + name + " writes " + format +
                                " (write.format.default); pinot-export writes parquet");
  if (m.CurrentSchema() == nullptr)
    return Status::Corruption("Iceberg table " + name + " has no current schema");
  return t;
}

fs::Props TableStorageProps(const iceberg::LoadTableResult& t, const std::string& uri,
                            const ExportConfig& cfg) {
  fs::Props props;
  for (const auto& [k, v] : iceberg::StorageProps(t, uri, UserStorage(cfg))) props[k] = v;
  return props;
}

fs::OpenOptions TableOpenOptions(const iceberg::LoadTableResult& t, const std::string& uri,
                                 const ExportConfig& cfg) {
  fs::OpenOptions o;
  o.s3_credentials =
      iceberg::NewVendedCredentialsProvider([cfg]() { return ConnectCatalog(cfg); }, cfg.iceberg.ns,
                                            cfg.iceberg.table_name, t, uri, UserStorage(cfg));
  return o;
}

Status CheckMapping(const ExportConfig& cfg, const std::string& segment_uri, const fs::Props& props,
                    const std::string& scratch) {
  PE_ASSIGN_OR_RETURN(auto catalog, ConnectCatalog(cfg));
  PE_ASSIGN_OR_RETURN(iceberg::LoadTableResult t, LoadAndCheckTable(catalog.get(), cfg));
  fs::Transfer io(props, "", scratch);
  auto local = io.FetchInput(segment_uri);
  if (!local.ok()) return local.status().WithContext("reading segment metadata");
  auto meta = segment::ReadSegmentMeta(*local);
  if (!meta.ok()) return meta.status().WithContext(segment_uri);
  auto targets = iceberg::MapColumns(*meta, *t.metadata.CurrentSchema(), TableName(cfg));
  if (!targets.ok()) return targets.status().WithContext("segment " + meta->name);
  return Status::OK();
}

namespace {

// TableOpenOptions for many files: files vended the same credential share one provider, so a
// credential refreshed (or refused as expired) for one file is not tried again for the next.
iceberg::OpenOptionsFor SharedTableOpenOptions(const ExportConfig& cfg) {
  auto cache = std::make_shared<std::map<std::string, fs::OpenOptions>>();
  return [cfg, cache](const iceberg::LoadTableResult& t, const std::string& uri) {
    auto props = iceberg::StorageProps(t, uri, UserStorage(cfg));
    const std::string key = props["accessKey"] + "\n" + props["sessionToken"];
    auto it = cache->find(key);
    if (it == cache->end()) it = cache->emplace(key, TableOpenOptions(t, uri, cfg)).first;
    return it->second;
  };
}

}  // namespace

Result<StagedFile> StageSegment(const segment::Segment& seg, const ExportConfig& cfg,
                                const std::string& scratch, const std::atomic<bool>* cancel) {
  const std::string name = TableName(cfg);
  PE_ASSIGN_OR_RETURN(auto catalog, ConnectCatalog(cfg));
  PE_ASSIGN_OR_RETURN(iceberg::LoadTableResult t, LoadAndCheckTable(catalog.get(), cfg));
  const iceberg::Schema& schema = *t.metadata.CurrentSchema();
  const segment::SegmentMeta& meta = seg.meta();
  PE_ASSIGN_OR_RETURN(auto targets, iceberg::MapColumns(meta, schema, name));

  convert::Options opts = cfg.parquet;
  opts.target = std::move(targets);
  opts.json_unknown_keys_fail = cfg.json_unknown_keys == "fail";
  opts.warn = [&](const std::string& w) { log::Warn(name + " " + meta.name + ": " + w); };
  // Without fileFormat.parquet.compressionCodec the table's own codec property applies.
  if (!cfg.keys.count("fileFormat.parquet.compressionCodec")) {
    const std::string codec = t.metadata.Property("write.parquet.compression-codec", "");
    if (!codec.empty()) {
      auto c = parquet::ParseCodec(codec);
      if (c.ok())
        opts.codec = *c;
      else
        log::Warn(name + ": write.parquet.compression-codec = '" + codec +
                  "' is not a codec pinot-export writes; using " + parquet::CodecName(opts.codec));
    }
  }

  const std::string uri =
      t.metadata.DataLocation() + "/" + meta.name + "-" + RandomId() + std::string(kDataFileSuffix);
  // Vended credentials are refreshed from the catalog while the file converts and uploads.
  const fs::OpenOptions open = TableOpenOptions(t, uri, cfg);
  fs::Transfer io(TableStorageProps(t, uri, cfg), "", scratch, open);
  PE_ASSIGN_OR_RETURN(std::string local, io.LocalOutputPath(uri));
  auto sum = convert::ConvertSegment(seg, local, opts, cancel);
  if (!sum.ok()) return sum.status().WithContext(meta.name);
  if (int64_t(sum->rows) != int64_t(meta.total_docs))
    return Status::Corruption(meta.name + ": wrote " + std::to_string(sum->rows) +
                              " rows but the segment has " + std::to_string(meta.total_docs) +
                              " docs");
  CrashPoint("converted");
  PE_RETURN_IF_ERROR(io.PublishOutput(local, uri));
  CrashPoint("uploaded");
  PE_ASSIGN_OR_RETURN(auto out_fs,
                      fs::OpenFileSystem(uri, TableStorageProps(t, uri, cfg), "", open));
  auto size = out_fs->Size(uri);
  if (!size.ok()) return size.status().WithContext("verifying " + uri);
  if (*size != sum->bytes)
    return Status::UnknownOutcome(uri + ": uploaded object has " + std::to_string(*size) +
                                  " bytes, wrote " + std::to_string(sum->bytes));
  StagedFile out;
  PE_ASSIGN_OR_RETURN(out.file, iceberg::MakeDataFile(uri, sum->metrics, schema));
  out.summary = std::move(sum).value();
  return out;
}

Result<CommitReport> CommitStaged(state::StateStore* st, const ExportConfig& cfg,
                                  const CommitOptions& o) {
  CommitReport rep;
  PE_ASSIGN_OR_RETURN(auto staged, st->StagedSegments(cfg.table));
  PE_ASSIGN_OR_RETURN(auto pending, st->PendingBatches(cfg.table));
  state::Batch b;
  if (!pending.empty()) {
    b = pending.front();
  } else {
    for (const auto& s : staged)
      if (s.batch_id.empty()) b.segments.push_back(s.checkpoint.segment);
    if (b.segments.empty()) return rep;
    std::sort(b.segments.begin(), b.segments.end());
    b.table = cfg.table;
    b.id = iceberg::BatchId(cfg.table, b.segments);
    b.snapshot_id = iceberg::NewSnapshotId();
    b.created_ms = o.clock();
    PE_RETURN_IF_ERROR(st->CreateBatch(b));
    for (auto& s : staged)
      if (s.batch_id.empty()) s.batch_id = b.id;
  }
  iceberg::AppendRequest r;
  r.ns = cfg.iceberg.ns;
  r.table = cfg.iceberg.table_name;
  r.batch_id = b.id;
  r.snapshot_id = b.snapshot_id;
  r.segments = b.segments;
  r.manifest_uri = b.manifest_uri;
  r.manifest_length = b.manifest_length;
  r.source_table = cfg.source_table;
  for (const auto& s : staged) {
    if (s.batch_id != b.id) continue;
    auto f = iceberg::DataFileFromJson(s.data_file);
    if (!f.ok()) return f.status().WithContext("staged data file of " + s.checkpoint.segment);
    r.files.push_back(std::move(f).value());
    rep.rows += s.checkpoint.rows;
  }
  if (r.files.size() != b.segments.size())
    return Status::Corruption("batch " + b.id + " of " + cfg.table + " names " +
                              std::to_string(b.segments.size()) + " segments but " +
                              std::to_string(r.files.size()) + " are staged in it");
  rep.batch_id = b.id;
  rep.segments = int64_t(b.segments.size());

  PE_ASSIGN_OR_RETURN(auto catalog, ConnectCatalog(cfg));
  fs::Props base;
  for (const auto& [k, v] : UserStorage(cfg)) base[k] = v;
  auto io = iceberg::NewFsTableIO(base, o.scratch, SharedTableOpenOptions(cfg));
  iceberg::AppendOptions ao = o.append;
  ao.clock = o.clock;
  ao.sleep = o.sleep ? o.sleep : [](int64_t ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  };
  ao.on_manifest = [&](const std::string& uri, int64_t length) {
    return st->SetBatchManifest(cfg.table, b.id, uri, length);
  };
  auto res = iceberg::Append(catalog.get(), io.get(), r, ao);
  if (!res.ok()) return res.status().WithContext(cfg.table + " batch " + b.id);
  CrashPoint("committed");
  PE_RETURN_IF_ERROR(st->CommitBatch(cfg.table, b.id, o.clock()));
  rep.snapshot_id = res->snapshot_id;
  rep.already_committed = res->already_committed;
  rep.attempts = res->attempts;
  rep.conflicts = res->conflicts;
  rep.unknown = res->unknown;
  return rep;
}

bool IsDataFileName(std::string_view name) {
  // "<segment>-" + 32 hex digits + ".parquet", the segment name not empty and not hidden (a
  // name starting with '.' is a temp, TempOf).
  constexpr size_t kTail = 1 + 32 + kDataFileSuffix.size();
  if (name.size() <= kTail || name[0] == '.' ||
      name.substr(name.size() - kDataFileSuffix.size()) != kDataFileSuffix)
    return false;
  const std::string_view tail = name.substr(name.size() - kTail);
  return tail[0] == '-' && IsLowerHex(tail.substr(1, 32));
}

Result<OrphanReport> FindOrphans(const ExportConfig& cfg, state::StateStore* st,
                                 const std::string& scratch) {
  const std::string name = TableName(cfg);
  PE_ASSIGN_OR_RETURN(auto catalog, ConnectCatalog(cfg));
  auto load = [&]() -> Result<iceberg::LoadTableResult> {
    auto t = catalog->LoadTable(cfg.iceberg.ns, cfg.iceberg.table_name);
    if (!t.ok()) return t.status().WithContext("Iceberg table " + name);
    return t;
  };
  PE_ASSIGN_OR_RETURN(iceberg::LoadTableResult t, load());
  OrphanReport rep;

  // What the state still needs: staged segments' data files, pending batches' metadata files.
  std::set<std::string> staged_files;  // UriKeys
  std::set<std::string> pending;       // batch ids
  if (st) {
    PE_ASSIGN_OR_RETURN(auto staged, st->StagedSegments(cfg.table));
    for (const auto& s : staged) {
      auto f = iceberg::DataFileFromJson(s.data_file);
      if (!f.ok()) return f.status().WithContext("staged data file of " + s.checkpoint.segment);
      staged_files.insert(UriKey(f->file_path));
      staged_files.insert(UriKey(s.checkpoint.output_uri));
    }
    PE_ASSIGN_OR_RETURN(auto batches, st->PendingBatches(cfg.table));
    for (const auto& b : batches) pending.insert(b.id);
  }

  // Candidates: pinot-export's names directly under the two locations.
  struct Candidate {
    fs::FileInfo file;
    bool temp = false;
    std::string batch;  // metadata files: the batch id their name carries
  };
  std::vector<Candidate> candidates;
  auto scan = [&](const std::string& location, bool data) -> Status {
    const std::string prefix = location + "/";
    auto fsys = fs::OpenFileSystem(prefix, TableStorageProps(t, prefix, cfg), "",
                                   TableOpenOptions(t, prefix, cfg));
    if (!fsys.ok()) return fsys.status().WithContext("listing " + prefix);
    auto files = (*fsys)->List(prefix);
    if (!files.ok()) return files.status().WithContext("listing " + prefix);
    for (auto& f : *files) {
      if (f.uri.size() <= prefix.size() || f.uri.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string_view rel = std::string_view(f.uri).substr(prefix.size());
      if (rel.find('/') != std::string_view::npos) continue;  // pinot-export writes no subdirs
      const auto temp = TempOf(rel);
      const std::string_view base = temp ? *temp : rel;
      Candidate c{f, temp.has_value(), data ? std::string() : iceberg::BatchOfFileName(base)};
      if (data ? IsDataFileName(base) : !c.batch.empty()) candidates.push_back(std::move(c));
    }
    return Status::OK();
  };
  PE_RETURN_IF_ERROR(scan(t.metadata.DataLocation(), true));
  PE_RETURN_IF_ERROR(scan(t.metadata.MetadataLocation(), false));
  rep.candidates = int64_t(candidates.size());

  // Referenced, by the table as it is after the listing (a commit that landed meanwhile counts).
  PE_ASSIGN_OR_RETURN(t, load());
  auto io = iceberg::NewFsTableIO(UserStorage(cfg), scratch, SharedTableOpenOptions(cfg));
  auto read = [&](const std::string& uri) -> Result<std::string> {
    auto bytes = io->Read(t, uri);
    if (!bytes.ok()) return bytes.status().WithContext(name + ": reading " + uri);
    return bytes;
  };
  std::set<std::string> lists, manifests, files;  // UriKeys
  for (const iceberg::Snapshot& snap : t.metadata.snapshots) {
    ++rep.snapshots;
    if (snap.manifest_list.empty())
      return Status::NotSupported(name + ": snapshot " + std::to_string(snap.snapshot_id) +
                                  " has no manifest list (v1 \"manifests\"); cannot tell which "
                                  "files it references");
    if (!lists.insert(UriKey(snap.manifest_list)).second) continue;
    PE_ASSIGN_OR_RETURN(std::string list_bytes, read(snap.manifest_list));
    auto rows = iceberg::ReadManifestList(list_bytes);
    if (!rows.ok()) return rows.status().WithContext(name + ": " + snap.manifest_list);
    for (const iceberg::ManifestFile& m : *rows) {
      if (!manifests.insert(UriKey(m.manifest_path)).second) continue;
      PE_ASSIGN_OR_RETURN(std::string manifest_bytes, read(m.manifest_path));
      auto entries = iceberg::ReadManifestEntries(manifest_bytes);
      if (!entries.ok()) return entries.status().WithContext(name + ": " + m.manifest_path);
      for (const iceberg::ManifestEntryInfo& e : *entries) files.insert(UriKey(e.file_path));
    }
  }
  rep.manifest_lists = int64_t(lists.size());
  rep.manifests = int64_t(manifests.size());
  rep.content_files = int64_t(files.size());

  for (const Candidate& c : candidates) {
    const std::string key = UriKey(c.file.uri);
    if (lists.count(key) || manifests.count(key) || files.count(key)) continue;
    // A hidden temp is never read by its name: an orphan even beside a file the state needs.
    if (!c.temp && (staged_files.count(key) || pending.count(c.batch))) {
      ++rep.kept_by_state;
      continue;
    }
    rep.orphans.push_back({c.file.uri, int64_t(c.file.size)});
    rep.orphan_bytes += int64_t(c.file.size);
  }
  std::sort(rep.orphans.begin(), rep.orphans.end(),
            [](const OrphanFile& a, const OrphanFile& b) { return a.uri < b.uri; });
  return rep;
}

}  // namespace pe::task
