// task/: the Pinot controller's REST API as the Generator's segment source, for deployments that
// cannot reach the cluster's ZooKeeper (`run --controller URL [--controller-auth-file F]`).
//
// It reads the same ZooKeeper records as ZkSegmentSource (task/zk_source.h), through the
// controller's documented read endpoints, rebuilds them as ZNRecords and judges them with the same
// code (task/pinot_zk.h: SegmentFromZk, IdealStateFromZk, ReplacedSegments, FilterForExport), so a
// table gives the same SegmentRecords from either source. Endpoints (apache/pinot 210c2951e7,
// pinot-controller/.../controller/api/resources):
//
//   GET /segments/{T}/zkmetadata?type=REALTIME   PinotSegmentRestletResource.getZookeeperMetadata:
//       {segment: SegmentZKMetadata.toMap()} = the record's simpleFields, plus its "custom.map"
//       mapField as one JSON-text entry "custom.map" (moved back into mapFields here).
//   GET /tables/{T}/idealstate?tableType=realtime  TableViews.getIdealState: {"OFFLINE": null,
//       "REALTIME": IdealState mapFields} (segment -> {instance -> state}); only the mapFields, so
//       the ideal state's REBALANCE_MODE cannot be checked here (Pinot writes CUSTOMIZED).
//   GET /segments/{T}/lineage?type=REALTIME      PinotSegmentRestletResource.listSegmentLineage:
//       SegmentLineage.toJsonObject() {"tableNameWithType", "lineageEntries": {id: {segmentsFrom,
//       segmentsTo, state, timestamp, autoCompleteLineageEntry}}, "customMap"}; no entity (204, or
//       an empty 200) when the table has no lineage. Lineage IS available over REST, so replaced
//       segments are skipped exactly as from ZooKeeper.
//   GET /tables/{T}?type=realtime                PinotTableRestletResource.listTableConfigs:
//       {"REALTIME": TableConfig.toJsonNode()}: what ParseExportConfig accepts.
//
// The three metadata reads are separate requests (not one snapshot, unlike ZooKeeper's reads of a
// moment ago either): a segment committed between them is at worst seen as not yet in the ideal
// state, or as CONSUMING, and picked up by the next cycle — never exported early.
//
// Authentication: `auth_header` is sent as the Authorization header on every request (Pinot's
// BasicAuthAccessControlFactory wants "Basic <base64>"; token-based access controls "Bearer ...").
// It is registered with log::AddSecret and never appears in a Status message.
//
// Errors (one line each, naming the endpoint without its query; never the auth header):
//   controller unreachable, connection dropped, timeout, 5xx           kIOError (names the URL)
//   401 (no or unknown credentials), 403 (not permitted for the table)  kInvalidArgument (this
//       code base's "bad credentials" code; common/status.h has no permission-denied code)
//   404 (no such table)                                                  kNotFound
//   other 4xx                                                            kInvalidArgument
//   a body that is not the documented JSON, or larger than
//   max_response_bytes                                                   kCorruption
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "task/generator.h"
#include "task/pinot_zk.h"

namespace pe::fs {
class HttpClient;
}

namespace pe::task {

struct ControllerSourceOptions {
  std::string url;          // http(s)://host:port (a path prefix is kept; a trailing '/' is not)
  std::string auth_header;  // optional Authorization value, e.g. "Basic ..." or "Bearer ..."
  int timeout_ms = 30'000;  // whole-request limit per call
  int connect_timeout_ms = 10'000;
  size_t max_response_bytes = size_t{256} << 20;  // a larger body is refused (kCorruption)
};

class ControllerSegmentSource : public SegmentSource {
 public:
  explicit ControllerSegmentSource(ControllerSourceOptions opts);
  ~ControllerSegmentSource() override;

  // Every segment of `table_with_type` (must end in _REALTIME or _OFFLINE) that
  // BaseTaskGenerator's rule keeps (FilterForExport), as ZkSegmentSource::ListSegments returns
  // them for the same records. A record with malformed values is listed with `problem` set.
  Result<std::vector<SegmentRecord>> ListSegments(const std::string& table_with_type) override;

  // What the last ListSegments dropped and why; segment records it read.
  const ExportFilterCounts& last_counts() const { return counts_; }
  int64_t last_records() const { return records_; }

 private:
  ControllerSourceOptions opts_;
  std::unique_ptr<fs::HttpClient> http_;
  ExportFilterCounts counts_;
  int64_t records_ = 0;
};

// The table config of `table_with_type` as JSON text (the object under "REALTIME"/"OFFLINE" of
// GET /tables/{T}?type=...), which task::ParseExportConfig accepts. Errors as above.
Result<std::string> TableConfigJsonFromController(const ControllerSourceOptions& opts,
                                                  const std::string& table_with_type);

}  // namespace pe::task
