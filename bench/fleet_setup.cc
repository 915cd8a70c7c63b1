// bench/fleet.sh's ZooKeeper side (not a test; the script starts the server):
//   fleet_setup write --zk HOSTS --cluster C --deep-store DIR --out DIR --rows N
//       Pinot's records of table events_REALTIME as a controller writes them (task/pinot_zk.h):
//       the table config (DataExportTask: outputDirURI --out, bufferTimePeriod 1d, a schedule
//       every second, no task cap), one DONE segment record per entry of --deep-store (but dot
//       files) (named events__P__S__yyyyMMddTHHmmZ, written by `sample --demo --rows N`, whose rows
//       end before that creation time) downloading from there, and the ideal state with all of them
//       ONLINE.
//   fleet_setup wait --zk HOSTS --cluster C --count N [--timeout-s S]
//       Polls the ZooKeeper state every 100 ms until N checkpoints exist; exit 1 with the count on
//       timeout (default 1800 s). Cheaply, so as not to load the server it measures: while
//       R/inflight has children (segments in subtasks not ended, state/zk_store.h) one children
//       list; only when it is empty all 128 shards (state::ZkStateStore::Checkpoints).
//   fleet_setup span (--zk HOSTS --cluster C | --state SQLITE_FILE)
//       The checkpoints' timeline: "<count> <first start ms> <last completed ms> <sum of
//       durations ms>", a subtask's start being its checkpoint's completedMs - durationMs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "state/state.h"
#include "state/zk.h"
#include "state/zk_store.h"
#include "task/pinot_zk.h"

namespace {

constexpr char kTable[] = "events_REALTIME";

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "fleet_setup: %s\n", what.c_str());
  std::exit(1);
}

// The creation time (epoch ms) in an LLC segment name's last part, yyyyMMddTHHmmZ
// (LLCSegmentName), or -1.
int64_t LlcCreationMs(const std::string& name) {
  const size_t at = name.rfind("__");
  if (at == std::string::npos) return -1;
  std::tm tm{};
  const char* end = strptime(name.c_str() + at + 2, "%Y%m%dT%H%MZ", &tm);
  if (end == nullptr || *end != '\0') return -1;
  return int64_t(timegm(&tm)) * 1000;
}

void Put(pe::state::ZkClient* zk, const std::string& path, const pe::task::ZNRecord& r) {
  if (auto s = zk->CreateParents(path); !s.ok()) Die(s.ToString());
  auto s = zk->Set(path, pe::task::SerializeZNRecord(r), -1);
  if (!s.ok()) Die(path + ": " + s.status().ToString());
}

std::unique_ptr<pe::state::ZkSession> Session(const std::string& hosts) {
  pe::state::ZkOptions o;
  o.hosts = hosts;
  auto s = pe::state::ZkSession::Connect(o);
  if (!s.ok()) Die(s.status().ToString());
  return std::move(s).value();
}

std::unique_ptr<pe::state::StateStore> ZkStore(pe::state::ZkSession* session,
                                               const std::string& cluster) {
  auto st = pe::state::ZkStateStore::Open({cluster, {kTable}, session});
  if (!st.ok()) Die(st.status().ToString());
  return std::move(st).value();
}

void Write(const std::string& hosts, const std::string& cluster, const std::string& deep_store,
           const std::string& out, int64_t rows) {
  pe::state::ZkOptions o;
  o.hosts = hosts;
  auto zk = pe::state::ZkClient::Connect(o);
  if (!zk.ok()) Die(zk.status().ToString());
  // The table config as TableConfigSerDeUtils.toZNRecord stores it: sections as JSON text.
  pe::task::ZNRecord tc;
  tc.id = kTable;
  nlohmann::json task = {{"taskTypeConfigsMap",
                          {{"DataExportTask",
                            {{"sourceTableName", kTable},
                             {"outputDirURI", out},
                             {"bufferTimePeriod", "1d"},
                             {"schedule", "0/1 * * * * ?"},
                             {"tableMaxNumTasks", "1000000"}}}}}};
  tc.simple_fields = {{"tableName", kTable},
                      {"tableType", "REALTIME"},
                      {"segmentsConfig", R"({"timeColumnName":"ts","replication":"1"})"},
                      {"tenants", R"({"broker":"DefaultTenant","server":"DefaultTenant"})"},
                      {"tableIndexConfig", R"({"loadMode":"MMAP"})"},
                      {"metadata", R"({"customConfigs":{}})"},
                      {"task", task.dump()}};
  Put(zk->get(), pe::task::TableConfigPath(cluster, kTable), tc);

  pe::task::ZNRecord is;
  is.id = kTable;
  is.simple_fields = {{"REBALANCE_MODE", "CUSTOMIZED"},
                      {"STATE_MODEL_DEF_REF", "SegmentOnlineOfflineStateModel"}};
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(deep_store, ec)) {
    const std::string name = e.path().filename().string();
    if (name[0] == '.') continue;  // bench/fleet.sh's marker files
    const int64_t created = LlcCreationMs(name);
    if (created < 0) Die(e.path().string() + ": not an LLC segment name");
    // The fields SegmentZKMetadataUtils writes at an LLC commit; the times are those of
    // `sample --demo` (one row a second, the last before the creation time).
    pe::task::ZNRecord r;
    r.id = name;
    r.simple_fields = {{"segment.realtime.status", "DONE"},
                       {"segment.start.time", std::to_string(created - rows * 1000)},
                       {"segment.end.time", std::to_string(created - 1000)},
                       {"segment.time.unit", "MILLISECONDS"},
                       {"segment.total.docs", std::to_string(rows)},
                       {"segment.download.url", e.path().string()}};
    Put(zk->get(), pe::task::SegmentPath(cluster, kTable, name), r);
    is.map_fields[name] = {{"Server_1_8098", "ONLINE"}};
  }
  if (ec) Die(deep_store + ": " + ec.message());
  Put(zk->get(), pe::task::IdealStatePath(cluster, kTable), is);
}

std::vector<pe::state::Checkpoint> CheckpointsOf(pe::state::StateStore* st) {
  auto cps = st->Checkpoints(kTable);
  if (!cps.ok()) Die(cps.status().ToString());
  return std::move(cps).value();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: fleet_setup write|wait|span --zk HOSTS --cluster C ...");
  const std::string mode = argv[1];
  std::map<std::string, std::string> a;
  for (int i = 2; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
  auto need = [&](const char* k) {
    if (!a.count(k) || a[k].empty()) Die(mode + " needs " + k);
    return a[k];
  };
  if (mode == "write") {
    Write(need("--zk"), need("--cluster"), need("--deep-store"), need("--out"),
          std::atoll(need("--rows").c_str()));
  } else if (mode == "wait") {
    const size_t count = size_t(std::atoll(need("--count").c_str()));
    const double timeout_s = a.count("--timeout-s") ? std::atof(a["--timeout-s"].c_str()) : 1800;
    auto session = Session(need("--zk"));
    auto st = ZkStore(session.get(), need("--cluster"));
    const std::string inflight = pe::state::ZkStateRoot(need("--cluster"), kTable) + "/inflight";
    auto busy = [&] {
      auto zk = session->Client();
      if (!zk.ok()) Die(zk.status().ToString());
      auto c = (*zk)->Children(inflight);
      return c.ok() && !c->empty();
    };
    const auto t0 = std::chrono::steady_clock::now();
    while (busy() || CheckpointsOf(st.get()).size() < count) {
      if (std::chrono::steady_clock::now() - t0 > std::chrono::duration<double>(timeout_s))
        Die("timed out with " + std::to_string(CheckpointsOf(st.get()).size()) + " of " +
            std::to_string(count) + " checkpoints");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  } else if (mode == "span") {
    std::unique_ptr<pe::state::ZkSession> session;
    std::unique_ptr<pe::state::StateStore> st;
    if (a.count("--state")) {
      auto s = pe::state::OpenSqliteStore(a["--state"]);
      if (!s.ok()) Die(s.status().ToString());
      st = std::move(s).value();
    } else {
      session = Session(need("--zk"));
      st = ZkStore(session.get(), need("--cluster"));
    }
    auto cps = CheckpointsOf(st.get());
    if (cps.empty()) Die("no checkpoints");
    int64_t first = INT64_MAX, last = 0, sum = 0;
    for (const auto& c : cps) {
      first = std::min(first, c.completed_ms - c.duration_ms);
      last = std::max(last, c.completed_ms);
      sum += c.duration_ms;
    }
    std::printf("%zu %lld %lld %lld\n", cps.size(), (long long)first, (long long)last,
                (long long)sum);
  } else {
    Die("unknown mode " + mode);
  }
  return 0;
}
