// `pinot-export convert SEGMENT OUTPUT.parquet [options]`: one segment to one Parquet file.
// Option names follow the export config keys (fileFormat.parquet.*). The output appears
// atomically; a failed conversion leaves nothing behind.
#include "convert/convert.h"

#include <cstdio>

#include "cli/commands.h"
#include "cli/storage.h"

namespace pe::cli {

int Convert(const ConvertArgs& a) {
  convert::Options o;
  auto codec = parquet::ParseCodec(a.compression);
  if (!codec.ok()) {
    std::fprintf(stderr, "pinot-export: --compression: %s\n", codec.status().message().c_str());
    return 2;
  }
  o.codec = *codec;
  if (a.dictionary != "true" && a.dictionary != "false") {
    std::fprintf(stderr, "pinot-export: --dictionary must be true or false\n");
    return 2;
  }
  if (a.decimal_precision == 0 && a.decimal_scale != 0) {
    std::fprintf(stderr, "pinot-export: --decimal-scale needs --decimal-precision\n");
    return 2;
  }
  o.dictionary = a.dictionary == "true";
  o.row_group_bytes = a.row_group_bytes;
  o.page_bytes = a.page_bytes;
  o.json_max_depth = a.json_max_depth;
  o.decimal_precision = a.decimal_precision;
  o.decimal_scale = a.decimal_scale;
  o.columns = a.columns;
  if (a.progress) {
    o.progress = [](uint64_t done, uint64_t total) {
      std::fprintf(stderr, "\rpinot-export: %llu / %llu rows (%.0f%%)", (unsigned long long)done,
                   (unsigned long long)total, total ? 100.0 * double(done) / double(total) : 100.0);
      if (done == total) std::fprintf(stderr, "\n");
    };
  }
  StorageContext ctx;
  Status s = ctx.Init(a.fs_props, a.fs_class);
  if (!s.ok()) return Fail(s);
  auto local_in = ctx.FetchInput(a.segment);
  if (!local_in.ok()) return Fail(local_in.status());
  auto seg = segment::Segment::Open(*local_in);
  if (!seg.ok()) return Fail(seg.status());
  auto local_out = ctx.LocalOutputPath(a.output);
  if (!local_out.ok()) return Fail(local_out.status());
  auto sum = convert::ConvertSegment(**seg, *local_out, o);
  if (!sum.ok()) return Fail(sum.status().WithContext(a.segment));
  s = ctx.PublishOutput(*local_out, a.output);
  if (!s.ok()) return Fail(s);
  std::printf("%s: %llu rows, %d row groups, %llu bytes, %.3f s\n", a.output.c_str(),
              (unsigned long long)sum->rows, sum->row_groups, (unsigned long long)sum->bytes,
              sum->seconds);
  return 0;
}

}  // namespace pe::cli
