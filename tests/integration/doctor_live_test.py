#!/usr/bin/env python3
"""`pullkeeper doctor` in live mode against the fake Kubernetes API server.

The outage fixture's Kubernetes objects (tests/doctor/fixtures/outage-broken, without its aws/
outputs) are planted in the fake with their statuses; live mode must then find exactly the
chain that snapshot mode finds in the same files: the same finding ids, checks, severities,
objects, causes and root causes (evidence names API paths instead of files, so it may differ).
Also: the healthy estate is clean, a forbidden `list secrets` leaves a visible gap but the other
findings stand, an unreachable server is exit 4 naming it, and no run prints a secret.
The whole file skips, with the path it looked at, until the binary is built.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import outage_network  # noqa: E402

FIXTURES = harness.REPO_ROOT / "tests" / "doctor" / "fixtures"
sys.path.insert(0, str(FIXTURES))
import make_fixtures  # noqa: E402

NOW = "2026-11-20T14:30:00Z"  # the fixtures' "now" (tests/doctor/fixture_e2e_test.py)
README = harness.REPO_ROOT / "README.md"
SNAPSHOT_COMMANDS_MARKER = "<!-- doctor-snapshot-commands"
# What --aws calls, and all the reader in LiveWithAwsMatchesReadmeSnapshot may do.
DESCRIBE_ACTIONS = ["ec2:DescribeSecurityGroups", "ec2:DescribeInstances",
                    "elasticloadbalancing:DescribeLoadBalancers",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeListeners",
                    "elasticloadbalancing:DescribeTargetHealth"]


def find_kubectl_1_32():
    """The pinned client beside the kubectl dispatcher's target (see tests/fakes/README.md)."""
    dispatcher = shutil.which("kubectl")
    if not dispatcher:
        return None
    candidate = Path(os.path.realpath(dispatcher)).parent / "kubectl.1.32"
    return candidate if os.access(candidate, os.X_OK) else None


def comparable(report: dict) -> dict:
    """What both modes must agree on: everything but evidence, messages and skipped."""
    findings = [{key: finding[key] for key in ("id", "check", "severity", "object", "causes")}
                for finding in report["findings"]]
    return {"findings": findings, "root_causes": report["root_causes"]}


def readme_cluster_role() -> str:
    """The ClusterRole YAML block of the README's "Live mode" section."""
    text = README.read_text()
    section = text[text.index("### Live mode"):]
    start = section.index("```yaml\n") + len("```yaml\n")
    return section[start:section.index("```", start)]


def readme_snapshot_commands() -> str:
    """The shell block after the snapshot-commands marker of the README, verbatim."""
    text = README.read_text()
    section = text[text.index(SNAPSHOT_COMMANDS_MARKER):]
    start = section.index("```sh\n") + len("```sh\n")
    return section[start:section.index("```", start)]


class DoctorLiveEndToEnd(harness.IntegrationTestCase):
    @classmethod
    def start_parts(cls):
        harness.require_pullkeeper()
        cls.kube = harness.KubeApi(cls.workspace, token=None)
        estate = make_fixtures.Estate(True)  # the broken estate holds every fixture secret
        estate.files()
        cls.secrets = {f"fixture secret #{i}": value
                       for i, value in enumerate(estate.secret_values)}

    def setUp(self):
        self.kube.reset()

    def seed(self, fixture: str) -> None:
        stored = harness.seed_snapshot(self.kube, FIXTURES / fixture)
        self.assertGreater(len(stored), 20)

    def doctor(self, *args) -> "subprocess.CompletedProcess":
        result = harness.run_pullkeeper(["doctor", "--now", NOW, *args])
        harness.assert_no_secret_in(result.stdout, self.secrets, where="doctor stdout")
        harness.assert_no_secret_in(result.stderr, self.secrets, where="doctor stderr")
        return result

    def live_json(self, *args) -> tuple[int, dict]:
        result = self.doctor("--kubeconfig", str(self.kube.kubeconfig), "--output", "json", *args)
        self.assertIn(result.returncode, (0, 1), harness.describe_run(result))
        return result.returncode, json.loads(result.stdout)

    def snapshot_json(self, fixture: str) -> tuple[int, dict]:
        """Snapshot mode on a copy of the fixture without its AWS outputs."""
        copy = self.workspace.fresh_dir(f"snapshot-{fixture}")
        shutil.copytree(FIXTURES / fixture, copy, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("aws"))
        result = self.doctor("--snapshot", str(copy), "--output", "json")
        self.assertIn(result.returncode, (0, 1), harness.describe_run(result))
        return result.returncode, json.loads(result.stdout)

    def test_live_finds_the_same_chain_as_the_snapshot_of_the_same_state(self):
        self.seed("outage-broken")
        live_code, live = self.live_json()
        snapshot_code, snapshot = self.snapshot_json("outage-broken")
        self.assertEqual(live_code, 1)
        self.assertEqual(snapshot_code, 1)
        self.assertEqual(comparable(live), comparable(snapshot))
        # The chain the snapshot test asserts, root first, is all there.
        checks = {finding["check"] for finding in live["findings"]}
        for check in ("external-secret-broken", "secret-ref-missing", "cronjob-failing",
                      "pull-secret-expired", "image-pull-failing"):
            self.assertIn(check, checks)
        self.assertEqual(live["skipped"], {})

    def test_an_operator_older_than_0_17_is_read_through_v1beta1(self):
        self.seed("outage-broken")
        _, expected = self.live_json()
        # external-secrets before 0.17 serves v1beta1 only: v1 answers 404 as an unknown API.
        self.kube.set_faults({"errors": [{"path_regex": "^/apis/external-secrets.io/v1/",
                                          "code": 404}]})
        self.kube.clear_requests()
        _, report = self.live_json()
        self.assertEqual(comparable(report), comparable(expected))
        self.assertEqual(report["skipped"], {})
        old_paths = [r["path"] for r in self.kube.requests() if "/v1beta1/" in r["path"]]
        self.assertEqual(sorted(old_paths),
                         ["/apis/external-secrets.io/v1beta1/clustersecretstores",
                          "/apis/external-secrets.io/v1beta1/externalsecrets",
                          "/apis/external-secrets.io/v1beta1/secretstores"])

    def test_healthy_estate_live_has_no_problem(self):
        self.seed("outage-healthy")
        result = self.doctor("--kubeconfig", str(self.kube.kubeconfig))
        self.assertEqual(result.returncode, 0, harness.describe_run(result))
        self.assertIn("no problems found", result.stdout)
        self.assertNotIn("not read:", result.stdout)

    def test_forbidden_secrets_leave_a_visible_gap_and_the_rest_is_reported(self):
        self.seed("outage-broken")
        self.kube.set_faults({"forbid": [{"resource": "secrets", "verbs": ["list"]}]})
        code, report = self.live_json()
        self.assertEqual(code, 1)
        self.assertEqual(report["skipped"], {"forbidden: list secrets": 1})
        checks = {finding["check"] for finding in report["findings"]}
        self.assertIn("cronjob-failing", checks)
        self.assertIn("image-pull-failing", checks)
        self.assertNotIn("pull-secret-expired", checks)  # it needs the Secrets
        text = self.doctor("--kubeconfig", str(self.kube.kubeconfig))
        self.assertIn("not read: forbidden: list secrets;", text.stdout)
        # The warning says which role doctor needs, not the roles sync's ServiceAccount uses.
        self.assertIn("Live mode", text.stderr)
        self.assertNotIn("deploy/rbac", text.stderr)

    def test_one_namespace_reads_only_that_namespace(self):
        self.seed("outage-broken")
        self.kube.clear_requests()
        _, report = self.live_json("--namespace", "staging")
        namespaces = {finding["object"]["namespace"] for finding in report["findings"]}
        self.assertEqual(namespaces, {"staging"})
        paths = [request["path"] for request in self.kube.requests()]
        self.assertEqual(len(paths), 13, paths)  # one list per kind, v1 served for the CRDs
        for path in paths:
            if not path.endswith("/clustersecretstores"):
                self.assertIn("/namespaces/staging/", path)

    def test_unreachable_server_exits_4_naming_it(self):
        port = harness.closed_port()
        kubeconfig = harness.write_kubeconfig(self.workspace.fresh_dir("closed") / "kubeconfig",
                                              f"http://127.0.0.1:{port}", None)
        result = self.doctor("--kubeconfig", str(kubeconfig))
        self.assertEqual(result.returncode, 4, harness.describe_run(result))
        self.assertIn(f"127.0.0.1:{port}", result.stderr)
        self.assertIn("reachable", result.stderr)

    def test_bad_kubeconfig_and_mixed_modes_are_usage_errors(self):
        missing = self.workspace.fresh_dir("missing") / "no-such-kubeconfig"
        for args in (["--kubeconfig", str(missing)],
                     ["--snapshot", str(FIXTURES / "outage-healthy"),
                      "--kubeconfig", str(self.kube.kubeconfig)],
                     ["--snapshot", str(FIXTURES / "outage-healthy"), "--context", "x"]):
            result = self.doctor(*args)
            self.assertEqual(result.returncode, 2, harness.describe_run(result))
        sync = harness.run_pullkeeper(["sync", "--kubeconfig", str(missing), "--region",
                                       harness.REGION, "--dry-run"])
        self.assertEqual(sync.returncode, 2, "sync exits 2 for the same kubeconfig: "
                         + harness.describe_run(sync))

    def test_readme_cluster_role_is_what_kubectl_makes_of_the_resources_read(self):
        kubectl = find_kubectl_1_32()
        if kubectl is None:
            self.skipTest("kubectl.1.32 not found beside the kubectl dispatcher's target")
        import yaml  # PyYAML, as the fake uses for apply
        role = yaml.safe_load(readme_cluster_role())
        self.assertEqual(role["kind"], "ClusterRole")
        granted = {(group, resource) for rule in role["rules"] for group in rule["apiGroups"]
                   for resource in rule["resources"]}
        for rule in role["rules"]:
            self.assertEqual(sorted(rule["verbs"]), ["get", "list"])
        # kubectl resolves every resource against the server's discovery and builds the role
        # itself; a name the server does not serve is an error.
        resources = sorted(f"{resource}.{group}" if group else resource
                           for group, resource in granted)
        cache = self.workspace.fresh_dir("kubectl-cache")
        made = subprocess.run(
            [str(kubectl), "--kubeconfig", str(self.kube.kubeconfig), "--cache-dir", str(cache),
             "create", "clusterrole", role["metadata"]["name"], "--verb=get,list",
             f"--resource={','.join(resources)}", "--dry-run=client", "-o", "json"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(made.returncode, 0, made.stderr)
        made_rules = json.loads(made.stdout)["rules"]
        self.assertEqual({(g, r) for rule in made_rules for g in rule["apiGroups"]
                          for r in rule["resources"]}, granted)
        # Exactly what live mode lists: pods ... clustersecretstores, nothing more.
        expected = {("", "pods"), ("", "secrets"), ("", "serviceaccounts"), ("", "events"),
                    ("batch", "cronjobs"), ("batch", "jobs"), ("apps", "deployments"),
                    ("apps", "statefulsets"), ("apps", "daemonsets"), ("apps", "replicasets"),
                    ("external-secrets.io", "externalsecrets"),
                    ("external-secrets.io", "secretstores"),
                    ("external-secrets.io", "clustersecretstores")}
        self.assertEqual(granted, expected)


class LiveWithAwsMatchesReadmeSnapshot(harness.IntegrationTestCase):
    """The whole outage, both halves: the fixture's Kubernetes objects in the fake API server
    (over TLS: kubectl sends a bearer token only over https) and the load balancer wearing
    the nodes' group in moto (outage_network.py), read by an IAM user allowed exactly the six
    describe calls. `doctor --aws` live must find what `doctor --snapshot` finds in the
    directory the README's collection commands make with the real kubectl and aws CLI."""

    @classmethod
    def start_parts(cls):
        harness.require_pullkeeper()
        cls.kubectl = find_kubectl_1_32()
        missing = [tool for tool in ("aws", "jq") if shutil.which(tool) is None]
        if cls.kubectl is None or missing:
            raise harness.unittest.SkipTest(
                f"the README's commands need kubectl 1.32, aws and jq; missing: {missing}")
        cls.kube = harness.KubeApi(cls.workspace, tls=True, verbose=False)
        harness.seed_snapshot(cls.kube, FIXTURES / "outage-broken")
        cls.moto = harness.Moto(cls.workspace)
        cls.network = outage_network.build_outage_network(cls.moto.endpoint_url)
        cls.reader = cls.moto.create_user("doctor-reader", ecr_read_only=False)
        cls.moto.allow_user("doctor-reader", DESCRIBE_ACTIONS)
        cls.ec2_reader = cls.moto.create_user("ec2-reader", ecr_read_only=False)
        cls.moto.allow_user("ec2-reader", [a for a in DESCRIBE_ACTIONS if a.startswith("ec2:")])
        cls.moto.enforce_auth()
        estate = make_fixtures.Estate(True)
        estate.files()
        cls.secrets = {f"fixture secret #{i}": value
                       for i, value in enumerate(estate.secret_values)}
        cls.secrets.update({"reader secret key": cls.reader.secret_access_key,
                            "kube bearer token": cls.kube.token})

    def environment(self) -> dict[str, str]:
        return {**self.reader.environment(), "AWS_DEFAULT_REGION": harness.REGION,
                "AWS_ENDPOINT_URL": self.moto.endpoint_url,
                "KUBECONFIG": str(self.kube.kubeconfig)}

    def collect_with_readme_commands(self) -> Path:
        work = self.workspace.fresh_dir("collect")
        tools = work / "bin"
        tools.mkdir()
        (tools / "kubectl").symlink_to(self.kubectl)
        env = harness.base_environment(work)
        env.update(self.environment())
        env["PATH"] = f"{tools}:{env['PATH']}"
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_snapshot_commands()],
                                cwd=work, env=env, capture_output=True, text=True, timeout=300,
                                stdin=subprocess.DEVNULL)
        self.assertEqual(result.returncode, 0, harness.describe_run(result))
        return work / "snap"

    def doctor_json(self, *args) -> tuple[int, dict, str]:
        result = harness.run_pullkeeper(["doctor", "--now", NOW, "--output", "json", *args],
                                        env=self.environment())
        self.assertIn(result.returncode, (0, 1), harness.describe_run(result))
        harness.assert_no_secret_in(result.stdout + result.stderr, self.secrets,
                                    where="doctor output")
        return result.returncode, json.loads(result.stdout), result.stderr

    def test_live_with_aws_finds_the_chain_the_readme_snapshot_finds(self):
        snapshot_code, snapshot, _ = self.doctor_json("--snapshot",
                                                      str(self.collect_with_readme_commands()))
        live_code, live, _ = self.doctor_json("--aws")
        self.assertEqual((snapshot_code, live_code), (1, 1))
        self.assertEqual(comparable(live), comparable(snapshot))
        self.assertEqual(live["skipped"], {})

        by_id = {finding["id"]: finding for finding in live["findings"]}
        chain = ["external-secret-broken:ExternalSecret/infra/aws-credentials",
                 "secret-ref-missing:Secret/infra/aws-credentials",
                 "cronjob-failing:CronJob/infra/ecr-refresh"]
        for cause, effect in zip(chain, chain[1:]):
            self.assertIn(cause, by_id[effect]["causes"])
        for namespace in ("staging", "production"):
            expired = f"pull-secret-expired:Secret/{namespace}/ecr-registry"
            self.assertIn(chain[-1], by_id[expired]["causes"])
            pulls = [f for f in live["findings"] if f["check"] == "image-pull-failing"
                     and f["object"]["namespace"] == namespace]
            self.assertTrue(pulls, f"no failing pull in {namespace}")
            for pull in pulls:
                self.assertIn(expired, pull["causes"])
        # The network half: the load balancer wears the nodes' group, which admits the node
        # ports only from salon-alb, and nothing admits 443 from the internet.
        for check in ("lb-targets-unreachable", "lb-listener-closed"):
            self.assertIn(f"{check}:LoadBalancer/salon-staging", live["root_causes"])
        unreachable = by_id["lb-targets-unreachable:LoadBalancer/salon-staging"]
        self.assertIn(self.network.alb_group_id, json.dumps(unreachable))

    def test_a_denied_load_balancer_api_is_a_named_gap_not_an_error(self):
        env = {**self.environment(), **self.ec2_reader.environment()}
        result = harness.run_pullkeeper(["doctor", "--now", NOW, "--aws", "--output", "json"],
                                        env=env)
        self.assertEqual(result.returncode, 1, harness.describe_run(result))
        report = json.loads(result.stdout)
        self.assertIn("failed: aws elbv2 describe-load-balancers", report["skipped"])
        self.assertNotIn("failed: aws ec2 describe-security-groups", report["skipped"])
        self.assertIn("elasticloadbalancing:DescribeLoadBalancers", result.stderr)
        self.assertFalse([f for f in report["findings"] if f["check"].startswith("lb-")])
        self.assertIn("external-secret-broken:ExternalSecret/infra/aws-credentials",
                      report["root_causes"])

    def test_aws_failures_exit_3_after_the_cluster_report_and_usage_errors_exit_2(self):
        wrong = {**self.environment(), "AWS_SECRET_ACCESS_KEY": "wrong-secret-0000000000"}
        result = harness.run_pullkeeper(["doctor", "--now", NOW, "--aws"], env=wrong)
        self.assertEqual(result.returncode, 3, harness.describe_run(result))
        self.assertIn("DescribeSecurityGroups", result.stderr)
        # Nothing already read is lost: the cluster's chain is printed, the AWS gap named.
        self.assertIn("external-secret-broken", result.stdout)
        self.assertIn("not read: failed: aws: nothing read", result.stdout)
        harness.assert_no_secret_in(result.stdout + result.stderr,
                                    {"wrong secret": "wrong-secret-0000000000"})
        no_keys = {k: v for k, v in self.environment().items() if not k.startswith("AWS_ACCESS")
                   and not k.startswith("AWS_SECRET")}
        result = harness.run_pullkeeper(["doctor", "--aws"], env=no_keys)
        self.assertEqual(result.returncode, 3, harness.describe_run(result))
        for args in (["--snapshot", str(FIXTURES / "outage-healthy"), "--aws"],
                     ["--region", "us-east-1"]):
            result = harness.run_pullkeeper(["doctor", *args], env=self.environment())
            self.assertEqual(result.returncode, 2, harness.describe_run(result))


if __name__ == "__main__":
    harness.main()
