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

    def completions():
        return sum(count for key, count in received.items() if key[0] in ("investigation_completed", "investigation_failed"))

    async def run():
        nonlocal emulator
        args = {"region": REGION, "endpoint_url": emulator.url, "interval": 0.3}
        tasks = [asyncio.create_task(runpy.run_path(os.path.join(SOURCES, f"{name}.py"))["main"](Queue(), args)) for name in ("investigations", "findings")]
        await asyncio.sleep(1.0)
        for severity in (7.5, 8.0, 8.5):
            emulator.put_findings([scenarios.finding(HIGH, severity)])
            await asyncio.sleep(0.7)
        emulator.put_findings([scenarios.finding(LOW, 3.0)])
        state = emulator.state
        # the endpoint goes away and comes back on the same port with the same data. 8 s is longer than botocore's
        # retries of a refused connection can bridge (3 backoffs of at most 1, 2 and 4 s), so at least one poll fails
        # for good and is logged, and the next one after the restart catches up
        emulator.stop()
        await asyncio.sleep(8.0)
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
    assert "poll failed" in caplog.text or "asking again at the next poll" in caplog.text
