# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""guardduty_investigation's batch mode (quota-aware triage, issue 18) run by ansible-playbook against the emulator,
which enforces GuardDuty's daily quota (10 unless a scenario says otherwise)."""

from __future__ import annotations

import datetime

from gdemu import scenarios as sc
from gdplay import playbook
from gdplay import task

MODULE = "secops.guardduty.guardduty_investigation"
STATES = ("investigated", "covered", "reused", "deferred")


def fid(n):
    return f"{n:032x}"


def iso(seconds_ago):
    return (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds_ago)).isoformat()


def finding(n, severity, account=sc.ACCOUNT_ID, seconds_ago=600):
    """A finding as the secops.guardduty.findings source emits it."""
    return {"id": fid(n), "severity": severity, "account_id": account, "updated_at": iso(seconds_ago), "type": sc.HIGH_FINDING_TYPE}


def burst():
    """The incident of issue 18: 12 findings of severity 7.5 arriving first, then 3 Critical (9.5)."""
    return [finding(n, 7.5, seconds_ago=120 - n) for n in range(1, 13)] + [finding(n, 9.5, seconds_ago=60 - n) for n in range(13, 16)]


def batch_play(*steps):
    """Tasks of the start module; each step is (name, args)."""
    return playbook("".join(task(name, MODULE, args, register="r_" + name.replace(" ", "_")) for name, args in steps))


def scenario(**extra):
    data = sc.empty()
    data["detectors"] = [sc.detector(role="administrator")]
    data["create"] = {"running_for": 1}
    data.update(extra)
    return data


def states(result):
    return {d["finding_id"]: d for d in result["decisions"]}


def assert_every_finding_in_one_state(result, findings):
    ids = [d["finding_id"] for d in result["decisions"]]
    assert sorted(ids) == sorted(f["id"] for f in findings)  # each finding exactly once
    assert all(d["state"] in STATES for d in result["decisions"])
    for decision in result["decisions"]:
        if decision["state"] == "deferred":
            assert decision["reason"] in ("budget", "quota") and decision["investigation_id"] is None
        else:
            assert decision["investigation_id"]


def create_calls(emulator):
    return emulator.calls("CreateInvestigation")


def test_a_burst_goes_to_the_critical_findings_within_the_budget(play, guardduty_emulator):
    guardduty_emulator.load(scenario())
    findings = burst()
    args = {"findings": findings, "daily_budget": 7, "group_threshold": 100}
    run = play(batch_play(("triage", args), ("again", args)))
    assert run.rc == 0, run
    first, again = run.result("triage"), run.result("again")
    assert_every_finding_in_one_state(first, findings)
    decided = states(first)
    for n in (13, 14, 15):
        assert decided[fid(n)]["state"] == "investigated"
    assert first["changed"] is True
    assert first["counts"] == {"investigated": 7, "covered": 0, "reused": 0, "deferred": 8}
    assert {d["reason"] for d in first["decisions"] if d["state"] == "deferred"} == {"budget"}
    # the newest of the 7.5 findings fill the rest of the budget
    assert [d["finding_id"] for d in first["decisions"] if d["state"] == "investigated"] == [fid(n) for n in (15, 14, 13, 12, 11, 10, 9)]
    created = guardduty_emulator.created()
    assert len(created) == 7
    assert sorted(created) == sorted(d["investigation_id"] for d in first["decisions"] if d["state"] == "investigated")
    # the same batch again (a re-run, a restarted rulebook): the budget is counted from the listing, so nothing more starts
    assert_every_finding_in_one_state(again, findings)
    assert again["changed"] is False
    assert again["counts"] == {"investigated": 0, "covered": 0, "reused": 7, "deferred": 8}
    assert again["budget"]["started_last_24h"] == 7 and again["budget"]["remaining"] == 0
    assert len(guardduty_emulator.created()) == 7
    assert len(create_calls(guardduty_emulator)) == 7
    # API calls: one listing per run, plus one count before each start after the first
    assert guardduty_emulator.count("ListInvestigations") == (1 + 6) + 1


def test_a_quota_refusal_is_final_for_the_run(play, guardduty_emulator):
    # people have left only 5 of the day's quota: the 6th start is refused, and nothing is tried after it
    guardduty_emulator.load(scenario(quota={"daily": 5}))
    findings = burst()
    run = play(batch_play(("triage", {"findings": findings, "daily_budget": 7, "group_threshold": 100})))
    assert run.rc == 0, run
    result = run.result("triage")
    assert_every_finding_in_one_state(result, findings)
    decided = states(result)
    for n in (13, 14, 15):
        assert decided[fid(n)]["state"] == "investigated"
    assert result["counts"] == {"investigated": 5, "covered": 0, "reused": 0, "deferred": 10}
    deferred = [d for d in result["decisions"] if d["state"] == "deferred"]
    assert [d["reason"] for d in deferred] == ["quota"] * 10  # everything left after the refusal
    assert result["budget"]["quota_refused"] is True
    assert "the investigation quota is used up" in result["budget"]["quota_message"]
    assert "deferred (reason quota)" in " ".join((run.stdout + run.stderr).split()), run  # the task warns
    calls = create_calls(guardduty_emulator)
    assert [c["status"] for c in calls] == [202] * 5 + [400]  # the refusal is the last CreateInvestigation: never retried
    assert len(guardduty_emulator.created()) == 5


def test_throttling_during_a_burst_is_retried_and_starts_nothing_twice(play, guardduty_emulator):
    guardduty_emulator.load(scenario())
    guardduty_emulator.set_faults(throttle_every=3, fail_first={"CreateInvestigation": 1})
    findings = burst()
    run = play(batch_play(("triage", {"findings": findings, "group_threshold": 100})))
    assert run.rc == 0, run
    result = run.result("triage")
    assert_every_finding_in_one_state(result, findings)
    assert result["counts"]["investigated"] == 7 and result["budget"]["quota_refused"] is False
    assert len(create_calls(guardduty_emulator)) > 7  # retried
    assert len(guardduty_emulator.created()) == 7


def test_many_findings_of_one_account_get_one_account_investigation(play, guardduty_emulator):
    guardduty_emulator.load(scenario())
    findings = [finding(n, 7.0 + n / 10, account=sc.MEMBER_ACCOUNT_ID) for n in range(1, 9)]
    run = play(batch_play(("triage", {"findings": findings})))  # default threshold 3, budget 7
    assert run.rc == 0, run
    result = run.result("triage")
    assert_every_finding_in_one_state(result, findings)
    assert result["counts"] == {"investigated": 0, "covered": 8, "reused": 0, "deferred": 0}
    created = guardduty_emulator.created()
    assert len(created) == 1
    assert {d["investigation_id"] for d in result["decisions"]} == set(created)
    assert {d["investigation_type"] for d in result["decisions"]} == {"ACCOUNT"}
    [investigation] = result["investigations"]
    assert investigation["trigger_prompt"] == f"Analyze findings in account with id {sc.MEMBER_ACCOUNT_ID}"
    assert sorted(investigation["finding_ids"]) == sorted(f["id"] for f in findings)
    # GuardDuty took it as an ACCOUNT investigation of that account
    wait = {"investigation_ids": created, "wait": True, "wait_sleep": 1}
    info = play(playbook(task("info", "secops.guardduty.guardduty_investigation_info", wait, register="r")))
    assert info.rc == 0, info
    scope = info.result("info")["investigations"][0]["scope"]
    assert (scope["investigation_type"], scope["account_id"]) == ("ACCOUNT", sc.MEMBER_ACCOUNT_ID)


def test_check_mode_shows_the_decisions_and_starts_nothing(play, guardduty_emulator):
    guardduty_emulator.load(scenario())
    findings = burst()
    run = play(batch_play(("triage", {"findings": findings, "group_threshold": 100})), check=True)
    assert run.rc == 0, run
    result = run.result("triage")
    assert result["changed"] is True  # it would start investigations
    assert result["counts"] == {"investigated": 7, "covered": 0, "reused": 0, "deferred": 8}
    assert all(d["investigation_id"] is None for d in result["decisions"])
    assert create_calls(guardduty_emulator) == []


def test_a_bad_batch_fails_clearly_without_any_call(play, guardduty_emulator):
    bad = [finding(1, 8.0), {"id": fid(2), "severity": 42}]
    run = play(playbook(task("triage", MODULE, {"findings": bad}, register="r", ignore_errors=True)))
    assert run.rc == 0, run
    result = run.result("triage")
    assert run.task("triage")["status"] == "failed"
    assert result["msg"] == "findings[1].severity must be a number from 0 to 10 (GuardDuty's scale), got 42"
    assert guardduty_emulator.calls() == []


def test_a_second_runner_with_other_findings_counts_what_the_first_started(play, guardduty_emulator):
    guardduty_emulator.load(scenario())
    first_batch = [finding(n, 8.0, account=f"{n:012d}") for n in range(1, 6)]
    second_batch = [finding(n, 9.0, account=f"{n:012d}") for n in range(6, 11)]
    run = play(batch_play(("first", {"findings": first_batch})))
    assert run.rc == 0, run
    assert run.result("first")["counts"]["investigated"] == 5
    other = play(batch_play(("second", {"findings": second_batch})))  # another process, nothing shared but GuardDuty
    assert other.rc == 0, other
    second = other.result("second")
    assert second["budget"]["started_last_24h"] == 5
    assert [d["state"] for d in second["decisions"]] == ["investigated"] * 2 + ["deferred"] * 3
    assert len(guardduty_emulator.created()) == 7
