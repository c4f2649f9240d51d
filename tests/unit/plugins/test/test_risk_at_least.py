# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The risk_at_least test as runbooks use it: `when: inv is secops.guardduty.risk_at_least('High')`."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import test_loader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template  # ansible-core >= 2.19: only trusted strings are templates
except ImportError:  # ansible-core < 2.19: every string given to the templar is a template

    def trust_as_template(value):
        return value


LEVELS = ["Info", "Low", "Medium", "High", "Critical"]


def evaluate(expression, **variables):
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(expression))


def investigation(level):
    return {"investigation_id": "a1b2c3d4-5678-90ab-cdef-ef1234567890", "status": "COMPLETED", "risk_level": level}


@pytest.mark.parametrize("value", LEVELS)
@pytest.mark.parametrize("threshold", LEVELS)
def test_ordering_info_low_medium_high_critical(value, threshold):
    expected = LEVELS.index(value) >= LEVELS.index(threshold)
    assert evaluate("{{ inv is secops.guardduty.risk_at_least(level) }}", inv=investigation(value), level=threshold) is expected
    assert evaluate("{{ value is secops.guardduty.risk_at_least(level) }}", value=value, level=threshold) is expected


def test_levels_are_matched_without_regard_to_case():
    assert evaluate("{{ 'CRITICAL' is secops.guardduty.risk_at_least('high') }}") is True
    assert evaluate("{{ 'low' is not secops.guardduty.risk_at_least('MEDIUM') }}") is True


def test_investigation_without_a_risk_level_is_not_at_least_any_level():
    running = {"investigation_id": "e5f6a7b8-9012-34ef-0123-ef5678901234", "status": "RUNNING"}
    assert evaluate("{{ inv is secops.guardduty.risk_at_least('Info') }}", inv=running) is False


def test_registered_module_result_works_as_the_investigation():
    result = {"changed": True, "reused": False, "investigation": investigation("High")}
    assert evaluate("{{ result is secops.guardduty.risk_at_least('High') }}", result=result) is True


def test_select_keeps_the_investigations_at_or_above_the_level():
    invs = [dict(investigation(level), investigation_id=level) for level in LEVELS]
    selected = evaluate("{{ invs | select('secops.guardduty.risk_at_least', 'High') | map(attribute='investigation_id') | list }}", invs=invs)
    assert selected == ["High", "Critical"]


@pytest.mark.parametrize(
    "expression, message",
    [
        ("{{ inv is secops.guardduty.risk_at_least('Severe') }}", "Unknown risk level threshold 'Severe': expected one of Info, Low, Medium, High, Critical"),
        ("{{ 'Extreme' is secops.guardduty.risk_at_least('High') }}", "Unknown risk level 'Extreme': expected one of Info, Low, Medium, High, Critical"),
        ("{{ ['High'] is secops.guardduty.risk_at_least('High') }}", "Expected an investigation \\(dict\\) or a risk level string, got list"),
        ("{{ {'id': 'x'} is secops.guardduty.risk_at_least('High') }}", "Expected an investigation .* got a dict with keys id"),
    ],
)
def test_bad_input_gets_one_clear_error(expression, message):
    with pytest.raises(AnsibleError, match=message):
        evaluate(expression, inv=investigation("High"))


def test_plugin_is_loadable_by_its_fqcn():
    assert test_loader.get("secops.guardduty.risk_at_least").j2_function("High", "Medium") is True
