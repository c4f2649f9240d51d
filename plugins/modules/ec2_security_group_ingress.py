#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_security_group_ingress
version_added: 0.3.0
short_description: Remove or add single ingress rules of a security group, leaving every other rule as it is
description:
  - Removes exactly the ingress rules given (each one protocol, port range and CIDR) from a security group, or adds
    exactly those rules back with their descriptions. Every other rule of the group (other CIDRs, rules naming other
    groups or prefix lists, every egress rule) stays as it is.
  - M(amazon.aws.ec2_security_group) with O(amazon.aws.ec2_security_group#module:purge_rules=true) rewrites the
    group's whole rule set from what the task gives, which containment must not do to a group other people edit at
    the same time. A rule is removed by its security group rule id, so a rule added by someone else meanwhile is never
    touched.
  - A rule is named by its protocol, ports and CIDR; its description does not name it (as in AWS). All rules of a task
    are changed in one request, so that they are all changed or none.
  - Idempotent, with check mode. The C(secops.guardduty.contain) role uses it to remove the ingress rules open to
    V(0.0.0.0/0) or V(::/0) of a security group an investigation names, and to add them back on rollback.
author:
  - secops.guardduty contributors (@secops)
options:
  group_id:
    description:
      - The security group (V(sg-) and 8 or 17 lowercase hexadecimal digits).
    type: str
    required: true
  rules:
    description:
      - The ingress rules to remove or add.
    type: list
    elements: dict
    required: true
    suboptions:
      protocol:
        description:
          - V(-1) (all traffic), V(tcp), V(udp), V(icmp), V(icmpv6) or another IP protocol number.
        type: str
        required: true
      from_port:
        description:
          - The first port of the range (for ICMP, the type; V(-1) for all). Required for V(tcp) and V(udp); ignored
            for V(-1).
        type: int
      to_port:
        description:
          - The last port of the range (for ICMP, the code; V(-1) for all). Required for V(tcp) and V(udp); ignored
            for V(-1).
        type: int
      cidr:
        description:
          - The IPv4 or IPv6 CIDR the rule allows traffic from (as V(0.0.0.0/0) or V(::/0)).
        type: str
        required: true
      description:
        description:
          - The rule's description, set when the rule is added (O(state=present)); not used to find a rule.
        type: str
  state:
    description:
      - V(absent) removes the given rules that the group has; V(present) adds the given rules that it does not have.
    type: str
    choices: [present, absent]
    default: absent
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
notes:
  - Required IAM actions are C(ec2:DescribeSecurityGroups), C(ec2:DescribeSecurityGroupRules),
    C(ec2:RevokeSecurityGroupIngress) and C(ec2:AuthorizeSecurityGroupIngress).
"""

EXAMPLES = r"""
- name: Remove SSH open to the internet, and nothing else
  secops.guardduty.ec2_security_group_ingress:
    region: us-east-1
    group_id: sg-0123456789abcdef0
    rules:
      - {protocol: tcp, from_port: 22, to_port: 22, cidr: 0.0.0.0/0}
      - {protocol: tcp, from_port: 22, to_port: 22, cidr: "::/0"}
    state: absent

- name: Add exactly that rule back, with its description
  secops.guardduty.ec2_security_group_ingress:
    region: us-east-1
    group_id: sg-0123456789abcdef0
    rules:
      - {protocol: tcp, from_port: 22, to_port: 22, cidr: 0.0.0.0/0, description: ssh from anywhere}
    state: present
"""

RETURN = r"""
group_id:
  description: The security group.
  returned: always
  type: str
  sample: sg-0123456789abcdef0
removed:
  description: The rules removed (in check mode, that would be removed), as the group had them.
  returned: always
  type: list
  elements: dict
  sample: [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0", "description": "ssh from anywhere"}]
added:
  description: The rules added (in check mode, that would be added).
  returned: always
  type: list
  elements: dict
  sample: []
before:
  description: The group's ingress rules with a CIDR before the task (rules naming groups or prefix lists are not listed).
  returned: always
  type: list
  elements: dict
  sample: [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0", "description": null}]
after:
  description: The group's ingress rules with a CIDR after the task (in check mode, as they would be).
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.secops.guardduty.plugins.module_utils.modules import GuardDutyModule
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.module_utils.security_group import run_security_group_ingress_module


def main():
    module = GuardDutyModule(argument_spec=dict(ARGUMENT_SPEC), supports_check_mode=True, service="ec2")
    run_security_group_ingress_module(module)


if __name__ == "__main__":
    main()
