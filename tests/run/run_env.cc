#include "run/run_env.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "state/state.h"

extern char** environ;

namespace pe::run_testing {

namespace stdfs = std::filesystem;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t UtcMs(int year, int month, int day, int hour, int minute) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  return int64_t(timegm(&tm)) * 1000;
}

std::string LlcName(int partition, int seq, int64_t creation_ms) {
  time_t secs = time_t(creation_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char t[32];
  std::strftime(t, sizeof t, "%Y%m%dT%H%MZ", &tm);
  return "events__" + std::to_string(partition) + "__" + std::to_string(seq) + "__" + t;
}

int64_t LlcCreationMs(const std::string& name) {
  const std::string t = name.substr(name.rfind("__") + 2);  // yyyyMMddTHHmmZ
  return UtcMs(std::stoi(t.substr(0, 4)), std::stoi(t.substr(4, 2)), std::stoi(t.substr(6, 2)),
               std::stoi(t.substr(9, 2)), std::stoi(t.substr(11, 2)));
}

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteSegments(const std::string& dir, const std::vector<Seg>& segs) {
  // `sample` fsyncs every file it writes, so its wall time is mostly waiting: run a few at once.
  constexpr size_t kParallel = 6;
  auto logs = TempDir::Make("pe-run-sample");
  ASSERT_TRUE(logs.ok());
  for (size_t i = 0; i < segs.size(); i += kParallel) {
    std::vector<std::unique_ptr<Child>> kids;
    for (size_t j = i; j < std::min(segs.size(), i + kParallel); ++j) {
      auto c = std::make_unique<Child>();
      const std::string log = logs->path() + "/" + std::to_string(j);
      ASSERT_TRUE(c->Start({pe::testing::CliBinary(), "sample", "--demo", "--rows",
                            std::to_string(segs[j].rows), "--out", dir + "/" + segs[j].name},
                           {}, log + ".out", log + ".err"));
      kids.push_back(std::move(c));
    }
    for (size_t k = 0; k < kids.size(); ++k) {
      auto rc = kids[k]->Wait(std::chrono::minutes(2));
      ASSERT_EQ(rc, 0) << "sample " << segs[i + k].name << ": "
                       << ReadText(logs->path() + "/" + std::to_string(i + k) + ".err");
    }
  }
}

std::map<std::string, FileStat> ListDir(const std::string& dir) {
  std::map<std::string, FileStat> out;
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(dir, ec)) {
    struct stat st {};
    if (::lstat(e.path().c_str(), &st) != 0) continue;
    out[e.path().filename().string()] = {
        int64_t(st.st_size), int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  return out;
}

std::vector<std::string> HiddenFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& [name, st] : ListDir(dir))
    if (name[0] == '.' || name[0] == '_') out.push_back(name);
  return out;
}

Summary ParseSummary(const std::string& out) {
  Summary s;
  std::smatch m;
  static const std::regex cycle(
      "events_REALTIME: (\\S+) ?.*\\((\\d+) eligible, (\\d+) selected, (\\d+) late, (\\d+) "
      "unusable\\)");
  static const std::regex total(
      "events_REALTIME: (\\d+) exported in total, watermark (\\d+|\\(none\\))");
  static const std::regex summary(
      "summary: (\\d+) subtask\\(s\\): (\\d+) completed, (\\d+) failed, (\\d+) unusable "
      "segment\\(s\\)( \\(interrupted\\))?");
  bool c = std::regex_search(out, m, cycle);
  if (c) {
    s.nothing_to_export = m[1] == "nothing";
    s.eligible = std::stoll(m[2]);
    s.selected = std::stoll(m[3]);
    s.late = std::stoll(m[4]);
    s.unusable = std::stoll(m[5]);
  }
  bool t = std::regex_search(out, m, total);
  if (t) {
    s.exported_total = std::stoll(m[1]);
    if (m[2] != "(none)") s.watermark = std::stoll(m[2]);
  }
  bool u = std::regex_search(out, m, summary);
  if (u) {
    s.subtasks = std::stoll(m[1]);
    s.completed = std::stoll(m[2]);
    s.failed = std::stoll(m[3]);
    s.unusable_total = std::stoll(m[4]);
    s.interrupted = m[5].matched;
  }
  s.parsed = t && u;  // the cycle line is missing when a signal came before the cycle ran
  return s;
}

std::map<std::string, FileRows> ReadBackWithDuckDb(const std::string& dir) {
  std::map<std::string, FileRows> out;
  bool any = false;
  for (const auto& [name, st] : ListDir(dir))
    if (name.size() > 8 && name.compare(name.size() - 8, 8, ".parquet") == 0) any = true;
  if (!any) return out;  // DuckDB fails on a glob that matches nothing
  const std::string glob = dir + "/*.parquet";
  const std::string sql =
      "with r as (select parse_filename(filename) as file, count(*) as n, min(ts) as lo, "
      "max(ts) as hi from read_parquet('" +
      glob +
      "', filename = true) group by all), "
      "m as (select parse_filename(file_name) as file, decode(value) as seg from "
      "parquet_kv_metadata('" +
      glob +
      "') where decode(key) = 'pinot.segment.name') "
      "select r.file, r.n, r.lo, r.hi, m.seg from r left join m using (file) order by 1";
  auto r = pe::testing::RunNode("duckdb_rows.mjs", {sql});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_array() || j.size() != 5) {
      ADD_FAILURE() << "unexpected DuckDB row: " << line;
      continue;
    }
    FileRows f;
    f.rows = std::stoll(j[1].get<std::string>());
    f.min_ts = std::stoll(j[2].get<std::string>());
    f.max_ts = std::stoll(j[3].get<std::string>());
    f.segment = j[4].is_string() ? j[4].get<std::string>() : "";
    out[j[0].get<std::string>()] = f;
  }
  return out;
}

int ExpectExportedExactly(const std::map<std::string, FileRows>& files,
                          const std::vector<Seg>& segs) {
  int problems = 0;
  std::map<std::string, const Seg*> want;
  for (const Seg& s : segs) want[s.name + ".parquet"] = &s;
  for (const auto& [file, f] : files) {
    if (!want.count(file)) {
      ADD_FAILURE() << "unexpected file " << file;
      ++problems;
    }
  }
  for (const auto& [file, s] : want) {
    auto it = files.find(file);
    if (it == files.end()) {
      ADD_FAILURE() << "missing " << file;
      ++problems;
      continue;
    }
    const FileRows& f = it->second;
    const int64_t created = LlcCreationMs(s->name);
    // sample --demo: one row a second, the first at creation - rows s, all before creation.
    if (f.rows != s->rows || f.segment != s->name ||
        f.min_ts != created - int64_t(s->rows) * 1000 || f.max_ts >= created) {
      ADD_FAILURE() << file << ": " << f.rows << " rows (want " << s->rows << "), segment '"
                    << f.segment << "', ts [" << f.min_ts << ", " << f.max_ts << "] (want ["
                    << created - int64_t(s->rows) * 1000 << ", < " << created << "])";
      ++problems;
    }
  }
  return problems;
}

std::vector<std::string> CheckpointedSegments(const std::string& state_path) {
  std::vector<std::string> out;
  auto store = pe::state::OpenSqliteStore(state_path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return out;
  auto cps = (*store)->Checkpoints(kTable);
  EXPECT_TRUE(cps.ok()) << cps.status().ToString();
  if (!cps.ok()) return out;
  for (const auto& c : *cps) out.push_back(c.segment);
  std::sort(out.begin(), out.end());
  return out;
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool Child::Start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const std::string& out_path, const std::string& err_path) {
  pid_ = pe::testing::Spawn(argv, env, out_path, err_path);
  return pid_ > 0;
}

void Child::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> Child::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  bool done = WaitUntil([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
  if (!done) return std::nullopt;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

ExportEnv::ExportEnv() {
  auto d = TempDir::Make("pe-run-e2e");
  EXPECT_TRUE(d.ok());
  if (d.ok()) root_ = std::move(d).value();
  std::error_code ec;
  stdfs::create_directories(table_dir(), ec);
  stdfs::create_directories(out_dir(), ec);
}

void ExportEnv::WriteConfig(const std::map<std::string, std::string>& keys) {
  std::map<std::string, std::string> task{
      {"sourceTableName", kTable}, {"outputDirURI", out_dir()}, {"bufferTimePeriod", "1d"}};
  for (const auto& [k, v] : keys) {
    if (v.empty())
      task.erase(k);
    else
      task[k] = v;
  }
  nlohmann::json doc = {{"tableName", kTable},
                        {"tableType", "REALTIME"},
                        {"task", {{"taskTypeConfigsMap", {{"DataExportTask", task}}}}}};
  ASSERT_TRUE(WriteFileAtomic(config(), doc.dump(2)).ok());
}

std::vector<std::string> ExportEnv::RunArgv(const std::vector<std::string>& extra) const {
  std::vector<std::string> argv{pe::testing::CliBinary(), "run",        "--table-config", config(),
                                "--deep-store",           deep_store(), "--state",        state()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

RunResult ExportEnv::RunOnce(const std::vector<std::string>& extra,
                             const std::vector<std::string>& env) const {
  std::vector<std::string> args{"--once"};
  args.insert(args.end(), extra.begin(), extra.end());
  return pe::testing::Run(RunArgv(args), env);
}

}  // namespace pe::run_testing
