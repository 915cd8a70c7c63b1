#include "cli/storage.h"

namespace pe::cli {

bool IsRemoteUri(const std::string& s) {
  size_t p = s.find("://");
  return p != std::string::npos && s.compare(0, p, "file") != 0;
}

namespace {
std::string LocalPath(const std::string& s) { return s.rfind("file://", 0) == 0 ? s.substr(7) : s; }
}  // namespace

Status StorageContext::Init(const std::vector<std::string>& props, const std::string& fs_class) {
  for (const auto& kv : props) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--fs-prop expects KEY=VALUE, got '" +
                                     kv.substr(0, kv.find('=')) + "'");
    }
    props_.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  fs_class_ = fs_class;
  return Status::OK();
}

Result<std::string> StorageContext::FetchInput(const std::string& uri) {
  if (!IsRemoteUri(uri)) return LocalPath(uri);
  return Status::NotSupported(uri + ": remote storage is not available in this build");
}

Result<std::string> StorageContext::LocalOutputPath(const std::string& uri) {
  if (!IsRemoteUri(uri)) return LocalPath(uri);
  return Status::NotSupported(uri + ": remote storage is not available in this build");
}

Status StorageContext::PublishOutput(const std::string& local, const std::string& uri) {
  (void)local;
  (void)uri;
  return Status::OK();
}

}  // namespace pe::cli
