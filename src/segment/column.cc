// ColumnReader: dictionary + forward index (+ null vector) of one column.
//
// Null vectors (NullValueVectorReaderImpl; v1 <col>.bitmap.nullvalue, v3 nullvalue_vector):
// a RoaringBitmap in portable format (LE) of the null doc ids, written only if the column has a
// null. The forward index still stores the column's defaultNullValue for those docs.
#include <roaring/roaring.h>

#include <algorithm>

#include "segment/segment_internal.h"

namespace pe::segment {

namespace {

struct RoaringDeleter {
  void operator()(roaring_bitmap_t* b) const { roaring_bitmap_free(b); }
};

class ColumnReaderImpl final : public ColumnReader {
 public:
  const ColumnMeta& meta() const override { return meta_; }
  const Dictionary* dictionary() const override { return dict_.get(); }
  bool has_ids() const override { return meta_.dict_encoded || rebuilt_; }

  Status ReadIds(uint32_t first, uint32_t n, ColumnBatch* out) override {
    if (!has_ids())
      return Status::InvalidArgument("column " + meta_.name + " is not dictionary-encoded");
    PE_RETURN_IF_ERROR(Check(first, n));
    out->Clear();
    out->first_doc = first;
    out->num_docs = n;
    PE_RETURN_IF_ERROR(fwd_->Read(first, n, out));
    FillNulls(first, n, out);
    return Status::OK();
  }

  Status ReadValues(uint32_t first, uint32_t n, ColumnBatch* out) override {
    PE_RETURN_IF_ERROR(Check(first, n));
    out->Clear();
    out->first_doc = first;
    out->num_docs = n;
    PE_RETURN_IF_ERROR(fwd_->Read(first, n, out));
    if (has_ids()) {
      PE_RETURN_IF_ERROR(CheckGather(*out));
      dict_->Gather(out->ids.data(), out->ids.size(), out);
      out->ids.clear();
    }
    if (meta_.stored_type == StoredType::kBinary && out->bin_offsets.empty()) {
      out->bin_offsets.push_back(0);
    }
    FillNulls(first, n, out);
    return Status::OK();
  }

  // The batch size limit (segment.h) for the values the ids in `out` look up: dictionary values
  // repeat, so a small forward index can name far more bytes than it holds.
  Status CheckGather(const ColumnBatch& out) const {
    const size_t n = out.ids.size();
    if (!meta_.single_value) {
      const int w = FixedWidth(meta_.stored_type);
      PE_RETURN_IF_ERROR(CheckBatchBytes(meta_, out, uint64_t(n) * (w ? w : 4), "values"));
    }
    if (meta_.stored_type != StoredType::kBinary) return Status::OK();
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; ++i) bytes += dict_->GetBytes(out.ids[i]).size();
    return CheckBatchBytes(meta_, out, bytes, "binary data");
  }

  Status Check(uint32_t first, uint32_t n) const {
    if (uint64_t(first) + n > total_docs_) {
      return Status::InvalidArgument("column " + meta_.name + ": docs [" + std::to_string(first) +
                                     ", " + std::to_string(uint64_t(first) + n) +
                                     ") past total docs " + std::to_string(total_docs_));
    }
    return Status::OK();
  }

  void FillNulls(uint32_t first, uint32_t n, ColumnBatch* out) const {
    if (!nulls_) return;
    out->nulls.assign(n, 0);
    roaring_uint32_iterator_t it;
    roaring_init_iterator(nulls_.get(), &it);
    if (!roaring_move_uint32_iterator_equalorlarger(&it, first)) return;
    while (it.has_value && it.current_value < first + n) {
      out->nulls[it.current_value - first] = 1;
      roaring_advance_uint32_iterator(&it);
    }
  }

  ColumnMeta meta_;
  uint32_t total_docs_ = 0;
  bool rebuilt_ = false;
  std::unique_ptr<Dictionary> dict_;
  std::unique_ptr<ForwardReader> fwd_;
  std::unique_ptr<roaring_bitmap_t, RoaringDeleter> nulls_;
};

}  // namespace

Status CheckBatchBytes(const ColumnMeta& m, const ColumnBatch& out, uint64_t bytes,
                       const char* what) {
  const uint64_t limit = std::min(out.max_bytes, ColumnBatch::kMaxBytes);
  if (bytes <= limit) return Status::OK();
  return Status::InvalidArgument("column " + m.name + ": docs [" + std::to_string(out.first_doc) +
                                 ", " + std::to_string(uint64_t(out.first_doc) + out.num_docs) +
                                 ") hold more than " + std::to_string(limit) + " bytes of " + what +
                                 ", the most one batch can hold (32-bit offsets): read fewer docs");
}

Result<std::unique_ptr<ColumnReader>> OpenColumnReader(const SegmentMeta& seg, const ColumnMeta& m,
                                                       const IndexStore& store, char pad) {
  std::unique_ptr<ColumnReaderImpl> r(new ColumnReaderImpl());
  r->meta_ = m;
  r->total_docs_ = seg.total_docs;  // rows; the index files cover seg.index_docs()
  ColumnMeta& meta = r->meta_;
  const std::string what = "column " + m.name;
  if (!m.unsupported.empty()) return Status::NotSupported(m.unsupported);
  if (m.has_dictionary || m.dict_encoded) {
    PE_ASSIGN_OR_RETURN(auto d, store.Find(m.name, kDictionary));
    if (d) {
      PE_ASSIGN_OR_RETURN(r->dict_, OpenDictionary(meta, *d, pad));
    } else if (m.dict_encoded && seg.index_docs() > 0) {
      return Status::Corruption(what +
                                ": dictionary-encoded but the segment has no dictionary for it");
    }
  }
  std::string suffix;
  PE_ASSIGN_OR_RETURN(auto fwd, store.FindForward(m.name, &suffix));
  if (seg.index_docs() == 0) {
    // Empty segment: no index data is required.
  } else if (fwd) {
    // v1 file names say which kind it is; v3 relies on the metadata (forwardIndexEncoding).
    bool raw = !m.dict_encoded;
    if (!suffix.empty()) raw = suffix.find(".raw.") != std::string::npos;
    if (!suffix.empty() && suffix == ".sv.sorted.fwd") meta.sorted = true;
    if (raw) {
      meta.dict_encoded = false;
      PE_ASSIGN_OR_RETURN(r->fwd_, OpenRawForward(meta, seg.index_docs(), *fwd, &meta.forward,
                                                  &meta.raw_version, &meta.codec));
    } else {
      if (!r->dict_)
        return Status::Corruption(what + ": dictionary-encoded forward index without a dictionary");
      PE_ASSIGN_OR_RETURN(r->fwd_, OpenDictForward(meta, seg.index_docs(), *fwd, &meta.forward));
    }
  } else {
    PE_ASSIGN_OR_RETURN(auto inv, store.Find(m.name, kInvertedIndex));
    if (!r->dict_ || !inv) {
      return Status::NotSupported(what +
                                  ": forward index is disabled and there is no dictionary + "
                                  "inverted index to rebuild it from");
    }
    PE_ASSIGN_OR_RETURN(r->fwd_, OpenRebuiltForward(meta, seg.index_docs(), *inv));
    meta.forward = ForwardKind::kRebuiltInverted;
    r->rebuilt_ = true;
  }
  PE_ASSIGN_OR_RETURN(auto nv, store.Find(m.name, kNullVector));
  if (nv && !nv->empty()) {
    roaring_bitmap_t* b = roaring_bitmap_portable_deserialize_safe(
        reinterpret_cast<const char*>(nv->data()), nv->size());
    if (!b) return Status::Corruption(what + ": null value vector is not a valid Roaring bitmap");
    r->nulls_.reset(b);
    meta.has_null_vector = true;
    meta.null_count = roaring_bitmap_get_cardinality(b);
    if (meta.null_count > 0 && roaring_bitmap_maximum(b) >= seg.index_docs()) {
      return Status::Corruption(what + ": null value vector names a doc past total docs");
    }
  }
  if (seg.index_docs() > 0 && !r->fwd_) return Status::Corruption(what + ": no forward index");
  return std::unique_ptr<ColumnReader>(std::move(r));
}

}  // namespace pe::segment
