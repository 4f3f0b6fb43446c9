// Wires `pullkeeper whoami`: the default credential chain, the region, STS GetCallerIdentity,
// then a short report on stdout or one error line (through the logger) and an exit code.
#include "cli/whoami_command.h"

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aws/credential_chain.h"
#include "aws/region.h"
#include "aws/sigv4_signer.h"
#include "base/log.h"
#include "cli/exit_codes.h"
#include "http/curl_http_client.h"

namespace pullkeeper::cli {
namespace {

constexpr char kComponent[] = "cli";

int Fail(int code, const Status& error) {
  log::Error(kComponent, "whoami failed",
             {{"exit_code", code}, {log::keys::kError, error.message()}});
  return code;
}

std::string Remaining(SystemTime expiration, SystemTime now) {
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(expiration - now).count();
  if (minutes < 0) return "expired";
  if (minutes < 120) return fmt::format("in {}m", minutes);
  return fmt::format("in {}h{:02}m", minutes / 60, minutes % 60);
}

}  // namespace

CLI::App* AddWhoamiCommand(CLI::App& app, WhoamiCommandFlags& flags) {
  CLI::App* whoami = app.add_subcommand(
      "whoami", "Show the AWS identity pullkeeper's credentials belong to, their source and "
                "expiry (STS GetCallerIdentity); prints no key");
  whoami->add_option("--profile", flags.profile, "AWS shared-config profile (default: AWS_PROFILE)")
      ->envname("PULLKEEPER_PROFILE");
  whoami->add_option("--region", flags.region,
                     "AWS region for STS (default: AWS_REGION, AWS_DEFAULT_REGION, then the "
                     "profile's region)")
      ->envname("PULLKEEPER_REGION");
  whoami->add_option("--endpoint-url", flags.endpoint_url,
                     "STS endpoint override (default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, "
                     "then https://sts.<region>.<partition's domain>)")
      ->envname("PULLKEEPER_ENDPOINT_URL");
  whoami->add_option("--output", flags.output, "text or json")
      ->envname("PULLKEEPER_OUTPUT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return whoami;
}

std::string FormatWhoamiText(const WhoamiReport& report, SystemTime now) {
  std::string expires =
      report.expiration
          ? fmt::format("{} ({})", FormatRfc3339(*report.expiration),
                        Remaining(*report.expiration, now))
          : std::string("never (long-lived keys)");
  return fmt::format(
      "account:        {}\n"
      "arn:            {}\n"
      "user id:        {}\n"
      "access key id:  {}\n"
      "source:         {}\n"
      "expires:        {}\n"
      "region:         {} (from {})\n"
      "sts endpoint:   {}\n",
      report.identity.account, report.identity.arn, report.identity.user_id,
      report.access_key_id, report.source, expires, report.region, report.region_source,
      report.endpoint);
}

std::string FormatWhoamiJson(const WhoamiReport& report) {
  nlohmann::json json = {
      {"account", report.identity.account},
      {"arn", report.identity.arn},
      {"user_id", report.identity.user_id},
      {"access_key_id", report.access_key_id},
      {"source", report.source},
      {"expiration", report.expiration ? nlohmann::json(FormatRfc3339(*report.expiration))
                                       : nlohmann::json(nullptr)},
      {"region", report.region},
      {"region_source", report.region_source},
      {"endpoint", report.endpoint},
  };
  // Replace, not throw, on invalid UTF-8: the fields came from a peer.
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

int RunWhoamiCommand(const WhoamiCommandFlags& flags) {
  ProcessEnvironment env;
  Clock& clock = DefaultClock();
  // Credentials first: they are what whoami is about, and "none found" must be exit 3 even
  // on a machine without a region.
  aws::ChainOptions chain_options;
  chain_options.profile = flags.profile;
  chain_options.clock = &clock;
  // A role's STS calls use --region too; --endpoint-url is for GetCallerIdentity only, as the
  // AWS CLI's --endpoint-url does not reach its credential provider either.
  chain_options.region = flags.region;
  auto chain = aws::MakeDefaultCredentialChain(env, chain_options);
  auto credentials = chain->Resolve();
  if (!credentials.ok()) {
    return Fail(kExitAwsFailure, credentials.status().WithContext("resolving AWS credentials"));
  }
  auto region = aws::ResolveRegion(flags.region, flags.profile, env,
                                   [] { return std::make_unique<http::CurlHttpClient>(); }, clock);
  if (!region.ok()) return Fail(kExitUsage, region.status());
  auto endpoint = aws::ResolveStsEndpoint(region->name, flags.endpoint_url, env);
  if (!endpoint.ok()) return Fail(kExitUsage, endpoint.status());

  http::CurlHttpClient http;
  aws::HttpStsApi sts(http, clock, env);
  auto identity = sts.GetCallerIdentity(region->name, flags.endpoint_url, *credentials);
  if (!identity.ok()) {
    int code = identity.status().code() == StatusCode::kInvalidArgument ? kExitUsage
                                                                         : kExitAwsFailure;
    return Fail(code, identity.status().WithContext(
                          fmt::format("checking credentials from {}", credentials->source)));
  }

  WhoamiReport report{*identity,
                      aws::TruncatedAccessKeyId(credentials->access_key_id),
                      credentials->source,
                      credentials->expiration,
                      region->name,
                      region->source,
                      http::RedactUrl(*endpoint)};
  std::string text = flags.output == "json" ? FormatWhoamiJson(report)
                                            : FormatWhoamiText(report, clock.Now());
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace pullkeeper::cli
