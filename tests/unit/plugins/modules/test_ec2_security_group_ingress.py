# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ec2_security_group_ingress against botocore's Stubber (every request checked against the EC2 service model)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.modules import ec2_security_group_ingress

GROUP = "sg-0123456789abcdef0"
SSH_ANY = {"SecurityGroupRuleId": "sgr-00000000000000001", "GroupId": GROUP, "IsEgress": False, "IpProtocol": "tcp",
           "FromPort": 22, "ToPort": 22, "CidrIpv4": "0.0.0.0/0", "Description": "ssh from anywhere"}
SSH_INSIDE = dict(SSH_ANY, SecurityGroupRuleId="sgr-00000000000000002", CidrIpv4="10.0.0.0/8", Description="ssh from the VPN")
ALL_V6 = {"SecurityGroupRuleId": "sgr-00000000000000003", "GroupId": GROUP, "IsEgress": False, "IpProtocol": "-1",
          "FromPort": -1, "ToPort": -1, "CidrIpv6": "::/0"}
EGRESS = dict(ALL_V6, SecurityGroupRuleId="sgr-00000000000000004", IsEgress=True, CidrIpv6=None, CidrIpv4="0.0.0.0/0")
FROM_GROUP = {"SecurityGroupRuleId": "sgr-00000000000000005", "GroupId": GROUP, "IsEgress": False, "IpProtocol": "tcp",
              "FromPort": 443, "ToPort": 443, "ReferencedGroupInfo": {"GroupId": "sg-0fedcba9876543210"}}
OPEN = [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0", "description": "ssh from anywhere"},
        {"protocol": "-1", "cidr": "::/0"}]


@pytest.fixture
def ec2(stub_aws_client):
    return stub_aws_client("ec2")


def group(stub, *rules):
    stub.add_response("describe_security_groups", {"SecurityGroups": [{"GroupId": GROUP}]}, {"GroupIds": [GROUP]})
    stub.add_response("describe_security_group_rules",
                      {"SecurityGroupRules": [{k: v for k, v in r.items() if v is not None} for r in rules]},
                      {"Filters": [{"Name": "group-id", "Values": [GROUP]}]})


def test_removes_exactly_the_given_rules_by_their_rule_ids(run_module, ec2):
    group(ec2, SSH_ANY, SSH_INSIDE, ALL_V6, EGRESS, FROM_GROUP)
    ec2.add_response("revoke_security_group_ingress", {"Return": True},
                     {"GroupId": GROUP, "SecurityGroupRuleIds": ["sgr-00000000000000001", "sgr-00000000000000003"]})
    out = run_module(ec2_security_group_ingress.main, {"group_id": GROUP, "rules": OPEN})
    assert not out.failed, out.result
    assert out.result["changed"] is True and out.result["added"] == []
    assert out.result["removed"] == [
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0", "description": "ssh from anywhere"},
        {"protocol": "-1", "from_port": None, "to_port": None, "cidr": "::/0", "description": None}]
    # the rule from the VPN stays; the egress rule and the rule naming a group are not the module's
    assert out.result["after"] == [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8", "description": "ssh from the VPN"}]
    assert len(out.result["before"]) == 3


def test_removing_again_changes_nothing(run_module, ec2):
    group(ec2, SSH_INSIDE, EGRESS)
    out = run_module(ec2_security_group_ingress.main, {"group_id": GROUP, "rules": OPEN})
    assert out.result["changed"] is False and out.result["removed"] == []


def test_adds_back_only_the_missing_rules_with_their_descriptions(run_module, ec2):
    group(ec2, SSH_INSIDE, ALL_V6)
    ec2.add_response("authorize_security_group_ingress", {"Return": True}, {"GroupId": GROUP, "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh from anywhere"}]}]})
    out = run_module(ec2_security_group_ingress.main, {"group_id": GROUP, "rules": OPEN, "state": "present"})
    assert out.result["changed"] is True
    assert out.result["added"] == [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0", "description": "ssh from anywhere"}]
    group(ec2, SSH_ANY, SSH_INSIDE, ALL_V6)
    again = run_module(ec2_security_group_ingress.main, {"group_id": GROUP, "rules": OPEN, "state": "present"})
    assert again.result["changed"] is False and again.result["added"] == []


def test_a_protocol_number_names_the_same_rule(run_module, ec2):
    group(ec2, dict(SSH_ANY, IpProtocol="6"))
    ec2.add_response("revoke_security_group_ingress", {"Return": True}, {"GroupId": GROUP, "SecurityGroupRuleIds": ["sgr-00000000000000001"]})
    out = run_module(ec2_security_group_ingress.main, {"group_id": GROUP, "rules": OPEN[:1]})
    assert out.result["changed"] is True and out.result["removed"][0]["protocol"] == "tcp"


def test_check_mode_changes_nothing(run_module, ec2):
    group(ec2, SSH_ANY, ALL_V6)
    out = run_module(ec2_security_group_ingress.main, {"group_id": GROUP, "rules": OPEN, "_ansible_check_mode": True})
    assert out.result["changed"] is True and len(out.result["removed"]) == 2 and out.result["after"] == []


@pytest.mark.parametrize("args,message", [
    ({"group_id": "sg-x; touch /tmp/x", "rules": OPEN}, "group_id must be a security group id"),
    ({"group_id": GROUP, "rules": [dict(OPEN[0], protocol="tcp; id")]}, "rules[0].protocol must be"),
    ({"group_id": GROUP, "rules": [dict(OPEN[0], from_port=70000)]}, "must be from -1 to 65535"),
    ({"group_id": GROUP, "rules": [{"protocol": "udp", "cidr": "0.0.0.0/0"}]}, "a udp rule needs from_port and to_port"),
    ({"group_id": GROUP, "rules": [dict(OPEN[0], cidr="10.0.0.1/8")]}, "rules[0].cidr must be an IPv4 or IPv6 CIDR"),
    ({"group_id": GROUP, "rules": [OPEN[0], dict(OPEN[0], description="other")]}, "tcp 22-22 from 0.0.0.0/0 (other) is given twice"),
])
def test_bad_input_is_refused_before_any_call(run_module, ec2, args, message):
    out = run_module(ec2_security_group_ingress.main, args)
    assert out.failed and message in out.result["msg"]


def test_a_missing_group_fails_clearly(run_module, ec2):
    ec2.add_client_error("describe_security_groups", "InvalidGroup.NotFound", "The security group does not exist", 400)
    out = run_module(ec2_security_group_ingress.main, {"group_id": GROUP, "rules": OPEN})
    assert out.failed and out.result["msg"].startswith(f"There is no security group {GROUP} in Region us-east-1")


def test_a_refused_change_says_which_rules_and_that_none_changed(run_module, ec2):
    group(ec2, SSH_ANY)
    ec2.add_client_error("revoke_security_group_ingress", "UnauthorizedOperation", "You are not authorized", 403)
    out = run_module(ec2_security_group_ingress.main, {"group_id": GROUP, "rules": OPEN})
    assert out.failed and "Could not remove the ingress rules of security group" in out.result["msg"]
    assert "(tcp 22-22 from 0.0.0.0/0 (ssh from anywhere)); none of them was changed" in out.result["msg"]
