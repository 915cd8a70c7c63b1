// pinot-export command line. Exit codes: 0 ok, 1 bad input, 2 usage error. An exception that
// escapes a command (out of memory included) is reported as one line and exit 1 (cli/guard.h).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/guard.h"
#include "common/redact.h"

namespace pe::cli {
int Fail(const Status& s) {
  // Messages may name the URIs a user gave (presigned URLs, user:password@): scrubbed here too.
  std::fprintf(stderr, "pinot-export: %s\n", RedactUri(s.message()).c_str());
  return 1;
}
}  // namespace pe::cli

namespace {

int Main(int argc, char** argv) {
  using namespace pe::cli;
  CLI::App app{"pinot-export: export Apache Pinot segments to Parquet and the data lake"};
  app.set_version_flag("--version", std::string("pinot-export ") + PE_VERSION);
  app.require_subcommand(1);

  InspectArgs ia;
  auto* inspect = app.add_subcommand("inspect", "Show segment and column metadata");
  inspect->add_option("SEGMENT", ia.segment, "Segment tarball, directory or v3 directory")
      ->required();
  inspect->add_flag("--json", ia.json, "Machine-readable JSON output");

  DumpArgs da;
  auto* dump = app.add_subcommand("dump", "Print a segment's rows in doc order");
  dump->add_option("SEGMENT", da.segment, "Segment tarball, directory or v3 directory")->required();
  dump->add_option("--format", da.format, "csv (RFC 4180) or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  dump->add_option("--columns", da.columns, "Comma-separated column names")->delimiter(',');
  dump->add_option("--limit", da.limit, "At most N rows")->check(CLI::NonNegativeNumber);

  ConvertArgs ca;
  auto* conv = app.add_subcommand("convert", "Convert a segment to a Parquet file");
  conv->add_option("SEGMENT", ca.segment,
                   "Segment: path, tarball or URI (s3://, gs://, hdfs://, http(s)://)")
      ->required();
  conv->add_option("OUTPUT", ca.output, "Output .parquet path or URI")->required();
  conv->add_option("--compression", ca.compression,
                   "SNAPPY|GZIP|ZSTD|UNCOMPRESSED (fileFormat.parquet.compressionCodec)")
      ->capture_default_str();
  conv->add_option("--row-group-bytes", ca.row_group_bytes, "fileFormat.parquet.rowGroupSizeBytes")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  conv->add_option("--page-bytes", ca.page_bytes, "fileFormat.parquet.pageSizeBytes")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  conv->add_option("--dictionary", ca.dictionary,
                   "true|false (fileFormat.parquet.enableDictionary)")
      ->check(CLI::IsMember({"true", "false"}))
      ->capture_default_str();
  conv->add_option("--json-max-depth", ca.json_max_depth, "fileFormat.parquet.json.maxDepth");
  conv->add_option("--decimal-precision", ca.decimal_precision,
                   "fileFormat.parquet.decimal.precision")
      ->check(CLI::Range(1, 38));
  conv->add_option("--decimal-scale", ca.decimal_scale, "fileFormat.parquet.decimal.scale")
      ->check(CLI::Range(0, 38));
  conv->add_option("--columns", ca.columns, "Comma-separated columns to export (default all)")
      ->delimiter(',');
  conv->add_option("--fs-prop", ca.fs_props,
                   "KEY=VALUE storage property (output.fs.prop.*), repeatable");
  conv->add_option("--fs-class", ca.fs_class, "output.fs.class (Pinot PinotFS class name)");
  conv->add_flag("--progress", ca.progress, "Show progress on stderr");

  SampleArgs sa;
  auto* samp = app.add_subcommand(
      "sample", "Write segments in Pinot's exact on-disk formats (test matrix, demo, benchmarks)");
  samp->add_flag("--matrix", sa.matrix,
                 "Reader test matrix: segment dirs under --out + expected/<segment>.jsonl");
  samp->add_flag("--demo", sa.demo, "One REALTIME (LLC) events segment tarball at --out");
  samp->add_option("--profile", sa.profile, "Benchmark segment: dict|raw (streamed)")
      ->check(CLI::IsMember({"dict", "raw"}));
  auto* rows_opt = samp->add_option("--rows", sa.rows,
                                    "Rows per segment (default: 1000 with --matrix, 100000 with "
                                    "--demo, 1000000 with --profile)")
                       ->check(CLI::NonNegativeNumber);
  samp->add_option("--seed", sa.seed, "Seed of the deterministic pseudo-random rows")
      ->capture_default_str();
  samp->add_option("--out", sa.out, "Output directory (--matrix) or path")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*inspect) return Inspect(ia);
  if (*dump) return Dump(da);
  if (*conv) return Convert(ca);
  if (*samp) {
    sa.rows_given = rows_opt->count() > 0;
    return Sample(sa);
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  return pe::cli::RunGuarded([&] { return Main(argc, argv); });
}
