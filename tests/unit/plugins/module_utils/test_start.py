# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime
import re

import boto3
import botocore
import pytest
from botocore.stub import Stubber

from ansible_collections.secops.guardduty.plugins.module_utils import client as client_mod

from ansible_collections.secops.guardduty.plugins.module_utils import start as start_mod
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader
from ansible_collections.secops.guardduty.plugins.module_utils.start import Question
from ansible_collections.secops.guardduty.plugins.module_utils.start import build_question
from ansible_collections.secops.guardduty.plugins.module_utils.start import check_start_options
from ansible_collections.secops.guardduty.plugins.module_utils.start import derive_client_token
from ansible_collections.secops.guardduty.plugins.module_utils.start import diagnose_create_error
from ansible_collections.secops.guardduty.plugins.module_utils.start import select_existing
from ansible_collections.secops.guardduty.plugins.module_utils.start import start
from ansible_collections.secops.guardduty.tests.unit.sdk import needs_botocore_1_44_2

from .conftest import DETECTOR

FID = "1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
OTHER_FID = "0123456789abcdef0123456789abcdef"
ACCOUNT = "123456789012"
NOW = 1_800_000_000.0  # a fixed "now" (2027-01-15T08:00:00Z)
DAY = 86400
A = "aaaaaaaa-0000-0000-0000-000000000000"
B = "bbbbbbbb-0000-0000-0000-000000000000"
C = "cccccccc-0000-0000-0000-000000000000"
FINDING_PROMPT = f"Investigate finding {FID}"
ORG_PROMPT = "Analyze findings in my organization"


def at(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)


def summary(iid, prompt, status="COMPLETED", started=NOW - 60, **extra):
    item = {"InvestigationId": iid, "Status": status, "TriggerPrompt": prompt}
    if started is not None:
        item["StartTime"] = at(started)
    item.update(extra)
    return item


def full(iid, prompt, status="RUNNING", **extra):
    return dict({"InvestigationId": iid, "Status": status, "TriggerPrompt": prompt, "TriggeredBy": ACCOUNT, "StartTime": at(NOW)}, **extra)


@pytest.fixture
def no_sleep(monkeypatch):
    """Virtual time: the wait's clock and sleep (the readers') and the retries' backoff (client.RetryBackoff.sleep)
    advance a clock instead of blocking."""
    now = {"t": 0.0, "sleeps": []}

    def pause(seconds):
        now["t"] += seconds
        now["sleeps"].append(seconds)

    monkeypatch.setattr(InvestigationReader, "clock", staticmethod(lambda: now["t"]))
    monkeypatch.setattr(InvestigationReader, "sleep", staticmethod(pause))
    monkeypatch.setattr(client_mod.RetryBackoff, "sleep", staticmethod(pause))
    return now


def reader_for(client, region="us-east-1"):
    return InvestigationReader(client, region=region, concurrency=1)


def run_start(client, check_mode=False, warnings=None, now=NOW, region="us-east-1", **opts):
    warnings = [] if warnings is None else warnings
    opts.setdefault("detector_id", DETECTOR)
    return start(reader_for(client, region), opts, check_mode, warnings.append, now=now)


def list_params(criterion=None):
    params = {"DetectorId": DETECTOR}
    if criterion:
        params["FilterCriteria"] = {"Criterion": criterion}
    return params


def expect_finding_listing(stub, by_finding=(), unsettled=(), fid=FID):
    stub.add_response("list_investigations", {"Investigations": list(by_finding)}, list_params({"FINDING_ID": {"Equals": [fid]}}))
    stub.add_response("list_investigations", {"Investigations": list(unsettled)}, list_params({"STATUS": {"Equals": ["RUNNING", "FAILED"]}}))


def client_error(code, message, status, operation="CreateInvestigation"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


# ---------------------------------------------------------------- the question


@pytest.mark.parametrize(
    "given, subject, prompt",
    [
        ({"finding_id": FID}, "finding", f"Investigate finding {FID}"),
        ({"finding_id": f"  {FID.upper()} "}, "finding", f"Investigate finding {FID}"),
        ({"account_id": ACCOUNT}, "account", f"Analyze findings in account with id {ACCOUNT}"),
        ({"organization": True}, "organization", "Analyze findings in my organization"),
        ({"organization": False, "finding_id": FID}, "finding", f"Investigate finding {FID}"),
        ({"trigger_prompt": "  Analyze S3 findings in my account\n"}, "prompt", "  Analyze S3 findings in my account\n"),
        ({"trigger_prompt": "x" * 2048}, "prompt", "x" * 2048),
    ],
)
def test_each_form_builds_the_documented_prompt(stubbed, given, subject, prompt):
    client, _stub = stubbed
    question = build_question(client, **given)
    assert (question.subject, question.prompt) == (subject, prompt)


@pytest.mark.parametrize(
    "given, message",
    [
        ({}, "Nothing to investigate: give exactly one of finding_id, account_id, organization=true or trigger_prompt"),
        ({"organization": False}, "Nothing to investigate"),
        (
            {"finding_id": FID, "account_id": ACCOUNT},
            "Give exactly one of finding_id, account_id, organization=true or trigger_prompt; got finding_id and account_id",
        ),
        (
            {"organization": True, "trigger_prompt": "x"},
            "Give exactly one of finding_id, account_id, organization=true or trigger_prompt; got organization=true and trigger_prompt",
        ),
        ({"finding_id": "1ab2c3d4"}, "Invalid finding_id '1ab2c3d4': a GuardDuty finding id is 32 hexadecimal characters"),
        ({"finding_id": "g" * 32}, "Invalid finding_id"),
        ({"account_id": "12345678901"}, "Invalid account_id '12345678901': an AWS account id is exactly 12 digits"),
        ({"account_id": "12345678901a"}, "Invalid account_id"),
        ({"trigger_prompt": "x" * 2049}, "trigger_prompt is 2049 characters long; GuardDuty accepts 1 to 2048. Shorten it"),
        ({"trigger_prompt": ""}, "trigger_prompt is empty"),
        ({"trigger_prompt": "   \n"}, "trigger_prompt is empty"),
    ],
)
def test_invalid_questions_fail_clearly_without_a_call(stubbed, given, message):
    client, stub = stubbed
    with pytest.raises(GuardDutyError) as exc:
        build_question(client, **given)
    assert exc.value.reason == "invalid"
    assert exc.value.message.startswith(message)
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    "opts, message",
    [
        ({"reuse_window": -1}, "reuse_window must be a whole number of seconds, 0 or more (0 disables reuse), got -1"),
        ({"client_token": "t" * 65}, "client_token must be 1 to 64 characters, got 65"),
        ({"client_token": ""}, "client_token must be 1 to 64 characters, got 0"),
    ],
)
def test_invalid_start_options(stubbed, opts, message):
    client, _stub = stubbed
    with pytest.raises(GuardDutyError) as exc:
        check_start_options(client, dict({"organization": True}, **opts))
    assert exc.value.message.startswith(message)


def test_start_validates_everything_before_any_call(stubbed):
    client, stub = stubbed  # no response is stubbed: any call would fail the test
    for opts in ({"finding_id": FID, "organization": True}, {"organization": True, "reuse_window": -5}, {"organization": True, "wait_sleep": 0}):
        with pytest.raises(GuardDutyError) as exc:
            run_start(client, **opts)
        assert exc.value.reason == "invalid"
    stub.assert_no_pending_responses()


def test_a_finding_question_recognises_its_investigations():
    question = Question("finding", FINDING_PROMPT, finding_id=FID)
    assert question.matches(summary(A, f"  investigate FINDING {FID.upper()} "))  # same text, other case and spacing
    assert question.matches(summary(A, "whatever the console wrote", FindingId=FID))  # GuardDuty says it is about it
    assert question.matches(summary(A, f"Investigate finding {FID} in account {ACCOUNT}", "RUNNING"))  # names it, and no other
    assert not question.matches(summary(A, f"Compare {FID} with {OTHER_FID}", "RUNNING"))
    assert not question.matches(summary(A, f"Investigate finding {OTHER_FID}", FindingId=OTHER_FID))
    assert not question.matches(summary(A, f"Look at {FID}", InvestigationType="ACCOUNT"))
    assert not question.matches(summary(A, f"Investigate finding {FID}0", "RUNNING"))  # part of a longer hex run


def test_other_questions_compare_prompts_only():
    question = Question("account", f"Analyze findings in account with id {ACCOUNT}", account_id=ACCOUNT)
    assert question.matches(summary(A, f"analyze findings in account with id {ACCOUNT}"))
    assert not question.matches(summary(A, f"Analyze S3 findings in account with id {ACCOUNT}", AccountId=ACCOUNT, InvestigationType="ACCOUNT"))
    assert not Question("organization", ORG_PROMPT).matches(summary(A, "Analyze IAM findings in my organization", InvestigationType="ORGANIZATION"))


# ---------------------------------------------------------------- the ClientToken


def test_token_is_stable_within_the_window_and_changes_across_it():
    token = derive_client_token(DETECTOR, FINDING_PROMPT, DAY, NOW)
    assert re.fullmatch(r"[0-9a-f]{64}", token)
    bucket_start = NOW - NOW % DAY
    assert derive_client_token(DETECTOR, FINDING_PROMPT, DAY, bucket_start) == token
    assert derive_client_token(DETECTOR, FINDING_PROMPT, DAY, bucket_start + DAY - 0.001) == token
    assert derive_client_token(DETECTOR, FINDING_PROMPT, DAY, bucket_start + DAY) != token
    assert derive_client_token(DETECTOR, FINDING_PROMPT, DAY, bucket_start - 0.001) != token


def test_token_depends_on_detector_prompt_window_and_failed_attempts():
    token = derive_client_token(DETECTOR, FINDING_PROMPT, DAY, NOW)
    assert derive_client_token("0" * 32, FINDING_PROMPT, DAY, NOW) != token
    assert derive_client_token(DETECTOR, FINDING_PROMPT.upper(), DAY, NOW) != token  # never the same token for another prompt
    assert derive_client_token(DETECTOR, FINDING_PROMPT, 3600, NOW) != token
    salted = derive_client_token(DETECTOR, FINDING_PROMPT, DAY, NOW, [A, B])
    assert salted != token
    assert derive_client_token(DETECTOR, FINDING_PROMPT, DAY, NOW, [B, A]) == salted


def test_reuse_window_zero_gives_a_fresh_token_per_run():
    first = derive_client_token(DETECTOR, FINDING_PROMPT, 0, NOW)
    second = derive_client_token(DETECTOR, FINDING_PROMPT, 0, NOW)
    assert first != second
    assert len(first) <= 64


# ---------------------------------------------------------------- reuse selection


def test_window_edges_are_inclusive():
    question = Question("organization", ORG_PROMPT)
    assert select_existing(question, [summary(A, ORG_PROMPT, started=NOW - 3600)], NOW, 3600)[0]["InvestigationId"] == A
    assert select_existing(question, [summary(A, ORG_PROMPT, started=NOW - 3600.5)], NOW, 3600) == (None, [])


def test_failed_ones_are_never_reused_but_salt_the_token():
    question = Question("organization", ORG_PROMPT)
    found, failed = select_existing(question, [summary(A, ORG_PROMPT, "FAILED"), summary(B, ORG_PROMPT, "FAILED", started=NOW - 2 * DAY)], NOW, DAY)
    assert found is None
    assert failed == [A]  # B failed before the window


def test_the_newest_reusable_wins_and_running_without_start_counts():
    question = Question("organization", ORG_PROMPT)
    summaries = [
        summary(A, ORG_PROMPT, "COMPLETED", started=NOW - 600),
        summary(B, ORG_PROMPT, "RUNNING", started=NOW - 60),
        summary(C, "Analyze findings in my account", "RUNNING", started=NOW - 1),
    ]
    assert select_existing(question, summaries, NOW, DAY)[0]["InvestigationId"] == B
    assert select_existing(question, [summary(A, ORG_PROMPT, "RUNNING", started=None)], NOW, DAY)[0]["InvestigationId"] == A
    assert select_existing(question, [summary(A, ORG_PROMPT, "COMPLETED", started=None)], NOW, DAY) == (None, [])


# ---------------------------------------------------------------- the flow, on a stubbed client


@needs_botocore_1_44_2
def test_reuses_a_completed_investigation_of_the_finding(stubbed):
    client, stub = stubbed
    expect_finding_listing(stub, by_finding=[summary(A, "Investigate finding in the console", FindingId=FID, InvestigationType="FINDING")])
    stub.add_response(
        "get_investigation",
        {"Investigation": full(A, "Investigate finding in the console", "COMPLETED", RiskLevel="High")},
        {"DetectorId": DETECTOR, "InvestigationId": A},
    )
    result = run_start(client, finding_id=FID)
    assert result["changed"] is False
    assert result["reused"] is True
    assert result["investigation_id"] == A
    assert result["investigation"]["risk_level"] == "High"
    assert result["investigation"]["start_time"].startswith("2027-01-15T")
    assert result["trigger_prompt"] == FINDING_PROMPT
    stub.assert_no_pending_responses()


@needs_botocore_1_44_2
def test_reuses_a_running_one_found_by_its_prompt(stubbed):
    client, stub = stubbed
    expect_finding_listing(stub, unsettled=[summary(A, f"Investigate finding {FID} in account {ACCOUNT}", "RUNNING")])
    stub.add_response("get_investigation", {"Investigation": full(A, FINDING_PROMPT)}, {"DetectorId": DETECTOR, "InvestigationId": A})
    result = run_start(client, finding_id=FID)
    assert (result["changed"], result["reused"], result["investigation"]["status"]) == (False, True, "RUNNING")


def test_creates_with_the_derived_token_when_nothing_can_be_reused(stubbed):
    client, stub = stubbed
    stub.add_response("list_investigations", {"Investigations": [summary(A, "Analyze findings in my account")]}, list_params())
    token = derive_client_token(DETECTOR, ORG_PROMPT, DAY, NOW)
    stub.add_response("create_investigation", {"InvestigationId": B}, {"DetectorId": DETECTOR, "TriggerPrompt": ORG_PROMPT, "ClientToken": token})
    stub.add_response("get_investigation", {"Investigation": full(B, ORG_PROMPT)}, {"DetectorId": DETECTOR, "InvestigationId": B})
    result = run_start(client, organization=True)
    assert result == {
        "changed": True,
        "reused": False,
        "detector_id": DETECTOR,
        "trigger_prompt": ORG_PROMPT,
        "client_token": token,
        "investigation_id": B,
        "investigation": {
            "investigation_id": B,
            "status": "RUNNING",
            "trigger_prompt": ORG_PROMPT,
            "triggered_by": ACCOUNT,
            "start_time": at(NOW).isoformat(),
        },
    }
    stub.assert_no_pending_responses()


@needs_botocore_1_44_2
def test_a_failed_attempt_in_the_window_gets_a_new_token(stubbed):
    client, stub = stubbed
    expect_finding_listing(stub, unsettled=[summary(A, FINDING_PROMPT, "FAILED", started=NOW - 300)])
    token = derive_client_token(DETECTOR, FINDING_PROMPT, DAY, NOW, [A])
    assert token != derive_client_token(DETECTOR, FINDING_PROMPT, DAY, NOW)
    stub.add_response("create_investigation", {"InvestigationId": B}, {"DetectorId": DETECTOR, "TriggerPrompt": FINDING_PROMPT, "ClientToken": token})
    stub.add_response("get_investigation", {"Investigation": full(B, FINDING_PROMPT)}, {"DetectorId": DETECTOR, "InvestigationId": B})
    result = run_start(client, finding_id=FID)
    assert (result["changed"], result["investigation_id"], result["client_token"]) == (True, B, token)


def test_user_token_overrides_the_derived_one(stubbed):
    client, stub = stubbed
    stub.add_response("list_investigations", {"Investigations": []}, list_params())
    stub.add_response(
        "create_investigation", {"InvestigationId": B}, {"DetectorId": DETECTOR, "TriggerPrompt": "Analyze findings in my account", "ClientToken": "INC-42"}
    )
    stub.add_response("get_investigation", {"Investigation": full(B, "Analyze findings in my account")}, {"DetectorId": DETECTOR, "InvestigationId": B})
    result = run_start(client, trigger_prompt="Analyze findings in my account", client_token="INC-42")
    assert result["client_token"] == "INC-42"


def test_reuse_window_zero_skips_the_listing(stubbed):
    client, stub = stubbed
    stub.add_response("create_investigation", {"InvestigationId": B}, {"DetectorId": DETECTOR, "TriggerPrompt": ORG_PROMPT, "ClientToken": botocore.stub.ANY})
    stub.add_response("get_investigation", {"Investigation": full(B, ORG_PROMPT)}, {"DetectorId": DETECTOR, "InvestigationId": B})
    result = run_start(client, organization=True, reuse_window=0)
    assert result["changed"] is True
    assert re.fullmatch(r"[0-9a-f]{32}", result["client_token"])


def test_check_mode_creates_nothing(stubbed):
    client, stub = stubbed
    stub.add_response("list_investigations", {"Investigations": []}, list_params())
    result = run_start(client, check_mode=True, organization=True)
    assert result["changed"] is True
    assert result["reused"] is False
    assert "investigation_id" not in result and "investigation" not in result
    assert result["client_token"] == derive_client_token(DETECTOR, ORG_PROMPT, DAY, NOW)
    stub.assert_no_pending_responses()


def test_check_mode_reports_a_reuse_unchanged(stubbed):
    client, stub = stubbed
    stub.add_response("list_investigations", {"Investigations": [summary(A, ORG_PROMPT, "RUNNING")]}, list_params())
    stub.add_response("get_investigation", {"Investigation": full(A, ORG_PROMPT)}, {"DetectorId": DETECTOR, "InvestigationId": A})
    result = run_start(client, check_mode=True, organization=True)
    assert (result["changed"], result["reused"], result["investigation_id"]) == (False, True, A)


def test_detector_is_discovered(stubbed):
    client, stub = stubbed
    stub.add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
    stub.add_response("list_investigations", {"Investigations": []}, list_params())
    result = run_start(client, check_mode=True, organization=True, detector_id=None)
    assert result["detector_id"] == DETECTOR


def test_old_botocore_lists_everything_and_compares_prompts(stubbed, monkeypatch):
    client, stub = stubbed
    monkeypatch.setattr(start_mod, "sdk_requirement", lambda feature: "botocore>=1.44.2 required")
    stub.add_response("list_investigations", {"Investigations": [summary(A, FINDING_PROMPT, "RUNNING")]}, list_params())
    stub.add_response("get_investigation", {"Investigation": full(A, FINDING_PROMPT)}, {"DetectorId": DETECTOR, "InvestigationId": A})
    assert run_start(client, finding_id=FID)["investigation_id"] == A


def test_a_new_id_not_visible_yet_is_returned_as_running(stubbed):
    client, stub = stubbed
    stub.add_response("list_investigations", {"Investigations": []}, list_params())
    stub.add_response("create_investigation", {"InvestigationId": B}, {"DetectorId": DETECTOR, "TriggerPrompt": ORG_PROMPT, "ClientToken": botocore.stub.ANY})
    stub.add_client_error("get_investigation", "ResourceNotFoundException", "not found", 404, expected_params={"DetectorId": DETECTOR, "InvestigationId": B})
    result = run_start(client, organization=True)
    assert result["investigation"] == {"investigation_id": B, "status": "RUNNING", "trigger_prompt": ORG_PROMPT}


def test_create_then_wait_tolerates_not_found_and_returns_the_final_state(stubbed, no_sleep):
    client, stub = stubbed
    stub.add_response("list_investigations", {"Investigations": []}, list_params())
    stub.add_response("create_investigation", {"InvestigationId": B}, {"DetectorId": DETECTOR, "TriggerPrompt": ORG_PROMPT, "ClientToken": botocore.stub.ANY})
    stub.add_client_error("get_investigation", "ResourceNotFoundException", "not found", 404, expected_params={"DetectorId": DETECTOR, "InvestigationId": B})
    stub.add_response("get_investigation", {"Investigation": full(B, ORG_PROMPT)}, {"DetectorId": DETECTOR, "InvestigationId": B})
    stub.add_response(
        "get_investigation", {"Investigation": full(B, ORG_PROMPT, "COMPLETED", RiskLevel="Medium")}, {"DetectorId": DETECTOR, "InvestigationId": B}
    )
    result = run_start(client, organization=True, wait=True, wait_sleep=5, wait_timeout=60)
    assert (result["changed"], result["investigation"]["status"], result["investigation"]["risk_level"]) == (True, "COMPLETED", "Medium")
    assert no_sleep["t"] == 10
    stub.assert_no_pending_responses()


def test_a_failure_after_create_still_reports_the_new_investigation(stubbed, no_sleep):
    client, stub = stubbed
    stub.add_response("list_investigations", {"Investigations": []}, list_params())
    stub.add_response("create_investigation", {"InvestigationId": B}, {"DetectorId": DETECTOR, "TriggerPrompt": ORG_PROMPT, "ClientToken": botocore.stub.ANY})
    stub.add_response(
        "get_investigation",
        {"Investigation": full(B, ORG_PROMPT, "FAILED", Error="finding type not supported")},
        {"DetectorId": DETECTOR, "InvestigationId": B},
    )
    with pytest.raises(GuardDutyError) as exc:
        run_start(client, organization=True, wait=True)
    assert exc.value.reason == "failed"
    assert "finding type not supported" in exc.value.message
    assert exc.value.kwargs["changed"] is True
    assert exc.value.kwargs["investigation_id"] == B


def test_throttled_create_is_retried_with_the_same_token(stubbed, no_sleep):
    client, stub = stubbed
    stub.add_response("list_investigations", {"Investigations": []}, list_params())
    token = derive_client_token(DETECTOR, ORG_PROMPT, DAY, NOW)
    create = {"DetectorId": DETECTOR, "TriggerPrompt": ORG_PROMPT, "ClientToken": token}
    stub.add_client_error("create_investigation", "ThrottlingException", "Rate exceeded", 429, expected_params=create)
    stub.add_client_error("create_investigation", "InternalServerErrorException", "oops", 500, expected_params=create)
    stub.add_response("create_investigation", {"InvestigationId": B}, create)
    stub.add_response("get_investigation", {"Investigation": full(B, ORG_PROMPT)}, {"DetectorId": DETECTOR, "InvestigationId": B})
    assert run_start(client, organization=True)["investigation_id"] == B
    assert len(no_sleep["sleeps"]) == 2  # two backoffs, one create that counts
    stub.assert_no_pending_responses()


# ---------------------------------------------------------------- diagnosis of a refused create


def detector_with(ai_analyst=None):
    features = [{"Name": "CLOUD_TRAIL", "Status": "ENABLED"}]
    if ai_analyst:
        features.append({"Name": "AI_ANALYST", "Status": ai_analyst})
    return {"ServiceRole": "arn:aws:iam::123456789012:role/gd", "Status": "ENABLED", "Features": features}


def refused(stub, code, message, status):
    stub.add_response("list_investigations", {"Investigations": []}, list_params())
    stub.add_client_error("create_investigation", code, message, status)


@pytest.mark.parametrize("feature", ["DISABLED", None])
def test_ai_analyst_not_enabled_prints_the_exact_fix(stubbed, feature):
    client, stub = stubbed
    refused(stub, "BadRequestException", "The request is rejected.", 400)
    stub.add_response("get_detector", detector_with(feature), {"DetectorId": DETECTOR})
    with pytest.raises(GuardDutyError) as exc:
        run_start(client, organization=True, region="eu-west-1")
    assert exc.value.reason == "feature"
    assert f"the AI_ANALYST feature is not enabled on detector {DETECTOR} (it is DISABLED)" in exc.value.message
    assert (
        f"""aws guardduty update-detector --detector-id {DETECTOR} --features '[{{"Name":"AI_ANALYST","Status":"ENABLED"}}]' --region eu-west-1"""
        in exc.value.message
    )
    assert exc.value.kwargs["changed"] is False and "investigation_id" not in exc.value.kwargs  # nothing was created
    stub.assert_no_pending_responses()


def test_access_denied_with_ai_analyst_enabled_points_at_member_accounts_and_iam(stubbed):
    client, stub = stubbed
    refused(stub, "AccessDeniedException", "Only the administrator account can create an investigation.", 403)
    stub.add_response("get_detector", detector_with("ENABLED"), {"DetectorId": DETECTOR})
    with pytest.raises(GuardDutyError) as exc:
        run_start(client, organization=True)
    message = exc.value.message
    assert exc.value.reason == "denied"
    assert message.startswith(f"GuardDuty refused to start the investigation on detector {DETECTOR} in us-east-1: access denied. The likely reason: either")
    assert "only administrator or standalone accounts may create investigations" in message
    assert "guardduty:CreateInvestigation" in message
    assert str(exc.value).endswith("Only the administrator account can create an investigation.")


def test_access_denied_and_ai_analyst_disabled_says_both(stubbed):
    client, stub = stubbed
    refused(stub, "AccessDeniedException", "denied", 403)
    stub.add_response("get_detector", detector_with("DISABLED"), {"DetectorId": DETECTOR})
    with pytest.raises(GuardDutyError) as exc:
        run_start(client, organization=True)
    assert "AI_ANALYST feature is not enabled" in exc.value.message
    assert "If it is still refused after that: either this is a member account (only administrator or standalone accounts" in exc.value.message


def test_detector_unreadable_says_so(stubbed):
    client, stub = stubbed
    refused(stub, "AccessDeniedException", "denied", 403)
    stub.add_client_error("get_detector", "AccessDeniedException", "no GetDetector", 403)
    with pytest.raises(GuardDutyError) as exc:
        run_start(client, organization=True)
    assert exc.value.reason == "denied"
    assert "GetDetector failed (AccessDeniedException), so whether AI_ANALYST is enabled could not be checked" in exc.value.message


@pytest.mark.parametrize(
    "code, message",
    [
        ("BadRequestException", "The daily investigation quota (10 per account) is exceeded."),
        ("ServiceQuotaExceededException", "Too many."),
        ("BadRequestException", "Investigation limit exceeded for this account"),
    ],
)
def test_quota_wording_explains_the_preview_quota_without_more_calls(stubbed, code, message):
    client, stub = stubbed
    refused(stub, code, message, 400)
    with pytest.raises(GuardDutyError) as exc:
        run_start(client, organization=True)
    assert exc.value.reason == "quota"
    assert "The preview allows 10 investigations per account per day and 100 in total; FAILED investigations do not count" in exc.value.message
    stub.assert_no_pending_responses()


def test_region_outside_the_preview_is_named(stubbed):
    client, _stub = stubbed
    error = diagnose_create_error(client, client_error("BadRequestException", "Unsupported.", 400), DETECTOR, "sa-east-1", "tok")
    assert error.reason == "region"
    assert "sa-east-1 is not one of the ten Regions where the investigation preview is available (us-east-1, us-east-2" in error.message


def test_server_errors_after_retries_say_a_rerun_is_safe(stubbed):
    client, _stub = stubbed
    for exc in (client_error("InternalServerErrorException", "boom", 500), botocore.exceptions.EndpointConnectionError(endpoint_url="http://x")):
        error = diagnose_create_error(client, exc, DETECTOR, "us-east-1", "tok-1")
        assert error.reason == "api"
        assert "Running the task again is safe: it reuses the investigation if this attempt did start one, or sends the same ClientToken tok-1" in error.message
    error = diagnose_create_error(client, client_error("InternalServerErrorException", "boom", 500), DETECTOR, "us-east-1", "random", stable_token=False)
    assert "with reuse_window 0 a new run would start another: check with guardduty_investigation_info" in error.message


def test_other_refusals_keep_the_service_message(stubbed):
    client, stub = stubbed
    refused(stub, "BadRequestException", "The trigger prompt must reference at most one finding ID.", 400)
    stub.add_response("get_detector", detector_with("ENABLED"), {"DetectorId": DETECTOR})
    with pytest.raises(GuardDutyError) as exc:
        run_start(client, trigger_prompt=f"Compare {FID} and {OTHER_FID}")
    assert exc.value.reason == "api"
    assert exc.value.message.startswith(f"GuardDuty refused to start the investigation on detector {DETECTOR} in us-east-1 (BadRequestException)")
    assert str(exc.value).endswith("The trigger prompt must reference at most one finding ID.")


def test_create_on_an_unknown_detector_names_it():
    client = boto3.client(
        "guardduty", region_name="us-east-1", aws_access_key_id="AKIAUNITTESTKEY0000000009", aws_secret_access_key="unit-secret-never-in-data-0009"
    )
    with Stubber(client) as stub:
        stub.add_client_error(
            "create_investigation",
            "BadRequestException",
            "The request is rejected because the input detectorId is not owned by the current account.",
            400,
        )
        with pytest.raises(client.exceptions.BadRequestException) as raised:
            client.create_investigation(DetectorId="0" * 32, TriggerPrompt="Analyze findings in my organization", ClientToken="t")
        error = diagnose_create_error(client, raised.value, "0" * 32, "us-east-1", "t", stable_token=False)
        stub.assert_no_pending_responses()  # no GetDetector: the detector itself is the problem
    assert error.message.startswith(
        f"GuardDuty rejected CreateInvestigation for investigations: detector {'0' * 32} is not a detector of this account in us-east-1"
    )
    assert "leave detector_id out" in error.message
