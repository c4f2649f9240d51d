# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Markdown and HTML reports: escaping, sections, and the templates beside the renderer."""

from __future__ import annotations

import copy
import os
import re

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.data import report_data
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import HTML_TEMPLATE
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import MARKDOWN_TEMPLATE
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_html
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_markdown
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import TEMPLATE_DIR
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.report import samples


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
    html = render_html(hostile_investigation())
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
    markdown = render_markdown(hostile_investigation())
    prose = _outside_code_blocks(markdown)
    assert "echo ```" not in prose  # the code block was found and removed
    assert not re.search(r"(?<!\\)[<\[]", prose)  # no raw HTML, link or image syntax outside code blocks
    assert r"### \# \<script\>alert(1)\</script\>" in markdown
    assert r"- \[phish\](https://evil.example/login)" in markdown
    assert "{{ lookup('pipe', 'touch /tmp/secops-guardduty-report-unit-pwned') }}" in markdown
    assert "\x1b" not in markdown
    assert "````text\necho ``` <script>alert(1)</script> $(touch /tmp/x)" in markdown  # literal inside a longer fence


@pytest.mark.parametrize("render", [render_markdown, render_html])
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
    account = render_markdown(samples.investigation("ACCOUNT"))
    assert "## Account analysis" in account and "Critical 2, High 9, Medium 21, Low 12, Info 3" in account
    assert "| Impact | 6 | Resource Hijacking (T1496) |" in account
    organization = render_html(samples.investigation("ORGANIZATION"))
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
    markdown = render_markdown(failed)
    assert "## Error" in markdown and "The finding type is not supported." in markdown
    assert "No summary: the investigation ended FAILED." in markdown
    assert "| **not assessed** | not assessed | FAILED | not reported |" in markdown
    assert "GuardDuty keeps records of COMPLETED investigations only" in markdown
    running = {"investigation_id": "e5f6a7b8-9012-34ef-0123-ef5678901234", "status": "RUNNING", "trigger_prompt": "Analyze"}
    html = render_html(running)
    assert "No summary yet: the investigation is still running." in html and "Records were not fetched" in html
    assert 'class="tile risk risk-unknown"' in html


def test_the_templates_live_beside_the_renderer_and_the_role_has_no_copy():
    assert TEMPLATE_DIR.endswith(os.path.join("plugins", "plugin_utils", "report", "templates"))
    assert sorted(os.listdir(TEMPLATE_DIR)) == [HTML_TEMPLATE, MARKDOWN_TEMPLATE]
    collection = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(TEMPLATE_DIR))))
    role = os.path.join(collection, "roles", "investigation_report")
    assert os.path.isdir(os.path.join(role, "tasks"))
    assert not [name for _dirs, _subdirs, names in os.walk(role) for name in names if name.endswith(".j2")]  # the role renders with the filters


def test_rendering_does_not_change_its_input():
    inv = hostile_investigation()
    before = copy.deepcopy(inv)
    render_markdown(inv)
    render_html(inv)
    report_data(inv)
    assert inv == before


def test_a_member_accounts_investigation_shows_the_members_account_escaped():
    """Seen from the administrator, a member's finding investigation names the member in cloud.account (the info
    module with regions adds account_id): both reports show it, escaped like every other value."""
    member = samples.investigation("FINDING", cloud={"provider": "AWS", "region": "eu-west-1", "account": "111122223333"})
    assert report_data(member)["account_id"] == "111122223333"
    assert "- **Account:** 111122223333" in render_markdown(member)
    assert '<dt>Account</dt><dd class="mono">111122223333</dd>' in render_html(member)
    assert report_data(dict(member, account_id="444455556666"))["account_id"] == "444455556666"
    hostile = dict(member, cloud={"account": "<b>1111</b>"})
    assert "<b>1111</b>" not in render_html(hostile) and "&lt;b&gt;1111&lt;/b&gt;" in render_html(hostile)
    # an account investigation shows the account it analysed; the organization's shows the administrator account only
    assert report_data(samples.investigation("ACCOUNT", cloud={"account": "111122223333"}))["account_id"] == "123456789012"
    organization = report_data(samples.investigation("ORGANIZATION"))
    assert organization["account_id"] is None and organization["admin_account_id"] == "123456789012"
