// Feeds arbitrary bytes to the kubeconfig parser and, when it accepts them, to the merge and
// to BuildRestConfig for every context. A kubeconfig is the first file pullkeeper reads on a
// workstation; a malformed one must give an error, never a crash or a hang. File reads go to
// an in-memory reader, so a kubeconfig naming /dev/zero or a FIFO is harmless here.
#include <cstdint>
#include <string>
#include <string_view>

#include "kube/kubeconfig.h"
#include "kube/kubeconfig_loader.h"

namespace {

pullkeeper::StatusOr<std::string> ReadNothing(const std::string& path) {
  if (path.find("present") != std::string::npos) return std::string("PEM or token\n");
  return pullkeeper::NotFoundError(path + " does not exist");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullkeeper::kube;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto config = ParseKubeconfig(input, "/fuzz/dir/config");
  if (!config.ok()) return 0;
  Kubeconfig merged = MergeKubeconfigs({*config, *config});
  (void)BuildRestConfig(merged, "", ReadNothing);
  int contexts = 0;
  for (const auto& [name, context] : merged.contexts) {
    if (++contexts > 16) break;
    (void)BuildRestConfig(merged, name, ReadNothing);
  }
  return 0;
}
