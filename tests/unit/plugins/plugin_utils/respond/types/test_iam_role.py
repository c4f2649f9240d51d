# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM roles: their older sessions revoked (or the deny-all policy), with the blast radius; removed on rollback.

The action type's plan, rollback and record check (containment_plan with a plain state), and the steps of its apply
and rollback run against real boto3 clients with botocore's Stubber (no AWS)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

found, settings, one = s.found, s.settings, s.one
WEB, EC2, ec2_state = s.WEB, s.EC2, s.ec2_state


def test_a_role_with_deny_all_gets_one_deny_policy_and_loses_only_it():
    s.assert_one_deny_policy_lost_only_it("IAM_ROLE")


REVOKE = "secops-guardduty-revoke-" + s.INV_ID


def test_a_named_role_has_its_older_sessions_revoked_by_default():
    res = s.resource("web-role", "IAM_ROLE")
    plan = one(containment_plan(found(res), settings(time=s.TIME), {"role_policies": {"web-role": ["other"]}}))
    assert plan["status"] == "planned" and plan["changes"]["policy_name"] == REVOKE and plan["changes"]["revoked_before"] == s.TIME
    assert plan["changes"]["policy"]["Statement"] == [{"Sid": "GuardDutyRevokeOlderSessions", "Effect": "Deny", "Action": "*", "Resource": "*",
                                                       "Condition": {"DateLessThan": {"aws:TokenIssueTime": s.TIME}}}]
    assert f"revoke its sessions issued before {s.TIME} (UTC)" in plan["reason"] and "sessions issued later keep working" in plan["reason"]
    assert one(containment_plan(found(res), settings(time=s.TIME), {"role_policies": {"web-role": [REVOKE]}}))["status"] == "unchanged"
    # recorded with its cut-off, and removed on rollback from the record
    result = containment_plan(found(res), settings(time=s.TIME, done=True), {"role_policies": {"web-role": []}})
    assert result["record_before"]["resources"][0] == {"type": "iam_role", "id": "web-role", "status": "pending", "time": s.TIME,
                                                       "policy_name": REVOKE, "revoked_before": s.TIME}
    rec = {"type": "iam_role", "id": "web-role", "policy_name": REVOKE, "revoked_before": s.TIME}
    plan = one(containment_plan(found(res), s.rollback(rec), {"role_policies": {"web-role": [REVOKE, "other"]}}))
    assert plan["changes"] == {"policy_name": REVOKE} and plan["record_status"] == "rolled_back"


PROFILE = "arn:aws:iam::123456789012:instance-profile/web-profile"


def with_profile(groups, role="web-runtime"):
    state = ec2_state(groups)
    state["instances"][0]["iam_instance_profile"] = {"arn": PROFILE}
    state["instance_profiles"] = [{"arn": PROFILE, "instance_profile_name": "web-profile", "roles": [{"role_name": role}]}]
    state["profile_instances"] = [state["instances"][0], {"instance_id": "i-0fedcba9876543210", "iam_instance_profile": {"arn": PROFILE},
                                                          "state": {"name": "running"}}]
    state["functions"] = [{"function_name": "report-builder", "role": f"arn:aws:iam::123456789012:role/{role}"},
                          {"function_name": "unrelated", "role": "arn:aws:iam::123456789012:role/other"}]
    state["role_policies"] = {role: []}
    return state


def test_the_role_of_a_contained_instance_has_its_older_sessions_revoked_with_its_blast_radius():
    result = containment_plan(found(EC2), settings(time=s.TIME, role_action="deny_all"), with_profile([WEB]))
    (role,) = [r for r in result["resources"] if r["type"] == "iam_role"]
    assert role["id"] == "web-runtime" and role["status"] == "planned" and role["changes"]["policy_name"] == REVOKE  # never deny_all
    assert role["derived_from"] == f"the role of instance {s.INSTANCE}, through its instance profile web-profile"
    assert "also used by the instances i-0fedcba9876543210 and the Lambda functions report-builder" in role["reason"]
    assert "unrelated" not in role["reason"]
    # the identity running the containment is never revoked, even as an instance's role
    result = containment_plan(found(EC2), settings(time=s.TIME, caller_arn="arn:aws:sts::123456789012:assumed-role/web-runtime/ir"),
                              with_profile([WEB]))
    (role,) = [r for r in result["resources"] if r["type"] == "iam_role"]
    assert role["status"] == "skipped" and "the identity running the containment" in role["reason"]
    # a role the investigation names as well is decided once, as named
    both = containment_plan(found(EC2, s.resource("web-runtime", "IAM_ROLE")), settings(time=s.TIME), with_profile([WEB]))
    assert [(r["id"], r.get("derived_from")) for r in both["resources"] if r["type"] == "iam_role"] == [("web-runtime", None)]
    # rollback finds it in the record even though the investigation does not name it
    rec = {"type": "iam_role", "id": "web-runtime", "policy_name": REVOKE, "revoked_before": s.TIME}
    state = with_profile([WEB])
    state["role_policies"] = {"web-runtime": [REVOKE]}
    result = containment_plan(found(EC2), s.rollback(rec), state)
    (role,) = [r for r in result["resources"] if r["type"] == "iam_role"]
    assert role["changes"] == {"policy_name": REVOKE} and role["record_status"] == "rolled_back"
    scope = containment_plan(found(EC2), s.rollback(rec))  # the scope pass names it, so that the role reads its policies
    assert [(r["id"], r["status"]) for r in scope["resources"] if r["type"] == "iam_role"] == [("web-runtime", "pending")]


def test_role_action_is_checked():
    with pytest.raises(Exception, match="contain_role_action must be one of revoke_sessions, deny_all; got 'delete'"):
        containment_plan(found(EC2), settings(role_action="delete"), ec2_state([WEB]))


@pytest.mark.parametrize("change,message", [
    (lambda e: e.update(policy_name="AdministratorAccess"), "names another policy"),
])
def test_a_record_entry_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    s.assert_refused_whole(change, message, "iam_role")


# ---------------------------------------------------------------- the steps of apply and rollback

ROLE = s.resource("web-role", "IAM_ROLE")
STEP = "iam_role:web-role:policy"


def test_apply_puts_the_revocation_with_the_containment_time():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(ROLE), settings(time=s.TIME), {"role_policies": {"web-role": ["other"]}}, aws)
    assert aws_.dependencies(steps) == {STEP: []} and steps[0].name == "revoke its sessions issued before containment"
    revoke = {"Version": "2012-10-17", "Statement": [{"Sid": "GuardDutyRevokeOlderSessions", "Effect": "Deny", "Action": "*", "Resource": "*",
                                                      "Condition": {"DateLessThan": {"aws:TokenIssueTime": s.TIME}}}]}
    aws.expect("iam", "put_role_policy", {"RoleName": "web-role", "PolicyName": REVOKE, "PolicyDocument": json.dumps(revoke)})
    assert aws_.run(steps, aws)[0] == [(STEP, "done")]


def test_apply_with_deny_all_puts_the_deny_all_policy_and_a_refusal_fails_the_step():
    deny_all = {"Version": "2012-10-17", "Statement": [{"Sid": "GuardDutyContainment", "Effect": "Deny", "Action": "*", "Resource": "*"}]}
    params = {"RoleName": "web-role", "PolicyName": s.POLICY, "PolicyDocument": json.dumps(deny_all)}
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(ROLE), settings(time=s.TIME, role_action="deny_all"), {"role_policies": {"web-role": []}}, aws)
    assert steps[0].name == "attach the deny-all inline policy"
    aws.expect("iam", "put_role_policy", params)
    assert aws_.run(steps, aws)[0] == [(STEP, "done")]
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(ROLE), settings(time=s.TIME, role_action="deny_all"), {"role_policies": {"web-role": []}}, aws)
    aws.refuse("iam", "put_role_policy", params)
    ran, results = aws_.run(steps, aws)
    assert ran == [(STEP, "failed")] and "PutRolePolicy" in results[STEP]["error"] and "IAM role web-role" in results[STEP]["error"]


def test_rollback_deletes_the_recorded_revocation():
    aws = aws_.StubbedAWS()
    rec = {"type": "iam_role", "id": "web-role", "policy_name": REVOKE, "revoked_before": s.TIME}
    _plan, steps = aws_.steps_of(found(ROLE), s.rollback(rec), {"role_policies": {"web-role": [REVOKE, "other"]}}, aws)
    assert aws_.dependencies(steps) == {STEP: []}
    aws.expect("iam", "delete_role_policy", {"RoleName": "web-role", "PolicyName": REVOKE})
    assert aws_.run(steps, aws)[0] == [(STEP, "done")]
