#include "base/bounded_json.h"

#include <gtest/gtest.h>

namespace pullkeeper {
namespace {

TEST(ParseBoundedJson, ParsesOrdinaryDocuments) {
  bool too_deep = true;
  nlohmann::json doc = ParseBoundedJson(R"({"a":{"b":[1,2,{"c":null}]}})", &too_deep);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_FALSE(too_deep);
  EXPECT_EQ(doc["a"]["b"][1], 2);
}

TEST(ParseBoundedJson, RefusesDeepNestingWithoutRecursing) {
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  bool too_deep = false;
  EXPECT_TRUE(ParseBoundedJson(deep, &too_deep).is_discarded());
  EXPECT_TRUE(too_deep);
}

TEST(ParseBoundedJson, SaysNotJsonApartFromTooDeep) {
  bool too_deep = true;
  EXPECT_TRUE(ParseBoundedJson("{nope", &too_deep).is_discarded());
  EXPECT_FALSE(too_deep);
}

// The limit counts the containers a value sits in: with a limit of 2, an empty container may
// still open inside two others, but nothing may sit inside three.
TEST(ParseBoundedJson, LimitCountsEnclosingContainers) {
  for (const char* shallow : {"[[[]]]", R"({"a":{"b":{}}})", R"([{"a":[]}])", "[[1]]", "7"}) {
    bool too_deep = true;
    EXPECT_FALSE(ParseBoundedJson(shallow, &too_deep, 2).is_discarded()) << shallow;
    EXPECT_FALSE(too_deep) << shallow;
  }
  for (const char* deep :
       {"[[[1]]]", "[[[[]]]]", R"({"a":{"b":{"c":1}}})", R"([[{"k":null}]])", R"([[{}],[[{}]]])"}) {
    bool too_deep = false;
    EXPECT_TRUE(ParseBoundedJson(deep, &too_deep, 2).is_discarded()) << deep;
    EXPECT_TRUE(too_deep) << deep;
  }
}

TEST(ParseBoundedJson, RefusesTrailingGarbageAndKeepsNumbersExact) {
  EXPECT_TRUE(ParseBoundedJson(R"({"a":1} x)").is_discarded());
  EXPECT_TRUE(ParseBoundedJson("").is_discarded());
  nlohmann::json doc = ParseBoundedJson(R"({"big":18446744073709551615,"neg":-5,"f":1.5})");
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_TRUE(doc["big"].is_number_unsigned());
  EXPECT_EQ(doc["neg"], -5);
  EXPECT_EQ(doc["f"], 1.5);
}

}  // namespace
}  // namespace pullkeeper
