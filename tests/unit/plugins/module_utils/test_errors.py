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


def test_connection_failure_keeps_amazon_aws_message_unless_credentials_are_missing_or_the_profile_does_not_exist():
    other = botocore.exceptions.UnknownServiceError(service_name="nope", known_service_names="guardduty")
    assert errors.connection_failure("Couldn't connect to AWS", other) == ("Couldn't connect to AWS", other)
    message, exception = errors.connection_failure("Couldn't connect to AWS", botocore.exceptions.ProfileNotFound(profile="nope"))
    assert exception is None and message.startswith("The config profile (nope) could not be found. AWS profiles are read from ")
    assert errors.connection_failure("Couldn't connect to AWS") == ("Couldn't connect to AWS", None)
    assert errors.connection_failure("Couldn't connect to AWS", botocore.exceptions.NoRegionError()) == (errors.NO_REGION_MESSAGE, None)
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


# ---------------------------------------------------------------- one classifier, one handler


def client_error(code, message="m", status=400):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize(
    "exc, reason",
    [
        (botocore.exceptions.NoCredentialsError(), "credentials"),
        (botocore.exceptions.NoRegionError(), "rejected"),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "server"),
        (client_error("ResourceNotFoundException", status=404), "missing"),
        (client_error("AccessDeniedException", status=403), "denied"),
        (client_error("AccessDenied", status=403), "denied"),
        (client_error("BadRequestException", "The request is rejected because the input detectorId is not owned by the current account."), "detector"),
        (client_error("ServiceQuotaExceededException"), "quota"),
        (client_error("InternalServerErrorException", status=500), "server"),
        (client_error("SomethingElse", status=503), "server"),
        (client_error("UnrecognizedClientException"), "rejected"),
        (client_error("ExpiredTokenException"), "rejected"),
        (client_error("ValidationException"), "api"),
    ],
)
def test_classify_names_each_failure_once(exc, reason):
    assert errors.classify(exc) == reason


@pytest.mark.parametrize(
    "exc, final",
    [
        (client_error("AccessDeniedException", status=403), True),
        (client_error("UnrecognizedClientException"), True),
        (client_error("BadRequestException", "detectorId is not owned"), True),
        (client_error("InternalServerErrorException", status=500), False),
        (client_error("ThrottlingException", status=400), False),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), False),
    ],
)
def test_only_what_no_retry_can_fix_is_final(exc, final):
    assert api_error(exc, "ListInvestigations", DETECTOR, region="us-east-1").final is final


def test_the_handler_names_the_call_from_its_arguments_and_its_reader():
    class Reader:
        region = "eu-west-1"

        @errors.GuardDutyErrorHandler.calling("GetInvestigation")
        def get(self, detector_id, investigation_id):
            raise client_error("ResourceNotFoundException", status=404)

    with pytest.raises(errors.GuardDutyError) as err:
        Reader().get(DETECTOR, INV)
    assert err.value.reason == "missing"
    assert err.value.message == f"Investigation {INV} was not found on detector {DETECTOR} in eu-west-1. Check the id, the detector and the region"
    assert "(ResourceNotFoundException: m)" in err.value.detail


def test_the_handler_hands_a_call_with_its_own_diagnosis_its_arguments():
    seen = {}

    def diagnose(exc, call):
        seen.update(call)
        return errors.GuardDutyError("diagnosed", exception=exc, reason="quota")

    @errors.GuardDutyErrorHandler.calling("CreateInvestigation", on_error=diagnose)
    def create(client, detector_id, prompt, client_token="t"):
        raise client_error("ServiceQuotaExceededException")

    with pytest.raises(errors.GuardDutyError) as err:
        create("the client", DETECTOR, "p")
    assert err.value.message == "diagnosed" and err.value.reason == "quota"
    assert seen["client"] == "the client" and seen["client_token"] == "t" and seen["detector_id"] == DETECTOR


# ---------------------------------------------------------------- other services: AWSCallHandler


def _client_error(code, message="it failed", status=400):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message},
                                            "ResponseMetadata": {"HTTPStatusCode": status}}, "AnyOperation")


@errors.AWSCallHandler.calling("ec2:ModifyInstanceAttribute", "instance {instance_id}", missing=("InvalidInstanceID.NotFound",))
def _modify(instance_id, exc):
    raise exc


def test_a_failed_call_names_the_call_what_it_was_about_and_aws_reason():
    with pytest.raises(errors.GuardDutyError) as e:
        _modify("i-0123456789abcdef0", _client_error("InvalidParameterValue", "bad value"))
    assert e.value.message == "Failed to call ModifyInstanceAttribute on instance i-0123456789abcdef0 (InvalidParameterValue: bad value)"
    assert e.value.reason == "api"


def test_a_denied_call_names_the_iam_action_the_caller_needs():
    with pytest.raises(errors.GuardDutyError) as e:
        _modify(instance_id="i-0123456789abcdef0", exc=_client_error("UnauthorizedOperation", "not allowed", 403))
    assert e.value.message.startswith("Access denied calling ModifyInstanceAttribute on instance i-0123456789abcdef0: "
                                      "the caller needs ec2:ModifyInstanceAttribute (UnauthorizedOperation: not allowed)")
    assert e.value.reason == "denied"


def test_missing_codes_and_credentials_and_transport_failures():
    with pytest.raises(errors.GuardDutyError) as e:
        _modify("i-0123456789abcdef0", _client_error("InvalidInstanceID.NotFound", "gone"))
    assert e.value.reason == "missing" and "not found" in e.value.message
    with pytest.raises(errors.GuardDutyError) as e:
        _modify("i-0123456789abcdef0", botocore.exceptions.NoCredentialsError())
    assert e.value.reason == "credentials" and e.value.message.startswith(
        "No AWS credentials were found, so nothing was sent to call ModifyInstanceAttribute on instance i-0123456789abcdef0. ")
    with pytest.raises(errors.GuardDutyError) as e:
        _modify("i-0123456789abcdef0", botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert e.value.reason == "api" and "retries exhausted or the endpoint did not answer" in e.value.message


@errors.AWSCallHandler.calling("guardduty:GetFilter", "filter {name}", missing=(("BadRequestException", "no such resource"),))
def _get_filter(name, exc):
    raise exc


def test_a_code_means_missing_only_with_its_text_when_a_pair_says_so():
    with pytest.raises(errors.GuardDutyError) as e:
        _get_filter("rule", _client_error("BadRequestException", "The request is rejected since no such resource found."))
    assert e.value.reason == "missing" and e.value.message.startswith("GetFilter on filter rule: not found")
    with pytest.raises(errors.GuardDutyError) as e:
        _get_filter("rule", _client_error("BadRequestException", "The request is rejected because the input detectorId is not owned"))
    assert e.value.reason != "missing" and e.value.message.startswith("Failed to call GetFilter on filter rule (BadRequestException: ")


def test_the_finding_operations_are_about_findings():
    for operation in ("ArchiveFindings", "UnarchiveFindings", "UpdateFindingsFeedback"):
        error = api_error(_client_error("AccessDeniedException", "no", 403), operation, DETECTOR, region="us-east-1")
        assert error.message.startswith(f"Access denied calling {operation} for findings on detector {DETECTOR} in us-east-1: "
                                        f"the caller needs guardduty:{operation}")
        assert "investigation belongs to another account" not in error.message


def test_a_denied_list_detectors_says_what_that_call_needs_and_leaves_no_placeholder():
    response = {"Error": {"Code": "AccessDeniedException", "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": 403}}
    exc = botocore.exceptions.ClientError(response, "ListDetectors")
    error = api_error(exc, "ListDetectors", None, region="eu-west-1")
    assert error.reason == "denied"
    assert error.message == (
        "Access denied calling ListDetectors in eu-west-1: finding the Region's detector needs guardduty:ListDetectors, which "
        'IAM grants only on Resource "*" (docs/iam.md). Allow it, or give detector_id (in one Region) so that no detector is looked up'
    )
    assert "<" not in error.message and "investigation belongs to another account" not in error.message
