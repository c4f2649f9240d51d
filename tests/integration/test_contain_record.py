# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The containment record in real ansible-playbook runs (the GuardDuty emulator, moto in server mode), attacked as
someone holding the contained instance's credentials would: apply writes the record (0600) before it changes
anything; a rewritten tag never leads to a foreign group or a public bucket; access keys stay inactive unless asked;
the artifact alone rolls back (AWX); an apply killed between two changes rolls back from its record; a rollback
without a record is refused; a second rollback changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

from aws_proxy import AwsProxy
from conftest import ansible_env

from gdemu import scenarios as sc
from moto_server import moto_aws  # noqa: F401  pylint: disable=unused-import
from test_contain import BUCKET
from test_contain import POLICY
from test_contain import REVOKE
from test_contain import ROLE
from test_contain import USER
from test_contain import WRAPPER
from test_contain import changed_tasks
from test_contain import contain  # noqa: F401  pylint: disable=unused-import
from test_contain import statuses
from test_contain import world  # noqa: F401  pylint: disable=unused-import

ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
NAME = sc.CONTAIN_INV_ID + ".json"


def reason(outcome, kind, ident):
    return next(r["reason"] for r in outcome["resources"] if (r["type"], r["id"]) == (kind, ident))


def enis(world):  # pylint: disable=redefined-outer-name
    """{device index: eni id} of the instance."""
    inst = world.ec2.describe_instances(InstanceIds=[world.instance])["Reservations"][0]["Instances"][0]
    return {eni["Attachment"]["DeviceIndex"]: eni["NetworkInterfaceId"] for eni in inst["NetworkInterfaces"]}


def stats_of(result, task):
    return [t["result"]["ansible_stats"]["data"] for t in result.tasks if t["task"].endswith(task) and t["status"] == "ok"]


def test_record_before_change_attacker_tags_and_keys(world, contain, tmp_path):  # pylint: disable=redefined-outer-name
    world.create_contain_groups()  # not what these tests are about: the groups of an earlier containment
    before = world.snapshot()
    records = tmp_path / "records"
    result, outcome = contain(mode="apply", approved=True)
    assert result.rc == 0, result
    assert outcome["counts"]["done"] == 6

    # the record is written, 0600 in a 0700 directory, before the first change, and published before it too
    path = records / NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(records.stat().st_mode) == 0o700
    by_name = {(step["id"], step["name"]): step for step in outcome["steps"]}
    evidence = by_name[(world.instance, "keep the instance and its volumes as evidence")]
    deactivate = by_name[(world.key, "deactivate the access key")]
    assert outcome["record_before_written"] < min(step["started"] for step in outcome["steps"])
    assert outcome["record_before_written"] < evidence["started"] and outcome["record_before_written"] < deactivate["started"]
    assert {r["status"] for r in outcome["record_before"]["resources"]} == {"pending"}
    record = json.loads(path.read_text())
    assert (record["investigation_id"], record["account_id"], record["region"]) == (sc.CONTAIN_INV_ID, sc.ACCOUNT_ID, "us-east-1")
    assert record["created"].endswith("Z") and record["role_version"]
    by = {(r["type"], r["id"]): r for r in record["resources"]}
    assert {r["status"] for r in by.values()} == {"applied"}
    ids = enis(world)
    assert {i["eni_id"]: sorted(i["previous_groups"]) for i in by[("ec2_instance", world.instance)]["interfaces"]} == {
        ids[index]: groups for index, groups in before["groups"].items()}
    assert by[("iam_access_key", world.key)]["user_name"] == USER
    assert by[("iam_user", USER)]["policy_name"] == POLICY and by[("iam_role", ROLE)]["policy_name"] == REVOKE
    assert by[("s3_bucket", BUCKET)]["previous_public_access_block"] is None
    (final,) = stats_of(result, "Publish the containment record for the rollback job (AWX workflows)")
    assert final["guardduty_contain_record"] == record

    # the attacker, with the instance's credentials: a wide-open group of theirs named in the instance's tag, and the
    # bucket's tag rewritten to an open public access block
    attacker = world.ec2.create_security_group(GroupName="totally-legit", Description="x", VpcId=world.vpc)["GroupId"]
    world.ec2.authorize_security_group_ingress(GroupId=attacker, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    world.ec2.create_tags(Resources=[world.instance], Tags=[{"Key": "secops-guardduty:groups:" + ids[0], "Value": attacker}])
    opened = "BlockPublicAcls=false IgnorePublicAcls=false BlockPublicPolicy=false RestrictPublicBuckets=false"
    tags = dict(world.bucket_tags(), **{"secops-guardduty:public-access-block": opened})
    world.s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    quarantine = world.quarantine_groups()[0]["GroupId"]

    result, outcome = contain(mode="rollback", approved=True)
    assert result.rc == 0, result
    groups = world.instance_groups()
    assert attacker not in json.dumps(groups) and attacker not in json.dumps(outcome["resources"])
    assert groups == {0: [quarantine], 1: before["groups"][1]}  # the tampered interface stays contained, the other is restored
    assert statuses(outcome)[("ec2_instance", world.instance)] == "done"
    assert f"{ids[0]} stays in the quarantine group" in reason(outcome, "ec2_instance", world.instance)
    assert "disagrees with the containment record" in reason(outcome, "ec2_instance", world.instance)
    assert world.public_access_block() == ALL_BLOCKED
    assert statuses(outcome)[("s3_bucket", BUCKET)] == "skipped" and "left blocked" in reason(outcome, "s3_bucket", BUCKET)
    # keys stay inactive by default, and the plan says why; the deny policies are gone
    assert world.key_status() == {world.key: "Inactive"}
    assert statuses(outcome)[("iam_access_key", world.key)] == "unchanged"
    assert "AWS advises never to reactivate" in reason(outcome, "iam_access_key", world.key)
    assert world.user_policies(USER) == [] and world.role_policies() == []
    record = json.loads((records / NAME).read_text())
    assert {(r["type"], r["status"]) for r in record["resources"]} == {
        ("ec2_instance", "applied"), ("s3_bucket", "applied"), ("iam_access_key", "applied"), ("iam_user", "rolled_back"),
        ("iam_role", "rolled_back")}

    # a second rollback changes nothing
    after = world.snapshot()
    result, outcome = contain(mode="rollback", approved=True)
    assert result.rc == 0, result
    assert changed_tasks(result) == [] and world.snapshot() == after

    # asked for: the key is reactivated and its marker removed; then nothing is left to do
    result, outcome = contain(mode="rollback", approved=True, rollback_reactivate_keys=True)
    assert result.rc == 0, result
    assert world.key_status() == {world.key: "Active"} and world.user_tags() == before["user_tags"]
    assert statuses(outcome)[("iam_access_key", world.key)] == "done"
    after = world.snapshot()
    result, outcome = contain(mode="rollback", approved=True, rollback_reactivate_keys=True)
    assert result.rc == 0, result
    assert changed_tasks(result) == [] and world.snapshot() == after


def test_rollback_from_the_artifact_alone_and_refused_without_a_record(  # pylint: disable=redefined-outer-name
        world, contain, play, moto_aws, guardduty_emulator, tmp_path):
    """As in AWX: the apply job's artifact handed to the rollback job (the collection playbook, ``record`` as the
    survey's JSON text), where no record file exists."""
    world.create_contain_groups()
    before = world.snapshot()
    result, _outcome = contain(mode="apply", approved=True, record_dir=str(tmp_path / "apply-job"))
    assert result.rc == 0, result
    (artifact,) = stats_of(result, "Publish the containment record for the rollback job (AWX workflows)")
    contained = world.snapshot()
    env = {"AWS_ENDPOINT_URL": moto_aws.url, "AWS_ENDPOINT_URL_GUARDDUTY": guardduty_emulator.url}
    elsewhere = str(tmp_path / "rollback-job")

    # no record: refused with one message that says what, which investigation, where it looked and what to do
    result = play(WRAPPER, extra_vars={"investigation_id": sc.CONTAIN_INV_ID, "mode": "rollback", "approved": "true",
                                       "contain_record_dir": elsewhere}, env=env)
    assert result.rc != 0
    assert f"there is no containment record of investigation {sc.CONTAIN_INV_ID}" in result.stdout
    assert f"{elsewhere}/{NAME}" in result.stdout and "guardduty_contain_record artifact" in result.stdout and "by hand" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert world.snapshot() == contained

    # a record of another investigation is refused whole
    foreign = dict(artifact["guardduty_contain_record"], investigation_id="0a1b2c3d-1234-4abc-8def-0123456789ab")
    result = play(WRAPPER, extra_vars={"investigation_id": sc.CONTAIN_INV_ID, "mode": "rollback", "approved": "true",
                                       "contain_record_dir": elsewhere, "record": json.dumps(foreign)}, env=env)
    assert result.rc != 0 and "it is the record of investigation 0a1b2c3d-1234-4abc-8def-0123456789ab" in result.stdout
    assert world.snapshot() == contained

    # the artifact, as the survey's text: everything restored, keys left inactive
    record = json.dumps(artifact["guardduty_contain_record"])
    result = play(WRAPPER, extra_vars={"investigation_id": sc.CONTAIN_INV_ID, "mode": "rollback", "approved": "true",
                                       "contain_record_dir": elsewhere, "record": record}, env=env)
    assert result.rc == 0, result
    after = world.snapshot()
    assert after["groups"] == before["groups"] and after["instance_tags"] == before["instance_tags"]
    assert after["pab"] is None and after["bucket_tags"] == before["bucket_tags"]
    assert after["user_policies"] == [] and after["role_policies"] == []
    assert after["keys"] == {world.key: "Inactive"}
    # the rollback job wrote its own record file, marked
    marked = json.loads((tmp_path / "rollback-job" / NAME).read_text())
    assert {r["type"]: r["status"] for r in marked["resources"]}["ec2_instance"] == "rolled_back"


def test_an_apply_killed_between_two_changes_rolls_back_from_its_record(  # pylint: disable=redefined-outer-name
        world, contain, moto_aws, guardduty_emulator, tmp_path):
    world.create_contain_groups()
    before = world.snapshot()
    s3 = AwsProxy(moto_aws.url, lambda method, path: "hold" if method == "PUT" and ("tagging" in path or "publicAccessBlock" in path) else None)
    playbook = tmp_path / "contain.yml"
    playbook.write_text(WRAPPER)
    variables = {"investigation_id": sc.CONTAIN_INV_ID, "contain_mode": "apply", "contain_approved": True,
                 "contain_record_dir": str(tmp_path / "records")}
    env = ansible_env(tmp_path, {"AWS_ENDPOINT_URL": moto_aws.url, "AWS_ENDPOINT_URL_GUARDDUTY": guardduty_emulator.url,
                                 "AWS_ENDPOINT_URL_S3": s3.url})
    proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook), "-e", json.dumps(variables)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        quarantine = world.quarantine_groups()[0]["GroupId"]
        deadline = time.monotonic() + 120
        # the credentials, the instance's cut and the policies done, the bucket's first change held: killed there
        while not (s3.held.is_set() and world.key_status() == {world.key: "Inactive"} and world.user_policies(USER) == [POLICY]
                   and world.instance_groups() == {0: [quarantine], 1: [quarantine]}):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read().decode() if proc.poll() is not None else "timed out"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        s3.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert world.public_access_block() is None and world.bucket_tags() == before["bucket_tags"]
    record = json.loads((tmp_path / "records" / NAME).read_text())
    assert {r["status"] for r in record["resources"]} == {"pending"} and len(record["resources"]) == 6

    # every change made before the kill is undone from the record (the key too: it was deactivated first, and is asked back)
    result, outcome = contain(mode="rollback", approved=True, rollback_reactivate_keys=True)
    assert result.rc == 0, result
    after = world.snapshot()
    assert after["groups"] == before["groups"] and after["instance_tags"] == before["instance_tags"]
    assert after["keys"] == before["keys"] and after["user_policies"] == [] and after["role_policies"] == []
    assert after["pab"] is None and after["bucket_tags"] == before["bucket_tags"]
    assert statuses(outcome)[("ec2_instance", world.instance)] == "done"
    marked = json.loads((tmp_path / "records" / NAME).read_text())
    assert {r["status"] for r in marked["resources"]} == {"rolled_back"}
