#include "base/small_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pullkeeper {

StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer.
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return FailedPreconditionError(std::strerror(errno));
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    bool directory = S_ISDIR(info.st_mode);
    close(fd);
    return FailedPreconditionError(directory ? "it is a directory, not a file"
                                             : "it is not a regular file (a FIFO or a device?)");
  }
  std::string content;
  char buffer[8192];
  while (content.size() <= max_bytes) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      return FailedPreconditionError(std::strerror(saved));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  if (content.size() > max_bytes + 1) content.resize(max_bytes + 1);
  return content;
}

}  // namespace pullkeeper
