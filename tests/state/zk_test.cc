// The ZooKeeper client (state/zk.h) against a real standalone ZooKeeper server (Debian's
// zookeeper package, started by testing/zk_server.h): reads and versioned writes, ephemeral and
// sequential znodes, pipelined GetMany, the request size limit, chroot, watches, forced session
// expiry, a server restart within the session timeout and a stopped server.
#include "state/zk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "testing/zk_server.h"

namespace pe::state {
namespace {

using Clock = std::chrono::steady_clock;
using EventType = ZkWatchEvent::Type;

// Collects callback events from the dispatcher thread; tests wait for them with a deadline.
template <typename T>
class Events {
 public:
  void Push(T e) {
    std::lock_guard lock(mu_);
    items_.push_back(std::move(e));
    cv_.notify_all();
  }
  // Waits until `pred(items)` holds; false after `timeout`.
  template <typename Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(items_); });
  }
  bool WaitCount(size_t n) {
    return WaitFor([n](const std::vector<T>& v) { return v.size() >= n; });
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

bool Contains(const std::vector<ZkSessionState>& v, ZkSessionState s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::unique_ptr<ZkClient> MustConnect(ZkOptions o) {
  auto c = ZkClient::Connect(std::move(o));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

// One server for the suite; each test works under its own /<test name> znode.
class ZkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto t0 = Clock::now();
    server_ = new testing::ZkServer();
    ASSERT_TRUE(server_->Start()) << server_->error();
    std::fprintf(
        stderr, "ZooKeeper started on %s in %lld ms\n", server_->hosts().c_str(),
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()));
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
  static ZkOptions Options(int session_timeout_ms = 30000) {
    ZkOptions o;
    o.hosts = server_->hosts();
    o.session_timeout_ms = session_timeout_ms;
    return o;
  }
  static std::unique_ptr<ZkClient> Connect(int session_timeout_ms = 30000) {
    return MustConnect(Options(session_timeout_ms));
  }

  static testing::ZkServer* server_;
  std::string root_;
  std::unique_ptr<ZkClient> client_;
};
testing::ZkServer* ZkTest::server_ = nullptr;

TEST_F(ZkTest, CreateGetSetDelete) {
  const std::string path = root_ + "/a";
  const std::string bytes("v1\0\xff\x01", 5);  // binary-safe
  auto created = client_->Create(path, bytes);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(*created, path);

  auto got = client_->Get(path);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->data, bytes);
  EXPECT_EQ(got->version, 0);  // a new znode's data version
  EXPECT_EQ(got->ephemeral_owner, 0);

  auto v1 = client_->Set(path, "second", 0);
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(*v1, 1);
  got = client_->Get(path);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->data, "second");
  EXPECT_EQ(got->version, 1);
  auto any = client_->Set(path, "", -1);  // -1: any version
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(*any, 2);
  EXPECT_EQ(client_->Get(path)->data, "");

  auto kids = client_->Children(root_);
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(*kids, std::vector<std::string>{"a"});
  EXPECT_TRUE(*client_->Exists(path));

  // Errors a caller acts on, each naming the path.
  auto dup = client_->Create(path, "x");
  EXPECT_TRUE(dup.status().IsConflict()) << dup.status().ToString();
  EXPECT_NE(dup.status().message().find(path), std::string::npos);
  auto orphan = client_->Create(root_ + "/missing/child", "x");
  EXPECT_TRUE(orphan.status().IsNotFound()) << orphan.status().ToString();
  ASSERT_TRUE(client_->Create(path + "/kid", "").ok());
  Status busy = client_->Delete(path);
  EXPECT_TRUE(busy.IsConflict()) << busy.ToString();
  ASSERT_TRUE(client_->Delete(path + "/kid").ok());
  Status stale = client_->Delete(path, 1);
  EXPECT_TRUE(stale.IsConflict()) << stale.ToString();
  ASSERT_TRUE(client_->Delete(path, 2).ok());
  EXPECT_FALSE(*client_->Exists(path));
  auto gone = client_->Get(path);
  EXPECT_TRUE(gone.status().IsNotFound()) << gone.status().ToString();
  EXPECT_NE(gone.status().message().find(path), std::string::npos);
  EXPECT_EQ(gone.status().message().find('\n'), std::string::npos);
  EXPECT_TRUE(client_->Delete(path).IsNotFound());
  EXPECT_TRUE(client_->Set(path, "x", -1).status().IsNotFound());
  auto bad = client_->Get("no-leading-slash");
  EXPECT_TRUE(bad.status().IsInvalidArgument()) << bad.status().ToString();
}

TEST_F(ZkTest, CreateParentsMakesTheWholePath) {
  const std::string path = root_ + "/x/y/z";
  ASSERT_TRUE(client_->CreateParents(path, "leaf").ok());
  EXPECT_EQ(client_->Get(path)->data, "leaf");
  EXPECT_EQ(client_->Get(root_ + "/x/y")->data, "");
  ASSERT_TRUE(client_->CreateParents(path, "other").ok());  // exists: OK, data kept
  EXPECT_EQ(client_->Get(path)->data, "leaf");
}

TEST_F(ZkTest, StaleVersionLosesTheRace) {
  const std::string path = root_ + "/counter";
  ASSERT_TRUE(client_->Create(path, "0").ok());
  auto a = Connect(), b = Connect();
  ASSERT_TRUE(a && b);
  for (int round = 0; round < 10; ++round) {
    auto seen_a = a->Get(path), seen_b = b->Get(path);
    ASSERT_TRUE(seen_a.ok() && seen_b.ok());
    ASSERT_EQ(seen_a->version, seen_b->version);
    std::atomic<int> ready{0};
    Result<int32_t> ra = Status::IOError("unset"), rb = Status::IOError("unset");
    auto race = [&](ZkClient* c, int32_t version, std::string data, Result<int32_t>* out) {
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      *out = c->Set(path, data, version);
    };
    std::thread ta(race, a.get(), seen_a->version, "a" + std::to_string(round), &ra);
    std::thread tb(race, b.get(), seen_b->version, "b" + std::to_string(round), &rb);
    ta.join();
    tb.join();
    ASSERT_NE(ra.ok(), rb.ok()) << ra.status().ToString() << " / " << rb.status().ToString();
    const Result<int32_t>& loser = ra.ok() ? rb : ra;
    EXPECT_TRUE(loser.status().IsConflict()) << loser.status().ToString();
    auto now = client_->Get(path);
    ASSERT_TRUE(now.ok());
    EXPECT_EQ(now->version, seen_a->version + 1);
    EXPECT_EQ(now->data, (ra.ok() ? "a" : "b") + std::to_string(round));
  }
}

TEST_F(ZkTest, EphemeralNodeGoesWithItsSession) {
  const std::string path = root_ + "/owner";
  auto owner = Connect();
  ASSERT_TRUE(owner);
  ASSERT_TRUE(owner->Create(path, "me", ZkCreateMode::kEphemeral).ok());
  auto seen = client_->Get(path);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->ephemeral_owner, owner->session_id());
  EXPECT_NE(owner->session_id(), client_->session_id());
  // Ephemeral znodes have no children.
  auto kid = owner->Create(path + "/kid", "");
  EXPECT_TRUE(kid.status().IsInvalidArgument()) << kid.status().ToString();

  Events<ZkWatchEvent> events;
  auto exists = client_->WatchExists(path, [&](const ZkWatchEvent& e) { events.Push(e); });
  ASSERT_TRUE(exists.ok() && *exists);
  owner.reset();  // closes the session
  ASSERT_TRUE(events.WaitCount(1));
  EXPECT_EQ(events.items()[0].type, EventType::kDeleted);
  EXPECT_EQ(events.items()[0].path, path);
  EXPECT_FALSE(*client_->Exists(path));
}

TEST_F(ZkTest, EphemeralSequentialNodesAreNumberedInOrder) {
  const std::string dir = root_ + "/election";
  ASSERT_TRUE(client_->Create(dir, "").ok());
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    auto p = client_->Create(dir + "/n_", "", ZkCreateMode::kEphemeralSequential);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    char want[64];
    std::snprintf(want, sizeof(want), "/n_%010d", i);  // the parent's cversion, 10 digits
    EXPECT_EQ(*p, dir + want);
    expected.push_back(std::string(want + 1));
  }
  auto kids = client_->Children(dir);
  ASSERT_TRUE(kids.ok());
  std::sort(kids->begin(), kids->end());
  EXPECT_EQ(*kids, expected);
  auto seq = client_->Create(root_ + "/p_", "", ZkCreateMode::kSequential);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, root_ + "/p_0000000001");  // root_ already has child "election"
}

TEST_F(ZkTest, GetManyReadsThousandsOfZnodesExactly) {
  constexpr int kCount = 2000;
  std::mt19937_64 rng(7);
  std::vector<std::string> paths, datas;
  std::vector<ZkOp> ops;
  for (int i = 0; i < kCount; ++i) {
    paths.push_back(root_ + "/seg_" + std::to_string(i));
    std::string d(static_cast<size_t>(i % 97 == 0 ? 0 : rng() % 3000), '\0');
    for (auto& c : d) c = static_cast<char>(rng());
    datas.push_back(d);
    ops.push_back(ZkOp::Create(paths.back(), d));
    if (ops.size() == 200) {  // created in atomic batches of 200
      auto r = client_->Multi(ops);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->size(), ops.size());
      EXPECT_EQ((*r)[0].path, ops[0].path);
      ops.clear();
    }
  }
  std::vector<std::string> ask = paths;
  ask.insert(ask.begin() + 1000, root_ + "/missing");
  auto t0 = Clock::now();
  auto got = client_->GetMany(ask);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  std::fprintf(stderr, "GetMany of %zu znodes: %lld ms\n", ask.size(), static_cast<long long>(ms));
  ASSERT_EQ(got.size(), ask.size());
  for (size_t i = 0, k = 0; i < ask.size(); ++i) {
    if (i == 1000) {
      EXPECT_TRUE(got[i].status().IsNotFound()) << got[i].status().ToString();
      EXPECT_NE(got[i].status().message().find(root_ + "/missing"), std::string::npos);
      continue;
    }
    ASSERT_TRUE(got[i].ok()) << got[i].status().ToString();
    EXPECT_EQ(got[i]->data, datas[k]) << paths[k];
    EXPECT_EQ(got[i]->version, 0);
    ++k;
  }
  auto kids = client_->Children(root_);
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids->size(), static_cast<size_t>(kCount));
}

TEST_F(ZkTest, MultiIsAllOrNothing) {
  const std::string a = root_ + "/a", b = root_ + "/b";
  ASSERT_TRUE(client_->Create(a, "1").ok());
  // A stale check fails the whole transaction: b is not created, a not changed.
  auto r = client_->Multi({ZkOp::Create(b, "new"), ZkOp::Check(a, 5), ZkOp::Set(a, "2", 0)});
  EXPECT_TRUE(r.status().IsConflict()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(a), std::string::npos) << r.status().ToString();
  EXPECT_FALSE(*client_->Exists(b));
  EXPECT_EQ(client_->Get(a)->data, "1");

  r = client_->Multi({ZkOp::Create(b, "new"), ZkOp::Check(a, 0), ZkOp::Set(a, "2", 0),
                      ZkOp::Create(root_ + "/q_", "", ZkCreateMode::kSequential)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].path, b);
  EXPECT_EQ((*r)[2].version, 1);
  EXPECT_EQ((*r)[3].path, root_ + "/q_0000000002");  // after a (creation) and b
  EXPECT_EQ(client_->Get(a)->data, "2");
  ASSERT_TRUE(client_->Multi({ZkOp::Delete(b, 0), ZkOp::Delete(a, 1)}).ok());
  EXPECT_FALSE(*client_->Exists(a));
}

TEST_F(ZkTest, OversizedRequestRefusedBeforeSending) {
  Events<ZkSessionState> states;
  client_->SetSessionCallback([&](ZkSessionState s) { states.Push(s); });
  const std::string path = root_ + "/big";
  const std::string too_big(1024 * 1024 + 1, 'x');  // 1 MB + 1
  auto r = client_->Create(path, too_big);
  ASSERT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(path), std::string::npos);
  ASSERT_TRUE(client_->Create(path, "small").ok());
  auto s = client_->Set(path, too_big, -1);
  EXPECT_TRUE(s.status().IsInvalidArgument()) << s.status().ToString();
  auto m = client_->Multi({ZkOp::Set(path, too_big, -1)});
  EXPECT_TRUE(m.status().IsInvalidArgument()) << m.status().ToString();

  // The largest accepted request really is accepted by the server (jute.maxbuffer = 0xfffff) and
  // read back whole; nothing was sent before, so the connection never dropped.
  std::string largest(kZkMaxRequestBytes - kZkRequestOverheadBytes - path.size(), 'y');
  largest[0] = 'a';
  largest.back() = 'z';
  auto v = client_->Set(path, largest, -1);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto back = client_->Get(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->data, largest);
  EXPECT_EQ(client_->session_state(), ZkSessionState::kConnected);
  EXPECT_TRUE(states.items().empty());  // no disconnect
}

TEST_F(ZkTest, ChrootInHostsString) {
  ZkOptions o = Options();
  o.hosts += root_;  // "127.0.0.1:port/<test>"
  auto rooted = MustConnect(o);
  ASSERT_TRUE(rooted);
  auto p = rooted->Create("/inside", "data");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, "/inside");
  auto seq = rooted->Create("/s_", "", ZkCreateMode::kSequential);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, "/s_0000000001");  // without the chroot
  EXPECT_EQ(client_->Get(root_ + "/inside")->data, "data");
  EXPECT_EQ(rooted->Get("/inside")->data, "data");
  auto kids = rooted->Children("/");
  ASSERT_TRUE(kids.ok());
  std::sort(kids->begin(), kids->end());
  EXPECT_EQ(*kids, (std::vector<std::string>{"inside", "s_0000000001"}));
}

TEST_F(ZkTest, WatchesFireOnceOnChange) {
  const std::string path = root_ + "/config";
  ASSERT_TRUE(client_->Create(path, "v0").ok());
  auto writer = Connect();
  ASSERT_TRUE(writer);

  Events<ZkWatchEvent> data_events;
  auto first = client_->WatchData(path, [&](const ZkWatchEvent& e) { data_events.Push(e); });
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->data, "v0");
  ASSERT_TRUE(writer->Set(path, "v1", -1).ok());
  ASSERT_TRUE(data_events.WaitCount(1));
  EXPECT_EQ(data_events.items()[0].type, EventType::kChanged);
  EXPECT_EQ(data_events.items()[0].path, path);

  // One-shot: the next change is seen only by a re-armed watch. The callback may call the client.
  ASSERT_TRUE(writer->Set(path, "v2", -1).ok());
  Events<std::string> reread;
  auto second = client_->WatchData(path, [&](const ZkWatchEvent& e) {
    data_events.Push(e);
    auto now = client_->Get(path);
    reread.Push(now.ok() ? now->data : now.status().ToString());
  });
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->data, "v2");
  ASSERT_TRUE(writer->Set(path, "v3", -1).ok());
  ASSERT_TRUE(reread.WaitCount(1));
  EXPECT_EQ(reread.items()[0], "v3");
  ASSERT_EQ(data_events.items().size(), 2u);

  // Children and deletion.
  Events<ZkWatchEvent> child_events;
  auto kids = client_->WatchChildren(path, [&](const ZkWatchEvent& e) { child_events.Push(e); });
  ASSERT_TRUE(kids.ok());
  EXPECT_TRUE(kids->empty());
  ASSERT_TRUE(writer->Create(path + "/c", "").ok());
  ASSERT_TRUE(child_events.WaitCount(1));
  EXPECT_EQ(child_events.items()[0].type, EventType::kChildren);

  Events<ZkWatchEvent> deleted;
  ASSERT_TRUE(client_->WatchData(path, [&](const ZkWatchEvent& e) { deleted.Push(e); }).ok());
  ASSERT_TRUE(writer->Delete(path + "/c").ok());
  ASSERT_TRUE(writer->Delete(path).ok());
  ASSERT_TRUE(deleted.WaitCount(1));
  EXPECT_EQ(deleted.items()[0].type, EventType::kDeleted);

  // No watch is left on a missing znode; an exists watch sees its creation.
  auto missing = client_->WatchData(path, [&](const ZkWatchEvent& e) { deleted.Push(e); });
  EXPECT_TRUE(missing.status().IsNotFound());
  Events<ZkWatchEvent> created;
  auto ex = client_->WatchExists(path, [&](const ZkWatchEvent& e) { created.Push(e); });
  ASSERT_TRUE(ex.ok());
  EXPECT_FALSE(*ex);
  ASSERT_TRUE(writer->Create(path, "back").ok());
  ASSERT_TRUE(created.WaitCount(1));
  EXPECT_EQ(created.items()[0].type, EventType::kCreated);
  EXPECT_EQ(deleted.items().size(), 1u);
}

TEST_F(ZkTest, ForcedSessionExpiryStopsEveryCall) {
  const std::string path = root_ + "/worker";
  auto victim = Connect(4000);
  ASSERT_TRUE(victim);
  Events<ZkSessionState> states;
  victim->SetSessionCallback([&](ZkSessionState s) { states.Push(s); });
  ASSERT_TRUE(victim->Create(path, "", ZkCreateMode::kEphemeral).ok());
  ASSERT_TRUE(victim->Create(path + "-data", "v").ok());
  Events<ZkWatchEvent> watch;
  ASSERT_TRUE(
      victim->WatchData(path + "-data", [&](const ZkWatchEvent& e) { watch.Push(e); }).ok());

  // Another handle on the same session (id + password), then closed: the server ends the session
  // and the victim learns ZSESSIONEXPIRED when it reconnects. The victim may win the session back
  // before the thief's close reaches the server (then the close is not sent); repeat until the
  // session is gone.
  ZkOptions o = Options(4000);
  o.session_id = victim->session_id();
  o.session_password = victim->session_password();
  auto expired = [](const std::vector<ZkSessionState>& v) {
    return Contains(v, ZkSessionState::kExpired);
  };
  int attempts = 0;
  for (; attempts < 20 && !states.WaitFor(expired, std::chrono::milliseconds(0)); ++attempts) {
    auto thief = ZkClient::Connect(o);
    if (thief.ok()) {
      EXPECT_EQ((*thief)->session_id(), victim->session_id());
    } else {
      ASSERT_TRUE(thief.status().IsCancelled()) << thief.status().ToString();
    }
    thief = Status::Cancelled("closed");  // closes the session
    states.WaitFor(expired, std::chrono::seconds(3));
  }
  ASSERT_TRUE(states.WaitFor(expired)) << "no expiry seen after " << attempts << " attempts";
  EXPECT_TRUE(victim->session_expired());
  EXPECT_EQ(victim->session_state(), ZkSessionState::kExpired);
  ASSERT_TRUE(watch.WaitCount(1));
  EXPECT_EQ(watch.items()[0].type, EventType::kSessionLost);

  auto set = victim->Set(path + "-data", "stale", -1);
  EXPECT_TRUE(set.status().IsCancelled()) << set.status().ToString();
  EXPECT_NE(set.status().message().find(path + "-data"), std::string::npos);
  EXPECT_TRUE(victim->Create(path + "-new", "").status().IsCancelled());
  EXPECT_TRUE(victim->Delete(path + "-data").IsCancelled());
  auto multi = victim->Multi({ZkOp::Check(path + "-data", 0)});
  EXPECT_TRUE(multi.status().IsCancelled()) << multi.status().ToString();
  EXPECT_TRUE(victim->Get(path + "-data").status().IsCancelled());
  // Nothing was written for the lost session; its ephemeral is gone.
  EXPECT_EQ(client_->Get(path + "-data")->data, "v");
  EXPECT_FALSE(*client_->Exists(path + "-new"));
  EXPECT_FALSE(*client_->Exists(path));

  // Resuming the expired session is refused.
  ZkOptions again = Options(4000);
  again.session_id = o.session_id;
  again.session_password = o.session_password;
  auto resumed = ZkClient::Connect(again);
  EXPECT_TRUE(resumed.status().IsCancelled()) << resumed.status().ToString();
}

TEST(ZkConnect, UnreachableAndBadHosts) {
  ZkOptions o;
  o.hosts = "127.0.0.1:1";  // reserved (tcpmux), closed
  o.connect_timeout_ms = 1500;
  auto t0 = Clock::now();
  auto r = ZkClient::Connect(o);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  ASSERT_TRUE(r.status().IsIOError()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos);
  EXPECT_LT(ms, 5000);

  o.hosts = "";
  EXPECT_TRUE(ZkClient::Connect(o).status().IsInvalidArgument());
  o.hosts = "/chroot-only";
  EXPECT_TRUE(ZkClient::Connect(o).status().IsInvalidArgument());
  o.hosts = "127.0.0.1:1";
  o.session_id = 42;
  o.session_password = "short";
  EXPECT_TRUE(ZkClient::Connect(o).status().IsInvalidArgument());
}

// Tests that stop the server get their own.
class ZkRestartTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()) << server_.error(); }
  ZkOptions Options(int session_timeout_ms) {
    ZkOptions o;
    o.hosts = server_.hosts();
    o.session_timeout_ms = session_timeout_ms;
    return o;
  }
  testing::ZkServer server_;
};

TEST_F(ZkRestartTest, SessionSurvivesAServerRestartWithinItsTimeout) {
  auto c = MustConnect(Options(20000));
  ASSERT_TRUE(c);
  Events<ZkSessionState> states;
  c->SetSessionCallback([&](ZkSessionState s) { states.Push(s); });
  ASSERT_TRUE(c->Create("/lease", "held", ZkCreateMode::kEphemeral).ok());
  ASSERT_TRUE(c->Create("/kept", "persistent").ok());
  const int64_t session = c->session_id();

  auto t0 = Clock::now();
  server_.Stop();
  ASSERT_TRUE(states.WaitFor([](const std::vector<ZkSessionState>& v) {
    return Contains(v, ZkSessionState::kDisconnected);
  }));
  ASSERT_TRUE(server_.Restart()) << server_.error();
  ASSERT_TRUE(states.WaitFor([](const std::vector<ZkSessionState>& v) {
    return !v.empty() && v.back() == ZkSessionState::kConnected;
  })) << "did not reconnect";
  std::fprintf(
      stderr, "stop + restart + reconnect: %lld ms\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()));
  EXPECT_FALSE(c->session_expired());
  EXPECT_EQ(c->session_id(), session);
  auto lease = c->Get("/lease");
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_EQ(lease->data, "held");
  EXPECT_EQ(lease->ephemeral_owner, session);
  auto other = MustConnect(Options(20000));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->Get("/kept")->data, "persistent");
  EXPECT_EQ(other->Get("/lease")->ephemeral_owner, session);
  EXPECT_TRUE(c->Set("/kept", "after", 0).ok());
}

TEST_F(ZkRestartTest, StoppedServerFailsCallsWithinABoundedTime) {
  ZkOptions o = Options(4000);
  o.request_timeout_ms = 3000;
  auto c = MustConnect(o);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->Create("/n", "x").ok());
  server_.Stop();

  auto t0 = Clock::now();
  auto r = c->Get("/n");
  auto read_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  EXPECT_TRUE(r.status().IsIOError()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("/n"), std::string::npos);
  EXPECT_LE(read_ms, 3500);

  t0 = Clock::now();
  auto w = c->Set("/n", "y", -1);
  auto write_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  EXPECT_TRUE(w.status().IsUnknownOutcome()) << w.status().ToString();
  EXPECT_LE(write_ms, 3500);

  auto many = c->GetMany({"/n", "/m"});
  ASSERT_EQ(many.size(), 2u);
  EXPECT_TRUE(many[0].status().IsIOError()) << many[0].status().ToString();
  EXPECT_TRUE(many[1].status().IsIOError()) << many[1].status().ToString();
  std::fprintf(stderr, "server stopped: read failed in %lld ms, write in %lld ms\n",
               static_cast<long long>(read_ms), static_cast<long long>(write_ms));
}

TEST_F(ZkRestartTest, HungServerFailsCallsAtTheRequestTimeout) {
  ZkOptions o = Options(20000);
  o.request_timeout_ms = 1000;
  auto c = MustConnect(o);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->Create("/n", "x").ok());
  server_.Pause();

  auto t0 = Clock::now();
  auto r = c->Get("/n");
  auto read_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  EXPECT_TRUE(r.status().IsIOError()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("no reply within 1000 ms"), std::string::npos)
      << r.status().ToString();
  EXPECT_GE(read_ms, 1000);
  EXPECT_LE(read_ms, 2500);
  auto w = c->Set("/n", "y", 0);
  EXPECT_TRUE(w.status().IsUnknownOutcome()) << w.status().ToString();
  EXPECT_NE(w.status().message().find("/n"), std::string::npos);

  // The server comes back within the session: the write that "timed out" was applied after all,
  // which is exactly why it is kUnknownOutcome and not a failure.
  server_.Resume();
  Result<ZkNode> after = Status::IOError("unset");
  for (int i = 0; i < 20 && !(after = c->Get("/n")).ok(); ++i) {
  }
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->data, "y");
  EXPECT_EQ(after->version, 1);
  EXPECT_FALSE(c->session_expired());
}

}  // namespace
}  // namespace pe::state
