#include "doctor/list_parse.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "base/bounded_json.h"
#include "doctor/fast_json.h"

namespace pullkeeper::doctor {
namespace {

// Where the items of a List lie: the text of the "items" array's elements, and the byte
// range of the array itself (brackets included) so the rest can be parsed without it.
struct ItemsLayout {
  size_t array_begin = 0;
  size_t array_end = 0;  // one past ']'
  std::vector<std::string_view> elements;
};

// Scans `text` once, tracking strings and nesting only (values are left to the parser), for
// the value of a key "items" directly inside the top-level object. nullopt when there is none,
// more than one, or the brackets do not balance: the caller then parses the text whole.
std::optional<ItemsLayout> FindItems(std::string_view text) {
  ItemsLayout layout;
  bool found = false;
  int depth = 0;
  size_t element_begin = 0;
  size_t last_string_begin = 0, last_string_end = 0;  // of the newest string at depth 1
  bool in_items = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
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
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
      if (depth == 2 && c == '[' && i > 0 && text[i - 1] == ':' && last_string_end == i - 1 &&
          text.substr(last_string_begin, last_string_end - last_string_begin) == "\"items\"") {
        if (found) return std::nullopt;  // a second "items": which one wins is the parser's call
        found = in_items = true;
        layout.array_begin = i;
        element_begin = i + 1;
      }
    } else if (c == '}' || c == ']') {
      if (in_items && depth == 2) {
        if (c != ']') return std::nullopt;
        // After a comma an empty last element is kept, so that "[1,]" fails as it should.
        if (i > element_begin || !layout.elements.empty()) {
          layout.elements.push_back(text.substr(element_begin, i - element_begin));
        }
        layout.array_end = i + 1;
        in_items = false;
      }
      if (--depth < 0) return std::nullopt;
    } else if (c == ',' && in_items && depth == 2) {
      layout.elements.push_back(text.substr(element_begin, i - element_begin));
      element_begin = i + 1;
    }
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
    return ParseJsonFast(text, too_deep);
  }
  std::optional<ItemsLayout> layout = FindItems(text);
  if (!layout || layout->elements.size() < threads) return ParseJsonFast(text, too_deep);

  // The list without its items, then the items: an element sits inside the top-level object
  // and the array, two levels the whole-text parse would have counted.
  std::string rest(text.substr(0, layout->array_begin));
  rest.append("[]").append(text.substr(layout->array_end));
  bool rest_too_deep = false;
  nlohmann::json document = ParseJsonFast(rest, &rest_too_deep);
  auto items_slot = document.is_object() ? document.find("items") : document.end();
  if (document.is_discarded() || items_slot == document.end() || !items_slot->is_array() ||
      !items_slot->empty()) {
    return ParseJsonFast(text, too_deep);
  }
  const int element_depth = kMaxJsonDepth - 2;
  const size_t count = layout->elements.size();
  std::vector<nlohmann::json> items(count);
  std::vector<char> failed(threads, 0);
  auto parse_range = [&](unsigned worker) {
    size_t begin = count * worker / threads, end = count * (worker + 1) / threads;
    for (size_t i = begin; i < end; ++i) {
      items[i] = ParseJsonFast(layout->elements[i], nullptr, element_depth);
      if (items[i].is_discarded()) {
        failed[worker] = 1;
        return;
      }
    }
  };
  std::vector<std::thread> workers;
  for (unsigned worker = 1; worker < threads; ++worker) {
    try {
      workers.emplace_back(parse_range, worker);
    } catch (const std::system_error&) {
      parse_range(worker);  // no thread to be had: this one parses that range too
    }
  }
  parse_range(0);
  for (auto& worker : workers) worker.join();
  if (std::any_of(failed.begin(), failed.end(), [](char f) { return f != 0; })) {
    // Not JSON or too deep somewhere: the whole-text parse says which, as it always has.
    items.clear();
    return ParseBoundedJson(text, too_deep);
  }
  nlohmann::json& array = *items_slot;
  array.get_ref<nlohmann::json::array_t&>() = std::move(items);
  if (too_deep != nullptr) *too_deep = false;
  return document;
}

}  // namespace pullkeeper::doctor
