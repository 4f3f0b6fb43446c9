#!/usr/bin/env python3
"""Tests for kube_api_server.py.

Two kinds of evidence that the fake is faithful: direct HTTP checks against the reference bodies
in shared/testdata/protocols/kube-api.md (transcribed below, names chosen to match so bodies
compare whole), and runs of the real kubectl 1.32 against the fake. Every test starts its own
server on 127.0.0.1, port 0. Run: python3 tests/fakes/kube_api_server_test.py
"""

import base64
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kube_api_server  # noqa: E402  (the path tweak above makes the sibling importable)

SERVER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kube_api_server.py")
DOCKER_CONFIG_JSON = json.dumps({"auths": {"123456789012.dkr.ecr.us-west-2.amazonaws.com": {
    "username": "AWS", "password": "example-token", "auth": "QVdTOmV4YW1wbGUtdG9rZW4="}}})


def b64(text):
    return base64.b64encode(text.encode()).decode()


def pull_secret(name="ecr-pull", namespace="default", labels=None, payload=DOCKER_CONFIG_JSON,
                **extra):
    secret = {"apiVersion": "v1", "kind": "Secret",
              "metadata": {"name": name, "namespace": namespace},
              "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": b64(payload)}}
    if labels:
        secret["metadata"]["labels"] = labels
    secret.update(extra)
    return secret


def status(message, reason, code, details=None, **detail_fields):
    """A Status body as kube-api.md section 3.1 writes them. Generic errors (unknown path,
    failed JSON patch) carry an empty `details: {}`, which `details={}` asks for."""
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason}
    if detail_fields or details is not None:
        body["details"] = dict(details or {}, **detail_fields)
    body["code"] = code
    return body


def find_kubectl_1_32():
    dispatcher = shutil.which("kubectl")
    if not dispatcher:
        return None
    candidate = os.path.join(os.path.dirname(os.path.realpath(dispatcher)), "kubectl.1.32")
    return candidate if os.access(candidate, os.X_OK) else None


KUBECTL = find_kubectl_1_32()
OPENSSL = shutil.which("openssl")


class ApiClient:
    """Small urllib client; returns (code, parsed body, headers) and never raises on status."""

    def __init__(self, base_url, token=None, ssl_context=None):
        self.base_url = base_url
        self.token = token
        self.ssl_context = ssl_context

    def call(self, method, path, body=None, content_type="application/json", headers=None):
        data = body if isinstance(body, (bytes, type(None))) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10, context=self.ssl_context) as reply:
                return reply.status, self._parse(reply.read()), reply.headers
        except urllib.error.HTTPError as error:
            return error.code, self._parse(error.read()), error.headers

    @staticmethod
    def _parse(raw):
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, body, **kwargs):
        return self.call("POST", path, body, **kwargs)

    def put(self, path, body, **kwargs):
        return self.call("PUT", path, body, **kwargs)

    def patch(self, path, body, content_type="application/merge-patch+json"):
        return self.call("PATCH", path, body, content_type=content_type)

    def delete(self, path, body=None):
        return self.call("DELETE", path, body)


SECRETS = "/api/v1/namespaces/default/secrets"


class FakeServerTestCase(unittest.TestCase):
    """Starts a fresh fake per test; `self.api` talks to it."""

    server_options = {}

    def setUp(self):
        self.server = kube_api_server.FakeKubeApiServer(**self.server_options).start()
        self.addCleanup(self.server.stop)
        self.api = ApiClient(self.server.url, token=self.server_options.get("token"))

    def create_secret(self, secret=None, path=SECRETS):
        code, body, _ = self.api.post(path, secret or pull_secret())
        self.assertEqual(code, 201, body)
        return body

    def configure_faults(self, faults):
        code, body, _ = self.api.post("/_fake/faults", faults)
        self.assertEqual(code, 200, body)

    def open_watch(self, path):
        """A streaming GET; returns a function that reads the next event (or None at EOF)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        self.addCleanup(connection.close)
        connection.request("GET", path)
        response = connection.getresponse()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Transfer-Encoding"), "chunked")

        def next_event():
            line = response.readline()
            return json.loads(line) if line else None
        return next_event


class StatusBodiesTest(FakeServerTestCase):
    """Error and success bodies equal the kube-api.md examples field for field."""

    def test_get_of_missing_secret_is_reference_not_found(self):
        code, body, _ = self.api.get(f"{SECRETS}/ecr-pull")
        self.assertEqual(code, 404)
        self.assertEqual(body, status('secrets "ecr-pull" not found', "NotFound", 404,
                                      name="ecr-pull", kind="secrets"))

    def test_create_in_missing_namespace_is_reference_namespace_not_found(self):
        code, body, _ = self.api.post("/api/v1/namespaces/nope/secrets",
                                      pull_secret(namespace="nope"))
        self.assertEqual(code, 404)
        self.assertEqual(body, status('namespaces "nope" not found', "NotFound", 404,
                                      name="nope", kind="namespaces"))

    def test_second_create_is_reference_already_exists(self):
        self.create_secret()
        code, body, _ = self.api.post(SECRETS, pull_secret())
        self.assertEqual(code, 409)
        self.assertEqual(body, status('secrets "ecr-pull" already exists', "AlreadyExists",
                                      409, name="ecr-pull", kind="secrets"))

    def test_put_with_stale_resource_version_is_reference_conflict(self):
        stale = self.create_secret()
        self.api.patch(f"{SECRETS}/ecr-pull", {"metadata": {"labels": {"changed": "yes"}}})
        code, body, _ = self.api.put(f"{SECRETS}/ecr-pull", stale)
        self.assertEqual(code, 409)
        self.assertEqual(body, status(
            'Operation cannot be fulfilled on secrets "ecr-pull": the object has been modified; '
            "please apply your changes to the latest version and try again", "Conflict", 409,
            name="ecr-pull", kind="secrets"))

    def test_lease_conflict_names_the_group_in_message_and_details(self):
        path = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": "ecr-token-sync"},
                 "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}}
        code, stale, _ = self.api.post(path, lease)
        self.assertEqual(code, 201, stale)
        renewed = json.loads(json.dumps(stale))
        renewed["spec"]["holderIdentity"] = "b"
        self.assertEqual(self.api.put(f"{path}/ecr-token-sync", renewed)[0], 200)
        code, body, _ = self.api.put(f"{path}/ecr-token-sync", stale)
        self.assertEqual(body, status(
            'Operation cannot be fulfilled on leases.coordination.k8s.io "ecr-token-sync": the '
            "object has been modified; please apply your changes to the latest version and try "
            "again", "Conflict", 409, name="ecr-token-sync", group="coordination.k8s.io",
            kind="leases"))

    def test_dockerconfigjson_without_key_is_reference_required_value(self):
        secret = pull_secret()
        secret["data"] = {}
        code, body, _ = self.api.post(SECRETS, secret)
        self.assertEqual(code, 422)
        self.assertEqual(body, status(
            'Secret "ecr-pull" is invalid: data[.dockerconfigjson]: Required value', "Invalid",
            422, name="ecr-pull", kind="Secret", causes=[
                {"reason": "FieldValueRequired", "message": "Required value",
                 "field": "data[.dockerconfigjson]"}]))

    def test_dockerconfigjson_that_is_not_json_is_reference_invalid_value(self):
        code, body, _ = self.api.post(SECRETS, pull_secret(payload="not json"))
        detail = ("Invalid value: \"<secret contents redacted>\": invalid character 'o' in "
                  "literal null (expecting 'u')")
        self.assertEqual(code, 422)
        self.assertEqual(body, status(
            f'Secret "ecr-pull" is invalid: data[.dockerconfigjson]: {detail}', "Invalid", 422,
            name="ecr-pull", kind="Secret", causes=[
                {"reason": "FieldValueInvalid", "message": detail,
                 "field": "data[.dockerconfigjson]"}]))

    def test_changing_type_is_reference_field_is_immutable(self):
        created = self.create_secret()
        created["type"] = "Opaque"
        code, body, _ = self.api.put(f"{SECRETS}/ecr-pull", created)
        detail = 'Invalid value: "Opaque": field is immutable'
        self.assertEqual(code, 422)
        self.assertEqual(body, status(f'Secret "ecr-pull" is invalid: type: {detail}', "Invalid",
                                      422, name="ecr-pull", kind="Secret", causes=[
                                          {"reason": "FieldValueInvalid", "message": detail,
                                           "field": "type"}]))

    def test_bad_name_is_reference_rfc1123_message(self):
        code, body, _ = self.api.post(SECRETS, pull_secret(name="Bad_Name"))
        detail = ("Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of "
                  "lower case alphanumeric characters, '-' or '.', and must start and end with an "
                  "alphanumeric character (e.g. 'example.com', regex used for validation is "
                  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
        self.assertEqual(code, 422)
        self.assertEqual(body, status(f'Secret "Bad_Name" is invalid: metadata.name: {detail}',
                                      "Invalid", 422, name="Bad_Name", kind="Secret", causes=[
                                          {"reason": "FieldValueInvalid", "message": detail,
                                           "field": "metadata.name"}]))

    def test_forbid_fault_is_reference_rbac_forbidden(self):
        self.configure_faults({"forbid": [{
            "namespace": "default", "resource": "secrets", "verbs": ["get"],
            "user": "system:serviceaccount:kube-system:ecr-token-sync"}]})
        code, body, _ = self.api.get(f"{SECRETS}/ecr-pull")
        self.assertEqual(code, 403)
        self.assertEqual(body, status(
            'secrets "ecr-pull" is forbidden: User '
            '"system:serviceaccount:kube-system:ecr-token-sync" cannot get resource "secrets" in '
            'API group "" in the namespace "default"', "Forbidden", 403, name="ecr-pull",
            kind="secrets"))

    def test_delete_is_reference_success_status_with_uid(self):
        uid = self.create_secret()["metadata"]["uid"]
        code, body, _ = self.api.delete(f"{SECRETS}/ecr-pull")
        self.assertEqual(code, 200)
        self.assertEqual(body, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Success",
                                "details": {"name": "ecr-pull", "kind": "secrets", "uid": uid}})
        self.assertEqual(self.api.delete(f"{SECRETS}/ecr-pull")[0], 404)

    def test_apply_over_another_managers_field_is_reference_apply_conflict(self):
        self.api.call("POST", f"{SECRETS}?fieldManager=kubectl-edit", pull_secret())
        config = pull_secret(payload='{"auths":{}}')
        code, body, _ = self.api.call("PATCH", f"{SECRETS}/ecr-pull?fieldManager=ecr-token-sync",
                                      config, content_type="application/apply-patch+yaml")
        self.assertEqual(code, 409)
        self.assertEqual(body, status(
            'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: '
            ".data..dockerconfigjson", "Conflict", 409, causes=[
                {"reason": "FieldManagerConflict",
                 "message": 'conflict with "kubectl-edit" using v1',
                 "field": ".data..dockerconfigjson"}]))

    def test_unknown_path_is_not_found_status(self):
        code, body, _ = self.api.get("/api/v1/nothings")
        self.assertEqual(code, 404)
        self.assertEqual(body, status("the server could not find the requested resource",
                                      "NotFound", 404, details={}))

    def test_error_bodies_escape_html_characters_like_go(self):
        # Parsed JSON would hide the escaping, so read the raw bytes.
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=5)
        connection.request("POST", SECRETS, json.dumps(pull_secret(payload="not json")),
                           {"Content-Type": "application/json"})
        reply = connection.getresponse().read()
        connection.close()
        self.assertIn(b"\\u003csecret contents redacted\\u003e", reply)


class UnauthorizedTest(FakeServerTestCase):
    server_options = {"token": "right-token"}

    def test_wrong_token_is_reference_unauthorized(self):
        wrong = ApiClient(self.server.url, token="wrong-token")
        code, body, _ = wrong.get(SECRETS)
        self.assertEqual(code, 401)
        self.assertEqual(body, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Failure", "message": "Unauthorized",
                                "reason": "Unauthorized", "code": 401})

    def test_right_token_is_served(self):
        self.assertEqual(self.api.get(SECRETS)[0], 200)


class SecretWriteTest(FakeServerTestCase):
    def test_create_sets_system_metadata(self):
        created = self.create_secret()
        metadata = created["metadata"]
        self.assertEqual(len(metadata["uid"]), 36)
        self.assertTrue(metadata["resourceVersion"].isdigit())
        self.assertRegex(metadata["creationTimestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual((created["kind"], created["apiVersion"]), ("Secret", "v1"))

    def test_put_without_resource_version_overwrites_unconditionally(self):
        created = self.create_secret()
        update = pull_secret(labels={"a": "b"})
        code, body, _ = self.api.put(f"{SECRETS}/ecr-pull", update)
        self.assertEqual(code, 200, body)
        self.assertEqual(body["metadata"]["uid"], created["metadata"]["uid"])
        self.assertNotEqual(body["metadata"]["resourceVersion"],
                            created["metadata"]["resourceVersion"])

    def test_put_of_missing_secret_is_not_found_not_created(self):
        self.assertEqual(self.api.put(f"{SECRETS}/ecr-pull", pull_secret())[0], 404)
        self.assertEqual(self.api.get(f"{SECRETS}/ecr-pull")[0], 404)

    def test_put_that_changes_nothing_keeps_resource_version(self):
        created = self.create_secret()
        code, body, _ = self.api.put(f"{SECRETS}/ecr-pull", created)
        self.assertEqual(body["metadata"]["resourceVersion"],
                         created["metadata"]["resourceVersion"])

    def test_string_data_is_merged_into_data_and_never_returned(self):
        secret = pull_secret(stringData={"extra": "plain"})
        created = self.create_secret(secret)
        self.assertNotIn("stringData", created)
        self.assertEqual(created["data"]["extra"], b64("plain"))
        self.assertNotIn("stringData", self.api.get(f"{SECRETS}/ecr-pull")[1])

    def test_immutable_secret_rejects_data_change(self):
        created = self.create_secret(pull_secret(immutable=True))
        created["data"][".dockerconfigjson"] = b64('{"auths":{}}')
        code, body, _ = self.api.put(f"{SECRETS}/ecr-pull", created)
        self.assertEqual(code, 422)
        self.assertEqual(body["message"], 'Secret "ecr-pull" is invalid: data: Forbidden: field '
                                          "is immutable when `immutable` is set")

    def test_data_over_one_mebibyte_is_too_long(self):
        secret = pull_secret()
        secret["data"]["big"] = base64.b64encode(b"x" * (1024 * 1024)).decode()
        code, body, _ = self.api.post(SECRETS, secret)
        self.assertEqual(code, 422)
        self.assertIn("data: Too long: may not be more than 1048576 bytes", body["message"])

    def test_bad_data_key_is_invalid(self):
        secret = pull_secret()
        secret["data"]["bad key"] = b64("x")
        code, body, _ = self.api.post(SECRETS, secret)
        self.assertEqual(code, 422)
        self.assertEqual(body["details"]["causes"][0]["field"], "data[bad key]")

    def test_dockerconfigjson_that_is_an_array_is_invalid_like_go(self):
        code, body, _ = self.api.post(SECRETS, pull_secret(payload="[]"))
        self.assertEqual(code, 422)
        self.assertIn("json: cannot unmarshal array into Go value of type map[string]interface {}",
                      body["message"])

    def test_plain_text_in_data_is_bad_request_with_go_base64_offset(self):
        secret = pull_secret()
        secret["data"]["note"] = "pass word"
        code, body, _ = self.api.post(SECRETS, secret)
        self.assertEqual((code, body["message"]), (400, 'Secret in version "v1" cannot be handled '
                                                        "as a Secret: illegal base64 data at "
                                                        "input byte 4"))

    def test_body_that_is_not_json_is_bad_request(self):
        code, body, _ = self.api.post(SECRETS, b"not json")
        self.assertEqual(code, 400)
        self.assertEqual(body["reason"], "BadRequest")
        self.assertIn("invalid character 'o' in literal null (expecting 'u')", body["message"])

    def test_unknown_field_is_rejected_when_strict_and_warned_otherwise(self):
        secret = pull_secret(spec={})
        code, body, _ = self.api.post(f"{SECRETS}?fieldValidation=Strict", secret)
        self.assertEqual((code, body["message"]), (400, 'Secret in version "v1" cannot be handled '
                                                        'as a Secret: strict decoding error: '
                                                        'unknown field "spec"'))
        code, _, headers = self.api.post(SECRETS, secret)
        self.assertEqual(code, 201)
        self.assertEqual(headers["Warning"], '299 - "unknown field \\"spec\\""')

    def test_generate_name_makes_a_unique_name(self):
        secret = pull_secret()
        del secret["metadata"]["name"]
        secret["metadata"]["generateName"] = "ecr-"
        created = self.create_secret(secret)
        self.assertRegex(created["metadata"]["name"], r"^ecr-[a-z0-9]{5}$")

    def test_dry_run_create_validates_but_stores_nothing(self):
        code, body, _ = self.api.post(f"{SECRETS}?dryRun=All", pull_secret())
        self.assertEqual(code, 201)
        self.assertEqual(body["metadata"]["name"], "ecr-pull")
        self.assertEqual(self.api.get(f"{SECRETS}/ecr-pull")[0], 404)
        self.assertEqual(self.api.post(f"{SECRETS}?dryRun=All", pull_secret(payload="x"))[0], 422)

    def test_dry_run_with_unsupported_value_is_invalid_options(self):
        code, body, _ = self.api.post(f"{SECRETS}?dryRun=true", pull_secret())
        self.assertEqual(code, 422)
        self.assertEqual(body["message"], 'CreateOptions.meta.k8s.io "" is invalid: dryRun[0]: '
                                          'Unsupported value: "true": supported values: "All"')

    def test_delete_with_stale_precondition_is_conflict(self):
        self.create_secret()
        code, body, _ = self.api.delete(f"{SECRETS}/ecr-pull",
                                        {"preconditions": {"resourceVersion": "1"}})
        self.assertEqual((code, body["reason"]), (409, "Conflict"))
        self.assertIn("Precondition failed: ResourceVersion in precondition: 1", body["message"])

    def test_secret_with_finalizer_lingers_until_finalizer_is_removed(self):
        secret = pull_secret()
        secret["metadata"]["finalizers"] = ["example.com/keep"]
        self.create_secret(secret)
        code, pending, _ = self.api.delete(f"{SECRETS}/ecr-pull")
        self.assertEqual(code, 200)
        self.assertIn("deletionTimestamp", pending["metadata"])
        self.api.patch(f"{SECRETS}/ecr-pull", {"metadata": {"finalizers": None}})
        self.assertEqual(self.api.get(f"{SECRETS}/ecr-pull")[0], 404)

    def test_create_in_terminating_namespace_is_forbidden(self):
        self.api.post("/_fake/objects?raw=1", {"apiVersion": "v1", "kind": "Namespace",
                                               "metadata": {"name": "doomed"},
                                               "status": {"phase": "Terminating"}})
        code, body, _ = self.api.post("/api/v1/namespaces/doomed/secrets",
                                      pull_secret(namespace="doomed"))
        self.assertEqual(code, 403)
        self.assertEqual(body["message"], 'secrets "ecr-pull" is forbidden: unable to create new '
                                          "content in namespace doomed because it is being "
                                          "terminated")

    def test_deleting_a_namespace_deletes_its_objects(self):
        self.api.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": "team"}})
        self.create_secret(pull_secret(namespace="team"), "/api/v1/namespaces/team/secrets")
        code, body, _ = self.api.delete("/api/v1/namespaces/team")
        self.assertEqual((code, body["status"]["phase"]), (200, "Terminating"))
        self.assertEqual(self.api.get("/api/v1/namespaces/team/secrets/ecr-pull")[0], 404)


class PatchTest(FakeServerTestCase):
    def setUp(self):
        super().setUp()
        self.created = self.create_secret(pull_secret(labels={"keep": "1", "drop": "1"}))

    def test_merge_patch_sets_and_removes_keys(self):
        code, body, _ = self.api.patch(f"{SECRETS}/ecr-pull",
                                       {"metadata": {"labels": {"drop": None, "new": "2"}}})
        self.assertEqual(code, 200, body)
        self.assertEqual(body["metadata"]["labels"], {"keep": "1", "new": "2"})

    def test_merge_patch_with_stale_resource_version_is_conflict(self):
        self.api.patch(f"{SECRETS}/ecr-pull", {"metadata": {"labels": {"x": "1"}}})
        stale = {"metadata": {"resourceVersion": self.created["metadata"]["resourceVersion"],
                              "labels": {"y": "1"}}}
        self.assertEqual(self.api.patch(f"{SECRETS}/ecr-pull", stale)[0], 409)

    def test_strategic_merge_patch_merges_data_map(self):
        code, body, _ = self.api.patch(f"{SECRETS}/ecr-pull", {"data": {"extra": b64("x")}},
                                       "application/strategic-merge-patch+json")
        self.assertEqual(code, 200, body)
        self.assertEqual(set(body["data"]), {".dockerconfigjson", "extra"})

    def test_strategic_merge_patch_merges_containers_by_name(self):
        path = "/apis/apps/v1/namespaces/default/deployments"
        containers = [{"name": "web", "image": "nginx:1", "ports": [{"containerPort": 80}]},
                      {"name": "sidecar", "image": "envoy:1"}]
        self.api.post(path, {"apiVersion": "apps/v1", "kind": "Deployment",
                             "metadata": {"name": "web"},
                             "spec": {"template": {"spec": {"containers": containers}}}})
        patch = {"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
            "containers": [{"name": "web", "image": "nginx:2"}]}}}}
        code, body, _ = self.api.patch(f"{path}/web", patch,
                                       "application/strategic-merge-patch+json")
        self.assertEqual(code, 200, body)
        merged = body["spec"]["template"]["spec"]["containers"]
        self.assertEqual(merged[0], {"name": "web", "image": "nginx:2",
                                     "ports": [{"containerPort": 80}]})
        self.assertEqual(merged[1]["name"], "sidecar")
        self.assertEqual(body["metadata"]["generation"], 2)

    def test_json_patch_applies_operations(self):
        operations = [{"op": "test", "path": "/type", "value": "kubernetes.io/dockerconfigjson"},
                      {"op": "add", "path": "/metadata/labels/added", "value": "yes"},
                      {"op": "replace", "path": "/metadata/labels/keep", "value": "2"},
                      {"op": "remove", "path": "/metadata/labels/drop"}]
        code, body, _ = self.api.patch(f"{SECRETS}/ecr-pull", operations,
                                       "application/json-patch+json")
        self.assertEqual(code, 200, body)
        self.assertEqual(body["metadata"]["labels"], {"keep": "2", "added": "yes"})

    def test_json_patch_with_failing_test_op_is_invalid(self):
        code, body, _ = self.api.patch(f"{SECRETS}/ecr-pull",
                                       [{"op": "test", "path": "/type", "value": "Opaque"}],
                                       "application/json-patch+json")
        self.assertEqual(code, 422)
        self.assertEqual(body, status("the server rejected our request due to an error in our "
                                      "request", "Invalid", 422, details={}))

    def test_patch_of_missing_object_is_not_found(self):
        self.assertEqual(self.api.patch(f"{SECRETS}/missing", {"data": {}})[0], 404)

    def test_unsupported_patch_content_type_is_415(self):
        code, body, _ = self.api.patch(f"{SECRETS}/ecr-pull", {"data": {}}, "application/json")
        self.assertEqual(code, 415)
        self.assertEqual(body["reason"], "UnsupportedMediaType")

    def test_strategic_merge_patch_on_custom_resource_is_415(self):
        path = "/apis/external-secrets.io/v1beta1/namespaces/default/externalsecrets"
        self.api.post(path, {"apiVersion": "external-secrets.io/v1beta1",
                             "kind": "ExternalSecret", "metadata": {"name": "es"}, "spec": {}})
        code, body, _ = self.api.patch(f"{path}/es", {"spec": {"a": 1}},
                                       "application/strategic-merge-patch+json")
        self.assertEqual(code, 415, body)

    def test_apply_without_field_manager_is_invalid(self):
        code, body, _ = self.api.patch(f"{SECRETS}/ecr-pull", pull_secret(),
                                       "application/apply-patch+yaml")
        self.assertEqual(code, 422)
        self.assertEqual(body["message"], 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                          "Required value: is required for apply patch")

    def test_apply_creates_with_201_then_updates_with_200(self):
        path = f"{SECRETS}/applied?fieldManager=pullkeeper"
        yaml_config = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: applied\n"
                       "type: kubernetes.io/dockerconfigjson\n"
                       f"data:\n  .dockerconfigjson: {b64(DOCKER_CONFIG_JSON)}\n")
        code, created, _ = self.api.call("PATCH", path, yaml_config,
                                         content_type="application/apply-patch+yaml")
        self.assertEqual(code, 201, created)
        code, updated, _ = self.api.call("PATCH", path, yaml_config.replace(
            "metadata:\n", "metadata:\n  labels: {a: b}\n"),
            content_type="application/apply-patch+yaml")
        self.assertEqual(code, 200, updated)
        self.assertEqual(updated["metadata"]["uid"], created["metadata"]["uid"])
        self.assertEqual(updated["metadata"]["labels"], {"a": "b"})

    def test_apply_with_force_takes_over_conflicting_field(self):
        config = pull_secret(payload='{"auths":{}}')
        code, body, _ = self.api.call("PATCH", f"{SECRETS}/ecr-pull?fieldManager=other&force=true",
                                      config, content_type="application/apply-patch+yaml")
        self.assertEqual(code, 200, body)
        self.assertEqual(body["data"][".dockerconfigjson"], b64('{"auths":{}}'))

    def test_force_on_merge_patch_is_forbidden(self):
        code, body, _ = self.api.call("PATCH", f"{SECRETS}/ecr-pull?force=true", {},
                                      content_type="application/merge-patch+json")
        self.assertEqual(code, 422)
        self.assertIn("force: Forbidden: may not be specified for non-apply patch",
                      body["message"])


class LeaseAndEventTest(FakeServerTestCase):
    LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"

    def lease(self, **spec):
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": "ecr-token-sync"},
                "spec": dict({"holderIdentity": "me", "leaseDurationSeconds": 15}, **spec)}

    def test_lease_times_need_exactly_six_fractional_digits(self):
        code, body, _ = self.api.post(self.LEASES, self.lease(renewTime="2015-08-30T12:36:10Z"))
        self.assertEqual(code, 400)
        self.assertEqual(body["message"], 'Lease in version "v1" cannot be handled as a Lease: '
                                          'parsing time "2015-08-30T12:36:10Z" as '
                                          '"2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" '
                                          'as ".000000"')

    def test_lease_times_are_stored_in_utc(self):
        code, body, _ = self.api.post(self.LEASES, self.lease(
            acquireTime="2015-08-30T14:36:00.000000+02:00",
            renewTime="2015-08-30T12:36:10.250000Z"))
        self.assertEqual(code, 201, body)
        self.assertEqual((body["spec"]["acquireTime"], body["spec"]["renewTime"]),
                         ("2015-08-30T12:36:00.000000Z", "2015-08-30T12:36:10.250000Z"))

    def test_lease_with_zero_duration_is_invalid(self):
        code, body, _ = self.api.post(self.LEASES, self.lease(leaseDurationSeconds=0))
        self.assertEqual((code, body["message"]),
                         (422, 'Lease.coordination.k8s.io "ecr-token-sync" is invalid: '
                               "spec.leaseDurationSeconds: Invalid value: 0: must be greater "
                               "than 0"))

    def test_event_for_object_in_another_namespace_is_invalid(self):
        event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1"},
                 "involvedObject": {"kind": "Secret", "namespace": "other", "name": "ecr-pull"},
                 "reason": "RefreshFailed", "message": "x", "type": "Warning"}
        code, body, _ = self.api.post("/api/v1/namespaces/default/events", event)
        self.assertEqual(code, 422)
        self.assertEqual(body["message"], 'Event "e1" is invalid: involvedObject.namespace: '
                                          'Invalid value: "other": does not match '
                                          "event.namespace")
        event["involvedObject"]["namespace"] = "default"
        self.assertEqual(self.api.post("/api/v1/namespaces/default/events", event)[0], 201)


class ListTest(FakeServerTestCase):
    def setUp(self):
        super().setUp()
        labels = {"a": {"app": "x", "tier": "web"}, "b": {"app": "y"}, "c": {"tier": "db"}}
        for name, secret_labels in labels.items():
            self.create_secret(pull_secret(name=name, labels=secret_labels))
        self.create_secret({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "plain"},
                            "type": "Opaque"})

    def names(self, query, path=SECRETS):
        code, body, _ = self.api.get(f"{path}?{query}")
        self.assertEqual(code, 200, body)
        return [item["metadata"]["name"] for item in body["items"]]

    def test_label_selectors_filter_like_the_apiserver(self):
        cases = [("equality", "app=x", ["a"]), ("double equals", "app==y", ["b"]),
                 ("inequality includes unlabelled", "app!=x", ["b", "c", "plain"]),
                 ("in", "app in (x,y)", ["a", "b"]),
                 ("notin", "app notin (x)", ["b", "c", "plain"]),
                 ("exists", "tier", ["a", "c"]), ("does not exist", "!tier", ["b", "plain"]),
                 ("and", "app=x,tier=web", ["a"]), ("nothing", "app=z", [])]
        for case_name, selector, expected in cases:
            with self.subTest(case_name):
                query = urllib.parse.urlencode({"labelSelector": selector})
                self.assertEqual(self.names(query), expected)

    def test_malformed_label_selector_is_bad_request(self):
        code, body, _ = self.api.get(f"{SECRETS}?labelSelector=app%20in%20x")
        self.assertEqual((code, body["reason"]), (400, "BadRequest"))
        self.assertEqual(body["message"], "unable to parse requirement: found 'x', expected: '('")

    def test_field_selectors_filter_on_name_and_type(self):
        self.assertEqual(self.names("fieldSelector=metadata.name%3Db"), ["b"])
        self.assertEqual(self.names("fieldSelector=type%3DOpaque"), ["plain"])
        self.assertEqual(self.names("fieldSelector=type!%3DOpaque,metadata.name!%3Da"),
                         ["b", "c"])

    def test_unsupported_field_selector_is_bad_request(self):
        code, body, _ = self.api.get(f"{SECRETS}?fieldSelector=spec.x%3D1")
        self.assertEqual(code, 400)
        self.assertEqual(body["message"], 'Unable to find "secrets" that match label selector "", '
                                          'field selector "spec.x=1": field label not supported: '
                                          "spec.x")

    def test_pod_phase_field_selector(self):
        for name, phase in (("p1", "Running"), ("p2", "Pending")):
            self.api.post("/_fake/objects", {"apiVersion": "v1", "kind": "Pod",
                                             "metadata": {"name": name, "namespace": "default"},
                                             "spec": {"containers": []},
                                             "status": {"phase": phase}})
        self.assertEqual(self.names("fieldSelector=status.phase%3DRunning",
                                    "/api/v1/namespaces/default/pods"), ["p1"])

    def test_pages_with_continue_cover_the_list_once_at_one_resource_version(self):
        # An object created between pages sorts before the continue key, so it is not seen.
        seen, versions, token = [], set(), ""
        while True:
            code, page, _ = self.api.get(f"{SECRETS}?limit=3&continue={token}")
            self.assertEqual(code, 200, page)
            seen += [item["metadata"]["name"] for item in page["items"]]
            versions.add(page["metadata"]["resourceVersion"])
            token = page["metadata"].get("continue", "")
            if not token:
                break
            self.assertEqual(page["metadata"]["remainingItemCount"], 1)
            self.create_secret(pull_secret(name="added-between-pages"))
        self.assertEqual(seen, ["a", "b", "c", "plain"])
        self.assertEqual(len(versions), 1)

    def test_continue_token_after_compaction_is_expired(self):
        _, page, _ = self.api.get(f"{SECRETS}?limit=1")
        self.create_secret(pull_secret(name="later"))
        self.api.post("/_fake/compact", {})
        code, body, _ = self.api.get(f"{SECRETS}?limit=1&continue={page['metadata']['continue']}")
        self.assertEqual((code, body["reason"]), (410, "Expired"))

    def test_list_across_namespaces_and_typed_items(self):
        self.api.post("/_fake/objects", pull_secret(name="elsewhere", namespace="other"))
        code, body, _ = self.api.get("/api/v1/secrets")
        self.assertEqual(body["kind"], "SecretList")
        self.assertIn(("other", "elsewhere"), [(i["metadata"]["namespace"], i["metadata"]["name"])
                                               for i in body["items"]])
        self.assertNotIn("kind", body["items"][0])  # typed list items carry no TypeMeta


class WatchTest(FakeServerTestCase):
    server_options = {"watch_history_limit": 4}

    def test_watch_from_list_version_streams_added_modified_deleted(self):
        _, listing, _ = self.api.get(SECRETS)
        next_event = self.open_watch(f"{SECRETS}?watch=true&resourceVersion="
                                     f"{listing['metadata']['resourceVersion']}&timeoutSeconds=5")
        created = self.create_secret()
        self.api.patch(f"{SECRETS}/ecr-pull", {"metadata": {"labels": {"x": "1"}}})
        self.api.delete(f"{SECRETS}/ecr-pull")
        events = [next_event() for _ in range(3)]
        self.assertEqual([e["type"] for e in events], ["ADDED", "MODIFIED", "DELETED"])
        self.assertEqual(events[0]["object"]["metadata"]["uid"], created["metadata"]["uid"])
        self.assertEqual(events[0]["object"]["kind"], "Secret")
        versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
        self.assertEqual(versions, sorted(versions))

    def test_watch_without_version_starts_with_existing_objects(self):
        self.create_secret()
        next_event = self.open_watch(f"{SECRETS}?watch=1&timeoutSeconds=1")
        self.assertEqual(next_event()["type"], "ADDED")
        self.assertIsNone(next_event())  # timeoutSeconds ends the stream cleanly

    def test_watch_from_compacted_version_gets_expired_error_event(self):
        for index in range(30):  # far beyond the history limit of 4
            self.create_secret(pull_secret(name=f"s{index}"))
        next_event = self.open_watch(f"{SECRETS}?watch=true&resourceVersion=1")
        event = next_event()
        self.assertEqual(event["type"], "ERROR")
        self.assertEqual((event["object"]["code"], event["object"]["reason"]), (410, "Expired"))
        self.assertRegex(event["object"]["message"], r"^too old resource version: 1 \(\d+\)$")
        self.assertIsNone(next_event())

    def test_watch_on_an_object_path_sees_only_that_object(self):
        _, listing, _ = self.api.get(SECRETS)
        next_event = self.open_watch(f"{SECRETS}/ecr-pull?watch=true&resourceVersion="
                                     f"{listing['metadata']['resourceVersion']}&timeoutSeconds=5")
        self.create_secret(pull_secret(name="other"))
        self.create_secret()
        self.assertEqual(next_event()["object"]["metadata"]["name"], "ecr-pull")

    def test_object_leaving_the_selector_is_reported_deleted(self):
        self.create_secret(pull_secret(labels={"app": "x"}))
        _, listing, _ = self.api.get(SECRETS)
        next_event = self.open_watch(f"{SECRETS}?watch=true&labelSelector=app%3Dx&resourceVersion="
                                     f"{listing['metadata']['resourceVersion']}&timeoutSeconds=5")
        self.create_secret(pull_secret(name="other", labels={"app": "y"}))
        self.api.patch(f"{SECRETS}/ecr-pull", {"metadata": {"labels": {"app": "z"}}})
        event = next_event()
        self.assertEqual((event["type"], event["object"]["metadata"]["name"]),
                         ("DELETED", "ecr-pull"))


class FaultInjectionTest(FakeServerTestCase):
    def test_forbid_applies_only_to_listed_namespace_and_verbs(self):
        self.configure_faults({"forbid": [{"namespace": "production", "resource": "secrets",
                                           "verbs": ["get", "list", "create", "update",
                                                     "patch"]}]})
        code, body, _ = self.api.get("/api/v1/namespaces/production/secrets")
        self.assertEqual(code, 403)
        self.assertEqual(body["message"], 'secrets is forbidden: User '
                                          '"system:serviceaccount:pullkeeper:pullkeeper" cannot '
                                          'list resource "secrets" in API group "" in the '
                                          'namespace "production"')
        self.assertEqual(self.api.get(SECRETS)[0], 200)

    def test_conflicts_fault_fails_the_next_writes_then_lets_a_retry_through(self):
        created = self.create_secret()
        self.configure_faults({"conflicts": [{"namespace": "default", "name": "ecr-pull",
                                              "count": 1}]})
        self.assertEqual(self.api.put(f"{SECRETS}/ecr-pull", created)[0], 409)
        self.assertEqual(self.api.put(f"{SECRETS}/ecr-pull", created)[0], 200)

    def test_errors_fault_answers_code_count_times(self):
        self.configure_faults({"errors": [{"path_regex": "/secrets$", "method": "GET",
                                           "code": 500, "count": 2}]})
        codes = [self.api.get(SECRETS)[0] for _ in range(3)]
        self.assertEqual(codes, [500, 500, 200])

    def test_too_many_requests_fault_sends_retry_after(self):
        self.configure_faults({"errors": [{"path_regex": ".", "code": 429,
                                           "retry_after_seconds": 3}]})
        code, body, headers = self.api.get(SECRETS)
        self.assertEqual((code, headers["Retry-After"], body["details"]["retryAfterSeconds"]),
                         (429, "3", 3))

    def test_disconnect_fault_closes_without_answer(self):
        self.configure_faults({"errors": [{"path_regex": ".", "disconnect": True, "count": 1}]})
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=5)
        connection.request("GET", SECRETS)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            connection.getresponse()
        connection.close()

    def test_delay_fault_slows_responses(self):
        self.configure_faults({"delay_ms": 120})
        started = time.monotonic()
        self.api.get(SECRETS)
        self.assertGreaterEqual(time.monotonic() - started, 0.12)

    def test_malformed_fault_spec_is_rejected(self):
        code, body, _ = self.api.post("/_fake/faults", {"explode": True})
        self.assertEqual(code, 400, body)


class ControlApiTest(FakeServerTestCase):
    def test_request_log_records_requests_and_can_be_reset(self):
        self.api.post(f"{SECRETS}?fieldManager=t", pull_secret())
        self.api.get(f"{SECRETS}/missing")
        _, log, _ = self.api.get("/_fake/requests")
        self.assertEqual([(r["method"], r["path"], r["query"], r["content_type"], r["code"])
                          for r in log["requests"]],
                         [("POST", SECRETS, "fieldManager=t", "application/json", 201),
                          ("GET", f"{SECRETS}/missing", "", "", 404)])
        self.api.post("/_fake/reset-requests", {})
        self.assertEqual(self.api.get("/_fake/requests")[1]["requests"], [])

    def test_raw_seed_plants_an_object_that_would_fail_validation(self):
        broken = pull_secret(payload="not json", namespace="planted")
        code, body, _ = self.api.post("/_fake/objects?raw=1", [broken])
        self.assertEqual(code, 200, body)
        code, stored, _ = self.api.get("/api/v1/namespaces/planted/secrets/ecr-pull")
        self.assertEqual(code, 200)
        self.assertEqual(stored["data"], broken["data"])
        self.assertEqual(self.api.post("/_fake/objects", broken)[0], 422)

    def test_reset_restores_initial_state(self):
        self.create_secret()
        self.api.post("/_fake/reset", {})
        self.assertEqual(self.api.get(f"{SECRETS}/ecr-pull")[0], 404)
        self.assertEqual(self.api.get("/_fake/stats")[1]["objects"], 4)  # the initial namespaces


class DiscoveryAndHttpTest(FakeServerTestCase):
    def test_discovery_documents_list_groups_kinds_and_short_names(self):
        self.assertEqual(self.api.get("/version")[1]["minor"], "32")
        groups = [g["name"] for g in self.api.get("/apis")[1]["groups"]]
        self.assertEqual(sorted(groups), ["apps", "batch", "coordination.k8s.io",
                                          "external-secrets.io"])
        core = {r["name"]: r for r in self.api.get("/api/v1")[1]["resources"]}
        self.assertEqual((core["namespaces"]["namespaced"], core["namespaces"]["shortNames"]),
                         (False, ["ns"]))
        self.assertEqual(core["secrets"]["kind"], "Secret")
        for version in ("v1", "v1beta1"):
            eso = {r["name"]: r for r in
                   self.api.get(f"/apis/external-secrets.io/{version}")[1]["resources"]}
            self.assertEqual((eso["externalsecrets"]["kind"], eso["externalsecrets"]["shortNames"]),
                             ("ExternalSecret", ["es"]))
            self.assertEqual((eso["secretstores"]["namespaced"],
                              eso["clustersecretstores"]["namespaced"]), (True, False))
        self.assertEqual(self.api.get("/apis/external-secrets.io")[1]["preferredVersion"]
                         ["version"], "v1")
        self.assertEqual(self.api.get("/openapi/v2")[0], 404)
        self.assertIn("api/v1", self.api.get("/openapi/v3")[1]["paths"])

    def test_keep_alive_connection_serves_many_requests_quickly(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=5)
        self.addCleanup(connection.close)
        started = time.monotonic()
        for _ in range(300):
            connection.request("GET", "/api/v1/namespaces/default")
            response = connection.getresponse()
            self.assertIsNotNone(response.getheader("Content-Length"))
            response.read()
            self.assertEqual(response.status, 200)
        self.assertLess(time.monotonic() - started, 5.0)

    def test_method_not_allowed_on_collection_put(self):
        self.assertEqual(self.api.put(SECRETS, pull_secret())[0], 405)

    def test_unknown_http_method_is_a_method_not_allowed_status(self):
        code, body, _ = self.api.call("BREW", SECRETS)
        self.assertEqual((code, body["reason"]), (405, "MethodNotAllowed"))


class CommandLineTest(unittest.TestCase):
    def test_port_file_state_file_and_clean_sigterm_stop(self):
        with tempfile.TemporaryDirectory() as scratch:
            port_file = os.path.join(scratch, "port")
            state_file = os.path.join(scratch, "state.json")
            with open(state_file, "w", encoding="utf-8") as state:
                json.dump([pull_secret(namespace="preloaded")], state)
            process = subprocess.Popen(
                [sys.executable, SERVER_SCRIPT, "--port", "0", "--port-file", port_file,
                 "--state-file", state_file], stdout=subprocess.PIPE, text=True)
            try:
                line = process.stdout.readline().strip()
                with open(port_file, encoding="utf-8") as handle:
                    port = int(handle.read())
                self.assertEqual(line, f"listening on http://127.0.0.1:{port}")
                api = ApiClient(f"http://127.0.0.1:{port}")
                self.assertEqual(api.get("/api/v1/namespaces/preloaded/secrets/ecr-pull")[0], 200)
            finally:
                process.send_signal(signal.SIGTERM)
                self.assertEqual(process.wait(timeout=10), 0)
                process.stdout.close()


class KubectlRunner:
    """Runs kubectl.1.32 with its own kubeconfig and a fresh discovery cache per call."""

    def kubectl(self, *args, stdin=None, token=None, ca_file=None):
        scratch = tempfile.mkdtemp(prefix="kubectl-")
        self.addCleanup(shutil.rmtree, scratch, True)
        command = [KUBECTL, "--kubeconfig", self.write_kubeconfig(scratch, ca_file),
                   "--cache-dir", os.path.join(scratch, "cache")]
        if token:
            command.append(f"--token={token}")
        return subprocess.run(command + list(args), input=stdin, capture_output=True,
                              text=True, timeout=60)

    def write_kubeconfig(self, scratch, ca_file=None):
        cluster = {"server": self.server.url}
        if ca_file:
            cluster["certificate-authority"] = ca_file
        config = {"apiVersion": "v1", "kind": "Config",
                  "clusters": [{"name": "fake", "cluster": cluster}],
                  "users": [{"name": "tester", "user": {}}],
                  "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "tester"}}],
                  "current-context": "fake"}
        path = os.path.join(scratch, "kubeconfig")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(config, handle)  # JSON is valid kubeconfig YAML
        return path


@unittest.skipIf(KUBECTL is None, "kubectl.1.32 not found beside the kubectl dispatcher's "
                                  "target; kubectl fidelity tests need the real client")
class KubectlAgainstFakeTest(KubectlRunner, FakeServerTestCase):
    """A real kubectl 1.32 accepts the fake: discovery, reads, writes and its error output."""

    def write_manifest(self, obj):
        handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        self.addCleanup(os.unlink, handle.name)
        with handle:
            json.dump(obj, handle)
        return handle.name

    def assertKubectlOk(self, result):
        self.assertEqual(result.returncode, 0, f"stdout={result.stdout} stderr={result.stderr}")
        return result.stdout

    def test_create_from_file_and_get_round_trips_fields(self):
        secret = pull_secret(labels={"app": "x"})
        secret["metadata"]["annotations"] = {"ecr-token-sync/expires-at": "2015-08-31T00:36:00Z"}
        self.assertKubectlOk(self.kubectl("create", "-f", self.write_manifest(secret)))
        fetched = json.loads(self.assertKubectlOk(
            self.kubectl("get", "secret", "ecr-pull", "-n", "default", "-o", "json")))
        for field in ("data", "type"):
            self.assertEqual(fetched[field], secret[field])
        self.assertEqual(fetched["metadata"]["labels"], {"app": "x"})
        self.assertEqual(fetched["metadata"]["annotations"], secret["metadata"]["annotations"])
        self.assertTrue(fetched["metadata"]["uid"] and fetched["metadata"]["resourceVersion"])

    def test_apply_creates_then_patches_keeping_uid(self):
        manifest = self.write_manifest(pull_secret())
        self.assertIn("secret/ecr-pull created",
                      self.assertKubectlOk(self.kubectl("apply", "-f", manifest)))
        first = self.api.get(f"{SECRETS}/ecr-pull")[1]
        changed = self.write_manifest(pull_secret(labels={"rotated": "yes"}))
        self.assertIn("secret/ecr-pull configured",
                      self.assertKubectlOk(self.kubectl("apply", "-f", changed)))
        second = self.api.get(f"{SECRETS}/ecr-pull")[1]
        self.assertEqual(second["metadata"]["uid"], first["metadata"]["uid"])
        self.assertEqual(second["metadata"]["labels"], {"rotated": "yes"})
        methods = [(r["method"], r["content_type"]) for r in
                   self.api.get("/_fake/requests")[1]["requests"] if r["method"] != "GET"]
        self.assertEqual(methods, [("POST", "application/json"),
                                   ("PATCH", "application/strategic-merge-patch+json")])

    def test_docker_registry_secret_from_dry_run_pipes_into_apply(self):
        generated = self.assertKubectlOk(self.kubectl(
            "create", "secret", "docker-registry", "ecr-pull", "-n", "default",
            "--docker-server=123456789012.dkr.ecr.us-west-2.amazonaws.com",
            "--docker-username=AWS", "--docker-password=example-token",
            "--dry-run=client", "-o", "json"))
        self.assertKubectlOk(self.kubectl("apply", "-f", "-", stdin=generated))
        stored = self.api.get(f"{SECRETS}/ecr-pull")[1]
        config = json.loads(base64.b64decode(stored["data"][".dockerconfigjson"]))
        self.assertEqual(config["auths"]["123456789012.dkr.ecr.us-west-2.amazonaws.com"]
                         ["username"], "AWS")

    def test_typed_create_secret_sends_protobuf_that_the_fake_decodes(self):
        self.assertKubectlOk(self.kubectl(
            "create", "secret", "docker-registry", "ecr-pull", "-n", "default",
            "--docker-server=x.example", "--docker-username=AWS", "--docker-password=pw"))
        stored = self.api.get(f"{SECRETS}/ecr-pull")[1]
        self.assertEqual(stored["type"], "kubernetes.io/dockerconfigjson")
        self.assertIn(".dockerconfigjson", stored["data"])

    def test_delete_then_get_prints_not_found_and_exits_1(self):
        self.create_secret()
        self.assertIn('secret "ecr-pull" deleted', self.assertKubectlOk(
            self.kubectl("delete", "secret", "ecr-pull", "-n", "default")))
        result = self.kubectl("get", "secret", "ecr-pull", "-n", "default")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.strip(),
                         'Error from server (NotFound): secrets "ecr-pull" not found')

    def test_get_with_label_selector_shows_only_matching(self):
        self.create_secret(pull_secret(name="match", labels={"app": "x"}))
        self.create_secret(pull_secret(name="other", labels={"app": "y"}))
        output = self.assertKubectlOk(self.kubectl("get", "secrets", "-n", "default", "-l",
                                                   "app=x", "-o", "name"))
        self.assertEqual(output.split(), ["secret/match"])

    def test_get_ns_lists_namespaces(self):
        output = self.assertKubectlOk(self.kubectl("get", "ns", "-o", "name"))
        self.assertEqual(output.split(), ["namespace/default", "namespace/kube-node-lease",
                                          "namespace/kube-public", "namespace/kube-system"])

    def test_create_namespace_then_write_into_it(self):
        self.assertIn("namespace/team created",
                      self.assertKubectlOk(self.kubectl("create", "namespace", "team")))
        namespace = self.api.get("/api/v1/namespaces/team")[1]
        self.assertEqual(namespace["status"]["phase"], "Active")
        self.assertEqual(self.api.post("/api/v1/namespaces/team/secrets",
                                       pull_secret(namespace="team"))[0], 201)

    def test_label_secret_adds_a_label(self):
        self.create_secret()
        self.assertKubectlOk(self.kubectl("label", "secret", "ecr-pull", "-n", "default",
                                          "team=platform"))
        self.assertEqual(self.api.get(f"{SECRETS}/ecr-pull")[1]["metadata"]["labels"],
                         {"team": "platform"})

    def test_invalid_dockerconfigjson_shows_kubectl_is_invalid_message(self):
        secret = pull_secret()
        secret["data"] = {}
        result = self.kubectl("create", "-f", self.write_manifest(secret))
        self.assertEqual(result.returncode, 1)
        self.assertIn('The Secret "ecr-pull" is invalid: data[.dockerconfigjson]: Required value',
                      result.stderr)

    def test_server_side_apply_twice_keeps_uid(self):
        manifest = self.write_manifest(pull_secret())
        self.assertKubectlOk(self.kubectl("apply", "--server-side", "-f", manifest))
        uid = self.api.get(f"{SECRETS}/ecr-pull")[1]["metadata"]["uid"]
        self.assertKubectlOk(self.kubectl("apply", "--server-side", "-f", manifest))
        self.assertEqual(self.api.get(f"{SECRETS}/ecr-pull")[1]["metadata"]["uid"], uid)

    def test_short_names_resolve_for_every_served_group(self):
        output = self.assertKubectlOk(self.kubectl("get", "deploy,sts,ds,cj,jobs,es,lease,cm,sa",
                                                   "-A", "-o", "name"))
        self.assertEqual(output, "")

    def seed_external_secrets_stores(self):
        """A SecretStore written as v1beta1 (as a pre-0.17 manifest would be), a
        ClusterSecretStore and a ReplicaSet, each with a status, seeded as stored objects."""
        ready = {"conditions": [{"type": "Ready", "status": "False", "reason": "InvalidProviderConfig"}]}
        objects = [
            {"apiVersion": "external-secrets.io/v1beta1", "kind": "SecretStore",
             "metadata": {"name": "aws-sm", "namespace": "payments"},
             "spec": {"provider": {"aws": {"service": "SecretsManager"}}}, "status": ready},
            {"apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore",
             "metadata": {"name": "shared"}, "spec": {"provider": {}}, "status": ready},
            {"apiVersion": "apps/v1", "kind": "ReplicaSet",
             "metadata": {"name": "web-5d4f", "namespace": "payments"},
             "spec": {"template": {"spec": {"imagePullSecrets": [{"name": "ecr"}]}}},
             "status": {"replicas": 0}},
        ]
        code, body, _ = self.api.post("/_fake/objects?raw=1", {"items": objects})
        self.assertEqual(code, 200, body)

    def test_secret_stores_list_in_the_preferred_version_with_status(self):
        self.seed_external_secrets_stores()
        listed = json.loads(self.assertKubectlOk(
            self.kubectl("get", "secretstores", "-A", "-o", "json")))
        self.assertEqual([(i["apiVersion"], i["kind"], i["metadata"]["namespace"],
                           i["metadata"]["name"]) for i in listed["items"]],
                         [("external-secrets.io/v1", "SecretStore", "payments", "aws-sm")])
        self.assertEqual(listed["items"][0]["status"]["conditions"][0]["reason"],
                         "InvalidProviderConfig")
        old = json.loads(self.assertKubectlOk(self.kubectl(
            "get", "secretstores.v1beta1.external-secrets.io", "-A", "-o", "json")))
        self.assertEqual([i["apiVersion"] for i in old["items"]], ["external-secrets.io/v1beta1"])

    def test_cluster_secret_stores_are_cluster_scoped(self):
        self.seed_external_secrets_stores()
        listed = json.loads(self.assertKubectlOk(
            self.kubectl("get", "clustersecretstores", "-o", "json")))
        self.assertEqual([(i["kind"], i["metadata"]["name"], "namespace" in i["metadata"])
                          for i in listed["items"]], [("ClusterSecretStore", "shared", False)])
        self.assertEqual(self.assertKubectlOk(self.kubectl("get", "css,ss,rs", "-A", "-o", "name"))
                         .split(), ["clustersecretstore.external-secrets.io/shared",
                                    "secretstore.external-secrets.io/aws-sm",
                                    "replicaset.apps/web-5d4f"])
        self.assertEqual(self.api.get(
            "/apis/external-secrets.io/v1/namespaces/payments/clustersecretstores")[0], 404)

    def test_replica_sets_list_across_namespaces(self):
        self.seed_external_secrets_stores()
        listed = json.loads(self.assertKubectlOk(self.kubectl("get", "rs", "-A", "-o", "json")))
        self.assertEqual([(i["metadata"]["namespace"], i["metadata"]["name"])
                          for i in listed["items"]], [("payments", "web-5d4f")])
        self.assertEqual(listed["items"][0]["spec"]["template"]["spec"]["imagePullSecrets"],
                         [{"name": "ecr"}])

    def test_forbidden_fault_shows_as_kubectl_forbidden(self):
        self.configure_faults({"forbid": [{"namespace": "production", "resource": "secrets"}]})
        result = self.kubectl("get", "secrets", "-n", "production")
        self.assertEqual(result.returncode, 1)
        self.assertIn('Error from server (Forbidden): secrets is forbidden: User '
                      '"system:serviceaccount:pullkeeper:pullkeeper" cannot list resource '
                      '"secrets"', result.stderr)


@unittest.skipIf(KUBECTL is None, "kubectl.1.32 not found; kubectl fidelity tests need it")
@unittest.skipIf(OPENSSL is None, "openssl not found; TLS tests need it to make a certificate")
class KubectlWithTokenOverTlsTest(KubectlRunner, FakeServerTestCase):
    """client-go sends bearer tokens only over TLS, so token checks run against HTTPS."""

    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="kube-tls-")
        cls.cert = os.path.join(cls.scratch, "cert.pem")
        cls.key = os.path.join(cls.scratch, "key.pem")
        subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", cls.key, "-out", cls.cert], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def setUp(self):
        self.server_options = {"token": "right-token", "tls_cert": self.cert,
                               "tls_key": self.key}
        super().setUp()
        self.api.ssl_context = ssl.create_default_context(cafile=self.cert)

    def kubectl_with(self, token, ca_file, *args):
        return self.kubectl(*args, token=token, ca_file=ca_file)

    def test_right_token_and_trusted_ca_work(self):
        result = self.kubectl_with("right-token", self.cert, "get", "ns", "default", "-o", "name")
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "namespace/default"),
                         result.stderr)

    def test_wrong_token_shows_unauthorized(self):
        raw = self.kubectl_with("wrong-token", self.cert, "get", "--raw", "/api/v1/namespaces")
        self.assertEqual(raw.returncode, 1)
        self.assertIn("error: You must be logged in to the server (Unauthorized)", raw.stderr)
        typed = self.kubectl_with("wrong-token", self.cert, "get", "secrets")
        self.assertEqual(typed.returncode, 1)
        self.assertIn("You must be logged in to the server", typed.stderr)

    def test_untrusted_certificate_is_refused_by_kubectl(self):
        result = self.kubectl_with("right-token", None, "get", "ns")
        self.assertEqual(result.returncode, 1)
        self.assertIn("x509: certificate signed by unknown authority", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=1)
