# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plain state containment_plan reads, and how roles/contain/tasks/read.yml reduces what it registered to it."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.state import State
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s

try:
    from ansible.template import trust_as_template
except ImportError:

    def trust_as_template(value):
        return value


READ_YML = os.path.join(os.path.dirname(__file__), *[os.pardir] * 5, "roles", "contain", "tasks", "read.yml")

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

# what the role registers, as ansible-core gives it: looped tasks hold "results"; a skipped task has no module keys
REGISTERED = {
    "contain_read_instances": {"changed": False, "instances": [INSTANCE]},
    "contain_read_groups": {"changed": False, "security_groups": [GROUP]},
    "contain_read_named_groups": {"changed": False, "security_groups": [NAMED]},
    "contain_read_concurrency": {"changed": False, "results": [CONCURRENCY, {"item": "gone", "failed": True, "msg": "boom"}]},
    "contain_read_volumes": {"changed": False, "volumes": [VOLUME]},
    "contain_read_dbs": {"changed": False, "instances": [DB]},
    "contain_read_db_snapshots": {"changed": False, "results": [{"item": "orders-db", "snapshots": [DB_SNAPSHOT]},
                                                                {"item": "gone", "failed": True, "msg": "boom"}]},
    "contain_read_evidence": {"changed": False, "results": [EVIDENCE]},
    "contain_read_asg": {"changed": False, "auto_scaling_instances": [MEMBER]},
    "contain_read_profiles": {"changed": False, "results": [{"item": "web-profile", "iam_instance_profiles": [PROFILE]}]},
    "contain_read_profile_instances": {"changed": False, "instances": [INSTANCE]},
    "contain_read_functions": {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"},
    "contain_read_nacls": {"changed": False, "nacls": [NACL]},
    "contain_read_targets": {"changed": False, "target_groups": [TARGET_GROUP], "previous": [REGISTRATION], "registrations": [REGISTRATION]},
    "contain_read_snapshots": {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"},
    "contain_read_all_users": {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"},
    "contain_read_owners": {"changed": False, "results": [{"item": "alice", "iam_users": [ALICE]}, {"item": "bob", "iam_users": [BOB]}]},
    "contain_read_access_keys": {"changed": False, "results": [{"item": "alice", "access_keys": [KEY]}, {"item": "bob", "access_keys": []}]},
    "contain_read_user_policies": {"changed": False, "results": [
        {"item": "alice", "all_policy_names": ["other"], "policies": []},
        {"item": "ghost", "msg": "The user with name ghost cannot be found."}]},
    "contain_read_role_policies": {"changed": False, "skipped": True, "results": []},
    "contain_read_buckets": {"changed": False, "results": [{"item": "customer-exports", "buckets": [BUCKET]}]},
}


def _read_tasks():
    with open(READ_YML, encoding="utf-8") as f:
        return {task["name"]: task for task in yaml.safe_load(f)}


def _template(value, variables):
    templar = Templar(loader=DataLoader(), variables=variables)
    if isinstance(value, dict):
        return {key: _template(item, variables) for key, item in value.items()}
    return templar.template(trust_as_template(value))


def test_read_yml_reduces_what_it_registered_to_the_plain_state():
    tasks = _read_tasks()
    variables = dict(REGISTERED)
    variables.update(_template(tasks["Keep the users read"]["ansible.builtin.set_fact"], variables))
    variables.update(_template(tasks["Name the instance profiles and their roles"]["ansible.builtin.set_fact"], variables))
    assert variables["contain_read_profile_list"] == [PROFILE]
    assert variables["contain_read_users"] == [ALICE, BOB]
    keep = tasks["Keep what was read, as plain lists (what containment_plan reads)"]
    variables.update(_template(keep.get("vars", {}), variables))
    state = _template(keep["ansible.builtin.set_fact"], variables)["contain_state"]
    assert state == {
        "instances": [INSTANCE], "groups": [GROUP], "snapshots": [], "users": [ALICE, BOB], "access_keys": [KEY],
        "user_policies": {"alice": ["other"]}, "role_policies": {}, "buckets": [BUCKET],
        "evidence": [EVIDENCE], "asg_instances": [MEMBER],
        "instance_profiles": [PROFILE], "profile_instances": [INSTANCE], "functions": [], "nacls": [NACL],
        "named_groups": [NAMED], "function_concurrency": [CONCURRENCY], "volumes": [VOLUME],
        "db_instances": [DB], "db_snapshots": [DB_SNAPSHOT], "target_groups": [TARGET_GROUP], "target_registrations": [REGISTRATION],
    }
    # and containment_plan reads it
    plan = containment_plan(s.found(s.resource(s.INSTANCE, "EC2_INSTANCE"), s.resource(s.KEY, "IAM_ACCESS_KEY"),
                                    s.resource("ghost", "IAM_USER"), s.resource("customer-exports", "S3_BUCKET")), s.settings(), state)
    assert {r["type"]: r["status"] for r in plan["resources"]} == {
        "ec2_instance": "planned", "iam_access_key": "planned", "iam_user": "skipped", "s3_bucket": "planned"}
    changes = plan["resources"][0]["changes"]
    assert changes["evidence"] == {"termination_protection": True, "shutdown_behavior": "stop", "delete_on_termination": {"/dev/xvda": False}}
    assert changes["standby"] == {"group_name": "web", "decrement": False}
    assert changes["target_registrations"] == []  # an Auto Scaling member leaves its load balancers through Standby


def test_read_yml_looks_for_the_instances_by_id_and_address_in_their_vpcs():
    task = _read_tasks()["Read the load balancer target groups of the instances' VPCs, and where the instances are registered in them"]
    addressed = dict(INSTANCE, network_interfaces=[dict(INSTANCE["network_interfaces"][0], private_ip_addresses=[
        {"private_ip_address": "10.0.1.5"}, {"private_ip_address": "10.0.1.6"}])])
    gone = dict(INSTANCE, instance_id="i-0fedcba9876543210", vpc_id="vpc-2", state={"name": "terminated"})
    variables = {"contain_found": {"region": "us-east-1"}, "contain_read_instances": {"instances": [addressed, gone]}}
    variables.update(_template(task["vars"], variables))
    args = _template(task["secops.guardduty.elbv2_target_registration"], variables)
    assert args["target_ids"] == [s.INSTANCE, "10.0.1.5", "10.0.1.6"] and args["vpc_ids"] == ["vpc-1"]


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
