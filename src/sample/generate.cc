// Generators for `pinot-export sample`: the reader test matrix, a demo REALTIME events segment
// and large benchmark profiles. Every value is a pure function of (seed, column, doc), so a
// column can be produced batch by batch, any number of times, without being held in memory.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/bytes.h"
#include "sample/sample.h"

namespace pe::sample {

namespace {

uint64_t Mix(uint64_t x) {  // splitmix64 finalizer
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
uint64_t Hash(uint64_t a, uint64_t b, uint64_t c = 0) { return Mix(Mix(Mix(a) ^ b) ^ c); }
uint64_t NameHash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// How a column's values are generated.
struct Gen {
  ColumnSpec spec;
  double null_frac = 0;  // fraction of null docs
  bool sorted = false;   // non-decreasing values (SV)
  uint32_t card = 0;     // 0 = unbounded (values drawn freely), else a pool of `card` values
  bool huge = false;     // occasional values larger than a V4 chunk
  int bytes_len = -1;    // BYTES: fixed length (>= 0) or var (-1)
  uint32_t max_mv = 4;   // MV: 0..max_mv values per doc (0 = empty = null)
  int64_t ts_base = 1767225600000;                  // 2026-01-01T00:00:00Z
  bool epoch = false;                               // LONG epoch millis, ascending (time column)
  const std::vector<std::string>* words = nullptr;  // STRING: draw from this pool as is
};

const char* kWords[] = {
    "alpha",  "beta",   "gamma",       "delta",  "pinot",       "noir",   "grape", "wine", "cellar",
    "oak",    "tannin", "vintage",     "rosé",   "Müller",      "日本",   "naïve", "a,b",  " lead",
    "trail ", "x\"q",   "back\\slash", "tab\tc", "line\nbreak", "😀emoji", ""};
constexpr size_t kNumWords = sizeof(kWords) / sizeof(kWords[0]);

// One value (the `r`-th random draw) of the column's type, appended to `out`.
void RandomValue(const Gen& g, uint64_t r, uint32_t doc, uint32_t rows, ColumnValues* out) {
  const DataType t = g.spec.type;
  const uint64_t r2 = Mix(r);
  switch (t) {
    case DataType::kInt:
      if (g.sorted) {
        out->ints.push_back(int32_t(doc / 7) - 1000);
      } else if (g.spec.codec == Codec::kDelta || g.spec.codec == Codec::kDeltaDelta) {
        out->ints.push_back(int32_t(1000 + int64_t(doc) * 3 + int64_t(r % 5)));
      } else {
        int64_t v = int64_t(r % 2000001) - 1000000;
        if (r2 % 50 == 0) v = INT32_MAX;
        if (r2 % 50 == 1) v = INT32_MIN + 1;
        out->ints.push_back(v);
      }
      break;
    case DataType::kLong:
      if (g.epoch) {
        out->ints.push_back(g.ts_base + int64_t(doc) * 1000 + int64_t(doc % 3));
      } else if (g.sorted) {
        out->ints.push_back(int64_t(doc / 7) * 1000003 - 5000000000ll);
      } else if (g.spec.codec == Codec::kDelta || g.spec.codec == Codec::kDeltaDelta) {
        out->ints.push_back((int64_t(1) << 40) + int64_t(doc) * 1000 + int64_t(r % 7));
      } else {
        int64_t v = int64_t(r);
        if (r2 % 3 == 0) v = int64_t(r % 100000) - 50000;
        out->ints.push_back(v);
      }
      break;
    case DataType::kFloat:
    case DataType::kDouble: {
      double v;
      if (g.sorted) {
        v = double(doc / 7) * 0.25 - 100;
      } else {
        v = (double(int64_t(r % 2000000) - 1000000)) / 64.0;
        if (r2 % 4 == 0) v = double(int64_t(r)) * 1e-9;
        if (r2 % 97 == 1) v = INFINITY;
        if (r2 % 97 == 2) v = NAN;
        if (r2 % 97 == 3) v = 1e-30;
      }
      out->reals.push_back(t == DataType::kFloat ? double(float(v)) : v);
      break;
    }
    case DataType::kBigDecimal: {
      if (g.sorted) {
        out->AddBinary(BigDecimalBytes(int64_t(doc / 7) - 500, 2));
      } else if (r2 % 10 == 0) {
        auto b =
            BigDecimalFromString((r % 2 ? "-" : "") + std::to_string(r) +
                                 std::to_string(r2 % 1000000000) + "." + std::to_string(r % 1000));
        out->AddBinary(b.ok() ? *b : BigDecimalBytes(0, 0));
      } else {
        out->AddBinary(BigDecimalBytes(int64_t(r % 20000001) - 10000000, int(r2 % 7)));
      }
      break;
    }
    case DataType::kBoolean:
      out->ints.push_back(g.sorted ? (doc >= rows / 2 ? 1 : 0) : int64_t(r % 2));
      break;
    case DataType::kTimestamp:
      out->ints.push_back(g.sorted ? g.ts_base + int64_t(doc) * 1000
                                   : g.ts_base + int64_t(r % (86400000ll * 30)) - 86400000ll);
      break;
    case DataType::kString: {
      char buf[32];
      if (g.sorted) {
        std::snprintf(buf, sizeof buf, "k%08u", doc / 7);
        out->AddBinary(buf);
      } else if (g.words) {
        out->AddBinary((*g.words)[r % g.words->size()]);
      } else if (g.huge && r2 % 23 == 0) {
        out->AddBinary(std::string(5000 + r % 3000, char('a' + r % 26)));
      } else {
        std::string s = kWords[r % kNumWords];
        if (r2 % 3 != 0) {
          std::snprintf(buf, sizeof buf, "%s%llu", s.empty() ? "" : "-",
                        static_cast<unsigned long long>(r2 % 100000));
          s += buf;
        }
        out->AddBinary(s);
      }
      break;
    }
    case DataType::kJson: {
      char buf[160];
      if (g.sorted) {
        std::snprintf(buf, sizeof buf, "{\"k\":\"%08u\"}", doc / 7);
      } else {
        std::snprintf(buf, sizeof buf, "{\"id\":%llu,\"name\":\"%s\",\"ok\":%s,\"tags\":[%u,%u]}",
                      static_cast<unsigned long long>(r % 100000), kWords[r % 12],
                      r2 % 2 ? "true" : "false", unsigned(r2 % 10), unsigned(r2 % 7));
      }
      out->AddBinary(buf);
      break;
    }
    case DataType::kBytes: {
      std::string b;
      if (g.sorted) {
        AppendBE32(&b, doc / 7);
      } else {
        size_t len = g.bytes_len >= 0 ? size_t(g.bytes_len) : size_t(r2 % 17);
        for (size_t i = 0; i < len; ++i) b.push_back(char(uint8_t(Mix(r + i) & 0xFF)));
      }
      out->AddBinary(b);
      break;
    }
    default:
      break;
  }
}

// Appends docs [first, first + n) of column `g` (column salt `salt`) to `out`.
void GenerateBatch(const Gen& g, uint64_t seed, uint64_t salt, uint32_t first, uint32_t n,
                   uint32_t rows, ColumnValues* out) {
  out->Clear();
  const bool sv = g.spec.single_value;
  if (!sv) out->offsets.push_back(0);
  bool any_null = false;
  std::vector<uint8_t> nulls;
  uint32_t nv = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t doc = first + i;
    const uint64_t h = Hash(seed, salt, doc);
    const bool is_null = g.null_frac > 0 && double(h % 10000) < g.null_frac * 10000;
    nulls.push_back(is_null);
    any_null |= is_null;
    const uint32_t count = sv ? 1 : uint32_t(Mix(h ^ 0x5555) % (g.max_mv + 1));
    if (!sv && is_null) {
      out->offsets.push_back(nv);
      continue;
    }
    for (uint32_t k = 0; k < count; ++k) {
      uint64_t r = Hash(h, k, 77);
      if (g.card > 0) r = Hash(seed, salt, r % g.card);
      RandomValue(g, r, doc, rows, out);
      ++nv;
    }
    if (!sv) out->offsets.push_back(nv);
  }
  if (any_null) out->nulls = std::move(nulls);
}

std::vector<ColumnValues> GenerateAll(const std::vector<Gen>& gens, uint64_t seed, uint32_t rows) {
  std::vector<ColumnValues> out(gens.size());
  for (size_t c = 0; c < gens.size(); ++c) {
    GenerateBatch(gens[c], seed, NameHash(gens[c].spec.name), 0, rows, rows, &out[c]);
  }
  return out;
}

const DataType kTypes[] = {DataType::kInt,       DataType::kLong,       DataType::kFloat,
                           DataType::kDouble,    DataType::kBigDecimal, DataType::kBoolean,
                           DataType::kTimestamp, DataType::kString,     DataType::kJson,
                           DataType::kBytes};

std::string Lower(const char* s) {
  std::string r(s);
  for (auto& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

Gen TimeColumn(bool raw) {
  Gen g;
  g.spec.name = "ts";
  g.spec.type = DataType::kLong;
  g.spec.role = FieldRole::kDateTime;
  g.sorted = true;
  g.epoch = true;
  if (raw) {
    g.spec.encoding = Encoding::kRaw;
    g.spec.codec = Codec::kLz4;
  }
  return g;
}

GeneratedSegment Assemble(SegmentSpec spec, const std::vector<Gen>& gens, uint64_t seed,
                          std::string description) {
  GeneratedSegment g;
  for (const auto& x : gens) spec.columns.push_back(x.spec);
  g.values = GenerateAll(gens, seed, spec.num_docs);
  g.spec = std::move(spec);
  g.description = std::move(description);
  return g;
}

}  // namespace

std::vector<GeneratedSegment> MatrixSegments(const MatrixOptions& opt) {
  std::vector<GeneratedSegment> out;
  const uint32_t rows = opt.rows;
  const int64_t t0 = 1767225600000;  // 2026-01-01
  int seq = 0;
  auto base_spec = [&](const std::string& table, bool v3, bool llc) {
    SegmentSpec s;
    s.table = table;
    s.v3 = v3;
    s.num_docs = rows;
    s.creation_time_ms = t0 + int64_t(seq) * 60000;
    s.time_column = "ts";
    s.creator_version = "pinot-export-sample";
    if (llc) {
      s.name = LlcSegmentName(table, seq % 4, seq, s.creation_time_ms);
      s.realtime_start_offset = std::to_string(seq * 1000);
      s.realtime_end_offset = std::to_string(seq * 1000 + rows);
    } else {
      s.name = OfflineSegmentName(table, seq);
    }
    ++seq;
    return s;
  };

  // 1. Dictionary-encoded: every type x SV/MV x with/without null vector, sorted SV columns,
  //    MV_ENTRY_DICT, var-length STRING dictionary, fixed-length BYTES dictionary; v3 and v1.
  for (bool v3 : {true, false}) {
    std::vector<Gen> gens{TimeColumn(false)};
    for (DataType t : kTypes) {
      for (bool sv : {true, false}) {
        for (int nulls = 0; nulls < 3; ++nulls) {  // 0 none, 1 nulls+vector, 2 nulls no vector
          Gen g;
          g.spec.type = t;
          g.spec.single_value = sv;
          g.spec.null_vector = nulls == 1;
          g.null_frac = nulls ? 0.1 : 0;
          g.card = (t == DataType::kBoolean) ? 0 : 50;
          g.spec.name = std::string("d_") + Lower(segment::DataTypeName(t)) + (sv ? "_sv" : "_mv") +
                        (nulls == 0   ? ""
                         : nulls == 1 ? "_nullvec"
                                      : "_nulldefault");
          gens.push_back(g);
        }
      }
      Gen s;
      s.spec.type = t;
      s.sorted = true;
      s.spec.name = std::string("d_") + Lower(segment::DataTypeName(t)) + "_sorted";
      gens.push_back(s);
      Gen m;
      m.spec.type = t;
      m.spec.single_value = false;
      m.spec.mv_entry_dict = true;
      m.card = 8;
      m.max_mv = 3;
      m.spec.name = std::string("d_") + Lower(segment::DataTypeName(t)) + "_mv_entrydict";
      gens.push_back(m);
      Gen hc;  // high cardinality (more bits per id)
      hc.spec.type = t;
      hc.spec.name = std::string("d_") + Lower(segment::DataTypeName(t)) + "_sv_highcard";
      hc.spec.role = (t == DataType::kString || t == DataType::kJson || t == DataType::kBytes)
                         ? FieldRole::kDimension
                         : FieldRole::kMetric;
      gens.push_back(hc);
    }
    Gen vl;
    vl.spec.type = DataType::kString;
    vl.spec.var_length_dictionary = true;
    vl.card = 40;
    vl.spec.name = "d_string_sv_varlength";
    gens.push_back(vl);
    Gen vlm = vl;
    vlm.spec.single_value = false;
    vlm.spec.name = "d_string_mv_varlength";
    gens.push_back(vlm);
    Gen fb;
    fb.spec.type = DataType::kBytes;
    fb.bytes_len = 8;
    fb.card = 30;
    fb.spec.name = "d_bytes_sv_fixedlen";
    gens.push_back(fb);
    Gen md;  // custom default null value
    md.spec.type = DataType::kString;
    md.spec.null_vector = false;
    md.null_frac = 0.2;
    md.spec.default_null_value = "n/a, none ";
    md.card = 10;
    md.spec.name = "d_string_sv_customdefault";
    gens.push_back(md);
    auto spec = base_spec("matrixDict", v3, !v3);
    out.push_back(Assemble(spec, gens, opt.seed,
                           std::string("dictionary-encoded, ") + (v3 ? "v3" : "v1") + " layout"));
  }

  // 2. Raw: per writer version x codec, every type x SV/MV x nulls (DELTA/DELTADELTA: SV INT/LONG).
  const Codec kCodecs[] = {Codec::kPassThrough,       Codec::kSnappy,
                           Codec::kZstandard,         Codec::kLz4,
                           Codec::kLz4LengthPrefixed, Codec::kGzip};
  int cell = 0;
  for (int version : {2, 3, 4, 5, 6}) {
    for (Codec codec : kCodecs) {
      std::vector<Gen> gens{TimeColumn(true)};
      gens[0].spec.raw_version = version;
      gens[0].spec.codec = codec;
      for (DataType t : kTypes) {
        for (bool sv : {true, false}) {
          for (int nulls = 0; nulls < 2; ++nulls) {
            Gen g;
            g.spec.type = t;
            g.spec.single_value = sv;
            g.spec.encoding = Encoding::kRaw;
            g.spec.raw_version = version;
            g.spec.codec = codec;
            g.spec.null_vector = nulls == 1;
            g.null_frac = nulls ? 0.15 : 0;
            g.spec.role = t == DataType::kDouble ? FieldRole::kMetric : FieldRole::kDimension;
            g.spec.name = std::string("r_") + Lower(segment::DataTypeName(t)) +
                          (sv ? "_sv" : "_mv") + (nulls ? "_nullvec" : "");
            gens.push_back(g);
          }
        }
      }
      // Small chunks (several chunks even for small row counts) and derived docs per chunk.
      Gen small;
      small.spec.type = DataType::kString;
      small.spec.encoding = Encoding::kRaw;
      small.spec.raw_version = version;
      small.spec.codec = codec;
      small.spec.target_docs_per_chunk = 7;
      small.spec.name = "r_string_sv_smallchunks";
      gens.push_back(small);
      Gen smallmv = small;
      smallmv.spec.type = DataType::kLong;
      smallmv.spec.single_value = false;
      smallmv.spec.name = "r_long_mv_smallchunks";
      gens.push_back(smallmv);
      Gen smallfx = small;
      smallfx.spec.type = DataType::kDouble;
      smallfx.spec.name = "r_double_sv_smallchunks";
      gens.push_back(smallfx);
      if (version < 4) {
        Gen derive = small;
        derive.spec.target_docs_per_chunk = 1000;
        derive.spec.derive_docs_per_chunk = true;
        derive.spec.target_max_chunk_bytes = 600;
        derive.spec.name = "r_string_sv_derived";
        gens.push_back(derive);
      } else {
        Gen huge = small;  // values larger than the chunk: V4 "huge" chunks
        huge.spec.target_docs_per_chunk = 1000;
        huge.spec.target_max_chunk_bytes = 4096;
        huge.huge = true;
        huge.spec.name = "r_string_sv_huge";
        gens.push_back(huge);
      }
      if (codec == Codec::kLz4) {
        // DELTA / DELTADELTA ride along with the LZ4 segment of each version.
        for (Codec dc : {Codec::kDelta, Codec::kDeltaDelta}) {
          for (DataType t : {DataType::kInt, DataType::kLong}) {
            for (bool odd : {false, true}) {
              Gen d;
              d.spec.type = t;
              d.spec.encoding = Encoding::kRaw;
              d.spec.raw_version = version;
              d.spec.codec = dc;
              d.spec.target_docs_per_chunk = odd ? 999 : 1000;
              d.spec.name = std::string("r_") + Lower(segment::DataTypeName(t)) + "_sv_" +
                            Lower(CodecName(dc)) + (odd ? "_odd" : "");
              gens.push_back(d);
            }
          }
        }
      }
      const bool v3 = cell % 2 == 0;
      const bool llc = cell % 3 == 1;
      ++cell;
      auto spec =
          base_spec("matrixRawV" + std::to_string(version) + "_" + CodecName(codec), v3, llc);
      out.push_back(Assemble(spec, gens, opt.seed,
                             "raw v" + std::to_string(version) + " " + CodecName(codec) + ", " +
                                 (v3 ? "v3" : "v1") + " layout"));
    }
  }

  // 3. An empty segment (0 docs).
  {
    std::vector<Gen> gens{TimeColumn(false)};
    Gen s;
    s.spec.type = DataType::kString;
    s.spec.name = "d_string_sv";
    gens.push_back(s);
    auto spec = base_spec("matrixEmpty", true, false);
    spec.num_docs = 0;
    spec.time_column.clear();
    out.push_back(Assemble(spec, gens, opt.seed, "empty segment"));
  }
  return out;
}

Status ExpectedJsonl(const GeneratedSegment& g, std::string* out) {
  const uint32_t rows = g.spec.num_docs;
  // dump prints columns in the reader's order: sorted by name.
  std::vector<size_t> order(g.spec.columns.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return g.spec.columns[a].name < g.spec.columns[b].name; });
  std::vector<segment::ColumnMeta> metas(order.size());
  std::vector<segment::ColumnBatch> batches(order.size());
  std::vector<std::string> keys(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const ColumnSpec& s = g.spec.columns[order[i]];
    PE_ASSIGN_OR_RETURN(ColumnValues v, ExpectedValues(s, g.values[order[i]], rows));
    segment::ColumnMeta& m = metas[i];
    m.name = s.name;
    m.data_type = s.type;
    m.stored_type = segment::StoredTypeOf(s.type);
    m.single_value = s.single_value;
    segment::ColumnBatch& b = batches[i];
    b.num_docs = rows;
    b.offsets = v.offsets;
    b.nulls = v.nulls;
    switch (m.stored_type) {
      case segment::StoredType::kInt32:
        for (auto x : v.ints) b.i32.push_back(int32_t(x));
        break;
      case segment::StoredType::kInt64:
        b.i64 = v.ints;
        break;
      case segment::StoredType::kFloat:
        for (auto x : v.reals) b.f32.push_back(float(x));
        break;
      case segment::StoredType::kDouble:
        b.f64 = v.reals;
        break;
      case segment::StoredType::kBinary:
        b.bin_offsets = v.bin_offsets;
        b.bin_data = v.bin;
        break;
    }
    segment::AppendJsonString(s.name, &keys[i]);
    keys[i].push_back(':');
  }
  for (uint32_t d = 0; d < rows; ++d) {
    out->push_back('{');
    for (size_t i = 0; i < order.size(); ++i) {
      const auto& m = metas[i];
      const auto& b = batches[i];
      if (i) out->push_back(',');
      out->append(keys[i]);
      if (!b.nulls.empty() && b.nulls[d]) {
        out->append("null");
        continue;
      }
      if (m.single_value) {
        PE_RETURN_IF_ERROR(segment::AppendValueText(m, b, d, true, out));
      } else {
        out->push_back('[');
        for (uint32_t k = b.offsets[d]; k < b.offsets[d + 1]; ++k) {
          if (k > b.offsets[d]) out->push_back(',');
          PE_RETURN_IF_ERROR(segment::AppendValueText(m, b, k, true, out));
        }
        out->push_back(']');
      }
    }
    out->append("}\n");
  }
  return Status::OK();
}

namespace {

std::vector<Gen> DemoColumns() {
  std::vector<Gen> g;
  auto add = [&](const char* name, DataType t, FieldRole role, uint32_t card, bool sv = true,
                 double nulls = 0, Encoding enc = Encoding::kDictionary) {
    Gen x;
    x.spec.name = name;
    x.spec.type = t;
    x.spec.role = role;
    x.spec.single_value = sv;
    x.spec.encoding = enc;
    x.spec.codec = Codec::kLz4;
    x.card = card;
    x.null_frac = nulls;
    x.spec.null_vector = nulls > 0;
    g.push_back(x);
    return &g.back();
  };
  static const std::vector<std::string> kEvents = {"page_view", "click",    "add_to_cart",
                                                   "checkout",  "purchase", "search"};
  static const std::vector<std::string> kCountries = {
      "US", "DE", "FR", "JP", "BR", "IN", "GB", "CA", "ES", "IT", "MX", "KR",           "NL",
      "SE", "CH", "AU", "PL", "BE", "AT", "NO", "DK", "FI", "PT", "IE", "Côte d'Ivoire"};
  static const std::vector<std::string> kDevices = {"ios", "android", "web", "tv", "desktop"};
  static const std::vector<std::string> kTags = {"new",    "returning", "promo", "mobile",
                                                 "vip",    "trial",     "beta",  "sale",
                                                 "bundle", "gift",      "日本",  "naïve"};
  add("event_type", DataType::kString, FieldRole::kDimension, 6)->words = &kEvents;
  add("user_id", DataType::kLong, FieldRole::kDimension, 5000);
  add("country", DataType::kString, FieldRole::kDimension, 25, true, 0.02)->words = &kCountries;
  add("device", DataType::kString, FieldRole::kDimension, 5)->words = &kDevices;
  add("is_mobile", DataType::kBoolean, FieldRole::kDimension, 0);
  add("tags", DataType::kString, FieldRole::kDimension, 12, false, 0.05)->words = &kTags;
  add("quantity", DataType::kInt, FieldRole::kMetric, 20);
  add("amount", DataType::kDouble, FieldRole::kMetric, 0, true, 0.01, Encoding::kRaw);
  add("price", DataType::kBigDecimal, FieldRole::kMetric, 200);
  add("event_time", DataType::kTimestamp, FieldRole::kDimension, 0);
  add("payload", DataType::kJson, FieldRole::kDimension, 0, true, 0, Encoding::kRaw);
  add("session_key", DataType::kBytes, FieldRole::kDimension, 300)->bytes_len = 8;
  Gen ts = TimeColumn(false);
  g.push_back(ts);
  return g;
}

class GenSource final : public ValueSource {
 public:
  GenSource(std::vector<Gen> gens, uint64_t seed, uint32_t rows)
      : gens_(std::move(gens)), seed_(seed), rows_(rows) {}
  Status Fill(size_t column, uint32_t first, uint32_t n, ColumnValues* out) override {
    if (column >= gens_.size()) return Status::InvalidArgument("no such column");
    GenerateBatch(gens_[column], seed_, NameHash(gens_[column].spec.name), first, n, rows_, out);
    return Status::OK();
  }

 private:
  std::vector<Gen> gens_;
  uint64_t seed_;
  uint32_t rows_;
};

}  // namespace

GeneratedSegment DemoSegment(uint32_t rows, uint64_t seed, int64_t end_ms) {
  const int64_t t0 = end_ms != 0 ? end_ms - int64_t(rows) * 1000 : 1767225600000;
  SegmentSpec s;
  s.table = "events";
  s.num_docs = rows;
  s.creation_time_ms = end_ms != 0 ? end_ms : t0 + 3600000;
  s.name = LlcSegmentName("events", 0, 17, s.creation_time_ms);
  s.time_column = "ts";
  s.creator_version = "pinot-export-sample";
  s.realtime_start_offset = "170000";
  s.realtime_end_offset = std::to_string(170000 + rows);
  std::vector<Gen> cols = DemoColumns();
  for (Gen& g : cols)
    if (g.epoch) g.ts_base = t0;  // ts: one row a second, ending before end_ms
  return Assemble(s, cols, seed, "demo REALTIME events segment");
}

Result<ProfileSegment> Profile(const std::string& profile, uint32_t rows, uint64_t seed) {
  if (profile != "dict" && profile != "raw") {
    return Status::InvalidArgument("--profile must be dict or raw, not '" + profile + "'");
  }
  const bool raw = profile == "raw";
  std::vector<Gen> gens;
  auto add = [&](const char* name, DataType t, FieldRole role, uint32_t card, bool dict,
                 bool sv = true, double nulls = 0) {
    Gen x;
    x.spec.name = name;
    x.spec.type = t;
    x.spec.role = role;
    x.spec.single_value = sv;
    x.spec.encoding = dict ? Encoding::kDictionary : Encoding::kRaw;
    x.spec.codec = Codec::kLz4;
    x.card = card;
    x.null_frac = nulls;
    x.spec.null_vector = nulls > 0;
    gens.push_back(x);
  };
  // "dict": everything dictionary-encoded but two metrics; "raw": everything raw but two
  // low-cardinality dimensions.
  add("country", DataType::kString, FieldRole::kDimension, 200, true);
  add("device", DataType::kString, FieldRole::kDimension, 8, true);
  add("user_id", DataType::kLong, FieldRole::kDimension, raw ? 0 : 100000, !raw);
  add("session", DataType::kString, FieldRole::kDimension, raw ? 0 : 50000, !raw, true, 0.01);
  add("event_time", DataType::kTimestamp, FieldRole::kDimension, raw ? 0 : 86400, !raw);
  add("status_code", DataType::kInt, FieldRole::kDimension, 40, !raw);
  add("is_mobile", DataType::kBoolean, FieldRole::kDimension, 0, !raw);
  add("tags", DataType::kString, FieldRole::kDimension, 30, !raw, false);
  add("scores", DataType::kFloat, FieldRole::kMetric, raw ? 0 : 1000, !raw, false);
  add("quantity", DataType::kInt, FieldRole::kMetric, 100, !raw);
  add("amount", DataType::kDouble, FieldRole::kMetric, 0, false);
  add("revenue", DataType::kBigDecimal, FieldRole::kMetric, raw ? 0 : 5000, !raw);
  add("latency_ms", DataType::kLong, FieldRole::kMetric, 0, false);
  add("payload", DataType::kJson, FieldRole::kDimension, raw ? 0 : 1000, !raw);
  add("checksum", DataType::kBytes, FieldRole::kDimension, raw ? 0 : 20000, !raw);
  Gen ts = TimeColumn(raw);
  gens.push_back(ts);
  ProfileSegment p;
  p.spec.table = "bench_" + profile;
  p.spec.name = OfflineSegmentName(p.spec.table, 0);
  p.spec.num_docs = rows;
  p.spec.creation_time_ms = 1767225600000;
  p.spec.time_column = "ts";
  p.spec.creator_version = "pinot-export-sample";
  for (const auto& g : gens) p.spec.columns.push_back(g.spec);
  p.source = std::make_unique<GenSource>(std::move(gens), seed, rows);
  return p;
}

}  // namespace pe::sample
