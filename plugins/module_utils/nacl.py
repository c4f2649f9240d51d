# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Single network ACL entries, added or removed one by one: what the ec2_vpc_nacl_entries module does.

amazon.aws's ec2_vpc_nacl manages a whole network ACL (every entry, and its subnets); containment must add a few deny
entries to an ACL other people own and later remove exactly those, leaving every other entry as it is. An entry is
named by its ACL, direction and rule number; a rule number that holds another entry is never overwritten or removed.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator
from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError

NACL_ID = re.compile(r"acl-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
DEFAULT_RULE = 32767  # the ACL's own catch-all entry, never added or removed

ARGUMENT_SPEC = dict(
    nacl_id=dict(type="str", required=True),
    entries=dict(type="list", elements="dict", required=True, options=dict(
        rule_number=dict(type="int", required=True),
        egress=dict(type="bool", required=True),
        cidr=dict(type="str", required=True),
        rule_action=dict(type="str", choices=["deny", "allow"], default="deny"),
    )),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


class NaclError(Exception):
    """A request the module refuses before changing anything (the message says what to do)."""


def checked_entries(params):
    """(nacl_id, [entry]) from the module's parameters, each entry with its CIDR in the API's spelling."""
    nacl_id = params.get("nacl_id")
    if not isinstance(nacl_id, str) or not NACL_ID.fullmatch(nacl_id):
        raise NaclError(f"nacl_id must be a network ACL id (acl- and 8 or 17 lowercase hexadecimal digits); got {nacl_id!r}")
    entries, seen = [], set()
    for index, item in enumerate(params.get("entries") or []):
        number = item["rule_number"]
        if not 1 <= number <= 32766:
            raise NaclError(f"entries[{index}].rule_number must be from 1 to 32766; got {number}")
        try:
            network = ipaddress.ip_network(item["cidr"], strict=True)
        except ValueError:
            raise NaclError(f"entries[{index}].cidr must be an IPv4 or IPv6 CIDR (as 10.0.1.5/32 or 2001:db8::5/128); got {item['cidr']!r}") from None
        key = (bool(item["egress"]), number)
        if key in seen:
            raise NaclError(f"entries[{index}]: rule number {number} ({'egress' if key[0] else 'ingress'}) is given twice")
        seen.add(key)
        entries.append({"rule_number": number, "egress": bool(item["egress"]), "rule_action": item["rule_action"],
                        "cidr": str(network), "ipv6": network.version == 6})
    return nacl_id, entries


def current_entries(client, nacl_id):
    """{(egress, rule number): entry as the module returns it} of the ACL; None when there is no such ACL."""
    found = AWSCallHandler.call(client.describe_network_acls, "ec2:DescribeNetworkAcls", f"network ACL {nacl_id}",
                                missing=("InvalidNetworkAclID.NotFound", "InvalidNetworkAclId.NotFound"), absent=None, NetworkAclIds=[nacl_id])
    acls = (found or {}).get("NetworkAcls") or []
    if not acls:
        return None
    entries = {}
    for raw in acls[0].get("Entries") or []:
        cidr = raw.get("CidrBlock") or raw.get("Ipv6CidrBlock")
        entries[(bool(raw.get("Egress")), int(raw["RuleNumber"]))] = {
            "rule_number": int(raw["RuleNumber"]), "egress": bool(raw.get("Egress")), "rule_action": raw.get("RuleAction"),
            "cidr": str(ipaddress.ip_network(cidr, strict=False)) if cidr else None, "protocol": str(raw.get("Protocol"))}
    return entries


def add_entry(client, nacl_id, entry):
    """Add one all-traffic entry (rule_number, egress, rule_action, cidr) to the ACL."""
    cidr = {"Ipv6CidrBlock": entry["cidr"]} if ":" in entry["cidr"] else {"CidrBlock": entry["cidr"]}
    AWSCallHandler.call(client.create_network_acl_entry, "ec2:CreateNetworkAclEntry", f"network ACL {nacl_id}", NetworkAclId=nacl_id,
                        RuleNumber=entry["rule_number"], Egress=entry["egress"], Protocol="-1", RuleAction=entry["rule_action"], **cidr)


def remove_entry(client, nacl_id, entry):
    """Remove the ACL's entry of ``entry``'s rule number and direction."""
    AWSCallHandler.call(client.delete_network_acl_entry, "ec2:DeleteNetworkAclEntry", f"network ACL {nacl_id}", NetworkAclId=nacl_id,
                        RuleNumber=entry["rule_number"], Egress=entry["egress"])


def same(entry, existing):
    """Whether the ACL's entry is the one asked for (all traffic, the same CIDR and action)."""
    return (existing is not None and existing["protocol"] == "-1" and existing["cidr"] == entry["cidr"]
            and existing["rule_action"] == entry["rule_action"])


def _shown(entry):
    direction = "egress" if entry["egress"] else "ingress"
    return f"{direction} rule {entry['rule_number']} ({entry['rule_action']} {entry['cidr']})"


def run_nacl_entries_module(module):
    try:
        nacl_id, entries = checked_entries(module.params)
    except NaclError as e:
        module.fail_json(msg=str(e))
    client = module.client("ec2", retry_decorator=retry_decorator())
    present = module.params["state"] == "present"
    try:
        found = current_entries(client, nacl_id)
    except GuardDutyError as e:
        module.fail_call(e, f"Could not read the network ACL {nacl_id}", nacl_id=nacl_id)
    if found is None:
        module.fail_json(msg=f"There is no network ACL {nacl_id} in Region {module.region} for these credentials: check the id and Region")
    todo, kept = [], []
    for entry in entries:
        existing = found.get((entry["egress"], entry["rule_number"]))
        if present:
            if same(entry, existing):
                continue
            if existing is not None:
                module.fail_json(msg=f"Network ACL {nacl_id}: {_shown(entry)} cannot be added, the rule number holds another entry "
                                     f"({existing['rule_action']} {existing['cidr']}, protocol {existing['protocol']}); nothing was changed. "
                                     "Choose a free rule number", nacl_id=nacl_id)
            todo.append(entry)
        elif same(entry, existing):
            todo.append(entry)
        elif existing is not None:
            kept.append(entry)
            module.warn(f"Network ACL {nacl_id}: {_shown(entry)} was not removed, its rule number holds another entry "
                        f"({existing['rule_action']} {existing['cidr']}, protocol {existing['protocol']})")
    if todo and not module.check_mode:
        done = []
        for entry in todo:
            try:
                (add_entry if present else remove_entry)(client, nacl_id, entry)
            except GuardDutyError as e:
                module.fail_call(e, f"Could not {'add' if present else 'remove'} {_shown(entry)} of network ACL {nacl_id} "
                                    f"(done before it: {', '.join(done) or 'nothing'})", nacl_id=nacl_id)
            done.append(_shown(entry))
    strip = [{k: v for k, v in e.items() if k != "ipv6"} for e in todo]
    module.exit_json(changed=bool(todo), nacl_id=nacl_id, added=strip if present else [], removed=[] if present else strip,
                     not_removed=[{k: v for k, v in e.items() if k != "ipv6"} for e in kept])
