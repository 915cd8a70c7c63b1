// FileWriter: column chunks, pages, dictionaries, statistics, page indexes and the footer.
//
// File layout (README.md "File Format"): "PAR1", row groups (column chunks: an optional
// dictionary page, then data pages v1), the page indexes (PageIndex.md: ColumnIndex and
// OffsetIndex blocks between the last row group and the footer), the thrift FileMetaData, its
// 4-byte little-endian length and "PAR1".
//
// A data page v1 body is: repetition levels, definition levels (each as a 4-byte length followed
// by the RLE/bit-packed hybrid encoding at bit width BitsFor(max level)), then the values: PLAIN,
// or for RLE_DICTIONARY one byte of bit width followed by the hybrid-encoded indices
// (Encodings.md "Dictionary Encoding"). The whole body is compressed as one block.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>

#include "common/bytes.h"
#include "parquet/compress.h"
#include "parquet/encoding.h"
#include "parquet/metadata.h"
#include "parquet/parquet.h"

namespace pe::parquet {

namespace fmt = format;

Result<Codec> ParseCodec(std::string_view name) {
  std::string u;
  for (char c : name) u.push_back(char(std::toupper(static_cast<unsigned char>(c))));
  if (u == "SNAPPY") return Codec::kSnappy;
  if (u == "GZIP") return Codec::kGzip;
  if (u == "ZSTD" || u == "ZSTANDARD") return Codec::kZstd;
  if (u == "UNCOMPRESSED" || u == "NONE") return Codec::kUncompressed;
  return Status::InvalidArgument("unknown Parquet compression codec '" + std::string(name) +
                                 "' (expected SNAPPY, GZIP, ZSTD or UNCOMPRESSED)");
}

// PE_BUILD_ID: the git short sha, passed by the root CMakeLists.txt at configure time.
#ifndef PE_BUILD_ID
#define PE_BUILD_ID ""
#endif

std::string CreatedBy() {
  const std::string build = PE_BUILD_ID;
  return std::string("pinot-export version ") + PE_VERSION + " (build " +
         (build.empty() ? "unknown" : build) + ")";
}

const char* PhysicalTypeName(PhysicalType t) {
  switch (t) {
    case PhysicalType::kBoolean:
      return "BOOLEAN";
    case PhysicalType::kInt32:
      return "INT32";
    case PhysicalType::kInt64:
      return "INT64";
    case PhysicalType::kFloat:
      return "FLOAT";
    case PhysicalType::kDouble:
      return "DOUBLE";
    case PhysicalType::kByteArray:
      return "BYTE_ARRAY";
    case PhysicalType::kFixedLenByteArray:
      break;
  }
  return "FIXED_LEN_BYTE_ARRAY";
}

const char* CodecName(Codec c) {
  switch (c) {
    case Codec::kSnappy:
      return "SNAPPY";
    case Codec::kGzip:
      return "GZIP";
    case Codec::kZstd:
      return "ZSTD";
    case Codec::kUncompressed:
      break;
  }
  return "UNCOMPRESSED";
}

namespace {

// Statistics above this size are dropped rather than truncated (as Arrow's
// max_statistics_size does), so every min/max written is exact.
constexpr size_t kMaxStatBytes = 4096;

// Sort orders of LogicalTypes.md "Sort Order": signed for INT32/INT64/FLOAT/DOUBLE/BOOLEAN and
// for DECIMAL on FIXED_LEN_BYTE_ARRAY (two's complement, big-endian), unsigned byte-wise for
// BYTE_ARRAY and other FIXED_LEN_BYTE_ARRAY.
enum class Order { kInt32, kInt64, kFloat, kDouble, kBool, kUnsigned, kSignedBE };

template <typename T>
T Load(std::string_view v) {
  T x;
  std::memcpy(&x, v.data(), sizeof(T));
  return x;
}

bool Less(Order o, std::string_view a, std::string_view b) {
  switch (o) {
    case Order::kInt32:
      return Load<int32_t>(a) < Load<int32_t>(b);
    case Order::kInt64:
      return Load<int64_t>(a) < Load<int64_t>(b);
    case Order::kFloat:
      return Load<float>(a) < Load<float>(b);
    case Order::kDouble:
      return Load<double>(a) < Load<double>(b);
    case Order::kBool:
      return uint8_t(a[0]) < uint8_t(b[0]);
    case Order::kSignedBE:
      if (!a.empty() && !b.empty() && a[0] != b[0]) return int8_t(a[0]) < int8_t(b[0]);
      [[fallthrough]];
    case Order::kUnsigned: {
      int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
      return c < 0 || (c == 0 && a.size() < b.size());
    }
  }
  return false;
}

bool IsNaN(Order o, std::string_view v) {
  if (o == Order::kFloat) return std::isnan(Load<float>(v));
  if (o == Order::kDouble) return std::isnan(Load<double>(v));
  return false;
}

struct MinMax {
  bool has = false;
  std::string min, max;

  void Update(Order o, std::string_view v) {
    if (IsNaN(o, v)) return;  // NaN never bounds (parquet.thrift ColumnOrder notes)
    if (!has) {
      min.assign(v);
      max.assign(v);
      has = true;
      return;
    }
    if (Less(o, v, min)) min.assign(v);
    if (Less(o, max, v)) max.assign(v);
  }
  void Merge(Order o, const MinMax& m) {
    if (!m.has) return;
    Update(o, m.min);
    Update(o, m.max);
  }
  // Zeros: min is written as -0.0 and max as +0.0 (parquet.thrift ColumnOrder notes).
  void FixZeros(Order o) {
    if (!has) return;
    if (o == Order::kFloat) {
      if (Load<float>(min) == 0.0f) min = Bytes(-0.0f);
      if (Load<float>(max) == 0.0f) max = Bytes(0.0f);
    } else if (o == Order::kDouble) {
      if (Load<double>(min) == 0.0) min = Bytes(-0.0);
      if (Load<double>(max) == 0.0) max = Bytes(0.0);
    }
  }
  bool too_long() const { return min.size() > kMaxStatBytes || max.size() > kMaxStatBytes; }
  template <typename T>
  static std::string Bytes(T x) {
    return std::string(reinterpret_cast<const char*>(&x), sizeof(T));
  }
};

// Min/max of n fixed-width values of type T, NaN skipped; returns the number of NaNs.
template <typename T>
size_t RangeMinMax(Order o, const char* p, size_t n, MinMax* mm) {
  T lo{}, hi{};
  bool any = false;
  size_t nans = 0;
  for (size_t i = 0; i < n; ++i) {
    T x;
    std::memcpy(&x, p + i * sizeof(T), sizeof(T));
    if constexpr (std::is_floating_point_v<T>) {
      if (x != x) {
        ++nans;
        continue;
      }
    }
    if (!any) {
      lo = hi = x;
      any = true;
    } else {
      lo = x < lo ? x : lo;
      hi = hi < x ? x : hi;
    }
  }
  if (any) {
    mm->Update(o, MinMax::Bytes(lo));
    mm->Update(o, MinMax::Bytes(hi));
  }
  return nans;
}

// BoundaryOrder of a ColumnIndex (parquet.thrift), decided as parquet-java's ColumnIndexBuilder
// does: over the non-null pages, ASCENDING if no page's min or max is below the previous one's,
// else DESCENDING if none is above, else UNORDERED.
int BoundaryOrderOf(Order o, const fmt::ColumnIndex& ci) {
  bool asc = true, desc = true;
  size_t prev = SIZE_MAX;
  for (size_t i = 0; i < ci.null_pages.size(); ++i) {
    if (ci.null_pages[i]) continue;
    if (prev != SIZE_MAX) {
      const std::string &lo0 = ci.min_values[prev], &hi0 = ci.max_values[prev];
      const std::string &lo = ci.min_values[i], &hi = ci.max_values[i];
      asc = asc && !Less(o, lo, lo0) && !Less(o, hi, hi0);
      desc = desc && !Less(o, lo0, lo) && !Less(o, hi0, hi);
    }
    prev = i;
  }
  return asc ? fmt::ASCENDING : desc ? fmt::DESCENDING : fmt::UNORDERED;
}

// Dictionary entries in PLAIN form: fixed width (width > 0) or BYTE_ARRAY (width == 0), with an
// open-addressing hash index when the writer builds the dictionary itself.
class Dict {
 public:
  explicit Dict(int width = 0) : width_(width) {}
  uint32_t size() const { return size_; }
  std::string_view Get(uint32_t i) const {
    if (width_) return std::string_view(data_.data() + size_t(i) * width_, width_);
    return std::string_view(data_.data() + offs_[i], offs_[i + 1] - offs_[i]);
  }
  // Size of the dictionary page body (PLAIN).
  size_t PlainSize() const { return width_ ? data_.size() : data_.size() + 4 * size_t(size_); }
  void AppendPlain(std::string* out) const {
    if (width_) {
      out->append(data_);
      return;
    }
    for (uint32_t i = 0; i < size_; ++i) {
      std::string_view v = Get(i);
      AppendLE32(out, uint32_t(v.size()));
      out->append(v);
    }
  }
  // Fixed width only: n entries of width bytes each.
  void AssignFixed(const char* p, uint32_t n) {
    data_.assign(p, size_t(n) * width_);
    size_ = n;
  }
  void Add(std::string_view v) {
    data_.append(v);
    if (!width_) offs_.push_back(uint32_t(data_.size()));
    ++size_;
  }
  // Index of v, adding it if new (*added = true).
  uint32_t FindOrAdd(std::string_view v, bool* added) {
    if (2 * (size_t(size_) + 1) > slots_.size()) Rehash();
    const uint64_t h = Hash(v);
    const size_t mask = slots_.size() - 1;
    for (size_t s = h & mask;; s = (s + 1) & mask) {
      uint32_t e = slots_[s];
      if (e == 0) {
        slots_[s] = size_ + 1;
        hashes_.push_back(h);
        Add(v);
        *added = true;
        return size_ - 1;
      }
      if (hashes_[e - 1] == h && Get(e - 1) == v) {
        *added = false;
        return e - 1;
      }
    }
  }
  void Clear() {
    data_.clear();
    offs_.assign(1, 0);
    slots_.clear();
    hashes_.clear();
    size_ = 0;
  }

 private:
  static uint64_t Hash(std::string_view v) {
    if (v.size() == 4 || v.size() == 8) {
      uint64_t x = 0;
      std::memcpy(&x, v.data(), v.size());
      x *= 0x9E3779B97F4A7C15ull;
      return x ^ (x >> 29);
    }
    return std::hash<std::string_view>{}(v);
  }
  void Rehash() {
    size_t cap = slots_.empty() ? 1024 : slots_.size() * 2;
    slots_.assign(cap, 0);
    for (uint32_t i = 0; i < size_; ++i) {
      for (size_t s = hashes_[i] & (cap - 1);; s = (s + 1) & (cap - 1)) {
        if (slots_[s] == 0) {
          slots_[s] = i + 1;
          break;
        }
      }
    }
  }

  int width_;
  std::string data_;
  std::vector<uint32_t> offs_{0};
  std::vector<uint32_t> slots_;
  std::vector<uint64_t> hashes_;
  uint32_t size_ = 0;
};

// Values handed to a column, in one of four shapes.
struct Input {
  enum Kind { kFixed, kBytes, kBool, kIds } kind;
  const char* fixed = nullptr;  // kFixed: `width` bytes per value
  int width = 0;
  const uint32_t* boffs = nullptr;  // kBytes
  const char* bdata = nullptr;
  const uint8_t* bools = nullptr;  // kBool
  const uint32_t* ids = nullptr;   // kIds

  std::string_view Bytes(size_t i) const {
    if (kind == kFixed) return std::string_view(fixed + i * width, width);
    return std::string_view(bdata + boffs[i], boffs[i + 1] - boffs[i]);
  }
  // Estimated PLAIN bits of values [v0, v1).
  uint64_t Bits(size_t v0, size_t v1, int index_bits) const {
    switch (kind) {
      case kFixed:
        return uint64_t(v1 - v0) * width * 8;
      case kBytes:
        return 8 * (uint64_t(boffs[v1] - boffs[v0]) + 4 * (v1 - v0));
      case kBool:
        return v1 - v0;
      case kIds:
        return uint64_t(v1 - v0) * index_bits;
    }
    return 0;
  }
};

struct PendingIndex {
  std::vector<fmt::PageLocation> locs;
  bool has_column_index = false;
  fmt::ColumnIndex ci;
};

}  // namespace

// One leaf column and the state of its chunk in the current row group.
struct Column {
  ColumnSchema s;
  std::vector<std::string> path;
  int ptype = 0;  // parquet.thrift Type
  int width = 0;  // PLAIN bytes per value; 0 = BYTE_ARRAY (length-prefixed)
  Order order = Order::kInt32;
  int max_def = 0, max_rep = 0;
  bool in_group = false;

  // Chunk state.
  enum Mode { kPlain, kDictBuilt, kDictGiven };
  bool active = false, done = false;
  Mode mode = kPlain;
  bool gather = false;  // given dictionary too large: ids are resolved to PLAIN values
  Dict dict;
  // kDictGiven page bounds come from ranks, not from comparing values: a page's min is the entry
  // of its smallest key_lo, its max the entry of its largest key_hi. For a dictionary already in
  // the column order without NaN the rank is the id itself and these tables are empty; otherwise
  // by_rank lists the ids in column order, key_lo[id] is the rank (NaN: past every entry) and
  // key_hi[id] the rank + 1 (NaN: 0), so NaN never bounds a page.
  std::vector<uint32_t> by_rank, key_lo, key_hi;
  uint32_t page_key_lo = UINT32_MAX, page_key_hi = 0;  // page_key_hi 0: no non-NaN value yet
  uint32_t rows = 0;
  // Current page.
  std::vector<uint8_t> defs, reps;
  std::string plain;
  std::vector<uint32_t> idx;
  std::vector<uint8_t> bools;
  bool page_is_dict = false;
  // Streaming chunks write pages straight to the file: PLAIN chunks and chunks whose dictionary
  // was given up front. Only writer-built dictionaries buffer their pages (the dictionary page
  // must come first).
  bool streaming = false, dict_page = false;
  int64_t chunk_start = 0, first_data_page = -1;
  uint32_t page_entries = 0, page_values = 0, page_nulls = 0, page_first_row = 0;
  uint64_t pending_bits = 0;
  MinMax page_mm;
  // Finished pages of the chunk.
  std::string pages;
  PendingIndex index;
  int64_t entries = 0, nulls = 0, uncompressed = 0, compressed = 0;
  int dict_data_pages = 0, plain_data_pages = 0;
  MinMax mm;
  // Whole file (FileMetrics): NaN values written, and whether a chunk's bounds were dropped.
  int64_t nans = 0;
  bool bounds_lost = false;

  int IndexBits() const { return std::max(1, BitsFor(dict.size() == 0 ? 0 : dict.size() - 1)); }
  uint64_t PageBits() const {
    uint64_t b = (defs.size() + reps.size()) * 2;
    if (page_is_dict) return b + idx.size() * IndexBits();
    return b + plain.size() * 8 + bools.size();
  }
};

struct FileWriter::Impl {
  std::vector<Column> cols;
  WriterOptions o;
  OutputSink* sink = nullptr;
  std::unique_ptr<LocalFileSink> owned;  // OpenFile: committed by Close()
  std::unique_ptr<Compressor> comp;
  std::string scratch;
  fmt::FileMetaData meta;
  std::vector<std::vector<PendingIndex>> indexes;  // [row group][column]
  int cur = -1;                                    // column whose chunk is open
  bool rg_open = false;  // meta.row_groups.back() is the row group being written
  int64_t num_rows = 0;
  bool closed = false;
  FileMetrics metrics;

  Status Append(std::string_view b) { return sink->Append(b); }
  int64_t pos() const { return sink->Tell(); }

  Status Check(int c, PhysicalType t1, PhysicalType t2 = PhysicalType(-1)) {
    if (closed) return Status::InvalidArgument("parquet writer is closed");
    if (c < 0 || size_t(c) >= cols.size()) {
      return Status::InvalidArgument("no column " + std::to_string(c));
    }
    if (cols[c].s.type != t1 && cols[c].s.type != t2) {
      return Status::InvalidArgument("column " + cols[c].s.name + ": wrong value type");
    }
    return Status::OK();
  }

  // Makes `c` the open column: finishes the previous one; columns go in schema order.
  Status Begin(int c, bool given_dict) {
    if (c != cur) {
      if (c < cur || cols[c].done) {
        return Status::InvalidArgument("column " + cols[c].s.name +
                                       " written out of order within a row group");
      }
      if (cur >= 0) PE_RETURN_IF_ERROR(Finish(cols[cur]));
      cur = c;
    }
    Column& k = cols[c];
    if (given_dict) {
      if (k.active) {
        return Status::InvalidArgument("column " + k.s.name +
                                       ": dictionary set after values were written");
      }
    } else if (!k.active) {
      k.mode =
          o.dictionary && k.s.type != PhysicalType::kBoolean ? Column::kDictBuilt : Column::kPlain;
    }
    if (!k.active) {
      k.active = true;
      k.page_is_dict = k.mode != Column::kPlain;
      k.chunk_start = pos();
      k.streaming = k.mode == Column::kPlain;
    }
    return Status::OK();
  }

  // Starts `c`'s chunk in PLAIN, whatever WriterOptions::dictionary says.
  Status SetPlain(int c) {
    PE_RETURN_IF_ERROR(Begin(c, true));
    Column& k = cols[c];
    k.mode = Column::kPlain;
    k.page_is_dict = false;
    k.streaming = true;
    return Status::OK();
  }

  Status SetDict(int c, Dict d) {
    PE_RETURN_IF_ERROR(Begin(c, true));
    Column& k = cols[c];
    k.mode = Column::kDictGiven;
    k.dict = std::move(d);
    // parquet-mr falls back to PLAIN when the dictionary outgrows its page limit.
    k.gather = int64_t(k.dict.PlainSize()) > o.dictionary_page_limit;
    k.page_is_dict = !k.gather;
    k.streaming = true;
    if (!k.gather) {
      RankDictionary(k);
      PE_RETURN_IF_ERROR(WriteDictionaryPage(k));
    }
    return Status::OK();
  }

  // Given dictionaries come in the caller's order. Pinot's are sorted, but by Java's compare
  // (UTF-16 code units for strings, Float.compare with NaN last), and by number for BIG_DECIMAL
  // before it becomes text, so one pass checks them against the column order; only a dictionary
  // out of that order, or holding NaN, gets rank tables (sorted once per chunk).
  static void RankDictionary(Column& k) {
    k.by_rank.clear();
    k.key_lo.clear();
    k.key_hi.clear();
    const uint32_t n = k.dict.size();
    bool ordered = true;
    for (uint32_t i = 0; i < n && ordered; ++i) {
      ordered = !IsNaN(k.order, k.dict.Get(i)) &&
                (i == 0 || !Less(k.order, k.dict.Get(i), k.dict.Get(i - 1)));
    }
    if (ordered) return;
    k.by_rank.resize(n);
    std::iota(k.by_rank.begin(), k.by_rank.end(), 0u);
    std::stable_sort(k.by_rank.begin(), k.by_rank.end(), [&k](uint32_t a, uint32_t b) {
      const std::string_view x = k.dict.Get(a), y = k.dict.Get(b);
      const bool nx = IsNaN(k.order, x), ny = IsNaN(k.order, y);
      if (nx || ny) return !nx && ny;
      return Less(k.order, x, y);
    });
    k.key_lo.resize(n);
    k.key_hi.resize(n);
    for (uint32_t r = 0; r < n; ++r) {
      const uint32_t id = k.by_rank[r];
      const bool nan = IsNaN(k.order, k.dict.Get(id));
      k.key_lo[id] = nan ? n : r;
      k.key_hi[id] = nan ? 0 : r + 1;
    }
  }

  Status AddValues(Column& k, const Input& in, size_t v0, size_t v1) {
    if (v1 <= v0) return Status::OK();
    const size_t n = v1 - v0;
    k.page_values += uint32_t(n);
    if (in.kind == Input::kIds) {
      // One branch-free pass: the ids' span bounds the page and range-checks every id.
      uint32_t lo = UINT32_MAX, hi = 0;
      for (size_t i = v0; i < v1; ++i) {
        lo = std::min(lo, in.ids[i]);
        hi = std::max(hi, in.ids[i]);
      }
      if (hi >= k.dict.size()) {
        return Status::InvalidArgument("column " + k.s.name + ": dictionary index " +
                                       std::to_string(hi) + " out of range");
      }
      if (!k.gather) {
        if (k.by_rank.empty()) {
          k.page_key_lo = std::min(k.page_key_lo, lo);
          k.page_key_hi = std::max(k.page_key_hi, hi + 1);
        } else {
          for (size_t i = v0; i < v1; ++i) {
            k.page_key_lo = std::min(k.page_key_lo, k.key_lo[in.ids[i]]);
            k.page_key_hi = std::max(k.page_key_hi, k.key_hi[in.ids[i]]);
            k.nans += k.key_hi[in.ids[i]] == 0;  // NaN entries only (RankDictionary)
          }
        }
        k.idx.insert(k.idx.end(), in.ids + v0, in.ids + v1);
        return Status::OK();
      }
      if (k.width == 0) {
        for (size_t i = v0; i < v1; ++i) AppendPlain(k, k.dict.Get(in.ids[i]));
        return Status::OK();
      }
      const size_t at = k.plain.size();
      for (size_t i = v0; i < v1; ++i) k.plain.append(k.dict.Get(in.ids[i]));
      UpdateFixed(k, k.plain.data() + at, n);
      return Status::OK();
    }
    if (in.kind == Input::kBool) {
      bool seen[2] = {false, false};
      for (size_t i = v0; i < v1; ++i) seen[in.bools[i] != 0] = true;
      k.bools.insert(k.bools.end(), in.bools + v0, in.bools + v1);
      if (seen[0]) k.page_mm.Update(k.order, std::string_view("\0", 1));
      if (seen[1]) k.page_mm.Update(k.order, std::string_view("\1", 1));
      return Status::OK();
    }
    if (k.width > 0 && in.kind == Input::kBytes) {  // FIXED_LEN_BYTE_ARRAY
      for (size_t i = v0; i < v1; ++i) {
        if (in.boffs[i + 1] - in.boffs[i] != uint32_t(k.width)) {
          return Status::InvalidArgument(
              "column " + k.s.name + ": value of " + std::to_string(in.boffs[i + 1] - in.boffs[i]) +
              " bytes in FIXED_LEN_BYTE_ARRAY(" + std::to_string(k.width) + ")");
        }
      }
    }
    if (k.mode == Column::kDictBuilt) {
      for (size_t i = v0; i < v1; ++i) {
        bool added;
        k.idx.push_back(k.dict.FindOrAdd(in.Bytes(i), &added));
      }
      // Page bounds as for PLAIN pages (the ids are in insertion order, they say nothing).
      if (in.kind == Input::kFixed) {
        UpdateFixed(k, in.fixed + v0 * in.width, n);
      } else {
        for (size_t i = v0; i < v1; ++i) k.page_mm.Update(k.order, in.Bytes(i));
      }
      return Status::OK();
    }
    if (in.kind == Input::kFixed) {
      k.plain.append(in.fixed + v0 * in.width, n * in.width);
      UpdateFixed(k, in.fixed + v0 * in.width, n);
      return Status::OK();
    }
    for (size_t i = v0; i < v1; ++i) AppendPlain(k, in.Bytes(i));
    return Status::OK();
  }

  // Page min/max over n PLAIN fixed-width values at p.
  static void UpdateFixed(Column& k, const char* p, size_t n) {
    switch (k.order) {
      case Order::kInt32:
        RangeMinMax<int32_t>(k.order, p, n, &k.page_mm);
        break;
      case Order::kInt64:
        RangeMinMax<int64_t>(k.order, p, n, &k.page_mm);
        break;
      case Order::kFloat:
        k.nans += int64_t(RangeMinMax<float>(k.order, p, n, &k.page_mm));
        break;
      case Order::kDouble:
        k.nans += int64_t(RangeMinMax<double>(k.order, p, n, &k.page_mm));
        break;
      default:
        for (size_t i = 0; i < n; ++i) {
          k.page_mm.Update(k.order, std::string_view(p + i * k.width, k.width));
        }
        break;
    }
  }

  void AppendPlain(Column& k, std::string_view v) {
    if (k.width == 0) AppendLE32(&k.plain, uint32_t(v.size()));
    k.plain.append(v);
    k.page_mm.Update(k.order, v);
  }

  // Estimated encoded bits of values [v0, v1) in the current page's encoding.
  uint64_t ValueBits(const Column& k, const Input& in, size_t v0, size_t v1) const {
    if (k.page_is_dict) return uint64_t(v1 - v0) * k.IndexBits();
    if (in.kind != Input::kIds) return in.Bits(v0, v1, 0);
    if (k.width) return uint64_t(v1 - v0) * k.width * 8;
    uint64_t b = 0;
    for (size_t i = v0; i < v1; ++i) {
      if (in.ids[i] < k.dict.size()) b += 8 * (4 + k.dict.Get(in.ids[i]).size());
    }
    return b;
  }

  // Rows [r0, ...) of a flat required column that fit in the current page: at least 1.
  size_t RowsThatFit(const Column& k, const Input& in, size_t r0, size_t n_rows) const {
    const uint64_t budget = uint64_t(o.page_bytes) * 8;
    const uint64_t used = k.PageBits();
    const uint64_t left = budget > used ? budget - used : 0;
    size_t fit;
    if (k.page_is_dict || in.kind == Input::kFixed || in.kind == Input::kBool) {
      fit = size_t(left / std::max<uint64_t>(ValueBits(k, in, r0, r0 + 1), 1));
    } else {
      size_t r = r0;
      uint64_t b = 0;
      while (r < n_rows && b < left) b += ValueBits(k, in, r, r + 1), ++r;
      fit = r - r0;
    }
    return std::clamp<size_t>(fit, 1, n_rows - r0);
  }

  Status Write(int c, uint32_t n_rows, const Input& in, const uint8_t* nulls, const uint32_t* offs,
               bool given, const uint8_t* defs = nullptr) {
    PE_RETURN_IF_ERROR(Begin(c, false));
    Column& k = cols[c];
    if (given != (k.mode == Column::kDictGiven)) {
      return Status::InvalidArgument("column " + k.s.name +
                                     (given ? ": indices written without a dictionary"
                                            : ": values written after a dictionary was set"));
    }
    if (bool(defs) != k.in_group) {
      return Status::InvalidArgument("column " + k.s.name +
                                     (k.in_group ? ": a group leaf needs definition levels"
                                                 : ": definition levels for a top-level column"));
    }
    if (!defs && bool(offs) != k.s.list) {
      return Status::InvalidArgument(
          "column " + k.s.name + (k.s.list ? ": list offsets missing" : ": unexpected offsets"));
    }
    if (nulls && !k.s.optional) {
      for (uint32_t r = 0; r < n_rows; ++r) {
        if (nulls[r]) return Status::InvalidArgument("column " + k.s.name + " is required: null");
      }
      nulls = nullptr;
    }
    const uint64_t budget = uint64_t(o.page_bytes) * 8;
    if (!offs && !nulls && k.max_def == 0) {
      size_t r = 0;
      while (r < n_rows) {
        size_t m = RowsThatFit(k, in, r, n_rows);
        PE_RETURN_IF_ERROR(AddValues(k, in, r, r + m));
        k.page_entries += uint32_t(m);
        k.rows += uint32_t(m);
        r += m;
        PE_RETURN_IF_ERROR(MaybeCutPage(k, budget));
      }
      return Status::OK();
    }
    size_t v = 0, run_v0 = 0;
    const uint8_t list_def = uint8_t(k.max_def);
    const uint8_t empty_def = k.s.optional ? 1 : 0;
    for (uint32_t r = 0; r < n_rows; ++r) {
      size_t nv;
      const bool is_null = nulls && nulls[r];
      if (defs) {
        if (defs[r] > k.max_def) {
          return Status::InvalidArgument("column " + k.s.name + ": definition level " +
                                         std::to_string(defs[r]) + " above " +
                                         std::to_string(k.max_def));
        }
        nv = defs[r] == k.max_def;
        k.defs.push_back(defs[r]);
        k.page_nulls += uint32_t(!nv);
        ++k.page_entries;
      } else if (offs) {
        nv = offs[r + 1] - offs[r];
        if (is_null && nv) {
          return Status::InvalidArgument("column " + k.s.name + ": null row with values");
        }
        if (nv == 0) {
          k.defs.push_back(is_null ? 0 : empty_def);
          k.reps.push_back(0);
          ++k.page_nulls;
          ++k.page_entries;
        } else {
          k.defs.insert(k.defs.end(), nv, list_def);
          k.reps.push_back(0);
          k.reps.insert(k.reps.end(), nv - 1, 1);
          k.page_entries += uint32_t(nv);
        }
      } else if (is_null) {
        k.defs.push_back(0);
        nv = 0;
        ++k.page_nulls;
        ++k.page_entries;
      } else {
        k.defs.push_back(1);
        nv = 1;
        ++k.page_entries;
      }
      v += nv;
      ++k.rows;
      k.pending_bits += ValueBits(k, in, v - nv, v);
      if (k.PageBits() + k.pending_bits >= budget) {
        PE_RETURN_IF_ERROR(AddValues(k, in, run_v0, v));
        run_v0 = v;
        k.pending_bits = 0;
        PE_RETURN_IF_ERROR(MaybeCutPage(k, 0));
      }
    }
    PE_RETURN_IF_ERROR(AddValues(k, in, run_v0, v));
    k.pending_bits = 0;
    return MaybeCutPage(k, budget);
  }

  // Emits the page once it reaches `budget` bits (0: now); switches a writer-built dictionary
  // to PLAIN once it outgrows dictionary_page_limit.
  Status MaybeCutPage(Column& k, uint64_t budget) {
    const bool over_dict =
        k.mode == Column::kDictBuilt && int64_t(k.dict.PlainSize()) > o.dictionary_page_limit;
    if (over_dict && k.dict_data_pages == 0) {
      // No dictionary-encoded page is out yet: re-encode this page's values PLAIN (parquet-mr's
      // FallbackValuesWriter does the same), drop the dictionary and stream the chunk.
      for (uint32_t id : k.idx) AppendPlain(k, k.dict.Get(id));
      k.idx.clear();
      k.dict.Clear();
      k.mode = Column::kPlain;
      k.page_is_dict = false;
      k.streaming = true;  // nothing of this chunk is in the file or buffered yet
      if (k.PageBits() >= budget) PE_RETURN_IF_ERROR(EmitPage(k));
      return Status::OK();
    }
    if (k.PageBits() >= budget || over_dict) PE_RETURN_IF_ERROR(EmitPage(k));
    if (over_dict) {
      k.mode = Column::kPlain;
      k.page_is_dict = false;
    }
    return Status::OK();
  }

  static void AppendLevels(const std::vector<uint8_t>& lv, int max_level, std::string* out) {
    size_t at = out->size();
    out->append(4, '\0');
    EncodeHybrid(lv.data(), lv.size(), BitsFor(uint32_t(max_level)), out);
    StoreLE32(reinterpret_cast<uint8_t*>(out->data() + at), uint32_t(out->size() - at - 4));
  }

  // Compresses and writes one page to the file (streaming chunks) or to the chunk buffer.
  Status WritePage(Column& k, int type, std::string_view body, int32_t num, int encoding) {
    PE_ASSIGN_OR_RETURN(std::string_view z, comp->Compress(body));
    if (body.size() > INT32_MAX || z.size() > INT32_MAX) {
      return Status::InvalidArgument("column " + k.s.name + ": page larger than 2 GiB");
    }
    fmt::PageHeader h;
    h.type = type;
    h.uncompressed_page_size = int32_t(body.size());
    h.compressed_page_size = int32_t(z.size());
    h.data = {num, encoding};
    h.dict_num_values = num;
    std::string hdr = fmt::Serialize(h);
    if (k.streaming) {
      PE_RETURN_IF_ERROR(Append(hdr));
      PE_RETURN_IF_ERROR(Append(z));
    } else {
      k.pages.append(hdr);
      k.pages.append(z);
    }
    k.uncompressed += int64_t(hdr.size() + body.size());
    k.compressed += int64_t(hdr.size() + z.size());
    return Status::OK();
  }

  Status WriteDictionaryPage(Column& k) {
    std::string body;
    k.dict.AppendPlain(&body);
    PE_RETURN_IF_ERROR(
        WritePage(k, fmt::DICTIONARY_PAGE, body, int32_t(k.dict.size()), fmt::PLAIN));
    k.dict_page = true;
    return Status::OK();
  }

  Status EmitPage(Column& k) {
    if (k.page_entries == 0) return Status::OK();
    std::string& body = scratch;
    body.clear();
    if (k.max_rep > 0) AppendLevels(k.reps, k.max_rep, &body);
    if (k.max_def > 0) AppendLevels(k.defs, k.max_def, &body);
    int enc = fmt::PLAIN;
    std::string_view page = body;
    if (k.page_is_dict) {
      enc = fmt::RLE_DICTIONARY;
      const int bw = k.IndexBits();
      body.push_back(char(bw));
      EncodeHybrid(k.idx.data(), k.idx.size(), bw, &body);
      page = body;
    } else if (k.s.type == PhysicalType::kBoolean) {
      PackBooleans(k.bools.data(), k.bools.size(), &body);
      page = body;
    } else if (body.empty()) {
      page = k.plain;  // no levels: the values are the page, no copy
    } else {
      body.append(k.plain);
      page = body;
    }
    const int64_t at = k.streaming ? pos() : int64_t(k.pages.size());
    if (k.streaming && k.first_data_page < 0) k.first_data_page = at;
    const int64_t before = k.compressed;
    PE_RETURN_IF_ERROR(WritePage(k, fmt::DATA_PAGE, page, int32_t(k.page_entries), enc));
    k.index.locs.push_back({at, int32_t(k.compressed - before), int64_t(k.page_first_row)});
    ++(k.page_is_dict ? k.dict_data_pages : k.plain_data_pages);
    if (k.page_is_dict && k.mode == Column::kDictGiven && k.page_key_hi > 0) {
      const bool ranked = !k.by_rank.empty();
      k.page_mm.has = true;
      k.page_mm.min.assign(k.dict.Get(ranked ? k.by_rank[k.page_key_lo] : k.page_key_lo));
      k.page_mm.max.assign(k.dict.Get(ranked ? k.by_rank[k.page_key_hi - 1] : k.page_key_hi - 1));
    }
    // ColumnIndex entry (PageIndex.md): a page without values is a null page with empty bounds.
    // A page whose values are all NaN has no valid bounds, and then no ColumnIndex may be written
    // for the chunk (parquet.thrift ColumnIndex, TYPE_ORDER); nor is one for oversized bounds.
    k.page_mm.FixZeros(k.order);
    if ((k.page_values > 0 && !k.page_mm.has) || k.page_mm.too_long()) {
      k.index.has_column_index = false;
    }
    k.index.ci.null_pages.push_back(k.page_values == 0);
    k.index.ci.min_values.push_back(k.page_mm.has ? k.page_mm.min : std::string());
    k.index.ci.max_values.push_back(k.page_mm.has ? k.page_mm.max : std::string());
    k.index.ci.null_counts.push_back(k.page_nulls);
    k.mm.Merge(k.order, k.page_mm);
    k.entries += k.page_entries;
    k.nulls += k.page_nulls;
    k.defs.clear();
    k.reps.clear();
    k.plain.clear();
    k.idx.clear();
    k.bools.clear();
    k.page_mm = MinMax();
    k.page_key_lo = UINT32_MAX;
    k.page_key_hi = 0;
    k.page_entries = k.page_values = k.page_nulls = 0;
    k.page_first_row = k.rows;
    return Status::OK();
  }

  // Writes the open chunk of `k` (dictionary page, then data pages) and records its metadata.
  Status Finish(Column& k) {
    PE_RETURN_IF_ERROR(EmitPage(k));
    fmt::ColumnChunk cc;
    fmt::ColumnMetaData& m = cc.meta;
    int64_t start;
    if (k.streaming) {
      // Dictionary page (if any) and data pages are already in the file.
      start = k.chunk_start;
      m.data_page_offset = k.first_data_page >= 0 ? k.first_data_page : pos();
    } else {
      start = pos();
      if (k.dict_data_pages > 0) {
        k.streaming = true;  // the dictionary page goes straight to the file, before the data
        PE_RETURN_IF_ERROR(WriteDictionaryPage(k));
        k.streaming = false;
      }
      m.data_page_offset = pos();
      for (auto& l : k.index.locs) l.offset += m.data_page_offset;
      PE_RETURN_IF_ERROR(Append(k.pages));
    }
    cc.file_offset = start;
    if (k.dict_page) {
      m.dictionary_page_offset = start;
      m.encoding_stats.push_back({fmt::DICTIONARY_PAGE, fmt::PLAIN, 1});
    }
    if (k.dict_data_pages > 0) {
      m.encoding_stats.push_back({fmt::DATA_PAGE, fmt::RLE_DICTIONARY, k.dict_data_pages});
    }
    if (k.plain_data_pages > 0) {
      m.encoding_stats.push_back({fmt::DATA_PAGE, fmt::PLAIN, k.plain_data_pages});
    }
    m.type = k.ptype;
    m.encodings.push_back(fmt::PLAIN);
    if (k.max_def > 0 || k.max_rep > 0) m.encodings.push_back(fmt::RLE);
    if (k.dict_page || k.dict_data_pages > 0) m.encodings.push_back(fmt::RLE_DICTIONARY);
    m.path = k.path;
    m.codec = ThriftCodec(o.codec);
    m.num_values = k.entries;
    m.total_uncompressed_size = k.uncompressed;
    m.total_compressed_size = k.compressed;
    m.statistics.null_count = k.nulls;
    k.mm.FixZeros(k.order);
    if (k.mm.has && !k.mm.too_long()) {
      m.statistics.min_value = k.mm.min;
      m.statistics.max_value = k.mm.max;
    }
    k.bounds_lost = k.bounds_lost || (k.mm.has && k.mm.too_long());
    if (!rg_open) {
      meta.row_groups.emplace_back();
      indexes.emplace_back();
      rg_open = true;
    }
    meta.row_groups.back().columns.push_back(std::move(cc));
    k.index.has_column_index = k.index.has_column_index && !k.index.locs.empty() && o.page_index;
    if (k.index.has_column_index) k.index.ci.boundary_order = BoundaryOrderOf(k.order, k.index.ci);
    indexes.back().push_back(std::move(k.index));
    // Reset the chunk, keep the column's shape and the row count for FlushRowGroup.
    k.active = false;
    k.done = true;
    k.pages = std::string();
    k.index = PendingIndex();
    k.index.has_column_index = true;
    k.entries = k.nulls = k.uncompressed = k.compressed = 0;
    k.dict_data_pages = k.plain_data_pages = 0;
    k.mm = MinMax();
    k.dict.Clear();
    k.by_rank.clear();
    k.key_lo.clear();
    k.key_hi.clear();
    k.gather = false;
    k.page_first_row = 0;
    k.streaming = k.dict_page = false;
    k.first_data_page = -1;
    return Status::OK();
  }

  Status FlushRowGroup() {
    if (cur < 0) return Status::OK();  // nothing written since the last flush
    PE_RETURN_IF_ERROR(Finish(cols[cur]));
    cur = -1;
    const uint32_t n = cols[0].rows;
    for (auto& k : cols) {
      if (!k.done || k.rows != n) {
        return Status::InvalidArgument("row group: column " + k.s.name + " has " +
                                       std::to_string(k.done ? k.rows : 0) + " rows, expected " +
                                       std::to_string(n));
      }
    }
    fmt::RowGroup& rg = meta.row_groups.back();
    rg.num_rows = n;
    rg.file_offset = rg.columns.front().file_offset;
    for (const auto& cc : rg.columns) {
      rg.total_byte_size += cc.meta.total_uncompressed_size;
      rg.total_compressed_size += cc.meta.total_compressed_size;
    }
    rg.ordinal = int16_t(meta.row_groups.size() - 1);
    rg_open = false;
    num_rows += n;
    for (auto& k : cols) {
      k.done = false;
      k.rows = 0;
    }
    return Status::OK();
  }

  Status Close() {
    if (closed) return Status::InvalidArgument("parquet writer already closed");
    closed = true;  // even on error: a second Close would append a second footer
    PE_RETURN_IF_ERROR(FlushRowGroup());
    // Page indexes: all ColumnIndex blocks, then all OffsetIndex blocks (PageIndex.md).
    for (size_t g = 0; g < indexes.size(); ++g) {
      for (size_t c = 0; c < indexes[g].size(); ++c) {
        if (!indexes[g][c].has_column_index) continue;
        std::string b = fmt::Serialize(indexes[g][c].ci);
        meta.row_groups[g].columns[c].column_index_offset = pos();
        meta.row_groups[g].columns[c].column_index_length = int32_t(b.size());
        PE_RETURN_IF_ERROR(Append(b));
      }
    }
    if (o.page_index) {
      for (size_t g = 0; g < indexes.size(); ++g) {
        for (size_t c = 0; c < indexes[g].size(); ++c) {
          std::string b = fmt::Serialize(indexes[g][c].locs);
          meta.row_groups[g].columns[c].offset_index_offset = pos();
          meta.row_groups[g].columns[c].offset_index_length = int32_t(b.size());
          PE_RETURN_IF_ERROR(Append(b));
        }
      }
    }
    meta.num_rows = num_rows;
    meta.key_values = o.key_values;
    meta.created_by = o.created_by;
    std::string footer = fmt::Serialize(meta);
    PE_RETURN_IF_ERROR(Append(footer));
    std::string tail;
    AppendLE32(&tail, uint32_t(footer.size()));
    tail += "PAR1";
    PE_RETURN_IF_ERROR(Append(tail));
    PE_RETURN_IF_ERROR(sink->Flush());
    CollectMetrics();
    if (owned) PE_RETURN_IF_ERROR(owned->Commit());
    return Status::OK();
  }

  // FileMetrics from the footer just written: sums of the column chunks' metadata and the
  // merged chunk bounds (each chunk's Statistics min/max, already NaN-free and zero-fixed).
  void CollectMetrics() {
    metrics = FileMetrics();
    metrics.file_bytes = pos();
    metrics.num_rows = meta.num_rows;
    for (const auto& rg : meta.row_groups) metrics.row_group_offsets.push_back(rg.file_offset);
    for (size_t c = 0; c < cols.size(); ++c) {
      const Column& k = cols[c];
      ColumnMetrics cm;
      cm.path = k.path;
      cm.type = k.s.type;
      cm.nan_count = k.nans;
      MinMax mm;
      for (const auto& rg : meta.row_groups) {
        const fmt::ColumnMetaData& m = rg.columns[c].meta;
        cm.value_count += m.num_values;
        cm.null_count += m.statistics.null_count.value_or(0);
        cm.compressed_bytes += m.total_compressed_size;
        cm.uncompressed_bytes += m.total_uncompressed_size;
        if (m.statistics.min_value) mm.Update(k.order, *m.statistics.min_value);
        if (m.statistics.max_value) mm.Update(k.order, *m.statistics.max_value);
      }
      mm.FixZeros(k.order);
      if (mm.has && !k.bounds_lost) {
        cm.min = mm.min;
        cm.max = mm.max;
      }
      metrics.columns.push_back(std::move(cm));
    }
  }
};

namespace {

// Appends the schema elements of `s` and its leaf columns. `prefix`/`def_base`: path and
// optional ancestors of a column inside a group.
Status BuildColumn(const ColumnSchema& s, const std::vector<std::string>& prefix, int def_base,
                   std::vector<Column>* leaves, std::vector<fmt::SchemaElement>* schema) {
  if (!s.fields.empty()) {
    if (s.list) return Status::NotSupported("column " + s.name + ": a list of groups");
    fmt::SchemaElement g;
    g.name = s.name;
    g.repetition = s.optional ? fmt::OPTIONAL : fmt::REQUIRED;
    g.num_children = int(s.fields.size());
    if (s.field_id >= 0) g.field_id = s.field_id;
    schema->push_back(std::move(g));
    std::vector<std::string> path = prefix;
    path.push_back(s.name);
    for (const auto& f : s.fields) {
      PE_RETURN_IF_ERROR(BuildColumn(f, path, def_base + (s.optional ? 1 : 0), leaves, schema));
    }
    return Status::OK();
  }
  if (!prefix.empty() && s.list) {
    return Status::NotSupported("column " + s.name + ": a list inside a group");
  }
  leaves->emplace_back();
  Column* k = &leaves->back();
  k->s = s;
  k->in_group = !prefix.empty();
  if (s.element_optional) {
    return Status::NotSupported("column " + s.name + ": optional list elements");
  }
  fmt::SchemaElement leaf;
  switch (s.type) {
    case PhysicalType::kBoolean:
      k->ptype = fmt::BOOLEAN, k->width = 1, k->order = Order::kBool;
      break;
    case PhysicalType::kInt32:
      k->ptype = fmt::INT32, k->width = 4, k->order = Order::kInt32;
      break;
    case PhysicalType::kInt64:
      k->ptype = fmt::INT64, k->width = 8, k->order = Order::kInt64;
      break;
    case PhysicalType::kFloat:
      k->ptype = fmt::FLOAT, k->width = 4, k->order = Order::kFloat;
      break;
    case PhysicalType::kDouble:
      k->ptype = fmt::DOUBLE, k->width = 8, k->order = Order::kDouble;
      break;
    case PhysicalType::kByteArray:
      k->ptype = fmt::BYTE_ARRAY, k->width = 0, k->order = Order::kUnsigned;
      break;
    case PhysicalType::kFixedLenByteArray:
      if (s.type_length <= 0) {
        return Status::InvalidArgument("column " + s.name +
                                       ": FIXED_LEN_BYTE_ARRAY needs a length");
      }
      k->ptype = fmt::FLBA, k->width = s.type_length;
      k->order = s.logical.kind == LogicalType::kDecimal ? Order::kSignedBE : Order::kUnsigned;
      leaf.type_length = s.type_length;
      break;
  }
  k->dict = Dict(k->width);
  leaf.type = k->ptype;
  switch (s.logical.kind) {
    case LogicalType::kString:
      leaf.converted_type = fmt::UTF8, leaf.logical = fmt::kLogicalString;
      break;
    case LogicalType::kJson:
      leaf.converted_type = fmt::JSON, leaf.logical = fmt::kLogicalJson;
      break;
    case LogicalType::kTimestampMillisUtc:
      leaf.converted_type = fmt::TIMESTAMP_MILLIS, leaf.logical = fmt::kLogicalTimestamp;
      break;
    case LogicalType::kTimestampMicros:
      if (s.type != PhysicalType::kInt64) {
        return Status::InvalidArgument("column " + s.name + ": TIMESTAMP(MICROS) needs INT64");
      }
      leaf.logical = fmt::kLogicalTimestamp;
      leaf.timestamp_unit = fmt::kMicros;
      leaf.timestamp_utc = s.logical.adjusted_to_utc;
      // The legacy TIMESTAMP_MICROS means UTC-adjusted, so a local timestamp gets none
      // (LogicalTypes.md "TIMESTAMP" compatibility; parquet-java's
      // TimestampLogicalTypeAnnotation.toOriginalType does the same).
      if (s.logical.adjusted_to_utc) leaf.converted_type = fmt::TIMESTAMP_MICROS;
      break;
    case LogicalType::kDecimal:
      leaf.converted_type = fmt::DECIMAL, leaf.logical = fmt::kLogicalDecimal;
      leaf.precision = s.logical.precision;
      leaf.scale = s.logical.scale;
      break;
    case LogicalType::kUuid:
      leaf.logical = fmt::kLogicalUuid;
      break;
    case LogicalType::kNone:
      break;
  }
  if (!s.list) {
    leaf.name = s.name;
    leaf.repetition = s.optional ? fmt::OPTIONAL : fmt::REQUIRED;
    if (s.field_id >= 0) leaf.field_id = s.field_id;
    k->max_def = def_base + (s.optional ? 1 : 0);
    k->path = prefix;
    k->path.push_back(s.name);
    if (k->in_group) {
      k->s.name.clear();
      for (const auto& p : k->path) k->s.name += (k->s.name.empty() ? "" : ".") + p;
    }
    schema->push_back(std::move(leaf));
    return Status::OK();
  }
  // LogicalTypes.md "Lists": <opt|req> group name (LIST) { repeated group list { required T
  // element; } }. Field ids: the column's on the LIST group, the element's on `element`, none on
  // the repeated group (Iceberg spec Appendix A, as Iceberg's TypeToMessageType writes them).
  fmt::SchemaElement outer, mid;
  if (s.field_id >= 0) outer.field_id = s.field_id;
  if (s.element_field_id >= 0) leaf.field_id = s.element_field_id;
  outer.name = s.name;
  outer.repetition = s.optional ? fmt::OPTIONAL : fmt::REQUIRED;
  outer.num_children = 1;
  outer.converted_type = fmt::LIST;
  outer.logical = fmt::kLogicalList;
  mid.name = "list";
  mid.repetition = fmt::REPEATED;
  mid.num_children = 1;
  leaf.name = "element";
  leaf.repetition = fmt::REQUIRED;
  schema->push_back(std::move(outer));
  schema->push_back(std::move(mid));
  schema->push_back(std::move(leaf));
  k->max_def = (s.optional ? 1 : 0) + 1;
  k->max_rep = 1;
  k->path = {s.name, "list", "element"};
  return Status::OK();
}

Input Fixed(const void* p, int width) {
  Input in{Input::kFixed};
  in.fixed = static_cast<const char*>(p);
  in.width = width;
  return in;
}

}  // namespace

FileWriter::FileWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileWriter::~FileWriter() = default;  // an uncommitted LocalFileSink removes its temp file

Result<std::unique_ptr<FileWriter>> FileWriter::OpenFile(const std::string& path,
                                                         std::vector<ColumnSchema> schema,
                                                         WriterOptions opts) {
  PE_ASSIGN_OR_RETURN(std::unique_ptr<LocalFileSink> sink, LocalFileSink::Create(path));
  PE_ASSIGN_OR_RETURN(auto w, Open(sink.get(), std::move(schema), std::move(opts)));
  w->impl_->owned = std::move(sink);
  return w;
}

Result<std::unique_ptr<FileWriter>> FileWriter::Open(OutputSink* sink,
                                                     std::vector<ColumnSchema> schema,
                                                     WriterOptions opts) {
  if (sink == nullptr) return Status::InvalidArgument("parquet writer needs an output sink");
  if (sink->Tell() != 0) {
    return Status::InvalidArgument("parquet writer needs an empty output sink, not one at offset " +
                                   std::to_string(sink->Tell()));
  }
  if (schema.empty()) return Status::InvalidArgument("parquet schema has no columns");
  if (opts.page_bytes <= 0) return Status::InvalidArgument("page size must be positive");
  auto impl = std::make_unique<Impl>();
  impl->o = std::move(opts);
  fmt::SchemaElement root;
  root.name = "schema";
  root.num_children = int(schema.size());
  impl->meta.schema.push_back(root);
  for (const auto& s : schema) {
    PE_RETURN_IF_ERROR(BuildColumn(s, {}, 0, &impl->cols, &impl->meta.schema));
  }
  for (auto& k : impl->cols) k.index.has_column_index = true;
  impl->meta.num_leaf_columns = int(impl->cols.size());
  impl->comp = Compressor::Make(impl->o.codec);
  impl->sink = sink;
  PE_RETURN_IF_ERROR(impl->Append("PAR1"));
  return std::unique_ptr<FileWriter>(new FileWriter(std::move(impl)));
}

Status FileWriter::WriteInt32(int c, uint32_t n, const int32_t* v, const uint8_t* nulls,
                              const uint32_t* offs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kInt32));
  return impl_->Write(c, n, Fixed(v, 4), nulls, offs, false);
}
Status FileWriter::WriteInt64(int c, uint32_t n, const int64_t* v, const uint8_t* nulls,
                              const uint32_t* offs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kInt64));
  return impl_->Write(c, n, Fixed(v, 8), nulls, offs, false);
}
Status FileWriter::WriteFloat(int c, uint32_t n, const float* v, const uint8_t* nulls,
                              const uint32_t* offs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kFloat));
  return impl_->Write(c, n, Fixed(v, 4), nulls, offs, false);
}
Status FileWriter::WriteDouble(int c, uint32_t n, const double* v, const uint8_t* nulls,
                               const uint32_t* offs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kDouble));
  return impl_->Write(c, n, Fixed(v, 8), nulls, offs, false);
}
Status FileWriter::WriteBoolean(int c, uint32_t n, const uint8_t* v, const uint8_t* nulls,
                                const uint32_t* offs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kBoolean));
  Input in{Input::kBool};
  in.bools = v;
  return impl_->Write(c, n, in, nulls, offs, false);
}
Status FileWriter::WriteByteArray(int c, uint32_t n, const uint32_t* value_offsets,
                                  const char* data, const uint8_t* nulls, const uint32_t* offs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kByteArray, PhysicalType::kFixedLenByteArray));
  Input in{Input::kBytes};
  in.boffs = value_offsets;
  in.bdata = data;
  return impl_->Write(c, n, in, nulls, offs, false);
}

namespace {
template <typename T>
Dict FixedDict(const T* v, uint32_t n) {
  Dict d(sizeof(T));
  d.AssignFixed(reinterpret_cast<const char*>(v), n);
  return d;
}
}  // namespace

Status FileWriter::SetDictionaryInt32(int c, const int32_t* v, uint32_t n) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kInt32));
  return impl_->SetDict(c, FixedDict(v, n));
}
Status FileWriter::SetDictionaryInt64(int c, const int64_t* v, uint32_t n) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kInt64));
  return impl_->SetDict(c, FixedDict(v, n));
}
Status FileWriter::SetDictionaryFloat(int c, const float* v, uint32_t n) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kFloat));
  return impl_->SetDict(c, FixedDict(v, n));
}
Status FileWriter::SetDictionaryDouble(int c, const double* v, uint32_t n) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kDouble));
  return impl_->SetDict(c, FixedDict(v, n));
}
Status FileWriter::SetDictionaryByteArray(int c, const uint32_t* offs, const char* data,
                                          uint32_t n) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kByteArray, PhysicalType::kFixedLenByteArray));
  const int width = impl_->cols[c].width;
  Dict d(width);
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view v(data + offs[i], offs[i + 1] - offs[i]);
    if (width && v.size() != size_t(width)) {
      return Status::InvalidArgument("column " + impl_->cols[c].s.name + ": value of " +
                                     std::to_string(v.size()) + " bytes in FIXED_LEN_BYTE_ARRAY(" +
                                     std::to_string(width) + ")");
    }
    d.Add(v);
  }
  return impl_->SetDict(c, std::move(d));
}
Status FileWriter::WriteIndices(int c, uint32_t n, const uint32_t* ids, const uint8_t* nulls,
                                const uint32_t* offs) {
  if (c < 0 || size_t(c) >= impl_->cols.size()) {
    return Status::InvalidArgument("no column " + std::to_string(c));
  }
  Input in{Input::kIds};
  in.ids = ids;
  return impl_->Write(c, n, in, nulls, offs, true);
}

Status FileWriter::SetPlain(int c) {
  if (c < 0 || size_t(c) >= impl_->cols.size()) {
    return Status::InvalidArgument("no column " + std::to_string(c));
  }
  return impl_->SetPlain(c);
}

int FileWriter::num_leaves() const { return int(impl_->cols.size()); }

Status FileWriter::WriteLeafInt32(int c, uint32_t n, const int32_t* v, const uint8_t* defs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kInt32));
  return impl_->Write(c, n, Fixed(v, 4), nullptr, nullptr, false, defs);
}
Status FileWriter::WriteLeafFloat(int c, uint32_t n, const float* v, const uint8_t* defs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kFloat));
  return impl_->Write(c, n, Fixed(v, 4), nullptr, nullptr, false, defs);
}
Status FileWriter::WriteLeafInt64(int c, uint32_t n, const int64_t* v, const uint8_t* defs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kInt64));
  return impl_->Write(c, n, Fixed(v, 8), nullptr, nullptr, false, defs);
}
Status FileWriter::WriteLeafDouble(int c, uint32_t n, const double* v, const uint8_t* defs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kDouble));
  return impl_->Write(c, n, Fixed(v, 8), nullptr, nullptr, false, defs);
}
Status FileWriter::WriteLeafBoolean(int c, uint32_t n, const uint8_t* v, const uint8_t* defs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kBoolean));
  Input in{Input::kBool};
  in.bools = v;
  return impl_->Write(c, n, in, nullptr, nullptr, false, defs);
}
Status FileWriter::WriteLeafByteArray(int c, uint32_t n, const uint32_t* value_offsets,
                                      const char* data, const uint8_t* defs) {
  PE_RETURN_IF_ERROR(impl_->Check(c, PhysicalType::kByteArray, PhysicalType::kFixedLenByteArray));
  Input in{Input::kBytes};
  in.boffs = value_offsets;
  in.bdata = data;
  return impl_->Write(c, n, in, nullptr, nullptr, false, defs);
}

int64_t FileWriter::buffered_bytes() const {
  int64_t b = 0;
  for (const auto& k : impl_->cols) b += int64_t(k.pages.size() + k.PageBits() / 8);
  return b;
}
Status FileWriter::FlushRowGroup() { return impl_->FlushRowGroup(); }
Status FileWriter::Close() { return impl_->Close(); }
const FileMetrics& FileWriter::metrics() const { return impl_->metrics; }
int64_t FileWriter::num_rows() const { return impl_->num_rows; }
int FileWriter::num_row_groups() const { return int(impl_->meta.row_groups.size()); }

}  // namespace pe::parquet
