// metadata.properties → SegmentMeta.
//
// Syntax (SPI/env/CommonsConfigurationUtils.fromFile: commons-configuration2
// PropertiesConfiguration with LegacyListDelimiterHandler(',')):
//   - logical lines; a line ending in an odd number of '\' continues on the next line;
//   - blank lines and lines whose first non-blank char is '#' or '!' are comments;
//   - key ends at the first unescaped '=', ':' or whitespace; separators and blanks are skipped;
//   - escapes \t \n \r \f \uXXXX (UTF-16, surrogate pairs joined), "\x" = x;
//   - an unescaped ',' in a value splits it into trimmed list items; "\," is a literal comma;
//   - a repeated key appends items. getString() returns the first item.
// Keys (S/V1Constants.MetadataKeys, S/index/metadata/ColumnMetadataImpl).
#include <charconv>
#include <cstring>

#include "segment/segment_internal.h"

namespace pe::segment {

namespace {

void AppendUtf8(std::string* s, uint32_t cp) {
  if (cp < 0x80) {
    s->push_back(char(cp));
  } else if (cp < 0x800) {
    s->push_back(char(0xC0 | (cp >> 6)));
    s->push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    s->push_back(char(0xE0 | (cp >> 12)));
    s->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    s->push_back(char(0x80 | (cp & 0x3F)));
  } else {
    s->push_back(char(0xF0 | (cp >> 18)));
    s->push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    s->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    s->push_back(char(0x80 | (cp & 0x3F)));
  }
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

std::string Trim(std::string s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

// Unescapes `in`; when `split` is set, unescaped commas separate items.
Status Unescape(std::string_view in, bool split, std::vector<std::string>* items) {
  std::string cur;
  uint32_t high_surrogate = 0;
  bool any_split = false;
  std::vector<std::string> out;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '\\' && i + 1 < in.size()) {
      char n = in[++i];
      switch (n) {
        case 't':
          cur.push_back('\t');
          break;
        case 'n':
          cur.push_back('\n');
          break;
        case 'r':
          cur.push_back('\r');
          break;
        case 'f':
          cur.push_back('\f');
          break;
        case 'u': {
          if (i + 4 >= in.size()) {
            return Status::Corruption("malformed \\u escape in metadata.properties");
          }
          uint32_t v = 0;
          for (int k = 1; k <= 4; ++k) {
            int h = HexVal(in[i + k]);
            if (h < 0) return Status::Corruption("malformed \\u escape in metadata.properties");
            v = v * 16 + uint32_t(h);
          }
          i += 4;
          if (v >= 0xD800 && v < 0xDC00) {
            high_surrogate = v;
            continue;
          }
          if (v >= 0xDC00 && v < 0xE000 && high_surrogate) {
            v = 0x10000 + ((high_surrogate - 0xD800) << 10) + (v - 0xDC00);
          }
          high_surrogate = 0;
          AppendUtf8(&cur, v);
          break;
        }
        default:
          cur.push_back(n);
          break;  // "\\", "\,", "\=", "\:", "\ " ...
      }
      continue;
    }
    if (split && c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
      any_split = true;
      continue;
    }
    cur.push_back(c);
  }
  out.push_back(std::move(cur));
  if (any_split) {
    for (auto& s : out) s = Trim(std::move(s));
  }
  for (auto& s : out) items->push_back(std::move(s));
  return Status::OK();
}

bool OddTrailingBackslashes(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[line.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

}  // namespace

Result<Properties> ParseProperties(std::string_view text) {
  Properties props;
  size_t pos = 0;
  while (pos < text.size()) {
    // Assemble a logical line.
    std::string logical;
    bool first = true;
    while (pos <= text.size()) {
      size_t eol = text.find_first_of("\r\n", pos);
      if (eol == std::string_view::npos) eol = text.size();
      std::string_view line = text.substr(pos, eol - pos);
      pos = eol;
      if (pos < text.size() && text[pos] == '\r') ++pos;
      if (pos < text.size() && text[pos] == '\n') ++pos;
      if (!first) {  // continuation lines drop leading blanks
        size_t b = 0;
        while (b < line.size() && IsBlank(line[b])) ++b;
        line.remove_prefix(b);
      }
      first = false;
      if (OddTrailingBackslashes(line) && pos < text.size()) {
        logical.append(line.substr(0, line.size() - 1));
        continue;
      }
      logical.append(line);
      break;
    }
    size_t b = 0;
    while (b < logical.size() && IsBlank(logical[b])) ++b;
    if (b == logical.size() || logical[b] == '#' || logical[b] == '!') continue;
    // Key: up to first unescaped '=', ':' or blank.
    size_t k = b;
    while (k < logical.size()) {
      char c = logical[k];
      if (c == '\\') {
        k += 2;
        continue;
      }
      if (c == '=' || c == ':' || IsBlank(c)) break;
      ++k;
    }
    if (k > logical.size()) k = logical.size();
    std::string_view raw_key = std::string_view(logical).substr(b, k - b);
    size_t v = k;
    while (v < logical.size() && IsBlank(logical[v])) ++v;
    if (v < logical.size() && (logical[v] == '=' || logical[v] == ':')) ++v;
    while (v < logical.size() && IsBlank(logical[v])) ++v;
    std::vector<std::string> key_items;
    PE_RETURN_IF_ERROR(Unescape(raw_key, false, &key_items));
    std::vector<std::string>& items = props[key_items[0]];
    PE_RETURN_IF_ERROR(Unescape(std::string_view(logical).substr(v), true, &items));
  }
  return props;
}

std::string GetString(const Properties& p, const std::string& key, const std::string& dflt) {
  auto it = p.find(key);
  if (it == p.end() || it->second.empty()) return dflt;
  return it->second[0];
}

namespace {

std::vector<std::string> GetList(const Properties& p, const std::string& key) {
  std::vector<std::string> out;
  auto it = p.find(key);
  if (it == p.end()) return out;
  for (const auto& s : it->second) {
    if (!s.empty()) out.push_back(s);  // "segment.datetime.column.names =" => [""] => dropped
  }
  return out;
}

// The full text of a possibly comma-split value (min/max/default values may contain commas).
std::string GetJoined(const Properties& p, const std::string& key) {
  auto it = p.find(key);
  if (it == p.end()) return "";
  std::string s;
  for (size_t i = 0; i < it->second.size(); ++i) {
    if (i) s += ",";
    s += it->second[i];
  }
  return s;
}

template <typename T>
Result<T> ParseInt(const std::string& key, const std::string& s) {
  T v{};
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    return Status::Corruption("metadata.properties: " + key + " is not an integer: '" + s + "'");
  }
  return v;
}

bool GetBool(const Properties& p, const std::string& key, bool dflt) {
  std::string s = GetString(p, key);
  if (s.empty()) return dflt;
  return s == "true" || s == "TRUE" || s == "True";
}

// recoverSpecialCharacterInPropertyValue (#11223): "\0\0" -> ',', leading "\0 " -> ' ', trailing "
// \0" -> ' '.
std::string RecoverSpecial(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\0' && i + 1 < s.size() && s[i + 1] == '\0') {
      out.push_back(',');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  if (out.size() >= 2 && out[0] == '\0' && out[1] == ' ') out.erase(0, 1);
  if (out.size() >= 2 && out[out.size() - 1] == '\0' && out[out.size() - 2] == ' ') out.pop_back();
  return out;
}

// java.util.concurrent.TimeUnit.toMillis(d) for the unit names Pinot writes in
// segment.time.unit: coarser units multiply, finer ones divide (truncating toward zero, as Java
// does). Java saturates at Long.MIN/MAX_VALUE where the product overflows; no real segment has such
// a time, so an unrepresentable value is an error here (the caller leaves the range unset).
Result<int64_t> ToMillis(int64_t v, const std::string& unit, const char* key) {
  static const std::pair<const char*, int64_t> kCoarse[] = {
      {"MILLISECONDS", 1}, {"SECONDS", 1000},  {"MINUTES", 60000},
      {"HOURS", 3600000},  {"DAYS", 86400000},
  };
  for (const auto& [name, f] : kCoarse) {
    if (unit != name) continue;
    int64_t ms;
    if (__builtin_mul_overflow(v, f, &ms)) {
      return Status::InvalidArgument(std::string(key) + " " + std::to_string(v) + " " + unit +
                                     " is outside the int64 millisecond range");
    }
    return ms;
  }
  if (unit == "MICROSECONDS") return v / 1000;
  if (unit == "NANOSECONDS") return v / 1000000;
  return Status::NotSupported("unknown segment.time.unit '" + unit + "'");
}

}  // namespace

Result<DataType> ParseDataType(const std::string& s) {
  static const std::pair<const char*, DataType> kTypes[] = {
      {"INT", DataType::kInt},
      {"LONG", DataType::kLong},
      {"FLOAT", DataType::kFloat},
      {"DOUBLE", DataType::kDouble},
      {"BIG_DECIMAL", DataType::kBigDecimal},
      {"BOOLEAN", DataType::kBoolean},
      {"TIMESTAMP", DataType::kTimestamp},
      {"STRING", DataType::kString},
      {"JSON", DataType::kJson},
      {"BYTES", DataType::kBytes},
      {"MAP", DataType::kMap},
      {"UUID", DataType::kUuid},
  };
  for (const auto& [name, t] : kTypes) {
    if (s == name) return t;
  }
  return Status::NotSupported("data type '" + s + "'");
}

Result<SegmentMeta> ParseSegmentMetadata(const Properties& p) {
  SegmentMeta m;
  m.name = GetString(p, "segment.name");
  if (m.name.empty()) return Status::Corruption("metadata.properties has no segment.name");
  m.table = GetString(p, "segment.table.name");
  m.index_version = GetString(p, "segment.index.version", "v1");
  // segment.total.docs counts every doc in the index files; pre-2019 star-tree segments also
  // write segment.total.raw.docs (the rows) and segment.total.aggregate.docs (the star-tree docs
  // after them) — V1Constants.MetadataKeys.Segment, SegmentColumnarIndexCreator.writeMetadata.
  const std::string index_docs_text = GetString(p, "segment.total.docs", "0");
  PE_ASSIGN_OR_RETURN(uint32_t index_docs,
                      ParseInt<uint32_t>("segment.total.docs", index_docs_text));
  m.total_docs = index_docs;
  std::string raw_docs = GetString(p, "segment.total.raw.docs");
  if (!raw_docs.empty()) {
    PE_ASSIGN_OR_RETURN(uint32_t raw, ParseInt<uint32_t>("segment.total.raw.docs", raw_docs));
    if (raw > index_docs) {
      return Status::Corruption("metadata.properties: segment.total.raw.docs " + raw_docs +
                                " is greater than segment.total.docs " + index_docs_text);
    }
    m.total_docs = raw;
    m.star_tree_docs = index_docs - raw;
  }
  m.time_column = GetString(p, "segment.time.column.name");
  m.time_unit = GetString(p, "segment.time.unit");
  m.creator_version = GetString(p, "creator.version");
  m.realtime_start_offset = GetString(p, "segment.realtime.startOffset");
  m.realtime_end_offset = GetString(p, "segment.realtime.endOffset");
  std::string st = GetString(p, "segment.start.time"), et = GetString(p, "segment.end.time");
  if (!st.empty() && !et.empty()) {
    PE_ASSIGN_OR_RETURN(int64_t s, ParseInt<int64_t>("segment.start.time", st));
    PE_ASSIGN_OR_RETURN(int64_t e, ParseInt<int64_t>("segment.end.time", et));
    m.start_time = s;
    m.end_time = e;
    std::string unit = m.time_unit.empty() ? "DAYS" : m.time_unit;
    auto s_ms = ToMillis(s, unit, "segment.start.time");
    auto e_ms = s_ms.ok() ? ToMillis(e, unit, "segment.end.time") : s_ms;
    if (e_ms.ok()) {
      m.start_time_ms = *s_ms;
      m.end_time_ms = *e_ms;
    } else {
      m.time_range_note = e_ms.status().message();
    }
  }
  for (const auto& [k, v] : p) {
    if (k.rfind("custom.", 0) == 0 && !v.empty()) m.custom[k.substr(7)] = GetJoined(p, k);
  }

  // Physical columns = union of the role lists (+ the legacy time column).
  std::map<std::string, FieldRole> roles;
  auto add = [&](const char* key, FieldRole r) {
    for (const auto& c : GetList(p, key)) roles.emplace(c, r);
  };
  add("segment.dimension.column.names", FieldRole::kDimension);
  add("segment.metric.column.names", FieldRole::kMetric);
  add("segment.datetime.column.names", FieldRole::kDateTime);
  add("segment.complex.column.names", FieldRole::kComplex);
  if (!m.time_column.empty()) roles.emplace(m.time_column, FieldRole::kTime);

  for (const auto& [name, role] : roles) {
    const std::string pre = "column." + name + ".";
    ColumnMeta c;
    c.name = name;
    c.role = role;
    std::string ct = GetString(p, pre + "columnType");
    if (ct == "DIMENSION")
      c.role = FieldRole::kDimension;
    else if (ct == "METRIC")
      c.role = FieldRole::kMetric;
    else if (ct == "TIME")
      c.role = FieldRole::kTime;
    else if (ct == "DATE_TIME")
      c.role = FieldRole::kDateTime;
    else if (ct == "COMPLEX")
      c.role = FieldRole::kComplex;
    std::string dt = GetString(p, pre + "dataType");
    if (dt.empty())
      return Status::Corruption("metadata.properties: column " + name + " has no dataType");
    auto parsed = ParseDataType(dt);
    if (parsed.ok()) {
      c.data_type = *parsed;
    } else {
      // An unknown type makes this column unreadable, not the segment. OPEN_STRUCT parents have
      // no forward index: their keys are physical columns "<col>$<key>" (OpenStructColumnSplitter).
      c.data_type = DataType::kBytes;
      c.unsupported = dt == "OPEN_STRUCT"
                          ? "column " + name +
                                ": OPEN_STRUCT parent (its keys are exported as columns " + name +
                                "$<key>)"
                          : "column " + name + ": data type '" + dt + "' is not supported";
    }
    c.stored_type = StoredTypeOf(c.data_type);
    c.single_value = GetBool(p, pre + "isSingleValues", true);
    c.has_dictionary = GetBool(p, pre + "hasDictionary", true);
    std::string enc = GetString(p, pre + "forwardIndexEncoding");
    c.dict_encoded = enc.empty() ? c.has_dictionary : enc == "DICTIONARY";
    c.sorted = GetBool(p, pre + "isSorted", false);
    c.non_null = GetBool(p, pre + "isNonNull", false);
    PE_ASSIGN_OR_RETURN(c.cardinality, ParseInt<uint32_t>(pre + "cardinality",
                                                          GetString(p, pre + "cardinality", "0")));
    PE_ASSIGN_OR_RETURN(
        c.bits_per_element,
        ParseInt<int>(pre + "bitsPerElement", GetString(p, pre + "bitsPerElement", "0")));
    PE_ASSIGN_OR_RETURN(
        c.total_entries,
        ParseInt<uint64_t>(pre + "totalNumberOfEntries",
                           GetString(p, pre + "totalNumberOfEntries", index_docs_text)));
    PE_ASSIGN_OR_RETURN(c.max_multi_values,
                        ParseInt<uint32_t>(pre + "maxNumberOfMultiValues",
                                           GetString(p, pre + "maxNumberOfMultiValues", "0")));
    // ColumnMetadataImpl.Builder.build: var-width types use lengthOfLongestElement (>= 1.6),
    // else lengthOfEachEntry.
    std::string longest = GetString(p, pre + "lengthOfLongestElement");
    std::string each = GetString(p, pre + "lengthOfEachEntry", "0");
    bool var_width = c.stored_type == StoredType::kBinary;
    PE_ASSIGN_OR_RETURN(c.dict_entry_width,
                        ParseInt<uint32_t>(pre + "lengthOfEachEntry",
                                           var_width && !longest.empty() ? longest : each));
    auto dn = p.find(pre + "defaultNullValue");
    if (dn != p.end()) {
      c.has_default_null_value = true;
      c.default_null_value = RecoverSpecial(GetJoined(p, pre + "defaultNullValue"));
    }
    c.min_value = RecoverSpecial(GetJoined(p, pre + "minValue"));
    c.max_value = RecoverSpecial(GetJoined(p, pre + "maxValue"));
    c.datetime_format = GetJoined(p, pre + "datetimeFormat");
    c.datetime_granularity = GetJoined(p, pre + "datetimeGranularity");
    m.columns.push_back(std::move(c));
  }
  return m;
}

const ColumnMeta* SegmentMeta::FindColumn(std::string_view n) const {
  for (const auto& c : columns) {
    if (c.name == n) return &c;
  }
  return nullptr;
}

const char* DataTypeName(DataType t) {
  switch (t) {
    case DataType::kInt:
      return "INT";
    case DataType::kLong:
      return "LONG";
    case DataType::kFloat:
      return "FLOAT";
    case DataType::kDouble:
      return "DOUBLE";
    case DataType::kBigDecimal:
      return "BIG_DECIMAL";
    case DataType::kBoolean:
      return "BOOLEAN";
    case DataType::kTimestamp:
      return "TIMESTAMP";
    case DataType::kString:
      return "STRING";
    case DataType::kJson:
      return "JSON";
    case DataType::kBytes:
      return "BYTES";
    case DataType::kMap:
      return "MAP";
    case DataType::kUuid:
      return "UUID";
  }
  return "?";
}

const char* StoredTypeName(StoredType t) {
  switch (t) {
    case StoredType::kInt32:
      return "INT";
    case StoredType::kInt64:
      return "LONG";
    case StoredType::kFloat:
      return "FLOAT";
    case StoredType::kDouble:
      return "DOUBLE";
    case StoredType::kBinary:
      return "BYTES";
  }
  return "?";
}

const char* FieldRoleName(FieldRole r) {
  switch (r) {
    case FieldRole::kDimension:
      return "DIMENSION";
    case FieldRole::kMetric:
      return "METRIC";
    case FieldRole::kTime:
      return "TIME";
    case FieldRole::kDateTime:
      return "DATE_TIME";
    case FieldRole::kComplex:
      return "COMPLEX";
  }
  return "?";
}

const char* ForwardKindName(ForwardKind k) {
  switch (k) {
    case ForwardKind::kDictSorted:
      return "DICT_SORTED";
    case ForwardKind::kDictUnsorted:
      return "DICT_FIXED_BIT";
    case ForwardKind::kDictMV:
      return "DICT_MV_FIXED_BIT";
    case ForwardKind::kDictMVEntry:
      return "DICT_MV_ENTRY_DICT";
    case ForwardKind::kRawFixedChunk:
      return "RAW_FIXED_BYTE_CHUNK";
    case ForwardKind::kRawVarChunk:
      return "RAW_VAR_BYTE_CHUNK";
    case ForwardKind::kRawVarChunkV4:
      return "RAW_VAR_BYTE_CHUNK_V4";
    case ForwardKind::kRebuiltInverted:
      return "REBUILT_FROM_INVERTED";
    case ForwardKind::kClp:
      return "CLP";
    case ForwardKind::kNone:
      return "NONE";
  }
  return "?";
}

StoredType StoredTypeOf(DataType t) {
  switch (t) {
    case DataType::kInt:
    case DataType::kBoolean:
      return StoredType::kInt32;
    case DataType::kLong:
    case DataType::kTimestamp:
      return StoredType::kInt64;
    case DataType::kFloat:
      return StoredType::kFloat;
    case DataType::kDouble:
      return StoredType::kDouble;
    default:
      return StoredType::kBinary;
  }
}

bool IsFixedWidth(StoredType t) { return t != StoredType::kBinary; }
int FixedWidth(StoredType t) {
  switch (t) {
    case StoredType::kInt32:
    case StoredType::kFloat:
      return 4;
    case StoredType::kInt64:
    case StoredType::kDouble:
      return 8;
    default:
      return 0;
  }
}

std::optional<LlcName> ParseLlcName(std::string_view n) {
  // Exactly three "__" separators (LLCSegmentName.isLLCSegment).
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (true) {
    size_t f = n.find("__", pos);
    if (f == std::string_view::npos) {
      parts.push_back(n.substr(pos));
      break;
    }
    parts.push_back(n.substr(pos, f - pos));
    pos = f + 2;
  }
  if (parts.size() != 4) return std::nullopt;
  LlcName l;
  l.table = std::string(parts[0]);
  auto a = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), l.partition);
  auto b = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), l.sequence);
  if (a.ec != std::errc() || a.ptr != parts[1].data() + parts[1].size() || b.ec != std::errc() ||
      b.ptr != parts[2].data() + parts[2].size()) {
    return std::nullopt;
  }
  l.creation_time = std::string(parts[3]);
  if (l.creation_time.size() != 14 || l.creation_time[8] != 'T' || l.creation_time[13] != 'Z') {
    return std::nullopt;
  }
  return l;
}

}  // namespace pe::segment
