#include "parquet/metadata.h"

#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

namespace pe::parquet::format {

namespace {

using apache::thrift::protocol::TType;
namespace T = apache::thrift::protocol;

// A thin field-oriented front of TCompactProtocol: Struct(id) ... End() brackets a nested
// struct field; every struct, including list elements, gets writeStructBegin/End so the
// protocol's field-id delta stack stays right.
class Out {
 public:
  Out() : buf_(std::make_shared<apache::thrift::transport::TMemoryBuffer>()), p_(buf_) {}

  void BeginStruct() { p_.writeStructBegin(""); }
  void EndStruct() {
    p_.writeFieldStop();
    p_.writeStructEnd();
  }
  void I32(int16_t id, int32_t v) {
    p_.writeFieldBegin("", T::T_I32, id);
    p_.writeI32(v);
    p_.writeFieldEnd();
  }
  void I16(int16_t id, int16_t v) {
    p_.writeFieldBegin("", T::T_I16, id);
    p_.writeI16(v);
    p_.writeFieldEnd();
  }
  void I64(int16_t id, int64_t v) {
    p_.writeFieldBegin("", T::T_I64, id);
    p_.writeI64(v);
    p_.writeFieldEnd();
  }
  void Bool(int16_t id, bool v) {
    p_.writeFieldBegin("", T::T_BOOL, id);
    p_.writeBool(v);
    p_.writeFieldEnd();
  }
  void Bin(int16_t id, const std::string& v) {
    p_.writeFieldBegin("", T::T_STRING, id);
    p_.writeBinary(v);
    p_.writeFieldEnd();
  }
  void BeginField(int16_t id, TType t) { p_.writeFieldBegin("", t, id); }
  void EndField() { p_.writeFieldEnd(); }
  // A nested struct field: BeginStructField(id); ...fields...; EndStructField().
  void BeginStructField(int16_t id) {
    BeginField(id, T::T_STRUCT);
    BeginStruct();
  }
  void EndStructField() {
    EndStruct();
    EndField();
  }
  void EmptyStructField(int16_t id) {
    BeginStructField(id);
    EndStructField();
  }
  void BeginList(int16_t id, TType elem, size_t n) {
    BeginField(id, T::T_LIST);
    p_.writeListBegin(elem, uint32_t(n));
  }
  void EndList() {
    p_.writeListEnd();
    EndField();
  }
  T::TCompactProtocolT<apache::thrift::transport::TMemoryBuffer>& proto() { return p_; }
  std::string Take() { return buf_->getBufferAsString(); }

 private:
  std::shared_ptr<apache::thrift::transport::TMemoryBuffer> buf_;
  T::TCompactProtocolT<apache::thrift::transport::TMemoryBuffer> p_;
};

void WriteStatistics(Out& o, int16_t id, const Statistics& s) {
  o.BeginStructField(id);
  if (s.null_count) o.I64(3, *s.null_count);
  if (s.max_value) o.Bin(5, *s.max_value);
  if (s.min_value) o.Bin(6, *s.min_value);
  o.EndStructField();
}

void WriteSchemaElement(Out& o, const SchemaElement& e) {
  o.BeginStruct();
  if (e.type) o.I32(1, *e.type);
  if (e.type_length) o.I32(2, *e.type_length);
  if (e.repetition) o.I32(3, *e.repetition);
  o.Bin(4, e.name);
  if (e.num_children) o.I32(5, *e.num_children);
  if (e.converted_type) o.I32(6, *e.converted_type);
  if (e.scale) o.I32(7, *e.scale);
  if (e.precision) o.I32(8, *e.precision);
  if (e.field_id) o.I32(9, *e.field_id);
  if (e.logical != kLogicalNone) {
    o.BeginStructField(10);  // LogicalType union: exactly one member set
    switch (e.logical) {
      case kLogicalDecimal:
        o.BeginStructField(5);
        o.I32(1, e.scale.value_or(0));
        o.I32(2, e.precision.value_or(0));
        o.EndStructField();
        break;
      case kLogicalTimestamp:
        o.BeginStructField(8);
        o.Bool(1, e.timestamp_utc);  // isAdjustedToUTC
        o.BeginStructField(2);       // unit: TimeUnit union, one empty member
        o.EmptyStructField(int16_t(e.timestamp_unit));
        o.EndStructField();
        o.EndStructField();
        break;
      default:  // STRING, LIST, JSON, UUID: empty structs
        o.EmptyStructField(int16_t(e.logical));
        break;
    }
    o.EndStructField();
  }
  o.EndStruct();
}

void WriteColumnMeta(Out& o, const ColumnMetaData& m) {
  o.BeginStructField(3);
  o.I32(1, m.type);
  o.BeginList(2, T::T_I32, m.encodings.size());
  for (int e : m.encodings) o.proto().writeI32(e);
  o.EndList();
  o.BeginList(3, T::T_STRING, m.path.size());
  for (const auto& p : m.path) o.proto().writeBinary(p);
  o.EndList();
  o.I32(4, m.codec);
  o.I64(5, m.num_values);
  o.I64(6, m.total_uncompressed_size);
  o.I64(7, m.total_compressed_size);
  o.I64(9, m.data_page_offset);
  if (m.dictionary_page_offset) o.I64(11, *m.dictionary_page_offset);
  WriteStatistics(o, 12, m.statistics);
  o.BeginList(13, T::T_STRUCT, m.encoding_stats.size());
  for (const auto& s : m.encoding_stats) {
    o.BeginStruct();
    o.I32(1, s.page_type);
    o.I32(2, s.encoding);
    o.I32(3, s.count);
    o.EndStruct();
  }
  o.EndList();
  o.EndStructField();
}

}  // namespace

std::string Serialize(const FileMetaData& m) {
  Out o;
  o.BeginStruct();
  o.I32(1, 2);  // version
  o.BeginList(2, T::T_STRUCT, m.schema.size());
  for (const auto& e : m.schema) WriteSchemaElement(o, e);
  o.EndList();
  o.I64(3, m.num_rows);
  o.BeginList(4, T::T_STRUCT, m.row_groups.size());
  for (const auto& rg : m.row_groups) {
    o.BeginStruct();
    o.BeginList(1, T::T_STRUCT, rg.columns.size());
    for (const auto& c : rg.columns) {
      o.BeginStruct();
      o.I64(2, c.file_offset);
      WriteColumnMeta(o, c.meta);
      if (c.offset_index_offset) o.I64(4, *c.offset_index_offset);
      if (c.offset_index_length) o.I32(5, *c.offset_index_length);
      if (c.column_index_offset) o.I64(6, *c.column_index_offset);
      if (c.column_index_length) o.I32(7, *c.column_index_length);
      o.EndStruct();
    }
    o.EndList();
    o.I64(2, rg.total_byte_size);
    o.I64(3, rg.num_rows);
    o.I64(5, rg.file_offset);
    o.I64(6, rg.total_compressed_size);
    o.I16(7, rg.ordinal);
    o.EndStruct();
  }
  o.EndList();
  if (!m.key_values.empty()) {
    o.BeginList(5, T::T_STRUCT, m.key_values.size());
    for (const auto& [k, v] : m.key_values) {
      o.BeginStruct();
      o.Bin(1, k);
      o.Bin(2, v);
      o.EndStruct();
    }
    o.EndList();
  }
  o.Bin(6, m.created_by);
  // column_orders: TYPE_ORDER (TypeDefinedOrder) per leaf column, so readers trust min/max.
  o.BeginList(7, T::T_STRUCT, size_t(m.num_leaf_columns));
  for (int i = 0; i < m.num_leaf_columns; ++i) {
    o.BeginStruct();
    o.EmptyStructField(1);
    o.EndStruct();
  }
  o.EndList();
  o.EndStruct();
  return o.Take();
}

std::string Serialize(const PageHeader& h) {
  Out o;
  o.BeginStruct();
  o.I32(1, h.type);
  o.I32(2, h.uncompressed_page_size);
  o.I32(3, h.compressed_page_size);
  if (h.type == DATA_PAGE) {
    o.BeginStructField(5);
    o.I32(1, h.data.num_values);
    o.I32(2, h.data.encoding);
    o.I32(3, RLE);  // definition_level_encoding
    o.I32(4, RLE);  // repetition_level_encoding
    o.EndStructField();
  } else {
    o.BeginStructField(7);
    o.I32(1, h.dict_num_values);
    o.I32(2, PLAIN);
    o.EndStructField();
  }
  o.EndStruct();
  return o.Take();
}

std::string Serialize(const std::vector<PageLocation>& locs) {
  Out o;
  o.BeginStruct();
  o.BeginList(1, T::T_STRUCT, locs.size());
  for (const auto& l : locs) {
    o.BeginStruct();
    o.I64(1, l.offset);
    o.I32(2, l.compressed_page_size);
    o.I64(3, l.first_row_index);
    o.EndStruct();
  }
  o.EndList();
  o.EndStruct();
  return o.Take();
}

std::string Serialize(const ColumnIndex& ci) {
  Out o;
  o.BeginStruct();
  o.BeginList(1, T::T_BOOL, ci.null_pages.size());
  for (bool b : ci.null_pages) o.proto().writeBool(b);
  o.EndList();
  o.BeginList(2, T::T_STRING, ci.min_values.size());
  for (const auto& v : ci.min_values) o.proto().writeBinary(v);
  o.EndList();
  o.BeginList(3, T::T_STRING, ci.max_values.size());
  for (const auto& v : ci.max_values) o.proto().writeBinary(v);
  o.EndList();
  o.I32(4, ci.boundary_order);
  o.BeginList(5, T::T_I64, ci.null_counts.size());
  for (int64_t v : ci.null_counts) o.proto().writeI64(v);
  o.EndList();
  o.EndStruct();
  return o.Take();
}

}  // namespace pe::parquet::format
