// The service-backed parts of the AWS credentials chain: STS AssumeRoleWithWebIdentity
// (tests/e2e/aws_sts_server.mjs) and EC2 instance metadata IMDSv2 (tests/e2e/aws_imds_server.mjs).
// The temporary credentials they hand out (with a session token) must sign requests that the
// SigV4-verifying S3 front (tests/e2e/s3_server.mjs --session-token) accepts.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/file.h"
#include "fs/aws_auth.h"
#include "fs/fs.h"
#include "fs/http.h"
#include "fs/s3.h"
#include "node_server.h"
#include "testing/testing.h"

namespace pe::fs {
namespace {

constexpr char kTempAk[] = "ASIATEMPORARYKEY";
constexpr char kTempSk[] = "temp/Secret+Key=";
constexpr char kTempToken[] = "IQoJb3JpZ2luX2VjE/session+token==";
constexpr char kRole[] = "arn:aws:iam::123456789012:role/pinot-export";
constexpr char kOidc[] = "eyJhbGciOiJSUzI1NiJ9.oidc-web-identity-token.c2lnbmF0dXJl";

std::string Url(const testing::NodeServer& s) {
  return "http://127.0.0.1:" + std::to_string(s.port());
}

nlohmann::json GetJson(const std::string& url) {
  HttpClient c;
  HttpRequest r;
  r.url = url;
  auto resp = c.Send(r);
  if (!resp.ok()) return {};
  return nlohmann::json::parse(resp->body, nullptr, false);
}

class AwsCredsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir(std::move(TempDir::Make("pe-aws-creds").value()));
    s3_ = new testing::NodeServer();
    if (!s3_->Start("s3_server.mjs", {"--dir", dir_->path(), "--access-key", kTempAk,
                                      "--secret-key", kTempSk, "--session-token", kTempToken})) {
      error_ = s3_->error();
    }
  }
  static void TearDownTestSuite() {
    delete s3_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_TRUE(error_.empty()) << error_;
    tmp_ = std::move(TempDir::Make("pe-aws-creds-t").value());
    token_file_ = tmp_.path() + "/token";
    ASSERT_TRUE(WriteFileAtomic(token_file_, std::string(kOidc) + "\n").ok());
  }
  bool StartSts(testing::NodeServer& sts, const std::string& duration = "3600") {
    return sts.Start("aws_sts_server.mjs", {"--token-file", token_file_, "--role-arn", kRole,
                                            "--access-key", kTempAk, "--secret-key", kTempSk,
                                            "--session-token", kTempToken, "--duration", duration});
  }
  Env WebIdentityEnv(const testing::NodeServer& sts) const {
    return {{"HOME", "/nonexistent"},
            {"AWS_WEB_IDENTITY_TOKEN_FILE", token_file_},
            {"AWS_ROLE_ARN", kRole},
            {"AWS_ROLE_SESSION_NAME", "pe-test-session"},
            {"AWS_ENDPOINT_URL_STS", Url(sts)},
            {"AWS_EC2_METADATA_DISABLED", "true"}};
  }
  // Uploads and reads back through the verifying front with `o`.
  void RoundTrip(S3Options o, const std::string& key) {
    auto fs = NewS3FileSystem(std::move(o));
    ASSERT_TRUE(fs.ok());
    std::string local = tmp_.path() + "/up";
    ASSERT_TRUE(WriteFileAtomic(local, "temporary credentials").ok());
    Status s = (*fs)->Upload(local, "s3://bucket/" + key);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ((*fs)->ReadRange("s3://bucket/" + key, 0, 100).value(), "temporary credentials");
  }
  Props FrontProps() const { return {{"endpoint", Url(*s3_)}}; }

  static TempDir* dir_;
  static testing::NodeServer* s3_;
  static std::string error_;
  TempDir tmp_;
  std::string token_file_;
};
TempDir* AwsCredsTest::dir_ = nullptr;
testing::NodeServer* AwsCredsTest::s3_ = nullptr;
std::string AwsCredsTest::error_;

TEST_F(AwsCredsTest, WebIdentityTokenFile) {
  testing::NodeServer sts;
  ASSERT_TRUE(StartSts(sts)) << sts.error();
  auto o = S3OptionsFromProps(FrontProps(), WebIdentityEnv(sts));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->credentials.access_key, kTempAk);
  EXPECT_EQ(o->credentials.session_token, kTempToken);
  EXPECT_NE(o->credentials_source.find(kRole), std::string::npos) << o->credentials_source;
  RoundTrip(*o, "webid/x");
  auto stats = GetJson(Url(sts) + "/__admin/stats");
  EXPECT_EQ(stats["issued"].get<int>(), 1);  // fetched once at open, then cached
  EXPECT_EQ(stats["sessionNames"][0], "pe-test-session");

  // Default session name; the profile form (web_identity_token_file + role_arn).
  std::string config = tmp_.path() + "/config";
  ASSERT_TRUE(WriteFileAtomic(config, "[profile irsa]\nweb_identity_token_file = " + token_file_ +
                                          "\nrole_arn = " + kRole + "\n")
                  .ok());
  Env env{{"HOME", "/nonexistent"},
          {"AWS_CONFIG_FILE", config},
          {"AWS_PROFILE", "irsa"},
          {"AWS_ENDPOINT_URL_STS", Url(sts)}};
  auto p = S3OptionsFromProps(FrontProps(), env);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  RoundTrip(*p, "webid/profile");
  stats = GetJson(Url(sts) + "/__admin/stats");
  EXPECT_EQ(stats["sessionNames"][1].get<std::string>().rfind("pinot-export-", 0), 0u);

  // Static keys in the environment win over web identity (SDK order).
  Env both = WebIdentityEnv(sts);
  both["AWS_ACCESS_KEY_ID"] = "AKSTATIC";
  both["AWS_SECRET_ACCESS_KEY"] = "SKSTATIC";
  EXPECT_EQ(S3OptionsFromProps(FrontProps(), both)->credentials.access_key, "AKSTATIC");
}

TEST_F(AwsCredsTest, WebIdentityErrorsNeverShowTheToken) {
  testing::NodeServer sts;
  ASSERT_TRUE(StartSts(sts)) << sts.error();
  Env env = WebIdentityEnv(sts);
  env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/other";
  auto o = S3OptionsFromProps(FrontProps(), env);
  ASSERT_FALSE(o.ok());
  EXPECT_TRUE(o.status().IsInvalidArgument()) << o.status().ToString();
  EXPECT_NE(o.status().message().find("AccessDenied"), std::string::npos) << o.status().message();
  EXPECT_NE(o.status().message().find("role/other"), std::string::npos);
  EXPECT_EQ(o.status().message().find(kOidc), std::string::npos);

  // A token the identity provider did not issue (the STS compares with its own copy).
  std::string forged = tmp_.path() + "/forged";
  ASSERT_TRUE(WriteFileAtomic(forged, "eyJ.expired-or-forged-token.sig").ok());
  env = WebIdentityEnv(sts);
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = forged;
  o = S3OptionsFromProps(FrontProps(), env);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("InvalidIdentityToken"), std::string::npos)
      << o.status().message();
  EXPECT_EQ(o.status().message().find("expired-or-forged-token"), std::string::npos)
      << o.status().message();
  EXPECT_EQ(o.status().message().find('\n'), std::string::npos);

  env = WebIdentityEnv(sts);
  env.erase("AWS_ROLE_ARN");
  EXPECT_TRUE(S3OptionsFromProps(FrontProps(), env).status().IsInvalidArgument());
  env = WebIdentityEnv(sts);
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = tmp_.path() + "/missing";
  auto m = S3OptionsFromProps(FrontProps(), env);
  EXPECT_TRUE(m.status().IsInvalidArgument());
  EXPECT_NE(m.status().message().find("missing"), std::string::npos);
}

// Credentials are fetched again before they expire: 5 minutes before (the SDKs' margin), or at
// half-life for credentials shorter-lived than 10 minutes. Time is a fake clock that starts at
// the real time (the STS stamps Expiration from its own clock) and is advanced by the test.
TEST_F(AwsCredsTest, WebIdentityRefreshesBeforeExpiry) {
  struct Case {
    const char* duration;  // seconds the STS credentials live
    int64_t refresh_s;     // seconds after issue when they are due for refresh
  };
  for (const Case& k : {Case{"3600", 3600 - 300}, Case{"400", 400 / 2}}) {
    SCOPED_TRACE(k.duration);
    testing::NodeServer sts;
    ASSERT_TRUE(StartSts(sts, k.duration)) << sts.error();
    auto now =
        std::make_shared<std::chrono::system_clock::time_point>(std::chrono::system_clock::now());
    WebIdentityConfig c;
    c.token_file = token_file_;
    c.role_arn = kRole;
    c.endpoint = Url(sts);
    c.clock = [now] { return *now; };
    auto p = NewWebIdentityProvider(c);
    ASSERT_TRUE(p->Get().ok());
    // Just before the refresh point (with slack for the STS's whole-second Expiration): cached.
    *now += std::chrono::seconds(k.refresh_s - 10);
    ASSERT_TRUE(p->Get().ok());
    EXPECT_EQ(p->fetches(), 1);
    EXPECT_EQ(GetJson(Url(sts) + "/__admin/stats")["issued"].get<int>(), 1);
    // Past it, still before expiry: fetched again (the token file is re-read).
    *now += std::chrono::seconds(20);
    auto again = p->Get();
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->session_token, kTempToken);
    EXPECT_EQ(p->fetches(), 2);
    EXPECT_EQ(GetJson(Url(sts) + "/__admin/stats")["issued"].get<int>(), 2);
  }
}

TEST_F(AwsCredsTest, InstanceMetadataV2) {
  testing::NodeServer imds;
  ASSERT_TRUE(
      imds.Start("aws_imds_server.mjs", {"--role", "pinot-export-role", "--access-key", kTempAk,
                                         "--secret-key", kTempSk, "--session-token", kTempToken}))
      << imds.error();
  // The server enforces IMDSv2: a GET without a session token is refused.
  HttpClient c;
  HttpRequest r;
  r.url = Url(imds) + "/latest/meta-data/iam/security-credentials/";
  EXPECT_EQ(c.Send(r)->status, 401);

  Env env{{"HOME", "/nonexistent"}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", Url(imds)}};
  auto o = S3OptionsFromProps(FrontProps(), env);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->credentials.session_token, kTempToken);
  EXPECT_NE(o->credentials_source.find("pinot-export-role"), std::string::npos)
      << o->credentials_source;
  RoundTrip(*o, "imds/x");
  auto stats = GetJson(Url(imds) + "/__admin/stats");
  EXPECT_EQ(stats["tokens"].get<int>(), 1);
  EXPECT_EQ(stats["credentials"].get<int>(), 1);

  // Disabled: not even tried.
  env["AWS_EC2_METADATA_DISABLED"] = "true";
  auto d = S3OptionsFromProps(FrontProps(), env);
  EXPECT_TRUE(d.status().IsInvalidArgument());
  EXPECT_NE(d.status().message().find("AWS_EC2_METADATA_DISABLED"), std::string::npos);
  EXPECT_EQ(GetJson(Url(imds) + "/__admin/stats")["tokens"].get<int>(), 1);
}

// Where there is no metadata service the chain gives up quickly with the usual message.
TEST_F(AwsCredsTest, AbsentInstanceMetadataFailsFast) {
  Env env{{"HOME", "/nonexistent"}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"}};
  auto t0 = std::chrono::steady_clock::now();
  auto o = S3OptionsFromProps(FrontProps(), env);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  ASSERT_FALSE(o.ok());
  EXPECT_TRUE(o.status().IsInvalidArgument());
  EXPECT_NE(o.status().message().find("no S3 credentials"), std::string::npos);
  EXPECT_NE(o.status().message().find("instance metadata"), std::string::npos)
      << o.status().message();
  EXPECT_LT(ms, 3000);
}

TEST(AwsAuth, Iso8601) {
  EXPECT_EQ(ParseIso8601("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(ParseIso8601("2024-05-01T12:00:00Z").value(), 1714564800);
  EXPECT_EQ(ParseIso8601("2024-05-01T12:00:00.123Z").value(), 1714564800);
  EXPECT_EQ(ParseIso8601("2024-05-01T14:00:00+02:00").value(), 1714564800);
  EXPECT_FALSE(ParseIso8601("yesterday").ok());
}

}  // namespace
}  // namespace pe::fs
