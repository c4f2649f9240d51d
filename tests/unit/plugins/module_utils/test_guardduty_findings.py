# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""guardduty_findings: the steps the guardduty_finding module and the disposition engine share."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import apply_finding_changes
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import batch_size
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import check_finding_ids
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import finding_state
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import plan_finding_changes
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import planned_states

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"

A, B, C = "a" * 32, "b" * 32, "c" * 32


def test_ids_are_checked_spelled_and_deduplicated():
    assert check_finding_ids([A.upper(), f" {B} ", A]) == [A, B]
    with pytest.raises(GuardDutyError, match=r"Invalid finding_ids: 'x', 'y', 'z', 'u', 'v' and 2 more; a GuardDuty finding id is 32 hexadecimal"):
        check_finding_ids(["x", "y", "z", "u", "v", "w", "g" * 32])


def test_the_batch_size_is_the_models_maximum(stubbed):
    client, _stub = stubbed
    assert [batch_size(client, operation) for operation in ("GetFindings", "ArchiveFindings", "UnarchiveFindings", "UpdateFindingsFeedback")] == [50] * 4


def test_state_plan_and_planned_states():
    states = {A: finding_state({"Service": {"Archived": False}}), B: finding_state({"Service": {"Archived": True, "UserFeedback": "USEFUL"}}),
              C: finding_state({"Service": {"UserFeedback": "SOMETHING_NEW"}})}
    assert states == {A: {"archived": False, "feedback": None}, B: {"archived": True, "feedback": "useful"},
                      C: {"archived": False, "feedback": "SOMETHING_NEW"}}
    plan = plan_finding_changes(states, archived=False, feedback="useful")
    assert plan == {"archive": [], "unarchive": [B], "feedback": [A, C], "feedback_value": "useful"}
    assert planned_states(states, plan) == {A: {"archived": False, "feedback": "useful"}, B: {"archived": False, "feedback": "useful"},
                                            C: {"archived": False, "feedback": "useful"}}
    assert states[B]["archived"] is True  # planned_states copies
    assert plan_finding_changes(states) == {"archive": [], "unarchive": [], "feedback": [], "feedback_value": None}


def test_apply_calls_each_operation_in_batches_and_says_what_it_did(stubbed):
    client, stub = stubbed
    ids = [f"{index:032x}" for index in range(60)]
    stub.add_response("update_findings_feedback", {}, {"DetectorId": DETECTOR, "FindingIds": ids[:50], "Feedback": "NOT_USEFUL", "Comments": "c"})
    stub.add_response("update_findings_feedback", {}, {"DetectorId": DETECTOR, "FindingIds": ids[50:], "Feedback": "NOT_USEFUL", "Comments": "c"})
    stub.add_response("archive_findings", {}, {"DetectorId": DETECTOR, "FindingIds": [A]})
    done = apply_finding_changes(client, DETECTOR, {"archive": [A], "unarchive": [], "feedback": ids, "feedback_value": "not_useful"}, comment="c")
    calls = [(item["operation"], len(item["finding_ids"])) for item in done]
    assert calls == [("UpdateFindingsFeedback", 50), ("UpdateFindingsFeedback", 10), ("ArchiveFindings", 1)]
