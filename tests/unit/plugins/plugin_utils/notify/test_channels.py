# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""notify_channels: checked with one clear message each, completed from the environment, secrets never shown."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.channels import channels_from
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.channels import env_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.channels import redact
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.channels import secrets_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.errors import NotifyError
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.notify import notify_samples as s


def test_every_type_with_its_defaults():
    channels, warnings = channels_from(s.channels(), {})
    assert warnings == []
    by_key = {c["key"]: c for c in channels}
    assert sorted(by_key) == ["email:email", "jira:jira", "pagerduty:pagerduty", "slack:soc", "teams:teams", "webhook:webhook"]
    assert by_key["jira:jira"]["issue_type"] == "Task" and by_key["jira:jira"]["labels"] == [] and by_key["jira:jira"]["cloud"] is False
    assert by_key["pagerduty:pagerduty"]["events_url"] == "https://events.pagerduty.com/v2/enqueue"
    assert by_key["pagerduty:pagerduty"]["min_risk"] == "High" and by_key["slack:soc"]["min_risk"] == "Info"
    assert all(c["validate_certs"] is True for c in channels)
    assert len({c["destination"] for c in channels}) == 6


def test_jira_cloud_is_recognised_by_its_host():
    (channel,), _warnings = channels_from([{"type": "jira", "url": "https://acme.atlassian.net", "project": "SEC", "username": "a@b.c", "token": "t0k3n"}], {})
    assert channel["cloud"] is True


def test_secrets_come_from_the_environment_by_channel_name():
    environ = {"GUARDDUTY_NOTIFY_SLACK_SOC_WEBHOOK_URL": s.SLACK_URL, "GUARDDUTY_NOTIFY_PAGERDUTY_ROUTING_KEY": s.ROUTING_KEY,
               "GUARDDUTY_NOTIFY_JIRA_USERNAME": "bot@example.com", "GUARDDUTY_NOTIFY_JIRA_TOKEN": s.JIRA_TOKEN,
               "GUARDDUTY_NOTIFY_WEBHOOK_HOOK_HEADERS": '{"Authorization": "' + s.HOOK_TOKEN + '"}', "GUARDDUTY_NOTIFY_WEBHOOK_HOOK_URL": s.HOOK_URL,
               "GUARDDUTY_NOTIFY_TEAMS_SOC_WEBHOOK_URL": s.TEAMS_URL}
    assert env_name({"type": "slack", "name": "soc-2.eu"}, "webhook_url") == "GUARDDUTY_NOTIFY_SLACK_SOC_2_EU_WEBHOOK_URL"
    assert env_name({"type": "slack", "name": "slack"}, "webhook_url") == "GUARDDUTY_NOTIFY_SLACK_WEBHOOK_URL"
    given = [{"type": "slack", "name": "soc"}, {"type": "pagerduty"}, {"type": "jira", "url": "https://j.example", "project": "SEC"},
             {"type": "webhook", "name": "hook"}, {"type": "teams", "name": "soc"}]
    channels, _warnings = channels_from(given, environ)
    assert channels[0]["webhook_url"] == s.SLACK_URL and channels[1]["routing_key"] == s.ROUTING_KEY
    assert channels[2]["token"] == s.JIRA_TOKEN and channels[2]["username"] == "bot@example.com"
    assert channels[3]["headers"] == {"Authorization": s.HOOK_TOKEN} and channels[4]["webhook_url"] == s.TEAMS_URL  # one name, two types
    # a value given in the channel wins over the environment
    given, _warnings = channels_from([{"type": "slack", "name": "soc", "webhook_url": "https://hooks.slack.com/services/other"}], environ)
    assert given[0]["webhook_url"] == "https://hooks.slack.com/services/other"


@pytest.mark.parametrize(
    "given, message",
    [
        ("slack", "notify_channels must be a list of channels"),
        ([], "notify_channels is empty"),
        (["slack"], r"notify_channels\[0\] must be a dict with a type"),
        ([{"type": "sms"}], r"type must be one of jira, slack, teams, pagerduty, email, webhook, got 'sms'"),
        ([{"type": "slack", "webhook": "x"}], r"unknown option\(s\) webhook; a slack channel takes min_risk, name, type, validate_certs, webhook_url"),
        ([{"type": "slack"}], r"Channel slack 'slack' \(notify_channels\[0\]\) needs webhook_url \(or GUARDDUTY_NOTIFY_SLACK_WEBHOOK_URL in the environment\)"),
        ([{"type": "slack", "webhook_url": "hooks.slack.com/x"}], "must be an http:// or https:// URL with a host; its value is hidden"),
        ([{"type": "slack", "webhook_url": "https://a.example/1", "min_risk": "urgent"}], "min_risk must be one of Info, Low, Medium, High, Critical"),
        ([{"type": "slack", "webhook_url": "https://a.example/1"}, {"type": "slack", "webhook_url": "https://a.example/2"}],
         r"notify_channels\[0\] and notify_channels\[1\] are both slack 'slack': give each channel of one type its own name"),
        ([{"type": "slack", "name": "a b", "webhook_url": "https://a.example/1"}], "name must be 1 to 64 letters"),
        ([{"type": "jira", "url": "https://j.example", "project": "SEC"}], "has no credentials: give token"),
        ([{"type": "jira", "url": "https://j.example", "project": "SEC", "token": "a", "password": "b"}], "give token .* or password, not both"),
        ([{"type": "jira", "url": "https://j.example", "project": "SEC OR 1=1", "token": "t"}], "project must be a Jira project key"),
        ([{"type": "jira", "url": "https://j.example", "project": "SEC", "token": "t", "labels": ["two words"]}], "labels must be Jira labels"),
        ([{"type": "email", "host": "h", "sender": "a@b.c", "to": []}], "needs to"),
        ([{"type": "email", "host": "h", "sender": "a@b.c", "to": "x@y.z", "secure": "tls"}], "secure must be one of always, never, starttls, try"),
        ([{"type": "email", "host": "h", "sender": "a@b.c", "to": "x@y.z", "port": 70000}], "port must be between 1 and 65535"),
        ([{"type": "email", "host": "h", "sender": "a@b.c", "to": "x@y.z", "username": "u"}], "give username and password together"),
        ([{"type": "webhook", "url": "https://h.example/x", "headers": {"Bad Header": "v"}}], "not an HTTP header name"),
        ([{"type": "pagerduty", "routing_key": 42}], "routing_key must be a non-empty string, got int"),
    ],
)
def test_a_wrong_channel_gets_one_clear_message(given, message):
    with pytest.raises(NotifyError, match=message):
        channels_from(given, {})


def test_a_wrong_value_from_the_environment_says_where_it_came_from():
    with pytest.raises(NotifyError, match="GUARDDUTY_NOTIFY_WEBHOOK_HOOK_HEADERS must hold a JSON object"):
        channels_from([{"type": "webhook", "name": "hook", "url": "https://h.example/x"}], {"GUARDDUTY_NOTIFY_WEBHOOK_HOOK_HEADERS": "Authorization: x"})


def test_plain_http_warns_except_to_a_loopback_address():
    given = [{"type": "slack", "name": "a", "webhook_url": "http://hooks.example.com/services/T/B/x"},
             {"type": "teams", "name": "b", "webhook_url": "http://127.0.0.1:8080/teams"},
             {"type": "webhook", "name": "c", "url": "http://[::1]:9000/in"},
             {"type": "webhook", "name": "d", "url": "http://localhost/in"},
             {"type": "jira", "url": "http://jira.internal", "project": "SEC", "token": "t"}]
    _channels, warnings = channels_from(given, {})
    assert warnings == [
        "Channel slack 'a' (notify_channels[0]): webhook_url is plain http:// to hooks.example.com, not a loopback address: the message "
        "and the secret in the URL travel unencrypted; use https://",
        "Channel jira 'jira' (notify_channels[4]): url is plain http:// to jira.internal, not a loopback address: the message travels "
        "unencrypted; use https://",
    ]


def test_redact_takes_every_secret_out_wherever_it_is():
    channels, _warnings = channels_from(s.channels(), {})
    secrets = secrets_of(channels)
    path = "/services/T000/B000/slack-secret-never-in-data-0001"
    shown = redact({"msg": f"POST {s.SLACK_URL} failed", "list": [f"path {path}", s.ROUTING_KEY], "n": 3,
                    "nested": {"auth": s.HOOK_TOKEN, "mail": f"login with {s.MAIL_PASSWORD}"}}, secrets)
    assert shown == {"msg": "POST ******** failed", "list": ["path ********", "********"], "n": 3,
                     "nested": {"auth": "********", "mail": "login with ********"}}
    text = repr(shown)
    assert not any(secret in text for secret in s.SECRETS)
