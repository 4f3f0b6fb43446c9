// Reads `kubectl get -o json` and `aws ... describe-*` outputs into a Snapshot. Every file is
// untrusted: anything that is not recognised is counted with a reason and the walk goes on.
#include "doctor/snapshot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <new>
#include <system_error>
#include <vector>

#include "base/bounded_json.h"
#include "doctor/list_parse.h"

namespace pullkeeper::doctor {
namespace {

// The kinds some check reads. Others (ConfigMaps, Nodes, ...) are counted and dropped, so a
// dump of `kubectl get all,cm -A` costs no memory for what doctor never looks at.
constexpr std::array<std::string_view, 16> kKindsRead = {
    "Pod",
    "Secret",
    "ServiceAccount",
    "Event",
    "CronJob",
    "Job",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ExternalSecret",
    "SecretStore",
    "ClusterSecretStore",
    "Namespace",
    "Service",
    "Ingress",
};

bool IsKindRead(std::string_view kind) {
  return std::find(kKindsRead.begin(), kKindsRead.end(), kind) != kKindsRead.end();
}

std::string ObjectKey(std::string_view kind, std::string_view namespace_name,
                      std::string_view name) {
  std::string key;
  key.reserve(kind.size() + namespace_name.size() + name.size() + 2);
  key.append(kind).append("/").append(namespace_name).append("/").append(name);
  return key;
}

}  // namespace

void AddKubeObject(Snapshot& snapshot, std::string kind, nlohmann::json&& body,
                   std::string origin) {
  if (!IsKindRead(kind)) {
    ++snapshot.skipped()["kind " + kind];
    return;
  }
  const nlohmann::json* metadata = nullptr;
  if (body.is_object()) {
    auto it = body.find("metadata");
    if (it != body.end() && it->is_object()) metadata = &*it;
  }
  std::string name = metadata != nullptr ? StringMember(*metadata, "name") : std::string();
  if (name.empty()) {
    ++snapshot.skipped()[kind + " without metadata.name"];
    return;
  }
  KubeObject object;
  object.kind = std::move(kind);
  object.namespace_name = StringMember(*metadata, "namespace");
  object.name = std::move(name);
  object.body = std::move(body);
  object.origin = std::move(origin);
  snapshot.Add(std::move(object));
}

namespace {

// "List" (kubectl's mixed list) or "<Kind>List" (what the API server returns for a list call).
bool IsListKind(std::string_view kind) {
  return kind.size() >= 4 && kind.substr(kind.size() - 4) == "List";
}

void AddKubeList(Snapshot& snapshot, std::string_view list_kind, nlohmann::json& items,
                 const std::string& origin) {
  std::string implied_kind(list_kind.substr(0, list_kind.size() - 4));
  for (size_t i = 0; i < items.size(); ++i) {
    nlohmann::json& item = items[i];
    std::string kind = StringMember(item, "kind");
    if (kind.empty()) kind = implied_kind;
    if (kind.empty()) {
      ++snapshot.skipped()["list item without kind"];
      continue;
    }
    AddKubeObject(snapshot, std::move(kind), std::move(item),
                  fmt::format("{} (items[{}])", origin, i));
  }
}

void AppendArray(nlohmann::json& from, nlohmann::json& to) {
  for (auto& element : from) to.push_back(std::move(element));
}

// AWS CLI outputs carry no kind; their top-level keys say which describe call made them.
// Returns false when none is known.
bool AddAwsOutput(Snapshot& snapshot, nlohmann::json& document) {
  AwsState& aws = snapshot.aws();
  bool recognised = false;
  auto take = [&](const char* key) -> nlohmann::json* {
    auto it = document.find(key);
    if (it == document.end() || !it->is_array()) return nullptr;
    recognised = true;
    return &*it;
  };
  if (auto* groups = take("SecurityGroups")) AppendArray(*groups, aws.security_groups);
  if (auto* reservations = take("Reservations")) {
    for (auto& reservation : *reservations) {
      if (!reservation.is_object()) continue;
      auto it = reservation.find("Instances");
      if (it != reservation.end() && it->is_array()) AppendArray(*it, aws.instances);
    }
  }
  if (auto* balancers = take("LoadBalancers")) AppendArray(*balancers, aws.load_balancers);
  if (auto* groups = take("TargetGroups")) AppendArray(*groups, aws.target_groups);
  if (auto* listeners = take("Listeners")) AppendArray(*listeners, aws.listeners);
  if (auto* health = take("TargetHealthDescriptions")) {
    AwsState::TargetHealth entry;
    entry.target_group_arn = StringMember(document, "TargetGroupArn");
    AppendArray(*health, entry.descriptions);
    aws.target_health.push_back(std::move(entry));
  }
  return recognised;
}

void AddParsedDocument(Snapshot& snapshot, nlohmann::json& document, const std::string& origin) {
  if (!document.is_object()) {
    snapshot.SkipFile("not a JSON object", origin);
    return;
  }
  std::string kind = StringMember(document, "kind");
  if (kind.empty()) {
    if (!AddAwsOutput(snapshot, document)) snapshot.SkipFile("unrecognised AWS output", origin);
    return;
  }
  auto items = document.find("items");
  if (IsListKind(kind) && items != document.end() && items->is_array()) {
    AddKubeList(snapshot, kind, *items, origin);
    return;
  }
  AddKubeObject(snapshot, std::move(kind), std::move(document), origin);
}

std::string SizeLimitReason(size_t max_bytes) {
  constexpr size_t kMiB = size_t{1} << 20;
  if (max_bytes >= kMiB && max_bytes % kMiB == 0)
    return fmt::format("larger than {} MiB", max_bytes / kMiB);
  return fmt::format("larger than {} bytes", max_bytes);
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// A file read into one buffer sized from it, a piece at a time, so that a large List's first
// items are parsed while the rest is still being read (list_parse.h). Not a std::string: that
// would write zeros over the whole buffer first, a quarter of the time reading a large file
// took (bench/doctor_bench.py).
class FileText : public ArrivingText {
 public:
  // False when the file cannot be opened or its buffer not allocated.
  bool Open(const std::filesystem::path& path, size_t size) {
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) return false;
    data_.reset(new (std::nothrow) char[std::max<size_t>(size, 1)]);
    size_ = size;
    return data_ != nullptr;
  }
  std::string_view arrived() const override { return {data_.get(), arrived_}; }
  bool ReadMore() override {
    if (done_) return false;
    // At most the size checked against the limit, even if the file grows meanwhile; a file
    // that shrank while it was read is parsed as far as it was read.
    size_t wanted = std::min(kPieceBytes, size_ - arrived_);
    size_t got = wanted == 0 ? 0 : std::fread(data_.get() + arrived_, 1, wanted, file_.get());
    arrived_ += got;
    if (got < wanted || arrived_ == size_) {
      done_ = true;
      read_error_ = std::ferror(file_.get()) != 0;
    }
    return !done_;
  }
  // Whether reading failed, so what arrived is not the file.
  bool read_error() const { return read_error_; }

 private:
  static constexpr size_t kPieceBytes = size_t{8} << 20;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t arrived_ = 0;
  bool done_ = false;
  bool read_error_ = false;
};

void AddParsed(Snapshot& snapshot, nlohmann::json& document, bool too_deep,
               const std::string& origin) {
  if (document.is_discarded()) {
    snapshot.SkipFile(too_deep ? "too deep" : "not JSON", origin);
    return;
  }
  try {
    AddParsedDocument(snapshot, document, origin);
  } catch (const std::exception&) {
    // Nothing above should throw (every access is checked); a shape that still gets through
    // costs one file, not the run.
    snapshot.SkipFile("unreadable JSON shape", origin);
  }
}

// Pods are read without the members no check reads (unread_pod_fields.h): they are half of a
// large snapshot's values.
constexpr ListParseOptions kParseOptions{.omit = Omit::kUnreadPodMembers};

void AddFile(Snapshot& snapshot, const std::filesystem::path& path,
             const SnapshotOptions& options) {
  std::error_code error;
  uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    snapshot.SkipFile("unreadable file", path.string());
    return;
  }
  if (size > options.max_file_bytes) {
    snapshot.SkipFile(SizeLimitReason(options.max_file_bytes), path.string());
    return;
  }
  FileText text;
  if (!text.Open(path, static_cast<size_t>(size))) {
    snapshot.SkipFile("unreadable file", path.string());
    return;
  }
  bool too_deep = false;
  nlohmann::json document;
  try {
    if (size < kParseOptions.min_parallel_bytes) {
      while (text.ReadMore()) {
      }
      document = ParseJsonList(text.arrived(), &too_deep, kParseOptions);
    } else {
      document = ParseJsonList(text, &too_deep, kParseOptions);
    }
  } catch (const std::bad_alloc&) {
    snapshot.SkipFile("too large for the memory available", path.string());
    return;
  }
  if (text.read_error()) {
    snapshot.SkipFile("unreadable file", path.string());
    return;
  }
  AddParsed(snapshot, document, too_deep, path.string());
}

bool IsJsonFile(const std::filesystem::directory_entry& entry) {
  std::error_code error;
  return entry.path().extension() == ".json" && entry.is_regular_file(error);
}

}  // namespace

void Snapshot::Add(KubeObject object) {
  std::string key = ObjectKey(object.kind, object.namespace_name, object.name);
  auto existing = by_key_.find(key);
  if (existing != by_key_.end()) {
    ++skipped_["duplicate " + object.kind];
    *existing->second = std::move(object);
    return;
  }
  auto owned = std::make_unique<KubeObject>(std::move(object));
  KubeObject* pointer = owned.get();
  by_kind_[pointer->kind].push_back(pointer);
  by_key_.emplace(std::move(key), pointer);
  objects_.push_back(std::move(owned));
}

bool Snapshot::empty() const {
  return objects_.empty() && aws_.security_groups.empty() && aws_.instances.empty() &&
         aws_.load_balancers.empty() && aws_.target_groups.empty() && aws_.listeners.empty() &&
         aws_.target_health.empty();
}

const std::vector<const KubeObject*>& Snapshot::OfKind(std::string_view kind) const {
  static const std::vector<const KubeObject*> kNone;
  auto it = by_kind_.find(kind);
  return it == by_kind_.end() ? kNone : it->second;
}

const KubeObject* Snapshot::Find(std::string_view kind, std::string_view namespace_name,
                                 std::string_view name) const {
  auto it = by_key_.find(ObjectKey(kind, namespace_name, name));
  return it == by_key_.end() ? nullptr : it->second;
}

void AddJsonDocument(Snapshot& snapshot, nlohmann::json&& document, const std::string& origin) {
  try {
    AddParsedDocument(snapshot, document, origin);
  } catch (const std::exception&) {
    snapshot.SkipFile("unreadable JSON shape", origin);
  }
}

void AddDocument(Snapshot& snapshot, std::string_view text, const std::string& origin) {
  bool too_deep = false;
  nlohmann::json document;
  try {
    document = ParseJsonList(text, &too_deep, kParseOptions);
  } catch (const std::bad_alloc&) {
    snapshot.SkipFile("too large for the memory available", origin);
    return;
  }
  AddParsed(snapshot, document, too_deep, origin);
}

StatusOr<Snapshot> LoadSnapshotDirectory(const std::string& directory,
                                         const SnapshotOptions& options) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return InvalidArgumentError(fmt::format(
        "snapshot directory {} does not exist or is not a directory; pass the directory the "
        "kubectl and aws outputs were saved in",
        directory));
  }
  // Paths first, then files in sorted order: directory order differs between filesystems,
  // and evidence and duplicate handling should not. The list holds names only, so it stays
  // small next to the objects.
  std::vector<std::filesystem::path> files;
  std::filesystem::recursive_directory_iterator it(
      directory, std::filesystem::directory_options::skip_permission_denied, error);
  if (error) {
    return FailedPreconditionError(
        fmt::format("cannot read snapshot directory {}: {}", directory, error.message()));
  }
  for (; it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (IsJsonFile(*it)) files.push_back(it->path());
  }
  if (error) {
    return FailedPreconditionError(
        fmt::format("cannot list snapshot directory {}: {}", directory, error.message()));
  }
  std::sort(files.begin(), files.end());
  Snapshot snapshot;
  for (const auto& file : files) AddFile(snapshot, file, options);
  return snapshot;
}

}  // namespace pullkeeper::doctor
