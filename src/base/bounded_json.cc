#include "base/bounded_json.h"

#include <cstddef>

namespace pullkeeper {
namespace {

// nlohmann's own DOM builder, with a count of the containers open around each value. Refusing
// the first value nested too deep stops the parse there, so nothing deeper is ever built.
// It replaces json::parse with a depth callback, whose parser keeps a second stack and calls a
// std::function for every value: in a profile of doctor on a 650 MB pods.json
// (bench/doctor_bench.py) that parser's end_object alone was 6% of the run.
class DepthLimitedDomBuilder {
 public:
  using json = nlohmann::json;

  DepthLimitedDomBuilder(json& result, int max_depth)
      : dom_(result, /*allow_exceptions_=*/false), max_depth_(max_depth) {}

  bool too_deep() const { return too_deep_; }
  bool errored() const { return dom_.is_errored(); }

  bool null() { return Fits() && dom_.null(); }
  bool boolean(bool value) { return Fits() && dom_.boolean(value); }
  bool number_integer(json::number_integer_t value) { return Fits() && dom_.number_integer(value); }
  bool number_unsigned(json::number_unsigned_t value) {
    return Fits() && dom_.number_unsigned(value);
  }
  bool number_float(json::number_float_t value, const json::string_t& text) {
    return Fits() && dom_.number_float(value, text);
  }
  bool string(json::string_t& value) { return Fits() && dom_.string(value); }
  bool binary(json::binary_t& value) { return Fits() && dom_.binary(value); }
  bool key(json::string_t& value) { return Fits() && dom_.key(value); }
  bool start_object(std::size_t elements) {
    if (!Fits()) return false;
    ++open_;
    return dom_.start_object(elements);
  }
  bool end_object() {
    --open_;
    return dom_.end_object();
  }
  bool start_array(std::size_t elements) {
    if (!Fits()) return false;
    ++open_;
    return dom_.start_array(elements);
  }
  bool end_array() {
    --open_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& error) {
    return dom_.parse_error(position, token, error);
  }

 private:
  // Whether a value (or key) may sit inside the containers open now: the limit the depth
  // callback of ParseBoundedJson's earlier form applied, kept exactly (tests/base).
  bool Fits() {
    if (open_ > max_depth_) too_deep_ = true;
    return !too_deep_;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  long max_depth_;
  long open_ = 0;
  bool too_deep_ = false;
};

}  // namespace

nlohmann::json ParseBoundedJson(std::string_view text, bool* too_deep, int max_depth) {
  nlohmann::json document;
  DepthLimitedDomBuilder builder(document, max_depth);
  bool parsed = nlohmann::json::sax_parse(text, &builder, nlohmann::json::input_format_t::json,
                                          /*strict=*/true);
  if (too_deep != nullptr) *too_deep = builder.too_deep();
  if (!parsed || builder.too_deep() || builder.errored()) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  return document;
}

std::string StringMember(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace pullkeeper
