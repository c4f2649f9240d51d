# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 instances: evidence first (settings, Standby, target groups), then the cut through the untrack group into the quarantine
group and the network ACL; rollback from the record only.

The action type's plan, rollback and record check (containment_plan with a plain state), and the steps of its apply
and rollback run against real boto3 clients with botocore's Stubber (no AWS)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import merge_records
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

found, settings, one = s.found, s.settings, s.one
QG, WEB, SSH, ENI, EC2, ATTACKER, LATER, ec2_state = s.QG, s.WEB, s.SSH, s.ENI, s.EC2, s.ATTACKER, s.LATER, s.ec2_state


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


# ---------------------------------------------------------------- the record


def test_a_second_apply_keeps_the_evidence_settings_from_before_any_containment():
    first = {"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "status": "applied", "time": s.TIME,
             "interfaces": [{"eni_id": ENI, "previous_groups": [WEB]}],
             "evidence": {"termination_protection": False, "delete_on_termination": {"/dev/xvda": True}},
             "standby": {"group_name": "web-asg", "decrement": False}}
    # someone turned termination protection off and set DeleteOnTermination of another volume after containment
    again = {"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "status": "pending", "time": LATER,
             "interfaces": [], "evidence": {"termination_protection": False, "delete_on_termination": {"/dev/sdf": True}}}
    merged = merge_records(s.record(), [first], s.TIME)
    merged = merge_records(merged, [again], LATER)["resources"][0]
    assert merged["evidence"] == {"termination_protection": False, "delete_on_termination": {"/dev/sdf": True, "/dev/xvda": True}}
    assert merged["standby"] == first["standby"] and merged["interfaces"] == first["interfaces"]
    # an instance recorded only for its evidence settings (its interfaces were already in the quarantine group) is a valid record
    only = dict(first, interfaces=[])
    plan = containment_plan(found(EC2), settings("rollback", record=s.record({k: v for k, v in only.items() if k not in ("status", "time")})))
    assert plan["record"]["resources"][0]["evidence"] == first["evidence"]


def test_a_second_apply_keeps_the_target_registrations_an_earlier_one_took_out():
    web = {"target_group_arn": TG_WEB, "id": s.INSTANCE, "port": 80, "availability_zone": None}
    first = {"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "status": "applied", "time": s.TIME,
             "interfaces": [{"eni_id": ENI, "previous_groups": [WEB]}], "target_registrations": [web]}
    # registered again on another port since, and taken out again: both are recorded, the first one kept
    again = {"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "status": "pending", "time": LATER,
             "interfaces": [], "target_registrations": [dict(web, port=8080)]}
    merged = merge_records(merge_records(s.record(), [first], s.TIME), [again], LATER)["resources"][0]
    assert merged["target_registrations"] == [web, dict(web, port=8080)] and merged["interfaces"] == first["interfaces"]
    # an instance recorded only for its target registrations is a valid record
    only = {k: v for k, v in dict(first, interfaces=[]).items() if k not in ("status", "time")}
    plan = containment_plan(found(EC2), settings("rollback", record=s.record(only)))
    assert plan["record"]["resources"][0]["target_registrations"] == [web]


@pytest.mark.parametrize("change,message", [
    (lambda e: e["interfaces"][0].update(previous_groups=[ATTACKER]), "are not security group ids"),
    (lambda e: e["interfaces"][0].update(previous_groups=[]), "are not security group ids"),
    (lambda e: e["interfaces"][0].update(eni_id="eni-x"), "not an eni- id"),
    (lambda e: e.update(evidence={"termination_protection": "no"}), "evidence termination_protection is not true or false"),
    (lambda e: e.update(evidence={"shutdown_behavior": "hibernate"}), "evidence shutdown_behavior is not stop or terminate"),
    (lambda e: e.update(evidence={"delete_on_termination": {"/dev/x; id": True}}), "not device names"),
    (lambda e: e.update(evidence={"user_data": "#!/bin/sh"}), "an evidence setting this role does not record"),
    (lambda e: e.update(standby={"group_name": "web:{{ x }}", "decrement": False}), "not an Auto Scaling group name"),
    (lambda e: e.update(interfaces=[]), "records no network interface"),
    (lambda e: e.update(network_acl_entries=[{"nacl_id": "acl-0123456789abcdef0", "rule_number": 1, "egress": False,
                                             "cidr": "0.0.0.0/0"}]), "a network ACL entry that is not"),
    (lambda e: e.update(network_acl_entries=[{"nacl_id": "acl-0123456789abcdef0", "rule_number": 32767, "egress": False,
                                             "cidr": "10.0.1.5/32"}]), "a network ACL entry that is not"),
])
def test_a_record_entry_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    s.assert_refused_whole(change, message, "ec2_instance")


# ---------------------------------------------------------------- the steps of apply and rollback

UNTRACK = "sg-0000000000000000b"
K = f"ec2_instance:{s.INSTANCE}"
KEEP, STANDBY, DEREGISTER, SNAPSHOT, NACL = f"{K}:evidence", f"{K}:standby", f"{K}:deregister:{TG_WEB}", f"{K}:snapshot:vol-1", f"{K}:nacl:{ACL}"
MARK, THROUGH, CUT = f"{K}:mark", f"{K}:untrack", f"{K}:quarantine"
RESTORE, UNMARK, REGISTER = f"{K}:restore", f"{K}:unmark", f"{K}:register:{TG_WEB}"
Q_GROUP, U_GROUP = "vpc:vpc-1:quarantine-group", "vpc:vpc-1:untrack-group"
GROUPS_TAG = "secops-guardduty:groups:" + ENI


def everything_state(quarantine=True):
    """An instance with every change of apply ahead: its evidence settings as found, registered in a target group of its
    VPC, behind a network ACL with an IPv4 and an IPv6 address, a volume to snapshot, in its own group; its VPC's
    quarantine group (without rules), or none, and no untrack group."""
    state = target_state([WEB], [(TG_WEB, s.INSTANCE, 80, "healthy")])
    state["evidence"][0]["previous"] = AS_FOUND
    state["instances"][0]["network_interfaces"][0]["ipv6_addresses"] = [{"ipv6_address": "2001:db8::5"}]
    state["nacls"] = acl_state([WEB])["nacls"]
    if not quarantine:
        state["groups"] = []
    return state


def expect_evidence(aws, termination_protection=True, shutdown_behavior="stop", keep_volume=True):
    aws.expect("ec2", "modify_instance_attribute", {"InstanceId": s.INSTANCE, "DisableApiTermination": {"Value": termination_protection}})
    aws.expect("ec2", "modify_instance_attribute", {"InstanceId": s.INSTANCE, "Attribute": "instanceInitiatedShutdownBehavior",
                                                    "Value": shutdown_behavior})
    aws.expect("ec2", "modify_instance_attribute", {"InstanceId": s.INSTANCE, "BlockDeviceMappings": [
        {"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": not keep_volume}}]})


def expect_group_rules(aws, group_id, rules=()):
    aws.expect("ec2", "describe_security_group_rules", {"Filters": [{"Name": "group-id", "Values": [group_id]}]},
               {"SecurityGroupRules": list(rules)})


def untrack_group_call():
    return {"GroupName": "secops-guardduty-quarantine-untrack",
            "Description": "Untrack step of secops.guardduty.contain - all traffic, so that open flows become untracked", "VpcId": "vpc-1",
            "TagSpecifications": [{"ResourceType": "security-group", "Tags": [{"Key": "secops-guardduty:untrack", "Value": "true"}]}]}


def expect_untrack_group(aws):
    """The untrack group created, keeping the egress rule AWS gives it, opened to all traffic in and out, IPv4 and IPv6."""
    aws.expect("ec2", "create_security_group", untrack_group_call(), {"GroupId": UNTRACK})
    expect_group_rules(aws, UNTRACK, [{"SecurityGroupRuleId": "sgr-0000000000000000e", "GroupId": UNTRACK, "IsEgress": True,
                                       "IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIpv4": "0.0.0.0/0"}])
    aws.expect("ec2", "authorize_security_group_ingress", {"GroupId": UNTRACK, "IpPermissions": [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]}, {"Return": True})
    aws.expect("ec2", "authorize_security_group_egress", {"GroupId": UNTRACK, "IpPermissions": [
        {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]}, {"Return": True})


def expect_cut(aws, groups_tag=WEB):
    """The marker tags, then the interface through the untrack group into the quarantine group."""
    aws.expect("ec2", "create_tags", {"Resources": [s.INSTANCE], "Tags": [{"Key": "secops-guardduty:contained-by", "Value": s.INV_ID},
                                                                          {"Key": GROUPS_TAG, "Value": groups_tag}]})
    aws.expect("ec2", "modify_network_interface_attribute", {"NetworkInterfaceId": ENI, "Groups": [UNTRACK]})
    aws.expect("ec2", "modify_network_interface_attribute", {"NetworkInterfaceId": ENI, "Groups": [QG]})


def test_apply_keeps_the_evidence_and_leaves_the_target_group_before_the_network_cut():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(EC2), settings(network_acl=True, snapshots=True), everything_state(), aws)
    assert aws_.dependencies(steps) == {
        KEEP: [], DEREGISTER: [KEEP], SNAPSHOT: [], NACL: [KEEP, DEREGISTER], Q_GROUP: [], U_GROUP: [], MARK: [KEEP, DEREGISTER],
        THROUGH: [KEEP, DEREGISTER, MARK, U_GROUP, Q_GROUP], CUT: [THROUGH, Q_GROUP]}
    expect_evidence(aws)
    aws.expect("elbv2", "deregister_targets", {"TargetGroupArn": TG_WEB, "Targets": [{"Id": s.INSTANCE, "Port": 80}]})
    for number, egress, cidr in ((1, False, "10.0.1.5/32"), (2, False, "2001:db8::5/128"), (1, True, "10.0.1.5/32"), (2, True, "2001:db8::5/128")):
        aws.expect("ec2", "create_network_acl_entry", dict({"NetworkAclId": ACL, "RuleNumber": number, "Egress": egress, "Protocol": "-1",
                                                            "RuleAction": "deny"}, **{"Ipv6CidrBlock" if ":" in cidr else "CidrBlock": cidr}))
    expect_group_rules(aws, QG)  # the quarantine group has no rule: left as it is
    expect_untrack_group(aws)
    expect_cut(aws)
    aws.expect("ec2", "create_snapshot", {"VolumeId": "vol-1", "Description": f"Forensic snapshot of {s.INSTANCE} for GuardDuty investigation {s.INV_ID}",
                                          "TagSpecifications": [{"ResourceType": "snapshot", "Tags": [
                                              {"Key": "secops-guardduty:investigation", "Value": s.INV_ID},
                                              {"Key": "secops-guardduty:instance", "Value": s.INSTANCE}]}]},
               {"SnapshotId": "snap-0123456789abcdef0", "VolumeId": "vol-1", "State": "pending"})
    ran, _results = aws_.run(steps, aws)
    assert ran == [(KEEP, "done"), (DEREGISTER, "done"), (NACL, "done"), (Q_GROUP, "unchanged"), (U_GROUP, "done"), (MARK, "done"),
                   (THROUGH, "done"), (CUT, "done"), (SNAPSHOT, "done")]


def test_evidence_refused_stops_the_cut_of_that_instance_only():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(EC2), settings(network_acl=True, snapshots=True), everything_state(), aws)
    aws.refuse("ec2", "modify_instance_attribute", {"InstanceId": s.INSTANCE, "DisableApiTermination": {"Value": True}},
               code="UnauthorizedOperation", message="You are not authorized to perform this operation.")
    expect_group_rules(aws, QG)
    expect_untrack_group(aws)
    aws.expect("ec2", "create_snapshot", {"VolumeId": "vol-1", "Description": f"Forensic snapshot of {s.INSTANCE} for GuardDuty investigation {s.INV_ID}",
                                          "TagSpecifications": [{"ResourceType": "snapshot", "Tags": [
                                              {"Key": "secops-guardduty:investigation", "Value": s.INV_ID},
                                              {"Key": "secops-guardduty:instance", "Value": s.INSTANCE}]}]},
               {"SnapshotId": "snap-0123456789abcdef0"})
    ran, results = aws_.run(steps, aws)
    assert ran == [(KEEP, "failed"), (DEREGISTER, "skipped"), (NACL, "skipped"), (MARK, "skipped"), (THROUGH, "skipped"), (CUT, "skipped"),
                   (Q_GROUP, "unchanged"), (U_GROUP, "done"), (SNAPSHOT, "done")]
    assert "ModifyInstanceAttribute" in results[KEEP]["error"] and "UnauthorizedOperation" in results[KEEP]["error"]
    assert results[CUT]["error"] == f"not run: {THROUGH} did not succeed"


def test_an_interface_never_enters_the_all_open_untrack_group_without_a_quarantine_group_to_go_on_to():
    aws = aws_.StubbedAWS()
    state = evidence_state([WEB], KEPT)  # only the cut is ahead, and neither group is there yet
    state["groups"] = []
    _plan, steps = aws_.steps_of(found(EC2), settings(), state, aws)
    assert aws_.dependencies(steps) == {Q_GROUP: [], U_GROUP: [], MARK: [], THROUGH: [MARK, U_GROUP, Q_GROUP], CUT: [THROUGH, Q_GROUP]}
    aws.refuse("ec2", "create_security_group", {
        "GroupName": "secops-guardduty-quarantine", "Description": "Quarantine of secops.guardduty.contain - no inbound and no outbound traffic",
        "VpcId": "vpc-1", "TagSpecifications": [{"ResourceType": "security-group", "Tags": [{"Key": "secops-guardduty:quarantine", "Value": "true"}]}]},
        code="SecurityGroupLimitExceeded", message="limit", status=400)
    aws.expect("ec2", "create_security_group", untrack_group_call(), {"GroupId": UNTRACK})
    expect_group_rules(aws, UNTRACK)
    aws.expect("ec2", "authorize_security_group_ingress", {"GroupId": UNTRACK, "IpPermissions": [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]}, {"Return": True})
    aws.expect("ec2", "authorize_security_group_egress", {"GroupId": UNTRACK, "IpPermissions": [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]}, {"Return": True})
    aws.expect("ec2", "create_tags", {"Resources": [s.INSTANCE], "Tags": [{"Key": "secops-guardduty:contained-by", "Value": s.INV_ID},
                                                                          {"Key": GROUPS_TAG, "Value": WEB}]})
    ran, results = aws_.run(steps, aws)
    assert ran == [(Q_GROUP, "failed"), (THROUGH, "skipped"), (CUT, "skipped"), (U_GROUP, "done"), (MARK, "done")]
    assert "SecurityGroupLimitExceeded" in results[Q_GROUP]["error"]


def test_an_auto_scaling_member_is_in_standby_before_its_cut():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(EC2), settings(), evidence_state([WEB], KEPT, asg_state="InService"), aws)
    assert aws_.dependencies(steps) == {STANDBY: [], Q_GROUP: [], U_GROUP: [], MARK: [STANDBY], THROUGH: [STANDBY, MARK, U_GROUP, Q_GROUP],
                                        CUT: [THROUGH, Q_GROUP]}
    aws.expect("autoscaling", "enter_standby", {"InstanceIds": [s.INSTANCE], "AutoScalingGroupName": "web-asg",
                                                "ShouldDecrementDesiredCapacity": False}, {"Activities": []})
    for state in ("EnteringStandby", "Standby"):  # waited for: out of the group's health checks before the cut
        aws.expect("autoscaling", "describe_auto_scaling_instances", {"InstanceIds": [s.INSTANCE]}, {"AutoScalingInstances": [
            {"InstanceId": s.INSTANCE, "AutoScalingGroupName": "web-asg", "AvailabilityZone": "us-east-1a", "LifecycleState": state,
             "HealthStatus": "HEALTHY", "ProtectedFromScaleIn": False}]})
    expect_group_rules(aws, QG)
    expect_untrack_group(aws)
    expect_cut(aws)
    ran, _results = aws_.run(steps, aws)
    assert ran == [(STANDBY, "done"), (Q_GROUP, "unchanged"), (U_GROUP, "done"), (MARK, "done"), (THROUGH, "done"), (CUT, "done")]
    assert aws.slept == [2]


REC_EVERYTHING = dict(REC_FULL, target_registrations=[WEB_80], network_acl_entries=[
    {"nacl_id": ACL, "rule_number": 1, "egress": False, "cidr": "10.0.1.5/32"}, {"nacl_id": ACL, "rule_number": 1, "egress": True, "cidr": "10.0.1.5/32"}])


def contained_state():
    """The instance as apply left it: in the quarantine group with the tags, its evidence kept, in Standby, out of its
    target group, denied in its network ACL."""
    state = target_state([QG], [], TAGS, asg_state="Standby")
    deny = [[1, "all", "deny", "10.0.1.5/32", None, None, None, None], [100, "all", "allow", "0.0.0.0/0", None, None, None, None]]
    state["nacls"] = acl_state([QG], ingress=deny, egress=deny)["nacls"]
    return state


def test_rollback_gives_the_network_back_first_then_standby_and_targets_then_the_evidence_settings():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(EC2), s.rollback(REC_EVERYTHING), contained_state(), aws)
    assert aws_.dependencies(steps) == {RESTORE: [], UNMARK: [RESTORE], NACL: [], STANDBY: [RESTORE, NACL], REGISTER: [RESTORE, NACL],
                                        KEEP: [RESTORE, NACL, STANDBY, REGISTER]}
    aws.expect("ec2", "modify_network_interface_attribute", {"NetworkInterfaceId": ENI, "Groups": [WEB, SSH]})
    aws.expect("ec2", "delete_tags", {"Resources": [s.INSTANCE], "Tags": [{"Key": GROUPS_TAG, "Value": f"{WEB} {SSH}"},
                                                                          {"Key": "secops-guardduty:contained-by", "Value": s.INV_ID}]})
    for egress in (False, True):
        aws.expect("ec2", "delete_network_acl_entry", {"NetworkAclId": ACL, "RuleNumber": 1, "Egress": egress})
    aws.expect("autoscaling", "exit_standby", {"InstanceIds": [s.INSTANCE], "AutoScalingGroupName": "web-asg"}, {"Activities": []})
    aws.expect("elbv2", "register_targets", {"TargetGroupArn": TG_WEB, "Targets": [{"Id": s.INSTANCE, "Port": 80}]})
    expect_evidence(aws, termination_protection=False, shutdown_behavior="terminate", keep_volume=False)
    ran, _results = aws_.run(steps, aws)
    assert ran == [(RESTORE, "done"), (UNMARK, "done"), (NACL, "done"), (STANDBY, "done"), (REGISTER, "done"), (KEEP, "done")]


def test_rollback_with_the_interfaces_refused_keeps_the_marks_standby_targets_and_evidence():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(EC2), s.rollback(REC_EVERYTHING), contained_state(), aws)
    aws.refuse("ec2", "modify_network_interface_attribute", {"NetworkInterfaceId": ENI, "Groups": [WEB, SSH]}, code="UnauthorizedOperation")
    for egress in (False, True):
        aws.expect("ec2", "delete_network_acl_entry", {"NetworkAclId": ACL, "RuleNumber": 1, "Egress": egress})
    ran, results = aws_.run(steps, aws)
    # what depends on the interfaces is skipped at once; the network ACL entries go all the same
    assert ran == [(RESTORE, "failed"), (UNMARK, "skipped"), (STANDBY, "skipped"), (REGISTER, "skipped"), (KEEP, "skipped"), (NACL, "done")]
    assert results[KEEP]["error"] == f"not run: {REGISTER}, {RESTORE}, {STANDBY} did not succeed"


def test_an_interface_refused_the_quarantine_group_is_moved_back_out_of_the_all_open_group():
    """The second move failed (say, the quarantine group went away): the interfaces never stay in the untrack group,
    which lets all traffic in and out; they go back to their recorded groups, and the step says so."""
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(EC2), settings(), evidence_state([WEB], KEPT), aws)
    expect_group_rules(aws, QG)
    expect_untrack_group(aws)
    aws.expect("ec2", "create_tags", {"Resources": [s.INSTANCE], "Tags": [{"Key": "secops-guardduty:contained-by", "Value": s.INV_ID},
                                                                          {"Key": GROUPS_TAG, "Value": WEB}]})
    aws.expect("ec2", "modify_network_interface_attribute", {"NetworkInterfaceId": ENI, "Groups": [UNTRACK]})
    aws.refuse("ec2", "modify_network_interface_attribute", {"NetworkInterfaceId": ENI, "Groups": [QG]},
               code="InvalidGroup.NotFound", message="gone", status=400)
    aws.expect("ec2", "modify_network_interface_attribute", {"NetworkInterfaceId": ENI, "Groups": [WEB]})
    ran, results = aws_.run(steps, aws)
    assert ran[-2:] == [(THROUGH, "done"), (CUT, "failed")]
    assert "ModifyNetworkInterfaceAttribute" in results[CUT]["error"]
    assert results[CUT]["error"].endswith("its interfaces were moved back from the all-open untrack group to their previous groups")
