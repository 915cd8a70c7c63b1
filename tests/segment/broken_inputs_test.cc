// Every file in tests/data/broken/ is a segment that once crashed the reader or the converter (a
// fuzz finding, minimized and turned into a segment file by `make_fuzz_seed unpack`). Each must now
// fail with the one-line error its sidecar <name>.expected names:
//
//   # free comment lines: where it came from, the stack top before the fix
//   convert: codec=SNAPPY dictionary=true decimal_precision=38 ...   (optional convert options)
//   Corruption: <substring of the message>
//
// The input is opened with Segment::Open, every column is read whole (ids, values, the text of
// every value, dictionary entries), then it is converted to Parquet; the first error must have the
// expected code and contain the substring. Reading fine to the end fails the test too: the input
// is corrupt, so some step must say so.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file.h"
#include "convert/convert.h"
#include "segment/segment.h"

namespace pe::segment {
namespace {

namespace fs = std::filesystem;

std::string BrokenDir() { return std::string(PE_SOURCE_DIR) + "/tests/data/broken"; }

// Input names (sidecars stripped), sorted.
std::vector<std::string> BrokenInputs() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(BrokenDir(), ec)) {
    const std::string n = e.path().filename().string();
    if (n.size() > 9 && n.ends_with(".expected")) names.push_back(n.substr(0, n.size() - 9));
  }
  std::sort(names.begin(), names.end());
  return names;
}

const char* CodeName(StatusCode c) {
  switch (c) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kNotSupported:
      return "NotSupported";
    case StatusCode::kIOError:
      return "IOError";
    case StatusCode::kNotFound:
      return "NotFound";
    default:
      return "other";
  }
}

struct Expected {
  std::string code, substring;
  convert::Options opts;
};

// Parses the sidecar; on a malformed line returns an error naming it.
Result<Expected> ReadExpected(const std::string& path) {
  auto text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  Expected e;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("convert:")) {
      std::istringstream kv(line.substr(8));
      std::string item;
      while (kv >> item) {
        size_t eq = item.find('=');
        if (eq == std::string::npos) return Status::InvalidArgument(path + ": bad option " + item);
        std::string k = item.substr(0, eq), v = item.substr(eq + 1);
        if (k == "codec") {
          PE_ASSIGN_OR_RETURN(e.opts.codec, parquet::ParseCodec(v));
        } else if (k == "dictionary") {
          e.opts.dictionary = v == "true";
        } else if (k == "json_max_depth") {
          e.opts.json_max_depth = std::stoi(v);
        } else if (k == "decimal_precision") {
          e.opts.decimal_precision = std::stoi(v);
        } else if (k == "decimal_scale") {
          e.opts.decimal_scale = std::stoi(v);
        } else if (k == "row_group_bytes") {
          e.opts.row_group_bytes = std::stoll(v);
        } else if (k == "page_bytes") {
          e.opts.page_bytes = std::stoll(v);
        } else {
          return Status::InvalidArgument(path + ": unknown option " + k);
        }
      }
      continue;
    }
    size_t colon = line.find(": ");
    if (colon == std::string::npos || !e.code.empty())
      return Status::InvalidArgument(path + ": expected one '<Code>: <substring>' line");
    e.code = line.substr(0, colon);
    e.substring = line.substr(colon + 2);
  }
  if (e.code.empty()) return Status::InvalidArgument(path + ": no '<Code>: <substring>' line");
  return e;
}

// Open, read every column whole, convert: the first error.
Status Exercise(const std::string& input, const convert::Options& opts) {
  PE_ASSIGN_OR_RETURN(auto seg, Segment::Open(input));
  const SegmentMeta& m = seg->meta();
  ColumnBatch b;
  std::string text;
  for (const auto& c : m.columns) {
    PE_ASSIGN_OR_RETURN(auto r, seg->OpenColumn(c.name));
    for (uint32_t first = 0; first < m.total_docs; first += 1000) {
      uint32_t n = std::min<uint32_t>(1000, m.total_docs - first);
      if (r->has_ids()) PE_RETURN_IF_ERROR(r->ReadIds(first, n, &b));
      PE_RETURN_IF_ERROR(r->ReadValues(first, n, &b));
      for (size_t k = 0; k < b.num_values(); ++k) {
        for (bool json : {false, true}) {
          text.clear();
          PE_RETURN_IF_ERROR(AppendValueText(r->meta(), b, k, json, &text));
        }
      }
    }
  }
  PE_ASSIGN_OR_RETURN(TempDir out, TempDir::Make("pe-broken"));
  return convert::ConvertSegment(*seg, out.path() + "/out.parquet", opts).status();
}

class BrokenInput : public ::testing::TestWithParam<std::string> {};

TEST_P(BrokenInput, FailsWithItsExpectedError) {
  const std::string input = BrokenDir() + "/" + GetParam();
  ASSERT_TRUE(fs::exists(input)) << input << ".expected has no input file beside it";
  auto e = ReadExpected(input + ".expected");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  Status st = Exercise(input, e->opts);
  ASSERT_FALSE(st.ok()) << GetParam() << ": read and converted without error; expected " << e->code
                        << ": " << e->substring;
  EXPECT_EQ(CodeName(st.code()), e->code) << st.ToString();
  EXPECT_NE(st.message().find(e->substring), std::string::npos)
      << "message \"" << st.message() << "\" lacks \"" << e->substring << "\"";
  EXPECT_EQ(st.message().find('\n'), std::string::npos) << "not one line: " << st.message();
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(uint8_t(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Fuzz, BrokenInput, ::testing::ValuesIn(BrokenInputs()), TestName);

// Every input has its sidecar (an input without one would silently not be tested).
TEST(BrokenInputs, EveryInputHasAnExpectedError) {
  std::vector<std::string> with = BrokenInputs();
  size_t inputs = 0;
  for (const auto& e : fs::directory_iterator(BrokenDir())) {
    const std::string n = e.path().filename().string();
    if (n.ends_with(".expected") || n == "README.md") continue;
    ++inputs;
    EXPECT_TRUE(std::binary_search(with.begin(), with.end(), n))
        << n << " has no " << n << ".expected";
  }
  EXPECT_GT(inputs, 0u);
}

}  // namespace
}  // namespace pe::segment
