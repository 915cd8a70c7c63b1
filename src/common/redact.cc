#include "common/redact.h"

namespace pe {

namespace {

constexpr size_t kMinSecret = 4;

// Where a URI embedded in prose stops: whitespace, quotes and angle brackets (RFC 3986
// appendix C's delimiters for URIs in text).
bool EndsUri(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '"' ||
         c == '\'' || c == '<' || c == '>' || c == '`';
}

// Sentence punctuation that may directly follow a URI ("GET https://h/k?q: HTTP 403").
bool TrailingPunct(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == ')' || c == ']' ||
         c == '}';
}

void ReplaceAll(std::string& s, std::string_view secret) {
  for (size_t p = s.find(secret); p != std::string::npos;
       p = s.find(secret, p + kRedacted.size())) {
    s.replace(p, secret.size(), kRedacted);
  }
}

std::string RedactSecrets(std::string_view msg, const std::string_view* secrets, size_t n) {
  std::string out(msg);
  for (size_t i = 0; i < n; ++i) {
    std::string_view secret = secrets[i];
    if (secret.size() < kMinSecret) continue;
    ReplaceAll(out, secret);
    std::string encoded = PercentEncode(secret);
    if (encoded != secret) ReplaceAll(out, encoded);
  }
  return RedactUri(out);
}

}  // namespace

std::string RedactUri(std::string_view msg) {
  size_t sep = msg.find("://");
  if (sep == std::string_view::npos) return std::string(msg);
  std::string out;
  out.reserve(msg.size());
  size_t copied = 0;  // msg[0, copied) is in `out`
  while (sep != std::string_view::npos) {
    size_t start = sep + 3;  // first byte of the authority
    size_t end = start;
    while (end < msg.size() && !EndsUri(msg[end])) ++end;
    while (end > start && TrailingPunct(msg[end - 1])) --end;
    // Authority = [start, first of / ? #); userinfo = up to its last '@' (RFC 3986 3.2).
    size_t auth_end = start;
    while (auth_end < end && msg[auth_end] != '/' && msg[auth_end] != '?' && msg[auth_end] != '#')
      ++auth_end;
    size_t at = msg.substr(start, auth_end - start).rfind('@');
    out.append(msg.substr(copied, start - copied));
    size_t host = start;
    if (at != std::string_view::npos) {
      out.append(kRedacted);
      host = start + at;  // keeps the '@'
    }
    // Query and fragment: everything after the first '?' or '#' (RFC 3986 3.4, 3.5).
    size_t q = auth_end;
    while (q < end && msg[q] != '?' && msg[q] != '#') ++q;
    if (q + 1 < end) {
      out.append(msg.substr(host, q + 1 - host));
      out.append(kRedacted);
    } else {
      out.append(msg.substr(host, end - host));
    }
    copied = end;
    sep = msg.find("://", end);
  }
  out.append(msg.substr(copied));
  return out;
}

std::string Redact(std::string_view msg, std::initializer_list<std::string_view> secrets) {
  return RedactSecrets(msg, secrets.begin(), secrets.size());
}

std::string Redact(std::string_view msg, const std::vector<std::string>& secrets) {
  std::vector<std::string_view> views(secrets.begin(), secrets.end());
  return RedactSecrets(msg, views.data(), views.size());
}

std::string PercentEncode(std::string_view s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace pe
