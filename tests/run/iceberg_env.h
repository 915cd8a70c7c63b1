// Shared by the end-to-end tests of `pinot-export run` with the Iceberg target
// (iceberg_run_test.cc, iceberg_faults_test.cc): the Iceberg table for `sample --demo` segments,
// the segments, the target's config keys, and independent read-backs of the table — snapshot
// summaries of pinot-export batches, rows read by icebird (tests/e2e/iceberg_read.mjs), Avro
// manifests decoded by avsc (tests/e2e/iceberg_avro.mjs).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "run/run_env.h"

namespace pe::run_testing {

inline constexpr int64_t kHour = 3600 * 1000;

// The Iceberg table for `sample --demo` segments: every Pinot column by name, with promotions
// (INT quantity -> long), TIMESTAMP event_time -> timestamptz, the LONG time column ts (epoch
// ms) -> timestamp, JSON payload and BIG_DECIMAL price -> string, MV tags -> list<string>, plus
// an optional field no segment has (written as nulls).
inline nlohmann::json DemoSchema() {
  int id = 0;
  auto f = [&](const char* name, nlohmann::json type, bool required) {
    return nlohmann::json{{"id", ++id}, {"name", name}, {"required", required}, {"type", type}};
  };
  nlohmann::json fields = nlohmann::json::array();
  fields.push_back(f("event_type", "string", true));
  fields.push_back(f("user_id", "long", true));
  fields.push_back(f("country", "string", false));
  fields.push_back(f("device", "string", false));
  fields.push_back(f("is_mobile", "boolean", false));
  fields.push_back(
      f("tags",
        {{"type", "list"}, {"element-id", 100}, {"element", "string"}, {"element-required", true}},
        false));
  fields.push_back(f("quantity", "long", false));
  fields.push_back(f("amount", "double", false));
  fields.push_back(f("price", "string", false));
  fields.push_back(f("event_time", "timestamptz", false));
  fields.push_back(f("payload", "string", false));
  fields.push_back(f("session_key", "binary", false));
  fields.push_back(f("ts", "timestamp", true));
  fields.push_back(f("note", "string", false));
  return {{"type", "struct"}, {"schema-id", 0}, {"fields", fields}};
}

// n segments of partition 0, 5 hours apart from 2026-11-10 (oldest first); segment i has
// rows + i rows.
inline std::vector<Seg> Segments(int n, int rows) {
  std::vector<Seg> segs;
  const int64_t base = UtcMs(2026, 11, 10);
  for (int i = 0; i < n; ++i)
    segs.push_back({LlcName(0, i, base + int64_t(i) * 5 * kHour), rows + i});
  return segs;
}

// The DataExportTask keys of the Iceberg target for table lake.events of the catalog at `uri`.
inline std::map<std::string, std::string> IcebergKeys(const std::string& uri, int threshold) {
  return {{"outputDirURI", ""},
          {"externalTable.target", "iceberg-rest"},
          {"catalog.iceberg-rest.restUri", uri},
          {"catalog.iceberg-rest.table.namespace", "lake"},
          {"catalog.iceberg-rest.table.tableName", "events"},
          {"iceberg.commitThreshold", std::to_string(threshold)}};
}

// Snapshots of pinot-export batches in `metadata`, oldest first: segment count and added records.
inline std::vector<std::pair<int64_t, int64_t>> BatchesOf(const nlohmann::json& metadata) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& s : metadata["snapshots"]) {
    const auto& sum = s["summary"];
    if (!sum.contains("pinot-export.batch-id")) continue;
    out.emplace_back(std::stoll(sum["pinot-export.segment-count"].get<std::string>()),
                     std::stoll(sum["added-records"].get<std::string>()));
  }
  return out;
}

// Rows of the current snapshot of `metadata` read by icebird (the file is written into `dir`;
// `args` are iceberg_read.mjs options, e.g. its S3 endpoint): the ts column (epoch µs) of each row.
inline std::vector<int64_t> ReadTsWithIcebird(const nlohmann::json& metadata,
                                              const std::string& dir,
                                              const std::vector<std::string>& args = {}) {
  const std::string meta = dir + "/metadata.json";
  std::ofstream(meta) << metadata.dump();
  std::vector<std::string> argv{meta};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = pe::testing::RunNode("iceberg_read.mjs", argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<int64_t> ts;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_array()) {
    ADD_FAILURE() << r.out << r.err;
    return ts;
  }
  for (const auto& row : j) {
    const auto& v = row["ts"];
    // icebird gives timestamps as Dates (ISO text here) or bigints (text).
    if (v.is_string() && v.get<std::string>().find('T') != std::string::npos) {
      std::tm tm{};
      const std::string s = v.get<std::string>();
      strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
      int ms = std::stoi(s.substr(20, 3));
      ts.push_back((int64_t(timegm(&tm)) * 1000 + ms) * 1000);
    } else {
      ts.push_back(v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>());
    }
  }
  return ts;
}

// Every segment's rows are in `ts` (epoch µs, one per row) exactly once: per segment, the rows
// whose ts falls in its range [C - N s, C) number N (segments do not overlap in time), and there
// are no others.
inline void ExpectEachSegmentOnce(const std::vector<Seg>& segs, const std::vector<int64_t>& ts) {
  size_t total = 0;
  for (const Seg& s : segs) total += size_t(s.rows);
  EXPECT_EQ(ts.size(), total);
  for (const Seg& s : segs) {
    const int64_t end_us = LlcCreationMs(s.name) * 1000;
    const int64_t start_us = end_us - int64_t(s.rows) * 1000 * 1000;
    const auto n =
        std::count_if(ts.begin(), ts.end(), [&](int64_t t) { return t >= start_us && t < end_us; });
    EXPECT_EQ(n, s.rows) << s.name;
  }
}

// An Avro file (manifest or manifest list) decoded by avsc: {"codec", "meta", "schema",
// "records"} (iceberg_avro.mjs); `uri` is a file:// URI or a local path.
inline nlohmann::json DumpAvro(const std::string& uri) {
  const std::string path = uri.rfind("file://", 0) == 0 ? uri.substr(7) : uri;
  auto r = pe::testing::RunNode("iceberg_avro.mjs", {"dump", path});
  EXPECT_EQ(r.exit_code, 0) << path << ": " << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_TRUE(j.is_object()) << path << ": " << r.out;
  return j.is_object() ? j : nlohmann::json::object();
}

}  // namespace pe::run_testing
