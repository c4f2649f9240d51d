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
positional: _input
options:
  _input:
    description:
      - An investigation as returned by M(secops.guardduty.guardduty_investigation_info) (C(investigation) or an
        element of C(investigations)), M(secops.guardduty.guardduty_investigation) (C(investigation)) or the
        P(secops.guardduty.guardduty_investigation#lookup) lookup.
      - A registered result of one of those modules that holds exactly one investigation is accepted too.
      - Fetch it with O(secops.guardduty.guardduty_investigation_info#module:summary_format=structured) and
        O(secops.guardduty.guardduty_investigation_info#module:include_records=true) for the richest report.
    type: dict
    required: true
seealso:
  - plugin: secops.guardduty.investigation_html
    plugin_type: filter
  - plugin: secops.guardduty.investigation_report_data
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Get a finished investigation with its structured summary and reasoning records
  secops.guardduty.guardduty_investigation_info:
    investigation_id: a1b2c3d4-5678-90ab-cdef-ef1234567890
    summary_format: structured
    include_records: true
  register: result

- name: Attach the report to a ticket
  ansible.builtin.uri:
    url: https://tickets.example.com/api/issues/1234/comments
    method: POST
    body_format: json
    body:
      markdown: "{{ result.investigation | secops.guardduty.investigation_markdown }}"

- name: Write the Markdown report next to the playbook
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

from ansible.errors import AnsibleFilterError

from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import as_filter
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_markdown


class FilterModule:
    def filters(self):
        return {"investigation_markdown": as_filter(render_markdown, AnsibleFilterError)}
