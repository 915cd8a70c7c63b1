// One process's membership in a pinot-export fleet (cluster.h).
#include "task/cluster.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/log.h"
#include "state/zk_coord.h"
#include "task/pinot_zk.h"
#include "task/service.h"

namespace pe::task {

const char* RoleName(Role r) {
  switch (r) {
    case Role::kAll:
      return "all";
    case Role::kGenerator:
      return "generator";
    case Role::kWorker:
      return "worker";
  }
  return "all";
}

std::optional<Role> ParseRole(std::string_view s) {
  if (s == "all") return Role::kAll;
  if (s == "generator") return Role::kGenerator;
  if (s == "worker") return Role::kWorker;
  return std::nullopt;
}

std::string ElectionPath(const std::string& cluster) {
  return "/" + cluster + "/PINOT_EXPORT/" + kTaskType + "/LEADER_ELECTION";
}

Result<ExportConfig> ExportConfigFromZk(state::ZkClient* zk, const std::string& cluster,
                                        const std::string& table) {
  const std::string path = TableConfigPath(cluster, table);
  auto node = zk->Get(path);
  if (!node.ok()) {
    if (node.status().IsNotFound())
      return Status::NotFound("no table config " + table + " in cluster " + cluster + " (" + path +
                              ")");
    return node.status();
  }
  PE_ASSIGN_OR_RETURN(ZNRecord r, ParseZNRecord(node->data));
  PE_ASSIGN_OR_RETURN(std::string json, TableConfigJsonFromZk(r));
  auto c = ParseExportConfig(json);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

struct ClusterMember::Impl {
  ClusterOptions o;
  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::set<std::string> dirty;  // tables whose config watch fired
  uint64_t generation = 0;      // the session generation set up last
  std::shared_ptr<state::ZkClient> zk;
  std::unique_ptr<state::LeaderElection> election;
  std::string fence;
  std::atomic<bool> leader{false};
  std::atomic<int64_t> updates{0}, rejections{0};
  bool was_leader = false;  // monitor thread only
  std::thread monitor;

  bool generates() const { return o.role != Role::kWorker; }

  // Sets up the election and the config watches on the current session when it is new. Returns
  // false when ZooKeeper cannot be reached now (tried again later).
  Status Setup() {
    PE_ASSIGN_OR_RETURN(auto client, o.session->Client());
    if (o.session->generation() == generation && zk == client) return Status::OK();
    std::unique_ptr<state::LeaderElection> old;
    {
      std::lock_guard<std::mutex> l(mu);
      old = std::move(election);
      leader = false;
    }
    old.reset();  // resigns (a no-op on an expired session)
    if (generates()) {
      PE_RETURN_IF_ERROR(client->CreateParents(ElectionPath(o.cluster)));
      auto e = state::LeaderElection::Create(
          client.get(), ElectionPath(o.cluster), o.advertise_url, [this](bool leads) {
            leader = leads;
            log::Info(std::string("cluster: ") +
                      (leads ? "now the leader" : "no longer the leader"));
            cv.notify_all();
          });
      if (!e.ok()) return e.status();
      std::lock_guard<std::mutex> l(mu);
      election = std::move(e).value();
      leader = election->is_leader();
    }
    {
      std::lock_guard<std::mutex> l(mu);
      zk = client;
      generation = o.session->generation();
      // Re-read every watched config on a new session: changes made while no watch was set.
      for (const auto& t : o.watched_tables) dirty.insert(t);
    }
    RefreshFence();
    return Status::OK();
  }

  // The store's fence follows this process's election znode (it changes when the znode is
  // re-created). A worker writes nothing a fence would guard.
  void RefreshFence() {
    if (!generates() || !o.store) return;
    std::string f;
    {
      std::lock_guard<std::mutex> l(mu);
      if (election && !election->node_name().empty())
        f = ElectionPath(o.cluster) + "/" + election->node_name();
      else
        f = ElectionPath(o.cluster) + "/(none)";  // no candidacy: nothing may be written
      if (f == fence) return;
      fence = f;
    }
    o.store->SetFence(f);
  }

  // Re-reads the configs whose watch fired, re-arming the watches.
  void ReloadConfigs() {
    std::set<std::string> todo;
    std::shared_ptr<state::ZkClient> client;
    {
      std::lock_guard<std::mutex> l(mu);
      todo.swap(dirty);
      client = zk;
    }
    if (!client) return;
    for (const auto& table : todo) {
      const std::string path = TableConfigPath(o.cluster, table);
      auto node = client->WatchData(path, [this, table](const state::ZkWatchEvent& e) {
        if (e.type == state::ZkWatchEvent::Type::kSessionLost) return;  // Setup re-arms
        std::lock_guard<std::mutex> l(mu);
        dirty.insert(table);
        cv.notify_all();
      });
      if (!node.ok()) {
        if (!node.status().IsNotFound()) {
          std::lock_guard<std::mutex> l(mu);
          dirty.insert(table);  // ZooKeeper unreachable: again later
        } else {
          log::Warn(table + ": table config deleted from " + path + "; keeping the last one");
          // Watch for its re-creation.
          (void)client->WatchExists(path, [this, table](const state::ZkWatchEvent&) {
            std::lock_guard<std::mutex> l(mu);
            dirty.insert(table);
            cv.notify_all();
          });
        }
        continue;
      }
      auto c = ExportConfigFromZk(client.get(), o.cluster, table);
      if (!c.ok()) {
        ++rejections;
        log::Error(table + ": the changed table config is not used: " + c.status().ToString());
        continue;
      }
      const ExportConfig* cur = o.service ? o.service->Config(table) : nullptr;
      if (cur && cur->keys == c->keys) continue;  // the DataExportTask config did not change
      if (!o.service) continue;
      Status s = o.service->UpdateConfig(std::move(c).value());
      if (!s.ok()) {
        ++rejections;
        log::Error(table + ": the changed table config is not used: " + s.ToString());
      } else {
        ++updates;
        log::Info(table + ": DataExportTask config changed in ZooKeeper; now in force");
      }
    }
  }

  void Loop() {
    std::unique_lock<std::mutex> l(mu);
    while (!stopping) {
      cv.wait_for(l, std::chrono::milliseconds(200));
      if (stopping) return;
      l.unlock();
      Status s = Setup();
      if (!s.ok()) log::Debug("cluster: " + s.ToString());
      RefreshFence();
      ReloadConfigs();
      // A new leader takes over the task queue's stopped flag (PUT .../stop reached the old one).
      const bool leads = leader;
      if (leads && !was_leader && o.service) {
        Status q = o.service->SyncQueueStopped();
        if (!q.ok()) log::Warn("cluster: reading the task queue's state: " + q.ToString());
      }
      was_leader = leads;
      l.lock();
    }
  }
};

ClusterMember::ClusterMember(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClusterMember::~ClusterMember() {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->monitor.joinable()) impl_->monitor.join();
  impl_->election.reset();
}

Result<std::unique_ptr<ClusterMember>> ClusterMember::Start(ClusterOptions options) {
  if (!options.session) return Status::InvalidArgument("cluster: no ZooKeeper session");
  auto impl = std::make_unique<Impl>();
  impl->o = std::move(options);
  PE_RETURN_IF_ERROR(impl->Setup());
  impl->ReloadConfigs();  // arms the watches (the configs were just read)
  Impl* raw = impl.get();
  impl->monitor = std::thread([raw] { raw->Loop(); });
  return std::unique_ptr<ClusterMember>(new ClusterMember(std::move(impl)));
}

bool ClusterMember::leads() const { return impl_->leader; }

Result<std::string> ClusterMember::LeaderUrl() const {
  if (!impl_->generates()) return Status::NotFound("a worker does not take part in the election");
  if (impl_->leader) return std::string();
  std::lock_guard<std::mutex> l(impl_->mu);
  if (!impl_->election) return Status::NotFound("not in the election (no ZooKeeper session)");
  return impl_->election->leader_id();
}

std::string ClusterMember::HealthJson() const {
  nlohmann::json j;
  j["role"] = RoleName(impl_->o.role);
  j["leader"] = impl_->leader.load();
  std::shared_ptr<state::ZkClient> zk;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    zk = impl_->zk;
    j["zookeeperSessions"] = impl_->generation;
  }
  j["zookeeper"] = zk ? state::ZkSessionStateName(zk->session_state()) : "NONE";
  j["configUpdates"] = impl_->updates.load();
  j["configRejected"] = impl_->rejections.load();
  return j.dump();
}

int64_t ClusterMember::config_updates() const { return impl_->updates; }
int64_t ClusterMember::config_rejections() const { return impl_->rejections; }

}  // namespace pe::task
