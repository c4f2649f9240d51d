# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Security groups: the ingress rules open to the internet removed, recorded and added back.

The action type's plan, rollback and record check (containment_plan with a plain state), and the steps of its apply
and rollback run against real boto3 clients with botocore's Stubber (no AWS)."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

found, settings, one = s.found, s.settings, s.one
WEB = s.WEB
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


@pytest.mark.parametrize("change,message", [
    (lambda e: e.update(id="sg-x; id"), r"\(ec2_security_group\) has no valid id"),
    (lambda e: e.update(removed_rules=[]), "records no removed_rules"),
    (lambda e: e["removed_rules"][0].update(cidr="203.0.113.0/24"), "from another CIDR than 0.0.0.0/0 or ::/0"),
    (lambda e: e["removed_rules"][0].update(protocol="tcp; id"), "without a valid protocol"),
    (lambda e: e["removed_rules"][0].update(from_port=70000), "whose ports are not from -1 to 65535"),
    (lambda e: e["removed_rules"][0].update(from_port=None), "whose ports are not from -1 to 65535"),
    (lambda e: e["removed_rules"][1].update(from_port=22), "whose ports are not from -1 to 65535"),
    (lambda e: e["removed_rules"][0].update(description_base64="YQpi"),  # "a\nb"
     r"description_base64 is not null or a description \(not up to 255 printable"),
    (lambda e: e["removed_rules"][0].update(description_base64="{{ 7*7 }}"), r"description_base64 is not null or a description \(not base64\)"),
    (lambda e: e["removed_rules"][0].update(description_base64="//4="), r"\(not base64 of UTF-8 text\)"),
    (lambda e: e["removed_rules"][0].update(description="ssh"), "is not protocol, from_port, to_port, cidr and description_base64"),
])
def test_a_record_entry_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    s.assert_refused_whole(change, message, "ec2_security_group")


# ---------------------------------------------------------------- the steps of apply and rollback

MARK, REVOKE = f"ec2_security_group:{SG}:mark", f"ec2_security_group:{SG}:revoke"
AUTHORIZE, UNMARK = f"ec2_security_group:{SG}:authorize", f"ec2_security_group:{SG}:unmark"
TAG = [{"Key": "secops-guardduty:contained-by", "Value": s.INV_ID}]
# the group's rules as DescribeSecurityGroupRules returns them: open SSH, all traffic from ::/0, an inside rule, the
# egress rule, a rule naming another group
SSH_RULE = {"SecurityGroupRuleId": "sgr-00000000000000001", "GroupId": SG, "IsEgress": False, "IpProtocol": "tcp", "FromPort": 22,
            "ToPort": 22, "CidrIpv4": "0.0.0.0/0", "Description": "ssh from anywhere"}
V6_RULE = {"SecurityGroupRuleId": "sgr-00000000000000002", "GroupId": SG, "IsEgress": False, "IpProtocol": "-1", "FromPort": -1,
           "ToPort": -1, "CidrIpv6": "::/0"}
OTHERS = [{"SecurityGroupRuleId": "sgr-00000000000000003", "GroupId": SG, "IsEgress": False, "IpProtocol": "tcp", "FromPort": 22,
           "ToPort": 22, "CidrIpv4": "10.0.0.0/8"},
          {"SecurityGroupRuleId": "sgr-00000000000000004", "GroupId": SG, "IsEgress": True, "IpProtocol": "-1", "FromPort": -1,
           "ToPort": -1, "CidrIpv4": "0.0.0.0/0"},
          {"SecurityGroupRuleId": "sgr-00000000000000005", "GroupId": SG, "IsEgress": False, "IpProtocol": "tcp", "FromPort": 443,
           "ToPort": 443, "ReferencedGroupInfo": {"GroupId": WEB}}]


def expect_rules(aws, rules):
    """The group read again by the step (it exists), and its rules."""
    aws.expect("ec2", "describe_security_groups", {"GroupIds": [SG]}, {"SecurityGroups": [{"GroupId": SG, "GroupName": "web"}]})
    aws.expect("ec2", "describe_security_group_rules", {"Filters": [{"Name": "group-id", "Values": [SG]}]}, {"SecurityGroupRules": rules})


def test_apply_marks_the_group_then_revokes_exactly_the_open_rules_by_their_ids():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(SG_RESOURCE), settings(), sg_state([SSH_ANY, ALL_V6]), aws)
    assert aws_.dependencies(steps) == {MARK: [], REVOKE: [MARK]}
    aws.expect("ec2", "create_tags", {"Resources": [SG], "Tags": TAG})
    expect_rules(aws, [SSH_RULE, V6_RULE] + OTHERS)
    aws.expect("ec2", "revoke_security_group_ingress", {"GroupId": SG, "SecurityGroupRuleIds": ["sgr-00000000000000001", "sgr-00000000000000002"]},
               {"Return": True})
    assert aws_.run(steps, aws)[0] == [(MARK, "done"), (REVOKE, "done")]


def test_rules_removed_between_the_plan_and_the_step_are_not_revoked_again():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(SG_RESOURCE), settings(), sg_state([SSH_ANY, ALL_V6]), aws)
    aws.expect("ec2", "create_tags", {"Resources": [SG], "Tags": TAG})
    expect_rules(aws, OTHERS)
    assert aws_.run(steps, aws)[0] == [(MARK, "done"), (REVOKE, "unchanged")]


def test_rollback_adds_back_the_missing_recorded_rule_with_its_description_then_removes_the_tag():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(SG_RESOURCE), s.rollback(rec_group(SSH_ANY, ALL_V6)), sg_state([ALL_V6], OWNED), aws)
    assert aws_.dependencies(steps) == {AUTHORIZE: [], UNMARK: [AUTHORIZE]}
    expect_rules(aws, [V6_RULE] + OTHERS)
    aws.expect("ec2", "authorize_security_group_ingress", {"GroupId": SG, "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"Description": "ssh from anywhere", "CidrIp": "0.0.0.0/0"}]}]},
        {"Return": True})
    aws.expect("ec2", "delete_tags", {"Resources": [SG], "Tags": TAG})
    assert aws_.run(steps, aws)[0] == [(AUTHORIZE, "done"), (UNMARK, "done")]


def test_a_refused_rule_keeps_the_tag_that_says_the_group_is_contained():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(SG_RESOURCE), s.rollback(rec_group(ALL_V6)), sg_state([], OWNED), aws)
    expect_rules(aws, OTHERS)
    aws.refuse("ec2", "authorize_security_group_ingress", {"GroupId": SG, "IpPermissions": [
        {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]}, code="RulesPerSecurityGroupLimitExceeded", message="limit", status=400)
    ran, results = aws_.run(steps, aws)
    assert ran == [(AUTHORIZE, "failed"), (UNMARK, "skipped")] and "RulesPerSecurityGroupLimitExceeded" in results[AUTHORIZE]["error"]
    # only the tag left to remove (the rules are back): one step
    _plan, steps = aws_.steps_of(found(SG_RESOURCE), s.rollback(rec_group(ALL_V6)), sg_state([ALL_V6], OWNED), aws_.StubbedAWS())
    assert aws_.dependencies(steps) == {UNMARK: []}


def test_rules_removed_while_the_mark_failed_are_added_back_from_the_record_and_no_tag_is_removed():
    unmarked = dict(rec_group(SSH_ANY), steps={"mark": "failed", "revoke": "done"})
    plan = one(containment_plan(found(SG_RESOURCE), s.rollback(unmarked), sg_state([])))
    assert plan["status"] == "planned" and plan["changes"] == {"rules": [SSH_ANY], "remove_tags": {}}
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(SG_RESOURCE), s.rollback(unmarked), sg_state([]), aws)
    assert [step.key.rsplit(":", 1)[1] for step in steps] == ["authorize"]  # nothing to untag
