#include "base/small_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "testing/temp_dir.h"

namespace pullkeeper {
namespace {

using ::testing::HasSubstr;

TEST(ReadSmallFile, ReadsARegularFile) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  StatusOr<std::string> content = ReadSmallFile(dir.Write("token", "abc.def"), 100);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(*content, "abc.def");
}

TEST(ReadSmallFile, StopsOneBytePastTheLimitSoTheCallerSeesAnOversizedFile) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  StatusOr<std::string> content = ReadSmallFile(dir.Write("big", std::string(100000, 'x')), 10);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(content->size(), 11u);
}

TEST(ReadSmallFile, RefusesAFifoInsteadOfWaitingForAWriter) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.Path("fifo");
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  StatusOr<std::string> content = ReadSmallFile(path, 100);
  EXPECT_EQ(content.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(content.status().message(), HasSubstr("not a regular file"));
}

TEST(ReadSmallFile, SaysADirectoryIsADirectory) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  dir.Write("mount/token", "x");
  StatusOr<std::string> content = ReadSmallFile(dir.Path("mount"), 100);
  EXPECT_EQ(content.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(content.status().message(), HasSubstr("is a directory"));
}

TEST(ReadSmallFile, GivesTheSystemReasonForAMissingFile) {
  StatusOr<std::string> content = ReadSmallFile("/nonexistent/pullkeeper/token", 100);
  EXPECT_EQ(content.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(content.status().message(), "No such file or directory");
}

}  // namespace
}  // namespace pullkeeper
