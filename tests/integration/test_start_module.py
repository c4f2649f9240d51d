# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""guardduty_investigation (start once, reuse, wait, diagnose) run by ansible-playbook against the emulator."""

from __future__ import annotations

import re
import time

from gdemu import scenarios as sc
from gdplay import playbook
from gdplay import task

MODULE = "secops.guardduty.guardduty_investigation"
FID = sc.DEMO_FINDING_ID
FAST = {"running_for": 1}  # created investigations complete after 1 s


def scenario(detector=None, **extra):
    """One detector, no investigations; ``extra`` sets emulator keys such as create and quota."""
    data = sc.empty()
    if detector is not None:
        data["detectors"] = [detector]
    data.update(extra)
    return data


def start_play(*steps):
    """A play of guardduty_investigation tasks: each step is (name, args) or (name, args, task keywords)."""
    tasks = ""
    for step in steps:
        name, args, extra = step if len(step) == 3 else (step[0], step[1], {})
        tasks += task(name, MODULE, args, register="r_" + re.sub(r"\W", "_", name), **extra)
    return playbook(tasks)


def test_create_then_rerun_returns_the_same_investigation(play, guardduty_emulator):
    guardduty_emulator.load(scenario(create=FAST))
    run = play(start_play(("start", {"finding_id": FID.upper()}), ("again", {"finding_id": FID})))
    assert run.rc == 0, run
    first, again = run.result("start"), run.result("again")
    assert first["changed"] is True and first["reused"] is False
    assert first["detector_id"] == sc.DETECTOR_ID  # discovered: the only detector
    assert first["trigger_prompt"] == f"Investigate finding {FID}"
    assert re.fullmatch(r"[0-9a-f]{64}", first["client_token"])
    assert first["investigation"]["investigation_id"] == first["investigation_id"]
    assert first["investigation"]["status"] == "RUNNING"
    assert first["investigation"]["trigger_prompt"] == f"Investigate finding {FID}"
    assert again["changed"] is False and again["reused"] is True
    assert again["investigation_id"] == first["investigation_id"]
    assert guardduty_emulator.created() == [first["investigation_id"]]
    assert guardduty_emulator.count("CreateInvestigation") == 1


def test_check_mode_creates_nothing(play, guardduty_emulator):
    guardduty_emulator.load(scenario())
    run = play(start_play(("start", {"organization": True})), check=True)
    assert run.rc == 0, run
    result = run.result("start")
    assert result["changed"] is True and result["reused"] is False
    assert "investigation_id" not in result and "investigation" not in result
    assert result["trigger_prompt"] == "Analyze findings in my organization"
    assert guardduty_emulator.count("CreateInvestigation") == 0
    assert guardduty_emulator.created() == []


def test_check_mode_reports_a_reuse_unchanged(play, guardduty_emulator):
    run = play(start_play(("start", {"account_id": sc.MEMBER_ACCOUNT_ID})), check=True)
    assert run.rc == 0, run
    result = run.result("start")
    assert (result["changed"], result["reused"], result["investigation_id"]) == (False, True, sc.RUNNING_INV_ID)
    assert guardduty_emulator.count("CreateInvestigation") == 0


def test_reuse_window_zero_creates_a_new_one_every_run(play, guardduty_emulator):
    guardduty_emulator.load(scenario(create=FAST))
    args = {"organization": True, "reuse_window": 0}
    run = play(start_play(("start", args), ("again", args)))
    assert run.rc == 0, run
    first, again = run.result("start"), run.result("again")
    assert first["changed"] is True and again["changed"] is True
    assert first["investigation_id"] != again["investigation_id"]
    assert first["client_token"] != again["client_token"]
    assert len(guardduty_emulator.created()) == 2
    assert guardduty_emulator.count("ListInvestigations") == 0  # no reuse, no listing


def test_reuses_existing_investigations_within_the_window_only(play, guardduty_emulator):
    # basic(): a COMPLETED investigation of BASIC_FINDING_ID started 2 h ago (its prompt also names the account),
    # a RUNNING one of MEMBER_ACCOUNT_ID, and a FAILED one of 0123...cdef a day ago.
    guardduty_emulator.load(dict(sc.basic(), create=FAST))
    run = play(
        start_play(
            ("finding", {"finding_id": sc.BASIC_FINDING_ID}),
            ("account", {"account_id": sc.MEMBER_ACCOUNT_ID}),
            ("finding within an hour", {"finding_id": sc.BASIC_FINDING_ID, "reuse_window": 3600}),
            ("failed finding", {"finding_id": "0123456789ABCDEF0123456789ABCDEF", "reuse_window": 3 * sc.DAY}),
        )
    )
    assert run.rc == 0, run
    finding, account = run.result("finding"), run.result("account")
    assert (finding["changed"], finding["reused"], finding["investigation_id"]) == (False, True, sc.COMPLETED_INV_ID)
    assert finding["investigation"]["status"] == "COMPLETED" and finding["investigation"]["risk_level"] == "High"
    assert (account["changed"], account["reused"], account["investigation_id"]) == (False, True, sc.RUNNING_INV_ID)
    recent = run.result("finding within an hour")
    assert recent["changed"] is True and recent["investigation_id"] != sc.COMPLETED_INV_ID  # 2 h old: outside the window
    failed = run.result("failed finding")
    assert failed["changed"] is True and failed["investigation_id"] != sc.FAILED_INV_ID  # FAILED ones are never reused
    assert guardduty_emulator.created() == [recent["investigation_id"], failed["investigation_id"]]


def test_each_prompt_form_is_investigated_as_intended(play, guardduty_emulator):
    guardduty_emulator.load(scenario(detector=sc.detector(role="administrator"), create=FAST))
    common = {"wait": True, "wait_sleep": 1, "wait_timeout": 30}
    run = play(
        start_play(
            ("finding", dict(common, finding_id=FID)),
            ("account", dict(common, account_id=sc.MEMBER_ACCOUNT_ID)),
            ("organization", dict(common, organization=True)),
            # a raw prompt is its own question: only an investigation with the same prompt text would be reused
            ("prompt", dict(common, trigger_prompt=f"Investigate finding {FID} in account {sc.ACCOUNT_ID}")),
        )
    )
    assert run.rc == 0, run
    expected = {
        "finding": (f"Investigate finding {FID}", "FINDING"),
        "account": (f"Analyze findings in account with id {sc.MEMBER_ACCOUNT_ID}", "ACCOUNT"),
        "organization": ("Analyze findings in my organization", "ORGANIZATION"),
        "prompt": (f"Investigate finding {FID} in account {sc.ACCOUNT_ID}", "FINDING"),
    }
    for name, (prompt, kind) in expected.items():
        result = run.result(name)
        assert result["changed"] is True, name
        assert result["trigger_prompt"] == prompt
        assert result["investigation"]["trigger_prompt"] == prompt  # what GuardDuty received
        assert result["investigation"]["status"] == "COMPLETED"
        assert result["investigation"]["scope"]["investigation_type"] == kind
    assert run.result("finding")["investigation"]["scope"]["finding_id"] == FID
    assert run.result("account")["investigation"]["scope"]["account_id"] == sc.MEMBER_ACCOUNT_ID
    assert len(guardduty_emulator.created()) == 4


def test_invalid_input_fails_clearly_without_any_call(play, guardduty_emulator):
    cases = {
        "two forms": (
            {"finding_id": FID, "organization": True},
            "Give exactly one of finding_id, account_id, organization=true or trigger_prompt; got finding_id and organization=true",
        ),
        "none": ({"wait": True}, "Nothing to investigate: give exactly one of finding_id, account_id, organization=true or trigger_prompt"),
        "bad finding": ({"finding_id": "1ab2c3d4-not-hex"}, "Invalid finding_id '1ab2c3d4-not-hex': a GuardDuty finding id is 32 hexadecimal characters"),
        "bad account": ({"account_id": "12345"}, "Invalid account_id '12345': an AWS account id is exactly 12 digits"),
        "long prompt": ({"trigger_prompt": "x" * 2049}, "trigger_prompt is 2049 characters long; GuardDuty accepts 1 to 2048"),
        "long token": ({"organization": True, "client_token": "t" * 65}, "client_token must be 1 to 64 characters, got 65"),
        "negative window": ({"organization": True, "reuse_window": -1}, "reuse_window must be a whole number of seconds, 0 or more"),
    }
    run = play(start_play(*[(name, args, {"ignore_errors": True}) for name, (args, _msg) in cases.items()]))
    assert run.rc == 0, run
    for name, (_args, message) in cases.items():
        result = run.result(name)
        assert run.task(name)["status"] == "failed", name
        assert result["msg"].startswith(message), (name, result["msg"])
        assert "Traceback" not in result["msg"] and "exception" not in result
    assert guardduty_emulator.calls() == []


def test_create_then_wait_until_completed(play, guardduty_emulator):
    guardduty_emulator.load(scenario(create={"running_for": 2, "visible_after": 1}))
    args = {"finding_id": FID, "wait": True, "wait_sleep": 1, "wait_timeout": 30, "summary_format": "structured", "include_records": True}
    run = play(start_play(("start", args)))
    assert run.rc == 0, run
    result = run.result("start")
    investigation = result["investigation"]
    assert result["changed"] is True
    assert investigation["investigation_id"] == result["investigation_id"]
    assert investigation["status"] == "COMPLETED"
    assert investigation["risk_level"] and investigation["confidence"]
    assert "summary_data" in investigation and investigation["records"]
    assert investigation["end_time"] >= investigation["start_time"]
    # not visible for 1 s after creation: tolerated while waiting
    assert guardduty_emulator.count("GetInvestigation", result["investigation_id"]) >= 2


def test_throttling_and_server_errors_during_create_do_not_create_two(play, guardduty_emulator):
    guardduty_emulator.load(scenario())
    guardduty_emulator.set_faults(throttle_every=2, fail_first={"CreateInvestigation": 2})
    run = play(start_play(("start", {"organization": True})))
    assert run.rc == 0, run
    assert guardduty_emulator.count("CreateInvestigation") >= 3  # retried
    assert guardduty_emulator.created() == [run.result("start")["investigation_id"]]


def test_a_lost_create_answer_is_retried_with_the_same_token(play, guardduty_emulator):
    # The first CreateInvestigation is answered after 3 s, the client gives up after 1 s and retries:
    # both requests reach GuardDuty and carry the same ClientToken, so only one investigation exists.
    guardduty_emulator.load(scenario())
    guardduty_emulator.set_faults(slow_first={"CreateInvestigation": 1, "seconds": 3})
    args = {"organization": True, "aws_config": {"read_timeout": 1}}
    run = play(start_play(("start", args), ("again", {"organization": True})))
    assert run.rc == 0, run
    deadline = time.monotonic() + 10
    while guardduty_emulator.count("CreateInvestigation") < 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # the slow first request is logged once it has been answered (after 3 s)
    assert guardduty_emulator.count("CreateInvestigation") == 2
    investigation_id = run.result("start")["investigation_id"]
    assert guardduty_emulator.created() == [investigation_id]
    assert run.result("again")["investigation_id"] == investigation_id


def test_a_failed_attempt_can_be_retried_within_the_window(play, guardduty_emulator):
    guardduty_emulator.load(scenario(create={"running_for": 1, "final_status": "FAILED"}))
    args = {"finding_id": FID, "wait": True, "wait_sleep": 1, "allow_failed": True}
    run = play(start_play(("start", args), ("again", args)))
    assert run.rc == 0, run
    first, again = run.result("start"), run.result("again")
    assert first["investigation"]["status"] == "FAILED" and first["investigation"]["error"]
    assert again["changed"] is True and again["investigation_id"] != first["investigation_id"]
    assert again["client_token"] != first["client_token"]
    assert len(guardduty_emulator.created()) == 2


def test_ai_analyst_disabled_is_diagnosed_with_the_fix(play, guardduty_emulator):
    guardduty_emulator.load(scenario(detector=sc.detector(ai_analyst=False)))
    run = play(start_play(("start", {"finding_id": FID})))
    assert run.rc != 0
    result = run.result("start")
    assert run.task("start")["status"] == "failed" and result["changed"] is False
    assert f"the AI_ANALYST feature is not enabled on detector {sc.DETECTOR_ID} (it is DISABLED)" in result["msg"]
    fix = f"""aws guardduty update-detector --detector-id {sc.DETECTOR_ID} --features '[{{"Name":"AI_ANALYST","Status":"ENABLED"}}]' --region us-east-1"""
    assert fix in result["msg"]
    assert result["error"]["code"] == "BadRequestException"
    assert guardduty_emulator.count("GetDetector") == 1
    assert guardduty_emulator.created() == []


def test_member_account_is_diagnosed(play, guardduty_emulator):
    guardduty_emulator.load(scenario(detector=sc.detector(role="member")))
    run = play(start_play(("start", {"account_id": sc.ACCOUNT_ID})))
    assert run.rc != 0
    msg = run.result("start")["msg"]
    assert msg.startswith(f"GuardDuty refused to start the investigation on detector {sc.DETECTOR_ID} in us-east-1: access denied.")
    assert "only administrator or standalone accounts may create investigations" in msg
    assert guardduty_emulator.created() == []


def test_missing_permission_is_diagnosed(play, guardduty_emulator):
    guardduty_emulator.load(scenario(denied_operations=["CreateInvestigation"]))
    run = play(start_play(("start", {"organization": True})))
    assert run.rc != 0
    msg = run.result("start")["msg"]
    assert "access denied" in msg and "guardduty:CreateInvestigation" in msg
    assert "is not authorized to perform: guardduty:CreateInvestigation" in msg  # the service's own words follow


def test_quota_exceeded_is_explained_and_reuse_still_works(play, guardduty_emulator):
    guardduty_emulator.load(scenario(quota={"daily": 1}, create=FAST))
    run = play(
        start_play(
            ("first", {"organization": True}),
            ("second", {"account_id": sc.MEMBER_ACCOUNT_ID}, {"ignore_errors": True}),
            ("first again", {"organization": True}),
        )
    )
    assert run.rc == 0, run
    second = run.result("second")
    assert run.task("second")["status"] == "failed"
    assert "the investigation quota is used up. The preview allows 10 investigations per account per day and 100 in total" in second["msg"]
    assert "FAILED investigations do not count" in second["msg"]
    assert run.result("first again")["changed"] is False
    assert len(guardduty_emulator.created()) == 1
