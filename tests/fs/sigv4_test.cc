// SigV4 signer against the AWS SigV4 test suite (the vectors shipped with
// @aws-sdk/signature-v4, dumped by tests/e2e/s3_sigv4_vectors.mjs) and S3's documented example.
#include "fs/sigv4.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testing/testing.h"

namespace pe::fs {
namespace {

TEST(SigV4, UriEncode) {
  EXPECT_EQ(UriEncode("a b/c~d", true), "a%20b/c~d");
  EXPECT_EQ(UriEncode("a b/c~d", false), "a%20b%2Fc~d");
  EXPECT_EQ(UriEncode("\xe1\x88\xb4", false), "%E1%88%B4");
  EXPECT_EQ(UriEncode("+=&", false), "%2B%3D%26");
}

TEST(SigV4, Sha256AndHmac) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// The suite's vectors: every request must produce exactly the expected Authorization header.
TEST(SigV4, AwsTestSuiteVectors) {
  auto run = pe::testing::RunNode("s3_sigv4_vectors.mjs", {});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto suite = nlohmann::json::parse(run.out);
  SigV4Credentials creds{suite["accessKeyId"], suite["secretAccessKey"], ""};
  ASSERT_GE(suite["requests"].size(), 20u);
  int checked = 0;
  for (const auto& r : suite["requests"]) {
    SigV4Request req;
    req.method = r["method"];
    req.path = r["path"];
    for (auto& [k, v] : r["query"].items()) {
      if (v.is_array()) {
        for (const auto& e : v) req.query.emplace_back(k, e.get<std::string>());
      } else {
        req.query.emplace_back(k, v.is_string() ? v.get<std::string>() : std::string());
      }
    }
    std::string date;
    for (auto& [k, v] : r["headers"].items()) {
      req.headers.emplace_back(k, v.get<std::string>());
      if (k == "x-amz-date") date = v;
    }
    req.payload_hash = Sha256Hex(r["body"].get<std::string>());
    SigV4Result got = SignV4(req, creds, suite["region"], suite["service"], date);
    EXPECT_EQ(got.authorization, r["authorization"].get<std::string>())
        << r["name"] << "\ncanonical request:\n"
        << got.canonical_request;
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(suite["requests"].size()));
}

// "Example: GET Object" from
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
TEST(SigV4, S3DocumentedGetObjectExample) {
  SigV4Request req;
  req.method = "GET";
  req.path = "/test.txt";
  req.payload_hash = Sha256Hex("");
  req.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                 {"Range", "bytes=0-9"},
                 {"x-amz-content-sha256", req.payload_hash},
                 {"x-amz-date", "20130524T000000Z"}};
  SigV4Credentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  SigV4Result r = SignV4(req, creds, "us-east-1", "s3", "20130524T000000Z");
  EXPECT_EQ(r.signed_headers, "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(r.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

}  // namespace
}  // namespace pe::fs
