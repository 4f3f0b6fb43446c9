// pullkeeper's version (from the CMake project version), reported by --version and in the
// User-Agent of every request.
#pragma once

namespace pullkeeper {

inline constexpr char kVersion[] = PULLKEEPER_VERSION;

}  // namespace pullkeeper
