# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""docs/iam/contain-*.json and dispose-*.json are what the engine and the action types declare (tests/utils/iam_docs.py
writes them); tests/integration/test_contain_calls.py and test_dispose_calls.py check every call made against them."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import iam
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import DISPOSE_TYPES
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES

DOCS = os.path.join(os.path.dirname(__file__), *[os.pardir] * 5, "docs", "iam")


@pytest.mark.parametrize("kind", iam.KINDS)
@pytest.mark.parametrize("mode", iam.MODES)
def test_the_policy_files_are_the_declared_ones(kind, mode):
    with open(os.path.join(DOCS, f"{kind}-{mode}.json"), encoding="utf-8") as f:
        text = f.read()
    assert text == iam.policy_text(mode, kind), (f"docs/iam/{kind}-{mode}.json is not what the action types declare: run "
                                                 '`eval "$(scripts/env)" && python tests/utils/iam_docs.py`')


def test_the_disposition_asks_for_what_it_calls_and_nothing_of_containment():
    assert iam.actions("plan", "dispose") == {"guardduty:ListDetectors", "guardduty:GetInvestigation", "guardduty:ListInvestigationRecords",
                                              "guardduty:GetFindings", "guardduty:ListFilters", "guardduty:GetFilter", "securityhub:GetFindings"}
    assert iam.actions("apply", "dispose") - iam.actions("plan", "dispose") == {
        "guardduty:ArchiveFindings", "guardduty:UnarchiveFindings", "guardduty:UpdateFindingsFeedback", "guardduty:CreateFilter",
        "guardduty:UpdateFilter", "securityhub:BatchUpdateFindings"}
    assert iam.actions("rollback", "dispose") - iam.actions("plan", "dispose") == {
        "guardduty:UnarchiveFindings", "guardduty:DeleteFilter", "securityhub:BatchUpdateFindings"}
    resources = [s["Resource"] for s in iam.policy("apply", "dispose")["Statement"]]
    assert "*" not in resources  # every change is on the account's detectors, filters and hub


def test_every_type_declares_each_mode_and_regional_statements_are_limited_to_the_region():
    for name, kind in list(TYPES.items()) + list(DISPOSE_TYPES.items()):
        assert set(kind.iam) == set(iam.MODES), name
        assert kind.iam["plan"], f"{name} reads something"
    for mode in iam.MODES:
        for statement in iam.policy(mode)["Statement"]:
            assert statement["Action"] and all(":" in action for action in statement["Action"])
            if statement["Resource"] == "*" and not statement["Action"][0].startswith(("iam:", "s3:", "sts:", "guardduty:")):
                assert statement["Condition"] == {"StringEquals": {"aws:RequestedRegion": "REGION"}}, statement["Sid"]


def test_a_statement_two_types_share_is_one_statement():
    sids = [s["Sid"] for s in iam.policy("plan")["Statement"]]
    assert len(sids) == len(set(sids))
    assert json.loads(iam.policy_text("apply"))["Statement"] == iam.policy("apply")["Statement"]
