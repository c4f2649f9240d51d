# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""containment_plan: which resources are within reach, what blocks apply and rollback, the risk gate, the counts."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.resources import RESOURCE_TYPES
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.resources import investigation_resources
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s

found, settings, one = s.found, s.settings, s.one
POLICY, EC2 = s.POLICY, s.EC2


def test_scope_pass_marks_what_to_read_and_skips_what_is_out_of_reach():
    plan = containment_plan(found(
        EC2, s.resource("alice", "IAM_USER", f"arn:aws:iam::{s.OTHER}:user/alice"),
        s.resource("", "EC2_INSTANCE", f"arn:aws:ec2:eu-west-1:{s.ACCOUNT}:instance/{s.INSTANCE}"),
        s.resource("sg-0123456789abcdef0", "EC2_SECURITY_GROUP"), s.resource("ASIAIOSFODNN7EXAMPLE", "IAM_ACCESS_KEY"),
    ), settings("plan"))
    assert [(r["id"], r["status"]) for r in plan["resources"]] == [  # most urgent first, then by type
        (s.INSTANCE, "pending"), (s.INSTANCE, "skipped"), ("ASIAIOSFODNN7EXAMPLE", "skipped"), ("alice", "skipped"),
        ("sg-0123456789abcdef0", "pending")]
    reasons = [r["reason"] for r in plan["resources"]]
    assert reasons[1] == f"in Region eu-west-1, not the investigation's Region {s.REGION}"
    assert reasons[3] == f"in account {s.OTHER}, not the investigation's account {s.ACCOUNT}"
    assert "temporary (ASIA) access key" in reasons[2]
    assert plan["counts"] == {"pending": 2, "planned": 0, "done": 0, "unchanged": 0, "skipped": 3, "unrecognised": 0}


def test_credentials_of_another_account_stop_everything():
    with pytest.raises(ContainError, match=f"credentials belong to account {s.OTHER}.*account {s.ACCOUNT}"):
        containment_plan(found(EC2), dict(settings(), caller_account=s.OTHER))


@pytest.mark.parametrize("risk", ["Low", "Info", None])
def test_low_risk_apply_does_nothing_unless_forced(risk):
    plan = containment_plan(found(EC2, risk=risk), settings())
    assert one(plan)["status"] == "skipped" and "below Medium" in plan["gate"]
    assert one(containment_plan(found(EC2, risk=risk), settings(force=True)))["status"] == "pending"
    # plan and rollback are not gated by the risk level
    assert one(containment_plan(found(EC2, risk=risk), settings("plan")))["status"] == "pending"
    assert one(containment_plan(found(EC2, risk=risk), settings("rollback")))["status"] == "pending"


def test_approval_and_the_resource_limit_block_apply_and_rollback():
    many = [s.resource(f"user{i}", "IAM_USER") for i in range(21)]
    plan = containment_plan(found(*many), {"mode": "apply", "caller_account": s.ACCOUNT})
    assert plan["blocked"] == ["contain_mode=apply needs contain_approved=true (in AWX: the approval node)",
                               "21 resources are within reach, more than contain_max_resources=20: review them and raise "
                               "contain_max_resources to go on"]
    assert containment_plan(found(*many), settings(max_resources=21))["blocked"] == []
    assert containment_plan(found(*many), settings("plan", approved=False))["blocked"][-1].startswith("21 resources")


@pytest.mark.parametrize("bad", [{"mode": "destroy"}, {"max_resources": 0}, {"max_resources": "many"},
                                 {"quarantine_group_name": "sg-123"}, {"quarantine_group_name": "a\nb"}])
def test_bad_settings_are_refused_with_the_variable_name(bad):
    with pytest.raises(ContainError, match="contain_"):
        containment_plan(found(EC2), dict(settings(), **bad))


def test_deny_policy_denies_everything():
    plan = containment_plan(found(EC2), settings("plan"))
    assert plan["deny_policy_name"] == POLICY
    assert plan["deny_policy"]["Statement"] == [{"Sid": "GuardDutyContainment", "Effect": "Deny", "Action": "*", "Resource": "*"}]


def test_not_what_investigation_resources_returns():
    with pytest.raises(ContainError, match="Expected what secops.guardduty.investigation_resources returns"):
        containment_plan({"investigation_id": s.INV_ID}, settings())


@pytest.mark.parametrize("caller_arn,res", [
    (f"arn:aws:sts::{s.ACCOUNT}:assumed-role/incident-automation/awx-job-42", s.resource("incident-automation", "IAM_ROLE")),
    (f"arn:aws:iam::{s.ACCOUNT}:user/ops/responder", s.resource("responder", "IAM_USER")),
])
def test_the_identity_running_the_containment_is_never_denied(caller_arn, res):
    plan = one(containment_plan(found(res), dict(settings(), caller_arn=caller_arn)))
    assert plan["status"] == "skipped" and "identity running the containment" in plan["reason"]
    other = one(containment_plan(found(s.resource("someone-else", "IAM_ROLE")), dict(settings(), caller_arn=caller_arn)))
    assert other["status"] == "pending"


def test_plan_mode_shows_the_risk_gate_apply_would_apply():
    plan = containment_plan(found(EC2, risk="Low"), settings("plan"))
    assert one(plan)["status"] == "pending" and plan["gate"].startswith("the risk level is Low, below Medium")


def test_resource_types_without_an_action_say_what_a_person_must_do():
    inv = s.investigation([s.action([s.resource("prod-cluster", "EKS_CLUSTER"), s.resource("app_user", "RDS_DB_USER"),
                                     s.resource("batch", "ECS_CLUSTER"), s.resource("x", "SOMETHING_NEW")])])
    plan = containment_plan(investigation_resources(inv), s.settings("plan"))
    by_type = {item["type"]: item for item in plan["unrecognised"]}
    assert by_type["EKS_CLUSTER"]["by_hand"].startswith("no automatic action: limit the cluster's API endpoint")
    assert "lock the user in the database itself" in by_type["RDS_DB_USER"]["by_hand"]
    assert "stop them or scale their service" in by_type["ECS_CLUSTER"]["by_hand"]
    assert "by_hand" not in by_type["SOMETHING_NEW"]  # not a type GuardDuty names: only the reason
    assert "touch" not in str([item.get("by_hand") for item in plan["unrecognised"]])  # the collection's words, never the AI's


def test_every_resource_type_has_an_action_type():
    assert sorted(TYPES) == sorted(RESOURCE_TYPES)


def test_done_after_acting():
    plan = containment_plan(found(EC2), dict(settings(), done=True), s.ec2_state([s.WEB]))
    assert one(plan)["status"] == "done" and plan["counts"]["done"] == 1
