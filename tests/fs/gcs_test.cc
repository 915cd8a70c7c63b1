// GCS with a service-account key: the RS256 JWT assertion (checked with the public key here), and
// gs:// end to end against tests/e2e/s3_server.mjs with --gcs-public-key, whose token endpoint
// (gcs_token_server.mjs) enforces the JWT-bearer grant and whose front accepts only the bearer
// tokens it issued.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "common/file.h"
#include "fs/fs.h"
#include "fs/gcp_auth.h"
#include "fs/http.h"
#include "fs/s3.h"
#include "node_server.h"
#include "testing/testing.h"

namespace pe::fs {
namespace {

constexpr char kEmail[] = "exporter@pinot-test.iam.gserviceaccount.com";

struct KeyPair {
  std::string private_pem, public_pem;
};

KeyPair GenerateRsaKey() {
  KeyPair kp;
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  EXPECT_NE(pkey, nullptr);
  if (!pkey) return kp;
  auto pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string s(data, static_cast<size_t>(n));
    BIO_free(bio);
    return s;
  };
  kp.private_pem = pem([&](BIO* b) {
    PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr);  // PKCS#8
  });
  kp.public_pem = pem([&](BIO* b) { PEM_write_bio_PUBKEY(b, pkey); });
  EVP_PKEY_free(pkey);
  return kp;
}

bool VerifyRs256(const std::string& public_pem, const std::string& data, const std::string& sig) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* pub = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!pub) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pub) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pub);
  return ok;
}

std::string KeyJson(const KeyPair& kp, const std::string& token_uri) {
  return nlohmann::json{{"type", "service_account"},
                        {"project_id", "pinot-test"},
                        {"private_key_id", "0123456789abcdef"},
                        {"private_key", kp.private_pem},
                        {"client_email", kEmail},
                        {"client_id", "1234567890"},
                        {"token_uri", token_uri}}
      .dump(2);
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(GcpAuth, Base64Url) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8").value(), "\xfb\xff");
  EXPECT_EQ(Base64Decode("Zm9vYmFy").value(), "foobar");
  EXPECT_EQ(Base64Decode("Zm9vYg==").value(), "foob");
  EXPECT_FALSE(Base64Decode("a*b").ok());
}

TEST(GcpAuth, JwtIsSignedWithTheKeyAndCarriesTheClaims) {
  KeyPair kp = GenerateRsaKey();
  auto key = ParseServiceAccountKey(KeyJson(kp, "https://oauth2.example/token"), "test key");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  const int64_t now = 1'700'000'000;
  auto jwt = MakeServiceAccountJwt(*key, kGcsReadWriteScope, now);
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  size_t d1 = jwt->find('.'), d2 = jwt->rfind('.');
  ASSERT_NE(d1, d2);
  auto header = nlohmann::json::parse(Base64UrlDecode(jwt->substr(0, d1)).value());
  auto claims = nlohmann::json::parse(Base64UrlDecode(jwt->substr(d1 + 1, d2 - d1 - 1)).value());
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["typ"], "JWT");
  EXPECT_EQ(header["kid"], "0123456789abcdef");
  EXPECT_EQ(claims["iss"], kEmail);
  EXPECT_EQ(claims["scope"], "https://www.googleapis.com/auth/devstorage.read_write");
  EXPECT_EQ(claims["aud"], "https://oauth2.example/token");
  EXPECT_EQ(claims["iat"].get<int64_t>(), now);
  EXPECT_EQ(claims["exp"].get<int64_t>(), now + 3600);
  std::string sig = Base64UrlDecode(jwt->substr(d2 + 1)).value();
  EXPECT_EQ(sig.size(), 256u);  // RSA-2048
  EXPECT_TRUE(VerifyRs256(kp.public_pem, jwt->substr(0, d2), sig));
  // A different key or altered claims do not verify.
  EXPECT_FALSE(VerifyRs256(GenerateRsaKey().public_pem, jwt->substr(0, d2), sig));
  std::string tampered = jwt->substr(0, d2);
  tampered[d1 + 5] = tampered[d1 + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyRs256(kp.public_pem, tampered, sig));
}

TEST(GcpAuth, KeyErrorsNeverEchoTheKey) {
  KeyPair kp = GenerateRsaKey();
  auto user = ParseServiceAccountKey(R"({"type":"authorized_user","client_id":"x"})", "adc");
  EXPECT_TRUE(user.status().IsInvalidArgument());
  EXPECT_NE(user.status().message().find("authorized_user"), std::string::npos);
  EXPECT_TRUE(ParseServiceAccountKey("not json", "k").status().IsInvalidArgument());
  auto missing = ParseServiceAccountKey(R"({"type":"service_account"})", "k");
  EXPECT_TRUE(missing.status().IsInvalidArgument());
  // A corrupt private key: the message names the key's origin, not its content.
  std::string body = kp.private_pem.substr(40, 200);
  auto j = nlohmann::json::parse(KeyJson(kp, "https://t/token"));
  j["private_key"] = "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
  auto key = ParseServiceAccountKey(j.dump(), "key file /secret/k.json");
  ASSERT_TRUE(key.ok());
  auto jwt = MakeServiceAccountJwt(*key, kGcsReadWriteScope, 0);
  ASSERT_FALSE(jwt.ok());
  EXPECT_NE(jwt.status().message().find("/secret/k.json"), std::string::npos);
  EXPECT_EQ(jwt.status().message().find(body.substr(0, 20)), std::string::npos);
  EXPECT_TRUE(LoadServiceAccountKeyFile("/nonexistent/k.json").status().IsInvalidArgument());
}

class GcsServiceAccountTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new KeyPair(GenerateRsaKey());
    dir_ = new TempDir(std::move(TempDir::Make("pe-gcs-sa").value()));
    std::string pub = dir_->path() + "/sa.pub.pem";
    if (!WriteFileAtomic(pub, key_->public_pem).ok()) start_error_ = "cannot write public key";
    server_ = new testing::NodeServer();
    if (start_error_.empty() &&
        !server_->Start("s3_server.mjs",
                        {"--dir", dir_->path(), "--access-key", "UNUSEDAK", "--secret-key",
                         "unused-secret", "--region", "auto", "--buckets", "gbucket",
                         "--gcs-public-key", pub, "--gcs-client-email", kEmail})) {
      start_error_ = server_->error();
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    delete key_;
  }
  void SetUp() override {
    ASSERT_TRUE(start_error_.empty()) << start_error_;
    tmp_ = std::move(TempDir::Make("pe-gcs-test").value());
  }
  static std::string Endpoint() { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  static std::string TokenUri() { return Endpoint() + "/__oauth2/token"; }
  std::string WriteKey(const KeyPair& kp, const std::string& name) {
    std::string p = tmp_.path() + "/" + name;
    EXPECT_TRUE(WriteFileAtomic(p, KeyJson(kp, TokenUri())).ok());
    return p;
  }
  std::string Local(const std::string& name, const std::string& bytes) {
    std::string p = tmp_.path() + "/" + name;
    EXPECT_TRUE(WriteFileAtomic(p, bytes).ok());
    return p;
  }
  nlohmann::json Admin(const std::string& path) {
    HttpClient c;
    HttpRequest r;
    r.url = Endpoint() + path;
    auto resp = c.Send(r);
    if (!resp.ok()) return {};
    return nlohmann::json::parse(resp->body, nullptr, false);
  }

  static KeyPair* key_;
  static TempDir* dir_;
  static testing::NodeServer* server_;
  static std::string start_error_;
  TempDir tmp_;
};
KeyPair* GcsServiceAccountTest::key_ = nullptr;
TempDir* GcsServiceAccountTest::dir_ = nullptr;
testing::NodeServer* GcsServiceAccountTest::server_ = nullptr;
std::string GcsServiceAccountTest::start_error_;

TEST_F(GcsServiceAccountTest, UploadDownloadListDeleteWithGcpKey) {
  Props props{{"projectId", "pinot-test"},
              {"gcpKey", WriteKey(*key_, "sa.json")},
              {"endpoint", Endpoint()},
              {"minObjectSizeForMultiPartUpload", "6MB"},
              {"multiPartUploadPartSize", "5MB"}};
  auto before = Admin("/__admin/oauth");
  auto fs = OpenFileSystem("gs://gbucket/", props, "org.apache.pinot.plugin.filesystem.GcsPinotFS");
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  EXPECT_EQ((*fs)->scheme(), "gs");
  std::string small = RandomBytes(4000, 1), big = RandomBytes((11 << 20) + 5, 2);
  Status s = (*fs)->Upload(Local("a", small), "gs://gbucket/sa/a.parquet");
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = (*fs)->Upload(Local("b", big), "gs://gbucket/sa/b.parquet");  // multipart, 3 parts
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto list = (*fs)->List("gs://gbucket/sa/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].uri, "gs://gbucket/sa/a.parquet");
  EXPECT_EQ((*list)[1].size, big.size());
  std::string out = tmp_.path() + "/b.out";
  ASSERT_TRUE((*fs)->Download("gs://gbucket/sa/b.parquet", out).ok());
  EXPECT_EQ(ReadFileToString(out).value(), big);
  EXPECT_EQ((*fs)->ReadRange("gs://gbucket/sa/a.parquet", 10, 5).value(), small.substr(10, 5));
  ASSERT_TRUE((*fs)->Delete("gs://gbucket/sa/a.parquet").ok());
  EXPECT_FALSE((*fs)->Exists("gs://gbucket/sa/a.parquet").value());
  // One token for all those requests (cached), including the parallel part uploads.
  auto after = Admin("/__admin/oauth");
  EXPECT_EQ(after["issued"].get<int>() - before["issued"].get<int>(), 1) << after.dump();
}

TEST_F(GcsServiceAccountTest, JsonKeyAndApplicationDefaultCredentials) {
  std::string json = KeyJson(*key_, TokenUri());
  // jsonKey, base64-encoded (Pinot decodes it when it is base64) and raw.
  std::string b64;
  {
    BIO* b = BIO_push(BIO_new(BIO_f_base64()), BIO_new(BIO_s_mem()));
    BIO_set_flags(b, BIO_FLAGS_BASE64_NO_NL);
    BIO_write(b, json.data(), static_cast<int>(json.size()));
    (void)BIO_flush(b);
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    b64.assign(data, static_cast<size_t>(n));
    BIO_free_all(b);
  }
  for (const std::string& v : {b64, json}) {
    auto o = GcsOptionsFromProps({{"jsonKey", v}, {"endpoint", Endpoint()}}, Env{});
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    auto fs = NewS3FileSystem(std::move(o).value());
    ASSERT_TRUE(fs.ok());
    Status s = (*fs)->Upload(Local("j", "json key"), "gs://gbucket/json/x");
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // GOOGLE_APPLICATION_CREDENTIALS.
  Env env{{"GOOGLE_APPLICATION_CREDENTIALS", WriteKey(*key_, "adc.json")}};
  auto o = GcsOptionsFromProps({{"endpoint", Endpoint()}}, env);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_NE(o->credentials_source.find(kEmail), std::string::npos);
  auto fs = NewS3FileSystem(std::move(o).value());
  EXPECT_EQ((*fs)->ReadRange("gs://gbucket/json/x", 0, 100).value(), "json key");
  // Nothing configured.
  auto none = GcsOptionsFromProps({}, Env{});
  EXPECT_TRUE(none.status().IsInvalidArgument());
  EXPECT_NE(none.status().message().find("gcpKey"), std::string::npos);
  EXPECT_TRUE(GcsOptionsFromProps({}, {{"GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent.json"}})
                  .status()
                  .IsInvalidArgument());
}

TEST_F(GcsServiceAccountTest, WrongKeyFailsWithOneClearLine) {
  KeyPair other = GenerateRsaKey();  // not the key registered for the service account
  std::string path = WriteKey(other, "wrong.json");
  auto fs = OpenFileSystem("gs://gbucket/", {{"gcpKey", path}, {"endpoint", Endpoint()}});
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  auto before = Admin("/__admin/oauth");
  Status s = (*fs)->Upload(Local("w", "nope"), "gs://gbucket/wrong/x");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  const std::string& m = s.message();
  EXPECT_NE(m.find("invalid_grant"), std::string::npos) << m;
  EXPECT_NE(m.find(kEmail), std::string::npos) << m;
  EXPECT_NE(m.find(path), std::string::npos) << m;
  EXPECT_NE(m.find("gs://gbucket/wrong/x"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_EQ(m.find("PRIVATE KEY"), std::string::npos) << m;
  EXPECT_EQ(m.find(other.private_pem.substr(30, 40)), std::string::npos) << m;
  EXPECT_EQ(m.find("eyJ"), std::string::npos) << m;  // no JWT
  // Refused grants are not retried.
  auto after = Admin("/__admin/oauth");
  EXPECT_EQ(after["rejected"].get<int>() - before["rejected"].get<int>(), 1) << after.dump();
  // The object was not written (checked with the right key).
  auto good = OpenFileSystem("gs://gbucket/",
                             {{"gcpKey", WriteKey(*key_, "good.json")}, {"endpoint", Endpoint()}});
  EXPECT_FALSE((*good)->Exists("gs://gbucket/wrong/x").value());
}

// Tokens are cached, and fetched again before they expire: here 400 s tokens, refreshed at
// half-life (tokens under 10 minutes). Time is a fake clock that starts at the real time (the
// token endpoint checks the assertion's iat against its own clock, within 5 minutes) and is
// advanced by the test.
TEST_F(GcsServiceAccountTest, ShortLivedTokensAreRefreshed) {
  std::string pub = tmp_.path() + "/pub.pem";
  ASSERT_TRUE(WriteFileAtomic(pub, key_->public_pem).ok());
  testing::NodeServer srv;
  ASSERT_TRUE(srv.Start(
      "s3_server.mjs",
      {"--dir", tmp_.path(), "--access-key", "AK", "--secret-key", "SK", "--buckets", "gbucket",
       "--gcs-public-key", pub, "--gcs-client-email", kEmail, "--gcs-token-ttl", "400"}))
      << srv.error();
  std::string ep = "http://127.0.0.1:" + std::to_string(srv.port());
  std::string key_path = tmp_.path() + "/short.json";
  ASSERT_TRUE(WriteFileAtomic(key_path, KeyJson(*key_, ep + "/__oauth2/token")).ok());
  auto o = GcsOptionsFromProps({{"gcpKey", key_path}, {"endpoint", ep}}, Env{});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ASSERT_TRUE(o->bearer);
  auto now =
      std::make_shared<std::chrono::system_clock::time_point>(std::chrono::system_clock::now());
  auto tokens = std::make_shared<GcpTokenSource>(o->bearer->key(), kGcsReadWriteScope, o->http,
                                                 [now] { return *now; });
  o->bearer = tokens;
  auto fs = NewS3FileSystem(std::move(o).value());
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  auto issued = [&] {
    HttpClient c;
    HttpRequest r;
    r.url = ep + "/__admin/oauth";
    auto resp = c.Send(r);
    return resp.ok() ? nlohmann::json::parse(resp->body)["issued"].get<int>() : -1;
  };
  ASSERT_TRUE((*fs)->Upload(Local("s1", "one"), "gs://gbucket/short/a").ok());
  *now += std::chrono::seconds(190);  // before half-life: the cached token
  ASSERT_TRUE((*fs)->Upload(Local("s2", "two"), "gs://gbucket/short/b").ok());
  EXPECT_EQ(issued(), 1);
  EXPECT_EQ(tokens->fetches(), 1);
  *now += std::chrono::seconds(20);  // past half-life, before expiry: a new token
  Status s = (*fs)->Upload(Local("s3", "three"), "gs://gbucket/short/c");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(issued(), 2);
  EXPECT_EQ(tokens->fetches(), 2);
}

TEST_F(GcsServiceAccountTest, FrontRejectsUnknownBearerTokens) {
  HttpClient c;
  HttpRequest r;
  r.url = Endpoint() + "/gbucket/x";
  r.headers = {{"Authorization", "Bearer ya29.forged"}};
  auto resp = c.Send(r);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 403);
  // The token endpoint refuses other grant types with an OAuth2 JSON error.
  HttpRequest t;
  t.method = "POST";
  t.url = TokenUri();
  t.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  t.body = "grant_type=client_credentials";
  resp = c.Send(t);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 400);
  EXPECT_EQ(nlohmann::json::parse(resp->body)["error"], "unsupported_grant_type");
}

TEST_F(GcsServiceAccountTest, CliConvertToGcs) {
  std::vector<std::string> args{"convert",
                                pe::testing::FixturePath("baseballStats_OFFLINE_0.tar.gz"),
                                "gs://gbucket/cli/baseball.parquet",
                                "--fs-class",
                                "org.apache.pinot.plugin.filesystem.GcsPinotFS",
                                "--fs-prop",
                                "projectId=pinot-test",
                                "--fs-prop",
                                "gcpKey=" + WriteKey(*key_, "cli.json"),
                                "--fs-prop",
                                "endpoint=" + Endpoint()};
  auto r = pe::testing::RunCli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto fs = OpenFileSystem("gs://gbucket/",
                           {{"gcpKey", WriteKey(*key_, "cli.json")}, {"endpoint", Endpoint()}});
  EXPECT_EQ((*fs)->ReadRange("gs://gbucket/cli/baseball.parquet", 0, 4).value(), "PAR1");
}

}  // namespace
}  // namespace pe::fs
