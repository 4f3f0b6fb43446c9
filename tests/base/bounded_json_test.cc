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

}  // namespace
}  // namespace pullkeeper
