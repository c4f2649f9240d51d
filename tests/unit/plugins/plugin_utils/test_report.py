# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report renderer: normalisation, ordering, escaping, and the Markdown and HTML reports."""

from __future__ import annotations

import copy
import os
import re

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils import report
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils import report_samples as samples

# ---------------------------------------------------------------- risk ordering


def test_risk_rank_orders_levels_case_insensitively():
    assert [report.risk_rank(level) for level in ("info", "LOW", "Medium", "high", "Critical")] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("level", ["Severe", "", None, 3])
def test_risk_rank_rejects_unknown_levels_naming_the_valid_ones(level):
    with pytest.raises(report.ReportError, match="expected one of Info, Low, Medium, High, Critical"):
        report.risk_rank(level)


@pytest.mark.parametrize(
    "value, threshold, expected",
    [
        ("High", "High", True),
        ("Critical", "high", True),
        ("Medium", "High", False),
        ("Info", "Info", True),
        ({"investigation_id": "x", "risk_level": "Critical"}, "Medium", True),
        ({"investigation_id": "x", "risk_level": "Low"}, "Medium", False),
        ({"investigation_id": "x", "status": "RUNNING"}, "Info", False),  # no risk level yet
        ({"changed": False, "investigation": {"investigation_id": "x", "risk_level": "High"}}, "High", True),  # registered result
        (None, "Low", False),
        ("", "Low", False),
    ],
)
def test_risk_at_least(value, threshold, expected):
    assert report.risk_at_least(value, threshold) is expected


def test_risk_at_least_rejects_an_unknown_threshold_before_looking_at_the_value():
    with pytest.raises(report.ReportError, match="Unknown risk level threshold 'Severe'"):
        report.risk_at_least({"investigation_id": "x", "status": "RUNNING"}, "Severe")


def test_risk_at_least_rejects_an_unknown_value_level():
    with pytest.raises(report.ReportError, match="Unknown risk level 'Extreme'"):
        report.risk_at_least("Extreme", "High")


@pytest.mark.parametrize("value", [["High"], 4, {"foo": "bar"}])
def test_risk_at_least_rejects_what_is_not_an_investigation(value):
    with pytest.raises(report.ReportError, match="Expected an investigation"):
        report.risk_at_least(value, "High")


# ---------------------------------------------------------------- untrusted text


def test_clean_makes_control_characters_and_bidi_overrides_visible():
    assert report.clean("\x1b[31mRED\x1b[0m") == "\u241b[31mRED\u241b[0m"
    assert report.clean("a\u202eb\x7fc\x85") == "a\ufffdb\u2421c\ufffd"
    assert report.clean("one\r\ntwo\rthree\tfour") == "one\ntwo\nthree\tfour"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("<script>alert(1)</script>", r"\<script\>alert(1)\</script\>"),
        ("[click](javascript:alert(1))", r"\[click\](javascript:alert(1))"),
        ("![x](http://evil.example/t.png)", r"!\[x\](http://evil.example/t.png)"),
        ("# not a heading", r"\# not a heading"),
        ("- not a list", r"\- not a list"),
        ("1. not a list", r"1\. not a list"),
        ("198.51.100.23 stays", "198.51.100.23 stays"),
        ("IAM_ROLE and web_app stay, _emphasis_ does not", r"IAM_ROLE and web_app stay, \_emphasis\_ does not"),
        ("*bold* `code` a|b ~~s~~ back\\slash", r"\*bold\* \`code\` a\|b \~\~s\~\~ back\\slash"),
        ("two\nlines\n\n# mid-line is no heading", "two lines # mid-line is no heading"),
        ("{{ lookup('pipe', 'id') }}", "{{ lookup('pipe', 'id') }}"),
    ],
)
def test_md_inline_renders_literally(text, expected):
    assert report.md_inline(text) == expected


def test_md_paragraphs_keeps_paragraphs_and_escapes_each():
    assert report.md_paragraphs("# one\nline\n\n  \n<b>two</b>") == "\\# one line\n\n\\<b\\>two\\</b\\>"


def test_md_code_fence_is_longer_than_any_backtick_run_in_the_commands():
    block = report.md_code(["echo ```", "aws s3 ls"])
    assert block == "````text\necho ```\naws s3 ls\n````"
    assert report.md_code("ls") == "```text\nls\n```"


# ---------------------------------------------------------------- report data


def test_report_data_orders_actions_and_recommendations_by_priority():
    data = report.report_data(samples.investigation())
    assert [a["title"] for a in data["actions"]] == ["Revoke sessions", "Quarantine the instance", "Rotate keys", "Require IMDSv2"]
    assert [(g["priority"], len(g["entries"])) for g in data["action_groups"]] == [("IMMEDIATE", 2), ("SHORT_TERM", 1), ("STRATEGIC", 1)]
    assert data["actions"][0]["defense_tactic"] == "Evict"
    assert data["actions"][0]["countermeasure"] == "Invalidate the stolen session."
    account = report.report_data(samples.investigation("ACCOUNT"))
    assert [r["priority"] for r in account["recommendations"]] == ["IMMEDIATE", "SHORT_TERM", "STRATEGIC"]
    assert account["recommendations"][0]["category"] == "Further investigation"


def test_unknown_or_missing_priorities_sort_last_in_service_order():
    summary = samples.finding_summary()
    summary["countermeasures"][0]["actions"][0]["priority"] = "WHENEVER"
    del summary["countermeasures"][0]["actions"][1]["priority"]
    summary["countermeasures"][1]["actions"][0]["priority"] = "short-term"
    data = report.report_data(samples.investigation(summary=summary))
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
        structured_data, text_data = report.report_data(structured), report.report_data(text)
        assert structured_data.pop("summary_source") == "structured"
        assert text_data.pop("summary_source") == "text"
        assert text_data == structured_data, kind
        assert report.render_markdown(text) == report.render_markdown(structured)
        assert report.render_html(text) == report.render_html(structured)


def test_text_summary_without_summary_parsed_is_parsed_too():
    text = samples.as_text(samples.investigation("ACCOUNT"))
    del text["summary_parsed"]
    assert report.report_data(text)["key_observations"]["title"] == "Credential misuse in account 123456789012"


def test_recommendations_wrapped_in_items_are_read():
    summary = samples.account_summary()
    summary["recommendations"] = {"items": summary["recommendations"]}
    data = report.report_data(samples.investigation("ACCOUNT", summary=summary))
    assert [r["title"] for r in data["recommendations"]] == ["Review principals", "Enable Runtime Monitoring", "Require IMDSv2"]


def test_plain_and_unrecognised_text_summaries_are_shown_as_text():
    inv = samples.investigation()
    del inv["summary_data"]
    inv["summary"] = "Plain words.\n\nMore words."
    data = report.report_data(inv)
    assert (data["summary_source"], data["summary_text"], data["key_observations"]) == ("text", "Plain words.\n\nMore words.", None)
    inv["summary"] = '{"something": "else"}'
    inv["summary_parsed"] = {"something": "else"}
    assert report.report_data(inv)["summary_text"] == '{\n  "something": "else"\n}'


def test_attack_progression_keeps_phases_and_links_only_well_formed_attack_ids():
    summary = samples.finding_summary()
    attack = summary["threat_assessment"]["attack_progression"][0]["attacks"][0]
    attack["technique"]["uid"] = "javascript:alert(1)"
    data = report.report_data(samples.investigation(summary=summary))
    phases = data["attack_progression"]
    assert [p["phase"] for p in phases] == ["Initial Access", "Collection"]
    first = phases[0]["attacks"][0]
    assert first["tactic"] == {"name": "Initial Access", "uid": "TA0001", "url": "https://attack.mitre.org/tactics/TA0001/"}
    assert first["technique"]["url"] is None
    assert phases[1]["attacks"][0]["technique"]["url"] == "https://attack.mitre.org/techniques/T1530/"
    assert data["actions"][0]["mitigates"][0]["url"] == "https://attack.mitre.org/techniques/T1078/004/"
    html = report.render_html(samples.investigation(summary=summary))
    assert 'href="javascript' not in html and "javascript:alert(1)" in html


def test_affected_resources_are_merged_from_actions_and_the_account_analysis():
    data = report.report_data(samples.investigation())
    assert [(r["type"], r["identifier"], r["actions"]) for r in data["affected_resources"]] == [
        ("IAM_ROLE", "web-app", ["Revoke sessions"]),
        ("EC2_INSTANCE", "i-0abc", ["Quarantine the instance"]),
    ]
    account = report.report_data(samples.investigation("ACCOUNT"))
    assert account["affected_resources"] == [{"identifier": "build-bot", "type": "IAM_USER", "arn": None, "finding_count": 5, "actions": []}]


def test_scope_times_and_records_become_a_readable_timeline():
    data = report.report_data(samples.investigation("ACCOUNT"))
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
    assert report.report_data(without)["records"] is None


def test_registered_results_are_accepted_and_other_input_is_refused_clearly():
    inv = samples.investigation()
    assert report.report_data({"changed": False, "investigation": inv}) == report.report_data(inv)
    assert report.report_data({"investigations": [inv]}) == report.report_data(inv)
    with pytest.raises(report.ReportError, match="got a dict with keys investigations, msg"):
        report.report_data({"investigations": [inv, inv], "msg": ""})
    with pytest.raises(report.ReportError, match="Expected an investigation .* got str"):
        report.report_data("a1b2c3d4-5678-90ab-cdef-ef1234567890")


# ---------------------------------------------------------------- the reports


def hostile_investigation():
    inv = samples.investigation()
    inv["risk"] = f"{samples.SCRIPT} {samples.JINJA} \x1b[31mRED\x1b[0m"
    inv["trigger_prompt"] = f'Investigate finding {samples.FINDING_ID} "><img src=x onerror=alert(1)>'
    summary = inv["summary_data"]
    summary["key_observations"]["title"] = f"# {samples.SCRIPT}"
    summary["key_observations"]["observations"].append("[phish](https://evil.example/login)")
    summary["countermeasures"][1]["actions"][0]["cli_commands"] = [f"echo ``` {samples.SCRIPT} $(touch /tmp/x) {samples.JINJA}"]
    inv["records"][0]["narrative"] = f"</li></ol>{samples.SCRIPT}"
    return inv


def test_html_report_escapes_every_api_value_and_has_no_active_content():
    html = report.render_html(hostile_investigation())
    assert "<script" not in html.lower()
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "{{ lookup(&#39;pipe&#39;" in html  # shown, never evaluated
    assert "\x1b" not in html and "\u241b[31mRED" in html
    assert "echo ``` &lt;script&gt;alert(1)&lt;/script&gt; $(touch /tmp/x)" in html  # a command shown as text
    assert "default-src 'none'" in html  # CSP: no scripts, no remote loads
    assert not re.search(r"""(src|href)=["'](?!https://attack\.mitre\.org/)""", html)  # no other URL is ever loaded or linked
    assert "<link" not in html and "@import" not in html and "url(" not in html


def _outside_code_blocks(markdown):
    return re.sub(r"^(`{3,})text\n.*?\n\1$", "", markdown, flags=re.S | re.M)


def test_markdown_report_escapes_every_api_value():
    markdown = report.render_markdown(hostile_investigation())
    prose = _outside_code_blocks(markdown)
    assert "echo ```" not in prose  # the code block was found and removed
    assert not re.search(r"(?<!\\)[<\[]", prose)  # no raw HTML, link or image syntax outside code blocks
    assert r"### \# \<script\>alert(1)\</script\>" in markdown
    assert r"- \[phish\](https://evil.example/login)" in markdown
    assert "{{ lookup('pipe', 'touch /tmp/secops-guardduty-report-unit-pwned') }}" in markdown
    assert "\x1b" not in markdown
    assert "````text\necho ``` <script>alert(1)</script> $(touch /tmp/x)" in markdown  # literal inside a longer fence


@pytest.mark.parametrize("render", [report.render_markdown, report.render_html])
def test_reports_have_every_section_in_order(render):
    text = render(samples.investigation())
    order = [
        "AI-generated content",
        "Summary",
        "Attack progression (MITRE ATT&",
        "Countermeasures, by priority",
        "Immediate",
        "Short term",
        "Strategic",
        "Affected resources",
        "Reasoning timeline",
    ]
    positions = [text.find(needle) for needle in order]
    assert -1 not in positions and positions == sorted(positions), dict(zip(order, positions))
    assert text.rfind("AI-generated content") > positions[-1]  # the notice opens and closes the report
    glance = text[: text.find("Summary")]
    assert "High" in glance and "Medium" in glance and "COMPLETED" in glance  # risk, confidence and status at a glance
    assert "aws iam put-role-policy --role-name web-app" in text
    assert "T1078.004" in text and "TA0001" in text


def test_account_and_organization_reports_show_their_analysis():
    account = report.render_markdown(samples.investigation("ACCOUNT"))
    assert "## Account analysis" in account and "Critical 2, High 9, Medium 21, Low 12, Info 3" in account
    assert "| Impact | 6 | Resource Hijacking (T1496) |" in account
    organization = report.render_html(samples.investigation("ORGANIZATION"))
    assert 'id="organization-analysis"' in organization and "5 of 14 affected" in organization
    assert '<td class="mono">111122223333</td><td>77</td>' in organization


def test_failed_and_running_investigations_render_without_a_summary():
    failed = {
        "investigation_id": "f6a7b8c9-0123-45f0-1234-ef6789012345",
        "status": "FAILED",
        "trigger_prompt": "Investigate x",
        "error": "The finding type is not supported.",
        "start_time": "2026-01-15T11:50:00+00:00",
        "end_time": "2026-01-15T11:51:00+00:00",
        "records": [],
    }
    markdown = report.render_markdown(failed)
    assert "## Error" in markdown and "The finding type is not supported." in markdown
    assert "No summary: the investigation ended FAILED." in markdown
    assert "| **not assessed** | not assessed | FAILED | not reported |" in markdown
    assert "GuardDuty keeps records of COMPLETED investigations only" in markdown
    running = {"investigation_id": "e5f6a7b8-9012-34ef-0123-ef5678901234", "status": "RUNNING", "trigger_prompt": "Analyze"}
    html = report.render_html(running)
    assert "No summary yet: the investigation is still running." in html and "Records were not fetched" in html
    assert 'class="tile risk risk-unknown"' in html


def test_the_templates_are_the_roles_templates():
    role_templates = os.path.join("roles", "investigation_report", "templates")
    assert report.TEMPLATE_DIR.endswith(role_templates)
    assert sorted(os.listdir(report.TEMPLATE_DIR)) == [report.HTML_TEMPLATE, report.MARKDOWN_TEMPLATE]


def test_rendering_does_not_change_its_input():
    inv = hostile_investigation()
    before = copy.deepcopy(inv)
    report.render_markdown(inv)
    report.render_html(inv)
    report.report_data(inv)
    assert inv == before
