// The one scrubber for secrets in text (Status messages, log lines), shared by every layer.
//
// Contract: text that passes through Redact() carries no query string, fragment or userinfo of
// any URI in it, and no occurrence of a secret the caller named. Presigned URLs carry their
// credentials in the query (S3 X-Amz-Signature / X-Amz-Credential / X-Amz-Security-Token, GCS
// X-Goog-Signature, Azure SAS sig=, OAuth access_token=), and "scheme://user:password@host" in
// the userinfo (RFC 3986 section 3.2.1), so both are dropped from every URI whatever its scheme;
// the scheme, host and path stay so the message still names the object.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace pe {

// What replaces a secret, a userinfo or a query/fragment body.
inline constexpr std::string_view kRedacted = "***";

// Every "scheme://..." in `msg` (a URI runs to the next whitespace, quote, '<', '>' or '`'; a
// trailing run of .,;:!)]} is punctuation of the sentence, not of the URI) with its userinfo
// replaced by "***" and its query and fragment bodies by "***":
//   "GET https://u:pw@h/k?X-Amz-Signature=ab: HTTP 403" -> "GET https://***@h/k?***: HTTP 403".
// Text without "://" is returned unchanged (one scan, no allocation beyond the copy).
std::string RedactUri(std::string_view msg);

// RedactUri(msg) with, in addition, every occurrence of each secret (and of its percent-encoded
// form, as it appears inside URLs and form bodies) replaced by "***". Secrets shorter than 4
// bytes are ignored: replacing them would shred ordinary words without protecting anything.
std::string Redact(std::string_view msg, std::initializer_list<std::string_view> secrets);
std::string Redact(std::string_view msg, const std::vector<std::string>& secrets);

// RFC 3986 percent-encoding: every byte except the unreserved A-Z a-z 0-9 - . _ ~ (and '/' when
// `keep_slash`) becomes %XX, uppercase hex. The form a secret takes inside a URL query or form
// body; also AWS SigV4's UriEncode() (fs/sigv4.h).
std::string PercentEncode(std::string_view s, bool keep_slash = false);

}  // namespace pe
