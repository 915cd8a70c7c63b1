// task/: Pinot's ZooKeeper metadata, parsed (pure code: bytes in, values out; no ZooKeeper client).
//
// Sources: apache/pinot 210c2951e7 (CM = pinot-common/src/main/java/org/apache/pinot/common,
// SPI = pinot-spi/src/main/java/org/apache/pinot/spi), apache/helix 0902505fda (ZK =
// zookeeper-api/src/main/java/org/apache/helix/zookeeper, HC =
// helix-core/src/main/java/org/apache/helix).
// ../shared/design/pinot-segment-format.md §7 summarises them.
//
// Every znode Pinot keeps is a Helix ZNRecord serialized by ZK/datamodel/serializer/
// ZNRecordSerializer (the serializer of ZKHelixManager's client, so of the property store too):
//   {"id" : ..., "simpleFields" : {k: v}, "mapFields" : {k: {k: v}}, "listFields" : {k: [v]}}
// all leaves strings, written by Jackson with INDENT_OUTPUT, gzip-compressed (GZipCompressionUtil,
// java.util.zip.GZIPOutputStream) when the record asks for it (simpleField enableCompression=true)
// or when the JSON exceeds the auto-compress threshold (1000 KiB by default; ZNRecordUtil).
// A reader recognises compression by the gzip magic 1F 8B (GZipCompressionUtil.isCompressed).
//
// Paths (HC/PropertyPathBuilder: /<cluster>/PROPERTYSTORE and /<cluster>/IDEALSTATES/<resource>;
// CM/metadata/ZKMetadataProvider for what is under PROPERTYSTORE):
//   table config    /<cluster>/PROPERTYSTORE/CONFIGS/TABLE/<tableNameWithType>
//   segments        /<cluster>/PROPERTYSTORE/SEGMENTS/<tableNameWithType>/<segment>
//   lineage         /<cluster>/PROPERTYSTORE/SEGMENT_LINEAGE/<tableNameWithType>
//   ideal state     /<cluster>/IDEALSTATES/<tableNameWithType>
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "task/generator.h"

namespace pe::task {

// ---- ZNRecord ---------------------------------------------------------------------------------

// ZK/datamodel/ZNRecord. Its maps are TreeMaps, so keys come out sorted (std::map sorts UTF-8
// bytes, i.e. code points; Java sorts UTF-16 units — the two differ only for characters above
// U+FFFF vs U+E000..U+FFFF, which Pinot's keys never hold).
struct ZNRecord {
  std::string id;
  std::map<std::string, std::string> simple_fields;
  std::map<std::string, std::map<std::string, std::string>> map_fields;
  std::map<std::string, std::vector<std::string>> list_fields;

  // The simple field `key`, or nullptr when absent.
  const std::string* Simple(const std::string& key) const;
  bool operator==(const ZNRecord&) const = default;
};

// Largest inflated record ParseZNRecord accepts (ZooKeeper's own limit is ~1 MB compressed; a
// record inflating past this is corrupt or hostile).
inline constexpr size_t kMaxZNRecordBytes = size_t{64} << 20;

// Parses a znode's bytes as ZNRecordSerializer.deserialize does: gzip (1F 8B) is inflated first
// (concatenated gzip members are read as one stream, as GZIPInputStream does); then the JSON object
// with the optional fields "id", "simpleFields", "mapFields", "listFields" (a missing section is
// empty; other fields such as "rawPayload" are ignored: ZNRecord is @JsonIgnoreProperties
// (ignoreUnknown = true)). A leaf may be a JSON string, or a number or boolean, which Jackson's
// String deserializer turns into its text; a JSON null leaf is treated as absent (Java keeps a null
// that every getter reads as absent). Errors, all kCorruption, one line naming the record id (or
// "ZNRecord" before the id is known): empty bytes, bad gzip, inflating past `max_bytes`, bad JSON,
// a section or leaf of the wrong type.
Result<ZNRecord> ParseZNRecord(std::string_view bytes, size_t max_bytes = kMaxZNRecordBytes);

// The bytes ZNRecordSerializer.serialize writes for `r`: Jackson's INDENT_OUTPUT layout (two-space
// indent, `"key" : value`, empty objects as `{ }`, arrays on one line as `[ "a", "b" ]`, Jackson's
// string escapes), field order id, simpleFields, mapFields, listFields (Jackson puts the
// @JsonCreator property "id" first, then ZNRecord's fields in declaration order). With `gzip`, the
// JSON gzip-compressed as GZIPOutputStream does (deflate level 6, header mtime 0, XFL 0, OS 255 as
// JDK 16+ writes it). Strings must be UTF-8.
std::string SerializeZNRecord(const ZNRecord& r, bool gzip = false);

// ---- paths ------------------------------------------------------------------------------------

std::string TableConfigPath(const std::string& cluster, const std::string& table_with_type);
// The folder whose children are the table's segment records.
std::string SegmentsPath(const std::string& cluster, const std::string& table_with_type);
std::string SegmentPath(const std::string& cluster, const std::string& table_with_type,
                        const std::string& segment);
std::string LineagePath(const std::string& cluster, const std::string& table_with_type);
std::string IdealStatePath(const std::string& cluster, const std::string& table_with_type);

// ---- segment ZK metadata ----------------------------------------------------------------------

// What a segment record says beyond SegmentRecord (CM/metadata/segment/SegmentZKMetadata).
struct ZkSegmentExtra {
  std::string status;  // segment.realtime.status as stored, "UPLOADED" when absent
  // Completed but not in deep store: the download URL is "" (METADATA_URI_FOR_PEER_DOWNLOAD, what
  // PinotLLCRealtimeSegmentManager stores when a server committed to "peer://" only) or starts
  // with "peer://" (PEER_SEGMENT_DOWNLOAD_SCHEME, case-insensitive as isPeerUrl compares).
  bool peer_download_only = false;
  bool no_download_url = false;  // no download URL field at all (consuming segments have none)
  std::string note;         // why download_uri is "" for a completed segment, for reports; else ""
  int64_t data_crc = -1;    // segment.data.crc
  int64_t size_bytes = -1;  // segment.size.in.bytes
  int64_t creation_time = -1;  // segment.creation.time (ms)
  std::string crypter;         // segment.crypter: the deep-store object is encrypted when set
};

// A segment's record (from SEGMENTS/<table>/<segment>) as the Generator's SegmentRecord:
//   name          the record id (SegmentZKMetadata.getSegmentName);
//   completed     segment.realtime.status is DONE or UPLOADED (Status.isCompleted); IN_PROGRESS and
//                 COMMITTING are not; absent means UPLOADED (getStatus' default; OFFLINE tables'
//                 records have no status). Any other value sets `problem` (Pinot's getEnumField
//                 would silently read it as UPLOADED; we do not export on a guess);
//   start/end     segment.start.time / segment.end.time in segment.time.unit (a TimeUnit name,
//                 NANOSECONDS..DAYS), converted to ms truncating toward zero as TimeUnit.toMillis
//                 does. A time <= 0 means "no time" (getStartTimeMs/getEndTimeMs: old records hold
//                 -1 with unit "null"). A positive time with the unit absent, "null" or unknown, a
//                 non-integer time, or one that overflows ms sets `problem`;
//   download_uri  segment.download.url, else the legacy segment.offline.download.url, else
//                 segment.realtime.download.url (getDownloadUrl); "" when it is absent, "" or a
//                 peer:// URL (see ZkSegmentExtra);
//   crc           segment.crc; total_docs segment.total.docs (-1 when absent). A non-integer sets
//                 `problem` (Pinot's getLongField would silently read -1).
// Malformed values never fail the call: they set `problem`, so the Generator reports the segment.
// Errors: kCorruption only when the record has no id. `extra` (optional) receives the rest.
Result<SegmentRecord> SegmentFromZk(const ZNRecord& r, ZkSegmentExtra* extra = nullptr);

// ---- IdealState -------------------------------------------------------------------------------

// segment -> {instance -> state} from IDEALSTATES/<table> (HC/model/IdealState). Pinot's ideal
// states are CUSTOMIZED (PinotTableIdealStateBuilder uses CustomModeISBuilder), whose partition
// set is the mapFields' keys (IdealState.getPartitionSet). States are SegmentStateModel's ONLINE,
// OFFLINE, ERROR, CONSUMING (SPI/utils/CommonConstants.Helix.StateModel.SegmentStateModel).
struct IdealState {
  std::string table;  // the record id: tableNameWithType
  std::map<std::string, std::map<std::string, std::string>> segments;

  bool Contains(const std::string& segment) const;
  // Any replica of `segment` is CONSUMING.
  bool IsConsuming(const std::string& segment) const;
};

// Errors: kCorruption naming the table when REBALANCE_MODE is set to anything but CUSTOMIZED
// (then the partition set would be the listFields' keys: not an ideal state Pinot writes).
Result<IdealState> IdealStateFromZk(const ZNRecord& r);

// ---- segment lineage --------------------------------------------------------------------------

// Segments a reader must skip according to SEGMENT_LINEAGE/<table> (CM/lineage/SegmentLineage
// .fromZNRecord, SegmentLineageUtils.filterSegmentsBasedOnLineageInPlace). Each listField is
// entryId -> [segmentsFrom csv, segmentsTo csv, state, timestamp(, autoComplete)]; a COMPLETED
// entry replaces its segmentsFrom (they are skipped), an IN_PROGRESS or REVERTED entry has not
// (its segmentsTo are skipped). CSV splitting drops empty items (StringUtils.split). The
// "custom.map" mapField is ignored.
// Errors: kCorruption naming the table and entry when an entry has fewer than 4 items, an unknown
// state or a non-integer timestamp (SegmentLineage.fromZNRecord fails the whole record then, and
// without the lineage we cannot know what to skip).
Result<std::set<std::string>> ReplacedSegments(const ZNRecord& lineage);

// ---- table config -----------------------------------------------------------------------------

// The table config JSON (as GET /tables/{t} shows one config, and as ParseExportConfig reads it)
// from its record at CONFIGS/TABLE/<table> (CM/utils/config/TableConfigSerDeUtils.toZNRecord /
// fromZNRecord, keys from SPI/config/table/TableConfig):
//   tableName           the record id (fromZNRecord reads the id, not the simpleField);
//   tableType, description  plain strings;
//   isDimTable, isMaterializedView  "true"/"false" -> JSON booleans (Boolean.parseBoolean);
//   segmentsConfig, tenants, tableIndexConfig, metadata (required), quota, task, routing, query,
//   instanceAssignmentConfigMap, fieldConfigList, upsertConfig, dedupConfig,
//   dimensionTableConfig, ingestionConfig, tierConfigs, tunerConfigs, instancePartitionsMap,
//   segmentAssignmentConfigMap, tableSamplers, tags  JSON text, embedded as JSON values.
// Other simple fields are ignored, as fromZNRecord ignores them.
// Errors: kCorruption naming the table and the key: a required key missing (tableType,
// segmentsConfig, tenants, tableIndexConfig, metadata) or a JSON key that does not parse.
Result<std::string> TableConfigJsonFromZk(const ZNRecord& r);

// ---- BaseTaskGenerator's rule -----------------------------------------------------------------

struct ExportFilterCounts {
  int64_t kept = 0;
  int64_t not_in_ideal_state = 0;  // deleted, or metadata written before the ideal state
  int64_t consuming = 0;           // a replica is CONSUMING in the ideal state
  int64_t replaced = 0;            // skipped by segment lineage
};

// The segments of `from_zk` that
// BaseTaskGenerator.getNonConsumingSegmentsZKMetadataForRealtimeTable keeps — in the ideal state
// and no replica CONSUMING there (which also covers a record already DONE whose ideal state still
// says CONSUMING) — and that lineage has not replaced (`replaced`, from ReplacedSegments). The
// completed-status test of that rule is left to PlanCycle, which counts not-completed segments
// itself. Order is kept; each dropped segment counts under the first reason in the order above.
std::vector<SegmentRecord> FilterForExport(std::vector<SegmentRecord> from_zk, const IdealState& is,
                                           const std::set<std::string>& replaced,
                                           ExportFilterCounts* counts = nullptr);

}  // namespace pe::task
