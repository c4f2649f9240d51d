# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The start module's batch mode (triage.py): the decision engine on a stubbed client."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils import client as client_mod
from ansible_collections.amazon.aws.plugins.module_utils.botocore import botocore_at_least

from ansible_collections.secops.guardduty.plugins.module_utils.client import BOTOCORE_RICH
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader
from ansible_collections.secops.guardduty.plugins.module_utils.start import derive_client_token
from ansible_collections.secops.guardduty.plugins.module_utils.start import start
from ansible_collections.secops.guardduty.plugins.module_utils.triage import BatchFinding
from ansible_collections.secops.guardduty.plugins.module_utils.triage import batch_findings
from ansible_collections.secops.guardduty.plugins.module_utils.triage import plan_units
from ansible_collections.secops.guardduty.plugins.module_utils.triage import started_within
from ansible_collections.secops.guardduty.plugins.module_utils.triage import triage

from .conftest import DETECTOR

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
DAY = 86400
ACCOUNT = "123456789012"
MEMBER = "111122223333"
OTHER = "444455556666"
SORTED = {"AttributeName": "START_TIME", "OrderBy": "DESC"}
STATES = ("investigated", "covered", "reused", "deferred")


def fid(n):
    return f"{n:032x}"


def iid(n):
    return f"{n:08x}-0000-4000-8000-000000000000"


def at(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)


def finding(n, severity, account=ACCOUNT, updated=NOW - 600):
    """A finding as the secops.guardduty.findings source emits it (normalised), with attacker text around."""
    return {"id": fid(n), "severity": severity, "account_id": account, "updated_at": at(updated).isoformat(), "title": "{{ lookup('pipe', 'id') }}"}


def summary(n, prompt, status="COMPLETED", started=NOW - 60, **extra):
    item = {"InvestigationId": iid(n), "Status": status, "TriggerPrompt": prompt}
    if started is not None:
        item["StartTime"] = at(started)
    item.update(extra)
    return item


def expect_listing(stub, *pages):
    """ListInvestigations, newest first, page by page (a page is a list of summaries)."""
    pages = pages or ([],)
    for index, page in enumerate(pages):
        params = {"DetectorId": DETECTOR, "SortCriteria": SORTED, "MaxResults": 50}
        if index:
            params["NextToken"] = f"page{index}"
        response = {"Investigations": page}
        if index + 1 < len(pages):
            response["NextToken"] = f"page{index + 1}"
        stub.add_response("list_investigations", response, params)


def expect_recount(stub, summaries=()):
    """The count before every start but the first: one listing of the last 24 hours, newest first."""
    stub.add_response("list_investigations", {"Investigations": list(summaries)}, {"DetectorId": DETECTOR, "SortCriteria": SORTED, "MaxResults": 50})


def expect_starts(stub, numbers, shown=(), refuse_last=False):
    """CreateInvestigation for the findings ``numbers`` in this order, each after the first preceded by a count that
    shows ``shown`` and what the run started so far. With ``refuse_last`` the last one is refused for the quota."""
    done = []
    for index, n in enumerate(numbers):
        if index:
            expect_recount(stub, [summary(m, f"Investigate finding {fid(m)}", "RUNNING", started=NOW) for m in done] + list(shown))
        if refuse_last and index == len(numbers) - 1:
            expect_refusal(stub, f"Investigate finding {fid(n)}")
        else:
            expect_create(stub, f"Investigate finding {fid(n)}", iid(n))
            done.append(n)


def expect_create(stub, prompt, investigation_id, failed=()):
    token = derive_client_token(DETECTOR, prompt, DAY, NOW, failed)
    stub.add_response("create_investigation", {"InvestigationId": investigation_id}, {"DetectorId": DETECTOR, "TriggerPrompt": prompt, "ClientToken": token})


def expect_refusal(stub, prompt, code="BadRequestException", message="The daily investigation quota (10 per account) is exceeded.", status=400):
    token = derive_client_token(DETECTOR, prompt, DAY, NOW)
    stub.add_client_error(
        "create_investigation", code, message, status, expected_params={"DetectorId": DETECTOR, "TriggerPrompt": prompt, "ClientToken": token}
    )


def run_triage(client, findings, check_mode=False, warnings=None, **opts):
    warnings = [] if warnings is None else warnings
    opts.setdefault("detector_id", DETECTOR)
    opts["findings"] = findings
    return triage(InvestigationReader(client, region="us-east-1", concurrency=1), opts, check_mode, warnings.append, now=NOW)


def by_finding(result):
    return {d["finding_id"]: d for d in result["decisions"]}


def assert_one_state_each(result, findings):
    ids = [d["finding_id"] for d in result["decisions"]]
    assert sorted(ids) == sorted({f["id"] if isinstance(f, dict) else f for f in findings})
    assert all(d["state"] in STATES for d in result["decisions"])
    assert sum(result["counts"].values()) == len(ids)


def burst():
    """15 findings: 12 of severity 7.5 (finding 1 the oldest), then 3 Critical arriving last."""
    high = [finding(n, 7.5, updated=NOW - 600 + n) for n in range(1, 13)]
    critical = [finding(n, 9.5, updated=NOW - 300 + n) for n in range(13, 16)]
    return high + critical


# ---------------------------------------------------------------- the batch (no API call)


def test_a_batch_is_ordered_by_severity_then_newest():
    findings = batch_findings(
        [
            fid(1),  # an id alone: no severity, so last
            finding(2, 7.5, updated=NOW - 100),
            {"type": "finding", "finding": finding(3, 9.0, updated=NOW - 500), "detector_id": DETECTOR},  # an event of the source
            finding(4, 7.5, updated=NOW - 50),
            {"finding_id": fid(5).upper(), "severity": "8.2"},  # a number as text (templated), an upper-case id
        ]
    )
    assert [f.finding_id for f in findings] == [fid(3), fid(5), fid(4), fid(2), fid(1)]
    assert findings[0].as_result() == {"finding_id": fid(3), "severity": 9.0, "account_id": ACCOUNT, "updated_at": at(NOW - 500).isoformat()}
    assert findings[-1].as_result() == {"finding_id": fid(1), "severity": None, "account_id": None, "updated_at": None}


def test_a_finding_given_twice_counts_once_with_its_highest_severity_and_newest_time():
    findings = batch_findings([finding(1, 7.0, updated=NOW - 900), finding(2, 8.0), fid(1), finding(1, 9.0, account=None, updated=NOW - 10)])
    assert [f.finding_id for f in findings] == [fid(1), fid(2)]
    assert (findings[0].severity, findings[0].updated_at, findings[0].account_id) == (9.0, NOW - 10, ACCOUNT)


@pytest.mark.parametrize(
    "items, message",
    [
        ("abc", "findings must be a list, got str"),
        ([42], "findings[0] is not a finding (int 42): give a finding id"),
        ([fid(1), "nothex"], "Invalid findings[1] 'nothex': a GuardDuty finding id is 32 hexadecimal characters"),
        ([{"severity": 8}], "findings[0] has no id: give a finding id"),
        ([{"finding": {"severity": 8}}], "findings[0].finding has no id"),
        ([{"id": fid(1), "severity": 11}], "findings[0].severity must be a number from 0 to 10 (GuardDuty's scale), got 11"),
        ([{"id": fid(1), "severity": "high"}], "findings[0].severity must be a number from 0 to 10"),
        ([{"id": fid(1), "severity": True}], "findings[0].severity must be a number from 0 to 10"),
        ([{"id": fid(1), "account_id": "12345"}], "Invalid findings[0].account_id '12345': an AWS account id is exactly 12 digits"),
        ([{"id": fid(1), "updated_at": "yesterday"}], "findings[0].updated_at is not a time (ISO-8601 or epoch seconds): 'yesterday'"),
    ],
)
def test_a_bad_batch_fails_naming_the_element(items, message):
    with pytest.raises(GuardDutyError) as exc:
        batch_findings(items)
    assert exc.value.reason == "invalid"
    assert exc.value.message.startswith(message), exc.value.message


@pytest.mark.parametrize(
    "opts, message",
    [
        ({"finding_id": fid(1)}, "findings (a batch) cannot be combined with finding_id"),
        ({"organization": True, "client_token": "INC-1"}, "findings (a batch) cannot be combined with organization and client_token"),
        ({"wait": True}, "wait applies to a single investigation; a batch returns its decisions without waiting"),
        ({"include_records": True}, "include_records applies to a single investigation"),
        ({"daily_budget": -1}, "daily_budget must be a whole number, 0 or more, got -1"),
        ({"group_threshold": "3"}, "group_threshold must be a whole number, 0 or more, got '3'"),
        ({"reuse_window": -5}, "reuse_window must be a whole number, 0 or more, got -5"),
    ],
)
def test_bad_batch_options_fail_before_any_call(stubbed, opts, message):
    client, stub = stubbed  # nothing stubbed: any call fails the test
    with pytest.raises(GuardDutyError) as exc:
        run_triage(client, [fid(1)], **opts)
    assert exc.value.reason == "invalid"
    assert exc.value.message.startswith(message), exc.value.message
    stub.assert_no_pending_responses()


def test_batch_settings_without_a_batch_are_refused(stubbed):
    client, _stub = stubbed
    with pytest.raises(GuardDutyError) as exc:
        start(InvestigationReader(client), {"organization": True, "detector_id": DETECTOR, "daily_budget": 5}, False, print, now=NOW)
    assert exc.value.message.startswith("daily_budget only applies to a batch of findings (the findings option)")


def test_the_budget_counts_what_started_in_the_last_day_and_did_not_fail():
    summaries = [
        summary(1, "a", "RUNNING", started=NOW - 10),
        summary(2, "b", "COMPLETED", started=NOW - DAY),  # exactly 24 h ago: still counts
        summary(3, "c", "FAILED", started=NOW - 100),  # FAILED ones do not use quota
        summary(4, "d", "COMPLETED", started=NOW - DAY - 1),
        summary(5, "e", "RUNNING", started=None),  # running now
    ]
    assert started_within(summaries, NOW) == {iid(1), iid(2), iid(5)}


def test_groups_form_above_the_threshold_and_rank_by_their_highest_finding():
    findings = batch_findings(
        [finding(1, 5.0, MEMBER), finding(2, 5.0, MEMBER), finding(3, 9.0, MEMBER), finding(4, 8.0, OTHER), finding(5, 8.5, OTHER), finding(6, 4.0, None)]
    )
    units = plan_units(findings, {}, 2)
    assert [(u.kind, [f.finding_id for f in u.findings]) for u in units] == [
        ("ACCOUNT", [fid(3), fid(1), fid(2)]),  # three of MEMBER, more than 2
        ("FINDING", [fid(5)]),
        ("FINDING", [fid(4)]),
        ("FINDING", [fid(6)]),  # no account: never grouped
    ]
    assert units[0].question.prompt == f"Analyze findings in account with id {MEMBER}"
    # reused findings are not counted toward a group
    assert [u.kind for u in plan_units(findings, {fid(1): {}}, 2)] == ["FINDING"] * 5


# ---------------------------------------------------------------- the flow, on a stubbed client


def test_a_burst_spends_the_budget_on_the_critical_findings_first(stubbed):
    client, stub = stubbed
    expect_listing(stub)
    # the 3 Critical first (newest first), then the newest of the High ones, until 7 are started
    order = [15, 14, 13, 12, 11, 10, 9]
    expect_starts(stub, order)
    findings = burst()
    result = run_triage(client, findings, group_threshold=100)
    stub.assert_no_pending_responses()
    assert_one_state_each(result, findings)
    assert result["changed"] is True
    assert [d["finding_id"] for d in result["decisions"]][:7] == [fid(n) for n in order]
    decisions = by_finding(result)
    for n in order:
        assert decisions[fid(n)]["state"] == "investigated"
        assert (decisions[fid(n)]["investigation_id"], decisions[fid(n)]["investigation_type"]) == (iid(n), "FINDING")
    for n in range(1, 9):
        assert (decisions[fid(n)]["state"], decisions[fid(n)]["reason"], decisions[fid(n)]["investigation_id"]) == ("deferred", "budget", None)
    assert result["counts"] == {"investigated": 7, "covered": 0, "reused": 0, "deferred": 8}
    assert result["budget"] == {"daily_budget": 7, "started_last_24h": 0, "remaining": 0, "quota_refused": False}
    assert [i["investigation_id"] for i in result["investigations"]] == [iid(n) for n in order]
    assert "title" not in result["decisions"][0]  # nothing of a finding but its id, severity, account and time


def test_investigations_of_the_last_day_use_the_budget_and_older_pages_are_not_read(stubbed):
    client, stub = stubbed
    recent = [summary(90 + n, f"Analyze findings in account with id {OTHER}", started=NOW - 3600 * n) for n in range(1, 5)]
    failed = summary(95, "Investigate something", "FAILED", started=NOW - 7200)
    old = summary(96, "Investigate finding old", started=NOW - 2 * DAY)
    expect_listing(stub, recent[:2] + [failed], recent[2:] + [old])  # a third page would be older still: not asked for
    expect_starts(stub, [2, 1, 3], shown=recent + [failed, old])
    result = run_triage(client, [finding(n, 8.0 - n / 10) for n in range(1, 6)] + [finding(2, 9.0)], group_threshold=100)
    stub.assert_no_pending_responses()
    assert result["budget"]["started_last_24h"] == 4
    assert [d["state"] for d in result["decisions"]] == ["investigated"] * 3 + ["deferred"] * 2
    assert result["budget"]["remaining"] == 0


def test_a_quota_refusal_ends_the_starts_of_the_run(stubbed):
    client, stub = stubbed
    expect_listing(stub)
    expect_starts(stub, [5, 4, 3], refuse_last=True)
    # no further CreateInvestigation is stubbed: one more would fail the test
    warnings = []
    result = run_triage(client, [finding(n, 7.0 + n / 10) for n in range(1, 6)], warnings=warnings, group_threshold=100)
    stub.assert_no_pending_responses()
    assert [(d["finding_id"], d["state"], d.get("reason")) for d in result["decisions"]] == [
        (fid(5), "investigated", None),
        (fid(4), "investigated", None),
        (fid(3), "deferred", "quota"),
        (fid(2), "deferred", "quota"),
        (fid(1), "deferred", "quota"),
    ]
    assert result["changed"] is True
    assert result["budget"]["quota_refused"] is True
    assert result["budget"]["remaining"] == 5
    assert "the investigation quota is used up" in result["budget"]["quota_message"]
    assert len(warnings) == 1 and "deferred (reason quota)" in warnings[0] and f"detector {DETECTOR}" in warnings[0]


def test_more_findings_of_one_account_than_the_threshold_get_one_account_investigation(stubbed):
    client, stub = stubbed
    expect_listing(stub)
    expect_create(stub, f"Investigate finding {fid(9)}", iid(9))  # the Critical one of another account ranks first
    expect_recount(stub, [summary(9, f"Investigate finding {fid(9)}", "RUNNING", started=NOW)])
    expect_create(stub, f"Analyze findings in account with id {MEMBER}", iid(100))
    findings = [finding(n, 7.0 + n / 10, MEMBER) for n in range(1, 9)] + [finding(9, 9.5, OTHER)]
    result = run_triage(client, findings)
    stub.assert_no_pending_responses()
    assert_one_state_each(result, findings)
    decisions = by_finding(result)
    assert decisions[fid(9)]["state"] == "investigated"
    for n in range(1, 9):
        assert (decisions[fid(n)]["state"], decisions[fid(n)]["investigation_id"], decisions[fid(n)]["investigation_type"]) == ("covered", iid(100), "ACCOUNT")
    account = result["investigations"][1]
    assert (account["investigation_type"], account["account_id"], account["reused"]) == ("ACCOUNT", MEMBER, False)
    assert account["finding_ids"] == [fid(n) for n in range(8, 0, -1)]
    assert result["budget"]["remaining"] == 5


def test_what_another_runner_starts_meanwhile_counts_before_each_start(stubbed):
    client, stub = stubbed
    expect_listing(stub)
    expect_create(stub, f"Investigate finding {fid(4)}", iid(4))
    # a second runner started two investigations since the listing; this run's own is not visible yet
    expect_recount(stub, [summary(50, f"Investigate finding {fid(50)}", "RUNNING", started=NOW), summary(51, "Analyze findings in my organization", "RUNNING")])
    expect_create(stub, f"Investigate finding {fid(3)}", iid(3))
    # now it shows this run's first one (counted once, by id) and one more of the other runner: 5 of 5 are used
    expect_recount(stub, [summary(4, f"Investigate finding {fid(4)}", "RUNNING")] + [summary(n, f"other {n}", "RUNNING") for n in (50, 51, 52)])
    # no further listing, no further start
    result = run_triage(client, [finding(n, 7.0 + n / 10) for n in range(1, 5)], daily_budget=5, group_threshold=100)
    stub.assert_no_pending_responses()
    assert [(d["finding_id"], d["state"], d.get("reason")) for d in result["decisions"]] == [
        (fid(4), "investigated", None),
        (fid(3), "investigated", None),
        (fid(2), "deferred", "budget"),
        (fid(1), "deferred", "budget"),
    ]
    assert result["budget"] == {"daily_budget": 5, "started_last_24h": 0, "remaining": 0, "quota_refused": False}


def test_exactly_the_threshold_is_not_grouped(stubbed):
    client, stub = stubbed
    expect_listing(stub)
    expect_starts(stub, [3, 2, 1])
    result = run_triage(client, [finding(n, 7.0 + n / 10, MEMBER) for n in range(1, 4)])
    stub.assert_no_pending_responses()
    assert result["counts"]["investigated"] == 3


def test_reuse_costs_nothing_and_existing_account_investigations_cover(stubbed):
    client, stub = stubbed
    expect_listing(
        stub,
        [
            # botocore 1.44.2 lists an investigation's finding (reused whatever its prompt); an older one only its prompt
            summary(1, "Investigate finding in the console", FindingId=fid(1), InvestigationType="FINDING") if botocore_at_least(BOTOCORE_RICH)
            else summary(1, f"Investigate finding {fid(1)}"),
            summary(2, f"Analyze findings in account with id {MEMBER}", "RUNNING", started=NOW - 3600),
            summary(3, f"Investigate finding {fid(6)}", "FAILED", started=NOW - 60),
        ],
    )
    expect_create(stub, f"Investigate finding {fid(6)}", iid(6), failed=[iid(3)])  # a new token after the FAILED attempt
    findings = [finding(1, 9.0)] + [finding(n, 8.0, MEMBER) for n in range(2, 6)] + [finding(6, 7.0)]
    result = run_triage(client, findings, daily_budget=3)
    stub.assert_no_pending_responses()
    decisions = by_finding(result)
    assert (decisions[fid(1)]["state"], decisions[fid(1)]["investigation_id"]) == ("reused", iid(1))
    assert {decisions[fid(n)]["state"] for n in range(2, 6)} == {"covered"}
    assert {decisions[fid(n)]["investigation_id"] for n in range(2, 6)} == {iid(2)}
    assert decisions[fid(6)]["state"] == "investigated"
    # started_last_24h counts the two existing ones (not the FAILED one): 3 - 2 leaves room for exactly one start
    assert result["budget"] == {"daily_budget": 3, "started_last_24h": 2, "remaining": 0, "quota_refused": False}
    assert [(i["investigation_id"], i["reused"]) for i in result["investigations"]] == [(iid(1), True), (iid(2), True), (iid(6), False)]


def test_check_mode_decides_without_starting_anything(stubbed):
    client, stub = stubbed
    expect_listing(stub, [summary(1, f"Investigate finding {fid(1)}", "RUNNING")])
    findings = burst()
    result = run_triage(client, findings, check_mode=True, group_threshold=100)
    stub.assert_no_pending_responses()  # no CreateInvestigation: the Stubber would refuse it
    assert result["changed"] is True  # it would start six
    assert result["counts"] == {"investigated": 6, "covered": 0, "reused": 1, "deferred": 8}
    decisions = by_finding(result)
    assert (decisions[fid(1)]["state"], decisions[fid(1)]["investigation_id"]) == ("reused", iid(1))
    assert [d["finding_id"] for d in result["decisions"] if d["state"] == "investigated"] == [fid(n) for n in (15, 14, 13, 12, 11, 10)]
    assert all(d["investigation_id"] is None for d in result["decisions"] if d["state"] == "investigated")
    planned = [i for i in result["investigations"] if not i["reused"]]
    assert planned[0]["client_token"] == derive_client_token(DETECTOR, f"Investigate finding {fid(15)}", DAY, NOW)


def test_a_budget_of_zero_starts_nothing(stubbed):
    client, stub = stubbed
    expect_listing(stub)
    result = run_triage(client, [finding(1, 9.0), fid(2)], daily_budget=0)
    assert [(d["state"], d["reason"]) for d in result["decisions"]] == [("deferred", "budget")] * 2
    assert result["changed"] is False


def test_another_refusal_fails_with_what_was_started_and_the_rest_deferred(stubbed):
    client, stub = stubbed
    expect_listing(stub)
    expect_create(stub, f"Investigate finding {fid(3)}", iid(3))
    expect_recount(stub)  # the new investigation not visible yet: still counted, by its id
    expect_refusal(stub, f"Investigate finding {fid(2)}", code="AccessDeniedException", message="not authorized", status=403)
    detector = {"ServiceRole": "x", "Status": "ENABLED", "Features": [{"Name": "AI_ANALYST", "Status": "ENABLED"}]}
    stub.add_response("get_detector", detector, {"DetectorId": DETECTOR})
    with pytest.raises(GuardDutyError) as exc:
        run_triage(client, [finding(n, 7.0 + n / 10) for n in range(1, 4)])
    stub.assert_no_pending_responses()
    assert exc.value.reason == "denied"
    assert exc.value.message.startswith(f"GuardDuty refused to start the investigation on detector {DETECTOR} in us-east-1: access denied")
    kept = exc.value.kwargs
    assert kept["changed"] is True
    assert [(d["state"], d.get("reason")) for d in kept["decisions"]] == [("investigated", None), ("deferred", "error"), ("deferred", "error")]
    assert kept["decisions"][0]["investigation_id"] == iid(3)


def test_an_empty_batch_decides_nothing_and_calls_nothing(stubbed):
    client, stub = stubbed
    result = run_triage(client, [])
    stub.assert_no_pending_responses()
    assert result["decisions"] == [] and result["changed"] is False
    assert result["counts"] == {"investigated": 0, "covered": 0, "reused": 0, "deferred": 0}


def test_untrusted_listing_items_are_ignored(stubbed):
    client, stub = stubbed
    # data from the API: an item without an id is dropped rather than crashing the run
    expect_listing(stub, [{"Status": "RUNNING", "TriggerPrompt": f"Investigate finding {fid(1)}"}])
    expect_create(stub, f"Investigate finding {fid(1)}", iid(1))
    result = run_triage(client, [fid(1)])
    assert result["budget"]["started_last_24h"] == 0
    assert result["decisions"][0]["state"] == "investigated"


def test_throttling_and_server_errors_of_a_start_are_still_retried(stubbed, monkeypatch):
    client, stub = stubbed
    sleeps = []
    monkeypatch.setattr(client_mod.RetryBackoff, "sleep", staticmethod(sleeps.append))  # the retries' backoff, without waiting
    expect_listing(stub)
    prompt = f"Investigate finding {fid(1)}"
    token = derive_client_token(DETECTOR, prompt, DAY, NOW)
    params = {"DetectorId": DETECTOR, "TriggerPrompt": prompt, "ClientToken": token}
    stub.add_client_error("create_investigation", "ThrottlingException", "Rate exceeded", 429, expected_params=params)
    stub.add_client_error("create_investigation", "InternalServerErrorException", "oops", 500, expected_params=params)
    stub.add_response("create_investigation", {"InvestigationId": iid(1)}, params)  # the same token every time
    result = run_triage(client, [finding(1, 8.0)])
    stub.assert_no_pending_responses()
    assert (result["decisions"][0]["state"], result["decisions"][0]["investigation_id"]) == ("investigated", iid(1))
    assert len(sleeps) == 2 and result["budget"]["quota_refused"] is False


def test_batch_finding_priority_puts_unknown_severity_last():
    assert sorted([BatchFinding(fid(1)), BatchFinding(fid(2), 1.0)], key=BatchFinding.priority)[0].finding_id == fid(2)
