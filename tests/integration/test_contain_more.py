# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The contain role on the resource types beyond instances, keys, principals and buckets, in real ansible-playbook
runs: the investigation comes from the GuardDuty emulator, the resources live in moto (server mode), and every
outcome is read back with boto3. One world holds every such type, so that one sequence of runs proves them all:
apply in check mode changes nothing, apply contains, a second apply changes nothing, rollback restores from the
containment record, a second rollback changes nothing.

- EC2 security group: its ingress rules open to 0.0.0.0/0 or ::/0 are removed (recorded with protocol, ports, CIDR
  and description), every other rule stays; rollback adds back exactly the recorded rules.
- Lambda function: reserved concurrency 0 (no invocation runs); the previous setting (none, or a number) is recorded
  and given back on rollback.
- EBS volume: one forensic snapshot, tagged with the investigation; rollback keeps it (evidence) and says so.
- RDS DB instance: a snapshot (kept on rollback), then not publicly accessible and only in the quarantine group of
  its VPC; rollback gives back its public access and its previous VPC security groups from the record.
"""

from __future__ import annotations

import base64
import json

import pytest

from gdemu import scenarios as sc
from moto_server import function_zip
from moto_server import moto_aws  # noqa: F401  pylint: disable=unused-import
from test_contain import changed_tasks
from test_contain import outcome_lines
from test_contain import role_play
from test_contain import statuses

INV = sc.CONTAIN_MORE_INV_ID
TAG = "secops-guardduty:contained-by"
# a description is anyone's to write: it must come back literally, never templated
HOSTILE = "ssh from anywhere {{ 7*7 }}"

HEADER = role_play("Contain more")


FUNCTIONS = ("payments", "reports")
DB = "orders-db"


def canonical(value):
    return json.dumps(value, sort_keys=True)


class World:
    """The resources the investigation names, in moto, and how to read their state back."""

    def __init__(self, moto):
        self.ec2 = moto.client("ec2")
        vpc = self.ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
        self.group = self.ec2.create_security_group(GroupName="public-web", Description="public web", VpcId=vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=self.group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": HOSTILE}, {"CidrIp": "10.0.0.0/8", "Description": "ssh from the VPN"}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        ])
        # two functions: one without a reservation (the account's pool), one with 5 reserved
        self.lam, iam = moto.client("lambda"), moto.client("iam")
        role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        for name in FUNCTIONS:
            self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
                                     Code={"ZipFile": function_zip()})
        self.lam.put_function_concurrency(FunctionName="reports", ReservedConcurrentExecutions=5)
        # made from a snapshot: moto leaves SnapshotId out of a volume made without one (AWS returns ""), and
        # amazon.aws.ec2_vol_info (11.4.0) then fails with KeyError 'snapshot_id'
        source = self.ec2.create_volume(AvailabilityZone=f"{sc.REGION}a", Size=1)["VolumeId"]
        image = self.ec2.create_snapshot(VolumeId=source)["SnapshotId"]
        self.volume = self.ec2.create_volume(AvailabilityZone=f"{sc.REGION}a", SnapshotId=image)["VolumeId"]
        # a public DB instance in the VPC, in two groups (its subnet group spans two Availability Zones, as RDS asks)
        self.vpc, self.rds = vpc, moto.client("rds")
        subnets = [self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i}.0/24", AvailabilityZone=f"{sc.REGION}{zone}")["Subnet"]["SubnetId"]
                   for i, zone in ((1, "a"), (2, "b"))]
        self.db_groups = sorted(self.ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
                                for name in ("orders-db", "orders-admin"))
        self.rds.create_db_subnet_group(DBSubnetGroupName="orders", DBSubnetGroupDescription="orders", SubnetIds=subnets)
        self.rds.create_db_instance(DBInstanceIdentifier=DB, DBInstanceClass="db.t3.micro", Engine="postgres", AllocatedStorage=20,
                                    MasterUsername="orders", MasterUserPassword="not-a-secret-1", DBSubnetGroupName="orders",
                                    VpcSecurityGroupIds=self.db_groups, PubliclyAccessible=True)

    def ingress(self):
        """The group's ingress rules with a CIDR: (protocol, from, to, CIDR, description)."""
        rules = self.ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [self.group]}])["SecurityGroupRules"]
        return sorted((r["IpProtocol"], r.get("FromPort"), r.get("ToPort"), r.get("CidrIpv4") or r.get("CidrIpv6"), r.get("Description"))
                      for r in rules if not r["IsEgress"])

    def egress(self):
        (group,) = self.ec2.describe_security_groups(GroupIds=[self.group])["SecurityGroups"]
        return group["IpPermissionsEgress"]

    def group_tags(self):
        (group,) = self.ec2.describe_security_groups(GroupIds=[self.group])["SecurityGroups"]
        return {t["Key"]: t["Value"] for t in group.get("Tags", [])}

    def concurrency(self):
        """{function: its reserved concurrency, or None}."""
        return {name: self.lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions") for name in FUNCTIONS}

    def volume_snapshots(self):
        """{snapshot id: its tags} of the volume's snapshots."""
        snapshots = self.ec2.describe_snapshots(Filters=[{"Name": "volume-id", "Values": [self.volume]}])["Snapshots"]
        return {snap["SnapshotId"]: {t["Key"]: t["Value"] for t in snap.get("Tags", [])} for snap in snapshots}

    def db(self):
        """The DB instance's public access, VPC security groups and tags."""
        (db,) = self.rds.describe_db_instances(DBInstanceIdentifier=DB)["DBInstances"]
        tags = self.rds.list_tags_for_resource(ResourceName=db["DBInstanceArn"])["TagList"]
        return {"public": db["PubliclyAccessible"], "groups": sorted(g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]),
                "tags": {t["Key"]: t["Value"] for t in tags}}

    def db_snapshots(self):
        """{DB snapshot id: its tags} of the DB instance's manual snapshots."""
        snapshots = self.rds.describe_db_snapshots(DBInstanceIdentifier=DB, SnapshotType="manual")["DBSnapshots"]
        return {snap["DBSnapshotIdentifier"]: {t["Key"]: t["Value"] for t in
                                               self.rds.list_tags_for_resource(ResourceName=snap["DBSnapshotArn"])["TagList"]}
                for snap in snapshots}

    def quarantine_group(self):
        """The quarantine group of the VPC (the contain role's default name), or None."""
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [self.vpc]},
                                                            {"Name": "group-name", "Values": ["secops-guardduty-quarantine"]}])["SecurityGroups"]
        return groups[0] if groups else None

    def snapshot(self):
        return {"ingress": self.ingress(), "egress": self.egress(), "group_tags": self.group_tags(), "concurrency": self.concurrency(),
                "volume_snapshots": self.volume_snapshots(), "db": self.db(), "db_snapshots": self.db_snapshots()}


@pytest.fixture
def world(moto_aws, guardduty_emulator):  # pylint: disable=redefined-outer-name
    moto_aws.reset()
    state = World(moto_aws)
    guardduty_emulator.load(sc.contain_more([
        {"Identifier": state.group, "Type": "EC2_SECURITY_GROUP", "Arn": f"arn:aws:ec2:{sc.REGION}:{sc.ACCOUNT_ID}:security-group/{state.group}"},
        {"Identifier": "payments", "Type": "LAMBDA_FUNCTION"},
        {"Identifier": "reports", "Type": "LAMBDA_FUNCTION", "Arn": f"arn:aws:lambda:{sc.REGION}:{sc.ACCOUNT_ID}:function:reports"},
        {"Identifier": state.volume, "Type": "EBS_VOLUME"},
        {"Identifier": DB, "Type": "RDS_INSTANCE", "Arn": f"arn:aws:rds:{sc.REGION}:{sc.ACCOUNT_ID}:db:{DB}"},
    ]))
    return state


def test_apply_again_rollback_again(world, play, moto_aws, tmp_path):  # pylint: disable=redefined-outer-name
    records = tmp_path / "records"

    def contain(check=False, **role_vars):
        extra = {"moto_endpoint": moto_aws.url, "investigation_id": INV, "contain_record_dir": str(records),
                 "contain_approved": True}
        extra.update({f"contain_{key}": value for key, value in role_vars.items()})
        result = play(HEADER, extra_vars=extra, check=check)
        assert result.rc == 0, [(t["task"], t["result"].get("msg")) for t in result.tasks if t["status"] == "failed"] or result
        facts = [t for t in result.tasks if t["task"].endswith("Keep the result") and t["status"] == "ok"]
        return result, facts[-1]["result"]["ansible_facts"]["contain_result"]

    def every(status, volume=None):
        return {("ec2_security_group", world.group): status, ("lambda_function", "payments"): status, ("lambda_function", "reports"): status,
                ("ebs_volume", world.volume): volume or status, ("rds_instance", DB): status}

    before = world.snapshot()
    assert ("tcp", 22, 22, "0.0.0.0/0", HOSTILE) in before["ingress"] and len(before["ingress"]) == 4
    assert before["concurrency"] == {"payments": None, "reports": 5} and before["volume_snapshots"] == {}
    assert before["db"] == {"public": True, "groups": world.db_groups, "tags": {}} and before["db_snapshots"] == {}

    # apply in check mode: the plan says what apply does, nothing changes, no record is written
    result, plan = contain(mode="apply", check=True)
    assert statuses(plan) == every("planned")
    (group,) = [r for r in plan["resources"] if r["type"] == "ec2_security_group"]
    assert {(r["protocol"], r["from_port"], r["to_port"], r["cidr"], r["description"]) for r in group["changes"]["rules"]} == {
        ("tcp", 22, 22, "0.0.0.0/0", HOSTILE), ("tcp", 443, 443, "::/0", None), ("-1", None, None, "0.0.0.0/0", None)}
    assert "remove its ingress rules open to the internet: " in group["reason"] and "every other rule stays" in group["reason"]
    assert plan["unrecognised"] == [] and plan["counts"]["planned"] == 5  # all counted against contain_max_resources
    (db,) = [r for r in plan["resources"] if r["type"] == "rds_instance"]
    assert db["changes"]["previous_publicly_accessible"] is True and sorted(db["changes"]["previous_vpc_security_groups"]) == world.db_groups
    assert db["changes"]["snapshot"] == f"secops-guardduty-{DB}-{INV}" and "make it not publicly accessible" in db["reason"]
    (reports,) = [r for r in plan["resources"] if r["id"] == "reports"]
    assert reports["changes"] == {"previous": 5} and "set its reserved concurrency to 0" in reports["reason"]
    assert world.snapshot() == before and not records.exists()

    # apply: only the rules open to the internet go, recorded with their full definitions before the change; the
    # functions stop running, their previous settings recorded
    result, outcome = contain(mode="apply")
    assert statuses(outcome) == every("done")
    assert world.ingress() == [("tcp", 22, 22, "10.0.0.0/8", "ssh from the VPN")]
    assert world.egress() == before["egress"]
    assert world.group_tags() == {TAG: INV}
    assert world.concurrency() == {"payments": 0, "reports": 0}  # no invocation runs
    (taken,) = world.volume_snapshots().values()
    assert taken == {"secops-guardduty:investigation": INV, "secops-guardduty:volume": world.volume}
    # the DB instance: snapshotted first, then not public and only in its VPC's quarantine group (no rules), tagged
    quarantine = world.quarantine_group()
    assert quarantine is not None and quarantine["IpPermissions"] == [] and quarantine["IpPermissionsEgress"] == []
    assert world.db() == {"public": False, "groups": [quarantine["GroupId"]], "tags": {TAG: INV}}
    assert world.db_snapshots() == {f"secops-guardduty-{DB}-{INV}": {"secops-guardduty:investigation": INV, "secops-guardduty:db-instance": DB}}
    recorded = {(r["type"], r["id"]): r for r in json.loads((records / f"{INV}.json").read_text())["resources"]}
    assert recorded[("ebs_volume", world.volume)]["forensic_snapshot"] is True
    assert [recorded[("lambda_function", name)]["previous_reserved_concurrency"] for name in FUNCTIONS] == [None, 5]
    rec = recorded[("rds_instance", DB)]
    assert (rec["previous_publicly_accessible"], sorted(rec["previous_vpc_security_groups"]), rec["vpc_id"], rec["snapshot"]) == (
        True, world.db_groups, world.vpc, f"secops-guardduty-{DB}-{INV}")
    rec = recorded[("ec2_security_group", world.group)]
    assert rec["status"] == "applied" and {r["status"] for r in recorded.values()} == {"applied"}
    assert sorted(rec["removed_rules"], key=canonical) == sorted([
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0", "description_base64": base64.b64encode(HOSTILE.encode()).decode()},
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr": "::/0", "description_base64": None},
        {"protocol": "-1", "from_port": None, "to_port": None, "cidr": "0.0.0.0/0", "description_base64": None}], key=canonical)
    # the artifacts (templated by the next AWX workflow node) never carry the description: the record holds it in
    # base64, the reasons leave it out
    shown = " ".join(outcome_lines(result))
    assert all(text in shown for text in ("tcp 22-22 from 0.0.0.0/0", "tcp 443-443 from ::/0", "all traffic from 0.0.0.0/0"))
    stats = [t["result"]["ansible_stats"]["data"] for t in result.tasks if t["result"].get("ansible_stats")]
    assert stats and not any("{{" in canonical(data) or "anywhere" in canonical(data) for data in stats)
    contained = world.snapshot()

    # a second apply changes nothing
    result, outcome = contain(mode="apply")
    assert changed_tasks(result) == [] and statuses(outcome) == every("unchanged"), [
        (r["type"], r["status"], r["reason"]) for r in outcome["resources"] if r["status"] != "unchanged"]
    assert world.snapshot() == contained

    # rollback adds back exactly the recorded rules (the description literally) and removes the tag; each function
    # gets back what it had: no reservation, or 5
    result, outcome = contain(mode="rollback")
    assert statuses(outcome) == every("done", volume="unchanged")  # nothing to undo: the snapshot stays, and the plan says so
    (volume,) = [r for r in outcome["resources"] if r["type"] == "ebs_volume"]
    assert f"its forensic snapshots stay as evidence ({next(iter(contained['volume_snapshots']))})" in volume["reason"]
    (db,) = [r for r in outcome["resources"] if r["type"] == "rds_instance"]
    assert f"its snapshot secops-guardduty-{DB}-{INV} stays as evidence" in db["reason"]
    assert world.db() == before["db"]  # public again, in its two groups, the tag gone
    assert world.snapshot() == dict(before, volume_snapshots=contained["volume_snapshots"], db_snapshots=contained["db_snapshots"])
    assert {r["status"] for r in json.loads((records / f"{INV}.json").read_text())["resources"]} == {"rolled_back"}

    # a second rollback has nothing left to undo
    result, outcome = contain(mode="rollback")
    assert changed_tasks(result) == [] and statuses(outcome) == every("unchanged")
    assert world.snapshot() == dict(before, volume_snapshots=contained["volume_snapshots"], db_snapshots=contained["db_snapshots"])
