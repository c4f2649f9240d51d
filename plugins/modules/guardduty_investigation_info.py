#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: guardduty_investigation_info
version_added: 0.1.0
short_description: Get, list and wait for Amazon GuardDuty investigations
description:
  - Gathers Amazon GuardDuty investigations (AI analyses of a finding, an account or an organization) by id, or
    lists them with filters and sorting, following every page.
  - Optionally waits until the selected investigations have completed, polling them together.
  - Read-only and idempotent. The task never reports a change and supports check mode.
  - The GuardDuty investigation API is a preview, available in us-east-1, us-east-2, us-west-2, ca-central-1,
    eu-central-1, eu-west-1, eu-west-2, eu-west-3, eu-north-1 and ap-northeast-1. Other Regions get a warning.
  - Investigation content is written by an AI from attacker-influenced data. Treat it as untrusted text, review it
    before acting, and never run its CLI commands unreviewed.
  - Connection options can be set for all modules of this collection and amazon.aws at once with
    C(module_defaults) and the group C(group/secops.guardduty.guardduty). C(group/aws) alone does not reach
    modules of other collections.
author:
  - secops.guardduty contributors (@secops)
options:
  investigation_ids:
    description:
      - IDs of the investigations to get. Each id is checked against the API's format before any call;
        duplicates are dropped and the order is kept.
      - An id that does not exist fails the task, naming the id and the detector.
      - When omitted, investigations are listed (see O(filters)). Mutually exclusive with the listing options.
      - With O(regions), each id is looked for in every Region; the result has it once per Region it is found in.
    type: list
    elements: str
    aliases: [investigation_id, id]
  filters:
    description:
      - Only list investigations whose attribute equals one of the given values (values are matched exactly by the
        service; input is accepted in any case and sent in the API's spelling).
      - Keys are V(status) (V(RUNNING), V(COMPLETED), V(FAILED)), V(risk_level) (V(Info), V(Low), V(Medium),
        V(High), V(Critical)), V(confidence) (V(Unknown), V(Low), V(Medium), V(High)), V(finding_id) (32 hexadecimal
        characters) and V(investigation_type) (V(FINDING), V(ACCOUNT), V(ORGANIZATION)). Each takes one value or a list.
      - All keys must match. Risk level, confidence, type and finding id are only set once an investigation completes.
      - Needs botocore 1.44.2 or newer.
    type: dict
  exclude_filters:
    description:
      - Leave out investigations whose attribute equals one of the given values. Same keys and values as O(filters).
      - An investigation that has no value for the attribute (for example a RUNNING one for V(risk_level)) is kept.
      - Needs botocore 1.44.2 or newer.
    type: dict
  sort_by:
    description:
      - Attribute to sort the listing by.
      - With O(regions), the listing is one list sorted across the Regions (times by their moment; status, risk level
        and confidence in the API's order of values, for example Info < Low < Medium < High < Critical; items without
        the value last; ties in the order of O(regions)). Without O(sort_by) it is sorted by V(start_time).
    type: str
    choices: [start_time, end_time, status, risk_level, confidence]
  sort_order:
    description:
      - Sort direction. Needs O(sort_by). Without it the service's default order applies.
      - With O(regions) the default is V(desc) (newest first), asked of every Region.
    type: str
    choices: [asc, desc]
  max_results:
    description:
      - Return at most this many listed investigations. Without it every page is followed.
      - With O(regions), at most this many from each Region, then the first this many of the merged list.
    type: int
  details:
    description:
      - Fetch every listed investigation in full with GetInvestigation (summary, scope, times), concurrently.
      - Without it the listing returns the lightweight summaries of ListInvestigations.
      - O(wait=true) while listing implies O(details=true).
    type: bool
    default: false
extends_documentation_fragment:
  - secops.guardduty.investigation
  - secops.guardduty.investigation.regions
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
notes:
  - Required IAM actions are C(guardduty:GetInvestigation), C(guardduty:ListInvestigations),
    C(guardduty:ListInvestigationRecords) (with O(include_records)) and C(guardduty:ListDetectors) (without
    O(detector_id)). See docs/iam.md in the collection for a least-privilege policy.
"""

EXAMPLES = r"""
# Note: These examples do not set authentication details, see the AWS Guide for details.

- name: Get one investigation
  secops.guardduty.guardduty_investigation_info:
    investigation_id: a1b2c3d4-5678-90ab-cdef-ef1234567890
  register: result

- name: Show risk and confidence
  ansible.builtin.debug:
    msg: "{{ result.investigation.risk_level }} ({{ result.investigation.confidence }} confidence)"

- name: Wait until an investigation completes, with the structured summary and its reasoning records
  secops.guardduty.guardduty_investigation_info:
    detector_id: 2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7
    investigation_id: a1b2c3d4-5678-90ab-cdef-ef1234567890
    summary_format: structured
    include_records: true
    wait: true
    wait_timeout: 1200
    wait_sleep: 30
  register: result

- name: Print the recommended actions
  ansible.builtin.debug:
    msg: "{{ result.investigation.summary_data.recommendations | default([]) | map(attribute='title') | list }}"

- name: List completed high and critical investigations of findings, newest first
  secops.guardduty.guardduty_investigation_info:
    filters:
      status: completed
      risk_level: [high, critical]
      investigation_type: finding
    sort_by: start_time
    sort_order: desc
    max_results: 20
  register: urgent

- name: List everything that is not informational, in full
  secops.guardduty.guardduty_investigation_info:
    exclude_filters:
      risk_level: info
    details: true
  register: everything

- name: High and Critical investigations completed in every Region where the API answers, newest first
  secops.guardduty.guardduty_investigation_info:
    regions: all
    filters:
      status: completed
      risk_level: [high, critical]
  register: everywhere

- name: Show where each one is
  ansible.builtin.debug:
    msg: "{{ item.region }} {{ item.account_id }} {{ item.investigation_id }}: {{ item.risk_level }}"
  loop: "{{ everywhere.investigations }}"

- name: Report the Regions that could not be read (each also gave a warning)
  ansible.builtin.debug:
    msg: "{{ item.region }}: {{ item.reason }}"
  loop: "{{ everywhere.region_errors }}"

- name: Wait for investigations started in three Regions; fail when one of the Regions cannot be read
  secops.guardduty.guardduty_investigation_info:
    regions: [us-east-1, eu-west-1, ap-northeast-1]
    investigation_ids: "{{ started_ids }}"
    wait: true
    on_region_error: fail
  register: done_everywhere

- name: Wait for several investigations at once and tolerate failed ones
  secops.guardduty.guardduty_investigation_info:
    investigation_ids: "{{ started_ids }}"
    wait: true
    allow_failed: true
  register: done

- name: Connection settings for this collection and amazon.aws in one place
  module_defaults:
    group/secops.guardduty.guardduty:
      region: eu-west-1
      profile: incident-response
  block:
    - name: Gather the investigations of one finding
      secops.guardduty.guardduty_investigation_info:
        filters:
          finding_id: 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6
"""

RETURN = r"""
detector_id:
  description: The detector that was read (given or discovered).
  returned: success, without O(regions)
  type: str
  sample: 2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7
detector_ids:
  description: The detector found in each Region of O(regions) that has one, by Region.
  returned: with O(regions)
  type: dict
  sample: {"us-east-1": "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"}
regions:
  description: The Regions asked for (V(all) spelled out), in order.
  returned: with O(regions)
  type: list
  elements: str
  sample: [us-east-1, eu-west-1]
region_errors:
  description:
    - The Regions of O(regions) that could not be read; their investigations are missing from the result. Empty when
      every Region was read.
    - With O(on_region_error=warn) each also gave one warning; with O(on_region_error=fail) the task failed.
  returned: with O(regions)
  type: list
  elements: dict
  contains:
    region:
      description: The Region.
      type: str
      sample: eu-central-1
    reason:
      description:
        - What went wrong, one word. V(no_detector) (GuardDuty not enabled there), V(several_detectors),
          V(ai_analysis_not_enabled), V(access_denied), V(unreachable) (no answer after the retries),
          V(server_error) (server errors after the retries), V(rejected) (a request GuardDuty refused) or
          V(api_error).
      type: str
      sample: access_denied
    message:
      description: What went wrong in that Region and what to do about it.
      type: str
investigation:
  description:
    - The investigation, when exactly one id was asked for. Same keys as an element of RV(investigations).
    - With O(regions), only when it was found in exactly one Region.
  returned: when one id was given
  type: dict
investigations:
  description:
    - The investigations, in the order of O(investigation_ids) or of the listing. Empty when a listing matches nothing.
    - With O(regions), one list over every Region read, sorted across them (see O(sort_by)), or in the order of
      O(investigation_ids) (an id found in several Regions in the order of O(regions)).
    - Keys are the API's in snake_case, times are ISO-8601 strings and values are returned exactly as the service
      sent them. Keys the service leaves out (for example the risk level while RUNNING) are absent.
    - Listed without O(details), elements are the lightweight summaries of ListInvestigations (with C(title),
      C(investigation_type), C(finding_id), C(account_id), C(admin_account_id) but no summary).
  returned: always
  type: list
  elements: dict
  contains:
    investigation_id:
      description: The investigation's id.
      type: str
      returned: always
      sample: a1b2c3d4-5678-90ab-cdef-ef1234567890
    region:
      description: The Region the investigation was read in.
      type: str
      returned: with O(regions)
      sample: eu-west-1
    account_id:
      description:
        - The account of the investigation - a member account's for a member's investigation read from the
          administrator account. Listed summaries carry the service's C(account_id); a full investigation without
          one gets the service's C(cloud.account).
      type: str
      returned: when the service names the account
      sample: "123456789012"
    status:
      description: RUNNING, COMPLETED or FAILED.
      type: str
      returned: always
      sample: COMPLETED
    trigger_prompt:
      description: The prompt that started the investigation.
      type: str
      returned: always
      sample: Investigate finding 1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6 in account 123456789012
    triggered_by:
      description: The account that started the investigation.
      type: str
      returned: with full investigations
    risk_level:
      description: Info, Low, Medium, High or Critical.
      type: str
      returned: when COMPLETED
      sample: High
    risk:
      description: A human-readable description of the assessed risk.
      type: str
      returned: when COMPLETED
    confidence:
      description: Unknown, Low, Medium or High.
      type: str
      returned: when COMPLETED
      sample: Medium
    summary:
      description: The text summary (usually a JSON document encoded as a string).
      type: str
      returned: when COMPLETED, unless the structured form was returned
    summary_parsed:
      description: C(summary) parsed, when it is a JSON document. Keys are as the service wrote them.
      type: raw
      returned: when the text summary is JSON
    summary_data:
      description:
        - The structured summary (O(summary_format=structured)). Members depend on the type of investigation,
          for example C(key_observations), C(threat_assessment), C(countermeasures), C(recommendations),
          C(account_analysis), C(organization_analysis).
      type: dict
      returned: when requested and the service has a structured form
    scope:
      description: What was investigated (C(investigation_type), C(finding_id), C(account_id), C(admin_account_id), C(query_time_window)).
      type: dict
      returned: when COMPLETED
    metadata:
      description: The product and version that produced the investigation.
      type: dict
      returned: when the service sends it
    cloud:
      description: Provider, Region and account of the investigated resource.
      type: dict
      returned: when the service sends it
    start_time:
      description: When the investigation started (ISO-8601).
      type: str
      returned: always
      sample: "2026-01-15T11:50:00+00:00"
    end_time:
      description: When the investigation ended (ISO-8601).
      type: str
      returned: when COMPLETED or FAILED
    error:
      description: Why the investigation FAILED.
      type: str
      returned: when FAILED
    records:
      description: The reasoning records (C(record_id), C(type), C(title), C(narrative), C(created_at), C(supporting_data)), oldest first.
      type: list
      elements: dict
      returned: when O(include_records=true)
still_running:
  description: On a wait timeout, the ids that were still RUNNING.
  returned: on wait timeout
  type: list
  elements: str
waited:
  description: On a wait timeout, the seconds waited.
  returned: on wait timeout
  type: float
"""

from ansible_collections.secops.guardduty.plugins.module_utils.modules import GuardDutyModule
from ansible_collections.secops.guardduty.plugins.module_utils.options import LISTING_OPTION_NAMES
from ansible_collections.secops.guardduty.plugins.module_utils.options import READ_ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.module_utils.options import SORT_FIELDS
from ansible_collections.secops.guardduty.plugins.module_utils.read import run_info_module
from ansible_collections.secops.guardduty.plugins.module_utils.regions import ON_REGION_ERROR


def main():
    argument_spec = dict(
        investigation_ids=dict(type="list", elements="str", aliases=["investigation_id", "id"]),
        filters=dict(type="dict"),
        exclude_filters=dict(type="dict"),
        sort_by=dict(type="str", choices=list(SORT_FIELDS)),
        sort_order=dict(type="str", choices=["asc", "desc"]),
        max_results=dict(type="int"),
        details=dict(type="bool", default=False),
        regions=dict(type="list", elements="str"),
        on_region_error=dict(type="str", choices=list(ON_REGION_ERROR), default="warn"),
        **READ_ARGUMENT_SPEC,
    )
    module = GuardDutyModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["investigation_ids", option] for option in LISTING_OPTION_NAMES],
        required_by={"sort_order": "sort_by"},
        supports_check_mode=True,
    )
    run_info_module(module)


if __name__ == "__main__":
    main()
