#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: disposition
version_added: 0.3.0
short_description: Close an investigation's GuardDuty findings as its verdict says - plan, apply, roll back
description:
  - The response engine behind the C(secops.guardduty.dispose) role, as one task on the controller. It reads the
    investigation (or takes it), takes the findings its structured fields name (never its free text), reads them from
    GuardDuty, their Security Hub side and the detector's suppression rules of this collection, plans what the
    verdict's class wants, writes the disposition record, then acts; O(mode=rollback) undoes what the record holds.
  - Check mode is the plan; diff mode shows each change.
  - The role documents every behaviour (C(docs/disposition.md)); this action takes the same settings as the role,
    without the C(dispose_) prefix.
  - Connection - the amazon.aws options of the task, else the C(module_defaults) that reach
    M(secops.guardduty.guardduty_investigation_info) (C(group/secops.guardduty.guardduty), and C(group/aws) too), else
    the environment. GuardDuty and Security Hub are called in the investigation's Region.
author:
  - secops.guardduty contributors (@secops)
options:
  policy:
    description:
      - What each verdict class gets, over the defaults (the role's C(dispose_policy)).
    type: raw
  suppress:
    description:
      - A benign verdict also gets a suppression rule per finding type and resource.
    type: bool
    default: false
  max_filters:
    description:
      - At most this many of the collection's suppression rules per detector.
    type: int
    default: 10
  auto_apply:
    description:
      - The policy of O(mode=auto) - C(actions) (V(archive), V(feedback), V(securityhub), V(suppress)) and C(confidence).
    type: raw
  record_dir:
    description:
      - The directory of the disposition records on the controller (created 0700; files 0600).
    type: path
    default: ~/.ansible/secops-guardduty/dispose-records
  record:
    description:
      - The disposition record apply wrote (the C(guardduty_dispose_record) artifact), merged over the file's.
    type: raw
  containment:
    description:
      - The contain role's C(contain_result) (or its record) of the same investigation.
    type: raw
  containment_record_dir:
    description:
      - Where the containment records are, when O(containment) is not given.
    type: path
    default: ~/.ansible/secops-guardduty/contain-records
notes:
  - IAM - C(docs/iam/dispose-plan.json), C(dispose-apply.json), C(dispose-rollback.json).
extends_documentation_fragment:
  - secops.guardduty.response
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Plan the disposition of a finished investigation (changes nothing)
  secops.guardduty.disposition:
    investigation_id: a1b2c3d4-5678-90ab-cdef-ef1234567890
  register: plan

- name: Close its findings, once a person approved, with a suppression rule for a benign verdict
  secops.guardduty.disposition:
    investigation: "{{ got.investigation }}"
    mode: apply
    approved: true
    suppress: true
"""

RETURN = r"""
dispose_result:
  description:
    - What the C(secops.guardduty.dispose) role keeps as C(dispose_result). C(verdict) (V(benign), V(true_positive),
      V(uncertain)), C(status), C(resolved) and C(summary) (the disposition in a line, for the notify role),
      C(resources) (per finding, Security Hub finding and rule - C(type), C(id), C(status), C(reason), C(changes),
      C(steps)), C(unrecognised), C(counts), C(blocked), C(gate), C(decide), C(feedback_final), C(record_before),
      C(record), C(steps), C(failures), C(timings).
    - Untrusted data (it holds the AI's title in the note), never templated.
  returned: when the run was not refused
  type: dict
failures:
  description: Each finding, rule or Security Hub finding whose step failed, with the step and the error.
  returned: when the run was not refused
  type: list
  elements: str
  sample: []
"""
