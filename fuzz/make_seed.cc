// Packs a v3 segment directory into the segment_fuzz input framing:
//   make_fuzz_seed <v3 dir> <out file>
#include <cstdio>
#include <string>

#include "common/bytes.h"
#include "common/file.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_fuzz_seed V3_DIR OUT\n");
    return 2;
  }
  std::string dir = argv[1], out;
  for (const char* f : {"metadata.properties", "index_map"}) {
    auto s = pe::ReadFileToString(dir + "/" + f);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.status().message().c_str());
      return 1;
    }
    pe::AppendLE32(&out, uint32_t(s->size()));
    out += *s;
  }
  auto psf = pe::ReadFileToString(dir + "/columns.psf");
  if (!psf.ok()) return 1;
  out += *psf;
  return pe::WriteFileAtomic(argv[2], out).ok() ? 0 : 1;
}
