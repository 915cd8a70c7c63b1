// `pinot-export convert SEGMENT OUTPUT.parquet [options]`: one segment to one Parquet file.
// Option names follow the export config keys (fileFormat.parquet.*) and their values are parsed
// by the same function (convert::SetOption): a bad value is a usage error (exit 2). The output
// appears atomically; a failed conversion leaves nothing behind.
#include "convert/convert.h"

#include <cstdio>

#include "cli/commands.h"
#include "fs/transfer.h"

namespace pe::cli {

int Convert(const ConvertArgs& a) {
  convert::Options o;
  for (const auto& f : a.parquet) {
    Status s = convert::SetOption(&o, f.key, f.value);
    if (!s.ok()) {
      std::fprintf(stderr, "pinot-export: %s: %s\n", f.flag.c_str(), s.message().c_str());
      return 2;
    }
  }
  if (Status s = convert::CheckOptions(o); !s.ok()) {
    std::fprintf(stderr, "pinot-export: %s\n", s.message().c_str());
    return 2;
  }
  o.columns = a.columns;
  if (a.progress) {
    o.progress = [](uint64_t done, uint64_t total) {
      std::fprintf(stderr, "\rpinot-export: %llu / %llu rows (%.0f%%)", (unsigned long long)done,
                   (unsigned long long)total, total ? 100.0 * double(done) / double(total) : 100.0);
      if (done == total) std::fprintf(stderr, "\n");
    };
  }
  auto props = fs::ParsePropArgs(a.fs_props);
  if (!props.ok()) return Fail(props.status());
  fs::Transfer ctx(*props, a.fs_class);
  auto local_in = ctx.FetchInput(a.segment);
  if (!local_in.ok()) return Fail(local_in.status());
  auto seg = segment::Segment::Open(*local_in);
  if (!seg.ok()) return Fail(seg.status());
  auto local_out = ctx.LocalOutputPath(a.output);
  if (!local_out.ok()) return Fail(local_out.status());
  auto sum = convert::ConvertSegment(**seg, *local_out, o);
  if (!sum.ok()) return Fail(sum.status().WithContext(a.segment));
  Status s = ctx.PublishOutput(*local_out, a.output);
  if (!s.ok()) return Fail(s);
  std::printf("%s: %llu rows, %d row groups, %llu bytes, %.3f s\n", a.output.c_str(),
              (unsigned long long)sum->rows, sum->row_groups, (unsigned long long)sum->bytes,
              sum->seconds);
  return 0;
}

}  // namespace pe::cli
