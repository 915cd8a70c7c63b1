// `pinot-export dump SEGMENT [--format csv|jsonl] [--columns a,b] [--limit N]`: rows in doc order.
// CSV is RFC 4180 (header line of column names; fields with ',', '"', CR or LF are quoted, quotes
// doubled); multi-value cells are JSON arrays; nulls are empty in CSV and null in JSONL.
// Streams: columns are read in batches of kBatch docs, rows written as they are assembled.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "segment/segment.h"

namespace pe::cli {

namespace {

constexpr uint32_t kBatch = 4096;

void AppendCsvField(std::string_view s, std::string* out) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

int Dump(const DumpArgs& a) {
  const bool jsonl = a.format == "jsonl" || a.format == "json";
  if (!jsonl && a.format != "csv") {
    std::fprintf(stderr, "pinot-export: --format must be csv or jsonl, not '%s'\n",
                 a.format.c_str());
    return 2;
  }
  auto seg = segment::Segment::Open(a.segment);
  if (!seg.ok()) return Fail(seg.status());
  const segment::SegmentMeta& m = (*seg)->meta();
  std::vector<std::string> names = a.columns;
  if (names.empty()) {
    for (const auto& c : m.columns) names.push_back(c.name);
  }
  std::vector<std::unique_ptr<segment::ColumnReader>> readers;
  for (const auto& n : names) {
    auto r = (*seg)->OpenColumn(n);
    if (!r.ok()) return Fail(r.status().WithContext(a.segment));
    readers.push_back(std::move(r).value());
  }
  uint64_t total = m.total_docs;
  if (a.limit >= 0 && uint64_t(a.limit) < total) total = uint64_t(a.limit);

  std::string out;
  if (!jsonl) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) out.push_back(',');
      AppendCsvField(names[i], &out);
    }
    out.push_back('\n');
  }
  std::vector<segment::ColumnBatch> batches(readers.size());
  std::vector<std::string> keys;
  for (const auto& n : names) {
    std::string k;
    segment::AppendJsonString(n, &k);
    keys.push_back(k + ":");
  }
  std::string cell;
  // Batches of kBatch docs; docs whose values pass a batch's byte limit (32-bit offsets:
  // kInvalidArgument from the reader) are read again as halves, down to one doc.
  uint32_t step = kBatch;
  for (uint64_t first = 0, n = 0; first < total; first += n) {
    n = std::min<uint64_t>(step, total - first);
    bool halve = false;
    for (size_t c = 0; c < readers.size() && !halve; ++c) {
      Status s = readers[c]->ReadValues(uint32_t(first), uint32_t(n), &batches[c]);
      halve = s.IsInvalidArgument() && n > 1;
      if (!s.ok() && !halve) return Fail(s.WithContext(a.segment));
    }
    if (halve) {
      step = uint32_t(n / 2);
      n = 0;
      continue;
    }
    for (uint32_t i = 0; i < n; ++i) {
      if (jsonl) out.push_back('{');
      for (size_t c = 0; c < readers.size(); ++c) {
        const auto& meta = readers[c]->meta();
        const auto& b = batches[c];
        if (c) out.push_back(',');
        if (jsonl) out.append(keys[c]);
        bool is_null = !b.nulls.empty() && b.nulls[i];
        if (is_null) {
          if (jsonl) out.append("null");
          continue;
        }
        cell.clear();
        Status s;
        if (meta.single_value) {
          s = segment::AppendValueText(meta, b, i, /*json=*/jsonl, &cell);
        } else {
          cell.push_back('[');
          for (uint32_t k = b.offsets[i]; k < b.offsets[i + 1]; ++k) {
            if (k > b.offsets[i]) cell.push_back(',');
            s = segment::AppendValueText(meta, b, k, /*json=*/true, &cell);
            if (!s.ok()) break;
          }
          cell.push_back(']');
        }
        if (!s.ok()) return Fail(s.WithContext(a.segment));
        if (jsonl)
          out.append(cell);
        else
          AppendCsvField(cell, &out);
      }
      out.append(jsonl ? "}\n" : "\n");
    }
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return Fail(Status::IOError("cannot write to standard output"));
  return 0;
}

}  // namespace pe::cli
