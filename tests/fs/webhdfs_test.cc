// hdfs:// over WebHDFS against tests/e2e/webhdfs_server.mjs (two-step CREATE enforced), and the
// read-only http(s):// file system against the same server's /static/ route.
#include <gtest/gtest.h>

#include <chrono>
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

std::string Bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

class WebHdfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start("webhdfs_server.mjs", {"--user", "pinot", "--delegation", "tok-123"}))
        << server_.error();
    tmp_ = std::move(TempDir::Make("pe-webhdfs").value());
    props_ = {{"webhdfs.endpoint", Endpoint()}, {"hadoop.user", "pinot"}};
    auto fs = OpenFileSystem("hdfs://nn:8020/", props_,
                             "org.apache.pinot.plugin.filesystem.HadoopPinotFS");
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = std::move(fs).value();
  }
  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  std::string Local(const std::string& name, const std::string& bytes) {
    std::string p = tmp_.path() + "/" + name;
    EXPECT_TRUE(WriteFileAtomic(p, bytes).ok());
    return p;
  }
  nlohmann::json Admin(const std::string& method, const std::string& path,
                       const std::string& body = "") {
    HttpClient c;
    HttpRequest r;
    r.method = method;
    r.url = Endpoint() + path;
    r.body = body;
    auto resp = c.Send(r);
    if (!resp.ok()) return {};
    return nlohmann::json::parse(resp->body, nullptr, false);
  }

  testing::NodeServer server_;
  TempDir tmp_;
  Props props_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_F(WebHdfsTest, UploadDownloadListDelete) {
  std::string a = Bytes(300'000, 1);
  ASSERT_TRUE(fs_->Upload(Local("a", a), "hdfs://nn:8020/exports/t/a b.parquet").ok());
  ASSERT_TRUE(fs_->Upload(Local("b", "bb"), "hdfs://nn:8020/exports/t/sub/b.parquet").ok());
  ASSERT_TRUE(fs_->Upload(Local("c", "c"), "hdfs://nn:8020/exports/t2").ok());
  EXPECT_TRUE(fs_->Exists("hdfs://nn:8020/exports/t/a b.parquet").value());
  EXPECT_TRUE(fs_->Exists("hdfs://nn:8020/exports/t").value());
  EXPECT_FALSE(fs_->Exists("hdfs://nn:8020/exports/none").value());
  EXPECT_EQ(fs_->Size("hdfs://nn:8020/exports/t/a b.parquet").value(), a.size());
  EXPECT_TRUE(fs_->Size("hdfs://nn:8020/exports/none").status().IsNotFound());
  EXPECT_EQ(fs_->ReadRange("hdfs://nn:8020/exports/t/a b.parquet", 100, 50).value(),
            a.substr(100, 50));
  std::string out = tmp_.path() + "/out";
  ASSERT_TRUE(fs_->Download("hdfs://nn:8020/exports/t/a b.parquet", out).ok());
  EXPECT_EQ(ReadFileToString(out).value(), a);

  auto list = fs_->List("hdfs://nn:8020/exports/t/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].uri, "hdfs://nn:8020/exports/t/a b.parquet");
  EXPECT_EQ((*list)[1].uri, "hdfs://nn:8020/exports/t/sub/b.parquet");
  EXPECT_EQ((*list)[1].size, 2u);
  // FileStatus.modificationTime (epoch ms), set by the server when the file was written.
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (const auto& f : *list) {
    EXPECT_LE(f.mtime_ms, now_ms) << f.uri;
    EXPECT_GT(f.mtime_ms, now_ms - 60'000) << f.uri;
  }
  EXPECT_EQ(fs_->List("hdfs://nn:8020/exports/t").value().size(), 3u);  // key-prefix: t2 too

  ASSERT_TRUE(fs_->Delete("hdfs://nn:8020/exports/t2").ok());
  ASSERT_TRUE(fs_->Delete("hdfs://nn:8020/exports/t2").ok());
  EXPECT_FALSE(fs_->Exists("hdfs://nn:8020/exports/t2").value());
  // Only the final files exist: the temp files were renamed away.
  auto files = Admin("GET", "/__admin/files");
  EXPECT_EQ(files.size(), 2u) << files.dump();
}

TEST_F(WebHdfsTest, OverwriteIsAtomicRename) {
  ASSERT_TRUE(fs_->Upload(Local("v1", "one"), "hdfs://nn:8020/x/f").ok());
  ASSERT_TRUE(fs_->Upload(Local("v2", "second"), "hdfs://nn:8020/x/f").ok());
  EXPECT_EQ(fs_->ReadRange("hdfs://nn:8020/x/f", 0, 100).value(), "second");
  auto log = Admin("GET", "/__admin/log");
  int creates_nn = 0, creates_dn = 0, renames = 0;
  for (const auto& e : log) {
    if (e["op"] == "CREATE") (e["datanode"].get<bool>() ? creates_dn : creates_nn)++;
    if (e["op"] == "RENAME") ++renames;
  }
  EXPECT_EQ(creates_nn, 2);
  EXPECT_EQ(creates_dn, 2);
  EXPECT_EQ(renames, 2);
}

TEST_F(WebHdfsTest, RetriesAndCleanFailure) {
  Admin("POST", "/__admin/faults",
        R"({"faults":[{"mode":"status","status":503,"op":"CREATE","datanode":true,"count":1},
                      {"mode":"reset","op":"GETFILESTATUS","count":1}]})");
  ASSERT_TRUE(fs_->Upload(Local("r", "retry"), "hdfs://nn:8020/r/x").ok());
  EXPECT_EQ(fs_->Size("hdfs://nn:8020/r/x").value(), 5u);
  // Past the budget (5 attempts): fails, nothing left behind (not even the temp file).
  Admin("POST", "/__admin/faults",
        R"({"faults":[{"mode":"status","status":503,"op":"CREATE","datanode":true,"count":20}]})");
  Status s = fs_->Upload(Local("f", "fail"), "hdfs://nn:8020/r/y");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("gave up"), std::string::npos) << s.message();
  Admin("DELETE", "/__admin/faults");
  auto files = Admin("GET", "/__admin/files");
  EXPECT_EQ(files.size(), 1u) << files.dump();
  EXPECT_TRUE(files.contains("/r/x"));
}

// RENAME, CREATE and DELETE change the namespace; when the server acted but its reply was lost,
// the retry meets the changed state (RENAME: no source any more, {"boolean": false}). The client
// must read the outcome back instead of reporting a failure for a rename that happened.
TEST_F(WebHdfsTest, LostRepliesOfAppliedCallsAreNotFailures) {
  ASSERT_TRUE(fs_->Upload(Local("v1", "version one"), "hdfs://nn:8020/lost/f").ok());
  Admin("POST", "/__admin/faults", R"({"faults":[{"mode":"drop","op":"RENAME","count":1}]})");
  Status s = fs_->Upload(Local("v2", "version two!"), "hdfs://nn:8020/lost/f");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(fs_->ReadRange("hdfs://nn:8020/lost/f", 0, 100).value(), "version two!");
  // Every reply lost (the retries answer false, and are dropped too): read back all the same.
  Admin("POST", "/__admin/faults", R"({"faults":[{"mode":"drop","op":"RENAME","count":5}]})");
  s = fs_->Upload(Local("n", "new file"), "hdfs://nn:8020/lost/new");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(fs_->ReadRange("hdfs://nn:8020/lost/new", 0, 100).value(), "new file");
  // The DataNode wrote the bytes / the NameNode issued the redirect, reply lost: CREATE again.
  Admin("POST", "/__admin/faults",
        R"({"faults":[{"mode":"drop","op":"CREATE","datanode":true,"count":1},
                      {"mode":"drop","op":"CREATE","datanode":false,"count":1}]})");
  s = fs_->Upload(Local("c", "created"), "hdfs://nn:8020/lost/c");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(fs_->ReadRange("hdfs://nn:8020/lost/c", 0, 100).value(), "created");
  // Deleted, reply lost: the retry finds nothing to delete, which is success.
  Admin("POST", "/__admin/faults", R"({"faults":[{"mode":"drop","op":"DELETE","count":1}]})");
  s = fs_->Delete("hdfs://nn:8020/lost/c");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(fs_->Exists("hdfs://nn:8020/lost/c").value());

  auto files = Admin("GET", "/__admin/files");
  EXPECT_EQ(files, nlohmann::json({{"/lost/f", 12}, {"/lost/new", 8}})) << files.dump();
  int dropped = 0;
  for (const auto& e : Admin("GET", "/__admin/log")) {
    if (e["status"] == "dropped") ++dropped;
    // Data is only ever written under names lake engines skip ('.' prefix), beside the target.
    if (e["op"] == "CREATE") {
      std::string path = e["path"];
      EXPECT_EQ(path.rfind("/lost/.", 0), 0u) << path;
    }
  }
  EXPECT_EQ(dropped, 9);
}

// A rename the NameNode really refused (the target is a directory) still fails, and one whose
// requests never got through fails after the retries; neither leaves the temp file behind.
TEST_F(WebHdfsTest, RefusedOrUnsentRenameFails) {
  ASSERT_TRUE(fs_->Upload(Local("x", "x"), "hdfs://nn:8020/rf/dir/x").ok());
  Status s = fs_->Upload(Local("d", "data"), "hdfs://nn:8020/rf/dir");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("refused"), std::string::npos) << s.message();
  Admin("POST", "/__admin/faults", R"({"faults":[{"mode":"reset","op":"RENAME","count":20}]})");
  s = fs_->Upload(Local("u", "unsent"), "hdfs://nn:8020/rf/u");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("gave up"), std::string::npos) << s.message();
  Admin("DELETE", "/__admin/faults");
  auto files = Admin("GET", "/__admin/files");
  EXPECT_EQ(files, nlohmann::json({{"/rf/dir/x", 1}})) << files.dump();
}

TEST_F(WebHdfsTest, ConfigurationErrors) {
  Props wrong_user{{"webhdfs.endpoint", Endpoint()}, {"hadoop.user", "mallory"}};
  auto fs = OpenFileSystem("hdfs://nn/", wrong_user, "");
  ASSERT_TRUE(fs.ok());
  Status s = (*fs)->Exists("hdfs://nn/x").status();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("SecurityException"), std::string::npos);
  EXPECT_TRUE(OpenFileSystem("hdfs://nn/", {{"hadoop.kerberos.keytab", "/k"}}, "")
                  .status()
                  .IsNotSupported());
  EXPECT_TRUE(OpenFileSystem("hdfs:///x", {}, "").status().IsInvalidArgument());
  // hadoop.conf.path -> hdfs-site.xml's dfs.namenode.http-address.
  ASSERT_TRUE(WriteFileAtomic(tmp_.path() + "/hdfs-site.xml",
                              "<configuration><property><name>dfs.replication</name><value>1"
                              "</value></property><property><name>dfs.namenode.http-address"
                              "</name><value>127.0.0.1:" +
                                  std::to_string(server_.port()) +
                                  "</value></property></configuration>")
                  .ok());
  auto viaconf =
      OpenFileSystem("hdfs:///", {{"hadoop.conf.path", tmp_.path()}, {"hadoop.user", "pinot"}}, "");
  ASSERT_TRUE(viaconf.ok()) << viaconf.status().ToString();
  ASSERT_TRUE((*viaconf)->Upload(Local("c", "conf"), "hdfs:///conf/x").ok());
  EXPECT_TRUE(fs_->Exists("hdfs://nn:8020/conf/x").value());
}

TEST_F(WebHdfsTest, DelegationToken) {
  const std::string src = Local("d.bin", "delegated bytes");
  Props p = {{"webhdfs.endpoint", Endpoint()}, {"hadoop.delegation.token", "tok-123"}};
  auto fs = OpenFileSystem("hdfs://nn:8020/", p, "");
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  ASSERT_TRUE((*fs)->Upload(src, "hdfs://nn:8020/deleg/d.bin").ok());
  auto size = (*fs)->Size("hdfs://nn:8020/deleg/d.bin");
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, 15u);
  // A wrong token fails at once, in one line that does not contain it.
  p["hadoop.delegation.token"] = "forged-token-xyz";
  auto bad = OpenFileSystem("hdfs://nn:8020/", p, "");
  ASSERT_TRUE(bad.ok());
  Status s = (*bad)->Upload(src, "hdfs://nn:8020/deleg/e.bin");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("InvalidToken"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("forged-token-xyz"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
}

TEST_F(WebHdfsTest, HttpReadOnly) {
  std::string a = Bytes(100'000, 9);
  ASSERT_TRUE(fs_->Upload(Local("a", a), "hdfs://nn:8020/pub/seg.tar.gz").ok());
  std::string url = Endpoint() + "/static/pub/seg.tar.gz";
  auto fs = OpenFileSystem(url, {}, "");
  ASSERT_TRUE(fs.ok());
  EXPECT_TRUE((*fs)->Exists(url).value());
  EXPECT_FALSE((*fs)->Exists(Endpoint() + "/static/none").value());
  EXPECT_EQ((*fs)->Size(url).value(), a.size());
  EXPECT_EQ((*fs)->ReadRange(url, 10, 10).value(), a.substr(10, 10));
  EXPECT_EQ((*fs)->ReadRange(url, a.size() + 5, 10).value(), "");
  std::string out = tmp_.path() + "/h";
  ASSERT_TRUE((*fs)->Download(url, out).ok());
  EXPECT_EQ(ReadFileToString(out).value(), a);
  EXPECT_TRUE((*fs)->Download(Endpoint() + "/static/none", tmp_.path() + "/n").IsNotFound());
  EXPECT_TRUE((*fs)->Upload(out, url).IsNotSupported());
}

// Presigned URLs carry their credentials in the query, and http://user:password@host/ in the
// userinfo: no error about such a URL may show either (common/redact.h).
TEST_F(WebHdfsTest, HttpErrorsNeverShowSignaturesOrPasswords) {
  const std::string query =
      "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDPRESIGN%2F"
      "20240501%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=5d672d79c1";
  auto fs = OpenFileSystem(Endpoint(), {{"maxAttempts", "1"}}, "");
  ASSERT_TRUE(fs.ok());
  auto clean = [](const Status& s) {
    EXPECT_FALSE(s.ok());
    for (const char* secret : {"5d672d79c1", "AKIDPRESIGN", "X-Amz-Credential", "s3cr3tpw",
                               "X-Goog-Signature", "0a1b2c3d4e"}) {
      EXPECT_EQ(s.message().find(secret), std::string::npos) << s.message();
    }
  };
  // The server answers 404: the message still names the object, without the query.
  Status s = (*fs)->Download(Endpoint() + "/static/none.tar.gz" + query, tmp_.path() + "/n");
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find("/static/none.tar.gz?***"), std::string::npos) << s.message();
  clean(s);
  clean((*fs)->Size(Endpoint() + "/static/none" + query).status());
  clean((*fs)->OpenRead(Endpoint() + "/static/none" + query).status());
  // Nobody listening: libcurl's transport error, after the retries.
  const std::string down = "http://pinot:s3cr3tpw@127.0.0.1:9/seg.tar.gz";
  s = (*fs)->Download(down + query, tmp_.path() + "/d");
  EXPECT_NE(s.message().find("gave up"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("http://***@127.0.0.1:9/seg.tar.gz?***"), std::string::npos)
      << s.message();
  clean(s);
  clean((*fs)->Exists(down + "?X-Goog-Signature=0a1b2c3d4e").status());
  clean((*fs)->ReadRange(down + query, 0, 10).status());
  clean((*fs)->Upload(tmp_.path() + "/x", down + query));
  clean(OpenFileSystem("ftp://pinot:s3cr3tpw@h/x" + query, {}, "").status());
}

}  // namespace
}  // namespace pe::fs
