// The Generator's rules, one test each (issue 8, "Generator (one cycle)"): completed only, the
// exact bufferTimePeriod boundary, initialWatermarkMs, checkpoints, in-flight segments, order and
// tableMaxNumTasks, segments sharing an end time, late segments below the watermark, retention.
#include "task/generator.h"

#include <gtest/gtest.h>

namespace pe::task {
namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNow = 1764547200000;  // 2025-12-01T00:00:00Z

SegmentRecord Seg(const std::string& name, int64_t end_ms) {
  SegmentRecord s;
  s.name = name;
  s.download_uri = "/deep/events/" + name;
  s.start_time_ms = end_ms - kHour;
  s.end_time_ms = end_ms;
  s.total_docs = 100;
  return s;
}

CycleInput Input(std::vector<SegmentRecord> segs) {
  CycleInput in;
  in.now_ms = kNow;
  in.buffer_ms = kDay;
  in.segments = std::move(segs);
  return in;
}

std::vector<std::string> Names(const std::vector<SegmentRecord>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(s.name);
  return out;
}

TEST(Generator, OnlyCompletedDownloadableSegments) {
  SegmentRecord consuming = Seg("consuming", kNow - 3 * kDay);
  consuming.completed = false;
  SegmentRecord peer_only = Seg("peer_only", kNow - 3 * kDay);
  peer_only.download_uri = "";
  SegmentRecord broken = Seg("broken", kNow - 3 * kDay);
  broken.problem = "corrupt input: bad tar";
  SegmentRecord timeless = Seg("timeless", 0);
  timeless.end_time_ms.reset();
  auto plan =
      PlanCycle(Input({consuming, peer_only, broken, timeless, Seg("ok", kNow - 2 * kDay)}));
  EXPECT_EQ(Names(plan.selected), std::vector<std::string>{"ok"});
  EXPECT_EQ(plan.not_completed, 1);
  EXPECT_EQ(plan.not_downloadable, 1);
  EXPECT_EQ(plan.unusable, 2);
  // The segment not in deep store yet holds the watermark back: it must still be exported.
  EXPECT_EQ(plan.watermark_ms, kNow - 3 * kDay);
}

TEST(Generator, ExactBufferBoundary) {
  // Eligible when end time <= now - bufferTimePeriod: the boundary itself is in, 1 ms later out.
  auto plan = PlanCycle(Input({Seg("at", kNow - kDay), Seg("after", kNow - kDay + 1)}));
  EXPECT_EQ(Names(plan.selected), std::vector<std::string>{"at"});
  EXPECT_EQ(plan.in_buffer, 1);
  CycleInput in = Input({Seg("at", kNow - 6 * kHour)});
  in.buffer_ms = 6 * kHour;
  EXPECT_EQ(PlanCycle(in).selected.size(), 1u);
  in.buffer_ms = 6 * kHour + 1;
  EXPECT_EQ(PlanCycle(in).selected.size(), 0u);
}

TEST(Generator, InitialWatermark) {
  CycleInput in = Input(
      {Seg("old", kNow - 10 * kDay), Seg("edge", kNow - 5 * kDay), Seg("new", kNow - 2 * kDay)});
  in.initial_watermark_ms = kNow - 5 * kDay;  // end time >= initialWatermarkMs is eligible
  auto plan = PlanCycle(in);
  EXPECT_EQ(Names(plan.selected), (std::vector<std::string>{"edge", "new"}));
  EXPECT_EQ(plan.before_initial, 1);
  EXPECT_TRUE(plan.late.empty());
  // First cycle: the watermark starts at initialWatermarkMs (nothing exported yet).
  EXPECT_EQ(plan.watermark_ms, kNow - 5 * kDay);
}

TEST(Generator, CheckpointedAndInFlightAreSkipped) {
  CycleInput in =
      Input({Seg("a", kNow - 4 * kDay), Seg("b", kNow - 3 * kDay), Seg("c", kNow - 2 * kDay)});
  in.checkpointed = {"a"};
  in.active = {"b"};
  auto plan = PlanCycle(in);
  EXPECT_EQ(Names(plan.selected), std::vector<std::string>{"c"});
  // "b" is in flight, not checkpointed: the watermark stops at its end time.
  EXPECT_EQ(plan.watermark_ms, kNow - 3 * kDay);
}

TEST(Generator, OrderAndCap) {
  CycleInput in = Input({Seg("z", kNow - 5 * kDay), Seg("b", kNow - 3 * kDay),
                         Seg("a", kNow - 3 * kDay), Seg("m", kNow - 4 * kDay)});
  auto plan = PlanCycle(in);
  // By end time, then by name for segments sharing an end time.
  EXPECT_EQ(Names(plan.selected), (std::vector<std::string>{"z", "m", "a", "b"}));
  in.max_tasks = 2;
  plan = PlanCycle(in);
  EXPECT_EQ(Names(plan.selected), (std::vector<std::string>{"z", "m"}));
  EXPECT_EQ(plan.eligible, 4);
}

TEST(Generator, WatermarkWithSharedEndTimes) {
  // Two segments end at the same time; only one is exported: the watermark stays at that time,
  // so the other is neither hidden nor skipped.
  CycleInput in =
      Input({Seg("p0", kNow - 3 * kDay), Seg("p1", kNow - 3 * kDay), Seg("p2", kNow - 2 * kDay)});
  in.checkpointed = {"p0"};
  auto plan = PlanCycle(in);
  EXPECT_EQ(plan.watermark_ms, kNow - 3 * kDay);
  EXPECT_EQ(Names(plan.selected), (std::vector<std::string>{"p1", "p2"}));
  // All exported: one past the latest end time.
  in.checkpointed = {"p0", "p1", "p2"};
  plan = PlanCycle(in);
  EXPECT_TRUE(plan.selected.empty());
  EXPECT_EQ(plan.watermark_ms, kNow - 2 * kDay + 1);
}

TEST(Generator, WatermarkNeverMovesBackAndLateSegmentsAreExported) {
  // The stored watermark is past a segment that appears only now (a lagging partition or a
  // backfill): it is selected and reported late, and the watermark does not move back.
  CycleInput in = Input({Seg("done", kNow - 2 * kDay), Seg("backfill", kNow - 9 * kDay)});
  in.checkpointed = {"done"};
  in.watermark_ms = kNow - 2 * kDay + 1;
  auto plan = PlanCycle(in);
  EXPECT_EQ(Names(plan.selected), std::vector<std::string>{"backfill"});
  EXPECT_EQ(plan.late, std::vector<std::string>{"backfill"});
  EXPECT_EQ(plan.watermark_ms, kNow - 2 * kDay + 1);
  // A segment within the buffer keeps the watermark at its end time once the rest is done.
  in = Input({Seg("done", kNow - 2 * kDay), Seg("fresh", kNow - kHour)});
  in.checkpointed = {"done"};
  in.watermark_ms = kNow - 3 * kDay;
  plan = PlanCycle(in);
  EXPECT_TRUE(plan.selected.empty());
  EXPECT_EQ(plan.watermark_ms, kNow - kHour);
}

TEST(Generator, RetentionForgetsCheckpointsOfVanishedSegments) {
  CycleInput in = Input({Seg("kept", kNow - 2 * kDay)});
  in.checkpointed = {"kept", "expired1", "expired0"};
  auto plan = PlanCycle(in);
  EXPECT_EQ(plan.forgotten, (std::vector<std::string>{"expired0", "expired1"}));
  EXPECT_TRUE(plan.selected.empty());
}

TEST(Generator, EmptyTable) {
  auto plan = PlanCycle(Input({}));
  EXPECT_TRUE(plan.selected.empty());
  EXPECT_EQ(plan.watermark_ms, std::nullopt);
  CycleInput in = Input({});
  in.initial_watermark_ms = 5;
  EXPECT_EQ(PlanCycle(in).watermark_ms, 5);
}

}  // namespace
}  // namespace pe::task

namespace pe::task {
namespace {

// DecideBatch: every rule of the precedence in generator.h, with the boundary of each
// comparison (expected actions written from the rules, threshold 10).
BatchDecision Decide(int64_t eligible, int64_t running, int64_t staged, bool pending = false) {
  BatchCounts c;
  c.eligible = eligible;
  c.running = running;
  c.staged = staged;
  c.pending = pending;
  c.threshold = 10;
  return DecideBatch(c);
}

TEST(DecideBatch, PendingBatchIsFinishedFirst) {
  EXPECT_EQ(Decide(100, 0, 0, true).action, BatchAction::kCommit);
  EXPECT_EQ(Decide(100, 5, 3, true).action, BatchAction::kCommit);
}

TEST(DecideBatch, StagedAtThresholdCommitsEvenWithEligibleAndRunning) {
  EXPECT_EQ(Decide(100, 3, 10).action, BatchAction::kCommit);
  EXPECT_EQ(Decide(0, 0, 11).action, BatchAction::kCommit);
  EXPECT_EQ(Decide(100, 0, 9).action, BatchAction::kEmit);  // one below: not yet
}

TEST(DecideBatch, EmitFillsUpToTheThreshold) {
  auto d = Decide(100, 0, 0);
  EXPECT_EQ(d.action, BatchAction::kEmit);
  EXPECT_EQ(d.emit_cap, 10);
  d = Decide(100, 4, 3);
  EXPECT_EQ(d.action, BatchAction::kEmit);
  EXPECT_EQ(d.emit_cap, 3);
  d = Decide(1, 8, 1);  // running + staged = 9 < 10
  EXPECT_EQ(d.action, BatchAction::kEmit);
  EXPECT_EQ(d.emit_cap, 1);
}

TEST(DecideBatch, WaitWhenRunningPlusStagedReachThreshold) {
  EXPECT_EQ(Decide(100, 10, 0).action, BatchAction::kWait);
  EXPECT_EQ(Decide(100, 6, 4).action, BatchAction::kWait);
  EXPECT_EQ(Decide(100, 1, 9).action, BatchAction::kWait);
}

TEST(DecideBatch, NothingEligible) {
  // A batch still running: wait for it (one snapshot instead of two).
  EXPECT_EQ(Decide(0, 2, 5).action, BatchAction::kWait);
  EXPECT_EQ(Decide(0, 2, 0).action, BatchAction::kWait);
  // Nothing running: commit what is staged, or rest.
  EXPECT_EQ(Decide(0, 0, 1).action, BatchAction::kCommit);
  EXPECT_EQ(Decide(0, 0, 0).action, BatchAction::kIdle);
  EXPECT_STREQ(BatchActionName(BatchAction::kIdle), "IDLE");
  EXPECT_STREQ(BatchActionName(BatchAction::kCommit), "COMMIT");
}

TEST(DecideBatch, ThresholdOfOneCommitsEverySegment) {
  BatchCounts c;
  c.threshold = 1;
  c.eligible = 5;
  EXPECT_EQ(DecideBatch(c).action, BatchAction::kEmit);
  EXPECT_EQ(DecideBatch(c).emit_cap, 1);
  c.running = 1;
  EXPECT_EQ(DecideBatch(c).action, BatchAction::kWait);
  c.running = 0;
  c.staged = 1;
  EXPECT_EQ(DecideBatch(c).action, BatchAction::kCommit);
}

}  // namespace
}  // namespace pe::task
