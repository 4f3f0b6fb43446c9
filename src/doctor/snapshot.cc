#include "doctor/snapshot.h"

namespace pullkeeper::doctor {

// Stub: the snapshot reader is being written (issue 4).
void Snapshot::Add(KubeObject object) {
  auto owned = std::make_unique<KubeObject>(std::move(object));
  const KubeObject* pointer = owned.get();
  by_kind_[pointer->kind].push_back(pointer);
  by_key_[pointer->kind + "/" + pointer->namespace_name + "/" + pointer->name] = pointer;
  objects_.push_back(std::move(owned));
}

const std::vector<const KubeObject*>& Snapshot::OfKind(std::string_view kind) const {
  static const std::vector<const KubeObject*> kNone;
  auto it = by_kind_.find(kind);
  return it == by_kind_.end() ? kNone : it->second;
}

const KubeObject* Snapshot::Find(std::string_view kind, std::string_view namespace_name,
                                 std::string_view name) const {
  std::string key = std::string(kind) + "/" + std::string(namespace_name) + "/" + std::string(name);
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : it->second;
}

StatusOr<Snapshot> LoadSnapshotDirectory(const std::string&, const SnapshotOptions&) {
  return UnimplementedError("doctor --snapshot is not implemented yet");
}

void AddDocument(Snapshot&, std::string_view, const std::string&) {}

}  // namespace pullkeeper::doctor
