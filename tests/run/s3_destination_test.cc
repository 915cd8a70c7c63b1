// `pinot-export run --once` exporting to s3://bucket/prefix (outputDirURI with output.fs.prop.*
// keys) against the tests' S3 server: a real s3rver behind the SigV4-verifying front that injects
// faults (tests/e2e/s3_server.mjs). Every segment lands exactly once despite 503s, a reply lost
// after the server stored the object and a reset connection, and the secret key never shows.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "fs/fs.h"
#include "fs/http.h"
#include "fs/node_server.h"
#include "run/run_env.h"

namespace pe::run_testing {
namespace {

constexpr char kAccessKey[] = "AKIDRUNEXPORTTEST";
constexpr char kSecretKey[] = "run/Export+Secret=Key9";

nlohmann::json Admin(int port, const std::string& method, const std::string& path,
                     const std::string& body = "") {
  pe::fs::HttpClient c;
  pe::fs::HttpRequest r;
  r.method = method;
  r.url = "http://127.0.0.1:" + std::to_string(port) + path;
  r.body = body;
  auto resp = c.Send(r);
  EXPECT_TRUE(resp.ok()) << resp.status().ToString();
  if (!resp.ok()) return {};
  return nlohmann::json::parse(resp->body, nullptr, false);
}

TEST(RunS3, EverySegmentLandsOnceDespiteFaultsAndTheSecretNeverShows) {
  auto data = TempDir::Make("pe-run-s3rver");
  ASSERT_TRUE(data.ok());
  pe::fs::testing::NodeServer server;
  ASSERT_TRUE(server.Start("s3_server.mjs", {"--dir", data->path(), "--access-key", kAccessKey,
                                             "--secret-key", kSecretKey, "--buckets", "lake"}))
      << server.error();
  const int port = server.port();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port);

  ExportEnv env;
  std::vector<Seg> segs;
  for (int i = 0; i < 6; ++i)
    segs.push_back({LlcName(i % 2, i, UtcMs(2026, 11, 2 + i)), 200 + 10 * i});
  env.Write(segs);
  const std::string out_uri = "s3://lake/exports/events";
  const std::map<std::string, std::string> props = {
      {"endpoint", endpoint},    {"region", "us-east-1"},     {"accessKey", kAccessKey},
      {"secretKey", kSecretKey}, {"pathStyleAccess", "true"}, {"maxAttempts", "2"}};
  std::map<std::string, std::string> keys = {
      {"outputDirURI", out_uri},
      {"output.fs.class", "org.apache.pinot.plugin.filesystem.S3PinotFS"}};
  for (const auto& [k, v] : props) keys["output.fs.prop." + k] = v;
  env.WriteConfig(keys);

  // With maxAttempts 2 per request, the first object's PUTs meet 503, 503 (the S3 client gives
  // up: the executor retries the subtask), 503, a reply dropped after s3rver stored the object
  // (given up again), then succeed; its size check (HEAD) meets a reset connection once.
  Admin(port, "POST", "/__admin/faults",
        nlohmann::json{{"faults",
                        {{{"mode", "status"},
                          {"status", 503},
                          {"code", "SlowDown"},
                          {"count", 3},
                          {"method", "PUT"}},
                         {{"mode", "drop"}, {"count", 1}, {"method", "PUT"}},
                         {{"mode", "reset"}, {"count", 1}, {"method", "HEAD"}}}}}
            .dump());

  auto r = env.RunOnce({"--executors", "1", "--max-attempts", "5", "--log-level", "debug"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  Summary s = ParseSummary(r.out);
  ASSERT_TRUE(s.parsed) << r.out;
  EXPECT_EQ(s.completed, int64_t(segs.size()));
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(r.out.find(kSecretKey), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find(kSecretKey), std::string::npos) << r.err;

  // Every fault was met.
  auto log = Admin(port, "GET", "/__admin/log");
  int faulted = 0;
  for (const auto& e : log)
    if (e.contains("fault") && !e["fault"].is_null()) ++faulted;
  EXPECT_EQ(faulted, 5) << log.dump();
  auto uploads = Admin(port, "GET", "/__admin/uploads");
  EXPECT_TRUE(uploads["open"].empty()) << uploads.dump();

  // The bucket holds exactly one object per segment under the prefix (no temp objects), and
  // each holds its segment's rows.
  auto fs = pe::fs::OpenFileSystem(out_uri + "/", pe::fs::Props(props.begin(), props.end()));
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  auto listed = (*fs)->List("s3://lake/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> got, want;
  for (const auto& f : *listed) got.push_back(f.uri);
  for (const auto& seg : segs) want.push_back(out_uri + "/" + seg.name + ".parquet");
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  auto local = TempDir::Make("pe-run-s3-down");
  ASSERT_TRUE(local.ok());
  for (const auto& seg : segs) {
    Status d = (*fs)->Download(out_uri + "/" + seg.name + ".parquet",
                               local->path() + "/" + seg.name + ".parquet");
    ASSERT_TRUE(d.ok()) << d.ToString();
  }
  EXPECT_EQ(ExpectExportedExactly(ReadBackWithDuckDb(local->path()), segs), 0);
  EXPECT_EQ(ListDir(env.out_dir()).size(), 0u);  // nothing went to the local default
  EXPECT_EQ(ListDir(env.scratch()).size(), 0u);

  // A second run exports nothing and writes nothing.
  const size_t puts_before = Admin(port, "GET", "/__admin/log").size();
  auto r2 = env.RunOnce();
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_TRUE(ParseSummary(r2.out).nothing_to_export) << r2.out;
  auto log2 = Admin(port, "GET", "/__admin/log");
  for (size_t i = puts_before; i < log2.size(); ++i)
    EXPECT_NE(log2[i]["method"], "PUT") << log2[i].dump();
}

// Killed (kill -9) after converting into scratch, then after an upload that was not yet
// checkpointed: the restarts leave exactly one object per segment, and no scratch files.
TEST(RunS3, KilledMidExportThenRestartedLandsEachSegmentOnce) {
  auto data = TempDir::Make("pe-run-s3rver");
  ASSERT_TRUE(data.ok());
  pe::fs::testing::NodeServer server;
  ASSERT_TRUE(server.Start("s3_server.mjs", {"--dir", data->path(), "--access-key", kAccessKey,
                                             "--secret-key", kSecretKey, "--buckets", "lake"}))
      << server.error();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  ExportEnv env;
  std::vector<Seg> segs;
  for (int i = 0; i < 5; ++i) segs.push_back({LlcName(0, i, UtcMs(2026, 11, 2 + i)), 150 + i});
  env.Write(segs);
  const std::string out_uri = "s3://lake/t/events";
  const pe::fs::Props props = {{"endpoint", endpoint},
                               {"region", "us-east-1"},
                               {"accessKey", kAccessKey},
                               {"secretKey", kSecretKey}};
  std::map<std::string, std::string> keys = {{"outputDirURI", out_uri}};
  for (const auto& [k, v] : props) keys["output.fs.prop." + k] = v;
  env.WriteConfig(keys);

  auto r1 = env.RunOnce({"--executors", "1"}, {"PE_CRASH_AT=converted:2"});
  ASSERT_EQ(r1.exit_code, 128 + 9) << r1.out << r1.err;
  EXPECT_FALSE(ListDir(env.scratch()).empty());  // the converted file of the dead subtask
  auto r2 = env.RunOnce({"--executors", "1"}, {"PE_CRASH_AT=uploaded:2"});
  ASSERT_EQ(r2.exit_code, 128 + 9) << r2.out << r2.err;
  // 1 exported by the first run, 1 by the second; the second's 2nd upload is not checkpointed.
  EXPECT_EQ(CheckpointedSegments(env.state()).size(), 2u);
  auto r3 = env.RunOnce({"--executors", "1"});
  ASSERT_EQ(r3.exit_code, 0) << r3.out << r3.err;
  EXPECT_EQ(ParseSummary(r3.out).completed, 3) << r3.out;
  EXPECT_EQ(ListDir(env.scratch()).size(), 0u);

  auto fs = pe::fs::OpenFileSystem(out_uri + "/", props);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  auto listed = (*fs)->List("s3://lake/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> got, want;
  for (const auto& f : *listed) got.push_back(f.uri);
  for (const auto& seg : segs) want.push_back(out_uri + "/" + seg.name + ".parquet");
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  std::vector<std::string> names;
  for (const auto& seg : segs) names.push_back(seg.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(CheckpointedSegments(env.state()), names);
}

}  // namespace
}  // namespace pe::run_testing
