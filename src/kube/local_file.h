// Reading the small local files a Kubernetes client depends on: kubeconfigs, CA bundles,
// client keys, token files. A FileReader is the seam tests and the fuzzer replace, so a
// kubeconfig naming /dev/zero or a FIFO can neither hang nor exhaust memory.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "base/secret_string.h"
#include "base/status.h"

namespace pullkeeper::kube {

// Returns the file's bytes, or kNotFound (missing), kPermissionDenied (unreadable),
// kInvalidArgument (not a regular file, or larger than the limit). Messages name the path.
using FileReader = std::function<StatusOr<std::string>(const std::string& path)>;

inline constexpr size_t kMaxLocalFileBytes = 4 << 20;

StatusOr<std::string> ReadLocalFile(const std::string& path);

// A FileReader on the local filesystem.
FileReader LocalFileReader();

// Reads a bearer token file: surrounding whitespace is dropped (editors and `echo` add a
// newline); an empty token is kInvalidArgument. Messages name the path, never the token.
StatusOr<SecretString> ReadTokenFile(const FileReader& read_file, const std::string& path);

// True if `path` names an existing regular file (following symlinks).
bool LocalFileExists(const std::string& path);

// OK when `token` can be sent as a bearer token: no control characters (a block-scalar
// token with an inner newline, or CRLF, would corrupt the request). `where` names its source.
Status CheckBearerToken(std::string_view token, std::string_view where);

}  // namespace pullkeeper::kube
