#include "iceberg/json_text.h"

namespace pe::iceberg {

namespace {

// JSON whitespace (RFC 8259 section 2).
size_t SkipWs(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// End (exclusive) of the string literal starting at s[i] == '"'.
size_t StringEnd(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

// End (exclusive) of the value starting at s[i].
size_t ValueEnd(std::string_view s, size_t i) {
  if (i >= s.size()) return s.size();
  if (s[i] == '"') return StringEnd(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '"') {
        i = StringEnd(s, i) - 1;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return s.size();
  }
  // A number, true, false or null.
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' &&
         s[i] != '\n' && s[i] != '\r') {
    ++i;
  }
  return i;
}

}  // namespace

std::string_view JsonMember(std::string_view obj, std::string_view key) {
  std::string_view found;
  size_t i = SkipWs(obj, 0);
  if (i >= obj.size() || obj[i] != '{') return found;
  i = SkipWs(obj, i + 1);
  while (i < obj.size() && obj[i] == '"') {
    size_t kend = StringEnd(obj, i);
    if (kend < i + 2) break;
    std::string_view k = obj.substr(i + 1, kend - i - 2);
    i = SkipWs(obj, kend);
    if (i >= obj.size() || obj[i] != ':') break;
    i = SkipWs(obj, i + 1);
    size_t vend = ValueEnd(obj, i);
    if (k == key) found = obj.substr(i, vend - i);
    i = SkipWs(obj, vend);
    if (i < obj.size() && obj[i] == ',') i = SkipWs(obj, i + 1);
  }
  return found;
}

std::vector<std::string_view> JsonElements(std::string_view arr) {
  std::vector<std::string_view> out;
  size_t i = SkipWs(arr, 0);
  if (i >= arr.size() || arr[i] != '[') return out;
  i = SkipWs(arr, i + 1);
  while (i < arr.size() && arr[i] != ']') {
    size_t end = ValueEnd(arr, i);
    if (end == i) break;  // not a value: invalid text
    out.push_back(arr.substr(i, end - i));
    i = SkipWs(arr, end);
    if (i < arr.size() && arr[i] == ',') i = SkipWs(arr, i + 1);
  }
  return out;
}

}  // namespace pe::iceberg
