// Feeds arbitrary bytes to the AWS shared-file parser and walks the result the way the
// credential chain and region resolution do: profiles from both file styles, merged lookups
// and the not-found message. It must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "aws/ini_file.h"
#include "aws/shared_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullkeeper::aws;
  // The chain looks at a handful of profiles per run; walking every section against every
  // other would measure the harness, not the parser.
  constexpr size_t kWalked = 64;
  std::string_view content(reinterpret_cast<const char*>(data), size);
  pullkeeper::StatusOr<IniFile> ini = ParseIni(content, "/fuzz/config");
  if (!ini.ok()) return 0;
  size_t seen = 0;
  for (size_t i = 0; i < ini->sections.size() && i < kWalked; ++i) {
    const IniSection& section = ini->sections[i];
    for (const IniEntry* entry : section.AllEntries()) seen += entry->children.size();
    if (section.Find("aws_access_key_id") != nullptr) ++seen;
    if (ProfileNameOfConfigSection(section.name)) ++seen;
  }
  SharedConfig config(SharedFile{"/fuzz/credentials", *ini, ""},
                      SharedFile{"/fuzz/config", *ini, ""});
  std::vector<std::string> names = config.ProfileNames();
  for (size_t i = 0; i < names.size() && i < kWalked; ++i) {
    if (config.Find(names[i], "region")) ++seen;
    if (config.Find(names[i], "role_arn")) ++seen;
  }
  (void)config.RequireProfile({"missing", "--profile"});
  return seen == static_cast<size_t>(-1) ? 1 : 0;
}
