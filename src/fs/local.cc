#include "fs/local.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/file.h"

namespace pe::fs {

namespace stdfs = std::filesystem;

std::string LocalPathOf(const std::string& uri) {
  if (uri.rfind("file://", 0) == 0) {
    std::string rest = uri.substr(7);
    // file://localhost/x and file:///x both name /x.
    if (rest.rfind("localhost/", 0) == 0) rest = rest.substr(9);
    return rest;
  }
  return uri;
}

namespace {

std::string Err(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Copies src to an AtomicFile at dst (parents created).
Status CopyAtomic(const std::string& src, const std::string& dst) {
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    return errno == ENOENT ? Status::NotFound(Err("cannot open", src))
                           : Status::IOError(Err("cannot open", src));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{in};
  std::error_code ec;
  stdfs::path parent = stdfs::path(dst).parent_path();
  if (!parent.empty()) {
    stdfs::create_directories(parent, ec);
    if (ec)
      return Status::IOError("cannot create directory " + parent.string() + ": " + ec.message());
  }
  PE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(dst));
  std::string buf(1 << 20, '\0');
  while (true) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(Err("cannot read", src));  // out's destructor cleans up
    if (n == 0) break;
    PE_RETURN_IF_ERROR(out->Append(buf.data(), static_cast<size_t>(n)));
  }
  return out->Commit();
}

class LocalFileSystem : public FileSystem {
 public:
  std::string scheme() const override { return "file"; }

  Result<bool> Exists(const std::string& uri) override {
    struct stat st;
    if (::stat(LocalPathOf(uri).c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return Status::IOError(Err("cannot stat", uri));
  }

  Result<uint64_t> Size(const std::string& uri) override {
    struct stat st;
    if (::stat(LocalPathOf(uri).c_str(), &st) != 0) {
      return errno == ENOENT ? Status::NotFound(Err("cannot stat", uri))
                             : Status::IOError(Err("cannot stat", uri));
    }
    return static_cast<uint64_t>(st.st_size);
  }

  Result<std::string> ReadRange(const std::string& uri, uint64_t offset, uint64_t length) override {
    int fd = ::open(LocalPathOf(uri).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return errno == ENOENT ? Status::NotFound(Err("cannot open", uri))
                             : Status::IOError(Err("cannot open", uri));
    }
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    std::string out;
    std::string buf(static_cast<size_t>(std::min<uint64_t>(length, 1 << 20)), '\0');
    while (out.size() < length) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), length - out.size()));
      ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(offset + out.size()));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IOError(Err("cannot read", uri));
      if (n == 0) break;
      out.append(buf.data(), static_cast<size_t>(n));
    }
    return out;
  }

  Status Download(const std::string& uri, const std::string& local_path) override {
    return CopyAtomic(LocalPathOf(uri), local_path);
  }

  Status Upload(const std::string& local_path, const std::string& uri) override {
    return CopyAtomic(local_path, LocalPathOf(uri));
  }

  Result<std::vector<FileInfo>> List(const std::string& prefix) override {
    std::string p = LocalPathOf(prefix);
    std::string uri_head = prefix.substr(0, prefix.size() - p.size());  // "file://" or ""
    std::error_code ec;
    // Key-prefix semantics: "/a/d" also matches "/a/d2", so walk the parent unless the prefix
    // ends with '/'.
    bool dir_prefix = !p.empty() && p.back() == '/';
    stdfs::path root = dir_prefix ? stdfs::path(p) : stdfs::path(p).parent_path();
    if (root.empty()) root = ".";
    std::vector<FileInfo> out;
    if (!stdfs::exists(root, ec)) return out;
    bool dot = root == "." && p.rfind("./", 0) != 0;
    for (auto it = stdfs::recursive_directory_iterator(root, ec);
         !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string path = it->path().string();
      if (dot && path.rfind("./", 0) == 0) path = path.substr(2);
      if (path.rfind(p, 0) != 0) continue;
      struct stat st;
      if (::stat(it->path().c_str(), &st) != 0) continue;  // removed while listing
      out.push_back({uri_head + path, static_cast<uint64_t>(st.st_size),
                     int64_t(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000});
    }
    if (ec) return Status::IOError("cannot list " + prefix + ": " + ec.message());
    std::sort(out.begin(), out.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.uri < b.uri; });
    return out;
  }

  Status Delete(const std::string& uri) override {
    if (::unlink(LocalPathOf(uri).c_str()) == 0 || errno == ENOENT) return Status::OK();
    return Status::IOError(Err("cannot delete", uri));
  }
};

}  // namespace

std::unique_ptr<FileSystem> NewLocalFileSystem() { return std::make_unique<LocalFileSystem>(); }

}  // namespace pe::fs
