// state/: a small RAII client of ZooKeeper over its C client (libzookeeper_mt, the multi-threaded
// API), for cluster mode: reading Pinot's metadata (ZNRecords under /<cluster>/PROPERTYSTORE and
// IDEALSTATES) and keeping the export state with versioned compare-and-set.
//
// One ZkClient is one ZooKeeper session. Every call blocks until ZooKeeper answers or
// request_timeout_ms passes (never longer: a server that went away fails a call, it does not hang
// it). Every call is issued asynchronously underneath; GetMany issues all of its reads before
// awaiting any, so thousands of znodes are read with pipelined requests.
//
// Errors a caller can act on (every message is one line naming the path):
//   kNotFound        ZNONODE: the znode (or, for Create, its parent) does not exist.
//   kConflict        ZNODEEXISTS, ZBADVERSION (a stale expected version: reload and retry) and
//                    ZNOTEMPTY (Delete of a znode that has children).
//   kUnknownOutcome  a WRITE (Create/Set/Delete/Multi) whose reply was lost (ZCONNECTIONLOSS,
//                    ZOPERATIONTIMEOUT, or request_timeout_ms passed): it may have been applied.
//                    Read back before retrying.
//   kIOError         a READ that failed the same way, Connect that cannot reach any host, and
//                    other server errors.
//   kCancelled       the session is gone: ZSESSIONEXPIRED (expired by the server), ZINVALIDSTATE
//                    (the handle is expired or failed authentication), ZSESSIONMOVED, or the
//                    client is closing. Terminal for this ZkClient: the caller must stop acting
//                    for the session (its ephemeral nodes are deleted) and never write on its
//                    behalf; a new ZkClient is a new session.
//   kInvalidArgument a bad path (ZBADARGUMENTS), a request larger than ZooKeeper accepts (refused
//                    here before sending, see kZkMaxRequestBytes), bad hosts, ZNOAUTH/ZINVALIDACL.
//
// Callbacks (watches, session state) run on one dispatcher thread owned by the ZkClient, one at a
// time and in the order ZooKeeper delivered them; they MAY call this ZkClient's methods (they do
// not run on the C client's completion thread), but must not destroy it.
//
// The C client's own log lines go to the project log (common/log.h) at WARN and above, never to
// stderr directly.
//
// Thread-safety: every method may be called from many threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pe::state {

struct ZkOptions {
  // "host:port[,host:port...][/chroot]", as Pinot's --zk (ZooKeeper connect string). With a
  // chroot every path below is relative to it (the chroot znode must exist).
  std::string hosts;
  // Requested session timeout; the server clamps it to [2, 20] x its tickTime by default.
  int session_timeout_ms = 30000;
  // Connect waits this long for the session to be established.
  int connect_timeout_ms = 10000;
  // Upper bound of one call (GetMany: of the whole batch); 0 = session_timeout_ms.
  int request_timeout_ms = 0;
  // Resume an existing session (its id and password, from session_id()/session_password()) instead
  // of starting a new one; 0 = new session.
  int64_t session_id = 0;
  std::string session_password;
};

// The largest request the server reads: jute.maxbuffer, 0xfffff bytes by default. A server closes
// the connection on a longer packet (NIOServerCnxn/NettyServerCnxn "Len error"), so Create, Set and
// Multi refuse, with kInvalidArgument and before sending, a request whose data + path (+ a fixed
// allowance of kZkRequestOverheadBytes for the header and ACL) exceeds it.
inline constexpr size_t kZkMaxRequestBytes = 0xfffff;
inline constexpr size_t kZkRequestOverheadBytes = 256;

enum class ZkCreateMode { kPersistent, kEphemeral, kSequential, kEphemeralSequential };

struct ZkNode {
  std::string data;
  int32_t version = 0;          // Stat.version: the data version Set/Delete compare against
  int64_t ephemeral_owner = 0;  // Stat.ephemeralOwner: the owning session id, 0 = persistent
};

enum class ZkSessionState {
  kConnected,     // (re)connected; the session and its ephemeral nodes and watches are intact
  kDisconnected,  // the connection is lost; the client reconnects by itself within the session
  kExpired,       // the server expired the session: terminal (see kCancelled above)
  kAuthFailed,    // terminal
};
const char* ZkSessionStateName(ZkSessionState s);

// A one-shot watch notification.
struct ZkWatchEvent {
  enum class Type {
    kCreated,
    kDeleted,
    kChanged,   // data changed
    kChildren,  // the set of children changed
    // The session expired (or failed authentication) before the znode changed: the watch is gone
    // and will never fire. Not delivered once the ZkClient is being destroyed.
    kSessionLost,
  };
  Type type;
  std::string path;  // relative to the chroot, as given
};
using ZkWatchCallback = std::function<void(const ZkWatchEvent&)>;
using ZkSessionCallback = std::function<void(ZkSessionState)>;

// One operation of an atomic Multi (ZooKeeper's multi-op transaction).
struct ZkOp {
  enum class Kind { kCreate, kDelete, kSet, kCheck };
  Kind kind = Kind::kCheck;
  std::string path;
  std::string data;                               // kCreate, kSet
  ZkCreateMode mode = ZkCreateMode::kPersistent;  // kCreate
  int32_t version = -1;                           // kDelete, kSet, kCheck; -1 = any
  static ZkOp Create(std::string path, std::string data,
                     ZkCreateMode mode = ZkCreateMode::kPersistent) {
    return {Kind::kCreate, std::move(path), std::move(data), mode, -1};
  }
  static ZkOp Delete(std::string path, int32_t version) {
    return {Kind::kDelete, std::move(path), {}, ZkCreateMode::kPersistent, version};
  }
  static ZkOp Set(std::string path, std::string data, int32_t version) {
    return {Kind::kSet, std::move(path), std::move(data), ZkCreateMode::kPersistent, version};
  }
  static ZkOp Check(std::string path, int32_t version) {
    return {Kind::kCheck, std::move(path), {}, ZkCreateMode::kPersistent, version};
  }
};
// Per op of a successful Multi: the created path (kCreate) or the new version (kSet).
struct ZkOpResult {
  std::string path;
  int32_t version = 0;
};

class ZkClient {
 public:
  // Starts a session and waits until it is connected (up to connect_timeout_ms).
  // Errors: kInvalidArgument (empty or malformed hosts), kIOError naming the hosts when none
  // answers in time, kCancelled when a resumed session has expired.
  static Result<std::unique_ptr<ZkClient>> Connect(ZkOptions options);
  // Closes the session (its ephemeral nodes go away at once) and joins the dispatcher thread.
  ~ZkClient();
  ZkClient(const ZkClient&) = delete;
  ZkClient& operator=(const ZkClient&) = delete;

  Result<ZkNode> Get(const std::string& path);
  // Reads every path with pipelined asynchronous requests; one Result per path, in order (a
  // missing znode is kNotFound in its slot). Slots not answered within request_timeout_ms are
  // kIOError.
  std::vector<Result<ZkNode>> GetMany(const std::vector<std::string>& paths);
  // Child names (not paths), in the server's order (unsorted).
  Result<std::vector<std::string>> Children(const std::string& path);
  Result<bool> Exists(const std::string& path);

  // Creates `path` (open ACL) and returns the created path: for the sequential modes, `path`
  // followed by ZooKeeper's 10-digit sequence number. Errors: kConflict when it exists, kNotFound
  // when the parent does not.
  Result<std::string> Create(const std::string& path, std::string_view data,
                             ZkCreateMode mode = ZkCreateMode::kPersistent);
  // Creates `path` and every missing ancestor as empty persistent znodes; OK when `path` already
  // exists (its data is then left as it is). Races with other creators are harmless.
  Status CreateParents(const std::string& path, std::string_view data = {});
  // Sets the data if the version still is `expected_version` (-1 = any); returns the new version.
  // Errors: kConflict on a stale version, kNotFound.
  Result<int32_t> Set(const std::string& path, std::string_view data, int32_t expected_version);
  // Deletes `path` if its version is `version` (-1 = any). Errors: kNotFound, kConflict (stale
  // version or has children).
  Status Delete(const std::string& path, int32_t version = -1);
  // All ops or none. On failure the Status is that of the first op that failed, naming its path.
  Result<std::vector<ZkOpResult>> Multi(const std::vector<ZkOp>& ops);

  // Watches are one-shot: the callback runs once, on the first change after the call (or with
  // kSessionLost); call again to watch the next change. They survive disconnections within the
  // session (the C client re-registers them and delivers what changed meanwhile).
  //
  // Reads `path` and watches its data: fires kChanged or kDeleted. kNotFound (and no watch) when it
  // does not exist.
  Result<ZkNode> WatchData(const std::string& path, ZkWatchCallback callback);
  // Lists the children of `path` and watches them: fires kChildren (or kDeleted). kNotFound (and no
  // watch) when it does not exist.
  Result<std::vector<std::string>> WatchChildren(const std::string& path, ZkWatchCallback callback);
  // Whether `path` exists; watches for its creation, change or deletion either way.
  Result<bool> WatchExists(const std::string& path, ZkWatchCallback callback);

  // Called (on the dispatcher thread) at every session state change after this call.
  void SetSessionCallback(ZkSessionCallback callback);
  ZkSessionState session_state() const;
  // True once the server expired the session (or authentication failed); then every call fails
  // with kCancelled.
  bool session_expired() const;
  int64_t session_id() const;
  std::string session_password() const;  // 16 bytes
  const std::string& hosts() const;

  struct Impl;  // public for the C callbacks in zk.cc only

 private:
  explicit ZkClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pe::state
