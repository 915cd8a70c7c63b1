#include "fs/gcp_auth.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "common/redact.h"
#include "fs/sigv4.h"

namespace pe::fs {

namespace {

constexpr int64_t kJwtLifetimeS = 3600;  // Google's maximum assertion lifetime
constexpr int64_t kRefreshMarginS = 300;

int B64Value(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == (url ? '-' : '+')) return 62;
  if (c == (url ? '_' : '/')) return 63;
  return -1;
}

Result<std::string> B64Decode(std::string_view in, bool url) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == ' ') continue;
    int v = B64Value(c, url);
    if (v < 0) return Status::InvalidArgument("invalid base64 text");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// application/x-www-form-urlencoded value (RFC 3986 unreserved kept, the rest %XX).
std::string FormEncode(const std::string& s) { return UriEncode(s, false); }

}  // namespace

std::string Base64UrlEncode(std::string_view data) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : data) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

Result<std::string> Base64UrlDecode(std::string_view data) { return B64Decode(data, true); }
Result<std::string> Base64Decode(std::string_view data) { return B64Decode(data, false); }

Result<ServiceAccountKey> ParseServiceAccountKey(const std::string& json,
                                                 const std::string& origin) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("GCS credentials from " + origin + " are not valid JSON");
  }
  auto str = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string type = str("type");
  if (type != "service_account") {
    return Status::InvalidArgument(
        "GCS credentials from " + origin + " have type '" + type +
        "'; only service-account keys (\"type\": \"service_account\") are supported");
  }
  ServiceAccountKey k;
  k.client_email = str("client_email");
  k.private_key = str("private_key");
  k.private_key_id = str("private_key_id");
  k.project_id = str("project_id");
  if (!str("token_uri").empty()) k.token_uri = str("token_uri");
  k.origin = origin;
  if (k.client_email.empty() || k.private_key.empty()) {
    return Status::InvalidArgument("GCS service-account key from " + origin +
                                   " lacks client_email or private_key");
  }
  return k;
}

Result<ServiceAccountKey> LoadServiceAccountKeyFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::InvalidArgument("cannot read GCS service-account key file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ParseServiceAccountKey(ss.str(), "key file " + path);
}

Result<std::string> MakeServiceAccountJwt(const ServiceAccountKey& key, const std::string& scope,
                                          int64_t now_unix) {
  nlohmann::json header{{"alg", "RS256"}, {"typ", "JWT"}};
  if (!key.private_key_id.empty()) header["kid"] = key.private_key_id;
  nlohmann::json claims{{"iss", key.client_email},
                        {"scope", scope},
                        {"aud", key.token_uri},
                        {"iat", now_unix},
                        {"exp", now_unix + kJwtLifetimeS}};
  std::string signing_input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());

  auto bad_key = [&] {
    return Status::InvalidArgument("the private_key of the GCS service-account key from " +
                                   key.origin + " is not a valid PEM RSA private key");
  };
  BIO* bio = BIO_new_mem_buf(key.private_key.data(), static_cast<int>(key.private_key.size()));
  if (!bio) return Status::IOError("OpenSSL: cannot allocate a BIO");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!pkey) return bad_key();
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey_guard(pkey, EVP_PKEY_free);
  if (EVP_PKEY_base_id(pkey) != EVP_PKEY_RSA) return bad_key();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return Status::IOError("OpenSSL: cannot allocate a digest context");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_guard(ctx, EVP_MD_CTX_free);
  size_t sig_len = 0;
  // RS256 = RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 section 3.3); PKCS#1 v1.5 is the default
  // padding of an RSA EVP_PKEY.
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) != 1 ||
      EVP_DigestSignUpdate(ctx, signing_input.data(), signing_input.size()) != 1 ||
      EVP_DigestSignFinal(ctx, nullptr, &sig_len) != 1) {
    return Status::IOError("OpenSSL: cannot sign the GCS OAuth2 assertion");
  }
  std::string sig(sig_len, '\0');
  if (EVP_DigestSignFinal(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len) != 1) {
    return Status::IOError("OpenSSL: cannot sign the GCS OAuth2 assertion");
  }
  sig.resize(sig_len);
  return signing_input + "." + Base64UrlEncode(sig);
}

GcpTokenSource::GcpTokenSource(ServiceAccountKey key, std::string scope, HttpOptions http,
                               Clock clock)
    : key_(std::move(key)),
      scope_(std::move(scope)),
      http_options_(http),
      clock_(std::move(clock)) {}

int GcpTokenSource::fetches() const {
  std::lock_guard<std::mutex> l(mu_);
  return fetches_;
}

void GcpTokenSource::Invalidate() {
  std::lock_guard<std::mutex> l(mu_);
  token_.clear();
  expires_at_ = 0;
}

Result<std::string> GcpTokenSource::Token() {
  std::lock_guard<std::mutex> l(mu_);
  int64_t now = NowUnix(clock_);
  // Short-lived tokens (expires_in under 10 minutes) are refreshed at half-life instead.
  int64_t margin = std::min<int64_t>(kRefreshMarginS, (expires_at_ - fetched_at_) / 2);
  if (!token_.empty() && now < expires_at_ - margin) return token_;
  return Fetch(now);
}

// POST token_uri grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>
// (RFC 7523 section 2.1); the answer is {"access_token", "expires_in", "token_type"} or an
// RFC 6749 section 5.2 error {"error", "error_description"}. Retries transport errors and 5xx.
Result<std::string> GcpTokenSource::Fetch(int64_t now) {
  const std::string what =
      RedactUri("GCS OAuth2 token request to " + key_.token_uri + " for service account " +
                key_.client_email + " (" + key_.origin + ")");
  PE_ASSIGN_OR_RETURN(std::string jwt, MakeServiceAccountJwt(key_, scope_, now));
  HttpRequest req;
  req.method = "POST";
  req.url = key_.token_uri;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.body = "grant_type=" + FormEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
             "&assertion=" + FormEncode(jwt);
  HttpClient http(http_options_);
  RetryPolicy retry;
  retry.max_attempts = 3;
  std::mt19937_64 rng(std::random_device{}());
  Result<HttpResponse> r = Status::IOError("not sent");
  for (int attempt = 1;; ++attempt) {
    ++fetches_;
    r = http.Send(req);
    bool transient = !r.ok() || r->status == 429 || r->status / 100 == 5;
    if (!transient || attempt >= retry.max_attempts) break;
    SleepMs(BackoffDelayMs(retry, attempt, rng));
  }
  if (!r.ok()) return Status::IOError(what + " failed: " + r.status().message());
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status != 200) {
    std::string text = what + " failed: HTTP " + std::to_string(r->status);
    if (!j.is_discarded() && j.is_object()) {
      std::string err = j.value("error", std::string());
      std::string desc = j.value("error_description", std::string());
      if (!err.empty()) text += " " + Bounded(err);
      if (!desc.empty()) text += ": " + Bounded(desc);
      if (err == "invalid_grant") {
        text +=
            " (check that the key file holds a current, not deleted, key of this service "
            "account)";
      }
    }
    // Defence in depth: the assertion grants tokens for an hour; never echo it.
    text = Redact(OneLine(text), {jwt});
    if (r->status == 400 || r->status == 401 || r->status == 403) {
      return Status::InvalidArgument(text);
    }
    return Status::IOError(text);
  }
  if (j.is_discarded() || !j.is_object() || !j.contains("access_token") ||
      !j["access_token"].is_string()) {
    return Status::Corruption(what + ": response without access_token");
  }
  token_ = j["access_token"].get<std::string>();
  int64_t expires_in = 3600;
  if (j.contains("expires_in") && j["expires_in"].is_number()) {
    expires_in = j["expires_in"].get<int64_t>();
  }
  expires_at_ = now + expires_in;
  fetched_at_ = now;
  return token_;
}

}  // namespace pe::fs
