# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The investigation_report role in real playbook runs against the emulator (connection from AWS_* variables)."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest

from gdemu import scenarios

FRESH_FINDING_ID = "7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d"  # no investigation yet: the role starts one


def report_scenario():
    """demo() (FINDING RUNNING for 1 s, ACCOUNT, ORGANIZATION), basic()'s and hostile()'s FAILED ones; creates run for 1 s."""
    scenario = scenarios.demo()
    for entry in scenario["investigations"]:
        if entry["investigation"]["InvestigationId"] == scenarios.FINDING_INV_ID:
            entry["running_for"] = 1
    wanted = {scenarios.FAILED_INV_ID, scenarios.HOSTILE_FAILED_INV_ID}
    for builder in (scenarios.basic, scenarios.hostile):
        scenario["investigations"] += [e for e in builder()["investigations"] if e["investigation"]["InvestigationId"] in wanted]
    scenario["create"] = {"running_for": 1}
    return scenario


@pytest.fixture
def emulator(guardduty_emulator):
    guardduty_emulator.load(report_scenario())
    return guardduty_emulator


def connection(emulator):
    # as AWX's credential injects it; AWS_URL is the endpoint_url amazon.aws reads from the environment
    return {"AWS_URL": emulator.url}


CASES = [
    ("finding", {"investigation_report_investigation_id": scenarios.FINDING_INV_ID}),
    ("account_text", {"investigation_report_investigation_id": scenarios.ACCOUNT_INV_ID, "investigation_report_summary_format": "text"}),
    ("ask_organization", {"investigation_report_organization": True, "investigation_report_fail_at_risk_level": "High"}),
    ("hostile_failed", {"investigation_report_investigation_id": scenarios.HOSTILE_FAILED_INV_ID, "investigation_report_allow_failed": True}),
]

# The same ACCOUNT investigation with its structured summary, rendered by the filter the role uses.
STRUCTURED_ACCOUNT = [
    {"name": "Get the ACCOUNT investigation with its structured summary",
     "secops.guardduty.guardduty_investigation_info": {"investigation_id": scenarios.ACCOUNT_INV_ID, "summary_format": "structured", "include_records": True},
     "register": "structured"},
    {"name": "Render it", "ansible.builtin.debug": {"msg": {"markdown": "{{ structured.investigation | secops.guardduty.investigation_markdown }}",
                                                            "html": "{{ structured | secops.guardduty.investigation_html }}"}}},
]


def role_playbook(cases, extra_tasks=()):
    tasks = list(extra_tasks)
    for name, role_vars in cases:
        role_vars = dict(role_vars, investigation_report_dir="{{ report_root }}/" + name, investigation_report_wait_sleep=1)
        tasks.append({"name": f"Report {name}", "ansible.builtin.include_role": {"name": "secops.guardduty.investigation_report"}, "vars": role_vars})
        kept = {"investigation": "{{ investigation_report_investigation }}", "files": "{{ investigation_report_files | default([]) }}",
                "start": "{{ investigation_report_start | default({}) }}"}
        tasks.append({"name": f"Keep {name}", "ansible.builtin.debug": {"msg": kept}})
    return json.dumps([{"name": "Reports", "hosts": "localhost", "gather_facts": False, "tasks": tasks}])


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_role_reports_every_kind_of_investigation(play, emulator, tmp_path):
    result = play(role_playbook(CASES, STRUCTURED_ACCOUNT), extra_vars={"report_root": str(tmp_path / "reports")}, env=connection(emulator))
    assert result.rc == 0, result
    kept = {name: result.result(f"Keep {name}")["msg"] for name in dict(CASES)}

    for name, outcome in kept.items():
        inv = outcome["investigation"]
        md, html = outcome["files"]
        assert (md, html) == (f"{tmp_path}/reports/{name}/{inv['investigation_id']}.md", f"{tmp_path}/reports/{name}/{inv['investigation_id']}.html"), name
        assert stat.S_IMODE(os.stat(md).st_mode) == 0o600 and stat.S_IMODE(os.stat(html).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(tmp_path / "reports" / name).st_mode) == 0o700
        assert "AI-generated, needs human review" in read(md) and "AI-generated, needs human review" in read(html)
        assert "<script" not in read(html).lower()

    # FINDING: waited until COMPLETED; structured summary, ATT&CK ids, actions by priority, commands as code, timeline
    finding = kept["finding"]["investigation"]
    assert finding["status"] == "COMPLETED" and "summary_data" in finding and len(finding["records"]) == 8
    md = read(kept["finding"]["files"][0])
    assert "| **Critical** | High | COMPLETED | FINDING |" in md
    assert "| Initial Access (TA0001) | Valid Accounts: Cloud Accounts (T1078.004) |" in md
    assert md.index("### Immediate") < md.index("#### Revoke active sessions") < md.index("### Short term") < md.index("#### Require IMDSv2")
    assert "```text\naws ec2 modify-instance-attribute --instance-id i-0a1b2c3d4e5f67890 --groups sg-0quarantine0000001\n" in md
    assert "| IAM_ROLE | web-app-instance-role | arn:aws:iam::123456789012:role/web-app-instance-role |" in md
    assert len(re.findall(r"^1\. .* \*\*(UPDATE|FETCH|OBSERVATION|ANALYSIS|METADATA)\*\*", md, re.M)) == 8
    html = read(kept["finding"]["files"][1])
    assert '<div class="tile risk risk-critical" id="risk-level"><span class="label">Risk level</span><span class="value">Critical</span>' in html
    assert 'href="https://attack.mitre.org/techniques/T1078/004/"' in html

    # ACCOUNT: the role's report of the text summary is the filter's report of the structured summary
    account = kept["account_text"]["investigation"]
    assert "summary_data" not in account and account["summary_parsed"]["keyObservations"]["title"]
    structured = result.result("Render it")["msg"]
    assert read(kept["account_text"]["files"][0]) == structured["markdown"]
    assert read(kept["account_text"]["files"][1]) == structured["html"]
    account_md = structured["markdown"]
    assert "## Account analysis" in account_md and "| Impact | 6 | Resource Hijacking (T1496) |" in account_md
    assert account_md.index("### Immediate") < account_md.index("### Short term") < account_md.index("### Strategic")

    # ORGANIZATION, asked as a question: started once, waited for; Medium is below the High gate
    organization = kept["ask_organization"]
    assert organization["start"]["changed"] is True and organization["investigation"]["scope"]["investigation_type"] == "ORGANIZATION"
    assert len(emulator.created()) == 1
    org_md = read(organization["files"][0])
    assert "| **Medium** | Medium | COMPLETED | ORGANIZATION |" in org_md
    assert "## Organization analysis" in org_md and "- **Accounts:** 5 of 14 affected" in org_md and "| 111122223333 | 77 |" in org_md

    # FAILED with allow_failed: reported with the service's error, which is hostile text: it stays text and nothing in it runs
    hostile_html, hostile_md = read(kept["hostile_failed"]["files"][1]), read(kept["hostile_failed"]["files"][0])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile_html and "<script" not in hostile_html
    assert "{{ lookup(&#39;pipe&#39;, &#39;touch /tmp/pwned&#39;) }}" in hostile_html
    assert "\u241b[31mRED ALERT\u241b[0m" in hostile_html and "\x1b" not in hostile_md + hostile_html
    assert "## Error" in hostile_md and r"\<script\>alert(1)\</script\>" in hostile_md and not re.search(r"(?<!\\)<", hostile_md)
    assert "{{ lookup('pipe', 'touch /tmp/pwned') }}" in hostile_md
    assert "No summary: the investigation ended FAILED." in hostile_html
    assert not os.path.exists(scenarios.PWNED_PATH)

    # the last set_stats: per host off, aggregated, guardduty_* artifacts (no risk level for a FAILED investigation)
    stats = result.result("secops.guardduty.investigation_report : Publish the outcome for AWX workflows")["ansible_stats"]
    assert stats["per_host"] is False and stats["aggregate"] is True
    assert stats["data"] == {
        "guardduty_investigation_id": scenarios.HOSTILE_FAILED_INV_ID,
        "guardduty_status": "FAILED",
        "guardduty_risk_level": "",
        "guardduty_confidence": "",
        "guardduty_report_files": kept["hostile_failed"]["files"],
    }


ERROR_CASES = {
    "two_questions": {"investigation_report_investigation_id": scenarios.ORG_INV_ID, "investigation_report_finding_id": FRESH_FINDING_ID},
    "no_question": {},
    "bad_gate": {"investigation_report_investigation_id": scenarios.ORG_INV_ID, "investigation_report_fail_at_risk_level": "Severe"},
    "bad_account": {"investigation_report_account_id": "12345"},
    "missing": {"investigation_report_investigation_id": scenarios.MISSING_INV_ID},
    "failed": {"investigation_report_investigation_id": scenarios.FAILED_INV_ID},
    "gate": {"investigation_report_investigation_id": scenarios.ORG_INV_ID, "investigation_report_fail_at_risk_level": "Medium"},
}


def error_playbook():
    tasks = [{"name": "Start with no errors", "ansible.builtin.set_fact": {"errors": {}}}]
    for name, role_vars in ERROR_CASES.items():
        role_vars = dict(role_vars, investigation_report_dir="{{ report_root }}/" + name, investigation_report_wait_sleep=1)
        tasks.append({
            "name": f"Case {name}",
            "block": [{"name": f"Report {name}", "ansible.builtin.include_role": {"name": "secops.guardduty.investigation_report"}, "vars": role_vars}],
            "rescue": [{"name": f"Keep the error of {name}",
                        "ansible.builtin.set_fact": {"errors": "{{ errors | combine({'%s': ansible_failed_result.msg}) }}" % name}}],
        })
    tasks.append({"name": "Show errors", "ansible.builtin.debug": {"var": "errors"}})
    # check mode: a question that would start an investigation starts nothing and writes nothing
    tasks.append({"name": "Report in check mode",
                  "ansible.builtin.include_role": {"name": "secops.guardduty.investigation_report", "apply": {"check_mode": True}},
                  "vars": {"investigation_report_organization": True, "investigation_report_dir": "{{ report_root }}/check"}})
    return json.dumps([{"name": "Errors", "hosts": "localhost", "gather_facts": False, "tasks": tasks}])


def test_bad_input_and_the_risk_gate_fail_with_one_clear_message(play, emulator, tmp_path):
    result = play(error_playbook(), extra_vars={"report_root": str(tmp_path / "reports")}, env=connection(emulator))
    assert result.rc == 0, result
    errors = result.result("Show errors")["errors"]
    assert sorted(errors) == sorted(ERROR_CASES)
    exactly_one = ("Give exactly one of investigation_report_investigation_id, investigation_report_finding_id, investigation_report_account_id "
                   "or investigation_report_organization=true (investigate.yml: investigation_id, finding_id, account_id or organization=true); got ")
    assert errors["two_questions"] == exactly_one + "investigation_id, finding_id."
    assert errors["no_question"] == exactly_one + "none of them."
    assert "investigation_report_fail_at_risk_level must be one of: , Info, Low, Medium, High, Critical, got: Severe" in errors["bad_gate"]
    assert "12345" in errors["bad_account"] and "12 digits" in errors["bad_account"]
    assert scenarios.MISSING_INV_ID in errors["missing"] and "was not found" in errors["missing"]
    assert scenarios.FAILED_ERROR in errors["failed"] and "allow_failed" in errors["failed"]
    md = f"{tmp_path}/reports/gate/{scenarios.ORG_INV_ID}.md"
    assert errors["gate"] == (
        f"GuardDuty investigation {scenarios.ORG_INV_ID} assessed risk level Medium, which is at or above the gate "
        f"investigation_report_fail_at_risk_level (fail_at_risk_level) = Medium. The reports are written: {md}, {md[:-3]}.html"
    )
    assert os.path.exists(md)
    assert sorted(os.listdir(tmp_path / "reports")) == ["gate"]  # nothing else wrote a report
    assert result.result("secops.guardduty.investigation_report : Say why there is no report in check mode")["msg"] == (
        'Check mode: a new investigation would be started for "Analyze findings in my organization"; there is nothing to report on yet.'
    )
    assert emulator.created() == []  # neither bad input nor check mode started anything
