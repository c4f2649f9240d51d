# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wait engine: one step, "list what is RUNNING, fetch what left", and the deadline-bounded loop around it.

GuardDuty has no waiter for investigations. ``settle_step`` is the one step of the collection: the module's wait
(``wait_until_settled``) calls it each round, and the investigations event source calls it each poll with the
RUNNING ids of the listing it read anyway. With several ids, each round lists the RUNNING investigations once (every
page) and fetches only the ids that are not RUNNING, so each id is fetched with GetInvestigation about once, after it
left RUNNING: a wait costs about rounds + N calls instead of rounds x N. An id missing from the RUNNING list is
confirmed with GetInvestigation before it counts as done (eventual consistency). When the listing is denied, polling
falls back to one GetInvestigation per id and round.

Time comes from the reader (``reader.clock`` and ``reader.sleep``), so a test gives it a virtual clock.
"""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError

RUNNING = "RUNNING"
# How long an id may stay "not found" while waiting before it counts as missing: long enough for a just-created
# investigation to become visible, short enough that a mistyped id fails in seconds rather than at wait_timeout.
NOT_FOUND_GRACE = 30


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


def _not_found(state):
    return isinstance(state, GuardDutyError) and state.reason == "missing"


def _settled(state):
    if isinstance(state, GuardDutyError):
        return state.reason == "denied"  # only an id first fetched during the wait keeps one (see _fetch_into)
    return isinstance(state, dict) and state.get("Status") != RUNNING


def running_now(reader, detector_id):
    """Ids RUNNING now (one listing), or None when the caller may not list (then each id is polled)."""
    try:
        return reader.running_ids(detector_id)
    except GuardDutyError as e:
        if e.reason != "denied":
            raise
        return None


def settle_step(reader, detector_id, watched, summary_format="text", running=None):
    """The one step: of the ``watched`` ids, fetch those that are not RUNNING now.

    ``running``: the ids RUNNING now, from a listing the caller read; without it one listing is made here (when that
    is denied, every watched id is fetched). Returns ({id: Investigation or GuardDutyError} of the fetched ids,
    whether a listing told which were RUNNING).
    """
    listed = running is not None
    if running is None:
        running = running_now(reader, detector_id)
        listed = running is not None
    to_fetch = [i for i in watched if not (listed and i in running)]
    return reader.get_many(detector_id, to_fetch, summary_format), listed


def initial_states(reader, detector_id, ids, summary_format):
    """(states, batched) for ids about to be waited on: one step; RUNNING ids get a ``Listed`` placeholder.

    wait_until_settled fetches each placeholder once it left RUNNING (or once at the deadline). Without permission
    to list, every id is fetched and ``batched`` is False.
    """
    fetched, listed = settle_step(reader, detector_id, ids, summary_format)
    states = {i: fetched[i] if i in fetched else Listed(InvestigationId=i, Status=RUNNING) for i in ids}
    return states, listed


def _fetch_into(states, fetched):
    """Put fetched states into ``states``. Not found yet is kept (polled again); an error ends the wait, except access
    denied to an id fetched for the first time (known only from a listing), which is kept for the caller's on_denied."""
    for iid, state in fetched.items():
        if isinstance(state, GuardDutyError) and state.reason != "missing":
            if not (state.reason == "denied" and isinstance(states[iid], Listed)):
                raise state
        states[iid] = state


def wait_until_settled(reader, detector_id, states, summary_format, timeout, sleep, batched=None, not_found_grace=NOT_FOUND_GRACE):
    """Poll until no id in ``states`` is RUNNING or not-yet-visible, or ``timeout`` seconds have passed.

    ``states`` maps id -> Investigation dict, a ``Listed`` placeholder, or a "missing" GuardDutyError for an id
    that may not be visible yet (eventual consistency right after creation). Any other error ends the wait at
    once, except "denied" for a ``Listed`` id, which settles it (the caller applies its on_denied).
    The loop never sleeps past the deadline; the answer comes within one ``sleep`` of the last change.
    ``batched`` (default: more than one id pending) runs settle_step with a listing each round instead of fetching each.
    An id still known only from a listing (``Listed``) when the time is up is fetched once for its last state.
    An id that stays not found for ``not_found_grace`` seconds stops being polled; it stays "missing" for the caller.
    """
    clock = reader.clock
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
        reader.sleep(min(sleep, remaining))
        rounds += 1
        if batched:
            fetched, batched = settle_step(reader, detector_id, pending, summary_format)
        else:
            fetched = reader.get_many(detector_id, pending, summary_format)
        _fetch_into(states, fetched)
        pending = [i for i in pending if waiting_on(i)]
    stale = [i for i in pending if isinstance(states[i], Listed)]
    if stale:  # time is up: the last state of ids only seen in listings
        _fetch_into(states, reader.get_many(detector_id, stale, summary_format))
        pending = [i for i in pending if not _settled(states[i])]
    return WaitOutcome(states, pending, clock() - start, rounds, batched)
