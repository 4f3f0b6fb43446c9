#!/usr/bin/env python3
"""A fake Kubernetes API server for pullkeeper's tests (Python 3 stdlib; PyYAML only for apply).

It speaks enough of the real API that pullkeeper's C++ client and a real kubectl 1.32 both work
against it: the REST paths, `Status` error bodies, Secret validation, LIST with selectors and
paging, WATCH streams, the four patch types, discovery and a minimal OpenAPI v3. Behaviour
follows shared/testdata/protocols/kube-api.md; tests/fakes/README.md lists the places where this
fake knowingly differs from a real API server, and documents the `/_fake/` test-control API.

Run standalone (`python3 kube_api_server.py --help`) or import `FakeKubeApiServer` in Python
tests. Thread-safe: every request runs on its own thread, state is guarded by one lock.
"""

import argparse
import base64
import bisect
import copy
import dataclasses
import datetime
import hashlib
import http
import http.server
import json
import os
import random
import re
import select
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
import uuid

# ---------------------------------------------------------------------------------------------
# Resource catalog: what the fake serves and how each resource differs from the generic case.
# ---------------------------------------------------------------------------------------------

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclasses.dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    singular: str
    kind: str
    is_namespaced: bool = True
    short_names: tuple = ()
    categories: tuple = ()
    verbs: tuple = ALL_VERBS
    has_status_subresource: bool = False
    tracks_generation: bool = False
    # Custom resources (CRDs) differ: no strategic merge patch, no protobuf, list items keep
    # kind/apiVersion, and PUT without metadata.resourceVersion is rejected.
    is_custom: bool = False
    allows_create_on_update: bool = False
    # Field selectors beyond metadata.name/metadata.namespace. Core types registered with a
    # field-label conversion function reject others with a different message.
    extra_field_labels: tuple = ()
    has_field_label_conversion: bool = False

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified_resource(self):
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self):
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def store_key(self):
        return (self.group, self.plural)


RESOURCE_TYPES = (
    ResourceType("", "v1", "namespaces", "namespace", "Namespace", is_namespaced=False,
                 short_names=("ns",), verbs=("create", "delete", "get", "list", "patch",
                                             "update", "watch"),
                 has_status_subresource=True, extra_field_labels=("status.phase",),
                 has_field_label_conversion=True),
    ResourceType("", "v1", "secrets", "secret", "Secret", extra_field_labels=("type",),
                 has_field_label_conversion=True),
    ResourceType("", "v1", "pods", "pod", "Pod", short_names=("po",), categories=("all",),
                 has_status_subresource=True,
                 extra_field_labels=("status.phase", "spec.nodeName", "spec.restartPolicy",
                                     "spec.schedulerName", "spec.serviceAccountName",
                                     "status.podIP", "status.nominatedNodeName"),
                 has_field_label_conversion=True),
    ResourceType("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount",
                 short_names=("sa",)),
    ResourceType("", "v1", "configmaps", "configmap", "ConfigMap", short_names=("cm",)),
    ResourceType("", "v1", "events", "event", "Event", short_names=("ev",),
                 allows_create_on_update=True,
                 extra_field_labels=("involvedObject.kind", "involvedObject.namespace",
                                     "involvedObject.name", "involvedObject.uid",
                                     "involvedObject.apiVersion",
                                     "involvedObject.resourceVersion",
                                     "involvedObject.fieldPath", "reason", "reportingComponent",
                                     "source", "type"),
                 has_field_label_conversion=True),
    ResourceType("apps", "v1", "deployments", "deployment", "Deployment",
                 short_names=("deploy",), categories=("all",), has_status_subresource=True,
                 tracks_generation=True),
    ResourceType("apps", "v1", "statefulsets", "statefulset", "StatefulSet",
                 short_names=("sts",), categories=("all",), has_status_subresource=True,
                 tracks_generation=True),
    ResourceType("apps", "v1", "daemonsets", "daemonset", "DaemonSet", short_names=("ds",),
                 categories=("all",), has_status_subresource=True, tracks_generation=True),
    ResourceType("batch", "v1", "jobs", "job", "Job", categories=("all",),
                 has_status_subresource=True, tracks_generation=True,
                 extra_field_labels=("status.successful",), has_field_label_conversion=True),
    ResourceType("batch", "v1", "cronjobs", "cronjob", "CronJob", short_names=("cj",),
                 categories=("all",), has_status_subresource=True, tracks_generation=True),
    ResourceType("coordination.k8s.io", "v1", "leases", "lease", "Lease"),
    ResourceType("apps", "v1", "replicasets", "replicaset", "ReplicaSet", short_names=("rs",),
                 categories=("all",), has_status_subresource=True, tracks_generation=True),
    # external-secrets' CRDs as ESO >= 0.17 installs them: v1 (preferred, listed first) and the
    # deprecated v1beta1 served side by side from one storage, as a CRD without a conversion
    # webhook does (an object reads the same in either version but for its apiVersion).
    *(ResourceType("external-secrets.io", version, plural, plural[:-1], kind,
                   is_namespaced=is_namespaced, short_names=short_names,
                   categories=("external-secrets",), has_status_subresource=True,
                   tracks_generation=True, is_custom=True)
      for version in ("v1", "v1beta1")
      for plural, kind, is_namespaced, short_names in (
          ("externalsecrets", "ExternalSecret", True, ("es",)),
          ("secretstores", "SecretStore", True, ("ss",)),
          ("clustersecretstores", "ClusterSecretStore", False, ("css",)))),
)

# (group, version) -> {plural: ResourceType}, in the order discovery lists them.
RESOURCES_BY_GROUP_VERSION = {}
for _resource_type in RESOURCE_TYPES:
    RESOURCES_BY_GROUP_VERSION.setdefault(
        (_resource_type.group, _resource_type.version), {})[_resource_type.plural] = _resource_type
RESOURCES_BY_API_VERSION_KIND = {(rt.api_version, rt.kind): rt for rt in RESOURCE_TYPES}
NAMESPACES = RESOURCES_BY_GROUP_VERSION[("", "v1")]["namespaces"]

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
SERVER_VERSION = {
    "major": "1", "minor": "32", "gitVersion": "v1.32.0",
    "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53", "gitTreeState": "clean",
    "buildDate": "2024-12-11T17:59:15Z", "goVersion": "go1.23.3", "compiler": "gc",
    "platform": "linux/amd64",
}
DEFAULT_FORBIDDEN_USER = "system:serviceaccount:pullkeeper:pullkeeper"
MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024  # the apiserver's request body limit
MAX_SECRET_BYTES = 1024 * 1024
DEFAULT_WATCH_TIMEOUT_SECONDS = 1800  # the apiserver's --min-request-timeout default

# ---------------------------------------------------------------------------------------------
# JSON the way Go writes and reads it. The apiserver escapes <, > and & (HTML-safe encoder) and
# reports syntax errors with encoding/json's wording; clients see both, so the fake copies them.
# ---------------------------------------------------------------------------------------------


def encode_json(value):
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return text.encode("utf-8", "replace")


_GO_NAMED_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                     "\t": "\\t", "\v": "\\v", "\\": "\\\\"}


def go_quote(text):
    """strconv.Quote, i.e. Go's %q, used in field error messages."""
    parts = ['"']
    for char in text:
        if char == '"':
            parts.append('\\"')
        elif char in _GO_NAMED_ESCAPES:
            parts.append(_GO_NAMED_ESCAPES[char])
        elif char.isprintable():
            parts.append(char)
        elif ord(char) < 0x80:
            parts.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            parts.append(f"\\u{ord(char):04x}")
        else:
            parts.append(f"\\U{ord(char):08x}")
    parts.append('"')
    return "".join(parts)


def _go_quote_byte(byte):
    if byte == ord("'"):
        return "'\\''"
    if byte == ord('"'):
        return "'\"'"
    return "'" + go_quote(chr(byte))[1:-1] + "'"


class _GoJsonScanner:
    """Mirrors encoding/json's checkValid so invalid payloads get Go's exact error text."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def _byte(self):
        # At end of input Go feeds one space to the scanner; states that cannot accept a space
        # then fail with "invalid character ' ' ...", the others with "unexpected end".
        return self.data[self.pos] if self.pos < len(self.data) else 0x20

    def _fail(self, byte, context):
        return f"invalid character {_go_quote_byte(byte)} {context}"

    def error(self):
        stack = []
        state = "begin_value"
        data = self.data
        while True:
            while self.pos < len(data) and data[self.pos] in b" \t\r\n":
                self.pos += 1
            if state == "end_top":
                return None if self.pos >= len(data) else self._fail(data[self.pos],
                                                                     "after top-level value")
            if self.pos >= len(data):
                return "unexpected end of JSON input"
            byte = data[self.pos]
            if state in ("begin_value", "begin_value_or_empty"):
                if state == "begin_value_or_empty" and byte == ord("]"):
                    stack.pop()
                    self.pos += 1
                    state = "end_value" if stack else "end_top"
                    continue
                if byte == ord("{"):
                    stack.append("object")
                    self.pos += 1
                    state = "begin_key_or_empty"
                    continue
                if byte == ord("["):
                    stack.append("array")
                    self.pos += 1
                    state = "begin_value_or_empty"
                    continue
                message = self._scan_scalar(byte)
                if message:
                    return message
                state = "end_value" if stack else "end_top"
            elif state in ("begin_key", "begin_key_or_empty"):
                if state == "begin_key_or_empty" and byte == ord("}"):
                    stack.pop()
                    self.pos += 1
                    state = "end_value" if stack else "end_top"
                    continue
                if byte != ord('"'):
                    return self._fail(byte, "looking for beginning of object key string")
                self.pos += 1
                message = self._scan_string()
                if message:
                    return message
                state = "after_key"
            elif state == "after_key":
                if byte != ord(":"):
                    return self._fail(byte, "after object key")
                self.pos += 1
                state = "begin_value"
            else:  # end_value inside a container
                closing, context = ((ord("}"), "after object key:value pair")
                                    if stack[-1] == "object" else (ord("]"), "after array element"))
                if byte == ord(","):
                    self.pos += 1
                    state = "begin_key" if stack[-1] == "object" else "begin_value"
                elif byte == closing:
                    stack.pop()
                    self.pos += 1
                    state = "end_value" if stack else "end_top"
                else:
                    return self._fail(byte, context)

    def _scan_scalar(self, byte):
        if byte == ord('"'):
            self.pos += 1
            return self._scan_string()
        if byte == ord("-") or ord("0") <= byte <= ord("9"):
            return self._scan_number()
        for literal in ("true", "false", "null"):
            if byte == ord(literal[0]):
                return self._scan_literal(literal)
        return self._fail(byte, "looking for beginning of value")

    def _scan_string(self):
        data = self.data
        while self.pos < len(data):
            byte = data[self.pos]
            self.pos += 1
            if byte == ord('"'):
                return None
            if byte < 0x20:
                return self._fail(byte, "in string literal")
            if byte == ord("\\"):
                if self.pos >= len(data):
                    return "unexpected end of JSON input"
                escape = data[self.pos]
                self.pos += 1
                if escape == ord("u"):
                    for _ in range(4):
                        if self.pos >= len(data):
                            return "unexpected end of JSON input"
                        if chr(data[self.pos]) not in "0123456789abcdefABCDEF":
                            return self._fail(data[self.pos],
                                              "in \\u hexadecimal character escape")
                        self.pos += 1
                elif escape not in b'bfnrt\\/"':
                    return self._fail(escape, "in string escape code")
        return "unexpected end of JSON input"

    def _digits(self):
        while self.pos < len(self.data) and ord("0") <= self.data[self.pos] <= ord("9"):
            self.pos += 1

    def _scan_number(self):
        if self._byte() == ord("-"):
            self.pos += 1
            if not ord("0") <= self._byte() <= ord("9"):
                return self._fail(self._byte(), "in numeric literal")
        if self._byte() == ord("0"):
            self.pos += 1
        else:
            self._digits()
        if self.pos < len(self.data) and self.data[self.pos] == ord("."):
            self.pos += 1
            if not ord("0") <= self._byte() <= ord("9"):
                return self._fail(self._byte(), "after decimal point in numeric literal")
            self._digits()
        if self.pos < len(self.data) and self.data[self.pos] in b"eE":
            self.pos += 1
            if self._byte() in b"+-":
                self.pos += 1
            if not ord("0") <= self._byte() <= ord("9"):
                return self._fail(self._byte(), "in exponent of numeric literal")
            self._digits()
        return None

    def _scan_literal(self, literal):
        self.pos += 1
        for expected in literal[1:]:
            if self._byte() != ord(expected):
                return self._fail(self._byte(), f"in literal {literal} (expecting '{expected}')")
            self.pos += 1
        return None


def go_json_syntax_error(data):
    """Returns Go's encoding/json error text for invalid JSON, or None when data is valid."""
    return _GoJsonScanner(data).error()


def go_unmarshal_into_map_error(data):
    """The error json.Unmarshal(data, &map[string]interface{}{}) returns, or None."""
    syntax_error = go_json_syntax_error(data)
    if syntax_error:
        return syntax_error
    first = data.lstrip(b" \t\r\n")[:1]
    go_kind = {b"{": None, b"n": None, b"[": "array", b'"': "string", b"t": "bool",
               b"f": "bool"}.get(first, "number")
    if go_kind is None:
        return None
    return f"json: cannot unmarshal {go_kind} into Go value of type map[string]interface {{}}"


_BASE64_ALPHABET = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def go_base64_error(text):
    """The error base64.StdEncoding.DecodeString gives (a port of decodeQuantum), or None."""
    src = text.encode("utf-8", "surrogatepass")
    index = 0
    while True:
        quantum_length = 0
        while quantum_length < 4:
            if index == len(src):
                if quantum_length == 0:
                    return None
                return f"illegal base64 data at input byte {index - quantum_length}"
            byte = src[index]
            index += 1
            if byte in _BASE64_ALPHABET:
                quantum_length += 1
                continue
            if byte in b"\r\n":
                continue
            if byte != ord("=") or quantum_length < 2:
                return f"illegal base64 data at input byte {index - 1}"
            if quantum_length == 2:
                while index < len(src) and src[index] in b"\r\n":
                    index += 1
                if index == len(src):
                    return f"illegal base64 data at input byte {len(src)}"
                if src[index] != ord("="):
                    return f"illegal base64 data at input byte {index - 1}"
                index += 1
            while index < len(src) and src[index] in b"\r\n":
                index += 1
            if index < len(src):
                return f"illegal base64 data at input byte {index}"
            return None


def summarize_body(body, max_length=30):
    """apiserver's summarizeData: how a rejected body is quoted back in a 400 message."""
    if not body:
        return "<empty>"
    if body[:1] == b"{":
        text = body.decode("utf-8", "replace")
        return text[:max_length] + " ..." if len(body) > max_length else text
    return body[:max_length].hex() + (" ..." if len(body) > max_length else "")


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_rfc3339_micro():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_TOP_LEVEL_KEY_ORDER = ("kind", "apiVersion", "metadata", "immutable", "data", "stringData",
                        "binaryData", "type", "spec", "status")
_METADATA_KEY_ORDER = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
                       "generation", "creationTimestamp", "deletionTimestamp",
                       "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
                       "finalizers", "managedFields")
_SORTED_MAP_FIELDS = ("data", "binaryData", "stringData")


def _ordered(mapping, key_order):
    result = {key: mapping[key] for key in key_order if key in mapping}
    result.update((key, value) for key, value in mapping.items() if key not in result)
    return result


def canonical_object(obj):
    """Orders keys the way Go's encoder would (struct order, sorted maps); a copy."""
    result = _ordered(obj, _TOP_LEVEL_KEY_ORDER)
    metadata = result.get("metadata")
    if isinstance(metadata, dict):
        metadata = _ordered(metadata, _METADATA_KEY_ORDER)
        for key in ("labels", "annotations"):
            if isinstance(metadata.get(key), dict):
                metadata[key] = dict(sorted(metadata[key].items()))
        result["metadata"] = metadata
    for key in _SORTED_MAP_FIELDS:
        if isinstance(result.get(key), dict):
            result[key] = dict(sorted(result[key].items()))
    return result

# ---------------------------------------------------------------------------------------------
# Errors: every failure is a metav1.Status, built with apimachinery's message formats.
# ---------------------------------------------------------------------------------------------

OPTIMISTIC_LOCK_MESSAGE = ("the object has been modified; please apply your changes to the "
                           "latest version and try again")


class ApiError(Exception):
    """A failed request; `status` is the metav1.Status body sent back."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason}
        if details is not None:
            self.status["details"] = details
        self.status["code"] = code
        self.code = code
        self.headers = headers or []


def _details(resource_type, name, **extra):
    details = {}
    if name:
        details["name"] = name
    if resource_type is not None:
        if resource_type.group:
            details["group"] = resource_type.group
        details["kind"] = resource_type.plural
    details.update(extra)
    return details


def not_found_error(resource_type, name):
    return ApiError(404, "NotFound",
                    f"{resource_type.qualified_resource} {go_quote(name)} not found",
                    _details(resource_type, name))


def path_not_found_error():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists_error(resource_type, name):
    return ApiError(409, "AlreadyExists",
                    f"{resource_type.qualified_resource} {go_quote(name)} already exists",
                    _details(resource_type, name))


def conflict_error(resource_type, name, reason_text=OPTIMISTIC_LOCK_MESSAGE):
    return ApiError(409, "Conflict", f"Operation cannot be fulfilled on "
                    f"{resource_type.qualified_resource} {go_quote(name)}: {reason_text}",
                    _details(resource_type, name))


def forbidden_error(resource_type, name, reason_text, causes=None):
    subject = resource_type.qualified_resource
    subject = f"{subject} {go_quote(name)}" if name else subject
    details = _details(resource_type, name)
    if causes:
        details["causes"] = causes
    return ApiError(403, "Forbidden", f"{subject} is forbidden: {reason_text}", details)


def bad_request_error(message):
    return ApiError(400, "BadRequest", message)


def unauthorized_error():
    return ApiError(401, "Unauthorized", "Unauthorized")


def method_not_allowed_error():
    return ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource", {})


def unsupported_media_type_error(accepted):
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types "
                    "include: " + ", ".join(accepted))


def expired_error(message):
    return ApiError(410, "Expired", message)


def internal_error(message):
    return ApiError(500, "InternalError", f"Internal error occurred: {message}",
                    {"causes": [{"message": message}]})


def generic_error_for_code(code, message=None, retry_after_seconds=None):
    """What apierrors.NewGenericServerResponse and friends send for a bare status code."""
    reason, default_message = {
        400: ("BadRequest", "the server rejected our request for an unknown reason"),
        401: ("Unauthorized", "Unauthorized"),
        403: ("Forbidden", "forbidden"),
        404: ("NotFound", "the server could not find the requested resource"),
        405: ("MethodNotAllowed",
              "the server does not allow this method on the requested resource"),
        406: ("NotAcceptable", "the server was unable to respond with a content type that the "
                               "client supports"),
        409: ("Conflict", "the server reported a conflict"),
        410: ("Expired", "the resource has expired"),
        413: ("RequestEntityTooLarge", "the request entity is too large"),
        415: ("UnsupportedMediaType", "the server was unable to handle the content type"),
        422: ("Invalid", "the server rejected our request due to an error in our request"),
        429: ("TooManyRequests", "Too many requests, please try again later."),
        500: ("InternalError", "Internal error occurred: injected fault"),
        503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
        504: ("Timeout", "the server was unable to return a response in the time allotted, but "
                         "may still be processing the request"),
    }.get(code, ("", f"the server responded with the status code {code} but did not return "
                     "more information"))
    details = {}
    headers = []
    if retry_after_seconds is None and code == 429:
        retry_after_seconds = 1
    if retry_after_seconds is not None:
        details["retryAfterSeconds"] = retry_after_seconds
        headers.append(("Retry-After", str(retry_after_seconds)))
    return ApiError(code, reason, message or default_message, details, headers)


_FIELD_ERROR_TYPES = {
    "FieldValueRequired": "Required value", "FieldValueInvalid": "Invalid value",
    "FieldValueForbidden": "Forbidden", "FieldValueTooLong": "Too long",
    "FieldValueNotSupported": "Unsupported value", "FieldValueDuplicate": "Duplicate value",
    "FieldValueNotFound": "Not found", "FieldValueTooMany": "Too many",
}
_FIELD_ERRORS_WITHOUT_VALUE = ("FieldValueRequired", "FieldValueForbidden", "FieldValueTooLong")


class RawValue(str):
    """A bad value printed verbatim (Go's %v of a non-string, e.g. `0x0` for a nil pointer)."""


@dataclasses.dataclass
class FieldError:
    """One k8s.io/apimachinery field.Error."""
    cause_type: str
    field: str
    detail: str = ""
    bad_value: object = None

    def body(self):
        text = _FIELD_ERROR_TYPES[self.cause_type]
        if self.cause_type not in _FIELD_ERRORS_WITHOUT_VALUE and self.bad_value is not None:
            value = self.bad_value
            if isinstance(value, RawValue):
                rendered = str(value)
            elif isinstance(value, bool):
                rendered = "true" if value else "false"
            elif isinstance(value, str):
                rendered = go_quote(value)
            else:
                rendered = str(value)
            text = f"{text}: {rendered}"
        if self.detail:
            text = f"{text}: {self.detail}"
        return text

    def __str__(self):
        return f"{self.field}: {self.body()}"


def invalid_error(qualified_kind, group, name, field_errors):
    messages = []
    for error in field_errors:
        if str(error) not in messages:
            messages.append(str(error))
    summary = messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
    details = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = qualified_kind.split(".", 1)[0]
    details["causes"] = [{"reason": e.cause_type, "message": e.body(), "field": e.field}
                         for e in field_errors]
    return ApiError(422, "Invalid", f"{qualified_kind} {go_quote(name)} is invalid: {summary}",
                    details)


def resource_invalid_error(resource_type, name, field_errors):
    return invalid_error(resource_type.qualified_kind, resource_type.group, name, field_errors)


def options_invalid_error(options_kind, field_errors):
    """Query-parameter validation failures are reported against e.g. PatchOptions."""
    return invalid_error(f"{options_kind}.meta.k8s.io", "meta.k8s.io", "", field_errors)

# ---------------------------------------------------------------------------------------------
# Validation (k8s.io/apimachinery/pkg/util/validation and pkg/apis/core/validation).
# ---------------------------------------------------------------------------------------------

DNS1123_SUBDOMAIN_PATTERN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
DNS1123_LABEL_PATTERN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
QUALIFIED_NAME_PATTERN = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_PATTERN = r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
CONFIG_KEY_PATTERN = r"[-._a-zA-Z0-9]+"


def _regex_error(message, pattern, *examples):
    """validation.RegexError, including its double space before each ' or '."""
    if not examples:
        return f"{message} (regex used for validation is '{pattern}')"
    quoted = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {quoted}regex used for validation is '{pattern}')"


def _max_length_error(length):
    return f"must be no more than {length} characters"


def dns1123_subdomain_errors(value):
    errors = []
    if len(value) > 253:
        errors.append(_max_length_error(253))
    if not re.fullmatch(DNS1123_SUBDOMAIN_PATTERN, value):
        errors.append(_regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character",
            DNS1123_SUBDOMAIN_PATTERN, "example.com"))
    return errors


def dns1123_label_errors(value):
    errors = []
    if len(value) > 63:
        errors.append(_max_length_error(63))
    if not re.fullmatch(DNS1123_LABEL_PATTERN, value):
        errors.append(_regex_error(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
            "'-', and must start and end with an alphanumeric character",
            DNS1123_LABEL_PATTERN, "my-name", "123-abc"))
    return errors


_QUALIFIED_NAME_MESSAGE = ("must consist of alphanumeric characters, '-', '_' or '.', and must "
                           "start and end with an alphanumeric character")


def qualified_name_errors(value):
    parts = value.split("/")
    if len(parts) > 2:
        return ["a qualified name " + _regex_error(
            _QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_PATTERN, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    errors = []
    name = parts[-1]
    if len(parts) == 2:
        if not parts[0]:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend("prefix part " + msg for msg in dns1123_subdomain_errors(parts[0]))
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part " + _max_length_error(63))
    if not re.fullmatch(QUALIFIED_NAME_PATTERN, name):
        errors.append("name part " + _regex_error(_QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_PATTERN,
                                                  "MyName", "my.name", "123-abc"))
    return errors


def label_value_errors(value):
    errors = []
    if len(value) > 63:
        errors.append(_max_length_error(63))
    if not re.fullmatch(LABEL_VALUE_PATTERN, value):
        errors.append(_regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character",
            LABEL_VALUE_PATTERN, "MyValue", "my_value", "12345"))
    return errors


def config_key_errors(key):
    errors = []
    if len(key) > 253:
        errors.append(_max_length_error(253))
    if not re.fullmatch(CONFIG_KEY_PATTERN, key):
        errors.append(_regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            CONFIG_KEY_PATTERN, "key.name", "KEY_NAME", "key-name"))
    if key == ".":
        errors.append("must not be '.'")
    elif key == "..":
        errors.append("must not be '..'")
    elif key.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def validate_object_meta(resource_type, obj):
    metadata = obj.get("metadata") or {}
    errors = []
    name = metadata.get("name") or ""
    if not name:
        errors.append(FieldError("FieldValueRequired", "metadata.name",
                                 "name or generateName is required"))
    else:
        name_errors = (dns1123_label_errors(name) if resource_type is NAMESPACES
                       else dns1123_subdomain_errors(name))
        errors.extend(FieldError("FieldValueInvalid", "metadata.name", msg, name)
                      for msg in name_errors)
    for key, value in (metadata.get("labels") or {}).items():
        errors.extend(FieldError("FieldValueInvalid", "metadata.labels", msg, key)
                      for msg in qualified_name_errors(key))
        errors.extend(FieldError("FieldValueInvalid", "metadata.labels", msg, value)
                      for msg in label_value_errors(str(value)))
    annotations = metadata.get("annotations") or {}
    for key in annotations:
        errors.extend(FieldError("FieldValueInvalid", "metadata.annotations", msg, key)
                      for msg in qualified_name_errors(key.lower()))
    if sum(len(k) + len(str(v)) for k, v in annotations.items()) > 256 * 1024:
        errors.append(FieldError("FieldValueTooLong", "metadata.annotations",
                                 "may not be more than 262144 bytes"))
    return errors


def _decoded_secret_data(secret):
    return {key: base64.b64decode(value.replace("\n", "").replace("\r", ""))
            for key, value in (secret.get("data") or {}).items()}


def validate_secret(secret):
    errors = []
    decoded = _decoded_secret_data(secret)
    for key in decoded:
        errors.extend(FieldError("FieldValueInvalid", f"data[{key}]", msg, key)
                      for msg in config_key_errors(key))
    if sum(len(value) for value in decoded.values()) > MAX_SECRET_BYTES:
        errors.append(FieldError("FieldValueTooLong", "data",
                                 f"may not be more than {MAX_SECRET_BYTES} bytes"))
    secret_type = secret.get("type")
    if secret_type == "kubernetes.io/dockerconfigjson":
        field = "data[.dockerconfigjson]"
        if ".dockerconfigjson" not in decoded:
            errors.append(FieldError("FieldValueRequired", field))
        else:
            parse_error = go_unmarshal_into_map_error(decoded[".dockerconfigjson"])
            if parse_error:
                errors.append(FieldError("FieldValueInvalid", field, parse_error,
                                         "<secret contents redacted>"))
    elif secret_type == "kubernetes.io/dockercfg":
        if ".dockercfg" not in decoded:
            errors.append(FieldError("FieldValueRequired", "data[.dockercfg]"))
    elif secret_type == "kubernetes.io/basic-auth":
        if "username" not in decoded and "password" not in decoded:
            errors.append(FieldError("FieldValueRequired", "data[username]"))
            errors.append(FieldError("FieldValueRequired", "data[password]"))
    elif secret_type == "kubernetes.io/tls":
        for key in ("tls.key", "tls.crt"):
            if key not in decoded:
                errors.append(FieldError("FieldValueRequired", f"data[{key}]"))
    elif secret_type == "kubernetes.io/ssh-auth":
        if "ssh-privatekey" not in decoded:
            errors.append(FieldError("FieldValueRequired", "data[ssh-privatekey]"))
    return errors


def validate_secret_update(new_secret, old_secret):
    errors = []
    if new_secret.get("type") != old_secret.get("type"):
        errors.append(FieldError("FieldValueInvalid", "type", "field is immutable",
                                 new_secret.get("type", "")))
    if old_secret.get("immutable") is True:
        if new_secret.get("immutable") is not True:
            errors.append(FieldError("FieldValueForbidden", "immutable",
                                     "field is immutable when `immutable` is set"))
        if _decoded_secret_data(new_secret) != _decoded_secret_data(old_secret):
            errors.append(FieldError("FieldValueForbidden", "data",
                                     "field is immutable when `immutable` is set"))
    return errors + validate_secret(new_secret)


def validate_config_map(config_map):
    errors = []
    total = 0
    for field in ("data", "binaryData"):
        for key, value in (config_map.get(field) or {}).items():
            errors.extend(FieldError("FieldValueInvalid", f"{field}[{key}]", msg, key)
                          for msg in config_key_errors(key))
            total += len(value)
    if total > MAX_SECRET_BYTES:
        errors.append(FieldError("FieldValueTooLong", "", f"may not be more than "
                                 f"{MAX_SECRET_BYTES} bytes"))
    return errors


def validate_lease(lease):
    spec = lease.get("spec") or {}
    errors = []
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and (not isinstance(duration, int) or duration <= 0):
        errors.append(FieldError("FieldValueInvalid", "spec.leaseDurationSeconds",
                                 "must be greater than 0", duration))
    transitions = spec.get("leaseTransitions")
    if transitions is not None and (not isinstance(transitions, int) or transitions < 0):
        errors.append(FieldError("FieldValueInvalid", "spec.leaseTransitions",
                                 "must be greater than or equal to 0", transitions))
    return errors


def validate_object(resource_type, obj, old_obj=None):
    """All field errors for a create (old_obj None) or an update."""
    errors = validate_object_meta(resource_type, obj)
    if resource_type.kind == "Secret":
        errors += (validate_secret_update(obj, old_obj) if old_obj is not None
                   else validate_secret(obj))
    elif resource_type.kind == "ConfigMap":
        errors += validate_config_map(obj)
        if old_obj is not None and old_obj.get("immutable") is True:
            for field in ("data", "binaryData"):
                if obj.get(field) != old_obj.get(field):
                    errors.append(FieldError("FieldValueForbidden", field,
                                             "field is immutable when `immutable` is set"))
    elif resource_type.kind == "Lease":
        errors += validate_lease(obj)
    elif resource_type.kind == "Event":
        errors += validate_event(obj)
    return errors


_KNOWN_SECRET_FIELDS = ("apiVersion", "kind", "metadata", "data", "stringData", "type",
                        "immutable")
_KNOWN_METADATA_FIELDS = ("name", "generateName", "namespace", "selfLink", "uid",
                          "resourceVersion", "generation", "creationTimestamp",
                          "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
                          "annotations", "ownerReferences", "finalizers", "managedFields")


def unknown_fields(resource_type, obj):
    """Fields the typed decoder would not recognise. Only known for Secrets in this fake."""
    if resource_type.kind != "Secret":
        return []
    unknown = [key for key in obj if key not in _KNOWN_SECRET_FIELDS]
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        unknown += [f"metadata.{key}" for key in metadata if key not in _KNOWN_METADATA_FIELDS]
    return unknown


def _json_kind(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def secret_decode_error(secret):
    """What the typed decoder says about a Secret body, or None (base64 and field types)."""
    def type_error(value, field, go_type, struct="Secret"):
        return (f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
                f"{struct}.{field} of type {go_type}")

    metadata = secret.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return type_error(metadata, "metadata", "v1.ObjectMeta")
    for key in ("labels", "annotations"):
        mapping = (metadata or {}).get(key)
        if mapping is not None and not isinstance(mapping, dict):
            return type_error(mapping, f"metadata.{key}", "map[string]string", "ObjectMeta")
        for value in (mapping or {}).values():
            if value is not None and not isinstance(value, str):
                return type_error(value, f"metadata.{key}", "string", "ObjectMeta")
    for field, go_type in (("data", "map[string][]uint8"), ("stringData", "map[string]string")):
        mapping = secret.get(field)
        if mapping is not None and not isinstance(mapping, dict):
            return type_error(mapping, field, go_type)
        for value in (mapping or {}).values():
            if value is not None and not isinstance(value, str):
                return type_error(value, field, "[]uint8" if field == "data" else "string")
            if field == "data" and value is not None:
                base64_error = go_base64_error(value)
                if base64_error:
                    return base64_error
    if secret.get("type") is not None and not isinstance(secret["type"], str):
        return type_error(secret["type"], "type", "v1.SecretType")
    if secret.get("immutable") is not None and not isinstance(secret["immutable"], bool):
        return type_error(secret["immutable"], "immutable", "bool")
    return None


MICRO_TIME_LAYOUT = "2006-01-02T15:04:05.000000Z07:00"
_MICRO_TIME_PATTERN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)")
_SECONDS_PREFIX_PATTERN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def micro_time_error(value):
    """metav1.MicroTime parses with a fixed layout: exactly six fractional digits."""
    if not isinstance(value, str):
        return f"json: cannot unmarshal {_json_kind(value)} into Go value of type string"
    if _MICRO_TIME_PATTERN.fullmatch(value):
        return None
    prefix = _SECONDS_PREFIX_PATTERN.match(value)
    if prefix is None:  # Go would name the first bad layout element; this fake names the date
        rest, layout_element = value, "2006"
    else:
        rest = value[prefix.end():]
        is_fraction_ok = re.match(r"\.\d{6}(?!\d)", rest)
        layout_element = "Z07:00" if is_fraction_ok else ".000000"
        rest = rest[7:] if is_fraction_ok else rest
    return (f"parsing time {go_quote(value)} as {go_quote(MICRO_TIME_LAYOUT)}: cannot parse "
            f"{go_quote(rest)} as {go_quote(layout_element)}")


def normalize_micro_time(value):
    """The apiserver stores MicroTime in UTC and writes it back with a Z."""
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lease_decode_error(lease):
    spec = lease.get("spec")
    if spec is not None and not isinstance(spec, dict):
        return (f"json: cannot unmarshal {_json_kind(spec)} into Go struct field Lease.spec of "
                "type v1.LeaseSpec")
    for field in ("acquireTime", "renewTime"):
        if (spec or {}).get(field) is not None:
            error = micro_time_error(spec[field])
            if error:
                return error
    return None


def typed_decode_error(resource_type, obj):
    """What decoding obj into its Go type would fail with, for the types this fake models."""
    if resource_type.kind == "Secret":
        return secret_decode_error(obj)
    if resource_type.kind == "Lease":
        return lease_decode_error(obj)
    return None


def validate_event(event):
    """legacyValidateEvent for core/v1 Events without eventTime."""
    if event.get("eventTime"):
        return []
    involved_namespace = (event.get("involvedObject") or {}).get("namespace", "")
    namespace = event["metadata"].get("namespace", "")
    if involved_namespace == namespace or (not involved_namespace
                                           and namespace in ("", "default")):
        return []
    return [FieldError("FieldValueInvalid", "involvedObject.namespace",
                       "does not match event.namespace", involved_namespace)]

# ---------------------------------------------------------------------------------------------
# Patches: RFC 7386 merge, strategic merge (maps as merge; lists by patchMergeKey), RFC 6902.
# ---------------------------------------------------------------------------------------------


class PatchError(Exception):
    """A patch that could not be applied (422 for JSON patch ops, 400 for malformed input)."""


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# patchMergeKey of the list fields in k8s.io/api types; lists not named here are replaced.
_STRATEGIC_MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "env": "name", "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
    "ports": "containerPort", "imagePullSecrets": "name", "ownerReferences": "uid",
    "conditions": "type", "hostAliases": "ip", "secrets": "name",
}
_STRATEGIC_SET_LISTS = ("finalizers",)


def strategic_merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result = dict(target) if isinstance(target, dict) else {}
    element_orders = {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            element_orders[key.split("/", 1)[1]] = value
        elif key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [item for item in result.get(field) or [] if item not in value]
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            if value.get("$patch") == "delete":
                result.pop(key, None)
            else:
                result[key] = strategic_merge_patch(result.get(key), value)
        elif isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _strategic_merge_list(key, result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    for field, order in element_orders.items():
        result[field] = _apply_element_order(field, result.get(field) or [], order)
    if isinstance(patch.get("$retainKeys"), list):
        result = {k: v for k, v in result.items() if k in patch["$retainKeys"]}
    return result


def _strategic_merge_list(field, current, patch_items):
    if field in _STRATEGIC_SET_LISTS:
        return list(current) + [item for item in patch_items if item not in current]
    merge_key = _STRATEGIC_MERGE_KEYS.get(field)
    if not merge_key or not all(isinstance(i, dict) and merge_key in i for i in patch_items):
        return [item for item in copy.deepcopy(patch_items)
                if not (isinstance(item, dict) and item.get("$patch"))]
    result = list(current)
    for item in patch_items:
        position = next((i for i, existing in enumerate(result)
                         if isinstance(existing, dict)
                         and existing.get(merge_key) == item[merge_key]), None)
        if item.get("$patch") == "delete":
            if position is not None:
                del result[position]
        elif position is None:
            result.append(strategic_merge_patch({}, item))
        else:
            result[position] = strategic_merge_patch(result[position], item)
    return result


def _apply_element_order(field, items, order):
    merge_key = _STRATEGIC_MERGE_KEYS.get(field)

    def identity(item):
        return item.get(merge_key) if merge_key and isinstance(item, dict) else item
    wanted = [identity(item) for item in order]
    ranked = sorted(enumerate(items), key=lambda pair: (
        wanted.index(identity(pair[1])) if identity(pair[1]) in wanted else len(wanted), pair[0]))
    return [item for _, item in ranked]


def _json_pointer(pointer):
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"JSON pointer must start with '/': {pointer}")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def _resolve_parent(document, parts, operation):
    node = document
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise PatchError(f"{operation} operation does not apply: doc is missing path")
    return node


def _get_pointer(document, pointer, operation):
    parts = _json_pointer(pointer)
    if not parts:
        return document
    parent = _resolve_parent(document, parts, operation)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise PatchError(f"{operation} operation does not apply: doc is missing key: {pointer}")


def _remove_pointer(document, pointer, operation):
    parts = _json_pointer(pointer)
    if not parts:
        raise PatchError("cannot remove the whole document")
    parent = _resolve_parent(document, parts, operation)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent.pop(int(last))
    raise PatchError(f"{operation} operation does not apply: doc is missing key: {pointer}")


def _add_pointer(document, pointer, value, operation):
    parts = _json_pointer(pointer)
    if not parts:
        return value
    parent = _resolve_parent(document, parts, operation)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise PatchError(f"{operation} operation does not apply: index out of range")
    else:
        raise PatchError(f"{operation} operation does not apply: doc is missing path")
    return document


def json_patch(document, operations):
    """RFC 6902; raises PatchError when an operation fails (the apiserver answers 422)."""
    document = copy.deepcopy(document)
    for operation in operations:
        op = operation.get("op")
        path = operation.get("path", "")
        if op == "add":
            document = _add_pointer(document, path, copy.deepcopy(operation.get("value")), op)
        elif op == "remove":
            _remove_pointer(document, path, op)
        elif op == "replace":
            _get_pointer(document, path, op)
            if _json_pointer(path):
                _remove_pointer(document, path, op)
            document = _add_pointer(document, path, copy.deepcopy(operation.get("value")), op)
        elif op == "move":
            value = _remove_pointer(document, operation.get("from", ""), op)
            document = _add_pointer(document, path, value, op)
        elif op == "copy":
            value = copy.deepcopy(_get_pointer(document, operation.get("from", ""), op))
            document = _add_pointer(document, path, value, op)
        elif op == "test":
            if _get_pointer(document, path, op) != operation.get("value"):
                raise PatchError(f"testing value {path} failed: test failed")
        else:
            raise PatchError(f"Unexpected kind: {op}")
    return document

# ---------------------------------------------------------------------------------------------
# Field ownership (managedFields) for server-side apply. Simplified from structured-merge-diff:
# every leaf value is a field, lists are atomic, and status is never owned.
# ---------------------------------------------------------------------------------------------

_OWNED_METADATA_FIELDS = ("labels", "annotations", "finalizers", "ownerReferences")
_MISSING = object()


def owned_leaf_values(obj):
    leaves = {}

    def collect(path, value):
        if isinstance(value, dict) and value:
            for key, child in value.items():
                collect(path + (key,), child)
        else:
            leaves[path] = value

    for key, value in (obj or {}).items():
        if key in ("apiVersion", "kind", "status"):
            continue
        if key == "metadata":
            for meta_key in _OWNED_METADATA_FIELDS:
                if isinstance(value, dict) and meta_key in value:
                    collect(("metadata", meta_key), value[meta_key])
            continue
        collect((key,), value)
    return leaves


def _paths_overlap(first, second):
    shorter = min(len(first), len(second))
    return first[:shorter] == second[:shorter]


def format_field_path(path):
    return "".join("." + element for element in path)


def _fields_v1_to_paths(node, prefix=()):
    paths = set()
    for key, child in node.items():
        if key == ".":
            paths.add(prefix)
        elif key.startswith("f:"):
            paths |= (_fields_v1_to_paths(child, prefix + (key[2:],)) if child
                      else {prefix + (key[2:],)})
        else:  # k:/v:/i: list members; this fake owns lists as a whole
            paths.add(prefix)
    return paths


def _paths_to_fields_v1(paths):
    root = {}
    for path in sorted(paths):
        node = root
        for element in path:
            node = node.setdefault("f:" + element, {})
    for path in paths:
        node = root
        for element in path:
            node = node["f:" + element]
        if node and "." not in node:
            node["."] = {}
    return root


@dataclasses.dataclass
class ManagedEntry:
    manager: str
    operation: str
    api_version: str
    time: str
    paths: set
    subresource: str = ""

    def identity(self):
        """How a conflict names its manager (managedfields printManager)."""
        text = go_quote(self.manager)
        if self.subresource:
            text += f" with subresource {go_quote(self.subresource)}"
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text


def read_managed_entries(obj):
    entries = []
    for raw in (obj or {}).get("metadata", {}).get("managedFields") or []:
        if not isinstance(raw, dict):
            continue
        entries.append(ManagedEntry(raw.get("manager", ""), raw.get("operation", "Update"),
                                    raw.get("apiVersion", ""), raw.get("time", ""),
                                    _fields_v1_to_paths(raw.get("fieldsV1") or {}),
                                    raw.get("subresource", "")))
    return entries


def write_managed_entries(obj, entries):
    rendered = []
    for entry in entries:
        if not entry.paths:
            continue
        raw = {"manager": entry.manager, "operation": entry.operation,
               "apiVersion": entry.api_version, "time": entry.time, "fieldsType": "FieldsV1",
               "fieldsV1": _paths_to_fields_v1(entry.paths)}
        if entry.subresource:
            raw["subresource"] = entry.subresource
        rendered.append(raw)
    if rendered:
        obj["metadata"]["managedFields"] = rendered
    else:
        obj["metadata"].pop("managedFields", None)


def _find_entry(entries, manager, operation, api_version, subresource=""):
    for entry in entries:
        if (entry.manager, entry.operation, entry.subresource) == (manager, operation,
                                                                   subresource):
            return entry
    entry = ManagedEntry(manager, operation, api_version, "", set(), subresource)
    entries.append(entry)
    return entry


def record_update_ownership(old_obj, new_obj, manager, api_version):
    """A non-apply write: its manager takes every changed field away from the others."""
    entries = read_managed_entries(old_obj)
    old_leaves = owned_leaf_values(old_obj)
    new_leaves = owned_leaf_values(new_obj)
    changed = {path for path, value in new_leaves.items()
               if old_leaves.get(path, _MISSING) != value}
    touched = changed | (set(old_leaves) - set(new_leaves))
    for entry in entries:
        entry.paths = {p for p in entry.paths if not any(_paths_overlap(p, t) for t in touched)}
    if changed:
        entry = _find_entry(entries, manager, "Update", api_version)
        entry.paths |= changed
        entry.time = now_rfc3339()
    write_managed_entries(new_obj, entries)


class ApplyConflict(Exception):
    def __init__(self, conflicts):
        super().__init__("apply conflict")
        self.conflicts = conflicts  # [(manager identity, path tuple)]

    def to_api_error(self):
        causes = [{"reason": "FieldManagerConflict", "message": f"conflict with {identity}",
                   "field": format_field_path(path)} for identity, path in self.conflicts]
        if len(self.conflicts) == 1:
            identity, path = self.conflicts[0]
            message = (f"Apply failed with 1 conflict: conflict with {identity}: "
                       f"{format_field_path(path)}")
        else:
            lines = []
            for identity in sorted({identity for identity, _ in self.conflicts}):
                lines.append(f"conflicts with {identity}:")
                lines += [f"- {format_field_path(path)}" for who, path in self.conflicts
                          if who == identity]
            message = f"Apply failed with {len(self.conflicts)} conflicts: " + "\n".join(lines)
        return ApiError(409, "Conflict", message, {"causes": causes})


def _deep_merge(base, overlay):
    result = dict(base) if isinstance(base, dict) else {}
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _remove_path(obj, path):
    parents = [obj]
    for element in path[:-1]:
        child = parents[-1].get(element)
        if not isinstance(child, dict):
            return
        parents.append(child)
    parents[-1].pop(path[-1], None)
    for depth in range(len(parents) - 1, 0, -1):  # drop maps the removal left empty
        if not parents[depth]:
            parents[depth - 1].pop(path[depth - 1], None)


def apply_configuration(current, config, manager, is_forced, api_version):
    """Server-side apply of `config` onto `current` (None when creating); a new object."""
    entries = read_managed_entries(current)
    current_leaves = owned_leaf_values(current)
    applied_leaves = owned_leaf_values(config)
    conflicts = []
    for path, value in applied_leaves.items():
        existing = current_leaves.get(path, _MISSING)
        if existing is _MISSING or existing == value:
            continue
        for entry in entries:
            if (entry.manager, entry.operation) == (manager, "Apply"):
                continue
            if any(_paths_overlap(path, owned) for owned in entry.paths):
                conflicts.append((entry.identity(), path))
    if conflicts and not is_forced:
        raise ApplyConflict(conflicts)
    mine = _find_entry(entries, manager, "Apply", api_version)
    owned_by_others = set()
    for entry in entries:
        if entry is not mine:
            if is_forced:
                entry.paths = {p for p in entry.paths
                               if not any(_paths_overlap(p, a) for a in applied_leaves)}
            owned_by_others |= entry.paths
    result = _deep_merge(current or {}, config)
    for path in mine.paths - set(applied_leaves) - owned_by_others:
        _remove_path(result, path)
    if mine.paths != set(applied_leaves) or not mine.time:
        mine.time = now_rfc3339()
    mine.paths = set(applied_leaves)
    mine.api_version = api_version
    result.setdefault("metadata", {})
    write_managed_entries(result, entries)
    return result

# ---------------------------------------------------------------------------------------------
# Label and field selectors (k8s.io/apimachinery/pkg/labels and pkg/fields).
# ---------------------------------------------------------------------------------------------


class SelectorError(Exception):
    pass


_LABEL_SELECTOR_SYMBOLS = ("!=", "==", "=", "!", "(", ")", ",", "<", ">")


def _lex_label_selector(text):
    tokens = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
            continue
        symbol = next((s for s in _LABEL_SELECTOR_SYMBOLS if text.startswith(s, position)), None)
        if symbol:
            tokens.append(symbol)
            position += len(symbol)
            continue
        start = position
        while (position < len(text) and not text[position].isspace()
               and text[position] not in "!=(),<>"):
            position += 1
        tokens.append(("word", text[start:position]))
    return tokens


class _LabelSelectorParser:
    _OPERATORS = {"in": "in", "notin": "notin", "=": "=", "==": "=", "!=": "!=", ">": "gt",
                  "<": "lt"}

    def __init__(self, text):
        self.tokens = _lex_label_selector(text)
        self.position = 0

    def _peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self):
        token = self._peek()
        self.position += 1
        return token

    @staticmethod
    def _literal(token):
        if token is None:
            return ""
        return token[1] if isinstance(token, tuple) else token

    @staticmethod
    def _is_word(token):
        return isinstance(token, tuple)

    def parse(self):
        requirements = []
        while True:
            token = self._peek()
            if token is None:
                return requirements
            if not (self._is_word(token) or token == "!"):
                raise SelectorError(f"found '{self._literal(token)}', expected: !, identifier, "
                                    "or 'end of string'")
            try:
                requirements.append(self._requirement())
            except SelectorError as error:
                raise SelectorError(f"unable to parse requirement: {error}") from None
            token = self._take()
            if token is None:
                return requirements
            if token != ",":
                raise SelectorError(f"found '{self._literal(token)}', expected: ',' or "
                                    "'end of string'")
            following = self._peek()
            if not (self._is_word(following) or following == "!"):
                raise SelectorError(f"found '{self._literal(following)}', expected: identifier "
                                    "after ','")

    def _requirement(self):
        token = self._take()
        is_negated = token == "!"
        if is_negated:
            token = self._take()
        if not self._is_word(token):
            raise SelectorError(f"found '{self._literal(token)}', expected: identifier")
        key = token[1]
        key_errors = qualified_name_errors(key)
        if key_errors:
            raise SelectorError(f"key: Invalid value: {go_quote(key)}: {'; '.join(key_errors)}")
        if is_negated:
            return (key, "!", ())
        if self._peek() in (None, ","):
            return (key, "exists", ())
        operator_token = self._take()
        operator = self._OPERATORS.get(self._literal(operator_token))
        if operator is None or (operator in ("in", "notin")
                                and not self._is_word(operator_token)):
            raise SelectorError(f"found '{self._literal(operator_token)}', expected: in, notin, "
                                "=, ==, !=, gt, lt")
        values = self._set_values() if operator in ("in", "notin") else self._exact_value()
        for value in values:
            value_errors = label_value_errors(value)
            if value_errors:
                raise SelectorError(f"values[0][{key}]: Invalid value: {go_quote(value)}: "
                                    + "; ".join(value_errors))
        if operator in ("gt", "lt") and not re.fullmatch(r"-?\d+", values[0]):
            raise SelectorError("for 'Gt', 'Lt' operators, the value must be an integer")
        return (key, operator, tuple(values))

    def _exact_value(self):
        if self._peek() in (None, ","):
            return [""]
        token = self._take()
        if not self._is_word(token):
            raise SelectorError(f"found '{self._literal(token)}', expected: identifier")
        return [token[1]]

    def _set_values(self):
        token = self._take()
        if token != "(":
            raise SelectorError(f"found '{self._literal(token)}', expected: '('")
        values = []
        while True:
            token = self._take()
            if token == ")":
                break
            if self._is_word(token):
                values.append(token[1])
                if self._peek() not in (",", ")"):
                    raise SelectorError(f"found '{self._literal(self._peek())}', expected: "
                                        "',' or ')'")
            elif token == ",":
                if self._peek() in (",", ")") or not values:
                    values.append("")
            else:
                raise SelectorError(f"found '{self._literal(token)}', expected: ',', ')' or "
                                    "identifier")
        if not values:
            raise SelectorError("for 'in', 'notin' operators, values set can't be empty")
        return values


def parse_label_selector(text):
    return _LabelSelectorParser(text or "").parse()


def labels_match(requirements, labels):
    for key, operator, values in requirements:
        present = key in labels
        value = labels.get(key)
        if operator == "exists" and not present:
            return False
        if operator == "!" and present:
            return False
        if operator in ("=", "in") and (not present or value not in values):
            return False
        if operator in ("!=", "notin") and present and value in values:
            return False
        if operator in ("gt", "lt"):
            if not present or not re.fullmatch(r"-?\d+", value or ""):
                return False
            number, bound = int(value), int(values[0])
            if not (number > bound if operator == "gt" else number < bound):
                return False
    return True


def _split_unescaped(text, separator):
    parts, current, is_escaped = [], [], False
    for char in text:
        if is_escaped:
            current.append(char)
            is_escaped = False
        elif char == "\\":
            current.append(char)
            is_escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unescape_field_value(value):
    result, is_escaped = [], False
    for char in value:
        if is_escaped:
            if char not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: "
                                    f"\\{char}")
            result.append(char)
            is_escaped = False
        elif char == "\\":
            is_escaped = True
        elif char in ",=":
            raise SelectorError(f"invalid field selector: unescaped {char} in value")
        else:
            result.append(char)
    return "".join(result)


def parse_field_selector(text):
    terms = []
    for part in sorted(_split_unescaped(text or "", ",")):
        if not part:
            continue
        for index in range(len(part)):
            operator = next((op for op in ("!=", "==", "=") if part.startswith(op, index)), None)
            if operator:
                terms.append((part[:index], "!=" if operator == "!=" else "=",
                              _unescape_field_value(part[index + len(operator):])))
                break
        else:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
    return terms


def field_value(obj, field):
    node = obj
    for element in field.split("."):
        node = node.get(element) if isinstance(node, dict) else None
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


def fields_match(terms, obj):
    for field, operator, value in terms:
        if (field_value(obj, field) == value) != (operator == "="):
            return False
    return True


@dataclasses.dataclass
class Selectors:
    labels: list
    fields: list

    def matches(self, obj):
        metadata = obj.get("metadata") or {}
        return (labels_match(self.labels, metadata.get("labels") or {})
                and fields_match(self.fields, obj))


def parse_selectors(resource_type, query):
    label_text = query.get("labelSelector", "")
    field_text = query.get("fieldSelector", "")
    try:
        labels = parse_label_selector(label_text)
        fields = parse_field_selector(field_text)
    except SelectorError as error:
        raise bad_request_error(str(error)) from None
    for field, _, _ in fields:
        if field in ("metadata.name", "metadata.namespace"):
            continue
        if field in resource_type.extra_field_labels:
            continue
        reason = (f"field label not supported: {field}"
                  if resource_type.has_field_label_conversion else
                  f'{go_quote(field)} is not a known field selector: only "metadata.name", '
                  '"metadata.namespace"')
        raise bad_request_error(f"Unable to find {go_quote(resource_type.plural)} that match "
                                f"label selector {go_quote(label_text)}, field selector "
                                f"{go_quote(field_text)}: {reason}")
    return Selectors(labels, fields)

# ---------------------------------------------------------------------------------------------
# Protobuf request bodies. kubectl's typed generators (`create namespace`, `create secret`)
# POST application/vnd.kubernetes.protobuf, so the few types they make are decoded here.
# ---------------------------------------------------------------------------------------------


class ProtobufError(Exception):
    pass


def _read_varint(buffer, position):
    result = shift = 0
    while True:
        if position >= len(buffer):
            raise ProtobufError("truncated varint")
        byte = buffer[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise ProtobufError("varint too long")


def _protobuf_fields(buffer):
    position = 0
    while position < len(buffer):
        key, position = _read_varint(buffer, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _read_varint(buffer, position)
        elif wire_type == 2:
            length, position = _read_varint(buffer, position)
            if position + length > len(buffer):
                raise ProtobufError("truncated field")
            value = buffer[position:position + length]
            position += length
        elif wire_type in (1, 5):
            size = 8 if wire_type == 1 else 4
            value = buffer[position:position + size]
            position += size
        else:
            raise ProtobufError(f"unsupported wire type {wire_type}")
        yield number, value


_PB_OWNER_REFERENCE = {1: ("kind", "string"), 3: ("name", "string"), 4: ("uid", "string"),
                       5: ("apiVersion", "string"), 6: ("controller", "bool"),
                       7: ("blockOwnerDeletion", "bool")}
_PB_OBJECT_META = {1: ("name", "string"), 2: ("generateName", "string"),
                   3: ("namespace", "string"), 5: ("uid", "string"),
                   6: ("resourceVersion", "string"), 11: ("labels", "map_string"),
                   12: ("annotations", "map_string"),
                   13: ("ownerReferences", ("repeated_message", _PB_OWNER_REFERENCE)),
                   14: ("finalizers", "repeated_string")}
_PB_OBJECT_REFERENCE = {1: ("kind", "string"), 2: ("namespace", "string"),
                        3: ("name", "string"), 4: ("uid", "string"),
                        5: ("apiVersion", "string")}
_PB_SCHEMAS = {
    "Secret": {1: ("metadata", ("message", _PB_OBJECT_META)), 2: ("data", "map_bytes"),
               3: ("type", "string"), 4: ("stringData", "map_string"),
               5: ("immutable", "bool")},
    "ConfigMap": {1: ("metadata", ("message", _PB_OBJECT_META)), 2: ("data", "map_string"),
                  3: ("binaryData", "map_bytes"), 4: ("immutable", "bool")},
    "Namespace": {1: ("metadata", ("message", _PB_OBJECT_META)),
                  2: ("spec", ("message", {1: ("finalizers", "repeated_string")}))},
    "ServiceAccount": {1: ("metadata", ("message", _PB_OBJECT_META)),
                       2: ("secrets", ("repeated_message", _PB_OBJECT_REFERENCE)),
                       3: ("imagePullSecrets", ("repeated_message",
                                                {1: ("name", "string")})),
                       4: ("automountServiceAccountToken", "bool")},
}
PROTOBUF_KINDS = tuple(_PB_SCHEMAS)


def _decode_protobuf_message(buffer, schema):
    result = {}
    for number, value in _protobuf_fields(buffer):
        if number not in schema:
            continue
        name, field_type = schema[number]
        if field_type == "string":
            if value:  # gogo-protobuf writes empty strings; JSON omits them
                result[name] = value.decode("utf-8", "replace")
        elif field_type == "bool":
            result[name] = bool(value)
        elif field_type == "repeated_string":
            result.setdefault(name, []).append(value.decode("utf-8", "replace"))
        elif field_type in ("map_string", "map_bytes"):
            entry = dict(_protobuf_fields(value))
            key = entry.get(1, b"").decode("utf-8", "replace")
            raw = entry.get(2, b"")
            result.setdefault(name, {})[key] = (base64.b64encode(raw).decode()
                                                if field_type == "map_bytes"
                                                else raw.decode("utf-8", "replace"))
        elif field_type[0] == "message":
            result[name] = _decode_protobuf_message(value, field_type[1])
        elif field_type[0] == "repeated_message":
            result.setdefault(name, []).append(_decode_protobuf_message(value, field_type[1]))
    return result


def decode_protobuf_object(body):
    """Decodes the `k8s\\0` + runtime.Unknown envelope; returns the object as JSON-like dict."""
    if not body.startswith(b"k8s\x00"):
        raise ProtobufError("provided object does not begin with the protobuf magic number")
    envelope = dict(_protobuf_fields(body[4:]))
    type_meta = dict(_protobuf_fields(envelope.get(1, b"")))
    api_version = type_meta.get(1, b"").decode()
    kind = type_meta.get(2, b"").decode()
    if kind not in _PB_SCHEMAS:
        raise ProtobufError(f"this fake decodes protobuf only for {', '.join(PROTOBUF_KINDS)}")
    obj = {"kind": kind, "apiVersion": api_version}
    obj.update(_decode_protobuf_message(envelope.get(2, b""), _PB_SCHEMAS[kind]))
    return obj

# ---------------------------------------------------------------------------------------------
# State: objects, the resourceVersion counter and the bounded event history watches replay.
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class WatchRecord:
    resource_version: int
    event_type: str  # ADDED, MODIFIED or DELETED
    store_key: tuple
    namespace: str
    obj: dict  # never mutated after recording
    previous: dict


class ObjectStore:
    """Objects keyed by (group, resource) then (namespace, name).

    Not thread-safe by itself: callers hold `lock` (a Condition that is notified on every
    change) around each read-modify-write. Stored objects are never mutated in place, so they
    can be shared with watch records and read outside the lock.
    """

    def __init__(self, history_limit):
        self.lock = threading.Condition(threading.RLock())
        self.history_limit = max(1, history_limit)
        self.objects = {}
        self.resource_version = 0
        self.history = []
        self.history_versions = []
        self.compacted_version = 0  # events at or below this version are gone
        self.is_stopping = False
        self.active_watches = 0

    def get(self, resource_type, namespace, name):
        return self.objects.get(resource_type.store_key, {}).get((namespace or "", name))

    def items(self, resource_type, namespace=None):
        """Objects in key order (namespace, name), as etcd would list them."""
        bucket = self.objects.get(resource_type.store_key, {})
        return [obj for key, obj in sorted(bucket.items())
                if namespace is None or key[0] == namespace]

    def count(self):
        return sum(len(bucket) for bucket in self.objects.values())

    def save(self, resource_type, obj, previous):
        version = self._next_version()
        obj["metadata"]["resourceVersion"] = str(version)
        namespace = obj["metadata"].get("namespace", "")
        bucket = self.objects.setdefault(resource_type.store_key, {})
        bucket[(namespace, obj["metadata"]["name"])] = obj
        self._record(WatchRecord(version, "MODIFIED" if previous else "ADDED",
                                 resource_type.store_key, namespace, obj, previous))
        return obj

    def delete(self, resource_type, obj):
        """Removes obj; the DELETED event carries its last state at the deletion's version."""
        version = self._next_version()
        final = dict(obj)
        final["metadata"] = dict(obj["metadata"], resourceVersion=str(version))
        namespace = obj["metadata"].get("namespace", "")
        self.objects.get(resource_type.store_key, {}).pop((namespace, obj["metadata"]["name"]),
                                                         None)
        self._record(WatchRecord(version, "DELETED", resource_type.store_key, namespace, final,
                                 obj))
        return final

    def records_after(self, version):
        return self.history[bisect.bisect_right(self.history_versions, version):]

    def compact(self):
        """Forgets all history, as etcd compaction would; older watches and continues expire."""
        self.compacted_version = self.resource_version
        self.history = []
        self.history_versions = []
        self.lock.notify_all()

    def _next_version(self):
        self.resource_version += 1
        return self.resource_version

    def _record(self, record):
        self.history.append(record)
        self.history_versions.append(record.resource_version)
        # Trim in batches so appends stay amortised O(1).
        excess = len(self.history) - self.history_limit
        if excess > max(16, self.history_limit // 4):
            self.compacted_version = self.history_versions[excess - 1]
            del self.history[:excess]
            del self.history_versions[:excess]
        self.lock.notify_all()

# ---------------------------------------------------------------------------------------------
# Test control: fault injection and the request log (served under /_fake/, see README.md).
# ---------------------------------------------------------------------------------------------


class FaultInjector:
    """Faults configured through POST /_fake/faults. Thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self):
        with self._lock:
            self._forbid_rules = []
            self._conflicts = []
            self._errors = []
            self._delay_ms = 0

    def configure(self, spec):
        """Replaces all faults. Raises ValueError on a malformed spec."""
        if not isinstance(spec, dict):
            raise ValueError("faults must be a JSON object")
        unknown = set(spec) - {"forbid", "conflicts", "errors", "delay_ms"}
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        forbid = [dict(rule) for rule in spec.get("forbid") or []]
        for rule in forbid:
            if "resource" not in rule:
                raise ValueError("each forbid rule needs a resource")
        conflicts = [dict(rule, count=int(rule.get("count", 1)))
                     for rule in spec.get("conflicts") or []]
        for rule in conflicts:
            if "name" not in rule:
                raise ValueError("each conflicts rule needs a name")
        errors = [dict(rule) for rule in spec.get("errors") or []]
        for rule in errors:
            re.compile(rule.get("path_regex", ""))
            if "count" in rule and rule["count"] is not None:
                rule["count"] = int(rule["count"])
        with self._lock:
            self._forbid_rules = forbid
            self._conflicts = conflicts
            self._errors = errors
            self._delay_ms = int(spec.get("delay_ms") or 0)

    def describe(self):
        with self._lock:
            return {"forbid": copy.deepcopy(self._forbid_rules),
                    "conflicts": copy.deepcopy(self._conflicts),
                    "errors": copy.deepcopy(self._errors), "delay_ms": self._delay_ms}

    def delay_seconds(self):
        return self._delay_ms / 1000.0

    def take_error(self, method, path):
        """The first matching error rule (using up one of its count), or None."""
        with self._lock:
            for rule in self._errors:
                methods = rule.get("methods") or ([rule["method"]] if rule.get("method") else [])
                if methods and method not in [m.upper() for m in methods]:
                    continue
                if not re.search(rule.get("path_regex", ""), path):
                    continue
                if rule.get("count") is not None:
                    if rule["count"] <= 0:
                        continue
                    rule["count"] -= 1
                return dict(rule)
        return None

    def forbidding_rule(self, verb, resource_type, subresource, namespace, name):
        resource_names = {resource_type.plural}
        if subresource:
            resource_names = {f"{resource_type.plural}/{subresource}"}
        with self._lock:
            for rule in self._forbid_rules:
                if rule["resource"] not in resource_names:
                    continue
                if "group" in rule and rule["group"] != resource_type.group:
                    continue
                if rule.get("verbs") and verb not in rule["verbs"]:
                    continue
                if rule.get("namespace") not in (None, "*", namespace):
                    continue
                if rule.get("name") not in (None, name):
                    continue
                return dict(rule)
        return None

    def take_conflict(self, resource_type, namespace, name):
        with self._lock:
            for rule in self._conflicts:
                if rule.get("resource", "secrets") != resource_type.plural:
                    continue
                if rule.get("namespace", namespace) != namespace or rule["name"] != name:
                    continue
                if rule["count"] > 0:
                    rule["count"] -= 1
                    return True
        return False


class RequestLog:
    """Every API request (not /_fake/ ones) with its response code. Thread-safe."""

    MAX_ENTRIES = 20_000  # the newest are kept; a long benchmark drops the oldest
    MAX_BODY_CHARS = 8192

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []

    def append(self, request, code):
        entry = {"method": request.method, "path": request.path, "query": request.raw_query,
                 "content_type": request.headers.get("Content-Type", ""),
                 "accept": request.headers.get("Accept", ""),
                 "user_agent": request.headers.get("User-Agent", ""), "code": code,
                 "body": request.body[:self.MAX_BODY_CHARS].decode("utf-8", "replace"),
                 "time": now_rfc3339_micro()}
        with self._lock:
            self._entries.append(entry)
            if len(self._entries) > self.MAX_ENTRIES:
                del self._entries[:len(self._entries) - self.MAX_ENTRIES]

    def entries(self):
        with self._lock:
            return list(self._entries)

    def clear(self):
        with self._lock:
            self._entries = []

# ---------------------------------------------------------------------------------------------
# Discovery and OpenAPI documents.
# ---------------------------------------------------------------------------------------------


def _group_versions():
    return [gv for gv in RESOURCES_BY_GROUP_VERSION if gv[0]]


def api_group_document(group):
    versions = [{"groupVersion": f"{g}/{v}", "version": v} for g, v in _group_versions()
                if g == group]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def api_group_list_document():
    groups = []
    for group in dict.fromkeys(g for g, _ in _group_versions()):
        groups.append(api_group_document(group))
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _storage_version_hash(resource_type):
    digest = hashlib.sha256(f"{resource_type.api_version}/{resource_type.kind}".encode())
    return base64.b64encode(digest.digest()[:8]).decode()


def api_resource_list_document(group, version):
    resources = []
    for resource_type in RESOURCES_BY_GROUP_VERSION[(group, version)].values():
        entry = {"name": resource_type.plural, "singularName": resource_type.singular,
                 "namespaced": resource_type.is_namespaced, "kind": resource_type.kind,
                 "verbs": list(resource_type.verbs)}
        if resource_type.short_names:
            entry["shortNames"] = list(resource_type.short_names)
        if resource_type.categories:
            entry["categories"] = list(resource_type.categories)
        entry["storageVersionHash"] = _storage_version_hash(resource_type)
        resources.append(entry)
        if resource_type.has_status_subresource:
            resources.append({"name": f"{resource_type.plural}/status", "singularName": "",
                              "namespaced": resource_type.is_namespaced,
                              "kind": resource_type.kind, "verbs": ["get", "patch", "update"]})
    document = {"kind": "APIResourceList", "groupVersion": f"{group}/{version}" if group
                else version, "resources": resources}
    if group:
        document["apiVersion"] = "v1"
    return document


def _openapi_prefix(group, version):
    return f"apis/{group}/{version}" if group else f"api/{version}"


def openapi_v3_document(group, version):
    """Just enough for kubectl: an operation per resource tagged with its GVK and listing the
    fieldValidation parameter tells kubectl the server validates fields itself."""
    paths = {}
    prefix = "/" + _openapi_prefix(group, version)
    for resource_type in RESOURCES_BY_GROUP_VERSION[(group, version)].values():
        gvk = {"group": group, "version": version, "kind": resource_type.kind}
        scope = "/namespaces/{namespace}" if resource_type.is_namespaced else ""
        parameters = [{"name": "fieldValidation", "in": "query",
                       "schema": {"type": "string", "uniqueItems": True}}]
        operation = {"x-kubernetes-group-version-kind": gvk, "parameters": parameters,
                     "responses": {}}
        paths[f"{prefix}{scope}/{resource_type.plural}"] = {"post": dict(operation)}
        paths[f"{prefix}{scope}/{resource_type.plural}/{{name}}"] = {
            "put": dict(operation), "patch": dict(operation)}
    return {"openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
            "paths": paths, "components": {"schemas": {}}}


def openapi_v3_index():
    paths = {}
    for group, version in RESOURCES_BY_GROUP_VERSION:
        prefix = _openapi_prefix(group, version)
        digest = hashlib.sha512(encode_json(openapi_v3_document(group, version))).hexdigest()
        paths[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={digest.upper()}"}
    return {"paths": paths}

# ---------------------------------------------------------------------------------------------
# Requests and responses as the API layer sees them (no sockets here).
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ApiRequest:
    method: str
    path: str
    raw_query: str
    headers: object  # anything with a case-insensitive .get(), e.g. http.client.HTTPMessage
    body: bytes = b""

    def __post_init__(self):
        self.query_lists = urllib.parse.parse_qs(self.raw_query, keep_blank_values=True)
        self.query = {key: values[0] for key, values in self.query_lists.items()}

    @property
    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def default_field_manager(self):
        """apiserver's fallback manager name: the User-Agent up to the first '/'."""
        return (self.headers.get("User-Agent") or "unknown").split("/")[0][:128]


@dataclasses.dataclass
class Response:
    code: int
    body: bytes
    content_type: str = "application/json"
    headers: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class StreamingResponse:
    """A watch: `chunks` yields encoded events, or None as an idle heartbeat."""
    chunks: object
    code: int = 200


DISCONNECT = object()  # fault injection: drop the connection without answering


def json_response(code, document, headers=None):
    return Response(code, encode_json(document), "application/json", headers or [])


def error_response(error):
    return json_response(error.code, error.status, error.headers)


@dataclasses.dataclass
class Route:
    resource_type: ResourceType
    namespace: str  # None: all namespaces, or a cluster-scoped resource
    name: str
    subresource: str
    is_legacy_watch: bool = False


def parse_resource_route(parts):
    """Maps path segments to a Route, or None when no resource lives there."""
    if parts[0] == "api" and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[0] == "apis" and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    resources = RESOURCES_BY_GROUP_VERSION.get((group, version))
    if not resources:
        return None
    is_legacy_watch = rest[0] == "watch"
    if is_legacy_watch:
        rest = rest[1:]
    if not rest or any(not part for part in rest):
        return None
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] in resources:
        resource_type = resources[rest[2]]
        if not resource_type.is_namespaced or len(rest) > 5:
            return None
        name = rest[3] if len(rest) > 3 else None
        subresource = rest[4] if len(rest) > 4 else None
        return Route(resource_type, rest[1], name, subresource, is_legacy_watch)
    resource_type = resources.get(rest[0])
    if resource_type is None:
        return None
    if resource_type.is_namespaced:
        return Route(resource_type, None, None, None, is_legacy_watch) if len(rest) == 1 else None
    if len(rest) > 3:
        return None
    return Route(resource_type, None, rest[1] if len(rest) > 1 else None,
                 rest[2] if len(rest) > 2 else None, is_legacy_watch)


def present(resource_type, obj, with_type_meta=True):
    """An object as the API returns it: kind/apiVersion first, keys in Go order."""
    result = dict(obj)
    result.pop("kind", None)
    result.pop("apiVersion", None)
    if with_type_meta:
        result = {"kind": resource_type.kind, "apiVersion": resource_type.api_version, **result}
    return canonical_object(result)


def _drop_nulls(value):
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(item) for item in value]
    return value


def _generated_name(prefix):
    # The apiserver's alphabet avoids vowels and look-alike characters.
    return prefix + "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))


def _storage_key(resource_type, namespace, name):
    parts = ["/registry"]
    if resource_type.is_custom:
        parts.append(resource_type.group)
    parts.append(resource_type.plural)
    if namespace:
        parts.append(namespace)
    parts.append(name)
    return "/".join(parts)

# ---------------------------------------------------------------------------------------------
# The API: routing, verbs and their semantics.
# ---------------------------------------------------------------------------------------------

_PATCH_CONTENT_TYPES = ("application/json-patch+json", "application/merge-patch+json",
                        "application/strategic-merge-patch+json", "application/apply-patch+yaml")
_APPLY = "application/apply-patch+yaml"


class KubeApi:
    """The Kubernetes API semantics, independent of HTTP. Thread-safe."""

    def __init__(self, token=None, watch_history_limit=10000):
        self.token = token
        self.store = ObjectStore(watch_history_limit)
        self.faults = FaultInjector()
        self.request_log = RequestLog()
        self.server_address = "127.0.0.1:0"
        self.reset_objects()

    # -- entry point --------------------------------------------------------------------------

    def handle(self, request):
        """Returns a Response, a StreamingResponse or DISCONNECT; never raises."""
        if request.path.startswith("/_fake/"):
            return FakeControlApi(self).handle(request)
        try:
            result = self._handle_api(request)
        except ApiError as error:
            result = error_response(error)
        except Exception as error:  # a bug in the fake: visible on stderr and as a 500
            traceback.print_exc()
            result = error_response(internal_error(f"fake API server bug: {error!r}"))
        code = 0 if result is DISCONNECT else result.code
        self.request_log.append(request, code)
        return result

    def reset_objects(self):
        with self.store.lock:
            self.store.objects = {}
            self.store.compact()
            for name in INITIAL_NAMESPACES:
                self.store.save(NAMESPACES, self._initialize_new_object(
                    NAMESPACES, {"metadata": {"name": name}}), None)

    def _handle_api(self, request):
        if self.token is not None and not self._has_valid_token(request):
            raise unauthorized_error()
        delay = self.faults.delay_seconds()
        if delay:
            time.sleep(delay)
        injected = self.faults.take_error(request.method, request.path)
        if injected:
            if injected.get("disconnect"):
                return DISCONNECT
            if injected.get("delay_ms"):
                time.sleep(injected["delay_ms"] / 1000.0)
            error = generic_error_for_code(int(injected.get("code", 500)),
                                           injected.get("message"),
                                           injected.get("retry_after_seconds"))
            if injected.get("reason"):
                error.status["reason"] = injected["reason"]
            raise error
        path = request.path.rstrip("/") or "/"
        parts = path.strip("/").split("/")
        document = self._discovery_document(path, parts)
        if document is not None:
            if request.method != "GET":
                raise method_not_allowed_error()
            return document
        route = parse_resource_route(parts)
        if route is None:
            raise path_not_found_error()
        return self._handle_resource(request, route)

    def _has_valid_token(self, request):
        scheme, _, credentials = (request.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and credentials.strip() == self.token

    def _discovery_document(self, path, parts):
        if path in ("/healthz", "/livez", "/readyz"):
            return Response(200, b"ok", "text/plain; charset=utf-8")
        if path == "/version":
            return json_response(200, SERVER_VERSION)
        if path == "/api":
            return json_response(200, {"kind": "APIVersions", "versions": ["v1"],
                                       "serverAddressByClientCIDRs": [
                                           {"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": self.server_address}]})
        if path == "/apis":
            return json_response(200, api_group_list_document())
        if path == "/openapi/v3":
            return json_response(200, openapi_v3_index())
        if path.startswith("/openapi/v3/"):
            rest = path[len("/openapi/v3/"):].split("/")
            key = ("", rest[1]) if rest[0] == "api" and len(rest) == 2 else (
                (rest[1], rest[2]) if rest[0] == "apis" and len(rest) == 3 else None)
            if key not in RESOURCES_BY_GROUP_VERSION:
                raise path_not_found_error()
            return json_response(200, openapi_v3_document(*key))
        if parts[0] == "apis" and len(parts) == 2:
            if parts[1] not in {g for g, _ in _group_versions()}:
                raise path_not_found_error()
            return json_response(200, {"kind": "APIGroup", "apiVersion": "v1",
                                       **api_group_document(parts[1])})
        gv = (("", parts[1]) if parts[0] == "api" and len(parts) == 2 else
              (parts[1], parts[2]) if parts[0] == "apis" and len(parts) == 3 else None)
        if gv is not None:
            if gv not in RESOURCES_BY_GROUP_VERSION:
                raise path_not_found_error()
            return json_response(200, api_resource_list_document(*gv))
        return None

    # -- authorization and dispatch -----------------------------------------------------------

    def _handle_resource(self, request, route):
        is_watch = route.is_legacy_watch or request.query.get("watch") in ("true", "1")
        verb = self._verb(request.method, route, is_watch)
        self._authorize(verb, route)
        if route.subresource:
            return self._handle_subresource(request, route, verb)
        handlers = {"get": self._get, "list": self._list, "watch": self._watch,
                    "create": self._create, "update": self._update, "patch": self._patch,
                    "delete": self._delete, "deletecollection": self._delete_collection}
        return handlers[verb](request, route)

    @staticmethod
    def _verb(method, route, is_watch):
        if route.name is None:
            verbs = {"GET": "watch" if is_watch else "list", "POST": "create",
                     "DELETE": "deletecollection"}
        else:
            verbs = {"GET": "watch" if is_watch else "get", "PUT": "update", "PATCH": "patch",
                     "DELETE": "delete"}
        if method not in verbs or (method == "POST" and route.namespace is None
                                   and route.resource_type.is_namespaced):
            raise method_not_allowed_error()
        return verbs[method]

    def _authorize(self, verb, route):
        resource_type = route.resource_type
        # For namespaces, RBAC's namespace attribute is the namespace being addressed.
        namespace = route.name if resource_type is NAMESPACES else route.namespace
        rule = self.faults.forbidding_rule(verb, resource_type, route.subresource, namespace,
                                           route.name)
        if rule is None:
            return
        user = rule.get("user", DEFAULT_FORBIDDEN_USER)
        resource = resource_type.plural + (f"/{route.subresource}" if route.subresource else "")
        reason = (f"User {go_quote(user)} cannot {verb} resource {go_quote(resource)} in API "
                  f"group {go_quote(resource_type.group)}")
        reason += (f" in the namespace {go_quote(namespace)}" if namespace
                   else " at the cluster scope")
        raise forbidden_error(resource_type, route.name or "", reason)

    # -- read verbs -----------------------------------------------------------------------------

    def _get(self, request, route):
        with self.store.lock:
            obj = self.store.get(route.resource_type, route.namespace, route.name)
        if obj is None:
            raise not_found_error(route.resource_type, route.name)
        return json_response(200, present(route.resource_type, obj))

    def _list(self, request, route):
        resource_type = route.resource_type
        selectors = parse_selectors(resource_type, request.query)
        limit = self._non_negative_int(request.query.get("limit"), "limit")
        token = request.query.get("continue", "")
        requested_version = request.query.get("resourceVersion", "")
        with self.store.lock:
            if token:
                if requested_version not in ("", "0"):
                    raise bad_request_error("specifying resource version is not allowed when "
                                            "using continue")
                list_version, start_key = self._decode_continue(token)
            else:
                list_version, start_key = self._list_version(request), None
            candidates = self.store.items(resource_type, route.namespace)
        matching = [obj for obj in candidates if selectors.matches(obj)]
        if start_key is not None:
            matching = [obj for obj in matching if self._object_key(obj) > start_key]
        metadata = {"resourceVersion": str(list_version)}
        if limit and len(matching) > limit:
            remaining = len(matching) - limit
            matching = matching[:limit]
            metadata["continue"] = self._encode_continue(list_version,
                                                         self._object_key(matching[-1]))
            if not selectors.labels and not selectors.fields:
                metadata["remainingItemCount"] = remaining
        items = [present(resource_type, obj, with_type_meta=resource_type.is_custom)
                 for obj in matching]
        return json_response(200, {"kind": f"{resource_type.kind}List",
                                   "apiVersion": resource_type.api_version,
                                   "metadata": metadata, "items": items})

    def _list_version(self, request):
        """Which resourceVersion a fresh LIST is served at (always the latest state here)."""
        requested = request.query.get("resourceVersion", "")
        match = request.query.get("resourceVersionMatch", "")
        current = self.store.resource_version
        if requested in ("", "0"):
            if match == "Exact":
                raise options_invalid_error("ListOptions", [FieldError(
                    "FieldValueForbidden", "resourceVersionMatch",
                    "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")])
            return current
        version = self._parse_resource_version(requested)
        if version > current:
            raise ApiError(504, "Timeout", f"Too large resource version: {version}, current: "
                           f"{current}", {"causes": [{"reason": "ResourceVersionTooLarge",
                                                      "message": "Too large resource version"}],
                                          "retryAfterSeconds": 1})
        if match == "Exact" and version != current:
            # This fake keeps no snapshots; an older exact version is reported as compacted.
            raise expired_error("The resourceVersion for the provided list is too old.")
        return current

    @staticmethod
    def _parse_resource_version(text):
        if not re.fullmatch(r"\d+", text or ""):
            raise bad_request_error(f"invalid resource version: strconv.ParseUint: parsing "
                                    f"{go_quote(text)}: invalid syntax")
        return int(text)

    @staticmethod
    def _non_negative_int(text, name):
        if not text:
            return 0
        if not re.fullmatch(r"-?\d+", text):
            raise bad_request_error(f"{name}: Invalid value: {go_quote(text)}: must be an "
                                    "integer")
        return max(0, int(text))

    @staticmethod
    def _object_key(obj):
        return f"{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}"

    @staticmethod
    def _encode_continue(version, last_key):
        token = {"v": "meta.k8s.io/v1", "rv": version, "start": last_key + "\u0000"}
        raw = json.dumps(token, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _decode_continue(self, token):
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            decoded = json.loads(raw)
        except (ValueError, TypeError) as error:
            raise bad_request_error(f"continue key is not valid: {error}") from None
        if not isinstance(decoded, dict) or decoded.get("v") != "meta.k8s.io/v1":
            raise bad_request_error("continue key is not valid: server does not recognize this "
                                    "encoded version")
        if not isinstance(decoded.get("rv"), int) or decoded["rv"] <= 0:
            raise bad_request_error("continue key is not valid: incorrect encoded start "
                                    "resourceVersion (version meta.k8s.io/v1)")
        if not decoded.get("start"):
            raise bad_request_error("continue key is not valid: encoded start key empty "
                                    "(version meta.k8s.io/v1)")
        if decoded["rv"] < self.store.compacted_version:
            raise expired_error("The provided continue parameter is too old to display a "
                                "consistent list result. You can start a new list without the "
                                "continue parameter.")
        return decoded["rv"], decoded["start"].rstrip("\u0000")

    # -- watch ----------------------------------------------------------------------------------

    def _watch(self, request, route):
        selectors = parse_selectors(route.resource_type, request.query)
        if route.name is not None:  # the deprecated watch on an object path: just that object
            selectors.fields.append(("metadata.name", "=", route.name))
        requested = request.query.get("resourceVersion", "")
        start_version = None if requested in ("", "0") else self._parse_resource_version(
            requested)
        is_initial_replay = request.query.get("sendInitialEvents") == "true"
        if is_initial_replay and request.query.get("resourceVersionMatch") != "NotOlderThan":
            raise options_invalid_error("ListOptions", [FieldError(
                "FieldValueForbidden", "sendInitialEvents",
                "sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to "
                "NotOlderThan")])
        timeout = self._non_negative_int(request.query.get("timeoutSeconds"), "timeoutSeconds")
        deadline = time.monotonic() + (timeout or DEFAULT_WATCH_TIMEOUT_SECONDS)
        events = self._watch_events(route, selectors, start_version, is_initial_replay,
                                    deadline)
        return StreamingResponse(events)

    def _watch_events(self, route, selectors, start_version, is_initial_replay, deadline):
        resource_type = route.resource_type
        store = self.store
        with store.lock:
            store.active_watches += 1
            if start_version is None or is_initial_replay:
                cursor = store.resource_version
                initial = [obj for obj in store.items(resource_type, route.namespace)
                           if selectors.matches(obj)]
            else:
                cursor, initial = start_version, []
        try:
            for obj in initial:
                yield self._encode_event("ADDED", present(resource_type, obj))
            if is_initial_replay:
                yield self._encode_event("BOOKMARK", {
                    "kind": resource_type.kind, "apiVersion": resource_type.api_version,
                    "metadata": {"resourceVersion": str(cursor), "annotations": {
                        "k8s.io/initial-events-end": "true"}}})
            while time.monotonic() < deadline:
                with store.lock:
                    if store.is_stopping:
                        return
                    if cursor < store.compacted_version:
                        expired_at = store.compacted_version
                        records = None
                    else:
                        records = store.records_after(cursor)
                        if not records:
                            store.lock.wait(max(0.0, min(deadline - time.monotonic(), 1.0)))
                            records = store.records_after(cursor)
                if records is None:
                    yield self._encode_event("ERROR", expired_error(
                        f"too old resource version: {cursor} ({expired_at})").status)
                    return
                if not records:
                    yield None
                for record in records:
                    cursor = record.resource_version
                    event = self._event_for_watcher(record, route, selectors)
                    if event:
                        yield event
        finally:
            with store.lock:
                store.active_watches -= 1

    @staticmethod
    def _encode_event(event_type, obj):
        return encode_json({"type": event_type, "object": obj}) + b"\n"

    def _event_for_watcher(self, record, route, selectors):
        resource_type = route.resource_type
        if record.store_key != resource_type.store_key:
            return None
        if route.namespace is not None and record.namespace != route.namespace:
            return None
        is_match = selectors.matches(record.obj)
        event_type = record.event_type
        if event_type == "MODIFIED":
            # An object entering or leaving the selection is an ADDED or DELETED for this watch.
            was_match = selectors.matches(record.previous)
            event_type = ("MODIFIED" if is_match and was_match else "ADDED" if is_match
                          else "DELETED" if was_match else None)
        elif not is_match:
            event_type = None
        if event_type is None:
            return None
        return self._encode_event(event_type, present(resource_type, record.obj))

    # -- body decoding --------------------------------------------------------------------------

    def _decode_object_body(self, request, resource_type):
        """The request body as an object dict plus warnings; 400/415 on undecodable input."""
        content_type = request.content_type or "application/json"
        accepted = ["application/json", "application/yaml"]
        if not resource_type.is_custom:
            accepted.append("application/vnd.kubernetes.protobuf")
        if content_type not in accepted:
            raise unsupported_media_type_error(accepted)
        body = request.body
        prefix = f"the object provided is unrecognized (must be of type {resource_type.kind})"
        if content_type == "application/vnd.kubernetes.protobuf":
            try:
                obj = decode_protobuf_object(body)
            except ProtobufError as error:
                raise bad_request_error(f"{prefix}: {error} ({summarize_body(body)})") from None
        elif content_type == "application/yaml":
            obj = self._parse_yaml(body, prefix)
        else:
            syntax_error = go_json_syntax_error(body)
            if syntax_error:
                raise bad_request_error(f"{prefix}: couldn't get version/kind; json parse error: "
                                        f"{syntax_error} ({summarize_body(body)})")
            obj = json.loads(body)
        if not isinstance(obj, dict):
            raise bad_request_error(f"{prefix}: couldn't get version/kind; json parse error: "
                                    f"json: cannot unmarshal {_json_kind(obj)} into Go value of "
                                    f"type struct {{ APIVersion string; Kind string }} "
                                    f"({summarize_body(body)})")
        self._check_type_meta(resource_type, obj)
        warnings = self._check_unknown_fields(request, resource_type, obj)
        self._check_decodes(resource_type, obj)
        return obj, warnings

    def _check_decodes(self, resource_type, obj):
        decode_error = typed_decode_error(resource_type, obj)
        if decode_error:
            raise bad_request_error(self._cannot_handle(resource_type, obj, decode_error))

    @staticmethod
    def _parse_yaml(body, error_prefix):
        try:
            import yaml  # PyYAML; only needed for YAML bodies and apply patches
        except ImportError:
            yaml = None
        try:
            return json.loads(body)
        except ValueError:
            if yaml is None:
                raise bad_request_error(f"{error_prefix}: PyYAML is not installed") from None
        try:
            document = yaml.safe_load(body)
        except yaml.YAMLError as error:
            raise bad_request_error(f"{error_prefix}: error converting YAML to JSON: "
                                    f"{error}") from None
        return _yaml_scalars_as_json(document)

    @staticmethod
    def _cannot_handle(resource_type, obj, reason):
        kind = obj.get("kind") or resource_type.kind
        version = (obj.get("apiVersion") or resource_type.api_version).split("/")[-1]
        return f"{kind} in version {go_quote(version)} cannot be handled as a " \
               f"{resource_type.kind}: {reason}"

    def _check_type_meta(self, resource_type, obj):
        api_version = obj.get("apiVersion")
        if api_version and api_version != resource_type.api_version:
            raise bad_request_error(f"the API version in the data ({api_version}) does not match "
                                    f"the expected API version ({resource_type.api_version})")
        kind = obj.get("kind")
        if kind and kind != resource_type.kind:
            internal_package = {"": "core"}.get(resource_type.group,
                                                resource_type.group.split(".")[0])
            raise bad_request_error(self._cannot_handle(
                resource_type, obj, f"converting ({resource_type.version}.{kind}) to "
                                    f"({internal_package}.{resource_type.kind}): unknown "
                                    "conversion"))

    def _check_unknown_fields(self, request, resource_type, obj):
        unknown = unknown_fields(resource_type, obj)
        directive = request.query.get("fieldValidation", "Warn")
        if not unknown or directive == "Ignore":
            return []
        messages = [f"unknown field {go_quote(field)}" for field in unknown]
        if directive == "Strict":
            raise bad_request_error(self._cannot_handle(
                resource_type, obj, "strict decoding error: " + ", ".join(messages)))
        return [("Warning", f"299 - {go_quote(message)}") for message in messages]

    @staticmethod
    def _normalize(resource_type, obj, applies_defaults=True):
        """What decoding into the typed struct and defaulting do to an incoming object.

        Apply configurations skip defaulting: a defaulted field would look like a claim on it.
        """
        if not resource_type.is_custom:
            obj = _drop_nulls(obj)
        else:
            obj = dict(obj)
        metadata = obj.get("metadata")
        if not isinstance(metadata, dict):
            metadata = {}
        obj["metadata"] = {k: v for k, v in metadata.items() if v not in (None, "", {}, [])}
        obj["kind"] = resource_type.kind
        obj["apiVersion"] = resource_type.api_version
        if resource_type.kind == "Secret":
            data = {key: base64.b64encode(base64.b64decode(
                value.replace("\n", "").replace("\r", ""))).decode()
                for key, value in (obj.get("data") or {}).items()}
            for key, value in (obj.pop("stringData", None) or {}).items():
                data[key] = base64.b64encode(value.encode()).decode()
            obj.pop("data", None)
            if data:
                obj["data"] = data
            if applies_defaults:
                obj["type"] = obj.get("type") or "Opaque"
        elif resource_type.kind == "ConfigMap":
            for field in ("data", "binaryData"):
                if not obj.get(field):
                    obj.pop(field, None)
        elif resource_type.kind == "Lease" and isinstance(obj.get("spec"), dict):
            spec = obj["spec"] = dict(obj["spec"])
            for field in ("acquireTime", "renewTime"):
                if spec.get(field):
                    spec[field] = normalize_micro_time(spec[field])
        return obj

    def _incoming_object(self, request, route):
        """Decodes, checks the namespace against the URL and normalizes a create/update body."""
        resource_type = route.resource_type
        obj, warnings = self._decode_object_body(request, resource_type)
        obj = self._normalize(resource_type, obj)
        self._place_in_namespace(resource_type, obj, route.namespace)
        return obj, warnings

    @staticmethod
    def _place_in_namespace(resource_type, obj, namespace):
        metadata = obj["metadata"]
        if not resource_type.is_namespaced:
            metadata.pop("namespace", None)
            return
        if metadata.get("namespace") not in (None, namespace):
            raise bad_request_error("the namespace of the provided object does not match the "
                                    "namespace sent on the request")
        metadata["namespace"] = namespace

    def _write_options(self, request, options_kind):
        """(is_dry_run, field_manager) from the query; 422 on values the apiserver rejects."""
        for value in request.query_lists.get("dryRun", []):
            if value != "All":
                raise options_invalid_error(options_kind, [FieldError(
                    "FieldValueNotSupported", "dryRun[0]", 'supported values: "All"', value)])
        manager = request.query.get("fieldManager") or request.default_field_manager
        return bool(request.query_lists.get("dryRun")), manager

    # -- object lifecycle helpers ---------------------------------------------------------------

    @staticmethod
    def _initialize_new_object(resource_type, obj, keeps_status=False):
        obj = dict(obj)
        metadata = dict(obj.get("metadata") or {})
        for key in ("resourceVersion", "selfLink", "deletionTimestamp",
                    "deletionGracePeriodSeconds", "managedFields"):
            metadata.pop(key, None)
        metadata["uid"] = str(uuid.uuid4())
        metadata["creationTimestamp"] = now_rfc3339()
        if resource_type.tracks_generation:
            metadata["generation"] = 1
        else:
            metadata.pop("generation", None)
        obj["metadata"] = metadata
        obj["kind"] = resource_type.kind
        obj["apiVersion"] = resource_type.api_version
        if resource_type is NAMESPACES:
            labels = dict(metadata.get("labels") or {})
            labels["kubernetes.io/metadata.name"] = metadata["name"]
            metadata["labels"] = labels
            obj["spec"] = {"finalizers": ["kubernetes"]}
            if not keeps_status or "status" not in obj:
                obj["status"] = {"phase": "Active"}
        elif resource_type.has_status_subresource and not keeps_status:
            if resource_type.kind == "Pod":
                obj["status"] = {"phase": "Pending"}
            elif resource_type.is_custom:
                obj.pop("status", None)
            else:
                obj["status"] = {}
        return obj

    @staticmethod
    def _carry_over_system_fields(resource_type, new, old):
        """Fields a client cannot change through the main resource keep their stored value."""
        new = dict(new)
        metadata = dict(new.get("metadata") or {})
        old_metadata = old["metadata"]
        for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                    "generation", "managedFields"):
            if key in old_metadata:
                metadata[key] = old_metadata[key]
            else:
                metadata.pop(key, None)
        metadata["resourceVersion"] = old_metadata["resourceVersion"]
        metadata["name"] = old_metadata["name"]
        if "namespace" in old_metadata:
            metadata["namespace"] = old_metadata["namespace"]
        new["metadata"] = metadata
        new["kind"] = resource_type.kind
        new["apiVersion"] = resource_type.api_version
        if resource_type.has_status_subresource:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        if resource_type is NAMESPACES:
            new["spec"] = old.get("spec", {})
        if resource_type.tracks_generation:
            def spec_of(obj):
                return {k: v for k, v in obj.items()
                        if k not in ("metadata", "status", "kind", "apiVersion")}
            if spec_of(new) != spec_of(old):
                metadata["generation"] = int(old_metadata.get("generation", 0)) + 1
        return new

    def _check_namespace_accepts_writes(self, resource_type, namespace, name):
        """NamespaceLifecycle admission: no new content in missing or terminating namespaces."""
        if not resource_type.is_namespaced:
            return
        namespace_obj = self.store.get(NAMESPACES, None, namespace)
        if namespace_obj is None:
            raise not_found_error(NAMESPACES, namespace)
        if (namespace_obj.get("status") or {}).get("phase") == "Terminating":
            raise forbidden_error(resource_type, name, f"unable to create new content in namespace "
                                  f"{namespace} because it is being terminated",
                                  [{"reason": "NamespaceTerminating",
                                    "message": f"namespace {namespace} is being terminated",
                                    "field": "metadata.namespace"}])

    @staticmethod
    def _check_resource_version(resource_type, incoming, old):
        requested = (incoming.get("metadata") or {}).get("resourceVersion")
        name = old["metadata"]["name"]
        if not requested:
            if resource_type.is_custom:  # CRDs do not allow unconditional updates
                raise resource_invalid_error(resource_type, name, [FieldError(
                    "FieldValueInvalid", "metadata.resourceVersion",
                    "must be specified for an update", RawValue("0x0"))])
            return
        if requested != old["metadata"]["resourceVersion"]:
            raise conflict_error(resource_type, name)

    @staticmethod
    def _check_uid_precondition(resource_type, incoming, old):
        uid = (incoming.get("metadata") or {}).get("uid")
        if uid and uid != old["metadata"]["uid"]:
            metadata = old["metadata"]
            raise conflict_error(resource_type, metadata["name"], _precondition_message(
                resource_type, metadata, f"UID in precondition: {uid}, UID in object meta: "
                                         f"{metadata['uid']}"))

    def _validate(self, resource_type, obj, old=None):
        errors = validate_object(resource_type, obj, old)
        if errors:
            raise resource_invalid_error(resource_type, obj["metadata"].get("name", ""), errors)

    def _commit_update(self, resource_type, old, new, is_dry_run):
        """Stores new unless nothing changed; completes a deletion whose finalizers are gone."""
        if new == old:
            return old  # the apiserver skips no-op writes; resourceVersion stays the same
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            return new if is_dry_run else self.store.delete(resource_type, new)
        if is_dry_run:
            return new
        return self.store.save(resource_type, new, old)

    @staticmethod
    def _object_response(code, resource_type, obj, headers=None):
        return json_response(code, present(resource_type, obj), headers)

    # -- write verbs ----------------------------------------------------------------------------

    def _create(self, request, route, preloaded=None):
        resource_type = route.resource_type
        is_dry_run, manager = self._write_options(request, "CreateOptions")
        obj, warnings = preloaded or self._incoming_object(request, route)
        metadata = obj["metadata"]
        with self.store.lock:
            self._check_namespace_accepts_writes(resource_type, route.namespace,
                                                 metadata.get("name", ""))
            if not metadata.get("name") and metadata.get("generateName"):
                metadata["name"] = _generated_name(metadata["generateName"])
            self._validate(resource_type, obj)
            if self.store.get(resource_type, route.namespace, metadata["name"]):
                raise already_exists_error(resource_type, metadata["name"])
            created = self._initialize_new_object(resource_type, obj)
            record_update_ownership(None, created, manager, resource_type.api_version)
            if not is_dry_run:
                self.store.save(resource_type, created, None)
        return self._object_response(201, resource_type, created, warnings)

    def _update(self, request, route):
        resource_type = route.resource_type
        is_dry_run, manager = self._write_options(request, "UpdateOptions")
        obj, warnings = self._incoming_object(request, route)
        body_name = obj["metadata"].get("name", "")
        if body_name != route.name:
            raise bad_request_error(f"the name of the object ({body_name}) does not match the "
                                    f"name on the URL ({route.name})")
        with self.store.lock:
            old = self.store.get(resource_type, route.namespace, route.name)
            if old is None:
                if resource_type.allows_create_on_update:
                    return self._create(request, route, (obj, warnings))
                raise not_found_error(resource_type, route.name)
            if self.faults.take_conflict(resource_type, route.namespace, route.name):
                raise conflict_error(resource_type, route.name)
            self._check_resource_version(resource_type, obj, old)
            self._check_uid_precondition(resource_type, obj, old)
            new = self._carry_over_system_fields(resource_type, obj, old)
            self._validate(resource_type, new, old)
            record_update_ownership(old, new, manager, resource_type.api_version)
            result = self._commit_update(resource_type, old, new, is_dry_run)
        return self._object_response(200, resource_type, result, warnings)

    def _patch(self, request, route):
        resource_type = route.resource_type
        patch_type = request.content_type
        accepted = [t for t in _PATCH_CONTENT_TYPES
                    if not (resource_type.is_custom and "strategic" in t)]
        if patch_type not in accepted:
            raise unsupported_media_type_error(accepted)
        is_apply = patch_type == _APPLY
        self._check_patch_options(request, is_apply)
        is_dry_run, manager = self._write_options(request, "PatchOptions")
        patch = self._parse_patch(request, patch_type)
        with self.store.lock:
            old = self.store.get(resource_type, route.namespace, route.name)
            if old is None and not is_apply:
                raise not_found_error(resource_type, route.name)
            if old is not None and self.faults.take_conflict(resource_type, route.namespace,
                                                             route.name):
                raise conflict_error(resource_type, route.name)
            if is_apply:
                return self._apply(request, route, patch, old, manager, is_dry_run)
            patched = self._patched_object(resource_type, old, patch, patch_type)
            requested_version = patched["metadata"].get("resourceVersion")
            if requested_version and requested_version != old["metadata"]["resourceVersion"]:
                raise conflict_error(resource_type, route.name)
            new = self._carry_over_system_fields(resource_type, patched, old)
            self._validate(resource_type, new, old)
            record_update_ownership(old, new, manager, resource_type.api_version)
            result = self._commit_update(resource_type, old, new, is_dry_run)
        return self._object_response(200, resource_type, result)

    @staticmethod
    def _check_patch_options(request, is_apply):
        errors = []
        if "force" in request.query and not is_apply:
            errors.append(FieldError("FieldValueForbidden", "force",
                                     "may not be specified for non-apply patch"))
        if is_apply and not request.query.get("fieldManager"):
            errors.append(FieldError("FieldValueRequired", "fieldManager",
                                     "is required for apply patch"))
        if errors:
            raise options_invalid_error("PatchOptions", errors)

    def _parse_patch(self, request, patch_type):
        body = request.body
        if patch_type == _APPLY:
            config = self._parse_yaml(body, "error decoding YAML")
            if not isinstance(config, dict):
                raise bad_request_error("error decoding YAML: the apply configuration must be an "
                                        "object")
            return config
        syntax_error = go_json_syntax_error(body)
        if patch_type == "application/merge-patch+json":
            if syntax_error:
                raise bad_request_error("Invalid JSON Patch")
            patch = json.loads(body)
            if not isinstance(patch, dict):
                raise bad_request_error("Invalid JSON Patch")
            return patch
        if syntax_error:
            raise bad_request_error(syntax_error)
        patch = json.loads(body)
        if patch_type == "application/json-patch+json" and not isinstance(patch, list):
            raise bad_request_error(f"json: cannot unmarshal {_json_kind(patch)} into Go value of "
                                    "type jsonpatch.Patch")
        if patch_type == "application/strategic-merge-patch+json" and not isinstance(patch, dict):
            raise bad_request_error(f"json: cannot unmarshal {_json_kind(patch)} into Go value of "
                                    "type map[string]interface {}")
        return patch

    def _patched_object(self, resource_type, old, patch, patch_type):
        base = present(resource_type, old)
        if patch_type == "application/json-patch+json":
            try:
                patched = json_patch(base, patch)
            except (PatchError, AttributeError, TypeError):
                raise generic_error_for_code(422) from None
        elif patch_type == "application/merge-patch+json":
            patched = merge_patch(base, patch)
        else:
            patched = strategic_merge_patch(base, patch)
        if not isinstance(patched, dict):
            raise generic_error_for_code(422)
        self._check_decodes(resource_type, patched)
        return self._normalize(resource_type, patched)

    def _apply(self, request, route, config, old, manager, is_dry_run):
        """Server-side apply; called with the store lock held."""
        resource_type = route.resource_type
        self._check_type_meta(resource_type, config)
        warnings = self._check_unknown_fields(request, resource_type, config)
        self._check_decodes(resource_type, config)
        config = self._normalize(resource_type, config, applies_defaults=False)
        metadata = config["metadata"]
        if metadata.setdefault("name", route.name) != route.name:
            raise bad_request_error(f"the name of the object ({metadata['name']}) does not "
                                    f"match the name on the URL ({route.name})")
        self._place_in_namespace(resource_type, config, route.namespace)
        if old is not None and metadata.get("resourceVersion") not in (
                None, old["metadata"]["resourceVersion"]):
            raise conflict_error(resource_type, route.name)
        for key in ("resourceVersion", "uid", "managedFields", "creationTimestamp",
                    "generation"):
            metadata.pop(key, None)
        if resource_type.has_status_subresource:
            config.pop("status", None)
        is_forced = request.query.get("force") == "true"
        try:
            applied = apply_configuration(old, config, manager, is_forced,
                                          resource_type.api_version)
        except ApplyConflict as conflict:
            raise conflict.to_api_error() from None
        applied = self._normalize(resource_type, applied)
        managed_fields = applied["metadata"].get("managedFields")
        if old is None:
            self._check_namespace_accepts_writes(resource_type, route.namespace, route.name)
            self._validate(resource_type, applied)
            new = self._initialize_new_object(resource_type, applied)
        else:
            new = self._carry_over_system_fields(resource_type, applied, old)
            self._validate(resource_type, new, old)
        # Both helpers above keep system-owned managedFields; apply just computed new ones.
        new["metadata"].pop("managedFields", None)
        if managed_fields:
            new["metadata"]["managedFields"] = managed_fields
        if old is None:
            if not is_dry_run:
                self.store.save(resource_type, new, None)
            return self._object_response(201, resource_type, new, warnings)
        return self._object_response(200, resource_type,
                                     self._commit_update(resource_type, old, new, is_dry_run),
                                     warnings)

    def _handle_subresource(self, request, route, verb):
        resource_type = route.resource_type
        if route.subresource != "status" or not resource_type.has_status_subresource:
            raise path_not_found_error()
        if verb == "get":
            return self._get(request, route)
        if verb not in ("update", "patch"):
            raise method_not_allowed_error()
        is_dry_run, _ = self._write_options(request, "UpdateOptions")
        if verb == "update":
            incoming, _ = self._decode_object_body(request, resource_type)
        else:
            patch_type = request.content_type
            if patch_type not in _PATCH_CONTENT_TYPES or patch_type == _APPLY:
                raise unsupported_media_type_error(list(_PATCH_CONTENT_TYPES[:3]))
            patch = self._parse_patch(request, patch_type)
        with self.store.lock:
            old = self.store.get(resource_type, route.namespace, route.name)
            if old is None:
                raise not_found_error(resource_type, route.name)
            if verb == "patch":
                incoming = self._patched_object(resource_type, old, patch, patch_type)
            self._check_resource_version(resource_type, incoming, old)
            new = dict(old)
            new["metadata"] = dict(old["metadata"])
            if "status" in incoming:
                new["status"] = incoming["status"]
            else:
                new.pop("status", None)
            result = self._commit_update(resource_type, old, new, is_dry_run)
        return self._object_response(200, resource_type, result)

    def _delete(self, request, route):
        resource_type = route.resource_type
        options = self._delete_options(request)
        is_dry_run = bool(options.get("dryRun")) or bool(request.query_lists.get("dryRun"))
        preconditions = options.get("preconditions") or {}
        with self.store.lock:
            old = self.store.get(resource_type, route.namespace, route.name)
            if old is None:
                raise not_found_error(resource_type, route.name)
            self._check_delete_preconditions(resource_type, old, preconditions)
            result = self._delete_object(resource_type, old, is_dry_run)
        if result is not None:  # deletion pending (finalizers) or a namespace: the object
            return self._object_response(200, resource_type, result)
        details = _details(resource_type, route.name, uid=old["metadata"]["uid"])
        return json_response(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                   "status": "Success", "details": details})

    def _delete_options(self, request):
        if not request.body.strip():
            return {}
        syntax_error = go_json_syntax_error(request.body)
        if syntax_error:
            raise bad_request_error(syntax_error)
        options = json.loads(request.body)
        if not isinstance(options, dict):
            raise bad_request_error(f"json: cannot unmarshal {_json_kind(options)} into Go value "
                                    "of type v1.DeleteOptions")
        for value in options.get("dryRun") or []:
            if value != "All":
                raise options_invalid_error("DeleteOptions", [FieldError(
                    "FieldValueNotSupported", "dryRun[0]", 'supported values: "All"', value)])
        return options

    @staticmethod
    def _check_delete_preconditions(resource_type, obj, preconditions):
        metadata = obj["metadata"]
        failure = None
        if preconditions.get("uid") and preconditions["uid"] != metadata["uid"]:
            failure = (f"UID in precondition: {preconditions['uid']}, UID in object meta: "
                       f"{metadata['uid']}")
        elif (preconditions.get("resourceVersion")
              and preconditions["resourceVersion"] != metadata["resourceVersion"]):
            failure = (f"ResourceVersion in precondition: {preconditions['resourceVersion']}, "
                       f"ResourceVersion in object meta: {metadata['resourceVersion']}")
        if failure:
            raise conflict_error(resource_type, metadata["name"],
                                 _precondition_message(resource_type, metadata, failure))

    def _delete_object(self, resource_type, obj, is_dry_run):
        """Deletes obj (lock held). Returns the object to answer with, or None for a Status."""
        metadata = obj["metadata"]
        if metadata.get("finalizers") and resource_type is not NAMESPACES:
            if metadata.get("deletionTimestamp"):
                return obj
            pending = dict(obj, metadata=dict(metadata, deletionTimestamp=now_rfc3339(),
                                              deletionGracePeriodSeconds=0))
            return pending if is_dry_run else self.store.save(resource_type, pending, obj)
        if resource_type is NAMESPACES:
            # Real namespaces linger in Terminating until their content is gone; this fake
            # removes the content and the namespace at once but answers like the apiserver.
            answer = dict(obj, metadata=dict(metadata, deletionTimestamp=now_rfc3339()),
                          status={"phase": "Terminating"})
            if not is_dry_run:
                for namespaced_type in RESOURCE_TYPES:
                    if namespaced_type.is_namespaced:
                        for item in self.store.items(namespaced_type, metadata["name"]):
                            self.store.delete(namespaced_type, item)
                self.store.delete(resource_type, obj)
            return answer
        if not is_dry_run:
            self.store.delete(resource_type, obj)
        return None

    def _delete_collection(self, request, route):
        resource_type = route.resource_type
        selectors = parse_selectors(resource_type, request.query)
        options = self._delete_options(request)
        is_dry_run = bool(options.get("dryRun")) or bool(request.query_lists.get("dryRun"))
        deleted = []
        with self.store.lock:
            for obj in self.store.items(resource_type, route.namespace):
                if selectors.matches(obj):
                    result = self._delete_object(resource_type, obj, is_dry_run)
                    deleted.append(result or obj)
            version = self.store.resource_version
        items = [present(resource_type, obj, with_type_meta=resource_type.is_custom)
                 for obj in deleted]
        return json_response(200, {"kind": f"{resource_type.kind}List",
                                   "apiVersion": resource_type.api_version,
                                   "metadata": {"resourceVersion": str(version)},
                                   "items": items})

    # -- seeding (test control) -----------------------------------------------------------------

    def seed(self, obj, is_raw=False):
        """Stores obj directly (create or replace), creating its namespace if needed.

        Without is_raw the object is decoded, normalized and validated like a create; with
        is_raw it is stored as given (only uid, creationTimestamp and resourceVersion added).
        """
        if not isinstance(obj, dict):
            raise bad_request_error("each seeded object must be a JSON object")
        resource_type = RESOURCES_BY_API_VERSION_KIND.get((obj.get("apiVersion"),
                                                           obj.get("kind")))
        if resource_type is None:
            raise bad_request_error(f"this fake does not serve apiVersion "
                                    f"{obj.get('apiVersion')!r} kind {obj.get('kind')!r}")
        metadata = obj.get("metadata") or {}
        if not metadata.get("name"):
            raise bad_request_error("seeded objects need metadata.name")
        namespace = (metadata.get("namespace") or "default") if resource_type.is_namespaced \
            else None
        with self.store.lock:
            if namespace and self.store.get(NAMESPACES, None, namespace) is None:
                self.store.save(NAMESPACES, self._initialize_new_object(
                    NAMESPACES, {"metadata": {"name": namespace}}), None)
            old = self.store.get(resource_type, namespace, metadata["name"])
            if is_raw:
                new = copy.deepcopy(obj)
                new_metadata = new.setdefault("metadata", {})
                new_metadata.setdefault("uid", str(uuid.uuid4()))
                new_metadata.setdefault("creationTimestamp", now_rfc3339())
                if namespace:
                    new_metadata["namespace"] = namespace
            else:
                self._check_decodes(resource_type, obj)
                new = self._normalize(resource_type, copy.deepcopy(obj))
                self._place_in_namespace(resource_type, new, namespace)
                self._validate(resource_type, new)
                new = self._initialize_new_object(resource_type, new, keeps_status=True)
            return present(resource_type, self.store.save(resource_type, new, old))


def _precondition_message(resource_type, metadata, failure):
    key = _storage_key(resource_type, metadata.get("namespace"), metadata["name"])
    return (f"StorageError: invalid object, Code: 4, Key: {key}, ResourceVersion: 0, "
            f"AdditionalErrorMsg: Precondition failed: {failure}")


def _yaml_scalars_as_json(value):
    """sigs.k8s.io/yaml turns YAML timestamps into strings; PyYAML makes datetimes."""
    if isinstance(value, dict):
        return {str(k): _yaml_scalars_as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_scalars_as_json(item) for item in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class FakeControlApi:
    """The /_fake/ endpoints tests use to inspect and steer the fake (see README.md)."""

    def __init__(self, api):
        self.api = api

    def handle(self, request):
        routes = {
            ("GET", "/_fake/requests"): self._requests,
            ("POST", "/_fake/reset-requests"): self._reset_requests,
            ("GET", "/_fake/faults"): self._faults,
            ("POST", "/_fake/faults"): self._configure_faults,
            ("DELETE", "/_fake/faults"): self._clear_faults,
            ("POST", "/_fake/objects"): self._seed_objects,
            ("POST", "/_fake/compact"): self._compact,
            ("GET", "/_fake/stats"): self._stats,
            ("POST", "/_fake/reset"): self._reset,
        }
        handler = routes.get((request.method, request.path.rstrip("/")))
        if handler is None:
            return json_response(404, {"error": f"no test-control endpoint "
                                                f"{request.method} {request.path}"})
        try:
            return handler(request)
        except ApiError as error:
            return error_response(error)
        except (ValueError, TypeError, re.error) as error:
            return json_response(400, {"error": str(error)})

    def _requests(self, request):
        return json_response(200, {"requests": self.api.request_log.entries()})

    def _reset_requests(self, request):
        self.api.request_log.clear()
        return json_response(200, {})

    def _faults(self, request):
        return json_response(200, self.api.faults.describe())

    def _configure_faults(self, request):
        self.api.faults.configure(json.loads(request.body or b"{}"))
        return json_response(200, self.api.faults.describe())

    def _clear_faults(self, request):
        self.api.faults.clear()
        return json_response(200, self.api.faults.describe())

    def _seed_objects(self, request):
        document = json.loads(request.body or b"[]")
        objects = document.get("items", [document]) if isinstance(document, dict) else document
        is_raw = request.query.get("raw") in ("1", "true")
        items = [self.api.seed(obj, is_raw) for obj in objects]
        return json_response(200, {"items": items})

    def _compact(self, request):
        with self.api.store.lock:
            self.api.store.compact()
            version = self.api.store.compacted_version
        return json_response(200, {"compactedResourceVersion": str(version)})

    def _stats(self, request):
        store = self.api.store
        with store.lock:
            stats = {"resourceVersion": str(store.resource_version), "objects": store.count(),
                     "activeWatches": store.active_watches,
                     "compactedResourceVersion": str(store.compacted_version)}
        stats["requests"] = len(self.api.request_log.entries())
        return json_response(200, stats)

    def _reset(self, request):
        self.api.faults.clear()
        self.api.request_log.clear()
        self.api.reset_objects()
        return json_response(200, {})

# ---------------------------------------------------------------------------------------------
# HTTP: keep-alive HTTP/1.1 (optionally TLS) in front of KubeApi.
# ---------------------------------------------------------------------------------------------


class _KubeApiRequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300  # idle keep-alive connections and stuck writes give up after this

    def setup(self):
        super().setup()
        try:  # whole responses go out in one write; Nagle would only add latency
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format, *args):  # noqa: A002 (signature fixed by the base class)
        if self.server.is_verbose:
            sys.stderr.write(f"kube_api_server: {self.address_string()} {format % args}\n")

    def _serve(self):
        body = self._read_body()
        if body is None:
            return
        path, _, raw_query = self.path.partition("?")
        request = ApiRequest(self.command, urllib.parse.unquote(path), raw_query, self.headers,
                             body)
        result = self.server.api.handle(request)
        self.log_request(0 if result is DISCONNECT else result.code)
        if result is DISCONNECT:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif isinstance(result, StreamingResponse):
            self._write_stream(result)
        else:
            self._write_response(result)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _read_body(self):
        """The request body, or None after answering 413/400 for an unreadable one."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                size_line = self.rfile.readline(65537)
                try:
                    size = int(size_line.split(b";")[0].strip() or b"x", 16)
                except ValueError:
                    self._reject(bad_request_error("malformed chunked request body"))
                    return None
                if size == 0:
                    while self.rfile.readline(65537).strip():
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_REQUEST_BODY_BYTES:
                    self._reject_too_large()
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length_text = self.headers.get("Content-Length")
        if not length_text:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            self._reject(bad_request_error("invalid Content-Length"))
            return None
        if length > MAX_REQUEST_BODY_BYTES:
            self._reject_too_large()
            return None
        return self.rfile.read(length)

    def send_error(self, code, message=None, explain=None):
        """http.server's own errors (bad request line, unknown method) as Status bodies."""
        if code == 501:  # an HTTP method no resource supports
            error = method_not_allowed_error()
        else:
            error = generic_error_for_code(code, message)
        self.close_connection = True
        self._write_response(error_response(error))

    def _reject_too_large(self):
        self._reject(ApiError(413, "RequestEntityTooLarge",
                              f"Request entity too large: limit is {MAX_REQUEST_BODY_BYTES}"))

    def _reject(self, error):
        self.close_connection = True  # the unread body makes the connection unusable
        self._write_response(error_response(error))

    def _head(self, code, headers):
        phrase = http.HTTPStatus(code).phrase if code in http.HTTPStatus._value2member_map_ \
            else ""
        lines = [f"HTTP/1.1 {code} {phrase}", f"Audit-Id: {uuid.uuid4()}",
                 "Cache-Control: no-cache, private"]
        lines += [f"{name}: {value}" for name, value in headers]
        lines += [f"X-Kubernetes-Pf-Flowschema-Uid: {self.server.flow_schema_uid}",
                  f"X-Kubernetes-Pf-Prioritylevel-Uid: {self.server.priority_level_uid}",
                  f"Date: {self.date_time_string()}"]
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n").encode("latin-1", "replace")

    def _write_response(self, response):
        headers = [("Content-Type", response.content_type)] + response.headers
        headers.append(("Content-Length", str(len(response.body))))
        body = b"" if self.command == "HEAD" else response.body
        try:
            self.wfile.write(self._head(response.code, headers) + b"\r\n" + body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _write_stream(self, response):
        is_chunked = self.request_version == "HTTP/1.1"
        headers = [("Content-Type", "application/json")]
        if is_chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        else:
            self.close_connection = True
        chunks = response.chunks
        try:
            self.wfile.write(self._head(response.code, headers) + b"\r\n")
            self.wfile.flush()
            for chunk in chunks:
                if chunk is None:
                    if self._has_client_gone():
                        self.close_connection = True
                        return
                    continue
                frame = b"%x\r\n%s\r\n" % (len(chunk), chunk) if is_chunked else chunk
                self.wfile.write(frame)
                self.wfile.flush()
            if is_chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except (OSError, ValueError):
            self.close_connection = True
        finally:
            chunks.close()

    def _has_client_gone(self):
        """Lets an idle watch notice a closed connection without waiting for the next event."""
        if isinstance(self.connection, ssl.SSLSocket):
            return False
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True


class _KubeHttpServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address, api, tls_context, is_verbose):
        self.api = api
        self.tls_context = tls_context
        self.is_verbose = is_verbose
        self.flow_schema_uid = str(uuid.uuid4())
        self.priority_level_uid = str(uuid.uuid4())
        super().__init__(address, _KubeApiRequestHandler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, on the connection's own thread, so one slow or broken
        # client cannot stall accept().
        if self.tls_context is None:
            super().finish_request(request, client_address)
            return
        try:
            request.settimeout(10)
            tls_socket = self.tls_context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError) as error:
            if self.is_verbose:
                sys.stderr.write(f"kube_api_server: TLS handshake failed: {error}\n")
            return
        try:
            super().finish_request(tls_socket, client_address)
        finally:
            tls_socket.close()

    def handle_error(self, request, client_address):
        if self.is_verbose:
            super().handle_error(request, client_address)


class FakeKubeApiServer:
    """Runs KubeApi over HTTP(S) on 127.0.0.1 in a background thread.

    Usage: `with FakeKubeApiServer(token="t") as server: ... server.url ...`, or start()/stop().
    `api` exposes the state for in-process tests (e.g. `server.api.seed(obj)`).
    """

    def __init__(self, port=0, token=None, tls_cert=None, tls_key=None, state_file=None,
                 watch_history_limit=10000, is_verbose=False):
        if bool(tls_cert) != bool(tls_key):
            raise ValueError("--tls-cert and --tls-key go together")
        self.api = KubeApi(token=token, watch_history_limit=watch_history_limit)
        self._requested_port = port
        self._tls_files = (tls_cert, tls_key) if tls_cert else None
        self._state_file = state_file
        self._is_verbose = is_verbose
        self._http_server = None
        self._thread = None

    def start(self):
        tls_context = None
        if self._tls_files:
            tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls_context.load_cert_chain(*self._tls_files)
            tls_context.set_alpn_protocols(["http/1.1"])
        if self._state_file:
            self.load_state_file(self._state_file)
        self._http_server = _KubeHttpServer(("127.0.0.1", self._requested_port), self.api,
                                            tls_context, self._is_verbose)
        self.api.server_address = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._http_server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="kube-api-server", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._http_server is None:
            return
        with self.api.store.lock:
            self.api.store.is_stopping = True  # ends open watches
            self.api.store.lock.notify_all()
        self._http_server.shutdown()
        self._http_server.server_close()
        self._thread.join(timeout=5)
        self._http_server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        return self._http_server.server_address[1]

    @property
    def url(self):
        scheme = "https" if self._tls_files else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def load_state_file(self, path):
        """Seeds a JSON list of objects (or a List with `items`) as given, without validation."""
        with open(path, encoding="utf-8") as state:
            document = json.load(state)
        objects = document.get("items", []) if isinstance(document, dict) else document
        for obj in objects:
            self.api.seed(obj, is_raw=True)


def _write_atomically(path, text):
    temporary = f"{path}.tmp.{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)  # readers see either no file or the whole port


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fake Kubernetes API server for tests "
                                                 "(binds 127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the chosen port here (atomically)")
    parser.add_argument("--token", help="require Authorization: Bearer TOKEN")
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate chain")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--state-file", help="JSON list of objects to preload (stored as given)")
    parser.add_argument("--watch-history", type=int, default=10000,
                        help="events kept for watches; older resourceVersions get 410")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    server = FakeKubeApiServer(port=args.port, token=args.token, tls_cert=args.tls_cert,
                               tls_key=args.tls_key, state_file=args.state_file,
                               watch_history_limit=args.watch_history, is_verbose=args.verbose)
    server.start()
    if args.port_file:
        _write_atomically(args.port_file, f"{server.port}\n")
    print(f"listening on {server.url}", flush=True)

    stop_requested = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop_requested.set())
    while not stop_requested.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
