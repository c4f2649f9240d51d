# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The demo playbook (docs/demo/demo.yml, what scripts/demo runs) prints one clean verdict per investigation."""

from __future__ import annotations

import copy
import os

from gdemu import scenarios as sc

DEMO = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "demo", "demo.yml")
TASK = "Print the verdict and the recommended actions"
BARE_INV_ID = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
MEMBER_INV_ID = "8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e"


def messages(run):
    """{investigation id: the lines the demo printed for it}."""
    return {item["item"]["investigation_id"]: item["msg"] for item in run.result(TASK)["results"]}


def running(inv_id, prompt, result):
    """An investigation that runs as long as the demo's (the play must find it RUNNING, even on a busy machine)."""
    investigation = dict(result, InvestigationId=inv_id, Status="COMPLETED", TriggerPrompt=prompt)
    return {"detector_id": sc.DETECTOR_ID, "running_for": sc.DEMO_RUNNING_FOR, "records": [], "investigation": investigation}


def test_demo_prints_the_actions_one_per_line(play, guardduty_emulator):
    guardduty_emulator.load(sc.demo())
    with open(DEMO, encoding="utf-8") as fh:
        run = play(fh.read())
    assert run.rc == 0, run
    assert messages(run) == {
        sc.FINDING_INV_ID: [
            f"Investigation {sc.FINDING_INV_ID} (FINDING): COMPLETED",
            "Risk level: Critical   Confidence: High",
            "EC2 instance role credentials used from an external IP address",
            "Recommended actions (AI-generated; review before acting):",
            "- Revoke active sessions of the instance role",
            "- Move the instance to a quarantine security group",
            "- Require IMDSv2",
        ]
    }


def test_demo_says_when_there_is_nothing_to_recommend_and_lists_recommendations(play, guardduty_emulator):
    bare = copy.deepcopy(sc.finding_result("9" * 32, sc.ACCOUNT_ID, sc.REGION, "Low", "Medium"))
    del bare["SummaryData"]["Countermeasures"]
    del bare["SummaryData"]["KeyObservations"]
    member = sc.account_result(sc.MEMBER_ACCOUNT_ID, sc.REGION, 1767225600)
    scenario = sc.detectors(1)
    scenario["investigations"] = [
        running(BARE_INV_ID, f"Investigate finding {'9' * 32}", bare),
        running(MEMBER_INV_ID, f"Analyze findings in account with id {sc.MEMBER_ACCOUNT_ID}", member),
    ]
    guardduty_emulator.load(scenario)
    with open(DEMO, encoding="utf-8") as fh:
        run = play(fh.read())
    assert run.rc == 0, run
    printed = messages(run)
    # no stray empty list or empty line where an investigation has no actions or no title
    assert printed[BARE_INV_ID] == [
        f"Investigation {BARE_INV_ID} (FINDING): COMPLETED",
        "Risk level: Low   Confidence: Medium",
        "No recommended actions.",
    ]
    assert printed[MEMBER_INV_ID] == [
        f"Investigation {MEMBER_INV_ID} (ACCOUNT): COMPLETED",
        "Risk level: High   Confidence: Medium",
        f"Credential misuse and crypto-mining activity in account {sc.MEMBER_ACCOUNT_ID}",
        "Recommended actions (AI-generated; review before acting):",
        "- Review the IAM principals with the most high-severity findings",
        "- Enable Runtime Monitoring for EC2",
        "- Require IMDSv2 on all instances",
    ]
    assert "[]" not in run.stdout
