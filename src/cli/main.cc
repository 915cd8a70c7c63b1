// pinot-export command line. Exit codes: 0 ok, 1 bad input, 2 usage error. An exception that
// escapes a command (out of memory included) is reported as one line and exit 1 (cli/guard.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iterator>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/guard.h"
#include "common/redact.h"
#include "convert/convert.h"

namespace pe::cli {
int Fail(const Status& s) {
  // Messages may name the URIs a user gave (presigned URLs, user:password@): scrubbed here too.
  std::fprintf(stderr, "pinot-export: %s\n", RedactUri(s.message()).c_str());
  return 1;
}
}  // namespace pe::cli

namespace {

int Main(int argc, char** argv) {
  using namespace pe::cli;
  CLI::App app{"pinot-export: export Apache Pinot segments to Parquet and the data lake"};
  app.set_version_flag("--version", std::string("pinot-export ") + PE_VERSION);
  app.require_subcommand(1);

  InspectArgs ia;
  auto* inspect = app.add_subcommand("inspect", "Show segment and column metadata");
  inspect->add_option("SEGMENT", ia.segment, "Segment tarball, directory or v3 directory")
      ->required();
  inspect->add_flag("--json", ia.json, "Machine-readable JSON output");

  DumpArgs da;
  auto* dump = app.add_subcommand("dump", "Print a segment's rows in doc order");
  dump->add_option("SEGMENT", da.segment, "Segment tarball, directory or v3 directory")->required();
  dump->add_option("--format", da.format, "csv (RFC 4180) or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  dump->add_option("--columns", da.columns, "Comma-separated column names")->delimiter(',');
  dump->add_option("--limit", da.limit, "At most N rows")->check(CLI::NonNegativeNumber);

  ConvertArgs ca;
  auto* conv = app.add_subcommand("convert", "Convert a segment to a Parquet file");
  conv->add_option("SEGMENT", ca.segment,
                   "Segment: path, tarball or URI (s3://, gs://, hdfs://, http(s)://)")
      ->required();
  conv->add_option("OUTPUT", ca.output, "Output .parquet path or URI")->required();
  // fileFormat.parquet.* flags: kept as strings here, parsed by convert::SetOption in Convert.
  const std::string codec_default = pe::parquet::CodecName(pe::parquet::kDefaultCodec);
  const struct {
    const char* flag;
    const char* key;  // after fileFormat.parquet.
    std::string help;
  } parquet_flags[] = {
      {"--compression", "compressionCodec",
       "SNAPPY|GZIP|ZSTD|UNCOMPRESSED (default " + codec_default + ")"},
      {"--row-group-bytes", "rowGroupSizeBytes",
       "1024..2^40 (default " + std::to_string(pe::convert::kDefaultRowGroupBytes) + ")"},
      {"--page-bytes", "pageSizeBytes",
       "64..2^30 (default " + std::to_string(pe::parquet::kDefaultPageBytes) + ")"},
      {"--dictionary", "enableDictionary",
       std::string("true|false (default ") + (pe::parquet::kDefaultDictionary ? "true" : "false") +
           ")"},
      {"--json-max-depth", "json.maxDepth", "1..64: JSON objects as Parquet groups (default off)"},
      {"--decimal-precision", "decimal.precision",
       "1..38: BIG_DECIMAL as DECIMAL(P,S) (default off)"},
      {"--decimal-scale", "decimal.scale", "0..precision (default 0)"},
  };
  std::vector<std::string> parquet_values(std::size(parquet_flags));
  std::vector<CLI::Option*> parquet_opts;
  for (size_t i = 0; i < std::size(parquet_flags); ++i) {
    const std::string key = std::string(pe::convert::kOptionPrefix) + parquet_flags[i].key;
    parquet_opts.push_back(conv->add_option(parquet_flags[i].flag, parquet_values[i],
                                            key + ": " + parquet_flags[i].help));
  }
  conv->add_option("--columns", ca.columns, "Comma-separated columns to export (default all)")
      ->delimiter(',');
  conv->add_option("--fs-prop", ca.fs_props,
                   "KEY=VALUE storage property (output.fs.prop.*), repeatable");
  conv->add_option("--fs-class", ca.fs_class, "output.fs.class (Pinot PinotFS class name)");
  conv->add_flag("--progress", ca.progress, "Show progress on stderr");

  SampleArgs sa;
  auto* samp = app.add_subcommand(
      "sample", "Write segments in Pinot's exact on-disk formats (test matrix, demo, benchmarks)");
  samp->add_flag("--matrix", sa.matrix,
                 "Reader test matrix: segment dirs under --out + expected/<segment>.jsonl");
  samp->add_flag("--demo", sa.demo, "One REALTIME (LLC) events segment tarball at --out");
  samp->add_option("--profile", sa.profile, "Benchmark segment: dict|raw (streamed)")
      ->check(CLI::IsMember({"dict", "raw"}));
  auto* rows_opt = samp->add_option("--rows", sa.rows,
                                    "Rows per segment (default: 1000 with --matrix, 100000 with "
                                    "--demo, 1000000 with --profile)")
                       ->check(CLI::NonNegativeNumber);
  samp->add_option("--seed", sa.seed, "Seed of the deterministic pseudo-random rows")
      ->capture_default_str();
  samp->add_option("--out", sa.out, "Output directory (--matrix) or path")->required();

  ValidateArgs va;
  auto* validate = app.add_subcommand(
      "validate", "Check a table config's DataExportTask and print it resolved (secrets masked)");
  validate->add_option("--table-config", va.table_configs, "Pinot table config JSON file")
      ->required();

  RunArgs ra;
  auto* run = app.add_subcommand("run",
                                 "Run the DataExportTask service (scheduler, generator, "
                                 "executors, REST API)");
  run->add_option("--table-config", ra.table_configs,
                  "Pinot table config JSON file (repeatable: tables side by side)");
  run->add_option("--deep-store", ra.deep_store,
                  "Deep store: <deepStore>/<rawTableName>/<segment> (path or URI)");
  run->add_option("--zk", ra.zk,
                  "Pinot's ZooKeeper (host:port[,host:port][/chroot]): segments from the "
                  "cluster's metadata instead of a deep-store listing");
  run->add_option("--cluster", ra.cluster, "Pinot's Helix cluster name (with --zk)");
  run->add_option("--table", ra.tables,
                  "tableNameWithType whose config is read from ZooKeeper or the controller (with "
                  "--zk or --controller; repeatable)");
  run->add_option("--controller", ra.controller,
                  "Pinot controller URL (http(s)://host:port): segments and table configs through "
                  "its REST API, for hosts that cannot reach ZooKeeper");
  run->add_option("--controller-auth-file", ra.controller_auth_file,
                  "File holding the Authorization header value for the controller (e.g. "
                  "\"Basic ...\")");
  auto* run_state =
      run->add_option("--state", ra.state,
                      "SQLite state file (with --zk: state in ZooKeeper unless given)")
          ->capture_default_str();
  run->add_option("--role", ra.role,
                  "Cluster mode (with --zk): all, generator (leader-elected scheduler and REST "
                  "API) or worker (executors)")
      ->check(CLI::IsMember({"all", "generator", "worker"}))
      ->capture_default_str();
  run->add_option("--advertise-url", ra.advertise_url,
                  "REST base URL other generators forward mutating calls to (default "
                  "http://<hostname>:<port>)");
  run->add_option("--scratch-dir", ra.scratch_dir,
                  "Directory for per-subtask scratch files (owned: emptied at start)");
  run->add_option(
         "--zk-session-timeout", ra.zk_session_timeout_ms,
         "ZooKeeper session timeout in ms: how soon a dead worker's subtasks are re-queued "
         "and a dead leader replaced")
      ->check(CLI::Range(1000, 600000))
      ->capture_default_str();
  run->add_flag("--once", ra.once,
                "One generator cycle, execute it, print a summary; exit 0 if all completed");
  run->add_option("--port", ra.port, "Serve the REST API on this port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  run->add_option("--bind", ra.bind, "REST API address")->capture_default_str();
  run->add_option("--auth-token-file", ra.auth_token_file,
                  "File holding the bearer token that mutating REST calls must present");
  run->add_option("--executors", ra.executors, "Parallel subtasks (default: cores)")
      ->check(CLI::Range(1, 1024));
  run->add_option("--grace-period", ra.grace_seconds,
                  "Seconds running subtasks may finish after SIGTERM/SIGINT")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  run->add_option("--max-attempts", ra.max_attempts, "Tries per subtask on transient errors")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  run->add_option("--log-level", ra.log_level, "debug|info|warn|error|off")->capture_default_str();

  IcebergOrphansArgs oa;
  auto* ice = app.add_subcommand("iceberg", "Iceberg target tools");
  ice->require_subcommand(1);
  auto* orphans = ice->add_subcommand(
      "orphans",
      "List pinot-export's files in an Iceberg table's locations that no snapshot references and "
      "the state does not need (never deletes)");
  orphans->add_option("--table-config", oa.table_config, "Pinot table config JSON file")
      ->required();
  auto* orphans_state =
      orphans->add_option("--state", oa.state, "SQLite state file of the table's run")
          ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*inspect) return Inspect(ia);
  if (*dump) return Dump(da);
  if (*conv) {
    for (size_t i = 0; i < parquet_opts.size(); ++i) {
      if (parquet_opts[i]->count() == 0) continue;
      ca.parquet.push_back({parquet_flags[i].flag,
                            std::string(pe::convert::kOptionPrefix) + parquet_flags[i].key,
                            parquet_values[i]});
    }
    return Convert(ca);
  }
  if (*validate) return Validate(va);
  if (*run) {
    ra.state_given = run_state->count() > 0;
    return Run(ra);
  }
  if (*orphans) {
    oa.state_given = orphans_state->count() > 0;
    return IcebergOrphans(oa);
  }
  if (*samp) {
    sa.rows_given = rows_opt->count() > 0;
    return Sample(sa);
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  return pe::cli::RunGuarded([&] { return Main(argc, argv); });
}
