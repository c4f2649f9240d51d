# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report data: normalisation, ordering and shaping, for text and structured summaries alike."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.data import report_data
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.errors import ReportError
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_html
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_markdown
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.report import samples


def test_report_data_orders_actions_and_recommendations_by_priority():
    data = report_data(samples.investigation())
    assert [a["title"] for a in data["actions"]] == ["Revoke sessions", "Quarantine the instance", "Rotate keys", "Require IMDSv2"]
    assert [(g["priority"], len(g["entries"])) for g in data["action_groups"]] == [("IMMEDIATE", 2), ("SHORT_TERM", 1), ("STRATEGIC", 1)]
    assert data["actions"][0]["defense_tactic"] == "Evict"
    assert data["actions"][0]["countermeasure"] == "Invalidate the stolen session."
    account = report_data(samples.investigation("ACCOUNT"))
    assert [r["priority"] for r in account["recommendations"]] == ["IMMEDIATE", "SHORT_TERM", "STRATEGIC"]
    assert account["recommendations"][0]["category"] == "Further investigation"


def test_unknown_or_missing_priorities_sort_last_in_service_order():
    summary = samples.finding_summary()
    summary["countermeasures"][0]["actions"][0]["priority"] = "WHENEVER"
    del summary["countermeasures"][0]["actions"][1]["priority"]
    summary["countermeasures"][1]["actions"][0]["priority"] = "short-term"
    data = report_data(samples.investigation(summary=summary))
    assert [(a["title"], a["priority"]) for a in data["actions"]] == [
        ("Quarantine the instance", "IMMEDIATE"),
        ("Revoke sessions", "SHORT_TERM"),
        ("Require IMDSv2", "UNSPECIFIED"),
        ("Rotate keys", "UNSPECIFIED"),
    ]
    assert data["action_groups"][-1]["label"] == "No priority given"


def test_text_and_structured_summaries_give_the_same_report():
    for kind in ("FINDING", "ACCOUNT", "ORGANIZATION"):
        structured = samples.investigation(kind)
        text = samples.as_text(structured)
        assert "summary_data" not in text and text["summary"].startswith('{"')
        structured_data, text_data = report_data(structured), report_data(text)
        assert structured_data.pop("summary_source") == "structured"
        assert text_data.pop("summary_source") == "text"
        assert text_data == structured_data, kind
        assert render_markdown(text) == render_markdown(structured)
        assert render_html(text) == render_html(structured)


def test_text_summary_without_summary_parsed_is_parsed_too():
    text = samples.as_text(samples.investigation("ACCOUNT"))
    del text["summary_parsed"]
    assert report_data(text)["key_observations"]["title"] == "Credential misuse in account 123456789012"


def test_recommendations_wrapped_in_items_are_read():
    summary = samples.account_summary()
    summary["recommendations"] = {"items": summary["recommendations"]}
    data = report_data(samples.investigation("ACCOUNT", summary=summary))
    assert [r["title"] for r in data["recommendations"]] == ["Review principals", "Enable Runtime Monitoring", "Require IMDSv2"]


def test_plain_and_unrecognised_text_summaries_are_shown_as_text():
    inv = samples.investigation()
    del inv["summary_data"]
    inv["summary"] = "Plain words.\n\nMore words."
    data = report_data(inv)
    assert (data["summary_source"], data["summary_text"], data["key_observations"]) == ("text", "Plain words.\n\nMore words.", None)
    inv["summary"] = '{"something": "else"}'
    inv["summary_parsed"] = {"something": "else"}
    assert report_data(inv)["summary_text"] == '{\n  "something": "else"\n}'


def test_attack_progression_keeps_phases_and_links_only_well_formed_attack_ids():
    summary = samples.finding_summary()
    attack = summary["threat_assessment"]["attack_progression"][0]["attacks"][0]
    attack["technique"]["uid"] = "javascript:alert(1)"
    data = report_data(samples.investigation(summary=summary))
    phases = data["attack_progression"]
    assert [p["phase"] for p in phases] == ["Initial Access", "Collection"]
    first = phases[0]["attacks"][0]
    assert first["tactic"] == {"name": "Initial Access", "uid": "TA0001", "url": "https://attack.mitre.org/tactics/TA0001/"}
    assert first["technique"]["url"] is None
    assert phases[1]["attacks"][0]["technique"]["url"] == "https://attack.mitre.org/techniques/T1530/"
    assert data["actions"][0]["mitigates"][0]["url"] == "https://attack.mitre.org/techniques/T1078/004/"
    html = render_html(samples.investigation(summary=summary))
    assert 'href="javascript' not in html and "javascript:alert(1)" in html


def test_affected_resources_are_merged_from_actions_and_the_account_analysis():
    data = report_data(samples.investigation())
    assert [(r["type"], r["identifier"], r["actions"]) for r in data["affected_resources"]] == [
        ("IAM_ROLE", "web-app", ["Revoke sessions"]),
        ("EC2_INSTANCE", "i-0abc", ["Quarantine the instance"]),
    ]
    account = report_data(samples.investigation("ACCOUNT"))
    assert account["affected_resources"] == [{"identifier": "build-bot", "type": "IAM_USER", "arn": None, "finding_count": 5, "actions": []}]


def test_scope_times_and_records_become_a_readable_timeline():
    data = report_data(samples.investigation("ACCOUNT"))
    assert data["investigation_type"] == "ACCOUNT"
    assert data["query_window_start"] == "2025-10-17 11:50:00 UTC"
    assert (data["start_time"], data["end_time"], data["duration"]) == ("2026-01-15 11:50:00 UTC", "2026-01-15 11:55:00 UTC", "5 min 0 s")
    assert [(r["time"], r["type"], r["detail"]) for r in data["records"]] == [
        ("2026-01-15 11:50:00 UTC", "UPDATE", None),
        ("2026-01-15 11:51:00 UTC", "ANALYSIS", "Reputation; indicators: 198.51.100.23"),
        ("2026-01-15 11:55:00 UTC", "METADATA", "total time 5 min 0 s"),
    ]
    assert data["account_analysis"]["findings"]["severity"][0] == {"level": "Critical", "count": 2}
    without = samples.investigation()
    del without["records"]
    assert report_data(without)["records"] is None


def test_registered_results_are_accepted_and_other_input_is_refused_clearly():
    inv = samples.investigation()
    assert report_data({"changed": False, "investigation": inv}) == report_data(inv)
    assert report_data({"investigations": [inv]}) == report_data(inv)
    with pytest.raises(ReportError, match="got a dict with keys investigations, msg"):
        report_data({"investigations": [inv, inv], "msg": ""})
    with pytest.raises(ReportError, match="Expected an investigation .* got str"):
        report_data("a1b2c3d4-5678-90ab-cdef-ef1234567890")


def test_a_json_summary_of_another_shape_is_cleaned_like_text():
    """A bidirectional override or a terminal escape inside a JSON summary the report cannot read is shown as a visible
    placeholder, as in any other text (the HTML report shows it in a <pre>)."""
    inv = samples.investigation()
    del inv["summary_data"]
    inv["summary"] = '{"note": "safe\\u202eexe.pdf", "bell": "\\u001b[31m"}'
    inv["summary_parsed"] = {"note": "safe\u202eexe.pdf", "bell": "\u001b[31m"}
    text = report_data(inv)["summary_text"]
    assert "\u202e" not in text and "\u001b" not in text and "safe\ufffdexe.pdf" in text
    assert "\u202e" not in render_html(inv)
