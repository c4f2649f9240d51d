#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: guardduty_investigation
version_added: 0.1.0
short_description: Start an Amazon GuardDuty investigation once, and optionally wait for its result
description:
  - Starts an Amazon GuardDuty investigation (an AI analysis of a finding, an account or the organization), or returns
    the one already started for the same question, so re-runs, retries and check mode never use quota twice.
  - GuardDuty allows 10 investigations per account per day and 100 in total during the preview (FAILED ones do not
    count), and has no way to cancel or delete one. The task is therefore idempotent in two layers.
  - First, reuse. An investigation of the same question that is RUNNING or COMPLETED and started within
    O(reuse_window) seconds is returned with C(changed=false) and C(reused=true). FAILED ones are never reused.
    The same question means the same prompt text (ignoring case and spacing); for O(finding_id) also any
    investigation GuardDuty reports as being about that finding, or whose prompt names that finding and no other.
  - Otherwise the investigation is created with a ClientToken derived from the detector, the prompt and the
    O(reuse_window) period, so a retry or a re-run within the period gets the same investigation back from
    GuardDuty instead of a second one. Create is retried only with that token. The task reports C(changed=true).
  - In check mode nothing is created. The task reports C(changed=true) when it would start an investigation and
    C(changed=false) when it would reuse one (which it then returns, and waits for with O(wait=true)).
  - When GuardDuty refuses to start it, the task names the likely reason and its fix, among them the AI_ANALYST
    feature not being enabled on the detector (checked with GetDetector, with the exact C(update-detector) command),
    a member account or a missing permission, the quota, and a Region outside the preview.
  - The GuardDuty investigation API is a preview, available in us-east-1, us-east-2, us-west-2, ca-central-1,
    eu-central-1, eu-west-1, eu-west-2, eu-west-3, eu-north-1 and ap-northeast-1. Other Regions get a warning.
  - Investigation content is written by an AI from attacker-influenced data. Treat it as untrusted text, review it
    before acting, and never run its CLI commands unreviewed.
  - Connection options can be set for all modules of this collection and amazon.aws at once with
    C(module_defaults) and the group C(group/secops.guardduty.guardduty).
author:
  - secops.guardduty contributors (@secops)
options:
  finding_id:
    description:
      - Investigate this finding (32 hexadecimal characters, any case).
      - Sends the prompt C(Investigate finding <finding_id>). The finding must belong to this account or one of its
        members.
      - Exactly one of O(finding_id), O(account_id), O(organization=true) and O(trigger_prompt) is required.
    type: str
  account_id:
    description:
      - Investigate the findings of this account (12 digits; quote it in YAML).
      - Sends the prompt C(Analyze findings in account with id <account_id>). An administrator names a member
        account here and uses its own detector.
    type: str
  organization:
    description:
      - Set to V(true) to investigate the findings of the whole organization (administrator accounts).
      - Sends the prompt C(Analyze findings in my organization).
    type: bool
  trigger_prompt:
    description:
      - The question for GuardDuty in your own words, 1 to 2048 characters, sent unchanged.
      - GuardDuty infers what to investigate from it. Name at most one finding id or one account id; a prompt with
        neither is an analysis of this account (or of the organization when it says so).
    type: str
  reuse_window:
    description:
      - Return an investigation of the same question instead of starting one when it is RUNNING or COMPLETED and
        started less than this many seconds ago.
      - Also the period of the derived ClientToken. Within one period, runs that do start an investigation get the
        same one back from GuardDuty.
      - V(0) disables reuse and starts a new investigation on every run (retries within a run still share a token).
    type: int
    default: 86400
  client_token:
    description:
      - The ClientToken sent to CreateInvestigation, 1 to 64 characters. GuardDuty returns the investigation already
        created with the same token instead of starting another one.
      - By default it is derived from the detector, the prompt and the O(reuse_window) period (and the FAILED
        attempts in it, so that a new attempt is possible after a failure). Give one to tie the investigation to
        something of your own, for example an incident ticket. Never use the same token for different prompts.
      - GuardDuty answers a fixed token with the investigation it started for it, even a FAILED one. Change the token
        to try again after a failure.
    type: str
extends_documentation_fragment:
  - secops.guardduty.investigation
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
notes:
  - Required IAM actions are C(guardduty:CreateInvestigation), C(guardduty:ListInvestigations) (reuse),
    C(guardduty:GetInvestigation), C(guardduty:GetDetector) (to explain a refused create),
    C(guardduty:ListInvestigationRecords) (with O(include_records)) and C(guardduty:ListDetectors) (without
    O(detector_id)). Scope them to the detector ARN and its sub-resources (C(detector/<id>) and C(detector/<id>/*)).
  - With botocore older than 1.44.2 the reuse step cannot filter, so it lists every investigation and compares prompts.
seealso:
  - module: secops.guardduty.guardduty_investigation_info
"""

EXAMPLES = r"""
# Note: These examples do not set authentication details, see the AWS Guide for details.

- name: Investigate a finding (re-runs within a day return the same investigation)
  secops.guardduty.guardduty_investigation:
    finding_id: 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
  register: started

- name: Show its id and whether it was started now
  ansible.builtin.debug:
    msg: "{{ started.investigation_id }} ({{ 'reused' if started.reused else 'started' }})"

- name: Investigate a member account and wait for the result
  secops.guardduty.guardduty_investigation:
    detector_id: 2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7
    account_id: "111122223333"
    wait: true
    wait_timeout: 1200
    wait_sleep: 30
    summary_format: structured
  register: account

- name: Print risk level, confidence and the recommendations
  ansible.builtin.debug:
    msg:
      - "{{ account.investigation.risk_level }} ({{ account.investigation.confidence }} confidence)"
      - "{{ account.investigation.summary_data.recommendations | default([]) | map(attribute='title') | list }}"

- name: Investigate the organization, reusing anything from the last hour
  secops.guardduty.guardduty_investigation:
    organization: true
    reuse_window: 3600

- name: Ask in your own words, tied to an incident ticket
  secops.guardduty.guardduty_investigation:
    trigger_prompt: Investigate finding 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6 in account 123456789012
    client_token: INC-2026-0042
    wait: true
    allow_failed: true
  register: incident

- name: Always start a new investigation (uses quota on every run)
  secops.guardduty.guardduty_investigation:
    finding_id: 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
    reuse_window: 0
"""

RETURN = r"""
investigation_id:
  description: The id of the investigation started or reused.
  returned: unless check mode would start a new one
  type: str
  sample: a1b2c3d4-5678-90ab-cdef-ef1234567890
investigation:
  description:
    - The investigation, with the same keys as an element of RV(secops.guardduty.guardduty_investigation_info#module:investigations).
      Keys are the API's in snake_case, times are ISO-8601 strings and values are returned exactly as the service sent them.
    - With O(wait=true) it is final (COMPLETED, or FAILED with O(allow_failed=true)).
    - Right after creation GuardDuty may not show the new investigation yet; it then holds only C(investigation_id),
      C(status) (V(RUNNING)) and C(trigger_prompt).
  returned: unless check mode would start a new one
  type: dict
  contains:
    investigation_id:
      description: The investigation's id.
      type: str
      returned: always
      sample: a1b2c3d4-5678-90ab-cdef-ef1234567890
    status:
      description: RUNNING, COMPLETED or FAILED.
      type: str
      returned: always
      sample: RUNNING
    trigger_prompt:
      description: The prompt that started the investigation (for a reused one, as it was sent then).
      type: str
      returned: always
      sample: Investigate finding 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
    risk_level:
      description: Info, Low, Medium, High or Critical.
      type: str
      returned: when COMPLETED
      sample: High
    confidence:
      description: Unknown, Low, Medium or High.
      type: str
      returned: when COMPLETED
      sample: Medium
    start_time:
      description: When the investigation started (ISO-8601).
      type: str
      returned: when the service sends it
      sample: "2026-01-15T11:50:00+00:00"
changed:
  description:
    - V(true) when an investigation was started (or, in check mode, would be), V(false) when one was reused.
  returned: always
  type: bool
reused:
  description: Whether an existing investigation of the same question was returned instead of starting one.
  returned: always
  type: bool
  sample: false
detector_id:
  description: The detector used (given or discovered).
  returned: always
  type: str
  sample: 2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7
trigger_prompt:
  description: The prompt asked (built from O(finding_id), O(account_id) or O(organization), or O(trigger_prompt) as given).
  returned: always
  type: str
  sample: Investigate finding 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
client_token:
  description: The ClientToken sent to CreateInvestigation, or that would be sent when none was needed.
  returned: always
  type: str
  sample: 9f2c4d0b7e1a4c3b8d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4
"""

from ansible_collections.secops.guardduty.plugins.module_utils.modules import GuardDutyModule
from ansible_collections.secops.guardduty.plugins.module_utils.options import READ_ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.module_utils.start import DEFAULT_REUSE_WINDOW
from ansible_collections.secops.guardduty.plugins.module_utils.start import run_start_module


def main():
    argument_spec = dict(
        finding_id=dict(type="str"),
        account_id=dict(type="str"),
        organization=dict(type="bool"),
        trigger_prompt=dict(type="str"),
        reuse_window=dict(type="int", default=DEFAULT_REUSE_WINDOW),
        client_token=dict(type="str", no_log=False),
        **READ_ARGUMENT_SPEC,
    )
    # "exactly one of" the question options is checked with a clearer message than the argument spec's
    module = GuardDutyModule(argument_spec=argument_spec, supports_check_mode=True)
    run_start_module(module)


if __name__ == "__main__":
    main()
