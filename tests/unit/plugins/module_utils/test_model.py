# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""model.py: one finding-id pattern, one time parser, the summary in one shape, one walk of the affected resources."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.model import affected_resources
from ansible_collections.secops.guardduty.plugins.module_utils.model import as_dict
from ansible_collections.secops.guardduty.plugins.module_utils.model import as_list
from ansible_collections.secops.guardduty.plugins.module_utils.model import countermeasure_actions
from ansible_collections.secops.guardduty.plugins.module_utils.model import epoch
from ansible_collections.secops.guardduty.plugins.module_utils.model import finding_ids_in
from ansible_collections.secops.guardduty.plugins.module_utils.model import normalize
from ansible_collections.secops.guardduty.plugins.module_utils.model import normalize_investigation
from ansible_collections.secops.guardduty.plugins.module_utils.model import parse_time
from ansible_collections.secops.guardduty.plugins.module_utils.model import summary_of
from ansible_collections.secops.guardduty.plugins.module_utils.model import validate_finding_id

FID = "0123456789abcdef0123456789abcdef"
UTC = datetime.timezone.utc


# ---------------------------------------------------------------- finding ids: the validator and the text scan agree


@pytest.mark.parametrize("text", [FID, FID.upper(), f" {FID} "])
def test_a_finding_id_in_any_case_is_valid_and_found_in_text(text):
    assert validate_finding_id(text) == FID
    assert finding_ids_in(f"Investigate finding {text}") == [FID]


@pytest.mark.parametrize("text", ["a" * 64, FID + "0", FID[:-1], "g" * 32])
def test_a_longer_or_shorter_hex_run_is_no_finding_id_anywhere(text):
    with pytest.raises(GuardDutyError) as err:
        validate_finding_id(text)
    assert err.value.reason == "invalid"
    assert finding_ids_in(f"Investigate finding {text}") == []


def test_finding_ids_in_text_keep_order_without_repeats():
    other = "f" * 32
    assert finding_ids_in(f"{other} and {FID.upper()} and {other}") == [other, FID]
    assert finding_ids_in(None) == []


# ---------------------------------------------------------------- times


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-01T09:57:01.123Z",
        "2026-12-01T09:57:01.123+00:00",
        datetime.datetime(2026, 12, 1, 9, 57, 1, 123000, tzinfo=UTC),
        datetime.datetime(2026, 12, 1, 9, 57, 1, 123000),  # naive: UTC
        1796119021.123,
    ],
)
def test_every_spelling_of_a_time_parses_to_the_same_moment(value):
    moment = parse_time(value)
    assert moment == datetime.datetime(2026, 12, 1, 9, 57, 1, 123000, tzinfo=UTC)
    assert epoch(value) == pytest.approx(1796119021.123)


def test_no_time_is_none_and_other_values_are_refused():
    assert parse_time(None) is None and parse_time("") is None and epoch(None) is None
    with pytest.raises(ValueError):
        parse_time(["not", "a", "time"])


def test_normalize_snake_cases_every_depth_but_keeps_map_values():
    raw = {"Outer": [{"InnerKey": 1, "Tags": {"KeepMe": "x"}}], "When": datetime.datetime(2026, 1, 1, tzinfo=UTC)}
    assert normalize(raw, keep=("Tags",)) == {"outer": [{"inner_key": 1, "tags": {"KeepMe": "x"}}], "when": "2026-01-01T00:00:00+00:00"}


# ---------------------------------------------------------------- the summary and the resources


SUMMARY = {
    "countermeasures": [
        {
            "defense_tactic": "Isolate",
            "actions": [
                {"title": "Quarantine", "affected_resources": [{"type": "EC2_INSTANCE", "identifier": "i-0123456789abcdef0", "arn": None}, "junk"]},
                "not an action",
            ],
        }
    ],
    "account_analysis": {"affected_resources": [{"type": "IAM_USER", "identifier": "mallory", "finding_count": 3}]},
}


def test_summary_of_structured_text_json_and_plain_text():
    assert summary_of({"summary_data": SUMMARY}) == (SUMMARY, "structured", None)
    camel = {"keyObservations": {"title": "t"}}
    assert summary_of({"summary": json.dumps(camel), "summary_parsed": camel}) == ({"key_observations": {"title": "t"}}, "text", None)
    assert summary_of({"summary": json.dumps(camel)}) == ({"key_observations": {"title": "t"}}, "text", None)  # parsed here too
    other = {"something": "else"}
    assert summary_of({"summary": json.dumps(other), "summary_parsed": other}) == (None, "text", json.dumps(other, indent=2, sort_keys=True))
    assert summary_of({"summary": "plain words"}) == (None, "text", "plain words")
    assert summary_of({}) == (None, None, None)


def test_countermeasure_actions_skip_what_is_not_a_dict_and_say_where_each_is():
    (action,) = countermeasure_actions(SUMMARY)
    assert action["path"] == "summary_data.countermeasures[0].actions[0]"
    assert action["action"]["title"] == "Quarantine" and action["group"]["defense_tactic"] == "Isolate"
    assert [r["path"] for r in action["resources"]] == ["summary_data.countermeasures[0].actions[0].affected_resources[0]"]


def test_affected_resources_walk_countermeasures_account_analysis_and_records_once():
    investigation = {
        "summary_data": SUMMARY,
        "records": [
            {"supporting_data": {"observation": {"resource": {"resource_type": "S3_BUCKET", "uid": "bucket-one"},
                                                 "representative_resources": [{"resource_type": "IAM_ROLE", "identifier": "r"}]}}},
            "junk",
        ],
    }
    found = affected_resources(investigation)
    assert [(r["type"], r["identifier"], r["path"]) for r in found] == [
        ("EC2_INSTANCE", "i-0123456789abcdef0", "summary_data.countermeasures[0].actions[0].affected_resources[0]"),
        ("IAM_USER", "mallory", "summary_data.account_analysis.affected_resources[0]"),
        ("S3_BUCKET", "bucket-one", "records[0].supporting_data.observation.resource"),
        ("IAM_ROLE", "r", "records[0].supporting_data.observation.representative_resources[0]"),
    ]
    assert found[0]["action"]["action"]["title"] == "Quarantine" and found[1]["action"] is None
    assert found[1]["finding_count"] == 3


@pytest.mark.parametrize("value", [1e20, "1e20", "not a time at all", float("nan")])
def test_an_unreadable_time_is_a_value_error(value):
    with pytest.raises(ValueError):
        parse_time(value)


def test_as_dict_and_as_list_read_members_of_any_type():
    assert as_dict({"a": 1}) == {"a": 1} and as_dict(["a"]) == {} and as_dict(None) == {}
    assert as_list([1]) == [1] and as_list({"items": [2]}) == [2] and as_list({"items": "x"}) == [] and as_list("ab") == []


def test_an_investigation_carries_the_account_it_is_of():
    """A member's investigation read from the administrator (GetInvestigation names the account only in Cloud.Account)
    carries account_id, as the listing's AccountId gives it; a value the service sent is never replaced."""
    got = normalize_investigation({"InvestigationId": "a", "Cloud": {"Provider": "AWS", "Region": "eu-west-1", "Account": "111122223333"}})
    assert got["account_id"] == "111122223333" and got["cloud"]["account"] == "111122223333"
    listed = normalize_investigation({"InvestigationId": "a", "AccountId": "444455556666", "Cloud": {"Account": "111122223333"}})
    assert listed["account_id"] == "444455556666"
    assert "account_id" not in normalize_investigation({"InvestigationId": "a", "Cloud": {"Account": None}})
    assert "account_id" not in normalize_investigation({"InvestigationId": "a", "Cloud": "not a map"})
