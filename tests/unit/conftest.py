# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared unit-test helpers: run a module's main() with arguments, catching exit_json/fail_json."""

from __future__ import annotations

import contextlib
import json
import os

import boto3
import pytest
from botocore.stub import Stubber

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator

# Long dummy credentials: no_log masks them in results, so they must not occur in any data.
UNIT_ACCESS_KEY = "AKIAUNITTESTKEYTHATNEVEROCCURS000001"
UNIT_SECRET_KEY = "unit-test-secret-that-never-occurs-in-data-000001"


# An argument run_module leaves out (instead of passing its default connection arguments).
OMIT = object()


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result.get("msg", ""))
        self.result = result
        self.failed = failed


@contextlib.contextmanager
def _module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
    except ImportError:
        patch_module_args = None
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    previous = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = previous


@pytest.fixture
def run_module(monkeypatch):
    """run_module(main, args) -> ModuleExit with .result and .failed.

    The result carries the warnings the module emitted in ``warnings`` on every ansible-core: 2.19+ (through
    amazon.aws) puts them into the result itself, older versions only add them in the real exit_json, which is
    replaced here; so they are recorded from AnsibleModule.warn, per run (core keeps them in a global).
    """
    warned = []
    real_warn = basic.AnsibleModule.warn

    def warn(self, warning, *args, **kwargs):
        warned.append(warning)
        return real_warn(self, warning, *args, **kwargs)

    def with_warnings(kwargs):
        if warned and "warnings" not in kwargs:
            kwargs["warnings"] = list(dict.fromkeys(warned))
        return kwargs

    def exit_json(self, **kwargs):
        raise ModuleExit(with_warnings(kwargs), failed=False)

    def fail_json(self, **kwargs):
        raise ModuleExit(with_warnings(kwargs), failed=True)

    monkeypatch.setattr(basic.AnsibleModule, "warn", warn)
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def run(main, args):
        args = dict({"region": "us-east-1", "access_key": UNIT_ACCESS_KEY, "secret_key": UNIT_SECRET_KEY, "_ansible_check_mode": False}, **args)
        args = {name: value for name, value in args.items() if value is not OMIT}
        del warned[:]
        with _module_args(args):
            with pytest.raises(ModuleExit) as exc:
                main()
        return exc.value

    return run


def stubbed_guardduty_client():
    """(client wrapped with the collection's retries, active Stubber) on a real boto3 GuardDuty client.

    The Stubber checks every request against botocore's service model.
    """
    client = boto3.client("guardduty", region_name="us-east-1", aws_access_key_id=UNIT_ACCESS_KEY, aws_secret_access_key=UNIT_SECRET_KEY)
    stub = Stubber(client)
    stub.activate()
    return RetryingBotoClientWrapper(client, retry_decorator()), stub


@pytest.fixture
def stubbed():
    """(wrapped client, Stubber) on a real boto3 GuardDuty client: requests are validated against the service model."""
    client, stubber = stubbed_guardduty_client()
    yield client, stubber
    stubber.deactivate()


@pytest.fixture
def stub_guardduty_client(monkeypatch):
    """stub_guardduty_client(*modules) -> Stubber behind the client those modules' guardduty_client() returns.

    ``stub.made`` lists the concurrency each client was asked for.
    """
    stubs = []

    def patch(*modules):
        client, stub = stubbed_guardduty_client()
        stub.made = []

        def fake_client(plugin, concurrency=8, reuse=False):
            stub.made.append(concurrency)
            return client

        for module in modules:
            monkeypatch.setattr(module, "guardduty_client", fake_client)
        stubs.append(stub)
        return stub

    yield patch
    for stub in stubs:
        stub.deactivate()


@pytest.fixture
def stub_aws_client(monkeypatch):
    """stub_aws_client(service, region) -> active Stubber behind every ``AnsibleAWSModule.client()`` of the test.

    The client is a real boto3 client (requests checked against the service model) wrapped with the collection's
    retries, as a module gets it. ``stub.asked`` lists the services the module asked for; at the end of the test
    every queued response must have been used. Stub several services (a module that calls GuardDuty and Security
    Hub) by calling it once per service: each ``client(service)`` then gets its own; with one, every client is it.
    """
    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

    stubs = []
    clients = {}
    collection_retries = retry_decorator()

    def fake_client(self, asked_for, retry_decorator=None, **kwargs):
        client, stub = clients[asked_for] if len(clients) > 1 else next(iter(clients.values()))
        stub.asked.append(asked_for)
        return RetryingBotoClientWrapper(client, retry_decorator or collection_retries)

    def patch(service, region="us-east-1"):
        client = boto3.client(service, region_name=region, aws_access_key_id=UNIT_ACCESS_KEY, aws_secret_access_key=UNIT_SECRET_KEY)
        stub = Stubber(client)
        stub.activate()
        stub.asked = []
        clients[service] = (client, stub)
        monkeypatch.setattr(AnsibleAWSModule, "client", fake_client)
        stubs.append(stub)
        return stub

    yield patch
    for stub in stubs:
        stub.assert_no_pending_responses()
        stub.deactivate()


# Nothing listens on the discard port: a request that were sent anyway would fail with another message.
UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture
def no_aws_credentials(monkeypatch, tmp_path):
    """An environment where botocore finds no credentials and no Region: no AWS_* variables, no ~/.aws files,
    no instance metadata. Clients the lookup kept from earlier tests are dropped."""
    from ansible_collections.secops.guardduty.plugins.plugin_utils.lookup import forget_clients

    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    forget_clients()
    yield
    forget_clients()
