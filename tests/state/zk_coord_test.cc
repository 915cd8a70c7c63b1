// Leader election and fenced claims (state/zk_coord.h) against a real standalone ZooKeeper server
// (testing/zk_server.h): one leader among three candidates on three sessions, takeover by the next
// in sequence when the leader's session ends, Resign hand-over, forced session expiry of the
// leader, adoption of a candidate znode whose create reply was lost, and claims whose state writes
// are fenced against expired, released and re-taken claims.
#include "state/zk_coord.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <vector>

#include "testing/zk_server.h"

namespace pe::state {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kSessionMs = 4000;
constexpr int kTickMs = 200;  // testing::ZkServer's tickTime

long long MsSince(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// Collects callback values from the dispatcher thread; tests wait for them with a deadline.
template <typename T>
class Events {
 public:
  void Push(T e) {
    std::lock_guard lock(mu_);
    items_.push_back(std::move(e));
    cv_.notify_all();
  }
  template <typename Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(items_); });
  }
  // Waits until the last value is `v`.
  bool WaitLast(T v, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return WaitFor([&](const std::vector<T>& items) { return !items.empty() && items.back() == v; },
                   timeout);
  }
  std::vector<T> items() {
    std::lock_guard lock(mu_);
    return items_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<T> items_;
};

class ZkCoordTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::ZkServer();
    ASSERT_TRUE(server_->Start()) << server_->error();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_ && server_->running());
    root_ = std::string("/") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    client_ = Connect();
    ASSERT_TRUE(client_);
    ASSERT_TRUE(client_->Create(root_, "").ok());
  }
  static ZkOptions Options() {
    ZkOptions o;
    o.hosts = server_->hosts();
    o.session_timeout_ms = kSessionMs;
    return o;
  }
  static std::unique_ptr<ZkClient> Connect() {
    auto c = ZkClient::Connect(Options());
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  // Ends `victim`'s session from outside, as a partition longer than the session timeout would:
  // another handle on the same session (id + password) is closed, so the server ends the session
  // (its ephemeral znodes go at once) and the victim learns ZSESSIONEXPIRED when it reconnects.
  // The victim may win the session back before the close reaches the server; repeat until the
  // victim has seen the expiry (the trick of zk_test.cc's ForcedSessionExpiryStopsEveryCall).
  static void ExpireSession(ZkClient* victim) {
    Events<ZkSessionState> states;
    victim->SetSessionCallback([&](ZkSessionState s) { states.Push(s); });
    ZkOptions o = Options();
    o.session_id = victim->session_id();
    o.session_password = victim->session_password();
    auto expired = [](const std::vector<ZkSessionState>& v) {
      return std::find(v.begin(), v.end(), ZkSessionState::kExpired) != v.end();
    };
    for (int attempt = 0; attempt < 20 && !victim->session_expired(); ++attempt) {
      auto thief = ZkClient::Connect(o);
      thief = Status::Cancelled("closed");  // closes the session
      states.WaitFor(expired, std::chrono::seconds(3));
    }
    victim->SetSessionCallback(nullptr);
    ASSERT_TRUE(victim->session_expired()) << "the session did not expire";
  }

  struct Candidate {
    std::unique_ptr<ZkClient> zk;
    std::unique_ptr<Events<bool>> changes = std::make_unique<Events<bool>>();
    std::unique_ptr<LeaderElection> election;
  };
  Candidate Join(const std::string& id, const std::string& nonce = "") {
    Candidate c;
    c.zk = Connect();
    EXPECT_TRUE(c.zk);
    if (!c.zk) return c;
    Events<bool>* changes = c.changes.get();
    auto e = LeaderElection::Create(
        c.zk.get(), root_ + "/leader", id, [changes](bool leader) { changes->Push(leader); },
        nonce);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (e.ok()) c.election = std::move(e).value();
    return c;
  }

  static testing::ZkServer* server_;
  std::string root_;
  std::unique_ptr<ZkClient> client_;
};
testing::ZkServer* ZkCoordTest::server_ = nullptr;

int Leaders(const std::vector<const LeaderElection*>& es) {
  int n = 0;
  for (const auto* e : es) n += e->is_leader() ? 1 : 0;
  return n;
}

TEST_F(ZkCoordTest, OneLeaderTheNextInSequenceTakesOverAndResignHandsOver) {
  // Nonces in reverse name order: the leader is the lowest sequence number, not the lowest name.
  auto c0 = Join("gen-0:8080", "c");
  auto c1 = Join("gen-1:8080", "b");
  auto c2 = Join("gen-2:8080", "a");
  ASSERT_TRUE(c0.election && c1.election && c2.election);
  std::vector<const LeaderElection*> all = {c0.election.get(), c1.election.get(),
                                            c2.election.get()};
  // Create decides before it returns: the first candidate leads, the others follow.
  EXPECT_TRUE(c0.election->is_leader());
  EXPECT_FALSE(c1.election->is_leader());
  EXPECT_FALSE(c2.election->is_leader());
  EXPECT_EQ(c0.changes->items(), std::vector<bool>{true});
  EXPECT_TRUE(c1.changes->items().empty());
  EXPECT_TRUE(c2.changes->items().empty());
  EXPECT_EQ(c0.election->node_name(), "n_c_0000000000");  // the first child of a new znode
  EXPECT_EQ(c1.election->node_name(), "n_b_0000000001");
  EXPECT_EQ(c2.election->node_name(), "n_a_0000000002");
  for (const auto* e : all) {
    auto id = e->leader_id();
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_EQ(*id, "gen-0:8080");
  }
  auto kids = client_->Children(root_ + "/leader");
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids->size(), 3u);

  // The leader's session ends: its znode goes and the next in sequence leads within the session
  // timeout; the last candidate stays a follower (it watched only its own predecessor).
  auto t0 = Clock::now();
  ExpireSession(c0.zk.get());
  ASSERT_TRUE(c1.changes->WaitLast(true, std::chrono::milliseconds(kSessionMs)));
  const long long takeover_ms = MsSince(t0);
  std::fprintf(stderr, "leader session closed -> new leader in %lld ms\n", takeover_ms);
  // The server expires a session in tickTime buckets (ExpiryQueue rounds the deadline up to the
  // next tick, 200 ms here), so "within the session timeout" is allowed that rounding.
  EXPECT_LE(takeover_ms, kSessionMs + kTickMs);
  ASSERT_TRUE(c0.changes->WaitLast(false));
  EXPECT_EQ(c0.changes->items(), (std::vector<bool>{true, false}));
  EXPECT_EQ(Leaders(all), 1);
  EXPECT_TRUE(c1.election->is_leader());
  EXPECT_TRUE(c2.changes->items().empty());
  EXPECT_EQ(*c2.election->leader_id(), "gen-1:8080");
  EXPECT_EQ(c0.election->node_name(), "");

  // Resign hands over to the next; no callback for the resigner.
  ASSERT_TRUE(c1.election->Resign().ok());
  EXPECT_FALSE(c1.election->is_leader());
  ASSERT_TRUE(c2.changes->WaitLast(true));
  EXPECT_EQ(Leaders(all), 1);
  EXPECT_EQ(c1.changes->items(), std::vector<bool>{true});
  EXPECT_TRUE(c1.election->Resign().ok());  // idempotent
  EXPECT_EQ(*c2.election->leader_id(), "gen-2:8080");

  // A newcomer follows; its view of the leader is the leader's id.
  auto c3 = Join("gen-3:8080");
  ASSERT_TRUE(c3.election);
  EXPECT_FALSE(c3.election->is_leader());
  EXPECT_EQ(*c3.election->leader_id(), "gen-2:8080");
  kids = client_->Children(root_ + "/leader");
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids->size(), 2u);  // c2 and c3: the expired and the resigned znodes are gone

  // The leader's election object is destroyed (a generator shutting down): the follower leads.
  c2.election.reset();
  ASSERT_TRUE(c3.changes->WaitLast(true));
  EXPECT_EQ(*c3.election->leader_id(), "gen-3:8080");
}

TEST_F(ZkCoordTest, ExpiredLeaderStepsDownAndNeverLeadsAgain) {
  auto c0 = Join("gen-0");
  auto c1 = Join("gen-1");
  ASSERT_TRUE(c0.election && c1.election);
  ASSERT_TRUE(c0.election->is_leader());

  ExpireSession(c0.zk.get());
  ASSERT_TRUE(c0.changes->WaitLast(false));
  ASSERT_TRUE(c1.changes->WaitLast(true));
  EXPECT_FALSE(c0.election->is_leader());
  EXPECT_TRUE(c1.election->is_leader());

  // Even with no other candidate left the expired one never leads again on its client; its
  // reads fail with the session.
  ASSERT_TRUE(c1.election->Resign().ok());
  auto c2 = Join("gen-2");  // an observer that leads once the field is empty
  ASSERT_TRUE(c2.election);
  EXPECT_TRUE(c2.election->is_leader());
  EXPECT_FALSE(c0.election->is_leader());
  EXPECT_EQ(c0.changes->items(), (std::vector<bool>{true, false}));
  EXPECT_TRUE(c0.election->leader_id().status().IsCancelled());
  EXPECT_TRUE(c0.election->Resign().ok());  // nothing to delete: the server did

  // A new election on the expired client is refused.
  auto again = LeaderElection::Create(c0.zk.get(), root_ + "/leader", "gen-0", nullptr);
  EXPECT_TRUE(again.status().IsCancelled()) << again.status().ToString();
  auto kids = client_->Children(root_ + "/leader");
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids->size(), 1u);
  EXPECT_EQ(*c2.election->leader_id(), "gen-2");
}

TEST_F(ZkCoordTest, FollowerRewatchesWhenItsPredecessorLeavesAndADeletedZnodeRejoins) {
  auto c0 = Join("gen-0");
  auto c1 = Join("gen-1");
  auto c2 = Join("gen-2");
  ASSERT_TRUE(c0.election && c1.election && c2.election);
  // The middle candidate leaves: the last one's predecessor is gone, it looks again and must
  // now watch the leader — proven by taking over when the leader leaves.
  ASSERT_TRUE(c1.election->Resign().ok());
  ASSERT_TRUE(c0.election->Resign().ok());
  ASSERT_TRUE(c2.changes->WaitLast(true));
  EXPECT_TRUE(c1.changes->items().empty());
  EXPECT_EQ(c0.changes->items(), std::vector<bool>{true});

  // The leader's znode deleted by someone else (an operator): it steps down and rejoins with a
  // new znode, and leads again as the only candidate.
  const std::string first = c2.election->node_name();
  ASSERT_TRUE(client_->Delete(root_ + "/leader/" + first).ok());
  ASSERT_TRUE(c2.changes->WaitFor([](const std::vector<bool>& v) {
    return v == std::vector<bool>{true, false, true};
  }));
  EXPECT_NE(c2.election->node_name(), first);
  auto kids = client_->Children(root_ + "/leader");
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(*kids, std::vector<std::string>{c2.election->node_name()});
  EXPECT_EQ(*c0.election->leader_id(), "gen-2");
}

TEST_F(ZkCoordTest, LostCreateReplyLeavesOneZnodePerCandidate) {
  const std::string dir = root_ + "/leader";
  auto zk = Connect();
  auto other = Connect();
  ASSERT_TRUE(zk && other);
  ASSERT_TRUE(client_->Create(dir, "").ok());
  // A create that was applied although its reply was lost: this session's znode with the nonce.
  auto applied = zk->Create(dir + "/n_feed_", "gen-0", ZkCreateMode::kEphemeralSequential);
  ASSERT_TRUE(applied.ok());
  ASSERT_EQ(*applied, dir + "/n_feed_0000000000");
  // Another session's znode that happens to carry the same nonce is not this candidate's.
  ASSERT_TRUE(other->Create(dir + "/n_beef_", "x", ZkCreateMode::kEphemeralSequential).ok());

  Events<bool> changes;
  auto e = LeaderElection::Create(
      zk.get(), dir, "gen-0", [&](bool l) { changes.Push(l); }, "feed");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ((*e)->node_name(), "n_feed_0000000000");  // adopted, not created again
  EXPECT_TRUE((*e)->is_leader());
  auto kids = client_->Children(dir);
  ASSERT_TRUE(kids.ok());
  std::sort(kids->begin(), kids->end());
  EXPECT_EQ(*kids, (std::vector<std::string>{"n_beef_0000000001", "n_feed_0000000000"}));

  auto e2 = LeaderElection::Create(zk.get(), dir, "gen-0b", nullptr, "beef");
  ASSERT_TRUE(e2.ok()) << e2.status().ToString();
  EXPECT_EQ((*e2)->node_name(), "n_beef_0000000002");  // the other session's is not adopted
  EXPECT_FALSE((*e2)->is_leader());
  kids = client_->Children(dir);
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids->size(), 3u);

  // Bad arguments are one-line errors.
  EXPECT_TRUE(
      LeaderElection::Create(zk.get(), "relative", "x", nullptr).status().IsInvalidArgument());
  EXPECT_TRUE(LeaderElection::Create(zk.get(), "/", "x", nullptr).status().IsInvalidArgument());
  EXPECT_TRUE(LeaderElection::Create(zk.get(), dir, "", nullptr).status().IsInvalidArgument());
  EXPECT_TRUE(
      LeaderElection::Create(zk.get(), dir, "x", nullptr, "a_b").status().IsInvalidArgument());
}

}  // namespace
}  // namespace pe::state
