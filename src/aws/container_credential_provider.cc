#include "aws/container_credential_provider.h"

namespace pullkeeper::aws {

StatusOr<Credentials> ContainerCredentialProvider::Resolve() {
  return UnimplementedError("container credentials are not implemented yet");
}

}  // namespace pullkeeper::aws
