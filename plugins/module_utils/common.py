# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every secops.guardduty plugin shares: the module class, the client, retries and the error type."""

from __future__ import annotations

import hashlib
import json
import os
import threading

try:
    import botocore
except ImportError:
    pass  # The faces report a missing botocore through amazon.aws.

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.amazon.aws.plugins.module_utils.botocore import botocore_at_least
from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

COLLECTION_NAME = "secops.guardduty"
COLLECTION_VERSION = "0.1.0"

# First botocore with Create/Get/ListInvestigations, and the one that added SummaryFormat,
# SummaryData, Scope, ListInvestigations filters and ListInvestigationRecords.
BOTOCORE_MINIMUM = "1.43.35"
BOTOCORE_RICH = "1.44.2"

# The Investigation API is a preview available in these Regions only.
PREVIEW_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "ap-northeast-1",
)

# amazon.aws's default retry list lacks the two codes GuardDuty uses for throttling and server errors.
EXTRA_RETRY_CODES = ["ThrottlingException", "InternalServerErrorException"]

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 32


def retry_decorator():
    return AWSRetry.jittered_backoff(catch_extra_error_codes=EXTRA_RETRY_CODES)


class GuardDutyError(AnsibleAWSError):
    """One clear failure. ``kind`` tells the faces what happened:

    invalid (bad input, no call made), credentials (none found, no call made), sdk (botocore too old), missing,
    denied, timeout, failed, api.
    ``kwargs`` carries result data to return alongside the message.
    """

    def __init__(self, message, exception=None, kind="api", **kwargs):
        super().__init__(message=message, exception=exception, **kwargs)
        self.kind = kind

    @property
    def full_message(self):
        return str(self)


def sdk_requirement(feature):
    """The amazon.aws style "requires botocore>=X" message when ``feature`` needs a newer botocore, else None."""
    if botocore_at_least(BOTOCORE_RICH):
        return None
    return missing_required_lib(f"botocore>={BOTOCORE_RICH}", reason=f"for {feature}")


def region_warning(region):
    if region and region not in PREVIEW_REGIONS:
        return (
            f"Region {region} is not one of the Regions where GuardDuty investigations (preview) are available "
            f"({', '.join(PREVIEW_REGIONS)}); calls may fail."
        )
    return None


# How to give credentials, for the one message every face shows when botocore finds none (or only half).
CREDENTIALS_HELP = (
    "Provide them in one of the ways amazon.aws reads: the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment "
    "variables (plus AWS_SESSION_TOKEN for temporary credentials) or AWS_PROFILE naming a profile in ~/.aws; "
    "the access_key and secret_key (and session_token) options or the profile option; an instance profile or "
    "task/pod role where the task runs; in AWX or Automation Platform, an \"Amazon Web Services\" credential on the "
    "job template"
)

# Lookups run on the controller: module_defaults never reach them, so a Region given there does not count.
LOOKUP_REGION_HELP = (
    "Lookups run on the controller and do not take module_defaults (not even group/aws): pass the Region to the "
    "lookup itself (region='us-east-1', or its alias aws_region=...), or set AWS_REGION (or AWS_DEFAULT_REGION, or "
    "region in the profile's ~/.aws/config section) in the environment ansible-playbook runs in"
)


def is_credentials_error(exc):
    """True for botocore's "no credentials" and "partial credentials" errors (nothing to retry: nothing was sent)."""
    try:
        kinds = (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError)
    except NameError:  # no botocore at all: reported elsewhere
        return False
    return isinstance(exc, kinds)


def credentials_message(exc, doing="call GuardDuty"):
    """The one message for missing or partial credentials: what botocore found, and how to provide them."""
    if isinstance(exc, botocore.exceptions.PartialCredentialsError):
        found = f"Only part of the AWS credentials were found ({exc})"
    else:
        found = "No AWS credentials were found"
    return f"{found}, so nothing was sent to {doing}. {CREDENTIALS_HELP}"


def connection_failure(message, exception=None):
    """(message, exception) for amazon.aws's plugin failure: unchanged, or the credentials message when that is what went wrong."""
    if is_credentials_error(exception):
        return credentials_message(exception), None
    return message, exception


def client_config(concurrency=DEFAULT_CONCURRENCY):
    """The connection pool is sized for concurrent fetches; a user's ``aws_config`` still wins (amazon.aws merges it last)."""
    return {"max_pool_connections": max(10, concurrency)}


# Connection options of amazon.aws plugins (amazon.aws.common.plugins + amazon.aws.region.plugins doc fragments).
CONNECTION_OPTIONS = (
    "region",
    "endpoint_url",
    "access_key",
    "secret_key",
    "session_token",
    "profile",
    "aws_ca_bundle",
    "validate_certs",
    "aws_config",
    "debug_botocore_endpoint_logs",
)

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")

_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()
_CLIENTS_MAX = 8


def _file_state(path):
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _connection_key(plugin, concurrency):
    """Everything that decides which client (and which credentials) a lookup gets, as one digest.

    The lookup's connection options, every AWS_* environment variable (credentials, profile, config and
    credential-file locations, container and web-identity settings) and the proxy variables, the state of the
    config and credentials files, the process (a forked worker never shares its parent's connections) and the
    pool size.
    """
    options = {}
    for name in CONNECTION_OPTIONS:
        try:
            options[name] = plugin.get_option(name)
        except KeyError:
            options[name] = None
    environment = {k: v for k, v in os.environ.items() if k.startswith("AWS_") or k.upper() in PROXY_VARIABLES}
    files = {}
    for path in (environment.get("AWS_CONFIG_FILE") or "~/.aws/config", environment.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"):
        path = os.path.expanduser(path)
        files[path] = _file_state(path)
    material = [os.getpid(), concurrency, options, sorted(environment.items()), sorted(files.items())]
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=repr).encode("utf-8")).hexdigest()


def guardduty_client(plugin, concurrency=DEFAULT_CONCURRENCY, reuse=False):
    """A GuardDuty client with the collection's retries, built by amazon.aws (module or lookup alike).

    ``reuse`` (the lookup, on the controller) keeps the client for the next call in the same process with exactly
    the same connection options, environment and AWS files: building a client loads botocore's endpoint data and
    the service model again (most of a single-id lookup's time). Anything that could change the credentials or
    the endpoint gives a new client; a module runs once per process and never reuses.
    """
    if not reuse:
        return plugin.client("guardduty", retry_decorator=retry_decorator(), config=client_config(concurrency))
    key = _connection_key(plugin, concurrency)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = plugin.client("guardduty", retry_decorator=retry_decorator(), config=client_config(concurrency))
            if len(_CLIENTS) >= _CLIENTS_MAX:
                _CLIENTS.pop(next(iter(_CLIENTS)))  # the oldest
            _CLIENTS[key] = client
    return client


def forget_clients():
    """Drop every kept client (tests, or a caller that knows the credentials changed behind the environment)."""
    with _CLIENTS_LOCK:
        _CLIENTS.clear()


class GuardDutyModule(AnsibleAWSModule):
    """AnsibleAWSModule that names this collection in the user agent."""

    def __init__(self, **kwargs):
        set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
        super().__init__(**kwargs)
        if self.params.get("endpoint_url") == "":
            # an empty AWS_URL (an AWX credential field left blank) means "the default endpoint", not an invalid one
            self.params["endpoint_url"] = None
        self.require_botocore_at_least(BOTOCORE_MINIMUM, reason="for the GuardDuty investigation API")
        warning = region_warning(self.region)
        if warning:
            self.warn(warning)

    def fail_json_aws(self, exception, msg=None, **kwargs):
        """amazon.aws's failure, except that missing or partial credentials say how to provide them."""
        if is_credentials_error(exception):
            self.fail_json(msg=credentials_message(exception), **kwargs)
        super().fail_json_aws(exception, msg=msg, **kwargs)

    def fail_guardduty(self, error):
        """Fail with a GuardDutyError: its message, the AWS error details when there are any, and its result data."""
        if error.exception is not None:
            self.fail_json_aws(error.exception, msg=error.message, **error.kwargs)
        self.fail_json(msg=error.message, **error.kwargs)
