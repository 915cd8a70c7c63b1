// parquet/: the byte sinks a FileWriter writes to (public header).
//
// The writer appends only: a Parquet file is written front to back (README.md "File Format":
// "PAR1", row groups, page indexes, footer, footer length, "PAR1") and every offset it records is
// the sink's Tell() at the moment of writing, so a sink never needs to seek. The writer does not
// own its sink (LevelDB's TableBuilder / WritableFile, Arrow's OutputStream): whoever made the
// sink decides whether the bytes become visible (LocalFileSink::Commit), are uploaded, or are
// dropped; a failed or cancelled write simply never commits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pe {
class AtomicFile;
}

namespace pe::parquet {

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // Appends n bytes. An error leaves the sink in an unspecified state: the caller abandons it.
  virtual Status Append(const void* data, size_t n) = 0;
  // Bytes appended so far (the offset the next byte will have).
  virtual int64_t Tell() const = 0;
  // Pushes buffered bytes to the underlying medium (FileWriter::Close calls it last). It does not
  // make the output visible: that is the sink owner's step (e.g. LocalFileSink::Commit).
  virtual Status Flush() { return Status::OK(); }

  Status Append(std::string_view b) { return Append(b.data(), b.size()); }
};

// A local file written atomically (common/file.h AtomicFile): bytes go to
// HiddenTempPath(path) beside `path`; Commit() fsyncs, renames over `path` and fsyncs the
// directory. A sink destroyed without Commit() removes its temp file, so an error or a
// cancellation leaves nothing behind.
class LocalFileSink final : public OutputSink {
 public:
  static Result<std::unique_ptr<LocalFileSink>> Create(const std::string& path);
  ~LocalFileSink() override;
  LocalFileSink(const LocalFileSink&) = delete;
  LocalFileSink& operator=(const LocalFileSink&) = delete;

  using OutputSink::Append;
  Status Append(const void* data, size_t n) override;
  int64_t Tell() const override;
  // Makes the file appear at `path`. At most once; after an error nothing is left behind.
  Status Commit();
  const std::string& path() const { return path_; }

 private:
  LocalFileSink() = default;
  std::unique_ptr<AtomicFile> file_;
  std::string path_;
};

// Bytes kept in memory (tests, fuzzing, small objects uploaded in one request).
class StringSink final : public OutputSink {
 public:
  using OutputSink::Append;
  Status Append(const void* data, size_t n) override {
    buf_.append(static_cast<const char*>(data), n);
    return Status::OK();
  }
  int64_t Tell() const override { return int64_t(buf_.size()); }
  const std::string& data() const { return buf_; }
  std::string Release() { return std::move(buf_); }

 private:
  std::string buf_;
};

}  // namespace pe::parquet
