# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""steps.execute: the most urgent first, each after what it depends on, a failed step stopping only its dependents,
independent steps side by side within the bound."""

from __future__ import annotations

import threading
import time

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import CREDENTIALS
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import EVIDENCE
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import NETWORK
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import REST
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import execute


def recorder():
    started = []
    lock = threading.Lock()

    def make(name, result=True, fail=None, pause=0.0):
        def run(outputs):
            with lock:
                started.append(name)
            if pause:
                time.sleep(pause)
            if fail is not None:
                raise fail
            outputs[name] = f"output of {name}"
            return result
        return run
    return started, make


def test_the_most_urgent_start_first_and_dependencies_come_before():
    started, make = recorder()
    steps = [Step("rest", ("s3_bucket", "b"), "rest", REST, make("rest")),
             Step("cut", ("ec2_instance", "i"), "cut", NETWORK, make("cut"), after=["evidence"]),
             Step("evidence", ("ec2_instance", "i"), "evidence", EVIDENCE, make("evidence")),
             Step("key", ("iam_access_key", "k"), "key", CREDENTIALS, make("key"))]
    results, order = execute(steps, workers=1)
    assert started == ["key", "evidence", "cut", "rest"]
    assert order == started and {r["status"] for r in results.values()} == {"done"}


def test_a_failed_step_skips_only_what_depends_on_it():
    started, make = recorder()
    steps = [Step("group", None, "group", NETWORK, make("group", fail=GuardDutyError("no group for you"))),
             Step("move", ("ec2_instance", "i"), "move", NETWORK, make("move"), after=["group"]),
             Step("after-move", ("ec2_instance", "i"), "after", NETWORK, make("after-move"), after=["move"]),
             Step("key", ("iam_access_key", "k"), "key", CREDENTIALS, make("key")),
             Step("bug", ("s3_bucket", "b"), "bug", REST, make("bug", fail=KeyError("x")))]
    results, _order = execute(steps)
    assert results["group"]["status"] == "failed" and results["group"]["error"] == "no group for you"
    assert results["move"]["status"] == "skipped" and results["move"]["error"] == "not run: group did not succeed"
    assert results["after-move"]["status"] == "skipped" and "move did not succeed" in results["after-move"]["error"]
    assert results["key"]["status"] == "done"
    assert results["bug"]["status"] == "failed" and results["bug"]["error"] == "KeyError: 'x'"  # a bug is said, not raised
    assert "move" not in started and "after-move" not in started


def test_unchanged_steps_and_outputs_reach_their_dependents():
    seen = {}

    def first(outputs):
        outputs["first"] = "sg-0123456789abcdef0"
        return False

    def second(outputs):
        seen["group"] = outputs["first"]
        return True

    results, _order = execute([Step("first", None, "first", NETWORK, first), Step("second", ("x", "y"), "second", NETWORK, second, after=["first"])])
    assert results["first"]["status"] == "unchanged" and results["second"]["status"] == "done" and seen == {"group": "sg-0123456789abcdef0"}


def test_independent_steps_run_side_by_side_within_the_bound():
    running, peak, lock = [0], [0], threading.Lock()

    def slow(_outputs):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return True

    results, _order = execute([Step(f"s{n}", ("x", str(n)), "s", REST, slow) for n in range(12)], workers=4)
    assert {r["status"] for r in results.values()} == {"done"}
    assert peak[0] == 4


def test_steps_that_wait_on_each_other_fail_instead_of_hanging():
    _started, make = recorder()
    results, _order = execute([Step("a", ("x", "a"), "a", REST, make("a"), after=["b"]), Step("b", ("x", "b"), "b", REST, make("b"), after=["a"])])
    assert {r["status"] for r in results.values()} == {"failed"}
    assert results["a"]["error"] == "not run: its steps wait on each other"


def test_a_dependency_outside_the_steps_counts_as_done():
    _started, make = recorder()
    results, _order = execute([Step("a", ("x", "a"), "a", REST, make("a"), after=["made-by-another-run"])])
    assert results["a"]["status"] == "done"
