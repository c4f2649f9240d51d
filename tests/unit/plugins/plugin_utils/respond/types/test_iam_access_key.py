# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM access keys: deactivated, the deactivation marked on the user; reactivated on rollback only when asked.

The action type's plan, rollback and record check (containment_plan with a plain state), and the steps of its apply
and rollback run against real boto3 clients with botocore's Stubber (no AWS)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

found, settings, one = s.found, s.settings, s.one
KEY = s.resource(s.KEY, "IAM_ACCESS_KEY")


def key_state(status, user_tags=None):
    return {"access_keys": [{"access_key_id": s.KEY, "user_name": "alice", "status": status}],
            "users": [{"user_name": "alice", "tags": user_tags or {"team": "dev"}}]}


REC_KEY = {"type": "iam_access_key", "id": s.KEY, "user_name": "alice", "previous_status": "Active"}
KEY_TAG = "secops-guardduty:deactivated-key:" + s.KEY


def test_access_keys_deactivate_once_and_stay_inactive_on_rollback():
    plan = one(containment_plan(found(KEY), settings(), key_state("Active")))
    assert plan["status"] == "planned" and plan["user_name"] == "alice"
    assert plan["changes"] == {"user_name": "alice", "tags": {KEY_TAG: s.INV_ID}}
    assert one(containment_plan(found(KEY), settings(), key_state("Inactive")))["status"] == "unchanged"
    tagged = {"team": "dev", KEY_TAG: s.INV_ID}
    # rollback leaves it inactive and says why; nothing changes, the marker stays
    result = containment_plan(found(KEY), s.rollback(REC_KEY), key_state("Inactive", tagged))
    assert one(result)["status"] == "unchanged" and one(result)["changes"] == {} and result["user_tag_updates"] == []
    assert "left inactive: AWS advises never to reactivate" in one(result)["reason"]
    assert "contain_rollback_reactivate_keys=true" in one(result)["reason"]
    # reactivated only when asked, and the marker removed
    result = containment_plan(found(KEY), s.rollback(REC_KEY, reactivate_keys=True), key_state("Inactive", tagged))
    assert one(result)["changes"] == {"activate": True, "user_name": "alice"} and one(result)["record_status"] == "rolled_back"
    assert result["user_tag_updates"] == [{"user_name": "alice", "tags": {"team": "dev"}}]
    # a record but no marker (removed or rewritten on the user): left inactive
    result = containment_plan(found(KEY), s.rollback(REC_KEY, reactivate_keys=True), key_state("Inactive"))
    assert one(result)["status"] == "skipped" and "disagrees with the containment record" in one(result)["reason"]
    # deactivated by someone else (nothing recorded): left inactive
    result = containment_plan(found(KEY), s.rollback(reactivate_keys=True), key_state("Inactive"))
    assert one(result)["status"] == "unchanged" and result["user_tag_updates"] == []
    # a marker without a record entry: left inactive
    result = containment_plan(found(KEY), s.rollback(reactivate_keys=True), key_state("Inactive", tagged))
    assert one(result)["status"] == "skipped" and "holds nothing for it" in one(result)["reason"]
    assert one(containment_plan(found(KEY), settings(), {}))["status"] == "skipped"


def test_a_key_recorded_for_another_user_is_left_alone():
    result = containment_plan(found(KEY), s.rollback(dict(REC_KEY, user_name="mallory"), reactivate_keys=True),
                              key_state("Inactive", {KEY_TAG: s.INV_ID}))
    assert one(result)["status"] == "skipped" and "names the user mallory" in one(result)["reason"]


@pytest.mark.parametrize("change,message", [
    (lambda e: e.update(previous_status="Inactive"), "previous_status Active"),
])
def test_a_record_entry_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    s.assert_refused_whole(change, message, "iam_access_key")


# ---------------------------------------------------------------- the steps of apply and rollback

MARK, DEACTIVATE = f"iam_access_key:{s.KEY}:mark", f"iam_access_key:{s.KEY}:deactivate"
ACTIVATE, UNMARK = f"iam_access_key:{s.KEY}:activate", f"iam_access_key:{s.KEY}:unmark"


def test_apply_marks_the_user_then_deactivates_the_key():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(KEY), settings(), key_state("Active"), aws)
    assert aws_.dependencies(steps) == {MARK: [], DEACTIVATE: [MARK]}
    aws.expect("iam", "tag_user", {"UserName": "alice", "Tags": [{"Key": KEY_TAG, "Value": s.INV_ID}]})
    aws.expect("iam", "update_access_key", {"UserName": "alice", "AccessKeyId": s.KEY, "Status": "Inactive"})
    assert aws_.run(steps, aws)[0] == [(MARK, "done"), (DEACTIVATE, "done")]


def test_a_mark_refused_never_holds_back_the_deactivation_and_says_why():
    """The marker is written first, but a leaked key is never left active because its user could not be tagged (no
    permission, or the user at IAM's 50 tags): the record, written before, is what rollback restores from."""
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(KEY), settings(), key_state("Active"), aws)
    assert steps[1].waits == {MARK}
    aws.refuse("iam", "tag_user", {"UserName": "alice", "Tags": [{"Key": KEY_TAG, "Value": s.INV_ID}]})
    aws.expect("iam", "update_access_key", {"UserName": "alice", "AccessKeyId": s.KEY, "Status": "Inactive"})
    ran, results = aws_.run(steps, aws)
    assert ran == [(MARK, "failed"), (DEACTIVATE, "done")]
    assert "TagUser" in results[MARK]["error"] and "AccessDenied" in results[MARK]["error"]


def test_rollback_reactivates_the_key_when_asked_then_removes_the_mark():
    aws = aws_.StubbedAWS()
    tagged = {"team": "dev", KEY_TAG: s.INV_ID}
    _plan, steps = aws_.steps_of(found(KEY), s.rollback(REC_KEY, reactivate_keys=True), key_state("Inactive", tagged), aws)
    assert aws_.dependencies(steps) == {ACTIVATE: [], UNMARK: [ACTIVATE]}
    aws.expect("iam", "update_access_key", {"UserName": "alice", "AccessKeyId": s.KEY, "Status": "Active"})
    aws.expect("iam", "untag_user", {"UserName": "alice", "TagKeys": [KEY_TAG]})
    assert aws_.run(steps, aws)[0] == [(ACTIVATE, "done"), (UNMARK, "done")]


def test_rollback_of_a_key_active_again_only_removes_the_mark_and_a_key_left_inactive_has_no_step():
    aws = aws_.StubbedAWS()
    tagged = {"team": "dev", KEY_TAG: s.INV_ID}
    _plan, steps = aws_.steps_of(found(KEY), s.rollback(REC_KEY), key_state("Active", tagged), aws)
    assert aws_.dependencies(steps) == {UNMARK: []}
    aws.expect("iam", "untag_user", {"UserName": "alice", "TagKeys": [KEY_TAG]})
    assert aws_.run(steps, aws)[0] == [(UNMARK, "done")]
    # inactive, contain_rollback_reactivate_keys not set: left inactive, nothing called
    plan, steps = aws_.steps_of(found(KEY), s.rollback(REC_KEY), key_state("Inactive", tagged), aws_.StubbedAWS())
    assert one(plan)["status"] == "unchanged" and steps == []


def test_a_key_deactivated_while_its_mark_failed_is_reactivated_from_the_record_when_asked():
    unmarked = dict(REC_KEY, steps={"mark": "failed", "deactivate": "done"})
    plan = one(containment_plan(found(KEY), s.rollback(unmarked, reactivate_keys=True), key_state("Inactive", {"team": "dev"})))
    assert plan["status"] == "planned" and plan["changes"]["activate"] is True
    assert one(containment_plan(found(KEY), s.rollback(REC_KEY, reactivate_keys=True), key_state("Inactive", {"team": "dev"})))["status"] == "skipped"
