# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: investigation_resources
version_added: 0.2.0
author:
  - secops.guardduty contributors (@secops)
short_description: The AWS resources a GuardDuty investigation names, typed, checked and de-duplicated
description:
  - Reads the resources an Amazon GuardDuty investigation names - the affected resources of its countermeasures, of
    its account analysis and of its reasoning records - and returns those the P(secops.guardduty.contain#role) role
    can act on as a typed, de-duplicated list.
  - "Types: V(ec2_instance), V(iam_access_key), V(iam_user), V(iam_role), V(s3_bucket), V(ec2_security_group),
    V(lambda_function), V(ebs_volume) and V(rds_instance)."
  - Every identifier is checked against the AWS pattern of its type (C(i-) and 8 or 17 hexadecimal digits, C(AKIA) or
    C(ASIA) and 16 characters, IAM names, S3 bucket naming rules, C(sg-) ids, Lambda function names, C(vol-) ids, DB
    instance identifiers). An ARN is taken apart and must be an ARN of the right service and resource type; its account
    and Region are kept. A bare identifier belongs to the investigation's own account (and, for EC2, Lambda and RDS,
    its Region).
  - Anything else - other resource types, malformed identifiers (spaces, newlines, shell metacharacters), ARNs of
    another service, an identifier and an ARN that name different resources - goes to RV(_value.unrecognised) with
    the reason. Nothing is dropped silently.
  - The CLI commands the AI suggested are never returned. The countermeasure a resource came from is kept as
    descriptive text (the AI's words, untrusted data, never a command or a template).
  - Works with structured summaries (O(secops.guardduty.guardduty_investigation_info#module:summary_format=structured))
    and with text summaries holding JSON; records are read when the investigation was fetched with
    O(secops.guardduty.guardduty_investigation_info#module:include_records=true).
positional: _input
extends_documentation_fragment:
  - secops.guardduty.investigation.filter_input
seealso:
  - plugin: secops.guardduty.containment_plan
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Get a finished investigation with its structured summary and reasoning records
  secops.guardduty.guardduty_investigation_info:
    investigation_id: a1b2c3d4-5678-90ab-cdef-ef1234567890
    summary_format: structured
    include_records: true
  register: result

- name: List the instances it names
  ansible.builtin.debug:
    msg: "{{ (result.investigation | secops.guardduty.investigation_resources).resources
             | selectattr('type', 'eq', 'ec2_instance') | map(attribute='id') | list }}"

- name: Show what could not be used, and why
  ansible.builtin.debug:
    var: (result | secops.guardduty.investigation_resources).unrecognised
"""

RETURN = r"""
_value:
  description: The resources, and what could not be used.
  type: dict
  contains:
    investigation_id:
      description: The investigation's id.
      type: str
    account_id:
      description: The investigation's account (C(cloud.account)); V(null) when it names none.
      type: str
    region:
      description: The investigation's Region (C(cloud.region)).
      type: str
    risk_level:
      description: The investigation's risk level.
      type: str
    confidence:
      description: The investigation's confidence (V(Unknown), V(Low), V(Medium) or V(High)).
      type: str
      version_added: 0.3.0
    resources:
      description:
        - One entry per resource (type, id, account and Region), the most urgent first (C(IMMEDIATE), C(SHORT_TERM),
          C(STRATEGIC), none), then by type.
      type: list
      elements: dict
      contains:
        type:
          description: V(ec2_instance), V(iam_access_key), V(iam_user), V(iam_role), V(s3_bucket), V(ec2_security_group),
            V(lambda_function), V(ebs_volume) or V(rds_instance).
          type: str
        id:
          description: The instance id, access key id, user or role name (without path), bucket name, group id, function name,
            volume id or DB instance identifier (in lowercase).
          type: str
        account_id:
          description: The account, from the ARN or else the investigation's; V(null) for an S3 bucket given by ARN.
          type: str
        region:
          description: The Region of an EC2 or Lambda resource (from its ARN, else the investigation's); V(null) for IAM and S3.
          type: str
        priority:
          description: The most urgent priority of a countermeasure naming it; V(null) when none does.
          type: str
        countermeasure:
          description:
            - The most urgent countermeasure naming it, as descriptive text written by the AI (untrusted data) with
              C(defense_tactic), C(title), C(description) and C(disposition), each cut at 512 characters. Never its
              CLI commands. V(null) when only the account analysis or the records name the resource.
          type: dict
        user_name:
          description: For an access key, the user that owns it when the investigation says so (an ARN, or the one user of the same action).
          type: str
        sources:
          description: Where in the investigation it is named (paths such as C(summary_data.countermeasures[0].actions[1].affected_resources[0])).
          type: list
          elements: str
    unrecognised:
      description: What was named but cannot be acted on, each with C(type), C(id) (as given), C(source) and C(reason).
      type: list
      elements: dict
"""

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.resources import investigation_resources
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import filter_module

FilterModule = filter_module("investigation_resources", investigation_resources)
