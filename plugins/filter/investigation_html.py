# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: investigation_html
version_added: 0.1.0
author:
  - secops.guardduty contributors (@secops)
short_description: Render a GuardDuty investigation as a self-contained HTML report
seealso:
  - plugin: secops.guardduty.investigation_markdown
    plugin_type: filter
positional: _input
extends_documentation_fragment:
  - secops.guardduty.investigation.filter_input
description:
  - Renders an Amazon GuardDuty investigation as one self-contained HTML page (inline CSS; no scripts, fonts, images
    or other external assets; a Content-Security-Policy that forbids scripts and remote loads), for e-mail bodies,
    archives and browsers.
  - This is the very report the P(secops.guardduty.investigation_report#role) role writes to
    C(<investigation_id>.html), rendered from the same template (C(plugins/plugin_utils/report/templates/report.html.j2))
    by the same code.
  - The report has the same content as the P(secops.guardduty.investigation_markdown#filter) report, from the same
    report data (P(secops.guardduty.investigation_report_data#filter)).
  - Every value from the API is HTML-escaped (the template is rendered with autoescape), so a summary containing
    C(<script>) shows as text. Terminal control characters, bidirectional controls and zero-width characters are
    replaced by visible placeholders. The result is data, never a template.
"""

EXAMPLES = r"""
- name: Keep the HTML report, the investigation fetched inline by the lookup
  ansible.builtin.copy:
    content: >-
      {{ lookup('secops.guardduty.guardduty_investigation', inv_id, summary_format='structured', include_records=true)
         | secops.guardduty.investigation_html }}
    dest: /var/lib/incident-reports/{{ inv_id }}.html
    mode: "0600"
"""

RETURN = r"""
_value:
  description:
    - The HTML document, ending with a newline.
    - Self-contained (inline CSS, no scripts or remote assets); its Content-Security-Policy forbids scripts and remote loads.
  type: string
"""

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_html
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import filter_module

FilterModule = filter_module("investigation_html", render_html)
