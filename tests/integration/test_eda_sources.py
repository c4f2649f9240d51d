# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Both event sources, loaded by path and run with main(queue, args) as ansible-rulebook runs them, against the
emulator while it throttles, fails, drops connections and is restarted: every change is reported exactly once.
(The rulebook end to end is tests/integration/test_eda_rulebook.py.)
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import runpy
import time

from gdemu import Emulator
from gdemu import scenarios

from conftest import ACCESS_KEY
from conftest import REGION
from conftest import SECRET_KEY

SOURCES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "extensions", "eda", "plugins", "event_source")
HIGH, LOW, LATE = "a" * 32, "b" * 32, "c" * 32
# The sources run with this lookback, so that an investigation that completed before they started counts as well as
# one they saw RUNNING: the scenarios' first investigations end 1.5 to 3 s after the emulator's load, and a source's
# start (imports of ansible-core, amazon.aws and boto3, a client per Region, ListDetectors) takes about 1 s warm and
# 2 to 4 s cold on a busy 2-core machine. Without it the many-Regions tests failed when they shared a pytest worker
# with other tests (the sources' imports not yet paid in that process, the machine busy) and passed in a process of
# their own (an earlier test of the file had paid them): a completion before a source's start is history, which a
# source without lookback rightly does not report. The scenarios' other investigations ended long before the lookback.
LOOKBACK = 30
FAULTS = {
    "throttle_every": 4,
    "drop_every": 7,
    "fail_first": {"ListInvestigations": 2, "GetInvestigation": 3, "ListFindings": 2, "GetFindings": 2},
}


def test_faults_and_a_restarted_endpoint_lose_nothing_and_duplicate_nothing(monkeypatch, caplog):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_URL"):
        monkeypatch.delenv(name, raising=False)
    scenario = scenarios.many(8, running=8)  # many_id(6) ends FAILED
    for index, entry in enumerate(scenario["investigations"]):
        # started at the load, ended when it leaves RUNNING (EndTime = StartTime + running_for)
        entry.update(running_for=1.5 + 0.6 * index, start_offset=0, duration=None)
    emulator = Emulator(scenario, faults=FAULTS).start()
    port, received = emulator.port, collections.Counter()

    class Queue:
        async def put(self, event):
            if event["type"] == "finding":
                received[("finding", event["finding"]["id"], event["finding"]["updated_at"])] += 1
            else:
                received[(event["type"], event["investigation"]["investigation_id"])] += 1

    def poll_failed():
        return "poll failed" in caplog.text or "asking again at the next poll" in caplog.text

    def completions():
        return sum(count for key, count in received.items() if key[0] in ("investigation_completed", "investigation_failed"))

    async def run():
        nonlocal emulator
        args = {"region": REGION, "endpoint_url": emulator.url, "interval": 0.3, "lookback": LOOKBACK}
        tasks = [asyncio.create_task(runpy.run_path(os.path.join(SOURCES, f"{name}.py"))["main"](Queue(), args)) for name in ("investigations", "findings")]
        await asyncio.sleep(1.0)
        for severity in (7.5, 8.0, 8.5):
            emulator.put_findings([scenarios.finding(HIGH, severity)])
            await asyncio.sleep(0.7)
        emulator.put_findings([scenarios.finding(LOW, 3.0)])
        state = emulator.state
        # the endpoint goes away and comes back on the same port with the same data, once a poll has failed for good
        # and been logged: botocore's retries of a refused connection (3 backoffs of at most 1, 2 and 4 s) end within
        # 8 s, but a poll that was already in the collection's jittered backoff of a throttled call when the endpoint
        # went away may sleep through a fixed outage and never see it (the botocore-floor leg of the matrix once did).
        # The next poll after the restart catches up.
        emulator.stop()
        await asyncio.sleep(8.0)
        outage_ends = time.time() + 60
        while time.time() < outage_ends and not poll_failed():
            await asyncio.sleep(0.2)
        emulator = Emulator(port=port)
        emulator.state = state
        emulator.start()
        emulator.put_findings([scenarios.finding(LATE, 9.0)])
        deadline = time.time() + 45
        while time.time() < deadline and not (completions() >= 8 and any(key[1] == LATE for key in received if key[0] == "finding")):
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # a few more polls: nothing may come twice
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(result, asyncio.CancelledError) for result in results), results

    try:
        with caplog.at_level(logging.WARNING):
            asyncio.run(run())
        client = emulator.client()
        latest = client.get_findings(DetectorId=scenarios.DETECTOR_ID, FindingIds=[HIGH])["Findings"][0]["UpdatedAt"]
    finally:
        emulator.stop()

    expected = {("investigation_failed" if index == 6 else "investigation_completed", scenarios.many_id(index)) for index in range(8)}
    assert {key for key in received if key[0] != "finding"} == expected, received
    duplicates = {key: count for key, count in received.items() if count > 1}
    assert not duplicates, duplicates
    findings = [key for key in received if key[0] == "finding"]
    assert {key[1] for key in findings} == {HIGH, LATE}  # the Low one never
    assert ("finding", HIGH, latest) in received  # the latest update of the High one, whatever was coalesced between polls
    assert poll_failed()


# ---------------------------------------------------------------- many Regions (regions, issue 17)

REGIONS = list(scenarios.REGIONAL_REGIONS)
# Each Region's first investigation runs this long from the emulator's load, which comes before the sources start.
RUNNING_FOR = {"us-east-1": 1.5, "eu-west-1": 3.0, "ap-northeast-1": 2.0}


def regional_scenario(region_errors=None):
    """scenarios.regional(): each Region's first investigation RUNNING from the load for RUNNING_FOR[region] s (its
    EndTime the moment it leaves RUNNING), the others completed long before; no finding yet."""
    scenario = scenarios.regional(running=1)
    for region, content in scenario["regions"].items():
        content["findings"] = []
        first = content["investigations"][0]
        first.update(running_for=RUNNING_FOR[region], start_offset=0, duration=None)
    if region_errors:
        scenario["region_errors"] = region_errors
    return scenario


def regional_finding(region, severity=8.0):
    return scenarios.finding(f"{0xa0 + REGIONS.index(region):02x}" + "f" * 30, severity, region=region)


class Received:
    """The events of the sources, in order, and a count per (type, id, region[, update])."""

    def __init__(self):
        self.events = []
        self.arrived = []
        self.counts = collections.Counter()

    async def put(self, event):
        self.events.append(event)
        self.arrived.append(time.time())
        if event["type"] == "finding":
            self.counts[("finding", event["finding"]["id"], event["region"], event["finding"]["updated_at"])] += 1
        else:
            self.counts[(event["type"], event["investigation"]["investigation_id"], event["region"])] += 1

    def of(self, kind):
        return {key for key in self.counts if key[0] == kind}


def run_regional_sources(emulator, received, until, during=None, timeout=45, **args):
    """Both sources (loaded by path, main(queue, args)) over REGIONS against ``emulator`` until ``until()`` (then a few
    more polls), ``during(elapsed)`` called every 0.2 s meanwhile."""

    async def run():
        options = dict({"regions": REGIONS, "endpoint_url": emulator.url, "interval": 0.3, "lookback": LOOKBACK}, **args)
        tasks = [asyncio.create_task(runpy.run_path(os.path.join(SOURCES, f"{name}.py"))["main"](received, options)) for name in ("investigations", "findings")]
        began = time.time()
        while time.time() - began < timeout and not until():
            if during:
                during(time.time() - began)
            await asyncio.sleep(0.2)
            for task in tasks:
                if task.done():
                    task.result()  # a source that stopped fails the test with its message
        await asyncio.sleep(1.0)  # a few more polls: nothing may come twice
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(result, asyncio.CancelledError) for result in results), results

    asyncio.run(run())


def polled(emulator, regions):
    """Whether the findings source has listed the findings of each of ``regions`` (its cursor starts then)."""
    return all(emulator.count("ListFindings", region=region) for region in regions)


def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", REGION)  # the environment's Region does not conflict with regions
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_URL"):
        monkeypatch.delenv(name, raising=False)


def test_one_source_over_three_regions_emits_each_change_once_with_its_region(monkeypatch, caplog):
    credentials(monkeypatch)
    emulator = Emulator(regional_scenario()).start()
    received = Received()
    put = {}

    def during(_elapsed):
        # once the findings source polled every Region: a High finding in each Region, then (after a poll of each)
        # an update of the eu-west-1 one, and a Low one that is never reported
        if "first" not in put and polled(emulator, REGIONS):
            for region in REGIONS:
                emulator.put_findings([regional_finding(region)], region=region)
            put["first"] = emulator.count("ListFindings")
        if "first" in put and "update" not in put and emulator.count("ListFindings") >= put["first"] + 3:
            put["update"] = True
            emulator.put_findings([regional_finding("eu-west-1", 8.5)], region="eu-west-1")
            emulator.put_findings([scenarios.finding(LOW, 3.0, region="ap-northeast-1")], region="ap-northeast-1")

    def done():
        return len(received.of("investigation_completed")) == 3 and len(received.of("finding")) == 4

    try:
        with caplog.at_level(logging.INFO):
            run_regional_sources(emulator, received, done, during)
    finally:
        emulator.stop()

    completed = {(key[1], key[2]) for key in received.of("investigation_completed")}
    assert completed == {(scenarios.regional_id(region, 0), region) for region in REGIONS}, received.counts
    findings = {(key[1], key[2]) for key in received.of("finding")}
    assert findings == {(regional_finding(region)["Id"], region) for region in REGIONS}, received.counts
    assert len([key for key in received.of("finding") if key[2] == "eu-west-1"]) == 2  # the finding and its update
    assert set(received.counts) == received.of("investigation_completed") | received.of("finding"), received.counts
    duplicates = {key: count for key, count in received.counts.items() if count > 1}
    assert not duplicates, duplicates
    for event in received.events:  # each event names its Region and that Region's detector
        assert event["detector_id"] == scenarios.regional_detector_id(event["region"]), event
    for region in REGIONS:
        # the detector is found once per source in each Region, then each poll is one listing call per Region
        assert emulator.count("ListDetectors", region=region) == 2
        assert emulator.count("ListInvestigations", region=region) >= 3 and emulator.count("ListFindings", region=region) >= 3
        assert f"watching detector {scenarios.regional_detector_id(region)} in {region}" in caplog.text
    assert "watching 3 Regions (us-east-1, eu-west-1, ap-northeast-1) every 0.3 s" in caplog.text
    assert "failed" not in caplog.text


def test_a_failing_region_is_logged_and_the_others_events_still_come_then_its_own(monkeypatch, caplog):
    credentials(monkeypatch)
    emulator = Emulator(regional_scenario(region_errors={"eu-west-1": "access_denied"})).start()
    received = Received()
    state = {"healed_at": None}

    def others_done():
        return {key[2] for key in received.of("investigation_completed")} == {"us-east-1", "ap-northeast-1"} and len(received.of("finding")) == 2

    def during(_elapsed):
        if not state.get("put") and polled(emulator, ["us-east-1", "ap-northeast-1"]):
            state["put"] = True
            for region in REGIONS:
                emulator.put_findings([regional_finding(region)], region=region)

    def all_done():
        if state["healed_at"] is None and others_done() and time.time() > emulator_loaded + 4:
            state["healed_at"] = time.time()
            emulator.set_region_errors({})  # eu-west-1 answers again
        return len(received.of("investigation_completed")) == 3 and len(received.of("finding")) == 3

    emulator_loaded = time.time()
    try:
        with caplog.at_level(logging.INFO):
            run_regional_sources(emulator, received, all_done, during, timeout=120)  # ends as soon as all_done(); slack for a busy machine
    finally:
        emulator.stop()

    assert state["healed_at"], "the other Regions' events came while eu-west-1 failed"
    # the other Regions' events came while eu-west-1 failed, eu-west-1's only once it answered again
    arrived = {event["region"]: [] for event in received.events}
    for event, moment in zip(received.events, received.arrived):
        arrived[event["region"]].append(moment)
    assert max(arrived["us-east-1"] + arrived["ap-northeast-1"]) < state["healed_at"] <= min(arrived["eu-west-1"])
    # eu-west-1's investigation completed and its finding appeared while it failed: both came once it answered
    assert {(key[1], key[2]) for key in received.of("investigation_completed")} == {(scenarios.regional_id(region, 0), region) for region in REGIONS}
    assert {key[2] for key in received.of("finding")} == set(REGIONS)
    duplicates = {key: count for key, count in received.counts.items() if count > 1}
    assert not duplicates, duplicates
    for name in ("investigations", "findings"):
        first = f"secops.guardduty.{name}: Region eu-west-1 failed (access_denied; 1 poll(s)"
        failed = [r.getMessage() for r in caplog.records if r.getMessage().startswith(first)]
        assert len(failed) == 1, caplog.text
        assert "Access denied calling ListDetectors" in failed[0] and "leave eu-west-1 out of regions" in failed[0]
        assert f"secops.guardduty.{name}: Region eu-west-1 works again after" in caplog.text
    assert not [r for r in caplog.records if "failed" in r.getMessage() and "eu-west-1" not in r.getMessage()], caplog.text


# ---------------------------------------------------------------- batch events (quota-aware triage, issue 18)


def test_batch_findings_no_investigation_covers_come_again_while_the_budget_has_room(monkeypatch):
    """batch with daily_budget against the emulator, the test acting as the playbook: a poll's findings are one event,
    highest severity first; the ones no investigation covers come again (listed in retried) once retry_after has passed
    while the last 24 hours hold fewer investigations than the budget, and not when they hold as many; no restart."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_URL"):
        monkeypatch.delenv(name, raising=False)
    scenario = scenarios.empty()
    scenario["create"] = {"running_for": 3600}
    emulator = Emulator(scenario).start()
    client = emulator.client()
    first, second, third = "d1" + "0" * 30, "d2" + "0" * 30, "d3" + "0" * 30
    retry_after = 1.5
    batches = []

    class Queue:
        async def put(self, event):
            batches.append((time.time(), event))

    async def wait_for(count, timeout=20):
        deadline = time.time() + timeout
        while len(batches) < count and time.time() < deadline:
            await asyncio.sleep(0.1)
        assert len(batches) >= count, batches

    def investigate(finding_id):  # what the batch playbook would start
        client.create_investigation(DetectorId=scenarios.DETECTOR_ID, TriggerPrompt=f"Investigate finding {finding_id}")

    async def run():
        args = {"region": REGION, "endpoint_url": emulator.url, "interval": 0.3, "batch": True, "daily_budget": 2, "retry_after": retry_after}
        task = asyncio.create_task(runpy.run_path(os.path.join(SOURCES, "findings.py"))["main"](Queue(), args))
        while not emulator.count("ListFindings"):
            await asyncio.sleep(0.1)
        emulator.put_findings([scenarios.finding(third, 7.5), scenarios.finding(first, 9.5), scenarios.finding(second, 8.0)])
        await wait_for(1)
        assert not emulator.count("ListInvestigations"), "nothing is due yet: no count"
        investigate(first)  # 1 of the budget's 2: the two others come again, the investigated one not
        await wait_for(2)
        investigate(second)  # 2 of 2: the third is due again after retry_after, but the budget has no room
        await asyncio.sleep(2 * retry_after + 1)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    try:
        asyncio.run(run())
    finally:
        emulator.stop()
    assert len(batches) == 2, [event for _t, event in batches]
    (emitted, burst), (again_at, again) = batches
    assert burst["type"] == "findings" and [f["id"] for f in burst["findings"]] == [first, second, third] and burst["retried"] == []
    assert [f["id"] for f in again["findings"]] == [second, third] and again["retried"] == [second, third]
    assert again_at - emitted >= retry_after
    assert emulator.count("ListInvestigations") >= 2  # counted at the polls where a finding was due, from the listing
