#include "doctor/checks.h"

namespace pullkeeper::doctor {

void CheckNetwork(const Snapshot&, const DoctorOptions&, std::vector<Finding>&) {}

}  // namespace pullkeeper::doctor
