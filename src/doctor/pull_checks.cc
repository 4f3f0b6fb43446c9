#include "doctor/checks.h"

namespace pullkeeper::doctor {

void CheckPullSecrets(const Snapshot&, const DoctorOptions&, std::vector<Finding>&) {}

}  // namespace pullkeeper::doctor
