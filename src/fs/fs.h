// The file-system layer: one small interface over local disk, S3 (and S3-compatible stores such
// as GCS's XML API), HDFS (WebHDFS) and read-only HTTP(S), selected by URI scheme the way Pinot
// selects a PinotFS (org.apache.pinot.spi.filesystem.PinotFSFactory) by scheme.
//
// URIs: "/abs/path", "rel/path", "file:///abs/path", "s3://bucket/key", "gs://bucket/key",
// "hdfs://namenode[:port]/path", "http(s)://host/path" (read-only).
//
// Contracts shared by every implementation:
//  * Upload is atomic from a reader's view: a reader sees either the old object or the complete
//    new one, never a partial one. Local: temp file + fsync + rename. S3/GCS: one PUT, or a
//    multipart upload (parts sent concurrently) completed only after all parts succeeded and
//    aborted on any failure.
//  * Download writes the local file atomically (temp + fsync + rename); on failure no file and
//    no temp file is left.
//  * Errors are one line, name the URI, and never contain secrets (keys, session tokens,
//    private keys, OAuth2 tokens, web identity tokens, delegation tokens, nor the query string
//    or user:password@ of a URI: common/redact.h). User documentation: docs/storage.md.
//  * A FileSystem instance is NOT thread-safe (remote ones own one connection); open one per
//    thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace pe::fs {

class AwsCredentialsProvider;  // fs/aws_auth.h

// Pinot's output.fs.prop.<key> settings with the prefix stripped (e.g. "region", "accessKey").
using Props = std::map<std::string, std::string>;

struct FileInfo {
  std::string uri;  // full URI in the scheme of the listed prefix
  uint64_t size = 0;
  // Last modification, epoch ms (S3 LastModified has whole seconds); 0 when the store gives none.
  // With the size it identifies a version of the object (the segment-metadata cache key).
  int64_t mtime_ms = 0;
};

// A sequential reader over one file or object.
class InputStream {
 public:
  virtual ~InputStream() = default;
  // Reads up to `n` bytes into `buf`; returns 0 only at end of file.
  virtual Result<size_t> Read(void* buf, size_t n) = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // "file", "s3", "gs", "hdfs", "http" or "https".
  virtual std::string scheme() const = 0;

  virtual Result<bool> Exists(const std::string& uri) = 0;
  // Size in bytes; NotFound when absent.
  virtual Result<uint64_t> Size(const std::string& uri) = 0;
  // Bytes [offset, offset + length); shorter only when the file ends first. NotFound when absent.
  virtual Result<std::string> ReadRange(const std::string& uri, uint64_t offset,
                                        uint64_t length) = 0;
  // Streaming read of the whole file (default: successive ReadRange calls of 8 MiB).
  virtual Result<std::unique_ptr<InputStream>> OpenRead(const std::string& uri);
  // Copies `uri` to `local_path` atomically (see above).
  virtual Status Download(const std::string& uri, const std::string& local_path) = 0;
  // Copies `local_path` to `uri` atomically (see above), replacing any existing file.
  virtual Status Upload(const std::string& local_path, const std::string& uri) = 0;
  // Every file whose URI starts with `prefix` (recursively; for object stores a plain key prefix,
  // so "s3://b/dir" also matches "s3://b/dir2/x"). Sorted by URI.
  virtual Result<std::vector<FileInfo>> List(const std::string& prefix) = 0;
  // Removes one file. Removing an absent file succeeds (like S3 DeleteObject).
  virtual Status Delete(const std::string& uri) = 0;
};

// The scheme of `uri`: "file" for plain paths and file://, else the lowercase text before "://".
std::string UriScheme(const std::string& uri);

// The FileSystem for `uri`'s scheme. `fs_class` (Pinot's output.fs.class / PinotFS class name)
// may be empty; when set it must be one of
//   org.apache.pinot.spi.filesystem.LocalPinotFS, org.apache.pinot.plugin.filesystem.LocalPinotFS,
//   org.apache.pinot.plugin.filesystem.S3PinotFS (s3://; also gs:// via the XML API),
//   org.apache.pinot.plugin.filesystem.GcsPinotFS (gs://),
//   org.apache.pinot.plugin.filesystem.HadoopPinotFS (hdfs://)
// and agree with the scheme; otherwise InvalidArgument / NotSupported. Configuration problems
// (unknown scheme, missing credentials, bad property values) are reported here, not on first use.
Result<std::unique_ptr<FileSystem>> OpenFileSystem(const std::string& uri, const Props& props,
                                                   const std::string& fs_class = "");

// What a caller can give the storage layer beyond Props.
struct OpenOptions {
  // s3:// only: AWS credentials from this provider (fetched before each request, refreshed
  // before they expire and after the store answers ExpiredToken) instead of accessKey/secretKey/
  // sessionToken and the AWS chain -- e.g. credentials an Iceberg catalog vends for a table.
  std::shared_ptr<AwsCredentialsProvider> s3_credentials;
};
Result<std::unique_ptr<FileSystem>> OpenFileSystem(const std::string& uri, const Props& props,
                                                   const std::string& fs_class,
                                                   const OpenOptions& opts);

}  // namespace pe::fs
