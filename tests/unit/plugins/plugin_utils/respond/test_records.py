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
QG, WEB, SSH, ENI, EC2, LATER = s.QG, s.WEB, s.SSH, s.ENI, s.EC2, s.LATER
ENI2 = "eni-0123456789abcdef1"
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


@pytest.mark.parametrize("change,message", [
    (lambda r: r.update(record_format=2), "no record_format 1"),
    (lambda r: r.update(investigation_id="0a1b2c3d-1234-4abc-8def-0123456789ab"), "it is the record of investigation 0a1b2c3d-1234"),
    (lambda r: r.update(investigation_id="{{ x }}"), r"record of investigation \(not an investigation id\)"),
    (lambda r: r.update(account_id=s.OTHER), f"of account {s.OTHER}, not the investigation's account"),
    (lambda r: r.update(region="eu-west-1"), "of Region eu-west-1"),
    (lambda r: r.update(updated="yesterday"), "updated is not a UTC ISO-8601 time"),
    (lambda r: r.update(resources={}), "no list of resources"),
    (lambda r: r["resources"][0].update(status="done"), "has no status"),
    (lambda r: r["resources"][0].update(type="eks_cluster"), "no resource type this role records"),
    (lambda r: r["resources"].append(dict(r["resources"][1])), "recorded twice"),
])
def test_a_record_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    """What every record is checked for; each action type's tests check its own entries (types/test_<type>.py)."""
    s.assert_refused_whole(change, message)


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
