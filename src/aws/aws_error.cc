#include "aws/aws_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "aws/sigv4_signer.h"
#include "base/bounded_json.h"
#include "base/log.h"

namespace pullkeeper::aws {
namespace {

enum class Hint {
  kWrongSecret,
  kUnknownKey,
  kKeyOrSecret,
  kIncompleteSignature,
  kExpiredToken,
  kClockSkew,
  kAccessDenied,
  kThrottled,
  kServerError,
  kInvalidRequest,
  kNotFound,
  kNoAwsCode,
  kUnknownCode,
};

struct KnownCode {
  std::string_view code;
  StatusCode status;
  Hint hint;
};

constexpr KnownCode kKnownCodes[] = {
    {"SignatureDoesNotMatch", StatusCode::kUnauthenticated, Hint::kWrongSecret},
    {"InvalidSignatureException", StatusCode::kUnauthenticated, Hint::kWrongSecret},
    {"IncompleteSignature", StatusCode::kUnauthenticated, Hint::kIncompleteSignature},
    {"IncompleteSignatureException", StatusCode::kUnauthenticated, Hint::kIncompleteSignature},
    {"MissingAuthenticationToken", StatusCode::kUnauthenticated, Hint::kIncompleteSignature},
    {"MissingAuthenticationTokenException", StatusCode::kUnauthenticated,
     Hint::kIncompleteSignature},
    {"UnrecognizedClientException", StatusCode::kUnauthenticated, Hint::kUnknownKey},
    {"InvalidClientTokenId", StatusCode::kUnauthenticated, Hint::kUnknownKey},
    {"ExpiredToken", StatusCode::kUnauthenticated, Hint::kExpiredToken},
    {"ExpiredTokenException", StatusCode::kUnauthenticated, Hint::kExpiredToken},
    {"RequestExpired", StatusCode::kUnauthenticated, Hint::kClockSkew},
    {"RequestTimeTooSkewed", StatusCode::kUnauthenticated, Hint::kClockSkew},
    {"AccessDenied", StatusCode::kPermissionDenied, Hint::kAccessDenied},
    {"AccessDeniedException", StatusCode::kPermissionDenied, Hint::kAccessDenied},
    // EC2's words for the same two failures.
    {"UnauthorizedOperation", StatusCode::kPermissionDenied, Hint::kAccessDenied},
    {"AuthFailure", StatusCode::kUnauthenticated, Hint::kKeyOrSecret},
    {"Throttling", StatusCode::kUnavailable, Hint::kThrottled},
    {"ThrottlingException", StatusCode::kUnavailable, Hint::kThrottled},
    {"TooManyRequestsException", StatusCode::kUnavailable, Hint::kThrottled},
    {"RequestLimitExceeded", StatusCode::kUnavailable, Hint::kThrottled},
    {"ProvisionedThroughputExceededException", StatusCode::kUnavailable, Hint::kThrottled},
    {"InvalidParameterException", StatusCode::kInvalidArgument, Hint::kInvalidRequest},
    {"ValidationException", StatusCode::kInvalidArgument, Hint::kInvalidRequest},
    {"InvalidParameterValue", StatusCode::kInvalidArgument, Hint::kInvalidRequest},
    {"MissingParameter", StatusCode::kInvalidArgument, Hint::kInvalidRequest},
    {"SerializationException", StatusCode::kInvalidArgument, Hint::kInvalidRequest},
};

const KnownCode* FindCode(std::string_view code) {
  for (const KnownCode& known : kKnownCodes) {
    if (known.code == code) return &known;
  }
  return nullptr;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// "ns#Code:http://uri" -> "Code". Anything that is not a plausible shape name is dropped, so
// a hostile body cannot put arbitrary text where the code goes.
std::string ShapeName(std::string_view raw) {
  raw = Trim(raw);
  raw = raw.substr(0, raw.find(':'));
  if (size_t hash = raw.rfind('#'); hash != std::string_view::npos) raw.remove_prefix(hash + 1);
  bool plausible =
      !raw.empty() && raw.size() <= 100 && std::all_of(raw.begin(), raw.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      });
  return plausible ? std::string(raw) : "";
}

void ParseJsonBody(std::string_view body, AwsError* error) {
  auto json = ParseBoundedJson(body);
  if (json.is_discarded() || !json.is_object()) return;
  if (error->code.empty()) error->code = ShapeName(StringMember(json, "code"));
  if (error->code.empty()) error->code = ShapeName(StringMember(json, "__type"));
  error->message = StringMember(json, "message");
  if (error->message.empty()) error->message = StringMember(json, "Message");
}

std::string DecodeXmlEntities(std::string_view text) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    auto entity = std::find_if(std::begin(kEntities), std::end(kEntities), [&](const auto& e) {
      return text.substr(i, e.first.size()) == e.first;
    });
    if (text[i] == '&' && entity != std::end(kEntities)) {
      out.push_back(entity->second);
      i += entity->first.size() - 1;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

void ParseXmlBody(std::string_view body, AwsError* error) {
  if (error->code.empty()) error->code = ShapeName(XmlElementText(body, "Code"));
  error->message = XmlElementText(body, "Message");
  if (error->request_id.empty()) error->request_id = XmlElementText(body, "RequestId");
  // EC2 spells it RequestID.
  if (error->request_id.empty()) error->request_id = XmlElementText(body, "RequestID");
}

void ReplaceAll(std::string* text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (size_t pos = text->find(from); pos != std::string::npos;
       pos = text->find(from, pos + to.size())) {
    text->replace(pos, from.size(), to);
  }
}

void RedactHexRuns(std::string* text) {
  std::string out;
  size_t run_start = 0;
  auto flush = [&](size_t end) {
    size_t length = end - run_start;
    out.append(length >= 64 ? "<redacted>" : text->substr(run_start, length));
  };
  for (size_t i = 0; i < text->size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>((*text)[i]))) {
      flush(i);
      out.push_back((*text)[i]);
      run_start = i + 1;
    }
  }
  flush(text->size());
  *text = std::move(out);
}

std::string KeyId(const CallContext& context) {
  if (context.credentials == nullptr || context.credentials->access_key_id.empty()) {
    return "(none)";
  }
  return TruncatedAccessKeyId(context.credentials->access_key_id);
}

std::string Source(const CallContext& context) {
  if (context.credentials == nullptr || context.credentials->source.empty()) {
    return "the credential source";
  }
  return context.credentials->source;
}

bool IsTemporaryKeyWithoutToken(const CallContext& context) {
  return context.credentials != nullptr &&
         context.credentials->access_key_id.substr(0, 4) == "ASIA" &&
         context.credentials->session_token.empty();
}

std::string HintText(Hint hint, const AwsError& error, const CallContext& context) {
  switch (hint) {
    case Hint::kWrongSecret:
      return fmt::format(
          "the secret access key does not match access key id {} from {}; check the secret "
          "there (mistyped, truncated, or belonging to another key)",
          KeyId(context), Source(context));
    case Hint::kUnknownKey:
      if (IsTemporaryKeyWithoutToken(context)) {
        return fmt::format(
            "access key id {} from {} is temporary but came without its session "
            "token; supply the token with the key",
            KeyId(context), Source(context));
      }
      return fmt::format(
          "AWS does not know access key id {} from {}: it was deleted or deactivated, belongs "
          "to another partition, or its session token is wrong; check that source",
          KeyId(context), Source(context));
    case Hint::kKeyOrSecret:
      // EC2 says AuthFailure both for an unknown key and for a signature made with the wrong
      // secret.
      return fmt::format(
          "AWS could not validate access key id {} from {}: the key is unknown (deleted, "
          "deactivated, another partition), or its secret access key or session token is wrong; "
          "check that source",
          KeyId(context), Source(context));
    case Hint::kIncompleteSignature:
      return fmt::format(
          "the request reached {} without a complete signature; a proxy may "
          "have removed the Authorization header, or the endpoint is not the "
          "service's API",
          context.endpoint);
    case Hint::kExpiredToken:
      return fmt::format(
          "the temporary credentials from {} have expired; refresh them at "
          "their source (new SSO login, web identity token or role session)",
          Source(context));
    case Hint::kClockSkew:
      return "the request time was outside AWS's 5-minute window; check the node clock "
             "(timedatectl, chronyc tracking)";
    case Hint::kAccessDenied:
      return fmt::format(
          "the identity behind access key id {} (from {}) may not call {}; attach a policy "
          "that allows it, e.g. the AWS managed policy {}",
          KeyId(context), Source(context), context.required_actions, context.suggested_policy);
    case Hint::kThrottled:
      return "AWS is throttling these calls; pullkeeper retries with backoff, and if this "
             "persists, sync less often";
    case Hint::kServerError:
      return "AWS reported a transient server error; pullkeeper retries with backoff";
    case Hint::kInvalidRequest:
      return "AWS rejected the request as invalid; check the registry ids (12 digits) and the "
             "region";
    case Hint::kNotFound:
      return fmt::format("nothing at {} serves {}; check the endpoint URL", context.endpoint,
                         context.operation);
    case Hint::kNoAwsCode:
      return fmt::format(
          "the answer carries no AWS error code ({}, {} status); a proxy or a "
          "wrong endpoint may have answered: check HTTPS_PROXY and the endpoint",
          error.content_type.empty() ? "no content type" : error.content_type, error.http_status);
    case Hint::kUnknownCode:
      return "pullkeeper has no advice for this error code; the service's message says what "
             "went wrong";
  }
  return "";
}

bool MentionsClockSkew(const AwsError& error) {
  return error.message.find("Signature expired") != std::string::npos ||
         error.message.find("Signature not yet current") != std::string::npos;
}

// The StatusCode and hint for an error: a known code first, then the HTTP status.
std::pair<StatusCode, Hint> Classify(const AwsError& error) {
  if (const KnownCode* known = FindCode(error.code)) {
    if (known->hint == Hint::kWrongSecret && MentionsClockSkew(error)) {
      return {known->status, Hint::kClockSkew};
    }
    return {known->status, known->hint};
  }
  long status = error.http_status;
  if (status == 429) return {StatusCode::kUnavailable, Hint::kThrottled};
  if (status >= 500) return {StatusCode::kUnavailable, Hint::kServerError};
  Hint hint = !error.code.empty() ? Hint::kUnknownCode
              : status == 404     ? Hint::kNotFound
                                  : Hint::kNoAwsCode;
  switch (status) {
    case 400:
      return {StatusCode::kInvalidArgument, hint};
    case 401:
      return {StatusCode::kUnauthenticated, hint};
    case 403:
      return {StatusCode::kPermissionDenied, hint};
    case 404:
      return {StatusCode::kNotFound, hint};
    default:
      return {StatusCode::kInternal, hint};
  }
}

}  // namespace

// The text of the first <tag>...</tag>. AWS error documents are flat enough that this is all
// the XML reading they need; a full parser would add a dependency for three fields.
std::string XmlElementText(std::string_view body, std::string_view tag) {
  std::string open = fmt::format("<{}>", tag);
  std::string close = fmt::format("</{}>", tag);
  size_t start = body.find(open);
  if (start == std::string_view::npos) return "";
  start += open.size();
  size_t end = body.find(close, start);
  if (end == std::string_view::npos) return "";
  return DecodeXmlEntities(Trim(body.substr(start, end - start)));
}

AwsError ParseAwsError(const http::Response& response) {
  AwsError error;
  error.http_status = response.status;
  error.content_type = ScrubServiceText(response.Header("content-type"), nullptr, 100);
  error.code = ShapeName(response.Header("x-amzn-errortype"));
  error.request_id = std::string(response.Header("x-amzn-requestid"));
  if (error.request_id.empty()) error.request_id = std::string(response.Header("x-amz-request-id"));
  std::string_view body = Trim(response.body);
  if (!body.empty() && body.front() == '{') ParseJsonBody(body, &error);
  if (!body.empty() && body.front() == '<') ParseXmlBody(body, &error);
  error.message = ScrubServiceText(error.message, nullptr);
  error.request_id = ScrubServiceText(error.request_id, nullptr, 100);
  return error;
}

bool IsThrottlingError(const AwsError& error) {
  const KnownCode* known = FindCode(error.code);
  return error.http_status == 429 || (known != nullptr && known->hint == Hint::kThrottled);
}

std::string ScrubServiceText(std::string_view text, const Credentials* credentials,
                             size_t max_bytes) {
  std::string out;
  for (char c : text) out.push_back(std::iscntrl(static_cast<unsigned char>(c)) ? ' ' : c);
  if (credentials != nullptr) {
    ReplaceAll(&out, credentials->secret_access_key.reveal(), "<redacted>");
    ReplaceAll(&out, credentials->session_token.reveal(), "<redacted>");
    if (credentials->access_key_id.size() > 4) {
      ReplaceAll(&out, credentials->access_key_id,
                 TruncatedAccessKeyId(credentials->access_key_id));
    }
  }
  RedactHexRuns(&out);
  out = log::Redact(out);
  if (out.size() > max_bytes) {
    size_t cut = max_bytes;
    // Do not split a UTF-8 sequence.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out.append("…");
  }
  return out;
}

Status AwsErrorToStatus(const AwsError& error, const CallContext& call) {
  CallContext context = call;
  context.endpoint = http::RedactUrl(call.endpoint);
  auto [code, hint] = Classify(error);
  std::string message = fmt::format("{} in {} at {} failed: HTTP {}", context.operation,
                                    context.region.empty() ? "(no region)" : context.region,
                                    context.endpoint, error.http_status);
  // Every field the service chose is scrubbed against the caller's credentials, the code and
  // request id included: a hostile or broken responder could echo anything.
  const Credentials* credentials = context.credentials;
  if (!error.code.empty()) message += " " + ScrubServiceText(error.code, credentials);
  std::string service_message = ScrubServiceText(error.message, credentials);
  if (!service_message.empty()) message += ": " + service_message;
  if (!error.request_id.empty()) {
    message += " (request id " + ScrubServiceText(error.request_id, credentials) + ")";
  }
  message += "; " + HintText(hint, error, context);
  return Status(code, std::move(message));
}

}  // namespace pullkeeper::aws
