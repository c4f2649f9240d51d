# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Performance benchmark of secops.guardduty: real ansible-playbook runs against the bundled emulator with latency.

Run it with ``scripts/benchmark`` (it prepares the environment and the AWS CLI); see benchmarks/README.md.
Directly: ``python benchmarks/run.py [--runs 3] [--latency-ms 50] [--only 1,2,3,4,5] [--aws PATH] [--baseline DIR] [--json FILE]``
with ansible-core, boto3 and ANSIBLE_COLLECTIONS_PATH (secops.guardduty and amazon.aws) set up.

Every figure is the median over ``--runs`` runs of a task's wall time, from the moment the play starts the task to
its (last) result, recorded by the integration tests' callback (tests/integration/callback_plugins/record_results.py);
API calls are counted by the emulator.
A benchmark is not a test: it prints figures and a PASS/FAIL per target, and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from gdemu import scenarios  # noqa: E402  pylint: disable=wrong-import-position
from gdplay import playbook as build_playbook  # noqa: E402  pylint: disable=wrong-import-position
from gdplay import task as play_task  # noqa: E402  pylint: disable=wrong-import-position
from toolbox import Emulator  # noqa: E402  pylint: disable=wrong-import-position

CALLBACKS = os.path.join(ROOT, "tests", "integration", "callback_plugins")

# Dummy credentials, as in tests/integration: the emulator only checks that requests are signed.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAGDBENCHMARKKEY000000000000000000001",
    "AWS_SECRET_ACCESS_KEY": "gd-benchmark-secret-key-that-never-occurs-in-data-0123456789",
}
REGION = scenarios.REGION
DETECTOR = scenarios.DETECTOR_ID
LOOKUP = "secops.guardduty.guardduty_investigation"
MODULE = "secops.guardduty.guardduty_investigation_info"


# ------------------------------------------------------------------ the emulator, as a separate process


class EmulatorProcess(Emulator):
    """tests/emulator/run.py in its own process (so it does not share the harness's interpreter), driven over HTTP:
    the toolbox's emulator starter (scripts/toolbox.py), with latency on every call."""

    def __init__(self, latency_ms):
        super().__init__(sys.executable, ROOT, "--latency-ms", str(latency_ms), wait=60)

    def load(self, scenario):
        """Load a scenario; returns the wall time just before the load (investigation timelines start at the load)."""
        began = time.time()
        self.control("scenario", scenario)
        return began

    def calls(self):
        return self.control("log")["calls"]


# ------------------------------------------------------------------ playbooks


def timed(name, module, args, **extra):
    return play_task(name, module, args, **extra)


def check(name, *conditions):
    return play_task(f"check {name}", "ansible.builtin.assert", {"that": list(conditions), "quiet": True})


class Variant:
    """One way of doing a job: the tasks (one timed task called ``name``, then checks) and how to read its cost."""

    def __init__(self, name, task, tasks, floor, scenario=None, last_completion=None):
        self.name = name
        self.task = task
        self.tasks = tasks
        self.floor = floor
        self.scenario = scenario
        self.last_completion = last_completion
        self.seconds = []
        self.calls = []
        self.lags = []


def run_playbook(workdir, tasks, variables, env):
    """Run one playbook; (rc, {task name: timing}, output)."""
    stamp = f"{time.time_ns()}"
    playbook = os.path.join(workdir, f"play-{stamp}.yml")
    extra = os.path.join(workdir, f"vars-{stamp}.json")
    timings = os.path.join(workdir, f"timings-{stamp}.jsonl")
    with open(playbook, "w", encoding="utf-8") as handle:
        handle.write(build_playbook("".join(tasks)))
    with open(extra, "w", encoding="utf-8") as handle:
        json.dump(variables, handle)
    env = dict(env, GD_RESULTS_FILE=timings)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-e", f"@{extra}"]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    found = {}
    if os.path.exists(timings):
        with open(timings, encoding="utf-8") as handle:
            for line in handle:
                entry = json.loads(line)
                found[entry["task"]] = entry
    return proc.returncode, found, proc.stdout + proc.stderr


def count_calls(calls, start, end):
    """{operation: n} of the emulator's log entries that arrived between start and end."""
    counts = {}
    for call in calls:
        if start <= call["time"] <= end:
            counts[call["operation"]] = counts.get(call["operation"], 0) + 1
    return counts


def ansible_env(workdir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(CREDENTIALS)
    env.update(
        {
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
            "ANSIBLE_CALLBACKS_ENABLED": "record_results",
            "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, "ansible-local"),
            "ANSIBLE_REMOTE_TEMP": os.path.join(workdir, "ansible-remote"),
            "ANSIBLE_PIPELINING": "1",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        }
    )
    return env


# ------------------------------------------------------------------ the benchmarks


def baseline_collections(checkout, workdir):
    """A collections path where ``checkout`` is secops.guardduty and everything else (amazon.aws) is as now."""
    checkout = os.path.abspath(checkout)
    if not os.path.exists(os.path.join(checkout, "galaxy.yml")):
        raise SystemExit(f"--baseline {checkout}: not a secops.guardduty checkout (no galaxy.yml)")
    root = os.path.join(workdir, "baseline")
    os.makedirs(os.path.join(root, "ansible_collections", "secops"))
    os.symlink(checkout, os.path.join(root, "ansible_collections", "secops", "guardduty"))
    return os.pathsep.join([root, os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")])


def total_calls(variant):
    """Median over runs of all API calls the variant made."""
    return statistics.median([sum(counts.values()) for counts in variant.calls])


def _rounds(n, concurrency):
    return math.ceil(n / concurrency)


class Bench:
    """A job done in several ways; ``sessions`` are groups of variants run in one playbook after one scenario load.

    ``latency`` (seconds) is what the emulator adds to every API call during this benchmark. A session is a list of
    variants, or a (variants, environment) pair to run that playbook with another environment (the baseline
    collection of benchmark 5).
    """

    def __init__(self, number, title, variants, sessions, scenario, variables, target, latency):
        self.number = number
        self.title = title
        self.variants = variants
        self.sessions = sessions
        self.scenario = scenario
        self.variables = variables
        self.target = target
        self.latency = latency
        self.verdict = None
        self.note = ""


def bench_bulk(ids, latency, concurrency):
    n = len(ids)
    one = Variant(
        f"one task, {n} ids",
        "1:one",
        [
            timed("1:one", MODULE, {"detector_id": DETECTOR, "investigation_ids": "{{ gd_ids }}", "concurrency": concurrency}, register="bulk"),
            check("one", "bulk.investigations | length == gd_ids | length"),
        ],
        f"{_rounds(n, concurrency)} round trips = {_rounds(n, concurrency) * latency:.2f} s",
    )
    loop = Variant(
        f"loop: of {n} single-id tasks",
        "1:loop",
        [
            timed("1:loop", MODULE, {"detector_id": DETECTOR, "investigation_ids": ["{{ item }}"]}, loop="{{ gd_ids }}", register="looped"),
            check("loop", "looped.results | map(attribute='investigation') | list | length == gd_ids | length"),
        ],
        f"{n} round trips = {n * latency:.2f} s + {n} module start-ups",
    )

    def target(bench):
        ratio = statistics.median(loop.seconds) / statistics.median(one.seconds)
        bench.note = f"one task is {ratio:.1f}x faster than the loop (target >= 12x)"
        return ratio >= 12

    title = f"Get {n} investigations, {latency * 1000:.0f} ms a call"
    return Bench(1, title, [one, loop], [[one, loop]], scenarios.many(n), {"gd_ids": ids}, target, latency)


def bench_lookup(ids, latency, concurrency):
    n = len(ids)
    conn = "endpoint_url=gd_endpoint, region=gd_region"
    one = Variant(
        f"one query() call, {n} ids",
        "2:one",
        [
            timed("2:one", "ansible.builtin.set_fact", {"found_all": f"{{{{ query('{LOOKUP}', gd_ids, {conn}) }}}}"}),
            check("one lookup", "found_all | map(attribute='investigation_id') | list == gd_ids"),
        ],
        f"1 ListDetectors + {_rounds(n, concurrency)} round trips = {(1 + _rounds(n, concurrency)) * latency:.2f} s",
    )
    each = Variant(
        f"{n} separate lookup() calls (loop:)",
        "2:each",
        [
            timed("2:each", "ansible.builtin.set_fact", {"found_one": f"{{{{ lookup('{LOOKUP}', item, {conn}) }}}}"}, loop="{{ gd_ids }}", register="each"),
            check("separate lookups", "each.results | map(attribute='ansible_facts.found_one.investigation_id') | list == gd_ids"),
        ],
        f"{n} x (ListDetectors + GetInvestigation) = {2 * n * latency:.2f} s",
    )

    def target(bench):
        ratio = statistics.median(each.seconds) / statistics.median(one.seconds)
        bench.note = f"one call is {ratio:.1f}x faster than separate lookups (target >= 6x)"
        return ratio >= 6

    title = f"Lookup of {n} ids, {latency * 1000:.0f} ms a call"
    return Bench(2, title, [one, each], [[one, each]], scenarios.many(n), {"gd_ids": ids}, target, latency)


def bench_wait(n, latency, concurrency, sleep, first, step):
    ids = [scenarios.many_id(i) for i in range(n)]
    last = first + step * (n - 1)
    args = {
        "detector_id": DETECTOR,
        "investigation_ids": "{{ gd_ids }}",
        "wait": True,
        "wait_sleep": sleep,
        "wait_timeout": int(last + 60),
        "allow_failed": True,
        "concurrency": concurrency,
    }
    conditions = (
        "waited.investigations | map(attribute='status') | select('equalto', 'RUNNING') | list == []",
        "waited.investigations | map(attribute='investigation_id') | list == gd_ids",
    )
    rounds = math.ceil(last / sleep)
    batched = Variant(
        "batched (ListInvestigations per round)",
        "3:batched",
        [timed("3:batched", MODULE, args, register="waited"), check("batched", *conditions)],
        f"{n} Get + 1 List a round (<= {rounds + 1}); lag {latency:.2f}..{sleep + latency:.2f} s",
        scenario=scenarios.staggered(n, first, step),
        last_completion=last,
    )
    per_id = Variant(
        "per-id polling (ListInvestigations denied)",
        "3:per-id",
        [timed("3:per-id", MODULE, args, register="waited"), check("per-id", *conditions)],
        f"1 Get a round for each id RUNNING; lag {latency:.2f}..{sleep + latency:.2f} s",
        scenario=scenarios.staggered(n, first, step, denied=True),
        last_completion=last,
    )

    def target(bench):
        share = total_calls(batched) / total_calls(per_id)
        lag = statistics.median(batched.lags)
        bench.note = (
            f"batched makes {share:.0%} of per-id polling's API calls (target <= 25%); "
            f"lag after the last completion {lag:.2f} s (target <= wait_sleep + 1 = {sleep + 1} s)"
        )
        return share <= 0.25 and lag <= sleep + 1

    return Bench(
        3,
        f"Wait on {n} investigations completing {first:g}..{last:g} s after start (wait_sleep={sleep})",
        [batched, per_id],
        [[batched], [per_id]],
        None,
        {"gd_ids": ids},
        target,
        latency,
    )


def bench_cli(one_id, latency, aws):
    module = Variant(
        "one module task",
        "4:module",
        [
            timed("4:module", MODULE, {"detector_id": DETECTOR, "investigation_id": one_id}, register="mod"),
            check("module", "mod.investigation.investigation_id == gd_one"),
        ],
        f"1 round trip = {latency:.2f} s",
    )
    argv = [
        aws,
        "guardduty",
        "get-investigation",
        "--detector-id",
        DETECTOR,
        "--investigation-id",
        one_id,
        "--endpoint-url",
        "{{ gd_endpoint }}",
        "--region",
        "{{ gd_region }}",
        "--output",
        "json",
    ]
    cli = Variant(
        "aws guardduty get-investigation (command:)",
        "4:cli",
        [
            timed("4:cli", "ansible.builtin.command", {"argv": argv}, register="cli", changed_when=False),
            check("cli", "(cli.stdout | from_json).Investigation.InvestigationId == gd_one"),
        ],
        f"1 round trip = {latency:.2f} s",
    )

    floor = Variant(
        "command: true (ansible's own cost of a task)",
        "4:true",
        [timed("4:true", "ansible.builtin.command", {"argv": ["true"]}, changed_when=False)],
        "no API call: the floor of any task",
    )

    def target(bench):
        mod, aws_cli = statistics.median(module.seconds), statistics.median(cli.seconds)
        bench.note = f"module {mod:.2f} s vs AWS CLI {aws_cli:.2f} s = {mod / aws_cli:.2f}x (target <= 0.8x)"
        return mod <= 0.8 * aws_cli

    return Bench(
        4,
        f"One investigation: module task vs AWS CLI in a command task, {latency * 1000:.0f} ms a call",
        [module, cli, floor],
        [[module, cli, floor]],
        scenarios.many(5),
        {"gd_one": one_id},
        target,
        latency,
    )


def bench_fixed(ids, concurrency, baseline_env=None):
    """What a task costs when the API costs nothing: the module and the lookup next to ansible's own floor.

    Every playbook first runs one untimed module task and one untimed lookup, so the timed tasks are what every
    further task of a run costs (AnsiballZ builds a module's payload once per run; benchmark 4 shows a first task).
    With a baseline collection, the same variants run in a second playbook on that collection.
    """
    n = len(ids)
    conn = "endpoint_url=gd_endpoint, region=gd_region"
    warm = [
        play_task("warm-up module", MODULE, {"detector_id": DETECTOR, "investigation_ids": ["{{ gd_ids[0] }}"]}),
        play_task("warm-up lookup", "ansible.builtin.set_fact", {"warm": f"{{{{ lookup('{LOOKUP}', gd_ids[0], {conn}) }}}}"}),
    ]

    def variants(tag, label):
        key = f"5{tag}"
        return [
            Variant(
                f"module task, 1 id{label}",
                f"{key}:module1",
                [timed(f"{key}:module1", MODULE, {"detector_id": DETECTOR, "investigation_ids": ["{{ gd_ids[0] }}"]})],
                "1 call",
            ),
            Variant(
                f"module task, {n} ids{label}",
                f"{key}:module{n}",
                [timed(f"{key}:module{n}", MODULE, {"detector_id": DETECTOR, "investigation_ids": "{{ gd_ids }}", "concurrency": concurrency})],
                f"{n} calls",
            ),
            Variant(
                f"one query() of {n} ids{label}",
                f"{key}:query",
                [timed(f"{key}:query", "ansible.builtin.set_fact", {"q": f"{{{{ query('{LOOKUP}', gd_ids, {conn}) }}}}"})],
                f"{n + 1} calls",
            ),
            Variant(
                f"{n} separate lookup() calls{label}",
                f"{key}:each",
                [timed(f"{key}:each", "ansible.builtin.set_fact", {"e": f"{{{{ lookup('{LOOKUP}', item, {conn}) }}}}"}, loop="{{ gd_ids }}")],
                f"{2 * n} calls",
            ),
        ]

    floor_task = timed("5:true", "ansible.builtin.command", {"argv": ["true"]}, changed_when=False)
    floor = Variant("command: true (ansible's own cost of a task)", "5:true", [floor_task], "none")
    current = variants("", "")
    sessions = [([warm[0], warm[1]], current + [floor], None)]
    everything = current + [floor]
    if baseline_env is not None:
        before = variants("b", " [baseline]")
        sessions.append(([warm[0], warm[1]], before, baseline_env))
        everything = [v for pair in zip(current, before) for v in pair] + [floor]

    def target(bench):
        floor_s = statistics.median(floor.seconds)
        parts = [f"{v.name}: {statistics.median(v.seconds) - floor_s:+.2f} s over command: true" for v in everything if v is not floor]
        bench.note = "no target, the breakdown of docs/performance.md; " + "; ".join(parts)
        return True

    return Bench(5, "Fixed cost: the API answers at once (0 ms a call)", everything, sessions, scenarios.many(n), {"gd_ids": ids}, target, 0.0)


def preview_regions():
    """The Regions where the API answers (``regions: all``), from the collection the playbooks use."""
    for root in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep):
        if root and root not in sys.path:
            sys.path.append(root)
    from ansible_collections.secops.guardduty.plugins.module_utils.client import PREVIEW_REGIONS  # pylint: disable=import-outside-toplevel

    return list(PREVIEW_REGIONS)


def bench_regions(per_region, latency, concurrency):
    """Issue 17: one task over the 10 Regions of the preview beside one Region's task and a loop over the Regions."""
    regions = preview_regions()
    listed = {"details": True, "concurrency": concurrency}
    one = Variant(
        f"one Region: list + get {per_region}",
        "6:one",
        [
            timed("6:one", MODULE, listed, register="one_region"),
            check("one Region", f"one_region.investigations | length == {per_region}"),
        ],
        f"ListDetectors, List, {_rounds(per_region, concurrency)} Get rounds = {(2 + _rounds(per_region, concurrency)) * latency:.2f} s",
    )
    many = Variant(
        f"regions: all ({len(regions)}), one task",
        "6:many",
        [
            timed("6:many", MODULE, dict(listed, regions="all", region=""), register="all_regions"),
            check(
                "all Regions",
                f"all_regions.investigations | length == {per_region * len(regions)}",
                "all_regions.region_errors == []",
                f"all_regions.investigations | map(attribute='region') | unique | length == {len(regions)}",
            ),
        ],
        f"the same rounds in every Region at once = {(2 + _rounds(per_region, concurrency)) * latency:.2f} s",
    )
    loop = Variant(
        f"loop: {len(regions)} one-Region tasks",
        "6:loop",
        [
            timed("6:loop", MODULE, dict(listed, region="{{ item }}"), loop=regions, register="looped_regions"),
            check("loop", f"looped_regions.results | map(attribute='investigations') | flatten | length == {per_region * len(regions)}"),
        ],
        f"{len(regions)} x one Region = {len(regions) * (2 + _rounds(per_region, concurrency)) * latency:.2f} s + {len(regions)} module start-ups",
    )

    def target(bench):
        cost = statistics.median(many.seconds) / statistics.median(one.seconds)
        gain = statistics.median(loop.seconds) / statistics.median(many.seconds)
        bench.note = f"{len(regions)} Regions cost {cost:.2f}x one Region (target <= 1.5x); {gain:.1f}x faster than the loop (target >= 6x)"
        return cost <= 1.5 and gain >= 6

    title = f"{len(regions)} Regions, list + get {per_region} investigations in each, {latency * 1000:.0f} ms a call"
    scenario = scenarios.regional(regions=regions, per_region=per_region)
    return Bench(6, title, [one, many, loop], [[one, many, loop]], scenario, {}, target, latency)


# ------------------------------------------------------------------ running and reporting


def run_bench(bench, emulator, runs, workdir, env, log):
    variables = dict(bench.variables, gd_endpoint=emulator.url, gd_region=REGION)
    emulator.control("faults", {"latency_ms": round(bench.latency * 1000)})
    for run in range(runs):
        sessions = bench.sessions[run % len(bench.sessions) :] + bench.sessions[: run % len(bench.sessions)]
        for session in sessions:
            first, session, session_env = session if isinstance(session, tuple) else ([], session, None)
            order = session[run % len(session) :] + session[: run % len(session)]  # rotate, so no variant always goes first
            loaded = emulator.load(bench.scenario if bench.scenario is not None else order[0].scenario)
            tasks = list(first) + [task for variant in order for task in variant.tasks]
            rc, timings, output = run_playbook(workdir, tasks, variables, session_env or env)
            calls = emulator.calls()
            if rc != 0:
                raise RuntimeError(f"benchmark {bench.number} run {run + 1}: ansible-playbook failed (rc={rc}):\n{output[-4000:]}")
            for variant in order:
                timing = timings[variant.task]
                variant.seconds.append(timing["end"] - timing["start"])
                variant.calls.append(count_calls(calls, timing["start"], timing["end"]))
                if variant.last_completion is not None:
                    variant.lags.append(timing["end"] - (loaded + variant.last_completion))
                log(f"  [{bench.number}] run {run + 1}/{runs} {variant.name}: {variant.seconds[-1]:.2f} s, {sum(variant.calls[-1].values())} calls")
    bench.verdict = bench.target(bench)


def _median_counts(counts):
    operations = sorted({op for c in counts for op in c})
    return {op: statistics.median([c.get(op, 0) for c in counts]) for op in operations}


def _short(op):
    return {"GetInvestigation": "Get", "ListInvestigations": "List", "ListDetectors": "ListDet", "ListInvestigationRecords": "Records"}.get(op, op)


def report(benches, header, out):
    out("")
    out(header)
    out("")
    width = max([22] + [6 * len(v.seconds) for b in benches for v in b.variants])
    line = f"{'#':<2} {'variant':<44} {'median s':>9} {'runs (s)':<{width}} {'API calls (median)':<40} physical limit"
    out(line)
    out("-" * len(line))
    for bench in benches:
        out(f"{bench.number}  {bench.title}")
        for variant in bench.variants:
            counts = _median_counts(variant.calls)
            counts = {op: n for op, n in counts.items() if op}
            total = total_calls(variant)
            detail = ", ".join(f"{_short(op)} {n:g}" for op, n in counts.items())
            runs = " ".join(f"{s:.2f}" for s in variant.seconds)
            calls = f"{total:g} ({detail})" if detail else "0"
            if variant.lags:
                calls += f", lag {statistics.median(variant.lags):.2f} s"
            out(f"   {variant.name:<44} {statistics.median(variant.seconds):>9.2f} {runs:<{width}} {calls:<40} {variant.floor}")
        out(f"   => {'PASS' if bench.verdict else 'FAIL'}: {bench.note}")
    out("")


def machine(aws):
    def version(module):
        try:
            return __import__(module).__version__
        except ImportError:
            return "not installed"

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    from ansible.release import __version__ as ansible_core  # pylint: disable=import-outside-toplevel

    amazon_aws = "unknown"
    for root in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep):
        manifest = os.path.join(root, "ansible_collections", "amazon", "aws", "MANIFEST.json")
        if root and os.path.exists(manifest):
            with open(manifest, encoding="utf-8") as handle:
                amazon_aws = json.load(handle)["collection_info"]["version"]
            break

    aws_version = "not used"
    if aws:
        aws_version = subprocess.run([aws, "--version"], capture_output=True, text=True, check=False).stdout.strip() or "unknown"
    return {
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "ansible_core": ansible_core,
        "amazon_aws": amazon_aws,
        "botocore": version("botocore"),
        "boto3": version("boto3"),
        "aws_cli": aws_version,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description="secops.guardduty performance benchmark (see benchmarks/README.md)")
    parser.add_argument("--runs", type=int, default=3, help="runs per variant; the table shows medians (default 3)")
    parser.add_argument("--latency-ms", type=int, default=50, help="latency the emulator adds to every API call in benchmarks 3 and 4 (default 50)")
    parser.add_argument("--concurrency", type=int, default=8, help="the concurrency option used (default 8, the option's default)")
    parser.add_argument("--only", default="1,2,3,4,5,6", help="which benchmarks to run, e.g. 1,3 (default all)")
    parser.add_argument(
        "--baseline",
        help="another checkout of secops.guardduty (e.g. an older commit) to run benchmark 5 on as well, side by side",
    )
    parser.add_argument("--aws", help="the AWS CLI executable for benchmark 4 (scripts/benchmark installs one)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    only = {int(x) for x in args.only.split(",") if x.strip()}
    if args.baseline and 5 not in only:
        parser.error("--baseline only applies to benchmark 5: add 5 to --only")
    if 4 in only and not args.aws:
        parser.error("benchmark 4 needs --aws PATH (scripts/benchmark installs the AWS CLI), or leave it out with --only 1,2,3")
    latency = args.latency_ms / 1000.0
    began = time.monotonic()

    def log(message):
        print(message, file=sys.stderr, flush=True)

    info = machine(args.aws if 4 in only else None)
    header = (
        f"machine: {info['cpus']} CPUs ({info['cpu_model']}); Python {info['python']}, ansible-core {info['ansible_core']}, "
        f"amazon.aws {info['amazon_aws']}, "
        f"botocore {info['botocore']}, boto3 {info['boto3']}; AWS CLI: {info['aws_cli']}\n"
        f"method: emulator latency 250 ms (1, 6), 100 ms (2), {args.latency_ms} ms (3, 4), 0 ms (5) per API call, "
        f"concurrency {args.concurrency}, medians of {args.runs} runs, "
        f"task wall time from task start to its (last) result, ANSIBLE_PIPELINING=1; load average at the start {info['load_average']}"
    )
    log(header)
    forty = [scenarios.many_id(i) for i in range(40)]
    benches = []
    if 1 in only:
        benches.append(bench_bulk(forty, 0.25, args.concurrency))
    if 2 in only:
        benches.append(bench_lookup(forty, 0.1, args.concurrency))
    if 3 in only:
        benches.append(bench_wait(20, latency, args.concurrency, sleep=1, first=8.0, step=0.5))
    if 6 in only:
        benches.append(bench_regions(10, 0.25, args.concurrency))
    if 4 in only:
        benches.append(bench_cli(scenarios.many_id(0), latency, args.aws))

    emulator = EmulatorProcess(args.latency_ms)
    try:
        with tempfile.TemporaryDirectory(prefix="gd-bench-") as workdir:
            env = ansible_env(workdir)
            if 5 in only:
                baseline_env = None
                if args.baseline:
                    baseline_env = dict(env, ANSIBLE_COLLECTIONS_PATH=baseline_collections(args.baseline, workdir))
                benches.append(bench_fixed(forty, args.concurrency, baseline_env))
            for bench in benches:
                log(f"benchmark {bench.number}: {bench.title}")
                run_bench(bench, emulator, args.runs, workdir, env, log)
    finally:
        emulator.stop()

    report(benches, header, print)
    print(f"load average at the end: {[round(x, 2) for x in os.getloadavg()]} (other work on the machine slows every variant)")
    passed = all(bench.verdict for bench in benches)
    print(
        f"targets: {sum(1 for b in benches if b.verdict)} passed, {sum(1 for b in benches if not b.verdict)} failed "
        f"(benchmark took {time.monotonic() - began:.0f} s)"
    )
    if args.json:
        data = {
            "machine": info,
            "latency_ms": args.latency_ms,
            "concurrency": args.concurrency,
            "runs": args.runs,
            "benchmarks": [
                {
                    "number": b.number,
                    "title": b.title,
                    "pass": b.verdict,
                    "note": b.note,
                    "variants": [{"name": v.name, "seconds": v.seconds, "calls": v.calls, "lags": v.lags, "physical_limit": v.floor} for v in b.variants],
                }
                for b in benches
            ],
        }
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
