#include "fs/aws_auth.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "common/redact.h"
#include "fs/http.h"
#include "fs/xml.h"

namespace pe::fs {

namespace {

std::string TrimEndpoint(std::string e) {
  while (!e.empty() && e.back() == '/') e.pop_back();
  if (e.find("://") == std::string::npos) e = "https://" + e;
  return e;
}

// Sends with retries on transport errors and 5xx/429.
Result<HttpResponse> Send(HttpClient& http, const HttpRequest& req, int max_attempts) {
  RetryPolicy retry;
  retry.max_attempts = max_attempts;
  std::mt19937_64 rng(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    auto r = http.Send(req);
    bool transient = !r.ok() || r->status == 429 || r->status / 100 == 5;
    if (!transient || attempt >= max_attempts) return r;
    SleepMs(BackoffDelayMs(retry, attempt, rng));
  }
}

class WebIdentityProvider : public AwsCredentialsProvider {
 public:
  explicit WebIdentityProvider(WebIdentityConfig c)
      : AwsCredentialsProvider(c.clock), c_(std::move(c)) {
    if (c_.session_name.empty()) {
      c_.session_name = "pinot-export-" + std::to_string(NowUnix(clock()) * 1000);
    }
    c_.endpoint = TrimEndpoint(c_.endpoint.empty() ? "https://sts.amazonaws.com" : c_.endpoint);
  }
  std::string source() const override { return "web identity (role " + c_.role_arn + ")"; }

 protected:
  Result<Fetched> Fetch() override {
    const std::string what =
        RedactUri("STS AssumeRoleWithWebIdentity at " + c_.endpoint + " for role " + c_.role_arn +
                  " (token file " + c_.token_file + ")");
    std::ifstream f(c_.token_file, std::ios::binary);
    if (!f) {
      return Status::InvalidArgument("cannot read the web identity token file " + c_.token_file +
                                     " (AWS_WEB_IDENTITY_TOKEN_FILE)");
    }
    std::stringstream ss;
    ss << f.rdbuf();
    std::string token = ss.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
      token.pop_back();
    if (token.empty()) {
      return Status::InvalidArgument("the web identity token file " + c_.token_file + " is empty");
    }
    HttpRequest req;
    req.method = "POST";
    req.url = c_.endpoint + "/";
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                   {"Accept", "application/xml"}};
    req.body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" +
               UriEncode(c_.role_arn, false) +
               "&RoleSessionName=" + UriEncode(c_.session_name, false) +
               "&WebIdentityToken=" + UriEncode(token, false);
    HttpClient http(c_.http);
    auto r = Send(http, req, c_.max_attempts);
    if (!r.ok()) return Status::IOError(Redact(what + " failed: " + r.status().message(), {token}));
    if (r->status != 200) {
      // <ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>
      std::string text = what + " failed: HTTP " + std::to_string(r->status);
      auto code = XmlText(r->body, "Code");
      auto msg = XmlText(r->body, "Message");
      if (code) text += " " + Bounded(*code);
      if (msg) text += ": " + Bounded(*msg);
      // Defence in depth: never echo the token even if the server does.
      text = Redact(OneLine(text), {token});
      if (r->status / 100 == 4) return Status::InvalidArgument(text);
      return Status::IOError(text);
    }
    auto creds = XmlElements(r->body, "Credentials");
    if (creds.empty()) return Status::Corruption(what + ": response without <Credentials>");
    Fetched out;
    out.credentials.access_key = XmlText(creds[0], "AccessKeyId").value_or("");
    out.credentials.secret_key = XmlText(creds[0], "SecretAccessKey").value_or("");
    out.credentials.session_token = XmlText(creds[0], "SessionToken").value_or("");
    if (out.credentials.access_key.empty() || out.credentials.secret_key.empty()) {
      return Status::Corruption(what + ": incomplete <Credentials>");
    }
    auto exp = XmlText(creds[0], "Expiration");
    if (exp) {
      PE_ASSIGN_OR_RETURN(out.expiration_unix, ParseIso8601(*exp));
    }
    return out;
  }

 private:
  WebIdentityConfig c_;
};

class ImdsProvider : public AwsCredentialsProvider {
 public:
  explicit ImdsProvider(ImdsConfig c) : AwsCredentialsProvider(c.clock), c_(std::move(c)) {
    while (!c_.endpoint.empty() && c_.endpoint.back() == '/') c_.endpoint.pop_back();
    if (c_.endpoint.find("://") == std::string::npos) c_.endpoint = "http://" + c_.endpoint;
  }
  std::string source() const override {
    std::lock_guard<std::mutex> l(role_mu_);
    return "EC2 instance metadata" + (role_.empty() ? std::string() : " (role " + role_ + ")");
  }

 protected:
  Result<Fetched> Fetch() override {
    const std::string what = "EC2 instance metadata service at " + RedactUri(c_.endpoint);
    HttpClient http(c_.http);
    HttpRequest put;
    put.method = "PUT";
    put.url = c_.endpoint + "/latest/api/token";
    put.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    auto t = Send(http, put, c_.max_attempts);
    if (!t.ok()) return Status::IOError(what + ": " + t.status().message());
    if (t->status != 200 || t->body.empty()) {
      return Status::IOError(what + ": IMDSv2 token request failed: HTTP " +
                             std::to_string(t->status));
    }
    std::string token = t->body;
    auto get = [&](const std::string& path) -> Result<std::string> {
      HttpRequest g;
      g.url = c_.endpoint + path;
      g.headers = {{"X-aws-ec2-metadata-token", token}};
      auto r = Send(http, g, c_.max_attempts);
      if (!r.ok()) return Status::IOError(what + ": GET " + path + ": " + r.status().message());
      if (r->status == 404) {
        return Status::InvalidArgument(what + ": no IAM role is attached to this instance");
      }
      if (r->status != 200) {
        return Status::IOError(what + ": GET " + path + ": HTTP " + std::to_string(r->status));
      }
      return std::move(r->body);
    };
    const std::string base = "/latest/meta-data/iam/security-credentials/";
    PE_ASSIGN_OR_RETURN(std::string roles, get(base));
    std::string role = roles.substr(0, roles.find('\n'));
    while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
    if (role.empty()) {
      return Status::InvalidArgument(what + ": no IAM role is attached to this instance");
    }
    {
      std::lock_guard<std::mutex> l(role_mu_);
      role_ = role;
    }
    PE_ASSIGN_OR_RETURN(std::string body, get(base + UriEncode(role, false)));
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return Status::Corruption(what + ": credentials for role " + role + " are not JSON");
    }
    if (j.value("Code", std::string("Success")) != "Success") {
      return Status::IOError(what + ": credentials for role " + role + " unavailable: " +
                             Redact(OneLine(Bounded(j.value("Code", std::string()))), {token}));
    }
    Fetched out;
    out.credentials.access_key = j.value("AccessKeyId", std::string());
    out.credentials.secret_key = j.value("SecretAccessKey", std::string());
    out.credentials.session_token = j.value("Token", std::string());
    if (out.credentials.access_key.empty() || out.credentials.secret_key.empty()) {
      return Status::Corruption(what + ": incomplete credentials for role " + role);
    }
    std::string exp = j.value("Expiration", std::string());
    if (!exp.empty()) {
      PE_ASSIGN_OR_RETURN(out.expiration_unix, ParseIso8601(exp));
    }
    return out;
  }

 private:
  ImdsConfig c_;
  mutable std::mutex role_mu_;
  std::string role_;
};

}  // namespace

Result<int64_t> ParseIso8601(const std::string& s) {
  int y, mo, d, h, mi;
  double sec;
  int n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6) {
    return Status::Corruption("invalid timestamp '" + s + "'");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = static_cast<int>(sec);
  int64_t t = static_cast<int64_t>(timegm(&tm));
  std::string zone = s.substr(static_cast<size_t>(n));
  if (zone.empty() || zone == "Z") return t;
  int zh = 0, zm = 0;
  if ((zone[0] == '+' || zone[0] == '-') &&
      std::sscanf(zone.c_str() + 1, "%2d:%2d", &zh, &zm) == 2) {
    int64_t off = zh * 3600 + zm * 60;
    return zone[0] == '+' ? t - off : t + off;
  }
  return Status::Corruption("invalid timestamp '" + s + "'");
}

Result<SigV4Credentials> AwsCredentialsProvider::Get() {
  std::lock_guard<std::mutex> l(mu_);
  int64_t now = NowUnix(clock_);
  if (have_) {
    if (current_.expiration_unix == 0) return current_.credentials;
    // Refresh 5 minutes before expiry like the SDKs (or at half-life for short-lived ones).
    int64_t margin = std::min<int64_t>(300, (current_.expiration_unix - fetched_at_) / 2);
    if (now < current_.expiration_unix - margin) return current_.credentials;
  }
  ++fetches_;
  auto f = Fetch();
  if (!f.ok()) {
    // Keep using still-valid credentials when a refresh fails (the SDKs do the same).
    if (have_ && now < current_.expiration_unix) return current_.credentials;
    return f.status();
  }
  current_ = std::move(f).value();
  fetched_at_ = now;
  have_ = true;
  return current_.credentials;
}

void AwsCredentialsProvider::Invalidate(const std::string& access_key_id) {
  std::lock_guard<std::mutex> l(mu_);
  if (have_ && current_.credentials.access_key == access_key_id) have_ = false;
}

int AwsCredentialsProvider::fetches() const {
  std::lock_guard<std::mutex> l(mu_);
  return fetches_;
}

std::shared_ptr<AwsCredentialsProvider> NewWebIdentityProvider(WebIdentityConfig c) {
  return std::make_shared<WebIdentityProvider>(std::move(c));
}

std::shared_ptr<AwsCredentialsProvider> NewImdsProvider(ImdsConfig c) {
  return std::make_shared<ImdsProvider>(std::move(c));
}

}  // namespace pe::fs
