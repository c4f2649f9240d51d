# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the report and containment faces share about the investigation data a playbook gives them."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import InvestigationDataError
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import PRIORITIES
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import as_filter
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import investigation_in
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import plain
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.errors import ReportError

INV = {"investigation_id": "a1b2c3d4-5678-90ab-cdef-ef1234567890", "status": "COMPLETED"}


@pytest.mark.parametrize(
    "value, expected",
    [({}, "dict"), ([], "list"), ((), "list"), ("", "str"), (True, "bool"), (1, "int"), (1.5, "float"), (None, "NoneType")],
)
def test_type_name_says_what_a_playbook_author_calls_it(value, expected):
    assert type_name(value) == expected


def test_plain_copies_into_plain_types():
    class Other:
        def __str__(self):
            return "other"

    value = {1: ("a", Other(), None, True, 2.5, {"k": [Other()]})}
    assert plain(value) == {"1": ["a", "other", None, True, 2.5, {"k": ["other"]}]}


def test_investigation_in_finds_the_investigation_of_a_registered_result():
    assert investigation_in(INV) is INV
    assert investigation_in({"changed": False, "investigation": INV}) is INV
    assert investigation_in({"investigations": [INV]}) is INV


@pytest.mark.parametrize(
    "value, message",
    [
        ({"investigations": [INV, INV], "msg": ""}, "got a dict with keys investigations, msg"),
        ({}, "got a dict with keys none"),
        ("a1b2c3d4-5678-90ab-cdef-ef1234567890", r"Expected an investigation \(a dict with investigation_id\), got str"),
    ],
)
def test_investigation_in_refuses_anything_else_saying_what_was_given(value, message):
    with pytest.raises(InvestigationDataError, match=message):
        investigation_in(value)


def test_as_filter_turns_the_shared_error_and_its_subclasses_into_the_filter_error():
    def fail(value):
        raise ReportError(f"cannot use {value}")

    face = as_filter(fail, AnsibleFilterError)
    assert face.__name__ == "fail"
    with pytest.raises(AnsibleFilterError, match="cannot use x"):
        face("x")
    assert as_filter(investigation_in, AnsibleFilterError)(INV) == INV


def test_priorities_are_most_urgent_first():
    assert PRIORITIES == ("IMMEDIATE", "SHORT_TERM", "STRATEGIC")
