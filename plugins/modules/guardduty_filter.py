#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: guardduty_filter
version_added: 0.3.0
short_description: Create, update or delete an Amazon GuardDuty filter (a suppression rule)
description:
  - Manages one GuardDuty filter of a detector. With O(action=archive) it is a suppression rule, GuardDuty
    archives the new findings that match it as they arrive (and does not send them to Security Hub or EventBridge);
    with O(action=noop) it is a saved filter.
  - Idempotent from a read of the current filter (GetFilter). A missing filter is created (CreateFilter); an existing
    one is updated (UpdateFilter) with only the options given whose value differs; O(state=absent) deletes it
    (DeleteFilter). Options not given are left as they are. Check mode and diff mode report it before and after.
  - The criteria are checked before any call. An unknown field, an unknown operator or a value of the wrong kind fails
    the task with one message that names each of them.
  - One Region per task, like the amazon.aws modules. Filters exist in every Region where GuardDuty runs.
author:
  - secops.guardduty contributors (@secops)
options:
  name:
    description:
      - The filter's name, unique per detector; 3 to 64 letters, digits, period, underscore and dash (no spaces).
    type: str
    required: true
  state:
    description:
      - V(present) creates the filter or updates it; V(absent) deletes it (the other options must then be left out).
    type: str
    choices: [present, absent]
    default: present
  action:
    description:
      - V(archive) archives the findings that match (a suppression rule); V(noop) only saves the filter.
      - Not given, an existing filter keeps its action and a new one gets GuardDuty's default, V(noop); give
        V(archive) for a suppression rule.
    type: str
    choices: [archive, noop]
  rank:
    description:
      - The filter's position among the detector's filters (1 first, up to 100), the order in which GuardDuty applies
        them. Not given, an existing filter keeps its rank and GuardDuty places a new one.
    type: int
  description:
    description:
      - The filter's description, at most 512 characters. Not given, it is left as it is; V("") empties it.
    type: str
  criteria:
    description:
      - Which findings the filter matches, a mapping of fields to their conditions (a mapping of operators to values);
        every criterion must match. Needed to
        create a filter; given for an existing one, it replaces its criteria when they differ.
      - A field is one of the finding criterion fields GuardDuty documents for filters, spelled as GuardDuty spells
        them, for example V(type), V(severity), V(accountId), V(region), V(id), V(resource.resourceType),
        V(resource.instanceDetails.instanceId), V(resource.accessKeyDetails.userName),
        V(resource.s3BucketDetails.name), V(service.action.networkConnectionAction.remoteIpDetails.ipAddressV4),
        V(service.archived), V(updatedAt). The whole list is in the API reference of
        L(CreateFilter,https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateFilter.html); the collection
        keeps it in C(plugins/module_utils/finding_criteria.py).
      - An operator is V(equals), V(not_equals) (a value or a list of up to 50), V(matches), V(not_matches) (patterns,
        up to 5), V(greater_than), V(greater_than_or_equal), V(less_than), V(less_than_or_equal) (a whole number), as
        here or as the API spells them (V(Equals), V(NotEquals)...). The deprecated V(eq), V(neq), V(gt), V(gte),
        V(lt) and V(lte) are accepted and sent as their current names.
      - Values of V(equals) and V(not_equals) are sent as text; V(true), V(false) and numbers are written as GuardDuty
        writes them (V(service.archived) V(true), V(severity) V(8)). For a time field (V(updatedAt), V(createdAt),
        V(service.eventLastSeen)...) a comparison takes epoch milliseconds or an ISO-8601 time.
      - The API's own form, the same mapping under C(Criterion) (a GetFilter answer's C(FindingCriteria)), is accepted
        too.
    type: dict
extends_documentation_fragment:
  - secops.guardduty.detector
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
notes:
  - Required IAM actions are C(guardduty:GetFilter) and, to change filters, C(guardduty:CreateFilter),
    C(guardduty:UpdateFilter) and C(guardduty:DeleteFilter); C(guardduty:ListDetectors) when O(detector_id) is
    omitted. See the collection's C(docs/iam.md).
  - An account can have at most 100 filters per Region.
"""

EXAMPLES = r"""
- name: Suppress the port scans of the vulnerability scanner
  secops.guardduty.guardduty_filter:
    region: us-east-1
    name: suppress-scanner-portscan
    action: archive
    rank: 1
    description: The nightly vulnerability scan (investigation a1b2c3d4-5678-90ab-cdef-ef1234567890)
    criteria:
      type:
        equals: Recon:EC2/Portscan
      resource.instanceDetails.instanceId:
        equals: [i-0a1b2c3d4e5f67890]
      severity:
        less_than: 4

- name: Findings of one account updated before a date, in the API's own spelling
  secops.guardduty.guardduty_filter:
    name: old-sandbox-findings
    action: noop
    criteria:
      Criterion:
        accountId:
          Equals: ["111122223333"]
        updatedAt:
          LessThan: "2026-01-01T00:00:00Z"

- name: Remove the rule
  secops.guardduty.guardduty_filter:
    name: suppress-scanner-portscan
    state: absent
"""

RETURN = r"""
detector_id:
  description: The detector the filter belongs to.
  returned: always
  type: str
  sample: 2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7
filter:
  description: The filter after the task (in check mode, as it would be; a new filter's rank, which GuardDuty chooses,
    is then null); null when it does not exist.
  returned: always
  type: dict
  contains:
    name:
      description: The filter's name.
      type: str
      sample: suppress-scanner-portscan
    action:
      description: As GuardDuty says it, V(ARCHIVE) or V(NOOP).
      type: str
      sample: ARCHIVE
    rank:
      description: The filter's position.
      type: int
      sample: 1
    description:
      description: The filter's description (empty when it has none).
      type: str
      sample: The nightly vulnerability scan
    criteria:
      description: >-
        The criteria, fields to operators to values, with the operators in snake_case (their current names).
      type: dict
      sample: {"type": {"equals": ["Recon:EC2/Portscan"]}, "severity": {"less_than": 4}}
before:
  description: The filter before the task, as RV(filter); null when it did not exist.
  returned: always
  type: dict
after:
  description: The same as RV(filter).
  returned: always
  type: dict
"""

from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import run_filter_module
from ansible_collections.secops.guardduty.plugins.module_utils.modules import GuardDutyModule


def main():
    module = GuardDutyModule(argument_spec=dict(ARGUMENT_SPEC), supports_check_mode=True, preview=False)
    run_filter_module(module)


if __name__ == "__main__":
    main()
