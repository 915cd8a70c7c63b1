// iceberg/: byte spans of values inside JSON text (internal header).
//
// The table metadata, schemas and partition specs a catalog sends must reach manifests and
// callers exactly as sent (schema.h), so they are cut out of the input instead of being
// re-serialized. These functions only locate values: they assume text that a JSON parser has
// already accepted (they never fail, and return "" / nothing on text that is not).
#pragma once

#include <string_view>
#include <vector>

namespace pe::iceberg {

// The text of member `key` of the JSON object `obj` (keys compared byte for byte, so escaped
// keys never match; the last duplicate wins, as nlohmann decides), or "" when absent.
std::string_view JsonMember(std::string_view obj, std::string_view key);

// The texts of the elements of the JSON array `arr`.
std::vector<std::string_view> JsonElements(std::string_view arr);

}  // namespace pe::iceberg
