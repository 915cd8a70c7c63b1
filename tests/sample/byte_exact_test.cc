// The sample writer against real segments written by Apache Pinot (vendored in tests/data/pinot,
// see SOURCES.md): writing the same rows must give the same dictionary and forward-index bytes.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "common/file.h"
#include "sample/sample.h"
#include "sample_test_util.h"
#include "segment/segment.h"
#include "testing/testing.h"

namespace pe::sample {
namespace {

using pe::testing::FixturePath;

// index_map of a v3 directory: "<col>.<index>" -> (start, size).
std::map<std::string, std::pair<uint64_t, uint64_t>> IndexMap(const std::string& v3) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> m;
  auto text = ReadFileToString(v3 + "/index_map");
  EXPECT_TRUE(text.ok());
  if (!text.ok()) return m;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    uint64_t v = std::stoull(line.substr(eq + 3));
    size_t dot = key.rfind('.');
    auto& e = m[key.substr(0, dot)];
    (key.substr(dot + 1) == "startOffset" ? e.first : e.second) = v;
  }
  return m;
}

// Payload bytes (magic stripped) of "<col>.<index>" in a v3 directory; "" if absent.
std::string V3Index(const std::string& v3, const std::string& key) {
  auto m = IndexMap(v3);
  auto it = m.find(key);
  if (it == m.end()) return "";
  auto psf = ReadFileToString(v3 + "/columns.psf");
  EXPECT_TRUE(psf.ok());
  return psf->substr(it->second.first + 8, it->second.second - 8);
}

std::string Extract(const std::string& tarball, const std::string& dir) {
  auto r = pe::testing::Run({"tar", "xzf", tarball, "-C", dir});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir;
}

TEST(ByteExact, BaseballStatsDictionariesAndForwardIndexes) {
  auto tmp = TempDir::Make("sample-test");
  ASSERT_TRUE(tmp.ok());
  Extract(FixturePath("baseballStats_OFFLINE_0.tar.gz"), tmp->path());
  const std::string real = tmp->path() + "/baseballStats_OFFLINE_0/v3";
  auto seg = segment::Segment::Open(real);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  const segment::SegmentMeta& m = (*seg)->meta();

  // The same rows, schema and segment config, through the sample writer.
  SegmentSpec spec;
  spec.table = "baseballStats";
  spec.name = "baseballStats_OFFLINE_0";
  spec.num_docs = m.total_docs;
  spec.creation_time_ms = *m.creation_time_ms;
  spec.custom = m.custom;
  std::vector<ColumnValues> values;
  for (const auto& c : m.columns) {
    ColumnSpec cs;
    cs.name = c.name;
    cs.type = c.data_type;
    cs.role = c.role;
    cs.single_value = c.single_value;
    cs.default_null_value = c.default_null_value;
    spec.columns.push_back(cs);
    values.push_back(ReadColumn(**seg, c.name));
  }
  MemorySource src(std::move(values));
  auto out = TempDir::Make("sample-out");
  ASSERT_TRUE(out.ok());
  auto w = WriteSegment(spec, src, out->path());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  const std::string mine = w->metadata_dir;

  size_t compared = 0;
  for (const auto& c : m.columns) {
    for (const char* idx : {"dictionary", "forward_index"}) {
      const std::string key = c.name + "." + idx;
      std::string want = V3Index(real, key), got = V3Index(mine, key);
      ASSERT_FALSE(want.empty()) << key;
      EXPECT_EQ(got.size(), want.size()) << key;
      EXPECT_TRUE(got == want) << key << ": bytes differ";
      ++compared;
    }
  }
  EXPECT_EQ(compared, 50u);

  // metadata.properties: the same text (Pinot writes keys in the same order), except for the
  // creator-specific lines the fixture lacks or has.
  auto want_md = ReadFileToString(real + "/metadata.properties");
  auto got_md = ReadFileToString(mine + "/metadata.properties");
  ASSERT_TRUE(want_md.ok() && got_md.ok());
  EXPECT_EQ(*got_md, *want_md);
  // index_map lines for the indexes both have (the fixture also has two inverted indexes).
  auto mine_map = IndexMap(mine);
  EXPECT_EQ(mine_map.size(), 50u);
  // The written segment reads back to the same rows.
  auto back = segment::Segment::Open(w->dir);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  for (const auto& c : m.columns) {
    ExpectSameColumn(**seg, **back, c.name);
  }
}

TEST(ByteExact, LegacyRawVarByteV4Lz4) {
  for (const char* fixture :
       {"legacyRawInverted_OFFLINE_0.v1.tar.gz", "legacyRawInverted_OFFLINE_0.v3.tar.gz"}) {
    SCOPED_TRACE(fixture);
    auto tmp = TempDir::Make("sample-test");
    ASSERT_TRUE(tmp.ok());
    Extract(FixturePath(fixture), tmp->path());
    const bool v3 = std::string(fixture).find(".v3.") != std::string::npos;
    const std::string real = tmp->path() + "/legacyRawInverted_OFFLINE_0" + (v3 ? "/v3" : "");
    auto seg = segment::Segment::Open(real);
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    SegmentSpec spec;
    spec.table = "legacyRawInverted";
    spec.name = "legacyRawInverted_OFFLINE_0";
    spec.v3 = v3;
    spec.num_docs = (*seg)->meta().total_docs;
    ColumnSpec cs;
    cs.name = "category";
    cs.type = DataType::kString;
    cs.encoding = Encoding::kRaw;
    cs.raw_version = 4;
    cs.codec = Codec::kLz4;
    spec.columns.push_back(cs);
    MemorySource src({ReadColumn(**seg, "category")});
    auto out = TempDir::Make("sample-out");
    ASSERT_TRUE(out.ok());
    auto w = WriteSegment(spec, src, out->path());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    std::string want, got;
    if (v3) {
      want = V3Index(real, "category.forward_index");
      got = V3Index(w->metadata_dir, "category.forward_index");
    } else {
      want = *ReadFileToString(real + "/category.sv.raw.fwd");
      got = *ReadFileToString(w->metadata_dir + "/category.sv.raw.fwd");
    }
    ASSERT_EQ(want.size(), 2569u);
    EXPECT_EQ(got.size(), want.size());
    EXPECT_TRUE(got == want) << "forward index bytes differ";
  }
}

}  // namespace
}  // namespace pe::sample
