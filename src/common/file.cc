#include "common/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

namespace pe {

namespace {
std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}
std::atomic<uint64_t> g_tmp_counter{0};
constexpr size_t kNameMax = 255;
}  // namespace

std::string HiddenTempPath(std::string_view target) {
  static const std::string kProcessTag = [] {
    char nonce[9];
    std::snprintf(nonce, sizeof(nonce), "%08x", static_cast<unsigned>(std::random_device{}()));
    return std::to_string(::getpid()) + "-" + nonce;
  }();
  size_t slash = target.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? "" : target.substr(0, slash + 1);
  std::string_view name = target.substr(dir.size());
  std::string suffix = ".tmp-" + kProcessTag + "-" + std::to_string(g_tmp_counter++);
  size_t room = kNameMax - 1 - suffix.size();
  if (name.size() > room) {
    name = name.substr(0, room);
    while (!name.empty() && (static_cast<unsigned char>(name.back()) & 0xC0) == 0x80)
      name.remove_suffix(1);  // UTF-8 continuation bytes of a cut character
    if (!name.empty() && static_cast<unsigned char>(name.back()) >= 0xC0) name.remove_suffix(1);
  }
  std::string out;
  out.reserve(dir.size() + 1 + name.size() + suffix.size());
  out.append(dir).append(".").append(name).append(suffix);
  return out;
}

void MappedFile::ReleaseResident() const {
  if (data_ && size_) ::madvise(const_cast<uint8_t*>(data_), size_, MADV_DONTNEED);
}

Result<MappedFile> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno("cannot open", path));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IOError(Errno("cannot stat", path));
  }
  MappedFile m;
  m.path_ = path;
  m.size_ = static_cast<size_t>(st.st_size);
  if (m.size_ > 0) {
    void* p = ::mmap(nullptr, m.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      return Status::IOError(Errno("cannot mmap", path));
    }
    m.data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  return m;
}

MappedFile::MappedFile(MappedFile&& o) noexcept
    : data_(o.data_), size_(o.size_), path_(std::move(o.path_)) {
  o.data_ = nullptr;
  o.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
    data_ = o.data_;
    size_ = o.size_;
    path_ = std::move(o.path_);
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

Result<TempDir> TempDir::Make(const std::string& prefix, const std::string& parent) {
  const char* base = std::getenv("TMPDIR");
  std::string dir = !parent.empty() ? parent : std::string(base && *base ? base : "/tmp");
  std::string tmpl = dir + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    return Status::IOError(Errno("cannot create temp dir", tmpl));
  TempDir d;
  d.path_ = tmpl;
  return d;
}

TempDir& TempDir::operator=(TempDir&& o) noexcept {
  if (this != &o) {
    if (!path_.empty()) (void)RemoveAll(path_);
    path_ = std::move(o.path_);
    o.path_.clear();
  }
  return *this;
}

TempDir::~TempDir() {
  if (!path_.empty()) (void)RemoveAll(path_);
}

Result<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& target) {
  std::unique_ptr<AtomicFile> f(new AtomicFile());
  f->target_ = target;
  f->tmp_ = HiddenTempPath(target);
  f->fd_ = ::open(f->tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (f->fd_ < 0) return Status::IOError(Errno("cannot create", target));
  return f;
}

AtomicFile::~AtomicFile() {
  if (!done_) Abort();
}

Status AtomicFile::Append(std::string_view bytes) {
  const char* p = bytes.data();
  size_t n = bytes.size();
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(Errno("cannot write", target_));
    }
    p += w;
    n -= static_cast<size_t>(w);
    written_ += static_cast<uint64_t>(w);
  }
  return Status::OK();
}

Status AtomicFile::Commit() {
  if (done_) return Status::InvalidArgument("file already committed or aborted: " + target_);
  if (::fsync(fd_) != 0) {
    Status s = Status::IOError(Errno("cannot fsync", target_));
    Abort();
    return s;
  }
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
    Status s = Status::IOError(Errno("cannot rename into", target_));
    ::unlink(tmp_.c_str());
    done_ = true;
    return s;
  }
  done_ = true;
  std::string dir = std::filesystem::path(target_).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

void AtomicFile::Abort() {
  if (done_) return;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_.c_str());
  done_ = true;
}

Result<std::string> ReadFileToString(const std::string& path) {
  PE_ASSIGN_OR_RETURN(MappedFile m, MappedFile::Open(path));
  return std::string(reinterpret_cast<const char*>(m.data()), m.size());
}

Status WriteFileAtomic(const std::string& path, std::string_view bytes) {
  PE_ASSIGN_OR_RETURN(auto f, AtomicFile::Create(path));
  PE_RETURN_IF_ERROR(f->Append(bytes));
  return f->Commit();
}

Status RemoveAll(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Status::IOError("cannot remove " + path + ": " + ec.message());
  return Status::OK();
}

}  // namespace pe
