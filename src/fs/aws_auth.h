// Temporary AWS credentials that come from a service rather than from configuration: the parts of
// the AWS SDK default credentials chain (DefaultCredentialsProvider, which Pinot's S3PinotFS uses
// when no accessKey/secretKey are set) after environment variables and profiles:
//  * web identity (WebIdentityTokenFileCredentialsProvider, e.g. EKS IRSA): the OIDC token in
//    AWS_WEB_IDENTITY_TOKEN_FILE is exchanged with STS AssumeRoleWithWebIdentity for AWS_ROLE_ARN;
//  * EC2 instance metadata (InstanceProfileCredentialsProvider) with IMDSv2 session tokens.
// The providers cache the credentials and refresh them before they expire; they are thread-safe.
// Secrets (web identity tokens, secret keys, session tokens) never appear in Status messages.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "fs/http.h"
#include "fs/sigv4.h"

namespace pe::fs {

class AwsCredentialsProvider {
 public:
  // `clock` judges expiry and the refresh point (empty = the system clock).
  explicit AwsCredentialsProvider(Clock clock = {}) : clock_(std::move(clock)) {}
  virtual ~AwsCredentialsProvider() = default;
  // Current credentials; refreshed when within the refresh margin of their expiration.
  Result<SigV4Credentials> Get();
  // For messages: "web identity (role arn:...)", "EC2 instance metadata (role x)".
  virtual std::string source() const = 0;
  // Number of times credentials were fetched (for tests).
  int fetches() const;
  // The store refused `access_key_id` as expired (S3 ExpiredToken): when those are still the
  // current credentials, the next Get() fetches new ones whatever their stated expiry (a revoked
  // credential, or clocks that disagree). A no-op when another caller already replaced them.
  void Invalidate(const std::string& access_key_id);

 protected:
  struct Fetched {
    SigV4Credentials credentials;
    int64_t expiration_unix = 0;  // 0 = never
  };
  virtual Result<Fetched> Fetch() = 0;
  const Clock& clock() const { return clock_; }

 private:
  Clock clock_;
  mutable std::mutex mu_;
  Fetched current_;
  bool have_ = false;
  int64_t fetched_at_ = 0;
  int fetches_ = 0;
};

struct WebIdentityConfig {
  std::string token_file;    // AWS_WEB_IDENTITY_TOKEN_FILE / profile web_identity_token_file
  std::string role_arn;      // AWS_ROLE_ARN / profile role_arn
  std::string session_name;  // AWS_ROLE_SESSION_NAME / profile role_session_name; default
                             // "pinot-export-<epoch ms>"
  // STS endpoint, "http(s)://host[:port]": AWS_ENDPOINT_URL_STS > AWS_ENDPOINT_URL >
  // https://sts.<region>.amazonaws.com (regional STS, the SDKs' default) >
  // https://sts.amazonaws.com.
  std::string endpoint;
  HttpOptions http;
  int max_attempts = 3;
  Clock clock;  // empty = the system clock
};
// STS AssumeRoleWithWebIdentity
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html): an
// unsigned POST of Action, Version=2011-06-15, RoleArn, RoleSessionName, WebIdentityToken (the
// token file is re-read on every refresh, since Kubernetes rotates it).
std::shared_ptr<AwsCredentialsProvider> NewWebIdentityProvider(WebIdentityConfig c);

struct ImdsConfig {
  // AWS_EC2_METADATA_SERVICE_ENDPOINT, default http://169.254.169.254.
  std::string endpoint = "http://169.254.169.254";
  HttpOptions http{/*connect_timeout_ms=*/1000, /*request_timeout_ms=*/2000,
                   /*stall_timeout_s=*/2};
  int max_attempts = 1;  // the SDKs' default for IMDS: fail fast where there is none
  Clock clock;           // empty = the system clock
};
// IMDSv2
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html):
// PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds, then with
// X-aws-ec2-metadata-token: GET /latest/meta-data/iam/security-credentials/ (the role name) and
// GET .../security-credentials/<role> (JSON AccessKeyId, SecretAccessKey, Token, Expiration).
// No IMDSv1 fallback.
std::shared_ptr<AwsCredentialsProvider> NewImdsProvider(ImdsConfig c);

// "2024-05-01T12:00:00Z" (optionally with fractional seconds or a +hh:mm offset) -> Unix seconds.
Result<int64_t> ParseIso8601(const std::string& s);

}  // namespace pe::fs
