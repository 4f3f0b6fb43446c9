#include "doctor/list_parse.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "base/bounded_json.h"
#include "doctor/unread_pod_fields.h"
#include "testing/same_json_value.h"

namespace pullkeeper::doctor {
namespace {

using pullkeeper::testing::SameJsonValue;

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

// Cut on two and three threads, with and without the omission: the whole parse's verdict and
// value, types included. Returns the number of texts that disagreed.
int CountDisagreements(const std::string& text) {
  int disagreements = 0;
  for (Omit omit : {Omit::kNothing, Omit::kUnreadPodMembers}) {
    bool whole_deep = false;
    nlohmann::json whole = ParseBoundedJson(text, &whole_deep);
    if (omit == Omit::kUnreadPodMembers) EraseUnreadPodMembers(whole);
    for (unsigned threads : {2u, 3u}) {
      ListParseOptions options{.min_parallel_bytes = 0, .threads = threads, .omit = omit};
      // Whole, and arriving 5 bytes at a time.
      for (size_t piece : {size_t{0}, size_t{5}}) {
        bool deep = !whole_deep;
        TextInPieces arriving(text, piece);
        nlohmann::json parsed = piece == 0 ? ParseJsonList(text, &deep, options)
                                           : ParseJsonList(arriving, &deep, options);
        bool same = parsed.is_discarded() == whole.is_discarded() && deep == whole_deep &&
                    SameJsonValue(parsed, whole);
        EXPECT_TRUE(same) << "threads " << threads << ", omit " << static_cast<int>(omit)
                          << ", pieces of " << piece << ", text:\n"
                          << text;
        if (!same) ++disagreements;
      }
    }
  }
  return disagreements;
}

// Writes Lists as kubectl, editors and hostile hands might: indents of 1, 2 or 4 spaces or
// tabs, CRLF, blanks around colons and commas, empty arrays in every spelling, awkward strings.
// std::mt19937's sequence is fixed by the standard, so every run writes the same texts.
class ListWriter {
 public:
  explicit ListWriter(uint32_t seed) : random_(seed) {}

  std::string List() {
    style_ = Pick(6);
    std::vector<std::string> members = {
        Key("apiVersion") + Json("v1"),
        Key("kind") + Json(Choose({"List", "PodList", "Pod", "SecretList", "List"})),
        Key("metadata") + Value(nlohmann::json{{"resourceVersion", ""}}, 1),
        Key("items") + Items()};
    if (Pick(12) == 0) members.push_back(Key("items") + Items());  // a second "items"
    if (Pick(12) == 0) members.push_back(Key("kind") + Json("Pod"));
    std::shuffle(members.begin(), members.end(), random_);
    return Blanks() + Object(members, 0) + Blanks();
  }

  uint32_t Pick(uint32_t n) { return static_cast<uint32_t>(random_() % n); }

 private:
  static std::string Json(const nlohmann::json& value) { return value.dump(); }

  std::string Choose(std::initializer_list<const char*> words) {
    return words.begin()[Pick(static_cast<uint32_t>(words.size()))];
  }

  std::string Newline() { return style_ == 5 ? "\r\n" : "\n"; }

  std::string Indent(int level) {
    static const char* const kUnits[] = {"", " ", "  ", "    ", "\t", "  "};
    std::string indent;
    for (int i = 0; i < level; ++i) indent += kUnits[style_];
    return indent;
  }

  // Blanks where JSON allows them: none, a space, a tab, a newline or a run of them.
  std::string Blanks() {
    static const char* const kBlanks[] = {"", "", " ", "\t", "\n", "\r\n", "  \n\t ", " "};
    return kBlanks[Pick(8)];
  }

  std::string Key(const std::string& name) {
    std::string colon = style_ == 0 ? ":" : ": ";
    if (Pick(4) == 0) colon = Blanks() + ":" + Blanks();
    return Json(name) + colon;
  }

  std::string Object(const std::vector<std::string>& members, int level) {
    if (members.empty()) return "{" + Blanks() + "}";
    std::string text = "{";
    for (size_t i = 0; i < members.size(); ++i) {
      text += (i ? "," + Blanks() : "") + Break(level + 1) + members[i];
    }
    return text + Break(level) + "}";
  }

  std::string Break(int level) { return style_ == 0 ? Blanks() : Newline() + Indent(level); }

  // `value` (compact JSON) pretty-printed at `level` as the style says.
  std::string Value(const nlohmann::json& value, int level) {
    if (value.is_object()) {
      std::vector<std::string> members;
      for (auto it = value.begin(); it != value.end(); ++it) {
        members.push_back(Key(it.key()) + Value(it.value(), level + 1));
      }
      return Object(members, level);
    }
    if (value.is_array()) {
      std::vector<std::string> elements;
      for (const auto& element : value) elements.push_back(Value(element, level + 1));
      return Array(elements, level);
    }
    return Json(value);
  }

  std::string Array(const std::vector<std::string>& elements, int level) {
    if (elements.empty()) {
      static const char* const kEmpty[] = {"[]", "[ ]", "[\n]", "[\r\n\t]", "[\n    ]"};
      return kEmpty[Pick(5)];
    }
    std::string text = "[";
    for (size_t i = 0; i < elements.size(); ++i) {
      text += (i ? Blanks() + "," : "") + Break(level + 1) + elements[i];
    }
    if (level == 1 && Pick(8) == 0) text += Blanks() + "," + Blanks();  // a trailing comma
    return text + Break(level) + "]";
  }

  std::string Items() {
    std::vector<std::string> items;
    for (uint32_t count = Pick(7), i = 0; i < count; ++i) items.push_back(Item());
    return Array(items, 1);
  }

  std::string Item() {
    switch (Pick(14)) {
      case 0:
        return Choose({"1", "-0", "0", "-0.0", "1.5", "-3", "18446744073709551615", "null", "true",
                       "1e400", "-9223372036854775809"});
      case 1:  // strings a cut that ignores escapes would end early or late
        return Json(
            Choose({"\"items\":[", "a\\", "\\\"],[{", "x\"", "\\", "],", "{\"kind\":\"Pod\""}));
      case 2:
        return Value(nlohmann::json::array({1, nlohmann::json::array(), "\"items\": [1,2]"}), 2);
      case 3:  // raw text no printer writes: escapes spelled out, -0 kept
        return Choose({R"({"kind":"Pod","spec":{"nodeName":"a\"b\\","priority":-0}})",
                       R"({"kind":"P\u006fd","spec":{"nodeName":"n"}})",
                       R"({"k\u0069nd":"Pod","spec":{"nodeName":"n"}})",
                       R"({"kind":"Pod","kind":"Secret","spec":{"tolerations":[]}})",
                       R"({"kind":"Pod","metadata":{"name":"\"items\":[","uid":"\\"}})"});
      case 4:  // nested deep enough that the limit (counted from the document) decides
        return std::string(60 + Pick(5), '[') + std::string(60 + Pick(5), ']');
      case 5:
        return Value({{"kind", "List"}, {"items", {PodValue(), 2}}}, 2);
      default:
        return Value(PodValue(), 2);
    }
  }

  nlohmann::json PodValue() {
    nlohmann::json pod = {
        {"apiVersion", "v1"},
        {"kind", Pick(5) == 0 ? "Secret" : "Pod"},
        {"metadata",
         {{"name", "web-" + std::to_string(Pick(1000))},
          {"namespace", "shop"},
          {"uid", "u"},
          {"labels", {{"uid", "kept"}, {"ports", "80"}}}}},
        {"spec",
         {{"containers",
           {{{"name", "web"},
             {"image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1"},
             {"ports", {{{"containerPort", 80}}}},
             {"livenessProbe", {{"httpGet", {{"path", "/\"],"}}}}}}}},
          {"volumes",
           {{{"name", "t"},
             {"projected",
              {{"sources",
                {{{"serviceAccountToken", {{"path", "t"}}}}, {{"secret", {{"name", "s"}}}}}}}}}}},
          {"imagePullSecrets", {{{"name", "ecr"}}}},
          {"tolerations", nlohmann::json::array()},
          {"priority", 0}}},
        {"status",
         {{"phase", "Pending"},
          {"conditions", {{{"type", "Ready"}}}},
          {"containerStatuses",
           {{{"name", "web"},
             {"restartCount", 3},
             {"state", {{"waiting", {{"reason", "ImagePullBackOff"}}}}}}}}}}};
    if (Pick(3) == 0) pod.erase("kind");
    return pod;
  }

  std::mt19937 random_;
  uint32_t style_ = 0;
};

TEST(ParseJsonList, CutsTwoThousandWrittenListsAsTheWholeParse) {
  ListWriter writer(20261120);
  int disagreements = 0;
  for (int i = 0; i < 2000; ++i) disagreements += CountDisagreements(writer.List());
  EXPECT_EQ(disagreements, 0);
}

TEST(ParseJsonList, EveryPrefixOfASmallListParsesAsTheWholeParse) {
  const std::string list =
      "{\r\n  \"kind\" : \"List\",\n\t\"items\":\t[ "
      "{\"kind\":\"Pod\",\"spec\":{\"nodeName\":\"a\\\"\"}} ,"
      "\r\n 1 ,\"\\\\\" , [ ] ,{ \"items\" : [ 2 , 3 ] } \n ] ,\"metadata\":{ } }\n";
  int disagreements = 0;
  for (size_t size = 0; size <= list.size(); ++size) {
    disagreements += CountDisagreements(list.substr(0, size));
  }
  EXPECT_EQ(disagreements, 0);
}

// Bytes nlohmann accepts at the start of a text or reads as its end, which must not make an
// element parsed alone succeed where the whole text fails.
TEST(ParseJsonList, ABomOrNulInsideTheItemsFailsAsInTheWholeText) {
  using namespace std::string_literals;
  for (const std::string& text :
       {"{\"items\":[\xef\xbb\xbf"
        "1,2,3]}"s,
        "{\"items\":[1,\xef\xbb\xbf"
        "2,3]}"s,
        "{\"items\":[1,2\0,3]}"s, "{\"items\":[1,2\0 x,3]}"s, "{\"items\":[1,{}\0,3]}"s,
        "{\"items\":[1,2,3]}\0{\"items\":[4]}"s, "\xef\xbb\xbf{\"items\":[1,2,3]}"s,
        "{\"items\":[\"\xef\xbb\xbf\",2,3]}"s}) {
    EXPECT_EQ(CountDisagreements(text), 0);
  }
}

}  // namespace
}  // namespace pullkeeper::doctor
