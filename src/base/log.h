// Structured logging for every component, on spdlog. A line is a short fixed message plus
// key=value fields, written as logfmt or JSON (--log-format). Each component logs under its
// own name ("aws", "kube", "sync", ...) and its level can be raised alone.
//
// Levels mean one thing each: error = an operation failed and we gave up on it; warn = we go
// on degraded; info = lifecycle and one summary per sync; debug = individual decisions;
// trace = wire detail, always redacted.
//
// Every line passes through the redactor below, which removes any value registered as a
// secret. That is the second line of defence; the first is SecretString, which cannot be
// formatted as its content.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace pullkeeper::log {

enum class Level { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kLogfmt, kJson };

// Field keys, defined once so that every component spells them the same way.
namespace keys {
inline constexpr std::string_view kNamespace = "namespace";
inline constexpr std::string_view kSecret = "secret";
inline constexpr std::string_view kRegistry = "registry";
inline constexpr std::string_view kRegion = "region";
inline constexpr std::string_view kAccount = "account";
inline constexpr std::string_view kSource = "source";
inline constexpr std::string_view kAttempt = "attempt";
inline constexpr std::string_view kDurationMs = "duration_ms";
inline constexpr std::string_view kError = "error";
inline constexpr std::string_view kUrl = "url";
inline constexpr std::string_view kStatus = "status";
}  // namespace keys

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, int64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, size_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}

  std::string_view key;
  std::string value;
  bool quoted = true;  // JSON only: numbers and booleans are written bare
};

struct Options {
  Format format = Format::kLogfmt;
  Level level = Level::kInfo;
};

// Sets the output format and the default level; safe to call again (tests do).
void Configure(const Options& options);
// Raises or lowers one component's level, e.g. SetComponentLevel("aws", Level::kTrace).
void SetComponentLevel(std::string_view component, Level level);
bool ParseLevel(std::string_view text, Level* level);
bool ParseFormat(std::string_view text, Format* format);

bool IsEnabled(Level level, std::string_view component);
void Write(Level level, std::string_view component, std::string_view message,
           std::initializer_list<Field> fields = {});

inline void Trace(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kTrace, c, m, f);
}
inline void Debug(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, c, m, f);
}
inline void Info(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, c, m, f);
}
inline void Warn(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, c, m, f);
}
inline void Error(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, c, m, f);
}

// Registers a value that must never be printed (a token, key or password obtained at run
// time). Values shorter than 6 bytes are ignored: redacting them would mangle ordinary text.
// The newest 1024 distinct values are kept; older ones (expired credentials of earlier
// refreshes) are forgotten.
void RegisterSecret(std::string_view value);
// Replaces every registered secret in `text` with "<redacted>".
std::string Redact(std::string_view text);

// Sends every formatted line to `sink` instead of stderr (nullptr restores stderr).
void SetSinkForTesting(std::function<void(std::string_view line)> sink);

}  // namespace pullkeeper::log
