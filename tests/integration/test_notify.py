# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The notify role in real ansible-playbook runs: the investigation from the GuardDuty emulator, the channels local
stand-ins (notify_stubs.py: a Jira REST stub, one webhook receiver for Slack, Teams, PagerDuty and a generic webhook,
aiosmtpd), reached through ansible.builtin.uri, community.general.jira and community.general.mail.

Proves: each channel is told once, a rerun tells nobody, a change is one update (a Jira comment, a PagerDuty
resolve); every input form; every escaping vector in every channel; one channel down while the others are told, with
retries (429 with Retry-After, 5xx); Jira's own marker stops a second runner; check mode; wrong input; no secret at
-vvv anywhere.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys

import pytest

from gdemu import scenarios as sc
from gdplay import HEADER
from gdplay import LOOKUP_CONN
from notify_stubs import JiraStub
from notify_stubs import SmtpServer
from notify_stubs import WebhookReceiver

COLLECTIONS_ROOT = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)[0]
if COLLECTIONS_ROOT and COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)

from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.notify import notify_samples  # noqa: E402  pylint: disable=wrong-import-position

HOSTILE_TITLE, strings = notify_samples.HOSTILE_TITLE, notify_samples.strings

INV = sc.COMPLETED_INV_ID
HOSTILE_INV = "7e1d2c3b-4a59-4687-9a1b-2c3d4e5f6a7b"
HOSTILE_FINDING = "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"
JIRA_USER = "gd-bot@example.com"
JIRA_TOKEN = "jira-api-token-never-in-data-0001"
ROUTING_KEY = "pagerduty-routing-key-never-in-data-0001"
SMTP_USER, SMTP_PASSWORD = "gd-mailer", "smtp-password-never-in-data-0001"
HOOK_TOKEN = "Bearer webhook-header-never-in-data-0001"
TASK = "Tell each channel the investigation's state once (secrets are never shown)"
# the SMTP stand-in asks for a login without TLS on purpose (it has no certificate); aiosmtpd warns on each connection
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class Stands:
    def __init__(self, hooks, jira, smtp):
        self.hooks, self.jira, self.smtp = hooks, jira, smtp

    def channels(self, *kinds, **overrides):
        """The channels of ``kinds`` (default: all six), with ``overrides`` (kind -> options) on top."""
        everything = {
            "jira": {"type": "jira", "url": self.jira.url, "project": "SEC", "username": JIRA_USER, "token": JIRA_TOKEN,
                     "labels": ["security-incident"]},
            "slack": {"type": "slack", "name": "soc", "webhook_url": self.hooks.slack()},
            "teams": {"type": "teams", "webhook_url": self.hooks.teams()},
            "pagerduty": {"type": "pagerduty", "routing_key": ROUTING_KEY, "events_url": self.hooks.pagerduty()},
            "email": {"type": "email", "host": "127.0.0.1", "port": self.smtp.port, "secure": "never", "username": SMTP_USER,
                      "password": SMTP_PASSWORD, "sender": "GuardDuty <guardduty@example.com>", "to": ["soc@example.com"]},
            "webhook": {"type": "webhook", "url": self.hooks.webhook(), "headers": {"Authorization": HOOK_TOKEN}},
        }
        return [dict(channel, **overrides.get(kind, {})) for kind, channel in everything.items() if not kinds or kind in kinds]

    def secrets(self):
        return [JIRA_TOKEN, ROUTING_KEY, SMTP_PASSWORD, HOOK_TOKEN, self.hooks.slack(), self.hooks.teams(), self.hooks.webhook(),
                self.hooks.slack()[len(self.hooks.url):], self.hooks.teams()[len(self.hooks.url):]]

    def received(self):
        """How many messages each service has received."""
        return {"jira_issues": len(self.jira.issues), "jira_comments": sum(len(i["comments"]) for i in self.jira.issues.values()),
                "slack": len(self.hooks.received("/slack/")), "teams": len(self.hooks.received("/teams/")),
                "pagerduty": len(self.hooks.received("/pagerduty/")), "email": len(self.smtp.messages), "webhook": len(self.hooks.received("/hooks/"))}


@pytest.fixture
def stands():
    with WebhookReceiver() as hooks, JiraStub(username=JIRA_USER, token=JIRA_TOKEN) as jira, \
            SmtpServer(username=SMTP_USER, password=SMTP_PASSWORD) as smtp:
        yield Stands(hooks, jira, smtp)


def notify_play(*includes, pre_tasks=()):
    """A play (the emulator's connection in module_defaults) that runs the notify role once per ``includes`` entry
    (role variables), keeping each result."""
    tasks = list(pre_tasks)
    for index, role_vars in enumerate(includes):
        tasks.append({"name": f"Notify {index}", "ansible.builtin.include_role": {"name": "secops.guardduty.notify"},
                      "vars": dict({"notify_state_dir": "{{ state_dir }}", "notify_retry_delay": 0.2}, **role_vars)})
    return HEADER + "".join("    - " + json.dumps(task) + "\n" for task in tasks)


def outcome(result, index=-1):
    told = [t for t in result.tasks if t["task"].endswith(TASK)]
    assert told, result
    return told[index]["result"]


def by_channel(told):
    return {f"{c['type']}:{c['name']}": c["outcome"] for c in told["channels"]}


def test_every_channel_is_told_once_then_nothing_then_one_update(play, stands, tmp_path):
    state_dir = tmp_path / "notify-state"
    extra = {"state_dir": str(state_dir)}
    result = play(notify_play({"notify_investigation_id": INV, "notify_channels": stands.channels(),
                               "notify_report": ["/srv/reports/x.md"]}), extra_vars=extra)
    assert result.rc == 0, result
    told = outcome(result)
    assert by_channel(told) == {"jira:jira": "sent", "slack:soc": "sent", "teams:teams": "sent", "pagerduty:pagerduty": "sent",
                                "email:email": "sent", "webhook:webhook": "sent"}
    assert stands.received() == {"jira_issues": 1, "jira_comments": 0, "slack": 1, "teams": 1, "pagerduty": 1, "email": 1, "webhook": 1}

    # Jira: one issue, found again by its labels, the text in wiki markup
    (key, issue), = stands.jira.issues.items()
    assert told["channels"][0]["issue_key"] == key == "SEC-1"
    assert issue["fields"]["labels"] == ["security-incident", f"guardduty-{INV}", f"guardduty-state-{told['fingerprint']}"]
    assert issue["fields"]["issuetype"] == {"name": "Task"} and issue["fields"]["summary"].startswith("GuardDuty High risk: ")
    assert "* *Risk level:* High" in issue["fields"]["description"]
    # Slack, Teams, PagerDuty, the webhook: their formats
    slack = stands.hooks.received("/slack/")[0]["json"]
    assert slack["blocks"][0]["text"]["text"] == "GuardDuty: High risk, High confidence" and slack["unfurl_links"] is False
    teams = stands.hooks.received("/teams/")[0]["json"]
    assert teams["attachments"][0]["content"]["type"] == "AdaptiveCard"
    trigger = stands.hooks.received("/pagerduty/")[0]["json"]
    assert (trigger["event_action"], trigger["dedup_key"], trigger["payload"]["severity"]) == ("trigger", f"guardduty-{INV}", "error")
    hook = stands.hooks.received("/hooks/")[0]
    assert hook["headers"]["authorization"] == HOOK_TOKEN and hook["json"]["schema_version"] == 1
    assert hook["json"]["investigation_id"] == INV and hook["json"]["notification"]["report"] == ["/srv/reports/x.md"]
    # mail: HTML, the report attached as HTML and Markdown, through a login
    mail = stands.smtp.messages[0]
    assert mail["recipients"] == ["soc@example.com"] and stands.smtp.logins == [SMTP_USER]
    parts = SmtpServer.parts(mail["message"])
    assert sorted(parts) == sorted(["text/html", f"guardduty-{INV}.html", f"guardduty-{INV}.md"])
    assert "GuardDuty: High risk, High confidence" in parts["text/html"] and parts[f"guardduty-{INV}.md"].startswith(b"# GuardDuty investigation")
    assert mail["message"]["Subject"].startswith("[GuardDuty] High risk, High confidence: ")
    # the state, kept privately
    path = state_dir / f"{INV}.json"
    assert stat.S_IMODE(os.stat(state_dir).st_mode) == 0o700 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(json.loads(path.read_text())["channels"]) == sorted(by_channel(told))

    # a rerun (an EDA redelivery, a retried job): nothing new anywhere, not even a Jira search
    requests = len(stands.jira.requests)
    again = play(notify_play({"notify_investigation_id": INV, "notify_channels": stands.channels()}), extra_vars=extra)
    assert again.rc == 0, again
    assert set(by_channel(outcome(again)).values()) == {"unchanged"} and outcome(again)["changed"] is False
    assert stands.received()["slack"] == 1 and len(stands.jira.requests) == requests and len(stands.smtp.messages) == 1

    # a change (the containment is done, the disposition - hand-made, the contract - too): one update per channel,
    # saying what changed
    later = play(notify_play({"notify_investigation_id": INV, "notify_channels": stands.channels(),
                              "notify_containment": {"status": "contained", "resolved": True},
                              "notify_disposition": {"status": "findings kept active", "verdict": "true positive"}}), extra_vars=extra)
    assert later.rc == 0, later
    assert set(by_channel(outcome(later)).values()) == {"sent"}
    assert stands.received() == {"jira_issues": 1, "jira_comments": 1, "slack": 2, "teams": 2, "pagerduty": 2, "email": 2, "webhook": 2}
    assert stands.jira.issues["SEC-1"]["comments"][0].startswith(
        "h4. Update: Containment none \u2192 contained; Disposition none \u2192 findings kept active")
    assert "* *Disposition:* findings kept active; true positive" in stands.jira.issues["SEC-1"]["comments"][0]
    assert f"guardduty-state-{outcome(later)['fingerprint']}" in stands.jira.issues["SEC-1"]["fields"]["labels"]
    resolve = stands.hooks.received("/pagerduty/")[1]["json"]
    assert resolve == {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": f"guardduty-{INV}"}
    assert "Update: Containment none" in json.dumps(stands.hooks.received("/slack/")[1]["json"], ensure_ascii=False)
    assert stands.hooks.received("/hooks/")[1]["json"]["notification"]["changes"] == [
        {"field": "containment", "label": "Containment", "before": None, "after": "contained"},
        {"field": "disposition", "label": "Disposition", "before": None, "after": "findings kept active"}]
    assert stands.smtp.messages[1]["message"]["Subject"].startswith("[GuardDuty] Update: High risk")


def test_every_input_form(play, stands, tmp_path):
    """The investigation, the info module's registered result, a lookup's element, and the id."""
    info = {"name": "Get the investigation", "secops.guardduty.guardduty_investigation_info": {"investigation_id": INV, "summary_format": "structured"},
            "register": "info"}
    lookup = f"{{{{ query('secops.guardduty.guardduty_investigation', '{INV}', {LOOKUP_CONN}, summary_format='structured') | first }}}}"
    forms = {"investigation": "{{ info.investigation }}", "registered": "{{ info }}", "lookup": lookup}
    includes = [{"notify_investigation": value, "notify_channels": [{"type": "webhook", "name": name, "url": stands.hooks.webhook(name)}]}
                for name, value in forms.items()]
    includes.append({"notify_investigation_id": INV, "notify_channels": [{"type": "webhook", "name": "by-id", "url": stands.hooks.webhook("by-id")}]})
    result = play(notify_play(*includes, pre_tasks=[info]), extra_vars={"state_dir": str(tmp_path / "state")})
    assert result.rc == 0, result
    bodies = {r["path"].split("/")[2]: r["json"] for r in stands.hooks.received("/hooks/")}
    assert sorted(bodies) == ["by-id", "investigation", "lookup", "registered"]
    assert {b["investigation_id"] for b in bodies.values()} == {INV}
    assert len({json.dumps(dict(b, notification=None), sort_keys=True) for b in bodies.values()}) == 1, "every form tells the same"


def hostile_scenario():
    """basic() and a Critical investigation whose title, risk and countermeasures carry every escaping vector."""
    scenario = sc.basic()
    result = sc.finding_result(HOSTILE_FINDING, sc.ACCOUNT_ID, sc.REGION, "Critical", "High")
    result["Risk"] = HOSTILE_TITLE
    result["SummaryData"]["KeyObservations"]["Title"] = HOSTILE_TITLE
    for group in result["SummaryData"]["Countermeasures"]:
        for action in group["Actions"]:
            action["Title"] = HOSTILE_TITLE
    investigation = dict({"InvestigationId": HOSTILE_INV, "Status": "COMPLETED", "TriggerPrompt": f"Investigate finding {HOSTILE_FINDING}"}, **result)
    scenario["investigations"].append({"detector_id": sc.DETECTOR_ID, "investigation": investigation, "records": [],
                                       "start_offset": -600, "duration": 300})
    return scenario


def test_escaping_vectors_reach_no_channel_as_markup(play, stands, guardduty_emulator, tmp_path):
    guardduty_emulator.load(hostile_scenario())
    marker = tmp_path / "pwned"
    result = play(notify_play({"notify_investigation_id": HOSTILE_INV, "notify_channels": stands.channels()}),
                  extra_vars={"state_dir": str(tmp_path / "state")})
    assert result.rc == 0, result
    assert not marker.exists() and not os.path.exists("/tmp/secops-guardduty-report-unit-pwned")
    console = f"https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId={HOSTILE_FINDING}"

    # Slack: no <!channel>, <!here>, <@U...>, <url|text>; no URL, host or address a client would link; no :emoji: images
    slack = stands.hooks.received("/slack/")[0]["json"]
    link = f"<{console.replace('&', '&amp;')}|Open in the GuardDuty console>"
    texts = [t for t in strings(slack["blocks"]) if t != link]
    assert not any(re.search(r"[<>]", t) for t in texts) and not any("://" in t for t in texts)
    assert any("&lt;!channel&gt; wake up &lt;!here&gt;" in t for t in texts) and any("evil[.]example[.]com" in t for t in texts)
    assert all(o.get("emoji") is False for o in strings_objects(slack["blocks"]) if o.get("type") == "plain_text")

    # Teams: card markdown that renders literally; the one link is the console's
    card = stands.hooks.received("/teams/")[0]["json"]["attachments"][0]["content"]
    assert not any(re.search(r"(?<!\\)[\[\]<>`*|]", t) for t in strings(card["body"])) and not any("://" in t for t in strings(card["body"]))
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in the GuardDuty console", "url": console}]

    # Jira: wiki markup with every markup character escaped; the one link is the console's
    issue = stands.jira.issues["SEC-1"]["fields"]
    body = issue["description"].replace(f"[Open in the GuardDuty console|{console}]", "")
    assert not re.search(r"(?<!\\)\{html|(?<!\\)\[~|(?<!\\)\[Reset|(?<!\\)!https|(?<!\\)\(y\\?\)", body) and "://" not in body
    assert "\\{html\\}" in body and "\\[\\~admin\\]" in body
    assert "\n" not in issue["summary"] and len(issue["summary"]) <= 255

    # PagerDuty and mail
    event = stands.hooks.received("/pagerduty/")[0]["json"]
    assert not any("://" in t for t in strings(event["payload"])) and event["payload"]["severity"] == "critical"
    html = SmtpServer.parts(stands.smtp.messages[0]["message"])["text/html"]
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html and "&lt;!channel&gt;" in html
    assert re.findall(r'href="([^"]+)"', html) == [console.replace("&", "&amp;")]
    # the webhook is data: the report data as the report cleans it (a JSON consumer escapes for its own output)
    hook = stands.hooks.received("/hooks/")[0]["json"]
    assert hook["key_observations"]["title"].startswith("<!channel> wake up") and "\u202e" not in json.dumps(hook, ensure_ascii=False)


def strings_objects(value):
    """Every dict inside a JSON value."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from strings_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_objects(item)


def test_one_channel_down_while_the_others_are_told_then_retried(play, stands, tmp_path):
    stands.hooks.down("/teams/")  # 503 for good: retried, then failed
    with WebhookReceiver() as gone:  # stopped at once: nothing listens at the Slack channel's port any more
        slack_url = gone.slack()
    extra = {"state_dir": str(tmp_path / "state")}
    channels = stands.channels(slack={"webhook_url": slack_url})
    result = play(notify_play({"notify_investigation_id": INV, "notify_channels": channels, "notify_retries": 2}), extra_vars=extra)
    assert result.rc != 0
    told = outcome(result)
    assert by_channel(told) == {"jira:jira": "sent", "slack:soc": "failed", "teams:teams": "failed", "pagerduty:pagerduty": "sent",
                                "email:email": "sent", "webhook:webhook": "sent"}
    teams = [c for c in told["channels"] if c["type"] == "teams"][0]
    assert (teams["attempts"], teams["status"], teams["reason"]) == (3, 503, "HTTP 503: service unavailable")
    assert len(stands.hooks.received("/teams/")) == 3
    slack = [c for c in told["channels"] if c["type"] == "slack"][0]
    assert slack["attempts"] == 1 and slack["reason"].startswith("unreachable: ") and "refused" in slack["reason"].lower()
    failed = [t for t in result.tasks if t["status"] == "failed"]
    assert failed[0]["task"].endswith(TASK)
    assert failed[0]["result"]["msg"].startswith(f"2 of 6 notification channel(s) failed for investigation {INV}: slack 'soc': unreachable")
    assert "teams 'teams': HTTP 503: service unavailable" in failed[0]["result"]["msg"]
    stats = [t for t in result.tasks if t["task"].endswith("Publish each channel's outcome for AWX workflows")]
    assert stats and stats[0]["status"] == "ok", "the outcome is published even when the role fails"

    # the services are back: a run tells only the two that were not told; with notify_on_error=warn nothing fails
    stands.hooks.failures.clear()
    channels = stands.channels()
    again = play(notify_play({"notify_investigation_id": INV, "notify_channels": channels, "notify_on_error": "warn"}), extra_vars=extra)
    assert again.rc == 0, again
    assert by_channel(outcome(again)) == {"jira:jira": "unchanged", "slack:soc": "sent", "teams:teams": "sent", "pagerduty:pagerduty": "unchanged",
                                          "email:email": "unchanged", "webhook:webhook": "unchanged"}
    assert stands.received()["jira_issues"] == 1 and stands.received()["email"] == 1


def test_429_retry_after_is_honoured_and_a_warning_does_not_fail(play, stands, tmp_path):
    stands.hooks.fail_next(1, 429, {"Retry-After": "2"}, "rate_limited", prefix="/slack/")
    stands.hooks.fail_next(None, 400, {}, {"status": "invalid event"}, prefix="/pagerduty/")
    # plain http:// to a host that is not this machine: a warning (and a name that does not resolve: unreachable)
    plain = {"type": "webhook", "name": "plain", "url": "http://notify-test.invalid/hook/webhook-secret-never-in-data-0002"}
    result = play(notify_play({"notify_investigation_id": INV, "notify_channels": stands.channels("slack", "pagerduty") + [plain],
                               "notify_on_error": "warn", "notify_retries": 1}), extra_vars={"state_dir": str(tmp_path / "state")})
    assert result.rc == 0, result
    told = outcome(result)
    assert by_channel(told) == {"slack:soc": "sent", "pagerduty:pagerduty": "failed", "webhook:plain": "failed"}
    output = result.stdout + result.stderr
    assert ("[WARNING]: Channel webhook 'plain' (notify_channels[2]): url is plain http:// to notify-test.invalid, not a loopback "
            "address: the message and the secret in the URL travel unencrypted; use https://") in " ".join(output.split())
    assert "webhook-secret-never-in-data-0002" not in output + json.dumps(result.tasks)
    first, second = stands.hooks.received("/slack/")
    assert second["time"] - first["time"] >= 2.0, "the second attempt waited what Retry-After asked"
    assert told["channels"][0]["attempts"] == 2 and told["channels"][1]["attempts"] == 1  # a 400 is not retried
    assert "[WARNING]: 2 of 3 notification channel(s) failed" in output


def test_jira_a_second_runner_and_wrong_credentials(play, stands, tmp_path):
    channels = stands.channels("jira")
    first = play(notify_play({"notify_investigation_id": INV, "notify_channels": channels}), extra_vars={"state_dir": str(tmp_path / "one")})
    assert first.rc == 0, first
    # a second runner (another controller, its own empty state): the issue's labels say this state was told
    second = play(notify_play({"notify_investigation_id": INV, "notify_channels": channels}), extra_vars={"state_dir": str(tmp_path / "two")})
    assert second.rc == 0, second
    assert by_channel(outcome(second)) == {"jira:jira": "unchanged"} and "another run told it" in outcome(second)["channels"][0]["reason"]
    assert len(stands.jira.issues) == 1 and stands.jira.issues["SEC-1"]["comments"] == []
    # wrong credentials: Jira's own message, nothing created
    wrong = play(notify_play({"notify_investigation_id": INV, "notify_channels": stands.channels("jira", jira={"token": "wrong-token-0001"})}),
                 extra_vars={"state_dir": str(tmp_path / "three")})
    assert wrong.rc != 0
    assert "You are not authenticated" in outcome(wrong)["channels"][0]["reason"] and len(stands.jira.issues) == 1


def test_check_mode_sends_nothing(play, stands, tmp_path):
    result = play(notify_play({"notify_investigation_id": INV, "notify_channels": stands.channels()}), check=True,
                  extra_vars={"state_dir": str(tmp_path / "state")})
    assert result.rc == 0, result
    assert set(by_channel(outcome(result)).values()) == {"would_send"}
    assert set(stands.received().values()) == {0} and not (tmp_path / "state").exists()


@pytest.mark.parametrize(
    "role_vars, message",
    [
        ({"notify_investigation_id": INV, "notify_channels": []}, "notify_channels is empty"),
        ({"notify_investigation_id": INV, "notify_investigation": {"investigation_id": INV}, "notify_channels": [{"type": "slack"}]},
         "Give exactly one of notify_investigation"),
        ({"notify_investigation_id": INV, "notify_channels": [{"type": "sms"}]}, "value of type must be one of: jira, slack"),
        ({"notify_investigation_id": INV, "notify_channels": [{"type": "slack"}]}, "needs webhook_url (or GUARDDUTY_NOTIFY_SLACK_WEBHOOK_URL"),
        ({"notify_investigation": {"changed": False}, "notify_channels": [{"type": "slack", "webhook_url": "https://x.example/1"}]},
         "notify_investigation: Expected an investigation"),
    ],
)
def test_wrong_input_gets_one_clear_message(play, tmp_path, role_vars, message):
    result = play(notify_play(role_vars), extra_vars={"state_dir": str(tmp_path / "state")})
    assert result.rc != 0
    failed = [t["result"].get("msg", "") for t in result.tasks if t["status"] == "failed"]
    assert any(message in str(m) for m in failed), failed
    assert "Traceback" not in result.stdout + result.stderr


def test_no_secret_at_vvv(play, stands, tmp_path):
    """Secrets given in the channels and from the environment, a failing channel, check mode: at -vvv without
    pipelining, nothing shows a secret - not the output, not a task result, not a file the run writes."""
    stands.hooks.down("/teams/")
    state_dir = tmp_path / "state"
    inline = stands.channels("jira", "pagerduty", "email", "teams")
    from_env = [{"type": "slack", "name": "soc"}, {"type": "webhook", "name": "hook", "url": stands.hooks.webhook()}]
    env = {"GUARDDUTY_NOTIFY_SLACK_SOC_WEBHOOK_URL": stands.hooks.slack(), "GUARDDUTY_NOTIFY_WEBHOOK_HOOK_HEADERS": json.dumps({"Authorization": HOOK_TOKEN}),
           "ANSIBLE_PIPELINING": "0", "ANSIBLE_KEEP_REMOTE_FILES": "0"}
    play_text = notify_play({"notify_investigation_id": INV, "notify_channels": inline + from_env, "notify_on_error": "warn", "notify_retries": 1})
    runs = [play(play_text, extra_vars={"state_dir": str(state_dir)}, args=("-vvv",), env=env),
            play(play_text, extra_vars={"state_dir": str(state_dir)}, args=("-vvv",), env=env, check=True),
            play(play_text.replace('"notify_on_error": "warn"', '"notify_on_error": "fail"'), extra_vars={"state_dir": str(state_dir)},
                 args=("-vvv",), env=env)]
    assert runs[0].rc == 0 and runs[1].rc == 0 and runs[2].rc != 0, runs
    assert stands.received()["slack"] == 1 and stands.received()["webhook"] == 1  # the secrets from the environment worked
    secrets = stands.secrets()
    for run in runs:
        shown = run.stdout + run.stderr + json.dumps(run.tasks)
        leaked = [s for s in secrets if s in shown]
        assert not leaked, f"{leaked} shown at -vvv"
    # what the run wrote (the playbooks are the test's own input, secrets written in on purpose)
    written = [os.path.join(folder, name) for folder, _dirs, files in os.walk(tmp_path) for name in files if not name.startswith("playbook")]
    assert any(path.endswith(f"{INV}.json") for path in written)
    for path in written:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        assert not [s for s in secrets if s in text], path
