// state/: the leader election of cluster mode's generators on top of ZkClient (state/zk.h).
// (Subtask claims and their fencing are the state store's: state/zk_store.h.)
//
// It follows the ZooKeeper recipe ("ZooKeeper Recipes and Solutions",
// zookeeper.apache.org/doc/current/recipes.html):
//
// LeaderElection — "Leader Election": every candidate creates an EPHEMERAL_SEQUENTIAL znode under
// the election znode; the candidate whose znode has the lowest sequence number is the leader. Every
// other candidate watches only the znode just before its own (its predecessor) with an exists
// watch, so a leader's departure wakes exactly one candidate (no herd effect); when the predecessor
// goes, the candidate lists the children again (the predecessor may have been a follower that left)
// and either leads or watches its new predecessor. A candidate's znode is ephemeral, so a leader
// whose process died or whose session expired is replaced within the session timeout.
//
// Znode names are `n_<nonce>_<10-digit sequence>`: ZooKeeper appends the sequence (the parent's
// cversion, "%010d") to the requested name. The per-instance nonce is the recipe's "GUID in the
// name" ("Recoverable errors and the GUID"): a create whose reply was lost (kUnknownOutcome) may
// have been applied, so before creating (again) the candidate lists the children and adopts a znode
// with its nonce that its own session owns (Stat.ephemeralOwner == session id) — never two znodes
// of one candidate. Candidates are ordered by the sequence suffix, not the whole name. The znode's
// data is the candidate id (leader_id() returns the lowest znode's data).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "state/zk.h"

namespace pe::state {

// One candidate of one election on one ZkClient session.
//
// Leadership ends (on_change(false)) when the session expires or the candidate's znode is deleted
// by someone else; after a session expiry the election is over for good on that ZkClient (a new
// session, i.e. a new ZkClient, must run a new election). A znode deleted by someone else while
// the session lives is replaced: the candidate rejoins at the end of the queue.
//
// During a disconnection within the session timeout a leader stays leader (its znode exists until
// the server expires the session), so for at most one session timeout a partitioned old leader
// and its successor may both believe they lead: every write a leader makes on behalf of its role
// must be fenced (versioned set, or FencedSet) — leadership is advisory, fencing is what is safe.
//
// Thread-safety: every method may be called from any thread. The ZkClient must outlive the
// LeaderElection.
class LeaderElection {
 public:
  // Called with the new leadership whenever it changes: true on becoming leader, false on losing it
  // (never twice in a row with the same value; not called for Resign or destruction). Runs on the
  // thread calling Create (for the first check) or on the ZkClient's dispatcher thread; calls are
  // serialized. May call this object's methods; must not destroy it.
  using Callback = std::function<void(bool leader)>;

  // Joins the election under `election_path` (created with its ancestors when missing) as
  // `candidate_id` (the znode's data; followers report it as the leader's identity, e.g.
  // "host:port" for forwarding REST calls). `nonce` names this candidate's znode (`n_<nonce>_`);
  // "" = a random 64-bit hex nonce. Pass the nonce of an earlier LeaderElection only to adopt that
  // instance's znode on the same (resumed) session. Errors: the ZkClient's (kCancelled when the
  // session is gone; kUnknownOutcome/kIOError when ZooKeeper did not answer after retries — then
  // a znode of this candidate may exist: close the session before trying again, or it may be
  // elected with nobody acting on it); kInvalidArgument for an empty path/candidate or a nonce
  // with '/' or '_'.
  static Result<std::unique_ptr<LeaderElection>> Create(ZkClient* zk, std::string election_path,
                                                        std::string candidate_id,
                                                        Callback on_change, std::string nonce = "");
  // Resigns (deletes its znode, unless the session is gone). Once it returns, no callback runs
  // and no call is made to the ZkClient for this election. Not from inside on_change.
  ~LeaderElection();
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  // Whether this candidate currently leads (as last learned from ZooKeeper).
  bool is_leader() const;
  // The candidate id of the current leader (the data of the lowest znode), read from ZooKeeper.
  // kNotFound when there is no candidate.
  Result<std::string> leader_id() const;
  // Leaves the election: deletes its znode (the successor's watch fires) and never leads again.
  // on_change is not called. Idempotent.
  Status Resign();
  // This candidate's znode name (`n_<nonce>_<sequence>`), "" after Resign or session loss.
  std::string node_name() const;
  const std::string& nonce() const;

  struct State;  // shared with the watch callbacks; public for zk_coord.cc only

 private:
  explicit LeaderElection(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace pe::state
