// DescribeNetwork against a scripted HTTP client: what it sends (actions, paging, signing
// names, endpoints), how it merges pages, and what each failure becomes, including the partial
// answer when only ELBv2 is denied.
#include "aws/network_describe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"

namespace pullkeeper::aws {
namespace {

using nlohmann::json;
using pullkeeper::testing::FakeClock;
using pullkeeper::testing::FakeHttpClient;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzSECRET";
constexpr char kKeyId[] = "AKIAIOSFODNN7EXAMPLE";

std::string ActionOf(const http::Request& request) {
  size_t start = request.body.find("Action=");
  if (start == std::string::npos) return "";
  start += 7;
  return request.body.substr(start, request.body.find('&', start) - start);
}

http::Response Xml(std::string body, long status = 200) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers = {{"content-type", "text/xml;charset=UTF-8"}};
  return response;
}

std::string Ec2Error(std::string_view code, std::string_view message) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{}</Code>"
      "<Message>{}</Message></Error></Errors><RequestID>req-ec2</RequestID></Response>",
      code, message);
}

std::string ElbError(std::string_view code, std::string_view message) {
  return fmt::format(
      "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"
      "<Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error>"
      "<RequestId>req-elb</RequestId></ErrorResponse>",
      code, message);
}

std::string Ec2Page(std::string_view action, std::string_view body) {
  return fmt::format(
      "<{0}Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
      "<requestId>r</requestId>{1}</{0}Response>",
      action, body);
}

std::string ElbPage(std::string_view action, std::string_view body) {
  return fmt::format(
      "<{0}Response xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"
      "<{0}Result>{1}</{0}Result><ResponseMetadata><RequestId>r</RequestId>"
      "</ResponseMetadata></{0}Response>",
      action, body);
}

std::string Group(std::string_view id) {
  return fmt::format(
      "<item><groupId>{}</groupId><groupName>g</groupName><ipPermissions/>"
      "</item>",
      id);
}

constexpr char kLbArn1[] =
    "arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/app/a/1";
constexpr char kLbArn2[] =
    "arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/app/b/2";
constexpr char kTgArn[] = "arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/t/3";

// A small account: two pages of security groups, one instance, two pages of load balancers
// (one each), one target group, a listener per balancer and the group's health.
StatusOr<http::Response> Account(const http::Request& request) {
  std::string action = ActionOf(request);
  const std::string& body = request.body;
  if (action == "DescribeSecurityGroups") {
    if (body.find("NextToken=") == std::string::npos) {
      return Xml(Ec2Page(action, "<securityGroupInfo>" + Group("sg-1") +
                                     "</securityGroupInfo><nextToken>t%2/=</nextToken>"));
    }
    return Xml(Ec2Page(action, "<securityGroupInfo>" + Group("sg-2") + "</securityGroupInfo>"));
  }
  if (action == "DescribeInstances") {
    return Xml(Ec2Page(action,
                       "<reservationSet><item><instancesSet><item><instanceId>i-1</instanceId>"
                       "<instanceState><code>16</code><name>running</name></instanceState>"
                       "</item></instancesSet></item></reservationSet>"));
  }
  if (action == "DescribeLoadBalancers") {
    bool second = body.find("Marker=") != std::string::npos;
    std::string members = fmt::format(
        "<LoadBalancers><member><LoadBalancerArn>{}</LoadBalancerArn>"
        "</member></LoadBalancers>",
        second ? kLbArn2 : kLbArn1);
    return Xml(ElbPage(action, second ? members : members + "<NextMarker>m2</NextMarker>"));
  }
  if (action == "DescribeTargetGroups") {
    return Xml(ElbPage(action, fmt::format("<TargetGroups><member><TargetGroupArn>{}"
                                           "</TargetGroupArn><Port>31080</Port></member>"
                                           "</TargetGroups>",
                                           kTgArn)));
  }
  if (action == "DescribeListeners") {
    std::string arn = body.find("%2Fa%2F1") != std::string::npos ? kLbArn1 : kLbArn2;
    return Xml(ElbPage(action, fmt::format("<Listeners><member><LoadBalancerArn>{}"
                                           "</LoadBalancerArn><Port>443</Port></member>"
                                           "</Listeners>",
                                           arn)));
  }
  if (action == "DescribeTargetHealth") {
    return Xml(ElbPage(action,
                       "<TargetHealthDescriptions><member><Target><Id>i-1</Id><Port>31080"
                       "</Port></Target><TargetHealth><State>healthy</State></TargetHealth>"
                       "</member></TargetHealthDescriptions>"));
  }
  return InternalError("unexpected action " + action);
}

class NetworkDescribeTest : public ::testing::Test {
 protected:
  NetworkDescribeTest() {
    request_.region = "eu-west-1";
    request_.credentials.access_key_id = kKeyId;
    request_.credentials.secret_access_key = SecretString(kSecret);
    request_.credentials.source = "environment";
  }

  StatusOr<NetworkDescription> Describe() {
    return DescribeNetwork(http_, clock_, env_, request_, kDescribeRetryPolicy,
                           [](std::chrono::milliseconds ceiling) { return ceiling; });
  }

  // Answers from Account(), except that `action` answers `response` every time.
  void Override(const std::string& action, http::Response response) {
    overrides_[action] = std::move(response);
    http_.SetHandler([this](const http::Request& request) -> StatusOr<http::Response> {
      auto it = overrides_.find(ActionOf(request));
      if (it != overrides_.end()) return it->second;
      return Account(request);
    });
  }

  void ExpectNoSecret(const std::string& text) {
    EXPECT_THAT(text, AllOf(Not(HasSubstr(kSecret)), Not(HasSubstr(kKeyId))));
  }

  FakeHttpClient http_;
  FakeClock clock_;
  MapEnvironment env_;
  NetworkDescribeRequest request_;
  std::map<std::string, http::Response> overrides_;
};

TEST_F(NetworkDescribeTest, ReadsEverythingMergingPages) {
  http_.SetHandler(Account);
  auto described = Describe();
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_EQ(described->security_groups["SecurityGroups"].size(), 2u);
  EXPECT_FALSE(described->security_groups.contains("NextToken"));
  EXPECT_EQ(described->instances["Reservations"][0]["Instances"][0]["State"]["Code"], 16);
  EXPECT_EQ(described->load_balancers["LoadBalancers"].size(), 2u);
  EXPECT_FALSE(described->load_balancers.contains("NextMarker"));
  EXPECT_EQ(described->target_groups["TargetGroups"][0]["Port"], 31080);
  ASSERT_EQ(described->listeners["Listeners"].size(), 2u);
  EXPECT_EQ(described->listeners["Listeners"][1]["LoadBalancerArn"], kLbArn2);
  ASSERT_EQ(described->target_health.size(), 1u);
  EXPECT_EQ(described->target_health[0]["TargetGroupArn"], kTgArn);
  EXPECT_EQ(described->target_health[0]["TargetHealthDescriptions"][0]["Target"]["Port"], 31080);
  EXPECT_TRUE(described->warnings.empty());
  // 2 + 1 (EC2) + 2 + 1 (lists) + 2 listeners + 1 health.
  EXPECT_EQ(described->requests, 9);
  EXPECT_EQ(http_.requests().size(), 9u);
}

TEST_F(NetworkDescribeTest, SendsSignedQueryRequestsWithPagingParameters) {
  http_.SetHandler(Account);
  ASSERT_TRUE(Describe().ok());
  const auto& requests = http_.requests();
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "https://ec2.eu-west-1.amazonaws.com/");
  EXPECT_EQ(requests[0].body, "Action=DescribeSecurityGroups&Version=2016-11-15&MaxResults=1000");
  EXPECT_THAT(FakeHttpClient::HeaderOf(requests[0], "Content-Type"),
              HasSubstr("application/x-www-form-urlencoded"));
  EXPECT_THAT(FakeHttpClient::HeaderOf(requests[0], "Authorization"),
              HasSubstr("/eu-west-1/ec2/aws4_request"));
  // The token is form-encoded on its way back.
  EXPECT_EQ(
      requests[1].body,
      "Action=DescribeSecurityGroups&Version=2016-11-15&MaxResults=1000&NextToken=t%252%2F%3D");
  EXPECT_EQ(requests[3].url, "https://elasticloadbalancing.eu-west-1.amazonaws.com/");
  EXPECT_EQ(requests[3].body, "Action=DescribeLoadBalancers&Version=2015-12-01&PageSize=400");
  EXPECT_THAT(FakeHttpClient::HeaderOf(requests[3], "Authorization"),
              HasSubstr("/eu-west-1/elasticloadbalancing/aws4_request"));
  EXPECT_EQ(requests[4].body,
            "Action=DescribeLoadBalancers&Version=2015-12-01&PageSize=400&Marker=m2");
  EXPECT_THAT(requests[6].body, HasSubstr("Action=DescribeListeners&Version=2015-12-01&"
                                          "LoadBalancerArn=arn%3Aaws%3Aelasticloadbalancing"));
  EXPECT_EQ(requests[8].body,
            "Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=" +
                std::string("arn%3Aaws%3Aelasticloadbalancing%3Aeu-west-1%3A210987654321%3A"
                            "targetgroup%2Ft%2F3"));
}

TEST_F(NetworkDescribeTest, DeniedElbv2LeavesEc2AndAWarningNamingTheAction) {
  for (const char* action : {"DescribeLoadBalancers", "DescribeTargetGroups"}) {
    Override(action, Xml(ElbError("AccessDenied",
                                  fmt::format("User: arn:aws:iam::210987654321:user/doctor is "
                                              "not authorized to perform: "
                                              "elasticloadbalancing:{}",
                                              action)),
                         403));
  }
  auto described = Describe();
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_EQ(described->security_groups["SecurityGroups"].size(), 2u);
  EXPECT_EQ(described->instances["Reservations"].size(), 1u);
  EXPECT_TRUE(described->load_balancers.is_null());
  EXPECT_TRUE(described->target_groups.is_null());
  EXPECT_TRUE(described->listeners.is_null());
  EXPECT_TRUE(described->target_health.empty());
  ASSERT_EQ(described->warnings.size(), 2u);
  EXPECT_THAT(described->warnings[0],
              AllOf(HasSubstr("load balancers not read"),
                    HasSubstr("elasticloadbalancing:DescribeLoadBalancers in eu-west-1 at "
                              "https://elasticloadbalancing.eu-west-1.amazonaws.com"),
                    HasSubstr("AccessDenied"), HasSubstr("docs/doctor-aws-permissions.md")));
  EXPECT_THAT(described->warnings[1], HasSubstr("elasticloadbalancing:DescribeTargetGroups"));
  for (const auto& warning : described->warnings) ExpectNoSecret(warning);
}

TEST_F(NetworkDescribeTest, NothingReadableIsPermissionDeniedNamingTheFirstAction) {
  http_.SetHandler([](const http::Request& request) -> StatusOr<http::Response> {
    if (request.url.find("ec2.") != std::string::npos) {
      return Xml(
          Ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation."),
          403);
    }
    return Xml(ElbError("AccessDenied", "not authorized"), 403);
  });
  auto described = Describe();
  ASSERT_FALSE(described.ok());
  EXPECT_EQ(described.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(described.status().message(),
              AllOf(HasSubstr("ec2:DescribeSecurityGroups in eu-west-1 at "
                              "https://ec2.eu-west-1.amazonaws.com"),
                    HasSubstr("UnauthorizedOperation"), HasSubstr("(request id req-ec2)"),
                    HasSubstr("docs/doctor-aws-permissions.md")));
  ExpectNoSecret(described.status().message());
  EXPECT_EQ(http_.requests().size(), 4u);  // each top-level list tried once; none retried
}

TEST_F(NetworkDescribeTest, RefusedCredentialsStopAtOnceAsUnauthenticated) {
  struct Case {
    const char* code;
    const char* hint;
  };
  for (const Case& c : {Case{"SignatureDoesNotMatch", "secret access key does not match"},
                        Case{"AuthFailure", "AWS could not validate access key id AKIA"},
                        Case{"InvalidClientTokenId", "AWS does not know access key id AKIA"}}) {
    SCOPED_TRACE(c.code);
    FakeHttpClient http;
    http.SetHandler([&](const http::Request&) -> StatusOr<http::Response> {
      return Xml(Ec2Error(c.code, std::string("rejected ") + kSecret), 401);
    });
    auto described = DescribeNetwork(http, clock_, env_, request_);
    ASSERT_FALSE(described.ok());
    EXPECT_EQ(described.status().code(), StatusCode::kUnauthenticated);
    EXPECT_THAT(described.status().message(), AllOf(HasSubstr(c.code), HasSubstr(c.hint),
                                                    HasSubstr("ec2:DescribeSecurityGroups")));
    ExpectNoSecret(described.status().message());
    EXPECT_EQ(http.requests().size(), 1u);
  }
}

TEST_F(NetworkDescribeTest, CredentialsRefusedAfterADenialReportTheCredentials) {
  Override("DescribeSecurityGroups",
           Xml(Ec2Error("UnauthorizedOperation", "You are not authorized"), 403));
  Override("DescribeInstances", Xml(Ec2Error("ExpiredToken", "token expired"), 400));
  auto described = Describe();
  ASSERT_FALSE(described.ok());
  EXPECT_EQ(described.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(described.status().message(),
              AllOf(HasSubstr("ec2:DescribeInstances"), HasSubstr("ExpiredToken")));
  EXPECT_EQ(http_.requests().size(), 2u);
}

TEST_F(NetworkDescribeTest, TransientFailuresAreRetriedWithBackoff) {
  http_.Respond(503, Ec2Error("Unavailable", "try again"));
  http_.Fail(UnavailableError("connection refused"));
  http_.SetHandler(Account);
  auto described = Describe();
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_EQ(described->requests, 11);
  EXPECT_EQ(clock_.sleeps(), (std::vector<std::chrono::milliseconds>{
                                 std::chrono::milliseconds(200), std::chrono::milliseconds(400)}));
}

TEST_F(NetworkDescribeTest, ThrottlingPastTheRetriesOnEveryCallIsResourceExhausted) {
  http_.SetHandler([](const http::Request&) -> StatusOr<http::Response> {
    return Xml(Ec2Error("RequestLimitExceeded", "Request limit exceeded."), 503);
  });
  auto described = Describe();
  ASSERT_FALSE(described.ok());
  EXPECT_EQ(described.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(described.status().message(), HasSubstr("gave up after 3 attempts"));
}

TEST_F(NetworkDescribeTest, ARepeatedPagingTokenStopsTheLoop) {
  Override(
      "DescribeSecurityGroups",
      Xml(Ec2Page("DescribeSecurityGroups", "<securityGroupInfo/><nextToken>again</nextToken>")));
  auto described = Describe();
  ASSERT_TRUE(described.ok());
  ASSERT_FALSE(described->warnings.empty());
  EXPECT_THAT(described->warnings[0], HasSubstr("repeated a paging token"));
}

TEST_F(NetworkDescribeTest, AGarbledAnswerIsAWarningNamingTheCall) {
  Override("DescribeInstances", Xml("<html>gateway says hi</html>"));
  auto described = Describe();
  ASSERT_TRUE(described.ok());
  ASSERT_EQ(described->warnings.size(), 1u);
  EXPECT_THAT(described->warnings[0],
              AllOf(HasSubstr("instances not read"), HasSubstr("ec2:DescribeInstances"),
                    HasSubstr("unreadable answer"), HasSubstr("<html>")));
}

TEST_F(NetworkDescribeTest, MissingCredentialsOrRegionAreRefusedBeforeAnyRequest) {
  request_.credentials.secret_access_key = SecretString("");
  EXPECT_EQ(Describe().status().code(), StatusCode::kUnauthenticated);
  request_.credentials.secret_access_key = SecretString(kSecret);
  request_.region = "";
  EXPECT_EQ(Describe().status().code(), StatusCode::kInvalidArgument);
  request_.region = "eu west 1";
  EXPECT_EQ(Describe().status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(http_.requests().empty());
}

TEST(ResolveNetworkEndpointTest, FollowsBotocoresOrder) {
  MapEnvironment env;
  auto resolve = [&](NetworkService service, const std::string& flag = "") {
    auto endpoint = ResolveNetworkEndpoint(service, "eu-west-1", flag, env);
    return endpoint.ok() ? *endpoint : "error: " + endpoint.status().message();
  };
  EXPECT_EQ(resolve(NetworkService::kEc2), "https://ec2.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve(NetworkService::kElbv2),
            "https://elasticloadbalancing.eu-west-1.amazonaws.com");
  env.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
  EXPECT_EQ(resolve(NetworkService::kEc2), "http://127.0.0.1:1");
  EXPECT_EQ(resolve(NetworkService::kElbv2), "http://127.0.0.1:1");
  env.Set("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:2");
  env.Set("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "http://127.0.0.1:3");
  EXPECT_EQ(resolve(NetworkService::kEc2), "http://127.0.0.1:2");
  EXPECT_EQ(resolve(NetworkService::kElbv2), "http://127.0.0.1:3");
  EXPECT_EQ(resolve(NetworkService::kEc2, "http://127.0.0.1:4"), "http://127.0.0.1:4");
  env.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
  EXPECT_EQ(resolve(NetworkService::kEc2), "https://ec2.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve(NetworkService::kEc2, "http://127.0.0.1:4"), "http://127.0.0.1:4");
}

TEST(ResolveNetworkEndpointTest, UsesThePartitionsDnsSuffix) {
  MapEnvironment env;
  EXPECT_EQ(*ResolveNetworkEndpoint(NetworkService::kEc2, "cn-north-1", "", env),
            "https://ec2.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(*ResolveNetworkEndpoint(NetworkService::kElbv2, "us-gov-west-1", "", env),
            "https://elasticloadbalancing.us-gov-west-1.amazonaws.com");
}

TEST(ResolveNetworkEndpointTest, BadEndpointsAndRegionsSayWhere) {
  MapEnvironment env;
  env.Set("AWS_ENDPOINT_URL_EC2", "ftp://example");
  auto bad = ResolveNetworkEndpoint(NetworkService::kEc2, "eu-west-1", "", env);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(),
              AllOf(HasSubstr("EC2 endpoint"), HasSubstr("from AWS_ENDPOINT_URL_EC2")));
  auto region = ResolveNetworkEndpoint(NetworkService::kElbv2, "nowhere!", "", MapEnvironment());
  EXPECT_THAT(region.status().message(), HasSubstr("not a valid region name"));
}

}  // namespace
}  // namespace pullkeeper::aws
