// Feeds arbitrary bytes to doctor's snapshot reader as one file would, then runs every check
// and both report formats over whatever was recognised: a file left in a snapshot directory
// must never crash doctor, hang it or make it throw.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "doctor/doctor.h"
#include "doctor/snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  pullkeeper::doctor::Snapshot snapshot;
  pullkeeper::doctor::AddDocument(snapshot, input, "fuzz.json");
  pullkeeper::doctor::DoctorOptions options;
  pullkeeper::ParseRfc3339("2026-11-20T14:30:00Z", &options.now);
  pullkeeper::doctor::Report report = pullkeeper::doctor::RunDoctor(snapshot, options);
  (void)pullkeeper::doctor::FormatReportText(report);
  (void)pullkeeper::doctor::FormatReportJson(report);
  return 0;
}
