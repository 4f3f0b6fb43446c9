"""Real parts for pullkeeper's end-to-end tests, all on 127.0.0.1.

The tests drive the real `pullkeeper` binary against:
  * moto_server (AWS emulator) with IAM and SigV4 checks switched on, so wrong keys and
    missing permissions fail the way they do on AWS;
  * docker-registry with htpasswd auth, holding a tiny hand-built OCI image, so that a
    written pull secret is proven by an actual `skopeo inspect`;
  * the fake Kubernetes API server from tests/fakes, which records every request and can
    inject faults.

Everything binds a free loopback port, logs into one temporary directory, and is stopped
when the owning Workspace closes (tearDown, class cleanup, or atexit as the last resort).
The directory is removed after a clean run and kept, with its logs printed, after a
failure, because the logs of three servers are what explains a red end-to-end test.

Nothing here talks to any host but 127.0.0.1; pullkeeper runs with a clean environment
(no inherited AWS_* or KUBECONFIG, IMDS disabled, HOME in the workspace).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]

# moto's fixed identity: every resource lives in this account, and GetAuthorizationToken
# returns the password "<account>-auth-token" for user "AWS".
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
ECR_HOST = f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com"
ECR_USERNAME = "AWS"
ECR_PASSWORD = f"{ACCOUNT_ID}-auth-token"
ECR_TOKEN = base64.b64encode(f"{ECR_USERNAME}:{ECR_PASSWORD}".encode()).decode()
ECR_READ_ONLY_POLICY = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"

IMAGE_REPOSITORY = "salon/frontend"
IMAGE_TAG = "staging-abc123"

# Generous for a loaded 2-core machine; every part is ready in about a second.
START_TIMEOUT_SECONDS = 30.0
PULLKEEPER_TIMEOUT_SECONDS = 60.0
SKOPEO_TIMEOUT_SECONDS = 60.0


# --------------------------------------------------------------------------------------
# Small utilities


def free_port() -> int:
    """Returns a loopback port that was free a moment ago (bind port 0, read, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """Returns a loopback port nobody listens on, for "cannot connect" cases."""
    return free_port()


def wait_until(condition: Callable[[], bool], what: str,
               timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Polls `condition` until true; servers give no other readiness signal."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s")


def http_status(url: str, method: str = "GET", data: bytes | None = None,
                headers: Mapping[str, str] | None = None, timeout: float = 5.0,
                ssl_context: ssl.SSLContext | None = None) -> int | None:
    """Returns the HTTP status of one loopback request, or None when nothing answers."""
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    try:
        with _loopback_opener(ssl_context).open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError, socket.timeout):
        return None


def http_json(url: str, method: str = "GET", body: object | None = None,
              headers: Mapping[str, str] | None = None, timeout: float = 10.0,
              ssl_context: ssl.SSLContext | None = None) -> object:
    """One JSON request to a loopback server; raises on a non-2xx answer."""
    all_headers = {"Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    with _loopback_opener(ssl_context).open(request, timeout=timeout) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


def _loopback_opener(ssl_context: ssl.SSLContext | None = None) -> urllib.request.OpenerDirector:
    # An empty ProxyHandler: a proxy from the environment must never see loopback traffic.
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if ssl_context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=ssl_context))
    return urllib.request.build_opener(*handlers)


def make_loopback_certificate(directory: Path) -> tuple[Path, Path]:
    """Writes a throwaway self-signed certificate for 127.0.0.1 (cert.pem, key.pem) with
    openssl and returns their paths; the certificate is its own CA."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise unittest.SkipTest("openssl is not installed; TLS servers need a certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def base_environment(home: Path) -> dict[str, str]:
    """The environment every child starts from: nothing inherited that could reach AWS,
    a cluster or a registry by accident (credentials, kubeconfig, proxies, auth files)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    # pyenv shims (moto_server) need to find their Python again.
    for name in ("PYENV_ROOT", "PYENV_VERSION"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def assert_no_secret_in(text: str, secrets: Mapping[str, str] | Iterable[str],
                        where: str = "output") -> None:
    """Fails when any secret (or its base64 form) appears in `text`.

    `secrets` maps a label to the value so the failure can name WHICH secret leaked
    without repeating it; a plain iterable is labelled by position.
    """
    labelled = secrets.items() if isinstance(secrets, Mapping) else (
        (f"secret #{i}", value) for i, value in enumerate(secrets))
    for label, value in labelled:
        if not value:
            continue
        forms = {value, base64.b64encode(value.encode()).decode()}
        for form in forms:
            index = text.find(form)
            if index >= 0:
                raise AssertionError(
                    f"{label} leaked into {where} at offset {index}: "
                    f"...{text[max(0, index - 60):index]}<SECRET>...")


# --------------------------------------------------------------------------------------
# Process and log management


class ManagedProcess:
    """A child in its own session, logging to one file, stopped by its process group."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], log_path: Path,
                 cwd: Path | None = None):
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._log_file = open(log_path, "wb")
        # A new session makes the child its own process group leader, so stop() can
        # reach helpers it forks (pyenv shims exec, but be safe) without touching others.
        self.popen = subprocess.Popen(self.argv, env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
                                      stdout=self._log_file, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)
        self._log_file.close()

    def log_tail(self, max_chars: int = 4000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return text[-max_chars:]


class Workspace:
    """One temporary directory plus everything started in it.

    close() stops every process (newest first) and removes the directory unless a
    failure was recorded with mark_failed(); then it prints where the logs are and
    their tails, so a CI log alone explains the failure.
    """

    def __init__(self, name: str):
        self.path = Path(tempfile.mkdtemp(prefix=f"pullkeeper-{name}-"))
        self.failed = False
        self._processes: list[ManagedProcess] = []
        self._closers: list[Callable[[], None]] = []
        self._closed = False
        atexit.register(self.close)

    def subdir(self, name: str) -> Path:
        path = self.path / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def fresh_dir(self, prefix: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=self.path))

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str],
              cwd: Path | None = None) -> ManagedProcess:
        used = {process.name for process in self._processes}
        unique = name
        suffix = 2
        while unique in used:  # per-test servers reuse a name; keep every log
            unique, suffix = f"{name}-{suffix}", suffix + 1
        process = ManagedProcess(unique, argv, env, self.path / f"{unique}.log", cwd=cwd)
        self._processes.append(process)
        return process

    def on_close(self, closer: Callable[[], None]) -> None:
        """Registers a cleanup for things that are not processes (in-process servers)."""
        self._closers.append(closer)

    def mark_failed(self) -> None:
        self.failed = True

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for closer in reversed(self._closers):
            with contextlib.suppress(Exception):
                closer()
        for process in reversed(self._processes):
            process.stop()
        if self.failed:
            self._print_logs()
        else:
            shutil.rmtree(self.path, ignore_errors=True)

    def _print_logs(self) -> None:
        out = sys.stderr
        print(f"\n=== integration logs kept in {self.path} ===", file=out)
        for process in self._processes:
            print(f"--- {process.name} (pid {process.pid}, {process.log_path}) ---", file=out)
            print(process.log_tail(), file=out)
        print("=== end of integration logs ===", file=out)


# --------------------------------------------------------------------------------------
# moto: IAM, STS and ECR with SigV4 and policy checks


@dataclass(frozen=True)
class AccessKey:
    user_name: str
    access_key_id: str
    secret_access_key: str

    def environment(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.secret_access_key}


@dataclass(frozen=True)
class TemporaryKey:
    """Credentials from an STS call: a key pair that only works with its session token."""
    arn: str  # the identity GetCallerIdentity names, e.g. .../assumed-role/ROLE/SESSION
    access_key_id: str
    secret_access_key: str
    session_token: str

    def environment(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
                "AWS_SESSION_TOKEN": self.session_token}


class Moto:
    """moto_server on a free loopback port.

    It starts with auth checks deferred (a huge INITIAL_NO_AUTH_ACTION_COUNT) so users and
    keys can be created with any key; enforce_auth() then makes every later request need a
    valid SigV4 signature from a moto IAM key whose policies allow the action.

    TZ=UTC matters: moto stamps every ECR token with expiresAt = mktime(2015-01-01) in
    local time, so only under UTC is it exactly 2015-01-01T00:00:00Z.
    """

    FIXED_TOKEN_EXPIRY = "2015-01-01T00:00:00Z"

    def __init__(self, workspace: Workspace):
        self._workspace = workspace
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        env = base_environment(workspace.subdir("moto-home"))
        env.update({
            # Needed to attach arn:aws:iam::aws:policy/... managed policies.
            "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
            "INITIAL_NO_AUTH_ACTION_COUNT": "1000000",
        })
        moto_server = shutil.which("moto_server")
        if moto_server is None:
            raise unittest.SkipTest("moto_server is not on PATH (pip install 'moto[server]')")
        self.process = workspace.start(
            "moto", [moto_server, "-H", "127.0.0.1", "-p", str(self.port)], env)
        wait_until(self._ready, f"moto_server on port {self.port}")
        self.auth_enforced = False

    def _ready(self) -> bool:
        if not self.process.alive():
            raise RuntimeError(f"moto_server exited:\n{self.process.log_tail()}")
        return http_status(f"{self.endpoint_url}/moto-api/") == 200

    def client(self, service: str, key: AccessKey | TemporaryKey | None = None):
        """A boto3 client aimed at moto; without a key it uses a throwaway one (only
        useful before enforce_auth())."""
        import boto3  # imported late: only the AWS-facing helpers need it
        import botocore.config

        access_key_id, secret = ("setup", "setup") if key is None else (
            key.access_key_id, key.secret_access_key)
        return boto3.session.Session().client(
            service, endpoint_url=self.endpoint_url, region_name=REGION,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret,
            aws_session_token=getattr(key, "session_token", None),  # a TemporaryKey's
            config=botocore.config.Config(retries={"max_attempts": 1},
                                          proxies={}, connect_timeout=5, read_timeout=30))

    def create_user(self, user_name: str, ecr_read_only: bool = True) -> AccessKey:
        """Creates an IAM user (with or without the ECR read-only managed policy) and one
        access key for it. Call before enforce_auth()."""
        if self.auth_enforced:
            raise RuntimeError("create users before enforce_auth(): setup needs no signature")
        iam = self.client("iam")
        iam.create_user(UserName=user_name)
        if ecr_read_only:
            iam.attach_user_policy(UserName=user_name, PolicyArn=ECR_READ_ONLY_POLICY)
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
        return AccessKey(user_name, key["AccessKeyId"], key["SecretAccessKey"])

    def enforce_auth(self) -> None:
        # Content-Type text/plain is required: moto reads the raw body as a float, and a
        # form-encoded body arrives empty (moto then answers 500).
        status = http_status(f"{self.endpoint_url}/moto-api/reset-auth", method="POST",
                             data=b"0", headers={"Content-Type": "text/plain"})
        if status != 200:
            raise RuntimeError(f"moto reset-auth answered {status}")
        self.auth_enforced = True

    def relax_auth(self) -> None:
        """Switches the checks off again (body `inf`). Needed around
        AssumeRoleWithWebIdentity: SDKs send it unsigned, and moto with checks on answers an
        unsigned request with 500 instead of processing it."""
        status = http_status(f"{self.endpoint_url}/moto-api/reset-auth", method="POST",
                             data=b"inf", headers={"Content-Type": "text/plain"})
        if status != 200:
            raise RuntimeError(f"moto reset-auth answered {status}")
        self.auth_enforced = False

    @contextlib.contextmanager
    def auth_relaxed(self):
        """relax_auth() for the duration of a `with` block, then enforce_auth() again."""
        self.relax_auth()
        try:
            yield
        finally:
            self.enforce_auth()

    def allow_user(self, user_name: str, actions: Sequence[str]) -> None:
        """Adds an inline policy letting the user call `actions` on any resource, e.g.
        ["sts:AssumeRole"]. Call before enforce_auth()."""
        self.client("iam").put_user_policy(
            UserName=user_name, PolicyName="allow-" + "-".join(
                action.replace(":", "-") for action in actions),
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}))

    def create_role(self, role_name: str, trusted_principal: str,
                    actions: Sequence[str] = ()) -> str:
        """Creates a role whose trust policy lets `trusted_principal` assume it and returns
        its ARN. moto matches the principal literally: name the caller's exact ARN (a user
        ARN, not the account root) or "*". `actions` become an inline policy of the role
        (e.g. ["sts:AssumeRole"] for a role that is the first hop of a chain). Call before
        enforce_auth()."""
        iam = self.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": trusted_principal},
            "Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"]}]}
        role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))
        if actions:
            iam.put_role_policy(RoleName=role_name, PolicyName="role-actions",
                                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                    {"Effect": "Allow", "Action": list(actions),
                                     "Resource": "*"}]}))
        return role["Role"]["Arn"]

    def assume_role(self, key: AccessKey, role_arn: str, session_name: str) -> TemporaryKey:
        """sts:AssumeRole as `key` (works with checks on or off)."""
        answer = self.client("sts", key).assume_role(RoleArn=role_arn,
                                                      RoleSessionName=session_name)
        credentials = answer["Credentials"]
        return TemporaryKey(answer["AssumedRoleUser"]["Arn"], credentials["AccessKeyId"],
                            credentials["SecretAccessKey"], credentials["SessionToken"])


# --------------------------------------------------------------------------------------
# docker-registry with htpasswd auth and one hand-built image


def build_oci_layout(directory: Path, tag: str = IMAGE_TAG) -> str:
    """Writes a one-layer OCI image layout by hand (no network, no docker) and returns
    the manifest digest. Byte-for-byte deterministic: fixed mtime, owner and gzip header."""
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)

    def put_blob(data: bytes) -> tuple[str, int]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return f"sha256:{digest}", len(data)

    content = b"hello salon\n"
    layer_tar = io.BytesIO()
    with tarfile.open(fileobj=layer_tar, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime, info.mode = len(content), 1577836800, 0o644  # 2020-01-01
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        tar.addfile(info, io.BytesIO(content))
    layer = layer_tar.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    layer_digest, layer_size = put_blob(gzip.compress(layer, mtime=0))

    config = json.dumps({
        "architecture": "amd64", "os": "linux", "config": {"Cmd": ["/hello"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "pullkeeper integration harness"}],
    }, separators=(",", ":")).encode()
    config_digest, config_size = put_blob(config)

    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest, "size": layer_size}],
    }, separators=(",", ":")).encode()
    manifest_digest, manifest_size = put_blob(manifest)

    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": manifest_digest, "size": manifest_size,
        "annotations": {"org.opencontainers.image.ref.name": tag}}]}
    (directory / "index.json").write_text(json.dumps(index))
    (directory / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    return manifest_digest


def docker_config_json(host: str, username: str, password: str) -> dict:
    """The kubernetes.io/dockerconfigjson shape skopeo reads (it uses only `auth`)."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"auths": {host: {"username": username, "password": password, "auth": auth}}}


class Registry:
    """docker-registry on a free loopback port, Basic auth from htpasswd with the exact
    user and password moto's ECR tokens carry, holding salon/frontend:staging-abc123."""

    def __init__(self, workspace: Workspace):
        for tool in ("docker-registry", "skopeo", "htpasswd"):
            if shutil.which(tool) is None:
                raise unittest.SkipTest(
                    f"{tool} is not installed (scripts/install-deps.sh installs it)")
        self._workspace = workspace
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.image_reference = f"{self.host}/{IMAGE_REPOSITORY}:{IMAGE_TAG}"
        directory = workspace.subdir("registry")
        self._home = workspace.subdir("registry-home")

        htpasswd = subprocess.run(["htpasswd", "-Bbn", ECR_USERNAME, ECR_PASSWORD],
                                  check=True, capture_output=True, text=True).stdout
        (directory / "htpasswd").write_text(htpasswd)
        (directory / "data").mkdir(exist_ok=True)
        # JSON is valid YAML, and it spares us quoting paths by hand.
        (directory / "config.yml").write_text(json.dumps({
            "version": 0.1,
            "log": {"level": "info"},
            "storage": {"filesystem": {"rootdirectory": str(directory / "data")}},
            "http": {"addr": self.host, "secret": "pullkeeper-integration"},
            "auth": {"htpasswd": {"realm": "pullkeeper-test", "path": str(directory / "htpasswd")}},
        }, indent=2))
        self.process = workspace.start("registry", ["docker-registry", "serve",
                                                    str(directory / "config.yml")],
                                       base_environment(self._home))
        wait_until(self._ready, f"docker-registry on {self.host}")

        self.manifest_digest = build_oci_layout(workspace.subdir("image-oci"))
        self._push(workspace.path / "image-oci")

    def _ready(self) -> bool:
        if not self.process.alive():
            raise RuntimeError(f"docker-registry exited:\n{self.process.log_tail()}")
        # 401 is the healthy answer: the server is up and demands credentials.
        return http_status(f"http://{self.host}/v2/") == 401

    def _skopeo_environment(self) -> dict[str, str]:
        # A fresh HOME, and no XDG_RUNTIME_DIR / REGISTRY_AUTH_FILE: skopeo silently falls
        # back to ~/.docker/config.json and friends when the authfile lacks the host.
        return base_environment(self._workspace.fresh_dir("skopeo-home"))

    def _push(self, layout: Path) -> None:
        result = subprocess.run(
            ["skopeo", "copy", "--dest-tls-verify=false",
             "--dest-creds", f"{ECR_USERNAME}:{ECR_PASSWORD}",
             f"oci:{layout}:{IMAGE_TAG}", f"docker://{self.image_reference}"],
            env=self._skopeo_environment(), capture_output=True, text=True,
            timeout=SKOPEO_TIMEOUT_SECONDS)
        if result.returncode != 0:
            raise RuntimeError(f"skopeo copy into the test registry failed:\n{result.stderr}")

    def inspect_with_authfile(self, authfile: Path) -> tuple[bool, str]:
        """Runs `skopeo inspect` of the pushed image with only `authfile` as credentials;
        returns (succeeded, stderr). This is the pull a kubelet would do with the secret."""
        result = subprocess.run(
            ["skopeo", "inspect", "--authfile", str(authfile), "--tls-verify=false",
             f"docker://{self.image_reference}"],
            env=self._skopeo_environment(), capture_output=True, text=True,
            timeout=SKOPEO_TIMEOUT_SECONDS)
        return result.returncode == 0, result.stderr

    def inspect_with_docker_config(self, docker_config: Mapping) -> tuple[bool, str]:
        """inspect_with_authfile() for an in-memory .dockerconfigjson document."""
        path = self._workspace.fresh_dir("authfile") / "config.json"
        path.write_text(json.dumps(docker_config))
        return self.inspect_with_authfile(path)


# --------------------------------------------------------------------------------------
# The fake Kubernetes API server

FAKE_KUBE_API_SERVER = REPO_ROOT / "tests" / "fakes" / "kube_api_server.py"


def write_kubeconfig(path: Path, server_url: str, token: str | None,
                     context: str = "sandbox", certificate_authority: Path | None = None) -> Path:
    """A kubeconfig with one cluster, one user (bearer token, or none when `token` is
    None) and one current context; `certificate_authority` is the CA file for https."""
    cluster = {"server": server_url}
    if certificate_authority is not None:
        cluster["certificate-authority"] = str(certificate_authority)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": "pullkeeper", "user": {"token": token} if token else {}}],
        "contexts": [{"name": context,
                      "context": {"cluster": context, "user": "pullkeeper"}}],
        "current-context": context,
    }
    # JSON is YAML; a kubeconfig parser must accept it (kubectl does).
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)
    return path


class KubeApi:
    """The fake API server (tests/fakes/kube_api_server.py) as a subprocess, with a
    kubeconfig that points at it using a bearer token the server requires.

    Seeding goes through /_fake/objects, so it never shows up in the request log that
    tests assert on; reads go through the real API with the token, like a client would.

    `tls=True` serves HTTPS with a throwaway certificate that the kubeconfig names as its
    CA: client-go (kubectl) sends a bearer token only over TLS, so a kubeconfig shared by
    pullkeeper and kubectl needs it. `token=None` turns authentication off. `verbose=False`
    drops the per-request log line (benchmarks).
    """

    def __init__(self, workspace: Workspace, name: str = "kube-api",
                 token: str | None = "sandbox-bearer-token-0123456789", *,
                 tls: bool = False, verbose: bool = True):
        if not FAKE_KUBE_API_SERVER.is_file():
            raise unittest.SkipTest(f"fake API server missing: {FAKE_KUBE_API_SERVER}")
        self.token = token
        directory = workspace.fresh_dir(name)
        port_file = directory / "port"
        argv = [sys.executable, str(FAKE_KUBE_API_SERVER), "--port", "0",
                "--port-file", str(port_file)]
        if token:
            argv += ["--token", token]
        if verbose:
            argv.append("--verbose")
        self.certificate: Path | None = None
        self.ssl_context: ssl.SSLContext | None = None
        if tls:
            self.certificate, key = make_loopback_certificate(directory)
            argv += ["--tls-cert", str(self.certificate), "--tls-key", str(key)]
            self.ssl_context = ssl.create_default_context(cafile=str(self.certificate))
        self.process = workspace.start(name, argv, base_environment(directory))
        wait_until(lambda: self._port_written(port_file), f"fake API server {name}")
        self.port = int(port_file.read_text())
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.kubeconfig = write_kubeconfig(directory / "kubeconfig", self.url, token,
                                           certificate_authority=self.certificate)

    def _port_written(self, port_file: Path) -> bool:
        if not self.process.alive():
            raise RuntimeError(f"fake API server exited:\n{self.process.log_tail()}")
        return port_file.is_file() and port_file.read_text().strip() != ""

    def stop(self) -> None:
        self.process.stop()

    # -- the real API, as an authenticated client -------------------------------------------

    def _api(self, method: str, path: str, body: object | None = None,
             timeout: float = 10.0) -> object:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return http_json(self.url + path, method=method, body=body, headers=headers,
                         timeout=timeout, ssl_context=self.ssl_context)

    def get_secret(self, namespace: str, name: str) -> dict | None:
        try:
            return self._api("GET", f"/api/v1/namespaces/{namespace}/secrets/{name}")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def docker_config(self, namespace: str, name: str) -> dict:
        """The decoded .dockerconfigjson of a secret (what a kubelet would read)."""
        secret = self.get_secret(namespace, name)
        if secret is None:
            raise AssertionError(f"secret {namespace}/{name} does not exist")
        encoded = (secret.get("data") or {}).get(".dockerconfigjson")
        if encoded is None:
            raise AssertionError(f"secret {namespace}/{name} has no .dockerconfigjson")
        return json.loads(base64.b64decode(encoded))

    def list_secrets(self, field_selector: str = "", timeout: float = 60.0) -> list[dict]:
        """Every Secret in every namespace (one unpaged list), optionally narrowed by a
        fieldSelector such as `metadata.name=ecr-registry`. Shows up in the request log."""
        query = f"?fieldSelector={urllib.parse.quote(field_selector)}" if field_selector else ""
        return self._api("GET", f"/api/v1/secrets{query}", timeout=timeout)["items"]

    # -- test control (/_fake/) -------------------------------------------------------------

    def _control(self, method: str, path: str, body: object | None = None,
                 timeout: float = 10.0) -> object:
        return http_json(f"{self.url}/_fake/{path}", method=method, body=body, timeout=timeout,
                         ssl_context=self.ssl_context)

    def seed(self, *objects: Mapping, timeout: float = 10.0, raw: bool = False) -> list[dict]:
        """Stores objects as a create would (validated, uid assigned), without logging.
        `raw=True` stores them as given (e.g. with managedFields, which a create drops).
        Thousands of objects go in one call; give them a longer `timeout`."""
        path = "objects?raw=1" if raw else "objects"
        return self._control("POST", path, {"items": list(objects)}, timeout)["items"]

    def reset(self) -> None:
        """Back to the fake's initial state: objects, faults and request log."""
        self._control("POST", "reset")

    def stats(self) -> dict:
        """Counters of the fake (`resourceVersion`, `objects`, `requests`, ...)."""
        return self._control("GET", "stats")

    def create_namespace(self, name: str, labels: Mapping[str, str] | None = None) -> dict:
        metadata = {"name": name, **({"labels": dict(labels)} if labels else {})}
        return self.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata})[0]

    def create_secret(self, namespace: str, secret: Mapping) -> dict:
        """Seeds a Secret into `namespace` (the fake invents the namespace if missing, so
        tests about missing namespaces simply never seed one)."""
        body = json.loads(json.dumps(secret))
        body.setdefault("apiVersion", "v1")
        body.setdefault("kind", "Secret")
        body.setdefault("metadata", {})["namespace"] = namespace
        return self.seed(body)[0]

    def requests(self) -> list[dict]:
        """Every API request since the last clear, oldest first: method, path, query,
        content_type, code, body, ... (see tests/fakes/README.md)."""
        return self._control("GET", "requests", timeout=60.0)["requests"]

    def clear_requests(self) -> None:
        self._control("POST", "reset-requests")

    def set_faults(self, faults: Mapping) -> None:
        """Replaces every fault at once (the fake's POST /_fake/faults semantics)."""
        self._control("POST", "faults", dict(faults))

    def forbid(self, namespace: str, resource: str = "secrets",
               verbs: Sequence[str] | None = None) -> None:
        """Makes RBAC refuse `resource` in `namespace` (all verbs unless given) with 403."""
        rule = {"resource": resource, "namespace": namespace}
        if verbs:
            rule["verbs"] = list(verbs)
        self.set_faults({"forbid": [rule]})


def kube_objects_of_snapshot(directory: Path) -> list[dict]:
    """Every Kubernetes object in the `kubectl get -o json` files directly in `directory`
    (not its subdirectories, where a doctor snapshot keeps the AWS outputs), with `kind` and
    `apiVersion` filled in from the list's when its items lack them. Files that are not JSON
    (a snapshot may hold junk on purpose) are left out."""
    objects = []
    for path in sorted(directory.glob("*.json")):
        try:
            document = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(document, dict):
            continue
        list_kind = document.get("kind", "")
        if isinstance(document.get("items"), list) and list_kind.endswith("List"):
            implied_kind = list_kind[:-len("List")]
            for item in document["items"]:
                item = dict(item)
                item.setdefault("kind", implied_kind)
                item.setdefault("apiVersion", document.get("apiVersion", "v1"))
                objects.append(item)
        elif "metadata" in document and list_kind:
            objects.append(document)
    return objects


def seed_snapshot(kube: "KubeApi", directory: Path,
                  served: Callable[[dict], bool] | None = None) -> list[dict]:
    """Plants the Kubernetes objects of a doctor snapshot directory (see
    kube_objects_of_snapshot) in the fake API server as stored objects, status included, so
    that live mode reads the same state the snapshot describes. `served` picks the objects
    to plant (default: all but kinds the fake does not serve, such as Node). Returns what
    the fake stored."""
    unserved = {"Node", "List"}
    objects = [obj for obj in kube_objects_of_snapshot(directory)
               if (served(obj) if served else obj.get("kind") not in unserved)]
    return kube.seed(*objects, raw=True, timeout=60.0)


# --------------------------------------------------------------------------------------
# Small credential fakes (IMDS, container credentials): a script that takes --port-file

FAKES_DIR = REPO_ROOT / "tests" / "fakes"


class PortFileFake:
    """One of the tests/fakes scripts that binds 127.0.0.1 and writes its port to the file
    named by --port-file; started with the extra `args` and stopped with the workspace.
    A missing script raises FileNotFoundError naming it (the caller decides whether that
    is a skip, a failure or an expected failure)."""

    def __init__(self, workspace: Workspace, script: str, args: Sequence[str] = (),
                 name: str | None = None):
        path = FAKES_DIR / script
        if not path.is_file():
            raise FileNotFoundError(f"fake server script missing: {path}")
        name = name or path.stem
        directory = workspace.fresh_dir(name)
        port_file = directory / "port"
        self.process = workspace.start(
            name, [sys.executable, str(path), "--port-file", str(port_file), *args],
            base_environment(directory))

        def port_written() -> bool:
            if not self.process.alive():
                raise RuntimeError(f"{path.name} exited:\n{self.process.log_tail()}")
            return port_file.is_file() and port_file.read_text().strip() != ""

        wait_until(port_written, f"{path.name}")
        self.port = int(port_file.read_text())
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.stop()


# --------------------------------------------------------------------------------------
# The pullkeeper binary


def pullkeeper_binary() -> Path:
    """Where the binary under test is: $PULLKEEPER_BIN (ctest sets it), else build/."""
    configured = os.environ.get("PULLKEEPER_BIN")
    return Path(configured) if configured else REPO_ROOT / "build" / "src" / "cli" / "pullkeeper"


def require_pullkeeper() -> Path:
    """Skips the calling test class with a clear message while the binary is not built."""
    binary = pullkeeper_binary()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise unittest.SkipTest(
            f"pullkeeper binary not found at {binary}: build it (scripts/build.sh) or set "
            "PULLKEEPER_BIN to its path")
    return binary


def run_pullkeeper(args: Sequence[str], env: Mapping[str, str] | None = None, *,
                   home: Path | None = None, binary: Path | None = None,
                   timeout: float = PULLKEEPER_TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
    """Runs pullkeeper with `args` in a clean environment plus `env`.

    Nothing is inherited from the test process but PATH: no AWS_* keys, profiles or
    shared files, no KUBECONFIG, no proxies. HOME is an empty directory (a fresh one per
    run unless given), so ~/.aws and ~/.kube cannot leak in; IMDS is disabled so a missing
    credential can never turn into a call to 169.254.169.254.
    """
    binary = binary or require_pullkeeper()
    with contextlib.ExitStack() as stack:
        if home is None:
            home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pk-home-")))
        full_env = base_environment(home)
        full_env.update(env or {})
        return subprocess.run([str(binary), *args], env=full_env, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def describe_run(result: subprocess.CompletedProcess) -> str:
    """A failure message body: what ran, its exit code and both streams."""
    return (f"\n$ {' '.join(map(str, result.args))}\nexit code {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}")


# --------------------------------------------------------------------------------------
# unittest glue


class IntegrationTestCase(unittest.TestCase):
    """Base class: one Workspace per test class, closed after the class even when
    setUpClass fails; logs are kept and printed when any test of the class failed."""

    workspace: Workspace

    @classmethod
    def setUpClass(cls) -> None:
        cls.workspace = Workspace(cls.__name__)
        # Class cleanups run even when setUpClass raises, unlike tearDownClass.
        cls.addClassCleanup(cls.workspace.close)
        try:
            cls.start_parts()
        except unittest.SkipTest:
            raise
        except BaseException:
            cls.workspace.mark_failed()
            raise

    @classmethod
    def start_parts(cls) -> None:
        """Subclasses start their servers here (once per class: moto alone takes ~2 s)."""

    def run(self, result=None):
        # TestResult is the only public place that knows whether this test failed.
        result = result if result is not None else self.defaultTestResult()
        problems_before = len(result.failures) + len(result.errors)
        outcome = super().run(result)
        if len(result.failures) + len(result.errors) > problems_before:
            type(self).workspace.mark_failed()
        return outcome


SKIP_EXIT_CODE = 77  # ctest's SKIP_RETURN_CODE for these tests (see CMakeLists.txt)


def main() -> None:
    """unittest.main(), but exits 77 when nothing ran because everything was skipped, so
    ctest reports "skipped" instead of a silent pass."""
    program = unittest.main(verbosity=2, exit=False)
    result = program.result
    if not result.wasSuccessful():
        sys.exit(1)
    # A class skipped in setUpClass is one entry for an _ErrorHolder, not a TestCase,
    # and its tests never count as run.
    skipped_tests = sum(isinstance(test, unittest.TestCase) for test, _ in result.skipped)
    if result.skipped and result.testsRun == skipped_tests:
        sys.exit(SKIP_EXIT_CODE)
    sys.exit(0)
