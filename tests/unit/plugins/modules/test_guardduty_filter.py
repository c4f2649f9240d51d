# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""guardduty_filter against botocore's Stubber (every request checked against the GuardDuty service model)."""

from __future__ import annotations

import pytest
from botocore.stub import ANY

from ansible_collections.secops.guardduty.plugins.modules import guardduty_filter

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
NAME = "suppress-scanner"
CRITERIA = {"Criterion": {"type": {"Equals": ["Recon:EC2/Portscan"]}, "severity": {"LessThan": 4}}}


@pytest.fixture
def gd(stub_aws_client):
    return stub_aws_client("guardduty")


def existing(stub, action="ARCHIVE", rank=1, description="scanner", criteria=None):
    stub.add_response("get_filter", {"Name": NAME, "Action": action, "Rank": rank, "Description": description,
                                     "FindingCriteria": criteria or CRITERIA}, {"DetectorId": DETECTOR, "FilterName": NAME})


def absent(stub):
    stub.add_client_error("get_filter", "BadRequestException", "The request is rejected since no such resource found.", 400,
                          expected_params={"DetectorId": DETECTOR, "FilterName": NAME})


def run(run_module, **args):
    return run_module(guardduty_filter.main, dict({"detector_id": DETECTOR, "name": NAME}, **args))


ARGS = {"action": "archive", "rank": 1, "description": "scanner",
        "criteria": {"type": {"equals": "Recon:EC2/Portscan"}, "severity": {"less_than": 4}}}
RESULT = {"name": NAME, "action": "ARCHIVE", "rank": 1, "description": "scanner",
          "criteria": {"type": {"equals": ["Recon:EC2/Portscan"]}, "severity": {"less_than": 4}}}


def test_creates_a_missing_filter_and_returns_it_as_read_back(run_module, gd):
    absent(gd)
    gd.add_response("create_filter", {"Name": NAME}, {"DetectorId": DETECTOR, "Name": NAME, "Action": "ARCHIVE", "Rank": 1,
                                                      "Description": "scanner", "FindingCriteria": CRITERIA, "ClientToken": ANY})
    existing(gd)
    out = run(run_module, _ansible_diff=True, **ARGS)
    assert not out.failed, out.result
    assert out.result["changed"] is True and out.result["before"] is None and out.result["filter"] == RESULT == out.result["after"]
    assert out.result["diff"] == {"before": {}, "after": RESULT}


def test_an_equal_filter_is_left_alone_whichever_operator_names_it_uses(run_module, gd):
    existing(gd, criteria={"Criterion": {"severity": {"Lt": 4}, "type": {"Eq": ["Recon:EC2/Portscan"]}}})
    out = run(run_module, **ARGS)
    assert out.result["changed"] is False and out.result["before"] == out.result["after"] == RESULT


def test_updates_only_what_differs(run_module, gd):
    existing(gd, rank=3, description="old")
    gd.add_response("update_filter", {"Name": NAME}, {"DetectorId": DETECTOR, "FilterName": NAME, "Rank": 1, "Description": "scanner"})
    existing(gd)
    out = run(run_module, **ARGS)
    assert out.result["changed"] is True and out.result["before"]["rank"] == 3 and out.result["after"] == RESULT


def test_options_left_out_are_not_managed(run_module, gd):
    existing(gd, action="NOOP", rank=7)
    out = run(run_module, description="scanner")
    assert out.result["changed"] is False and out.result["filter"]["action"] == "NOOP" and out.result["filter"]["rank"] == 7


def test_new_criteria_replace_the_old_ones(run_module, gd):
    existing(gd)
    new = {"Criterion": {"accountId": {"Equals": ["111122223333"]}}}
    gd.add_response("update_filter", {"Name": NAME}, {"DetectorId": DETECTOR, "FilterName": NAME, "FindingCriteria": new})
    existing(gd, criteria=new)
    out = run(run_module, criteria={"accountId": {"eq": 111122223333}})
    assert out.result["changed"] is True and out.result["after"]["criteria"] == {"accountId": {"equals": ["111122223333"]}}


def test_check_mode_reads_only(run_module, gd):
    absent(gd)
    out = run(run_module, _ansible_check_mode=True, **ARGS)
    assert out.result["changed"] is True and out.result["filter"] == RESULT
    existing(gd, rank=3)
    out = run(run_module, _ansible_check_mode=True, **ARGS)
    assert out.result["changed"] is True and out.result["filter"]["rank"] == 1 and out.result["before"]["rank"] == 3
    existing(gd)
    out = run(run_module, state="absent", _ansible_check_mode=True)
    assert out.result["changed"] is True and out.result["filter"] is None


def test_deletes_and_absent_stays_absent(run_module, gd):
    existing(gd)
    gd.add_response("delete_filter", {}, {"DetectorId": DETECTOR, "FilterName": NAME})
    out = run(run_module, state="absent")
    assert out.result["changed"] is True and out.result["before"] == RESULT and out.result["filter"] is None
    absent(gd)
    out = run(run_module, state="absent")
    assert out.result["changed"] is False and out.result["before"] is None


def test_the_api_form_and_times_are_taken(run_module, gd):
    absent(gd)
    sent = {"Criterion": {"accountId": {"Equals": ["111122223333"]}, "updatedAt": {"LessThan": 1767225600000},
                          "service.archived": {"Equals": ["false"]}}}
    gd.add_response("create_filter", {"Name": NAME}, {"DetectorId": DETECTOR, "Name": NAME, "Action": "NOOP", "FindingCriteria": sent, "ClientToken": ANY})
    existing(gd, action="NOOP", criteria=sent)
    out = run(run_module, action="noop", criteria={"Criterion": {"accountId": {"Equals": ["111122223333"]},
                                                                 "updatedAt": {"LessThan": "2026-01-01T00:00:00Z"},
                                                                 "service.archived": {"equals": False}}})
    assert not out.failed, out.result


def test_creating_needs_criteria(run_module, gd):
    absent(gd)
    out = run(run_module, action="archive")
    assert out.failed and out.result["msg"] == f"There is no filter {NAME} on detector {DETECTOR} to update, and creating it needs criteria: give criteria"


@pytest.mark.parametrize("args,message", [
    ({"criteria": {"resource.instanceDetails.instanceid": {"equals": "i-1"}, "type": {"equal": "x"}, "severity": {"gte": "high"}}},
     "Invalid criteria, nothing was called: unknown criterion field 'resource.instanceDetails.instanceid' (did you mean "
     "'resource.instanceDetails.instanceId'?); type: unknown operator 'equal'; severity.greater_than_or_equal: 'high' is not a whole number; "
     "valid operators: equals, greater_than, greater_than_or_equal, less_than, less_than_or_equal, matches, not_equals, not_matches"),
    ({"criteria": {"type": {"equals": []}}}, "type.equals: the list is empty (give 1 to 50 values)"),
    ({"criteria": {"type": {"matches": ["a", "b", "c", "d", "e", "f"]}}}, "type.matches: 6 values, at most 5"),
    ({"criteria": {"type": {"eq": "a", "equals": "a"}}}, "type: 'equals' repeats the operator equals"),
    ({"criteria": {"updatedAt": {"lt": "yesterday"}}}, "updatedAt.less_than: 'yesterday' is not a time"),
    ({"criteria": {"type": "Recon:EC2/Portscan"}}, "type: give its conditions as a mapping of operator to value"),
    ({"criteria": {}}, "criteria must be a mapping of at least one finding criterion field"),
    ({"name": "has space"}, "Invalid filter name 'has space': it may only hold letters, digits"),
    ({"name": "ab"}, "Invalid filter name 'ab': it must be at least 3 characters"),
    ({"rank": 0}, "rank must be a whole number from 1 to 100"),
    ({"rank": 101}, "rank must be a whole number from 1 to 100"),
    ({"description": "d" * 513}, "Invalid description"),
    ({"state": "absent", "action": "archive"}, "action only apply with state=present"),
])
def test_bad_input_is_refused_with_one_message_before_any_call(run_module, gd, args, message):
    out = run(run_module, **args)
    assert out.failed and message in out.result["msg"], out.result["msg"]


def test_another_bad_request_is_not_taken_for_a_missing_filter(run_module, gd):
    gd.add_client_error("get_filter", "BadRequestException", "The request is rejected because the input detectorId is not owned by the current account.", 400)
    out = run(run_module, **ARGS)
    assert out.failed and out.result["msg"].startswith(f"Failed to call GetFilter on filter {NAME} of detector {DETECTOR}")
    assert "not owned by the current account" in out.result["msg"]


def test_a_denied_create_names_the_action(run_module, gd):
    absent(gd)
    gd.add_client_error("create_filter", "AccessDeniedException", "not authorized", 403)
    out = run(run_module, **ARGS)
    assert out.failed
    assert out.result["msg"].startswith(f"Access denied calling CreateFilter on filter {NAME} of detector {DETECTOR}: the caller needs guardduty:CreateFilter")
