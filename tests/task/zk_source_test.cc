// ZkSegmentSource against a real ZooKeeper server (Debian's zookeeper package, started by the
// test): segment metadata, ideal state and lineage written as Pinot writes them (ZNRecord JSON,
// one record gzip-compressed as Helix compresses large records), listed and judged by PlanCycle.
#include "task/zk_source.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "state/zk.h"
#include "task/generator.h"
#include "task/pinot_zk.h"
#include "testing/zk_server.h"

namespace pe::task {
namespace {

constexpr char kCluster[] = "PinotCluster";
constexpr char kTable[] = "events_REALTIME";
constexpr int64_t kHour = 3600000;
constexpr int64_t kNow = 1767225600000;  // 2026-01-01T00:00:00Z

// A segment record as PinotLLCRealtimeSegmentManager / SegmentZKMetadataUtils write one.
ZNRecord Segment(const std::string& name, const std::string& status, int64_t end_ms,
                 const std::string& url) {
  ZNRecord r;
  r.id = name;
  r.simple_fields = {{"segment.realtime.status", status},
                     {"segment.start.time", std::to_string(end_ms - kHour)},
                     {"segment.end.time", std::to_string(end_ms)},
                     {"segment.time.unit", "MILLISECONDS"},
                     {"segment.total.docs", "100"},
                     {"segment.crc", "12345"}};
  if (status == "DONE" || status == "UPLOADED") r.simple_fields["segment.download.url"] = url;
  return r;
}

class ZkSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start()) << server_.error();
    state::ZkOptions o;
    o.hosts = server_.hosts();
    auto c = state::ZkClient::Connect(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    zk_ = std::move(c).value();
  }
  void Put(const std::string& path, const ZNRecord& r, bool gzip = false) {
    ASSERT_TRUE(zk_->CreateParents(path).ok()) << path;
    auto s = zk_->Set(path, SerializeZNRecord(r, gzip), -1);
    ASSERT_TRUE(s.ok()) << path << ": " << s.status().ToString();
  }
  void PutSegment(const ZNRecord& r, bool gzip = false) {
    Put(SegmentPath(kCluster, kTable, r.id), r, gzip);
  }
  void PutIdealState(const std::map<std::string, std::string>& states) {
    ZNRecord is;
    is.id = kTable;
    is.simple_fields = {{"IDEAL_STATE_MODE", "CUSTOMIZED"},
                        {"REBALANCE_MODE", "CUSTOMIZED"},
                        {"STATE_MODEL_DEF_REF", "SegmentOnlineOfflineStateModel"},
                        {"NUM_PARTITIONS", std::to_string(states.size())}};
    for (const auto& [seg, st] : states)
      is.map_fields[seg] = {{"Server_1_8098", st},
                            {"Server_2_8098", st == "CONSUMING" ? st : "ONLINE"}};
    Put(IdealStatePath(kCluster, kTable), is);
  }
  std::vector<SegmentRecord> List(ZkSegmentSource* src) {
    auto l = src->ListSegments(kTable);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? std::move(l).value() : std::vector<SegmentRecord>();
  }
  static std::vector<std::string> Selected(const std::vector<SegmentRecord>& segs, CyclePlan* p) {
    CycleInput in;
    in.now_ms = kNow;
    in.buffer_ms = 2 * kHour;
    in.segments = segs;
    *p = PlanCycle(in);
    std::vector<std::string> out;
    for (const auto& s : p->selected) out.push_back(s.name);
    return out;
  }

  testing::ZkServer server_;
  std::unique_ptr<state::ZkClient> zk_;
};

TEST_F(ZkSourceTest, EligibilityFromPinotMetadata) {
  const std::string deep = "s3://deep/events/";
  // Completed and in deep store: exported.
  PutSegment(Segment("events__0__1__20251231T1000Z", "DONE", kNow - 10 * kHour, deep + "a"));
  PutSegment(Segment("events__1__1__20251231T1000Z", "UPLOADED", kNow - 9 * kHour, deep + "b"));
  // Gzip-compressed by Helix: read the same.
  PutSegment(Segment("events__2__1__20251231T1000Z", "DONE", kNow - 8 * kHour, deep + "c"), true);
  // Not completed.
  PutSegment(Segment("events__0__2__20251231T2000Z", "IN_PROGRESS", kNow - 7 * kHour, ""));
  PutSegment(Segment("events__1__2__20251231T2000Z", "COMMITTING", kNow - 7 * kHour, ""));
  // Completed, only on servers' disks (peer download): reported, not exported.
  PutSegment(Segment("events__2__2__20251231T2000Z", "DONE", kNow - 6 * kHour, ""));
  // DONE in its record but still CONSUMING in the ideal state: skipped (BaseTaskGenerator).
  PutSegment(Segment("events__3__1__20251231T1000Z", "DONE", kNow - 6 * kHour, deep + "d"));
  // Not in the ideal state (being deleted): skipped.
  PutSegment(Segment("events__4__1__20251231T1000Z", "DONE", kNow - 6 * kHour, deep + "e"));
  // Replaced by a completed lineage entry: skipped.
  PutSegment(Segment("events__5__1__20251231T1000Z", "DONE", kNow - 6 * kHour, deep + "f"));
  PutSegment(Segment("merged_events_1", "UPLOADED", kNow - 6 * kHour, deep + "g"));
  // Inside the buffer period: not yet.
  PutSegment(Segment("events__6__1__20251231T2300Z", "DONE", kNow - kHour, deep + "h"));
  // Garbage bytes: listed with a problem.
  ASSERT_TRUE(zk_->Create(SegmentPath(kCluster, kTable, "events__7__1__20251231T1000Z"),
                          "{not json", state::ZkCreateMode::kPersistent)
                  .ok());

  std::map<std::string, std::string> is;
  for (const char* s : {"events__0__1__20251231T1000Z", "events__1__1__20251231T1000Z",
                        "events__2__1__20251231T1000Z", "events__2__2__20251231T2000Z",
                        "events__5__1__20251231T1000Z", "merged_events_1",
                        "events__6__1__20251231T2300Z", "events__7__1__20251231T1000Z"})
    is[s] = "ONLINE";
  for (const char* s : {"events__0__2__20251231T2000Z", "events__1__2__20251231T2000Z",
                        "events__3__1__20251231T1000Z"})
    is[s] = "CONSUMING";
  PutIdealState(is);
  ZNRecord lineage;
  lineage.id = kTable;
  lineage.list_fields["e1"] = {"events__5__1__20251231T1000Z", "merged_events_1", "COMPLETED",
                               "1767200000000"};
  Put(LineagePath(kCluster, kTable), lineage);

  ZkSegmentSource src({kCluster, zk_.get()});
  auto segs = List(&src);
  EXPECT_EQ(src.last_records(), 12);
  EXPECT_EQ(src.last_counts().consuming, 3);  // IN_PROGRESS, COMMITTING, DONE-but-CONSUMING
  EXPECT_EQ(src.last_counts().not_in_ideal_state, 1);
  EXPECT_EQ(src.last_counts().replaced, 1);
  CyclePlan plan;
  EXPECT_EQ(
      Selected(segs, &plan),
      (std::vector<std::string>{"events__0__1__20251231T1000Z", "events__1__1__20251231T1000Z",
                                "events__2__1__20251231T1000Z", "merged_events_1"}));
  EXPECT_EQ(plan.not_downloadable, 1);
  EXPECT_EQ(plan.unusable, 1);
  EXPECT_EQ(plan.in_buffer, 1);
  for (const auto& s : plan.selected) {
    if (s.name == "events__2__1__20251231T1000Z") {
      EXPECT_EQ(s.download_uri, deep + "c");
    }
  }

  // A segment committed between cycles is picked up by the next listing.
  PutSegment(Segment("events__0__3__20251231T2100Z", "DONE", kNow - 5 * kHour, deep + "i"));
  is["events__0__3__20251231T2100Z"] = "ONLINE";
  PutIdealState(is);
  segs = List(&src);
  auto names = Selected(segs, &plan);
  EXPECT_EQ(names.size(), 5u);
  EXPECT_EQ(names.back(), "events__0__3__20251231T2100Z");
}

TEST_F(ZkSourceTest, MissingTableIsEmptyAndACorruptIdealStateIsAnError) {
  ZkSegmentSource src({kCluster, zk_.get()});
  auto segs = src.ListSegments("nothing_REALTIME");
  ASSERT_TRUE(segs.ok()) << segs.status().ToString();
  EXPECT_TRUE(segs->empty());
  // A corrupt ideal state stops the listing (nothing can be judged without it).
  PutSegment(Segment("events__0__1__20251231T1000Z", "DONE", kNow - 10 * kHour, "s3://d/a"));
  ASSERT_TRUE(zk_->CreateParents(IdealStatePath(kCluster, kTable), "[1,2]").ok());
  auto bad = src.ListSegments(kTable);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsCorruption()) << bad.status().ToString();
  EXPECT_EQ(bad.status().message().find('\n'), std::string::npos);
}

}  // namespace
}  // namespace pe::task
