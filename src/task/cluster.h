// task/: one process's membership in a pinot-export fleet (cluster mode, `run --zk --role`).
//
// A ClusterMember keeps, across ZooKeeper sessions (state::ZkSession):
//   - for a generator, its candidacy in the fleet's leader election (state/zk_coord.h) at
//       /<cluster>/PINOT_EXPORT/DataExportTask/LEADER_ELECTION
//     with its REST base URL as the candidate id (followers forward mutating REST calls there),
//     and the state store's fence on its own election znode: once that znode is gone (session
//     expired, resigned) the process's generator writes fail, whatever it believes;
//   - a data watch on the table config of every table whose config comes from Pinot's property
//     store (/<cluster>/PROPERTYSTORE/CONFIGS/TABLE/<table>): a changed DataExportTask config is
//     handed to Service::UpdateConfig without a restart (a config the service refuses is logged and
//     the old one stays).
// After a session expiry everything is set up again on the new session (a new election
// candidacy: the process may lead again, but only through a new znode).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "state/zk.h"
#include "state/zk_store.h"
#include "task/config.h"

namespace pe::task {

class Service;

enum class Role { kAll, kGenerator, kWorker };
const char* RoleName(Role r);  // "all", "generator", "worker"
std::optional<Role> ParseRole(std::string_view s);

// The fleet's election znode's parent in `cluster`.
std::string ElectionPath(const std::string& cluster);

// The DataExportTask config of `table` read from its table config record in the cluster's property
// store, as Pinot's own tools write it. kNotFound naming table and cluster when there is none.
Result<ExportConfig> ExportConfigFromZk(state::ZkClient* zk, const std::string& cluster,
                                        const std::string& table);

struct ClusterOptions {
  std::string cluster;
  Role role = Role::kAll;
  std::string advertise_url;                // this process's REST base URL (candidate id)
  std::vector<std::string> watched_tables;  // tables whose config is read from ZooKeeper
  state::ZkSession* session = nullptr;      // not owned
  state::ZkStateStore* store = nullptr;     // not owned; fenced while this process generates
  Service* service = nullptr;               // not owned; receives config updates
};

class ClusterMember {
 public:
  // Joins (generators) the election and sets the watches; returns once the first election check
  // is done. Errors: the ZooKeeper client's.
  static Result<std::unique_ptr<ClusterMember>> Start(ClusterOptions options);
  ~ClusterMember();  // resigns and stops watching
  ClusterMember(const ClusterMember&) = delete;
  ClusterMember& operator=(const ClusterMember&) = delete;

  // Whether this process is the elected leader now (never for a worker).
  bool leads() const;
  // "" when this process leads, else the leader's REST base URL; kNotFound when no generator is
  // elected, kIOError when ZooKeeper cannot be asked.
  Result<std::string> LeaderUrl() const;
  // GET /health's extra members: role, leader, zookeeper (session state), session generation,
  // config changes applied and refused.
  std::string HealthJson() const;
  // Table config changes read from ZooKeeper and put in force / refused (not valid) so far.
  int64_t config_updates() const;
  int64_t config_rejections() const;

  struct Impl;

 private:
  explicit ClusterMember(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pe::task
