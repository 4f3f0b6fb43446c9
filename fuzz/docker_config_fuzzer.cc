// Feeds arbitrary bytes to the .dockerconfigjson parser and, when it accepts them, to the
// merge and serializer, which must never throw or crash on what another tool left behind.
#include <cstdint>
#include <string_view>

#include "registry/docker_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto config = pullkeeper::registry::DockerConfig::Parse(input);
  if (config.ok()) {
    config->SetCredential({"123456789012.dkr.ecr.us-east-1.amazonaws.com",
                           pullkeeper::SecretString("AWS"), pullkeeper::SecretString("pw")});
    (void)config->Serialize();
    (void)config->Servers();
  }
  return 0;
}
