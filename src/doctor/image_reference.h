// Image references as the kubelet reads them, and which pull-secret `auths` entries it would
// send credentials from for an image. pull-secret-registry-mismatch must agree with the kubelet
// exactly: a key that looks right to a person but that the kubelet never matches is the bug
// being diagnosed.
// Normalisation: https://github.com/distribution/reference (ParseNormalizedNamed).
// Matching: https://github.com/kubernetes/kubernetes/blob/master/pkg/credentialprovider/keyring.go
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pullkeeper::doctor {

struct ImageReference {
  std::string registry;    // "docker.io", "localhost:5000", "123456789012.dkr.ecr.us-east-1..."
  std::string repository;  // "library/nginx", "salon/frontend"
  std::string tag;         // "" when none was written (the runtime pulls "latest")
  std::string digest;      // "sha256:..." or ""

  // "<registry>/<repository>": the name the kubelet looks credentials up by (no tag, digest).
  std::string Name() const { return registry + "/" + repository; }
};

// Parses `image` as a pod spec writes it ("nginx", "quay.io/org/app:1.2",
// "host:5000/app@sha256:..."), applying Docker Hub's defaults ("nginx" is
// docker.io/library/nginx; index.docker.io is docker.io). nullopt when the reference is not
// valid: the runtime reports those as InvalidImageName.
std::optional<ImageReference> ParseImageReference(std::string_view image);

// The key the kubelet files a Docker config `auths` entry under: the scheme dropped, host
// (with port) and path kept, a leading "/v1/" or "/v2/" of the path dropped ("https://
// index.docker.io/v1/" is "index.docker.io"). nullopt for an entry the kubelet ignores
// (one it cannot parse as a URL).
std::optional<std::string> KeyringKey(std::string_view auths_key);

// Whether the kubelet would send credentials from any of `auths_keys` when pulling `image`:
// same port, same number of host labels, each label matching as a glob ("*.example.com"
// matches "a.example.com", not "a.b.example.com"), the key's path a prefix of the
// repository's; failing that, a key for index.docker.io serves Docker Hub images.
bool KeyringMatches(std::span<const std::string> auths_keys, const ImageReference& image);

}  // namespace pullkeeper::doctor
