// The CLI's last line of defence: an exception that escapes a command (std::bad_alloc from an
// allocation that cannot be met, a std::filesystem_error, a library's std::exception, ...) becomes
// the one-line error "pinot-export: <what>" and exit code 1 (bad input), as every other failure
// does — never std::terminate's abort and core dump. Header-only so tests can call it in-process.
#pragma once

#include <cstdio>
#include <exception>
#include <new>

namespace pe::cli {

// Writes "pinot-export: <msg>\n" to `err` with line breaks in `msg` replaced by spaces (the
// message stays one line). Allocates nothing, so it is safe after std::bad_alloc.
inline void PrintOneLineError(std::FILE* err, const char* msg) {
  std::fputs("pinot-export: ", err);
  for (const char* p = msg; p && *p; ++p) std::fputc(*p == '\n' || *p == '\r' ? ' ' : *p, err);
  std::fputc('\n', err);
  std::fflush(err);
}

// Returns body() or, if it throws, 1 after printing the one-line error to `err`.
template <typename Body>
int RunGuarded(Body&& body, std::FILE* err = stderr) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    PrintOneLineError(err, "out of memory");
  } catch (const std::exception& e) {
    PrintOneLineError(err, e.what());
  } catch (...) {
    PrintOneLineError(err, "unexpected error (an exception that is not a std::exception)");
  }
  return 1;
}

}  // namespace pe::cli
