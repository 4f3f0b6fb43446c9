#!/usr/bin/env python3
"""A fake container credentials endpoint (ECS agent / EKS Pod Identity agent), on 127.0.0.1 only.

GET on --path answers the documented JSON (AccessKeyId, SecretAccessKey, Token, Expiration,
plus RoleArn and AccountId, which clients ignore). With --token, the Authorization header must
equal it, else 401 with a JSON message as the Pod Identity agent answers. Other paths are 404;
--status forces that status (with a JSON message) on every request to --path. Tests point
AWS_CONTAINER_CREDENTIALS_FULL_URI at it. See tests/fakes/README.md.
"""

import argparse
import datetime
import http.server
import json
import os
import signal
import sys
import threading

# Fixed fake keys, so tests can assert that they never appear in output.
ACCESS_KEY_ID = "ASIACONTAINERFAKE001"
SECRET_ACCESS_KEY = "containerSecret/K7MDENG/bPxRfiCYEXAMPLE7"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjCONTAINERFAKESESSIONTOKEN"
ACCOUNT_ID = "123456789012"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-container-credentials"

    def log_message(self, format, *args):  # quiet unless --verbose
        if self.server.options.verbose:
            sys.stderr.write("container-credentials: " + format % args + "\n")

    def reply(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        options = self.server.options
        with self.server.lock:
            self.server.requests += 1
        if self.path != options.path:
            return self.reply(404, {"message": "not found"})
        if options.token is not None and self.headers.get("Authorization") != options.token:
            return self.reply(401, {"message": "the Authorization header is missing or wrong"})
        if options.status is not None:
            return self.reply(options.status, {"message": f"forced status {options.status}"})
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        expiration = now + datetime.timedelta(seconds=options.expiration_seconds)
        body = {
            "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/pullkeeper-pod",
            "AccessKeyId": options.access_key_id,
            "SecretAccessKey": options.secret_access_key,
            "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "AccountId": ACCOUNT_ID,
        }
        if options.session_token:
            body["Token"] = options.session_token
        self.reply(200, body)

    def do_PUT(self):
        self.reply(405, {"message": "only GET"})

    do_POST = do_PUT


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, options):
        super().__init__(("127.0.0.1", options.port), Handler)
        self.options = options
        self.lock = threading.Lock()
        self.requests = 0


def parse_options(argv):
    parser = argparse.ArgumentParser(description="Fake container credentials endpoint")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", required=True,
                        help="write the chosen port here (atomically)")
    parser.add_argument("--path", default="/v1/credentials",
                        help="the credentials path (default /v1/credentials)")
    parser.add_argument("--token", help="require exactly this Authorization header value")
    parser.add_argument("--access-key-id", help="serve this key id instead of the fixed fake")
    parser.add_argument("--secret-access-key", help="serve this secret key")
    parser.add_argument("--session-token",
                        help="serve this session token; with custom keys and no token, the "
                             "answer has no Token (long-lived keys)")
    parser.add_argument("--expiration-seconds", type=int, default=6 * 3600,
                        help="the credentials expire this long after they are served")
    parser.add_argument("--status", type=int,
                        help="answer every request to --path with this HTTP status instead")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    options = parser.parse_args(argv)
    if (options.access_key_id is None) != (options.secret_access_key is None):
        parser.error("--access-key-id and --secret-access-key go together")
    if options.access_key_id is None:
        options.access_key_id = ACCESS_KEY_ID
        options.secret_access_key = SECRET_ACCESS_KEY
        if options.session_token is None:
            options.session_token = SESSION_TOKEN
    if not options.path.startswith("/"):
        parser.error("--path must start with '/'")
    return options


def main():
    options = parse_options(sys.argv[1:])
    server = Server(options)
    port = server.server_address[1]
    temporary = options.port_file + ".tmp"
    with open(temporary, "w") as out:
        out.write(str(port))
    os.replace(temporary, options.port_file)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
