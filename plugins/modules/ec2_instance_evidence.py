#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_instance_evidence
version_added: 0.3.0
short_description: Keep an EC2 instance and its disks as evidence (termination protection, shutdown behaviour, volumes, metadata endpoint)
description:
  - Sets the settings that decide whether an EC2 instance and its EBS volumes survive what follows a containment
    (a person or an automation terminating it, a shutdown from inside the instance), and whether software on the
    instance can still fetch role credentials from the instance metadata service.
  - Only the settings given are changed; every setting is returned as it was before (RV(previous)) and as it is
    after (RV(settings)), so that a containment record can keep the values to restore.
  - Idempotent, with check mode and diff mode. The C(secops.guardduty.contain) role uses it before it cuts an
    instance's network, and again on rollback with the values its containment record holds.
  - No amazon.aws module changes the instance-initiated shutdown behaviour of an existing instance, which is why this
    module exists; it changes nothing else.
author:
  - secops.guardduty contributors (@secops)
options:
  instance_id:
    description:
      - The EC2 instance (V(i-) and 8 or 17 lowercase hexadecimal digits). A terminated or shutting-down instance fails
        the task.
    type: str
    required: true
  termination_protection:
    description:
      - V(true) turns termination protection on (C(DisableApiTermination)), so that the instance cannot be terminated
        through the API or the console until it is turned off again.
      - An Auto Scaling group still terminates a member that fails its health checks; put such a member into Standby
        (M(amazon.aws.autoscaling_instance)).
    type: bool
  shutdown_behavior:
    description:
      - What a shutdown started from inside the instance does. V(stop) keeps the instance and its volumes;
        V(terminate) deletes them.
    type: str
    choices: [stop, terminate]
  delete_on_termination:
    description:
      - DeleteOnTermination per attached EBS volume, by device name (as the instance's block device mappings name it),
        for example C(/dev/xvda) mapped to V(false). V(false) keeps the volume when the instance is terminated.
      - A device with no volume attached is reported in RV(missing_devices) with a warning; nothing is set for it.
    type: dict
  metadata_endpoint:
    description:
      - V(disabled) turns the instance metadata endpoint off, so software on the instance cannot fetch fresh
        credentials of the instance's role (nor anything else from the metadata service); V(enabled) turns it on.
    type: str
    choices: [enabled, disabled]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
notes:
  - Required IAM actions are C(ec2:DescribeInstances), C(ec2:DescribeInstanceAttribute),
    C(ec2:ModifyInstanceAttribute) and C(ec2:ModifyInstanceMetadataOptions) (with O(metadata_endpoint)). See
    docs/iam/contain-apply.json in the collection.
"""

EXAMPLES = r"""
- name: Keep an instance and its root volume as evidence, and cut it off from fresh role credentials
  secops.guardduty.ec2_instance_evidence:
    region: us-east-1
    instance_id: i-0123456789abcdef0
    termination_protection: true
    shutdown_behavior: stop
    delete_on_termination:
      /dev/xvda: false
    metadata_endpoint: disabled
  register: evidence

- name: Put back what the instance had (from a record of evidence.previous)
  secops.guardduty.ec2_instance_evidence:
    region: us-east-1
    instance_id: i-0123456789abcdef0
    termination_protection: "{{ evidence.previous.termination_protection }}"
    shutdown_behavior: "{{ evidence.previous.shutdown_behavior }}"
    delete_on_termination: "{{ evidence.previous.delete_on_termination }}"
    metadata_endpoint: "{{ evidence.previous.metadata_endpoint }}"

- name: Read the settings without changing anything
  secops.guardduty.ec2_instance_evidence:
    region: us-east-1
    instance_id: i-0123456789abcdef0
  register: settings
"""

RETURN = r"""
instance_id:
  description: The instance.
  returned: always
  type: str
  sample: i-0123456789abcdef0
previous:
  description: Every setting as it was before the task.
  returned: always
  type: dict
  contains:
    termination_protection:
      description: Whether termination protection was on.
      type: bool
      sample: false
    shutdown_behavior:
      description: The instance-initiated shutdown behaviour.
      type: str
      sample: terminate
    delete_on_termination:
      description: DeleteOnTermination of each attached EBS volume, by device name.
      type: dict
      sample: {"/dev/xvda": true}
    metadata_endpoint:
      description: Whether the instance metadata endpoint was V(enabled) or V(disabled).
      type: str
      sample: enabled
settings:
  description: Every setting as it is after the task (in check mode, as it would be). Same keys as RV(previous).
  returned: always
  type: dict
  sample: {"termination_protection": true, "shutdown_behavior": "stop", "delete_on_termination": {"/dev/xvda": false},
           "metadata_endpoint": "enabled"}
missing_devices:
  description: Device names of O(delete_on_termination) with no EBS volume attached (nothing was set for them).
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.secops.guardduty.plugins.module_utils.evidence import ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.module_utils.evidence import run_evidence_module
from ansible_collections.secops.guardduty.plugins.module_utils.modules import GuardDutyModule


def main():
    module = GuardDutyModule(argument_spec=dict(ARGUMENT_SPEC), supports_check_mode=True, service="ec2")
    run_evidence_module(module)


if __name__ == "__main__":
    main()
