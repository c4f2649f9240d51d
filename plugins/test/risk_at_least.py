# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: risk_at_least
version_added: 0.1.0
author:
  - secops.guardduty contributors (@secops)
short_description: Is a GuardDuty investigation's risk level at or above a threshold
description:
  - Compares the risk level of an Amazon GuardDuty investigation with a threshold in the order
    C(Info) < C(Low) < C(Medium) < C(High) < C(Critical).
  - Accepts an investigation (a dict with C(risk_level), as the secops.guardduty modules and lookup return it; a
    registered module result holding one C(investigation) works too) or a risk level string.
  - Levels are matched without regard to case. An unknown level, as the threshold or as the value, is an error that
    names the valid levels.
  - An investigation without a risk level (still RUNNING, or FAILED) is not at least any level, so the test is
    V(false).
positional: level
options:
  _input:
    description: The investigation (dict) or a risk level (string).
    type: raw
    required: true
  level:
    description: The threshold.
    type: str
    choices: [Info, Low, Medium, High, Critical]
    required: true
"""

EXAMPLES = r"""
- name: Get the investigation, waiting for it to complete
  secops.guardduty.guardduty_investigation_info:
    investigation_id: a1b2c3d4-5678-90ab-cdef-ef1234567890
    wait: true
  register: result

- name: Page the on-call engineer for high and critical risk
  ansible.builtin.debug:
    msg: Escalating {{ result.investigation.investigation_id }}
  when: result.investigation is secops.guardduty.risk_at_least('High')

- name: A risk level string works too
  ansible.builtin.assert:
    that:
      - "'Critical' is secops.guardduty.risk_at_least('high')"
      - "'Low' is not secops.guardduty.risk_at_least('Medium')"

- name: Only the investigations that need attention
  ansible.builtin.set_fact:
    urgent: "{{ investigations | select('secops.guardduty.risk_at_least', 'Medium') }}"
"""

RETURN = r"""
_value:
  description: V(true) when the risk level is the threshold or higher, V(false) otherwise or without a risk level.
  type: boolean
"""

from ansible.errors import AnsibleError

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.errors import ReportError
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.risk import risk_at_least as _risk_at_least


def risk_at_least(value, level):
    try:
        return _risk_at_least(value, level)
    except ReportError as e:
        raise AnsibleError(str(e)) from None


class TestModule:
    def tests(self):
        return {"risk_at_least": risk_at_least}
