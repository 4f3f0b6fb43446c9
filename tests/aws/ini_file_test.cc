#include "aws/ini_file.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "aws/internal/ini_text.h"
#include "testing/temp_dir.h"

namespace pullkeeper::aws {
namespace {

// One line per key: "[section] key=value", "[section] block.child=value" for sub-sections,
// "[section]" for an empty section; newlines in values shown as "\n".
std::string Dump(const IniFile& file) {
  std::string out;
  auto escape = [](std::string value) {
    for (size_t at = value.find('\n'); at != std::string::npos; at = value.find('\n', at + 2)) {
      value.replace(at, 1, "\\n");
    }
    return value;
  };
  for (const IniSection& section : file.sections) {
    std::vector<const IniEntry*> entries = section.AllEntries();
    if (entries.empty()) out += "[" + section.name + "]\n";
    for (const IniEntry* entry : entries) {
      if (!entry->is_subsection) {
        out += "[" + section.name + "] " + entry->key + "=" + escape(entry->value) + "\n";
        continue;
      }
      for (const IniEntry& child : entry->children) {
        out += "[" + section.name + "] " + entry->key + "." + child.key + "=" + child.value + "\n";
      }
    }
  }
  return out;
}

struct ParseCase {
  const char* name;
  std::string input;
  std::string want;   // Dump() of the result, when error is empty
  std::string error;  // a substring of the error message; empty when parsing must succeed
};

void PrintTo(const ParseCase& c, std::ostream* out) { *out << c.name; }

// An AWS secret key with '/' and one without, as written and as the parser lower-cases it.
const std::string kSlashSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const std::string kPlainSecret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const ParseCase kParseCases[] = {
    {"EmptyFile", "", "", ""},
    {"OnlyCommentsAndBlankLines", "# a\n\n; b\n   # indented\n", "", ""},
    {"OneSection", "[default]\nregion = us-east-1\n", "[default] region=us-east-1\n", ""},
    {"FullLineCommentsOfBothKinds", "[default]\n# one\n; two\n  # three\nregion = x\n",
     "[default] region=x\n", ""},
    {"InlineCommentMarkersStayInTheValue", "[default]\na = 1 # c\nb = 2 ; d\n",
     "[default] a=1 # c\n[default] b=2 ; d\n", ""},
    {"SubsectionUnderEmptyValue",
     "[default]\ns3 =\n  addressing_style = path\n  x = y\nregion = r\n",
     "[default] s3.addressing_style=path\n[default] s3.x=y\n[default] region=r\n", ""},
    {"SubsectionValueWithEquals", "[default]\ns3 =\n  a = b=c\n", "[default] s3.a=b=c\n", ""},
    {"SubsectionKeysKeepCaseAndLastWins", "[default]\ns3 =\n  Key = 1\n  Key = 2\n",
     "[default] s3.Key=2\n", ""},
    {"CommentInsideSubsectionIsSkipped", "[default]\ns3 =\n  # note\n  a = b\n",
     "[default] s3.a=b\n", ""},
    {"ValueWithEqualsSigns", "[default]\naws_session_token = abc/def==\n",
     "[default] aws_session_token=abc/def==\n", ""},
    {"ColonIsADelimiterToo", "[default]\nregion: us-east-1\nurl = http://h:1\n",
     "[default] region=us-east-1\n[default] url=http://h:1\n", ""},
    {"CrlfLineEndings", "[default]\r\nregion = x\r\n\r\n[b]\r\nk = v\r\n",
     "[default] region=x\n[b] k=v\n", ""},
    {"LoneCarriageReturns", "[default]\rregion = x\r", "[default] region=x\n", ""},
    {"ByteOrderMarkIsSkipped", "\xEF\xBB\xBF[default]\nregion = x\n", "[default] region=x\n", ""},
    {"KeysAreLowerCasedSectionNamesAreNot", "[Default]\nRegion = x\n", "[Default] region=x\n", ""},
    {"WhitespaceAroundKeysAndValuesIsTrimmed", "[default]\n\tregion\t=\t x \t\n",
     "[default] region=x\n", ""},
    {"SpacesInSectionNamesAreKept", "[profile my team]\n[ default ]\n",
     "[profile my team]\n[ default ]\n", ""},
    {"TextAfterTheLastBracketIsIgnored", "[default] trailing\nk = v\n[a]b]\n",
     "[default] k=v\n[a]b]\n", ""},
    {"EmptyValues", "[default]\na =\nb=\n", "[default] a=\n[default] b=\n", ""},
    {"ContinuationLinesJoinWithNewlines", "[default]\nk = a\n  b\n\n  c\n\nnext = n\n",
     "[default] k=a\\nb\\n\\nc\n[default] next=n\n", ""},
    {"IndentedOptionsAfterHeaderAreOptions", "[default]\n  a = 1\n  b = 2\n",
     "[default] a=1\n[default] b=2\n", ""},
    {"IndentedHeaderAfterOptionIsContinuation", "[default]\nk = 1\n  [profile x]\n",
     "[default] k=1\\n[profile x]\n", ""},
    {"DefaultSectionIsInheritedByEverySection",
     "[DEFAULT]\nregion = d\n[default]\nk = 1\n[other]\nregion = o\n",
     "[default] k=1\n[default] region=d\n[other] region=o\n", ""},
    {"UnicodeSpacesAreStrippedAsInPython", "[default]\nk =\xC2\xA0v\xE2\x80\x83\n",
     "[default] k=v\n", ""},
    {"IndentCountsCharactersNotBytes", "[default]\n  k = v\n\xC2\xA0 x = y\n",
     "[default] k=v\n[default] x=y\n", ""},
    {"DuplicateKeyIsAnError", "[default]\nregion = a\nregion = b\n", "",
     "line 3: key 'region' appears twice in [default] (first on line 2)"},
    {"DuplicateKeyDifferingInCaseIsAnError", "[default]\nregion = a\nREGION = b\n", "",
     "key 'region' appears twice"},
    {"DuplicateSectionIsAnError", "[default]\na = 1\n\n[default]\nb = 2\n", "",
     "line 4: section [default] appears twice (first on line 1)"},
    {"KeyBeforeAnySectionIsAnError", "aws_access_key_id = AKIAEXAMPLE\n", "",
     "line 1: found 'aws_access_key_id' before any [section] header"},
    {"LineWithoutDelimiterIsAnError", "[default]\nregion = x\naws_access_key_id\n", "",
     "line 3: expected 'key = value' or '[section]', found 'aws_access_key_id'"},
    {"LineThatMayBeASecretIsNotQuoted", "[default]\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "",
     "found a line of 40 characters (not shown: it may hold a secret)"},
    {"DuplicateKeyThatMayBeASecretIsNotNamed",
     "[default]\n" + kPlainSecret + " = 1\n" + kPlainSecret + " = 2\n", "",
     "line 3: a key that does not look like a setting name (not shown: it may hold a secret) "
     "appears twice in [default] (first on line 2)"},
    {"DuplicateSectionThatMayBeASecretIsNotNamed",
     "[" + kPlainSecret + "]\n[" + kPlainSecret + "]\n", "",
     "line 2: a section whose name does not look like a profile name (not shown: it may hold a "
     "secret) appears twice (first on line 1)"},
    {"DuplicateKeyInASectionThatMayBeASecretNamesOnlyTheKey",
     "[" + kSlashSecret + "]\nregion = a\nregion = b\n", "",
     "line 3: key 'region' appears twice in a section whose name does not look like a profile "
     "name"},
    {"BadBlockUnderAKeyThatMayBeASecretNamesItsLine",
     "[default]\n" + kPlainSecret + " =\n  a = b\n  junk\n", "",
     "line 4: expected 'key = value' in the indented block under the key on line 2, found "
     "'junk'"},
    {"DelimiterWithoutKeyIsAnError", "[default]\n= value\n", "",
     "line 2: found '=' with no key name before it"},
    {"SubsectionLineWithoutEqualsIsAnError", "[default]\ns3 =\n  a = b\n  junk\n", "",
     "line 4: expected 'key = value' in the indented block under 's3', found 'junk'"},
    {"EmptyBracketsAreNotAHeader", "[]\n", "",
     "line 1: found '[' without a section name and a closing ']'"},
    {"UnclosedHeaderIsAnError", "[default]\n[profile ci\n", "", "line 2: found '['"},
    {"NulBytesAreRejected", std::string("[default]\nk = v\0\n", 16), "", "contains NUL bytes"},
    {"InvalidUtf8IsRejected", "[default]\nk = \xC3\x28\n", "", "is not UTF-8 text"},
    {"OverOneMebibyteIsRejected", std::string(kMaxIniFileBytes + 1, '#'), "",
     "over the 1 MiB limit"},
};

class IniParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(IniParse, MatchesBotocoreReading) {
  const ParseCase& c = GetParam();
  StatusOr<IniFile> parsed = ParseIni(c.input, "/root/.aws/config");
  if (!c.error.empty()) {
    ASSERT_FALSE(parsed.ok()) << Dump(*parsed);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.error), std::string::npos)
        << parsed.status().message();
    EXPECT_EQ(parsed.status().message().rfind("/root/.aws/config", 0), 0u);
    return;
  }
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(Dump(*parsed), c.want);
}

INSTANTIATE_TEST_SUITE_P(Cases, IniParse, ::testing::ValuesIn(kParseCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(IniParse, ErrorsNeverQuoteAValue) {
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  for (const std::string& input :
       {"aws_secret_access_key = " + secret + "\n", "[default]\nk = " + secret + "\nk = x\n",
        "[default]\ns3 =\n  " + secret + "\n", "[default]\n" + secret + " = x\n" + secret + "\n"}) {
    StatusOr<IniFile> parsed = ParseIni(input, "f");
    ASSERT_FALSE(parsed.ok()) << input;
    EXPECT_EQ(parsed.status().message().find("wJalr"), std::string::npos)
        << parsed.status().message();
  }
}

TEST(IniParse, ErrorsNeverQuoteAKeyOrSectionNameThatMayBeASecret) {
  for (const std::string& secret : {kSlashSecret, kPlainSecret}) {
    for (const std::string& input :
         {"[default]\n" + secret + " = 1\n" + secret + " = 2\n",
          "[default]\n" + Lower(secret) + " = 1\n" + Lower(secret) + " = 2\n",
          "[" + secret + "]\n[" + secret + "]\n", "[" + secret + "]\nk = 1\nk = 2\n",
          "[default]\n" + secret + " =\n  a = b\n  junk\n", secret + " = 1\n"}) {
      StatusOr<IniFile> parsed = ParseIni(input, "f");
      ASSERT_FALSE(parsed.ok()) << input;
      std::string message = Lower(parsed.status().message());
      EXPECT_EQ(message.find(Lower(secret).substr(0, 12)), std::string::npos) << message;
    }
  }
}

struct NameCase {
  const char* name;
  std::string text;
  bool setting;  // may be quoted as a key name
  bool profile;  // may be quoted as a profile or section name
};

void PrintTo(const NameCase& c, std::ostream* out) { *out << c.name; }

const NameCase kNameCases[] = {
    {"PlainSetting", "region", true, true},
    {"SettingWithUnderscores", "aws_secret_access_key", true, true},
    {"UpperCaseSetting", "REGION", true, true},
    {"SettingWithAFewDigits", "s3_use_arn_region", true, true},
    {"MixedCaseIsAProfileNotASetting", "AdministratorAccess-123456789012", false, true},
    {"ProfileWithSpaces", "profile my team", false, true},
    {"SecretKeyWithSlashes", kSlashSecret, false, false},
    {"SecretKeyWithoutSlashes", kPlainSecret, false, false},
    {"LowerCasedSecretKey", Lower(kPlainSecret), false, false},
    {"AccessKeyId", "AKIAIOSFODNN7EXAMPLE", false, false},
    {"SessionTokenPrefix", "IQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIQD", false, false},
    {"Empty", "", false, false},
    {"OverSixtyFourCharacters", std::string(65, 'a'), false, false},
    {"NonAscii", "r\xC3\xA9gion", false, false},
};

class NameShape : public ::testing::TestWithParam<NameCase> {};

TEST_P(NameShape, DecidesWhetherAMessageMayQuoteIt) {
  EXPECT_EQ(internal::LooksLikeSettingName(GetParam().text), GetParam().setting);
  EXPECT_EQ(internal::LooksLikeProfileName(GetParam().text), GetParam().profile);
}

INSTANTIATE_TEST_SUITE_P(Cases, NameShape, ::testing::ValuesIn(kNameCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(IniSection, FindsKeysCaseInsensitivelyOwnBeforeInherited) {
  StatusOr<IniFile> parsed = ParseIni("[DEFAULT]\na = d\nb = d\n[s]\nA = own\n", "f");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const IniSection* section = parsed->Find("s");
  ASSERT_NE(section, nullptr);
  ASSERT_NE(section->Find("a"), nullptr);
  EXPECT_EQ(section->Find("a")->value, "own");
  EXPECT_EQ(section->Find("B")->value, "d");
  EXPECT_EQ(section->Find("B")->line, 3);
  EXPECT_EQ(section->Find("c"), nullptr);
  EXPECT_EQ(parsed->Find("S"), nullptr);
}

TEST(ReadIniFile, AbsentFileIsNotFound) {
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  StatusOr<IniFile> read = ReadIniFile(dir.path() + "/credentials");
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read.status().message(), dir.path() + "/credentials: no such file");
}

TEST(ReadIniFile, DirectoryIsAnErrorThatSuggestsSubPath) {
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  StatusOr<IniFile> read = ReadIniFile(dir.path());
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(read.status().message().find("subPath"), std::string::npos);
}

TEST(ReadIniFile, ReadsAndParsesWithLineNumbers) {
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.Write("config", "# c\n[default]\nregion = eu-west-1\n");
  StatusOr<IniFile> read = ReadIniFile(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->path, path);
  ASSERT_NE(read->Find("default"), nullptr);
  EXPECT_EQ(read->Find("default")->line, 2);
  EXPECT_EQ(read->Find("default")->Find("region")->line, 3);
}

TEST(ReadIniFile, RefusesLargeFilesBeforeReadingThem) {
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.Write("config", std::string(kMaxIniFileBytes + 10, '\n'));
  StatusOr<IniFile> read = ReadIniFile(path);
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(read.status().message().find("1 MiB"), std::string::npos);
}

}  // namespace
}  // namespace pullkeeper::aws
