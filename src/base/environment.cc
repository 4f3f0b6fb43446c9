#include "base/environment.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace pullkeeper {

std::optional<std::string> Environment::GetNonEmpty(std::string_view name) const {
  auto value = Get(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

std::string Environment::HomeDirectory() const {
  if (auto home = GetNonEmpty("HOME")) return *home;
  if (const passwd* entry = getpwuid(getuid()); entry != nullptr && entry->pw_dir != nullptr) {
    return entry->pw_dir;
  }
  return "";
}

std::optional<std::string> ProcessEnvironment::Get(std::string_view name) const {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> MapEnvironment::Get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

}  // namespace pullkeeper
