# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The containment record: what apply writes before it changes anything, what rollback accepts back, and the refusal
of a rollback without one."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import load_record
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import merge_records
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import read_record_file
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import record_text
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import write_record_file
from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_VERSION
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s

found, settings, one = s.found, s.settings, s.one
QG = "sg-0000000000000000a"
WEB, SSH = "sg-11111111111111111", "sg-22222222222222222"
ENI, ENI2 = "eni-0123456789abcdef0", "eni-0123456789abcdef1"
LATER = "2025-06-02T08:30:00Z"
EC2 = s.resource(s.INSTANCE, "EC2_INSTANCE")
KEY = s.resource(s.KEY, "IAM_ACCESS_KEY")
USER = s.resource("alice", "IAM_USER")
BUCKET = s.resource("customer-exports", "S3_BUCKET")


def state(enis, key_status="Active", policies=(), block=None):
    """An instance with ``enis`` ({eni: groups}), alice's key, her inline policies and the bucket."""
    return {
        "instances": [{"instance_id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "state": {"name": "running"}, "tags": {},
                       "network_interfaces": [{"network_interface_id": e, "groups": [{"group_id": g} for g in groups]}
                                              for e, groups in enis.items()]}],
        "groups": [{"group_id": QG, "group_name": "secops-guardduty-quarantine", "vpc_id": "vpc-0123456789abcdef0"}],
        "access_keys": [{"access_key_id": s.KEY, "user_name": "alice", "status": key_status}],
        "users": [{"user_name": "alice", "tags": {}}],
        "user_policies": {"alice": list(policies)},
        "buckets": [{"name": "customer-exports", "bucket_location": {}, "bucket_tagging": {},
                     "public_access_block": {"PublicAccessBlockConfiguration": block} if block else {}}],
    }


def test_apply_records_the_previous_state_of_everything_it_changes_before_it_changes_it():
    plan = containment_plan(found(EC2, KEY, USER, BUCKET), settings(time=s.TIME, record_file=None, done=True), state({ENI: [WEB, SSH]}))
    before, after = plan["record_before"], plan["record"]
    assert {k: v for k, v in before.items() if k != "resources"} == {
        "record_format": 1, "investigation_id": s.INV_ID, "account_id": s.ACCOUNT, "region": s.REGION,
        "created": s.TIME, "updated": s.TIME, "role_version": COLLECTION_VERSION}
    assert {(r["type"], r["status"]) for r in before["resources"]} == {
        ("ec2_instance", "pending"), ("iam_access_key", "pending"), ("iam_user", "pending"), ("s3_bucket", "pending")}
    by_type = {r["type"]: r for r in before["resources"]}
    assert by_type["ec2_instance"]["interfaces"] == [{"eni_id": ENI, "previous_groups": [WEB, SSH]}]
    assert by_type["ec2_instance"]["vpc_id"] == "vpc-0123456789abcdef0"
    assert by_type["iam_access_key"] == {"type": "iam_access_key", "id": s.KEY, "status": "pending", "time": s.TIME,
                                         "user_name": "alice", "previous_status": "Active"}
    assert by_type["iam_user"]["policy_name"] == "secops-guardduty-contain-" + s.INV_ID
    assert by_type["s3_bucket"]["previous_public_access_block"] is None
    assert {r["status"] for r in after["resources"]} == {"applied"}
    # what apply wrote reads back as a record, as JSON text (the file) and as the artifact's value
    assert load_record(json.dumps(after), "the file", s.INV_ID, s.ACCOUNT, s.REGION) == after
    assert load_record(after, "contain_record", s.INV_ID, s.ACCOUNT, s.REGION) == after


def test_a_second_apply_keeps_what_the_first_recorded():
    first = containment_plan(found(EC2), settings(time=s.TIME, done=True), state({ENI: [WEB], ENI2: [SSH]}))["record"]
    # killed after moving ENI: the second apply moves ENI2 only, and the record still holds ENI's previous groups
    second = containment_plan(found(EC2), settings(time=LATER, record=first, done=True), state({ENI: [QG], ENI2: [SSH]}))
    assert one(second)["changes"]["interfaces"] == [{"eni_id": ENI2, "previous_groups": [SSH]}]
    (rec,) = second["record_before"]["resources"]
    assert rec["interfaces"] == [{"eni_id": ENI, "previous_groups": [WEB]}, {"eni_id": ENI2, "previous_groups": [SSH]}]
    assert second["record_before"]["created"] == s.TIME and second["record_before"]["updated"] == LATER
    # nothing to do: the record is carried on as it was
    third = containment_plan(found(EC2), settings(time=LATER, record=second["record"], done=True), state({ENI: [QG], ENI2: [QG]}))
    assert third["record"] == second["record"] and third["record_before"] == second["record"]


def test_rollback_marks_what_it_restored():
    applied = containment_plan(found(EC2, USER), settings(time=s.TIME, done=True), state({ENI: [WEB]}))["record"]
    tags = {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:groups:" + ENI: WEB}
    contained = state({ENI: [QG]}, policies=["secops-guardduty-contain-" + s.INV_ID])
    contained["instances"][0]["tags"] = tags
    plan = containment_plan(found(EC2, USER), settings("rollback", time=LATER, record=applied, record_file=None, done=True), contained)
    assert plan["blocked"] == [] and plan["counts"]["done"] == 2
    assert {r["type"]: r["status"] for r in plan["record"]["resources"]} == {"ec2_instance": "rolled_back", "iam_user": "rolled_back"}
    assert plan["record"]["updated"] == LATER


def test_rollback_without_a_record_is_refused_saying_where_it_looked():
    plan = containment_plan(found(EC2), settings("rollback", record_dir="/srv/records", record_file=None, record=""))
    (reason,) = plan["blocked"]
    assert f"no containment record of investigation {s.INV_ID}" in reason
    assert f"/srv/records/{s.INV_ID}.json" in reason and "contain_record" in reason and "by hand" in reason
    # before the role looked for the file (its first pass), it is not refused for that yet
    assert containment_plan(found(EC2), settings("rollback"))["blocked"] == []
    # the default directory
    assert containment_plan(found(EC2), settings("plan"))["record_path"] == f"~/.ansible/secops-guardduty/contain-records/{s.INV_ID}.json"


def test_check_mode_writes_no_record():
    plan = containment_plan(found(EC2), settings(time=s.TIME, record_file=None), state({ENI: [WEB]}))
    assert one(plan)["status"] == "planned" and plan["record_before"] is None and plan["record"] is None


def test_the_file_and_contain_record_are_merged():
    key = {"type": "iam_access_key", "id": s.KEY, "user_name": "alice", "previous_status": "Active"}
    user = {"type": "iam_user", "id": "alice", "policy_name": "secops-guardduty-contain-" + s.INV_ID}
    in_file = s.record(key, dict(user, status="pending"))
    given = s.record(user, updated=LATER)
    plan = containment_plan(found(USER), settings("rollback", record_file=json.dumps(in_file), record=given))
    assert plan["record"]["updated"] == LATER
    assert sorted((r["type"], r["status"]) for r in plan["record"]["resources"]) == [("iam_access_key", "applied"), ("iam_user", "applied")]


def test_merge_replaces_a_rolled_back_instance():
    old = s.record({"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "status": "rolled_back",
                    "interfaces": [{"eni_id": ENI, "previous_groups": [WEB]}]})
    new = {"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "status": "pending", "time": LATER,
           "interfaces": [{"eni_id": ENI2, "previous_groups": [SSH]}]}
    assert merge_records(old, [new], LATER)["resources"] == [new]


ATTACKER = "sg-0badbadbadbadbad0;{{ lookup('pipe', 'id') }}"


@pytest.mark.parametrize("change,message", [
    (lambda r: r.update(record_format=2), "no record_format 1"),
    (lambda r: r.update(investigation_id="0a1b2c3d-1234-4abc-8def-0123456789ab"), "it is the record of investigation 0a1b2c3d-1234"),
    (lambda r: r.update(investigation_id="{{ x }}"), r"record of investigation \(not an investigation id\)"),
    (lambda r: r.update(account_id=s.OTHER), f"of account {s.OTHER}, not the investigation's account"),
    (lambda r: r.update(region="eu-west-1"), "of Region eu-west-1"),
    (lambda r: r.update(updated="yesterday"), "updated is not a UTC ISO-8601 time"),
    (lambda r: r.update(resources={}), "no list of resources"),
    (lambda r: r["resources"][0]["interfaces"][0].update(previous_groups=[ATTACKER]), "are not security group ids"),
    (lambda r: r["resources"][0]["interfaces"][0].update(previous_groups=[]), "are not security group ids"),
    (lambda r: r["resources"][0]["interfaces"][0].update(eni_id="eni-x"), "not an eni- id"),
    (lambda r: r["resources"][0].update(status="done"), "has no status"),
    (lambda r: r["resources"][0].update(type="eks_cluster"), "no resource type this role records"),
    (lambda r: r["resources"][1].update(policy_name="AdministratorAccess"), "names another policy"),
    (lambda r: r["resources"][2].update(previous_public_access_block={"block_public_acls": "no"}), "previous_public_access_block"),
    (lambda r: r["resources"][3].update(previous_status="Inactive"), "previous_status Active"),
    (lambda r: r["resources"].append(dict(r["resources"][1])), "recorded twice"),
    (lambda r: r["resources"][0].update(evidence={"termination_protection": "no"}), "evidence termination_protection is not true or false"),
    (lambda r: r["resources"][0].update(evidence={"shutdown_behavior": "hibernate"}), "evidence shutdown_behavior is not stop or terminate"),
    (lambda r: r["resources"][0].update(evidence={"delete_on_termination": {"/dev/x; id": True}}), "not device names"),
    (lambda r: r["resources"][0].update(evidence={"user_data": "#!/bin/sh"}), "an evidence setting this role does not record"),
    (lambda r: r["resources"][0].update(standby={"group_name": "web:{{ x }}", "decrement": False}), "not an Auto Scaling group name"),
    (lambda r: r["resources"][0].update(interfaces=[]), "records no network interface"),
    (lambda r: r["resources"][0].update(network_acl_entries=[{"nacl_id": "acl-0123456789abcdef0", "rule_number": 1, "egress": False,
                                                              "cidr": "0.0.0.0/0"}]), "a network ACL entry that is not"),
    (lambda r: r["resources"][0].update(network_acl_entries=[{"nacl_id": "acl-0123456789abcdef0", "rule_number": 32767, "egress": False,
                                                              "cidr": "10.0.1.5/32"}]), "a network ACL entry that is not"),
    (lambda r: r["resources"][4].update(id="sg-x; id"), r"\(ec2_security_group\) has no valid id"),
    (lambda r: r["resources"][4].update(removed_rules=[]), "records no removed_rules"),
    (lambda r: r["resources"][4]["removed_rules"][0].update(cidr="203.0.113.0/24"), "from another CIDR than 0.0.0.0/0 or ::/0"),
    (lambda r: r["resources"][4]["removed_rules"][0].update(protocol="tcp; id"), "without a valid protocol"),
    (lambda r: r["resources"][4]["removed_rules"][0].update(from_port=70000), "whose ports are not from -1 to 65535"),
    (lambda r: r["resources"][4]["removed_rules"][0].update(from_port=None), "whose ports are not from -1 to 65535"),
    (lambda r: r["resources"][4]["removed_rules"][1].update(from_port=22), "whose ports are not from -1 to 65535"),
    (lambda r: r["resources"][4]["removed_rules"][0].update(description_base64="YQpi"),  # "a\nb"
     r"description_base64 is not null or a description \(not up to 255 printable"),
    (lambda r: r["resources"][4]["removed_rules"][0].update(description_base64="{{ 7*7 }}"), r"description_base64 is not null or a description \(not base64\)"),
    (lambda r: r["resources"][4]["removed_rules"][0].update(description_base64="//4="), r"\(not base64 of UTF-8 text\)"),
    (lambda r: r["resources"][4]["removed_rules"][0].update(description="ssh"), "is not protocol, from_port, to_port, cidr and description_base64"),
    (lambda r: r["resources"][5].update(previous_reserved_concurrency=0), "has no previous_reserved_concurrency"),
    (lambda r: r["resources"][5].update(previous_reserved_concurrency="10"), "has no previous_reserved_concurrency"),
    (lambda r: r["resources"][5].pop("previous_reserved_concurrency"), "has no previous_reserved_concurrency"),
    (lambda r: r["resources"][5].update(id="arn:aws:lambda:us-east-1:123456789012:function:payments"), r"\(lambda_function\) has no valid id"),
    (lambda r: r["resources"][6].update(forensic_snapshot="snap-0123456789abcdef0"), "has no forensic_snapshot true"),
    (lambda r: r["resources"][6].update(id="vol-x; id"), r"\(ebs_volume\) has no valid id"),
    (lambda r: r["resources"][7].update(id="orders--db"), r"\(rds_instance\) has no valid id"),
    (lambda r: r["resources"][7].update(vpc_id="vpc-x"), "has no valid vpc_id"),
    (lambda r: r["resources"][7].update(previous_publicly_accessible="yes"), "has no previous_publicly_accessible"),
    (lambda r: r["resources"][7].pop("previous_publicly_accessible"), "has no previous_publicly_accessible"),
    (lambda r: r["resources"][7].update(previous_vpc_security_groups=[ATTACKER]), "previous_vpc_security_groups are not security group ids"),
    (lambda r: r["resources"][7].update(previous_vpc_security_groups=[]), "previous_vpc_security_groups are not security group ids"),
    (lambda r: r["resources"][7].update(snapshot="snap; id"), "has no snapshot"),
    (lambda r: r["resources"][7].pop("snapshot"), "has no snapshot"),
])
def test_a_record_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    rec = s.record({"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0",
                    "interfaces": [{"eni_id": ENI, "previous_groups": [WEB]}]},
                   {"type": "iam_role", "id": "web", "policy_name": "secops-guardduty-contain-" + s.INV_ID},
                   {"type": "s3_bucket", "id": "customer-exports", "previous_public_access_block": None},
                   {"type": "iam_access_key", "id": s.KEY, "user_name": "alice", "previous_status": "Active"},
                   {"type": "ec2_security_group", "id": "sg-0123456789abcdef0", "removed_rules": [
                       {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0", "description_base64": "c3No"},
                       {"protocol": "-1", "from_port": None, "to_port": None, "cidr": "::/0", "description_base64": None}]},
                   {"type": "lambda_function", "id": "payments", "previous_reserved_concurrency": None},
                   {"type": "ebs_volume", "id": "vol-0123456789abcdef0", "forensic_snapshot": True},
                   {"type": "rds_instance", "id": "orders-db", "vpc_id": "vpc-0123456789abcdef0", "previous_publicly_accessible": True,
                    "previous_vpc_security_groups": [WEB], "snapshot": "secops-guardduty-orders-db-" + s.INV_ID})
    containment_plan(found(EC2), settings("rollback", record=json.loads(json.dumps(rec))))  # as written, it is accepted
    change(rec)
    with pytest.raises(ContainError, match=message) as error:
        containment_plan(found(EC2), settings("rollback", record=rec))
    assert "contain_record is not a containment record this role wrote" in str(error.value)
    assert "nothing was changed" in str(error.value) and "lookup" not in str(error.value)


@pytest.mark.parametrize("text,message", [
    ("{not json", r"the containment record file .*\.json is not JSON \(Expecting property name"),
    ("[]", "it is not a JSON object"),
])
def test_an_unreadable_file_is_refused(text, message):
    with pytest.raises(ContainError, match=message):
        containment_plan(found(EC2), settings("apply", record_file=text))


def test_empty_inputs_mean_no_record():
    assert load_record("  ", "x", s.INV_ID, s.ACCOUNT, s.REGION) is None
    assert load_record({}, "x", s.INV_ID, s.ACCOUNT, s.REGION) is None


@pytest.mark.parametrize("bad", [{"record_dir": "/a\nb"}, {"record_dir": 3}, {"record_dir": "records"}, {"time": "now"}])
def test_bad_record_settings_are_refused(bad):
    with pytest.raises(ContainError, match="contain_record_dir|UTC ISO-8601"):
        containment_plan(found(EC2), dict(settings(), **bad))


def test_a_second_rollback_writes_nothing():
    rec = s.record({"type": "iam_user", "id": "alice", "policy_name": "secops-guardduty-contain-" + s.INV_ID, "status": "rolled_back"})
    plan = containment_plan(found(USER), settings("rollback", time=LATER, record=rec, record_file=None, done=True), state({ENI: [WEB]}))
    assert one(plan)["status"] == "unchanged" and plan["record"] == plan["record_before"] == rec


def test_a_second_apply_keeps_the_evidence_settings_from_before_any_containment():
    first = {"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "status": "applied", "time": s.TIME,
             "interfaces": [{"eni_id": ENI, "previous_groups": [WEB]}],
             "evidence": {"termination_protection": False, "delete_on_termination": {"/dev/xvda": True}},
             "standby": {"group_name": "web-asg", "decrement": False}}
    # someone turned termination protection off and set DeleteOnTermination of another volume after containment
    again = {"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "status": "pending", "time": LATER,
             "interfaces": [], "evidence": {"termination_protection": False, "delete_on_termination": {"/dev/sdf": True}}}
    merged = merge_records(s.record(), [first], s.TIME)
    merged = merge_records(merged, [again], LATER)["resources"][0]
    assert merged["evidence"] == {"termination_protection": False, "delete_on_termination": {"/dev/sdf": True, "/dev/xvda": True}}
    assert merged["standby"] == first["standby"] and merged["interfaces"] == first["interfaces"]
    # an instance recorded only for its evidence settings (its interfaces were already in the quarantine group) is a valid record
    only = dict(first, interfaces=[])
    plan = containment_plan(found(EC2), settings("rollback", record=s.record({k: v for k, v in only.items() if k not in ("status", "time")})))
    assert plan["record"]["resources"][0]["evidence"] == first["evidence"]


TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"


def test_a_second_apply_keeps_the_target_registrations_an_earlier_one_took_out():
    web = {"target_group_arn": TG, "id": s.INSTANCE, "port": 80, "availability_zone": None}
    first = {"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "status": "applied", "time": s.TIME,
             "interfaces": [{"eni_id": ENI, "previous_groups": [WEB]}], "target_registrations": [web]}
    # registered again on another port since, and taken out again: both are recorded, the first one kept
    again = {"type": "ec2_instance", "id": s.INSTANCE, "vpc_id": "vpc-0123456789abcdef0", "status": "pending", "time": LATER,
             "interfaces": [], "target_registrations": [dict(web, port=8080)]}
    merged = merge_records(merge_records(s.record(), [first], s.TIME), [again], LATER)["resources"][0]
    assert merged["target_registrations"] == [web, dict(web, port=8080)] and merged["interfaces"] == first["interfaces"]
    # an instance recorded only for its target registrations is a valid record
    only = {k: v for k, v in dict(first, interfaces=[]).items() if k not in ("status", "time")}
    plan = containment_plan(found(EC2), settings("rollback", record=s.record(only)))
    assert plan["record"]["resources"][0]["target_registrations"] == [web]


def test_the_record_file_is_written_0600_in_a_0700_directory_in_one_step(tmp_path):
    path = str(tmp_path / "records" / "nested" / f"{s.INV_ID}.json")
    rec = s.record({"type": "iam_user", "id": "alice", "policy_name": "secops-guardduty-contain-" + s.INV_ID})
    assert read_record_file(path) == (False, None)
    assert write_record_file(path, rec, check_mode=True) is True and not os.path.exists(path)
    assert write_record_file(path, rec) is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    exists, text = read_record_file(path)
    assert exists and json.loads(text) == rec and text == record_text(rec) and text.endswith("}\n")
    assert write_record_file(path, rec) is False  # the same record again: unchanged
    assert os.listdir(os.path.dirname(path)) == [f"{s.INV_ID}.json"]  # no temporary file left
    # an existing directory keeps its mode
    os.chmod(os.path.dirname(path), 0o750)
    assert write_record_file(path, dict(rec, updated=LATER)) is True
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o750


def test_an_unwritable_or_unreadable_record_fails_clearly(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    with pytest.raises(ContainError, match="could not be written to .*choose a writable contain_record_dir"):
        write_record_file(str(blocker / "r.json"), s.record())
    with pytest.raises(ContainError, match="cannot be read .*check its owner and mode"):
        read_record_file(str(tmp_path))  # a directory
