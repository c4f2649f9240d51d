# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader


from ansible_collections.secops.guardduty.plugins.module_utils import gather

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
A = "aaaaaaaa-0000-0000-0000-000000000000"
B = "bbbbbbbb-0000-0000-0000-000000000000"
CONN = {"region": "us-east-1", "access_key": "AKIAUNITTESTKEY0000000001", "secret_key": "unit-secret-key-never-in-data-0001"}


@pytest.fixture
def stubber(stub_guardduty_client):
    return stub_guardduty_client(gather)


def inv(iid, status="COMPLETED"):
    return {"Investigation": {"InvestigationId": iid, "Status": status, "TriggerPrompt": "p", "TriggeredBy": "123456789012"}}


def lookup(terms, **kwargs):
    return lookup_loader.get("secops.guardduty.guardduty_investigation").run(terms, {}, **dict(CONN, **kwargs))


def test_one_element_per_term_in_term_order_on_one_client(stubber):
    stubber.add_response("get_investigation", inv(B), {"DetectorId": DETECTOR, "InvestigationId": B})
    stubber.add_response("get_investigation", inv(A), {"DetectorId": DETECTOR, "InvestigationId": A})
    result = lookup([B, [A, B]], detector_id=DETECTOR, concurrency=1)
    assert [r["investigation_id"] for r in result] == [B, A, B]
    assert stubber.made == [1]


def test_malformed_id_fails_before_any_call(stubber):
    with pytest.raises(AnsibleLookupError, match="Invalid investigation id 'not an id'"):
        lookup([A, "not an id"], detector_id=DETECTOR)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("policy, expected", [("skip", []), ("warn", [])])
def test_on_missing_leaves_the_element_out(stubber, policy, expected):
    stubber.add_client_error("get_investigation", "ResourceNotFoundException", "nope", 404)
    assert lookup([A], detector_id=DETECTOR, on_missing=policy) == expected


def test_on_missing_error_names_id_and_detector(stubber):
    stubber.add_client_error("get_investigation", "ResourceNotFoundException", "nope", 404)
    with pytest.raises(AnsibleLookupError, match=f"Investigation {A} was not found on detector {DETECTOR}"):
        lookup([A], detector_id=DETECTOR)


def test_on_denied_error_names_the_permission(stubber):
    stubber.add_client_error("get_investigation", "AccessDeniedException", "no", 403)
    with pytest.raises(AnsibleLookupError, match="guardduty:GetInvestigation"):
        lookup([A], detector_id=DETECTOR)


def test_bad_policy_is_rejected(stubber):
    with pytest.raises(Exception, match="on_missing"):
        lookup([A], detector_id=DETECTOR, on_missing="ignore")


def test_bad_wait_options_are_rejected(stubber):
    with pytest.raises(AnsibleLookupError, match="wait_sleep \\(60\\) is longer than wait_timeout \\(10\\)"):
        lookup([A], detector_id=DETECTOR, wait=True, wait_timeout=10, wait_sleep=60)
