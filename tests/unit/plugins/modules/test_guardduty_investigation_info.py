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


def test_a_missing_profile_says_where_profiles_are_read_from_and_how_to_list_them(run_module, no_aws_credentials, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[profile incident-response]\nregion = us-east-1\n[default]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    exit_ = run_module(
        guardduty_investigation_info.main,
        {"investigation_id": INV, "detector_id": DETECTOR, "access_key": None, "secret_key": None, "profile": "incident-respnse", "endpoint_url": UNREACHABLE},
    )
    assert exit_.failed
    assert exit_.result["msg"] == (
        f"The config profile (incident-respnse) could not be found. AWS profiles are read from {config} ([profile NAME] sections) "
        f"and {tmp_path / 'no-credentials'} ([NAME] sections); AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name other files. "
        "Profiles found there: default, incident-response. `aws configure list-profiles` lists them. Fix profile (or AWS_PROFILE), "
        "or leave it out to use keys, a role or the environment"
    )
    assert "Couldn't connect to AWS" not in exit_.result["msg"] and "exception" not in exit_.result


# ---------------------------------------------------------------- regions (one stubbed client per Region)

EU_DETECTOR = "3dc4e5f6a7b8c9d0e1f2a3b4c5d6e7f8"


@pytest.fixture
def regional_clients(monkeypatch):
    """{region: Stubber} behind the client guardduty_clients() builds for each Region; ``made`` lists the Regions asked."""
    from ansible_collections.secops.guardduty.tests.unit.conftest import stubbed_guardduty_client

    stubs, clients, made = {}, {}, []

    def fake_clients(plugin, regions, connection_info, concurrency=8):
        assert callable(connection_info)
        for region in regions:
            made.append(region)
            if region not in clients:
                clients[region], stubs[region] = stubbed_guardduty_client()
        return {region: clients[region] for region in regions}

    monkeypatch.setattr(read, "guardduty_clients", fake_clients)
    stubs["made"] = made
    yield stubs
    for name, stub in stubs.items():
        if name != "made":
            stub.deactivate()


def test_regions_beside_a_region_in_the_task_fails_before_any_call(run_module, regional_clients, monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    out = run_module(guardduty_investigation_info.main, {"regions": ["us-east-1", "eu-west-1"], "region": "eu-west-1"})
    assert out.failed
    assert out.result["msg"].startswith("regions and region are mutually exclusive: region 'eu-west-1' was given in the task")
    assert regional_clients["made"] == []


def test_regions_win_over_a_region_from_the_environment(run_module, regional_clients, monkeypatch):
    from ansible_collections.secops.guardduty.tests.unit.conftest import OMIT

    monkeypatch.setenv("AWS_REGION", "ap-northeast-1")
    # the Region's client is made on first use: make it now and queue eu-west-1's answers
    read.guardduty_clients(None, ["eu-west-1"], lambda plugin: None)
    regional_clients["made"].clear()
    regional_clients["eu-west-1"].add_response("list_detectors", {"DetectorIds": [EU_DETECTOR]}, {})
    regional_clients["eu-west-1"].add_response("get_investigation", {"Investigation": completed()}, {"DetectorId": EU_DETECTOR, "InvestigationId": INV})
    out = run_module(guardduty_investigation_info.main, {"regions": ["eu-west-1"], "investigation_id": [INV], "region": OMIT})
    assert not out.failed, out.result
    assert regional_clients["made"] == ["eu-west-1"]
    assert out.result["investigation"]["region"] == "eu-west-1"
    assert out.result["region_errors"] == [] and out.result["detector_ids"] == {"eu-west-1": EU_DETECTOR}
    assert out.result["regions"] == ["eu-west-1"] and "detector_id" not in out.result


def test_regions_with_detector_id_is_refused(run_module, regional_clients, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    from ansible_collections.secops.guardduty.tests.unit.conftest import OMIT

    out = run_module(guardduty_investigation_info.main, {"regions": ["eu-west-1"], "detector_id": DETECTOR, "region": OMIT})
    assert out.failed
    assert out.result["msg"].startswith("detector_id names one Region's detector and cannot be combined with regions (eu-west-1)")


def test_a_missing_id_over_regions_fails_with_every_regions_data(run_module, monkeypatch):
    from ansible_collections.secops.guardduty.tests.unit.conftest import OMIT
    from ansible_collections.secops.guardduty.tests.unit.conftest import stubbed_guardduty_client

    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    stubs = {}
    for region in ("us-east-1", "eu-west-1"):
        client, stub = stubbed_guardduty_client()
        stub.add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
        stub.add_client_error("get_investigation", "ResourceNotFoundException", "nope", 404)
        stubs[region] = (client, stub)
    monkeypatch.setattr(read, "guardduty_clients", lambda plugin, regions, connection_info, concurrency=8: {region: stubs[region][0] for region in regions})
    out = run_module(guardduty_investigation_info.main, {"regions": ["us-east-1", "eu-west-1"], "investigation_id": [INV], "region": OMIT})
    for _client, stub in stubs.values():
        stub.deactivate()
    assert out.failed
    assert out.result["msg"] == f"Investigation {INV} was not found in any of the Regions read (us-east-1, eu-west-1). Check the id and the Regions"
    assert out.result["region_errors"] == [] and out.result["investigations"] == []
