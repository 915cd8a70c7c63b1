// The DataExportTask benchmark's helper (bench/task.sh drives it):
//
//   task_bench write --deep-store DS --segments N --rows R [--profile demo|dict|raw]
//                    [--scratch DIR] [--first I]
//       writes N REALTIME segments as gzip tarballs DS/events/events__<p>__<s>__<time>
//       (LLC names, 4 partitions, creation times 5 minutes apart from 2026-01-01, older than any
//       bufferTimePeriod) with the sample library: `demo` rows (the events segment of `sample
//       --demo`, ts ending at the creation time) or the `dict`/`raw` benchmark profiles renamed.
//       Existing tarballs are kept. Segments are written and packed under --scratch (a tmpfs makes
//       the writer's per-file fsync cheap), then copied into DS.
//   task_bench cycle --deep-store DS --state FILE [--cycles K] [--checkpoint-all-but M]
//       times generator cycles of task::Service over DS: one cold cycle (every segment's
//       metadata.properties read and cached in the state), then K warm cycles (metadata from the
//       state's cache; the count of metadata reads is printed to show none happened). With
//       --checkpoint-all-but M, every segment but the M latest is first recorded as exported (the
//       steady state of a table that has been exported for a while). tableMaxNumTasks is 1, so
//       each cycle also records a task with one subtask; nothing is executed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/file.h"
#include "sample/sample.h"
#include "state/state.h"
#include "task/config.h"
#include "task/deep_store.h"
#include "task/service.h"

namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string cmd, deep_store, state, scratch, profile = "demo";
  int64_t segments = 10000, rows = 10, cycles = 5, first = 0, checkpoint_all_but = -1;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "task_bench: %s\nusage: task_bench write --deep-store DS --segments N --rows R "
               "[--profile demo|dict|raw] [--scratch DIR] [--first I]\n"
               "       task_bench cycle --deep-store DS --state FILE [--cycles K] "
               "[--checkpoint-all-but M]\n",
               why);
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  if (argc < 2) Usage("no command");
  a.cmd = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + k).c_str());
    std::string v = argv[++i];
    if (k == "--deep-store")
      a.deep_store = v;
    else if (k == "--state")
      a.state = v;
    else if (k == "--scratch")
      a.scratch = v;
    else if (k == "--profile")
      a.profile = v;
    else if (k == "--segments")
      a.segments = std::stoll(v);
    else if (k == "--rows")
      a.rows = std::stoll(v);
    else if (k == "--cycles")
      a.cycles = std::stoll(v);
    else if (k == "--first")
      a.first = std::stoll(v);
    else if (k == "--checkpoint-all-but")
      a.checkpoint_all_but = std::stoll(v);
    else
      Usage(("unknown option " + k).c_str());
  }
  if (a.deep_store.empty()) Usage("--deep-store is required");
  return a;
}

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

constexpr int64_t kBaseMs = 1767225600000;  // 2026-01-01T00:00Z
constexpr int kPartitions = 4;

std::string SegmentName(int64_t i) {
  return pe::sample::LlcSegmentName("events", int(i % kPartitions), int(i / kPartitions),
                                    kBaseMs + i * 300000);
}

int Write(const Args& a) {
  const std::string table_dir = a.deep_store + "/events";
  std::error_code ec;
  stdfs::create_directories(table_dir, ec);
  auto scratch = pe::TempDir::Make("task-bench", a.scratch);
  if (!scratch.ok()) {
    std::fprintf(stderr, "task_bench: %s\n", scratch.status().ToString().c_str());
    return 1;
  }
  const auto t0 = Clock::now();
  int64_t written = 0;
  for (int64_t i = a.first; i < a.first + a.segments; ++i) {
    const std::string name = SegmentName(i);
    const std::string target = table_dir + "/" + name;
    if (stdfs::exists(target, ec)) continue;
    pe::Result<pe::sample::WrittenSegment> w = pe::Status::InvalidArgument("no segment");
    if (a.profile == "demo") {
      pe::sample::GeneratedSegment g =
          pe::sample::DemoSegment(uint32_t(a.rows), uint64_t(i) + 1, kBaseMs + i * 300000);
      g.spec.name = name;
      pe::sample::MemorySource src(g.values);
      w = pe::sample::WriteSegment(g.spec, src, scratch->path());
    } else {
      auto p = pe::sample::Profile(a.profile, uint32_t(a.rows), uint64_t(i) + 1);
      if (!p.ok()) {
        std::fprintf(stderr, "task_bench: %s\n", p.status().ToString().c_str());
        return 2;
      }
      p->spec.table = "events";
      p->spec.name = name;
      w = pe::sample::WriteSegment(p->spec, *p->source, scratch->path());
    }
    // Packed in scratch too, then copied (the tarball writer fsyncs; a plain copy does not).
    const std::string packed = scratch->path() + "/" + name + ".tar.gz";
    pe::Status st = w.status();
    if (st.ok()) st = pe::sample::WriteTarball(w->dir, packed, pe::sample::TarCompression::kGzip);
    if (st.ok() && !stdfs::copy_file(packed, target, ec))
      st = pe::Status::IOError("cannot copy to " + target + ": " + ec.message());
    if (w.ok()) stdfs::remove_all(w->dir, ec);
    stdfs::remove(packed, ec);
    if (!st.ok()) {
      std::fprintf(stderr, "task_bench: %s: %s\n", name.c_str(), st.ToString().c_str());
      return 1;
    }
    ++written;
  }
  std::printf("wrote %lld segment(s) of %lld rows (%s) into %s in %.1f s\n", (long long)written,
              (long long)a.rows, a.profile.c_str(), table_dir.c_str(),
              Ms(t0, Clock::now()) / 1000.0);
  return 0;
}

// Records every listed segment but the `keep` latest (and those already in a task) as exported:
// one task holding them, each subtask claimed and finished COMPLETED with a checkpoint (what
// executors would have recorded).
pe::Status CheckpointAllBut(pe::state::StateStore* st, pe::task::SegmentSource* src, int64_t keep) {
  PE_ASSIGN_OR_RETURN(auto segs, src->ListSegments("events_REALTIME"));
  PE_ASSIGN_OR_RETURN(auto active, st->ActiveSegments("events_REALTIME"));
  std::erase_if(segs, [&](const auto& s) {
    return std::find(active.begin(), active.end(), s.name) != active.end();
  });
  std::sort(segs.begin(), segs.end(), [](const auto& x, const auto& y) {
    return x.end_time_ms.value_or(0) < y.end_time_ms.value_or(0);
  });
  if (int64_t(segs.size()) > keep)
    segs.resize(segs.size() - size_t(keep));
  else
    segs.clear();
  pe::state::Task task;
  task.name = "Task_DataExportTask_bench-setup_0";
  task.task_type = "DataExportTask";
  task.table = "events_REALTIME";
  std::vector<pe::state::Subtask> subs;
  for (size_t i = 0; i < segs.size(); ++i) {
    pe::state::Subtask s;
    s.name = task.name + "_" + std::to_string(i);
    s.task = task.name;
    s.table = task.table;
    s.segment = segs[i].name;
    s.segment_uri = segs[i].download_uri;
    s.end_time_ms = segs[i].end_time_ms.value_or(0);
    subs.push_back(std::move(s));
  }
  PE_RETURN_IF_ERROR(st->AddTask(task, subs));
  for (size_t i = 0; i < subs.size(); ++i) {
    PE_ASSIGN_OR_RETURN(auto claimed, st->ClaimSubtask("bench", 0, task.table));
    if (!claimed) return pe::Status::NotFound("nothing to claim");
    pe::state::Outcome o;
    pe::state::Checkpoint c;
    c.table = task.table;
    c.segment = claimed->segment;
    c.output_uri = "/dev/null/" + claimed->segment + ".parquet";
    c.end_time_ms = claimed->end_time_ms;
    o.checkpoint = c;
    PE_RETURN_IF_ERROR(st->FinishSubtask(claimed->name, "bench", o));
  }
  return pe::Status::OK();
}

int Cycle(const Args& a) {
  if (a.state.empty()) Usage("--state is required");
  auto store = pe::state::OpenSqliteStore(a.state);
  if (!store.ok()) {
    std::fprintf(stderr, "task_bench: %s\n", store.status().ToString().c_str());
    return 1;
  }
  const std::string cfg_json =
      R"({"tableName":"events_REALTIME","task":{"taskTypeConfigsMap":{"DataExportTask":{)"
      R"("sourceTableName":"events_REALTIME","outputDirURI":"/tmp/task-bench-unused",)"
      R"("tableMaxNumTasks":"1"}}}})";
  auto cfg = pe::task::ParseExportConfig(cfg_json);
  if (!cfg.ok()) {
    std::fprintf(stderr, "task_bench: %s\n", cfg.status().ToString().c_str());
    return 1;
  }
  pe::task::DeepStoreSource* source = nullptr;  // owned by the service
  pe::task::ServiceOptions so;
  so.deep_store = a.deep_store;
  so.source_factory =
      [&](const pe::task::ExportConfig&) -> pe::Result<std::unique_ptr<pe::task::SegmentSource>> {
    pe::task::DeepStoreOptions d;
    d.uri = a.deep_store;
    d.cache = store->get();
    auto s = std::make_unique<pe::task::DeepStoreSource>(d);
    source = s.get();
    return std::unique_ptr<pe::task::SegmentSource>(std::move(s));
  };
  auto svc = pe::task::Service::Create({*cfg}, store->get(), so);
  if (!svc.ok()) {
    std::fprintf(stderr, "task_bench: %s\n", svc.status().ToString().c_str());
    return 1;
  }
  auto cycle = [&](const char* label) -> bool {
    const int64_t reads = source->metadata_reads();
    const auto t0 = Clock::now();
    auto rep = (*svc)->ScheduleNow("events_REALTIME");
    const double ms = Ms(t0, Clock::now());
    if (!rep.ok()) {
      std::fprintf(stderr, "task_bench: cycle: %s\n", rep.status().ToString().c_str());
      return false;
    }
    std::printf("%-6s cycle: %8.1f ms, %lld eligible, %zu selected, %lld metadata read(s)\n", label,
                ms, (long long)rep->plan.eligible, rep->plan.selected.size(),
                (long long)(source->metadata_reads() - reads));
    std::fflush(stdout);
    return true;
  };
  if (!cycle("cold")) return 1;
  if (a.checkpoint_all_but >= 0) {
    const auto t0 = Clock::now();
    pe::Status s = CheckpointAllBut(store->get(), source, a.checkpoint_all_but);
    if (!s.ok()) {
      std::fprintf(stderr, "task_bench: %s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("(set-up: recorded checkpoints for all but %lld segment(s) in %.1f s)\n",
                (long long)a.checkpoint_all_but, Ms(t0, Clock::now()) / 1000.0);
  }
  for (int64_t i = 0; i < a.cycles; ++i)
    if (!cycle("warm")) return 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  if (a.cmd == "write") return Write(a);
  if (a.cmd == "cycle") return Cycle(a);
  Usage("unknown command");
}
