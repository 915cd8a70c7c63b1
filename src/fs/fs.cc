#include "fs/fs.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/redact.h"
#include "fs/config.h"
#include "fs/local.h"
#include "fs/remote.h"
#include "fs/s3.h"

namespace pe::fs {

namespace {

constexpr uint64_t kReadChunk = 8ull << 20;

class RangeInputStream : public InputStream {
 public:
  RangeInputStream(FileSystem* fs, std::string uri) : fs_(fs), uri_(std::move(uri)) {}
  Result<size_t> Read(void* buf, size_t n) override {
    if (pos_ == chunk_.size() && !eof_) {
      PE_ASSIGN_OR_RETURN(chunk_, fs_->ReadRange(uri_, offset_, kReadChunk));
      offset_ += chunk_.size();
      pos_ = 0;
      if (chunk_.size() < kReadChunk) eof_ = true;
    }
    size_t k = std::min(n, chunk_.size() - pos_);
    std::memcpy(buf, chunk_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  FileSystem* fs_;
  std::string uri_;
  std::string chunk_;
  size_t pos_ = 0;
  uint64_t offset_ = 0;
  bool eof_ = false;
};

const char* kLocalClasses[] = {"org.apache.pinot.spi.filesystem.LocalPinotFS",
                               "org.apache.pinot.plugin.filesystem.LocalPinotFS"};
const char* kS3Class = "org.apache.pinot.plugin.filesystem.S3PinotFS";
const char* kGcsClass = "org.apache.pinot.plugin.filesystem.GcsPinotFS";
const char* kHadoopClass = "org.apache.pinot.plugin.filesystem.HadoopPinotFS";

// The schemes a PinotFS class may serve here.
Status CheckClass(const std::string& fs_class, const std::string& scheme) {
  if (fs_class.empty()) return Status::OK();
  auto mismatch = [&] {
    return Status::InvalidArgument("fs class " + fs_class + " cannot serve " + scheme + ":// URIs");
  };
  for (const char* c : kLocalClasses) {
    if (fs_class == c) return scheme == "file" ? Status::OK() : mismatch();
  }
  if (fs_class == kS3Class) return scheme == "s3" || scheme == "gs" ? Status::OK() : mismatch();
  if (fs_class == kGcsClass) return scheme == "gs" ? Status::OK() : mismatch();
  if (fs_class == kHadoopClass) return scheme == "hdfs" ? Status::OK() : mismatch();
  return Status::NotSupported("unknown fs class " + fs_class + " (supported: LocalPinotFS, " +
                              "S3PinotFS, GcsPinotFS, HadoopPinotFS)");
}

}  // namespace

Result<std::unique_ptr<InputStream>> FileSystem::OpenRead(const std::string& uri) {
  PE_ASSIGN_OR_RETURN(bool exists, Exists(uri));
  if (!exists) return Status::NotFound("no such file: " + RedactUri(uri));
  return std::unique_ptr<InputStream>(new RangeInputStream(this, uri));
}

std::string UriScheme(const std::string& uri) {
  size_t p = uri.find("://");
  if (p == std::string::npos) return "file";
  std::string s = uri.substr(0, p);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<std::unique_ptr<FileSystem>> OpenFileSystem(const std::string& uri, const Props& props,
                                                   const std::string& fs_class) {
  return OpenFileSystem(uri, props, fs_class, OpenOptions{});
}

Result<std::unique_ptr<FileSystem>> OpenFileSystem(const std::string& uri, const Props& props,
                                                   const std::string& fs_class,
                                                   const OpenOptions& opts) {
  std::string scheme = UriScheme(uri);
  PE_RETURN_IF_ERROR(CheckClass(fs_class, scheme));
  if (scheme == "file") return NewLocalFileSystem();
  if (scheme == "s3") {
    S3Options o;
    if (opts.s3_credentials) {
      // The provider replaces the credential chain; the other properties apply as usual.
      Props rest = props;
      for (const char* k : {"accessKey", "secretKey", "sessionToken"}) rest.erase(k);
      rest["accessKey"] = "provided";
      rest["secretKey"] = "provided";
      PE_ASSIGN_OR_RETURN(o, S3OptionsFromProps(rest, ProcessEnv()));
      o.credentials_provider = opts.s3_credentials;
      o.credentials_source = opts.s3_credentials->source();
      PE_ASSIGN_OR_RETURN(o.credentials, o.credentials_provider->Get());
    } else {
      PE_ASSIGN_OR_RETURN(o, S3OptionsFromProps(props, ProcessEnv()));
    }
    return NewS3FileSystem(std::move(o));
  }
  if (scheme == "gs") {
    PE_ASSIGN_OR_RETURN(S3Options o, GcsOptionsFromProps(props, ProcessEnv()));
    return NewS3FileSystem(std::move(o));
  }
  if (scheme == "hdfs") return NewWebHdfsFileSystem(props, ProcessEnv(), uri);
  if (scheme == "http" || scheme == "https") return NewHttpFileSystem(props);
  return Status::NotSupported("no file system for scheme '" + scheme + "' (" + RedactUri(uri) +
                              ")");
}

}  // namespace pe::fs
