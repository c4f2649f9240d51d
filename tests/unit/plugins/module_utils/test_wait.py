# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.wait import Listed
from ansible_collections.secops.guardduty.plugins.module_utils.wait import initial_states
from ansible_collections.secops.guardduty.plugins.module_utils.wait import wait_until_settled


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def pause(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class FakeReader:
    """Investigations that complete at given (virtual) times; counts the calls a wait makes."""

    def __init__(self, clock, done_at, visible_at=None, list_denied=False, final="COMPLETED"):
        self.clock = clock  # the wait's time, as an InvestigationReader carries it
        self.sleep = clock.pause
        self.done_at = done_at
        self.visible_at = visible_at or {}
        self.list_denied = list_denied
        self.final = final
        self.calls = {"list": 0, "get": 0}

    def state(self, iid):
        if self.clock() < self.visible_at.get(iid, 0):
            return GuardDutyError(f"Investigation {iid} was not found", reason="missing")
        status = self.final if self.clock() >= self.done_at[iid] else "RUNNING"
        return {"InvestigationId": iid, "Status": status}

    def running_ids(self, detector_id):
        self.calls["list"] += 1
        if self.list_denied:
            raise GuardDutyError("Access denied calling ListInvestigations", reason="denied")
        return {i for i in self.done_at if self.clock() >= self.visible_at.get(i, 0) and self.clock() < self.done_at[i]}

    def get_many(self, detector_id, ids, summary_format):
        self.calls["get"] += len(ids)
        return {i: self.state(i) for i in ids}


def start(reader, ids):
    return {i: reader.state(i) for i in ids}


def test_batched_wait_costs_rounds_plus_n_calls():
    clock = Clock()
    done_at = {f"id{n}": 10 * (n + 1) for n in range(20)}  # staggered: 10 s .. 200 s
    reader = FakeReader(clock, done_at)
    outcome = wait_until_settled(reader, "det", start(reader, done_at), "text", 900, 5)
    assert outcome.pending == []
    assert all(s["Status"] == "COMPLETED" for s in outcome.states.values())
    assert outcome.rounds == 40  # last completion at 200 s, 5 s apart
    assert reader.calls == {"list": 40, "get": 20}  # each id fetched once, when it left RUNNING
    assert outcome.elapsed - 200 <= 5  # answer within one wait_sleep of the last completion


def test_single_id_is_polled_directly():
    clock = Clock()
    reader = FakeReader(clock, {"only": 12})
    outcome = wait_until_settled(reader, "det", start(reader, ["only"]), "text", 60, 5)
    assert outcome.states["only"]["Status"] == "COMPLETED"
    assert reader.calls == {"list": 0, "get": 3}
    assert outcome.batched is False


def test_denied_listing_falls_back_to_per_id_polling():
    clock = Clock()
    reader = FakeReader(clock, {"a": 10, "b": 20}, list_denied=True)
    outcome = wait_until_settled(reader, "det", start(reader, ["a", "b"]), "text", 60, 5)
    assert outcome.pending == []
    assert reader.calls["list"] == 1  # tried once, then per id
    assert outcome.batched is False


def test_other_listing_errors_end_the_wait():
    clock = Clock()
    reader = FakeReader(clock, {"a": 10, "b": 20})

    def broken(detector_id):
        raise GuardDutyError("Failed to call ListInvestigations", reason="api")

    reader.running_ids = broken
    with pytest.raises(GuardDutyError, match="Failed to call ListInvestigations"):
        wait_until_settled(reader, "det", start(reader, ["a", "b"]), "text", 60, 5)


def test_timeout_never_sleeps_past_the_deadline():
    clock = Clock()
    reader = FakeReader(clock, {"a": 1000, "b": 5})
    outcome = wait_until_settled(reader, "det", start(reader, ["a", "b"]), "text", 12, 5)
    assert clock.sleeps == [5, 5, 2]
    assert outcome.pending == ["a"]
    assert outcome.states["b"]["Status"] == "COMPLETED"
    assert outcome.elapsed == 12


def test_not_yet_visible_ids_are_polled_until_they_appear():
    clock = Clock()
    reader = FakeReader(clock, {"new": 20}, visible_at={"new": 8})
    states = start(reader, ["new"])
    assert isinstance(states["new"], GuardDutyError)
    outcome = wait_until_settled(reader, "det", states, "text", 60, 5)
    assert outcome.states["new"]["Status"] == "COMPLETED"


def test_settled_ids_cost_nothing():
    clock = Clock()
    reader = FakeReader(clock, {"a": 0, "b": 0})
    outcome = wait_until_settled(reader, "det", start(reader, ["a", "b"]), "text", 60, 5)
    assert outcome.rounds == 0 and clock.sleeps == []
    assert reader.calls == {"list": 0, "get": 0}


def test_access_denied_while_fetching_ends_the_wait():
    clock = Clock()
    reader = FakeReader(clock, {"a": 10})
    reader.get_many = lambda det, ids, fmt: {i: GuardDutyError("Access denied", reason="denied") for i in ids}
    with pytest.raises(GuardDutyError, match="Access denied"):
        wait_until_settled(reader, "det", {"a": {"InvestigationId": "a", "Status": "RUNNING"}}, "text", 60, 5)


def test_first_look_lists_once_and_fetches_only_ids_not_running():
    clock = Clock()
    clock.now = 15.0
    done_at = {f"id{n}": 10 * (n + 1) for n in range(20)}  # id0 done at 10 s: already settled at 15 s
    reader = FakeReader(clock, done_at)
    states, batched = initial_states(reader, "det", list(done_at), "text")
    assert batched is True
    assert list(states) == list(done_at)  # order kept
    assert reader.calls == {"list": 1, "get": 1}
    assert states["id0"]["Status"] == "COMPLETED"
    assert all(isinstance(states[i], Listed) for i in list(done_at)[1:])


def test_wait_from_the_first_look_costs_rounds_plus_n_calls():
    clock = Clock()
    done_at = {f"id{n}": 10 * (n + 1) for n in range(20)}
    reader = FakeReader(clock, done_at)
    states, dummy = initial_states(reader, "det", list(done_at), "text")
    outcome = wait_until_settled(reader, "det", states, "text", 900, 5)
    assert outcome.pending == []
    assert not any(isinstance(s, Listed) for s in outcome.states.values())
    assert reader.calls == {"list": 1 + outcome.rounds, "get": 20}  # each id fetched once, after it left RUNNING
    assert outcome.rounds == 40


def test_first_look_without_permission_to_list_fetches_every_id():
    clock = Clock()
    reader = FakeReader(clock, {"a": 10, "b": 20}, list_denied=True)
    states, batched = initial_states(reader, "det", ["a", "b"], "text")
    assert batched is False
    assert reader.calls == {"list": 1, "get": 2}
    outcome = wait_until_settled(reader, "det", states, "text", 60, 5, batched=batched)
    assert outcome.pending == []
    assert reader.calls["list"] == 1  # not tried again
    assert reader.calls["get"] == 2 + 2 + 2 + 1 + 1  # first look; a and b at 5 s and 10 s (a done); b at 15 s and 20 s (done)


def test_ids_only_listed_get_their_last_state_at_the_deadline():
    clock = Clock()
    reader = FakeReader(clock, {"a": 1000, "b": 1000})
    states, dummy = initial_states(reader, "det", ["a", "b"], "text")
    assert reader.calls == {"list": 1, "get": 0}
    outcome = wait_until_settled(reader, "det", states, "text", 12, 5)
    assert outcome.pending == ["a", "b"]
    assert clock.sleeps == [5, 5, 2]
    assert reader.calls == {"list": 4, "get": 2}  # one GetInvestigation each, once the time was up
    assert not any(isinstance(s, Listed) for s in outcome.states.values())


def test_not_yet_visible_ids_are_fetched_until_they_appear_in_a_batched_wait():
    clock = Clock()
    reader = FakeReader(clock, {"new": 20, "old": 10}, visible_at={"new": 8})
    states, dummy = initial_states(reader, "det", ["new", "old"], "text")
    assert isinstance(states["new"], GuardDutyError) and isinstance(states["old"], Listed)
    outcome = wait_until_settled(reader, "det", states, "text", 60, 5)
    assert outcome.pending == []
    assert outcome.states["new"]["Status"] == "COMPLETED"


def test_access_denied_to_an_id_known_only_from_a_listing_settles_it_for_the_callers_policy():
    clock = Clock()
    reader = FakeReader(clock, {"a": 10, "b": 10})
    states, dummy = initial_states(reader, "det", ["a", "b"], "text")
    real = reader.get_many
    reader.get_many = lambda det, ids, fmt: {i: (GuardDutyError("Access denied", reason="denied") if i == "b" else real(det, [i], fmt)[i]) for i in ids}
    outcome = wait_until_settled(reader, "det", states, "text", 60, 5)
    assert outcome.pending == []
    assert outcome.states["a"]["Status"] == "COMPLETED"
    assert outcome.states["b"].reason == "denied"


def test_an_id_that_stays_not_found_is_given_up_after_the_grace():
    clock = Clock()
    reader = FakeReader(clock, {"typo": 10**9, "real": 40}, visible_at={"typo": 10**9})
    states = start(reader, ["typo", "real"])
    outcome = wait_until_settled(reader, "det", states, "text", 900, 5, not_found_grace=30)
    assert isinstance(outcome.states["typo"], GuardDutyError) and outcome.states["typo"].reason == "missing"
    assert outcome.states["real"]["Status"] == "COMPLETED"
    assert outcome.pending == []
    assert outcome.elapsed == 40  # not wait_timeout: the typo stopped being polled after 30 s


def test_a_lone_unknown_id_fails_fast():
    clock = Clock()
    reader = FakeReader(clock, {"typo": 10**9}, visible_at={"typo": 10**9})
    outcome = wait_until_settled(reader, "det", start(reader, ["typo"]), "text", 900, 5, not_found_grace=30)
    assert outcome.elapsed == 30
    assert reader.calls["get"] == 6  # one poll a round, 5 s apart, for 30 s
