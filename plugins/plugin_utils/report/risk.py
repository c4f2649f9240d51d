# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Risk levels in their order (Info < Low < Medium < High < Critical), as the risk_at_least test and the report use them."""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.errors import ReportError

RISK_LEVELS = ("Info", "Low", "Medium", "High", "Critical")


def risk_rank(level, what="risk level"):
    """Position of ``level`` in Info < Low < Medium < High < Critical (case-insensitive); ReportError otherwise."""
    if isinstance(level, str):
        for rank, name in enumerate(RISK_LEVELS):
            if level.strip().lower() == name.lower():
                return rank
    raise ReportError(f"Unknown {what} {level!r}: expected one of {', '.join(RISK_LEVELS)} (ordered from lowest to highest)")


def risk_level_of(value):
    """The risk level of an investigation dict or a risk-level string; None when an investigation has none yet."""
    if isinstance(value, dict):
        level = value.get("risk_level")
        if level is None and "investigation_id" not in value and isinstance(value.get("investigation"), dict):
            level = value["investigation"].get("risk_level")  # a registered module result
        if level is None and "investigation_id" not in value and "investigation" not in value:
            raise ReportError(
                "Expected an investigation (a dict with investigation_id and risk_level, as the secops.guardduty modules "
                f"and lookup return it) or a risk level string; got a dict with keys {', '.join(sorted(map(str, value))) or 'none'}"
            )
        return level if level not in ("", None) else None
    if value is None or isinstance(value, str):
        return value or None
    raise ReportError(f"Expected an investigation (dict) or a risk level string, got {type_name(value)}")


def risk_at_least(value, threshold):
    """True when the risk level of ``value`` is ``threshold`` or higher; False when it has no risk level (yet)."""
    floor = risk_rank(threshold, "risk level threshold")
    level = risk_level_of(value)
    if level is None:
        return False
    return risk_rank(level) >= floor
