# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What several EC2 action types share: their ARNs, forensic snapshots, and the quarantine and untrack security
groups of a VPC (one of each per VPC, whatever number of instances and DB instances it holds: a shared step the plan
allocates once).
"""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import NETWORK
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_PREFIX
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_SNAPSHOT
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import tags_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step

UNTRACK_SUFFIX = "-untrack"
QUARANTINE_DESCRIPTION = "Quarantine of secops.guardduty.contain - no inbound and no outbound traffic"
UNTRACK_DESCRIPTION = "Untrack step of secops.guardduty.contain - all traffic, so that open flows become untracked"
call = AWSCallHandler.call
pages = AWSCallHandler.pages


def ec2_arn(resource_type, prefix):
    """The ARN parser of an EC2 resource: arn:aws:ec2:<region>:<account>:<prefix><id>."""
    def arn(text, service, region, account, resource):
        if service != "ec2" or not resource.startswith(prefix) or not region or not account:
            raise ValueError(f"{text!r} is not the ARN of an {resource_type} (arn:aws:ec2:<region>:<account>:{prefix}<id>)")
        return resource[len(prefix):], account, region, None
    return arn


def snake(item):
    """An API item as amazon.aws's info modules return it: snake_case keys, its Tags as a dict under ``tags``."""
    tags = item.get("Tags") if isinstance(item, dict) else None
    result = camel_dict_to_snake_dict({k: v for k, v in item.items() if k != "Tags"})
    if tags is not None or "Tags" in item:
        result["tags"] = tags_of(tags)
    return result


def untrack_group_name(settings):
    """The all-open group an interface passes through on its way to the quarantine group (its flows become untracked)."""
    return settings["quarantine_group_name"] + UNTRACK_SUFFIX


def forensic_snapshots(aws, context):
    """This investigation's forensic snapshots in the Region (tagged with it), as [{snapshot_id, volume_id, tags}]."""
    def listed():
        found = pages(aws("ec2"), "describe_snapshots", "Snapshots", "ec2:DescribeSnapshots", "the forensic snapshots of this investigation",
                      OwnerIds=["self"], Filters=[{"Name": "tag:" + TAG_SNAPSHOT, "Values": [context.investigation_id]}])
        return [snake(s) for s in found]
    return context.once("snapshots", listed)


def create_snapshot(ec2, volume_id, description, tags):
    """A snapshot of ``volume_id``, tagged at creation (not waited for: EBS completes it in the background)."""
    response = call(ec2.create_snapshot, "ec2:CreateSnapshot", f"volume {volume_id}", VolumeId=volume_id, Description=description,
                    TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}])
    return response.get("SnapshotId")


def quarantine_groups(aws, context, vpc_ids):
    """The quarantine and untrack groups of ``vpc_ids`` (security groups, as ec2_security_group_info returns them)."""
    if not vpc_ids:
        return []
    settings = context.settings
    found = pages(aws("ec2"), "describe_security_groups", "SecurityGroups", "ec2:DescribeSecurityGroups", "the quarantine groups",
                  Filters=[{"Name": "group-name", "Values": [settings["quarantine_group_name"], untrack_group_name(settings)]},
                           {"Name": "vpc-id", "Values": sorted(vpc_ids)}])
    return [snake(g) for g in found]


def _group_rules(ec2, group_id):
    return pages(ec2, "describe_security_group_rules", "SecurityGroupRules", "ec2:DescribeSecurityGroupRules", f"security group {group_id}",
                 Filters=[{"Name": "group-id", "Values": [group_id]}])


def _ensure_group(ec2, context, vpc_id, untrack):
    """The group's id: found in the state read, or created (tagged at creation); its rules made exactly the wanted
    ones (the quarantine group: none; the untrack group: all traffic in and out, IPv4 and IPv6). Whether it changed."""
    settings = context.settings
    name = untrack_group_name(settings) if untrack else settings["quarantine_group_name"]
    group = next((g for g in context.state.items("groups") if g.get("vpc_id") == vpc_id and g.get("group_name") == name), None)
    changed = False
    if group is None:
        tag = TAG_PREFIX + ("untrack" if untrack else "quarantine")
        group_id = call(ec2.create_security_group, "ec2:CreateSecurityGroup", f"the group {name} in {vpc_id}", GroupName=name,
                        Description=UNTRACK_DESCRIPTION if untrack else QUARANTINE_DESCRIPTION, VpcId=vpc_id,
                        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": tag, "Value": "true"}]}])["GroupId"]
        changed = True
    else:
        group_id = group["group_id"]
    wanted = {(egress, cidr) for egress in (False, True) for cidr in ("0.0.0.0/0", "::/0")} if untrack else set()
    rules = _group_rules(ec2, group_id)
    have = set()
    extra = {False: [], True: []}
    for rule in rules:
        key = (bool(rule.get("IsEgress")), rule.get("CidrIpv4") or rule.get("CidrIpv6"))
        if key in wanted and rule.get("IpProtocol") == "-1" and key not in have:
            have.add(key)
        else:
            extra[key[0]].append(rule["SecurityGroupRuleId"])
    for egress, ids in extra.items():
        if ids:
            method, action = ((ec2.revoke_security_group_egress, "ec2:RevokeSecurityGroupEgress") if egress
                              else (ec2.revoke_security_group_ingress, "ec2:RevokeSecurityGroupIngress"))
            call(method, action, f"security group {group_id}", GroupId=group_id, SecurityGroupRuleIds=ids)
            changed = True
    for egress in (False, True):
        permission = {"IpProtocol": "-1"}
        if (egress, "0.0.0.0/0") in wanted - have:
            permission["IpRanges"] = [{"CidrIp": "0.0.0.0/0"}]
        if (egress, "::/0") in wanted - have:
            permission["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
        if len(permission) > 1:
            method, action = ((ec2.authorize_security_group_egress, "ec2:AuthorizeSecurityGroupEgress") if egress
                              else (ec2.authorize_security_group_ingress, "ec2:AuthorizeSecurityGroupIngress"))
            call(method, action, f"security group {group_id}", GroupId=group_id, IpPermissions=[permission])
            changed = True
    return group_id, changed


def group_step_key(vpc_id, untrack):
    return f"vpc:{vpc_id}:{'untrack' if untrack else 'quarantine'}-group"


def group_steps(context, vpc_ids, untrack=False):
    """One step per VPC that creates (or empties) its quarantine group, or its untrack group: shared by every instance
    and DB instance of the VPC. Its ``outputs`` entry is the group id."""
    steps = []
    for vpc_id in sorted(set(vpc_ids)):
        key = group_step_key(vpc_id, untrack)
        if key in context.shared:
            continue

        def run(outputs, vpc_id=vpc_id, key=key):
            group_id, changed = _ensure_group(context.aws("ec2"), context, vpc_id, untrack)
            outputs[key] = group_id
            return changed

        what = (f"create the untrack group (all traffic) in {vpc_id}" if untrack
                else f"create or empty the quarantine group (no traffic) in {vpc_id}")
        context.shared.add(key)
        steps.append(Step(key, None, what, NETWORK, run))
    return steps
