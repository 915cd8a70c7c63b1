// common/redact.h: queries, fragments and userinfo leave every URI; named secrets leave the text.
#include "common/redact.h"

#include <gtest/gtest.h>

namespace pe {
namespace {

TEST(RedactUri, DropsQueryAndUserinfoOfEveryUri) {
  // An S3 presigned GET (AWS SigV4 query authentication) and a GCS V4 signed URL.
  EXPECT_EQ(
      RedactUri("GET https://b.s3.amazonaws.com/k/x.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                "&X-Amz-Credential=AKIDEXAMPLE%2F20240501&X-Amz-Signature=deadbeef: HTTP 403"),
      "GET https://b.s3.amazonaws.com/k/x.tar.gz?***: HTTP 403");
  EXPECT_EQ(RedactUri("a https://storage.googleapis.com/b/o?X-Goog-Signature=0a1b and "
                      "http://u:p%40ss@h:8080/p?token=t#frag"),
            "a https://storage.googleapis.com/b/o?*** and http://***@h:8080/p?***");
  EXPECT_EQ(RedactUri("(see ftp://user:pw@host)."), "(see ftp://***@host).");
  EXPECT_EQ(RedactUri("'https://h/#access_token=abc'"), "'https://h/#***'");
  EXPECT_EQ(RedactUri("https://h?q=1"), "https://h?***");
  EXPECT_EQ(RedactUri("no uri here: a?b=c user:pw@host"), "no uri here: a?b=c user:pw@host");
  // Nothing to drop: unchanged (object store URIs, a bare '?').
  EXPECT_EQ(RedactUri("PUT s3://bucket/a/b.parquet: HTTP 500; hdfs://nn:8020/x/y?"),
            "PUT s3://bucket/a/b.parquet: HTTP 500; hdfs://nn:8020/x/y?");
  // An '@' in the path is not userinfo.
  EXPECT_EQ(RedactUri("gs://b/k@v1"), "gs://b/k@v1");
  // A URI inside a query is part of that query.
  EXPECT_EQ(RedactUri("https://idp/cb?redirect=https://u:p@x/?s=1 end"), "https://idp/cb?*** end");
  EXPECT_EQ(RedactUri(""), "");
  EXPECT_EQ(RedactUri("://@?"), "://***@?");
}

TEST(Redact, ReplacesSecretsAndTheirUrlEncodedForm) {
  const std::string token = "IQoJb3JpZ2luX2VjE/session+token==";
  std::string msg = "server said: bad token " + token + " (sent as IQoJb3JpZ2luX2VjE%2Fsession" +
                    "%2Btoken%3D%3D) to https://sts/?WebIdentityToken=x";
  EXPECT_EQ(Redact(msg, {token, "abc", ""}),
            "server said: bad token *** (sent as ***) to https://sts/?***");
  // Short secrets are ignored rather than shredding words; repeated secrets all go.
  EXPECT_EQ(Redact("key abc abc", {"abc"}), "key abc abc");
  EXPECT_EQ(Redact("k=s3cr3t s3cr3ts3cr3t", std::vector<std::string>{"s3cr3t"}), "k=*** ******");
}

}  // namespace
}  // namespace pe
