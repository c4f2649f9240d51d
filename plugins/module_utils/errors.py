# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one place where a failed GuardDuty call becomes a message: the error type, the classifier and the handler.

``classify`` names what went wrong with a botocore exception (one vocabulary for every caller);
``api_error`` turns it into a GuardDutyError that says what, which id or detector, and what to do;
``GuardDutyErrorHandler.calling`` is the decorator every call site uses (amazon.aws's ``AWSErrorHandler`` pattern),
so no function of the collection writes its own ``except (ClientError, BotoCoreError)``.
"""

from __future__ import annotations

import functools

try:
    import botocore
    import botocore.session
except ImportError:
    pass  # The faces report a missing botocore through amazon.aws.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.secops.guardduty.plugins.module_utils.client import paginate

DENIED_CODES = ("AccessDeniedException", "AccessDenied")
CALL_DENIED_CODES = ("UnauthorizedOperation", "AccessDeniedException", "AccessDenied")  # EC2 says UnauthorizedOperation
QUOTA_CODES = ("ServiceQuotaExceededException", "LimitExceededException", "QuotaExceededException")
# Errors that no retry can fix (besides access denied and missing credentials): a source stops with one message.
REJECTED_CODES = (
    "BadRequestException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnauthorizedOperation",
)
# What a failure is, as classify() and GuardDutyError.reason say it. The last group can be retried later.
FINAL_REASONS = ("invalid", "credentials", "sdk", "denied", "rejected")

# IAM action a caller needs for each operation we make (used in access-denied messages and docs/iam.md).
IAM_ACTIONS = {
    "ListDetectors": "guardduty:ListDetectors",
    "GetDetector": "guardduty:GetDetector",
    "GetInvestigation": "guardduty:GetInvestigation",
    "ListInvestigations": "guardduty:ListInvestigations",
    "ListInvestigationRecords": "guardduty:ListInvestigationRecords",
    "CreateInvestigation": "guardduty:CreateInvestigation",
    "ListFindings": "guardduty:ListFindings",
    "GetFindings": "guardduty:GetFindings",
    "ArchiveFindings": "guardduty:ArchiveFindings",
    "UnarchiveFindings": "guardduty:UnarchiveFindings",
    "UpdateFindingsFeedback": "guardduty:UpdateFindingsFeedback",
}
# The operations on findings (not investigations): what api_error says a failed call was about.
FINDING_OPERATIONS = ("ListFindings", "GetFindings", "ArchiveFindings", "UnarchiveFindings", "UpdateFindingsFeedback")

# How to give credentials, for the one message every face shows when botocore finds none (or only half).
CREDENTIALS_HELP = (
    "Provide them in one of the ways amazon.aws reads: the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment "
    "variables (plus AWS_SESSION_TOKEN for temporary credentials) or AWS_PROFILE naming a profile in ~/.aws; "
    "the access_key and secret_key (and session_token) options or the profile option; an instance profile or "
    "task/pod role where the task runs; in AWX or Automation Platform, an \"Amazon Web Services\" credential on the "
    "job template"
)


class GuardDutyError(AnsibleAWSError):
    """One clear failure. ``reason`` says what happened, in classify()'s vocabulary plus the faces' own:

    invalid (bad input, no call made), credentials (none found, no call made), sdk (botocore too old), missing,
    denied, rejected (a request no retry can fix), quota, feature, region, timeout, failed, api (anything else).
    ``kwargs`` carries result data to return alongside the message.
    """

    def __init__(self, message, exception=None, reason="api", **kwargs):
        super().__init__(message=message, exception=exception, **kwargs)
        self.reason = reason

    @property
    def final(self):
        """True when trying again cannot help (bad input, access, credentials, SDK, a rejected request)."""
        return self.reason in FINAL_REASONS

    @property
    def detail(self):
        """The message with the AWS error code and text (or the exception) when there is one: for logs."""
        exc = self.exception
        if isinstance(exc, botocore.exceptions.ClientError):
            details = exc.response.get("Error") or {}
            return f"{self.message} ({details.get('Code')}: {details.get('Message')})"
        if exc is not None:
            return f"{self.message} ({exc})"
        return self.message


def invalid(message):
    """A GuardDutyError for input that is wrong before any call is made."""
    return GuardDutyError(message, reason="invalid")


# ---------------------------------------------------------------- the classifier


def error_code(exc):
    """(code, message, HTTP status) of a botocore exception; ("", str(exc), None) when it carries no response."""
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error") or {}
        status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        return error.get("Code") or "", error.get("Message") or "", status
    return "", str(exc), None


def is_credentials_error(exc):
    """True for botocore's "no credentials" and "partial credentials" errors (nothing to retry: nothing was sent)."""
    try:
        kinds = (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError)
    except NameError:  # no botocore at all: reported elsewhere
        return False
    return isinstance(exc, kinds)


def classify(exc):
    """What a botocore exception means for the caller, one word:

    credentials, missing, denied, detector (a detector id the caller does not own), quota, rejected (no retry can
    fix it), server (5xx, or the endpoint did not answer after retries), api (any other client error).
    """
    if is_credentials_error(exc):
        return "credentials"
    if isinstance(exc, botocore.exceptions.NoRegionError):
        return "rejected"
    code, message, status = error_code(exc)
    if not isinstance(exc, botocore.exceptions.ClientError):
        return "server"
    if code == "ResourceNotFoundException":
        return "missing"
    if code in DENIED_CODES:
        return "denied"
    if code == "BadRequestException" and "detectorid" in message.replace(" ", "").lower():
        return "detector"
    if code in QUOTA_CODES:
        return "quota"
    if status is None or status >= 500 or code == "InternalServerErrorException":
        return "server"
    if code in REJECTED_CODES:
        return "rejected"
    return "api"


def credentials_message(exc, doing="call GuardDuty"):
    """The one message for missing or partial credentials: what botocore found, and how to provide them."""
    if isinstance(exc, botocore.exceptions.PartialCredentialsError):
        found = f"Only part of the AWS credentials were found ({exc})"
    else:
        found = "No AWS credentials were found"
    return f"{found}, so nothing was sent to {doing}. {CREDENTIALS_HELP}"


def profile_message(exc):
    """The message for a profile that does not exist: which, where profiles are read from, which there are, how to list them."""
    import os  # only a failed connection pays for it

    config = os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    credentials = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    try:
        found = sorted(botocore.session.Session().available_profiles)
    except Exception:  # pylint: disable=broad-exception-caught  # unreadable files: the message says where to look
        found = []
    return (
        f"{exc}. AWS profiles are read from {config} ([profile NAME] sections) and {credentials} ([NAME] sections); "
        "AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name other files. "
        + (f"Profiles found there: {', '.join(found)}. " if found else "No profile was found there. ")
        + "`aws configure list-profiles` lists them. Fix profile (or AWS_PROFILE), or leave it out to use keys, a role or "
        "the environment"
    )


NO_REGION_MESSAGE = "No AWS region was found: set region, or AWS_REGION / AWS_DEFAULT_REGION, or a region in the profile"


def connection_failure(message, exception=None):
    """(message, exception) for amazon.aws's plugin failure: unchanged, or the credentials or profile message when that
    is what went wrong."""
    if is_credentials_error(exception):
        return credentials_message(exception), None
    if isinstance(exception, getattr(botocore.exceptions, "ProfileNotFound", ())):
        return profile_message(exception), None
    if isinstance(exception, getattr(botocore.exceptions, "NoRegionError", ())):
        return NO_REGION_MESSAGE, None
    return message, exception


def api_error(exc, operation, detector_id, investigation_id=None, region=None):
    """Turn a botocore exception into one GuardDutyError that says what, which id/detector, and what to do."""
    what = f"investigation {investigation_id}" if investigation_id else "investigations"
    if operation in ("ListDetectors", "GetDetector"):
        what = "detectors"
    if operation in FINDING_OPERATIONS:
        what = "findings"
    where = f"detector {detector_id}" if detector_id else "this account"
    if region:
        where += f" in {region}"
    reason = classify(exc)
    if reason == "credentials":
        # botocore found no (or half the) credentials before signing: nothing was sent, nothing was retried
        return GuardDutyError(credentials_message(exc, f"call {operation} for {what} on {where}"), reason="credentials")
    if reason == "missing":
        return GuardDutyError(
            f"Investigation {investigation_id} was not found on {where}. Check the id, the detector and the region",
            exception=exc,
            reason="missing",
        )
    if reason == "denied" and operation == "ListDetectors":
        # not about a detector or an investigation: the account's detectors in the Region, an action IAM grants on "*"
        return GuardDutyError(
            f"Access denied calling ListDetectors in {region or 'this Region'}: finding the Region's detector needs "
            'guardduty:ListDetectors, which IAM grants only on Resource "*" (docs/iam.md). Allow it, or give detector_id '
            "(in one Region) so that no detector is looked up",
            exception=exc,
            reason="denied",
        )
    if reason == "denied":
        action = IAM_ACTIONS.get(operation, f"guardduty:{operation}")
        return GuardDutyError(
            f"Access denied calling {operation} for {what} on {where}: the caller needs {action} "
            f"(on arn:aws:guardduty:<region>:<account>:detector/{detector_id or '<id>'} and .../*)"
            + ("" if what == "findings" else ", or the investigation belongs to another account (members only see their own)"),
            exception=exc,
            reason="denied",
        )
    if reason == "detector" and detector_id:
        return GuardDutyError(
            f"GuardDuty rejected {operation} for {what}: detector {detector_id} is not a detector of this account in "
            f"{region or 'this Region'}. Check detector_id and the region (a detector belongs to one account and Region), "
            "or leave detector_id out to use the Region's only detector",
            exception=exc,
            reason="rejected",
        )
    if not isinstance(exc, botocore.exceptions.ClientError):
        return GuardDutyError(
            f"Failed to call {operation} for {what} on {where} (retries exhausted or the endpoint did not answer)",
            exception=exc,
            reason="rejected" if reason == "rejected" else "api",
        )
    return GuardDutyError(
        f"Failed to call {operation} for {what} on {where}",
        exception=exc,
        reason="rejected" if reason in ("rejected", "detector") else "api",
    )


# ---------------------------------------------------------------- the handler


class GuardDutyErrorHandler(AWSErrorHandler):
    """amazon.aws's error handler for GuardDuty: failures become GuardDutyError.

    ``calling(operation)`` is the decorator of every GuardDuty call of the collection: the decorated function's
    ``detector_id``, ``investigation_id`` and ``region`` arguments (or the attributes of the object it is a method of)
    name what the call was about in the message. ``on_error(exception, arguments)`` replaces api_error for a call
    with its own diagnosis (CreateInvestigation); ``arguments`` are the call's, by name. The retries sit inside (on
    the client, or on the paginator), so throttling is retried before the handler sees it.
    """

    _CUSTOM_EXCEPTION = GuardDutyError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")

    @classmethod
    def calling(cls, operation, on_error=None):
        def convert(e, func, args, kwargs):
            call = _arguments(func, args, kwargs)
            if on_error is not None:
                return on_error(e, call)
            return api_error(e, operation, call["detector_id"], call["investigation_id"], call["region"])

        return _decorator(convert)


def _botocore_errors():
    return botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError


def _connection_errors():
    return botocore.exceptions.BotoCoreError, ValueError


def _guarded(run, convert, kinds=_botocore_errors):
    """``run()``, with a botocore failure (or one of the exceptions ``kinds()`` gives) raised as ``convert(exception)``:
    the one place the collection catches what botocore raises (botocore is imported when a call is made: a module
    reports a missing botocore itself)."""
    try:
        return run()
    except kinds() as e:
        raise convert(e) from e


def _decorator(convert, kinds=_botocore_errors):
    """A decorator running the function through _guarded, ``convert(exception, func, args, kwargs)`` making the error."""
    def wrapper(func):
        @functools.wraps(func)
        def handler(*args, **kwargs):
            return _guarded(lambda: func(*args, **kwargs), lambda e: convert(e, func, args, kwargs), kinds)

        return handler

    return wrapper


_RAISE = object()


class AWSCallHandler(AWSErrorHandler):
    """amazon.aws's error handler for every other AWS service the collection calls (EC2, IAM, S3, Lambda, Auto
    Scaling, Elastic Load Balancing, RDS, STS, Security Hub, GuardDuty findings and filters): a failed call becomes
    one GuardDutyError that says which call, on what, why, and what to do.

    ``calling(action, what)``: ``action`` is the IAM action of the call (``ec2:ModifyInstanceAttribute``), named in
    the message and, for an access denial, as what the caller needs; ``what`` says what the call was about, a format
    string over the decorated function's arguments by name (``"instance {instance_id}"``). ``missing`` (optional)
    lists error codes that mean the resource is not there, or (code, text) pairs for a code that means it only when
    its message holds the text (GuardDuty answers a missing filter with a BadRequestException "... no such resource
    found."): those raise a GuardDutyError with reason ``missing``, which callers that read may turn into "not
    found". The retries sit inside, on the client.
    """

    _CUSTOM_EXCEPTION = GuardDutyError

    @classmethod
    def calling(cls, action, what="", missing=()):
        return _decorator(lambda e, func, args, kwargs: call_error(e, action, _described(what, func, args, kwargs), missing))

    @classmethod
    def call(cls, method, action, what="", missing=(), absent=_RAISE, **params):
        """``method(aws_retry=True, **params)`` (a client method; its retries apply) through this handler: the
        response, or ``absent`` when given and AWS answers with one of the ``missing`` codes (the resource is not
        there); otherwise a failure raises the one GuardDutyError (call_error)."""
        return _absent_or(lambda: method(aws_retry=True, **params), action, what, missing, absent)

    @classmethod
    def wait(cls, client, waiter, action, what="", delay=15, attempts=240, **params):
        """botocore's waiter ``waiter`` of ``client`` until it is satisfied (every ``delay`` seconds, at most
        ``attempts`` times) through this handler: a timeout or a failure state is one GuardDutyError."""
        _guarded(lambda: client.get_waiter(waiter).wait(WaiterConfig={"Delay": delay, "MaxAttempts": attempts}, **params),
                 lambda e: call_error(e, action, what))

    @classmethod
    def pages(cls, client, operation, result_key, action, what="", missing=(), absent=_RAISE, **params):
        """Every item of ``operation``'s pages (botocore's paginator, retried as a whole) through this handler;
        ``missing`` and ``absent`` as in call()."""
        return _absent_or(lambda: paginate(client, operation, result_key, **params), action, what, missing, absent)

    @classmethod
    def connecting(cls):
        """The decorator of a function that builds a client: a profile that is not there, an invalid endpoint or
        certificate bundle become one GuardDutyError (amazon.aws's "Couldn't connect to AWS", or the credentials
        message), never a traceback."""
        def convert(e, _func, _args, _kwargs):
            message, exception = connection_failure(f"Couldn't connect to AWS: {e}", e)
            return GuardDutyError(message, exception=exception, reason="credentials" if exception is None else "invalid")

        return _decorator(convert, _connection_errors)


class _Absent(Exception):
    """A missing resource, when the caller gave what stands for it."""


def _says_missing(exc, missing):
    """Whether ``exc`` says the resource is not there: its code in ``missing``, or a (code, text) pair of it whose
    text its message holds."""
    code, message, _status = error_code(exc)
    return bool(code) and any(item == code or (isinstance(item, tuple) and item[0] == code and item[1] in message) for item in missing)


def _absent_or(run, action, what, missing, absent):
    def convert(e):
        if absent is not _RAISE and _says_missing(e, missing):
            return _Absent()
        return call_error(e, action, what, missing)

    try:
        return _guarded(run, convert)
    except _Absent:
        return absent


def _described(what, func, args, kwargs):
    """``what`` with the call's arguments filled in (a missing name is left as it is)."""
    if not what or "{" not in what:
        return what
    bound = _arguments(func, args, kwargs)
    try:
        return what.format_map(_Known(bound))
    except (ValueError, IndexError):
        return what


class _Known(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def call_error(exc, action, what="", missing=()):
    """One GuardDutyError for a failed call of IAM action ``action`` (``service:Operation``) on ``what``."""
    on = f" on {what}" if what else ""
    operation = action.split(":", 1)[-1]
    code, message, _status = error_code(exc)
    said = f" ({code}: {message})" if code else ""
    if is_credentials_error(exc):
        return GuardDutyError(credentials_message(exc, f"call {operation}{on}"), reason="credentials")
    if _says_missing(exc, missing):
        return GuardDutyError(f"{operation}{on}: not found{said}", exception=exc, reason="missing")
    reason = classify(exc)
    if reason == "denied" or code in CALL_DENIED_CODES:
        return GuardDutyError(f"Access denied calling {operation}{on}: the caller needs {action}{said}; the policies in "
                              "docs/iam/ list every action each part of the collection calls", exception=exc, reason="denied")
    if not isinstance(exc, botocore.exceptions.ClientError):
        return GuardDutyError(f"Failed to call {operation}{on} (retries exhausted or the endpoint did not answer: {exc})",
                              exception=exc, reason="rejected" if reason == "rejected" else "api")
    return GuardDutyError(f"Failed to call {operation}{on}{said}", exception=exc,
                          reason="quota" if reason == "quota" else "rejected" if reason == "rejected" else "api")


def _arguments(func, args, kwargs):
    """The arguments of a failed call by name; detector_id, investigation_id and region also from the object it is a
    method of (a reader knows its Region)."""
    import inspect  # only a failed call pays for it

    try:
        call = inspect.signature(func).bind_partial(*args, **kwargs)
        call.apply_defaults()
        bound = dict(call.arguments)
    except TypeError:
        bound = dict(kwargs)
    owner = bound.get("self")
    for name in ("detector_id", "investigation_id", "region"):
        if bound.get(name) is None:
            bound[name] = getattr(owner, name, None) if owner is not None else None
    return bound
