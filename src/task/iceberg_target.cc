// The Iceberg target: staging and committing (iceberg_target.h).
#include "task/iceberg_target.h"

#include <algorithm>
#include <chrono>
#include <random>
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
      t.metadata.DataLocation() + "/" + meta.name + "-" + RandomId() + ".parquet";
  fs::Transfer io(TableStorageProps(t, uri, cfg), "", scratch);
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
  PE_ASSIGN_OR_RETURN(auto out_fs, fs::OpenFileSystem(uri, TableStorageProps(t, uri, cfg)));
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
  auto io = iceberg::NewFsTableIO(base, o.scratch);
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

}  // namespace pe::task
