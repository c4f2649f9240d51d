# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: investigation_markdown
version_added: 0.1.0
author:
  - secops.guardduty contributors (@secops)
short_description: Render a GuardDuty investigation as a Markdown report
description:
  - Renders an Amazon GuardDuty investigation as a Markdown (CommonMark / GitHub-flavoured) report, for tickets,
    chat messages and pull requests.
  - This is the very report the P(secops.guardduty.investigation_report#role) role writes to C(<investigation_id>.md),
    rendered from the same template (C(plugins/plugin_utils/report/templates/report.md.j2)) by the same code.
  - The report shows risk level and confidence at a glance, the summary, the MITRE ATT&CK attack progression,
    countermeasures and recommendations ordered by priority (IMMEDIATE, SHORT_TERM, STRATEGIC) with their CLI commands
    in code blocks, the affected resources, the reasoning records as a timeline, and a note that the content is
    AI-generated and needs human review.
  - Text summaries (a JSON document, as GuardDuty usually writes them) and structured summaries render alike. FINDING,
    ACCOUNT and ORGANIZATION investigations are supported, as well as RUNNING and FAILED ones.
  - Every value from the API is escaped so that it renders as literal text (no HTML, links, images or Markdown
    syntax); terminal control characters, bidirectional controls and zero-width characters are replaced by visible
    placeholders. The result is data, never a template.
seealso:
  - plugin: secops.guardduty.investigation_html
    plugin_type: filter
  - plugin: secops.guardduty.investigation_report_data
    plugin_type: filter
positional: _input
extends_documentation_fragment:
  - secops.guardduty.investigation.filter_input
"""

EXAMPLES = r"""
- name: Wait for the investigation, with its structured summary and reasoning records
  secops.guardduty.guardduty_investigation_info:
    investigation_id: a1b2c3d4-5678-90ab-cdef-ef1234567890
    wait: true
    include_records: true
    summary_format: structured
  register: result

- name: Attach the report to a ticket
  ansible.builtin.uri:
    url: https://tickets.example.com/api/issues/1234/comments
    method: POST
    body_format: json
    body:
      markdown: "{{ result.investigation | secops.guardduty.investigation_markdown }}"

- name: Write the Markdown report next to the playbook (a registered result holding one investigation is enough)
  ansible.builtin.copy:
    content: "{{ result | secops.guardduty.investigation_markdown }}"
    dest: "{{ playbook_dir }}/{{ result.investigation.investigation_id }}.md"
    mode: "0600"
"""

RETURN = r"""
_value:
  description: The Markdown report, ending with a newline.
  type: string
"""

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_markdown
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import filter_module

FilterModule = filter_module("investigation_markdown", render_markdown)
