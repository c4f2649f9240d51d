# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ec2_instance_evidence against botocore's Stubber (every request checked against the EC2 service model)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.modules import ec2_instance_evidence

INSTANCE = "i-0a1b2c3d4e5f67890"


@pytest.fixture
def ec2(stub_aws_client):
    return stub_aws_client("ec2", region="eu-south-1")


def described(stub, state="running", devices=(("/dev/xvda", True), ("/dev/sdf", False)), endpoint="enabled"):
    stub.add_response("describe_instances", {"Reservations": [{"Instances": [{
        "InstanceId": INSTANCE, "State": {"Name": state, "Code": 16},
        "BlockDeviceMappings": [{"DeviceName": d, "Ebs": {"VolumeId": "vol-0123456789abcdef0", "DeleteOnTermination": k}} for d, k in devices],
        "MetadataOptions": {"HttpEndpoint": endpoint}}]}]}, {"InstanceIds": [INSTANCE]})


def attributes(stub, protection=False, behaviour="terminate"):
    stub.add_response("describe_instance_attribute", {"InstanceId": INSTANCE, "DisableApiTermination": {"Value": protection}},
                      {"InstanceId": INSTANCE, "Attribute": "disableApiTermination"})
    stub.add_response("describe_instance_attribute", {"InstanceId": INSTANCE, "InstanceInitiatedShutdownBehavior": {"Value": behaviour}},
                      {"InstanceId": INSTANCE, "Attribute": "instanceInitiatedShutdownBehavior"})


AS_FOUND = {"termination_protection": False, "shutdown_behavior": "terminate", "delete_on_termination": {"/dev/xvda": True, "/dev/sdf": False},
            "metadata_endpoint": "enabled"}
KEEP = {"instance_id": INSTANCE, "termination_protection": True, "shutdown_behavior": "stop", "delete_on_termination": {"/dev/xvda": False},
        "metadata_endpoint": "disabled"}


def test_sets_what_differs_and_returns_before_and_after(run_module, ec2):
    described(ec2)
    attributes(ec2)
    ec2.add_response("modify_instance_attribute", {}, {"InstanceId": INSTANCE, "DisableApiTermination": {"Value": True}})
    ec2.add_response("modify_instance_attribute", {}, {"InstanceId": INSTANCE, "Attribute": "instanceInitiatedShutdownBehavior", "Value": "stop"})
    ec2.add_response("modify_instance_attribute", {}, {"InstanceId": INSTANCE, "BlockDeviceMappings": [
        {"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": False}}]})
    ec2.add_response("modify_instance_metadata_options", {}, {"InstanceId": INSTANCE, "HttpEndpoint": "disabled"})
    out = run_module(ec2_instance_evidence.main, dict(KEEP, region="eu-south-1"))
    assert not out.failed, out.result
    assert out.result["changed"] is True and out.result["previous"] == AS_FOUND
    assert out.result["settings"] == {"termination_protection": True, "shutdown_behavior": "stop",
                                      "delete_on_termination": {"/dev/xvda": False, "/dev/sdf": False}, "metadata_endpoint": "disabled"}
    assert ec2.asked == ["ec2"]
    # not a GuardDuty Region: no preview warning for a module that calls EC2
    assert not out.result.get("warnings")


def test_nothing_differs_nothing_is_called(run_module, ec2):
    described(ec2, devices=(("/dev/xvda", False),), endpoint="disabled")
    attributes(ec2, protection=True, behaviour="stop")
    out = run_module(ec2_instance_evidence.main, KEEP)
    assert out.result["changed"] is False and out.result["previous"] == out.result["settings"]


def test_check_mode_and_reading_change_nothing(run_module, ec2):
    described(ec2)
    attributes(ec2)
    out = run_module(ec2_instance_evidence.main, dict(KEEP, _ansible_check_mode=True))
    assert out.result["changed"] is True and out.result["settings"]["termination_protection"] is True
    described(ec2)
    attributes(ec2)
    out = run_module(ec2_instance_evidence.main, {"instance_id": INSTANCE})  # no setting given: a read
    assert out.result["changed"] is False and out.result["previous"] == AS_FOUND


def test_a_device_with_no_volume_is_reported_and_warned(run_module, ec2):
    described(ec2)
    attributes(ec2)
    out = run_module(ec2_instance_evidence.main, {"instance_id": INSTANCE, "delete_on_termination": {"/dev/sdz": "false", "/dev/sdf": "no"}})
    assert out.result["changed"] is False and out.result["missing_devices"] == ["/dev/sdz"]
    assert any("no EBS volume is attached to " + INSTANCE + " as /dev/sdz" in w for w in out.result["warnings"])


@pytest.mark.parametrize("args,message", [
    ({"instance_id": "i-xyz; id"}, "instance_id must be an EC2 instance id"),
    ({"instance_id": INSTANCE, "delete_on_termination": {"/dev/xvda; id": False}}, "is not a device name"),
    ({"instance_id": INSTANCE, "delete_on_termination": {"/dev/xvda": "maybe"}}, "must be true or false; got 'maybe'"),
])
def test_bad_input_is_refused_before_any_call(run_module, ec2, args, message):
    out = run_module(ec2_instance_evidence.main, args)
    assert out.failed and message in out.result["msg"]


def test_missing_and_terminated_instances_fail_clearly(run_module, ec2):
    ec2.add_client_error("describe_instances", "InvalidInstanceID.NotFound", "The instance ID does not exist", 400)
    out = run_module(ec2_instance_evidence.main, {"instance_id": INSTANCE})
    assert out.failed and out.result["msg"].startswith(f"There is no EC2 instance {INSTANCE} in Region us-east-1")
    described(ec2, state="terminated")
    out = run_module(ec2_instance_evidence.main, {"instance_id": INSTANCE, "termination_protection": True})
    assert out.failed and "is terminated: its settings can no longer be changed" in out.result["msg"]


def test_a_refused_change_says_what_was_already_set(run_module, ec2):
    described(ec2)
    attributes(ec2)
    ec2.add_response("modify_instance_attribute", {}, {"InstanceId": INSTANCE, "DisableApiTermination": {"Value": True}})
    ec2.add_client_error("modify_instance_attribute", "UnauthorizedOperation", "You are not authorized", 403)
    out = run_module(ec2_instance_evidence.main, {"instance_id": INSTANCE, "termination_protection": True, "shutdown_behavior": "stop"})
    assert out.failed
    assert out.result["msg"].startswith(f"Could not set shutdown_behavior of the EC2 instance {INSTANCE} (already set: termination_protection)")
    assert out.result["previous"] == AS_FOUND and out.result["error"]["code"] == "UnauthorizedOperation"
