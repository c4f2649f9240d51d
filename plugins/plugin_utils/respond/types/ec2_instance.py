# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 instances: evidence first, then a network cut that holds.

Evidence: termination protection on, a shutdown from inside stops it, its volumes kept on termination, optionally the
metadata endpoint off (contain_disable_imds); an InService Auto Scaling member goes into Standby; outside an Auto
Scaling group it leaves its load balancer target groups; optional forensic snapshots (contain_snapshots). The cut:
every network interface through the VPC's all-open untrack group (open flows become untracked) into its quarantine
group (no traffic), optionally deny entries for every address in the subnet's network ACL (contain_network_acl).
Each change is recorded; rollback gives back what the record holds, only where the instance's tags agree with it.

Identifiers: i- and 8 or 17 hexadecimal digits, or its ARN (arn:aws:ec2:<region>:<account>:instance/<id>). The plan
gives out network ACL rule numbers across the whole investigation (two instances behind one ACL get different ones),
and one quarantine and one untrack group per VPC (ec2.group_steps).
"""

from __future__ import annotations

import ipaddress
import re
import time

from ansible_collections.secops.guardduty.plugins.module_utils import elbv2_targets
from ansible_collections.secops.guardduty.plugins.module_utils import evidence as evidence_settings
from ansible_collections.secops.guardduty.plugins.module_utils import nacl
from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import DISAGREE
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import EVIDENCE
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import NETWORK
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import REST
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_CONTAINED_BY
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_ENI_GROUPS
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_PREFIX
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_SNAPSHOT
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import VPC_ID
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import Problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import api_tags
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import recorded
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import tags_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import create_snapshot
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import ec2_arn
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import forensic_snapshots
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import group_step_key
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import group_steps
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import quarantine_groups
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import snake
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import untrack_group_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import ec2_security_group
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import iam_role

ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
ENI_ID = re.compile(r"eni-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
ACL_ENTRY_LIMIT = 20  # entries per direction of a network ACL (the default quota)
GONE = ("terminated", "shutting-down")
STANDBY_WAIT = (2, 90)  # seconds between two reads, reads: an instance entering Standby is waited for before its cut
_NACL = re.compile(r"acl-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
_DEVICE = re.compile(r"[\w/.:-]{1,64}", re.ASCII)
_ASG_NAME = re.compile(r"[^\x00-\x1f\x7f:]{1,255}")
_REGISTRATION_KEYS = ("target_group_arn", "id", "port", "availability_zone")
call = AWSCallHandler.call
pages = AWSCallHandler.pages


# ---------------------------------------------------------------- what it reads


def read(aws, resources, context):
    """The instances, and for those alive: their evidence settings, Auto Scaling membership, load balancer target
    groups and registrations, network ACLs (contain_network_acl, and rollback), the quarantine and untrack groups of
    their VPCs, this investigation's snapshots (contain_snapshots); outside rollback also their instance profiles and
    who else uses them (the blast radius of revoking the instances' roles)."""
    ec2 = aws("ec2")
    raw = [i for r in pages(ec2, "describe_instances", "Reservations", "ec2:DescribeInstances", "the instances the investigation names",
                            Filters=[{"Name": "instance-id", "Values": [r["id"] for r in resources]}]) for i in r.get("Instances") or []]
    live = [i for i in raw if (i.get("State") or {}).get("Name") not in GONE]
    instances = [snake(i) for i in raw]
    rollback = context.settings["mode"] == "rollback"
    subnets = sorted({eni.get("SubnetId") for i in raw for eni in i.get("NetworkInterfaces") or []} - {None})
    profiles = sorted({(i.get("IamInstanceProfile") or {}).get("Arn", "").rsplit("/", 1)[-1] for i in raw} - {""})
    reads = {
        "evidence": lambda: [{"instance_id": i["InstanceId"], "previous": evidence_settings.read_settings(ec2, i)} for i in live],
        "asg_instances": lambda: _asg_members(aws, [i["InstanceId"] for i in raw]) if raw else [],
        "targets": lambda: _registrations(aws, live),
        "nacls": lambda: _nacls(ec2, subnets) if subnets and (context.settings.get("network_acl") or rollback) else [],
        "groups": lambda: quarantine_groups(aws, context, {i.get("VpcId") for i in raw} - {None}),
        "snapshots": lambda: forensic_snapshots(aws, context) if context.settings.get("snapshots") and raw else [],
        "instance_profiles": lambda: [] if rollback else [p for p in (_profile(aws, name) for name in profiles) if p],
        "profile_instances": lambda: [] if rollback or not profiles else _profile_instances(ec2, context),
        "functions": lambda: [] if rollback or not profiles else iam_role.functions(aws, context),
    }
    found = context.parallel(reads)
    groups, registrations = found.pop("targets")
    return dict(found, instances=instances, target_groups=groups, target_registrations=registrations)


def _asg_members(aws, instance_ids):
    found = call(aws("autoscaling").describe_auto_scaling_instances, "autoscaling:DescribeAutoScalingInstances",
                 "the Auto Scaling membership of the instances", InstanceIds=instance_ids)
    return [snake(item) for item in found.get("AutoScalingInstances") or []]


def _registrations(aws, live):
    """(the target groups of the live instances' VPCs, where their ids and addresses are registered in them)."""
    vpcs = sorted({i.get("VpcId") for i in live} - {None})
    if not vpcs:
        return [], []
    elbv2 = aws("elbv2")
    ids = {i["InstanceId"] for i in live} | {a.get("PrivateIpAddress") for i in live for eni in i.get("NetworkInterfaces") or []
                                             for a in eni.get("PrivateIpAddresses") or []} - {None}
    groups = elbv2_targets.read_groups(elbv2, vpc_ids=vpcs)
    found = [r for group in groups for r in elbv2_targets.registrations(elbv2, group) if r["id"] in ids]
    return groups, found


def _nacls(ec2, subnets):
    """The network ACLs of ``subnets``, as ec2_vpc_nacl_info returns them: nacl_id, subnets, ingress and egress as
    [rule number, protocol, action, CIDR]."""
    found = pages(ec2, "describe_network_acls", "NetworkAcls", "ec2:DescribeNetworkAcls", "the network ACLs of the instances' subnets",
                  Filters=[{"Name": "association.subnet-id", "Values": subnets}])
    acls = []
    for acl in found:
        rules = {False: [], True: []}
        for item in sorted(acl.get("Entries") or [], key=lambda e: e.get("RuleNumber", 0)):
            rules[bool(item.get("Egress"))].append([item.get("RuleNumber"), str(item.get("Protocol")), item.get("RuleAction"),
                                                    item.get("CidrBlock") or item.get("Ipv6CidrBlock")])
        acls.append({"nacl_id": acl.get("NetworkAclId"), "vpc_id": acl.get("VpcId"),
                     "subnets": [a.get("SubnetId") for a in acl.get("Associations") or []], "ingress": rules[False], "egress": rules[True]})
    return acls


def _profile(aws, name):
    found = call(aws("iam").get_instance_profile, "iam:GetInstanceProfile", f"the instance profile {name}", missing=("NoSuchEntity",),
                 absent=None, InstanceProfileName=name)
    if found is None:
        return None
    profile = found["InstanceProfile"]
    return {"arn": profile.get("Arn"), "instance_profile_name": profile.get("InstanceProfileName"),
            "roles": [{"role_name": r.get("RoleName")} for r in profile.get("Roles") or []]}


def _profile_instances(ec2, context):
    """Every instance of the Region not terminated (moto does not serve the iam-instance-profile.arn filter): the plan
    keeps those with the same instance profile."""
    def listed():
        found = pages(ec2, "describe_instances", "Reservations", "ec2:DescribeInstances", "the instances of the Region",
                      Filters=[{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])
        return [{"instance_id": i.get("InstanceId"), "iam_instance_profile": {"arn": (i.get("IamInstanceProfile") or {}).get("Arn")},
                 "state": {"name": (i.get("State") or {}).get("Name")}} for r in found for i in r.get("Instances") or []]
    return context.once("profile_instances", listed)


# ---------------------------------------------------------------- what it plans


class _Instance:  # pylint: disable=too-few-public-methods
    """What both decisions about an instance read: the instance, its interfaces' groups, its VPC's quarantine and
    untrack groups, its evidence settings and its Auto Scaling membership."""

    def __init__(self, instance, context):
        self.instance = instance
        self.vpc_id = instance.get("vpc_id")
        groups = [g for g in context.state.items("groups") if g.get("vpc_id") == self.vpc_id]
        self.group = next((g for g in groups if g.get("group_name") == context.settings["quarantine_group_name"]), None)
        self.group_id = self.group.get("group_id") if self.group else None
        self.untrack = next((g for g in groups if g.get("group_name") == untrack_group_name(context.settings)), None)
        self.tags = tags_of(instance.get("tags"))
        enis = [eni for eni in instance.get("network_interfaces") or [] if isinstance(eni, dict)]
        self.current = {eni["network_interface_id"]: [g.get("group_id") for g in eni.get("groups") or []] for eni in enis}
        found = context.state.by("evidence", "instance_id").get(instance.get("instance_id"))
        self.evidence = found.get("previous") if isinstance(found, dict) and isinstance(found.get("previous"), dict) else None
        self.asg = context.state.by("asg_instances", "instance_id").get(instance.get("instance_id"))
        self.target_groups = {g.get("target_group_arn"): g for g in context.state.items("target_groups") if g.get("vpc_id") == self.vpc_id}
        ids = {instance.get("instance_id")} | {cidr.split("/")[0] for cidrs in _addresses(instance).values() for cidr in cidrs}
        # where the instance (by its id, or by an address in an ip target group) is registered, in its VPC's target groups
        self.registrations = sorted(({key: r.get(key) for key in _REGISTRATION_KEYS}
                                     for r in context.state.items("target_registrations")
                                     if r.get("id") in ids and r.get("target_group_arn") in self.target_groups
                                     and r.get("state") != "draining" and elbv2_targets.registration_problem(r) is None),
                                    key=_registration_key)


def _instance(resource, context):
    """(the entry when the instance cannot be acted on, None) or (None, what the decisions read)."""
    inst = context.state.by("instances", "instance_id").get(resource["id"])
    if inst is None:
        return entry(resource, "skipped", "no such instance in the account and Region (none found)"), None
    if (inst.get("state") or {}).get("name") in GONE:
        return entry(resource, "skipped", f"the instance is {inst['state']['name']}"), None
    if not any(isinstance(eni, dict) for eni in inst.get("network_interfaces") or []):
        return entry(resource, "skipped", "the instance has no network interface to quarantine"), None
    return None, _Instance(inst, context)


def _addresses(instance):
    """{subnet id: [CIDR of each address]} of the instance's network interfaces (/32 and /128)."""
    found = {}
    for eni in instance.get("network_interfaces") or []:
        if not isinstance(eni, dict) or not eni.get("subnet_id"):
            continue
        cidrs = found.setdefault(eni["subnet_id"], [])
        for item in eni.get("private_ip_addresses") or []:
            if isinstance(item, dict) and item.get("private_ip_address"):
                cidrs.append(str(ipaddress.ip_network(item["private_ip_address"] + "/32")))
        for item in eni.get("ipv6_addresses") or []:
            if isinstance(item, dict) and item.get("ipv6_address"):
                cidrs.append(str(ipaddress.ip_network(item["ipv6_address"] + "/128")))
    return found


def _acl_rules(acl, egress):
    """A network ACL's entries of one direction as (rule number, protocol, action, CIDR)."""
    rules = []
    for rule in acl.get("egress" if egress else "ingress") or []:
        if isinstance(rule, (list, tuple)) and len(rule) >= 4 and isinstance(rule[0], int) and rule[0] < 32767:
            rules.append((rule[0], str(rule[1]), rule[2], str(ipaddress.ip_network(rule[3], strict=False)) if rule[3] else None))
    return rules


def _acl_entries(inst, context):
    """(the deny entries to add to the instance's subnets' network ACLs, why they cannot be added or None).

    Rule numbers are given out across the whole plan (``context.allocated``): the instances of one subnet, or of
    subnets that share an ACL (every subnet of a default VPC shares its default ACL), get different numbers, and the
    entries other instances of the plan add count against the ACL's limit."""
    acls = context.state.items("nacls")
    todo = []
    per_acl = {}
    for subnet, cidrs in _addresses(inst.instance).items():
        acl = next((a for a in acls if subnet in (a.get("subnets") or [])), None)
        if acl is None:
            return [], f"the network ACL of its subnet {subnet} was not read: contain_network_acl cannot be applied"
        per_acl.setdefault(acl["nacl_id"], (acl, []))[1].extend(cidrs)
    for nacl_id, (acl, cidrs) in sorted(per_acl.items()):
        for egress in (False, True):
            rules = _acl_rules(acl, egress)
            given = context.allocated.setdefault(("nacl", nacl_id, egress), {})  # rule number -> CIDR, given out by this plan
            direction = "outbound" if egress else "inbound"
            first_allow = min([number for number, _proto, action, _cidr in rules if action == "allow"] or [32767])
            denied = {cidr for number, proto, action, cidr in rules if action == "deny" and proto in ("all", "-1") and number < first_allow}
            need_ = [cidr for cidr in dict.fromkeys(cidrs) if cidr not in denied and cidr not in given.values()]
            used = {number for number, *_rest in rules} | set(given)
            free = [number for number in range(1, first_allow) if number not in used]
            if len(free) < len(need_):
                return [], (f"no free rule number before the first allow entry ({first_allow}) of the network ACL {nacl_id} ({direction}) "
                            "for its deny entries: contain_network_acl cannot be applied; free rule numbers there, or contain it by hand")
            if len(rules) + len(given) + len(need_) > ACL_ENTRY_LIMIT:
                return [], (f"the network ACL {nacl_id} has {len(rules) + len(given)} {direction} entries: {len(need_)} more would pass its limit of "
                            f"{ACL_ENTRY_LIMIT} (the default quota): raise the quota or contain it by hand")
            todo += [{"nacl_id": nacl_id, "rule_number": number, "egress": egress, "cidr": cidr} for number, cidr in zip(free, need_)]
    for item in todo:
        context.allocated[("nacl", item["nacl_id"], item["egress"])][item["rule_number"]] = item["cidr"]
    return todo, None


def _evidence_wanted(inst, settings):
    """{setting: value} of the evidence settings containment sets that the instance does not have yet."""
    current = inst.evidence
    if current is None:
        return {}
    wanted = {"termination_protection": True, "shutdown_behavior": "stop",
              "delete_on_termination": {dev: False for dev, keep in sorted((current.get("delete_on_termination") or {}).items()) if keep}}
    if settings.get("disable_imds"):
        wanted["metadata_endpoint"] = "disabled"
    return {name: value for name, value in wanted.items() if value != current.get(name) and value != {}}


def _standby(inst, settings):
    """(what to ask of the instance's Auto Scaling group or None, a note for the plan or None)."""
    asg = inst.asg
    if not isinstance(asg, dict) or not asg.get("auto_scaling_group_name"):
        return None, None
    group, state = asg["auto_scaling_group_name"], asg.get("lifecycle_state")
    if state == "InService":
        return {"group_name": group, "decrement": bool(settings.get("asg_decrement"))}, None
    if state == "Standby":
        return None, None
    return None, f"a member of the Auto Scaling group {group} in lifecycle state {state}: not put into Standby (only InService members can be)"


def _registration_key(item):
    return item["target_group_arn"], item["id"], item["port"]


def _registrations_text(items, groups):
    """Target registrations in the plan's words: "<group name> (<arn>) port <n>[ as <address>]", comma-separated."""
    words = []
    for item in items:
        name = (groups.get(item["target_group_arn"]) or {}).get("target_group_name")
        name = name if isinstance(name, str) and elbv2_targets.TARGET_GROUP_NAME.fullmatch(name) else None
        address = "" if item["id"].startswith("i-") else f" as {item['id']}"
        words.append(f"{name or 'a target group'} ({item['target_group_arn']}) port {item['port']}{address}")
    return ", ".join(words)


def _by_target_group(items):
    """Registrations grouped per target group: [{target_group_arn, targets}]."""
    grouped = {}
    for item in items:
        target = {"id": item["id"], "port": item["port"]}
        if item.get("availability_zone"):
            target["availability_zone"] = item["availability_zone"]
        grouped.setdefault(item["target_group_arn"], []).append(target)
    return [{"target_group_arn": arn, "targets": targets} for arn, targets in sorted(grouped.items())]


def _deregister(inst):
    """The target registrations to take the instance out of: none for an Auto Scaling member (Standby takes it out of
    the group's load balancers, and returning from Standby puts it back)."""
    if isinstance(inst.asg, dict) and inst.asg.get("auto_scaling_group_name"):
        return []
    return inst.registrations


def contain(resource, context):  # pylint: disable=too-many-locals,too-many-branches
    skipped, inst = _instance(resource, context)
    if skipped:
        return skipped
    inv_id, settings, name = context.investigation_id, context.settings, context.settings["quarantine_group_name"]
    move = [{"eni_id": eni, "previous_groups": groups} for eni, groups in inst.current.items()
            if not (inst.group_id and groups == [inst.group_id])]
    set_tags = {}
    if move:
        set_tags[TAG_CONTAINED_BY] = inv_id
        for item in move:
            set_tags[TAG_ENI_GROUPS + item["eni_id"]] = " ".join(item["previous_groups"])
        too_long = [key for key, value in set_tags.items() if len(value) > 256]
        if too_long:
            return entry(resource, "skipped", f"the groups to record do not fit in a tag value (256 characters): {', '.join(too_long)}; contain it by hand")
    group = inst.group
    purge = bool(group) and bool(group.get("ip_permissions") or group.get("ip_permissions_egress"))
    volumes = []
    if settings.get("snapshots"):
        done = {s.get("volume_id") for s in context.state.items("snapshots") if tags_of(s.get("tags")).get(TAG_SNAPSHOT) == inv_id}
        volumes = [m["ebs"]["volume_id"] for m in inst.instance.get("block_device_mappings") or []
                   if isinstance(m.get("ebs"), dict) and m["ebs"].get("volume_id") and m["ebs"]["volume_id"] not in done]
    evidence = _evidence_wanted(inst, settings)
    acl_entries = []
    if settings.get("network_acl"):
        acl_entries, refused = _acl_entries(inst, context)
        if refused:
            return entry(resource, "skipped", refused)
    standby, note = _standby(inst, settings)
    deregister = _deregister(inst)
    notes = [note] if note else []
    if inst.evidence is None:
        notes.append("its termination protection, shutdown behaviour and volumes were not read: left as they are")
    if not (move or purge or volumes or group is None or evidence or standby or acl_entries or deregister):
        snapshotted = " (and snapshotted)" if settings.get("snapshots") else ""
        return entry(resource, "unchanged", "; ".join([f"already only in the quarantine group {inst.group_id}{snapshotted}"] + notes))
    what = []
    if evidence:
        what.append("keep the evidence: " + ", ".join(_evidence_text(key, value) for key, value in evidence.items()))
    if standby:
        what.append(f"put it into Standby in the Auto Scaling group {standby['group_name']} (out of its health checks and load balancers; "
                    + ("the group's desired capacity goes down by one)" if standby["decrement"] else "the group launches a replacement)"))
    if deregister:
        what.append("take it out of the load balancer target groups " + _registrations_text(deregister, inst.target_groups)
                    + " (deregistered: new requests stop, those in flight drain for the group's deregistration delay; recorded, and "
                    "registered again on rollback)")
    if volumes:
        what.append("snapshot " + ", ".join(volumes))
    if acl_entries:
        what.append("deny all its traffic in its subnet's network ACL: " + _acl_text(acl_entries))
    if group is None:
        what.append(f"create the quarantine group {name!r} (no ingress, no egress) in {inst.vpc_id}")
    elif purge:
        what.append(f"remove every rule of the quarantine group {inst.group_id}")
    if move:
        what.append("move " + ", ".join(m["eni_id"] for m in move) + f" through the all-open group {untrack_group_name(settings)!r} "
                    "(open flows become untracked) to the quarantine group, recording the previous groups in tags")
    previous = {key: {dev: inst.evidence["delete_on_termination"][dev] for dev in value} if key == "delete_on_termination"
                else inst.evidence.get(key) for key, value in evidence.items()}
    return entry(resource, "planned", "; ".join(what + notes), vpc_id=inst.vpc_id, quarantine_group_id=inst.group_id, interfaces=move,
                 tags=set_tags, snapshot_volumes=volumes, evidence=evidence, evidence_previous=previous, standby=standby,
                 network_acl_entries=acl_entries, network_acls=_by_acl(acl_entries), target_registrations=deregister,
                 target_groups=_by_target_group(deregister))


def _acl_text(entries):
    """Network ACL entries in the plan's words: "<acl> inbound|outbound rule <n> <cidr>", comma-separated."""
    return ", ".join(f"{e['nacl_id']} {'outbound' if e['egress'] else 'inbound'} rule {e['rule_number']} {e['cidr']}" for e in entries)


def _by_acl(entries):
    """The entries grouped per network ACL: [{nacl_id, entries}]."""
    grouped = {}
    for item in entries:
        grouped.setdefault(item["nacl_id"], []).append({k: item[k] for k in ("rule_number", "egress", "cidr")})
    return [{"nacl_id": nacl_id, "entries": items} for nacl_id, items in sorted(grouped.items())]


def _evidence_text(name, value):
    if name == "delete_on_termination":
        return "keep the volumes " + ", ".join(value) + " on termination (DeleteOnTermination off)"
    return {"termination_protection": "termination protection on", "shutdown_behavior": "a shutdown from inside stops it",
            "metadata_endpoint": "instance metadata endpoint disabled (no fresh role credentials)"}[name]


def roll_back(resource, context):  # pylint: disable=too-many-locals,too-many-branches
    skipped, inst = _instance(resource, context)
    if skipped:
        return skipped
    tags, current, group_id = inst.tags, inst.current, inst.group_id
    rec, refused = recorded(resource, context, tags, "not contained by this investigation (no record, no secops-guardduty:contained-by tag)")
    if refused:
        return refused
    owner = tags.get(TAG_CONTAINED_BY)
    restore, untag, left, kept = [], [], [], False
    for item in rec["interfaces"]:
        eni, groups = item["eni_id"], item["previous_groups"]
        tag = TAG_ENI_GROUPS + eni
        if eni not in current:
            left.append(f"{eni} (no longer attached)")
        elif group_id is not None and current[eni] == [group_id]:
            if owner != context.investigation_id or tags.get(tag) != " ".join(groups):
                # a tag was removed or rewritten: never guess which is right, keep the interface contained
                which = tag if owner == context.investigation_id else f"{TAG_CONTAINED_BY} of the instance"
                left.append(f"{eni} stays in the quarantine group (the tag {which} {DISAGREE})")
                kept = True
                continue
            restore.append({"eni_id": eni, "groups": list(groups)})
        elif current[eni] != groups:
            left.append(f"{eni} (its groups changed since containment: {' '.join(current[eni])})")
            kept = True
            continue
        # restored now, already in its recorded groups (the change was not made, or was undone), or gone
        if tag in tags:
            untag.append(tag)
    contained = kept
    if not contained and owner is not None:
        untag.append(TAG_CONTAINED_BY)
    evidence, exit_standby, acl_remove, register = {}, None, [], []
    if contained:
        if rec.get("evidence") or rec.get("standby") or rec.get("network_acl_entries") or rec.get("target_registrations"):
            left.append("its evidence settings, Auto Scaling Standby, network ACL entries and load balancer target groups stay as "
                        "containment set them, as its network does")
    else:
        evidence = _evidence_to_restore(rec.get("evidence") or {}, inst, left)
        exit_standby = _standby_to_exit(rec.get("standby"), inst, left)
        acl_remove = _acl_entries_to_remove(rec.get("network_acl_entries") or [], context, left)
        register = _registrations_to_restore(rec.get("target_registrations") or [], inst, left)
    what = [f"restore {item['eni_id']} to {' '.join(item['groups'])} (from the containment record)" for item in restore]
    if untag:
        what.append("remove the tags " + ", ".join(untag))
    if acl_remove:
        what.append("remove its deny entries from the network ACL: " + _acl_text(acl_remove))
    if exit_standby:
        what.append(f"return it from Standby to service in the Auto Scaling group {exit_standby}")
    if register:
        what.append("register it again in the load balancer target groups " + _registrations_text(register, inst.target_groups)
                    + " (from the containment record)")
    if evidence:
        what.append("restore " + ", ".join(f"{name}={_shown(value)}" for name, value in evidence.items()) + " (from the containment record)")
    if left:
        what.append("left alone: " + "; ".join(left))
    record_status = None if contained else "rolled_back"
    if not (restore or untag or evidence or exit_standby or acl_remove or register):
        if not left:
            return entry(resource, "unchanged", "not contained: its network interfaces are in the groups the record holds",
                         record_status=record_status)
        return entry(resource, "skipped", "; ".join(what), record_status=record_status)
    return entry(resource, "planned", "; ".join(what), record_status=record_status, interfaces=restore,
                 remove_tags={key: tags[key] for key in untag}, evidence=evidence, standby_group=exit_standby,
                 network_acls=_by_acl(acl_remove), target_groups=_by_target_group(register))


def _registrations_to_restore(recorded_, inst, left):
    """The target registrations the record holds that are not registered now (each exactly as recorded: never what a
    tag or the API says); those whose target group is gone, or not in the instance's VPC, are left (and said)."""
    now = {_registration_key(r) for r in inst.registrations}
    register = []
    for item in recorded_:
        if item["target_group_arn"] not in inst.target_groups:
            left.append(f"the target group {item['target_group_arn']} is gone (or not in the instance's VPC): {item['id']} port "
                        f"{item['port']} is not registered in it again")
        elif _registration_key(item) not in now:
            register.append(dict(item))
    return register


def _acl_entries_to_remove(recorded_, context, left):
    """The recorded deny entries still in their network ACL as containment added them (others are left, and said)."""
    acls = context.state.by("nacls", "nacl_id")
    remove = []
    for item in recorded_:
        acl = acls.get(item["nacl_id"])
        if acl is None:
            left.append(f"the network ACL {item['nacl_id']} was not read: its entry {item['rule_number']} stays")
            continue
        here = {number: (proto, action, cidr) for number, proto, action, cidr in _acl_rules(acl, item["egress"])}
        now = here.get(item["rule_number"])
        if now is None:
            continue  # not added, or removed since
        if now[1] == "deny" and now[0] in ("all", "-1") and now[2] == item["cidr"]:
            remove.append(dict(item))
        else:
            left.append(f"rule {item['rule_number']} of the network ACL {item['nacl_id']} is another entry now: left as it is")
    return remove


def _shown(value):
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {'true' if v else 'false'}" for k, v in value.items()) + "}"
    return "true" if value is True else "false" if value is False else str(value)


def _evidence_to_restore(recorded_, inst, left):
    """{setting: the recorded value} of the evidence settings that differ from what the record holds."""
    if not recorded_:
        return {}
    current = inst.evidence
    if current is None:
        left.append("its evidence settings were not read, so they stay as they are")
        return {}
    restore = {}
    for name, previous in recorded_.items():
        if name == "delete_on_termination":
            attached = current.get(name) or {}
            gone = sorted(dev for dev in previous if dev not in attached)
            if gone:
                left.append("no volume is attached as " + ", ".join(gone) + " any more")
            differ = {dev: keep for dev, keep in previous.items() if dev in attached and attached[dev] != keep}
            if differ:
                restore[name] = differ
        elif current.get(name) != previous:
            restore[name] = previous
    return restore


def _standby_to_exit(recorded_, inst, left):
    """The Auto Scaling group to return the instance to service in, when the record put it into Standby there."""
    if not recorded_:
        return None
    group, asg = recorded_["group_name"], inst.asg if isinstance(inst.asg, dict) else {}
    if asg.get("auto_scaling_group_name") != group:
        left.append(f"no longer a member of the Auto Scaling group {group}")
        return None
    if asg.get("lifecycle_state") == "Standby":
        return group
    if asg.get("lifecycle_state") != "InService":
        left.append(f"in lifecycle state {asg.get('lifecycle_state')} in the Auto Scaling group {group}, not Standby")
    return None


# ---------------------------------------------------------------- the steps of apply and rollback


def _enter_standby(autoscaling, instance_id, group, decrement, sleep=time.sleep):
    call(autoscaling.enter_standby, "autoscaling:EnterStandby", f"instance {instance_id} in the Auto Scaling group {group}",
         InstanceIds=[instance_id], AutoScalingGroupName=group, ShouldDecrementDesiredCapacity=decrement)
    pause, reads = STANDBY_WAIT
    for _read in range(reads):  # out of the group's health checks before the cut makes the instance unhealthy
        found = call(autoscaling.describe_auto_scaling_instances, "autoscaling:DescribeAutoScalingInstances", f"instance {instance_id}",
                     InstanceIds=[instance_id]).get("AutoScalingInstances") or []
        if not found or found[0].get("LifecycleState") == "Standby":
            return
        sleep(pause)


def apply(planned, context):  # pylint: disable=too-many-locals
    """Evidence (settings, Standby, target groups) first; the marker tags; then through the untrack group into the
    quarantine group, and the network ACL entries, after the evidence steps; snapshots on the side."""
    instance_id, changes = planned["id"], planned["changes"]
    ec2 = context.aws("ec2")
    key = f"ec2_instance:{instance_id}"
    steps, evidence_done = [], []

    def step(name, what, urgency, run, after=(), waits=()):  # pylint: disable=too-many-arguments
        steps.append(Step(f"{key}:{name}", ("ec2_instance", instance_id), what, urgency, run, after, waits))
        return f"{key}:{name}"

    if changes.get("evidence"):
        def keep(_outputs):
            for setting, value in changes["evidence"].items():
                evidence_settings.change(ec2, instance_id, setting, value)
            return True
        evidence_done.append(step("evidence", "keep the instance and its volumes as evidence", EVIDENCE, keep))
    if changes.get("standby"):
        standby = changes["standby"]
        evidence_done.append(step("standby", "put it into Standby in its Auto Scaling group", EVIDENCE,
                                  lambda _o: _enter_standby(context.aws("autoscaling"), instance_id, standby["group_name"],
                                                            standby["decrement"], context.sleep) or True, after=list(evidence_done)))
    for group in changes.get("target_groups") or []:
        def deregister(_outputs, group=group):
            elbv2_targets.change_targets(context.aws("elbv2"), group["target_group_arn"], group["targets"], present=False)
            return True
        evidence_done.append(step("deregister:" + group["target_group_arn"], "take it out of a load balancer target group", EVIDENCE,
                                  deregister, after=evidence_done[:1]))
    for volume in changes.get("snapshot_volumes") or []:
        step("snapshot:" + volume, f"take a forensic snapshot of {volume}", REST, lambda _o, volume=volume: bool(create_snapshot(
            ec2, volume, f"Forensic snapshot of {instance_id} for GuardDuty investigation {context.investigation_id}",
            {TAG_SNAPSHOT: context.investigation_id, TAG_PREFIX + "instance": instance_id})))
    for acl in changes.get("network_acls") or []:
        def deny(_outputs, acl=acl):
            for item in acl["entries"]:
                nacl.add_entry(ec2, acl["nacl_id"], dict(item, rule_action="deny"))
            return True
        step("nacl:" + acl["nacl_id"], f"deny its addresses in the network ACL {acl['nacl_id']}", NETWORK, deny, after=evidence_done)
    moves, vpc = changes.get("interfaces") or [], changes["vpc_id"]
    quarantine, untrack = group_step_key(vpc, untrack=False), group_step_key(vpc, untrack=True)
    if moves or changes.get("quarantine_group_id") is None or _purge(planned, context):
        steps.extend(group_steps(context, [vpc]))
    if moves:
        steps.extend(group_steps(context, [vpc], untrack=True))
        marked = step("mark", "record its interfaces' groups in tags on the instance", NETWORK, lambda _o: call(
            ec2.create_tags, "ec2:CreateTags", f"instance {instance_id}", Resources=[instance_id], Tags=api_tags(changes["tags"])) and True,
            after=evidence_done)

        def move(item, groups):
            call(ec2.modify_network_interface_attribute, "ec2:ModifyNetworkInterfaceAttribute",
                 f"network interface {item['eni_id']} of instance {instance_id}", NetworkInterfaceId=item["eni_id"], Groups=groups)

        def into_untrack(outputs):
            for item in moves:
                move(item, [outputs[untrack]])
            return True

        def into_quarantine(outputs):
            for item in moves:
                try:
                    move(item, [outputs[quarantine]])
                except GuardDutyError as e:  # never left in the all-open group: back to where it was, then said
                    for other in moves:
                        move(other, list(other["previous_groups"]))
                    raise GuardDutyError(f"{e.message}; its interfaces were moved back from the all-open untrack group to their previous "
                                         "groups", exception=e.exception, reason=e.reason) from e
            return True

        through = step("untrack", "move its interfaces to the untrack group (open flows become untracked)", NETWORK, into_untrack,
                       after=evidence_done + [marked, untrack, quarantine], waits=[marked])
        step("quarantine", "move its interfaces to the quarantine group (untracked flows stop at once)", NETWORK, into_quarantine,
             after=[through, quarantine])
    return steps


def _purge(planned, context):
    group = next((g for g in context.state.items("groups") if g.get("vpc_id") == planned["changes"]["vpc_id"]
                  and g.get("group_name") == context.settings["quarantine_group_name"]), None)
    return bool(group) and bool(group.get("ip_permissions") or group.get("ip_permissions_egress"))


def undo(planned, context):
    """The interfaces back to their recorded groups, then the tags removed; the network ACL entries removed; back
    from Standby, registered again, after the interfaces; the evidence settings last."""
    instance_id, changes = planned["id"], planned["changes"]
    ec2 = context.aws("ec2")
    key = f"ec2_instance:{instance_id}"
    steps = []

    def step(name, what, run, after=()):
        steps.append(Step(f"{key}:{name}", ("ec2_instance", instance_id), what, NETWORK, run, after))
        return f"{key}:{name}"

    restored = []
    if changes.get("interfaces"):
        def restore(_outputs):
            for item in changes["interfaces"]:
                call(ec2.modify_network_interface_attribute, "ec2:ModifyNetworkInterfaceAttribute",
                     f"network interface {item['eni_id']} of instance {instance_id}", NetworkInterfaceId=item["eni_id"], Groups=list(item["groups"]))
            return True
        restored.append(step("restore", "give its interfaces back their recorded groups", restore))
    if changes.get("remove_tags"):
        def unmark(_outputs):
            call(ec2.delete_tags, "ec2:DeleteTags", f"instance {instance_id}", Resources=[instance_id], Tags=api_tags(changes["remove_tags"]))
            return True
        step("unmark", "remove the containment tags", unmark, after=restored)
    for acl in changes.get("network_acls") or []:
        def allow(_outputs, acl=acl):
            for item in acl["entries"]:
                nacl.remove_entry(ec2, acl["nacl_id"], item)
            return True
        restored.append(step("nacl:" + acl["nacl_id"], f"remove its deny entries from the network ACL {acl['nacl_id']}", allow))
    back = list(restored)
    if changes.get("standby_group"):
        back.append(step("standby", "return it from Standby to service in its Auto Scaling group", lambda _o: call(
            context.aws("autoscaling").exit_standby, "autoscaling:ExitStandby", f"instance {instance_id}", InstanceIds=[instance_id],
            AutoScalingGroupName=changes["standby_group"]) and True, after=restored))
    for group in changes.get("target_groups") or []:
        def register(_outputs, group=group):
            elbv2_targets.change_targets(context.aws("elbv2"), group["target_group_arn"], group["targets"], present=True)
            return True
        back.append(step("register:" + group["target_group_arn"], "register it again in a load balancer target group", register,
                         after=restored))
    if changes.get("evidence"):
        def give_back(_outputs):
            for setting, value in changes["evidence"].items():
                evidence_settings.change(ec2, instance_id, setting, value)
            return True
        step("evidence", "give back its recorded evidence settings", give_back, after=back)
    return steps


# ---------------------------------------------------------------- the record


def record(planned):
    """The state rollback restores: the interfaces' groups, the evidence settings, Standby, ACL entries, target registrations."""
    changes = planned["changes"]
    rec = {"vpc_id": changes["vpc_id"],
           "interfaces": [{"eni_id": i["eni_id"], "previous_groups": list(i["previous_groups"])} for i in changes["interfaces"]]}
    if changes.get("evidence_previous"):
        rec["evidence"] = {k: dict(v) if isinstance(v, dict) else v for k, v in changes["evidence_previous"].items()}
    if changes.get("standby"):
        rec["standby"] = dict(changes["standby"])
    if changes.get("network_acl_entries"):
        rec["network_acl_entries"] = [dict(e) for e in changes["network_acl_entries"]]
    if changes.get("target_registrations"):
        rec["target_registrations"] = [{"target_group_arn": r["target_group_arn"], "id": r["id"], "port": r["port"],
                                        "availability_zone": r.get("availability_zone")} for r in changes["target_registrations"]]
    return rec


def recordable(planned):
    """Whether a planned entry changes something the record keeps (an instance only snapshotted has nothing to restore)."""
    return any(planned["changes"].get(k) for k in ("interfaces", "evidence", "standby", "network_acl_entries", "target_registrations"))


def merge(old, new):
    """An instance keeps the interfaces ``new`` does not name (an earlier apply moved them and they are still recorded);
    the evidence settings, Standby, ACL entries and registrations an earlier apply recorded are kept too."""
    interfaces = {i["eni_id"]: i for i in old.get("interfaces", [])}
    interfaces.update({i["eni_id"]: i for i in new.get("interfaces", [])})
    merged = dict(new, interfaces=[interfaces[eni] for eni in sorted(interfaces)])
    # the evidence settings and the Standby an earlier apply recorded are the ones from before any containment: kept
    evidence = dict(new.get("evidence") or {})
    for name, value in (old.get("evidence") or {}).items():
        evidence[name] = dict(evidence.get(name) or {}, **value) if name == "delete_on_termination" else value
    if evidence:
        merged["evidence"] = evidence
    if old.get("standby"):
        merged["standby"] = old["standby"]
    acl = {(e["nacl_id"], e["egress"], e["rule_number"]): e for e in (old.get("network_acl_entries") or []) + (new.get("network_acl_entries") or [])}
    if acl:
        merged["network_acl_entries"] = [acl[key] for key in sorted(acl)]
    # the registrations an earlier apply took out stay recorded (a second apply finds none left to take out)
    targets = {(r["target_group_arn"], r["id"], r["port"]): r
               for r in (old.get("target_registrations") or []) + (new.get("target_registrations") or [])}
    if targets:
        merged["target_registrations"] = [targets[key] for key in sorted(targets)]
    return merged


def check(where, rec, _investigation_id):
    need(isinstance(rec.get("vpc_id"), str) and VPC_ID.fullmatch(rec["vpc_id"]), f"{where} has no valid vpc_id")
    interfaces = rec.get("interfaces")
    need(isinstance(interfaces, list) and (interfaces or rec.get("evidence") or rec.get("standby") or rec.get("network_acl_entries")
                                           or rec.get("target_registrations")),
         f"{where} records no network interface")
    _check_acl_entries(where, rec.get("network_acl_entries"))
    _check_registrations(where, rec.get("id"), rec.get("target_registrations"))
    _check_evidence(where, rec.get("evidence"))
    standby = rec.get("standby")
    need(standby is None or (isinstance(standby, dict) and isinstance(standby.get("group_name"), str)
                             and _ASG_NAME.fullmatch(standby["group_name"]) and isinstance(standby.get("decrement"), bool)),
         f"{where} has a standby that is not an Auto Scaling group name and decrement (true or false)")
    for item in interfaces:
        need(isinstance(item, dict) and isinstance(item.get("eni_id"), str) and ENI_ID.fullmatch(item["eni_id"]),
             f"{where} names a network interface that is not an eni- id")
        groups = item.get("previous_groups")
        need(isinstance(groups, list) and groups and all(isinstance(g, str) and ec2_security_group.ID.fullmatch(g) for g in groups),
             f"{where}: the previous groups of {item['eni_id']} are not security group ids")


def _check_evidence(where, evidence):
    """The evidence settings an instance's record holds: only the four, each with a value AWS takes."""
    if evidence is None:
        return
    need(isinstance(evidence, dict), f"{where} has evidence that is not an object")
    for name, value in evidence.items():
        if name == "termination_protection":
            need(isinstance(value, bool), f"{where}: evidence termination_protection is not true or false")
        elif name == "shutdown_behavior":
            need(value in ("stop", "terminate"), f"{where}: evidence shutdown_behavior is not stop or terminate")
        elif name == "metadata_endpoint":
            need(value in ("enabled", "disabled"), f"{where}: evidence metadata_endpoint is not enabled or disabled")
        elif name == "delete_on_termination":
            need(isinstance(value, dict) and all(isinstance(d, str) and _DEVICE.fullmatch(d) and isinstance(v, bool) for d, v in value.items()),
                 f"{where}: evidence delete_on_termination is not device names with true or false")
        else:
            raise Problem(f"{where} has an evidence setting this role does not record")


def _check_acl_entries(where, entries):
    """The network ACL entries an instance's record holds: deny entries this role adds (an ACL id, a rule number that
    comes before the default rule, a direction, one address)."""
    if entries is None:
        return
    need(isinstance(entries, list), f"{where} has network_acl_entries that are not a list")
    for item in entries:
        need(isinstance(item, dict) and isinstance(item.get("nacl_id"), str) and _NACL.fullmatch(item["nacl_id"])
             and isinstance(item.get("rule_number"), int) and not isinstance(item.get("rule_number"), bool) and 1 <= item["rule_number"] <= 32766
             and isinstance(item.get("egress"), bool) and _is_address(item.get("cidr")),
             f"{where} has a network ACL entry that is not an acl- id, a rule number from 1 to 32766, a direction and one address")


def _check_registrations(where, instance_id, registrations):
    """The load balancer target registrations an instance's record holds: a target group ARN, the instance's id (or an
    IP address, in an ip target group), a port, an Availability Zone or null; nothing else."""
    if registrations is None:
        return
    need(isinstance(registrations, list), f"{where} has target_registrations that are not a list")
    for item in registrations:
        problem = elbv2_targets.registration_problem(item) or (
            None if sorted(item) == sorted(_REGISTRATION_KEYS) else "it has other members than " + ", ".join(_REGISTRATION_KEYS))
        need(problem is None, f"{where} has a target registration that is not one this role records ({problem})")
        need(item["id"] == instance_id or elbv2_targets.is_ip(item["id"]), f"{where} has a target registration of another instance")


def _is_address(cidr):
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except (TypeError, ValueError):
        return False
    return network.num_addresses == 1 and str(network) == cidr


TYPE = ActionType(
    name="ec2_instance", service_type="EC2_INSTANCE", id_problem=pattern_problem(ID, "i- and 8 or 17 lowercase hexadecimal digits"),
    arn=ec2_arn("ec2_instance", "instance/"), read=read,
    reads={"instances": "ec2_instance_info's instances",
           "evidence": "ec2_instance_evidence's results (instance_id, previous)",
           "asg_instances": "autoscaling_instance_info's auto_scaling_instances",
           "target_groups": "elbv2_target_registration's target_groups (those of the instances' VPCs)",
           "target_registrations": "elbv2_target_registration's registrations (of the instances' ids and addresses)",
           "nacls": "ec2_vpc_nacl_info's nacls",
           "groups": "ec2_security_group_info's security_groups (the quarantine and untrack groups of their VPCs)",
           "snapshots": "ec2_snapshot_info's snapshots (this investigation's forensic snapshots)",
           "instance_profiles": "iam_instance_profile_info's iam_instance_profiles",
           "profile_instances": "ec2_instance_info's instances (those that share an instance profile)",
           "functions": "lambda_info's functions"},
    contain=contain, roll_back=roll_back, apply=apply, undo=undo, record=record, check=check, merge=merge, recordable=recordable,
    iam={
        "plan": [("ReadInstancesAndTheirQuarantineGroups",
                  ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeSecurityGroups", "ec2:DescribeSnapshots",
                   "ec2:DescribeNetworkAcls"], "*", "regional"),
                 ("ReadAutoScalingMembership", ["autoscaling:DescribeAutoScalingInstances"], "*", "regional"),
                 ("ReadLoadBalancerTargetGroupsAndTheirTargets",
                  ["elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"], "*", "regional"),
                 ("ReadTheInstanceProfilesOfTheInstances", ["iam:GetInstanceProfile"], "arn:aws:iam::ACCOUNT_ID:instance-profile/*", None),
                 ("ReadWhoElseUsesTheInstancesRolesTheBlastRadius", ["lambda:ListFunctions"], "*", "regional")],
        "apply": [("KeepInstancesAsEvidence", ["ec2:ModifyInstanceAttribute", "ec2:ModifyInstanceMetadataOptions"], "*", "regional"),
                  ("PutAutoScalingMembersIntoStandby", ["autoscaling:EnterStandby", "autoscaling:DescribeAutoScalingInstances"], "*", "regional"),
                  ("DeregisterInstancesOutsideAutoScalingGroupsFromTheirTargetGroups", ["elasticloadbalancing:DeregisterTargets"], "*",
                   "regional"),
                  ("QuarantineInstances",
                   ["ec2:CreateSecurityGroup", "ec2:CreateTags", "ec2:DescribeSecurityGroupRules", "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
                    "ec2:ModifyNetworkInterfaceAttribute"], "*", "regional"),
                  ("ForensicSnapshotsOnlyWithContainSnapshots", ["ec2:CreateSnapshot"], "*", "regional"),
                  ("DenyInstanceAddressesInNetworkAclsWithContainNetworkAcl", ["ec2:CreateNetworkAclEntry"], "*", "regional")],
        "rollback": [("RestoreInstanceGroupsAndRemoveTheMarkers", ["ec2:ModifyNetworkInterfaceAttribute", "ec2:DeleteTags"], "*", "regional"),
                     ("RestoreInstanceEvidenceSettings", ["ec2:ModifyInstanceAttribute", "ec2:ModifyInstanceMetadataOptions"], "*", "regional"),
                     ("ReturnAutoScalingMembersFromStandby", ["autoscaling:ExitStandby"], "*", "regional"),
                     ("RegisterTheTargetsTheRecordHoldsAgain", ["elasticloadbalancing:RegisterTargets"], "*", "regional"),
                     ("RemoveTheNetworkAclEntriesTheRecordHolds", ["ec2:DeleteNetworkAclEntry"], "*", "regional")],
    },
)


def instance_roles(instance, context):
    """The roles of ``instance``'s instance profile (from the state read): [(role name, profile name)]."""
    arn = (instance.get("iam_instance_profile") or {}).get("arn")
    if not arn:
        return []
    roles = []
    for profile in context.state.items("instance_profiles"):
        if profile.get("arn") == arn:
            roles += [(r["role_name"], profile.get("instance_profile_name")) for r in profile.get("roles") or []
                      if isinstance(r, dict) and isinstance(r.get("role_name"), str)]
    return roles
