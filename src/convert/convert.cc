// Pinot segment → Parquet: schema mapping, row-group planning and the per-column streaming loop.
#include "convert/convert.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

#include "common/bytes.h"
#include "convert/decimal.h"
#include "convert/json_shape.h"

namespace pe::convert {

using parquet::ColumnSchema;
using parquet::LogicalType;
using parquet::PhysicalType;
using segment::ColumnBatch;
using segment::ColumnMeta;
using segment::DataType;

namespace {

constexpr uint32_t kBatch = 4096;

// kCancelled once the caller's flag is set (read between batches and row groups).
Status CheckCancel(const std::atomic<bool>* cancel) {
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
    return Status::Cancelled("conversion cancelled");
  }
  return Status::OK();
}

// Reads docs [first, first + n) in batches of at most kBatch docs with `read(doc, count, b)`
// (ReadValues or ReadIds) and calls `fn(doc, count)` after each; stops with kCancelled before a
// batch once `cancel` is set. A batch whose bytes would pass ColumnBatch::max_bytes (the 32-bit
// offsets) is refused by the reader with kInvalidArgument; it is read again as halves, down to one
// doc, so huge values slow a column down instead of failing.
template <typename Read, typename Fn>
Status InBatches(uint32_t first, uint32_t n, const std::atomic<bool>* cancel, Read read, Fn fn) {
  uint32_t step = kBatch;
  for (uint32_t done = 0; done < n;) {
    PE_RETURN_IF_ERROR(CheckCancel(cancel));
    const uint32_t k = std::min(step, n - done);
    Status st = read(first + done, k);
    if (st.IsInvalidArgument() && k > 1) {
      step = k / 2;
      continue;
    }
    PE_RETURN_IF_ERROR(st);
    PE_RETURN_IF_ERROR(fn(first + done, k));
    done += k;
  }
  return Status::OK();
}

Result<ColumnSchema> MapColumn(const ColumnMeta& c, const Options& o) {
  ColumnSchema s;
  s.name = c.name;
  s.optional = c.has_null_vector;
  s.list = !c.single_value;
  switch (c.data_type) {
    case DataType::kInt:
      s.type = PhysicalType::kInt32;
      break;
    case DataType::kLong:
      s.type = PhysicalType::kInt64;
      break;
    case DataType::kFloat:
      s.type = PhysicalType::kFloat;
      break;
    case DataType::kDouble:
      s.type = PhysicalType::kDouble;
      break;
    case DataType::kBoolean:
      s.type = PhysicalType::kBoolean;
      break;
    case DataType::kTimestamp:
      s.type = PhysicalType::kInt64;
      s.logical.kind = LogicalType::kTimestampMillisUtc;
      break;
    case DataType::kString:
      s.type = PhysicalType::kByteArray;
      s.logical.kind = LogicalType::kString;
      break;
    case DataType::kJson:
    case DataType::kMap:
      s.type = PhysicalType::kByteArray;
      s.logical.kind = LogicalType::kJson;
      break;
    case DataType::kBytes:
      s.type = PhysicalType::kByteArray;
      break;
    case DataType::kUuid:
      s.type = PhysicalType::kFixedLenByteArray;
      s.type_length = 16;
      s.logical.kind = LogicalType::kUuid;
      break;
    case DataType::kBigDecimal:
      if (o.decimal_precision > 0) {
        s.type = PhysicalType::kFixedLenByteArray;
        s.type_length = DecimalBytes(o.decimal_precision);
        s.logical.kind = LogicalType::kDecimal;
        s.logical.precision = o.decimal_precision;
        s.logical.scale = o.decimal_scale;
      } else {
        // Lossless default: the exact plain decimal text (BigDecimal.toPlainString).
        s.type = PhysicalType::kByteArray;
        s.logical.kind = LogicalType::kString;
      }
      break;
  }
  return s;
}

// Estimated encoded bytes per row (plain values), for row-group planning.
// Dictionary-encoded Pinot columns are written as bit-packed indices (when their dictionary
// stays under the page limit), so they count at their index width, not their value width: the
// row-group bound then applies to what is written, as parquet-mr's rowGroupSize does.
double RowBytes(const segment::Segment& seg, const ColumnMeta& c, const Options& o) {
  const double docs = std::max<uint32_t>(1, seg.meta().total_docs);
  const double per_row = c.single_value ? 1.0 : double(c.total_entries) / docs;
  if (o.dictionary && c.has_dictionary && c.data_type != DataType::kBoolean && c.cardinality > 0 &&
      c.cardinality * 8.0 <= double(o.dictionary_page_limit)) {
    return per_row * BitsFor(c.cardinality - 1) / 8.0 + 0.125;
  }
  if (c.stored_type != segment::StoredType::kBinary)
    return per_row * segment::FixedWidth(c.stored_type);
  // Binary: average length of a sample of values (first batch), + 4 bytes length prefix.
  auto r = seg.OpenColumn(c.name);
  if (!r.ok()) return per_row * 16;
  ColumnBatch b;
  uint32_t n = std::min<uint32_t>(1024, seg.meta().total_docs);
  if (n == 0 || !(*r)->ReadValues(0, n, &b).ok() || b.num_values() == 0) return per_row * 16;
  return double(b.bin_data.size() + 4 * b.num_values()) / n;
}

// One column of one row group: reads batches and hands them to the writer.
class ColumnStreamer {
 public:
  ColumnStreamer(const ColumnMeta& m, const ColumnSchema& s, const Options& o, int col,
                 segment::ColumnReader* r, parquet::FileWriter* w, const std::atomic<bool>* cancel)
      : m_(m), s_(s), o_(o), col_(col), r_(r), w_(w), cancel_(cancel) {
    if (o.batch_max_bytes != 0) b_.max_bytes = std::min(o.batch_max_bytes, b_.max_bytes);
  }

  Status Write(uint32_t first, uint32_t n, bool whole_segment) {
    if (UseDictionary()) return WriteDictionaryEncoded(first, n, whole_segment);
    return WriteAllValues(first, n);
  }

 private:
  Status WriteAllValues(uint32_t first, uint32_t n) {
    return InBatches(
        first, n, cancel_, [&](uint32_t doc, uint32_t k) { return r_->ReadValues(doc, k, &b_); },
        [&](uint32_t, uint32_t) { return WriteValues(b_); });
  }

  // PLAIN size of the Parquet dictionary of dn entries (binary values: their Pinot lengths; the
  // Parquet forms of MAP/BIG_DECIMAL differ a little, which only moves the fallback point).
  template <typename F>
  int64_t DictionaryBytes(const segment::Dictionary* d, uint32_t dn, F pinot_id) const {
    if (s_.type != PhysicalType::kByteArray && s_.type != PhysicalType::kFixedLenByteArray) {
      return int64_t(dn) * segment::FixedWidth(m_.stored_type);
    }
    if (s_.type == PhysicalType::kFixedLenByteArray) return int64_t(dn) * s_.type_length;
    int64_t b = 0;
    for (uint32_t k = 0; k < dn && b <= o_.dictionary_page_limit; ++k) {
      b += 4 + int64_t(d->GetBytes(pinot_id(k)).size());
    }
    return b;
  }

  bool UseDictionary() const {
    return o_.dictionary && r_->has_ids() && r_->dictionary() != nullptr &&
           m_.data_type != DataType::kBoolean;
  }

  const uint8_t* Nulls(const ColumnBatch& b) const {
    return s_.optional && !b.nulls.empty() ? b.nulls.data() : nullptr;
  }

  // Drops the entries of null rows from `offsets`-framed (MV) or per-row (SV) arrays.
  template <typename T>
  const T* Compact(const ColumnBatch& b, const std::vector<T>& v, std::vector<T>* scratch) {
    if (!Nulls(b)) return v.data();
    scratch->clear();
    if (b.offsets.empty()) {
      for (uint32_t i = 0; i < b.num_docs; ++i)
        if (!b.nulls[i]) scratch->push_back(v[i]);
    } else {
      for (uint32_t i = 0; i < b.num_docs; ++i)
        if (!b.nulls[i])
          scratch->insert(scratch->end(), v.begin() + b.offsets[i], v.begin() + b.offsets[i + 1]);
    }
    return scratch->data();
  }

  // List offsets with null rows made empty.
  const uint32_t* ListOffsets(const ColumnBatch& b) {
    if (b.offsets.empty()) return nullptr;
    if (!Nulls(b)) return b.offsets.data();
    offs_.assign(1, 0);
    for (uint32_t i = 0; i < b.num_docs; ++i) {
      uint32_t len = b.nulls[i] ? 0 : b.offsets[i + 1] - b.offsets[i];
      offs_.push_back(offs_.back() + len);
    }
    return offs_.data();
  }

  // Value k of a binary batch in its Parquet form (text for MAP / BIG_DECIMAL without precision,
  // rescaled two's complement for DECIMAL).
  Status BinaryValue(const ColumnBatch& b, size_t k, std::string* out) {
    out->clear();
    std::string_view v = b.binary(k);
    switch (m_.data_type) {
      case DataType::kMap: {
        auto j = segment::MapToJson(v);
        if (!j.ok()) return j.status().WithContext("column " + m_.name);
        *out = std::move(j).value();
        return Status::OK();
      }
      case DataType::kBigDecimal:
        if (s_.logical.kind == LogicalType::kDecimal) {
          return ToDecimalBytes(v, s_.logical.precision, s_.logical.scale, s_.type_length, out)
              .WithContext("column " + m_.name);
        } else {
          auto t = segment::BigDecimalToString(v);
          if (!t.ok()) return t.status().WithContext("column " + m_.name);
          *out = std::move(t).value();
          return Status::OK();
        }
      case DataType::kUuid:
        if (v.size() != 16) {
          return Status::Corruption("column " + m_.name + ": UUID value of " +
                                    std::to_string(v.size()) + " bytes");
        }
        [[fallthrough]];
      default:
        out->assign(v);
        return Status::OK();
    }
  }

  bool NeedsBinaryTransform() const {
    return m_.data_type == DataType::kMap || m_.data_type == DataType::kBigDecimal ||
           m_.data_type == DataType::kUuid;
  }

  Status WriteValues(const ColumnBatch& b) {
    const uint8_t* nulls = Nulls(b);
    const uint32_t* offs = ListOffsets(b);
    switch (m_.data_type) {
      case DataType::kInt:
        return w_->WriteInt32(col_, b.num_docs, Compact(b, b.i32, &i32_), nulls, offs);
      case DataType::kBoolean: {
        const int32_t* v = Compact(b, b.i32, &i32_);
        size_t nv = offs ? offs[b.num_docs] : (nulls ? i32_.size() : b.num_docs);
        bool_.resize(nv);
        for (size_t i = 0; i < nv; ++i) bool_[i] = v[i] != 0;
        return w_->WriteBoolean(col_, b.num_docs, bool_.data(), nulls, offs);
      }
      case DataType::kLong:
      case DataType::kTimestamp:
        return w_->WriteInt64(col_, b.num_docs, Compact(b, b.i64, &i64_), nulls, offs);
      case DataType::kFloat:
        return w_->WriteFloat(col_, b.num_docs, Compact(b, b.f32, &f32_), nulls, offs);
      case DataType::kDouble:
        return w_->WriteDouble(col_, b.num_docs, Compact(b, b.f64, &f64_), nulls, offs);
      default:
        break;
    }
    // Binary: pass through when nothing is dropped or transformed.
    if (!nulls && !NeedsBinaryTransform()) {
      return w_->WriteByteArray(col_, b.num_docs, b.bin_offsets.data(), b.bin_data.data(), nullptr,
                                offs);
    }
    bin_offs_.assign(1, 0);
    bin_data_.clear();
    auto add = [&](size_t k) -> Status {
      PE_RETURN_IF_ERROR(BinaryValue(b, k, &tmp_));
      bin_data_.append(tmp_);
      bin_offs_.push_back(uint32_t(bin_data_.size()));
      return Status::OK();
    };
    for (uint32_t i = 0; i < b.num_docs; ++i) {
      if (nulls && nulls[i]) continue;
      if (b.offsets.empty()) {
        PE_RETURN_IF_ERROR(add(i));
      } else {
        for (uint32_t k = b.offsets[i]; k < b.offsets[i + 1]; ++k) PE_RETURN_IF_ERROR(add(k));
      }
    }
    return w_->WriteByteArray(col_, b.num_docs, bin_offs_.data(), bin_data_.data(), nulls, offs);
  }

  // Transcoding: the Pinot dictionary (restricted to the ids this row group uses, kept in sorted
  // order) becomes the Parquet dictionary; ids are remapped and passed on as indices.
  Status WriteDictionaryEncoded(uint32_t first, uint32_t n, bool whole_segment) {
    const segment::Dictionary* d = r_->dictionary();
    const uint32_t card = d->size();
    remap_.clear();
    std::vector<uint32_t> used;    // Pinot ids in the Parquet dictionary, ascending
    uint32_t base = 0, range = 0;  // sorted columns: the ids are [base, base + range)
    if (!whole_segment && m_.forward == segment::ForwardKind::kDictSorted) {
      // A sorted column's row group uses exactly the ids between its first and last doc's
      // (SortedIndexReaderImpl: docs are in id order), so nothing needs marking.
      PE_RETURN_IF_ERROR(r_->ReadIds(first, 1, &b_));
      base = b_.ids[0];
      PE_RETURN_IF_ERROR(r_->ReadIds(first + n - 1, 1, &b_));
      if (b_.ids[0] < base) {
        return Status::Corruption("column " + m_.name + ": sorted forward index out of order");
      }
      range = b_.ids[0] - base + 1;
    } else if (!whole_segment) {
      std::vector<uint8_t>& mark = mark_;
      mark.assign(card, 0);
      PE_RETURN_IF_ERROR(InBatches(
          first, n, cancel_, [&](uint32_t doc, uint32_t k) { return r_->ReadIds(doc, k, &b_); },
          [&](uint32_t, uint32_t k) {
            for (uint32_t i = 0; i < k; ++i) {
              if (!b_.nulls.empty() && b_.nulls[i] && s_.optional) continue;
              if (b_.offsets.empty()) {
                mark[b_.ids[i]] = 1;
              } else {
                for (uint32_t j = b_.offsets[i]; j < b_.offsets[i + 1]; ++j) mark[b_.ids[j]] = 1;
              }
            }
            return Status::OK();
          }));
      remap_.assign(card, 0);
      for (uint32_t id = 0; id < card; ++id) {
        if (mark[id]) {
          remap_[id] = uint32_t(used.size());
          used.push_back(id);
        }
      }
      if (used.size() == card) remap_.clear();  // identity
    }
    auto pinot_id = [&](uint32_t k) { return range ? base + k : used.empty() ? k : used[k]; };
    const uint32_t dn = range ? range : used.empty() ? card : uint32_t(used.size());
    // A dictionary past the writer's limit would be written PLAIN anyway (parquet-mr's
    // fallback): skip building it and stream values.
    if (DictionaryBytes(d, dn, pinot_id) > o_.dictionary_page_limit) {
      PE_RETURN_IF_ERROR(w_->SetPlain(col_));
      return WriteAllValues(first, n);
    }
    // Dictionary values in Parquet form: O(dictionary), never O(rows).
    switch (m_.data_type) {
      case DataType::kInt: {
        i32_.resize(dn);
        for (uint32_t k = 0; k < dn; ++k) i32_[k] = d->GetInt(pinot_id(k));
        PE_RETURN_IF_ERROR(w_->SetDictionaryInt32(col_, i32_.data(), dn));
        break;
      }
      case DataType::kLong:
      case DataType::kTimestamp: {
        i64_.resize(dn);
        for (uint32_t k = 0; k < dn; ++k) i64_[k] = d->GetLong(pinot_id(k));
        PE_RETURN_IF_ERROR(w_->SetDictionaryInt64(col_, i64_.data(), dn));
        break;
      }
      case DataType::kFloat: {
        f32_.resize(dn);
        for (uint32_t k = 0; k < dn; ++k) f32_[k] = d->GetFloat(pinot_id(k));
        PE_RETURN_IF_ERROR(w_->SetDictionaryFloat(col_, f32_.data(), dn));
        break;
      }
      case DataType::kDouble: {
        f64_.resize(dn);
        for (uint32_t k = 0; k < dn; ++k) f64_[k] = d->GetDouble(pinot_id(k));
        PE_RETURN_IF_ERROR(w_->SetDictionaryDouble(col_, f64_.data(), dn));
        break;
      }
      default: {
        ColumnBatch one;
        bin_offs_.assign(1, 0);
        bin_data_.clear();
        for (uint32_t k = 0; k < dn; ++k) {
          std::string_view v = d->GetBytes(pinot_id(k));
          if (NeedsBinaryTransform()) {
            one.bin_data.assign(v);
            one.bin_offsets = {0, uint32_t(v.size())};
            PE_RETURN_IF_ERROR(BinaryValue(one, 0, &tmp_));
            bin_data_.append(tmp_);
          } else {
            bin_data_.append(v);
          }
          bin_offs_.push_back(uint32_t(bin_data_.size()));
        }
        PE_RETURN_IF_ERROR(
            w_->SetDictionaryByteArray(col_, bin_offs_.data(), bin_data_.data(), dn));
        break;
      }
    }
    return InBatches(
        first, n, cancel_, [&](uint32_t doc, uint32_t k) { return r_->ReadIds(doc, k, &b_); },
        [&](uint32_t, uint32_t k) {
          if (range) {
            for (auto& id : b_.ids) id -= base;  // out-of-range ids wrap and fail in the writer
          } else if (!remap_.empty()) {
            for (auto& id : b_.ids) id = remap_[id];
          }
          const uint32_t* ids = Compact(b_, b_.ids, &ids_);
          return w_->WriteIndices(col_, k, ids, Nulls(b_), ListOffsets(b_));
        });
  }

  const ColumnMeta& m_;
  const ColumnSchema& s_;
  const Options& o_;
  int col_;
  segment::ColumnReader* r_;
  parquet::FileWriter* w_;
  const std::atomic<bool>* cancel_;
  ColumnBatch b_;
  std::vector<int32_t> i32_;
  std::vector<int64_t> i64_;
  std::vector<float> f32_;
  std::vector<double> f64_;
  std::vector<uint8_t> bool_;
  std::vector<uint32_t> ids_, offs_, remap_, bin_offs_;
  std::vector<uint8_t> mark_;
  std::string bin_data_, tmp_;
};

// Largest group a JSON column may become; wider shapes stay JSON text.
constexpr size_t kMaxJsonLeaves = 1000;

// The shape of a single-value JSON column, from its dictionary or else from every value.
Result<JsonShape> InferShape(const ColumnMeta& m, segment::ColumnReader* r, uint32_t docs,
                             int max_depth, const std::atomic<bool>* cancel) {
  JsonShape shape;
  auto observe = [&](std::string_view text) -> Status {
    auto v = nlohmann::json::parse(text, nullptr, false);
    if (v.is_discarded()) {
      return Status::Corruption("column " + m.name + ": invalid JSON value");
    }
    shape.Observe(v, 0, max_depth);
    return Status::OK();
  };
  if (r->has_ids() && r->dictionary() != nullptr) {
    const segment::Dictionary* d = r->dictionary();
    for (uint32_t i = 0; i < d->size(); ++i) PE_RETURN_IF_ERROR(observe(d->GetBytes(i)));
    return shape;
  }
  ColumnBatch b;
  PE_RETURN_IF_ERROR(InBatches(
      0, docs, cancel, [&](uint32_t doc, uint32_t k) { return r->ReadValues(doc, k, &b); },
      [&](uint32_t, uint32_t k) {
        for (uint32_t i = 0; i < k; ++i) {
          if (b.nulls.empty() || !b.nulls[i]) PE_RETURN_IF_ERROR(observe(b.binary(i)));
        }
        return Status::OK();
      }));
  return shape;
}

// Rows [first, first + n) of a shaped JSON column into its group's leaves.
Status WriteShaped(const ColumnMeta& m, const JsonShape& shape, segment::ColumnReader* r,
                   uint32_t first, uint32_t n, int first_leaf, parquet::FileWriter* w,
                   const std::atomic<bool>* cancel) {
  JsonShredder sh(ShapeLeaves(shape));
  ColumnBatch b;
  PE_RETURN_IF_ERROR(InBatches(
      first, n, cancel, [&](uint32_t doc, uint32_t k) { return r->ReadValues(doc, k, &b); },
      [&](uint32_t doc, uint32_t k) {
        for (uint32_t i = 0; i < k; ++i) {
          std::string_view v;
          const bool null = !b.nulls.empty() && b.nulls[i];
          if (!null) v = b.binary(i);
          Status s = sh.Add(null ? nullptr : &v);
          if (!s.ok()) return s.WithContext("column " + m.name + " doc " + std::to_string(doc + i));
        }
        return Status::OK();
      }));
  return sh.Flush(w, first_leaf);
}

}  // namespace

Result<std::vector<ColumnSchema>> MapSchema(const segment::SegmentMeta& seg,
                                            const std::vector<const ColumnMeta*>& cols,
                                            const Options& o) {
  if (o.decimal_precision < 0 || o.decimal_precision > 38) {
    return Status::InvalidArgument("decimal precision must be 1..38, not " +
                                   std::to_string(o.decimal_precision));
  }
  if (o.decimal_precision > 0 && (o.decimal_scale < 0 || o.decimal_scale > o.decimal_precision)) {
    return Status::InvalidArgument("decimal scale must be 0..precision (" +
                                   std::to_string(o.decimal_precision) + "), not " +
                                   std::to_string(o.decimal_scale));
  }
  if (o.json_max_depth < -1) {
    return Status::InvalidArgument("json max depth must be >= 0, not " +
                                   std::to_string(o.json_max_depth));
  }
  std::vector<ColumnSchema> out;
  for (const ColumnMeta* c : cols) {
    if (!c->unsupported.empty()) return Status::NotSupported(c->unsupported);
    PE_ASSIGN_OR_RETURN(ColumnSchema s, MapColumn(*c, o));
    out.push_back(std::move(s));
  }
  (void)seg;
  return out;
}

Result<Summary> ConvertSegment(const segment::Segment& seg, parquet::OutputSink* sink,
                               const Options& o, const std::atomic<bool>* cancel) {
  auto t0 = std::chrono::steady_clock::now();
  PE_RETURN_IF_ERROR(CheckCancel(cancel));
  const segment::SegmentMeta& m = seg.meta();
  std::vector<const ColumnMeta*> cols;
  if (o.columns.empty()) {
    for (const auto& c : m.columns) cols.push_back(&c);
  } else {
    for (const auto& n : o.columns) {
      const ColumnMeta* c = m.FindColumn(n);
      if (!c) return Status::InvalidArgument("segment " + m.name + " has no column '" + n + "'");
      cols.push_back(c);
    }
  }
  PE_ASSIGN_OR_RETURN(auto schema, MapSchema(m, cols, o));
  std::vector<std::unique_ptr<segment::ColumnReader>> readers;
  double row_bytes = 0;
  for (const ColumnMeta* c : cols) {
    PE_ASSIGN_OR_RETURN(auto r, seg.OpenColumn(c->name));
    readers.push_back(std::move(r));
    row_bytes += RowBytes(seg, *c, o);
  }
  // json.maxDepth: single-value JSON columns whose values are objects become groups.
  std::vector<std::optional<JsonShape>> shapes(cols.size());
  std::vector<int> first_leaf(cols.size());
  int leaves = 0;
  for (size_t c = 0; c < cols.size(); ++c) {
    first_leaf[c] = leaves;
    if (o.json_max_depth >= 1 && cols[c]->data_type == DataType::kJson && cols[c]->single_value) {
      PE_ASSIGN_OR_RETURN(JsonShape sh, InferShape(*cols[c], readers[c].get(), m.total_docs,
                                                   o.json_max_depth, cancel));
      if (sh.kind == JsonShape::kObject && !sh.fields.empty() && sh.NumLeaves() <= kMaxJsonLeaves) {
        schema[c] = ShapeSchema(cols[c]->name, sh);
        shapes[c] = std::move(sh);
      }
    }
    leaves += shapes[c] ? int(shapes[c]->NumLeaves()) : 1;
  }
  parquet::WriterOptions wo = WriterOptionsFor(o);
  wo.key_values = {{"pinot.table", m.table},
                   {"pinot.segment.name", m.name},
                   {"pinot.segment.totalDocs", std::to_string(m.total_docs)}};
  if (!m.time_column.empty()) wo.key_values.push_back({"pinot.segment.timeColumn", m.time_column});
  if (m.start_time_ms)
    wo.key_values.push_back({"pinot.segment.startTimeMs", std::to_string(*m.start_time_ms)});
  if (m.end_time_ms)
    wo.key_values.push_back({"pinot.segment.endTimeMs", std::to_string(*m.end_time_ms)});
  if (m.crc) wo.key_values.push_back({"pinot.segment.crc", std::to_string(*m.crc)});
  if (m.creation_time_ms)
    wo.key_values.push_back({"pinot.segment.creationTimeMs", std::to_string(*m.creation_time_ms)});
  PE_ASSIGN_OR_RETURN(auto w, parquet::FileWriter::Open(sink, schema, wo));

  const uint32_t total = m.total_docs;
  uint64_t rows_per_group = uint64_t(double(o.row_group_bytes) / std::max(1.0, row_bytes));
  rows_per_group = std::clamp<uint64_t>(rows_per_group, 1, std::max<uint32_t>(total, 1));
  Summary sum;
  for (uint64_t first = 0; first < total; first += rows_per_group) {
    PE_RETURN_IF_ERROR(CheckCancel(cancel));
    uint32_t n = uint32_t(std::min<uint64_t>(rows_per_group, total - first));
    bool whole = first == 0 && n == total;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (shapes[c]) {
        PE_RETURN_IF_ERROR(WriteShaped(*cols[c], *shapes[c], readers[c].get(), uint32_t(first), n,
                                       first_leaf[c], w.get(), cancel));
        continue;
      }
      ColumnStreamer cs(*cols[c], schema[c], o, first_leaf[c], readers[c].get(), w.get(), cancel);
      Status s = cs.Write(uint32_t(first), n, whole);
      if (!s.ok()) return s;
    }
    PE_RETURN_IF_ERROR(w->FlushRowGroup());
    seg.ReleaseResidentPages();  // memory stays bounded by the row group, not the segment
    if (o.progress) o.progress(first + n, total);
  }
  PE_RETURN_IF_ERROR(CheckCancel(cancel));
  PE_RETURN_IF_ERROR(w->Close());
  sum.rows = total;
  sum.row_groups = w->num_row_groups();
  sum.metrics = w->metrics();
  sum.bytes = uint64_t(sum.metrics.file_bytes);
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

Result<Summary> ConvertSegment(const segment::Segment& seg, const std::string& out_path,
                               const Options& o, const std::atomic<bool>* cancel) {
  PE_ASSIGN_OR_RETURN(std::unique_ptr<parquet::LocalFileSink> sink,
                      parquet::LocalFileSink::Create(out_path));
  PE_ASSIGN_OR_RETURN(Summary sum, ConvertSegment(seg, sink.get(), o, cancel));
  PE_RETURN_IF_ERROR(sink->Commit());
  return sum;
}

}  // namespace pe::convert
