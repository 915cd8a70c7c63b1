// Cluster mode's per-segment coordination cost, measured directly against a real ZooKeeper
// (issue 10's fleet benchmark; not a test: bench/fleet.sh or bench/zk_store.sh starts the server).
// Every benchmark works on state::ZkStateStore in a cluster of its own (fresh znodes):
//   BM_ClaimFinish/queue:Q/checkpoints:C  one segment's coordination as a worker does it:
//       ClaimSubtask (list the queue, read the task and subtask, one Multi) + FinishSubtask with
//       its checkpoint (read subtask, claim and shard, one Multi). Subtasks are added Q at a time
//       (AddTask, untimed), so the queue the claims list holds Q..1 entries; C checkpoints (and
//       those of earlier calls) are present (their shards are what FinishSubtask rewrites).
//       Time per iteration = per segment; counters claim_ms / finish_ms split it.
//   BM_AddTask/subtasks:S  the generator's AddTask of one task of S subtasks; per_subtask is the
//       time per subtask (C checkpoints present, the shards AddTask reads).
//   BM_Checkpoints  reading all 128 checkpoint shards (Checkpoints) with C checkpoints present.
// Wall-clock times (UseRealTime): the cost is round trips and the server's fsyncs, not our CPU.
// Usage: zk_store_bench --zk HOSTS [--checkpoints C=10000] [Google Benchmark flags]
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "state/zk.h"
#include "state/zk_store.h"

namespace {

constexpr char kTable[] = "events_REALTIME";
constexpr int64_t kNowMs = 1767225600000;  // 2026-01-01T00:00Z: a fixed clock, times are data

std::string g_hosts;
int64_t g_checkpoints = 10000;
std::unique_ptr<pe::state::ZkSession> g_session;
int g_clusters = 0;
int64_t g_segments = 0;  // segment names are unique across the whole run
int g_tasks = 0;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "zk_store_bench: %s\n", what.c_str());
  std::exit(1);
}

// A store over a cluster name not used before (this process id + a counter).
std::unique_ptr<pe::state::StateStore> FreshStore() {
  const std::string cluster =
      "StoreBench_" + std::to_string(::getpid()) + "_" + std::to_string(++g_clusters);
  auto st = pe::state::ZkStateStore::Open({cluster, {kTable}, g_session.get()});
  if (!st.ok()) Die(st.status().ToString());
  return std::move(st).value();
}

// One task of `n` subtasks, one new segment each, as the generator builds them.
std::pair<pe::state::Task, std::vector<pe::state::Subtask>> MakeTask(int n) {
  pe::state::Task t;
  t.name = "Task_DataExportTask_bench" + std::to_string(++g_tasks) + "_" + std::to_string(kNowMs);
  t.task_type = "DataExportTask";
  t.table = kTable;
  t.created_ms = kNowMs + g_tasks;
  std::vector<pe::state::Subtask> subs;
  for (int i = 0; i < n; ++i) {
    pe::state::Subtask s;
    s.name = t.name + "_" + std::to_string(i);
    s.task = t.name;
    s.table = kTable;
    // An LLC name as the generator sees them: 16 partitions, sequence numbers.
    const int64_t k = g_segments++;
    s.segment =
        "events__" + std::to_string(k % 16) + "__" + std::to_string(k / 16) + "__20260101T0000Z";
    s.segment_uri = "/deepstore/events/" + s.segment;
    s.end_time_ms = kNowMs - 86400000;
    subs.push_back(std::move(s));
  }
  return {std::move(t), std::move(subs)};
}

void AddTask(pe::state::StateStore* st, int n) {
  auto [t, subs] = MakeTask(n);
  if (auto s = st->AddTask(t, subs); !s.ok()) Die(s.ToString());
}

// The checkpoint an executor records for `s` (the fields and magnitudes of a real one).
pe::state::Outcome Completed(const pe::state::Subtask& s) {
  pe::state::Outcome o;
  o.state = pe::state::SubtaskState::kCompleted;
  o.finished_ms = kNowMs;
  pe::state::Checkpoint c;
  c.table = kTable;
  c.segment = s.segment;
  c.output_uri = "/out/" + s.segment + ".parquet";
  c.rows = 200000;
  c.bytes = 4000000;
  c.segment_crc = 1234567890;
  c.end_time_ms = s.end_time_ms;
  c.duration_ms = 350;
  c.completed_ms = kNowMs;
  o.checkpoint = c;
  return o;
}

// Claims and finishes subtasks until the queue is empty; returns how many.
int Drain(pe::state::StateStore* st, const std::string& worker) {
  int n = 0;
  for (;;) {
    auto c = st->ClaimSubtask(worker, kNowMs);
    if (!c.ok()) Die(c.status().ToString());
    if (!*c) return n;
    if (auto s = st->FinishSubtask((*c)->name, worker, Completed(**c)); !s.ok()) Die(s.ToString());
    ++n;
  }
}

// `count` checkpoints recorded through the store's own API (AddTask, then 4 workers claiming
// and finishing concurrently, 500 at a time so the queue stays short).
void Fill(pe::state::StateStore* st, int64_t count) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t done = 0; done < count;) {
    const int n = int(std::min<int64_t>(500, count - done));
    AddTask(st, n);
    std::vector<std::thread> ws;
    for (int w = 0; w < 4; ++w)
      ws.emplace_back([st, w] { Drain(st, "filler-" + std::to_string(w)); });
    for (auto& w : ws) w.join();
    done += n;
  }
  auto cps = st->Checkpoints(kTable);
  if (!cps.ok()) Die(cps.status().ToString());
  if (int64_t(cps->size()) != count)
    Die("filled " + std::to_string(cps->size()) + " checkpoints, wanted " + std::to_string(count));
  std::fprintf(stderr, "(filled %lld checkpoints in %.1f s)\n", (long long)count,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// A store holding `count` checkpoints, built once per count and shared.
pe::state::StateStore* Filled(int64_t count) {
  static std::map<int64_t, std::unique_ptr<pe::state::StateStore>> stores;
  auto& st = stores[count];
  if (!st) {
    st = FreshStore();
    if (count > 0) Fill(st.get(), count);
  }
  return st.get();
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

void BM_ClaimFinish(benchmark::State& state) {
  const int queue = int(state.range(0));
  // A store filled with range(1) checkpoints once (Google Benchmark calls this function more than
  // once), plus those the earlier calls added.
  auto* st = Filled(state.range(1));
  int pending = 0;
  double claim_ms = 0, finish_ms = 0;
  for (auto _ : state) {
    if (pending == 0) {
      state.PauseTiming();
      AddTask(st, queue);
      pending = queue;
      state.ResumeTiming();
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto c = st->ClaimSubtask("bench-worker", kNowMs);
    const auto t1 = std::chrono::steady_clock::now();
    if (!c.ok() || !*c) {
      state.SkipWithError(c.ok() ? "nothing to claim" : c.status().ToString().c_str());
      break;
    }
    if (auto s = st->FinishSubtask((*c)->name, "bench-worker", Completed(**c)); !s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    claim_ms += Ms(t1 - t0);
    finish_ms += Ms(std::chrono::steady_clock::now() - t1);
    --pending;
  }
  Drain(st, "bench-worker");  // the next call starts with an empty queue again
  state.counters["claim_ms"] = benchmark::Counter(claim_ms, benchmark::Counter::kAvgIterations);
  state.counters["finish_ms"] = benchmark::Counter(finish_ms, benchmark::Counter::kAvgIterations);
}

void BM_AddTask(benchmark::State& state) {
  const int n = int(state.range(0));
  auto* st = Filled(g_checkpoints);
  for (auto _ : state) {
    state.PauseTiming();
    auto [t, subs] = MakeTask(n);
    state.ResumeTiming();
    if (auto s = st->AddTask(t, subs); !s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.counters["per_subtask"] = benchmark::Counter(
      double(n), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Checkpoints(benchmark::State& state) {
  auto* st = Filled(g_checkpoints);
  size_t n = 0;
  for (auto _ : state) {
    auto cps = st->Checkpoints(kTable);
    if (!cps.ok()) {
      state.SkipWithError(cps.status().ToString().c_str());
      break;
    }
    n = cps->size();
  }
  state.counters["checkpoints"] = double(n);
}

}  // namespace

int main(int argc, char** argv) {
  // Our flags first; the rest go to Google Benchmark.
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--zk") && i + 1 < argc)
      g_hosts = argv[++i];
    else if (!std::strcmp(argv[i], "--checkpoints") && i + 1 < argc)
      g_checkpoints = std::atoll(argv[++i]);
    else
      rest.push_back(argv[i]);
  }
  if (g_hosts.empty() || g_checkpoints < 0)
    Die("usage: zk_store_bench --zk HOSTS [--checkpoints C] [benchmark flags]");
  pe::state::ZkOptions o;
  o.hosts = g_hosts;
  auto session = pe::state::ZkSession::Connect(o);
  if (!session.ok()) Die(session.status().ToString());
  g_session = std::move(session).value();

  // BM_Checkpoints first: exactly C checkpoints are present then (BM_ClaimFinish adds some).
  benchmark::RegisterBenchmark("BM_Checkpoints", BM_Checkpoints)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_ClaimFinish", BM_ClaimFinish)
      ->ArgNames({"queue", "checkpoints"})
      ->Args({100, 0})
      ->Args({100, g_checkpoints})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  // Last: its subtasks stay queued (a long queue would slow every later claim).
  benchmark::RegisterBenchmark("BM_AddTask", BM_AddTask)
      ->ArgName("subtasks")
      ->Arg(1)
      ->Arg(60)
      ->Arg(500)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  int n = int(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
