# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""securityhub: identifiers, the note's limit, what differs, and how updates are grouped into calls."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import CUT_MARKER
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import fit_note
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import guardduty_identifier
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import hub_state
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import hub_update
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import plan_hub_updates

FINDING = "a" * 32


def test_the_identifier_comes_from_the_findings_own_arn():
    member = f"arn:aws:guardduty:eu-west-1:111122223333:detector/{'f' * 32}/finding/{FINDING}"
    assert guardduty_identifier({"Id": FINDING, "Arn": member}) == {"Id": member, "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/guardduty"}
    china = f"arn:aws-cn:guardduty:cn-north-1:123456789012:detector/{'f' * 32}/finding/{FINDING}"
    assert guardduty_identifier({"Id": FINDING, "Arn": china})["ProductArn"] == "arn:aws-cn:securityhub:cn-north-1::product/aws/guardduty"
    with pytest.raises(GuardDutyError, match="an ARN this collection cannot read"):
        guardduty_identifier({"Id": FINDING, "Arn": "arn:aws:s3:::bucket"})


@pytest.mark.parametrize("length,cut", [(511, False), (512, False), (513, True), (5000, True)])
def test_the_note_keeps_securityhubs_limit(length, cut):
    note, was_cut = fit_note("n" * length, "me")
    assert was_cut is cut and len(note["Text"]) == min(length, 512) and note["UpdatedBy"] == "me"
    assert note["Text"].endswith(CUT_MARKER) is cut


def test_only_what_differs_is_updated():
    state = hub_state({"Workflow": {"Status": "NEW"}, "VerificationState": "UNKNOWN", "Note": {"Text": "t", "UpdatedBy": "me", "UpdatedAt": "x"},
                       "UserDefinedFields": {"a": "1"}})
    note, _cut = fit_note("t", "me")
    assert hub_update(state, "NEW", "UNKNOWN", note, {"a": "1"}) == {}
    assert hub_update(state, "SUPPRESSED", "UNKNOWN", fit_note("t", "you")[0], {"b": "2"}) == {
        "Workflow": {"Status": "SUPPRESSED"}, "Note": {"Text": "t", "UpdatedBy": "you"}, "UserDefinedFields": {"a": "1", "b": "2"}}


def test_updates_are_grouped_by_what_they_set_at_most_100_per_call():
    same = {"Workflow": {"Status": "RESOLVED"}}
    updates = {(f"id-{index}", "product"): dict(same) for index in range(250)}
    updates[("other", "product")] = {"Workflow": {"Status": "NOTIFIED"}}
    updates[("nothing", "product")] = {}
    plan = plan_hub_updates(updates)
    assert [(call["update"], len(call["identifiers"])) for call in plan] == [(same, 100), (same, 100), (same, 50),
                                                                             ({"Workflow": {"Status": "NOTIFIED"}}, 1)]
    assert plan[0]["identifiers"][0] == {"Id": "id-0", "ProductArn": "product"}
