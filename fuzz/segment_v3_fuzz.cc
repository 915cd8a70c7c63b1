// libFuzzer target: a v3 segment directory (metadata.properties, index_map, columns.psf) opened
// with Segment::Open and read whole. Framing: fuzz_common.h.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pe::fuzz::V3Files f;
  if (!pe::fuzz::ParseV3(std::string_view(reinterpret_cast<const char*>(data), size), &f)) return 0;
  std::string dir = pe::fuzz::FreshDir("v3");
  pe::fuzz::WriteV3(dir, f);
  auto seg = pe::segment::Segment::Open(dir);
  if (seg.ok()) pe::fuzz::ReadEverything(**seg);
  return 0;
}
