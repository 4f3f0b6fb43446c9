#include "cli/sync_summary.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/printable.h"

namespace pullkeeper::cli {
namespace {

std::string_view StageName(sync::Stage stage) {
  switch (stage) {
    case sync::Stage::kNone:
      return "";
    case sync::Stage::kConfiguration:
      return "configuration";
    case sync::Stage::kAws:
      return "aws";
    case sync::Stage::kKubernetes:
      return "kubernetes";
  }
  return "";
}

std::string ExpiryText(const sync::SyncReport& report) {
  if (!report.token_expires_at) return "";
  std::string text = FormatRfc3339(*report.token_expires_at);
  if (report.token_expired_on_arrival) text += " (assumed: the token arrived already expired)";
  return text;
}

}  // namespace

std::string FormatSyncSummaryText(const sync::SyncReport& report, bool dry_run) {
  std::string out;
  if (!report.fatal.ok()) {
    return fmt::format(
        "pullkeeper sync: nothing written: the {} stage failed (the error is logged on stderr)\n",
        StageName(report.failed_stage));
  }
  size_t name_width = 9;
  for (const auto& r : report.namespaces)
    name_width = std::max(name_width, r.namespace_name.size());
  out += fmt::format("{:<{}}  {:<12}  {}\n", "NAMESPACE", name_width, "RESULT", "DETAIL");
  for (const auto& r : report.namespaces) {
    out +=
        fmt::format("{:<{}}  {:<12}  {}\n", r.namespace_name, name_width,
                    sync::OutcomeName(r.outcome), r.error.ok() ? "" : Printable(r.error.message()));
  }
  size_t failed = report.CountOutcome(sync::Outcome::kFailed);
  size_t count = report.namespaces.size();
  out += fmt::format(
      "{}secret {} in {} namespace{}: {} {}, {} {}, {} unchanged, {} failed",
      dry_run ? "[dry run: checked by the API server, nothing stored] " : "", report.secret_name,
      count, count == 1 ? "" : "s",
      report.CountOutcome(dry_run ? sync::Outcome::kWouldCreate : sync::Outcome::kCreated),
      dry_run ? "would be created" : "created",
      report.CountOutcome(dry_run ? sync::Outcome::kWouldUpdate : sync::Outcome::kUpdated),
      dry_run ? "would be updated" : "updated", report.CountOutcome(sync::Outcome::kUnchanged),
      failed);
  if (!report.registries.empty()) {
    out += fmt::format("; registries {}", fmt::join(report.registries, ", "));
  }
  if (report.token_expires_at) out += fmt::format("; token expires {}", ExpiryText(report));
  out += "\n";
  return log::Redact(out);
}

std::string FormatSyncSummaryJson(const sync::SyncReport& report, bool dry_run) {
  nlohmann::json doc;
  doc["secret"] = report.secret_name;
  doc["dry_run"] = dry_run;
  doc["registries"] = report.registries;
  doc["token_expires_at"] =
      report.token_expires_at ? nlohmann::json(FormatRfc3339(*report.token_expires_at)) : nullptr;
  doc["token_expired_on_arrival"] = report.token_expired_on_arrival;
  if (!report.fatal.ok()) {
    doc["failed_stage"] = StageName(report.failed_stage);
    doc["error"] = report.fatal.message();
  }
  nlohmann::json namespaces = nlohmann::json::array();
  for (const auto& r : report.namespaces) {
    nlohmann::json entry = {{"namespace", r.namespace_name},
                            {"result", sync::OutcomeName(r.outcome)}};
    if (!r.error.ok()) entry["error"] = r.error.message();
    namespaces.push_back(std::move(entry));
  }
  doc["namespaces"] = std::move(namespaces);
  doc["summary"] = {
      {"created", report.CountOutcome(sync::Outcome::kCreated)},
      {"updated", report.CountOutcome(sync::Outcome::kUpdated)},
      {"unchanged", report.CountOutcome(sync::Outcome::kUnchanged)},
      {"would_create", report.CountOutcome(sync::Outcome::kWouldCreate)},
      {"would_update", report.CountOutcome(sync::Outcome::kWouldUpdate)},
      {"failed", report.CountOutcome(sync::Outcome::kFailed)},
  };
  return log::Redact(doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace pullkeeper::cli
