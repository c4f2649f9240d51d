# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""GuardDuty findings (disposition): the steps of apply and rollback against real boto3 clients with botocore's
Stubber. Every finding's step shares one set of calls: each kind of change for all the findings that get it, in
batches of the API's maximum; a failed call fails the step of every finding it was for."""

from __future__ import annotations

from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import dispose_samples as d
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

MANY = [f"be3c{i:028x}" for i in range(60)]
COMMENT = f"secops.guardduty: benign verdict of GuardDuty investigation {d.INV_ID}"


def _benign_apply(ids, aws):
    state = d.state(*[d.finding(i) for i in ids], hubs=[])
    return d.steps_of(d.found(*ids), d.settings(mode="apply"), state, aws)


def test_sixty_findings_are_archived_and_given_feedback_in_batches_of_fifty():
    aws = aws_.StubbedAWS()
    _plan, steps = _benign_apply(MANY, aws)
    assert len(steps) == 60 and all(step.resource[0] == "guardduty_finding" for step in steps)
    for batch in (MANY[:50], MANY[50:]):
        aws.expect("guardduty", "update_findings_feedback", {"DetectorId": d.DETECTOR, "FindingIds": batch, "Feedback": "NOT_USEFUL",
                                                             "Comments": COMMENT})
    for batch in (MANY[:50], MANY[50:]):
        aws.expect("guardduty", "archive_findings", {"DetectorId": d.DETECTOR, "FindingIds": batch})
    ran, _results = d.run(steps, aws)
    assert {status for _key, status in ran} == {"done"} and len(ran) == 60


def test_side_by_side_the_calls_are_made_once():
    aws = aws_.StubbedAWS()
    _plan, steps = _benign_apply(MANY[:3], aws)
    aws.expect("guardduty", "update_findings_feedback", {"DetectorId": d.DETECTOR, "FindingIds": MANY[:3], "Feedback": "NOT_USEFUL",
                                                         "Comments": COMMENT})
    aws.expect("guardduty", "archive_findings", {"DetectorId": d.DETECTOR, "FindingIds": MANY[:3]})
    ran, _results = d.run(steps, aws, workers=8)
    assert sorted(status for _key, status in ran) == ["done"] * 3


def test_a_refused_call_fails_every_finding_it_was_for_with_its_message():
    aws = aws_.StubbedAWS()
    _plan, steps = _benign_apply(MANY[:2], aws)
    aws.expect("guardduty", "update_findings_feedback", {"DetectorId": d.DETECTOR, "FindingIds": MANY[:2], "Feedback": "NOT_USEFUL",
                                                         "Comments": COMMENT})
    aws.refuse("guardduty", "archive_findings", {"DetectorId": d.DETECTOR, "FindingIds": MANY[:2]}, code="AccessDeniedException")
    ran, results = d.run(steps, aws)
    assert [status for _key, status in ran] == ["failed", "failed"]
    for key, _status in ran:
        assert "ArchiveFindings" in results[key]["error"] and "Calls made before it: UpdateFindingsFeedback for 2" in results[key]["error"]


def test_a_true_positive_only_gets_useful_feedback():
    aws = aws_.StubbedAWS()
    _plan, steps = d.steps_of(d.found(d.FINDING, risk="High"), d.settings(mode="apply", comment="tp"), d.state(d.finding(d.FINDING), hubs=[]), aws)
    aws.expect("guardduty", "update_findings_feedback", {"DetectorId": d.DETECTOR, "FindingIds": [d.FINDING], "Feedback": "USEFUL",
                                                         "Comments": "tp"})
    assert d.run(steps, aws)[0] == [(f"guardduty_finding:{d.FINDING}:finding", "done")]


def test_rollback_unarchives_only_what_the_disposition_archived():
    record = {"record_format": 1, "investigation_id": d.INV_ID, "account_id": d.ACCOUNT, "region": d.REGION, "created": d.TIME,
              "updated": d.TIME, "role_version": "0.3.0", "resources": [
                  {"type": "guardduty_finding", "id": i, "status": "applied", "time": d.TIME, "archived": True, "feedback": "not_useful",
                   "previous_archived": archived, "previous_feedback": None} for i, archived in ((MANY[0], False), (MANY[1], True))]}
    aws = aws_.StubbedAWS()
    state = d.state(d.finding(MANY[0], True, "not_useful"), d.finding(MANY[1], True, "not_useful"), hubs=[])
    plan, steps = d.steps_of(d.found(MANY[0], MANY[1]), d.settings(mode="rollback", record=record), state, aws)
    entries = d.entries(plan)
    assert entries[("guardduty_finding", MANY[1])]["status"] == "unchanged"  # it was archived before the disposition
    aws.expect("guardduty", "unarchive_findings", {"DetectorId": d.DETECTOR, "FindingIds": [MANY[0]]})
    assert d.run(steps, aws)[0] == [(f"guardduty_finding:{MANY[0]}:finding", "done")]
