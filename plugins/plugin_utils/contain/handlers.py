# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the contain role does about one resource within reach, per resource type: the ``HANDLERS`` table.

Each ``Handler`` has two decisions, both reading the plain ``State`` the role read and returning one plan entry
(``entry``): ``contain`` (what plan reports and apply carries out; its ``changes`` hold the state before the change,
which the containment record keeps) and ``roll_back`` (what rollback undoes: only what the containment record holds,
and only where the resource's tags agree with it). An entry is ``planned`` with the ``changes`` the role's tasks carry
out, ``unchanged`` or ``skipped``, with the reason; a rollback entry also says the record status of the resource once
it is carried out (``record_status``). A resource type without a handler is reported, never changed.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import TAG_CONTAINED_BY
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import TAG_ENI_GROUPS
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import TAG_KEY
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import TAG_PAB
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import TAG_SNAPSHOT
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import INVESTIGATION_ID
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import DB_SNAPSHOT_ID
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import all_blocked
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import pab_tag
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import policy_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import revoke_policy_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import revoke_sessions_policy
from ansible_collections.secops.guardduty.plugins.module_utils.elbv2_targets import TARGET_GROUP_NAME
from ansible_collections.secops.guardduty.plugins.module_utils.elbv2_targets import registration_problem
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import protocol_of
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import rule_key
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import rule_text
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import OPEN_CIDRS
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import recorded_rules
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.state import location_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.state import public_access_block_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.state import tags_of


def entry(resource, status, reason, record_status=None, **changes):
    """One resource of the plan: who it is (from investigation_resources), its ``status``, ``reason`` and ``changes``;
    in rollback, ``record_status`` is what its containment record says once the entry is carried out (None: as is)."""
    result = {key: resource.get(key) for key in ("type", "id", "account_id", "region", "priority", "countermeasure")}
    if resource.get("derived_from"):
        result["derived_from"] = resource["derived_from"]
    if resource["type"] == "iam_access_key":
        result["user_name"] = resource.get("user_name")
    result.update(status=status, reason=reason, changes=changes)
    if record_status is not None:
        result["record_status"] = record_status
    return result


NO_RECORD = ("the containment record holds nothing for it: left as it is; roll it back with the record of the apply "
             "that contained it, or by hand")
UNTRACK_SUFFIX = "-untrack"
DISAGREE = "disagrees with the containment record (changed after containment, perhaps by an attacker)"


class Context:
    """What every decision of one plan reads: the ``state``, the ``settings``, the investigation's id and Region.

    ``record`` is the containment record's entry per (type, id) (rollback restores from it). ``user_tags`` collects,
    per IAM user, its tags as they are once rollback removed the markers of reactivated keys.
    """

    def __init__(self, state, settings, investigation_id, region, record=None):
        self.state = state
        self.settings = settings
        self.investigation_id = investigation_id
        self.region = region
        self.record = {(r["type"], r["id"]): r for r in (record or {}).get("resources", [])}
        self.user_tags = {}

    def recorded(self, resource):
        """The containment record's entry of ``resource``, or None."""
        return self.record.get((resource["type"], resource["id"]))


class Handler:
    """The two decisions about one resource type: ``contain`` (plan, apply) and ``roll_back`` (rollback)."""

    def __init__(self, contain, roll_back):
        self.contain = contain
        self.roll_back = roll_back

    def decide(self, resource, context):
        decision = self.roll_back if context.settings["mode"] == "rollback" else self.contain
        return decision(resource, context)


# ---------------------------------------------------------------- EC2 instances: quarantine security group


class _Instance:
    """What both decisions about an instance read: the instance, its interfaces' groups, its VPC's quarantine and
    untrack groups, its evidence settings (ec2_instance_evidence's ``previous``) and its Auto Scaling membership."""

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
        evidence = context.state.by("evidence", "instance_id").get(instance.get("instance_id"))
        self.evidence = evidence.get("previous") if isinstance(evidence, dict) and isinstance(evidence.get("previous"), dict) else None
        self.asg = context.state.by("asg_instances", "instance_id").get(instance.get("instance_id"))
        self.target_groups = {g.get("target_group_arn"): g for g in context.state.items("target_groups") if g.get("vpc_id") == self.vpc_id}
        ids = {instance.get("instance_id")} | {cidr.split("/")[0] for cidrs in _addresses(instance).values() for cidr in cidrs}
        # where the instance (by its id, or by an address in an ip target group) is registered, in its VPC's target groups
        self.registrations = sorted(({key: r.get(key) for key in ("target_group_arn", "id", "port", "availability_zone")}
                                     for r in context.state.items("target_registrations")
                                     if r.get("id") in ids and r.get("target_group_arn") in self.target_groups
                                     and r.get("state") != "draining" and registration_problem(r) is None), key=_registration_key)


def untrack_group_name(settings):
    """The all-open group an interface passes through on its way to the quarantine group (its flows become untracked)."""
    return settings["quarantine_group_name"] + UNTRACK_SUFFIX


def _instance(resource, context):
    """(the entry when the instance cannot be acted on, None) or (None, what the decisions read)."""
    inst = context.state.by("instances", "instance_id").get(resource["id"])
    if inst is None:
        return entry(resource, "skipped", "no such instance in the account and Region (ec2_instance_info found none)"), None
    if (inst.get("state") or {}).get("name") in ("terminated", "shutting-down"):
        return entry(resource, "skipped", f"the instance is {inst['state']['name']}"), None
    if not any(isinstance(eni, dict) for eni in inst.get("network_interfaces") or []):
        return entry(resource, "skipped", "the instance has no network interface to quarantine"), None
    return None, _Instance(inst, context)


ACL_ENTRY_LIMIT = 20  # entries per direction of a network ACL (the default quota)


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
    """ec2_vpc_nacl_info's entries of one direction as (rule number, protocol, action, CIDR)."""
    rules = []
    for rule in acl.get("egress" if egress else "ingress") or []:
        if isinstance(rule, (list, tuple)) and len(rule) >= 4 and isinstance(rule[0], int) and rule[0] < 32767:
            rules.append((rule[0], str(rule[1]), rule[2], str(ipaddress.ip_network(rule[3], strict=False)) if rule[3] else None))
    return rules


def _acl_entries(inst, context):
    """(the deny entries to add to the instance's subnets' network ACLs, why they cannot be added or None)."""
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
            direction = "outbound" if egress else "inbound"
            first_allow = min([number for number, _proto, action, _cidr in rules if action == "allow"] or [32767])
            denied = {cidr for number, proto, action, cidr in rules if action == "deny" and proto in ("all", "-1") and number < first_allow}
            need = [cidr for cidr in dict.fromkeys(cidrs) if cidr not in denied]
            used = {number for number, *_rest in rules}
            free = [number for number in range(1, first_allow) if number not in used]
            if len(free) < len(need):
                return [], (f"no free rule number before the first allow entry ({first_allow}) of the network ACL {nacl_id} ({direction}) "
                            "for its deny entries: contain_network_acl cannot be applied; free rule numbers there, or contain it by hand")
            if len(rules) + len(need) > ACL_ENTRY_LIMIT:
                return [], (f"the network ACL {nacl_id} has {len(rules)} {direction} entries: {len(need)} more would pass its limit of "
                            f"{ACL_ENTRY_LIMIT} (the default quota): raise the quota or contain it by hand")
            todo += [{"nacl_id": nacl_id, "rule_number": number, "egress": egress, "cidr": cidr} for number, cidr in zip(free, need)]
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
        name = name if isinstance(name, str) and TARGET_GROUP_NAME.fullmatch(name) else None
        address = "" if item["id"].startswith("i-") else f" as {item['id']}"
        words.append(f"{name or 'a target group'} ({item['target_group_arn']}) port {item['port']}{address}")
    return ", ".join(words)


def _by_target_group(items):
    """Registrations grouped per target group, as the role's task passes them: [{target_group_arn, targets}]."""
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


def _contain_instance(resource, context):
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
        what.append("keep the evidence: " + ", ".join(_evidence_text(name, value) for name, value in evidence.items()))
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
    """The entries grouped per network ACL, as the role's task passes them: [{nacl_id, entries}]."""
    grouped = {}
    for item in entries:
        grouped.setdefault(item["nacl_id"], []).append({k: item[k] for k in ("rule_number", "egress", "cidr")})
    return [{"nacl_id": nacl_id, "entries": items} for nacl_id, items in sorted(grouped.items())]


def _evidence_text(name, value):
    if name == "delete_on_termination":
        return "keep the volumes " + ", ".join(value) + " on termination (DeleteOnTermination off)"
    return {"termination_protection": "termination protection on", "shutdown_behavior": "a shutdown from inside stops it",
            "metadata_endpoint": "instance metadata endpoint disabled (no fresh role credentials)"}[name]


def _other_owner(owner):
    """The investigation a contained-by tag names, repeated only when it is an investigation id (tags are anyone's)."""
    return owner if isinstance(owner, str) and INVESTIGATION_ID.fullmatch(owner) else "(not an investigation id)"


def _taken_over(tags, context, then):
    """What the plan says when the resource's contained-by tag names another investigation: this containment takes the
    resource over (tags are anyone's to write: a forged tag must not keep a resource open), so that one's rollback
    ``then`` (its record and the tag disagree)."""
    owner = tags.get(TAG_CONTAINED_BY)
    if owner is None or owner == context.investigation_id:
        return ""
    return (f"; its tag {TAG_CONTAINED_BY} names investigation {_other_owner(owner)}, which this containment takes over "
            f"(a rollback of that investigation {then})")


def _recorded(resource, context, tags, not_contained):
    """(the record's entry of a resource rollback may restore, None) or (None, the plan entry saying why not).

    The ``contained-by`` tag is a cross-check: another investigation's containment is left to it; a tag without a
    record is refused (nothing to restore from); neither means ``not_contained``.
    """
    owner = tags.get(TAG_CONTAINED_BY)
    rec = context.recorded(resource)
    if owner is not None and owner != context.investigation_id:
        return None, entry(resource, "skipped", f"contained by investigation {_other_owner(owner)}: roll back with that investigation")
    if rec is None:
        if owner is None:
            return None, entry(resource, "unchanged", not_contained)
        return None, entry(resource, "skipped", NO_RECORD)
    return rec, None


def _roll_back_instance(resource, context):
    skipped, inst = _instance(resource, context)
    if skipped:
        return skipped
    tags, current, group_id = inst.tags, inst.current, inst.group_id
    rec, refused = _recorded(resource, context, tags, "not contained by this investigation (no record, no secops-guardduty:contained-by tag)")
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


def _registrations_to_restore(recorded, inst, left):
    """The target registrations the record holds that are not registered now (each exactly as recorded: never what a
    tag or the API says); those whose target group is gone, or not in the instance's VPC, are left (and said)."""
    now = {_registration_key(r) for r in inst.registrations}
    register = []
    for item in recorded:
        if item["target_group_arn"] not in inst.target_groups:
            left.append(f"the target group {item['target_group_arn']} is gone (or not in the instance's VPC): {item['id']} port "
                        f"{item['port']} is not registered in it again")
        elif _registration_key(item) not in now:
            register.append(dict(item))
    return register


def _acl_entries_to_remove(recorded, context, left):
    """The recorded deny entries still in their network ACL as containment added them (others are left, and said)."""
    acls = context.state.by("nacls", "nacl_id")
    remove = []
    for item in recorded:
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


def _evidence_to_restore(recorded, inst, left):
    """{setting: the recorded value} of the evidence settings that differ from what the record holds."""
    if not recorded:
        return {}
    current = inst.evidence
    if current is None:
        left.append("its evidence settings were not read, so they stay as they are")
        return {}
    restore = {}
    for name, previous in recorded.items():
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


def _standby_to_exit(recorded, inst, left):
    """The Auto Scaling group to return the instance to service in, when the record put it into Standby there."""
    if not recorded:
        return None
    group, asg = recorded["group_name"], inst.asg if isinstance(inst.asg, dict) else {}
    if asg.get("auto_scaling_group_name") != group:
        left.append(f"no longer a member of the Auto Scaling group {group}")
        return None
    if asg.get("lifecycle_state") == "Standby":
        return group
    if asg.get("lifecycle_state") != "InService":
        left.append(f"in lifecycle state {asg.get('lifecycle_state')} in the Auto Scaling group {group}, not Standby")
    return None


# ---------------------------------------------------------------- IAM access keys: deactivate, record on the user


def _access_key(resource, context):
    """(the entry when the key is not found, None...) or (None, the resource with its owner, the key, its owner's tags)."""
    key = context.state.by("access_keys", "access_key_id").get(resource["id"])
    if key is None:
        where = f"of the user {resource['user_name']}" if resource.get("user_name") else "of any IAM user of the account"
        return entry(resource, "skipped", f"not an access key {where} (iam_access_key_info found none)"), None, None, None
    user = key.get("user_name")
    tags = context.user_tags.setdefault(user, dict(tags_of((context.state.by("users", "user_name").get(user) or {}).get("tags"))))
    return None, dict(resource, user_name=user), key, tags


def _contain_access_key(resource, context):
    skipped, resource, key, _tags = _access_key(resource, context)
    if skipped:
        return skipped
    user, tag = resource["user_name"], TAG_KEY + resource["id"]
    if key.get("status") != "Active":
        return entry(resource, "unchanged", f"already {key.get('status')}")
    return entry(resource, "planned", f"deactivate it and record that on its user {user} (tag {tag})", user_name=user, tags={tag: context.investigation_id})


def _roll_back_access_key(resource, context):
    skipped, resource, key, tags = _access_key(resource, context)
    if skipped:
        return skipped
    user, tag = resource["user_name"], TAG_KEY + resource["id"]
    rec = context.recorded(resource)
    if rec is None:
        if tags.get(tag) == context.investigation_id:
            return entry(resource, "skipped", NO_RECORD)
        return entry(resource, "unchanged", "not deactivated by this investigation (the containment record holds nothing for it)")
    if rec["user_name"] != user:
        return entry(resource, "skipped", f"the containment record names the user {rec['user_name']}, but the key belongs to {user}: left as it is")
    if key.get("status") == "Active":
        if tag not in tags:
            return entry(resource, "unchanged", "active (the deactivation the record holds was not made, or was undone)", record_status="rolled_back")
        tags.pop(tag)
        return entry(resource, "planned", f"already active again; remove the tag {tag} from {user}", record_status="rolled_back",
                     activate=False, user_name=user)
    if not context.settings.get("reactivate_keys"):
        return entry(resource, "unchanged", f"left inactive: AWS advises never to reactivate an access key that may have leaked; rotate it "
                     f"(a new key for {user}, then delete this one), or set contain_rollback_reactivate_keys=true to reactivate it")
    if tags.get(tag) != context.investigation_id:
        return entry(resource, "skipped", f"left inactive: the tag {tag} on {user} {DISAGREE}")
    tags.pop(tag)
    return entry(resource, "planned", f"reactivate it (contain_rollback_reactivate_keys=true; AWS advises rotating a leaked key instead) "
                 f"and remove the tag {tag} from {user}", record_status="rolled_back", activate=True, user_name=user)


def user_tag_updates(context):
    """After rollback decisions: per IAM user whose tags change, the tags it keeps."""
    updates = []
    for user, tags in context.user_tags.items():
        original = tags_of((context.state.by("users", "user_name").get(user) or {}).get("tags"))
        if tags != original:
            updates.append({"user_name": user, "tags": tags})
    return updates


# ---------------------------------------------------------------- IAM users and roles: deny-all inline policy


def _principal_policies(resource, context):
    """(the entry when the principal does not exist, None) or (None, its inline policy names)."""
    resource_type = resource["type"]
    names = context.state.policy_names("user_policies" if resource_type == "iam_user" else "role_policies", resource["id"])
    if names is None:
        return entry(resource, "skipped", f"no such {resource_type.replace('_', ' ')} in the account"), None
    return None, names


def role_action(resource, settings):
    """What containment does to an IAM role: revoke_sessions (always for the role of a contained instance) or deny_all."""
    if resource["type"] != "iam_role":
        return "deny_all"
    return "revoke_sessions" if resource.get("derived_from") else settings.get("role_action", "revoke_sessions")


def _contain_principal(resource, context):
    skipped, names = _principal_policies(resource, context)
    if skipped:
        return skipped
    if role_action(resource, context.settings) == "revoke_sessions":
        return _revoke_sessions(resource, context, names)
    name = policy_name(context.investigation_id)
    if name in names:
        return entry(resource, "unchanged", f"the deny-all inline policy {name} is already attached")
    return entry(resource, "planned", f"attach the deny-all inline policy {name}", policy_name=name)


def _revoke_sessions(resource, context, names):
    name, time = revoke_policy_name(context.investigation_id), context.settings.get("time")
    why = f" ({resource['derived_from']})" if resource.get("derived_from") else ""
    if name in names:
        return entry(resource, "unchanged", f"its sessions issued before containment are already revoked (inline policy {name}){why}")
    when = time or "the containment time"
    what = (f"revoke its sessions issued before {when} (UTC){why}: the inline policy {name} denies every request signed with "
            "credentials issued before then; sessions issued later keep working")
    shared = blast_radius(resource["id"], context, resource.get("derived_from_id"))
    if shared:
        what += "; the role is also used by " + shared + ": their sessions issued before then end too"
    return entry(resource, "planned", what, policy_name=name, policy=revoke_sessions_policy(time) if time else None, revoked_before=time)


def blast_radius(role, context, instance_id=None):
    """The other instances and the Lambda functions that use ``role`` (from the state read), in words; '' when none."""
    profiles = [p.get("arn") for p in context.state.items("instance_profiles")
                if any(isinstance(r, dict) and r.get("role_name") == role for r in p.get("roles") or [])]
    instances = sorted({i.get("instance_id") for i in context.state.items("profile_instances")
                        if (i.get("iam_instance_profile") or {}).get("arn") in profiles and i.get("instance_id") != instance_id
                        and (i.get("state") or {}).get("name") not in ("terminated",)})
    functions = sorted({f.get("function_name") for f in context.state.items("functions")
                        if isinstance(f.get("role"), str) and f["role"].split("/")[-1] == role})
    words = []
    if instances:
        words.append("the instances " + ", ".join(instances))
    if functions:
        words.append("the Lambda functions " + ", ".join(functions))
    return " and ".join(words)


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


def _roll_back_principal(resource, context):
    skipped, names = _principal_policies(resource, context)
    if skipped:
        return skipped
    rec = context.recorded(resource)
    name = policy_name(context.investigation_id)
    if rec is None:
        if name in names:
            return entry(resource, "skipped", f"the inline policy {name} is attached, but {NO_RECORD}")
        return entry(resource, "unchanged", f"the inline policy {name} is not attached")
    if rec["policy_name"] not in names:
        return entry(resource, "unchanged", f"the inline policy {rec['policy_name']} is not attached", record_status="rolled_back")
    return entry(resource, "planned", f"remove the inline policy {rec['policy_name']} (from the containment record)", record_status="rolled_back",
                 policy_name=rec["policy_name"])


# ---------------------------------------------------------------- S3 buckets: block public access, record the previous block


def _bucket(resource, context):
    """(the entry when the bucket is not the caller's or not in the Region, None) or (None, its block, its tags)."""
    bucket = context.state.by("buckets", "name").get(resource["id"])
    if bucket is None:
        return entry(resource, "skipped", "not a bucket of this account (S3 bucket names are global: only the caller's own buckets are changed)"), None, None
    location = location_of(bucket.get("bucket_location"))
    if location != context.region:
        return entry(resource, "skipped", f"in Region {location}, not the investigation's Region {context.region}"), None, None
    return None, public_access_block_of(bucket.get("public_access_block")), tags_of(bucket.get("bucket_tagging"))


def _contain_bucket(resource, context):
    skipped, block, tags = _bucket(resource, context)
    if skipped:
        return skipped
    if all_blocked(block):
        return entry(resource, "unchanged", "all public access is already blocked")
    new_tags = {TAG_CONTAINED_BY: context.investigation_id, TAG_PAB: pab_tag(block)}
    what = f"block all public access (was: {pab_tag(block)}), recording the previous setting" + _taken_over(tags, context, "leaves the bucket blocked")
    return entry(resource, "planned", what, tags=new_tags, previous=block or None)


def _roll_back_bucket(resource, context):
    skipped, block, tags = _bucket(resource, context)
    if skipped:
        return skipped
    rec, refused = _recorded(resource, context, tags, "public access not blocked by this investigation (no record, no tag)")
    if refused:
        return refused
    owner = tags.get(TAG_CONTAINED_BY)
    previous = rec["previous_public_access_block"]
    remaining = {k: v for k, v in tags.items() if k not in (TAG_CONTAINED_BY, TAG_PAB)}
    if not all_blocked(block):
        if owner is None and TAG_PAB not in tags:
            return entry(resource, "unchanged", "public access is not blocked (the change the record holds was not made, or was undone)",
                         record_status="rolled_back")
        return entry(resource, "planned", "its public access block changed since containment: left as is; remove the tags",
                     record_status="rolled_back", restore=False, tags=remaining)
    if owner != context.investigation_id or tags.get(TAG_PAB) != pab_tag(previous):
        return entry(resource, "skipped", f"left blocked: its tags {TAG_CONTAINED_BY} and {TAG_PAB} {DISAGREE}; "
                     "check the bucket and restore its public access block by hand")
    what = ("delete the public access block it did not have" if previous is None
            else "restore its public access block " + pab_tag(previous)) + " (from the containment record)"
    return entry(resource, "planned", what + " and remove the tags", record_status="rolled_back", restore=True,
                 previous=dict(previous) if previous else None, tags=remaining)


# ---------------------------------------------------------------- EC2 security groups: remove the ingress rules open to the internet


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
        return entry(resource, "skipped", "no such security group in the account and Region (ec2_security_group_info found none)"), None
    if group.get("group_name") == untrack_group_name(context.settings):
        return entry(resource, "skipped", "the contain role's own untrack group (open to all by design: interfaces only pass through it "
                     "on their way to the quarantine group): left as it is"), None
    if group.get("group_name") == context.settings["quarantine_group_name"]:
        return entry(resource, "skipped", "the contain role's own quarantine group (no rules): left as it is"), None
    return None, group


def _contain_security_group(resource, context):
    skipped, group = _security_group(resource, context)
    if skipped:
        return skipped
    tags = tags_of(group.get("tags"))
    open_rules = [rule for rule in _group_rules(group) if rule["cidr"] in OPEN_CIDRS]
    if not open_rules:
        return entry(resource, "unchanged", "no ingress rule open to 0.0.0.0/0 or ::/0")
    what = (f"remove its ingress rules open to the internet: {_rules_text(open_rules)} (recorded with their protocol, ports, CIDR and "
            "description, added back on rollback); every other rule stays")
    what += _taken_over(tags, context, "leaves the group as it is")
    return entry(resource, "planned", what, rules=open_rules, tags={TAG_CONTAINED_BY: context.investigation_id})


def _roll_back_security_group(resource, context):
    skipped, group = _security_group(resource, context)
    if skipped:
        return skipped
    tags = tags_of(group.get("tags"))
    rec, refused = _recorded(resource, context, tags, "no ingress rule removed by this investigation (no record, no secops-guardduty:contained-by tag)")
    if refused:
        return refused
    present = {rule_key(rule) for rule in _group_rules(group)}
    missing = [rule for rule in recorded_rules(rec) if rule_key(rule) not in present]
    if tags.get(TAG_CONTAINED_BY) is None:
        if not missing:
            return entry(resource, "unchanged", "every ingress rule the record holds is in the group (the removal was not made, or was undone)",
                         record_status="rolled_back")
        return entry(resource, "skipped", f"left as it is: the rules {_rules_text(missing)} the record holds are not in "
                     f"the group, but its tag {TAG_CONTAINED_BY} is gone (it {DISAGREE}); add them back by hand if they are wanted")
    what = (f"add back {_rules_text(missing)} (from the containment record) and " if missing
            else "its rules are back already; ")
    return entry(resource, "planned", what + f"remove the tag {TAG_CONTAINED_BY}", record_status="rolled_back", rules=missing,
                 remove_tags={TAG_CONTAINED_BY: tags[TAG_CONTAINED_BY]})


# ---------------------------------------------------------------- Lambda functions: reserved concurrency 0 (no invocations)


def _concurrency_text(value):
    return "none (the account's unreserved concurrency)" if value is None else str(value)


def _function(resource, context):
    """(the entry when the function cannot be acted on, None) or (None, its reserved concurrency: None or a number)."""
    read = context.state.by("function_concurrency", "function_name").get(resource["id"])
    if read is None or read.get("exists") is not True:
        return entry(resource, "skipped", "no such Lambda function in the account and Region (lambda_function_concurrency found none)"), None
    value = read.get("reserved_concurrency")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        return entry(resource, "skipped", "its reserved concurrency was not read as a number: left as it is"), None
    return None, value


def _contain_function(resource, context):
    skipped, value = _function(resource, context)
    if skipped:
        return skipped
    if value == 0:
        return entry(resource, "unchanged", "its reserved concurrency is already 0 (no invocation runs)")
    return entry(resource, "planned", f"set its reserved concurrency to 0, so that no invocation runs (it is {_concurrency_text(value)}: "
                 "recorded, and given back on rollback); its code, configuration and triggers stay as they are", previous=value)


def _roll_back_function(resource, context):
    skipped, value = _function(resource, context)
    if skipped:
        return skipped
    rec = context.recorded(resource)
    if rec is None:
        return entry(resource, "unchanged", f"the containment record holds nothing for it: left as it is (reserved concurrency "
                     f"{_concurrency_text(value)})")
    previous = rec["previous_reserved_concurrency"]
    if value == previous:
        return entry(resource, "unchanged", f"it has the reserved concurrency the record holds ({_concurrency_text(previous)})",
                     record_status="rolled_back")
    if value != 0:
        return entry(resource, "skipped", f"its reserved concurrency changed since containment (it is {value}, not 0): left as it is")
    return entry(resource, "planned", f"give it back its reserved concurrency {_concurrency_text(previous)} (from the containment record)",
                 record_status="rolled_back", previous=previous)


# ---------------------------------------------------------------- EBS volumes: a forensic snapshot, kept


def _volume(resource, context):
    """(the entry when the volume is not there, None) or (None, the ids of this investigation's snapshots of it)."""
    volume = context.state.by("volumes", "id").get(resource["id"])
    if volume is None:
        return entry(resource, "skipped", "no such EBS volume in the account and Region (ec2_vol_info found none)"), None
    taken = sorted(snap["snapshot_id"] for snap in context.state.items("snapshots") if snap.get("volume_id") == resource["id"]
                   and tags_of(snap.get("tags")).get(TAG_SNAPSHOT) == context.investigation_id and isinstance(snap.get("snapshot_id"), str))
    return None, taken


def _contain_volume(resource, context):
    skipped, taken = _volume(resource, context)
    if skipped:
        return skipped
    if taken:
        return entry(resource, "unchanged", f"a forensic snapshot of it for this investigation exists: {', '.join(taken)}")
    return entry(resource, "planned", f"take a forensic snapshot of it, tagged {TAG_SNAPSHOT}={context.investigation_id} (kept on "
                 "rollback: it is evidence); the volume itself stays as it is", snapshot=True)


def _roll_back_volume(resource, context):
    skipped, taken = _volume(resource, context)
    if skipped:
        return skipped
    if context.recorded(resource) is None:
        return entry(resource, "unchanged", "the containment record holds nothing for it: left as it is")
    kept = ", ".join(taken) if taken else "none found (deleted since, or still being created)"
    return entry(resource, "unchanged", f"nothing to undo: its forensic snapshots stay as evidence ({kept}); delete them by hand when "
                 "the investigation is closed", record_status="rolled_back")


# ---------------------------------------------------------------- RDS DB instances: a snapshot, not public, the quarantine group


DB_GONE = ("deleting", "deleted", "failed", "incompatible-restore", "inaccessible-encryption-credentials")


def db_snapshot_name(investigation_id, db_id):
    """The forensic snapshot containment takes of DB instance ``db_id`` (a DB snapshot identifier: letters, digits and
    single hyphens, at most 255), or None when the two do not make one."""
    name = re.sub(r"-+", "-", f"secops-guardduty-{db_id}-{investigation_id}").strip("-")[:255].rstrip("-")
    return name if DB_SNAPSHOT_ID.fullmatch(name) else None


def _db_groups(db):
    return [g.get("vpc_security_group_id") for g in db.get("vpc_security_groups") or [] if isinstance(g, dict)]


def _snapshot_tags(snapshot):
    """A DB snapshot's tags as rds_snapshot_info returns them: DescribeDBSnapshots' TagList comes as ``tag_list`` (the
    module's ``tags`` is filled from a key the API does not return: empty)."""
    return dict(tags_of(snapshot.get("tag_list")), **tags_of(snapshot.get("tags")))


def _db(resource, context):
    """(the entry when the DB instance cannot be acted on, None) or (None, what the decisions read: the instance, its
    VPC, its VPC's quarantine group (or None), its groups, whether it is public, this investigation's snapshots of it)."""
    db = context.state.by("db_instances", "db_instance_identifier").get(resource["id"])
    if db is None:
        return entry(resource, "skipped", "no such RDS DB instance in the account and Region (rds_instance_info found none)"), None
    if db.get("db_instance_status") in DB_GONE:
        return entry(resource, "skipped", f"the DB instance is {db['db_instance_status']}: left as it is"), None
    vpc_id = (db.get("db_subnet_group") or {}).get("vpc_id")
    groups = _db_groups(db)
    if not vpc_id or not groups or not isinstance(db.get("publicly_accessible"), bool):
        return entry(resource, "skipped", "the DB instance is not in a VPC with VPC security groups (or its settings were not read): "
                     "contain it by hand"), None
    group = next((g for g in context.state.items("groups") if g.get("vpc_id") == vpc_id
                  and g.get("group_name") == context.settings["quarantine_group_name"]), None)
    taken = sorted(snap["db_snapshot_identifier"] for snap in context.state.items("db_snapshots")
                   if snap.get("db_instance_identifier") == resource["id"] and isinstance(snap.get("db_snapshot_identifier"), str)
                   and _snapshot_tags(snap).get(TAG_SNAPSHOT) == context.investigation_id)
    return None, {"db": db, "vpc_id": vpc_id, "group": group, "groups": groups, "public": db["publicly_accessible"],
                  "taken": taken, "tags": tags_of(db.get("tags"))}


def _contain_db(resource, context):
    skipped, db = _db(resource, context)
    if skipped:
        return skipped
    group = db["group"]
    quarantined = group is not None and db["groups"] == [group.get("group_id")]
    purge = bool(group) and bool(group.get("ip_permissions") or group.get("ip_permissions_egress"))
    if db["taken"] and not db["public"] and quarantined and not purge:
        return entry(resource, "unchanged", f"not publicly accessible, only in the quarantine group {group['group_id']}, and snapshotted "
                     f"({', '.join(db['taken'])})")
    snapshot = None
    what = []
    if not db["taken"]:
        snapshot = db_snapshot_name(context.investigation_id, resource["id"])
        if snapshot is None:
            return entry(resource, "skipped", "no DB snapshot identifier can be made of its identifier and the investigation's: contain it by hand")
        what.append(f"take a snapshot {snapshot}, tagged {TAG_SNAPSHOT}={context.investigation_id} (kept on rollback: it is evidence)")
    if db["public"]:
        what.append("make it not publicly accessible")
    if not quarantined or purge:
        what.append(f"put it in the quarantine group {context.settings['quarantine_group_name']} of its VPC {db['vpc_id']} alone "
                    f"(it is in {' '.join(db['groups'])})")
    reason = ("; then ".join(what) + "; its previous settings are recorded and given back on rollback, changes applied immediately "
              "(connections already open to the DB are not closed by a security group change)")
    reason += _taken_over(db["tags"], context, "leaves the DB instance contained")
    return entry(resource, "planned", reason, vpc_id=db["vpc_id"], snapshot=snapshot, previous_publicly_accessible=db["public"],
                 previous_vpc_security_groups=db["groups"], tags={TAG_CONTAINED_BY: context.investigation_id})


def _roll_back_db(resource, context):
    skipped, db = _db(resource, context)
    if skipped:
        return skipped
    tags = db["tags"]
    rec, refused = _recorded(resource, context, tags, "not contained by this investigation (no record, no secops-guardduty:contained-by tag)")
    if refused:
        return refused
    kept = f"its snapshot {rec['snapshot']} stays as evidence" if rec["snapshot"] else "its snapshots stay as evidence"
    previous_public, previous_groups = rec["previous_publicly_accessible"], rec["previous_vpc_security_groups"]
    restored = db["public"] == previous_public and sorted(db["groups"]) == sorted(previous_groups)
    owner = tags.get(TAG_CONTAINED_BY)
    remaining = {k: v for k, v in tags.items() if k != TAG_CONTAINED_BY}
    if owner is None:
        if restored:
            return entry(resource, "unchanged", f"it has the settings the record holds ({kept})", record_status="rolled_back")
        return entry(resource, "skipped", f"left as it is: its tag {TAG_CONTAINED_BY} is gone (it {DISAGREE}); give it back "
                     "its public access and security groups by hand if they are wanted")
    if restored:
        return entry(resource, "planned", f"its settings are back already; remove the tag {TAG_CONTAINED_BY} ({kept})",
                     record_status="rolled_back", restore=False, tags=remaining)
    group = db["group"]
    if db["public"] or group is None or db["groups"] != [group.get("group_id")]:
        return entry(resource, "skipped", "its public access or security groups changed since containment (not only in the "
                     "quarantine group, or public): left as it is; restore them by hand")
    what = ("make it publicly accessible again" if previous_public else "keep it not publicly accessible") + \
        f" and give it back the security groups {' '.join(previous_groups)} (from the containment record)"
    return entry(resource, "planned", f"{what}, remove the tag {TAG_CONTAINED_BY}; {kept}", record_status="rolled_back", restore=True,
                 publicly_accessible=previous_public, vpc_security_groups=list(previous_groups), tags=remaining)


# resource_type -> what the role does about it; a type not in the table is never changed
HANDLERS = {
    "ec2_instance": Handler(contain=_contain_instance, roll_back=_roll_back_instance),
    "iam_access_key": Handler(contain=_contain_access_key, roll_back=_roll_back_access_key),
    "iam_user": Handler(contain=_contain_principal, roll_back=_roll_back_principal),
    "iam_role": Handler(contain=_contain_principal, roll_back=_roll_back_principal),
    "s3_bucket": Handler(contain=_contain_bucket, roll_back=_roll_back_bucket),
    "ec2_security_group": Handler(contain=_contain_security_group, roll_back=_roll_back_security_group),
    "lambda_function": Handler(contain=_contain_function, roll_back=_roll_back_function),
    "ebs_volume": Handler(contain=_contain_volume, roll_back=_roll_back_volume),
    "rds_instance": Handler(contain=_contain_db, roll_back=_roll_back_db),
}
