// fileFormat.parquet.*: the one parser of the export's Parquet options (convert.h SetOption),
// used by the DataExportTask config (task/config.cc) and by `pinot-export convert`'s flags.
#include <cctype>
#include <charconv>
#include <optional>
#include <string>

#include "convert/convert.h"

namespace pe::convert {

namespace {

Status Bad(std::string_view key, std::string_view value, const std::string& why) {
  return Status::InvalidArgument(std::string(key) + " = '" + std::string(value) + "': " + why);
}

// The whole string as a decimal integer (an optional '-', then digits; nothing else).
std::optional<int64_t> WholeInt(std::string_view v) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return n;
}

// Parses `value` as an integer in [lo, hi] into *out.
template <typename T>
Status IntIn(std::string_view key, std::string_view value, int64_t lo, int64_t hi, T* out) {
  auto n = WholeInt(value);
  if (!n || *n < lo || *n > hi) {
    return Bad(key, value,
               "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  *out = T(*n);
  return Status::OK();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

Status SetOption(Options* o, std::string_view key, std::string_view value) {
  if (key.substr(0, kOptionPrefix.size()) != kOptionPrefix) {
    return Status::NotFound("not a " + std::string(kOptionPrefix) +
                            "* option: " + std::string(key));
  }
  const std::string_view k = key.substr(kOptionPrefix.size());
  if (k == "compressionCodec") {
    auto codec = parquet::ParseCodec(value);
    if (!codec.ok()) return Bad(key, value, "expected SNAPPY, GZIP, ZSTD or UNCOMPRESSED");
    o->codec = *codec;
    return Status::OK();
  }
  if (k == "rowGroupSizeBytes")
    return IntIn(key, value, 1024, int64_t(1) << 40, &o->row_group_bytes);
  if (k == "pageSizeBytes") return IntIn(key, value, 64, int64_t(1) << 30, &o->page_bytes);
  if (k == "enableDictionary") {
    if (EqualsIgnoreCase(value, "true")) {
      o->dictionary = true;
    } else if (EqualsIgnoreCase(value, "false")) {
      o->dictionary = false;
    } else {
      return Bad(key, value, "expected true or false");
    }
    return Status::OK();
  }
  if (k == "json.maxDepth") return IntIn(key, value, 1, 64, &o->json_max_depth);
  // DECIMAL precision 1..38: the largest that fits 16 bytes (LogicalTypes.md "DECIMAL"), as
  // Spark's and Iceberg's decimal(38, s).
  if (k == "decimal.precision") return IntIn(key, value, 1, 38, &o->decimal_precision);
  if (k == "decimal.scale") return IntIn(key, value, 0, 38, &o->decimal_scale);
  return Status::NotFound("unknown option " + std::string(key));
}

Status CheckOptions(const Options& o) {
  const std::string scale_key = std::string(kOptionPrefix) + "decimal.scale";
  const std::string precision_key = std::string(kOptionPrefix) + "decimal.precision";
  if (o.decimal_precision == 0 && o.decimal_scale != 0) {
    return Bad(scale_key, std::to_string(o.decimal_scale), "needs " + precision_key);
  }
  if (o.decimal_precision > 0 && o.decimal_scale > o.decimal_precision) {
    return Bad(
        scale_key, std::to_string(o.decimal_scale),
        "must not exceed " + precision_key + " (" + std::to_string(o.decimal_precision) + ")");
  }
  return Status::OK();
}

parquet::WriterOptions WriterOptionsFor(const Options& o) {
  parquet::WriterOptions wo;
  wo.codec = o.codec;
  wo.page_bytes = o.page_bytes;
  wo.dictionary = o.dictionary;
  wo.dictionary_page_limit = o.dictionary_page_limit;
  return wo;
}

}  // namespace pe::convert
