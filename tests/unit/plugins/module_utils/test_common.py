# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""common.py: the missing-credentials message (api_error, amazon.aws's client failures) and the lookup's client reuse:
the same client only for exactly the same connection options, environment, AWS files and process."""

from __future__ import annotations

import os

import botocore.exceptions
import pytest

from ansible_collections.secops.guardduty.plugins.module_utils import common
from ansible_collections.secops.guardduty.plugins.module_utils.investigations import api_error

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
    assert error.kind == "credentials"
    assert error.exception is None  # no botocore text appended, no traceback: the message says it all
    assert str(error) == error.message


def test_partial_credentials_say_what_is_missing():
    exc = botocore.exceptions.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY")
    error = api_error(exc, "ListDetectors", None, region="us-east-1")
    assert error.message == (
        "Only part of the AWS credentials were found (Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY), "
        f"so nothing was sent to call ListDetectors for detectors on this account in us-east-1. {HOW}"
    )
    assert error.kind == "credentials"


def test_connection_failure_keeps_amazon_aws_message_unless_credentials_are_missing():
    other = botocore.exceptions.ProfileNotFound(profile="nope")
    assert common.connection_failure("Couldn't connect to AWS", other) == ("Couldn't connect to AWS", other)
    assert common.connection_failure("Couldn't connect to AWS") == ("Couldn't connect to AWS", None)
    partial = botocore.exceptions.PartialCredentialsError(provider="explicit", cred_var="aws_secret_access_key")
    message, exception = common.connection_failure("Couldn't connect to AWS", partial)
    assert exception is None
    assert message == (
        "Only part of the AWS credentials were found (Partial credentials found in explicit, missing: aws_secret_access_key), "
        f"so nothing was sent to call GuardDuty. {HOW}"
    )


def test_only_credentials_errors_count_as_credentials_errors():
    assert common.is_credentials_error(botocore.exceptions.NoCredentialsError())
    assert not common.is_credentials_error(botocore.exceptions.NoRegionError())
    assert not common.is_credentials_error(None)


# ---------------------------------------------------------------- the lookup's client reuse


class FakePlugin:
    """Options like a lookup's; client() counts the clients amazon.aws would build."""

    built = []

    def __init__(self, **options):
        self.options = {name: None for name in common.CONNECTION_OPTIONS}
        self.options.update(dict({"region": "us-east-1"}, **options))

    def get_option(self, name):
        return self.options[name]

    def client(self, service, retry_decorator=None, config=None):
        client = object()
        FakePlugin.built.append((service, config, client))
        return client


@pytest.fixture
def clean(monkeypatch, tmp_path):
    """No kept clients, no AWS_* environment, AWS files in tmp_path."""
    common.forget_clients()
    FakePlugin.built = []
    for key in list(os.environ):
        if key.startswith("AWS_") or key.upper() in common.PROXY_VARIABLES:
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    yield tmp_path
    common.forget_clients()


def test_same_connection_reuses_one_client(clean):
    first = common.guardduty_client(FakePlugin(access_key="AKIAONE"), 8, reuse=True)
    second = common.guardduty_client(FakePlugin(access_key="AKIAONE"), 8, reuse=True)
    assert first is second
    assert len(FakePlugin.built) == 1
    assert FakePlugin.built[0][:2] == ("guardduty", {"max_pool_connections": 10})


def test_a_module_never_reuses(clean):
    first = common.guardduty_client(FakePlugin(), 8)
    second = common.guardduty_client(FakePlugin(), 8)
    assert first is not second and len(FakePlugin.built) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"access_key": "AKIATWO"},
        {"secret_key": "another-secret"},
        {"session_token": "another-token"},
        {"profile": "other"},
        {"region": "eu-west-1"},
        {"endpoint_url": "http://127.0.0.1:1"},
        {"validate_certs": False},
        {"aws_ca_bundle": "/tmp/ca.pem"},
        {"aws_config": {"read_timeout": 5}},
    ],
)
def test_any_other_connection_option_gets_its_own_client(clean, change):
    base = {"access_key": "AKIAONE", "secret_key": "secret"}
    first = common.guardduty_client(FakePlugin(**base), 8, reuse=True)
    other = common.guardduty_client(FakePlugin(**dict(base, **change)), 8, reuse=True)
    assert first is not other


@pytest.mark.parametrize(
    "variable",
    ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_CA_BUNDLE", "HTTPS_PROXY", "https_proxy"],
)
def test_a_changed_environment_gets_a_new_client(clean, monkeypatch, variable):
    monkeypatch.setenv(variable, "first")
    first = common.guardduty_client(FakePlugin(), 8, reuse=True)
    monkeypatch.setenv(variable, "second")
    assert common.guardduty_client(FakePlugin(), 8, reuse=True) is not first
    monkeypatch.delenv(variable)
    assert common.guardduty_client(FakePlugin(), 8, reuse=True) is not first


@pytest.mark.parametrize("name", ["config", "credentials"])
def test_a_changed_aws_file_gets_a_new_client(clean, name):
    first = common.guardduty_client(FakePlugin(), 8, reuse=True)
    (clean / name).write_text("[default]\n")  # created
    second = common.guardduty_client(FakePlugin(), 8, reuse=True)
    assert second is not first
    (clean / name).write_text("[default]\nregion = eu-west-1\n")  # rewritten
    assert common.guardduty_client(FakePlugin(), 8, reuse=True) is not second


def test_another_process_or_pool_size_gets_its_own_client(clean, monkeypatch):
    first = common.guardduty_client(FakePlugin(), 8, reuse=True)
    assert common.guardduty_client(FakePlugin(), 32, reuse=True) is not first
    monkeypatch.setattr(common.os, "getpid", lambda: -1)  # a forked worker: never its parent's connections
    assert common.guardduty_client(FakePlugin(), 8, reuse=True) is not first


def test_at_most_a_few_clients_are_kept(clean):
    kept = [common.guardduty_client(FakePlugin(profile=f"p{i}"), 8, reuse=True) for i in range(common._CLIENTS_MAX + 1)]
    assert len(common._CLIENTS) == common._CLIENTS_MAX
    assert common.guardduty_client(FakePlugin(profile="p0"), 8, reuse=True) is not kept[0]  # the oldest went first
    assert common.guardduty_client(FakePlugin(profile=f"p{common._CLIENTS_MAX}"), 8, reuse=True) is kept[-1]
