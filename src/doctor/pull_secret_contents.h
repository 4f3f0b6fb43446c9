// What a pull secret holds, read as the kubelet reads it: the registries its `auths` entries
// serve and, for ECR tokens, when they expire. Tokens are decoded only to read their expiry and
// are dropped at once; nothing here keeps or returns a credential, so nothing built from it can
// print one.
// ECR tokens:
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html Secret
// types: https://kubernetes.io/docs/concepts/configuration/secret/#docker-config-secrets
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace pullkeeper::doctor {

inline constexpr char kDockerConfigJsonType[] = "kubernetes.io/dockerconfigjson";
inline constexpr char kDockerCfgType[] = "kubernetes.io/dockercfg";
// Written by `pullkeeper sync` (src/sync/pull_secret_plan.h), repeated here so doctor does not
// depend on the sync component.
inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kExpiresAtAnnotation[] = "pullkeeper.io/token-expires-at";

enum class ExpirySource { kUnknown, kToken, kAnnotation };

struct RegistryEntry {
  std::string key;      // the auths key, with any "user:password@" removed: safe to print
  std::string host;     // lowercase, without scheme, port or path
  bool is_ecr = false;  // an ECR (private or public) registry host
  std::optional<SystemTime> expires_at;
  ExpirySource expiry_source = ExpirySource::kUnknown;
};

struct PullSecretContents {
  // Whether the kubelet reads the secret at all: type kubernetes.io/dockerconfigjson or
  // kubernetes.io/dockercfg.
  bool is_pull_secret_type = false;
  // Why the entries could not be read ("" when they could), naming the field, never its content.
  std::string problem;
  std::vector<RegistryEntry> entries;  // sorted by key

  std::vector<std::string> Keys() const;
};

// Reads a Secret object (as the API server returns it; `stringData` is read too, for
// hand-written manifests). An ECR entry without a readable token takes its expiry from
// pullkeeper's token-expires-at annotation. Never throws.
PullSecretContents ReadPullSecret(const nlohmann::json& secret);

// The expiry an ECR token carries: `password` is base64 (padding optional, standard or URL
// alphabet) of a JSON object whose `expiration` is Unix seconds (milliseconds are recognised
// by their size). nullopt for anything else: garbage means unknown, not an error.
std::optional<SystemTime> EcrTokenExpiry(std::string_view password);

}  // namespace pullkeeper::doctor
