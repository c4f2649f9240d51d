# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS for the response engine, on the controller: the connection a task's module_defaults give, clients built as
amazon.aws builds them, the identity the credentials belong to, and a member account's role assumed.

The connection options are amazon.aws's (``aws_argument_spec``: region, endpoint_url, credentials, profile,
certificates, aws_config), with its environment fallbacks; a task's ``module_defaults`` reach them through both
``group/aws`` and ``group/secops.guardduty.guardduty`` (``task_defaults``). Every client of one connection comes from
one boto3 session (client.session_factory), carries the collection's retries, and every call goes through
errors.AWSCallHandler, the one error handler.
"""

from __future__ import annotations

import contextlib
import os
import threading

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.amazon.aws.plugins.module_utils.botocore import _aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.botocore import _boto3_conn
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleBotocoreError
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_NAME
from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator
from ansible_collections.secops.guardduty.plugins.module_utils.client import session_factory
from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.modules import CREDENTIAL_VARIABLES
from ansible_collections.secops.guardduty.plugins.module_utils.modules import profile_conflict

CONNECTION_OPTIONS = tuple(aws_argument_spec())
_ALIASES = {alias for option in aws_argument_spec().values() for alias in option.get("aliases", ())}
CONNECTION_KEYS = frozenset(CONNECTION_OPTIONS) | _ALIASES  # the options and their aliases (aws_region, aws_access_key...)
# Any amazon.aws module: group/aws reaches it, and group/secops.guardduty.guardduty extends amazon.aws's group.
AWS_GROUP_MEMBER = "amazon.aws.aws_caller_info"
GUARDDUTY_READER = COLLECTION_NAME + ".guardduty_investigation_info"
POOL = 16  # connections per client: the engine reads and acts concurrently
# one boto3 session per profile for every connection of the run (another Region, an assumed role's credentials): the
# service models are loaded once; clients are built one at a time (a shared session is not safe to build in parallel)
_SESSIONS = {}
_BUILDING = threading.Lock()


def task_defaults(task, templar, action):
    """The module_defaults of ``task`` that reach the action ``action`` (a fully qualified name): its groups' and its
    own, templated. ansible-core 2.19 made the function private and changed its arguments."""
    try:
        from ansible.executor.module_common import _apply_action_arg_defaults  # pylint: disable=import-outside-toplevel
    except ImportError:  # ansible-core 2.17, 2.18
        from ansible.executor.module_common import get_action_args_with_defaults  # pylint: disable=import-outside-toplevel
        return get_action_args_with_defaults(action, {}, task.module_defaults, templar, action_groups=task._parent._play._action_groups)
    return _apply_action_arg_defaults(action, task, {}, templar)


def connection_params(values, what):
    """amazon.aws's connection options from ``values`` (module_defaults, and the task's own), with the environment
    fallbacks an amazon.aws module has (AWS_REGION, AWS_URL, AWS_ACCESS_KEY_ID, AWS_PROFILE, ...), checked; ``what``
    names where they came from in a message."""
    given = {k: v for k, v in (values or {}).items() if k in CONNECTION_KEYS}
    result = ArgumentSpecValidator(aws_argument_spec()).validate(given)
    if result.error_messages:
        raise invalid(f"The AWS connection options of {what} are not valid: {'; '.join(result.error_messages)}")
    params = dict(result.validated_parameters)
    if params.get("endpoint_url") == "":
        params["endpoint_url"] = None  # an empty AWS_URL (an AWX credential field left blank) means the default endpoint
    conflict = profile_conflict(params.get("profile"), {name: os.environ.get(name) for name in CREDENTIAL_VARIABLES})
    if conflict:
        raise invalid(conflict)
    return params


@contextlib.contextmanager
def environment(variables):
    """The task's ``environment`` keyword applied to this process while the engine runs (an amazon.aws module gets
    it as its own environment; botocore reads AWS_* variables from it)."""
    saved = {key: os.environ.get(key) for key in variables}
    os.environ.update({key: str(value) for key, value in variables.items()})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class Clients:
    """The clients of one connection (one set of credentials) in one Region, made when first asked for, kept, each
    with the collection's retries."""

    def __init__(self, params, region=None, on_call=None):
        self.params = dict(params)
        try:
            default_region, self.endpoint_url, self._kwargs = _aws_connection_info(self.params)
        except AnsibleBotocoreError as e:
            raise invalid(e.message) from None
        self.region = region or default_region
        self._on_call = on_call
        self._make = session_factory(self.endpoint_url, self._kwargs, {"max_pool_connections": POOL}, sessions=_SESSIONS)
        self._clients = {}
        self._lock = threading.Lock()

    def __call__(self, service):
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                with _BUILDING:
                    client = self._clients[service] = RetryingBotoClientWrapper(self._connect(service), retry_decorator())
        return client

    def warm(self, services):
        """Build the clients of ``services`` in the background (while the run waits on the network elsewhere): loading a
        service model takes up to 0.2 s of CPU. A failure is left for the call that needs the client to say."""
        def build():
            for service in services:
                try:
                    self(service)
                except GuardDutyError:
                    return
        threading.Thread(target=build, daemon=True).start()

    @AWSCallHandler.connecting()
    def _connect(self, service):
        if not self.region:
            raise invalid("No Region: the investigation's Region is used for its resources (this is a bug if you see it)")
        if self._make is None:  # an amazon.aws without the user agent function: it builds each client itself
            client = _boto3_conn(conn_type="client", resource=service, region=self.region, endpoint=self.endpoint_url,
                                 **self._kwargs)
        else:
            client = self._make(service, self.region)
        if self._on_call is not None:
            client.meta.events.register("before-call", self._on_call)
        return client

    def with_credentials(self, credentials, region=None):
        """The same connection (endpoint, certificates, aws_config) with other credentials: an assumed role's."""
        params = dict(self.params, profile=None, access_key=credentials["AccessKeyId"], secret_key=credentials["SecretAccessKey"],
                      session_token=credentials["SessionToken"])
        return Clients(params, region or self.region, self._on_call)

    def in_region(self, region):
        return Clients(self.params, region, self._on_call)


@AWSCallHandler.calling("sts:GetCallerIdentity", "the identity of the AWS credentials")
def caller_identity(clients):
    """{account, arn} of the credentials ``clients`` use."""
    found = clients("sts").get_caller_identity(aws_retry=True)
    return {"account": found.get("Account"), "arn": found.get("Arn")}


@AWSCallHandler.calling("sts:AssumeRole", "the role {role_arn}")
def assume_role(clients, role_arn, session_name, external_id=None):
    """The temporary credentials of ``role_arn`` (never shown: the caller keeps them in memory only)."""
    extra = {"ExternalId": external_id} if external_id else {}
    return clients("sts").assume_role(aws_retry=True, RoleArn=role_arn, RoleSessionName=session_name, **extra)["Credentials"]


__all__ = ["GuardDutyError", "Clients", "task_defaults", "connection_params", "environment", "caller_identity", "assume_role"]
