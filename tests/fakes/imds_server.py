#!/usr/bin/env python3
"""A fake EC2 instance metadata service (IMDSv2 only) for tests, on 127.0.0.1 only.

Serves the calls pullkeeper makes: PUT /latest/api/token (needs the
X-aws-ec2-metadata-token-ttl-seconds header, 400 without), GET
/latest/meta-data/iam/security-credentials/ (the role name), GET .../<role> (the role's
temporary keys as JSON) and GET /latest/meta-data/placement/region (the instance's region).
Every GET needs a token this server issued in X-aws-ec2-metadata-token, else 401, as an
instance with HttpTokens=required answers.
--drop-put accepts the token request and never answers it, the way a PUT answer with a hop
limit of 1 never reaches a container. --access-key-id, --secret-access-key and
--session-token replace the fixed fake keys, e.g. with temporary keys moto really issued, so
that a caller's STS request succeeds. See tests/fakes/README.md.
"""

import argparse
import datetime
import http.server
import json
import os
import secrets
import signal
import sys
import threading

TOKEN_PATH = "/latest/api/token"
ROLES_PATH = "/latest/meta-data/iam/security-credentials/"
REGION_PATH = "/latest/meta-data/placement/region"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"

# Fixed fake keys, so tests can assert that they never appear in output.
ACCESS_KEY_ID = "ASIAIMDSFAKEEXAMPLE1"
SECRET_ACCESS_KEY = "imdsSecret/K7MDENG/bPxRfiCYEXAMPLEKEY12"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEIMDSFAKESESSIONTOKENEXAMPLE"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-imds"

    def log_message(self, format, *args):  # quiet unless --verbose
        if self.server.options.verbose:
            sys.stderr.write("imds: " + format % args + "\n")

    def reply(self, status, body=b"", content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path != TOKEN_PATH:
            return self.reply(404)
        if self.server.options.drop_put:
            # Hold the connection open and say nothing until the server stops.
            self.server.stopping.wait()
            self.close_connection = True
            return
        ttl = self.headers.get(TTL_HEADER)
        if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.reply(400)
        token = secrets.token_urlsafe(32)
        with self.server.lock:
            self.server.tokens.add(token)
        self.reply(200, token.encode())

    def do_GET(self):
        token = self.headers.get(TOKEN_HEADER)
        with self.server.lock:
            valid = token in self.server.tokens
        if not valid:
            return self.reply(401)
        options = self.server.options
        if self.path == REGION_PATH:
            if not options.region_name:
                return self.reply(404)
            return self.reply(200, options.region_name.encode())
        if self.path == ROLES_PATH:
            if not options.role:
                return self.reply(404)
            return self.reply(200, options.role.encode())
        if options.role and self.path == ROLES_PATH + options.role:
            now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
            expiration = now + datetime.timedelta(seconds=options.expiration_seconds)
            body = {
                "Code": "Success",
                "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Type": "AWS-HMAC",
                "AccessKeyId": options.access_key_id,
                "SecretAccessKey": options.secret_access_key,
                "Token": options.session_token,
                "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            return self.reply(200, json.dumps(body).encode(), "application/json")
        self.reply(404)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, options):
        super().__init__(("127.0.0.1", options.port), Handler)
        self.options = options
        self.tokens = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()


def main():
    parser = argparse.ArgumentParser(description="Fake EC2 instance metadata service (IMDSv2)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the chosen port here (atomically)")
    parser.add_argument("--role", default="pullkeeper-node",
                        help="the instance's role name; '' means no role (404)")
    parser.add_argument("--region-name", default="us-east-1",
                        help="the instance's region (placement/region); '' answers 404")
    parser.add_argument("--expiration-seconds", type=int, default=6 * 3600,
                        help="the credentials expire this long after they are served")
    parser.add_argument("--access-key-id", default=ACCESS_KEY_ID,
                        help="the role's access key id (default: a fixed fake)")
    parser.add_argument("--secret-access-key", default=SECRET_ACCESS_KEY,
                        help="the role's secret key (default: a fixed fake)")
    parser.add_argument("--session-token", default=SESSION_TOKEN,
                        help="the role's session token (default: a fixed fake)")
    parser.add_argument("--drop-put", action="store_true",
                        help="never answer the token PUT (simulates a hop limit of 1)")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    options = parser.parse_args()

    server = Server(options)
    port = server.server_address[1]
    if options.port_file:
        temporary = options.port_file + ".tmp"
        with open(temporary, "w") as out:
            out.write(str(port))
        os.replace(temporary, options.port_file)

    def stop(signum, frame):
        server.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
