#include "fs/remote.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>

#include "common/file.h"
#include "common/redact.h"
#include "fs/http.h"
#include "fs/sigv4.h"
#include "fs/xml.h"

namespace pe::fs {

namespace {

std::string Get(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

bool RetryableStatus(long s) { return s == 429 || s == 500 || s == 502 || s == 503 || s == 504; }

Result<RetryPolicy> RetryFromProps(const Props& props) {
  RetryPolicy p;
  std::string a = Get(props, "maxAttempts");
  if (!a.empty()) {
    char* end = nullptr;
    long v = std::strtol(a.c_str(), &end, 10);
    if (*end != '\0' || v < 1 || v > 100) {
      return Status::InvalidArgument("maxAttempts must be an integer in [1, 100], got '" + a + "'");
    }
    p.max_attempts = static_cast<int>(v);
  }
  return p;
}

// Sends with retries on transport errors and 429/5xx; returns the last response otherwise.
// `what` is scrubbed (RedactUri) for the error message.
Result<HttpResponse> SendWithRetry(HttpClient& http, const HttpRequest& req,
                                   const RetryPolicy& retry, std::mt19937_64& rng,
                                   const std::string& what) {
  for (int attempt = 1;; ++attempt) {
    auto r = http.Send(req);
    if (r.ok() && !RetryableStatus(r->status)) return r;
    if (attempt >= retry.max_attempts) {
      std::string why = r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message();
      return Status::IOError(RedactUri(what + ": " + why + " (gave up after " +
                                       std::to_string(attempt) + " attempts)"));
    }
    SleepMs(BackoffDelayMs(retry, attempt, rng));
  }
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// ---------------------------------------------------------------------------------------------
// WebHDFS

class WebHdfsFileSystem : public FileSystem {
 public:
  WebHdfsFileSystem(std::string endpoint, std::string user, std::string delegation,
                    RetryPolicy retry)
      : endpoint_(std::move(endpoint)),
        user_(std::move(user)),
        delegation_(std::move(delegation)),
        retry_(retry),
        rng_(std::random_device{}()) {}

  std::string scheme() const override { return "hdfs"; }

  Result<bool> Exists(const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(std::string path, PathOf(uri));
    PE_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", path, "GETFILESTATUS", {}, uri));
    if (r.status == 200) return true;
    if (r.status == 404) return false;
    return Error(r, "GETFILESTATUS", uri);
  }

  Result<uint64_t> Size(const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(std::string path, PathOf(uri));
    PE_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", path, "GETFILESTATUS", {}, uri));
    if (r.status != 200) return Error(r, "GETFILESTATUS", uri);
    std::optional<uint64_t> length = FileLength(r);
    if (!length) return Status::Corruption("GETFILESTATUS " + uri + ": unexpected response");
    return *length;
  }

  Result<std::string> ReadRange(const std::string& uri, uint64_t offset, uint64_t length) override {
    if (length == 0) return std::string();
    PE_ASSIGN_OR_RETURN(std::string path, PathOf(uri));
    PE_ASSIGN_OR_RETURN(uint64_t size, Size(uri));
    if (offset >= size) return std::string();
    PE_ASSIGN_OR_RETURN(
        HttpResponse r,
        Call("GET", path, "OPEN",
             {{"offset", std::to_string(offset)}, {"length", std::to_string(length)}}, uri));
    if (r.status != 200) return Error(r, "OPEN", uri);
    if (r.body.size() > length) r.body.resize(length);
    return std::move(r.body);
  }

  Status Download(const std::string& uri, const std::string& local_path) override {
    PE_ASSIGN_OR_RETURN(std::string path, PathOf(uri));
    PE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(local_path));
    uint64_t written = 0;
    std::string last;
    for (int attempt = 1;; ++attempt) {
      HttpRequest req;
      req.url = Url(path, "OPEN", {{"offset", std::to_string(written)}});
      req.follow_redirects = true;
      Status local_error;
      req.sink = [&](const HttpResponse&, std::string_view data) -> Status {
        Status s = out->Append(data);
        if (!s.ok()) return local_error = s;
        written += data.size();
        return Status::OK();
      };
      auto r = http_.Send(req);
      if (!local_error.ok()) return local_error;
      if (r.ok() && r->status == 200) return out->Commit();
      if (r.ok() && !RetryableStatus(r->status)) return Error(*r, "OPEN", uri);
      last = r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message();
      if (attempt >= retry_.max_attempts) break;
      SleepMs(BackoffDelayMs(retry_, attempt, rng_));
    }
    return Status::IOError("OPEN " + uri + ": " + last + " (gave up after " +
                           std::to_string(retry_.max_attempts) + " attempts)");
  }

  Status Upload(const std::string& local_path, const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(std::string path, PathOf(uri));
    size_t slash = path.rfind('/');
    std::string name = path.substr(slash + 1);
    if (name.empty()) return Status::InvalidArgument("upload target must name a file: " + uri);
    Fd fd{::open(local_path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (fd.fd < 0)
      return Status::IOError("cannot open " + local_path + ": " + std::strerror(errno));
    struct stat st;
    if (::fstat(fd.fd, &st) != 0) {
      return Status::IOError("cannot stat " + local_path + ": " + std::strerror(errno));
    }
    std::string tmp = HiddenTempPath(path);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    Status s = CreateFile(fd.fd, size, tmp, uri);
    if (s.ok()) s = Rename(tmp, path, size, uri);
    // Deleting the temp file is safe whatever the rename did: once renamed it no longer exists.
    if (!s.ok()) (void)Call("DELETE", tmp, "DELETE", {{"recursive", "false"}}, uri);
    return s;
  }

  Result<std::vector<FileInfo>> List(const std::string& prefix) override {
    PE_ASSIGN_OR_RETURN(std::string path, PathOf(prefix));
    std::string head = prefix.substr(0, prefix.size() - path.size());  // "hdfs://host:port"
    size_t slash = path.rfind('/');
    std::string dir = path.substr(0, slash + 1), name_prefix = path.substr(slash + 1);
    std::vector<FileInfo> out;
    PE_RETURN_IF_ERROR(ListDir(dir, name_prefix, head, prefix, out));
    std::sort(out.begin(), out.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.uri < b.uri; });
    return out;
  }

  // Idempotent as specified: a retried DELETE whose first reply was lost finds nothing and answers
  // {"boolean": false} (or 404), which is success here.
  Status Delete(const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(std::string path, PathOf(uri));
    PE_ASSIGN_OR_RETURN(HttpResponse r,
                        Call("DELETE", path, "DELETE", {{"recursive", "false"}}, uri));
    if (r.status == 200 || r.status == 404) return Status::OK();
    return Error(r, "DELETE", uri);
  }

 private:
  using Params = std::vector<std::pair<std::string, std::string>>;

  static Result<std::string> PathOf(const std::string& uri) {
    if (uri.rfind("hdfs://", 0) != 0) return Status::InvalidArgument("not an hdfs:// URI: " + uri);
    size_t slash = uri.find('/', 7);
    if (slash == std::string::npos) return std::string("/");
    return uri.substr(slash);
  }

  std::string Url(const std::string& path, const std::string& op, const Params& params) const {
    std::string url = endpoint_ + "/webhdfs/v1" + UriEncode(path, true) + "?op=" + op;
    // A delegation token authenticates on its own (WebHDFS "Authentication": delegation=<token>
    // instead of user.name). URLs never appear in errors, so the token cannot leak through them.
    if (!delegation_.empty()) {
      url += "&delegation=" + UriEncode(delegation_, false);
    } else if (!user_.empty()) {
      url += "&user.name=" + UriEncode(user_, false);
    }
    for (const auto& [k, v] : params) url += "&" + k + "=" + UriEncode(v, false);
    return url;
  }

  Result<HttpResponse> Call(const std::string& method, const std::string& path,
                            const std::string& op, const Params& params, const std::string& uri) {
    HttpRequest req;
    req.method = method;
    req.url = Url(path, op, params);
    req.follow_redirects = method == "GET";
    return SendWithRetry(http_, req, retry_, rng_, op + " " + uri);
  }

  // FileStatus.length of a GETFILESTATUS answer.
  static std::optional<uint64_t> FileLength(const HttpResponse& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.contains("FileStatus") || !j["FileStatus"].is_object()) {
      return std::nullopt;
    }
    return j["FileStatus"].value("length", uint64_t{0});
  }

  // RENAME tmp -> path with OVERWRITE, which replaces the target in one NameNode operation.
  // RENAME is not idempotent: once applied, a retry finds no source and answers
  // {"boolean": false}. A reply can be lost without us retrying (libcurl itself re-sends a
  // request once when a reused connection closes before any reply), so every false answer, and
  // every exhausted retry, is read back: the temp file gone and the target holding `size` bytes
  // means the rename happened (the temp name is ours alone, so nobody else moves it).
  Status Rename(const std::string& tmp, const std::string& path, uint64_t size,
                const std::string& uri) {
    auto r =
        Call("PUT", tmp, "RENAME", {{"destination", path}, {"renameoptions", "OVERWRITE"}}, uri);
    Status failed;
    if (!r.ok()) {
      failed = r.status();
    } else if (r->status != 200) {
      return Error(*r, "RENAME", uri);
    } else {
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.value("boolean", false)) return Status::OK();
      failed = Status::IOError("RENAME " + uri + ": the NameNode refused the rename");
    }
    auto src = Call("GET", tmp, "GETFILESTATUS", {}, uri);
    auto dst = Call("GET", path, "GETFILESTATUS", {}, uri);
    if (src.ok() && src->status == 200) return failed;  // the temp file is still there
    if (src.ok() && src->status == 404 && dst.ok() && dst->status == 200 &&
        FileLength(*dst) == size) {
      return Status::OK();
    }
    std::string state = src.ok() && src->status == 404
                            ? "the temp file is gone but the target does not hold the " +
                                  std::to_string(size) + " bytes uploaded"
                            : "the temp file's state cannot be read back";
    return Status::UnknownOutcome("RENAME " + uri + ": outcome unknown, " + state + " (" +
                                  failed.message() + ")");
  }

  // Two-step CREATE: the NameNode redirects (307) to a DataNode, which receives the bytes.
  Status CreateFile(int fd, uint64_t size, const std::string& path, const std::string& uri) {
    for (int attempt = 1;; ++attempt) {
      PE_ASSIGN_OR_RETURN(HttpResponse r1,
                          Call("PUT", path, "CREATE", {{"overwrite", "true"}}, uri));
      std::string location = r1.header("location");
      if (r1.status != 307 || location.empty()) {
        if (r1.status / 100 == 2 || r1.status == 307) {
          return Status::IOError("CREATE " + uri + ": NameNode did not redirect to a DataNode");
        }
        return Error(r1, "CREATE", uri);
      }
      HttpRequest req;
      req.method = "PUT";
      req.url = location;
      req.body_fd = fd;
      req.body_length = size;
      req.headers = {{"Content-Type", "application/octet-stream"}};
      auto r2 = http_.Send(req);
      if (r2.ok() && (r2->status == 201 || r2->status == 200)) return Status::OK();
      if (r2.ok() && !RetryableStatus(r2->status)) return Error(*r2, "CREATE (DataNode)", uri);
      if (attempt >= retry_.max_attempts) {
        std::string why = r2.ok() ? "HTTP " + std::to_string(r2->status) : r2.status().message();
        return Status::IOError("CREATE (DataNode) " + uri + ": " + why + " (gave up after " +
                               std::to_string(attempt) + " attempts)");
      }
      SleepMs(BackoffDelayMs(retry_, attempt, rng_));
    }
  }

  Status ListDir(const std::string& dir, const std::string& name_prefix, const std::string& head,
                 const std::string& what, std::vector<FileInfo>& out) {
    PE_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", dir, "LISTSTATUS", {}, what));
    if (r.status == 404) return Status::OK();
    if (r.status != 200) return Error(r, "LISTSTATUS", what);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.contains("FileStatuses")) {
      return Status::Corruption("LISTSTATUS " + what + ": unexpected response");
    }
    std::string base = dir.empty() || dir.back() != '/' ? dir + "/" : dir;
    for (const auto& st : j["FileStatuses"].value("FileStatus", nlohmann::json::array())) {
      std::string name = st.value("pathSuffix", "");
      if (name.empty() || name.rfind(name_prefix, 0) != 0) continue;
      if (st.value("type", "") == "DIRECTORY") {
        PE_RETURN_IF_ERROR(ListDir(base + name + "/", "", head, what, out));
      } else {
        // FileStatus.modificationTime is epoch ms (WebHDFS REST API, FileStatus JSON schema).
        out.push_back({head + base + name, st.value("length", uint64_t{0}),
                       st.value("modificationTime", int64_t{0})});
      }
    }
    return Status::OK();
  }

  // "<op> <uri>: HTTP <status> <exception>: <message>" from a RemoteException body, without the
  // delegation token (servers echo request parameters in messages).
  Status Error(const HttpResponse& r, const std::string& op, const std::string& uri) const {
    std::string text = op + " " + uri + ": HTTP " + std::to_string(r.status);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_discarded() && j.contains("RemoteException")) {
      const auto& e = j["RemoteException"];
      text += " " + e.value("exception", std::string()) + ": " + e.value("message", std::string());
    }
    text = Redact(OneLine(std::move(text)), {delegation_});
    if (r.status == 404) return Status::NotFound(text);
    if (r.status == 401 || r.status == 403) return Status::InvalidArgument(text);
    return Status::IOError(text);
  }

  std::string endpoint_, user_, delegation_;
  RetryPolicy retry_;
  HttpClient http_;
  std::mt19937_64 rng_;
};

// dfs.namenode.http-address from <conf>/hdfs-site.xml, or "".
std::string NameNodeHttpAddress(const std::string& conf_dir) {
  std::ifstream f(conf_dir + "/hdfs-site.xml");
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  std::string doc = ss.str();
  for (std::string_view prop : XmlElements(doc, "property")) {
    if (XmlText(prop, "name").value_or("") == "dfs.namenode.http-address") {
      return XmlText(prop, "value").value_or("");
    }
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Read-only HTTP(S)

class HttpFileSystem : public FileSystem {
 public:
  explicit HttpFileSystem(RetryPolicy retry) : retry_(retry), rng_(std::random_device{}()) {}
  std::string scheme() const override { return "http"; }

  Result<bool> Exists(const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(HttpResponse r, Head(uri));
    if (r.status / 100 == 2) return true;
    if (r.status == 404) return false;
    return Error(r, "HEAD", uri);
  }
  Result<uint64_t> Size(const std::string& uri) override {
    PE_ASSIGN_OR_RETURN(HttpResponse r, Head(uri));
    if (r.status / 100 != 2) return Error(r, "HEAD", uri);
    std::string len = r.header("content-length");
    if (len.empty()) return Status::NotSupported("HEAD " + RedactUri(uri) + ": no Content-Length");
    return static_cast<uint64_t>(std::strtoull(len.c_str(), nullptr, 10));
  }
  Result<std::string> ReadRange(const std::string& uri, uint64_t offset, uint64_t length) override {
    if (length == 0) return std::string();
    HttpRequest req;
    req.url = uri;
    req.follow_redirects = true;
    req.headers = {
        {"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}};
    PE_ASSIGN_OR_RETURN(HttpResponse r, SendWithRetry(http_, req, retry_, rng_, "GET " + uri));
    if (r.status == 416) return std::string();
    if (r.status / 100 != 2) return Error(r, "GET", uri);
    if (r.status == 200) {  // Range ignored: the whole body came back
      if (offset >= r.body.size()) return std::string();
      return r.body.substr(offset, length);
    }
    return std::move(r.body);
  }
  Status Download(const std::string& uri, const std::string& local_path) override {
    std::string last;
    for (int attempt = 1;; ++attempt) {
      PE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(local_path));
      HttpRequest req;
      req.url = uri;
      req.follow_redirects = true;
      Status local_error;
      req.sink = [&](const HttpResponse&, std::string_view data) -> Status {
        Status s = out->Append(data);
        if (!s.ok()) local_error = s;
        return s;
      };
      auto r = http_.Send(req);
      if (!local_error.ok()) return local_error;
      if (r.ok() && r->status / 100 == 2) return out->Commit();
      if (r.ok() && !RetryableStatus(r->status)) return Error(*r, "GET", uri);
      last = r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message();
      if (attempt >= retry_.max_attempts) break;
      SleepMs(BackoffDelayMs(retry_, attempt, rng_));
    }
    return Status::IOError(RedactUri("GET " + uri + ": " + last + " (gave up after " +
                                     std::to_string(retry_.max_attempts) + " attempts)"));
  }
  Status Upload(const std::string&, const std::string& uri) override {
    return Status::NotSupported("http(s) storage is read-only: " + RedactUri(uri));
  }
  Result<std::vector<FileInfo>> List(const std::string& prefix) override {
    return Status::NotSupported("http(s) storage cannot list: " + RedactUri(prefix));
  }
  Status Delete(const std::string& uri) override {
    return Status::NotSupported("http(s) storage is read-only: " + RedactUri(uri));
  }

 private:
  Result<HttpResponse> Head(const std::string& uri) {
    HttpRequest req;
    req.method = "HEAD";
    req.url = uri;
    req.follow_redirects = true;
    return SendWithRetry(http_, req, retry_, rng_, "HEAD " + uri);
  }
  // "<op> <uri>: HTTP <status>"; the URI without its query (presigned URLs carry credentials).
  static Status Error(const HttpResponse& r, const std::string& op, const std::string& uri) {
    std::string text = op + " " + RedactUri(uri) + ": HTTP " + std::to_string(r.status);
    if (r.status == 404) return Status::NotFound(text);
    if (r.status == 401 || r.status == 403) return Status::InvalidArgument(text);
    return Status::IOError(text);
  }
  RetryPolicy retry_;
  HttpClient http_;
  std::mt19937_64 rng_;
};

}  // namespace

Result<std::unique_ptr<FileSystem>> NewWebHdfsFileSystem(const Props& props, const Env& env,
                                                         const std::string& uri) {
  if (!Get(props, "hadoop.kerberos.principle").empty() ||
      !Get(props, "hadoop.kerberos.keytab").empty()) {
    return Status::NotSupported(
        "HDFS Kerberos authentication (hadoop.kerberos.*) is not supported over WebHDFS here");
  }
  PE_ASSIGN_OR_RETURN(RetryPolicy retry, RetryFromProps(props));
  std::string endpoint = Get(props, "webhdfs.endpoint");
  if (endpoint.empty() && !Get(props, "hadoop.conf.path").empty()) {
    endpoint = NameNodeHttpAddress(Get(props, "hadoop.conf.path"));
  }
  if (endpoint.empty()) {
    std::string rest = uri.size() > 7 ? uri.substr(7) : "";
    std::string authority = rest.substr(0, rest.find('/'));
    std::string host = authority.substr(0, authority.rfind(':'));
    if (host.empty()) {
      return Status::InvalidArgument("hdfs URI without a NameNode host (" + RedactUri(uri) +
                                     "): set webhdfs.endpoint or hadoop.conf.path");
    }
    endpoint = host + ":9870";  // Hadoop 3 default dfs.namenode.http-address port
  }
  if (endpoint.find("://") == std::string::npos) endpoint = "http://" + endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  std::string user = Get(props, "hadoop.user");
  if (user.empty()) user = Get(env, "HADOOP_USER_NAME");
  if (user.empty()) user = Get(env, "USER");
  std::string delegation = Get(props, "hadoop.delegation.token");
  return std::unique_ptr<FileSystem>(
      new WebHdfsFileSystem(endpoint, user, std::move(delegation), retry));
}

Result<std::unique_ptr<FileSystem>> NewHttpFileSystem(const Props& props) {
  PE_ASSIGN_OR_RETURN(RetryPolicy retry, RetryFromProps(props));
  return std::unique_ptr<FileSystem>(new HttpFileSystem(retry));
}

}  // namespace pe::fs
