#include "doctor/placeholder.h"

#include <gtest/gtest.h>

namespace pullkeeper::doctor {
namespace {

struct Row {
  const char* value;
  const char* reason;  // nullptr: not a placeholder
};

const Row kRows[] = {
    // The family, whole and in any case.
    {"PLACEHOLDER", "a placeholder word"},
    {"placeholder", "a placeholder word"},
    {"CHANGEME", "a placeholder word"},
    {"CHANGE_ME", "a placeholder word"},
    {"change-me", "a placeholder word"},
    {"Change Me", "a placeholder word"},
    {"REPLACE_ME", "a placeholder word"},
    {"REPLACEME", "a placeholder word"},
    {"TODO", "a placeholder word"},
    {"TBD", "a placeholder word"},
    {"FIXME", "a placeholder word"},
    {"dummy", "a placeholder word"},
    {"example", "a placeholder word"},
    {"example.com", "a placeholder word"},
    {"vault.example.com", "an example domain"},
    {"xxx", "a run of x's"},
    {"XXXXXXXX", "a run of x's"},
    {"xxxx-xxxx-xxxx", "a run of x's"},
    // Templates nobody rendered.
    {"<secret-name>", "an angle-bracket placeholder"},
    {"prod/<env>/aws", "an angle-bracket placeholder"},
    {"${AWS_SECRET_KEY}", "an unrendered template"},
    {"prod/{{ .Values.env }}/aws", "an unrendered template"},
    {"$(SECRET_PATH)", "an unrendered variable"},
    {"#{AwsKey}#", "an unrendered token-replacement marker"},
    {"__AWS_KEY__", "an unrendered token-replacement marker"},
    // Inside a path or an ARN, and as a token of a longer word.
    {"prod/PLACEHOLDER", "a placeholder word"},
    {"prod/todo", "a placeholder word"},
    {"arn:aws:secretsmanager:eu-west-1:111122223333:secret:CHANGEME", "a placeholder word"},
    {"aws-placeholder-key", "a placeholder word"},
    {"PLACEHOLDER_AWS_KEY", "a placeholder word"},
    {"prod/aws-change-me", "a placeholder word"},
    {"aws-xxx-key", "a run of x's"},
    {"your-key-here", "a fill-in phrase"},
    {"YOUR_SECRET_ACCESS_KEY", "a fill-in phrase"},
    {"insert-token-here", "a fill-in phrase"},
    // Real keys that merely contain the letters.
    {"prod/ecr-refresher", nullptr},
    {"prod/tbd-service", nullptr},
    {"prod/example-app", nullptr},
    {"todo-api/prod", nullptr},
    {"prod/dummy-data-loader", nullptr},
    {"prod/xxl-sizes", nullptr},
    {"boxxx/creds", nullptr},
    {"prod/fixmeup", nullptr},
    {"prod/changelog-bot", nullptr},
    {"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/ecr-refresher-AbCdEf", nullptr},
    {"price<5", nullptr},
    {"a<>b", nullptr},
    {"yourapp/prod", nullptr},
    {"", nullptr},
};

class PlaceholderTest : public testing::TestWithParam<Row> {};

TEST_P(PlaceholderTest, RecognisesTheFamilyButNotRealKeysThatContainItsLetters) {
  const Row& row = GetParam();
  std::optional<std::string> reason = PlaceholderReason(row.value);
  if (row.reason == nullptr) {
    EXPECT_FALSE(reason.has_value()) << '"' << row.value << "\" called " << *reason;
  } else {
    ASSERT_TRUE(reason.has_value()) << '"' << row.value << "\" not recognised";
    EXPECT_EQ(*reason, row.reason) << row.value;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, PlaceholderTest, testing::ValuesIn(kRows));

}  // namespace
}  // namespace pullkeeper::doctor
