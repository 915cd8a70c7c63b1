// Keeps deploy/ (and docs/deploy.md) honest against the binary: every pinot-export command line in
// the systemd units, the Kubernetes manifests, the Dockerfile and the deployment guide uses only
// flags that `pinot-export run --help` lists; grace periods leave room; no secret sits in the
// ConfigMap; the Secret template holds placeholders only; the ConfigMap's table configs validate.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/file.h"
#include "testing/testing.h"

namespace pe {
namespace {

namespace fs = std::filesystem;
using pe::testing::RunCli;
using pe::testing::SourceDir;

// One pinot-export command line found in a deploy file.
struct CommandLine {
  std::string where;  // file:line
  std::vector<std::string> tokens;
};

std::string Read(const fs::path& p) {
  auto s = ReadFileToString(p.string());
  EXPECT_TRUE(s.ok()) << p;
  return s.ok() ? *s : std::string();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) {
    // Strip YAML/JSON/shell quoting around a word.
    while (!w.empty() && (w.back() == '"' || w.back() == '\'' || w.back() == ',')) w.pop_back();
    while (!w.empty() && (w.front() == '"' || w.front() == '\'')) w.erase(0, 1);
    if (!w.empty()) out.push_back(w);
  }
  return out;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

size_t Indent(const std::string& l) { return l.find_first_not_of(' '); }

// The long flags `pinot-export run --help` lists (first column of its option lines).
std::set<std::string> RunHelpFlags() {
  auto r = RunCli({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> flags;
  static const std::regex opt(R"(^\s+(?:-[A-Za-z],)?(--[a-z][a-z0-9-]*))");
  for (const auto& l : Lines(r.out)) {
    std::smatch m;
    if (std::regex_search(l, m, opt)) flags.insert(m[1]);
  }
  return flags;
}

// "--flag=value" and "--flag" -> "--flag"; other words -> "".
std::string FlagOf(const std::string& w) {
  if (w.rfind("--", 0) != 0 || w.size() < 3) return "";
  return w.substr(0, w.find('='));
}

fs::path Root() { return fs::path(SourceDir()); }

std::vector<fs::path> FilesIn(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// ExecStart= of the systemd units, continuation lines joined; the words after the binary.
std::vector<CommandLine> SystemdCommands() {
  std::vector<CommandLine> out;
  for (const auto& f : FilesIn(Root() / "deploy/systemd", ".service")) {
    auto lines = Lines(Read(f));
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].rfind("ExecStart=", 0) != 0) continue;
      std::string joined = lines[i].substr(10);
      size_t j = i;
      while (!joined.empty() && Trim(joined).back() == '\\' && j + 1 < lines.size()) {
        joined = Trim(joined);
        joined.pop_back();
        joined += " " + lines[++j];
      }
      auto w = Words(joined);
      if (!w.empty() && w[0].find("pinot-export") != std::string::npos) w.erase(w.begin());
      out.push_back({f.filename().string() + ":" + std::to_string(i + 1), w});
    }
  }
  return out;
}

// Word-split extra arguments the units document (PE_EXTRA_ARGS=... in units and conf examples).
std::vector<CommandLine> SystemdExtraArgs() {
  std::vector<CommandLine> out;
  for (const auto& e : fs::directory_iterator(Root() / "deploy/systemd")) {
    auto lines = Lines(Read(e.path()));
    for (size_t i = 0; i < lines.size(); ++i) {
      size_t p = lines[i].find("PE_EXTRA_ARGS=");
      if (p == std::string::npos) continue;
      out.push_back({e.path().filename().string() + ":" + std::to_string(i + 1),
                     Words(lines[i].substr(p + 14))});
    }
  }
  return out;
}

// The `args:` / `command:` sequences of the Kubernetes manifests, block style, including
// commented-out items ("# - --table-config"), which document alternatives.
std::vector<CommandLine> K8sCommands() {
  std::vector<CommandLine> out;
  static const std::regex key(R"(^(\s*)(args|command):\s*$)");
  static const std::regex item(R"(^\s*(?:#\s*)?-\s+(.*)$)");
  for (const auto& f : FilesIn(Root() / "deploy/k8s", ".yaml")) {
    auto lines = Lines(Read(f));
    for (size_t i = 0; i < lines.size(); ++i) {
      std::smatch m;
      if (!std::regex_search(lines[i], m, key)) continue;
      const size_t indent = size_t(m[1].length());
      CommandLine c{f.filename().string() + ":" + std::to_string(i + 1), {}};
      for (size_t j = i + 1; j < lines.size(); ++j) {
        const std::string& l = lines[j];
        if (Trim(l).empty()) continue;
        const bool comment = Trim(l)[0] == '#';
        if (Indent(l) < indent || (Indent(l) == indent && Trim(l)[0] != '-' && !comment)) break;
        std::smatch im;
        if (!std::regex_search(l, im, item)) {
          if (comment) continue;  // prose between the items
          break;
        }
        for (auto& x : Words(im[1])) c.tokens.push_back(x);
      }
      out.push_back(c);
    }
  }
  return out;
}

// The Dockerfile's CMD (JSON form), which the ENTRYPOINT pinot-export runs.
std::vector<CommandLine> DockerCommands() {
  std::vector<CommandLine> out;
  auto lines = Lines(Read(Root() / "deploy/Dockerfile"));
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("CMD ", 0) != 0) continue;
    std::string s = lines[i].substr(4);
    std::replace(s.begin(), s.end(), '[', ' ');
    std::replace(s.begin(), s.end(), ']', ' ');
    out.push_back({"Dockerfile:" + std::to_string(i + 1), Words(s)});
  }
  return out;
}

// `pinot-export run ...` lines in docs/deploy.md's code blocks, continuation lines joined.
std::vector<CommandLine> DocCommands() {
  std::vector<CommandLine> out;
  auto lines = Lines(Read(Root() / "docs/deploy.md"));
  bool code = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (Trim(lines[i]).rfind("```", 0) == 0) {
      code = !code;
      continue;
    }
    size_t p = lines[i].find("pinot-export run ");
    if (!code || p == std::string::npos) continue;
    std::string joined = lines[i].substr(p + 13);
    size_t j = i;
    while (!Trim(joined).empty() && Trim(joined).back() == '\\' && j + 1 < lines.size()) {
      joined = Trim(joined);
      joined.pop_back();
      joined += " " + lines[++j];
    }
    if (size_t h = joined.find(" #"); h != std::string::npos) joined.resize(h);
    out.push_back({"docs/deploy.md:" + std::to_string(i + 1), Words(joined)});
    i = j;
  }
  return out;
}

void ExpectKnownFlags(const std::vector<CommandLine>& cmds, const std::set<std::string>& known) {
  for (const auto& c : cmds) {
    for (const auto& w : c.tokens) {
      std::string f = FlagOf(w);
      if (f.empty()) continue;
      EXPECT_TRUE(known.count(f)) << c.where << ": " << f
                                  << " is not a flag of `pinot-export run` (see run --help)";
    }
  }
}

TEST(DeployFiles, SystemdUnitsUseRunFlags) {
  auto known = RunHelpFlags();
  auto cmds = SystemdCommands();
  ASSERT_EQ(cmds.size(), 3u) << "generator, worker and single-machine units";
  for (const auto& c : cmds) {
    ASSERT_FALSE(c.tokens.empty()) << c.where;
    EXPECT_EQ(c.tokens[0], "run") << c.where;
  }
  ExpectKnownFlags(cmds, known);
  auto extra = SystemdExtraArgs();
  EXPECT_FALSE(extra.empty());
  ExpectKnownFlags(extra, known);
}

TEST(DeployFiles, KubernetesArgsUseRunFlags) {
  auto cmds = K8sCommands();
  ASSERT_EQ(cmds.size(), 2u) << "generator and worker Deployments";
  for (const auto& c : cmds) {
    ASSERT_FALSE(c.tokens.empty()) << c.where;
    EXPECT_EQ(c.tokens[0], "run") << c.where;
    EXPECT_TRUE(std::count(c.tokens.begin(), c.tokens.end(), "--role")) << c.where;
    // The commented --table-config alternative is picked up too.
    EXPECT_TRUE(std::count(c.tokens.begin(), c.tokens.end(), "--table-config")) << c.where;
  }
  ExpectKnownFlags(cmds, RunHelpFlags());
}

TEST(DeployFiles, DockerfileAndGuideUseRunFlags) {
  auto known = RunHelpFlags();
  auto docker = DockerCommands();
  ASSERT_EQ(docker.size(), 1u);
  ExpectKnownFlags(docker, known);
  auto docs = DocCommands();
  EXPECT_GE(docs.size(), 3u) << "docs/deploy.md shows generator, worker and single-machine runs";
  ExpectKnownFlags(docs, known);
}

// The value after `--grace-period` in a command line (30 when absent, run's default).
double GracePeriod(const CommandLine& c) {
  for (size_t i = 0; i + 1 < c.tokens.size(); ++i)
    if (c.tokens[i] == "--grace-period") return std::stod(c.tokens[i + 1]);
  return 30;
}

TEST(DeployFiles, StopTimeoutsExceedTheGracePeriod) {
  static const std::regex k8s(R"(terminationGracePeriodSeconds:\s*(\d+))");
  for (const auto& c : K8sCommands()) {
    std::string file = c.where.substr(0, c.where.find(':'));
    std::string text = Read(Root() / "deploy/k8s" / file);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, k8s)) << file;
    EXPECT_GT(std::stod(m[1]), GracePeriod(c)) << file;
  }
  static const std::regex unit(R"(\nTimeoutStopSec=(\d+)\n)");
  for (const auto& c : SystemdCommands()) {
    std::string file = c.where.substr(0, c.where.find(':'));
    std::string text = Read(Root() / "deploy/systemd" / file);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, unit)) << file;
    EXPECT_GT(std::stod(m[1]), GracePeriod(c)) << file;
    EXPECT_NE(text.find("\nKillSignal=SIGTERM\n"), std::string::npos) << file;
  }
}

// The Dockerfile's runtime stage installs the package of every shared library the binary needs
// (readelf's NEEDED entries mapped with dpkg -S, as on Debian 12). Skipped where dpkg is absent.
TEST(DeployFiles, DockerRuntimePackagesCoverTheBinary) {
  if (pe::testing::Run({"dpkg-query", "--version"}).exit_code != 0) GTEST_SKIP() << "no dpkg";
  auto elf = pe::testing::Run({"readelf", "-d", pe::testing::CliBinary()});
  if (elf.exit_code != 0) GTEST_SKIP() << "no readelf";
  std::string docker = Read(Root() / "deploy/Dockerfile");
  size_t stage = docker.find(" AS runtime");
  ASSERT_NE(stage, std::string::npos);
  std::string runtime = docker.substr(stage, docker.find("COPY --from=build", stage) - stage);
  std::set<std::string> pkgs_in_image;
  for (const auto& w : Words(runtime)) pkgs_in_image.insert(w);
  // In every Debian base image; sanitizer runtimes only in the ASan+UBSan test build.
  const std::set<std::string> base = {"libc6", "libstdc++6", "libgcc-s1"};
  static const std::regex needed(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
  // Each library's path and the file it links to; one dpkg -S call for all of them.
  std::vector<std::pair<std::string, std::vector<std::string>>> libs;
  std::vector<std::string> query{"dpkg", "-S"};
  for (const auto& l : Lines(elf.out)) {
    std::smatch m;
    if (!std::regex_search(l, m, needed)) continue;
    std::string lib = m[1];
    if (lib.find("asan") != std::string::npos || lib.find("ubsan") != std::string::npos) continue;
    std::vector<std::string> paths;
    for (const char* dir : {"/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/"}) {
      std::error_code ec;
      std::string path = std::string(dir) + lib;
      if (!fs::exists(path, ec)) continue;
      paths.push_back(path);
      paths.push_back(fs::canonical(path, ec).string());
      // Debian 12 merges /lib into /usr/lib; dpkg knows one of the two spellings.
      std::string other = path.rfind("/usr", 0) == 0 ? path.substr(4) : "/usr" + path;
      paths.push_back(other);
    }
    for (const auto& p : paths) query.push_back(p);
    libs.push_back({lib, paths});
  }
  ASSERT_GE(libs.size(), 5u) << elf.out;
  std::map<std::string, std::string> owner;  // path -> package
  for (const auto& l : Lines(pe::testing::Run(query).out)) {
    size_t colon = l.find(':'), sep = l.find(": ");
    if (colon == std::string::npos || sep == std::string::npos) continue;
    owner[l.substr(sep + 2)] = l.substr(0, colon);
  }
  for (const auto& [lib, paths] : libs) {
    std::string pkg;
    for (const auto& p : paths)
      if (owner.count(p)) pkg = owner[p];
    if (pkg.empty() || base.count(pkg)) continue;  // base image, or not from a Debian package
    EXPECT_TRUE(pkgs_in_image.count(pkg))
        << lib << " comes from " << pkg << ", which deploy/Dockerfile's runtime stage lacks";
  }
}

// Key names that hold secrets (docs/storage.md, docs/iceberg.md, the AWS/GCS environment).
const std::vector<std::string> kSecretKeys = {"accessKey",
                                              "secretKey",
                                              "sessionToken",
                                              "catalog.iceberg-rest.credential",
                                              "catalog.iceberg-rest.token",
                                              "s3.secret-access-key",
                                              "s3.session-token",
                                              "AWS_SECRET_ACCESS_KEY",
                                              "AWS_SESSION_TOKEN",
                                              "AWS_ACCESS_KEY_ID",
                                              "api-token",
                                              "gcpKey",
                                              "jsonKey",
                                              "private_key"};

TEST(DeployFiles, NoSecretsInTheConfigMap) {
  std::string cm = Read(Root() / "deploy/k8s/configmap.yaml");
  for (const auto& l : Lines(cm)) {
    if (Trim(l).rfind('#', 0) == 0) continue;  // comments may name what must not be here
    for (const auto& k : kSecretKeys) {
      EXPECT_EQ(l.find(k), std::string::npos) << "configmap.yaml names a secret key: " << l;
    }
  }
}

// Every value of a secret key in the Secret template and the env example is a <placeholder>.
TEST(DeployFiles, SecretTemplatesHoldPlaceholdersOnly) {
  static const std::regex kv(R"re(^\s*"?([A-Za-z0-9_.-]+)"?\s*[:=]\s*"?([^"]*)"?,?\s*$)re");
  for (const char* f : {"deploy/k8s/secret.yaml", "deploy/systemd/env.example"}) {
    int seen = 0;
    for (const auto& l : Lines(Read(Root() / f))) {
      std::string t = Trim(l);
      if (t.rfind('#', 0) == 0) t = Trim(t.substr(1));  // commented-out keys too
      std::smatch m;
      if (!std::regex_search(t, m, kv)) continue;
      std::string key = m[1], value = Trim(m[2]);
      bool secret = std::any_of(kSecretKeys.begin(), kSecretKeys.end(), [&](const std::string& k) {
        return key.find(k) != std::string::npos;
      });
      if (!secret) continue;
      ++seen;
      EXPECT_TRUE(value.size() >= 2 && value.front() == '<' && value.back() == '>')
          << f << ": " << key << " must be a <placeholder>, not a value";
    }
    EXPECT_GE(seen, 3) << f;
  }
}

// The ConfigMap's table config files (block scalars "<name>.json: |") are valid configs.
TEST(DeployFiles, ConfigMapTableConfigsValidate) {
  auto lines = Lines(Read(Root() / "deploy/k8s/configmap.yaml"));
  static const std::regex key(R"(^(\s*)([A-Za-z0-9_.-]+\.json):\s*\|\s*$)");
  auto dir = TempDir::Make("pe-deploy-test");
  ASSERT_TRUE(dir.ok());
  int validated = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (!std::regex_search(lines[i], m, key)) continue;
    const size_t indent = size_t(m[1].length());
    std::string body;
    size_t block_indent = std::string::npos;
    for (size_t j = i + 1; j < lines.size(); ++j) {
      if (Trim(lines[j]).empty()) {
        body += "\n";
        continue;
      }
      if (Indent(lines[j]) <= indent) break;
      if (block_indent == std::string::npos) block_indent = Indent(lines[j]);
      body += lines[j].substr(std::min(block_indent, Indent(lines[j]))) + "\n";
    }
    std::string path = dir->path() + "/" + std::string(m[2]);
    ASSERT_TRUE(WriteFileAtomic(path, body).ok());
    auto r = RunCli({"validate", "--table-config", path});
    EXPECT_EQ(r.exit_code, 0) << m[2] << ": " << r.err;
    ++validated;
  }
  EXPECT_GE(validated, 1);
}

}  // namespace
}  // namespace pe
