# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""regions.py and the read flow over several Regions (read.gather with regional=True, pick_terms): one stubbed client per Region."""

from __future__ import annotations

import datetime
import re

import botocore.exceptions
import pytest

from ansible_collections.amazon.aws.plugins.module_utils.botocore import botocore_at_least

from ansible_collections.secops.guardduty.plugins.module_utils import regions as regions_mod
from ansible_collections.secops.guardduty.plugins.module_utils.client import BOTOCORE_RICH
from ansible_collections.secops.guardduty.plugins.module_utils.client import PREVIEW_REGIONS
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import api_error
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader
from ansible_collections.secops.guardduty.plugins.module_utils.read import check_task_options
from ansible_collections.secops.guardduty.plugins.module_utils.read import gather
from ansible_collections.secops.guardduty.plugins.module_utils.read import pick_terms
from ansible_collections.secops.guardduty.tests.unit.conftest import stubbed_guardduty_client

from .conftest import DETECTOR

EU_DETECTOR = "3dc4e5f6a7b8c9d0e1f2a3b4c5d6e7f8"
A = "aaaaaaaa-0000-0000-0000-000000000000"
B = "bbbbbbbb-0000-0000-0000-000000000000"
C = "cccccccc-0000-0000-0000-000000000000"
T0 = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone.utc)


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def summary(iid, minutes, risk=None, account="123456789012"):
    item = {"InvestigationId": iid, "Status": "COMPLETED", "TriggerPrompt": "p", "StartTime": at(minutes), "AccountId": account}
    if risk:
        item["RiskLevel"] = risk
    return item


def full(iid, region, account="123456789012"):
    return {
        "InvestigationId": iid,
        "Status": "COMPLETED",
        "TriggerPrompt": "p",
        "TriggeredBy": account,
        "Cloud": {"Provider": "AWS", "Region": region, "Account": account},
    }


@pytest.fixture
def regional():
    """regional(*regions) -> ({region: reader on its own stubbed client}, {region: Stubber}); every stub used up."""
    made = []

    def build(*regions):
        readers, stubs = {}, {}
        for region in regions:
            client, stub = stubbed_guardduty_client()
            readers[region] = InvestigationReader(client, region=region, concurrency=1)
            stubs[region] = stub
            made.append(stub)
        return readers, stubs

    yield build
    for stub in made:
        stub.assert_no_pending_responses()
        stub.deactivate()


def listing_opts(**opts):
    return check_task_options(opts, ["us-east-1", "eu-west-1"])


def detectors(stub, detector_id):
    stub.add_response("list_detectors", {"DetectorIds": [detector_id]}, {})


# ---------------------------------------------------------------- which Regions


def test_regions_keep_order_drop_repeats_and_all_is_the_preview_regions():
    assert regions_mod.resolve_regions(["eu-west-1", "us-east-1", "eu-west-1"]) == ["eu-west-1", "us-east-1"]
    assert regions_mod.resolve_regions("all") == list(PREVIEW_REGIONS)
    assert regions_mod.resolve_regions(["ALL", "us-east-1"]) == list(PREVIEW_REGIONS)
    assert regions_mod.resolve_regions(None) is None
    assert regions_mod.resolve_regions(["us-gov-west-1", "eusc-de-east-1", "ap-southeast-2"]) == ["us-gov-west-1", "eusc-de-east-1", "ap-southeast-2"]


@pytest.mark.parametrize(
    "value, message", [([], "regions is empty"), (["us-east-1", "Ireland"], "Invalid Region 'Ireland' in regions"), ([7], "Invalid Region 7")]
)
def test_bad_regions_are_refused_before_any_call(value, message):
    with pytest.raises(GuardDutyError) as err:
        regions_mod.resolve_regions(value)
    assert message in err.value.message and err.value.reason == "invalid"


def test_a_typo_in_regions_is_refused_before_any_call_naming_the_nearest_regions():
    with pytest.raises(GuardDutyError) as err:
        regions_mod.resolve_regions(["us-east-1", "eu-wset-1"])
    assert err.value.reason == "invalid"
    assert err.value.message.startswith("Invalid Region 'eu-wset-1' in regions: no AWS partition has a Region of that name, as botocore ")
    assert "; did you mean eu-west-1?" in err.value.message
    with pytest.raises(GuardDutyError) as err:
        regions_mod.resolve_regions("euwest-1")  # not even shaped like a Region: the nearest names all the same
    assert err.value.message.startswith("Invalid Region 'euwest-1' in regions: that is not a Region name; did you mean eu-west-1")
    with pytest.raises(GuardDutyError) as err:
        regions_mod.resolve_regions(["xx-nowhere-9"])  # nothing near: what to give instead
    assert "did you mean" not in err.value.message and "Give Region names such as us-east-1 or eu-west-1, or all" in err.value.message


def test_the_nearest_regions_are_those_as_close_as_the_closest():
    known = regions_mod.known_regions()
    assert regions_mod.nearest_regions("eu-wset-1", known) == ["eu-west-1"]
    assert regions_mod.nearest_regions("us-est-1", known) == ["us-east-1", "us-west-1"]
    assert regions_mod.nearest_regions("ap-sout-1", known) == ["ap-south-1"]
    assert regions_mod.nearest_regions("Ireland", known) == []


def test_every_region_botocore_knows_is_accepted_and_nothing_else():
    known = regions_mod.known_regions()
    assert {"us-east-1", "eu-west-1", "sa-east-1", "us-gov-west-1", "cn-north-1", "eusc-de-east-1"} <= known
    assert not any(name.endswith("-global") for name in known)  # the partitions' pseudo-Regions are not Regions
    assert regions_mod.resolve_regions(sorted(known)) == sorted(known)
    assert regions_mod.check_region_name("ap-southeast-2", "unused") == "ap-southeast-2"


def test_a_region_outside_the_preview_gets_the_region_warning():
    [warning] = regions_mod.region_warnings(["us-east-1", "sa-east-1"])
    assert warning.startswith("Region sa-east-1 is not one of the Regions")


def test_regions_beside_a_task_region_is_refused_naming_both():
    regions_mod.check_region_conflict(None, "eu-west-1")
    regions_mod.check_region_conflict(["us-east-1"], None)
    with pytest.raises(GuardDutyError) as err:
        regions_mod.check_region_conflict(["us-east-1", "eu-west-1"], "eu-west-1")
    assert err.value.message.startswith("regions and region are mutually exclusive: region 'eu-west-1' was given in the task")
    assert "(us-east-1, eu-west-1)" in err.value.message


def test_a_region_from_the_environment_is_told_apart(monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert regions_mod.region_from_environment("eu-west-1") is True
    assert regions_mod.region_from_environment("us-east-1") is False


def test_detector_id_cannot_be_combined_with_regions():
    with pytest.raises(GuardDutyError, match="detector_id names one Region's detector and cannot be combined with regions"):
        check_task_options({"detector_id": DETECTOR}, ["us-east-1"])


def test_listing_over_regions_is_newest_first_unless_asked():
    assert (listing_opts()["sort_by"], listing_opts()["sort_order"]) == ("start_time", "desc")
    assert (listing_opts(sort_by="risk_level")["sort_by"], listing_opts(sort_by="risk_level")["sort_order"]) == ("risk_level", "desc")
    assert listing_opts(sort_by="status", sort_order="asc")["sort_order"] == "asc"
    with pytest.raises(GuardDutyError, match="sort_order needs sort_by"):
        listing_opts(sort_order="asc")


# ---------------------------------------------------------------- what a failed Region is


def client_error(code, message, status):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "ListInvestigations")


@pytest.mark.parametrize(
    "exc, reason, says",
    [
        (client_error("AccessDeniedException", "explicit deny", 403), "access_denied", "guardduty:ListInvestigations"),
        (
            client_error("BadRequestException", f"The AI_ANALYST feature is not enabled for the detector {DETECTOR}.", 400),
            "ai_analysis_not_enabled",
            "AI_ANALYST ENABLED",
        ),
        (
            botocore.exceptions.EndpointConnectionError(endpoint_url="https://guardduty.eu-west-1.amazonaws.com"),
            "unreachable",
            "did not answer after the retries",
        ),
        (client_error("InternalServerErrorException", "boom", 500), "server_error", "server error (InternalServerErrorException)"),
        (client_error("ValidationException", "odd", 400), "api_error", "(ValidationException: odd)"),
    ],
)
def test_a_failed_call_becomes_one_region_error(exc, reason, says):
    entry = regions_mod.region_error("eu-west-1", api_error(exc, "ListInvestigations", DETECTOR, region="eu-west-1"), DETECTOR)
    assert entry["region"] == "eu-west-1" and entry["reason"] == reason
    assert says in entry["message"]
    assert "eu-west-1" in entry["message"]


# ---------------------------------------------------------------- the merged result


def test_located_adds_region_and_account_and_never_rewrites():
    assert regions_mod.located({"investigation_id": A, "cloud": {"account": "111122223333"}}, "eu-west-1") == {
        "investigation_id": A,
        "cloud": {"account": "111122223333"},
        "region": "eu-west-1",
        "account_id": "111122223333",
    }
    kept = regions_mod.located({"investigation_id": A, "region": "x", "account_id": "y", "cloud": {"account": "z"}}, "eu-west-1")
    assert (kept["region"], kept["account_id"]) == ("x", "y")
    assert "account_id" not in regions_mod.located({"investigation_id": A}, "eu-west-1")


def test_merge_sorts_times_and_ranks_across_regions_with_missing_values_last():
    ranks = {"risk_level": ["Info", "Low", "Medium", "High", "Critical"]}
    items = [
        {"investigation_id": "1", "start_time": "2026-12-01T09:00:00+00:00", "risk_level": "High"},
        {"investigation_id": "2", "start_time": "2026-12-01T10:00:00Z", "risk_level": "Low"},
        {"investigation_id": "3"},
        {"investigation_id": "4", "start_time": "2026-12-01T09:00:00+00:00", "risk_level": "Critical"},
    ]

    def ids(out):
        return [i["investigation_id"] for i in out]

    assert ids(regions_mod.merge_sorted(items, "start_time", "desc", ranks)) == ["2", "1", "4", "3"]
    assert ids(regions_mod.merge_sorted(items, "start_time", "asc", ranks)) == ["1", "4", "2", "3"]
    assert ids(regions_mod.merge_sorted(items, "risk_level", "desc", ranks)) == ["4", "1", "2", "3"]
    assert ids(regions_mod.merge_sorted(items, "risk_level", "asc", ranks)) == ["2", "1", "4", "3"]


# ---------------------------------------------------------------- gather over several Regions


def test_listings_of_two_regions_merge_newest_first_with_region_and_account(regional):
    readers, stubs = regional("us-east-1", "eu-west-1")
    criteria = {"DetectorId": DETECTOR, "SortCriteria": {"AttributeName": "START_TIME", "OrderBy": "DESC"}}
    detectors(stubs["us-east-1"], DETECTOR)
    stubs["us-east-1"].add_response("list_investigations", {"Investigations": [summary(A, 30), summary(C, 10)]}, criteria)
    detectors(stubs["eu-west-1"], EU_DETECTOR)
    stubs["eu-west-1"].add_response("list_investigations", {"Investigations": [summary(B, 20, account="111122223333")]}, dict(criteria, DetectorId=EU_DETECTOR))
    warnings = []
    result = gather(readers, listing_opts(), warnings.append, regional=True)
    assert [(i["region"], i["investigation_id"], i["account_id"]) for i in result["investigations"]] == [
        ("us-east-1", A, "123456789012"),
        ("eu-west-1", B, "111122223333"),
        ("us-east-1", C, "123456789012"),
    ]
    assert result["detector_ids"] == {"us-east-1": DETECTOR, "eu-west-1": EU_DETECTOR}
    assert result["region_errors"] == [] and warnings == []


def test_max_results_is_the_first_of_the_merged_list(regional):
    readers, stubs = regional("us-east-1", "eu-west-1")
    criteria = {"DetectorId": DETECTOR, "SortCriteria": {"AttributeName": "START_TIME", "OrderBy": "DESC"}, "MaxResults": 2}
    detectors(stubs["us-east-1"], DETECTOR)
    stubs["us-east-1"].add_response("list_investigations", {"Investigations": [summary(A, 30), summary(C, 10)]}, criteria)
    detectors(stubs["eu-west-1"], EU_DETECTOR)
    stubs["eu-west-1"].add_response("list_investigations", {"Investigations": [summary(B, 20)]}, dict(criteria, DetectorId=EU_DETECTOR))
    result = gather(readers, listing_opts(max_results=2), lambda message: None, regional=True)
    assert [i["investigation_id"] for i in result["investigations"]] == [A, B]


def test_a_failed_region_is_reported_warned_once_and_does_not_hide_the_other(regional):
    readers, stubs = regional("us-east-1", "eu-west-1", "ap-northeast-1")
    detectors(stubs["us-east-1"], DETECTOR)
    stubs["us-east-1"].add_response("list_investigations", {"Investigations": [summary(A, 30)]})
    stubs["eu-west-1"].add_client_error("list_detectors", "AccessDeniedException", "explicit deny", 403)
    stubs["ap-northeast-1"].add_response("list_detectors", {"DetectorIds": []}, {})
    warnings = []
    result = gather(readers, listing_opts(), warnings.append, regional=True)
    assert [i["investigation_id"] for i in result["investigations"]] == [A]
    assert [(e["region"], e["reason"]) for e in result["region_errors"]] == [("eu-west-1", "access_denied"), ("ap-northeast-1", "no_detector")]
    assert "guardduty:ListDetectors" in result["region_errors"][0]["message"]
    assert result["region_errors"][1]["message"].startswith("No GuardDuty detector was found in ap-northeast-1")
    assert [w.split(":")[0] for w in warnings] == ["Region eu-west-1 was not read (access_denied)", "Region ap-northeast-1 was not read (no_detector)"]


def test_on_region_error_fail_raises_with_the_other_regions_data(regional):
    readers, stubs = regional("us-east-1", "eu-west-1")
    detectors(stubs["us-east-1"], DETECTOR)
    stubs["us-east-1"].add_response("list_investigations", {"Investigations": [summary(A, 30)]})
    detectors(stubs["eu-west-1"], EU_DETECTOR)
    stubs["eu-west-1"].add_client_error(
        "list_investigations", "BadRequestException", f"The AI_ANALYST feature is not enabled for the detector {EU_DETECTOR}.", 400
    )
    with pytest.raises(GuardDutyError) as err:
        gather(readers, listing_opts(), lambda message: None, on_region_error="fail", regional=True)
    assert err.value.message.startswith("1 of 2 Regions could not be read (on_region_error=fail): eu-west-1 (ai_analysis_not_enabled)")
    assert err.value.reason == "region"
    assert [i["investigation_id"] for i in err.value.kwargs["investigations"]] == [A]
    assert err.value.kwargs["region_errors"][0]["region"] == "eu-west-1"


@pytest.mark.parametrize("policy", ["warn", "fail"])
def test_when_no_region_can_be_read_the_task_fails_whatever_on_region_error(regional, policy):
    readers, stubs = regional("us-east-1", "eu-west-1")
    stubs["us-east-1"].add_client_error("list_detectors", "AccessDeniedException", "explicit deny", 403)
    stubs["eu-west-1"].add_response("list_detectors", {"DetectorIds": []}, {})
    warnings = []
    with pytest.raises(GuardDutyError) as err:
        gather(readers, listing_opts(), warnings.append, on_region_error=policy, regional=True)
    assert err.value.reason == "region"
    assert err.value.message.startswith("No Region could be read (2 of 2 failed): us-east-1 (access_denied): Access denied calling ListDetectors")
    assert "; eu-west-1 (no_detector): No GuardDuty detector was found in eu-west-1" in err.value.message
    assert err.value.message.endswith("so the task fails whatever on_region_error says")
    assert [e["region"] for e in err.value.kwargs["region_errors"]] == ["us-east-1", "eu-west-1"]
    assert err.value.kwargs["investigations"] == [] and err.value.kwargs["regions"] == ["us-east-1", "eu-west-1"]
    assert warnings == []  # the failure says it all, once


def test_one_region_of_several_read_is_enough_to_return(regional):
    readers, stubs = regional("us-east-1", "eu-west-1")
    detectors(stubs["us-east-1"], DETECTOR)
    stubs["us-east-1"].add_response("list_investigations", {"Investigations": []})
    stubs["eu-west-1"].add_response("list_detectors", {"DetectorIds": []}, {})
    result = gather(readers, listing_opts(), lambda message: None, regional=True)
    assert result["investigations"] == [] and [e["region"] for e in result["region_errors"]] == ["eu-west-1"]


def test_bad_input_in_every_region_is_the_tasks_error_not_a_region_error(regional):
    readers, stubs = regional("us-east-1")
    # filters need botocore 1.44.2: on an older one the task's error is that requirement, still not a Region's error
    expected = "Unknown key 'colour' in filters" if botocore_at_least(BOTOCORE_RICH) else f"botocore>={BOTOCORE_RICH}"
    with pytest.raises(GuardDutyError, match=re.escape(expected)):
        gather(readers, listing_opts(filters={"colour": "red"}), lambda message: None, regional=True)


def ids_opts():
    return check_task_options({"investigation_ids": [A, B]}, ["us-east-1", "eu-west-1"])


def get(stub, iid, detector_id, response=None, error=None):
    params = {"DetectorId": detector_id, "InvestigationId": iid}
    if error:
        stub.add_client_error("get_investigation", error, "no", 404 if error == "ResourceNotFoundException" else 403, expected_params=params)
    else:
        stub.add_response("get_investigation", {"Investigation": response}, params)


def test_ids_are_found_in_their_region_in_term_order(regional):
    readers, stubs = regional("us-east-1", "eu-west-1")
    detectors(stubs["us-east-1"], DETECTOR)
    get(stubs["us-east-1"], A, DETECTOR, error="ResourceNotFoundException")
    get(stubs["us-east-1"], B, DETECTOR, full(B, "us-east-1"))
    detectors(stubs["eu-west-1"], EU_DETECTOR)
    get(stubs["eu-west-1"], A, EU_DETECTOR, full(A, "eu-west-1", "111122223333"))
    get(stubs["eu-west-1"], B, EU_DETECTOR, error="ResourceNotFoundException")
    result = gather(readers, ids_opts(), lambda message: None, {"us-east-1": [A, B], "eu-west-1": [A, B]}, regional=True)
    picked = pick_terms(result, [(None, A), (None, B), ("eu-west-1", A)], lambda message: None)
    assert [(i["region"], i["investigation_id"], i["account_id"]) for i in picked] == [
        ("eu-west-1", A, "111122223333"),
        ("us-east-1", B, "123456789012"),
        ("eu-west-1", A, "111122223333"),
    ]


def test_an_id_found_nowhere_follows_on_missing_and_says_where_it_was_looked_for(regional):
    result = {"regions": ["us-east-1", "eu-west-1"], "region_errors": [], "investigations": [], "denied": {}}
    with pytest.raises(GuardDutyError) as err:
        pick_terms(result, [(None, A)], lambda message: None)
    assert err.value.message == f"Investigation {A} was not found in any of the Regions read (us-east-1, eu-west-1). Check the id and the Regions"
    warnings = []
    assert pick_terms(result, [("eu-west-1", A)], warnings.append, on_missing="warn") == []
    assert warnings == [f"Skipping: Investigation {A} was not found in eu-west-1. Check the id and the Regions"]


def test_an_id_not_found_while_a_region_failed_is_left_out_with_a_warning_not_called_missing():
    failed = {"region": "eu-west-1", "reason": "unreachable", "message": "..."}
    result = {"regions": ["us-east-1", "eu-west-1"], "region_errors": [failed], "investigations": [], "denied": {}}
    warnings = []
    assert pick_terms(result, [(None, A)], warnings.append) == []
    assert warnings == [
        f"Investigation {A} was not found in the Regions read (us-east-1); "
        "it may be in a Region that could not be read: eu-west-1 (unreachable) (see region_errors)"
    ]


def test_an_id_denied_in_its_region_follows_on_denied(regional):
    readers, stubs = regional("us-east-1")
    detectors(stubs["us-east-1"], DETECTOR)
    get(stubs["us-east-1"], A, DETECTOR, error="AccessDeniedException")
    opts = check_task_options({"investigation_ids": [A]}, ["us-east-1"])
    result = gather(readers, opts, lambda message: None, {"us-east-1": [A]}, regional=True)
    assert result["region_errors"] == []  # one id refused is not the Region failing
    with pytest.raises(GuardDutyError, match="guardduty:GetInvestigation"):
        pick_terms(result, [(None, A)], lambda message: None)
    assert pick_terms(result, [(None, A)], lambda message: None, on_denied="skip") == []


def test_a_wait_that_times_out_in_one_region_fails_naming_it_with_every_regions_data(regional, virtual_time):
    readers, stubs = regional("us-east-1", "eu-west-1")
    running = dict(full(A, "us-east-1"), Status="RUNNING")
    detectors(stubs["us-east-1"], DETECTOR)
    get(stubs["us-east-1"], A, DETECTOR, running)
    get(stubs["us-east-1"], B, DETECTOR, error="ResourceNotFoundException")
    for _round in range(3):  # wait_timeout 30, wait_sleep 10: three polls of the one RUNNING id, then the deadline
        get(stubs["us-east-1"], A, DETECTOR, running)
    detectors(stubs["eu-west-1"], EU_DETECTOR)
    get(stubs["eu-west-1"], A, EU_DETECTOR, error="ResourceNotFoundException")
    get(stubs["eu-west-1"], B, EU_DETECTOR, full(B, "eu-west-1"))
    opts = check_task_options({"investigation_ids": [A, B], "wait": True, "wait_timeout": 30, "wait_sleep": 10}, ["us-east-1", "eu-west-1"])
    with pytest.raises(GuardDutyError) as err:
        gather(readers, opts, lambda message: None, {"us-east-1": [A, B], "eu-west-1": [A, B]}, regional=True)
    assert err.value.reason == "timeout"
    assert err.value.message.startswith(f"Timed out after 30 s (wait_timeout=30) waiting for {A} on detector {DETECTOR} to leave RUNNING")
    assert err.value.kwargs["still_running"] == [A] and err.value.kwargs["waited"] == 30
    assert sorted((i["region"], i["investigation_id"], i["status"]) for i in err.value.kwargs["investigations"]) == [
        ("eu-west-1", B, "COMPLETED"),
        ("us-east-1", A, "RUNNING"),
    ]
