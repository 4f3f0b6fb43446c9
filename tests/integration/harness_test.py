#!/usr/bin/env python3
"""Proves each part of the integration harness on its own, without pullkeeper.

If these fail, an end-to-end failure says nothing about pullkeeper: the emulator, the
registry, skopeo or the fake API server is not behaving the way the e2e tests assume.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402


class MotoEnforcesSigV4AndIamPolicies(harness.IntegrationTestCase):
    @classmethod
    def start_parts(cls):
        cls.moto = harness.Moto(cls.workspace)
        cls.reader = cls.moto.create_user("ci-reader", ecr_read_only=True)
        cls.outsider = cls.moto.create_user("no-policy", ecr_read_only=False)
        cls.moto.enforce_auth()

    def get_token_error(self, key):
        import botocore.exceptions

        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            self.moto.client("ecr", key).get_authorization_token()
        # moto answers ECR auth failures with an IAM-style XML body that botocore's JSON
        # parser cannot read, so the error code only appears inside the message.
        return str(raised.exception)

    def curl_get_token(self, access_key_id, secret):
        """The same call through libcurl's SigV4, which is what pullkeeper's client uses."""
        if shutil.which("curl") is None:
            self.skipTest("curl not installed")
        result = subprocess.run(
            ["curl", "-sS", "--noproxy", "*", "--max-time", "20",
             "--aws-sigv4", f"aws:amz:{harness.REGION}:ecr",
             "--user", f"{access_key_id}:{secret}",
             "-H", "X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken",
             "-H", "Content-Type: application/x-amz-json-1.1", "-d", "{}",
             "-w", "\n%{http_code}", self.moto.endpoint_url + "/"],
            capture_output=True, text=True, timeout=30)
        body, _, status = result.stdout.rpartition("\n")
        return int(status), body

    def test_reader_key_gets_token_holding_the_registry_password(self):
        data = self.moto.client("ecr", self.reader).get_authorization_token()[
            "authorizationData"][0]
        self.assertEqual(base64.b64decode(data["authorizationToken"]).decode(),
                         f"AWS:{harness.ECR_PASSWORD}")
        self.assertEqual(data["proxyEndpoint"], f"https://{harness.ECR_HOST}")
        self.assertEqual(data["expiresAt"].timestamp(), 1420070400)  # 2015-01-01Z, TZ=UTC

    def test_wrong_secret_key_is_signature_does_not_match(self):
        wrong = harness.AccessKey("ci-reader", self.reader.access_key_id, "not-the-secret")
        self.assertIn("SignatureDoesNotMatch", self.get_token_error(wrong))

    def test_user_without_policy_is_access_denied(self):
        message = self.get_token_error(self.outsider)
        self.assertIn("AccessDenied", message)
        self.assertIn("ecr:GetAuthorizationToken", message)

    def test_unknown_key_is_invalid_client_token_id(self):
        unknown = harness.AccessKey("ghost", "AKIAIOSFODNN7EXAMPLE", "whatever")
        self.assertIn("InvalidClientTokenId", self.get_token_error(unknown))

    def test_curl_sigv4_with_reader_key_gets_token(self):
        status, body = self.curl_get_token(self.reader.access_key_id,
                                           self.reader.secret_access_key)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["authorizationData"][0]["authorizationToken"],
                         harness.ECR_TOKEN)

    def test_curl_sigv4_with_wrong_secret_is_forbidden_signature_does_not_match(self):
        status, body = self.curl_get_token(self.reader.access_key_id, "not-the-secret")
        self.assertEqual(status, 403, body)
        self.assertIn("<Code>SignatureDoesNotMatch</Code>", body)


class MotoRolesAndCredentialFakes(harness.IntegrationTestCase):
    """The role helpers and the IMDS fake the credential parity table relies on."""

    @classmethod
    def start_parts(cls):
        cls.moto = harness.Moto(cls.workspace)
        cls.caller = cls.moto.create_user("role-caller", ecr_read_only=False)
        cls.moto.allow_user("role-caller", ["sts:AssumeRole"])
        cls.role_arn = cls.moto.create_role(
            "harness-role", f"arn:aws:iam::{harness.ACCOUNT_ID}:user/role-caller")
        cls.moto.enforce_auth()

    def caller_arn(self, key):
        return self.moto.client("sts", key).get_caller_identity()["Arn"]

    def test_assumed_role_keys_work_only_with_their_session_token(self):
        import botocore.exceptions

        session = self.moto.assume_role(self.caller, self.role_arn, "harness-session")
        self.assertEqual(session.arn, f"arn:aws:sts::{harness.ACCOUNT_ID}:assumed-role/"
                                      "harness-role/harness-session")
        self.assertEqual(self.caller_arn(session), session.arn)
        without_token = harness.AccessKey("role", session.access_key_id,
                                          session.secret_access_key)
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            self.caller_arn(without_token)
        self.assertIn("InvalidClientTokenId", str(raised.exception))

    def test_relaxed_auth_accepts_an_unknown_key_and_enforces_again_after(self):
        import botocore.exceptions

        unknown = harness.AccessKey("ghost", "AKIAIOSFODNN7EXAMPLE", "whatever")
        with self.moto.auth_relaxed():
            self.caller_arn(unknown)
        self.assertTrue(self.moto.auth_enforced)
        with self.assertRaises(botocore.exceptions.ClientError):
            self.caller_arn(unknown)

    def test_the_imds_fake_serves_the_keys_it_is_given(self):
        session = self.moto.assume_role(self.caller, self.role_arn, "harness-imds")
        imds = harness.PortFileFake(self.workspace, "imds_server.py", [
            "--access-key-id", session.access_key_id,
            "--secret-access-key", session.secret_access_key,
            "--session-token", session.session_token])
        self.addCleanup(imds.stop)
        token_request = urllib.request.Request(
            imds.url + "/latest/api/token", method="PUT",
            headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(token_request, timeout=10) as response:
            token = response.read().decode()
        served = harness.http_json(
            imds.url + "/latest/meta-data/iam/security-credentials/pullkeeper-node",
            headers={"X-aws-ec2-metadata-token": token})
        self.assertEqual((served["AccessKeyId"], served["SecretAccessKey"], served["Token"]),
                         (session.access_key_id, session.secret_access_key,
                          session.session_token))

    def test_a_missing_fake_script_names_its_path(self):
        with self.assertRaisesRegex(FileNotFoundError, "no_such_fake.py"):
            harness.PortFileFake(self.workspace, "no_such_fake.py")


class RegistryDemandsCredentialsAndSkopeoProvesThem(harness.IntegrationTestCase):
    @classmethod
    def start_parts(cls):
        cls.registry = harness.Registry(cls.workspace)

    def test_registry_without_credentials_answers_401_basic(self):
        import urllib.error
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with self.assertRaises(urllib.error.HTTPError) as raised:
            opener.open(f"http://{self.registry.host}/v2/", timeout=5)
        self.assertEqual(raised.exception.code, 401)
        self.assertIn("Basic", raised.exception.headers.get("Www-Authenticate", ""))

    def test_inspect_with_the_ecr_password_succeeds(self):
        config = harness.docker_config_json(self.registry.host, "AWS", harness.ECR_PASSWORD)
        ok, stderr = self.registry.inspect_with_docker_config(config)
        self.assertTrue(ok, stderr)

    def test_inspect_with_a_stale_password_is_unauthorized(self):
        config = harness.docker_config_json(self.registry.host, "AWS", "expired-token")
        ok, stderr = self.registry.inspect_with_docker_config(config)
        self.assertFalse(ok)
        self.assertIn("unauthorized", stderr)

    def test_inspect_with_an_authfile_lacking_the_host_fails_so_no_fallback_leaks_in(self):
        # A valid ~/.docker/config.json in the test runner's own HOME must not rescue this:
        # the harness runs skopeo with a fresh HOME precisely so this fails.
        config = harness.docker_config_json("other.example:5000", "AWS", harness.ECR_PASSWORD)
        ok, stderr = self.registry.inspect_with_docker_config(config)
        self.assertFalse(ok)
        self.assertIn("unauthorized", stderr)

    def test_skopeo_really_falls_back_to_home_docker_config_which_is_why_home_is_fresh(self):
        # Documents the trap the harness avoids: same empty authfile, but a HOME whose
        # ~/.docker/config.json holds valid credentials, and skopeo succeeds.
        home = self.workspace.fresh_dir("trap-home")
        (home / ".docker").mkdir()
        (home / ".docker" / "config.json").write_text(json.dumps(
            harness.docker_config_json(self.registry.host, "AWS", harness.ECR_PASSWORD)))
        authfile = self.workspace.fresh_dir("trap-auth") / "auth.json"
        authfile.write_text('{"auths":{}}')
        result = subprocess.run(
            ["skopeo", "inspect", "--authfile", str(authfile), "--tls-verify=false",
             f"docker://{self.registry.image_reference}"],
            env=harness.base_environment(home), capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        ok, _ = self.registry.inspect_with_authfile(authfile)
        self.assertFalse(ok)

    def test_hand_built_image_is_byte_for_byte_deterministic(self):
        first = harness.build_oci_layout(self.workspace.fresh_dir("oci-a"))
        second = harness.build_oci_layout(self.workspace.fresh_dir("oci-b"))
        self.assertEqual(first, second)
        self.assertEqual(first, self.registry.manifest_digest)


class FakeKubeApiServesTheKubeconfigAndLogsRequests(harness.IntegrationTestCase):
    @classmethod
    def start_parts(cls):
        cls.kube = harness.KubeApi(cls.workspace)

    def setUp(self):
        self.kube.set_faults({})
        self.kube.clear_requests()

    def test_kubeconfig_names_the_server_and_its_bearer_token(self):
        import yaml

        config = yaml.safe_load(self.kube.kubeconfig.read_text())
        self.assertEqual(config["clusters"][0]["cluster"]["server"], self.kube.url)
        self.assertEqual(config["users"][0]["user"]["token"], self.kube.token)
        self.assertEqual(config["current-context"], config["contexts"][0]["name"])

    def test_api_without_the_token_answers_401(self):
        status = harness.http_status(f"{self.kube.url}/api/v1/namespaces/default")
        self.assertEqual(status, 401)

    def test_seeded_secret_reads_back_decoded_and_seeding_is_not_logged(self):
        self.kube.create_namespace("seeded")
        config = harness.docker_config_json("127.0.0.1:5000", "AWS", "pw")
        created = self.kube.create_secret("seeded", {
            "metadata": {"name": "pull", "labels": {"team": "web"}},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()},
        })
        self.assertTrue(created["metadata"]["uid"])
        self.assertEqual(self.kube.docker_config("seeded", "pull"), config)
        self.assertEqual(self.kube.get_secret("seeded", "pull")["metadata"]["uid"],
                         created["metadata"]["uid"])
        self.assertIsNone(self.kube.get_secret("seeded", "absent"))
        logged = [(r["method"], r["path"]) for r in self.kube.requests()]
        self.assertEqual(logged, [("GET", "/api/v1/namespaces/seeded/secrets/pull")] * 2
                         + [("GET", "/api/v1/namespaces/seeded/secrets/absent")])

    def test_forbid_refuses_one_namespace_only_with_403(self):
        self.kube.create_namespace("open")
        self.kube.create_namespace("closed")
        self.kube.forbid(namespace="closed")
        headers = {"Authorization": f"Bearer {self.kube.token}"}
        self.assertEqual(harness.http_status(
            f"{self.kube.url}/api/v1/namespaces/closed/secrets", headers=headers), 403)
        self.assertEqual(harness.http_status(
            f"{self.kube.url}/api/v1/namespaces/open/secrets", headers=headers), 200)

    def test_closed_port_refuses_connections(self):
        self.assertIsNone(harness.http_status(f"http://127.0.0.1:{harness.closed_port()}/"))


class WorkspaceKeepsLogsOnlyOnFailure(unittest.TestCase):
    def start_echo(self, workspace):
        return workspace.start("echo", [sys.executable, "-c", "print('server says hi')"],
                               harness.base_environment(workspace.path))

    def test_clean_close_stops_processes_and_removes_the_directory(self):
        workspace = harness.Workspace("clean")
        sleeper = workspace.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"],
                                  harness.base_environment(workspace.path))
        workspace.close()
        self.assertFalse(sleeper.alive())
        self.assertFalse(workspace.path.exists())

    def test_failed_close_keeps_the_directory_and_prints_each_log(self):
        import contextlib
        import io

        workspace = harness.Workspace("failed")
        echo = self.start_echo(workspace)
        echo.popen.wait(timeout=30)
        workspace.mark_failed()
        printed = io.StringIO()
        with contextlib.redirect_stderr(printed):
            workspace.close()
        try:
            self.assertTrue(workspace.path.is_dir())
            self.assertIn("server says hi", printed.getvalue())
            self.assertIn(str(workspace.path), printed.getvalue())
        finally:
            shutil.rmtree(workspace.path, ignore_errors=True)


class HelpersKeepSecretsAndEnvironmentsApart(unittest.TestCase):
    def test_assert_no_secret_in_catches_plain_and_base64_forms_without_echoing_them(self):
        secret = "123456789012-auth-token"
        with self.assertRaises(AssertionError) as raised:
            harness.assert_no_secret_in(f"password={secret}", {"ECR password": secret})
        self.assertIn("ECR password", str(raised.exception))
        self.assertNotIn(secret, str(raised.exception))
        encoded = base64.b64encode(secret.encode()).decode()
        with self.assertRaises(AssertionError):
            harness.assert_no_secret_in(f"token {encoded}", [secret])
        harness.assert_no_secret_in("all clear", {"ECR password": secret, "empty": ""})

    def test_run_pullkeeper_inherits_no_credentials_or_kubeconfig(self):
        # /usr/bin/env stands in for the binary: it prints the environment it was given.
        saved = {name: os.environ.get(name) for name in
                 ("AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "KUBECONFIG")}
        os.environ.update(AWS_SECRET_ACCESS_KEY="inherited-secret", AWS_PROFILE="prod",
                          KUBECONFIG="/root/.kube/config")
        try:
            result = harness.run_pullkeeper([], {"AWS_REGION": "us-east-1"},
                                            binary=Path(shutil.which("env")))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        environment = dict(line.split("=", 1) for line in result.stdout.splitlines()
                           if "=" in line)
        self.assertNotIn("AWS_SECRET_ACCESS_KEY", environment)
        self.assertNotIn("AWS_PROFILE", environment)
        self.assertNotIn("KUBECONFIG", environment)
        self.assertEqual(environment["AWS_EC2_METADATA_DISABLED"], "true")
        self.assertEqual(environment["AWS_REGION"], "us-east-1")
        self.assertNotEqual(environment["HOME"], os.environ.get("HOME"))

    def test_missing_binary_skips_with_a_message_naming_the_path(self):
        saved = os.environ.get("PULLKEEPER_BIN")
        os.environ["PULLKEEPER_BIN"] = "/nonexistent/pullkeeper"
        try:
            with self.assertRaises(unittest.SkipTest) as raised:
                harness.require_pullkeeper()
        finally:
            if saved is None:
                os.environ.pop("PULLKEEPER_BIN")
            else:
                os.environ["PULLKEEPER_BIN"] = saved
        self.assertIn("/nonexistent/pullkeeper", str(raised.exception))


if __name__ == "__main__":
    harness.main()
