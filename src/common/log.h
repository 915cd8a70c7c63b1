// common/: the one logger of every layer (spdlog underneath), with the one scrubber
// (common/redact.h) applied to every line: URIs lose their query and userinfo, and every secret
// registered with AddSecret (config values of secret keys, tokens read from files) is replaced by
// "***" wherever it appears. Lines go to stderr as "<UTC time> <LEVEL> <message>".
//
// Thread-safe. Messages are plain text, one line each (newlines are replaced by spaces so a
// message can never forge a second log line).
#pragma once

#include <string>
#include <string_view>

namespace pe::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };

// "debug" | "info" | "warn" | "error" | "off" (case-insensitive); false when unknown.
bool ParseLevel(std::string_view name, Level* out);
void SetLevel(Level level);

// A secret value to scrub from every later line (values shorter than 4 bytes are ignored, as in
// Redact()).
void AddSecret(std::string secret);

// The scrubbed, single-line form of `msg` that the logger writes (exposed for tests and for
// callers that print to other streams).
std::string Scrub(std::string_view msg);

void Debug(std::string_view msg);
void Info(std::string_view msg);
void Warn(std::string_view msg);
void Error(std::string_view msg);

}  // namespace pe::log
