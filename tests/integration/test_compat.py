# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What works with which botocore: every feature on botocore >= 1.44.2; on the floor (1.43.35, whose model has no
ListInvestigationRecords, SummaryFormat, Scope or filters) the options that need 1.44.2 fail with the amazon.aws
"botocore>=1.44.2" message before any call, and get, list, wait, the lookup and start (with reuse) still work.

scripts/test-matrix runs this on every leg; its botocore-floor leg installs botocore/boto3 1.43.35 while the
emulator keeps serving today's API (the newest GuardDuty model, through AWS_DATA_PATH in the test process).
"""

from __future__ import annotations

import botocore

from gdemu import scenarios as sc
from gdemu.model import service_model
from gdplay import playbook
from gdplay import task
from reliability import BOTOCORE
from reliability import CONN
from reliability import FAST
from reliability import INFO
from reliability import LOOKUP
from reliability import RICH
from reliability import START
from reliability import debug

NEEDS = "Failed to import the required Python library (botocore>=1.44.2)"

# name -> (task text, the feature named in the message on an old botocore)
RICH_FEATURES = {
    "structured summary": (
        task("structured summary", INFO, {"investigation_id": sc.COMPLETED_INV_ID, "summary_format": "structured"}, ignore_errors=True),
        "summary_format=structured",
    ),
    "records": (task("records", INFO, {"investigation_id": sc.COMPLETED_INV_ID, "include_records": True}, ignore_errors=True), "include_records"),
    "filters": (task("filters", INFO, {"filters": {"status": "completed"}}, ignore_errors=True), "filters"),
    "exclusions": (task("exclusions", INFO, {"exclude_filters": {"status": "failed"}}, ignore_errors=True), "filters"),
    "lookup records": (
        debug("lookup records", f"lookup('{LOOKUP}', '{sc.COMPLETED_INV_ID}', {CONN}, include_records=true)", ignore_errors=True),
        "include_records",
    ),
    "start structured": (
        task("start structured", START, {"organization": True, "summary_format": "structured"}, ignore_errors=True),
        "summary_format=structured",
    ),
}


def test_the_emulator_serves_the_newest_model():
    # the client under test may be older; the endpoint it talks to is today's API
    assert {"ListInvestigationRecords", "GetInvestigation", "ListInvestigations", "CreateInvestigation"} <= set(service_model().operation_names)
    assert "SummaryFormat" in service_model().operation_model("GetInvestigation").input_shape.members
    assert BOTOCORE == tuple(int(p) for p in botocore.__version__.split(".")[:3])


def test_features_by_botocore_version(play, guardduty_emulator):
    data = sc.basic()
    data["create"] = {"running_for": 1}
    guardduty_emulator.load(data)
    ids = [sc.COMPLETED_INV_ID, sc.TEXT_ONLY_INV_ID]
    run = play(
        playbook(
            # what must work on every supported botocore
            task("get", INFO, {"investigation_ids": ids})
            + task("list", INFO, {"sort_by": "start_time", "sort_order": "asc"})
            + task("wait", INFO, {"investigation_id": sc.COMPLETED_INV_ID, "wait": True, "wait_sleep": 1, "wait_timeout": 10})
            + debug("lookup", f"query('{LOOKUP}', *ids, {CONN}) | map(attribute='investigation_id') | list")
            + task("start", START, {"account_id": sc.ACCOUNT_ID, "wait": True, "wait_sleep": 1, "wait_timeout": 30})
            + task("start again", START, {"account_id": sc.ACCOUNT_ID})
            + task("reuse running", START, {"account_id": sc.MEMBER_ACCOUNT_ID}, check_mode=True)
            # what needs botocore 1.44.2
            + "".join(text for text, _feature in RICH_FEATURES.values())
        ),
        extra_vars={"ids": ids},
        env=FAST,
    )
    assert run.rc == 0, run

    for name, (_text, feature) in RICH_FEATURES.items():
        outcome = run.task(name)
        if RICH:
            assert outcome["status"] == "ok", (name, outcome["result"].get("msg"))
        else:
            assert outcome["status"] == "failed", name
            msg = outcome["result"]["msg"]
            assert NEEDS in msg and f"This is required for {feature}." in msg, (name, msg)
    if RICH:
        assert run.result("structured summary")["investigation"]["summary_data"]["key_observations"]["title"]
        assert len(run.result("records")["investigation"]["records"]) == sc.COMPLETED_RECORD_COUNT
        assert {i["status"] for i in run.result("filters")["investigations"]} == {"COMPLETED"}
        assert "FAILED" not in {i["status"] for i in run.result("exclusions")["investigations"]}
    else:  # refused before any call: nothing but the calls of the tasks that work
        assert guardduty_emulator.count("ListInvestigationRecords") == 0
        assert all(call["status"] < 400 for call in guardduty_emulator.calls())

    got = run.result("get")["investigations"]
    assert [i["investigation_id"] for i in got] == ids
    assert got[0]["risk_level"] == "High" and got[0]["summary_parsed"]["keyObservations"]["title"]
    assert ("scope" in got[0]) is RICH  # Scope is only in the 1.44.2 model: an older botocore does not parse it
    listed = run.result("list")["investigations"]
    assert len(listed) == len(data["investigations"]) and [i["start_time"] for i in listed] == sorted(i["start_time"] for i in listed)
    assert run.result("wait")["investigation"]["status"] == "COMPLETED"
    assert run.result("lookup")["msg"] == ids

    started, again = run.result("start"), run.result("start again")
    assert (started["changed"], started["investigation"]["status"]) == (True, "COMPLETED")
    assert (again["changed"], again["reused"], again["investigation_id"]) == (False, True, started["investigation_id"])
    assert run.result("reuse running")["investigation_id"] == sc.RUNNING_INV_ID  # found by comparing prompts
    assert len(guardduty_emulator.created()) == 1 + (1 if RICH else 0)  # "start structured" creates one only when it can
