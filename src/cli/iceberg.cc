// `pinot-export iceberg orphans`: the Iceberg target's orphan files (task::FindOrphans), listed,
// never deleted.
//
// The state tells which unreferenced files are still needed (staged segments, pending batches).
// It is read under a shared lock on "<state>.lock", the lock `run` holds exclusively: while a run
// uses the state, files it is writing would look orphaned, so the listing is refused instead.
// Without the default state file (none given and none in the working directory), the listing goes
// on without it, with a warning; a --state that does not exist is an error.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "common/file.h"
#include "state/state.h"
#include "task/config.h"
#include "task/iceberg_target.h"

namespace pe::cli {

int IcebergOrphans(const IcebergOrphansArgs& a) {
  auto cfg = task::LoadExportConfig(a.table_config);
  if (!cfg.ok()) return Fail(cfg.status());
  if (cfg->target != "iceberg-rest")
    return Fail(Status::InvalidArgument(a.table_config + ": externalTable.target is '" +
                                        cfg->target + "', not iceberg-rest"));

  std::unique_ptr<state::StateStore> store;
  int lock_fd = -1;
  std::error_code ec;
  if (!std::filesystem::exists(a.state, ec)) {
    if (a.state_given) return Fail(Status::NotFound("state file " + a.state + " does not exist"));
    std::fprintf(stderr,
                 "pinot-export: warning: no state file %s: files of staged segments and pending "
                 "batches are listed as orphans too\n",
                 a.state.c_str());
  } else {
    const std::string lock_path = a.state + ".lock";
    lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0) return Fail(Status::IOError("cannot open lock file " + lock_path));
    if (::flock(lock_fd, LOCK_SH | LOCK_NB) != 0) {
      ::close(lock_fd);
      return Fail(Status::Conflict("state " + a.state + " is in use by a pinot-export run (lock " +
                                   lock_path + "); files it is writing would look orphaned"));
    }
    auto s = state::OpenSqliteStore(a.state);
    if (!s.ok()) {
      ::close(lock_fd);
      return Fail(s.status());
    }
    store = std::move(s).value();
  }
  auto scratch = TempDir::Make("pinot-export-orphans");
  if (!scratch.ok()) {
    if (lock_fd >= 0) ::close(lock_fd);
    return Fail(scratch.status());
  }
  auto rep = task::FindOrphans(*cfg, store.get(), scratch->path());
  store.reset();
  if (lock_fd >= 0) ::close(lock_fd);
  if (!rep.ok()) return Fail(rep.status());

  for (const task::OrphanFile& f : rep->orphans)
    std::printf("%s\t%lld\n", f.uri.c_str(), (long long)f.bytes);
  std::fprintf(stderr,
               "pinot-export: referenced: %lld snapshot(s), %lld manifest list(s), %lld "
               "manifest(s), %lld data/delete file(s); %lld unreferenced file(s) kept for the "
               "state\n",
               (long long)rep->snapshots, (long long)rep->manifest_lists, (long long)rep->manifests,
               (long long)rep->content_files, (long long)rep->kept_by_state);
  std::printf(
      "orphans: %zu file(s), %lld bytes (of %lld pinot-export files under the table; "
      "nothing deleted)\n",
      rep->orphans.size(), (long long)rep->orphan_bytes, (long long)rep->candidates);
  return 0;
}

}  // namespace pe::cli
