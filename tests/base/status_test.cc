#include "base/status.h"

#include <gtest/gtest.h>

namespace pullkeeper {
namespace {

StatusOr<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgumentError("value must be positive");
  return v;
}

Status Doubles(int v, int* out) {
  PK_ASSIGN_OR_RETURN(int parsed, ParsePositive(v));
  *out = parsed * 2;
  return Status::Ok();
}

TEST(Status, DefaultIsOk) {
  EXPECT_TRUE(Status().ok());
  EXPECT_EQ(Status().ToString(), "OK");
}

TEST(Status, WithContextPrefixesTheMessageAndKeepsTheCode) {
  Status s = NotFoundError("secret missing").WithContext("namespace staging");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "namespace staging: secret missing");
  EXPECT_EQ(s.ToString(), "NOT_FOUND: namespace staging: secret missing");
}

TEST(Status, WithContextOnOkStaysOk) { EXPECT_TRUE(Status::Ok().WithContext("x").ok()); }

TEST(StatusOr, HoldsValueOrError) {
  EXPECT_EQ(*ParsePositive(3), 3);
  EXPECT_EQ(ParsePositive(-1).status().code(), StatusCode::kInvalidArgument);
}

TEST(StatusOr, ConstructedFromOkStatusBecomesInternalError) {
  StatusOr<int> s = Status::Ok();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInternal);
}

TEST(StatusOr, AssignOrReturnPropagatesErrors) {
  int out = 0;
  EXPECT_TRUE(Doubles(4, &out).ok());
  EXPECT_EQ(out, 8);
  EXPECT_EQ(Doubles(0, &out).code(), StatusCode::kInvalidArgument);
}

TEST(StatusOrDeathTest, ValueOfErrorAborts) {
  StatusOr<int> s = InternalError("boom");
  EXPECT_DEATH((void)s.value(), "value\\(\\) of a failed StatusOr");
}

}  // namespace
}  // namespace pullkeeper
