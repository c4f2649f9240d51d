# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The behaviour benchmarks/run.py relies on, asserted by API calls (never by timings): one client and bounded
concurrency for many ids, one ListDetectors per lookup call, and waiting that costs about rounds + N calls.
"""

from __future__ import annotations

import time

from gdemu import scenarios as sc
from gdplay import info_play
from gdplay import playbook
from gdplay import task

LOOKUP = "secops.guardduty.guardduty_investigation"
CONN = "endpoint_url=gd_endpoint, region=gd_region"


def ids_of(n):
    return [sc.many_id(i) for i in range(n)]


def per_id(calls, operation):
    counts = {}
    for call in calls:
        if call["operation"] == operation:
            counts[call["investigation_id"]] = counts.get(call["investigation_id"], 0) + 1
    return counts


def test_bulk_get_of_100_ids_is_one_call_each_on_one_bounded_pool(play, guardduty_emulator):
    guardduty_emulator.load(sc.many(100))
    ids = ids_of(100)
    run = play(info_play({"investigation_ids": ids, "concurrency": 4}))
    assert run.rc == 0, run
    assert [i["investigation_id"] for i in run.result("info")["investigations"]] == ids
    assert guardduty_emulator.count("ListDetectors") == 1
    assert guardduty_emulator.count("GetInvestigation") == 100
    assert per_id(guardduty_emulator.calls(), "GetInvestigation") == {i: 1 for i in ids}
    assert guardduty_emulator.count() == 101
    # one client, one connection pool: connections are kept alive and reused, never more than `concurrency`
    # at once; more than one shows the ids were fetched concurrently
    assert 1 < guardduty_emulator.connections_accepted <= 4


def test_default_concurrency_bounds_the_connections(play, guardduty_emulator):
    guardduty_emulator.load(sc.many(40))
    run = play(info_play({"investigation_ids": ids_of(40), "detector_id": sc.DETECTOR_ID}))
    assert run.rc == 0, run
    assert guardduty_emulator.count("GetInvestigation") == 40
    assert 1 < guardduty_emulator.connections_accepted <= 8  # the option's default


def test_lookup_of_50_ids_is_one_call_with_one_list_detectors(play, guardduty_emulator):
    guardduty_emulator.load(sc.many(50))
    ids = ids_of(50)
    expression = "{{ query('" + LOOKUP + "', gd_ids, " + CONN + ") | map(attribute='investigation_id') | list }}"
    run = play(playbook(task("lookup", "ansible.builtin.debug", {"msg": expression})), extra_vars={"gd_ids": ids})
    assert run.rc == 0, run
    assert run.result("lookup")["msg"] == ids
    assert guardduty_emulator.count("ListDetectors") == 1
    assert per_id(guardduty_emulator.calls(), "GetInvestigation") == {i: 1 for i in ids}
    assert 1 < guardduty_emulator.connections_accepted <= 8


def test_waiting_on_20_staggered_costs_rounds_plus_n_calls(play, guardduty_emulator):
    n, first, step, sleep = 20, 3.0, 0.25, 1
    loaded = time.time()
    guardduty_emulator.load(sc.staggered(n, first, step))
    ids = ids_of(n)
    run = play(info_play({"investigation_ids": ids, "detector_id": sc.DETECTOR_ID, "wait": True, "wait_sleep": sleep, "wait_timeout": 60,
                          "allow_failed": True}))
    assert run.rc == 0, run
    result = run.result("info")["investigations"]
    assert [i["investigation_id"] for i in result] == ids
    assert {i["status"] for i in result} == {"COMPLETED", "FAILED"}

    calls = guardduty_emulator.calls()
    listings = [c for c in calls if c["operation"] == "ListInvestigations"]
    # every listing asks for the RUNNING ones only; 20 fit on one page, so listings == first look + rounds
    assert all(c["status"] == 200 for c in listings)
    # each id fetched exactly once, and only after it left RUNNING
    assert per_id(calls, "GetInvestigation") == {i: 1 for i in ids}
    done_at = {sc.many_id(k): loaded + first + step * k for k in range(n)}
    assert all(c["time"] >= done_at[c["investigation_id"]] for c in calls if c["operation"] == "GetInvestigation")
    # rounds + N: nothing else was called
    assert len(calls) == len(listings) + n
    # the wait noticed the last completion in the very next round
    last = max(done_at.values())
    assert len([c for c in listings if c["time"] > last]) == 1


def test_waiting_falls_back_to_per_id_polling_when_listing_is_denied(play, guardduty_emulator):
    n, first, step = 20, 5.0, 0.1  # the playbook waits before the last completes (5 s + 1.9 s), even on a busy machine
    guardduty_emulator.load(sc.staggered(n, first, step, denied=True))
    ids = ids_of(n)
    run = play(info_play({"investigation_ids": ids, "detector_id": sc.DETECTOR_ID, "wait": True, "wait_sleep": 1, "wait_timeout": 60,
                          "allow_failed": True}))
    assert run.rc == 0, run
    result = run.result("info")["investigations"]
    assert [i["investigation_id"] for i in result] == ids
    assert "RUNNING" not in {i["status"] for i in result}
    assert guardduty_emulator.count("ListInvestigations") == 1  # tried once, denied, not tried again
    gets = per_id(guardduty_emulator.calls(), "GetInvestigation")
    assert set(gets) == set(ids)
    assert sum(gets.values()) > n  # polled per id and round


def test_lookup_waits_batched_too(play, guardduty_emulator):
    n = 5
    guardduty_emulator.load(sc.staggered(n, 2.0, 0.25))
    ids = ids_of(n)
    expression = "{{ query('" + LOOKUP + "', gd_ids, " + CONN + ", wait=true, wait_sleep=1, allow_failed=true) | map(attribute='status') | list }}"
    run = play(playbook(task("lookup", "ansible.builtin.debug", {"msg": expression})), extra_vars={"gd_ids": ids})
    assert run.rc == 0, run
    assert "RUNNING" not in run.result("lookup")["msg"]
    calls = guardduty_emulator.calls()
    assert per_id(calls, "GetInvestigation") == {i: 1 for i in ids}
    assert len(calls) == 1 + guardduty_emulator.count("ListInvestigations") + n  # ListDetectors, rounds, N


def test_batched_wait_keeps_on_denied_for_ids_only_seen_running(play, guardduty_emulator):
    scenario = sc.staggered(3, 6.0, 0.5)  # the first completes 6 s after the load: the playbook has started by then, even on a busy machine
    scenario["investigations"][1]["denied"] = True  # listed as RUNNING, but GetInvestigation is denied
    ids = ids_of(3)
    query = "{{ query('" + LOOKUP + "', gd_ids, " + CONN + ", wait=true, wait_sleep=1, on_denied='%s') | map(attribute='investigation_id') | list }}"
    results = {}
    for policy in ("skip", "error"):
        guardduty_emulator.load(scenario)  # all three RUNNING when the lookup starts
        run = play(playbook(task(policy, "ansible.builtin.debug", {"msg": query % policy}, ignore_errors=True)), extra_vars={"gd_ids": ids})
        results[policy] = run.task(policy)
        assert per_id(guardduty_emulator.calls(), "GetInvestigation") == {i: 1 for i in ids}  # the denied one was first tried after it left RUNNING
    assert results["skip"]["status"] == "ok" and results["skip"]["result"]["msg"] == [ids[0], ids[2]]
    assert results["error"]["status"] == "failed" and "guardduty:GetInvestigation" in results["error"]["result"]["msg"]


def test_separate_lookups_reuse_one_client_only_for_the_same_credentials(play, guardduty_emulator):
    # a loop of lookups runs in one worker process: the same connection options give the same client (one kept-alive
    # connection for all of them); other credentials give their own client, and every call is signed with its own key
    guardduty_emulator.load(sc.many(6))
    ids = ids_of(6)
    other = "AKIAGDOTHERLOOKUPKEY0000000000000001"
    same = "{{ lookup('" + LOOKUP + "', item, " + CONN + ").investigation_id }}"
    switched = (
        "{{ lookup('" + LOOKUP + "', item, " + CONN + ", "
        "access_key=(gd_other if gd_ids.index(item) % 2 else lookup('env', 'AWS_ACCESS_KEY_ID')), "
        "secret_key=('gd-other-lookup-secret-that-never-occurs-in-data-0001' if gd_ids.index(item) % 2 "
        "else lookup('env', 'AWS_SECRET_ACCESS_KEY'))).investigation_id }}"
    )
    run = play(playbook(task("same", "ansible.builtin.debug", {"msg": same}, loop="{{ gd_ids }}")), extra_vars={"gd_ids": ids})
    assert run.rc == 0, run
    assert [r["msg"] for r in run.result("same")["results"]] == ids
    assert guardduty_emulator.count("ListDetectors") == 6 and guardduty_emulator.count("GetInvestigation") == 6
    assert guardduty_emulator.connections_accepted == 1  # one client for the six lookups, its connection kept alive

    guardduty_emulator.reset_log()
    accepted = guardduty_emulator.connections_accepted
    run = play(playbook(task("switched", "ansible.builtin.debug", {"msg": switched}, loop="{{ gd_ids }}")), extra_vars={"gd_ids": ids, "gd_other": other})
    assert run.rc == 0, run
    assert [r["msg"] for r in run.result("switched")["results"]] == ids
    keys = {call["investigation_id"]: call["access_key_id"] for call in guardduty_emulator.calls("GetInvestigation")}
    assert {keys[iid] for iid in ids[1::2]} == {other}
    assert len({keys[iid] for iid in ids[0::2]}) == 1 and keys[ids[0]] != other  # the environment's key
    assert guardduty_emulator.connections_accepted - accepted == 2  # one client (and connection) per set of credentials
