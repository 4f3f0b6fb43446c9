#include "base/printable.h"

#include <gtest/gtest.h>

namespace pullkeeper {
namespace {

TEST(Printable, EscapesControlCharactersSoNoLineCanBeForged) {
  EXPECT_EQ(Printable("ok\nstaging  updated\x1b[2J"), "ok\\x0astaging  updated\\x1b[2J");
}

TEST(Printable, KeepsUtf8AndCapsTheLength) {
  EXPECT_EQ(Printable("déjà vu"), "déjà vu");
  EXPECT_EQ(Printable(std::string(20, 'a'), 5), "aaaaa…(truncated)");
}

}  // namespace
}  // namespace pullkeeper
