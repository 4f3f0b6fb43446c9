// Runs the checks, links findings to their causes and prints the chains root first.
#include "doctor/doctor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <future>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "base/printable.h"

namespace pullkeeper::doctor {
namespace {

void AppendUnique(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& item : from) {
    if (std::find(to.begin(), to.end(), item) == to.end()) to.push_back(item);
  }
}

// One finding per id: a check that met the same object twice, or two checks that agree,
// must not print it twice. The first keeps its text and gains the others' evidence and causes.
void MergeDuplicates(std::vector<Finding>& findings) {
  std::unordered_map<std::string, size_t> first;
  std::vector<Finding> unique;
  unique.reserve(findings.size());
  for (auto& finding : findings) {
    auto [it, inserted] = first.emplace(finding.id, unique.size());
    if (inserted) {
      unique.push_back(std::move(finding));
      continue;
    }
    Finding& kept = unique[it->second];
    AppendUnique(kept.evidence, finding.evidence);
    AppendUnique(kept.possible_causes, finding.possible_causes);
    AppendUnique(kept.causes, finding.causes);
  }
  findings = std::move(unique);
}

int SeverityRank(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return 0;
    case Severity::kWarning:
      return 1;
    case Severity::kInfo:
      return 2;
  }
  return 0;
}

std::string DescribeObject(const ObjectRef& object) {
  if (object.namespace_name.empty()) return fmt::format("{} {}", object.kind, object.name);
  return fmt::format("{} {}/{}", object.kind, object.namespace_name, object.name);
}

std::string Upper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

// Prints chains downward: a finding, then every finding it causes, each once. A finding
// reached a second time (a pod blamed on two secrets) gets a one-line pointer back.
class ChainPrinter {
 public:
  explicit ChainPrinter(const std::vector<Finding>& findings) {
    for (const auto& finding : findings) {
      for (const auto& cause : finding.causes) effects_[cause].push_back(&finding);
    }
  }

  bool printed(const std::string& id) const { return printed_.count(id) > 0; }

  void Print(const Finding& finding, std::string_view label, int depth, std::string& out) {
    std::string pad(static_cast<size_t>(depth) * 4, ' ');
    std::string what =
        fmt::format("{} {}", Printable(finding.check), Printable(DescribeObject(finding.object)));
    if (printed(finding.id)) {
      out += fmt::format("{}{} {} (see above)\n", pad, label, what);
      return;
    }
    printed_.insert(finding.id);
    out += fmt::format("{}{} {}: {}\n", pad, label, what, Printable(finding.message));
    for (const auto& line : finding.evidence)
      out += fmt::format("{}    {}\n", pad, Printable(line));
    if (!finding.advice.empty())
      out += fmt::format("{}    → what to do: {}\n", pad, Printable(finding.advice));
    auto effects = effects_.find(finding.id);
    if (effects == effects_.end()) return;
    for (const Finding* effect : effects->second) {
      Print(*effect, "└─ causes", depth + 1, out);
    }
  }

 private:
  std::unordered_map<std::string, std::vector<const Finding*>> effects_;
  std::unordered_set<std::string> printed_;
};

std::string Plural(int count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

bool IsNotRead(std::string_view reason) {
  for (std::string_view prefix : {kNotReadNotServed, kNotReadForbidden, kNotReadFailed}) {
    if (reason.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

// "a.json, b.json and 3 more": which files to open first.
std::string JoinFiles(const std::vector<std::string>& files) {
  constexpr size_t kShown = 3;
  std::string out;
  for (size_t i = 0; i < files.size() && i < kShown; ++i) {
    out += (i == 0 ? "" : ", ") + std::string(Printable(files[i], 300));
  }
  if (files.size() > kShown) out += fmt::format(" and {} more", files.size() - kShown);
  return out;
}

std::string SummaryLine(const Report& report) {
  int errors = 0, warnings = 0, infos = 0;
  for (const auto& finding : report.findings) {
    if (finding.severity == Severity::kError) ++errors;
    if (finding.severity == Severity::kWarning) ++warnings;
    if (finding.severity == Severity::kInfo) ++infos;
  }
  std::string line =
      fmt::format("summary: {}, {}, {}; {}", Plural(errors, "error", "errors"),
                  Plural(warnings, "warning", "warnings"), Plural(infos, "info", "info"),
                  Plural(static_cast<int>(report.root_causes.size()), "root cause", "root causes"));
  std::vector<std::string> parts;
  for (const auto& [reason, count] : report.skipped) {
    if (IsNotRead(reason)) continue;
    std::string part = fmt::format("{} {}", count, Printable(reason, 200));
    if (auto files = report.skipped_files.find(reason); files != report.skipped_files.end()) {
      part += " (" + JoinFiles(files->second) + ")";
    }
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return line + "; nothing skipped\n";
  return fmt::format("{}; skipped: {}\n", line, fmt::join(parts, ", "));
}

// Collections live mode could not read get a line of their own above the summary: a check
// that saw no Secrets reports nothing about them, and "no problems found" must not read as
// "all is well" when a whole kind was missing.
std::string NotReadLine(const Report& report) {
  std::vector<std::string> parts;
  for (const auto& [reason, count] : report.skipped) {
    if (IsNotRead(reason)) parts.push_back(std::string(Printable(reason, 200)));
  }
  if (parts.empty()) return "";
  return fmt::format(
      "not read: {}; the checks that need these saw nothing (a forbidden list needs get/list "
      "for your user, see the README's Live mode; not served means not installed; a failed "
      "aws call is explained in a warning log line, its IAM actions are in "
      "docs/doctor-aws-permissions.md)\n",
      fmt::join(parts, "; "));
}

}  // namespace

bool InScope(const DoctorOptions& options, std::string_view namespace_name) {
  return options.namespace_filter.empty() || namespace_name == options.namespace_filter;
}

void LinkFindings(std::vector<Finding>& findings, std::vector<std::string>& root_causes) {
  MergeDuplicates(findings);
  std::unordered_set<std::string> ids;
  for (const auto& finding : findings) ids.insert(finding.id);
  std::unordered_set<std::string> causing;
  for (auto& finding : findings) {
    std::vector<std::string> linked;
    auto keep = [&](const std::string& id) {
      if (id == finding.id || ids.count(id) == 0) return;
      if (std::find(linked.begin(), linked.end(), id) == linked.end()) linked.push_back(id);
    };
    for (const auto& id : finding.causes) keep(id);
    for (const auto& id : finding.possible_causes) keep(id);
    finding.causes = std::move(linked);
    bool advice_causes_found =
        finding.advice_causes.empty()
            ? !finding.causes.empty()
            : std::any_of(finding.advice_causes.begin(), finding.advice_causes.end(),
                          [&](const std::string& id) {
                            return std::find(finding.causes.begin(), finding.causes.end(), id) !=
                                   finding.causes.end();
                          });
    if (!advice_causes_found && !finding.advice_without_causes.empty()) {
      finding.advice = std::move(finding.advice_without_causes);
    }
    finding.advice_without_causes.clear();
    finding.advice_causes.clear();
    causing.insert(finding.causes.begin(), finding.causes.end());
  }
  root_causes.clear();
  for (const auto& finding : findings) {
    if (!finding.causes.empty()) continue;
    if (finding.severity == Severity::kError || causing.count(finding.id) > 0)
      root_causes.push_back(finding.id);
  }
}

Report RunDoctor(const Snapshot& snapshot, const DoctorOptions& options) {
  Report report;
  report.now = options.now;
  // The pull checks, half of the checks' work on a large snapshot, run beside the others: the
  // checks only read the snapshot, and each list of findings is joined in a fixed order.
  auto check_pull_secrets = [&snapshot, &options] {
    std::vector<Finding> findings;
    CheckPullSecrets(snapshot, options, findings);
    return findings;
  };
  std::future<std::vector<Finding>> pull_findings;
  try {
    pull_findings = std::async(std::launch::async, check_pull_secrets);
  } catch (const std::system_error&) {
    pull_findings = std::async(std::launch::deferred, check_pull_secrets);  // no thread to be had
  }
  std::vector<Finding> other_findings;
  CheckWorkloads(snapshot, options, other_findings);
  CheckNetwork(snapshot, options, other_findings);
  report.findings = pull_findings.get();
  report.findings.insert(report.findings.end(), std::make_move_iterator(other_findings.begin()),
                         std::make_move_iterator(other_findings.end()));
  // Errors first, then by id: the same snapshot always prints the same report, whatever
  // order the checks and the files came in.
  std::stable_sort(report.findings.begin(), report.findings.end(),
                   [](const Finding& a, const Finding& b) {
                     int rank_a = SeverityRank(a.severity), rank_b = SeverityRank(b.severity);
                     if (rank_a != rank_b) return rank_a < rank_b;
                     return a.id < b.id;
                   });
  LinkFindings(report.findings, report.root_causes);
  report.skipped = snapshot.skipped();
  report.skipped_files = snapshot.skipped_files();
  // A snapshot without Pods or Secrets (a file that held kubectl's error instead, or one not
  // dumped) would otherwise end in "no problems found" about what was never looked at.
  if (!snapshot.HasKind("Pod")) {
    report.not_checked.push_back("no Pod was read, so no failing pull could be looked for");
  }
  if (!snapshot.HasKind("Secret")) {
    report.not_checked.push_back(
        "no Secret was read, so pull secrets' expiry and absence were not checked");
  }
  return report;
}

std::string FormatReportText(const Report& report) {
  std::string out;
  ChainPrinter printer(report.findings);
  std::unordered_map<std::string, const Finding*> by_id;
  for (const auto& finding : report.findings) by_id.emplace(finding.id, &finding);
  for (const auto& id : report.root_causes) {
    auto it = by_id.find(id);
    if (it == by_id.end() || printer.printed(id)) continue;
    // A warning can head a chain too (an expiring token under failing pulls): say so, or it
    // reads as an error.
    const Finding& root = *it->second;
    std::string label = root.severity == Severity::kError
                            ? std::string("ROOT")
                            : fmt::format("ROOT ({})", SeverityName(root.severity));
    printer.Print(root, label, 0, out);
    out += "\n";
  }
  // Findings outside every chain: lone warnings, and causes that form a loop.
  for (const auto& finding : report.findings) {
    if (printer.printed(finding.id)) continue;
    printer.Print(finding, Upper(SeverityName(finding.severity)), 0, out);
    out += "\n";
  }
  if (report.findings.empty()) out += "no problems found\n";
  for (const std::string& gap : report.not_checked) out += "not checked: " + gap + "\n";
  out += NotReadLine(report);
  out += SummaryLine(report);
  return out;
}

std::string FormatReportJson(const Report& report) {
  // Ordered, so the keys read in the order of the interface.
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const auto& finding : report.findings) {
    findings.push_back({
        {"id", finding.id},
        {"check", finding.check},
        {"severity", SeverityName(finding.severity)},
        {"object",
         {{"kind", finding.object.kind},
          {"namespace", finding.object.namespace_name},
          {"name", finding.object.name}}},
        {"message", finding.message},
        {"causes", finding.causes},
        {"evidence", finding.evidence},
        {"advice", finding.advice},
    });
  }
  nlohmann::ordered_json skipped = nlohmann::ordered_json::object();
  for (const auto& [reason, count] : report.skipped) skipped[reason] = count;
  nlohmann::ordered_json skipped_files = nlohmann::ordered_json::object();
  for (const auto& [reason, files] : report.skipped_files) skipped_files[reason] = files;
  nlohmann::ordered_json json = {
      {"now", FormatRfc3339(report.now)},          {"findings", std::move(findings)},
      {"root_causes", report.root_causes},         {"skipped", std::move(skipped)},
      {"skipped_files", std::move(skipped_files)}, {"not_checked", report.not_checked},
  };
  // Replace, not throw, on invalid UTF-8: names and messages come from the snapshot's files.
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace pullkeeper::doctor
