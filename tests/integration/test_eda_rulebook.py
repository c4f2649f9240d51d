# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The event-driven path, end to end: a real ansible-rulebook runs the collection's rulebook
secops.guardduty.auto_investigate (sources secops.guardduty.findings and secops.guardduty.investigations, playbooks
secops.guardduty.eda_investigate_finding and eda_report_investigation) against the emulator, which the test feeds with
findings as GuardDuty would. Proves: a new High finding is investigated within the poll interval plus a few seconds,
and the completed investigation is reported; updates of the finding start nothing more; findings below the threshold
start nothing; throttling and 500s change nothing; a rulebook started with a lookback reports an earlier completion
once. Also: the rulebooks load in ansible-rulebook (with and without variables) and the decision environment definition
gives ansible-builder a build context.

Missing ansible-rulebook or Java fails these tests (never skips them): they are the proof of the EDA feature.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from gdemu import scenarios as sc
from gdemu.model import service_model
from rulebook_harness import RulebookProcess
from rulebook_harness import check_toolchain
from rulebook_harness import emulator_report
from rulebook_harness import parse_blocks
from rulebook_harness import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
RULEBOOK = "secops.guardduty.auto_investigate"
RULEBOOK_FILES = {
    "auto_investigate": os.path.join(COLLECTION, "extensions", "eda", "rulebooks", "auto_investigate.yml"),
    "auto_investigate_controller": os.path.join(COLLECTION, "extensions", "eda", "rulebooks", "auto_investigate_controller.yml"),
}
FINDINGS_RULESET = "Investigate high-severity GuardDuty findings"
REPORTS_RULESET = "Report on high-risk GuardDuty verdicts"
INTERVAL = 1  # seconds between polls of each source
RUNNING_FOR = 2  # seconds an investigation the emulator starts stays RUNNING
STARTUP = 90  # bound for ansible-rulebook (JVM) to start and both sources to poll once
REACTION = INTERVAL + 15  # bound for "within the interval plus a few seconds" (a playbook run on a busy 2-core machine)

# finding ids (32 hex digits, as GuardDuty's)
HIGH = "a0a0a0a0b1b1b1b1c2c2c2c2d3d3d3d3"
AT_THRESHOLD = "e4e4e4e4f5f5f5f5a6a6a6a6b7b7b7b7"
LOW = "0c0c0c0c1d1d1d1d2e2e2e2e3f3f3f3f"
JUST_BELOW = "4a4a4a4a5b5b5b5b6c6c6c6c7d7d7d7d"
MISSED = "8e8e8e8e9f9f9f9f0a0a0a0a1b1b1b1b"

# investigations of the lookback test
RECENT_HIGH_INV = "7a1b2c3d-0000-4000-8000-00000000a001"
RECENT_MEDIUM_INV = "7a1b2c3d-0000-4000-8000-00000000a002"
OLD_HIGH_INV = "7a1b2c3d-0000-4000-8000-00000000a003"


@pytest.fixture(scope="module")
def rulebook_toolchain():
    return check_toolchain()


@pytest.fixture
def eda(tmp_path, guardduty_emulator, ansible_environment, rulebook_toolchain):  # pylint: disable=redefined-outer-name,unused-argument
    """start(scenario, **variables) -> RulebookProcess running auto_investigate against the emulator; stopped afterwards."""
    started = []

    class Eda:
        emulator = guardduty_emulator
        report_dir = tmp_path / "reports"

        def start(self, scenario, wait_for_polls=True, **variables):
            if scenario is not None:  # None: a second rulebook against what the emulator holds
                guardduty_emulator.load(scenario)
            values = {
                "guardduty_region": "us-east-1",
                "guardduty_endpoint_url": guardduty_emulator.url,
                "guardduty_interval": INTERVAL,
                "guardduty_report_dir": str(self.report_dir),
                # the tests of one event (and one playbook run) per finding; the batch tests set it true
                "guardduty_batch": False,
            }
            values.update(variables)
            env = dict(ansible_environment)
            env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
            env.pop("GD_RESULTS_FILE", None)
            env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
            rulebook = RulebookProcess(tmp_path / f"rulebook{len(started) + 1}", RULEBOOK, values, env)
            started.append(rulebook)
            rulebook.start()
            self.last_env = env
            if not wait_for_polls:
                return rulebook
            wait_until(
                lambda: guardduty_emulator.count("ListFindings") and guardduty_emulator.count("ListInvestigations"),
                STARTUP, "both sources to poll GuardDuty once", rulebook, guardduty_emulator,
            )
            return rulebook

        def wait(self, condition, timeout, what, rulebook):
            return wait_until(condition, timeout, what, rulebook, guardduty_emulator)

        def finding_events(self, rulebook, finding_id):
            return [e for e in rulebook.events(FINDINGS_RULESET) if e.get("type") == "finding" and e["finding"]["id"] == finding_id]

        def investigated_findings(self):
            """{finding id: [investigation ids the emulator created for it]}."""
            client = guardduty_emulator.client(retries={"mode": "standard", "max_attempts": 10})  # the test's own calls meet the faults too
            out = {}
            for inv_id in guardduty_emulator.created():
                inv = client.get_investigation(DetectorId=sc.DETECTOR_ID, InvestigationId=inv_id)["Investigation"]
                kind, target = sc.classify_prompt(inv["TriggerPrompt"], sc.ACCOUNT_ID)  # the scope shows only once completed
                out.setdefault(target if kind == "FINDING" else kind, []).append(inv_id)
            return out

        def report_files(self, inv_id):
            files = [self.report_dir / f"{inv_id}.md", self.report_dir / f"{inv_id}.html"]
            return files if all(f.is_file() and f.stat().st_size > 0 for f in files) else None

    yield Eda()
    for rulebook in started:
        rulebook.stop()


def policy_actions(name):
    """The GuardDuty operations a policy of docs/iam allows."""
    with open(os.path.join(COLLECTION, "docs", "iam", name), encoding="utf-8") as handle:
        policy = json.load(handle)
    return {action.split(":", 1)[1] for statement in policy["Statement"] for action in statement["Action"]}


def scenario_without_findings(policies=()):
    """One detector, no findings; an investigation runs RUNNING_FOR s. With ``policies``: every other operation is denied."""
    scenario = sc.empty()
    scenario["create"] = {"running_for": RUNNING_FOR}
    if policies:
        allowed = set().union(*(policy_actions(name) for name in policies))
        scenario["denied_operations"] = sorted(set(service_model().operation_names) - allowed)
    return scenario


def put(emulator, finding_id, severity, **extra):
    emulator.put_findings([sc.finding(finding_id=finding_id, severity=severity, **extra)])


def created_at(emulator, inv_id):
    return [c["time"] for c in emulator.calls("CreateInvestigation") if c["investigation_id"] == inv_id and c["status"] < 300][0]


def test_high_finding_is_investigated_then_reported_and_updates_or_lower_severities_start_nothing(eda):
    # the sources get what docs/iam/eda-sources.json allows, the playbooks what investigation-start.json allows and, for
    # the disposition planned after the report, dispose-plan.json
    rulebook = eda.start(scenario_without_findings(policies=("eda-sources.json", "investigation-start.json", "dispose-plan.json")))
    emu = eda.emulator

    # a new High finding appears -> one investigation, started within the interval plus a few seconds
    appeared = time.time()
    put(emu, HIGH, 8.0)
    created = eda.wait(emu.created, REACTION, f"an investigation of the new High finding {HIGH}", rulebook)
    delay = created_at(emu, created[0]) - appeared
    print(f"finding -> CreateInvestigation: {delay:.1f} s (interval {INTERVAL} s)")
    assert eda.investigated_findings() == {HIGH: created}
    inv_id = created[0]

    # it completes (High risk) -> the reports are written and the verdict comes back as an event
    files = eda.wait(lambda: eda.report_files(inv_id), RUNNING_FOR + REACTION + 10, f"the reports of {inv_id}", rulebook)
    markdown = files[0].read_text(encoding="utf-8")
    assert inv_id in markdown and HIGH in markdown and "High" in markdown
    verdict = eda.wait(
        lambda: [m for m in rulebook.debug_messages() if f"investigation {inv_id} (COMPLETED): risk level High" in m],
        20, "the verdict printed from the posted artifacts", rulebook,
    )
    assert str(files[1]) in verdict[0]

    # the same finding updated five times -> six events, one start of the playbook (throttle), one investigation
    for number in range(1, 6):
        put(emu, HIGH, 8.0 + number / 10)
        eda.wait(lambda n=number: len(eda.finding_events(rulebook, HIGH)) == n + 1, REACTION, f"the event of update {number} of {HIGH}", rulebook)
    # findings below the threshold (Low, and just below 7), then one at exactly 7: once that one is investigated,
    # the source has seen the others too
    put(emu, LOW, 2.0, type=sc.LOW_FINDING_TYPE)
    put(emu, JUST_BELOW, 6.9)
    time.sleep(INTERVAL + 0.5)  # a poll with only the lower findings in it
    put(emu, AT_THRESHOLD, 7.0)
    eda.wait(lambda: len(emu.created()) == 2, REACTION, f"an investigation of {AT_THRESHOLD} (severity 7.0)", rulebook)

    investigated = eda.investigated_findings()
    assert investigated == {HIGH: [inv_id], AT_THRESHOLD: [emu.created()[1]]}, emulator_report(emu)
    assert [c for c in emu.calls("CreateInvestigation") if c["status"] < 300 and c["investigation_id"] == inv_id], "one create"
    assert len(eda.finding_events(rulebook, HIGH)) == 6
    assert not eda.finding_events(rulebook, LOW) and not eda.finding_events(rulebook, JUST_BELOW)
    starts = [m for m in rulebook.debug_messages() if m.startswith(f"GuardDuty finding {HIGH}")]
    assert len(starts) == 1, f"the playbook ran once for {HIGH} (throttle): {starts}\n{rulebook.report()}"
    assert f"investigation {inv_id} started" in starts[0]
    # the policies were enough (nothing denied) and every action of the sources' policy was needed
    assert not [c for c in emu.calls() if c["error"] == "AccessDeniedException"], emulator_report(emu)
    assert policy_actions("eda-sources.json") <= {c["operation"] for c in emu.calls()}


def test_throttling_and_server_errors_change_nothing(eda):
    emu = eda.emulator
    faults = {
        "throttle_every": 3,
        "fail_first": {"ListFindings": 2, "GetFindings": 2, "CreateInvestigation": 1, "ListInvestigations": 2, "GetInvestigation": 2},
    }
    emu.set_faults(**faults)
    rulebook = eda.start(scenario_without_findings())
    emu.set_faults(**faults)  # the scenario load kept them; re-armed: the first calls after the start fail again

    put(emu, HIGH, 8.0)
    # every fault costs a retry with backoff (botocore's and AWSRetry's), and the start playbook meets them too
    created = eda.wait(emu.created, REACTION + 30, f"an investigation of {HIGH} despite the faults", rulebook)
    inv_id = created[0]
    emu.set_faults(**faults)  # again 500s for the first calls around the completion and the report
    put(emu, HIGH, 8.2)
    put(emu, HIGH, 8.4)
    files = eda.wait(lambda: eda.report_files(inv_id), RUNNING_FOR + REACTION + 20, f"the reports of {inv_id} despite the faults", rulebook)
    eda.wait(lambda: eda.finding_events(rulebook, HIGH)[-1:] and eda.finding_events(rulebook, HIGH)[-1]["finding"]["severity"] == 8.4,
             REACTION + 10, f"the event of the last update of {HIGH}", rulebook)

    statuses = [c["status"] for c in emu.calls()]
    assert statuses.count(429) >= 3 and statuses.count(500) >= 5, f"the faults happened: {emulator_report(emu)}"
    assert eda.investigated_findings() == {HIGH: [inv_id]}, emulator_report(emu)
    assert HIGH in files[0].read_text(encoding="utf-8")
    assert rulebook.running(), rulebook.report()


def completed(inv_id, finding_id, risk_level, ended_ago, duration=60):
    """A scenario entry: a FINDING investigation that completed ``ended_ago`` seconds before the scenario load."""
    investigation = {"InvestigationId": inv_id, "Status": "COMPLETED", "TriggerPrompt": f"Investigate finding {finding_id}"}
    investigation.update(sc.finding_result(finding_id, sc.ACCOUNT_ID, sc.REGION, risk_level=risk_level))
    return {"detector_id": sc.DETECTOR_ID, "investigation": investigation, "records": [],
            "start_offset": -(ended_ago + duration), "duration": duration}


def test_rulebook_started_with_lookback_catches_up_once_without_a_second_investigation(eda):
    """A restart after an outage: what happened within the lookback is handled once, and nothing is investigated twice."""
    now = time.time()
    scenario = scenario_without_findings()
    scenario["investigations"] = [
        completed(RECENT_HIGH_INV, HIGH, "High", ended_ago=120),
        completed(RECENT_MEDIUM_INV, LOW, "Medium", ended_ago=90),
        completed(OLD_HIGH_INV, AT_THRESHOLD, "Critical", ended_ago=7200),
    ]
    scenario["findings"] = [
        sc.finding(finding_id=HIGH, severity=8.0, updated_at=now - 100),  # investigated before the outage: reused
        sc.finding(finding_id=MISSED, severity=8.0, updated_at=now - 60),  # appeared during the outage: investigated
        sc.finding(finding_id=AT_THRESHOLD, severity=9.0, updated_at=now - 7200),  # outside the lookback
    ]
    rulebook = eda.start(scenario, guardduty_lookback=600)
    emu = eda.emulator

    eda.wait(lambda: eda.report_files(RECENT_HIGH_INV), REACTION + 10, f"the report of {RECENT_HIGH_INV} (completed 2 minutes ago)", rulebook)
    created = eda.wait(emu.created, REACTION, f"an investigation of {MISSED}, updated during the outage", rulebook)
    eda.wait(lambda: [m for m in rulebook.debug_messages() if m.startswith(f"GuardDuty finding {HIGH}")], REACTION,
             f"the start playbook's answer for {HIGH}", rulebook)
    polls = emu.count("ListInvestigations")
    eda.wait(lambda: emu.count("ListInvestigations") >= polls + 3, 20, "three more polls of the investigations source", rulebook)

    assert eda.investigated_findings() == {MISSED: created}, emulator_report(emu)
    starts = [m for m in rulebook.debug_messages() if m.startswith("GuardDuty finding")]
    assert len(starts) == 2, starts
    assert [m for m in starts if HIGH in m and f"investigation {RECENT_HIGH_INV} reused" in m], starts
    assert [m for m in starts if MISSED in m and f"investigation {created[0]} started" in m], starts
    assert not eda.finding_events(rulebook, AT_THRESHOLD), "outside the lookback"

    def completions(inv_id):
        return [e for e in rulebook.events(REPORTS_RULESET)
                if e.get("type") == "investigation_completed" and e["investigation"]["investigation_id"] == inv_id]

    assert len(completions(RECENT_HIGH_INV)) == 1, rulebook.report()
    assert completions(RECENT_HIGH_INV)[0]["investigation"]["risk_level"] == "High"
    assert len(completions(RECENT_MEDIUM_INV)) == 1, "a Medium verdict is an event too, but no report"
    assert not completions(OLD_HIGH_INV), "outside the lookback"
    assert not eda.report_files(RECENT_MEDIUM_INV) and not eda.report_files(OLD_HIGH_INV)

    # the report playbook prints its verdict after writing the files the first wait saw: on a loaded machine, later; and
    # the ruleset's actions run one after the other, so the Medium verdict's disposition playbook may run before it
    def verdicts():
        return [m for m in rulebook.debug_messages() if m.startswith(f"GuardDuty investigation {RECENT_HIGH_INV} ")]

    eda.wait(verdicts, 2 * REACTION + 10, f"the report playbook's verdict for {RECENT_HIGH_INV}", rulebook)
    assert len(verdicts()) == 1, rulebook.debug_messages()


# ---------------------------------------------------------------- quota-aware triage (issue 18)

OTHER_DETECTOR = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
CRITICAL = [f"c{n:031x}" for n in range(1, 4)]
HIGHS = [f"a{n:031x}" for n in range(1, 13)]
# each finding in its own account: the group threshold stays out of the way as well as by its value
BURST_ACCOUNTS = {finding_id: f"{100000000000 + n:012d}" for n, finding_id in enumerate(CRITICAL + HIGHS)}


def batch_events(rulebook):
    return [e for e in rulebook.events(FINDINGS_RULESET) if e.get("type") == "findings"]


def deferred_pages(rulebook):
    """The debug messages of the rule that pages a person for what the burst's batch deferred."""
    return [m for m in rulebook.debug_messages() if m.startswith("GuardDuty batch in us-east-1: 9 finding(s) deferred")]


def decided_events(rulebook):
    """The batch events posted back from the batch playbook's artifacts (ansible-rulebook prints them as set-facts)."""
    found = []
    for kind, body in parse_blocks(rulebook.stdout()):
        if kind == "playbook: set-facts":
            try:
                event = ast.literal_eval(body)
            except (ValueError, SyntaxError):
                continue
            if isinstance(event, dict) and event.get("guardduty_batch_decided"):
                found.append(event)
    return found


def test_a_burst_is_decided_as_one_batch_critical_first_within_the_budget_and_a_second_rulebook_adds_nothing(eda):
    """15 findings in one burst (3 Critical, 12 High), quota 10 of which people used 4 elsewhere in the account, budget 7,
    two rulebooks running: the Critical ones are investigated, at most 7 investigations exist, each run stops creating at
    its quota refusal, every finding is in one state and the deferred ones are in the batch event."""
    scenario = scenario_without_findings()
    scenario["create"] = {"running_for": 3600}  # no completion, so no report runs beside the batch runs
    scenario["detectors"] = [sc.detector(), sc.detector(OTHER_DETECTOR)]
    scenario["quota"] = {"daily": 10}
    variables = {"guardduty_batch": True, "guardduty_daily_budget": 7, "guardduty_group_threshold": 100,
                 "guardduty_detector_id": sc.DETECTOR_ID, "guardduty_lookback": 60}
    first = eda.start(scenario, wait_for_polls=False, **variables)
    second = eda.start(None, wait_for_polls=False, **variables)
    emu = eda.emulator
    people = emu.client(retries={"mode": "standard", "max_attempts": 10})
    for n in range(4):  # people's investigations today, on the account's other detector: quota, not the budget
        people.create_investigation(DetectorId=OTHER_DETECTOR, TriggerPrompt=f"Analyze findings in account with id {100000000100 + n:012d}")

    def both_polling():
        recent = [c for c in emu.calls("ListFindings") if c["time"] > time.time() - 3]
        return len(recent) >= 5  # two findings sources, one poll a second each

    eda.wait(both_polling, STARTUP, "both rulebooks' findings sources to poll", first)
    burst = time.time()
    emu.put_findings([sc.finding(finding_id=f, severity=9.5 if f in CRITICAL else 7.5, account_id=BURST_ACCOUNTS[f]) for f in HIGHS + CRITICAL])

    decided = eda.wait(lambda: decided_events(first) and decided_events(second), STARTUP,
                       "the batch event of each rulebook (post_events of the batch playbook run)", first)
    print(f"burst -> both batches decided: {time.time() - burst:.1f} s")
    # the page is a rule's reaction to the decided event, so it is printed after that event, not with it
    eda.wait(lambda: deferred_pages(first) and deferred_pages(second), STARTUP, "each rulebook's page of the deferred findings", first)
    investigated = {}
    for inv_id in emu.created():
        try:
            inv = people.get_investigation(DetectorId=sc.DETECTOR_ID, InvestigationId=inv_id)["Investigation"]
        except people.exceptions.ClientError:
            continue  # one of the other detector
        investigated[sc.classify_prompt(inv["TriggerPrompt"], sc.ACCOUNT_ID)[1]] = inv_id
    assert len(investigated) <= 7 and set(CRITICAL) <= set(investigated), emulator_report(emu)
    assert len(investigated) == 6, f"6 of the quota's 10 were left: {investigated}\n{emulator_report(emu)}"

    creates = [c for c in emu.calls("CreateInvestigation") if c["time"] >= burst]
    refused = [i for i, c in enumerate(creates) if c["status"] >= 400]
    assert refused and all("BadRequest" in str(creates[i]["error"]) for i in refused), emulator_report(emu)  # the quota refusals
    assert len(refused) <= 2, f"each of the two runs stops at its refusal: {emulator_report(emu)}"
    assert not [c for c in creates[refused[0]:] if c["status"] < 300 and c["investigation_id"] not in investigated.values()], \
        "no new investigation after a quota refusal"

    for rulebook in (first, second):
        [batch] = batch_events(rulebook)  # the burst is one event, highest severity first
        assert {f["id"] for f in batch["findings"][:3]} == set(CRITICAL), batch["findings"]
        assert len(batch["findings"]) == 15
        [event] = decided_events(rulebook)
        decisions = {d["finding_id"]: d for d in event["guardduty_batch_decisions"]}
        assert sorted(decisions) == sorted(CRITICAL + HIGHS) and len(event["guardduty_batch_decisions"]) == 15
        states = {d["state"] for d in decisions.values()}
        assert states <= {"investigated", "reused", "deferred"}, decisions
        for finding_id in CRITICAL:
            assert decisions[finding_id]["state"] in ("investigated", "reused"), decisions[finding_id]
        deferred = {d["finding_id"] for d in event["guardduty_batch_deferred"]}
        assert deferred == {f for f, d in decisions.items() if d["state"] == "deferred"} and len(deferred) == 9
        assert event["guardduty_batch_deferred_count"] == 9
        assert {d["reason"] for d in event["guardduty_batch_deferred"]} <= {"budget", "quota"}
        assert {d["investigation_id"] for d in decisions.values() if d["state"] != "deferred"} == set(investigated.values())
        pages = deferred_pages(rulebook)
        assert len(pages) == 1 and all(f in pages[0] for f in deferred), rulebook.debug_messages()
    assert {d["state"] for e in (first, second) for d in decided_events(e)[0]["guardduty_batch_decisions"]} >= {"investigated", "deferred"}


def test_a_batch_with_8_findings_of_one_account_is_one_account_investigation_and_its_text_is_never_templated(
        guardduty_emulator, ansible_environment, tmp_path):
    """secops.guardduty.eda_investigate_finding for a batch event (as a job template runs it): 8 findings of one account
    (more than the default group threshold 3) -> one ACCOUNT investigation covers them; a finding of another account
    gets its own; one below the threshold is left out; hostile text in the findings is never rendered."""
    marker = tmp_path / "templated"
    guardduty_emulator.load(scenario_without_findings())
    payload = hostile(marker)
    other = "210987654321"
    findings = [{"id": f"b{n:031x}", "severity": 8.0, "account_id": sc.ACCOUNT_ID, "updated_at": "2026-12-02T09:00:00.000Z",
                 "title": payload, "resource": {"instance_details": {"tags": [{"key": "Name", "value": payload}]}}} for n in range(8)]
    findings += [{"id": "d" * 32, "severity": 9.0, "account_id": other, "title": payload},
                 {"id": "e" * 32, "severity": 5.0, "account_id": other, "title": payload}]
    event = {"type": "findings", "findings": findings, "retried": [], "detector_id": sc.DETECTOR_ID, "region": "us-east-1", "note": payload}
    proc = run_playbook("secops.guardduty.eda_investigate_finding",
                        {"ansible_eda": {"event": event}, "guardduty_endpoint_url": guardduty_emulator.url, "guardduty_region": "us-east-1"},
                        ansible_environment, tmp_path / "run")
    assert proc.returncode == 0 and "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert not marker.exists(), f"the playbook templated text of the event\n{proc.stdout}"
    client = guardduty_emulator.client()
    prompts = sorted(client.get_investigation(DetectorId=sc.DETECTOR_ID, InvestigationId=i)["Investigation"]["TriggerPrompt"]
                     for i in guardduty_emulator.created())
    assert prompts == [f"Analyze findings in account with id {sc.ACCOUNT_ID}", f"Investigate finding {'d' * 32}"], proc.stdout
    assert "Batch of 9 finding(s): 1 investigated, 8 covered, 0 reused, 0 deferred" in " ".join(proc.stdout.split()), proc.stdout


WEST_FINDING = "5e5e5e5e6f6f6f6f7a7a7a7a8b8b8b8b"


def test_a_finding_of_a_second_region_is_investigated_and_reported_in_that_region(eda):
    """guardduty_regions: one rulebook over two Regions; a finding of eu-west-1 is investigated there (its detector, the
    start playbook in eu-west-1) and the completed investigation is reported from there."""
    regions = ["us-east-1", "eu-west-1"]
    scenario = sc.regional(regions=regions, per_region=0)
    for content in scenario["regions"].values():
        content["findings"] = []
        content["create"] = {"running_for": RUNNING_FOR}
    # guardduty_region empty: the Regions come from guardduty_regions alone
    rulebook = eda.start(scenario, guardduty_region="", guardduty_regions=regions)
    emu = eda.emulator
    eda.wait(lambda: all(emu.count("ListFindings", region=r) and emu.count("ListInvestigations", region=r) for r in regions),
             STARTUP, "both sources to poll both Regions", rulebook)

    emu.put_findings([sc.finding(finding_id=WEST_FINDING, severity=8.0, region="eu-west-1")], region="eu-west-1")
    created = eda.wait(lambda: emu.created(region="eu-west-1"), REACTION, f"an investigation of {WEST_FINDING} in eu-west-1", rulebook)
    inv_id = created[0]
    files = eda.wait(lambda: eda.report_files(inv_id), RUNNING_FOR + REACTION + 10, f"the reports of {inv_id}", rulebook)
    assert inv_id in files[0].read_text(encoding="utf-8") and WEST_FINDING in files[0].read_text(encoding="utf-8")

    [finding_event] = eda.finding_events(rulebook, WEST_FINDING)
    assert finding_event["region"] == "eu-west-1" and finding_event["detector_id"] == sc.regional_detector_id("eu-west-1")
    completions = [e for e in rulebook.events(REPORTS_RULESET) if e.get("type") == "investigation_completed"]
    assert [(e["investigation"]["investigation_id"], e["region"]) for e in completions] == [(inv_id, "eu-west-1")], rulebook.report()
    # everything about the finding and its investigation happened in eu-west-1, nothing in us-east-1
    assert emu.created(region="us-east-1") == []
    creates = emu.calls("CreateInvestigation")
    assert creates and {c["region"] for c in creates} == {"eu-west-1"}, emulator_report(emu)
    reads = emu.calls("GetInvestigation", inv_id)
    assert reads and {c["region"] for c in reads} == {"eu-west-1"}, emulator_report(emu)
    assert emu.count("ListInvestigationRecords", region="eu-west-1") >= 1 and not emu.count("ListInvestigationRecords", region="us-east-1")


TRIVIAL_RULEBOOK = """\
- name: Toolchain check
  hosts: localhost
  sources:
    - eda.builtin.range:
        limit: "{{ limit }}"
  rules:
    - name: Say one
      condition: event.i == 1
      action:
        debug:
          msg: "range reached {{ event.i }}"
    - name: Stop at the last one
      condition: event.i == vars.limit - 1
      action:
        shutdown:
"""


def test_ansible_rulebook_and_java_run_a_trivial_rulebook(tmp_path, ansible_environment, rulebook_toolchain):  # pylint: disable=unused-argument
    """The toolchain alone, without the collection: ansible-rulebook's own range source, a condition with vars, shutdown."""
    path = tmp_path / "range.yml"
    path.write_text(TRIVIAL_RULEBOOK, encoding="utf-8")
    rulebook = RulebookProcess(tmp_path / "range", str(path), {"limit": 3}, ansible_environment).start()
    try:
        wait_until(lambda: not rulebook.running(), 60, "the trivial rulebook to shut itself down", rulebook)
    finally:
        rulebook.stop()
    assert rulebook.returncode == 0, rulebook.report()
    assert [event["i"] for event in rulebook.events("Toolchain check")] == [0, 1, 2], rulebook.report()
    assert rulebook.debug_messages() == ["range reached 1"], rulebook.report()


def test_a_bad_variable_stops_the_rulebook_with_one_clear_message(eda):
    rulebook = eda.start(scenario_without_findings(), wait_for_polls=False, guardduty_severity_threshold=42)
    wait_until(lambda: not rulebook.running(), 60, "ansible-rulebook to stop", emulator=eda.emulator)
    assert rulebook.proc.returncode != 0
    assert ("secops.guardduty.findings stopped: min_severity must be a number above 0 and at most 10, "
            "or one of Low, Medium, High, Critical; got 42") in rulebook.stderr(), rulebook.report()
    assert not eda.emulator.created()


def test_guardduty_regions_beside_guardduty_region_stops_the_rulebook_with_one_clear_message(eda):
    rulebook = eda.start(scenario_without_findings(), wait_for_polls=False, guardduty_regions=["us-east-1", "eu-west-1"])  # and guardduty_region
    wait_until(lambda: not rulebook.running(), 60, "ansible-rulebook to stop", emulator=eda.emulator)
    assert rulebook.proc.returncode != 0
    assert ("stopped: regions and region are mutually exclusive: region 'us-east-1' was given in the source's arguments beside "
            "regions (us-east-1, eu-west-1)") in rulebook.stderr(), rulebook.report()
    assert "Traceback" not in rulebook.stderr().split("Source error:")[-1], rulebook.report()
    assert not eda.emulator.calls()


@pytest.mark.parametrize(
    "threshold, severity, started",
    [(None, 8.0, True), ("High", 7.0, True), ("Critical", 8.9, False), (8.5, 8.0, False), ("8.5", 8.5, True)],
)
def test_investigate_playbook_applies_the_threshold_again(threshold, severity, started, guardduty_emulator, ansible_environment, tmp_path):
    """secops.guardduty.eda_investigate_finding on its own (as a controller job template runs it): number or level name."""
    guardduty_emulator.load(scenario_without_findings())
    extra = {"ansible_eda": {"event": {"type": "finding", "finding": {"id": HIGH, "severity": severity}, "detector_id": sc.DETECTOR_ID}},
             "guardduty_endpoint_url": guardduty_emulator.url, "guardduty_region": "us-east-1"}
    if threshold is not None:
        extra["guardduty_severity_threshold"] = threshold
    proc = run_playbook("secops.guardduty.eda_investigate_finding", extra, ansible_environment, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(guardduty_emulator.created()) == (1 if started else 0), proc.stdout


@pytest.mark.parametrize("reuse_window, investigations", [(None, 1), (0, 2)])
def test_investigate_playbook_reuses_within_the_reuse_window(reuse_window, investigations, guardduty_emulator, ansible_environment, tmp_path):
    """Run twice for the same finding: reused by default; guardduty_reuse_window 0 starts a new one each time."""
    guardduty_emulator.load(scenario_without_findings())
    extra = {"ansible_eda": {"event": {"type": "finding", "finding": {"id": HIGH, "severity": 8.0}, "detector_id": sc.DETECTOR_ID}},
             "guardduty_endpoint_url": guardduty_emulator.url, "guardduty_region": "us-east-1"}
    if reuse_window is not None:
        extra["guardduty_reuse_window"] = reuse_window
    for run in (1, 2):
        proc = run_playbook("secops.guardduty.eda_investigate_finding", extra, ansible_environment, tmp_path / f"run{run}")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(guardduty_emulator.created()) == investigations, proc.stdout


@pytest.mark.parametrize(
    "playbook, extra, message",
    [
        ("eda_investigate_finding", {"guardduty_severity_threshold": "urgent"},
         "guardduty_severity_threshold must be a number above 0 and at most 10, or one of Low, Medium, High, Critical; got urgent."),
        ("eda_investigate_finding", {"ansible_eda": {"event": {"type": "investigation_completed"}}},
         'secops.guardduty.eda_investigate_finding runs for a finding event of the secops.guardduty.findings source'),
        ("eda_investigate_finding", {"ansible_eda": {"event": {"type": "findings", "findings": ["not a finding"]}}},
         'or for its batch event (type "findings", findings: a list of findings); the event given is not such an event.'),
        ("eda_report_investigation", {"ansible_eda": {"event": {"type": "finding", "finding": {"id": HIGH}}}},
         'secops.guardduty.eda_report_investigation runs for an investigation event of the'),
    ],
)
def test_eda_playbooks_say_what_is_wrong(playbook, extra, message, guardduty_emulator, ansible_environment, tmp_path):
    event = {"ansible_eda": {"event": {"type": "finding", "finding": {"id": HIGH, "severity": 8.0}}}}
    event.update(extra)
    proc = run_playbook(f"secops.guardduty.{playbook}", event, ansible_environment, tmp_path)
    assert proc.returncode == 2 and message in " ".join(proc.stdout.split()), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not guardduty_emulator.calls()


def run_playbook(name, extra_vars, env, workdir):
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), name, "-e", json.dumps(extra_vars)]
    return subprocess.run(cmd, env=env, cwd=workdir, capture_output=True, text=True, timeout=300, check=False)


# ---------------------------------------------------------------- static checks of what the controller runs


def rulebook_data(name):
    with open(RULEBOOK_FILES[name], encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("name", sorted(RULEBOOK_FILES))
def test_rulebook_loads_in_ansible_rulebook_with_and_without_variables(name, rulebook_toolchain):  # pylint: disable=unused-argument
    """The schema and the condition parser of ansible-rulebook accept the rulebook, and it needs no variable to load."""
    from ansible_rulebook import rules_parser  # pylint: disable=import-outside-toplevel
    from ansible_rulebook.validators import Validate  # pylint: disable=import-outside-toplevel

    data = rulebook_data(name)
    Validate.rulebook(data)
    for variables in ({}, {"guardduty_severity_threshold": 5, "guardduty_interval": 10}):
        rulesets = rules_parser.parse_rule_sets(rulebook_data(name), variables)
        assert [r.name for r in rulesets] == [FINDINGS_RULESET, REPORTS_RULESET]
        sources = [s.source_name for r in rulesets for s in r.sources]
        assert sources == ["secops.guardduty.findings", "secops.guardduty.investigations"]


def test_controller_rulebook_launches_the_playbooks_of_the_local_rulebook_with_the_same_variables():
    """run_job_template in the controller rulebook passes what run_playbook passes in the local one."""
    local, controller = rulebook_data("auto_investigate"), rulebook_data("auto_investigate_controller")
    for local_set, controller_set in zip(local, controller):
        assert local_set["sources"] == controller_set["sources"]
        local_rule, controller_rule = local_set["rules"][0], controller_set["rules"][0]
        assert local_rule["condition"] == controller_rule["condition"]
        assert local_rule["throttle"] == controller_rule["throttle"]
        playbook = local_rule["action"]["run_playbook"]
        template = controller_rule["action"]["run_job_template"]
        assert template["job_args"]["extra_vars"] == playbook["extra_vars"]
        assert os.path.isfile(os.path.join(COLLECTION, "playbooks", playbook["name"].split(".")[-1] + ".yml"))
    # the batch rule (a poll's findings in one run) passes the same too
    local_rule, controller_rule = local[0]["rules"][1], controller[0]["rules"][1]
    assert local_rule["condition"] == controller_rule["condition"] == 'event.type == "findings" and event.findings is defined'
    assert controller_rule["action"]["run_job_template"]["job_args"]["extra_vars"] == local_rule["action"]["run_playbook"]["extra_vars"]
    assert local[0]["rules"][2:] == controller[0]["rules"][2:]


def test_decision_environment_gives_ansible_builder_a_build_context(tmp_path):
    shutil.copy(os.path.join(COLLECTION, "decision-environment.yml"), tmp_path)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "secops-guardduty-0.0.0.tar.gz").write_bytes(b"placeholder for the collection tarball")
    builder = os.path.join(os.path.dirname(sys.executable), "ansible-builder")
    proc = subprocess.run([builder, "create", "-f", "decision-environment.yml", "--output-filename", "Containerfile"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (tmp_path / "context" / "Containerfile").read_text(encoding="utf-8")
    assert "java-17-openjdk" in (tmp_path / "context" / "_build" / "bindep.txt").read_text(encoding="utf-8")
    python_requirements = (tmp_path / "context" / "_build" / "requirements.txt").read_text(encoding="utf-8")
    assert "ansible-rulebook" in python_requirements and "botocore" in python_requirements
    assert "secops-guardduty-*.tar.gz" in containerfile


# ---------------------------------------------------------------- event text is never templated

# Extra vars are templates to Ansible, and ansible-rulebook hands the whole event to the playbooks as the extra var
# ansible_eda.event: a finding's title, description and resource tags are attacker-influenced, an investigation's
# summary is AI-written. The playbooks must use only the ids and numbers of the event and read everything else
# through the modules (whose results are never templated).
def hostile(marker):
    return "{{ lookup('ansible.builtin.pipe', 'touch " + str(marker) + "') }}"


@pytest.mark.parametrize("valid", [True, False], ids=["a-valid-event", "a-malformed-event"])
def test_eda_playbooks_never_template_event_text(valid, guardduty_emulator, ansible_environment, tmp_path):
    marker = tmp_path / "templated"
    guardduty_emulator.load(scenario_without_findings())
    payload = hostile(marker)
    finding = {"id": HIGH, "severity": 8.0, "title": payload, "description": payload, "type": payload,
               "resource": {"instance_details": {"tags": [{"key": "Name", "value": payload}]}}}
    investigation = {"investigation_id": sc.COMPLETED_INV_ID, "status": "COMPLETED", "risk_level": "High",
                     "summary": payload, "trigger_prompt": payload}
    common = {"guardduty_endpoint_url": guardduty_emulator.url, "guardduty_region": "us-east-1",
              "guardduty_report_dir": str(tmp_path / "reports")}
    runs = [
        # a malformed event: the other playbook's event type (the playbooks read the type, the ids, the severity
        # and the detector id, which the sources set or GuardDuty generates, and nothing else)
        ("eda_investigate_finding", {"type": "finding" if valid else "investigation_completed", "finding": finding,
                                     "detector_id": sc.DETECTOR_ID, "note": payload}),
        ("eda_report_investigation", {"type": "investigation_completed" if valid else "finding", "investigation": investigation,
                                      "detector_id": sc.DETECTOR_ID, "note": payload}),
    ]
    if valid:
        guardduty_emulator.load(sc.basic())
    for playbook, event in runs:
        proc = run_playbook(f"secops.guardduty.{playbook}", dict(common, ansible_eda={"event": event}), ansible_environment, tmp_path / playbook)
        assert proc.returncode == (0 if valid else 2), proc.stdout + proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
        assert not marker.exists(), f"{playbook} templated text of the event\n{proc.stdout}"
    if valid:  # they did their work: the finding's investigation exists, and the report was read from GuardDuty
        assert [c for c in guardduty_emulator.calls("CreateInvestigation") if c["status"] < 300], "the finding was investigated"
        reports = sorted((tmp_path / "reports").glob(f"{sc.COMPLETED_INV_ID}.*"))
        assert [r.suffix for r in reports] == [".html", ".md"], proc.stdout
        for report in reports:  # written from what GuardDuty holds, not from the event
            assert "lookup(" not in report.read_text(encoding="utf-8")
    else:
        assert not guardduty_emulator.calls(), "a malformed event makes no call"
