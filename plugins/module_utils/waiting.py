# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deadline-bounded waiting until investigations leave RUNNING.

GuardDuty has no waiter for investigations, so this is the one polling loop of the collection.
With several ids, the first look (``initial_states``) and each round list the RUNNING investigations
once (every page) and fetch only the ids that are not RUNNING, so each id is fetched with
GetInvestigation about once, after it left RUNNING, and a wait costs about rounds + N calls instead of
rounds x N. An id that is missing from the RUNNING list is confirmed with GetInvestigation before it
counts as done (eventual consistency). When the listing is denied, polling falls back to one
GetInvestigation per id and round.
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


class Listed(dict):
    """Placeholder state of an id seen RUNNING in a listing and not fetched yet; never returned to the user."""


# How long an id may stay "not found" while waiting before it counts as missing: long enough for a just-created
# investigation to become visible, short enough that a mistyped id fails in seconds rather than at wait_timeout.
NOT_FOUND_GRACE = 30


def _not_found(state):
    return isinstance(state, GuardDutyError) and state.kind == "missing"


def _settled(state):
    if isinstance(state, GuardDutyError):
        return state.kind == "denied"  # only an id first fetched during the wait keeps one (see _fetch_into)
    return isinstance(state, dict) and state.get("Status") != "RUNNING"


def _listing(reader, detector_id):
    """Ids RUNNING now (one listing), or None when the caller may not list (then poll each id)."""
    try:
        return reader.running_ids(detector_id)
    except GuardDutyError as e:
        if e.kind != "denied":
            raise
        return None


def initial_states(reader, detector_id, ids, summary_format):
    """(states, batched) for ids about to be waited on: one listing, and GetInvestigation only for the ids not RUNNING.

    RUNNING ids get a ``Listed`` placeholder: wait_until_settled fetches each of them once it left RUNNING
    (or once at the deadline). Without permission to list, every id is fetched and ``batched`` is False.
    """
    running = _listing(reader, detector_id)
    if running is None:
        return reader.get_many(detector_id, ids, summary_format), False
    fetched = reader.get_many(detector_id, [i for i in ids if i not in running], summary_format)
    states = {i: fetched[i] if i in fetched else Listed(InvestigationId=i, Status="RUNNING") for i in ids}
    return states, True


def _fetch_into(reader, detector_id, states, ids, summary_format):
    """Fetch ids into states. Not found yet is kept (polled again); an error ends the wait, except access denied
    to an id fetched for the first time (known only from a listing), which is kept for the caller's on_denied."""
    for iid, state in reader.get_many(detector_id, ids, summary_format).items():
        if isinstance(state, GuardDutyError) and state.kind != "missing":
            if not (state.kind == "denied" and isinstance(states[iid], Listed)):
                raise state
        states[iid] = state


def wait_until_settled(reader, detector_id, states, summary_format, timeout, sleep, clock=None, pause=None, batched=None, not_found_grace=NOT_FOUND_GRACE):
    """Poll until no id in ``states`` is RUNNING or not-yet-visible, or ``timeout`` seconds have passed.

    ``states`` maps id -> Investigation dict, a ``Listed`` placeholder, or a "missing" GuardDutyError for an id
    that may not be visible yet (eventual consistency right after creation). Any other error ends the wait at
    once, except "denied" for a ``Listed`` id, which settles it (the caller applies its on_denied).
    The loop never sleeps past the deadline; the answer comes within one ``sleep`` of the last change.
    ``batched`` (default: more than one id pending) lists the RUNNING ids once per round instead of fetching each.
    An id still known only from a listing (``Listed``) when the time is up is fetched once for its last state.
    An id that stays not found for ``not_found_grace`` seconds stops being polled; it stays "missing" for the caller.
    """
    clock = clock or time.monotonic
    pause = pause or time.sleep
    start = clock()
    deadline = start + timeout
    states = dict(states)
    missing_since = {}

    def waiting_on(iid):
        state = states[iid]
        if not _not_found(state):
            missing_since.pop(iid, None)
            return not _settled(state)
        return clock() - missing_since.setdefault(iid, clock()) < not_found_grace

    pending = [i for i in states if waiting_on(i)]
    if batched is None:
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
            running = _listing(reader, detector_id)
            if running is None:
                batched = False  # ListInvestigations not allowed: poll each id
            else:
                to_fetch = [i for i in pending if i not in running]
        if not to_fetch:
            continue
        _fetch_into(reader, detector_id, states, to_fetch, summary_format)
        pending = [i for i in pending if waiting_on(i)]
    stale = [i for i in pending if isinstance(states[i], Listed)]
    if stale:  # time is up: the last state of ids only seen in listings
        _fetch_into(reader, detector_id, states, stale, summary_format)
        pending = [i for i in pending if not _settled(states[i])]
    return WaitOutcome(states, pending, clock() - start, rounds, batched)
