# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared by the notify unit tests: escaping vectors, a hostile investigation, channels with secrets, a transport."""

from __future__ import annotations

from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.report import samples

# What an attacker or the AI could write, for every channel's markup: mentions, links, images, macros, HTML, Markdown,
# emoticons, control, bidirectional and zero-width characters
VECTORS = {
    "slack_channel": "<!channel> wake up",
    "slack_here": "<!here>",
    "slack_everyone": "<!everyone>",
    "slack_user": "ping <@U024BE7LH>",
    "slack_group": "<!subteam^SAZ94GDB8>",
    "slack_link": "<https://evil.example/login|Reset your password>",
    "markdown_link": "[Reset your password](https://evil.example/login)",
    "markdown_image": "![x](https://evil.example/pixel.png)",
    "bare_url": "see https://evil.example/login now",
    "host_name": "beacon to evil.example.com",
    "email_address": "mail attacker@evil.example.org",
    "jira_link": "[Reset your password|https://evil.example/login]",
    "jira_image": "!https://evil.example/pixel.png!",
    "jira_html": "{html}<img src=x onerror=alert(1)>{html}",
    "jira_mention": "[~admin] please approve",
    "jira_emoticon": "(y) :) (!)",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "teams_mention": "<at>Admin</at>",
    "bidi": "invoice\u202egnp.exe",
    "zero_width": "pay\u200bpal.com",
    "ansi": "\x1b[31mRED\x1b[0m",
    "jinja": samples.JINJA,
}
# What no channel may send as it is (each channel's output is checked for the parts that are markup there)
HOSTILE_TITLE = " ".join(VECTORS.values())

SLACK_URL = "https://hooks.slack.com/services/T000/B000/slack-secret-never-in-data-0001"
TEAMS_URL = "https://example.webhook.office.com/workflows/teams-secret-never-in-data-0001"
ROUTING_KEY = "pagerduty-routing-key-never-in-data-0001"
JIRA_TOKEN = "jira-token-never-in-data-0001"
MAIL_PASSWORD = "mail-password-never-in-data-0001"
HOOK_URL = "https://hooks.example.net/in/webhook-secret-never-in-data-0001"
HOOK_TOKEN = "Bearer webhook-header-never-in-data-0001"
SECRETS = (SLACK_URL, TEAMS_URL, ROUTING_KEY, JIRA_TOKEN, MAIL_PASSWORD, HOOK_URL, HOOK_TOKEN)


def channels():
    """One channel of each type, with secrets."""
    return [
        {"type": "jira", "url": "https://jira.example.com", "project": "SEC", "username": "bot@example.com", "token": JIRA_TOKEN},
        {"type": "slack", "name": "soc", "webhook_url": SLACK_URL},
        {"type": "teams", "webhook_url": TEAMS_URL},
        {"type": "pagerduty", "routing_key": ROUTING_KEY},
        {"type": "email", "host": "smtp.example.com", "port": 587, "secure": "starttls", "username": "bot", "password": MAIL_PASSWORD,
         "sender": "guardduty@example.com", "to": ["soc@example.com"]},
        {"type": "webhook", "url": HOOK_URL, "headers": {"Authorization": HOOK_TOKEN}},
    ]


def investigation(**extra):
    return samples.investigation(**extra)


def hostile_investigation():
    """Every text a notification shows carries the vectors."""
    inv = samples.investigation()
    summary = inv["summary_data"]
    summary["key_observations"]["title"] = HOSTILE_TITLE
    summary["finding_type"] = "Trojan:EC2/" + VECTORS["slack_channel"]
    for group in summary["countermeasures"]:
        for action in group["actions"]:
            action["title"] = HOSTILE_TITLE
    inv["cloud"]["account"] = VECTORS["slack_here"]
    inv["error"] = VECTORS["jira_html"]
    return inv


def strings(value):
    """Every string inside a JSON value (dicts, lists), for checks on what a channel was sent."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)


class FakeTransport:
    """A transport whose module results come from ``answers`` (a function of (name, args) or a list per module)."""

    def __init__(self, answer=None):
        self.calls, self.slept, self.files = [], [], []
        self.answer = answer or self.ok

    @staticmethod
    def ok(name, args):
        if name == "community.general.jira":
            return {"meta": {"issues": []}} if args["operation"] == "search" else {"meta": {"key": "SEC-1"}}
        if name == "community.general.mail":
            return {"msg": "Mail sent successfully", "result": {}}
        return {"status": 200, "content": "ok"}

    def run_module(self, name, args):
        self.calls.append((name, args))
        return self.answer(name, args)

    def put_files(self, files):
        self.files += files
        return [f"/tmp/remote/{name}" for name, _text in files]

    def sleep(self, seconds):
        self.slept.append(seconds)

    def bodies(self, url_part):
        return [args["body"] for name, args in self.calls if name == "ansible.builtin.uri" and url_part in args["url"]]
