// AWS Signature Version 4 (header-based), the request signing used by S3 and by the GCS XML API
// with HMAC keys. See https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// and https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html.
//
// Pure functions over strings (no I/O); thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace pe::fs {

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Hex SHA-256 of bytes [offset, offset + length) of `fd` (streamed with pread; `path` only names
// the file in errors). IOError when the file is shorter or unreadable.
Result<std::string> Sha256FileRange(int fd, uint64_t offset, uint64_t length,
                                    const std::string& path);
// Raw (binary) HMAC-SHA256(key, data).
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);

// AWS UriEncode(): every byte except the unreserved set A-Z a-z 0-9 - . _ ~ becomes %XX
// (uppercase hex); '/' is kept when `keep_slash` (object key paths) and encoded otherwise
// (query names and values).
std::string UriEncode(std::string_view s, bool keep_slash);

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty when not temporary credentials
};

struct SigV4Request {
  std::string method;  // "GET", "PUT", ...
  // The *decoded* path (e.g. "/bucket/a b.parquet"); the signer URI-encodes it once, which is
  // S3's rule (no double encoding) and also what the suite vectors expect for raw paths.
  std::string path;
  // Decoded query parameters; a parameter without value ("?uploads") has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  // All headers to sign (names in any case); must include "host" and "x-amz-date", and for S3
  // "x-amz-content-sha256" (and "x-amz-security-token" when using a session token).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SigV4Result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // hex
  std::string signed_headers;  // "host;x-amz-content-sha256;x-amz-date"
  std::string authorization;   // value of the Authorization header
};

// Signs `req` at time `amz_date` ("YYYYMMDDTHHMMSSZ", the x-amz-date value). Header names are
// lowercased and sorted; values are trimmed and inner whitespace runs collapsed to one space;
// duplicate names are joined with ','. Query parameters are encoded and sorted by encoded name
// then value.
SigV4Result SignV4(const SigV4Request& req, const SigV4Credentials& creds,
                   const std::string& region, const std::string& service,
                   const std::string& amz_date);

// Current UTC time as "YYYYMMDDTHHMMSSZ".
std::string AmzDateNow();

}  // namespace pe::fs
