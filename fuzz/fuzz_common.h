// Shared pieces of the libFuzzer targets (fuzz/*_fuzz.cc) and of make_fuzz_seed.
//
// Targets and their input framings (so mutations reach the parsers, not only tar headers):
//   segment_v3_fuzz  u32 LE n1 | n1 bytes metadata.properties | u32 LE n2 | n2 bytes index_map |
//                    rest: columns.psf  -> a v3 directory
//   segment_v1_fuzz  { u8 name length | name | u32 LE size | size bytes }*  -> a v1 directory
//                    (metadata.properties, creation.meta, <col>.dict, <col>.sv.raw.fwd, ...)
//   tarball_fuzz     the bytes of a segment file (tar, tar.gz, tar.lz4, tar.zst: the reader sniffs)
//   convert_fuzz     u8 options | u8 sizes | the segment_v3_fuzz framing; the segment is converted
//                    to Parquet in memory (the segment directory goes to the fuzz temp
//                    directory, on /dev/shm when that exists)
// Each target opens the segment with Segment::Open and reads every column (ids, values, value
// text, dictionary entries). Errors are expected; a crash, sanitizer report, leak, timeout or an
// allocation over -malloc_limit_mb is a finding.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/file.h"
#include "convert/convert.h"
#include "segment/segment.h"

namespace pe::fuzz {

// Runs stay bounded: segments claiming more docs than this are opened but not read (the bounds
// checks that matter run in Open and in the first batches; a fuzzed header claiming 2^32 docs would
// otherwise make one input take minutes).
constexpr uint32_t kMaxReadDocs = 100000;
constexpr uint32_t kMaxConvertDocs = 20000;
constexpr uint32_t kBatchDocs = 997;  // odd, so batches straddle chunk and word boundaries
// Extracted tarball contents are capped (RLIMIT_FSIZE) so a decompression bomb stays bounded.
constexpr rlim_t kMaxFileBytes = 256u << 20;

// The process-wide scratch directory: on /dev/shm (tmpfs) when it exists, else $TMPDIR or /tmp.
inline const std::string& ScratchDir() {
  static const std::string* dir = []() -> const std::string* {
    if (!std::getenv("TMPDIR") && ::access("/dev/shm", W_OK) == 0)
      ::setenv("TMPDIR", "/dev/shm", 1);
    // Writes past kMaxFileBytes fail with EFBIG instead of killing the process with SIGXFSZ.
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {kMaxFileBytes, kMaxFileBytes};
    ::setrlimit(RLIMIT_FSIZE, &rl);
    auto t = TempDir::Make("pe-fuzz");
    if (!t.ok()) {
      std::fprintf(stderr, "fuzz: %s\n", t.status().ToString().c_str());
      std::abort();
    }
    // Never destroyed (libFuzzer may exit from any thread); reachable, so not a leak report.
    static TempDir* keep = new TempDir(std::move(t).value());
    return &keep->path();
  }();
  return *dir;
}

// An empty directory `name` under the scratch directory (emptied on every call).
inline std::string FreshDir(const std::string& name) {
  std::string d = ScratchDir() + "/" + name;
  std::error_code ec;
  std::filesystem::remove_all(d, ec);
  std::filesystem::create_directories(d, ec);
  return d;
}

inline void WriteBytes(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return;
  if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

// segment_v3_fuzz framing -> (metadata.properties, index_map, columns.psf). False if too short.
struct V3Files {
  std::string_view meta, index_map, psf;
};
inline bool ParseV3(std::string_view in, V3Files* out) {
  auto take = [&](std::string_view* part) {
    if (in.size() < 4) return false;
    uint32_t len = LoadLE32(reinterpret_cast<const uint8_t*>(in.data()));
    in.remove_prefix(4);
    if (len > in.size()) return false;
    *part = in.substr(0, len);
    in.remove_prefix(len);
    return true;
  };
  if (!take(&out->meta) || !take(&out->index_map)) return false;
  out->psf = in;
  return true;
}
inline std::string FrameV3(std::string_view meta, std::string_view index_map,
                           std::string_view psf) {
  std::string out;
  AppendLE32(&out, uint32_t(meta.size()));
  out += meta;
  AppendLE32(&out, uint32_t(index_map.size()));
  out += index_map;
  out += psf;
  return out;
}
inline void WriteV3(const std::string& dir, const V3Files& f) {
  WriteBytes(dir + "/metadata.properties", f.meta);
  WriteBytes(dir + "/index_map", f.index_map);
  WriteBytes(dir + "/columns.psf", f.psf);
}

// segment_v1_fuzz framing. Names that are not plain file names are skipped; a size past the end is
// clamped to what is left (mutations that grow a file stay useful).
using Files = std::vector<std::pair<std::string, std::string_view>>;
inline Files ParseFiles(std::string_view in) {
  Files files;
  while (in.size() >= 5) {
    size_t name_len = uint8_t(in[0]);
    in.remove_prefix(1);
    if (name_len > in.size()) break;
    std::string name(in.substr(0, name_len));
    in.remove_prefix(name_len);
    if (in.size() < 4) break;
    uint32_t len = LoadLE32(reinterpret_cast<const uint8_t*>(in.data()));
    in.remove_prefix(4);
    std::string_view data = in.substr(0, std::min<size_t>(len, in.size()));
    in.remove_prefix(data.size());
    bool ok = !name.empty() && name[0] != '.' && files.size() < 64;
    for (char c : name) ok &= std::isalnum(uint8_t(c)) || c == '.' || c == '_' || c == '-';
    if (ok) files.emplace_back(std::move(name), data);
  }
  return files;
}
inline void AppendFile(std::string* out, const std::string& name, std::string_view data) {
  out->push_back(char(uint8_t(name.size())));
  *out += name;
  AppendLE32(out, uint32_t(data.size()));
  *out += data;
}

// convert_fuzz option bytes -> convert::Options, and their text for a broken input's .expected
// sidecar (tests/segment/broken_inputs_test.cc reads "convert: key=value ..." lines).
inline convert::Options ConvertOptions(uint8_t b0, uint8_t b1) {
  static constexpr int kDecimal[8][2] = {{0, 0}, {38, 2},  {9, 0},   {18, 9},
                                         {1, 0}, {60, 30}, {38, 38}, {10, -1}};
  static constexpr int kDepth[4] = {-1, 1, 2, 4};
  static constexpr parquet::Codec kCodec[4] = {parquet::Codec::kUncompressed,
                                               parquet::Codec::kSnappy, parquet::Codec::kZstd,
                                               parquet::Codec::kGzip};
  convert::Options o;
  o.dictionary = b0 & 1;
  o.json_max_depth = kDepth[(b0 >> 1) & 3];
  o.decimal_precision = kDecimal[(b0 >> 3) & 7][0];
  o.decimal_scale = kDecimal[(b0 >> 3) & 7][1];
  o.codec = kCodec[(b0 >> 6) & 3];
  o.row_group_bytes = int64_t(256) << (b1 & 15);   // 256 B .. 8 MiB
  o.page_bytes = int64_t(64) << ((b1 >> 4) & 15);  // 64 B .. 2 MiB
  return o;
}
inline std::string DescribeOptions(const convert::Options& o) {
  return "convert: codec=" + std::string(parquet::CodecName(o.codec)) +
         " dictionary=" + (o.dictionary ? "true" : "false") +
         " json_max_depth=" + std::to_string(o.json_max_depth) +
         " decimal_precision=" + std::to_string(o.decimal_precision) +
         " decimal_scale=" + std::to_string(o.decimal_scale) +
         " row_group_bytes=" + std::to_string(o.row_group_bytes) +
         " page_bytes=" + std::to_string(o.page_bytes);
}

// Reads every column of `seg` (up to kMaxReadDocs docs): ids, values, the text of the first values
// of each batch, and dictionary entries. Results are ignored; only crashes matter.
inline void ReadEverything(const segment::Segment& seg) {
  const segment::SegmentMeta& m = seg.meta();
  if (m.total_docs > kMaxReadDocs) return;
  segment::ColumnBatch b;
  std::string text;
  for (const auto& c : m.columns) {
    auto r = seg.OpenColumn(c.name);
    if (!r.ok()) continue;
    if (const segment::Dictionary* d = (*r)->dictionary()) {
      for (uint32_t id = 0; id < d->size() && id < 256; ++id) {
        switch (d->type()) {
          case segment::StoredType::kInt32:
            (void)d->GetInt(id);
            break;
          case segment::StoredType::kInt64:
            (void)d->GetLong(id);
            break;
          case segment::StoredType::kFloat:
            (void)d->GetFloat(id);
            break;
          case segment::StoredType::kDouble:
            (void)d->GetDouble(id);
            break;
          case segment::StoredType::kBinary:
            (void)d->GetBytes(id);
            break;
        }
      }
    }
    for (uint32_t first = 0; first < m.total_docs; first += kBatchDocs) {
      uint32_t n = std::min(kBatchDocs, m.total_docs - first);
      if ((*r)->has_ids() && !(*r)->ReadIds(first, n, &b).ok()) break;
      if (!(*r)->ReadValues(first, n, &b).ok()) break;
      for (size_t k = 0; k < b.num_values() && k < 64; ++k) {
        text.clear();
        (void)segment::AppendValueText((*r)->meta(), b, k, k & 1, &text);
      }
    }
  }
}

}  // namespace pe::fuzz
