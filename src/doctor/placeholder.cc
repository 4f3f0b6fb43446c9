#include "doctor/placeholder.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace pullkeeper::doctor {
namespace {

// Whole-segment words: placeholders when they are all there is, names when part of one.
constexpr std::array<std::string_view, 22> kPlaceholderSegments = {
    "placeholder", "placeholders", "changeme",    "change_me",  "change-me",  "change me",
    "changeit",    "change_it",    "change-it",   "replaceme",  "replace_me", "replace-me",
    "replace me",  "todo",         "tbd",         "tba",        "fixme",      "dummy",
    "example",     "example.com",  "example.org", "example.net"};
// Tokens that no real key contains as a word of its own.
constexpr std::array<std::string_view, 5> kPlaceholderTokens = {"placeholder", "placeholders",
                                                                "changeme", "replaceme", "fixme"};
constexpr std::array<std::string_view, 4> kFillInVerbs = {"insert", "enter", "put", "add"};
constexpr std::array<std::string_view, 3> kExampleDomains = {".example.com", ".example.org",
                                                             ".example.net"};

struct Marker {
  std::string_view open;
  std::string_view close;
  const char* reason;
};
constexpr std::array<Marker, 5> kTemplateMarkers = {{
    {"${", "}", "an unrendered template"},
    {"{{", "}}", "an unrendered template"},
    {"$(", ")", "an unrendered variable"},
    {"#{", "}", "an unrendered token-replacement marker"},
    {"<", ">", "an angle-bracket placeholder"},
}};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <typename Container>
bool Contains(const Container& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

std::vector<std::string_view> SplitAny(std::string_view text, std::string_view separators) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || separators.find(text[i]) != std::string_view::npos) {
      if (i > start) parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// "xxx", "XXXXXXXX", "xxxx-xxxx": at least three x's and nothing but separators besides.
bool IsRunOfX(std::string_view text) {
  size_t x_count = std::count(text.begin(), text.end(), 'x');
  return x_count >= 3 && std::all_of(text.begin(), text.end(), [](char c) {
           return c == 'x' || c == '-' || c == '_' || c == '.';
         });
}

const char* TemplateReason(std::string_view value) {
  for (const Marker& marker : kTemplateMarkers) {
    size_t open = value.find(marker.open);
    if (open == std::string_view::npos) continue;
    size_t close = value.find(marker.close, open + marker.open.size());
    // "<>" holds nothing to fill in; "a<b" never closes.
    if (close != std::string_view::npos && close > open + marker.open.size()) {
      return marker.reason;
    }
  }
  return nullptr;
}

const char* SegmentReason(std::string_view segment) {
  if (Contains(kPlaceholderSegments, segment)) return "a placeholder word";
  if (IsRunOfX(segment)) return "a run of x's";
  if (segment.size() > 4 && segment.starts_with("__") && segment.ends_with("__")) {
    return "an unrendered token-replacement marker";
  }
  for (std::string_view domain : kExampleDomains) {
    if (segment.ends_with(domain)) return "an example domain";
  }
  std::vector<std::string_view> tokens = SplitAny(segment, "-_. ");
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (Contains(kPlaceholderTokens, tokens[i])) return "a placeholder word";
    if (IsRunOfX(tokens[i])) return "a run of x's";
    if (i + 1 < tokens.size() && (tokens[i] == "change" || tokens[i] == "replace") &&
        tokens[i + 1] == "me") {
      return "a placeholder word";
    }
  }
  if (tokens.size() >= 2 && tokens.front() == "your") return "a fill-in phrase";
  if (tokens.size() >= 3 && Contains(kFillInVerbs, tokens.front()) && tokens.back() == "here") {
    return "a fill-in phrase";
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> PlaceholderReason(std::string_view value) {
  std::string lower = Lower(value);
  if (const char* reason = TemplateReason(lower)) return reason;
  for (std::string_view segment : SplitAny(lower, "/:")) {
    // Trim spaces so "change me " and " TODO" read as the words they are.
    while (!segment.empty() && segment.front() == ' ') segment.remove_prefix(1);
    while (!segment.empty() && segment.back() == ' ') segment.remove_suffix(1);
    if (const char* reason = SegmentReason(segment)) return reason;
  }
  return std::nullopt;
}

}  // namespace pullkeeper::doctor
