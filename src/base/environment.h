// Environment variables and the home directory as a seam, so credential and config lookups
// can be tested with a map instead of the process environment.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pullkeeper {

class Environment {
 public:
  virtual ~Environment() = default;
  // The variable's value, or nullopt when unset. A variable set to "" is returned as "";
  // callers decide whether empty means unset (the AWS SDKs treat it so for most variables).
  virtual std::optional<std::string> Get(std::string_view name) const = 0;

  // Get(name) unless unset or empty.
  std::optional<std::string> GetNonEmpty(std::string_view name) const;
  // True when the variable is "true" in any letter case, as the AWS SDKs read their switches
  // (AWS_EC2_METADATA_DISABLED, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).
  bool IsTrue(std::string_view name) const;
  // $HOME, falling back to the passwd entry; "" if neither is known.
  virtual std::string HomeDirectory() const;
};

class ProcessEnvironment : public Environment {
 public:
  std::optional<std::string> Get(std::string_view name) const override;
};

class MapEnvironment : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(std::map<std::string, std::string, std::less<>> values)
      : values_(std::move(values)) {}
  void Set(std::string name, std::string value) { values_[std::move(name)] = std::move(value); }
  std::optional<std::string> Get(std::string_view name) const override;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace pullkeeper
