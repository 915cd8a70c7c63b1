#include "fs/http.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "common/redact.h"

namespace pe::fs {

namespace {

std::once_flag g_curl_init;

struct Transfer {
  const HttpRequest* req = nullptr;
  HttpResponse* resp = nullptr;
  CURL* curl = nullptr;
  uint64_t sent = 0;  // body bytes handed to curl
  Status sink_status;
  int status_known = 0;  // 0 unknown, 1 success (use sink), 2 error (keep body)
  Status read_status;
};

size_t ReadCb(char* buf, size_t size, size_t nitems, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  const HttpRequest& r = *t->req;
  size_t cap = size * nitems;
  if (r.body_fd >= 0) {
    uint64_t left = r.body_length - t->sent;
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, cap));
    if (n == 0) return 0;
    ssize_t got;
    do {
      got = ::pread(r.body_fd, buf, n, static_cast<off_t>(r.body_offset + t->sent));
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
      t->read_status = Status::IOError(std::string("cannot read upload source: ") +
                                       (got < 0 ? std::strerror(errno) : "file shrank"));
      return CURL_READFUNC_ABORT;
    }
    t->sent += static_cast<uint64_t>(got);
    return static_cast<size_t>(got);
  }
  size_t left = r.body.size() - static_cast<size_t>(t->sent);
  size_t n = std::min(left, cap);
  std::memcpy(buf, r.body.data() + t->sent, n);
  t->sent += n;
  return n;
}

size_t WriteCb(char* ptr, size_t size, size_t nmemb, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  size_t n = size * nmemb;
  if (t->status_known == 0) {
    long code = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
    t->resp->status = code;
    t->status_known = (code >= 200 && code < 300 && t->req->sink) ? 1 : 2;
  }
  if (t->status_known == 1) {
    Status s = t->req->sink(*t->resp, std::string_view(ptr, n));
    if (!s.ok()) {
      t->sink_status = s;
      return 0;  // aborts with CURLE_WRITE_ERROR
    }
  } else {
    t->resp->body.append(ptr, n);
  }
  return n;
}

size_t HeaderCb(char* ptr, size_t size, size_t nitems, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  size_t n = size * nitems;
  std::string line(ptr, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    t->resp->headers.clear();  // a new response (after 100-continue or a redirect)
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return n;
  std::string name = line.substr(0, colon);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t v = colon + 1;
  while (v < line.size() && (line[v] == ' ' || line[v] == '\t')) ++v;
  t->resp->headers[name] = line.substr(v);
  return n;
}

// Headers whose values are credentials: Authorization (SigV4, Bearer), x-amz-security-token,
// X-aws-ec2-metadata-token, and any other *token* header.
bool SecretHeader(std::string name) {
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name == "authorization" || name.find("token") != std::string::npos;
}

}  // namespace

HttpClient::HttpClient(HttpOptions options) : options_(options) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpResponse> HttpClient::Send(const HttpRequest& req) {
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) return Status::IOError("cannot initialise libcurl");
  curl_easy_reset(c);  // keeps the connection cache
  HttpResponse resp;
  Transfer t;
  t.req = &req;
  t.resp = &resp;
  t.curl = c;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  // Object keys are opaque: "a/../b" is a key, not a path to normalise (libcurl would send
  // "/b", which is another object and breaks the SigV4 signature computed over the key).
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  if (options_.request_timeout_ms > 0)
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options_.request_timeout_ms);
  if (options_.stall_timeout_s > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_s);
  }
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, HeaderCb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteCb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "pinot-export/" PE_VERSION);
  if (req.follow_redirects) {
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  }

  bool has_body = req.body_fd >= 0 || !req.body.empty();
  uint64_t body_len = req.body_fd >= 0 ? req.body_length : req.body.size();
  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT" || req.method == "POST" || has_body) {
    // Upload mode sends Content-Length (also 0) from our read callback; the method is then
    // overridden for POST.
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadCb);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_len));
    if (req.method != "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  curl_slist* hl = nullptr;
  for (const auto& [k, v] : req.headers) {
    std::string line = v.empty() ? k + ";" : k + ": " + v;
    hl = curl_slist_append(hl, line.c_str());
  }
  hl = curl_slist_append(hl, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);

  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(hl);
  if (!t.sink_status.ok()) return t.sink_status;
  if (!t.read_status.ok()) return t.read_status;
  if (rc != CURLE_OK) {
    std::string msg = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
    // libcurl may quote the URL (with its query: presigned signatures, tokens) or a header.
    std::vector<std::string> secrets;
    for (const auto& [k, v] : req.headers) {
      if (SecretHeader(k)) secrets.push_back(v);
    }
    return Status::IOError(Redact(msg, secrets));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  return resp;
}

long BackoffDelayMs(const RetryPolicy& p, int attempt, std::mt19937_64& rng) {
  long cap = p.base_delay_ms;
  for (int i = 0; i < attempt && cap < p.max_delay_ms; ++i) cap *= 2;
  cap = std::min(cap, p.max_delay_ms);
  std::uniform_int_distribution<long> d(0, std::max(0L, cap));
  return d(rng);
}

void SleepMs(long ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

std::string UrlDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace pe::fs
