# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The contain role takes an instance that is not in an Auto Scaling group out of its load balancer target groups,
in real ansible-playbook runs: the investigation comes from the GuardDuty emulator, the instance and its target
group live in moto (server mode), and every outcome is read back with boto3 (DescribeTargetHealth).

plan lists the target group and port the instance leaves and changes nothing; apply deregisters exactly the
instance (another target of the group stays) and records the registration before the change; a second apply
changes nothing; rollback registers exactly what the record holds again; a second rollback changes nothing.
"""

from __future__ import annotations

import json

import pytest

from gdemu import scenarios as sc
from moto_server import image_id
from moto_server import moto_aws  # noqa: F401  pylint: disable=unused-import
from test_contain import changed_tasks
from test_contain import role_play

INV = sc.CONTAIN_MORE_INV_ID
QUARANTINE = "secops-guardduty-quarantine"
REGISTER = "register it again in a load balancer target group"  # the engine's steps (contain_result.steps)
DEREGISTER = "take it out of a load balancer target group"


def changed_steps(result):
    """The names of the steps the containment engine changed something with, and the keys of its shared steps that did."""
    (run,) = [t for t in result.tasks if t["task"].endswith("Keep the result") and t["status"] == "ok"]
    steps = run["result"]["ansible_facts"]["contain_result"]["steps"]
    return [step["name"] if step["id"] else step["key"] for step in steps if step["changed"]]


HEADER = role_play("Contain an instance behind a load balancer")


class World:
    """An instance registered in a target group (on port 8080, not the group's 80) beside another instance, no Auto
    Scaling group; the quarantine and untrack groups made beforehand as the role makes them (amazon.aws's
    ec2_security_group waits after creating a group: the test does not)."""

    def __init__(self, moto):
        self.ec2, self.elb = moto.client("ec2"), moto.client("elbv2")
        self.vpc = self.ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
        subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
        self.web = self.ec2.create_security_group(GroupName="web", Description="web", VpcId=self.vpc)["GroupId"]
        image = image_id(self.ec2)
        # the group given per interface: moto adds instance-level groups (SecurityGroupIds) to every interface's groups
        self.instance, self.bystander = (i["InstanceId"] for i in self.ec2.run_instances(
            ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro",
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [self.web]}])["Instances"])
        self.group = self.elb.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=self.vpc, TargetType="instance")[
            "TargetGroups"][0]["TargetGroupArn"]
        self.elb.register_targets(TargetGroupArn=self.group, Targets=[{"Id": self.instance, "Port": 8080}, {"Id": self.bystander}])
        untrack = self.ec2.create_security_group(GroupName=QUARANTINE + "-untrack", VpcId=self.vpc,
                                                 Description="Untrack step of secops.guardduty.contain - all traffic, so that open flows become untracked")
        everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
        self.ec2.authorize_security_group_ingress(GroupId=untrack["GroupId"], IpPermissions=everything)
        self.ec2.authorize_security_group_egress(GroupId=untrack["GroupId"], IpPermissions=[
            {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
        quarantine = self.ec2.create_security_group(GroupName=QUARANTINE, VpcId=self.vpc,
                                                    Description="Quarantine of secops.guardduty.contain - no inbound and no outbound traffic")
        self.ec2.revoke_security_group_egress(GroupId=quarantine["GroupId"], IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.ec2.create_tags(Resources=[untrack["GroupId"]], Tags=[{"Key": "secops-guardduty:untrack", "Value": "true"}])
        self.ec2.create_tags(Resources=[quarantine["GroupId"]], Tags=[{"Key": "secops-guardduty:quarantine", "Value": "true"}])
        self.quarantine = quarantine["GroupId"]

    def targets(self):
        """The group's registered targets, read with DescribeTargetHealth: {(id, port)}."""
        described = self.elb.describe_target_health(TargetGroupArn=self.group)["TargetHealthDescriptions"]
        return {(d["Target"]["Id"], d["Target"]["Port"]) for d in described if d["TargetHealth"]["State"] not in ("draining", "unused")}

    def instance_groups(self):
        inst = self.ec2.describe_instances(InstanceIds=[self.instance])["Reservations"][0]["Instances"][0]
        return sorted(g["GroupId"] for eni in inst["NetworkInterfaces"] for g in eni["Groups"])


@pytest.fixture
def world(moto_aws, guardduty_emulator):  # pylint: disable=redefined-outer-name
    moto_aws.reset()
    state = World(moto_aws)
    guardduty_emulator.load(sc.contain_more([{"Identifier": state.instance, "Type": "EC2_INSTANCE",
                                              "Arn": f"arn:aws:ec2:{sc.REGION}:{sc.ACCOUNT_ID}:instance/{state.instance}"}]))
    return state


def test_plan_apply_again_rollback_again(world, play, moto_aws, tmp_path):  # pylint: disable=redefined-outer-name
    records = tmp_path / "records"

    def contain(**role_vars):
        extra = {"moto_endpoint": moto_aws.url, "investigation_id": INV, "contain_record_dir": str(records), "contain_approved": True}
        extra.update({f"contain_{key}": value for key, value in role_vars.items()})
        result = play(HEADER, extra_vars=extra)
        assert result.rc == 0, [(t["task"], t["result"].get("msg")) for t in result.tasks if t["status"] == "failed"] or result
        facts = [t for t in result.tasks if t["task"].endswith("Keep the result") and t["status"] == "ok"]
        (entry,) = facts[-1]["result"]["ansible_facts"]["contain_result"]["resources"]
        return result, entry

    both = {(world.instance, 8080), (world.bystander, 80)}
    assert world.targets() == both

    # plan: the target group and the port the instance leaves, nothing changed
    result, plan = contain(mode="plan")
    assert plan["status"] == "planned" and changed_tasks(result) == []
    assert f"take it out of the load balancer target groups web ({world.group}) port 8080" in plan["reason"]
    assert plan["changes"]["target_groups"] == [{"target_group_arn": world.group, "targets": [{"id": world.instance, "port": 8080}]}]
    assert world.targets() == both and not records.exists()

    # apply: deregistered (the other target stays), the registration recorded
    result, applied = contain(mode="apply")
    assert applied["status"] == "done" and DEREGISTER in changed_steps(result)
    assert not [key for key in changed_steps(result) if key.endswith("-group")]  # the groups were made beforehand: left as they are
    assert world.targets() == {(world.bystander, 80)}
    assert world.instance_groups() == [world.quarantine]
    (recorded,) = json.loads((records / f"{INV}.json").read_text())["resources"]
    assert recorded["status"] == "applied" and recorded["target_registrations"] == [
        {"target_group_arn": world.group, "id": world.instance, "port": 8080, "availability_zone": None}]

    # a second apply changes nothing
    result, again = contain(mode="apply")
    assert again["status"] == "unchanged" and changed_tasks(result) == [], again["reason"]
    assert world.targets() == {(world.bystander, 80)}

    # rollback: registered again exactly as recorded (port 8080, not the group's 80)
    result, rolled = contain(mode="rollback")
    assert rolled["status"] == "done" and REGISTER in changed_steps(result)
    assert f"register it again in the load balancer target groups web ({world.group}) port 8080 (from the containment record)" in rolled["reason"]
    assert world.targets() == both and world.instance_groups() == [world.web]

    # a second rollback changes nothing
    result, again = contain(mode="rollback")
    assert again["status"] == "unchanged" and changed_tasks(result) == [], again["reason"]
    assert world.targets() == both
