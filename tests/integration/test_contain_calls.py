# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""moto does not enforce IAM, so the least-privilege policies of containment are proven another way: the engine runs
plan, apply and rollback against moto (and the GuardDuty emulator) in this process, botocore's ``before-call`` event
records every AWS operation it makes, and each one must be an action of the matching docs/iam/contain-*.json
(plan: the plan policy; apply and rollback: the plan policy and their own).

The world is test_contain.py's (an instance with two interfaces in an Auto Scaling group, a shared instance role, an
access key and its user, a role, a bucket), plus a security group open to the internet, a Lambda function, an EBS
volume and an RDS DB instance, with every option that makes a call of its own (network ACL entries, the metadata
endpoint, snapshots).
"""

from __future__ import annotations

import json
import os
import sys

from gdemu import scenarios as sc
from moto_server import ACCESS_KEY as MOTO_ACCESS_KEY
from moto_server import function_zip
from moto_server import SECRET_KEY as MOTO_SECRET_KEY
from moto_server import moto_aws  # noqa: F401  pylint: disable=unused-import
from test_contain import World

# the engine runs in this process: the collection as ansible-playbook sees it (ANSIBLE_COLLECTIONS_PATH)
sys.path[:0] = [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p and p not in sys.path]

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import aws  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import engine  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import request_of  # noqa: E402  pylint: disable=wrong-import-position

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "docs", "iam")
# operations whose IAM action is not <signing name>:<operation name>
IRREGULAR = {
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:DeleteBucketTagging": "s3:PutBucketTagging",
}


def _allowed(mode):
    allowed = set()
    for name in ("plan",) if mode == "plan" else ("plan", mode):
        with open(os.path.join(DOCS, f"contain-{name}.json"), encoding="utf-8") as f:
            for statement in json.load(f)["Statement"]:
                allowed.update(statement["Action"])
    return allowed


class Calls:
    """botocore's before-call hook: every operation made, as the IAM action it needs."""

    def __init__(self):
        self.made = set()

    def __call__(self, model, **_kwargs):
        action = f"{model.service_model.signing_name}:{model.name}"
        self.made.add(IRREGULAR.get(action, action))


def test_every_call_of_plan_apply_and_rollback_is_in_its_iam_policy(  # pylint: disable=redefined-outer-name
        moto_aws, guardduty_emulator, tmp_path, monkeypatch):
    moto_aws.reset()
    world = World(moto_aws)
    ec2 = world.ec2
    group = ec2.create_security_group(GroupName="open", Description="open", VpcId=world.vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                                                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    runtime = world.iam.get_role(RoleName="web-runtime-role")["Role"]["Arn"]
    moto_aws.client("lambda").create_function(FunctionName="reports", Runtime="python3.12", Role=runtime, Handler="index.handler",
                                              Code={"ZipFile": function_zip()})
    rds = moto_aws.client("rds")
    subnet2 = ec2.create_subnet(VpcId=world.vpc, CidrBlock="10.20.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    rds.create_db_subnet_group(DBSubnetGroupName="orders", DBSubnetGroupDescription="orders", SubnetIds=[world.subnet, subnet2])
    rds.create_db_instance(DBInstanceIdentifier="orders-db", DBInstanceClass="db.t3.micro", Engine="postgres", MasterUsername="admin",
                           MasterUserPassword="not-a-real-password-0001", AllocatedStorage=20, DBSubnetGroupName="orders",
                           VpcSecurityGroupIds=[group], PubliclyAccessible=True)
    scenario = sc.contain(world.instance, world.key, "compromised-dev", "web-app-instance-role", "customer-exports-prod", "bystander",
                          str(tmp_path / "pwned"))
    more = [{"Identifier": group, "Type": "EC2_SECURITY_GROUP"}, {"Identifier": "reports", "Type": "LAMBDA_FUNCTION"},
            {"Identifier": volume, "Type": "EBS_VOLUME"}, {"Identifier": "orders-db", "Type": "RDS_INSTANCE"}]
    scenario["investigations"][0]["investigation"]["SummaryData"]["Countermeasures"].append(
        {"DefenseTactic": "Isolate", "Description": "More.",
         "Actions": [{"Title": "More", "Description": "More.", "Priority": "IMMEDIATE", "Disposition": "Blocked", "AffectedResources": more}]})
    guardduty_emulator.load(scenario)
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    connection = {"endpoint_url": moto_aws.url, "region": sc.REGION, "access_key": MOTO_ACCESS_KEY, "secret_key": MOTO_SECRET_KEY}
    options = {"mode": "plan", "approved": True, "force": False, "max_resources": 20, "quarantine_group_name": "secops-guardduty-quarantine",
               "snapshots": True, "role_action": "revoke_sessions", "network_acl": True, "disable_imds": True, "asg_decrement": False,
               "record_dir": str(tmp_path / "records"), "rollback_reactivate_keys": True, "auto_apply": None, "investigation_id": sc.CONTAIN_INV_ID}
    made = {}
    for mode in ("plan", "apply", "rollback"):
        calls = Calls()
        clients = aws.Clients(aws.connection_params(connection, "the test"), on_call=calls)
        readers = aws.Clients(aws.connection_params(dict(connection, endpoint_url=guardduty_emulator.url), "the test"), on_call=calls)
        plan = engine.run(request_of(dict(options, mode=mode)), clients, readers, lambda message: None)
        assert plan["failures"] == [], plan["failures"]
        assert mode == "plan" or plan["counts"]["done"] >= 8, plan["counts"]
        made[mode] = calls.made
        missing = sorted(calls.made - _allowed(mode))
        assert not missing, f"{mode} calls {missing}, which docs/iam/contain-{mode}.json (with contain-plan.json) does not allow"
    # the policies are not wider than what is called, for what only apply and rollback do
    assert {"ec2:ModifyNetworkInterfaceAttribute", "iam:UpdateAccessKey", "rds:ModifyDBInstance", "s3:PutBucketPublicAccessBlock",
            "ec2:CreateNetworkAclEntry", "lambda:PutFunctionConcurrency", "autoscaling:EnterStandby"} <= made["apply"]
    assert {"ec2:DeleteNetworkAclEntry", "autoscaling:ExitStandby", "iam:DeleteRolePolicy", "iam:UntagUser"} <= made["rollback"]
    assert not {a for a in made["plan"] if a.split(":")[1].startswith(("Put", "Create", "Modify", "Update", "Delete", "Revoke"))}
