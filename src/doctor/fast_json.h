// ParseBoundedJson's result, reached faster: simdjson parses the text and the nlohmann value is
// built from its DOM. nlohmann's lexer reads a byte at a time and was a quarter of doctor's
// run on a large snapshot (bench/doctor_bench.py); simdjson scans at gigabytes a second.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/bounded_json.h"

namespace pullkeeper::doctor {

// The same value, discarded state and *too_deep as ParseBoundedJson(text, too_deep, max_depth)
// for every text. Whatever simdjson refuses, and whatever it accepts that nlohmann might read
// differently (a number whose text is not known, a value nested too deep), is parsed again by
// ParseBoundedJson, so the two parsers' disagreements can never change a result. Never throws.
// Thread-safe: each thread keeps its own parser.
//
// With Omit::kUnreadPodMembers, the members no check reads are left out of every Pod that is
// the whole text or an element of its "items" (unread_pod_fields.h): the value is that of
// ParseBoundedJson followed by EraseUnreadPodMembers, built in a third less time and memory.
enum class Omit : uint8_t { kNothing, kUnreadPodMembers };
nlohmann::json ParseJsonFast(std::string_view text, bool* too_deep = nullptr,
                             int max_depth = kMaxJsonDepth, Omit omit = Omit::kNothing);

}  // namespace pullkeeper::doctor
