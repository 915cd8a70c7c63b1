// DataExportTask config: every key with its default, strict values, one-line errors naming key
// and value, secrets masked. Expectations are written from the key reference (task/config.h and
// issue text), not read back from the parser.
#include "task/config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testing/testing.h"

namespace pe::task {
namespace {

std::string TableConfig(const nlohmann::json& task_map) {
  nlohmann::json j = {{"tableName", "events_REALTIME"},
                      {"tableType", "REALTIME"},
                      {"segmentsConfig", {{"timeColumnName", "ts"}}},
                      {"task", {{"taskTypeConfigsMap", {{"DataExportTask", task_map}}}}}};
  return j.dump();
}

nlohmann::json Minimal() {
  return {{"sourceTableName", "events_REALTIME"}, {"outputDirURI", "s3://lake/events/"}};
}

TEST(ExportConfig, DefaultsOfEveryKey) {
  auto c = ParseExportConfig(TableConfig(Minimal()));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->table, "events_REALTIME");
  EXPECT_EQ(c->source_table, "events_REALTIME");
  EXPECT_EQ(c->raw_table, "events");
  EXPECT_FALSE(c->schedule.has_value());
  EXPECT_EQ(c->target, "filesystem");
  EXPECT_EQ(c->buffer_ms, 24 * 3600 * 1000);
  EXPECT_FALSE(c->initial_watermark_ms.has_value());
  EXPECT_FALSE(c->max_tasks.has_value());
  EXPECT_EQ(c->output_fs_class, "");
  EXPECT_TRUE(c->output_fs_props.empty());
  EXPECT_EQ(c->parquet.codec, parquet::Codec::kSnappy);
  EXPECT_EQ(c->parquet.row_group_bytes, 134217728);
  EXPECT_EQ(c->parquet.page_bytes, 1048576);
  EXPECT_TRUE(c->parquet.dictionary);
  EXPECT_EQ(c->parquet.json_max_depth, -1);
  EXPECT_EQ(c->parquet.decimal_precision, 0);
  EXPECT_EQ(c->json_unknown_keys, "warn");
  EXPECT_TRUE(c->unknown_keys.empty());
  // One slash between the directory and the file, however the directory is written.
  EXPECT_EQ(c->OutputUri("events__0__1__20261201T0000Z"),
            "s3://lake/events/events__0__1__20261201T0000Z.parquet");
}

TEST(ExportConfig, EveryKeyGiven) {
  nlohmann::json m = Minimal();
  m["schedule"] = "0 */10 * ? * *";
  m["fileFormat"] = "PARQUET";
  m["externalTable.target"] = "filesystem";
  m["bufferTimePeriod"] = "2d12h";
  m["initialWatermarkMs"] = "1764547200000";
  m["tableMaxNumTasks"] = "25";
  m["outputDirURI"] = "/exports/events";
  m["output.fs.class"] = "org.apache.pinot.plugin.filesystem.S3PinotFS";
  m["output.fs.prop.region"] = "us-east-1";
  m["output.fs.prop.secretKey"] = "s3cr3t-value";
  m["fileFormat.parquet.compressionCodec"] = "zstd";
  m["fileFormat.parquet.rowGroupSizeBytes"] = "67108864";
  m["fileFormat.parquet.pageSizeBytes"] = "65536";
  m["fileFormat.parquet.enableDictionary"] = "false";
  m["fileFormat.parquet.json.maxDepth"] = "3";
  m["fileFormat.parquet.decimal.precision"] = "20";
  m["fileFormat.parquet.decimal.scale"] = "4";
  m["fileFormat.parquet.json.unknownKeysBehavior"] = "fail";
  m["someFutureKey"] = "x";
  auto c = ParseExportConfig(TableConfig(m));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->schedule.has_value());
  EXPECT_EQ(c->schedule->expression(), "0 */10 * ? * *");
  EXPECT_EQ(c->buffer_ms, (2 * 24 + 12) * 3600 * 1000LL);
  EXPECT_EQ(c->initial_watermark_ms, 1764547200000);
  EXPECT_EQ(c->max_tasks, 25);
  EXPECT_EQ(c->OutputUri("s"), "/exports/events/s.parquet");
  EXPECT_EQ(c->output_fs_class, "org.apache.pinot.plugin.filesystem.S3PinotFS");
  EXPECT_EQ(c->output_fs_props.at("region"), "us-east-1");
  EXPECT_EQ(c->output_fs_props.at("secretKey"), "s3cr3t-value");
  EXPECT_EQ(c->parquet.codec, parquet::Codec::kZstd);
  EXPECT_EQ(c->parquet.row_group_bytes, 67108864);
  EXPECT_EQ(c->parquet.page_bytes, 65536);
  EXPECT_FALSE(c->parquet.dictionary);
  EXPECT_EQ(c->parquet.json_max_depth, 3);
  EXPECT_EQ(c->parquet.decimal_precision, 20);
  EXPECT_EQ(c->parquet.decimal_scale, 4);
  EXPECT_EQ(c->json_unknown_keys, "fail");
  EXPECT_EQ(c->unknown_keys, std::vector<std::string>{"someFutureKey"});

  // The resolved config shows every key, never the secret.
  const std::string resolved = ResolvedJson(*c);
  EXPECT_EQ(resolved.find("s3cr3t-value"), std::string::npos) << resolved;
  auto r = nlohmann::json::parse(resolved);
  EXPECT_EQ(r["output.fs.prop.secretKey"], "*****");
  EXPECT_EQ(r["output.fs.prop.region"], "us-east-1");
  EXPECT_EQ(r["bufferTimePeriod"], "2d12h");
  EXPECT_EQ(r["fileFormat.parquet.compressionCodec"], "ZSTD");
  EXPECT_EQ(r["unknownKeys"], nlohmann::json::array({"someFutureKey"}));
}

// Every key has its default; optional ones without a value resolve to null (a config without a
// schedule used to throw while printing).
TEST(ExportConfig, MinimalConfigResolvesWithDefaults) {
  auto c = ParseExportConfig(R"({"tableName":"events","tableType":"REALTIME","task":{
      "taskTypeConfigsMap":{"DataExportTask":{"sourceTableName":"events_REALTIME",
      "outputDirURI":"/tmp/out"}}}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->table, "events_REALTIME");  // raw tableName + tableType
  auto r = nlohmann::json::parse(ResolvedJson(*c));
  EXPECT_TRUE(r["schedule"].is_null());
  EXPECT_TRUE(r["initialWatermarkMs"].is_null());
  EXPECT_TRUE(r["tableMaxNumTasks"].is_null());
  EXPECT_EQ(r["bufferTimePeriod"], "1d");
  EXPECT_EQ(r["externalTable.target"], "filesystem");
  EXPECT_EQ(r["fileFormat.parquet.compressionCodec"], "SNAPPY");
}

// GET /tables/{t} answers {"OFFLINE": {...}, "REALTIME": {...}}: the REALTIME config is read.
TEST(ExportConfig, ControllerResponseWrappedByTableType) {
  auto c = ParseExportConfig(R"({"REALTIME":{"tableName":"events_REALTIME","tableType":"REALTIME",
      "task":{"taskTypeConfigsMap":{"DataExportTask":{"sourceTableName":"events_REALTIME",
      "outputDirURI":"/tmp/out"}}}}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->table, "events_REALTIME");
  EXPECT_EQ(c->output_dir_uri, "/tmp/out");
}

TEST(ExportConfig, EachInvalidValueIsNamed) {
  struct Case {
    const char* key;
    const char* value;
  } cases[] = {
      {"sourceTableName", "events_OFFLINE"},
      {"sourceTableName", "_REALTIME"},
      {"schedule", "0 0 * * * *"},
      {"fileFormat", "orc"},
      {"externalTable.target", "bigquery"},
      {"bufferTimePeriod", "1 day"},
      {"bufferTimePeriod", "-1d"},
      {"initialWatermarkMs", "yesterday"},
      {"initialWatermarkMs", "-5"},
      {"initialWatermarkMs", "12abc"},
      {"tableMaxNumTasks", "0"},
      {"tableMaxNumTasks", "ten"},
      {"fileFormat.parquet.compressionCodec", "BROTLI"},
      {"fileFormat.parquet.rowGroupSizeBytes", "128MB"},
      {"fileFormat.parquet.pageSizeBytes", "0"},
      {"fileFormat.parquet.enableDictionary", "yes"},
      {"fileFormat.parquet.json.maxDepth", "0"},
      {"fileFormat.parquet.json.unknownKeysBehavior", "ignore"},
  };
  for (const Case& k : cases) {
    nlohmann::json m = Minimal();
    m[k.key] = k.value;
    auto c = ParseExportConfig(TableConfig(m));
    ASSERT_FALSE(c.ok()) << k.key << "=" << k.value;
    EXPECT_TRUE(c.status().IsInvalidArgument()) << c.status().ToString();
    const std::string& msg = c.status().message();
    EXPECT_NE(msg.find(k.key), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string("'") + k.value + "'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(ExportConfig, MissingAndMisshapenInput) {
  auto no_source = ParseExportConfig(TableConfig({{"outputDirURI", "/x"}}));
  ASSERT_FALSE(no_source.ok());
  EXPECT_NE(no_source.status().message().find("sourceTableName is required"), std::string::npos);

  auto no_output = ParseExportConfig(TableConfig({{"sourceTableName", "events_REALTIME"}}));
  ASSERT_FALSE(no_output.ok());
  EXPECT_NE(no_output.status().message().find("outputDirURI is required"), std::string::npos);

  // Every problem at once, on one line.
  auto both = ParseExportConfig(TableConfig({{"bufferTimePeriod", "soon"}}));
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("sourceTableName"), std::string::npos);
  EXPECT_NE(both.status().message().find("outputDirURI"), std::string::npos);
  EXPECT_NE(both.status().message().find("'soon'"), std::string::npos);

  nlohmann::json m = Minimal();
  m["tableMaxNumTasks"] = 10;  // a number, not a string: not how Pinot stores task configs
  auto num = ParseExportConfig(TableConfig(m));
  ASSERT_FALSE(num.ok());
  EXPECT_NE(num.status().message().find("tableMaxNumTasks"), std::string::npos);

  m = Minimal();
  m["fileFormat.parquet.decimal.precision"] = "10";
  auto half = ParseExportConfig(TableConfig(m));
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("decimal.scale"), std::string::npos);

  EXPECT_TRUE(ParseExportConfig("not json").status().IsInvalidArgument());
  EXPECT_TRUE(ParseExportConfig("[1,2]").status().IsInvalidArgument());
  // A real Pinot table config without the task (the vendored baseballStats one).
  auto real = LoadExportConfig(pe::testing::FixturePath("baseballStats_offline_table_config.json"));
  ASSERT_FALSE(real.ok());
  EXPECT_NE(real.status().message().find("no task.taskTypeConfigsMap.DataExportTask"),
            std::string::npos)
      << real.status().message();
  EXPECT_TRUE(LoadExportConfig("/no/such/table.json").status().IsIOError());
}

TEST(ExportConfig, SecretsNeverInErrors) {
  nlohmann::json m = Minimal();
  m["output.fs.prop.secretKey"] = 12345;  // wrong type: the error must not show the value
  m["catalog.iceberg-rest.token"] = "tok-abcdef";
  m["fileFormat"] = "csv";
  auto c = ParseExportConfig(TableConfig(m));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find("12345"), std::string::npos) << c.status().message();
  EXPECT_EQ(c.status().message().find("tok-abcdef"), std::string::npos);
  for (const char* k :
       {"output.fs.prop.accessKey", "output.fs.prop.secretKey", "catalog.iceberg-rest.token",
        "catalog.iceberg-rest.credential", "catalog.iceberg-rest.s3.secret-access-key",
        "catalog.iceberg-rest.s3.access-key-id", "output.fs.prop.jsonKey"})
    EXPECT_TRUE(IsSecretKey(k)) << k;
  for (const char* k : {"output.fs.prop.region", "outputDirURI", "output.fs.prop.endpoint",
                        "catalog.iceberg-rest.restUri"})
    EXPECT_FALSE(IsSecretKey(k)) << k;
}

nlohmann::json IcebergMinimal() {
  return {{"sourceTableName", "events_REALTIME"},
          {"externalTable.target", "iceberg-rest"},
          {"catalog.iceberg-rest.restUri", "https://glue.us-east-1.amazonaws.com/iceberg"},
          {"catalog.iceberg-rest.table.namespace", "lake.events"},
          {"catalog.iceberg-rest.table.tableName", "clicks"}};
}

TEST(ExportConfig, IcebergTargetKeysAndDefaults) {
  nlohmann::json m = IcebergMinimal();
  m["catalog.iceberg-rest.rest.signing-region"] = "us-east-1";
  m["catalog.iceberg-rest.s3.access-key-id"] = "AKIDEXAMPLE";
  m["catalog.iceberg-rest.s3.secret-access-key"] = "very-secret";
  m["catalog.iceberg-rest.warehouse"] = "123456789012";
  auto c = ParseExportConfig(TableConfig(m));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->target, "iceberg-rest");
  EXPECT_EQ(c->iceberg.rest_uri, "https://glue.us-east-1.amazonaws.com/iceberg");
  EXPECT_EQ(c->iceberg.ns, (std::vector<std::string>{"lake", "events"}));
  EXPECT_EQ(c->iceberg.table_name, "clicks");
  EXPECT_EQ(c->iceberg.commit_threshold, 250);  // the issue's default
  EXPECT_EQ(c->iceberg.scope, "catalog");       // Java OAuth2Properties default scope
  EXPECT_EQ(c->iceberg.signing_region, "us-east-1");
  EXPECT_EQ(c->iceberg.warehouse, "123456789012");
  EXPECT_EQ(c->iceberg.storage.at("accessKey"), "AKIDEXAMPLE");
  EXPECT_EQ(c->iceberg.storage.at("secretKey"), "very-secret");
  EXPECT_TRUE(c->unknown_keys.empty());
  EXPECT_EQ(c->output_dir_uri, "");  // not needed for the Iceberg target
  std::string resolved = ResolvedJson(*c);
  EXPECT_EQ(resolved.find("very-secret"), std::string::npos) << resolved;
  EXPECT_EQ(resolved.find("AKIDEXAMPLE"), std::string::npos) << resolved;
  auto j = nlohmann::json::parse(resolved);
  EXPECT_EQ(j["iceberg.commitThreshold"], 250);
  EXPECT_EQ(j["catalog.iceberg-rest.table.namespace"], "lake.events");

  m["iceberg.commitThreshold"] = "10";
  m["catalog.iceberg-rest.table.nameSpace"] = "typo";
  c = ParseExportConfig(TableConfig(m));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->iceberg.commit_threshold, 10);
  EXPECT_EQ(c->unknown_keys, std::vector<std::string>{"catalog.iceberg-rest.table.nameSpace"});
}

TEST(ExportConfig, IcebergTargetErrorsNameTheKeys) {
  nlohmann::json m = {{"sourceTableName", "events_REALTIME"},
                      {"externalTable.target", "iceberg-rest"}};
  auto c = ParseExportConfig(TableConfig(m));
  ASSERT_FALSE(c.ok());
  for (const char* k : {"catalog.iceberg-rest.restUri is required",
                        "catalog.iceberg-rest.table.namespace is required",
                        "catalog.iceberg-rest.table.tableName is required"})
    EXPECT_NE(c.status().message().find(k), std::string::npos) << c.status().message();
  EXPECT_EQ(c.status().message().find("outputDirURI"), std::string::npos);

  struct Bad {
    const char* key;
    const char* value;
    const char* named;
  };
  for (const Bad& b :
       {Bad{"catalog.iceberg-rest.restUri", "glue.amazonaws.com", "'glue.amazonaws.com'"},
        Bad{"catalog.iceberg-rest.table.namespace", "a..b", "'a..b'"},
        Bad{"catalog.iceberg-rest.table.namespace", "", "''"},
        Bad{"iceberg.commitThreshold", "-5", "'-5'"},
        Bad{"iceberg.commitThreshold", "many", "'many'"},
        Bad{"catalog.iceberg-rest.s3.access-key-id", "AKID", "s3.secret-access-key"}}) {
    nlohmann::json bad = IcebergMinimal();
    bad[b.key] = b.value;
    auto r = ParseExportConfig(TableConfig(bad));
    ASSERT_FALSE(r.ok()) << b.key << "=" << b.value;
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find(b.named), std::string::npos) << r.status().message();
  }
  nlohmann::json both = IcebergMinimal();
  both["catalog.iceberg-rest.token"] = "tok-123";
  both["catalog.iceberg-rest.credential"] = "id:sec-456";
  auto r = ParseExportConfig(TableConfig(both));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not both"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find("sec-456"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace pe::task
