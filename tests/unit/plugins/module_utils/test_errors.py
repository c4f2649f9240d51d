# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""errors.py: the missing-credentials message (api_error, amazon.aws's client failures)."""

from __future__ import annotations

import botocore.exceptions
import pytest

from ansible_collections.secops.guardduty.plugins.module_utils import errors
from ansible_collections.secops.guardduty.plugins.module_utils.errors import api_error

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
INV = "d4e5f6a7-8901-23de-f012-ef4567890123"
HOW = (
    "Provide them in one of the ways amazon.aws reads: the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment "
    "variables (plus AWS_SESSION_TOKEN for temporary credentials) or AWS_PROFILE naming a profile in ~/.aws; "
    "the access_key and secret_key (and session_token) options or the profile option; an instance profile or "
    'task/pod role where the task runs; in AWX or Automation Platform, an "Amazon Web Services" credential on the '
    "job template"
)


# ---------------------------------------------------------------- missing credentials


def test_no_credentials_says_nothing_was_sent_and_how_to_provide_them():
    error = api_error(botocore.exceptions.NoCredentialsError(), "GetInvestigation", DETECTOR, INV, "us-east-1")
    assert error.message == (
        f"No AWS credentials were found, so nothing was sent to call GetInvestigation for investigation {INV} "
        f"on detector {DETECTOR} in us-east-1. {HOW}"
    )
    assert "retries exhausted" not in error.message
    assert error.reason == "credentials"
    assert error.exception is None  # no botocore text appended, no traceback: the message says it all
    assert str(error) == error.message


def test_partial_credentials_say_what_is_missing():
    exc = botocore.exceptions.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY")
    error = api_error(exc, "ListDetectors", None, region="us-east-1")
    assert error.message == (
        "Only part of the AWS credentials were found (Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY), "
        f"so nothing was sent to call ListDetectors for detectors on this account in us-east-1. {HOW}"
    )
    assert error.reason == "credentials"


def test_connection_failure_keeps_amazon_aws_message_unless_credentials_are_missing():
    other = botocore.exceptions.ProfileNotFound(profile="nope")
    assert errors.connection_failure("Couldn't connect to AWS", other) == ("Couldn't connect to AWS", other)
    assert errors.connection_failure("Couldn't connect to AWS") == ("Couldn't connect to AWS", None)
    partial = botocore.exceptions.PartialCredentialsError(provider="explicit", cred_var="aws_secret_access_key")
    message, exception = errors.connection_failure("Couldn't connect to AWS", partial)
    assert exception is None
    assert message == (
        "Only part of the AWS credentials were found (Partial credentials found in explicit, missing: aws_secret_access_key), "
        f"so nothing was sent to call GuardDuty. {HOW}"
    )


def test_only_credentials_errors_count_as_credentials_errors():
    assert errors.is_credentials_error(botocore.exceptions.NoCredentialsError())
    assert not errors.is_credentials_error(botocore.exceptions.NoRegionError())
    assert not errors.is_credentials_error(None)
