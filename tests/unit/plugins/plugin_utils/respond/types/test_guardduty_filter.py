# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Suppression rules (disposition, dispose_suppress): created with CreateFilter from structured fields, brought back
with UpdateFilter when someone changed one of ours, deleted on rollback."""

from __future__ import annotations

from botocore.stub import ANY

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types.guardduty_filter import rule_for
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import dispose_samples as d
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

NAME, CRITERIA, MATCHES = rule_for(d.finding(d.FINDING))
DESCRIPTION = f"secops.guardduty: suppresses what investigation {d.INV_ID} judged benign ({MATCHES})"


def _rule_steps(aws, filters=(), mode="apply", record=None):
    state = d.state(d.finding(d.FINDING, True, "not_useful"), hubs=[], filters=filters)
    plan, steps = d.steps_of(d.found(d.FINDING), d.settings(mode=mode, suppress=True, record=record), state, aws)
    return plan, [s for s in steps if s.resource[0] == "guardduty_filter"]


def test_the_rule_is_named_from_its_fields_and_other_fields_give_other_rules():
    assert NAME == rule_for(d.finding(d.RELATED))[0]  # same type, resource and account
    assert NAME != rule_for(d.finding(d.FINDING, resource_id="i-0fffffffffffffff0"))[0]
    assert NAME != rule_for(d.finding(d.FINDING, account=d.OTHER_ACCOUNT))[0]
    assert rule_for(d.finding(d.FINDING, resource_type="AccessKey", resource_id="AKIAEXAMPLEKEY000001"))[1]["Criterion"][
        "resource.accessKeyDetails.accessKeyId"] == {"Equals": ["AKIAEXAMPLEKEY000001"]}


def test_apply_creates_the_rule():
    aws = aws_.StubbedAWS()
    _plan, steps = _rule_steps(aws)
    aws.expect("guardduty", "create_filter", {"DetectorId": d.DETECTOR, "Name": NAME, "Action": "ARCHIVE", "Description": DESCRIPTION,
                                              "FindingCriteria": CRITERIA, "ClientToken": ANY}, {"Name": NAME})
    assert d.run(steps, aws)[0] == [(f"guardduty_filter:{NAME}:filter", "done")]


def test_a_rule_of_ours_someone_changed_is_brought_back():
    aws = aws_.StubbedAWS()
    plan, steps = _rule_steps(aws, [{"name": NAME, "action": "NOOP", "criteria": CRITERIA, "description": DESCRIPTION}])
    assert d.entries(plan)[("guardduty_filter", NAME)]["reason"] == f"bring the suppression rule {NAME} back to what it should be (Action)"
    aws.expect("guardduty", "update_filter", {"DetectorId": d.DETECTOR, "FilterName": NAME, "Action": "ARCHIVE"}, {"Name": NAME})
    assert d.run(steps, aws)[0] == [(f"guardduty_filter:{NAME}:filter", "done")]


def test_rollback_deletes_the_rule_it_created_and_a_refusal_says_which():
    record = {"record_format": 1, "investigation_id": d.INV_ID, "account_id": d.ACCOUNT, "region": d.REGION, "created": d.TIME,
              "updated": d.TIME, "role_version": "0.3.0", "resources": [
                  {"type": "guardduty_filter", "id": NAME, "status": "applied", "time": d.TIME, "created": True, "action": "ARCHIVE",
                   "criteria": CRITERIA}]}
    ours = [{"name": NAME, "action": "ARCHIVE", "criteria": CRITERIA, "description": DESCRIPTION}]
    aws = aws_.StubbedAWS()
    _plan, steps = _rule_steps(aws, ours, "rollback", record)
    aws.expect("guardduty", "delete_filter", {"DetectorId": d.DETECTOR, "FilterName": NAME})
    assert d.run(steps, aws)[0] == [(f"guardduty_filter:{NAME}:filter", "done")]
    aws = aws_.StubbedAWS()
    _plan, steps = _rule_steps(aws, ours, "rollback", record)
    aws.refuse("guardduty", "delete_filter", {"DetectorId": d.DETECTOR, "FilterName": NAME}, code="AccessDeniedException")
    ran, results = d.run(steps, aws)
    assert ran == [(f"guardduty_filter:{NAME}:filter", "failed")] and f"filter {NAME} of detector {d.DETECTOR}" in results[ran[0][0]]["error"]
