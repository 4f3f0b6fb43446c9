#include "doctor/fast_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/bounded_json.h"
#include "doctor/unread_pod_fields.h"
#include "testing/same_json_value.h"

namespace pullkeeper::doctor {
namespace {

using pullkeeper::testing::SameJsonValue;

void ExpectSameAsBounded(const std::string& text, int max_depth = kMaxJsonDepth) {
  bool bounded_deep = false;
  nlohmann::json bounded = ParseBoundedJson(text, &bounded_deep, max_depth);
  bool fast_deep = !bounded_deep;
  nlohmann::json fast = ParseJsonFast(text, &fast_deep, max_depth);
  EXPECT_EQ(fast.is_discarded(), bounded.is_discarded()) << text;
  EXPECT_EQ(fast_deep, bounded_deep) << text;
  EXPECT_TRUE(SameJsonValue(fast, bounded))
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

// With the Pod omission: ParseBoundedJson's value, then EraseUnreadPodMembers.
nlohmann::json ExpectOmitsAsErase(const std::string& text, int max_depth = kMaxJsonDepth) {
  bool bounded_deep = false;
  nlohmann::json expected = ParseBoundedJson(text, &bounded_deep, max_depth);
  EraseUnreadPodMembers(expected);
  bool fast_deep = !bounded_deep;
  nlohmann::json fast = ParseJsonFast(text, &fast_deep, max_depth, Omit::kUnreadPodMembers);
  EXPECT_EQ(fast.is_discarded(), expected.is_discarded()) << text;
  EXPECT_EQ(fast_deep, bounded_deep) << text;
  EXPECT_TRUE(SameJsonValue(fast, expected))
      << text << "\nfast: " << fast.dump() << "\nexpected: " << expected.dump();
  return fast;
}

// A Pod as a kubelet reports it, with members of every part the omission knows, and maps
// whose keys are data (labels, annotations) that happen to spell omitted names.
const std::string kPod = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1",
  "namespace":"shop","uid":"u-1","resourceVersion":"7","generateName":"web-",
  "labels":{"ports":"80","resources":"many"},"annotations":{"uid":"kept"},
  "ownerReferences":[{"kind":"ReplicaSet","name":"web","uid":"u-0","controller":true}],
  "creationTimestamp":"2026-11-01T00:00:00Z"},
 "spec":{"containers":[{"name":"web","image":"registry.example/web:1","imagePullPolicy":"Always",
   "env":[{"name":"PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}},
          {"name":"ports","value":"kept"}],
   "envFrom":[{"secretRef":{"name":"api"}}],"ports":[{"containerPort":8080}],
   "resources":{"limits":{"memory":"1Gi"}},"readinessProbe":{"httpGet":{"path":"/"}},
   "volumeMounts":[{"name":"token","mountPath":"/t"}]}],
  "initContainers":[{"name":"init","image":"registry.example/init:1","command":["sh"]}],
  "volumes":[{"name":"cm","configMap":{"name":"web-config"}},
   {"name":"token","projected":{"defaultMode":420,"sources":[{"serviceAccountToken":{"path":"t"}},
     {"secret":{"name":"tls","items":[{"key":"crt","path":"crt"}]}},
     {"configMap":{"name":"ca"}}]}},
   {"name":"db","secret":{"secretName":"db","optional":true}}],
  "imagePullSecrets":[{"name":"ecr-registry"}],"serviceAccountName":"web",
  "tolerations":[{"key":"k","operator":"Exists"}],"nodeName":"node-1","priority":0},
 "status":{"phase":"Pending","conditions":[{"type":"Ready","status":"False"}],
  "hostIP":"10.0.0.1","podIPs":[{"ip":"10.1.0.1"}],"startTime":"2026-11-01T00:00:01Z",
  "containerStatuses":[{"name":"web","image":"registry.example/web:1","imageID":"",
   "ready":false,"restartCount":0,"started":false,
   "state":{"waiting":{"reason":"ImagePullBackOff","message":"401 Unauthorized"}},
   "lastState":{}}],
  "initContainerStatuses":[{"name":"init","containerID":"containerd://1",
   "state":{"terminated":{"exitCode":0}}}]}})";

TEST(ParseJsonFast, LeavesOutOnlyThePodMembersNoCheckReads) {
  nlohmann::json pod = ExpectOmitsAsErase(kPod);
  // Left out.
  EXPECT_FALSE(pod["metadata"].contains("uid"));
  EXPECT_FALSE(pod["spec"].contains("tolerations"));
  EXPECT_FALSE(pod["spec"]["containers"][0].contains("readinessProbe"));
  EXPECT_FALSE(pod["spec"]["containers"][0].contains("ports"));
  EXPECT_FALSE(pod["spec"]["initContainers"][0].contains("command"));
  EXPECT_FALSE(pod["spec"]["volumes"][0].contains("configMap"));
  EXPECT_FALSE(pod["status"].contains("conditions"));
  EXPECT_FALSE(pod["status"]["containerStatuses"][0].contains("imageID"));
  EXPECT_FALSE(pod["status"]["initContainerStatuses"][0].contains("containerID"));
  // Kept: everything a check reads, and maps whose keys are data.
  EXPECT_EQ(pod["metadata"]["labels"]["ports"], "80");
  EXPECT_EQ(pod["metadata"]["annotations"]["uid"], "kept");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], "u-0");
  EXPECT_EQ(pod["spec"]["containers"][0]["env"][1]["name"], "ports");
  EXPECT_EQ(pod["spec"]["containers"][0]["envFrom"][0]["secretRef"]["name"], "api");
  nlohmann::json sources = pod["spec"]["volumes"][1]["projected"]["sources"];
  ASSERT_EQ(sources.size(), 3u);
  EXPECT_EQ(sources[1]["secret"]["items"][0]["key"], "crt");
  EXPECT_TRUE(sources[0].empty());
  EXPECT_EQ(pod["spec"]["volumes"][2]["secret"]["secretName"], "db");
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
            "ImagePullBackOff");
  EXPECT_EQ(pod["status"]["startTime"], "2026-11-01T00:00:01Z");
}

TEST(ParseJsonFast, LeavesOutPodMembersOfPodsOnly) {
  // In a List, also one whose items carry no kind of their own; in a List calling itself a Pod.
  ExpectOmitsAsErase(R"({"kind":"List","items":[)" + kPod + "," + kPod + R"(,7,"s",null]})");
  ExpectOmitsAsErase(R"({"kind":"PodList","items":[{"spec":{"tolerations":[]}}]})");
  ExpectOmitsAsErase(R"({"kind":"Pod","items":[)" + kPod + "]}");
  // Other kinds keep every member: a CronJob's template is searched for every string.
  nlohmann::json deployment = ExpectOmitsAsErase(
      R"({"kind":"Deployment","spec":{"template":{"spec":{"tolerations":[1],"nodeName":"n"}}}})");
  EXPECT_TRUE(deployment["spec"]["template"]["spec"].contains("tolerations"));
  ExpectOmitsAsErase(R"({"kind":"CronJob","spec":{"jobTemplate":{"spec":{"template":)" + kPod +
                     "}}}}");
  // nlohmann keeps the last of duplicate keys, so the last "kind" decides.
  ExpectOmitsAsErase(R"({"kind":"Pod","kind":"Secret","spec":{"nodeName":"n"}})");
  ExpectOmitsAsErase(R"({"kind":"Secret","kind":"Pod","spec":{"nodeName":"n"}})");
  ExpectOmitsAsErase(R"({"kind":["Pod"],"spec":{"nodeName":"n"}})");
  ExpectOmitsAsErase(R"({"kind":"Pod","spec":{"nodeName":"a","nodeName":"b","x":1}})");
  // Wrong shapes are kept as they are, and a text left to the fallback parser (a -0 that is
  // kept) loses the same members.
  ExpectOmitsAsErase(R"({"kind":"Pod","spec":[{"nodeName":1}],"status":"odd"})");
  ExpectOmitsAsErase(R"({"kind":"Pod","spec":{"nodeName":1,"serviceAccountName":-0}})");
}

TEST(ParseJsonFast, ALeftOutMemberNestedTooDeepIsStillTooDeep) {
  for (int levels : {10, 61, 62, 63, 64, 100}) {
    ExpectOmitsAsErase(R"({"kind":"Pod","spec":{"tolerations":)" + Nested(levels) + "}}");
    ExpectOmitsAsErase(R"({"kind":"Pod","spec":{"tolerations":)" + Nested(levels) + "}}", 8);
  }
}

}  // namespace
}  // namespace pullkeeper::doctor
