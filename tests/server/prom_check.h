// A strict checker of the Prometheus text exposition format, version 0.0.4, written from the
// format's description (https://prometheus.io/docs/instrumenting/exposition_formats/
// #text-based-format), not from the server's formatter:
//   - lines are separated by '\n' and the last line ends with one; empty lines are ignored;
//   - "# HELP <name> <docstring>": docstring escapes only "\\" and "\n"; at most one per name;
//   - "# TYPE <name> <counter|gauge|histogram|summary|untyped>": at most one per name, before the
//     first sample of that name; other lines starting with '#' are comments;
//   - a sample is <name>[{<label>="<value>",...}] <value> [<timestamp>]: names match
//     [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, label values escape only
//     '\\', '"' and '\n'; a trailing comma in the label list is allowed; the value is a Go float
//     (including NaN, +Inf, -Inf) and the timestamp an int64;
//   - a summary's samples are <name>{quantile=...}, <name>_sum, <name>_count; a histogram's
//     <name>_bucket{le=...}, <name>_sum, <name>_count;
//   - all lines of one metric family are together (no interleaving); no sample (name + label set)
//     appears twice.
#pragma once

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pe::prom {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct Exposition {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family -> TYPE
  std::map<std::string, std::string> helps;  // family -> HELP docstring (raw)
};

inline bool IsNameStart(char c, bool colon) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (colon && c == ':');
}
inline bool IsNameChar(char c, bool colon) {
  return IsNameStart(c, colon) || std::isdigit(static_cast<unsigned char>(c));
}
inline bool ValidName(const std::string& s, bool colon) {
  if (s.empty() || !IsNameStart(s[0], colon)) return false;
  for (char c : s)
    if (!IsNameChar(c, colon)) return false;
  return true;
}

inline bool ParseGoFloat(const std::string& s, double* out) {
  if (s == "NaN") return *out = std::numeric_limits<double>::quiet_NaN(), true;
  if (s == "+Inf" || s == "Inf") return *out = std::numeric_limits<double>::infinity(), true;
  if (s == "-Inf") return *out = -std::numeric_limits<double>::infinity(), true;
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-'))
      return false;
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno == 0;
}

// The family a sample name belongs to, given the TYPEs seen so far.
inline std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& t) {
  for (const char* suffix : {"_sum", "_count", "_bucket"}) {
    const std::string suf = suffix;
    if (name.size() > suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0) {
      std::string base = name.substr(0, name.size() - suf.size());
      auto it = t.find(base);
      if (it != t.end() && (it->second == "summary" || it->second == "histogram")) {
        if (suf == "_bucket" && it->second != "histogram") return name;
        return base;
      }
    }
  }
  return name;
}

// Parses `text`; returns "" when it follows the rules above, else the first violation ("line N:
// ...").
inline std::string Check(const std::string& text, Exposition* out) {
  if (text.empty()) return "empty exposition";
  if (text.back() != '\n') return "last line does not end with \\n";
  std::set<std::string> done;  // families whose group has ended
  std::string current;         // family of the previous line
  std::set<std::string> seen_samples;
  std::set<std::string> has_samples;
  size_t pos = 0;
  int line_no = 0;
  auto enter = [&](const std::string& family) -> std::string {
    if (family == current) return "";
    if (done.count(family)) return "family " + family + " interleaved with another";
    if (!current.empty()) done.insert(current);
    current = family;
    return "";
  };
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    const std::string at = "line " + std::to_string(line_no) + ": ";
    if (line.empty()) continue;
    if (line[0] == '#') {
      // "# HELP name doc" / "# TYPE name type"; tokens separated by blanks.
      size_t i = 1;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      size_t kw_end = line.find_first_of(" \t", i);
      std::string kw = line.substr(i, kw_end == std::string::npos ? std::string::npos : kw_end - i);
      if (kw != "HELP" && kw != "TYPE") continue;  // a comment
      if (kw_end == std::string::npos) return at + kw + " without a metric name";
      i = kw_end;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      size_t name_end = line.find_first_of(" \t", i);
      std::string name =
          line.substr(i, name_end == std::string::npos ? std::string::npos : name_end - i);
      if (!ValidName(name, true)) return at + "bad metric name '" + name + "'";
      std::string rest;
      if (name_end != std::string::npos) {
        size_t r = name_end;
        while (r < line.size() && (line[r] == ' ' || line[r] == '\t')) ++r;
        rest = line.substr(r);
      }
      if (std::string e = enter(name); !e.empty()) return at + e;
      if (kw == "HELP") {
        if (out->helps.count(name)) return at + "second HELP for " + name;
        for (size_t k = 0; k < rest.size(); ++k) {
          if (rest[k] != '\\') continue;
          if (k + 1 >= rest.size() || (rest[k + 1] != '\\' && rest[k + 1] != 'n'))
            return at + "bad escape in HELP of " + name;
          ++k;
        }
        out->helps[name] = rest;
      } else {
        if (out->types.count(name)) return at + "second TYPE for " + name;
        if (has_samples.count(name)) return at + "TYPE after samples of " + name;
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!kTypes.count(rest)) return at + "unknown TYPE '" + rest + "'";
        out->types[name] = rest;
      }
      continue;
    }
    Sample s;
    size_t i = 0;
    while (i < line.size() && IsNameChar(line[i], true)) ++i;
    s.name = line.substr(0, i);
    if (!ValidName(s.name, true)) return at + "bad sample name";
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        size_t b = i;
        while (i < line.size() && IsNameChar(line[i], false)) ++i;
        std::string label = line.substr(b, i - b);
        if (!ValidName(label, false)) return at + "bad label name '" + label + "'";
        if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"')
          return at + "label " + label + " without =\"";
        i += 2;
        std::string value;
        bool closed = false;
        while (i < line.size()) {
          char c = line[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (i >= line.size()) return at + "dangling backslash in label value";
            char e = line[i++];
            if (e == '\\')
              value += '\\';
            else if (e == '"')
              value += '"';
            else if (e == 'n')
              value += '\n';
            else
              return at + "bad escape \\" + std::string(1, e) + " in label value";
          } else {
            value += c;
          }
        }
        if (!closed) return at + "unterminated label value";
        if (s.labels.count(label)) return at + "label " + label + " twice";
        s.labels[label] = value;
        if (i < line.size() && line[i] == ',') {
          ++i;
          continue;
        }
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        return at + "expected , or } after a label";
      }
    }
    if (i >= line.size() || (line[i] != ' ' && line[i] != '\t'))
      return at + "no blank between name/labels and value";
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t v_end = line.find_first_of(" \t", i);
    std::string value = line.substr(i, v_end == std::string::npos ? std::string::npos : v_end - i);
    if (!ParseGoFloat(value, &s.value)) return at + "bad value '" + value + "'";
    if (v_end != std::string::npos) {
      size_t t = v_end;
      while (t < line.size() && (line[t] == ' ' || line[t] == '\t')) ++t;
      std::string ts = line.substr(t);
      if (ts.empty()) return at + "trailing blanks";
      size_t d = ts[0] == '-' ? 1 : 0;
      if (d == ts.size()) return at + "bad timestamp";
      for (size_t k = d; k < ts.size(); ++k)
        if (!std::isdigit(static_cast<unsigned char>(ts[k]))) return at + "bad timestamp";
    }
    const std::string family = FamilyOf(s.name, out->types);
    if (std::string e = enter(family); !e.empty()) return at + e;
    auto type = out->types.find(family);
    if (type != out->types.end()) {
      if (type->second == "summary" && s.name == family && !s.labels.count("quantile"))
        return at + "summary sample without quantile";
      if (type->second == "histogram" && s.name == family)
        return at + "histogram sample must be _bucket, _sum or _count";
      if (type->second == "histogram" && s.name == family + "_bucket" && !s.labels.count("le"))
        return at + "histogram bucket without le";
      if (type->second == "counter" && !(s.value >= 0)) return at + "negative counter";
    }
    std::string key = s.name + "{";
    for (const auto& [k, v] : s.labels) key += k + "=" + v + "\x1f";
    if (!seen_samples.insert(key).second) return at + "duplicate sample " + s.name;
    has_samples.insert(family);
    out->samples.push_back(std::move(s));
  }
  return "";
}

}  // namespace pe::prom
