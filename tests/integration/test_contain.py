# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The contain role in real ansible-playbook runs: the investigation comes from the GuardDuty emulator, the
resources it names live in moto (server mode: EC2, IAM, S3, STS), the role acts on them through amazon.aws modules,
and every outcome is read back from moto with boto3.

plan changes nothing; apply needs approval and quarantines the instance, deactivates the key, denies the user and
the role, blocks the bucket; a second apply changes nothing; check mode changes nothing in any mode; rollback
restores, from the containment record apply wrote, what apply changed and nothing else (tests/integration/
test_contain_record.py attacks the record's cross-check). A user of another account, a malformed instance id carrying a shell
command and the AI's CLI commands with shell metacharacters are never acted on.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

from gdemu import scenarios as sc
from moto_server import function_zip
from moto_server import image_id
from moto_server import moto_aws  # noqa: F401  pylint: disable=unused-import
from rulebook_harness import RulebookProcess
from rulebook_harness import check_toolchain
from rulebook_harness import wait_until

USER = "compromised-dev"
ROLE = "web-app-instance-role"
BUCKET = "customer-exports-prod"
BYSTANDER = "bystander"  # exists in moto's account; the investigation names it in another account
POLICY = "secops-guardduty-contain-" + sc.CONTAIN_INV_ID
REVOKE = "secops-guardduty-revoke-" + sc.CONTAIN_INV_ID
RUNTIME = "web-runtime-role"  # the instance's role (through its instance profile): the investigation does not name it
QUARANTINE = "secops-guardduty-quarantine"
ASG = "web-asg"

# amazon.aws's modules talk to moto, the GuardDuty module to the emulator
PLAY = """\
- name: {name}
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/secops.guardduty.guardduty:  # amazon.aws's modules and the collection's own EC2 module
      endpoint_url: "{{{{ moto_endpoint }}}}"
    secops.guardduty.guardduty_investigation_info:
      endpoint_url: "{{{{ gd_endpoint }}}}"
  tasks:
"""


def role_play(name):
    """A play named ``name`` that runs the contain role on the extra var ``investigation_id``."""
    return PLAY.format(name=name) + """\
    - name: Run the contain role
      ansible.builtin.include_role:
        name: secops.guardduty.contain
      vars:
        contain_investigation_id: "{{ investigation_id }}"
"""


HEADER = role_play("Contain")


def contain_plan_rulebook(tmp_path, variables, env, outcome, guardduty_emulator):  # pylint: disable=redefined-outer-name
    """Run the contain_plan rulebook in a real ansible-rulebook until the contain playbook run whose outcome starts with
    ``outcome`` has finished without a failure: (its whole output, the RulebookProcess)."""
    rulebook = RulebookProcess(tmp_path / "rulebook", "secops.guardduty.contain_plan", variables, env)
    rulebook.start()
    try:
        wait_until(lambda: outcome in rulebook.stdout(), 150, "the run of the contain playbook", rulebook, guardduty_emulator)
        wait_until(lambda: "PLAY RECAP" in rulebook.stdout().split(outcome, 1)[1], 30, "the playbook to finish", rulebook, guardduty_emulator)
    finally:
        rulebook.stop()
    output = rulebook.stdout()
    assert "failed=0" in output.split(outcome, 1)[1], rulebook.report()
    return output, rulebook


def rulebook_environment(ansible_environment, moto_aws, guardduty_emulator, **extra):  # pylint: disable=redefined-outer-name
    """The environment of an ansible-rulebook run as an EDA controller credential would set it up: amazon.aws's modules
    reach moto, GuardDuty the emulator, this Python's tools first on PATH; ``extra`` on top."""
    env = dict(ansible_environment)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    for name in ("GD_RESULTS_FILE", "ANSIBLE_CALLBACKS_ENABLED"):
        env.pop(name, None)
    env.update({"AWS_ENDPOINT_URL": moto_aws.url, "AWS_ENDPOINT_URL_GUARDDUTY": guardduty_emulator.url}, **extra)
    return env


class World:
    """The AWS resources in moto, and how to read their state back."""

    def __init__(self, moto):
        self.ec2, self.s3 = moto.client("ec2"), moto.client("s3")
        vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
        self.web = self.ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        self.ssh = self.ec2.create_security_group(GroupName="ssh", Description="ssh", VpcId=vpc)["GroupId"]
        image = image_id(self.ec2)
        # Two network interfaces with groups of their own, given per interface: moto adds instance-level groups
        # (SecurityGroupIds) to every interface's groups, which AWS does not.
        self.iam = moto.client("iam")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}, "Action": "sts:AssumeRole"}]})
        runtime = self.iam.create_role(RoleName=RUNTIME, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        profile = self.iam.create_instance_profile(InstanceProfileName="web-profile")["InstanceProfile"]["Arn"]
        self.iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName=RUNTIME)
        self.instance = self.ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", NetworkInterfaces=[
            {"DeviceIndex": 0, "SubnetId": subnet, "Groups": [self.web, self.ssh]},
            {"DeviceIndex": 1, "SubnetId": subnet, "Groups": [self.ssh]},
        ], IamInstanceProfile={"Arn": profile})["Instances"][0]["InstanceId"]
        # who else uses the instance's role: another instance with the same profile, and a Lambda function
        self.sibling = self.ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnet,
                                              IamInstanceProfile={"Arn": profile})["Instances"][0]["InstanceId"]
        moto.client("lambda").create_function(FunctionName="report-builder", Runtime="python3.12", Role=runtime, Handler="index.handler",
                                              Code={"ZipFile": function_zip()})
        self.vpc, self.subnet = vpc, subnet
        # launched to be terminated by a shutdown from inside (AWS's default is stop)
        self.ec2.modify_instance_attribute(InstanceId=self.instance, Attribute="instanceInitiatedShutdownBehavior", Value="terminate")
        # the instance serves behind an Auto Scaling group (attached: the group's desired capacity becomes 1)
        self.asg = moto.client("autoscaling")
        self.asg.create_launch_configuration(LaunchConfigurationName="web-lc", ImageId=image, InstanceType="t3.micro")
        self.asg.create_auto_scaling_group(AutoScalingGroupName=ASG, LaunchConfigurationName="web-lc", MinSize=0, MaxSize=3,
                                           DesiredCapacity=0, VPCZoneIdentifier=subnet)
        self.asg.attach_instances(InstanceIds=[self.instance], AutoScalingGroupName=ASG)
        for name in (USER, BYSTANDER):
            self.iam.create_user(UserName=name)
        self.key = self.iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
        self.other_key = self.iam.create_access_key(UserName=BYSTANDER)["AccessKey"]["AccessKeyId"]
        self.iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
        self.s3.create_bucket(Bucket=BUCKET)
        self.s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "owner", "Value": "data-team"}]})

    def create_contain_groups(self):
        """The quarantine group (no rule) and the untrack group (all traffic in and out, IPv4 and IPv6) of the VPC, with
        the tags apply gives them, as an earlier containment leaves them (they stay for the next incident): for tests
        that are not about creating them. amazon.aws's ec2_security_group sleeps seconds after it creates a group; on
        a group that exists it only reads and compares."""
        everywhere = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
        for name, tag, description in (
                (QUARANTINE, "secops-guardduty:quarantine", "Quarantine of secops.guardduty.contain - no inbound and no outbound traffic"),
                (QUARANTINE + "-untrack", "secops-guardduty:untrack",
                 "Untrack step of secops.guardduty.contain - all traffic, so that open flows become untracked")):
            group = self.ec2.create_security_group(GroupName=name, Description=description, VpcId=self.vpc, TagSpecifications=[
                {"ResourceType": "security-group", "Tags": [{"Key": tag, "Value": "true"}]}])["GroupId"]
            # a new group allows all IPv4 traffic out: the quarantine group none, the untrack group IPv6 too
            self.ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
            if name != QUARANTINE:
                self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=everywhere)
                self.ec2.authorize_security_group_egress(GroupId=group, IpPermissions=everywhere)

    def instance_groups(self):
        """{device index: sorted group ids} of the instance's network interfaces."""
        inst = self.ec2.describe_instances(InstanceIds=[self.instance])["Reservations"][0]["Instances"][0]
        return {eni["Attachment"]["DeviceIndex"]: sorted(g["GroupId"] for g in eni["Groups"]) for eni in inst["NetworkInterfaces"]}

    def evidence(self):
        """The instance's evidence settings, read with boto3."""
        inst = self.ec2.describe_instances(InstanceIds=[self.instance])["Reservations"][0]["Instances"][0]
        attribute = self.ec2.describe_instance_attribute
        return {
            "termination_protection": attribute(InstanceId=self.instance, Attribute="disableApiTermination")["DisableApiTermination"]["Value"],
            "shutdown_behavior": attribute(InstanceId=self.instance, Attribute="instanceInitiatedShutdownBehavior")
            ["InstanceInitiatedShutdownBehavior"]["Value"],
            "delete_on_termination": {m["DeviceName"]: m["Ebs"]["DeleteOnTermination"] for m in inst["BlockDeviceMappings"]},
            "metadata_endpoint": inst["MetadataOptions"]["HttpEndpoint"],
        }

    def lifecycle(self):
        """The instance's lifecycle state in its Auto Scaling group."""
        (member,) = self.asg.describe_auto_scaling_instances(InstanceIds=[self.instance])["AutoScalingInstances"]
        return member["AutoScalingGroupName"], member["LifecycleState"]

    def acl_entries(self):
        """The entries of the instance's subnet's network ACL (but the default rule): (egress, number, action, CIDR)."""
        (acl,) = self.ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [self.subnet]}])["NetworkAcls"]
        return sorted((e["Egress"], e["RuleNumber"], e["RuleAction"], e.get("CidrBlock") or e.get("Ipv6CidrBlock"))
                      for e in acl["Entries"] if e["RuleNumber"] < 32767)

    def addresses(self):
        inst = self.ec2.describe_instances(InstanceIds=[self.instance])["Reservations"][0]["Instances"][0]
        return sorted(a["PrivateIpAddress"] + "/32" for eni in inst["NetworkInterfaces"] for a in eni["PrivateIpAddresses"])

    def untrack_groups(self):
        return self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [QUARANTINE + "-untrack"]}])["SecurityGroups"]

    def instance_tags(self):
        inst = self.ec2.describe_instances(InstanceIds=[self.instance])["Reservations"][0]["Instances"][0]
        return {t["Key"]: t["Value"] for t in inst.get("Tags", [])}

    def quarantine_groups(self):
        return self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [QUARANTINE]}])["SecurityGroups"]

    def key_status(self, user=USER):
        return {k["AccessKeyId"]: k["Status"] for k in self.iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}

    def user_tags(self, user=USER):
        return {t["Key"]: t["Value"] for t in self.iam.list_user_tags(UserName=user)["Tags"]}

    def user_policies(self, user):
        return self.iam.list_user_policies(UserName=user)["PolicyNames"]

    def role_policies(self, role=ROLE):
        return self.iam.list_role_policies(RoleName=role)["PolicyNames"]

    def public_access_block(self):
        try:
            return self.s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
        except self.s3.exceptions.ClientError as e:
            if e.response["Error"]["Code"] == "NoSuchPublicAccessBlockConfiguration":
                return None
            raise

    def bucket_tags(self):
        try:
            return {t["Key"]: t["Value"] for t in self.s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
        except self.s3.exceptions.ClientError:
            return {}

    def snapshot(self):
        """Everything the role may change, to compare before and after."""
        return {
            "groups": self.instance_groups(), "instance_tags": self.instance_tags(),
            "quarantine": [(g["GroupId"], g["IpPermissions"], g["IpPermissionsEgress"]) for g in self.quarantine_groups()],
            "keys": self.key_status(), "other_keys": self.key_status(BYSTANDER), "user_tags": self.user_tags(),
            "user_policies": self.user_policies(USER), "bystander_policies": self.user_policies(BYSTANDER),
            "role_policies": self.role_policies(), "runtime_policies": self.role_policies(RUNTIME),
            "pab": self.public_access_block(), "bucket_tags": self.bucket_tags(),
            "evidence": self.evidence(), "lifecycle": self.lifecycle(), "acl": self.acl_entries(),
        }


@pytest.fixture
def world(moto_aws, guardduty_emulator, tmp_path):  # pylint: disable=redefined-outer-name
    moto_aws.reset()
    state = World(moto_aws)
    state.marker = tmp_path / "pwned"
    state.records = tmp_path / "records"
    guardduty_emulator.load(sc.contain(state.instance, state.key, USER, ROLE, BUCKET, BYSTANDER, str(state.marker)))
    return state


@pytest.fixture
def contain(play, moto_aws, tmp_path):  # pylint: disable=redefined-outer-name
    """contain(mode=..., check=False, **role_vars) -> (PlayResult, contain_result or None); containment records go
    to tmp_path/records unless record_dir is given."""

    def run(check=False, investigation_id=sc.CONTAIN_INV_ID, **role_vars):
        extra = {"moto_endpoint": moto_aws.url, "investigation_id": investigation_id, "contain_record_dir": str(tmp_path / "records")}
        extra.update({f"contain_{key}": value for key, value in role_vars.items()})
        result = play(HEADER, extra_vars=extra, check=check)
        facts = [t for t in result.tasks if t["task"].endswith("Keep the result") and t["status"] == "ok"]
        return result, (facts[-1]["result"]["ansible_facts"]["contain_result"] if facts else None)

    return run


def outcome_lines(result):
    """The lines the role's last task shows."""
    return result.task("secops.guardduty.contain : Show the outcome")["result"]["msg"]


def statuses(outcome):
    return {(r["type"], r["id"]): r["status"] for r in outcome["resources"]}


def steps_of(outcome, ident):
    """The steps the containment engine ran for the resource ``ident``, in the order they ended."""
    return [step for step in outcome["steps"] if step["id"] == ident]


def changed_tasks(result):
    return [t["task"] for t in result.tasks if t["result"].get("changed") and t["result"].get("ansible_facts") is None]


def planned(world):  # pylint: disable=redefined-outer-name
    """The status of each resource in the plan of the investigation of ``world``."""
    return {
        ("ec2_instance", world.instance): "planned",
        ("iam_access_key", world.key): "planned",
        ("s3_bucket", BUCKET): "planned",
        ("iam_user", USER): "planned",
        ("iam_role", ROLE): "planned",
        ("iam_role", RUNTIME): "planned",  # the instance's role: its older sessions are revoked
        ("iam_user", BYSTANDER): "skipped",
        ("ec2_security_group", "sg-0123456789abcdef0"): "skipped",
        ("lambda_function", "payments"): "skipped",  # named, but there is no such function
    }


# What happens before an apply and what apply, a second apply and rollback do are two tests, each on its own world
# (neither needs the other's runs), so that pytest-xdist runs them side by side; they are not next to each other, since
# xdist gives a worker its next test while it still runs the one before.
def test_plan_and_what_is_refused_before_apply(world, contain):  # pylint: disable=redefined-outer-name
    before = world.snapshot()

    result, plan = contain()
    assert result.rc == 0, result
    assert world.snapshot() == before
    assert statuses(plan) == planned(world)
    assert plan["blocked"] == []
    (runtime,) = [r for r in plan["resources"] if r["id"] == RUNTIME]
    assert runtime["derived_from"] == f"the role of instance {world.instance}, through its instance profile web-profile"
    assert f"revoke its sessions issued before {runtime['changes']['revoked_before']} (UTC)" in runtime["reason"]
    assert f"also used by the instances {world.sibling} and the Lambda functions report-builder" in runtime["reason"]
    assert {u["type"] for u in plan["unrecognised"]} == {"EC2_INSTANCE"}
    assert "skipped | lambda_function | payments | no such Lambda function in the account and Region" in " ".join(outcome_lines(result))
    assert changed_tasks(result) == []
    stats = result.task("secops.guardduty.contain : Publish the outcome for AWX workflows")["result"]["ansible_stats"]
    assert stats["per_host"] is False and stats["aggregate"] is True
    assert stats["data"]["guardduty_contain_investigation_id"] == sc.CONTAIN_INV_ID and stats["data"]["guardduty_contain_mode"] == "plan"
    assert stats["data"]["guardduty_contain_counts"]["planned"] == 6 and stats["data"]["guardduty_contain_counts"]["unrecognised"] == 1
    assert "touch" not in json.dumps(stats) and str(world.marker) not in json.dumps(stats)
    assert {(r["type"], r["id"]): r["status"] for r in stats["data"]["guardduty_contain_resources"]} == statuses(plan)
    assert set(stats["data"]["guardduty_contain_resources"][0]) == {"type", "id", "status", "reason"}

    # apply without approval: refused before anything is read or changed
    result, outcome = contain(mode="apply")
    assert result.rc != 0 and outcome is None
    assert "contain_mode=apply needs contain_approved=true" in result.stdout
    assert world.snapshot() == before

    # apply in check mode: the same plan, nothing changed, no record written (plan changes nothing in any mode)
    result, outcome = contain(mode="apply", approved=True, check=True)
    assert result.rc == 0, result
    assert world.snapshot() == before
    assert statuses(outcome) == statuses(plan) and not (world.records / f"{sc.CONTAIN_INV_ID}.json").exists()
    # rollback before any apply: there is no containment record, so it is refused, in check mode too
    result, outcome = contain(mode="rollback", approved=True, check=True)
    assert result.rc != 0 and outcome is None
    assert f"there is no containment record of investigation {sc.CONTAIN_INV_ID}" in result.stdout
    assert world.snapshot() == before


WRAPPER = """\
- name: Containment, as an AWX project runs it
  ansible.builtin.import_playbook: secops.guardduty.contain
"""


def test_playbook_gates_low_risk_and_too_many_resources(world, play, moto_aws, guardduty_emulator, tmp_path):  # pylint: disable=redefined-outer-name
    """The collection playbook, connected through the environment only (AWS_ENDPOINT_URL for moto, the
    service-specific AWS_ENDPOINT_URL_GUARDDUTY for the emulator), as an AWX credential would set it up."""
    env = {"AWS_ENDPOINT_URL": moto_aws.url, "AWS_ENDPOINT_URL_GUARDDUTY": guardduty_emulator.url}
    world.create_contain_groups()  # not what this test is about: the groups of an earlier containment
    before = world.snapshot()

    def run(**extra):
        extra.setdefault("contain_record_dir", str(tmp_path / "records"))
        result = play(WRAPPER, extra_vars=dict({"investigation_id": sc.CONTAIN_INV_ID}, **extra), env=env)
        facts = [t for t in result.tasks if t["task"].endswith("Keep the result") and t["status"] == "ok"]
        return result, (facts[-1]["result"]["ansible_facts"]["contain_result"] if facts else None)

    # credentials of another account than the investigation's: refused in every mode, nothing read or changed
    elsewhere = sc.contain(world.instance, world.key, USER, ROLE, BUCKET, BYSTANDER, str(world.marker), risk_level="Low")
    elsewhere["account_id"] = sc.OTHER_ACCOUNT_ID  # the investigation lives in (and names resources of) another account
    guardduty_emulator.load(elsewhere)
    result, outcome = run(mode="apply", approved="true", force="true")
    assert result.rc != 0 and outcome is None
    assert (f"The AWS credentials belong to account {sc.ACCOUNT_ID}, but investigation {sc.CONTAIN_INV_ID} is in account "
            f"{sc.OTHER_ACCOUNT_ID}") in result.stdout
    assert world.snapshot() == before
    guardduty_emulator.load(sc.contain(world.instance, world.key, USER, ROLE, BUCKET, BYSTANDER, str(world.marker), risk_level="Low"))

    # Low risk: approved apply contains nothing, and says why
    result, outcome = run(mode="apply", approved="true")
    assert result.rc == 0, result
    assert outcome["gate"].startswith("the risk level is Low, below Medium")
    assert {r["status"] for r in outcome["resources"]} == {"skipped"}
    assert changed_tasks(result) == []
    assert world.snapshot() == before

    # forced, but more resources within reach (7: the named security group and Lambda function count, though moto
    # has neither) than allowed: refused before anything is read or changed
    result, outcome = run(mode="apply", approved="true", force="true", max_resources=6)
    assert result.rc != 0 and outcome is None
    assert "7 resources are within reach, more than contain_max_resources=6" in result.stdout  # the instance's role is not counted
    assert world.snapshot() == before

    # forced and within the limit: contained (the survey passes booleans as strings)
    result, outcome = run(mode="apply", approved="true", force="true", max_resources="7")
    assert result.rc == 0, result
    assert outcome["counts"]["done"] == 6
    assert world.key_status() == {world.key: "Inactive"}
    assert not world.marker.exists()


def test_apply_again_rollback(world, contain):  # pylint: disable=redefined-outer-name
    before = world.snapshot()

    # apply, with the network ACL cut too: what the plan plans is done (test_plan_and_what_is_refused_before_apply)
    result, outcome = contain(mode="apply", approved=True, network_acl=True)
    assert result.rc == 0, result
    assert statuses(outcome) == {key: "done" if value == "planned" else value for key, value in planned(world).items()}
    quarantine = world.quarantine_groups()
    assert len(quarantine) == 1 and quarantine[0]["VpcId"] == world.vpc
    assert quarantine[0]["IpPermissions"] == [] and quarantine[0]["IpPermissionsEgress"] == []
    assert world.instance_groups() == {0: [quarantine[0]["GroupId"]], 1: [quarantine[0]["GroupId"]]}
    # the interfaces passed through the all-open untrack group first (their open flows become untracked)
    (untrack,) = world.untrack_groups()
    everywhere = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
    for rules in (untrack["IpPermissions"], untrack["IpPermissionsEgress"]):
        assert [{k: r.get(k) for k in ("IpProtocol", "IpRanges", "Ipv6Ranges")} for r in rules] == everywhere
    moves = [step for step in steps_of(outcome, world.instance) if step["name"].startswith("move its interfaces")]
    assert [step["name"] for step in moves] == ["move its interfaces to the untrack group (open flows become untracked)",
                                                "move its interfaces to the quarantine group (untracked flows stop at once)"]
    assert all(step["status"] == "done" and step["changed"] for step in moves)
    assert moves[0]["finished"] <= moves[1]["started"]
    # evidence first: kept before the network cut, out of the Auto Scaling group's health checks
    assert before["evidence"]["termination_protection"] is False and before["evidence"]["shutdown_behavior"] == "terminate"
    assert True in before["evidence"]["delete_on_termination"].values()
    assert world.evidence() == {"termination_protection": True, "shutdown_behavior": "stop", "metadata_endpoint": "enabled",
                                "delete_on_termination": {dev: False for dev in before["evidence"]["delete_on_termination"]}}
    assert before["lifecycle"] == (ASG, "InService") and world.lifecycle() == (ASG, "Standby")
    # every address of the instance denied in and out before the ACL's first allow entry (moto's default ACL: 100)
    added = sorted(set(world.acl_entries()) - set(before["acl"]))
    assert sorted((egress, cidr) for egress, _n, _a, cidr in added) == sorted((egress, a) for egress in (False, True) for a in world.addresses())
    assert all(action == "deny" and number < 100 for _e, number, action, _c in added)
    ordered = {step["name"]: step for step in steps_of(outcome, world.instance) if step["changed"]}
    evidence, standby = ordered["keep the instance and its volumes as evidence"], ordered["put it into Standby in its Auto Scaling group"]
    untrack = ordered["move its interfaces to the untrack group (open flows become untracked)"]
    assert evidence["finished"] <= standby["started"] and standby["finished"] <= untrack["started"]
    recorded = json.loads((world.records / f"{sc.CONTAIN_INV_ID}.json").read_text())
    (rec,) = [r for r in recorded["resources"] if r["type"] == "ec2_instance"]
    assert rec["standby"] == {"group_name": ASG, "decrement": False}
    assert rec["evidence"] == {"termination_protection": False, "shutdown_behavior": before["evidence"]["shutdown_behavior"],
                               "delete_on_termination": {d: True for d, keep in before["evidence"]["delete_on_termination"].items() if keep}}
    assert any(line.startswith("what no network cut can promise: flows through a NAT gateway") for line in outcome_lines(result))
    tags = {k: v for k, v in world.instance_tags().items() if not k.startswith("aws:")}  # aws:autoscaling:groupName is AWS's
    assert tags.pop("secops-guardduty:contained-by") == sc.CONTAIN_INV_ID
    assert sorted(sorted(v.split()) for v in tags.values()) == sorted(before["groups"].values())
    assert all(k.startswith("secops-guardduty:groups:eni-") for k in tags)
    assert world.key_status() == {world.key: "Inactive"}
    assert world.user_tags() == {"secops-guardduty:deactivated-key:" + world.key: sc.CONTAIN_INV_ID}
    assert world.user_policies(USER) == [POLICY]
    policy = world.iam.get_user_policy(UserName=USER, PolicyName=POLICY)["PolicyDocument"]
    assert policy["Statement"] == [{"Sid": "GuardDutyContainment", "Effect": "Deny", "Action": "*", "Resource": "*"}]
    # roles, the named one and the instance's: their sessions issued before containment are revoked, new ones work
    assert world.role_policies() == [REVOKE] and world.role_policies(RUNTIME) == [REVOKE]
    (rec_runtime,) = [r for r in recorded["resources"] if r["id"] == RUNTIME]
    for role in (ROLE, RUNTIME):
        revoke = world.iam.get_role_policy(RoleName=role, PolicyName=REVOKE)["PolicyDocument"]
        assert revoke["Statement"] == [{"Sid": "GuardDutyRevokeOlderSessions", "Effect": "Deny", "Action": "*", "Resource": "*",
                                        "Condition": {"DateLessThan": {"aws:TokenIssueTime": rec_runtime["revoked_before"]}}}]
    assert rec_runtime["policy_name"] == REVOKE and rec_runtime["revoked_before"].endswith("Z")
    assert world.role_policies(RUNTIME) == [REVOKE]
    assert world.public_access_block() == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    assert world.bucket_tags() == {"owner": "data-team", "secops-guardduty:contained-by": sc.CONTAIN_INV_ID,
                                   "secops-guardduty:public-access-block": "none"}
    # never acted on: the other account's user (same name here), its key, the malformed id, the AI's commands
    assert world.user_policies(BYSTANDER) == [] and world.key_status(BYSTANDER) == {world.other_key: "Active"}
    assert not world.marker.exists()
    contained = world.snapshot()

    # a second apply changes nothing
    result, outcome = contain(mode="apply", approved=True, network_acl=True)
    assert result.rc == 0, result
    assert changed_tasks(result) == []
    assert world.snapshot() == contained
    assert outcome["counts"]["done"] == 0 and outcome["counts"]["planned"] == 0
    assert set(statuses(outcome).values()) == {"unchanged", "skipped"}

    # rollback in check mode, with something to roll back: planned, nothing changed
    result, outcome = contain(mode="rollback", approved=True, check=True)
    assert result.rc == 0, result
    assert statuses(outcome)[("ec2_instance", world.instance)] == "planned"
    assert statuses(outcome)[("iam_access_key", world.key)] == "unchanged"  # keys stay inactive unless asked
    assert world.snapshot() == contained

    # rollback restores what apply changed, from the containment record, and only that (keys too, when asked)
    result, outcome = contain(mode="rollback", approved=True, rollback_reactivate_keys=True)
    assert result.rc == 0, result
    assert statuses(outcome)[("ec2_instance", world.instance)] == "done"
    after = world.snapshot()
    assert after["groups"] == before["groups"]
    assert after["instance_tags"] == before["instance_tags"]
    assert after["keys"] == before["keys"] and after["user_tags"] == before["user_tags"]
    assert after["user_policies"] == [] and after["role_policies"] == [] and after["runtime_policies"] == []
    assert after["pab"] is None and after["bucket_tags"] == before["bucket_tags"]
    assert after["bystander_policies"] == [] and after["other_keys"] == before["other_keys"]
    assert after["evidence"] == before["evidence"] and after["lifecycle"] == (ASG, "InService") and after["acl"] == before["acl"]
    # the (empty) quarantine group stays for the next incident
    assert len(after["quarantine"]) == 1

    # a second rollback has nothing left to undo
    result, outcome = contain(mode="rollback", approved=True, rollback_reactivate_keys=True)
    assert result.rc == 0, result
    assert changed_tasks(result) == []
    assert world.snapshot() == after
    assert not world.marker.exists()


def test_contain_plan_rulebook_never_applies(world, moto_aws, guardduty_emulator, ansible_environment, tmp_path):  # pylint: disable=redefined-outer-name
    """extensions/eda/rulebooks/contain_plan.yml in a real ansible-rulebook: the completed High investigation (caught up
    with the lookback) gets a plan of the playbook secops.guardduty.contain, and nothing in moto changes."""
    check_toolchain()
    before = world.snapshot()
    env = rulebook_environment(ansible_environment, moto_aws, guardduty_emulator)
    plan = f"plan for investigation {sc.CONTAIN_INV_ID}: "
    output, rulebook = contain_plan_rulebook(tmp_path, {"guardduty_interval": 1, "guardduty_lookback": 86400}, env, plan, guardduty_emulator)
    assert f"planned | ec2_instance | {world.instance}" in output and f"planned | iam_access_key | {world.key}" in output, rulebook.report()
    assert output.count(plan) == 1, "one plan for one completion"
    assert world.snapshot() == before, "a plan changes nothing"
    assert not world.marker.exists()


GIVEN = PLAY.format(name="Contain an investigation the play already has") + """\
    - name: Get the investigation
      secops.guardduty.guardduty_investigation_info:
        investigation_id: "{{ investigation_id }}"
        detector_id: "{{ detector_id }}"
        summary_format: structured
      register: inv

    - name: Contain it, with snapshots, in a quarantine group of another name
      ansible.builtin.include_role:
        name: secops.guardduty.contain
      vars:
        contain_investigation: "{{ inv }}"  # the registered result: the role takes the investigation out of it
        contain_mode: apply
        contain_approved: true
        contain_snapshots: true
        contain_quarantine_group_name: ir-quarantine
        contain_set_stats: false
"""


def test_given_investigation_snapshots_and_group_name(world, play, moto_aws, guardduty_emulator, tmp_path):  # pylint: disable=redefined-outer-name
    # only the instance is named: what this test is about (the other types are applied in test_apply_again_rollback)
    guardduty_emulator.load(sc.contain(world.instance, world.key, USER, ROLE, BUCKET, BYSTANDER, str(world.marker), instance_only=True))
    volumes = sorted(m["Ebs"]["VolumeId"] for m in world.ec2.describe_instances(InstanceIds=[world.instance])
                     ["Reservations"][0]["Instances"][0]["BlockDeviceMappings"])
    assert volumes
    extra = {"moto_endpoint": moto_aws.url, "investigation_id": sc.CONTAIN_INV_ID, "detector_id": sc.DETECTOR_ID,
             "contain_record_dir": str(tmp_path / "records")}
    for _round in range(2):  # the second run takes no second snapshot
        result = play(GIVEN, extra_vars=extra)
        assert result.rc == 0, result
    snapshots = world.ec2.describe_snapshots(Filters=[{"Name": "volume-id", "Values": volumes}])["Snapshots"]
    assert sorted(snap["VolumeId"] for snap in snapshots) == volumes
    for snap in snapshots:
        tags = {t["Key"]: t["Value"] for t in snap.get("Tags", [])}
        assert tags == {"secops-guardduty:investigation": sc.CONTAIN_INV_ID, "secops-guardduty:instance": world.instance}
    group = world.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["ir-quarantine"]}])["SecurityGroups"]
    assert len(group) == 1 and world.instance_groups() == {0: [group[0]["GroupId"]], 1: [group[0]["GroupId"]]}
    assert world.quarantine_groups() == []  # the default name was not used
    assert not any(t["task"].endswith("Publish the outcome for AWX workflows") and t["status"] == "ok" for t in result.tasks)
    assert not world.marker.exists()
