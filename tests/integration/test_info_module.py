# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""guardduty_investigation_info run by ansible-playbook against the emulator."""

from __future__ import annotations

import time

from gdemu import scenarios as sc
from gdplay import info_play
from gdplay import playbook
from gdplay import task

MODULE = "secops.guardduty.guardduty_investigation_info"


def info(args, name="info"):
    return info_play(args, name=name)


def test_get_one(play, guardduty_emulator):
    run = play(info({"investigation_id": sc.COMPLETED_INV_ID}))
    assert run.rc == 0, run
    result = run.result("info")
    inv = result["investigation"]
    assert result["changed"] is False
    assert result["detector_id"] == sc.DETECTOR_ID  # discovered: the only detector
    assert inv["investigation_id"] == sc.COMPLETED_INV_ID
    assert inv["status"] == "COMPLETED"
    assert inv["risk_level"] == "High"
    assert inv["scope"]["finding_id"] == sc.BASIC_FINDING_ID
    assert inv["start_time"].endswith("+00:00") and "T" in inv["start_time"]
    assert isinstance(inv["summary"], str) and isinstance(inv["summary_parsed"], dict)
    assert "summary_data" not in inv
    assert result["investigations"] == [inv]
    assert guardduty_emulator.count("GetInvestigation") == 1


def test_get_several_in_order_without_duplicates(play, guardduty_emulator):
    ids = [sc.TEXT_ONLY_INV_ID, sc.COMPLETED_INV_ID, sc.TEXT_ONLY_INV_ID, sc.RUNNING_INV_ID]
    run = play(info({"investigation_ids": ids, "detector_id": sc.DETECTOR_ID}))
    assert run.rc == 0, run
    result = run.result("info")
    assert [i["investigation_id"] for i in result["investigations"]] == [sc.TEXT_ONLY_INV_ID, sc.COMPLETED_INV_ID, sc.RUNNING_INV_ID]
    assert "investigation" not in result
    running = result["investigations"][2]
    assert running["status"] == "RUNNING" and "risk_level" not in running and "summary" not in running
    assert guardduty_emulator.count("ListDetectors") == 0


def test_list_filters_sort_across_pages(play, guardduty_emulator):
    guardduty_emulator.load(sc.many(120))
    run = play(
        info(
            {
                "filters": {"status": "completed", "risk_level": ["high", "CRITICAL"]},
                "exclude_filters": {"investigation_type": "organization"},
                "sort_by": "start_time",
                "sort_order": "asc",
            }
        )
    )
    assert run.rc == 0, run
    items = run.result("info")["investigations"]
    expected = [i for i in range(120) if i % 7 != 6 and i % 5 in (3, 4) and i % 3 != 2]
    assert sorted(i["investigation_id"] for i in items) == sorted(sc.many_id(i) for i in expected)
    starts = [i["start_time"] for i in items]
    assert starts == sorted(starts)
    assert {i["risk_level"] for i in items} == {"High", "Critical"}
    assert "summary" not in items[0] and "title" in items[0]


def test_list_everything_follows_every_page(play, guardduty_emulator):
    guardduty_emulator.load(sc.many(120))
    run = play(info({"sort_by": "start_time"}))
    assert run.rc == 0, run
    ids = [i["investigation_id"] for i in run.result("info")["investigations"]]
    assert len(ids) == 120 and len(set(ids)) == 120
    assert guardduty_emulator.count("ListInvestigations") == 3  # 50 + 50 + 20


def test_max_results_and_details(play, guardduty_emulator):
    guardduty_emulator.load(sc.many(120))
    run = play(info({"max_results": 7, "sort_by": "start_time", "sort_order": "desc", "details": True, "summary_format": "structured"}))
    assert run.rc == 0, run
    items = run.result("info")["investigations"]
    assert [i["investigation_id"] for i in items] == [sc.many_id(i) for i in range(7)]
    assert all("triggered_by" in i for i in items)
    assert items[0]["summary_data"]["key_observations"]["title"] == "Synthetic investigation #0"
    assert guardduty_emulator.count("GetInvestigation") == 7


def test_listing_with_no_match_is_empty(play, guardduty_emulator):
    run = play(info({"filters": {"finding_id": "f" * 32}}))
    assert run.rc == 0, run
    assert run.result("info")["investigations"] == []


def test_structured_summary_and_text_fallback(play, guardduty_emulator):
    run = play(info({"investigation_ids": [sc.COMPLETED_INV_ID, sc.TEXT_ONLY_INV_ID], "summary_format": "structured"}))
    assert run.rc == 0, run
    structured, text_only = run.result("info")["investigations"]
    data = structured["summary_data"]
    assert "summary" not in structured
    phases = data["threat_assessment"]["attack_progression"]
    assert phases and phases[0]["attacks"][0]["tactic"]["uid"].startswith("TA")
    assert data["countermeasures"][0]["actions"][0]["cli_commands"]
    assert "summary_data" not in text_only
    assert isinstance(text_only["summary"], str) and text_only["summary_parsed"]


def test_records_every_page_and_by_type(play, guardduty_emulator):
    run = play(
        playbook(
            task("info", MODULE, {"investigation_id": sc.COMPLETED_INV_ID, "include_records": True}, register="out")
            + task("only updates", MODULE, {"investigation_id": sc.COMPLETED_INV_ID, "include_records": True, "record_types": ["update", "metadata"]})
        )
    )
    assert run.rc == 0, run
    records = run.result("info")["investigation"]["records"]
    assert len(records) == sc.COMPLETED_RECORD_COUNT
    assert records[0]["record_id"] == "rec-0001" and records[-1]["record_id"] == f"rec-{sc.COMPLETED_RECORD_COUNT:04d}"
    assert records[0]["created_at"].endswith("+00:00")
    assert {r["type"] for r in run.result("only updates")["investigation"]["records"]} <= {"UPDATE", "METADATA"}
    assert guardduty_emulator.count("ListInvestigationRecords", sc.COMPLETED_INV_ID) >= 3  # 45 records, 20 a page


def test_wait_until_completed(play, guardduty_emulator):
    guardduty_emulator.load(sc.demo())
    run = play(info({"investigation_id": sc.FINDING_INV_ID, "wait": True, "wait_sleep": 1, "wait_timeout": 30}))
    assert run.rc == 0, run
    inv = run.result("info")["investigation"]
    assert inv["status"] == "COMPLETED"
    assert inv["risk_level"] == "Critical"


def test_wait_times_out_within_bounds(play, guardduty_emulator):
    began = time.monotonic()
    run = play(info({"investigation_ids": [sc.RUNNING_INV_ID, sc.COMPLETED_INV_ID], "wait": True, "wait_sleep": 1, "wait_timeout": 3}))
    elapsed = time.monotonic() - began
    assert run.rc != 0
    result = run.result("info")
    assert f"waiting for {sc.RUNNING_INV_ID} on detector {sc.DETECTOR_ID} to leave RUNNING" in result["msg"]
    assert "Timed out after 3 s (wait_timeout=3)" in result["msg"]
    assert result["still_running"] == [sc.RUNNING_INV_ID]
    assert 3 <= result["waited"] <= 4
    assert {i["investigation_id"]: i["status"] for i in result["investigations"]} == {sc.RUNNING_INV_ID: "RUNNING", sc.COMPLETED_INV_ID: "COMPLETED"}
    assert elapsed < 3 + 1 + 15  # wait_timeout + wait_sleep + ansible-playbook start-up


def test_failed_fails_unless_allowed(play, guardduty_emulator):
    run = play(info({"investigation_id": sc.FAILED_INV_ID, "wait": True, "wait_sleep": 1}))
    assert run.rc != 0
    result = run.result("info")
    assert sc.FAILED_ERROR in result["msg"]
    assert result["investigations"][0]["status"] == "FAILED"
    run = play(info({"investigation_id": sc.FAILED_INV_ID, "wait": True, "wait_sleep": 1, "allow_failed": True}))
    assert run.rc == 0, run
    assert run.result("info")["investigation"]["error"] == sc.FAILED_ERROR


def test_not_found_names_id_and_detector(play, guardduty_emulator):
    run = play(info({"investigation_id": sc.MISSING_INV_ID}))
    assert run.rc != 0
    msg = run.result("info")["msg"]
    assert f"Investigation {sc.MISSING_INV_ID} was not found on detector {sc.DETECTOR_ID} in us-east-1" in msg
    assert "Traceback" not in run.stdout + run.stderr


def test_access_denied_names_the_permission(play, guardduty_emulator):
    run = play(info({"investigation_id": sc.DENIED_INV_ID}))
    assert run.rc != 0
    result = run.result("info")
    assert "guardduty:GetInvestigation" in result["msg"]
    assert result["error"]["code"] == "AccessDeniedException"


def test_malformed_id_makes_no_call(play, guardduty_emulator):
    run = play(info({"investigation_id": "not/an-id"}))
    assert run.rc != 0
    assert "Invalid investigation id 'not/an-id'" in run.result("info")["msg"]
    assert guardduty_emulator.count() == 0


def test_detector_discovery(play, guardduty_emulator):
    guardduty_emulator.load(sc.detectors(0))
    run = play(info({"filters": {"status": "running"}}))
    assert run.rc != 0
    assert "No GuardDuty detector was found in us-east-1" in run.result("info")["msg"]
    guardduty_emulator.load(sc.detectors(2))
    run = play(info({"filters": {"status": "running"}}))
    assert run.rc != 0
    assert f"Found 2 GuardDuty detectors in us-east-1 ({sc.DETECTOR_ID}, {sc.SECOND_DETECTOR_ID}); set detector_id" in run.result("info")["msg"]
    run = play(info({"filters": {"status": "running"}, "detector_id": sc.SECOND_DETECTOR_ID}))
    assert run.rc == 0, run
    assert run.result("info")["detector_id"] == sc.SECOND_DETECTOR_ID


def test_faults_give_identical_results(play, guardduty_emulator):
    guardduty_emulator.load(sc.many(60, running=0))
    args = {"sort_by": "start_time", "details": True, "include_records": True, "max_results": 12}
    clean = play(info(args))
    assert clean.rc == 0, clean
    guardduty_emulator.set_faults(throttle_every=3, fail_first={"GetInvestigation": 2, "ListInvestigations": 2, "ListDetectors": 1})
    faulty = play(info(args))
    assert faulty.rc == 0, faulty
    assert faulty.result("info")["investigations"] == clean.result("info")["investigations"]
    statuses = [c["status"] for c in guardduty_emulator.calls()]
    assert 429 in statuses and 500 in statuses


def test_check_mode_reads(play, guardduty_emulator):
    run = play(info({"investigation_id": sc.COMPLETED_INV_ID}), check=True)
    assert run.rc == 0, run
    result = run.result("info")
    assert result["changed"] is False and result["investigation"]["status"] == "COMPLETED"


def test_bad_filter_lists_choices_without_a_call(play, guardduty_emulator):
    run = play(info({"filters": {"severity": "high"}}))
    assert run.rc != 0
    assert "valid keys are: status, risk_level, confidence, finding_id, investigation_type" in run.result("info")["msg"]
    assert guardduty_emulator.count("ListInvestigations") == 0


def test_requests_are_signed_with_the_task_region(play, guardduty_emulator):
    run = play(info({"investigation_id": sc.COMPLETED_INV_ID}))
    assert run.rc == 0, run
    call = guardduty_emulator.calls("GetInvestigation")[0]
    assert call["region"] == "us-east-1"
    assert call["access_key_id"].startswith("AKIAGDINTEGRATION")


def test_waiting_on_an_unknown_id_fails_after_the_grace_not_the_deadline(play, guardduty_emulator):
    began = time.monotonic()
    run = play(info({"investigation_ids": [sc.MISSING_INV_ID, sc.COMPLETED_INV_ID], "wait": True, "wait_sleep": 5, "wait_timeout": 600}))
    elapsed = time.monotonic() - began
    assert run.rc != 0
    assert f"Investigation {sc.MISSING_INV_ID} was not found on detector {sc.DETECTOR_ID}" in run.result("info")["msg"]
    assert elapsed < 30 + 5 + 20  # the not-found grace + one wait_sleep + ansible-playbook start-up, far from 600


def test_listing_with_wait_returns_the_listed_investigations_in_full_once_done(play, guardduty_emulator):
    guardduty_emulator.load(sc.demo())
    # NotEquals also matches a missing value: the RUNNING investigation (no risk level yet) is listed, then waited for
    run = play(info({"exclude_filters": {"risk_level": "info"}, "wait": True, "wait_sleep": 1, "wait_timeout": 30}))
    assert run.rc == 0, run
    items = {i["investigation_id"]: i for i in run.result("info")["investigations"]}
    assert set(items) == {sc.FINDING_INV_ID, sc.ACCOUNT_INV_ID, sc.ORG_INV_ID}
    assert all(i["status"] == "COMPLETED" and "triggered_by" in i for i in items.values())
    guardduty_emulator.load(sc.demo())
    run = play(info({"filters": {"status": "running"}, "wait": True, "wait_sleep": 1, "wait_timeout": 30, "summary_format": "structured"}))
    assert run.rc == 0, run
    (done,) = run.result("info")["investigations"]
    assert done["investigation_id"] == sc.FINDING_INV_ID
    assert done["status"] == "COMPLETED" and done["risk_level"] == "Critical"
    assert done["summary_data"]["key_observations"]["title"]
