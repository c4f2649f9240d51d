# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 security groups: their ingress rules open to 0.0.0.0/0 or ::/0 removed, exactly those (each recorded with its
protocol, ports, CIDR and description, added back on rollback); every other rule stays.

Identifiers: sg- and 8 or 17 hexadecimal digits, or its ARN (arn:aws:ec2:<region>:<account>:security-group/<id>).
The contain role's own quarantine and untrack groups are left as they are. Reads the named groups with their rules
(module_utils/security_group.py, which the ec2_security_group_ingress module uses too, makes the changes).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re

from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import add_rules
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import current_rules
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import plan_rules
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import protocol_of
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import remove_rules
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import rule_key
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import rule_text
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import DISAGREE
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import NETWORK
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_CONTAINED_BY
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import Problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import api_tags
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import is_port
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import recorded
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import tags_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import taken_over
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import unmarked
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import ec2_arn
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import snake
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import untrack_group_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step

ID = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
RULE = "sg- and 8 or 17 lowercase hexadecimal digits"
OPEN_CIDRS = ("0.0.0.0/0", "::/0")  # a security group's ingress rules from these are removed (and recorded)
_RULE_KEYS = ("protocol", "from_port", "to_port", "cidr", "description_base64")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{2,344}={0,2}", re.ASCII)  # 255 description characters, padding checked when decoded
_PROTOCOL = re.compile(r"-1|tcp|udp|icmp|icmpv6|\d{1,3}", re.ASCII)


def read(aws, resources, _context):
    """named_groups: the groups the investigation names, with their ingress rules and tags."""
    found = AWSCallHandler.pages(aws("ec2"), "describe_security_groups", "SecurityGroups", "ec2:DescribeSecurityGroups",
                                 "the security groups the investigation names", Filters=[{"Name": "group-id", "Values": [r["id"] for r in resources]}])
    return {"named_groups": [snake(g) for g in found]}


def _group_rules(group):
    """The ingress rules with a CIDR of a group (ec2_security_group_info's ip_permissions), one per CIDR, as
    ec2_security_group_ingress takes them: protocol, from_port, to_port, cidr, description."""
    rules = []
    for perm in group.get("ip_permissions") or []:
        if not isinstance(perm, dict) or perm.get("ip_protocol") is None:
            continue
        protocol = protocol_of(perm["ip_protocol"])
        low, high = (None, None) if protocol == "-1" else (perm.get("from_port"), perm.get("to_port"))
        for ranges, key in (("ip_ranges", "cidr_ip"), ("ipv6_ranges", "cidr_ipv6")):
            for item in perm.get(ranges) or []:
                if not isinstance(item, dict) or not isinstance(item.get(key), str):
                    continue
                try:
                    cidr = str(ipaddress.ip_network(item[key], strict=False))
                except ValueError:
                    continue
                description = item.get("description") if isinstance(item.get("description"), str) and item.get("description") else None
                rules.append({"protocol": protocol, "from_port": low, "to_port": high, "cidr": cidr, "description": description})
    return rules


def _rules_text(rules):
    """Rules in the plan's words, without their descriptions: a reason reaches the set_stats artifacts, which the next
    AWX workflow node templates, and a description is anyone's to write who can edit the group."""
    return ", ".join(rule_text(r, described=False) for r in rules)


def _security_group(resource, context):
    """(the entry when the group cannot be acted on, None) or (None, the group as ec2_security_group_info returns it)."""
    group = context.state.by("named_groups", "group_id").get(resource["id"])
    if group is None:
        return entry(resource, "skipped", "no such security group in the account and Region (none found)"), None
    if group.get("group_name") == untrack_group_name(context.settings):
        return entry(resource, "skipped", "the contain role's own untrack group (open to all by design: interfaces only pass through it "
                     "on their way to the quarantine group): left as it is"), None
    if group.get("group_name") == context.settings["quarantine_group_name"]:
        return entry(resource, "skipped", "the contain role's own quarantine group (no rules): left as it is"), None
    return None, group


def contain(resource, context):
    skipped, group = _security_group(resource, context)
    if skipped:
        return skipped
    tags = tags_of(group.get("tags"))
    open_rules = [rule for rule in _group_rules(group) if rule["cidr"] in OPEN_CIDRS]
    if not open_rules:
        return entry(resource, "unchanged", "no ingress rule open to 0.0.0.0/0 or ::/0")
    what = (f"remove its ingress rules open to the internet: {_rules_text(open_rules)} (recorded with their protocol, ports, CIDR and "
            "description, added back on rollback); every other rule stays")
    what += taken_over(tags, context, "leaves the group as it is")
    return entry(resource, "planned", what, rules=open_rules, tags={TAG_CONTAINED_BY: context.investigation_id})


def roll_back(resource, context):
    skipped, group = _security_group(resource, context)
    if skipped:
        return skipped
    tags = tags_of(group.get("tags"))
    rec, refused = recorded(resource, context, tags, "no ingress rule removed by this investigation (no record, no secops-guardduty:contained-by tag)")
    if refused:
        return refused
    present = {rule_key(rule) for rule in _group_rules(group)}
    missing = [rule for rule in recorded_rules(rec) if rule_key(rule) not in present]
    if tags.get(TAG_CONTAINED_BY) is None and not unmarked(rec):  # a mark that failed, as the record says, is no disagreement
        if not missing:
            return entry(resource, "unchanged", "every ingress rule the record holds is in the group (the removal was not made, or was undone)",
                         record_status="rolled_back")
        return entry(resource, "skipped", f"left as it is: the rules {_rules_text(missing)} the record holds are not in "
                     f"the group, but its tag {TAG_CONTAINED_BY} is gone (it {DISAGREE}); add them back by hand if they are wanted")
    marker = {TAG_CONTAINED_BY: tags[TAG_CONTAINED_BY]} if TAG_CONTAINED_BY in tags else {}
    if not (missing or marker):
        return entry(resource, "unchanged", "every ingress rule the record holds is in the group", record_status="rolled_back")
    what = [f"add back {_rules_text(missing)} (from the containment record)"] if missing else ["its rules are back already"]
    if marker:
        what.append(f"remove the tag {TAG_CONTAINED_BY}")
    return entry(resource, "planned", "; ".join(what), record_status="rolled_back", rules=missing, remove_tags=marker)


def apply(planned, context):
    """The tag first (a marker), then exactly the rules the plan names are revoked (by their rule ids, read now)."""
    group_id, changes, ec2 = planned["id"], planned["changes"], context.aws("ec2")
    key = f"ec2_security_group:{group_id}"

    def mark(_outputs):
        AWSCallHandler.call(ec2.create_tags, "ec2:CreateTags", f"security group {group_id}", Resources=[group_id], Tags=api_tags(changes["tags"]))
        return True

    def revoke(_outputs):
        todo = plan_rules(current_rules(ec2, group_id) or [], changes["rules"], present=False)
        if todo:
            remove_rules(ec2, group_id, todo)
        return bool(todo)

    return [Step(key + ":mark", ("ec2_security_group", group_id), "mark the group with the investigation", NETWORK, mark),
            Step(key + ":revoke", ("ec2_security_group", group_id), "remove its ingress rules open to the internet", NETWORK, revoke,
                 waits=[key + ":mark"])]


def undo(planned, context):
    group_id, changes, ec2 = planned["id"], planned["changes"], context.aws("ec2")
    key = f"ec2_security_group:{group_id}"
    steps = []
    if changes.get("rules"):
        def authorize(_outputs):
            todo = plan_rules(current_rules(ec2, group_id) or [], changes["rules"], present=True)
            if todo:
                add_rules(ec2, group_id, todo)
            return bool(todo)
        steps.append(Step(key + ":authorize", ("ec2_security_group", group_id), "add back the recorded ingress rules", NETWORK, authorize))

    def unmark(_outputs):
        AWSCallHandler.call(ec2.delete_tags, "ec2:DeleteTags", f"security group {group_id}", Resources=[group_id],
                            Tags=api_tags(changes["remove_tags"]))
        return True
    if changes.get("remove_tags"):
        steps.append(Step(key + ":unmark", ("ec2_security_group", group_id), "remove the containment tag", NETWORK, unmark,
                          after=[s.key for s in steps]))
    return steps


# ---------------------------------------------------------------- the record


def _recorded_rule(rule):
    """An ingress rule as the record holds it: its description base64-encoded (text anyone who edits the group wrote;
    the record is also a set_stats artifact, which the next AWX workflow node templates: base64 holds no template)."""
    description = rule.get("description")
    encoded = base64.b64encode(description.encode("utf-8")).decode("ascii") if description else None
    return {"protocol": rule["protocol"], "from_port": rule["from_port"], "to_port": rule["to_port"], "cidr": rule["cidr"],
            "description_base64": encoded}


def _description(encoded):
    """The description a record's ``description_base64`` holds (None for null); ValueError when it is not one."""
    if encoded is None:
        return None
    if not isinstance(encoded, str) or not _BASE64.fullmatch(encoded):
        raise ValueError("not base64")
    try:
        text = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("not base64 of UTF-8 text") from None
    if not 0 < len(text) <= 255 or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("not up to 255 printable characters")
    return text


def recorded_rules(rec):
    """The ingress rules a (checked) security group record holds, as ec2_security_group_ingress takes them."""
    return [{"protocol": r["protocol"], "from_port": r["from_port"], "to_port": r["to_port"], "cidr": r["cidr"],
             "description": _description(r["description_base64"])} for r in rec["removed_rules"]]


def record(planned):
    return {"removed_rules": [_recorded_rule(rule) for rule in planned["changes"]["rules"]]}


def _rule_id(rule):
    return (rule["protocol"], rule["from_port"], rule["to_port"], rule["cidr"])


def merge(old, new):
    """The rules an earlier apply removed stay recorded."""
    rules = {_rule_id(r): r for r in old.get("removed_rules", [])}
    rules.update({_rule_id(r): r for r in new["removed_rules"]})
    return dict(new, removed_rules=list(rules.values()))


def check(where, rec, _investigation_id):
    """The ingress rules a security group's record holds: only rules open to 0.0.0.0/0 or ::/0 (the only ones this role
    removes), each with a protocol, its ports and a description (null or text) as AWS takes them."""
    rules = rec.get("removed_rules")
    need(isinstance(rules, list) and rules, f"{where} records no removed_rules")
    for item in rules:
        need(isinstance(item, dict) and sorted(item) == sorted(_RULE_KEYS), f"{where} has a removed rule that is not protocol, from_port, "
             "to_port, cidr and description_base64")
        need(isinstance(item["protocol"], str) and _PROTOCOL.fullmatch(item["protocol"]), f"{where} has a removed rule without a valid protocol")
        ports = (item["from_port"], item["to_port"])
        need(ports == (None, None) if item["protocol"] == "-1" else all(p is None or is_port(p) for p in ports)
             and (item["protocol"] not in ("tcp", "udp") or None not in ports),
             f"{where} has a removed {item['protocol']} rule whose ports are not from -1 to 65535 (none for -1)")
        need(item["cidr"] in OPEN_CIDRS, f"{where} has a removed rule from another CIDR than 0.0.0.0/0 or ::/0 (this role removes no other)")
        try:
            _description(item["description_base64"])
        except ValueError as e:
            raise Problem(f"{where} has a removed rule whose description_base64 is not null or a description ({e})") from None


TYPE = ActionType(
    name="ec2_security_group", service_type="EC2_SECURITY_GROUP", id_problem=pattern_problem(ID, RULE),
    arn=ec2_arn("ec2_security_group", "security-group/"), read=read,
    reads={"named_groups": "ec2_security_group_info's security_groups (those the investigation names)"},
    contain=contain, roll_back=roll_back, apply=apply, undo=undo, record=record, check=check, merge=merge,
    iam={
        "plan": [("ReadTheSecurityGroupsTheInvestigationNames", ["ec2:DescribeSecurityGroups"], "*", "regional")],
        "apply": [("RemoveIngressRulesOpenToTheInternetOfNamedSecurityGroups",
                   ["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:RevokeSecurityGroupIngress", "ec2:CreateTags"], "*",
                   "regional")],
        "rollback": [("AddBackTheIngressRulesTheRecordHolds",
                      ["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:AuthorizeSecurityGroupIngress", "ec2:DeleteTags"],
                      "*", "regional")],
    },
)
