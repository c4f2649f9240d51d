# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Single targets of Elastic Load Balancing (v2) target groups, read, registered or deregistered one by one: what the
elbv2_target_registration module does.

amazon.aws has no target group module (community.aws's elb_target_group rewrites a group's whole target list);
containment must take one instance out of the target groups other people own and later put back exactly the
registrations it took out, leaving every other target as it is. A registration is a target id (an instance id, or
an IP address in an ``ip`` target group), a port and, for some IP targets, an Availability Zone. A target that is
draining (being deregistered) counts as not registered.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator
from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError

TARGET_GROUP_ARN = re.compile(r"arn:aws[a-z-]{0,12}:elasticloadbalancing:[a-z0-9-]{1,32}:\d{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}",
                              re.ASCII)
INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
ZONE = re.compile(r"all|[a-z]{2}(?:-[a-z0-9]{1,16}){2,4}", re.ASCII)
TARGET_GROUP_NAME = re.compile(r"[A-Za-z0-9-]{1,32}", re.ASCII)
VPC_ID = re.compile(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
TARGET_TYPES = ("instance", "ip")  # the types whose targets an instance can be (lambda and alb targets are not read)
NOT_REGISTERED = ("draining",)  # leaving the group: not counted as registered

ARGUMENT_SPEC = dict(
    target_group_arn=dict(type="str"),
    targets=dict(type="list", elements="dict", options=dict(
        id=dict(type="str", required=True),
        port=dict(type="int"),
        availability_zone=dict(type="str"),
    )),
    target_ids=dict(type="list", elements="str"),
    vpc_ids=dict(type="list", elements="str"),
    state=dict(type="str", choices=["present", "absent"]),
)


class TargetsError(Exception):
    """A request the module refuses before changing anything (the message says what to do)."""


def is_ip(value):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def target_kind(target_id):
    """``instance`` or ``ip`` for a target id this module takes, else None."""
    if isinstance(target_id, str) and INSTANCE_ID.fullmatch(target_id):
        return "instance"
    if isinstance(target_id, str) and is_ip(target_id):
        return "ip"
    return None


def registration_problem(item):
    """What is wrong with one registration (target_group_arn, id, port, availability_zone: as the module returns it,
    or as a containment record holds it), or None: every value checked against its pattern, so that none read from
    the API or a record given back is repeated or used unchecked."""
    if not isinstance(item, dict):
        return "it is not an object"
    arn, port, zone = item.get("target_group_arn"), item.get("port"), item.get("availability_zone")
    if not isinstance(arn, str) or not TARGET_GROUP_ARN.fullmatch(arn):
        return "its target_group_arn is not a target group ARN"
    if target_kind(item.get("id")) is None:
        return "its id is not an instance id or an IP address"
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        return "its port is not from 1 to 65535"
    if zone is not None and not (isinstance(zone, str) and ZONE.fullmatch(zone)):
        return "its availability_zone is not an Availability Zone name or all"
    return None


def checked_params(params):
    """(target group ARN or None, [target: id, port or None, availability_zone or None], VPC ids or None, state)."""
    arn, state = params.get("target_group_arn"), params.get("state")
    if arn is not None and not TARGET_GROUP_ARN.fullmatch(arn):
        raise TargetsError(f"target_group_arn must be the ARN of a target group (arn:aws:elasticloadbalancing:<region>:<account>:"
                           f"targetgroup/<name>/<id>); got {arn!r}")
    if state is not None and arn is None:
        raise TargetsError(f"state={state} needs target_group_arn (the target group to change)")
    if params.get("targets") is not None and params.get("target_ids") is not None:
        raise TargetsError("give targets or target_ids, not both")
    if state is not None and params.get("target_ids") is not None:
        raise TargetsError(f"state={state} takes targets (each with its id and port), not target_ids")
    # ids to read are a set (two interfaces can report one address): only targets to change must not repeat
    given = params.get("targets") if params.get("targets") is not None else [{"id": i} for i in dict.fromkeys(params.get("target_ids") or [])]
    if not given:
        raise TargetsError("targets (or target_ids, to read) must name at least one target")
    targets, seen = [], set()
    for index, item in enumerate(given):
        target_id, port, zone = item.get("id"), item.get("port"), item.get("availability_zone")
        if target_kind(target_id) is None:
            raise TargetsError(f"targets[{index}].id must be an EC2 instance id (i-...) or an IP address; got {target_id!r}")
        if port is not None and not 1 <= port <= 65535:
            raise TargetsError(f"targets[{index}].port must be from 1 to 65535; got {port}")
        if zone is not None and not ZONE.fullmatch(zone):
            raise TargetsError(f"targets[{index}].availability_zone must be an Availability Zone name (as us-east-1a) or all; got {zone!r}")
        if (target_id, port) in seen:
            raise TargetsError(f"targets[{index}]: {target_id} port {port} is given twice")
        seen.add((target_id, port))
        targets.append({"id": target_id, "port": port, "availability_zone": zone})
    vpc_ids = params.get("vpc_ids")
    for vpc in vpc_ids or []:
        if not VPC_ID.fullmatch(vpc):
            raise TargetsError(f"vpc_ids must be VPC ids (vpc- and 8 or 17 hexadecimal digits); got {vpc!r}")
    if vpc_ids is not None and arn is not None:
        raise TargetsError("vpc_ids chooses the target groups to read when target_group_arn is not given; leave it out")
    return arn, targets, vpc_ids, state


def _group(raw):
    return {"target_group_arn": raw.get("TargetGroupArn"), "target_group_name": raw.get("TargetGroupName"),
            "target_type": raw.get("TargetType", "instance"), "vpc_id": raw.get("VpcId"), "port": raw.get("Port"),
            "protocol": raw.get("Protocol")}


def read_groups(client, arn=None, vpc_ids=None):
    """The target groups (as the module returns them): the one of ``arn`` (None when there is no such group), or every
    group of the Region whose targets can be instances or IP addresses, in ``vpc_ids`` when given."""
    if arn is not None:
        raw = AWSCallHandler.call(client.describe_target_groups, "elasticloadbalancing:DescribeTargetGroups", f"target group {arn}",
                                  missing=("TargetGroupNotFound",), absent=None, TargetGroupArns=[arn])
        return [_group(g) for g in (raw or {}).get("TargetGroups", [])[:1]] or None
    groups = [_group(g) for g in AWSCallHandler.pages(client, "describe_target_groups", "TargetGroups",
                                                      "elasticloadbalancing:DescribeTargetGroups", "the target groups")]
    return [g for g in groups if g["target_type"] in TARGET_TYPES and (vpc_ids is None or g["vpc_id"] in vpc_ids)]


def registrations(client, group):
    """The targets registered in ``group`` (draining ones left out): [{target group, id, port, availability_zone, state}]."""
    described = AWSCallHandler.call(client.describe_target_health, "elasticloadbalancing:DescribeTargetHealth",
                                    f"the targets of target group {group['target_group_arn']}", missing=("TargetGroupNotFound",),
                                    absent={}, TargetGroupArn=group["target_group_arn"]).get("TargetHealthDescriptions") or []
    found = []  # a group deleted between the two calls has none
    for item in described:
        target, health = item.get("Target") or {}, item.get("TargetHealth") or {}
        if health.get("State") in NOT_REGISTERED or health.get("Reason") == "Target.NotRegistered" or not target.get("Id"):
            continue
        found.append(_registration(group, target["Id"], target.get("Port"), target.get("AvailabilityZone"), health.get("State")))
    return found


def change_targets(client, arn, targets, present):
    """Register (present) or deregister ``targets`` ([{id, port, availability_zone}]) in the target group ``arn``."""
    if present:
        AWSCallHandler.call(client.register_targets, "elasticloadbalancing:RegisterTargets", f"target group {arn}", TargetGroupArn=arn,
                            Targets=[_api_target(t) for t in targets])
    else:
        AWSCallHandler.call(client.deregister_targets, "elasticloadbalancing:DeregisterTargets", f"target group {arn}", TargetGroupArn=arn,
                            Targets=[_api_target(t) for t in targets])


def _registration(group, target_id, port, zone, state):
    """One registration as the module returns it."""
    return {"target_group_arn": group["target_group_arn"], "target_group_name": group["target_group_name"],
            "target_type": group["target_type"], "id": target_id, "port": port, "availability_zone": zone, "state": state}


def matches(target, registration):
    return registration["id"] == target["id"] and (target["port"] is None or registration["port"] == target["port"])


def _shown(target):
    return f"{target['id']} port {target['port']}" + (f" ({target['availability_zone']})" if target.get("availability_zone") else "")


def _api_target(target):
    api = {"Id": target["id"], "Port": target["port"]}
    if target.get("availability_zone"):
        api["AvailabilityZone"] = target["availability_zone"]
    return api


def plan(group, targets, current, present):
    """(targets to register or deregister, the registrations once that is done) in ``group``."""
    if present:
        wanted = [dict(t, port=t["port"] if t["port"] is not None else group["port"]) for t in targets]
        for target in wanted:
            if target["port"] is None:
                raise TargetsError(f"target group {group['target_group_name']} has no port: give the port of {target['id']}")
            if target_kind(target["id"]) != group["target_type"]:
                raise TargetsError(f"target group {group['target_group_name']} takes targets of type {group['target_type']}: "
                                   f"{target['id']} is not one (an instance id goes to an instance group, an IP address to an ip group)")
        todo = [t for t in wanted if not any(matches(t, r) for r in current)]
        after = current + [_registration(group, t["id"], t["port"], t["availability_zone"], "initial") for t in todo]
        return todo, after
    todo = [r for r in current if any(matches(t, r) for t in targets)]
    return [{"id": r["id"], "port": r["port"], "availability_zone": r["availability_zone"]} for r in todo], \
        [r for r in current if r not in todo]


def run_target_registration_module(module):
    try:
        arn, targets, vpc_ids, state = checked_params(module.params)
    except TargetsError as e:
        module.fail_json(msg=str(e))
    client = module.client("elbv2", retry_decorator=retry_decorator())
    where = arn or f"the target groups of Region {module.region}"
    try:
        groups = read_groups(client, arn, vpc_ids)
        if groups is None:
            module.fail_json(msg=f"There is no target group {arn} in Region {module.region} for these credentials: check the ARN and Region")
        current = [r for group in groups for r in registrations(client, group) if any(matches(t, r) for t in targets)]
    except GuardDutyError as e:
        module.fail_call(e, f"Could not read the targets of {where}")
    if state is None:
        module.exit_json(changed=False, target_groups=groups, previous=current, registrations=current)
    present = state == "present"
    try:
        todo, after = plan(groups[0], targets, current, present)
    except TargetsError as e:
        module.fail_json(msg=str(e), target_group_arn=arn)
    if todo and not module.check_mode:
        try:
            change_targets(client, arn, todo, present)
        except GuardDutyError as e:
            module.fail_call(e, f"Could not {'register' if present else 'deregister'} {', '.join(_shown(t) for t in todo)} "
                                f"{'in' if present else 'from'} target group {arn}", target_group_arn=arn)
    module.exit_json(changed=bool(todo), target_group_arn=arn, target_groups=groups, previous=current, registrations=after)
