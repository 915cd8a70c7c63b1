// Pinot columns onto an Iceberg table's fields (mapping.h): compatibility, conversions, field ids.
//
// The Parquet form of each Iceberg type is the spec's (spec.md Appendix A "Parquet"): int/long
// INT32/INT64, float/double FLOAT/DOUBLE, boolean BOOLEAN, string BYTE_ARRAY String, binary
// BYTE_ARRAY, uuid FIXED_LEN_BYTE_ARRAY(16) UUID, fixed[L] FIXED_LEN_BYTE_ARRAY(L),
// decimal(P,S) INT32 (P <= 9) / INT64 (P <= 18) / the minimum FIXED_LEN_BYTE_ARRAY, timestamp /
// timestamptz INT64 TIMESTAMP(MICROS, isAdjustedToUTC false / true), struct a group, list a 3-level
// LIST. Every column carries its field id; a list's element carries the element id.
#include "iceberg/mapping.h"

#include "convert/decimal.h"
#include "convert/json_shape.h"

namespace pe::iceberg {

namespace {

using convert::ColumnTarget;
using parquet::ColumnSchema;
using parquet::LogicalType;
using parquet::PhysicalType;
using segment::DataType;
using Conversion = ColumnTarget::Conversion;

// The Parquet column of Iceberg type `t` (name and ids set by the caller). Errors:
// kNotSupported for what the writer cannot express: date, time, nanosecond timestamps, maps,
// variant/geometry/unknown, lists of structs or lists, and lists inside structs.
Result<ColumnSchema> ParquetOf(const Type& t) {
  ColumnSchema s;
  switch (t.kind) {
    case Type::kBoolean:
      s.type = PhysicalType::kBoolean;
      return s;
    case Type::kInt:
      s.type = PhysicalType::kInt32;
      return s;
    case Type::kLong:
      s.type = PhysicalType::kInt64;
      return s;
    case Type::kFloat:
      s.type = PhysicalType::kFloat;
      return s;
    case Type::kDouble:
      s.type = PhysicalType::kDouble;
      return s;
    case Type::kDecimal:
      if (t.precision < 1 || t.precision > convert::kMaxDecimalPrecision || t.scale < 0 ||
          t.scale > t.precision) {
        return Status::NotSupported(TypeString(t) + " is not a writable decimal");
      }
      s.logical.kind = LogicalType::kDecimal;
      s.logical.precision = t.precision;
      s.logical.scale = t.scale;
      if (t.precision <= 9) {
        s.type = PhysicalType::kInt32;
      } else if (t.precision <= 18) {
        s.type = PhysicalType::kInt64;
      } else {
        s.type = PhysicalType::kFixedLenByteArray;
        s.type_length = convert::DecimalBytes(t.precision);
      }
      return s;
    case Type::kTimestamp:
    case Type::kTimestampTz:
      s.type = PhysicalType::kInt64;
      s.logical.kind = LogicalType::kTimestampMicros;
      s.logical.adjusted_to_utc = t.kind == Type::kTimestampTz;
      return s;
    case Type::kString:
      s.type = PhysicalType::kByteArray;
      s.logical.kind = LogicalType::kString;
      return s;
    case Type::kBinary:
      s.type = PhysicalType::kByteArray;
      return s;
    case Type::kUuid:
      s.type = PhysicalType::kFixedLenByteArray;
      s.type_length = 16;
      s.logical.kind = LogicalType::kUuid;
      return s;
    case Type::kFixed:
      if (t.length < 1) return Status::NotSupported(TypeString(t) + " has no length");
      s.type = PhysicalType::kFixedLenByteArray;
      s.type_length = t.length;
      return s;
    case Type::kStruct:
      for (const NestedField& f : t.fields) {
        if (!f.type) return Status::NotSupported("struct field '" + f.name + "' has no type");
        if (f.type->kind == Type::kList) {
          return Status::NotSupported("struct field '" + f.name + "' is " + TypeString(*f.type) +
                                      ": lists inside structs are not supported");
        }
        PE_ASSIGN_OR_RETURN(ColumnSchema c, ParquetOf(*f.type));
        c.name = f.name;
        c.field_id = f.id;
        c.optional = !f.required;
        s.fields.push_back(std::move(c));
      }
      if (s.fields.empty()) return Status::NotSupported("an empty struct");
      return s;
    case Type::kList: {
      const NestedField& e = t.element;
      if (!e.type || !e.type->is_primitive()) {
        return Status::NotSupported(TypeString(t) + ": only lists of primitives are supported");
      }
      PE_ASSIGN_OR_RETURN(s, ParquetOf(*e.type));
      s.list = true;
      s.element_field_id = e.id;
      return s;
    }
    default:
      break;
  }
  return Status::NotSupported(TypeString(t) + " cannot be written");
}

// Multiplier from the unit of epoch values in a LONG column to microseconds (java TimeUnit
// names, segment.time.unit); 0 when the unit cannot become µs exactly (NANOSECONDS) or is unknown.
int64_t MicrosPer(const std::string& unit) {
  if (unit.empty() || unit == "MILLISECONDS") return 1000;
  if (unit == "MICROSECONDS") return 1;
  if (unit == "SECONDS") return 1000000;
  if (unit == "MINUTES") return 60000000;
  if (unit == "HOURS") return 3600000000;
  if (unit == "DAYS") return 86400000000;
  return 0;
}

struct Ctx {
  const segment::SegmentMeta& seg;
  const std::string& table;
};

std::string PinotType(const segment::ColumnMeta& c) {
  return std::string(c.single_value ? "" : "multi-value ") + segment::DataTypeName(c.data_type);
}

Status Mismatch(const Ctx& x, const segment::ColumnMeta& c, const NestedField& f,
                const std::string& why = "") {
  return Status::InvalidArgument("table " + x.table + ": column '" + c.name + "' is " +
                                 PinotType(c) + " but the Iceberg field " + std::to_string(f.id) +
                                 " '" + f.name + "' is " + TypeString(*f.type) +
                                 (why.empty() ? "" : " (" + why + ")"));
}

bool Set(ColumnTarget* t, Conversion c) {
  t->conversion = c;
  return true;
}

// The conversion of one value of Pinot type `c` into Iceberg primitive type `t` (SV rules of
// mapping.h; a list element follows them too). Sets the target's conversion and multiplier; the
// schema comes from ParquetOf(t). Returns false when the pair is not compatible; *why explains a
// near miss.
bool Compatible(const Ctx& x, const segment::ColumnMeta& c, const Type& t, ColumnTarget* out,
                std::string* why) {
  const Type::Kind k = t.kind;
  const bool ts = k == Type::kTimestamp || k == Type::kTimestampTz;
  switch (c.data_type) {
    case DataType::kInt:
      if (k == Type::kInt) return true;
      if (k == Type::kLong) return Set(out, Conversion::kIntToLong);
      return false;
    case DataType::kLong:
      if (k == Type::kLong) return true;
      if (ts) {
        // Epoch time in the segment's time unit when this is its time column, else millis.
        const std::string unit = c.name == x.seg.time_column ? x.seg.time_unit : "";
        out->multiplier = MicrosPer(unit);
        if (out->multiplier == 0) {
          *why = "time unit " + unit + " cannot become microseconds exactly";
          return false;
        }
        out->conversion = Conversion::kScaleToMicros;
        return true;
      }
      return false;
    case DataType::kFloat:
      if (k == Type::kFloat) return true;
      if (k == Type::kDouble) return Set(out, Conversion::kFloatToDouble);
      return false;
    case DataType::kDouble:
      return k == Type::kDouble;
    case DataType::kBoolean:
      return k == Type::kBoolean;
    case DataType::kTimestamp:
      if (k == Type::kLong) return true;  // epoch millis as they are
      if (ts) {
        out->conversion = Conversion::kScaleToMicros;
        out->multiplier = 1000;  // Pinot TIMESTAMP: epoch millis
        return true;
      }
      return false;
    case DataType::kString:
      return k == Type::kString;
    case DataType::kBytes:
      return k == Type::kBinary;
    case DataType::kJson:
      if (k == Type::kString) return true;
      if (k == Type::kStruct) return Set(out, Conversion::kJsonToStruct);
      return false;
    case DataType::kBigDecimal:
      if (k == Type::kDecimal) return Set(out, Conversion::kDecimal);
      if (k == Type::kString) return Set(out, Conversion::kDecimalText);
      return false;
    case DataType::kUuid:
      return k == Type::kUuid;
    case DataType::kMap:
      return false;
  }
  return false;
}

Result<ColumnTarget> MapColumn(const Ctx& x, const segment::ColumnMeta& c, const NestedField& f) {
  ColumnTarget t;
  t.source = c.name;
  if (!f.type) return Mismatch(x, c, f, "no type");
  const Type* vt = f.type.get();  // the value type: the element type for lists
  if (!c.single_value) {
    if (f.type->kind != Type::kList) return Mismatch(x, c, f);
    vt = f.type->element.type.get();
  } else if (f.type->kind == Type::kList) {
    return Mismatch(x, c, f);
  }
  std::string why;
  // A list of structs cannot be filled from multi-value JSON (lists hold primitives here).
  if (!vt || !Compatible(x, c, *vt, &t, &why) ||
      (!c.single_value && t.conversion == Conversion::kJsonToStruct)) {
    if (!c.single_value && vt) {
      why = "element " + std::to_string(f.type->element.id) + " is " + TypeString(*vt) +
            (why.empty() ? "" : "; " + why);
    }
    return Mismatch(x, c, f, why);
  }
  auto schema = ParquetOf(*f.type);
  if (!schema.ok()) {
    return Status::NotSupported("table " + x.table + ": column '" + c.name + "' is " +
                                PinotType(c) + " but the Iceberg field " + std::to_string(f.id) +
                                " '" + f.name + "' is " + TypeString(*f.type) + ": " +
                                schema.status().message());
  }
  t.schema = std::move(schema).value();
  if (t.conversion == Conversion::kJsonToStruct) {
    // The struct's leaves must be what JSON values can fill (convert/json_shape.h).
    auto shape = convert::TargetShape(t.schema);
    if (!shape.ok()) {
      return Status::NotSupported("table " + x.table + ": column '" + c.name + "' is " +
                                  PinotType(c) + " but the Iceberg field " + std::to_string(f.id) +
                                  " '" + f.name + "' is " + TypeString(*f.type) + ": " +
                                  shape.status().message());
    }
  }
  t.schema.name = f.name;
  t.schema.field_id = f.id;
  t.schema.optional = !f.required;
  if (f.required && c.has_null_vector && c.null_count > 0) {
    return Status::InvalidArgument("table " + x.table + ": column '" + c.name + "' has " +
                                   std::to_string(c.null_count) +
                                   " null value(s) but the Iceberg field " + std::to_string(f.id) +
                                   " '" + f.name + "' is required");
  }
  return t;
}

}  // namespace

Result<std::vector<convert::ColumnTarget>> MapColumns(const segment::SegmentMeta& seg,
                                                      const Schema& schema,
                                                      const std::string& table) {
  const Ctx x{seg, table};
  for (const segment::ColumnMeta& c : seg.columns) {
    if (!schema.Find(c.name)) {
      return Status::InvalidArgument("table " + table + ": column '" + c.name + "' is " +
                                     PinotType(c) + " but the Iceberg table has no field '" +
                                     c.name + "'");
    }
  }
  std::vector<ColumnTarget> out;
  for (const NestedField& f : schema.fields) {
    const segment::ColumnMeta* c = seg.FindColumn(f.name);
    if (c) {
      PE_ASSIGN_OR_RETURN(ColumnTarget t, MapColumn(x, *c, f));
      out.push_back(std::move(t));
      continue;
    }
    const std::string type = f.type ? TypeString(*f.type) : "?";
    if (f.required) {
      return Status::InvalidArgument("table " + table + ": the Iceberg field " +
                                     std::to_string(f.id) + " '" + f.name + "' is required " +
                                     type + " but the segment has no column '" + f.name + "'");
    }
    // Optional and absent: all nulls. A type the writer cannot express is left out of the file
    // instead, which Iceberg readers resolve to null by field id (spec "Column Projection").
    if (!f.type) continue;
    auto s = ParquetOf(*f.type);
    if (!s.ok()) continue;
    ColumnTarget t;
    t.conversion = Conversion::kNull;
    t.schema = std::move(s).value();
    t.schema.name = f.name;
    t.schema.field_id = f.id;
    t.schema.optional = true;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace pe::iceberg
