# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Local stand-ins for the services the notify role tells, on 127.0.0.1, started by the tests and `scripts/demo notify`:

- ``JiraStub``: Jira's REST API v2 as community.general.jira calls it - search (``/rest/api/2/search`` and Jira
  Cloud's ``/rest/api/2/search/jql``, JQL ``project = "KEY" AND labels = "LABEL"``), create an issue, comment, and
  edit labels (``update``) - refusing any request without the credentials it was given (basic auth with a user and an
  API token or password, or a bearer personal access token).
- ``WebhookReceiver``: one HTTP server for Slack (``/slack/...``), Teams (``/teams/...``), PagerDuty
  (``/pagerduty/v2/enqueue``) and generic webhooks (anything else), answering as each service does (Slack ``200 ok``,
  Teams ``202``, PagerDuty ``202`` with its JSON) and recording every request.
- ``SmtpServer``: aiosmtpd, optionally asking for a login, keeping every message.

Each can be told to answer the next requests with a failure (``fail_next``): a status, headers such as Retry-After, a
body; ``WebhookReceiver.down(prefix)`` refuses a path for good.
"""

from __future__ import annotations

import base64
import email
import email.policy
import http.server
import json
import re
import socket
import threading
import time
import urllib.parse

_ISSUE_RE = re.compile(r"^/rest/api/2/issue/([A-Z][A-Z0-9_]*-\d+)(/comment)?$")
_JQL_RE = re.compile(r'^project = "([^"]+)" AND labels = "([^"]+)"')


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _HttpStub:
    """An HTTP server on 127.0.0.1 whose ``handle(request)`` returns (status, headers, body)."""

    def __init__(self):
        self.requests = []
        self.failures = []  # {prefix, status, headers, body, times (None: for good)}
        self.lock = threading.Lock()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                request = {"method": self.command, "path": urllib.parse.urlsplit(self.path).path, "query": urllib.parse.urlsplit(self.path).query,
                           "headers": {k.lower(): v for k, v in self.headers.items()}, "body": raw.decode("utf-8", "replace"), "time": time.time()}
                try:
                    request["json"] = json.loads(raw) if raw else None
                except ValueError:
                    request["json"] = None
                with stub.lock:
                    stub.requests.append(request)
                    failure = next((f for f in stub.failures if request["path"].startswith(f["prefix"])), None)
                    if failure and failure["times"] is not None:
                        failure["times"] -= 1
                        if failure["times"] <= 0:
                            stub.failures.remove(failure)
                if failure:
                    status, headers, body = failure["status"], failure["headers"], failure["body"]
                else:
                    status, headers, body = stub.handle(request)
                data = body if isinstance(body, bytes) else (json.dumps(body) if isinstance(body, (dict, list)) else str(body)).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if isinstance(body, (dict, list)) else "text/plain; charset=utf-8")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                del format, args

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def fail_next(self, times, status, headers=None, body="", prefix="/"):
        """Answer the next ``times`` requests under ``prefix`` with ``status`` (None: for good)."""
        with self.lock:
            self.failures.append({"prefix": prefix, "status": status, "headers": headers or {}, "body": body, "times": times})

    def received(self, prefix="/"):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(prefix)]

    def handle(self, request):  # pragma: no cover - every stub has its own
        raise NotImplementedError


class WebhookReceiver(_HttpStub):
    """Slack, Teams, PagerDuty and generic webhooks on one server (see the module docstring)."""

    def handle(self, request):
        path = request["path"]
        if path.startswith("/slack/"):
            return 200, {}, "ok"
        if path.startswith("/teams/"):
            return 202, {}, ""
        if path.startswith("/pagerduty/"):
            body = request["json"] or {}
            if not body.get("routing_key") or body.get("event_action") not in ("trigger", "acknowledge", "resolve"):
                return 400, {}, {"status": "invalid event", "message": "Event object is invalid", "errors": ["routing_key or event_action"]}
            return 202, {}, {"status": "success", "message": "Event processed", "dedup_key": body.get("dedup_key")}
        return 200, {}, ""

    def down(self, prefix):
        """Refuse every request under ``prefix`` with 503 from now on."""
        self.fail_next(None, 503, body="service unavailable", prefix=prefix)

    def slack(self, name="soc"):
        return f"{self.url}/slack/T0000/B0000/{name}-XOXB-never-in-data-0001"

    def teams(self, name="soc"):
        return f"{self.url}/teams/workflows/{name}/triggers/manual/paths/invoke?sig=teams-sig-never-in-data-0001"

    def pagerduty(self):
        return f"{self.url}/pagerduty/v2/enqueue"

    def webhook(self, name="hook"):
        return f"{self.url}/hooks/{name}/webhook-path-secret-never-in-data-0001"


class JiraStub(_HttpStub):
    """Jira's REST API v2, as community.general.jira calls it (see the module docstring)."""

    def __init__(self, projects=("SEC",), username="gd-bot@example.com", token="jira-api-token-never-in-data-0001", bearer=None):
        super().__init__()
        self.projects = set(projects)
        self.basic = base64.b64encode(f"{username}:{token}".encode()).decode() if username else None
        self.bearer = bearer
        self.issues = {}
        self.counter = 0

    def _authorised(self, request):
        auth = request["headers"].get("authorization", "")
        return (self.basic and auth == f"Basic {self.basic}") or (self.bearer and auth == f"Bearer {self.bearer}")

    def handle(self, request):
        if not self._authorised(request):
            refused = "You are not authenticated. Authentication required to perform this operation."
            return 401, {"WWW-Authenticate": 'Basic realm="jira"'}, {"errorMessages": [refused], "errors": {}}
        path, method, body = request["path"], request["method"], request["json"] or {}
        if method == "GET" and path in ("/rest/api/2/search", "/rest/api/2/search/jql"):
            return self._search(urllib.parse.parse_qs(request["query"]))
        if method == "POST" and path in ("/rest/api/2/issue", "/rest/api/2/issue/"):
            return self._create(body.get("fields") or {})
        found = _ISSUE_RE.match(path)
        if not found or found.group(1) not in self.issues:
            return 404, {}, {"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}
        issue = self.issues[found.group(1)]
        if method == "POST" and found.group(2):
            if not isinstance(body.get("body"), str) or not body["body"]:
                return 400, {}, {"errorMessages": [], "errors": {"comment": "Comment body can not be empty!"}}
            issue["comments"].append(body["body"])
            return 201, {}, {"id": str(len(issue["comments"])), "body": body["body"]}
        if method == "PUT" and not found.group(2):
            for change in (body.get("update") or {}).get("labels") or []:
                if "add" in change and change["add"] not in issue["fields"]["labels"]:
                    issue["fields"]["labels"].append(change["add"])
            return 204, {}, b""
        return 405, {}, {"errorMessages": [f"{method} {path} is not supported by the stub"]}

    def _search(self, query):
        jql = (query.get("jql") or [""])[0]
        found = _JQL_RE.match(jql)
        if not found:
            return 400, {}, {"errorMessages": [f"The stub reads only project = \"KEY\" AND labels = \"LABEL\", got {jql!r}"], "errors": {}}
        project, wanted = found.groups()
        issues = [{"id": issue["id"], "key": key, "fields": {"labels": list(issue["fields"]["labels"])}}
                  for key, issue in sorted(self.issues.items(), key=lambda item: int(item[1]["id"]))
                  if issue["fields"]["project"]["key"] == project and wanted in issue["fields"]["labels"]]
        return 200, {}, {"startAt": 0, "maxResults": 50, "total": len(issues), "issues": issues}

    def _create(self, fields):
        project = (fields.get("project") or {}).get("key")
        if project not in self.projects:
            return 400, {}, {"errorMessages": [], "errors": {"project": "valid project is required"}}
        if not fields.get("summary") or len(fields["summary"]) > 255 or "\n" in fields["summary"]:
            return 400, {}, {"errorMessages": [], "errors": {"summary": "Summary must be one line of less than 255 characters."}}
        if not (fields.get("issuetype") or {}).get("name"):
            return 400, {}, {"errorMessages": [], "errors": {"issuetype": "The issue type selected is invalid."}}
        labels = fields.get("labels") or []
        if any(" " in label for label in labels):
            return 400, {}, {"errorMessages": [], "errors": {"labels": "The label must not contain spaces."}}
        self.counter += 1
        key = f"{project}-{self.counter}"
        self.issues[key] = {"id": str(10000 + self.counter), "fields": dict(fields, labels=list(labels)), "comments": []}
        return 201, {}, {"id": self.issues[key]["id"], "key": key, "self": f"{self.url}/rest/api/2/issue/{self.issues[key]['id']}"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """aiosmtpd on 127.0.0.1, keeping every message (``messages``: sender, recipients, the parsed message); with a
    ``username`` it asks for that login (AUTH PLAIN/LOGIN, offered without TLS: the test server has none)."""

    def __init__(self, username=None, password=None):
        # pylint: disable=import-outside-toplevel
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages, self.refusals, self.logins = [], [], []
        server = self

        class Handler:  # pylint: disable=too-few-public-methods
            async def handle_DATA(self, smtp, session, envelope):  # noqa: N802  pylint: disable=invalid-name
                del smtp, session
                if server.refusals:
                    return server.refusals.pop(0)
                message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
                server.messages.append({"sender": envelope.mail_from, "recipients": list(envelope.rcpt_tos), "message": message})
                return "250 OK"

        def authenticator(smtp, session, envelope, mechanism, auth_data):
            del smtp, session, envelope, mechanism
            ok = auth_data.login.decode() == username and auth_data.password.decode() == password
            server.logins.append(auth_data.login.decode())
            return AuthResult(success=ok)

        options = {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True} if username else {}
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **options)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def refuse_next(self, times, reply="451 4.3.0 Try again later"):
        self.refusals += [reply] * times

    @staticmethod
    def parts(message):
        """{content type or attachment file name: text} of a received message."""
        found = {}
        for part in message.walk():
            if part.is_multipart():
                continue
            name = part.get_filename() or part.get_content_type()
            found[name] = part.get_content()
        return found
