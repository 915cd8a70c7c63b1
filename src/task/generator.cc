// The Generator's rules for one cycle (generator.h).
#include "task/generator.h"

#include <algorithm>
#include <limits>

namespace pe::task {

CyclePlan PlanCycle(const CycleInput& in) {
  CyclePlan plan;
  // A segment is "known" for the watermark when it is completed, has an end time and is not
  // before initialWatermarkMs; its end time must be checkpointed before the watermark passes it.
  std::optional<int64_t> first_pending;  // earliest end time of a known, unexported segment
  std::optional<int64_t> latest_done;    // latest end time of a checkpointed segment
  std::set<std::string> listed;
  // Subtraction guarded against a clock far in the past (now - buffer below INT64_MIN).
  const int64_t cutoff = in.now_ms < std::numeric_limits<int64_t>::min() + in.buffer_ms
                             ? std::numeric_limits<int64_t>::min()
                             : in.now_ms - in.buffer_ms;
  std::vector<const SegmentRecord*> eligible;
  for (const SegmentRecord& s : in.segments) {
    listed.insert(s.name);
    if (!s.problem.empty() || !s.end_time_ms) {
      ++plan.unusable;
      continue;
    }
    if (!s.completed) {
      ++plan.not_completed;
      continue;
    }
    const int64_t end = *s.end_time_ms;
    if (in.initial_watermark_ms && end < *in.initial_watermark_ms) {
      ++plan.before_initial;
      continue;
    }
    if (in.checkpointed.count(s.name)) {
      latest_done = std::max(latest_done.value_or(end), end);
      continue;
    }
    first_pending = std::min(first_pending.value_or(end), end);
    if (s.download_uri.empty()) {
      ++plan.not_downloadable;
      continue;
    }
    if (end > cutoff) {
      ++plan.in_buffer;
      continue;
    }
    if (in.active.count(s.name)) continue;
    eligible.push_back(&s);
  }
  plan.eligible = int64_t(eligible.size());
  std::sort(eligible.begin(), eligible.end(), [](const SegmentRecord* a, const SegmentRecord* b) {
    if (*a->end_time_ms != *b->end_time_ms) return *a->end_time_ms < *b->end_time_ms;
    return a->name < b->name;
  });
  size_t n = eligible.size();
  if (in.max_tasks && *in.max_tasks >= 0) n = std::min(n, size_t(*in.max_tasks));
  for (size_t i = 0; i < n; ++i) {
    plan.selected.push_back(*eligible[i]);
    if (in.watermark_ms && *eligible[i]->end_time_ms < *in.watermark_ms)
      plan.late.push_back(eligible[i]->name);
  }

  // The watermark: every known segment ending before T is checkpointed.
  std::optional<int64_t> t;
  if (first_pending) {
    t = *first_pending;
  } else if (latest_done) {
    t = *latest_done == std::numeric_limits<int64_t>::max() ? *latest_done : *latest_done + 1;
  }
  plan.watermark_ms = in.watermark_ms ? in.watermark_ms : in.initial_watermark_ms;
  if (t && (!plan.watermark_ms || *t > *plan.watermark_ms)) plan.watermark_ms = t;

  for (const std::string& c : in.checkpointed)
    if (!listed.count(c)) plan.forgotten.push_back(c);
  return plan;
}

const char* BatchActionName(BatchAction a) {
  switch (a) {
    case BatchAction::kIdle:
      return "IDLE";
    case BatchAction::kEmit:
      return "EMIT";
    case BatchAction::kWait:
      return "WAIT";
    case BatchAction::kCommit:
      return "COMMIT";
  }
  return "?";
}

BatchDecision DecideBatch(const BatchCounts& c) {
  BatchDecision d;
  const int64_t threshold = std::max<int64_t>(1, c.threshold);
  if (c.pending || c.staged >= threshold) {
    d.action = BatchAction::kCommit;
  } else if (c.eligible > 0 && c.running + c.staged < threshold) {
    d.action = BatchAction::kEmit;
    d.emit_cap = threshold - c.running - c.staged;
  } else if (c.running > 0) {
    d.action = BatchAction::kWait;
  } else if (c.staged > 0) {
    d.action = BatchAction::kCommit;
  }
  return d;
}

}  // namespace pe::task
