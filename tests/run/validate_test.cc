// `pinot-export validate --table-config FILE` and `run` with a bad config: the resolved config with
// secrets masked, or one line naming each bad key and its value (exit 1) before anything runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "run/run_env.h"

namespace pe::run_testing {
namespace {

constexpr char kAccess[] = "AKIDVALIDATEKEY";
constexpr char kSecret[] = "validate/Secret+Value";

pe::testing::RunResult Validate(const ExportEnv& env) {
  return pe::testing::RunCli({"validate", "--table-config", env.config()});
}

size_t Lines(const std::string& s) { return size_t(std::count(s.begin(), s.end(), '\n')); }

TEST(RunValidate, GoodConfigPrintsItResolvedWithSecretsMasked) {
  ExportEnv env;
  env.WriteConfig({{"bufferTimePeriod", "6h"},
                   {"tableMaxNumTasks", "5"},
                   {"schedule", "0 0/15 * * * ?"},
                   {"fileFormat.parquet.compressionCodec", "ZSTD"},
                   {"output.fs.prop.accessKey", kAccess},
                   {"output.fs.prop.secretKey", kSecret},
                   {"output.fs.prop.region", "eu-west-1"}});
  auto r = Validate(env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["tableName"], "events_REALTIME");
  EXPECT_EQ(j["sourceTableName"], "events_REALTIME");
  EXPECT_EQ(j["outputDirURI"], env.out_dir());
  EXPECT_EQ(j["bufferTimePeriod"], "6h");
  EXPECT_EQ(j["tableMaxNumTasks"], 5);
  EXPECT_EQ(j["schedule"], "0 0/15 * * * ?");
  EXPECT_EQ(j["fileFormat.parquet.compressionCodec"], "ZSTD");
  EXPECT_EQ(j["output.fs.prop.region"], "eu-west-1");
  EXPECT_EQ(j["output.fs.prop.accessKey"], "*****");
  EXPECT_EQ(j["output.fs.prop.secretKey"], "*****");
  // Defaults the user did not write.
  EXPECT_EQ(j["externalTable.target"], "filesystem");
  EXPECT_EQ(j["fileFormat.parquet.rowGroupSizeBytes"], 134217728);
  EXPECT_EQ(j["fileFormat.parquet.pageSizeBytes"], 1048576);
  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
  EXPECT_EQ(r.out.find(kAccess), std::string::npos);
}

struct BadKey {
  const char* name;   // test name
  const char* key;    // the key set (or removed, with value "")
  const char* value;  // "" removes the key
  const char* named;  // what the one error line must name besides the key
};

void PrintTo(const BadKey& b, std::ostream* os) { *os << b.key << " = '" << b.value << "'"; }

class RunValidateBad : public ::testing::TestWithParam<BadKey> {};

TEST_P(RunValidateBad, OneLineNamingKeyAndValueExit1) {
  const BadKey& b = GetParam();
  ExportEnv env;
  env.WriteConfig({{b.key, b.value}});
  auto r = Validate(env);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(b.key), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(b.named), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Keys, RunValidateBad,
    ::testing::Values(
        BadKey{"BufferTimePeriod", "bufferTimePeriod", "1x", "'1x'"},
        BadKey{"NegativeBufferTimePeriod", "bufferTimePeriod", "-1d", "'-1d'"},
        BadKey{"TableMaxNumTasksZero", "tableMaxNumTasks", "0", "'0'"},
        BadKey{"TableMaxNumTasksText", "tableMaxNumTasks", "ten", "'ten'"},
        BadKey{"CompressionCodec", "fileFormat.parquet.compressionCodec", "LZMA", "LZMA"},
        BadKey{"InitialWatermark", "initialWatermarkMs", "yesterday", "'yesterday'"},
        BadKey{"MissingSourceTableName", "sourceTableName", "", "required"},
        BadKey{"MissingOutputDirURI", "outputDirURI", "", "required"},
        BadKey{"OfflineSourceTable", "sourceTableName", "events_OFFLINE", "'events_OFFLINE'"},
        BadKey{"ScheduleCron", "schedule", "every day", "'every day'"},
        BadKey{"IcebergTargetWithoutCatalog", "externalTable.target", "iceberg-rest",
               "catalog.iceberg-rest.restUri is required"},
        BadKey{"CommitThreshold", "iceberg.commitThreshold", "0", "'0'"},
        BadKey{"FileFormat", "fileFormat", "orc", "'orc'"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RunValidate, UnknownKeyIsAWarningNamingIt) {
  ExportEnv env;
  env.WriteConfig({{"bufferTimePeriodd", "2d"}});
  auto r = Validate(env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bufferTimePeriodd"), std::string::npos) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["unknownKeys"], nlohmann::json::array({"bufferTimePeriodd"}));
  EXPECT_EQ(j["bufferTimePeriod"], "1d");
}

// `run` with an invalid config stops before it takes the state or touches the deep store: no
// state or lock file, no output.
TEST(RunValidate, RunWithBadConfigExits1BeforeAnythingRuns) {
  ExportEnv env;
  env.Write({{LlcName(0, 0, UtcMs(2026, 11, 1)), 100}});
  env.WriteConfig({{"bufferTimePeriod", "1 day"}, {"output.fs.prop.secretKey", kSecret}});
  auto r = env.RunOnce();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(Lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("bufferTimePeriod = '1 day'"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(kSecret), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(env.state()));
  EXPECT_FALSE(std::filesystem::exists(env.state() + ".lock"));
  EXPECT_FALSE(std::filesystem::exists(env.scratch()));
  EXPECT_TRUE(ListDir(env.out_dir()).empty());
}

}  // namespace
}  // namespace pe::run_testing
