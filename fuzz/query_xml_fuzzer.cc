// Fuzzes the Query-protocol XML -> AWS CLI JSON conversion (both dialects): any body must give
// either a JSON object that prints, or an error; never a crash, a hang or unbounded memory.
// The first byte picks the dialect so one corpus drives both.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aws/query_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullkeeper::aws;
  if (size == 0) return 0;
  QueryDialect dialect = (data[0] & 1) != 0 ? QueryDialect::kElbv2 : QueryDialect::kEc2;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto converted = QueryXmlToCliJson(body, dialect);
  if (converted.ok() && !converted->is_object()) std::abort();
  // Callers print the documents: dump() throws on invalid UTF-8, which must never get through.
  if (converted.ok()) (void)converted->dump();
  if (!converted.ok() && converted.status().message().empty()) std::abort();
  return 0;
}
