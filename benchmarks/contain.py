# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What containing one investigation costs (issue 24), as a responder meets it: whole ``ansible-playbook`` runs of the
``secops.guardduty.contain`` role, against moto in server mode on 127.0.0.1 (no network latency at all) and the
bundled GuardDuty emulator.

The investigation names what a real incident names: two instances in one VPC, one of them in an Auto Scaling group,
an access key and its user, the instances' role (through their instance profile), a security group open to the
internet, a Lambda function, an RDS DB instance and a bucket. Each run builds that world afresh, then times plan,
apply and rollback, each the wall time of its ``ansible-playbook`` process; and, of apply, when the access key was
inactive and when the first instance's network was cut, from the process's start (the steps' end times the engine
reports, contain_result.steps).

    scripts/benchmark --contain [--runs N] [--json FILE]

Targets: apply <= 6 s, rollback <= 5 s, plan <= 4 s; the key inactive and the instance's network cut <= 3 s after
apply starts. The exit code is 0 when every target is met.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from gdemu import scenarios  # noqa: E402  pylint: disable=wrong-import-position
from gdemu.server import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from moto_server import MotoServer  # noqa: E402  pylint: disable=wrong-import-position
from moto_server import function_zip  # noqa: E402  pylint: disable=wrong-import-position
from moto_server import image_id  # noqa: E402  pylint: disable=wrong-import-position

CALLBACKS = os.path.join(ROOT, "tests", "integration", "callback_plugins")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAGDBENCHMARKKEY000000000000000000002",
               "AWS_SECRET_ACCESS_KEY": "gd-benchmark-secret-key-that-never-occurs-in-data-0123456780"}
TARGETS = {"plan": 4.0, "apply": 6.0, "rollback": 5.0, "key inactive": 3.0, "network cut": 3.0}
PLAY = """\
- name: Contain (benchmark)
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/aws:
      endpoint_url: "{{ moto_endpoint }}"
    secops.guardduty.guardduty_investigation_info:
      endpoint_url: "{{ gd_endpoint }}"
  tasks:
    - name: Contain
      ansible.builtin.include_role:
        name: secops.guardduty.contain
      vars:
        contain_investigation_id: "{{ investigation_id }}"
        contain_mode: "{{ mode }}"
        contain_approved: true
        contain_record_dir: "{{ record_dir }}"
"""


def world(moto):
    """The resources of the investigation, in moto: [AffectedResource] naming them."""
    ec2, iam, asg = moto.client("ec2"), moto.client("iam"), moto.client("autoscaling")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    subnet2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                                                      "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    principal = {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName="web-runtime-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    profile = iam.create_instance_profile(InstanceProfileName="web-profile")["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="web-runtime-role")
    image = image_id(ec2)
    instances = [ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnet, SecurityGroupIds=[web],
                                   IamInstanceProfile={"Arn": profile})["Instances"][0]["InstanceId"] for _n in range(2)]
    asg.create_launch_configuration(LaunchConfigurationName="web-lc", ImageId=image, InstanceType="t3.micro")
    asg.create_auto_scaling_group(AutoScalingGroupName="web-asg", LaunchConfigurationName="web-lc", MinSize=0, MaxSize=3, DesiredCapacity=0,
                                  VPCZoneIdentifier=subnet)
    asg.attach_instances(InstanceIds=instances[:1], AutoScalingGroupName="web-asg")
    iam.create_user(UserName="build-bot")
    key = iam.create_access_key(UserName="build-bot")["AccessKey"]["AccessKeyId"]
    moto.client("lambda").create_function(FunctionName="reports", Runtime="python3.12", Role=role, Handler="index.handler",
                                          Code={"ZipFile": function_zip()})
    rds = moto.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="orders", DBSubnetGroupDescription="orders", SubnetIds=[subnet, subnet2])
    rds.create_db_instance(DBInstanceIdentifier="orders-db", DBInstanceClass="db.t3.micro", Engine="postgres", MasterUsername="admin",
                           MasterUserPassword="benchmark-only-password-0001", AllocatedStorage=20, DBSubnetGroupName="orders",
                           VpcSecurityGroupIds=[web], PubliclyAccessible=True)
    moto.client("s3").create_bucket(Bucket="customer-exports-bench")
    named = [(i, "EC2_INSTANCE") for i in instances] + [
        (key, "IAM_ACCESS_KEY"), ("build-bot", "IAM_USER"), ("web-runtime-role", "IAM_ROLE"), (web, "EC2_SECURITY_GROUP"),
        ("reports", "LAMBDA_FUNCTION"), ("orders-db", "RDS_INSTANCE"), ("customer-exports-bench", "S3_BUCKET")]
    return [{"Identifier": ident, "Type": kind} for ident, kind in named], instances, key


def run(playbook, variables, env, results):
    """(seconds, rc, contain_result, the process's start as a datetime) of one ansible-playbook run."""
    if os.path.exists(results):
        os.unlink(results)
    began_at = datetime.datetime.now(datetime.timezone.utc)
    began = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-e", json.dumps(variables)],
                          env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - began
    outcome = None
    if os.path.exists(results):
        for line in open(results, encoding="utf-8"):  # pylint: disable=consider-using-with
            task = json.loads(line)
            if task["task"].endswith("Keep the result") and task["status"] == "ok":
                outcome = task["result"]["ansible_facts"]["contain_result"]
    if proc.returncode or outcome is None:
        print(proc.stdout[-3000:], proc.stderr[-2000:], file=sys.stderr)
    return seconds, proc.returncode, outcome, began_at


def _after(began_at, stamp):
    moment = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return (moment - began_at).total_seconds()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="gd-contain-bench-")
    moto = MotoServer(os.path.join(work, "moto.log"))
    emulator = Emulator(scenarios.empty())
    emulator.start()
    figures = {name: [] for name in TARGETS}
    try:
        playbook = os.path.join(work, "contain.yml")
        with open(playbook, "w", encoding="utf-8") as f:
            f.write(PLAY)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(CREDENTIALS, AWS_REGION=scenarios.REGION, ANSIBLE_CALLBACK_PLUGINS=CALLBACKS, ANSIBLE_CALLBACKS_ENABLED="record_results",
                   GD_RESULTS_FILE=os.path.join(work, "results.jsonl"), ANSIBLE_LOCALHOST_WARNING="false",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
        for number in range(args.runs):
            moto.reset()
            affected, instances, key = world(moto)
            emulator.load(scenarios.contain_more(affected))
            variables = {"moto_endpoint": moto.url, "gd_endpoint": emulator.url, "investigation_id": scenarios.CONTAIN_MORE_INV_ID,
                         "record_dir": os.path.join(work, f"records-{number}")}
            for mode in ("plan", "apply", "rollback"):
                seconds, rc, outcome, began_at = run(playbook, dict(variables, mode=mode), env, env["GD_RESULTS_FILE"])
                if rc:
                    print(f"run {number + 1}: {mode} failed (rc {rc})", file=sys.stderr)
                    return 1
                figures[mode].append(seconds)
                if mode == "apply":
                    done = {(s["id"], s["name"]): s for s in outcome["steps"]}
                    figures["key inactive"].append(_after(began_at, done[(key, "deactivate the access key")]["finished"]))
                    cut = [s for s in outcome["steps"] if s["id"] in instances and s["name"].startswith("move its interfaces to the quarantine")]
                    figures["network cut"].append(min(_after(began_at, s["finished"]) for s in cut))
                    counts = outcome["counts"]
                    print(f"run {number + 1}: apply {counts['done']} resources done, {counts['failed']} failed; engine "
                          f"{outcome['timings']}", file=sys.stderr)
    finally:
        emulator.stop()
        moto.stop()
    missed = 0
    print(f"\nContaining one investigation (9 named resources and the instances' role) on a local moto, {args.runs} runs\n")
    print("| measure | median | runs | target | |")
    print("| --- | --- | --- | --- | --- |")
    for name, target in TARGETS.items():
        median = statistics.median(figures[name])
        ok = median <= target
        missed += not ok
        runs = ", ".join(f"{v:.2f}" for v in figures[name])
        print(f"| {name} | {median:.2f} s | {runs} | <= {target:.0f} s | {'PASS' if ok else 'MISSED'} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=2)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
