# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The handlers of containment_plan: what the contain role does about each resource type, from the plain state read.yml builds."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES as HANDLERS
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.resources import RESOURCE_TYPES
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s

found, settings, one = s.found, s.settings, s.one

QG = "sg-0000000000000000a"
WEB, SSH = "sg-11111111111111111", "sg-22222222222222222"
ENI = "eni-0123456789abcdef0"
POLICY = "secops-guardduty-contain-" + s.INV_ID


def instance(groups, tags=None, state="running"):
    return {"instance_id": s.INSTANCE, "vpc_id": "vpc-1", "state": {"name": state}, "tags": tags or {},
            "network_interfaces": [{"network_interface_id": ENI, "groups": [{"group_id": g} for g in groups]}],
            "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {"volume_id": "vol-1"}}]}


def ec2_state(groups, tags=None, quarantine=True, rules=False, snapshots=()):
    group = {"group_id": QG, "group_name": "secops-guardduty-quarantine", "vpc_id": "vpc-1",
             "ip_permissions": [{"ip_protocol": "-1"}] if rules else [], "ip_permissions_egress": []}
    return {"instances": [instance(groups, tags)],
            "groups": [group] if quarantine else [],
            "snapshots": [{"volume_id": v, "tags": {"secops-guardduty:investigation": s.INV_ID}} for v in snapshots]}


EC2 = s.resource(s.INSTANCE, "EC2_INSTANCE")


def test_every_resource_type_has_a_handler():
    assert sorted(HANDLERS) == sorted(RESOURCE_TYPES)


def test_apply_quarantines_records_groups_and_is_idempotent():
    plan = one(containment_plan(found(EC2), settings(), ec2_state([WEB, SSH], quarantine=False)))
    assert plan["status"] == "planned"
    assert plan["changes"]["quarantine_group_id"] is None and plan["changes"]["vpc_id"] == "vpc-1"
    assert plan["changes"]["interfaces"] == [{"eni_id": ENI, "previous_groups": [WEB, SSH]}]
    assert plan["changes"]["tags"] == {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:groups:" + ENI: f"{WEB} {SSH}"}
    assert plan["changes"]["snapshot_volumes"] == []
    # already quarantined: nothing, and the recorded groups are not overwritten with the quarantine group
    again = one(containment_plan(found(EC2), settings(), ec2_state([QG])))
    assert again["status"] == "unchanged" and again["changes"] == {}
    # a quarantine group someone added rules to is emptied again
    assert "remove every rule" in one(containment_plan(found(EC2), settings(), ec2_state([QG], rules=True)))["reason"]


def test_snapshots_once_per_volume():
    plan = one(containment_plan(found(EC2), settings(snapshots=True), ec2_state([QG])))
    assert plan["status"] == "planned" and plan["changes"]["snapshot_volumes"] == ["vol-1"]
    plan = one(containment_plan(found(EC2), settings(snapshots=True), ec2_state([QG], snapshots=["vol-1"])))
    assert plan["status"] == "unchanged"


@pytest.mark.parametrize("inst_state", ["terminated", "shutting-down"])
def test_gone_instances_are_skipped(inst_state):
    state = ec2_state([WEB])
    state["instances"][0]["state"]["name"] = inst_state
    assert one(containment_plan(found(EC2), settings(), state))["status"] == "skipped"
    assert "no such instance" in one(containment_plan(found(EC2), settings(), {}))["reason"]


TAGS = {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:groups:" + ENI: f"{WEB} {SSH}", "Name": "web"}
REC_EC2 = {"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0",
           "interfaces": [{"eni_id": ENI, "previous_groups": [WEB, SSH]}]}


def test_rollback_restores_from_the_record_only_what_this_investigation_recorded():
    plan = one(containment_plan(found(EC2), s.rollback(REC_EC2), ec2_state([QG], TAGS)))
    assert plan["status"] == "planned" and plan["record_status"] == "rolled_back"
    assert plan["changes"]["interfaces"] == [{"eni_id": ENI, "groups": [WEB, SSH]}]
    assert plan["changes"]["remove_tags"] == {k: v for k, v in TAGS.items() if k != "Name"}
    # groups changed since containment: left alone, its tags kept, the record not marked rolled back
    plan = one(containment_plan(found(EC2), s.rollback(REC_EC2), ec2_state([WEB], TAGS)))
    assert plan["status"] == "skipped" and "changed since containment" in plan["reason"] and "record_status" not in plan
    # another investigation's containment
    other = dict(TAGS, **{"secops-guardduty:contained-by": "0a1b2c3d-1234-4abc-8def-0123456789ab"})
    assert one(containment_plan(found(EC2), s.rollback(REC_EC2), ec2_state([QG], other)))["status"] == "skipped"
    # not contained, nothing recorded
    assert one(containment_plan(found(EC2), s.rollback(), ec2_state([WEB])))["status"] == "unchanged"


def test_rollback_never_takes_groups_from_a_tag():
    """An attacker holding the instance's credentials rewrites the tag to name a wide-open group of theirs."""
    attacker = "sg-0badbadbadbadbad0"
    tags = dict(TAGS, **{"secops-guardduty:groups:" + ENI: attacker})
    plan = one(containment_plan(found(EC2), s.rollback(REC_EC2), ec2_state([QG], tags)))
    assert plan["status"] == "skipped" and attacker not in str(plan)
    assert f"{ENI} stays in the quarantine group" in plan["reason"] and "disagrees with the containment record" in plan["reason"]
    # the tag removed, or the contained-by tag rewritten: left contained too
    for changed in ({k: v for k, v in TAGS.items() if k != "secops-guardduty:groups:" + ENI},
                    {k: v for k, v in TAGS.items() if k != "secops-guardduty:contained-by"}):
        plan = one(containment_plan(found(EC2), s.rollback(REC_EC2), ec2_state([QG], changed)))
        assert plan["status"] == "skipped" and "stays in the quarantine group" in plan["reason"]


def test_rollback_without_a_record_entry_leaves_a_tagged_instance_contained():
    plan = one(containment_plan(found(EC2), s.rollback(), ec2_state([QG], TAGS)))
    assert plan["status"] == "skipped" and "the containment record holds nothing for it" in plan["reason"]


def test_rollback_of_an_interrupted_apply():
    """The record was written, the change was not made (the interface is still in its recorded groups)."""
    plan = one(containment_plan(found(EC2), s.rollback(dict(REC_EC2, status="pending")), ec2_state([WEB, SSH])))
    assert plan["status"] == "unchanged" and plan["record_status"] == "rolled_back" and plan["changes"] == {}
    # the tags were written before the kill: they are removed, nothing else is changed
    plan = one(containment_plan(found(EC2), s.rollback(dict(REC_EC2, status="pending")), ec2_state([WEB, SSH], TAGS)))
    assert plan["status"] == "planned" and plan["changes"]["interfaces"] == []
    assert sorted(plan["changes"]["remove_tags"]) == ["secops-guardduty:contained-by", "secops-guardduty:groups:" + ENI]


def test_rollback_never_repeats_tampered_owners():
    hostile = "{{ lookup('pipe', 'id') }}"
    tags = dict(TAGS, **{"secops-guardduty:contained-by": hostile})
    plan = one(containment_plan(found(EC2), s.rollback(REC_EC2), ec2_state([QG], tags)))
    assert plan["status"] == "skipped" and hostile not in plan["reason"] and "(not an investigation id)" in plan["reason"]


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


@pytest.mark.parametrize("kind", ["IAM_USER", "IAM_ROLE"])
def test_principals_get_one_deny_policy_and_lose_only_it(kind):
    key = "user_policies" if kind == "IAM_USER" else "role_policies"
    res = s.resource("alice", kind)

    def state(names):
        return {key: {"alice": names}}

    def settings(*args, **kwargs):  # a role gets the deny-all policy with contain_role_action=deny_all
        return s.settings(*args, role_action="deny_all", **kwargs)

    assert one(containment_plan(found(res), settings(), state(["other"])))["changes"] == {"policy_name": POLICY}
    assert one(containment_plan(found(res), settings(), state(["other", POLICY])))["status"] == "unchanged"
    recorded = {"type": "iam_user" if kind == "IAM_USER" else "iam_role", "id": "alice", "policy_name": POLICY}
    assert one(containment_plan(found(res), s.rollback(recorded), state(["other", POLICY])))["changes"] == {"policy_name": POLICY}
    assert one(containment_plan(found(res), s.rollback(recorded), state(["other"])))["status"] == "unchanged"
    # attached, but not in the record: left attached
    plan = one(containment_plan(found(res), s.rollback(), state(["other", POLICY])))
    assert plan["status"] == "skipped" and "holds nothing for it" in plan["reason"]
    missing = {key: {"alice": None}}  # iam_policy_info found no such principal
    assert one(containment_plan(found(res), settings(), missing))["status"] == "skipped"


BUCKET = s.resource("customer-exports", "S3_BUCKET")


def bucket_state(block=None, tags=None, location=None):
    bucket = {"name": "customer-exports", "bucket_location": {"LocationConstraint": location},
              "public_access_block": {"PublicAccessBlockConfiguration": block} if block else {}, "bucket_tagging": tags or {}}
    return {"buckets": [bucket]}


ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
SOME = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}


PREVIOUS = {"block_public_acls": True, "ignore_public_acls": False, "block_public_policy": True, "restrict_public_buckets": False}
PAB_RECORD = "BlockPublicAcls=true IgnorePublicAcls=false BlockPublicPolicy=true RestrictPublicBuckets=false"


def rec_bucket(previous):
    return {"type": "s3_bucket", "id": "customer-exports", "previous_public_access_block": previous}


def test_buckets_are_blocked_once_and_restored_exactly():
    plan = one(containment_plan(found(BUCKET), settings(), bucket_state(SOME, {"owner": "data"})))
    assert plan["changes"] == {"tags": {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:public-access-block": PAB_RECORD},
                               "previous": PREVIOUS}
    assert one(containment_plan(found(BUCKET), settings(), bucket_state(None)))["changes"]["previous"] is None
    assert one(containment_plan(found(BUCKET), settings(), bucket_state(ALL)))["status"] == "unchanged"
    tags = {"owner": "data", "secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:public-access-block": PAB_RECORD}
    plan = one(containment_plan(found(BUCKET), s.rollback(rec_bucket(PREVIOUS)), bucket_state(ALL, tags)))
    assert plan["changes"] == {"restore": True, "previous": PREVIOUS, "tags": {"owner": "data"}}
    tags["secops-guardduty:public-access-block"] = "none"
    assert one(containment_plan(found(BUCKET), s.rollback(rec_bucket(None)), bucket_state(ALL, tags)))["changes"]["previous"] is None


def test_a_rewritten_bucket_tag_leaves_the_bucket_blocked():
    opened = "BlockPublicAcls=false IgnorePublicAcls=false BlockPublicPolicy=false RestrictPublicBuckets=false"
    tags = {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:public-access-block": opened}
    plan = one(containment_plan(found(BUCKET), s.rollback(rec_bucket(PREVIOUS)), bucket_state(ALL, tags)))
    assert plan["status"] == "skipped" and "left blocked" in plan["reason"] and plan["changes"] == {} and opened not in plan["reason"]
    # blocked and tagged, but not in the record: left blocked
    tags["secops-guardduty:public-access-block"] = PAB_RECORD
    assert "holds nothing for it" in one(containment_plan(found(BUCKET), s.rollback(), bucket_state(ALL, tags)))["reason"]


def test_a_bucket_tagged_by_another_investigation_is_taken_over_and_the_plan_says_so():
    other = "0a1b2c3d-1234-4abc-8def-0123456789ab"
    plan = one(containment_plan(found(BUCKET), settings(), bucket_state(SOME, {"secops-guardduty:contained-by": other})))
    assert plan["status"] == "planned" and plan["changes"]["tags"]["secops-guardduty:contained-by"] == s.INV_ID
    assert f"names investigation {other}, which this containment takes over" in plan["reason"]
    assert "leaves the bucket blocked" in plan["reason"]
    forged = one(containment_plan(found(BUCKET), settings(), bucket_state(SOME, {"secops-guardduty:contained-by": "{{ lookup('pipe', 'id') }}"})))
    assert "(not an investigation id)" in forged["reason"] and "lookup" not in forged["reason"]
    mine = one(containment_plan(found(BUCKET), settings(), bucket_state(SOME, {"secops-guardduty:contained-by": s.INV_ID})))
    assert "takes over" not in mine["reason"]


def test_buckets_not_owned_or_in_another_region_are_skipped():
    assert "not a bucket of this account" in one(containment_plan(found(BUCKET), settings(), {"buckets": []}))["reason"]
    assert "in Region eu-west-1" in one(containment_plan(found(BUCKET), settings(), bucket_state(location="EU")))["reason"]


def test_done_after_acting():
    plan = containment_plan(found(EC2), dict(settings(), done=True), ec2_state([WEB]))
    assert one(plan)["status"] == "done" and plan["counts"]["done"] == 1


# ---------------------------------------------------------------- evidence first, Auto Scaling Standby

AS_FOUND = {"termination_protection": False, "shutdown_behavior": "terminate", "delete_on_termination": {"/dev/xvda": True, "/dev/sdf": False},
            "metadata_endpoint": "enabled"}
KEPT = {"termination_protection": True, "shutdown_behavior": "stop", "delete_on_termination": {"/dev/xvda": False, "/dev/sdf": False},
        "metadata_endpoint": "enabled"}


def evidence_state(groups, previous, tags=None, asg_state=None, group="web-asg"):
    state = ec2_state(groups, tags)
    state["evidence"] = [{"instance_id": s.INSTANCE, "previous": previous}]
    if asg_state:
        state["asg_instances"] = [{"instance_id": s.INSTANCE, "auto_scaling_group_name": group, "lifecycle_state": asg_state}]
    return state


def test_evidence_is_kept_before_the_network_cut_and_recorded():
    result = containment_plan(found(EC2), dict(settings(), time=s.TIME, done=True), evidence_state([WEB], AS_FOUND, asg_state="InService"))
    plan = one(result)
    assert plan["changes"]["evidence"] == {"termination_protection": True, "shutdown_behavior": "stop", "delete_on_termination": {"/dev/xvda": False}}
    assert plan["changes"]["evidence_previous"] == {"termination_protection": False, "shutdown_behavior": "terminate",
                                                    "delete_on_termination": {"/dev/xvda": True}}
    assert plan["changes"]["standby"] == {"group_name": "web-asg", "decrement": False}
    reason = plan["reason"]
    assert reason.index("keep the evidence") < reason.index("Standby") < reason.index("through the all-open group 'secops-guardduty-quarantine-untrack'")
    assert "the group launches a replacement" in reason
    recorded = result["record_before"]["resources"][0]
    assert recorded["evidence"] == plan["changes"]["evidence_previous"] and recorded["standby"] == {"group_name": "web-asg", "decrement": False}
    assert result["limits"] and "always tracked" in result["limits"][0]
    # the metadata endpoint and the capacity only when asked
    plan = one(containment_plan(found(EC2), settings(disable_imds=True, asg_decrement=True), evidence_state([WEB], AS_FOUND, asg_state="InService")))
    assert plan["changes"]["evidence"]["metadata_endpoint"] == "disabled" and plan["changes"]["standby"]["decrement"] is True
    assert "desired capacity goes down by one" in plan["reason"]


def test_an_instance_already_contained_with_its_evidence_kept_is_unchanged():
    plan = one(containment_plan(found(EC2), settings(), evidence_state([QG], KEPT, asg_state="Standby")))
    assert plan["status"] == "unchanged" and plan["changes"] == {}
    # termination protection turned off again since: set again, nothing else
    plan = one(containment_plan(found(EC2), settings(), evidence_state([QG], dict(KEPT, termination_protection=False))))
    assert plan["status"] == "planned" and plan["changes"]["evidence"] == {"termination_protection": True} and plan["changes"]["interfaces"] == []
    # a member in another lifecycle state is not put into Standby, and the plan says so
    plan = one(containment_plan(found(EC2), settings(), evidence_state([QG], KEPT, asg_state="Pending")))
    assert plan["status"] == "unchanged" and "lifecycle state Pending: not put into Standby" in plan["reason"]
    # nothing read about the evidence settings (no evidence in the state): said, never guessed
    assert "were not read: left as they are" in one(containment_plan(found(EC2), settings(), ec2_state([QG])))["reason"]


REC_FULL = dict(REC_EC2, evidence={"termination_protection": False, "shutdown_behavior": "terminate", "delete_on_termination": {"/dev/xvda": True}},
                standby={"group_name": "web-asg", "decrement": False})


def test_rollback_restores_the_recorded_evidence_and_returns_from_standby():
    plan = one(containment_plan(found(EC2), s.rollback(REC_FULL), evidence_state([QG], KEPT, TAGS, asg_state="Standby")))
    assert plan["status"] == "planned" and plan["record_status"] == "rolled_back"
    assert plan["changes"]["evidence"] == REC_FULL["evidence"] and plan["changes"]["standby_group"] == "web-asg"
    # already restored: nothing more (a second rollback)
    restored = dict(AS_FOUND)
    plan = one(containment_plan(found(EC2), s.rollback(REC_FULL), evidence_state([WEB, SSH], restored, asg_state="InService")))
    assert plan["status"] == "unchanged"
    # left in another group since, or gone from it: not returned, and said
    plan = one(containment_plan(found(EC2), s.rollback(REC_FULL), evidence_state([QG], KEPT, TAGS, asg_state="Standby", group="other")))
    assert plan["changes"]["standby_group"] is None and "no longer a member of the Auto Scaling group web-asg" in plan["reason"]


def test_an_instance_kept_contained_keeps_its_evidence_settings_and_standby():
    tags = dict(TAGS, **{"secops-guardduty:groups:" + ENI: "sg-0badbadbadbadbad0"})
    plan = one(containment_plan(found(EC2), s.rollback(REC_FULL), evidence_state([QG], KEPT, tags, asg_state="Standby")))
    assert plan["status"] == "skipped" and plan["changes"] == {}
    assert "evidence settings, Auto Scaling Standby, network ACL entries and load balancer target groups stay as containment set them" in plan["reason"]


# ---------------------------------------------------------------- load balancer target groups (outside Auto Scaling groups)

TG_WEB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
TG_API = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/fedcba9876543210"
TG_ELSEWHERE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/other-vpc/00000000000000aa"
ADDRESS = "10.0.1.5"


def target_state(groups, registered, tags=None, asg_state=None):
    """The instance (with the address ADDRESS) and the target groups of its VPC and another, ``registered`` in them:
    [(target group ARN, id, port, health state)]."""
    state = evidence_state(groups, KEPT, tags, asg_state=asg_state)
    state["instances"][0]["network_interfaces"][0].update(subnet_id="subnet-1", private_ip_addresses=[{"private_ip_address": ADDRESS}])
    state["target_groups"] = [{"target_group_arn": TG_WEB, "target_group_name": "web", "target_type": "instance", "vpc_id": "vpc-1", "port": 80},
                              {"target_group_arn": TG_API, "target_group_name": "api", "target_type": "ip", "vpc_id": "vpc-1", "port": 8080},
                              {"target_group_arn": TG_ELSEWHERE, "target_group_name": "other-vpc", "target_type": "instance",
                               "vpc_id": "vpc-2", "port": 80}]
    state["target_registrations"] = [{"target_group_arn": arn, "id": target, "port": port, "availability_zone": None, "state": health,
                                      "target_group_name": "{{ 7*7 }}"} for arn, target, port, health in registered]
    return state


WEB_80 = {"target_group_arn": TG_WEB, "id": s.INSTANCE, "port": 80, "availability_zone": None}
API_8080 = {"target_group_arn": TG_API, "id": ADDRESS, "port": 8080, "availability_zone": None}


def test_an_instance_leaves_its_target_groups_before_the_network_cut_and_the_record_holds_them():
    registered = [(TG_WEB, s.INSTANCE, 80, "healthy"), (TG_API, ADDRESS, 8080, "unhealthy"),
                  (TG_WEB, "i-0fedcba9876543210", 80, "healthy"),  # another instance: not touched
                  (TG_ELSEWHERE, s.INSTANCE, 80, "healthy"),  # a target group of another VPC: not the instance's
                  (TG_API, s.INSTANCE, 9090, "draining")]  # leaving already
    result = containment_plan(found(EC2), dict(settings(), time=s.TIME, done=True), target_state([WEB], registered))
    plan = one(result)
    assert plan["changes"]["target_registrations"] == [API_8080, WEB_80]
    assert plan["changes"]["target_groups"] == [{"target_group_arn": TG_API, "targets": [{"id": ADDRESS, "port": 8080}]},
                                                {"target_group_arn": TG_WEB, "targets": [{"id": s.INSTANCE, "port": 80}]}]
    reason = plan["reason"]
    assert f"take it out of the load balancer target groups api ({TG_API}) port 8080 as {ADDRESS}, web ({TG_WEB}) port 80" in reason
    assert reason.index("target groups") < reason.index("through the all-open group")
    assert result["record_before"]["resources"][0]["target_registrations"] == [API_8080, WEB_80]
    # contained already, and out of its target groups: unchanged (a second apply)
    plan = one(containment_plan(found(EC2), settings(), target_state([QG], [(TG_API, s.INSTANCE, 9090, "draining")])))
    assert plan["status"] == "unchanged", plan["reason"]
    # registered again since: taken out again, nothing else
    plan = one(containment_plan(found(EC2), settings(), target_state([QG], [(TG_WEB, s.INSTANCE, 80, "healthy")])))
    assert plan["status"] == "planned" and plan["changes"]["interfaces"] == [] and plan["changes"]["target_registrations"] == [WEB_80]


def test_an_auto_scaling_member_leaves_its_load_balancers_through_standby_only():
    plan = one(containment_plan(found(EC2), settings(), target_state([WEB], [(TG_WEB, s.INSTANCE, 80, "healthy")], asg_state="InService")))
    assert plan["changes"]["standby"] and plan["changes"]["target_registrations"] == [] and "target groups" not in plan["reason"]


REC_TARGETS = dict(REC_EC2, vpc_id="vpc-0123456789abcdef0", target_registrations=[API_8080, WEB_80])


def test_rollback_registers_exactly_what_the_record_holds_again():
    # a registration the API shows now on another port is not what the record holds: the recorded one is registered
    plan = one(containment_plan(found(EC2), s.rollback(REC_TARGETS), target_state([QG], [(TG_WEB, s.INSTANCE, 8081, "healthy")], TAGS)))
    assert plan["status"] == "planned" and plan["record_status"] == "rolled_back"
    assert plan["changes"]["target_groups"] == [{"target_group_arn": TG_API, "targets": [{"id": ADDRESS, "port": 8080}]},
                                                {"target_group_arn": TG_WEB, "targets": [{"id": s.INSTANCE, "port": 80}]}]
    assert f"register it again in the load balancer target groups api ({TG_API}) port 8080 as {ADDRESS}" in plan["reason"]
    # registered again already (a second rollback): nothing
    both = [(TG_WEB, s.INSTANCE, 80, "initial"), (TG_API, ADDRESS, 8080, "healthy")]
    plan = one(containment_plan(found(EC2), s.rollback(REC_TARGETS), target_state([WEB, SSH], both)))
    assert plan["status"] == "unchanged", plan["reason"]
    # a target group gone since: said, the others registered
    state = target_state([QG], [], TAGS)
    state["target_groups"] = state["target_groups"][:1]
    plan = one(containment_plan(found(EC2), s.rollback(REC_TARGETS), state))
    assert plan["changes"]["target_groups"] == [{"target_group_arn": TG_WEB, "targets": [{"id": s.INSTANCE, "port": 80}]}]
    assert f"the target group {TG_API} is gone (or not in the instance's VPC)" in plan["reason"]
    # an instance left contained (a tag rewritten) stays out of its target groups too
    tags = dict(TAGS, **{"secops-guardduty:groups:" + ENI: "sg-0badbadbadbadbad0"})
    plan = one(containment_plan(found(EC2), s.rollback(REC_TARGETS), target_state([QG], [], tags)))
    assert plan["status"] == "skipped" and plan["changes"] == {}


@pytest.mark.parametrize("bad,message", [
    (dict(WEB_80, id="i-0fedcba9876543210"), "a target registration of another instance"),
    (dict(WEB_80, target_group_arn="arn:aws:iam::123456789012:role/{{ 7*7 }}"), "its target_group_arn is not a target group ARN"),
    (dict(WEB_80, port=0), "its port is not from 1 to 65535"),
    (dict(WEB_80, name="web"), "it has other members than"),
])
def test_a_record_with_a_foreign_registration_is_refused(bad, message):
    with pytest.raises(Exception, match="not a containment record this role wrote") as e:
        containment_plan(found(EC2), s.rollback(dict(REC_EC2, target_registrations=[bad])), target_state([QG], [], TAGS))
    assert message in str(e.value)


@pytest.mark.parametrize("bad", [{"disable_imds": "yes"}, {"asg_decrement": 1}])
def test_evidence_settings_must_be_booleans(bad):
    with pytest.raises(Exception, match="must be true or false"):
        containment_plan(found(EC2), settings(**bad), ec2_state([WEB]))


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


# ---------------------------------------------------------------- contain_network_acl

ACL = "acl-0123456789abcdef0"


def acl_state(groups, ingress=None, egress=None, tags=None):
    state = ec2_state(groups, tags)
    eni = state["instances"][0]["network_interfaces"][0]
    eni.update(subnet_id="subnet-1", private_ip_addresses=[{"private_ip_address": "10.0.1.5"}], ipv6_addresses=[{"ipv6_address": "2001:db8::5"}])
    allow = [[100, "all", "allow", "0.0.0.0/0", None, None, None, None]]
    state["nacls"] = [{"nacl_id": ACL, "subnets": ["subnet-1", "subnet-2"], "ingress": allow if ingress is None else ingress,
                       "egress": allow if egress is None else egress}]
    return state


def test_network_acl_denies_each_address_before_every_allow_entry_and_is_undone_from_the_record():
    ingress = [[1, "all", "deny", "192.0.2.0/24", None, None, None, None], [100, "all", "allow", "0.0.0.0/0", None, None, None, None]]
    result = containment_plan(found(EC2), settings(network_acl=True, time=s.TIME, done=True), acl_state([WEB], ingress=ingress))
    plan = one(result)
    entries = plan["changes"]["network_acl_entries"]
    assert entries == [{"nacl_id": ACL, "rule_number": 2, "egress": False, "cidr": "10.0.1.5/32"},
                       {"nacl_id": ACL, "rule_number": 3, "egress": False, "cidr": "2001:db8::5/128"},
                       {"nacl_id": ACL, "rule_number": 1, "egress": True, "cidr": "10.0.1.5/32"},
                       {"nacl_id": ACL, "rule_number": 2, "egress": True, "cidr": "2001:db8::5/128"}]
    assert plan["changes"]["network_acls"] == [{"nacl_id": ACL, "entries": [{k: e[k] for k in ("rule_number", "egress", "cidr")} for e in entries]}]
    assert result["record_before"]["resources"][0]["network_acl_entries"] == entries
    # not asked for: nothing in the ACL
    assert one(containment_plan(found(EC2), settings(), acl_state([WEB])))["changes"]["network_acl_entries"] == []
    # rollback removes exactly the recorded entries that are still there as added; another entry at the number stays
    now = [[2, "all", "deny", "10.0.1.5/32", None, None, None, None], [3, "tcp", "allow", "10.0.0.0/8", None, None, 22, 22],
           [100, "all", "allow", "0.0.0.0/0", None, None, None, None]]
    rec = dict(REC_EC2, network_acl_entries=entries)
    plan = one(containment_plan(found(EC2), s.rollback(rec), acl_state([QG], ingress=now, egress=[], tags=TAGS)))
    assert plan["changes"]["network_acls"] == [{"nacl_id": ACL, "entries": [{"rule_number": 2, "egress": False, "cidr": "10.0.1.5/32"}]}]
    assert "rule 3 of the network ACL " + ACL + " is another entry now: left as it is" in plan["reason"]


def test_network_acl_without_room_is_refused_with_the_reason():
    full = [[n, "tcp", "deny", f"198.51.100.{n}/32", None, None, 22, 22] for n in range(1, 100)] + [[100, "all", "allow", "0.0.0.0/0", None, None, None, None]]
    plan = one(containment_plan(found(EC2), settings(network_acl=True), acl_state([WEB], ingress=full)))
    assert plan["status"] == "skipped" and "no free rule number before the first allow entry (100)" in plan["reason"]
    many = [[n, "tcp", "deny", f"198.51.100.{n}/32", None, None, 22, 22] for n in range(10, 29)] + [[100, "all", "allow", "0.0.0.0/0", None, None, None, None]]
    plan = one(containment_plan(found(EC2), settings(network_acl=True), acl_state([WEB], ingress=many)))
    assert plan["status"] == "skipped" and "has 20 inbound entries: 2 more would pass its limit of 20" in plan["reason"]
    # the ACL of the subnet not read: never guessed
    state = acl_state([WEB])
    state["nacls"] = []
    assert "the network ACL of its subnet subnet-1 was not read" in one(containment_plan(found(EC2), settings(network_acl=True), state))["reason"]


# ---------------------------------------------------------------- security groups: ingress rules open to the internet

SG = "sg-0123456789abcdef0"
SG_RESOURCE = s.resource(SG, "EC2_SECURITY_GROUP")
OWNED = {"secops-guardduty:contained-by": s.INV_ID}
SSH_ANY = {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0", "description": "ssh from anywhere"}
ALL_V6 = {"protocol": "-1", "from_port": None, "to_port": None, "cidr": "::/0", "description": None}


def sg_state(rules=(), tags=None, name="web"):
    """A named group with ``rules`` (as the plan and the record spell them) in ec2_security_group_info's shape, plus
    an inside rule and a rule naming another group that containment never touches."""
    permissions = [{"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "ip_ranges": [{"cidr_ip": "10.0.0.0/8"}],
                    "ipv6_ranges": [], "user_id_group_pairs": [{"group_id": WEB}]}]
    for rule in rules:
        perm = {"ip_protocol": rule["protocol"], "ip_ranges": [], "ipv6_ranges": []}
        if rule["protocol"] != "-1":
            perm.update(from_port=rule["from_port"], to_port=rule["to_port"])
        network = dict({"description": rule["description"]} if rule["description"] else {})
        if ":" in rule["cidr"]:
            perm["ipv6_ranges"].append(dict(network, cidr_ipv6=rule["cidr"]))
        else:
            perm["ip_ranges"].append(dict(network, cidr_ip=rule["cidr"]))
        permissions.append(perm)
    return {"named_groups": [{"group_id": SG, "group_name": name, "vpc_id": "vpc-1", "ip_permissions": permissions,
                              "ip_permissions_egress": [{"ip_protocol": "-1", "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}],
                              "tags": tags or {}}]}


def recorded(rule):
    """A rule as the record holds it (its description base64-encoded)."""
    description = rule["description"]
    return dict({k: v for k, v in rule.items() if k != "description"},
                description_base64=base64.b64encode(description.encode()).decode() if description else None)


def rec_group(*rules):
    return {"type": "ec2_security_group", "id": SG, "removed_rules": [recorded(r) for r in rules]}


def test_a_group_loses_only_its_ingress_rules_open_to_the_internet_once():
    plan = one(containment_plan(found(SG_RESOURCE), settings(), sg_state([SSH_ANY, ALL_V6])))
    assert plan["status"] == "planned"
    assert plan["changes"] == {"rules": [SSH_ANY, ALL_V6], "tags": OWNED}  # the 10.0.0.0/8 rule and the egress rule stay
    # the reason (it reaches the set_stats artifacts) never repeats a description: anyone who edits the group writes it
    assert "tcp 22-22 from 0.0.0.0/0, all traffic from ::/0 (recorded" in plan["reason"] and "anywhere" not in plan["reason"]
    # the record keeps each rule's full definition, the description base64-encoded (the record is an artifact too)
    done = containment_plan(found(SG_RESOURCE), settings(time=s.TIME, done=True, record_file=None), sg_state([SSH_ANY, ALL_V6]))
    assert done["record"]["resources"] == [{"type": "ec2_security_group", "id": SG, "status": "applied", "time": s.TIME,
                                            "removed_rules": [recorded(SSH_ANY), recorded(ALL_V6)]}]
    assert recorded(SSH_ANY)["description_base64"] == "c3NoIGZyb20gYW55d2hlcmU="
    # a second apply: nothing open is left, nothing to do
    again = one(containment_plan(found(SG_RESOURCE), settings(), sg_state([], OWNED)))
    assert again["status"] == "unchanged" and again["changes"] == {} and "no ingress rule open" in again["reason"]


def test_an_apply_after_someone_reopened_the_group_keeps_every_rule_recorded():
    base = s.record(rec_group(SSH_ANY))
    other = dict(SSH_ANY, from_port=443, to_port=443, description=None)
    plan = containment_plan(found(SG_RESOURCE), settings(time=s.TIME, done=True, record=base, record_file=None), sg_state([other], OWNED))
    (rec,) = plan["record"]["resources"]
    assert rec["removed_rules"] == [recorded(SSH_ANY), recorded(other)]


def test_the_roles_own_groups_are_never_changed():
    for name in ("secops-guardduty-quarantine", "secops-guardduty-quarantine-untrack"):
        plan = one(containment_plan(found(SG_RESOURCE), settings(), sg_state([ALL_V6], name=name)))
        assert plan["status"] == "skipped" and "the contain role's own" in plan["reason"]
    assert "no such security group" in one(containment_plan(found(SG_RESOURCE), settings(), {"named_groups": []}))["reason"]


def test_rollback_adds_back_exactly_the_recorded_rules_that_are_missing():
    plan = one(containment_plan(found(SG_RESOURCE), s.rollback(rec_group(SSH_ANY, ALL_V6)), sg_state([ALL_V6], OWNED)))
    assert plan["status"] == "planned" and plan["record_status"] == "rolled_back"
    assert plan["changes"] == {"rules": [SSH_ANY], "remove_tags": OWNED}  # the description decoded from the record
    short = dict(ALL_V6, description="a")  # the shortest description: base64 "YQ=="
    assert one(containment_plan(found(SG_RESOURCE), s.rollback(rec_group(short)), sg_state([], OWNED)))["changes"]["rules"] == [short]
    # rules back, tag removed: a second rollback has nothing to do
    again = one(containment_plan(found(SG_RESOURCE), s.rollback(rec_group(SSH_ANY, ALL_V6)), sg_state([SSH_ANY, ALL_V6])))
    assert again["status"] == "unchanged" and again["changes"] == {}
    # rules back (a rollback stopped before it removed the tag): only the tag
    tag_only = one(containment_plan(found(SG_RESOURCE), s.rollback(rec_group(SSH_ANY)), sg_state([SSH_ANY], OWNED)))
    assert tag_only["changes"] == {"rules": [], "remove_tags": OWNED}


def test_rollback_takes_nothing_from_tags_and_leaves_a_disagreeing_group_as_it_is():
    # the tag is gone but the rules the record holds are missing: left, with the reason
    plan = one(containment_plan(found(SG_RESOURCE), s.rollback(rec_group(SSH_ANY)), sg_state([])))
    assert plan["status"] == "skipped" and "disagrees with the containment record" in plan["reason"] and plan["changes"] == {}
    # another investigation's tag: left to it
    other = {"secops-guardduty:contained-by": "0a1b2c3d-1234-4abc-8def-0123456789ab"}
    plan = one(containment_plan(found(SG_RESOURCE), s.rollback(rec_group(SSH_ANY)), sg_state([], other)))
    assert plan["status"] == "skipped" and "roll back with that investigation" in plan["reason"]
    # tagged, but the record holds nothing for it: nothing is re-added
    plan = one(containment_plan(found(SG_RESOURCE), s.rollback(), sg_state([], OWNED)))
    assert plan["status"] == "skipped" and "holds nothing for it" in plan["reason"]


# ---------------------------------------------------------------- Lambda functions: reserved concurrency 0

FUNCTION = s.resource("payments", "LAMBDA_FUNCTION")


def fn_state(value, exists=True):
    """What lambda_function_concurrency returns when it only reads (looped: with the item)."""
    return {"function_concurrency": [{"item": "payments", "function_name": "payments", "exists": exists, "previous": value,
                                      "reserved_concurrency": value}]}


def rec_function(previous):
    return {"type": "lambda_function", "id": "payments", "previous_reserved_concurrency": previous}


@pytest.mark.parametrize("previous", [None, 25])
def test_a_function_is_stopped_once_and_given_back_its_setting(previous):
    plan = one(containment_plan(found(FUNCTION), settings(), fn_state(previous)))
    assert plan["status"] == "planned" and plan["changes"] == {"previous": previous}
    assert "set its reserved concurrency to 0" in plan["reason"]
    done = containment_plan(found(FUNCTION), settings(time=s.TIME, done=True, record_file=None), fn_state(previous))
    assert done["record"]["resources"] == [dict(rec_function(previous), status="applied", time=s.TIME)]
    assert one(containment_plan(found(FUNCTION), settings(), fn_state(0)))["status"] == "unchanged"
    back = one(containment_plan(found(FUNCTION), s.rollback(rec_function(previous)), fn_state(0)))
    assert back["status"] == "planned" and back["changes"] == {"previous": previous} and back["record_status"] == "rolled_back"
    again = one(containment_plan(found(FUNCTION), s.rollback(rec_function(previous)), fn_state(previous)))
    assert again["status"] == "unchanged" and again["changes"] == {}


def test_a_function_changed_since_or_not_recorded_is_left_as_it_is():
    plan = one(containment_plan(found(FUNCTION), s.rollback(rec_function(None)), fn_state(7)))
    assert plan["status"] == "skipped" and "changed since containment (it is 7, not 0)" in plan["reason"] and plan["changes"] == {}
    plan = one(containment_plan(found(FUNCTION), s.rollback(), fn_state(0)))
    assert plan["status"] == "unchanged" and "holds nothing for it" in plan["reason"] and plan["changes"] == {}
    assert "no such Lambda function" in one(containment_plan(found(FUNCTION), settings(), fn_state(None, exists=False)))["reason"]


def test_a_second_apply_keeps_the_setting_from_before_any_containment():
    base = s.record(rec_function(25))
    plan = containment_plan(found(FUNCTION), settings(time=s.TIME, done=True, record=base, record_file=None), fn_state(3))
    assert [r["previous_reserved_concurrency"] for r in plan["record"]["resources"]] == [25]


# ---------------------------------------------------------------- EBS volumes: a forensic snapshot, kept

VOL = "vol-0123456789abcdef0"
VOLUME = s.resource(VOL, "EBS_VOLUME")


def vol_state(*snapshots, exists=True):
    """The volume as ec2_vol_info returns it and the snapshots read (tagged with the investigation, or another)."""
    return {"volumes": [{"id": VOL, "status": "in-use"}] if exists else [],
            "snapshots": [{"snapshot_id": snap, "volume_id": VOL, "tags": {"secops-guardduty:investigation": inv}} for snap, inv in snapshots]}


def test_a_volume_is_snapshotted_once_and_its_snapshot_kept_on_rollback():
    other = ("snap-0000000000000000b", "0a1b2c3d-1234-4abc-8def-0123456789ab")  # another investigation's snapshot does not count
    plan = one(containment_plan(found(VOLUME), settings(), vol_state(other)))
    assert plan["status"] == "planned" and plan["changes"] == {"snapshot": True} and "kept on rollback" in plan["reason"]
    done = containment_plan(found(VOLUME), settings(time=s.TIME, done=True, record_file=None), vol_state())
    assert done["record"]["resources"] == [{"type": "ebs_volume", "id": VOL, "status": "applied", "time": s.TIME, "forensic_snapshot": True}]
    ours = ("snap-0000000000000000a", s.INV_ID)
    again = one(containment_plan(found(VOLUME), settings(), vol_state(other, ours)))
    assert again["status"] == "unchanged" and "snap-0000000000000000a" in again["reason"]
    back = one(containment_plan(found(VOLUME), s.rollback({"type": "ebs_volume", "id": VOL, "forensic_snapshot": True}), vol_state(ours)))
    assert back["status"] == "unchanged" and back["changes"] == {} and back["record_status"] == "rolled_back"
    assert "its forensic snapshots stay as evidence (snap-0000000000000000a)" in back["reason"]
    assert "no such EBS volume" in one(containment_plan(found(VOLUME), settings(), vol_state(exists=False)))["reason"]


# ---------------------------------------------------------------- RDS DB instances: a snapshot, not public, the quarantine group

DB = s.resource("orders-db", "RDS_INSTANCE")
DB_SNAPSHOT = "secops-guardduty-orders-db-" + s.INV_ID
DB_VPC = "vpc-0123456789abcdef0"


def db_state(groups, public, tags=None, snapshots=(), quarantine=True, status="available"):
    """The DB instance as rds_instance_info returns it, its snapshots (rds_snapshot_info) and its VPC's quarantine group."""
    return {"db_instances": [{"db_instance_identifier": "orders-db", "db_instance_status": status, "publicly_accessible": public,
                              "db_subnet_group": {"vpc_id": DB_VPC}, "tags": tags or {},
                              "vpc_security_groups": [{"vpc_security_group_id": g, "status": "active"} for g in groups]}],
            # as rds_snapshot_info (amazon.aws 11.4.0) returns them: the API's TagList as tag_list, its own tags empty
            "db_snapshots": [{"db_snapshot_identifier": snap, "db_instance_identifier": "orders-db", "tags": {},
                              "tag_list": [{"key": "secops-guardduty:investigation", "value": inv}]} for snap, inv in snapshots],
            "groups": [{"group_id": QG, "group_name": "secops-guardduty-quarantine", "vpc_id": DB_VPC,
                        "ip_permissions": [], "ip_permissions_egress": []}] if quarantine else []}


def rec_db(previous_public=True, previous_groups=(WEB, SSH), snapshot=DB_SNAPSHOT):
    return {"type": "rds_instance", "id": "orders-db", "vpc_id": DB_VPC, "previous_publicly_accessible": previous_public,
            "previous_vpc_security_groups": list(previous_groups), "snapshot": snapshot}


CONTAINED_DB = {"secops-guardduty:contained-by": s.INV_ID}


def test_a_db_instance_is_snapshotted_made_private_and_quarantined_once():
    # the quarantine group does not exist yet: apply creates it in the DB's VPC
    plan = one(containment_plan(found(DB), settings(), db_state([WEB, SSH], True, quarantine=False)))
    assert plan["status"] == "planned" and plan["changes"] == {
        "vpc_id": DB_VPC, "snapshot": DB_SNAPSHOT, "previous_publicly_accessible": True, "previous_vpc_security_groups": [WEB, SSH],
        "tags": CONTAINED_DB}
    reason = plan["reason"]
    assert reason.index("take a snapshot") < reason.index("make it not publicly accessible") < reason.index("quarantine group")
    done = containment_plan(found(DB), settings(time=s.TIME, done=True, record_file=None), db_state([WEB, SSH], True))
    assert done["record"]["resources"] == [dict(rec_db(), status="applied", time=s.TIME)]
    # once contained and snapshotted: unchanged; another investigation's snapshot does not count
    again = one(containment_plan(found(DB), settings(), db_state([QG], False, CONTAINED_DB, [(DB_SNAPSHOT, s.INV_ID)])))
    assert again["status"] == "unchanged" and again["changes"] == {} and DB_SNAPSHOT in again["reason"]
    other = one(containment_plan(found(DB), settings(), db_state([QG], False, CONTAINED_DB, [("theirs", "0a1b2c3d-1234-4abc-8def-0123456789ab")])))
    assert other["status"] == "planned" and other["changes"]["snapshot"] == DB_SNAPSHOT and "publicly" not in other["reason"]


def test_a_second_apply_keeps_the_db_settings_from_before_any_containment():
    base = s.record(rec_db())
    plan = containment_plan(found(DB), settings(time=s.TIME, done=True, record=base, record_file=None),
                            db_state([QG], True, CONTAINED_DB, [(DB_SNAPSHOT, s.INV_ID)]))  # someone made it public again
    (rec,) = plan["record"]["resources"]
    assert (rec["previous_publicly_accessible"], rec["previous_vpc_security_groups"], rec["snapshot"]) == (True, [WEB, SSH], DB_SNAPSHOT)


@pytest.mark.parametrize("status", ["deleting", "failed"])
def test_db_instances_gone_or_missing_are_skipped(status):
    assert "the DB instance is " + status in one(containment_plan(found(DB), settings(), db_state([WEB], True, status=status)))["reason"]
    missing = one(containment_plan(found(DB), settings(), {"db_instances": []}))
    assert missing["status"] == "skipped" and "no such RDS DB instance" in missing["reason"]


def test_rollback_gives_the_db_back_what_the_record_holds_and_keeps_the_snapshot():
    contained = db_state([QG], False, dict(CONTAINED_DB, team="orders"), [(DB_SNAPSHOT, s.INV_ID)])
    back = one(containment_plan(found(DB), s.rollback(rec_db()), contained))
    assert back["status"] == "planned" and back["record_status"] == "rolled_back"
    assert back["changes"] == {"restore": True, "publicly_accessible": True, "vpc_security_groups": [WEB, SSH], "tags": {"team": "orders"}}
    assert f"its snapshot {DB_SNAPSHOT} stays as evidence" in back["reason"]
    # a DB that was private before containment stays private
    private = one(containment_plan(found(DB), s.rollback(rec_db(previous_public=False)), contained))
    assert private["changes"]["publicly_accessible"] is False and "keep it not publicly accessible" in private["reason"]
    # done: a second rollback has nothing to undo
    again = one(containment_plan(found(DB), s.rollback(rec_db()), db_state([SSH, WEB], True, {"team": "orders"}, [(DB_SNAPSHOT, s.INV_ID)])))
    assert again["status"] == "unchanged" and again["changes"] == {} and again["record_status"] == "rolled_back"


def test_db_rollback_takes_nothing_from_tags_and_leaves_a_disagreeing_db_contained():
    # no record: a tagged DB stays contained; an untagged one is not ours
    assert one(containment_plan(found(DB), s.rollback(), db_state([QG], False, CONTAINED_DB)))["status"] == "skipped"
    assert one(containment_plan(found(DB), s.rollback(), db_state([WEB], True)))["status"] == "unchanged"
    # the tag names another investigation: left to it
    theirs = one(containment_plan(found(DB), s.rollback(rec_db()), db_state([QG], False, {"secops-guardduty:contained-by": "0a1b2c3d"})))
    assert theirs["status"] == "skipped" and "roll back with that investigation" in theirs["reason"]
    # the tag was removed while the DB is contained: the record and the tag disagree, the DB stays as it is
    gone = one(containment_plan(found(DB), s.rollback(rec_db()), db_state([QG], False)))
    assert gone["status"] == "skipped" and gone["changes"] == {} and "disagrees with the containment record" in gone["reason"]
    # made public or given other groups since containment: left as it is
    for changed in (db_state([QG], True, CONTAINED_DB), db_state([QG, SSH], False, CONTAINED_DB)):
        plan = one(containment_plan(found(DB), s.rollback(rec_db()), changed))
        assert plan["status"] == "skipped" and plan["changes"] == {} and "changed since containment" in plan["reason"]


def test_a_db_tagged_by_another_investigation_is_taken_over_and_the_plan_says_so():
    plan = one(containment_plan(found(DB), settings(), db_state([WEB], True, {"secops-guardduty:contained-by": "0a1b2c3d"})))
    assert plan["status"] == "planned" and "which this containment takes over" in plan["reason"]
    assert plan["changes"]["tags"] == CONTAINED_DB
