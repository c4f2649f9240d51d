#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: guardduty_investigation
version_added: 0.1.0
short_description: Start an Amazon GuardDuty investigation once (or triage a batch of findings), optionally wait
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
  - With O(findings) the task triages a batch of findings instead (for example what the C(secops.guardduty.findings)
    event source emitted in one poll). Each finding ends in exactly one state, returned in RV(decisions).
    V(investigated) - its own investigation was started. V(covered) - one ACCOUNT investigation of its account
    covers it. V(reused) - an investigation of it already exists (RUNNING or COMPLETED, within O(reuse_window)).
    V(deferred) - not investigated in this run, with the reason V(budget) or V(quota).
  - A batch is decided highest severity first, then newest. Reuse costs nothing. Every start takes one from
    O(daily_budget). The budget counts the investigations on the detector that started in the last 24 hours and did
    not fail, as ListInvestigations shows them. A re-run, a restarted rulebook or a second runner therefore counts
    the same. The rest of GuardDuty's quota (10 a day) is left to people.
  - When more than O(group_threshold) findings of one account need an investigation, one ACCOUNT investigation
    (C(Analyze findings in account with id <account_id>)) covers them, instead of one per finding.
  - When GuardDuty refuses a start because the quota is used up, the task starts nothing more in that run and never
    retries that refusal. The findings left are deferred with the reason V(quota), and the task warns. Throttling
    and server errors are still retried. A batch starts each investigation with the same reuse and ClientToken as a
    single start, so running the batch again never starts one twice.
  - In check mode a batch returns its decisions without starting anything, with C(changed=true) when it would start
    at least one investigation (as a single start in check mode). A decision to start then has no investigation id.
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
  findings:
    description:
      - Triage this batch of findings instead of starting one investigation (see the description).
      - Each element is a finding id (32 hexadecimal characters), a finding as the C(secops.guardduty.findings) event
        source emits it, or such an event (its C(finding) is used). Of a finding only C(id), C(severity) (0 to 10),
        C(account_id) and C(updated_at) (ISO-8601 or epoch seconds) are read, and all of them but C(id) may be absent.
      - A finding without a severity is decided after those with one. A finding without an account id always gets its
        own investigation. A finding given twice counts once, with its highest severity and newest time.
      - Cannot be combined with O(finding_id), O(account_id), O(organization), O(trigger_prompt), O(client_token),
        O(wait) or O(include_records). An empty list decides nothing and makes no call but the detector's.
    type: list
    elements: raw
    version_added: 0.3.0
  daily_budget:
    description:
      - With O(findings), the most investigations the detector may have started in the last 24 hours (FAILED ones
        do not count), including those started by people and by other runs. A batch starts at most the difference.
      - Counted again (one listing) right before each start after the first, so that what another runner starts
        meanwhile counts too. Two runners that start at the very same moment may still each start one.
      - V(0) starts nothing and defers every finding that has no investigation yet.
      - GuardDuty allows 10 investigations a day. Keep the budget below that to leave room for people.
      - Only with O(findings). The default is V(7).
    type: int
    version_added: 0.3.0
  group_threshold:
    description:
      - With O(findings), when more than this many findings of one account need an investigation, one ACCOUNT
        investigation covers them all.
      - V(0) covers the findings of every account with an ACCOUNT investigation, even a single one.
      - Only with O(findings). The default is V(3).
    type: int
    version_added: 0.3.0
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

- name: Triage a burst of findings within a daily budget of 5, highest severity first
  secops.guardduty.guardduty_investigation:
    findings:
      - id: 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
        severity: 9.5
        account_id: "111122223333"
        updated_at: "2026-12-02T09:57:01.123Z"
      - id: 0123456789abcdef0123456789abcdef
        severity: 7.5
        account_id: "444455556666"
    daily_budget: 5
    group_threshold: 3
  register: triaged

- name: Page someone for the findings that were deferred
  ansible.builtin.debug:
    msg: "{{ item.finding_id }} (severity {{ item.severity }}) deferred: {{ item.reason }}"
  loop: "{{ triaged.decisions | selectattr('state', 'equalto', 'deferred') | list }}"
  loop_control:
    label: "{{ item.finding_id }}"

- name: Show what a batch would do, starting nothing
  secops.guardduty.guardduty_investigation:
    findings: "{{ my_finding_ids }}"
  check_mode: true
  register: plan

- name: Always start a new investigation (uses quota on every run)
  secops.guardduty.guardduty_investigation:
    finding_id: 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
    reuse_window: 0
"""

RETURN = r"""
investigation_id:
  description: The id of the investigation started or reused.
  returned: unless check mode would start a new one, or with O(findings)
  type: str
  sample: a1b2c3d4-5678-90ab-cdef-ef1234567890
investigation:
  description:
    - The investigation, with the same keys as an element of RV(secops.guardduty.guardduty_investigation_info#module:investigations).
      Keys are the API's in snake_case, times are ISO-8601 strings and values are returned exactly as the service sent them.
    - With O(wait=true) it is final (COMPLETED, or FAILED with O(allow_failed=true)).
    - Right after creation GuardDuty may not show the new investigation yet; it then holds only C(investigation_id),
      C(status) (V(RUNNING)) and C(trigger_prompt).
  returned: unless check mode would start a new one, or with O(findings)
  type: dict
  contains:
    investigation_id:
      description:
        - The investigation's id, as in RV(investigation_id).
        - Pass it to M(secops.guardduty.guardduty_investigation_info) or the lookup to wait for the verdict later.
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
    - With O(findings), V(true) when the batch started at least one investigation (in check mode, would start one).
  returned: always
  type: bool
reused:
  description: Whether an existing investigation of the same question was returned instead of starting one.
  returned: without O(findings)
  type: bool
  sample: false
decisions:
  description:
    - With O(findings), one decision per finding (repeats counted once), highest severity first, then newest.
  returned: with O(findings)
  type: list
  elements: dict
  contains:
    finding_id:
      description: The finding's id (lower case).
      type: str
      sample: 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
    severity:
      description: The finding's severity as given, or V(null).
      type: float
      sample: 9.5
    account_id:
      description: The finding's account as given, or V(null).
      type: str
      sample: "111122223333"
    updated_at:
      description: When the finding was last updated (ISO-8601), as given, or V(null).
      type: str
      sample: "2026-12-02T09:57:01.123000+00:00"
    state:
      description:
        - V(investigated) (its own investigation was started), V(covered) (an ACCOUNT investigation of its account,
          started or reused, covers it), V(reused) (its own investigation already existed) or V(deferred).
      type: str
      sample: investigated
    investigation_id:
      description:
        - The investigation that decides it (its own, or the ACCOUNT investigation that covers it).
        - V(null) when deferred, and in check mode for an investigation that would be started.
      type: str
      sample: a1b2c3d4-5678-90ab-cdef-ef1234567890
    investigation_type:
      description: V(FINDING) or V(ACCOUNT); V(null) when deferred.
      type: str
      sample: FINDING
    reason:
      description:
        - Why it was deferred. V(budget) (the daily budget is spent), V(quota) (GuardDuty refused a start for the quota
          in this run), or V(error) (in a failed task's result, for the findings not decided when it failed).
      type: str
      returned: when deferred
      sample: budget
investigations:
  description:
    - With O(findings), the investigations the batch started (or, in check mode, would start) or reused, in the
      order they were decided.
  returned: with O(findings)
  type: list
  elements: dict
  contains:
    investigation_id:
      description: Its id; V(null) in check mode when it would be started.
      type: str
    investigation_type:
      description: V(FINDING) or V(ACCOUNT).
      type: str
    trigger_prompt:
      description: The prompt it was started with.
      type: str
    client_token:
      description: The ClientToken sent (V(null) for a reused one).
      type: str
    account_id:
      description: The account of an ACCOUNT investigation, else V(null).
      type: str
    finding_ids:
      description: The findings of the batch it decides.
      type: list
      elements: str
    reused:
      description: Whether it existed already.
      type: bool
budget:
  description: With O(findings), how the daily budget was spent.
  returned: with O(findings)
  type: dict
  contains:
    daily_budget:
      description: O(daily_budget).
      type: int
      sample: 7
    started_last_24h:
      description: Investigations on the detector started in the 24 hours before the task and not FAILED.
      type: int
      sample: 2
    remaining:
      description: What is left of the budget after this batch.
      type: int
      sample: 0
    quota_refused:
      description: Whether GuardDuty refused a start for the quota in this run.
      type: bool
      sample: false
    quota_message:
      description: What GuardDuty's refusal means, when it refused.
      type: str
      returned: when quota_refused
counts:
  description: With O(findings), how many findings ended in each state.
  returned: with O(findings)
  type: dict
  sample: {"investigated": 3, "covered": 0, "reused": 1, "deferred": 11}
detector_id:
  description: The detector used (given or discovered).
  returned: always
  type: str
  sample: 2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7
trigger_prompt:
  description: The prompt asked (built from O(finding_id), O(account_id) or O(organization), or O(trigger_prompt) as given).
  returned: without O(findings)
  type: str
  sample: Investigate finding 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
client_token:
  description: The ClientToken sent to CreateInvestigation, or that would be sent when none was needed.
  returned: without O(findings)
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
        findings=dict(type="list", elements="raw"),
        daily_budget=dict(type="int"),
        group_threshold=dict(type="int"),
        **READ_ARGUMENT_SPEC,
    )
    # "exactly one of" the question options is checked with a clearer message than the argument spec's
    module = GuardDutyModule(argument_spec=argument_spec, supports_check_mode=True)
    run_start_module(module)


if __name__ == "__main__":
    main()
