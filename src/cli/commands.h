// Subcommands of the pinot-export CLI. Each returns the process exit code:
// 0 ok, 1 bad input (a one-line message on stderr), 2 usage error.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace pe::cli {

struct InspectArgs {
  std::string segment;
  bool json = false;
};
int Inspect(const InspectArgs& a);

struct DumpArgs {
  std::string segment;
  std::string format = "csv";  // csv | jsonl
  std::vector<std::string> columns;
  int64_t limit = -1;
};
int Dump(const DumpArgs& a);

// Prints "pinot-export: <message>" on stderr and returns the exit code for `s` (1).
int Fail(const Status& s);

}  // namespace pe::cli

namespace pe::cli {

struct ConvertArgs {
  std::string segment;
  std::string output;
  std::string compression = "SNAPPY";
  int64_t row_group_bytes = 134217728;
  int64_t page_bytes = 1048576;
  std::string dictionary = "true";
  int json_max_depth = -1;
  int decimal_precision = 0;
  int decimal_scale = 0;
  bool progress = false;
  std::vector<std::string> columns;
  std::vector<std::string> fs_props;  // KEY=VALUE, output.fs.prop.* names
  std::string fs_class;               // output.fs.class
};
int Convert(const ConvertArgs& a);

}  // namespace pe::cli

namespace pe::cli {

// `pinot-export sample` (src/cli/sample.cc): writes segments in Pinot's exact formats.
struct SampleArgs {
  bool matrix = false;
  bool demo = false;
  std::string profile;  // dict | raw
  int64_t rows = -1;
  bool rows_given = false;
  uint64_t seed = 1;
  std::string out;
};
int Sample(const SampleArgs& a);

}  // namespace pe::cli
