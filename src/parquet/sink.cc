// LocalFileSink: the atomic local file of common/file.h behind the OutputSink interface.
#include "parquet/sink.h"

#include "common/file.h"

namespace pe::parquet {

Result<std::unique_ptr<LocalFileSink>> LocalFileSink::Create(const std::string& path) {
  std::unique_ptr<LocalFileSink> s(new LocalFileSink());
  PE_ASSIGN_OR_RETURN(s->file_, AtomicFile::Create(path));
  s->path_ = path;
  return s;
}

LocalFileSink::~LocalFileSink() = default;  // an uncommitted AtomicFile removes its temp file

Status LocalFileSink::Append(const void* data, size_t n) { return file_->Append(data, n); }

int64_t LocalFileSink::Tell() const { return int64_t(file_->bytes_written()); }

Status LocalFileSink::Commit() { return file_->Commit(); }

}  // namespace pe::parquet
