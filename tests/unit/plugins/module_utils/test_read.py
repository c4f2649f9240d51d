# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader
from ansible_collections.secops.guardduty.plugins.module_utils.options import build_filter_criteria
from ansible_collections.secops.guardduty.plugins.module_utils.model import normalize_investigation
from ansible_collections.secops.guardduty.plugins.module_utils.model import validate_finding_id
from ansible_collections.secops.guardduty.plugins.module_utils.options import validate_investigation_ids
from ansible_collections.secops.guardduty.tests.unit.sdk import needs_botocore_1_44_2

from .conftest import DETECTOR

INV = "a1b2c3d4-5678-90ab-cdef-ef1234567890"
INV2 = "b2c3d4e5-6789-01bc-def0-ef2345678901"
T0 = datetime.datetime(2026, 1, 15, 11, 50, tzinfo=datetime.timezone.utc)


def investigation(iid=INV, status="COMPLETED", **extra):
    data = {"InvestigationId": iid, "Status": status, "TriggerPrompt": "Analyze findings in my organization", "TriggeredBy": "123456789012"}
    data.update(extra)
    return data


# ---- validation against the model (no call)


def test_ids_are_checked_against_the_model_pattern_and_deduplicated(stubbed):
    client, stubber = stubbed
    assert validate_investigation_ids(client, [INV, INV2, INV]) == [INV, INV2]
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("not-an-id!", "matching"),
        ("g" * 10, "matching"),
        ("a" * 65, "at most 64"),
        ("", "at least 1"),
    ],
)
def test_malformed_ids_are_rejected_with_the_rule(stubbed, bad, reason):
    client = stubbed[0]
    with pytest.raises(GuardDutyError) as err:
        validate_investigation_ids(client, [INV, bad])
    assert err.value.reason == "invalid"
    assert reason in err.value.message
    assert "investigation id" in err.value.message


def test_no_ids_is_an_error(stubbed):
    with pytest.raises(GuardDutyError, match="No investigation id"):
        validate_investigation_ids(stubbed[0], [])


@needs_botocore_1_44_2
def test_filters_are_normalised_to_the_api_spelling(stubbed):
    client = stubbed[0]
    criteria = build_filter_criteria(
        client,
        {"status": "completed", "risk_level": ["HIGH", "critical"], "finding_id": "1AB2C3D4E5F6A7B8C9D0E1F2A3B4C5D6"},
        {"confidence": "unknown", "investigation_type": ["organization"]},
    )
    assert criteria == {
        "Criterion": {
            "STATUS": {"Equals": ["COMPLETED"]},
            "RISK_LEVEL": {"Equals": ["High", "Critical"]},
            "FINDING_ID": {"Equals": ["1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"]},
            "CONFIDENCE": {"NotEquals": ["Unknown"]},
            "INVESTIGATION_TYPE": {"NotEquals": ["ORGANIZATION"]},
        }
    }


def test_equals_and_not_equals_on_one_key_combine(stubbed):
    criteria = build_filter_criteria(stubbed[0], {"risk_level": ["high", "High"]}, {"risk_level": "low"})
    assert criteria == {"Criterion": {"RISK_LEVEL": {"Equals": ["High"], "NotEquals": ["Low"]}}}


def test_no_filters_give_no_criteria(stubbed):
    assert build_filter_criteria(stubbed[0], None, {}) is None


@pytest.mark.parametrize(
    "filters, message",
    [
        ({"severity": "high"}, "Unknown key 'severity' in filters; valid keys are: status, risk_level, confidence, finding_id, investigation_type"),
        ({"status": "done"}, "Invalid value 'done' for filters.status; valid values are: RUNNING, COMPLETED, FAILED"),
        ({"risk_level": ["high", "extreme"]}, "Invalid value 'extreme' for filters.risk_level; valid values are: Info, Low, Medium, High, Critical"),
        ({"finding_id": "xyz"}, "a GuardDuty finding id is 32 hexadecimal characters"),
        ({"status": []}, "filters.status is an empty list"),
    ],
)
def test_bad_filters_name_the_valid_choices(stubbed, filters, message):
    with pytest.raises(GuardDutyError) as err:
        build_filter_criteria(stubbed[0], filters, None)
    assert message in err.value.message
    assert err.value.reason == "invalid"


def test_finding_id_is_lowercased():
    assert validate_finding_id(" 1AB2C3D4E5F6A7B8C9D0E1F2A3B4C5D6 ") == "1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"


# ---- normalisation


def test_normalise_snake_cases_keys_iso_times_and_keeps_values():
    raw = investigation(
        RiskLevel="High",
        Summary=json.dumps({"keyObservations": {"title": "Crypto mining"}}),
        StartTime=T0,
        EndTime=T0 + datetime.timedelta(minutes=5),
        Scope={"InvestigationType": "FINDING", "FindingId": "1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"},
        SummaryData={"Countermeasures": [{"Actions": [{"CliCommands": ["aws ec2 stop-instances --instance-ids i-0AbC"]}]}]},
    )
    result = normalize_investigation(raw)
    assert result["investigation_id"] == INV
    assert result["risk_level"] == "High"
    assert result["start_time"] == "2026-01-15T11:50:00+00:00"
    assert result["end_time"] == "2026-01-15T11:55:00+00:00"
    assert result["scope"] == {"investigation_type": "FINDING", "finding_id": "1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"}
    assert result["summary"] == raw["Summary"]
    assert result["summary_parsed"] == {"keyObservations": {"title": "Crypto mining"}}
    assert result["summary_data"]["countermeasures"][0]["actions"][0]["cli_commands"] == ["aws ec2 stop-instances --instance-ids i-0AbC"]


@pytest.mark.parametrize("summary", ["plain text summary", "{not json", "[1, 2"])
def test_text_summary_that_is_not_json_is_left_alone(summary):
    result = normalize_investigation(investigation(Summary=summary))
    assert result["summary"] == summary
    assert "summary_parsed" not in result


# ---- calls


@needs_botocore_1_44_2
def test_get_sends_summary_format_only_when_structured(stubbed):
    client, stubber = stubbed
    reader = InvestigationReader(client, region="us-east-1")
    stubber.add_response("get_investigation", {"Investigation": investigation()}, {"DetectorId": DETECTOR, "InvestigationId": INV})
    stubber.add_response(
        "get_investigation",
        {"Investigation": investigation(SummaryData={"FindingType": "Recon:EC2/PortProbeUnprotectedPort"})},
        {"DetectorId": DETECTOR, "InvestigationId": INV, "SummaryFormat": "STRUCTURED"},
    )
    assert reader.get(DETECTOR, INV)["Status"] == "COMPLETED"
    assert reader.get(DETECTOR, INV, "structured")["SummaryData"]["FindingType"] == "Recon:EC2/PortProbeUnprotectedPort"
    stubber.assert_no_pending_responses()


def test_missing_investigation_names_id_and_detector(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("get_investigation", "ResourceNotFoundException", "The investigation does not exist", 404)
    with pytest.raises(GuardDutyError) as err:
        InvestigationReader(client, region="eu-west-1").get(DETECTOR, INV)
    assert err.value.reason == "missing"
    assert err.value.message == f"Investigation {INV} was not found on detector {DETECTOR} in eu-west-1. Check the id, the detector and the region"
    assert "The investigation does not exist" in str(err.value)


def test_access_denied_names_the_permission(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("get_investigation", "AccessDeniedException", "not authorized", 403)
    with pytest.raises(GuardDutyError) as err:
        InvestigationReader(client).get(DETECTOR, INV)
    assert err.value.reason == "denied"
    assert "guardduty:GetInvestigation" in err.value.message
    assert INV in err.value.message and DETECTOR in err.value.message


def test_get_many_keeps_order_and_returns_errors_per_id(stubbed):
    client, stubber = stubbed
    stubber.add_response("get_investigation", {"Investigation": investigation(INV)}, {"DetectorId": DETECTOR, "InvestigationId": INV})
    stubber.add_client_error("get_investigation", "ResourceNotFoundException", "gone", 404, expected_params={"DetectorId": DETECTOR, "InvestigationId": INV2})
    result = InvestigationReader(client, concurrency=1).get_many(DETECTOR, [INV, INV2])
    assert list(result) == [INV, INV2]
    assert result[INV]["InvestigationId"] == INV
    assert isinstance(result[INV2], GuardDutyError) and result[INV2].reason == "missing"


@needs_botocore_1_44_2
def test_list_follows_every_page_with_criteria(stubbed):
    client, stubber = stubbed
    criteria = {"Criterion": {"STATUS": {"Equals": ["COMPLETED"]}}}
    sort = {"AttributeName": "START_TIME", "OrderBy": "DESC"}
    page1 = [{"InvestigationId": f"{i:08x}-0000-0000-0000-000000000000", "Status": "COMPLETED"} for i in range(50)]
    page2 = [{"InvestigationId": "ffffffff-0000-0000-0000-000000000000", "Status": "COMPLETED"}]
    expected = [s["InvestigationId"] for s in page1 + page2]  # botocore extends the first page's list in place
    stubber.add_response(
        "list_investigations",
        {"Investigations": page1, "NextToken": "tok1"},
        {"DetectorId": DETECTOR, "FilterCriteria": criteria, "SortCriteria": sort},
    )
    stubber.add_response(
        "list_investigations",
        {"Investigations": page2},
        {"DetectorId": DETECTOR, "FilterCriteria": criteria, "SortCriteria": sort, "NextToken": "tok1"},
    )
    result = InvestigationReader(client).list(DETECTOR, criteria, sort)
    assert [s["InvestigationId"] for s in result] == expected
    stubber.assert_no_pending_responses()


def test_list_max_results_caps_the_total(stubbed):
    client, stubber = stubbed
    page = [{"InvestigationId": f"{i:08x}-0000-0000-0000-000000000000", "Status": "COMPLETED"} for i in range(3)]
    stubber.add_response("list_investigations", {"Investigations": page, "NextToken": "more"}, {"DetectorId": DETECTOR, "MaxResults": 3})
    result = InvestigationReader(client).list(DETECTOR, max_results=3)
    assert len(result) == 3
    stubber.assert_no_pending_responses()


@needs_botocore_1_44_2
def test_records_follow_pages_even_when_a_page_is_empty(stubbed):
    client, stubber = stubbed
    rec = {"RecordId": "r1", "Type": "UPDATE", "Title": "Started", "CreatedAt": T0}
    base = {"DetectorId": DETECTOR, "InvestigationId": INV, "RecordTypes": ["UPDATE"]}
    stubber.add_response("list_investigation_records", {"InvestigationId": INV, "Status": "COMPLETED", "Records": [], "NextToken": "a"}, base)
    stubber.add_response("list_investigation_records", {"InvestigationId": INV, "Status": "COMPLETED", "Records": [rec]}, dict(base, NextToken="a"))
    assert InvestigationReader(client).records(DETECTOR, INV, ["update"]) == [rec]


@pytest.mark.parametrize(
    "detectors, message",
    [([], "No GuardDuty detector was found in us-east-1"), (["d1", "d2"], "Found 2 GuardDuty detectors in us-east-1 (d1, d2); set detector_id")],
)
def test_detector_discovery_needs_exactly_one(stubbed, detectors, message):
    client, stubber = stubbed
    stubber.add_response("list_detectors", {"DetectorIds": detectors}, {})
    with pytest.raises(GuardDutyError) as err:
        InvestigationReader(client, region="us-east-1").resolve_detector()
    assert message in err.value.message


@pytest.mark.parametrize(
    "detectors, reason, message",
    [
        (
            [],
            "no_detector",
            "No GuardDuty detector was found in eu-west-1: GuardDuty is not enabled there. Enable GuardDuty in eu-west-1, or leave eu-west-1 "
            "out of regions",
        ),
        (
            ["d1", "d2"],
            "several_detectors",
            "Found 2 GuardDuty detectors in eu-west-1 (d1, d2), where one is expected: read eu-west-1 on its own with region and "
            "detector_id, or leave it out of regions",
        ),
    ],
)
def test_detector_discovery_in_a_region_of_regions_is_that_regions_failure(stubbed, detectors, reason, message):
    client, stubber = stubbed
    stubber.add_response("list_detectors", {"DetectorIds": detectors}, {})
    with pytest.raises(GuardDutyError) as err:
        InvestigationReader(client, region="eu-west-1").resolve_detector(regional=True)
    assert err.value.message == message and err.value.reason == reason


def test_detector_discovery_uses_the_only_one(stubbed):
    client, stubber = stubbed
    stubber.add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
    assert InvestigationReader(client).resolve_detector() == DETECTOR


def test_given_detector_is_validated_without_a_call(stubbed):
    client, stubber = stubbed
    assert InvestigationReader(client).resolve_detector(DETECTOR) == DETECTOR
    with pytest.raises(GuardDutyError, match="at most 300"):
        InvestigationReader(client).resolve_detector("d" * 301)
    stubber.assert_no_pending_responses()
