# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What each channel is sent: a notification (content.py) as a Slack Block Kit message, a Teams Adaptive Card, a
Jira issue or comment in wiki markup, a PagerDuty Events API v2 event, a mail (HTML, with the reports attached), or
the report data as JSON for a webhook.

Every value an investigation or an attacker could have written goes through the channel's escaping (escape.py); the
only links are the console link built from checked ids (content.console_url). Labels and structure are this
module's own text.
"""

from __future__ import annotations

import os

from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import jira_text
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import plain_text
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import shorten
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import slack_text
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import teams_text
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import untrusted
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_html
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_markdown
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_template

SCHEMA_VERSION = 1
TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
MAX_LISTED = 10  # countermeasures and resources listed by name in a chat message
PAGERDUTY_SEVERITY = {"Critical": "critical", "High": "error", "Medium": "warning", "Low": "info", "Info": "info"}
ACTIONS_LABEL = "Countermeasures (AI-suggested, review before acting)"
PERSON_LABEL = "Needs a person"
CONSOLE_LABEL = "Open in the GuardDuty console"


# ---------------------------------------------------------------- the words, shared by every channel


def title(note):
    """The investigation's title (its key observations' title, AI-written) or its id."""
    return note["title"] or f"GuardDuty investigation {note['investigation_id']}"


def verdict(note):
    """'High risk, High confidence' (values from the API: escape them)."""
    risk = f"{note['risk_level']} risk" if note["risk_level"] else f"{note['status']}, no risk level"
    confidence = f", {note['confidence']} confidence" if note["confidence"] else ""
    return f"{risk}{confidence}" + (" (resolved)" if note["resolved"] else "")


def headline(note):
    """'GuardDuty: High risk, High confidence'."""
    return f"GuardDuty: {verdict(note)}"


def change_line(change):
    """'Update: Risk level Medium -> High; Containment none -> contained', or None for a first message."""
    if not change or change["kind"] != "update":
        return None
    parts = [f"{c['label']} {c['before'] or 'none'} \u2192 {c['after'] or 'none'}" for c in change["changes"]]
    return "Update: " + ("; ".join(parts) if parts else "sent again (the channel's destination changed)")


def _status_text(summary):
    if not summary:
        return None
    extra = [summary.get("verdict"), summary.get("text")]
    return summary["status"] + "".join(f"; {part}" for part in extra if part)


def facts(note):
    """[(label, value)] of the notification, values as the API or the playbook gave them (escape them)."""
    times = note["start_time"] and (note["start_time"] + (f" to {note['end_time']}" if note["end_time"] else ""))
    rows = [
        ("Investigation", note["investigation_id"]),
        ("Status", note["status"]),
        ("Risk level", note["risk_level"] or "not assessed"),
        ("Confidence", note["confidence"] or "not assessed"),
        ("Type", note["investigation_type"]),
        ("Account", note["account_id"]),
        ("Region", note["region"]),
        ("Finding", note["finding_id"]),
        ("Finding type", note["finding_type"]),
        ("Time", times),
        ("Containment", _status_text(note["containment"])),
        ("Disposition", _status_text(note["disposition"])),
        ("Error", note["error"]),
    ]
    return [(name, value) for name, value in rows if value]


def needs_person(note):
    """What the containment leaves to a person: ['ec2_instance i-0abc: needs a person: ...']."""
    contained = note["containment"] or {}
    return [" ".join(part for part in (item["type"], item["id"]) if part) + (f": {item['reason']}" if item["reason"] else "")
            for item in contained.get("needs_person") or []]


def report_line(note):
    return ", ".join(note["report"]) if note["report"] else None


# ---------------------------------------------------------------- Slack (Block Kit, incoming webhook)


def _slack_plain(text, limit=3000, defanged=True):
    return {"type": "plain_text", "text": slack_text(text, limit, defanged) or "-", "emoji": False}


def _slack_list(heading, items, limit=MAX_LISTED):
    lines = [slack_text(heading)] + ["\u2022 " + slack_text(item, 300) for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"\u2026 and {len(items) - limit} more")
    return {"type": "section", "text": {"type": "plain_text", "text": shorten("\n".join(lines), 3000), "emoji": False}}


def slack_message(note, change):
    """A Block Kit message: every text from the API or the playbook in plain_text objects (no formatting, no
    :emoji:), escaped; the one link is the console's; no link previews (unfurl)."""
    blocks = [{"type": "header", "text": _slack_plain(headline(note), 150)},
              {"type": "section", "text": _slack_plain(title(note))}]
    if change_line(change):
        blocks.append({"type": "section", "text": _slack_plain(change_line(change))})
    rows = facts(note)
    for start in range(0, len(rows), 10):  # a section holds at most 10 fields
        blocks.append({"type": "section", "fields": [_slack_plain(f"{name}: {value}", 2000) for name, value in rows[start:start + 10]]})
    if note["actions"]:
        blocks.append(_slack_list(ACTIONS_LABEL, note["actions"]))
    if needs_person(note):
        blocks.append(_slack_list(PERSON_LABEL, needs_person(note)))
    if note["console_url"]:
        url = note["console_url"].replace("&", "&amp;")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"<{url}|{CONSOLE_LABEL}>", "verbatim": True}})
    context = [_slack_plain(note["ai_notice"])]
    if report_line(note):
        context.append(_slack_plain(f"Report: {report_line(note)}", 2000, defanged=False))
    blocks.append({"type": "context", "elements": context})
    fallback = f"GuardDuty investigation {note['investigation_id']}: {verdict(note)}"
    return {"text": slack_text(fallback, 300), "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


# ---------------------------------------------------------------- Microsoft Teams (Adaptive Card, Workflows webhook)


def _teams_block(text, **style):
    return dict({"type": "TextBlock", "text": text, "wrap": True}, **style)


def _teams_list(heading, items, limit=MAX_LISTED):
    lines = ["- " + teams_text(item, 300) for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"- \u2026 and {len(items) - limit} more")
    return [_teams_block(heading, weight="Bolder"), _teams_block("\n".join(lines))]


def teams_message(note, change):
    """An Adaptive Card in a Workflows webhook message; every text from the API or the playbook Markdown-escaped."""
    body = [_teams_block(teams_text(headline(note)), weight="Bolder", size="Medium"), _teams_block(teams_text(title(note)))]
    if change_line(change):
        body.append(_teams_block(teams_text(change_line(change)), weight="Bolder"))
    body.append({"type": "FactSet", "facts": [{"title": name, "value": teams_text(value)} for name, value in facts(note)]})
    if note["actions"]:
        body += _teams_list(ACTIONS_LABEL, note["actions"])
    if needs_person(note):
        body += _teams_list(PERSON_LABEL, needs_person(note))
    if report_line(note):
        body.append(_teams_block("Report: " + teams_text(report_line(note), defanged=False), isSubtle=True))
    body.append(_teams_block(teams_text(note["ai_notice"]), isSubtle=True, size="Small"))
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4", "body": body}
    if note["console_url"]:
        card["actions"] = [{"type": "Action.OpenUrl", "title": CONSOLE_LABEL, "url": note["console_url"]}]
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


# ---------------------------------------------------------------- Jira (wiki markup, through community.general.jira)


def jira_labels(note):
    """The labels that find the issue again (the investigation) and say which states it was told."""
    return [f"guardduty-{note['investigation_id']}", jira_state_label(note)]


def jira_state_label(note):
    return f"guardduty-state-{note['fingerprint']}"


def jira_summary(note):
    """The issue's summary (plain text, at most 255 characters)."""
    return plain_text(f"GuardDuty {note['risk_level'] or note['status']} risk: {title(note)}", 255)


def _jira_body(note):
    lines = [f"* *{name}:* {jira_text(value)}" for name, value in facts(note)]
    if note["actions"]:
        lines += ["", f"*{ACTIONS_LABEL}:*"] + ["# " + jira_text(item, 500) for item in note["actions"]]
    if needs_person(note):
        lines += ["", f"*{PERSON_LABEL}:*"] + ["* " + jira_text(item, 500) for item in needs_person(note)]
    if report_line(note):
        lines += ["", "*Report:* " + jira_text(report_line(note), defanged=False)]
    if note["console_url"]:
        lines += ["", f"[{CONSOLE_LABEL}|{note['console_url']}]"]
    return lines


def jira_description(note):
    """The issue's description in Jira wiki markup."""
    return "\n".join([f"h3. {jira_text(headline(note))}", f"*{jira_text(title(note))}*", "",
                      f"_{jira_text(note['ai_notice'])}_", ""] + _jira_body(note))


def jira_comment(note, change):
    """A later state, as a comment on the issue."""
    return "\n".join([f"h4. {jira_text(change_line(change) or headline(note))}", jira_text(headline(note)), ""] + _jira_body(note))


# ---------------------------------------------------------------- PagerDuty (Events API v2)


def dedup_key(note):
    return f"guardduty-{note['investigation_id']}"


def pagerduty_event(note, routing_key, action):
    """A trigger (with the payload) or a resolve event of the investigation's dedup key."""
    event = {"routing_key": routing_key, "event_action": action, "dedup_key": dedup_key(note)}
    if action == "resolve":
        return event
    details = {name: plain_text(value, 1024) for name, value in facts(note)}
    if note["actions"]:
        details[ACTIONS_LABEL] = [plain_text(item, 300) for item in note["actions"][:MAX_LISTED]]
    if needs_person(note):
        details[PERSON_LABEL] = [plain_text(item, 300) for item in needs_person(note)[:MAX_LISTED]]
    if report_line(note):
        details["Report"] = plain_text(report_line(note), 1024, defanged=False)
    details["Notice"] = note["ai_notice"]
    event["payload"] = {
        "summary": plain_text(f"{headline(note)}: {title(note)}", 1024),
        "source": plain_text(f"aws guardduty {note['account_id'] or 'unknown account'} {note['region'] or 'unknown Region'}", 255),
        "severity": PAGERDUTY_SEVERITY.get(note["risk_level"], "info"),
        "component": "guardduty-investigation",
        "group": plain_text(note["account_id"] or "unknown account", 255),
        "class": plain_text(note["finding_type"] or note["investigation_type"] or "investigation", 255),
        "custom_details": details,
    }
    event["client"] = "secops.guardduty"
    if note["console_url"]:
        event["client_url"] = note["console_url"]
        event["links"] = [{"href": note["console_url"], "text": CONSOLE_LABEL}]
    return event


# ---------------------------------------------------------------- mail (through community.general.mail)


def mail_subject(note, change):
    return plain_text(f"[GuardDuty] {'Update: ' if change_line(change) else ''}{verdict(note)}: {title(note)}", 200)


def mail_html(note, change):
    """The mail's HTML body: the notification rendered with autoescape, text cleaned and defanged."""
    def text(value, defanged=True):
        return untrusted(value, defanged=defanged) if value else value

    return render_template(
        TEMPLATE_DIR, "mail.html.j2", "html",
        headline=text(headline(note)), title=text(title(note)), change=text(change_line(change)),
        facts=[(name, text(value)) for name, value in facts(note)], actions=[text(a) for a in note["actions"]],
        needs_person=[text(item) for item in needs_person(note)], report=text(report_line(note), defanged=False),
        console_url=note["console_url"], console_label=CONSOLE_LABEL, actions_label=ACTIONS_LABEL, person_label=PERSON_LABEL,
        ai_notice=note["ai_notice"], attachments=mail_attachment_names(note),
    )


def mail_attachment_names(note):
    return [f"guardduty-{note['investigation_id']}.html", f"guardduty-{note['investigation_id']}.md"]


def mail_attachments(note, investigation):
    """[(file name, text)]: the full report, HTML and Markdown (text), from the report's templates."""
    html_name, md_name = mail_attachment_names(note)
    return [(html_name, render_html(investigation)), (md_name, render_markdown(investigation))]


# ---------------------------------------------------------------- a generic webhook (JSON)


def webhook_body(note, change):
    """The report data as JSON, with ``schema_version`` and what the notification tells (``notification``)."""
    body = {"schema_version": SCHEMA_VERSION}
    body.update(note["report_data"])
    body["notification"] = {
        "change": change["kind"] if change else "new",
        "changes": change["changes"] if change else [],
        "state": note["state"],
        "fingerprint": note["fingerprint"],
        "resolved": note["resolved"],
        "containment": note["containment"],
        "disposition": note["disposition"],
        "console_url": note["console_url"],
        "report": note["report"],
    }
    return body
