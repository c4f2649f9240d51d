# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Single ingress rules of a security group, removed or added one by one: what ec2_security_group_ingress does.

amazon.aws's ec2_security_group with ``purge_rules`` rewrites a group's whole rule set from what the task gives, which
containment must not do to a group other people edit at the same time. Here a rule is one (protocol, port range, CIDR)
of the group: removing it revokes exactly that rule by its security group rule id; adding it back authorizes exactly
that rule with its description. Every other rule of the group stays as it is.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator
from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError

GROUP_ID = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
PROTOCOL = re.compile(r"-1|tcp|udp|icmp|icmpv6|\d{1,3}", re.ASCII)
# the protocol numbers the API also spells by name
PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
MAX_DESCRIPTION = 255

ARGUMENT_SPEC = dict(
    group_id=dict(type="str", required=True),
    rules=dict(type="list", elements="dict", required=True, options=dict(
        protocol=dict(type="str", required=True),
        from_port=dict(type="int"),
        to_port=dict(type="int"),
        cidr=dict(type="str", required=True),
        description=dict(type="str"),
    )),
    state=dict(type="str", choices=["present", "absent"], default="absent"),
)


class SecurityGroupError(Exception):
    """A request the module refuses before changing anything (the message says what to do)."""


def protocol_of(value):
    """A rule's protocol in one spelling (-1, tcp, udp, icmp, icmpv6 or another protocol number)."""
    value = str(value).lower()
    return PROTOCOL_NAMES.get(value, value)


def rule_key(rule):
    """What names an ingress rule in its group: (protocol, from port, to port, CIDR); no ports for all traffic."""
    protocol = protocol_of(rule["protocol"])
    if protocol == "-1":
        return protocol, None, None, rule["cidr"]
    return protocol, rule.get("from_port"), rule.get("to_port"), rule["cidr"]


def rule_text(rule, described=True):
    """A rule in words: "tcp 22-22 from 0.0.0.0/0 (its description)" (all traffic: "all traffic from ::/0");
    ``described=False`` leaves the description out (text anyone who edits the group wrote)."""
    protocol, low, high, cidr = rule_key(rule)
    what = "all traffic" if protocol == "-1" else protocol if low is None else f"{protocol} {low}-{high}"
    described = f" ({rule['description']})" if described and rule.get("description") else ""
    return f"{what} from {cidr}{described}"


def checked_rules(params):
    """(group_id, [rule]) from the module's parameters, each rule's protocol and CIDR in the API's spelling."""
    group_id = params.get("group_id")
    if not isinstance(group_id, str) or not GROUP_ID.fullmatch(group_id):
        raise SecurityGroupError(f"group_id must be a security group id (sg- and 8 or 17 lowercase hexadecimal digits); got {group_id!r}")
    rules, seen = [], set()
    for index, item in enumerate(params.get("rules") or []):
        protocol = protocol_of(item["protocol"])
        if not PROTOCOL.fullmatch(protocol):
            raise SecurityGroupError(f"rules[{index}].protocol must be -1, tcp, udp, icmp, icmpv6 or a protocol number; got {item['protocol']!r}")
        ports = (item.get("from_port"), item.get("to_port"))
        if protocol != "-1" and any(p is not None and not -1 <= p <= 65535 for p in ports):
            raise SecurityGroupError(f"rules[{index}]: from_port and to_port must be from -1 to 65535; got {ports[0]} and {ports[1]}")
        if protocol in ("tcp", "udp") and None in ports:
            raise SecurityGroupError(f"rules[{index}]: a {protocol} rule needs from_port and to_port")
        try:
            network = ipaddress.ip_network(item["cidr"], strict=True)
        except ValueError:
            raise SecurityGroupError(f"rules[{index}].cidr must be an IPv4 or IPv6 CIDR (as 0.0.0.0/0 or ::/0); got {item['cidr']!r}") from None
        description = item.get("description")
        if description is not None and len(description) > MAX_DESCRIPTION:
            raise SecurityGroupError(f"rules[{index}].description is longer than {MAX_DESCRIPTION} characters")
        rule = {"protocol": protocol, "from_port": None if protocol == "-1" else ports[0], "to_port": None if protocol == "-1" else ports[1],
                "cidr": str(network), "description": description or None}
        if rule_key(rule) in seen:
            raise SecurityGroupError(f"rules[{index}]: {rule_text(rule)} is given twice")
        seen.add(rule_key(rule))
        rules.append(rule)
    return group_id, rules


def current_rules(client, group_id):
    """[ingress rule as the module returns it, with its ``rule_id``] of the group; None when there is no such group."""
    where = f"security group {group_id}"
    if AWSCallHandler.call(client.describe_security_groups, "ec2:DescribeSecurityGroups", where,
                           missing=("InvalidGroup.NotFound", "InvalidGroupId.NotFound", "InvalidGroupId.Malformed"), absent=None,
                           GroupIds=[group_id]) is None:
        return None
    found = []
    for raw in AWSCallHandler.pages(client, "describe_security_group_rules", "SecurityGroupRules", "ec2:DescribeSecurityGroupRules", where,
                                    Filters=[{"Name": "group-id", "Values": [group_id]}]):
        cidr = raw.get("CidrIpv4") or raw.get("CidrIpv6")
        if raw.get("IsEgress") or not cidr:
            continue  # egress rules, and rules naming another group or a prefix list, are not this module's
        protocol = protocol_of(raw.get("IpProtocol"))
        found.append({"rule_id": raw["SecurityGroupRuleId"], "protocol": protocol,
                      "from_port": None if protocol == "-1" else raw.get("FromPort"),
                      "to_port": None if protocol == "-1" else raw.get("ToPort"),
                      "cidr": str(ipaddress.ip_network(cidr, strict=False)), "description": raw.get("Description") or None})
    return found


def add_rules(client, group_id, rules):
    """Authorize the ingress ``rules`` (as checked_rules gives them) in one call."""
    AWSCallHandler.call(client.authorize_security_group_ingress, "ec2:AuthorizeSecurityGroupIngress", f"security group {group_id}",
                        GroupId=group_id, IpPermissions=[_permission(r) for r in rules])


def remove_rules(client, group_id, rules):
    """Revoke the ingress ``rules`` (as current_rules gives them: by their rule ids) in one call."""
    AWSCallHandler.call(client.revoke_security_group_ingress, "ec2:RevokeSecurityGroupIngress", f"security group {group_id}",
                        GroupId=group_id, SecurityGroupRuleIds=[r["rule_id"] for r in rules])


def plan_rules(found, rules, present):
    """The rules to add (present) or the existing rules to remove (absent) so that ``rules`` are in, or out of, the group."""
    existing = {rule_key(rule): rule for rule in found}
    if present:
        return [rule for rule in rules if rule_key(rule) not in existing]
    return [existing[rule_key(rule)] for rule in rules if rule_key(rule) in existing]


def _permission(rule):
    """One rule as the IpPermissions of authorize_security_group_ingress."""
    permission = {"IpProtocol": rule["protocol"]}
    if rule["protocol"] != "-1" and rule["from_port"] is not None:
        permission.update(FromPort=rule["from_port"], ToPort=rule["to_port"])
    network = {"Description": rule["description"]} if rule["description"] else {}
    if ":" in rule["cidr"]:
        permission["Ipv6Ranges"] = [dict(network, CidrIpv6=rule["cidr"])]
    else:
        permission["IpRanges"] = [dict(network, CidrIp=rule["cidr"])]
    return permission


def _plain(rule):
    return {k: rule[k] for k in ("protocol", "from_port", "to_port", "cidr", "description")}


def run_security_group_ingress_module(module):
    try:
        group_id, rules = checked_rules(module.params)
    except SecurityGroupError as e:
        module.fail_json(msg=str(e))
    client = module.client("ec2", retry_decorator=retry_decorator())
    present = module.params["state"] == "present"
    try:
        found = current_rules(client, group_id)
    except GuardDutyError as e:
        module.fail_call(e, f"Could not read the ingress rules of security group {group_id}", group_id=group_id)
    if found is None:
        module.fail_json(msg=f"There is no security group {group_id} in Region {module.region} for these credentials: check the id and Region",
                         group_id=group_id)
    todo = plan_rules(found, rules, present)
    if todo and not module.check_mode:
        try:
            (add_rules if present else remove_rules)(client, group_id, todo)
        except GuardDutyError as e:
            module.fail_call(e, f"Could not {'add' if present else 'remove'} the ingress rules of security group {group_id} "
                                f"({'; '.join(rule_text(r) for r in todo)}); none of them was changed", group_id=group_id)
    before = [_plain(r) for r in found]
    if present:
        after = before + [_plain(r) for r in todo]
    else:
        gone = {rule_key(r) for r in todo}
        after = [r for r in before if rule_key(r) not in gone]
    module.exit_json(changed=bool(todo), group_id=group_id, added=[_plain(r) for r in todo] if present else [],
                     removed=[] if present else [_plain(r) for r in todo], before=before, after=after)
