# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deadline-bounded waiting until investigations leave RUNNING.

GuardDuty has no waiter for investigations, so this is the one polling loop of the collection.
With several ids, each round lists the RUNNING investigations once (every page) and fetches only the
ids that left RUNNING, so a wait costs about rounds + N calls instead of rounds x N. An id that is
missing from the RUNNING list is confirmed with GetInvestigation before it counts as done. When the
listing is denied, polling falls back to one GetInvestigation per id and round.
"""

from __future__ import annotations

import time

from ansible_collections.secops.guardduty.plugins.module_utils.common import GuardDutyError


class WaitOutcome:
    """Last known state of every id, which are still pending, and how long the wait took."""

    def __init__(self, states, pending, elapsed, rounds, batched):
        self.states = states
        self.pending = pending
        self.elapsed = elapsed
        self.rounds = rounds
        self.batched = batched


def _settled(state):
    return isinstance(state, dict) and state.get("Status") != "RUNNING"


def wait_until_settled(reader, detector_id, states, summary_format, timeout, sleep, clock=None, pause=None):
    """Poll until no id in ``states`` is RUNNING or not-yet-visible, or ``timeout`` seconds have passed.

    ``states`` maps id -> Investigation dict, or a "missing" GuardDutyError for an id that may not be
    visible yet (eventual consistency right after creation). Any other error ends the wait at once.
    The loop never sleeps past the deadline; the answer comes within one ``sleep`` of the last change.
    """
    clock = clock or time.monotonic
    pause = pause or time.sleep
    start = clock()
    deadline = start + timeout
    states = dict(states)
    pending = [i for i, s in states.items() if not _settled(s)]
    batched = len(pending) > 1
    rounds = 0
    while pending:
        remaining = deadline - clock()
        if remaining <= 0:
            break
        pause(min(sleep, remaining))
        rounds += 1
        to_fetch = pending
        if batched:
            try:
                running = reader.running_ids(detector_id)
                to_fetch = [i for i in pending if i not in running]
            except GuardDutyError as e:
                if e.kind != "denied":
                    raise
                batched = False  # ListInvestigations not allowed: poll each id
        if not to_fetch:
            continue
        for iid, state in reader.get_many(detector_id, to_fetch, summary_format).items():
            if isinstance(state, GuardDutyError) and state.kind != "missing":
                raise state
            states[iid] = state
        pending = [i for i in pending if not _settled(states[i])]
    return WaitOutcome(states, pending, clock() - start, rounds, batched)
