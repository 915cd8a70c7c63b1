// S3 client against a real s3rver behind the SigV4-verifying, fault-injecting front
// (tests/e2e/s3_server.mjs).
#include "fs/s3.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "common/file.h"
#include "fs/fs.h"
#include "fs/http.h"
#include "node_server.h"
#include "testing/testing.h"

namespace pe::fs {
namespace {

constexpr char kAccessKey[] = "AKIDPINOTEXPORTTEST";
constexpr char kSecretKey[] = "s3cr3t/Key+With=Symbols";

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

class S3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new TempDir(std::move(TempDir::Make("pe-s3rver").value()));
    server_ = new testing::NodeServer();
    if (!server_->Start("s3_server.mjs", {"--dir", data_dir_->path(), "--access-key", kAccessKey,
                                          "--secret-key", kSecretKey, "--buckets", "bucket"})) {
      start_error_ = server_->error();
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    delete data_dir_;
    server_ = nullptr;
    data_dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(start_error_.empty()) << start_error_;
    tmp_ = std::move(TempDir::Make("pe-s3-test").value());
    Admin("DELETE", "/__admin/faults", "");
  }

  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  S3Options Options() const {
    S3Options o;
    o.endpoint = Endpoint();
    o.path_style = true;
    o.credentials = {kAccessKey, kSecretKey, ""};
    o.credentials_source = "test";
    o.min_object_size_for_multipart = 100 << 10;
    o.multipart_part_size = 64 << 10;
    o.retry.max_attempts = 4;
    o.retry.base_delay_ms = 5;
    o.retry.max_delay_ms = 50;
    o.http.stall_timeout_s = 2;
    return o;
  }
  std::unique_ptr<FileSystem> Fs(S3Options o) { return std::move(NewS3FileSystem(o).value()); }
  std::unique_ptr<FileSystem> Fs() { return Fs(Options()); }

  std::string LocalFile(const std::string& name, const std::string& bytes) {
    std::string p = tmp_.path() + "/" + name;
    EXPECT_TRUE(WriteFileAtomic(p, bytes).ok());
    return p;
  }

  nlohmann::json Admin(const std::string& method, const std::string& path,
                       const std::string& body) {
    HttpClient c;
    HttpRequest r;
    r.method = method;
    r.url = Endpoint() + path;
    r.body = body;
    auto resp = c.Send(r);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    if (!resp.ok()) return {};
    return nlohmann::json::parse(resp->body, nullptr, false);
  }
  void Fault(nlohmann::json f) {
    Admin("POST", "/__admin/faults", nlohmann::json{{"faults", {f}}}.dump());
  }
  // Requests in the front's log since `from`, optionally only those with a query parameter.
  int CountLog(size_t from, const std::string& method, const std::string& query_param = "") {
    auto log = Admin("GET", "/__admin/log", "");
    int n = 0;
    for (size_t i = from; i < log.size(); ++i) {
      if (log[i]["method"] == method &&
          (query_param.empty() || log[i]["query"].contains(query_param))) {
        ++n;
      }
    }
    return n;
  }
  size_t LogSize() { return Admin("GET", "/__admin/log", "").size(); }

  static TempDir* data_dir_;
  static testing::NodeServer* server_;
  static std::string start_error_;
  TempDir tmp_;
};

TempDir* S3Test::data_dir_ = nullptr;
testing::NodeServer* S3Test::server_ = nullptr;
std::string S3Test::start_error_;

TEST_F(S3Test, SmallUploadDownloadRoundTrip) {
  auto fs = Fs();
  std::string bytes = RandomBytes(1000, 1);
  ASSERT_TRUE(fs->Upload(LocalFile("a.bin", bytes), "s3://bucket/small/a.bin").ok());
  EXPECT_TRUE(fs->Exists("s3://bucket/small/a.bin").value());
  EXPECT_TRUE(fs->Exists("s3://bucket/small").value());  // "directory" (Pinot semantics)
  EXPECT_FALSE(fs->Exists("s3://bucket/small/zzz").value());
  EXPECT_EQ(fs->Size("s3://bucket/small/a.bin").value(), 1000u);
  std::string out = tmp_.path() + "/out.bin";
  ASSERT_TRUE(fs->Download("s3://bucket/small/a.bin", out).ok());
  EXPECT_EQ(Slurp(out), bytes);
  EXPECT_EQ(fs->ReadRange("s3://bucket/small/a.bin", 10, 20).value(), bytes.substr(10, 20));
  EXPECT_EQ(fs->ReadRange("s3://bucket/small/a.bin", 990, 100).value(), bytes.substr(990));
  auto in = fs->OpenRead("s3://bucket/small/a.bin");
  ASSERT_TRUE(in.ok());
  std::string streamed(2000, '\0');
  size_t got = 0;
  while (true) {
    auto n = (*in)->Read(streamed.data() + got, 333);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    got += *n;
  }
  EXPECT_EQ(streamed.substr(0, got), bytes);
}

TEST_F(S3Test, EmptyObjectAndSpecialKeyNames) {
  auto fs = Fs();
  ASSERT_TRUE(fs->Upload(LocalFile("e", ""), "s3://bucket/special/empty").ok());
  EXPECT_EQ(fs->Size("s3://bucket/special/empty").value(), 0u);
  const std::string key = "s3://bucket/special/a b&c<d>'e\"+=,~ü.parquet";
  ASSERT_TRUE(fs->Upload(LocalFile("s", "xyz"), key).ok());
  EXPECT_EQ(fs->ReadRange(key, 0, 3).value(), "xyz");
  auto list = fs->List("s3://bucket/special/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].uri, key);  // entity-unescaped from the XML listing
  EXPECT_EQ((*list)[0].size, 3u);
  EXPECT_EQ((*list)[1].uri, "s3://bucket/special/empty");
}

// Keys are opaque strings: "x/../y" and "x/./y" are keys of their own, sent as they are (a client
// that normalised them would sign one path and send another, or reach another object).
TEST_F(S3Test, DotSegmentsInKeysAreSentAsIs) {
  auto fs = Fs();
  for (const std::string key : {"s3://bucket/dots/x/../y.bin", "s3://bucket/dots/x/./z.bin"}) {
    Status st = fs->Upload(LocalFile("d", "dotted"), key);
    ASSERT_TRUE(st.ok()) << key << ": " << st.ToString();
    auto got = fs->ReadRange(key, 0, 6);
    ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
    EXPECT_EQ(*got, "dotted");
  }
}

TEST_F(S3Test, Overwrite) {
  auto fs = Fs();
  ASSERT_TRUE(fs->Upload(LocalFile("v1", "version one"), "s3://bucket/ow/x").ok());
  ASSERT_TRUE(fs->Upload(LocalFile("v2", "v2"), "s3://bucket/ow/x").ok());
  EXPECT_EQ(fs->ReadRange("s3://bucket/ow/x", 0, 100).value(), "v2");
  EXPECT_EQ(fs->Size("s3://bucket/ow/x").value(), 2u);
}

TEST_F(S3Test, MultipartUploadWithSmallParts) {
  auto fs = Fs();
  size_t from = LogSize();
  auto before = Admin("GET", "/__admin/uploads", "");
  std::string bytes = RandomBytes((300 << 10) + 123, 2);  // 5 parts of 64 KiB
  ASSERT_TRUE(fs->Upload(LocalFile("big", bytes), "s3://bucket/mp/big.parquet").ok());
  EXPECT_EQ(CountLog(from, "PUT", "partNumber"), 5);
  EXPECT_EQ(CountLog(from, "POST", "uploads"), 1);
  auto after = Admin("GET", "/__admin/uploads", "");
  EXPECT_TRUE(after["open"].empty());
  EXPECT_EQ(after["completed"].get<int>(), before["completed"].get<int>() + 1);
  std::string out = tmp_.path() + "/big.out";
  ASSERT_TRUE(fs->Download("s3://bucket/mp/big.parquet", out).ok());
  EXPECT_EQ(Slurp(out), bytes);
}

// Pinot's property names and limits (multiPartUploadPartSize >= 5MB) through OpenFileSystem.
TEST_F(S3Test, MultipartViaPinotProps) {
  Props props{{"accessKey", kAccessKey},
              {"secretKey", kSecretKey},
              {"region", "us-east-1"},
              {"endpoint", Endpoint()},
              {"minObjectSizeForMultiPartUpload", "6MB"},
              {"multiPartUploadPartSize", "5MB"}};
  auto fs = OpenFileSystem("s3://bucket/x", props, "org.apache.pinot.plugin.filesystem.S3PinotFS");
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  size_t from = LogSize();
  std::string bytes = RandomBytes((11 << 20) + 7, 3);
  ASSERT_TRUE((*fs)->Upload(LocalFile("p", bytes), "s3://bucket/pinot/seg.parquet").ok());
  EXPECT_EQ(CountLog(from, "PUT", "partNumber"), 3);
  std::string out = tmp_.path() + "/p.out";
  ASSERT_TRUE((*fs)->Download("s3://bucket/pinot/seg.parquet", out).ok());
  EXPECT_EQ(Slurp(out), bytes);

  props["multiPartUploadPartSize"] = "1MB";
  auto bad = OpenFileSystem("s3://bucket/x", props, "");
  EXPECT_TRUE(bad.status().IsInvalidArgument()) << bad.status().ToString();
}

TEST_F(S3Test, ListWithPrefixAndPagination) {
  S3Options o = Options();
  o.list_page_size = 3;
  auto fs = Fs(o);
  std::vector<std::string> want;
  for (int i = 0; i < 8; ++i) {
    std::string uri = "s3://bucket/list/dir/f" + std::to_string(i) + ".parquet";
    ASSERT_TRUE(fs->Upload(LocalFile("l", std::string(static_cast<size_t>(i), 'x')), uri).ok());
    want.push_back(uri);
  }
  ASSERT_TRUE(fs->Upload(LocalFile("o", "o"), "s3://bucket/list/dir2/other").ok());
  ASSERT_TRUE(fs->Upload(LocalFile("o", "o"), "s3://bucket/list/zz").ok());
  size_t from = LogSize();
  auto list = fs->List("s3://bucket/list/dir/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  std::vector<std::string> got;
  for (const auto& f : *list) got.push_back(f.uri);
  EXPECT_EQ(got, want);
  EXPECT_EQ((*list)[5].size, 5u);
  // LastModified (whole seconds) as epoch ms, within the test's run.
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (const auto& f : *list) {
    EXPECT_LE(f.mtime_ms, now_ms) << f.uri;
    EXPECT_GT(f.mtime_ms, now_ms - 60'000) << f.uri;
  }
  EXPECT_EQ(CountLog(from, "GET", "continuation-token"), 2);       // 3 pages
  EXPECT_EQ(fs->List("s3://bucket/list/dir").value().size(), 9u);  // plain key prefix
  EXPECT_TRUE(fs->List("s3://bucket/list/nothing/").value().empty());
}

TEST_F(S3Test, Delete) {
  auto fs = Fs();
  ASSERT_TRUE(fs->Upload(LocalFile("d", "bye"), "s3://bucket/del/x").ok());
  ASSERT_TRUE(fs->Delete("s3://bucket/del/x").ok());
  EXPECT_FALSE(fs->Exists("s3://bucket/del/x").value());
  EXPECT_TRUE(fs->Size("s3://bucket/del/x").status().IsNotFound());
  EXPECT_TRUE(fs->Delete("s3://bucket/del/x").ok());  // idempotent
  std::string out = tmp_.path() + "/sub/missing";
  std::filesystem::create_directories(tmp_.path() + "/sub");
  EXPECT_TRUE(fs->Download("s3://bucket/del/x", out).IsNotFound());
  EXPECT_TRUE(std::filesystem::is_empty(tmp_.path() + "/sub"));  // no file, no temp file
}

TEST_F(S3Test, WrongSecretKeyFailsAtOnceWithoutLeakingIt) {
  S3Options o = Options();
  const std::string wrong = "wrong-secret-DO-NOT-PRINT";
  o.credentials.secret_key = wrong;
  o.credentials.session_token = "";
  auto fs = Fs(o);
  size_t from = LogSize();
  Status s = fs->Upload(LocalFile("w", "data"), "s3://bucket/auth/x");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("SignatureDoesNotMatch"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("s3://bucket/auth/x"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find(wrong), std::string::npos);
  EXPECT_EQ(s.message().find(kSecretKey), std::string::npos);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  EXPECT_EQ(CountLog(from, "PUT"), 1);  // no retries on auth errors
  EXPECT_FALSE(Fs()->Exists("s3://bucket/auth/x").value());

  o = Options();
  o.credentials.access_key = "AKIDUNKNOWN";
  Status s2 = Fs(o)->Size("s3://bucket/auth/x").status();
  EXPECT_TRUE(s2.IsInvalidArgument()) << s2.ToString();  // HEAD 403 has no body
}

TEST_F(S3Test, WrongSecretKeyErrorBodyFromList) {
  S3Options o = Options();
  o.credentials.secret_key = "another-wrong-secret";
  auto r = Fs(o)->List("s3://bucket/");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("SignatureDoesNotMatch"), std::string::npos);
  EXPECT_EQ(r.status().message().find("another-wrong-secret"), std::string::npos);
}

TEST_F(S3Test, RetriesTransientFaultsWithinBudget) {
  auto fs = Fs();
  Fault(
      {{"mode", "status"}, {"status", 503}, {"code", "SlowDown"}, {"count", 2}, {"method", "PUT"}});
  ASSERT_TRUE(fs->Upload(LocalFile("r", "retry me"), "s3://bucket/retry/a").ok());
  Fault({{"mode", "status"},
         {"status", 500},
         {"code", "InternalError"},
         {"count", 1},
         {"method", "GET"}});
  Fault({{"mode", "reset"}, {"count", 1}, {"method", "GET"}});
  EXPECT_EQ(fs->ReadRange("s3://bucket/retry/a", 0, 100).value(), "retry me");
  Fault({{"mode", "status"},
         {"status", 429},
         {"code", "TooManyRequests"},
         {"count", 1},
         {"method", "HEAD"}});
  EXPECT_EQ(fs->Size("s3://bucket/retry/a").value(), 8u);
  // Multipart: a failing part and a failing completion are retried.
  Fault({{"mode", "status"},
         {"status", 502},
         {"count", 2},
         {"method", "PUT"},
         {"query", "partNumber"}});
  Fault({{"mode", "reset"}, {"count", 1}, {"method", "POST"}, {"query", "uploadId"}});
  std::string bytes = RandomBytes(200 << 10, 4);
  Status s = fs->Upload(LocalFile("m", bytes), "s3://bucket/retry/mp");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(fs->ReadRange("s3://bucket/retry/mp", 0, bytes.size()).value(), bytes);
}

TEST_F(S3Test, DownloadResumesAfterTruncatedBody) {
  auto fs = Fs();
  std::string bytes = RandomBytes(500 << 10, 5);
  ASSERT_TRUE(fs->Upload(LocalFile("t", bytes), "s3://bucket/trunc/x").ok());
  size_t from = LogSize();
  Fault({{"mode", "truncate"}, {"count", 1}, {"method", "GET"}});
  std::string out = tmp_.path() + "/t.out";
  Status s = fs->Download("s3://bucket/trunc/x", out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Slurp(out), bytes);
  EXPECT_EQ(CountLog(from, "GET"), 2);
}

TEST_F(S3Test, DownloadPastRetryBudgetLeavesNothing) {
  auto fs = Fs();
  ASSERT_TRUE(fs->Upload(LocalFile("t", RandomBytes(100 << 10, 9)), "s3://bucket/dlfail/x").ok());
  Fault({{"mode", "truncate"}, {"count", 10}, {"method", "GET"}});
  std::filesystem::create_directories(tmp_.path() + "/dl");
  Status s = fs->Download("s3://bucket/dlfail/x", tmp_.path() + "/dl/x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("gave up after 4 attempts"), std::string::npos) << s.message();
  EXPECT_TRUE(std::filesystem::is_empty(tmp_.path() + "/dl"));
}

TEST_F(S3Test, StalledRequestTimesOutAndRetries) {
  auto fs = Fs();
  ASSERT_TRUE(fs->Upload(LocalFile("s", "slow"), "s3://bucket/stall/x").ok());
  Fault({{"mode", "stall"}, {"ms", 4000}, {"count", 1}, {"method", "GET"}});
  EXPECT_EQ(fs->ReadRange("s3://bucket/stall/x", 0, 4).value(), "slow");
}

TEST_F(S3Test, PastRetryBudgetFailsCleanly) {
  auto fs = Fs();
  Fault({{"mode", "status"},
         {"status", 503},
         {"code", "SlowDown"},
         {"count", 10},
         {"method", "PUT"}});
  Status s = fs->Upload(LocalFile("f", "nope"), "s3://bucket/budget/small");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("gave up after 4 attempts"), std::string::npos) << s.message();
  Admin("DELETE", "/__admin/faults", "");
  EXPECT_FALSE(fs->Exists("s3://bucket/budget/small").value());
}

TEST_F(S3Test, MultipartPastRetryBudgetAbortsUpload) {
  S3Options o = Options();
  o.multipart_parallelism = 1;  // sequential: part 1 exhausts the shared fault budget
  auto fs = Fs(o);
  auto before = Admin("GET", "/__admin/uploads", "");
  // Every UploadPart attempt fails: the upload gives up on part 1 and must abort.
  Fault({{"mode", "status"},
         {"status", 500},
         {"count", 10},
         {"method", "PUT"},
         {"query", "partNumber"}});
  std::string bytes = RandomBytes(300 << 10, 6);
  Status s = fs->Upload(LocalFile("mpf", bytes), "s3://bucket/budget/mp");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("UploadPart 1"), std::string::npos) << s.message();
  Admin("DELETE", "/__admin/faults", "");
  auto after = Admin("GET", "/__admin/uploads", "");
  EXPECT_TRUE(after["open"].empty()) << after.dump();
  EXPECT_EQ(after["aborted"].get<int>(), before["aborted"].get<int>() + 1);
  EXPECT_FALSE(fs->Exists("s3://bucket/budget/mp").value());

  // Completion failing past the budget also aborts.
  Fault({{"mode", "status"},
         {"status", 503},
         {"count", 10},
         {"method", "POST"},
         {"query", "uploadId"}});
  s = fs->Upload(LocalFile("mpf", bytes), "s3://bucket/budget/mp2");
  ASSERT_FALSE(s.ok());
  Admin("DELETE", "/__admin/faults", "");
  after = Admin("GET", "/__admin/uploads", "");
  EXPECT_TRUE(after["open"].empty()) << after.dump();
  EXPECT_EQ(after["aborted"].get<int>(), before["aborted"].get<int>() + 2);
  EXPECT_FALSE(fs->Exists("s3://bucket/budget/mp2").value());
}

TEST_F(S3Test, VirtualHostAddressing) {
  S3Options o = Options();
  o.endpoint = "http://localhost:" + std::to_string(server_->port());
  o.path_style = false;
  auto fs = Fs(o);
  size_t from = LogSize();
  ASSERT_TRUE(fs->Upload(LocalFile("v", "vhost"), "s3://bucket/vh/x").ok());
  EXPECT_EQ(fs->ReadRange("s3://bucket/vh/x", 0, 5).value(), "vhost");
  auto log = Admin("GET", "/__admin/log", "");
  ASSERT_GT(log.size(), from);
  EXPECT_EQ(log[from]["path"], "/vh/x");  // bucket in the Host header, not the path
  EXPECT_EQ(fs->List("s3://bucket/vh/").value().size(), 1u);
}

TEST_F(S3Test, SessionTokenIsSigned) {
  TempDir dir = std::move(TempDir::Make("pe-s3rver-tok").value());
  testing::NodeServer srv;
  ASSERT_TRUE(srv.Start("s3_server.mjs", {"--dir", dir.path(), "--access-key", "ASIATEMP",
                                          "--secret-key", "tmpsecret", "--session-token",
                                          "TOKEN/with+chars==", "--region", "eu-west-1"}))
      << srv.error();
  Props props{{"accessKey", "ASIATEMP"},
              {"secretKey", "tmpsecret"},
              {"sessionToken", "TOKEN/with+chars=="},
              {"region", "eu-west-1"},
              {"endpoint", "http://127.0.0.1:" + std::to_string(srv.port())}};
  auto fs = OpenFileSystem("s3://bucket/", props);
  ASSERT_TRUE(fs.ok());
  ASSERT_TRUE((*fs)->Upload(LocalFile("tok", "t"), "s3://bucket/t").ok());
  props["sessionToken"] = "other";
  Status s =
      (*OpenFileSystem("s3://bucket/", props))->Upload(LocalFile("tok", "t"), "s3://bucket/t");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().find("other"), std::string::npos) << s.message();
  // A wrong region is corrected from x-amz-bucket-region (Pinot crossRegionAccessEnabled) ...
  props["sessionToken"] = "TOKEN/with+chars==";
  props["region"] = "us-west-2";
  s = (*OpenFileSystem("s3://bucket/", props))->Upload(LocalFile("tok", "t"), "s3://bucket/t");
  EXPECT_TRUE(s.ok()) << s.ToString();
  // ... unless disabled.
  props["crossRegionAccessEnabled"] = "false";
  s = (*OpenFileSystem("s3://bucket/", props))->Upload(LocalFile("tok", "t"), "s3://bucket/t");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("AuthorizationHeaderMalformed"), std::string::npos) << s.message();
}

// One CURL handle per client: consecutive requests reuse one keep-alive connection.
TEST_F(S3Test, ReusesConnection) {
  auto fs = Fs();
  ASSERT_TRUE(fs->Upload(LocalFile("c", "conn"), "s3://bucket/conn/x").ok());
  int before = Admin("GET", "/__admin/stats", "")["connections"].get<int>();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(fs->Size("s3://bucket/conn/x").value(), 4u);
    ASSERT_EQ(fs->ReadRange("s3://bucket/conn/x", 0, 4).value(), "conn");
  }
  int after = Admin("GET", "/__admin/stats", "")["connections"].get<int>();
  EXPECT_EQ(after - before, 1);  // only this admin request's own: the fs kept its connection
}

// Parts go up concurrently: with every UploadPart held 300 ms by the front, the front sees
// exactly `multipart_parallelism` of them in flight at once.
TEST_F(S3Test, MultipartPartsUploadInParallel) {
  for (int parallelism : {4, 1}) {
    S3Options o = Options();
    o.multipart_parallelism = parallelism;
    auto fs = Fs(o);
    Admin("DELETE", "/__admin/concurrency", "");
    Fault(
        {{"mode", "delay"}, {"ms", 300}, {"count", 8}, {"method", "PUT"}, {"query", "partNumber"}});
    std::string bytes = RandomBytes((8 << 16) - 100, 20 + parallelism);  // 8 parts of 64 KiB
    std::string uri = "s3://bucket/par/x" + std::to_string(parallelism);
    auto t0 = std::chrono::steady_clock::now();
    Status s = fs->Upload(LocalFile("par", bytes), uri);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(Admin("GET", "/__admin/concurrency", "")["max"].get<int>(), parallelism);
    if (parallelism == 4) {
      EXPECT_LT(ms, 8 * 300);  // would be >= 2.4 s sequentially
    }
    EXPECT_EQ(fs->ReadRange(uri, 0, bytes.size()).value(), bytes);
  }
  // The Pinot-style property, validated.
  Props props{{"accessKey", kAccessKey}, {"secretKey", kSecretKey}, {"endpoint", Endpoint()}};
  props["multiPartUploadParallelism"] = "0";
  EXPECT_TRUE(OpenFileSystem("s3://bucket/", props).status().IsInvalidArgument());
  props["multiPartUploadParallelism"] = "many";
  EXPECT_TRUE(OpenFileSystem("s3://bucket/", props).status().IsInvalidArgument());
  props["multiPartUploadParallelism"] = "8";
  EXPECT_EQ(S3OptionsFromProps(props, {{"HOME", "/nonexistent"}})->multipart_parallelism, 8);
  EXPECT_EQ(S3OptionsFromProps({{"accessKey", "a"}, {"secretKey", "b"}}, {})->multipart_parallelism,
            4);
}

// Transient faults on individual parts are retried per part while the others proceed.
TEST_F(S3Test, ParallelPartsRetryIndividually) {
  auto fs = Fs();
  size_t from = LogSize();
  Fault({{"mode", "status"},
         {"status", 503},
         {"code", "SlowDown"},
         {"count", 2},
         {"method", "PUT"},
         {"partNumber", 2}});
  Fault({{"mode", "reset"}, {"count", 1}, {"method", "PUT"}, {"partNumber", 6}});
  std::string bytes = RandomBytes((8 << 16) - 7, 30);
  Status s = fs->Upload(LocalFile("pr", bytes), "s3://bucket/par/retry");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(CountLog(from, "PUT", "partNumber"), 8 + 3);
  EXPECT_EQ(fs->ReadRange("s3://bucket/par/retry", 0, bytes.size()).value(), bytes);
}

// One part failing for good fails the whole upload: it is aborted after the in-flight parts
// finished, so neither the object nor an open upload remains.
TEST_F(S3Test, ParallelPartFailureAbortsEverything) {
  auto fs = Fs();
  auto before = Admin("GET", "/__admin/uploads", "");
  size_t from = LogSize();
  // Part 3 always fails (fast); the other first parts are held 100 ms so they are in flight.
  Fault({{"mode", "status"}, {"status", 500}, {"count", 10}, {"method", "PUT"}, {"partNumber", 3}});
  Fault({{"mode", "delay"}, {"ms", 100}, {"count", 4}, {"method", "PUT"}, {"query", "partNumber"}});
  std::string bytes = RandomBytes(12 << 16, 31);  // 12 parts
  Status s = fs->Upload(LocalFile("pf", bytes), "s3://bucket/par/fail");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("UploadPart 3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("gave up after 4 attempts"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  Admin("DELETE", "/__admin/faults", "");
  auto after = Admin("GET", "/__admin/uploads", "");
  EXPECT_TRUE(after["open"].empty()) << after.dump();
  EXPECT_EQ(after["aborted"].get<int>(), before["aborted"].get<int>() + 1);
  EXPECT_EQ(after["completed"].get<int>(), before["completed"].get<int>());
  EXPECT_FALSE(fs->Exists("s3://bucket/par/fail").value());
  // The abort is the last request of the upload: no part arrived after it, and the failure
  // stopped new parts from starting (fewer than all 12 were sent).
  auto log = Admin("GET", "/__admin/log", "");
  int abort_at = -1, last_part = -1, parts = 0;
  for (size_t i = from; i < log.size(); ++i) {
    if (log[i]["method"] == "DELETE" && log[i]["query"].contains("uploadId")) {
      abort_at = static_cast<int>(i);
    }
    if (log[i]["method"] == "PUT" && log[i]["query"].contains("partNumber")) {
      last_part = static_cast<int>(i);
      ++parts;
    }
  }
  EXPECT_GT(abort_at, last_part);
  EXPECT_EQ(Admin("GET", "/__admin/concurrency", "")["current"].get<int>(), 0);
  EXPECT_LT(parts - 4, 11);  // 4 attempts of part 3, and not all 11 other parts
}

// --- Lost replies: the server acted, the reply never arrived ("drop" fault of the front). ---

// A CreateMultipartUpload applied by the server but whose reply was lost is retried; the upload
// the first attempt started must not be left open (it would hold its parts forever).
TEST_F(S3Test, LostCreateMultipartUploadReplyLeavesNoUploadOpen) {
  auto fs = Fs();
  auto before = Admin("GET", "/__admin/uploads", "");
  size_t from = LogSize();
  Fault({{"mode", "drop"}, {"count", 1}, {"method", "POST"}, {"query", "uploads"}});
  std::string bytes = RandomBytes((4 << 16) + 11, 40);  // 5 parts
  Status s = fs->Upload(LocalFile("lc", bytes), "s3://bucket/lost/create");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(CountLog(from, "POST", "uploads"), 2);  // the lost one and the retry
  auto after = Admin("GET", "/__admin/uploads", "");
  EXPECT_TRUE(after["open"].empty()) << after.dump();
  EXPECT_EQ(after["aborted"].get<int>(), before["aborted"].get<int>() + 1);
  EXPECT_EQ(after["completed"].get<int>(), before["completed"].get<int>() + 1);
  EXPECT_EQ(fs->ReadRange("s3://bucket/lost/create", 0, bytes.size()).value(), bytes);
}

// Every CreateMultipartUpload reply lost: the upload fails past the retry budget, and every
// upload the attempts started is aborted.
TEST_F(S3Test, AllCreateMultipartUploadRepliesLostFailsAndLeavesNothing) {
  auto fs = Fs();
  auto before = Admin("GET", "/__admin/uploads", "");
  Fault({{"mode", "drop"}, {"count", 10}, {"method", "POST"}, {"query", "uploads"}});
  Status s = fs->Upload(LocalFile("lca", RandomBytes(3 << 16, 41)), "s3://bucket/lost/create-all");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("CreateMultipartUpload"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("gave up after 4 attempts"), std::string::npos) << s.message();
  Admin("DELETE", "/__admin/faults", "");
  auto after = Admin("GET", "/__admin/uploads", "");
  EXPECT_TRUE(after["open"].empty()) << after.dump();
  EXPECT_EQ(after["aborted"].get<int>(), before["aborted"].get<int>() + 4);
  EXPECT_FALSE(fs->Exists("s3://bucket/lost/create-all").value());
}

// CompleteMultipartUpload applied but its reply lost: the retry answers NoSuchUpload, and the
// object (size and multipart ETag) shows the upload did complete -- success, not a failure.
TEST_F(S3Test, LostCompleteReplyIsSettledByTheObject) {
  auto fs = Fs();
  auto before = Admin("GET", "/__admin/uploads", "");
  size_t from = LogSize();
  Fault({{"mode", "drop"}, {"count", 1}, {"method", "POST"}, {"query", "uploadId"}});
  std::string bytes = RandomBytes((5 << 16) + 3, 42);  // 6 parts
  Status s = fs->Upload(LocalFile("lcm", bytes), "s3://bucket/lost/complete");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(CountLog(from, "POST", "uploadId"), 2);
  auto after = Admin("GET", "/__admin/uploads", "");
  EXPECT_TRUE(after["open"].empty()) << after.dump();
  EXPECT_EQ(after["completed"].get<int>(), before["completed"].get<int>() + 1);
  EXPECT_EQ(after["aborted"].get<int>(), before["aborted"].get<int>());
  EXPECT_EQ(fs->ReadRange("s3://bucket/lost/complete", 0, bytes.size() + 1).value(), bytes);
}

// NoSuchUpload after a lost reply while the key holds some other object: whether our upload
// completed (and was then replaced) cannot be established -- UnknownOutcome, never success.
// NoSuchUpload on the first attempt (the upload was aborted by someone else) is NotFound.
TEST_F(S3Test, CompleteNoSuchUploadWithAnotherObjectIsUnknownOutcome) {
  auto fs = Fs();
  const std::string uri = "s3://bucket/lost/other";
  ASSERT_TRUE(fs->Upload(LocalFile("old", "old object"), uri).ok());
  // The first Complete never reaches the server; the retry is told NoSuchUpload.
  Fault({{"mode", "reset"}, {"count", 1}, {"method", "POST"}, {"query", "uploadId"}});
  Fault({{"mode", "status"},
         {"status", 404},
         {"code", "NoSuchUpload"},
         {"count", 1},
         {"method", "POST"},
         {"query", "uploadId"}});
  std::string bytes = RandomBytes(3 << 16, 43);
  Status s = fs->Upload(LocalFile("nsu", bytes), uri);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsUnknownOutcome()) << s.ToString();
  EXPECT_NE(s.message().find("NoSuchUpload"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(uri), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  EXPECT_TRUE(Admin("GET", "/__admin/uploads", "")["open"].empty());
  EXPECT_EQ(fs->ReadRange(uri, 0, 100).value(), "old object");

  Fault({{"mode", "status"},
         {"status", 404},
         {"code", "NoSuchUpload"},
         {"count", 1},
         {"method", "POST"},
         {"query", "uploadId"}});
  s = fs->Upload(LocalFile("nsu", bytes), uri);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_TRUE(Admin("GET", "/__admin/uploads", "")["open"].empty());
  EXPECT_EQ(fs->ReadRange(uri, 0, 100).value(), "old object");
}

// "A 200 OK response can contain either a success or an error" (CompleteMultipartUpload API):
// an InternalError inside a 200 is retried, not reported as a failure.
TEST_F(S3Test, CompleteErrorInside200IsRetried) {
  auto fs = Fs();
  size_t from = LogSize();
  Fault({{"mode", "status"},
         {"status", 200},
         {"code", "InternalError"},
         {"count", 1},
         {"method", "POST"},
         {"query", "uploadId"}});
  std::string bytes = RandomBytes(3 << 16, 44);
  Status s = fs->Upload(LocalFile("e200", bytes), "s3://bucket/lost/err200");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(CountLog(from, "POST", "uploadId"), 2);
  EXPECT_TRUE(Admin("GET", "/__admin/uploads", "")["open"].empty());
  EXPECT_EQ(fs->ReadRange("s3://bucket/lost/err200", 0, bytes.size()).value(), bytes);
}

// gs:// through the S3-compatible XML API with HMAC keys (region "auto"), same verifying front.
TEST_F(S3Test, GcsViaXmlApiWithHmacKeys) {
  TempDir dir = std::move(TempDir::Make("pe-s3rver-gcs").value());
  testing::NodeServer srv;
  ASSERT_TRUE(
      srv.Start("s3_server.mjs", {"--dir", dir.path(), "--access-key", "GOOGHMACID", "--secret-key",
                                  "gcs/hmac+secret", "--region", "auto", "--buckets", "gbucket"}))
      << srv.error();
  Props props{{"accessKey", "GOOGHMACID"},
              {"secretKey", "gcs/hmac+secret"},
              {"endpoint", "http://127.0.0.1:" + std::to_string(srv.port())},
              {"minObjectSizeForMultiPartUpload", "6MB"},
              {"multiPartUploadPartSize", "5MB"}};
  auto fs = OpenFileSystem("gs://gbucket/", props, "org.apache.pinot.plugin.filesystem.GcsPinotFS");
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  EXPECT_EQ((*fs)->scheme(), "gs");
  std::string small = RandomBytes(5000, 7), big = RandomBytes((7 << 20) + 1, 8);
  ASSERT_TRUE((*fs)->Upload(LocalFile("g1", small), "gs://gbucket/t/a.parquet").ok());
  ASSERT_TRUE((*fs)->Upload(LocalFile("g2", big), "gs://gbucket/t/b.parquet").ok());  // multipart
  auto list = (*fs)->List("gs://gbucket/t/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].uri, "gs://gbucket/t/a.parquet");
  EXPECT_EQ((*list)[1].size, big.size());
  std::string out = tmp_.path() + "/g.out";
  ASSERT_TRUE((*fs)->Download("gs://gbucket/t/b.parquet", out).ok());
  EXPECT_EQ(Slurp(out), big);
  ASSERT_TRUE((*fs)->Delete("gs://gbucket/t/a.parquet").ok());
  EXPECT_FALSE((*fs)->Exists("gs://gbucket/t/a.parquet").value());

  // Service-account keys are supported (gcs_test.cc); a missing key file is a config error.
  auto missing = OpenFileSystem("gs://gbucket/", {{"gcpKey", "/nonexistent/k.json"}}, "");
  EXPECT_TRUE(missing.status().IsInvalidArgument()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("/nonexistent/k.json"), std::string::npos);
  EXPECT_TRUE(OpenFileSystem("gs://gbucket/", {}, "").status().IsInvalidArgument());
  EXPECT_TRUE(OpenFileSystem("s3://b/", props, "org.apache.pinot.plugin.filesystem.GcsPinotFS")
                  .status()
                  .IsInvalidArgument());
}

// `pinot-export convert` with an s3:// input (downloaded to a temp file) and output (written
// locally, then uploaded), configured with --fs-prop and the Pinot fs class.
TEST_F(S3Test, CliConvertFromAndToS3) {
  auto fs = Fs();
  ASSERT_TRUE(fs->Upload(pe::testing::FixturePath("baseballStats_OFFLINE_0.tar.gz"),
                         "s3://bucket/cli/in/baseballStats_OFFLINE_0.tar.gz")
                  .ok());
  std::vector<std::string> args{"convert",
                                "s3://bucket/cli/in/baseballStats_OFFLINE_0.tar.gz",
                                "s3://bucket/cli/out/baseball.parquet",
                                "--fs-class",
                                "org.apache.pinot.plugin.filesystem.S3PinotFS",
                                "--fs-prop",
                                std::string("accessKey=") + kAccessKey,
                                "--fs-prop",
                                std::string("secretKey=") + kSecretKey,
                                "--fs-prop",
                                "region=us-east-1",
                                "--fs-prop",
                                "endpoint=" + Endpoint()};
  auto r = pe::testing::RunCli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto size = fs->Size("s3://bucket/cli/out/baseball.parquet");
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_GT(*size, 1000u);
  EXPECT_EQ(fs->ReadRange("s3://bucket/cli/out/baseball.parquet", 0, 4).value(), "PAR1");
  EXPECT_EQ(fs->ReadRange("s3://bucket/cli/out/baseball.parquet", *size - 4, 4).value(), "PAR1");

  // A wrong secret: exit 1, one clear line, the secret never printed.
  args[8] = "secretKey=WRONG-secret-value";
  args[2] = "s3://bucket/cli/out/never.parquet";
  r = pe::testing::RunCli(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("SignatureDoesNotMatch"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("WRONG-secret-value"), std::string::npos) << r.err;
  EXPECT_FALSE(fs->Exists("s3://bucket/cli/out/never.parquet").value());
}

// A segment directory fetched from a store: listed keys are joined onto the scratch dir, so a
// key with ".." (here one s3rver cannot store, added to its listing by the front) is refused
// before anything is downloaded. The same directory without it converts.
TEST_F(S3Test, CliSegmentDirectoryKeyCannotEscapeScratchDir) {
  auto fs = Fs();
  std::string extracted = tmp_.path() + "/x";
  std::filesystem::create_directories(extracted);
  auto tar = pe::testing::Run(
      {"tar", "-xzf", pe::testing::FixturePath("baseballStats_OFFLINE_0.tar.gz"), "-C", extracted});
  ASSERT_EQ(tar.exit_code, 0) << tar.err;
  const std::string seg = "s3://bucket/trav/seg";
  for (const auto& e : std::filesystem::recursive_directory_iterator(extracted)) {
    if (!e.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(e.path(), extracted + "/baseballStats_OFFLINE_0");
    ASSERT_TRUE(fs->Upload(e.path().string(), seg + "/" + rel).ok());
  }
  std::vector<std::string> args{"convert",
                                seg,
                                tmp_.path() + "/out.parquet",
                                "--fs-prop",
                                std::string("accessKey=") + kAccessKey,
                                "--fs-prop",
                                std::string("secretKey=") + kSecretKey,
                                "--fs-prop",
                                "endpoint=" + Endpoint()};
  auto r = pe::testing::RunCli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const std::string escape = "pe-traversal-" + std::to_string(::getpid());
  const std::string evil = "trav/seg/v3/../../../" + escape;
  Fault({{"mode", "list-extra"},
         {"keys", {evil}},
         {"size", 4},
         {"count", 1},
         {"method", "GET"},
         {"query", "list-type"}});
  size_t from = LogSize();
  args[2] = tmp_.path() + "/out2.parquet";
  r = pe::testing::RunCli(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("unsafe"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(evil), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;  // one line
  // Nothing was downloaded: the only GET is the listing.
  EXPECT_EQ(CountLog(from, "GET"), CountLog(from, "GET", "list-type"));
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() + "/out2.parquet"));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::temp_directory_path() / escape));
}

}  // namespace
}  // namespace pe::fs
