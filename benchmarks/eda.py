# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark of the EDA event sources (secops.guardduty.investigations and secops.guardduty.findings).

Run it with ``scripts/benchmark --eda`` (it prepares the environment); directly:
``python benchmarks/eda.py [--interval 2] [--completions 6] [--polls 10000] [--latency-ms 50] [--json FILE]``
from the collection directory, with ansible-core and boto3 installed and amazon.aws in the same collections root.

1. Delay from completion to event: the investigations source file, loaded by path and run with ``main(queue, args)``
   like ansible-rulebook does, against the emulator (latency on every call); investigations complete at staggered
   moments; the delay is the time from the moment GuardDuty (the emulator) shows an investigation as ended to the
   moment its event is on the queue. Target: at most interval + 1 s.
2. API calls per quiet poll with 0, 50 and 500 known investigations (50 of them RUNNING), and 0, 50, 500 known
   findings, counted by the emulator over 10 polls after the first. Target: the same for every size.
3. Memory after many simulated polls (default 10,000; no network: an in-memory GuardDuty that keeps every
   investigation, where a new one starts every 3 polls and runs for 20, and a finding is updated every poll): the
   bytes of the pollers' state and the memory still allocated from event_sources.py (tracemalloc) after 1,000 polls and at
   the end. Target: no growth (within 25 %).
4. Many Regions (``regions``, issue 17), the emulator serving each of the 10 Regions of the preview separately, with
   ``--regions-latency-ms`` (default 250 ms) on every call: (a) one quiet poll of a source over the 10 Regions beside
   one Region's quiet poll (calls per poll, seconds per poll); targets: one listing call per Region, and the 10 Regions
   in at most 2x one Region's time (concurrent, not one after the other); (b) the delay from completion to event with
   one investigation completing in each Region at staggered moments, the source run by ``main(queue, args)`` with
   ``regions``; target: at most interval + 1 s, each completion once, in its Region.

5. A burst (quota-aware triage, issue 18): 50 findings over 5 accounts (20, 15, 10, 3 and 2 findings; 5 of severity
   9.5, the rest 7.0 to 8.9) appear at once; the findings source file, run by ``main(queue, args)`` with ``batch: true``
   and ``daily_budget: 7``, puts them on the queue as one batch event, and the playbook
   secops.guardduty.eda_investigate_finding (ansible-playbook, the event as ``ansible_eda.event``, as ansible-rulebook's
   run_playbook passes it) decides the batch: time from the burst to the event and to every finding decided, playbook
   runs, API calls. Target: every finding decided within two polls plus one playbook run.

A benchmark is not a test: it prints figures and a PASS/FAIL per target, and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import json
import os
import re
import statistics
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
COLLECTIONS_ROOT = os.path.abspath(os.path.join(ROOT, os.pardir, os.pardir, os.pardir))
if os.path.basename(os.path.dirname(os.path.dirname(ROOT))) == "ansible_collections" and COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)

from gdemu import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from gdemu import scenarios  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.secops.guardduty.plugins.plugin_utils import event_sources as events  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.secops.guardduty.plugins.module_utils.client import PREVIEW_REGIONS  # noqa: E402  pylint: disable=wrong-import-position

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAGDBENCHMARKKEY000000000000000000001",
    "AWS_SECRET_ACCESS_KEY": "gd-benchmark-secret-key-that-never-occurs-in-data-0123456789",
}
DETECTOR = scenarios.DETECTOR_ID
SOURCE_FILE = os.path.join(ROOT, "extensions", "eda", "plugins", "event_source", "investigations.py")


def load_source(path):
    """The source file's namespace, loaded by path as ansible-rulebook does (runpy.run_path)."""
    import runpy  # pylint: disable=import-outside-toplevel

    return runpy.run_path(path)


# ------------------------------------------------------------------ 1. delay from completion to event


def delay_benchmark(interval, completions, latency_ms):
    scenario = scenarios.many(completions, running=completions)
    first, step = 2.0 * interval + 0.7, interval * 0.77  # completions fall at varied phases of the polling cycle
    for index, entry in enumerate(scenario["investigations"]):
        # started at the load, ended when it leaves RUNNING (EndTime = StartTime + running_for)
        entry.update(running_for=first + step * index, start_offset=0, duration=None)
    ends = {}
    received = {}
    with Emulator(faults={"latency_ms": latency_ms}) as emulator:
        loaded = time.time()
        emulator.load(scenario)
        for index, entry in enumerate(scenario["investigations"]):
            ends[entry["investigation"]["InvestigationId"]] = loaded + entry["running_for"]
        main = load_source(SOURCE_FILE)["main"]

        class Queue:
            async def put(self, event):
                received.setdefault((event["type"], event["investigation"]["investigation_id"]), time.time())

        async def run():
            task = asyncio.create_task(main(Queue(), {"endpoint_url": emulator.url, "region": scenarios.REGION, "interval": interval}))
            deadline = time.time() + first + step * completions + 3 * interval + 10
            while time.time() < deadline and sum(1 for kind, _iid in received if kind != "investigation_started") < completions:
                await asyncio.sleep(0.05)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        asyncio.run(run())
        counts = emulator.log.snapshot()["counts"]
    delays = sorted(received[(kind, iid)] - ends[iid] for kind, iid in received if kind != "investigation_started")
    duplicates = len(received) != len(set(received))
    return {
        "interval": interval,
        "completions": completions,
        "reported": len(delays),
        "delays": [round(d, 3) for d in delays],
        "calls": counts,
        "duplicates": duplicates,
    }


# ------------------------------------------------------------------ 2. calls per quiet poll


def quiet_poll_calls(known, latency_ms, polls=10):
    running = min(known, 50)
    finding_items = [scenarios.finding(f"{index:032x}", 8.0, updated_at=time.time() - 3600 + index) for index in range(known)]
    scenario = dict(scenarios.many(known, running=running) if known else scenarios.empty(), findings=finding_items)
    with Emulator(scenario, faults={"latency_ms": latency_ms}) as emulator:
        client = emulator.client()
        from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper  # pylint: disable=import-outside-toplevel
        from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator  # pylint: disable=import-outside-toplevel

        client = RetryingBotoClientWrapper(client, retry_decorator())
        result = {}
        for kind in (events.INVESTIGATIONS, events.FINDINGS):
            opts = {"detector_id": DETECTOR, "lookback": 0, "summary_format": "text", "filters": None, "min_severity": 7.0, "include_archived": False}
            poller = events.build_poller(kind, opts, client, scenarios.REGION)
            poller.poll()  # the first poll reads everything once
            emulator.reset_log()
            began = time.perf_counter()
            found = [poller.poll() for _poll in range(polls)]
            seconds = (time.perf_counter() - began) / polls
            counts = emulator.log.snapshot()["counts"]
            result[kind] = {
                "known": known,
                "events": sum(len(batch) for batch in found),
                "calls_per_poll": {operation: count / polls for operation, count in sorted(counts.items())},
                "seconds_per_poll": round(seconds, 4),
            }
            if kind == events.INVESTIGATIONS:
                result[kind]["watched_running"] = len(poller.running)
    return result


# ------------------------------------------------------------------ 4. many Regions


def _regional_scenario(completions_at=None):
    """Each Region of the preview with its own detector and one investigation (RUNNING until ``completions_at[i]`` s
    after the load when given, else long completed)."""
    regions = list(PREVIEW_REGIONS)
    scenario = scenarios.regional(regions=regions, per_region=1, running=1 if completions_at else 0)
    for index, region in enumerate(regions):
        content = scenario["regions"][region]
        content["findings"] = []
        if completions_at:
            content["investigations"][0].update(running_for=completions_at[index], start_offset=0, duration=None)
    return regions, scenario


def regions_quiet_poll(latency_ms, polls=5):
    regions, scenario = _regional_scenario()
    from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper  # pylint: disable=import-outside-toplevel
    from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator  # pylint: disable=import-outside-toplevel

    result = {}
    with Emulator(scenario, faults={"latency_ms": latency_ms}) as emulator:
        for label, chosen in (("one Region", regions[:1]), (f"{len(regions)} Regions", regions)):
            clients = {region: RetryingBotoClientWrapper(emulator.client(region_name=region), retry_decorator()) for region in chosen}
            opts = events.check_source_options(events.INVESTIGATIONS, {"regions": chosen})
            poller = events.RegionalPoller(events.INVESTIGATIONS, opts, clients)
            poller.poll()  # the detectors, and the first poll that reads everything once
            emulator.reset_log()
            began = time.perf_counter()
            found = [poller.poll() for _poll in range(polls)]
            seconds = (time.perf_counter() - began) / polls
            calls = emulator.calls()
            result[label] = {
                "regions": len(chosen),
                "events": sum(len(batch) for batch in found),
                "calls_per_poll": {op: n / polls for op, n in sorted(emulator.log.snapshot()["counts"].items())},
                "regions_listed_per_poll": len({call["region"] for call in calls if call["operation"] == "ListInvestigations"}),
                "seconds_per_poll": round(seconds, 4),
            }
    return result


def regions_delay(interval, latency_ms):
    first, step = 2.0 * interval + 0.7, interval * 0.37
    completions_at = [first + step * index for index in range(len(PREVIEW_REGIONS))]
    regions, scenario = _regional_scenario(completions_at)
    received, ends = {}, {}
    with Emulator(faults={"latency_ms": latency_ms}) as emulator:
        loaded = time.time()
        emulator.load(scenario)
        for index, region in enumerate(regions):
            ends[(scenarios.regional_id(region, 0, regions), region)] = loaded + completions_at[index]
        main = load_source(SOURCE_FILE)["main"]
        duplicates = []

        class Queue:
            async def put(self, event):
                key = (event["investigation"]["investigation_id"], event["region"])
                if event["type"] != "investigation_started":
                    if key in received:
                        duplicates.append(key)
                    received.setdefault(key, time.time())

        async def run():
            task = asyncio.create_task(main(Queue(), {"endpoint_url": emulator.url, "regions": regions, "interval": interval}))
            deadline = time.time() + max(completions_at) + 3 * interval + 20
            while time.time() < deadline and len(received) < len(regions):
                await asyncio.sleep(0.05)
            await asyncio.sleep(interval)  # another poll: nothing twice
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        asyncio.run(run())
    delays = sorted(received[key] - ends[key] for key in received if key in ends)
    return {"regions": len(regions), "reported": len(delays), "in_their_regions": set(received) <= set(ends),
            "delays": [round(d, 3) for d in delays], "duplicates": len(duplicates)}


# ------------------------------------------------------------------ 3. memory over many polls (in-memory GuardDuty)


class _Paginator:
    def __init__(self, pages):
        self.pages = pages

    def paginate(self, **params):
        return iter(self.pages(params))


class FakeGuardDuty:
    """Just enough of a GuardDuty client for the pollers, on a simulated clock (no network, no botocore)."""

    def __init__(self, meta):
        self.meta = meta
        self.now = 1_800_000_000.0
        self.investigations = {}  # id -> [start, end or None]
        self.running = set()
        self.finding_updated = self.now
        self.count = 0

    def tick(self, seconds):
        self.now += seconds
        self.count += 1
        if self.count % 3 == 0:
            key = f"{self.count:08x}-0000-4000-8000-{self.count:012x}"
            self.investigations[key] = [self.now, None]  # GuardDuty keeps every investigation: the listing grows, the pollers must not
            self.running.add(key)
        for key in [key for key in self.running if self.now - self.investigations[key][0] >= 200]:
            self.investigations[key][1] = self.now
            self.running.discard(key)
        self.finding_updated = self.now

    @staticmethod
    def _time(epoch):
        return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)

    def _summary(self, key):
        start, end = self.investigations[key]
        item = {
            "InvestigationId": key,
            "Status": "RUNNING" if end is None else "COMPLETED",
            "TriggerPrompt": "Analyze findings",
            "StartTime": self._time(start),
        }
        if end is not None:
            item["EndTime"] = self._time(end)
        return item

    def _investigation_pages(self, params):
        keys = list(reversed(self.investigations))  # started in order: newest first
        for offset in range(0, max(len(keys), 1), 50):
            yield {"Investigations": [self._summary(key) for key in keys[offset : offset + 50]]}

    def _finding_pages(self, params):
        cursor = params["FindingCriteria"]["Criterion"]["updatedAt"]["GreaterThan"]
        yield {"FindingIds": ["a" * 32] if int(self.finding_updated * 1000) > cursor else []}

    def get_paginator(self, name):
        return _Paginator(self._investigation_pages if name == "list_investigations" else self._finding_pages)

    def get_investigation(self, aws_retry=False, **params):
        item = self._summary(params["InvestigationId"])
        item.update(TriggeredBy="123456789012", RiskLevel="High", Summary='{"keyObservations": {}}')
        return {"Investigation": item}

    def get_findings(self, aws_retry=False, **params):
        stamp = self._time(self.finding_updated)
        updated = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
        finding = scenarios.finding("a" * 32, 8.0, updated_at=updated)
        finding.update(CreatedAt=updated, Arn="arn:aws:guardduty:us-east-1:123456789012:detector/x/finding/" + "a" * 32)
        return {"Findings": [finding]}


def deep_size(value, seen=None):
    """Bytes held by a value and everything it contains (each object once)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(deep_size(key, seen) + deep_size(item, seen) for key, item in value.items())
    elif isinstance(value, (list, tuple, set, frozenset)):
        size += sum(deep_size(item, seen) for item in value)
    return size


def state_size(poller):
    """Bytes of a poller's own state (not its client, reader, logger or clock)."""
    shared = ("reader", "client", "log", "clock", "criterion")
    return deep_size({key: value for key, value in vars(poller).items() if key not in shared})


def memory_benchmark(polls):
    import botocore.session  # pylint: disable=import-outside-toplevel

    meta = (
        botocore.session.get_session()
        .create_client(
            "guardduty",
            region_name=scenarios.REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        .meta
    )
    fake = FakeGuardDuty(meta)
    investigations = events.InvestigationPoller(InvestigationReader(fake, region=scenarios.REGION, concurrency=1), DETECTOR, clock=lambda: fake.now)
    findings = events.FindingPoller(fake, DETECTOR, scenarios.REGION, clock=lambda: fake.now - 1)
    emitted = {"investigation_started": 0, "investigation_completed": 0, "finding": 0}
    samples = {}
    tracemalloc.start()
    began = time.perf_counter()
    for index in range(1, polls + 1):
        fake.tick(10)
        for event in investigations.poll() + findings.poll():
            emitted[event["type"]] += 1
        if index in (1000, polls):
            gc.collect()  # camel_dict_to_snake_dict leaves reference cycles (a nested recursive function) to the collector
            snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, events.__file__)])
            samples[index] = {
                "state_bytes": state_size(investigations) + state_size(findings),
                "traced_kib": round(sum(stat.size for stat in snapshot.statistics("filename")) / 1024, 1),
                "running": len(investigations.running),
                "ended": len(investigations.ended),
                "listed": len(fake.investigations),
            }
    seconds = time.perf_counter() - began
    tracemalloc.stop()
    return {"polls": polls, "samples": samples, "events": emitted, "seconds": round(seconds, 1)}


# ------------------------------------------------------------------ report


# ------------------------------------------------------------------ 5. a burst, decided as one batch

FINDINGS_SOURCE_FILE = os.path.join(ROOT, "extensions", "eda", "plugins", "event_source", "findings.py")
BURST_ACCOUNTS = {"111111111111": 20, "222222222222": 15, "333333333333": 10, "444444444444": 3, "555555555555": 2}


def burst_findings():
    found, number = [], 0
    for account, count in BURST_ACCOUNTS.items():
        for _index in range(count):
            number += 1
            severity = 9.5 if number % 10 == 1 else 7.0 + (number % 20) / 10.0
            found.append(scenarios.finding(f"{number:032x}", severity, account_id=account))
    return found


def burst_benchmark(interval, latency_ms, budget=7, group_threshold=3):
    """(figures) of a burst of 50 findings decided as one batch (see the module's docstring, 5)."""
    import subprocess  # pylint: disable=import-outside-toplevel

    scenario = scenarios.empty()
    scenario["create"] = {"running_for": 3600}
    batches = []
    with Emulator(scenario, faults={"latency_ms": latency_ms}) as emulator:
        main = load_source(FINDINGS_SOURCE_FILE)["main"]

        class Queue:
            async def put(self, event):
                batches.append((time.time(), event))

        findings = burst_findings()
        burst = {}

        async def run():
            args = {"endpoint_url": emulator.url, "region": scenarios.REGION, "interval": interval, "batch": True, "daily_budget": budget}
            task = asyncio.create_task(main(Queue(), args))
            while not emulator.count("ListFindings"):
                await asyncio.sleep(0.05)
            await asyncio.sleep(interval * 0.4)  # the burst falls between two polls
            burst["at"] = time.time()
            emulator.put_findings(findings)
            deadline = time.time() + 3 * interval + 10
            while time.time() < deadline and not batches:
                await asyncio.sleep(0.05)
            await asyncio.sleep(interval * 1.5)  # one more poll: nothing of the burst comes twice
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        asyncio.run(run())
        source_calls = emulator.log.snapshot()["counts"]  # the source's, from its start to one poll after the event
        emulator.reset_log()
        decided, runs, run_seconds = [], 0, None
        if batches:
            event = batches[0][1]
            env = dict(os.environ)
            env.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS_ROOT)
            extra = {"ansible_eda": {"event": event}, "guardduty_endpoint_url": emulator.url, "guardduty_region": scenarios.REGION,
                     "guardduty_daily_budget": budget, "guardduty_group_threshold": group_threshold}
            playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
            began = time.time()
            proc = subprocess.run([playbook, "secops.guardduty.eda_investigate_finding", "-e", json.dumps(extra), "-v"],
                                  env=env, capture_output=True, text=True, timeout=300, check=False)
            run_seconds = time.time() - began
            runs = 1
            if proc.returncode != 0:
                print(proc.stdout[-3000:] + proc.stderr[-3000:])
            decided = re.findall(r"Batch of \d+ finding\(s\): [^\"]*", proc.stdout)
        playbook_calls = emulator.log.snapshot()["counts"]
    first = batches[0][0] - burst["at"] if batches else None
    return {
        "interval": interval,
        "findings": len(findings),
        "accounts": len(BURST_ACCOUNTS),
        "batch_events": len(batches),
        "findings_in_batches": sum(len(event["findings"]) for _t, event in batches),
        "burst_to_event": round(first, 3) if first is not None else None,
        "playbook_runs": runs,
        "playbook_seconds": round(run_seconds, 3) if run_seconds is not None else None,
        "burst_to_decided": round(first + run_seconds, 3) if first is not None and run_seconds is not None else None,
        "decided": decided,
        "playbook_calls": playbook_calls,
        "source_calls": source_calls,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description="secops.guardduty EDA sources benchmark (see docs/performance.md)")
    parser.add_argument("--interval", type=float, default=2.0, help="the investigations source's interval for benchmark 1 (default 2 s)")
    parser.add_argument("--completions", type=int, default=6, help="investigations completing in benchmark 1 (default 6)")
    parser.add_argument("--polls", type=int, default=10000, help="simulated polls for benchmark 3 (default 10000)")
    parser.add_argument("--latency-ms", type=int, default=50, help="latency the emulator adds to every API call (default 50)")
    parser.add_argument("--regions-latency-ms", type=int, default=250, help="latency per API call in benchmark 4, many Regions (default 250)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    os.environ.update(CREDENTIALS)
    os.environ.pop("AWS_PROFILE", None)
    ok = True
    figures = {}

    print(f"EDA 1. delay from completion to event (interval {args.interval} s, {args.latency_ms} ms latency per call)")
    delay = delay_benchmark(args.interval, args.completions, args.latency_ms)
    figures["delay"] = delay
    target = args.interval + 1
    worst = max(delay["delays"]) if delay["delays"] else float("inf")
    passed = delay["reported"] == args.completions and worst <= target and not delay["duplicates"]
    ok &= passed
    print(f"  {delay['reported']}/{args.completions} completions reported once each; delays (s): {', '.join(f'{d:.2f}' for d in delay['delays'])}")
    if delay["delays"]:
        print(f"  median {statistics.median(delay['delays']):.2f} s, max {worst:.2f} s; target <= {target:.1f} s: {'PASS' if passed else 'FAIL'}")
    print(f"  API calls in the run: {delay['calls']}")

    print(f"EDA 2. API calls per quiet poll ({args.latency_ms} ms latency per call; mean of 10 polls after the first)")
    quiet = {known: quiet_poll_calls(known, args.latency_ms) for known in (0, 50, 500)}
    figures["quiet"] = quiet
    for kind in (events.INVESTIGATIONS, events.FINDINGS):
        shapes = {json.dumps(quiet[known][kind]["calls_per_poll"], sort_keys=True) for known in quiet}
        same = len(shapes) == 1 and all(quiet[known][kind]["events"] == 0 for known in quiet)
        ok &= same
        for known in quiet:
            entry = quiet[known][kind]
            extra = f", {entry['watched_running']} RUNNING watched" if "watched_running" in entry else ""
            print(f"  {kind:<14} {known:>3} known{extra}: {entry['calls_per_poll']} per poll, {entry['seconds_per_poll'] * 1000:.0f} ms per poll")
        print(f"  {kind}: constant: {'PASS' if same else 'FAIL'}")

    print(f"EDA 3. memory over {args.polls} simulated polls (in-memory GuardDuty, no network)")
    memory = memory_benchmark(args.polls)
    figures["memory"] = memory
    for index, sample in memory["samples"].items():
        print(
            f"  after {index:>5} polls: pollers' state {sample['state_bytes']} bytes, {sample['traced_kib']} KiB live from event_sources.py, "
            f"{sample['running']} RUNNING watched, {sample['ended']} ended remembered, {sample['listed']} investigations in GuardDuty"
        )
    first, last = memory["samples"][min(memory["samples"])], memory["samples"][max(memory["samples"])]
    flat = last["state_bytes"] <= first["state_bytes"] * 1.25 and last["traced_kib"] <= first["traced_kib"] * 1.25 + 1
    ok &= flat
    print(f"  events: {memory['events']}; {memory['seconds']} s in all; bounded: {'PASS' if flat else 'FAIL'}")

    print(f"EDA 4. many Regions: the {len(PREVIEW_REGIONS)} Regions of the preview, {args.regions_latency_ms} ms latency per call")
    many = regions_quiet_poll(args.regions_latency_ms)
    figures["regions_quiet"] = many
    one, every = many["one Region"], many[f"{len(PREVIEW_REGIONS)} Regions"]
    for label, entry in many.items():
        print(f"  quiet poll, {label}: {entry['calls_per_poll']} per poll, {entry['regions_listed_per_poll']} Region(s) listed, "
              f"{entry['seconds_per_poll'] * 1000:.0f} ms per poll")
    listed = every["calls_per_poll"] == {"ListInvestigations": float(len(PREVIEW_REGIONS))} and every["regions_listed_per_poll"] == len(PREVIEW_REGIONS)
    concurrent = every["seconds_per_poll"] <= 2 * one["seconds_per_poll"]
    ok &= listed and concurrent
    print(f"  one listing call per Region: {'PASS' if listed else 'FAIL'}; {len(PREVIEW_REGIONS)} Regions in "
          f"{every['seconds_per_poll'] / one['seconds_per_poll']:.2f}x one Region's time (target <= 2x): {'PASS' if concurrent else 'FAIL'}")
    regional_delay = regions_delay(args.interval, args.regions_latency_ms)
    figures["regions_delay"] = regional_delay
    worst = max(regional_delay["delays"]) if regional_delay["delays"] else float("inf")
    passed = regional_delay["reported"] == regional_delay["regions"] and regional_delay["in_their_regions"] and not regional_delay["duplicates"]
    passed = passed and worst <= args.interval + 1
    ok &= passed
    print(f"  {regional_delay['reported']}/{regional_delay['regions']} completions reported once each, each in its Region; delays (s): "
          f"{', '.join(f'{d:.2f}' for d in regional_delay['delays'])}")
    if regional_delay["delays"]:
        print(f"  median {statistics.median(regional_delay['delays']):.2f} s, max {worst:.2f} s; target <= {args.interval + 1:.1f} s: "
              f"{'PASS' if passed else 'FAIL'}")
    print(f"EDA 5. a burst of 50 findings over 5 accounts, decided as one batch (interval {args.interval} s, {args.latency_ms} ms latency "
          "per call, daily_budget 7, group_threshold 3)")
    burst = burst_benchmark(args.interval, args.latency_ms)
    figures["burst"] = burst
    decided_all = bool(burst["decided"]) and "Batch of 50 finding(s)" in burst["decided"][0]
    within = burst["burst_to_event"] is not None and burst["burst_to_event"] <= 2 * args.interval
    passed = burst["batch_events"] == 1 and burst["findings_in_batches"] == 50 and burst["playbook_runs"] == 1 and decided_all and within
    ok &= passed
    print(f"  {burst['batch_events']} batch event(s) with {burst['findings_in_batches']} findings, {burst['burst_to_event']} s after the burst; "
          f"{burst['playbook_runs']} playbook run of {burst['playbook_seconds']} s; every finding decided {burst['burst_to_decided']} s after the burst")
    print(f"  decisions: {burst['decided'][0] if burst['decided'] else 'none'}")
    print(f"  API calls of the playbook run: {burst['playbook_calls']}; of the source (start to one poll after the event): {burst['source_calls']}")
    print(f"  target: one event within two polls ({2 * args.interval:.1f} s), one playbook run deciding all 50: {'PASS' if passed else 'FAIL'}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2, default=str)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
