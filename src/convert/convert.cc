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

using Conversion = ColumnTarget::Conversion;

// PLAIN bytes of one value of a fixed-width physical type (0 for byte arrays).
int PlainWidth(PhysicalType t) {
  switch (t) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8;
    default:
      return 0;
  }
}

// kScaleToMicros: v * multiplier, or kInvalidArgument naming the column and the value when the
// product does not fit 64 bits (it must never wrap).
Status ScaleValue(const ColumnMeta& m, int64_t multiplier, int64_t* v) {
  int64_t out;
  if (__builtin_mul_overflow(*v, multiplier, &out)) {
    return Status::InvalidArgument("column " + m.name + ": value " + std::to_string(*v) + " * " +
                                   std::to_string(multiplier) +
                                   " does not fit a 64-bit microsecond timestamp");
  }
  *v = out;
  return Status::OK();
}

// A BIG_DECIMAL as the unscaled value of DECIMAL(P,S) on INT32 / INT64 (`width` 4 or 8 bytes:
// Iceberg spec Appendix A stores P <= 9 as int32, P <= 18 as int64).
Status DecimalUnscaled(const ColumnMeta& m, std::string_view pinot, int precision, int scale,
                       int width, int64_t* out) {
  std::string be;
  PE_RETURN_IF_ERROR(
      ToDecimalBytes(pinot, precision, scale, width, &be).WithContext("column " + m.name));
  uint64_t u = uint8_t(be[0]) & 0x80 ? ~uint64_t(0) : 0;  // sign extension
  for (char c : be) u = (u << 8) | uint8_t(c);
  *out = int64_t(u);
  return Status::OK();
}

// One column of one row group: reads batches and hands them to the writer. `conv` and
// `multiplier` are the target's conversion (kAsIs without a target); the values are converted
// into the writer's type `s` — for dictionary-encoded columns on the (small) dictionary, never per
// row. Every conversion here keeps the dictionary's order (widening, multiplying by a positive
// constant, rescaling decimals), and the writer ranks a dictionary out of order anyway.
class ColumnStreamer {
 public:
  ColumnStreamer(const ColumnMeta& m, const ColumnSchema& s, const Options& o, int col,
                 segment::ColumnReader* r, parquet::FileWriter* w, const std::atomic<bool>* cancel,
                 Conversion conv = Conversion::kAsIs, int64_t multiplier = 1)
      : m_(m),
        s_(s),
        o_(o),
        col_(col),
        r_(r),
        w_(w),
        cancel_(cancel),
        conv_(conv),
        multiplier_(multiplier) {
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
      return int64_t(dn) * PlainWidth(s_.type);
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

  // The batch's null flags: given to the writer even for a REQUIRED target column, which then
  // fails on the first null instead of writing Pinot's default value.
  const uint8_t* Nulls(const ColumnBatch& b) const {
    return !b.nulls.empty() ? b.nulls.data() : nullptr;
  }

  bool Scaled() const { return conv_ == Conversion::kScaleToMicros && multiplier_ != 1; }
  // BIG_DECIMAL as DECIMAL on INT32 / INT64.
  bool IntDecimal() const {
    return m_.data_type == DataType::kBigDecimal && s_.logical.kind == LogicalType::kDecimal &&
           (s_.type == PhysicalType::kInt32 || s_.type == PhysicalType::kInt64);
  }

  // Values v[0, n) in the writer's type: int32 -> int64 / float -> double widening, scaling, or
  // the values themselves.
  Status WriteInt32s(uint32_t rows, const int32_t* v, size_t n, const uint8_t* nulls,
                     const uint32_t* offs) {
    if (s_.type != PhysicalType::kInt64) return w_->WriteInt32(col_, rows, v, nulls, offs);
    wide_i64_.assign(v, v + n);
    return w_->WriteInt64(col_, rows, wide_i64_.data(), nulls, offs);
  }
  Status WriteInt64s(uint32_t rows, const int64_t* v, size_t n, const uint8_t* nulls,
                     const uint32_t* offs) {
    if (!Scaled()) return w_->WriteInt64(col_, rows, v, nulls, offs);
    wide_i64_.assign(v, v + n);
    for (auto& x : wide_i64_) PE_RETURN_IF_ERROR(ScaleValue(m_, multiplier_, &x));
    return w_->WriteInt64(col_, rows, wide_i64_.data(), nulls, offs);
  }
  Status WriteFloats(uint32_t rows, const float* v, size_t n, const uint8_t* nulls,
                     const uint32_t* offs) {
    if (s_.type != PhysicalType::kDouble) return w_->WriteFloat(col_, rows, v, nulls, offs);
    wide_f64_.assign(v, v + n);
    return w_->WriteDouble(col_, rows, wide_f64_.data(), nulls, offs);
  }
  // Values in the writer's store after dropping null rows.
  static size_t Count(const ColumnBatch& b, const uint8_t* nulls, const uint32_t* offs,
                      size_t compacted) {
    if (offs) return offs[b.num_docs];
    return nulls ? compacted : b.num_docs;
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
      case DataType::kInt: {
        const int32_t* v = Compact(b, b.i32, &i32_);
        return WriteInt32s(b.num_docs, v, Count(b, nulls, offs, i32_.size()), nulls, offs);
      }
      case DataType::kBoolean: {
        const int32_t* v = Compact(b, b.i32, &i32_);
        size_t nv = offs ? offs[b.num_docs] : (nulls ? i32_.size() : b.num_docs);
        bool_.resize(nv);
        for (size_t i = 0; i < nv; ++i) bool_[i] = v[i] != 0;
        return w_->WriteBoolean(col_, b.num_docs, bool_.data(), nulls, offs);
      }
      case DataType::kLong:
      case DataType::kTimestamp: {
        const int64_t* v = Compact(b, b.i64, &i64_);
        return WriteInt64s(b.num_docs, v, Count(b, nulls, offs, i64_.size()), nulls, offs);
      }
      case DataType::kFloat: {
        const float* v = Compact(b, b.f32, &f32_);
        return WriteFloats(b.num_docs, v, Count(b, nulls, offs, f32_.size()), nulls, offs);
      }
      case DataType::kDouble:
        return w_->WriteDouble(col_, b.num_docs, Compact(b, b.f64, &f64_), nulls, offs);
      default:
        break;
    }
    if (IntDecimal()) {
      i64_.clear();
      for (uint32_t i = 0; i < b.num_docs; ++i) {
        if (nulls && nulls[i]) continue;
        const uint32_t k0 = b.offsets.empty() ? i : b.offsets[i];
        const uint32_t k1 = b.offsets.empty() ? i + 1 : b.offsets[i + 1];
        for (uint32_t k = k0; k < k1; ++k) {
          int64_t x;
          PE_RETURN_IF_ERROR(DecimalUnscaled(m_, b.binary(k), s_.logical.precision,
                                             s_.logical.scale, PlainWidth(s_.type), &x));
          i64_.push_back(x);
        }
      }
      if (s_.type == PhysicalType::kInt64) {
        return w_->WriteInt64(col_, b.num_docs, i64_.data(), nulls, offs);
      }
      i32_.assign(i64_.begin(), i64_.end());
      return w_->WriteInt32(col_, b.num_docs, i32_.data(), nulls, offs);
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
    // Scaling can fail on a value no row holds (the default value Pinot stores for null rows,
    // e.g. Long.MIN_VALUE): only the entries non-null rows use are converted.
    const bool skip_nulls = Scaled() && m_.has_null_vector;
    if (skip_nulls) whole_segment = false;
    if (!whole_segment && m_.forward == segment::ForwardKind::kDictSorted && !skip_nulls) {
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
              if (!b_.nulls.empty() && b_.nulls[i]) continue;
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
        if (s_.type == PhysicalType::kInt64) {  // kIntToLong
          i64_.resize(dn);
          for (uint32_t k = 0; k < dn; ++k) i64_[k] = d->GetInt(pinot_id(k));
          PE_RETURN_IF_ERROR(w_->SetDictionaryInt64(col_, i64_.data(), dn));
          break;
        }
        i32_.resize(dn);
        for (uint32_t k = 0; k < dn; ++k) i32_[k] = d->GetInt(pinot_id(k));
        PE_RETURN_IF_ERROR(w_->SetDictionaryInt32(col_, i32_.data(), dn));
        break;
      }
      case DataType::kLong:
      case DataType::kTimestamp: {
        i64_.resize(dn);
        for (uint32_t k = 0; k < dn; ++k) i64_[k] = d->GetLong(pinot_id(k));
        if (Scaled()) {
          for (auto& x : i64_) PE_RETURN_IF_ERROR(ScaleValue(m_, multiplier_, &x));
        }
        PE_RETURN_IF_ERROR(w_->SetDictionaryInt64(col_, i64_.data(), dn));
        break;
      }
      case DataType::kFloat: {
        if (s_.type == PhysicalType::kDouble) {  // kFloatToDouble
          f64_.resize(dn);
          for (uint32_t k = 0; k < dn; ++k) f64_[k] = d->GetFloat(pinot_id(k));
          PE_RETURN_IF_ERROR(w_->SetDictionaryDouble(col_, f64_.data(), dn));
          break;
        }
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
        if (IntDecimal()) {
          i64_.resize(dn);
          for (uint32_t k = 0; k < dn; ++k) {
            PE_RETURN_IF_ERROR(DecimalUnscaled(m_, d->GetBytes(pinot_id(k)), s_.logical.precision,
                                               s_.logical.scale, PlainWidth(s_.type), &i64_[k]));
          }
          if (s_.type == PhysicalType::kInt64) {
            PE_RETURN_IF_ERROR(w_->SetDictionaryInt64(col_, i64_.data(), dn));
          } else {
            i32_.assign(i64_.begin(), i64_.end());
            PE_RETURN_IF_ERROR(w_->SetDictionaryInt32(col_, i32_.data(), dn));
          }
          break;
        }
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
  Conversion conv_;
  int64_t multiplier_;
  ColumnBatch b_;
  std::vector<int32_t> i32_;
  std::vector<int64_t> i64_, wide_i64_;
  std::vector<double> wide_f64_;
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

// A shaped JSON column: its shape, and for a target's struct (strict) what to do with keys the
// struct does not have.
struct Shaped {
  JsonShape shape;
  bool strict = false;  // kJsonToStruct
  bool warned = false;  // the column's one unknown-key warning was given
};

// Rows [first, first + n) of a shaped JSON column into its group's leaves.
Status WriteShaped(const ColumnMeta& m, Shaped* shaped, segment::ColumnReader* r, uint32_t first,
                   uint32_t n, int first_leaf, parquet::FileWriter* w, const Options& o,
                   const std::atomic<bool>* cancel) {
  JsonShredder sh(shaped->shape, shaped->strict);
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
          if (sh.unknown_key().empty()) continue;
          if (o.json_unknown_keys_fail) {
            return Status::InvalidArgument("column " + m.name + " doc " + std::to_string(doc + i) +
                                           ": JSON key '" + sh.unknown_key() +
                                           "' is not a field of the table's struct");
          }
          if (!shaped->warned) {
            shaped->warned = true;
            if (o.warn) {
              o.warn("column '" + m.name + "': dropped unknown JSON key '" + sh.unknown_key() +
                     "' (first at doc " + std::to_string(doc + i) + ")");
            }
          }
        }
        return Status::OK();
      }));
  return sh.Flush(w, first_leaf);
}

int CountLeaves(const ColumnSchema& s) {
  if (s.fields.empty()) return 1;
  int n = 0;
  for (const auto& f : s.fields) n += CountLeaves(f);
  return n;
}

// Checks that target `t` can be written from column `m` (null for kNull) with its conversion:
// the source type the conversion reads, the Parquet type it writes, SV/MV against list.
// Errors: kInvalidArgument "target column '<name>': ...".
Status CheckTarget(const ColumnMeta* m, const ColumnTarget& t) {
  const ColumnSchema& s = t.schema;
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("target column '" + s.name + "': " + why);
  };
  if (t.conversion == Conversion::kNull) {
    if (!s.optional) return bad("all-null but not optional");
    return Status::OK();
  }
  if (!m->unsupported.empty()) return Status::NotSupported(m->unsupported);
  const std::string from = std::string("Pinot ") + segment::DataTypeName(m->data_type) +
                           (m->single_value ? "" : " multi-value") + " column '" + m->name + "'";
  if (t.conversion == Conversion::kJsonToStruct) {
    if (m->data_type != DataType::kJson || !m->single_value) return bad(from + " is not JSON");
    if (s.list || s.fields.empty()) return bad("a JSON struct target must be a group");
    return Status::OK();
  }
  if (!s.fields.empty()) return bad(from + " cannot fill a group");
  if (s.list == m->single_value) {
    return bad(from + (s.list ? " is single-value but the target is a list"
                              : " is multi-value but the target is not a list"));
  }
  auto want = [&](bool source_ok, PhysicalType type) -> Status {
    if (!source_ok) return bad(from + " cannot be converted this way");
    if (s.type != type) {
      return bad(from + " is written as " + parquet::PhysicalTypeName(type) + ", not " +
                 parquet::PhysicalTypeName(s.type));
    }
    return Status::OK();
  };
  const DataType d = m->data_type;
  switch (t.conversion) {
    case Conversion::kAsIs: {
      if (d == DataType::kBigDecimal) return bad(from + ": use kDecimal or kDecimalText");
      PE_ASSIGN_OR_RETURN(ColumnSchema def, MapColumn(*m, Options()));
      PE_RETURN_IF_ERROR(want(true, def.type));
      if (s.type_length != def.type_length) return bad("FIXED_LEN_BYTE_ARRAY length differs");
      return Status::OK();
    }
    case Conversion::kIntToLong:
      return want(d == DataType::kInt, PhysicalType::kInt64);
    case Conversion::kFloatToDouble:
      return want(d == DataType::kFloat, PhysicalType::kDouble);
    case Conversion::kScaleToMicros:
      if (t.multiplier < 1) return bad("multiplier must be positive");
      return want(d == DataType::kLong || d == DataType::kTimestamp, PhysicalType::kInt64);
    case Conversion::kDecimalText:
      return want(d == DataType::kBigDecimal, PhysicalType::kByteArray);
    case Conversion::kDecimal: {
      if (d != DataType::kBigDecimal) return bad(from + " is not BIG_DECIMAL");
      const int p = s.logical.precision, sc = s.logical.scale;
      if (s.logical.kind != LogicalType::kDecimal || p < 1 || p > kMaxDecimalPrecision || sc < 0 ||
          sc > p) {
        return bad("not a DECIMAL(P,S) with 1 <= P <= 38, 0 <= S <= P");
      }
      // Iceberg spec Appendix A: P <= 9 on INT32, P <= 18 on INT64, else the minimum FIXED.
      const bool ok = (s.type == PhysicalType::kInt32 && p <= 9) ||
                      (s.type == PhysicalType::kInt64 && p <= 18) ||
                      (s.type == PhysicalType::kFixedLenByteArray &&
                       s.type_length >= DecimalBytes(p) && s.type_length <= 16);
      if (!ok)
        return bad("DECIMAL(" + std::to_string(p) + "," + std::to_string(sc) + ") on " +
                   parquet::PhysicalTypeName(s.type) + " cannot hold its precision");
      return Status::OK();
    }
    default:
      break;
  }
  return bad("unknown conversion");
}

// Appends the leaf schemas of `s` (depth-first).
void LeafSchemas(const ColumnSchema& s, std::vector<const ColumnSchema*>* out) {
  if (s.fields.empty()) {
    out->push_back(&s);
    return;
  }
  for (const auto& f : s.fields) LeafSchemas(f, out);
}

// kNull: n null rows of column `s` (its leaves from `first_leaf`): a null row, a null list, or a
// null group (every leaf at definition level 0).
Status WriteNulls(const ColumnSchema& s, int first_leaf, uint32_t n, parquet::FileWriter* w) {
  static const uint32_t kNoValues[1] = {0};  // value offsets of zero byte-array values
  static const int64_t kNoFixed[1] = {0};    // never read: no value is written
  const std::vector<uint8_t> zeros(n, 0), ones(n, 1);
  if (!s.fields.empty()) {
    std::vector<const ColumnSchema*> leaves;
    LeafSchemas(s, &leaves);
    for (size_t i = 0; i < leaves.size(); ++i) {
      const int col = first_leaf + int(i);
      const uint8_t* defs = zeros.data();
      switch (leaves[i]->type) {
        case PhysicalType::kInt32:
          PE_RETURN_IF_ERROR(
              w->WriteLeafInt32(col, n, reinterpret_cast<const int32_t*>(kNoFixed), defs));
          break;
        case PhysicalType::kInt64:
          PE_RETURN_IF_ERROR(w->WriteLeafInt64(col, n, kNoFixed, defs));
          break;
        case PhysicalType::kFloat:
          PE_RETURN_IF_ERROR(
              w->WriteLeafFloat(col, n, reinterpret_cast<const float*>(kNoFixed), defs));
          break;
        case PhysicalType::kDouble:
          PE_RETURN_IF_ERROR(
              w->WriteLeafDouble(col, n, reinterpret_cast<const double*>(kNoFixed), defs));
          break;
        case PhysicalType::kBoolean:
          PE_RETURN_IF_ERROR(w->WriteLeafBoolean(col, n, zeros.data(), defs));
          break;
        default:
          PE_RETURN_IF_ERROR(w->WriteLeafByteArray(col, n, kNoValues, "", defs));
          break;
      }
    }
    return Status::OK();
  }
  std::vector<uint32_t> offs;
  if (s.list) offs.assign(size_t(n) + 1, 0);
  const uint32_t* o = s.list ? offs.data() : nullptr;
  switch (s.type) {
    case PhysicalType::kInt32:
      return w->WriteInt32(first_leaf, n, reinterpret_cast<const int32_t*>(kNoFixed), ones.data(),
                           o);
    case PhysicalType::kInt64:
      return w->WriteInt64(first_leaf, n, kNoFixed, ones.data(), o);
    case PhysicalType::kFloat:
      return w->WriteFloat(first_leaf, n, reinterpret_cast<const float*>(kNoFixed), ones.data(), o);
    case PhysicalType::kDouble:
      return w->WriteDouble(first_leaf, n, reinterpret_cast<const double*>(kNoFixed), ones.data(),
                            o);
    case PhysicalType::kBoolean:
      return w->WriteBoolean(first_leaf, n, zeros.data(), ones.data(), o);
    default:
      return w->WriteByteArray(first_leaf, n, kNoValues, "", ones.data(), o);
  }
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
  // Output columns: the target's (a null source for kNull), else the segment's or `columns`.
  std::vector<const ColumnMeta*> cols;
  std::vector<ColumnSchema> schema;
  std::vector<std::optional<Shaped>> shapes;
  if (!o.target.empty()) {
    for (const ColumnTarget& t : o.target) {
      const ColumnMeta* c = nullptr;
      if (t.conversion != Conversion::kNull) {
        c = m.FindColumn(t.source);
        if (!c) {
          return Status::InvalidArgument("segment " + m.name + " has no column '" + t.source + "'");
        }
      }
      PE_RETURN_IF_ERROR(CheckTarget(c, t));
      cols.push_back(c);
      schema.push_back(t.schema);
      shapes.emplace_back();
      if (t.conversion == Conversion::kJsonToStruct) {
        PE_ASSIGN_OR_RETURN(JsonShape sh, TargetShape(t.schema));
        shapes.back() = Shaped{std::move(sh), true};
      }
    }
  } else {
    if (o.columns.empty()) {
      for (const auto& c : m.columns) cols.push_back(&c);
    } else {
      for (const auto& n : o.columns) {
        const ColumnMeta* c = m.FindColumn(n);
        if (!c) return Status::InvalidArgument("segment " + m.name + " has no column '" + n + "'");
        cols.push_back(c);
      }
    }
    PE_ASSIGN_OR_RETURN(schema, MapSchema(m, cols, o));
    shapes.resize(cols.size());
  }
  std::vector<std::unique_ptr<segment::ColumnReader>> readers;
  double row_bytes = 0;
  for (const ColumnMeta* c : cols) {
    if (!c) {  // kNull: definition levels only
      readers.emplace_back();
      row_bytes += 0.125;
      continue;
    }
    PE_ASSIGN_OR_RETURN(auto r, seg.OpenColumn(c->name));
    readers.push_back(std::move(r));
    row_bytes += RowBytes(seg, *c, o);
  }
  // json.maxDepth: single-value JSON columns whose values are objects become groups.
  std::vector<int> first_leaf(cols.size());
  int leaves = 0;
  for (size_t c = 0; c < cols.size(); ++c) {
    first_leaf[c] = leaves;
    if (o.target.empty() && o.json_max_depth >= 1 && cols[c]->data_type == DataType::kJson &&
        cols[c]->single_value) {
      PE_ASSIGN_OR_RETURN(JsonShape sh, InferShape(*cols[c], readers[c].get(), m.total_docs,
                                                   o.json_max_depth, cancel));
      if (sh.kind == JsonShape::kObject && !sh.fields.empty() && sh.NumLeaves() <= kMaxJsonLeaves) {
        schema[c] = ShapeSchema(cols[c]->name, sh);
        shapes[c] = Shaped{std::move(sh)};
      }
    }
    leaves += CountLeaves(schema[c]);
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
      if (!cols[c]) {
        PE_RETURN_IF_ERROR(WriteNulls(schema[c], first_leaf[c], n, w.get()));
        continue;
      }
      if (shapes[c]) {
        PE_RETURN_IF_ERROR(WriteShaped(*cols[c], &*shapes[c], readers[c].get(), uint32_t(first), n,
                                       first_leaf[c], w.get(), o, cancel));
        continue;
      }
      const ColumnTarget* t = o.target.empty() ? nullptr : &o.target[c];
      ColumnStreamer cs(*cols[c], schema[c], o, first_leaf[c], readers[c].get(), w.get(), cancel,
                        t ? t->conversion : Conversion::kAsIs, t ? t->multiplier : 1);
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
