// The wire form of the models in secret.h: core/v1 Secret and Namespace as JSON. Secret data
// is base64 on the wire and decoded bytes in the model. Kept apart from kube_client.cc so the
// round-trip rules (what an update keeps, what a create drops) are tested on their own.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "kube/secret.h"

namespace pullkeeper::kube {

// Decodes a Secret as a GET, a list item or a write answer carries it. Keeps the object in
// Secret::raw. kInternal when it is malformed (no name, data that is not base64), naming the
// secret and the field but never a value. Does not throw.
StatusOr<Secret> SecretFromJson(nlohmann::json object);

// The body of a create: built from the model's fields only, never from `raw`, so server-set
// fields (uid, resourceVersion, creationTimestamp) and another object's ownerReferences are
// not copied into a new secret.
nlohmann::json SecretToCreateJson(const Secret& secret, std::string_view namespace_name);

// The body of a replace (PUT): `raw` with the modelled fields overwritten and managedFields
// dropped (the server keeps the stored ones when an update omits them). Every field
// pullkeeper does not model survives: finalizers, ownerReferences, other annotations'
// neighbours, unknown top-level fields. An empty resource_version makes the PUT
// unconditional.
nlohmann::json SecretToReplaceJson(const Secret& secret, std::string_view namespace_name);

// Decodes a Namespace; kInternal when it has no name. Does not throw.
StatusOr<Namespace> NamespaceFromJson(const nlohmann::json& object);

}  // namespace pullkeeper::kube
