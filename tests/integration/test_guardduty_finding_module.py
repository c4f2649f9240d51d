# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""guardduty_finding in real ansible-playbook runs against the emulator (module_defaults of the collection's group
give the endpoint and Region): archive, feedback and unarchive, read back from the emulator; idempotency, check and
diff modes, more ids than one call takes, a member account's finding, a finding the detector does not hold, a
malformed id, a member account that may not archive."""

from __future__ import annotations

from gdemu import scenarios as sc
from gdplay import playbook
from gdplay import task

MODULE = "secops.guardduty.guardduty_finding"
IDS = [f"{index:032x}" for index in range(1, 4)]
MEMBER_FINDING = "e" * 32


def load(emulator, ids=IDS, role="standalone"):
    scenario = sc.detectors(1, role=role)
    scenario["findings"] = [sc.finding(finding_id, 2.0, sc.LOW_FINDING_TYPE) for finding_id in ids]
    scenario["findings"].append(sc.finding(MEMBER_FINDING, account_id=sc.MEMBER_ACCOUNT_ID))
    emulator.load(scenario)


def service(emulator, finding_id):
    return emulator.finding(finding_id)["Service"]


def test_archive_with_feedback_is_idempotent_with_check_and_diff_modes(play, guardduty_emulator):
    load(guardduty_emulator)
    close = {"finding_ids": IDS[:2], "archived": True, "feedback": "not_useful", "feedback_comment": "benign: the nightly scan"}
    result = play(playbook(
        task("plan", MODULE, close, check_mode=True, diff=True, register="plan")
        + task("plan diff", "ansible.builtin.set_fact", {"shown": "{{ plan.diff }}"})
        + task("close", MODULE, close, diff=True)
        + task("again", MODULE, close)
        + task("reopen one", MODULE, {"finding_ids": [IDS[0]], "archived": False})
        + task("read", MODULE, {"finding_ids": IDS})
    ))
    assert result.rc == 0, result
    plan = result.result("plan")
    shown = result.result("plan diff")["ansible_facts"]["shown"]  # the callback leaves diff out of what it records
    assert plan["changed"] is True and shown == {"before": plan["before"], "after": plan["after"]}
    assert shown["after"][IDS[0]] == {"archived": True, "feedback": "not_useful"} and shown["before"][IDS[0]] == {"archived": False, "feedback": None}
    close_result = result.result("close")
    assert close_result["changed"] is True and close_result["before"] == plan["before"] and close_result["after"] == plan["after"]
    assert result.result("again")["changed"] is False
    assert result.result("reopen one")["changed"] is True
    assert result.result("read")["after"] == {IDS[0]: {"archived": False, "feedback": "not_useful"},
                                              IDS[1]: {"archived": True, "feedback": "not_useful"},
                                              IDS[2]: {"archived": False, "feedback": None}}
    assert service(guardduty_emulator, IDS[1])["Archived"] is True
    assert guardduty_emulator.feedback(IDS[1]) == {"Feedback": "NOT_USEFUL", "Comments": "benign: the nightly scan"}
    # check mode and the idempotent run changed nothing: one feedback call, one archive call, one unarchive call
    assert [guardduty_emulator.count(op) for op in ("UpdateFindingsFeedback", "ArchiveFindings", "UnarchiveFindings")] == [1, 1, 1]


def test_more_ids_than_one_call_takes(play, guardduty_emulator):
    ids = [f"{index:032x}" for index in range(1, 121)]
    load(guardduty_emulator, ids)
    result = play(playbook(task("close", MODULE, {"finding_ids": ids, "archived": True, "feedback": "useful"})))
    assert result.rc == 0, result
    assert len(result.result("close")["findings"]) == 120 and all(service(guardduty_emulator, i)["Archived"] for i in ids)
    # the emulator refuses more than 50 ids in a call (the model): 120 ids are three calls of each
    assert [guardduty_emulator.count(op) for op in ("GetFindings", "UpdateFindingsFeedback", "ArchiveFindings")] == [3, 3, 3]


def test_a_member_accounts_finding_and_one_the_detector_does_not_hold(play, guardduty_emulator):
    load(guardduty_emulator)
    unknown = "f" * 32
    result = play(playbook(
        task("member", MODULE, {"finding_ids": [MEMBER_FINDING], "archived": True})
        + task("unknown", MODULE, {"finding_ids": [IDS[0], unknown], "archived": True}, ignore_errors=True)
        + task("unknown warned", MODULE, {"finding_ids": [IDS[0], unknown], "feedback": "useful", "on_missing": "warn"})
    ))
    member = result.result("member")
    assert member["changed"] is True and member["findings"][0]["account_id"] == sc.MEMBER_ACCOUNT_ID
    assert service(guardduty_emulator, MEMBER_FINDING)["Archived"] is True
    failed = result.result("unknown")
    assert result.task("unknown")["status"] == "failed" and failed["not_found"] == [unknown]
    assert failed["msg"].startswith(f"1 finding(s) not found on detector {sc.DETECTOR_ID} in us-east-1: {unknown}.")
    assert service(guardduty_emulator, IDS[0])["Archived"] is False  # nothing was changed
    warned = result.result("unknown warned")
    assert warned["not_found"] == [unknown] and warned["after"] == {IDS[0]: {"archived": False, "feedback": "useful"}}
    # ansible-core prints the warning (the registered result need not carry it)
    assert "a finding of another account is only visible to that account or its GuardDuty administrator; the others were handled" in (
        result.stderr + result.stdout).replace("\n", " "), result


def test_a_malformed_id_is_refused_before_any_call(play, guardduty_emulator):
    load(guardduty_emulator)
    guardduty_emulator.reset_log()
    result = play(playbook(task("bad", MODULE, {"finding_ids": [IDS[0], "1ab2c3d4; rm -rf /"], "archived": True}, ignore_errors=True)))
    bad = result.result("bad")
    assert result.task("bad")["status"] == "failed"
    assert bad["msg"] == "Invalid finding_ids: '1ab2c3d4; rm -rf /'; a GuardDuty finding id is 32 hexadecimal characters (nothing was called)"
    assert guardduty_emulator.count() == 0


def test_a_member_account_cannot_archive_and_is_told_so(play, guardduty_emulator):
    load(guardduty_emulator, role="member")
    result = play(playbook(task("archive", MODULE, {"finding_ids": [IDS[0]], "archived": True}, ignore_errors=True)))
    failed = result.result("archive")
    assert result.task("archive")["status"] == "failed"
    assert failed["msg"].startswith(f"Failed to call ArchiveFindings for findings on detector {sc.DETECTOR_ID} in us-east-1")
    assert "only the administrator account can archive" in failed["msg"] and "Traceback" not in result.stdout
