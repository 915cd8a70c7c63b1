// task/: the DataExportTask configuration, read from a Pinot table config.
//
// The input is the whole table config JSON (as GET /tables/{t} or the table config file holds
// it); the task's keys are the string map at task.taskTypeConfigsMap.DataExportTask. Every value
// in that map is a string, as in Pinot's TableTaskConfig; each is parsed strictly and its default
// is the one below. A missing required key or an invalid value is an error naming the key and
// value; unknown keys are reported (warned about) but not fatal.
//
//   key                               default          meaning
//   sourceTableName                   (required)       <table>_REALTIME whose segments are exported
//   schedule                          (none)           Quartz cron; absent: only on demand
//   fileFormat                        parquet          the only format
//   externalTable.target              filesystem       filesystem | iceberg-rest
//   bufferTimePeriod                  1d               a segment is eligible once its end time is
//                                                      at least this old (Pinot period string)
//   initialWatermarkMs                (none)           first watermark; older segments are skipped
//   tableMaxNumTasks                  (no cap)         subtasks per generator cycle
//   outputDirURI                      (required for    files go to <outputDirURI>/<segment>.parquet
//                                      filesystem)
//   output.fs.class                   by scheme        Pinot FS class name (LocalPinotFS, ...)
//   output.fs.prop.<name>             —                storage properties (see docs/storage.md)
//   fileFormat.parquet.compressionCodec   SNAPPY       SNAPPY | GZIP | ZSTD | UNCOMPRESSED
//   fileFormat.parquet.rowGroupSizeBytes  134217728
//   fileFormat.parquet.pageSizeBytes      1048576
//   fileFormat.parquet.enableDictionary   true
//   fileFormat.parquet.json.maxDepth      (off)        JSON objects as Parquet groups
//   fileFormat.parquet.decimal.precision / .scale (off) BIG_DECIMAL as DECIMAL(P,S)
//   fileFormat.parquet.json.unknownKeysBehavior warn   warn | fail (Iceberg target)
//   The Iceberg target (externalTable.target = iceberg-rest; docs/iceberg.md):
//   catalog.iceberg-rest.restUri          (required)   the catalog's base URI (before /v1)
//   catalog.iceberg-rest.table.namespace  (required)   dotted for nested namespaces: a.b
//   catalog.iceberg-rest.table.tableName  (required)
//   catalog.iceberg-rest.warehouse        (none)       ?warehouse= of GET /v1/config
//   catalog.iceberg-rest.token            (none)       static bearer token
//   catalog.iceberg-rest.credential       (none)       OAuth2 client credentials id:secret
//   catalog.iceberg-rest.oauth2-server-uri (catalog's) token endpoint
//   catalog.iceberg-rest.scope            catalog      OAuth2 scope
//   catalog.iceberg-rest.rest.signing-region (none)    SigV4-sign catalog requests (Glue, S3
//   Tables) catalog.iceberg-rest.rest.signing-name (by host)   glue | s3tables | execute-api
//   catalog.iceberg-rest.s3.access-key-id / .s3.secret-access-key / .s3.session-token
//                                         (vended)     override the catalog's vended credentials
//   catalog.iceberg-rest.s3.endpoint / .s3.region / .s3.path-style-access  storage overrides
//   iceberg.commitThreshold               250          staged segments per snapshot
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "convert/convert.h"
#include "task/cron.h"

namespace pe::task {

inline constexpr const char* kTaskType = "DataExportTask";

struct ExportConfig {
  std::string table;         // the table config's tableName (with type)
  std::string source_table;  // sourceTableName, e.g. events_REALTIME
  std::string raw_table;     // sourceTableName without _REALTIME: the deep-store folder name
  std::optional<CronSchedule> schedule;
  std::string target = "filesystem";
  int64_t buffer_ms = 86400000;
  std::optional<int64_t> initial_watermark_ms;
  std::optional<int64_t> max_tasks;
  std::string output_dir_uri;
  std::string output_fs_class;                         // "" = by the URI's scheme
  std::map<std::string, std::string> output_fs_props;  // output.fs.prop.<name> -> value
  convert::Options parquet;
  std::string json_unknown_keys = "warn";
  // The Iceberg target (target == "iceberg-rest").
  struct Iceberg {
    std::string rest_uri;
    std::vector<std::string> ns;  // table.namespace split on '.'
    std::string table_name;
    std::string warehouse, token, credential, oauth2_server_uri, scope = "catalog";
    std::string signing_region, signing_name;
    // Storage overrides (fs::Props names: accessKey, secretKey, sessionToken, endpoint, region,
    // pathStyleAccess), layered over the catalog's vended credentials.
    std::map<std::string, std::string> storage;
    int64_t commit_threshold = 250;
  } iceberg;
  std::map<std::string, std::string> keys;  // every key as given (secrets included)
  std::vector<std::string> unknown_keys;

  // <outputDirURI>/<segment>.parquet with exactly one slash between.
  std::string OutputUri(const std::string& segment) const;
};

// True for keys whose values are secrets (access keys, secret keys, tokens, credentials,
// passwords, inline JSON keys): never logged, printed or returned by the API.
bool IsSecretKey(std::string_view key);

// Parses the DataExportTask config of `table_config_json`. Errors: kInvalidArgument, one line
// naming every bad key and value ("; "-separated).
Result<ExportConfig> ParseExportConfig(std::string_view table_config_json);
// Reads and parses the table config file at `path`.
Result<ExportConfig> LoadExportConfig(const std::string& path);

// The resolved config as JSON text (every key with its effective value, secrets as "*****").
std::string ResolvedJson(const ExportConfig& c);

}  // namespace pe::task
