#include "aws/credential_process.h"

namespace pullkeeper::aws {

StatusOr<std::vector<std::string>> SplitCommandLine(std::string_view) {
  return UnimplementedError("credential_process is not implemented yet");
}

StatusOr<Credentials> ParseCredentialProcessOutput(std::string_view, std::string_view) {
  return UnimplementedError("credential_process is not implemented yet");
}

StatusOr<Credentials> RunCredentialProcess(std::string_view, std::string_view,
                                           const CredentialProcessOptions&) {
  return UnimplementedError("credential_process is not implemented yet");
}

}  // namespace pullkeeper::aws
