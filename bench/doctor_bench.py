#!/usr/bin/env python3
"""Benchmark of `pullkeeper doctor --snapshot` against one `jq` query, in one run.

A platform engineer without doctor answers the first question of an image-pull outage, "which
pods wait on a failing pull?", with jq over `kubectl get pods -A -o json`. Doctor answers that
question and every other check (pull secrets and their expiry, secret references, CronJobs,
ExternalSecrets, load balancer reachability) and links the answers. This script generates a
large snapshot (default: 2,000 namespaces, 50,000 pods, 5,000 secrets), then times both on
the same files, alternating, and prints time, peak RSS, bytes read and the ratio
jq time / doctor time next to the goal (doctor at least 3x faster than that one query).

jq reads only pods.json; doctor reads every file of the snapshot. That favours jq.

Correctness, checked on every run (smoke size included): doctor exits 0 or 1 with a JSON
report, and the pods of its `image-pull-failing` findings are exactly the pods jq prints.
A mismatch exits 1. Timing goals never fail a run unless --check-goals.

The generated mixture (all from one seed, so every run writes the same bytes):

  * namespaces: N (default 2,000) application namespaces plus `infra`;
  * Deployments: 5 per namespace, 5 replicas each (25 pods per namespace), owned through a
    ReplicaSet as on a real cluster; pods carry labels, annotations, ownerReferences, the
    kube-api-access projected volume, a secret volume for about half, probes, resources,
    tolerations, env with secretKeyRefs, envFrom (a ConfigMap, sometimes a Secret), and a
    status as a kubelet writes it (conditions, container statuses with image IDs). No
    managedFields: `kubectl get -o json` omits them since 1.21 unless --show-managed-fields;
  * images: 80% of app containers from ECR, the rest docker.io, quay.io, ghcr.io; 40% of
    pods have a sidecar, 30% an init container;
  * failing pulls: in namespaces whose ECR pull secret has expired (5%), 40% of pods wait in
    ErrImagePull or ImagePullBackOff (401 Unauthorized); elsewhere 1% of pods wait on a tag
    that does not exist (manifest unknown), half of those in an init container; each
    failing pod has the kubelet's three Events; one pod in ten has a Pulled Event;
  * secrets: one `ecr-registry` dockerconfigjson per namespace whose password is a
    real-shaped ECR token (base64 JSON with an `expiration`): 90% healthy, 5% expiring
    within the warning window, 5% expired; one Opaque database secret per namespace; a
    kubernetes.io/tls secret in half of them; Opaque API-key secrets to make 2.5 secrets per
    namespace (5,000 at the default size), plus the refresher's AWS credentials;
  * ServiceAccounts: `default` and one app account per namespace, some listing the pull secret;
  * CronJobs: the `ecr-refresh` refresher in `infra`, and a report CronJob in 10% of the
    namespaces, of which one in ten is failing; each keeps two Jobs;
  * ExternalSecrets and SecretStores: 20% of namespaces get their database secret from
    Secrets Manager; one in twenty of those has a PLACEHOLDER remote key, is not Ready, and
    its secret is missing (so pods referencing it are found too);
  * AWS: two security groups, 50 node instances, one internet-facing ALB with a target
    group, its health and two listeners, so the network checks run.

Peak RSS: a child of this Python process would report this process's own high-water mark
(Linux folds the pre-exec address space into ru_maxrss, see bench/README.md), so each command
is started by GNU time (`/usr/bin/time -f %M`, itself a small process), whose os.wait4 of its
child gives a clean ru_maxrss; without it the child's VmHWM is sampled (bench/measure.py).

No token, key or password is printed: the output holds counts, times and sizes only.
"""

from __future__ import annotations

import argparse
import base64
import calendar
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import BenchFailure, Measured, format_mb, rss_method, run_measured

REPO_ROOT = Path(__file__).resolve().parents[1]
EXIT_OK, EXIT_BROKEN, EXIT_GOAL_MISSED, EXIT_SKIPPED = 0, 1, 3, 77
RATIO_GOAL = 3.0
SEED = 20261120
NOW = "2026-11-20T14:30:00Z"
ACCOUNT = "123456789012"
REGION = "us-east-1"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
PODS_PER_DEPLOYMENT = 5
DEPLOYMENTS_PER_NAMESPACE = 5
NODES = 50
STAMP_NAME = "bench-generated.txt"
# Raised whenever the generator writes different bytes, so that a --keep snapshot of an
# older generator is not reused (2: Failed events quote the registry's error in back-off too,
# and the container that waits is the one whose pull fails, not always the first).
GENERATOR_VERSION = 2
JQ = Path("/usr/bin/jq")
# The question, as a user would ask it of `kubectl get pods -A -o json`.
JQ_FILTER = ('.items[] | select([(.status.containerStatuses // [])[], '
             '(.status.initContainerStatuses // [])[] | .state.waiting.reason] '
             '| any(. == "ErrImagePull" or . == "ImagePullBackOff")) '
             '| "\\(.metadata.namespace)/\\(.metadata.name)"')
BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
HEX = "0123456789abcdef"
LOWER = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet of ReplicaSet and pod name suffixes
APPS = ["api", "web", "worker", "billing", "search", "auth", "notifier", "gateway", "ingest",
        "reports", "catalog", "checkout", "media", "profile", "scheduler"]
TEAMS = ["payments", "growth", "platform", "data", "identity", "retail", "logistics", "ml",
         "support", "marketing"]
PUBLIC_IMAGES = ["docker.io/library/nginx:1.27.2", "quay.io/prometheus/node-exporter:v1.8.2",
                 "ghcr.io/open-telemetry/opentelemetry-collector-releases/"
                 "opentelemetry-collector:0.112.0", "docker.io/bitnami/redis:7.4.1"]
SIDECARS = [("envoy", "docker.io/envoyproxy/envoy:v1.31.3"),
            ("fluent-bit", f"{REGISTRY}/platform/fluent-bit:3.1.9"),
            ("otel-agent", "ghcr.io/open-telemetry/opentelemetry-collector-releases/"
                           "opentelemetry-collector:0.112.0")]


def unix(rfc3339: str) -> int:
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


def rfc3339(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


# --------------------------------------------------------------------------------------
# The generated snapshot


class Generator:
    """Builds the estate; every random choice comes from one seeded generator."""

    def __init__(self, namespaces: int):
        self.rng = random.Random(SEED)
        self.now = unix(NOW)
        self.namespaces = [f"{TEAMS[i % len(TEAMS)]}-{APPS[i % len(APPS)]}-{i:04d}"
                           for i in range(namespaces)]
        # Per namespace: the pull secret's state, whether it uses ESO, and whether ESO broke.
        self.secret_state: dict[str, str] = {}
        self.uses_eso: dict[str, bool] = {}
        self.eso_broken: dict[str, bool] = {}
        for i, ns in enumerate(self.namespaces):
            roll = i % 20
            self.secret_state[ns] = "expired" if roll == 7 else "expiring" if roll == 13 else \
                "healthy"
            self.uses_eso[ns] = i % 5 == 2
            self.eso_broken[ns] = self.uses_eso[ns] and i % 100 == 42
        self.failing_pods: set[str] = set()  # "ns/name", what the answer must be
        self.pods_written = 0

    def text(self, length: int, alphabet: str = HEX) -> str:
        return "".join(self.rng.choices(alphabet, k=length))

    def uid(self) -> str:
        h = self.text(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def metadata(self, name: str, namespace: str | None, created: str, **extra) -> dict:
        meta = {"name": name}
        if namespace:
            meta["namespace"] = namespace
        meta.update({"uid": self.uid(), "resourceVersion": str(self.rng.randint(10**6, 10**8)),
                     "creationTimestamp": created})
        meta.update(extra)
        return meta

    def ecr_token(self, expires_at: int) -> str:
        envelope = {"payload": self.text(1200, BASE64_ALPHABET),
                    "datakey": self.text(400, BASE64_ALPHABET), "version": "2",
                    "type": "DATA_KEY", "expiration": expires_at}
        return b64(json.dumps(envelope, separators=(",", ":")))

    # --- secrets ------------------------------------------------------------------------
    def pull_secret(self, ns: str) -> dict:
        state = self.secret_state[ns]
        offset = {"expired": -3 * 3600, "expiring": 3600, "healthy": 9 * 3600}[state]
        expires = self.now + offset + self.rng.randint(0, 1800)
        token = self.ecr_token(expires)
        config = {"auths": {REGISTRY: {"username": "AWS", "password": token,
                                       "auth": b64("AWS:" + token)}}}
        return {"apiVersion": "v1", "kind": "Secret",
                "metadata": self.metadata(
                    "ecr-registry", ns, rfc3339(expires - 12 * 3600),
                    labels={"app.kubernetes.io/managed-by": "pullkeeper"},
                    annotations={"pullkeeper.io/token-expires-at": rfc3339(expires)}),
                "type": "kubernetes.io/dockerconfigjson",
                "data": {".dockerconfigjson": b64(json.dumps(config, separators=(",", ":")))}}

    def database_secret(self, ns: str) -> dict:
        meta = self.metadata(f"{ns}-db", ns, "2026-03-02T09:10:00Z",
                             labels={"app.kubernetes.io/part-of": ns})
        if self.uses_eso[ns]:
            meta["ownerReferences"] = [{"apiVersion": "external-secrets.io/v1beta1",
                                        "kind": "ExternalSecret", "name": f"{ns}-db",
                                        "uid": self.uid(), "controller": True,
                                        "blockOwnerDeletion": True}]
        return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque",
                "data": {"username": b64("app_" + self.text(6, LOWER)),
                         "password": b64(self.text(32, BASE64_ALPHABET)),
                         "host": b64(f"{ns}.cluster-abc.{REGION}.rds.amazonaws.com")}}

    def tls_secret(self, ns: str) -> dict:
        return {"apiVersion": "v1", "kind": "Secret",
                "metadata": self.metadata(f"{ns}-tls", ns, "2026-09-01T00:00:00Z", annotations={
                    "cert-manager.io/issuer-name": "letsencrypt",
                    "cert-manager.io/common-name": f"{ns}.example.com"}),
                "type": "kubernetes.io/tls",
                "data": {"tls.crt": self.text(1600, BASE64_ALPHABET),
                         "tls.key": self.text(1200, BASE64_ALPHABET)}}

    def has_tls(self, ns_index: int) -> bool:
        return ns_index % 2 == 0

    def secrets(self):
        # 2.5 per namespace (5,000 for 2,000): the three kinds above, topped up with an
        # Opaque API-key secret in the first namespaces.
        base = sum(2 + (not self.eso_broken[ns]) + self.has_tls(i) - 1
                   for i, ns in enumerate(self.namespaces))
        extra = max(0, round(2.5 * len(self.namespaces)) - base - 1)
        for i, ns in enumerate(self.namespaces):
            yield self.pull_secret(ns)
            if not self.eso_broken[ns]:
                yield self.database_secret(ns)
            if self.has_tls(i):
                yield self.tls_secret(ns)
            if i < extra:
                yield {"apiVersion": "v1", "kind": "Secret",
                       "metadata": self.metadata(f"{ns}-api-keys", ns, "2026-06-01T00:00:00Z"),
                       "type": "Opaque", "data": {"stripe": b64(self.text(32, LOWER)),
                                                  "sentry-dsn": b64(self.text(40, LOWER))}}
        yield {"apiVersion": "v1", "kind": "Secret",
               "metadata": self.metadata("aws-credentials", "infra", "2026-03-02T09:10:00Z"),
               "type": "Opaque", "data": {"access-key-id": b64("AKIA" + self.text(16, LOWER)),
                                          "secret-access-key": b64(self.text(40))}}

    # --- workloads ----------------------------------------------------------------------
    def app_image(self, ns: str, app: str) -> str:
        if self.rng.random() < 0.8:
            return f"{REGISTRY}/{ns.rsplit('-', 1)[0]}/{app}:v1.{self.rng.randint(0, 40)}." \
                   f"{self.rng.randint(0, 9)}-{self.text(7)}"
        return self.rng.choice(PUBLIC_IMAGES)

    def container(self, ns: str, app: str, image: str, with_secret_env: bool,
                  env_from_secret: bool) -> dict:
        env = [{"name": "APP_ENV", "value": "production"},
               {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                               "fieldPath": "metadata.name"}}}]
        if with_secret_env:
            for variable, key in (("DB_USER", "username"), ("DB_PASSWORD", "password")):
                env.append({"name": variable, "valueFrom": {"secretKeyRef": {
                    "name": f"{ns}-db", "key": key}}})
        env_from = [{"configMapRef": {"name": f"{app}-config"}}]
        if env_from_secret:
            env_from.append({"secretRef": {"name": f"{ns}-db"}})
        return {
            "name": app, "image": image, "imagePullPolicy": "IfNotPresent",
            "env": env, "envFrom": env_from,
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "resources": {"limits": {"memory": "512Mi"},
                          "requests": {"cpu": "100m", "memory": "256Mi"}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"},
                               "timeoutSeconds": 1, "periodSeconds": 5,
                               "successThreshold": 1, "failureThreshold": 3},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True},
                             {"name": "kube-api-access", "mountPath":
                              "/var/run/secrets/kubernetes.io/serviceaccount",
                              "readOnly": True}],
        }

    @staticmethod
    def sidecar(name: str, image: str) -> dict:
        return {"name": name, "image": image, "imagePullPolicy": "IfNotPresent",
                "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "volumeMounts": [{"name": "kube-api-access", "mountPath":
                                  "/var/run/secrets/kubernetes.io/serviceaccount",
                                  "readOnly": True}]}

    def deployment_template(self, ns: str, ns_index: int, d: int) -> dict:
        app = APPS[(ns_index + d) % len(APPS)]
        containers = [self.container(ns, app, self.app_image(ns, app), with_secret_env=d % 2 == 0,
                                     env_from_secret=d == 3)]
        if self.rng.random() < 0.4:
            name, image = self.rng.choice(SIDECARS)
            containers.append(self.sidecar(name, image))
        init = []
        if self.rng.random() < 0.3:
            migrate = self.container(ns, "migrate", f"{REGISTRY}/{ns.rsplit('-', 1)[0]}/"
                                     f"{app}-migrations:v1.{self.rng.randint(0, 40)}", True, False)
            for unused in ("readinessProbe", "ports", "envFrom"):
                del migrate[unused]
            init.append(migrate)
        volumes = [{"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}}]
        if self.has_tls(ns_index) and d == 0:
            volumes.append({"name": "tls", "secret": {"secretName": f"{ns}-tls",
                                                      "defaultMode": 420}})
            containers[0]["volumeMounts"].append({"name": "tls", "mountPath": "/etc/tls",
                                                  "readOnly": True})
        return {"app": app, "containers": containers, "init": init, "volumes": volumes,
                "hash": self.text(10, LOWER), "account": f"{app}-sa" if d % 2 else "default"}

    def pod(self, ns: str, template: dict, replica: int, node: int) -> dict:
        app, rs_hash = template["app"], template["hash"]
        name = f"{app}-{rs_hash}-{self.text(5, LOWER)}"
        created = self.now - self.rng.randint(600, 20 * 86400)
        containers = json.loads(json.dumps(template["containers"]))
        init = json.loads(json.dumps(template["init"]))
        volumes = json.loads(json.dumps(template["volumes"]))
        volumes.append({"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt",
                                                                   "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}})
        # Which container (if any) waits on a failing pull; the runtime's message (in
        # ImagePullBackOff only "Back-off pulling image"), and the registry's error, which the
        # kubelet's Failed event quotes in either state.
        failing_role, reason, message, pull_error, target = None, "", "", "", None
        expired = self.secret_state[ns] == "expired"
        if expired and self.rng.random() < 0.4:
            ecr = [c for c in init + containers if c["image"].startswith(REGISTRY)]
            if ecr:
                target = ecr[0]
                failing_role = "init" if target in init else "main"
                image = target["image"]
                pull_error = (f'failed to pull and unpack image "{image}": failed to resolve '
                              f'reference "{image}": unexpected status from HEAD request to '
                              f'https://{REGISTRY}/v2/: 401 Unauthorized')
                if self.rng.random() < 0.3:
                    reason, message = "ErrImagePull", pull_error
                else:
                    reason, message = "ImagePullBackOff", f'Back-off pulling image "{image}"'
        elif not expired and self.rng.random() < 0.01:
            target = init[0] if init and self.rng.random() < 0.5 else containers[0]
            failing_role = "init" if target in init else "main"
            target["image"] = target["image"].rsplit(":", 1)[0] + ":v9.9.9-missing"
            image = target["image"]
            reason = self.rng.choice(["ErrImagePull", "ImagePullBackOff"])
            pull_error = (f'rpc error: code = NotFound desc = failed to pull and unpack image '
                          f'"{image}": failed to resolve reference "{image}": {image}: not found')
            message = (pull_error if reason == "ErrImagePull"
                       else f'Back-off pulling image "{image}"')
        started = rfc3339(created + 20)

        def status(container: dict, state: dict, ready: bool, restarts: int = 0) -> dict:
            entry = {"name": container["name"], "state": state, "lastState": {}, "ready": ready,
                     "restartCount": restarts, "image": container["image"],
                     "imageID": "" if "waiting" in state else
                     f"{container['image'].split(':')[0]}@sha256:{self.text(64)}",
                     "started": ready}
            if "waiting" not in state:
                entry["containerID"] = f"containerd://{self.text(64)}"
            return entry

        waiting = {"waiting": {"reason": reason, "message": message}}
        init_statuses, statuses = [], []
        for c in init:
            if c is target:
                init_statuses.append(status(c, waiting, False))
            else:
                init_statuses.append(status(c, {"terminated": {
                    "exitCode": 0, "reason": "Completed", "startedAt": started,
                    "finishedAt": rfc3339(created + 31),
                    "containerID": f"containerd://{self.text(64)}"}}, False))
        for c in containers:
            if c is target:
                statuses.append(status(c, waiting, False))
            elif failing_role is not None:
                statuses.append(status(c, {"waiting": {"reason": "PodInitializing"}}, False)
                                if failing_role == "init" else
                                status(c, {"running": {"startedAt": started}}, True))
            else:
                statuses.append(status(c, {"running": {"startedAt": started}}, True,
                                       self.rng.choice([0, 0, 0, 1])))
        ready = failing_role is None
        condition_time = rfc3339(created + 35)
        conditions = [{"type": t, "status": "True" if ready or t in ("PodScheduled",) else "False",
                       "lastProbeTime": None, "lastTransitionTime": condition_time}
                      for t in ("PodReadyToStartContainers", "Initialized", "Ready",
                                "ContainersReady", "PodScheduled")]
        ip = f"10.0.{self.rng.randint(32, 250)}.{self.rng.randint(2, 250)}"
        node_ip = f"10.0.{node // 25 + 1}.{10 + node % 25}"
        spec = {"containers": containers, "volumes": volumes,
                "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
                "dnsPolicy": "ClusterFirst", "serviceAccountName": template["account"],
                "serviceAccount": template["account"],
                "nodeName": f"ip-{node_ip.replace('.', '-')}.ec2.internal",
                "securityContext": {"fsGroup": 1000}, "imagePullSecrets": [
                    {"name": "ecr-registry"}], "schedulerName": "default-scheduler",
                "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                 "effect": "NoExecute", "tolerationSeconds": 300},
                                {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                 "effect": "NoExecute", "tolerationSeconds": 300}],
                "priority": 0, "enableServiceLinks": True,
                "preemptionPolicy": "PreemptLowerPriority"}
        if init:
            spec["initContainers"] = init
        pod_status = {"phase": "Running" if ready else "Pending", "conditions": conditions,
                      "hostIP": node_ip, "hostIPs": [{"ip": node_ip}], "podIP": ip,
                      "podIPs": [{"ip": ip}], "startTime": rfc3339(created + 2),
                      "containerStatuses": statuses, "qosClass": "Burstable"}
        if init_statuses:
            pod_status["initContainerStatuses"] = init_statuses
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": self.metadata(
                   name, ns, rfc3339(created), generateName=f"{app}-{rs_hash}-",
                   labels={"app.kubernetes.io/name": app, "app.kubernetes.io/instance": ns,
                           "app.kubernetes.io/version": "v1", "pod-template-hash": rs_hash},
                   annotations={"kubectl.kubernetes.io/restartedAt": "2026-11-01T08:00:00Z",
                                "prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
                   ownerReferences=[{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                     "name": f"{app}-{rs_hash}", "uid": self.uid(),
                                     "controller": True, "blockOwnerDeletion": True}]),
               "spec": spec, "status": pod_status}
        if failing_role is not None:
            self.failing_pods.add(f"{ns}/{name}")
            pod["_failing"] = (failing_role, reason, pull_error, target["name"])
        return pod

    def deployment(self, ns: str, template: dict, failing: int) -> dict:
        app = template["app"]
        pod_spec = {"containers": template["containers"], "volumes": template["volumes"],
                    "serviceAccountName": template["account"],
                    "imagePullSecrets": [{"name": "ecr-registry"}]}
        if template["init"]:
            pod_spec["initContainers"] = template["init"]
        available = PODS_PER_DEPLOYMENT - failing
        return {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": self.metadata(app, ns, "2026-03-02T10:00:00Z", generation=7,
                                          labels={"app.kubernetes.io/name": app}, annotations={
                                              "deployment.kubernetes.io/revision": "7"}),
                "spec": {"replicas": PODS_PER_DEPLOYMENT, "revisionHistoryLimit": 10,
                         "selector": {"matchLabels": {"app.kubernetes.io/name": app}},
                         "strategy": {"type": "RollingUpdate", "rollingUpdate": {
                             "maxSurge": "25%", "maxUnavailable": "25%"}},
                         "template": {"metadata": {"labels": {"app.kubernetes.io/name": app}},
                                      "spec": pod_spec}},
                "status": {"observedGeneration": 7, "replicas": PODS_PER_DEPLOYMENT,
                           "updatedReplicas": PODS_PER_DEPLOYMENT,
                           "readyReplicas": available, "availableReplicas": available,
                           **({"unavailableReplicas": failing} if failing else {})}}

    def pull_events(self, pod: dict) -> list[dict]:
        role, reason, pull_error, container = pod["_failing"]
        meta = pod["metadata"]
        image = next(c["image"] for c in pod["spec"].get("initContainers", []) +
                     pod["spec"]["containers"] if c["name"] == container)
        field_path = f"spec.{'initContainers' if role == 'init' else 'containers'}{{{container}}}"
        happenings = [("Failed", "Warning", f'Failed to pull image "{image}": {pull_error}', 9),
                      ("Failed", "Warning", "Error: ErrImagePull", 9),
                      ("BackOff", "Normal", f'Back-off pulling image "{image}"', 140)]
        return [self.event(meta, field_path, reason_, kind, text, count)
                for reason_, kind, text, count in happenings]

    def event(self, meta: dict, field_path: str, reason: str, kind: str, message: str,
              count: int) -> dict:
        return {"apiVersion": "v1", "kind": "Event",
                "metadata": self.metadata(f"{meta['name']}.{self.text(16)}", meta["namespace"],
                                          rfc3339(self.now - 3000)),
                "involvedObject": {"kind": "Pod", "namespace": meta["namespace"],
                                   "name": meta["name"], "uid": meta["uid"], "apiVersion": "v1",
                                   "fieldPath": field_path},
                "reason": reason, "type": kind, "message": message, "count": count,
                "firstTimestamp": rfc3339(self.now - 3000),
                "lastTimestamp": rfc3339(self.now - 60),
                "source": {"component": "kubelet"}, "reportingComponent": "kubelet",
                "reportingInstance": ""}

    def workloads(self, pods_out, deployments_out, events_out) -> None:
        """Pods, Deployments and Events together: they are generated from one template."""
        node = 0
        for ns_index, ns in enumerate(self.namespaces):
            for d in range(DEPLOYMENTS_PER_NAMESPACE):
                template = self.deployment_template(ns, ns_index, d)
                failing = 0
                for replica in range(PODS_PER_DEPLOYMENT):
                    pod = self.pod(ns, template, replica, node % NODES)
                    node += 1
                    if "_failing" in pod:
                        failing += 1
                        for event in self.pull_events(pod):
                            events_out(event)
                        del pod["_failing"]
                    elif self.rng.random() < 0.1:
                        c = pod["spec"]["containers"][0]
                        events_out(self.event(pod["metadata"], f"spec.containers{{{c['name']}}}",
                                              "Pulled", "Normal",
                                              f'Container image "{c["image"]}" already '
                                              "present on machine", 1))
                    pods_out(pod)
                    self.pods_written += 1
                deployments_out(self.deployment(ns, template, failing))

    def service_accounts(self):
        for i, ns in enumerate(self.namespaces):
            for name in ("default", f"{APPS[(i + 1) % len(APPS)]}-sa",
                         f"{APPS[(i + 3) % len(APPS)]}-sa"):
                account = {"apiVersion": "v1", "kind": "ServiceAccount",
                           "metadata": self.metadata(name, ns, "2026-03-01T08:00:00Z")}
                if name != "default" and i % 3 == 0:
                    account["imagePullSecrets"] = [{"name": "ecr-registry"}]
                yield account
        yield {"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": self.metadata("ecr-refresh", "infra", "2026-03-02T09:00:00Z")}

    def cronjob(self, name: str, ns: str, image: str, args: list[str], failing: bool,
                env: list[dict]) -> tuple[dict, list[dict]]:
        template = {"spec": {"backoffLimit": 0, "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"restartPolicy": "Never", "containers": [{
                "name": name, "image": image, "args": args, "env": env,
                "imagePullPolicy": "IfNotPresent", "resources": {}}]}}}}
        status = {"lastScheduleTime": "2026-11-20T12:00:00Z"}
        if not failing:
            status["lastSuccessfulTime"] = "2026-11-20T12:00:41Z"
        cron = {"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": self.metadata(name, ns, "2026-03-02T09:00:00Z"),
                "spec": {"schedule": "0 */6 * * *", "concurrencyPolicy": "Forbid",
                         "suspend": False, "successfulJobsHistoryLimit": 3,
                         "failedJobsHistoryLimit": 3, "jobTemplate": template},
                "status": status}
        jobs = []
        for start in ("2026-11-20T06:00:00Z", "2026-11-20T12:00:00Z"):
            job_name = f"{name}-{unix(start) // 60}"
            ended = start[:-3] + "41Z"
            if failing:
                job_status = {"startTime": start, "failed": 1, "conditions": [{
                    "type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit",
                    "lastProbeTime": ended, "lastTransitionTime": ended}]}
            else:
                job_status = {"startTime": start, "completionTime": ended, "succeeded": 1,
                              "conditions": [{"type": "Complete", "status": "True",
                                              "lastProbeTime": ended,
                                              "lastTransitionTime": ended}]}
            jobs.append({"apiVersion": "batch/v1", "kind": "Job",
                         "metadata": self.metadata(job_name, ns, start,
                                                   labels={"job-name": job_name},
                                                   ownerReferences=[{
                                                       "apiVersion": "batch/v1",
                                                       "kind": "CronJob", "name": name,
                                                       "uid": cron["metadata"]["uid"],
                                                       "controller": True,
                                                       "blockOwnerDeletion": True}]),
                         "spec": json.loads(json.dumps(template["spec"])),
                         "status": job_status})
        return cron, jobs

    def cronjobs_and_jobs(self) -> tuple[list[dict], list[dict]]:
        refresher_env = [{"name": "AWS_ACCESS_KEY_ID", "valueFrom": {"secretKeyRef": {
            "name": "aws-credentials", "key": "access-key-id"}}},
            {"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": {"secretKeyRef": {
                "name": "aws-credentials", "key": "secret-access-key"}}}]
        cron, jobs = self.cronjob("ecr-refresh", "infra", "ghcr.io/pullkeeper/pullkeeper:0.4.0",
                                  ["sync", "--region", REGION, "--secret-name", "ecr-registry",
                                   "--all-namespaces"], False, refresher_env)
        crons, all_jobs = [cron], list(jobs)
        for i, ns in enumerate(self.namespaces):
            if i % 10 != 4:
                continue
            env = [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {
                "name": f"{ns}-db", "key": "password"}}}] if not self.eso_broken[ns] else []
            cron, jobs = self.cronjob("nightly-report", ns, f"{REGISTRY}/reports/runner:2.3.1",
                                      ["--since=24h"], i % 100 == 14, env)
            crons.append(cron)
            all_jobs += jobs
        return crons, all_jobs

    def external_secrets(self) -> tuple[list[dict], list[dict]]:
        stores, externals = [], []
        for ns in self.namespaces:
            if not self.uses_eso[ns]:
                continue
            stores.append({
                "apiVersion": "external-secrets.io/v1beta1", "kind": "SecretStore",
                "metadata": self.metadata("aws-secrets-manager", ns, "2026-03-02T09:00:00Z"),
                "spec": {"provider": {"aws": {"service": "SecretsManager", "region": REGION,
                                              "auth": {"jwt": {"serviceAccountRef": {
                                                  "name": "external-secrets"}}}}}},
                "status": {"capabilities": "ReadWrite", "conditions": [{
                    "type": "Ready", "status": "True", "reason": "Valid",
                    "message": "store validated",
                    "lastTransitionTime": "2026-03-02T09:00:05Z"}]}})
            broken = self.eso_broken[ns]
            remote = "PLACEHOLDER" if broken else f"prod/{ns}/db"
            ready = ({"type": "Ready", "status": "False", "reason": "SecretSyncedError",
                      "message": "could not get secret data from provider",
                      "lastTransitionTime": "2026-11-19T13:40:02Z"} if broken else
                     {"type": "Ready", "status": "True", "reason": "SecretSynced",
                      "message": "secret synced", "lastTransitionTime": "2026-11-20T13:00:00Z"})
            externals.append({
                "apiVersion": "external-secrets.io/v1beta1", "kind": "ExternalSecret",
                "metadata": self.metadata(f"{ns}-db", ns, "2026-03-02T09:05:00Z"),
                "spec": {"refreshInterval": "1h",
                         "secretStoreRef": {"name": "aws-secrets-manager", "kind": "SecretStore"},
                         "target": {"name": f"{ns}-db", "creationPolicy": "Owner"},
                         "data": [{"secretKey": key, "remoteRef": {"key": remote,
                                                                   "property": key}}
                                  for key in ("username", "password", "host")]},
                "status": {"conditions": [ready], "refreshTime": "2026-11-20T14:00:00Z"}})
        return stores, externals

    # --- AWS ----------------------------------------------------------------------------
    def aws(self) -> dict[str, dict]:
        lb_arn = (f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:"
                  "loadbalancer/app/shop-alb/50dc6c495c0c9188")
        tg_arn = (f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:"
                  "targetgroup/shop-frontend/73e2d6bc24d8a067")

        def rule(protocol, low, high, cidrs=(), groups=()):
            return {"IpProtocol": protocol, "FromPort": low, "ToPort": high,
                    "IpRanges": [{"CidrIp": c} for c in cidrs], "Ipv6Ranges": [],
                    "PrefixListIds": [],
                    "UserIdGroupPairs": [{"GroupId": g, "UserId": ACCOUNT} for g in groups]}

        egress = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
                   "PrefixListIds": [], "UserIdGroupPairs": []}]
        groups = {"SecurityGroups": [
            {"GroupId": "sg-0alb", "GroupName": "shop-alb", "OwnerId": ACCOUNT,
             "Description": "load balancer", "VpcId": "vpc-0shop",
             "IpPermissions": [rule("tcp", 443, 443, cidrs=["0.0.0.0/0"])],
             "IpPermissionsEgress": egress},
            {"GroupId": "sg-0node", "GroupName": "shop-nodes", "OwnerId": ACCOUNT,
             "Description": "nodes", "VpcId": "vpc-0shop",
             "IpPermissions": [rule("tcp", 30000, 32767, groups=["sg-0alb"]),
                               rule("tcp", 22, 22, cidrs=["10.0.0.0/16"])],
             "IpPermissionsEgress": egress}]}
        instances = []
        for node in range(NODES):
            ip = f"10.0.{node // 25 + 1}.{10 + node % 25}"
            instances.append({"ReservationId": f"r-0{self.text(16)}", "OwnerId": ACCOUNT,
                              "Groups": [], "Instances": [{
                                  "InstanceId": f"i-0{node:016x}", "InstanceType": "m6i.xlarge",
                                  "PrivateIpAddress": ip,
                                  "PrivateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal",
                                  "SubnetId": f"subnet-0{'ab'[node % 2]}", "VpcId": "vpc-0shop",
                                  "SecurityGroups": [{"GroupId": "sg-0node",
                                                      "GroupName": "shop-nodes"}],
                                  "State": {"Code": 16, "Name": "running"},
                                  "Tags": [{"Key": "Name", "Value": f"node-{node}"}]}]})
        forward = [{"Type": "forward", "TargetGroupArn": tg_arn, "Order": 1}]
        return {
            "describe-security-groups.json": groups,
            "describe-instances.json": {"Reservations": instances},
            "describe-load-balancers.json": {"LoadBalancers": [{
                "LoadBalancerArn": lb_arn, "LoadBalancerName": "shop-alb",
                "DNSName": "shop-alb-1234567890.us-east-1.elb.amazonaws.com",
                "Scheme": "internet-facing", "VpcId": "vpc-0shop", "State": {"Code": "active"},
                "Type": "application", "SecurityGroups": ["sg-0alb"], "IpAddressType": "ipv4",
                "AvailabilityZones": [{"ZoneName": "us-east-1a", "SubnetId": "subnet-0a"},
                                      {"ZoneName": "us-east-1b", "SubnetId": "subnet-0b"}]}]},
            "describe-target-groups.json": {"TargetGroups": [{
                "TargetGroupArn": tg_arn, "TargetGroupName": "shop-frontend", "Protocol": "HTTP",
                "Port": 30080, "VpcId": "vpc-0shop", "HealthCheckPort": "traffic-port",
                "LoadBalancerArns": [lb_arn], "TargetType": "instance"}]},
            "describe-target-health.json": {"TargetHealthDescriptions": [
                {"Target": {"Id": f"i-0{node:016x}", "Port": 30080},
                 "HealthCheckPort": "30080", "TargetHealth": {"State": "healthy"}}
                for node in range(NODES)]},
            "describe-listeners.json": {"Listeners": [{
                "ListenerArn": lb_arn.replace(":loadbalancer/", ":listener/") + "/0a1b2c3d",
                "LoadBalancerArn": lb_arn, "Port": 443, "Protocol": "HTTPS",
                "DefaultActions": forward}]},
        }


class ListWriter:
    """Writes a `kubectl get <kind> -A -o json` List item by item, so the largest file never
    sits in this process's memory whole. Items are encoded compactly (Python's C encoder; its
    indenting encoder is pure Python and would take minutes for 50,000 pods), then jq lays the
    file out as kubectl does, with a 4-space indent and the keys in their original order."""

    def __init__(self, path: Path):
        self.path = path
        self.compact_path = path.with_suffix(".compact")
        self.file = open(self.compact_path, "w")
        self.file.write('{"apiVersion":"v1","items":[')
        self.count = 0

    def __call__(self, item: dict) -> None:
        self.file.write(("," if self.count else "") + json.dumps(item, separators=(",", ":")))
        self.count += 1

    def close(self) -> None:
        self.file.write('],"kind":"List","metadata":{"resourceVersion":""}}\n')
        self.file.close()
        with open(self.path, "wb") as out:
            subprocess.run([str(JQ), "--indent", "4", ".", str(self.compact_path)], stdout=out,
                           stdin=subprocess.DEVNULL, check=True)
        self.compact_path.unlink()


def write_list(path: Path, items) -> int:
    writer = ListWriter(path)
    for item in items:
        writer(item)
    writer.close()
    return writer.count


def generate(directory: Path, namespaces: int) -> tuple[dict, set[str]]:
    """Writes the snapshot; returns object counts and the failing pods (ns/name)."""
    gen = Generator(namespaces)
    counts = {}
    counts["namespaces"] = write_list(directory / "namespaces.json", (
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": gen.metadata(ns, None, "2026-03-01T08:00:00Z",
                                  labels={"kubernetes.io/metadata.name": ns}),
         "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
        for ns in gen.namespaces + ["infra"]))
    pods, deployments, events = (ListWriter(directory / f"{kind}.json")
                                 for kind in ("pods", "deployments", "events"))
    gen.workloads(pods, deployments, events)
    for kind, writer in (("pods", pods), ("deployments", deployments), ("events", events)):
        writer.close()
        counts[kind] = writer.count
    counts["secrets"] = write_list(directory / "secrets.json", gen.secrets())
    counts["serviceaccounts"] = write_list(directory / "serviceaccounts.json",
                                           gen.service_accounts())
    crons, jobs = gen.cronjobs_and_jobs()
    counts["cronjobs"] = write_list(directory / "cronjobs.json", crons)
    counts["jobs"] = write_list(directory / "jobs.json", jobs)
    stores, externals = gen.external_secrets()
    counts["secretstores"] = write_list(directory / "secretstores.json", stores)
    counts["externalsecrets"] = write_list(directory / "externalsecrets.json", externals)
    (directory / "aws").mkdir()
    for name, document in gen.aws().items():
        (directory / "aws" / name).write_text(json.dumps(document, indent=4) + "\n")
    counts["failing pods"] = len(gen.failing_pods)
    return counts, gen.failing_pods


# --------------------------------------------------------------------------------------
# Measuring


def run_timed(argv: list[str], stdout_path: str, workdir: Path, timeout: float) -> Measured:
    """One run with stdout to `stdout_path` (see measure.py for how peak RSS is taken)."""
    env = dict(os.environ, AWS_EC2_METADATA_DISABLED="true", LC_ALL="C")
    return run_measured(argv, env, stdout_path, workdir / "stderr.txt", timeout)


def stderr_tail(workdir: Path) -> str:
    return (workdir / "stderr.txt").read_text(errors="replace")[-2000:]


def doctor_argv(binary: Path, snapshot: Path) -> list[str]:
    return [str(binary), "doctor", "--snapshot", str(snapshot), "--now", NOW, "--output", "json"]


def jq_argv(snapshot: Path) -> list[str]:
    return [str(JQ), "-r", JQ_FILTER, str(snapshot / "pods.json")]


def check_answers(binary: Path, snapshot: Path, workdir: Path, expected: set[str]) -> dict:
    """One untimed run of each with its output kept: doctor's failing pods == jq's."""
    report_path, jq_path = workdir / "doctor.json", workdir / "jq.txt"
    doctor = run_timed(doctor_argv(binary, snapshot), str(report_path), workdir, 1800)
    if doctor.returncode not in (0, 1):
        raise BenchFailure(f"pullkeeper doctor exited {doctor.returncode}:\n"
                           f"{stderr_tail(workdir)}")
    try:
        report = json.loads(report_path.read_text())
    except ValueError as error:
        raise BenchFailure(f"pullkeeper doctor printed no JSON report: {error}") from error
    doctor_pods = {f"{f['object']['namespace']}/{f['object']['name']}"
                   for f in report["findings"] if f["check"] == "image-pull-failing"}
    jq = run_timed(jq_argv(snapshot), str(jq_path), workdir, 1800)
    if jq.returncode != 0:
        raise BenchFailure(f"jq exited {jq.returncode}:\n{stderr_tail(workdir)}")
    jq_pods = set(jq_path.read_text().split())
    for who, pods in (("doctor", doctor_pods), ("jq", jq_pods)):
        if pods != expected:
            raise BenchFailure(
                f"{who} names {len(pods)} pods waiting on a failing pull, the generator made "
                f"{len(expected)}: {len(pods - expected)} extra (e.g. "
                f"{sorted(pods - expected)[:3]}), {len(expected - pods)} missing (e.g. "
                f"{sorted(expected - pods)[:3]})")
    by_check: dict[str, int] = {}
    for finding in report["findings"]:
        by_check[finding["check"]] = by_check.get(finding["check"], 0) + 1
    return {"failing_pods": len(doctor_pods), "findings": len(report["findings"]),
            "findings_by_check": dict(sorted(by_check.items())),
            "root_causes": len(report["root_causes"]), "skipped": report["skipped"],
            "report_bytes": report_path.stat().st_size}


def tree_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*.json"))


def load_note() -> str:
    try:
        return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load average unknown"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespaces", type=int, default=2000,
                        help="application namespaces; 25 pods each (default 2000: 50,000 pods)")
    parser.add_argument("--smoke", action="store_true",
                        help="20 namespaces, one timed run each: checks the answers agree")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs of each, alternating; the best is reported (3)")
    parser.add_argument("--keep", metavar="DIR",
                        help="generate into DIR and keep it, or reuse DIR when this script "
                             "generated it with the same --namespaces (default: a temporary "
                             "directory, deleted at the end)")
    parser.add_argument("--json", action="store_true", help="print one JSON document only")
    parser.add_argument("--check-goals", action="store_true",
                        help="exit 3 when doctor is less than 3x faster than jq")
    args = parser.parse_args(argv)
    if args.smoke:
        args.namespaces, args.repeat = 20, 1
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    binary = Path(os.environ.get("PULLKEEPER_BIN", REPO_ROOT / "build/src/cli/pullkeeper"))
    if not binary.is_file():
        print(f"SKIP: pullkeeper binary not found at {binary}; build it (cmake --build build "
              "--target pullkeeper) or set PULLKEEPER_BIN", file=sys.stderr)
        return EXIT_SKIPPED
    if not JQ.is_file():
        print(f"SKIP: {JQ} not found (Debian package jq)", file=sys.stderr)
        return EXIT_SKIPPED
    workdir = Path(tempfile.mkdtemp(prefix="pullkeeper-doctor-bench-"))
    snapshot = Path(args.keep) if args.keep else workdir / "snapshot"
    try:
        stamp = snapshot / STAMP_NAME
        started = time.perf_counter()
        kept_stamp = json.loads(stamp.read_text()) if stamp.is_file() else {}
        if (kept_stamp.get("namespaces") == args.namespaces
                and kept_stamp.get("generator") == GENERATOR_VERSION):
            # A snapshot this generator wrote before, with the same size: reuse it.
            kept = json.loads(stamp.read_text())
            counts, expected = kept["counts"], set(kept["failing_pods"])
            origin = "reused"
        else:
            if snapshot.exists() and any(snapshot.iterdir()):
                raise BenchFailure(f"{snapshot} is neither empty nor a snapshot of "
                                   f"{args.namespaces} namespaces generated by this version "
                                   f"of the script: empty it or pick another --keep directory")
            snapshot.mkdir(parents=True, exist_ok=True)
            counts, expected = generate(snapshot, args.namespaces)
            origin = "generated"
            # Not *.json: doctor must not read it.
            stamp.write_text(json.dumps({"namespaces": args.namespaces,
                                         "generator": GENERATOR_VERSION, "counts": counts,
                                         "failing_pods": sorted(expected)}))
        generate_seconds = time.perf_counter() - started
        if not args.json:
            print(f"{origin} {counts['pods']} pods, {counts['secrets']} secrets, "
                  f"{counts['namespaces']} namespaces, {counts['events']} events "
                  f"({tree_bytes(snapshot) / 1e6:.0f} MB, pods.json "
                  f"{(snapshot / 'pods.json').stat().st_size / 1e6:.0f} MB) in "
                  f"{generate_seconds:.0f} s", flush=True)
        answers = check_answers(binary, snapshot, workdir, expected)
        load_before = load_note()
        runs: dict[str, list[Measured]] = {"doctor": [], "jq": []}
        for _ in range(args.repeat):
            # Alternating, so a burst of load from the other builds hits both alike.
            for name, argv_ in (("doctor", doctor_argv(binary, snapshot)),
                                ("jq", jq_argv(snapshot))):
                measured = run_timed(argv_, os.devnull, workdir, 1800)
                if measured.returncode not in ((0, 1) if name == "doctor" else (0,)):
                    raise BenchFailure(f"{name} exited {measured.returncode}:\n"
                                       f"{stderr_tail(workdir)}")
                runs[name].append(measured)
        load_after = load_note()
        bytes_read = {"doctor": tree_bytes(snapshot),
                      "jq": (snapshot / "pods.json").stat().st_size}
    except BenchFailure as failure:
        print(f"BROKEN: {failure}", file=sys.stderr)
        return EXIT_BROKEN
    finally:
        # The outputs and the default snapshot; a --keep snapshot lies outside it.
        shutil.rmtree(workdir, ignore_errors=True)

    fastest = {name: min(measured, key=lambda m: m.wall_seconds)
               for name, measured in runs.items()}
    best = {name: m.wall_seconds for name, m in fastest.items()}
    rss = {name: max(m.max_rss_kib for m in measured) for name, measured in runs.items()}
    ratio = best["jq"] / best["doctor"] if best["doctor"] > 0 else float("inf")
    meets = ratio >= RATIO_GOAL
    result = {
        "binary": str(binary), "namespaces": args.namespaces, "counts": counts,
        "repeat": args.repeat,
        "statistic": f"best of {args.repeat}, alternating",
        "doctor": {"seconds": best["doctor"], "cpu_seconds": fastest["doctor"].cpu_seconds,
                   "all_seconds": [m.wall_seconds
                                                               for m in runs["doctor"]],
                   "peak_rss_kib": rss["doctor"]},
        "jq": {"seconds": best["jq"], "cpu_seconds": fastest["jq"].cpu_seconds,
               "all_seconds": [m.wall_seconds for m in runs["jq"]],
               "peak_rss_kib": rss["jq"]},
        "bytes_read": bytes_read,
        "read_doctor": f"{bytes_read['doctor'] / 1e6:.1f} MB (every file)",
        "read_jq": f"{bytes_read['jq'] / 1e6:.1f} MB (pods.json only)",
        "ratio": ratio, "goal": RATIO_GOAL, "meets_goal": meets, "answers": answers,
        "rss_method": rss_method(),
        "load": [load_before, load_after], "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    if args.check_goals and not meets:
        return EXIT_GOAL_MISSED
    return EXIT_OK


def print_table(result: dict) -> None:
    answers = result["answers"]
    print(f"answers agree: doctor and jq both name the {answers['failing_pods']} pods waiting "
          f"on a failing pull; doctor also reported {answers['findings']} findings "
          f"({', '.join(f'{k} {v}' for k, v in answers['findings_by_check'].items())}), "
          f"{answers['root_causes']} root causes, a {answers['report_bytes'] / 1e6:.1f} MB "
          "JSON report")
    print(f"binary {result['binary']}; {result['cpus']} CPUs; {result['load'][0]} before, "
          f"{result['load'][1]} after; {result['statistic']}; peak RSS by {result['rss_method']}")
    print()
    print(f"| {'':34} | {'wall':>8} | {'CPU time':>8} | {'peak RSS':>9} | {'reads':>26} |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 10}|{'-' * 11}|{'-' * 28}|")
    doctor, jq = result["doctor"], result["jq"]
    print(f"| {'pullkeeper doctor (every check)':34} | {doctor['seconds']:7.2f}s | "
          f"{doctor['cpu_seconds']:7.2f}s | {format_mb(doctor['peak_rss_kib']):>9} | "
          f"{result['read_doctor']:>26} |")
    print(f"| {'jq (failing pulls only)':34} | {jq['seconds']:7.2f}s | "
          f"{jq['cpu_seconds']:7.2f}s | {format_mb(jq['peak_rss_kib']):>9} | "
          f"{result['read_jq']:>26} |")
    print()
    verdict = "meets goal" if result["meets_goal"] else "misses goal"
    print(f"ratio jq / doctor: {result['ratio']:.2f}x (goal >= {result['goal']:.0f}x): {verdict}")
    print(f"all runs (s): doctor {', '.join(f'{s:.2f}' for s in doctor['all_seconds'])}; "
          f"jq {', '.join(f'{s:.2f}' for s in jq['all_seconds'])}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
