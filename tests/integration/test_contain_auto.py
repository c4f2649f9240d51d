# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Graded autonomy (issue 16, section 6): contain_mode=auto with contain_auto_apply, in real ansible-playbook runs and
in the contain_plan rulebook run by a real ansible-rulebook. The investigation comes from the GuardDuty emulator, the
resources it names live in moto (server mode), and every outcome is read back with boto3.

Without a person, auto deactivates the access key and revokes the role's older sessions (the actions the policy
lists), and leaves the instance and the user - named by the same investigation - exactly as they were; it records
what it changed, a second run changes nothing, and a person's rollback undoes it from the record (the key stays
inactive). Below the policy's confidence nothing changes at all.
"""

from __future__ import annotations

import json

import pytest

from gdemu import scenarios as sc
from moto_server import image_id
from moto_server import moto_aws  # noqa: F401  pylint: disable=unused-import
from rulebook_harness import check_toolchain
from test_contain import changed_tasks
from test_contain import contain_plan_rulebook
from test_contain import role_play
from test_contain import rulebook_environment

INV = sc.CONTAIN_MORE_INV_ID
USER, ROLE = "ci-deployer", "build-role"
REVOKE = "secops-guardduty-revoke-" + INV
DENY = "secops-guardduty-contain-" + INV
POLICY = {"actions": ["deactivate_access_key", "revoke_role_sessions"], "risk_level": "High", "confidence": "High"}

HEADER = role_play("Contain without a person what the policy allows")


class World:
    """A user with an access key, a role, and an instance, all named by one investigation."""

    def __init__(self, moto):
        self.iam, self.ec2 = moto.client("iam"), moto.client("ec2")
        self.iam.create_user(UserName=USER)
        self.key = self.iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
        self.iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
        image = image_id(self.ec2)
        self.instance = self.ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]["InstanceId"]
        self.affected = [
            {"Identifier": self.instance, "Type": "EC2_INSTANCE", "Arn": f"arn:aws:ec2:{sc.REGION}:{sc.ACCOUNT_ID}:instance/{self.instance}"},
            {"Identifier": self.key, "Type": "IAM_ACCESS_KEY"},
            {"Identifier": USER, "Type": "IAM_USER", "Arn": f"arn:aws:iam::{sc.ACCOUNT_ID}:user/{USER}"},
            {"Identifier": ROLE, "Type": "IAM_ROLE", "Arn": f"arn:aws:iam::{sc.ACCOUNT_ID}:role/{ROLE}"},
        ]

    def key_status(self):
        return self.iam.list_access_keys(UserName=USER)["AccessKeyMetadata"][0]["Status"]

    def role_policies(self):
        return self.iam.list_role_policies(RoleName=ROLE)["PolicyNames"]

    def snapshot(self):
        """What auto must never change: the instance and the user."""
        inst = self.ec2.describe_instances(InstanceIds=[self.instance])["Reservations"][0]["Instances"][0]
        return {"instance": (inst["State"]["Name"], sorted(g["GroupId"] for g in inst["SecurityGroups"]), inst.get("Tags", [])),
                "user_policies": self.iam.list_user_policies(UserName=USER)["PolicyNames"],
                "user_tags": sorted((t["Key"], t["Value"]) for t in self.iam.list_user_tags(UserName=USER)["Tags"] if not t["Key"].startswith(
                    "secops-guardduty:deactivated-key:"))}


@pytest.fixture
def world(moto_aws, guardduty_emulator):  # pylint: disable=redefined-outer-name
    moto_aws.reset()
    state = World(moto_aws)
    guardduty_emulator.load(sc.contain_more(state.affected))
    return state


def test_auto_acts_as_allowed_then_a_person_rolls_back(world, play, moto_aws, guardduty_emulator, tmp_path):  # pylint: disable=redefined-outer-name
    records = tmp_path / "records"
    untouched = world.snapshot()

    def contain(**role_vars):
        extra = {"moto_endpoint": moto_aws.url, "investigation_id": INV, "contain_record_dir": str(records)}
        extra.update({f"contain_{key}": value for key, value in role_vars.items()})
        result = play(HEADER, extra_vars=extra)
        assert result.rc == 0, [(t["task"], t["result"].get("msg")) for t in result.tasks if t["status"] == "failed"] or result
        facts = [t for t in result.tasks if t["task"].endswith("Keep the result") and t["status"] == "ok"]
        plan = facts[-1]["result"]["ansible_facts"]["contain_result"]
        return result, plan, {r["id"]: r for r in plan["resources"]}

    # auto, no approval: the key and the role's older sessions, nothing else
    result, plan, got = contain(mode="auto", auto_apply=POLICY)
    assert plan["auto_apply"] == POLICY and plan["gate"] is None and plan["blocked"] == []
    assert got[world.key]["status"] == "done" and got[ROLE]["status"] == "done"
    for person in (world.instance, USER):
        assert got[person]["status"] == "skipped" and got[person]["reason"].startswith("needs a person"), got[person]
    assert world.key_status() == "Inactive" and world.role_policies() == [REVOKE]
    assert world.snapshot() == untouched, "the instance and the user are a person's decision"
    shown = [t for t in result.tasks if t["task"].endswith("Show the outcome")][0]["result"]["msg"]
    assert any(line.startswith("without a person (contain_auto_apply): deactivate_access_key, revoke_role_sessions, at risk level High")
               for line in shown), shown
    record = json.loads((records / f"{INV}.json").read_text())
    assert sorted((r["type"], r["id"], r["status"]) for r in record["resources"]) == [
        ("iam_access_key", world.key, "applied"), ("iam_role", ROLE, "applied")]

    # a second auto run changes nothing
    result, plan, got = contain(mode="auto", auto_apply=POLICY)
    assert changed_tasks(result) == [] and got[world.key]["status"] == "unchanged" and got[ROLE]["status"] == "unchanged"

    # a person rolls it back from the record: the revocation goes, the key stays inactive (AWS's advice)
    result, plan, got = contain(mode="rollback", approved=True)
    assert got[ROLE]["status"] == "done" and world.role_policies() == []
    assert world.key_status() == "Inactive" and "left inactive" in got[world.key]["reason"]
    assert world.snapshot() == untouched

    # below the policy's confidence: nothing at all, and the output says why
    guardduty_emulator.load(sc.contain_more(world.affected, confidence="Medium"))
    result, plan, got = contain(mode="auto", auto_apply=POLICY)
    assert plan["gate"].startswith("the confidence is Medium, below contain_auto_apply.confidence=High")
    assert changed_tasks(result) == [] and {r["status"] for r in plan["resources"]} == {"skipped"}
    assert world.role_policies() == [] and world.snapshot() == untouched


def test_auto_without_a_policy_fails_changing_nothing(world, play, moto_aws, tmp_path):  # pylint: disable=redefined-outer-name
    result = play(HEADER, extra_vars={"moto_endpoint": moto_aws.url, "investigation_id": INV, "contain_mode": "auto",
                                      "contain_record_dir": str(tmp_path / "records")})
    assert result.rc != 0
    failed = [t["result"].get("msg", "") for t in result.tasks if t["status"] == "failed"]
    assert any("contain_mode=auto needs contain_auto_apply" in msg for msg in failed), failed
    assert "Traceback" not in result.stdout
    assert world.key_status() == "Active" and world.role_policies() == []


def test_contain_plan_rulebook_auto_applies(world, moto_aws, guardduty_emulator, ansible_environment, tmp_path):  # pylint: disable=redefined-outer-name
    """extensions/eda/rulebooks/contain_plan.yml with guardduty_contain_auto_apply, in a real ansible-rulebook: the
    completed investigation's key is deactivated without a person; the instance and the user stay a plan."""
    check_toolchain()
    untouched = world.snapshot()
    # the record file goes under ~/.ansible: this test's own
    env = rulebook_environment(ansible_environment, moto_aws, guardduty_emulator, HOME=str(tmp_path / "home"))
    variables = {"guardduty_interval": 1, "guardduty_lookback": 86400,
                 "guardduty_contain_auto_apply": {"actions": ["deactivate_access_key"]}}
    output, rulebook = contain_plan_rulebook(tmp_path, variables, env, f"auto for investigation {INV}: ", guardduty_emulator)
    assert f"done | iam_access_key | {world.key}" in output, rulebook.report()
    assert f"skipped | iam_role | {ROLE} | needs a person" in output and f"skipped | ec2_instance | {world.instance} | needs a person" in output
    assert world.key_status() == "Inactive" and world.role_policies() == [] and world.snapshot() == untouched
    record = json.loads((tmp_path / "home" / ".ansible" / "secops-guardduty" / "contain-records" / f"{INV}.json").read_text())
    assert [(r["type"], r["id"]) for r in record["resources"]] == [("iam_access_key", world.key)]
