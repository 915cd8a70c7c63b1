// Subcommands of the pinot-export CLI. Each returns the process exit code:
// 0 ok, 1 bad input (a one-line message on stderr), 2 usage error.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace pe::cli {

struct InspectArgs {
  std::string segment;
  bool json = false;
};
int Inspect(const InspectArgs& a);

struct DumpArgs {
  std::string segment;
  std::string format = "csv";  // csv | jsonl
  std::vector<std::string> columns;
  int64_t limit = -1;
};
int Dump(const DumpArgs& a);

// Prints "pinot-export: <message>" on stderr and returns the exit code for `s` (1).
int Fail(const Status& s);

}  // namespace pe::cli

namespace pe::cli {

struct ConvertArgs {
  std::string segment;
  std::string output;
  // The fileFormat.parquet.* flags given (--compression, --row-group-bytes, ...), as raw strings:
  // Convert parses them with convert::SetOption (a bad value is a usage error, exit 2), so the
  // flags and the task config share one parser and one set of defaults.
  struct ParquetFlag {
    std::string flag;  // "--page-bytes"
    std::string key;   // "fileFormat.parquet.pageSizeBytes"
    std::string value;
  };
  std::vector<ParquetFlag> parquet;
  bool progress = false;
  std::vector<std::string> columns;
  std::vector<std::string> fs_props;  // KEY=VALUE, output.fs.prop.* names
  std::string fs_class;               // output.fs.class
};
int Convert(const ConvertArgs& a);

}  // namespace pe::cli

namespace pe::cli {

// `pinot-export sample` (src/cli/sample.cc): writes segments in Pinot's exact formats.
struct SampleArgs {
  bool matrix = false;
  bool demo = false;
  std::string profile;  // dict | raw
  int64_t rows = -1;
  bool rows_given = false;
  uint64_t seed = 1;
  std::string out;
};
int Sample(const SampleArgs& a);

}  // namespace pe::cli

namespace pe::cli {

// `pinot-export validate --table-config FILE` (src/cli/run.cc): prints the resolved
// DataExportTask config (secrets masked) and exits 0, or prints the errors and exits 1.
struct ValidateArgs {
  std::vector<std::string> table_configs;
};
int Validate(const ValidateArgs& a);

// The state file `run` and `iceberg orphans` use when --state is not given.
inline constexpr const char* kDefaultStatePath = "pinot-export-state.db";

// `pinot-export run --table-config FILE ...` (src/cli/run.cc): the DataExportTask service.
struct RunArgs {
  std::vector<std::string> table_configs;
  std::string deep_store;
  std::string state = kDefaultStatePath;
  bool once = false;
  int port = -1;  // REST API port (-1: no server; 0: any free port, printed)
  std::string bind = "127.0.0.1";
  std::string auth_token_file;
  int executors = 0;          // 0 = hardware threads
  double grace_seconds = 30;  // SIGTERM/SIGINT: how long running subtasks may finish
  int max_attempts = 3;
  std::string log_level = "info";
  // Cluster metadata (issue 10): segments from the Pinot cluster's ZooKeeper instead of a
  // deep-store listing; tables (tableNameWithType) whose config is read from ZooKeeper too.
  std::string zk;  // "host:port[,host:port...][/chroot]"
  std::string cluster;
  std::vector<std::string> tables;
  // Cluster mode: with --zk and no explicit --state the state lives in ZooKeeper, and the process
  // takes the role given (all, generator, worker).
  bool state_given = false;
  std::string role = "all";
  std::string advertise_url;  // the REST base URL followers forward to (default http://host:port)
  std::string
      scratch_dir;  // default: <state>.scratch, or (ZooKeeper state) $TMPDIR/pinot-export.<pid>
  int zk_session_timeout_ms = 30000;
  // Or the segment metadata and table configs through a Pinot controller's REST API.
  std::string controller;            // http(s)://host:port
  std::string controller_auth_file;  // holds the Authorization header value
};
int Run(const RunArgs& a);

}  // namespace pe::cli

namespace pe::cli {

// `pinot-export iceberg orphans --table-config FILE [--state FILE]` (src/cli/iceberg.cc): prints
// "<uri>\t<bytes>" per orphan file of the table (task::FindOrphans) and a summary line; deletes
// nothing; exit 0 whether or not there are orphans, 1 on errors.
struct IcebergOrphansArgs {
  std::string table_config;
  std::string state = kDefaultStatePath;
  bool state_given = false;  // --state given: a missing file is an error, not "no state"
};
int IcebergOrphans(const IcebergOrphansArgs& a);

}  // namespace pe::cli
