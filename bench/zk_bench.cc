// Cluster mode's metadata read (issue 10 benchmark): N segments' ZK metadata, an ideal state and
// a lineage record written as Pinot writes them (task/pinot_zk.h) into a ZooKeeper, then
// task::ZkSegmentSource::ListSegments + PlanCycle timed R times (list, pipelined gets, parse,
// ideal-state / lineage filter, generator rules). Not a test: bench/zk.sh starts the server.
// Usage: zk_bench --zk HOSTS [--segments N] [--repeat R] [--write 0|1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "state/zk.h"
#include "task/generator.h"
#include "task/pinot_zk.h"
#include "task/zk_source.h"

namespace {

constexpr char kCluster[] = "BenchCluster";
constexpr char kTable[] = "events_REALTIME";

std::string Name(int i) {
  char buf[96];
  // 16 partitions, sequence numbers, one segment a minute.
  std::snprintf(buf, sizeof buf, "events__%d__%d__20260101T%02d%02dZ", i % 16, i / 16,
                (i / 60) % 24, i % 60);
  return buf;
}

int Die(const std::string& what) {
  std::fprintf(stderr, "zk_bench: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string hosts;
  int n = 10000, repeat = 5;
  bool write = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--zk"))
      hosts = argv[i + 1];
    else if (!std::strcmp(argv[i], "--segments"))
      n = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeat"))
      repeat = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--write"))
      write = std::atoi(argv[i + 1]) != 0;
  }
  if (hosts.empty() || n <= 0 || repeat <= 0) return Die("usage: --zk HOSTS [--segments N]");
  pe::state::ZkOptions o;
  o.hosts = hosts;
  auto zk = pe::state::ZkClient::Connect(o);
  if (!zk.ok()) return Die(zk.status().ToString());
  const int64_t base = 1767225600000;  // 2026-01-01T00:00Z
  if (write) {
    auto t0 = std::chrono::steady_clock::now();
    pe::task::ZNRecord is;
    is.id = kTable;
    is.simple_fields = {{"REBALANCE_MODE", "CUSTOMIZED"},
                        {"STATE_MODEL_DEF_REF", "SegmentOnlineOfflineStateModel"}};
    if (auto s = (*zk)->CreateParents(pe::task::SegmentsPath(kCluster, kTable)); !s.ok())
      return Die(s.ToString());
    for (int i = 0; i < n; ++i) {
      pe::task::ZNRecord r;
      r.id = Name(i);
      const int64_t end = base + int64_t(i) * 60000;
      // The fields SegmentZKMetadataUtils writes at an LLC commit.
      r.simple_fields = {{"segment.realtime.status", i % 50 == 49 ? "IN_PROGRESS" : "DONE"},
                         {"segment.start.time", std::to_string(end - 3600000)},
                         {"segment.end.time", std::to_string(end)},
                         {"segment.time.unit", "MILLISECONDS"},
                         {"segment.total.docs", "500000"},
                         {"segment.crc", std::to_string(1000000000 + i)},
                         {"segment.data.crc", std::to_string(2000000000 + i)},
                         {"segment.creation.time", std::to_string(end)},
                         {"segment.size.in.bytes", "104857600"},
                         {"segment.index.version", "v3"},
                         {"segment.realtime.startOffset", std::to_string(i * 1000)},
                         {"segment.realtime.endOffset", std::to_string(i * 1000 + 1000)},
                         {"segment.realtime.numReplicas", "2"},
                         {"segment.flush.threshold.size", "500000"},
                         {"segment.download.url", "s3://pinot-deepstore/events/" + r.id}};
      auto c = (*zk)->Create(pe::task::SegmentPath(kCluster, kTable, r.id),
                             pe::task::SerializeZNRecord(r));
      if (!c.ok() && !c.status().IsConflict()) return Die(c.status().ToString());
      is.map_fields[r.id] = {{"Server_1_8098", i % 50 == 49 ? "CONSUMING" : "ONLINE"},
                             {"Server_2_8098", i % 50 == 49 ? "CONSUMING" : "ONLINE"}};
    }
    // Helix gzips records this large (ZNRecord compression); Pinot's big ideal states are stored
    // compressed.
    const std::string path = pe::task::IdealStatePath(kCluster, kTable);
    if (auto s = (*zk)->CreateParents(path); !s.ok()) return Die(s.ToString());
    auto set = (*zk)->Set(path, pe::task::SerializeZNRecord(is, true), -1);
    if (!set.ok()) return Die(set.status().ToString());
    std::printf("wrote %d segment records and the ideal state in %.2f s\n", n,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  pe::task::ZkSegmentSource src({kCluster, zk->get()});
  std::vector<double> ms;
  int64_t selected = 0, listed = 0;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    auto segs = src.ListSegments(kTable);
    if (!segs.ok()) return Die(segs.status().ToString());
    pe::task::CycleInput in;
    in.now_ms = base + int64_t(n) * 60000 + 86400000;
    in.buffer_ms = 3600000;
    in.max_tasks = 1000000;
    listed = int64_t(segs->size());
    in.segments = std::move(segs).value();
    auto plan = pe::task::PlanCycle(in);
    selected = int64_t(plan.selected.size());
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  // The parts: the listing and the pipelined gets alone, and parsing what they returned.
  std::vector<double> get_ms, parse_ms;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    auto names = (*zk)->Children(pe::task::SegmentsPath(kCluster, kTable));
    if (!names.ok()) return Die(names.status().ToString());
    std::vector<std::string> paths;
    for (const auto& nm : *names) paths.push_back(pe::task::SegmentPath(kCluster, kTable, nm));
    auto nodes = (*zk)->GetMany(paths);
    auto t1 = std::chrono::steady_clock::now();
    for (const auto& nd : nodes) {
      if (!nd.ok()) return Die(nd.status().ToString());
      auto rec = pe::task::ParseZNRecord(nd->data);
      if (!rec.ok() || !pe::task::SegmentFromZk(*rec).ok()) return Die("unparsable record");
    }
    auto t2 = std::chrono::steady_clock::now();
    get_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    parse_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  std::sort(get_ms.begin(), get_ms.end());
  std::sort(parse_ms.begin(), parse_ms.end());
  std::printf(
      "  of which: list + pipelined gets median %.0f ms; parsing the records median %.0f ms\n",
      get_ms[get_ms.size() / 2], parse_ms[parse_ms.size() / 2]);
  std::sort(ms.begin(), ms.end());
  std::printf(
      "ListSegments + PlanCycle over %d records (%lld kept, %lld selected): min %.0f ms, median "
      "%.0f ms, max %.0f ms (%d runs)\n",
      n, (long long)listed, (long long)selected, ms.front(), ms[ms.size() / 2], ms.back(), repeat);
  return 0;
}
