# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM users: the deny-all inline policy, removed on rollback.

The action type's plan, rollback and record check (containment_plan with a plain state), and the steps of its apply
and rollback run against real boto3 clients with botocore's Stubber (no AWS)."""

from __future__ import annotations

import json

from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

found, settings, one = s.found, s.settings, s.one
USER, POLICY = s.resource("alice", "IAM_USER"), s.POLICY


def test_a_user_gets_one_deny_policy_and_loses_only_it():
    s.assert_one_deny_policy_lost_only_it("IAM_USER")


# ---------------------------------------------------------------- the steps of apply and rollback

STEP = "iam_user:alice:policy"
DENY_ALL = {"Version": "2012-10-17", "Statement": [{"Sid": "GuardDutyContainment", "Effect": "Deny", "Action": "*", "Resource": "*"}]}


def test_apply_attaches_the_deny_all_policy():
    aws = aws_.StubbedAWS()
    plan, steps = aws_.steps_of(found(USER), settings(), {"user_policies": {"alice": ["other"]}}, aws)
    assert one(plan)["status"] == "done" and aws_.dependencies(steps) == {STEP: []}
    aws.expect("iam", "put_user_policy", {"UserName": "alice", "PolicyName": POLICY, "PolicyDocument": json.dumps(DENY_ALL)})
    assert aws_.run(steps, aws)[0] == [(STEP, "done")]


def test_a_refused_policy_fails_the_step_saying_which_call_and_why():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(USER), settings(), {"user_policies": {"alice": []}}, aws)
    aws.refuse("iam", "put_user_policy", {"UserName": "alice", "PolicyName": POLICY, "PolicyDocument": json.dumps(DENY_ALL)})
    ran, results = aws_.run(steps, aws)
    assert ran == [(STEP, "failed")]
    assert "PutUserPolicy" in results[STEP]["error"] and "IAM user alice" in results[STEP]["error"] and "AccessDenied" in results[STEP]["error"]


def test_rollback_deletes_the_recorded_policy_and_a_policy_gone_meanwhile_is_unchanged():
    recorded = {"type": "iam_user", "id": "alice", "policy_name": POLICY}
    for answer, status in (("deleted", "done"), ("NoSuchEntity", "unchanged")):
        aws = aws_.StubbedAWS()
        _plan, steps = aws_.steps_of(found(USER), s.rollback(recorded), {"user_policies": {"alice": ["other", POLICY]}}, aws)
        assert aws_.dependencies(steps) == {STEP: []}
        params = {"UserName": "alice", "PolicyName": POLICY}
        if answer == "deleted":
            aws.expect("iam", "delete_user_policy", params)
        else:  # deleted by someone else between the read and the step
            aws.refuse("iam", "delete_user_policy", params, code=answer, message="The user policy cannot be found.", status=404)
        assert aws_.run(steps, aws)[0] == [(STEP, status)]
