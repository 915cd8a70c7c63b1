// convert with a target (Options::target, the Iceberg target's columns): every conversion on
// segments written by the sample generator — dictionary and raw, single- and multi-value, with
// null vectors — read back by DuckDB and hyparquet and compared with values computed here from the
// generator's input rows (sample::ExpectedValues for what the segment holds, then the conversion's
// arithmetic done independently: widening, x1000 / x10^6, decimal rescaling, JSON fields). Also
// the field ids at the right schema elements, the metrics of converted columns, the unknown-JSON-
// key warning and failure, a JSON value that does not fit its field, and overflow of the
// microsecond scaling (an error naming column and value, on the dictionary and the raw path).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/file.h"
#include "convert/convert.h"
#include "sample/sample.h"
#include "segment/segment.h"
#include "testing/testing.h"

namespace pe::convert {
namespace {

using nlohmann::json;
using parquet::ColumnSchema;
using parquet::LogicalType;
using parquet::PhysicalType;
using sample::ColumnSpec;
using sample::ColumnValues;
using segment::DataType;
using Conversion = ColumnTarget::Conversion;

constexpr uint32_t kDocs = 1500;

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string o;
  for (unsigned char c : s) o += d[c >> 4], o += d[c & 15];
  return o;
}

// Plain decimal text of unscaled / 10^scale (BigDecimal.toPlainString).
std::string PlainText(int64_t unscaled, int scale) {
  std::string d =
      std::to_string(unscaled < 0 ? uint64_t(0) - uint64_t(unscaled) : uint64_t(unscaled));
  while (int(d.size()) <= scale) d = "0" + d;
  std::string out = (unscaled < 0 ? "-" : "") + d.substr(0, d.size() - scale);
  if (scale) out += "." + d.substr(d.size() - scale);
  return out;
}

// One column of the test segment: how the generator writes it, the target, the expected cell per
// row (canonical JSON: integers, doubles, strings, booleans, arrays, objects, null), and how DuckDB
// is asked for it (SQL expressions, reassembled into one cell).
struct Col {
  ColumnSpec spec;  // empty name: a kNull target with no Pinot column
  ColumnValues in;
  ColumnTarget target;
  std::vector<json> want;
  std::vector<std::string> duck;  // SQL; default: the column itself
  std::function<json(const std::vector<json>&)> assemble;
};

ColumnSchema Schema(PhysicalType t, LogicalType::Kind lk = LogicalType::kNone) {
  ColumnSchema s;
  s.type = t;
  s.logical.kind = lk;
  s.optional = true;
  return s;
}

// DuckDB prints every scalar as text: read it back in the type the expected cell has.
json Normalize(const json& got, const json& want) {
  if (got.is_null() || want.is_null()) return got;
  if (want.is_array() && got.is_array()) {
    json out = json::array();
    for (size_t i = 0; i < got.size(); ++i) {
      out.push_back(Normalize(got[i], i < want.size() ? want[i] : json()));
    }
    return out;
  }
  if (!got.is_string()) return got;
  const std::string s = got.get<std::string>();
  if (want.is_number_integer()) return json(std::stoll(s));
  if (want.is_number_float()) return json(std::strtod(s.c_str(), nullptr));
  if (want.is_boolean()) return json(s == "true");
  return got;
}

// Builds the test columns; `multi_group` only changes nothing here (the row grouping is an option).
std::vector<Col> MakeColumns() {
  std::vector<Col> cols;
  auto add = [&](std::string name, DataType t, bool sv, sample::Encoding enc, bool nulls) -> Col& {
    Col c;
    c.spec.name = std::move(name);
    c.spec.type = t;
    c.spec.single_value = sv;
    c.spec.encoding = enc;
    c.spec.null_vector = nulls;
    c.target.source = c.spec.name;
    if (!sv) c.in.offsets.push_back(0);
    cols.push_back(std::move(c));
    return cols.back();
  };
  using sample::Encoding;
  // INT -> long (dictionary with nulls, raw, dictionary MV); INT -> int as is.
  add("i_dict", DataType::kInt, true, Encoding::kDictionary, true);
  cols.back().target.conversion = Conversion::kIntToLong;
  cols.back().target.schema = Schema(PhysicalType::kInt64);
  add("i_raw", DataType::kInt, true, Encoding::kRaw, false);
  cols.back().target.conversion = Conversion::kIntToLong;
  cols.back().target.schema = Schema(PhysicalType::kInt64);
  add("i_mv", DataType::kInt, false, Encoding::kDictionary, false);
  cols.back().target.conversion = Conversion::kIntToLong;
  cols.back().target.schema = Schema(PhysicalType::kInt64);
  add("i_asis", DataType::kInt, true, Encoding::kRaw, false);
  cols.back().target.schema = Schema(PhysicalType::kInt32);
  cols.back().target.schema.optional = false;
  // FLOAT -> double (dictionary with nulls, raw MV).
  add("f_dict", DataType::kFloat, true, Encoding::kDictionary, true);
  cols.back().target.conversion = Conversion::kFloatToDouble;
  cols.back().target.schema = Schema(PhysicalType::kDouble);
  add("f_mv", DataType::kFloat, false, Encoding::kRaw, false);
  cols.back().target.conversion = Conversion::kFloatToDouble;
  cols.back().target.schema = Schema(PhysicalType::kDouble);
  // TIMESTAMP (ms) -> timestamptz; LONG seconds (raw, nulls) -> timestamp; LONG ms MV with nulls
  // (null docs hold Long.MIN_VALUE in the dictionary, which x1000 would overflow) -> timestamptz.
  add("ts", DataType::kTimestamp, true, Encoding::kDictionary, true);
  cols.back().target.conversion = Conversion::kScaleToMicros;
  cols.back().target.multiplier = 1000;
  cols.back().target.schema = Schema(PhysicalType::kInt64, LogicalType::kTimestampMicros);
  add("l_sec", DataType::kLong, true, Encoding::kRaw, true);
  cols.back().target.conversion = Conversion::kScaleToMicros;
  cols.back().target.multiplier = 1000000;
  cols.back().target.schema = Schema(PhysicalType::kInt64, LogicalType::kTimestampMicros);
  cols.back().target.schema.logical.adjusted_to_utc = false;
  add("l_mv", DataType::kLong, false, Encoding::kDictionary, true);
  cols.back().target.conversion = Conversion::kScaleToMicros;
  cols.back().target.multiplier = 1000;
  cols.back().target.schema = Schema(PhysicalType::kInt64, LogicalType::kTimestampMicros);
  // Strings, bytes, booleans as they are.
  add("s_dict", DataType::kString, true, Encoding::kDictionary, true);
  cols.back().target.schema = Schema(PhysicalType::kByteArray, LogicalType::kString);
  add("s_mv", DataType::kString, false, Encoding::kRaw, false);
  cols.back().target.schema = Schema(PhysicalType::kByteArray, LogicalType::kString);
  add("b_raw", DataType::kBytes, true, Encoding::kRaw, false);
  cols.back().target.schema = Schema(PhysicalType::kByteArray);
  add("flag", DataType::kBoolean, true, Encoding::kDictionary, false);
  cols.back().target.schema = Schema(PhysicalType::kBoolean);
  // JSON -> string as is; JSON -> struct.
  add("j_text", DataType::kJson, true, Encoding::kDictionary, false);
  cols.back().target.schema = Schema(PhysicalType::kByteArray, LogicalType::kString);
  add("j", DataType::kJson, true, Encoding::kRaw, true);
  cols.back().target.conversion = Conversion::kJsonToStruct;
  {
    ColumnSchema g;
    g.optional = true;
    auto f = [](const char* n, PhysicalType t, LogicalType::Kind lk = LogicalType::kNone) {
      ColumnSchema s = Schema(t, lk);
      s.name = n;
      return s;
    };
    ColumnSchema inner;
    inner.name = "g";
    inner.optional = true;
    inner.fields = {f("h", PhysicalType::kInt64)};
    g.fields = {f("a", PhysicalType::kInt64),
                f("b", PhysicalType::kInt32),
                f("c", PhysicalType::kDouble),
                f("d", PhysicalType::kFloat),
                f("e", PhysicalType::kBoolean),
                f("f", PhysicalType::kByteArray, LogicalType::kString),
                inner};
    cols.back().target.schema = g;
  }
  // BIG_DECIMAL -> decimal(9,2) INT32 (dictionary), decimal(18,3) INT64 (raw, nulls),
  // decimal(38,2) FIXED(16) (dictionary), string (raw).
  auto dec = [](int p, int s, PhysicalType t, int len = 0) {
    ColumnSchema c = Schema(t, LogicalType::kDecimal);
    c.logical.precision = p;
    c.logical.scale = s;
    c.type_length = len;
    return c;
  };
  add("bd9", DataType::kBigDecimal, true, Encoding::kDictionary, false);
  cols.back().target.conversion = Conversion::kDecimal;
  cols.back().target.schema = dec(9, 2, PhysicalType::kInt32);
  add("bd18", DataType::kBigDecimal, true, Encoding::kRaw, true);
  cols.back().target.conversion = Conversion::kDecimal;
  cols.back().target.schema = dec(18, 3, PhysicalType::kInt64);
  add("bd38", DataType::kBigDecimal, true, Encoding::kDictionary, false);
  cols.back().target.conversion = Conversion::kDecimal;
  cols.back().target.schema = dec(38, 2, PhysicalType::kFixedLenByteArray, 16);
  add("bd_text", DataType::kBigDecimal, true, Encoding::kRaw, false);
  cols.back().target.conversion = Conversion::kDecimalText;
  cols.back().target.schema = Schema(PhysicalType::kByteArray, LogicalType::kString);
  // No Pinot column: all nulls of a long, a list and a struct.
  for (int k = 0; k < 3; ++k) {
    Col c;
    c.target.conversion = Conversion::kNull;
    if (k == 0) {
      c.target.schema = Schema(PhysicalType::kInt64);
      c.target.schema.name = "null_long";
    } else if (k == 1) {
      c.target.schema = Schema(PhysicalType::kByteArray, LogicalType::kString);
      c.target.schema.list = true;
      c.target.schema.name = "null_list";
    } else {
      ColumnSchema x = Schema(PhysicalType::kInt32), y = Schema(PhysicalType::kFixedLenByteArray);
      x.name = "x";
      y.name = "y";
      y.type_length = 16;
      y.logical.kind = LogicalType::kUuid;
      c.target.schema.name = "null_struct";
      c.target.schema.optional = true;
      c.target.schema.fields = {x, y};
    }
    cols.push_back(std::move(c));
  }
  // Names and field ids: 100 + i on the column, 500 + i on list elements, 900 + k on struct fields.
  int fid = 900;
  for (size_t i = 0; i < cols.size(); ++i) {
    ColumnSchema& s = cols[i].target.schema;
    if (!cols[i].spec.name.empty()) {
      s.name = cols[i].spec.name;
      s.list = !cols[i].spec.single_value;
    }
    s.field_id = 100 + int(i);
    if (s.list) s.element_field_id = 500 + int(i);
    std::function<void(ColumnSchema&)> ids = [&](ColumnSchema& g) {
      for (auto& f : g.fields) {
        f.field_id = fid++;
        ids(f);
      }
    };
    ids(s);
  }
  return cols;
}

// The generator's input for doc d of column c (MV docs have 1..3 values; nulls where the column
// has a null vector and d % 7 == 3).
void FillInputs(std::vector<Col>* cols) {
  for (Col& c : *cols) {
    if (c.spec.name.empty()) continue;
    const std::string& n = c.spec.name;
    for (uint32_t d = 0; d < kDocs; ++d) {
      const bool null = c.spec.null_vector && d % 7 == 3;
      c.in.nulls.push_back(null);
      const int k = c.spec.single_value ? 1 : 1 + int(d % 3);
      for (int j = 0; j < k; ++j) {
        const int64_t x = int64_t(d) * 3 + j;
        if (n == "i_dict" || n == "i_mv") {
          c.in.ints.push_back(int64_t(x % 97) - 48);
        } else if (n == "i_raw" || n == "i_asis") {
          c.in.ints.push_back(int64_t(x) * 1000003 - 700000000);
        } else if (n == "f_dict" || n == "f_mv") {
          c.in.reals.push_back(double(float(x % 200) * 0.25f - 10.0f));
        } else if (n == "ts") {
          c.in.ints.push_back(1700000000000 + int64_t(x % 50) * 86400123);
        } else if (n == "l_sec") {
          c.in.ints.push_back(1600000000 + x * 3601 - 2000000000);  // before and after 1970
        } else if (n == "l_mv") {
          c.in.ints.push_back(1700000000000 - int64_t(x % 40) * 999);
        } else if (n == "s_dict") {
          c.in.AddBinary("s" + std::to_string(x % 30));
        } else if (n == "s_mv") {
          c.in.AddBinary("v" + std::to_string(x) + "é");
        } else if (n == "b_raw") {
          c.in.AddBinary(std::string("\x00\xff", 2) + char(x % 256));
        } else if (n == "flag") {
          c.in.ints.push_back(x % 3 == 0);
        } else if (n == "j_text") {
          c.in.AddBinary("{\"k\":" + std::to_string(x % 20) + "}");
        } else if (n == "j") {
          // Keys: a long, b int, c double (missing when d % 5 == 1), d float, e boolean,
          // f string, g {h} (null when d % 5 == 2); an unknown key "zzz" first at doc 4.
          std::string v = "{\"a\":" + std::to_string(int64_t(d) * 100000000000) +
                          ",\"b\":" + std::to_string(int(d % 100) - 50);
          if (d % 5 != 1) v += ",\"c\":" + std::to_string(d) + ".25";
          v += ",\"d\":" + std::to_string(d % 10) + ".5,\"e\":" + (d % 2 ? "true" : "false") +
               ",\"f\":\"t" + std::to_string(d) + "\"";
          v += d % 5 == 2 ? ",\"g\":null" : ",\"g\":{\"h\":" + std::to_string(d) + "}";
          if (d % 11 == 4) v += ",\"zzz\":[1,2]";
          c.in.AddBinary(v + "}");
        } else if (n == "bd9") {
          c.in.AddBinary(d % 3 == 0 ? sample::BigDecimalBytes(int64_t(d % 90) - 40, 0)
                                    : sample::BigDecimalBytes(int64_t(d % 400) * 7 - 1500, 2));
        } else if (n == "bd18") {
          c.in.AddBinary(d % 3 == 0 ? sample::BigDecimalBytes(int64_t(d), 1)
                                    : sample::BigDecimalBytes(int64_t(d) * 123456789 - 5, 3));
        } else if (n == "bd38") {
          c.in.AddBinary(sample::BigDecimalBytes((int64_t(d % 60) - 30) * 1000000000000, 2));
        } else if (n == "bd_text") {
          c.in.AddBinary(sample::BigDecimalBytes(int64_t(d) * 11 - 700, 3));
        }
      }
      if (!c.spec.single_value) c.in.offsets.push_back(uint32_t(c.in.num_values()));
    }
  }
}

// The unscaled value at `scale` of BIG_DECIMAL bytes written by BigDecimalBytes(u, s), computed
// from the generator's own inputs (see FillInputs).
int64_t Unscaled(const std::string& name, uint32_t d) {
  if (name == "bd9") return d % 3 == 0 ? (int64_t(d % 90) - 40) * 100 : int64_t(d % 400) * 7 - 1500;
  if (name == "bd18") return d % 3 == 0 ? int64_t(d) * 100 : int64_t(d) * 123456789 - 5;
  return (int64_t(d % 60) - 30) * 1000000000000;  // bd38
}

// Expected cells and DuckDB expressions, from ExpectedValues (what the segment holds) and the
// conversions done here.
void ComputeExpected(std::vector<Col>* cols) {
  for (Col& c : *cols) {
    const std::string q = "\"" + c.target.schema.name + "\"";
    c.duck = {q};
    c.assemble = [](const std::vector<json>& v) { return v[0]; };
    if (c.spec.name.empty()) {
      c.want.assign(kDocs, json());
      continue;
    }
    auto ev = sample::ExpectedValues(c.spec, c.in, kDocs);
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    const ColumnValues& e = *ev;
    const std::string& n = c.spec.name;
    auto value = [&](size_t k, uint32_t d) -> json {
      switch (c.spec.type) {
        case DataType::kInt:
          return json(int64_t(e.ints[k]));
        case DataType::kFloat:
          return json(double(float(e.reals[k])));  // float widened exactly
        case DataType::kBoolean:
          return json(e.ints[k] != 0);
        case DataType::kTimestamp:
          return json(e.ints[k] * 1000);
        case DataType::kLong:
          return json(e.ints[k] * (n == "l_sec" ? 1000000 : 1000));
        case DataType::kBytes:
          return json(Hex(e.binary(k)));
        case DataType::kBigDecimal:
          if (n == "bd_text") return json(PlainText(int64_t(d) * 11 - 700, 3));
          return json(Unscaled(n, d));
        case DataType::kJson: {
          if (n == "j_text") return json(std::string(e.binary(k)));
          json src = json::parse(e.binary(k));
          json o = json::object();
          o["a"] = src["a"];
          o["b"] = src["b"];
          o["c"] = src.contains("c") ? src["c"] : json();
          o["d"] = src["d"];
          o["e"] = src["e"];
          o["f"] = src["f"];
          o["g"] = src["g"].is_null() ? json() : json({{"h", src["g"]["h"]}});
          return o;
        }
        default:
          return json(std::string(e.binary(k)));
      }
    };
    for (uint32_t d = 0; d < kDocs; ++d) {
      if (!e.nulls.empty() && e.nulls[d]) {
        c.want.push_back(json());
        continue;
      }
      if (c.spec.single_value) {
        c.want.push_back(value(d, d));
        continue;
      }
      json l = json::array();
      for (uint32_t k = e.offsets[d]; k < e.offsets[d + 1]; ++k) l.push_back(value(k, d));
      c.want.push_back(l);
    }
    const bool ts = c.target.conversion == Conversion::kScaleToMicros;
    if (ts)
      c.duck = {c.spec.single_value ? "epoch_us(" + q + ")"
                                    : "list_transform(" + q + ", x -> epoch_us(x))"};
    if (c.target.conversion == Conversion::kDecimal)
      c.duck = {"replace(" + q + "::varchar, '.', '')"};
    if (c.spec.type == DataType::kBytes) c.duck = {"lower(hex(" + q + "))"};
    if (c.target.conversion == Conversion::kJsonToStruct) {
      c.duck = {q + " is null"};
      for (const char* f : {"a", "b", "c", "d", "e", "f"}) c.duck.push_back(q + "." + f);
      c.duck.push_back(q + ".g is null");
      c.duck.push_back(q + ".g.h");
      c.assemble = [](const std::vector<json>& v) -> json {
        if (v[0] == "true") return json();
        json o = json::object();
        const char* names[] = {"a", "b", "c", "d", "e", "f"};
        for (int i = 0; i < 6; ++i) o[names[i]] = v[1 + i];
        o["g"] = v[7] == "true" ? json() : json({{"h", v[8]}});
        return o;
      };
    }
  }
}

json NormalizeStruct(const json& got, const json& want) {
  if (!got.is_object() || !want.is_object()) return Normalize(got, want);
  json out = json::object();
  for (auto& [k, v] : got.items()) {
    out[k] = want.contains(k) ? NormalizeStruct(v, want[k]) : v;
  }
  return out;
}

struct Fixture {
  std::optional<TempDir> dir;
  std::vector<Col> cols;
  std::unique_ptr<segment::Segment> seg;
};

// Writes the test segment (v3, the columns above).
void MakeSegment(Fixture* f) {
  auto dir = TempDir::Make("pe-target");
  ASSERT_TRUE(dir.ok());
  f->dir.emplace(std::move(dir).value());
  f->cols = MakeColumns();
  FillInputs(&f->cols);
  sample::SegmentSpec spec;
  spec.table = "events";
  spec.name = "events_OFFLINE_0";
  spec.num_docs = kDocs;
  std::vector<ColumnValues> values;
  for (const Col& c : f->cols) {
    if (c.spec.name.empty()) continue;
    spec.columns.push_back(c.spec);
    values.push_back(c.in);
  }
  sample::MemorySource src(std::move(values));
  auto written = sample::WriteSegment(spec, src, f->dir->path());
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto seg = segment::Segment::Open(written->dir);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  f->seg = std::move(seg).value();
  ComputeExpected(&f->cols);
}

Options TargetOptions(const std::vector<Col>& cols) {
  Options o;
  for (const Col& c : cols) o.target.push_back(c.target);
  return o;
}

// Expected footer elements (name, field id or null), depth-first, from the target schemas and the
// Iceberg spec's placement rules (Appendix A): ids on columns, list groups, struct groups and
// their fields, list elements; none on the repeated `list` group.
void ExpectedElements(const ColumnSchema& s, std::vector<json>* out) {
  out->push_back({s.name, s.field_id});
  if (s.list) {
    out->push_back({"list", nullptr});
    out->push_back({"element", s.element_field_id});
  }
  for (const auto& f : s.fields) ExpectedElements(f, out);
}

void CheckFile(const Fixture& f, const std::string& path, const std::string& label) {
  SCOPED_TRACE(label);
  const auto& cols = f.cols;
  // DuckDB: values.
  std::string sql = "select ";
  for (size_t i = 0; i < cols.size(); ++i) {
    for (size_t k = 0; k < cols[i].duck.size(); ++k) {
      sql += (i || k ? ", " : "") + cols[i].duck[k];
    }
  }
  sql += " from read_parquet('" + path + "')";
  auto r = pe::testing::RunNode("duckdb_rows.mjs", {sql});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = JsonLines(r.out);
  ASSERT_EQ(rows.size(), kDocs);
  size_t bad = 0;
  for (uint32_t d = 0; d < kDocs && bad < 5; ++d) {
    size_t at = 0;
    for (const Col& c : cols) {
      std::vector<json> cells(rows[d].begin() + long(at),
                              rows[d].begin() + long(at + c.duck.size()));
      at += c.duck.size();
      json got = NormalizeStruct(c.assemble(cells), c.want[d]);
      if (got != c.want[d]) {
        ++bad;
        ADD_FAILURE() << "duckdb " << c.target.schema.name << " doc " << d << ": got " << got.dump()
                      << " want " << c.want[d].dump();
      }
    }
  }
  // hyparquet: raw values (timestamps as stored µs, decimals unscaled).
  r = pe::testing::RunNode("parquet_fields.mjs", {path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto hy = JsonLines(r.out);
  ASSERT_EQ(hy.size(), kDocs + 1);
  for (uint32_t d = 0; d < kDocs && bad < 10; ++d) {
    for (size_t i = 0; i < cols.size(); ++i) {
      json got = hy[d + 1][i];
      if (cols[i].spec.type == DataType::kFloat) got = Normalize(got, cols[i].want[d]);
      if (got != cols[i].want[d]) {
        ++bad;
        ADD_FAILURE() << "hyparquet " << cols[i].target.schema.name << " doc " << d << ": got "
                      << got.dump() << " want " << cols[i].want[d].dump();
      }
    }
  }
  // Field ids at the right schema elements (hyparquet and DuckDB agree).
  std::vector<json> want_elems = {{"schema", nullptr}};
  for (const Col& c : cols) ExpectedElements(c.target.schema, &want_elems);
  std::vector<json> got_elems;
  for (const auto& e : hy[0]) got_elems.push_back({e["name"], e["field_id"]});
  EXPECT_EQ(json(got_elems), json(want_elems));
  r = pe::testing::RunNode("duckdb_rows.mjs",
                           {"select name, field_id from parquet_schema('" + path + "')"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> duck_elems;
  for (const auto& e : JsonLines(r.out)) {
    duck_elems.push_back(
        {e[0], e[1].is_null() ? json() : json(std::stoi(e[1].get<std::string>()))});
  }
  EXPECT_EQ(json(duck_elems), json(want_elems));
  // The types DuckDB sees.
  r = pe::testing::RunNode(
      "duckdb_rows.mjs",
      {"select typeof(i_dict), typeof(f_mv), typeof(ts), typeof(l_sec), typeof(l_mv), "
       "typeof(bd9), typeof(bd18), typeof(bd38), typeof(j), typeof(null_struct) from "
       "read_parquet('" +
       path + "') limit 1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out),
            json({"BIGINT", "DOUBLE[]", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP",
                  "TIMESTAMP WITH TIME ZONE[]", "DECIMAL(9,2)", "DECIMAL(18,3)", "DECIMAL(38,2)",
                  "STRUCT(a BIGINT, b INTEGER, c DOUBLE, d FLOAT, e BOOLEAN, f VARCHAR, g "
                  "STRUCT(h BIGINT))",
                  "STRUCT(x INTEGER, y UUID)"}));
}

template <typename T>
std::string Le(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

// Metrics of converted columns against the expected values: counts and bounds in the written
// type (the dictionary path's bounds come from transformed dictionary entries).
void CheckMetrics(const Fixture& f, const Summary& sum) {
  const auto& m = sum.metrics;
  auto leaf = [&](const std::string& name) -> const parquet::ColumnMetrics* {
    for (const auto& c : m.columns) {
      if (c.path[0] == name) return &c;
    }
    return nullptr;
  };
  for (const Col& c : f.cols) {
    const std::string& n = c.target.schema.name;
    const parquet::ColumnMetrics* cm = leaf(n);
    ASSERT_NE(cm, nullptr) << n;
    if (!c.target.schema.fields.empty()) continue;
    int64_t values = 0, nulls = 0;
    std::optional<json> lo, hi;
    for (const json& w : c.want) {
      if (w.is_null() || (w.is_array() && w.empty())) {
        ++values, ++nulls;
        continue;
      }
      std::vector<json> items =
          w.is_array() ? std::vector<json>(w.begin(), w.end()) : std::vector<json>{w};
      for (const json& x : items) {
        ++values;
        if (!lo || x < *lo) lo = x;
        if (!hi || *hi < x) hi = x;
      }
    }
    EXPECT_EQ(cm->value_count, values) << n;
    EXPECT_EQ(cm->null_count, nulls) << n;
    if (c.spec.name.empty()) {
      EXPECT_FALSE(cm->min.has_value()) << n;
      continue;
    }
    const PhysicalType t = c.target.schema.type;
    if (t == PhysicalType::kInt64) {
      EXPECT_EQ(*cm->min, Le(lo->get<int64_t>())) << n;
      EXPECT_EQ(*cm->max, Le(hi->get<int64_t>())) << n;
    } else if (t == PhysicalType::kInt32 && c.target.conversion != Conversion::kAsIs) {
      EXPECT_EQ(*cm->min, Le(int32_t(lo->get<int64_t>()))) << n;
      EXPECT_EQ(*cm->max, Le(int32_t(hi->get<int64_t>()))) << n;
    } else if (t == PhysicalType::kDouble) {
      EXPECT_EQ(*cm->min, Le(lo->get<double>())) << n;
      EXPECT_EQ(*cm->max, Le(hi->get<double>())) << n;
    }
  }
}

class Target : public ::testing::TestWithParam<bool> {};

TEST_P(Target, EveryConversionReadBack) {
  const bool many_groups = GetParam();
  Fixture f;
  ASSERT_NO_FATAL_FAILURE(MakeSegment(&f));
  Options o = TargetOptions(f.cols);
  if (many_groups) o.row_group_bytes = 4096;  // per-row-group dictionaries (remapped ids)
  std::vector<std::string> warnings;
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  parquet::StringSink sink;
  auto sum = ConvertSegment(*f.seg, &sink, o);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->row_groups > 1, many_groups);
  const std::string path = f.dir->path() + "/t.parquet";
  ASSERT_TRUE(WriteFileAtomic(path, sink.data()).ok());
  // One warning for the column, at the first doc with an unknown key.
  EXPECT_EQ(warnings, std::vector<std::string>{"column 'j': dropped unknown JSON key 'zzz' (first "
                                               "at doc 4)"});
  CheckFile(f, path, many_groups ? "many row groups" : "one row group");
  CheckMetrics(f, *sum);
  // The dictionary fast path was kept for converted dictionary columns: their chunks are
  // RLE_DICTIONARY-encoded (DuckDB's footer view).
  auto r = pe::testing::RunNode(
      "duckdb_rows.mjs", {"select distinct path_in_schema, encodings from parquet_metadata('" +
                          path + "') where path_in_schema in ('i_dict', 'ts', 'bd9', 'bd38', " +
                          "'f_dict') or path_in_schema like 'l_mv%' order by 1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const json& row : JsonLines(r.out)) {
    EXPECT_NE(row[1].get<std::string>().find("RLE_DICTIONARY"), std::string::npos) << row.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(RowGroups, Target, ::testing::Bool());

// One-column segments for the error cases.
std::unique_ptr<segment::Segment> OneColumn(const TempDir& dir, const ColumnSpec& spec,
                                            ColumnValues in, uint32_t docs) {
  sample::SegmentSpec s;
  s.table = "t";
  s.name = "t_OFFLINE_" + spec.name;
  s.num_docs = docs;
  s.columns = {spec};
  sample::MemorySource src({std::move(in)});
  auto written = sample::WriteSegment(s, src, dir.path());
  EXPECT_TRUE(written.ok()) << written.status().ToString();
  if (!written.ok()) return nullptr;
  auto seg = segment::Segment::Open(written->dir);
  EXPECT_TRUE(seg.ok()) << seg.status().ToString();
  return seg.ok() ? std::move(seg).value() : nullptr;
}

ColumnTarget JsonTarget() {
  ColumnTarget t;
  t.source = "j";
  t.conversion = Conversion::kJsonToStruct;
  t.schema.name = "j";
  t.schema.optional = true;
  ColumnSchema a = Schema(PhysicalType::kInt64);
  a.name = "a";
  ColumnSchema b = Schema(PhysicalType::kInt32);
  b.name = "b";
  t.schema.fields = {a, b};
  return t;
}

TEST(TargetJson, UnknownKeysFailWhenAsked) {
  auto dir = TempDir::Make("pe-target");
  ASSERT_TRUE(dir.ok());
  ColumnValues in;
  for (const char* v : {R"({"a":1})", R"({"a":2,"b":3})", R"({"a":3,"q":{"r":1}})"})
    in.AddBinary(v);
  auto seg = OneColumn(*dir, {"j", DataType::kJson}, in, 3);
  ASSERT_NE(seg, nullptr);
  Options o;
  o.target = {JsonTarget()};
  o.json_unknown_keys_fail = true;
  parquet::StringSink sink;
  auto sum = ConvertSegment(*seg, &sink, o);
  ASSERT_FALSE(sum.ok());
  EXPECT_EQ(sum.status().message(),
            "column j doc 2: JSON key 'q' is not a field of the table's struct");
}

TEST(TargetJson, ValuesThatDoNotFitAreErrors) {
  auto dir = TempDir::Make("pe-target");
  ASSERT_TRUE(dir.ok());
  struct Case {
    const char* value;
    const char* error;
  } cases[] = {
      {R"({"a":"abc"})", "column j doc 1: key 'a': \"abc\" does not fit the table's long field"},
      {R"({"a":1.5})", "column j doc 1: key 'a': 1.5 does not fit the table's long field"},
      {R"({"b":2147483648})",
       "column j doc 1: key 'b': 2147483648 does not fit the table's int field"},
      {R"({"a":18446744073709551615})",
       "column j doc 1: key 'a': 18446744073709551615 does not fit the table's long field"},
      {R"([1,2])",
       "column j doc 1: value: [1,2] is not a JSON object (the table's field is a "
       "struct)"},
  };
  int i = 0;
  for (const Case& c : cases) {
    ColumnValues in;
    in.AddBinary(R"({"a":1,"b":2})");
    in.AddBinary(c.value);
    ColumnSpec spec{"j", DataType::kJson};
    spec.encoding = i % 2 ? sample::Encoding::kRaw : sample::Encoding::kDictionary;
    sample::SegmentSpec s;
    auto seg = OneColumn(*dir, spec, in, 2);
    ASSERT_NE(seg, nullptr);
    Options o;
    o.target = {JsonTarget()};
    parquet::StringSink sink;
    auto sum = ConvertSegment(*seg, &sink, o);
    ASSERT_FALSE(sum.ok()) << c.value;
    EXPECT_TRUE(sum.status().IsInvalidArgument());
    EXPECT_EQ(sum.status().message(), c.error);
    ++i;
  }
}

TEST(TargetJson, ListsInsideTheStructAreNotSupported) {
  auto dir = TempDir::Make("pe-target");
  ASSERT_TRUE(dir.ok());
  ColumnValues in;
  in.AddBinary(R"({"a":1})");
  auto seg = OneColumn(*dir, {"j", DataType::kJson}, in, 1);
  ASSERT_NE(seg, nullptr);
  Options o;
  o.target = {JsonTarget()};
  ColumnSchema tags = Schema(PhysicalType::kByteArray, LogicalType::kString);
  tags.name = "tags";
  tags.list = true;
  ColumnSchema inner;
  inner.name = "inner";
  inner.optional = true;
  inner.fields = {tags};
  o.target[0].schema.fields.push_back(inner);
  parquet::StringSink sink;
  auto sum = ConvertSegment(*seg, &sink, o);
  ASSERT_FALSE(sum.ok());
  EXPECT_TRUE(sum.status().IsNotSupported());
  EXPECT_EQ(sum.status().message(),
            "field 'inner.tags' is a list: lists inside a JSON struct are not supported");
}

// x1000 overflowing 64 bits is an error naming the column and the value, never a wrapped
// timestamp: on the dictionary path (the entry is converted once) and on the raw path.
TEST(TargetScale, OverflowIsAnError) {
  auto dir = TempDir::Make("pe-target");
  ASSERT_TRUE(dir.ok());
  for (auto enc : {sample::Encoding::kDictionary, sample::Encoding::kRaw}) {
    ColumnValues in;
    in.ints = {1, 9223372036854776, 3};  // 9223372036854776 * 1000 > 2^63 - 1
    ColumnSpec spec{"l", DataType::kLong};
    spec.encoding = enc;
    spec.name = enc == sample::Encoding::kRaw ? "l" : "l";
    auto seg = OneColumn(*dir, spec, in, 3);
    ASSERT_NE(seg, nullptr);
    Options o;
    ColumnTarget t;
    t.source = "l";
    t.conversion = Conversion::kScaleToMicros;
    t.multiplier = 1000;
    t.schema = Schema(PhysicalType::kInt64, LogicalType::kTimestampMicros);
    t.schema.name = "l";
    o.target = {t};
    parquet::StringSink sink;
    auto sum = ConvertSegment(*seg, &sink, o);
    ASSERT_FALSE(sum.ok());
    EXPECT_TRUE(sum.status().IsInvalidArgument());
    EXPECT_EQ(sum.status().message(),
              "column l: value 9223372036854776 * 1000 does not fit a 64-bit microsecond "
              "timestamp");
    // The largest value that fits is written exactly.
    in.ints = {1, 9223372036854775, -9223372036854775};
    seg = OneColumn(*dir, spec, in, 3);
    ASSERT_NE(seg, nullptr);
    parquet::StringSink ok_sink;
    auto ok = ConvertSegment(*seg, &ok_sink, o);
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    EXPECT_EQ(*ok->metrics.columns[0].max, Le(int64_t(9223372036854775000)));
    EXPECT_EQ(*ok->metrics.columns[0].min, Le(int64_t(-9223372036854775000)));
  }
}

// Targets that do not fit their source are refused before anything is written.
TEST(TargetCheck, MismatchesAreRefused) {
  auto dir = TempDir::Make("pe-target");
  ASSERT_TRUE(dir.ok());
  ColumnValues in;
  in.ints = {1, 2};
  auto seg = OneColumn(*dir, {"i", DataType::kInt}, in, 2);
  ASSERT_NE(seg, nullptr);
  auto run = [&](ColumnTarget t) {
    Options o;
    o.target = {t};
    parquet::StringSink sink;
    auto r = ConvertSegment(*seg, &sink, o);
    return r.ok() ? std::string("ok") : r.status().message();
  };
  ColumnTarget t;
  t.source = "i";
  t.schema = Schema(PhysicalType::kInt64);
  t.schema.name = "i";
  EXPECT_EQ(run(t), "target column 'i': Pinot INT column 'i' is written as INT32, not INT64");
  t.conversion = Conversion::kFloatToDouble;
  EXPECT_EQ(run(t), "target column 'i': Pinot INT column 'i' cannot be converted this way");
  t.source = "nope";
  EXPECT_EQ(run(t), "segment t_OFFLINE_i has no column 'nope'");
  t.conversion = Conversion::kNull;
  t.schema.optional = false;
  EXPECT_EQ(run(t), "target column 'i': all-null but not optional");
  t.source = "i";
  t.conversion = Conversion::kIntToLong;
  t.schema.optional = true;
  t.schema.list = true;
  EXPECT_EQ(run(t),
            "target column 'i': Pinot INT column 'i' is single-value but the target is a "
            "list");
}

}  // namespace
}  // namespace pe::convert
