# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Security Hub side of GuardDuty findings (disposition): one BatchUpdateFindings per distinct update (at most 100
findings), made once for every finding's step; a finding Security Hub did not process fails alone."""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import dispose
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import dispose_samples as d
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

IDS = [f"be3c{i:028x}" for i in range(3)]


def _note():
    return dispose.note_of(d.investigation(), "benign", IDS[0], False)[0]


def _steps(aws, hubs=None):
    state = d.state(*[d.finding(i, True, "not_useful") for i in IDS], hubs=hubs)
    return d.steps_of(d.found(*IDS), d.settings(mode="apply"), state, aws)


def _identifiers(ids):
    return [{"Id": d.arn(i), "ProductArn": d.PRODUCT} for i in ids]


def test_the_findings_are_updated_in_one_call():
    aws = aws_.StubbedAWS()
    _plan, steps = _steps(aws)
    assert [s.resource[0] for s in steps] == ["securityhub_finding"] * 3
    aws.expect("securityhub", "batch_update_findings", {"FindingIdentifiers": _identifiers(IDS), "Workflow": {"Status": "SUPPRESSED"},
                                                        "VerificationState": "BENIGN_POSITIVE", "Note": _note()},
               {"ProcessedFindings": _identifiers(IDS), "UnprocessedFindings": []})
    ran, _results = d.run(steps, aws, workers=4)
    assert sorted(status for _key, status in ran) == ["done"] * 3


def test_a_finding_security_hub_did_not_process_fails_alone():
    aws = aws_.StubbedAWS()
    _plan, steps = _steps(aws)
    (missing,) = _identifiers(IDS[1:2])
    aws.expect("securityhub", "batch_update_findings", {"FindingIdentifiers": _identifiers(IDS), "Workflow": {"Status": "SUPPRESSED"},
                                                        "VerificationState": "BENIGN_POSITIVE", "Note": _note()},
               {"ProcessedFindings": _identifiers([IDS[0], IDS[2]]),
                "UnprocessedFindings": [{"FindingIdentifier": missing, "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"}]})
    ran, results = d.run(steps, aws)
    assert dict(ran) == {f"securityhub_finding:{IDS[0]}:update": "done", f"securityhub_finding:{IDS[1]}:update": "failed",
                         f"securityhub_finding:{IDS[2]}:update": "done"}
    assert results[f"securityhub_finding:{IDS[1]}:update"]["error"] == "Security Hub did not update it (FindingNotFound: Finding Not Found)"


def test_findings_that_need_different_updates_get_a_call_each():
    aws = aws_.StubbedAWS()
    hubs = [d.hub(IDS[0]), d.hub(IDS[1], "SUPPRESSED"), d.hub(IDS[2])]
    _plan, steps = _steps(aws, hubs)
    aws.expect("securityhub", "batch_update_findings", {"FindingIdentifiers": _identifiers([IDS[0], IDS[2]]), "Workflow": {"Status": "SUPPRESSED"},
                                                        "VerificationState": "BENIGN_POSITIVE", "Note": _note()},
               {"ProcessedFindings": _identifiers([IDS[0], IDS[2]]), "UnprocessedFindings": []})
    aws.expect("securityhub", "batch_update_findings", {"FindingIdentifiers": _identifiers([IDS[1]]), "VerificationState": "BENIGN_POSITIVE",
                                                        "Note": _note()},
               {"ProcessedFindings": _identifiers([IDS[1]]), "UnprocessedFindings": []})
    assert sorted(status for _key, status in d.run(steps, aws)[0]) == ["done"] * 3


def test_a_refused_call_fails_every_finding_with_its_message():
    aws = aws_.StubbedAWS()
    _plan, steps = _steps(aws)
    aws.refuse("securityhub", "batch_update_findings", {"FindingIdentifiers": _identifiers(IDS), "Workflow": {"Status": "SUPPRESSED"},
                                                        "VerificationState": "BENIGN_POSITIVE", "Note": _note()}, code="AccessDeniedException")
    ran, results = d.run(steps, aws)
    assert [status for _key, status in ran] == ["failed"] * 3
    assert all("securityhub:BatchUpdateFindings" in results[key]["error"] for key, _status in ran)


def test_rollback_gives_back_the_recorded_state():
    before = {"text": "triage: looking", "updated_by": "alice", "updated_at": d.TIME}
    record = {"record_format": 1, "investigation_id": d.INV_ID, "account_id": d.ACCOUNT, "region": d.REGION, "created": d.TIME,
              "updated": d.TIME, "role_version": "0.3.0", "resources": [
                  {"type": "securityhub_finding", "id": IDS[0], "status": "applied", "time": d.TIME,
                   "previous": {"workflow_status": "NOTIFIED", "verification_state": "UNKNOWN", "note": {"text": before["text"], "updated_by": "alice"}},
                   "applied": {"workflow_status": "SUPPRESSED", "verification_state": "BENIGN_POSITIVE", "note": True}}]}
    aws = aws_.StubbedAWS()
    ours = {"text": "ours", "updated_by": "secops.guardduty"}
    state = d.state(d.finding(IDS[0], True, "not_useful"), hubs=[d.hub(IDS[0], "SUPPRESSED", "BENIGN_POSITIVE", ours)])
    plan, steps = d.steps_of(d.found(IDS[0]), d.settings(mode="rollback", record=record), state, aws)
    assert d.entries(plan)[("securityhub_finding", IDS[0])]["reason"].startswith(
        "give it back its workflow status NOTIFIED, its verification state UNKNOWN, its note from before in Security Hub")
    aws.expect("securityhub", "batch_update_findings", {"FindingIdentifiers": _identifiers(IDS[:1]), "Workflow": {"Status": "NOTIFIED"},
                                                        "VerificationState": "UNKNOWN", "Note": {"Text": before["text"], "UpdatedBy": "alice"}},
               {"ProcessedFindings": _identifiers(IDS[:1]), "UnprocessedFindings": []})
    assert d.run(steps, aws)[0] == [(f"securityhub_finding:{IDS[0]}:update", "done")]
