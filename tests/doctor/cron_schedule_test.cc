#include "doctor/cron_schedule.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "base/clock.h"

namespace pullkeeper::doctor {
namespace {

// The outage's clock: Friday 2026-11-20, 14:30 UTC.
constexpr char kNow[] = "2026-11-20T14:30:00Z";

SystemTime At(const std::string& rfc3339) {
  SystemTime time;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &time)) << rfc3339;
  return time;
}

std::string Show(const std::optional<SystemTime>& time) {
  return time ? FormatRfc3339(*time) : "none";
}

struct TimeRow {
  const char* name;
  const char* spec;
  const char* zone;
  const char* from;
  const char* expected;  // RFC 3339, or "none"
};

const TimeRow kNextRows[] = {
    {"every six hours", "0 */6 * * *", "", kNow, "2026-11-20T18:00:00Z"},
    {"every quarter hour", "*/15 * * * *", "", kNow, "2026-11-20T14:45:00Z"},
    {"a time equal to the start is not next", "30 14 * * *", "", kNow, "2026-11-21T14:30:00Z"},
    {"seconds past the minute round up", "31 14 * * *", "", "2026-11-20T14:30:59.5Z",
     "2026-11-20T14:31:00Z"},
    {"daily at 04:05", "5 4 * * *", "", kNow, "2026-11-21T04:05:00Z"},
    {"hourly macro", "@hourly", "", kNow, "2026-11-20T15:00:00Z"},
    {"daily macro", "@daily", "", kNow, "2026-11-21T00:00:00Z"},
    {"midnight macro", "@midnight", "", kNow, "2026-11-21T00:00:00Z"},
    {"weekly macro runs on Sunday", "@weekly", "", kNow, "2026-11-22T00:00:00Z"},
    {"monthly macro", "@monthly", "", kNow, "2026-12-01T00:00:00Z"},
    {"yearly macro", "@yearly", "", kNow, "2027-01-01T00:00:00Z"},
    {"annually macro", "@annually", "", kNow, "2027-01-01T00:00:00Z"},
    {"weekdays by name skip the weekend", "0 9 * * MON-FRI", "", kNow, "2026-11-23T09:00:00Z"},
    {"names in any case", "0 9 * * mon-Fri", "", kNow, "2026-11-23T09:00:00Z"},
    {"restricted day-of-month and day-of-week match either (Friday)", "0 0 13 * 5", "", kNow,
     "2026-11-27T00:00:00Z"},
    {"restricted day-of-month and day-of-week match either (the 1st)", "0 0 1 * 3", "",
     "2026-11-27T00:00:00Z", "2026-12-01T00:00:00Z"},
    {"a star day-of-month makes day-of-week decide", "0 0 * * 1", "", kNow, "2026-11-23T00:00:00Z"},
    {"question mark is a star", "0 0 ? * 1", "", kNow, "2026-11-23T00:00:00Z"},
    {"a stepped star is restricted, so odd days or Mondays", "0 0 */2 * 1", "", kNow,
     "2026-11-21T00:00:00Z"},
    {"a star with step 1 is still a star", "0 0 */1 * 1", "", kNow, "2026-11-23T00:00:00Z"},
    {"a star day-of-week makes day-of-month decide", "0 0 1 * *", "", kNow, "2026-12-01T00:00:00Z"},
    {"leap day is found years ahead", "0 0 29 2 *", "", kNow, "2028-02-29T00:00:00Z"},
    {"a day that never comes", "0 0 30 2 *", "", kNow, "none"},
    {"month list with names", "0 12 * JAN,jul *", "", kNow, "2027-01-01T12:00:00Z"},
    {"N/step runs from N to the end", "5/20 * * * *", "", kNow, "2026-11-20T14:45:00Z"},
    {"range with a step", "0 8-20/4 * * *", "", kNow, "2026-11-20T16:00:00Z"},
    {"empty list items are skipped", "1,,2 * * * *", "", kNow, "2026-11-20T15:01:00Z"},
    {"anything after star-dash is ignored, as the API server does", "*-5 * * * *", "", kNow,
     "2026-11-20T14:31:00Z"},
    {"a plus sign before a number", "+5 * * * *", "", kNow, "2026-11-20T15:05:00Z"},
    {"surrounding whitespace", "  0 */6  * * *  ", "", kNow, "2026-11-20T18:00:00Z"},
    {"last minute of the year", "59 23 31 12 *", "", kNow, "2026-12-31T23:59:00Z"},
    {"every 90 minutes counts from the given time", "@every 90m", "", "2026-11-20T14:30:00.7Z",
     "2026-11-20T16:00:00Z"},
    {"every less than a second is every second", "@every 500ms", "", kNow, "2026-11-20T14:30:01Z"},
    {"every with a compound duration", "@every 1h30m15s", "", kNow, "2026-11-20T16:00:15Z"},
    {"TZ prefix with a fixed offset east of UTC", "TZ=Etc/GMT-2 0 0 * * *", "", kNow,
     "2026-11-20T22:00:00Z"},
    {"spec.timeZone with a fixed offset west of UTC", "0 0 * * *", "Etc/GMT+5", kNow,
     "2026-11-21T05:00:00Z"},
    {"CRON_TZ prefix naming UTC", "CRON_TZ=UTC 0 */6 * * *", "", kNow, "2026-11-20T18:00:00Z"},
    {"a zone pullkeeper cannot read is evaluated as UTC", "0 0 * * *", "Europe/Paris", kNow,
     "2026-11-21T00:00:00Z"},
    {"a run past the end of representable time", "0 0 1 5 *", "", "2261-12-31T00:00:00Z", "none"},
};

class CronNextTest : public testing::TestWithParam<TimeRow> {};

TEST_P(CronNextTest, FindsTheFirstRunAfterTheGivenTime) {
  const TimeRow& row = GetParam();
  StatusOr<CronSchedule> schedule = CronSchedule::Parse(row.spec, row.zone);
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(Show(schedule->Next(At(row.from))), row.expected) << row.name;
}

INSTANTIATE_TEST_SUITE_P(Table, CronNextTest, testing::ValuesIn(kNextRows));

const TimeRow kPreviousRows[] = {
    {"every six hours", "0 */6 * * *", "", kNow, "2026-11-20T12:00:00Z"},
    {"a run at exactly the given time counts", "30 14 * * *", "", kNow, "2026-11-20T14:30:00Z"},
    {"weekdays: this morning", "0 9 * * MON-FRI", "", kNow, "2026-11-20T09:00:00Z"},
    {"weekends: last Sunday", "0 9 * * SAT,SUN", "", kNow, "2026-11-15T09:00:00Z"},
    {"monthly", "@monthly", "", kNow, "2026-11-01T00:00:00Z"},
    {"across a year boundary", "0 0 31 12 *", "", kNow, "2025-12-31T00:00:00Z"},
    {"a day that never comes", "0 0 30 2 *", "", kNow, "none"},
    {"every six hours by duration", "@every 6h", "", kNow, "2026-11-20T08:30:00Z"},
    {"midnight two hours east of UTC", "0 0 * * *", "Etc/GMT-2", kNow, "2026-11-19T22:00:00Z"},
};

class CronPreviousTest : public testing::TestWithParam<TimeRow> {};

TEST_P(CronPreviousTest, FindsTheLastRunAtOrBeforeTheGivenTime) {
  const TimeRow& row = GetParam();
  StatusOr<CronSchedule> schedule = CronSchedule::Parse(row.spec, row.zone);
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(Show(schedule->Previous(At(row.from))), row.expected) << row.name;
}

INSTANTIATE_TEST_SUITE_P(Table, CronPreviousTest, testing::ValuesIn(kPreviousRows));

const TimeRow kOverdueRows[] = {
    {"six-hourly run that took five seconds", "0 */6 * * *", "", "2026-11-20T12:00:05Z",
     "2026-11-21T00:00:05Z"},
    {"a long run's duration is allowed to the run after next", "0 */6 * * *", "",
     "2026-11-20T03:10:00Z", "2026-11-20T15:10:00Z"},
    {"weekdays: Thursday's success is overdue on Monday", "0 9 * * MON-FRI", "",
     "2026-11-19T09:00:30Z", "2026-11-23T09:00:30Z"},
    {"weekdays: Friday's success is overdue on Tuesday", "0 9 * * MON-FRI", "",
     "2026-11-20T09:00:30Z", "2026-11-24T09:00:30Z"},
    {"every six hours by duration", "@every 6h", "", "2026-11-20T12:00:05Z",
     "2026-11-21T00:00:05Z"},
    {"a schedule that never fires is never overdue", "0 0 30 2 *", "", "2026-11-20T12:00:05Z",
     "none"},
    {"a deadline past the end of representable time", "0 0 1 1,4 *", "", "2261-12-15T00:00:00Z",
     "none"},
    {"unknown zone, periodic schedule: two periods and an hour", "0 */6 * * *", "Europe/Paris",
     "2026-11-20T12:00:05Z", "2026-11-21T01:00:05Z"},
    {"unknown zone, weekday schedule: the latest any offset allows", "0 9 * * MON-FRI",
     "America/New_York", "2026-11-19T14:00:30Z", "2026-11-23T15:00:30Z"},
};

class CronOverdueTest : public testing::TestWithParam<TimeRow> {};

TEST_P(CronOverdueTest, AllowsTwoRunsAndTheLastRunsDuration) {
  const TimeRow& row = GetParam();
  StatusOr<CronSchedule> schedule = CronSchedule::Parse(row.spec, row.zone);
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(Show(schedule->OverdueAfter(At(row.from))), row.expected) << row.name;
}

INSTANTIATE_TEST_SUITE_P(Table, CronOverdueTest, testing::ValuesIn(kOverdueRows));

struct InvalidRow {
  const char* spec;
  const char* zone;
  const char* message_part;
};

const InvalidRow kInvalidRows[] = {
    {"", "", "the schedule is empty"},
    {"* * * *", "", "expected 5 fields"},
    {"0 * * * * *", "", "expected 5 fields"},
    {"60 * * * *", "", "minute field \"60\": 60 is above the maximum 59"},
    {"* 24 * * *", "", "hour field \"24\": 24 is above the maximum 23"},
    {"* * 0 * *", "", "day-of-month field \"0\": 0 is below the minimum 1"},
    {"* * 32 * *", "", "32 is above the maximum 31"},
    {"* * * 13 *", "", "month field \"13\": 13 is above the maximum 12"},
    {"* * * * 7", "", "day-of-week field \"7\": 7 is above the maximum 6"},
    {"*/0 * * * *", "", "a step must be 1 or more"},
    {"5-1 * * * *", "", "the range starts after it ends (5-1)"},
    {"1-2-3 * * * *", "", "more than one '-'"},
    {"*/2/3 * * * *", "", "more than one '/'"},
    {"a * * * *", "", "\"a\" is not a number"},
    {"-1 * * * *", "", "\"\" is not a number"},
    {"* * * FOO *", "", "\"FOO\" is not a number"},
    {"* * * MON *", "", "month field \"MON\""},
    {"* * * * JAN", "", "day-of-week field \"JAN\""},
    {"@fortnightly", "", "unknown descriptor \"@fortnightly\""},
    {"@reboot", "", "unknown descriptor \"@reboot\""},
    {"@daily now", "", "unknown descriptor"},
    {"@every", "", "@every needs one Go duration"},
    {"@every 1d", "", "@every needs one Go duration"},
    {"@every 5", "", "@every needs one Go duration"},
    {"TZ=UTC", "", "nothing follows the TZ= prefix"},
    {"TZ=UTC 0 * * * *", "UTC", "a TZ= prefix and spec.timeZone cannot both be set"},
};

class CronInvalidTest : public testing::TestWithParam<InvalidRow> {};

TEST_P(CronInvalidTest, IsRefusedWithTheFieldAndTheReason) {
  const InvalidRow& row = GetParam();
  StatusOr<CronSchedule> schedule = CronSchedule::Parse(row.spec, row.zone);
  ASSERT_FALSE(schedule.ok()) << row.spec;
  EXPECT_EQ(schedule.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(schedule.status().message().find(row.message_part), std::string::npos)
      << schedule.status().message();
  EXPECT_EQ(schedule.status().message().rfind("schedule \"", 0), 0u)
      << "names the schedule first: " << schedule.status().message();
}

INSTANTIATE_TEST_SUITE_P(Table, CronInvalidTest, testing::ValuesIn(kInvalidRows));

TEST(CronSchedule, SaysWhetherItsZoneIsKnown) {
  struct Row {
    const char* spec;
    const char* zone;
    const char* expected_zone;
    bool exact;
  };
  const Row rows[] = {
      {"0 * * * *", "", "", true},
      {"0 * * * *", "Etc/UTC", "Etc/UTC", true},
      {"TZ=GMT 0 * * * *", "", "GMT", true},
      {"0 * * * *", "Etc/GMT-14", "Etc/GMT-14", true},
      {"0 * * * *", "Etc/GMT-15", "Etc/GMT-15", false},
      {"0 * * * *", "Asia/Tokyo", "Asia/Tokyo", false},
      {"CRON_TZ=Asia/Tokyo @every 1h", "", "Asia/Tokyo", true},
  };
  for (const Row& row : rows) {
    StatusOr<CronSchedule> schedule = CronSchedule::Parse(row.spec, row.zone);
    ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
    EXPECT_EQ(schedule->time_zone(), row.expected_zone) << row.spec << " " << row.zone;
    EXPECT_EQ(schedule->times_are_exact(), row.exact) << row.spec << " " << row.zone;
    EXPECT_EQ(schedule->spec(), row.spec);
  }
}

}  // namespace
}  // namespace pullkeeper::doctor
