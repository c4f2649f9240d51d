# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""docs/iam/*.json against what the plugins really call.

Representative playbooks of each plugin run while the emulator denies every GuardDuty operation that plugin's
policy does not allow (so the policy is enough), and afterwards every call in the request log must be allowed by
the policy for that detector's ARN, and every action of the policy must have been used (nothing superfluous).
"""

from __future__ import annotations

import fnmatch
import json
import os

import pytest

from gdemu import scenarios as sc
from gdemu.model import service_model
from gdplay import playbook
from gdplay import task
from reliability import CONN
from reliability import FAST
from reliability import INFO
from reliability import LOOKUP
from reliability import RICH
from reliability import START
from reliability import debug

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "iam")
POLICIES = {"info module": "investigation-read.json", "lookup": "investigation-read.json", "start module": "investigation-start.json"}
# GuardDuty refuses a prompt naming two findings; the module then checks the detector (GetDetector) to explain why
REFUSED_PROMPT = f"Investigate findings {'a' * 32} and {'b' * 32}"


def _policy(plugin):
    with open(os.path.join(DOCS, POLICIES[plugin]), encoding="utf-8") as handle:
        return json.load(handle)


def _allowed(policy, detectors):
    """{operation: [resource patterns]} the policy allows, with its placeholders filled for these detectors."""
    allowed = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow" and "NotAction" not in statement and "Condition" not in statement
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        filled = [
            resource.replace("REGION", "us-east-1").replace("ACCOUNT_ID", sc.ACCOUNT_ID).replace("DETECTOR_ID", detector)
            for resource in resources
            for detector in detectors
        ]
        for action in statement["Action"]:
            service, operation = action.split(":")
            assert service == "guardduty" and "*" not in operation, action
            allowed.setdefault(operation, []).extend(filled)
    return allowed


def _scenario(plugin):
    data = sc.basic()
    data["create"] = {"running_for": 1}
    # two investigations that finish after 2 s, to wait on together
    for entry in sc.many(2)["investigations"]:
        entry["running_for"] = 2
        data["investigations"].append(entry)
    return data


def _play(plugin):
    waiting = [sc.many_id(0), sc.many_id(1)]
    if plugin == "info module":
        return playbook(
            task("get", INFO, {"investigation_id": sc.COMPLETED_INV_ID, "include_records": RICH, "summary_format": "structured" if RICH else "text"})
            + task("list", INFO, {"sort_by": "start_time"})
            + task("wait", INFO, {"investigation_ids": waiting, "wait": True, "wait_sleep": 1, "wait_timeout": 30})
        )
    if plugin == "lookup":
        records = ", include_records=true" if RICH else ""
        return playbook(
            debug("get", f"query('{LOOKUP}', '{sc.COMPLETED_INV_ID}', '{sc.TEXT_ONLY_INV_ID}', {CONN}{records})")
            + debug("wait", f"query('{LOOKUP}', *{waiting}, {CONN}, wait=true, wait_sleep=1, wait_timeout=30)")
        )
    return playbook(
        task("start", START, {"organization": True, "wait": True, "wait_sleep": 1, "wait_timeout": 30, "include_records": RICH})
        + task("reuse", START, {"organization": True})
        + task("check mode", START, {"account_id": "444455556666"}, check_mode=True)
        + task("refused", START, {"trigger_prompt": REFUSED_PROMPT}, ignore_errors=True)
    )


@pytest.mark.parametrize("plugin", list(POLICIES))
def test_policy_is_enough_and_nothing_more(play, guardduty_emulator, plugin):
    policy = _policy(plugin)
    data = _scenario(plugin)
    detectors = [item["detector_id"] for item in data["detectors"]]
    allowed = _allowed(policy, detectors)
    # everything the policy does not allow is denied, as IAM would
    data["denied_operations"] = sorted(set(service_model().operation_names) - set(allowed))
    guardduty_emulator.load(data)

    run = play(_play(plugin), env=FAST)
    assert run.rc == 0, run
    failed = [t["task"] for t in run.tasks if t["status"] == "failed"]
    if plugin == "start module":
        assert failed == ["refused"]
        assert run.result("refused")["msg"].startswith(f"GuardDuty refused to start the investigation on detector {sc.DETECTOR_ID} in us-east-1")
    else:
        assert failed == []

    calls = guardduty_emulator.calls()
    assert calls and all(call["status"] != 403 for call in calls), [c for c in calls if c["status"] == 403]
    for call in calls:
        patterns = allowed.get(call["operation"])
        assert patterns, f"{plugin} called {call['operation']}, which its policy does not allow"
        if call["detector_id"]:
            arn = f"arn:aws:guardduty:us-east-1:{sc.ACCOUNT_ID}:detector/{call['detector_id']}"
            assert any(fnmatch.fnmatchcase(arn, pattern) for pattern in patterns), (call["operation"], arn, patterns)
        else:
            assert call["operation"] == "ListDetectors" and "*" in patterns
    used = {call["operation"] for call in calls}
    needed = set(allowed) if RICH else set(allowed) - {"ListInvestigationRecords"}  # records need botocore 1.44.2
    assert used == needed, f"used {sorted(used)}, the policy allows {sorted(allowed)}"


def _document(name):
    with open(os.path.join(DOCS, name), encoding="utf-8") as handle:
        return json.load(handle)


def test_organization_documents_cover_what_the_contain_role_assumes():
    """The organization's IAM documents against what the contain role does with contain_assume_role (moto does not
    enforce IAM, so this is checked against the role's own values, not by a denial): the administrator's identity may
    call sts:AssumeRole on the role the documented template names for any member, and read the investigation with the
    GuardDuty actions the role's info task calls; the member role trusts only that identity, only with the external id."""
    # the template of the docs, as the role fills it in (test_contain_org.py assumes it through the role)
    assumed = "arn:aws:iam::{account_id}:role/SecOpsContainment".replace("{account_id}", sc.MEMBER_ACCOUNT_ID)
    admin = _document("contain-admin-assume.json")
    (assume,) = [s for s in admin["Statement"] if s["Action"] == "sts:AssumeRole"]
    assert assume["Effect"] == "Allow" and fnmatch.fnmatchcase(assumed, assume["Resource"])
    assert "aws:ResourceOrgID" in assume["Condition"]["StringEquals"]
    (read,) = [s for s in admin["Statement"] if s is not assume]
    # the role's "Get the investigation" task: guardduty_investigation_info with include_records, and no detector_id
    assert sorted(read["Action"]) == sorted(["guardduty:ListDetectors", "guardduty:GetInvestigation", "guardduty:ListInvestigationRecords"])
    assert sorted([s for s in _document("contain-plan.json")["Statement"] if s["Sid"] == "ReadTheInvestigation"][0]["Action"]) == sorted(read["Action"])
    (trust,) = _document("contain-member-trust.json")["Statement"]
    assert trust["Effect"] == "Allow" and trust["Action"] == "sts:AssumeRole"
    assert trust["Principal"] == {"AWS": "arn:aws:iam::ADMIN_ACCOUNT_ID:ADMIN_PRINCIPAL"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "EXTERNAL_ID"}}
    # the member role reads and changes with the contain policies; aws_caller_info's sts:GetCallerIdentity is among them
    assert "sts:GetCallerIdentity" in [a for s in _document("contain-plan.json")["Statement"] for a in s["Action"]]


def test_many_regions_policy_covers_every_regions_detector():
    """docs/iam/eda-sources-regions.json: with regions the detector is found in each Region (ListDetectors) and the
    sources' actions are allowed on every Region's detectors, investigations included; the same actions as the
    one-Region policy."""
    regions = _document("eda-sources-regions.json")
    one = _document("eda-sources.json")
    actions = {a for s in regions["Statement"] for a in s["Action"]}
    assert actions == {a for s in one["Statement"] for a in s["Action"]}
    (scoped,) = [s for s in regions["Statement"] if "guardduty:ListDetectors" not in s["Action"]]
    for region in ("us-east-1", "eu-west-1", "ap-northeast-1"):
        for resource in (f"detector/{sc.DETECTOR_ID}", f"detector/{sc.DETECTOR_ID}/investigation/x"):
            arn = f"arn:aws:guardduty:{region}:{sc.ACCOUNT_ID}:{resource}"
            assert any(fnmatch.fnmatchcase(arn, p.replace("ACCOUNT_ID", sc.ACCOUNT_ID)) for p in scoped["Resource"]), arn
