// ZkClient over the ZooKeeper C client (libzookeeper_mt, THREADED): every call is an
// asynchronous zoo_a* request whose completion (run on the C client's completion thread) fills a
// slot of a shared Batch; the caller waits for its slots with a deadline. A Batch is shared with
// the completions, so a caller that gave up waiting never leaves a completion writing into freed
// memory; zookeeper_close() runs every outstanding completion (with ZCLOSING) before it returns.
//
// Watches are registered with a per-watch integer id as the C watcher context (never a pointer
// the C client could outlive); the registry maps ids to callbacks, so a watch the C client keeps
// after a session event (collectWatchers copies, it does not remove, on ZOO_SESSION_EVENT) can
// never call into freed memory.
#include "state/zk.h"

#include <zookeeper/zookeeper.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "common/log.h"

namespace pe::state {

namespace {

using Clock = std::chrono::steady_clock;

// Our own "no reply in time" code for slots the deadline passed (not a ZooKeeper code).
constexpr int kTimedOut = 1;

struct Slot {
  bool done = false;
  int rc = ZOK;
  ZkNode node;
  bool exists = false;
  std::vector<std::string> strings;
  std::string path;  // created path
  std::vector<ZkOpResult> multi;
  int failed_op = -1;  // Multi: index of the op that failed
};

struct Batch {
  std::mutex mu;
  std::condition_variable cv;
  size_t remaining = 0;
  std::vector<Slot> slots;
};

const char* OpName(ZkOp::Kind k) {
  switch (k) {
    case ZkOp::Kind::kCreate:
      return "create";
    case ZkOp::Kind::kDelete:
      return "delete";
    case ZkOp::Kind::kSet:
      return "set";
    case ZkOp::Kind::kCheck:
      return "check";
  }
  return "?";
}

int CreateFlags(ZkCreateMode m) {
  switch (m) {
    case ZkCreateMode::kPersistent:
      return ZOO_PERSISTENT;
    case ZkCreateMode::kEphemeral:
      return ZOO_EPHEMERAL;
    case ZkCreateMode::kSequential:
      return ZOO_PERSISTENT_SEQUENTIAL;
    case ZkCreateMode::kEphemeralSequential:
      return ZOO_EPHEMERAL_SEQUENTIAL;
  }
  return ZOO_PERSISTENT;
}

// Maps a ZooKeeper return code to the Status contract of zk.h. `write`: the request changes state,
// so a lost reply means the outcome is unknown.
Status ToStatus(int rc, bool write, const std::string& op, const std::string& path,
                int timeout_ms) {
  std::string what = "zookeeper " + op + " " + path + ": ";
  switch (rc) {
    case ZOK:
      return Status::OK();
    case ZNONODE:
      return Status::NotFound(what + "no such znode (ZNONODE)");
    case ZNODEEXISTS:
      return Status::Conflict(what + "znode already exists (ZNODEEXISTS)");
    case ZBADVERSION:
      return Status::Conflict(what + "version changed (ZBADVERSION)");
    case ZNOTEMPTY:
      return Status::Conflict(what + "znode has children (ZNOTEMPTY)");
    case ZSESSIONEXPIRED:
    case ZINVALIDSTATE:
      return Status::Cancelled(what + "ZooKeeper session expired (" + zerror(rc) + ")");
    case ZSESSIONMOVED:
      return Status::Cancelled(what + "session moved to another connection (ZSESSIONMOVED)");
    case ZAUTHFAILED:
      return Status::Cancelled(what + "authentication failed (ZAUTHFAILED)");
    case ZCLOSING:
      return Status::Cancelled(what + "client is closing (ZCLOSING)");
    case ZBADARGUMENTS:
      return Status::InvalidArgument(what + "bad path or arguments (ZBADARGUMENTS)");
    case ZNOAUTH:
      return Status::InvalidArgument(what + "not authorized (ZNOAUTH)");
    case ZINVALIDACL:
      return Status::InvalidArgument(what + "invalid ACL (ZINVALIDACL)");
    case ZNOCHILDRENFOREPHEMERALS:
      return Status::InvalidArgument(what + "ephemeral znodes cannot have children");
    case ZCONNECTIONLOSS:
    case ZOPERATIONTIMEOUT:
    case kTimedOut: {
      std::string why = rc == kTimedOut ? "no reply within " + std::to_string(timeout_ms) + " ms"
                                        : std::string(zerror(rc));
      if (write) return Status::UnknownOutcome(what + why + "; the write may have been applied");
      return Status::IOError(what + why);
    }
    default:
      return Status::IOError(what + zerror(rc) + " (" + std::to_string(rc) + ")");
  }
}

// The C client's log lines (already filtered to WARN and above) into the project log.
// Its lines start with its own time stamp and thread ("2024-01-01 00:00:00,000:123(0x7f..):"),
// dropped here: the project log has its own; kept from "ZOO_<LEVEL>@function@line: ...".
void LogToProject(const char* message) {
  std::string_view m = message ? message : "";
  auto level = m.find("ZOO_");
  if (level != std::string_view::npos) m.remove_prefix(level);
  pe::log::Warn(std::string("zookeeper client: ") + std::string(m));
}

ZkSessionState FromZooState(int state) {
  if (state == ZOO_CONNECTED_STATE || state == ZOO_READONLY_STATE) {
    return ZkSessionState::kConnected;
  }
  if (state == ZOO_EXPIRED_SESSION_STATE) return ZkSessionState::kExpired;
  if (state == ZOO_AUTH_FAILED_STATE) return ZkSessionState::kAuthFailed;
  return ZkSessionState::kDisconnected;
}

// Length of the chroot suffix of a connect string ("h:p,h:p/chroot" -> "/chroot"): the server sees
// paths with it prepended.
size_t ChrootLength(const std::string& hosts) {
  auto slash = hosts.find('/');
  return slash == std::string::npos ? 0 : hosts.size() - slash;
}

}  // namespace

const char* ZkSessionStateName(ZkSessionState s) {
  switch (s) {
    case ZkSessionState::kConnected:
      return "CONNECTED";
    case ZkSessionState::kDisconnected:
      return "DISCONNECTED";
    case ZkSessionState::kExpired:
      return "EXPIRED";
    case ZkSessionState::kAuthFailed:
      return "AUTH_FAILED";
  }
  return "?";
}

struct ZkClient::Impl {
  ZkOptions options;
  int timeout_ms = 0;  // per call
  size_t chroot_len = 0;
  zhandle_t* zh = nullptr;

  // Session state, written by the C client's completion thread.
  std::mutex state_mu;
  std::condition_variable state_cv;
  ZkSessionState state = ZkSessionState::kDisconnected;
  std::atomic<bool> expired{false};
  ZkSessionCallback session_cb;  // guarded by state_mu

  // One-shot watches by id (the C watcher context).
  struct Watch {
    std::string path;
    ZkWatchCallback callback;
  };
  std::mutex watch_mu;
  std::map<uintptr_t, Watch> watches;
  uintptr_t next_watch = 1;

  // The dispatcher: user callbacks run here, in order.
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<std::function<void()>> queue;
  bool stopping = false;
  std::thread dispatcher;

  // The context of one asynchronous request.
  struct Ctx {
    Impl* impl = nullptr;
    std::shared_ptr<Batch> batch;
    size_t index = 0;
    uintptr_t watch = 0;
    enum class WatchKind { kNone, kData, kExists, kChild } watch_kind = WatchKind::kNone;
    // Multi: what the completion reads (created paths, new stats, per-op results).
    std::vector<zoo_op_t> ops;
    std::vector<zoo_op_result_t> results;
    std::vector<std::unique_ptr<char[]>> path_bufs;
    std::vector<struct Stat> stats;
  };

  void StartDispatcher() {
    dispatcher = std::thread([this] {
      for (;;) {
        std::function<void()> fn;
        {
          std::unique_lock lock(queue_mu);
          queue_cv.wait(lock, [this] { return stopping || !queue.empty(); });
          if (stopping) return;
          fn = std::move(queue.front());
          queue.pop_front();
        }
        fn();
      }
    });
  }

  void Post(std::function<void()> fn) {
    std::lock_guard lock(queue_mu);
    if (stopping) return;
    queue.push_back(std::move(fn));
    queue_cv.notify_one();
  }

  void Close() {
    if (zh) {
      zookeeper_close(zh);  // runs every outstanding completion, joins the C client's threads
      zh = nullptr;
    }
    {
      std::lock_guard lock(queue_mu);
      stopping = true;
      queue.clear();
      queue_cv.notify_all();
    }
    if (dispatcher.joinable()) {
      if (dispatcher.get_id() == std::this_thread::get_id()) {
        dispatcher.detach();  // destroyed from a callback: a contract violation, but no deadlock
      } else {
        dispatcher.join();
      }
    }
  }

  // Every pending watch fires kSessionLost (the session that held it is gone).
  void LoseWatches() {
    std::map<uintptr_t, Watch> lost;
    {
      std::lock_guard lock(watch_mu);
      lost.swap(watches);
    }
    for (auto& [id, w] : lost) {
      Post([w = std::move(w)] { w.callback({ZkWatchEvent::Type::kSessionLost, w.path}); });
    }
  }

  // ZOO_SESSION_EVENTs of the handle (the global watcher).
  static void SessionWatcher(zhandle_t*, int type, int zstate, const char*, void* context) {
    if (type != ZOO_SESSION_EVENT) return;
    auto* self = static_cast<Impl*>(context);
    ZkSessionState s = FromZooState(zstate);
    bool changed = false;
    {
      std::lock_guard lock(self->state_mu);
      // Terminal states stay.
      if (self->state != ZkSessionState::kExpired && self->state != ZkSessionState::kAuthFailed) {
        changed = self->state != s;
        self->state = s;
      }
      if (s == ZkSessionState::kExpired || s == ZkSessionState::kAuthFailed) {
        self->expired = true;
      }
      self->state_cv.notify_all();
    }
    if (!changed) return;
    if (s == ZkSessionState::kExpired) {
      pe::log::Warn("zookeeper session 0x" + self->SessionHex() + " at " + self->options.hosts +
                    " expired");
    }
    if (s == ZkSessionState::kExpired || s == ZkSessionState::kAuthFailed) self->LoseWatches();
    self->Post([self, s] {
      ZkSessionCallback cb;
      {
        std::lock_guard lock(self->state_mu);
        cb = self->session_cb;
      }
      if (cb) cb(s);
    });
  }

  // Node events of one watch (context = its id). Session events are ignored here: the C client
  // keeps the watch across disconnections, and expiry is handled by SessionWatcher.
  static void NodeWatcher(zhandle_t* zh, int type, int, const char*, void* context) {
    if (type == ZOO_SESSION_EVENT || type == ZOO_NOTWATCHING_EVENT) return;
    auto* self = static_cast<Impl*>(const_cast<void*>(zoo_get_context(zh)));
    auto id = reinterpret_cast<uintptr_t>(context);
    ZkWatchEvent::Type t;
    if (type == ZOO_CREATED_EVENT) {
      t = ZkWatchEvent::Type::kCreated;
    } else if (type == ZOO_DELETED_EVENT) {
      t = ZkWatchEvent::Type::kDeleted;
    } else if (type == ZOO_CHANGED_EVENT) {
      t = ZkWatchEvent::Type::kChanged;
    } else if (type == ZOO_CHILD_EVENT) {
      t = ZkWatchEvent::Type::kChildren;
    } else {
      return;
    }
    Watch w;
    {
      std::lock_guard lock(self->watch_mu);
      auto it = self->watches.find(id);
      if (it == self->watches.end()) return;
      w = std::move(it->second);
      self->watches.erase(it);
    }
    self->Post([w = std::move(w), t] { w.callback({t, w.path}); });
  }

  std::string SessionHex() const {
    if (!zh) return "0";
    char buf[32];
    snprintf(buf, sizeof(buf), "%llx",
             static_cast<unsigned long long>(zoo_client_id(zh)->client_id));
    return buf;
  }

  // Completion plumbing: fill the slot, count down, and settle the watch registration.
  template <typename Fill>
  static void Complete(Ctx* c, int rc, Fill&& fill) {
    std::unique_ptr<Ctx> owned(c);
    {
      std::lock_guard lock(c->batch->mu);
      Slot& s = c->batch->slots[c->index];
      s.rc = rc;
      fill(s);
      s.done = true;
      --c->batch->remaining;
      c->batch->cv.notify_all();
    }
    if (c->watch != 0) c->impl->SettleWatch(c->watch, c->watch_kind, rc);
  }

  // The C client activates a watch only when the request succeeded (exists watches also on
  // ZNONODE: activateWatcher's checkers); an id it never registered is dropped here.
  void SettleWatch(uintptr_t id, Ctx::WatchKind kind, int rc) {
    bool active = rc == ZOK || (kind == Ctx::WatchKind::kExists && rc == ZNONODE);
    if (active && !expired) return;
    std::lock_guard lock(watch_mu);
    auto it = watches.find(id);
    if (it == watches.end()) return;
    if (active) {  // registered, but the session expired meanwhile: it will never fire
      Post([w = std::move(it->second)] { w.callback({ZkWatchEvent::Type::kSessionLost, w.path}); });
    }
    watches.erase(it);
  }

  static void DataDone(int rc, const char* value, int len, const struct Stat* stat,
                       const void* data) {
    Complete(static_cast<Ctx*>(const_cast<void*>(data)), rc, [&](Slot& s) {
      if (rc != ZOK) return;
      if (value && len > 0) s.node.data.assign(value, static_cast<size_t>(len));
      if (stat) {
        s.node.version = stat->version;
        s.node.ephemeral_owner = stat->ephemeralOwner;
      }
    });
  }
  static void StatDone(int rc, const struct Stat* stat, const void* data) {
    Complete(static_cast<Ctx*>(const_cast<void*>(data)), rc, [&](Slot& s) {
      s.exists = rc == ZOK;
      if (rc == ZOK && stat) {
        s.node.version = stat->version;
        s.node.ephemeral_owner = stat->ephemeralOwner;
      }
    });
  }
  static void StringsDone(int rc, const struct String_vector* strings, const void* data) {
    Complete(static_cast<Ctx*>(const_cast<void*>(data)), rc, [&](Slot& s) {
      if (rc != ZOK || !strings) return;
      for (int32_t i = 0; i < strings->count; ++i) s.strings.emplace_back(strings->data[i]);
    });
  }
  static void StringDone(int rc, const char* value, const void* data) {
    Complete(static_cast<Ctx*>(const_cast<void*>(data)), rc, [&](Slot& s) {
      if (rc == ZOK && value) s.path = value;
    });
  }
  static void VoidDone(int rc, const void* data) {
    Complete(static_cast<Ctx*>(const_cast<void*>(data)), rc, [](Slot&) {});
  }
  static void MultiDone(int rc, const void* data) {
    auto* c = static_cast<Ctx*>(const_cast<void*>(data));
    Complete(c, rc, [&](Slot& s) {
      for (size_t i = 0; i < c->results.size(); ++i) {
        const zoo_op_result_t& r = c->results[i];
        if (rc != ZOK) {
          // The failing op carries its own code; the others ZOK or ZRUNTIMEINCONSISTENCY.
          if (s.failed_op < 0 && r.err != ZOK && r.err != ZRUNTIMEINCONSISTENCY) {
            s.failed_op = static_cast<int>(i);
          }
          continue;
        }
        ZkOpResult out;
        if (c->ops[i].type == ZOO_CREATE_OP && r.value) out.path = r.value;
        if (c->ops[i].type == ZOO_SETDATA_OP) out.version = c->stats[i].version;
        s.multi.push_back(std::move(out));
      }
    });
  }

  // A batch of `n` requests; `submit(i, ctx)` issues request i and returns the C client's code
  // (on failure the completion never runs, so the slot is settled here).
  template <typename Submit>
  std::vector<Slot> Run(size_t n, Submit&& submit, uintptr_t watch = 0,
                        Ctx::WatchKind kind = Ctx::WatchKind::kNone) {
    auto batch = std::make_shared<Batch>();
    batch->slots.resize(n);
    batch->remaining = n;
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    // A lost session fails every call without sending (zoo_amulti would report ZINVALIDSTATE as
    // ZMARSHALLINGERROR: nonblocking_send folds every error into it).
    const bool lost = expired;
    for (size_t i = 0; i < n; ++i) {
      auto ctx = std::make_unique<Ctx>();
      ctx->impl = this;
      ctx->batch = batch;
      ctx->index = i;
      ctx->watch = watch;
      ctx->watch_kind = kind;
      Ctx* raw = ctx.release();
      int rc = lost ? ZINVALIDSTATE : submit(i, raw);
      if (rc != ZOK) Complete(raw, rc, [](Slot&) {});
    }
    std::unique_lock lock(batch->mu);
    batch->cv.wait_until(lock, deadline, [&] { return batch->remaining == 0; });
    std::vector<Slot> out(n);
    for (size_t i = 0; i < n; ++i) {
      if (batch->slots[i].done) {
        out[i] = std::move(batch->slots[i]);
      } else {
        out[i].rc = kTimedOut;  // a completion arriving later writes into the shared batch only
      }
    }
    return out;
  }

  Slot RunOne(const std::function<int(Ctx*)>& submit, uintptr_t watch = 0,
              Ctx::WatchKind kind = Ctx::WatchKind::kNone) {
    return std::move(Run(
        1, [&](size_t, Ctx* c) { return submit(c); }, watch, kind)[0]);
  }

  Status Check(const Slot& s, bool write, const std::string& op, const std::string& path) const {
    return ToStatus(s.rc, write, op, path, timeout_ms);
  }

  // kInvalidArgument when a request with `payload` bytes of data and paths would exceed
  // jute.maxbuffer on the server.
  Status CheckSize(size_t payload, const std::string& op, const std::string& path) const {
    size_t total = payload + chroot_len + kZkRequestOverheadBytes;
    if (total <= kZkMaxRequestBytes) return Status::OK();
    return Status::InvalidArgument("zookeeper " + op + " " + path + ": request of " +
                                   std::to_string(total) +
                                   " bytes exceeds ZooKeeper's jute.maxbuffer (" +
                                   std::to_string(kZkMaxRequestBytes) + " bytes)");
  }

  uintptr_t AddWatch(const std::string& path, ZkWatchCallback cb) {
    std::lock_guard lock(watch_mu);
    uintptr_t id = next_watch++;
    watches[id] = Watch{path, std::move(cb)};
    return id;
  }
};

ZkClient::ZkClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ZkClient::~ZkClient() { impl_->Close(); }

Result<std::unique_ptr<ZkClient>> ZkClient::Connect(ZkOptions options) {
  if (options.hosts.empty() || options.hosts[0] == '/') {
    return Status::InvalidArgument("zookeeper: no hosts in connect string '" + options.hosts + "'");
  }
  if (options.session_timeout_ms <= 0 || options.connect_timeout_ms <= 0 ||
      options.request_timeout_ms < 0) {
    return Status::InvalidArgument("zookeeper " + options.hosts + ": timeouts must be positive");
  }
  clientid_t cid{};
  if (options.session_id != 0) {
    if (options.session_password.size() != sizeof(cid.passwd)) {
      return Status::InvalidArgument("zookeeper " + options.hosts +
                                     ": a resumed session needs its 16-byte password");
    }
    cid.client_id = options.session_id;
    memcpy(cid.passwd, options.session_password.data(), sizeof(cid.passwd));
  }
  static std::once_flag log_once;
  std::call_once(log_once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->timeout_ms =
      options.request_timeout_ms > 0 ? options.request_timeout_ms : options.session_timeout_ms;
  impl->chroot_len = ChrootLength(options.hosts);
  impl->StartDispatcher();
  errno = 0;
  impl->zh =
      zookeeper_init2(options.hosts.c_str(), &Impl::SessionWatcher, options.session_timeout_ms,
                      options.session_id != 0 ? &cid : nullptr, impl.get(), 0, &LogToProject);
  if (!impl->zh) {
    int err = errno;
    impl->Close();
    return Status::InvalidArgument("zookeeper: cannot use connect string '" + options.hosts +
                                   "': " + (err ? strerror(err) : "malformed"));
  }
  ZkSessionState state;
  {
    std::unique_lock lock(impl->state_mu);
    impl->state_cv.wait_for(lock, std::chrono::milliseconds(options.connect_timeout_ms),
                            [&] { return impl->state != ZkSessionState::kDisconnected; });
    state = impl->state;
  }
  if (state == ZkSessionState::kConnected) {
    return std::unique_ptr<ZkClient>(new ZkClient(std::move(impl)));
  }
  impl->Close();
  if (state == ZkSessionState::kExpired) {
    return Status::Cancelled("zookeeper " + options.hosts + ": session expired");
  }
  if (state == ZkSessionState::kAuthFailed) {
    return Status::Cancelled("zookeeper " + options.hosts + ": authentication failed");
  }
  return Status::IOError("zookeeper: cannot connect to " + options.hosts + " within " +
                         std::to_string(options.connect_timeout_ms) + " ms");
}

Result<ZkNode> ZkClient::Get(const std::string& path) {
  Slot s = impl_->RunOne(
      [&](Impl::Ctx* c) { return zoo_aget(impl_->zh, path.c_str(), 0, &Impl::DataDone, c); });
  PE_RETURN_IF_ERROR(impl_->Check(s, false, "get", path));
  return std::move(s.node);
}

std::vector<Result<ZkNode>> ZkClient::GetMany(const std::vector<std::string>& paths) {
  auto slots = impl_->Run(paths.size(), [&](size_t i, Impl::Ctx* c) {
    return zoo_aget(impl_->zh, paths[i].c_str(), 0, &Impl::DataDone, c);
  });
  std::vector<Result<ZkNode>> out;
  out.reserve(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    Status st = impl_->Check(slots[i], false, "get", paths[i]);
    if (st.ok()) {
      out.emplace_back(std::move(slots[i].node));
    } else {
      out.emplace_back(std::move(st));
    }
  }
  return out;
}

Result<std::vector<std::string>> ZkClient::Children(const std::string& path) {
  Slot s = impl_->RunOne([&](Impl::Ctx* c) {
    return zoo_aget_children(impl_->zh, path.c_str(), 0, &Impl::StringsDone, c);
  });
  PE_RETURN_IF_ERROR(impl_->Check(s, false, "children", path));
  return std::move(s.strings);
}

Result<bool> ZkClient::Exists(const std::string& path) {
  Slot s = impl_->RunOne(
      [&](Impl::Ctx* c) { return zoo_aexists(impl_->zh, path.c_str(), 0, &Impl::StatDone, c); });
  if (s.rc == ZNONODE) return false;
  PE_RETURN_IF_ERROR(impl_->Check(s, false, "exists", path));
  return true;
}

Result<std::string> ZkClient::Create(const std::string& path, std::string_view data,
                                     ZkCreateMode mode) {
  PE_RETURN_IF_ERROR(impl_->CheckSize(data.size() + path.size(), "create", path));
  Slot s = impl_->RunOne([&](Impl::Ctx* c) {
    // The request (path and data) is serialized inside zoo_acreate.
    return zoo_acreate(impl_->zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                       &ZOO_OPEN_ACL_UNSAFE, CreateFlags(mode), &Impl::StringDone, c);
  });
  PE_RETURN_IF_ERROR(impl_->Check(s, true, "create", path));
  return std::move(s.path);
}

Status ZkClient::CreateParents(const std::string& path, std::string_view data) {
  if (path.empty() || path[0] != '/') {
    return Status::InvalidArgument("zookeeper create " + path + ": not an absolute path");
  }
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    auto r = Create(path.substr(0, pos), {});
    if (!r.ok() && !r.status().IsConflict()) return r.status();
  }
  auto r = Create(path, data);
  if (!r.ok() && !r.status().IsConflict()) return r.status();
  return Status::OK();
}

Result<int32_t> ZkClient::Set(const std::string& path, std::string_view data,
                              int32_t expected_version) {
  PE_RETURN_IF_ERROR(impl_->CheckSize(data.size() + path.size(), "set", path));
  Slot s = impl_->RunOne([&](Impl::Ctx* c) {
    return zoo_aset(impl_->zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                    expected_version, &Impl::StatDone, c);
  });
  PE_RETURN_IF_ERROR(impl_->Check(s, true, "set", path));
  return s.node.version;
}

Status ZkClient::Delete(const std::string& path, int32_t version) {
  Slot s = impl_->RunOne([&](Impl::Ctx* c) {
    return zoo_adelete(impl_->zh, path.c_str(), version, &Impl::VoidDone, c);
  });
  return impl_->Check(s, true, "delete", path);
}

Result<std::vector<ZkOpResult>> ZkClient::Multi(const std::vector<ZkOp>& ops) {
  if (ops.empty()) return std::vector<ZkOpResult>{};
  for (const auto& op : ops) {
    // zoo_amulti reports a bad path only as ZMARSHALLINGERROR; name it here.
    if (op.path.empty() || op.path[0] != '/') {
      return Status::InvalidArgument(std::string("zookeeper multi ") + OpName(op.kind) + " " +
                                     op.path + ": not an absolute path");
    }
  }
  size_t payload = 0;
  for (const auto& op : ops) payload += op.path.size() + op.data.size() + impl_->chroot_len + 32;
  PE_RETURN_IF_ERROR(impl_->CheckSize(payload, "multi", ops[0].path));
  Slot s = impl_->RunOne([&](Impl::Ctx* c) {
    size_t n = ops.size();
    c->ops.resize(n);
    c->results.resize(n);
    c->stats.resize(n);
    c->path_bufs.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const ZkOp& op = ops[i];
      switch (op.kind) {
        case ZkOp::Kind::kCreate: {
          // The created path: the requested one + 10 sequence digits + NUL, within the chroot.
          int len = static_cast<int>(op.path.size() + impl_->chroot_len + 16);
          c->path_bufs[i] = std::make_unique<char[]>(static_cast<size_t>(len));
          zoo_create_op_init(&c->ops[i], op.path.c_str(), op.data.data(),
                             static_cast<int>(op.data.size()), &ZOO_OPEN_ACL_UNSAFE,
                             CreateFlags(op.mode), c->path_bufs[i].get(), len);
          break;
        }
        case ZkOp::Kind::kDelete:
          zoo_delete_op_init(&c->ops[i], op.path.c_str(), op.version);
          break;
        case ZkOp::Kind::kSet:
          zoo_set_op_init(&c->ops[i], op.path.c_str(), op.data.data(),
                          static_cast<int>(op.data.size()), op.version, &c->stats[i]);
          break;
        case ZkOp::Kind::kCheck:
          zoo_check_op_init(&c->ops[i], op.path.c_str(), op.version);
          break;
      }
    }
    return zoo_amulti(impl_->zh, static_cast<int>(n), c->ops.data(), c->results.data(),
                      &Impl::MultiDone, c);
  });
  if (s.rc != ZOK) {
    if (s.failed_op >= 0 && static_cast<size_t>(s.failed_op) < ops.size()) {
      const ZkOp& op = ops[static_cast<size_t>(s.failed_op)];
      return impl_->Check(s, true, std::string("multi ") + OpName(op.kind), op.path);
    }
    return impl_->Check(s, true, "multi", ops[0].path);
  }
  return std::move(s.multi);
}

Result<ZkNode> ZkClient::WatchData(const std::string& path, ZkWatchCallback callback) {
  uintptr_t id = impl_->AddWatch(path, std::move(callback));
  Slot s = impl_->RunOne(
      [&](Impl::Ctx* c) {
        return zoo_awget(impl_->zh, path.c_str(), &Impl::NodeWatcher, reinterpret_cast<void*>(id),
                         &Impl::DataDone, c);
      },
      id, Impl::Ctx::WatchKind::kData);
  PE_RETURN_IF_ERROR(impl_->Check(s, false, "get", path));
  return std::move(s.node);
}

Result<std::vector<std::string>> ZkClient::WatchChildren(const std::string& path,
                                                         ZkWatchCallback callback) {
  uintptr_t id = impl_->AddWatch(path, std::move(callback));
  Slot s = impl_->RunOne(
      [&](Impl::Ctx* c) {
        return zoo_awget_children(impl_->zh, path.c_str(), &Impl::NodeWatcher,
                                  reinterpret_cast<void*>(id), &Impl::StringsDone, c);
      },
      id, Impl::Ctx::WatchKind::kChild);
  PE_RETURN_IF_ERROR(impl_->Check(s, false, "children", path));
  return std::move(s.strings);
}

Result<bool> ZkClient::WatchExists(const std::string& path, ZkWatchCallback callback) {
  uintptr_t id = impl_->AddWatch(path, std::move(callback));
  Slot s = impl_->RunOne(
      [&](Impl::Ctx* c) {
        return zoo_awexists(impl_->zh, path.c_str(), &Impl::NodeWatcher,
                            reinterpret_cast<void*>(id), &Impl::StatDone, c);
      },
      id, Impl::Ctx::WatchKind::kExists);
  if (s.rc == ZNONODE) return false;
  PE_RETURN_IF_ERROR(impl_->Check(s, false, "exists", path));
  return true;
}

void ZkClient::SetSessionCallback(ZkSessionCallback callback) {
  std::lock_guard lock(impl_->state_mu);
  impl_->session_cb = std::move(callback);
}

ZkSessionState ZkClient::session_state() const {
  std::lock_guard lock(impl_->state_mu);
  return impl_->state;
}

bool ZkClient::session_expired() const { return impl_->expired; }

int64_t ZkClient::session_id() const { return zoo_client_id(impl_->zh)->client_id; }

std::string ZkClient::session_password() const {
  const clientid_t* id = zoo_client_id(impl_->zh);
  return std::string(id->passwd, sizeof(id->passwd));
}

const std::string& ZkClient::hosts() const { return impl_->options.hosts; }

}  // namespace pe::state
