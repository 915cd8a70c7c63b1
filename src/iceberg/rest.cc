#include "iceberg/rest.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <utility>

#include "common/log.h"
#include "common/redact.h"
#include "iceberg/json_text.h"

namespace pe::iceberg {

namespace {

using Json = nlohmann::json;

// Java RESTSigV4AuthSession.EMPTY_BODY_SHA256: an empty body's hash is sent explicitly.
constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// OAuth2Properties.TOKEN_EXPIRES_IN_MS_DEFAULT: a token without expires_in lives 1 h.
constexpr int64_t kDefaultTokenLifetimeMs = 3'600'000;
// OAuth2Util.AuthSession: refresh min(lifetime / 10, 5 min) before expiry.
constexpr int64_t kMaxRefreshWindowMs = 300'000;
// A server's Retry-After is honoured up to this long (a hostile or broken value must not park
// the exporter for hours).
constexpr long kMaxRetryAfterMs = 60'000;

// Endpoints as /v1/config lists them (spec CatalogConfig.endpoints).
constexpr const char* kLoadTableEndpoint = "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}";
constexpr const char* kCommitEndpoint = "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}";
constexpr const char* kCredentialsEndpoint =
    "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials";

int64_t NowMs(const fs::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             (clock ? clock() : std::chrono::system_clock::now()).time_since_epoch())
      .count();
}

// "YYYYMMDDTHHMMSSZ" (x-amz-date) for `ms` since the epoch.
std::string AmzDate(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A JSON object of string values as a map; other scalar values are kept in their JSON spelling
// (some servers send numbers or booleans where the spec says string).
Result<std::map<std::string, std::string>> StringMap(const Json& j, const std::string& what) {
  std::map<std::string, std::string> out;
  if (j.is_null()) return out;
  if (!j.is_object()) return Status::InvalidArgument(what + " is not a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) {
      out[k] = v.get<std::string>();
    } else if (v.is_primitive() && !v.is_null()) {
      out[k] = v.dump();
    }
  }
  return out;
}

Result<std::vector<StorageCredential>> ParseStorageCredentials(const Json& j,
                                                               const std::string& what) {
  std::vector<StorageCredential> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return Status::InvalidArgument(what + ": storage-credentials is not a list");
  for (const auto& c : j) {
    if (!c.is_object() || !c.contains("prefix") || !c["prefix"].is_string()) {
      return Status::InvalidArgument(what + ": a storage credential has no prefix");
    }
    StorageCredential sc;
    sc.prefix = c["prefix"].get<std::string>();
    PE_ASSIGN_OR_RETURN(sc.config,
                        StringMap(c.value("config", Json()), what + ": storage credential config"));
    out.push_back(std::move(sc));
  }
  return out;
}

}  // namespace

struct RestCatalog::Impl {
  CatalogOptions o;
  fs::HttpClient http;
  std::string scheme, authority, base_path;  // o.uri = scheme://authority base_path
  std::map<std::string, std::string> config;
  std::string prefix;       // merged "prefix", used as-is in paths (Java ResourcePaths)
  std::string sep = "%1F";  // merged "namespace-separator", URL-encoded form
  bool idempotency = false;
  bool have_endpoints = false;
  std::set<std::string> endpoints;

  // Authentication.
  bool oauth2 = false;
  std::string client_id, client_secret;
  std::string token;  // static, or the current OAuth2 access token
  int64_t token_refresh_at_ms = 0;
  std::string token_uri;
  bool sigv4 = false;
  std::string signing_name;
  std::vector<std::string> secrets;

  std::mt19937_64 rng{std::random_device{}()};

  explicit Impl(CatalogOptions opts) : o(std::move(opts)), http(o.http) {}

  void AddSecret(const std::string& s) {
    if (s.empty()) return;
    if (std::find(secrets.begin(), secrets.end(), s) == secrets.end()) secrets.push_back(s);
    log::AddSecret(s);
  }
  std::string Scrub(const std::string& s) const { return Redact(fs::OneLine(s), secrets); }
  std::string Base() const { return scheme + "://" + authority; }

  void Sleep(long ms) {
    if (o.sleep) {
      o.sleep(ms);
    } else {
      fs::SleepMs(ms);
    }
  }

  // ---- OAuth2 client credentials (OAuth2Util.fetchToken; RFC 6749 section 4.4) -------------

  Status FetchToken() {
    std::string body = "grant_type=client_credentials";
    if (!client_id.empty()) body += "&client_id=" + PercentEncode(client_id);
    body += "&client_secret=" + PercentEncode(client_secret);
    if (!o.scope.empty()) body += "&scope=" + PercentEncode(o.scope);
    std::string what = "OAuth2 token request to " + token_uri;
    Call c;
    c.method = "POST";
    c.url = token_uri;
    c.body = std::move(body);
    c.content_type = "application/x-www-form-urlencoded";
    c.idempotent = true;  // a failed grant issues nothing; asking again is harmless
    c.authenticate = false;
    bool transport = false;
    PE_ASSIGN_OR_RETURN(fs::HttpResponse r, Send(c, what, &transport));
    if (r.status != 200) {
      // OAuthError: {"error": "invalid_client", "error_description": "..."}.
      std::string text = what + ": HTTP " + std::to_string(r.status);
      Json e = Json::parse(r.body, nullptr, false);
      if (e.is_object() && e.contains("error")) {
        if (e["error"].is_string()) {
          text += " " + e["error"].get<std::string>();
          if (e.contains("error_description") && e["error_description"].is_string()) {
            text += ": " + e["error_description"].get<std::string>();
          }
        } else if (e["error"].is_object()) {  // some servers answer IcebergErrorResponse
          text += " " + e["error"].value("type", std::string()) + ": " +
                  e["error"].value("message", std::string());
        }
      }
      text = Scrub(fs::Bounded(text));
      if (r.status >= 500 || r.status == 429) return Status::IOError(text);
      return Status::InvalidArgument(text + " (check the credential)");
    }
    Json j = Json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("access_token") || !j["access_token"].is_string()) {
      return Status::InvalidArgument(what + ": the answer has no access_token");
    }
    // token_type is "bearer" (case-insensitive, RFC 6749 section 7.1); Java rejects others.
    std::string type = j.value("token_type", std::string("bearer"));
    if (Lower(type) != "bearer") {
      return Status::InvalidArgument(what + ": unsupported token_type \"" + type + "\"");
    }
    token = j["access_token"].get<std::string>();
    AddSecret(token);
    int64_t lifetime = kDefaultTokenLifetimeMs;
    if (j.contains("expires_in") && j["expires_in"].is_number() &&
        j["expires_in"].get<double>() > 0) {
      lifetime = static_cast<int64_t>(j["expires_in"].get<double>() * 1000);
    }
    token_refresh_at_ms = NowMs(o.clock) + lifetime - std::min(lifetime / 10, kMaxRefreshWindowMs);
    return Status::OK();
  }

  Status EnsureToken() {
    if (!oauth2) return Status::OK();
    if (!token.empty() && NowMs(o.clock) < token_refresh_at_ms) return Status::OK();
    return FetchToken();
  }

  // ---- Requests -----------------------------------------------------------------------------

  struct Call {
    std::string method = "GET";
    std::string path;  // encoded path under Base(), e.g. "/iceberg/v1/config"
    std::vector<std::pair<std::string, std::string>> query;  // decoded
    std::string url;  // absolute URL instead of path (token endpoint)
    std::string body;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
    bool idempotent = true;
    bool authenticate = true;
  };

  Result<fs::HttpRequest> Build(const Call& c) {
    fs::HttpRequest req;
    req.method = c.method;
    std::string qs;
    for (const auto& [k, v] : c.query) {
      qs += (qs.empty() ? "?" : "&") + PercentEncode(k) + "=" + PercentEncode(v);
    }
    req.url = (c.url.empty() ? Base() + c.path : c.url) + qs;
    req.body = c.body;
    req.headers.emplace_back("Accept", "application/json");
    if (!c.content_type.empty()) req.headers.emplace_back("Content-Type", c.content_type);
    for (const auto& h : c.headers) req.headers.push_back(h);
    if (!c.authenticate) return req;
    if (!token.empty()) {
      // Java RESTSigV4AuthSession relocates a delegate's Authorization header to
      // Original-Authorization (signed with the rest) since SigV4's Authorization wins.
      req.headers.emplace_back(sigv4 ? "Original-Authorization" : "Authorization",
                               "Bearer " + token);
    }
    if (sigv4) {
      PE_ASSIGN_OR_RETURN(fs::SigV4Credentials creds, o.aws_credentials());
      AddSecret(creds.secret_key);
      AddSecret(creds.session_token);
      std::string hash = c.body.empty() ? kEmptySha256 : fs::Sha256Hex(c.body);
      req.headers.emplace_back("Host", authority);
      req.headers.emplace_back("X-Amz-Date", AmzDate(NowMs(o.clock)));
      req.headers.emplace_back("X-Amz-Content-Sha256", hash);
      if (!creds.session_token.empty()) {
        req.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
      }
      fs::SigV4Request sr;
      sr.method = c.method;
      // Services other than S3 sign the URI-encoded path encoded once more (AWS "Create a
      // canonical request": double encoding); SignV4 encodes the path it is given once, so it
      // gets the path as sent.
      sr.path = c.path;
      sr.query = c.query;
      sr.headers = req.headers;
      sr.payload_hash = hash;
      std::string date;
      for (const auto& [k, v] : req.headers) {
        if (k == "X-Amz-Date") date = v;
      }
      fs::SigV4Result sig = fs::SignV4(sr, creds, o.signing_region, signing_name, date);
      req.headers.emplace_back("Authorization", sig.authorization);
    }
    return req;
  }

  static bool RetryableStatus(long s) {
    // ExponentialHttpRequestRetryStrategy: 429 always; these for idempotent requests.
    return s == 429 || s == 500 || s == 502 || s == 503 || s == 504 || s == 408;
  }

  // The delay a Retry-After header asks for (delta-seconds or an HTTP-date, RFC 9110 section
  // 10.2.3), capped; -1 when absent or unusable.
  long RetryAfterMs(const fs::HttpResponse& r) {
    std::string v = r.header("retry-after");
    if (v.empty()) return -1;
    long ms = -1;
    if (std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      ms = v.size() > 6 ? kMaxRetryAfterMs : std::stol(v) * 1000;
    } else {
      time_t at = curl_getdate(v.c_str(), nullptr);
      if (at < 0) return -1;
      ms = static_cast<long>(static_cast<int64_t>(at) * 1000 - NowMs(o.clock));
      if (ms < 0) ms = 0;
    }
    return std::min(ms, kMaxRetryAfterMs);
  }

  // Sends `c`, retrying idempotent requests on transport errors and RetryableStatus (up to
  // o.max_attempts in all) and, with OAuth2, fetching a new token once when the catalog answers
  // 401 (a token revoked or expired early; the rejected request was not executed). Returns the
  // final response whatever its status, or a transport error (kIOError; `*transport` = true) or
  // an authentication error.
  Result<fs::HttpResponse> Send(const Call& c, const std::string& what, bool* transport) {
    *transport = false;
    bool refetched = false;
    for (int attempt = 1;;) {
      if (c.authenticate) PE_RETURN_IF_ERROR(EnsureToken());
      PE_ASSIGN_OR_RETURN(fs::HttpRequest req, Build(c));
      auto r = http.Send(req);
      if (!r.ok()) {
        if (c.idempotent && attempt < o.max_attempts) {
          Sleep(fs::BackoffDelayMs({o.max_attempts, o.retry_base_ms, 20'000}, attempt, rng));
          ++attempt;
          continue;
        }
        *transport = true;
        std::string text = what + ": " + r.status().message();
        if (attempt > 1) text += " (gave up after " + std::to_string(attempt) + " attempts)";
        return Status::IOError(Scrub(text));
      }
      if (oauth2 && c.authenticate && (r->status == 401 || r->status == 419) && !refetched) {
        refetched = true;
        log::Info(what + ": HTTP " + std::to_string(r->status) +
                  ", fetching a new OAuth2 token and retrying once");
        PE_RETURN_IF_ERROR(FetchToken());
        continue;
      }
      if (c.idempotent && RetryableStatus(r->status) && attempt < o.max_attempts) {
        long delay = RetryAfterMs(*r);
        if (delay < 0) {
          delay = fs::BackoffDelayMs({o.max_attempts, o.retry_base_ms, 20'000}, attempt, rng);
        }
        log::Debug(what + ": HTTP " + std::to_string(r->status) + ", retrying in " +
                   std::to_string(delay) + " ms");
        Sleep(delay);
        ++attempt;
        continue;
      }
      return std::move(r).value();
    }
  }

  // "<what>: HTTP <status> <type>: <message>" from an IcebergErrorResponse body (or the start
  // of whatever else the server sent), one line, bounded, secrets scrubbed.
  std::string ErrorText(const fs::HttpResponse& r, const std::string& what) const {
    std::string text = what + ": HTTP " + std::to_string(r.status);
    Json j = Json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_object()) {
      const Json& e = j["error"];
      if (e.contains("type") && e["type"].is_string()) text += " " + e["type"].get<std::string>();
      if (e.contains("message") && e["message"].is_string()) {
        text += ": " + e["message"].get<std::string>();
      }
    } else if (!r.body.empty()) {
      text += ": " + r.body;
    }
    return Scrub(fs::Bounded(text));
  }

  // Status of a failed read (config, loadTable, credentials).
  Status ReadError(const fs::HttpResponse& r, const std::string& what) const {
    std::string text = ErrorText(r, what);
    if (r.status == 404) return Status::NotFound(text);
    if (r.status == 401 || r.status == 419) {
      return Status::InvalidArgument(
          text + (oauth2 ? " (the OAuth2 token was refused)" : " (check the catalog credentials)"));
    }
    if (r.status == 403) {
      return Status::InvalidArgument(text + (sigv4 ? " (check the AWS credentials and the "
                                                     "signing region/name)"
                                                   : " (not permitted)"));
    }
    if (r.status >= 500 || r.status == 429 || r.status == 408) return Status::IOError(text);
    return Status::InvalidArgument(text);
  }

  Result<Json> ParseBody(const fs::HttpResponse& r, const std::string& what) const {
    Json j = Json::parse(r.body, nullptr, false);
    if (!j.is_object()) {
      return Status::InvalidArgument(what + ": the catalog's answer is not a JSON object");
    }
    return j;
  }

  // ---- Paths (Java ResourcePaths, RESTUtil.encodeNamespace) ----------------------------------

  std::string V1(const std::string& rest) const {
    return base_path + "/v1/" + (prefix.empty() ? "" : prefix + "/") + rest;
  }
  std::string TablePath(const std::vector<std::string>& ns, const std::string& table) const {
    std::string p;
    for (const auto& level : ns) p += (p.empty() ? "" : sep) + PercentEncode(level);
    return V1("namespaces/" + p + "/tables/" + PercentEncode(table));
  }
  static std::string Name(const std::vector<std::string>& ns, const std::string& table) {
    std::string n;
    for (const auto& level : ns) n += level + ".";
    return n + table;
  }
  Status CheckEndpoint(const char* endpoint, const std::string& what) const {
    if (!have_endpoints || endpoints.count(endpoint)) return Status::OK();
    return Status::NotSupported(what + ": the catalog does not offer " + endpoint +
                                " (not in the endpoints of /v1/config)");
  }
};

RestCatalog::RestCatalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RestCatalog::~RestCatalog() = default;

bool RestCatalog::supports_idempotency() const { return impl_->idempotency; }
bool RestCatalog::offers_credentials() const {
  return impl_->CheckEndpoint(kCredentialsEndpoint, "").ok();
}
const std::map<std::string, std::string>& RestCatalog::config() const { return impl_->config; }

Result<std::unique_ptr<RestCatalog>> RestCatalog::Connect(CatalogOptions o) {
  auto impl = std::make_unique<Impl>(std::move(o));
  Impl& c = *impl;
  const CatalogOptions& opt = c.o;
  c.AddSecret(opt.token);
  c.AddSecret(opt.credential);

  // restUri: scheme://authority[/base path].
  std::string uri = opt.uri;
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  size_t sep = uri.find("://");
  if (uri.empty() || sep == std::string::npos ||
      (uri.compare(0, sep, "http") != 0 && uri.compare(0, sep, "https") != 0)) {
    return Status::InvalidArgument("catalog.iceberg-rest.restUri \"" + c.Scrub(opt.uri) +
                                   "\" is not an http(s) URL");
  }
  c.scheme = uri.substr(0, sep);
  size_t slash = uri.find('/', sep + 3);
  c.authority =
      uri.substr(sep + 3, slash == std::string::npos ? std::string::npos : slash - sep - 3);
  c.base_path = slash == std::string::npos ? "" : uri.substr(slash);
  if (c.authority.empty() || c.authority.find('@') != std::string::npos ||
      uri.find_first_of("?#") != std::string::npos) {
    return Status::InvalidArgument("catalog.iceberg-rest.restUri \"" + c.Scrub(opt.uri) +
                                   "\" must be http(s)://host[:port][/path] (no user, query)");
  }
  if (c.base_path.size() >= 3 && c.base_path.compare(c.base_path.size() - 3, 3, "/v1") == 0) {
    return Status::InvalidArgument("catalog.iceberg-rest.restUri \"" + uri +
                                   "\" must not end in /v1 (the client adds it)");
  }
  if (opt.max_attempts < 1) return Status::InvalidArgument("max_attempts must be at least 1");

  // Authentication mode.
  if (!opt.token.empty() && !opt.credential.empty()) {
    return Status::InvalidArgument(
        "catalog.iceberg-rest: set either token or credential, not both");
  }
  c.token = opt.token;
  if (!opt.credential.empty()) {
    // OAuth2Util.parseCredential: "id:secret" splits at the first ':'; no ':' = a secret only.
    c.oauth2 = true;
    size_t colon = opt.credential.find(':');
    if (colon == std::string::npos) {
      c.client_secret = opt.credential;
    } else {
      c.client_id = opt.credential.substr(0, colon);
      c.client_secret = opt.credential.substr(colon + 1);
    }
    if (c.client_secret.empty()) {
      return Status::InvalidArgument(
          "catalog.iceberg-rest.credential must be clientId:clientSecret (the secret is empty)");
    }
    c.AddSecret(c.client_secret);
    c.AddSecret(PercentEncode(c.client_secret));
    c.token_uri = opt.oauth2_server_uri.empty() ? c.Base() + c.base_path + "/v1/oauth/tokens"
                                                : opt.oauth2_server_uri;
  }
  if (!opt.signing_region.empty()) {
    if (!opt.aws_credentials) {
      return Status::InvalidArgument(
          "catalog.iceberg-rest.rest.signing-region is set but no AWS credentials are available");
    }
    c.sigv4 = true;
    c.signing_name = opt.signing_name;
    if (c.signing_name.empty()) {
      // Glue: https://glue.<region>.amazonaws.com/iceberg signs as "glue"; S3 Tables:
      // https://s3tables.<region>.amazonaws.com/iceberg as "s3tables"; API Gateway fronts
      // (Java's AwsProperties.REST_SIGNER_NAME default) as "execute-api".
      std::string host = Lower(c.authority);
      if (host.rfind("glue.", 0) == 0 || host.rfind("glue-fips.", 0) == 0) {
        c.signing_name = "glue";
      } else if (host.rfind("s3tables.", 0) == 0) {
        c.signing_name = "s3tables";
      } else {
        c.signing_name = "execute-api";
      }
    }
  }

  // GET /v1/config[?warehouse=W]: merged = defaults, then client config, then overrides.
  Impl::Call call;
  call.path = c.base_path + "/v1/config";
  if (!opt.warehouse.empty()) call.query.emplace_back("warehouse", opt.warehouse);
  std::string what = "GET " + c.Base() + call.path;
  bool transport = false;
  PE_ASSIGN_OR_RETURN(fs::HttpResponse r, c.Send(call, what, &transport));
  if (r.status != 200) return c.ReadError(r, what);
  PE_ASSIGN_OR_RETURN(Json j, c.ParseBody(r, what));
  PE_ASSIGN_OR_RETURN(auto defaults, StringMap(j.value("defaults", Json()), what + ": defaults"));
  PE_ASSIGN_OR_RETURN(auto overrides,
                      StringMap(j.value("overrides", Json()), what + ": overrides"));
  std::map<std::string, std::string> client;
  if (!opt.warehouse.empty()) client["warehouse"] = opt.warehouse;
  if (!opt.oauth2_server_uri.empty()) client["oauth2-server-uri"] = opt.oauth2_server_uri;
  if (!opt.scope.empty()) client["scope"] = opt.scope;
  if (c.sigv4) {
    client["rest.signing-region"] = opt.signing_region;
    client["rest.signing-name"] = c.signing_name;
  }
  c.config = std::move(defaults);
  for (auto& [k, v] : client) c.config[k] = v;
  for (auto& [k, v] : overrides) c.config[k] = v;
  c.prefix = c.config.count("prefix") ? c.config["prefix"] : "";
  while (!c.prefix.empty() && c.prefix.front() == '/') c.prefix.erase(0, 1);
  while (!c.prefix.empty() && c.prefix.back() == '/') c.prefix.pop_back();
  if (c.config.count("namespace-separator") && !c.config["namespace-separator"].empty()) {
    c.sep = c.config["namespace-separator"];
  }
  // "Presence of this field indicates the server supports Idempotency-Key semantics for mutation
  // endpoints" (CatalogConfig.idempotency-key-lifetime).
  c.idempotency =
      j.contains("idempotency-key-lifetime") && j["idempotency-key-lifetime"].is_string();
  if (j.contains("endpoints") && j["endpoints"].is_array()) {
    c.have_endpoints = true;
    for (const auto& e : j["endpoints"]) {
      if (e.is_string()) c.endpoints.insert(e.get<std::string>());
    }
  }
  // The catalog may name its token endpoint (OAuth2Properties.OAUTH2_SERVER_URI); later tokens
  // come from there. A relative value is resolved against restUri.
  if (c.oauth2 && c.config.count("oauth2-server-uri") && !c.config["oauth2-server-uri"].empty()) {
    std::string t = c.config["oauth2-server-uri"];
    if (t.find("://") == std::string::npos) {
      t = c.Base() + c.base_path + (t.front() == '/' ? "" : "/") + t;
    }
    c.token_uri = t;
  }
  return std::unique_ptr<RestCatalog>(new RestCatalog(std::move(impl)));
}

Result<LoadTableResult> RestCatalog::LoadTable(const std::vector<std::string>& ns,
                                               const std::string& table) {
  Impl& c = *impl_;
  std::string what = "load table " + Impl::Name(ns, table);
  PE_RETURN_IF_ERROR(c.CheckEndpoint(kLoadTableEndpoint, what));
  Impl::Call call;
  call.path = c.TablePath(ns, table);
  // Vended credentials for the table's storage (spec header X-Iceberg-Access-Delegation).
  call.headers.emplace_back("X-Iceberg-Access-Delegation", "vended-credentials");
  bool transport = false;
  PE_ASSIGN_OR_RETURN(fs::HttpResponse r, c.Send(call, what, &transport));
  if (r.status != 200) return c.ReadError(r, what);
  PE_ASSIGN_OR_RETURN(Json j, c.ParseBody(r, what));
  LoadTableResult out;
  if (j.contains("metadata-location") && j["metadata-location"].is_string()) {
    out.metadata_location = j["metadata-location"].get<std::string>();
  }
  if (!j.contains("metadata") || !j["metadata"].is_object()) {
    return Status::Corruption(what + ": the answer has no metadata object");
  }
  auto md = ParseTableMetadata(JsonMember(r.body, "metadata"));
  if (!md.ok()) return md.status().WithContext(what);
  out.metadata = std::move(md).value();
  PE_ASSIGN_OR_RETURN(out.config, StringMap(j.value("config", Json()), what + ": config"));
  for (const auto& [k, v] : out.config) {
    if (k == "s3.secret-access-key" || k == "s3.session-token" || k == "token") c.AddSecret(v);
  }
  PE_ASSIGN_OR_RETURN(out.storage_credentials,
                      ParseStorageCredentials(j.value("storage-credentials", Json()), what));
  for (const auto& sc : out.storage_credentials) {
    for (const auto& [k, v] : sc.config) {
      if (k == "s3.secret-access-key" || k == "s3.session-token") c.AddSecret(v);
    }
  }
  return out;
}

Result<std::vector<StorageCredential>> RestCatalog::LoadCredentials(
    const std::vector<std::string>& ns, const std::string& table) {
  Impl& c = *impl_;
  std::string what = "load credentials of table " + Impl::Name(ns, table);
  PE_RETURN_IF_ERROR(c.CheckEndpoint(kCredentialsEndpoint, what));
  Impl::Call call;
  call.path = c.TablePath(ns, table) + "/credentials";
  bool transport = false;
  PE_ASSIGN_OR_RETURN(fs::HttpResponse r, c.Send(call, what, &transport));
  if (r.status != 200) return c.ReadError(r, what);
  PE_ASSIGN_OR_RETURN(Json j, c.ParseBody(r, what));
  PE_ASSIGN_OR_RETURN(auto creds,
                      ParseStorageCredentials(j.value("storage-credentials", Json()), what));
  for (const auto& sc : creds) {
    for (const auto& [k, v] : sc.config) {
      if (k == "s3.secret-access-key" || k == "s3.session-token") c.AddSecret(v);
    }
  }
  return creds;
}

Result<CommitResult> RestCatalog::CommitTable(const std::vector<std::string>& ns,
                                              const std::string& table,
                                              const std::string& request_json,
                                              const std::string& idempotency_key) {
  Impl& c = *impl_;
  std::string what = "commit to table " + Impl::Name(ns, table);
  PE_RETURN_IF_ERROR(c.CheckEndpoint(kCommitEndpoint, what));
  Impl::Call call;
  call.method = "POST";
  call.path = c.TablePath(ns, table);
  call.body = request_json;
  call.content_type = "application/json";
  call.idempotent = false;  // never retried here (rest.h)
  if (c.idempotency && !idempotency_key.empty()) {
    call.headers.emplace_back("Idempotency-Key", idempotency_key);
  }
  bool transport = false;
  auto sent = c.Send(call, what, &transport);
  if (!sent.ok()) {
    // The request may have reached the catalog and been applied before the connection failed.
    if (transport) {
      return Status::UnknownOutcome(sent.status().message() +
                                    " (the commit may or may not have been applied)");
    }
    return sent.status();  // failed before sending (token fetch, AWS credentials)
  }
  const fs::HttpResponse& r = *sent;
  if (r.status != 200) {
    std::string text = c.ErrorText(r, what);
    // ErrorHandlers.CommitErrorHandler: 404 NoSuchTable, 409 CommitFailed, 500/502/503/504
    // CommitStateUnknown. Other 5xx are treated as unknown too: looking before retrying is
    // always safe, assuming "not applied" is not.
    if (r.status == 409) return Status::Conflict(text);
    if (r.status == 404) return Status::NotFound(text);
    if (r.status >= 500) {
      return Status::UnknownOutcome(text + " (the commit may or may not have been applied)");
    }
    if (r.status == 429 || r.status == 408) return Status::IOError(text + " (not applied)");
    return Status::InvalidArgument(text);
  }
  // Applied. An answer we cannot read still leaves the outcome to be looked up.
  Json j = Json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("metadata") || !j["metadata"].is_object()) {
    return Status::UnknownOutcome(what + ": HTTP 200 without a CommitTableResponse");
  }
  CommitResult out;
  if (j.contains("metadata-location") && j["metadata-location"].is_string()) {
    out.metadata_location = j["metadata-location"].get<std::string>();
  }
  auto md = ParseTableMetadata(JsonMember(r.body, "metadata"));
  if (!md.ok()) {
    return Status::UnknownOutcome(what +
                                  ": HTTP 200 with unreadable metadata: " + md.status().message());
  }
  out.metadata = std::move(md).value();
  return out;
}

std::map<std::string, std::string> StorageProps(const LoadTableResult& t,
                                                const std::string& location,
                                                const std::map<std::string, std::string>& base,
                                                int64_t* expires_at_ms) {
  // Java S3FileIO: the table config, then the storage credential with the longest prefix of the
  // location on top ("Clients should choose the most specific prefix", StorageCredential).
  std::map<std::string, std::string> vended = t.config;
  const StorageCredential* best = nullptr;
  for (const auto& sc : t.storage_credentials) {
    if (location.compare(0, sc.prefix.size(), sc.prefix) == 0 &&
        (!best || sc.prefix.size() > best->prefix.size())) {
      best = &sc;
    }
  }
  if (best) {
    for (const auto& [k, v] : best->config) vended[k] = v;
  }
  static const std::pair<const char*, const char*> kKeys[] = {
      {"s3.access-key-id", "accessKey"},    {"s3.secret-access-key", "secretKey"},
      {"s3.session-token", "sessionToken"}, {"client.region", "region"},
      {"s3.endpoint", "endpoint"},          {"s3.path-style-access", "pathStyleAccess"},
  };
  std::map<std::string, std::string> out;
  for (const auto& [from, to] : kKeys) {
    auto it = vended.find(from);
    if (it != vended.end() && !it->second.empty()) out[to] = it->second;
  }
  // A key pair of the user's replaces the vended one as a whole: a vended session token belongs
  // to the vended key only.
  bool user_keys = base.count("accessKey") || base.count("secretKey");
  if (user_keys) {
    out.erase("accessKey");
    out.erase("secretKey");
    out.erase("sessionToken");
  }
  for (const auto& [k, v] : base) out[k] = v;
  if (expires_at_ms) {
    *expires_at_ms = 0;
    auto it = vended.find("s3.session-token-expires-at-ms");
    if (!user_keys && it != vended.end()) {
      int64_t v = 0;
      const std::string& text = it->second;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && end == text.data() + text.size()) *expires_at_ms = v;
    }
  }
  return out;
}

}  // namespace pe::iceberg
