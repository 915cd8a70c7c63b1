// The Iceberg target's commit cost per batch (bench/iceberg.sh drives it; Google Benchmark):
//
//   iceberg_bench --table-config FILE --segments DIR [--threshold N=250] [--batches K=8]
//                 [benchmark flags]
//
// FILE is a table config with externalTable.target = iceberg-rest naming an existing table (the
// test REST catalog on loopback in bench/iceberg.sh). DIR holds real segments (deep-store
// tarballs): the first THRESHOLD of them (by name; all when there are fewer) are staged once, as
// the executors stage segments (task::StageSegment: converted with the table's field ids into new
// data files of the table), which gives real DataFiles — footer metrics, column sizes and bounds
// of distinct files, so manifests compress as real ones do. Batch k is THRESHOLD of those
// DataFiles (cycling through them when fewer were staged), each a hard link of its staged file
// under a name of batch k (so the table stays readable and every manifest entry names a distinct
// file).
//
//   BM_Append        one batch appended as the generator's COMMIT does (iceberg::Append: load
//                    the table, write the manifest of THRESHOLD files, read the parent's manifest
//                    list and write the new one, send the commit). K batches, one snapshot each,
//                    so later batches carry more manifests forward, as a real table's do.
//   BM_WriteManifest the manifest's Avro bytes alone (CPU; no I/O).
//   BM_LoadTable     one loadTable round trip (the REST part Append does before its commit).
// The commit request itself is roughly BM_Append - BM_WriteManifest - BM_LoadTable minus two
// small file writes. Wall time (UseRealTime): the catalog's work happens in another process.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/file.h"
#include "iceberg/commit.h"
#include "iceberg/manifest.h"
#include "segment/segment.h"
#include "task/config.h"
#include "task/iceberg_target.h"

namespace {

namespace stdfs = std::filesystem;

struct Setup {
  pe::task::ExportConfig cfg;
  std::unique_ptr<pe::iceberg::RestCatalog> catalog;
  std::vector<pe::iceberg::DataFile> staged;  // the real data files every batch links to
  int threshold = 250;
  int batches = 8;
};
Setup* g = nullptr;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "iceberg_bench: %s\n", why.c_str());
  std::exit(1);
}

// The local path of a file:// URI (the test catalog's warehouse is local).
std::string LocalPath(const std::string& uri) {
  const std::string scheme = "file://";
  if (uri.rfind(scheme, 0) != 0) Die(uri + ": only file:// tables are supported here");
  return uri.substr(scheme.size());
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The DataFiles of batch `batch`: the staged files' metrics under new names (hard links).
std::vector<pe::iceberg::DataFile> BatchFiles(int64_t batch, std::vector<std::string>* segments,
                                              int64_t* rows) {
  std::vector<pe::iceberg::DataFile> files;
  for (int i = 0; i < g->threshold; ++i) {
    const pe::iceberg::DataFile& src = g->staged[size_t(i) % g->staged.size()];
    pe::iceberg::DataFile f = src;
    f.file_path += "-b" + std::to_string(batch) + "-" + std::to_string(i) + ".parquet";
    std::error_code ec;
    stdfs::create_hard_link(LocalPath(src.file_path), LocalPath(f.file_path), ec);
    if (ec) Die("cannot link " + f.file_path + ": " + ec.message());
    *rows += f.record_count;
    files.push_back(std::move(f));
    segments->push_back("bench__" + std::to_string(batch) + "__" + std::to_string(i));
  }
  return files;
}

void BM_Append(benchmark::State& state) {
  static int64_t batch = 0;  // unique across repetitions: every batch is a new one
  auto io = pe::iceberg::NewFsTableIO({}, "");
  int64_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    pe::iceberg::AppendRequest r;
    r.ns = g->cfg.iceberg.ns;
    r.table = g->cfg.iceberg.table_name;
    r.files = BatchFiles(batch++, &r.segments, &rows);
    r.batch_id = pe::iceberg::BatchId(g->cfg.table, r.segments);
    r.snapshot_id = pe::iceberg::NewSnapshotId();
    r.source_table = g->cfg.source_table;
    pe::iceberg::AppendOptions o;
    o.clock = NowMs;
    o.sleep = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
    state.ResumeTiming();
    auto res = pe::iceberg::Append(g->catalog.get(), io.get(), r, o);
    if (!res.ok()) {
      state.SkipWithError(res.status().ToString().c_str());
      return;
    }
    if (res->attempts != 1 || res->conflicts != 0) {
      state.SkipWithError("the commit needed retries: not a clean measurement");
      return;
    }
  }
  state.counters["files/batch"] = g->threshold;
  state.counters["rows"] = double(rows);
}

void BM_WriteManifest(benchmark::State& state) {
  auto t = g->catalog->LoadTable(g->cfg.iceberg.ns, g->cfg.iceberg.table_name);
  if (!t.ok()) {
    state.SkipWithError(t.status().ToString().c_str());
    return;
  }
  std::vector<pe::iceberg::DataFile> files;
  for (int i = 0; i < g->threshold; ++i) files.push_back(g->staged[size_t(i) % g->staged.size()]);
  pe::iceberg::ManifestOptions mo;
  mo.format_version = t->metadata.format_version;
  mo.snapshot_id = pe::iceberg::NewSnapshotId();
  mo.schema = t->metadata.CurrentSchema();
  mo.spec = t->metadata.DefaultSpec();
  int64_t bytes = 0;
  for (auto _ : state) {
    pe::iceberg::ManifestFile entry;
    auto m = pe::iceberg::WriteManifest(mo, files, "file:///unused/m.avro", &entry);
    if (!m.ok()) {
      state.SkipWithError(m.status().ToString().c_str());
      return;
    }
    bytes = int64_t(m->size());
  }
  state.counters["manifest bytes"] = double(bytes);
}

void BM_LoadTable(benchmark::State& state) {
  for (auto _ : state) {
    auto t = g->catalog->LoadTable(g->cfg.iceberg.ns, g->cfg.iceberg.table_name);
    if (!t.ok()) {
      state.SkipWithError(t.status().ToString().c_str());
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_file, segments_dir;
  Setup setup;
  // Our flags first; the rest go to Google Benchmark.
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    const bool has_value = i + 1 < argc;
    if (k == "--table-config" && has_value)
      config_file = argv[++i];
    else if (k == "--segments" && has_value)
      segments_dir = argv[++i];
    else if (k == "--threshold" && has_value)
      setup.threshold = std::atoi(argv[++i]);
    else if (k == "--batches" && has_value)
      setup.batches = std::atoi(argv[++i]);
    else
      rest.push_back(argv[i]);
  }
  if (config_file.empty() || segments_dir.empty() || setup.threshold <= 0 || setup.batches <= 0)
    Die("usage: iceberg_bench --table-config FILE --segments DIR [--threshold N] [--batches K] "
        "[benchmark flags]");
  auto text = pe::ReadFileToString(config_file);
  if (!text.ok()) Die(text.status().ToString());
  auto cfg = pe::task::ParseExportConfig(*text);
  if (!cfg.ok()) Die(cfg.status().ToString());
  if (cfg->target != "iceberg-rest")
    Die(config_file + ": externalTable.target is not iceberg-rest");
  setup.cfg = std::move(cfg).value();
  auto catalog = pe::task::ConnectCatalog(setup.cfg);
  if (!catalog.ok()) Die(catalog.status().ToString());
  setup.catalog = std::move(catalog).value();

  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(segments_dir, ec)) paths.push_back(e.path());
  if (ec) Die(segments_dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) Die(segments_dir + " holds no segment");
  if (paths.size() > size_t(setup.threshold)) paths.resize(size_t(setup.threshold));
  auto scratch = pe::TempDir::Make("iceberg-bench");
  if (!scratch.ok()) Die(scratch.status().ToString());
  const auto t0 = std::chrono::steady_clock::now();
  int64_t bytes = 0;
  for (const std::string& path : paths) {
    auto seg = pe::segment::Segment::Open(path);
    if (!seg.ok()) Die(seg.status().ToString());
    auto staged = pe::task::StageSegment(**seg, setup.cfg, scratch->path(), nullptr);
    if (!staged.ok()) Die("staging " + path + ": " + staged.status().ToString());
    bytes += staged->file.file_size_in_bytes;
    setup.staged.push_back(std::move(staged->file));
  }
  std::printf(
      "staged %zu segments of %s (%.1f MiB of data files, %zu fields with bounds) in %.1f s\n",
      paths.size(), segments_dir.c_str(), double(bytes) / (1 << 20),
      setup.staged[0].lower_bounds.size(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  g = &setup;

  benchmark::RegisterBenchmark("BM_WriteManifest", BM_WriteManifest)
      ->Arg(setup.threshold)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_LoadTable", BM_LoadTable)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Append", BM_Append)
      ->Arg(setup.threshold)
      ->Iterations(setup.batches)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  int bargc = int(rest.size());
  benchmark::Initialize(&bargc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(bargc, rest.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
