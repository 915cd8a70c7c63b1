// A minimal blocking HTTP client over libcurl: one CURL easy handle per client, so consecutive
// requests reuse the connection (keep-alive) and TLS session. Not thread-safe.
//
// Transport failures (DNS, connect, connection reset, timeouts) come back as IOError with
// libcurl's one-line message; HTTP error statuses come back as a normal HttpResponse so callers
// can classify them (retry 5xx, fail on 403, ...). Nothing here retries.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace pe::fs {

struct HttpOptions {
  long connect_timeout_ms = 10'000;
  // Whole-request limit in ms; 0 = none (large transfers are bounded by the stall limit instead).
  long request_timeout_ms = 0;
  // "Socket timeout": abort when fewer than 1 byte/s moved for this many seconds.
  long stall_timeout_s = 60;
};

struct HttpResponse;

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE
  std::string url;             // fully encoded
  std::vector<std::pair<std::string, std::string>> headers;
  // Body: `body`, or when body_fd >= 0 the bytes [body_offset, body_offset + body_length) of that
  // file (read with pread, so the request can be re-sent).
  std::string body;
  bool follow_redirects = false;  // GET/HEAD only (up to 5 hops)
  int body_fd = -1;
  uint64_t body_offset = 0;
  uint64_t body_length = 0;
  // When set, the body of a 2xx response is streamed here instead of kept in the response;
  // `head` carries the status and headers. Returning a non-OK Status aborts the transfer and is
  // returned from Send().
  std::function<Status(const HttpResponse& head, std::string_view data)> sink;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; last value wins
  std::string body;                            // non-2xx bodies always land here
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse> Send(const HttpRequest& req);

 private:
  HttpOptions options_;
  void* curl_ = nullptr;  // CURL*
};

// Retry with capped exponential backoff and full jitter (AWS Architecture Blog, "Exponential
// Backoff And Jitter"; the AWS SDKs' "standard" retry mode).
struct RetryPolicy {
  int max_attempts = 5;  // total tries including the first (AWS_MAX_ATTEMPTS semantics)
  long base_delay_ms = 100;
  long max_delay_ms = 20'000;
};
// Delay before retry number `attempt` (1-based): uniform in [0, min(max, base * 2^attempt)].
long BackoffDelayMs(const RetryPolicy& p, int attempt, std::mt19937_64& rng);
void SleepMs(long ms);

// Percent-decoding of a URL component ('+' is kept as is).
std::string UrlDecode(std::string_view s);

// The wall clock that credential and token expiry are judged by. Empty means the system clock;
// tests inject a fake one and advance it instead of sleeping.
using Clock = std::function<std::chrono::system_clock::time_point()>;

// Seconds since the Unix epoch by `clock` (credential and token expiry).
inline int64_t NowUnix(const Clock& clock = {}) {
  return std::chrono::duration_cast<std::chrono::seconds>(
             (clock ? clock() : std::chrono::system_clock::now()).time_since_epoch())
      .count();
}

// Server-provided text for a one-line error: line breaks flattened, length bounded.
inline std::string OneLine(std::string s) {
  for (auto& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}
inline std::string Bounded(std::string s) {
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}

}  // namespace pe::fs
