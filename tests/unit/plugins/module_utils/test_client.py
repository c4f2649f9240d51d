# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""client.py: the one paginator helper reads every page, stops when told, and retries with the client's own retries."""

from __future__ import annotations

import botocore.exceptions
import pytest

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.secops.guardduty.plugins.module_utils.client import EXTRA_RETRY_CODES
from ansible_collections.secops.guardduty.plugins.module_utils.client import paginate
from ansible_collections.secops.guardduty.plugins.module_utils.client import read_pages

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"


def page(ids, token=None):
    response = {"DetectorIds": ids}
    if token:
        response["NextToken"] = token
    return response


def test_every_page_and_the_count(stubbed):
    client, stub = stubbed
    stub.add_response("list_detectors", page(["a" * 32], "t1"), {})
    stub.add_response("list_detectors", page(["b" * 32]), {"NextToken": "t1"})
    assert read_pages(client, "list_detectors", "DetectorIds") == (["a" * 32, "b" * 32], 2)
    stub.assert_no_pending_responses()


def test_until_stops_reading_early(stubbed):
    client, stub = stubbed
    stub.add_response("list_detectors", page(["a" * 32], "t1"), {})
    assert read_pages(client, "list_detectors", "DetectorIds", until=lambda items: len(items) >= 1) == (["a" * 32], 1)
    stub.assert_no_pending_responses()


def test_a_throttled_page_is_retried_with_the_clients_retries(stubbed):
    raw, stub = stubbed
    tried = []
    fast = AWSRetry.jittered_backoff(retries=3, delay=0, catch_extra_error_codes=EXTRA_RETRY_CODES)

    def counting(func):
        retried = fast(func)

        def wrapper(*args, **kwargs):
            tried.append(1)
            return retried(*args, **kwargs)

        return wrapper

    client = RetryingBotoClientWrapper(raw.client, counting)
    stub.add_client_error("list_detectors", service_error_code="ThrottlingException", http_status_code=400)
    stub.add_response("list_detectors", page([DETECTOR]), {})
    assert paginate(client, "list_detectors", "DetectorIds") == [DETECTOR]
    assert tried == [1]  # the client's retry decorator was the one that retried
    stub.assert_no_pending_responses()


def test_the_user_agent_names_the_version_galaxy_yml_releases():
    import os  # pylint: disable=import-outside-toplevel

    import yaml  # pylint: disable=import-outside-toplevel

    from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_VERSION  # pylint: disable=import-outside-toplevel

    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), *[os.pardir] * 4)
    with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as handle:
        assert yaml.safe_load(handle)["version"] == COLLECTION_VERSION


# ---------------------------------------------------------------- the clients of a task over several Regions


def _sent_user_agent(client):
    """The User-Agent header ``client`` sends (the request is answered locally, never sent)."""
    import botocore.awsrequest  # pylint: disable=import-outside-toplevel

    seen = []

    def answer(request, **kwargs):
        value = request.headers["User-Agent"]
        seen.append(value.decode("utf-8") if isinstance(value, bytes) else value)
        return botocore.awsrequest.AWSResponse(request.url, 200, {}, None)

    client.meta.events.register("before-send.guardduty.ListDetectors", answer)
    try:
        client.list_detectors()
    except Exception:  # pylint: disable=broad-exception-caught  # the empty answer does not parse; the header was seen
        pass
    return seen[0]


def test_the_other_regions_clients_are_built_as_amazon_aws_builds_one_on_one_session():
    import botocore.config  # pylint: disable=import-outside-toplevel

    from ansible_collections.amazon.aws.plugins.module_utils.botocore import _boto3_conn  # pylint: disable=import-outside-toplevel
    from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info  # pylint: disable=import-outside-toplevel

    from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_NAME  # pylint: disable=import-outside-toplevel
    from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_VERSION  # pylint: disable=import-outside-toplevel
    from ansible_collections.secops.guardduty.plugins.module_utils.client import client_config  # pylint: disable=import-outside-toplevel
    from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator  # pylint: disable=import-outside-toplevel
    from ansible_collections.secops.guardduty.plugins.module_utils.client import session_clients  # pylint: disable=import-outside-toplevel
    from ansible_collections.secops.guardduty.tests.unit.conftest import UNIT_ACCESS_KEY  # pylint: disable=import-outside-toplevel
    from ansible_collections.secops.guardduty.tests.unit.conftest import UNIT_SECRET_KEY  # pylint: disable=import-outside-toplevel

    set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
    endpoint = "http://127.0.0.1:9/"
    params = {
        "aws_access_key_id": UNIT_ACCESS_KEY,
        "aws_secret_access_key": UNIT_SECRET_KEY,
        "aws_session_token": None,
        "verify": False,
        "aws_config": botocore.config.Config(connect_timeout=7),
    }
    # what amazon.aws builds for the first Region, with the collection's configuration and the user's aws_config
    first = _boto3_conn(conn_type="client", resource="guardduty", region="us-east-1", endpoint=endpoint, config=client_config(17), **dict(params))
    retry = retry_decorator()

    others = session_clients(["eu-west-1", "eu-north-1"], endpoint, dict(params, profile_name=None), client_config(17), retry)

    assert list(others) == ["eu-west-1", "eu-north-1"]
    for region, client in others.items():
        assert isinstance(client, RetryingBotoClientWrapper) and client.retry is retry
        raw = client.client
        assert raw.meta.region_name == region
        assert raw.meta.endpoint_url == first.meta.endpoint_url == endpoint
        assert _sent_user_agent(raw) == _sent_user_agent(first)
        assert f"{COLLECTION_NAME}/{COLLECTION_VERSION}" in _sent_user_agent(raw)
        for name in ("user_agent", "max_pool_connections", "connect_timeout", "retries"):
            assert getattr(raw.meta.config, name) == getattr(first.meta.config, name), name
        assert raw.meta.config.max_pool_connections == 17 and raw.meta.config.connect_timeout == 7
        assert raw._request_signer._credentials.access_key == UNIT_ACCESS_KEY  # pylint: disable=protected-access
        assert raw._endpoint.http_session._verify is False  # pylint: disable=protected-access
    # one session for all of them: botocore's models were loaded once
    assert others["eu-west-1"].client._loader is others["eu-north-1"].client._loader  # pylint: disable=protected-access
    assert session_clients([], endpoint, params) == {}
    unwrapped = session_clients(["us-west-2"], None, {"aws_access_key_id": UNIT_ACCESS_KEY, "aws_secret_access_key": UNIT_SECRET_KEY})["us-west-2"]
    assert not isinstance(unwrapped, RetryingBotoClientWrapper)
    assert unwrapped.meta.endpoint_url == "https://guardduty.us-west-2.amazonaws.com"


class _Plugin:
    """A module or lookup: client() is amazon.aws's, counted."""

    def __init__(self):
        self.asked = []

    def client(self, service, retry_decorator=None, config=None, region=None):
        self.asked.append(region)
        return RetryingBotoClientWrapper(object(), retry_decorator)


def test_amazon_aws_builds_the_first_regions_client_and_one_session_the_others(monkeypatch):
    from ansible_collections.secops.guardduty.plugins.module_utils import client as client_mod  # pylint: disable=import-outside-toplevel

    built = []

    def fake_session_clients(regions, endpoint_url, params, config=None, retry=None):
        built.append((list(regions), endpoint_url, params, config, retry))
        return {region: object() for region in regions}

    monkeypatch.setattr(client_mod, "session_clients", fake_session_clients)
    plugin = _Plugin()
    clients = client_mod.guardduty_clients(plugin, ["eu-west-1", "us-east-1", "eu-north-1"], lambda p: ("eu-west-1", "http://e", {"k": p is plugin}), 20)
    assert list(clients) == ["eu-west-1", "us-east-1", "eu-north-1"]
    assert plugin.asked == ["eu-west-1"]
    assert built == [(["us-east-1", "eu-north-1"], "http://e", {"k": True}, {"max_pool_connections": 20}, clients["eu-west-1"].retry)]
    assert client_mod.guardduty_clients(plugin, ["ca-central-1"], None, 20).keys() == {"ca-central-1"}  # one Region: amazon.aws alone


def test_without_amazon_aws_user_agent_function_every_client_is_amazon_aws_own(monkeypatch):
    from ansible_collections.secops.guardduty.plugins.module_utils import client as client_mod  # pylint: disable=import-outside-toplevel

    monkeypatch.setattr(client_mod, "session_clients", lambda *args, **kwargs: None)
    plugin = _Plugin()
    clients = client_mod.guardduty_clients(plugin, ["eu-west-1", "us-east-1"], lambda p: (None, None, {}), 8)
    assert list(clients) == ["eu-west-1", "us-east-1"]
    assert plugin.asked == ["eu-west-1", "us-east-1"]


# ---------------------------------------------------------------- the retries' backoff: amazon.aws's delays, a sleep tests inject


def test_the_backoff_waits_amazon_aws_jittered_delays_through_its_own_sleep_between_attempts(monkeypatch):
    import time as time_mod  # pylint: disable=import-outside-toplevel

    from ansible_collections.secops.guardduty.plugins.module_utils import client as client_mod  # pylint: disable=import-outside-toplevel

    waited = []
    monkeypatch.setattr(client_mod.RetryBackoff, "sleep", staticmethod(waited.append))
    # amazon.aws's loop is given 0 to wait: the process-wide time.sleep never waits
    monkeypatch.setattr(time_mod, "sleep", lambda seconds: seconds == 0 or pytest.fail(f"the process-wide time.sleep({seconds}) was called"))
    attempts = []

    @client_mod.retry_decorator()
    def throttled():
        attempts.append(len(waited))
        raise botocore.exceptions.ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "GetInvestigation")

    with pytest.raises(botocore.exceptions.ClientError):
        throttled()
    assert len(attempts) == client_mod.RETRIES == 10
    assert attempts == list(range(10))  # one wait before each attempt after the first, none after the last
    bounds = [min(3 * 2.0**n, 60) for n in range(9)]
    assert all(0 <= wait <= bound for wait, bound in zip(waited, bounds))  # jitter: up to 3 s, 6 s, ... at most 60 s
