#include "testing/parquet_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "testing/testing.h"

namespace pe::testing {

using nlohmann::json;

ReadBack ReadParquet(const std::string& reader, const std::string& path) {
  ReadBack out;
  RunResult r = RunNode("parquet_rows.mjs", {reader, path});
  EXPECT_EQ(r.exit_code, 0) << reader << " failed on " << path << ": " << r.err;
  if (r.exit_code != 0) return out;
  std::istringstream in(r.out);
  std::string line;
  if (!std::getline(in, line)) {
    ADD_FAILURE() << reader << " printed nothing for " << path;
    return out;
  }
  for (const auto& c : json::parse(line)) out.columns.emplace_back(c[0], c[1]);
  while (std::getline(in, line)) out.rows.push_back(json::parse(line));
  return out;
}

std::vector<json> ReadParquetRows(const std::string& reader, const std::string& path) {
  return ReadParquet(reader, path).rows;
}

namespace {

std::string Diff(std::string_view want, const json& got) {
  return "want " + std::string(want) + ", got " + got.dump();
}

bool IsInteger(const json& j) { return j.is_number_integer() || j.is_number_unsigned(); }

// Index just past the JSON value that starts at s[i], or npos if it does not end.
size_t SkipValue(std::string_view s, size_t i) {
  int depth = 0;
  bool in_string = false;
  for (size_t k = i; k < s.size(); ++k) {
    const char ch = s[k];
    if (in_string) {
      if (ch == '\\') {
        ++k;
      } else if (ch == '"') {
        in_string = false;
        if (depth == 0) return k + 1;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      ++depth;
    } else if (ch == '}' || ch == ']') {
      if (depth == 0) return k;
      if (--depth == 0) return k + 1;
    } else if (depth == 0 &&
               (ch == ',' || ch == ':' || std::isspace(static_cast<unsigned char>(ch)))) {
      return k;
    }
  }
  return depth == 0 && !in_string ? s.size() : std::string_view::npos;
}

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

// Members (object: "name":value) or elements (array) of a JSON container text, as raw texts; names
// are empty for arrays. Fails the test on text that is not such a container (checked only when
// `validate`: the members of a validated text need no second pass).
std::vector<std::pair<std::string, std::string>> RawItems(std::string_view text, bool object,
                                                          bool validate) {
  std::vector<std::pair<std::string, std::string>> out;
  if (validate && !json::accept(text)) {
    ADD_FAILURE() << "not JSON: " << text;
    return out;
  }
  auto at = [&](size_t k) { return k < text.size() ? text[k] : '\0'; };
  auto skip_value = [&](size_t k) { return std::min(SkipValue(text, k), text.size()); };
  size_t i = SkipSpace(text, 0);
  if (at(i) != (object ? '{' : '[')) {
    ADD_FAILURE() << "not a JSON " << (object ? "object" : "array") << ": " << text;
    return out;
  }
  i = SkipSpace(text, i + 1);
  if (at(i) == (object ? '}' : ']')) return out;
  while (i < text.size()) {
    std::string name;
    if (object) {
      size_t end = skip_value(i);
      name = json::parse(text.substr(i, end - i)).get<std::string>();
      i = SkipSpace(text, SkipSpace(text, end) + 1);  // past ':'
    }
    size_t end = skip_value(i);
    out.emplace_back(std::move(name), std::string(text.substr(i, end - i)));
    i = SkipSpace(text, end);
    if (at(i) != ',') break;
    i = SkipSpace(text, i + 1);
  }
  return out;
}

// `text` (a plain decimal: -?digits[.digits]) with exactly `scale` fraction digits, as
// java.math.BigDecimal.setScale(scale) without rounding would give; nullopt if it is not a plain
// decimal or would lose a nonzero digit.
std::optional<std::string> Rescale(std::string_view text, int scale) {
  bool neg = !text.empty() && text[0] == '-';
  std::string_view t = text.substr(neg ? 1 : 0);
  size_t dot = t.find('.');
  std::string ip(t.substr(0, dot)), fp(dot == std::string_view::npos ? "" : t.substr(dot + 1));
  auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (ip.empty() || !digits(ip) || !digits(fp) || (dot != std::string_view::npos && fp.empty())) {
    return std::nullopt;
  }
  if (int(fp.size()) > scale) {
    if (fp.find_first_not_of('0', size_t(scale)) != std::string::npos) return std::nullopt;
    fp.resize(size_t(scale));
  }
  fp.append(size_t(scale) - fp.size(), '0');
  ip.erase(0, std::min(ip.find_first_not_of('0'), ip.size() - 1));
  const bool zero = ip == "0" && fp.find_first_not_of('0') == std::string::npos;
  return std::string(neg && !zero ? "-" : "") + ip + (scale > 0 ? "." + fp : "");
}

std::string CompareFloat(std::string_view want, const json& got, bool f32) {
  if (!want.empty() && want[0] == '"') {  // "NaN", "Infinity", "-Infinity"
    return got.is_string() && json::parse(want) == got ? "" : Diff(want, got);
  }
  if (!got.is_number()) return Diff(want, got) + " (not a number)";
  const std::string w(want);
  char* end = nullptr;
  const double g = got.get<double>();
  bool same;
  if (f32) {
    const float x = std::strtof(w.c_str(), &end);
    const float y = static_cast<float>(g);
    if (double(y) != g) return Diff(want, got) + " (not a 32-bit float)";
    same = std::bit_cast<uint32_t>(x) == std::bit_cast<uint32_t>(y);
  } else {
    const double x = std::strtod(w.c_str(), &end);
    same = std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(g);
  }
  if (end != w.c_str() + w.size()) return "want is not a number: " + w;
  return same ? "" : Diff(want, got);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> RawMembers(std::string_view object) {
  return RawItems(object, true, true);
}

std::vector<std::string> RawElements(std::string_view array) {
  std::vector<std::string> out;
  for (auto& [name, raw] : RawItems(array, false, true)) out.push_back(std::move(raw));
  return out;
}

std::string CompareRawCell(std::string_view want, const json& got, CellKind kind,
                           int decimal_scale) {
  // JSON text "null" and a null cell both read "null" in dump's form.
  if (want == "null") {
    return got.is_null() || (kind == CellKind::kJsonText && got == "null") ? "" : Diff(want, got);
  }
  if (got.is_null()) return Diff(want, got);
  const bool list =
      !want.empty() && want[0] == '[' && (kind != CellKind::kJsonText || got.is_array());
  if (list) {
    // `want` is a member of a validated line (ReadJsonlRows) or a json::dump.
    std::vector<std::string> items;
    for (auto& [name, raw] : RawItems(want, false, false)) items.push_back(std::move(raw));
    if (!got.is_array() || got.size() != items.size()) return Diff(want, got);
    for (size_t i = 0; i < items.size(); ++i) {
      std::string d = CompareRawCell(items[i], got[i], kind, decimal_scale);
      if (!d.empty()) return "element " + std::to_string(i) + ": " + d;
    }
    return "";
  }
  switch (kind) {
    case CellKind::kExact: {
      // Fast paths (most cells): a string without escapes, an integer.
      if (want.size() >= 2 && want.front() == '"' && want.find('\\') == std::string_view::npos) {
        return got.is_string() &&
                       got.get_ref<const std::string&>() == want.substr(1, want.size() - 2)
                   ? ""
                   : Diff(want, got);
      }
      if (got.is_number_integer() && want.find_first_of(".eE\"") == std::string_view::npos) {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, got.get<int64_t>());
        return std::string_view(buf, size_t(r.ptr - buf)) == want ? "" : Diff(want, got);
      }
      const json w = json::parse(want);
      const bool same_type = IsInteger(w) ? IsInteger(got) : w.type() == got.type();
      return same_type && w == got ? "" : Diff(want, got);
    }
    case CellKind::kFloat32:
    case CellKind::kFloat64:
      return CompareFloat(want, got, kind == CellKind::kFloat32);
    case CellKind::kJsonText:
      return got.is_string() && got.get<std::string>() == want ? "" : Diff(want, got);
    case CellKind::kDecimal: {
      const json w = json::parse(want);
      if (!w.is_string() || !got.is_string()) return Diff(want, got);
      std::optional<std::string> text = w.get<std::string>();
      if (decimal_scale >= 0) text = Rescale(*text, decimal_scale);
      if (!text) return Diff(want, got) + " (want does not fit the scale)";
      return *text == got.get<std::string>() ? "" : Diff(want, got);
    }
  }
  return Diff(want, got);
}

std::string CompareCell(const json& want, const json& got, CellKind kind) {
  if (kind != CellKind::kJsonText) return CompareRawCell(want.dump(), got, kind);
  // `want` embeds the JSON value; `got` is its text.
  if (want.is_null()) return got.is_null() || got == "null" ? "" : Diff(want.dump(), got);
  if (got.is_null()) return Diff(want.dump(), got);
  if (got.is_array()) {
    if (!want.is_array() || want.size() != got.size()) return Diff(want.dump(), got);
    for (size_t i = 0; i < want.size(); ++i) {
      std::string d = CompareCell(want[i], got[i], kind);
      if (!d.empty()) return "element " + std::to_string(i) + ": " + d;
    }
    return "";
  }
  if (!got.is_string()) return Diff(want.dump(), got);
  json g = json::parse(got.get<std::string>(), nullptr, false);
  if (g.is_discarded()) return "got invalid JSON text " + got.dump();
  return g == want ? "" : Diff(want.dump(), got);
}

size_t CompareRows(const std::vector<json>& want, const std::vector<json>& got,
                   const std::vector<CellKind>& kinds, const std::vector<std::string>& names,
                   const std::string& label) {
  if (want.size() != got.size()) {
    ADD_FAILURE() << label << ": " << got.size() << " rows, want " << want.size();
    return 1;
  }
  size_t bad = 0;
  for (size_t r = 0; r < want.size(); ++r) {
    if (!got[r].is_array() || got[r].size() != kinds.size()) {
      if (bad++ < 3) ADD_FAILURE() << label << " row " << r << ": " << got[r].dump();
      continue;
    }
    for (size_t c = 0; c < kinds.size(); ++c) {
      std::string d = CompareCell(want[r][c], got[r][c], kinds[c]);
      if (!d.empty() && bad++ < 5) {
        ADD_FAILURE() << label << " row " << r << " column " << names[c] << ": " << d;
      }
    }
  }
  return bad;
}

std::vector<PinotColumn> SegmentColumns(const std::string& segment_dir) {
  std::ifstream in(segment_dir + "/metadata.properties");
  if (!in) in.open(segment_dir + "/v3/metadata.properties");
  EXPECT_TRUE(in.good()) << "no metadata.properties under " << segment_dir;
  std::map<std::string, PinotColumn> cols;
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find(" = ");
    if (line.rfind("column.", 0) != 0 || eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 3);
    for (const char* prop : {".dataType", ".isSingleValues"}) {
      if (!key.ends_with(prop)) continue;
      PinotColumn& c = cols[key.substr(7, key.size() - 7 - std::strlen(prop))];
      c.name = key.substr(7, key.size() - 7 - std::strlen(prop));
      if (std::string(prop) == ".dataType") {
        c.type = value;
      } else {
        c.single_value = value == "true";
      }
    }
  }
  std::vector<PinotColumn> out;
  for (auto& [name, c] : cols) out.push_back(c);
  return out;
}

std::vector<RawRow> ReadJsonlRows(const std::string& path,
                                  const std::vector<PinotColumn>& columns) {
  std::vector<RawRow> rows;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  for (std::string line; std::getline(in, line);) {
    std::map<std::string, std::string> members;
    for (auto& [name, raw] : RawMembers(line)) members[name] = std::move(raw);
    RawRow row;
    for (const auto& c : columns) {
      auto it = members.find(c.name);
      if (it == members.end()) {
        ADD_FAILURE() << path << " line " << rows.size() + 1 << " has no column " << c.name;
        return rows;
      }
      row.push_back(it->second);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string ExpectedReaderType(const std::string& reader, const PinotColumn& c,
                               const DecimalOption& decimal) {
  // README "Type mapping (Pinot -> Parquet)"; DuckDB's names for those Parquet types.
  static const std::map<std::string, std::pair<std::string, std::string>> kTypes = {
      {"INT", {"INT32", "INTEGER"}},
      {"LONG", {"INT64", "BIGINT"}},
      {"FLOAT", {"FLOAT", "FLOAT"}},
      {"DOUBLE", {"DOUBLE", "DOUBLE"}},
      {"BOOLEAN", {"BOOLEAN", "BOOLEAN"}},
      {"TIMESTAMP", {"INT64 TIMESTAMP(MILLIS,utc)", "TIMESTAMP WITH TIME ZONE"}},
      {"STRING", {"BYTE_ARRAY STRING", "VARCHAR"}},
      {"JSON", {"BYTE_ARRAY JSON", "VARCHAR"}},
      {"MAP", {"BYTE_ARRAY JSON", "VARCHAR"}},
      {"BYTES", {"BYTE_ARRAY", "BLOB"}},
      {"UUID", {"FIXED_LEN_BYTE_ARRAY(16) UUID", "UUID"}},
      {"BIG_DECIMAL", {"BYTE_ARRAY STRING", "VARCHAR"}},
  };
  auto it = kTypes.find(c.type);
  if (it == kTypes.end()) return "unknown Pinot type " + c.type;
  std::string parquet = it->second.first, duck = it->second.second;
  if (c.type == "BIG_DECIMAL" && decimal.precision > 0) {
    const std::string ps =
        "DECIMAL(" + std::to_string(decimal.precision) + "," + std::to_string(decimal.scale) + ")";
    // Fewest bytes whose signed range holds `precision` digits: floor(log10(2^(8n-1)-1)) >= P
    // (parquet LogicalTypes.md, DECIMAL, fixed_len_byte_array).
    int n = 1;
    while (std::floor((8 * n - 1) * std::log10(2.0)) < decimal.precision) ++n;
    parquet = "FIXED_LEN_BYTE_ARRAY(" + std::to_string(n) + ") " + ps;
    duck = ps;
  }
  if (reader == "duckdb") return c.single_value ? duck : duck + "[]";
  const std::string rep = c.nullable ? "OPTIONAL " : "REQUIRED ";
  return c.single_value ? rep + parquet : rep + "LIST<REQUIRED " + parquet + ">";
}

std::string ComparePinotCell(const PinotColumn& c, std::string_view want, const json& got,
                             const DecimalOption& decimal) {
  const bool json_text = c.type == "JSON" || c.type == "MAP";
  if (want == "null") {
    if (c.nullable) return got.is_null() ? "" : Diff(want, got) + " (a null row)";
    if (json_text && c.single_value) return got == "null" ? "" : Diff(want, got);
    return Diff(want, got) + " (null in a column without a null vector)";
  }
  if (!c.single_value && (want.empty() || want[0] != '[')) {
    return "want is not a list: " + std::string(want);
  }
  CellKind kind = CellKind::kExact;
  int scale = -1;
  if (c.type == "FLOAT") kind = CellKind::kFloat32;
  if (c.type == "DOUBLE") kind = CellKind::kFloat64;
  if (json_text) kind = CellKind::kJsonText;
  if (c.type == "BIG_DECIMAL" && decimal.precision > 0)
    kind = CellKind::kDecimal, scale = decimal.scale;
  if (!c.single_value && !got.is_array()) return Diff(want, got) + " (not a list)";
  if (c.single_value && got.is_array()) return Diff(want, got) + " (a list)";
  return CompareRawCell(want, got, kind, scale);
}

size_t ExpectReadBackHolds(const ReadBack& got, const std::string& reader,
                           const std::vector<PinotColumn>& columns, const std::vector<RawRow>& want,
                           const DecimalOption& decimal, const std::string& label) {
  size_t bad = 0;
  auto fail = [&](const std::string& what) {
    if (bad++ < 5) ADD_FAILURE() << what;
  };
  const std::string where = label + "/" + reader;
  if (got.columns.size() != columns.size()) {
    fail(where + ": " + std::to_string(got.columns.size()) + " columns, want " +
         std::to_string(columns.size()));
  }
  std::vector<size_t> pos;  // columns[i] is got column pos[i]
  for (const auto& c : columns) {
    auto it = std::find_if(got.columns.begin(), got.columns.end(),
                           [&](const auto& g) { return g.first == c.name; });
    if (it == got.columns.end()) {
      fail(where + ": no column " + c.name);
      return bad;
    }
    pos.push_back(size_t(it - got.columns.begin()));
    const std::string type = ExpectedReaderType(reader, c, decimal);
    if (it->second != type) {
      fail(where + " column " + c.name + ": type " + it->second + ", want " + type);
    }
  }
  if (got.rows.size() != want.size()) {
    fail(where + ": " + std::to_string(got.rows.size()) + " rows, want " +
         std::to_string(want.size()));
    return bad;
  }
  for (size_t r = 0; r < want.size(); ++r) {
    if (!got.rows[r].is_array() || got.rows[r].size() != got.columns.size()) {
      fail(where + " row " + std::to_string(r) + ": " + got.rows[r].dump());
      continue;
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      std::string d = ComparePinotCell(columns[c], want[r][c], got.rows[r][pos[c]], decimal);
      if (!d.empty()) {
        fail(where + " row " + std::to_string(r) + " column " + columns[c].name + ": " + d);
      }
    }
  }
  return bad;
}

size_t ExpectParquetHolds(const std::string& parquet, const std::vector<PinotColumn>& columns,
                          const std::vector<RawRow>& want, const DecimalOption& decimal,
                          const std::string& label) {
  size_t bad = 0;
  for (const std::string reader : {"duckdb", "hyparquet"}) {
    bad += ExpectReadBackHolds(ReadParquet(reader, parquet), reader, columns, want, decimal, label);
  }
  return bad;
}

}  // namespace pe::testing
