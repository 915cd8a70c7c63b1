// Local disk (plain paths and file:// URIs), like Pinot's LocalPinotFS.
#pragma once

#include <memory>

#include "fs/fs.h"

namespace pe::fs {

// Upload/Download copy through common/file.h AtomicFile: temp file beside the target, fsync,
// rename, fsync of the directory; parent directories of the target are created. On failure the
// temp file is removed and an existing target is untouched.
std::unique_ptr<FileSystem> NewLocalFileSystem();

// "file:///a/b" -> "/a/b"; plain paths unchanged.
std::string LocalPathOf(const std::string& uri);

}  // namespace pe::fs
