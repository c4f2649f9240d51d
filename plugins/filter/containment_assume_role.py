# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: containment_assume_role
version_added: 0.3.0
author:
  - secops.guardduty contributors (@secops)
short_description: The role of a member account the contain role assumes for an investigation
description:
  - The step of the P(secops.guardduty.contain#role) role that names the identity it acts as in a member account of
    the organization. It changes nothing and calls nothing.
  - The role ARN template (C(contain_assume_role)) gets C({account_id}) replaced by the investigation's account id
    (which P(secops.guardduty.investigation_resources#filter) checked to be 12 digits); the result must be an IAM
    role ARN (C(arn:aws:iam::<account>:role/<optional path/><name>)), else the filter fails with one message and
    nothing is read or changed. C({account_id}) is the only placeholder.
  - The session is named after the investigation, C(secops-guardduty-<investigation id>) (cut at STS's 64
    characters), so that CloudTrail in the member account shows which investigation each change was made for.
  - Whether the credentials really belong to the investigation's account is checked by the role afterwards
    (M(amazon.aws.aws_caller_info) with the assumed credentials, then P(secops.guardduty.containment_plan#filter)).
positional: _input, template, external_id
options:
  _input:
    description: What P(secops.guardduty.investigation_resources#filter) returns for the investigation.
    type: dict
    required: true
  template:
    description: The IAM role ARN, C({account_id}) standing for the investigation's account.
    type: str
    required: true
  external_id:
    description: The C(sts:ExternalId) the role's trust policy asks for (2 to 1224 of letters, digits and C(_+=,.@:/-)); empty for none.
    type: str
seealso:
  - plugin: secops.guardduty.investigation_resources
    plugin_type: filter
  - module: amazon.aws.sts_assume_role
"""

EXAMPLES = r"""
- name: Name the role of the investigation's account to assume
  ansible.builtin.set_fact:
    member_role: >-
      {{ (investigation | secops.guardduty.investigation_resources)
         | secops.guardduty.containment_assume_role('arn:aws:iam::{account_id}:role/SecOpsContainment') }}
"""

RETURN = r"""
_value:
  description: What M(amazon.aws.sts_assume_role) gets.
  type: dict
  contains:
    role_arn:
      description: The role's ARN, in the investigation's account when the template has C({account_id}).
      type: str
    role_session_name:
      description: C(secops-guardduty-<investigation id>), at most 64 characters.
      type: str
    external_id:
      description: The external id, or V(null).
      type: str
"""

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.identity import assume_role_request
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import filter_module

FilterModule = filter_module("containment_assume_role", assume_role_request)
