// Property parsing, shared AWS files, credential/region/endpoint precedence, XML helpers.
#include "fs/config.h"

#include <gtest/gtest.h>

#include "common/file.h"
#include "fs/fs.h"
#include "fs/s3.h"
#include "fs/xml.h"

namespace pe::fs {
namespace {

TEST(Config, DataSize) {
  EXPECT_EQ(ParseDataSize("128MB").value(), 128ull << 20);
  EXPECT_EQ(ParseDataSize("5G").value(), 5ull << 30);
  EXPECT_EQ(ParseDataSize("5gb").value(), 5ull << 30);
  EXPECT_EQ(ParseDataSize("1.5K").value(), 1536u);
  EXPECT_EQ(ParseDataSize("42").value(), 42u);
  EXPECT_TRUE(ParseDataSize("12XB").status().IsInvalidArgument());
  EXPECT_TRUE(ParseDataSize("MB").status().IsInvalidArgument());
}

TEST(Config, Duration) {
  EXPECT_EQ(ParseDurationMs("10s").value(), 10'000);
  EXPECT_EQ(ParseDurationMs("1h20m").value(), 4'800'000);
  EXPECT_EQ(ParseDurationMs("500ms").value(), 500);
  EXPECT_EQ(ParseDurationMs("PT1H20S").value(), 3'620'000);
  EXPECT_TRUE(ParseDurationMs("soon").status().IsInvalidArgument());
}

TEST(Xml, UnescapeAndElements) {
  EXPECT_EQ(XmlUnescape("a&amp;b&lt;c&gt;&quot;&apos;&#65;&#x263A;&bogus;&"),
            "a&b<c>\"'A\xe2\x98\xba&bogus;&");
  EXPECT_EQ(XmlEscape("<a&\"'>"), "&lt;a&amp;&quot;&apos;&gt;");
  std::string doc =
      "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<KeyCount>2</KeyCount><Contents><Key>a&amp;b</Key><Size>3</Size></Contents>"
      "<Contents><Key>c</Key><Size>0</Size></Contents><Empty/></ListBucketResult>";
  auto contents = XmlElements(doc, "Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(XmlText(contents[0], "Key").value(), "a&b");
  EXPECT_EQ(XmlText(doc, "Key").value(), "a&b");  // not <KeyCount>
  EXPECT_EQ(XmlText(doc, "KeyCount").value(), "2");
  EXPECT_EQ(XmlText(doc, "Empty").value(), "");
  EXPECT_FALSE(XmlText(doc, "Missing").has_value());
}

class AwsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::move(TempDir::Make("pe-aws-config").value());
    ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/credentials",
                                "[default]\naws_access_key_id = AKDEFAULT\n"
                                "aws_secret_access_key = SKDEFAULT\n\n"
                                "# comment\n[ci]\naws_access_key_id=AKCI\n"
                                "aws_secret_access_key=SKCI\naws_session_token=TOKCI\n")
                    .ok());
    ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/config",
                                "[default]\nregion = us-west-1\n"
                                "[profile ci]\nregion = eu-central-1\n"
                                "endpoint_url = http://minio:9000\nmax_attempts = 7\n"
                                "s3 =\n  addressing_style = path\n"
                                "[profile cfgonly]\naws_access_key_id = AKCFG\n"
                                "aws_secret_access_key = SKCFG\n")
                    .ok());
    env_ = {{"HOME", "/nonexistent"},
            {"AWS_SHARED_CREDENTIALS_FILE", dir_.path() + "/credentials"},
            {"AWS_CONFIG_FILE", dir_.path() + "/config"}};
  }
  TempDir dir_;
  Env env_;
};

TEST_F(AwsConfigTest, DefaultProfile) {
  auto o = S3OptionsFromProps({}, env_);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->credentials.access_key, "AKDEFAULT");
  EXPECT_EQ(o->credentials.secret_key, "SKDEFAULT");
  EXPECT_EQ(o->region, "us-west-1");
  EXPECT_TRUE(o->endpoint.empty());
  EXPECT_FALSE(o->path_style);
}

TEST_F(AwsConfigTest, NamedProfile) {
  env_["AWS_PROFILE"] = "ci";
  auto o = S3OptionsFromProps({}, env_);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->credentials.access_key, "AKCI");
  EXPECT_EQ(o->credentials.session_token, "TOKCI");
  EXPECT_EQ(o->region, "eu-central-1");
  EXPECT_EQ(o->endpoint, "http://minio:9000");
  EXPECT_TRUE(o->path_style);  // custom endpoint
  EXPECT_EQ(o->retry.max_attempts, 7);
  env_["AWS_PROFILE"] = "cfgonly";  // keys in the config file only
  EXPECT_EQ(S3OptionsFromProps({}, env_)->credentials.access_key, "AKCFG");
}

TEST_F(AwsConfigTest, Precedence) {
  env_["AWS_ACCESS_KEY_ID"] = "AKENV";
  env_["AWS_SECRET_ACCESS_KEY"] = "SKENV";
  env_["AWS_SESSION_TOKEN"] = "TOKENV";
  env_["AWS_DEFAULT_REGION"] = "ap-south-1";
  env_["AWS_ENDPOINT_URL"] = "http://generic:1";
  env_["AWS_ENDPOINT_URL_S3"] = "http://s3only:2";
  auto o = S3OptionsFromProps({}, env_);
  EXPECT_EQ(o->credentials.access_key, "AKENV");
  EXPECT_EQ(o->credentials.session_token, "TOKENV");
  EXPECT_EQ(o->region, "ap-south-1");
  EXPECT_EQ(o->endpoint, "http://s3only:2");
  env_["AWS_REGION"] = "sa-east-1";
  EXPECT_EQ(S3OptionsFromProps({}, env_)->region, "sa-east-1");
  Props props{{"accessKey", "AKPROP"},
              {"secretKey", "SKPROP"},
              {"region", "us-east-2"},
              {"endpoint", "https://s3.example"},
              {"pathStyleAccess", "false"}};
  o = S3OptionsFromProps(props, env_);
  EXPECT_EQ(o->credentials.access_key, "AKPROP");
  EXPECT_EQ(o->credentials.session_token, "");  // env token is not mixed with prop keys
  EXPECT_EQ(o->region, "us-east-2");
  EXPECT_EQ(o->endpoint, "https://s3.example");
  EXPECT_FALSE(o->path_style);
}

TEST_F(AwsConfigTest, Errors) {
  Env empty{{"HOME", "/nonexistent"}, {"AWS_EC2_METADATA_DISABLED", "true"}};
  auto o = S3OptionsFromProps({}, empty);
  EXPECT_TRUE(o.status().IsInvalidArgument());
  EXPECT_NE(o.status().message().find("no S3 credentials"), std::string::npos);
  EXPECT_TRUE(S3OptionsFromProps({{"accessKey", "x"}}, empty).status().IsInvalidArgument());
  EXPECT_TRUE(
      S3OptionsFromProps({{"roleArn", "arn:aws:iam::1:role/x"}}, env_).status().IsNotSupported());
  EXPECT_TRUE(S3OptionsFromProps({{"disableAcl", "maybe"}}, env_).status().IsInvalidArgument());
  EXPECT_TRUE(S3OptionsFromProps({{"anonymousCredentialsProvider", "true"}}, empty).ok());
  auto t = S3OptionsFromProps(
      {{"httpclient.socketTimeout", "2500ms"}, {"httpclient.connectionTimeout", "PT3S"}}, env_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->http.stall_timeout_s, 3);
  EXPECT_EQ(t->http.connect_timeout_ms, 3000);
}

TEST(Factory, SchemesAndClasses) {
  EXPECT_EQ(UriScheme("/tmp/x"), "file");
  EXPECT_EQ(UriScheme("file:///tmp/x"), "file");
  EXPECT_EQ(UriScheme("S3://b/k"), "s3");
  EXPECT_TRUE(OpenFileSystem("/tmp/x", {}, "org.apache.pinot.spi.filesystem.LocalPinotFS").ok());
  EXPECT_TRUE(OpenFileSystem("/tmp/x", {}, "").ok());
  EXPECT_TRUE(OpenFileSystem("/tmp/x", {}, "org.apache.pinot.plugin.filesystem.S3PinotFS")
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(OpenFileSystem("/tmp/x", {}, "com.example.MyFS").status().IsNotSupported());
  EXPECT_TRUE(OpenFileSystem("ftp://x/y", {}, "").status().IsNotSupported());
  auto u = ParseObjectUri("s3://bucket/a/b c");
  EXPECT_EQ(u->bucket, "bucket");
  EXPECT_EQ(u->key, "a/b c");
  EXPECT_TRUE(ParseObjectUri("s3:///k").status().IsInvalidArgument());
}

}  // namespace
}  // namespace pe::fs
