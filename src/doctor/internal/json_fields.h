// Reading fields of Kubernetes objects held as parsed JSON, without exceptions: a snapshot is
// untrusted input, so a missing member and a member of the wrong type read alike, as absent.
// For the checks in src/doctor only.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace pullkeeper::doctor::internal {

// object[key], or a null value when `object` is not an object or has no such member.
const nlohmann::json& Field(const nlohmann::json& object, std::string_view key);
// Field() applied along `path`: Path(pod, {"spec", "template", "spec"}).
const nlohmann::json& Path(const nlohmann::json& object,
                           std::initializer_list<std::string_view> path);
// object[key] when it is an array, else an empty array.
const nlohmann::json& ArrayField(const nlohmann::json& object, std::string_view key);
// object[key] when it is a string, else "".
std::string StringField(const nlohmann::json& object, std::string_view key);
// Whether object[key] is the JSON value true (a string "true" is not).
bool IsTrue(const nlohmann::json& object, std::string_view key);
// object[key] when it is an integer, else nullopt.
std::optional<int64_t> IntField(const nlohmann::json& object, std::string_view key);
// object[key] when it is an RFC 3339 time, else nullopt.
std::optional<SystemTime> TimeField(const nlohmann::json& object, std::string_view key);

// The condition of `type` in status.conditions (or null).
const nlohmann::json& Condition(const nlohmann::json& object, std::string_view type);

}  // namespace pullkeeper::doctor::internal
