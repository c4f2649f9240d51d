# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tell each channel the investigation's state, once: decide, send with retries, keep what was sent.

``notify`` is what the ``notification`` action runs: the channels checked (channels.py), the notification built
(content.py), then per channel, under the state file's lock (state.py): below its ``min_risk`` -> ``skipped``; this
state already sent to this destination -> ``unchanged``; check mode -> ``would_send``; else the channel's handler
(``HANDLERS``) sends it -> ``sent`` (kept in the state file at once) or ``failed``. A failed channel never stops the
others. The service keeps its own marker where it has one: the Jira issue carries ``guardduty-<investigation id>``
(found again: a later state is a comment on it) and ``guardduty-state-<fingerprint>`` per state it was told (a second
runner finds it told); PagerDuty groups every event of the investigation under the dedup key ``guardduty-<id>``.

The handlers run modules through a ``transport`` (the action plugin: ``run_module(name, args)`` on the task's host,
``put_files`` for mail attachments, ``sleep``): ``ansible.builtin.uri`` for Slack, Teams, PagerDuty and webhooks,
``community.general.jira`` and ``community.general.mail``. ``with_retries`` retries HTTP 429 and 5xx (and a mail
server's temporary 4xx refusals) with exponential backoff, honouring Retry-After up to ``max_delay``: a task's
``until``/``delay`` cannot, since its delay is fixed and the answer's headers are out of its reach.

What comes back never holds a secret: ``redact`` takes every secret of the channels out of the result.
"""

from __future__ import annotations

import datetime
import email.utils
import random
import re

from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.channels import channels_from
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.channels import label
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.channels import public
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.channels import redact
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.channels import secrets_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.content import changes
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.content import notification
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.errors import NotifyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify import messages
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.state import StateFile
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.state import state_path
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.risk import RISK_LEVELS

URI = "ansible.builtin.uri"
JIRA = "community.general.jira"
MAIL = "community.general.mail"
MODULE_MISSING = ("community.general is not installed on the controller, so the {kind} channels cannot be used: "
                  "ansible-galaxy collection install community.general (secops.guardduty requires it)")
_STATUS_IN_MESSAGE = re.compile(r"status code (-?\d{1,3})\b")  # community.general.jira's "unexpected status code 429 ..."
_SMTP_CODE = re.compile(r"\((\d{3}),")  # smtplib's "(451, b'...')" in community.general.mail's message
_URI_PREFIX = re.compile(r"^Status code was -?\d+ and not \[[^\]]*\]: ")


class Policy:  # pylint: disable=too-few-public-methods
    """How hard to try: ``retries`` after the first attempt, the first backoff ``delay`` (doubling, with jitter), the
    longest wait ``max_delay`` (a Retry-After beyond it ends the retries), each request's ``timeout``."""

    def __init__(self, retries=3, delay=2.0, max_delay=60.0, timeout=10, rand=random.random):
        self.retries, self.delay, self.max_delay, self.timeout, self.rand = retries, delay, max_delay, timeout, rand

    def backoff(self, attempt):
        """The wait after the ``attempt``-th failed attempt: delay * 2^(attempt-1), times 0.5 to 1 (jitter), capped."""
        return min(self.max_delay, self.delay * 2 ** (attempt - 1) * (0.5 + self.rand() / 2))


def retry_after(value, now=None):
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return max(0.0, (moment - now).total_seconds())


def transient(attempt):
    """Whether a failed attempt is worth another: HTTP 429 or 5xx, a mail server's 4xx (try again later)."""
    status = attempt.get("status")
    if not isinstance(status, int):
        return False
    if attempt.get("protocol") == "smtp":
        return 400 <= status < 500
    return status == 429 or 500 <= status < 600


def with_retries(call, policy, sleep):
    """``call()`` until it succeeds, fails for good, or has been retried ``policy.retries`` times; (attempt, attempts)."""
    attempts = 0
    while True:
        attempts += 1
        attempt = call()
        if attempt["ok"] or not transient(attempt) or attempts > policy.retries:
            return attempt, attempts
        wait = attempt.get("retry_after")
        if wait is not None and wait > policy.max_delay:
            attempt["message"] += (f"; the service asked to retry after {wait:g} s, more than notify_retry_max_delay "
                                   f"({policy.max_delay:g} s): not retried")
            return attempt, attempts
        sleep(policy.backoff(attempts) if wait is None else wait)


# ---------------------------------------------------------------- the modules


def run(transport, name, args):
    """A module's result; a module that is not installed becomes a failed result that says what to install."""
    try:
        return transport.run_module(name, args)
    except ModuleNotFoundError:
        return {"failed": True, "msg": MODULE_MISSING.format(kind=name.rsplit(".", 1)[-1])}


def http_attempt(transport, channel, url, body, policy, headers=None):
    """One POST of ``body`` (JSON) with ansible.builtin.uri: {ok, status, retry_after, message, body}."""
    args = {"url": url, "method": "POST", "body_format": "json", "body": body, "headers": dict(headers or {}),
            "status_code": list(range(100, 600)), "return_content": True, "timeout": policy.timeout,
            "validate_certs": channel["validate_certs"], "follow_redirects": "none"}
    result = run(transport, URI, args)
    status = result.get("status")
    status = status if isinstance(status, int) and not isinstance(status, bool) else None
    content = result.get("content") if isinstance(result.get("content"), str) else ""
    if result.get("failed") or status is None or status < 0:
        reason = _URI_PREFIX.sub("", str(result.get("msg") or "no answer"))
        return {"ok": False, "status": status, "message": f"unreachable: {reason}", "protocol": "http"}
    ok = 200 <= status < 300
    message = f"HTTP {status}" + (f": {' '.join(content.split())[:300]}" if content.strip() else "")
    return {"ok": ok, "status": status, "retry_after": retry_after(result.get("retry_after")), "message": message,
            "body": content, "protocol": "http"}


def module_attempt(transport, name, args, protocol):
    """One community.general module call: {ok, status (from its message), message, result}."""
    result = run(transport, name, args)
    if not result.get("failed"):
        return {"ok": True, "status": None, "message": str(result.get("msg") or "done"), "result": result, "protocol": protocol,
                "warnings": [str(w) for w in result.get("warnings") or []]}
    message = " ".join(str(result.get("msg") or "failed").split())
    found = (_SMTP_CODE if protocol == "smtp" else _STATUS_IN_MESSAGE).search(message)
    return {"ok": False, "status": int(found.group(1)) if found else None, "message": message[:600], "result": result, "protocol": protocol}


# ---------------------------------------------------------------- the channels


def _posted(channel, attempt, attempts, action):
    outcome = {"ok": attempt["ok"], "action": action if attempt["ok"] else None, "attempts": attempts,
               "status": attempt.get("status"), "message": attempt["message"]}
    if channel["type"] == "slack" and attempt["ok"] and attempt.get("body", "").strip() not in ("", "ok"):
        outcome["message"] = f"HTTP {attempt['status']}: {attempt['body'].strip()[:300]}"
    return outcome


def send_slack(channel, note, change, context):
    attempt, attempts = context.retried(lambda: http_attempt(context.transport, channel, channel["webhook_url"],
                                                             messages.slack_message(note, change), context.policy))
    return _posted(channel, attempt, attempts, "posted")


def send_teams(channel, note, change, context):
    attempt, attempts = context.retried(lambda: http_attempt(context.transport, channel, channel["webhook_url"],
                                                             messages.teams_message(note, change), context.policy))
    return _posted(channel, attempt, attempts, "posted")


def send_webhook(channel, note, change, context):
    headers = dict({"Content-Type": "application/json"}, **channel["headers"])
    attempt, attempts = context.retried(lambda: http_attempt(context.transport, channel, channel["url"],
                                                             messages.webhook_body(note, change), context.policy, headers))
    return _posted(channel, attempt, attempts, "posted")


def pagerduty_action(note):
    return "resolve" if note["resolved"] else "trigger"


def send_pagerduty(channel, note, change, context):
    action = pagerduty_action(note)
    event = messages.pagerduty_event(note, channel["routing_key"], action)
    attempt, attempts = context.retried(lambda: http_attempt(context.transport, channel, channel["events_url"], event, context.policy))
    outcome = _posted(channel, attempt, attempts, "resolved" if action == "resolve" else "triggered")
    outcome["dedup_key"] = messages.dedup_key(note)
    return outcome


def jira_args(channel, timeout, **operation):
    """community.general.jira's arguments: the instance, the credentials (a token with a username is basic auth, as
    Jira Cloud's API tokens are used; a token alone is a personal access token), and the operation."""
    args = {"uri": channel["url"], "validate_certs": channel["validate_certs"], "timeout": float(timeout)}
    if channel.get("username"):
        args.update(username=channel["username"], password=channel.get("password") or channel["token"])
    else:
        args["token"] = channel["token"]
    if channel["cloud"]:
        args["cloud"] = True  # search through /rest/api/2/search/jql (community.general 12.6.0 and later)
    args.update(operation)
    return args


def send_jira(channel, note, change, context):
    """Find the investigation's issue by its label; create it, or comment on it (and label the state)."""
    found_label, state_label = messages.jira_labels(note)
    jql = f'project = "{channel["project"]}" AND labels = "{found_label}" ORDER BY created ASC'
    total = 0

    def call(**operation):
        nonlocal total
        attempt, attempts = context.retried(lambda: module_attempt(context.transport, JIRA, jira_args(channel, context.policy.timeout, **operation), "http"))
        total += attempts
        return attempt

    search = call(operation="search", jql=jql, fields={"labels": {}}, maxresults=5)
    if not search["ok"]:
        return {"ok": False, "attempts": total, "status": search["status"], "message": f"search: {search['message']}"}
    issues = ((search["result"].get("meta") or {}).get("issues")) or []
    issue = issues[0] if issues and isinstance(issues[0], dict) else None
    if issue is None:
        created = call(operation="create", project=channel["project"], issuetype=channel["issue_type"],
                       summary=messages.jira_summary(note), description=messages.jira_description(note),
                       fields={"labels": channel["labels"] + [found_label, state_label]})
        key = (created.get("result") or {}).get("meta", {}).get("key") if created["ok"] else None
        return {"ok": created["ok"], "action": "created" if created["ok"] else None, "attempts": total, "status": created["status"],
                "message": f"created {key}" if created["ok"] else f"create: {created['message']}", "issue_key": key}
    key = str(issue.get("key"))
    labels = (issue.get("fields") or {}).get("labels") or []
    if state_label in labels:
        return {"ok": True, "action": None, "attempts": total, "status": None, "issue_key": key, "told_by_service": True,
                "message": f"{key} already has this state (label {state_label}): another run told it"}
    commented = call(operation="comment", issue=key, comment=messages.jira_comment(note, change))
    if not commented["ok"]:
        return {"ok": False, "attempts": total, "status": commented["status"], "issue_key": key, "message": f"comment on {key}: {commented['message']}"}
    labelled = call(operation="update", issue=key, fields={"labels": [{"add": state_label}]})
    outcome = {"ok": True, "action": "commented", "attempts": total, "status": None, "issue_key": key, "message": f"commented on {key}"}
    if not labelled["ok"]:
        outcome["warning"] = (f"the comment on {key} was added, but its state label {state_label} was not ({labelled['message']}): "
                              "a second runner without this controller's state would comment again")
    return outcome


def send_email(channel, note, change, context):
    """One mail: the HTML notification, the full report attached (HTML and Markdown)."""
    paths = context.transport.put_files(messages.mail_attachments(note, context.investigation))
    args = {"host": channel["host"], "port": channel["port"], "secure": channel["secure"], "sender": channel["sender"],
            "to": channel["to"], "subject": messages.mail_subject(note, change), "body": messages.mail_html(note, change),
            "subtype": "html", "charset": "utf-8", "attach": paths, "timeout": int(context.policy.timeout),
            "headers": [f"X-GuardDuty-Investigation={note['investigation_id']}"]}
    if channel.get("username"):
        args.update(username=channel["username"], password=channel["password"])
    attempt, attempts = context.retried(lambda: module_attempt(context.transport, MAIL, args, "smtp"))
    outcome = {"ok": attempt["ok"], "action": "mailed" if attempt["ok"] else None, "attempts": attempts,
               "status": attempt["status"], "message": attempt["message"]}
    refused = (attempt.get("result") or {}).get("result") if attempt["ok"] else None
    said = attempt.get("warnings") or []
    if refused:
        said.append(f"the mail server refused some recipients: {', '.join(sorted(map(str, refused)))}")
    if said:
        outcome["warning"] = "; ".join(said)
    return outcome


HANDLERS = {"jira": send_jira, "slack": send_slack, "teams": send_teams, "pagerduty": send_pagerduty, "email": send_email,
            "webhook": send_webhook}


class Context:  # pylint: disable=too-few-public-methods
    def __init__(self, transport, policy, investigation):
        self.transport, self.policy, self.investigation = transport, policy, investigation

    def retried(self, call):
        return with_retries(call, self.policy, self.transport.sleep)


# ---------------------------------------------------------------- the decision, per channel


def _passes(channel, note):
    """Whether the investigation reaches the channel's min_risk (without a risk level: only min_risk Info)."""
    rank = note["risk_rank"] if note["risk_rank"] is not None else 0
    return rank >= RISK_LEVELS.index(channel["min_risk"])


def _planned_action(channel, note, previous_issue):
    return {"jira": "comment" if previous_issue else "create", "pagerduty": pagerduty_action(note), "email": "mail"}.get(channel["type"], "post")


def tell(channel, note, state, context, check_mode, now):
    """The outcome of one channel (see the module docstring)."""
    result = {"name": channel["name"], "type": channel["type"], "channel": public(channel), "outcome": None, "action": None}
    if not _passes(channel, note):
        level = note["risk_level"] or f"none ({note['status']})"
        return dict(result, outcome="skipped", reason=f"risk level {level} is below the channel's min_risk {channel['min_risk']}")
    told = state.told(channel["key"])
    same_place = bool(told) and told.get("destination") == channel["destination"]
    if same_place and told.get("fingerprint") == note["fingerprint"]:
        return dict(result, outcome="unchanged", reason=f"this state was sent on {told.get('sent_at')}", issue_key=told.get("issue_key"))
    change = {"kind": "update" if same_place else "new", "changes": changes(told.get("state"), note["state"]) if same_place else []}
    result.update(change=change["kind"], changes=change["changes"])
    if check_mode:
        return dict(result, outcome="would_send", action=_planned_action(channel, note, same_place and told.get("issue_key")),
                    reason="check mode: nothing was sent")
    sent = HANDLERS[channel["type"]](channel, note, change, context)
    result.update(attempts=sent.get("attempts"), status=sent.get("status"))
    for key in ("issue_key", "dedup_key", "warning"):
        if sent.get(key):
            result[key] = sent[key]
    if not sent["ok"]:
        return dict(result, outcome="failed", reason=sent["message"])
    entry = {"state": note["state"], "fingerprint": note["fingerprint"], "destination": channel["destination"],
             "sent_at": now(), "action": sent.get("action") or "none"}
    if sent.get("issue_key"):
        entry["issue_key"] = sent["issue_key"]
    state.record(channel["key"], entry)
    if sent.get("told_by_service"):
        return dict(result, outcome="unchanged", reason=sent["message"])
    return dict(result, outcome="sent", action=sent["action"], reason=sent["message"], sent_at=entry["sent_at"])


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def notify(investigation, channels, transport, state_dir, containment=None, disposition=None, report=None, check_mode=False,
           policy=None, environ=None, on_error="fail", now=_now):
    """Tell every channel the investigation's state once; the role's result (never holding a secret)."""
    secrets, warnings = given_secrets(channels), []
    try:
        checked, warnings = channels_from(channels, environ or {})
        secrets = sorted(set(secrets) | set(secrets_of(checked)), key=len, reverse=True)
        note = notification(investigation, containment, disposition, report)
        context = Context(transport, policy or Policy(), investigation)
        outcomes = []
        with StateFile(state_dir, note["investigation_id"], read_only=check_mode) as state:
            for channel in checked:
                try:
                    outcomes.append(tell(channel, note, state, context, check_mode, now))
                except NotifyError:
                    raise
                except Exception as e:  # pylint: disable=broad-exception-caught  # one channel's fault never stops the others
                    outcomes.append({"name": channel["name"], "type": channel["type"], "channel": public(channel), "outcome": "failed",
                                     "action": None, "reason": f"{e.__class__.__name__}: {e}"})
        result = summary(note, outcomes, warnings, state_path(state.directory, note["investigation_id"]), on_error)
    except NotifyError as e:
        result = {"failed": True, "changed": False, "msg": str(e), "warnings": warnings}
    return redact(result, secrets)


def given_secrets(channels):
    """The secret options' values as the playbook gave them (before they are checked), for ``redact``."""
    found = []
    for given in channels if isinstance(channels, list) else []:
        for option in ("token", "password", "routing_key", "webhook_url", "url", "headers") if isinstance(given, dict) else ():
            value = given.get(option)
            found += [v for v in (value.values() if isinstance(value, dict) else [value]) if isinstance(v, str) and len(v) >= 4]
    return found


def summary(note, outcomes, warnings, path, on_error):
    """The role's result: each channel's outcome, counts, and the failure (or warning) naming the failed channels."""
    failed = [o for o in outcomes if o["outcome"] == "failed"]
    warnings = warnings + [f"{label(o)}: {o['warning']}" for o in outcomes if o.get("warning")]
    result = {
        "changed": any(o["outcome"] in ("sent", "would_send") for o in outcomes),
        "investigation_id": note["investigation_id"],
        "state": note["state"],
        "fingerprint": note["fingerprint"],
        "resolved": note["resolved"],
        "state_file": path,
        "channels": outcomes,
        "counts": {kind: sum(1 for o in outcomes if o["outcome"] == kind) for kind in ("sent", "unchanged", "skipped", "would_send", "failed")},
        "failed_channels": [f"{o['type']}:{o['name']}" for o in failed],
        "warnings": warnings,
    }
    if failed:
        said = "; ".join(f"{label(o)}: {o['reason']}" for o in failed)
        message = (f"{len(failed)} of {len(outcomes)} notification channel(s) failed for investigation {note['investigation_id']}: "
                   f"{said}. The other channels were told; a run again sends only what was not sent")
        if on_error == "warn":
            result["warnings"].append(message)
        else:
            result.update(failed=True, msg=message)
    return result
