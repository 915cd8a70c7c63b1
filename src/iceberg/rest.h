// iceberg/: a client of the Iceberg REST catalog (public header).
//
// Routes, bodies and errors follow ../shared/specs/iceberg/rest-catalog-open-api.yaml; what a
// writer needs of it is summarised with sources in ../shared/design/iceberg-notes.md §1:
//   GET  /v1/config[?warehouse=W]            defaults, overrides (prefix), endpoints,
//                                            idempotency-key-lifetime
//   POST <oauth2-server-uri | /v1/oauth/tokens>  client_credentials grant (OAuth2 mode)
//   GET  /v1/{prefix}/namespaces/{ns}/tables/{table}   loadTable, with
//                                            X-Iceberg-Access-Delegation: vended-credentials
//   GET  /v1/{prefix}/namespaces/{ns}/tables/{table}/credentials   fresh vended credentials
//   POST /v1/{prefix}/namespaces/{ns}/tables/{table}   updateTable (a CommitTableRequest)
// Namespace levels are joined with the unit separator 0x1F (URL-encoded %1F) unless the config
// names another `namespace-separator`.
//
// Authentication, one of: a static bearer token; OAuth2 client credentials ("id:secret"), the
// token fetched from the client's oauth2-server-uri (else the spec's deprecated /v1/oauth/tokens;
// like Java, the first token is fetched before /v1/config, so a catalog that serves tokens only
// elsewhere needs oauth2-server-uri configured; later tokens come from the merged config's
// oauth2-server-uri) and fetched again min(lifetime/10, 5 min) before it expires (expires_in,
// else 1 h: Java's OAuth2Properties default), and once more when a request is answered 401
// (that request is then repeated once); AWS SigV4 (Glue, S3 Tables, API Gateway): every catalog
// request signed with the signing name and region, body hash in x-amz-content-sha256 (also for
// empty bodies), a bearer token moved to Original-Authorization (iceberg RESTSigV4AuthSession).
// Secrets (token, client secret, AWS secret key and session token, issued and vended tokens)
// are registered with the log scrubber (common/log.h) and never appear in errors or logs.
//
// Errors (what callers act on); every message names the table (or /v1/config) and carries the
// catalog's own error type and message:
//   kConflict        409 CommitFailed: a requirement failed; reload and retry
//   kUnknownOutcome  commit answered 5xx, timed out or lost its connection: the commit may or
//                    may not have been applied (also: answered 200 with an unreadable body);
//                    reload and look before retrying
//   kNotFound        404 (no such table / namespace; at Connect: no such warehouse)
//   kInvalidArgument 400/401/403/406/422 and other client errors: fix the config
//   kNotSupported    /v1/config lists its endpoints and the operation is not among them
//   kIOError         transport errors and 5xx/429/408 of reads (after the retries of
//                    CatalogOptions); a commit answered 429/408 (not applied)
//   kCorruption      loadTable answered table metadata that violates the spec (schema.h)
// Thread-safety: none; one RestCatalog per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "fs/aws_auth.h"
#include "fs/http.h"
#include "fs/sigv4.h"
#include "iceberg/schema.h"

namespace pe::iceberg {

struct CatalogOptions {
  std::string uri;         // catalog.iceberg-rest.restUri, e.g. https://host/iceberg (no /v1)
  std::string warehouse;   // catalog.iceberg-rest.warehouse (optional; ?warehouse= of /v1/config)
  std::string token;       // catalog.iceberg-rest.token: static bearer token
  std::string credential;  // catalog.iceberg-rest.credential: OAuth2 "clientId:clientSecret"
  std::string oauth2_server_uri;  // catalog.iceberg-rest.oauth2-server-uri (else from config)
  std::string scope = "catalog";  // catalog.iceberg-rest.scope (OAuth2Properties default)
  std::string signing_region;     // catalog.iceberg-rest.rest.signing-region: SigV4 when set
  std::string signing_name;       // .rest.signing-name; default from the URI's host: "glue" for
                                  // glue.*, "s3tables" for s3tables.*, else "execute-api"
  // SigV4 credentials (the storage layer's AWS chain); required when signing_region is set.
  std::function<Result<fs::SigV4Credentials>()> aws_credentials;
  fs::HttpOptions http;
  // Idempotent requests (GET, token POSTs) answered 429/500/502/503/504/408 or failing in
  // transport are retried up to this many attempts in all (Java rest.client.max-retries = 5),
  // waiting what Retry-After asks (capped at 60 s), else a capped exponential backoff with full
  // jitter from retry_base_ms (fs::BackoffDelayMs).
  int max_attempts = 5;
  long retry_base_ms = 100;
  fs::Clock clock;  // token expiry, x-amz-date, Retry-After dates; empty = system clock
  // Waits between retries (tests inject a no-op); empty = fs::SleepMs.
  std::function<void(long ms)> sleep;
};

// Where the catalog's vended credentials apply (LoadTableResult storage-credentials).
struct StorageCredential {
  std::string prefix;
  std::map<std::string, std::string> config;
};

struct LoadTableResult {
  std::string metadata_location;
  TableMetadata metadata;
  std::map<std::string, std::string> config;  // table-scoped config (may hold s3.* keys, token)
  std::vector<StorageCredential> storage_credentials;
};

struct CommitResult {
  std::string metadata_location;
  TableMetadata metadata;
};

class RestCatalog {
 public:
  // Resolves authentication (fetching the first OAuth2 token) and reads GET /v1/config.
  // Errors: kInvalidArgument for bad options or rejected credentials, kIOError when unreachable.
  static Result<std::unique_ptr<RestCatalog>> Connect(CatalogOptions o);
  ~RestCatalog();

  // Whether /v1/config advertised idempotency-key-lifetime (then CommitTable sends the key).
  bool supports_idempotency() const;
  // Whether LoadCredentials may be called: /v1/config listed it among its endpoints, or listed
  // none (then every route is tried, and one the catalog lacks answers an error).
  bool offers_credentials() const;
  // The merged config (defaults, then overrides) of GET /v1/config.
  const std::map<std::string, std::string>& config() const;

  Result<LoadTableResult> LoadTable(const std::vector<std::string>& ns, const std::string& table);
  // GET .../credentials (for refreshing vended credentials before they expire).
  Result<std::vector<StorageCredential>> LoadCredentials(const std::vector<std::string>& ns,
                                                         const std::string& table);
  // POST updateTable with `request_json` (a CommitTableRequest). Never retried here: a retry of
  // a commit is the caller's decision after it looked at the table. `idempotency_key` is sent as
  // Idempotency-Key when the catalog supports it (callers reuse it when retrying the same commit).
  Result<CommitResult> CommitTable(const std::vector<std::string>& ns, const std::string& table,
                                   const std::string& request_json,
                                   const std::string& idempotency_key);

  struct Impl;

 private:
  explicit RestCatalog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The storage-layer properties (fs::Props: region, accessKey, secretKey, sessionToken,
// endpoint, pathStyleAccess) for writing under `location`, from the catalog's vended credentials
// (the storage credential with the longest prefix of `location`, else the table config; keys
// s3.access-key-id, s3.secret-access-key, s3.session-token, client.region, s3.endpoint,
// s3.path-style-access), layered over `base` (the user's output.fs.prop.* / catalog s3.* keys,
// which win when given). Also returns, in `expires_at_ms`, s3.session-token-expires-at-ms when
// vended (0 = unknown).
std::map<std::string, std::string> StorageProps(const LoadTableResult& t,
                                                const std::string& location,
                                                const std::map<std::string, std::string>& base,
                                                int64_t* expires_at_ms = nullptr);

// The vended S3 credentials for writing under `location` of the table `loaded` came from, as a
// storage-layer credentials provider (fs::OpenOptions::s3_credentials): first the ones `loaded`
// carries (no request), then fresh ones from the catalog -- GET .../credentials when the catalog
// offers it, else loadTable again -- whenever the current ones are within min(5 min, half their
// lifetime) of s3.session-token-expires-at-ms (fs::AwsCredentialsProvider), or after the store
// refused them as expired. `connect` opens the provider's own catalog connection on its first
// refresh (a RestCatalog is not thread-safe; the provider is). Returns nullptr when the props of
// StorageProps(loaded, location, base) do not hold vended keys (the user's keys win, or the
// catalog vended none): the storage layer's own chain applies then. A refresh that vends no key
// for `location` is kInvalidArgument naming the table.
using CatalogConnector = std::function<Result<std::unique_ptr<RestCatalog>>()>;
std::shared_ptr<fs::AwsCredentialsProvider> NewVendedCredentialsProvider(
    CatalogConnector connect, std::vector<std::string> ns, std::string table,
    const LoadTableResult& loaded, std::string location, std::map<std::string, std::string> base,
    fs::Clock clock = {});

}  // namespace pe::iceberg
