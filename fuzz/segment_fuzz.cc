// libFuzzer target over the segment reader.
//
// Input framing (so mutations reach the parsers, not just tar headers):
//   u32 LE n1 | n1 bytes metadata.properties | u32 LE n2 | n2 bytes index_map | rest: columns.psf
// The three files are written into a v3 directory, opened with Segment::Open, and every column is
// read as ids and values. Any crash, sanitizer report or leak is a bug; errors are expected.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "common/bytes.h"
#include "common/file.h"
#include "segment/segment.h"

namespace {

const std::string& Dir() {
  static pe::TempDir* d = new pe::TempDir(std::move(pe::TempDir::Make("pe-fuzz").value()));
  return d->path();
}

void Write(const std::string& name, const uint8_t* p, size_t n) {
  FILE* f = std::fopen((Dir() + "/" + name).c_str(), "wb");
  if (!f) return;
  if (n) std::fwrite(p, 1, n, f);
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  size_t pos = 0;
  auto take = [&](const uint8_t** p, size_t* n) {
    if (size - pos < 4) return false;
    uint32_t len = pe::LoadLE32(data + pos);
    pos += 4;
    if (len > size - pos) return false;
    *p = data + pos;
    *n = len;
    pos += len;
    return true;
  };
  const uint8_t *meta, *map;
  size_t meta_n, map_n;
  if (!take(&meta, &meta_n) || !take(&map, &map_n)) return 0;
  Write("metadata.properties", meta, meta_n);
  Write("index_map", map, map_n);
  Write("columns.psf", data + pos, size - pos);
  auto seg = pe::segment::Segment::Open(Dir());
  if (!seg.ok()) return 0;
  const auto& m = (*seg)->meta();
  if (m.total_docs > 1000000) return 0;  // keep each run bounded
  pe::segment::ColumnBatch b;
  for (const auto& c : m.columns) {
    auto r = (*seg)->OpenColumn(c.name);
    if (!r.ok()) continue;
    for (uint32_t first = 0; first < m.total_docs; first += 997) {
      uint32_t n = std::min<uint32_t>(997, m.total_docs - first);
      if ((*r)->has_ids() && !(*r)->ReadIds(first, n, &b).ok()) break;
      if (!(*r)->ReadValues(first, n, &b).ok()) break;
      for (size_t k = 0; k < b.num_values() && k < 64; ++k) {
        std::string t;
        (void)pe::segment::AppendValueText((*r)->meta(), b, k, true, &t);
      }
    }
  }
  return 0;
}
