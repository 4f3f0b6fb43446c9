#include "doctor/fast_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/bounded_json.h"

namespace pullkeeper::doctor {
namespace {

// operator== calls 1 and 1u equal; doctor's output may not, so types are compared too.
bool SameValue(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
      if (it.key() != jt.key() || !SameValue(*it, *jt)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameValue(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_number_float()) {  // -0.0 == 0.0, but they print differently
    return a.dump() == b.dump();
  }
  return a.is_discarded() || a == b;
}

void ExpectSameAsBounded(const std::string& text, int max_depth = kMaxJsonDepth) {
  bool bounded_deep = false;
  nlohmann::json bounded = ParseBoundedJson(text, &bounded_deep, max_depth);
  bool fast_deep = !bounded_deep;
  nlohmann::json fast = ParseJsonFast(text, &fast_deep, max_depth);
  EXPECT_EQ(fast.is_discarded(), bounded.is_discarded()) << text;
  EXPECT_EQ(fast_deep, bounded_deep) << text;
  EXPECT_TRUE(SameValue(fast, bounded))
      << text << "\nfast: " << fast.dump() << "\nbounded: " << bounded.dump();
}

TEST(ParseJsonFast, ObjectsArraysAndScalarsAsNlohmannReadsThem) {
  for (const char* text : {R"({"kind":"PodList","items":[{"metadata":{"name":"a"},)"
                           R"("spec":{"x":[1,-2,3.5,true,null]}}]})",
                           "{}", "[]", "[[],{}]", "\"plain\"", "true", "false", "null",
                           "  {\"a\" : 1 }  \n", R"({"b":1,"a":2,"c":{"z":[],"y":{}}})"}) {
    ExpectSameAsBounded(text);
  }
}

TEST(ParseJsonFast, DuplicateKeysKeepTheLast) {
  ExpectSameAsBounded(R"({"a":1,"a":2})");
  ExpectSameAsBounded(R"({"a":{"x":1},"b":0,"a":[2]})");
  EXPECT_EQ(ParseJsonFast(R"({"a":{"x":1},"a":"last"})")["a"], "last");
}

TEST(ParseJsonFast, NumbersKeepNlohmannsTypesAndValues) {
  for (const char* text : {"0",
                           "-0",
                           "-0.0",
                           "0.0",
                           "0e0",
                           "-0e5",
                           "1",
                           "-1",
                           "9223372036854775807",
                           "9223372036854775808",
                           "-9223372036854775808",
                           "-9223372036854775809",
                           "18446744073709551615",
                           "18446744073709551616",
                           "123456789012345678901234567890",
                           "-123456789012345678901234567890",
                           "1e400",
                           "-1e400",
                           "1e-400",
                           "2.5e-324",
                           "4.9406564584124654e-324",
                           "1.7976931348623157e308",
                           "1.7976931348623159e308",
                           "0.1",
                           "1E2",
                           "1e+2",
                           "3.141592653589793238462643383279",
                           "01",
                           "1.",
                           ".5",
                           "-",
                           "+1",
                           "1e",
                           "[1,-0,0,-0.0]",
                           R"({"n":-0})",
                           "[1, -0]",
                           "[\n-0\n]",
                           R"({"t":"2026-01-05","n":0})",
                           R"({"t":"a:-0","n":0})",
                           R"({"t":"x","n":-1,"z":0})"}) {
    ExpectSameAsBounded(text);
  }
}

TEST(ParseJsonFast, StringsAndEncodings) {
  for (std::string text : {std::string(R"("a\u0000b")"),
                           std::string(R"("\ud83d\ude00")"),
                           std::string(R"("\ud800")"),
                           std::string(R"("\udc00")"),
                           std::string(R"("\ud800x")"),
                           std::string(R"("\ud800\u0041")"),
                           std::string(R"("\u00e9\n\t\"\\\/")"),
                           std::string(R"("\x")"),
                           std::string("\"caf\xc3\xa9\""),
                           std::string("\"\xff\""),
                           std::string("\"\xc3\""),
                           std::string("\"\xed\xa0\x80\""),
                           std::string("\"\xf4\x90\x80\x80\""),
                           std::string("\"tab\there\""),
                           std::string("\"new\nline\""),
                           std::string("\"a\x7f\""),
                           std::string("\xef\xbb\xbf{}"),
                           std::string("\xef\xbb\xbf"),
                           std::string("\"a\0b\"", 5),
                           std::string("{\"k\xff\":1}"),
                           std::string("[1]\xff")}) {
    ExpectSameAsBounded(text);
  }
}

TEST(ParseJsonFast, InvalidTextIsDiscardedAsBefore) {
  for (const char* text :
       {"",      " ",          "{",      "}",          "[1,]", "{\"a\":1,}",   "{\"a\"}",
        "1 2",   "[1] [2]",    "{} x",   "nul",        "tru",  "[true false]", "{'a':1}",
        "[NaN]", "[Infinity]", "\"open", "{\"a\":1}}", "[1]]", "/* c */ 1",    "1 // c"}) {
    ExpectSameAsBounded(text);
  }
}

std::string Nested(int levels, const std::string& inner = "") {
  return std::string(static_cast<size_t>(levels), '[') + inner +
         std::string(static_cast<size_t>(levels), ']');
}

TEST(ParseJsonFast, DepthLimitAsParseBoundedJson) {
  for (int levels : {1, 2, 3, 4, 5}) {
    ExpectSameAsBounded(Nested(levels), 3);
    ExpectSameAsBounded(Nested(levels, "1"), 3);
    ExpectSameAsBounded(Nested(levels, "{\"a\":1}"), 3);
    ExpectSameAsBounded(Nested(levels, "{}"), 3);
  }
  for (int levels : {63, 64, 65, 66, 2000, 100000}) {
    ExpectSameAsBounded(Nested(levels));
    ExpectSameAsBounded(Nested(levels, "\"x\""));
  }
  bool deep = false;
  EXPECT_TRUE(ParseJsonFast(Nested(100000), &deep).is_discarded());
  EXPECT_TRUE(deep);
}

TEST(ParseJsonFast, ManyCallsOnOneThreadAndLargeTexts) {
  // The parser is kept per thread: a small text after a large one, and the reverse.
  std::string large = "[";
  for (int i = 0; i < 200000; ++i) large += "{\"name\":\"item-" + std::to_string(i) + "\"},";
  large += "0.5]";
  for (const std::string& text : {std::string("[1]"), large, std::string("{\"a\":[1]}"),
                                  large.substr(0, large.size() - 1), std::string("[2]")}) {
    ExpectSameAsBounded(text);
  }
}

}  // namespace
}  // namespace pullkeeper::doctor
