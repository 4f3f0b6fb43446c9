#include "doctor/cron_schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cmath>
#include <vector>

#include "base/printable.h"

namespace pullkeeper::doctor {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;

// robfig/cron stops looking five years ahead; a schedule such as "0 0 30 2 *" never fires.
constexpr int kSearchDays = 5 * 366;

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"sun", "mon", "tue", "wed",
                                                           "thu", "fri", "sat"};

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const std::string_view* names = nullptr;  // names[i] stands for min + i
  size_t name_count = 0;
};

constexpr FieldSpec kMinuteField{"minute", 0, 59};
constexpr FieldSpec kHourField{"hour", 0, 23};
constexpr FieldSpec kDayOfMonthField{"day-of-month", 1, 31};
constexpr FieldSpec kMonthField{"month", 1, 12, kMonthNames.data(), kMonthNames.size()};
constexpr FieldSpec kWeekdayField{"day-of-week", 0, 6, kWeekdayNames.data(), kWeekdayNames.size()};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::vector<std::string_view> SplitWhitespace(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

Status FieldError(const FieldSpec& field, std::string_view expr, std::string_view what) {
  return InvalidArgumentError(
      fmt::format("{} field \"{}\": {}", field.name, Printable(expr, 40), what));
}

// A number (Go's strconv.Atoi allows a leading '+') or one of the field's names.
Status ParseValue(const FieldSpec& field, std::string_view expr, std::string_view text,
                  int* value) {
  std::string lower = Lower(text);
  for (size_t i = 0; i < field.name_count; ++i) {
    if (lower == field.names[i]) {
      *value = field.min + static_cast<int>(i);
      return Status::Ok();
    }
  }
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return FieldError(field, expr, fmt::format("\"{}\" is not a number", Printable(text, 40)));
  }
  *value = std::stoi(std::string(digits));
  return Status::Ok();
}

// One item of a comma list: *, ?, N, N-M, with an optional /STEP. `star` is set when the item
// covers the whole field with step 1, which decides how day-of-month and day-of-week combine.
Status ParseRange(const FieldSpec& field, std::string_view expr, uint64_t* bits, bool* star) {
  std::vector<std::string_view> range_and_step = Split(expr, '/');
  if (range_and_step.size() > 2) return FieldError(field, expr, "more than one '/'");
  std::vector<std::string_view> low_high = Split(range_and_step[0], '-');
  int start = 0, end = 0, step = 1;
  bool is_star = false;
  if (low_high[0] == "*" || low_high[0] == "?") {
    // robfig/cron ignores anything after "*-", and so the API server accepts it.
    start = field.min;
    end = field.max;
    is_star = true;
  } else {
    if (low_high.size() > 2) return FieldError(field, expr, "more than one '-'");
    PK_RETURN_IF_ERROR(ParseValue(field, expr, low_high[0], &start));
    end = start;
    if (low_high.size() == 2) PK_RETURN_IF_ERROR(ParseValue(field, expr, low_high[1], &end));
  }
  if (range_and_step.size() == 2) {
    PK_RETURN_IF_ERROR(ParseValue(field, expr, range_and_step[1], &step));
    if (low_high.size() == 1) end = field.max;  // "N/S" runs from N to the field's end
    if (step > 1) is_star = false;
  }
  if (start < field.min) {
    return FieldError(field, expr, fmt::format("{} is below the minimum {}", start, field.min));
  }
  if (end > field.max) {
    return FieldError(field, expr, fmt::format("{} is above the maximum {}", end, field.max));
  }
  if (start > end) {
    return FieldError(field, expr,
                      fmt::format("the range starts after it ends ({}-{})", start, end));
  }
  if (step == 0) return FieldError(field, expr, "a step must be 1 or more");
  for (int i = start; i <= end; i += step) *bits |= uint64_t{1} << i;
  *star = *star || is_star;
  return Status::Ok();
}

Status ParseField(const FieldSpec& field, std::string_view text, uint64_t* bits, bool* star) {
  *bits = 0;
  *star = false;
  // robfig/cron skips empty list items ("1,,2"); a field of commas alone matches nothing.
  for (std::string_view item : Split(text, ',')) {
    if (!item.empty()) PK_RETURN_IF_ERROR(ParseRange(field, item, bits, star));
  }
  return Status::Ok();
}

// Go's time.ParseDuration: an optional sign, then numbers (with an optional fraction) each
// followed by a unit: ns, us, µs, ms, s, m, h. "0" alone is allowed.
bool ParseGoDuration(std::string_view text, long double* total_seconds) {
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text == "0") {
    *total_seconds = 0;
    return true;
  }
  if (text.empty()) return false;
  long double total = 0;
  while (!text.empty()) {
    size_t i = 0;
    long double number = 0;
    bool any_digit = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      number = number * 10 + (text[i++] - '0');
      any_digit = true;
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        number += (text[i++] - '0') * scale;
        scale /= 10;
        any_digit = true;
      }
    }
    if (!any_digit) return false;
    size_t unit_start = i;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i])) &&
           text[i] != '.') {
      ++i;
    }
    std::string_view unit = text.substr(unit_start, i - unit_start);
    long double per_unit = 0;
    if (unit == "ns") {
      per_unit = 1e-9L;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      per_unit = 1e-6L;
    } else if (unit == "ms") {
      per_unit = 1e-3L;
    } else if (unit == "s") {
      per_unit = 1;
    } else if (unit == "m") {
      per_unit = 60;
    } else if (unit == "h") {
      per_unit = 3600;
    } else {
      return false;
    }
    total += number * per_unit;
    text.remove_prefix(i);
  }
  // Go refuses durations beyond int64 nanoseconds, about 292 years.
  if (total > 9.2e9L) return false;
  *total_seconds = negative ? -total : total;
  return true;
}

// UTC under its other names, and Etc/GMT+N (which is UTC-N: POSIX inverts the sign).
std::optional<minutes> KnownZoneOffset(std::string_view zone) {
  static constexpr std::string_view kUtcNames[] = {
      "",          "UTC",           "Etc/UTC",   "UCT",          "Etc/UCT",
      "Universal", "Etc/Universal", "Zulu",      "Etc/Zulu",     "GMT",
      "Etc/GMT",   "GMT0",          "Etc/GMT0",  "GMT+0",        "Etc/GMT+0",
      "GMT-0",     "Etc/GMT-0",     "Greenwich", "Etc/Greenwich"};
  if (std::find(std::begin(kUtcNames), std::end(kUtcNames), zone) != std::end(kUtcNames)) {
    return minutes{0};
  }
  constexpr std::string_view kEtcGmt = "Etc/GMT";
  if (zone.substr(0, kEtcGmt.size()) != kEtcGmt || zone.size() < kEtcGmt.size() + 2) {
    return std::nullopt;
  }
  char sign = zone[kEtcGmt.size()];
  std::string_view digits = zone.substr(kEtcGmt.size() + 1);
  if ((sign != '+' && sign != '-') || digits.size() > 2 || digits.front() == '0' ||
      !std::all_of(digits.begin(), digits.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  int hours_value = std::stoi(std::string(digits));
  if ((sign == '+' && hours_value > 12) || (sign == '-' && hours_value > 14)) {
    return std::nullopt;
  }
  return hours(sign == '+' ? -hours_value : hours_value);
}

std::optional<SystemTime> ToSystemTime(std::chrono::sys_time<seconds> time) {
  if (time > std::chrono::floor<seconds>(SystemTime::max()) ||
      time < std::chrono::ceil<seconds>(SystemTime::min())) {
    return std::nullopt;
  }
  return std::chrono::time_point_cast<SystemTime::duration>(time);
}

// `time` + `delay`, or nullopt past the end of SystemTime (the year 2262).
std::optional<SystemTime> Later(SystemTime time, SystemTime::duration delay) {
  if (time > SystemTime::max() - delay) return std::nullopt;
  return time + delay;
}

}  // namespace

StatusOr<CronSchedule> CronSchedule::Parse(std::string_view spec, std::string_view time_zone) {
  CronSchedule schedule;
  Status status = schedule.ParseSpec(spec, time_zone);
  if (!status.ok()) return status.WithContext(fmt::format("schedule \"{}\"", Printable(spec, 100)));
  return schedule;
}

Status CronSchedule::ParseSpec(std::string_view spec, std::string_view time_zone) {
  spec_ = std::string(spec);
  std::vector<std::string_view> words = SplitWhitespace(spec);
  if (words.empty()) return InvalidArgumentError("the schedule is empty");

  time_zone_ = std::string(time_zone);
  if (words[0].starts_with("TZ=") || words[0].starts_with("CRON_TZ=")) {
    // The controller itself writes spec.timeZone as a TZ= prefix, so both make two prefixes.
    if (!time_zone.empty()) {
      return InvalidArgumentError("a TZ= prefix and spec.timeZone cannot both be set");
    }
    time_zone_ = std::string(words[0].substr(words[0].find('=') + 1));
    words.erase(words.begin());
    if (words.empty()) return InvalidArgumentError("nothing follows the TZ= prefix");
  }
  std::optional<minutes> offset = KnownZoneOffset(time_zone_);
  exact_ = offset.has_value();
  utc_offset_ = offset.value_or(minutes{0});

  if (words[0].starts_with("@")) {
    std::string_view descriptor = words[0];
    if (descriptor == "@every") {
      long double total = 0;
      if (words.size() != 2 || !ParseGoDuration(words[1], &total)) {
        return InvalidArgumentError(
            "@every needs one Go duration after it, such as \"@every 6h\" or \"@every 1h30m\"");
      }
      // robfig/cron: at least a second, in whole seconds. A zone moves no interval.
      every_ = seconds{std::max<int64_t>(1, static_cast<int64_t>(std::floor(total)))};
      exact_ = true;
      return Status::Ok();
    }
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kMacros = {{
        {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"},
        {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"},
        {"@daily", "0 0 * * *"},
        {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"},
    }};
    auto macro = std::find_if(kMacros.begin(), kMacros.end(),
                              [&](const auto& entry) { return entry.first == descriptor; });
    if (macro == kMacros.end() || words.size() != 1) {
      return InvalidArgumentError(
          fmt::format("unknown descriptor \"{}\" (known: @yearly @annually @monthly @weekly @daily "
                      "@midnight @hourly @every <duration>)",
                      Printable(descriptor, 40)));
    }
    words = SplitWhitespace(macro->second);
  }
  if (words.size() != 5) {
    return InvalidArgumentError(fmt::format(
        "expected 5 fields (minute hour day-of-month month day-of-week), found {}", words.size()));
  }
  uint64_t bits = 0;
  bool star = false;
  PK_RETURN_IF_ERROR(ParseField(kMinuteField, words[0], &bits, &star));
  minutes_ = bits;
  PK_RETURN_IF_ERROR(ParseField(kHourField, words[1], &bits, &star));
  hours_ = static_cast<uint32_t>(bits);
  PK_RETURN_IF_ERROR(ParseField(kDayOfMonthField, words[2], &bits, &star));
  days_of_month_ = static_cast<uint32_t>(bits);
  any_day_of_month_ = star;
  PK_RETURN_IF_ERROR(ParseField(kMonthField, words[3], &bits, &star));
  months_ = static_cast<uint32_t>(bits);
  PK_RETURN_IF_ERROR(ParseField(kWeekdayField, words[4], &bits, &star));
  weekdays_ = static_cast<uint32_t>(bits);
  any_weekday_ = star;
  return Status::Ok();
}

bool CronSchedule::DayMatches(sys_days day) const {
  std::chrono::year_month_day date{day};
  unsigned month = static_cast<unsigned>(date.month());
  if (!(months_ >> month & 1)) return false;
  bool day_of_month = days_of_month_ >> static_cast<unsigned>(date.day()) & 1;
  bool weekday = weekdays_ >> std::chrono::weekday{day}.c_encoding() & 1;
  // Cron's old rule: two restricted day fields widen each other rather than narrow.
  if (any_day_of_month_ || any_weekday_) return day_of_month && weekday;
  return day_of_month || weekday;
}

std::optional<CronSchedule::Minutes> CronSchedule::FindForward(Minutes local_start) const {
  sys_days day = std::chrono::floor<days>(local_start);
  int minute_of_day = static_cast<int>((local_start - day).count());
  for (int i = 0; i <= kSearchDays; ++i, day += days{1}, minute_of_day = 0) {
    if (!DayMatches(day)) continue;
    for (int hour = minute_of_day / 60; hour < 24; ++hour) {
      if (!(hours_ >> hour & 1)) continue;
      int from = hour == minute_of_day / 60 ? minute_of_day % 60 : 0;
      uint64_t candidates = minutes_ & (~uint64_t{0} << from);
      if (candidates != 0) return day + hours{hour} + minutes{std::countr_zero(candidates)};
    }
  }
  return std::nullopt;
}

std::optional<CronSchedule::Minutes> CronSchedule::FindBackward(Minutes local_end) const {
  sys_days day = std::chrono::floor<days>(local_end);
  int minute_of_day = static_cast<int>((local_end - day).count());
  for (int i = 0; i <= kSearchDays; ++i, day -= days{1}, minute_of_day = 24 * 60 - 1) {
    if (!DayMatches(day)) continue;
    for (int hour = minute_of_day / 60; hour >= 0; --hour) {
      if (!(hours_ >> hour & 1)) continue;
      int to = hour == minute_of_day / 60 ? minute_of_day % 60 : 59;
      uint64_t candidates = minutes_ & ((uint64_t{2} << to) - 1);
      if (candidates != 0) {
        return day + hours{hour} + minutes{63 - std::countl_zero(candidates)};
      }
    }
  }
  return std::nullopt;
}

std::optional<SystemTime> CronSchedule::NextWithOffset(SystemTime after, minutes offset) const {
  if (every_ > seconds{0}) return ToSystemTime(std::chrono::floor<seconds>(after) + every_);
  // The smallest whole minute strictly after `after`, in the zone's wall-clock time.
  std::optional<Minutes> found =
      FindForward(std::chrono::floor<minutes>(after) + offset + minutes{1});
  if (!found) return std::nullopt;
  return ToSystemTime(*found - offset);
}

std::optional<SystemTime> CronSchedule::PreviousWithOffset(SystemTime at, minutes offset) const {
  if (every_ > seconds{0}) return ToSystemTime(std::chrono::floor<seconds>(at) - every_);
  std::optional<Minutes> found = FindBackward(std::chrono::floor<minutes>(at) + offset);
  if (!found) return std::nullopt;
  return ToSystemTime(*found - offset);
}

std::optional<SystemTime> CronSchedule::OverdueWithOffset(SystemTime last_success,
                                                          minutes offset) const {
  std::optional<SystemTime> started = PreviousWithOffset(last_success, offset);
  std::optional<SystemTime> first = NextWithOffset(started.value_or(last_success), offset);
  if (!first) return std::nullopt;
  std::optional<SystemTime> second = NextWithOffset(*first, offset);
  if (!second) return std::nullopt;
  SystemTime::duration grace{0};
  if (started) grace = std::min(last_success - *started, *second - *first);
  return Later(*second, grace);
}

std::optional<SystemTime> CronSchedule::Next(SystemTime after) const {
  return NextWithOffset(after, utc_offset_);
}

std::optional<SystemTime> CronSchedule::Previous(SystemTime at) const {
  return PreviousWithOffset(at, utc_offset_);
}

std::optional<SystemTime> CronSchedule::OverdueAfter(SystemTime last_success) const {
  if (exact_) return OverdueWithOffset(last_success, utc_offset_);
  // The zone's offset is unknown: take the latest deadline any real offset would give
  // (UTC-12 to UTC+14, in quarter hours), plus an hour for a daylight-saving change in
  // between, so that no zone can make pullkeeper call a healthy CronJob overdue.
  std::optional<SystemTime> latest;
  for (minutes offset = -hours{12}; offset <= hours{14}; offset += minutes{15}) {
    std::optional<SystemTime> deadline = OverdueWithOffset(last_success, offset);
    if (!deadline) return std::nullopt;
    if (!latest || *deadline > *latest) latest = deadline;
  }
  return Later(*latest, hours{1});
}

}  // namespace pullkeeper::doctor
