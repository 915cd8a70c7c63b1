// Bridges CLI paths/URIs to local files: inputs on remote stores are downloaded to a temp file,
// outputs to remote stores are written locally first and uploaded atomically.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/file.h"
#include "common/status.h"

namespace pe::cli {

class StorageContext {
 public:
  // props: "KEY=VALUE" with the output.fs.prop.* names (the prefix may be included or not);
  // fs_class: output.fs.class (may be empty), checked against the output URI's scheme.
  Status Init(const std::vector<std::string>& props, const std::string& fs_class);
  // Local path of `uri` (downloaded into a temp dir when remote: a single object, or every object
  // under "<uri>/" for a segment directory).
  Result<std::string> FetchInput(const std::string& uri);
  // Where to write `uri` locally before PublishOutput.
  Result<std::string> LocalOutputPath(const std::string& uri);
  // Uploads `local` to a remote `uri` atomically (see fs/fs.h) and removes `local`; no-op for
  // local outputs, which are written in place.
  Status PublishOutput(const std::string& local, const std::string& uri);

 private:
  std::vector<std::pair<std::string, std::string>> props_;
  std::string fs_class_;
  std::optional<TempDir> tmp_;
};

bool IsRemoteUri(const std::string& s);

}  // namespace pe::cli
