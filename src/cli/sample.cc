// `pinot-export sample`: writes segments in Apache Pinot's exact on-disk formats (src/sample/).
//   --matrix  --out DIR   one segment directory per matrix group + DIR/expected/<segment>.jsonl
//                         (the rows `dump --format jsonl` must print); 1000 rows each by default
//   --demo    --out PATH  one REALTIME (LLC) events segment as a tarball: gzip when PATH has no
//                         extension or ends in .tar.gz, else .tar.lz4 / .tar.zst / .tar;
//                         PATH's basename names the segment when it is an LLC name; 100000 rows
//                         by default
//   --profile dict|raw --out PATH   a large benchmark segment, streamed column by column: a
//                         segment directory at PATH, or a tarball if PATH ends in
//                         .tar[.gz|.lz4|.zst]; 1000000 rows by default
// --rows N (0 <= N <= 2147483647) overrides the default.
#include "sample/sample.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "cli/commands.h"
#include "common/file.h"

namespace fs = std::filesystem;

namespace pe::cli {

namespace {

bool HasTarExtension(const std::string& p) {
  for (const char* e : {".tar.gz", ".tgz", ".tar.lz4", ".tar.zst", ".tar.zstd", ".tar"}) {
    if (p.ends_with(e)) return true;
  }
  return false;
}

std::string StripTarExtension(std::string name) {
  for (const char* e : {".tar.gz", ".tgz", ".tar.lz4", ".tar.zst", ".tar.zstd", ".tar"}) {
    if (name.ends_with(e)) return name.substr(0, name.size() - std::strlen(e));
  }
  return name;
}

// Writes the segment into a scratch directory beside `out`, then moves it to `out` (a segment
// directory) or packs it into the tarball `out`.
Status WriteTo(const sample::SegmentSpec& spec, sample::ValueSource& src, const std::string& out,
               bool tarball) {
  std::error_code ec;
  fs::path target = fs::absolute(out, ec);
  if (ec) return Status::InvalidArgument("--out " + out + ": " + ec.message());
  fs::create_directories(target.parent_path(), ec);
  if (ec) return Status::IOError("cannot create " + target.parent_path().string());
  const std::string scratch =
      target.parent_path().string() + "/.pinot-export-sample-" + std::to_string(::getpid());
  fs::remove_all(scratch, ec);
  auto w = sample::WriteSegment(spec, src, scratch);
  Status st = w.status();
  if (st.ok() && tarball) {
    st = sample::WriteTarball(w->dir, target.string(), sample::TarCompressionFor(target.string()));
  } else if (st.ok()) {
    fs::remove_all(target, ec);
    fs::rename(w->dir, target, ec);
    if (ec)
      st = Status::IOError("cannot move the segment to " + target.string() + ": " + ec.message());
  }
  fs::remove_all(scratch, ec);
  return st;
}

}  // namespace

int Sample(const SampleArgs& a) {
  int modes = int(a.matrix) + int(a.demo) + int(!a.profile.empty());
  if (modes != 1) {
    std::fprintf(stderr, "pinot-export: sample needs exactly one of --matrix, --demo, --profile\n");
    return 2;
  }
  if (a.out.empty()) {
    std::fprintf(stderr, "pinot-export: --out must not be empty\n");
    return 2;
  }
  // a.rows is meaningful only when --rows was given (each mode has its own default below).
  if (a.rows_given && (a.rows < 0 || a.rows > int64_t(INT32_MAX))) {
    std::fprintf(stderr, "pinot-export: --rows must be in [0, 2147483647]\n");
    return 2;
  }
  if (a.matrix) {
    sample::MatrixOptions o;
    o.rows = uint32_t(a.rows_given ? a.rows : 1000);
    o.seed = a.seed;
    std::error_code ec;
    fs::create_directories(a.out + "/expected", ec);
    if (ec) return Fail(Status::IOError("cannot create " + a.out + "/expected: " + ec.message()));
    size_t n = 0;
    for (const auto& g : sample::MatrixSegments(o)) {
      sample::MemorySource src(g.values);
      auto w = sample::WriteSegment(g.spec, src, a.out);
      if (!w.ok()) return Fail(w.status());
      std::string rows;
      Status st = sample::ExpectedJsonl(g, &rows);
      if (st.ok()) st = WriteFileAtomic(a.out + "/expected/" + g.spec.name + ".jsonl", rows);
      if (!st.ok()) return Fail(st);
      std::printf("%s\t%s\n", w->dir.c_str(), g.description.c_str());
      ++n;
    }
    std::printf("wrote %zu segments (%u rows each) and their expected rows under %s/expected\n", n,
                o.rows, a.out.c_str());
    return 0;
  }
  if (a.demo) {
    const uint32_t rows = uint32_t(a.rows_given ? a.rows : 100000);
    std::string out = a.out;
    std::error_code ec;
    const bool into_dir = fs::is_directory(out, ec);
    std::string base = StripTarExtension(fs::path(out).filename().string());
    // An LLC name (table__partition__sequence__yyyyMMddTHHmmZ) names the segment, and its
    // creation time ends the rows' time range, so a deep store of such segments spans real time.
    std::optional<segment::LlcName> llc;
    if (!into_dir) llc = segment::ParseLlcName(base);
    int64_t end_ms = 0;
    if (llc) {
      std::tm tm{};
      const std::string& t = llc->creation_time;
      if (t.size() == 14 && strptime(t.c_str(), "%Y%m%dT%H%MZ", &tm) != nullptr)
        end_ms = int64_t(timegm(&tm)) * 1000;
    }
    sample::GeneratedSegment g = sample::DemoSegment(rows, a.seed, end_ms);
    if (into_dir) out += "/" + g.spec.name;
    if (llc) {
      g.spec.name = base;
      g.spec.table = llc->table;
    }
    sample::MemorySource src(g.values);
    Status st = WriteTo(g.spec, src, out, /*tarball=*/true);
    if (!st.ok()) return Fail(st);
    std::printf("%s\t%s, %u rows\n", out.c_str(), g.description.c_str(), rows);
    return 0;
  }
  const uint32_t rows = uint32_t(a.rows_given ? a.rows : 1000000);
  auto p = sample::Profile(a.profile, rows, a.seed);
  if (!p.ok()) {
    std::fprintf(stderr, "pinot-export: %s\n", p.status().message().c_str());
    return 2;
  }
  Status st = WriteTo(p->spec, *p->source, a.out, HasTarExtension(a.out));
  if (!st.ok()) return Fail(st);
  std::printf("%s\tprofile %s, %u rows\n", a.out.c_str(), a.profile.c_str(), rows);
  return 0;
}

}  // namespace pe::cli
