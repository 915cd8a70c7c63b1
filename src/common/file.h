// Local-file primitives shared by the layers: read-only memory maps, temp directories, and
// atomic output files (write to a temp name beside the target, fsync, rename).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pe {

// A read-only private mapping of a whole file. Empty files map to an empty span.
// Thread-safe for concurrent reads. Not copyable; movable.
class MappedFile {
 public:
  static Result<MappedFile> Open(const std::string& path);
  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // Lets the kernel drop the pages read so far from this process (madvise MADV_DONTNEED on a
  // clean private file mapping: contents stay valid and are re-read from the file on access).
  // Bounds resident memory when a large file is streamed.
  void ReleaseResident() const;
  const std::string& path() const { return path_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
class TempDir {
 public:
  // A fresh directory "<parent>/<prefix>-XXXXXX"; parent defaults to $TMPDIR or /tmp.
  static Result<TempDir> Make(const std::string& prefix = "pinot-export",
                              const std::string& parent = "");
  TempDir() = default;
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempDir& operator=(TempDir&& o) noexcept;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A fresh name for a temp file or object beside `target`, in the same directory (a rename must not
// leave its directory or file system): "<dir>/.<name>.tmp-<pid>-<nonce>-<n>", with a random
// per-process nonce so writers on different hosts sharing a directory (HDFS, NFS) do not collide.
// The leading '.' hides it from lake engines, which skip names starting with '.' or '_' when they
// list a table directory (Hadoop FileInputFormat's hiddenFileFilter, used by Spark and Hive;
// Trino's HiveFileIterator). <name> is cut (on a UTF-8 boundary) so the last component stays
// within the 255-byte NAME_MAX of Linux file systems and HDFS's default
// dfs.namenode.fs-limits.max-component-length.
std::string HiddenTempPath(std::string_view target);

// Writes `target` atomically: bytes go to HiddenTempPath(target); Commit() fsyncs, renames over
// `target` and fsyncs the directory. Destroying an uncommitted file removes the temp file, so a
// failed write leaves nothing behind.
class AtomicFile {
 public:
  static Result<std::unique_ptr<AtomicFile>> Create(const std::string& target);
  ~AtomicFile();
  Status Append(std::string_view bytes);
  Status Append(const void* p, size_t n) {
    return Append(std::string_view(static_cast<const char*>(p), n));
  }
  uint64_t bytes_written() const { return written_; }
  Status Commit();
  void Abort();
  const std::string& temp_path() const { return tmp_; }

 private:
  AtomicFile() = default;
  int fd_ = -1;
  std::string target_, tmp_;
  uint64_t written_ = 0;
  bool done_ = false;
};

Result<std::string> ReadFileToString(const std::string& path);
Status WriteFileAtomic(const std::string& path, std::string_view bytes);
Status RemoveAll(const std::string& path);

}  // namespace pe
