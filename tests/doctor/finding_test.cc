#include "doctor/finding.h"

#include <gtest/gtest.h>

namespace pullkeeper::doctor {
namespace {

TEST(FindingId, NamesTheCheckAndTheObjectWithOrWithoutANamespace) {
  EXPECT_EQ(FindingId("pull-secret-expired", {"Secret", "staging", "ecr-registry"}),
            "pull-secret-expired:Secret/staging/ecr-registry");
  EXPECT_EQ(FindingId("lb-listener-closed", {"LoadBalancer", "", "salon-alb"}),
            "lb-listener-closed:LoadBalancer/salon-alb");
}

TEST(MakeFinding, FillsTheIdFromCheckAndObject) {
  Finding finding = MakeFinding("cronjob-failing", Severity::kError,
                                {"CronJob", "staging", "ecr-refresh"}, "never succeeded");
  EXPECT_EQ(finding.id, "cronjob-failing:CronJob/staging/ecr-refresh");
  EXPECT_EQ(SeverityName(finding.severity), "error");
}

}  // namespace
}  // namespace pullkeeper::doctor
