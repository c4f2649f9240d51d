# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""lookup.py: the lookup's client reuse: the same client only for exactly the same connection options, environment,
AWS files and process; a module never reuses."""

from __future__ import annotations

import os

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils import client as client_mod
from ansible_collections.secops.guardduty.plugins.plugin_utils import lookup


# ---------------------------------------------------------------- the lookup's client reuse


class FakePlugin:
    """Options like a lookup's; client() counts the clients amazon.aws would build."""

    built = []

    def __init__(self, **options):
        self.options = {name: None for name in lookup.CONNECTION_OPTIONS}
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
    lookup.forget_clients()
    FakePlugin.built = []
    for key in list(os.environ):
        if key.startswith("AWS_") or key.upper() in lookup.PROXY_VARIABLES:
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    yield tmp_path
    lookup.forget_clients()


def test_same_connection_reuses_one_client(clean):
    first = lookup.kept_client(FakePlugin(access_key="AKIAONE"), 8)
    second = lookup.kept_client(FakePlugin(access_key="AKIAONE"), 8)
    assert first is second
    assert len(FakePlugin.built) == 1
    assert FakePlugin.built[0][:2] == ("guardduty", {"max_pool_connections": 10})


def test_a_module_never_reuses(clean):
    first = client_mod.guardduty_client(FakePlugin(), 8)
    second = client_mod.guardduty_client(FakePlugin(), 8)
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
    first = lookup.kept_client(FakePlugin(**base), 8)
    other = lookup.kept_client(FakePlugin(**dict(base, **change)), 8)
    assert first is not other


@pytest.mark.parametrize(
    "variable",
    ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_CA_BUNDLE", "HTTPS_PROXY", "https_proxy"],
)
def test_a_changed_environment_gets_a_new_client(clean, monkeypatch, variable):
    monkeypatch.setenv(variable, "first")
    first = lookup.kept_client(FakePlugin(), 8)
    monkeypatch.setenv(variable, "second")
    assert lookup.kept_client(FakePlugin(), 8) is not first
    monkeypatch.delenv(variable)
    assert lookup.kept_client(FakePlugin(), 8) is not first


@pytest.mark.parametrize("name", ["config", "credentials"])
def test_a_changed_aws_file_gets_a_new_client(clean, name):
    first = lookup.kept_client(FakePlugin(), 8)
    (clean / name).write_text("[default]\n")  # created
    second = lookup.kept_client(FakePlugin(), 8)
    assert second is not first
    (clean / name).write_text("[default]\nregion = eu-west-1\n")  # rewritten
    assert lookup.kept_client(FakePlugin(), 8) is not second


def test_another_process_or_pool_size_gets_its_own_client(clean, monkeypatch):
    first = lookup.kept_client(FakePlugin(), 8)
    assert lookup.kept_client(FakePlugin(), 32) is not first
    monkeypatch.setattr(lookup.os, "getpid", lambda: -1)  # a forked worker: never its parent's connections
    assert lookup.kept_client(FakePlugin(), 8) is not first


def test_at_most_a_few_clients_are_kept(clean):
    kept = [lookup.kept_client(FakePlugin(profile=f"p{i}"), 8) for i in range(lookup._CLIENTS_MAX + 1)]
    assert len(lookup._CLIENTS) == lookup._CLIENTS_MAX
    assert lookup.kept_client(FakePlugin(profile="p0"), 8) is not kept[0]  # the oldest went first
    assert lookup.kept_client(FakePlugin(profile=f"p{lookup._CLIENTS_MAX}"), 8) is kept[-1]


def test_regions_keep_a_client_each_and_build_only_the_missing_ones(clean, monkeypatch):
    asked = []

    def fake_clients(plugin, regions, connection_info, concurrency=8):
        asked.append((list(regions), connection_info, concurrency))
        return {region: object() for region in regions}

    monkeypatch.setattr(lookup, "guardduty_clients", fake_clients)
    first = lookup.kept_clients(FakePlugin(), 8, ["us-east-1", "eu-west-1"])
    again = lookup.kept_clients(FakePlugin(), 8, ["eu-west-1", "eu-north-1", "us-east-1"])
    assert list(again) == ["eu-west-1", "eu-north-1", "us-east-1"]  # the order asked
    assert again["eu-west-1"] is first["eu-west-1"] and again["us-east-1"] is first["us-east-1"]
    assert [regions for regions, _info, _c in asked] == [["us-east-1", "eu-west-1"], ["eu-north-1"]]  # built once each
    assert asked[0][1] is lookup.get_aws_connection_info  # amazon.aws's, for a plugin
    assert lookup.kept_clients(FakePlugin(access_key="AKIAOTHER"), 8, ["us-east-1"])["us-east-1"] is not first["us-east-1"]


def test_every_region_of_all_fits_in_the_kept_clients():
    from ansible_collections.secops.guardduty.plugins.module_utils.client import PREVIEW_REGIONS  # pylint: disable=import-outside-toplevel

    assert lookup._CLIENTS_MAX >= 2 * len(PREVIEW_REGIONS)
