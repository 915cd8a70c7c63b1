// pinot-export command line. Exit codes: 0 ok, 1 bad input, 2 usage error.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"

namespace pe::cli {
int Fail(const Status& s) {
  std::fprintf(stderr, "pinot-export: %s\n", s.message().c_str());
  return 1;
}
}  // namespace pe::cli

int main(int argc, char** argv) {
  using namespace pe::cli;
  CLI::App app{"pinot-export: export Apache Pinot segments to Parquet and the data lake"};
  app.set_version_flag("--version", std::string("pinot-export ") + PE_VERSION);
  app.require_subcommand(1);

  InspectArgs ia;
  auto* inspect = app.add_subcommand("inspect", "Show segment and column metadata");
  inspect->add_option("SEGMENT", ia.segment, "Segment tarball, directory or v3 directory")->required();
  inspect->add_flag("--json", ia.json, "Machine-readable JSON output");

  DumpArgs da;
  auto* dump = app.add_subcommand("dump", "Print a segment's rows in doc order");
  dump->add_option("SEGMENT", da.segment, "Segment tarball, directory or v3 directory")->required();
  dump->add_option("--format", da.format, "csv (RFC 4180) or jsonl")->check(CLI::IsMember({"csv", "jsonl"}));
  dump->add_option("--columns", da.columns, "Comma-separated column names")->delimiter(',');
  dump->add_option("--limit", da.limit, "At most N rows")->check(CLI::NonNegativeNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*inspect) return Inspect(ia);
  if (*dump) return Dump(da);
  return 2;
}
