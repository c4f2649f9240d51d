# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""guardduty_filters: the criteria a caller gives -> the API's FindingCriteria, and what differs from a filter read."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import criteria_result
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import filter_changes
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import filter_criteria
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import wanted_filter


@pytest.mark.parametrize("given,sent", [
    ({"type": {"equals": "Recon:EC2/Portscan"}}, {"type": {"Equals": ["Recon:EC2/Portscan"]}}),
    ({"severity": {"Eq": [7, 8.0, 8.5]}}, {"severity": {"Equals": ["7", "8", "8.5"]}}),
    ({"service.archived": {"NOT_EQUALS": True}}, {"service.archived": {"NotEquals": ["true"]}}),
    ({"severity": {"gte": "4", "lessThan": 7}}, {"severity": {"GreaterThanOrEqual": 4, "LessThan": 7}}),
    ({"updatedAt": {"greater_than": "2026-12-01T00:00:00Z"}}, {"updatedAt": {"GreaterThan": 1796083200000}}),
    ({"resource.instanceDetails.tags.value": {"matches": "prod-*", "not_matches": ["prod-scanner*"]}},
     {"resource.instanceDetails.tags.value": {"Matches": ["prod-*"], "NotMatches": ["prod-scanner*"]}}),
    ({"criterion": {"accountId": {"Neq": ["111122223333"]}}}, {"accountId": {"NotEquals": ["111122223333"]}}),
])
def test_criteria_are_sent_with_the_current_operator_names(stubbed, given, sent):
    client, _stub = stubbed
    assert filter_criteria(client, given) == {"Criterion": sent}


def test_one_message_names_everything_that_is_wrong(stubbed):
    client, _stub = stubbed
    with pytest.raises(GuardDutyError) as exc:
        filter_criteria(client, {"Type": {"equals": "x"}, "severity": {"between": [1, 2], "gt": 1.5}, "accountId": {"equals": [None]}})
    message = exc.value.message
    assert message.startswith("Invalid criteria, nothing was called: unknown criterion field 'Type' (did you mean 'type'?); ")
    for part in ("severity: unknown operator 'between'", "severity.greater_than: 1.5 is not a whole number",
                 "accountId.equals: None is not a value", "valid operators: equals, greater_than"):
        assert part in message
    assert exc.value.reason == "invalid"


def test_the_same_filter_read_back_in_another_spelling_does_not_differ(stubbed):
    client, _stub = stubbed
    current = {"Name": "n", "Action": "ARCHIVE", "Rank": 2, "FindingCriteria": {"Criterion": {
        "type": {"Eq": ["b", "a"]}, "severity": {"Lt": 4, "LessThan": 4}}}}
    wanted = wanted_filter(client, action="archive", criteria={"type": {"equals": ["a", "b"]}, "severity": {"less_than": 4}})
    assert filter_changes(current, wanted) == {}
    assert filter_changes(current, dict(wanted, Rank=1, Description="")) == {"Rank": 1}
    assert filter_changes(current, {"Description": "now"}) == {"Description": "now"}
    assert criteria_result(current["FindingCriteria"]) == {"type": {"equals": ["b", "a"]}, "severity": {"less_than": 4}}


def test_different_values_or_another_operator_differ(stubbed):
    client, _stub = stubbed
    current = {"FindingCriteria": {"Criterion": {"type": {"Equals": ["a"]}}}}
    for criteria in ({"type": {"equals": ["a", "b"]}}, {"type": {"not_equals": "a"}}, {"type": {"equals": "a"}, "region": {"equals": "us-east-1"}}):
        wanted = wanted_filter(client, criteria=criteria)
        assert filter_changes(current, wanted) == wanted
