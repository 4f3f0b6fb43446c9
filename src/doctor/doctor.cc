#include "doctor/doctor.h"

namespace pullkeeper::doctor {

bool InScope(const DoctorOptions& options, std::string_view namespace_name) {
  return options.namespace_filter.empty() || namespace_name == options.namespace_filter;
}

// Stubs: linking and formatting are being written (issue 4).
void LinkFindings(std::vector<Finding>&, std::vector<std::string>&) {}

Report RunDoctor(const Snapshot& snapshot, const DoctorOptions& options) {
  Report report;
  report.now = options.now;
  CheckPullSecrets(snapshot, options, report.findings);
  CheckWorkloads(snapshot, options, report.findings);
  CheckNetwork(snapshot, options, report.findings);
  LinkFindings(report.findings, report.root_causes);
  report.skipped = snapshot.skipped();
  return report;
}

std::string FormatReportText(const Report&) { return ""; }
std::string FormatReportJson(const Report&) { return "{}"; }

}  // namespace pullkeeper::doctor
