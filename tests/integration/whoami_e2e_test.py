#!/usr/bin/env python3
"""End-to-end tests of `pullkeeper whoami` against moto's STS, side by side with the AWS CLI.

whoami is the first thing an operator runs when sync exits 3, so these tests check that it
names the same identity `aws sts get-caller-identity` names, that it fails where the CLI
fails, with the source and cause, and that no run prints a secret key.
The whole file skips, with the path it looked at, until the binary is built.
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

AWS_CLI_TIMEOUT_SECONDS = 60.0


class WhoamiEndToEnd(harness.IntegrationTestCase):
    @classmethod
    def start_parts(cls):
        harness.require_pullkeeper()  # skip before spending seconds on servers
        cls.moto = harness.Moto(cls.workspace)
        cls.reader = cls.moto.create_user("ci-reader", ecr_read_only=True)
        cls.moto.enforce_auth()

    def secrets(self) -> dict:
        return {"reader secret access key": self.reader.secret_access_key}

    def whoami(self, *extra_args, env=None):
        args = ["whoami", "--region", harness.REGION, "--endpoint-url", self.moto.endpoint_url,
                *extra_args]
        run_env = self.reader.environment() if env is None else dict(env)
        result = harness.run_pullkeeper(args, run_env)
        harness.assert_no_secret_in(result.stdout, self.secrets(), where="pullkeeper stdout")
        harness.assert_no_secret_in(result.stderr, self.secrets(), where="pullkeeper stderr")
        return result

    def aws_cli(self, env):
        """`aws sts get-caller-identity` in the same clean environment pullkeeper gets."""
        aws = shutil.which("aws")
        if aws is None:
            self.skipTest("the AWS CLI is not on PATH")
        with tempfile.TemporaryDirectory(prefix="aws-home-") as home:
            full_env = harness.base_environment(Path(home))
            full_env.update(env)
            full_env["AWS_DEFAULT_REGION"] = harness.REGION
            return subprocess.run(
                [aws, "sts", "get-caller-identity", "--output", "json",
                 "--endpoint-url", self.moto.endpoint_url],
                env=full_env, capture_output=True, text=True, timeout=AWS_CLI_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL)

    def test_good_keys_name_the_iam_user_as_the_aws_cli_does(self):
        arn = f"arn:aws:iam::{harness.ACCOUNT_ID}:user/{self.reader.user_name}"
        text = self.whoami()
        self.assertEqual(text.returncode, 0, harness.describe_run(text))
        self.assertIn(arn, text.stdout)
        self.assertIn("environment", text.stdout)
        self.assertIn("never (long-lived keys)", text.stdout)
        self.assertNotIn(self.reader.access_key_id, text.stdout + text.stderr)

        result = self.whoami("--output", "json")
        self.assertEqual(result.returncode, 0, harness.describe_run(result))
        ours = json.loads(result.stdout)
        self.assertEqual(ours["arn"], arn)
        self.assertEqual(ours["account"], harness.ACCOUNT_ID)
        self.assertIsNone(ours["expiration"])

        cli = self.aws_cli(self.reader.environment())
        self.assertEqual(cli.returncode, 0, f"aws cli: {cli.stdout}{cli.stderr}")
        theirs = json.loads(cli.stdout)
        self.assertEqual((ours["account"], ours["arn"], ours["user_id"]),
                         (theirs["Account"], theirs["Arn"], theirs["UserId"]))

    def test_no_credentials_exits_3_listing_every_source_tried(self):
        result = self.whoami(env={})
        self.assertEqual(result.returncode, 3, harness.describe_run(result))
        self.assertIn("resolving AWS credentials", result.stderr)
        self.assertIn("AWS_ACCESS_KEY_ID", result.stderr)
        self.assertIn("shared credentials/config files", result.stderr)
        self.assertNotEqual(self.aws_cli({}).returncode, 0)

    def test_a_wrong_secret_exits_3_with_signature_does_not_match(self):
        env = {"AWS_ACCESS_KEY_ID": self.reader.access_key_id,
               "AWS_SECRET_ACCESS_KEY": "not-" + self.reader.secret_access_key[4:]}
        result = self.whoami(env=env)
        self.assertEqual(result.returncode, 3, harness.describe_run(result))
        self.assertIn("SignatureDoesNotMatch", result.stderr)
        self.assertIn("sts:GetCallerIdentity", result.stderr)
        harness.assert_no_secret_in(result.stderr, {"wrong secret": env["AWS_SECRET_ACCESS_KEY"]})
        self.assertNotEqual(self.aws_cli(env).returncode, 0)

    def test_the_sts_endpoint_variable_is_honoured_like_the_sdks(self):
        env = dict(self.reader.environment(), AWS_ENDPOINT_URL_STS=self.moto.endpoint_url)
        result = harness.run_pullkeeper(["whoami", "--region", harness.REGION], env)
        self.assertEqual(result.returncode, 0, harness.describe_run(result))
        self.assertIn(self.moto.endpoint_url, result.stdout)


if __name__ == "__main__":
    harness.main()
