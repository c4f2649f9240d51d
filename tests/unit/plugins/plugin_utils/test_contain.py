# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""containment_plan: what the contain role does about each resource, from the state amazon.aws info modules return."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils import contain
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils import contain_samples as s

QG = "sg-0000000000000000a"
WEB, SSH = "sg-11111111111111111", "sg-22222222222222222"
ENI = "eni-0123456789abcdef0"
POLICY = "secops-guardduty-contain-" + s.INV_ID


def found(*resources, risk="High"):
    return contain.investigation_resources(s.investigation([s.action(list(resources))], risk=risk))


def settings(mode="apply", **extra):
    return dict({"mode": mode, "approved": True, "caller_account": s.ACCOUNT}, **extra)


def instance(groups, tags=None, state="running"):
    return {"instance_id": s.INSTANCE, "vpc_id": "vpc-1", "state": {"name": state}, "tags": tags or {},
            "network_interfaces": [{"network_interface_id": ENI, "groups": [{"group_id": g} for g in groups]}],
            "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {"volume_id": "vol-1"}}]}


def ec2_state(groups, tags=None, quarantine=True, rules=False, snapshots=()):
    group = {"group_id": QG, "group_name": "secops-guardduty-quarantine", "vpc_id": "vpc-1",
             "ip_permissions": [{"ip_protocol": "-1"}] if rules else [], "ip_permissions_egress": []}
    return {"instances": {"instances": [instance(groups, tags)]},
            "groups": {"security_groups": [group] if quarantine else []},
            "snapshots": {"snapshots": [{"volume_id": v, "tags": {"secops-guardduty:investigation": s.INV_ID}} for v in snapshots]}}


def one(plan):
    assert len(plan["resources"]) == 1
    return plan["resources"][0]


EC2 = s.resource(s.INSTANCE, "EC2_INSTANCE")


def test_scope_pass_marks_what_to_read_and_skips_what_is_out_of_reach():
    plan = contain.containment_plan(found(
        EC2, s.resource("alice", "IAM_USER", f"arn:aws:iam::{s.OTHER}:user/alice"),
        s.resource("", "EC2_INSTANCE", f"arn:aws:ec2:eu-west-1:{s.ACCOUNT}:instance/{s.INSTANCE}"),
        s.resource("sg-0123456789abcdef0", "EC2_SECURITY_GROUP"), s.resource("ASIAIOSFODNN7EXAMPLE", "IAM_ACCESS_KEY"),
    ), settings("plan"))
    assert [(r["id"], r["status"]) for r in plan["resources"]] == [  # most urgent first, then by type
        (s.INSTANCE, "pending"), (s.INSTANCE, "skipped"), ("ASIAIOSFODNN7EXAMPLE", "skipped"), ("alice", "skipped"),
        ("sg-0123456789abcdef0", "skipped")]
    reasons = [r["reason"] for r in plan["resources"]]
    assert reasons[1] == f"in Region eu-west-1, not the investigation's Region {s.REGION}"
    assert reasons[3] == f"in account {s.OTHER}, not the investigation's account {s.ACCOUNT}"
    assert "temporary (ASIA) access key" in reasons[2] and "no action for security groups" in reasons[4]
    assert plan["counts"] == {"pending": 1, "planned": 0, "done": 0, "unchanged": 0, "skipped": 4, "unrecognised": 0}


def test_credentials_of_another_account_stop_everything():
    with pytest.raises(contain.ContainError, match=f"credentials belong to account {s.OTHER}.*account {s.ACCOUNT}"):
        contain.containment_plan(found(EC2), dict(settings(), caller_account=s.OTHER))


@pytest.mark.parametrize("risk", ["Low", "Info", None])
def test_low_risk_apply_does_nothing_unless_forced(risk):
    plan = contain.containment_plan(found(EC2, risk=risk), settings())
    assert one(plan)["status"] == "skipped" and "below Medium" in plan["gate"]
    assert one(contain.containment_plan(found(EC2, risk=risk), settings(force=True)))["status"] == "pending"
    # plan and rollback are not gated by the risk level
    assert one(contain.containment_plan(found(EC2, risk=risk), settings("plan")))["status"] == "pending"
    assert one(contain.containment_plan(found(EC2, risk=risk), settings("rollback")))["status"] == "pending"


def test_approval_and_the_resource_limit_block_apply_and_rollback():
    many = [s.resource(f"user{i}", "IAM_USER") for i in range(21)]
    plan = contain.containment_plan(found(*many), {"mode": "apply", "caller_account": s.ACCOUNT})
    assert plan["blocked"] == ["contain_mode=apply needs contain_approved=true (in AWX: the approval node)",
                               "21 resources are within reach, more than contain_max_resources=20: review them and raise "
                               "contain_max_resources to go on"]
    assert contain.containment_plan(found(*many), settings(max_resources=21))["blocked"] == []
    assert contain.containment_plan(found(*many), settings("plan", approved=False))["blocked"][-1].startswith("21 resources")


@pytest.mark.parametrize("bad", [{"mode": "destroy"}, {"max_resources": 0}, {"max_resources": "many"},
                                 {"quarantine_group_name": "sg-123"}, {"quarantine_group_name": "a\nb"}])
def test_bad_settings_are_refused_with_the_variable_name(bad):
    with pytest.raises(contain.ContainError, match="contain_"):
        contain.containment_plan(found(EC2), dict(settings(), **bad))


def test_apply_quarantines_records_groups_and_is_idempotent():
    plan = one(contain.containment_plan(found(EC2), settings(), ec2_state([WEB, SSH], quarantine=False)))
    assert plan["status"] == "planned"
    assert plan["changes"]["quarantine_group_id"] is None and plan["changes"]["vpc_id"] == "vpc-1"
    assert plan["changes"]["interfaces"] == [{"eni_id": ENI, "previous_groups": [WEB, SSH]}]
    assert plan["changes"]["tags"] == {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:groups:" + ENI: f"{WEB} {SSH}"}
    assert plan["changes"]["snapshot_volumes"] == []
    # already quarantined: nothing, and the recorded groups are not overwritten with the quarantine group
    again = one(contain.containment_plan(found(EC2), settings(), ec2_state([QG])))
    assert again["status"] == "unchanged" and again["changes"] == {}
    # a quarantine group someone added rules to is emptied again
    assert "remove every rule" in one(contain.containment_plan(found(EC2), settings(), ec2_state([QG], rules=True)))["reason"]


def test_snapshots_once_per_volume():
    plan = one(contain.containment_plan(found(EC2), settings(snapshots=True), ec2_state([QG])))
    assert plan["status"] == "planned" and plan["changes"]["snapshot_volumes"] == ["vol-1"]
    plan = one(contain.containment_plan(found(EC2), settings(snapshots=True), ec2_state([QG], snapshots=["vol-1"])))
    assert plan["status"] == "unchanged"


@pytest.mark.parametrize("inst_state", ["terminated", "shutting-down"])
def test_gone_instances_are_skipped(inst_state):
    state = ec2_state([WEB])
    state["instances"]["instances"][0]["state"]["name"] = inst_state
    assert one(contain.containment_plan(found(EC2), settings(), state))["status"] == "skipped"
    assert "no such instance" in one(contain.containment_plan(found(EC2), settings(), {}))["reason"]


def test_rollback_restores_only_what_this_investigation_recorded():
    tags = {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:groups:" + ENI: f"{WEB} {SSH}", "Name": "web"}
    plan = one(contain.containment_plan(found(EC2), settings("rollback"), ec2_state([QG], tags)))
    assert plan["status"] == "planned"
    assert plan["changes"]["interfaces"] == [{"eni_id": ENI, "groups": [WEB, SSH]}]
    assert plan["changes"]["remove_tags"] == {k: v for k, v in tags.items() if k != "Name"}
    # groups changed since containment: left alone, its record kept
    plan = one(contain.containment_plan(found(EC2), settings("rollback"), ec2_state([WEB], tags)))
    assert plan["status"] == "skipped" and "changed since containment" in plan["reason"]
    # another investigation's containment, or none
    other = dict(tags, **{"secops-guardduty:contained-by": "0a1b2c3d-1234-4abc-8def-0123456789ab"})
    assert one(contain.containment_plan(found(EC2), settings("rollback"), ec2_state([QG], other)))["status"] == "skipped"
    assert one(contain.containment_plan(found(EC2), settings("rollback"), ec2_state([WEB])))["status"] == "unchanged"


@pytest.mark.parametrize("value", ["sg-11111111111111111;reboot", "", "default", "{{ lookup('pipe', 'id') }}"])
def test_rollback_never_uses_a_tampered_record(value):
    tags = {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:groups:" + ENI: value}
    plan = one(contain.containment_plan(found(EC2), settings("rollback"), ec2_state([QG], tags)))
    assert plan["status"] == "skipped" and "does not hold security group ids" in plan["reason"]
    assert value not in plan["reason"] or not value  # tag values are never repeated (reasons become AWX artifacts)


def test_rollback_never_repeats_tampered_tag_keys_or_owners():
    hostile = "{{ lookup('pipe', 'id') }}"
    tags = {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:groups:" + hostile: WEB}
    plan = one(contain.containment_plan(found(EC2), settings("rollback"), ec2_state([QG], tags)))
    assert plan["status"] == "skipped" and hostile not in plan["reason"] and "does not name a network interface" in plan["reason"]
    tags = {"secops-guardduty:contained-by": hostile, "secops-guardduty:groups:" + ENI: WEB}
    plan = one(contain.containment_plan(found(EC2), settings("rollback"), ec2_state([QG], tags)))
    assert plan["status"] == "skipped" and hostile not in plan["reason"] and "(not an investigation id)" in plan["reason"]


KEY = s.resource(s.KEY, "IAM_ACCESS_KEY")


def key_state(status, user_tags=None):
    return {"access_keys": {"results": [{"item": "alice", "access_keys": [{"access_key_id": s.KEY, "user_name": "alice", "status": status}]}]},
            "users": [{"iam_users": [{"user_name": "alice", "tags": user_tags or {"team": "dev"}}]}, {"skipped": True}]}


def test_access_keys_deactivate_once_and_roll_back_from_the_user_tag():
    plan = one(contain.containment_plan(found(KEY), settings(), key_state("Active")))
    assert plan["status"] == "planned" and plan["user_name"] == "alice"
    assert plan["changes"] == {"user_name": "alice", "tags": {"secops-guardduty:deactivated-key:" + s.KEY: s.INV_ID}}
    assert one(contain.containment_plan(found(KEY), settings(), key_state("Inactive")))["status"] == "unchanged"
    tagged = {"team": "dev", "secops-guardduty:deactivated-key:" + s.KEY: s.INV_ID}
    result = contain.containment_plan(found(KEY), settings("rollback"), key_state("Inactive", tagged))
    assert one(result)["changes"] == {"activate": True, "user_name": "alice"}
    assert result["user_tag_updates"] == [{"user_name": "alice", "tags": {"team": "dev"}}]
    # deactivated by someone else: rollback leaves it inactive
    result = contain.containment_plan(found(KEY), settings("rollback"), key_state("Inactive"))
    assert one(result)["status"] == "unchanged" and result["user_tag_updates"] == []
    assert one(contain.containment_plan(found(KEY), settings(), {}))["status"] == "skipped"


@pytest.mark.parametrize("kind", ["IAM_USER", "IAM_ROLE"])
def test_principals_get_one_deny_policy_and_lose_only_it(kind):
    key = "user_policies" if kind == "IAM_USER" else "role_policies"
    res = s.resource("alice", kind)

    def state(names):
        return {key: {"results": [{"item": "alice", "all_policy_names": names}]}}

    assert one(contain.containment_plan(found(res), settings(), state(["other"])))["changes"] == {"policy_name": POLICY}
    assert one(contain.containment_plan(found(res), settings(), state(["other", POLICY])))["status"] == "unchanged"
    assert one(contain.containment_plan(found(res), settings("rollback"), state(["other", POLICY])))["changes"] == {"policy_name": POLICY}
    assert one(contain.containment_plan(found(res), settings("rollback"), state(["other"])))["status"] == "unchanged"
    missing = {key: {"results": [{"item": "alice", "msg": "The user with name alice cannot be found."}]}}
    assert one(contain.containment_plan(found(res), settings(), missing))["status"] == "skipped"


BUCKET = s.resource("customer-exports", "S3_BUCKET")


def bucket_state(block=None, tags=None, location=None):
    bucket = {"name": "customer-exports", "bucket_location": {"LocationConstraint": location},
              "public_access_block": {"PublicAccessBlockConfiguration": block} if block else {}, "bucket_tagging": tags or {}}
    return {"buckets": {"results": [{"item": "customer-exports", "buckets": [bucket]}]}}


ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
SOME = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}


def test_buckets_are_blocked_once_and_restored_exactly():
    plan = one(contain.containment_plan(found(BUCKET), settings(), bucket_state(SOME, {"owner": "data"})))
    record = "BlockPublicAcls=true IgnorePublicAcls=false BlockPublicPolicy=true RestrictPublicBuckets=false"
    assert plan["changes"] == {"tags": {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:public-access-block": record}}
    assert one(contain.containment_plan(found(BUCKET), settings(), bucket_state(ALL)))["status"] == "unchanged"
    tags = {"owner": "data", "secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:public-access-block": record}
    plan = one(contain.containment_plan(found(BUCKET), settings("rollback"), bucket_state(ALL, tags)))
    previous = {"block_public_acls": True, "ignore_public_acls": False, "block_public_policy": True, "restrict_public_buckets": False}
    assert plan["changes"] == {"restore": True, "previous": previous, "tags": {"owner": "data"}}
    tags["secops-guardduty:public-access-block"] = "none"
    assert one(contain.containment_plan(found(BUCKET), settings("rollback"), bucket_state(ALL, tags)))["changes"]["previous"] is None
    tags["secops-guardduty:public-access-block"] = "BlockPublicAcls=yes"
    assert one(contain.containment_plan(found(BUCKET), settings("rollback"), bucket_state(ALL, tags)))["status"] == "skipped"


def test_buckets_not_owned_or_in_another_region_are_skipped():
    assert "not a bucket of this account" in one(contain.containment_plan(found(BUCKET), settings(), {"buckets": {"results": []}}))["reason"]
    assert "in Region eu-west-1" in one(contain.containment_plan(found(BUCKET), settings(), bucket_state(location="EU")))["reason"]


def test_done_after_acting():
    plan = contain.containment_plan(found(EC2), dict(settings(), done=True), ec2_state([WEB]))
    assert one(plan)["status"] == "done" and plan["counts"]["done"] == 1


def test_deny_policy_denies_everything():
    plan = contain.containment_plan(found(EC2), settings("plan"))
    assert plan["deny_policy_name"] == POLICY
    assert plan["deny_policy"]["Statement"] == [{"Sid": "GuardDutyContainment", "Effect": "Deny", "Action": "*", "Resource": "*"}]


def test_not_what_investigation_resources_returns():
    with pytest.raises(contain.ContainError, match="Expected what secops.guardduty.investigation_resources returns"):
        contain.containment_plan({"investigation_id": s.INV_ID}, settings())


@pytest.mark.parametrize("caller_arn,res", [
    (f"arn:aws:sts::{s.ACCOUNT}:assumed-role/incident-automation/awx-job-42", s.resource("incident-automation", "IAM_ROLE")),
    (f"arn:aws:iam::{s.ACCOUNT}:user/ops/responder", s.resource("responder", "IAM_USER")),
])
def test_the_identity_running_the_containment_is_never_denied(caller_arn, res):
    plan = one(contain.containment_plan(found(res), dict(settings(), caller_arn=caller_arn)))
    assert plan["status"] == "skipped" and "identity running the containment" in plan["reason"]
    other = one(contain.containment_plan(found(s.resource("someone-else", "IAM_ROLE")), dict(settings(), caller_arn=caller_arn)))
    assert other["status"] == "pending"


def test_plan_mode_shows_the_risk_gate_apply_would_apply():
    plan = contain.containment_plan(found(EC2, risk="Low"), settings("plan"))
    assert one(plan)["status"] == "pending" and plan["gate"].startswith("the risk level is Low, below Medium")
