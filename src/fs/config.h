// Parsing helpers for file-system configuration: Pinot-style property values and the AWS shared
// config/credentials files. Pure functions (the environment is passed in) so tests can inject.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"

namespace pe::fs {

using Env = std::map<std::string, std::string>;
// A snapshot of the process environment.
Env ProcessEnv();

// Pinot DataSizeUtils.toBytes: "<number>[unit]" with units B, K/KB, M/MB, G/GB, T/TB, P/PB
// (case-insensitive, powers of 1024); a bare number is bytes. Fractions allowed ("1.5G").
Result<uint64_t> ParseDataSize(const std::string& s);
// Pinot S3Config.parseDuration: TimeUtils period form ("10s", "1h20m", "500ms", "2d") or ISO-8601
// ("PT1H20S"). Returns milliseconds.
Result<long> ParseDurationMs(const std::string& s);
// "true"/"false" (case-insensitive, as Boolean.parseBoolean but strict).
Result<bool> ParseBool(const std::string& key, const std::string& s);

// INI files as written by the AWS CLI: "[section]" headers, "key = value" lines, '#'/';'
// comments. Keys are lowercased; nested (indented) sub-sections are skipped.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile ParseIni(const std::string& text);

// Settings of one profile from the shared files (AWS CLI/SDK rules): the credentials file uses
// "[name]", the config file "[profile name]" (or "[default]"). Credentials-file values win.
// Paths: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials), AWS_CONFIG_FILE (default
// ~/.aws/config); profile: AWS_PROFILE, else "default". Missing files are not an error.
std::map<std::string, std::string> LoadAwsProfile(const Env& env, const std::string& profile);

}  // namespace pe::fs
