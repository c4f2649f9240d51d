# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Keeping an EC2 instance's evidence before it is contained: what the ec2_instance_evidence module does.

Four settings decide whether an instance and its disks survive what comes after containment (an Auto Scaling health
check, a shutdown from inside, a person cleaning up): termination protection, the instance-initiated shutdown
behaviour, DeleteOnTermination of each attached EBS volume, and the instance metadata endpoint (software on the
instance fetches fresh role credentials from it). ``read_settings`` reads them; ``run_evidence_module`` sets the ones
given and returns every setting as it was before (what the contain role's record keeps) and as it is after.
"""

from __future__ import annotations

import re

from ansible.module_utils.parsing.convert_bool import BOOLEANS
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator
from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError

INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
DEVICE_NAME = re.compile(r"[\w/.:-]{1,64}", re.ASCII)
SETTINGS = ("termination_protection", "shutdown_behavior", "delete_on_termination", "metadata_endpoint")
GONE_STATES = ("terminated", "shutting-down")

ARGUMENT_SPEC = dict(
    instance_id=dict(type="str", required=True),
    termination_protection=dict(type="bool"),
    shutdown_behavior=dict(type="str", choices=["stop", "terminate"]),
    delete_on_termination=dict(type="dict"),
    metadata_endpoint=dict(type="str", choices=["enabled", "disabled"]),
)


class EvidenceError(Exception):
    """A request the module refuses before calling AWS (the message says what to do)."""


def wanted_settings(params):
    """The settings the task asks for, checked: {setting: value}; delete_on_termination as {device: bool}."""
    instance_id = params.get("instance_id")
    if not isinstance(instance_id, str) or not INSTANCE_ID.fullmatch(instance_id):
        raise EvidenceError(f"instance_id must be an EC2 instance id (i- and 8 or 17 lowercase hexadecimal digits); got {instance_id!r}")
    wanted = {name: params.get(name) for name in SETTINGS if params.get(name) is not None}
    devices = wanted.get("delete_on_termination")
    if devices is not None:
        checked = {}
        for device, value in devices.items():
            if not DEVICE_NAME.fullmatch(str(device)):
                raise EvidenceError(f"delete_on_termination: {device!r} is not a device name (as /dev/xvda or /dev/sdf)")
            if isinstance(value, bool):
                checked[str(device)] = value
            elif isinstance(value, str) and value.lower() in BOOLEANS:
                checked[str(device)] = boolean(value)
            else:
                raise EvidenceError(f"delete_on_termination: the value of {device} must be true or false; got {value!r}")
        wanted["delete_on_termination"] = checked
    return instance_id, wanted


def describe_instance(client, instance_id):
    """The instance (DescribeInstances), or None when there is no such instance."""
    found = AWSCallHandler.call(client.describe_instances, "ec2:DescribeInstances", f"instance {instance_id}",
                                missing=("InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"), absent=None, InstanceIds=[instance_id])
    instances = [i for r in (found or {}).get("Reservations", []) for i in r.get("Instances", [])]
    return instances[0] if instances else None


def _attribute(client, instance_id, name, key):
    return AWSCallHandler.call(client.describe_instance_attribute, "ec2:DescribeInstanceAttribute", f"instance {instance_id}",
                               InstanceId=instance_id, Attribute=name)[key]["Value"]


def read_settings(client, instance):
    """The evidence settings of ``instance`` (as DescribeInstances returns it): two attribute reads."""
    instance_id = instance["InstanceId"]
    devices = {m["DeviceName"]: bool(m["Ebs"].get("DeleteOnTermination"))
               for m in instance.get("BlockDeviceMappings") or [] if isinstance(m.get("Ebs"), dict) and m.get("DeviceName")}
    return {
        "termination_protection": bool(_attribute(client, instance_id, "disableApiTermination", "DisableApiTermination")),
        "shutdown_behavior": _attribute(client, instance_id, "instanceInitiatedShutdownBehavior", "InstanceInitiatedShutdownBehavior"),
        "delete_on_termination": devices,
        "metadata_endpoint": (instance.get("MetadataOptions") or {}).get("HttpEndpoint", "enabled"),
    }


def change(client, instance_id, name, value):
    """Set one setting of the instance (delete_on_termination: {device: bool} of the devices to change)."""
    what = f"the {name} of instance {instance_id}"
    if name == "termination_protection":
        AWSCallHandler.call(client.modify_instance_attribute, "ec2:ModifyInstanceAttribute", what, InstanceId=instance_id,
                            DisableApiTermination={"Value": value})
    elif name == "shutdown_behavior":
        AWSCallHandler.call(client.modify_instance_attribute, "ec2:ModifyInstanceAttribute", what, InstanceId=instance_id,
                            Attribute="instanceInitiatedShutdownBehavior", Value=value)
    elif name == "delete_on_termination":
        AWSCallHandler.call(client.modify_instance_attribute, "ec2:ModifyInstanceAttribute", what, InstanceId=instance_id,
                            BlockDeviceMappings=[{"DeviceName": device, "Ebs": {"DeleteOnTermination": keep}} for device, keep in sorted(value.items())])
    else:
        AWSCallHandler.call(client.modify_instance_metadata_options, "ec2:ModifyInstanceMetadataOptions", what, InstanceId=instance_id,
                            HttpEndpoint=value)


def plan_changes(before, wanted):
    """{setting: value to set} (delete_on_termination: only the devices that differ) and the devices not attached."""
    changes, missing = {}, []
    for name, value in wanted.items():
        if name == "delete_on_termination":
            attached = before["delete_on_termination"]
            missing = sorted(device for device in value if device not in attached)
            differ = {device: keep for device, keep in value.items() if device in attached and attached[device] != keep}
            if differ:
                changes[name] = differ
        elif before[name] != value:
            changes[name] = value
    return changes, missing


def after_changes(before, changes):
    after = dict(before, delete_on_termination=dict(before["delete_on_termination"]))
    for name, value in changes.items():
        if name == "delete_on_termination":
            after[name].update(value)
        else:
            after[name] = value
    return after


def run_evidence_module(module):
    """The ec2_instance_evidence module: read, change what differs (not in check mode), exit with before and after."""
    try:
        instance_id, wanted = wanted_settings(module.params)
    except EvidenceError as e:
        module.fail_json(msg=str(e))
    client = module.client("ec2", retry_decorator=retry_decorator())
    try:
        instance = describe_instance(client, instance_id)
        if instance is None:
            module.fail_json(msg=f"There is no EC2 instance {instance_id} in Region {module.region} for these credentials: "
                                 "check the instance id, the Region and the account", instance_id=instance_id)
        state = (instance.get("State") or {}).get("Name")
        if state in GONE_STATES:
            module.fail_json(msg=f"The EC2 instance {instance_id} is {state}: its settings can no longer be changed", instance_id=instance_id)
        before = read_settings(client, instance)
    except GuardDutyError as e:
        module.fail_call(e, f"Could not read the settings of the EC2 instance {instance_id}", instance_id=instance_id)
    changes, missing = plan_changes(before, wanted)
    for device in missing:
        module.warn(f"delete_on_termination: no EBS volume is attached to {instance_id} as {device}; nothing was set for it")
    if changes and not module.check_mode:
        done = []
        for name, value in changes.items():
            try:
                change(client, instance_id, name, value)
            except GuardDutyError as e:
                module.fail_call(e, f"Could not set {name} of the EC2 instance {instance_id} (already set: {', '.join(done) or 'nothing'})",
                                 instance_id=instance_id, previous=before)
            done.append(name)
    after = after_changes(before, changes)
    result = dict(changed=bool(changes), instance_id=instance_id, previous=before, settings=after, missing_devices=missing)
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)
