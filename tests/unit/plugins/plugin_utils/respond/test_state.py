# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plain state containment_plan reads: what the action types declare, and how the instance type reads it."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import engine
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.state import MEMBERS
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.state import State
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond.stubbed_aws import stubbed

INSTANCE = {"instance_id": s.INSTANCE, "vpc_id": "vpc-1", "state": {"name": "running"}, "tags": {},
            "network_interfaces": [{"network_interface_id": "eni-0123456789abcdef0", "groups": [{"group_id": "sg-11111111111111111"}]}]}
GROUP = {"group_id": "sg-0000000000000000a", "group_name": "secops-guardduty-quarantine", "vpc_id": "vpc-1"}
ALICE = {"user_name": "alice", "tags": {"team": "dev"}}
BOB = {"user_name": "bob", "tags": {}}
KEY = {"access_key_id": s.KEY, "user_name": "alice", "status": "Active"}
BUCKET = {"name": "customer-exports", "bucket_location": {}, "public_access_block": {}, "bucket_tagging": {}}
PREVIOUS = {"termination_protection": False, "shutdown_behavior": "terminate", "delete_on_termination": {"/dev/xvda": True},
            "metadata_endpoint": "enabled"}
EVIDENCE = {"item": s.INSTANCE, "changed": False, "instance_id": s.INSTANCE, "previous": PREVIOUS, "settings": PREVIOUS}
PROFILE = {"arn": "arn:aws:iam::123456789012:instance-profile/web-profile", "instance_profile_name": "web-profile",
           "roles": [{"role_name": "web-runtime"}]}
NACL = {"nacl_id": "acl-0123456789abcdef0", "subnets": ["subnet-1"], "ingress": [], "egress": []}
NAMED = {"group_id": "sg-0123456789abcdef0", "group_name": "public-web", "vpc_id": "vpc-1", "ip_permissions": []}
CONCURRENCY = {"item": "payments", "changed": False, "function_name": "payments", "exists": True, "previous": None,
               "reserved_concurrency": None}
VOLUME = {"id": "vol-0123456789abcdef0", "status": "available"}
DB = {"db_instance_identifier": "orders-db", "publicly_accessible": True, "db_subnet_group": {"vpc_id": "vpc-1"}}
DB_SNAPSHOT = {"db_snapshot_identifier": "orders-db-snap", "db_instance_identifier": "orders-db", "tags": {}}
TARGET_GROUP = {"target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef",
                "target_group_name": "web", "target_type": "instance", "vpc_id": "vpc-1", "port": 80, "protocol": "HTTP"}
REGISTRATION = {"target_group_arn": TARGET_GROUP["target_group_arn"], "target_group_name": "web", "target_type": "instance",
                "id": s.INSTANCE, "port": 80, "availability_zone": None, "state": "healthy"}
MEMBER = {"instance_id": s.INSTANCE, "auto_scaling_group_name": "web", "lifecycle_state": "InService"}

# the state the engine reads (each member as an action type declares it)
STATE = {
    "instances": [INSTANCE], "groups": [GROUP], "snapshots": [], "users": [ALICE, BOB], "access_keys": [KEY],
    "user_policies": {"alice": ["other"]}, "role_policies": {}, "buckets": [BUCKET],
    "evidence": [EVIDENCE], "asg_instances": [MEMBER],
    "instance_profiles": [PROFILE], "profile_instances": [INSTANCE], "functions": [], "nacls": [NACL],
    "named_groups": [NAMED], "function_concurrency": [CONCURRENCY], "volumes": [VOLUME],
    "db_instances": [DB], "db_snapshots": [DB_SNAPSHOT], "target_groups": [TARGET_GROUP], "target_registrations": [REGISTRATION],
}


def test_the_state_holds_what_the_types_declare_and_containment_plan_reads_it():
    assert sorted(STATE) == sorted({name for kind in TYPES.values() for name in kind.reads})  # containment's members
    assert set(STATE) <= set(MEMBERS)
    plan = containment_plan(s.found(s.resource(s.INSTANCE, "EC2_INSTANCE"), s.resource(s.KEY, "IAM_ACCESS_KEY"),
                                    s.resource("ghost", "IAM_USER"), s.resource("customer-exports", "S3_BUCKET")), s.settings(), STATE)
    assert {r["type"]: r["status"] for r in plan["resources"]} == {
        "ec2_instance": "planned", "iam_access_key": "planned", "iam_user": "skipped", "s3_bucket": "planned"}
    changes = plan["resources"][0]["changes"]
    assert changes["evidence"] == {"termination_protection": True, "shutdown_behavior": "stop", "delete_on_termination": {"/dev/xvda": False}}
    assert changes["standby"] == {"group_name": "web", "decrement": False}
    assert changes["target_registrations"] == []  # an Auto Scaling member leaves its load balancers through Standby


GROUP_ARN = TARGET_GROUP["target_group_arn"]
OTHER_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/elsewhere/fedcba9876543210"


def test_an_instance_read_looks_for_it_by_id_and_address_in_the_target_groups_of_its_vpc(monkeypatch):
    """ec2_instance.read: the live instance's evidence, Auto Scaling membership, the target groups of its VPC only (not
    those of the terminated instance's VPC), where its id and its addresses are registered, its VPC's quarantine groups."""
    monkeypatch.setattr(engine, "READERS", 1)  # one read at a time: the stubs answer in order
    clients = {name: stubbed(name) for name in ("ec2", "autoscaling", "elbv2")}
    ec2_stub, asg_stub, elbv2_stub = clients["ec2"][1], clients["autoscaling"][1], clients["elbv2"][1]
    gone = "i-0fedcba9876543210"
    eni = {"NetworkInterfaceId": "eni-0123456789abcdef0", "SubnetId": "subnet-1", "Groups": [{"GroupId": "sg-11111111111111111"}],
           "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.5"}, {"PrivateIpAddress": "10.0.1.6"}]}
    live = {"InstanceId": s.INSTANCE, "VpcId": "vpc-1", "State": {"Name": "running"}, "NetworkInterfaces": [eni],
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "vol-1", "DeleteOnTermination": True}}]}
    ec2_stub.add_response("describe_instances", {"Reservations": [{"Instances": [live, {"InstanceId": gone, "VpcId": "vpc-2",
                                                                                        "State": {"Name": "terminated"}}]}]},
                          {"Filters": [{"Name": "instance-id", "Values": [s.INSTANCE, gone]}]})
    ec2_stub.add_response("describe_instance_attribute", {"DisableApiTermination": {"Value": False}},
                          {"InstanceId": s.INSTANCE, "Attribute": "disableApiTermination"})
    ec2_stub.add_response("describe_instance_attribute", {"InstanceInitiatedShutdownBehavior": {"Value": "terminate"}},
                          {"InstanceId": s.INSTANCE, "Attribute": "instanceInitiatedShutdownBehavior"})
    asg_stub.add_response("describe_auto_scaling_instances", {"AutoScalingInstances": []}, {"InstanceIds": [s.INSTANCE, gone]})
    elbv2_stub.add_response("describe_target_groups", {"TargetGroups": [
        {"TargetGroupArn": GROUP_ARN, "TargetGroupName": "web", "TargetType": "ip", "VpcId": "vpc-1", "Port": 80},
        {"TargetGroupArn": OTHER_ARN, "TargetGroupName": "elsewhere", "TargetType": "instance", "VpcId": "vpc-2", "Port": 80}]}, {})
    elbv2_stub.add_response("describe_target_health", {"TargetHealthDescriptions": [
        {"Target": {"Id": "10.0.1.6", "Port": 8080}, "TargetHealth": {"State": "healthy"}},
        {"Target": {"Id": "10.0.9.9", "Port": 8080}, "TargetHealth": {"State": "healthy"}}]}, {"TargetGroupArn": GROUP_ARN})
    ec2_stub.add_response("describe_security_groups", {"SecurityGroups": [{"GroupId": GROUP["group_id"], "GroupName": GROUP["group_name"],
                                                                           "VpcId": "vpc-1", "IpPermissions": [], "Tags": []}]},
                          {"Filters": [{"Name": "group-name", "Values": ["secops-guardduty-quarantine", "secops-guardduty-quarantine-untrack"]},
                                       {"Name": "vpc-id", "Values": ["vpc-1", "vpc-2"]}]})
    context = engine.ReadContext({"mode": "plan", "quarantine_group_name": "secops-guardduty-quarantine"}, s.INV_ID, s.REGION)
    named = [{"type": "ec2_instance", "id": s.INSTANCE}, {"type": "ec2_instance", "id": gone}]
    state = TYPES["ec2_instance"].read(lambda service: clients[service][0], named, context)
    for _client, stub in clients.values():
        stub.assert_no_pending_responses()
    assert [i["instance_id"] for i in state["instances"]] == [s.INSTANCE, gone]
    assert state["evidence"] == [{"instance_id": s.INSTANCE, "previous": {
        "termination_protection": False, "shutdown_behavior": "terminate", "delete_on_termination": {"/dev/xvda": True},
        "metadata_endpoint": "enabled"}}]
    assert [g["target_group_arn"] for g in state["target_groups"]] == [GROUP_ARN]
    assert [(r["id"], r["port"]) for r in state["target_registrations"]] == [("10.0.1.6", 8080)]
    assert state["groups"] == [{"group_id": GROUP["group_id"], "group_name": GROUP["group_name"], "vpc_id": "vpc-1", "ip_permissions": [],
                                "tags": {}}]
    assert state["nacls"] == [] and state["snapshots"] == [] and state["instance_profiles"] == []
    assert State(state).by("instances", "instance_id")[s.INSTANCE]["network_interfaces"][0]["subnet_id"] == "subnet-1"


def test_missing_members_are_empty():
    state = State({})
    assert state.items("instances") == [] and state.by("buckets", "name") == {} and state.policy_names("user_policies", "alice") is None


@pytest.mark.parametrize("state,message", [
    ([], "Expected the state the contain role read"),
    ({"instances": {"instances": []}}, r"state.instances must be a list \(ec2_instance_info's instances\); got dict"),
    ({"user_policies": [{"item": "alice"}]}, "state.user_policies must be a dict"),
])
def test_registered_results_are_refused_with_the_shape_expected(state, message):
    with pytest.raises(ContainError, match=message):
        State(state)
