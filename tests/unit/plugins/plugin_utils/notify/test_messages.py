# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What each channel is sent: its format, the content an on-call responder needs, and the escaping vectors as text."""

from __future__ import annotations

import html
import json
import re

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.notify import messages
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.content import notification
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.notify import notify_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.notify.notify_samples import strings

NEW = {"kind": "new", "changes": []}
UPDATE = {"kind": "update", "changes": [{"field": "containment", "label": "Containment", "before": "planned", "after": "contained"}]}
CONTAINMENT = {"mode": "plan", "counts": {"planned": 1, "skipped": 1},
               "resources": [{"type": "iam_access_key", "id": "AKIA0000000000000001", "status": "planned", "reason": "deactivate"},
                             {"type": "ec2_instance", "id": "i-0a1b2c3d4e5f67890", "status": "skipped", "reason": "needs a person: <!here>"}]}


def note(hostile=False, **extra):
    return notification(s.hostile_investigation() if hostile else s.investigation(), **extra)


def test_slack_block_kit_message():
    message = messages.slack_message(note(containment=CONTAINMENT, report=["/reports/a.md"]), UPDATE)
    assert message["unfurl_links"] is False and message["unfurl_media"] is False
    assert message["text"] == "GuardDuty investigation a1b2c3d4-5678-90ab-cdef-ef1234567890: High risk, Medium confidence"
    blocks = message["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "GuardDuty: High risk, Medium confidence", "emoji": False}}
    shown = "\n".join(strings(blocks))
    for expected in ("Instance credentials used from outside AWS", "Update: Containment planned \u2192 contained", "Risk level: High",
                     "Account: 123456789012", "Region: us-east-1", "Containment: planned; 1 action(s) wait for a person's approval",
                     "Countermeasures (AI-suggested, review before acting)\n\u2022 Revoke sessions", "Needs a person\n\u2022 iam_access_key",
                     "Report: /reports/a.md", "AI-generated content"):
        assert expected in shown, expected
    # every text object but the console link is plain_text without emoji; the link is mrkdwn, verbatim, built from ids
    objects = [b["text"] for b in blocks if "text" in b] + [f for b in blocks for f in b.get("fields", [])] + \
              [e for b in blocks for e in b.get("elements", [])]
    links = [o for o in objects if o["type"] == "mrkdwn"]
    assert links == [{"type": "mrkdwn", "verbatim": True, "text": "<https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1"
                      "#/findings?macros=current&amp;fId=1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6|Open in the GuardDuty console>"}]
    assert all(o["emoji"] is False for o in objects if o["type"] == "plain_text")


def test_slack_escapes_every_vector():
    message = messages.slack_message(note(hostile=True, containment=CONTAINMENT), NEW)
    link = message["blocks"][-2]["text"]["text"]
    shown = [t for t in strings(message) if t != link]
    assert not any(re.search(r"[<>]", t) for t in shown)  # no <!channel>, <!here>, <@U...>, <url|text> outside our link
    assert any("&lt;!channel&gt; wake up" in t for t in shown) and any("&lt;@U024BE7LH&gt;" in t for t in shown)
    assert not any("://" in t for t in shown) and any("hxxps[:]//evil[.]example/login" in t for t in shown)


def test_teams_adaptive_card():
    message = messages.teams_message(note(containment=CONTAINMENT), UPDATE)
    (attachment,) = message["attachments"]
    card = attachment["content"]
    assert message["type"] == "message" and attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in the GuardDuty console", "url": note()["console_url"]}]
    facts = {f["title"]: f["value"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]}
    assert facts["Risk level"] == "High" and facts["Region"] == "us-east-1" and facts["Containment"].startswith("planned; 1 action(s)")
    assert any(b.get("text") == "Update: Containment planned \u2192 contained" for b in card["body"])


def test_teams_escapes_every_vector():
    card = messages.teams_message(note(hostile=True), NEW)["attachments"][0]["content"]
    shown = list(strings(card["body"]))
    assert not any(re.search(r"(?<!\\)[\[\]<>`*|]", t) for t in shown)
    assert not any("://" in t for t in shown)
    assert card["actions"][0]["url"].startswith("https://us-east-1.console.aws.amazon.com/")


def test_jira_issue_and_comment():
    told = note(containment=CONTAINMENT)
    assert messages.jira_summary(told) == "GuardDuty High risk: Instance credentials used from outside AWS"
    assert messages.jira_labels(told) == ["guardduty-a1b2c3d4-5678-90ab-cdef-ef1234567890", f"guardduty-state-{told['fingerprint']}"]
    description = messages.jira_description(told)
    assert description.startswith("h3. GuardDuty: High risk, Medium confidence\n*Instance credentials used from outside AWS*")
    assert "* *Risk level:* High" in description and "# Revoke sessions" in description
    assert description.endswith("[Open in the GuardDuty console|" + told["console_url"] + "]")
    comment = messages.jira_comment(told, UPDATE)
    assert comment.startswith("h4. Update: Containment planned \u2192 contained\n")


def test_jira_escapes_every_vector():
    told = note(hostile=True)
    summary, description = messages.jira_summary(told), messages.jira_description(told)
    assert len(summary) <= 255 and "\n" not in summary and "://" not in summary
    body = description.replace("[Open in the GuardDuty console|" + told["console_url"] + "]", "")  # the one link: ours
    values = [line.split(":* ", 1)[1] if ":* " in line else line[2:] for line in body.splitlines()[1:] if line[:2] in ("* ", "# ")]
    assert values and not any(re.search(r"(?<!\\)[\[\]{}!|~()]", value) for value in values)
    assert "\\{html\\}" in body and "\\[\\~admin\\]" in body and "\\(y\\)" in body
    assert "://" not in body


def test_pagerduty_trigger_and_resolve():
    told = note(containment=CONTAINMENT)
    event = messages.pagerduty_event(told, s.ROUTING_KEY, "trigger")
    assert event["routing_key"] == s.ROUTING_KEY and event["event_action"] == "trigger"
    assert event["dedup_key"] == "guardduty-a1b2c3d4-5678-90ab-cdef-ef1234567890"
    payload = event["payload"]
    assert payload["severity"] == "error" and payload["source"] == "aws guardduty 123456789012 us-east-1"
    assert payload["summary"] == "GuardDuty: High risk, Medium confidence: Instance credentials used from outside AWS"
    assert payload["custom_details"]["Containment"].startswith("planned") and payload["custom_details"]["Needs a person"]
    assert event["links"] == [{"href": told["console_url"], "text": "Open in the GuardDuty console"}]
    resolve = {"routing_key": s.ROUTING_KEY, "event_action": "resolve", "dedup_key": "guardduty-a1b2c3d4-5678-90ab-cdef-ef1234567890"}
    assert messages.pagerduty_event(told, s.ROUTING_KEY, "resolve") == resolve


@pytest.mark.parametrize("risk, severity", [("Critical", "critical"), ("High", "error"), ("Medium", "warning"), ("Low", "info"), ("Info", "info")])
def test_pagerduty_severity_follows_the_risk_level(risk, severity):
    told = notification(dict(s.investigation(), risk_level=risk))
    assert messages.pagerduty_event(told, "k", "trigger")["payload"]["severity"] == severity


def test_pagerduty_text_is_defanged():
    event = messages.pagerduty_event(note(hostile=True), "k", "trigger")
    assert not any("://" in t for t in strings(event["payload"]))


def test_mail_html_is_escaped_and_attaches_the_report():
    told = note(hostile=True, report="/reports/<a>.md")
    body = messages.mail_html(told, NEW)
    assert "<script>" not in body and "<img" not in body and "&lt;script&gt;" in body
    assert "&lt;!channel&gt;" in body and "://evil" not in body and "hxxps[:]//evil[.]example/login" in body
    assert re.findall(r'href="([^"]*)"', body) == [html.escape(told["console_url"])]
    assert "Report: /reports/&lt;a&gt;.md" in body
    subject = messages.mail_subject(told, UPDATE)
    assert "\n" not in subject and subject.startswith("[GuardDuty] Update: High risk, Medium confidence: ")
    (html_name, html_report), (md_name, md_report) = messages.mail_attachments(told, s.hostile_investigation())
    assert (html_name, md_name) == ("guardduty-a1b2c3d4-5678-90ab-cdef-ef1234567890.html", "guardduty-a1b2c3d4-5678-90ab-cdef-ef1234567890.md")
    assert html_report.startswith("<!DOCTYPE html>") and "<script>" not in html_report and md_report.startswith("# GuardDuty investigation")


def test_webhook_body_is_the_report_data_with_a_schema_version():
    told = note(containment=CONTAINMENT, disposition={"status": "benign", "resolved": True})
    body = messages.webhook_body(told, UPDATE)
    assert body["schema_version"] == 1 and body["investigation_id"] == told["investigation_id"]
    assert body["actions"] == told["report_data"]["actions"]
    assert body["notification"]["change"] == "update" and body["notification"]["state"]["disposition"] == "benign"
    assert body["notification"]["resolved"] is True and body["notification"]["console_url"] == told["console_url"]
    assert json.loads(json.dumps(body)) == body
