// Segment tarballs (pinot-common TarCompressionUtils.createCompressedTarFile): one top directory
// named after the segment, POSIX/GNU tar, compressed with gzip (.tar.gz), an LZ4 *frame*
// (.tar.lz4) or zstd (.tar.zst). LLC segments in deep store are gzip tarballs named without an
// extension (PinotLLCRealtimeSegmentManager.moveSegmentFile). Also segment names.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "common/file.h"
#include "sample/sample.h"

namespace fs = std::filesystem;

namespace pe::sample {

TarCompression TarCompressionFor(const std::string& path) {
  auto ends = [&](const char* s) { return path.ends_with(s); };
  if (ends(".tar.lz4")) return TarCompression::kLz4;
  if (ends(".tar.zst") || ends(".tar.zstd")) return TarCompression::kZstd;
  if (ends(".tar")) return TarCompression::kNone;
  return TarCompression::kGzip;  // .tar.gz, .tgz, no extension
}

Status WriteTarball(const std::string& segment_dir, const std::string& out_path,
                    TarCompression compression) {
  fs::path root = fs::path(segment_dir).lexically_normal();
  if (root.filename().empty()) root = root.parent_path();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return Status::IOError(segment_dir + ": not a directory");
  // Entries in a stable order: directories before their files, names sorted.
  std::vector<fs::path> entries{root};
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) entries.push_back(e.path());
  if (ec) return Status::IOError("cannot list " + segment_dir + ": " + ec.message());
  std::sort(entries.begin(), entries.end());

  const std::string tmp = HiddenTempPath(out_path);
  struct archive* a = archive_write_new();
  archive_write_set_format_gnutar(a);
  int r = ARCHIVE_OK;
  switch (compression) {
    case TarCompression::kGzip:
      r = archive_write_add_filter_gzip(a);
      break;
    case TarCompression::kLz4:
      r = archive_write_add_filter_lz4(a);
      break;
    case TarCompression::kZstd:
      r = archive_write_add_filter_zstd(a);
      break;
    case TarCompression::kNone:
      break;
  }
  auto fail = [&](const std::string& what) {
    Status st = Status::IOError(out_path + ": " + what + ": " +
                                (archive_error_string(a) ? archive_error_string(a) : "?"));
    archive_write_free(a);
    fs::remove(tmp, ec);
    return st;
  };
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return fail("compression filter unavailable");
  if (archive_write_open_filename(a, tmp.c_str()) != ARCHIVE_OK) return fail("cannot create");
  const fs::path base = root.parent_path();
  for (const auto& p : entries) {
    const std::string name = fs::relative(p, base).generic_string();
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, (fs::is_directory(p) ? name + "/" : name).c_str());
    archive_entry_set_mtime(e, time_t(0), 0);
    const bool is_dir = fs::is_directory(p);
    uint64_t size = is_dir ? 0 : fs::file_size(p, ec);
    archive_entry_set_filetype(e, is_dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, is_dir ? 0755 : 0644);
    archive_entry_set_size(e, la_int64_t(size));
    if (archive_write_header(a, e) != ARCHIVE_OK) {
      archive_entry_free(e);
      return fail("cannot write entry " + name);
    }
    if (!is_dir && size > 0) {
      // Stream the file in blocks (segments can be much larger than memory).
      auto m = MappedFile::Open(p.string());
      if (!m.ok()) {
        archive_entry_free(e);
        archive_write_free(a);
        fs::remove(tmp, ec);
        return m.status();
      }
      for (size_t off = 0; off < m->size(); off += size_t(1) << 20) {
        size_t n = std::min(m->size() - off, size_t(1) << 20);
        if (archive_write_data(a, m->data() + off, n) != la_ssize_t(n)) {
          archive_entry_free(e);
          return fail("cannot write data of " + name);
        }
      }
    }
    archive_entry_free(e);
  }
  if (archive_write_close(a) != ARCHIVE_OK) return fail("cannot finish");
  archive_write_free(a);
  fs::rename(tmp, out_path, ec);
  if (ec) return Status::IOError("cannot rename " + tmp + " to " + out_path + ": " + ec.message());
  return Status::OK();
}

std::string OfflineSegmentName(const std::string& table, int sequence) {
  return table + "_OFFLINE_" + std::to_string(sequence);
}

std::string LlcSegmentName(const std::string& table, int partition, int sequence,
                           int64_t creation_ms) {
  time_t t = time_t(creation_ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min);
  return table + "__" + std::to_string(partition) + "__" + std::to_string(sequence) + "__" + buf;
}

}  // namespace pe::sample
