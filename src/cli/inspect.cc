// `pinot-export inspect SEGMENT [--json]`: segment and per-column facts.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "segment/segment.h"

namespace pe::cli {

using segment::ColumnMeta;
using segment::ForwardKind;

namespace {

std::string Encoding(const ColumnMeta& c) {
  if (!c.unsupported.empty()) return "UNSUPPORTED";
  return c.dict_encoded || c.forward == ForwardKind::kRebuiltInverted ? "DICTIONARY" : "RAW";
}

std::string Codec(const ColumnMeta& c) {
  if (c.forward == ForwardKind::kDictMVEntry) return "MV_ENTRY_DICT";
  if (c.dict_encoded) return "";
  return c.codec;
}

std::string Nulls(const ColumnMeta& c) {
  if (c.has_null_vector) return std::to_string(c.null_count);
  return c.non_null ? "0 (non-null)" : "-";
}

}  // namespace

int Inspect(const InspectArgs& a) {
  auto seg = segment::Segment::Open(a.segment);
  if (!seg.ok()) return Fail(seg.status());
  const segment::SegmentMeta& m = (*seg)->meta();
  if (a.json) {
    nlohmann::ordered_json j;
    j["name"] = m.name;
    j["table"] = m.table;
    j["layout"] = m.layout;
    j["totalDocs"] = m.total_docs;
    // Pre-aggregated star-tree docs stored after the rows (SegmentMeta::star_tree_docs): never
    // exported, so totalDocs is what dump and convert write.
    j["starTreeDocs"] = m.star_tree_docs;
    j["timeColumn"] =
        m.time_column.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(m.time_column);
    j["startTime"] =
        m.start_time ? nlohmann::ordered_json(*m.start_time) : nlohmann::ordered_json();
    j["endTime"] = m.end_time ? nlohmann::ordered_json(*m.end_time) : nlohmann::ordered_json();
    j["timeUnit"] =
        m.time_unit.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(m.time_unit);
    j["startTimeMs"] =
        m.start_time_ms ? nlohmann::ordered_json(*m.start_time_ms) : nlohmann::ordered_json();
    j["endTimeMs"] =
        m.end_time_ms ? nlohmann::ordered_json(*m.end_time_ms) : nlohmann::ordered_json();
    if (!m.time_range_note.empty()) j["timeRangeNote"] = m.time_range_note;
    j["creationTimeMs"] =
        m.creation_time_ms ? nlohmann::ordered_json(*m.creation_time_ms) : nlohmann::ordered_json();
    j["crc"] = m.crc ? nlohmann::ordered_json(*m.crc) : nlohmann::ordered_json();
    j["dataCrc"] = m.data_crc ? nlohmann::ordered_json(*m.data_crc) : nlohmann::ordered_json();
    if (!m.realtime_start_offset.empty()) j["realtimeStartOffset"] = m.realtime_start_offset;
    if (!m.realtime_end_offset.empty()) j["realtimeEndOffset"] = m.realtime_end_offset;
    if (auto llc = segment::ParseLlcName(m.name)) {
      j["llc"] = {{"table", llc->table},
                  {"partition", llc->partition},
                  {"sequence", llc->sequence},
                  {"creationTime", llc->creation_time}};
    }
    auto& cols = j["columns"] = nlohmann::ordered_json::array();
    for (const auto& c : m.columns) {
      nlohmann::ordered_json o;
      o["name"] = c.name;
      o["dataType"] = segment::DataTypeName(c.data_type);
      o["fieldType"] = segment::FieldRoleName(c.role);
      o["singleValue"] = c.single_value;
      o["encoding"] = Encoding(c);
      o["forwardIndex"] = segment::ForwardKindName(c.forward);
      o["sorted"] = c.sorted;
      o["cardinality"] = c.cardinality;
      o["hasDictionary"] = c.has_dictionary;
      o["codec"] = Codec(c).empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(Codec(c));
      if (c.raw_version) o["rawVersion"] = c.raw_version;
      o["hasNullVector"] = c.has_null_vector;
      o["nullCount"] = c.has_null_vector
                           ? nlohmann::ordered_json(c.null_count)
                           : (c.non_null ? nlohmann::ordered_json(0) : nlohmann::ordered_json());
      if (c.has_default_null_value) o["defaultNullValue"] = c.default_null_value;
      if (!c.unsupported.empty()) o["unsupported"] = c.unsupported;
      cols.push_back(std::move(o));
    }
    std::string s = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::printf("%s\n", s.c_str());
    return 0;
  }
  std::printf("segment      %s\n", m.name.c_str());
  std::printf("table        %s\n", m.table.c_str());
  std::printf("layout       %s\n", m.layout.c_str());
  std::printf("total docs   %u\n", m.total_docs);
  if (m.star_tree_docs > 0) {
    std::printf("star-tree    %u pre-aggregated docs after the %u rows (not exported)\n",
                m.star_tree_docs, m.total_docs);
  }
  if (!m.time_column.empty()) {
    std::printf("time column  %s", m.time_column.c_str());
    if (m.start_time)
      std::printf(" [%lld, %lld] %s", (long long)*m.start_time, (long long)*m.end_time,
                  m.time_unit.c_str());
    std::printf("\n");
  }
  if (!m.time_range_note.empty()) {
    std::printf("time range   not in ms: %s\n", m.time_range_note.c_str());
  }
  if (m.creation_time_ms) std::printf("created      %lld ms\n", (long long)*m.creation_time_ms);
  if (m.crc) std::printf("crc          %lld\n", (long long)*m.crc);
  if (m.data_crc) std::printf("data crc     %lld\n", (long long)*m.data_crc);
  if (!m.realtime_end_offset.empty()) {
    std::printf("offsets      %s .. %s\n", m.realtime_start_offset.c_str(),
                m.realtime_end_offset.c_str());
  }
  std::printf("\n%-28s %-11s %-9s %-3s %-10s %11s %-20s %s\n", "column", "type", "field", "sv",
              "encoding", "cardinality", "codec", "nulls");
  for (const auto& c : m.columns) {
    std::string enc = Encoding(c) + (c.sorted ? "+S" : "");
    std::printf("%-28s %-11s %-9s %-3s %-10s %11u %-20s %s\n", c.name.c_str(),
                segment::DataTypeName(c.data_type), segment::FieldRoleName(c.role),
                c.single_value ? "SV" : "MV", enc.c_str(), c.cardinality,
                Codec(c).empty() ? "-" : Codec(c).c_str(), Nulls(c).c_str());
    if (!c.unsupported.empty()) std::printf("  ! %s\n", c.unsupported.c_str());
  }
  return 0;
}

}  // namespace pe::cli
