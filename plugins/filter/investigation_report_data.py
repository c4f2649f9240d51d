# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: investigation_report_data
version_added: 0.1.0
author:
  - secops.guardduty contributors (@secops)
short_description: A GuardDuty investigation in one report-ready shape, for text and structured summaries alike
description:
  - Returns the data the investigation reports are rendered from (P(secops.guardduty.investigation_markdown#filter),
    P(secops.guardduty.investigation_html#filter) and the P(secops.guardduty.investigation_report#role) role).
  - The summary is read from C(summary_data) (structured form), or else from the text summary when it is a JSON document
    (C(summary_parsed), keys converted to snake_case), so text and structured summaries give the same keys.
    Any other text summary is returned in RV(_value.summary_text).
  - Countermeasure actions (flattened, each with its defense tactic) and recommendations are ordered by priority
    IMMEDIATE, SHORT_TERM, STRATEGIC (then the service's order), and also grouped by priority.
  - Affected resources of all actions and of the account analysis are merged into one list.
  - Values are display text taken from the API, which is written by an AI from attacker-influenced data. Control
    characters, bidirectional controls and zero-width characters are replaced by visible placeholders; nothing else is
    escaped, so escape the values for the format you render them into, and never use them as templates or commands.
positional: _input
extends_documentation_fragment:
  - secops.guardduty.investigation.filter_input
"""

EXAMPLES = r"""
- name: Open one ticket per immediate action
  ansible.builtin.debug:
    msg: "{{ item.title }} ({{ item.defense_tactic }})"
  loop: "{{ (investigation | secops.guardduty.investigation_report_data).actions | selectattr('priority', 'eq', 'IMMEDIATE') }}"

- name: Key observations, whatever the summary format
  ansible.builtin.debug:
    msg: "{{ (investigation | secops.guardduty.investigation_report_data).key_observations.observations | default([]) }}"
"""

RETURN = r"""
_value:
  description: The report data. Times are formatted as C(YYYY-MM-DD HH:MM:SS UTC).
  type: dict
  contains:
    investigation_id:
      description: The investigation's id.
      type: str
    status:
      description: RUNNING, COMPLETED or FAILED.
      type: str
    risk_level:
      description: Info, Low, Medium, High or Critical; V(null) until the investigation completes.
      type: str
    risk_rank:
      description: Position of the risk level in Info (0) < Low < Medium < High < Critical (4); V(null) without one.
      type: int
    confidence:
      description: Unknown, Low, Medium or High; V(null) until the investigation completes.
      type: str
    risk:
      description: The service's description of the risk.
      type: str
    investigation_type:
      description: FINDING, ACCOUNT or ORGANIZATION (from the scope), when reported.
      type: str
    summary_source:
      description: V(structured), V(text) (the text summary), or V(null) when there is no summary.
      type: str
    summary_text:
      description: A text summary that is not a recognised JSON document (shown as is), otherwise V(null).
      type: str
    key_observations:
      description: C(title), C(narrative) and C(observations) (a list), or V(null).
      type: dict
    attack_progression:
      description:
        - MITRE ATT&CK phases, each with C(phase), C(description) and C(attacks).
        - Each attack has C(tactic) and C(technique) (C(name), C(uid) and C(url), the ATT&CK page of a well-formed
          id) and C(findings) (C(finding_type), C(uid)).
      type: list
      elements: dict
    threat_actor_profile:
      description: The threat actor profile, when given.
      type: str
    actions:
      description:
        - Countermeasure actions ordered by priority, each with C(title), C(description), C(priority),
          C(priority_label), C(defense_tactic), C(countermeasure) (the countermeasure's description),
          C(defense_technique), C(mitigates), C(disposition), C(cli_commands) and C(affected_resources).
        - A priority the service did not give (or not one of the three) is V(UNSPECIFIED) and sorts last.
      type: list
      elements: dict
    action_groups:
      description: The actions grouped by priority, each group with C(priority), C(label) and C(entries).
      type: list
      elements: dict
    recommendations:
      description:
        - Recommendations ordered by priority, each with C(title), C(rationale), C(category), C(priority),
          C(priority_label) and C(cli_commands).
      type: list
      elements: dict
    recommendation_groups:
      description: The recommendations grouped by priority, like RV(_value.action_groups).
      type: list
      elements: dict
    affected_resources:
      description: Affected resources (C(type), C(identifier), C(arn), C(finding_count), C(actions)), merged.
      type: list
      elements: dict
    account_analysis:
      description: Findings summary and tactic coverage of an ACCOUNT investigation, or V(null).
      type: dict
    organization_analysis:
      description: Findings summary and account breakdown of an ORGANIZATION investigation, or V(null).
      type: dict
    records:
      description:
        - The reasoning records as a timeline (C(time), C(type), C(title), C(narrative), C(detail)), oldest first.
        - V(null) when the investigation was fetched without records.
      type: list
      elements: dict
    ai_notice:
      description: The note that the content is AI-generated and needs human review.
      type: str
"""

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.data import report_data
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import filter_module

FilterModule = filter_module("investigation_report_data", report_data)
