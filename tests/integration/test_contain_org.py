# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The contain role across the organization: the investigation lives in the administrator's detector (the GuardDuty
emulator) and names resources of a member account (moto in server mode, which serves several accounts: credentials
from sts:AssumeRole of arn:aws:iam::<account>:role/<name> act in <account>). The play's own credentials are the
administrator account's; with contain_assume_role the role assumes the member account's role and acts there only.
Everything is read back with boto3, with the member's and the administrator's credentials.
"""

from __future__ import annotations

import json
import os
import urllib.request

import boto3
import pytest

from conftest import ACCESS_KEY
from gdemu import scenarios as sc
from moto_server import ACCESS_KEY as MOTO_ACCESS_KEY
from moto_server import SECRET_KEY as MOTO_SECRET_KEY
from moto_server import image_id
from moto_server import moto_aws  # noqa: F401  pylint: disable=unused-import
from test_contain import HEADER
from test_contain import WRAPPER

# pytest fixtures are arguments named after the fixture functions
# pylint: disable=redefined-outer-name

MEMBER = sc.MEMBER_ACCOUNT_ID  # the investigation's account
ADMIN = sc.ACCOUNT_ID  # moto's default account: the play's own credentials act here
THIRD = sc.OTHER_ACCOUNT_ID
ROLE_NAME = "SecOpsContainment"
TEMPLATE = "arn:aws:iam::{account_id}:role/" + ROLE_NAME
EXTERNAL_ID = "secops-guardduty-org-test-external-id-0001"
SESSION = "secops-guardduty-" + sc.CONTAIN_INV_ID
USER = "compromised-dev"
POLICY = "secops-guardduty-contain-" + sc.CONTAIN_INV_ID
QUARANTINE = "secops-guardduty-quarantine"
IAM_DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "iam")


def _clients(moto, account):
    """boto3 clients acting in ``account`` (moto: through an assumed role of that account; the administrator's own
    credentials for ADMIN)."""
    base = boto3.session.Session(aws_access_key_id=MOTO_ACCESS_KEY, aws_secret_access_key=MOTO_SECRET_KEY, region_name=sc.REGION)
    if account == ADMIN:
        session = base
    else:
        creds = base.client("sts", endpoint_url=moto.url).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/test-setup", RoleSessionName="test-setup")["Credentials"]
        session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                        aws_session_token=creds["SessionToken"], region_name=sc.REGION)
    return {name: session.client(name, endpoint_url=moto.url) for name in ("ec2", "iam", "sts")}


class Account:
    """One account's resources in moto: a VPC with an instance in a web group, and a user with an access key."""

    def __init__(self, moto, account):
        clients = _clients(moto, account)
        self.ec2, self.iam = clients["ec2"], clients["iam"]
        assert clients["sts"].get_caller_identity()["Account"] == account
        vpc = self.ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
        self.web = self.ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        image = image_id(self.ec2)
        self.instance = self.ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", NetworkInterfaces=[
            {"DeviceIndex": 0, "SubnetId": subnet, "Groups": [self.web]}])["Instances"][0]["InstanceId"]
        self.iam.create_user(UserName=USER)
        self.key = self.iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]

    def state(self):
        """Everything the role may change in this account."""
        inst = self.ec2.describe_instances(InstanceIds=[self.instance])["Reservations"][0]["Instances"][0]
        return {
            "groups": sorted(g["GroupId"] for eni in inst["NetworkInterfaces"] for g in eni["Groups"]),
            "tags": {t["Key"]: t["Value"] for t in inst.get("Tags", [])},
            "termination_protection": self.ec2.describe_instance_attribute(
                InstanceId=self.instance, Attribute="disableApiTermination")["DisableApiTermination"]["Value"],
            "quarantine": [g["GroupId"] for g in self.ec2.describe_security_groups(
                Filters=[{"Name": "group-name", "Values": [QUARANTINE, QUARANTINE + "-untrack"]}])["SecurityGroups"]],
            "keys": {k["AccessKeyId"]: k["Status"] for k in self.iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]},
            "user_tags": {t["Key"]: t["Value"] for t in self.iam.list_user_tags(UserName=USER)["Tags"]},
            "user_policies": self.iam.list_user_policies(UserName=USER)["PolicyNames"],
        }


def _trust_policy():
    """docs/iam/contain-member-trust.json, filled in as the docs say: the member's role trusts the administrator's
    identity, with the external id."""
    with open(os.path.join(IAM_DOCS, "contain-member-trust.json"), encoding="utf-8") as handle:
        text = handle.read()
    return text.replace("ADMIN_ACCOUNT_ID", ADMIN).replace("ADMIN_PRINCIPAL", "user/moto").replace("EXTERNAL_ID", EXTERNAL_ID)


@pytest.fixture
def org(moto_aws, guardduty_emulator):
    """A member account and the administrator account with the same kind of resources (the same user name), and the
    investigation of the member account in the administrator's detector: it names the member's instance and key."""
    moto_aws.reset()
    member, admin = Account(moto_aws, MEMBER), Account(moto_aws, ADMIN)
    member.iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=_trust_policy())
    data = sc.contain(member.instance, member.key, USER, "web-app-instance-role", "customer-exports-prod", "bystander", "/nonexistent",
                      account_id=MEMBER)
    data["account_id"] = ADMIN  # the administrator's detector ...
    investigation = data["investigations"][0]["investigation"]
    investigation["Cloud"] = {"Provider": "AWS", "Region": sc.REGION, "Account": MEMBER}  # ... holds the member's investigation
    # only the instance and the access key with its user (the other types are the same code as test_contain.py's)
    actions = investigation["SummaryData"]["Countermeasures"][0]["Actions"]
    del actions[2:]
    guardduty_emulator.load(data)
    return member, admin


@pytest.fixture
def contain(play, moto_aws, tmp_path):
    """contain(check=False, args=(), **role_vars) -> (PlayResult, contain_result or None)."""

    def run(check=False, args=(), env=None, **role_vars):
        extra = {"moto_endpoint": moto_aws.url, "investigation_id": sc.CONTAIN_INV_ID, "contain_record_dir": str(tmp_path / "records")}
        extra.update({f"contain_{key}": value for key, value in role_vars.items()})
        result = play(HEADER, extra_vars=extra, check=check, args=args, env=env)
        facts = [t for t in result.tasks if t["task"].endswith("Keep the result") and t["status"] == "ok"]
        return result, (facts[-1]["result"]["ansible_facts"]["contain_result"] if facts else None)

    return run


def _assumed_roles(moto):
    """The sessions moto handed out (its state API): role ARN, session name, external id and the credentials."""
    with urllib.request.urlopen(moto.url + "/moto-api/data.json", timeout=10) as response:
        return json.loads(response.read())["sts"].get("AssumedRole", [])


def _statuses(outcome):
    return {(r["type"], r["id"]): r["status"] for r in outcome["resources"]}


def _changed(result):
    return [t["task"] for t in result.tasks if t["result"].get("changed") and t["result"].get("ansible_facts") is None]


def test_member_account_contain_and_rollback(org, contain, moto_aws, guardduty_emulator, tmp_path):  # pylint: disable=too-many-locals
    member, admin = org
    member_before, admin_before = member.state(), admin.state()
    role_vars = {"assume_role": TEMPLATE, "external_id": EXTERNAL_ID}

    # plan in check mode: the role is assumed (also in check mode), the member's resources are read, nothing changes
    result, plan = contain(check=True, **role_vars)
    assert result.rc == 0, result
    assert _statuses(plan) == {("ec2_instance", member.instance): "planned", ("iam_access_key", member.key): "planned",
                               ("iam_user", USER): "planned", ("ec2_security_group", "sg-0123456789abcdef0"): "skipped"}
    assert plan["account_id"] == MEMBER
    # the investigation, read in the administrator's detector with the play's own credentials, carries the member's account
    fetched = guardduty_emulator.calls("GetInvestigation", sc.CONTAIN_INV_ID)
    assert fetched and {call["access_key_id"] for call in fetched} == {ACCESS_KEY}  # the play's own credentials, not the role's
    assert plan["investigation_id"] == sc.CONTAIN_INV_ID and plan["account_id"] == MEMBER
    assert plan["identity"] == {"arn": f"arn:aws:sts::{MEMBER}:assumed-role/{ROLE_NAME}/{SESSION}",
                                "assumed_role": f"arn:aws:iam::{MEMBER}:role/{ROLE_NAME}", "session_name": SESSION}
    assert _changed(result) == []
    assert member.state() == member_before and admin.state() == admin_before

    # apply, with -vvv: the member's instance is quarantined and its key deactivated; the administrator's same-named
    # user and its key are untouched; the temporary credentials appear nowhere in the output
    result, outcome = contain(mode="apply", approved=True, args=("-vvv",), **role_vars)
    assert result.rc == 0, result
    assert _statuses(outcome) == {key: "done" if value == "planned" else value for key, value in _statuses(plan).items()}
    after = member.state()
    (quarantine,) = member.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [QUARANTINE]}])["SecurityGroups"]
    assert after["groups"] == [quarantine["GroupId"]] and after["termination_protection"] is True
    assert after["tags"]["secops-guardduty:contained-by"] == sc.CONTAIN_INV_ID
    assert after["keys"] == {member.key: "Inactive"} and after["user_policies"] == [POLICY]
    assert admin.state() == admin_before, "nothing happened in the administrator account"
    assert f"acting as arn:aws:sts::{MEMBER}:assumed-role/{ROLE_NAME}/{SESSION} (contain_assume_role arn:aws:iam::{MEMBER}:role/{ROLE_NAME}, " \
           f"session {SESSION})" in result.task("secops.guardduty.contain : Show the outcome")["result"]["msg"]
    sessions = _assumed_roles(moto_aws)
    ours = [s for s in sessions if s["role_arn"] == f"arn:aws:iam::{MEMBER}:role/{ROLE_NAME}"]
    assert ours and {(s["session_name"], s["external_id"]) for s in ours} == {(SESSION, EXTERNAL_ID)}
    output = result.stdout + result.stderr + json.dumps(result.tasks)
    assert "task path:" in result.stdout, "the run was verbose"
    for session in ours:  # the engine keeps the role's credentials in memory: not even the access key id is shown
        assert session["secret_access_key"] not in output and session["session_token"] not in output
        assert session["access_key_id"] not in output
    # the containment record says which identity acted on each resource, never credentials
    recorded = json.loads((tmp_path / "records" / f"{sc.CONTAIN_INV_ID}.json").read_text())
    assert recorded["account_id"] == MEMBER
    assert {r["acted_as"]["session_name"] for r in recorded["resources"]} == {SESSION}
    assert all(r["acted_as"]["assumed_role"] == f"arn:aws:iam::{MEMBER}:role/{ROLE_NAME}" for r in recorded["resources"])
    text = json.dumps(recorded)
    assert all(s["secret_access_key"] not in text and s["session_token"] not in text and s["access_key_id"] not in text for s in ours)

    # rollback assumes the role the same way and restores the member's resources from the record
    result, outcome = contain(mode="rollback", approved=True, rollback_reactivate_keys=True, **role_vars)
    assert result.rc == 0, result
    assert _statuses(outcome)[("ec2_instance", member.instance)] == "done"
    restored = member.state()
    assert restored["groups"] == member_before["groups"] and restored["keys"] == member_before["keys"]
    assert restored["user_policies"] == [] and restored["user_tags"] == member_before["user_tags"]
    assert restored["termination_protection"] is False
    assert {k: v for k, v in restored["tags"].items() if not k.startswith("secops-guardduty:")} == member_before["tags"]
    assert admin.state() == admin_before
    recorded = json.loads((tmp_path / "records" / f"{sc.CONTAIN_INV_ID}.json").read_text())
    assert {r["status"] for r in recorded["resources"]} == {"rolled_back"}
    assert {r["acted_as"]["session_name"] for r in recorded["resources"]} == {SESSION}


def test_refused_when_the_assumed_role_is_of_another_account(org, contain, play, moto_aws, guardduty_emulator, tmp_path):
    member, admin = org
    member_before, admin_before = member.state(), admin.state()

    # the collection playbook, as AWX runs it (assume_role and external_id from the survey, endpoints from the
    # environment), with STS unreachable: the role cannot be assumed, one message says who tried, nothing changed
    env = {"AWS_ENDPOINT_URL": moto_aws.url, "AWS_ENDPOINT_URL_GUARDDUTY": guardduty_emulator.url,
           "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}
    result = play(WRAPPER, env=env, extra_vars={"investigation_id": sc.CONTAIN_INV_ID, "mode": "apply", "approved": "true",
                                                "assume_role": TEMPLATE, "external_id": EXTERNAL_ID,
                                                "contain_record_dir": str(tmp_path / "records")})
    assert result.rc != 0
    assert (f"The role arn:aws:iam::{MEMBER}:role/{ROLE_NAME} (contain_assume_role) could not be assumed by the identity of the "
            f"credentials given for investigation {sc.CONTAIN_INV_ID} of account {MEMBER}") in result.stdout, result
    assert "Nothing was changed." in result.stdout and "Traceback" not in result.stdout
    assert member.state() == member_before and admin.state() == admin_before

    # a role of a third account: STS gives credentials, but of that account; nothing is read or changed in any.
    # The administrator's credentials come from a profile here (AWS_PROFILE, as on a workstation): the assumed
    # credentials must not clash with it (amazon.aws refuses a profile and keys at once).
    (tmp_path / "credentials").write_text(f"[gd-org-admin]\naws_access_key_id = {MOTO_ACCESS_KEY}\naws_secret_access_key = {MOTO_SECRET_KEY}\n")
    profile = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_PROFILE": "gd-org-admin",
               "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), "AWS_CONFIG_FILE": str(tmp_path / "no-config")}
    third = f"arn:aws:iam::{THIRD}:role/{ROLE_NAME}"
    result, outcome = contain(mode="apply", approved=True, assume_role=third, env=profile)
    assert result.rc != 0 and outcome is None
    assert (f"The role assumed for investigation {sc.CONTAIN_INV_ID}, {third} (contain_assume_role), gave credentials of account "
            f"{THIRD}, but the investigation is in account {MEMBER}") in result.stdout, result
    assert not any(t["result"].get("contain_result") for t in result.tasks)  # refused before anything was read
    assert member.state() == member_before and admin.state() == admin_before

    # without contain_assume_role, as before: the administrator's credentials are not the member account's
    result, outcome = contain(mode="apply", approved=True)
    assert result.rc != 0 and outcome is None
    assert f"The AWS credentials belong to account {ADMIN}, but investigation {sc.CONTAIN_INV_ID} is in account {MEMBER}" in result.stdout
    assert member.state() == member_before and admin.state() == admin_before

    # a template that is no role ARN: one message, before any AWS call but the investigation's
    result, outcome = contain(assume_role="arn:aws:iam::{account}:role/" + ROLE_NAME)
    assert result.rc != 0 and outcome is None
    assert "contain_assume_role is not an IAM role ARN once {account_id} is replaced by the investigation's account " + MEMBER in result.stdout
    assert not [t for t in result.tasks if "Assume the role" in t["task"] and t["status"] != "skipped"]
    assert "Traceback" not in result.stdout + result.stderr
