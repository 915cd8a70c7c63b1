#include "state/zk_coord.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <utility>
#include <vector>

#include "common/log.h"

namespace pe::state {
namespace {

// Calls whose reply was lost (kUnknownOutcome, kIOError) are retried this many times by the
// calls that must return (Create, Resign); each attempt is bounded by the
// ZkClient's request timeout.
constexpr int kMaxAttempts = 5;
// A watch-driven re-check that fails transiently retries after a pause growing to this bound
// (the C client reconnects meanwhile; the armed watches survive the disconnection).
constexpr int kMaxBackoffMs = 2000;

struct Candidate {
  int64_t seq = 0;
  std::string name;
};

// "n_<nonce>_<sequence>": the sequence is the 10-digit (signed, "%010d") suffix ZooKeeper appends
// (DataTree/PrepRequestProcessor name sequential znodes with the parent's cversion). Other names
// are not candidates.
bool ParseCandidate(const std::string& name, Candidate* out) {
  if (name.rfind("n_", 0) != 0) return false;
  size_t us = name.rfind('_');
  if (us < 2 || us + 1 >= name.size()) return false;
  size_t i = us + 1;
  if (name[i] == '-') ++i;
  if (i >= name.size()) return false;
  for (size_t k = i; k < name.size(); ++k) {
    if (name[k] < '0' || name[k] > '9') return false;
  }
  out->seq = std::strtoll(name.c_str() + us + 1, nullptr, 10);
  out->name = name;
  return true;
}

// The candidates among `kids`, lowest sequence (the leader) first.
std::vector<Candidate> SortedCandidates(const std::vector<std::string>& kids) {
  std::vector<Candidate> out;
  for (const auto& k : kids) {
    Candidate c;
    if (ParseCandidate(k, &c)) out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return a.seq != b.seq ? a.seq < b.seq : a.name < b.name;
  });
  return out;
}

std::string RandomNonce() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

bool Transient(const Status& s) { return s.IsIOError() || s.IsUnknownOutcome(); }

}  // namespace

struct LeaderElection::State : std::enable_shared_from_this<State> {
  ZkClient* zk = nullptr;
  std::string dir;           // the election znode
  std::string candidate_id;  // this candidate's znode data
  std::string nonce;
  std::string prefix;  // "n_<nonce>_"
  Callback on_change;

  std::mutex check_mu;  // one Evaluate at a time
  std::mutex cb_mu;     // orders on_change calls like the state changes; taken before mu
  mutable std::mutex mu;
  std::condition_variable wake;  // ends a backoff pause on Resign/destruction
  std::string node;              // this candidate's znode name, "" when it has none
  bool leader = false;
  bool lost = false;      // the session is gone: terminal
  bool resigned = false;  // Resign or destruction: terminal
  bool closed = false;    // destruction: no more callbacks
  uint64_t gen = 0;       // a watch armed by an older Evaluate pass is stale

  std::string PathOf(const std::string& name) const { return dir + "/" + name; }

  void SetLeader(bool value) {
    std::lock_guard cb(cb_mu);
    {
      std::lock_guard lock(mu);
      if (value && (lost || resigned)) return;
      if (leader == value) return;
      leader = value;
      if (closed) return;
    }
    if (on_change) on_change(value);
  }

  // The session is gone: never leads again on this ZkClient.
  void Lose(const Status& why) {
    std::lock_guard cb(cb_mu);
    bool was_leader = false;
    {
      std::lock_guard lock(mu);
      if (lost) return;
      pe::log::Warn("leader election " + dir + " (" + candidate_id +
                    "): session lost: " + why.ToString());
      was_leader = leader && !closed;
      leader = false;
      lost = true;
      node.clear();
      ++gen;
    }
    wake.notify_all();
    if (was_leader && on_change) on_change(false);
  }

  // This candidate's znode (the lowest if, against the contract, several exist; the others are
  // deleted): a child named with our prefix whose ephemeral owner is our session. "" when none.
  Result<std::string> FindOwn() {
    PE_ASSIGN_OR_RETURN(auto kids, zk->Children(dir));
    std::vector<std::string> ours;
    for (const auto& c : SortedCandidates(kids)) {
      if (c.name.rfind(prefix, 0) != 0) continue;
      auto n = zk->Get(PathOf(c.name));
      if (n.status().IsNotFound()) continue;
      if (!n.ok()) return n.status();
      if (n->ephemeral_owner == zk->session_id()) ours.push_back(c.name);
    }
    if (ours.empty()) return std::string();
    for (size_t i = 1; i < ours.size(); ++i) (void)zk->Delete(PathOf(ours[i]));
    return ours[0];
  }

  // Finds this candidate's znode or creates it: the recipe's "GUID in the name" — a create whose
  // reply was lost is found by its nonce instead of being made twice.
  Result<std::string> Join() {
    Status last;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto found = FindOwn();
      if (found.ok() && !found->empty()) return *found;
      if (!found.ok()) {
        if (!Transient(found.status())) return found.status();
        last = found.status();
        continue;
      }
      auto created = zk->Create(PathOf(prefix), candidate_id, ZkCreateMode::kEphemeralSequential);
      if (created.ok()) return created->substr(dir.size() + 1);
      if (!created.status().IsUnknownOutcome()) return created.status();
      last = created.status();
    }
    return last;
  }

  // A one-shot exists watch for the pass `pass_gen`: a stale pass's event is ignored; a lost
  // session ends the election.
  ZkWatchCallback Watcher(uint64_t pass_gen) {
    std::weak_ptr<State> weak = weak_from_this();
    return [weak, pass_gen](const ZkWatchEvent& e) {
      auto self = weak.lock();
      if (!self) return;
      if (e.type == ZkWatchEvent::Type::kSessionLost) {
        self->Lose(Status::Cancelled("zookeeper watch on " + e.path + ": session lost"));
        return;
      }
      {
        std::lock_guard lock(self->mu);
        if (pass_gen != self->gen) return;
      }
      (void)self->Evaluate(0);
    };
  }

  // One pass of the recipe: true when a watch is armed (done), false to look again now.
  Result<bool> Step(const std::string& own, uint64_t pass_gen) {
    if (own.empty()) {  // our znode was deleted by someone else: rejoin at the end
      PE_ASSIGN_OR_RETURN(std::string joined, Join());
      bool stale = false;
      {
        std::lock_guard lock(mu);
        stale = lost || resigned;
        if (!stale) node = joined;
      }
      if (stale) (void)zk->Delete(PathOf(joined));  // resigned meanwhile: no ghost candidate
      return false;
    }
    PE_ASSIGN_OR_RETURN(auto kids, zk->Children(dir));
    auto sorted = SortedCandidates(kids);
    auto it = std::find_if(sorted.begin(), sorted.end(),
                           [&](const Candidate& c) { return c.name == own; });
    if (it == sorted.end()) {
      pe::log::Warn("leader election " + dir + " (" + candidate_id + "): znode " + own +
                    " was deleted; rejoining");
      SetLeader(false);
      std::lock_guard lock(mu);
      if (node == own) node.clear();
      return false;
    }
    if (it == sorted.begin()) {
      SetLeader(true);
      // The leader watches its own znode: deletion by someone else, or session loss.
      PE_ASSIGN_OR_RETURN(bool exists, zk->WatchExists(PathOf(own), Watcher(pass_gen)));
      return exists;
    }
    SetLeader(false);
    // Only the predecessor: when it goes, exactly this candidate looks again (no herd effect).
    PE_ASSIGN_OR_RETURN(bool exists, zk->WatchExists(PathOf((it - 1)->name), Watcher(pass_gen)));
    return exists;
  }

  // Looks at the election and arms the next watch. Transient errors are retried: at most
  // `max_attempts` times (0 = until done, resigned or the session is lost, pausing between
  // attempts). Returns the last error when it gives up.
  Status Evaluate(int max_attempts) {
    std::lock_guard check(check_mu);
    int failures = 0;
    int backoff_ms = 50;
    for (;;) {
      uint64_t pass_gen;
      std::string own;
      {
        std::lock_guard lock(mu);
        if (lost || resigned) return Status::OK();
        pass_gen = ++gen;
        own = node;
      }
      auto r = Step(own, pass_gen);
      if (r.ok()) {
        if (*r) return Status::OK();
        continue;  // something changed between the listing and the watch: look again
      }
      if (r.status().IsCancelled() || zk->session_expired()) {
        Lose(r.status());
        return r.status();
      }
      ++failures;
      if (max_attempts > 0 && failures >= max_attempts) return r.status();
      pe::log::Warn("leader election " + dir + " (" + candidate_id +
                    "): retrying after: " + r.status().ToString());
      std::unique_lock lock(mu);
      wake.wait_for(lock, std::chrono::milliseconds(backoff_ms),
                    [this] { return lost || resigned; });
      backoff_ms = std::min(backoff_ms * 2, kMaxBackoffMs);
    }
  }

  Status Resign() {
    std::string own;
    {
      std::lock_guard lock(mu);
      if (resigned) return Status::OK();
      resigned = true;
      leader = false;
      own = node;
      node.clear();
      ++gen;
      if (lost) own.clear();  // the server deleted it with the session
    }
    wake.notify_all();
    if (own.empty()) return Status::OK();
    Status s;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      s = zk->Delete(PathOf(own));
      // Gone already, or gone with the session.
      if (s.ok() || s.IsNotFound() || s.IsCancelled()) return Status::OK();
      if (!Transient(s)) break;
    }
    return s;
  }
};

LeaderElection::LeaderElection(std::shared_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<LeaderElection>> LeaderElection::Create(ZkClient* zk,
                                                               std::string election_path,
                                                               std::string candidate_id,
                                                               Callback on_change,
                                                               std::string nonce) {
  if (zk == nullptr || election_path.size() < 2 || election_path[0] != '/' ||
      election_path.back() == '/') {
    return Status::InvalidArgument("leader election: bad election path '" + election_path +
                                   "' (an absolute znode path other than /)");
  }
  if (candidate_id.empty()) {
    return Status::InvalidArgument("leader election " + election_path + ": empty candidate id");
  }
  if (nonce.find_first_of("/_") != std::string::npos) {
    return Status::InvalidArgument("leader election " + election_path + ": nonce '" + nonce +
                                   "' contains '/' or '_'");
  }
  PE_RETURN_IF_ERROR(zk->CreateParents(election_path));
  auto s = std::make_shared<State>();
  s->zk = zk;
  s->dir = std::move(election_path);
  s->candidate_id = std::move(candidate_id);
  s->nonce = nonce.empty() ? RandomNonce() : std::move(nonce);
  s->prefix = "n_" + s->nonce + "_";
  s->on_change = std::move(on_change);
  PE_ASSIGN_OR_RETURN(s->node, s->Join());
  Status st = s->Evaluate(kMaxAttempts);
  if (!st.ok()) {
    {
      std::lock_guard lock(s->mu);
      s->closed = true;
    }
    (void)s->Resign();
    return st.WithContext("leader election " + s->dir);
  }
  return std::unique_ptr<LeaderElection>(new LeaderElection(std::move(s)));
}

LeaderElection::~LeaderElection() {
  {
    std::lock_guard cb(state_->cb_mu);  // waits for an on_change in progress
    std::lock_guard lock(state_->mu);
    state_->closed = true;
  }
  Status s = state_->Resign();
  if (!s.ok()) {
    pe::log::Warn("leader election " + state_->dir + ": resign failed: " + s.ToString());
  }
  // Waits for a re-check in progress on the dispatcher (it ends at its next step: resigned), so
  // that nothing calls the ZkClient on this election's behalf once the destructor returns.
  std::lock_guard check(state_->check_mu);
}

bool LeaderElection::is_leader() const {
  std::lock_guard lock(state_->mu);
  return state_->leader;
}

Result<std::string> LeaderElection::leader_id() const {
  Status last;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    PE_ASSIGN_OR_RETURN(auto kids, state_->zk->Children(state_->dir));
    auto sorted = SortedCandidates(kids);
    if (sorted.empty()) {
      return Status::NotFound("leader election " + state_->dir + ": no candidate");
    }
    auto n = state_->zk->Get(state_->PathOf(sorted[0].name));
    if (n.ok()) return std::move(n->data);
    if (!n.status().IsNotFound()) return n.status();
    last = n.status();  // the leader just left: list again
  }
  return last;
}

Status LeaderElection::Resign() { return state_->Resign(); }

std::string LeaderElection::node_name() const {
  std::lock_guard lock(state_->mu);
  return state_->node;
}

}  // namespace pe::state
