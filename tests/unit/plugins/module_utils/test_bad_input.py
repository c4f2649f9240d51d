# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bad-input table: every mistake a user can make in the options, with its exact message, and no API call
(the Stubber has no answer queued, so any call would raise). Plus the messages of errors the API gives back:
an unknown detector, and retries exhausted (each names the operation)."""

from __future__ import annotations

import botocore.exceptions
import pytest

from ansible_collections.amazon.aws.plugins.module_utils.botocore import botocore_at_least

from ansible_collections.secops.guardduty.plugins.module_utils import start as start_mod
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.read import gather
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader
from ansible_collections.secops.guardduty.plugins.module_utils.errors import api_error
from ansible_collections.secops.guardduty.plugins.module_utils.options import validate_investigation_ids

from .conftest import DETECTOR

INV = "d4e5f6a7-8901-23de-f012-ef4567890123"
FINDING = "1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
ID_EXAMPLE = (
    "; a valid id looks like a1b2c3d4-5678-90ab-cdef-ef1234567890 (the investigation_id that guardduty_investigation, "
    "guardduty_investigation_info or the lookup return)"
)
ID_RULE = r"it must be matching [a-fA-F0-9\-]+" + ID_EXAMPLE
NO_IDS = "No investigation id was given: give at least one (investigation_ids, or the lookup's terms)"
WAIT_ORDER = "the wait would end before the first poll; lower wait_sleep or raise wait_timeout"
ONE_OF = "Give exactly one of finding_id, account_id, organization=true or trigger_prompt"
FILTER_KEYS = "valid keys are: status, risk_level, confidence, finding_id, investigation_type"

READ_CASES = [
    # ids
    ({"investigation_ids": ["not/an-id"]}, f"Invalid investigation id 'not/an-id': {ID_RULE}"),
    ({"investigation_ids": ["g" * 36]}, f"Invalid investigation id '{'g' * 36}': {ID_RULE}"),
    ({"investigation_ids": [""]}, "Invalid investigation id '': it must be at least 1 character and matching [a-fA-F0-9\\-]+" + ID_EXAMPLE),
    ({"investigation_ids": ["a" * 65]}, f"Invalid investigation id '{'a' * 65}': it must be at most 64 characters{ID_EXAMPLE}"),
    ({"investigation_ids": ["b" * 100]}, f"Invalid investigation id '{'b' * 77}...': it must be at most 64 characters{ID_EXAMPLE}"),
    ({"investigation_ids": [INV, "nope!"]}, f"Invalid investigation id 'nope!': {ID_RULE}"),
    ({"investigation_ids": []}, NO_IDS),
    ({"investigation_ids": [INV], "detector_id": "d" * 301}, f"Invalid detector_id '{'d' * 77}...': it must be at most 300 characters"),
    # filters
    ({"filters": {"severity": "high"}}, f"Unknown key 'severity' in filters; {FILTER_KEYS}"),
    ({"exclude_filters": {"Status": "running"}}, f"Unknown key 'Status' in exclude_filters; {FILTER_KEYS}"),
    ({"filters": {"status": "done"}}, "Invalid value 'done' for filters.status; valid values are: RUNNING, COMPLETED, FAILED"),
    ({"filters": {"risk_level": ["high", "severe"]}}, "Invalid value 'severe' for filters.risk_level; valid values are: Info, Low, Medium, High, Critical"),
    ({"exclude_filters": {"confidence": "sure"}}, "Invalid value 'sure' for exclude_filters.confidence; valid values are: Unknown, Low, Medium, High"),
    (
        {"filters": {"investigation_type": "host"}},
        "Invalid value 'host' for filters.investigation_type; valid values are: FINDING, ACCOUNT, ORGANIZATION",
    ),
    ({"filters": {"finding_id": "xyz"}}, "Invalid filters.finding_id value 'xyz': a GuardDuty finding id is 32 hexadecimal characters"),
    ({"filters": {"status": []}}, "filters.status is an empty list: give at least one value or remove the key"),
    ({"exclude_filters": {"risk_level": []}}, "exclude_filters.risk_level is an empty list: give at least one value or remove the key"),
    # waiting
    ({"investigation_ids": [INV], "wait_timeout": 0}, "wait_timeout must be a positive number of seconds, got 0"),
    ({"investigation_ids": [INV], "wait_timeout": -60}, "wait_timeout must be a positive number of seconds, got -60"),
    ({"investigation_ids": [INV], "wait_sleep": 0}, "wait_sleep must be a positive number of seconds, got 0"),
    ({"investigation_ids": [INV], "wait_sleep": -1}, "wait_sleep must be a positive number of seconds, got -1"),
    ({"investigation_ids": [INV], "wait": True, "wait_sleep": 30, "wait_timeout": 10}, f"wait_sleep (30) is longer than wait_timeout (10): {WAIT_ORDER}"),
    # the rest
    ({"max_results": 0}, "max_results must be at least 1, got 0"),
    ({"investigation_ids": [INV], "concurrency": 0}, "concurrency must be a whole number from 1 to 32, got 0"),
    ({"investigation_ids": [INV], "concurrency": 33}, "concurrency must be a whole number from 1 to 32, got 33"),
    ({"investigation_ids": [INV], "record_types": ["update"]}, "record_types selects which records to attach; it needs include_records=true"),
    ({"sort_order": "asc"}, "sort_order needs sort_by: say which field to sort on (start_time, end_time, status, risk_level, confidence)"),
    (
        {"investigation_ids": [INV], "max_results": 5},
        "investigation_ids cannot be combined with filters, exclude_filters, sort_by or max_results",
    ),
]

START_CASES = [
    ({}, "Nothing to investigate: give exactly one of finding_id, account_id, organization=true or trigger_prompt, or a batch of findings in findings"),
    (
        {"finding_id": FINDING, "trigger_prompt": "Investigate this"},
        f"{ONE_OF}; got finding_id and trigger_prompt. To ask about a finding in a given account, write the whole question in trigger_prompt",
    ),
    (
        {"account_id": "123456789012", "organization": True},
        f"{ONE_OF}; got account_id and organization=true. To ask about a finding in a given account, write the whole question in trigger_prompt",
    ),
    ({"trigger_prompt": "x" * 2049}, "trigger_prompt is 2049 characters long; GuardDuty accepts 1 to 2048. Shorten it"),
    ({"trigger_prompt": "   "}, "trigger_prompt is empty: write the question for GuardDuty, or use finding_id, account_id or organization"),
    ({"finding_id": "1ab2c3d4-not-hex"}, "Invalid finding_id '1ab2c3d4-not-hex': a GuardDuty finding id is 32 hexadecimal characters"),
    ({"finding_id": FINDING + "0"}, f"Invalid finding_id '{FINDING}0': a GuardDuty finding id is 32 hexadecimal characters"),
    (
        {"account_id": "12345678901"},
        "Invalid account_id '12345678901': an AWS account id is exactly 12 digits (quote it in YAML so leading zeros are kept)",
    ),
    (
        {"organization": True, "reuse_window": -1},
        "reuse_window must be a whole number of seconds, 0 or more (0 disables reuse), got -1",
    ),
    ({"organization": True, "client_token": "t" * 65}, "client_token must be 1 to 64 characters, got 65; leave it out to derive one"),
    ({"organization": True, "wait": True, "wait_sleep": 0}, "wait_sleep must be a positive number of seconds, got 0"),
    ({"organization": True, "wait": True, "wait_sleep": 60, "wait_timeout": 30}, f"wait_sleep (60) is longer than wait_timeout (30): {WAIT_ORDER}"),
]


@pytest.mark.parametrize("opts, message", READ_CASES)
def test_read_options_fail_with_their_message_before_any_call(stubbed, opts, message):
    client, stubber = stubbed
    if not botocore_at_least("1.44.2") and ("filters" in opts or "exclude_filters" in opts):
        # an older botocore cannot filter at all: its version check comes first (tests/integration/test_compat.py)
        message = "Failed to import the required Python library (botocore>=1.44.2)"
    with pytest.raises(GuardDutyError) as err:
        gather({"us-east-1": InvestigationReader(client, region="us-east-1")}, dict(opts), warn=pytest.fail)
    assert err.value.message.startswith(message) if "botocore>=" in message else err.value.message == message
    assert err.value.reason == ("sdk" if "botocore>=" in message else "invalid")
    stubber.assert_no_pending_responses()  # nothing was queued, and nothing was asked for


@pytest.mark.parametrize("opts, message", START_CASES)
def test_start_options_fail_with_their_message_before_any_call(stubbed, opts, message):
    client, stubber = stubbed
    reader = InvestigationReader(client, region="us-east-1")
    with pytest.raises(GuardDutyError) as err:
        start_mod.start(reader, dict(opts), check_mode=False, warn=pytest.fail)
    assert err.value.reason == "invalid"
    assert err.value.message == message
    stubber.assert_no_pending_responses()


def _client_error(code, message, status, operation):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


def test_an_unknown_detector_is_named_with_what_to_do(stubbed):
    client, stubber = stubbed
    other = "0" * 32
    not_owned = "The request is rejected because the input detectorId is not owned by the current account."
    stubber.add_client_error("get_investigation", "BadRequestException", not_owned, 400)
    with pytest.raises(GuardDutyError) as err:
        InvestigationReader(client, region="eu-west-1").get(other, INV)
    assert err.value.message == (
        f"GuardDuty rejected GetInvestigation for investigation {INV}: detector {other} is not a detector of this account in "
        "eu-west-1. Check detector_id and the region (a detector belongs to one account and Region), or leave detector_id "
        "out to use the Region's only detector"
    )
    assert not_owned in str(err.value)  # the service's own words follow the message


def test_other_bad_requests_keep_the_generic_message():
    error = api_error(_client_error("BadRequestException", "The NextToken is not valid", 400, "ListInvestigations"), "ListInvestigations", DETECTOR)
    assert error.message == f"Failed to call ListInvestigations for investigations on detector {DETECTOR}"


@pytest.mark.parametrize(
    "exc, operation, expected",
    [
        (
            _client_error("ThrottlingException", "Rate exceeded", 429, "ListInvestigations"),
            "ListInvestigations",
            f"Failed to call ListInvestigations for investigations on detector {DETECTOR} in us-east-1",
        ),
        (
            _client_error("InternalServerErrorException", "Internal error", 500, "GetInvestigation"),
            "GetInvestigation",
            f"Failed to call GetInvestigation for investigation {INV} on detector {DETECTOR} in us-east-1",
        ),
        (
            botocore.exceptions.ReadTimeoutError(endpoint_url="https://guardduty.us-east-1.amazonaws.com/"),
            "ListInvestigationRecords",
            f"Failed to call ListInvestigationRecords for investigation {INV} on detector {DETECTOR} in us-east-1 "
            "(retries exhausted or the endpoint did not answer)",
        ),
        (
            botocore.exceptions.ConnectionClosedError(endpoint_url="https://guardduty.us-east-1.amazonaws.com/"),
            "ListDetectors",
            "Failed to call ListDetectors for detectors on this account in us-east-1 (retries exhausted or the endpoint did not answer)",
        ),
    ],
)
def test_exhausted_retries_name_the_operation(exc, operation, expected):
    detector = None if operation == "ListDetectors" else DETECTOR
    investigation = INV if operation in ("GetInvestigation", "ListInvestigationRecords") else None
    error = api_error(exc, operation, detector, investigation, "us-east-1")
    assert error.message == expected
    assert error.reason == "api" and error.exception is exc


def test_the_example_the_invalid_id_message_gives_is_a_valid_id(stubbed):
    client, stubber = stubbed
    example = ID_EXAMPLE.split("looks like ")[1].split()[0]
    assert validate_investigation_ids(client, [example]) == [example]
    stubber.assert_no_pending_responses()
