#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

#include "common/redact.h"

namespace pe::log {
namespace {

struct State {
  std::mutex mu;
  std::vector<std::string> secrets;
  std::shared_ptr<spdlog::logger> logger;
};

State& GetState() {
  static State* s = [] {
    auto* st = new State;
    st->logger = spdlog::stderr_logger_mt("pinot-export");
    st->logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    st->logger->set_level(spdlog::level::info);
    return st;
  }();
  return *s;
}

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

void Write(spdlog::level::level_enum level, std::string_view msg) {
  State& s = GetState();
  if (!s.logger->should_log(level)) return;
  s.logger->log(level, "{}", Scrub(msg));
}

}  // namespace

bool ParseLevel(std::string_view name, Level* out) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "debug")
    *out = Level::kDebug;
  else if (n == "info")
    *out = Level::kInfo;
  else if (n == "warn" || n == "warning")
    *out = Level::kWarn;
  else if (n == "error")
    *out = Level::kError;
  else if (n == "off")
    *out = Level::kOff;
  else
    return false;
  return true;
}

void SetLevel(Level level) { GetState().logger->set_level(ToSpd(level)); }

void AddSecret(std::string secret) {
  if (secret.size() < 4) return;
  State& s = GetState();
  std::lock_guard<std::mutex> lock(s.mu);
  if (std::find(s.secrets.begin(), s.secrets.end(), secret) == s.secrets.end())
    s.secrets.push_back(std::move(secret));
}

std::string Scrub(std::string_view msg) {
  State& s = GetState();
  std::string out;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    out = Redact(msg, s.secrets);
  }
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

void Debug(std::string_view msg) { Write(spdlog::level::debug, msg); }
void Info(std::string_view msg) { Write(spdlog::level::info, msg); }
void Warn(std::string_view msg) { Write(spdlog::level::warn, msg); }
void Error(std::string_view msg) { Write(spdlog::level::err, msg); }

}  // namespace pe::log
