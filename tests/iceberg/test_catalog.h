// The test Iceberg REST catalog (tests/e2e/iceberg_catalog.mjs) as a C++ test fixture: starts it
// on a temp warehouse and wraps its admin API (tables, faults, request log, spec violations).
// Every request and response the catalog sees is validated against the REST OpenAPI file; tests
// end by checking Violations() is empty.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/file.h"
#include "fs/http.h"
#include "fs/node_server.h"

namespace pe::iceberg::testing {

class TestCatalog {
 public:
  // Starts the catalog with `args` (see the script's usage) on a fresh warehouse dir.
  ::testing::AssertionResult Start(std::vector<std::string> args = {}) {
    auto d = TempDir::Make("pe-iceberg-catalog");
    if (!d.ok()) return ::testing::AssertionFailure() << d.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(d).value());
    args.insert(args.begin(), {"--dir", dir_->path()});
    if (!server_.Start("iceberg_catalog.mjs", args))
      return ::testing::AssertionFailure() << server_.error();
    return ::testing::AssertionSuccess();
  }
  std::string uri() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  const std::string& dir() const { return dir_->path(); }
  int port() const { return server_.port(); }

  // An admin call; the parsed JSON answer (null for an empty body). Fails the test on non-2xx.
  nlohmann::json Admin(const std::string& method, const std::string& path,
                       const nlohmann::json& body = nullptr) {
    fs::HttpRequest req;
    req.method = method;
    req.url = uri() + path;
    if (!body.is_null()) {
      req.body = body.dump();
      req.headers.push_back({"Content-Type", "application/json"});
    }
    auto r = http_.Send(req);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
    if (!r.ok()) return nullptr;
    EXPECT_GE(r->status, 200) << path << ": " << r->body;
    EXPECT_LT(r->status, 300) << path << ": " << r->body;
    if (r->body.empty()) return nullptr;
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << path << ": " << r->body;
    return j;
  }

  nlohmann::json CreateTable(const std::vector<std::string>& ns, const std::string& name,
                             const nlohmann::json& schema, int format_version,
                             const nlohmann::json& properties = nlohmann::json::object(),
                             const nlohmann::json& partition_spec = nullptr) {
    nlohmann::json body = {{"namespace", ns},
                           {"name", name},
                           {"schema", schema},
                           {"format-version", format_version},
                           {"properties", properties}};
    if (!partition_spec.is_null()) body["partition-spec"] = partition_spec;
    return Admin("POST", "/__admin/create-table", body);
  }
  // {"metadata-location": ..., "metadata": {...}} of the table now.
  nlohmann::json Table(const std::string& ns_dotted, const std::string& name) {
    return Admin("GET", "/__admin/table?namespace=" + ns_dotted + "&name=" + name);
  }
  void Faults(const nlohmann::json& faults) {
    Admin("POST", "/__admin/faults", {{"faults", faults}});
  }
  nlohmann::json Log() { return Admin("GET", "/__admin/log"); }
  nlohmann::json Violations() { return Admin("GET", "/__admin/violations"); }

 private:
  std::unique_ptr<TempDir> dir_;
  pe::fs::testing::NodeServer server_;
  fs::HttpClient http_;
};

}  // namespace pe::iceberg::testing
