#!/usr/bin/env python3
"""Benchmark of `pullkeeper sync` against the outage's own method, in one run.

The outage pullkeeper exists for was fixed by hand with, per namespace,
`kubectl delete secret` + `kubectl create secret docker-registry`. This script seeds N
namespaces (default 2,000) into the fake Kubernetes API server, starts moto with IAM and
SigV4 enforced, and measures on the same server, over the same transport (HTTPS with a bearer
token, as a real cluster), in the same run:

  * pullkeeper: wall time, peak RSS (see measure.py for why not plain os.wait4), every API
    request from the fake's request log, classified as list / get / write / delete and
    counted per namespace;
  * kubectl 1.32: the delete + create pair for a sample of namespaces (default 40), timed and
    extrapolated to N, with its requests per namespace from the same log.

Two scenarios: `update` (every namespace already has a stale `ecr-registry` secret, the steady
state of a CronJob) and `create` (fresh namespaces without the secret).

Correctness facts (exit code 0, exactly one write per namespace, no per-namespace GET, a
bounded number of list calls, every secret holding the fresh token) make the script exit 1
when broken; timing and RSS goals are printed as PASS/MISS and only change the exit code
with --check-goals. Timings never belong in tests: the ctest smoke run asserts facts only.

No token, key or password is printed: the output holds counts, times and sizes only.
Everything runs on 127.0.0.1 (see tests/integration/harness.py).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import unittest
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "integration"))
import harness  # noqa: E402
from measure import BenchFailure, format_mb, rss_method, run_measured  # noqa: E402

SECRET_NAME = "ecr-registry"
# A real ECR password is a base64 blob of about 2 KB (moto's is 23 characters). In the
# default "eks" shape the stale one has that size, so what pullkeeper reads and keeps per
# namespace is as large as on a real cluster; "minimal" keeps the short one.
STALE_PASSWORD_SHORT = "stale-token-issued-yesterday"
STALE_PASSWORD_ECR_SIZED = STALE_PASSWORD_SHORT + "-" + (
    base64.b64encode(bytes(range(256)) * 6).decode()[:2000 - len(STALE_PASSWORD_SHORT) - 1])
# The fake server starts with these; they are excluded so that the namespaces synced are
# exactly the N seeded ones (and the update scenario updates every one of them).
BUILT_IN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
NAMESPACE_FORMAT = "bench-{:04d}"
BEARER_TOKEN = "bench-bearer-token-0123456789abcdef"
SEED_CHUNK = 250  # objects per /_fake/objects call: 250 stale secrets are about 1 MB

RATIO_GOAL = 50.0
RSS_GOAL_BYTES = 20_000_000  # "under 20 MB", read strictly as decimal megabytes
# The fake keeps the newest 20,000 requests; a log that full may have lost the oldest.
REQUEST_LOG_CAPACITY = 20_000
# pullkeeper lists namespaces and secrets once each (paged); a third list op is tolerated
# (e.g. a restarted list after an expired continue token), anything above is per-namespace.
MAX_LIST_OPERATIONS = 3

EXIT_OK, EXIT_BROKEN, EXIT_GOAL_MISSED, EXIT_SKIPPED = 0, 1, 3, 77

WRITE_METHODS = {"POST", "PUT", "PATCH"}
NAMESPACED_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/([^/]+)(?:/([^/]+))?/?$")
NAMESPACE_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/?$")


@dataclass
class CapturedRun:
    returncode: int
    wall_seconds: float
    max_rss_kib: int
    stdout: str
    stderr: str


def run_captured(argv: list[str], env: dict[str, str], scratch: Path,
                 timeout: float) -> CapturedRun:
    """measure.run_measured, with both streams read back: sync's checks read the summary
    from stdout and look for secrets in both."""
    out_path, err_path = scratch / "stdout", scratch / "stderr"
    measured = run_measured(argv, env, out_path, err_path, timeout)
    return CapturedRun(measured.returncode, measured.wall_seconds, measured.max_rss_kib,
                       out_path.read_text(errors="replace"), err_path.read_text(errors="replace"))


# --------------------------------------------------------------------------------------
# Request log analysis


@dataclass
class RequestCounts:
    total: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    lists: int = 0            # list pages (GET of a collection)
    list_operations: int = 0  # lists started (pages without `continue=`)
    gets: int = 0             # GET of one object
    writes: int = 0           # POST / PUT / PATCH
    deletes: int = 0
    discovery: int = 0        # /api, /apis, /version, /openapi/...
    other: int = 0
    errors: int = 0           # answers >= 400 (404s of kubectl's delete included)
    writes_by_namespace: dict[str, int] = field(default_factory=dict)

    def per_namespace(self, namespaces: int) -> dict[str, float]:
        n = max(namespaces, 1)
        return {"requests": self.total / n, "writes": self.writes / n, "gets": self.gets / n,
                "deletes": self.deletes / n, "lists": self.lists / n,
                "discovery": self.discovery / n}


def classify(requests: list[dict]) -> RequestCounts:
    counts = RequestCounts()
    for request in requests:
        method, path, query = request["method"], request["path"], request.get("query") or ""
        counts.total += 1
        counts.by_method[method] = counts.by_method.get(method, 0) + 1
        if request.get("code", 0) >= 400 or request.get("code", 0) == 0:
            counts.errors += 1
        if not path.startswith("/api/v1/") or path in ("/api/v1", "/api/v1/"):
            if path.startswith(("/api", "/apis", "/version", "/openapi")):
                counts.discovery += 1
            else:
                counts.other += 1
            continue
        namespaced = NAMESPACED_PATH.match(path)
        is_object = bool(NAMESPACE_PATH.match(path)) or bool(namespaced and namespaced.group(3))
        if method == "GET":
            if is_object:
                counts.gets += 1
            else:
                counts.lists += 1
                if "continue=" not in query:
                    counts.list_operations += 1
        elif method in WRITE_METHODS:
            counts.writes += 1
            if namespaced and namespaced.group(2) == "secrets":
                ns = namespaced.group(1)
                counts.writes_by_namespace[ns] = counts.writes_by_namespace.get(ns, 0) + 1
        elif method == "DELETE":
            counts.deletes += 1
        else:
            counts.other += 1
    return counts


def read_request_log(kube: harness.KubeApi) -> list[dict]:
    requests = kube.requests()
    if len(requests) >= REQUEST_LOG_CAPACITY:
        raise BenchFailure(
            f"the fake's request log is full ({len(requests)} entries, it keeps the newest "
            f"{REQUEST_LOG_CAPACITY}); counts would be incomplete: use fewer namespaces or a "
            "smaller --baseline-sample")
    return requests


# --------------------------------------------------------------------------------------
# Seeding and checking the cluster state


def namespace_names(count: int) -> list[str]:
    return [NAMESPACE_FORMAT.format(i) for i in range(count)]


def stale_secret(namespace: str, shape: str) -> dict:
    """The steady state a CronJob meets. "eks": the secret as the previous run wrote it
    (label, expiry annotation, and the managedFields entry a real apiserver records for that
    write; the fake keeps them only when seeded raw) with an ECR-sized expired password.
    "minimal": just the type and a short expired password."""
    password = STALE_PASSWORD_ECR_SIZED if shape == "eks" else STALE_PASSWORD_SHORT
    config = {"auths": {harness.ECR_HOST: {
        "username": "AWS", "password": password,
        "auth": base64.b64encode(f"AWS:{password}".encode()).decode()}}}
    payload = {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()}
    if shape == "minimal":
        return {"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": SECRET_NAME, "namespace": namespace},
                "type": "kubernetes.io/dockerconfigjson", "data": payload}
    written_at = "2026-01-01T00:00:00Z"
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {
                "name": SECRET_NAME, "namespace": namespace,
                "labels": {"app.kubernetes.io/managed-by": "pullkeeper"},
                "annotations": {"pullkeeper.io/token-expires-at": "2026-01-01T12:00:00Z"},
                "managedFields": [{
                    "manager": "pullkeeper", "operation": "Update", "apiVersion": "v1",
                    "time": written_at, "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:data": {".": {}, "f:.dockerconfigjson": {}},
                                 "f:metadata": {
                                     "f:annotations": {
                                         ".": {}, "f:pullkeeper.io/token-expires-at": {}},
                                     "f:labels": {
                                         ".": {}, "f:app.kubernetes.io/managed-by": {}}},
                                 "f:type": {}}}]},
            "type": "kubernetes.io/dockerconfigjson", "data": payload}


SHAPE_DESCRIPTIONS = {
    "eks": "existing ones as a previous run left them on a real cluster: 2 KB expired "
           "password, label, annotation, managedFields (about 7 KB of JSON each)",
    "minimal": "existing ones hold only the type and a short expired password (0.4 KB)",
}


def seed(kube: harness.KubeApi, namespaces: list[str], with_secret: bool,
         shape: str = "eks") -> None:
    """Back to the fake's initial state, then every namespace (and its stale secret) in
    bulk calls that bypass the request log."""
    kube.reset()
    # Chunks stay well under the fake's 3 MiB request limit.
    for chunk in range(0, len(namespaces), SEED_CHUNK):
        names = namespaces[chunk:chunk + SEED_CHUNK]
        kube.seed(*({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
                    for ns in names), timeout=120.0)
        if with_secret:
            # Raw: a validated seed drops managedFields, as a create does.
            kube.seed(*(stale_secret(ns, shape) for ns in names), timeout=120.0, raw=True)
    kube.clear_requests()


def check_secrets(kube: harness.KubeApi, namespaces: list[str], who: str) -> None:
    """Every namespace's secret exists, is a dockerconfigjson and carries moto's token."""
    secrets = {s["metadata"]["namespace"]: s
               for s in kube.list_secrets(f"metadata.name={SECRET_NAME}")}
    wrong: list[str] = []
    for ns in namespaces:
        secret = secrets.get(ns)
        if secret is None:
            wrong.append(f"{ns}: no secret")
            continue
        if secret.get("type") != "kubernetes.io/dockerconfigjson":
            wrong.append(f"{ns}: type {secret.get('type')}")
            continue
        config = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))
        entry = config.get("auths", {}).get(harness.ECR_HOST, {})
        auth = base64.b64decode(entry.get("auth", "")).decode(errors="replace")
        if auth != f"{harness.ECR_USERNAME}:{harness.ECR_PASSWORD}":
            # Name the fault without the value: the password must never be printed.
            wrong.append(f"{ns}: auths[{harness.ECR_HOST}] does not hold the fresh token")
    if wrong:
        raise BenchFailure(f"after {who}, {len(wrong)} of {len(namespaces)} namespaces have no "
                           f"fresh secret, e.g. " + "; ".join(wrong[:5]))


# --------------------------------------------------------------------------------------
# The two contenders


@dataclass
class PullkeeperResult:
    wall_seconds: list[float]
    max_rss_kib: list[int]
    requests: dict
    list_pages: int
    list_operations: int
    outcome_counts: dict

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall_seconds)

    @property
    def rss_peak_kib(self) -> int:
        return max(self.max_rss_kib)


def run_pullkeeper_scenario(ctx: "Context", namespaces: list[str], update: bool,
                            repeat: int) -> PullkeeperResult:
    expected = "updated" if update else "created"
    walls, rss = [], []
    counts = RequestCounts()
    outcomes: dict = {}
    for attempt in range(repeat):
        seed(ctx.kube, namespaces, with_secret=update, shape=ctx.secret_shape)
        args = ["sync", "--all-namespaces",
                "--exclude-namespaces", ",".join(BUILT_IN_NAMESPACES),
                "--secret-name", SECRET_NAME, "--region", harness.REGION,
                "--endpoint-url", ctx.moto.endpoint_url,
                "--kubeconfig", str(ctx.kube.kubeconfig), "--output", "json"]
        env = harness.base_environment(ctx.workspace.fresh_dir("pk-home"))
        env.update(ctx.key.environment())
        measured = run_captured([str(ctx.binary), *args], env,
                                ctx.workspace.fresh_dir("pk-run"), timeout=600)
        harness.assert_no_secret_in(measured.stdout + measured.stderr, ctx.secrets,
                                    where="pullkeeper output")
        if measured.returncode != 0:
            raise BenchFailure(f"pullkeeper sync exited {measured.returncode}:\n"
                               f"{measured.stderr[-3000:]}")
        summary = json.loads(measured.stdout)
        results = {entry["namespace"]: entry["result"] for entry in summary["namespaces"]}
        if sorted(results) != sorted(namespaces):
            raise BenchFailure(f"pullkeeper synced {len(results)} namespaces, expected "
                               f"{len(namespaces)}")
        not_expected = {ns: r for ns, r in results.items() if r != expected}
        if not_expected:
            raise BenchFailure(f"{len(not_expected)} namespaces were not {expected}, e.g. "
                               f"{list(not_expected.items())[:5]}")
        counts = classify(read_request_log(ctx.kube))
        check_pullkeeper_requests(counts, namespaces)
        check_secrets(ctx.kube, namespaces, "pullkeeper sync")
        walls.append(measured.wall_seconds)
        rss.append(measured.max_rss_kib)
        outcomes = summary["summary"]
    per_ns = counts.per_namespace(len(namespaces))
    return PullkeeperResult(walls, rss, {"total": counts.total, "by_method": counts.by_method,
                                         "per_namespace": per_ns, "errors": counts.errors},
                            counts.lists, counts.list_operations, outcomes)


def check_pullkeeper_requests(counts: RequestCounts, namespaces: list[str]) -> None:
    """The request goals as facts: one write per namespace, no GET, O(1) lists."""
    problems = []
    wrong_writes = {ns: counts.writes_by_namespace.get(ns, 0) for ns in namespaces
                    if counts.writes_by_namespace.get(ns, 0) != 1}
    if wrong_writes:
        problems.append(f"{len(wrong_writes)} namespaces did not get exactly one write, e.g. "
                        f"{list(wrong_writes.items())[:5]}")
    if counts.writes != len(namespaces):
        problems.append(f"{counts.writes} writes for {len(namespaces)} namespaces")
    if counts.gets:
        problems.append(f"{counts.gets} GETs of single objects (a list already told the state)")
    if counts.deletes:
        problems.append(f"{counts.deletes} DELETEs")
    if counts.list_operations > MAX_LIST_OPERATIONS:
        problems.append(f"{counts.list_operations} list operations (more than "
                        f"{MAX_LIST_OPERATIONS}: lists grow with the namespaces)")
    if counts.errors:
        problems.append(f"{counts.errors} requests answered with an error")
    if problems:
        raise BenchFailure("pullkeeper's requests: " + "; ".join(problems))


@dataclass
class KubectlResult:
    sample: int
    sample_seconds: float
    per_namespace_seconds: float
    first_namespace_seconds: float   # includes discovery into the empty cache dir
    extrapolated_seconds: float      # first namespace + per-namespace x (N - 1)
    max_rss_kib: int
    requests: dict
    first_namespace_requests: int


def kubectl_binary() -> Path | None:
    dispatcher = shutil.which("kubectl")
    if dispatcher is None:
        return None
    pinned = Path(os.path.dirname(os.path.realpath(dispatcher))) / "kubectl.1.32"
    return pinned if os.access(pinned, os.X_OK) else None


def run_kubectl_scenario(ctx: "Context", namespaces: list[str], update: bool,
                         sample: int, docker_password: str) -> KubectlResult:
    """The outage's method, one namespace at a time, for namespaces[0..sample]:
    namespaces[0] fills the empty discovery cache (as the first call of a fresh CronJob pod
    would) and is timed apart; the rest share that cache and make the per-namespace mean."""
    seed(ctx.kube, namespaces, with_secret=update, shape=ctx.secret_shape)
    cache_dir = ctx.workspace.fresh_dir("kubectl-cache")
    env = harness.base_environment(ctx.workspace.fresh_dir("kubectl-home"))
    scratch = ctx.workspace.fresh_dir("kubectl-run")
    common = [str(ctx.kubectl), "--kubeconfig", str(ctx.kube.kubeconfig),
              "--cache-dir", str(cache_dir)]
    max_rss = 0

    def one_namespace(ns: str) -> float:
        nonlocal max_rss
        total = 0.0
        delete = run_captured([*common, "delete", "secret", SECRET_NAME, "-n", ns], env,
                              scratch, timeout=120)
        # The outage script ran `kubectl delete ... || true`: NotFound in a fresh namespace
        # is expected, anything else is not.
        if delete.returncode != 0 and not (not update and "NotFound" in delete.stderr):
            raise BenchFailure(f"kubectl delete in {ns} exited {delete.returncode}: "
                               f"{delete.stderr.strip()[:500]}")
        create = run_captured(
            [*common, "create", "secret", "docker-registry", SECRET_NAME, "-n", ns,
             f"--docker-server={harness.ECR_HOST}", f"--docker-username={harness.ECR_USERNAME}",
             f"--docker-password={docker_password}"], env, scratch, timeout=120)
        for run in (delete, create):
            harness.assert_no_secret_in(run.stdout + run.stderr, ctx.secrets,
                                        where="kubectl output")
            total += run.wall_seconds
            max_rss = max(max_rss, run.max_rss_kib)
        if create.returncode != 0:
            raise BenchFailure(f"kubectl create secret in {ns} exited {create.returncode}: "
                               f"{create.stderr.strip()[:500]}")
        return total

    first_seconds = one_namespace(namespaces[0])
    first_requests = classify(read_request_log(ctx.kube)).total
    ctx.kube.clear_requests()
    sampled = namespaces[1:1 + sample]
    sample_seconds = sum(one_namespace(ns) for ns in sampled)
    counts = classify(read_request_log(ctx.kube))
    check_secrets(ctx.kube, [namespaces[0], *sampled], "kubectl delete + create")
    per_ns = sample_seconds / len(sampled)
    return KubectlResult(
        sample=len(sampled), sample_seconds=sample_seconds, per_namespace_seconds=per_ns,
        first_namespace_seconds=first_seconds,
        extrapolated_seconds=first_seconds + per_ns * (len(namespaces) - 1),
        max_rss_kib=max_rss,
        requests={"total": counts.total, "by_method": counts.by_method,
                  "per_namespace": counts.per_namespace(len(sampled)), "errors": counts.errors},
        first_namespace_requests=first_requests)


def fetch_token_like_the_cronjob(ctx: "Context", use_cli: bool) -> tuple[str, float, str]:
    """The outage's CronJob fetched the token once with `aws ecr get-authorization-token`.
    Returns (password, seconds, how). Uses boto3 in-process when the aws CLI is missing or
    not wanted (the smoke run: the CLI's start-up alone takes seconds on a busy machine)."""
    started = time.perf_counter()
    aws = shutil.which("aws") if use_cli else None
    if aws is not None:
        env = harness.base_environment(ctx.workspace.fresh_dir("aws-home"))
        env.update(ctx.key.environment())
        result = subprocess.run(
            [aws, "ecr", "get-authorization-token", "--region", harness.REGION,
             "--endpoint-url", ctx.moto.endpoint_url, "--output", "json"],
            env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise BenchFailure(f"aws ecr get-authorization-token exited {result.returncode}: "
                               f"{result.stderr.strip()[:500]}")
        token = json.loads(result.stdout)["authorizationData"][0]["authorizationToken"]
        how = "aws ecr get-authorization-token (AWS CLI v1)"
    else:
        ecr = ctx.moto.client("ecr", ctx.key)
        token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
        how = "boto3 get_authorization_token in-process" + (
            "" if not use_cli else " (no aws CLI on PATH)")
    seconds = time.perf_counter() - started
    username, _, password = base64.b64decode(token).decode().partition(":")
    if username != harness.ECR_USERNAME or password != harness.ECR_PASSWORD:
        raise BenchFailure("moto's ECR token does not decode to the expected AWS:<password>")
    return password, seconds, how


# --------------------------------------------------------------------------------------
# Putting it together


@dataclass
class Context:
    workspace: harness.Workspace
    binary: Path
    kubectl: Path | None
    moto: harness.Moto
    key: harness.AccessKey
    kube: harness.KubeApi
    secrets: dict
    secret_shape: str


def scenario_report(name: str, n: int, pk: PullkeeperResult, kc: KubectlResult | None,
                    token: dict | None) -> dict:
    report = {"scenario": name, "namespaces": n,
              "pullkeeper": {
                  "wall_seconds": pk.wall_median, "wall_seconds_runs": pk.wall_seconds,
                  "peak_rss_bytes": pk.rss_peak_kib * 1024,
                  "peak_rss_bytes_runs": [k * 1024 for k in pk.max_rss_kib],
                  "requests": pk.requests, "list_pages": pk.list_pages,
                  "list_operations": pk.list_operations, "summary": pk.outcome_counts},
              "goals": {"rss_under_bytes": RSS_GOAL_BYTES,
                        "rss_pass": pk.rss_peak_kib * 1024 < RSS_GOAL_BYTES,
                        "ratio_at_least": RATIO_GOAL}}
    if kc is not None:
        ratio = kc.extrapolated_seconds / pk.wall_median
        report["kubectl"] = {
            "extrapolated": True, "sample_namespaces": kc.sample,
            "sample_seconds": kc.sample_seconds,
            "per_namespace_seconds": kc.per_namespace_seconds,
            "first_namespace_seconds": kc.first_namespace_seconds,
            "first_namespace_requests": kc.first_namespace_requests,
            "wall_seconds_extrapolated": kc.extrapolated_seconds,
            "peak_rss_bytes": kc.max_rss_kib * 1024, "requests": kc.requests,
            "token_fetch": token}
        report["ratio"] = ratio
        report["goals"]["ratio_pass"] = ratio >= RATIO_GOAL
    return report


def print_scenario(report: dict) -> None:
    pk, n = report["pullkeeper"], report["namespaces"]
    what = "secret exists (update)" if report["scenario"] == "update" else "no secret (create)"
    per = pk["requests"]["per_namespace"]
    runs = len(pk["wall_seconds_runs"])
    print(f"scenario: {n} namespaces, {what}")
    print(f"  pullkeeper  wall {pk['wall_seconds']:.2f} s"
          f"{f' (median of {runs})' if runs > 1 else ''}"
          f"   peak RSS {format_mb(pk['peak_rss_bytes'] // 1024)}"
          f"   requests/ns: writes {per['writes']:.3f}, gets {per['gets']:.3f}, "
          f"deletes {per['deletes']:.3f}; lists {pk['list_operations']} total "
          f"({pk['list_pages']} pages)")
    print(f"              requests {pk['requests']['total']} by method "
          f"{json.dumps(pk['requests']['by_method'], sort_keys=True)}")
    kc = report.get("kubectl")
    if kc is not None:
        kper = kc["requests"]["per_namespace"]
        print(f"  kubectl     wall {kc['wall_seconds_extrapolated']:.0f} s (extrapolated from "
              f"{kc['sample_namespaces']} ns: {kc['per_namespace_seconds']:.3f} s/ns, plus the "
              f"first ns with discovery {kc['first_namespace_seconds']:.2f} s)"
              f"   peak RSS {format_mb(kc['peak_rss_bytes'] // 1024)} per process")
        print(f"              requests/ns: {kper['requests']:.2f} (writes {kper['writes']:.3f}, "
              f"deletes {kper['deletes']:.3f}, gets {kper['gets']:.3f}, "
              f"discovery {kper['discovery']:.3f}); the first ns made "
              f"{kc['first_namespace_requests']}")
        token = kc["token_fetch"]
        print(f"              + token fetch once: {token['seconds']:.2f} s ({token['how']}), "
              "not in the total")
        goal = "PASS" if report["goals"]["ratio_pass"] else "MISS"
        print(f"  ratio       kubectl / pullkeeper = {report['ratio']:.0f}x   "
              f"(goal >= {RATIO_GOAL:.0f}x: {goal})")
    else:
        print("  kubectl     not measured (see above)")
    rss_goal = "PASS" if report["goals"]["rss_pass"] else "MISS"
    print(f"  RSS goal < {RSS_GOAL_BYTES / 1e6:.0f} MB: {rss_goal}")
    print()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespaces", type=int, default=2000,
                        help="namespaces to seed and sync (default 2000)")
    parser.add_argument("--baseline-sample", type=int, default=40,
                        help="namespaces timed with kubectl after the first one (default 40; "
                             "0 skips the baseline)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="pullkeeper runs per scenario; the median wall time and the "
                             "largest RSS are reported (default 3)")
    parser.add_argument("--scenarios", default="update,create",
                        help="comma-separated: update, create (default both)")
    parser.add_argument("--token-fetch", choices=("aws-cli", "boto3"), default="aws-cli",
                        help="how the baseline gets its ECR token once (timed, reported, not "
                             "added to kubectl's total; default aws-cli, as the CronJob did)")
    parser.add_argument("--secret-shape", choices=("eks", "minimal"), default="eks",
                        help="the existing secrets: eks = as a previous run left them on a "
                             "real cluster (2 KB password, label, annotation, managedFields); "
                             "minimal = type and a short password only (default eks)")
    parser.add_argument("--json", action="store_true", help="print one JSON document only")
    parser.add_argument("--check-goals", action="store_true",
                        help=f"exit {EXIT_GOAL_MISSED} when a timing or RSS goal is missed")
    args = parser.parse_args(argv)
    scenarios = [s for s in args.scenarios.split(",") if s]
    if not scenarios or any(s not in ("update", "create") for s in scenarios):
        parser.error("--scenarios takes update and/or create")
    args.scenarios = scenarios
    if args.namespaces < 1 or args.repeat < 1 or args.baseline_sample < 0:
        parser.error("--namespaces and --repeat must be >= 1, --baseline-sample >= 0")
    if args.baseline_sample and args.baseline_sample + 1 > args.namespaces:
        parser.error("--baseline-sample must be smaller than --namespaces")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    say = (lambda *a, **k: print(*a, file=sys.stderr, **k)) if args.json else print
    try:
        binary = harness.require_pullkeeper()
    except unittest.SkipTest as skip:
        print(f"skipped: {skip}", file=sys.stderr)
        return EXIT_SKIPPED
    kubectl = kubectl_binary() if args.baseline_sample else None
    baseline_note = None
    if args.baseline_sample and kubectl is None:
        baseline_note = ("kubectl.1.32 not found beside the kubectl on PATH: the baseline is "
                         "skipped, no ratio")
    workspace = harness.Workspace("bench")
    try:
        moto = harness.Moto(workspace)
        key = moto.create_user("bench-reader", ecr_read_only=True)
        moto.enforce_auth()
        # HTTPS with a bearer token for both tools: client-go sends a token only over TLS,
        # and a real cluster is TLS; so both pay the same transport.
        kube = harness.KubeApi(workspace, name="kube-api", token=BEARER_TOKEN, tls=True,
                               verbose=False)
        ctx = Context(workspace, binary, kubectl, moto, key, kube, {
            "secret access key": key.secret_access_key, "ECR password": harness.ECR_PASSWORD,
            "ECR authorization token": harness.ECR_TOKEN, "bearer token": BEARER_TOKEN,
            "stale password": STALE_PASSWORD_SHORT}, args.secret_shape)
        namespaces = namespace_names(args.namespaces)
        say(f"pullkeeper: {binary}")
        say(f"kubectl:    {kubectl or baseline_note or 'baseline skipped (--baseline-sample 0)'}")
        say(f"peak RSS:   {rss_method()}")
        say(f"secrets:    {SHAPE_DESCRIPTIONS[args.secret_shape]}")
        say("transport:  HTTPS + bearer token to the fake API server (tests/fakes), the same "
            "server and kubeconfig for both tools\n")

        token = None
        password = None
        if kubectl is not None:
            password, seconds, how = fetch_token_like_the_cronjob(
                ctx, use_cli=args.token_fetch == "aws-cli")
            token = {"seconds": seconds, "how": how}

        reports = []
        for scenario in args.scenarios:
            update = scenario == "update"
            pk = run_pullkeeper_scenario(ctx, namespaces, update, args.repeat)
            kc = None
            if kubectl is not None:
                kc = run_kubectl_scenario(ctx, namespaces, update, args.baseline_sample,
                                          password)
            report = scenario_report(scenario, len(namespaces), pk, kc, token)
            reports.append(report)
            if not args.json:
                print_scenario(report)
    except BenchFailure as failure:
        workspace.mark_failed()
        print(f"BROKEN: {failure}", file=sys.stderr)
        return EXIT_BROKEN
    except unittest.SkipTest as skip:
        print(f"skipped: {skip}", file=sys.stderr)
        return EXIT_SKIPPED
    except BaseException:
        workspace.mark_failed()
        raise
    finally:
        workspace.close()

    goals_met = all(r["goals"]["rss_pass"] and r["goals"].get("ratio_pass", True)
                    for r in reports)
    if args.json:
        print(json.dumps({"pullkeeper": str(binary), "kubectl": str(kubectl) if kubectl else None,
                          "baseline_note": baseline_note, "transport": "https+bearer",
                          "rss_method": rss_method(), "secret_shape": args.secret_shape,
                          "scenarios": reports, "goals_met": goals_met}, indent=2))
    else:
        print("correctness: every namespace got exactly one write, no per-namespace GET, "
              "every secret holds the fresh token")
        print(f"goals: {'all met' if goals_met else 'MISSED (see above)'}")
    return EXIT_GOAL_MISSED if args.check_goals and not goals_met else EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
