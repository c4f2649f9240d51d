# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The steps of apply and rollback, and how they run: the most urgent first, each after what it depends on, the
independent ones side by side (a bounded thread pool), a failed step stopping only what depends on it.

A ``Step`` is one change to one resource (or to a shared one: the quarantine group of a VPC), with its urgency
(common.CREDENTIALS, EVIDENCE, NETWORK, REST), the keys of the steps it must come after (``after``: skipped when one
of them did not succeed) and of those it only waits for (``waits``: a marker tag is written before the change it
marks, but a refused tag never holds back a containment). ``execute`` returns what
became of each step: done (it changed something), unchanged (nothing was left to change), failed (with the error),
skipped (a step it depends on failed).
"""

from __future__ import annotations

import concurrent.futures
import time

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import REST

WORKERS = 8  # calls in flight at once: bounded, so that throttling stays rare on a large investigation


class Step:  # pylint: disable=too-few-public-methods
    """One change: ``run(outputs)`` makes it and returns whether something changed; what it gives to the steps after it
    (the id of a group it created) it puts in ``outputs`` under its ``key``."""

    def __init__(self, key, resource, name, urgency, run, after=(), waits=()):  # pylint: disable=too-many-arguments
        self.key = key
        self.resource = resource  # (type, id), or None for a shared step
        self.name = name
        self.urgency = urgency
        self.run = run
        self.after = tuple(after) + tuple(k for k in waits if k not in after)  # every step it comes after, in order
        self.waits = frozenset(waits)  # of those, the ones it runs after whatever became of them (a marker before its change)


def batched_step(planned, context, suffix, what, batch, failed=None):
    """The step of one resource whose change is made for many at once: ``batch(context)`` runs once for every resource
    of its type (Context.batch: one call per batch of the API's maximum); ``failed(outcome, planned)`` says why this
    resource's part did not succeed, or None. A failed batch fails the step of every resource it was for."""
    kind = planned["type"]

    def run(_outputs):
        outcome = context.batch(kind, lambda: batch(context))
        problem = failed(outcome, planned) if failed else None
        if problem:
            raise GuardDutyError(problem)
        return True

    return [Step(f"{kind}:{planned['id']}:{suffix}", (kind, planned["id"]), what, REST, run)]


def execute(steps, workers=WORKERS, clock=time.monotonic):
    """Run ``steps``: {key: {"status", "changed", "error", "started", "finished"}} and the keys in the order they
    ended. Steps whose dependencies are not among ``steps`` are run as if those were done."""
    keys = {step.key for step in steps}
    waiting = sorted(steps, key=lambda s: s.urgency)
    outputs, results, order = {}, {}, []
    start = clock()

    def run(step):
        began = clock() - start
        try:
            changed = bool(step.run(outputs))
        except GuardDutyError as e:
            return {"status": "failed", "changed": False, "error": e.message, "started": began, "finished": clock() - start}
        except Exception as e:  # pylint: disable=broad-except  # a failed step never stops the independent ones
            return {"status": "failed", "changed": False, "error": f"{e.__class__.__name__}: {e}", "started": began,
                    "finished": clock() - start}
        return {"status": "done" if changed else "unchanged", "changed": changed, "error": None, "started": began,
                "finished": clock() - start}

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        running = {}
        while waiting or running:
            for step in list(waiting):
                deps = [results.get(key) for key in step.after if key in keys]
                failed = [key for key in step.after if key in keys and key not in step.waits
                          and (results.get(key) or {}).get("status") in ("failed", "skipped")]
                if failed:
                    waiting.remove(step)
                    results[step.key] = {"status": "skipped", "changed": False, "started": None, "finished": None,
                                         "error": "not run: " + ", ".join(sorted(set(failed))) + " did not succeed"}
                    order.append(step.key)
                elif all(dep is not None for dep in deps) and len(running) < workers:
                    waiting.remove(step)
                    running[pool.submit(run, step)] = step
            if not running:
                if waiting and all(any(results.get(k) is None for k in s.after if k in keys) for s in waiting):
                    for step in waiting:  # they wait on each other: a bug in a type's steps, said rather than hung
                        results[step.key] = {"status": "failed", "changed": False, "started": None, "finished": None,
                                             "error": "not run: its steps wait on each other"}
                        order.append(step.key)
                    waiting = []
                continue
            finished = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED).done
            for future in finished:
                step = running.pop(future)
                results[step.key] = future.result()
                order.append(step.key)
    return results, order
