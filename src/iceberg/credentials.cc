// NewVendedCredentialsProvider (iceberg/rest.h).
#include <utility>

#include "common/log.h"
#include "iceberg/rest.h"

namespace pe::iceberg {
namespace {

std::string JoinName(const std::vector<std::string>& ns, const std::string& table) {
  std::string out;
  for (const auto& n : ns) out += n + ".";
  return out + table;
}

class VendedCredentialsProvider : public fs::AwsCredentialsProvider {
 public:
  VendedCredentialsProvider(CatalogConnector connect, std::vector<std::string> ns,
                            std::string table, LoadTableResult loaded, std::string location,
                            std::map<std::string, std::string> base, fs::Clock clock)
      : fs::AwsCredentialsProvider(std::move(clock)),
        connect_(std::move(connect)),
        ns_(std::move(ns)),
        table_(std::move(table)),
        loaded_(std::move(loaded)),
        location_(std::move(location)),
        base_(std::move(base)) {}

  std::string source() const override {
    return "credentials vended by the Iceberg catalog for " + JoinName(ns_, table_);
  }

  // Called under the base class's lock: one refresh at a time.
  Result<Fetched> Fetch() override {
    if (first_) {
      first_ = false;
      return FromTable(loaded_);
    }
    if (!catalog_) {
      auto c = connect_();
      if (!c.ok()) return c.status().WithContext("refreshing vended S3 credentials");
      catalog_ = std::move(c).value();
    }
    LoadTableResult fresh;
    if (catalog_->offers_credentials()) {
      auto creds = catalog_->LoadCredentials(ns_, table_);
      if (!creds.ok()) return creds.status().WithContext("refreshing vended S3 credentials");
      // The table config stays; the storage credentials are replaced (spec
      // LoadCredentialsResponse: "storage-credentials" only).
      fresh.config = loaded_.config;
      fresh.storage_credentials = std::move(creds).value();
    } else {
      auto t = catalog_->LoadTable(ns_, table_);
      if (!t.ok()) return t.status().WithContext("refreshing vended S3 credentials");
      fresh = std::move(t).value();
    }
    log::Debug("refreshed the vended S3 credentials of " + JoinName(ns_, table_));
    return FromTable(fresh);
  }

 private:
  Result<Fetched> FromTable(const LoadTableResult& t) const {
    int64_t expires_ms = 0;
    auto props = StorageProps(t, location_, base_, &expires_ms);
    Fetched f;
    f.credentials.access_key = props["accessKey"];
    f.credentials.secret_key = props["secretKey"];
    f.credentials.session_token = props["sessionToken"];
    if (f.credentials.access_key.empty() || f.credentials.secret_key.empty())
      return Status::InvalidArgument("the Iceberg catalog vended no S3 credentials for " +
                                     location_ + " of table " + JoinName(ns_, table_));
    // Whole seconds, rounded down: never used past the stated expiry.
    f.expiration_unix = expires_ms > 0 ? expires_ms / 1000 : 0;
    return f;
  }

  CatalogConnector connect_;
  std::vector<std::string> ns_;
  std::string table_;
  LoadTableResult loaded_;
  std::string location_;
  std::map<std::string, std::string> base_;
  bool first_ = true;
  std::unique_ptr<RestCatalog> catalog_;
};

}  // namespace

std::shared_ptr<fs::AwsCredentialsProvider> NewVendedCredentialsProvider(
    CatalogConnector connect, std::vector<std::string> ns, std::string table,
    const LoadTableResult& loaded, std::string location, std::map<std::string, std::string> base,
    fs::Clock clock) {
  auto props = StorageProps(loaded, location, base);
  bool user_keys = base.count("accessKey") || base.count("secretKey");
  if (user_keys || !props.count("accessKey") || !props.count("secretKey")) return nullptr;
  return std::make_shared<VendedCredentialsProvider>(std::move(connect), std::move(ns),
                                                     std::move(table), loaded, std::move(location),
                                                     std::move(base), std::move(clock));
}

}  // namespace pe::iceberg
