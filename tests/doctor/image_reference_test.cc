#include "doctor/image_reference.h"

#include <gtest/gtest.h>

#include <vector>

namespace pullkeeper::doctor {
namespace {

constexpr char kEcr[] = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

struct ParseCase {
  const char* name;
  const char* image;
  bool valid;
  const char* registry;
  const char* repository;
  const char* tag;
  const char* digest;
};

TEST(ParseImageReference, NormalisesAsTheKubeletDoes) {
  const ParseCase cases[] = {
      {"short Docker Hub name", "nginx", true, "docker.io", "library/nginx", "", ""},
      {"tagged", "nginx:1.25", true, "docker.io", "library/nginx", "1.25", ""},
      {"Docker Hub organisation", "bitnami/redis:7", true, "docker.io", "bitnami/redis", "7", ""},
      {"explicit docker.io", "docker.io/nginx", true, "docker.io", "library/nginx", "", ""},
      {"legacy index host", "index.docker.io/org/app", true, "docker.io", "org/app", "", ""},
      {"localhost", "localhost/app", true, "localhost", "app", "", ""},
      {"registry with port", "localhost:5000/team/app:dev", true, "localhost:5000", "team/app",
       "dev", ""},
      {"digest", "quay.io/org/app@sha256:0123456789abcdef0123456789abcdef", true, "quay.io",
       "org/app", "", "sha256:0123456789abcdef0123456789abcdef"},
      {"ECR", "123456789012.dkr.ecr.us-east-1.amazonaws.com/salon/frontend:staging-abc123", true,
       kEcr, "salon/frontend", "staging-abc123", ""},
      {"capitals make a registry", "Registry/app", true, "Registry", "app", "", ""},
      {"empty", "", false, "", "", "", ""},
      {"space", "salon/front end", false, "", "", "", ""},
      {"capital in repository", "Nginx", false, "", "", "", ""},
      {"empty tag", "nginx:", false, "", "", "", ""},
      {"digest without algorithm", "nginx@abc", false, "", "", "", ""},
      {"empty path component", "quay.io/org//app", false, "", "", "", ""},
      {"non-numeric port", "registry:http/app", false, "", "", "", ""},
      {"two tags", "nginx:1.0:2", false, "", "", "", ""},
  };
  for (const ParseCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<ImageReference> reference = ParseImageReference(c.image);
    ASSERT_EQ(reference.has_value(), c.valid);
    if (!c.valid) continue;
    EXPECT_EQ(reference->registry, c.registry);
    EXPECT_EQ(reference->repository, c.repository);
    EXPECT_EQ(reference->tag, c.tag);
    EXPECT_EQ(reference->digest, c.digest);
  }
}

TEST(KeyringKey, DropsTheSchemeAndTheDockerApiVersion) {
  const std::pair<const char*, std::optional<std::string>> cases[] = {
      {"https://index.docker.io/v1/", "index.docker.io"},
      {"http://registry:5000/", "registry:5000"},
      {"registry.example.com/v2/team", "registry.example.com/team"},
      {"registry.example.com/team/", "registry.example.com/team/"},
      {"https://user:password@registry.example.com", "registry.example.com"},
      {"registry.example.com:http", std::nullopt},
      {"registry .example.com", std::nullopt},
      {"registry.example.com/%zz", std::nullopt},
  };
  for (const auto& [key, expected] : cases) {
    EXPECT_EQ(KeyringKey(key), expected) << key;
  }
}

struct MatchCase {
  const char* name;
  std::vector<std::string> keys;
  const char* image;
  bool matches;
};

TEST(KeyringMatches, AgreesWithTheKubeletsKeyring) {
  const std::string ecr = kEcr;
  const std::string image = ecr + "/salon/frontend:staging-abc123";
  const MatchCase cases[] = {
      {"exact host", {ecr}, image.c_str(), true},
      {"https scheme", {"https://" + ecr}, image.c_str(), true},
      {"http scheme and trailing slash", {"http://" + ecr + "/"}, image.c_str(), true},
      {"API version path", {"https://" + ecr + "/v2/"}, image.c_str(), true},
      {"another region", {"123456789012.dkr.ecr.us-west-2.amazonaws.com"}, image.c_str(), false},
      {"another account", {"210987654321.dkr.ecr.us-east-1.amazonaws.com"}, image.c_str(), false},
      {"dual-stack host is another host",
       {"123456789012.dkr-ecr.us-east-1.on.aws"},
       image.c_str(),
       false},
      {"path prefix covers the repository", {ecr + "/salon"}, image.c_str(), true},
      {"path of another repository", {ecr + "/billing"}, image.c_str(), false},
      {"path prefix is a string prefix", {ecr + "/sal"}, image.c_str(), true},
      {"wildcard first label", {"*.dkr.ecr.us-east-1.amazonaws.com"}, image.c_str(), true},
      {"wildcard does not span labels", {"*.amazonaws.com"}, image.c_str(), false},
      {"wildcard region label", {"123456789012.dkr.ecr.*.amazonaws.com"}, image.c_str(), true},
      {"character class", {"registry-[0-9].example.com"}, "registry-7.example.com/app", true},
      {"host case matters", {"123456789012.DKR.ecr.us-east-1.amazonaws.com"}, image.c_str(), false},
      {"parent domain is not a match", {"example.com"}, "registry.example.com/app", false},
      {"key port must be the image's",
       {"registry.example.com:5000"},
       "registry.example.com/app",
       false},
      {"image port must be the key's",
       {"registry.example.com"},
       "registry.example.com:5000/app",
       false},
      {"same port", {"registry.example.com:5000"}, "registry.example.com:5000/app", true},
      {"Docker Hub legacy key serves short names", {"https://index.docker.io/v1/"}, "nginx", true},
      {"docker.io key serves Docker Hub", {"docker.io"}, "bitnami/redis:7", true},
      {"Docker Hub key does not serve quay.io", {"index.docker.io"}, "quay.io/org/app", false},
      {"Docker Hub key serves a dotless registry", {"index.docker.io"}, "localhost/app", true},
      {"userinfo in the key is ignored", {"https://user:password@" + ecr}, image.c_str(), true},
      {"unreadable key is ignored",
       {"registry.example.com:http"},
       "registry.example.com/app",
       false},
      {"any of several keys", {"quay.io", ecr}, image.c_str(), true},
      {"no keys", {}, image.c_str(), false},
  };
  for (const MatchCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<ImageReference> reference = ParseImageReference(c.image);
    ASSERT_TRUE(reference.has_value());
    EXPECT_EQ(KeyringMatches(c.keys, *reference), c.matches);
  }
}

TEST(KeyringMatches, ResistsPathologicalGlobs) {
  std::string label(60, 'a');
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "*a";
  pattern += "b";
  std::vector<std::string> keys = {pattern + ".example.com"};
  EXPECT_FALSE(KeyringMatches(keys, *ParseImageReference(label + ".example.com/app")));
}

}  // namespace
}  // namespace pullkeeper::doctor
