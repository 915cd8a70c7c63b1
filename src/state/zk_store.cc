// The ZooKeeper StateStore of cluster mode (zk_store.h).
#include "state/zk_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/log.h"

namespace pe::state {
namespace {

using json = nlohmann::json;

constexpr int kShards = 128;
// A Multi carries at most this many bytes of data here (ZooKeeper refuses requests above
// jute.maxbuffer, 1 MB): larger AddTask/CommitBatch/DeleteEndedTasks are split into several Multis,
// each self-consistent (see the callers).
constexpr size_t kMultiBudget = 600 * 1024;
// A checkpoint shard may not grow beyond this (ZooKeeper's 1 MB znode limit, with margin).
constexpr size_t kShardLimit = 900 * 1024;

std::string Join(const std::string& a, const std::string& b) { return a + "/" + b; }

struct Paths {
  std::string root, checkpoints, tasks, queue, claims, inflight, staged, batches;
  explicit Paths(const std::string& r)
      : root(r),
        checkpoints(r + "/checkpoints"),
        tasks(r + "/tasks"),
        queue(r + "/queue"),
        claims(r + "/claims"),
        inflight(r + "/inflight"),
        staged(r + "/staged"),
        batches(r + "/batches") {}
};

// The task a subtask belongs to: its name is "<task>_<index>" (service.cc).
std::string TaskOfSubtask(const std::string& subtask) {
  auto p = subtask.rfind('_');
  return p == std::string::npos ? subtask : subtask.substr(0, p);
}

std::string QueueEntry(int64_t created_ms, const std::string& subtask) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%013lld_", (long long)std::max<int64_t>(0, created_ms));
  return buf + subtask;
}

json CheckpointJson(const Checkpoint& c) {
  return {{"outputUri", c.output_uri},
          {"rows", c.rows},
          {"bytes", c.bytes},
          {"segmentCrc", c.segment_crc},
          {"endTimeMs", c.end_time_ms},
          {"durationMs", c.duration_ms},
          {"completedMs", c.completed_ms}};
}
Checkpoint CheckpointFromJson(const std::string& table, const std::string& segment, const json& j) {
  Checkpoint c;
  c.table = table;
  c.segment = segment;
  c.output_uri = j.value("outputUri", "");
  c.rows = j.value("rows", int64_t(0));
  c.bytes = j.value("bytes", int64_t(0));
  c.segment_crc = j.value("segmentCrc", int64_t(-1));
  c.end_time_ms = j.value("endTimeMs", int64_t(0));
  c.duration_ms = j.value("durationMs", int64_t(0));
  c.completed_ms = j.value("completedMs", int64_t(0));
  return c;
}

std::string TaskJson(const Task& t) {
  return json{{"name", t.name},
              {"taskType", t.task_type},
              {"table", t.table},
              {"createdMs", t.created_ms},
              {"stopped", t.stopped}}
      .dump();
}
std::string SubtaskJson(const Subtask& s) {
  return json{{"name", s.name},
              {"task", s.task},
              {"table", s.table},
              {"segment", s.segment},
              {"segmentUri", s.segment_uri},
              {"endTimeMs", s.end_time_ms},
              {"state", SubtaskStateName(s.state)},
              {"attempts", s.attempts},
              {"worker", s.worker},
              {"error", s.error},
              {"startedMs", s.started_ms},
              {"finishedMs", s.finished_ms}}
      .dump();
}
std::string StagedJson(const Checkpoint& c, const std::string& data_file) {
  json j = CheckpointJson(c);
  j["dataFile"] = data_file;
  return j.dump();
}
std::string BatchJson(const Batch& b) {
  return json{{"id", b.id},
              {"table", b.table},
              {"snapshotId", b.snapshot_id},
              {"manifestUri", b.manifest_uri},
              {"manifestLength", b.manifest_length},
              {"createdMs", b.created_ms},
              {"segments", b.segments}}
      .dump();
}

// Parses a JSON document of ours; kCorruption naming the znode when it is not one.
Result<json> ParseDoc(const std::string& path, const std::string& data) {
  try {
    json j = json::parse(data);
    if (!j.is_object()) return Status::Corruption(path + ": not a JSON object");
    return j;
  } catch (const std::exception& e) {
    return Status::Corruption(path + ": not JSON (" + std::string(e.what()).substr(0, 120) + ")");
  }
}

Result<Task> TaskFromDoc(const std::string& path, const std::string& data) {
  PE_ASSIGN_OR_RETURN(json j, ParseDoc(path, data));
  try {
    Task t;
    t.name = j.at("name").get<std::string>();
    t.task_type = j.at("taskType").get<std::string>();
    t.table = j.at("table").get<std::string>();
    t.created_ms = j.at("createdMs").get<int64_t>();
    t.stopped = j.value("stopped", false);
    return t;
  } catch (const std::exception& e) {
    return Status::Corruption(path + ": bad task record (" + e.what() + ")");
  }
}

Result<Subtask> SubtaskFromDoc(const std::string& path, const std::string& data) {
  PE_ASSIGN_OR_RETURN(json j, ParseDoc(path, data));
  try {
    Subtask s;
    s.name = j.at("name").get<std::string>();
    s.task = j.at("task").get<std::string>();
    s.table = j.at("table").get<std::string>();
    s.segment = j.at("segment").get<std::string>();
    s.segment_uri = j.value("segmentUri", "");
    s.end_time_ms = j.value("endTimeMs", int64_t(0));
    auto st = ParseSubtaskState(j.at("state").get<std::string>());
    if (!st) return Status::Corruption(path + ": unknown subtask state");
    s.state = *st;
    s.attempts = j.value("attempts", 0);
    s.worker = j.value("worker", "");
    s.error = j.value("error", "");
    s.started_ms = j.value("startedMs", int64_t(0));
    s.finished_ms = j.value("finishedMs", int64_t(0));
    return s;
  } catch (const std::exception& e) {
    return Status::Corruption(path + ": bad subtask record (" + e.what() + ")");
  }
}

Result<Batch> BatchFromDoc(const std::string& path, const std::string& data) {
  PE_ASSIGN_OR_RETURN(json j, ParseDoc(path, data));
  try {
    Batch b;
    b.id = j.at("id").get<std::string>();
    b.table = j.at("table").get<std::string>();
    b.snapshot_id = j.value("snapshotId", int64_t(0));
    b.manifest_uri = j.value("manifestUri", "");
    b.manifest_length = j.value("manifestLength", int64_t(0));
    b.created_ms = j.value("createdMs", int64_t(0));
    b.segments = j.at("segments").get<std::vector<std::string>>();
    return b;
  } catch (const std::exception& e) {
    return Status::Corruption(path + ": bad batch record (" + e.what() + ")");
  }
}

// The watermark ZNRecord (Pinot's task metadata shape).
std::string WatermarkRecord(const std::string& table, int64_t value) {
  return json{{"id", table},
              {"simpleFields", {{"watermarkMs", std::to_string(value)}}},
              {"mapFields", json::object()},
              {"listFields", json::object()}}
      .dump();
}
Result<std::optional<int64_t>> WatermarkFromRecord(const std::string& path,
                                                   const std::string& data) {
  if (data.empty()) return std::optional<int64_t>();
  PE_ASSIGN_OR_RETURN(json j, ParseDoc(path, data));
  auto sf = j.find("simpleFields");
  if (sf == j.end() || !sf->is_object() || !sf->contains("watermarkMs"))
    return std::optional<int64_t>();
  try {
    const std::string v = (*sf)["watermarkMs"].get<std::string>();
    size_t used = 0;
    int64_t ms = std::stoll(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    return std::optional<int64_t>(ms);
  } catch (const std::exception&) {
    return Status::Corruption(path + ": watermarkMs is not a number");
  }
}

bool Transient(const Status& s) { return s.IsIOError() || s.IsUnknownOutcome() || s.IsCancelled(); }

class ZkStore final : public ZkStateStore {
 public:
  explicit ZkStore(ZkStoreOptions o) : o_(std::move(o)) {}

  Status Init() {
    for (const auto& t : o_.tables) PE_RETURN_IF_ERROR(Retry([&] { return EnsureTable(t); }));
    return Status::OK();
  }

  void SetFence(std::string path) override {
    std::lock_guard<std::mutex> l(mu_);
    fence_ = std::move(path);
  }

  // ---- watermark ----

  Result<std::optional<int64_t>> Watermark(const std::string& table) override {
    std::optional<int64_t> out;
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      const std::string root = ZkStateRoot(o_.cluster, table);
      auto n = zk->Get(root);
      if (!n.ok()) {
        if (n.status().IsNotFound()) {
          out.reset();
          return Status::OK();
        }
        return n.status();
      }
      PE_ASSIGN_OR_RETURN(out, WatermarkFromRecord(root, n->data));
      return Status::OK();
    }));
    return out;
  }

  Status SetWatermark(const std::string& table, std::optional<int64_t> expected,
                      int64_t value) override {
    return Retry([&]() -> Status {
      PE_RETURN_IF_ERROR(EnsureTable(table));
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      const std::string root = ZkStateRoot(o_.cluster, table);
      PE_ASSIGN_OR_RETURN(ZkNode n, zk->Get(root));
      PE_ASSIGN_OR_RETURN(auto cur, WatermarkFromRecord(root, n.data));
      if (cur == std::optional<int64_t>(value)) return Status::OK();  // (also: a lost reply)
      if (cur != expected)
        return Status::Conflict(table + ": the watermark was moved by another writer");
      std::vector<ZkOp> ops = FenceOps();
      ops.push_back(ZkOp::Set(root, WatermarkRecord(table, value), n.version));
      return Apply(zk.get(), ops);
    });
  }

  // ---- tasks ----

  Status AddTask(const Task& task, const std::vector<Subtask>& subtasks) override {
    PE_RETURN_IF_ERROR(Retry([&] { return EnsureTable(task.table); }));
    const Paths p(ZkStateRoot(o_.cluster, task.table));
    const std::string task_path = Join(p.tasks, task.name);
    size_t next = 0;  // first subtask not yet written (chunks)
    return Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      // What landed already (a lost reply, or the chunks before this one).
      auto existing = zk->Children(task_path);
      std::set<std::string> have;
      if (existing.ok()) {
        have.insert(existing->begin(), existing->end());
      } else if (!existing.status().IsNotFound()) {
        return existing.status();
      }
      const bool task_exists = existing.ok();
      if (task_exists) {
        // Ours (an earlier chunk, or a write whose reply was lost) or someone else's task?
        PE_ASSIGN_OR_RETURN(ZkNode tn, zk->Get(task_path));
        PE_ASSIGN_OR_RETURN(Task t, TaskFromDoc(task_path, tn.data));
        if (t.table != task.table || t.created_ms != task.created_ms)
          return Status::Conflict("task " + task.name + " exists");
      }
      while (next < subtasks.size() && have.count(subtasks[next].name)) ++next;
      if (next == subtasks.size() && task_exists) return Status::OK();
      // Segments checkpointed already cannot be added (the shards' versions are checked by the
      // Multi, so a checkpoint recorded meanwhile fails it).
      std::map<std::string, int32_t> shard_versions;
      std::vector<std::string> shard_names;
      for (size_t i = next; i < subtasks.size(); ++i)
        shard_names.push_back(ZkCheckpointShard(subtasks[i].segment));
      std::sort(shard_names.begin(), shard_names.end());
      shard_names.erase(std::unique(shard_names.begin(), shard_names.end()), shard_names.end());
      std::vector<std::string> shard_paths;
      for (const auto& s : shard_names) shard_paths.push_back(Join(p.checkpoints, s));
      auto shards = zk->GetMany(shard_paths);
      std::map<std::string, json> shard_docs;
      for (size_t i = 0; i < shards.size(); ++i) {
        if (!shards[i].ok()) return shards[i].status();
        shard_versions[shard_names[i]] = shards[i]->version;
        PE_ASSIGN_OR_RETURN(shard_docs[shard_names[i]], ParseDoc(shard_paths[i], shards[i]->data));
      }
      for (size_t i = next; i < subtasks.size(); ++i) {
        if (shard_docs[ZkCheckpointShard(subtasks[i].segment)].contains(subtasks[i].segment))
          return Status::Conflict("segment " + subtasks[i].segment + " of " + task.table +
                                  " is already exported");
      }
      std::vector<ZkOp> ops = FenceOps();
      size_t bytes = 0;
      if (!task_exists) {
        ops.push_back(ZkOp::Create(task_path, TaskJson(task)));
        bytes += ops.back().data.size() + task_path.size();
      }
      std::set<std::string> checked;
      size_t end = next;
      for (; end < subtasks.size(); ++end) {
        const Subtask& s = subtasks[end];
        if (bytes > kMultiBudget && end > next) break;
        Subtask init = s;
        init.state = SubtaskState::kInit;
        const std::string shard = ZkCheckpointShard(s.segment);
        if (checked.insert(shard).second)
          ops.push_back(ZkOp::Check(Join(p.checkpoints, shard), shard_versions[shard]));
        ops.push_back(ZkOp::Create(Join(p.inflight, s.segment), s.name));
        ops.push_back(ZkOp::Create(Join(task_path, s.name), SubtaskJson(init)));
        ops.push_back(ZkOp::Create(Join(p.queue, QueueEntry(task.created_ms, s.name)), task.name));
        bytes += ops.back().path.size() + ops[ops.size() - 2].data.size() + 3 * s.name.size() +
                 s.segment.size() + 200;
      }
      Status s = Apply(zk.get(), ops);
      if (s.IsConflict()) {
        // Which op failed: a segment in flight in another subtask (the caller's kConflict), or
        // a checkpoint shard that moved, or a chunk of ours that landed (re-read and retry).
        for (size_t i = next; i < end; ++i) {
          auto in = zk->Get(Join(p.inflight, subtasks[i].segment));
          if (in.ok() && in->data != subtasks[i].name)
            return Status::Conflict("segment " + subtasks[i].segment + " of " + task.table +
                                    " is already in a task that has not ended, or staged");
        }
        return Status::UnknownOutcome("re-read");
      }
      if (!s.ok()) return s;
      next = end;
      if (next < subtasks.size()) return Status::UnknownOutcome("next chunk");  // loop again
      return Status::OK();
    });
  }

  Result<std::optional<Subtask>> ClaimSubtask(const std::string& worker, int64_t now_ms,
                                              const std::string& table) override {
    std::vector<std::string> tables = table.empty() ? o_.tables : std::vector<std::string>{table};
    std::optional<Subtask> out;
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      for (const auto& t : tables) {
        const Paths p(ZkStateRoot(o_.cluster, t));
        auto entries = zk->Children(p.queue);
        if (!entries.ok()) {
          if (entries.status().IsNotFound()) continue;
          return entries.status();
        }
        std::sort(entries->begin(), entries->end());
        std::map<std::string, bool> stopped;  // per task, read once per call
        for (const auto& e : *entries) {
          auto us = e.find('_');
          if (us == std::string::npos) continue;
          const std::string sub = e.substr(us + 1);
          const std::string task = TaskOfSubtask(sub);
          if (!stopped.count(task)) {
            auto tn = zk->Get(Join(p.tasks, task));
            if (!tn.ok()) {
              if (tn.status().IsNotFound()) continue;
              return tn.status();
            }
            PE_ASSIGN_OR_RETURN(Task tk, TaskFromDoc(Join(p.tasks, task), tn->data));
            stopped[task] = tk.stopped;
          }
          if (stopped[task]) continue;
          const std::string sub_path = Join(Join(p.tasks, task), sub);
          auto sn = zk->Get(sub_path);
          if (!sn.ok()) {
            if (sn.status().IsNotFound()) continue;
            return sn.status();
          }
          PE_ASSIGN_OR_RETURN(Subtask st, SubtaskFromDoc(sub_path, sn->data));
          if (st.state != SubtaskState::kInit) continue;
          st.state = SubtaskState::kRunning;
          st.attempts += 1;
          st.worker = worker;
          st.error.clear();
          st.started_ms = now_ms;
          st.finished_ms = 0;
          const std::string claim = Join(p.claims, sub);
          std::vector<ZkOp> ops = {
              ZkOp::Create(claim, worker, ZkCreateMode::kEphemeral),
              ZkOp::Set(sub_path, SubtaskJson(st), sn->version),
              ZkOp::Delete(Join(p.queue, e), -1),
          };
          auto r = zk->Multi(ops);
          if (r.ok()) {
            out = st;
            return Status::OK();
          }
          if (r.status().IsConflict() || r.status().IsNotFound()) continue;  // someone else won
          if (r.status().IsUnknownOutcome()) {
            // Ours if the claim exists and this session owns it.
            auto c = zk->Get(claim);
            if (c.ok() && c->ephemeral_owner == zk->session_id()) {
              out = st;
              return Status::OK();
            }
            if (c.ok() || c.status().IsNotFound()) continue;
          }
          return r.status();
        }
      }
      out.reset();
      return Status::OK();
    }));
    return out;
  }

  Status FinishSubtask(const std::string& name, const std::string& worker,
                       const Outcome& outcome) override {
    if (outcome.state == SubtaskState::kCompleted && !outcome.checkpoint)
      return Status::InvalidArgument("subtask " + name + ": COMPLETED without a checkpoint");
    if (outcome.state == SubtaskState::kRunning || outcome.state == SubtaskState::kInit)
      return Status::InvalidArgument("subtask " + name + ": not an end state");
    PE_ASSIGN_OR_RETURN(auto loc, Locate(name));
    const Paths p(ZkStateRoot(o_.cluster, loc));
    const std::string sub_path = Join(Join(p.tasks, TaskOfSubtask(name)), name);
    const std::string claim = Join(p.claims, name);
    return Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      PE_ASSIGN_OR_RETURN(ZkNode sn, zk->Get(sub_path));
      PE_ASSIGN_OR_RETURN(Subtask st, SubtaskFromDoc(sub_path, sn.data));
      if (st.worker == worker && st.state == outcome.state &&
          st.finished_ms == outcome.finished_ms && st.state != SubtaskState::kRunning)
        return Status::OK();  // our earlier attempt landed (its reply was lost)
      if (st.state != SubtaskState::kRunning || st.worker != worker)
        return Status::Conflict("subtask " + name + " is no longer RUNNING for " + worker);
      auto c = zk->Get(claim);
      if (!c.ok() || c->ephemeral_owner != zk->session_id())
        return Status::Conflict("subtask " + name + ": the claim of " + worker +
                                " is gone (its ZooKeeper session ended)");
      st.state = outcome.state;
      st.error = outcome.error;
      st.finished_ms = outcome.finished_ms;
      std::vector<ZkOp> ops = {ZkOp::Set(sub_path, SubtaskJson(st), sn.version),
                               ZkOp::Delete(claim, c->version)};
      std::string shard_path;
      if (outcome.state == SubtaskState::kCompleted && !outcome.data_file.empty()) {
        ops.push_back(ZkOp::Create(Join(p.staged, st.segment),
                                   StagedJson(*outcome.checkpoint, outcome.data_file)));
      } else if (outcome.state == SubtaskState::kCompleted) {
        shard_path = Join(p.checkpoints, ZkCheckpointShard(st.segment));
        PE_ASSIGN_OR_RETURN(ZkNode shard, zk->Get(shard_path));
        PE_ASSIGN_OR_RETURN(json doc, ParseDoc(shard_path, shard.data));
        Checkpoint cp = *outcome.checkpoint;
        doc[st.segment] = CheckpointJson(cp);
        std::string data = doc.dump();
        if (data.size() > kShardLimit)
          return Status::IOError(shard_path + ": checkpoint shard is full (drop old checkpoints)");
        ops.push_back(ZkOp::Set(shard_path, std::move(data), shard.version));
        ops.push_back(ZkOp::Delete(Join(p.inflight, st.segment), -1));
      } else {
        ops.push_back(ZkOp::Delete(Join(p.inflight, st.segment), -1));
      }
      Status s = Apply(zk.get(), ops);
      // A shard written by another worker meanwhile: the next round re-reads it (the subtask and
      // claim checks above decide whether we still own the subtask).
      if (s.IsConflict() || s.IsNotFound()) return Status::UnknownOutcome(s.message());
      return s;
    });
  }

  Result<int> RequeueRunning(const std::string& worker) override {
    int n = 0;
    for (const auto& table : o_.tables) {
      const Paths p(ZkStateRoot(o_.cluster, table));
      PE_RETURN_IF_ERROR(Retry([&]() -> Status {
        PE_ASSIGN_OR_RETURN(auto zk, Client());
        PE_ASSIGN_OR_RETURN(auto inflight, ChildrenOrEmpty(zk.get(), p.inflight));
        if (inflight.empty()) return Status::OK();
        std::vector<std::string> paths;
        for (const auto& seg : inflight) paths.push_back(Join(p.inflight, seg));
        auto marks = zk->GetMany(paths);
        for (size_t i = 0; i < marks.size(); ++i) {
          if (!marks[i].ok()) {
            if (marks[i].status().IsNotFound()) continue;
            return marks[i].status();
          }
          const std::string& sub = marks[i]->data;
          const std::string sub_path = Join(Join(p.tasks, TaskOfSubtask(sub)), sub);
          auto sn = zk->Get(sub_path);
          if (!sn.ok()) {
            if (sn.status().IsNotFound()) continue;
            return sn.status();
          }
          PE_ASSIGN_OR_RETURN(Subtask st, SubtaskFromDoc(sub_path, sn->data));
          if (st.state != SubtaskState::kRunning) continue;
          const bool mine = !worker.empty() && st.worker == worker;
          // The claim is looked at after the subtask was read: a claim and the RUNNING state it
          // goes with are written by one Multi, so a RUNNING subtask (at this version) without its
          // claim now has a dead worker; a newer claim changes the version the Multi below checks.
          auto claim = zk->Exists(Join(p.claims, sub));
          if (!claim.ok()) return claim.status();
          if (*claim && !mine) continue;  // its worker is alive
          PE_ASSIGN_OR_RETURN(Task tk, GetTaskAt(zk.get(), Join(p.tasks, st.task)));
          std::vector<ZkOp> ops;
          if (*claim) ops.push_back(ZkOp::Delete(Join(p.claims, sub), -1));
          if (!mine && st.attempts >= o_.max_attempts) {
            st.state = SubtaskState::kTaskError;
            st.error = "its worker " + st.worker + " died in each of " +
                       std::to_string(st.attempts) + " attempt(s)";
            ops.push_back(ZkOp::Set(sub_path, SubtaskJson(st), sn->version));
            ops.push_back(ZkOp::Delete(Join(p.inflight, st.segment), -1));
          } else {
            st.state = SubtaskState::kInit;
            if (mine) st.attempts = std::max(0, st.attempts - 1);  // cancelled, not failed
            ops.push_back(ZkOp::Set(sub_path, SubtaskJson(st), sn->version));
            ops.push_back(ZkOp::Create(Join(p.queue, QueueEntry(tk.created_ms, sub)), tk.name));
          }
          auto r = zk->Multi(ops);
          if (r.ok()) {
            ++n;
            if (!mine)
              log::Warn(table + ": subtask " + sub + " (" + st.segment + ") " +
                        (st.state == SubtaskState::kInit ? "re-queued" : "failed") +
                        ": its worker " + st.worker + " lost its ZooKeeper session");
          } else if (!r.status().IsConflict() && !r.status().IsNotFound()) {
            return r.status();  // (a conflict: claimed, finished or re-queued meanwhile)
          }
        }
        return Status::OK();
      }));
    }
    return n;
  }

  Status SetStopped(const std::string& task_type, bool stopped) override {
    for (const auto& table : o_.tables) {
      const Paths p(ZkStateRoot(o_.cluster, table));
      PE_RETURN_IF_ERROR(Retry([&]() -> Status {
        PE_ASSIGN_OR_RETURN(auto zk, Client());
        PE_ASSIGN_OR_RETURN(auto names, ChildrenOrEmpty(zk.get(), p.tasks));
        for (const auto& name : names) {
          const std::string path = Join(p.tasks, name);
          auto n = zk->Get(path);
          if (!n.ok()) {
            if (n.status().IsNotFound()) continue;
            return n.status();
          }
          PE_ASSIGN_OR_RETURN(Task t, TaskFromDoc(path, n->data));
          if (t.task_type != task_type || t.stopped == stopped) continue;
          t.stopped = stopped;
          auto r = zk->Set(path, TaskJson(t), n->version);
          if (!r.ok() && !r.status().IsNotFound())
            return r.status().IsConflict() ? Status::UnknownOutcome("retry") : r.status();
        }
        return Status::OK();
      }));
    }
    return Status::OK();
  }

  Result<std::vector<Task>> Tasks(const std::string& task_type, const std::string& table) override {
    std::vector<std::string> tables = table.empty() ? o_.tables : std::vector<std::string>{table};
    std::vector<Task> out;
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      out.clear();
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      for (const auto& t : tables) {
        const Paths p(ZkStateRoot(o_.cluster, t));
        PE_ASSIGN_OR_RETURN(auto names, ChildrenOrEmpty(zk.get(), p.tasks));
        std::vector<std::string> paths;
        for (const auto& n : names) paths.push_back(Join(p.tasks, n));
        auto nodes = zk->GetMany(paths);
        for (size_t i = 0; i < nodes.size(); ++i) {
          if (!nodes[i].ok()) {
            if (nodes[i].status().IsNotFound()) continue;
            return nodes[i].status();
          }
          PE_ASSIGN_OR_RETURN(Task tk, TaskFromDoc(paths[i], nodes[i]->data));
          if (tk.task_type == task_type) out.push_back(std::move(tk));
        }
      }
      return Status::OK();
    }));
    std::sort(out.begin(), out.end(), [](const Task& a, const Task& b) {
      return std::tie(a.created_ms, a.name) < std::tie(b.created_ms, b.name);
    });
    return out;
  }

  Result<std::optional<Task>> GetTask(const std::string& name) override {
    std::optional<Task> out;
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      out.reset();
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      for (const auto& t : o_.tables) {
        const std::string path = Join(Paths(ZkStateRoot(o_.cluster, t)).tasks, name);
        auto n = zk->Get(path);
        if (n.ok()) {
          PE_ASSIGN_OR_RETURN(Task tk, TaskFromDoc(path, n->data));
          out = std::move(tk);
          return Status::OK();
        }
        if (!n.status().IsNotFound()) return n.status();
      }
      return Status::OK();
    }));
    return out;
  }

  Result<std::vector<Subtask>> Subtasks(const std::string& task) override {
    std::vector<Subtask> out;
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      out.clear();
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      for (const auto& t : o_.tables) {
        const std::string tp = Join(Paths(ZkStateRoot(o_.cluster, t)).tasks, task);
        auto names = zk->Children(tp);
        if (!names.ok()) {
          if (names.status().IsNotFound()) continue;
          return names.status();
        }
        std::vector<std::string> paths;
        for (const auto& n : *names) paths.push_back(Join(tp, n));
        auto nodes = zk->GetMany(paths);
        for (size_t i = 0; i < nodes.size(); ++i) {
          if (!nodes[i].ok()) {
            if (nodes[i].status().IsNotFound()) continue;
            return nodes[i].status();
          }
          PE_ASSIGN_OR_RETURN(Subtask st, SubtaskFromDoc(paths[i], nodes[i]->data));
          out.push_back(std::move(st));
        }
        break;
      }
      return Status::OK();
    }));
    // "<task>_<index>": by index, as created.
    auto index = [](const std::string& n) {
      auto p = n.rfind('_');
      return p == std::string::npos ? 0LL : std::atoll(n.c_str() + p + 1);
    };
    std::sort(out.begin(), out.end(),
              [&](const Subtask& a, const Subtask& b) { return index(a.name) < index(b.name); });
    return out;
  }

  Result<std::optional<Subtask>> GetSubtask(const std::string& name) override {
    std::optional<Subtask> out;
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      out.reset();
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      for (const auto& t : o_.tables) {
        const std::string path =
            Join(Join(Paths(ZkStateRoot(o_.cluster, t)).tasks, TaskOfSubtask(name)), name);
        auto n = zk->Get(path);
        if (n.ok()) {
          PE_ASSIGN_OR_RETURN(Subtask st, SubtaskFromDoc(path, n->data));
          out = std::move(st);
          return Status::OK();
        }
        if (!n.status().IsNotFound()) return n.status();
      }
      return Status::OK();
    }));
    return out;
  }

  Result<std::vector<std::string>> ActiveSegments(const std::string& table) override {
    std::vector<std::string> out;
    const Paths p(ZkStateRoot(o_.cluster, table));
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      PE_ASSIGN_OR_RETURN(auto inflight, ChildrenOrEmpty(zk.get(), p.inflight));
      PE_ASSIGN_OR_RETURN(auto staged, ChildrenOrEmpty(zk.get(), p.staged));
      std::set<std::string> st(staged.begin(), staged.end());
      out.clear();
      for (auto& s : inflight)
        if (!st.count(s)) out.push_back(std::move(s));
      return Status::OK();
    }));
    std::sort(out.begin(), out.end());
    return out;
  }

  // ---- checkpoints ----

  Result<std::vector<Checkpoint>> Checkpoints(const std::string& table) override {
    std::vector<Checkpoint> out;
    const Paths p(ZkStateRoot(o_.cluster, table));
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      out.clear();
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      std::vector<std::string> paths;
      for (int i = 0; i < kShards; ++i) paths.push_back(Join(p.checkpoints, ShardName(i)));
      auto nodes = zk->GetMany(paths);
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (!nodes[i].ok()) {
          if (nodes[i].status().IsNotFound()) continue;  // table not set up yet
          return nodes[i].status();
        }
        PE_ASSIGN_OR_RETURN(json doc, ParseDoc(paths[i], nodes[i]->data));
        for (auto it = doc.begin(); it != doc.end(); ++it)
          out.push_back(CheckpointFromJson(table, it.key(), it.value()));
      }
      return Status::OK();
    }));
    std::sort(out.begin(), out.end(),
              [](const Checkpoint& a, const Checkpoint& b) { return a.segment < b.segment; });
    return out;
  }

  Status DropCheckpoints(const std::string& table,
                         const std::vector<std::string>& segments) override {
    std::map<std::string, std::vector<std::string>> by_shard;
    for (const auto& s : segments) by_shard[ZkCheckpointShard(s)].push_back(s);
    const Paths p(ZkStateRoot(o_.cluster, table));
    for (const auto& [shard, segs] : by_shard) {
      const std::string path = Join(p.checkpoints, shard);
      PE_RETURN_IF_ERROR(Retry([&]() -> Status {
        PE_ASSIGN_OR_RETURN(auto zk, Client());
        auto n = zk->Get(path);
        if (!n.ok()) return n.status().IsNotFound() ? Status::OK() : n.status();
        PE_ASSIGN_OR_RETURN(json doc, ParseDoc(path, n->data));
        size_t erased = 0;
        for (const auto& s : segs) erased += doc.erase(s);
        if (erased == 0) return Status::OK();
        std::vector<ZkOp> ops = FenceOps();
        ops.push_back(ZkOp::Set(path, doc.dump(), n->version));
        return RetryOnConflict(Apply(zk.get(), ops));
      }));
    }
    return Status::OK();
  }

  Result<int> DeleteEndedTasks(const std::string& table, int64_t before_ms) override {
    int n = 0;
    const Paths p(ZkStateRoot(o_.cluster, table));
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      PE_ASSIGN_OR_RETURN(auto names, ChildrenOrEmpty(zk.get(), p.tasks));
      for (const auto& name : names) {
        const std::string tp = Join(p.tasks, name);
        auto tn = zk->Get(tp);
        if (!tn.ok()) {
          if (tn.status().IsNotFound()) continue;
          return tn.status();
        }
        PE_ASSIGN_OR_RETURN(Task tk, TaskFromDoc(tp, tn->data));
        if (tk.created_ms >= before_ms) continue;
        PE_ASSIGN_OR_RETURN(auto subs, ChildrenOrEmpty(zk.get(), tp));
        std::vector<std::string> paths;
        for (const auto& s : subs) paths.push_back(Join(tp, s));
        auto nodes = zk->GetMany(paths);
        bool ended = true;
        std::vector<ZkOp> ops = FenceOps();
        for (size_t i = 0; i < nodes.size() && ended; ++i) {
          if (!nodes[i].ok()) return nodes[i].status();
          PE_ASSIGN_OR_RETURN(Subtask st, SubtaskFromDoc(paths[i], nodes[i]->data));
          ended = st.state != SubtaskState::kInit && st.state != SubtaskState::kRunning;
          ops.push_back(ZkOp::Delete(paths[i], nodes[i]->version));
        }
        if (!ended) continue;
        // Subtasks first, in chunks; the task znode last (a task whose deletion was cut short
        // keeps its remaining, ended subtasks and is deleted at the next cycle).
        size_t fence = FenceOps().size();
        for (size_t i = fence; i < ops.size(); i += 500) {
          std::vector<ZkOp> chunk = FenceOps();
          for (size_t j = i; j < std::min(ops.size(), i + 500); ++j) chunk.push_back(ops[j]);
          Status s = Apply(zk.get(), chunk);
          if (!s.ok() && !s.IsNotFound()) return s;
        }
        std::vector<ZkOp> last = FenceOps();
        last.push_back(ZkOp::Delete(tp, tn->version));
        Status s = Apply(zk.get(), last);
        if (s.ok()) ++n;
        if (!s.ok() && !s.IsNotFound() && !s.IsConflict()) return s;
      }
      return Status::OK();
    }));
    return n;
  }

  Result<int> DropCachedSegmentsExcept(const std::string&, const std::set<std::string>&) override {
    return 0;
  }
  Result<std::optional<SegmentInfo>> CachedSegment(const std::string&, int64_t, int64_t) override {
    return std::optional<SegmentInfo>();
  }
  Status CacheSegment(const SegmentInfo&) override { return Status::OK(); }

  // ---- the Iceberg staged queue ----

  Result<std::vector<Staged>> StagedSegments(const std::string& table) override {
    std::vector<Staged> out;
    const Paths p(ZkStateRoot(o_.cluster, table));
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      out.clear();
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      PE_ASSIGN_OR_RETURN(auto names, ChildrenOrEmpty(zk.get(), p.staged));
      PE_ASSIGN_OR_RETURN(auto batches, ReadBatches(zk.get(), p));
      std::map<std::string, std::string> batch_of;
      for (const auto& b : batches)
        for (const auto& s : b.segments) batch_of[s] = b.id;
      std::vector<std::string> paths;
      for (const auto& n : names) paths.push_back(Join(p.staged, n));
      auto nodes = zk->GetMany(paths);
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (!nodes[i].ok()) {
          if (nodes[i].status().IsNotFound()) continue;
          return nodes[i].status();
        }
        PE_ASSIGN_OR_RETURN(json j, ParseDoc(paths[i], nodes[i]->data));
        Staged s;
        s.checkpoint = CheckpointFromJson(table, names[i], j);
        s.data_file = j.value("dataFile", "");
        auto b = batch_of.find(names[i]);
        if (b != batch_of.end()) s.batch_id = b->second;
        out.push_back(std::move(s));
      }
      return Status::OK();
    }));
    std::sort(out.begin(), out.end(), [](const Staged& a, const Staged& b) {
      return a.checkpoint.segment < b.checkpoint.segment;
    });
    return out;
  }

  Status CreateBatch(const Batch& batch) override {
    const Paths p(ZkStateRoot(o_.cluster, batch.table));
    const std::string path = Join(p.batches, batch.id);
    Batch b = batch;
    std::sort(b.segments.begin(), b.segments.end());
    return Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      auto existing = zk->Get(path);
      if (existing.ok()) {
        PE_ASSIGN_OR_RETURN(Batch e, BatchFromDoc(path, existing->data));
        if (e.segments == b.segments && e.snapshot_id == b.snapshot_id)
          return Status::OK();  // ours (a lost reply)
        return Status::Conflict("batch " + b.id + " of " + b.table + " exists");
      }
      if (!existing.status().IsNotFound()) return existing.status();
      PE_ASSIGN_OR_RETURN(auto batches, ReadBatches(zk.get(), p));
      std::set<std::string> taken;
      for (const auto& o : batches) taken.insert(o.segments.begin(), o.segments.end());
      // The batches znode's own version serialises batch creation: two creators cannot both put
      // one staged segment in two batches.
      PE_ASSIGN_OR_RETURN(ZkNode parent, zk->Get(p.batches));
      std::vector<ZkOp> ops = FenceOps();
      ops.push_back(ZkOp::Set(p.batches, "", parent.version));
      for (const auto& s : b.segments) {
        if (taken.count(s))
          return Status::Conflict("segment " + s + " of " + b.table + " is already in a batch");
        ops.push_back(ZkOp::Check(Join(p.staged, s), -1));
      }
      ops.push_back(ZkOp::Create(path, BatchJson(b)));
      Status s = Apply(zk.get(), ops);
      if (s.IsNotFound()) return Status::Conflict("a segment of batch " + b.id + " is not staged");
      return RetryOnConflict(s);
    });
  }

  Result<std::vector<Batch>> PendingBatches(const std::string& table) override {
    std::vector<Batch> out;
    const Paths p(ZkStateRoot(o_.cluster, table));
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      PE_ASSIGN_OR_RETURN(out, ReadBatches(zk.get(), p));
      return Status::OK();
    }));
    return out;
  }

  Status SetBatchManifest(const std::string& table, const std::string& batch_id,
                          const std::string& manifest_uri, int64_t manifest_length) override {
    const std::string path = Join(Paths(ZkStateRoot(o_.cluster, table)).batches, batch_id);
    return Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      PE_ASSIGN_OR_RETURN(ZkNode n, zk->Get(path));
      PE_ASSIGN_OR_RETURN(Batch b, BatchFromDoc(path, n.data));
      if (b.manifest_uri == manifest_uri && b.manifest_length == manifest_length)
        return Status::OK();
      b.manifest_uri = manifest_uri;
      b.manifest_length = manifest_length;
      std::vector<ZkOp> ops = FenceOps();
      ops.push_back(ZkOp::Set(path, BatchJson(b), n.version));
      return RetryOnConflict(Apply(zk.get(), ops));
    });
  }

  // Moves the batch's staged segments to checkpoints in Multis of a bounded size (each moves some
  // segments: staged + in-flight deleted, checkpoint shard set, atomically), then deletes the
  // batch. A commit cut short is finished by the next call (segments already moved are skipped),
  // so the batch stays pending, and is found committed in the table, until every segment is moved.
  Status CommitBatch(const std::string& table, const std::string& batch_id,
                     int64_t committed_ms) override {
    const Paths p(ZkStateRoot(o_.cluster, table));
    const std::string path = Join(p.batches, batch_id);
    bool seen = false;
    return Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      auto bn = zk->Get(path);
      if (!bn.ok()) {
        if (bn.status().IsNotFound())
          return seen ? Status::OK() : Status::NotFound("no batch " + batch_id + " of " + table);
        return bn.status();
      }
      seen = true;
      PE_ASSIGN_OR_RETURN(Batch b, BatchFromDoc(path, bn->data));
      std::vector<std::string> paths;
      for (const auto& s : b.segments) paths.push_back(Join(p.staged, s));
      auto staged = zk->GetMany(paths);
      std::map<std::string, std::vector<std::pair<std::string, json>>> by_shard;
      std::vector<ZkOp> deletes;
      for (size_t i = 0; i < staged.size(); ++i) {
        if (!staged[i].ok()) {
          if (staged[i].status().IsNotFound()) continue;  // moved already
          return staged[i].status();
        }
        PE_ASSIGN_OR_RETURN(json j, ParseDoc(paths[i], staged[i]->data));
        j.erase("dataFile");
        j["completedMs"] = committed_ms;
        by_shard[ZkCheckpointShard(b.segments[i])].emplace_back(b.segments[i], std::move(j));
      }
      std::vector<ZkOp> ops = FenceOps();
      size_t bytes = 0;
      for (const auto& [shard, entries] : by_shard) {
        const std::string sp = Join(p.checkpoints, shard);
        PE_ASSIGN_OR_RETURN(ZkNode sn, zk->Get(sp));
        PE_ASSIGN_OR_RETURN(json doc, ParseDoc(sp, sn.data));
        for (const auto& [seg, cp] : entries) {
          doc[seg] = cp;
          ops.push_back(ZkOp::Delete(Join(p.staged, seg), -1));
          ops.push_back(ZkOp::Delete(Join(p.inflight, seg), -1));
        }
        std::string data = doc.dump();
        if (data.size() > kShardLimit)
          return Status::IOError(sp + ": checkpoint shard is full (drop old checkpoints)");
        bytes += data.size();
        ops.push_back(ZkOp::Set(sp, std::move(data), sn.version));
        if (bytes > kMultiBudget) break;
      }
      if (ops.size() > FenceOps().size()) {
        Status s = Apply(zk.get(), ops);
        if (s.IsConflict() || s.IsNotFound()) return Status::UnknownOutcome(s.message());
        PE_RETURN_IF_ERROR(s);
        return Status::UnknownOutcome("next chunk");  // re-read: more to move, or delete the batch
      }
      std::vector<ZkOp> last = FenceOps();
      last.push_back(ZkOp::Delete(path, bn->version));
      return RetryOnConflict(Apply(zk.get(), last));
    });
  }

 private:
  Result<std::shared_ptr<ZkClient>> Client() {
    if (!o_.session) return Status::InvalidArgument("ZooKeeper state store without a session");
    return o_.session->Client();
  }

  std::vector<ZkOp> FenceOps() {
    std::lock_guard<std::mutex> l(mu_);
    if (fence_.empty()) return {};
    return {ZkOp::Check(fence_, -1)};
  }

  // A Multi, with the fence's failure named as what it is.
  Status Apply(ZkClient* zk, const std::vector<ZkOp>& ops) {
    auto r = zk->Multi(ops);
    if (r.ok()) return Status::OK();
    std::string fence;
    {
      std::lock_guard<std::mutex> l(mu_);
      fence = fence_;
    }
    if (!fence.empty() && r.status().IsNotFound() &&
        r.status().message().find(fence) != std::string::npos)
      return Status::Cancelled("no longer the leader (" + fence + " is gone)");
    return r.status();
  }

  // A stale version: re-read and try again (Retry treats kUnknownOutcome as "read back first").
  static Status RetryOnConflict(Status s) {
    return s.IsConflict() ? Status::UnknownOutcome(s.message()) : s;
  }

  // Runs `attempt` until it succeeds or fails for good; transient failures (and kUnknownOutcome,
  // which every attempt resolves by reading first) are retried with backoff for up to
  // retry_timeout_ms. Losing the fence is final.
  template <typename F>
  Status Retry(F&& attempt) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.retry_timeout_ms);
    int64_t backoff = 20;
    while (true) {
      Status s = attempt();
      if (s.ok() || !Transient(s)) return s;
      if (s.IsCancelled() && s.message().rfind("no longer the leader", 0) == 0) return s;
      if (std::chrono::steady_clock::now() + std::chrono::milliseconds(backoff) > deadline)
        return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff = std::min<int64_t>(backoff * 2, 1000);
    }
  }

  static std::string ShardName(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03d", i);
    return buf;
  }

  static Result<std::vector<std::string>> ChildrenOrEmpty(ZkClient* zk, const std::string& path) {
    auto c = zk->Children(path);
    if (!c.ok() && c.status().IsNotFound()) return std::vector<std::string>();
    return c;
  }

  static Result<Task> GetTaskAt(ZkClient* zk, const std::string& path) {
    PE_ASSIGN_OR_RETURN(ZkNode n, zk->Get(path));
    return TaskFromDoc(path, n.data);
  }

  static Result<std::vector<Batch>> ReadBatches(ZkClient* zk, const Paths& p) {
    PE_ASSIGN_OR_RETURN(auto names, ChildrenOrEmpty(zk, p.batches));
    std::vector<std::string> paths;
    for (const auto& n : names) paths.push_back(Join(p.batches, n));
    auto nodes = zk->GetMany(paths);
    std::vector<Batch> out;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i].ok()) {
        if (nodes[i].status().IsNotFound()) continue;
        return nodes[i].status();
      }
      PE_ASSIGN_OR_RETURN(Batch b, BatchFromDoc(paths[i], nodes[i]->data));
      out.push_back(std::move(b));
    }
    std::sort(out.begin(), out.end(), [](const Batch& a, const Batch& b) {
      return std::tie(a.created_ms, a.id) < std::tie(b.created_ms, b.id);
    });
    return out;
  }

  // The table that holds subtask `name` (its task znode), among the served tables.
  Result<std::string> Locate(const std::string& subtask) {
    std::string found;
    PE_RETURN_IF_ERROR(Retry([&]() -> Status {
      PE_ASSIGN_OR_RETURN(auto zk, Client());
      for (const auto& t : o_.tables) {
        auto e = zk->Exists(Join(Paths(ZkStateRoot(o_.cluster, t)).tasks, TaskOfSubtask(subtask)));
        if (!e.ok()) return e.status();
        if (*e) {
          found = t;
          return Status::OK();
        }
      }
      return Status::OK();
    }));
    if (found.empty()) return Status::NotFound("no subtask " + subtask);
    return found;
  }

  // Creates R, its folders and the checkpoint shards of `table` (once per store).
  Status EnsureTable(const std::string& table) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (ready_.count(table)) return Status::OK();
    }
    PE_ASSIGN_OR_RETURN(auto zk, Client());
    const Paths p(ZkStateRoot(o_.cluster, table));
    PE_RETURN_IF_ERROR(zk->CreateParents(p.root));
    for (const auto& dir :
         {p.checkpoints, p.tasks, p.queue, p.claims, p.inflight, p.staged, p.batches}) {
      auto r = zk->Create(dir, "");
      if (!r.ok() && !r.status().IsConflict()) return r.status();
    }
    PE_ASSIGN_OR_RETURN(auto have, zk->Children(p.checkpoints));
    std::set<std::string> present(have.begin(), have.end());
    for (int i = 0; i < kShards; ++i) {
      if (present.count(ShardName(i))) continue;
      auto r = zk->Create(Join(p.checkpoints, ShardName(i)), "{}");
      if (!r.ok() && !r.status().IsConflict()) return r.status();
    }
    std::lock_guard<std::mutex> l(mu_);
    ready_.insert(table);
    return Status::OK();
  }

  ZkStoreOptions o_;
  std::mutex mu_;
  std::string fence_;
  std::set<std::string> ready_;
};

}  // namespace

std::string ZkStateRoot(const std::string& cluster, const std::string& table) {
  return "/" + cluster + "/PROPERTYSTORE/MINION_TASK_METADATA/" + table + "/DataExportTask";
}

std::string ZkCheckpointShard(const std::string& segment) {
  uint32_t h = 2166136261u;  // FNV-1a, 32 bit
  for (unsigned char c : segment) {
    h ^= c;
    h *= 16777619u;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%03u", unsigned(h % kShards));
  return buf;
}

Result<std::unique_ptr<ZkStateStore>> ZkStateStore::Open(ZkStoreOptions options) {
  if (options.cluster.empty()) return Status::InvalidArgument("no cluster name");
  if (!options.session) return Status::InvalidArgument("no ZooKeeper session");
  auto s = std::make_unique<ZkStore>(std::move(options));
  PE_RETURN_IF_ERROR(s->Init());
  return std::unique_ptr<ZkStateStore>(std::move(s));
}

Result<std::unique_ptr<ZkSession>> ZkSession::Connect(ZkOptions options) {
  std::unique_ptr<ZkSession> s(new ZkSession(std::move(options)));
  PE_ASSIGN_OR_RETURN(auto c, ZkClient::Connect(s->options_));
  s->client_ = std::move(c);
  s->generation_ = 1;
  return s;
}

Result<std::shared_ptr<ZkClient>> ZkSession::Client() {
  std::lock_guard<std::mutex> l(mu_);
  if (client_ && !client_->session_expired()) return client_;
  ZkOptions o = options_;
  o.session_id = 0;
  o.session_password.clear();
  PE_ASSIGN_OR_RETURN(auto c, ZkClient::Connect(o));
  client_ = std::move(c);
  ++generation_;
  log::Warn("ZooKeeper session expired; new session " + std::to_string(client_->session_id()));
  return client_;
}

}  // namespace pe::state
