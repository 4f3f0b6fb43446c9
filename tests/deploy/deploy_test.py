"""Checks deploy/: it renders with the real `kubectl kustomize`, the CronJob and the initial
Job run the same pod, the AWS credentials secret is optional (so a missing one fails the Job
with exit code 3 instead of hanging the pod), and the RBAC grants no more than sync needs."""

import os
import shutil
import subprocess
import sys
import unittest

import yaml

DEPLOY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy")


def kubectl_binary():
    dispatcher = shutil.which("kubectl")
    if not dispatcher:
        return None
    # The kubectl on PATH may be the gcloud dispatcher; the pinned binary sits beside its target.
    pinned = os.path.join(os.path.dirname(os.path.realpath(dispatcher)), "kubectl.1.32")
    return pinned if os.path.exists(pinned) else dispatcher


class RenderedManifests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        kubectl = kubectl_binary()
        if kubectl is None:
            raise unittest.SkipTest("kubectl not installed; cannot render deploy/")
        rendered = subprocess.run([kubectl, "kustomize", DEPLOY], capture_output=True,
                                  text=True, timeout=60, check=True).stdout
        cls.objects = [o for o in yaml.safe_load_all(rendered) if o]

    def find(self, kind, name=None, namespace=None):
        return [o for o in self.objects if o["kind"] == kind
                and (name is None or o["metadata"]["name"] == name)
                and (namespace is None or o["metadata"].get("namespace") == namespace)]

    def test_renders_every_expected_kind(self):
        kinds = sorted({o["kind"] for o in self.objects})
        self.assertEqual(kinds, ["CronJob", "Job", "Namespace", "Role", "RoleBinding",
                                 "ServiceAccount"])

    def test_initial_job_runs_the_same_pod_as_the_cronjob(self):
        cronjob = self.find("CronJob", "pullkeeper")[0]
        job = self.find("Job", "pullkeeper-initial-sync")[0]
        self.assertEqual(cronjob["spec"]["jobTemplate"]["spec"]["template"],
                         job["spec"]["template"])

    def test_cronjob_refreshes_well_within_the_token_lifetime(self):
        cronjob = self.find("CronJob", "pullkeeper")[0]
        self.assertEqual(cronjob["spec"]["schedule"], "0 */4 * * *")
        self.assertEqual(cronjob["spec"]["concurrencyPolicy"], "Forbid")

    def test_aws_credentials_are_optional_so_a_missing_secret_fails_loudly(self):
        pod = self.find("CronJob")[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        env = pod["containers"][0]["env"]
        refs = [e["valueFrom"]["secretKeyRef"] for e in env if "valueFrom" in e]
        self.assertEqual({r["name"] for r in refs}, {"aws-credentials"})
        self.assertTrue(all(r.get("optional") is True for r in refs))

    def test_sync_settings_come_from_the_environment_forms_of_the_flags(self):
        pod = self.find("CronJob")[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
        self.assertEqual(env["PULLKEEPER_NAMESPACES"], "staging,production")
        self.assertEqual(env["PULLKEEPER_SECRET_NAME"], "ecr-registry")
        self.assertEqual(pod["containers"][0]["args"], ["sync"])

    def test_roles_grant_only_create_and_get_update_of_the_one_secret(self):
        for namespace in ("staging", "production"):
            role = self.find("Role", "pullkeeper", namespace)[0]
            grants = set()
            for rule in role["rules"]:
                self.assertEqual(rule["resources"], ["secrets"])
                names = tuple(rule.get("resourceNames", []))
                for verb in rule["verbs"]:
                    grants.add((verb, names))
            self.assertEqual(grants, {("create", ()), ("get", ("ecr-registry",)),
                                      ("update", ("ecr-registry",))})
            binding = self.find("RoleBinding", "pullkeeper", namespace)[0]
            self.assertEqual(binding["subjects"],
                             [{"kind": "ServiceAccount", "name": "pullkeeper",
                               "namespace": "pullkeeper"}])

    def test_pod_runs_unprivileged(self):
        pod = self.find("CronJob")[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        container = pod["containers"][0]["securityContext"]
        self.assertFalse(container["allowPrivilegeEscalation"])
        self.assertTrue(container["readOnlyRootFilesystem"])


if __name__ == "__main__":
    sys.exit(unittest.main())
