# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""securityhub_finding in real ansible-playbook runs against the emulator, which answers GuardDuty and Security Hub
on one endpoint (told apart by the SigV4 service): GuardDuty findings named by id get their Security Hub workflow
status, verification state, note and fields, read back from the emulator's Security Hub; idempotency, check and diff
modes, a member account's finding, more findings than one call takes, Security Hub off, a finding not imported yet,
a note over the limit."""

from __future__ import annotations

from gdemu import scenarios as sc
from gdplay import playbook
from gdplay import task

MODULE = "secops.guardduty.securityhub_finding"
IDS = [f"{index:032x}" for index in range(1, 4)]
MEMBER_FINDING = "e" * 32
MEMBER_DETECTOR = "4ef5a6b7c8d9e0f1a2b3c4d5e6f7a8b9"
PRODUCT = f"arn:aws:securityhub:{sc.REGION}::product/aws/guardduty"
BENIGN = {"workflow_status": "SUPPRESSED", "verification_state": "BENIGN_POSITIVE",
          "note": {"text": "Benign (Low risk, High confidence): investigation a1b2c3d4-5678-90ab-cdef-ef1234567890"},
          "user_defined_fields": {"guardduty_investigation": "a1b2c3d4-5678-90ab-cdef-ef1234567890"}}


def arn(finding_id, account=sc.ACCOUNT_ID, detector=sc.DETECTOR_ID):
    return f"arn:aws:guardduty:{sc.REGION}:{account}:detector/{detector}/finding/{finding_id}"


def load(emulator, ids=IDS, **securityhub):
    scenario = sc.empty()
    scenario["findings"] = [sc.finding(finding_id, 2.0, sc.LOW_FINDING_TYPE) for finding_id in ids]
    # a member account's finding, read by its administrator: its ARN names the member's account and detector
    scenario["findings"].append(sc.finding(MEMBER_FINDING, account_id=sc.MEMBER_ACCOUNT_ID, Arn=arn(MEMBER_FINDING, sc.MEMBER_ACCOUNT_ID, MEMBER_DETECTOR)))
    scenario["securityhub"] = securityhub
    emulator.load(scenario)


def test_guardduty_findings_get_their_security_hub_state_idempotently(play, guardduty_emulator):
    load(guardduty_emulator)
    guardduty_emulator.client(service="securityhub").batch_update_findings(
        FindingIdentifiers=[{"Id": arn(IDS[0]), "ProductArn": PRODUCT}], UserDefinedFields={"ticket": "SEC-1"})
    args = dict(BENIGN, guardduty_finding_ids=[IDS[0], MEMBER_FINDING])
    result = play(playbook(
        task("plan", MODULE, args, check_mode=True, diff=True, register="plan")
        + task("plan diff", "ansible.builtin.set_fact", {"shown": "{{ plan.diff }}"})
        + task("apply", MODULE, args)
        + task("again", MODULE, args)
    ))
    assert result.rc == 0, result
    plan = result.result("plan")
    assert plan["changed"] is True and result.result("plan diff")["ansible_facts"]["shown"] == {"before": plan["before"], "after": plan["after"]}
    assert plan["before"][arn(IDS[0])]["workflow_status"] == "NEW" and plan["after"][arn(IDS[0])]["workflow_status"] == "SUPPRESSED"
    applied = result.result("apply")
    assert applied["changed"] is True and applied["not_found"] == [] and applied["note_truncated"] is False
    assert {item["guardduty_finding_id"]: item["id"] for item in applied["findings"]} == {
        IDS[0]: arn(IDS[0]), MEMBER_FINDING: arn(MEMBER_FINDING, sc.MEMBER_ACCOUNT_ID, MEMBER_DETECTOR)}
    assert result.result("again")["changed"] is False
    for finding_id in (IDS[0], MEMBER_FINDING):
        hub = guardduty_emulator.securityhub_finding(finding_id)
        assert hub["Workflow"] == {"Status": "SUPPRESSED"} and hub["VerificationState"] == "BENIGN_POSITIVE"
        assert hub["Note"]["Text"] == BENIGN["note"]["text"] and hub["Note"]["UpdatedBy"] == "secops.guardduty"
    # the fields are merged with what the finding had (the emulator keeps only the map it is sent)
    assert guardduty_emulator.securityhub_finding(IDS[0])["UserDefinedFields"] == {"ticket": "SEC-1", **BENIGN["user_defined_fields"]}
    assert guardduty_emulator.securityhub_finding(MEMBER_FINDING)["AwsAccountId"] == sc.MEMBER_ACCOUNT_ID
    # the setup's call, then one per distinct update (the two findings' merged fields differ); none in check mode or again
    assert guardduty_emulator.count("securityhub:BatchUpdateFindings") == 3


def test_more_findings_than_one_call_takes(play, guardduty_emulator):
    ids = [f"{index:032x}" for index in range(1, 131)]
    load(guardduty_emulator, ids)
    guardduty_emulator.reset_log()
    identifiers = [{"id": arn(finding_id), "product_arn": PRODUCT} for finding_id in ids]
    result = play(playbook(task("resolve", MODULE, {"finding_identifiers": identifiers, "workflow_status": "RESOLVED"})))
    assert result.rc == 0, result
    assert len(result.result("resolve")["findings"]) == 130
    assert all(guardduty_emulator.securityhub_finding(finding_id)["Workflow"]["Status"] == "RESOLVED" for finding_id in ids)
    # 20 ids per GetFindings filter, 100 findings per BatchUpdateFindings (the emulator refuses more); no GuardDuty call
    assert guardduty_emulator.count("securityhub:GetFindings") == 7 and guardduty_emulator.count("securityhub:BatchUpdateFindings") == 2
    assert guardduty_emulator.count("GetFindings") == 0


def test_security_hub_off_and_a_finding_not_imported_yet_are_listed_not_errors(play, guardduty_emulator):
    load(guardduty_emulator, not_imported=[IDS[1]])
    result = play(playbook(
        task("not imported", MODULE, {"guardduty_finding_ids": IDS[:2], "workflow_status": "NOTIFIED"})
        + task("fail on missing", MODULE, {"guardduty_finding_ids": IDS[:2], "workflow_status": "NOTIFIED", "on_missing": "fail"},
               ignore_errors=True)
    ))
    assert result.rc == 0, result
    partial = result.result("not imported")
    assert [item["guardduty_finding_id"] for item in partial["not_found"]] == [IDS[1]]
    assert partial["not_found"][0]["id"] == arn(IDS[1]) and partial["not_found"][0]["reason"].startswith("Security Hub does not hold it")
    assert result.task("fail on missing")["status"] == "failed"
    assert result.result("fail on missing")["msg"].startswith("1 finding(s) not found in Security Hub (nothing was changed)")

    guardduty_emulator.set_securityhub(enabled=False)
    guardduty_emulator.reset_log()
    result = play(playbook(task("off", MODULE, dict(BENIGN, guardduty_finding_ids=IDS))
                           + task("off fails", MODULE, dict(BENIGN, guardduty_finding_ids=IDS, on_missing="fail"), ignore_errors=True)))
    off = result.result("off")
    assert result.task("off")["status"] == "ok" and off["changed"] is False and off["findings"] == []
    assert [item["guardduty_finding_id"] for item in off["not_found"]] == IDS
    assert all("Security Hub is not enabled for this account in this Region" in item["reason"] for item in off["not_found"])
    assert "is not subscribed to AWS Security Hub" in off["not_found"][0]["reason"]
    assert result.task("off fails")["status"] == "failed"
    assert guardduty_emulator.count("securityhub:BatchUpdateFindings") == 0


def test_a_note_over_the_limit_is_cut_with_a_marker(play, guardduty_emulator):
    load(guardduty_emulator)
    text = "Benign: " + "the nightly scan of the fleet. " * 30
    result = play(playbook(task("note", MODULE, {"guardduty_finding_ids": [IDS[0]], "note": {"text": text, "updated_by": "responder"}})
                           + task("again", MODULE, {"guardduty_finding_ids": [IDS[0]], "note": {"text": text, "updated_by": "responder"}})))
    assert result.rc == 0, result
    assert result.result("note")["note_truncated"] is True and result.result("again")["changed"] is False
    stored = guardduty_emulator.securityhub_finding(IDS[0])["Note"]["Text"]
    assert len(text) > 512 and len(stored) == 512 and stored.endswith(" [...cut]") and stored.startswith(text[:400])
    assert "it was cut, ending with '[...cut]'" in (result.stderr + result.stdout).replace("\n", " ")


def test_malformed_identifiers_are_refused_before_any_call(play, guardduty_emulator):
    load(guardduty_emulator)
    guardduty_emulator.reset_log()
    result = play(playbook(
        task("bad id", MODULE, {"guardduty_finding_ids": ["../../etc/passwd"], "workflow_status": "NOTIFIED"}, ignore_errors=True)
        + task("bad arn", MODULE, {"finding_identifiers": [{"id": f"arn:aws:guardduty:{sc.REGION}:{sc.ACCOUNT_ID}:detector/x/finding/nope",
                                                            "product_arn": PRODUCT}], "workflow_status": "NOTIFIED"}, ignore_errors=True)
    ))
    assert result.result("bad id")["msg"].startswith("Invalid guardduty_finding_ids: '../../etc/passwd'")
    assert "is not a GuardDuty finding ARN" in result.result("bad arn")["msg"]
    assert guardduty_emulator.count() == 0
