# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest


from ansible_collections.secops.guardduty.plugins.module_utils import read
from ansible_collections.secops.guardduty.plugins.modules import guardduty_investigation_info
from ansible_collections.secops.guardduty.tests.unit.conftest import UNREACHABLE

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
INV = "a1b2c3d4-5678-90ab-cdef-ef1234567890"


@pytest.fixture
def stubber(stub_guardduty_client):
    return stub_guardduty_client(read)


def completed():
    return {
        "InvestigationId": INV,
        "Status": "COMPLETED",
        "TriggerPrompt": "Analyze findings in my organization",
        "TriggeredBy": "123456789012",
        "RiskLevel": "High",
    }


def test_one_id_returns_investigation_and_list_unchanged(run_module, stubber):
    stubber.add_response("get_investigation", {"Investigation": completed()}, {"DetectorId": DETECTOR, "InvestigationId": INV})
    out = run_module(guardduty_investigation_info.main, {"investigation_id": [INV], "detector_id": DETECTOR})
    assert not out.failed
    assert out.result["changed"] is False
    assert out.result["investigation"]["risk_level"] == "High"
    assert out.result["investigations"] == [out.result["investigation"]]
    assert out.result["detector_id"] == DETECTOR


def test_check_mode_reads_too(run_module, stubber):
    stubber.add_response("get_investigation", {"Investigation": completed()}, {"DetectorId": DETECTOR, "InvestigationId": INV})
    out = run_module(guardduty_investigation_info.main, {"id": [INV], "detector_id": DETECTOR, "_ansible_check_mode": True})
    assert out.result["changed"] is False
    assert out.result["investigation"]["investigation_id"] == INV


def test_ids_and_filters_are_mutually_exclusive(run_module, stubber):
    out = run_module(guardduty_investigation_info.main, {"investigation_ids": [INV], "filters": {"status": "running"}})
    assert out.failed
    assert "mutually exclusive" in out.result["msg"]


def test_api_error_carries_aws_details(run_module, stubber):
    stubber.add_client_error("get_investigation", "AccessDeniedException", "User is not authorized", 403)
    out = run_module(guardduty_investigation_info.main, {"investigation_ids": [INV], "detector_id": DETECTOR})
    assert out.failed
    assert out.result["msg"].startswith(
        f"Access denied calling GetInvestigation for investigation {INV} on detector {DETECTOR} in us-east-1: the caller needs guardduty:GetInvestigation"
    )
    assert out.result["error"]["code"] == "AccessDeniedException"


def test_region_outside_the_preview_warns(run_module, stubber):
    stubber.add_response("get_investigation", {"Investigation": completed()}, {"DetectorId": DETECTOR, "InvestigationId": INV})
    out = run_module(guardduty_investigation_info.main, {"investigation_ids": [INV], "detector_id": DETECTOR, "region": "sa-east-1"})
    assert not out.failed
    assert any("Region sa-east-1 is not one of the Regions" in w for w in out.result.get("warnings", []))


def test_empty_endpoint_url_means_the_default_endpoint(run_module, stubber, monkeypatch):
    seen = []
    real = read.guardduty_client

    def spy(plugin, concurrency=8):
        seen.append(plugin.params["endpoint_url"])
        return real(plugin, concurrency)

    monkeypatch.setattr(read, "guardduty_client", spy)
    stubber.add_response("get_investigation", {"Investigation": completed()}, {"DetectorId": DETECTOR, "InvestigationId": INV})
    out = run_module(guardduty_investigation_info.main, {"investigation_ids": [INV], "detector_id": DETECTOR, "endpoint_url": ""})
    assert not out.failed, out.result
    assert seen == [None]


# ---------------------------------------------------------------- credentials (real botocore, nothing stubbed)

NO_CREDENTIALS = "No AWS credentials were found, so nothing was sent to call GetInvestigation for investigation "
HOW = "Provide them in one of the ways amazon.aws reads: the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables"


def test_missing_credentials_say_how_to_provide_them(run_module, no_aws_credentials):
    exit_ = run_module(
        guardduty_investigation_info.main,
        {"investigation_id": INV, "detector_id": DETECTOR, "access_key": None, "secret_key": None, "endpoint_url": UNREACHABLE},
    )
    assert exit_.failed
    assert exit_.result["msg"].startswith(f"{NO_CREDENTIALS}{INV} on detector {DETECTOR} in us-east-1. {HOW}")
    assert "retries exhausted" not in exit_.result["msg"]
    assert "exception" not in exit_.result


def test_half_the_credentials_say_which_half_is_missing(run_module, no_aws_credentials):
    # botocore refuses while amazon.aws builds the client: its "Couldn't connect to AWS" becomes the credentials message
    exit_ = run_module(
        guardduty_investigation_info.main,
        {"investigation_id": INV, "detector_id": DETECTOR, "secret_key": None, "endpoint_url": UNREACHABLE},
    )
    assert exit_.failed
    assert exit_.result["msg"].startswith(
        "Only part of the AWS credentials were found (Partial credentials found in explicit, missing: aws_secret_access_key), "
        f"so nothing was sent to call GuardDuty. {HOW}"
    )
    assert "Couldn't connect to AWS" not in exit_.result["msg"]
