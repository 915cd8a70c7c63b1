// `pinot-export run --once` with externalTable.target = iceberg-rest, end to end against the test
// REST catalog (tests/e2e/iceberg_catalog.mjs: every request and response validated against the
// OpenAPI file; each test ends with its violations empty): format versions 1, 2 and 3; the
// catalog's auth modes (static token, OAuth2 with tokens that expire mid-run, SigV4); the
// catalog's S3 mode with vended credentials only; commit faults (503 storms, a commit applied
// whose reply is lost, a 409 storm beyond commit.retry.num-retries); 1,000 segments in batches.
//
// What the tests know independently of the exporter: each segment's rows and time range
// (run_env.h), the batching rules (docs/iceberg.md "Batching", task/generator.h DecideBatch)
// applied by hand, the table as the catalog holds it (/__admin/table), its rows as icebird reads
// them, its manifests and manifest lists as avsc decodes them, and the catalog's request log.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "fs/fs.h"
#include "fs/node_server.h"
#include "iceberg/test_catalog.h"
#include "run/iceberg_env.h"
#include "run/run_env.h"
#include "state/state.h"

namespace pe::run_testing {
namespace {

using nlohmann::json;

// Fails the test when `secret` shows in the run's stdout or stderr.
void ExpectNoSecret(const RunResult& r, const std::string& secret) {
  EXPECT_EQ(r.out.find(secret), std::string::npos) << "secret in stdout:\n" << r.out;
  EXPECT_EQ(r.err.find(secret), std::string::npos) << "secret in stderr:\n" << r.err;
}

int64_t Rows(const std::vector<Seg>& segs, size_t from, size_t to) {
  int64_t n = 0;
  for (size_t i = from; i < to && i < segs.size(); ++i) n += segs[i].rows;
  return n;
}

// Whether `path` is <dir><segment>-<hex id>.parquet (docs/iceberg.md "Exactly once").
bool IsDataFileOf(const std::string& path, const std::string& dir, const std::string& segment) {
  const std::string prefix = dir + segment + "-", suffix = ".parquet";
  if (path.size() <= prefix.size() + suffix.size() || path.rfind(prefix, 0) != 0 ||
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  const std::string id = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  return id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

int64_t Num(const json& v) {
  return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>();
}

class IcebergE2E : public ::testing::Test {
 protected:
  void SetUp() override { env_ = std::make_unique<ExportEnv>(); }
  void TearDown() override {
    if (started_) {
      EXPECT_EQ(catalog_.Violations(), json::array());
    }
  }

  // Starts the catalog with `args` and creates lake.events (DemoSchema) in `format_version`.
  void StartCatalog(std::vector<std::string> args = {}, int format_version = 2,
                    const json& properties = json::object()) {
    ASSERT_TRUE(catalog_.Start(std::move(args)));
    started_ = true;
    auto created =
        catalog_.CreateTable({"lake"}, "events", DemoSchema(), format_version, properties);
    ASSERT_TRUE(created.is_object()) << created;
  }

  void Configure(int threshold, const std::map<std::string, std::string>& extra = {}) {
    auto keys = IcebergKeys(catalog_.uri(), threshold);
    for (const auto& [k, v] : extra) keys[k] = v;
    env_->WriteConfig(keys);
  }

  json Metadata() { return catalog_.Table("lake", "events")["metadata"]; }
  std::vector<std::pair<int64_t, int64_t>> Batches() { return BatchesOf(Metadata()); }
  void ExpectRowsExactlyOnce(const std::vector<Seg>& segs,
                             const std::vector<std::string>& args = {}) {
    ExpectEachSegmentOnce(segs, ReadTsWithIcebird(Metadata(), env_->root(), args));
  }
  // The catalog's request log entries of `route` ("" = all), in order.
  std::vector<json> Log(const std::string& route = "") {
    std::vector<json> out;
    for (const auto& e : catalog_.Log())
      if (route.empty() || (e["route"].is_string() && e["route"] == route)) out.push_back(e);
    return out;
  }

  iceberg::testing::TestCatalog catalog_;
  std::unique_ptr<ExportEnv> env_;
  bool started_ = false;
};

// ---------------------------------------------------------------------------------------------
// 1. Format versions 1, 2 and 3, each end to end.

class IcebergFormatVersion : public IcebergE2E, public ::testing::WithParamInterface<int> {};

// 7 segments at commitThreshold 3: EMIT 3, COMMIT 3, EMIT 3, COMMIT 3, EMIT 1, COMMIT 1
// (DecideBatch rules 3, 2, 3, 2, 3, 5): three snapshots, each carrying the spec's fields of the
// table's format version, with manifests and lists in that version's schema.
TEST_P(IcebergFormatVersion, ThreeBatchesEndToEnd) {
  const int fv = GetParam();
  StartCatalog({}, fv);
  const auto segs = Segments(7, 10);  // rows 10..16
  env_->Write(segs);
  Configure(3);
  auto r = env_->RunOnce({"--executors", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  const json m = Metadata();
  EXPECT_EQ(m["format-version"], fv);
  const std::vector<size_t> bounds = {0, 3, 6, 7};  // batch k = segments [bounds[k], bounds[k+1])
  const auto& snaps = m["snapshots"];
  ASSERT_EQ(snaps.size(), 3u) << m.dump(1);
  int64_t rows_before = 0;
  for (size_t k = 0; k < 3; ++k) {
    const json& s = snaps[k];
    const json& sum = s["summary"];
    const int64_t rows = Rows(segs, bounds[k], bounds[k + 1]);
    const int64_t count = int64_t(bounds[k + 1] - bounds[k]);
    SCOPED_TRACE("snapshot " + std::to_string(k));
    EXPECT_EQ(sum["operation"], "append");
    EXPECT_EQ(Num(sum["pinot-export.segment-count"]), count);
    EXPECT_EQ(Num(sum["added-records"]), rows);
    EXPECT_EQ(Num(sum["added-data-files"]), count);
    EXPECT_EQ(Num(sum["total-records"]), rows_before + rows);
    EXPECT_EQ(Num(sum["total-data-files"]), int64_t(bounds[k + 1]));
    if (k == 0)
      EXPECT_FALSE(s.contains("parent-snapshot-id")) << s;
    else
      EXPECT_EQ(s["parent-snapshot-id"], snaps[k - 1]["snapshot-id"]);
    // spec "Snapshots": sequence-number from v2 (last-sequence-number + 1); v1 has none.
    if (fv >= 2)
      EXPECT_EQ(s["sequence-number"], int64_t(k + 1));
    else
      EXPECT_FALSE(s.contains("sequence-number")) << s;
    // spec "Row Lineage" (v3): first-row-id = the table's next-row-id before the commit,
    // added-rows = the rows given ids by this snapshot (its new manifest's rows).
    if (fv >= 3) {
      EXPECT_EQ(s["first-row-id"], rows_before);
      EXPECT_EQ(s["added-rows"], rows);
    } else {
      EXPECT_FALSE(s.contains("first-row-id")) << s;
      EXPECT_FALSE(s.contains("added-rows")) << s;
    }
    rows_before += rows;
  }
  EXPECT_EQ(m["current-snapshot-id"], snaps[2]["snapshot-id"]);
  if (fv >= 2)
    EXPECT_EQ(m["last-sequence-number"], 3);
  else
    EXPECT_FALSE(m.contains("last-sequence-number"));
  if (fv >= 3)
    EXPECT_EQ(m["next-row-id"], Rows(segs, 0, 7));
  else
    EXPECT_FALSE(m.contains("next-row-id"));

  // The current manifest list (avsc): the newest batch's manifest first, then the two carried
  // forward; each names the snapshot that added it and that batch's files and rows.
  const json list = DumpAvro(snaps[2]["manifest-list"].get<std::string>());
  EXPECT_EQ(list["meta"]["format-version"], std::to_string(fv));
  EXPECT_EQ(list["meta"]["snapshot-id"], std::to_string(snaps[2]["snapshot-id"].get<int64_t>()));
  ASSERT_EQ(list["records"].size(), 3u) << list.dump(1);
  std::map<std::string, int64_t> files;  // data file path -> record count, over all manifests
  for (size_t i = 0; i < 3; ++i) {
    const size_t k = 2 - i;  // list order: newest first
    const json& mf = list["records"][i];
    const json& s = snaps[k];
    const int64_t rows = Rows(segs, bounds[k], bounds[k + 1]);
    SCOPED_TRACE("manifest of snapshot " + std::to_string(k));
    EXPECT_EQ(mf["added_snapshot_id"], s["snapshot-id"]);
    EXPECT_EQ(mf["added_files_count"], int64_t(bounds[k + 1] - bounds[k]));
    EXPECT_EQ(mf["added_rows_count"], rows);
    EXPECT_EQ(mf["existing_rows_count"], 0);
    EXPECT_EQ(mf["partition_spec_id"], 0);
    if (fv >= 2) {
      EXPECT_EQ(mf["content"], 0);
      EXPECT_EQ(mf["sequence_number"], int64_t(k + 1));
      EXPECT_EQ(mf["min_sequence_number"], int64_t(k + 1));
    } else {
      EXPECT_FALSE(mf.contains("sequence_number")) << mf;
    }
    if (fv >= 3) {
      EXPECT_EQ(mf["first_row_id"], s["first-row-id"]);
    }
    const json man = DumpAvro(mf["manifest_path"].get<std::string>());
    EXPECT_EQ(man["meta"]["format-version"], std::to_string(fv));
    // spec "Manifests": key-value metadata "content" is v2+ ("data" here); v1 has none.
    if (fv >= 2) {
      EXPECT_EQ(man["meta"]["content"], "data");
    } else {
      EXPECT_FALSE(man["meta"].contains("content")) << man["meta"];
    }
    ASSERT_EQ(man["records"].size(), bounds[k + 1] - bounds[k]);
    for (const json& e : man["records"]) {
      EXPECT_EQ(e["status"], 1);  // ADDED
      // v1 entries carry their snapshot id; v2+ may leave it (and the sequence numbers) null
      // for inheritance from the manifest list (spec "Sequence Number Inheritance").
      if (fv == 1 || !e["snapshot_id"].is_null()) {
        EXPECT_EQ(e["snapshot_id"], s["snapshot-id"]);
      }
      if (fv >= 2 && !e["sequence_number"].is_null()) {
        EXPECT_EQ(e["sequence_number"], int64_t(k + 1));
      }
      const json& df = e["data_file"];
      EXPECT_EQ(df["file_format"], "PARQUET");
      files[df["file_path"].get<std::string>()] = df["record_count"].get<int64_t>();
    }
  }
  // Each segment is exactly one data file, <location>/data/<segment>-<id>.parquet, with its rows.
  EXPECT_EQ(files.size(), segs.size());
  const std::string data_dir = m["location"].get<std::string>() + "/data/";
  for (const Seg& seg : segs) {
    int found = 0;
    for (const auto& [path, count] : files) {
      if (!IsDataFileOf(path, data_dir, seg.name)) continue;
      ++found;
      EXPECT_EQ(count, seg.rows) << path;
    }
    EXPECT_EQ(found, 1) << seg.name;
  }
  ExpectRowsExactlyOnce(segs);
  EXPECT_EQ(CheckpointedSegments(env_->state()).size(), segs.size());
}

INSTANTIATE_TEST_SUITE_P(V, IcebergFormatVersion, ::testing::Values(1, 2, 3),
                         [](const auto& info) { return "v" + std::to_string(info.param); });

// ---------------------------------------------------------------------------------------------
// 2. Auth modes.

TEST_F(IcebergE2E, StaticBearerToken) {
  const std::string token = "static-Token/For+Catalog=42";
  StartCatalog({"--auth", "token", "--token", token});
  const auto segs = Segments(3, 20);
  env_->Write(segs);
  Configure(10, {{"catalog.iceberg-rest.token", token}});
  auto r = env_->RunOnce({"--executors", "1", "--log-level", "debug"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectNoSecret(r, token);
  const auto log = Log();
  EXPECT_GE(Log("commit").size(), 1u);
  for (const auto& e : log) EXPECT_EQ(e["status"], 200) << e;  // every request authorized
  ASSERT_EQ(Batches().size(), 1u);
  ExpectRowsExactlyOnce(segs);
}

constexpr char kClientId[] = "pe-client";
constexpr char kClientSecret[] = "oauth/Client+Secret=7";

// Tokens live 1 s; the table's commit.retry.min-wait-ms is 1 s and the first commit is answered
// 503, so the run itself waits past its token's lifetime before its next request: it must fetch
// a new token first (OAuth2Util's refresh before expiry) rather than send the stale one.
TEST_F(IcebergE2E, OAuth2TokenIsRefreshedBeforeItExpires) {
  StartCatalog({"--auth", "oauth2", "--client-id", kClientId, "--client-secret", kClientSecret,
                "--token-ttl", "1"},
               2, {{"commit.retry.min-wait-ms", "1000"}});
  const auto segs = Segments(3, 20);
  env_->Write(segs);
  Configure(10,
            {{"catalog.iceberg-rest.credential", std::string(kClientId) + ":" + kClientSecret}});
  catalog_.Faults({{{"route", "commit"}, {"mode", "status"}, {"status", 503}, {"count", 1}}});
  auto r = env_->RunOnce({"--executors", "1", "--log-level", "debug"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectNoSecret(r, kClientSecret);
  // Nothing else talks to the catalog during a COMMIT (--once commits with no subtask running):
  // after the 503, the next requests are: a token, the reload looking for the batch, the commit.
  const auto log = Log();
  size_t i = 0;
  while (i < log.size() && !(log[i]["route"] == "commit" && log[i]["status"] == 503)) ++i;
  ASSERT_LT(i + 3, log.size()) << json(log).dump(1);
  EXPECT_EQ(log[i + 1]["route"], "token") << json(log).dump(1);
  EXPECT_EQ(log[i + 1]["status"], 200);
  EXPECT_EQ(log[i + 2]["route"], "load");
  EXPECT_EQ(log[i + 2]["status"], 200);
  EXPECT_EQ(log[i + 3]["route"], "commit");
  EXPECT_EQ(log[i + 3]["status"], 200);
  ASSERT_EQ(Batches().size(), 1u);
  ExpectRowsExactlyOnce(segs);
}

// Every issued token is revoked right after each connection's GET /v1/config (fault
// "expire-tokens": the token dies between two requests of one client, at a chosen request, not
// a chosen time): each connection's next request is answered 401, a new token is fetched and
// the request repeated once — for loads and for commits alike.
TEST_F(IcebergE2E, OAuth2TokenRevokedMidRunIsFetchedAgain) {
  StartCatalog({"--auth", "oauth2", "--client-id", kClientId, "--client-secret", kClientSecret});
  const auto segs = Segments(4, 20);
  env_->Write(segs);
  Configure(2, {{"catalog.iceberg-rest.credential", std::string(kClientId) + ":" + kClientSecret}});
  catalog_.Faults({{{"route", "config"}, {"mode", "expire-tokens"}, {"count", 1000}}});
  auto r = env_->RunOnce({"--executors", "1", "--log-level", "debug"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectNoSecret(r, kClientSecret);
  // --executors 1 and commits with nothing running: one connection at a time.
  const auto log = Log();
  int configs = 0, refused = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i]["status"] == 401) ++refused;
    if (log[i]["route"] != "config") continue;
    ++configs;
    ASSERT_LT(i + 3, log.size()) << json(log).dump(1);
    EXPECT_EQ(log[i + 1]["status"], 401) << json(log).dump(1);
    EXPECT_EQ(log[i + 2]["route"], "token");
    EXPECT_EQ(log[i + 2]["status"], 200);
    EXPECT_EQ(log[i + 3]["route"], log[i + 1]["route"]);
    EXPECT_EQ(log[i + 3]["status"], 200);
  }
  // The start-up check, the column check before the first subtask, 4 subtasks, 2 commits.
  EXPECT_EQ(configs, 1 + 1 + 4 + 2);
  EXPECT_EQ(refused, configs);
  auto batches = Batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0], std::make_pair(int64_t(2), Rows(segs, 0, 2)));
  EXPECT_EQ(batches[1], std::make_pair(int64_t(2), Rows(segs, 2, 4)));
  ExpectRowsExactlyOnce(segs);
}

constexpr char kAwsKey[] = "AKIDPINOTEXPORTSIGV4";
constexpr char kAwsSecret[] = "sigv4/Secret+Key=Catalog9";
constexpr char kAwsSession[] = "sigv4-Session/Token+Value=1";

// SigV4-signed catalog requests (Glue / S3 Tables style), the key pair from the config's s3.*
// keys or from the AWS environment variables (with a session token).
class IcebergSigV4 : public IcebergE2E, public ::testing::WithParamInterface<const char*> {};

TEST_P(IcebergSigV4, EveryRequestIsSigned) {
  const bool env = std::string(GetParam()) == "Env";
  std::vector<std::string> args = {"--auth",          "sigv4",       "--sigv4-region", "eu-west-1",
                                   "--sigv4-service", "execute-api", "--access-key",   kAwsKey,
                                   "--secret-key",    kAwsSecret};
  if (env) args.insert(args.end(), {"--session-token", kAwsSession});
  StartCatalog(args);
  const auto segs = Segments(3, 20);
  env_->Write(segs);
  std::map<std::string, std::string> keys = {
      {"catalog.iceberg-rest.rest.signing-region", "eu-west-1"}};
  std::vector<std::string> vars;
  if (env) {
    vars = {std::string("AWS_ACCESS_KEY_ID=") + kAwsKey,
            std::string("AWS_SECRET_ACCESS_KEY=") + kAwsSecret,
            std::string("AWS_SESSION_TOKEN=") + kAwsSession};
  } else {
    keys["catalog.iceberg-rest.s3.access-key-id"] = kAwsKey;
    keys["catalog.iceberg-rest.s3.secret-access-key"] = kAwsSecret;
  }
  Configure(10, keys);
  auto r = env_->RunOnce({"--executors", "1", "--log-level", "debug"}, vars);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectNoSecret(r, kAwsSecret);
  ExpectNoSecret(r, kAwsSession);
  EXPECT_GE(Log("commit").size(), 1u);
  for (const auto& e : Log()) EXPECT_EQ(e["status"], 200) << e;  // every signature verified
  ASSERT_EQ(Batches().size(), 1u);
  ExpectRowsExactlyOnce(segs);
}

INSTANTIATE_TEST_SUITE_P(Auth, IcebergSigV4, ::testing::Values("Config", "Env"),
                         [](const auto& info) { return std::string(info.param); });

// ---------------------------------------------------------------------------------------------
// 3. The catalog's S3 mode: metadata files in S3 (the tests' SigV4-verifying front over s3rver),
// and nothing in the config but the catalog: the exporter writes data files, manifests and
// lists with the credentials the catalog vends (the front requires their session token).

constexpr char kS3Key[] = "AKIDS3VENDED";
constexpr char kS3Secret[] = "vended/S3+Secret=Key";
constexpr char kS3Session[] = "vended-Session/Token+1";

TEST_F(IcebergE2E, S3ModeWithVendedCredentialsOnly) {
  auto s3dir = TempDir::Make("pe-iceberg-s3");
  ASSERT_TRUE(s3dir.ok());
  pe::fs::testing::NodeServer s3;
  ASSERT_TRUE(
      s3.Start("s3_server.mjs", {"--dir", s3dir->path(), "--access-key", kS3Key, "--secret-key",
                                 kS3Secret, "--session-token", kS3Session, "--buckets", "lake"}))
      << s3.error();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(s3.port());
  // Vended credentials expire 1 s after each load: every subtask and commit loads the table
  // and uses what that load vended.
  StartCatalog(
      {"--s3-endpoint", endpoint, "--s3-bucket", "lake", "--s3-access-key", kS3Key,
       "--s3-secret-key", kS3Secret, "--s3-session-token", kS3Session, "--vend-ttl-ms", "1000"},
      2);
  const auto segs = Segments(8, 15);
  env_->Write(segs);
  Configure(3);
  auto r = env_->RunOnce({"--executors", "2", "--log-level", "debug"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectNoSecret(r, kS3Secret);
  ExpectNoSecret(r, kS3Session);

  // Batches 3, 3, 2 (rules 3, 2, 3, 2, 3, 5).
  const json m = Metadata();
  EXPECT_EQ(m["location"], "s3://lake/warehouse/lake/events");
  auto batches = BatchesOf(m);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], std::make_pair(int64_t(3), Rows(segs, 0, 3)));
  EXPECT_EQ(batches[1], std::make_pair(int64_t(3), Rows(segs, 3, 6)));
  EXPECT_EQ(batches[2], std::make_pair(int64_t(2), Rows(segs, 6, 8)));
  // Each of the 8 subtasks and 3 commits loaded the table (fresh vended credentials), besides
  // the start-up check.
  EXPECT_GE(Log("load").size(), 1u + 8u + 3u);

  // The bucket: the catalog's 4 metadata files and version hint, one data file per segment,
  // one manifest and one manifest list per batch, nothing else.
  const pe::fs::Props props = {{"endpoint", endpoint},       {"region", "us-east-1"},
                               {"accessKey", kS3Key},        {"secretKey", kS3Secret},
                               {"sessionToken", kS3Session}, {"pathStyleAccess", "true"}};
  auto bucket = pe::fs::OpenFileSystem("s3://lake/", props);
  ASSERT_TRUE(bucket.ok()) << bucket.status().ToString();
  auto listed = (*bucket)->List("s3://lake/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  const std::string loc = "s3://lake/warehouse/lake/events/";
  std::set<std::string> objects;
  int metadata_files = 0, hints = 0, data = 0, manifests = 0, lists = 0, other = 0;
  for (const auto& f : *listed) {
    objects.insert(f.uri);
    const std::string rel = f.uri.rfind(loc, 0) == 0 ? f.uri.substr(loc.size()) : f.uri;
    if (std::regex_match(rel, std::regex(R"(metadata/0000[0-3]-[0-9a-f-]{36}\.metadata\.json)")))
      ++metadata_files;
    else if (rel == "metadata/version-hint.text")
      ++hints;
    else if (std::regex_match(rel,
                              std::regex(R"(data/events__0__\d__\d{8}T\d{4}Z-[0-9a-f]+\.parquet)")))
      ++data;
    else if (std::regex_match(rel, std::regex(R"(metadata/pe-[0-9a-f]{32}-m0\.avro)")))
      ++manifests;
    else if (std::regex_match(rel, std::regex(R"(metadata/snap-\d+-1-pe-[0-9a-f]{32}\.avro)")))
      ++lists;
    else
      ++other;
  }
  EXPECT_EQ(other, 0) << json(objects).dump(1);
  EXPECT_EQ(metadata_files, 4);
  EXPECT_EQ(hints, 1);
  EXPECT_EQ(data, 8);
  EXPECT_EQ(manifests, 3);
  EXPECT_EQ(lists, 3);

  // What the metadata names is in the bucket: every snapshot's list; the current list's
  // manifests (downloaded and decoded by avsc); their data files, with each segment's rows.
  auto local = TempDir::Make("pe-iceberg-s3-down");
  ASSERT_TRUE(local.ok());
  auto fetch = [&](const std::string& uri) {
    const std::string path = local->path() + "/" + uri.substr(uri.rfind('/') + 1);
    Status d = (*bucket)->Download(uri, path);
    EXPECT_TRUE(d.ok()) << d.ToString();
    return DumpAvro(path);
  };
  for (const auto& s : m["snapshots"]) EXPECT_TRUE(objects.count(s["manifest-list"])) << s;
  const json list = fetch(m["snapshots"][2]["manifest-list"].get<std::string>());
  ASSERT_EQ(list["records"].size(), 3u);
  std::map<std::string, int64_t> files;
  for (const json& mf : list["records"]) {
    EXPECT_TRUE(objects.count(mf["manifest_path"])) << mf;
    const json man = fetch(mf["manifest_path"].get<std::string>());
    EXPECT_EQ(man["records"].size(), size_t(mf["added_files_count"].get<int>())) << man.dump(1);
    for (const json& e : man["records"])
      files[e["data_file"]["file_path"].get<std::string>()] = e["data_file"]["record_count"];
  }
  ASSERT_EQ(files.size(), segs.size());
  for (const Seg& seg : segs) {
    int found = 0;
    for (const auto& [path, rows] : files) {
      if (!IsDataFileOf(path, loc + "data/", seg.name)) continue;
      ++found;
      EXPECT_EQ(rows, seg.rows) << path;
      EXPECT_TRUE(objects.count(path)) << path;
    }
    EXPECT_EQ(found, 1) << seg.name;
  }
  // icebird reads the table through the S3 front.
  ExpectRowsExactlyOnce(segs, {"--s3-endpoint", endpoint, "--access-key", kS3Key, "--secret-key",
                               kS3Secret, "--session-token", kS3Session});
}

// Credentials that expire mid-run. The catalog vends a new temporary key at each load and
// credentials request (sts_tokens.mjs); the S3 front accepts each until its expiry. The front
// expires the key in use early (revoked) at the first data-file PUT and at the first manifest
// PUT: both are answered 400 ExpiredToken, both uploads renew the credentials from the catalog
// (GET .../credentials) and go through; the run succeeds with the rows once.
TEST_F(IcebergE2E, CredentialsThatExpireMidRunAreRefreshed) {
  auto s3dir = TempDir::Make("pe-iceberg-s3");
  ASSERT_TRUE(s3dir.ok());
  pe::fs::testing::NodeServer s3;
  ASSERT_TRUE(s3.Start("s3_server.mjs",
                       {"--dir", s3dir->path(), "--access-key", kS3Key, "--secret-key", kS3Secret,
                        "--buckets", "lake", "--sts-secret", "sts-master/secret"}))
      << s3.error();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(s3.port());
  StartCatalog({"--s3-endpoint", endpoint, "--s3-bucket", "lake", "--s3-access-key", kS3Key,
                "--s3-secret-key", kS3Secret, "--s3-sts-secret", "sts-master/secret"},
               2);
  const auto segs = Segments(4, 15);
  env_->Write(segs);
  Configure(4);
  pe::fs::HttpClient admin;
  auto call = [&](const std::string& method, const std::string& path, const std::string& body) {
    pe::fs::HttpRequest req;
    req.method = method;
    req.url = endpoint + path;
    req.body = body;
    auto r = admin.Send(req);
    EXPECT_TRUE(r.ok() && r->status == 200) << path;
    return r.ok() ? json::parse(r->body, nullptr, false) : json();
  };
  call("POST", "/__admin/faults",
       R"({"faults":[{"mode":"expire","method":"PUT","path":"/data/","count":1},
                     {"mode":"expire","method":"PUT","path":"-m0.avro","count":1}]})");
  auto r = env_->RunOnce({"--executors", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectNoSecret(r, kS3Secret);

  const json sts = call("GET", "/__admin/sts", "");
  EXPECT_EQ(sts["expired"], 2) << sts << call("GET", "/__admin/log", "").dump(1);
  // One key per load (start-up check, 4 subtasks, the commit) and per refresh (2).
  EXPECT_GE(sts["keys"].size(), 2u) << sts;
  EXPECT_EQ(Log("credentials").size(), 2u);
  auto batches = Batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], std::make_pair(int64_t(4), Rows(segs, 0, 4)));
  EXPECT_EQ(CheckpointedSegments(env_->state()).size(), 4u);
  ExpectRowsExactlyOnce(
      segs, {"--s3-endpoint", endpoint, "--access-key", kS3Key, "--secret-key", kS3Secret});
}

// ---------------------------------------------------------------------------------------------
// 4. Commit faults.

// Two 503s (not applied): each is an unknown outcome, so the table is reloaded and searched for
// the batch before the next attempt; the third attempt commits; the batch is appended once.
TEST_F(IcebergE2E, ServiceUnavailableStormOnCommit) {
  StartCatalog();
  const auto segs = Segments(4, 20);
  env_->Write(segs);
  Configure(10);
  catalog_.Faults({{{"route", "commit"}, {"mode", "status"}, {"status", 503}, {"count", 2}}});
  auto r = env_->RunOnce({"--executors", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("COMMIT batch"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("found already committed"), std::string::npos) << r.out;
  const auto log = Log();
  std::vector<int> commits;
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i]["route"] != "commit") continue;
    commits.push_back(log[i]["status"].get<int>());
    if (log[i]["status"] == 503) {
      ASSERT_LT(i + 1, log.size());
      EXPECT_EQ(log[i + 1]["route"], "load") << "no reload after the 503";
    }
  }
  EXPECT_EQ(commits, (std::vector<int>{503, 503, 200}));
  auto batches = Batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], std::make_pair(int64_t(4), Rows(segs, 0, 4)));
  EXPECT_EQ(Metadata()["snapshots"].size(), 1u);
  EXPECT_EQ(CheckpointedSegments(env_->state()).size(), 4u);
  ExpectRowsExactlyOnce(segs);
}

// The catalog applies the commit, then the reply is lost: answered 503 ("apply-then-fail") or
// the connection dropped ("drop"). The reload finds the batch in the table: "found", no second
// commit, the rows once.
class IcebergLostReply : public IcebergE2E, public ::testing::WithParamInterface<const char*> {};

TEST_P(IcebergLostReply, BatchIsFoundNotAppendedAgain) {
  StartCatalog();
  const auto segs = Segments(4, 20);
  env_->Write(segs);
  Configure(10);
  json fault = {{"route", "commit"}, {"mode", GetParam()}, {"count", 1}};
  if (std::string(GetParam()) == "apply-then-fail") fault["status"] = 503;
  catalog_.Faults(json::array({fault}));
  auto r = env_->RunOnce({"--executors", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(found already committed)"), std::string::npos) << r.out;
  const auto commits = Log("commit");
  ASSERT_EQ(commits.size(), 1u) << json(commits).dump(1);
  EXPECT_EQ(commits[0]["fault"], GetParam());
  auto batches = Batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], std::make_pair(int64_t(4), Rows(segs, 0, 4)));
  EXPECT_EQ(Metadata()["snapshots"].size(), 1u);
  EXPECT_EQ(CheckpointedSegments(env_->state()).size(), 4u);
  ExpectRowsExactlyOnce(segs);
}

INSTANTIATE_TEST_SUITE_P(Faults, IcebergLostReply, ::testing::Values("apply-then-fail", "drop"),
                         [](const auto& info) {
                           return std::string(info.param) == "drop" ? std::string("Drop")
                                                                    : std::string("ApplyThenFail");
                         });

// commit.retry.num-retries = 1 and a concurrent writer wins twice: the second 409 exhausts the
// retries, `run --once` exits 1 with the batch pending (no segment completed); the next run
// (no more conflicts) commits that same batch once.
TEST_F(IcebergE2E, ConflictStormBeyondRetriesLeavesTheBatchPending) {
  StartCatalog({}, 2, {{"commit.retry.num-retries", "1"}});
  const auto segs = Segments(4, 20);
  env_->Write(segs);
  Configure(10);
  catalog_.Faults({{{"route", "commit"}, {"mode", "concurrent-append"}, {"count", 2}}});
  auto r1 = env_->RunOnce({"--executors", "2"});
  EXPECT_EQ(r1.exit_code, 1) << r1.out << r1.err;
  EXPECT_NE(r1.err.find("CommitFailedException"), std::string::npos) << r1.err;
  std::vector<int> commits;
  for (const auto& e : Log("commit")) commits.push_back(e["status"].get<int>());
  EXPECT_EQ(commits, (std::vector<int>{409, 409}));
  EXPECT_EQ(Metadata()["snapshots"].size(), 2u);  // the other writer's
  EXPECT_TRUE(Batches().empty());
  EXPECT_TRUE(CheckpointedSegments(env_->state()).empty());
  std::string pending_id;
  {
    auto store = pe::state::OpenSqliteStore(env_->state());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto pending = (*store)->PendingBatches(kTable);
    ASSERT_TRUE(pending.ok()) << pending.status().ToString();
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ(pending->front().segments.size(), 4u);
    pending_id = pending->front().id;
  }

  catalog_.Admin("DELETE", "/__admin/faults");
  auto r2 = env_->RunOnce({"--executors", "2"});
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_NE(r2.out.find("COMMIT batch " + pending_id), std::string::npos) << r2.out;
  const json m = Metadata();
  EXPECT_EQ(m["snapshots"].size(), 3u);
  auto batches = BatchesOf(m);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], std::make_pair(int64_t(4), Rows(segs, 0, 4)));
  EXPECT_EQ(m["snapshots"][2]["summary"]["pinot-export.batch-id"], pending_id);
  EXPECT_EQ(CheckpointedSegments(env_->state()).size(), 4u);
  ExpectRowsExactlyOnce(segs);
}

// ---------------------------------------------------------------------------------------------
// 5. Batching at scale (label "slow": tests/CMakeLists.txt PE_SLOW_TESTS).

// Segments, state, scratch and warehouse on tmpfs when there is one: `sample` and SQLite fsync
// every file, which is most of the time of 1,000 small segments on a disk.
class IcebergScale : public IcebergE2E {
 protected:
  void SetUp() override {
    if (const char* t = std::getenv("TMPDIR")) saved_tmpdir_ = t;
    struct stat st {};
    if (::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) ::setenv("TMPDIR", "/dev/shm", 1);
    IcebergE2E::SetUp();
  }
  void TearDown() override {
    IcebergE2E::TearDown();
    if (saved_tmpdir_)
      ::setenv("TMPDIR", saved_tmpdir_->c_str(), 1);
    else
      ::unsetenv("TMPDIR");
  }
  std::optional<std::string> saved_tmpdir_;
};

// 1,000 segments (5 to 7 rows, an hour apart) at commitThreshold 250 with 2 executors: EMIT 250,
// COMMIT 250 (rules 3, 2) four times, then IDLE: exactly 4 snapshots of the 250 oldest segments
// left each, whose added-records are those segments' rows.
TEST_F(IcebergScale, ThousandSegmentsInFourSnapshotsOf250) {
  StartCatalog();
  std::vector<Seg> segs;
  const int64_t base = UtcMs(2026, 1, 1);
  for (int i = 0; i < 1000; ++i)
    segs.push_back({LlcName(i / 100, i, base + int64_t(i) * kHour), 5 + i % 3});
  env_->Write(segs);
  Configure(250);
  auto r = env_->RunOnce({"--executors", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 4000) << r.err.substr(0, 4000);
  const json m = Metadata();
  EXPECT_EQ(m["snapshots"].size(), 4u);
  auto batches = BatchesOf(m);
  ASSERT_EQ(batches.size(), 4u);
  int64_t total = 0;
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(batches[k], std::make_pair(int64_t(250), Rows(segs, 250 * k, 250 * (k + 1))))
        << "batch " << k;
    total += batches[k].second;
  }
  EXPECT_EQ(total, Rows(segs, 0, 1000));
  EXPECT_EQ(Num(m["snapshots"][3]["summary"]["total-records"]), total);
  EXPECT_EQ(Num(m["snapshots"][3]["summary"]["total-data-files"]), 1000);
  EXPECT_EQ(CheckpointedSegments(env_->state()).size(), 1000u);
  ExpectRowsExactlyOnce(segs);
}

}  // namespace
}  // namespace pe::run_testing
