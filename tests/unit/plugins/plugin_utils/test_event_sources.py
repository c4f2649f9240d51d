# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The EDA sources' shared code: options, the two pollers (events, cost, faults, memory) and the run loop.

Every request goes through botocore's Stubber, which checks it against the service model and fails on any call
that was not queued: a queued response per expected call is also the cost assertion.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import threading

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.secops.guardduty.plugins.module_utils import client as client_mod
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.secops.guardduty.plugins.plugin_utils import event_sources as events
from ansible_collections.secops.guardduty.plugins.module_utils import options as options_mod
from ansible_collections.secops.guardduty.plugins.module_utils.client import PREVIEW_REGIONS
from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import NO_REGION_MESSAGE
from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import FINDINGS
from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import INVESTIGATIONS
from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import FindingPoller
from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import InvestigationPoller
from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import RegionalPoller
from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import check_source_options
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader
from ansible_collections.secops.guardduty.tests.unit.conftest import UNIT_ACCESS_KEY
from ansible_collections.secops.guardduty.tests.unit.conftest import UNIT_SECRET_KEY
from ansible_collections.secops.guardduty.tests.unit.sdk import needs_botocore_1_44_2


DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
T0 = 1_799_999_940.0  # the source starts here (epoch seconds), a minute before the findings below
LIST_PARAMS = {"DetectorId": DETECTOR, "SortCriteria": {"AttributeName": "START_TIME", "OrderBy": "DESC"}, "MaxResults": 50}
PROMPT = "Investigate finding 0123456789abcdef0123456789abcdef"


def at(seconds):
    return datetime.datetime.fromtimestamp(T0 + seconds, datetime.timezone.utc)


def iid(number):
    return f"{number:08x}-0000-4000-8000-{number:012x}"


def summary(number, status="RUNNING", start=-600, end=None, **extra):
    item = {"InvestigationId": iid(number), "Status": status, "TriggerPrompt": PROMPT, "StartTime": at(start)}
    if end is not None:
        item["EndTime"] = at(end)
    item.update(extra)
    return item


def full(number, status="COMPLETED", start=-600, end=-10, **extra):
    item = {
        "InvestigationId": iid(number),
        "Status": status,
        "TriggerPrompt": PROMPT,
        "TriggeredBy": "123456789012",
        "StartTime": at(start),
        "EndTime": at(end),
    }
    if status == "COMPLETED":
        item.update(RiskLevel="High", Confidence="High", Risk="Credential theft", Summary='{"keyObservations": {"title": "x"}}')
    if status == "FAILED":
        item["Error"] = "The finding type is not supported by investigation (preview)."
    item.update(extra)
    return item


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def no_backoff(monkeypatch):
    """The retries' backoff waits (client.RetryBackoff.sleep) are recorded instead of slept."""
    slept = []
    monkeypatch.setattr(client_mod.RetryBackoff, "sleep", staticmethod(slept.append))
    return slept


@pytest.fixture
def stubbed_reader(stubbed):
    client, stubber = stubbed
    return InvestigationReader(client, region="us-east-1", concurrency=1), stubber


def listing(stubber, items, token=None, next_token=None, detector=DETECTOR):
    params = dict(LIST_PARAMS, DetectorId=detector)
    if next_token:
        params["NextToken"] = next_token
    response = {"Investigations": items}
    if token:
        response["NextToken"] = token
    stubber.add_response("list_investigations", response, params)


def getting(stubber, raw, structured=False, detector=DETECTOR):
    params = {"DetectorId": detector, "InvestigationId": raw["InvestigationId"]}
    if structured:
        params["SummaryFormat"] = "STRUCTURED"
    stubber.add_response("get_investigation", {"Investigation": raw}, params)


def poller(reader, clock=None, **kwargs):
    return InvestigationPoller(reader, DETECTOR, clock=clock or Clock(), **kwargs)


def types(found):
    return [(event["type"], event["investigation"]["investigation_id"]) for event in found]


# ---------------------------------------------------------------- investigations: events


def test_running_at_start_is_watched_and_its_completion_reported_once_with_the_full_investigation(stubbed_reader):
    reader, stubber = stubbed_reader
    watcher = poller(reader)
    listing(stubber, [summary(1), summary(2, "COMPLETED", start=-7200, end=-7000)])
    assert watcher.poll() == []  # no lookback: neither the RUNNING one nor the old completion is an event
    listing(stubber, [summary(1, "COMPLETED", end=-5), summary(2, "COMPLETED", start=-7200, end=-7000)])
    getting(stubber, full(1, end=-5))
    found = watcher.poll()
    assert found == [
        {
            "type": "investigation_completed",
            "investigation": {
                "investigation_id": iid(1),
                "status": "COMPLETED",
                "trigger_prompt": PROMPT,
                "triggered_by": "123456789012",
                "start_time": at(-600).isoformat(),
                "end_time": at(-5).isoformat(),
                "risk_level": "High",
                "confidence": "High",
                "risk": "Credential theft",
                "summary": '{"keyObservations": {"title": "x"}}',
                "summary_parsed": {"keyObservations": {"title": "x"}},
            },
            "detector_id": DETECTOR,
            "region": "us-east-1",
        }
    ]
    listing(stubber, [summary(1, "COMPLETED", end=-5), summary(2, "COMPLETED", start=-7200, end=-7000)])
    assert watcher.poll() == []  # the same completion is never reported twice (and not fetched again)
    stubber.assert_no_pending_responses()


def test_new_investigation_gives_started_then_completed(stubbed_reader):
    reader, stubber = stubbed_reader
    clock = Clock()
    watcher = poller(reader, clock)
    listing(stubber, [])
    assert watcher.poll() == []
    listing(stubber, [summary(3, start=5)])
    started = watcher.poll()
    assert types(started) == [("investigation_started", iid(3))]
    assert started[0]["investigation"] == {"investigation_id": iid(3), "status": "RUNNING", "trigger_prompt": PROMPT, "start_time": at(5).isoformat()}
    listing(stubber, [summary(3, start=5)])
    assert watcher.poll() == []
    listing(stubber, [summary(3, "FAILED", start=5, end=40)])
    getting(stubber, full(3, "FAILED", start=5, end=40))
    failed = watcher.poll()
    assert types(failed) == [("investigation_failed", iid(3))]
    assert failed[0]["investigation"]["error"] == "The finding type is not supported by investigation (preview)."
    stubber.assert_no_pending_responses()


def test_started_and_ended_between_two_polls_gives_both_events_in_order(stubbed_reader):
    reader, stubber = stubbed_reader
    watcher = poller(reader)
    listing(stubber, [summary(1, "COMPLETED", start=-9000, end=-8000)])
    assert watcher.poll() == []
    listing(stubber, [summary(5, "COMPLETED", start=20, end=28), summary(4, start=10), summary(1, "COMPLETED", start=-9000, end=-8000)])
    getting(stubber, full(5, start=20, end=28))
    assert types(watcher.poll()) == [("investigation_started", iid(4)), ("investigation_started", iid(5)), ("investigation_completed", iid(5))]
    listing(stubber, [summary(5, "COMPLETED", start=20, end=28), summary(4, start=10), summary(1, "COMPLETED", start=-9000, end=-8000)])
    assert watcher.poll() == []
    stubber.assert_no_pending_responses()


def test_started_during_the_first_poll_is_reported(stubbed_reader):
    reader, stubber = stubbed_reader
    watcher = poller(reader)
    listing(stubber, [summary(6, start=0.5), summary(7, start=-30)])
    assert types(watcher.poll()) == [("investigation_started", iid(6))]
    assert set(watcher.running) == {iid(6), iid(7)}


def test_lookback_reports_recent_completions_once_at_start(stubbed_reader):
    reader, stubber = stubbed_reader
    watcher = poller(reader, lookback=3600)
    listing(
        stubber,
        [
            summary(1),
            summary(2, "COMPLETED", start=-1000, end=-900),
            summary(3, "FAILED", start=-3000, end=-2990),
            summary(4, "COMPLETED", start=-9000, end=-3601),
        ],
    )
    getting(stubber, full(2, start=-1000, end=-900))
    getting(stubber, full(3, "FAILED", start=-3000, end=-2990))
    assert types(watcher.poll()) == [("investigation_failed", iid(3)), ("investigation_completed", iid(2))]
    listing(stubber, [summary(1), summary(2, "COMPLETED", start=-1000, end=-900), summary(3, "FAILED", start=-3000, end=-2990)])
    assert watcher.poll() == []
    stubber.assert_no_pending_responses()


def test_a_repeated_id_across_pages_is_one_investigation(stubbed_reader):
    reader, stubber = stubbed_reader
    watcher = poller(reader)
    listing(stubber, [summary(1, start=3)], token="page2")
    listing(stubber, [summary(1, start=3), summary(2, start=1)], next_token="page2")
    assert types(watcher.poll()) == [("investigation_started", iid(2)), ("investigation_started", iid(1))]


def test_filters_select_what_is_reported_but_state_still_moves(stubbed_reader):
    reader, stubber = stubbed_reader
    criterion = {"RISK_LEVEL": {"Equals": ["High", "Critical"]}}
    watcher = poller(reader, criterion=criterion)
    listing(stubber, [])
    watcher.poll()
    listing(stubber, [summary(1, start=5), summary(2, start=4)])
    assert watcher.poll() == []  # started events have no risk level yet
    listing(stubber, [summary(1, "COMPLETED", start=5, end=50), summary(2, "COMPLETED", start=4, end=60)])
    getting(stubber, full(1, start=5, end=50))
    getting(stubber, full(2, start=4, end=60, RiskLevel="Low"))
    assert types(watcher.poll()) == [("investigation_completed", iid(1))]
    assert watcher.running == {}
    stubber.assert_no_pending_responses()


def test_finding_id_filter_matches_the_prompt_of_a_running_investigation():
    criterion = {"FINDING_ID": {"Equals": ["0123456789abcdef0123456789abcdef"]}}
    assert events.matches(summary(1), criterion)
    assert not events.matches(summary(1, TriggerPrompt="Analyze findings in my organization"), criterion)
    assert events.matches(full(1, Scope={"InvestigationType": "FINDING", "FindingId": "0123456789abcdef0123456789abcdef"}, TriggerPrompt="x"), criterion)
    assert events.matches(summary(1), {"STATUS": {"Equals": ["RUNNING"]}})
    assert not events.matches(summary(1), {"STATUS": {"Equals": ["COMPLETED"]}})
    assert not events.matches(full(1), {"CONFIDENCE": {"NotEquals": ["High"]}})


@needs_botocore_1_44_2
def test_structured_summary_format_is_asked_for(stubbed_reader):
    reader, stubber = stubbed_reader
    watcher = poller(reader, summary_format="structured")
    listing(stubber, [summary(1)])
    watcher.poll()
    listing(stubber, [summary(1, "COMPLETED", end=-1)])
    structured = full(1, end=-1, SummaryData={"KeyObservations": {"Title": "Stolen keys"}})
    del structured["Summary"]
    getting(stubber, structured, structured=True)
    found = watcher.poll()
    assert found[0]["investigation"]["summary_data"] == {"key_observations": {"title": "Stolen keys"}}


# ---------------------------------------------------------------- investigations: cost and memory


@pytest.mark.parametrize("known, running", [(0, 0), (50, 50), (500, 50)])
def test_quiet_poll_is_one_listing_page_however_many_investigations_are_known(stubbed_reader, known, running):
    reader, stubber = stubbed_reader
    items = [
        summary(n, "RUNNING" if n < running else "COMPLETED", start=-600 * (n + 1), end=None if n < running else -600 * (n + 1) + 120) for n in range(known)
    ]
    pages = [items[i : i + 50] for i in range(0, len(items), 50)] or [[]]
    watcher = poller(reader)
    for index, page in enumerate(pages):  # the first poll reads everything once
        listing(stubber, page, token=f"p{index + 1}" if index + 1 < len(pages) else None, next_token=f"p{index}" if index else None)
    watcher.poll()
    assert len(watcher.running) == running
    for _quiet in range(3):
        listing(stubber, pages[0], token="p1" if len(pages) > 1 else None)  # a second page exists but is not read
        assert watcher.poll() == []
        assert watcher.pages == 1
        stubber.assert_no_pending_responses()
    assert len(watcher.ended) <= 1  # only what ended within SETTLE_SECONDS of the newest start is remembered


def test_a_watched_investigation_beyond_the_first_page_makes_the_poll_read_on(stubbed_reader):
    reader, stubber = stubbed_reader
    watcher = poller(reader)
    first = [summary(n, "COMPLETED", start=-60 * (n + 1), end=-60 * (n + 1) + 30) for n in range(50)]
    listing(stubber, first, token="p1")
    listing(stubber, [summary(99, start=-86400)], next_token="p1")
    watcher.poll()
    listing(stubber, first, token="p1")
    listing(stubber, [summary(99, "COMPLETED", start=-86400, end=-1)], next_token="p1")
    getting(stubber, full(99, start=-86400, end=-1))
    assert types(watcher.poll()) == [("investigation_completed", iid(99))]
    assert watcher.pages == 2 and watcher.running == {}
    listing(stubber, first, token="p1")
    assert watcher.poll() == [] and watcher.pages == 1


def test_memory_stays_bounded_over_many_completions(stubbed_reader):
    reader, stubber = stubbed_reader
    clock = Clock()
    watcher = poller(reader, clock)
    listing(stubber, [])
    watcher.poll()
    history = []
    for n in range(1, 201):
        start = n * 60
        history.insert(0, summary(n, "COMPLETED", start=start, end=start + 30))
        listing(stubber, history[:50], token="more" if len(history) > 50 else None)
        getting(stubber, full(n, start=start, end=start + 30))
        assert types(watcher.poll()) == [("investigation_started", iid(n)), ("investigation_completed", iid(n))]
        assert watcher.pages == 1
    assert len(watcher.ended) <= events.SETTLE_SECONDS // 60 + 1 and watcher.running == {}
    stubber.assert_no_pending_responses()


def test_a_watched_investigation_that_disappears_is_dropped_with_a_warning(stubbed_reader, caplog):
    reader, stubber = stubbed_reader
    watcher = poller(reader)
    listing(stubber, [summary(1)])
    watcher.poll()
    listing(stubber, [])
    stubber.add_client_error("get_investigation", "ResourceNotFoundException", "gone", 404, expected_params={"DetectorId": DETECTOR, "InvestigationId": iid(1)})
    with caplog.at_level(logging.WARNING):
        assert watcher.poll() == []
    assert watcher.running == {} and iid(1) in caplog.text and "not watched any more" in caplog.text


# ---------------------------------------------------------------- investigations: faults


def test_throttling_is_retried_with_backoff_and_the_transition_reported(stubbed_reader, no_backoff):
    reader, stubber = stubbed_reader
    watcher = poller(reader)
    listing(stubber, [summary(1)])
    watcher.poll()
    stubber.add_client_error("list_investigations", "ThrottlingException", "Rate exceeded", 429)
    listing(stubber, [summary(1, "COMPLETED", end=-1)])
    stubber.add_client_error("get_investigation", "InternalServerErrorException", "boom", 500)
    getting(stubber, full(1, end=-1))
    assert types(watcher.poll()) == [("investigation_completed", iid(1))]
    assert len(no_backoff) == 2
    stubber.assert_no_pending_responses()


def test_a_get_that_keeps_failing_is_asked_again_at_the_next_poll(stubbed_reader, no_backoff, caplog):
    reader, stubber = stubbed_reader
    watcher = poller(reader)
    listing(stubber, [])
    watcher.poll()
    listing(stubber, [summary(2, "COMPLETED", start=3, end=9)])
    for _attempt in range(10):  # AWSRetry gives up after 10 attempts
        stubber.add_client_error("get_investigation", "InternalServerErrorException", "boom", 500)
    with caplog.at_level(logging.WARNING):
        assert types(watcher.poll()) == [("investigation_started", iid(2))]
    assert "asking again at the next poll" in caplog.text and iid(2) in caplog.text
    listing(stubber, [summary(2, "COMPLETED", start=3, end=9)])
    getting(stubber, full(2, start=3, end=9))
    assert types(watcher.poll()) == [("investigation_completed", iid(2))]
    stubber.assert_no_pending_responses()


def test_a_failed_listing_changes_nothing(stubbed_reader, no_backoff):
    reader, stubber = stubbed_reader
    watcher = poller(reader)
    listing(stubber, [summary(1)])
    watcher.poll()
    for _attempt in range(10):
        stubber.add_client_error("list_investigations", "ThrottlingException", "Rate exceeded", 429)
    with pytest.raises(GuardDutyError) as exc:
        watcher.poll()
    assert not exc.value.final and "ListInvestigations" in exc.value.message
    assert watcher.running == {iid(1): T0 - 600}
    listing(stubber, [summary(1, "COMPLETED", end=-1)])
    getting(stubber, full(1, end=-1))
    assert types(watcher.poll()) == [("investigation_completed", iid(1))]


def test_access_denied_is_fatal_with_the_permission_named(stubbed_reader):
    reader, stubber = stubbed_reader
    watcher = poller(reader)
    stubber.add_client_error("list_investigations", "AccessDeniedException", "not authorized", 403)
    with pytest.raises(GuardDutyError) as exc:
        watcher.poll()
    assert exc.value.final
    assert "guardduty:ListInvestigations" in exc.value.detail and "AccessDeniedException: not authorized" in exc.value.detail
    listing(stubber, [summary(1, "COMPLETED", start=1, end=5)])
    stubber.add_client_error("get_investigation", "AccessDeniedException", "not authorized", 403)
    with pytest.raises(GuardDutyError) as exc:
        watcher.poll()
    assert exc.value.final and "guardduty:GetInvestigation" in exc.value.message


# ---------------------------------------------------------------- findings


def finding(number, severity=8.0, updated="2027-01-15T08:00:00.000Z", **extra):
    item = {
        "Id": f"{number:032x}",
        "AccountId": "123456789012",
        "Arn": f"arn:aws:guardduty:us-east-1:123456789012:detector/{DETECTOR}/finding/{number:032x}",
        "CreatedAt": "2027-01-15T07:00:00.000Z",
        "UpdatedAt": updated,
        "Region": "us-east-1",
        "Resource": {"ResourceType": "Instance", "InstanceDetails": {"InstanceId": "i-0a1b2c3d4e5f67890"}},
        "SchemaVersion": "2.0",
        "Severity": severity,
        "Type": "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        "Service": {"Archived": False, "Count": 1, "DetectorId": DETECTOR, "ServiceName": "guardduty"},
    }
    item.update(extra)
    return item


def ms(text):
    return int(round(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000))


def list_findings(stubber, cursor, ids, severity=7, archived=False, token=None, next_token=None, detector=DETECTOR):
    criterion = {"severity": {"GreaterThanOrEqual": severity}, "updatedAt": {"GreaterThan": cursor}}
    if not archived:
        criterion["service.archived"] = {"Equals": ["false"]}
    params = {
        "DetectorId": detector,
        "FindingCriteria": {"Criterion": criterion},
        "SortCriteria": {"AttributeName": "updatedAt", "OrderBy": "ASC"},
        "MaxResults": 50,
    }
    if next_token:
        params["NextToken"] = next_token
    response = {"FindingIds": ids}
    if token:
        response["NextToken"] = token
    stubber.add_response("list_findings", response, params)


def get_findings(stubber, items, detector=DETECTOR):
    stubber.add_response("get_findings", {"Findings": items}, {"DetectorId": detector, "FindingIds": [item["Id"] for item in items]})


@pytest.fixture
def finder(stubbed):
    client, stubber = stubbed

    def make(**kwargs):
        kwargs.setdefault("clock", Clock())
        return FindingPoller(client, DETECTOR, "us-east-1", **kwargs), stubber

    return make


START_MS = int(T0 * 1000)


def test_findings_one_event_per_new_or_updated_finding_and_never_twice(finder):
    watcher, stubber = finder()
    first, second = finding(1, updated="2027-01-15T08:00:00.100Z"), finding(2, 8.9, updated="2027-01-15T08:00:00.050Z")
    list_findings(stubber, START_MS, [first["Id"], second["Id"]])
    get_findings(stubber, [first, second])
    found = watcher.poll()
    assert [(event["type"], event["finding"]["id"]) for event in found] == [("finding", second["Id"]), ("finding", first["Id"])]
    event = found[1]
    assert event["detector_id"] == DETECTOR and event["region"] == "us-east-1"
    assert event["finding"]["severity"] == 8.0 and event["finding"]["updated_at"] == "2027-01-15T08:00:00.100Z"
    assert event["finding"]["resource"] == {"resource_type": "Instance", "instance_details": {"instance_id": "i-0a1b2c3d4e5f67890"}}
    assert watcher.cursor == ms("2027-01-15T08:00:00.100Z")
    # quiet: one ListFindings from the new cursor, no GetFindings
    list_findings(stubber, ms("2027-01-15T08:00:00.100Z"), [])
    assert watcher.poll() == []
    # updated again in the same second: listed again (updatedAt > cursor) and reported again
    updated = finding(1, updated="2027-01-15T08:00:00.700Z", Service={"Archived": False, "Count": 2})
    list_findings(stubber, ms("2027-01-15T08:00:00.100Z"), [updated["Id"]])
    get_findings(stubber, [updated])
    again = watcher.poll()
    assert [event["finding"]["service"]["count"] for event in again] == [2]
    # a server that still lists the finding at the cursor does not make a duplicate
    list_findings(stubber, ms("2027-01-15T08:00:00.700Z"), [updated["Id"]])
    get_findings(stubber, [updated])
    assert watcher.poll() == []
    stubber.assert_no_pending_responses()


def test_findings_are_fetched_in_batches_of_50_over_every_listing_page(finder):
    watcher, stubber = finder()
    items = [finding(n, updated=f"2027-01-15T08:{n // 60:02d}:{n % 60:02d}.000Z") for n in range(120)]
    ids = [item["Id"] for item in items]
    list_findings(stubber, START_MS, ids[:50], token="t1")
    list_findings(stubber, START_MS, ids[50:100], token="t2", next_token="t1")
    list_findings(stubber, START_MS, ids[100:], next_token="t2")
    for start in (0, 50, 100):
        get_findings(stubber, items[start : start + 50])
    found = watcher.poll()
    assert [event["finding"]["id"] for event in found] == ids[::-1]  # one severity: the newest update first
    assert watcher.pages == 3 and watcher.cursor == ms(items[-1]["UpdatedAt"])
    stubber.assert_no_pending_responses()


def test_a_polls_findings_come_highest_severity_first_then_newest(finder):
    watcher, stubber = finder()
    items = [
        finding(1, 7.5, updated="2027-01-15T08:00:01.000Z"),
        finding(2, 7.5, updated="2027-01-15T08:00:03.000Z"),
        finding(3, 9.5, updated="2027-01-15T08:00:02.000Z"),
        finding(4, 9.5, updated="2027-01-15T08:00:04.000Z"),
        finding(5, 8.0, updated="2027-01-15T08:00:05.000Z"),  # the newest update of the poll, but not the highest severity
        finding(6, 7.5, updated="2027-01-15T08:00:03.000Z"),  # the same time as 2: by id
    ]
    list_findings(stubber, START_MS, [item["Id"] for item in items])  # ListFindings lists oldest update first
    get_findings(stubber, items)
    found = watcher.poll()
    assert [int(event["finding"]["id"], 16) for event in found] == [4, 3, 5, 2, 6, 1]
    assert watcher.cursor == ms("2027-01-15T08:00:05.000Z")  # the cursor is still the newest update, wherever its event is
    # the next poll starts after the newest: nothing of this poll comes again
    list_findings(stubber, ms("2027-01-15T08:00:05.000Z"), [])
    assert watcher.poll() == []
    stubber.assert_no_pending_responses()


def test_min_severity_below_a_whole_number_is_exact(finder):
    watcher, stubber = finder(min_severity=6.5)
    items = [finding(1, 6.2), finding(2, 6.5, updated="2027-01-15T08:00:01.000Z")]
    list_findings(stubber, START_MS, [item["Id"] for item in items], severity=6)
    get_findings(stubber, items)
    assert [event["finding"]["id"] for event in watcher.poll()] == [items[1]["Id"]]


def test_archived_findings_are_left_out_unless_asked_for(finder):
    watcher, stubber = finder()
    archived = finding(1, Service={"Archived": True})
    list_findings(stubber, START_MS, [archived["Id"]])  # a server that ignores the criterion
    get_findings(stubber, [archived])
    assert watcher.poll() == []
    watcher, stubber = finder(include_archived=True)
    list_findings(stubber, START_MS, [archived["Id"]], archived=True)
    get_findings(stubber, [archived])
    assert len(watcher.poll()) == 1


def test_findings_lookback_moves_the_first_cursor(finder):
    watcher, stubber = finder(lookback=3600)
    assert watcher.cursor == START_MS - 3_600_000
    list_findings(stubber, START_MS - 3_600_000, [])
    assert watcher.poll() == []


def test_map_keys_inside_a_finding_are_not_rewritten(finder):
    watcher, stubber = finder()
    action = {"ActionType": "AWS_API_CALL", "AwsApiCallAction": {"Api": "GetObject", "AffectedResources": {"AWS::S3::Bucket": "customer-exports"}}}
    item = finding(1, Service={"Archived": False, "Action": action})
    list_findings(stubber, START_MS, [item["Id"]])
    get_findings(stubber, [item])
    call = watcher.poll()[0]["finding"]["service"]["action"]["aws_api_call_action"]
    assert call == {"api": "GetObject", "affected_resources": {"AWS::S3::Bucket": "customer-exports"}}


def test_findings_faults_keep_the_cursor_and_lose_nothing(finder, no_backoff):
    watcher, stubber = finder()
    item = finding(1)
    stubber.add_client_error("list_findings", "ThrottlingException", "Rate exceeded", 429)
    list_findings(stubber, START_MS, [item["Id"]])
    for _attempt in range(10):
        stubber.add_client_error("get_findings", "InternalServerErrorException", "boom", 500)
    with pytest.raises(GuardDutyError) as exc:
        watcher.poll()
    assert not exc.value.final and "GetFindings" in exc.value.message
    assert watcher.cursor == START_MS
    list_findings(stubber, START_MS, [item["Id"]])
    get_findings(stubber, [item])
    assert [event["finding"]["id"] for event in watcher.poll()] == [item["Id"]]
    stubber.assert_no_pending_responses()


def test_findings_access_denied_is_fatal(finder):
    watcher, stubber = finder()
    stubber.add_client_error("list_findings", "AccessDeniedException", "not authorized", 403)
    with pytest.raises(GuardDutyError) as exc:
        watcher.poll()
    assert exc.value.final and "guardduty:ListFindings" in exc.value.message


# ---------------------------------------------------------------- findings: batch (issue 18)


def ids_of(event):
    return [int(finding["id"], 16) for finding in event["findings"]]


def test_batch_puts_one_event_per_poll_with_its_findings_highest_severity_first(finder):
    watcher, stubber = finder(batch=True)
    items = [finding(1, 7.5, updated="2027-01-15T08:00:01.000Z"), finding(2, 9.5, updated="2027-01-15T08:00:02.000Z"),
             finding(3, 7.5, updated="2027-01-15T08:00:03.000Z")]
    list_findings(stubber, START_MS, [item["Id"] for item in items])
    get_findings(stubber, items)
    [event] = watcher.poll()
    assert event["type"] == "findings" and event["detector_id"] == DETECTOR and event["region"] == "us-east-1"
    assert ids_of(event) == [2, 3, 1] and event["retried"] == []
    assert event["findings"][0]["account_id"] == "123456789012" and event["findings"][0]["severity"] == 9.5
    # a quiet poll puts no event; without daily_budget nothing is remembered and no investigation is listed
    list_findings(stubber, ms("2027-01-15T08:00:03.000Z"), [])
    assert watcher.poll() == [] and watcher.pending == {}
    stubber.assert_no_pending_responses()


def started(number, prompt, start, status="RUNNING"):
    return {"InvestigationId": iid(number), "Status": status, "TriggerPrompt": prompt, "StartTime": at(start)}


def test_batch_with_a_budget_emits_again_what_no_investigation_covers_when_the_window_has_room(finder):
    clock = Clock()
    watcher, stubber = finder(batch=True, daily_budget=2, retry_after=600, clock=clock)
    items = [finding(n, 9.5 if n == 1 else 7.5, updated=f"2027-01-15T08:00:0{n}.000Z") for n in (1, 2, 3, 4)]
    items[3]["AccountId"] = "210987654321"
    list_findings(stubber, START_MS, [item["Id"] for item in items])
    get_findings(stubber, items)
    [event] = watcher.poll()
    assert ids_of(event) == [1, 4, 3, 2] and set(watcher.pending) == {item["Id"] for item in items}
    cursor = ms("2027-01-15T08:00:04.000Z")

    # before retry_after: nothing is due, no ListInvestigations
    clock.now += 300
    list_findings(stubber, cursor, [])
    assert watcher.poll() == []

    # the batch run started two (finding 1; an ACCOUNT investigation for finding 4's account): the budget is used up,
    # and the two covered findings are forgotten
    clock.now += 301
    budget_used = [
        started(1, f"Investigate finding {items[0]['Id']}", clock.now - T0 - 590),
        started(2, "Analyze findings in account with id 210987654321", clock.now - T0 - 589, status="COMPLETED"),
    ]
    list_findings(stubber, cursor, [])
    listing(stubber, budget_used)
    assert watcher.poll() == []
    assert set(watcher.pending) == {items[1]["Id"], items[2]["Id"]}

    # a day later the two have left the window (one FAILED investigation does not count): the deferred two come again,
    # highest severity first, beside a new finding of this poll
    clock.now += 86400 - 700
    new = finding(5, 8.0, updated="2027-01-16T08:00:00.000Z")
    list_findings(stubber, cursor, [new["Id"]])
    get_findings(stubber, [new])
    listing(stubber, [started(3, "Investigate finding 00000000000000000000000000000009", clock.now - T0 - 60, status="FAILED")])
    [event] = watcher.poll()
    assert ids_of(event) == [5, 3, 2] and sorted(event["retried"]) == sorted([items[1]["Id"], items[2]["Id"]])

    # emitted again at most once per retry_after
    list_findings(stubber, ms("2027-01-16T08:00:00.000Z"), [])
    assert watcher.poll() == []
    stubber.assert_no_pending_responses()


def test_batch_remembers_findings_for_a_day_and_a_failed_count_loses_none(finder, no_backoff, caplog):
    clock = Clock()
    watcher, stubber = finder(batch=True, daily_budget=1, retry_after=60, clock=clock)
    item = finding(1)
    list_findings(stubber, START_MS, [item["Id"]])
    get_findings(stubber, [item])
    watcher.poll()
    cursor = ms(item["UpdatedAt"])
    clock.now += 61
    list_findings(stubber, cursor, [])
    for _attempt in range(4):
        stubber.add_client_error("list_investigations", "InternalServerErrorException", http_status_code=500)
    assert watcher.poll() == [] and item["Id"] in watcher.pending
    assert "could not count the investigations of the last 24 hours" in caplog.text
    clock.now += 86400
    list_findings(stubber, cursor, [])
    assert watcher.poll() == [] and watcher.pending == {}  # a day after its first emission: forgotten, no call
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "args, message",
    [
        ({"daily_budget": 7}, "daily_budget applies to batch events (batch=true)"),
        ({"batch": True, "daily_budget": -1}, "daily_budget must be a whole number, 0 or more, got -1"),
        ({"batch": True, "daily_budget": 7, "retry_after": 0}, "retry_after must be a positive number of seconds, got 0.0"),
    ],
)
def test_bad_batch_options_give_one_clear_message(args, message):
    with pytest.raises(GuardDutyError) as exc:
        check_source_options(FINDINGS, args)
    assert message in exc.value.message and exc.value.reason == "invalid"


# ---------------------------------------------------------------- options


def test_options_defaults_aliases_and_environment(monkeypatch):
    for name in ("AWS_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    opts = check_source_options(INVESTIGATIONS, {"aws_access_key_id": UNIT_ACCESS_KEY, "aws_secret_access_key": UNIT_SECRET_KEY})
    assert (opts["interval"], opts["lookback"], opts["summary_format"]) == (30, 0, "text")
    assert (opts["endpoint_url"], opts["region"], opts["access_key"]) == ("http://127.0.0.1:9", "eu-west-1", UNIT_ACCESS_KEY)
    assert check_source_options(FINDINGS, {"endpoint_url": ""})["endpoint_url"] is None
    assert check_source_options(FINDINGS, {})["min_severity"] == 7.0
    assert check_source_options(FINDINGS, {"min_severity": "critical"})["min_severity"] == 9.0
    assert check_source_options(FINDINGS, {"min_severity": "4.5", "interval": "0.5"})["min_severity"] == 4.5


@pytest.mark.parametrize(
    "source, args, message",
    [
        (
            INVESTIGATIONS,
            {"intervall": 5, "aws_region": "us-east-1"},
            "unknown option(s) intervall; valid options are: access_key, aws_ca_bundle, aws_config, detector_id, endpoint_url",
        ),
        (INVESTIGATIONS, {"interval": 0}, "interval must be a positive number of seconds, got 0.0"),
        (INVESTIGATIONS, {"interval": "soon"}, "interval"),
        (FINDINGS, {"lookback": -1}, "lookback must be 0 or a positive number of seconds, got -1.0"),
        (INVESTIGATIONS, {"summary_format": "pdf"}, "value of summary_format must be one of: text, structured, got: pdf"),
        (FINDINGS, {"min_severity": 11}, "min_severity must be a number above 0 and at most 10, or one of Low, Medium, High, Critical; got 11"),
        (FINDINGS, {"min_severity": "severe"}, "got 'severe'"),
        (FINDINGS, {"summary_format": "text"}, "unknown option(s) summary_format; valid options are:"),
        (INVESTIGATIONS, {"filters": ["risk_level"]}, "argument 'filters' is of type"),  # ansible-core's wording, which varies
    ],
)
def test_bad_options_give_one_clear_message(source, args, message):
    with pytest.raises(GuardDutyError) as exc:
        check_source_options(source, args)
    assert message in exc.value.message and exc.value.reason == "invalid" and exc.value.final


def test_filters_and_structured_need_botocore_1_44_2(monkeypatch):
    monkeypatch.setattr(options_mod, "sdk_requirement", lambda feature: f"botocore>=1.44.2 is required for {feature}")
    for args in ({"filters": {"risk_level": "High"}}, {"summary_format": "structured"}):
        with pytest.raises(GuardDutyError) as exc:
            check_source_options(INVESTIGATIONS, args)
        assert exc.value.reason == "sdk" and "botocore>=1.44.2" in exc.value.message
    assert check_source_options(INVESTIGATIONS, {"summary_format": "text"})


@needs_botocore_1_44_2
def test_filter_keys_and_values_are_checked_like_the_info_module(stubbed):
    client, stubber = stubbed
    with pytest.raises(GuardDutyError) as exc:
        events.build_poller(
            INVESTIGATIONS, {"filters": {"risk": "High"}, "detector_id": DETECTOR, "summary_format": "text", "lookback": 0}, client, "us-east-1"
        )
    assert exc.value.message.startswith("Unknown key 'risk' in filters; valid keys are: status, risk_level")
    watcher = events.build_poller(
        INVESTIGATIONS, {"filters": {"risk_level": ["high"]}, "detector_id": DETECTOR, "summary_format": "text", "lookback": 0}, client, "us-east-1"
    )
    assert watcher.criterion == {"RISK_LEVEL": {"Equals": ["High"]}}


def test_profile_and_keys_together_are_refused():
    opts = check_source_options(INVESTIGATIONS, {"profile": "prod", "access_key": UNIT_ACCESS_KEY, "secret_key": UNIT_SECRET_KEY, "region": "us-east-1"})
    with pytest.raises(GuardDutyError) as exc:
        events.source_client(opts)
    assert exc.value.message == "Passing both a profile and access tokens is not supported." and exc.value.final


def test_a_profile_beside_keys_from_the_environment_names_the_variables(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", UNIT_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", UNIT_SECRET_KEY)
    opts = check_source_options(INVESTIGATIONS, {"profile": "prod", "region": "us-east-1"})
    with pytest.raises(GuardDutyError) as exc:
        events.source_client(opts)
    assert exc.value.message.startswith(
        "profile 'prod' was given, and AWS keys came from the environment too (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): "
        "amazon.aws cannot use both. Unset them"
    )
    assert exc.value.final


def test_source_client_uses_the_options_and_the_collections_retries():
    opts = check_source_options(
        FINDINGS, {"region": "eu-central-1", "endpoint_url": "http://127.0.0.1:9", "access_key": UNIT_ACCESS_KEY, "secret_key": UNIT_SECRET_KEY}
    )
    client, region = events.source_client(opts)
    assert region == "eu-central-1" and client.meta.endpoint_url == "http://127.0.0.1:9"
    assert client.meta.config.retries["mode"] == "standard" and client.meta.config.retries["total_max_attempts"] == 5
    assert "secops.guardduty/" in client.meta.config.user_agent


def test_a_source_client_that_cannot_be_built_is_one_final_message(monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    keys = {"access_key": UNIT_ACCESS_KEY, "secret_key": UNIT_SECRET_KEY}
    with pytest.raises(GuardDutyError) as exc:
        events.source_client(check_source_options(FINDINGS, keys))
    assert exc.value.message == NO_REGION_MESSAGE and exc.value.final
    with pytest.raises(GuardDutyError) as exc:
        events.source_client(check_source_options(FINDINGS, dict(keys, region="us-east-1", endpoint_url="not a url")))
    assert exc.value.message.startswith("Couldn't connect to AWS: Invalid endpoint: not a url") and exc.value.final


# ---------------------------------------------------------------- the run loop


@pytest.fixture
def source(stubbed, monkeypatch):
    """run(source, args, polls) -> (events, log records); the client is the stub, sleeping is skipped."""
    client, stubber = stubbed
    monkeypatch.setattr(events, "source_client", lambda opts: (client, "us-east-1"))
    clock = Clock()
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    def run(source, args, polls):
        queue = asyncio.Queue()
        asyncio.run(events.run_source(source, queue, args, sleep=sleep, polls=polls, clock=clock))
        found = []
        while not queue.empty():
            found.append(queue.get_nowait())
        return found

    run.stubber, run.slept = stubber, slept
    return run


def test_run_source_resolves_the_detector_polls_and_queues_events(source, caplog):
    stubber = source.stubber
    stubber.add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
    listing(stubber, [summary(1)])
    listing(stubber, [summary(1, "COMPLETED", end=-1)])
    getting(stubber, full(1, end=-1))
    with caplog.at_level(logging.INFO):
        found = source(INVESTIGATIONS, {"interval": 2}, polls=2)
    assert types(found) == [("investigation_completed", iid(1))]
    assert len(source.slept) == 1 and 0 <= source.slept[0] <= 2
    assert f"watching detector {DETECTOR} in us-east-1 every 2.0 s" in caplog.text
    stubber.assert_no_pending_responses()


def test_run_source_logs_a_failed_poll_and_goes_on(source, no_backoff, caplog):
    stubber = source.stubber
    for _attempt in range(10):
        stubber.add_client_error("list_findings", "InternalServerErrorException", "boom", 500)
    list_findings(stubber, START_MS, [finding(1)["Id"]])
    get_findings(stubber, [finding(1)])
    with caplog.at_level(logging.INFO):
        found = source(FINDINGS, {"detector_id": DETECTOR}, polls=2)
    assert [event["finding"]["id"] for event in found] == [finding(1)["Id"]]
    assert "poll failed (1 in a row), trying again in 30.0 s; no change is lost" in caplog.text
    assert "InternalServerErrorException: boom" in caplog.text and "polling works again after 1 failed poll(s)" in caplog.text


def test_run_source_stops_with_one_message_on_access_denied(source):
    source.stubber.add_client_error("list_detectors", "AccessDeniedException", "User is not authorized", 403)
    with pytest.raises(GuardDutyError) as exc:
        source(INVESTIGATIONS, {}, polls=3)
    assert exc.value.message == (
        "secops.guardduty.investigations stopped: Access denied calling ListDetectors in us-east-1: finding the Region's detector "
        'needs guardduty:ListDetectors, which IAM grants only on Resource "*" (docs/iam.md). Allow it, or give detector_id (in one '
        "Region) so that no detector is looked up (AccessDeniedException: User is not authorized)"
    )


def test_run_source_stops_on_a_bad_option_before_any_call(source):
    with pytest.raises(GuardDutyError) as exc:
        source(FINDINGS, {"min_severity": 0}, polls=1)
    assert exc.value.message.startswith("secops.guardduty.findings stopped: min_severity must be a number above 0")


def test_run_source_stops_when_the_region_has_several_detectors(source):
    source.stubber.add_response("list_detectors", {"DetectorIds": [DETECTOR, "4ef5a6b7c8d9e0f1a2b3c4d5e6f7a8b9"]}, {})
    with pytest.raises(GuardDutyError) as exc:
        source(FINDINGS, {}, polls=1)
    assert "Found 2 GuardDuty detectors in us-east-1" in exc.value.message and "set detector_id" in exc.value.message


def test_run_source_stops_when_no_credentials_are_found(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(GuardDutyError) as exc:
        asyncio.run(events.run_source(FINDINGS, asyncio.Queue(), {"region": "us-east-1", "endpoint_url": "http://127.0.0.1:9"}, polls=1))
    assert exc.value.message.startswith("secops.guardduty.findings stopped: No AWS credentials were found, so nothing was sent to call ListDetectors")
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in exc.value.message


def test_run_source_stops_when_the_credentials_are_rejected(source):
    source.stubber.add_client_error("list_investigations", "UnrecognizedClientException", "The security token included in the request is invalid.", 403)
    with pytest.raises(GuardDutyError) as exc:
        source(INVESTIGATIONS, {"detector_id": DETECTOR}, polls=2)
    assert exc.value.message == (
        f"secops.guardduty.investigations stopped: Failed to call ListInvestigations for investigations on detector {DETECTOR} in us-east-1 "
        "(UnrecognizedClientException: The security token included in the request is invalid.)"
    )


def test_run_source_stops_when_the_profile_does_not_exist(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    with pytest.raises(GuardDutyError) as exc:
        asyncio.run(events.run_source(INVESTIGATIONS, asyncio.Queue(), {"profile": "no-such-profile", "region": "us-east-1"}, polls=1))
    assert exc.value.message.startswith("secops.guardduty.investigations stopped: The config profile (no-such-profile) could not be found")
    assert f"AWS profiles are read from {tmp_path / 'config'} ([profile NAME] sections) and {tmp_path / 'credentials'}" in exc.value.message
    assert "No profile was found there. `aws configure list-profiles` lists them" in exc.value.message


# ---------------------------------------------------------------- many Regions (regions, issue 17)

REGIONS = ["us-east-1", "eu-west-1", "ap-northeast-1"]
# each Region its own detector
DETECTORS = {region: f"{index + 1:x}" * 32 for index, region in enumerate(REGIONS)}


@pytest.fixture
def regional():
    """{region: (client with the collection's retries, Stubber)}: one stubbed client per Region."""
    made = {}
    for region in REGIONS:
        client = boto3.client("guardduty", region_name=region, aws_access_key_id=UNIT_ACCESS_KEY, aws_secret_access_key=UNIT_SECRET_KEY)
        stubber = Stubber(client)
        stubber.activate()
        made[region] = (RetryingBotoClientWrapper(client, retry_decorator()), stubber)
    yield made
    for _client, stubber in made.values():
        stubber.deactivate()


def regional_poller(source, regional, regions=None, clock=None, **opts):
    """A RegionalPoller over ``regions`` (default REGIONS) on the stubbed clients, with the source's default options."""
    options = check_source_options(source, dict({"regions": regions or REGIONS}, **opts))
    clients = {region: regional[region][0] for region in options["regions"]}
    return RegionalPoller(source, options, clients, clock=clock or Clock())


def detectors(regional, regions=None):
    for region in regions or REGIONS:
        regional[region][1].add_response("list_detectors", {"DetectorIds": [DETECTORS[region]]}, {})


def where(found):
    """(region, detector, type, investigation or finding id) of each event."""

    def what(event):
        return event["investigation"]["investigation_id"] if "investigation" in event else event["finding"]["id"]

    return [(event["region"], event["detector_id"], event["type"], what(event)) for event in found]


def test_regions_option_all_a_list_or_a_string_with_commas():
    assert check_source_options(INVESTIGATIONS, {"regions": "all"})["regions"] == list(PREVIEW_REGIONS)
    assert check_source_options(FINDINGS, {"regions": "us-east-1, eu-west-1"})["regions"] == ["us-east-1", "eu-west-1"]
    assert check_source_options(FINDINGS, {"regions": ["eu-west-1", "eu-west-1", "us-east-1"]})["regions"] == ["eu-west-1", "us-east-1"]
    assert check_source_options(FINDINGS, {})["regions"] is None


@pytest.mark.parametrize(
    "args, message",
    [
        (
            {"regions": ["us-east-1", "eu-west-1"], "region": "eu-west-1"},
            "regions and region are mutually exclusive: region 'eu-west-1' was given in the source's arguments beside regions "
            "(us-east-1, eu-west-1). Leave region out to watch the Regions of regions (with the bundled rulebooks: set "
            "guardduty_regions and leave guardduty_region unset), or leave regions out to watch one Region.",
        ),
        ({"regions": "all", "aws_region": "us-east-1"}, "regions and region are mutually exclusive: region 'us-east-1' was given in the source's"),
        ({"regions": ["us-east-1"], "detector_id": DETECTOR}, "detector_id names one Region's detector and cannot be combined with regions (us-east-1)"),
        ({"regions": ["us-east-1", "mars-1"]}, "Invalid Region 'mars-1' in regions"),
        ({"regions": ["us-east-1", "eu-wset-1"]}, "Invalid Region 'eu-wset-1' in regions: no AWS partition has a Region of that name"),
        ({"regions": ["eu-wset-1"]}, "did you mean eu-west-1?"),
        ({"regions": []}, "regions is empty"),
    ],
)
def test_bad_regions_give_one_clear_message(args, message):
    for source in (INVESTIGATIONS, FINDINGS):
        with pytest.raises(GuardDutyError) as exc:
            check_source_options(source, args)
        assert message in exc.value.message and exc.value.reason == "invalid" and exc.value.final


def test_a_region_from_the_environment_does_not_conflict_with_regions(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert check_source_options(FINDINGS, {"regions": ["us-east-1"]})["regions"] == ["us-east-1"]


def test_investigations_over_three_regions_one_stream_each_event_in_its_region_a_quiet_poll_one_listing_per_region(regional):
    watcher = regional_poller(INVESTIGATIONS, regional)
    detectors(regional)
    for region in REGIONS:  # the first poll: each Region's RUNNING investigation is watched
        listing(regional[region][1], [summary(REGIONS.index(region) + 1)], detector=DETECTORS[region])
    assert watcher.poll() == []
    east, west, tokyo = (regional[region][1] for region in REGIONS)
    listing(east, [summary(1)], detector=DETECTORS["us-east-1"])
    listing(west, [summary(2, "COMPLETED", end=-5)], detector=DETECTORS["eu-west-1"])
    getting(west, full(2, end=-5), detector=DETECTORS["eu-west-1"])
    listing(tokyo, [summary(9, start=5), summary(3)], detector=DETECTORS["ap-northeast-1"])
    found = watcher.poll()
    assert where(found) == [
        ("eu-west-1", DETECTORS["eu-west-1"], "investigation_completed", iid(2)),
        ("ap-northeast-1", DETECTORS["ap-northeast-1"], "investigation_started", iid(9)),
    ]
    # a quiet poll: one ListInvestigations per Region (the Stubbers fail on any other call) and no event
    listing(east, [summary(1)], detector=DETECTORS["us-east-1"])
    listing(west, [summary(2, "COMPLETED", end=-5)], detector=DETECTORS["eu-west-1"])
    listing(tokyo, [summary(9, start=5), summary(3)], detector=DETECTORS["ap-northeast-1"])
    assert watcher.poll() == []
    for _client, stubber in regional.values():
        stubber.assert_no_pending_responses()


def test_the_regions_are_polled_concurrently(regional):
    """Each Region's listing waits until every Region's listing has begun: a poll that asked one Region after the
    other would break the barrier (BrokenBarrierError) instead of returning."""
    barrier = threading.Barrier(len(REGIONS), timeout=30)
    for region in REGIONS:
        client = regional[region][0].client
        client.meta.events.register("before-parameter-build.guardduty.ListFindings", lambda **_kwargs: barrier.wait() and None)
    watcher = regional_poller(FINDINGS, regional)
    detectors(regional)
    for region in REGIONS:
        list_findings(regional[region][1], START_MS, [], detector=DETECTORS[region])
    assert watcher.poll() == []
    for _client, stubber in regional.values():
        stubber.assert_no_pending_responses()


def test_findings_each_region_keeps_its_own_cursor(regional):
    """A Region whose findings are older than another Region's newest still reports them: one cursor per Region."""
    watcher = regional_poller(FINDINGS, regional, REGIONS[:2])
    detectors(regional, REGIONS[:2])
    east, west = regional["us-east-1"][1], regional["eu-west-1"][1]
    newer, older = finding(1, updated="2027-01-15T08:00:09.000Z"), finding(2, 9.0, updated="2027-01-15T08:00:01.000Z", Region="eu-west-1")
    list_findings(east, START_MS, [newer["Id"]], detector=DETECTORS["us-east-1"])
    get_findings(east, [newer], detector=DETECTORS["us-east-1"])
    list_findings(west, START_MS, [], detector=DETECTORS["eu-west-1"])
    assert where(watcher.poll()) == [("us-east-1", DETECTORS["us-east-1"], "finding", newer["Id"])]
    list_findings(east, ms(newer["UpdatedAt"]), [], detector=DETECTORS["us-east-1"])
    list_findings(west, START_MS, [older["Id"]], detector=DETECTORS["eu-west-1"])
    get_findings(west, [older], detector=DETECTORS["eu-west-1"])
    assert where(watcher.poll()) == [("eu-west-1", DETECTORS["eu-west-1"], "finding", older["Id"])]
    list_findings(east, ms(newer["UpdatedAt"]), [], detector=DETECTORS["us-east-1"])
    list_findings(west, ms(older["UpdatedAt"]), [], detector=DETECTORS["eu-west-1"])
    assert watcher.poll() == []
    for region in REGIONS[:2]:
        regional[region][1].assert_no_pending_responses()


def test_a_failing_region_is_logged_retried_and_the_others_go_on(regional, caplog):
    clock = Clock()
    watcher = regional_poller(FINDINGS, regional, REGIONS[:2], clock=clock)
    east, west = regional["us-east-1"][1], regional["eu-west-1"][1]
    first = finding(1, updated="2027-01-15T08:00:00.000Z")
    with caplog.at_level(logging.INFO):
        # poll 1: eu-west-1 denies ListDetectors; us-east-1 reports its finding
        detectors(regional, ["us-east-1"])
        west.add_client_error("list_detectors", "AccessDeniedException", "explicit deny in a service control policy", 403)
        list_findings(east, START_MS, [first["Id"]], detector=DETECTORS["us-east-1"])
        get_findings(east, [first], detector=DETECTORS["us-east-1"])
        assert where(watcher.poll()) == [("us-east-1", DETECTORS["us-east-1"], "finding", first["Id"])]
        # poll 2: still denied (not logged again: same reason), us-east-1 quiet
        west.add_client_error("list_detectors", "AccessDeniedException", "explicit deny in a service control policy", 403)
        list_findings(east, ms(first["UpdatedAt"]), [], detector=DETECTORS["us-east-1"])
        assert watcher.poll() == []
        # poll 3: eu-west-1 answers; what it had since the source's start is reported (it looks back to the start)
        clock.now = T0 + 120
        late = finding(2, updated="2027-01-15T08:00:30.000Z", Region="eu-west-1")
        detectors(regional, ["eu-west-1"])
        list_findings(east, ms(first["UpdatedAt"]), [], detector=DETECTORS["us-east-1"])
        list_findings(west, START_MS, [late["Id"]], detector=DETECTORS["eu-west-1"])
        get_findings(west, [late], detector=DETECTORS["eu-west-1"])
        assert where(watcher.poll()) == [("eu-west-1", DETECTORS["eu-west-1"], "finding", late["Id"])]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(
        "secops.guardduty.findings: Region eu-west-1 failed (access_denied; 1 poll(s) in a row); the other Regions go on and "
        "eu-west-1 is tried again at every poll: Access denied calling ListDetectors"
    )
    assert "leave eu-west-1 out of regions" in warnings[0]
    assert "secops.guardduty.findings: Region eu-west-1 works again after 2 failed poll(s)" in caplog.text
    assert f"watching detector {DETECTORS['eu-west-1']} in eu-west-1" in caplog.text
    for region in REGIONS[:2]:
        regional[region][1].assert_no_pending_responses()


def test_a_region_failing_after_its_retries_keeps_its_state_and_is_logged_again_when_the_reason_changes(regional, no_backoff, caplog):
    watcher = regional_poller(INVESTIGATIONS, regional, REGIONS[:2])
    detectors(regional, REGIONS[:2])
    east, west = regional["us-east-1"][1], regional["eu-west-1"][1]
    listing(east, [summary(1)], detector=DETECTORS["us-east-1"])
    listing(west, [summary(2)], detector=DETECTORS["eu-west-1"])
    assert watcher.poll() == []
    with caplog.at_level(logging.WARNING):
        for _attempt in range(10):  # every attempt of the retries
            west.add_client_error("list_investigations", "InternalServerErrorException", "boom", 500)
        listing(east, [summary(1)], detector=DETECTORS["us-east-1"])
        assert watcher.poll() == []
        west.add_client_error("list_investigations", "AccessDeniedException", "not authorized", 403)
        listing(east, [summary(1)], detector=DETECTORS["us-east-1"])
        assert watcher.poll() == []
    reasons = [r.getMessage().split("(")[1].split(";")[0] for r in caplog.records if "Region eu-west-1 failed" in r.getMessage()]
    assert reasons == ["server_error", "access_denied"]
    # the watched investigation of eu-west-1 completed meanwhile: reported once, nothing lost
    listing(east, [summary(1)], detector=DETECTORS["us-east-1"])
    listing(west, [summary(2, "COMPLETED", end=-1)], detector=DETECTORS["eu-west-1"])
    getting(west, full(2, end=-1), detector=DETECTORS["eu-west-1"])
    assert where(watcher.poll()) == [("eu-west-1", DETECTORS["eu-west-1"], "investigation_completed", iid(2))]


def test_every_region_failing_for_good_stops_the_source_naming_each_region(regional):
    watcher = regional_poller(INVESTIGATIONS, regional, REGIONS[:2])
    regional["us-east-1"][1].add_response("list_detectors", {"DetectorIds": []}, {})
    regional["eu-west-1"][1].add_client_error("list_detectors", "AccessDeniedException", "not authorized", 403)
    with pytest.raises(GuardDutyError) as exc:
        watcher.poll()
    assert exc.value.final
    assert exc.value.message.startswith("no Region of regions can be watched: us-east-1 (no_detector): No GuardDuty detector was found in us-east-1")
    assert "; eu-west-1 (access_denied): " in exc.value.message


def test_run_source_with_regions_builds_a_client_per_region_and_queues_every_regions_events(regional, monkeypatch, caplog):
    made = []

    def source_client(opts):
        made.append(opts["region"])
        return regional[opts["region"]][0], opts["region"], ("http://127.0.0.1:9", {"verify": False})

    def session_clients(regions, endpoint_url, params, config=None, retry=None):
        assert (endpoint_url, params, retry) == ("http://127.0.0.1:9", {"verify": False}, regional[REGIONS[0]][0].retry)
        made.extend(f"{region} (one session)" for region in regions)
        return {region: regional[region][0] for region in regions}

    monkeypatch.setattr(events, "_source_client", source_client)
    monkeypatch.setattr(events, "session_clients", session_clients)
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # the environment's Region does not conflict
    detectors(regional, REGIONS[:2])
    first, second = finding(1), finding(2, Region="eu-west-1")
    list_findings(regional["us-east-1"][1], START_MS, [first["Id"]], detector=DETECTORS["us-east-1"])
    get_findings(regional["us-east-1"][1], [first], detector=DETECTORS["us-east-1"])
    list_findings(regional["eu-west-1"][1], START_MS, [second["Id"]], detector=DETECTORS["eu-west-1"])
    get_findings(regional["eu-west-1"][1], [second], detector=DETECTORS["eu-west-1"])
    queue = asyncio.Queue()

    async def sleep(_seconds):
        return None

    with caplog.at_level(logging.INFO):
        asyncio.run(events.run_source(FINDINGS, queue, {"regions": REGIONS[:2], "interval": 5}, sleep=sleep, polls=1, clock=Clock()))
    found = [queue.get_nowait() for _index in range(queue.qsize())]
    assert made == [REGIONS[0], f"{REGIONS[1]} (one session)"]
    assert where(found) == [("us-east-1", DETECTORS["us-east-1"], "finding", first["Id"]), ("eu-west-1", DETECTORS["eu-west-1"], "finding", second["Id"])]
    assert "secops.guardduty.findings: watching 2 Regions (us-east-1, eu-west-1) every 5.0 s" in caplog.text


def test_regional_clients_fall_back_to_a_source_client_per_region(regional, monkeypatch):
    made = []

    def source_client(opts):
        made.append(opts["region"])
        return regional[opts["region"]][0], opts["region"], (None, {})

    monkeypatch.setattr(events, "_source_client", source_client)
    monkeypatch.setattr(events, "session_clients", lambda *args, **kwargs: None)  # an amazon.aws without its user agent function
    clients = events.regional_clients({"interval": 5}, REGIONS[:3])
    assert made == REGIONS[:3]
    assert clients == {region: regional[region][0] for region in REGIONS[:3]}


def test_run_source_refuses_a_region_beside_regions_and_warns_for_a_region_outside_the_preview(regional, monkeypatch, caplog):
    monkeypatch.setattr(events, "source_client", lambda opts: (regional["us-east-1"][0], opts["region"]))
    with pytest.raises(GuardDutyError) as exc, caplog.at_level(logging.WARNING):
        asyncio.run(events.run_source(INVESTIGATIONS, asyncio.Queue(), {"regions": ["sa-east-1"], "region": "sa-east-1"}, polls=1))
    assert exc.value.message.startswith("secops.guardduty.investigations stopped: regions and region are mutually exclusive")
    regional["us-east-1"][1].add_response("list_detectors", {"DetectorIds": []}, {})
    with pytest.raises(GuardDutyError), caplog.at_level(logging.WARNING):
        asyncio.run(events.run_source(INVESTIGATIONS, asyncio.Queue(), {"regions": ["sa-east-1"]}, polls=1))
    assert "Region sa-east-1 is not one of the Regions" in caplog.text
