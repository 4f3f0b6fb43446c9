"""Parity of pullkeeper's shared-file parser with botocore's.

For each fixture, botocore's configloader.raw_config_parse() and load_config()["profiles"] are
compared with what aws_shared_config_dump (pullkeeper's parser) prints. A fixture botocore
rejects with ConfigParseError must be rejected by pullkeeper too.

Usage: shared_config_parity_test.py PATH_TO_aws_shared_config_dump
Exits 77 (ctest's skip code) when botocore is not installed.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

try:
    import botocore.configloader
    import botocore.exceptions
except ImportError:
    print("botocore is not installed; skipping the parity check")
    sys.exit(77)

DUMP = None

# name -> file content. Cover what real files hold and the corners of the dialect.
FIXTURES = {
    "typical_config": (
        "[default]\n"
        "region = us-east-1\n"
        "output = json\n"
        "\n"
        "[profile ci]\n"
        "region = eu-west-1\n"
        "s3 =\n"
        "  addressing_style = path\n"
        "  signature_version = s3v4\n"
        "\n"
        "[sso-session corp]\n"
        "sso_start_url = https://corp.awsapps.com/start\n"
    ),
    "typical_credentials": (
        "[default]\n"
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        "[ci]\n"
        "aws_access_key_id=AKIAI44QH8DHBEXAMPLE\n"
        "aws_secret_access_key=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n"
        "aws_session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==\n"
    ),
    "comments_and_inline_markers": (
        "# leading comment\n"
        "; another\n"
        "[default]\n"
        "   # indented comment\n"
        "region = us-west-2 # not a comment\n"
        "output = text ; not a comment either\n"
    ),
    "crlf_and_lone_cr": "[default]\r\nregion = x\r\n\r\n[profile a]\rregion = y\r",
    "default_section_inherited": (
        "[DEFAULT]\n"
        "region = from-default\n"
        "[default]\n"
        "output = json\n"
        "[profile a]\n"
        "region = own\n"
    ),
    "profile_default_and_default": (
        "[default]\nregion = plain\n[profile default]\nregion = prefixed\n"
        "[profile b]\nx = 1\n[b]\nx = 2\n"
    ),
    "shell_quoted_names": (
        "[profile \"my team\"]\nx = 1\n"
        "[profile 'other team']\nx = 2\n"
        "[profile with\\ escape]\nx = 3\n"
        "[profile three words here]\nx = 4\n"
        "[profilex y]\nx = 5\n"
        "[ default ]\nx = 6\n"
        "[profile \"unclosed]\nx = 7\n"
        "[profile  spaced]\nx = 8\n"
    ),
    "continuations": (
        "[default]\n"
        "multi = first\n"
        "  second\n"
        "\n"
        "  third\n"
        "\n"
        "block =\n"
        "\n"
        "  a = 1\n"
        "  # skipped\n"
        "  b = 2=3\n"
        "indented = 1\n"
        "  [profile not_a_header]\n"
        "\tx = tab continues\n"
    ),
    "delimiters_and_case": (
        "[Default]\n"
        "Region: us-east-1\n"
        "URL = http://host:8080/path\n"
        "a:b = c\n"
        "[default]\n"
        "KEY = v\n"
        "empty =\n"
        "empty2=\n"
    ),
    "headers_with_trailing_text": "[default] trailing\nx = 1\n[a]b]\ny = 2\n[[c]]\nz = 3\n",
    "indented_options": "[default]\n  a = 1\n  b = 2\n    c\n",
    "empty_file": "",
    "comments_only": "# nothing\n\n; here\n",
    # botocore rejects these; so must pullkeeper.
    "error_duplicate_key": "[default]\nregion = a\nREGION = b\n",
    "error_duplicate_section": "[default]\na = 1\n[default]\nb = 2\n",
    "error_key_before_section": "aws_access_key_id = AKIA\n[default]\n",
    "error_line_without_delimiter": "[default]\naws_access_key_id\n",
    "error_bad_block_line": "[default]\ns3 =\n  a = b\n  junk\n",
    "error_empty_key": "[default]\n= x\n",
    "error_invalid_utf8": b"[default]\nk = \xc3\x28\n",
}


def run_dump(path):
    result = subprocess.run([DUMP, path], capture_output=True, text=True, check=False)
    return result.returncode, result.stdout, result.stderr


def botocore_reading(path):
    try:
        raw = botocore.configloader.raw_config_parse(path)
        profiles = botocore.configloader.load_config(path)["profiles"]
    except botocore.exceptions.ConfigParseError:
        return None
    return {"raw": raw, "profiles": profiles}


class ParityTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, content):
        path = os.path.join(self.dir.name, name)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode, **({} if mode == "wb" else {"newline": ""})) as f:
            f.write(content)
        return path

    def test_fixtures_read_the_same(self):
        for name, content in FIXTURES.items():
            with self.subTest(fixture=name):
                path = self.write(name, content)
                expected = botocore_reading(path)
                code, out, err = run_dump(path)
                if expected is None:
                    self.assertEqual(code, 1, f"botocore rejects {name}; pullkeeper printed {out}")
                    if name != "error_invalid_utf8":
                        self.assertIn(" line ", err)
                    continue
                self.assertEqual(code, 0, err)
                self.assertEqual(json.loads(out), expected)

    def test_fixture_set_covers_both_outcomes(self):
        self.assertGreaterEqual(len([n for n in FIXTURES if not n.startswith("error_")]), 10)
        self.assertGreaterEqual(len([n for n in FIXTURES if n.startswith("error_")]), 5)

    def test_byte_order_mark_is_a_deliberate_difference(self):
        # botocore cannot read a file saved with a BOM; pullkeeper skips the BOM and reads it.
        path = self.write("bom", "\ufeff[default]\nregion = x\n")
        self.assertIsNone(botocore_reading(path))
        code, out, err = run_dump(path)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["profiles"], {"default": {"region": "x"}})

    def test_absent_file_is_not_a_parse_error(self):
        code, _, _ = run_dump(os.path.join(self.dir.name, "absent"))
        self.assertEqual(code, 2)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    DUMP = sys.argv.pop(1)
    unittest.main()
