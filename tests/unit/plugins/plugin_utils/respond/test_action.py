# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The containment action's own logic: the request it makes of the engine, its result (changed, failures, diff), and
the connection its task's module_defaults and environment give (aws.connection_params, aws.environment)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import aws
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import DISPOSE_SETTINGS
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import SETTINGS
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import dispose_request_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import request_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import result_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.engine import Refused

ARGS = {"mode": "apply", "approved": True, "force": False, "max_resources": 20, "quarantine_group_name": "q", "snapshots": False,
        "role_action": "revoke_sessions", "network_acl": True, "disable_imds": False, "asg_decrement": False, "record_dir": "/r",
        "auto_apply": None, "record": None, "rollback_reactivate_keys": False, "investigation": None, "investigation_id": None}


@pytest.mark.parametrize("given,said", [({}, "neither"), ({"investigation": {"investigation_id": "x"}, "investigation_id": "x"}, "both"),
                                        ({"investigation": {}, "investigation_id": ""}, "neither")])
def test_exactly_one_of_the_investigation_and_its_id(given, said):
    with pytest.raises(Refused, match=f"Give exactly one of contain_investigation .* got {said}"):
        request_of(dict(ARGS, **given))


def test_the_request_carries_every_setting_and_the_run_s_time():
    request = request_of(dict(ARGS, investigation_id="a1b2c3d4-5678-90ab-cdef-ef1234567890", rollback_reactivate_keys=True,
                              assume_role="arn:aws:iam::{account_id}:role/R", external_id="ext-id"))
    assert request["investigation"] is None and request["investigation_id"] == "a1b2c3d4-5678-90ab-cdef-ef1234567890"
    assert {name: request["settings"][name] for name in SETTINGS} == {name: ARGS[name] for name in SETTINGS}
    assert request["settings"]["reactivate_keys"] is True and request["settings"]["record"] == {}
    assert request["settings"]["time"].endswith("Z") and len(request["settings"]["time"]) == 20
    assert (request["assume_role"], request["external_id"]) == ("arn:aws:iam::{account_id}:role/R", "ext-id")


DISPOSE_ARGS = {"mode": "rollback", "approved": True, "policy": {"benign": {"note": False}}, "suppress": True, "max_filters": 3,
                "auto_apply": None, "record_dir": "/d", "record": {"resources": []}, "containment": None, "containment_record_dir": "/c",
                "investigation": None, "investigation_id": None, "detector_id": "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"}


def test_the_disposition_takes_exactly_one_of_the_investigation_and_its_id_and_every_setting():
    with pytest.raises(Refused, match=r"Give exactly one of dispose_investigation .*\(dispose.yml: investigation_id\); got neither"):
        dispose_request_of(DISPOSE_ARGS)
    request = dispose_request_of(dict(DISPOSE_ARGS, investigation={"investigation_id": "x"}))
    assert request["investigation"] == {"investigation_id": "x"} and request["investigation_id"] is None
    assert {name: request["settings"][name] for name in DISPOSE_SETTINGS} == {name: DISPOSE_ARGS[name] for name in DISPOSE_SETTINGS}
    assert request["detector_id"] == DISPOSE_ARGS["detector_id"] and request["settings"]["time"].endswith("Z")


def test_a_failed_disposition_names_its_record():
    result = result_of(_plan(failures=["guardduty_finding f: archive: denied"]), False, False, "dispose")
    assert "dispose_result" in result and "contain_result" not in result
    assert result["msg"].startswith("dispose_mode=apply for investigation i: 1 of the resources acted on failed")
    assert "(the disposition record holds each one's steps)" in result["msg"]


def _plan(mode="apply", steps=(), failures=(), planned=0, resources=()):
    return {"mode": mode, "investigation_id": "i", "steps": list(steps), "failures": list(failures), "counts": {"planned": planned},
            "resources": list(resources)}


def test_changed_is_what_a_step_changed_and_in_check_mode_what_apply_would_change():
    assert result_of(_plan(steps=[{"changed": False}]), False, False)["changed"] is False
    assert result_of(_plan(steps=[{"changed": True}]), False, False)["changed"] is True
    assert result_of(_plan(planned=3), True, False)["changed"] is True
    assert result_of(_plan(mode="plan", planned=3), True, False)["changed"] is False  # plan mode never changes anything


def test_a_failure_fails_the_task_naming_it_and_diff_shows_each_change():
    resources = [{"type": "iam_access_key", "id": "AKIA", "status": "done", "reason": "deactivate it"},
                 {"type": "s3_bucket", "id": "b", "status": "failed", "reason": "block - FAILED: mark: denied"},
                 {"type": "iam_user", "id": "u", "status": "unchanged", "reason": "already"}]
    result = result_of(_plan(failures=["s3_bucket b: mark: denied"], resources=resources), False, True)
    assert result["failed"] is True and result["msg"].endswith("s3_bucket b: mark: denied") and "1 of the resources" in result["msg"]
    (diff,) = result["diff"]
    assert diff["prepared"] == "+ iam_access_key AKIA: done: deactivate it\n  s3_bucket b: failed: block - FAILED: mark: denied\n"


def test_connection_params_take_the_given_values_then_the_environment(monkeypatch):
    for name in [k for k in os.environ if k.startswith(("AWS_", "EC2_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_URL", "http://127.0.0.1:1")
    params = aws.connection_params({"region": "us-east-1", "aws_access_key": "AKIAFROMDEFAULTS"}, "the test")
    assert params["region"] == "us-east-1" and params["access_key"] == "AKIAFROMDEFAULTS"  # the alias is taken
    assert params["endpoint_url"] == "http://127.0.0.1:1"  # nothing given: the environment's
    monkeypatch.setenv("AWS_URL", "")
    assert aws.connection_params({}, "the test")["endpoint_url"] is None  # an empty AWS_URL is the default endpoint
    with pytest.raises(GuardDutyError, match="The AWS connection options of the test are not valid"):
        aws.connection_params({"validate_certs": "perhaps"}, "the test")


def test_the_task_environment_applies_while_the_engine_runs(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_EC2", raising=False)
    monkeypatch.setenv("AWS_PROFILE_FOR_TEST", "before")
    with aws.environment({"AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:2", "AWS_PROFILE_FOR_TEST": "during"}):
        assert os.environ["AWS_ENDPOINT_URL_EC2"] == "http://127.0.0.1:2" and os.environ["AWS_PROFILE_FOR_TEST"] == "during"
    assert "AWS_ENDPOINT_URL_EC2" not in os.environ and os.environ["AWS_PROFILE_FOR_TEST"] == "before"
