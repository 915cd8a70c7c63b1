// libFuzzer target: the bytes of a segment file as deep store holds it (a tar, tar.gz, tar.lz4 or
// tar.zst; Segment::Open sniffs the compressor), extracted, opened and read whole.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string dir = pe::fuzz::FreshDir("tarball");
  std::string file = dir + "/segment";
  pe::fuzz::WriteBytes(file, std::string_view(reinterpret_cast<const char*>(data), size));
  pe::segment::OpenOptions opts;
  opts.extract_dir = dir + "/x";
  auto seg = pe::segment::Segment::Open(file, opts);
  if (seg.ok()) pe::fuzz::ReadEverything(**seg);
  return 0;
}
