// libFuzzer target: ConvertSegment of a v3 segment directory to a Parquet file, with the convert
// options chosen by the first two bytes (fuzz_common.h: ConvertOptions). The Parquet bytes go to
// an in-memory sink (parquet::StringSink); only the segment directory is written to the fuzz
// scratch directory (/dev/shm when it exists).
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  pe::convert::Options opts = pe::fuzz::ConvertOptions(data[0], data[1]);
  pe::fuzz::V3Files f;
  if (!pe::fuzz::ParseV3(std::string_view(reinterpret_cast<const char*>(data) + 2, size - 2), &f))
    return 0;
  std::string dir = pe::fuzz::FreshDir("convert");
  std::string seg_dir = dir + "/v3";
  std::filesystem::create_directories(seg_dir);
  pe::fuzz::WriteV3(seg_dir, f);
  auto seg = pe::segment::Segment::Open(seg_dir);
  if (!seg.ok() || (*seg)->meta().total_docs > pe::fuzz::kMaxConvertDocs) return 0;
  pe::parquet::StringSink sink;
  (void)pe::convert::ConvertSegment(**seg, &sink, opts);
  return 0;
}
