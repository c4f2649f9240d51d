# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""client.py: the one paginator helper reads every page, stops when told, and retries with the client's own retries."""

from __future__ import annotations

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
