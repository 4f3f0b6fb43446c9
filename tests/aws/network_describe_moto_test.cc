// DescribeNetwork against moto with IAM enforced: a user allowed ec2:Describe* and
// elasticloadbalancing:Describe* reads both services; a user allowed only EC2 gets EC2 plus a
// warning naming the ELB action; a wrong secret is kUnauthenticated. The whole outage network
// and the comparison with the AWS CLI are in tests/integration/aws_describe_parity_test.py.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aws/network_describe.h"
#include "aws/query_request.h"
#include "base/clock.h"
#include "http/curl_http_client.h"
#include "testing/moto_suite.h"

namespace pullkeeper::aws {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDescribeAll[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)"
    R"(["ec2:Describe*","elasticloadbalancing:Describe*"],"Resource":"*"}]})";
constexpr char kDescribeEc2[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*",)"
    R"("Resource":"*"}]})";

class DescribeAgainstMoto : public testing::MotoSuite {
 protected:
  static void SetUpTestSuite() { StartMoto({}, CreateWorld); }

  static std::string CreateWorld() {
    auto group =
        Query("ec2", "Action=CreateSecurityGroup&GroupName=salon-app&GroupDescription=nodes",
              "2016-11-15");
    if (!group.ok()) return group.status().ToString();
    for (auto [user, policy, keys] : {std::tuple{"doctor", kDescribeAll, &doctor_},
                                      std::tuple{"ec2-only", kDescribeEc2, &ec2_only_}}) {
      auto created = Iam(std::string("Action=CreateUser&UserName=") + user);
      if (!created.ok()) return created.status().ToString();
      auto allowed =
          Iam(fmt::format("Action=PutUserPolicy&UserName={}&PolicyName=describe&PolicyDocument={}",
                          user, FormEncode(policy)));
      if (!allowed.ok()) return allowed.status().ToString();
      if (std::string problem = CreateAccessKey(user, keys); !problem.empty()) return problem;
    }
    return "";
  }

  StatusOr<NetworkDescription> Describe(const Credentials& credentials) {
    http::CurlHttpClient http;
    MapEnvironment environment;
    NetworkDescribeRequest request;
    request.region = "us-east-1";
    request.ec2_endpoint = request.elbv2_endpoint = moto().url();
    request.credentials = credentials;
    return DescribeNetwork(http, DefaultClock(), environment, request,
                           RetryPolicy{.max_attempts = 1});
  }

  static inline Credentials doctor_;
  static inline Credentials ec2_only_;
};

TEST_F(DescribeAgainstMoto, AllowedUserReadsBothServices) {
  auto described = Describe(doctor_);
  ASSERT_TRUE(described.ok()) << described.status().ToString() << "\n" << moto().output();
  bool found = false;
  for (const auto& group : described->security_groups["SecurityGroups"]) {
    found = found || group["GroupName"] == "salon-app";
  }
  EXPECT_TRUE(found) << described->security_groups.dump();
  EXPECT_EQ(described->load_balancers, nlohmann::json::parse(R"({"LoadBalancers":[]})"));
  EXPECT_TRUE(described->warnings.empty());
  EXPECT_EQ(described->requests, 4);
}

TEST_F(DescribeAgainstMoto, UserWithoutElbPermissionGetsEc2AndWarnings) {
  auto described = Describe(ec2_only_);
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_TRUE(described->security_groups.is_object());
  EXPECT_TRUE(described->load_balancers.is_null());
  ASSERT_EQ(described->warnings.size(), 2u);
  EXPECT_THAT(described->warnings[0],
              AllOf(HasSubstr("elasticloadbalancing:DescribeLoadBalancers"),
                    HasSubstr("AccessDenied"), HasSubstr("docs/doctor-aws-permissions.md"),
                    Not(HasSubstr(ec2_only_.secret_access_key.reveal())),
                    Not(HasSubstr(ec2_only_.access_key_id))));
}

// EC2 (moto as AWS) answers a signature made with the wrong secret with AuthFailure, not
// SignatureDoesNotMatch.
TEST_F(DescribeAgainstMoto, WrongSecretIsUnauthenticated) {
  Credentials wrong = doctor_;
  wrong.secret_access_key = SecretString("not-the-secret-for-this-key");
  auto described = Describe(wrong);
  ASSERT_FALSE(described.ok());
  EXPECT_EQ(described.status().code(), StatusCode::kUnauthenticated)
      << described.status().ToString();
  EXPECT_THAT(
      described.status().message(),
      AllOf(HasSubstr("AuthFailure"), HasSubstr("secret access key or session token is wrong"),
            HasSubstr("ec2:DescribeSecurityGroups"), Not(HasSubstr("not-the-secret-for-this-key")),
            Not(HasSubstr(doctor_.access_key_id))));
}

}  // namespace
}  // namespace pullkeeper::aws
