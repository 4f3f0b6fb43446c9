#include "doctor/list_parse.h"

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "base/bounded_json.h"
#include "doctor/fast_json.h"
#include "doctor/unread_pod_fields.h"

namespace pullkeeper::doctor {
namespace {

constexpr size_t kNone = std::string_view::npos;

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

// The closing quote of a string, searched from `from`: the first quote after an even run of
// backslashes. memchr finds candidates far faster than a byte loop (strings are most of a
// List's bytes). False when it has not arrived yet.
bool FindClosingQuote(std::string_view text, size_t from, size_t* close) {
  while (from < text.size()) {
    const void* quote = std::memchr(text.data() + from, '"', text.size() - from);
    if (quote == nullptr) return false;
    size_t at = static_cast<size_t>(static_cast<const char*>(quote) - text.data());
    size_t backslashes = 0;  // the opening quote ends the run at the latest
    while (text[at - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 0) {
      *close = at;
      return true;
    }
    from = at + 1;
  }
  return false;
}

// Cuts the value of a key "items" directly inside the top-level object into its elements as
// the text arrives, tracking strings and nesting only (values are left to the parser).
// Elements keep the blanks around them; the parser skips those as it would have.
class ItemsCutter {
 public:
  enum class State {
    kScanning,  // wants more text
    kDone,      // the whole text is scanned and holds exactly one top-level "items" array
    kFailed,    // it cannot be cut exactly: no "items", two of them, an escaped key at the
                // top level, brackets that do not balance, a byte outside the strings that
                // could read differently in a part than in the whole. Parsed whole.
  };

  // Scans what `text` (a longer view of the same bytes at each call) holds beyond the last
  // call, handing each element to on_element(view) once its end is seen. `complete`: this
  // is all of the text.
  template <typename OnElement>
  State Scan(std::string_view text, bool complete, OnElement&& on_element);

  size_t array_begin() const { return array_begin_; }
  size_t array_end() const { return array_end_; }  // one past ']'

 private:
  State Fail() {
    failed_ = true;
    return State::kFailed;
  }

  bool failed_ = false;
  size_t at_ = 0;                 // the next byte to scan
  size_t open_string_ = kNone;    // where a string began whose end has not arrived yet
  size_t quote_search_from_ = 0;  // where the search for its closing quote goes on
  int depth_ = 0;
  bool found_ = false;
  bool in_items_ = false;
  size_t array_begin_ = 0;
  size_t array_end_ = 0;
  size_t element_begin_ = 0;
  bool element_has_content_ = false;  // a non-blank byte since element_begin_
  size_t elements_ = 0;
  size_t last_string_begin_ = 0;  // of the newest string at depth 1
  size_t last_string_end_ = 0;
  size_t previous_ = kNone;   // the newest non-blank byte
  size_t key_colon_ = kNone;  // a ':' right after a depth-1 string
};

template <typename OnElement>
ItemsCutter::State ItemsCutter::Scan(std::string_view text, bool complete, OnElement&& on_element) {
  if (failed_) return State::kFailed;
  size_t i = at_;
  while (true) {
    if (open_string_ != kNone) {
      size_t close = 0;
      if (!FindClosingQuote(text, quote_search_from_, &close)) {
        quote_search_from_ = at_ = text.size();
        return complete ? Fail() : State::kScanning;
      }
      if (depth_ == 1) {
        // An escaped key may spell "items" too; rather than decode it, parse such a text whole.
        std::string_view string = text.substr(open_string_, close + 1 - open_string_);
        if (string.find('\\') != std::string_view::npos) return Fail();
        last_string_begin_ = open_string_;
        last_string_end_ = close + 1;
      }
      open_string_ = kNone;
      element_has_content_ = true;
      previous_ = close;
      i = close + 1;
      continue;
    }
    if (i >= text.size()) break;
    char c = text[i];
    if (IsJsonBlank(c)) {
      i = c == '\n' ? SkipSpaces(text, i + 1) : i + 1;
      continue;
    }
    if (c == '"') {
      open_string_ = i;
      quote_search_from_ = i + 1;
      continue;
    }
    // nlohmann reads a NUL as the end of a text and skips a byte order mark at its start, so
    // an element parsed alone could be accepted ("1\0x", BOM "1") where the whole text is
    // not. Neither may stand outside a string there: such a text is parsed whole.
    if (c == '\0' || (in_items_ && static_cast<unsigned char>(c) >= 0x80)) return Fail();
    if (c == ':' && depth_ == 1) {
      key_colon_ = last_string_end_ != 0 && previous_ == last_string_end_ - 1 ? i : kNone;
    } else if (c == '{' || c == '[') {
      ++depth_;
      if (depth_ == 2 && c == '[' && key_colon_ != kNone && previous_ == key_colon_ &&
          text.substr(last_string_begin_, last_string_end_ - last_string_begin_) == "\"items\"") {
        if (found_) return Fail();  // a second "items": which one wins is the parser's call
        found_ = in_items_ = true;
        array_begin_ = i;
        element_begin_ = i + 1;
        element_has_content_ = false;
        previous_ = i++;
        continue;
      }
    } else if (c == '}' || c == ']') {
      if (in_items_ && depth_ == 2) {
        if (c != ']') return Fail();
        // After a comma an empty last element is kept, so that "[1,]" fails as it should.
        if (element_has_content_ || elements_ > 0) {
          on_element(text.substr(element_begin_, i - element_begin_));
          ++elements_;
        }
        array_end_ = i + 1;
        in_items_ = false;
      }
      if (--depth_ < 0) return Fail();
    } else if (c == ',' && in_items_ && depth_ == 2) {
      on_element(text.substr(element_begin_, i - element_begin_));
      ++elements_;
      element_begin_ = i + 1;
      element_has_content_ = false;
      previous_ = i++;
      continue;
    }
    element_has_content_ = true;
    previous_ = i++;
  }
  at_ = i;
  if (!complete) return State::kScanning;
  if (!found_ || depth_ != 0 || in_items_) return Fail();
  return State::kDone;
}

// Items handed from the cutting thread to the parsing ones in blocks: a block at a time, as
// threads come for them, so a thread slowed down (another process on its core) is not waited
// for at the end.
class ItemQueue {
 public:
  static constexpr size_t kBlock = 64;

  ItemQueue(int max_depth, Omit omit) : max_depth_(max_depth), omit_(omit) {}

  void Push(std::vector<std::string_view> texts) {
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_.push_back({std::move(texts), {}});
    ready_.notify_one();
  }
  // No more blocks will come: Work returns once the last is taken.
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    ready_.notify_all();
  }
  // Nothing more is parsed: an item did not parse, or the text cannot be cut.
  void Stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    ready_.notify_all();
  }
  bool stopped() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopped_;
  }
  // Whether an item did not parse (not JSON or too deep), which stops the queue too.
  bool item_failed() {
    std::lock_guard<std::mutex> lock(mutex_);
    return item_failed_;
  }

  // Parses blocks until the queue is closed and empty, or stopped. Never throws.
  void Work() {
    while (true) {
      Block* block = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return stopped_ || closed_ || taken_ < blocks_.size(); });
        if (stopped_ || taken_ == blocks_.size()) return;
        block = &blocks_[taken_++];  // a deque's elements stay put as it grows
      }
      try {
        block->values.resize(block->texts.size());
        for (size_t i = 0; i < block->texts.size(); ++i) {
          block->values[i] = ParseJsonFast(block->texts[i], nullptr, max_depth_, omit_);
          if (block->values[i].is_discarded()) {
            ItemFailed();
            return;
          }
        }
      } catch (const std::exception&) {  // out of memory: the caller parses the text whole
        ItemFailed();
        return;
      }
    }
  }

  // The parsed items, in order. Only after every Work() has returned without a stop.
  std::vector<nlohmann::json> TakeItems() {
    std::vector<nlohmann::json> items;
    size_t count = 0;
    for (const Block& block : blocks_) count += block.values.size();
    items.reserve(count);
    for (Block& block : blocks_) {
      for (nlohmann::json& value : block.values) items.push_back(std::move(value));
    }
    return items;
  }

 private:
  struct Block {
    std::vector<std::string_view> texts;
    std::vector<nlohmann::json> values;
  };

  void ItemFailed() {
    std::lock_guard<std::mutex> lock(mutex_);
    item_failed_ = stopped_ = true;
    ready_.notify_all();
  }

  const int max_depth_;
  const Omit omit_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Block> blocks_;
  size_t taken_ = 0;
  bool closed_ = false;
  bool stopped_ = false;
  bool item_failed_ = false;
};

// Threads working an ItemQueue, joined however the scope is left.
class ItemWorkers {
 public:
  ItemWorkers(ItemQueue& queue, unsigned count) : queue_(queue) {
    for (unsigned i = 0; i < count; ++i) {
      try {
        threads_.emplace_back([&queue] { queue.Work(); });
      } catch (const std::system_error&) {
        break;  // no thread to be had: the threads there are (this one at least) do the work
      }
    }
  }
  ~ItemWorkers() {
    if (!joined_) {
      queue_.Stop();
      Join();
    }
  }
  void Join() {
    for (auto& thread : threads_) thread.join();
    joined_ = true;
  }

 private:
  ItemQueue& queue_;
  std::vector<std::thread> threads_;
  bool joined_ = false;
};

// A text that has arrived whole.
class WholeText : public ArrivingText {
 public:
  explicit WholeText(std::string_view text) : text_(text) {}
  std::string_view arrived() const override { return text_; }
  bool ReadMore() override { return false; }

 private:
  std::string_view text_;
};

std::string_view ReadToEnd(ArrivingText& text) {
  while (text.ReadMore()) {
  }
  return text.arrived();
}

nlohmann::json ParseWhole(std::string_view text, bool* too_deep, Omit omit) {
  return ParseJsonFast(text, too_deep, kMaxJsonDepth, omit);
}

}  // namespace

nlohmann::json ParseJsonList(std::string_view text, bool* too_deep,
                             const ListParseOptions& options) {
  if (text.size() < options.min_parallel_bytes) return ParseWhole(text, too_deep, options.omit);
  WholeText whole(text);
  return ParseJsonList(whole, too_deep, options);
}

nlohmann::json ParseJsonList(ArrivingText& source, bool* too_deep,
                             const ListParseOptions& options) {
  unsigned threads =
      options.threads != 0 ? options.threads : std::min(4u, std::thread::hardware_concurrency());
  if (threads < 2) return ParseWhole(ReadToEnd(source), too_deep, options.omit);

  // Items are cut as the text arrives and parsed by the other threads meanwhile; this one
  // joins them once all has arrived. An item sits inside the top-level object and the array,
  // two levels the whole-text parse would have counted. Items are parsed as top-level values
  // for the omission, which is right unless the list calls itself a Pod (checked below).
  ItemQueue queue(kMaxJsonDepth - 2, options.omit);
  ItemsCutter cutter;
  ItemsCutter::State state = ItemsCutter::State::kScanning;
  {
    ItemWorkers workers(queue, threads - 1);
    std::vector<std::string_view> block;
    auto take_element = [&](std::string_view element) {
      block.push_back(element);
      if (block.size() == ItemQueue::kBlock) queue.Push(std::exchange(block, {}));
    };
    while (state == ItemsCutter::State::kScanning && !queue.stopped()) {
      bool more = source.ReadMore();
      state = cutter.Scan(source.arrived(), !more, take_element);
    }
    if (state != ItemsCutter::State::kDone) queue.Stop();
    if (!block.empty()) queue.Push(std::move(block));
    queue.Close();
    queue.Work();
    workers.Join();
  }
  std::string_view text = ReadToEnd(source);
  if (queue.item_failed()) {
    // Not JSON or too deep somewhere: the whole-text parse says which, as it always has (and
    // nlohmann's parser needs far less memory than simdjson's for a large text).
    nlohmann::json whole = ParseBoundedJson(text, too_deep);
    if (options.omit != Omit::kNothing) EraseUnreadPodMembers(whole);
    return whole;
  }
  if (state != ItemsCutter::State::kDone) return ParseWhole(text, too_deep, options.omit);

  // The list without its items.
  std::string rest(text.substr(0, cutter.array_begin()));
  rest.append("[]").append(text.substr(cutter.array_end()));
  bool rest_too_deep = false;
  nlohmann::json document = ParseJsonFast(rest, &rest_too_deep, kMaxJsonDepth, options.omit);
  auto items_slot = document.is_object() ? document.find("items") : document.end();
  if (document.is_discarded() || items_slot == document.end() || !items_slot->is_array() ||
      !items_slot->empty()) {
    return ParseWhole(text, too_deep, options.omit);
  }
  if (options.omit != Omit::kNothing) {
    auto kind = document.find("kind");
    if (kind != document.end() && kind->is_string() &&
        ObjectPart(PodPart::kTopLevel, kind->get_ref<const std::string&>()) == PodPart::kPod) {
      // A "Pod" with items: nothing inside them is left out, as for the whole text.
      return ParseWhole(text, too_deep, options.omit);
    }
  }
  items_slot->get_ref<nlohmann::json::array_t&>() = queue.TakeItems();
  if (too_deep != nullptr) *too_deep = false;
  return document;
}

}  // namespace pullkeeper::doctor
