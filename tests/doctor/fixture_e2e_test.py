#!/usr/bin/env python3
"""Runs the real `pullkeeper doctor` on the outage fixtures, broken and healthy.

Healthy: exit 0 and no error (a false alarm is a bug). Broken: exit 1 and the outage's chain,
root first: external-secret-broken -> secret-ref-missing -> cronjob-failing ->
pull-secret-expired (both namespaces) -> image-pull-failing (each pod), and the load balancer
as a separate root. No run may print a token, key or password from the fixtures.
"""

import json
import shutil
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import make_fixtures  # noqa: E402

NOW = "2026-11-20T14:30:00Z"
TIMEOUT_SECONDS = 60

EXTERNAL_SECRET = "external-secret-broken:ExternalSecret/infra/aws-credentials"
MISSING_SECRET = "secret-ref-missing:Secret/infra/aws-credentials"
CRONJOB = "cronjob-failing:CronJob/infra/ecr-refresh"
EXPIRED = {ns: f"pull-secret-expired:Secret/{ns}/ecr-registry" for ns in ("staging", "production")}
TARGETS = "lb-targets-unreachable:LoadBalancer/salon-alb"
LISTENER = "lb-listener-closed:LoadBalancer/salon-alb"


def binary():
    path = os.environ.get("PULLKEEPER_BIN", "")
    return Path(path) if path and Path(path).is_file() else None


def secret_values(broken):
    estate = make_fixtures.Estate(broken)
    estate.files()
    return estate.secret_values


class DoctorOnFixtures(unittest.TestCase):
    def setUp(self):
        if binary() is None:
            self.skipTest(f"pullkeeper binary not found at {os.environ.get('PULLKEEPER_BIN')!r}")

    def doctor(self, fixture, *args):
        result = subprocess.run(
            [str(binary()), "doctor", "--snapshot", str(FIXTURES / fixture), "--now", NOW, *args],
            capture_output=True, text=True, timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
        for value in secret_values(fixture == "outage-broken"):
            for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
                self.assertNotIn(value, text, f"a secret value from {fixture} reached {stream}")
        return result

    def report(self, fixture):
        result = self.doctor(fixture, "--output", "json")
        self.assertIn(result.returncode, (0, 1), result.stderr)
        return result.returncode, json.loads(result.stdout)

    def test_healthy_estate_exits_zero_without_an_error(self):
        code, report = self.report("outage-healthy")
        errors = [f["id"] for f in report["findings"] if f["severity"] == "error"]
        self.assertEqual(errors, [])
        self.assertEqual(code, 0)
        self.assertEqual(report["now"], NOW)

    def test_the_junk_file_and_config_maps_are_skipped_and_counted(self):
        for fixture in ("outage-broken", "outage-healthy"):
            _, report = self.report(fixture)
            self.assertEqual(report["skipped"], {"not JSON": 1, "kind ConfigMap": 3}, fixture)

    def test_the_skipped_file_is_named(self):
        _, report = self.report("outage-broken")
        self.assertEqual(report["skipped_files"],
                         {"not JSON": [str(FIXTURES / "outage-broken" / "nodes.json")]})
        self.assertEqual(report["not_checked"], [])

    def test_a_pods_file_holding_kubectls_error_is_named_and_the_gap_said(self):
        # kubectl's error instead of its output: the pull checks have nothing to look at, and
        # the report must say so instead of reading as "all is well".
        with tempfile.TemporaryDirectory() as directory:
            snapshot = Path(directory) / "snap"
            shutil.copytree(FIXTURES / "outage-healthy", snapshot)
            (snapshot / "pods.json").write_text(
                "error: You must be logged in to the server (Unauthorized)\n")
            result = subprocess.run(
                [str(binary()), "doctor", "--snapshot", str(snapshot), "--now", NOW],
                capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL)
            for value in secret_values(False):
                self.assertNotIn(value, result.stdout + result.stderr)
            self.assertIn("not checked: no Pod was read", result.stdout)
            self.assertIn(f"not JSON ({snapshot / 'nodes.json'}, {snapshot / 'pods.json'})",
                          result.stdout)

    def test_a_directory_with_nothing_usable_exits_two_naming_the_files(self):
        with tempfile.TemporaryDirectory() as directory:
            empty = subprocess.run(
                [str(binary()), "doctor", "--snapshot", directory, "--now", NOW],
                capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL)
            self.assertEqual(empty.returncode, 2, empty.stderr)
            self.assertIn("it holds no *.json file", empty.stderr)
            self.assertNotIn("no problems found", empty.stdout)
            (Path(directory) / "pods.json").write_text("error: the server doesn't have a "
                                                       "resource type \"pods\"\n")
            junk = subprocess.run(
                [str(binary()), "doctor", "--snapshot", directory, "--now", NOW],
                capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL)
            self.assertEqual(junk.returncode, 2, junk.stderr)
            self.assertIn(f"not JSON: {Path(directory) / 'pods.json'}", junk.stderr)

    def test_text_output_names_the_summary_and_prints_no_secret(self):
        for fixture in ("outage-broken", "outage-healthy"):
            result = self.doctor(fixture)
            self.assertIn("summary: ", result.stdout, fixture)

    def test_broken_estate_prints_the_outage_chain_root_first(self):
        code, report = self.report("outage-broken")
        self.assertEqual(code, 1)
        findings = {f["id"]: f for f in report["findings"]}
        causes = {id: set(f["causes"]) for id, f in findings.items()}

        self.assertEqual(causes.get(EXTERNAL_SECRET), set(), sorted(findings))
        self.assertIn(EXTERNAL_SECRET, causes.get(MISSING_SECRET, ()))
        self.assertIn(MISSING_SECRET, causes.get(CRONJOB, ()))
        for ns, expired in EXPIRED.items():
            self.assertIn(CRONJOB, causes.get(expired, ()), ns)
            pulls = [f for f in report["findings"] if f["check"] == "image-pull-failing"
                     and f["object"]["namespace"] == ns]
            self.assertEqual(len(pulls), 2, ns)
            for pull in pulls:
                self.assertEqual(pull["object"]["kind"], "Pod")
                self.assertIn(expired, pull["causes"])
        self.assertIn(TARGETS, findings)
        self.assertIn(LISTENER, findings)
        self.assertIn(EXTERNAL_SECRET, report["root_causes"])
        self.assertIn(TARGETS, report["root_causes"])
        for not_root in (MISSING_SECRET, CRONJOB, *EXPIRED.values()):
            self.assertNotIn(not_root, report["root_causes"])

    def test_broken_estate_text_starts_with_the_external_secret(self):
        result = self.doctor("outage-broken")
        self.assertEqual(result.returncode, 1)
        self.assertIn("ROOT external-secret-broken ExternalSecret infra/aws-credentials",
                      result.stdout)

    def test_usage_errors_exit_two(self):
        cases = {
            "missing directory": ["doctor", "--snapshot", str(FIXTURES / "no-such-dir")],
            "bad --now": ["doctor", "--snapshot", str(FIXTURES / "outage-healthy"),
                          "--now", "yesterday"],
            "bad duration": ["doctor", "--snapshot", str(FIXTURES / "outage-healthy"),
                             "--expiry-warning", "2 hours"],
            "bad output": ["doctor", "--snapshot", str(FIXTURES / "outage-healthy"),
                           "--output", "yaml"],
        }
        for name, args in cases.items():
            with self.subTest(name):
                result = subprocess.run([str(binary()), *args], capture_output=True, text=True,
                                        timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
                self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        # Without --snapshot doctor reads the live cluster; with no kubeconfig anywhere (an
        # empty HOME, no KUBECONFIG, not in a pod) that is a configuration error, as for sync.
        with tempfile.TemporaryDirectory(prefix="pk-home-") as home:
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
                   "AWS_EC2_METADATA_DISABLED": "true"}
            result = subprocess.run([str(binary()), "doctor"], capture_output=True, text=True,
                                    timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL, env=env)
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn("--snapshot", result.stderr)


if __name__ == "__main__":
    outcome = unittest.main(exit=False).result
    if not outcome.wasSuccessful():
        sys.exit(1)
    if outcome.testsRun and len(outcome.skipped) == outcome.testsRun:
        sys.exit(77)
