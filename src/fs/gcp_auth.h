// Google service-account OAuth2 ("Using OAuth 2.0 for Server to Server Applications",
// https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests):
// an RS256-signed JWT assertion (RFC 7519 / RFC 7523) built from the service-account JSON key is
// exchanged at the key's token_uri for a short-lived access token, which then authorises GCS XML
// API requests as "Authorization: Bearer <token>". This is what GcsPinotFS gets from
// GoogleCredentials.fromStream(gcpKey) in the Java client.
//
// Secrets (the private key, assertions, access tokens) never appear in Status messages.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "fs/http.h"

namespace pe::fs {

// The fields of a service-account key file ("type": "service_account") that are used here.
struct ServiceAccountKey {
  std::string client_email;
  std::string private_key;  // PKCS#8 PEM
  std::string private_key_id;
  std::string token_uri = "https://oauth2.googleapis.com/token";
  std::string project_id;
  std::string origin;  // where the key came from, for messages ("key file /x.json")
};

// Parses a key file's JSON text. `origin` names its source in error messages (never the content).
// InvalidArgument for malformed JSON, a "type" other than service_account (e.g. authorized_user
// user credentials, which are not supported) or missing client_email/private_key.
Result<ServiceAccountKey> ParseServiceAccountKey(const std::string& json,
                                                 const std::string& origin);
Result<ServiceAccountKey> LoadServiceAccountKeyFile(const std::string& path);

// Base64url without padding (RFC 7515 section 2).
std::string Base64UrlEncode(std::string_view data);
Result<std::string> Base64UrlDecode(std::string_view data);
// Standard base64 decode (Pinot's jsonKey may be base64-encoded JSON); padding optional.
Result<std::string> Base64Decode(std::string_view data);

// header.claims.signature with header {"alg":"RS256","typ":"JWT"[,"kid":private_key_id]} and
// claims {iss: client_email, scope, aud: token_uri, iat: now, exp: now + 3600}.
Result<std::string> MakeServiceAccountJwt(const ServiceAccountKey& key, const std::string& scope,
                                          int64_t now_unix);

// GCS read-write scope (https://cloud.google.com/storage/docs/oauth-scopes).
inline constexpr char kGcsReadWriteScope[] =
    "https://www.googleapis.com/auth/devstorage.read_write";

// Exchanges JWT assertions for access tokens and caches the token until 5 minutes before it
// expires (the Java client's refresh margin, OAuth2Credentials.DEFAULT_REFRESH_MARGIN), or until
// half its lifetime for tokens shorter than 10 minutes.
// Thread-safe.
class GcpTokenSource {
 public:
  // `clock` judges expiry, the refresh point and the assertion's iat (empty = the system clock).
  GcpTokenSource(ServiceAccountKey key, std::string scope, HttpOptions http, Clock clock = {});
  // A valid access token, fetching a new one when none is cached or it is about to expire.
  Result<std::string> Token();
  // Forgets the cached token (after the server rejected it with 401).
  void Invalidate();
  const ServiceAccountKey& key() const { return key_; }
  // Number of token requests made (for tests).
  int fetches() const;

 private:
  Result<std::string> Fetch(int64_t now);
  ServiceAccountKey key_;
  std::string scope_;
  HttpOptions http_options_;
  Clock clock_;
  mutable std::mutex mu_;
  std::string token_;
  int64_t expires_at_ = 0;
  int64_t fetched_at_ = 0;
  int fetches_ = 0;
};

}  // namespace pe::fs
