# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ec2_vpc_nacl_entries against botocore's Stubber (every request checked against the EC2 service model)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.modules import ec2_vpc_nacl_entries

ACL = "acl-0123456789abcdef0"
ALLOW = {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": False, "CidrBlock": "0.0.0.0/0"}
OURS = {"RuleNumber": 1, "Protocol": "-1", "RuleAction": "deny", "Egress": False, "CidrBlock": "10.0.1.5/32"}
OTHER = {"RuleNumber": 2, "Protocol": "6", "RuleAction": "allow", "Egress": True, "CidrBlock": "10.0.0.0/8", "PortRange": {"From": 22, "To": 22}}
WANTED = [{"rule_number": 1, "egress": False, "cidr": "10.0.1.5/32"}, {"rule_number": 2, "egress": True, "cidr": "2001:db8::5/128"}]


@pytest.fixture
def ec2(stub_aws_client):
    return stub_aws_client("ec2", region="us-east-1")


def acl(stub, *entries):
    stub.add_response("describe_network_acls", {"NetworkAcls": [{"NetworkAclId": ACL, "Entries": list(entries)}]}, {"NetworkAclIds": [ACL]})


def test_adds_what_is_missing_and_leaves_the_rest(run_module, ec2):
    acl(ec2, ALLOW, OURS)
    ec2.add_response("create_network_acl_entry", {}, {"NetworkAclId": ACL, "RuleNumber": 2, "Egress": True, "Protocol": "-1",
                                                      "RuleAction": "deny", "Ipv6CidrBlock": "2001:db8::5/128"})
    out = run_module(ec2_vpc_nacl_entries.main, {"nacl_id": ACL, "entries": WANTED})
    assert not out.failed, out.result
    assert out.result["changed"] is True
    assert out.result["added"] == [{"rule_number": 2, "egress": True, "cidr": "2001:db8::5/128", "rule_action": "deny"}]
    v6 = {k: v for k, v in OURS.items() if k != "CidrBlock"}
    acl(ec2, ALLOW, OURS, dict(v6, RuleNumber=2, Egress=True, Ipv6CidrBlock="2001:db8::5/128"))
    again = run_module(ec2_vpc_nacl_entries.main, {"nacl_id": ACL, "entries": WANTED})
    assert again.result["changed"] is False and again.result["added"] == []


def test_never_overwrites_a_rule_number_that_holds_another_entry(run_module, ec2):
    acl(ec2, ALLOW, OTHER)
    out = run_module(ec2_vpc_nacl_entries.main, {"nacl_id": ACL, "entries": WANTED})
    assert out.failed and f"Network ACL {ACL}: egress rule 2 (deny 2001:db8::5/128) cannot be added" in out.result["msg"]
    assert "nothing was changed" in out.result["msg"]


def test_removes_exactly_its_entries_and_warns_about_the_others(run_module, ec2):
    acl(ec2, ALLOW, OURS, OTHER)
    ec2.add_response("delete_network_acl_entry", {}, {"NetworkAclId": ACL, "RuleNumber": 1, "Egress": False})
    out = run_module(ec2_vpc_nacl_entries.main, {"nacl_id": ACL, "entries": WANTED, "state": "absent"})
    assert out.result["changed"] is True and [e["rule_number"] for e in out.result["removed"]] == [1]
    assert out.result["not_removed"] == [{"rule_number": 2, "egress": True, "cidr": "2001:db8::5/128", "rule_action": "deny"}]
    assert any("egress rule 2 (deny 2001:db8::5/128) was not removed" in w for w in out.result["warnings"])


def test_check_mode_changes_nothing(run_module, ec2):
    acl(ec2, ALLOW)
    out = run_module(ec2_vpc_nacl_entries.main, {"nacl_id": ACL, "entries": WANTED, "_ansible_check_mode": True})
    assert out.result["changed"] is True and len(out.result["added"]) == 2


@pytest.mark.parametrize("args,message", [
    ({"nacl_id": "acl-x; id", "entries": WANTED}, "nacl_id must be a network ACL id"),
    ({"nacl_id": ACL, "entries": [dict(WANTED[0], rule_number=32767)]}, "rule_number must be from 1 to 32766"),
    ({"nacl_id": ACL, "entries": [dict(WANTED[0], cidr="10.0.1.5/24")]}, "must be an IPv4 or IPv6 CIDR"),
    ({"nacl_id": ACL, "entries": [WANTED[0], WANTED[0]]}, "rule number 1 (ingress) is given twice"),
])
def test_bad_input_is_refused_before_any_call(run_module, ec2, args, message):
    out = run_module(ec2_vpc_nacl_entries.main, args)
    assert out.failed and message in out.result["msg"]


def test_a_missing_acl_fails_clearly(run_module, ec2):
    ec2.add_client_error("describe_network_acls", "InvalidNetworkAclID.NotFound", "The network ACL does not exist", 400)
    out = run_module(ec2_vpc_nacl_entries.main, {"nacl_id": ACL, "entries": WANTED})
    assert out.failed and out.result["msg"].startswith(f"There is no network ACL {ACL} in Region us-east-1")
