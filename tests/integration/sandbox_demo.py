#!/usr/bin/env python3
"""A guided tour of pullkeeper on loopback: the expired-ECR-token outage, replayed and fixed.

Run through scripts/sandbox-demo.sh (the tail of the README's first command). It starts
moto (AWS, with IAM and SigV4 checks on), a fake Kubernetes API server and a real
docker-registry, all on 127.0.0.1; seeds two namespaces with the stale pull secret the
outage left behind; shows the pull failing; runs `pullkeeper sync`; shows the pull working.

Exit codes: 0 the tour went as told; 1 a step misbehaved (the message says which, and the
servers' logs are kept and printed); 77 a prerequisite (binary or tool) is missing.
Nothing here reaches a host other than 127.0.0.1: explicit endpoints, IMDS disabled,
proxies dropped from the environment.
"""

from __future__ import annotations

import base64
import json
import signal
import sys
import textwrap
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

SECRET_NAME = "ecr-registry"
NAMESPACES = ("staging", "production")
STALE_PASSWORD = "token-issued-13-hours-ago"
FOREIGN_REGISTRY = "registry.partner.example:5000"
EXIT_MISBEHAVED = 1


class StepFailed(Exception):
    """A step did not do what the tour says it does."""


def header(number: int | str, title: str) -> None:
    print(f"\n== {number}. {title} " + "=" * max(3, 72 - len(title)), flush=True)


def say(text: str) -> None:
    # No breaks on hyphens: host names like us-east-1 must stay copyable.
    print(textwrap.fill(" ".join(text.split()), width=92, initial_indent="  ",
                        subsequent_indent="  ", break_on_hyphens=False,
                        break_long_words=False), flush=True)


def show(lines: str, prefix: str = "  | ") -> None:
    for line in lines.rstrip("\n").splitlines() or [""]:
        print(prefix + line, flush=True)


def stale_secret(registry_host: str) -> dict:
    def entry(user: str, password: str) -> dict:
        return {"username": user, "password": password,
                "auth": base64.b64encode(f"{user}:{password}".encode()).decode()}

    config = {"auths": {harness.ECR_HOST: entry("AWS", STALE_PASSWORD),
                        registry_host: entry("AWS", STALE_PASSWORD),
                        FOREIGN_REGISTRY: entry("robot", "partner-robot-password")}}
    return {"metadata": {"name": SECRET_NAME, "labels": {"team": "web"},
                         "annotations": {"created-by": "kubectl create secret, by hand"}},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()}}


def skopeo_verdict(stderr: str) -> str:
    """The readable tail of skopeo's one fatal log line ("reading manifest ...: why")."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    if not lines:
        return "(no output)"
    last = lines[-1]
    start = last.find("reading manifest")
    return last[start:].rstrip('"') if start >= 0 else last


def check_no_secrets(result, secrets: dict) -> None:
    try:
        harness.assert_no_secret_in(result.stdout + result.stderr, secrets,
                                    where="pullkeeper's output")
    except AssertionError as error:
        raise StepFailed(str(error)) from None


def tour(workspace: harness.Workspace) -> None:
    binary = harness.require_pullkeeper()

    print("pullkeeper sandbox: the expired ECR token outage, replayed on 127.0.0.1")
    say("""Amazon ECR hands out registry passwords that expire after 12 hours. Kubernetes
        pulls private images with a pull secret holding such a password, so something has
        to rewrite that secret before it expires. In the outage, that something was a
        CronJob that never once worked: the AWS keys it read were never created, it failed
        where nobody looked, and a hand-made secret hid it for 12 hours. Then the secret
        expired and every new pod went ErrImagePull. This tour replays that with local
        stand-ins and fixes it with pullkeeper; nothing leaves this machine.""")

    header(1, "Start the stand-ins (all on 127.0.0.1)")
    moto = harness.Moto(workspace)
    say(f"AWS (moto) at {moto.endpoint_url}: IAM users, access keys and SigV4 signatures "
        "are checked, as on AWS.")
    kube = harness.KubeApi(workspace)
    say(f"Kubernetes API (fake) at {kube.url}: bearer token required; it records every "
        "request so we can show what pullkeeper did.")
    registry = harness.Registry(workspace)
    say(f"Container registry at {registry.host}: holds {harness.IMAGE_REPOSITORY}:"
        f"{harness.IMAGE_TAG} and accepts only the password an ECR token carries. It stands "
        f"in for {harness.ECR_HOST}.")

    header(2, "The identity the sync runs as")
    reader = moto.create_user("ci-reader", ecr_read_only=True)
    moto.enforce_auth()
    say(f"IAM user ci-reader, policy AmazonEC2ContainerRegistryReadOnly, access key "
        f"{reader.access_key_id} (the secret key is never printed). Auth checks are now on: "
        "a wrong key or a missing permission fails as it would on AWS.")

    header(3, "The outage: a hand-made pull secret, 13 hours old")
    for namespace in NAMESPACES:
        kube.create_namespace(namespace)
        kube.create_secret(namespace, stale_secret(registry.host))
    stale_config = kube.docker_config("staging", SECRET_NAME)
    say(f"Namespaces {' and '.join(NAMESPACES)} each hold secret {SECRET_NAME}, made by hand "
        "13 hours ago. It has entries for ECR, for the registry alias the cluster pulls "
        f"through and for a partner registry ({FOREIGN_REGISTRY}), plus a team label and an "
        "annotation of its own.")
    say("A kubelet pulling with staging's secret (skopeo stands in for the kubelet):")
    ok, stderr = registry.inspect_with_docker_config(stale_config)
    show(f"$ skopeo inspect --authfile <staging/{SECRET_NAME}> docker://{registry.image_reference}")
    show(skopeo_verdict(stderr))
    if ok or "unauthorized" not in stderr:
        raise StepFailed("the stale secret should be rejected with 'unauthorized', but "
                         f"skopeo said: {stderr.strip() or 'success'}")
    say("Unauthorized: that is the ErrImagePull on-call is paged for.")

    secrets = {"secret access key": reader.secret_access_key,
               "ECR password": harness.ECR_PASSWORD, "ECR token": harness.ECR_TOKEN,
               "stale password": STALE_PASSWORD, "Kubernetes token": kube.token}
    args = ["sync", "--region", harness.REGION, "--namespaces", ",".join(NAMESPACES),
            "--secret-name", SECRET_NAME, "--endpoint-url", moto.endpoint_url,
            "--registry-alias", f"{registry.host}={harness.ECR_HOST}",
            "--kubeconfig", str(kube.kubeconfig)]

    header(4, "First, what the old CronJob hid: no AWS credentials")
    say("The same sync the old job attempted, with no keys in the environment and no "
        "~/.aws files. pullkeeper refuses loudly, lists where it looked, and exits 3, so the "
        "Job fails visibly on the first run instead of 12 hours later.")
    kube.clear_requests()
    show("$ pullkeeper " + " ".join(args), prefix="  ")
    result = harness.run_pullkeeper(args, {}, binary=binary)
    show(result.stdout + result.stderr)
    say(f"exit code {result.returncode}")
    check_no_secrets(result, secrets)
    if result.returncode != 3:
        raise StepFailed(f"without credentials pullkeeper exited {result.returncode}, "
                         "expected 3 (AWS credentials)")
    if any(r["method"] in ("POST", "PUT", "PATCH", "DELETE") for r in kube.requests()):
        raise StepFailed("pullkeeper changed the cluster although it had no token to write")

    header(5, "pullkeeper sync, with the IAM user's keys")
    before = {ns: kube.get_secret(ns, SECRET_NAME)["metadata"]["uid"] for ns in NAMESPACES}
    kube.clear_requests()
    say("It asks ECR for a token with the user's keys (from AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY), then updates each namespace's secret in place. "
        "--registry-alias gives the local registry the same credentials as the ECR host.")
    show("$ pullkeeper " + " ".join(args), prefix="  ")
    result = harness.run_pullkeeper(args, reader.environment(), binary=binary)
    show(result.stdout + result.stderr)
    say(f"exit code {result.returncode}")
    check_no_secrets(result, secrets)
    if result.returncode != 0:
        raise StepFailed(f"pullkeeper sync exited {result.returncode}, expected 0")

    header(6, "What changed in the cluster")
    requests = kube.requests()
    show("\n".join(f"{r['method']:6} {r['path']}  -> {r['code']}" for r in requests))
    if any(r["method"] == "DELETE" for r in requests):
        raise StepFailed("pullkeeper deleted a secret; pods starting meanwhile would fail")
    for namespace in NAMESPACES:
        secret = kube.get_secret(namespace, SECRET_NAME)
        metadata = secret["metadata"]
        hosts = sorted(kube.docker_config(namespace, SECRET_NAME)["auths"])
        if metadata["uid"] != before[namespace]:
            raise StepFailed(f"{namespace}/{SECRET_NAME} was replaced instead of updated")
        say(f"{namespace}/{SECRET_NAME}: uid unchanged; labels {metadata.get('labels', {})}; "
            "expiry annotation "
            f"{metadata.get('annotations', {}).get('pullkeeper.io/token-expires-at')}; "
            f"registries {', '.join(hosts)}")
    say("Updated in place, no delete: a pod starting during the sync never sees a missing "
        "secret. The team's label, annotation and partner-registry entry are kept. The "
        f"expiry is 12 hours from now: moto stamps every token {harness.Moto.FIXED_TOKEN_EXPIRY}, "
        "so pullkeeper saw it arrive already expired, warned, and assumed ECR's documented "
        "12-hour lifetime (on real AWS that warning means: check the node's clock).")

    header(7, "The pull again")
    for namespace in NAMESPACES:
        config = kube.docker_config(namespace, SECRET_NAME)
        ok, stderr = registry.inspect_with_docker_config(config)
        show(f"$ skopeo inspect --authfile <{namespace}/{SECRET_NAME}> "
             f"docker://{registry.image_reference}")
        show(f"OK, digest {registry.manifest_digest}" if ok else skopeo_verdict(stderr))
        if not ok:
            raise StepFailed(f"the pull with {namespace}'s refreshed secret failed: {stderr}")
    ok, _ = registry.inspect_with_docker_config(stale_config)
    if ok:
        raise StepFailed("the registry accepted the stale password; the tour proves nothing")

    header("Next", "In a real cluster")
    say("deploy/ holds a CronJob that runs this sync every 4 hours, with RBAC limited to "
        f"creating secrets and to get/update on {SECRET_NAME} itself. README.md has the IAM "
        "policy and the exit codes: 0 ok, 1 some namespaces failed, 2 usage, 3 AWS, "
        "4 Kubernetes. Alert on the Job failing; pullkeeper makes sure it fails loudly.")


def main() -> int:
    # SIGTERM (ctest timeout, CI cancel) must still run the cleanup below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    workspace = harness.Workspace("sandbox")
    try:
        tour(workspace)
    except unittest.SkipTest as missing:
        print(f"\nsandbox-demo: cannot run: {missing}", file=sys.stderr)
        return harness.SKIP_EXIT_CODE
    except StepFailed as failure:
        workspace.mark_failed()
        print(f"\nsandbox-demo: FAILED: {failure}", file=sys.stderr)
        return EXIT_MISBEHAVED
    except BaseException:
        workspace.mark_failed()
        raise
    finally:
        workspace.close()  # stops moto, the registry and the fake API server
    print("\nsandbox-demo: OK, every server it started is stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
