#include "doctor/list_parse.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "base/bounded_json.h"
#include "doctor/fast_json.h"
#include "doctor/unread_pod_fields.h"

namespace pullkeeper::doctor {
namespace {

// Where the items of a List lie: the text of the "items" array's elements, and the byte
// range of the array itself (brackets included) so the rest can be parsed without it.
struct ItemsLayout {
  size_t array_begin = 0;
  size_t array_end = 0;  // one past ']'
  std::vector<std::string_view> elements;
};

bool IsJsonBlank(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The index of the first byte at or after `at` that is not a space. `kubectl get -o json`
// indents by runs of spaces, a quarter of its bytes: eight at a time is worth it here.
size_t SkipSpaces(std::string_view text, size_t at) {
  constexpr uint64_t kEightSpaces = 0x2020202020202020;
  for (uint64_t word; at + 8 <= text.size(); at += 8) {
    std::memcpy(&word, text.data() + at, 8);
    if (word != kEightSpaces) break;
  }
  while (at < text.size() && text[at] == ' ') ++at;
  return at;
}

// Scans `text` once, tracking strings and nesting only (values are left to the parser), for
// the value of a key "items" directly inside the top-level object. nullopt when there is none,
// more than one, or the brackets do not balance: the caller then parses the text whole.
// Elements keep the blanks around them; the parser skips those as it would have.
std::optional<ItemsLayout> FindItems(std::string_view text) {
  constexpr size_t kNone = std::string_view::npos;
  ItemsLayout layout;
  bool found = false;
  int depth = 0;
  size_t element_begin = 0;
  bool element_has_content = false;                   // a non-blank byte since element_begin
  size_t last_string_begin = 0, last_string_end = 0;  // of the newest string at depth 1
  size_t previous = kNone;                            // the newest non-blank byte
  size_t key_colon = kNone;                           // a ':' right after a depth-1 string
  bool in_items = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (IsJsonBlank(c)) {
      if (c == '\n') i = SkipSpaces(text, i + 1) - 1;
      continue;
    }
    if (c == '"') {
      // The closing quote is the first one after an even run of backslashes; memchr finds
      // candidates far faster than a byte loop (strings are most of a List's bytes).
      size_t begin = i;
      while (true) {
        const void* quote = std::memchr(text.data() + i + 1, '"', text.size() - i - 1);
        if (quote == nullptr) return std::nullopt;
        i = static_cast<size_t>(static_cast<const char*>(quote) - text.data());
        size_t backslashes = 0;
        while (text[i - 1 - backslashes] == '\\') ++backslashes;
        if (backslashes % 2 == 0) break;
      }
      if (depth == 1) {
        // An escaped key may spell "items" too; rather than decode it, parse such a text whole.
        if (text.substr(begin, i - begin).find('\\') != std::string_view::npos) return std::nullopt;
        last_string_begin = begin;
        last_string_end = i + 1;
      }
      element_has_content = true;
      previous = i;
      continue;
    }
    if (c == ':' && depth == 1) {
      key_colon = last_string_end != 0 && previous == last_string_end - 1 ? i : kNone;
    } else if (c == '{' || c == '[') {
      ++depth;
      if (depth == 2 && c == '[' && key_colon != kNone && previous == key_colon &&
          text.substr(last_string_begin, last_string_end - last_string_begin) == "\"items\"") {
        if (found) return std::nullopt;  // a second "items": which one wins is the parser's call
        found = in_items = true;
        layout.array_begin = i;
        element_begin = i + 1;
        element_has_content = false;
        previous = i;
        continue;
      }
    } else if (c == '}' || c == ']') {
      if (in_items && depth == 2) {
        if (c != ']') return std::nullopt;
        // After a comma an empty last element is kept, so that "[1,]" fails as it should.
        if (element_has_content || !layout.elements.empty()) {
          layout.elements.push_back(text.substr(element_begin, i - element_begin));
        }
        layout.array_end = i + 1;
        in_items = false;
      }
      if (--depth < 0) return std::nullopt;
    } else if (c == ',' && in_items && depth == 2) {
      layout.elements.push_back(text.substr(element_begin, i - element_begin));
      element_begin = i + 1;
      element_has_content = false;
      previous = i;
      continue;
    }
    element_has_content = true;
    previous = i;
  }
  if (!found || depth != 0 || in_items) return std::nullopt;
  return layout;
}

}  // namespace

nlohmann::json ParseJsonList(std::string_view text, bool* too_deep,
                             const ListParseOptions& options) {
  unsigned threads =
      options.threads != 0 ? options.threads : std::min(4u, std::thread::hardware_concurrency());
  if (text.size() < options.min_parallel_bytes || threads < 2) {
    return ParseJsonFast(text, too_deep, kMaxJsonDepth, options.omit);
  }
  std::optional<ItemsLayout> layout = FindItems(text);
  if (!layout || layout->elements.size() < threads) {
    return ParseJsonFast(text, too_deep, kMaxJsonDepth, options.omit);
  }

  // The list without its items, then the items: an element sits inside the top-level object
  // and the array, two levels the whole-text parse would have counted.
  std::string rest(text.substr(0, layout->array_begin));
  rest.append("[]").append(text.substr(layout->array_end));
  bool rest_too_deep = false;
  nlohmann::json document = ParseJsonFast(rest, &rest_too_deep, kMaxJsonDepth, options.omit);
  auto items_slot = document.is_object() ? document.find("items") : document.end();
  if (document.is_discarded() || items_slot == document.end() || !items_slot->is_array() ||
      !items_slot->empty()) {
    return ParseJsonFast(text, too_deep, kMaxJsonDepth, options.omit);
  }
  // Items are top-level values for the omission too, unless the list itself calls itself a
  // Pod (then, as for the whole text, nothing inside its items is left out).
  Omit item_omit = options.omit;
  if (item_omit != Omit::kNothing) {
    auto kind = document.find("kind");
    bool is_pod =
        kind != document.end() && kind->is_string() &&
        ObjectPart(PodPart::kTopLevel, kind->get_ref<const std::string&>()) == PodPart::kPod;
    if (is_pod) item_omit = Omit::kNothing;
  }
  const int element_depth = kMaxJsonDepth - 2;
  const size_t count = layout->elements.size();
  std::vector<nlohmann::json> items(count);
  // Blocks of items are handed out as threads come for them, so a thread that was slowed
  // down (another process on its core) is not waited for at the end.
  constexpr size_t kBlock = 64;
  std::atomic<size_t> next_block{0};
  std::atomic<bool> failed{false};
  auto parse_blocks = [&] {
    for (size_t begin = next_block.fetch_add(kBlock); begin < count && !failed;
         begin = next_block.fetch_add(kBlock)) {
      for (size_t i = begin; i < std::min(count, begin + kBlock); ++i) {
        items[i] = ParseJsonFast(layout->elements[i], nullptr, element_depth, item_omit);
        if (items[i].is_discarded()) {
          failed = true;
          return;
        }
      }
    }
  };
  std::vector<std::thread> workers;
  for (unsigned worker = 1; worker < threads; ++worker) {
    try {
      workers.emplace_back(parse_blocks);
    } catch (const std::system_error&) {
      break;  // no thread to be had: the threads there are take its blocks
    }
  }
  parse_blocks();
  for (auto& worker : workers) worker.join();
  if (failed) {
    // Not JSON or too deep somewhere: the whole-text parse says which, as it always has.
    items.clear();
    nlohmann::json whole = ParseBoundedJson(text, too_deep);
    if (options.omit != Omit::kNothing) EraseUnreadPodMembers(whole);
    return whole;
  }
  nlohmann::json& array = *items_slot;
  array.get_ref<nlohmann::json::array_t&>() = std::move(items);
  if (too_deep != nullptr) *too_deep = false;
  return document;
}

}  // namespace pullkeeper::doctor
