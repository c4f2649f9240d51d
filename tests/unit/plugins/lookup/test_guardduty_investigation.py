# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader


from ansible_collections.secops.guardduty.plugins.plugin_utils import lookup as lookup_runner
from ansible_collections.secops.guardduty.tests.unit.conftest import UNREACHABLE

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
A = "aaaaaaaa-0000-0000-0000-000000000000"
B = "bbbbbbbb-0000-0000-0000-000000000000"
CONN = {"region": "us-east-1", "access_key": "AKIAUNITTESTKEY0000000001", "secret_key": "unit-secret-key-never-in-data-0001"}


@pytest.fixture
def stubber(stub_guardduty_client):
    return stub_guardduty_client(lookup_runner)


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


# ---------------------------------------------------------------- connection problems (real botocore, nothing stubbed)

HOW = "Provide them in one of the ways amazon.aws reads: the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables"


def test_missing_credentials_say_how_to_provide_them(no_aws_credentials):
    with pytest.raises(AnsibleLookupError) as error:
        lookup_loader.get("secops.guardduty.guardduty_investigation").run([A], {}, region="us-east-1", detector_id=DETECTOR, endpoint_url=UNREACHABLE)
    assert str(error.value).startswith(
        f"No AWS credentials were found, so nothing was sent to call GetInvestigation for investigation {A} " f"on detector {DETECTOR} in us-east-1. {HOW}"
    )


def test_half_the_credentials_say_which_half_is_missing(no_aws_credentials):
    with pytest.raises(AnsibleLookupError) as error:
        lookup_loader.get("secops.guardduty.guardduty_investigation").run(
            [A], {}, region="us-east-1", access_key="AKIAUNITTESTKEYHALFONLY0001", detector_id=DETECTOR, endpoint_url=UNREACHABLE
        )
    assert str(error.value).startswith(
        "Only part of the AWS credentials were found (Partial credentials found in explicit, missing: aws_secret_access_key), "
        f"so nothing was sent to call GuardDuty. {HOW}"
    )


def test_no_region_says_lookups_do_not_take_module_defaults(no_aws_credentials):
    with pytest.raises(AnsibleLookupError) as error:
        lookup_loader.get("secops.guardduty.guardduty_investigation").run([A], {}, **dict(CONN, region=None))
    assert str(error.value) == (
        "The secops.guardduty.guardduty_investigation lookup needs a Region and found none. Lookups run on the controller "
        "and do not take module_defaults (not even group/aws): pass the Region to the lookup itself (region='us-east-1', "
        "or its alias aws_region=...), or set AWS_REGION (or AWS_DEFAULT_REGION, or region in the profile's ~/.aws/config "
        "section) in the environment ansible-playbook runs in"
    )


@pytest.mark.parametrize("how", ["option", "environment"])
def test_no_region_with_a_profile_names_the_profile(no_aws_credentials, monkeypatch, how):
    # a profile that does not exist (or sets no region) gives no Region either: say which profile
    direct = {"profile": "incident-response"} if how == "option" else {}
    if how == "environment":
        monkeypatch.setenv("AWS_PROFILE", "incident-response")
    with pytest.raises(AnsibleLookupError) as error:
        lookup_loader.get("secops.guardduty.guardduty_investigation").run([A], {}, detector_id=DETECTOR, **direct)
    assert str(error.value).startswith(
        "The secops.guardduty.guardduty_investigation lookup needs a Region and found none "
        "(profile 'incident-response' gave none: check that it exists and sets region). Lookups run on the controller"
    )


def test_a_profile_beside_keys_from_the_environment_names_the_variables(no_aws_credentials, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CONN["access_key"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CONN["secret_key"])
    with pytest.raises(AnsibleLookupError) as error:
        lookup_loader.get("secops.guardduty.guardduty_investigation").run([A], {}, region="us-east-1", profile="incident-response")
    assert str(error.value) == (
        "profile 'incident-response' was given, and AWS keys came from the environment too (AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY): amazon.aws cannot use both. Unset them (unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY) "
        "to use the profile, or leave profile (and AWS_PROFILE) out to use the keys"
    )


def test_a_missing_profile_says_where_profiles_are_read_from(no_aws_credentials, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[profile prod]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with pytest.raises(AnsibleLookupError) as error:
        lookup_loader.get("secops.guardduty.guardduty_investigation").run([A], {}, region="us-east-1", profile="prd", endpoint_url=UNREACHABLE)
    message = str(error.value)
    assert message.startswith(f"The config profile (prd) could not be found. AWS profiles are read from {config} ([profile NAME] sections)")
    assert "Profiles found there: prod. `aws configure list-profiles` lists them" in message and "Couldn't connect" not in message


def test_the_region_alias_and_aws_default_region_are_enough(stubber, no_aws_credentials, monkeypatch):
    stubber.add_response("get_investigation", inv(A), {"DetectorId": DETECTOR, "InvestigationId": A})
    keys = {name: value for name, value in CONN.items() if name != "region"}

    def run(**kwargs):
        return lookup_loader.get("secops.guardduty.guardduty_investigation").run([A], {}, detector_id=DETECTOR, **keys, **kwargs)

    assert run(aws_region="eu-west-1")[0]["investigation_id"] == A
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    stubber.add_response("get_investigation", inv(A), {"DetectorId": DETECTOR, "InvestigationId": A})
    assert run()[0]["investigation_id"] == A


# ---------------------------------------------------------------- regions and region:id terms (one stubbed client per Region)

EU_DETECTOR = "3dc4e5f6a7b8c9d0e1f2a3b4c5d6e7f8"


@pytest.fixture
def per_region(monkeypatch):
    """{region: Stubber} for the client the lookup keeps for each Region (created on first use of the Region)."""
    from ansible_collections.secops.guardduty.tests.unit.conftest import stubbed_guardduty_client

    lookup_runner.forget_clients()
    clients, stubs = {}, {}
    for region in ("us-east-1", "eu-west-1", "ap-northeast-1"):
        clients[region], stubs[region] = stubbed_guardduty_client()
    made = []

    def fake_client(plugin, concurrency=8, region=None):
        made.append(region)
        return clients[region]

    def fake_clients(plugin, regions, connection_info, concurrency=8):
        return {region: fake_client(plugin, concurrency, region) for region in regions}

    monkeypatch.setattr(lookup_runner, "guardduty_client", fake_client)
    monkeypatch.setattr(lookup_runner, "guardduty_clients", fake_clients)
    stubs["made"] = made
    yield stubs
    lookup_runner.forget_clients()
    for region in clients:
        stubs[region].deactivate()


def regional_lookup(terms, **kwargs):
    keys = {name: value for name, value in CONN.items() if name != "region"}
    return lookup_loader.get("secops.guardduty.guardduty_investigation").run(terms, {}, **dict(keys, **kwargs))


def test_region_id_pairs_keep_the_term_order(per_region):
    per_region["eu-west-1"].add_response("list_detectors", {"DetectorIds": [EU_DETECTOR]}, {})
    per_region["eu-west-1"].add_response("get_investigation", inv(B), {"DetectorId": EU_DETECTOR, "InvestigationId": B})
    per_region["us-east-1"].add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
    per_region["us-east-1"].add_response("get_investigation", inv(A), {"DetectorId": DETECTOR, "InvestigationId": A})
    result = regional_lookup([f"eu-west-1:{B}", f"us-east-1:{A}"], concurrency=1)
    assert [(r["region"], r["investigation_id"]) for r in result] == [("eu-west-1", B), ("us-east-1", A)]
    assert sorted(per_region["made"]) == ["eu-west-1", "us-east-1"]


def test_plain_ids_are_looked_for_in_every_region_of_regions(per_region):
    for region, detector_id, found in (("us-east-1", DETECTOR, A), ("ap-northeast-1", EU_DETECTOR, B)):
        stub = per_region[region]
        stub.add_response("list_detectors", {"DetectorIds": [detector_id]}, {})
        for iid in (B, A):
            if iid == found:
                stub.add_response("get_investigation", inv(iid), {"DetectorId": detector_id, "InvestigationId": iid})
            else:
                stub.add_client_error(
                    "get_investigation", "ResourceNotFoundException", "nope", 404, expected_params={"DetectorId": detector_id, "InvestigationId": iid}
                )
    result = regional_lookup([B, A], regions=["us-east-1", "ap-northeast-1"], concurrency=1)
    assert [(r["region"], r["investigation_id"]) for r in result] == [("ap-northeast-1", B), ("us-east-1", A)]


def test_a_failed_region_warns_or_fails_as_on_region_error_says(per_region):
    for policy in ("warn", "fail"):
        per_region["us-east-1"].add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
        per_region["us-east-1"].add_response("get_investigation", inv(A), {"DetectorId": DETECTOR, "InvestigationId": A})
        per_region["eu-west-1"].add_client_error("list_detectors", "AccessDeniedException", "explicit deny", 403)
        terms = [f"us-east-1:{A}", f"eu-west-1:{B}"]
        if policy == "warn":
            assert [r["investigation_id"] for r in regional_lookup(terms, concurrency=1)] == [A]
        else:
            with pytest.raises(AnsibleLookupError, match=r"1 of 2 Regions could not be read \(on_region_error=fail\): eu-west-1 \(access_denied\)"):
                regional_lookup(terms, concurrency=1, on_region_error="fail")


def test_lookup_regions_beside_region_is_refused(per_region, monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(AnsibleLookupError, match="regions and region are mutually exclusive: region 'eu-west-1'"):
        regional_lookup([A], regions=["us-east-1"], region="eu-west-1")
    assert per_region["made"] == []


def test_lookup_region_from_the_environment_does_not_conflict(per_region, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    per_region["us-east-1"].add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
    per_region["us-east-1"].add_response("get_investigation", inv(A), {"DetectorId": DETECTOR, "InvestigationId": A})
    assert [r["region"] for r in regional_lookup([A], regions=["us-east-1"])] == ["us-east-1"]


def test_a_term_with_a_bad_region_prefix_is_refused(per_region):
    with pytest.raises(AnsibleLookupError, match="Invalid term 'Ireland:"):
        regional_lookup([f"Ireland:{A}"])


def test_a_typo_in_a_region_prefix_or_in_regions_is_refused_naming_the_nearest(per_region):
    with pytest.raises(AnsibleLookupError, match=r"Invalid term 'eu-wset-1:.*': a term is an investigation id, or region:investigation_id, "
                       r"and 'eu-wset-1' is not a Region: no AWS partition has a Region of that name.*; did you mean eu-west-1\?"):
        regional_lookup([f"us-east-1:{A}", f"eu-wset-1:{B}"])
    with pytest.raises(AnsibleLookupError, match=r"Invalid Region 'eu-wset-1' in regions: .*did you mean eu-west-1\?"):
        regional_lookup([A], regions=["us-east-1", "eu-wset-1"])
    assert per_region["made"] == []  # refused before any client, any call


def test_when_no_region_of_the_terms_can_be_read_the_lookup_fails(per_region):
    per_region["us-east-1"].add_client_error("list_detectors", "AccessDeniedException", "explicit deny", 403)
    per_region["eu-west-1"].add_response("list_detectors", {"DetectorIds": []}, {})
    with pytest.raises(AnsibleLookupError, match=r"No Region could be read \(2 of 2 failed\): us-east-1 \(access_denied\).*; eu-west-1 \(no_detector\)"):
        regional_lookup([f"us-east-1:{A}", f"eu-west-1:{B}"], concurrency=1)


def test_regions_without_terms_says_so(per_region):
    with pytest.raises(AnsibleLookupError, match="No investigation id was given"):
        regional_lookup([], regions=["us-east-1"])
    assert per_region["made"] == []


def test_lookup_regions_as_one_string_and_a_bad_on_region_error(per_region):
    per_region["eu-west-1"].add_response("list_detectors", {"DetectorIds": [EU_DETECTOR]}, {})
    per_region["eu-west-1"].add_response("get_investigation", inv(A), {"DetectorId": EU_DETECTOR, "InvestigationId": A})
    assert [r["region"] for r in regional_lookup([A], regions="eu-west-1")] == ["eu-west-1"]
    with pytest.raises(Exception, match="on_region_error"):  # ansible-core checks the choices (its words vary by version)
        regional_lookup([A], regions=["eu-west-1"], on_region_error="ignore")
