// AWS error responses turned into Status values an operator can act on. Parses the AWS JSON
// 1.1 error shapes (X-Amzn-Errortype header, "code", "__type" with or without a "ns#" prefix
// or ":uri" suffix; "message" or "Message") and the XML shapes (<ErrorResponse><Errors><Error>
// and <Error>) that STS, IAM and moto send, then maps the code to a StatusCode with a hint
// saying what to check next. Error codes:
// https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
#pragma once

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "base/status.h"
#include "http/http_client.h"

namespace pullkeeper::aws {

// What a service said when a call failed. Every field is safe to print: the message has been
// cleaned of credentials, signatures and control characters and is at most 300 bytes.
struct AwsError {
  long http_status = 0;
  std::string code;        // "SignatureDoesNotMatch"; "" when the response named none
  std::string message;     // the service's own words, cleaned
  std::string request_id;  // for AWS support; "" when absent
  std::string content_type;
};

// Never fails: a body that is neither AWS JSON nor AWS XML (a proxy's HTML page) yields an
// empty code, and the status-code mapping below still applies.
AwsError ParseAwsError(const http::Response& response);

// The call that failed, for the message and the hints. `credentials` (may be null) is used
// for the truncated access key id, the credential source, and to scrub its secrets from the
// service's message.
struct CallContext {
  std::string operation;         // "ecr:GetAuthorizationToken"
  std::string required_actions;  // "ecr:GetAuthorizationToken" (IAM actions the call needs)
  std::string suggested_policy;  // "AmazonEC2ContainerRegistryReadOnly"
  std::string region;
  std::string endpoint;
  const Credentials* credentials = nullptr;
};

// Maps an error to a Status:
//   kUnauthenticated   SignatureDoesNotMatch, InvalidSignatureException, IncompleteSignature,
//                      UnrecognizedClientException, InvalidClientTokenId,
//                      MissingAuthenticationToken, ExpiredToken(Exception), RequestExpired,
//                      RequestTimeTooSkewed, AuthFailure (EC2)
//   kPermissionDenied  AccessDenied(Exception), UnauthorizedOperation (EC2)
//   kUnavailable       Throttling(Exception), TooManyRequestsException, RequestLimitExceeded,
//                      ProvisionedThroughputExceededException, 429, every 5xx (retryable)
//   kInvalidArgument   InvalidParameterException, ValidationException, InvalidParameterValue,
//                      MissingParameter, SerializationException, other 400s
//   kUnauthenticated / kPermissionDenied / kNotFound   other 401s / 403s / 404s
//   kInternal          anything else
// The message names the operation, region, endpoint, HTTP status, code, the service's message
// and request id, then a hint; the access key id appears only as its first four characters.
Status AwsErrorToStatus(const AwsError& error, const CallContext& context);

// True for the throttling codes above and HTTP 429: retrying later may help, but when
// retries run out the caller reports kResourceExhausted rather than kUnavailable.
bool IsThrottlingError(const AwsError& error);

// The trimmed, entity-decoded text of the first <tag>...</tag> in `body`, or "" when there is
// none. Enough for the flat documents of the AWS Query protocol (errors, GetCallerIdentity);
// not a general XML reader: no attributes, namespace prefixes, CDATA or nesting of `tag`.
std::string XmlElementText(std::string_view body, std::string_view tag);

// Cleans a message from a service (or anything else) for display: drops control characters,
// replaces the credentials' access key id by its prefix, their secret and token and any
// 64-hex-digit signature by "<redacted>", applies log::Redact and truncates to `max_bytes`.
std::string ScrubServiceText(std::string_view text, const Credentials* credentials,
                             size_t max_bytes = 300);

}  // namespace pullkeeper::aws
