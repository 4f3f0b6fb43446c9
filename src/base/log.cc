#include "base/log.h"

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace pullkeeper::log {
namespace {

constexpr size_t kMaxRegisteredSecrets = 1024;

struct State {
  std::mutex mutex;
  Options options;
  std::map<std::string, Level, std::less<>> component_levels;
  std::deque<std::string> secrets;  // oldest first, at most kMaxRegisteredSecrets
  std::function<void(std::string_view)> test_sink;
  std::shared_ptr<spdlog::logger> stderr_logger;
};

State& GlobalState() {
  static State* state = [] {
    auto* s = new State();
    // Lines are formatted here, so spdlog's pattern is the bare message; spdlog supplies the
    // thread-safe, flushed stderr sink.
    s->stderr_logger = std::make_shared<spdlog::logger>(
        "pullkeeper", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    s->stderr_logger->set_pattern("%v");
    s->stderr_logger->set_level(spdlog::level::trace);
    s->stderr_logger->flush_on(spdlog::level::trace);
    return s;
  }();
  return *state;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "info";
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  unsigned char lead = static_cast<unsigned char>(s[i]);
  size_t length = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (length == 0 || lead >= 0xf5 || i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  return length;
}

// Writes `s` as a JSON string. Bytes that are not UTF-8 (peers send anything) become U+FFFD,
// so a JSON log line stays valid JSON.
void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t length = Utf8SequenceLength(s, i);
      if (length == 0) {
        out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
      } else {
        out.append(s.substr(i, length));
        i += length - 1;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

bool NeedsLogfmtQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  }
  return false;
}

void AppendLogfmtValue(std::string& out, std::string_view s) {
  if (NeedsLogfmtQuotes(s)) {
    AppendJsonString(out, s);  // logfmt readers accept JSON-style escaped strings
  } else {
    out.append(s);
  }
}

std::string FormatLine(const Options& options, Level level, std::string_view component,
                       std::string_view message, std::initializer_list<Field> fields) {
  auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  std::string time = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", now);
  std::string out;
  out.reserve(128);
  if (options.format == Format::kJson) {
    out += "{\"time\":";
    AppendJsonString(out, time);
    out += ",\"level\":";
    AppendJsonString(out, LevelName(level));
    out += ",\"component\":";
    AppendJsonString(out, component);
    out += ",\"msg\":";
    AppendJsonString(out, message);
    for (const Field& f : fields) {
      out.push_back(',');
      AppendJsonString(out, f.key);
      out.push_back(':');
      if (f.quoted) {
        AppendJsonString(out, f.value);
      } else {
        out += f.value;
      }
    }
    out.push_back('}');
    return out;
  }
  out += "time=" + time + " level=" + std::string(LevelName(level)) + " component=";
  AppendLogfmtValue(out, component);
  out += " msg=";
  AppendLogfmtValue(out, message);
  for (const Field& f : fields) {
    out.push_back(' ');
    out.append(f.key);
    out.push_back('=');
    AppendLogfmtValue(out, f.value);
  }
  return out;
}

std::string RedactLocked(const State& state, std::string_view text) {
  std::string out(text);
  for (const std::string& secret : state.secrets) {
    for (size_t pos = out.find(secret); pos != std::string::npos;
         pos = out.find(secret, pos)) {
      out.replace(pos, secret.size(), "<redacted>");
      pos += 10;
    }
  }
  return out;
}

}  // namespace

void Configure(const Options& options) {
  State& state = GlobalState();
  std::lock_guard lock(state.mutex);
  state.options = options;
}

void SetComponentLevel(std::string_view component, Level level) {
  State& state = GlobalState();
  std::lock_guard lock(state.mutex);
  state.component_levels[std::string(component)] = level;
}

bool ParseLevel(std::string_view text, Level* level) {
  static const std::pair<std::string_view, Level> kNames[] = {
      {"trace", Level::kTrace}, {"debug", Level::kDebug}, {"info", Level::kInfo},
      {"warn", Level::kWarn},   {"warning", Level::kWarn}, {"error", Level::kError},
      {"off", Level::kOff}};
  for (const auto& [name, value] : kNames) {
    if (text == name) {
      *level = value;
      return true;
    }
  }
  return false;
}

bool ParseFormat(std::string_view text, Format* format) {
  if (text == "logfmt") {
    *format = Format::kLogfmt;
    return true;
  }
  if (text == "json") {
    *format = Format::kJson;
    return true;
  }
  return false;
}

bool IsEnabled(Level level, std::string_view component) {
  State& state = GlobalState();
  std::lock_guard lock(state.mutex);
  auto it = state.component_levels.find(component);
  Level threshold = it != state.component_levels.end() ? it->second : state.options.level;
  return level >= threshold && level != Level::kOff;
}

void Write(Level level, std::string_view component, std::string_view message,
           std::initializer_list<Field> fields) {
  if (!IsEnabled(level, component)) return;
  State& state = GlobalState();
  std::function<void(std::string_view)> sink;
  std::string line;
  {
    std::lock_guard lock(state.mutex);
    line = RedactLocked(state, FormatLine(state.options, level, component, message, fields));
    sink = state.test_sink;
  }
  if (sink) {
    sink(line);
  } else {
    state.stderr_logger->info(line);
  }
}

void RegisterSecret(std::string_view value) {
  if (value.size() < 6) return;
  State& state = GlobalState();
  std::lock_guard lock(state.mutex);
  for (const std::string& known : state.secrets) {
    if (known == value) return;
  }
  // A long-running process registers the credentials of every refresh. The oldest are long
  // expired, so forgetting them bounds memory and the cost of every Redact().
  if (state.secrets.size() >= kMaxRegisteredSecrets) state.secrets.pop_front();
  state.secrets.emplace_back(value);
}

std::string Redact(std::string_view text) {
  State& state = GlobalState();
  std::lock_guard lock(state.mutex);
  return RedactLocked(state, text);
}

void SetSinkForTesting(std::function<void(std::string_view line)> sink) {
  State& state = GlobalState();
  std::lock_guard lock(state.mutex);
  state.test_sink = std::move(sink);
}

}  // namespace pullkeeper::log
