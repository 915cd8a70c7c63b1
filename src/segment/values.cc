// Text forms of Pinot values (for dump, and for the converter's lossless string fallbacks).
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "segment/segment_internal.h"

namespace pe::segment {

Status BigDecimalParts(std::string_view b, int* scale, std::string_view* unscaled) {
  if (b.size() < 3) return Status::Corruption("BIG_DECIMAL value shorter than 3 bytes");
  *scale = int16_t(LoadBE16(reinterpret_cast<const uint8_t*>(b.data())));
  *unscaled = b.substr(2);
  return Status::OK();
}

Result<std::string> BigDecimalToString(std::string_view b) {
  int scale;
  std::string_view mag;
  PE_RETURN_IF_ERROR(BigDecimalParts(b, &scale, &mag));
  // Two's complement -> sign + magnitude (base 256, big-endian).
  std::vector<uint8_t> m(mag.begin(), mag.end());
  bool neg = !m.empty() && (m[0] & 0x80);
  if (neg) {
    for (auto& x : m) x = uint8_t(~x);
    for (size_t i = m.size(); i-- > 0;) {
      if (++m[i] != 0) break;
    }
  }
  // Magnitude -> decimal digits by repeated division by 10^9.
  std::string digits;
  std::vector<uint32_t> words;  // base 2^32, big-endian
  size_t lead = m.size() % 4;
  for (size_t i = 0; i < m.size();) {
    size_t take = words.empty() && lead ? lead : 4;
    uint32_t w = 0;
    for (size_t k = 0; k < take; ++k) w = (w << 8) | m[i + k];
    words.push_back(w);
    i += take;
  }
  while (!words.empty() && words[0] == 0) words.erase(words.begin());
  while (!words.empty()) {
    uint64_t rem = 0;
    for (auto& w : words) {
      uint64_t cur = (rem << 32) | w;
      w = uint32_t(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    while (!words.empty() && words[0] == 0) words.erase(words.begin());
    char buf[16];
    std::snprintf(buf, sizeof buf, words.empty() ? "%u" : "%09u", unsigned(rem));
    digits.insert(0, buf);
  }
  if (digits.empty()) digits = "0";
  std::string out;
  if (scale <= 0) {
    out = digits;
    if (digits != "0") out.append(size_t(-scale), '0');
  } else if (size_t(scale) >= digits.size()) {
    out = "0." + std::string(size_t(scale) - digits.size(), '0') + digits;
  } else {
    out = digits.substr(0, digits.size() - size_t(scale)) + "." +
          digits.substr(digits.size() - size_t(scale));
  }
  if (neg && digits != "0") out.insert(0, "-");
  return out;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(char(c));
        }
    }
  }
  out->push_back('"');
}

Result<std::string> MapToJson(std::string_view b) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(b.data());
  if (b.size() < 4) return Status::Corruption("MAP value shorter than 4 bytes");
  uint32_t n = LoadBE32(p);
  size_t pos = 4;
  std::string out = "{";
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view kv[2];
    for (int j = 0; j < 2; ++j) {
      if (b.size() - pos < 4) return Status::Corruption("MAP value truncated");
      uint32_t len = LoadBE32(p + pos);
      pos += 4;
      if (len > b.size() - pos) return Status::Corruption("MAP value truncated");
      kv[j] = b.substr(pos, len);
      pos += len;
    }
    if (i) out.push_back(',');
    AppendJsonString(kv[0], &out);
    out.push_back(':');
    out.append(kv[1].empty() ? std::string_view("null") : kv[1]);
  }
  out.push_back('}');
  return out;
}

namespace {

template <typename T>
void AppendNumber(T v, std::string* out) {
  char buf[64];
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(v)) {
      out->append("NaN");
      return;
    }
    if (std::isinf(v)) {
      out->append(v > 0 ? "Infinity" : "-Infinity");
      return;
    }
  }
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, size_t(r.ptr - buf));
}

void AppendHex(std::string_view s, std::string* out) {
  static const char* kHex = "0123456789abcdef";
  for (unsigned char c : s) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

// Epoch millis as java.time.Instant.toString prints them (DateTimeFormatter.ISO_INSTANT, proleptic
// Gregorian UTC): "yyyy-MM-ddTHH:mm:ss.SSSZ" for years 0000..9999, years past 9999 with a leading
// '+' and years before 0 with a '-' (at least 4 digits), so every int64 prints without overflow:
// INT64_MIN -> "-292275055-05-16T16:47:04.192Z", INT64_MAX -> "+292278994-08-17T07:12:55.807Z".
void AppendIsoMillis(int64_t ms, std::string* out) {
  // Floor division without negating ms (-INT64_MIN overflows).
  int64_t secs = ms / 1000;
  int millis = int(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  time_t t = time_t(secs);
  struct tm tm;
  if (!gmtime_r(&t, &tm)) {  // not reached with a 64-bit time_t: |year| < 3e8 fits tm_year
    AppendNumber(ms, out);
    return;
  }
  const long long year = tm.tm_year + 1900LL;
  const char* sign = year > 9999 ? "+" : year < 0 ? "-" : "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", sign,
                year < 0 ? -year : year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                tm.tm_sec, millis);
  out->append(buf);
}

}  // namespace

Status AppendValueText(const ColumnMeta& m, const ColumnBatch& b, size_t k, bool json,
                       std::string* out) {
  auto quoted = [&](auto fn) {
    if (json) out->push_back('"');
    fn();
    if (json) out->push_back('"');
  };
  switch (m.data_type) {
    case DataType::kInt:
      AppendNumber(b.i32[k], out);
      break;
    case DataType::kBoolean:
      out->append(b.i32[k] ? "true" : "false");
      break;
    case DataType::kLong:
      AppendNumber(b.i64[k], out);
      break;
    case DataType::kTimestamp:
      quoted([&] { AppendIsoMillis(b.i64[k], out); });
      break;
    case DataType::kFloat:
      if (json && !std::isfinite(b.f32[k]))
        quoted([&] { AppendNumber(b.f32[k], out); });
      else
        AppendNumber(b.f32[k], out);
      break;
    case DataType::kDouble:
      if (json && !std::isfinite(b.f64[k]))
        quoted([&] { AppendNumber(b.f64[k], out); });
      else
        AppendNumber(b.f64[k], out);
      break;
    case DataType::kString:
      if (json)
        AppendJsonString(b.binary(k), out);
      else
        out->append(b.binary(k));
      break;
    case DataType::kJson:
      out->append(b.binary(k));  // already JSON text
      break;
    case DataType::kBytes:
    case DataType::kUuid:
      quoted([&] { AppendHex(b.binary(k), out); });
      break;
    case DataType::kBigDecimal: {
      PE_ASSIGN_OR_RETURN(std::string s, BigDecimalToString(b.binary(k)));
      quoted([&] { out->append(s); });
      break;
    }
    case DataType::kMap: {
      auto s = MapToJson(b.binary(k));
      if (!s.ok()) return s.status().WithContext("column " + m.name);
      out->append(*s);
      break;
    }
  }
  return Status::OK();
}

}  // namespace pe::segment
