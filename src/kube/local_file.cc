#include "kube/local_file.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace pullkeeper::kube {

StatusOr<std::string> ReadLocalFile(const std::string& path) {
  std::error_code error;
  auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) {
    if (error && error != std::errc::no_such_file_or_directory) {
      return PermissionDeniedError(fmt::format("cannot access {}: {}", path, error.message()));
    }
    return NotFoundError(fmt::format("{} does not exist", path));
  }
  // Devices and FIFOs would block or never end; every file we read is a regular file (the
  // kubelet's projected tokens are symlinks to regular files, which status() follows).
  if (!std::filesystem::is_regular_file(status)) {
    return InvalidArgumentError(fmt::format("{} is not a regular file", path));
  }
  auto size = std::filesystem::file_size(path, error);
  if (error) {
    return PermissionDeniedError(fmt::format("cannot read {}: {}", path, error.message()));
  }
  if (size > kMaxLocalFileBytes) {
    return InvalidArgumentError(fmt::format("{} is {} bytes, more than the {} bytes allowed", path,
                                            size, kMaxLocalFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return PermissionDeniedError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  std::string content;
  content.resize(static_cast<size_t>(size));
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<size_t>(in.gcount()));
  return content;
}

FileReader LocalFileReader() {
  return [](const std::string& path) { return ReadLocalFile(path); };
}

StatusOr<SecretString> ReadTokenFile(const FileReader& read_file, const std::string& path) {
  PK_ASSIGN_OR_RETURN(std::string content, read_file(path));
  std::string_view token = content;
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.front()))) {
    token.remove_prefix(1);
  }
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
    token.remove_suffix(1);
  }
  if (token.empty()) return InvalidArgumentError(fmt::format("token file {} is empty", path));
  PK_RETURN_IF_ERROR(CheckBearerToken(token, fmt::format("token file {}", path)));
  return SecretString(std::string(token));
}

Status CheckBearerToken(std::string_view token, std::string_view where) {
  for (unsigned char c : token) {
    // A line break would end the Authorization header early and let the rest of the token
    // inject headers; Go's HTTP client refuses such a value too.
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgumentError(fmt::format(
          "{}: the token contains a line break or another control character; a bearer token "
          "is one line of printable characters",
          where));
    }
  }
  return Status::Ok();
}

bool LocalFileExists(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

}  // namespace pullkeeper::kube
