#include "doctor/fast_json.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "doctor/unread_pod_fields.h"

namespace pullkeeper::doctor {
namespace {

using nlohmann::json;

// Per thread, kept across calls: a parser's buffers are sized to the largest text it has
// seen, and List items arrive by the ten thousand.
struct ThreadParser {
  simdjson::dom::parser parser;
  std::vector<char> padded;  // the text plus SIMDJSON_PADDING readable bytes after it
};

// Past this, a parser's buffers (several times the text) are freed after the parse instead of
// being kept for the next one, so one big file does not hold its memory to the end of the run.
constexpr size_t kKeepBuffersBytes = size_t{16} << 20;

// Whether `text` may hold the number -0 (nlohmann: a signed integer zero; simdjson: the same
// integer zero as "0"): a "-0" where a value can start. Strings such as dates contain "-0" too,
// after a digit or letter, so those rarely cost a second parse.
bool MayHoldNegativeZero(std::string_view text) {
  for (size_t at = text.find("-0"); at != std::string_view::npos; at = text.find("-0", at + 1)) {
    if (at == 0) return true;
    char before = text[at - 1];
    if (before == ':' || before == ',' || before == '[' || before == ' ' || before == '\n' ||
        before == '\r' || before == '\t') {
      return true;
    }
  }
  return false;
}

struct BuildContext {
  std::string_view text;
  int max_depth;
  int negative_zero = -1;  // MayHoldNegativeZero(text), once asked: -1 not yet, 0 no, 1 yes
};

// Whether `element` and everything in it lies within max_depth containers: the rule Build
// applies, for a value it leaves out.
bool WithinDepth(simdjson::dom::element element, int depth, int max_depth) {
  if (depth > max_depth) return false;
  if (element.type() == simdjson::dom::element_type::OBJECT) {
    for (simdjson::dom::key_value_pair field : simdjson::dom::object(element)) {
      if (!WithinDepth(field.value, depth + 1, max_depth)) return false;
    }
  } else if (element.type() == simdjson::dom::element_type::ARRAY) {
    for (simdjson::dom::element value : simdjson::dom::array(element)) {
      if (!WithinDepth(value, depth + 1, max_depth)) return false;
    }
  }
  return true;
}

// The last "kind" member of `object` when it is a string, as nlohmann (which keeps the last of
// duplicate keys) reads it; "" otherwise.
std::string_view KindOf(simdjson::dom::object object) {
  std::string_view kind;
  for (simdjson::dom::key_value_pair field : object) {
    if (field.key != "kind") continue;
    if (field.value.get_string().get(kind) != simdjson::SUCCESS) kind = {};
  }
  return kind;
}

// Builds `out` from `element`, `depth` containers deep, leaving out the unread members of the
// Pod `part` says the value is in (unread_pod_fields.h; kNone builds everything). False when
// the value must be left to ParseBoundedJson: nested deeper than `max_depth` (it decides
// *too_deep), or a number whose nlohmann reading cannot be told from simdjson's alone.
bool Build(simdjson::dom::element element, int depth, PodPart part, BuildContext& context,
           json& out) {
  // The rule of ParseBoundedJson: a value inside more than max_depth containers is refused.
  if (depth > context.max_depth) return false;
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object object(element);
      if (part == PodPart::kTopLevel) part = ObjectPart(part, KindOf(object));
      out = json(json::value_t::object);
      auto& members = out.get_ref<json::object_t&>();
      for (simdjson::dom::key_value_pair field : object) {
        if (part != PodPart::kNone && IsUnreadPodMember(part, field.key)) {
          // Left out, but a value nested too deep still decides *too_deep, as it would have.
          if (!WithinDepth(field.value, depth + 1, context.max_depth)) return false;
          continue;
        }
        // operator[] keeps the last of duplicate keys, as nlohmann's own parser does.
        json& slot = members[std::string(field.key)];
        PodPart member_part = part == PodPart::kNone ? part : PartOfMember(part, field.key);
        if (!Build(field.value, depth + 1, member_part, context, slot)) return false;
      }
      return true;
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array array(element);
      out = json(json::value_t::array);
      auto& values = out.get_ref<json::array_t&>();
      values.resize(array.size());
      size_t i = 0;
      for (simdjson::dom::element value : array) {
        if (!Build(value, depth + 1, part, context, values[i++])) return false;
      }
      return true;
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view text = element.get_string().value_unsafe();
      out = json(json::string_t(text));
      return true;
    }
    case simdjson::dom::element_type::INT64: {
      int64_t value = element.get_int64().value_unsafe();
      // nlohmann keeps an integer without a sign as unsigned, one with a minus as signed. A
      // zero may have been written "-0": if the text could hold one, nlohmann decides.
      if (value == 0) {
        if (context.negative_zero < 0) context.negative_zero = MayHoldNegativeZero(context.text);
        if (context.negative_zero != 0) return false;
      }
      if (value >= 0) {
        out = json(static_cast<json::number_unsigned_t>(value));
      } else {
        out = json(static_cast<json::number_integer_t>(value));
      }
      return true;
    }
    case simdjson::dom::element_type::UINT64:
      out = json(static_cast<json::number_unsigned_t>(element.get_uint64().value_unsafe()));
      return true;
    case simdjson::dom::element_type::DOUBLE: {
      double value = element.get_double().value_unsafe();
      // Both parsers round decimal text to the nearest double, so a finite nonzero value is
      // nlohmann's too. An infinity is an error to nlohmann, and the sign of a zero is left to
      // it as well.
      if (!std::isfinite(value) || value == 0.0) return false;
      out = json(static_cast<json::number_float_t>(value));
      return true;
    }
    case simdjson::dom::element_type::BOOL:
      out = json(element.get_bool().value_unsafe());
      return true;
    case simdjson::dom::element_type::NULL_VALUE:
      out = json(nullptr);
      return true;
  }
  return false;
}

}  // namespace

nlohmann::json ParseJsonFast(std::string_view text, bool* too_deep, int max_depth, Omit omit) {
  thread_local std::unique_ptr<ThreadParser> local;
  try {
    if (!local) local = std::make_unique<ThreadParser>();
    ThreadParser& state = *local;
    if (state.padded.size() < text.size() + simdjson::SIMDJSON_PADDING) {
      state.padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
    }
    if (!text.empty()) std::memcpy(state.padded.data(), text.data(), text.size());
    std::memset(state.padded.data() + text.size(), ' ', simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    json document;
    bool built = false;
    if (state.parser.parse(state.padded.data(), text.size(), /*realloc_if_needed=*/false)
            .get(root) == simdjson::SUCCESS) {
      BuildContext context{text, max_depth};
      PodPart part = omit == Omit::kUnreadPodMembers ? PodPart::kTopLevel : PodPart::kNone;
      built = Build(root, 0, part, context, document);
    }
    if (text.size() > kKeepBuffersBytes) local.reset();
    if (built) {
      if (too_deep != nullptr) *too_deep = false;
      return document;
    }
  } catch (const std::exception&) {
    local.reset();  // out of memory: ParseBoundedJson may still manage with less
  }
  json document = ParseBoundedJson(text, too_deep, max_depth);
  if (omit == Omit::kUnreadPodMembers) EraseUnreadPodMembers(document);
  return document;
}

}  // namespace pullkeeper::doctor
