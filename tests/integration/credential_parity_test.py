#!/usr/bin/env python3
"""The credential parity table: `pullkeeper whoami` against `aws sts get-caller-identity`.

Each row is one environment/config setup (a source alone, two sources competing, a role
chain, a broken or missing profile, nothing at all). Both tools run in the same fresh HOME
and environment against one moto_server with auth enforced, AWS_ENDPOINT_URL pointing
every STS call (role assumption included) at moto. They must agree: both succeed naming the
same ARN, or both fail; when they fail, pullkeeper exits 3 and its error names the source
and the cause in words the row lists, even where the CLI's message is vaguer. No secret
key, session token, web-identity token or container authorization token may appear in
pullkeeper's output or its debug log.

Role rows name their session (role_session_name, AWS_ROLE_SESSION_NAME) so the two tools'
assumed-role ARNs compare exactly. The web identity row runs with moto's checks off: SDKs
send AssumeRoleWithWebIdentity unsigned, which moto with checks on answers with 500.

Rows in PENDING need a credential source that is being written on another branch; they
run and are reported as expected failures, and a separate `..._aws_cli_side` test checks
that the AWS CLI alone still does what the row expects. When a pending row passes, unittest
reports an unexpected success, which fails the file: take the row out of PENDING.
The table of results is printed to stderr at the end.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import re
import shutil
import stat
import string
import subprocess
import sys
import tempfile
import unittest
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

# Rows whose credential source is not merged on this branch yet (see the module docstring).
PENDING: set[str] = set()

TOOL_TIMEOUT_SECONDS = 60.0
CONTAINER_PATH = "/v1/credentials"
ACCOUNT = harness.ACCOUNT_ID


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


def session_arn(role: str, session: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"


@dataclass(frozen=True)
class Row:
    """One setup. Text fields are string.Template templates over CredentialParity.values
    ($alpha_id, $hop1_arn, $home, ...). `expect_arn` None means both tools must fail, and
    then pullkeeper's stderr must contain every one of `failure_words` (any case)."""
    name: str
    title: str
    expect_arn: str | None
    env: dict = field(default_factory=dict)
    config: str = ""
    credentials: str = ""
    profile_flag: str = ""  # --profile for both tools
    files: dict = field(default_factory=dict)  # more files, by path relative to HOME
    failure_words: tuple = ()
    special: str = ""  # process | web_identity | container | imds


ALPHA, BETA = "parity-alpha", "parity-beta"
HOP1, HOP2, WEB = "parity-hop1", "parity-hop2", "parity-web"

ALPHA_ENV = {"AWS_ACCESS_KEY_ID": "$alpha_id", "AWS_SECRET_ACCESS_KEY": "$alpha_secret"}
BETA_CONFIG_PROFILE = """\
[profile beta-profile]
aws_access_key_id = $beta_id
aws_secret_access_key = $beta_secret
"""
BASE_CREDENTIALS = """\
[base]
aws_access_key_id = $alpha_id
aws_secret_access_key = $alpha_secret
"""

ROWS = [
    Row("env_static_keys", "env: static keys", user_arn(ALPHA), env=ALPHA_ENV),
    Row("env_session_token", "env: keys + session token (assumed role)",
        session_arn(HOP1, "parity-env-session"),
        env={"AWS_ACCESS_KEY_ID": "$env_session_id",
             "AWS_SECRET_ACCESS_KEY": "$env_session_secret",
             "AWS_SESSION_TOKEN": "$env_session_token"}),
    Row("credentials_file_default", "credentials file [default]", user_arn(ALPHA),
        credentials="[default]\naws_access_key_id = $alpha_id\n"
                    "aws_secret_access_key = $alpha_secret\n"),
    Row("aws_profile_config_keys", "AWS_PROFILE -> config file static keys", user_arn(BETA),
        env={"AWS_PROFILE": "beta-profile"}, config=BETA_CONFIG_PROFILE),
    Row("env_beats_credentials_file", "env keys vs credentials [default]: env wins",
        user_arn(ALPHA), env=ALPHA_ENV,
        credentials="[default]\naws_access_key_id = $beta_id\n"
                    "aws_secret_access_key = $beta_secret\n"),
    Row("env_beats_aws_profile", "AWS_PROFILE + env keys: env wins", user_arn(ALPHA),
        env={**ALPHA_ENV, "AWS_PROFILE": "beta-profile"}, config=BETA_CONFIG_PROFILE),
    Row("role_arn_source_profile", "role_arn + source_profile (one hop)",
        session_arn(HOP1, "parity-one-hop"), env={"AWS_PROFILE": "one-hop"},
        credentials=BASE_CREDENTIALS,
        config="[profile one-hop]\nrole_arn = $hop1_arn\nsource_profile = base\n"
               "role_session_name = parity-one-hop\n"),
    Row("source_profile_two_hops", "source_profile chain, two hops",
        session_arn(HOP2, "parity-two-hops"), env={"AWS_PROFILE": "second-hop"},
        credentials=BASE_CREDENTIALS,
        config="[profile first-hop]\nrole_arn = $hop1_arn\nsource_profile = base\n"
               "role_session_name = parity-first-hop\n"
               "[profile second-hop]\nrole_arn = $hop2_arn\nsource_profile = first-hop\n"
               "role_session_name = parity-two-hops\n"),
    # The CLI: "Infinite loop in credential configuration detected. Attempting to load from
    # profile loop-a which has already been visited. Visited profiles: ['loop-a', 'loop-b']".
    Row("source_profile_loop", "source_profile loop a -> b -> a", None,
        env={"AWS_PROFILE": "loop-a"},
        config="[profile loop-a]\nrole_arn = $hop1_arn\nsource_profile = loop-b\n"
               "[profile loop-b]\nrole_arn = $hop1_arn\nsource_profile = loop-a\n",
        failure_words=("loop-a", "loop-b", "loop")),
    # An explicit profile turns the environment provider off in both tools, so only the
    # role's credential_source reads the environment keys.
    Row("credential_source_environment", "credential_source = Environment (--profile)",
        session_arn(HOP1, "parity-env-source"), env=ALPHA_ENV, profile_flag="from-env",
        config="[profile from-env]\nrole_arn = $hop1_arn\ncredential_source = Environment\n"
               "role_session_name = parity-env-source\n"),
    Row("credential_process", "credential_process", user_arn(ALPHA),
        env={"AWS_PROFILE": "process"},
        config="[profile process]\ncredential_process = $process_script\n",
        special="process"),
    Row("web_identity_env", "web identity from env (token file + AWS_ROLE_ARN)",
        session_arn(WEB, "parity-web-identity"),
        env={"AWS_WEB_IDENTITY_TOKEN_FILE": "$home/web-identity-token",
             "AWS_ROLE_ARN": "$web_arn", "AWS_ROLE_SESSION_NAME": "parity-web-identity"},
        special="web_identity"),
    Row("container_credentials", "container credentials (FULL_URI + token file)",
        session_arn(HOP1, "parity-container"),
        env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$container_url",
             "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "$home/container-token"},
        special="container"),
    Row("imds_instance_role", "IMDSv2 instance role (fake IMDS)",
        session_arn(HOP1, "parity-imds"),
        env={"AWS_EC2_METADATA_DISABLED": None,
             "AWS_EC2_METADATA_SERVICE_ENDPOINT": "$imds_url"},
        special="imds"),
    Row("broken_profile_no_secret", "credentials [default] without secret key", None,
        credentials="[default]\naws_access_key_id = $alpha_id\n",
        failure_words=("default", "credentials", "aws_secret_access_key")),
    Row("nothing_at_all", "nothing at all", None,
        failure_words=("no AWS credentials found", "AWS_ACCESS_KEY_ID", "shared")),
    Row("missing_profile", "AWS_PROFILE names a profile that does not exist", None,
        env={"AWS_PROFILE": "typo-profile"}, config=BETA_CONFIG_PROFILE,
        failure_words=("typo-profile", "AWS_PROFILE", "not found")),
    Row("wrong_secret_key", "env keys with a wrong secret", None,
        env={"AWS_ACCESS_KEY_ID": "$alpha_id", "AWS_SECRET_ACCESS_KEY": "$wrong_secret"},
        failure_words=("SignatureDoesNotMatch", "environment")),
    # The start URL is only a cache key here: no token is cached, so neither tool calls it.
    # The CLI fails with "Error loading SSO Token: Token for <start URL> does not exist",
    # which names neither the profile nor a way out; pullkeeper must name both.
    Row("sso_profile", "SSO profile (sso_account_id/sso_role_name)", None,
        env={"AWS_PROFILE": "sso-dev"},
        config="[profile sso-dev]\nsso_start_url = http://127.0.0.1:9/start\n"
               "sso_region = us-east-1\nsso_account_id = 123456789012\n"
               "sso_role_name = ReadOnly\n",
        failure_words=("sso-dev", "SSO", "not support")),
    Row("credentials_file_beats_config", "same profile in credentials and config file",
        user_arn(ALPHA), env={"AWS_PROFILE": "shared"},
        credentials="[shared]\naws_access_key_id = $alpha_id\n"
                    "aws_secret_access_key = $alpha_secret\n",
        config="[profile shared]\naws_access_key_id = $beta_id\n"
               "aws_secret_access_key = $beta_secret\n"),
    Row("explicit_profile_beats_env", "--profile + env keys: the profile wins",
        user_arn(BETA), env=ALPHA_ENV, profile_flag="beta-profile",
        config=BETA_CONFIG_PROFILE),
    # The CLI: "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY".
    Row("env_partial_keys", "env: AWS_ACCESS_KEY_ID without the secret", None,
        env={"AWS_ACCESS_KEY_ID": "$alpha_id"},
        credentials="[default]\naws_access_key_id = $beta_id\n"
                    "aws_secret_access_key = $beta_secret\n",
        failure_words=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "set both")),
    # The CLI only says "Unable to locate credentials".
    Row("profile_without_keys", "AWS_PROFILE names a profile with a region only", None,
        env={"AWS_PROFILE": "region-only"},
        config="[profile region-only]\nregion = us-east-1\n",
        failure_words=("region-only", "no aws_access_key_id")),
    # The variables win over ~/.aws, which holds another key for the same profile.
    Row("file_location_variables", "AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE moved",
        user_arn(ALPHA), env={"AWS_SHARED_CREDENTIALS_FILE": "$home/elsewhere/credentials",
                              "AWS_CONFIG_FILE": "$home/elsewhere/config",
                              "AWS_PROFILE": "moved"},
        credentials="[moved]\naws_access_key_id = $beta_id\n"
                    "aws_secret_access_key = $beta_secret\n",
        files={"elsewhere/credentials": "[moved]\naws_access_key_id = $alpha_id\n"
                                        "aws_secret_access_key = $alpha_secret\n",
               "elsewhere/config": "[profile moved]\nregion = us-east-1\n"}),
]


@dataclass
class Outcome:
    ok: bool
    arn: str
    summary: str  # one line for the table


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def last_line_of_error(text: str, limit: int = 200) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return shorten(lines[-1] if lines else "(no output)", limit)


# The error="..." field of pullkeeper's logfmt error line (quotes inside are escaped).
LOGFMT_ERROR = re.compile(r'level=error .*?\berror="((?:[^"\\]|\\.)*)"')


def pullkeeper_error(stderr: str, limit: int = 200) -> str:
    """The message of pullkeeper's last error line, without the logfmt framing."""
    matches = LOGFMT_ERROR.findall(stderr)
    if not matches:
        return last_line_of_error(stderr, limit)
    return shorten(re.sub(r"\\(.)", r"\1", matches[-1]), limit)


class CredentialParity(harness.IntegrationTestCase):
    table: list = []

    @classmethod
    def start_parts(cls):
        cls.pullkeeper = harness.require_pullkeeper().resolve()  # rows run in their HOME
        cls.aws = shutil.which("aws")
        if cls.aws is None:
            raise unittest.SkipTest("the AWS CLI is not on PATH")
        moto = cls.moto = harness.Moto(cls.workspace)
        alpha = moto.create_user(ALPHA, ecr_read_only=False)
        beta = moto.create_user(BETA, ecr_read_only=False)
        moto.allow_user(ALPHA, ["sts:AssumeRole"])
        hop1 = moto.create_role(HOP1, user_arn(ALPHA), actions=["sts:AssumeRole"])
        # Later hops see a session ARN whose session name the tool picks: trust "*".
        hop2 = moto.create_role(HOP2, "*")
        web = moto.create_role(WEB, "*")
        moto.enforce_auth()
        env_session = moto.assume_role(alpha, hop1, "parity-env-session")
        cls.keys = {"alpha": alpha, "beta": beta, "env_session": env_session,
                    "imds_session": moto.assume_role(alpha, hop1, "parity-imds"),
                    "container_session": moto.assume_role(alpha, hop1, "parity-container")}
        cls.web_identity_token = "eyJhbGciOiJSUzI1NiJ9.parity-web-identity-token.c2lnbmF0dXJl"
        cls.container_token = "parity-container-authorization-token-0123456789"
        cls.values = {
            "alpha_id": alpha.access_key_id, "alpha_secret": alpha.secret_access_key,
            "beta_id": beta.access_key_id, "beta_secret": beta.secret_access_key,
            "env_session_id": env_session.access_key_id,
            "env_session_secret": env_session.secret_access_key,
            "env_session_token": env_session.session_token,
            "wrong_secret": "not-" + alpha.secret_access_key[4:],
            "hop1_arn": hop1, "hop2_arn": hop2, "web_arn": web,
        }
        cls.table = []
        cls.addClassCleanup(cls.print_table)

    # -- what must never be printed ------------------------------------------------------

    def secrets(self) -> dict:
        found = {"web identity token": self.web_identity_token,
                 "container authorization token": self.container_token,
                 "wrong secret key": self.values["wrong_secret"]}
        for label, key in self.keys.items():
            found[f"{label} secret access key"] = key.secret_access_key
            found[f"{label} access key id (in full)"] = key.access_key_id
            if isinstance(key, harness.TemporaryKey):
                found[f"{label} session token"] = key.session_token
        return found

    # -- one row ---------------------------------------------------------------------------

    def prepare(self, row: Row, home: Path) -> dict:
        """Writes the row's files into `home`, starts its fake if any, and returns the
        template values for this row."""
        values = dict(self.values, home=str(home))
        if row.special == "process":
            script = home / "bin" / "print-credentials"
            script.parent.mkdir()
            document = json.dumps({"Version": 1, "AccessKeyId": self.values["alpha_id"],
                                   "SecretAccessKey": self.values["alpha_secret"]})
            script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{document}\nEOF\n")
            script.chmod(stat.S_IRWXU)
            values["process_script"] = str(script)
        elif row.special == "web_identity":
            (home / "web-identity-token").write_text(self.web_identity_token)
        elif row.special == "container":
            (home / "container-token").write_text(self.container_token)
            # Temporary keys, as real agents serve: botocore 1.43 fails with KeyError
            # 'Token' on an answer without a session token.
            session = self.keys["container_session"]
            fake = harness.PortFileFake(self.workspace, "container_credentials_server.py", [
                "--path", CONTAINER_PATH, "--token", self.container_token,
                "--access-key-id", session.access_key_id,
                "--secret-access-key", session.secret_access_key,
                "--session-token", session.session_token])
            self.addCleanup(fake.stop)
            values["container_url"] = fake.url + CONTAINER_PATH
        elif row.special == "imds":
            session = self.keys["imds_session"]
            fake = harness.PortFileFake(self.workspace, "imds_server.py", [
                "--access-key-id", session.access_key_id,
                "--secret-access-key", session.secret_access_key,
                "--session-token", session.session_token])
            self.addCleanup(fake.stop)
            values["imds_url"] = fake.url
        files = {".aws/config": row.config, ".aws/credentials": row.credentials, **row.files}
        for relative, template in files.items():
            text = string.Template(template).substitute(values)
            if text:
                (home / relative).parent.mkdir(parents=True, exist_ok=True)
                (home / relative).write_text(text)
        return values

    def environment(self, row: Row, home: Path, values: dict) -> dict:
        env = harness.base_environment(home)
        env.update({"AWS_ENDPOINT_URL": self.moto.endpoint_url,
                    "AWS_DEFAULT_REGION": harness.REGION})
        for name, value in row.env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = string.Template(value).substitute(values)
        # Loopback only: metadata stays off unless this row points it at its own fake.
        if "AWS_EC2_METADATA_DISABLED" not in env:
            endpoint = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT", "")
            self.assertTrue(endpoint.startswith("http://127.0.0.1:"), endpoint)
        return env

    def run_tool(self, argv: list, env: dict) -> subprocess.CompletedProcess:
        return subprocess.run(argv, env=env, capture_output=True, text=True,
                              timeout=TOOL_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL,
                              cwd=env["HOME"])

    def run_cli(self, row: Row, env: dict) -> tuple[subprocess.CompletedProcess, Outcome]:
        profile = ["--profile", row.profile_flag] if row.profile_flag else []
        result = self.run_tool([self.aws, *profile, "sts", "get-caller-identity",
                                "--output", "json"], env)
        if result.returncode == 0:
            arn = json.loads(result.stdout)["Arn"]
            return result, Outcome(True, arn, f"ok {arn}")
        return result, Outcome(False, "", f"rc {result.returncode}: "
                               f"{last_line_of_error(result.stderr)}")

    def run_pullkeeper(self, row: Row, env: dict) -> tuple[subprocess.CompletedProcess, Outcome]:
        profile = ["--profile", row.profile_flag] if row.profile_flag else []
        # Debug level: the log must be as free of secrets as the output.
        result = self.run_tool([str(self.pullkeeper), "--log-level", "debug", "whoami",
                                "--output", "json", *profile], env)
        for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            harness.assert_no_secret_in(text, self.secrets(),
                                        where=f"pullkeeper {stream} in row {row.name}")
        if result.returncode == 0:
            arn = json.loads(result.stdout)["arn"]
            return result, Outcome(True, arn, f"ok {arn}")
        # The row's HOME is a long temporary path; "~" keeps the table readable.
        message = pullkeeper_error(result.stderr.replace(env["HOME"], "~"))
        return result, Outcome(False, "", f"exit {result.returncode}: {message}")

    def check_row(self, row: Row) -> None:
        entry = {"row": row.name, "cli": "(not run)", "pullkeeper": "(not run)",
                 "verdict": "FAIL"}
        type(self).table.append(entry)
        try:
            cli, ours = self.run_row(row, entry, with_pullkeeper=True)
            self.compare(row, cli, ours)
            entry["verdict"] = "agree"
        except BaseException as error:
            if entry["pullkeeper"] == "(not run)":
                entry["pullkeeper"] = f"(not compared: {last_line_of_error(str(error), 100)})"
            raise
        finally:
            if row.name in PENDING:
                entry["verdict"] = ("pending, PASSES: drop from PENDING"
                                    if entry["verdict"] == "agree" else "pending (xfail)")

    def check_cli_side(self, row: Row) -> None:
        """For a PENDING row: the AWS CLI alone must still do what the row expects, so an
        expected failure never hides a broken setup."""
        try:
            cli, _ = self.run_row(row, {}, with_pullkeeper=False)
        except FileNotFoundError as error:  # the row's fake is on another branch too
            self.skipTest(str(error))
        self.check_cli(row, cli, f"\n[aws cli]{harness.describe_run(cli[0])}")

    def run_row(self, row: Row, entry: dict, with_pullkeeper: bool):
        home = Path(tempfile.mkdtemp(prefix=f"home-{row.name}-", dir=self.workspace.path))
        values = self.prepare(row, home)
        env = self.environment(row, home, values)
        # SDKs send AssumeRoleWithWebIdentity unsigned; moto with checks on answers that with
        # 500 (TESTING-NOTES), so that row runs with checks off.
        relaxed = self.moto.auth_relaxed() if row.special == "web_identity" else (
            contextlib.nullcontext())
        # The two tools share nothing a row writes, so they run side by side: the CLI's
        # start-up dominates the file's run time.
        with relaxed, concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            cli_run = pool.submit(self.run_cli, row, env)
            our_run = pool.submit(self.run_pullkeeper, row, env) if with_pullkeeper else None
            cli = cli_run.result()
            entry["cli"] = cli[1].summary
            ours = our_run.result() if our_run else None
            if ours:
                entry["pullkeeper"] = ours[1].summary
        return cli, ours

    def check_cli(self, row: Row, cli, context: str) -> None:
        if row.expect_arn is not None:
            self.assertEqual(cli[1].arn, row.expect_arn,
                             f"{row.name}: the AWS CLI did not name the expected identity{context}")
        else:
            self.assertFalse(cli[1].ok, f"{row.name}: the AWS CLI was expected to fail{context}")

    def compare(self, row: Row, cli, ours) -> None:
        (cli_run, _), (our_run, our_outcome) = cli, ours
        both = (f"\n[aws cli]{harness.describe_run(cli_run)}"
                f"\n[pullkeeper]{harness.describe_run(our_run)}")
        self.check_cli(row, cli, both)
        if row.expect_arn is not None:
            self.assertEqual(our_outcome.arn, row.expect_arn,
                             f"{row.name}: pullkeeper disagrees with the AWS CLI{both}")
            return
        self.assertEqual(our_run.returncode, 3, f"{row.name}: pullkeeper must exit 3{both}")
        missing = [word for word in row.failure_words
                   if word.lower() not in our_run.stderr.lower()]
        self.assertEqual(missing, [], f"{row.name}: pullkeeper's error does not name the "
                                      f"source and cause{both}")

    @classmethod
    def print_table(cls) -> None:
        if not cls.table:
            return
        widths = {column: max(len(column), *(len(entry[column]) for entry in cls.table))
                  for column in ("row", "verdict")}
        out = sys.stderr
        print("\ncredential parity table (AWS CLI vs pullkeeper whoami)", file=out)
        for entry in cls.table:
            print(f"  {entry['row']:<{widths['row']}}  {entry['verdict']:<{widths['verdict']}}"
                  f"\n      aws cli:    {entry['cli']}\n      pullkeeper: {entry['pullkeeper']}",
                  file=out)


def _row_test(row: Row):
    def test(self):
        self.check_row(row)

    test.__doc__ = row.title
    return unittest.expectedFailure(test) if row.name in PENDING else test


def _cli_side_test(row: Row):
    def test(self):
        self.check_cli_side(row)

    test.__doc__ = f"{row.title}: the AWS CLI side of a pending row"
    return test


for _number, _row in enumerate(ROWS, start=1):
    setattr(CredentialParity, f"test_{_number:02d}_{_row.name}", _row_test(_row))
    if _row.name in PENDING:
        setattr(CredentialParity, f"test_{_number:02d}_{_row.name}_aws_cli_side",
                _cli_side_test(_row))


if __name__ == "__main__":
    harness.main()
