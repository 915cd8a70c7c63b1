// fileFormat.parquet.*: the one parser (SetOption), its cross-key check (CheckOptions), the one
// set of defaults, and the `convert` flags that go through it (usage errors: exit 2).
#include <gtest/gtest.h>

#include <filesystem>

#include "common/file.h"
#include "convert/convert.h"
#include "testing/testing.h"

namespace pe::convert {
namespace {

using pe::testing::FixturePath;
using pe::testing::RunCli;

std::string Key(const char* name) { return std::string("fileFormat.parquet.") + name; }

// Every key: a good value takes effect; a bad one is kInvalidArgument naming key and value and
// leaves the option as it was.
TEST(SetOption, EachKeyGoodAndBad) {
  struct Case {
    const char* key;
    const char* good;
    std::function<bool(const Options&)> took;
    std::vector<const char*> bad;
  };
  const Case cases[] = {
      {"compressionCodec",
       "zstd",
       [](const Options& o) { return o.codec == parquet::Codec::kZstd; },
       {"BROTLI", "", "lz4", " snappy"}},
      {"compressionCodec",
       "UNCOMPRESSED",
       [](const Options& o) { return o.codec == parquet::Codec::kUncompressed; },
       {}},
      {"rowGroupSizeBytes",
       "1024",
       [](const Options& o) { return o.row_group_bytes == 1024; },
       {"1023", "128MB", "", "+2048", " 2048", "2048 ", "1099511627777", "-1", "0x800"}},
      {"rowGroupSizeBytes",
       "1099511627776",
       [](const Options& o) { return o.row_group_bytes == int64_t(1) << 40; },
       {}},
      {"pageSizeBytes",
       "64",
       [](const Options& o) { return o.page_bytes == 64; },
       {"0", "63", "1073741825", "1e6", "64.0"}},
      {"enableDictionary",
       "false",
       [](const Options& o) { return !o.dictionary; },
       {"yes", "0", "1", "", "truee"}},
      {"enableDictionary", "TRUE", [](const Options& o) { return o.dictionary; }, {}},
      {"json.maxDepth",
       "64",
       [](const Options& o) { return o.json_max_depth == 64; },
       {"0", "-1", "65", "three"}},
      {"decimal.precision",
       "38",
       [](const Options& o) { return o.decimal_precision == 38; },
       {"0", "39", "p"}},
      {"decimal.scale",
       "0",
       [](const Options& o) { return o.decimal_scale == 0; },
       {"-1", "39", "2.0"}},
      {"decimal.scale", "38", [](const Options& o) { return o.decimal_scale == 38; }, {}},
  };
  for (const Case& k : cases) {
    const std::string key = Key(k.key);
    Options o;
    if (std::string(k.key) == "enableDictionary") o.dictionary = std::string(k.good) != "TRUE";
    Status s = SetOption(&o, key, k.good);
    EXPECT_TRUE(s.ok()) << key << " = " << k.good << ": " << s.ToString();
    EXPECT_TRUE(k.took(o)) << key << " = " << k.good;
    for (const char* v : k.bad) {
      Options before;
      Options b = before;
      Status e = SetOption(&b, key, v);
      ASSERT_FALSE(e.ok()) << key << " = '" << v << "'";
      EXPECT_TRUE(e.IsInvalidArgument()) << e.ToString();
      EXPECT_EQ(e.message().rfind(key + " = '" + v + "': expected ", 0), 0u) << e.message();
      EXPECT_EQ(b.codec, before.codec);
      EXPECT_EQ(b.row_group_bytes, before.row_group_bytes);
      EXPECT_EQ(b.page_bytes, before.page_bytes);
      EXPECT_EQ(b.dictionary, before.dictionary);
      EXPECT_EQ(b.json_max_depth, before.json_max_depth);
      EXPECT_EQ(b.decimal_precision, before.decimal_precision);
      EXPECT_EQ(b.decimal_scale, before.decimal_scale);
    }
  }
  Options o;
  Status e = SetOption(&o, Key("pageSizeBytes"), "12");
  EXPECT_EQ(e.message(),
            "fileFormat.parquet.pageSizeBytes = '12': expected an integer in [64, "
            "1073741824]");
}

// Keys are the whole Pinot key; anything else is kNotFound (the caller decides: the task config
// reports it as unknown), including the config's own json.unknownKeysBehavior.
TEST(SetOption, UnknownKeysAreNotFound) {
  Options o;
  for (const char* k : {"pageSizeBytes", "fileFormat.parquet.pagesizebytes",
                        "fileFormat.parquet.json.unknownKeysBehavior", "fileFormat.parquet.",
                        "fileFormat.orc.pageSizeBytes", ""}) {
    Status s = SetOption(&o, k, "64");
    EXPECT_EQ(s.code(), StatusCode::kNotFound) << k << ": " << s.ToString();
  }
}

TEST(CheckOptions, DecimalScaleNeedsAndFitsPrecision) {
  Options o;
  EXPECT_TRUE(CheckOptions(o).ok());
  o.decimal_scale = 2;
  Status s = CheckOptions(o);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "fileFormat.parquet.decimal.scale = '2': needs fileFormat.parquet.decimal.precision");
  o.decimal_precision = 1;
  s = CheckOptions(o);
  EXPECT_EQ(s.message(),
            "fileFormat.parquet.decimal.scale = '2': must not exceed "
            "fileFormat.parquet.decimal.precision (1)");
  o.decimal_precision = 2;
  EXPECT_TRUE(CheckOptions(o).ok());
}

// One set of defaults: the documented values (README, task/config.h), shared by the writer.
TEST(Options, DefaultsAreWrittenOnce) {
  const Options o;
  EXPECT_EQ(o.codec, parquet::Codec::kSnappy);
  EXPECT_EQ(o.row_group_bytes, 134217728);
  EXPECT_EQ(o.page_bytes, 1048576);
  EXPECT_TRUE(o.dictionary);
  EXPECT_EQ(o.json_max_depth, -1);
  EXPECT_EQ(o.decimal_precision, 0);
  const parquet::WriterOptions w;
  const parquet::WriterOptions from = WriterOptionsFor(o);
  EXPECT_EQ(from.codec, w.codec);
  EXPECT_EQ(from.page_bytes, w.page_bytes);
  EXPECT_EQ(from.dictionary, w.dictionary);
  EXPECT_EQ(from.dictionary_page_limit, w.dictionary_page_limit);

  Options set;
  ASSERT_TRUE(SetOption(&set, Key("compressionCodec"), "gzip").ok());
  ASSERT_TRUE(SetOption(&set, Key("pageSizeBytes"), "4096").ok());
  ASSERT_TRUE(SetOption(&set, Key("enableDictionary"), "false").ok());
  const parquet::WriterOptions ws = WriterOptionsFor(set);
  EXPECT_EQ(ws.codec, parquet::Codec::kGzip);
  EXPECT_EQ(ws.page_bytes, 4096);
  EXPECT_FALSE(ws.dictionary);
}

// `convert` flags are parsed by SetOption: a bad value is a usage error (2), one line naming the
// flag, the key and the value; nothing is written.
TEST(ConvertFlags, BadValuesAreUsageErrors) {
  auto dir = TempDir::Make();
  ASSERT_TRUE(dir.ok());
  const std::string seg = FixturePath("legacyRawInverted_OFFLINE_0.v3.tar.gz");
  const std::string out = dir->path() + "/o.parquet";
  struct Case {
    std::vector<std::string> flags;
    std::string message;
  } cases[] = {
      {{"--compression", "lzo"},
       "pinot-export: --compression: fileFormat.parquet.compressionCodec = 'lzo': expected SNAPPY, "
       "GZIP, ZSTD or UNCOMPRESSED\n"},
      {{"--page-bytes", "12"},
       "pinot-export: --page-bytes: fileFormat.parquet.pageSizeBytes = '12': expected an integer "
       "in [64, 1073741824]\n"},
      {{"--row-group-bytes", "1k"},
       "pinot-export: --row-group-bytes: fileFormat.parquet.rowGroupSizeBytes = '1k': expected an "
       "integer in [1024, 1099511627776]\n"},
      {{"--dictionary", "yes"},
       "pinot-export: --dictionary: fileFormat.parquet.enableDictionary = 'yes': expected true or "
       "false\n"},
      {{"--json-max-depth", "0"},
       "pinot-export: --json-max-depth: fileFormat.parquet.json.maxDepth = '0': expected an "
       "integer in [1, 64]\n"},
      {{"--decimal-precision", "39"},
       "pinot-export: --decimal-precision: fileFormat.parquet.decimal.precision = '39': expected "
       "an integer in [1, 38]\n"},
      {{"--decimal-scale", "2"},
       "pinot-export: fileFormat.parquet.decimal.scale = '2': needs "
       "fileFormat.parquet.decimal.precision\n"},
      {{"--decimal-precision", "3", "--decimal-scale", "4"},
       "pinot-export: fileFormat.parquet.decimal.scale = '4': must not exceed "
       "fileFormat.parquet.decimal.precision (3)\n"},
  };
  for (const Case& k : cases) {
    std::vector<std::string> args = {"convert", seg, out};
    args.insert(args.end(), k.flags.begin(), k.flags.end());
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << k.flags[0];
    EXPECT_EQ(r.err, k.message);
    EXPECT_TRUE(std::filesystem::is_empty(dir->path())) << k.flags[0];
  }
  // Good values in every spelling SetOption accepts.
  auto r = RunCli({"convert", seg, out, "--compression", "zstd", "--dictionary", "FALSE",
                   "--page-bytes", "64", "--row-group-bytes", "1024"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(out));
  // --help shows the keys and the defaults.
  auto help = RunCli({"convert", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("fileFormat.parquet.rowGroupSizeBytes"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("default 134217728"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace pe::convert
