// The REST catalog client (iceberg/rest.h) against the test catalog tests/e2e/iceberg_catalog.mjs
// (contract: /work/notes/catalog_contract.md), which validates every request and response against
// rest-catalog-open-api.yaml and records what it saw in /__admin/log. Expectations come from the
// catalog's own view (/__admin/table, /__admin/log, /__admin/clock), never from the client.
#include "iceberg/rest.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/file.h"
#include "common/log.h"
#include "fs/aws_auth.h"
#include "fs/fs.h"
#include "fs/http.h"
#include "fs/node_server.h"
#include "iceberg/test_catalog.h"

namespace pe::iceberg {
namespace {

using Json = nlohmann::json;

const char* kSchema = R"json({"type":"struct","schema-id":0,"fields":[
  {"id":1,"name":"id","required":true,"type":"long"},
  {"id":2,"name":"tags","required":false,
   "type":{"type":"list","element-id":3,"element-required":false,"element":"string"}},
  {"id":4,"name":"price","required":false,"type":"decimal(10,2)"
}]
})json";

// A UUIDv7-shaped Idempotency-Key (the spec's parameter schema: format uuid, 36 characters).
const char* kKey1 = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const char* kKey2 = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";

// Log entries of one route ("load", "commit", "token", "config", ...).
std::vector<Json> Entries(testing::TestCatalog& c, const std::string& route) {
  std::vector<Json> out;
  for (const auto& e : c.Log()) {
    if (e["route"] == route) out.push_back(e);
  }
  return out;
}

// The catalog's clock (token and vended-credential expiry), ms since the epoch.
int64_t CatalogNow(testing::TestCatalog& c) {
  return c.Admin("GET", "/__admin/clock")["now"].get<int64_t>();
}

void Fault(testing::TestCatalog& c, const Json& f) { c.Faults(Json::array({f})); }

void CreateTable(testing::TestCatalog& c, const std::vector<std::string>& ns,
                 const std::string& name) {
  c.CreateTable(ns, name, Json::parse(kSchema), 2);
}

// The minimal fast-append commit of iceberg-notes.md §1.5 for the table as `t` describes it.
std::string AppendRequest(const Json& t, int64_t snapshot_id) {
  const Json& m = t["metadata"];
  Json parent = nullptr;
  if (m.contains("refs") && m["refs"].contains("main")) parent = m["refs"]["main"]["snapshot-id"];
  Json snap = {{"snapshot-id", snapshot_id},
               {"timestamp-ms", 1700000000000},
               {"manifest-list", m["location"].get<std::string>() + "/metadata/snap-" +
                                     std::to_string(snapshot_id) + ".avro"},
               {"summary", {{"operation", "append"}, {"pinot-export.batch-id", "b1"}}},
               {"schema-id", 0}};
  if (!parent.is_null()) snap["parent-snapshot-id"] = parent;
  int fv = m["format-version"].get<int>();
  if (fv >= 2) snap["sequence-number"] = m["last-sequence-number"].get<int64_t>() + 1;
  if (fv >= 3) {
    snap["first-row-id"] = m["next-row-id"];
    snap["added-rows"] = 10;
  }
  Json req = {{"requirements",
               {{{"type", "assert-table-uuid"}, {"uuid", m["table-uuid"]}},
                {{"type", "assert-ref-snapshot-id"}, {"ref", "main"}, {"snapshot-id", parent}}}},
              {"updates",
               {{{"action", "add-snapshot"}, {"snapshot", snap}},
                {{"action", "set-snapshot-ref"},
                 {"ref-name", "main"},
                 {"type", "branch"},
                 {"snapshot-id", snapshot_id}}}}};
  return req.dump();
}

class RestCatalogTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (started_) {
      Json v = catalog_.Violations();
      EXPECT_EQ(v, Json::array()) << v.dump();
    }
  }
  void StartCatalog(std::vector<std::string> args) {
    ASSERT_TRUE(catalog_.Start(std::move(args)));
    started_ = true;
  }
  // Options with an injected clock (starting at the real time, as the catalog's) and sleep.
  CatalogOptions Options() {
    CatalogOptions o;
    o.uri = catalog_.uri();
    now_ = std::chrono::system_clock::now();
    o.clock = [this] { return now_; };
    o.sleep = [this](long ms) { sleeps_.push_back(ms); };
    return o;
  }
  std::unique_ptr<RestCatalog> Connect(CatalogOptions o) {
    auto c = RestCatalog::Connect(std::move(o));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  void Advance(std::chrono::milliseconds d) {
    now_ += d;
    catalog_.Admin("POST", "/__admin/clock", {{"advance_ms", d.count()}});
  }

  testing::TestCatalog catalog_;
  bool started_ = false;
  std::chrono::system_clock::time_point now_;
  std::vector<long> sleeps_;
};

void ExpectOneLineWithout(const Status& s, const std::string& secret) {
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find(secret), std::string::npos) << s.message();
}

TEST_F(RestCatalogTest, PrefixWarehouseNestedNamespaceAndLoadTable) {
  StartCatalog({"--prefix", "cat-1", "--warehouse", "wh1"});
  CreateTable(catalog_, {"a", "b"}, "events");
  CatalogOptions o = Options();
  o.warehouse = "wh1";
  auto cat = Connect(o);
  ASSERT_TRUE(cat);
  EXPECT_EQ(cat->config().at("prefix"), "cat-1");
  EXPECT_EQ(cat->config().at("warehouse"), "wh1");
  EXPECT_FALSE(cat->supports_idempotency());

  auto t = cat->LoadTable({"a", "b"}, "events");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  Json admin = catalog_.Table("a.b", "events");
  EXPECT_EQ(t->metadata_location, admin["metadata-location"]);
  // The metadata as parsed equals the catalog's current metadata, field for field.
  EXPECT_EQ(Json::parse(t->metadata.json), admin["metadata"]);
  const Json& m = admin["metadata"];
  EXPECT_EQ(t->metadata.format_version, 2);
  EXPECT_EQ(t->metadata.table_uuid, m["table-uuid"]);
  EXPECT_EQ(t->metadata.location, m["location"]);
  EXPECT_EQ(t->metadata.last_column_id, m["last-column-id"]);
  EXPECT_EQ(t->metadata.MainSnapshot(), nullptr);
  const Schema* s = t->metadata.CurrentSchema();
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->fields.size(), m["schemas"][0]["fields"].size());
  for (size_t i = 0; i < s->fields.size(); ++i) {
    const Json& f = m["schemas"][0]["fields"][i];
    EXPECT_EQ(s->fields[i].id, f["id"]);
    EXPECT_EQ(s->fields[i].name, f["name"]);
  }
  EXPECT_EQ(s->Find("tags")->type->element.id, m["schemas"][0]["fields"][1]["type"]["element-id"]);
  EXPECT_EQ(TypeString(*s->Find("price")->type), "decimal(10,2)");
  EXPECT_EQ(t->metadata.DefaultSpec()->num_fields, 0);

  // Paths: /v1/<prefix>/namespaces/<a%1Fb>/tables/<t>; config with ?warehouse.
  auto loads = Entries(catalog_, "load");
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads[0]["path"], "/v1/cat-1/namespaces/a%1Fb/tables/events");

  auto missing = cat->LoadTable({"a", "b"}, "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("a.b.nope"), std::string::npos);
  auto no_ns = cat->LoadTable({"zz"}, "events");
  EXPECT_TRUE(no_ns.status().IsNotFound()) << no_ns.status().ToString();

  // The warehouse is required by this catalog and must exist.
  CatalogOptions none = Options();
  auto c1 = RestCatalog::Connect(none);
  ASSERT_FALSE(c1.ok());
  EXPECT_TRUE(c1.status().IsInvalidArgument()) << c1.status().ToString();
  CatalogOptions other = Options();
  other.warehouse = "elsewhere";
  auto c2 = RestCatalog::Connect(other);
  ASSERT_FALSE(c2.ok());
  EXPECT_TRUE(c2.status().IsNotFound()) << c2.status().ToString();
  EXPECT_NE(c2.status().message().find("elsewhere"), std::string::npos);
}

TEST_F(RestCatalogTest, StaticToken) {
  const std::string token = "static-token-0123456789";
  StartCatalog({"--auth", "token", "--token", token});
  CreateTable(catalog_, {"db"}, "t");
  CatalogOptions o = Options();
  o.token = token;
  auto cat = Connect(o);
  ASSERT_TRUE(cat);
  EXPECT_TRUE(cat->LoadTable({"db"}, "t").ok());

  CatalogOptions bad = Options();
  bad.token = "wrong-token-9876543210";
  auto c = RestCatalog::Connect(bad);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsInvalidArgument()) << c.status().ToString();
  EXPECT_NE(c.status().message().find("401"), std::string::npos);
  ExpectOneLineWithout(c.status(), bad.token);
  ExpectOneLineWithout(c.status(), token);
  EXPECT_TRUE(sleeps_.empty());  // a refused token is not retried
}

TEST_F(RestCatalogTest, OAuth2SpecRouteRefreshAndRecovery) {
  StartCatalog({"--auth", "oauth2", "--client-id", "exporter", "--client-secret",
                "s3cr3t-client-value", "--token-ttl", "600"});
  CreateTable(catalog_, {"db"}, "t");
  CatalogOptions o = Options();
  o.credential = "exporter:s3cr3t-client-value";
  auto cat = Connect(o);
  ASSERT_TRUE(cat);
  ASSERT_TRUE(cat->LoadTable({"db"}, "t").ok());
  EXPECT_EQ(Entries(catalog_, "token").size(), 1u);
  EXPECT_EQ(Entries(catalog_, "token")[0]["path"], "/v1/oauth/tokens");

  // 500 s into a 600 s token: outside Java's refresh window (min(ttl/10, 5 min) = 60 s).
  Advance(std::chrono::seconds(500));
  ASSERT_TRUE(cat->LoadTable({"db"}, "t").ok());
  EXPECT_EQ(Entries(catalog_, "token").size(), 1u);

  // 700 s: the first token has expired at the catalog; the client fetched a new one before
  // using it, so the catalog never answered 401.
  Advance(std::chrono::seconds(200));
  ASSERT_TRUE(cat->LoadTable({"db"}, "t").ok());
  EXPECT_EQ(Entries(catalog_, "token").size(), 2u);
  for (const auto& e : catalog_.Log()) EXPECT_NE(e["status"], 401) << e.dump();

  // Tokens revoked early: one 401, one new token, the request repeated once.
  catalog_.Admin("POST", "/__admin/expire-tokens", Json::object());
  auto t = cat->LoadTable({"db"}, "t");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto loads = Entries(catalog_, "load");
  ASSERT_GE(loads.size(), 2u);
  EXPECT_EQ(loads[loads.size() - 2]["status"], 401);
  EXPECT_EQ(loads.back()["status"], 200);
  EXPECT_EQ(Entries(catalog_, "token").size(), 3u);

  // A commit refused with 401 is also repeated once with a fresh token (401: not executed).
  catalog_.Admin("POST", "/__admin/expire-tokens", Json::object());
  auto c = cat->CommitTable({"db"}, "t", AppendRequest(catalog_.Table("db", "t"), 11), "");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Entries(catalog_, "commit").size(), 2u);

  // A wrong secret: one line, no secret.
  CatalogOptions bad = Options();
  bad.credential = "exporter:wrong-secret-value";
  auto b = RestCatalog::Connect(bad);
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(b.status().IsInvalidArgument()) << b.status().ToString();
  EXPECT_NE(b.status().message().find("invalid_client"), std::string::npos) << b.status().message();
  ExpectOneLineWithout(b.status(), "wrong-secret-value");
}

TEST_F(RestCatalogTest, OAuth2CustomServerUri) {
  StartCatalog({"--auth", "oauth2", "--client-id", "exporter", "--client-secret",
                "s3cr3t-client-value", "--token-ttl", "600", "--oauth2-path", "/idp/token"});
  CreateTable(catalog_, {"db"}, "t");
  CatalogOptions o = Options();
  o.credential = "exporter:s3cr3t-client-value";
  o.oauth2_server_uri = catalog_.uri() + "/idp/token";
  auto cat = Connect(o);
  ASSERT_TRUE(cat);
  EXPECT_EQ(cat->config().at("oauth2-server-uri"), catalog_.uri() + "/idp/token");
  Advance(std::chrono::seconds(700));
  ASSERT_TRUE(cat->LoadTable({"db"}, "t").ok());
  auto tokens = Entries(catalog_, "token");
  ASSERT_EQ(tokens.size(), 2u);
  for (const auto& e : tokens) EXPECT_EQ(e["path"], "/idp/token");
  for (const auto& e : catalog_.Log()) EXPECT_NE(e["status"], 401) << e.dump();
}

TEST_F(RestCatalogTest, SigV4Signing) {
  StartCatalog({"--auth", "sigv4", "--sigv4-region", "eu-west-1", "--sigv4-service", "glue",
                "--access-key", "AKIDCATALOG", "--secret-key", "catalog-secret-key-value",
                "--session-token", "catalog-session-token"});
  CreateTable(catalog_, {"db", "inner"}, "t");
  CatalogOptions o = Options();
  o.signing_region = "eu-west-1";
  o.signing_name = "glue";
  o.aws_credentials = [] {
    return Result<fs::SigV4Credentials>(
        fs::SigV4Credentials{"AKIDCATALOG", "catalog-secret-key-value", "catalog-session-token"});
  };
  auto cat = Connect(o);
  ASSERT_TRUE(cat);
  // GET (empty body: x-amz-content-sha256 of "") and POST (body hash) both verify.
  ASSERT_TRUE(cat->LoadTable({"db", "inner"}, "t").ok());
  auto c = cat->CommitTable({"db", "inner"}, "t",
                            AppendRequest(catalog_.Table("db.inner", "t"), 12), "");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->metadata.MainSnapshot()->snapshot_id, 12);

  // A bearer token next to SigV4 travels as Original-Authorization, signed with the rest.
  CatalogOptions both = o;
  both.token = "bearer-next-to-sigv4";
  auto cat2 = Connect(both);
  ASSERT_TRUE(cat2);
  ASSERT_TRUE(cat2->LoadTable({"db", "inner"}, "t").ok());

  CatalogOptions bad = o;
  bad.aws_credentials = [] {
    return Result<fs::SigV4Credentials>(
        fs::SigV4Credentials{"AKIDCATALOG", "not-the-secret-key", "catalog-session-token"});
  };
  auto b = RestCatalog::Connect(bad);
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(b.status().IsInvalidArgument()) << b.status().ToString();
  EXPECT_NE(b.status().message().find("403"), std::string::npos);
  ExpectOneLineWithout(b.status(), "not-the-secret-key");
  ExpectOneLineWithout(b.status(), "catalog-session-token");
}

TEST_F(RestCatalogTest, SigV4DefaultSigningNameIsExecuteApi) {
  StartCatalog({"--auth", "sigv4", "--sigv4-region", "us-east-1", "--sigv4-service", "execute-api",
                "--access-key", "AKIDX", "--secret-key", "secret-key-x"});
  CatalogOptions o = Options();
  o.signing_region = "us-east-1";
  o.aws_credentials = [] {
    return Result<fs::SigV4Credentials>(fs::SigV4Credentials{"AKIDX", "secret-key-x", ""});
  };
  EXPECT_TRUE(Connect(o));
  CatalogOptions none = Options();
  none.signing_region = "us-east-1";
  auto c = RestCatalog::Connect(none);  // no credentials source
  EXPECT_TRUE(c.status().IsInvalidArgument()) << c.status().ToString();
}

TEST_F(RestCatalogTest, CommitOutcomes) {
  StartCatalog({});
  CreateTable(catalog_, {"db"}, "t");
  auto cat = Connect(Options());
  ASSERT_TRUE(cat);

  // Success: the answer is the catalog's new metadata.
  std::string first = AppendRequest(catalog_.Table("db", "t"), 101);
  auto ok = cat->CommitTable({"db"}, "t", first, "");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  Json admin = catalog_.Table("db", "t");
  EXPECT_EQ(ok->metadata_location, admin["metadata-location"]);
  EXPECT_EQ(Json::parse(ok->metadata.json), admin["metadata"]);
  ASSERT_NE(ok->metadata.MainSnapshot(), nullptr);
  EXPECT_EQ(ok->metadata.MainSnapshot()->snapshot_id, 101);
  EXPECT_EQ(ok->metadata.MainSnapshot()->summary.at("pinot-export.batch-id"), "b1");

  // The same request again: its ref requirement is stale -> 409.
  auto conflict = cat->CommitTable({"db"}, "t", first, "");
  ASSERT_FALSE(conflict.ok());
  EXPECT_TRUE(conflict.status().IsConflict()) << conflict.status().ToString();
  EXPECT_NE(conflict.status().message().find("db.t"), std::string::npos);
  EXPECT_NE(conflict.status().message().find("CommitFailedException"), std::string::npos);

  // Applied, then answered 503: unknown outcome, and the commit was applied.
  Fault(catalog_, {{"route", "commit"}, {"mode", "apply-then-fail"}, {"status", 503}});
  auto unknown = cat->CommitTable({"db"}, "t", AppendRequest(catalog_.Table("db", "t"), 102), "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(unknown.status().IsUnknownOutcome()) << unknown.status().ToString();
  EXPECT_NE(unknown.status().message().find("db.t"), std::string::npos);
  EXPECT_EQ(catalog_.Table("db", "t")["metadata"]["refs"]["main"]["snapshot-id"], 102);

  // Applied, then the connection dropped without a reply.
  Fault(catalog_, {{"route", "commit"}, {"mode", "drop"}});
  auto dropped = cat->CommitTable({"db"}, "t", AppendRequest(catalog_.Table("db", "t"), 103), "");
  ASSERT_FALSE(dropped.ok());
  EXPECT_TRUE(dropped.status().IsUnknownOutcome()) << dropped.status().ToString();
  EXPECT_NE(dropped.status().message().find("db.t"), std::string::npos);
  EXPECT_EQ(catalog_.Table("db", "t")["metadata"]["refs"]["main"]["snapshot-id"], 103);

  // 503 before applying: still unknown to the client, and never retried by it.
  Fault(catalog_, {{"route", "commit"}, {"mode", "status"}, {"status", 503}, {"retryAfter", 1}});
  auto s503 = cat->CommitTable({"db"}, "t", AppendRequest(catalog_.Table("db", "t"), 104), "");
  EXPECT_TRUE(s503.status().IsUnknownOutcome()) << s503.status().ToString();

  // A commit the catalog rejects as invalid (a ref to a snapshot that does not exist): 400 with
  // the server's message.
  Json t = catalog_.Table("db", "t");
  Json bad = {{"requirements", Json::array()},
              {"updates",
               {{{"action", "set-snapshot-ref"},
                 {"ref-name", "main"},
                 {"type", "branch"},
                 {"snapshot-id", 999}}}}};
  auto invalid = cat->CommitTable({"db"}, "t", bad.dump(), "");
  ASSERT_FALSE(invalid.ok());
  EXPECT_TRUE(invalid.status().IsInvalidArgument()) << invalid.status().ToString();
  EXPECT_NE(invalid.status().message().find("unknown snapshot: 999"), std::string::npos)
      << invalid.status().message();
  EXPECT_NE(invalid.status().message().find("db.t"), std::string::npos);

  auto missing = cat->CommitTable({"db"}, "nope", first, "");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("db.nope"), std::string::npos);

  // Every commit above went out exactly once; no key is sent to a catalog that did not
  // advertise idempotency-key-lifetime.
  auto commits = Entries(catalog_, "commit");
  EXPECT_EQ(commits.size(), 7u);
  for (const auto& e : commits) EXPECT_TRUE(e["idempotencyKey"].is_null()) << e.dump();
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(RestCatalogTest, IdempotencyKeyWhenAdvertised) {
  StartCatalog({"--idempotency"});
  CreateTable(catalog_, {"db"}, "t");
  auto cat = Connect(Options());
  ASSERT_TRUE(cat);
  EXPECT_TRUE(cat->supports_idempotency());
  std::string req = AppendRequest(catalog_.Table("db", "t"), 201);
  // Applied, reply lost; the retry with the same key replays the first result.
  Fault(catalog_, {{"route", "commit"}, {"mode", "drop"}});
  auto lost = cat->CommitTable({"db"}, "t", req, kKey1);
  EXPECT_TRUE(lost.status().IsUnknownOutcome()) << lost.status().ToString();
  auto replay = cat->CommitTable({"db"}, "t", req, kKey1);
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(replay->metadata.MainSnapshot()->snapshot_id, 201);
  EXPECT_EQ(catalog_.Table("db", "t")["metadata"]["snapshots"].size(), 1u);
  // A different key is a different operation: its stale requirement fails.
  auto other = cat->CommitTable({"db"}, "t", req, kKey2);
  EXPECT_TRUE(other.status().IsConflict()) << other.status().ToString();
  auto commits = Entries(catalog_, "commit");
  ASSERT_EQ(commits.size(), 3u);
  EXPECT_EQ(commits[0]["idempotencyKey"], kKey1);
  EXPECT_EQ(commits[1]["idempotencyKey"], kKey1);
  EXPECT_EQ(commits[2]["idempotencyKey"], kKey2);
}

TEST_F(RestCatalogTest, ReadsAreRetried) {
  StartCatalog({});
  CreateTable(catalog_, {"db"}, "t");
  auto cat = Connect(Options());
  ASSERT_TRUE(cat);

  // 503 twice (the second with Retry-After: 3), then served.
  Fault(catalog_, {{"route", "load"}, {"mode", "status"}, {"status", 503}});
  Fault(catalog_, {{"route", "load"}, {"mode", "status"}, {"status", 503}, {"retryAfter", 3}});
  auto t = cat->LoadTable({"db"}, "t");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto loads = Entries(catalog_, "load");
  ASSERT_EQ(loads.size(), 3u);
  EXPECT_EQ(loads[0]["status"], 503);
  EXPECT_EQ(loads[1]["status"], 503);
  EXPECT_EQ(loads[2]["status"], 200);
  ASSERT_EQ(sleeps_.size(), 2u);
  EXPECT_LE(sleeps_[0], 200);  // backoff: base 100 ms * 2^1, full jitter
  EXPECT_EQ(sleeps_[1], 3000);

  // A connection destroyed before an answer, then a 504: retried. (libcurl itself may resend a
  // GET once on a reused connection that died without a byte of answer, so 1 or 2 waits.)
  sleeps_.clear();
  Fault(catalog_, {{"route", "load"}, {"mode", "drop-before"}});
  Fault(catalog_, {{"route", "load"}, {"mode", "status"}, {"status", 504}});
  ASSERT_TRUE(cat->LoadTable({"db"}, "t").ok());
  loads = Entries(catalog_, "load");
  ASSERT_EQ(loads.size(), 6u);
  EXPECT_EQ(loads[3]["fault"], "drop-before");
  EXPECT_EQ(loads[4]["status"], 504);
  EXPECT_EQ(loads[5]["status"], 200);
  EXPECT_GE(sleeps_.size(), 1u);
  EXPECT_LE(sleeps_.size(), 2u);

  // Retry-After is capped at 60 s.
  sleeps_.clear();
  Fault(catalog_, {{"route", "load"}, {"mode", "status"}, {"status", 503}, {"retryAfter", 86400}});
  ASSERT_TRUE(cat->LoadTable({"db"}, "t").ok());
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0], 60000);

  // Gives up after max_attempts (5) with a one-line IOError naming the table.
  sleeps_.clear();
  Fault(catalog_, {{"route", "load"}, {"mode", "status"}, {"status", 500}, {"count", 5}});
  auto failed = cat->LoadTable({"db"}, "t");
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.status().IsIOError()) << failed.status().ToString();
  EXPECT_NE(failed.status().message().find("db.t"), std::string::npos);
  EXPECT_EQ(sleeps_.size(), 4u);

  // Credentials too (an idempotent GET).
  Fault(catalog_, {{"route", "credentials"}, {"mode", "status"}, {"status", 502}});
  auto creds = cat->LoadCredentials({"db"}, "t");
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_TRUE(creds->empty());  // no S3 mode: nothing vended
}

TEST_F(RestCatalogTest, UnreachableCatalog) {
  CatalogOptions o;
  o.uri = "http://127.0.0.1:1";  // nothing listens on port 1
  std::vector<long> sleeps;
  o.sleep = [&](long ms) { sleeps.push_back(ms); };
  auto c = RestCatalog::Connect(o);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsIOError()) << c.status().ToString();
  EXPECT_NE(c.status().message().find("/v1/config"), std::string::npos);
  EXPECT_EQ(sleeps.size(), 4u);

  for (const char* uri : {"", "ftp://h/x", "http://user:pw@h/", "http://h/iceberg/v1"}) {
    CatalogOptions b;
    b.uri = uri;
    auto r = RestCatalog::Connect(b);
    ASSERT_FALSE(r.ok()) << uri;
    EXPECT_TRUE(r.status().IsInvalidArgument()) << uri << ": " << r.status().ToString();
    EXPECT_EQ(r.status().message().find("pw"), std::string::npos) << r.status().message();
  }
}

// Vended credentials of a catalog writing its metadata to S3 (the tests' verifying S3 front).
TEST_F(RestCatalogTest, VendedCredentialsToStorageProps) {
  auto s3dir = TempDir::Make("pe-iceberg-s3");
  ASSERT_TRUE(s3dir.ok());
  fs::testing::NodeServer s3;
  ASSERT_TRUE(s3.Start("s3_server.mjs",
                       {"--dir", s3dir->path(), "--access-key", "AKIDS3", "--secret-key",
                        "s3-secret-value", "--buckets", "lake", "--region", "eu-central-1"}))
      << s3.error();
  std::string s3_endpoint = "http://127.0.0.1:" + std::to_string(s3.port());
  StartCatalog({"--s3-endpoint", s3_endpoint, "--s3-bucket", "lake", "--s3-access-key", "AKIDS3",
                "--s3-secret-key", "s3-secret-value", "--s3-region", "eu-central-1",
                "--vend-ttl-ms", "900000"});
  CreateTable(catalog_, {"db"}, "t");
  auto cat = Connect(Options());
  ASSERT_TRUE(cat);
  int64_t before = CatalogNow(catalog_);
  auto t = cat->LoadTable({"db"}, "t");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  int64_t after = CatalogNow(catalog_);
  EXPECT_EQ(t->metadata.location, "s3://lake/warehouse/db/t");
  ASSERT_EQ(t->storage_credentials.size(), 1u);
  EXPECT_EQ(t->storage_credentials[0].prefix, "s3://lake/");

  int64_t expires = 0;
  auto props = StorageProps(*t, t->metadata.DataLocation(), {}, &expires);
  EXPECT_EQ(props.at("accessKey"), "AKIDS3");
  EXPECT_EQ(props.at("secretKey"), "s3-secret-value");
  EXPECT_EQ(props.count("sessionToken"), 0u);
  EXPECT_EQ(props.at("region"), "eu-central-1");
  EXPECT_EQ(props.at("endpoint"), s3_endpoint);
  EXPECT_EQ(props.at("pathStyleAccess"), "true");
  EXPECT_GE(expires, before + 900000);
  EXPECT_LE(expires, after + 900000);

  // Refreshed credentials: a later expiry on the catalog's clock.
  Advance(std::chrono::minutes(10));
  auto fresh = cat->LoadCredentials({"db"}, "t");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  ASSERT_EQ(fresh->size(), 1u);
  EXPECT_GE(std::stoll((*fresh)[0].config.at("s3.session-token-expires-at-ms")),
            before + 600000 + 900000);
  // The vended secret is registered with the scrubber.
  EXPECT_EQ(pe::log::Scrub("secret s3-secret-value"), "secret ***");
}

// Vended temporary credentials (the catalog mints a new key per vend; the S3 front accepts it
// until it expires) as a storage-layer provider: the loaded ones first, fresh ones from
// GET .../credentials once within min(5 min, half the lifetime) of the stated expiry, and after
// the store answered ExpiredToken. The provider's clock is injected (as the catalog's).
TEST_F(RestCatalogTest, VendedCredentialsAreRefreshedBeforeTheyExpire) {
  auto s3dir = TempDir::Make("pe-iceberg-s3");
  ASSERT_TRUE(s3dir.ok());
  fs::testing::NodeServer s3;
  ASSERT_TRUE(s3.Start("s3_server.mjs", {"--dir", s3dir->path(), "--access-key", "AKIDS3",
                                         "--secret-key", "s3-secret-value", "--buckets", "lake",
                                         "--sts-secret", "sts-master-secret"}))
      << s3.error();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(s3.port());
  StartCatalog({"--s3-endpoint", endpoint, "--s3-bucket", "lake", "--s3-access-key", "AKIDS3",
                "--s3-secret-key", "s3-secret-value", "--s3-sts-secret", "sts-master-secret",
                "--vend-ttl-ms", "900000"});
  CreateTable(catalog_, {"db"}, "t");
  CatalogOptions opts = Options();
  auto cat = Connect(opts);
  ASSERT_TRUE(cat);
  auto t = cat->LoadTable({"db"}, "t");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const std::string loc = t->metadata.DataLocation();
  const std::string vended = StorageProps(*t, loc, {}).at("accessKey");
  ASSERT_EQ(vended.rfind("ASIA", 0), 0u) << vended;

  auto provider = NewVendedCredentialsProvider([opts]() { return RestCatalog::Connect(opts); },
                                               {"db"}, "t", *t, loc, {}, [this] { return now_; });
  ASSERT_TRUE(provider);
  const size_t loads = Entries(catalog_, "credentials").size();
  auto a1 = provider->Get();
  ASSERT_TRUE(a1.ok()) << a1.status().ToString();
  EXPECT_EQ(a1->access_key, vended);  // the loaded ones, no request
  EXPECT_EQ(Entries(catalog_, "credentials").size(), loads);

  // They work: an upload through the storage layer with the provider (no keys in the props).
  auto local = TempDir::Make("pe-vended-local");
  ASSERT_TRUE(local.ok());
  ASSERT_TRUE(WriteFileAtomic(local->path() + "/f", "payload").ok());
  const fs::Props props = {{"endpoint", endpoint}, {"pathStyleAccess", "true"}};
  fs::OpenOptions open;
  open.s3_credentials = provider;
  auto store = fs::OpenFileSystem(loc + "/", props, "", open);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Upload(local->path() + "/f", loc + "/one").ok());

  // 9 of 15 minutes gone: 6 left, more than the 5-minute margin -- kept.
  Advance(std::chrono::minutes(9));
  auto a2 = provider->Get();
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->access_key, vended);
  EXPECT_EQ(Entries(catalog_, "credentials").size(), loads);
  // 11 minutes: 4 left -- refreshed from GET .../credentials, a new key.
  Advance(std::chrono::minutes(2));
  auto a3 = provider->Get();
  ASSERT_TRUE(a3.ok()) << a3.status().ToString();
  EXPECT_NE(a3->access_key, vended);
  EXPECT_EQ(a3->access_key.rfind("ASIA", 0), 0u);
  EXPECT_EQ(Entries(catalog_, "credentials").size(), loads + 1);
  EXPECT_EQ(provider->fetches(), 2);
  // Invalidating a key that is no longer current changes nothing; the current one refetches.
  provider->Invalidate(vended);
  EXPECT_EQ(provider->Get()->access_key, a3->access_key);
  provider->Invalidate(a3->access_key);
  auto a4 = provider->Get();
  ASSERT_TRUE(a4.ok());
  EXPECT_NE(a4->access_key, a3->access_key);
  EXPECT_EQ(provider->fetches(), 3);

  // The store refuses the current key as expired before its stated expiry (revoked): the PUT is
  // answered 400 ExpiredToken once, new credentials are fetched, the PUT sent again.
  fs::HttpClient admin;
  fs::HttpRequest fault;
  fault.method = "POST";
  fault.url = endpoint + "/__admin/faults";
  fault.body = R"({"faults":[{"mode":"expire","method":"PUT"}]})";
  ASSERT_TRUE(admin.Send(fault).ok());
  ASSERT_TRUE((*store)->Upload(local->path() + "/f", loc + "/two").ok());
  EXPECT_EQ(provider->fetches(), 4);
  EXPECT_NE(provider->Get()->access_key, a4->access_key);
  fs::HttpRequest stats;
  stats.url = endpoint + "/__admin/sts";
  auto st = admin.Send(stats);
  ASSERT_TRUE(st.ok());
  const Json sts = Json::parse(st->body);
  EXPECT_EQ(sts["expired"], 1);
  EXPECT_TRUE(sts["keys"].contains(vended)) << sts;
  EXPECT_TRUE(sts["keys"].contains(provider->Get()->access_key)) << sts;
  // The refused key stays refused (the double enforces the expiry it announced).
  auto again = fs::OpenFileSystem(loc + "/", {{"endpoint", endpoint},
                                              {"pathStyleAccess", "true"},
                                              {"accessKey", a4->access_key},
                                              {"secretKey", a4->secret_key},
                                              {"sessionToken", a4->session_token}});
  ASSERT_TRUE(again.ok());
  Status refused = (*again)->Upload(local->path() + "/f", loc + "/three");
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("ExpiredToken"), std::string::npos) << refused.ToString();
  EXPECT_EQ(refused.message().find(a4->session_token), std::string::npos);
  EXPECT_TRUE(*(*store)->Exists(loc + "/two"));

  // The user's own keys win: no provider.
  EXPECT_FALSE(NewVendedCredentialsProvider([opts]() { return RestCatalog::Connect(opts); }, {"db"},
                                            "t", *t, loc,
                                            {{"accessKey", "MINE"}, {"secretKey", "MINE-S"}}));
}

TEST(StorageProps, LongestPrefixAndUserOverrides) {
  LoadTableResult t;
  t.config = {{"client.region", "us-east-1"}, {"s3.endpoint", "https://s3.example"}};
  t.storage_credentials = {
      {"s3://b/", {{"s3.access-key-id", "AK1"}, {"s3.secret-access-key", "SK1"}}},
      {"s3://b/wh/t/",
       {{"s3.access-key-id", "AK2"},
        {"s3.secret-access-key", "SK2"},
        {"s3.session-token", "ST2"},
        {"s3.session-token-expires-at-ms", "1234"}}},
      {"s3://other/", {{"s3.access-key-id", "AK3"}, {"s3.secret-access-key", "SK3"}}},
  };
  int64_t exp = -1;
  auto p = StorageProps(t, "s3://b/wh/t/data", {}, &exp);
  EXPECT_EQ(p.at("accessKey"), "AK2");
  EXPECT_EQ(p.at("secretKey"), "SK2");
  EXPECT_EQ(p.at("sessionToken"), "ST2");
  EXPECT_EQ(p.at("region"), "us-east-1");  // from the table config under the credential
  EXPECT_EQ(p.at("endpoint"), "https://s3.example");
  EXPECT_EQ(exp, 1234);

  p = StorageProps(t, "s3://b/wh/u/data", {}, &exp);
  EXPECT_EQ(p.at("accessKey"), "AK1");
  EXPECT_EQ(p.count("sessionToken"), 0u);
  EXPECT_EQ(exp, 0);

  // The user's keys replace the vended triple (a vended session token is not mixed in); other
  // user properties win over vended ones.
  p = StorageProps(t, "s3://b/wh/t/data",
                   {{"accessKey", "MINE"}, {"secretKey", "MINE-S"}, {"region", "ap-south-1"}},
                   &exp);
  EXPECT_EQ(p.at("accessKey"), "MINE");
  EXPECT_EQ(p.at("secretKey"), "MINE-S");
  EXPECT_EQ(p.count("sessionToken"), 0u);
  EXPECT_EQ(p.at("region"), "ap-south-1");
  EXPECT_EQ(exp, 0);

  LoadTableResult none;
  EXPECT_TRUE(StorageProps(none, "s3://x/y", {}).empty());
}

}  // namespace
}  // namespace pe::iceberg
