#include "doctor/list_parse.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "base/bounded_json.h"
#include "doctor/unread_pod_fields.h"

namespace pullkeeper::doctor {
namespace {

// A text that arrives `piece` bytes at a time, as a file read in pieces.
class TextInPieces : public ArrivingText {
 public:
  TextInPieces(std::string_view text, size_t piece) : text_(text), piece_(piece) {}
  std::string_view arrived() const override { return text_.substr(0, arrived_); }
  bool ReadMore() override {
    arrived_ = std::min(text_.size(), arrived_ + piece_);
    ++reads_;
    return arrived_ < text_.size();
  }
  size_t reads() const { return reads_; }

 private:
  std::string_view text_;
  size_t piece_;
  size_t arrived_ = 0;
  size_t reads_ = 0;
};

// Parsed in parallel from the first byte, on two and three threads, whole and arriving in
// pieces of 1, 7 and 64 bytes; with `omit`, compared with the whole parse less what
// EraseUnreadPodMembers takes.
void ExpectSameAsWholeParse(const std::string& text, Omit omit = Omit::kNothing) {
  bool whole_deep = false;
  nlohmann::json whole = ParseBoundedJson(text, &whole_deep);
  if (omit == Omit::kUnreadPodMembers) EraseUnreadPodMembers(whole);
  auto expect_same = [&](const nlohmann::json& parsed, bool deep, const std::string& how) {
    EXPECT_EQ(parsed.is_discarded(), whole.is_discarded()) << how << ": " << text;
    EXPECT_EQ(deep, whole_deep) << how << ": " << text;
    if (!whole.is_discarded()) {
      EXPECT_EQ(parsed, whole) << how << ": " << text;
    }
  };
  for (unsigned threads : {2u, 3u}) {
    ListParseOptions options{.min_parallel_bytes = 0, .threads = threads, .omit = omit};
    bool deep = !whole_deep;
    nlohmann::json parsed = ParseJsonList(text, &deep, options);
    expect_same(parsed, deep, "whole");
    for (size_t piece : {1, 7, 64}) {
      TextInPieces arriving(text, piece);
      deep = !whole_deep;
      parsed = ParseJsonList(arriving, &deep, options);
      expect_same(parsed, deep, "in pieces of " + std::to_string(piece));
      EXPECT_EQ(arriving.arrived().size(), text.size()) << "not read to the end: " << text;
    }
  }
}

std::string Nested(int levels) {
  return std::string(static_cast<size_t>(levels), '[') +
         std::string(static_cast<size_t>(levels), ']');
}

std::string NestedScalar(int levels) {
  return std::string(static_cast<size_t>(levels), '[') + "1" +
         std::string(static_cast<size_t>(levels), ']');
}

TEST(ParseJsonList, GivesWhatTheWholeParseGives) {
  ExpectSameAsWholeParse(
      R"({"apiVersion":"v1","items":[{"kind":"Pod","metadata":{"name":"a","items":[1,2]}},)"
      R"({"kind":"Pod","metadata":{"name":"b\"],[{"}},{"kind":"Pod","x":"\\"},7,"s",null],)"
      R"("kind":"List","metadata":{"resourceVersion":""}})");
  ExpectSameAsWholeParse(R"({"items":[1,2,3,4,5],"kind":"List"})");
  ExpectSameAsWholeParse(R"({"items":[],"kind":"List"})");
  ExpectSameAsWholeParse(R"({"kind":"List","items":[{"a":1},{"b":2}]})");
}

TEST(ParseJsonList, FallsBackWhereCuttingCouldDisagree) {
  ExpectSameAsWholeParse(R"({"items":[1,2,],"kind":"List"})");      // trailing comma
  ExpectSameAsWholeParse(R"({"items":[,1,2],"kind":"List"})");      // leading comma
  ExpectSameAsWholeParse(R"({"items":[1,2,3],"items":[],"k":1})");  // duplicate key
  ExpectSameAsWholeParse(R"({"items":[],"items":[1,2,3],"k":1})");
  ExpectSameAsWholeParse(R"({"it\u0065ms":[],"items":[1,2,3]})");  // escaped duplicate
  ExpectSameAsWholeParse(R"({"items":[1,2,3],"it\u0065ms":[]})");
  ExpectSameAsWholeParse(R"({"items":[1,{"a":tru},3],"kind":"List"})");  // a bad element
  ExpectSameAsWholeParse(R"({"items":[1,2,3],"kind":"List"} trailing)");
  ExpectSameAsWholeParse(R"({"items":[1,2,3]],"kind":"List"})");
  ExpectSameAsWholeParse(R"({"items":[1,2,3}, "kind":"List"})");
  ExpectSameAsWholeParse(R"({"items" : [1,2,3], "kind":"List"})");
  ExpectSameAsWholeParse(R"({"items" : [1,2,3] "kind":"List"})");  // no comma after the items
  ExpectSameAsWholeParse(R"({"items" [1,2,3], "kind":"List"})");   // no colon
  ExpectSameAsWholeParse(R"({"items":1:[1,2,3]})");
  ExpectSameAsWholeParse("{\"items\":[1,2, ],\"kind\":\"List\"}");
  ExpectSameAsWholeParse(R"(["items",[1,2,3]])");
  ExpectSameAsWholeParse(R"({"a":"items":[1,2,3]})");
  ExpectSameAsWholeParse(R"({"items":[1,2,"open)");
}

TEST(ParseJsonList, RefusesTooDeepItemsExactlyAsTheWholeParse) {
  // An item sits in two containers already: the limit applies to the whole document.
  for (int levels : {kMaxJsonDepth - 3, kMaxJsonDepth - 2, kMaxJsonDepth - 1, kMaxJsonDepth}) {
    ExpectSameAsWholeParse("{\"items\":[1," + Nested(levels) + ",3]}");
    ExpectSameAsWholeParse("{\"items\":[1," + NestedScalar(levels) + ",3]}");
  }
}

TEST(ParseJsonList, KeepsManyItemsInOrder) {
  std::string text = R"({"apiVersion":"v1","items":[)";
  for (int i = 0; i < 1000; ++i)
    text += (i ? "," : "") + std::string(R"({"n":)") + std::to_string(i) + "}";
  text += R"(],"kind":"List"})";
  nlohmann::json parsed = ParseJsonList(text, nullptr, {.min_parallel_bytes = 0, .threads = 4});
  ASSERT_TRUE(parsed.is_object());
  ASSERT_EQ(parsed["items"].size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(parsed["items"][i]["n"], i);
  ExpectSameAsWholeParse(text);
}

TEST(ParseJsonList, ReadsAnArrivingTextToItsEndWhateverItHolds) {
  // Cut and parsed while it arrives, a byte at a time, also when it turns out not to be a List
  // or not JSON at all: the text is always read to the end and parsed whole when it must be.
  for (const std::string text :
       {std::string(R"({"kind":"List","items":[{"a":1},{"b":2},{"c":"x\"y"}]})"),
        std::string(R"({"kind":"Pod","metadata":{"name":"solo"}})"), std::string("not json"),
        std::string(R"({"items":[1,2,3],"items":[4]})"), std::string(""),
        std::string(R"({"items":[1,{"a":tru},3,4,5,6,7,8,9,10],"kind":"List"})")}) {
    ExpectSameAsWholeParse(text);
    TextInPieces arriving(text, 1);
    ParseJsonList(arriving, nullptr, {.threads = 2});
    EXPECT_EQ(arriving.arrived().size(), text.size());
    EXPECT_GE(arriving.reads(), text.size());
  }
}

TEST(ParseJsonList, CutsIndentedListsAsKubectlPrintsThem) {
  // Blanks everywhere a blank may be, and an empty list in every spelling.
  ExpectSameAsWholeParse(
      "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {\n      \"a\": 1\n"
      "    },\n    {\n      \"b\": [\n        2\n      ]\n    }\n  ],\n"
      "  \"kind\": \"List\"\n}\n");
  ExpectSameAsWholeParse("\t{ \"items\"\r\n :\t[ 1 ,\n2 ,\t3\r\n ] , \"kind\" : \"List\" }  ");
  ExpectSameAsWholeParse("{\"items\": [ ], \"kind\": \"List\"}");
  ExpectSameAsWholeParse("{\"items\": [\n  ], \"kind\": \"List\"}");
  ExpectSameAsWholeParse("{\"items\": [\n  1,\n  ], \"kind\": \"List\"}");
  ExpectSameAsWholeParse("{\"items\": [\n\n,1], \"kind\": \"List\"}");
  ExpectSameAsWholeParse("{\"items\":[\"a\"          ,        \"b\"                ]}");
}

TEST(ParseJsonList, LeavesOutPodMembersAsTheWholeParse) {
  const std::string pod =
      R"({"kind":"Pod","metadata":{"name":"p","uid":"u","labels":{"uid":"kept"}},)"
      R"("spec":{"nodeName":"n","containers":[{"name":"c","image":"i","ports":[1]}]},)"
      R"("status":{"conditions":[],"containerStatuses":[{"name":"c","imageID":"x"}]}})";
  const std::string list = R"({"kind":"List","items":[)" + pod + ",\n  " + pod + ", " + pod +
                           R"(, {"kind":"Secret","spec":{"nodeName":"n"}}]})";
  ExpectSameAsWholeParse(list, Omit::kUnreadPodMembers);
  ExpectSameAsWholeParse(R"({"kind":"Pod","items":[)" + pod + "," + pod + "]}",
                         Omit::kUnreadPodMembers);
  ExpectSameAsWholeParse(R"({"kind":"List","items":[)" + pod + "," + pod + ",{]}",
                         Omit::kUnreadPodMembers);
  nlohmann::json parsed = ParseJsonList(
      list, nullptr, {.min_parallel_bytes = 0, .threads = 2, .omit = Omit::kUnreadPodMembers});
  ASSERT_EQ(parsed["items"].size(), 4u);
  EXPECT_FALSE(parsed["items"][1]["spec"].contains("nodeName"));
  EXPECT_EQ(parsed["items"][1]["metadata"]["labels"]["uid"], "kept");
  EXPECT_TRUE(parsed["items"][3]["spec"].contains("nodeName"));
}

}  // namespace
}  // namespace pullkeeper::doctor
