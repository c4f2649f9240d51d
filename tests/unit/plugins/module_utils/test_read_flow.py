# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime

import pytest

from ansible_collections.amazon.aws.plugins.module_utils.botocore import botocore_at_least

from ansible_collections.secops.guardduty.plugins.module_utils import options as options_mod
from ansible_collections.secops.guardduty.plugins.module_utils import read as read_mod
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.options import check_read_options
from ansible_collections.secops.guardduty.plugins.module_utils.read import gather
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader
from ansible_collections.secops.guardduty.tests.unit.sdk import needs_botocore_1_44_2

from .conftest import DETECTOR

A = "aaaaaaaa-0000-0000-0000-000000000000"
B = "bbbbbbbb-0000-0000-0000-000000000000"


def inv(iid, status="COMPLETED", **extra):
    return dict({"InvestigationId": iid, "Status": status, "TriggerPrompt": "Analyze findings in my organization", "TriggeredBy": "123456789012"}, **extra)


def get_params(iid, structured=False):
    params = {"DetectorId": DETECTOR, "InvestigationId": iid}
    if structured:
        params["SummaryFormat"] = "STRUCTURED"
    return params


def run(client, warnings=None, **opts):
    warnings = [] if warnings is None else warnings
    opts.setdefault("detector_id", DETECTOR)
    return gather({"us-east-1": InvestigationReader(client, region="us-east-1", concurrency=1)}, opts, warnings.append)


@pytest.mark.parametrize(
    "opts, message",
    [
        ({"wait_timeout": 0}, "wait_timeout must be a positive number of seconds, got 0"),
        ({"wait_sleep": -1}, "wait_sleep must be a positive number of seconds, got -1"),
        ({"wait": True, "wait_timeout": 10, "wait_sleep": 30}, "wait_sleep (30) is longer than wait_timeout (10)"),
        ({"concurrency": 0}, "concurrency must be a whole number from 1 to 32, got 0"),
        ({"record_types": ["update"]}, "record_types selects which records to attach; it needs include_records=true"),
        ({"max_results": 0}, "max_results must be at least 1, got 0"),
    ],
)
def test_bad_options_fail_before_any_call(opts, message):
    with pytest.raises(GuardDutyError) as err:
        check_read_options(opts)
    assert message in err.value.message
    assert err.value.reason == "invalid"


def test_new_options_need_botocore_1_44_2(monkeypatch):
    monkeypatch.setattr(options_mod, "sdk_requirement", lambda feature: f"botocore>=1.44.2 is required {feature}")
    for opts in ({"summary_format": "structured"}, {"include_records": True}, {"filters": {"status": "running"}}):
        with pytest.raises(GuardDutyError) as err:
            check_read_options(opts)
        assert err.value.reason == "sdk"
        assert "botocore>=1.44.2" in err.value.message


@needs_botocore_1_44_2
def test_ids_and_listing_options_are_exclusive(stubbed):
    with pytest.raises(GuardDutyError, match="cannot be combined"):
        run(stubbed[0], investigation_ids=[A], filters={"status": "running"})


def test_malformed_id_makes_no_call(stubbed):
    client, stubber = stubbed
    with pytest.raises(GuardDutyError, match="Invalid investigation id 'nope!'"):
        run(client, investigation_ids=[A, "nope!"], detector_id=None)
    stubber.assert_no_pending_responses()


def test_get_several_in_order(stubbed):
    client, stubber = stubbed
    stubber.add_response("get_investigation", {"Investigation": inv(B)}, get_params(B))
    stubber.add_response("get_investigation", {"Investigation": inv(A)}, get_params(A))
    result = run(client, investigation_ids=[B, A, B])
    assert [i["investigation_id"] for i in result["investigations"]] == [B, A]
    assert result["detector_id"] == DETECTOR


def test_missing_id_fails_by_default(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("get_investigation", "ResourceNotFoundException", "nope", 404)
    with pytest.raises(GuardDutyError) as err:
        run(client, investigation_ids=[A])
    assert err.value.reason == "missing"
    assert A in err.value.message and DETECTOR in err.value.message


@pytest.mark.parametrize("policy, warned", [("warn", True), ("skip", False)])
def test_missing_and_denied_can_be_skipped(stubbed, policy, warned):
    client, stubber = stubbed
    stubber.add_client_error("get_investigation", "ResourceNotFoundException", "nope", 404, expected_params=get_params(A))
    stubber.add_client_error("get_investigation", "AccessDeniedException", "denied", 403, expected_params=get_params(B))
    warnings = []
    reader = InvestigationReader(client, concurrency=1)
    items = read_mod.fetch(reader, DETECTOR, [A, B], check_read_options({}), warnings.append, on_missing=policy, on_denied=policy)
    assert items == []
    assert bool(warnings) is warned
    if warned:
        assert any(A in w for w in warnings) and any("guardduty:GetInvestigation" in w for w in warnings)


def test_wait_then_timeout_names_ids_and_returns_last_state(stubbed, virtual_time):
    client, stubber = stubbed
    stubber.add_response("get_investigation", {"Investigation": inv(A, "RUNNING")}, get_params(A))
    for dummy in range(3):
        stubber.add_response("get_investigation", {"Investigation": inv(A, "RUNNING")}, get_params(A))
    with pytest.raises(GuardDutyError) as err:
        run(client, investigation_ids=[A], wait=True, wait_timeout=30, wait_sleep=10)
    assert err.value.reason == "timeout"
    assert f"Timed out after 30 s (wait_timeout=30) waiting for {A} on detector {DETECTOR}" in err.value.message
    assert err.value.kwargs["still_running"] == [A]
    assert err.value.kwargs["investigations"][0]["status"] == "RUNNING"
    stubber.assert_no_pending_responses()


def test_wait_until_failed_fails_with_the_service_error(stubbed, virtual_time):
    client, stubber = stubbed
    stubber.add_response("get_investigation", {"Investigation": inv(A, "RUNNING")}, get_params(A))
    stubber.add_response("get_investigation", {"Investigation": inv(A, "FAILED", Error="Finding type not supported")}, get_params(A))
    with pytest.raises(GuardDutyError) as err:
        run(client, investigation_ids=[A], wait=True, wait_sleep=5)
    assert err.value.reason == "failed"
    assert f"{A}: Finding type not supported" in err.value.message
    assert "allow_failed=true" in err.value.message
    assert err.value.kwargs["investigations"][0]["error"] == "Finding type not supported"


def test_allow_failed_returns_failed_investigations(stubbed, virtual_time):
    client, stubber = stubbed
    stubber.add_response("get_investigation", {"Investigation": inv(A, "FAILED", Error="boom")}, get_params(A))
    result = run(client, investigation_ids=[A], wait=True, allow_failed=True)
    assert result["investigations"][0]["status"] == "FAILED"


def test_allow_failed_without_wait_warns(stubbed):
    client, stubber = stubbed
    stubber.add_response("get_investigation", {"Investigation": inv(A, "FAILED", Error="boom")}, get_params(A))
    warnings = []
    result = run(client, warnings, investigation_ids=[A], allow_failed=True)
    assert result["investigations"][0]["error"] == "boom"
    assert warnings == ["allow_failed only matters with wait=true; it has no effect here"]


@needs_botocore_1_44_2
def test_records_are_attached_to_completed_investigations_only(stubbed):
    client, stubber = stubbed
    stubber.add_response("get_investigation", {"Investigation": inv(A)}, get_params(A))
    stubber.add_response("get_investigation", {"Investigation": inv(B, "RUNNING")}, get_params(B))
    record = {"RecordId": "r1", "Type": "ANALYSIS", "Title": "Reputation", "Narrative": "Known bad IP"}
    stubber.add_response(
        "list_investigation_records",
        {"InvestigationId": A, "Status": "COMPLETED", "Records": [dict(record, CreatedAt=datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc))]},
        {"DetectorId": DETECTOR, "InvestigationId": A},
    )
    result = run(client, investigation_ids=[A, B], include_records=True)
    first, second = result["investigations"]
    assert first["records"] == [
        {"record_id": "r1", "type": "ANALYSIS", "title": "Reputation", "narrative": "Known bad IP", "created_at": "1970-01-01T00:00:00+00:00"}
    ]
    assert second["records"] == []
    stubber.assert_no_pending_responses()


@needs_botocore_1_44_2
def test_listing_without_details_returns_summaries(stubbed):
    client, stubber = stubbed
    summaries = [{"InvestigationId": A, "Status": "COMPLETED", "RiskLevel": "High", "Title": "Mining"}]
    stubber.add_response(
        "list_investigations",
        {"Investigations": summaries},
        {"DetectorId": DETECTOR, "FilterCriteria": {"Criterion": {"RISK_LEVEL": {"Equals": ["High"]}}}, "SortCriteria": {"AttributeName": "RISK_LEVEL"}},
    )
    result = run(client, filters={"risk_level": "high"}, sort_by="risk_level")
    assert result["investigations"] == [{"investigation_id": A, "status": "COMPLETED", "risk_level": "High", "title": "Mining"}]


@needs_botocore_1_44_2
def test_listing_with_details_fetches_each(stubbed):
    client, stubber = stubbed
    stubber.add_response("list_investigations", {"Investigations": [{"InvestigationId": A}, {"InvestigationId": B}]}, {"DetectorId": DETECTOR})
    stubber.add_response("get_investigation", {"Investigation": inv(A, Summary="s")}, get_params(A, True))
    stubber.add_response("get_investigation", {"Investigation": inv(B, SummaryData={"FindingType": "x"})}, get_params(B, True))
    result = run(client, details=True, summary_format="structured")
    assert [i.get("summary") for i in result["investigations"]] == ["s", None]
    assert result["investigations"][1]["summary_data"] == {"finding_type": "x"}


def test_empty_listing_is_an_empty_list(stubbed):
    client, stubber = stubbed
    stubber.add_response("list_investigations", {"Investigations": []}, {"DetectorId": DETECTOR})
    assert run(client)["investigations"] == []


def test_sort_order_needs_sort_by(stubbed):
    with pytest.raises(GuardDutyError, match="sort_order needs sort_by"):
        run(stubbed[0], sort_order="asc")


# What a wait lists each round: the RUNNING investigations; botocore < 1.44.2 cannot filter, so there it lists
# everything and reads each summary's status (the responses below hold RUNNING summaries only: valid either way).
RUNNING_FILTER = {"DetectorId": DETECTOR}
if botocore_at_least("1.44.2"):
    RUNNING_FILTER["FilterCriteria"] = {"Criterion": {"STATUS": {"Equals": ["RUNNING"]}}}


def summary(iid, status="RUNNING"):
    return {"InvestigationId": iid, "Status": status, "TriggerPrompt": "Analyze findings in my organization"}


def test_waiting_on_several_lists_first_and_fetches_each_id_once_it_left_running(stubbed, virtual_time):
    client, stubber = stubbed
    c = "cccccccc-0000-0000-0000-000000000000"
    stubber.add_response("list_investigations", {"Investigations": [summary(A), summary(c)]}, RUNNING_FILTER)  # first look
    stubber.add_response("get_investigation", {"Investigation": inv(B)}, get_params(B))  # B is not RUNNING
    stubber.add_response("list_investigations", {"Investigations": [summary(A), summary(c)]}, RUNNING_FILTER)  # round 1
    stubber.add_response("list_investigations", {"Investigations": [summary(c)]}, RUNNING_FILTER)  # round 2: A left RUNNING
    stubber.add_response("get_investigation", {"Investigation": inv(A)}, get_params(A))
    stubber.add_response("list_investigations", {"Investigations": []}, RUNNING_FILTER)  # round 3: so did C
    stubber.add_response("get_investigation", {"Investigation": inv(c, "FAILED", Error="boom")}, get_params(c))
    result = run(client, investigation_ids=[A, B, c], wait=True, wait_sleep=5, allow_failed=True)
    assert [(i["investigation_id"], i["status"]) for i in result["investigations"]] == [(A, "COMPLETED"), (B, "COMPLETED"), (c, "FAILED")]
    stubber.assert_no_pending_responses()


def test_waiting_on_several_without_permission_to_list_polls_each_id(stubbed, virtual_time):
    client, stubber = stubbed
    stubber.add_client_error("list_investigations", "AccessDeniedException", "denied", 403, expected_params=RUNNING_FILTER)
    stubber.add_response("get_investigation", {"Investigation": inv(A, "RUNNING")}, get_params(A))
    stubber.add_response("get_investigation", {"Investigation": inv(B)}, get_params(B))
    stubber.add_response("get_investigation", {"Investigation": inv(A)}, get_params(A))  # round 1, per id, no listing again
    result = run(client, investigation_ids=[A, B], wait=True, wait_sleep=5)
    assert [i["status"] for i in result["investigations"]] == ["COMPLETED", "COMPLETED"]
    stubber.assert_no_pending_responses()


def test_batched_wait_timeout_returns_the_last_state_of_listed_ids(stubbed, virtual_time):
    client, stubber = stubbed
    for dummy in range(4):  # first look, then rounds at 10, 20, 30 s
        stubber.add_response("list_investigations", {"Investigations": [summary(A), summary(B)]}, RUNNING_FILTER)
    stubber.add_response("get_investigation", {"Investigation": inv(A, "RUNNING")}, get_params(A))
    stubber.add_response("get_investigation", {"Investigation": inv(B, "RUNNING")}, get_params(B))
    with pytest.raises(GuardDutyError) as err:
        run(client, investigation_ids=[A, B], wait=True, wait_timeout=30, wait_sleep=10)
    assert err.value.reason == "timeout"
    assert err.value.kwargs["still_running"] == [A, B]
    assert [i["triggered_by"] for i in err.value.kwargs["investigations"]] == ["123456789012", "123456789012"]  # full GetInvestigation data
    stubber.assert_no_pending_responses()


# ---------------------------------------------------------------- one Region is a list of one (the same flow as regions)


@pytest.mark.parametrize(
    "detectors, message",
    [
        ([], "No GuardDuty detector was found in us-east-1. Enable GuardDuty in this Region, or set region / detector_id to where the investigations are"),
        (["d1", "d2"], "Found 2 GuardDuty detectors in us-east-1 (d1, d2); set detector_id to choose one"),
    ],
)
def test_in_its_one_region_a_failure_is_the_tasks_error_not_a_region_error(stubbed, detectors, message):
    client, stubber = stubbed
    stubber.add_response("list_detectors", {"DetectorIds": detectors}, {})
    with pytest.raises(GuardDutyError) as err:
        gather({"us-east-1": InvestigationReader(client, region="us-east-1")}, {}, pytest.fail)
    assert err.value.message == message and err.value.reason == "invalid"
    assert "region_errors" not in err.value.kwargs


def test_in_its_one_region_the_result_keeps_its_shape(stubbed):
    client, stubber = stubbed
    stubber.add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
    listed = {"Investigations": [{"InvestigationId": A, "Status": "RUNNING", "TriggerPrompt": "p"}]}
    stubber.add_response("list_investigations", listed, {"DetectorId": DETECTOR})
    result = gather({"us-east-1": InvestigationReader(client, region="us-east-1")}, {}, pytest.fail)
    # no region, account_id, regions, detector_ids or region_errors: those belong to a task over regions
    assert result == {"detector_id": DETECTOR, "investigations": [{"investigation_id": A, "status": "RUNNING", "trigger_prompt": "p"}]}
