#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: elbv2_target_registration
version_added: 0.3.0
short_description: Read, register or deregister single targets of load balancer target groups, leaving every other target as it is
description:
  - Registers targets (an EC2 instance id, or an IP address in an C(ip) target group, with a port) in an Elastic Load
    Balancing (v2) target group (O(state=present)), or deregisters exactly such targets (O(state=absent)). Every other
    target of the group stays registered.
  - Without O(state) it only reads where targets are registered, in the group O(target_group_arn), or in every
    target group of the Region whose targets are instances or IP addresses (only those in O(vpc_ids) when given).
  - The registrations before (RV(previous)) and after (RV(registrations)) are returned, so that a containment record
    can keep what to register again.
  - A target that is draining (being deregistered) counts as not registered. The module does not wait;
    DeregisterTargets returns at once, and the load balancer then stops sending the target new requests while the
    requests in flight finish, for the group's deregistration delay; a target registered again is health-checked
    before it receives traffic.
  - No module of amazon.aws registers single targets (a target group module with a list of targets rewrites the
    group's whole target list), which is why this module exists.
  - Idempotent, with check mode. The C(secops.guardduty.contain) role uses it to take a contained instance out of
    its target groups and, on rollback, to register exactly what its containment record holds again.
author:
  - secops.guardduty contributors (@secops)
options:
  target_group_arn:
    description:
      - The target group. Required with O(state).
    type: str
  targets:
    description:
      - The targets to register, deregister or read.
    type: list
    elements: dict
    suboptions:
      id:
        description:
          - An EC2 instance id (a target of an C(instance) target group) or an IP address (of an C(ip) target group).
        type: str
        required: true
      port:
        description:
          - The port. Not given, O(state=present) registers the target on the group's port, and O(state=absent) or a
            read matches every port the target is registered on.
        type: int
      availability_zone:
        description:
          - The Availability Zone of an IP target outside the group's VPC (V(all) for any), as the registration has it.
        type: str
  target_ids:
    description:
      - Only without O(state), instead of O(targets), the target ids to look for, on any port.
    type: list
    elements: str
  vpc_ids:
    description:
      - Only without O(state) and O(target_group_arn), read only the target groups of these VPCs.
    type: list
    elements: str
  state:
    description:
      - V(present) registers the targets that are not registered; V(absent) deregisters the targets that are. Not
        given, the module only reads.
    type: str
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
notes:
  - Required IAM actions are C(elasticloadbalancing:DescribeTargetGroups), C(elasticloadbalancing:DescribeTargetHealth),
    C(elasticloadbalancing:RegisterTargets) and C(elasticloadbalancing:DeregisterTargets).
"""

EXAMPLES = r"""
- name: Where is the instance registered (any target group of its VPC)?
  secops.guardduty.elbv2_target_registration:
    region: us-east-1
    target_ids: [i-0123456789abcdef0, 10.0.1.5]
    vpc_ids: [vpc-0123456789abcdef0]
  register: found

- name: Take it out of one target group, leaving every other target registered
  secops.guardduty.elbv2_target_registration:
    region: us-east-1
    target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef
    targets:
      - {id: i-0123456789abcdef0, port: 80}
    state: absent

- name: Register it again, exactly as it was
  secops.guardduty.elbv2_target_registration:
    region: us-east-1
    target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef
    targets:
      - {id: i-0123456789abcdef0, port: 80}
    state: present
"""

RETURN = r"""
target_group_arn:
  description: The target group changed.
  returned: with O(state)
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef
target_groups:
  description: The target groups read (C(target_group_arn), C(target_group_name), C(target_type), C(vpc_id), C(port), C(protocol)).
  returned: always
  type: list
  elements: dict
  sample: [{"target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef",
            "target_group_name": "web", "target_type": "instance", "vpc_id": "vpc-0123456789abcdef0", "port": 80, "protocol": "HTTP"}]
previous:
  description:
    - The registrations of the targets before the task (C(target_group_arn), C(target_group_name), C(target_type),
      C(id), C(port), C(availability_zone), and C(state), the target's health state), draining ones left out.
  returned: always
  type: list
  elements: dict
  sample: [{"target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef",
            "target_group_name": "web", "target_type": "instance", "id": "i-0123456789abcdef0", "port": 80,
            "availability_zone": null, "state": "healthy"}]
registrations:
  description: The registrations of the targets after the task (in check mode, as they would be), as RV(previous).
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.secops.guardduty.plugins.module_utils.modules import GuardDutyModule
from ansible_collections.secops.guardduty.plugins.module_utils.elbv2_targets import ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.module_utils.elbv2_targets import run_target_registration_module


def main():
    module = GuardDutyModule(argument_spec=dict(ARGUMENT_SPEC), supports_check_mode=True, service="elbv2")
    run_target_registration_module(module)


if __name__ == "__main__":
    main()
