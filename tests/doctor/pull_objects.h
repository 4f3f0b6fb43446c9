// Builders of the Kubernetes objects the pull checks read (Secrets holding ECR tokens, Pods in
// image-pull back-off, Events, CronJobs), shaped as `kubectl get -o json` prints them, with the
// names of the outage estate. Tests change one field of a healthy object to make each case.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64.h"
#include "base/clock.h"
#include "doctor/checks.h"
#include "doctor/snapshot.h"

namespace pullkeeper::doctor::testing {

inline constexpr char kEcrHost[] = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
inline constexpr char kImage[] =
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/salon/frontend:staging-abc123";
inline constexpr char kNow[] = "2026-11-20T14:30:00Z";
// What the token's payload carries; no message may ever contain it.
inline constexpr char kTokenPayload[] = "c2VjcmV0LXBheWxvYWQtdGhhdC1tdXN0LW5ldmVyLWxlYWs";

inline SystemTime At(std::string_view rfc3339) {
  SystemTime time;
  ParseRfc3339(rfc3339, &time);
  return time;
}

// The options of the outage's snapshot: --now 2026-11-20T14:30:00Z, the default window.
inline DoctorOptions Options() {
  DoctorOptions options;
  options.now = At(kNow);
  return options;
}

inline int64_t UnixSeconds(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// An ECR password: base64 of the JSON GetAuthorizationToken wraps, expiring at `expires_at`.
inline std::string EcrToken(SystemTime expires_at) {
  nlohmann::json token = {{"payload", kTokenPayload},
                          {"datakey", "ZGF0YWtleS1ub3QtdG8tYmUtcHJpbnRlZA"},
                          {"version", "2"},
                          {"type", "DATA_KEY"},
                          {"expiration", UnixSeconds(expires_at)}};
  return Base64Encode(token.dump());
}

// One auths entry as kubectl create secret docker-registry writes it.
inline nlohmann::json AuthsEntry(const std::string& password) {
  return {{"username", "AWS"}, {"password", password}, {"auth", Base64Encode("AWS:" + password)}};
}

inline nlohmann::json Metadata(std::string_view namespace_name, std::string_view name) {
  return {{"namespace", namespace_name}, {"name", name}};
}

// A kubernetes.io/dockerconfigjson Secret whose .dockerconfigjson is {"auths": auths}.
inline nlohmann::json PullSecret(std::string_view namespace_name, std::string_view name,
                                 const nlohmann::json& auths) {
  nlohmann::json config = {{"auths", auths}};
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", Metadata(namespace_name, name)},
          {"type", "kubernetes.io/dockerconfigjson"},
          {"data", {{".dockerconfigjson", Base64Encode(config.dump())}}}};
}

// The healthy estate's secret: a fresh token, written and labelled by pullkeeper.
inline nlohmann::json ManagedEcrSecret(std::string_view namespace_name,
                                       SystemTime expires_at = At("2026-11-20T22:00:00Z")) {
  nlohmann::json secret =
      PullSecret(namespace_name, "ecr-registry", {{kEcrHost, AuthsEntry(EcrToken(expires_at))}});
  secret["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "pullkeeper"}};
  secret["metadata"]["annotations"] = {
      {"pullkeeper.io/token-expires-at", FormatRfc3339(expires_at)}};
  return secret;
}

// The outage's secret: expired at 02:00, made by hand during the incident.
inline nlohmann::json HandMadeEcrSecret(std::string_view namespace_name,
                                        SystemTime expires_at = At("2026-11-20T02:00:00Z")) {
  nlohmann::json secret =
      PullSecret(namespace_name, "ecr-registry", {{kEcrHost, AuthsEntry(EcrToken(expires_at))}});
  secret["metadata"]["annotations"] = {
      {"pullkeeper.io/note", "created by hand during the incident"}};
  secret["metadata"]["creationTimestamp"] = "2026-11-19T14:00:00Z";
  return secret;
}

// A Pod of the frontend Deployment with one container; `waiting_reason` "" means Running.
inline nlohmann::json Pod(std::string_view namespace_name, std::string_view name,
                          std::string_view image = kImage,
                          std::vector<std::string> pull_secrets = {"ecr-registry"},
                          std::string_view waiting_reason = "",
                          std::string_view waiting_message = "") {
  nlohmann::json secrets = nlohmann::json::array();
  for (const std::string& secret : pull_secrets) secrets.push_back({{"name", secret}});
  nlohmann::json status = {{"name", "frontend"}, {"image", image}};
  if (waiting_reason.empty()) {
    status["state"] = {{"running", {{"startedAt", "2026-11-20T08:00:00Z"}}}};
  } else {
    status["state"] = {{"waiting", {{"reason", waiting_reason}, {"message", waiting_message}}}};
  }
  nlohmann::json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", Metadata(namespace_name, name)},
      {"spec",
       {{"containers", {{{"name", "frontend"}, {"image", image}}}}, {"imagePullSecrets", secrets}}},
      {"status",
       {{"phase", waiting_reason.empty() ? "Running" : "Pending"},
        {"containerStatuses", {status}}}}};
  pod["metadata"]["ownerReferences"] = {
      {{"kind", "ReplicaSet"}, {"name", "frontend-7d9c8b6f5"}, {"controller", true}}};
  return pod;
}

inline constexpr char kUnauthorized[] =
    "failed to pull and unpack image \"123456789012.dkr.ecr.us-east-1.amazonaws.com/salon/"
    "frontend:staging-abc123\": failed to resolve reference: unexpected status from HEAD "
    "request: 401 Unauthorized";

// A failing frontend pod of the outage.
inline nlohmann::json FailingPod(std::string_view namespace_name, std::string_view name,
                                 std::string_view reason = "ImagePullBackOff") {
  return Pod(namespace_name, name, kImage, {"ecr-registry"}, reason, kUnauthorized);
}

// A core/v1 Event about a pod.
inline nlohmann::json PodEvent(std::string_view namespace_name, std::string_view pod,
                               std::string_view event_name, std::string_view reason,
                               std::string_view message, int count,
                               std::string_view last_timestamp) {
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", Metadata(namespace_name, event_name)},
          {"involvedObject", {{"kind", "Pod"}, {"namespace", namespace_name}, {"name", pod}}},
          {"reason", reason},
          {"message", message},
          {"count", count},
          {"lastTimestamp", last_timestamp}};
}

// A CronJob whose one container runs `args`.
inline nlohmann::json CronJob(std::string_view namespace_name, std::string_view name,
                              std::vector<std::string> args,
                              std::string_view image = "amazon/aws-cli:2.15.0") {
  nlohmann::json container = {{"name", "refresh"}, {"image", image}, {"args", args}};
  return {
      {"apiVersion", "batch/v1"},
      {"kind", "CronJob"},
      {"metadata", Metadata(namespace_name, name)},
      {"spec",
       {{"schedule", "0 */6 * * *"},
        {"jobTemplate", {{"spec", {{"template", {{"spec", {{"containers", {container}}}}}}}}}}}}};
}

// The object as the snapshot reader would add it, identity read from its metadata.
inline KubeObject Object(const nlohmann::json& body) {
  KubeObject object;
  object.kind = body.value("kind", "");
  object.namespace_name = body["metadata"].value("namespace", "");
  object.name = body["metadata"].value("name", "");
  object.body = body;
  object.origin = "test";
  return object;
}

}  // namespace pullkeeper::doctor::testing
