#include "task/crash_point.h"

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace pe::task {

namespace {
struct Config {
  std::string name;
  long nth = 1;
};
const Config* Load() {
  static const Config* c = []() -> const Config* {
    const char* v = std::getenv("PE_CRASH_AT");
    if (v == nullptr || *v == '\0') return nullptr;
    auto* cfg = new Config;
    std::string s(v);
    size_t colon = s.find(':');
    cfg->name = s.substr(0, colon);
    if (colon != std::string::npos)
      cfg->nth = std::max(1L, std::strtol(s.c_str() + colon + 1, nullptr, 10));
    return cfg;
  }();
  return c;
}
std::atomic<long> passes{0};
}  // namespace

void CrashPoint(const char* name) {
  const Config* c = Load();
  if (c == nullptr || c->name != name) return;
  if (passes.fetch_add(1) + 1 == c->nth) ::raise(SIGKILL);
}

}  // namespace pe::task
