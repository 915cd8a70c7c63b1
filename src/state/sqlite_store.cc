// The embedded StateStore: one SQLite file (https://sqlite.org/wal.html), one connection guarded
// by a mutex (state calls are a few per segment, next to seconds of conversion). Every mutation is
// one IMMEDIATE transaction, so a kill -9 at any point leaves either the old or the new state;
// RequeueRunning recovers subtasks a dead process left RUNNING.
#include <sqlite3.h>

#include <mutex>

#include "state/state.h"

namespace pe::state {

namespace {

// Schema migrations, applied in order; PRAGMA user_version holds how many ran.
constexpr const char* kMigrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE watermarks (
  table_name TEXT PRIMARY KEY,
  value_ms   INTEGER NOT NULL
);
CREATE TABLE checkpoints (
  table_name   TEXT NOT NULL,
  segment      TEXT NOT NULL,
  output_uri   TEXT NOT NULL,
  rows         INTEGER NOT NULL,
  bytes        INTEGER NOT NULL,
  segment_crc  INTEGER NOT NULL,
  end_time_ms  INTEGER NOT NULL,
  duration_ms  INTEGER NOT NULL,
  completed_ms INTEGER NOT NULL,
  PRIMARY KEY (table_name, segment)
);
CREATE TABLE tasks (
  name       TEXT PRIMARY KEY,
  task_type  TEXT NOT NULL,
  table_name TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  stopped    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE subtasks (
  name        TEXT PRIMARY KEY,
  task        TEXT NOT NULL REFERENCES tasks(name),
  seq         INTEGER NOT NULL,
  table_name  TEXT NOT NULL,
  segment     TEXT NOT NULL,
  segment_uri TEXT NOT NULL,
  end_time_ms INTEGER NOT NULL,
  state       TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  worker      TEXT NOT NULL DEFAULT '',
  error       TEXT NOT NULL DEFAULT '',
  started_ms  INTEGER NOT NULL DEFAULT 0,
  finished_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX subtasks_by_state ON subtasks(state, table_name);
CREATE INDEX subtasks_by_task ON subtasks(task, seq);
CREATE TABLE segment_cache (
  uri           TEXT PRIMARY KEY,
  size          INTEGER NOT NULL,
  mtime_ms      INTEGER NOT NULL,
  name          TEXT NOT NULL,
  start_time_ms INTEGER,
  end_time_ms   INTEGER,
  total_docs    INTEGER NOT NULL,
  crc           INTEGER NOT NULL
);
)sql",
    // 2: the Iceberg target's staged queue and batches.
    R"sql(
CREATE TABLE staged (
  table_name   TEXT NOT NULL,
  segment      TEXT NOT NULL,
  output_uri   TEXT NOT NULL,
  rows         INTEGER NOT NULL,
  bytes        INTEGER NOT NULL,
  segment_crc  INTEGER NOT NULL,
  end_time_ms  INTEGER NOT NULL,
  duration_ms  INTEGER NOT NULL,
  staged_ms    INTEGER NOT NULL,
  data_file    TEXT NOT NULL,
  batch_id     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (table_name, segment)
);
CREATE TABLE batches (
  table_name      TEXT NOT NULL,
  batch_id        TEXT NOT NULL,
  snapshot_id     INTEGER NOT NULL,
  manifest_uri    TEXT NOT NULL DEFAULT '',
  manifest_length INTEGER NOT NULL DEFAULT 0,
  created_ms      INTEGER NOT NULL,
  PRIMARY KEY (table_name, batch_id)
);
)sql",
};
constexpr int kSchemaVersion = int(sizeof(kMigrations) / sizeof(kMigrations[0]));

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Status status() const {
    return rc_ == SQLITE_OK || rc_ == SQLITE_ROW
               ? Status::OK()
               : Status::IOError(std::string("state: ") + sqlite3_errmsg(db_));
  }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& Bind(int i, std::optional<int64_t> v) {
    if (v)
      sqlite3_bind_int64(s_, i, *v);
    else
      sqlite3_bind_null(s_, i);
    return *this;
  }
  // SQLITE_ROW -> true, SQLITE_DONE -> false; anything else sets status().
  bool Step() {
    if (rc_ != SQLITE_OK && rc_ != SQLITE_ROW && rc_ != SQLITE_DONE) return false;
    rc_ = sqlite3_step(s_);
    if (rc_ == SQLITE_ROW) return true;
    if (rc_ == SQLITE_DONE) rc_ = SQLITE_OK;
    return false;
  }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  std::optional<int64_t> OptInt(int col) const {
    if (sqlite3_column_type(s_, col) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_int64(s_, col);
  }
  std::string Text(int col) const {
    const unsigned char* t = sqlite3_column_text(s_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), size_t(sqlite3_column_bytes(s_, col)))
             : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_OK;
};

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return Status::OK();
  Status st = Status::IOError(std::string("state: ") + (err ? err : sqlite3_errmsg(db)));
  sqlite3_free(err);
  return st;
}

constexpr const char* kSubtaskColumns =
    "name, task, table_name, segment, segment_uri, end_time_ms, state, attempts, worker, error, "
    "started_ms, finished_ms";

Subtask ReadSubtask(const Stmt& s) {
  Subtask t;
  t.name = s.Text(0);
  t.task = s.Text(1);
  t.table = s.Text(2);
  t.segment = s.Text(3);
  t.segment_uri = s.Text(4);
  t.end_time_ms = s.Int(5);
  t.state = ParseSubtaskState(s.Text(6)).value_or(SubtaskState::kTaskError);
  t.attempts = int(s.Int(7));
  t.worker = s.Text(8);
  t.error = s.Text(9);
  t.started_ms = s.Int(10);
  t.finished_ms = s.Int(11);
  return t;
}

class SqliteStore final : public StateStore {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close(db_); }

  Result<std::optional<int64_t>> Watermark(const std::string& table) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt s(db_, "SELECT value_ms FROM watermarks WHERE table_name = ?");
    s.Bind(1, table);
    std::optional<int64_t> v;
    if (s.Step()) v = s.Int(0);
    PE_RETURN_IF_ERROR(s.status());
    return v;
  }

  Status SetWatermark(const std::string& table, std::optional<int64_t> expected,
                      int64_t value) override {
    std::lock_guard<std::mutex> l(mu_);
    return InTransaction([&]() -> Status {
      Stmt cur(db_, "SELECT value_ms FROM watermarks WHERE table_name = ?");
      cur.Bind(1, table);
      std::optional<int64_t> now;
      if (cur.Step()) now = cur.Int(0);
      PE_RETURN_IF_ERROR(cur.status());
      if (now != expected)
        return Status::Conflict("watermark of " + table + " moved (now " +
                                (now ? std::to_string(*now) : std::string("unset")) + ")");
      Stmt up(db_,
              "INSERT INTO watermarks(table_name, value_ms) VALUES(?, ?) "
              "ON CONFLICT(table_name) DO UPDATE SET value_ms = excluded.value_ms");
      up.Bind(1, table).Bind(2, value);
      up.Step();
      return up.status();
    });
  }

  Status AddTask(const Task& task, const std::vector<Subtask>& subtasks) override {
    std::lock_guard<std::mutex> l(mu_);
    return InTransaction([&]() -> Status {
      Stmt t(db_,
             "INSERT INTO tasks(name, task_type, table_name, created_ms, stopped) "
             "VALUES(?, ?, ?, ?, ?)");
      t.Bind(1, task.name).Bind(2, task.task_type).Bind(3, task.table).Bind(4, task.created_ms);
      t.Bind(5, int64_t(task.stopped));
      t.Step();
      if (!t.status().ok()) return Status::Conflict("task " + task.name + " exists already");
      int64_t seq = 0;
      for (const Subtask& st : subtasks) {
        Stmt busy(db_,
                  "SELECT 1 FROM subtasks WHERE table_name = ? AND segment = ? AND state IN "
                  "('INIT', 'RUNNING') UNION ALL SELECT 1 FROM checkpoints WHERE table_name = ?1 "
                  "AND segment = ?2 UNION ALL SELECT 1 FROM staged WHERE table_name = ?1 AND "
                  "segment = ?2");
        busy.Bind(1, task.table).Bind(2, st.segment);
        if (busy.Step())
          return Status::Conflict("segment " + st.segment + " of " + task.table +
                                  " is already being exported or exported");
        PE_RETURN_IF_ERROR(busy.status());
        Stmt s(db_,
               "INSERT INTO subtasks(name, task, seq, table_name, segment, segment_uri, "
               "end_time_ms, state) VALUES(?, ?, ?, ?, ?, ?, ?, 'INIT')");
        s.Bind(1, st.name).Bind(2, task.name).Bind(3, seq++).Bind(4, task.table);
        s.Bind(5, st.segment).Bind(6, st.segment_uri).Bind(7, st.end_time_ms);
        s.Step();
        PE_RETURN_IF_ERROR(s.status());
      }
      return Status::OK();
    });
  }

  Result<std::optional<Subtask>> ClaimSubtask(const std::string& worker, int64_t now_ms,
                                              const std::string& table) override {
    std::lock_guard<std::mutex> l(mu_);
    std::optional<Subtask> claimed;
    Status st = InTransaction([&]() -> Status {
      Stmt pick(db_,
                "SELECT s.name FROM subtasks s JOIN tasks t ON t.name = s.task "
                "WHERE s.state = 'INIT' AND t.stopped = 0 AND (?1 = '' OR s.table_name = ?1) "
                "ORDER BY t.created_ms, s.task, s.seq LIMIT 1");
      pick.Bind(1, table);
      if (!pick.Step()) return pick.status();
      const std::string name = pick.Text(0);
      Stmt up(db_,
              "UPDATE subtasks SET state = 'RUNNING', attempts = attempts + 1, worker = ?, "
              "started_ms = ?, error = '' WHERE name = ?");
      up.Bind(1, worker).Bind(2, now_ms).Bind(3, name);
      up.Step();
      PE_RETURN_IF_ERROR(up.status());
      PE_ASSIGN_OR_RETURN(claimed, GetSubtaskLocked(name));
      return Status::OK();
    });
    PE_RETURN_IF_ERROR(st);
    return claimed;
  }

  Status FinishSubtask(const std::string& name, const std::string& worker,
                       const Outcome& outcome) override {
    if (outcome.state == SubtaskState::kCompleted && !outcome.checkpoint)
      return Status::InvalidArgument("subtask " + name + " completed without a checkpoint");
    if (outcome.state != SubtaskState::kCompleted && outcome.state != SubtaskState::kTaskError &&
        outcome.state != SubtaskState::kStopped)
      return Status::InvalidArgument("subtask " + name + " cannot end as " +
                                     SubtaskStateName(outcome.state));
    std::lock_guard<std::mutex> l(mu_);
    return InTransaction([&]() -> Status {
      Stmt up(db_,
              "UPDATE subtasks SET state = ?, error = ?, finished_ms = ? "
              "WHERE name = ? AND state = 'RUNNING' AND worker = ?");
      up.Bind(1, std::string(SubtaskStateName(outcome.state)))
          .Bind(2, outcome.error)
          .Bind(3, outcome.finished_ms)
          .Bind(4, name)
          .Bind(5, worker);
      up.Step();
      PE_RETURN_IF_ERROR(up.status());
      if (sqlite3_changes(db_) != 1)
        return Status::Conflict("subtask " + name + " is not running for " + worker);
      if (outcome.state != SubtaskState::kCompleted) return Status::OK();
      const Checkpoint& c = *outcome.checkpoint;
      if (!outcome.data_file.empty()) {
        Stmt sg(db_,
                "INSERT INTO staged(table_name, segment, output_uri, rows, bytes, segment_crc, "
                "end_time_ms, duration_ms, staged_ms, data_file) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        sg.Bind(1, c.table).Bind(2, c.segment).Bind(3, c.output_uri).Bind(4, c.rows);
        sg.Bind(5, c.bytes).Bind(6, c.segment_crc).Bind(7, c.end_time_ms).Bind(8, c.duration_ms);
        sg.Bind(9, c.completed_ms).Bind(10, outcome.data_file);
        sg.Step();
        if (!sg.status().ok())
          return Status::Conflict("segment " + c.segment + " of " + c.table + " is staged already");
        return Status::OK();
      }
      Stmt cp(db_,
              "INSERT INTO checkpoints(table_name, segment, output_uri, rows, bytes, segment_crc, "
              "end_time_ms, duration_ms, completed_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT(table_name, segment) DO UPDATE SET output_uri = excluded.output_uri, "
              "rows = excluded.rows, bytes = excluded.bytes, segment_crc = excluded.segment_crc, "
              "end_time_ms = excluded.end_time_ms, duration_ms = excluded.duration_ms, "
              "completed_ms = excluded.completed_ms");
      cp.Bind(1, c.table).Bind(2, c.segment).Bind(3, c.output_uri).Bind(4, c.rows);
      cp.Bind(5, c.bytes).Bind(6, c.segment_crc).Bind(7, c.end_time_ms).Bind(8, c.duration_ms);
      cp.Bind(9, c.completed_ms);
      cp.Step();
      return cp.status();
    });
  }

  Result<int> RequeueRunning(const std::string& worker) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt up(db_,
            "UPDATE subtasks SET state = 'INIT', error = 'requeued: its worker stopped while "
            "running it' WHERE state = 'RUNNING' AND (?1 = '' OR worker = ?1)");
    up.Bind(1, worker);
    up.Step();
    PE_RETURN_IF_ERROR(up.status());
    return sqlite3_changes(db_);
  }

  Status SetStopped(const std::string& task_type, bool stopped) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt up(db_, "UPDATE tasks SET stopped = ? WHERE task_type = ?");
    up.Bind(1, int64_t(stopped)).Bind(2, task_type);
    up.Step();
    return up.status();
  }

  Result<std::vector<Task>> Tasks(const std::string& task_type, const std::string& table) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt s(db_,
           "SELECT name, task_type, table_name, created_ms, stopped FROM tasks "
           "WHERE task_type = ?1 AND (?2 = '' OR table_name = ?2) ORDER BY created_ms, name");
    s.Bind(1, task_type).Bind(2, table);
    std::vector<Task> out;
    while (s.Step()) out.push_back(ReadTask(s));
    PE_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<std::optional<Task>> GetTask(const std::string& name) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt s(db_,
           "SELECT name, task_type, table_name, created_ms, stopped FROM tasks WHERE name = ?");
    s.Bind(1, name);
    std::optional<Task> t;
    if (s.Step()) t = ReadTask(s);
    PE_RETURN_IF_ERROR(s.status());
    return t;
  }

  Result<std::vector<Subtask>> Subtasks(const std::string& task) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt s(db_,
           (std::string("SELECT ") + kSubtaskColumns + " FROM subtasks WHERE task = ? ORDER BY seq")
               .c_str());
    s.Bind(1, task);
    std::vector<Subtask> out;
    while (s.Step()) out.push_back(ReadSubtask(s));
    PE_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<std::optional<Subtask>> GetSubtask(const std::string& name) override {
    std::lock_guard<std::mutex> l(mu_);
    return GetSubtaskLocked(name);
  }

  Result<std::vector<std::string>> ActiveSegments(const std::string& table) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt s(db_,
           "SELECT DISTINCT segment FROM subtasks WHERE table_name = ? AND state IN ('INIT', "
           "'RUNNING') ORDER BY segment");
    s.Bind(1, table);
    std::vector<std::string> out;
    while (s.Step()) out.push_back(s.Text(0));
    PE_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<std::vector<Checkpoint>> Checkpoints(const std::string& table) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt s(db_,
           "SELECT table_name, segment, output_uri, rows, bytes, segment_crc, end_time_ms, "
           "duration_ms, completed_ms FROM checkpoints WHERE table_name = ? ORDER BY segment");
    s.Bind(1, table);
    std::vector<Checkpoint> out;
    while (s.Step()) {
      Checkpoint c;
      c.table = s.Text(0);
      c.segment = s.Text(1);
      c.output_uri = s.Text(2);
      c.rows = s.Int(3);
      c.bytes = s.Int(4);
      c.segment_crc = s.Int(5);
      c.end_time_ms = s.Int(6);
      c.duration_ms = s.Int(7);
      c.completed_ms = s.Int(8);
      out.push_back(std::move(c));
    }
    PE_RETURN_IF_ERROR(s.status());
    return out;
  }

  Status DropCheckpoints(const std::string& table,
                         const std::vector<std::string>& segments) override {
    std::lock_guard<std::mutex> l(mu_);
    return InTransaction([&]() -> Status {
      for (const std::string& seg : segments) {
        Stmt d(db_, "DELETE FROM checkpoints WHERE table_name = ? AND segment = ?");
        d.Bind(1, table).Bind(2, seg);
        d.Step();
        PE_RETURN_IF_ERROR(d.status());
      }
      return Status::OK();
    });
  }

  Result<std::vector<Staged>> StagedSegments(const std::string& table) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt s(db_,
           "SELECT segment, output_uri, rows, bytes, segment_crc, end_time_ms, duration_ms, "
           "staged_ms, data_file, batch_id FROM staged WHERE table_name = ? ORDER BY segment");
    s.Bind(1, table);
    std::vector<Staged> out;
    while (s.Step()) {
      Staged st;
      Checkpoint& c = st.checkpoint;
      c.table = table;
      c.segment = s.Text(0);
      c.output_uri = s.Text(1);
      c.rows = s.Int(2);
      c.bytes = s.Int(3);
      c.segment_crc = s.Int(4);
      c.end_time_ms = s.Int(5);
      c.duration_ms = s.Int(6);
      c.completed_ms = s.Int(7);
      st.data_file = s.Text(8);
      st.batch_id = s.Text(9);
      out.push_back(std::move(st));
    }
    PE_RETURN_IF_ERROR(s.status());
    return out;
  }

  Status CreateBatch(const Batch& b) override {
    if (b.id.empty() || b.segments.empty())
      return Status::InvalidArgument("a batch needs an id and segments");
    std::lock_guard<std::mutex> l(mu_);
    return InTransaction([&]() -> Status {
      Stmt ins(db_,
               "INSERT INTO batches(table_name, batch_id, snapshot_id, manifest_uri, "
               "manifest_length, created_ms) VALUES(?, ?, ?, ?, ?, ?)");
      ins.Bind(1, b.table).Bind(2, b.id).Bind(3, b.snapshot_id).Bind(4, b.manifest_uri);
      ins.Bind(5, b.manifest_length).Bind(6, b.created_ms);
      ins.Step();
      if (!ins.status().ok()) return Status::Conflict("batch " + b.id + " exists already");
      for (const std::string& seg : b.segments) {
        Stmt up(db_,
                "UPDATE staged SET batch_id = ? WHERE table_name = ? AND segment = ? AND "
                "batch_id = ''");
        up.Bind(1, b.id).Bind(2, b.table).Bind(3, seg);
        up.Step();
        PE_RETURN_IF_ERROR(up.status());
        if (sqlite3_changes(db_) != 1)
          return Status::Conflict("segment " + seg + " of " + b.table +
                                  " is not staged outside a batch");
      }
      return Status::OK();
    });
  }

  Result<std::vector<Batch>> PendingBatches(const std::string& table) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt s(db_,
           "SELECT batch_id, snapshot_id, manifest_uri, manifest_length, created_ms FROM batches "
           "WHERE table_name = ? ORDER BY created_ms, batch_id");
    s.Bind(1, table);
    std::vector<Batch> out;
    while (s.Step()) {
      Batch b;
      b.table = table;
      b.id = s.Text(0);
      b.snapshot_id = s.Int(1);
      b.manifest_uri = s.Text(2);
      b.manifest_length = s.Int(3);
      b.created_ms = s.Int(4);
      out.push_back(std::move(b));
    }
    PE_RETURN_IF_ERROR(s.status());
    for (Batch& b : out) {
      Stmt m(db_,
             "SELECT segment FROM staged WHERE table_name = ? AND batch_id = ? ORDER BY segment");
      m.Bind(1, table).Bind(2, b.id);
      while (m.Step()) b.segments.push_back(m.Text(0));
      PE_RETURN_IF_ERROR(m.status());
    }
    return out;
  }

  Status SetBatchManifest(const std::string& table, const std::string& batch_id,
                          const std::string& manifest_uri, int64_t manifest_length) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt up(db_,
            "UPDATE batches SET manifest_uri = ?, manifest_length = ? WHERE table_name = ? AND "
            "batch_id = ?");
    up.Bind(1, manifest_uri).Bind(2, manifest_length).Bind(3, table).Bind(4, batch_id);
    up.Step();
    PE_RETURN_IF_ERROR(up.status());
    if (sqlite3_changes(db_) != 1) return Status::NotFound("batch " + batch_id + " of " + table);
    return Status::OK();
  }

  Status CommitBatch(const std::string& table, const std::string& batch_id,
                     int64_t committed_ms) override {
    std::lock_guard<std::mutex> l(mu_);
    return InTransaction([&]() -> Status {
      Stmt del(db_, "DELETE FROM batches WHERE table_name = ? AND batch_id = ?");
      del.Bind(1, table).Bind(2, batch_id);
      del.Step();
      PE_RETURN_IF_ERROR(del.status());
      if (sqlite3_changes(db_) != 1) return Status::NotFound("batch " + batch_id + " of " + table);
      Stmt cp(db_,
              "INSERT INTO checkpoints(table_name, segment, output_uri, rows, bytes, segment_crc, "
              "end_time_ms, duration_ms, completed_ms) SELECT table_name, segment, output_uri, "
              "rows, bytes, segment_crc, end_time_ms, duration_ms, ?1 FROM staged WHERE "
              "table_name = ?2 AND batch_id = ?3 ON CONFLICT(table_name, segment) DO UPDATE SET "
              "output_uri = excluded.output_uri, rows = excluded.rows, bytes = excluded.bytes, "
              "segment_crc = excluded.segment_crc, end_time_ms = excluded.end_time_ms, "
              "duration_ms = excluded.duration_ms, completed_ms = excluded.completed_ms");
      cp.Bind(1, committed_ms).Bind(2, table).Bind(3, batch_id);
      cp.Step();
      PE_RETURN_IF_ERROR(cp.status());
      Stmt rm(db_, "DELETE FROM staged WHERE table_name = ? AND batch_id = ?");
      rm.Bind(1, table).Bind(2, batch_id);
      rm.Step();
      return rm.status();
    });
  }

  Result<std::optional<SegmentInfo>> CachedSegment(const std::string& uri, int64_t size,
                                                   int64_t mtime_ms) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt s(db_,
           "SELECT name, start_time_ms, end_time_ms, total_docs, crc FROM segment_cache "
           "WHERE uri = ? AND size = ? AND mtime_ms = ?");
    s.Bind(1, uri).Bind(2, size).Bind(3, mtime_ms);
    std::optional<SegmentInfo> out;
    if (s.Step()) {
      SegmentInfo i;
      i.uri = uri;
      i.size = size;
      i.mtime_ms = mtime_ms;
      i.name = s.Text(0);
      i.start_time_ms = s.OptInt(1);
      i.end_time_ms = s.OptInt(2);
      i.total_docs = s.Int(3);
      i.crc = s.Int(4);
      out = std::move(i);
    }
    PE_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<int> DeleteEndedTasks(const std::string& table, int64_t before_ms) override {
    std::lock_guard<std::mutex> l(mu_);
    int deleted = 0;
    Status st = InTransaction([&]() -> Status {
      // A task has ended when none of its subtasks is INIT or RUNNING.
      const char* kEnded =
          "SELECT name FROM tasks t WHERE table_name = ?1 AND created_ms < ?2 AND NOT EXISTS "
          "(SELECT 1 FROM subtasks s WHERE s.task = t.name AND s.state IN ('INIT', 'RUNNING'))";
      std::vector<std::string> names;
      {
        Stmt s(db_, kEnded);
        s.Bind(1, table).Bind(2, before_ms);
        while (s.Step()) names.push_back(s.Text(0));
        PE_RETURN_IF_ERROR(s.status());
      }
      for (const auto& n : names) {
        Stmt ds(db_, "DELETE FROM subtasks WHERE task = ?");
        ds.Bind(1, n);
        ds.Step();
        PE_RETURN_IF_ERROR(ds.status());
        Stmt dt(db_, "DELETE FROM tasks WHERE name = ?");
        dt.Bind(1, n);
        dt.Step();
        PE_RETURN_IF_ERROR(dt.status());
      }
      deleted = int(names.size());
      return Status::OK();
    });
    if (!st.ok()) return st;
    return deleted;
  }

  Result<int> DropCachedSegmentsExcept(const std::string& prefix,
                                       const std::set<std::string>& keep) override {
    std::lock_guard<std::mutex> l(mu_);
    int dropped = 0;
    Status st = InTransaction([&]() -> Status {
      std::vector<std::string> gone;
      {
        // substr() rather than LIKE: URIs may hold '%' and '_'.
        Stmt s(db_, "SELECT uri FROM segment_cache WHERE substr(uri, 1, length(?1)) = ?1");
        s.Bind(1, prefix);
        while (s.Step()) {
          std::string uri = s.Text(0);
          if (!keep.count(uri)) gone.push_back(std::move(uri));
        }
        PE_RETURN_IF_ERROR(s.status());
      }
      for (const auto& uri : gone) {
        Stmt d(db_, "DELETE FROM segment_cache WHERE uri = ?");
        d.Bind(1, uri);
        d.Step();
        PE_RETURN_IF_ERROR(d.status());
      }
      dropped = int(gone.size());
      return Status::OK();
    });
    if (!st.ok()) return st;
    return dropped;
  }

  Status CacheSegment(const SegmentInfo& i) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt s(db_,
           "INSERT OR REPLACE INTO segment_cache(uri, size, mtime_ms, name, start_time_ms, "
           "end_time_ms, total_docs, crc) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    s.Bind(1, i.uri).Bind(2, i.size).Bind(3, i.mtime_ms).Bind(4, i.name);
    s.Bind(5, i.start_time_ms).Bind(6, i.end_time_ms).Bind(7, i.total_docs).Bind(8, i.crc);
    s.Step();
    return s.status();
  }

 private:
  static Task ReadTask(const Stmt& s) {
    Task t;
    t.name = s.Text(0);
    t.task_type = s.Text(1);
    t.table = s.Text(2);
    t.created_ms = s.Int(3);
    t.stopped = s.Int(4) != 0;
    return t;
  }

  Result<std::optional<Subtask>> GetSubtaskLocked(const std::string& name) {
    Stmt s(db_,
           (std::string("SELECT ") + kSubtaskColumns + " FROM subtasks WHERE name = ?").c_str());
    s.Bind(1, name);
    std::optional<Subtask> t;
    if (s.Step()) t = ReadSubtask(s);
    PE_RETURN_IF_ERROR(s.status());
    return t;
  }

  // Runs `body` in a BEGIN IMMEDIATE ... COMMIT; rolls back when it fails. REQUIRES: mu_ held.
  template <typename F>
  Status InTransaction(F body) {
    PE_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    Status st = body();
    if (st.ok()) st = Exec(db_, "COMMIT");
    if (!st.ok()) (void)Exec(db_, "ROLLBACK");
    return st;
  }

  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace

const char* SubtaskStateName(SubtaskState s) {
  switch (s) {
    case SubtaskState::kInit:
      return "INIT";
    case SubtaskState::kRunning:
      return "RUNNING";
    case SubtaskState::kCompleted:
      return "COMPLETED";
    case SubtaskState::kTaskError:
      return "TASK_ERROR";
    case SubtaskState::kStopped:
      return "STOPPED";
  }
  return "UNKNOWN";
}

std::optional<SubtaskState> ParseSubtaskState(std::string_view name) {
  for (SubtaskState s : {SubtaskState::kInit, SubtaskState::kRunning, SubtaskState::kCompleted,
                         SubtaskState::kTaskError, SubtaskState::kStopped})
    if (name == SubtaskStateName(s)) return s;
  return std::nullopt;
}

Result<std::unique_ptr<StateStore>> OpenSqliteStore(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::IOError("state file " + path + ": " + msg);
  }
  auto store = std::make_unique<SqliteStore>(db);  // owns db from here
  auto fail = [&](const Status& st) { return st.WithContext("state file " + path); };
  sqlite3_busy_timeout(db, 10000);
  // WAL: readers never block the writer; synchronous=FULL: a committed checkpoint survives a
  // power loss, not only a process crash.
  Status st = Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON");
  if (!st.ok()) return fail(st);
  // Migrate one step per IMMEDIATE transaction, re-reading the version inside it, so two
  // processes opening a new file at once do not both apply a step.
  while (true) {
    st = Exec(db, "BEGIN IMMEDIATE");
    if (!st.ok()) return fail(st);
    int version = 0;
    {
      Stmt v(db, "PRAGMA user_version");
      if (v.Step()) version = int(v.Int(0));
      st = v.status();
    }
    if (st.ok() && version > kSchemaVersion) {
      (void)Exec(db, "ROLLBACK");
      return Status::NotSupported("state file " + path + " has schema version " +
                                  std::to_string(version) + ", newer than this build's " +
                                  std::to_string(kSchemaVersion));
    }
    if (st.ok() && version == kSchemaVersion) {
      st = Exec(db, "COMMIT");
      if (!st.ok()) return fail(st);
      break;
    }
    if (st.ok()) st = Exec(db, kMigrations[version]);
    if (st.ok()) st = Exec(db, ("PRAGMA user_version = " + std::to_string(version + 1)).c_str());
    if (st.ok()) st = Exec(db, "COMMIT");
    if (!st.ok()) {
      (void)Exec(db, "ROLLBACK");
      return fail(st);
    }
  }
  return std::unique_ptr<StateStore>(std::move(store));
}

}  // namespace pe::state
