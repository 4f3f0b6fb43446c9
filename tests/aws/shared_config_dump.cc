// Test-only: prints what pullkeeper reads from one AWS shared file as JSON shaped like
// botocore's output, {"raw": raw_config_parse(), "profiles": load_config()["profiles"]}, so
// shared_config_parity_test.py can compare the two readings of the same fixtures.
// Usage: aws_shared_config_dump FILE. Exit 0 with the JSON, 1 when the file does not parse
// (botocore's ConfigParseError), 2 when it does not exist, 3 on bad usage.
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>

#include "aws/ini_file.h"
#include "aws/shared_config.h"

namespace pullkeeper::aws {
namespace {

nlohmann::json SectionJson(const IniSection& section) {
  nlohmann::json out = nlohmann::json::object();
  for (const IniEntry* entry : section.AllEntries()) {
    if (!entry->is_subsection) {
      out[entry->key] = entry->value;
      continue;
    }
    nlohmann::json block = nlohmann::json::object();
    for (const IniEntry& child : entry->children) block[child.key] = child.value;
    out[entry->key] = block;
  }
  return out;
}

int Dump(const std::string& path) {
  StatusOr<IniFile> ini = ReadIniFile(path);
  if (!ini.ok()) {
    std::fprintf(stderr, "%s\n", ini.status().ToString().c_str());
    return ini.status().code() == StatusCode::kNotFound ? 2 : 1;
  }
  nlohmann::json raw = nlohmann::json::object();
  for (const IniSection& section : ini->sections) raw[section.name] = SectionJson(section);
  SharedConfig config(SharedFile{"", std::nullopt, "absent"}, SharedFile{path, *ini, ""});
  nlohmann::json profiles = nlohmann::json::object();
  for (const std::string& name : config.ConfigProfileNames()) {
    profiles[name] = SectionJson(*config.ConfigSection(name));
  }
  nlohmann::json out = {{"raw", raw}, {"profiles", profiles}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace pullkeeper::aws

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 3;
  }
  try {
    return pullkeeper::aws::Dump(argv[1]);
  } catch (const std::exception& e) {  // nlohmann throws on text it cannot encode
    std::fprintf(stderr, "cannot print as JSON: %s\n", e.what());
    return 1;
  }
}
