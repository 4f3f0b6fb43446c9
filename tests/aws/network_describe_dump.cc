// Test-only: runs DescribeNetwork once and prints what it read as one JSON object, so that
// tests/integration/aws_describe_parity_test.py can compare it with the AWS CLI's output from
// the same moto. Keys and secret come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN, endpoints from the usual AWS_ENDPOINT_URL* variables.
// Usage: aws_network_describe_dump REGION [ENDPOINT]. Prints {"security_groups": ...,
// "instances": ..., "load_balancers": ..., "target_groups": ..., "listeners": ...,
// "target_health": [...], "warnings": [...], "requests": N} and exits 0, or prints
// {"error": {"code": "PERMISSION_DENIED", "message": ...}} and exits 1; 3 on bad usage.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "aws/network_describe.h"
#include "base/clock.h"
#include "base/environment.h"
#include "http/curl_http_client.h"

int main(int argc, char** argv) {
  using namespace pullkeeper;
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s REGION [ENDPOINT]\n", argv[0]);
    return 3;
  }
  ProcessEnvironment environment;
  aws::NetworkDescribeRequest request;
  request.region = argv[1];
  if (argc == 3) request.ec2_endpoint = request.elbv2_endpoint = argv[2];
  request.credentials.access_key_id = environment.Get("AWS_ACCESS_KEY_ID").value_or("");
  request.credentials.secret_access_key =
      SecretString(environment.Get("AWS_SECRET_ACCESS_KEY").value_or(""));
  request.credentials.session_token =
      SecretString(environment.Get("AWS_SESSION_TOKEN").value_or(""));
  request.credentials.source = "environment";
  http::CurlHttpClient http;
  auto described = aws::DescribeNetwork(http, DefaultClock(), environment, request,
                                        aws::RetryPolicy{.max_attempts = 1});
  nlohmann::json out;
  if (!described.ok()) {
    out["error"] = {{"code", std::string(StatusCodeName(described.status().code()))},
                    {"message", described.status().message()}};
    std::printf("%s\n", out.dump(2).c_str());
    return 1;
  }
  out["security_groups"] = described->security_groups;
  out["instances"] = described->instances;
  out["load_balancers"] = described->load_balancers;
  out["target_groups"] = described->target_groups;
  out["listeners"] = described->listeners;
  out["target_health"] = described->target_health;
  out["warnings"] = described->warnings;
  out["requests"] = described->requests;
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
