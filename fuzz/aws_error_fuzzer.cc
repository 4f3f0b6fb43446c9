// Fuzzes the AWS error parser and the Status it becomes: any status line, X-Amzn-Errortype
// header and body must parse without crashing, and the resulting message must never carry
// the caller's secret key, session token or full access key id, whatever the body echoes.
// Input: "<http status>\n<X-Amzn-Errortype value>\n<body>".
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/aws_error.h"

namespace {

constexpr char kAccessKeyId[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kSessionToken[] = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN";

std::string_view NextLine(std::string_view* input) {
  size_t newline = input->find('\n');
  std::string_view line = input->substr(0, newline);
  input->remove_prefix(newline == std::string_view::npos ? input->size() : newline + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullkeeper;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  http::Response response;
  response.status = std::strtol(std::string(NextLine(&input).substr(0, 4)).c_str(), nullptr, 10);
  response.headers = {{"x-amzn-errortype", std::string(NextLine(&input))},
                      {"content-type", "application/x-amz-json-1.1"}};
  response.body = std::string(input);

  aws::Credentials credentials;
  credentials.access_key_id = kAccessKeyId;
  credentials.secret_access_key = SecretString(kSecret);
  credentials.session_token = SecretString(kSessionToken);
  aws::CallContext context{"ecr:GetAuthorizationToken",
                           "ecr:GetAuthorizationToken",
                           "AmazonEC2ContainerRegistryReadOnly",
                           "us-east-1",
                           "https://api.ecr.us-east-1.amazonaws.com",
                           &credentials};
  aws::AwsError error = aws::ParseAwsError(response);
  Status status = aws::AwsErrorToStatus(error, context);
  const std::string& message = status.message();
  if (message.find(kSecret) != std::string::npos ||
      message.find(kSessionToken) != std::string::npos ||
      message.find(kAccessKeyId) != std::string::npos) {
    std::abort();
  }
  return 0;
}
