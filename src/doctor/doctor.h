// Runs every check over a snapshot and links the findings into chains of causes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "doctor/checks.h"
#include "doctor/finding.h"
#include "doctor/snapshot.h"

namespace pullkeeper::doctor {

struct Report {
  SystemTime now;
  std::vector<Finding> findings;
  // Findings without causes that are errors or cause another finding: where to start.
  std::vector<std::string> root_causes;
  std::map<std::string, int> skipped;
  std::map<std::string, std::vector<std::string>> skipped_files;  // Snapshot::skipped_files
  // What could not be checked at all because a kind was not read, e.g. "no Pod was read:
  // failing pulls were not looked for"; printed apart so that "no problems found" is not
  // taken for "all is well".
  std::vector<std::string> not_checked;
};

// Keeps, for each finding, the possible causes that exist as findings (dropping self-links),
// in the order proposed; then computes the root causes.
void LinkFindings(std::vector<Finding>& findings, std::vector<std::string>& root_causes);

Report RunDoctor(const Snapshot& snapshot, const DoctorOptions& options);

// Text: each chain root first, with evidence and one line of advice. JSON: the interface of
// issue 4: {"now", "findings": [{"id", "check", "severity", "object": {"kind", "namespace",
// "name"}, "message", "causes"}], "root_causes", "skipped"} (plus "evidence" and "advice").
std::string FormatReportText(const Report& report);
std::string FormatReportJson(const Report& report);

}  // namespace pullkeeper::doctor
