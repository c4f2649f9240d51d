#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: containment
version_added: 0.3.0
short_description: Contain what a GuardDuty investigation names - read, plan, record, act, roll back
description:
  - The response engine behind the C(secops.guardduty.contain) role, as one task on the controller. It reads the
    investigation (or takes it), the resources it names (typed and checked, see
    P(secops.guardduty.investigation_resources#filter)), the state of each in AWS, plans the whole investigation at once,
    writes the containment record before any change, then acts; O(mode=rollback) undoes exactly what the record holds.
  - Most urgent first - access keys and role sessions, then each instance's evidence (termination protection, shutdown
    behaviour, volumes kept, Auto Scaling Standby, out of its target groups) before its network cut (the untrack group,
    then the quarantine group, optionally network ACL entries), then the rest. Independent steps run side by side; a
    failed step stops only what depends on it, the others go on, the record says what became of each, and the task
    fails at the end naming what failed.
  - Check mode is the plan (what would be done and why, nothing changed, nothing written); diff mode shows each
    resource's change.
  - The role documents every behaviour, guarantee and limit (C(docs/containment.md)); this action takes the same
    settings as the role, without the C(contain_) prefix.
  - Connection - the amazon.aws options of the task, else the C(module_defaults) that would reach an amazon.aws module
    (C(group/aws), and C(group/secops.guardduty.guardduty), which extends it and holds this action), else the
    environment (with the task's C(environment)). Every resource call uses the investigation's Region. The investigation
    is read with the defaults that reach M(secops.guardduty.guardduty_investigation_info) too.
  - Nothing from the investigation is templated or run; every call names an identifier checked against its AWS pattern,
    a value AWS returned, or a constant.
author:
  - secops.guardduty contributors (@secops)
options:
  auto_apply:
    description:
      - The policy of O(mode=auto) - C(actions) (any of V(deactivate_access_key), V(revoke_role_sessions),
        V(snapshot_volume)), C(risk_level) and C(confidence). A dict, or its JSON text. As the role's
        C(contain_auto_apply).
    type: raw
  max_resources:
    description:
      - V(apply) and V(rollback) are refused, nothing changed, when more resources than this are within reach.
    type: int
    default: 20
  force:
    description:
      - Contain even when the risk level is Low or Info (or missing).
    type: bool
    default: false
  quarantine_group_name:
    description:
      - The quarantine security group of each VPC (no traffic); its untrack group is this name with C(-untrack).
    type: str
    default: secops-guardduty-quarantine
  snapshots:
    description:
      - Snapshot the EBS volumes of each contained instance (once per volume and investigation; kept on rollback).
    type: bool
    default: false
  role_action:
    description:
      - What a role the investigation names gets - its sessions issued before containment revoked, or a deny-all policy.
    type: str
    choices: [revoke_sessions, deny_all]
    default: revoke_sessions
  network_acl:
    description:
      - Also deny every address of each contained instance in its subnets' network ACLs (rule numbers given out across
        the whole investigation).
    type: bool
    default: false
  disable_imds:
    description:
      - Also disable the instance metadata endpoint of each contained instance.
    type: bool
    default: false
  asg_decrement:
    description:
      - An Auto Scaling member going into Standby lowers the group's desired capacity (no replacement).
    type: bool
    default: false
  record_dir:
    description:
      - The directory of the containment records on the controller (created 0700; files 0600).
    type: path
    default: ~/.ansible/secops-guardduty/contain-records
  record:
    description:
      - The containment record apply wrote (the C(guardduty_contain_record) artifact), a dict or its JSON text; merged
        over the file's.
    type: raw
  rollback_reactivate_keys:
    description:
      - Rollback reactivates the access keys apply deactivated (by default they stay inactive).
    type: bool
    default: false
  assume_role:
    description:
      - An IAM role ARN where C({account_id}) stands for the investigation's account (a member account of the
        organization); the investigation is read with the task's credentials, everything else runs as that role.
    type: str
  external_id:
    description:
      - The C(sts:ExternalId) the trust policy of O(assume_role) asks for.
    type: str
notes:
  - IAM - C(docs/iam/contain-plan.json), C(contain-apply.json), C(contain-rollback.json) list every call of each mode.
extends_documentation_fragment:
  - secops.guardduty.response
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Plan the containment of a finished investigation (changes nothing)
  secops.guardduty.containment:
    investigation_id: a1b2c3d4-5678-90ab-cdef-ef1234567890
  register: plan

- name: Contain it, once a person approved
  secops.guardduty.containment:
    investigation: "{{ got.investigation }}"   # the info module's result, or an element of the lookup
    mode: apply
    approved: true
    network_acl: true
  register: contained

- name: Roll it back from its containment record
  secops.guardduty.containment:
    investigation_id: a1b2c3d4-5678-90ab-cdef-ef1234567890
    mode: rollback
    approved: true
"""

RETURN = r"""
contain_result:
  description:
    - What the C(secops.guardduty.contain) role keeps as C(contain_result) - the plan and what became of it.
    - C(resources) (per resource C(type), C(id), C(status) V(planned), V(done), V(failed), V(unchanged) or V(skipped),
      C(reason), C(changes), and C(steps) - each step's status), C(counts), C(blocked), C(gate), C(unrecognised) (with
      C(by_hand) for the types no action exists for), C(limits), C(identity), C(record_path), C(record_before) and
      C(record) (the containment record before and after), C(steps) (every step in the order it ended - C(key),
      C(type), C(id), C(name), C(status), C(changed), C(error), C(started), C(finished)), C(failures), C(timings)
      (seconds to prepare, read and act) and C(started).
    - Untrusted data (it holds countermeasure text the AI wrote), never templated.
  returned: when the run was not refused
  type: dict
failures:
  description: Each resource whose step failed, with the step and the error.
  returned: when the run was not refused
  type: list
  elements: str
  sample: []
"""
