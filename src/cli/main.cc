// pinot-export command line. Exit codes: 0 ok, 1 bad input, 2 usage error.
#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{"pinot-export: export Apache Pinot segments to Parquet and the data lake"};
  app.set_version_flag("--version", std::string("pinot-export ") + PE_VERSION);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return 0;
}
