# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""elbv2_target_registration against botocore's Stubber (every request checked against the ELBv2 service model)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.modules import elbv2_target_registration

ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
IP_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/fedcba9876543210"
FN_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/fn/00000000000000aa"
INSTANCE = "i-0123456789abcdef0"
OTHER = "i-0fedcba9876543210"
VPC = "vpc-0123456789abcdef0"


@pytest.fixture
def elb(stub_aws_client):
    return stub_aws_client("elbv2")


def group(arn=ARN, name="web", kind="instance", vpc=VPC, port=80):
    raw = {"TargetGroupArn": arn, "TargetGroupName": name, "TargetType": kind, "Protocol": "HTTP"}
    if kind != "lambda":
        raw.update(VpcId=vpc, Port=port)
    return raw


def one_group(stub, raw=None):
    stub.add_response("describe_target_groups", {"TargetGroups": [raw or group()]}, {"TargetGroupArns": [ARN]})


def health(stub, arn, targets):
    stub.add_response("describe_target_health", {"TargetHealthDescriptions": [
        {"Target": {"Id": i, "Port": p}, "TargetHealth": {"State": s}} for i, p, s in targets]}, {"TargetGroupArn": arn})


def registered(target_id, port, state="healthy", arn=ARN, name="web", kind="instance"):
    return {"target_group_arn": arn, "target_group_name": name, "target_type": kind, "id": target_id, "port": port,
            "availability_zone": None, "state": state}


def test_deregisters_exactly_the_target_and_again_changes_nothing(run_module, elb):
    one_group(elb)
    health(elb, ARN, [(INSTANCE, 80, "healthy"), (OTHER, 80, "healthy")])
    elb.add_response("deregister_targets", {}, {"TargetGroupArn": ARN, "Targets": [{"Id": INSTANCE, "Port": 80}]})
    out = run_module(elbv2_target_registration.main, {"target_group_arn": ARN, "targets": [{"id": INSTANCE, "port": 80}], "state": "absent"})
    assert not out.failed, out.result
    assert out.result["changed"] is True and out.result["previous"] == [registered(INSTANCE, 80)] and out.result["registrations"] == []
    # draining: being deregistered already, so nothing to do
    one_group(elb)
    health(elb, ARN, [(INSTANCE, 80, "draining"), (OTHER, 80, "healthy")])
    again = run_module(elbv2_target_registration.main, {"target_group_arn": ARN, "targets": [{"id": INSTANCE, "port": 80}], "state": "absent"})
    assert again.result["changed"] is False and again.result["previous"] == []


def test_registers_what_is_missing_on_the_port_given_or_the_groups(run_module, elb):
    one_group(elb)
    health(elb, ARN, [(OTHER, 80, "healthy"), (INSTANCE, 8080, "draining")])
    elb.add_response("register_targets", {}, {"TargetGroupArn": ARN, "Targets": [{"Id": INSTANCE, "Port": 8080}, {"Id": INSTANCE, "Port": 80}]})
    out = run_module(elbv2_target_registration.main, {"target_group_arn": ARN, "state": "present",
                                                      "targets": [{"id": INSTANCE, "port": 8080}, {"id": INSTANCE}]})
    assert out.result["changed"] is True and out.result["previous"] == []
    assert [(r["id"], r["port"], r["state"]) for r in out.result["registrations"]] == [(INSTANCE, 8080, "initial"), (INSTANCE, 80, "initial")]
    one_group(elb)
    health(elb, ARN, [(INSTANCE, 80, "initial"), (INSTANCE, 8080, "healthy")])
    again = run_module(elbv2_target_registration.main, {"target_group_arn": ARN, "state": "present",
                                                        "targets": [{"id": INSTANCE, "port": 8080}, {"id": INSTANCE}]})
    assert again.result["changed"] is False and len(again.result["registrations"]) == 2


def test_check_mode_changes_nothing(run_module, elb):
    one_group(elb)
    health(elb, ARN, [(INSTANCE, 80, "healthy")])
    out = run_module(elbv2_target_registration.main, {"target_group_arn": ARN, "targets": [{"id": INSTANCE}], "state": "absent",
                                                      "_ansible_check_mode": True})
    assert out.result["changed"] is True and out.result["registrations"] == []


def test_reads_every_instance_and_ip_group_of_the_vpcs(run_module, elb):
    elb.add_response("describe_target_groups", {"TargetGroups": [group(), group(IP_ARN, "api", "ip", port=8080), group(FN_ARN, "fn", "lambda"),
                                                                 group(name="elsewhere", vpc="vpc-0fedcba9876543210")]}, {})
    health(elb, ARN, [(INSTANCE, 80, "healthy"), (OTHER, 80, "healthy")])
    health(elb, IP_ARN, [("10.0.1.5", 8080, "unhealthy"), ("10.0.1.6", 8080, "healthy")])
    # an address two interfaces report is read once
    out = run_module(elbv2_target_registration.main, {"target_ids": [INSTANCE, "10.0.1.5", "10.0.1.5"], "vpc_ids": [VPC]})
    assert not out.failed, out.result
    assert out.result["changed"] is False
    assert [g["target_group_name"] for g in out.result["target_groups"]] == ["web", "api"]
    assert out.result["registrations"] == out.result["previous"] == [
        registered(INSTANCE, 80), registered("10.0.1.5", 8080, "unhealthy", IP_ARN, "api", "ip")]


def test_a_missing_group_and_a_wrong_target_type_fail_clearly(run_module, elb):
    elb.add_client_error("describe_target_groups", "TargetGroupNotFound", "One or more target groups not found", 400)
    out = run_module(elbv2_target_registration.main, {"target_group_arn": ARN, "targets": [{"id": INSTANCE}], "state": "present"})
    assert out.failed and out.result["msg"].startswith(f"There is no target group {ARN} in Region us-east-1")
    one_group(elb)
    health(elb, ARN, [])
    out = run_module(elbv2_target_registration.main, {"target_group_arn": ARN, "targets": [{"id": "10.0.1.5", "port": 80}], "state": "present"})
    assert out.failed and "takes targets of type instance: 10.0.1.5 is not one" in out.result["msg"]


def test_an_api_error_says_what_was_asked(run_module, elb):
    one_group(elb)
    health(elb, ARN, [(INSTANCE, 80, "healthy")])
    elb.add_client_error("deregister_targets", "AccessDenied", "not allowed", 403)
    out = run_module(elbv2_target_registration.main, {"target_group_arn": ARN, "targets": [{"id": INSTANCE, "port": 80}], "state": "absent"})
    assert out.failed and out.result["msg"].startswith(f"Could not deregister {INSTANCE} port 80 from target group {ARN}")


@pytest.mark.parametrize("args,message", [
    ({"target_group_arn": "web", "targets": [{"id": INSTANCE}], "state": "absent"}, "target_group_arn must be the ARN of a target group"),
    ({"targets": [{"id": INSTANCE}], "state": "absent"}, "state=absent needs target_group_arn"),
    ({"target_group_arn": ARN, "targets": [{"id": "lambda-fn"}], "state": "absent"}, "targets[0].id must be an EC2 instance id"),
    ({"target_group_arn": ARN, "targets": [{"id": INSTANCE, "port": 0}], "state": "absent"}, "targets[0].port must be from 1 to 65535"),
    ({"target_group_arn": ARN, "targets": [{"id": INSTANCE, "port": 80}, {"id": INSTANCE, "port": 80}], "state": "absent"}, "is given twice"),
    ({"target_group_arn": ARN, "target_ids": [INSTANCE], "state": "absent"}, "takes targets (each with its id and port), not target_ids"),
    ({"target_ids": [INSTANCE], "vpc_ids": ["vpc-1"]}, "vpc_ids must be VPC ids"),
    ({"target_ids": []}, "must name at least one target"),
    ({"target_group_arn": ARN, "targets": [{"id": INSTANCE, "availability_zone": "{{ 7*7 }}"}]}, "must be an Availability Zone name"),
])
def test_bad_input_fails_before_any_call(run_module, elb, args, message):
    out = run_module(elbv2_target_registration.main, args)
    assert out.failed and message in out.result["msg"]
    assert elb.asked == []
