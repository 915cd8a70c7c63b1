#include "fs/config.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace pe::fs {

namespace {
std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}
std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
}  // namespace

Env ProcessEnv() {
  Env env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

Result<uint64_t> ParseDataSize(const std::string& in) {
  std::string s = Trim(in);
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  std::string num = s.substr(0, i), unit = Lower(Trim(s.substr(i)));
  char* end = nullptr;
  double v = num.empty() ? -1 : std::strtod(num.c_str(), &end);
  if (num.empty() || *end != '\0' || v < 0) {
    return Status::InvalidArgument("invalid data size '" + in + "' (expected e.g. 128MB, 5G)");
  }
  double mul;
  if (unit.empty() || unit == "b") {
    mul = 1;
  } else if (unit == "k" || unit == "kb") {
    mul = 1024.0;
  } else if (unit == "m" || unit == "mb") {
    mul = 1024.0 * 1024;
  } else if (unit == "g" || unit == "gb") {
    mul = 1024.0 * 1024 * 1024;
  } else if (unit == "t" || unit == "tb") {
    mul = 1024.0 * 1024 * 1024 * 1024;
  } else if (unit == "p" || unit == "pb") {
    mul = 1024.0 * 1024 * 1024 * 1024 * 1024;
  } else {
    return Status::InvalidArgument("invalid data size '" + in + "' (unknown unit)");
  }
  return static_cast<uint64_t>(std::llround(v * mul));
}

Result<long> ParseDurationMs(const std::string& in) {
  std::string s = Lower(Trim(in));
  auto bad = [&] {
    return Status::InvalidArgument("invalid time duration '" + in +
                                   "', for examples '1hr20s' or 'PT1H20S'");
  };
  if (s.empty()) return bad();
  double total = 0;
  size_t i = 0;
  bool iso = false;
  if (s.rfind("pt", 0) == 0 || s.rfind("p", 0) == 0) {
    iso = true;
    i = s[1] == 't' ? 2 : 1;
  }
  bool any = false;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    if (j == i) return bad();
    double v = std::strtod(s.substr(i, j - i).c_str(), nullptr);
    size_t k = j;
    while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) ++k;
    std::string u = s.substr(j, k - j);
    if (iso && u.size() > 1) return bad();
    double mul;
    if (u == "ms") {
      mul = 1;
    } else if (u == "s" || u == "sec") {
      mul = 1000;
    } else if (u == "m" || u == "min") {
      mul = 60'000;
    } else if (u == "h" || u == "hr") {
      mul = 3'600'000;
    } else if (u == "d") {
      mul = 86'400'000;
    } else {
      return bad();
    }
    total += v * mul;
    any = true;
    i = k;
  }
  if (!any) return bad();
  return static_cast<long>(std::llround(total));
}

Result<bool> ParseBool(const std::string& key, const std::string& s) {
  std::string v = Lower(Trim(s));
  if (v == "true") return true;
  if (v == "false") return false;
  return Status::InvalidArgument("property " + key + " must be true or false, got '" + s + "'");
}

IniFile ParseIni(const std::string& text) {
  IniFile out;
  std::string section;
  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) {
    if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t')) continue;  // nested sub-section
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(line.substr(1, line.size() - 2));
      out[section];
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    out[section][Lower(Trim(line.substr(0, eq)))] = Trim(line.substr(eq + 1));
  }
  return out;
}

std::map<std::string, std::string> LoadAwsProfile(const Env& env, const std::string& profile) {
  auto get = [&](const char* k) {
    auto it = env.find(k);
    return it == env.end() ? std::string() : it->second;
  };
  std::string home = get("HOME");
  std::string cred_path = get("AWS_SHARED_CREDENTIALS_FILE");
  if (cred_path.empty() && !home.empty()) cred_path = home + "/.aws/credentials";
  std::string conf_path = get("AWS_CONFIG_FILE");
  if (conf_path.empty() && !home.empty()) conf_path = home + "/.aws/config";
  std::map<std::string, std::string> out;
  if (!conf_path.empty()) {
    IniFile conf = ParseIni(ReadAll(conf_path));
    auto it = conf.find("profile " + profile);
    if (it == conf.end() && profile == "default") it = conf.find("default");
    if (it != conf.end()) out = it->second;
  }
  if (!cred_path.empty()) {
    IniFile cred = ParseIni(ReadAll(cred_path));
    auto it = cred.find(profile);
    if (it != cred.end()) {
      for (const auto& [k, v] : it->second) out[k] = v;
    }
  }
  return out;
}

}  // namespace pe::fs
