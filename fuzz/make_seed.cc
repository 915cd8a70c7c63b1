// Seeds for the fuzz targets, and the way back from a fuzz input to a segment file.
//
//   make_fuzz_seed seeds OUT_ROOT [SEGMENT_DIR...]
//     Writes OUT_ROOT/{segment_v3_fuzz,segment_v1_fuzz,tarball_fuzz,convert_fuzz}/<name>: every
//     segment of the sample test matrix (v1 and v3 layouts, every type, encoding, raw version and
//     codec) and each given extracted segment directory, in each target's framing (fuzz_common.h).
//   make_fuzz_seed unpack TARGET INPUT OUT
//     Turns a fuzz input (e.g. a crash-* file) of TARGET into a plain segment tarball OUT that
//     Segment::Open and `pinot-export` read as they would any segment (tests/data/broken/); for
//     convert_fuzz it prints the "convert: ..." options line for the .expected sidecar.
#include <filesystem>

#include "fuzz_common.h"
#include "sample/sample.h"

namespace fs = std::filesystem;

namespace {

int Fail(const pe::Status& s) {
  std::fprintf(stderr, "make_fuzz_seed: %s\n", s.ToString().c_str());
  return 1;
}

std::string Read(const fs::path& p) {
  auto s = pe::ReadFileToString(p.string());
  return s.ok() ? std::move(s).value() : std::string();
}

// Writes the seeds of one segment directory (`dir` holds metadata.properties or v3/).
pe::Status AddSegment(const fs::path& dir, const std::string& name, const fs::path& root,
                      size_t index) {
  const fs::path v3 = dir / "v3";
  if (fs::exists(v3 / "metadata.properties")) {
    std::string framed = pe::fuzz::FrameV3(Read(v3 / "metadata.properties"), Read(v3 / "index_map"),
                                           Read(v3 / "columns.psf"));
    PE_RETURN_IF_ERROR(pe::WriteFileAtomic((root / "segment_v3_fuzz" / name).string(), framed));
    // Option bytes vary with the seed index so the seeds cover every codec and option mix.
    std::string opts = {char(uint8_t(index * 37 + 1)), char(uint8_t(0x8A + index * 16))};
    PE_RETURN_IF_ERROR(pe::WriteFileAtomic((root / "convert_fuzz" / name).string(), opts + framed));
  } else {
    std::string framed;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file()) pe::fuzz::AppendFile(&framed, e.path().filename(), Read(e.path()));
    }
    PE_RETURN_IF_ERROR(pe::WriteFileAtomic((root / "segment_v1_fuzz" / name).string(), framed));
  }
  // Mostly plain tars (mutations reach the segment files); every fourth one compressed, cycling
  // through gzip, LZ4 and zstd so the sniffing paths are covered.
  static constexpr pe::sample::TarCompression kCompressions[4] = {
      pe::sample::TarCompression::kGzip, pe::sample::TarCompression::kNone,
      pe::sample::TarCompression::kLz4, pe::sample::TarCompression::kZstd};
  auto c = index % 4 == 0 ? kCompressions[(index / 4) % 4] : pe::sample::TarCompression::kNone;
  return pe::sample::WriteTarball(dir.string(), (root / "tarball_fuzz" / name).string(), c);
}

int Seeds(const fs::path& root, const std::vector<std::string>& dirs) {
  for (const char* t : {"segment_v3_fuzz", "segment_v1_fuzz", "tarball_fuzz", "convert_fuzz"})
    fs::create_directories(root / t);
  auto scratch = pe::TempDir::Make("pe-fuzz-seeds");
  if (!scratch.ok()) return Fail(scratch.status());
  size_t index = 0;
  for (const std::string& d : dirs) {
    pe::Status st = AddSegment(d, fs::path(d).filename().string(), root, index++);
    if (!st.ok()) return Fail(st);
  }
  pe::sample::MatrixOptions o;
  o.rows = 100;
  o.v1 = true;
  for (const auto& g : pe::sample::MatrixSegments(o)) {
    pe::sample::MemorySource src(g.values);
    auto w = pe::sample::WriteSegment(g.spec, src, scratch->path());
    if (!w.ok()) return Fail(w.status());
    pe::Status st = AddSegment(w->dir, g.spec.name, root, index++);
    if (!st.ok()) return Fail(st);
  }
  std::printf("fuzz seeds: %zu segments under %s\n", index, root.c_str());
  return 0;
}

int Unpack(const std::string& target, const std::string& input, const std::string& out) {
  std::string in = Read(input);
  if (target == "tarball_fuzz") return pe::WriteFileAtomic(out, in).ok() ? 0 : 1;
  auto scratch = pe::TempDir::Make("pe-fuzz-unpack");
  if (!scratch.ok()) return Fail(scratch.status());
  // The directory name becomes the tarball's top directory (TarCompressionUtils layout).
  const fs::path dir = fs::path(scratch->path()) / "broken";
  fs::create_directories(dir);
  std::string_view body = in;
  if (target == "convert_fuzz") {
    if (body.size() < 2) return Fail(pe::Status::InvalidArgument("input shorter than 2 bytes"));
    std::printf("%s\n",
                pe::fuzz::DescribeOptions(pe::fuzz::ConvertOptions(body[0], body[1])).c_str());
    body.remove_prefix(2);
  }
  if (target == "segment_v3_fuzz" || target == "convert_fuzz") {
    pe::fuzz::V3Files f;
    if (!pe::fuzz::ParseV3(body, &f)) return Fail(pe::Status::InvalidArgument("bad v3 framing"));
    pe::fuzz::WriteV3(dir.string(), f);
  } else if (target == "segment_v1_fuzz") {
    for (const auto& [name, bytes] : pe::fuzz::ParseFiles(body))
      pe::fuzz::WriteBytes((dir / name).string(), bytes);
  } else {
    return Fail(pe::Status::InvalidArgument("unknown target " + target));
  }
  pe::Status st = pe::sample::WriteTarball(dir.string(), out, pe::sample::TarCompression::kNone);
  return st.ok() ? 0 : Fail(st);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "seeds")
    return Seeds(args[1], std::vector<std::string>(args.begin() + 2, args.end()));
  if (args.size() == 4 && args[0] == "unpack") return Unpack(args[1], args[2], args[3]);
  std::fprintf(stderr,
               "usage: make_fuzz_seed seeds OUT_ROOT [SEGMENT_DIR...]\n"
               "       make_fuzz_seed unpack TARGET INPUT OUT\n");
  return 2;
}
