#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_vpc_nacl_entries
version_added: 0.3.0
short_description: Add or remove single entries of a VPC network ACL, leaving every other entry as it is
description:
  - Adds entries (all traffic, one CIDR, allow or deny, inbound or outbound, at a given rule number) to a network ACL,
    or removes exactly such entries. Every other entry, and the ACL's subnets, stay as they are.
    M(amazon.aws.ec2_vpc_nacl) manages a whole ACL (all its entries and subnets), which containment must not do to an
    ACL other people own.
  - A rule number that already holds another entry is never overwritten (O(state=present) fails, changing nothing)
    nor removed (O(state=absent) leaves it and warns).
  - Idempotent, with check mode. The C(secops.guardduty.contain) role uses it for O(ignore:contain_network_acl).
author:
  - secops.guardduty contributors (@secops)
options:
  nacl_id:
    description:
      - The network ACL (V(acl-) and 8 or 17 lowercase hexadecimal digits).
    type: str
    required: true
  entries:
    description:
      - The entries to add or remove. Each applies to all traffic (protocol C(-1)).
    type: list
    elements: dict
    required: true
    suboptions:
      rule_number:
        description:
          - The rule number, 1 to 32766. Entries are evaluated in rule number order, the first that matches decides.
        type: int
        required: true
      egress:
        description:
          - V(true) for outbound traffic, V(false) for inbound traffic.
        type: bool
        required: true
      cidr:
        description:
          - The IPv4 or IPv6 CIDR the entry matches (as V(10.0.1.5/32) or V(2001:db8::5/128)).
        type: str
        required: true
      rule_action:
        description:
          - Whether the entry denies or allows the traffic.
        type: str
        choices: [deny, allow]
        default: deny
  state:
    description:
      - V(present) adds the entries that are missing; V(absent) removes the entries that are exactly as given.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
notes:
  - Required IAM actions are C(ec2:DescribeNetworkAcls), C(ec2:CreateNetworkAclEntry) and C(ec2:DeleteNetworkAclEntry).
"""

EXAMPLES = r"""
- name: Stop all traffic of one address in its subnet's network ACL, before every allow entry
  secops.guardduty.ec2_vpc_nacl_entries:
    region: us-east-1
    nacl_id: acl-0123456789abcdef0
    entries:
      - {rule_number: 1, egress: false, cidr: 10.0.1.5/32}
      - {rule_number: 1, egress: true, cidr: 10.0.1.5/32}

- name: Remove exactly those entries again
  secops.guardduty.ec2_vpc_nacl_entries:
    region: us-east-1
    nacl_id: acl-0123456789abcdef0
    entries:
      - {rule_number: 1, egress: false, cidr: 10.0.1.5/32}
      - {rule_number: 1, egress: true, cidr: 10.0.1.5/32}
    state: absent
"""

RETURN = r"""
nacl_id:
  description: The network ACL.
  returned: always
  type: str
  sample: acl-0123456789abcdef0
added:
  description: The entries added (in check mode, that would be added).
  returned: always
  type: list
  elements: dict
  sample: [{"rule_number": 1, "egress": false, "rule_action": "deny", "cidr": "10.0.1.5/32"}]
removed:
  description: The entries removed (in check mode, that would be removed).
  returned: always
  type: list
  elements: dict
  sample: []
not_removed:
  description: With O(state=absent), the entries whose rule number holds another entry (left as they are, with a warning).
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.secops.guardduty.plugins.module_utils.modules import GuardDutyModule
from ansible_collections.secops.guardduty.plugins.module_utils.nacl import ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.module_utils.nacl import run_nacl_entries_module


def main():
    module = GuardDutyModule(argument_spec=dict(ARGUMENT_SPEC), supports_check_mode=True, service="ec2")
    run_nacl_entries_module(module)


if __name__ == "__main__":
    main()
