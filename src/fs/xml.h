// Just enough XML for S3 responses (ListObjectsV2, InitiateMultipartUpload, Error bodies): find
// elements by name and unescape their text. Not a general parser: no namespaces prefixes, CDATA
// or nested elements of the same name; S3 responses use none of these.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pe::fs {

// Replaces &lt; &gt; &amp; &quot; &apos; and numeric references (&#NN; &#xHH;, emitted as
// UTF-8). Unknown or malformed references are kept verbatim.
std::string XmlUnescape(std::string_view s);
// Escapes & < > " ' for element text.
std::string XmlEscape(std::string_view s);
// Raw inner content of every <tag ...>...</tag> (and "" for <tag/>) in document order. The match
// is on the exact element name ("Key" does not match "KeyCount").
std::vector<std::string_view> XmlElements(std::string_view doc, std::string_view tag);
// Unescaped text of the first <tag>, or nullopt when absent.
std::optional<std::string> XmlText(std::string_view doc, std::string_view tag);

}  // namespace pe::fs
