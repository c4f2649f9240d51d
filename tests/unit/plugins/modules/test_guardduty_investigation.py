# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from botocore.stub import ANY


from ansible_collections.secops.guardduty.plugins.module_utils import read
from ansible_collections.secops.guardduty.plugins.modules import guardduty_investigation
from ansible_collections.secops.guardduty.tests.unit.conftest import UNREACHABLE
from ansible_collections.secops.guardduty.tests.unit.sdk import needs_botocore_1_44_2

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
FID = "1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
INV = "a1b2c3d4-5678-90ab-cdef-ef1234567890"
PROMPT = f"Investigate finding {FID}"


@pytest.fixture
def stubber(stub_guardduty_client):
    return stub_guardduty_client(read)


def nothing_to_reuse(stub):
    stub.add_response(
        "list_investigations", {"Investigations": []}, {"DetectorId": DETECTOR, "FilterCriteria": {"Criterion": {"FINDING_ID": {"Equals": [FID]}}}}
    )
    stub.add_response(
        "list_investigations", {"Investigations": []}, {"DetectorId": DETECTOR, "FilterCriteria": {"Criterion": {"STATUS": {"Equals": ["RUNNING", "FAILED"]}}}}
    )


@needs_botocore_1_44_2
def test_creates_and_reports_a_change(run_module, stubber):
    nothing_to_reuse(stubber)
    stubber.add_response("create_investigation", {"InvestigationId": INV}, {"DetectorId": DETECTOR, "TriggerPrompt": PROMPT, "ClientToken": ANY})
    stubber.add_response(
        "get_investigation",
        {"Investigation": {"InvestigationId": INV, "Status": "RUNNING", "TriggerPrompt": PROMPT, "TriggeredBy": "123456789012"}},
        {"DetectorId": DETECTOR, "InvestigationId": INV},
    )
    out = run_module(guardduty_investigation.main, {"finding_id": FID.upper(), "detector_id": DETECTOR})
    assert not out.failed
    result = out.result
    assert (result["changed"], result["reused"], result["investigation_id"]) == (True, False, INV)
    assert result["trigger_prompt"] == PROMPT
    assert result["detector_id"] == DETECTOR
    assert len(result["client_token"]) == 64
    assert result["investigation"]["status"] == "RUNNING"
    stubber.assert_no_pending_responses()


@needs_botocore_1_44_2
def test_check_mode_never_calls_create(run_module, stubber):
    nothing_to_reuse(stubber)  # any CreateInvestigation would be an unexpected call
    out = run_module(guardduty_investigation.main, {"finding_id": FID, "detector_id": DETECTOR, "_ansible_check_mode": True})
    assert not out.failed
    assert out.result["changed"] is True
    assert out.result["reused"] is False
    assert "investigation_id" not in out.result
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "args, message",
    [
        (
            {"finding_id": FID, "account_id": "123456789012"},
            "Give exactly one of finding_id, account_id, organization=true or trigger_prompt; got finding_id and account_id",
        ),
        ({}, "Nothing to investigate"),
        ({"account_id": "1234"}, "Invalid account_id '1234'"),
        ({"organization": True, "client_token": "x" * 65}, "client_token must be 1 to 64 characters, got 65"),
        ({"organization": True, "reuse_window": -1}, "reuse_window must be a whole number of seconds"),
    ],
)
def test_invalid_input_fails_with_one_message_and_no_call(run_module, stubber, args, message):
    out = run_module(guardduty_investigation.main, dict({"detector_id": DETECTOR}, **args))
    assert out.failed
    assert out.result["msg"].startswith(message)
    assert "exception" not in out.result


@needs_botocore_1_44_2
def test_refused_create_fails_with_the_diagnosis_and_the_aws_details(run_module, stubber):
    nothing_to_reuse(stubber)
    stubber.add_client_error("create_investigation", "BadRequestException", "The AI_ANALYST feature is not enabled.", 400)
    stubber.add_response(
        "get_detector",
        {"ServiceRole": "arn:aws:iam::123456789012:role/gd", "Status": "ENABLED", "Features": [{"Name": "AI_ANALYST", "Status": "DISABLED"}]},
        {"DetectorId": DETECTOR},
    )
    out = run_module(guardduty_investigation.main, {"finding_id": FID, "detector_id": DETECTOR})
    assert out.failed
    assert "AI_ANALYST feature is not enabled on detector" in out.result["msg"]
    assert f"aws guardduty update-detector --detector-id {DETECTOR}" in out.result["msg"]
    assert out.result["error"]["code"] == "BadRequestException"
    assert out.result["trigger_prompt"] == PROMPT


def test_missing_credentials_say_how_to_provide_them(run_module, no_aws_credentials):
    exit_ = run_module(
        guardduty_investigation.main,
        {"organization": True, "detector_id": DETECTOR, "access_key": None, "secret_key": None, "endpoint_url": UNREACHABLE},
    )
    assert exit_.failed
    assert exit_.result["msg"].startswith("No AWS credentials were found, so nothing was sent to call ")
    assert f"on detector {DETECTOR} in us-east-1. Provide them in one of the ways amazon.aws reads: " in exit_.result["msg"]
    assert "retries exhausted" not in exit_.result["msg"]
    assert exit_.result.get("changed") is not True


def test_a_batch_runs_through_the_module_and_check_mode_starts_nothing(run_module, stubber):
    stubber.add_response(
        "list_investigations",
        {"Investigations": []},
        {"DetectorId": DETECTOR, "SortCriteria": {"AttributeName": "START_TIME", "OrderBy": "DESC"}, "MaxResults": 50},
    )
    findings = [
        {"type": "finding", "finding": {"id": FID, "severity": 9.5, "account_id": "123456789012"}},
        "0123456789abcdef0123456789abcdef",
    ]
    out = run_module(guardduty_investigation.main, {"findings": findings, "detector_id": DETECTOR, "daily_budget": 1, "_ansible_check_mode": True})
    assert not out.failed, out.result
    assert out.result["changed"] is True  # it would start one
    assert [(d["finding_id"], d["state"], d.get("reason")) for d in out.result["decisions"]] == [
        (FID, "investigated", None),
        ("0123456789abcdef0123456789abcdef", "deferred", "budget"),
    ]
    assert "investigation_id" not in out.result and "reused" not in out.result
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "args, message",
    [
        ({"organization": True, "group_threshold": 2}, "group_threshold only applies to a batch of findings (the findings option)"),
        ({"findings": [FID], "account_id": "123456789012"}, "findings (a batch) cannot be combined with account_id"),
        ({"findings": [{"id": "nope"}]}, "Invalid findings[0].id 'nope': a GuardDuty finding id is 32 hexadecimal characters"),
    ],
)
def test_a_bad_batch_fails_with_one_message_and_no_call(run_module, stubber, args, message):
    out = run_module(guardduty_investigation.main, dict({"detector_id": DETECTOR}, **args))
    assert out.failed
    assert out.result["msg"].startswith(message), out.result["msg"]
    assert "exception" not in out.result
    stubber.assert_no_pending_responses()
