// The members of a Pod that no check reads. Pods are most of a large snapshot (bench/
// doctor_bench.py: 650 of 770 MB) and half of a Pod's JSON values are probes, resources,
// tolerations, conditions and the like; building them as nlohmann values cost doctor about a
// third of its run. The snapshot reader leaves them out while it builds (fast_json.h).
//
// Only Pods, and only members at known places in a Pod (its metadata, spec, containers,
// volumes, status, container statuses), never a member of a map whose keys are data (labels,
// annotations): a label named "ports" stays. CronJobs keep everything, because their
// templates are searched for every string that names a pull secret.
//
// tests/doctor/unread_pod_fields_test.py checks that no name listed here appears as a string
// literal in the checks; a check that starts reading one must take it off the list.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

namespace pullkeeper::doctor {

// Where a JSON value sits, as far as the lists care: a part of a Pod, or kNone (outside a Pod,
// or below the parts listed, where every member is kept).
enum class PodPart : uint8_t {
  kNone,
  // A whole document, or an element of a top-level document's "items" (recursively): a Pod
  // when its "kind" says so (ObjectPart), else only its "items" are looked into.
  kTopLevel,
  kPod,
  kMetadata,
  kSpec,
  kContainer,         // an element of spec.containers, initContainers or ephemeralContainers
  kVolume,            // an element of spec.volumes
  kProjectedVolume,   // a volume's projected member
  kVolumeProjection,  // an element of projected.sources
  kStatus,
  kContainerStatus,  // an element of status.containerStatuses and its init/ephemeral kin
};

// The part that member `key` of a `parent` part is; for an array member, the part of each of
// its elements. kNone when `parent` is kNone.
PodPart PartOfMember(PodPart parent, std::string_view key);

// The part an object placed at `part` is, given its "kind" member ("" when it has none or it
// is not a string): kTopLevel becomes kPod for a Pod; every other part stays.
PodPart ObjectPart(PodPart part, std::string_view kind);

// Whether member `key` of a `part` is one no check reads.
bool IsUnreadPodMember(PodPart part, std::string_view key);

// Removes the unread members of every Pod in `document`: the document itself when it is one,
// else each element of its "items" that is one (see kTopLevel). The reference the fast
// builder is checked against (fuzz/fast_json_fuzzer.cc, tests/doctor/fast_json_test.cc).
void EraseUnreadPodMembers(nlohmann::json& document);

}  // namespace pullkeeper::doctor
