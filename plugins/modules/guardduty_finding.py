#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: guardduty_finding
version_added: 0.3.0
short_description: Archive or unarchive Amazon GuardDuty findings and give feedback on them
description:
  - Closes GuardDuty findings where they live once a verdict is known, or reopens them, the way a responder does in
    the console, archived or active (O(archived)), and the feedback V(useful) or V(not_useful) (O(feedback)).
  - Idempotent from a read of the current state. The findings are read first (GetFindings); ArchiveFindings,
    UnarchiveFindings and UpdateFindingsFeedback are called only for the ids whose state differs, each with as many
    ids as the API takes in one call (50). Check mode and diff mode report the state before and after.
  - Without O(archived) and O(feedback) the module only reads the findings' state.
  - Each id is checked against GuardDuty's finding id format before any call. An id the detector does not hold (a
    typo, another Region, another account's finding that this account cannot see) fails the task before anything is
    changed, naming the ids, unless O(on_missing=warn).
  - One Region per task, like the amazon.aws modules. Findings, archiving and feedback exist in every Region where
    GuardDuty runs (they are not part of the investigation preview).
  - Only a GuardDuty administrator (or a standalone account) can archive findings; a member account cannot archive
    its own. An administrator archives its member accounts' findings with its own detector.
author:
  - secops.guardduty contributors (@secops)
options:
  finding_ids:
    description:
      - The GuardDuty finding ids (32 hexadecimal characters each). Duplicates are dropped, the order is kept.
    type: list
    elements: str
    required: true
    aliases: [finding_id]
  archived:
    description:
      - V(true) archives the findings, V(false) unarchives them. Not given, the archived state is left as it is.
    type: bool
  feedback:
    description:
      - The feedback to give, V(useful) or V(not_useful). Not given, the feedback is left as it is.
      - GuardDuty cannot withdraw feedback once given; it can only be changed to the other value.
    type: str
    choices: [useful, not_useful]
  feedback_comment:
    description:
      - A comment sent with the feedback (UpdateFindingsFeedback's C(Comments)). Needs O(feedback).
      - GuardDuty does not return the comment, so it is sent only to findings whose feedback changes; a new comment
        alone changes nothing.
    type: str
  on_missing:
    description:
      - What a finding id the detector does not hold does. V(fail) fails the task before any change; V(warn) warns,
        lists it in RV(not_found) and handles the others.
    type: str
    choices: [fail, warn]
    default: fail
extends_documentation_fragment:
  - secops.guardduty.detector
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
notes:
  - Required IAM actions are C(guardduty:GetFindings) and, to change findings, C(guardduty:ArchiveFindings),
    C(guardduty:UnarchiveFindings) and C(guardduty:UpdateFindingsFeedback); C(guardduty:ListDetectors) when
    O(detector_id) is omitted. See the collection's C(docs/iam.md).
"""

EXAMPLES = r"""
- name: Close findings judged benign, saying why
  secops.guardduty.guardduty_finding:
    region: us-east-1
    finding_ids:
      - 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
      - 2bc3d4e5f6a7b8c9d0e1f2a3b4c5d6e7
    archived: true
    feedback: not_useful
    feedback_comment: "Benign: the nightly vulnerability scan (investigation a1b2c3d4-5678-90ab-cdef-ef1234567890)"

- name: Keep a true positive active and mark it useful
  secops.guardduty.guardduty_finding:
    finding_ids: [1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6]
    archived: false
    feedback: useful

- name: Only read the state
  secops.guardduty.guardduty_finding:
    finding_ids: "{{ investigation.finding_ids }}"
  register: state
"""

RETURN = r"""
detector_id:
  description: The detector the findings were read with.
  returned: always
  type: str
  sample: 2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7
findings:
  description:
    - Each finding the detector holds, in the order given, with its state after the task (in check mode, as it
      would be).
  returned: always
  type: list
  elements: dict
  contains:
    finding_id:
      description: The finding's id.
      type: str
      sample: 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
    arn:
      description: The finding's ARN (its id in Security Hub).
      type: str
      sample: arn:aws:guardduty:us-east-1:123456789012:detector/2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7/finding/1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
    account_id:
      description: The account the finding is about (a member account's, read by an administrator).
      type: str
      sample: "123456789012"
    region:
      description: The finding's Region.
      type: str
      sample: us-east-1
    type:
      description: The finding type.
      type: str
      sample: Recon:EC2/Portscan
    severity:
      description: The finding's severity.
      type: float
      sample: 2.0
    archived:
      description: Whether the finding is archived.
      type: bool
      sample: true
    feedback:
      description: The feedback given (V(useful), V(not_useful)), or null.
      type: str
      sample: not_useful
not_found:
  description: The ids the detector does not hold (only with O(on_missing=warn); otherwise the task fails).
  returned: always
  type: list
  elements: str
  sample: []
before:
  description: Each finding's state before the task, by id.
  returned: always
  type: dict
  sample: {"1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6": {"archived": false, "feedback": null}}
after:
  description: Each finding's state after the task (in check mode, as it would be), by id.
  returned: always
  type: dict
  sample: {"1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6": {"archived": true, "feedback": "not_useful"}}
"""

from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import run_finding_module
from ansible_collections.secops.guardduty.plugins.module_utils.modules import GuardDutyModule


def main():
    module = GuardDutyModule(argument_spec=dict(ARGUMENT_SPEC), supports_check_mode=True, preview=False)
    run_finding_module(module)


if __name__ == "__main__":
    main()
