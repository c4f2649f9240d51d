# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""guardduty_finding against botocore's Stubber (every request checked against the GuardDuty service model)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.modules import guardduty_finding

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
ACCOUNT = "123456789012"
IDS = [f"{index:032x}" for index in range(1, 4)]


def finding(finding_id, archived=False, feedback=None, account=ACCOUNT):
    service = {"Archived": archived, "Count": 1, "DetectorId": DETECTOR, "ServiceName": "guardduty"}
    if feedback:
        service["UserFeedback"] = feedback
    return {"Id": finding_id, "AccountId": account, "Arn": f"arn:aws:guardduty:us-east-1:{account}:detector/{DETECTOR}/finding/{finding_id}",
            "CreatedAt": "2026-12-01T09:57:01.123Z", "UpdatedAt": "2026-12-01T09:57:01.123Z", "Region": "us-east-1", "SchemaVersion": "2.0",
            "Severity": 2.0, "Type": "Recon:EC2/Portscan", "Resource": {"ResourceType": "Instance"}, "Service": service}


@pytest.fixture
def gd(stub_aws_client):
    return stub_aws_client("guardduty")


def read(stub, *findings, ids=None):
    ids = ids if ids is not None else [item["Id"] for item in findings]
    stub.add_response("get_findings", {"Findings": list(findings)}, {"DetectorId": DETECTOR, "FindingIds": ids})


def run(run_module, **args):
    return run_module(guardduty_finding.main, dict({"detector_id": DETECTOR}, **args))


def test_changes_only_what_differs_and_returns_before_and_after(run_module, gd):
    read(gd, finding(IDS[0]), finding(IDS[1], archived=True, feedback="NOT_USEFUL"))
    gd.add_response("update_findings_feedback", {}, {"DetectorId": DETECTOR, "FindingIds": [IDS[0]], "Feedback": "NOT_USEFUL", "Comments": "benign"})
    gd.add_response("archive_findings", {}, {"DetectorId": DETECTOR, "FindingIds": [IDS[0]]})
    out = run(run_module, finding_ids=IDS[:2], archived=True, feedback="not_useful", feedback_comment="benign")
    assert not out.failed, out.result
    assert out.result["changed"] is True and out.result["not_found"] == [] and out.result["detector_id"] == DETECTOR
    assert out.result["before"] == {IDS[0]: {"archived": False, "feedback": None}, IDS[1]: {"archived": True, "feedback": "not_useful"}}
    assert out.result["after"] == {IDS[0]: {"archived": True, "feedback": "not_useful"}, IDS[1]: {"archived": True, "feedback": "not_useful"}}
    assert out.result["findings"][0] == {"finding_id": IDS[0], "arn": finding(IDS[0])["Arn"], "account_id": ACCOUNT, "region": "us-east-1",
                                         "type": "Recon:EC2/Portscan", "severity": 2.0, "archived": True, "feedback": "not_useful"}
    assert "diff" not in out.result


def test_nothing_differs_nothing_is_called(run_module, gd):
    read(gd, finding(IDS[0], archived=True, feedback="USEFUL"))
    out = run(run_module, finding_ids=[IDS[0]], archived=True, feedback="useful", feedback_comment="a new comment alone changes nothing")
    assert out.result["changed"] is False and out.result["before"] == out.result["after"]


def test_unarchives_and_reads_only(run_module, gd):
    read(gd, finding(IDS[0], archived=True))
    gd.add_response("unarchive_findings", {}, {"DetectorId": DETECTOR, "FindingIds": [IDS[0]]})
    out = run(run_module, finding_ids=[IDS[0]], archived=False)
    assert out.result["changed"] is True and out.result["after"][IDS[0]] == {"archived": False, "feedback": None}
    read(gd, finding(IDS[0], feedback="USEFUL"))
    out = run(run_module, finding_ids=[IDS[0]])
    assert out.result["changed"] is False and out.result["after"] == {IDS[0]: {"archived": False, "feedback": "useful"}}


def test_check_mode_calls_nothing_and_diff_mode_says_before_and_after(run_module, gd):
    read(gd, finding(IDS[0]))
    out = run(run_module, finding_ids=[IDS[0]], archived=True, feedback="useful", _ansible_check_mode=True, _ansible_diff=True)
    assert out.result["changed"] is True
    assert out.result["diff"] == {"before": {IDS[0]: {"archived": False, "feedback": None}}, "after": {IDS[0]: {"archived": True, "feedback": "useful"}}}


def test_more_ids_than_one_call_takes_are_sent_in_batches_of_the_models_maximum(run_module, gd):
    ids = [f"{index:032x}" for index in range(120)]
    for start, end in ((0, 50), (50, 100), (100, 120)):
        read(gd, *[finding(finding_id) for finding_id in ids[start:end]])
    for start, end in ((0, 50), (50, 100), (100, 120)):
        gd.add_response("archive_findings", {}, {"DetectorId": DETECTOR, "FindingIds": ids[start:end]})
    out = run(run_module, finding_ids=ids, archived=True)
    assert out.result["changed"] is True and all(state["archived"] for state in out.result["after"].values()) and len(out.result["after"]) == 120


def test_the_detector_is_found_when_left_out(run_module, gd):
    gd.add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
    read(gd, finding(IDS[0]))
    out = run_module(guardduty_finding.main, {"finding_ids": [IDS[0]]})
    assert out.result["detector_id"] == DETECTOR and out.result["changed"] is False


def test_a_finding_the_detector_does_not_hold_fails_before_any_change(run_module, gd):
    read(gd, finding(IDS[0]), ids=IDS[:2])
    out = run(run_module, finding_ids=IDS[:2], archived=True)
    assert out.failed and out.result["not_found"] == [IDS[1]]
    assert out.result["msg"].startswith(f"1 finding(s) not found on detector {DETECTOR} in us-east-1: {IDS[1]}. GetFindings did not return them")
    assert "a finding of another account is only visible to that account or its GuardDuty administrator" in out.result["msg"]
    assert out.result["msg"].endswith("(nothing was changed)")


def test_on_missing_warn_handles_the_others(run_module, gd):
    read(gd, finding(IDS[0]), ids=IDS[:2])
    gd.add_response("archive_findings", {}, {"DetectorId": DETECTOR, "FindingIds": [IDS[0]]})
    out = run(run_module, finding_ids=IDS[:2], archived=True, on_missing="warn")
    assert not out.failed and out.result["not_found"] == [IDS[1]] and list(out.result["after"]) == [IDS[0]]
    assert any(IDS[1] in warning and "the others were handled" in warning for warning in out.result["warnings"])


def test_a_member_accounts_finding_seen_by_the_administrator_is_archived(run_module, gd):
    read(gd, finding(IDS[0], account="111122223333"))
    gd.add_response("archive_findings", {}, {"DetectorId": DETECTOR, "FindingIds": [IDS[0]]})
    out = run(run_module, finding_ids=[IDS[0]], archived=True)
    assert out.result["findings"][0]["account_id"] == "111122223333" and out.result["changed"] is True


@pytest.mark.parametrize("args,message", [
    ({"finding_ids": ["not-a-finding", "ABCDEF0123456789ABCDEF0123456789", "x" * 40]},
     "Invalid finding_ids: 'not-a-finding', '" + "x" * 40 + "'; a GuardDuty finding id is 32 hexadecimal characters (nothing was called)"),
    ({"finding_ids": []}, "No finding id was given"),
    ({"finding_ids": [IDS[0]], "feedback_comment": "why"}, "feedback_comment is sent with feedback"),
    ({"finding_ids": [IDS[0]], "feedback": "maybe"}, "value of feedback must be one of: useful, not_useful"),
])
def test_bad_input_is_refused_before_any_call(run_module, gd, args, message):
    out = run(run_module, **args)
    assert out.failed and message in out.result["msg"]


def test_upper_case_ids_are_spelled_as_guardduty_spells_them(run_module, gd):
    read(gd, finding(IDS[0]))
    out = run(run_module, finding_ids=[IDS[0].upper(), IDS[0]])
    assert list(out.result["before"]) == [IDS[0]]


def test_a_refused_call_says_which_calls_were_made_before_it(run_module, gd):
    read(gd, finding(IDS[0]))
    gd.add_response("update_findings_feedback", {}, {"DetectorId": DETECTOR, "FindingIds": [IDS[0]], "Feedback": "USEFUL"})
    gd.add_client_error("archive_findings", "BadRequestException", "only the administrator account can archive", 400)
    out = run(run_module, finding_ids=[IDS[0]], archived=True, feedback="useful")
    assert out.failed
    assert out.result["msg"].startswith(f"Failed to call ArchiveFindings for findings on detector {DETECTOR} in us-east-1")
    assert "Calls made before it: UpdateFindingsFeedback for 1" in out.result["msg"] and "only the administrator account can archive" in out.result["msg"]
    assert out.result["done"] == [{"operation": "UpdateFindingsFeedback", "finding_ids": [IDS[0]]}]


def test_access_denied_names_the_action(run_module, gd):
    gd.add_client_error("get_findings", "AccessDeniedException", "not authorized", 403)
    out = run(run_module, finding_ids=[IDS[0]], archived=True)
    assert out.failed and "Access denied calling GetFindings for findings on detector" in out.result["msg"]
    assert "the caller needs guardduty:GetFindings" in out.result["msg"]


def test_no_preview_region_warning_findings_exist_in_every_region(run_module, gd):
    read(gd, finding(IDS[0]))
    out = run(run_module, finding_ids=[IDS[0]], region="sa-east-1")
    assert not out.failed and not out.result.get("warnings")
