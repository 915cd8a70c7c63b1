// fs/: moving whole segments and output files between local disk and any store (the fetch and
// publish steps of `convert` and of the export executor). Inputs on remote stores are downloaded
// into a scratch directory; outputs to remote stores are written locally first and uploaded
// atomically (fs.h's Upload contract). Local inputs are used in place and local outputs written in
// place (the writer renames its temp file).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/file.h"
#include "common/status.h"
#include "fs/fs.h"

namespace pe::fs {

class Transfer {
 public:
  // props: output.fs.prop.* with the prefix stripped; fs_class: output.fs.class (may be empty),
  // checked against the output URI's scheme. Scratch files go to a fresh directory under
  // `scratch_parent` (the system temp dir when empty), removed with this object.
  // `open` is passed to every OpenFileSystem of the output (e.g. vended credentials).
  Transfer(Props props, std::string fs_class, std::string scratch_parent = "",
           OpenOptions open = {});
  // Local path of `uri` (downloaded into a temp dir when remote: a single object, or every object
  // under "<uri>/" for a segment directory).
  Result<std::string> FetchInput(const std::string& uri);
  // Where to write `uri` locally before PublishOutput (a local output's folders are created).
  Result<std::string> LocalOutputPath(const std::string& uri);
  // Uploads `local` to a remote `uri` atomically (see fs/fs.h) and removes `local`; no-op for
  // local outputs, which are written in place.
  Status PublishOutput(const std::string& local, const std::string& uri);

 private:
  Props props_;
  std::string fs_class_;
  std::string scratch_parent_;
  OpenOptions open_;
  std::optional<TempDir> tmp_;
};

// "KEY=VALUE" arguments (the CLI's --fs-prop) to Props; the output.fs.prop. prefix is optional.
Result<Props> ParsePropArgs(const std::vector<std::string>& args);

// True for URIs with a scheme other than file:// (plain paths and file:// are local).
bool IsRemoteUri(const std::string& s);

}  // namespace pe::fs
