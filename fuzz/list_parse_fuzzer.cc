// Differential check of ParseJsonList against ParseBoundedJson: for any bytes, cut on two
// threads, whole and arriving a few bytes at a time, with and without the Pods' unread
// members left out, the same verdict (value, "not JSON" or "too deep") and the same value,
// types included. Doctor reads every file of 8 MiB or more through ParseJsonList; a text
// that cannot be cut exactly must be parsed whole, never read differently.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/bounded_json.h"
#include "doctor/list_parse.h"
#include "doctor/unread_pod_fields.h"
#include "testing/same_json_value.h"

namespace {

// The text arriving `piece` bytes at a time.
class TextInPieces : public pullkeeper::doctor::ArrivingText {
 public:
  TextInPieces(std::string_view text, size_t piece) : text_(text), piece_(piece) {}
  std::string_view arrived() const override { return text_.substr(0, arrived_); }
  bool ReadMore() override {
    arrived_ = std::min(text_.size(), arrived_ + piece_);
    return arrived_ < text_.size();
  }

 private:
  std::string_view text_;
  size_t piece_;
  size_t arrived_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using pullkeeper::doctor::Omit;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (Omit omit : {Omit::kNothing, Omit::kUnreadPodMembers}) {
    bool whole_deep = false;
    nlohmann::json whole = pullkeeper::ParseBoundedJson(text, &whole_deep);
    if (omit == Omit::kUnreadPodMembers) pullkeeper::doctor::EraseUnreadPodMembers(whole);
    pullkeeper::doctor::ListParseOptions options{
        .min_parallel_bytes = 0, .threads = 2, .omit = omit};
    for (size_t piece : {size_t{0}, size_t{3}}) {
      bool deep = false;
      TextInPieces arriving(text, piece);
      nlohmann::json parsed = piece == 0
                                  ? pullkeeper::doctor::ParseJsonList(text, &deep, options)
                                  : pullkeeper::doctor::ParseJsonList(arriving, &deep, options);
      if (parsed.is_discarded() != whole.is_discarded() || deep != whole_deep) std::abort();
      if (!pullkeeper::testing::SameJsonValue(parsed, whole)) std::abort();
    }
  }
  return 0;
}
