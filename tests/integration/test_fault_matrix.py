# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fault matrix: the info module, the lookup and the start module under throttling, 500s, slow answers beyond
botocore's read timeout, dropped connections and throttling in the middle of a listing.

Each test runs one playbook against one emulator: a fault-free phase first, then one phase per fault. Between
phases a task replaces the emulator's faults through its control plane, and every phase signs its requests with
its own access key id, so the request log shows what each fault did. A phase must give exactly what the
fault-free phase gave (nothing lost, nothing duplicated, no second investigation created), or, once retries are
exhausted, fail with one clear message naming the operation and no traceback.
"""

from __future__ import annotations

from gdemu import scenarios as sc
from gdplay import playbook
from gdplay import task
from reliability import CONN
from reliability import FAST
from reliability import INFO
from reliability import LOOKUP
from reliability import NO_TRACEBACK
from reliability import RICH
from reliability import START
from reliability import debug
from reliability import faults
from reliability import phase_key
from reliability import statuses

OPERATIONS = ("ListDetectors", "ListInvestigations", "GetInvestigation", "ListInvestigationRecords", "CreateInvestigation")
# botocore gives up on a read after 0.5 s and tries 3 times in all; answers held back 1 s are "lost" to it
SHORT_READS = {"read_timeout": 0.5, "retries": {"mode": "standard", "total_max_attempts": 3}}
FEW_ATTEMPTS = {"read_timeout": 0.5, "retries": {"mode": "standard", "total_max_attempts": 2}}

# name -> (emulator faults, aws_config of the tasks or None)
RECOVERABLE = {
    "throttled every 3rd call": ({"throttle_every": 3}, None),
    "500 on the first call of each operation": ({"fail_first": dict.fromkeys(OPERATIONS, 1)}, None),
    "answers slower than the read timeout": ({"slow_first": dict(dict.fromkeys(OPERATIONS, 1), seconds=1)}, SHORT_READS),
    "connections dropped": ({"drop_first": dict.fromkeys(OPERATIONS, 1), "drop_every": 5}, None),
}


def _call_statuses(emulator, phase, operation=None):
    return statuses(c for c in emulator.calls(operation) if c["access_key_id"] == phase_key(phase))


def _assert_fault_fired(emulator, phase):
    """The fault really hit this phase's requests (otherwise the comparison would prove nothing)."""
    seen = _call_statuses(emulator, phase)
    if "throttled" in phase:
        assert 429 in seen, (phase, seen)
    elif "500" in phase:
        assert 500 in seen, (phase, seen)
    elif "dropped" in phase:
        assert 0 in seen, (phase, seen)  # the emulator logs a dropped request with status 0
    else:  # slow answers: the held-back request is logged once answered, and botocore asked again meanwhile
        assert len(seen) > len(_call_statuses(emulator, "fault-free")), (phase, seen)


def _assert_clean_failure(run, name, message, lookup=False):
    """Failed with this message (a lookup's is quoted inside Ansible's own), and no traceback anywhere in the output."""
    assert run.task(name)["status"] == "failed", run
    msg = run.result(name)["msg"]
    assert (message in msg) if lookup else msg.startswith(message), (name, msg)
    assert NO_TRACEBACK not in msg
    assert NO_TRACEBACK not in run.stdout + run.stderr, run


def _info_scenario():
    # 119 synthetic investigations + one with 45 records (three pages of records): a listing of 120, three pages
    scenario = sc.many(119)
    scenario["investigations"] += [e for e in sc.basic()["investigations"] if e["investigation"]["InvestigationId"] == sc.COMPLETED_INV_ID]
    return scenario


def test_info_module_survives_faults(play, guardduty_emulator):
    guardduty_emulator.load(_info_scenario())
    ids = [sc.COMPLETED_INV_ID, sc.many_id(0), sc.many_id(6)]  # COMPLETED with records, COMPLETED, FAILED

    def phase_tasks(phase, config=None, listing=True, getting=True):
        conn = {"access_key": phase_key(phase)}
        if config:
            conn["aws_config"] = config
        text = ""
        if getting:
            args = dict(conn, investigation_ids=ids, include_records=RICH)
            text += task(f"get {phase}", INFO, args, ignore_errors=True)
        if listing:
            text += task(f"list {phase}", INFO, dict(conn, sort_by="start_time", sort_order="asc"), ignore_errors=True)
        return text

    tasks = phase_tasks("fault-free")
    for phase, (config, aws_config) in RECOVERABLE.items():
        tasks += faults(f"faults: {phase}", **config) + phase_tasks(phase, aws_config)
    # the listing alone, throttled on its 2nd page (ListDetectors, page 1, page 2 <- 429, page 2, page 3)
    tasks += faults("faults: throttled mid-listing", throttle_every=3) + phase_tasks("throttled mid-listing", getting=False)
    # retries exhausted: every GetInvestigation dropped / every ListInvestigations slower than the read timeout
    tasks += faults("faults: drops exhausted", drop_first={"GetInvestigation": 1000}) + phase_tasks("drops exhausted", FEW_ATTEMPTS, listing=False)
    tasks += faults("faults: timeouts exhausted", slow_first={"ListInvestigations": 1000, "seconds": 1}) + phase_tasks(
        "timeouts exhausted", FEW_ATTEMPTS, getting=False
    )
    run = play(playbook(tasks), env=FAST)
    assert run.rc == 0, run

    clean_get, clean_list = run.result("get fault-free"), run.result("list fault-free")
    assert run.task("get fault-free")["status"] == "ok" and run.task("list fault-free")["status"] == "ok", run
    listed = [item["investigation_id"] for item in clean_list["investigations"]]
    assert len(listed) == 120 and len(set(listed)) == 120
    assert [item["investigation_id"] for item in clean_get["investigations"]] == ids
    if RICH:
        assert len(clean_get["investigations"][0]["records"]) == sc.COMPLETED_RECORD_COUNT

    for phase in list(RECOVERABLE) + ["throttled mid-listing"]:
        if phase != "throttled mid-listing":
            assert run.task(f"get {phase}")["status"] == "ok", (phase, run.result(f"get {phase}").get("msg"))
            assert run.result(f"get {phase}")["investigations"] == clean_get["investigations"], phase
        assert run.task(f"list {phase}")["status"] == "ok", (phase, run.result(f"list {phase}").get("msg"))
        assert run.result(f"list {phase}")["investigations"] == clean_list["investigations"], phase
        _assert_fault_fired(guardduty_emulator, phase)
    assert _call_statuses(guardduty_emulator, "throttled mid-listing", "ListInvestigations") == [200, 429, 200, 200]

    where = f"on detector {sc.DETECTOR_ID} in us-east-1 (retries exhausted or the endpoint did not answer)"
    _assert_clean_failure(run, "get drops exhausted", f"Failed to call GetInvestigation for investigation {sc.COMPLETED_INV_ID} {where}")
    _assert_clean_failure(run, "list timeouts exhausted", f"Failed to call ListInvestigations for investigations {where}")
    assert set(_call_statuses(guardduty_emulator, "drops exhausted", "GetInvestigation")) == {0}


def test_lookup_survives_faults(play, guardduty_emulator):
    ids = [sc.COMPLETED_INV_ID, sc.TEXT_ONLY_INV_ID, sc.RUNNING_INV_ID, sc.FAILED_INV_ID]
    records = ", include_records=true" if RICH else ""

    def phase_tasks(phase):
        expr = f"query('{LOOKUP}', *ids, {CONN}, access_key='{phase_key(phase)}'{records})"
        return debug(f"lookup {phase}", expr, ignore_errors=True)

    # The lookup takes no aws_config (amazon.aws's plugin options have none), so its read timeout is botocore's
    # 60 s: a slow answer is a latency spike here, and exhausting retries needs AWS_MAX_ATTEMPTS (below).
    lookup_faults = dict(RECOVERABLE)
    lookup_faults["answers slower than the read timeout"] = ({"slow_first": {"GetInvestigation": 2, "ListInvestigationRecords": 1, "seconds": 1}}, None)
    tasks = phase_tasks("fault-free")
    for phase, (config, _aws_config) in lookup_faults.items():
        tasks += faults(f"faults: {phase}", **config) + phase_tasks(phase)
    run = play(playbook(tasks), extra_vars={"ids": ids}, env=FAST)
    assert run.rc == 0, run
    clean = run.result("lookup fault-free")["msg"]
    assert [item["investigation_id"] for item in clean] == ids
    for phase in lookup_faults:
        assert run.task(f"lookup {phase}")["status"] == "ok", (phase, run.result(f"lookup {phase}").get("msg"))
        assert run.result(f"lookup {phase}")["msg"] == clean, phase
        if "slow" not in phase:
            _assert_fault_fired(guardduty_emulator, phase)

    # retries exhausted: botocore's attempts come from the environment for a lookup (controller side)
    guardduty_emulator.set_faults(drop_first={"GetInvestigation": 1000})
    run = play(
        playbook(debug("exhausted", f"lookup('{LOOKUP}', '{sc.COMPLETED_INV_ID}', {CONN}, access_key='{phase_key('exhausted')}')", ignore_errors=True)),
        env=dict(FAST, AWS_MAX_ATTEMPTS="2", AWS_RETRY_MODE="standard"),
    )
    assert run.rc == 0, run
    _assert_clean_failure(
        run,
        "exhausted",
        f"Failed to call GetInvestigation for investigation {sc.COMPLETED_INV_ID} on detector {sc.DETECTOR_ID} in us-east-1 "
        "(retries exhausted or the endpoint did not answer)",
        lookup=True,
    )
    assert _call_statuses(guardduty_emulator, "exhausted", "GetInvestigation") == [0, 0]


def test_start_module_survives_faults_without_a_second_investigation(play, guardduty_emulator):
    data = sc.empty()
    data["create"] = {"running_for": 0}
    guardduty_emulator.load(data)

    def args(phase, index, config=None):
        """One question per phase; the re-run (signed as "rerun <phase>") asks it again without faults."""
        values = {"finding_id": f"{index:02x}" + "ab" * 15, "access_key": phase_key(phase), "wait": True, "wait_sleep": 1, "wait_timeout": 30}
        if RICH:
            values.update(include_records=True, summary_format="structured")
        if config:
            values["aws_config"] = config
        return values

    phases = dict(RECOVERABLE)
    phases["500 on the first call of each operation"] = ({"fail_first": dict(dict.fromkeys(OPERATIONS, 1), CreateInvestigation=2)}, None)
    # the first create is answered after GuardDuty made the investigation, but too late for botocore: a lost answer
    phases["answers slower than the read timeout"] = ({"slow_first": dict(dict.fromkeys(OPERATIONS, 1), seconds=1)}, SHORT_READS)
    phases["create exhausted"] = ({"drop_first": {"CreateInvestigation": 1000}}, FEW_ATTEMPTS)  # retries run out
    questions = {"fault-free": args("fault-free", 0)}
    tasks = task("start fault-free", START, questions["fault-free"])
    for index, (phase, (config, aws_config)) in enumerate(phases.items(), start=1):
        questions[phase] = args(phase, index, aws_config)
        tasks += faults(f"faults: {phase}", **config) + task(f"start {phase}", START, questions[phase], ignore_errors=True)
    tasks += faults("no faults")
    for phase, values in questions.items():
        rerun = {key: value for key, value in values.items() if key != "aws_config"}
        tasks += task(f"again {phase}", START, dict(rerun, access_key=phase_key("rerun " + phase)))
    run = play(playbook(tasks), env=FAST)
    assert run.rc == 0, run

    clean = run.result("start fault-free")
    assert clean["changed"] is True and clean["reused"] is False
    assert clean["investigation"]["status"] == "COMPLETED"
    for phase in questions:
        if phase == "create exhausted":
            continue
        first, again = run.result(f"start {phase}"), run.result(f"again {phase}")
        assert run.task(f"start {phase}")["status"] == "ok", (phase, first.get("msg"))
        assert (first["changed"], first["reused"]) == (True, False), phase
        assert set(first) == set(clean), phase
        # re-run without faults: the very same investigation comes back, unchanged, read cleanly
        assert (again["changed"], again["reused"], again["investigation_id"]) == (False, True, first["investigation_id"]), phase
        assert first["investigation"] == again["investigation"], phase
        if phase != "fault-free":
            _assert_fault_fired(guardduty_emulator, phase)

    # exhausted: one clear failure naming CreateInvestigation; the re-run then creates exactly one
    _assert_clean_failure(run, "start create exhausted", f"CreateInvestigation on detector {sc.DETECTOR_ID} in us-east-1 kept failing after retries")
    assert "Running the task again is safe" in run.result("start create exhausted")["msg"]
    assert set(_call_statuses(guardduty_emulator, "create exhausted", "CreateInvestigation")) == {0}
    assert run.result("again create exhausted")["changed"] is True

    # one investigation per question, whatever the faults (the held-back create was answered 1 s after it arrived,
    # long before the play ended, with the investigation its retry had created: the same ClientToken)
    created = guardduty_emulator.created()
    assert sorted(created) == sorted(run.result(f"again {phase}")["investigation_id"] for phase in questions)
    assert len(set(created)) == len(questions)
    for phase, (config, _aws_config) in phases.items():
        if "throttle_every" not in config:  # these faults hit the first create of the phase: it was sent again
            assert len(_call_statuses(guardduty_emulator, phase, "CreateInvestigation")) >= 2, phase
