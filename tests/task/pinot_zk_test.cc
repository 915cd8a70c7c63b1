// Pinot's ZooKeeper records parsed (task/pinot_zk.h), against the fixtures in tests/data/pinot_zk
// (written in the exact shape Pinot and Helix write; tests/data/pinot_zk/SOURCES.md). Expected
// values are the ones written into the fixtures.
#include "task/pinot_zk.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/file.h"
#include "task/config.h"
#include "testing/testing.h"

namespace pe::task {
namespace {

std::string ZkFixture(const std::string& name) {
  auto r = ReadFileToString(pe::testing::SourceDir() + "/tests/data/pinot_zk/" + name);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::string();
}

ZNRecord Record(const std::string& name) {
  auto r = ParseZNRecord(ZkFixture(name));
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  return r.ok() ? *r : ZNRecord{};
}

// A one-line kCorruption whose message contains `part`.
void ExpectCorruption(const Status& st, const std::string& part) {
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find(part), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.message();
}

// gzip of `data` with zlib directly (level 9), independent of SerializeZNRecord.
std::string ZlibGzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

const char* const kJsonFixtures[] = {"segment_done.json",       "segment_in_progress.json",
                                     "segment_committing.json", "segment_uploaded.json",
                                     "segment_peer.json",       "segment_legacy_offline.json",
                                     "idealstate.json",         "lineage.json",
                                     "table_config.json"};

// ---- ZNRecord ----

TEST(ZNRecordTest, ParsesTheDoneSegmentFixture) {
  ZNRecord r = Record("segment_done.json");
  EXPECT_EQ(r.id, "events__0__12__20260101T0000Z");
  EXPECT_EQ(r.simple_fields.size(), 16u);
  ASSERT_NE(r.Simple("segment.realtime.status"), nullptr);
  EXPECT_EQ(*r.Simple("segment.realtime.status"), "DONE");
  EXPECT_EQ(r.Simple("segment.tier"), nullptr);
  EXPECT_TRUE(r.map_fields.empty());
  EXPECT_TRUE(r.list_fields.empty());

  ZNRecord l = Record("lineage.json");
  ASSERT_EQ(l.list_fields.size(), 3u);
  EXPECT_EQ(l.list_fields["9a4c1e7b-2d8f-4e3a-b5c6-7f1e0d2c3b33"],
            (std::vector<std::string>{"events_merged_src_2", "events_retry_0", "REVERTED",
                                      "1767320000000", "true"}));
  ZNRecord u = Record("segment_uploaded.json");
  EXPECT_EQ(u.map_fields["custom.map"]["batchId"], "2026-01-01");
}

// The fixtures are laid out byte for byte as Jackson's INDENT_OUTPUT writes a ZNRecord, so
// serializing what was parsed must give the file back.
TEST(ZNRecordTest, SerializeWritesHelixLayout) {
  for (const char* name : kJsonFixtures) {
    std::string bytes = ZkFixture(name);
    auto r = ParseZNRecord(bytes);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    EXPECT_EQ(SerializeZNRecord(*r), bytes) << name;
  }
  ZNRecord empty;
  empty.id = "x";
  EXPECT_EQ(SerializeZNRecord(empty),
            "{\n  \"id\" : \"x\",\n  \"simpleFields\" : { },\n  \"mapFields\" : { },\n"
            "  \"listFields\" : { }\n}");
  ZNRecord odd;
  odd.id = "q\"d";
  odd.simple_fields["k"] = std::string("a\"b\\c/\n\t\x01\x1f\xc3\xa9", 12);
  odd.list_fields["none"] = {};
  odd.map_fields["m"] = {};
  EXPECT_EQ(SerializeZNRecord(odd),
            "{\n  \"id\" : \"q\\\"d\",\n  \"simpleFields\" : {\n"
            "    \"k\" : \"a\\\"b\\\\c/\\n\\t\\u0001\\u001F\xc3\xa9\"\n  },\n"
            "  \"mapFields\" : {\n    \"m\" : { }\n  },\n"
            "  \"listFields\" : {\n    \"none\" : [ ]\n  }\n}");
  auto back = ParseZNRecord(SerializeZNRecord(odd));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, odd);
}

TEST(ZNRecordTest, ToleratesMissingSectionsAndCoercesScalarsLikeJackson) {
  auto r = ParseZNRecord(R"({"id":"x"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "x");
  EXPECT_TRUE(r->simple_fields.empty() && r->map_fields.empty() && r->list_fields.empty());

  r = ParseZNRecord(
      R"({"id":"x","simpleFields":{"n":5,"b":true,"z":null},"listFields":{"l":["a",7]},)"
      R"("rawPayload":"AAEC","mapFields":null})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->simple_fields, (std::map<std::string, std::string>{{"n", "5"}, {"b", "true"}}));
  EXPECT_EQ(r->list_fields["l"], (std::vector<std::string>{"a", "7"}));
}

TEST(ZNRecordTest, WrongShapesAreOneLineCorruption) {
  ExpectCorruption(ParseZNRecord("").status(), "ZNRecord: empty");
  ExpectCorruption(ParseZNRecord(R"({"id":"x",)").status(), "ZNRecord: not valid JSON");
  ExpectCorruption(ParseZNRecord("[1,2]").status(), "ZNRecord: not a JSON object");
  ExpectCorruption(ParseZNRecord(R"({"id":5})").status(), "ZNRecord: id is not a string");
  ExpectCorruption(ParseZNRecord(R"({"id":"x","simpleFields":[]})").status(),
                   "ZNRecord x: simpleFields is not an object");
  ExpectCorruption(ParseZNRecord(R"({"id":"x","simpleFields":{"k":{"a":"b"}}})").status(),
                   "ZNRecord x: simpleFields.k is not a string");
  ExpectCorruption(ParseZNRecord(R"({"id":"x","mapFields":{"m":"v"}})").status(),
                   "ZNRecord x: mapFields.m is not an object");
  ExpectCorruption(ParseZNRecord(R"({"id":"x","listFields":{"l":"v"}})").status(),
                   "ZNRecord x: listFields.l is not an array");
  ExpectCorruption(ParseZNRecord(R"({"id":"x","listFields":{"l":[["v"]]}})").status(),
                   "ZNRecord x: listFields.l holds a non-string item");
  // Every prefix of a fixture: an error or a record, never a crash.
  std::string bytes = ZkFixture("table_config.json");
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto p = ParseZNRecord(std::string_view(bytes).substr(0, n));
    if (!p.ok()) {
      EXPECT_TRUE(p.status().IsCorruption());
    }
  }
}

// ---- gzip (Helix's GZipCompressionUtil) ----

TEST(ZNRecordGzipTest, ReadsTheGzipFixture) {
  std::string gz = ZkFixture("segment_done.json.gz");
  ASSERT_GE(gz.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1F);
  auto r = ParseZNRecord(gz);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Record("segment_done.json"));
}

TEST(ZNRecordGzipTest, SerializeGzipWritesGzipOutputStreamHeaderAndRoundTrips) {
  ZNRecord r = Record("segment_uploaded.json");
  std::string gz = SerializeZNRecord(r, /*gzip=*/true);
  const unsigned char kHeader[] = {0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF};
  ASSERT_GE(gz.size(), sizeof(kHeader));
  EXPECT_EQ(std::string(gz, 0, sizeof(kHeader)),
            std::string(reinterpret_cast<const char*>(kHeader), sizeof(kHeader)));
  auto back = ParseZNRecord(gz);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
}

TEST(ZNRecordGzipTest, ConcatenatedMembersAreOneStream) {
  std::string json = ZkFixture("segment_peer.json");
  size_t half = json.size() / 2;
  auto r = ParseZNRecord(ZlibGzip(json.substr(0, half)) + ZlibGzip(json.substr(half)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "events__1__6__20260101T0000Z");
}

TEST(ZNRecordGzipTest, CorruptGzipIsOneLineCorruption) {
  std::string gz = ZkFixture("segment_done.json.gz");
  ExpectCorruption(ParseZNRecord(gz.substr(0, gz.size() / 2)).status(), "truncated");
  ExpectCorruption(ParseZNRecord(gz.substr(0, gz.size() - 4)).status(), "truncated");
  ExpectCorruption(ParseZNRecord("\x1f\x8b").status(), "truncated");
  std::string flipped = gz;
  flipped[12] = static_cast<char>(flipped[12] ^ 0xFF);
  auto f = ParseZNRecord(flipped);
  EXPECT_FALSE(f.ok());
  EXPECT_TRUE(f.status().IsCorruption()) << f.status().ToString();
  ExpectCorruption(ParseZNRecord(gz + "junk").status(), "bytes after the gzip data");
  for (size_t n = 2; n < gz.size(); ++n) {
    auto p = ParseZNRecord(std::string_view(gz).substr(0, n));
    EXPECT_TRUE(p.status().IsCorruption()) << n;
  }
}

TEST(ZNRecordGzipTest, BombBeyondTheCapIsRejected) {
  // 65 MiB of spaces compress to ~64 KiB; inflating stops at the 64 MiB cap.
  std::string bomb = ZlibGzip(std::string(kMaxZNRecordBytes + (size_t{1} << 20), ' '));
  EXPECT_LT(bomb.size(), size_t{1} << 20);
  ExpectCorruption(ParseZNRecord(bomb).status(), "inflates past 67108864 bytes");
  // A smaller cap applies to the inflated bytes as well.
  std::string gz = ZkFixture("segment_done.json.gz");
  ASSERT_LT(gz.size(), 500u);
  ExpectCorruption(ParseZNRecord(gz, 500).status(), "inflates past 500 bytes");
}

// ---- paths ----

TEST(PinotZkPathsTest, PropertyStoreLayout) {
  EXPECT_EQ(TableConfigPath("PinotCluster", "events_REALTIME"),
            "/PinotCluster/PROPERTYSTORE/CONFIGS/TABLE/events_REALTIME");
  EXPECT_EQ(SegmentsPath("PinotCluster", "events_REALTIME"),
            "/PinotCluster/PROPERTYSTORE/SEGMENTS/events_REALTIME");
  EXPECT_EQ(SegmentPath("PinotCluster", "events_REALTIME", "events__0__12__20260101T0000Z"),
            "/PinotCluster/PROPERTYSTORE/SEGMENTS/events_REALTIME/events__0__12__20260101T0000Z");
  EXPECT_EQ(LineagePath("PinotCluster", "events_REALTIME"),
            "/PinotCluster/PROPERTYSTORE/SEGMENT_LINEAGE/events_REALTIME");
  EXPECT_EQ(IdealStatePath("PinotCluster", "events_REALTIME"),
            "/PinotCluster/IDEALSTATES/events_REALTIME");
}

// ---- segment ZK metadata ----

TEST(SegmentFromZkTest, DoneSegment) {
  ZkSegmentExtra x;
  auto s = SegmentFromZk(Record("segment_done.json"), &x);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->name, "events__0__12__20260101T0000Z");
  EXPECT_TRUE(s->completed);
  EXPECT_EQ(s->start_time_ms, 1767225600000);
  EXPECT_EQ(s->end_time_ms, 1767229199000);
  EXPECT_EQ(s->download_uri, "s3://pinot-deepstore/events/events__0__12__20260101T0000Z");
  EXPECT_EQ(s->crc, 3251475672);
  EXPECT_EQ(s->total_docs, 100000);
  EXPECT_EQ(s->problem, "");
  EXPECT_EQ(x.status, "DONE");
  EXPECT_EQ(x.data_crc, 1102846721);
  EXPECT_EQ(x.size_bytes, 5242880);
  EXPECT_EQ(x.creation_time, 1767225600123);
  EXPECT_FALSE(x.peer_download_only || x.no_download_url);
  EXPECT_EQ(x.note, "");
}

TEST(SegmentFromZkTest, ConsumingAndCommittingAreNotCompleted) {
  ZkSegmentExtra x;
  auto s = SegmentFromZk(Record("segment_in_progress.json"), &x);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->completed);
  EXPECT_EQ(x.status, "IN_PROGRESS");
  EXPECT_FALSE(s->start_time_ms.has_value());
  EXPECT_FALSE(s->end_time_ms.has_value());
  EXPECT_EQ(s->download_uri, "");
  EXPECT_TRUE(x.no_download_url);
  EXPECT_EQ(s->crc, -1);
  EXPECT_EQ(s->total_docs, -1);
  EXPECT_EQ(s->problem, "");

  s = SegmentFromZk(Record("segment_committing.json"), &x);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->completed);
  EXPECT_EQ(x.status, "COMMITTING");
  EXPECT_EQ(s->problem, "");
}

TEST(SegmentFromZkTest, UploadedSegment) {
  auto s = SegmentFromZk(Record("segment_uploaded.json"));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->completed);
  EXPECT_EQ(s->start_time_ms, 1767225600000);
  EXPECT_EQ(s->end_time_ms, 1767311999000);
  EXPECT_EQ(s->download_uri,
            "http://controller-0:9000/segments/events/events_1767225600000_1767311999000_0");
  EXPECT_EQ(s->total_docs, 25000);
  EXPECT_EQ(s->crc, 987654321);
}

TEST(SegmentFromZkTest, PeerDownloadOnlyIsNotInDeepStore) {
  ZkSegmentExtra x;
  ZNRecord r = Record("segment_peer.json");
  auto s = SegmentFromZk(r, &x);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->completed);
  EXPECT_EQ(s->download_uri, "");
  EXPECT_EQ(s->problem, "");  // PlanCycle counts it as not downloadable, not as unusable
  EXPECT_TRUE(x.peer_download_only);
  EXPECT_EQ(x.note, "not in deep store (peer download only)");
  r.simple_fields["segment.download.url"] = "PEER:///events__1__6__20260101T0000Z";
  s = SegmentFromZk(r, &x);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->download_uri, "");
  EXPECT_TRUE(x.peer_download_only);
}

TEST(SegmentFromZkTest, LegacyOfflineRecord) {
  ZkSegmentExtra x;
  auto s = SegmentFromZk(Record("segment_legacy_offline.json"), &x);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->completed);  // no status: UPLOADED
  EXPECT_EQ(x.status, "UPLOADED");
  EXPECT_EQ(s->start_time_ms, int64_t{20455} * 86400000);  // DAYS
  EXPECT_EQ(s->end_time_ms, 1767312000000);
  EXPECT_EQ(s->download_uri, "hdfs://nn:8020/pinot/events/events_OFFLINE_20455_20455_0");
  EXPECT_EQ(s->total_docs, 777);
  EXPECT_EQ(s->problem, "");
}

TEST(SegmentFromZkTest, DownloadUrlFallbacksAndPrecedence) {
  ZNRecord r;
  r.id = "s";
  r.simple_fields["segment.realtime.download.url"] = "file:///r";
  EXPECT_EQ(SegmentFromZk(r)->download_uri, "file:///r");
  r.simple_fields["segment.offline.download.url"] = "file:///o";
  EXPECT_EQ(SegmentFromZk(r)->download_uri, "file:///o");
  r.simple_fields["segment.download.url"] = "file:///d";
  EXPECT_EQ(SegmentFromZk(r)->download_uri, "file:///d");
  r.simple_fields["segment.download.url"] = "";  // present: no fallback
  ZkSegmentExtra x;
  EXPECT_EQ(SegmentFromZk(r, &x)->download_uri, "");
  EXPECT_TRUE(x.peer_download_only);
}

TEST(SegmentFromZkTest, TimesInEveryUnit) {
  ZNRecord r;
  r.id = "s";
  r.simple_fields = {{"segment.start.time", "1767225600123456789"},
                     {"segment.end.time", "1767225600999999999"},
                     {"segment.time.unit", "NANOSECONDS"}};
  auto s = SegmentFromZk(r);
  EXPECT_EQ(s->start_time_ms, 1767225600123);  // truncated, as TimeUnit.toMillis
  EXPECT_EQ(s->end_time_ms, 1767225600999);
  r.simple_fields = {{"segment.start.time", "1767225600123456"},
                     {"segment.end.time", "+1767225600999999"},
                     {"segment.time.unit", "MICROSECONDS"}};
  s = SegmentFromZk(r);
  EXPECT_EQ(s->start_time_ms, 1767225600123);
  EXPECT_EQ(s->end_time_ms, 1767225600999);
  r.simple_fields = {{"segment.start.time", "1767225600"},
                     {"segment.end.time", "29453760"},
                     {"segment.time.unit", "SECONDS"}};
  s = SegmentFromZk(r);
  EXPECT_EQ(s->start_time_ms, 1767225600000);
  EXPECT_EQ(s->end_time_ms, 29453760000);
  r.simple_fields["segment.time.unit"] = "MINUTES";
  EXPECT_EQ(SegmentFromZk(r)->end_time_ms, 1767225600000);
  r.simple_fields["segment.time.unit"] = "HOURS";
  r.simple_fields["segment.end.time"] = "490896";
  EXPECT_EQ(SegmentFromZk(r)->end_time_ms, 1767225600000);
  EXPECT_EQ(SegmentFromZk(r)->problem, "");
}

TEST(SegmentFromZkTest, MalformedValuesSetProblemNeverFail) {
  ZNRecord r;
  r.id = "s";
  // Old records: -1 times with unit "null" mean "no time", not a problem.
  r.simple_fields = {
      {"segment.start.time", "-1"}, {"segment.end.time", "-1"}, {"segment.time.unit", "null"}};
  auto s = SegmentFromZk(r);
  EXPECT_EQ(s->problem, "");
  EXPECT_FALSE(s->end_time_ms.has_value());

  r.simple_fields = {{"segment.end.time", "abc"}, {"segment.time.unit", "MILLISECONDS"}};
  s = SegmentFromZk(r);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->problem, "segment.end.time 'abc' is not an integer");
  EXPECT_FALSE(s->end_time_ms.has_value());

  r.simple_fields = {{"segment.end.time", " 5"}, {"segment.time.unit", "MILLISECONDS"}};
  EXPECT_EQ(SegmentFromZk(r)->problem, "segment.end.time ' 5' is not an integer");

  r.simple_fields = {{"segment.start.time", "5"}, {"segment.end.time", "6"}};
  EXPECT_EQ(SegmentFromZk(r)->problem,
            "segment.start.time 5 has no segment.time.unit; segment.end.time 6 has no "
            "segment.time.unit");
  r.simple_fields = {{"segment.end.time", "6"}, {"segment.time.unit", "WEEKS"}};
  EXPECT_EQ(SegmentFromZk(r)->problem, "segment.end.time 6 has unknown segment.time.unit 'WEEKS'");
  r.simple_fields = {{"segment.end.time", "9223372036854775807"}, {"segment.time.unit", "DAYS"}};
  EXPECT_EQ(SegmentFromZk(r)->problem,
            "segment.end.time 9223372036854775807 DAYS does not fit in epoch milliseconds");
  r.simple_fields = {{"segment.end.time", "99999999999999999999"},
                     {"segment.time.unit", "MILLISECONDS"}};
  EXPECT_EQ(SegmentFromZk(r)->problem, "segment.end.time '99999999999999999999' is not an integer");

  r.simple_fields = {{"segment.crc", "x1"}, {"segment.total.docs", "1.5"}};
  s = SegmentFromZk(r);
  EXPECT_EQ(s->crc, -1);
  EXPECT_EQ(s->total_docs, -1);
  EXPECT_EQ(s->problem,
            "segment.crc 'x1' is not an integer; segment.total.docs '1.5' is not an integer");

  r.simple_fields = {{"segment.realtime.status", "done"}};
  s = SegmentFromZk(r);
  EXPECT_FALSE(s->completed);
  EXPECT_EQ(s->problem, "segment.realtime.status 'done' is not a Pinot status");

  ExpectCorruption(SegmentFromZk(ZNRecord{}).status(), "segment ZNRecord has no id");
}

// ---- IdealState ----

TEST(IdealStateTest, ReplicaStates) {
  auto is = IdealStateFromZk(Record("idealstate.json"));
  ASSERT_TRUE(is.ok()) << is.status().ToString();
  EXPECT_EQ(is->table, "events_REALTIME");
  EXPECT_EQ(is->segments.size(), 7u);
  EXPECT_TRUE(is->Contains("events__0__12__20260101T0000Z"));
  EXPECT_FALSE(is->IsConsuming("events__0__12__20260101T0000Z"));
  EXPECT_TRUE(is->IsConsuming("events__0__13__20260101T0100Z"));
  EXPECT_TRUE(is->IsConsuming("events__2__3__20260101T0000Z"));  // one replica of two
  EXPECT_FALSE(is->Contains("events_OFFLINE_20455_20455_0"));
  EXPECT_FALSE(is->IsConsuming("events_OFFLINE_20455_20455_0"));

  ZNRecord semi = Record("idealstate.json");
  semi.simple_fields["REBALANCE_MODE"] = "SEMI_AUTO";
  ExpectCorruption(IdealStateFromZk(semi).status(),
                   "IdealState events_REALTIME: REBALANCE_MODE SEMI_AUTO is not CUSTOMIZED");
}

// ---- lineage ----

TEST(LineageTest, CompletedSkipsFromInProgressAndRevertedSkipTo) {
  auto replaced = ReplacedSegments(Record("lineage.json"));
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(*replaced,
            (std::set<std::string>{"events_merged_src_0", "events_merged_src_1", "events_rollup_0",
                                   "events_rollup_1", "events_retry_0"}));
}

TEST(LineageTest, EmptyCsvItemsAreDroppedAndBadEntriesFail) {
  ZNRecord l;
  l.id = "t_OFFLINE";
  l.list_fields["e"] = {",a,,b,", "", "COMPLETED", "1"};
  auto replaced = ReplacedSegments(l);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(*replaced, (std::set<std::string>{"a", "b"}));
  l.list_fields["e"] = {"a", "b", "COMPLETED"};
  ExpectCorruption(ReplacedSegments(l).status(),
                   "segment lineage t_OFFLINE entry e: fewer than 4 items");
  l.list_fields["e"] = {"a", "b", "DONE", "1"};
  ExpectCorruption(ReplacedSegments(l).status(), "entry e: unknown state 'DONE'");
  l.list_fields["e"] = {"a", "b", "COMPLETED", "soon"};
  ExpectCorruption(ReplacedSegments(l).status(), "entry e: timestamp 'soon' is not an integer");
}

// ---- table config ----

TEST(TableConfigFromZkTest, RebuildsTheTableConfigJson) {
  auto text = TableConfigJsonFromZk(Record("table_config.json"));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  nlohmann::json j = nlohmann::json::parse(*text);
  EXPECT_EQ(j["tableName"], "events_REALTIME");
  EXPECT_EQ(j["tableType"], "REALTIME");
  EXPECT_EQ(j["isDimTable"], false);
  EXPECT_EQ(j["segmentsConfig"]["timeColumnName"], "ts");
  EXPECT_EQ(j["tenants"]["server"], "DefaultTenant");
  EXPECT_EQ(j["tableIndexConfig"]["invertedIndexColumns"], nlohmann::json::array({"country"}));
  EXPECT_EQ(j["task"]["taskTypeConfigsMap"]["DataExportTask"]["bufferTimePeriod"], "2h");

  auto c = ParseExportConfig(*text);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->table, "events_REALTIME");
  EXPECT_EQ(c->source_table, "events_REALTIME");
  EXPECT_EQ(c->raw_table, "events");
  EXPECT_EQ(c->buffer_ms, 2 * 3600 * 1000);
  EXPECT_EQ(c->output_dir_uri, "s3://lake/events");
  ASSERT_TRUE(c->schedule.has_value());
  EXPECT_EQ(c->schedule->expression(), "0 */10 * ? * *");
}

TEST(TableConfigFromZkTest, MissingOrBadSectionsAreCorruption) {
  ZNRecord r = Record("table_config.json");
  ZNRecord no_tenants = r;
  no_tenants.simple_fields.erase("tenants");
  ExpectCorruption(TableConfigJsonFromZk(no_tenants).status(),
                   "table config events_REALTIME: tenants is missing");
  ZNRecord bad_task = r;
  bad_task.simple_fields["task"] = "{\"taskTypeConfigsMap\":";
  ExpectCorruption(TableConfigJsonFromZk(bad_task).status(),
                   "table config events_REALTIME: task is not valid JSON");
  ZNRecord no_type = r;
  no_type.simple_fields.erase("tableType");
  ExpectCorruption(TableConfigJsonFromZk(no_type).status(), "tableType is missing");
}

// ---- BaseTaskGenerator's rule ----

TEST(FilterForExportTest, KeepsWhatBaseTaskGeneratorKeeps) {
  std::vector<SegmentRecord> from_zk;
  for (const char* name :
       {"segment_done.json", "segment_in_progress.json", "segment_committing.json",
        "segment_uploaded.json", "segment_peer.json", "segment_legacy_offline.json"}) {
    auto s = SegmentFromZk(Record(name));
    ASSERT_TRUE(s.ok());
    from_zk.push_back(*s);
  }
  // DONE, but one replica is still CONSUMING in the ideal state; replaced by lineage; deleted.
  for (const char* name :
       {"events__2__3__20260101T0000Z", "events_merged_src_0", "events_deleted_0"}) {
    SegmentRecord s;
    s.name = name;
    from_zk.push_back(s);
  }
  auto is = IdealStateFromZk(Record("idealstate.json"));
  auto replaced = ReplacedSegments(Record("lineage.json"));
  ASSERT_TRUE(is.ok() && replaced.ok());
  ExportFilterCounts counts;
  std::vector<SegmentRecord> kept = FilterForExport(from_zk, *is, *replaced, &counts);
  std::vector<std::string> names;
  for (const SegmentRecord& s : kept) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "events__0__12__20260101T0000Z", "events__1__7__20260101T0030Z",
                       "events_1767225600000_1767311999000_0", "events__1__6__20260101T0000Z"}));
  EXPECT_EQ(counts.kept, 4);
  EXPECT_EQ(counts.not_in_ideal_state, 2);  // the legacy OFFLINE record, the deleted one
  EXPECT_EQ(counts.consuming, 2);           // IN_PROGRESS, and DONE with a CONSUMING replica
  EXPECT_EQ(counts.replaced, 1);
}

}  // namespace
}  // namespace pe::task
