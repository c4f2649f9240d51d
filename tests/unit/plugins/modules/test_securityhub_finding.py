# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""securityhub_finding against botocore's Stubber (GuardDuty's and Security Hub's service models check each request)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.modules import securityhub_finding

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
ACCOUNT = "123456789012"
MEMBER = "111122223333"
PRODUCT = "arn:aws:securityhub:us-east-1::product/aws/guardduty"
IDS = [f"{index:032x}" for index in range(1, 4)]


def arn(finding_id, account=ACCOUNT, detector=DETECTOR):
    return f"arn:aws:guardduty:us-east-1:{account}:detector/{detector}/finding/{finding_id}"


def gd_finding(finding_id, account=ACCOUNT, detector=DETECTOR):
    return {"Id": finding_id, "AccountId": account, "Arn": arn(finding_id, account, detector), "CreatedAt": "2026-12-01T09:57:01.123Z",
            "UpdatedAt": "2026-12-01T09:57:01.123Z", "Region": "us-east-1", "SchemaVersion": "2.0", "Severity": 2.0,
            "Type": "Recon:EC2/Portscan", "Resource": {"ResourceType": "Instance"}}


def hub_finding(finding_arn, account=ACCOUNT, status="NEW", verification=None, note=None, fields=None):
    item = {"SchemaVersion": "2018-10-08", "Id": finding_arn, "ProductArn": PRODUCT,
            "GeneratorId": f"arn:aws:guardduty:us-east-1:{account}:detector/{DETECTOR}", "AwsAccountId": account,
            "CreatedAt": "2026-12-01T09:57:01.123Z", "UpdatedAt": "2026-12-01T09:57:01.123Z", "Title": "t",
            "Description": "d", "Resources": [{"Type": "Other", "Id": f"AWS::::Account:{account}"}], "Workflow": {"Status": status},
            "RecordState": "ACTIVE"}
    if verification:
        item["VerificationState"] = verification
    if note:
        item["Note"] = {"Text": note[0], "UpdatedBy": note[1], "UpdatedAt": "2026-12-02T10:00:00.000Z"}
    if fields:
        item["UserDefinedFields"] = fields
    return item


def ident(finding_arn):
    return {"Id": finding_arn, "ProductArn": PRODUCT}


def id_filter(*arns):
    return {"Filters": {"Id": [{"Value": value, "Comparison": "EQUALS"} for value in arns]}, "MaxResults": 100}


@pytest.fixture
def clients(stub_aws_client):
    return stub_aws_client("guardduty"), stub_aws_client("securityhub")


def run(run_module, **args):
    return run_module(securityhub_finding.main, args)


def test_sets_what_differs_on_guardduty_findings_by_their_arn(run_module, clients):
    gd, hub = clients
    gd.add_response("get_findings", {"Findings": [gd_finding(IDS[0]), gd_finding(IDS[1], MEMBER, "f" * 32)]},
                    {"DetectorId": DETECTOR, "FindingIds": IDS[:2]})
    member_arn = arn(IDS[1], MEMBER, "f" * 32)
    settled = hub_finding(member_arn, MEMBER, "SUPPRESSED", "BENIGN_POSITIVE", ("benign", "secops.guardduty"), {"ticket": "SEC-1"})
    hub.add_response("get_findings", {"Findings": [hub_finding(arn(IDS[0])), settled]}, id_filter(arn(IDS[0]), member_arn))
    hub.add_response("batch_update_findings", {"ProcessedFindings": [ident(arn(IDS[0]))], "UnprocessedFindings": []},
                     {"FindingIdentifiers": [ident(arn(IDS[0]))], "Workflow": {"Status": "SUPPRESSED"}, "VerificationState": "BENIGN_POSITIVE",
                      "Note": {"Text": "benign", "UpdatedBy": "secops.guardduty"}, "UserDefinedFields": {"ticket": "SEC-1"}})
    out = run(run_module, detector_id=DETECTOR, guardduty_finding_ids=IDS[:2], workflow_status="SUPPRESSED", verification_state="BENIGN_POSITIVE",
              note={"text": "benign"}, user_defined_fields={"ticket": "SEC-1"}, _ansible_diff=True)
    assert not out.failed, out.result
    assert out.result["changed"] is True and out.result["not_found"] == [] and out.result["note_truncated"] is False
    first = out.result["findings"][0]
    assert (first["id"], first["product_arn"], first["guardduty_finding_id"], first["account_id"]) == (arn(IDS[0]), PRODUCT, IDS[0], ACCOUNT)
    before = {"workflow_status": "NEW", "verification_state": None, "note": None, "user_defined_fields": {}, "record_state": "ACTIVE"}
    after = {"workflow_status": "SUPPRESSED", "verification_state": "BENIGN_POSITIVE", "record_state": "ACTIVE",
             "note": {"text": "benign", "updated_by": "secops.guardduty", "updated_at": None}, "user_defined_fields": {"ticket": "SEC-1"}}
    assert out.result["before"][arn(IDS[0])] == before and out.result["after"][arn(IDS[0])] == after
    assert out.result["after"][member_arn] == out.result["before"][member_arn]
    assert out.result["diff"] == {"before": out.result["before"], "after": out.result["after"]}


def test_user_defined_fields_are_merged_and_sent_whole(run_module, clients):
    _gd, hub = clients
    hub.add_response("get_findings", {"Findings": [hub_finding(arn(IDS[0]), fields={"ticket": "SEC-1", "owner": "blue"})]}, id_filter(arn(IDS[0])))
    hub.add_response("batch_update_findings", {"ProcessedFindings": [ident(arn(IDS[0]))], "UnprocessedFindings": []},
                     {"FindingIdentifiers": [ident(arn(IDS[0]))], "UserDefinedFields": {"ticket": "SEC-2", "owner": "blue", "inv": "a1"}})
    out = run(run_module, finding_identifiers=[{"id": arn(IDS[0]), "product_arn": PRODUCT}], user_defined_fields={"ticket": "SEC-2", "inv": "a1"})
    assert out.result["findings"][0]["user_defined_fields"] == {"ticket": "SEC-2", "owner": "blue", "inv": "a1"}
    assert "detector_id" not in out.result and out.result["findings"][0]["guardduty_finding_id"] is None


def test_nothing_differs_nothing_is_called(run_module, clients):
    _gd, hub = clients
    settled = hub_finding(arn(IDS[0]), status="NOTIFIED", verification="TRUE_POSITIVE", note=("tp", "me"), fields={"a": "1"})
    hub.add_response("get_findings", {"Findings": [settled]}, id_filter(arn(IDS[0])))
    out = run(run_module, finding_identifiers=[{"id": arn(IDS[0]), "product_arn": PRODUCT}], workflow_status="NOTIFIED",
              verification_state="TRUE_POSITIVE", note={"text": "tp", "updated_by": "me"}, user_defined_fields={"a": "1"})
    assert out.result["changed"] is False and out.result["before"] == out.result["after"]


def test_check_mode_reads_only(run_module, clients):
    _gd, hub = clients
    hub.add_response("get_findings", {"Findings": [hub_finding(arn(IDS[0]))]}, id_filter(arn(IDS[0])))
    out = run(run_module, finding_identifiers=[{"id": arn(IDS[0]), "product_arn": PRODUCT}], workflow_status="RESOLVED", _ansible_check_mode=True)
    assert out.result["changed"] is True and out.result["findings"][0]["workflow_status"] == "RESOLVED"


def test_a_note_over_the_limit_is_cut_with_a_marker(run_module, clients):
    _gd, hub = clients
    text = "x" * 600
    cut = "x" * (512 - len(" [...cut]")) + " [...cut]"
    hub.add_response("get_findings", {"Findings": [hub_finding(arn(IDS[0]))]}, id_filter(arn(IDS[0])))
    hub.add_response("batch_update_findings", {"ProcessedFindings": [ident(arn(IDS[0]))], "UnprocessedFindings": []},
                     {"FindingIdentifiers": [ident(arn(IDS[0]))], "Note": {"Text": cut, "UpdatedBy": "u" * 503 + " [...cut]"}})
    out = run(run_module, finding_identifiers=[{"id": arn(IDS[0]), "product_arn": PRODUCT}], note={"text": text, "updated_by": "u" * 700})
    assert out.result["note_truncated"] is True and len(out.result["findings"][0]["note"]["text"]) == 512
    assert any("it was cut, ending with '[...cut]'" in warning for warning in out.result["warnings"])


def test_more_findings_than_one_call_takes(run_module, clients):
    _gd, hub = clients
    arns = [arn(f"{index:032x}") for index in range(130)]
    for start in range(0, 130, 20):
        hub.add_response("get_findings", {"Findings": [hub_finding(value) for value in arns[start:start + 20]]}, id_filter(*arns[start:start + 20]))
    for start, end in ((0, 100), (100, 130)):
        hub.add_response("batch_update_findings", {"ProcessedFindings": [ident(value) for value in arns[start:end]], "UnprocessedFindings": []},
                         {"FindingIdentifiers": [ident(value) for value in arns[start:end]], "Workflow": {"Status": "NOTIFIED"}})
    out = run(run_module, finding_identifiers=[{"id": value, "product_arn": PRODUCT} for value in arns], workflow_status="NOTIFIED")
    assert out.result["changed"] is True and len(out.result["findings"]) == 130


def test_security_hub_off_lists_every_finding_in_not_found(run_module, clients):
    _gd, hub = clients
    hub.add_client_error("get_findings", "InvalidAccessException", f"Account {ACCOUNT} is not subscribed to AWS Security Hub", 401)
    out = run(run_module, finding_identifiers=[{"id": arn(IDS[0]), "product_arn": PRODUCT}], workflow_status="NOTIFIED")
    assert not out.failed and out.result["changed"] is False and out.result["findings"] == []
    [missing] = out.result["not_found"]
    assert missing["id"] == arn(IDS[0]) and missing["reason"].startswith("Security Hub is not enabled for this account in this Region")
    assert "is not subscribed to AWS Security Hub" in missing["reason"]
    hub.add_client_error("get_findings", "InvalidAccessException", f"Account {ACCOUNT} is not subscribed to AWS Security Hub", 401)
    out = run(run_module, finding_identifiers=[{"id": arn(IDS[0]), "product_arn": PRODUCT}], workflow_status="NOTIFIED", on_missing="fail")
    assert out.failed and out.result["msg"].startswith("1 finding(s) not found in Security Hub (nothing was changed)")


def test_findings_not_imported_yet_and_not_in_guardduty(run_module, clients):
    gd, hub = clients
    gd.add_response("get_findings", {"Findings": [gd_finding(IDS[0]), gd_finding(IDS[1])]}, {"DetectorId": DETECTOR, "FindingIds": IDS})
    hub.add_response("get_findings", {"Findings": [hub_finding(arn(IDS[0]))]}, id_filter(arn(IDS[0]), arn(IDS[1])))
    hub.add_response("batch_update_findings", {"ProcessedFindings": [ident(arn(IDS[0]))], "UnprocessedFindings": []},
                     {"FindingIdentifiers": [ident(arn(IDS[0]))], "Workflow": {"Status": "NOTIFIED"}})
    out = run(run_module, detector_id=DETECTOR, guardduty_finding_ids=IDS, workflow_status="NOTIFIED")
    assert [(item["guardduty_finding_id"], item["id"]) for item in out.result["not_found"]] == [(IDS[2], None), (IDS[1], arn(IDS[1]))]
    assert out.result["not_found"][0]["reason"] == f"not a finding of detector {DETECTOR} in us-east-1 (GetFindings did not return it)"
    assert out.result["not_found"][1]["reason"].startswith("Security Hub does not hold it")
    assert any("2 finding(s) not found in Security Hub" in warning for warning in out.result["warnings"])


def test_unprocessed_findings_fail_loudly_except_not_found(run_module, clients):
    _gd, hub = clients
    hub.add_response("get_findings", {"Findings": [hub_finding(arn(IDS[0])), hub_finding(arn(IDS[1]))]}, id_filter(arn(IDS[0]), arn(IDS[1])))
    hub.add_response("batch_update_findings", {"ProcessedFindings": [], "UnprocessedFindings": [
        {"FindingIdentifier": ident(arn(IDS[0])), "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"},
        {"FindingIdentifier": ident(arn(IDS[1])), "ErrorCode": "ConcurrentUpdateError", "ErrorMessage": "Concurrent finding updates detected"}]},
        {"FindingIdentifiers": [ident(arn(IDS[0])), ident(arn(IDS[1]))], "Workflow": {"Status": "RESOLVED"}})
    out = run(run_module, finding_identifiers=[{"id": arn(i), "product_arn": PRODUCT} for i in IDS[:2]], workflow_status="RESOLVED")
    assert out.failed and out.result["msg"] == (f"Security Hub did not update 1 finding(s): {arn(IDS[1])}: ConcurrentUpdateError "
                                                "(Concurrent finding updates detected)")


@pytest.mark.parametrize("args,message", [
    ({"guardduty_finding_ids": ["nope"]}, "Invalid guardduty_finding_ids: 'nope'"),
    ({"finding_identifiers": [{"id": "arn:aws:guardduty:us-east-1:1:detector/x/finding/y", "product_arn": PRODUCT}]},
     "is not a GuardDuty finding ARN"),
    ({"finding_identifiers": [{"id": "x", "product_arn": "guardduty"}]}, "'guardduty' is not a Security Hub product ARN"),
    ({"finding_identifiers": [{"id": arn(IDS[0]), "product_arn": PRODUCT}], "note": {"text": "  "}}, "note.text must be a text"),
    ({"finding_identifiers": [{"id": arn(IDS[0]), "product_arn": PRODUCT}], "user_defined_fields": {"k": ""}}, "Invalid user_defined_fields"),
    ({"finding_identifiers": [{"id": arn(IDS[0]), "product_arn": PRODUCT}], "user_defined_fields": {"k": "v" * 1025}}, "a value at most 1024"),
    ({"finding_identifiers": [{"id": arn(IDS[0]), "product_arn": PRODUCT}], "user_defined_fields": {f"k{i}": "v" for i in range(51)}},
     "51 fields, Security Hub keeps at most 50"),
    ({"guardduty_finding_ids": [IDS[0]], "finding_identifiers": [{"id": arn(IDS[0]), "product_arn": PRODUCT}]}, "mutually exclusive"),
    ({}, "one of the following is required"),
    ({"finding_identifiers": [{"id": arn(IDS[0]), "product_arn": PRODUCT}], "workflow_status": "suppressed"}, "value of workflow_status must be one of"),
])
def test_bad_input_is_refused_before_any_call(run_module, clients, args, message):
    out = run(run_module, **args)
    assert out.failed and message in out.result["msg"], out.result["msg"]


def test_a_merge_over_the_limit_fails_before_any_change(run_module, clients):
    _gd, hub = clients
    hub.add_response("get_findings", {"Findings": [hub_finding(arn(IDS[0]), fields={f"k{i}": "v" for i in range(49)})]}, id_filter(arn(IDS[0])))
    out = run(run_module, finding_identifiers=[{"id": arn(IDS[0]), "product_arn": PRODUCT}], user_defined_fields={"a": "1", "b": "2"})
    assert out.failed and "merged with the finding's own, 51 fields" in out.result["msg"]


def test_access_denied_names_the_action(run_module, clients):
    _gd, hub = clients
    hub.add_client_error("get_findings", "AccessDeniedException", "not authorized", 403)
    out = run(run_module, finding_identifiers=[{"id": arn(IDS[0]), "product_arn": PRODUCT}], workflow_status="NOTIFIED")
    assert out.failed and out.result["msg"].startswith("Access denied calling GetFindings on Security Hub findings: the caller needs securityhub:GetFindings")
