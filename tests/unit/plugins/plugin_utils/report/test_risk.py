# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Risk levels in their order: risk_rank and risk_at_least."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.errors import ReportError
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.risk import risk_at_least
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.risk import risk_rank


def test_risk_rank_orders_levels_case_insensitively():
    assert [risk_rank(level) for level in ("info", "LOW", "Medium", "high", "Critical")] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("level", ["Severe", "", None, 3])
def test_risk_rank_rejects_unknown_levels_naming_the_valid_ones(level):
    with pytest.raises(ReportError, match="expected one of Info, Low, Medium, High, Critical"):
        risk_rank(level)


@pytest.mark.parametrize(
    "value, threshold, expected",
    [
        ("High", "High", True),
        ("Critical", "high", True),
        ("Medium", "High", False),
        ("Info", "Info", True),
        ({"investigation_id": "x", "risk_level": "Critical"}, "Medium", True),
        ({"investigation_id": "x", "risk_level": "Low"}, "Medium", False),
        ({"investigation_id": "x", "status": "RUNNING"}, "Info", False),  # no risk level yet
        ({"changed": False, "investigation": {"investigation_id": "x", "risk_level": "High"}}, "High", True),  # registered result
        (None, "Low", False),
        ("", "Low", False),
    ],
)
def test_risk_at_least(value, threshold, expected):
    assert risk_at_least(value, threshold) is expected


def test_risk_at_least_rejects_an_unknown_threshold_before_looking_at_the_value():
    with pytest.raises(ReportError, match="Unknown risk level threshold 'Severe'"):
        risk_at_least({"investigation_id": "x", "status": "RUNNING"}, "Severe")


def test_risk_at_least_rejects_an_unknown_value_level():
    with pytest.raises(ReportError, match="Unknown risk level 'Extreme'"):
        risk_at_least("Extreme", "High")


@pytest.mark.parametrize("value", [["High"], 4, {"foo": "bar"}])
def test_risk_at_least_rejects_what_is_not_an_investigation(value):
    with pytest.raises(ReportError, match="Expected an investigation"):
        risk_at_least(value, "High")
