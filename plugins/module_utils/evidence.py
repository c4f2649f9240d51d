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

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:  # AnsibleAWSModule reports a missing botocore
    BotoCoreError = ClientError = Exception

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


class Instance:
    """One instance's evidence settings through an EC2 client built with the collection's retries."""

    def __init__(self, client, instance_id):
        self.client = client
        self.instance_id = instance_id

    def describe(self):
        """The instance (describe_instances), or None when there is no such instance."""
        try:
            reservations = self.client.describe_instances(aws_retry=True, InstanceIds=[self.instance_id])["Reservations"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"):
                return None
            raise
        instances = [i for r in reservations for i in r.get("Instances", [])]
        return instances[0] if instances else None

    def attribute(self, name, key):
        return self.client.describe_instance_attribute(aws_retry=True, InstanceId=self.instance_id, Attribute=name)[key]["Value"]

    def read_settings(self, instance):
        devices = {m["DeviceName"]: bool(m["Ebs"].get("DeleteOnTermination"))
                   for m in instance.get("BlockDeviceMappings") or [] if isinstance(m.get("Ebs"), dict) and m.get("DeviceName")}
        return {
            "termination_protection": bool(self.attribute("disableApiTermination", "DisableApiTermination")),
            "shutdown_behavior": self.attribute("instanceInitiatedShutdownBehavior", "InstanceInitiatedShutdownBehavior"),
            "delete_on_termination": devices,
            "metadata_endpoint": (instance.get("MetadataOptions") or {}).get("HttpEndpoint", "enabled"),
        }

    def change(self, name, value):
        """Set one setting (delete_on_termination: {device: bool} of the devices to change)."""
        call, args = self.client.modify_instance_attribute, {}
        if name == "termination_protection":
            args = {"DisableApiTermination": {"Value": value}}
        elif name == "shutdown_behavior":
            args = {"Attribute": "instanceInitiatedShutdownBehavior", "Value": value}
        elif name == "delete_on_termination":
            args = {"BlockDeviceMappings": [{"DeviceName": device, "Ebs": {"DeleteOnTermination": keep}} for device, keep in sorted(value.items())]}
        else:
            call, args = self.client.modify_instance_metadata_options, {"HttpEndpoint": value}
        call(aws_retry=True, InstanceId=self.instance_id, **args)


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
    target = Instance(module.client("ec2", retry_decorator=retry_decorator()), instance_id)
    try:
        instance = target.describe()
        if instance is None:
            module.fail_json(msg=f"There is no EC2 instance {instance_id} in Region {module.region} for these credentials: "
                                 "check the instance id, the Region and the account", instance_id=instance_id)
        state = (instance.get("State") or {}).get("Name")
        if state in GONE_STATES:
            module.fail_json(msg=f"The EC2 instance {instance_id} is {state}: its settings can no longer be changed", instance_id=instance_id)
        before = target.read_settings(instance)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Could not read the settings of the EC2 instance {instance_id}")
    changes, missing = plan_changes(before, wanted)
    for device in missing:
        module.warn(f"delete_on_termination: no EBS volume is attached to {instance_id} as {device}; nothing was set for it")
    if changes and not module.check_mode:
        done = []
        for name, value in changes.items():
            try:
                target.change(name, value)
            except (BotoCoreError, ClientError) as e:
                module.fail_json_aws(e, msg=f"Could not set {name} of the EC2 instance {instance_id} (already set: "
                                            f"{', '.join(done) or 'nothing'})", instance_id=instance_id, previous=before)
            done.append(name)
    after = after_changes(before, changes)
    result = dict(changed=bool(changes), instance_id=instance_id, previous=before, settings=after, missing_devices=missing)
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)
