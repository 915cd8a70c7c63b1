#include "fs/s3.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "common/file.h"
#include "common/redact.h"
#include "fs/aws_auth.h"
#include "fs/http.h"
#include "fs/xml.h"

namespace pe::fs {

namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;  // S3 minimum part size except the last
constexpr uint64_t kMaxParts = 10'000;         // S3 maximum part number
const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Props and Env are both string maps.
std::string Get(const std::map<std::string, std::string>& e, const std::string& k) {
  auto it = e.find(k);
  return it == e.end() ? std::string() : it->second;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// S3's ETag of an object made by CompleteMultipartUpload, unquoted: the hex MD5 of the
// concatenated binary MD5s of the parts (their ETags), then "-" and the part count (the
// "multipart ETag",
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html). nullopt
// when a part ETag is not a hex MD5 (stores that do not follow S3 here).
std::optional<std::string> MultipartEtag(const std::vector<std::string>& part_etags) {
  std::string md5s;
  for (const std::string& quoted : part_etags) {
    std::string e = quoted;
    std::erase(e, '"');
    if (e.size() != 32) return std::nullopt;
    for (size_t i = 0; i < 32; i += 2) {
      unsigned byte = 0;
      if (!std::isxdigit(static_cast<unsigned char>(e[i])) ||
          !std::isxdigit(static_cast<unsigned char>(e[i + 1])) ||
          std::sscanf(e.c_str() + i, "%2x", &byte) != 1) {
        return std::nullopt;
      }
      md5s.push_back(static_cast<char>(byte));
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(md5s.data(), md5s.size(), md, &len, EVP_md5(), nullptr) != 1) return std::nullopt;
  return Lower(HexEncode(std::string_view(reinterpret_cast<const char*>(md), len))) + "-" +
         std::to_string(part_etags.size());
}

// HTTP Date header (IMF-fixdate, RFC 9110 section 5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT") ->
// Unix seconds.
std::optional<int64_t> ParseHttpDate(const std::string& s) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char mon[4] = {};
  std::tm tm{};
  if (std::sscanf(s.c_str(), "%*3s, %2d %3s %4d %2d:%2d:%2d GMT", &tm.tm_mday, mon, &tm.tm_year,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  tm.tm_mon = -1;
  for (int i = 0; i < 12; ++i) {
    if (std::strcmp(mon, kMonths[i]) == 0) tm.tm_mon = i;
  }
  if (tm.tm_mon < 0) return std::nullopt;
  tm.tm_year -= 1900;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

Result<ObjectUri> ParseObjectUri(const std::string& uri) {
  size_t p = uri.find("://");
  if (p == std::string::npos) return Status::InvalidArgument("not an object URI: " + uri);
  ObjectUri o;
  o.scheme = uri.substr(0, p);
  std::string rest = uri.substr(p + 3);
  size_t slash = rest.find('/');
  o.bucket = rest.substr(0, slash);
  o.key = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (o.bucket.empty()) return Status::InvalidArgument("missing bucket in " + uri);
  return o;
}

Result<S3Options> S3OptionsFromProps(const Props& props, const Env& env) {
  S3Options o;
  if (!Get(props, "roleArn").empty() || Get(props, "iamRoleBasedAccessEnabled") == "true") {
    return Status::NotSupported(
        "S3 iamRoleBasedAccessEnabled/roleArn (STS AssumeRole) is not supported; use accessKey/"
        "secretKey, AWS_* environment variables or a shared credentials profile");
  }
  std::string profile = Get(env, "AWS_PROFILE");
  if (profile.empty()) profile = "default";
  auto prof = LoadAwsProfile(env, profile);
  auto pget = [&](const char* k) {
    auto it = prof.find(k);
    return it == prof.end() ? std::string() : it->second;
  };

  // Region and endpoint (the region also picks the regional STS endpoint below).
  for (const std::string& r : {Get(props, "region"), Get(env, "AWS_REGION"),
                               Get(env, "AWS_DEFAULT_REGION"), pget("region")}) {
    if (!r.empty()) {
      o.region = r;
      break;
    }
  }
  bool region_known = !Get(props, "region").empty() || !Get(env, "AWS_REGION").empty() ||
                      !Get(env, "AWS_DEFAULT_REGION").empty() || !pget("region").empty();
  for (const std::string& e : {Get(props, "endpoint"), Get(env, "AWS_ENDPOINT_URL_S3"),
                               Get(env, "AWS_ENDPOINT_URL"), pget("endpoint_url")}) {
    if (!e.empty()) {
      o.endpoint = e;
      break;
    }
  }

  // Credentials, in the order of the AWS SDK for Java v2 DefaultCredentialsProvider.
  if (!Get(props, "anonymousCredentialsProvider").empty()) {
    PE_ASSIGN_OR_RETURN(o.anonymous, ParseBool("anonymousCredentialsProvider",
                                               Get(props, "anonymousCredentialsProvider")));
  }
  // Web identity (WebIdentityTokenFileCredentialsProvider): from the environment, else profile.
  auto web_identity = [&](const std::string& token_file, const std::string& role_arn,
                          const std::string& session_name, const std::string& source) -> Status {
    if (role_arn.empty()) {
      return Status::InvalidArgument(source +
                                     " sets a web identity token file but no role ARN "
                                     "(AWS_ROLE_ARN / role_arn)");
    }
    WebIdentityConfig wc;
    wc.token_file = token_file;
    wc.role_arn = role_arn;
    wc.session_name = session_name;
    for (const std::string& e : {Get(env, "AWS_ENDPOINT_URL_STS"), Get(env, "AWS_ENDPOINT_URL")}) {
      if (!e.empty()) {
        wc.endpoint = e;
        break;
      }
    }
    if (wc.endpoint.empty() && region_known) {
      wc.endpoint = "https://sts." + o.region + ".amazonaws.com";
      if (o.region.rfind("cn-", 0) == 0) wc.endpoint += ".cn";
    }
    o.credentials_provider = NewWebIdentityProvider(wc);
    o.credentials_source = o.credentials_provider->source();
    return Status::OK();
  };
  std::string ak = Get(props, "accessKey"), sk = Get(props, "secretKey");
  if (!ak.empty() || !sk.empty()) {
    if (ak.empty() || sk.empty()) {
      return Status::InvalidArgument("S3 properties accessKey and secretKey must be set together");
    }
    o.credentials = {ak, sk, Get(props, "sessionToken")};
    o.credentials_source = "properties";
  } else if (!Get(env, "AWS_ACCESS_KEY_ID").empty() || !Get(env, "AWS_SECRET_ACCESS_KEY").empty()) {
    if (Get(env, "AWS_ACCESS_KEY_ID").empty() || Get(env, "AWS_SECRET_ACCESS_KEY").empty()) {
      return Status::InvalidArgument(
          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
    }
    o.credentials = {Get(env, "AWS_ACCESS_KEY_ID"), Get(env, "AWS_SECRET_ACCESS_KEY"),
                     Get(env, "AWS_SESSION_TOKEN")};
    o.credentials_source = "environment";
  } else if (o.anonymous) {
    // Pinot anonymousCredentialsProvider: unsigned requests, no credentials needed.
  } else if (!Get(env, "AWS_WEB_IDENTITY_TOKEN_FILE").empty()) {
    PE_RETURN_IF_ERROR(web_identity(Get(env, "AWS_WEB_IDENTITY_TOKEN_FILE"),
                                    Get(env, "AWS_ROLE_ARN"), Get(env, "AWS_ROLE_SESSION_NAME"),
                                    "AWS_WEB_IDENTITY_TOKEN_FILE"));
  } else if (!pget("aws_access_key_id").empty() && !pget("aws_secret_access_key").empty()) {
    o.credentials = {pget("aws_access_key_id"), pget("aws_secret_access_key"),
                     pget("aws_session_token")};
    o.credentials_source = "profile " + profile;
  } else if (!pget("web_identity_token_file").empty()) {
    PE_RETURN_IF_ERROR(web_identity(pget("web_identity_token_file"), pget("role_arn"),
                                    pget("role_session_name"), "profile " + profile));
  } else {
    std::string hint =
        "no S3 credentials: set accessKey/secretKey properties, AWS_ACCESS_KEY_ID/"
        "AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN, or a profile in "
        "~/.aws/credentials (AWS_PROFILE=" +
        profile + ")";
    if (Lower(Get(env, "AWS_EC2_METADATA_DISABLED")) == "true") {
      return Status::InvalidArgument(hint +
                                     "; EC2 instance metadata is disabled "
                                     "(AWS_EC2_METADATA_DISABLED=true)");
    }
    ImdsConfig ic;
    if (!Get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT").empty()) {
      ic.endpoint = Get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    }
    auto imds = NewImdsProvider(ic);
    auto c = imds->Get();
    if (!c.ok()) return Status::InvalidArgument(hint + "; " + c.status().message());
    o.credentials_provider = imds;
    o.credentials_source = imds->source();
  }
  if (o.credentials_provider) {
    // Fetch now: a wrong role or token fails at open, not on the first request.
    PE_ASSIGN_OR_RETURN(o.credentials, o.credentials_provider->Get());
  }

  o.path_style = !o.endpoint.empty();
  if (!Get(props, "pathStyleAccess").empty()) {
    PE_ASSIGN_OR_RETURN(o.path_style, ParseBool("pathStyleAccess", Get(props, "pathStyleAccess")));
  }

  if (!Get(props, "crossRegionAccessEnabled").empty()) {
    PE_ASSIGN_OR_RETURN(o.cross_region_access, ParseBool("crossRegionAccessEnabled",
                                                         Get(props, "crossRegionAccessEnabled")));
  }

  // Upload settings.
  if (!Get(props, "disableAcl").empty()) {
    PE_ASSIGN_OR_RETURN(o.disable_acl, ParseBool("disableAcl", Get(props, "disableAcl")));
  }
  o.storage_class = Get(props, "storageClass");
  o.server_side_encryption = Get(props, "serverSideEncryption");
  o.ssekms_key_id = Get(props, "ssekmsKeyId");
  o.ssekms_encryption_context = Get(props, "ssekmsEncryptionContext");
  if (!Get(props, "minObjectSizeForMultiPartUpload").empty()) {
    PE_ASSIGN_OR_RETURN(o.min_object_size_for_multipart,
                        ParseDataSize(Get(props, "minObjectSizeForMultiPartUpload")));
  }
  if (!Get(props, "multiPartUploadPartSize").empty()) {
    PE_ASSIGN_OR_RETURN(o.multipart_part_size,
                        ParseDataSize(Get(props, "multiPartUploadPartSize")));
    // Pinot S3Config: "The part size for multipart upload must be larger than 5MB".
    if (o.multipart_part_size < kMinPartSize) {
      return Status::InvalidArgument("multiPartUploadPartSize must be at least 5MB");
    }
  }

  if (!Get(props, "multiPartUploadParallelism").empty()) {
    std::string v = Get(props, "multiPartUploadParallelism");
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > 64) {
      return Status::InvalidArgument(
          "multiPartUploadParallelism must be an integer in [1, 64], got '" + v + "'");
    }
    o.multipart_parallelism = static_cast<int>(n);
  }

  // HTTP client and retries.
  if (!Get(props, "httpclient.connectionTimeout").empty()) {
    PE_ASSIGN_OR_RETURN(o.http.connect_timeout_ms,
                        ParseDurationMs(Get(props, "httpclient.connectionTimeout")));
  }
  if (!Get(props, "httpclient.socketTimeout").empty()) {
    PE_ASSIGN_OR_RETURN(long ms, ParseDurationMs(Get(props, "httpclient.socketTimeout")));
    o.http.stall_timeout_s = std::max(1L, (ms + 999) / 1000);
  }
  for (const std::string& a :
       {Get(props, "maxAttempts"), Get(env, "AWS_MAX_ATTEMPTS"), pget("max_attempts")}) {
    if (a.empty()) continue;
    char* end = nullptr;
    long v = std::strtol(a.c_str(), &end, 10);
    if (*end != '\0' || v < 1 || v > 100) {
      return Status::InvalidArgument("max attempts must be an integer in [1, 100], got '" + a +
                                     "'");
    }
    o.retry.max_attempts = static_cast<int>(v);
    break;
  }
  return o;
}

Result<S3Options> GcsOptionsFromProps(const Props& props, const Env& env) {
  std::shared_ptr<GcpTokenSource> bearer;
  bool hmac = !Get(props, "accessKey").empty() || !Get(props, "secretKey").empty();
  if (!hmac) {
    // GcsPinotFS.init: gcpKey (key file path), else jsonKey (raw or base64 JSON), else
    // GoogleCredentials.getApplicationDefault() (GOOGLE_APPLICATION_CREDENTIALS).
    Result<ServiceAccountKey> key = Status::InvalidArgument(
        "no GCS credentials: set gcpKey (service-account key file), jsonKey, "
        "GOOGLE_APPLICATION_CREDENTIALS, or an HMAC key as accessKey/secretKey");
    if (!Get(props, "gcpKey").empty()) {
      key = LoadServiceAccountKeyFile(Get(props, "gcpKey"));
    } else if (!Get(props, "jsonKey").empty()) {
      std::string json = Get(props, "jsonKey");
      if (json.find('{') == std::string::npos) {  // Pinot: "Json key was not Base64 encoded"
        auto decoded = Base64Decode(json);
        if (decoded.ok()) json = *decoded;
      }
      key = ParseServiceAccountKey(json, "property jsonKey");
    } else if (!Get(env, "GOOGLE_APPLICATION_CREDENTIALS").empty()) {
      key = LoadServiceAccountKeyFile(Get(env, "GOOGLE_APPLICATION_CREDENTIALS"));
      if (!key.ok()) key = key.status().WithContext("GOOGLE_APPLICATION_CREDENTIALS");
    }
    if (!key.ok()) return key.status();
    Props rest = props;
    rest["accessKey"] = "unused";  // satisfy the S3 parser; the bearer token replaces SigV4
    rest["secretKey"] = "unused";
    PE_ASSIGN_OR_RETURN(S3Options o, S3OptionsFromProps(rest, Env{}));
    o.credentials = {};
    o.credentials_source = "service account " + key->client_email + " (" + key->origin + ")";
    o.bearer = std::make_shared<GcpTokenSource>(std::move(key).value(), kGcsReadWriteScope, o.http);
    o.scheme = "gs";
    if (Get(props, "region").empty()) o.region = "auto";
    if (Get(props, "endpoint").empty()) o.endpoint = "https://storage.googleapis.com";
    // The XML API serves path-style URLs on storage.googleapis.com for every bucket name.
    if (Get(props, "pathStyleAccess").empty()) o.path_style = true;
    return o;
  }
  PE_ASSIGN_OR_RETURN(S3Options o, S3OptionsFromProps(props, Env{}));
  o.scheme = "gs";
  if (Get(props, "region").empty()) o.region = "auto";
  if (Get(props, "endpoint").empty()) {
    o.endpoint = "https://storage.googleapis.com";
    if (Get(props, "pathStyleAccess").empty()) o.path_style = false;
  }
  return o;
}

namespace {

struct Endpoint {
  std::string scheme = "https";
  std::string hostport;
};

Endpoint ParseEndpoint(const std::string& e, const std::string& region) {
  Endpoint ep;
  if (e.empty()) {
    ep.hostport = "s3." + region + ".amazonaws.com";
    if (region.rfind("cn-", 0) == 0) ep.hostport += ".cn";  // China partition
    return ep;
  }
  std::string rest = e;
  size_t p = e.find("://");
  if (p != std::string::npos) {
    ep.scheme = e.substr(0, p);
    rest = e.substr(p + 3);
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  ep.hostport = rest;
  return ep;
}

// One HTTP connection with its own retry jitter source.
struct Conn {
  explicit Conn(const HttpOptions& o) : http(o), rng(std::random_device{}()) {}
  HttpClient http;
  std::mt19937_64 rng;
};

class S3FileSystem : public FileSystem {
 public:
  explicit S3FileSystem(S3Options o)
      : o_(std::move(o)),
        ep_(ParseEndpoint(o_.endpoint, o_.region)),
        http_(o_.http),
        rng_(std::random_device{}()) {}

  std::string scheme() const override { return o_.scheme; }

  Result<bool> Exists(const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(ObjectUri u, ParseObjectUri(uri));
    if (!u.key.empty() && u.key.back() != '/') {
      Call c{"HEAD", u.bucket, u.key};
      PE_ASSIGN_OR_RETURN(HttpResponse r, Execute(c, uri));
      if (r.status / 100 == 2) return true;
      if (r.status != 404) return HeadError(r, u, uri);
    }
    // Like Pinot S3PinotFS.exists: a "directory" exists when some key lies under "<key>/".
    std::string dir = u.key.empty() || u.key.back() == '/' ? u.key : u.key + "/";
    Call c{"GET", u.bucket, ""};
    c.query = {{"list-type", "2"}, {"prefix", dir}, {"max-keys", "1"}};
    PE_ASSIGN_OR_RETURN(HttpResponse r, Execute(c, uri));
    if (r.status == 404) return false;
    if (r.status / 100 != 2) return ErrorStatus(r, "LIST", uri);
    return !XmlElements(r.body, "Contents").empty();
  }

  Result<uint64_t> Size(const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(ObjectUri u, ParseObjectUri(uri));
    Call c{"HEAD", u.bucket, u.key};
    PE_ASSIGN_OR_RETURN(HttpResponse r, Execute(c, uri));
    if (r.status / 100 != 2) return HeadError(r, u, uri);
    return static_cast<uint64_t>(std::strtoull(r.header("content-length").c_str(), nullptr, 10));
  }

  Result<std::string> ReadRange(const std::string& uri, uint64_t offset, uint64_t length) override {
    if (length == 0) return std::string();
    PE_ASSIGN_OR_RETURN(ObjectUri u, ParseObjectUri(uri));
    Call c{"GET", u.bucket, u.key};
    c.headers = {
        {"range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}};
    PE_ASSIGN_OR_RETURN(HttpResponse r, Execute(c, uri));
    if (r.status == 416) return std::string();  // InvalidRange: offset at or past the end
    if (r.status / 100 != 2) return ErrorStatus(r, "GET", uri);
    if (r.status == 200 && (offset > 0 || r.body.size() > length)) {  // server ignored Range
      r.body = r.body.substr(std::min<uint64_t>(offset, r.body.size()), length);
    }
    return std::move(r.body);
  }

  Status Download(const std::string& uri, const std::string& local_path) override {
    PE_ASSIGN_OR_RETURN(ObjectUri u, ParseObjectUri(uri));
    PE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(local_path));
    uint64_t written = 0;
    std::string etag;
    Status last;
    for (int attempt = 1;; ++attempt) {
      Call c{"GET", u.bucket, u.key};
      if (written > 0) {
        // Resume where the broken transfer stopped; If-Match fails with 412 if the object changed.
        c.headers.emplace_back("range", "bytes=" + std::to_string(written) + "-");
        if (!etag.empty()) c.headers.emplace_back("if-match", etag);
      }
      bool first = true;
      Status local_error;
      c.sink = [&](const HttpResponse& head, std::string_view data) -> Status {
        if (first) {
          first = false;
          if (etag.empty()) etag = head.header("etag");
          if (written > 0 && head.status == 200) {  // range ignored: start over
            out->Abort();
            auto f = AtomicFile::Create(local_path);
            if (!f.ok()) return local_error = f.status();
            out = std::move(f).value();
            written = 0;
          } else if (written > 0) {
            // 206: "Content-Range: bytes <first>-<last>/<size>" must continue at `written`.
            std::string cr = head.header("content-range");
            if (cr.rfind("bytes " + std::to_string(written) + "-", 0) != 0) {
              return local_error = Status::Corruption("GET " + uri + ": resumed at the wrong " +
                                                      "offset (Content-Range: " + cr + ")");
            }
          }
        }
        Status s = out->Append(data);
        if (!s.ok()) return local_error = s;
        written += data.size();
        return Status::OK();
      };
      auto r = SendOnce(c);
      if (!local_error.ok()) return local_error;  // disk full etc.: not retryable
      if (!r.ok() && !r.status().IsIOError()) return r.status().WithContext("GET " + uri);
      if (r.ok() && r->status / 100 == 2) return out->Commit();
      if (r.ok() && !IsRetryable(*r)) return ErrorStatus(*r, "GET", uri);
      last = r.ok() ? ErrorStatus(*r, "GET", uri) : r.status().WithContext("GET " + uri);
      if (attempt >= o_.retry.max_attempts) break;
      SleepMs(BackoffDelayMs(o_.retry, attempt, rng_));
    }
    return Status::IOError(last.message() + " (gave up after " +
                           std::to_string(o_.retry.max_attempts) + " attempts)");
  }

  Status Upload(const std::string& local_path, const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(ObjectUri u, ParseObjectUri(uri));
    if (u.key.empty() || u.key.back() == '/') {
      return Status::InvalidArgument("upload target must name an object: " + uri);
    }
    int fd = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Status::IOError("cannot open " + local_path + ": " + std::strerror(errno));
    }
    struct FdCloser {
      int fd;
      ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      return Status::IOError("cannot stat " + local_path + ": " + std::strerror(errno));
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size < o_.min_object_size_for_multipart || size == 0) {
      return PutObject(fd, size, local_path, u, uri);
    }
    return MultipartUpload(fd, size, local_path, u, uri);
  }

  Result<std::vector<FileInfo>> List(const std::string& prefix) override {
    PE_ASSIGN_OR_RETURN(ObjectUri u, ParseObjectUri(prefix));
    std::vector<FileInfo> out;
    std::string token;
    while (true) {
      Call c{"GET", u.bucket, ""};
      c.op = "LIST";
      c.query = {
          {"list-type", "2"}, {"prefix", u.key}, {"max-keys", std::to_string(o_.list_page_size)}};
      if (!token.empty()) c.query.emplace_back("continuation-token", token);
      PE_ASSIGN_OR_RETURN(HttpResponse r, Execute(c, prefix));
      if (r.status / 100 != 2) return ErrorStatus(r, "LIST", prefix);
      for (std::string_view item : XmlElements(r.body, "Contents")) {
        auto key = XmlText(item, "Key");
        auto size = XmlText(item, "Size");
        auto modified = XmlText(item, "LastModified");
        if (!key) return Status::Corruption("LIST " + prefix + ": <Contents> without <Key>");
        int64_t mtime_ms = 0;
        if (modified) {
          auto secs = ParseIso8601(*modified);
          if (secs.ok()) mtime_ms = *secs * 1000;
        }
        out.push_back({o_.scheme + "://" + u.bucket + "/" + *key,
                       size ? std::strtoull(size->c_str(), nullptr, 10) : 0, mtime_ms});
      }
      auto truncated = XmlText(r.body, "IsTruncated");
      if (!truncated || *truncated != "true") break;
      auto next = XmlText(r.body, "NextContinuationToken");
      if (!next || next->empty() || *next == token) {
        return Status::Corruption("LIST " + prefix +
                                  ": truncated listing without a new NextContinuationToken");
      }
      token = *next;
    }
    std::sort(out.begin(), out.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.uri < b.uri; });
    return out;
  }

  Status Delete(const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(ObjectUri u, ParseObjectUri(uri));
    Call c{"DELETE", u.bucket, u.key};
    PE_ASSIGN_OR_RETURN(HttpResponse r, Execute(c, uri));
    if (r.status / 100 == 2 || r.status == 404) return Status::OK();
    return ErrorStatus(r, "DELETE", uri);
  }

 private:
  struct Call {
    Call(std::string m, std::string b, std::string k)
        : method(std::move(m)), bucket(std::move(b)), key(std::move(k)), op(method) {}
    std::string method, bucket, key;
    std::string op;  // operation name for messages ("UploadPart 3"); defaults to the method
    std::vector<std::pair<std::string, std::string>> query;    // decoded
    std::vector<std::pair<std::string, std::string>> headers;  // lowercase names, signed
    std::string body;
    int body_fd = -1;
    uint64_t body_offset = 0, body_length = 0;
    std::string payload_hash;  // computed from `body` when empty and body_fd < 0
    std::function<Status(const HttpResponse&, std::string_view)> sink;
    // The connection to use; null = this file system's own (single-threaded use). Worker
    // threads of a parallel multipart upload each own one.
    Conn* conn = nullptr;
    // When set, Execute stores how many attempts it sent (more than one: an earlier attempt may
    // have been applied by the server although its reply was lost).
    int* attempts = nullptr;
    // CompleteMultipartUpload: "a 200 OK response can contain either a success or an error"
    // (CompleteMultipartUpload API); such errors are retried like the same code in a 5xx.
    bool error_in_2xx = false;
  };

  // One signed request, no retries; but when the bucket lives in another region (S3 answers
  // 301 PermanentRedirect or 400 AuthorizationHeaderMalformed with x-amz-bucket-region), switch
  // to that region and resend once, like the AWS SDK's cross-region access that Pinot enables by
  // default (S3Config crossRegionAccessEnabled).
  Result<HttpResponse> SendOnce(const Call& c) {
    auto r = SendSigned(c);
    if (r.ok() && r->status == 401 && o_.bearer) {
      // The access token was revoked or expired early: fetch a new one and resend once.
      o_.bearer->Invalidate();
      r = SendSigned(c);
    }
    // Region switching mutates the options: only on the owning thread (worker threads of a
    // multipart upload run after CreateMultipartUpload settled the region).
    if (c.conn || !r.ok() || !o_.cross_region_access || (r->status != 301 && r->status != 400)) {
      return r;
    }
    std::string region = r->header("x-amz-bucket-region");
    if (region.empty() || region == o_.region) return r;
    o_.region = region;
    if (o_.endpoint.empty()) ep_ = ParseEndpoint("", region);
    return SendSigned(c);
  }

  Result<HttpResponse> SendSigned(const Call& c) {
    bool vhost = !o_.path_style && c.bucket.find('.') == std::string::npos;
    std::string host = vhost ? c.bucket + "." + ep_.hostport : ep_.hostport;
    std::string path = vhost ? "/" + c.key : "/" + c.bucket + (c.key.empty() ? "" : "/" + c.key);
    std::string url = ep_.scheme + "://" + host + UriEncode(path, true);
    std::string qs;
    for (const auto& [k, v] : c.query) {
      qs += (qs.empty() ? "?" : "&") + UriEncode(k, false) + "=" + UriEncode(v, false);
    }
    url += qs;
    HttpRequest req;
    req.method = c.method;
    req.url = url;
    req.body = c.body;
    req.body_fd = c.body_fd;
    req.body_offset = c.body_offset;
    req.body_length = c.body_length;
    req.sink = c.sink;
    req.headers = c.headers;
    if (o_.bearer) {
      // GCS XML API OAuth2 authentication
      // (https://cloud.google.com/storage/docs/authentication#oauth-2.0).
      PE_ASSIGN_OR_RETURN(std::string token, o_.bearer->Token());
      NoteSecret(token);
      req.headers.emplace_back("authorization", "Bearer " + token);
    } else if (!o_.anonymous) {
      SigV4Credentials creds = o_.credentials;
      if (o_.credentials_provider) {
        PE_ASSIGN_OR_RETURN(creds, o_.credentials_provider->Get());
        NoteSecret(creds.secret_key);
        NoteSecret(creds.session_token);
      }
      std::string hash = c.payload_hash;
      if (hash.empty()) hash = c.body.empty() ? kEmptySha256 : Sha256Hex(c.body);
      req.headers.emplace_back("host", host);
      req.headers.emplace_back("x-amz-date", AmzDateNow());
      req.headers.emplace_back("x-amz-content-sha256", hash);
      if (!creds.session_token.empty()) {
        req.headers.emplace_back("x-amz-security-token", creds.session_token);
      }
      SigV4Request sr;
      sr.method = c.method;
      sr.path = path;
      sr.query = c.query;
      sr.headers = req.headers;
      sr.payload_hash = hash;
      std::string date;
      for (const auto& [k, v] : req.headers) {
        if (k == "x-amz-date") date = v;
      }
      SigV4Result sig = SignV4(sr, creds, o_.region, o_.service, date);
      req.headers.emplace_back("authorization", sig.authorization);
    }
    return (c.conn ? c.conn->http : http_).Send(req);
  }

  static bool HasErrorBody(const HttpResponse& r) {
    return r.body.find("<Error>") != std::string::npos;
  }

  static bool IsRetryable(const HttpResponse& r, bool error_in_2xx = false) {
    if (r.status == 429 || r.status == 500 || r.status == 502 || r.status == 503 ||
        r.status == 504) {
      return true;
    }
    if (r.status / 100 == 2 && !(error_in_2xx && HasErrorBody(r))) return false;
    if (r.status == 404) return false;
    auto code = XmlText(r.body, "Code");
    return code && (*code == "SlowDown" || *code == "RequestTimeout" || *code == "InternalError" ||
                    *code == "ServiceUnavailable" || *code == "Throttling" ||
                    *code == "ThrottlingException");
  }

  // SendOnce with retries (transport errors and retryable statuses, see IsRetryable). Returns the
  // final response (any status) or the final transport error.
  Result<HttpResponse> Execute(const Call& c, const std::string& uri) {
    std::mt19937_64& rng = c.conn ? c.conn->rng : rng_;
    bool renewed = false;
    for (int attempt = 1;; ++attempt) {
      if (c.attempts) *c.attempts = attempt;
      std::string key_used;
      if (o_.credentials_provider && !o_.bearer && !o_.anonymous) {
        auto creds = o_.credentials_provider->Get();
        if (creds.ok()) key_used = creds->access_key;
      }
      auto r = SendOnce(c);
      // Temporary credentials the store calls expired (S3: 400 ExpiredToken, also before their
      // stated expiry when revoked or when clocks disagree): fetch new ones and send again, once
      // per call and without counting an attempt -- nothing was applied. A HEAD answer has no
      // body to carry the code, so any 400/403 to a HEAD counts.
      if (r.ok() && !renewed && !key_used.empty() && (r->status == 400 || r->status == 403) &&
          (XmlText(r->body, "Code").value_or("") == "ExpiredToken" ||
           (c.method == "HEAD" && r->body.empty()))) {
        renewed = true;
        o_.credentials_provider->Invalidate(key_used);
        --attempt;
        continue;
      }
      // Transport failures are IOError; credential errors (a refused OAuth2 grant) are not
      // retried.
      if (!r.ok() && !r.status().IsIOError()) return r.status().WithContext(c.op + " " + uri);
      bool retry = r.ok() ? IsRetryable(*r, c.error_in_2xx) : true;
      if (!retry) return r;
      if (attempt >= o_.retry.max_attempts) {
        std::string what = r.ok() ? ErrorStatus(*r, c.op, uri).message()
                                  : c.op + " " + uri + ": " + r.status().message();
        return Status::IOError(what + " (gave up after " + std::to_string(attempt) + " attempts)");
      }
      SleepMs(BackoffDelayMs(o_.retry, attempt, rng));
    }
  }

  // One-line error for a non-success response: "<op> <uri>: HTTP <status> <Code>: <Message>".
  Status ErrorStatus(const HttpResponse& r, const std::string& op, const std::string& uri) const {
    std::string code = XmlText(r.body, "Code").value_or("");
    std::string msg = XmlText(r.body, "Message").value_or("");
    std::string text = op + " " + uri + ": HTTP " + std::to_string(r.status);
    if (!code.empty()) text += " " + code;
    if (!msg.empty()) text += ": " + msg;
    if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId") {
      text +=
          " (check the secret key / access key; credentials from " + o_.credentials_source + ")";
    } else if ((r.status == 401 || r.status == 403) && o_.bearer) {
      text += " (credentials from " + o_.credentials_source + ")";
    }
    text = Redact(OneLine(text), Secrets());
    if (r.status == 404) return Status::NotFound(text);
    if (r.status == 400 || r.status == 401 || r.status == 403) {
      return Status::InvalidArgument(text);
    }
    return Status::IOError(text);
  }

  // HEAD error responses have no body, so no S3 error code; repeat as a one-byte GET to get the
  // code and message (e.g. SignatureDoesNotMatch rather than a bare 403).
  Status HeadError(const HttpResponse& head, const ObjectUri& u, const std::string& uri) {
    if (head.status == 404 || !head.body.empty()) return ErrorStatus(head, "HEAD", uri);
    Call c{"GET", u.bucket, u.key};
    c.headers = {{"range", "bytes=0-0"}};
    auto r = SendOnce(c);
    if (r.ok() && r->status == head.status && !r->body.empty()) {
      return ErrorStatus(*r, "HEAD", uri);
    }
    return ErrorStatus(head, "HEAD", uri);
  }

  void AddUploadHeaders(Call& c) const {
    if (!o_.disable_acl) c.headers.emplace_back("x-amz-acl", "bucket-owner-full-control");
    if (!o_.storage_class.empty()) c.headers.emplace_back("x-amz-storage-class", o_.storage_class);
    if (!o_.server_side_encryption.empty()) {
      c.headers.emplace_back("x-amz-server-side-encryption", o_.server_side_encryption);
    }
    if (!o_.ssekms_key_id.empty()) {
      c.headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", o_.ssekms_key_id);
    }
    if (!o_.ssekms_encryption_context.empty()) {
      c.headers.emplace_back("x-amz-server-side-encryption-context", o_.ssekms_encryption_context);
    }
  }

  Status PutObject(int fd, uint64_t size, const std::string& local, const ObjectUri& u,
                   const std::string& uri) {
    Call c{"PUT", u.bucket, u.key};
    c.body_fd = fd;
    c.body_length = size;
    PE_ASSIGN_OR_RETURN(c.payload_hash, Sha256FileRange(fd, 0, size, local));
    c.headers.emplace_back("content-type", "application/octet-stream");
    AddUploadHeaders(c);
    PE_ASSIGN_OR_RETURN(HttpResponse r, Execute(c, uri));
    if (r.status / 100 != 2) return ErrorStatus(r, "PUT", uri);
    return Status::OK();
  }

  // CreateMultipartUpload, UploadPart xN, CompleteMultipartUpload; AbortMultipartUpload on any
  // failure so no parts linger
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html).
  //
  // Lost replies: CreateMultipartUpload is not idempotent, so when an attempt may have been
  // applied without its reply reaching us (a retry, or a final transport error / 5xx), the
  // uploads it may have started are found and aborted (AbortOrphanedUploads) before the parts
  // go up -- or before the failure is returned. CompleteMultipartUpload whose reply was lost is
  // settled by the object itself (CompleteUpload).
  Status MultipartUpload(int fd, uint64_t size, const std::string& local, const ObjectUri& u,
                         const std::string& uri) {
    uint64_t part = std::max(o_.multipart_part_size, uint64_t{1});
    if ((size + part - 1) / part > kMaxParts) part = (size + kMaxParts - 1) / kMaxParts;
    Call init{"POST", u.bucket, u.key};
    init.op = "CreateMultipartUpload";
    init.query = {{"uploads", ""}};
    init.headers.emplace_back("content-type", "application/octet-stream");
    AddUploadHeaders(init);
    int attempts = 0;
    init.attempts = &attempts;
    const auto started = std::chrono::steady_clock::now();
    auto ir = Execute(init, uri);
    Status s = !ir.ok()                ? ir.status()
               : ir->status / 100 != 2 ? ErrorStatus(*ir, "CreateMultipartUpload", uri)
                                       : Status::OK();
    std::optional<std::string> upload_id;
    if (s.ok()) {
      upload_id = XmlText(ir->body, "UploadId");
      if (!upload_id || upload_id->empty()) {
        upload_id.reset();
        s = Status::Corruption("CreateMultipartUpload " + uri + ": response without UploadId");
      }
    }
    bool ambiguous =
        attempts > 1 || (!ir.ok() && ir.status().IsIOError()) || (ir.ok() && ir->status / 100 == 5);
    if (ambiguous) {
      Status cleanup = AbortOrphanedUploads(u, uri, upload_id.value_or(""), started);
      if (!cleanup.ok()) {
        s = s.ok() ? cleanup
                   : s.WithContext("uploads it may have started were not aborted (" +
                                   cleanup.message() + ")");
      }
    }
    if (!upload_id) return s;
    if (s.ok()) s = UploadParts(fd, size, part, local, u, uri, *upload_id);
    if (!s.ok()) {
      Call abort{"DELETE", u.bucket, u.key};
      abort.op = "AbortMultipartUpload";
      abort.query = {{"uploadId", *upload_id}};
      auto ar = Execute(abort, uri);
      if (!ar.ok() || (ar->status / 100 != 2 && ar->status != 404)) {
        std::string why = ar.ok() ? ErrorStatus(*ar, "AbortMultipartUpload", uri).message()
                                  : ar.status().message();
        return s.WithContext("multipart upload failed and abort failed too (" + why + ")");
      }
    }
    return s;
  }

  // Aborts the multipart uploads of exactly `u.key` that a CreateMultipartUpload sent since
  // `started` may have begun, except `keep` (the upload we go on with; may be empty).
  // ListMultipartUploads does not say who started an upload beyond the account, so "ours" means
  // initiated within the attempt's window, measured on the server's clock: from the listing's
  // Date header minus the time elapsed here since `started`, widened for the one-second
  // resolution of Date and Initiated. Limit: another writer's upload of the same
  // key begun in that window is aborted too (its CompleteMultipartUpload then fails with
  // NoSuchUpload) -- concurrent writers of one key must be serialized by the caller anyway.
  Status AbortOrphanedUploads(const ObjectUri& u, const std::string& uri, const std::string& keep,
                              std::chrono::steady_clock::time_point started) {
    const std::string what = "cleaning up after a CreateMultipartUpload whose reply was lost";
    std::vector<std::string> orphans;
    std::string key_marker, id_marker;
    while (true) {
      Call c{"GET", u.bucket, ""};
      c.op = "ListMultipartUploads";
      c.query = {{"uploads", ""}, {"prefix", u.key}};
      if (!key_marker.empty()) c.query.emplace_back("key-marker", key_marker);
      if (!id_marker.empty()) c.query.emplace_back("upload-id-marker", id_marker);
      auto r = Execute(c, uri);
      if (!r.ok()) return r.status().WithContext(what);
      if (r->status / 100 != 2) {
        return ErrorStatus(*r, "ListMultipartUploads", uri).WithContext(what);
      }
      auto now = ParseHttpDate(r->header("date"));
      if (!now) {
        return Status::IOError("ListMultipartUploads " + uri +
                               ": response without a valid Date header; cannot tell which "
                               "uploads were started by the lost CreateMultipartUpload (" +
                               what + ")");
      }
      auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
      const int64_t from = *now - elapsed - 2, to = *now + 1;
      for (std::string_view item : XmlElements(r->body, "Upload")) {
        auto key = XmlText(item, "Key");
        auto id = XmlText(item, "UploadId");
        auto initiated = XmlText(item, "Initiated");
        if (!key || *key != u.key || !id || *id == keep || !initiated) continue;
        auto t = ParseIso8601(*initiated);
        if (t.ok() && *t >= from && *t <= to) orphans.push_back(*id);
      }
      if (XmlText(r->body, "IsTruncated").value_or("") != "true") break;
      auto next_key = XmlText(r->body, "NextKeyMarker").value_or("");
      auto next_id = XmlText(r->body, "NextUploadIdMarker").value_or("");
      if (next_key.empty() || (next_key == key_marker && next_id == id_marker)) {
        return Status::Corruption("ListMultipartUploads " + uri +
                                  ": truncated listing without a new NextKeyMarker");
      }
      key_marker = next_key;
      id_marker = next_id;
    }
    for (const std::string& id : orphans) {
      Call abort{"DELETE", u.bucket, u.key};
      abort.op = "AbortMultipartUpload";
      abort.query = {{"uploadId", id}};
      auto ar = Execute(abort, uri);
      if (!ar.ok()) return ar.status().WithContext(what);
      if (ar->status / 100 != 2 && ar->status != 404) {
        return ErrorStatus(*ar, "AbortMultipartUpload", uri).WithContext(what);
      }
    }
    return Status::OK();
  }

  // Uploads the parts with up to o_.multipart_parallelism requests in flight, each on its own
  // connection and each retried on its own (Execute). The first part that fails for good stops
  // the workers from starting further parts; in-flight ones finish before this returns, so the
  // caller's AbortMultipartUpload cannot race a late UploadPart ("you might need to abort again
  // if parts are still being uploaded", AbortMultipartUpload API).
  Status UploadParts(int fd, uint64_t size, uint64_t part, const std::string& local,
                     const ObjectUri& u, const std::string& uri, const std::string& upload_id) {
    const int parts = static_cast<int>((size + part - 1) / part);
    std::vector<std::string> etags(static_cast<size_t>(parts));
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    Status first_error;
    auto fail = [&](Status s) {
      std::lock_guard<std::mutex> l(mu);
      if (first_error.ok()) first_error = std::move(s);
      failed = true;
    };
    auto upload_one = [&](Conn* conn, int n) -> Status {
      uint64_t off = static_cast<uint64_t>(n - 1) * part;
      Call c{"PUT", u.bucket, u.key};
      c.op = "UploadPart " + std::to_string(n);
      c.query = {{"partNumber", std::to_string(n)}, {"uploadId", upload_id}};
      c.body_fd = fd;
      c.body_offset = off;
      c.body_length = std::min(part, size - off);
      c.conn = conn;
      PE_ASSIGN_OR_RETURN(c.payload_hash, Sha256FileRange(fd, off, c.body_length, local));
      PE_ASSIGN_OR_RETURN(HttpResponse r, Execute(c, uri));
      if (r.status / 100 != 2) return ErrorStatus(r, "UploadPart " + std::to_string(n), uri);
      std::string etag = r.header("etag");
      if (etag.empty()) {
        return Status::Corruption("UploadPart " + std::to_string(n) + " " + uri +
                                  ": response without ETag");
      }
      etags[static_cast<size_t>(n - 1)] = std::move(etag);
      return Status::OK();
    };
    auto worker = [&](Conn* conn) {
      while (!failed) {
        int n = next.fetch_add(1) + 1;
        if (n > parts) return;
        Status s = upload_one(conn, n);
        if (!s.ok()) fail(std::move(s));
      }
    };
    int threads = std::max(1, std::min(o_.multipart_parallelism, parts));
    if (threads == 1) {
      worker(nullptr);  // the file system's own connection
    } else {
      std::vector<std::unique_ptr<Conn>> conns;
      std::vector<std::thread> pool;
      for (int i = 0; i < threads; ++i) conns.push_back(std::make_unique<Conn>(o_.http));
      for (int i = 0; i < threads; ++i)
        pool.emplace_back(worker, conns[static_cast<size_t>(i)].get());
      for (auto& t : pool) t.join();
    }
    if (!first_error.ok()) return first_error;
    return CompleteUpload(u, uri, upload_id, etags, size);
  }

  // CompleteMultipartUpload, retried like any request. A retry (or a final transport error)
  // leaves open whether an earlier attempt completed the upload: S3 then answers NoSuchUpload,
  // or nothing. The object settles it: when it has the size we uploaded and the multipart ETag
  // of our parts (MultipartEtag), the upload completed -- OK. Otherwise: after a lost reply
  // UnknownOutcome (ours may have completed and been replaced, or the upload was aborted by
  // someone else); NoSuchUpload on the first attempt is NotFound (the upload was aborted).
  Status CompleteUpload(const ObjectUri& u, const std::string& uri, const std::string& upload_id,
                        const std::vector<std::string>& etags, uint64_t size) {
    std::string complete = "<CompleteMultipartUpload>";
    for (size_t n = 1; n <= etags.size(); ++n) {
      complete += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" +
                  XmlEscape(etags[n - 1]) + "</ETag></Part>";
    }
    complete += "</CompleteMultipartUpload>";
    Call c{"POST", u.bucket, u.key};
    c.op = "CompleteMultipartUpload";
    c.query = {{"uploadId", upload_id}};
    c.body = complete;
    c.headers.emplace_back("content-type", "application/xml");
    c.error_in_2xx = true;
    int attempts = 0;
    c.attempts = &attempts;
    auto r = Execute(c, uri);
    if (r.ok() && r->status / 100 == 2 && !HasErrorBody(*r)) return Status::OK();
    Status failed = !r.ok()                ? r.status()
                    : r->status / 100 == 2 ? ErrorStatus(HttpResponse{500, {}, r->body},
                                                         "CompleteMultipartUpload", uri)
                                           : ErrorStatus(*r, "CompleteMultipartUpload", uri);
    bool no_such_upload =
        r.ok() && r->status == 404 && XmlText(r->body, "Code").value_or("") == "NoSuchUpload";
    bool reply_lost = attempts > 1 || (!r.ok() && r.status().IsIOError());
    if (!no_such_upload && !(reply_lost && !r.ok())) return failed;
    // Did an attempt complete the upload? HEAD the object.
    Call head{"HEAD", u.bucket, u.key};
    auto h = Execute(head, uri);
    auto expected = MultipartEtag(etags);
    if (h.ok() && h->status / 100 == 2 && expected) {
      std::string etag = h->header("etag");
      std::erase(etag, '"');
      uint64_t got = std::strtoull(h->header("content-length").c_str(), nullptr, 10);
      if (Lower(etag) == *expected && got == size) return Status::OK();
    }
    std::string seen = !h.ok()                ? "HEAD failed: " + h.status().message()
                       : h->status == 404     ? "the object does not exist"
                       : h->status / 100 != 2 ? "HEAD answered HTTP " + std::to_string(h->status)
                       : !expected
                           ? "part ETags are not MD5s, so the object cannot be "
                             "matched to them"
                           : "the object is not the one uploaded (ETag " + h->header("etag") +
                                 ", " + h->header("content-length") + " bytes; expected \"" +
                                 *expected + "\", " + std::to_string(size) + " bytes)";
    if (!reply_lost) return Status::NotFound(failed.message() + " (" + seen + ")");
    return Status::UnknownOutcome(
        "CompleteMultipartUpload " + uri +
        ": a reply was lost and whether the upload completed cannot be established (" +
        failed.message() + "; " + seen + ")");
  }

  // Secrets this client has sent (configured keys, and keys and tokens fetched from providers),
  // scrubbed from every error text: servers may echo request headers back.
  void NoteSecret(const std::string& secret) {
    if (secret.empty()) return;
    std::lock_guard<std::mutex> l(secrets_mu_);
    if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
    if (secrets_.size() >= 16) secrets_.erase(secrets_.begin());  // rotated credentials
    secrets_.push_back(secret);
  }
  std::vector<std::string> Secrets() const {
    std::lock_guard<std::mutex> l(secrets_mu_);
    std::vector<std::string> all = secrets_;
    all.push_back(o_.credentials.secret_key);
    all.push_back(o_.credentials.session_token);
    return all;
  }

  S3Options o_;
  Endpoint ep_;
  HttpClient http_;
  std::mt19937_64 rng_;
  mutable std::mutex secrets_mu_;
  std::vector<std::string> secrets_;
};

}  // namespace

Result<std::unique_ptr<FileSystem>> NewS3FileSystem(S3Options o) {
  if (o.multipart_part_size == 0) return Status::InvalidArgument("multipart part size is 0");
  if (o.retry.max_attempts < 1) o.retry.max_attempts = 1;
  if (o.list_page_size < 1) o.list_page_size = 1000;
  return std::unique_ptr<FileSystem>(new S3FileSystem(std::move(o)));
}

}  // namespace pe::fs
