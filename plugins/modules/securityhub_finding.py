#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: securityhub_finding
version_added: 0.3.0
short_description: Set the workflow status, verification state, note and fields of GuardDuty findings in AWS Security Hub
description:
  - The Security Hub side of GuardDuty findings, where many teams track them. Sets the workflow status, the
    verification state, a note and user-defined fields with BatchUpdateFindings.
  - The findings are named by their GuardDuty ids (O(guardduty_finding_ids)) or by their Security Hub identifiers
    (O(finding_identifiers)). A GuardDuty finding's Security Hub id is its ARN, which the module reads from GuardDuty
    (GetFindings), so that a member account's finding, read by its administrator, keeps its own account and detector;
    its product is GuardDuty's (C(arn:aws:securityhub:<region>::product/aws/guardduty)).
  - Idempotent from a read of the current state (Security Hub's GetFindings by id). Only the findings whose state
    differs are updated, and only with the fields that differ, at most 100 findings per call. Check mode and diff mode
    report the state before and after.
  - A finding Security Hub does not hold (Security Hub not enabled in the account and Region, the finding not
    imported yet, or never sent because a suppression rule archived it) is listed in RV(not_found) with the reason
    and a warning, not an error, unless O(on_missing=fail). So is a GuardDuty id the detector does not hold.
  - One Region per task, like the amazon.aws modules.
author:
  - secops.guardduty contributors (@secops)
options:
  guardduty_finding_ids:
    description:
      - The GuardDuty finding ids (32 hexadecimal characters each), read with GuardDuty's GetFindings in the task's
        Region to learn their ARNs. Duplicates are dropped, the order is kept.
      - Exactly one of O(guardduty_finding_ids) and O(finding_identifiers) is needed.
    type: list
    elements: str
  finding_identifiers:
    description:
      - The findings as Security Hub identifies them, any product's. No GuardDuty call is made.
      - For GuardDuty's product the id must be a GuardDuty finding ARN.
    type: list
    elements: dict
    suboptions:
      id:
        description: The finding's id in Security Hub (a GuardDuty finding's ARN).
        type: str
        required: true
      product_arn:
        description: The product's ARN, for GuardDuty C(arn:aws:securityhub:<region>::product/aws/guardduty).
        type: str
        required: true
  workflow_status:
    description:
      - The workflow status to set. Not given, it is left as it is.
    type: str
    choices: [NEW, NOTIFIED, RESOLVED, SUPPRESSED]
  verification_state:
    description:
      - The verification state to set. Not given, it is left as it is.
    type: str
    choices: [UNKNOWN, TRUE_POSITIVE, FALSE_POSITIVE, BENIGN_POSITIVE]
  note:
    description:
      - The note to set, replacing the finding's note when its text or author differ.
      - Security Hub keeps at most 512 characters of text and of author; a longer one is cut to 512 characters
        ending with C( [...cut]), with a warning and RV(note_truncated).
    type: dict
    suboptions:
      text:
        description: The note's text.
        type: str
        required: true
      updated_by:
        description: Who wrote it.
        type: str
        default: secops.guardduty
  user_defined_fields:
    description:
      - Fields to set on the findings, merged into the fields they have (a field given replaces the value of the same
        name; the others are kept).
      - Names of at most 128 characters, values of at most 1024, at most 50 fields per finding after the merge.
    type: dict
  on_missing:
    description:
      - What a finding that Security Hub (or, for O(guardduty_finding_ids), GuardDuty) does not hold does. V(warn)
        lists it in RV(not_found) and warns; V(fail) fails the task, before any change when it is known from the
        reads.
    type: str
    choices: [warn, fail]
    default: warn
extends_documentation_fragment:
  - secops.guardduty.detector
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
notes:
  - Required IAM actions are C(securityhub:GetFindings) and, to change findings, C(securityhub:BatchUpdateFindings);
    with O(guardduty_finding_ids) also C(guardduty:GetFindings), and C(guardduty:ListDetectors) when O(detector_id)
    is omitted. See the collection's C(docs/iam.md).
  - Security Hub may take several minutes to show an update in other views; GetFindings shows it at once.
  - GuardDuty and Security Hub are called with the same connection options (O(endpoint_url) too).
"""

EXAMPLES = r"""
- name: "Benign: suppress the findings in Security Hub with a note"
  secops.guardduty.securityhub_finding:
    region: us-east-1
    guardduty_finding_ids:
      - 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
    workflow_status: SUPPRESSED
    verification_state: BENIGN_POSITIVE
    note:
      text: "Benign (Low risk, High confidence): investigation a1b2c3d4-5678-90ab-cdef-ef1234567890"
    user_defined_fields:
      guardduty_investigation: a1b2c3d4-5678-90ab-cdef-ef1234567890

- name: A finding of another product, by its Security Hub identifier
  secops.guardduty.securityhub_finding:
    finding_identifiers:
      - id: arn:aws:guardduty:us-east-1:111122223333:detector/4ef5a6b7c8d9e0f1a2b3c4d5e6f7a8b9/finding/2bc3d4e5f6a7b8c9d0e1f2a3b4c5d6e7
        product_arn: arn:aws:securityhub:us-east-1::product/aws/guardduty
    workflow_status: NOTIFIED
    verification_state: TRUE_POSITIVE
    on_missing: fail
"""

RETURN = r"""
findings:
  description: Each finding Security Hub holds, with its state after the task (in check mode, as it would be).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The finding's id in Security Hub.
      type: str
    product_arn:
      description: The finding's product.
      type: str
      sample: arn:aws:securityhub:us-east-1::product/aws/guardduty
    guardduty_finding_id:
      description: The GuardDuty finding id it was named by (null with O(finding_identifiers)).
      type: str
    account_id:
      description: The finding's account.
      type: str
    workflow_status:
      description: The workflow status.
      type: str
      sample: SUPPRESSED
    verification_state:
      description: The verification state (null when never set).
      type: str
      sample: BENIGN_POSITIVE
    note:
      description: The note (C(text), C(updated_by), C(updated_at), the last null in check mode), or null.
      type: dict
    user_defined_fields:
      description: The user-defined fields.
      type: dict
    record_state:
      description: V(ACTIVE), or V(ARCHIVED) when the finding is archived (in GuardDuty).
      type: str
not_found:
  description: The findings Security Hub (or GuardDuty) does not hold, each with C(id), C(product_arn),
    C(guardduty_finding_id) (those that were given) and C(reason).
  returned: always
  type: list
  elements: dict
note_truncated:
  description: Whether the note was cut to Security Hub's limit.
  returned: always
  type: bool
detector_id:
  description: The GuardDuty detector the findings were read with.
  returned: with O(guardduty_finding_ids)
  type: str
before:
  description: Each finding's state before the task (as in RV(findings), without the ids), by Security Hub id.
  returned: always
  type: dict
after:
  description: Each finding's state after the task (in check mode, as it would be), by Security Hub id.
  returned: always
  type: dict
"""

from ansible_collections.secops.guardduty.plugins.module_utils.modules import GuardDutyModule
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import run_securityhub_module


def main():
    module = GuardDutyModule(
        argument_spec=dict(ARGUMENT_SPEC),
        mutually_exclusive=[["guardduty_finding_ids", "finding_identifiers"]],
        required_one_of=[["guardduty_finding_ids", "finding_identifiers"]],
        supports_check_mode=True,
        service="securityhub",
    )
    run_securityhub_module(module)


if __name__ == "__main__":
    main()
