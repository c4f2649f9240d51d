# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Telling the channels once: decisions, retries (Retry-After), failures per channel, Jira's marker, secrets kept out."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.deliver import Policy
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.deliver import notify
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.deliver import retry_after
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.notify import notify_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.notify.notify_samples import FakeTransport

URI, JIRA, MAIL = "ansible.builtin.uri", "community.general.jira", "community.general.mail"
POLICY = Policy(retries=3, delay=1.0, max_delay=30.0, rand=lambda: 1.0)  # no jitter: backoff 1, 2, 4


def run(tmp_path, transport=None, channels=None, investigation=None, **kwargs):
    transport = transport or FakeTransport()
    kwargs.setdefault("policy", POLICY)
    result = notify(investigation or s.investigation(), channels if channels is not None else s.channels(), transport,
                    str(tmp_path / "state"), **kwargs)
    return result, transport


def outcomes(result):
    return {f"{o['type']}:{o['name']}": o["outcome"] for o in result["channels"]}


def test_first_run_tells_every_channel_then_a_rerun_tells_none(tmp_path):
    first, transport = run(tmp_path)
    assert first["changed"] is True and "failed" not in first
    assert outcomes(first) == {"jira:jira": "sent", "slack:soc": "sent", "teams:teams": "sent", "pagerduty:pagerduty": "sent",
                               "email:email": "sent", "webhook:webhook": "sent"}
    assert [o["action"] for o in first["channels"]] == ["created", "posted", "posted", "triggered", "mailed", "posted"]
    assert first["counts"] == {"sent": 6, "unchanged": 0, "skipped": 0, "would_send": 0, "failed": 0}
    assert [name for name, _args in transport.calls] == [JIRA, JIRA, URI, URI, URI, MAIL, URI]
    kept = json.loads((tmp_path / "state" / "a1b2c3d4-5678-90ab-cdef-ef1234567890.json").read_text())
    assert sorted(kept["channels"]) == sorted(outcomes(first)) and kept["channels"]["jira:jira"]["issue_key"] == "SEC-1"

    again, transport = run(tmp_path)
    assert again["changed"] is False and set(outcomes(again).values()) == {"unchanged"} and transport.calls == []
    assert again["channels"][0]["reason"].startswith("this state was sent on ")


def test_a_change_sends_one_update_saying_what_changed(tmp_path):
    run(tmp_path)
    found = {"meta": {"issues": [{"key": "SEC-1", "fields": {"labels": ["guardduty-a1b2c3d4-5678-90ab-cdef-ef1234567890"]}}]}}
    transport = FakeTransport(lambda name, args: found if name == JIRA and args["operation"] == "search" else FakeTransport.ok(name, args))
    later, transport = run(tmp_path, transport, containment={"status": "contained", "resolved": True})
    assert set(outcomes(later).values()) == {"sent"}
    assert all(o["change"] == "update" and o["changes"] == [{"field": "containment", "label": "Containment", "before": None, "after": "contained"}]
               for o in later["channels"])
    jira = [args for name, args in transport.calls if name == JIRA]
    assert [a["operation"] for a in jira] == ["search", "comment", "update"]
    assert jira[1]["issue"] == "SEC-1" and jira[1]["comment"].startswith("h4. Update: Containment none \u2192 contained")
    assert jira[2]["fields"] == {"labels": [{"add": f"guardduty-state-{later['fingerprint']}"}]}
    (event,) = transport.bodies("events.pagerduty.com")
    assert event["event_action"] == "resolve" and later["channels"][3]["action"] == "resolved"
    assert run(tmp_path, containment={"status": "contained", "resolved": True})[0]["changed"] is False


def test_jira_told_by_another_runner_is_not_told_twice(tmp_path):
    """A second runner without this controller's state finds the issue by its label, and the state by its state label."""
    fingerprint = run(tmp_path / "first")[0]["fingerprint"]
    labels = ["guardduty-a1b2c3d4-5678-90ab-cdef-ef1234567890", f"guardduty-state-{fingerprint}"]
    found = {"meta": {"issues": [{"key": "SEC-7", "fields": {"labels": labels}}]}}
    transport = FakeTransport(lambda name, args: found if name == JIRA else FakeTransport.ok(name, args))
    result, transport = run(tmp_path / "second", transport, channels=s.channels()[:1])
    assert result["channels"][0]["outcome"] == "unchanged" and result["channels"][0]["issue_key"] == "SEC-7"
    assert "another run told it" in result["channels"][0]["reason"] and [a["operation"] for _n, a in transport.calls] == ["search"]
    assert run(tmp_path / "second", channels=s.channels()[:1])[1].calls == []  # kept locally too


@pytest.mark.parametrize(
    "risk, expected",
    [("Critical", {"low": "sent", "critical": "sent", "pagerduty:pagerduty": "sent"}),
     ("Medium", {"low": "sent", "critical": "skipped", "pagerduty:pagerduty": "skipped"}),
     (None, {"low": "skipped", "critical": "skipped", "pagerduty:pagerduty": "skipped"})],
)
def test_min_risk(tmp_path, risk, expected):
    channels = [{"type": "slack", "name": "low", "webhook_url": s.SLACK_URL, "min_risk": "low"},
                {"type": "slack", "name": "critical", "webhook_url": s.SLACK_URL + "2", "min_risk": "Critical"},
                {"type": "pagerduty", "routing_key": s.ROUTING_KEY}]
    inv = dict(s.investigation(), risk_level=risk, status="COMPLETED" if risk else "RUNNING")
    result, _transport = run(tmp_path, channels=channels, investigation=inv)
    got = {o["name"] if o["type"] == "slack" else f"{o['type']}:{o['name']}": o["outcome"] for o in result["channels"]}
    assert got == expected
    skipped = [o["reason"] for o in result["channels"] if o["outcome"] == "skipped"]
    assert all("is below the channel's min_risk" in reason for reason in skipped)


def test_an_investigation_without_risk_level_reaches_min_risk_info_only(tmp_path):
    inv = dict(s.investigation(), risk_level=None, status="RUNNING")
    result, _transport = run(tmp_path, channels=[{"type": "slack", "webhook_url": s.SLACK_URL}], investigation=inv)
    assert result["channels"][0]["outcome"] == "sent"


def http(status, content="", **headers):
    return dict({"status": status, "content": content}, **headers)


def scripted(*answers):
    pending = list(answers)
    return FakeTransport(lambda name, args: pending.pop(0) if pending else FakeTransport.ok(name, args))


def test_429_is_retried_after_what_retry_after_says(tmp_path):
    transport = scripted(http(429, "rate limited", retry_after="7"), http(200, "ok"))
    result, transport = run(tmp_path, transport, channels=[{"type": "slack", "webhook_url": s.SLACK_URL}])
    assert result["channels"][0]["outcome"] == "sent" and result["channels"][0]["attempts"] == 2
    assert transport.slept == [7.0]


def test_5xx_is_retried_with_exponential_backoff_until_the_retries_are_spent(tmp_path):
    transport = scripted(*[http(503, "unavailable")] * 4)
    result, transport = run(tmp_path, transport, channels=[{"type": "teams", "webhook_url": s.TEAMS_URL}], on_error="warn")
    (outcome,) = result["channels"]
    assert (outcome["outcome"], outcome["attempts"], outcome["status"]) == ("failed", 4, 503)
    assert transport.slept == [1.0, 2.0, 4.0]
    assert result["warnings"] == ["1 of 1 notification channel(s) failed for investigation a1b2c3d4-5678-90ab-cdef-ef1234567890: teams 'teams': "
                                  "HTTP 503: unavailable. The other channels were told; a run again sends only what was not sent"]
    assert "failed" not in result


def test_a_retry_after_beyond_the_longest_wait_ends_the_retries(tmp_path):
    transport = scripted(http(429, "", retry_after="3600"))
    result, transport = run(tmp_path, transport, channels=[{"type": "slack", "webhook_url": s.SLACK_URL}], on_error="warn")
    assert result["channels"][0]["attempts"] == 1 and transport.slept == []
    assert "asked to retry after 3600 s, more than notify_retry_max_delay (30 s): not retried" in result["channels"][0]["reason"]


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_a_4xx_is_not_retried(tmp_path, status):
    transport = scripted(http(status, "invalid_token"))
    result, transport = run(tmp_path, transport, channels=[{"type": "slack", "webhook_url": s.SLACK_URL}], on_error="warn")
    assert result["channels"][0]["attempts"] == 1 and result["channels"][0]["reason"] == f"HTTP {status}: invalid_token"


def test_retry_after_as_an_http_date():
    now = datetime.datetime(2026, 7, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    assert retry_after("Wed, 01 Jul 2026 12:00:09 GMT", now) == 9.0
    assert retry_after("Wed, 01 Jul 2026 11:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None and retry_after(None) is None and retry_after("120") == 120.0


def test_one_channel_down_does_not_stop_the_others_and_the_role_fails_naming_it(tmp_path):
    refused = {"failed": True, "status": -1, "msg": "Status code was -1 and not [100, 101]: Request failed: <urlopen error [Errno 111] Connection refused>"}
    transport = FakeTransport(lambda name, args: refused if name == URI and "slack" in args["url"] else FakeTransport.ok(name, args))
    result, transport = run(tmp_path, transport)
    assert outcomes(result)["slack:soc"] == "failed" and list(outcomes(result).values()).count("sent") == 5
    assert result["channels"][1]["reason"] == "unreachable: Request failed: <urlopen error [Errno 111] Connection refused>"
    assert result["failed"] is True and result["failed_channels"] == ["slack:soc"]
    assert result["msg"].startswith("1 of 6 notification channel(s) failed for investigation a1b2c3d4-5678-90ab-cdef-ef1234567890: slack 'soc': unreachable")
    # the next run tells only the channel that was not told
    again, transport = run(tmp_path)
    assert outcomes(again)["slack:soc"] == "sent" and list(outcomes(again).values()).count("unchanged") == 5


def test_jira_and_mail_failures_are_retried_from_the_modules_messages(tmp_path):
    jira_429 = {"failed": True, "msg": 'The request "GET https://jira.example.com/rest/api/2/search?jql=x" returned the unexpected '
                                       'status code 429 Too Many Requests\nslow down'}
    mail_451 = {"failed": True, "msg": "Failed to send mail to 'soc@example.com': (451, b'4.3.0 Try again later')"}
    answers = {JIRA: [jira_429], MAIL: [mail_451]}
    transport = FakeTransport(lambda name, args: answers[name].pop(0) if answers.get(name) else FakeTransport.ok(name, args))
    result, transport = run(tmp_path, transport, channels=[s.channels()[0], s.channels()[4]])
    assert [(o["outcome"], o["attempts"]) for o in result["channels"]] == [("sent", 3), ("sent", 2)]  # search twice + create; mail twice
    assert transport.slept == [1.0, 1.0]


def test_a_jira_comment_without_its_state_label_is_a_warning(tmp_path):
    run(tmp_path, channels=s.channels()[:1])
    found = {"meta": {"issues": [{"key": "SEC-1", "fields": {"labels": []}}]}}

    def answer(name, args):
        return {"search": found, "update": {"failed": True, "msg": "Field 'labels' cannot be set."}}.get(args["operation"], {"meta": {}})

    result, _transport = run(tmp_path, FakeTransport(answer), channels=s.channels()[:1], disposition={"status": "resolved"})
    assert result["channels"][0]["outcome"] == "sent" and result["channels"][0]["action"] == "commented"
    assert result["warnings"] == ["jira 'jira': the comment on SEC-1 was added, but its state label guardduty-state-"
                                  f"{result['fingerprint']} was not (Field 'labels' cannot be set.): a second runner without this "
                                  "controller's state would comment again"]


def test_a_missing_collection_says_what_to_install(tmp_path):
    def answer(name, args):
        if name == JIRA:
            raise ModuleNotFoundError(name)
        return FakeTransport.ok(name, args)

    result, _transport = run(tmp_path, FakeTransport(answer), channels=s.channels()[:2])
    assert result["channels"][0]["reason"] == ("search: community.general is not installed on the controller, so the jira channels cannot be "
                                               "used: ansible-galaxy collection install community.general (secops.guardduty requires it)")
    assert result["channels"][1]["outcome"] == "sent"


def test_an_unexpected_error_of_one_channel_does_not_stop_the_others(tmp_path):
    def answer(name, args):
        if "teams" in args.get("url", ""):
            raise RuntimeError("connection plugin exploded")
        return FakeTransport.ok(name, args)

    result, _transport = run(tmp_path, FakeTransport(answer), on_error="warn")
    assert outcomes(result)["teams:teams"] == "failed" and result["channels"][2]["reason"] == "RuntimeError: connection plugin exploded"
    assert list(outcomes(result).values()).count("sent") == 5


def test_check_mode_says_what_it_would_send_and_sends_nothing(tmp_path):
    result, transport = run(tmp_path, check_mode=True)
    assert set(outcomes(result).values()) == {"would_send"} and result["changed"] is True
    assert [o["action"] for o in result["channels"]] == ["create", "post", "post", "trigger", "mail", "post"]
    assert transport.calls == [] and not (tmp_path / "state").exists()


def test_a_channel_pointed_elsewhere_is_told_again(tmp_path):
    run(tmp_path, channels=[{"type": "slack", "name": "soc", "webhook_url": s.SLACK_URL}])
    moved, _transport = run(tmp_path, channels=[{"type": "slack", "name": "soc", "webhook_url": s.SLACK_URL.replace("0001", "0002")}])
    assert moved["channels"][0]["outcome"] == "sent" and moved["channels"][0]["change"] == "new"


def test_no_secret_is_ever_in_the_result(tmp_path):
    """Even when a module echoes its arguments in a failure message, or a channel is refused before anything is sent."""
    def echo(name, args):
        return {"failed": True, "msg": "failed with " + json.dumps(args), "status": 500}

    result, _transport = run(tmp_path, FakeTransport(echo), policy=Policy(retries=0))
    shown = json.dumps(result)
    assert result["failed"] is True and not any(secret in shown for secret in s.SECRETS)
    assert "********" in shown
    refused = notify(s.investigation(), [{"type": "slack", "webhook_url": s.SLACK_URL, "bad": s.ROUTING_KEY}], FakeTransport(), str(tmp_path))
    assert refused["failed"] is True and "unknown option(s) bad" in refused["msg"] and s.SLACK_URL not in json.dumps(refused)


def test_wrong_input_fails_before_anything_is_sent(tmp_path):
    result, transport = run(tmp_path, investigation={"changed": False})
    assert result["failed"] is True and result["msg"].startswith("notify_investigation: Expected an investigation") and transport.calls == []
