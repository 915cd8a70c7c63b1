#include "fs/transfer.h"

#include <filesystem>

#include "fs/fs.h"

namespace pe::fs {

bool IsRemoteUri(const std::string& s) {
  size_t p = s.find("://");
  return p != std::string::npos && s.compare(0, p, "file") != 0;
}

namespace {
std::string LocalPath(const std::string& s) { return s.rfind("file://", 0) == 0 ? s.substr(7) : s; }

// Last path component of a URI ("s3://b/x/seg.tar.gz" -> "seg.tar.gz"), ignoring trailing '/'.
std::string BaseName(std::string uri) {
  // A presigned URL's query carries its signature: it must not become part of a local name that
  // errors would then print (and that no scrubber recognises as a URI).
  if (size_t q = uri.find_first_of("?#"); q != std::string::npos) uri.resize(q);
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  size_t slash = uri.rfind('/');
  std::string base = slash == std::string::npos ? uri : uri.substr(slash + 1);
  return base.empty() ? "object" : base;
}

// A listed key below the segment directory is joined onto the scratch directory, so it must be
// a plain relative path: object keys are arbitrary strings, and one like "seg/../../x" would
// write outside it. Refused like unsafe tarball entries (segment/layout.cc): absolute, empty,
// or with a ".." component.
bool IsSafeRelativePath(const std::string& rel) {
  std::filesystem::path p(rel);
  if (rel.empty() || p.is_absolute()) return false;
  for (const auto& part : p) {
    if (part == "..") return false;
  }
  return true;
}
}  // namespace

Result<Props> ParsePropArgs(const std::vector<std::string>& args) {
  Props props;
  for (const auto& kv : args) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--fs-prop expects KEY=VALUE, got '" +
                                     kv.substr(0, kv.find('=')) + "'");
    }
    std::string key = kv.substr(0, eq);
    // Accept the full Pinot name too (output.fs.prop.region=...).
    const std::string kPrefix = "output.fs.prop.";
    if (key.rfind(kPrefix, 0) == 0) key = key.substr(kPrefix.size());
    props[key] = kv.substr(eq + 1);
  }
  return props;
}

Transfer::Transfer(Props props, std::string fs_class, std::string scratch_parent, OpenOptions open)
    : props_(std::move(props)),
      fs_class_(std::move(fs_class)),
      scratch_parent_(std::move(scratch_parent)),
      open_(std::move(open)) {}

Result<std::string> Transfer::FetchInput(const std::string& uri) {
  if (!IsRemoteUri(uri)) return LocalPath(uri);
  // output.fs.class names the output store; inputs are chosen by scheme alone.
  PE_ASSIGN_OR_RETURN(auto fs, OpenFileSystem(uri, props_, ""));
  if (!tmp_) {
    PE_ASSIGN_OR_RETURN(TempDir d, TempDir::Make("pinot-export-io", scratch_parent_));
    tmp_ = std::move(d);
  }
  std::string local = tmp_->path() + "/in-" + BaseName(uri);
  // A single object (segment tar.gz or file) ...
  auto size = fs->Size(uri);
  if (size.ok()) {
    PE_RETURN_IF_ERROR(fs->Download(uri, local));
    return local;
  }
  if (!size.status().IsNotFound()) return size.status();
  // ... or a segment directory: every object under "<uri>/".
  std::string prefix = uri.back() == '/' ? uri : uri + "/";
  PE_ASSIGN_OR_RETURN(auto files, fs->List(prefix));
  if (files.empty()) return Status::NotFound(uri + ": no such file or directory");
  for (const auto& f : files) {  // all checked before anything is written
    if (!IsSafeRelativePath(f.uri.substr(prefix.size()))) {
      return Status::Corruption(uri + ": object '" + f.uri +
                                "' has an unsafe relative path (absolute or with '..')");
    }
  }
  for (const auto& f : files) {
    std::string rel = f.uri.substr(prefix.size());
    std::string dst = local + "/" + rel;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(dst).parent_path(), ec);
    if (ec) return Status::IOError("cannot create directory for " + dst + ": " + ec.message());
    PE_RETURN_IF_ERROR(fs->Download(f.uri, dst));
  }
  return local;
}

Result<std::string> Transfer::LocalOutputPath(const std::string& uri) {
  if (!IsRemoteUri(uri)) {
    // Like an object store (and Pinot's LocalPinotFS copy), a local output creates its folders.
    std::string path = LocalPath(uri);
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec)
      return Status::IOError("cannot create directory " + parent.string() + ": " + ec.message());
    return path;
  }
  // Fail on configuration problems (scheme, fs class, credentials) before converting.
  PE_RETURN_IF_ERROR(OpenFileSystem(uri, props_, fs_class_, open_).status());
  if (!tmp_) {
    PE_ASSIGN_OR_RETURN(TempDir d, TempDir::Make("pinot-export-io", scratch_parent_));
    tmp_ = std::move(d);
  }
  return tmp_->path() + "/out-" + BaseName(uri);
}

Status Transfer::PublishOutput(const std::string& local, const std::string& uri) {
  if (!IsRemoteUri(uri)) return Status::OK();  // written in place, atomically
  PE_ASSIGN_OR_RETURN(auto fs, OpenFileSystem(uri, props_, fs_class_, open_));
  Status s = fs->Upload(local, uri);
  std::error_code ec;
  std::filesystem::remove(local, ec);
  return s;
}

}  // namespace pe::fs
