// libFuzzer target: a v1 segment directory (metadata.properties, creation.meta and one file per
// index: <col>.dict, <col>.sv.unsorted.fwd, <col>.sv.raw.fwd, <col>.bitmap.nullvalue, ...) opened
// with Segment::Open and read whole. Framing: fuzz_common.h.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto files = pe::fuzz::ParseFiles(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string dir = pe::fuzz::FreshDir("v1");
  for (const auto& [name, bytes] : files) pe::fuzz::WriteBytes(dir + "/" + name, bytes);
  auto seg = pe::segment::Segment::Open(dir);
  if (seg.ok()) pe::fuzz::ReadEverything(**seg);
  return 0;
}
