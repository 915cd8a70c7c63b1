// Segment layouts and index lookup.
//
// v1 (S/creator/SegmentVersion v1/v2; L/segment/store/FilePerIndexDirectory): <seg>/ holds
//   metadata.properties, creation.meta and one file per index (S/V1Constants.Indexes):
//   <col>.dict, .sv.unsorted.fwd, .sv.sorted.fwd, .mv.fwd, .sv.raw.fwd, .mv.raw.fwd,
//   .bitmap.nullvalue, .bitmap.inv.
// v3 (L/segment/store/SingleFileIndexDirectory): <seg>/v3/{metadata.properties, creation.meta,
//   index_map, columns.psf}. index_map lines "<col>.<indexId>.startOffset = N" and ".size = N",
//   split from the right (column names may contain '.'; S/store/ColumnIndexUtils). In columns.psf
//   each entry is the 8-byte magic DE AD BE EF DE AF BE AD followed by the payload; startOffset
//   points at the magic and size includes it. size 0 = "remote" index, no bytes in the segment.
// Tarballs (CM/utils/TarCompressionUtils): one top directory named after the segment; gzip, LZ4
//   frame or zstd compressed, sniffed from magic bytes (deep-store LLC objects have no extension).
#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <filesystem>

#include "segment/segment_internal.h"

namespace fs = std::filesystem;

namespace pe::segment {

namespace {

constexpr uint8_t kPsfMagic[8] = {0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAF, 0xBE, 0xAD};

// v1 file suffixes this reader reads (V1Constants.Indexes); forward indexes in lookup order.
constexpr const char* kV1ForwardSuffixes[] = {".sv.unsorted.fwd", ".sv.sorted.fwd", ".mv.fwd",
                                              ".sv.raw.fwd", ".mv.raw.fwd"};
constexpr const char* kV1OtherSuffixes[] = {".dict", ".bitmap.nullvalue", ".bitmap.inv"};

bool HasV1IndexSuffix(const std::string& name) {
  auto ends = [&](std::string_view suf) {
    return name.size() > suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0;
  };
  for (const char* s : kV1ForwardSuffixes) {
    if (ends(s)) return true;
  }
  for (const char* s : kV1OtherSuffixes) {
    if (ends(s)) return true;
  }
  return false;
}

// Opens the (compressed) tarball mapped in `f` for reading with libarchive. The caller frees it.
Result<struct archive*> OpenTarball(const std::string& path, const MappedFile& f) {
  // Sniff: gzip 1F 8B, LZ4 frame 04 22 4D 18, zstd 28 B5 2F FD, or a plain tar ("ustar" at 257).
  const uint8_t* d = f.data();
  size_t n = f.size();
  bool gz = n >= 2 && d[0] == 0x1F && d[1] == 0x8B;
  bool lz4 = n >= 4 && LoadLE32(d) == 0x184D2204u;
  bool zst = n >= 4 && LoadLE32(d) == 0xFD2FB528u;
  bool tar = n >= 262 && std::memcmp(d + 257, "ustar", 5) == 0;
  if (!gz && !lz4 && !zst && !tar) {
    return Status::Corruption(path + ": not a Pinot segment (no tar, gzip, lz4 or zstd magic)");
  }
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_lz4(a);
  archive_read_support_filter_zstd(a);
  if (archive_read_open_memory(a, d, n) != ARCHIVE_OK) {
    Status st = Status::Corruption(path + ": cannot read tarball: " + archive_error_string(a));
    archive_read_free(a);
    return st;
  }
  return a;
}

Status TarCorruption(const std::string& path, struct archive* a) {
  return Status::Corruption(path + ": truncated or corrupt tarball: " +
                            std::string(archive_error_string(a) ? archive_error_string(a) : "?"));
}

// Extracts a (compressed) tarball into `dest`, refusing absolute paths, "..", links and devices.
Status ExtractTarball(const std::string& path, const std::string& dest) {
  PE_ASSIGN_OR_RETURN(MappedFile f, MappedFile::Open(path));
  PE_ASSIGN_OR_RETURN(struct archive * a, OpenTarball(path, f));
  Status st;
  struct archive_entry* e;
  int files = 0;
  std::string buf;
  while (true) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      st = TarCorruption(path, a);
      break;
    }
    std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    fs::path rel = fs::path(name).lexically_normal();
    bool unsafe = rel.is_absolute() || name.empty();
    for (const auto& part : rel) unsafe |= part == "..";
    if (unsafe) {
      st = Status::Corruption(path + ": tarball entry with unsafe path '" + name + "'");
      break;
    }
    fs::path out = fs::path(dest) / rel;
    mode_t type = archive_entry_filetype(e);
    std::error_code ec;
    if (type == AE_IFDIR) {
      fs::create_directories(out, ec);
      continue;
    }
    if (type != AE_IFREG) continue;  // links, devices: ignored (Pinot writes none)
    fs::create_directories(out.parent_path(), ec);
    auto w = AtomicFile::Create(out.string());
    if (!w.ok()) {
      st = w.status();
      break;
    }
    const void* blk;
    size_t sz;
    la_int64_t off;
    int rr;
    while ((rr = archive_read_data_block(a, &blk, &sz, &off)) == ARCHIVE_OK) {
      st = (*w)->Append(blk, sz);
      if (!st.ok()) break;
    }
    if (st.ok() && rr != ARCHIVE_EOF) st = TarCorruption(path, a);
    if (!st.ok()) break;
    st = (*w)->Commit();
    if (!st.ok()) break;
    ++files;
  }
  archive_read_free(a);
  if (st.ok() && files == 0) st = Status::Corruption(path + ": tarball holds no files");
  return st;
}

// Finds the directory holding metadata.properties under `root` (prefers a v3/ directory).
Result<std::pair<std::string, bool>> FindSegmentDir(const std::string& root) {
  auto check = [](const fs::path& d) -> int {
    std::error_code ec;
    if (fs::exists(d / "v3" / "metadata.properties", ec)) return 3;
    if (fs::exists(d / "metadata.properties", ec)) return fs::exists(d / "columns.psf", ec) ? 2 : 1;
    return 0;
  };
  std::vector<fs::path> todo{fs::path(root)};
  for (int depth = 0; depth < 3 && !todo.empty(); ++depth) {
    std::vector<fs::path> next;
    for (const auto& d : todo) {
      int k = check(d);
      if (k == 3) return std::make_pair((d / "v3").string(), true);
      if (k == 2) return std::make_pair(d.string(), true);
      if (k == 1) return std::make_pair(d.string(), false);
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(d, ec)) {
        if (e.is_directory(ec)) next.push_back(e.path());
      }
    }
    todo = std::move(next);
  }
  return Status::Corruption(root + ": no metadata.properties found (not a Pinot segment)");
}

}  // namespace

Result<std::unique_ptr<IndexStore>> IndexStore::Open(const std::string& dir, bool v3) {
  std::unique_ptr<IndexStore> s(new IndexStore());
  s->dir_ = dir;
  s->v3_ = v3;
  if (!v3) {
    // Map every index file now (mmap reads nothing yet), so lookups never mutate the store and
    // concurrent OpenColumn calls are safe.
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      std::error_code fec;
      if (!HasV1IndexSuffix(name) || !it->is_regular_file(fec)) continue;
      PE_ASSIGN_OR_RETURN(MappedFile m, MappedFile::Open(it->path().string()));
      s->files_.emplace(std::move(name), std::move(m));
    }
    if (ec) return Status::IOError(dir + ": cannot list the segment directory: " + ec.message());
    return s;
  }
  std::string map_path = dir + "/index_map";
  auto text = ReadFileToString(map_path);
  if (!text.ok()) return Status::Corruption(dir + ": v3 segment without a readable index_map");
  auto psf = MappedFile::Open(dir + "/columns.psf");
  if (!psf.ok()) return Status::Corruption(dir + ": v3 segment without a readable columns.psf");
  s->psf_ = std::move(psf).value();
  PE_ASSIGN_OR_RETURN(Properties props, ParseProperties(*text));
  for (const auto& [key, vals] : props) {
    size_t d2 = key.rfind('.');
    if (d2 == std::string::npos || d2 == 0) continue;
    size_t d1 = key.rfind('.', d2 - 1);
    if (d1 == std::string::npos) continue;
    std::string col = key.substr(0, d1), id = key.substr(d1 + 1, d2 - d1 - 1);
    std::string field = key.substr(d2 + 1);
    if (vals.empty()) continue;
    uint64_t v = 0;
    try {
      size_t used = 0;
      v = std::stoull(vals[0], &used);
      if (used != vals[0].size()) throw std::invalid_argument("x");
    } catch (...) {
      return Status::Corruption("index_map: " + key + " is not a number");
    }
    auto& e = s->map_[col][id];
    if (field == "startOffset")
      e.first = v;
    else if (field == "size")
      e.second = v;
  }
  for (const auto& [col, ids] : s->map_) {
    for (const auto& [id, e] : ids) {
      if (e.second == 0) continue;
      if (e.second < 8 || !InBounds(Span(s->psf_.data(), s->psf_.size()), e.first, e.second)) {
        return Status::Corruption("columns.psf: index " + col + "." + id + " [" +
                                  std::to_string(e.first) + ", +" + std::to_string(e.second) +
                                  ") is past the end of the file (" +
                                  std::to_string(s->psf_.size()) + " bytes)");
      }
      if (std::memcmp(s->psf_.data() + e.first, kPsfMagic, 8) != 0) {
        return Status::Corruption("columns.psf: index " + col + "." + id + " has no magic marker");
      }
    }
  }
  return s;
}

Result<std::optional<Span>> IndexStore::Find(const std::string& column,
                                             const std::string& index) const {
  if (v3_) {
    auto c = map_.find(column);
    if (c == map_.end()) return std::optional<Span>();
    auto i = c->second.find(index);
    if (i == c->second.end()) return std::optional<Span>();
    if (i->second.second == 0) {
      return Status::NotSupported("column " + column + ": index " + index +
                                  " is stored remotely (size 0 in index_map)");
    }
    return std::optional<Span>(Span(psf_.data() + i->second.first + 8, i->second.second - 8));
  }
  const char* suffix = index == kDictionary      ? ".dict"
                       : index == kNullVector    ? ".bitmap.nullvalue"
                       : index == kInvertedIndex ? ".bitmap.inv"
                                                 : nullptr;
  if (!suffix) return std::optional<Span>();
  return FindFile(column + suffix);
}

Result<std::optional<Span>> IndexStore::FindFile(const std::string& file) const {
  auto it = files_.find(file);
  if (it == files_.end()) return std::optional<Span>();
  return std::optional<Span>(Span(it->second.data(), it->second.size()));
}

Result<std::optional<Span>> IndexStore::FindForward(const std::string& column,
                                                    std::string* suffix) const {
  if (v3_) return Find(column, kForwardIndex);
  for (const char* s : kV1ForwardSuffixes) {
    PE_ASSIGN_OR_RETURN(auto f, FindFile(column + s));
    if (f) {
      *suffix = s;
      return f;
    }
  }
  return std::optional<Span>();
}

// Defined in column.cc.
Result<std::unique_ptr<ColumnReader>> OpenColumnReader(const SegmentMeta& seg, const ColumnMeta& m,
                                                       const IndexStore& store, char pad);

namespace {

class SegmentImpl final : public Segment {
 public:
  const SegmentMeta& meta() const override { return meta_; }
  Result<std::unique_ptr<ColumnReader>> OpenColumn(std::string_view name) const override {
    const ColumnMeta* m = meta_.FindColumn(name);
    if (!m)
      return Status::NotFound("segment " + meta_.name + " has no column '" + std::string(name) +
                              "'");
    return OpenColumnReader(meta_, *m, *store_, pad_);
  }
  void ReleaseResidentPages() const override { store_->ReleaseResident(); }

  std::optional<TempDir> tmp_;
  SegmentMeta meta_;
  std::unique_ptr<IndexStore> store_;
  char pad_ = '\0';
};

// segment.padding.character: "\u0000" (modern), "\\u0000" (2016 commons-config 1.x wrote the
// escape as text), "%" or absent (legacy '%', V1Constants.Str.LEGACY_STRING_PAD_CHAR).
char PaddingChar(const Properties& p) {
  auto it = p.find("segment.padding.character");
  if (it == p.end() || it->second.empty()) return '%';
  const std::string& v = it->second[0];
  if (v.size() == 1) return v[0];
  if (v == "\\u0000" || v == "\\0") return '\0';
  return v.empty() ? '%' : v[0];
}

// metadata.properties and creation.meta: the segment's metadata, as Segment::Open reads it.
Result<SegmentMeta> MetaFromFiles(const std::string& path, const std::string& properties,
                                  const std::string* creation_meta, char* pad) {
  auto props = ParseProperties(properties);
  if (!props.ok()) return props.status().WithContext(path);
  auto meta = ParseSegmentMetadata(*props);
  if (!meta.ok()) return meta.status().WithContext(path);
  if (pad) *pad = PaddingChar(*props);
  // creation.meta (SegmentMetadataImpl.loadCreationMeta): BE long crc, BE long creationTimeMs
  // [, BE long dataCrc].
  if (creation_meta && creation_meta->size() >= 16) {
    const uint8_t* b = reinterpret_cast<const uint8_t*>(creation_meta->data());
    meta->crc = int64_t(LoadBE64(b));
    meta->creation_time_ms = int64_t(LoadBE64(b + 8));
    if (creation_meta->size() >= 24) meta->data_crc = int64_t(LoadBE64(b + 16));
  }
  return meta;
}

}  // namespace

Result<SegmentMeta> ReadSegmentMeta(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::IOError(path + ": no such file or directory");
  if (fs::is_directory(path, ec)) {
    PE_ASSIGN_OR_RETURN(auto found, FindSegmentDir(path));
    PE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(found.first + "/metadata.properties"));
    auto cm = ReadFileToString(found.first + "/creation.meta");
    auto meta = MetaFromFiles(path, text, cm.ok() ? &*cm : nullptr, nullptr);
    if (meta.ok()) meta->layout = found.second ? "v3" : "v1";
    return meta;
  }
  // A tarball: stream through it keeping only the two small files (a v3/ copy wins, as in
  // FindSegmentDir). Their size is bounded so a lying header cannot make us allocate gigabytes.
  constexpr int64_t kMaxMetaBytes = 64 << 20;
  PE_ASSIGN_OR_RETURN(MappedFile f, MappedFile::Open(path));
  PE_ASSIGN_OR_RETURN(struct archive * a, OpenTarball(path, f));
  std::optional<std::string> props, creation;
  bool props_v3 = false, creation_v3 = false;
  Status st;
  struct archive_entry* e;
  while (st.ok()) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      st = TarCorruption(path, a);
      break;
    }
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    fs::path p(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
    std::string base = p.filename().string();
    bool v3 = p.parent_path().filename() == "v3";
    std::optional<std::string>* slot = nullptr;
    bool* slot_v3 = nullptr;
    if (base == "metadata.properties") slot = &props, slot_v3 = &props_v3;
    if (base == "creation.meta") slot = &creation, slot_v3 = &creation_v3;
    if (!slot || (slot->has_value() && *slot_v3 && !v3)) continue;
    if (archive_entry_size(e) > kMaxMetaBytes) {
      st = Status::Corruption(path + ": " + p.string() + " is " +
                              std::to_string(archive_entry_size(e)) +
                              " bytes (not a Pinot segment)");
      break;
    }
    std::string data;
    const void* blk;
    size_t sz;
    la_int64_t off;
    int rr;
    while ((rr = archive_read_data_block(a, &blk, &sz, &off)) == ARCHIVE_OK) {
      if (int64_t(data.size() + sz) > kMaxMetaBytes) break;
      data.append(static_cast<const char*>(blk), sz);
    }
    if (rr != ARCHIVE_EOF) {
      st = rr == ARCHIVE_OK ? Status::Corruption(path + ": " + p.string() + " is too large")
                            : TarCorruption(path, a);
      break;
    }
    *slot = std::move(data);
    *slot_v3 = v3;
  }
  archive_read_free(a);
  PE_RETURN_IF_ERROR(st);
  if (!props) {
    return Status::Corruption(path + ": no metadata.properties found (not a Pinot segment)");
  }
  auto meta = MetaFromFiles(path, *props, creation ? &*creation : nullptr, nullptr);
  if (meta.ok()) meta->layout = props_v3 ? "v3" : "v1";
  return meta;
}

Result<std::unique_ptr<Segment>> Segment::Open(const std::string& path, const OpenOptions& opts) {
  std::unique_ptr<SegmentImpl> seg(new SegmentImpl());
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::IOError(path + ": no such file or directory");
  std::string root = path;
  if (!fs::is_directory(path, ec)) {
    std::string dest = opts.extract_dir;
    if (dest.empty()) {
      PE_ASSIGN_OR_RETURN(TempDir t, TempDir::Make("pinot-segment"));
      dest = t.path();
      seg->tmp_ = std::move(t);
    }
    PE_RETURN_IF_ERROR(ExtractTarball(path, dest));
    root = dest;
  }
  PE_ASSIGN_OR_RETURN(auto found, FindSegmentDir(root));
  auto [dir, v3] = found;
  auto text = ReadFileToString(dir + "/metadata.properties");
  if (!text.ok()) return text.status();
  auto cm = ReadFileToString(dir + "/creation.meta");
  auto meta = MetaFromFiles(path, *text, cm.ok() ? &*cm : nullptr, &seg->pad_);
  if (!meta.ok()) return meta.status();
  seg->meta_ = std::move(meta).value();
  seg->meta_.layout = v3 ? "v3" : "v1";
  auto store = IndexStore::Open(dir, v3);
  if (!store.ok()) return store.status().WithContext(path);
  seg->store_ = std::move(store).value();
  // Open every column once: validates headers now and fills the on-disk facts into the metadata.
  for (auto& c : seg->meta_.columns) {
    if (!c.unsupported.empty()) continue;
    auto r = OpenColumnReader(seg->meta_, c, *seg->store_, seg->pad_);
    if (!r.ok()) {
      if (r.status().IsNotSupported()) {
        // Keep the segment readable for the other columns; reading this one reports the reason.
        c.unsupported = r.status().message();
        continue;
      }
      return r.status().WithContext(path);
    }
    const ColumnMeta& got = (*r)->meta();
    c.forward = got.forward;
    c.has_null_vector = got.has_null_vector;
    c.null_count = got.null_count;
    c.codec = got.codec;
    c.raw_version = got.raw_version;
  }
  return std::unique_ptr<Segment>(std::move(seg));
}

void IndexStore::ReleaseResident() const {
  psf_.ReleaseResident();
  for (const auto& [name, f] : files_) f.ReleaseResident();
}

}  // namespace pe::segment
