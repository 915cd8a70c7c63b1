// WriteSegment: statistics pass + dictionary + forward index + null vector per column, then
// metadata.properties, the v3 conversion and creation.meta — in the order and formats of Pinot's
// BaseSegmentCreator.seal (flushColIndexes, writeMetadata, CrcUtils.computeDataCrc,
// SegmentV1V2ToV3FormatConverter, persistCreationMeta).
#include <roaring/roaring.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "common/file.h"
#include "sample/forward.h"

namespace fs = std::filesystem;

namespace pe::sample {

using segment::StoredType;

void ColumnValues::Clear() {
  offsets.clear();
  ints.clear();
  reals.clear();
  bin_offsets.assign(1, 0);
  bin.clear();
  nulls.clear();
}

size_t ColumnValues::num_values() const {
  return std::max({ints.size(), reals.size(), bin_offsets.size() - 1});
}

Status MemorySource::Fill(size_t column, uint32_t first, uint32_t n, ColumnValues* out) {
  if (column >= cols_.size()) return Status::InvalidArgument("no such column");
  const ColumnValues& c = cols_[column];
  out->Clear();
  size_t vb = first, ve = size_t(first) + n;  // value range
  if (!c.offsets.empty()) {
    if (size_t(first) + n >= c.offsets.size()) return Status::InvalidArgument("docs past the end");
    vb = c.offsets[first];
    ve = c.offsets[first + n];
    for (uint32_t i = 0; i <= n; ++i) out->offsets.push_back(c.offsets[first + i] - uint32_t(vb));
  }
  if (!c.ints.empty()) out->ints.assign(c.ints.begin() + vb, c.ints.begin() + ve);
  if (!c.reals.empty()) out->reals.assign(c.reals.begin() + vb, c.reals.begin() + ve);
  if (c.bin_offsets.size() > 1) {
    for (size_t k = vb; k < ve; ++k) out->AddBinary(c.binary(k));
  }
  if (!c.nulls.empty()) out->nulls.assign(c.nulls.begin() + first, c.nulls.begin() + first + n);
  return Status::OK();
}

std::string DefaultNullValueText(DataType t, FieldRole role) {
  // FieldSpec.DEFAULT_{DIMENSION,METRIC}_NULL_VALUE_OF_*, as DataType.toString renders them.
  const bool metric = role == FieldRole::kMetric;
  switch (t) {
    case DataType::kInt:
      return metric ? "0" : "-2147483648";
    case DataType::kLong:
      return metric ? "0" : "-9223372036854775808";
    case DataType::kFloat:
    case DataType::kDouble:
      return metric ? "0.0" : "-Infinity";
    case DataType::kBoolean:
    case DataType::kTimestamp:
    case DataType::kBigDecimal:
      return "0";
    case DataType::kString:
    case DataType::kJson:
      return "null";
    default:
      return "";  // BYTES: empty byte[] -> ""
  }
}

std::string BigDecimalBytes(int64_t unscaled, int scale) {
  // BigInteger.toByteArray: minimal big-endian two's complement (at least one byte).
  std::string mag;
  for (int i = 7; i >= 0; --i) mag.push_back(char(uint8_t(uint64_t(unscaled) >> (8 * i))));
  size_t k = 0;
  while (k + 1 < mag.size()) {
    uint8_t b = uint8_t(mag[k]), nb = uint8_t(mag[k + 1]);
    if ((b == 0x00 && !(nb & 0x80)) || (b == 0xFF && (nb & 0x80)))
      ++k;
    else
      break;
  }
  std::string out;
  out.push_back(char(uint8_t(uint16_t(int16_t(scale)) >> 8)));
  out.push_back(char(uint8_t(uint16_t(int16_t(scale)))));
  out.append(mag.substr(k));
  return out;
}

Result<std::string> BigDecimalFromString(std::string_view text) {
  bool neg = false;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) neg = text[i++] == '-';
  std::vector<uint8_t> digits;
  int scale = 0;
  bool dot = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !dot) {
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digits.push_back(uint8_t(c - '0'));
      if (dot) ++scale;
    } else {
      return Status::InvalidArgument("not a decimal: '" + std::string(text) + "'");
    }
  }
  if (digits.empty()) return Status::InvalidArgument("not a decimal: '" + std::string(text) + "'");
  // Decimal digits -> big-endian magnitude bytes.
  std::vector<uint8_t> mag{0};
  for (uint8_t d : digits) {
    uint32_t carry = d;
    for (size_t k = mag.size(); k-- > 0;) {
      uint32_t v = uint32_t(mag[k]) * 10 + carry;
      mag[k] = uint8_t(v & 0xFF);
      carry = v >> 8;
    }
    while (carry) {
      mag.insert(mag.begin(), uint8_t(carry & 0xFF));
      carry >>= 8;
    }
  }
  bool zero = std::all_of(mag.begin(), mag.end(), [](uint8_t b) { return b == 0; });
  if (neg && !zero) {
    // Two's complement of the magnitude.
    for (auto& b : mag) b = uint8_t(~b);
    for (size_t k = mag.size(); k-- > 0;) {
      if (++mag[k] != 0) break;
    }
  }
  // Sign byte if needed, then minimal form.
  if (!neg && (mag[0] & 0x80)) mag.insert(mag.begin(), 0x00);
  if (neg && !zero && !(mag[0] & 0x80)) mag.insert(mag.begin(), 0xFF);
  size_t k = 0;
  while (k + 1 < mag.size() &&
         ((mag[k] == 0x00 && !(mag[k + 1] & 0x80)) || (mag[k] == 0xFF && (mag[k + 1] & 0x80)))) {
    ++k;
  }
  std::string out;
  out.push_back(char(uint8_t(uint16_t(int16_t(scale)) >> 8)));
  out.push_back(char(uint8_t(uint16_t(int16_t(scale)))));
  out.append(reinterpret_cast<const char*>(mag.data()) + k, mag.size() - k);
  return out;
}

namespace {

constexpr uint32_t kBatch = 8192;
constexpr size_t kMaxTrackedDistinct = size_t(1) << 16;  // raw columns: cardinality cap

// ---- Java-compatible text forms for metadata.properties ----

// Float.toString / Double.toString (shortest repr digits, Java layout).
std::string JavaFloating(double v, bool is_float) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  auto r = is_float ? std::to_chars(buf, buf + sizeof buf, float(v), std::chars_format::scientific)
                    : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  size_t e = s.find('e');
  int exp = std::stoi(s.substr(e + 1));
  std::string digits = s.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string out = neg ? "-" : "";
  double a = std::fabs(v);
  if (a >= 1e-3 && a < 1e7) {
    if (exp >= 0) {
      std::string ip = digits.substr(0, std::min<size_t>(digits.size(), size_t(exp) + 1));
      while (ip.size() < size_t(exp) + 1) ip.push_back('0');
      std::string fp = digits.size() > size_t(exp) + 1 ? digits.substr(size_t(exp) + 1) : "0";
      out += ip + "." + fp;
    } else {
      out += "0." + std::string(size_t(-exp - 1), '0') + digits;
    }
  } else {
    out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" +
           std::to_string(exp);
  }
  return out;
}

std::string Hex(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// UTF-8 -> UTF-16 code units (for escaping and length checks).
std::u16string Utf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if (c >= 0xF0 && i + 3 < s.size() + 0) {
      cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
           (s[i + 3] & 0x3Fu);
      n = 4;
    } else if (c >= 0xE0 && i + 2 < s.size()) {
      cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
      n = 3;
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
      n = 2;
    } else {
      cp = 0xFFFD;
      n = 1;
    }
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(char16_t(0xD800 + (cp >> 10)));
      out.push_back(char16_t(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(char16_t(cp));
    }
  }
  return out;
}

// commons-configuration2 PropertiesWriter value/key escaping with LegacyListDelimiterHandler(','):
// '\' doubled, \t \n \r \f, other chars outside [0x20, 0x7F] as \uXXXX (UTF-16), ',' as "\,".
// Keys additionally escape the separators ' ', '=', ':' and the comment starters '#', '!'.
std::string EscapeProperty(std::string_view s, bool key) {
  std::string out;
  char buf[8];
  for (char16_t c : Utf16(s)) {
    switch (c) {
      case u'\\':
        out += "\\\\";
        continue;
      case u'\t':
        out += "\\t";
        continue;
      case u'\n':
        out += "\\n";
        continue;
      case u'\r':
        out += "\\r";
        continue;
      case u'\f':
        out += "\\f";
        continue;
      case u',':
        out += "\\,";
        continue;
      default:
        break;
    }
    if (key && (c == u' ' || c == u'=' || c == u':' || c == u'#' || c == u'!')) {
      out.push_back('\\');
      out.push_back(char(c));
      continue;
    }
    if (c < 0x20 || c > 0x7F) {
      std::snprintf(buf, sizeof buf, "\\u%04X", unsigned(c));
      out += buf;
      continue;
    }
    out.push_back(char(c));
  }
  return out;
}

// CommonsConfigurationUtils.replaceSpecialCharacterInPropertyValue; nullopt if the value holds a
// surrogate (supplementary character): Pinot then omits it.
std::optional<std::string> ReplaceSpecial(std::string_view v) {
  if (v.empty()) return std::string();
  for (unsigned char c : v) {
    if (c >= 0xF0) return std::nullopt;
  }
  std::string s;
  for (char c : v) {
    if (c == ',')
      s += std::string("\0\0", 2);
    else
      s.push_back(c);
  }
  if (s.front() == ' ') s.insert(s.begin(), '\0');
  if (s.back() == ' ') s.push_back('\0');
  return s;
}

class Props {
 public:
  void Set(const std::string& key, const std::string& value) {
    text_ += EscapeProperty(key, true) + " = " + EscapeProperty(value, false) + "\n";
  }
  // A list property (comma-joined; items are escaped individually).
  void SetList(const std::string& key, const std::vector<std::string>& items) {
    if (items.empty()) return;  // setProperty(key, emptyList) writes nothing
    std::string v;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) v += ",";
      v += EscapeProperty(items[i], false);
    }
    text_ += EscapeProperty(key, true) + " = " + v + "\n";
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// ---- Column values as keys ----

bool IsBinary(StoredType st) { return st == StoredType::kBinary; }

// Numeric values are handled as 64-bit keys: INT sign-extended, FLOAT/DOUBLE IEEE bits (NaN
// canonical, as Float.floatToIntBits / Double.doubleToLongBits).
uint64_t NumKey(StoredType st, const ColumnValues& v, size_t k) {
  switch (st) {
    case StoredType::kInt32:
      return uint64_t(int64_t(int32_t(v.ints[k])));
    case StoredType::kInt64:
      return uint64_t(v.ints[k]);
    case StoredType::kFloat: {
      float f = float(v.reals[k]);
      if (std::isnan(f)) return 0x7FC00000u;
      uint32_t b;
      std::memcpy(&b, &f, 4);
      return b;
    }
    case StoredType::kDouble: {
      double d = v.reals[k];
      if (std::isnan(d)) return 0x7FF8000000000000ull;
      uint64_t b;
      std::memcpy(&b, &d, 8);
      return b;
    }
    default:
      return 0;
  }
}

// Arrays.sort order: numeric, with Float.compare / Double.compare for -0.0 and NaN.
bool NumLess(StoredType st, uint64_t a, uint64_t b) {
  switch (st) {
    case StoredType::kInt32:
    case StoredType::kInt64:
      return int64_t(a) < int64_t(b);
    case StoredType::kFloat: {
      float x, y;
      uint32_t ba = uint32_t(a), bb = uint32_t(b);
      std::memcpy(&x, &ba, 4);
      std::memcpy(&y, &bb, 4);
      if (x < y) return true;
      if (x > y) return false;
      return int32_t(ba) < int32_t(bb);
    }
    case StoredType::kDouble: {
      double x, y;
      std::memcpy(&x, &a, 8);
      std::memcpy(&y, &b, 8);
      if (x < y) return true;
      if (x > y) return false;
      return int64_t(a) < int64_t(b);
    }
    default:
      return false;
  }
}

void AppendNumBE(StoredType st, uint64_t key, std::string* out) {
  if (segment::FixedWidth(st) == 4)
    AppendBE32(out, uint32_t(key));
  else
    AppendBE64(out, key);
}

std::string NumText(DataType t, StoredType st, uint64_t key) {
  switch (st) {
    case StoredType::kInt32:
      return std::to_string(int32_t(key));
    case StoredType::kInt64:
      return std::to_string(int64_t(key));
    case StoredType::kFloat: {
      uint32_t b = uint32_t(key);
      float f;
      std::memcpy(&f, &b, 4);
      return JavaFloating(f, true);
    }
    case StoredType::kDouble: {
      double d;
      std::memcpy(&d, &key, 8);
      return JavaFloating(d, false);
    }
    default:
      (void)t;
      return "";
  }
}

// Binary order of the data type: STRING/JSON String.compareTo, BYTES ByteArray.compare (unsigned
// lexicographic), BIG_DECIMAL BigDecimal.compareTo.
int BinCompare(DataType t, std::string_view a, std::string_view b) {
  if (t == DataType::kString || t == DataType::kJson) return CompareUtf16Order(a, b);
  if (t == DataType::kBigDecimal) return CompareBigDecimal(a, b);
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// Values of one doc after null/default substitution.
struct DocValues {
  bool is_null = false;
  std::vector<uint64_t> num;
  std::vector<std::string_view> bin;
  size_t size() const { return std::max(num.size(), bin.size()); }
};

struct Column {
  const ColumnSpec* spec = nullptr;
  size_t index = 0;
  StoredType st = StoredType::kInt32;
  bool binary = false;
  bool dict = true;
  uint64_t def_num = 0;
  std::string def_bin;
  std::string def_text;

  // Statistics (AbstractColumnStatisticsCollector and subclasses).
  uint64_t total_entries = 0;
  uint32_t max_mv = 0;
  uint32_t shortest = UINT32_MAX, longest = 0;
  uint32_t max_row_len = 0;
  bool ascii = true;
  bool sorted = true;
  bool have_prev = false;
  uint64_t prev_num = 0;
  std::string prev_bin;
  bool have_minmax = false;
  uint64_t min_num = 0, max_num = 0;
  std::string min_bin, max_bin;
  std::vector<uint32_t> null_docs;
  uint64_t null_count = 0;
  std::unordered_set<uint64_t> distinct_num;
  std::unordered_set<std::string> distinct_bin;
  bool distinct_capped = false;

  // Dictionary.
  std::vector<uint64_t> dict_num;
  std::vector<std::string> dict_bin;
  std::unordered_map<uint64_t, uint32_t> id_num;
  std::unordered_map<std::string_view, uint32_t> id_bin;
  uint32_t cardinality = 0;
  int bits = 1;
  bool var_length_dict = false;
  uint32_t dict_width = 0;  // lengthOfEachEntry (0 for fixed-width numeric types)

  // Files written (v1 names).
  std::string fwd_file, dict_file, null_file;
};

// Reads the column batch by batch and calls fn(doc, values) for every doc.
template <typename Fn>
Status Scan(ValueSource& src, Column& col, uint32_t total, Fn fn) {
  ColumnValues cv;
  DocValues dv;
  const ColumnSpec& s = *col.spec;
  for (uint32_t first = 0; first < total; first += kBatch) {
    const uint32_t n = std::min(kBatch, total - first);
    cv.Clear();
    PE_RETURN_IF_ERROR(src.Fill(col.index, first, n, &cv));
    const std::string what = "column " + s.name + " docs [" + std::to_string(first) + ", " +
                             std::to_string(first + n) + ")";
    if (!s.single_value && cv.offsets.size() != size_t(n) + 1)
      return Status::InvalidArgument(what + ": multi-value batch needs n + 1 offsets");
    const size_t nv = s.single_value ? n : cv.offsets[n];
    const size_t have = col.binary ? cv.bin_offsets.size() - 1
                        : (col.st == StoredType::kFloat || col.st == StoredType::kDouble)
                            ? cv.reals.size()
                            : cv.ints.size();
    if (have < nv) return Status::InvalidArgument(what + ": too few values");
    if (!cv.nulls.empty() && cv.nulls.size() != n)
      return Status::InvalidArgument(what + ": nulls must have one entry per doc");
    for (uint32_t i = 0; i < n; ++i) {
      dv.num.clear();
      dv.bin.clear();
      dv.is_null = !cv.nulls.empty() && cv.nulls[i];
      size_t b = i, e = size_t(i) + 1;
      if (!s.single_value) {
        b = cv.offsets[i];
        e = cv.offsets[i + 1];
        if (e < b) return Status::InvalidArgument(what + ": offsets decrease");
        // An empty multi-value doc is null (NullValueTransformer stores [defaultNullValue]).
        if (b == e) dv.is_null = true;
      }
      if (dv.is_null) {
        if (col.binary)
          dv.bin.push_back(col.def_bin);
        else
          dv.num.push_back(col.def_num);
      } else {
        for (size_t k = b; k < e; ++k) {
          if (col.binary)
            dv.bin.push_back(cv.binary(k));
          else
            dv.num.push_back(NumKey(col.st, cv, k));
        }
      }
      PE_RETURN_IF_ERROR(fn(first + i, dv));
    }
  }
  return Status::OK();
}

Status InitColumn(const ColumnSpec& s, size_t index, Column* c) {
  c->spec = &s;
  c->index = index;
  switch (s.type) {
    case DataType::kInt:
    case DataType::kLong:
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kBigDecimal:
    case DataType::kBoolean:
    case DataType::kTimestamp:
    case DataType::kString:
    case DataType::kJson:
    case DataType::kBytes:
      break;
    default:
      return Status::NotSupported("column " + s.name + ": the sample writer cannot write " +
                                  segment::DataTypeName(s.type));
  }
  c->st = segment::StoredTypeOf(s.type);
  c->binary = IsBinary(c->st);
  c->dict = s.encoding == Encoding::kDictionary;
  if (!c->dict) {
    int v = s.raw_version;
    if (v < 2 || v > 6)
      return Status::InvalidArgument("column " + s.name + ": raw version must be 2..6");
    if ((s.codec == Codec::kDelta || s.codec == Codec::kDeltaDelta) &&
        !(s.single_value && (c->st == StoredType::kInt32 || c->st == StoredType::kInt64))) {
      return Status::InvalidArgument("column " + s.name +
                                     ": DELTA/DELTADELTA apply to raw single-value INT/LONG only");
    }
  }
  c->def_text = s.default_null_value ? *s.default_null_value : DefaultNullValueText(s.type, s.role);
  const std::string& t = c->def_text;
  try {
    switch (s.type) {
      case DataType::kInt:
        c->def_num = uint64_t(int64_t(int32_t(std::stol(t))));
        break;
      case DataType::kLong:
      case DataType::kTimestamp:
        c->def_num = uint64_t(std::stoll(t));
        break;
      case DataType::kBoolean:
        c->def_num = (t == "1" || t == "true") ? 1 : 0;
        break;
      case DataType::kFloat: {
        float f = t == "-Infinity" ? -INFINITY : t == "Infinity" ? INFINITY : std::stof(t);
        uint32_t b;
        std::memcpy(&b, &f, 4);
        c->def_num = b;
        break;
      }
      case DataType::kDouble: {
        double d = t == "-Infinity" ? -INFINITY : t == "Infinity" ? INFINITY : std::stod(t);
        std::memcpy(&c->def_num, &d, 8);
        break;
      }
      case DataType::kBigDecimal: {
        PE_ASSIGN_OR_RETURN(c->def_bin, BigDecimalFromString(t));
        break;
      }
      case DataType::kBytes: {
        if (t.size() % 2) return Status::InvalidArgument("BYTES default must be hex");
        for (size_t i = 0; i < t.size(); i += 2) {
          c->def_bin.push_back(char(std::stoi(t.substr(i, 2), nullptr, 16)));
        }
        break;
      }
      default:
        c->def_bin = t;
    }
  } catch (...) {
    return Status::InvalidArgument("column " + s.name + ": bad default null value '" + t + "'");
  }
  return Status::OK();
}

// Pass 1: ColumnStatistics (+ the distinct values the dictionary is built from).
Status CollectStats(ValueSource& src, uint32_t total, Column& c) {
  const DataType t = c.spec->type;
  const bool sv = c.spec->single_value;
  return Scan(src, c, total, [&](uint32_t doc, const DocValues& dv) -> Status {
    if (dv.is_null) c.null_docs.push_back(doc);
    const size_t n = dv.size();
    c.total_entries += n;
    c.max_mv = std::max(c.max_mv, uint32_t(n));
    uint32_t row_len = 0;
    for (size_t k = 0; k < n; ++k) {
      if (c.binary) {
        std::string_view v = dv.bin[k];
        c.shortest = std::min(c.shortest, uint32_t(v.size()));
        c.longest = std::max(c.longest, uint32_t(v.size()));
        row_len += uint32_t(v.size());
        if (c.ascii && (t == DataType::kString || t == DataType::kJson)) {
          for (unsigned char ch : v) {
            if (ch >= 0x80) {
              c.ascii = false;
              break;
            }
          }
        }
        if (!c.have_minmax) {
          c.min_bin = c.max_bin = std::string(v);
          c.have_minmax = true;
        } else if (BinCompare(t, v, c.min_bin) < 0) {
          c.min_bin = std::string(v);
        } else if (BinCompare(t, v, c.max_bin) > 0) {
          c.max_bin = std::string(v);
        }
        if (!c.distinct_capped) {
          c.distinct_bin.emplace(v);
          if (!c.dict && c.distinct_bin.size() > kMaxTrackedDistinct) c.distinct_capped = true;
        }
        if (sv) {
          if (c.have_prev && BinCompare(t, v, c.prev_bin) < 0) c.sorted = false;
          c.prev_bin.assign(v);
          c.have_prev = true;
        }
      } else {
        uint64_t v = dv.num[k];
        if (!c.have_minmax) {
          c.min_num = c.max_num = v;
          c.have_minmax = true;
        } else if (NumLess(c.st, v, c.min_num)) {
          c.min_num = v;
        } else if (NumLess(c.st, c.max_num, v)) {
          c.max_num = v;
        }
        if (!c.distinct_capped) {
          c.distinct_num.insert(v);
          if (!c.dict && c.distinct_num.size() > kMaxTrackedDistinct) c.distinct_capped = true;
        }
        if (sv) {
          if (c.have_prev && NumLess(c.st, v, c.prev_num)) c.sorted = false;
          c.prev_num = v;
          c.have_prev = true;
        }
      }
    }
    c.max_row_len = std::max(c.max_row_len, row_len);
    return Status::OK();
  });
}

// SegmentDictionaryCreator.build: sorted values; numbers BE, strings '\0'-padded to the longest,
// BYTES/BIG_DECIMAL fixed when all lengths are equal, else (or with useVarLengthDictionary) the
// VarLengthValueWriter ".vl;" layout.
Status WriteDictionary(const std::string& dir, Column& c) {
  const DataType t = c.spec->type;
  std::string b;
  if (c.binary) {
    c.dict_bin.assign(c.distinct_bin.begin(), c.distinct_bin.end());
    c.distinct_bin.clear();
    std::sort(c.dict_bin.begin(), c.dict_bin.end(),
              [&](const std::string& x, const std::string& y) { return BinCompare(t, x, y) < 0; });
    c.cardinality = uint32_t(c.dict_bin.size());
    for (uint32_t i = 0; i < c.cardinality; ++i) c.id_bin.emplace(c.dict_bin[i], i);
    uint32_t width = 0;
    bool same = true;
    for (const auto& v : c.dict_bin) {
      width = std::max(width, uint32_t(v.size()));
      same &= v.size() == c.dict_bin[0].size();
    }
    c.dict_width = width;
    const bool padded = t == DataType::kString || t == DataType::kJson;
    c.var_length_dict =
        padded ? c.spec->var_length_dictionary : (c.spec->var_length_dictionary || !same);
    if (c.var_length_dict) {
      const uint32_t n = c.cardinality;
      b.append(".vl;");
      AppendBE32(&b, 1);
      AppendBE32(&b, n);
      AppendBE32(&b, 16);
      uint32_t off = 16 + 4 * (n + 1);
      for (const auto& v : c.dict_bin) {
        AppendBE32(&b, off);
        off += uint32_t(v.size());
      }
      AppendBE32(&b, off);
      for (const auto& v : c.dict_bin) b.append(v);
    } else {
      b.reserve(size_t(width) * c.cardinality);
      for (const auto& v : c.dict_bin) {
        b.append(v);
        b.append(width - v.size(), '\0');
      }
    }
  } else {
    c.dict_num.assign(c.distinct_num.begin(), c.distinct_num.end());
    c.distinct_num.clear();
    std::sort(c.dict_num.begin(), c.dict_num.end(),
              [&](uint64_t x, uint64_t y) { return NumLess(c.st, x, y); });
    c.cardinality = uint32_t(c.dict_num.size());
    for (uint32_t i = 0; i < c.cardinality; ++i) c.id_num.emplace(c.dict_num[i], i);
    for (uint64_t v : c.dict_num) AppendNumBE(c.st, v, &b);
  }
  c.bits = BitsFor(c.cardinality ? c.cardinality - 1 : 0);
  c.dict_file = c.spec->name + ".dict";
  return WriteFileAtomic(dir + "/" + c.dict_file, b);
}

// ArraySerDeUtils: fixed MV = [BE int n][values] (V5/V6: values only); var MV = [BE int n]
// [n BE int lengths][bytes].
void SerializeEntry(const Column& c, const DocValues& dv, bool mv_count, std::string* e) {
  e->clear();
  if (c.spec->single_value) {
    if (c.binary)
      e->assign(dv.bin[0]);
    else
      AppendNumBE(c.st, dv.num[0], e);
    return;
  }
  if (c.binary) {
    AppendBE32(e, uint32_t(dv.bin.size()));
    for (auto v : dv.bin) AppendBE32(e, uint32_t(v.size()));
    for (auto v : dv.bin) e->append(v);
    return;
  }
  if (mv_count) AppendBE32(e, uint32_t(dv.num.size()));
  for (uint64_t v : dv.num) AppendNumBE(c.st, v, e);
}

// Pass 2: the forward index (ForwardIndexCreatorFactory.createIndexCreator dispatch).
Status WriteForward(ValueSource& src, const std::string& dir, uint32_t total, Column& c) {
  const ColumnSpec& s = *c.spec;
  std::unique_ptr<ForwardWriter> w;
  bool mv_count = true;
  if (c.dict) {
    const bool sorted = s.single_value && c.sorted;
    c.fwd_file =
        s.name + (s.single_value ? (sorted ? ".sv.sorted.fwd" : ".sv.unsorted.fwd") : ".mv.fwd");
    PE_ASSIGN_OR_RETURN(auto out, OutFile::Create(dir + "/" + c.fwd_file));
    if (sorted)
      w = NewSortedSV(std::move(out), c.cardinality);
    else if (s.single_value)
      w = NewFixedBitSV(std::move(out), c.bits);
    else if (s.mv_entry_dict)
      w = NewEntryDictMV(std::move(out), total, c.bits);
    else
      w = NewFixedBitMV(std::move(out), total, c.total_entries, c.bits);
  } else {
    c.fwd_file = s.name + (s.single_value ? ".sv.raw.fwd" : ".mv.raw.fwd");
    PE_ASSIGN_OR_RETURN(auto out, OutFile::Create(dir + "/" + c.fwd_file));
    const int v = s.raw_version;
    const int64_t size = segment::FixedWidth(c.st);
    if (s.single_value && !c.binary) {
      // SingleValueFixedByteRawIndexCreator.
      w = NewFixedByteChunk(std::move(out), v, s.codec, total, uint32_t(s.target_docs_per_chunk),
                            uint32_t(size));
    } else if (s.single_value) {
      // SingleValueVarByteRawIndexCreator.
      if (v < 4) {
        uint32_t dpc = s.derive_docs_per_chunk
                           ? uint32_t(std::max<int64_t>(
                                 s.target_max_chunk_bytes / (int64_t(c.longest) + 4), 1))
                           : uint32_t(s.target_docs_per_chunk);
        w = NewVarByteChunk(std::move(out), v, s.codec, total, dpc, c.longest);
      } else {
        uint32_t cs =
            DynamicTargetChunkSize(c.longest, s.target_docs_per_chunk, s.target_max_chunk_bytes);
        w = NewVarByteV4(std::move(out), v == 6 ? 6 : 4, s.codec, cs);
      }
    } else if (!c.binary) {
      // MultiValueFixedByteRawIndexCreator.
      if (v < 4) {
        int64_t max_len = 4 + int64_t(c.max_mv) * size;
        uint32_t dpc =
            s.derive_docs_per_chunk
                ? uint32_t(std::max<int64_t>(s.target_max_chunk_bytes / (max_len + 4), 1))
                : uint32_t(s.target_docs_per_chunk);
        w = NewVarByteChunk(std::move(out), v, s.codec, total, dpc, uint32_t(max_len));
      } else {
        mv_count = v == 4;
        int64_t max_len = (mv_count ? 4 : 0) + int64_t(c.max_mv) * size;
        uint32_t cs =
            DynamicTargetChunkSize(max_len, s.target_docs_per_chunk, s.target_max_chunk_bytes);
        w = NewVarByteV4(std::move(out), v, s.codec, cs);
      }
    } else {
      // MultiValueVarByteRawIndexCreator (a v5 config falls back to V4).
      int64_t max_len = 4 * int64_t(c.max_mv) + 4 + int64_t(c.max_row_len);
      if (v < 4) {
        uint32_t dpc = uint32_t(std::max<int64_t>(s.target_max_chunk_bytes / (max_len + 4), 1));
        w = NewVarByteChunk(std::move(out), v, s.codec, total, dpc, uint32_t(max_len));
      } else {
        uint32_t cs =
            DynamicTargetChunkSize(max_len, s.target_docs_per_chunk, s.target_max_chunk_bytes);
        w = NewVarByteV4(std::move(out), v == 6 ? 6 : 4, s.codec, cs);
      }
    }
  }
  std::vector<uint32_t> ids;
  std::string entry;
  PE_RETURN_IF_ERROR(Scan(src, c, total, [&](uint32_t, const DocValues& dv) -> Status {
    if (c.dict) {
      ids.clear();
      if (c.binary) {
        for (auto v : dv.bin) ids.push_back(c.id_bin.at(v));
      } else {
        for (auto v : dv.num) ids.push_back(c.id_num.at(v));
      }
      return w->AddIds(ids.data(), ids.size());
    }
    SerializeEntry(c, dv, mv_count, &entry);
    return w->AddEntry(entry);
  }));
  return w->Finish();
}

// NullValueVectorCreator.seal: RoaringBitmapWriter (run-compressed containers), serialize().
Status WriteNullVector(const std::string& dir, Column& c) {
  if (!c.spec->null_vector || c.null_docs.empty()) return Status::OK();
  roaring_bitmap_t* bm = roaring_bitmap_of_ptr(c.null_docs.size(), c.null_docs.data());
  roaring_bitmap_run_optimize(bm);
  std::string b(roaring_bitmap_portable_size_in_bytes(bm), '\0');
  roaring_bitmap_portable_serialize(bm, b.data());
  roaring_bitmap_free(bm);
  c.null_file = c.spec->name + ".bitmap.nullvalue";
  return WriteFileAtomic(dir + "/" + c.null_file, b);
}

std::string RoleName(FieldRole r) {
  return r == FieldRole::kMetric ? "METRIC" : r == FieldRole::kDateTime ? "DATE_TIME" : "DIMENSION";
}

// BaseSegmentCreator.writeMetadata + addColumnMetadataInfo (key order as Pinot writes them).
std::string MetadataText(const SegmentSpec& spec, std::vector<Column>& cols) {
  Props p;
  if (!spec.creator_version.empty()) p.Set("creator.version", spec.creator_version);
  p.Set("segment.padding.character", std::string(1, '\0'));
  p.Set("segment.name", spec.name);
  p.Set("segment.table.name", spec.table);
  std::vector<std::string> dims, metrics, datetimes;
  for (const auto& c : cols) {
    if (c.spec->role == FieldRole::kMetric)
      metrics.push_back(c.spec->name);
    else if (c.spec->role == FieldRole::kDateTime)
      datetimes.push_back(c.spec->name);
    else
      dims.push_back(c.spec->name);
  }
  p.SetList("segment.dimension.column.names", dims);
  p.SetList("segment.metric.column.names", metrics);
  p.SetList("segment.datetime.column.names", datetimes);
  if (!spec.time_column.empty()) p.Set("segment.time.column.name", spec.time_column);
  p.Set("segment.total.docs", std::to_string(spec.num_docs));
  for (const auto& c : cols) {
    if (c.spec->name != spec.time_column || spec.num_docs == 0 || !c.have_minmax || c.binary)
      continue;
    p.Set("segment.start.time", std::to_string(int64_t(c.min_num)));
    p.Set("segment.end.time", std::to_string(int64_t(c.max_num)));
    p.Set("segment.time.unit", spec.time_unit);
  }
  for (const auto& [k, v] : spec.custom) p.Set("custom." + k, v);
  for (auto& c : cols) {
    const ColumnSpec& s = *c.spec;
    const std::string pre = "column." + s.name + ".";
    const bool is_string =
        c.st == StoredType::kBinary && (s.type == DataType::kString || s.type == DataType::kJson);
    p.Set(pre + "columnType", RoleName(s.role));
    p.Set(pre + "dataType", segment::DataTypeName(s.type));
    p.Set(pre + "isSingleValues", s.single_value ? "true" : "false");
    if (is_string) {
      if (auto v = ReplaceSpecial(c.def_text)) p.Set(pre + "defaultNullValue", *v);
    } else {
      p.Set(pre + "defaultNullValue", c.def_text);
    }
    if (s.role == FieldRole::kDateTime) {
      p.Set(pre + "datetimeFormat", s.datetime_format);
      p.Set(pre + "datetimeGranularity", s.datetime_granularity);
    }
    p.Set(pre + "totalDocs", std::to_string(spec.num_docs));
    const uint32_t card = c.cardinality;
    p.Set(pre + "cardinality", std::to_string(card));
    p.Set(pre + "hasDictionary", c.dict ? "true" : "false");
    p.Set(pre + "forwardIndexEncoding", c.dict ? "DICTIONARY" : "RAW");
    p.Set(pre + "isSorted", s.single_value && c.sorted ? "true" : "false");
    if (c.binary) {
      p.Set(pre + "lengthOfShortestElement",
            std::to_string(c.shortest == UINT32_MAX ? 0 : c.shortest));
      p.Set(pre + "lengthOfLongestElement", std::to_string(c.longest));
      if (is_string) p.Set(pre + "isAscii", c.ascii ? "true" : "false");
      if (!s.single_value) p.Set(pre + "maxRowLengthInBytes", std::to_string(c.max_row_len));
    }
    p.Set(pre + "lengthOfEachEntry", std::to_string(c.dict ? c.dict_width : 0));
    p.Set(pre + "bitsPerElement", std::to_string(BitsFor(card ? card - 1 : 0)));
    p.Set(pre + "maxNumberOfMultiValues", std::to_string(s.single_value ? 0 : c.max_mv));
    p.Set(pre + "totalNumberOfEntries", std::to_string(c.total_entries));
    if (spec.num_docs > 0 && c.have_minmax) {
      std::optional<std::string> mn, mx;
      if (!c.binary) {
        mn = NumText(s.type, c.st, c.min_num);
        mx = NumText(s.type, c.st, c.max_num);
      } else if (is_string) {
        if (Utf16(c.min_bin).size() <= 512) mn = ReplaceSpecial(c.min_bin);
        if (Utf16(c.max_bin).size() <= 512) mx = ReplaceSpecial(c.max_bin);
      } else if (s.type == DataType::kBigDecimal) {
        auto a = segment::BigDecimalToString(c.min_bin), b = segment::BigDecimalToString(c.max_bin);
        if (a.ok()) mn = *a;
        if (b.ok()) mx = *b;
      } else {
        if (c.min_bin.size() * 2 <= 512) mn = Hex(c.min_bin);
        if (c.max_bin.size() * 2 <= 512) mx = Hex(c.max_bin);
      }
      if (mn) p.Set(pre + "minValue", *mn);
      if (mx) p.Set(pre + "maxValue", *mx);
      if (!mn && !mx) p.Set(pre + "minMaxValueInvalid", "true");
    }
    if (s.null_vector && c.null_count == 0) p.Set(pre + "isNonNull", "true");
  }
  if (!spec.realtime_start_offset.empty())
    p.Set("segment.realtime.startOffset", spec.realtime_start_offset);
  if (!spec.realtime_end_offset.empty())
    p.Set("segment.realtime.endOffset", spec.realtime_end_offset);
  return p.text();
}

// CrcUtils.crcForFiles: Adler32 over the files' bytes, in the given order.
Result<int64_t> Adler(const std::vector<std::string>& paths) {
  uLong a = adler32(0L, Z_NULL, 0);
  for (const auto& p : paths) {
    PE_ASSIGN_OR_RETURN(MappedFile m, MappedFile::Open(p));
    const uint8_t* d = m.data();
    size_t n = m.size();
    while (n > 0) {
      uInt k = uInt(std::min<size_t>(n, 1u << 30));
      a = adler32(a, d, k);
      d += k;
      n -= k;
    }
  }
  return int64_t(a);
}

// Files of `dir` (recursively), sorted by path, minus creation.meta and *.crc; data_only keeps
// *.fwd and *.dict (CrcUtils.collectFiles).
std::vector<std::string> CrcFiles(const std::string& dir, bool data_only) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    if (name == "creation.meta" || name.ends_with(".crc")) continue;
    if (data_only && !name.ends_with(".fwd") && !name.ends_with(".dict")) continue;
    out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const char* kPsfMagic = "\xDE\xAD\xBE\xEF\xDE\xAF\xBE\xAD";

// SegmentV1V2ToV3FormatConverter: columns in name order, each column's indexes in sorted index id
// order (IndexService): dictionary, forward_index, nullvalue_vector; each entry = magic + bytes.
Status ConvertToV3(const std::string& dir, const std::string& metadata, std::vector<Column>& cols) {
  const std::string v3 = dir + "/v3";
  std::error_code ec;
  fs::create_directories(v3, ec);
  if (ec) return Status::IOError("cannot create " + v3 + ": " + ec.message());
  PE_RETURN_IF_ERROR(
      WriteFileAtomic(v3 + "/metadata.properties", metadata + "segment.index.version = v3\n"));
  PE_ASSIGN_OR_RETURN(auto psf, OutFile::Create(v3 + "/columns.psf"));
  std::string map;
  std::vector<Column*> order;
  for (auto& c : cols) order.push_back(&c);
  std::sort(order.begin(), order.end(),
            [](const Column* a, const Column* b) { return a->spec->name < b->spec->name; });
  for (Column* c : order) {
    const std::pair<const char*, std::string*> idx[] = {{"dictionary", &c->dict_file},
                                                        {"forward_index", &c->fwd_file},
                                                        {"nullvalue_vector", &c->null_file}};
    for (const auto& [id, file] : idx) {
      if (file->empty()) continue;
      const std::string path = dir + "/" + *file;
      uint64_t start = psf->size();
      PE_RETURN_IF_ERROR(psf->Append(std::string_view(kPsfMagic, 8)));
      PE_RETURN_IF_ERROR(psf->AppendFile(path));
      uint64_t size = psf->size() - start;
      const std::string key = EscapeProperty(c->spec->name, true) + "." + id;
      map += key + ".startOffset = " + std::to_string(start) + "\n";
      map += key + ".size = " + std::to_string(size) + "\n";
      fs::remove(path, ec);
    }
  }
  PE_RETURN_IF_ERROR(psf->Close());
  PE_RETURN_IF_ERROR(WriteFileAtomic(v3 + "/index_map", map));
  fs::remove(dir + "/metadata.properties", ec);
  return Status::OK();
}

}  // namespace

Result<ColumnValues> ExpectedValues(const ColumnSpec& spec, const ColumnValues& in,
                                    uint32_t num_docs) {
  Column c;
  PE_RETURN_IF_ERROR(InitColumn(spec, 0, &c));
  std::vector<ColumnValues> one{in};
  MemorySource src(std::move(one));
  ColumnValues out;
  if (!spec.single_value) out.offsets.push_back(0);
  std::vector<uint8_t> nulls;
  bool any = false;
  PE_RETURN_IF_ERROR(Scan(src, c, num_docs, [&](uint32_t, const DocValues& dv) -> Status {
    nulls.push_back(dv.is_null);
    any |= dv.is_null;
    const size_t n = dv.size();
    for (size_t k = 0; k < n; ++k) {
      if (c.binary) {
        out.AddBinary(dv.bin[k]);
        continue;
      }
      uint64_t v = dv.num[k];
      switch (c.st) {
        case StoredType::kInt32:
          out.ints.push_back(int32_t(v));
          break;
        case StoredType::kInt64:
          out.ints.push_back(int64_t(v));
          break;
        case StoredType::kFloat: {
          uint32_t b = uint32_t(v);
          float f;
          std::memcpy(&f, &b, 4);
          out.reals.push_back(f);
          break;
        }
        default: {
          double d;
          std::memcpy(&d, &v, 8);
          out.reals.push_back(d);
        }
      }
    }
    if (!spec.single_value) out.offsets.push_back(out.offsets.back() + uint32_t(n));
    return Status::OK();
  }));
  if (spec.null_vector && any) out.nulls = std::move(nulls);
  return out;
}

Result<WrittenSegment> WriteSegment(const SegmentSpec& spec, ValueSource& source,
                                    const std::string& out_dir) {
  if (spec.name.empty() || spec.name.find('/') != std::string::npos || spec.name == "." ||
      spec.name == "..") {
    return Status::InvalidArgument("bad segment name '" + spec.name + "'");
  }
  std::vector<Column> cols(spec.columns.size());
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    if (!names.insert(spec.columns[i].name).second) {
      return Status::InvalidArgument("duplicate column " + spec.columns[i].name);
    }
    PE_RETURN_IF_ERROR(InitColumn(spec.columns[i], i, &cols[i]));
  }
  WrittenSegment ws;
  ws.dir = out_dir + "/" + spec.name;
  std::error_code ec;
  fs::remove_all(ws.dir, ec);
  fs::create_directories(ws.dir, ec);
  if (ec) return Status::IOError("cannot create " + ws.dir + ": " + ec.message());

  for (auto& c : cols) {
    Status st = CollectStats(source, spec.num_docs, c);
    if (!c.dict) {
      // Raw columns: cardinality is metadata only (capped at kMaxTrackedDistinct distinct values).
      c.cardinality = uint32_t(c.binary ? c.distinct_bin.size() : c.distinct_num.size());
      c.distinct_num = {};
      c.distinct_bin = {};
    }
    if (st.ok() && c.dict && spec.num_docs > 0) st = WriteDictionary(ws.dir, c);
    if (st.ok() && spec.num_docs > 0) st = WriteForward(source, ws.dir, spec.num_docs, c);
    if (st.ok()) st = WriteNullVector(ws.dir, c);
    if (!st.ok()) return st.WithContext("segment " + spec.name);
    // Keep only what metadata needs; free the column's dictionary lookups.
    c.id_num.clear();
    c.id_bin.clear();
    c.dict_num.clear();
    c.dict_bin.clear();
    c.distinct_num = {};
    c.distinct_bin = {};
    c.null_count = c.null_docs.size();
    c.null_docs = {};
  }
  const std::string metadata = MetadataText(spec, cols);
  PE_RETURN_IF_ERROR(WriteFileAtomic(ws.dir + "/metadata.properties", metadata));
  PE_ASSIGN_OR_RETURN(ws.data_crc, Adler(CrcFiles(ws.dir, true)));
  ws.metadata_dir = ws.dir;
  if (spec.v3) {
    PE_RETURN_IF_ERROR(ConvertToV3(ws.dir, metadata, cols));
    ws.metadata_dir = ws.dir + "/v3";
  }
  PE_ASSIGN_OR_RETURN(ws.crc, Adler(CrcFiles(ws.metadata_dir, false)));
  std::string cm;
  AppendBE64(&cm, uint64_t(ws.crc));
  AppendBE64(&cm, uint64_t(spec.creation_time_ms));
  AppendBE64(&cm, uint64_t(ws.data_crc));
  PE_RETURN_IF_ERROR(WriteFileAtomic(ws.metadata_dir + "/creation.meta", cm));
  return ws;
}

}  // namespace pe::sample
