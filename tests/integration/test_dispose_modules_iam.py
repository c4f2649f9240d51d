# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""docs/iam/dispose-modules.json against what guardduty_finding, guardduty_filter and securityhub_finding call:
representative playbooks run while the emulator denies every GuardDuty and Security Hub operation the policy does
not allow (so the policy is enough), and every action of the policy shows up in the request log, on a resource the
policy names (so nothing in it is superfluous)."""

from __future__ import annotations

import fnmatch
import json
import os

from gdemu import scenarios as sc
from gdemu.model import operation_names
from gdplay import playbook
from gdplay import task

POLICY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "iam", "dispose-modules.json")
IDS = [f"{index:032x}" for index in range(1, 3)]


def allowed(path=POLICY):
    """{operation as the emulator logs it: [resource patterns]} of the policy at ``path``, its placeholders filled in."""
    with open(path, encoding="utf-8") as handle:
        policy = json.load(handle)
    out = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow" and "NotAction" not in statement and "Condition" not in statement
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        filled = [r.replace("REGION", sc.REGION).replace("ACCOUNT_ID", sc.ACCOUNT_ID).replace("DETECTOR_ID", sc.DETECTOR_ID) for r in resources]
        for action in statement["Action"]:
            service, operation = action.split(":")
            assert "*" not in operation, action
            out.setdefault(operation if service == "guardduty" else action, []).extend(filled)
    return out


def test_the_policy_is_enough_and_nothing_more(play, guardduty_emulator):
    policy = allowed()
    scenario = sc.empty()
    scenario["findings"] = [sc.finding(finding_id, 2.0, sc.LOW_FINDING_TYPE) for finding_id in IDS]
    scenario["denied_operations"] = sorted(operation_names() - set(policy))
    guardduty_emulator.load(scenario)
    rule = {"name": "suppress-scan", "action": "archive", "criteria": {"type": {"equals": sc.LOW_FINDING_TYPE}}}
    result = play(playbook(
        task("close", "secops.guardduty.guardduty_finding", {"finding_ids": IDS, "archived": True, "feedback": "not_useful"})
        + task("reopen", "secops.guardduty.guardduty_finding", {"finding_ids": [IDS[0]], "archived": False})
        + task("rule", "secops.guardduty.guardduty_filter", rule)
        + task("rule rank", "secops.guardduty.guardduty_filter", {"name": "suppress-scan", "rank": 2})
        + task("rule gone", "secops.guardduty.guardduty_filter", {"name": "suppress-scan", "state": "absent"})
        + task("hub", "secops.guardduty.securityhub_finding", {"guardduty_finding_ids": IDS, "workflow_status": "SUPPRESSED"})
    ))
    assert result.rc == 0, result
    calls = guardduty_emulator.calls()
    check_calls(calls, policy, "docs/iam/dispose-modules.json")
    assert {call["operation"] for call in calls} == set(policy)


def check_calls(calls, policy, name):
    """Every call of the emulator's log allowed by ``policy`` (allowed()), on a resource it names; none denied."""
    assert calls and all(call["status"] != 403 for call in calls), [c for c in calls if c["status"] == 403]
    for call in calls:
        patterns = policy.get(call["operation"])
        assert patterns, f"{call['operation']} is called but {name} does not allow it"
        if call["service"] == "securityhub":
            resource = f"arn:aws:securityhub:{sc.REGION}:{sc.ACCOUNT_ID}:hub/default"
        elif call["detector_id"]:
            resource = f"arn:aws:guardduty:{sc.REGION}:{sc.ACCOUNT_ID}:detector/{call['detector_id']}"
        else:
            resource = "*"
        assert any(fnmatch.fnmatchcase(resource, pattern) for pattern in patterns), (call["operation"], resource, patterns)
