#!/usr/bin/env python3
"""End-to-end tests of `pullkeeper sync` on real parts.

The story is the outage pullkeeper exists for: ECR tokens live 12 hours, the job that
refreshed the pull secrets stopped, and every namespace's `ecr-registry` secret now holds
a password the registry rejects. Each test runs the real binary against moto (IAM and
SigV4 enforced), the fake Kubernetes API server (fresh per test, every request logged)
and a real registry, and proves the result with an actual `skopeo inspect`.

Every run's stdout and stderr is checked for leaked credentials (see sync()).
The whole file skips, with the path it looked at, until the binary is built.
"""

import base64
import datetime
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

SECRET_NAME = "ecr-registry"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
EXPIRY_ANNOTATION = "pullkeeper.io/token-expires-at"
STALE_PASSWORD = "stale-token-issued-yesterday"
FOREIGN_REGISTRY = "registry.partner.example:5000"  # never contacted: only a map key
FOREIGN_PASSWORD = "partner-robot-password"
WRITE_METHODS = {"POST", "PUT", "PATCH"}
# deploy/rbac.yaml grants per namespace only create, and get/update on the secret itself;
# the fake can only deny, so it denies what that Role lacks, everywhere.
LEAST_PRIVILEGE_DENIALS = {"resource": "secrets",
                           "verbs": ["list", "watch", "patch", "delete", "deletecollection"]}


def auth_entry(username: str, password: str) -> dict:
    return {"username": username, "password": password,
            "auth": base64.b64encode(f"{username}:{password}".encode()).decode()}


def outage_secret(registry_host: str) -> dict:
    """The secret as the outage left it: written by a hand-rolled cron job 13 hours ago,
    stale password for both the ECR host and the in-cluster alias, one foreign registry
    entry, and labels and annotations pullkeeper does not own."""
    docker_config = {"auths": {
        harness.ECR_HOST: auth_entry("AWS", STALE_PASSWORD),
        registry_host: auth_entry("AWS", STALE_PASSWORD),
        FOREIGN_REGISTRY: auth_entry("robot", FOREIGN_PASSWORD),
    }}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": SECRET_NAME,
            "labels": {"team": "web"},
            "annotations": {"salon.example/owner": "web-platform"},
        },
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson":
                 base64.b64encode(json.dumps(docker_config).encode()).decode()},
    }


def parse_rfc3339(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class SyncEndToEnd(harness.IntegrationTestCase):
    @classmethod
    def start_parts(cls):
        harness.require_pullkeeper()  # skip before spending seconds on servers
        cls.moto = harness.Moto(cls.workspace)
        cls.reader = cls.moto.create_user("ci-reader", ecr_read_only=True)
        cls.outsider = cls.moto.create_user("no-ecr-policy", ecr_read_only=False)
        cls.moto.enforce_auth()
        cls.registry = harness.Registry(cls.workspace)

    def setUp(self):
        # A fresh API server per test: its request log and objects belong to this test only.
        self.kube = harness.KubeApi(self.workspace, name=f"kube-api-{self._testMethodName}")
        self.addCleanup(self.kube.stop)

    # ---- helpers -----------------------------------------------------------------------

    def secrets_that_must_never_appear(self) -> dict:
        return {
            "reader secret access key": self.reader.secret_access_key,
            "no-policy user's secret access key": self.outsider.secret_access_key,
            "ECR password": harness.ECR_PASSWORD,
            "ECR authorization token": harness.ECR_TOKEN,
            "stale password in the old secret": STALE_PASSWORD,
            "foreign registry password": FOREIGN_PASSWORD,
            "Kubernetes bearer token": self.kube.token,
        }

    def sync(self, *extra_args, namespaces="staging,production", key=None, env=None,
             kubeconfig=None):
        """Runs `pullkeeper sync` the way the CronJob would, plus `extra_args`.

        Requirement 7 lives here: no token, password or secret key in any run's output.
        """
        args = ["sync", "--region", harness.REGION, "--namespaces", namespaces,
                "--secret-name", SECRET_NAME,
                "--kubeconfig", str(kubeconfig or self.kube.kubeconfig),
                "--endpoint-url", self.moto.endpoint_url,
                "--registry-alias", f"{self.registry.host}={harness.ECR_HOST}",
                *extra_args]
        run_env = dict((key or self.reader).environment()) if env is None else dict(env)
        result = harness.run_pullkeeper(args, run_env)
        secrets = self.secrets_that_must_never_appear()
        harness.assert_no_secret_in(result.stdout, secrets, where="pullkeeper stdout")
        harness.assert_no_secret_in(result.stderr, secrets, where="pullkeeper stderr")
        return result

    def seed_outage(self, *namespaces):
        for namespace in namespaces:
            self.kube.create_namespace(namespace)
            self.kube.create_secret(namespace, outage_secret(self.registry.host))

    def writes_to_secrets(self, namespace=None):
        pattern = re.compile(r"^/api/v1/namespaces/([^/]+)/secrets(/|$)")
        writes = []
        for request in self.kube.requests():
            match = pattern.match(request["path"])
            if request["method"] in WRITE_METHODS and match and (
                    namespace is None or match.group(1) == namespace):
                writes.append(request)
        return writes

    def assert_exit(self, result, expected):
        self.assertEqual(result.returncode, expected, harness.describe_run(result))

    def assert_pull_works_with(self, docker_config):
        ok, stderr = self.registry.inspect_with_docker_config(docker_config)
        self.assertTrue(ok, f"skopeo could not pull with the written secret:\n{stderr}")

    def assert_pull_unauthorized_with(self, docker_config):
        ok, stderr = self.registry.inspect_with_docker_config(docker_config)
        self.assertFalse(ok, "skopeo pulled with a secret that should be rejected")
        self.assertIn("unauthorized", stderr)

    def assert_fresh_credentials(self, docker_config):
        for host in (harness.ECR_HOST, self.registry.host):
            entry = docker_config["auths"].get(host)
            self.assertIsNotNone(entry,
                                 f"no auths entry for {host}: {list(docker_config['auths'])}")
            self.assertEqual(base64.b64decode(entry["auth"]).decode(),
                             f"AWS:{harness.ECR_PASSWORD}", f"stale auth for {host}")

    # ---- 1. the outage, fixed in place ------------------------------------------------

    def test_expired_secrets_are_updated_in_place_and_the_image_pulls_again(self):
        self.seed_outage("staging", "production")
        before = {ns: self.kube.get_secret(ns, SECRET_NAME) for ns in ("staging", "production")}
        stale_config = self.kube.docker_config("staging", SECRET_NAME)
        self.assert_pull_unauthorized_with(stale_config)  # the outage is real
        self.kube.clear_requests()

        started = datetime.datetime.now(datetime.timezone.utc)
        result = self.sync()
        finished = datetime.datetime.now(datetime.timezone.utc)

        self.assert_exit(result, 0)
        requests = self.kube.requests()
        self.assertEqual([r for r in requests if r["method"] == "DELETE"], [],
                         "a pull secret must never be deleted, not even briefly")
        for namespace in ("staging", "production"):
            with self.subTest(namespace=namespace):
                self.assertEqual(len(self.writes_to_secrets(namespace)), 1,
                                 f"expected exactly one write in {namespace}: {requests}")
                after = self.kube.get_secret(namespace, SECRET_NAME)
                self.assertEqual(after["metadata"]["uid"], before[namespace]["metadata"]["uid"],
                                 "the secret was replaced, not updated in place")
                self.assertEqual(after["type"], "kubernetes.io/dockerconfigjson")
                labels = after["metadata"].get("labels", {})
                annotations = after["metadata"].get("annotations", {})
                self.assertEqual(labels.get("team"), "web", "foreign label dropped")
                self.assertEqual(labels.get(MANAGED_BY_LABEL), "pullkeeper")
                self.assertEqual(annotations.get("salon.example/owner"), "web-platform",
                                 "foreign annotation dropped")
                # moto stamps every token 2015-01-01, already past, so pullkeeper assumes
                # ECR's documented 12 hours from receipt (src/aws/ecr_token_response.h).
                self.assertIn(EXPIRY_ANNOTATION, annotations)
                expires = parse_rfc3339(annotations[EXPIRY_ANNOTATION])
                lifetime = datetime.timedelta(hours=12)
                slack = datetime.timedelta(seconds=2)  # RFC 3339 seconds truncate
                self.assertGreaterEqual(expires, started + lifetime - slack, annotations)
                self.assertLessEqual(expires, finished + lifetime + slack, annotations)
                config = self.kube.docker_config(namespace, SECRET_NAME)
                self.assert_fresh_credentials(config)
                self.assertEqual(config["auths"][FOREIGN_REGISTRY]["auth"],
                                 auth_entry("robot", FOREIGN_PASSWORD)["auth"],
                                 "foreign registry entry lost")
                self.assert_pull_works_with(config)
        self.assert_pull_unauthorized_with(stale_config)  # and the old one still fails

    # ---- 2. AWS credential failures ---------------------------------------------------

    def test_wrong_secret_key_exits_3_naming_signature_does_not_match(self):
        self.seed_outage("staging", "production")
        wrong = harness.AccessKey("ci-reader", self.reader.access_key_id, "wrong-secret-key")
        result = self.sync(key=wrong)
        self.assert_exit(result, 3)
        self.assertIn("SignatureDoesNotMatch", result.stderr)
        self.assertEqual(self.writes_to_secrets(), [])
        harness.assert_no_secret_in(result.stdout + result.stderr,
                                    {"wrong secret key": "wrong-secret-key"})

    def test_user_without_ecr_policy_exits_3_naming_access_denied(self):
        self.seed_outage("staging", "production")
        result = self.sync(key=self.outsider)
        self.assert_exit(result, 3)
        self.assertIn("AccessDenied", result.stderr)
        self.assertEqual(self.writes_to_secrets(), [])

    def test_no_credentials_exits_3_listing_the_sources_tried(self):
        self.seed_outage("staging", "production")
        nowhere = self.workspace.fresh_dir("no-aws-files")
        credentials_file = nowhere / "credentials"
        result = self.sync(env={"AWS_SHARED_CREDENTIALS_FILE": str(credentials_file),
                                "AWS_CONFIG_FILE": str(nowhere / "config")})
        self.assert_exit(result, 3)
        self.assertRegex(result.stderr, re.compile(r"environment|AWS_ACCESS_KEY_ID", re.I))
        self.assertIn(str(credentials_file), result.stderr)
        self.assertEqual(self.writes_to_secrets(), [])

    # ---- 3. one forbidden namespace ---------------------------------------------------

    def test_forbidden_namespace_fails_alone_and_exit_is_1(self):
        # As deployed with rbac.yaml but production's Role missing: no cluster-wide list,
        # and nothing at all on production's secrets.
        self.seed_outage("staging", "production")
        self.kube.set_faults({"forbid": [LEAST_PRIVILEGE_DENIALS,
                                         {"resource": "secrets", "namespace": "production"}]})

        result = self.sync()

        self.assert_exit(result, 1)
        self.kube.set_faults({})  # the fake forbids every caller, the test's reads included
        self.assert_fresh_credentials(self.kube.docker_config("staging", SECRET_NAME))
        output = result.stdout + result.stderr
        self.assertRegex(output, re.compile(r"forbidden", re.I))
        self.assertIn("production", output)
        self.assertEqual(self.kube.docker_config("production", SECRET_NAME)["auths"]
                         [self.registry.host]["password"], STALE_PASSWORD)

    def test_least_privilege_rbac_from_deploy_is_enough(self):
        self.seed_outage("staging")
        self.kube.create_namespace("production")  # no secret yet: create, not update
        self.kube.set_faults({"forbid": [LEAST_PRIVILEGE_DENIALS]})
        self.kube.clear_requests()

        result = self.sync()

        self.assert_exit(result, 0)
        self.kube.set_faults({})
        self.assertEqual([w["method"] for w in self.writes_to_secrets("staging")], ["PUT"])
        self.assertEqual([w["method"] for w in self.writes_to_secrets("production")], ["POST"])
        for namespace in ("staging", "production"):
            self.assert_fresh_credentials(self.kube.docker_config(namespace, SECRET_NAME))

    # ---- 4. dry run -------------------------------------------------------------------

    def test_dry_run_writes_nothing_and_prints_the_plan(self):
        self.seed_outage("staging")
        self.kube.create_namespace("production")  # no secret yet: would be created
        before_staging = self.kube.docker_config("staging", SECRET_NAME)
        self.kube.clear_requests()

        result = self.sync("--dry-run")

        self.assert_exit(result, 0)
        # Writes go to the API server as dryRun=All, so RBAC and validation are checked, but
        # nothing is stored; any other write, and any DELETE, is a bug.
        changes = [r for r in self.kube.requests()
                   if r["method"] == "DELETE"
                   or (r["method"] in WRITE_METHODS and "dryRun=All" not in r.get("query", ""))]
        self.assertEqual(changes, [], "--dry-run changed the cluster")
        self.assertEqual(self.kube.docker_config("staging", SECRET_NAME),
                         before_staging, "--dry-run changed the staging secret")
        self.assertIn("staging", result.stdout)
        self.assertIn("production", result.stdout)
        self.assertRegex(result.stdout, re.compile(r"would|dry", re.I))
        self.assertIsNone(self.kube.get_secret("production", SECRET_NAME))

    # ---- 5. a namespace that does not exist -------------------------------------------

    def test_missing_namespace_fails_alone_and_exit_is_1(self):
        self.seed_outage("staging")

        result = self.sync(namespaces="staging,qa")

        self.assert_exit(result, 1)
        self.assert_fresh_credentials(self.kube.docker_config("staging", SECRET_NAME))
        output = result.stdout + result.stderr
        self.assertIn("qa", output)
        self.assertRegex(output, re.compile(r"not found|does not exist|missing", re.I))

    # ---- 6. created when absent -------------------------------------------------------

    def test_absent_secret_is_created_and_pulls(self):
        self.kube.create_namespace("staging")
        self.kube.clear_requests()

        result = self.sync(namespaces="staging")

        self.assert_exit(result, 0)
        writes = self.writes_to_secrets("staging")
        self.assertEqual([w["method"] for w in writes], ["POST"], writes)
        secret = self.kube.get_secret("staging", SECRET_NAME)
        self.assertEqual(secret["type"], "kubernetes.io/dockerconfigjson")
        self.assertEqual(secret["metadata"]["labels"].get(MANAGED_BY_LABEL), "pullkeeper")
        config = self.kube.docker_config("staging", SECRET_NAME)
        self.assert_fresh_credentials(config)
        self.assert_pull_works_with(config)

    # ---- 8. machine-readable summary --------------------------------------------------

    def test_json_output_lists_each_namespace_with_its_result(self):
        self.seed_outage("staging")
        self.kube.create_namespace("production")

        result = self.sync("--output", "json")

        self.assert_exit(result, 0)
        try:
            document = json.loads(result.stdout)
        except json.JSONDecodeError as error:
            self.fail(f"--output json is not JSON ({error}):{harness.describe_run(result)}")
        results = {entry["namespace"]: entry["result"] for entry in document["namespaces"]}
        self.assertEqual(results, {"staging": "updated", "production": "created"}, document)
        self.assertEqual(document["secret"], SECRET_NAME)
        self.assertIn(self.registry.host, document["registries"])
        self.assertIn(harness.ECR_HOST, document["registries"])
        # The summary's expiry is the one written into the secret.
        annotation = self.kube.get_secret("staging", SECRET_NAME)["metadata"]["annotations"][
            EXPIRY_ANNOTATION]
        self.assertEqual(parse_rfc3339(document["token_expires_at"]), parse_rfc3339(annotation))

    def test_json_output_names_the_failed_namespace_and_its_error(self):
        self.seed_outage("staging")

        result = self.sync("--output", "json", namespaces="staging,qa")

        self.assert_exit(result, 1)
        entries = {entry["namespace"]: entry for entry in json.loads(result.stdout)["namespaces"]}
        self.assertEqual(entries["staging"]["result"], "updated")
        self.assertEqual(entries["qa"]["result"], "failed")
        self.assertIn("qa", entries["qa"]["error"])

    # ---- Kubernetes unreachable -------------------------------------------------------

    def test_unreachable_kubernetes_exits_4_naming_the_server(self):
        port = harness.closed_port()
        kubeconfig = self.workspace.fresh_dir("dead-kube") / "kubeconfig"
        harness.write_kubeconfig(kubeconfig, f"http://127.0.0.1:{port}", self.kube.token)

        result = self.sync(kubeconfig=kubeconfig)

        self.assert_exit(result, 4)
        self.assertIn(f"127.0.0.1:{port}", result.stderr)


if __name__ == "__main__":
    harness.main()
