// hdfs:// over WebHDFS against tests/e2e/webhdfs_server.mjs (two-step CREATE enforced), and the
// read-only http(s):// file system against the same server's /static/ route.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pe::fs
