# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A local HTTP endpoint in front of moto that passes every request through, except those a test picks: held until
the test ends (a run caught between two changes), or answered with an error AWS could give (a call that fails while
the others go on). Tests point one service at it with botocore's per-service variable (AWS_ENDPOINT_URL_S3). Every
request's body is kept (``bodies``), so that a test can prove what was never sent."""

from __future__ import annotations

import http.client
import http.server
import threading
import urllib.parse


class AwsProxy:
    """``decide(method, path)`` -> None (pass through), "hold", or (HTTP status, error code, message) to answer with;
    ``decide=None`` passes everything through."""

    def __init__(self, target_url, decide):
        target = urllib.parse.urlsplit(target_url)
        self.release = threading.Event()
        self.held = threading.Event()
        self.answered = []
        self.bodies = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                outer.bodies.append(body or b"")
                decision = decide(self.command, self.path) if decide else None
                if decision == "hold":
                    outer.held.set()
                    outer.release.wait(120)
                    self.send_error(503)
                    return
                if decision is not None:
                    status, code, message = decision
                    outer.answered.append((self.command, self.path, code))
                    data = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
                            "<RequestId>proxy</RequestId></Error>").encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                conn.request(self.command, self.path, body=body, headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
                response = conn.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = do_PATCH = _forward

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
