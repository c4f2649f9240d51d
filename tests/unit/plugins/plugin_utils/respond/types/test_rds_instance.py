# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""RDS DB instances: a snapshot, not public, alone in the quarantine group; given back on rollback.

The action type's plan, rollback and record check (containment_plan with a plain state), and the steps of its apply
and rollback run against real boto3 clients with botocore's Stubber (no AWS)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

found, settings, one = s.found, s.settings, s.one
QG, WEB, SSH, ATTACKER = s.QG, s.WEB, s.SSH, s.ATTACKER
DB = s.resource("orders-db", "RDS_INSTANCE")
DB_SNAPSHOT = "secops-guardduty-orders-db-" + s.INV_ID
DB_VPC = "vpc-0123456789abcdef0"


def db_state(groups, public, tags=None, snapshots=(), quarantine=True, status="available"):
    """The DB instance as rds_instance_info returns it, its snapshots (rds_snapshot_info) and its VPC's quarantine group."""
    return {"db_instances": [{"db_instance_identifier": "orders-db", "db_instance_status": status, "publicly_accessible": public,
                              "db_subnet_group": {"vpc_id": DB_VPC}, "tags": tags or {},
                              "vpc_security_groups": [{"vpc_security_group_id": g, "status": "active"} for g in groups]}],
            # as rds_snapshot_info (amazon.aws 11.4.0) returns them: the API's TagList as tag_list, its own tags empty
            "db_snapshots": [{"db_snapshot_identifier": snap, "db_instance_identifier": "orders-db", "tags": {},
                              "tag_list": [{"key": "secops-guardduty:investigation", "value": inv}]} for snap, inv in snapshots],
            "groups": [{"group_id": QG, "group_name": "secops-guardduty-quarantine", "vpc_id": DB_VPC,
                        "ip_permissions": [], "ip_permissions_egress": []}] if quarantine else []}


def rec_db(previous_public=True, previous_groups=(WEB, SSH), snapshot=DB_SNAPSHOT):
    return {"type": "rds_instance", "id": "orders-db", "vpc_id": DB_VPC, "previous_publicly_accessible": previous_public,
            "previous_vpc_security_groups": list(previous_groups), "snapshot": snapshot}


CONTAINED_DB = {"secops-guardduty:contained-by": s.INV_ID}


def test_a_db_instance_is_snapshotted_made_private_and_quarantined_once():
    # the quarantine group does not exist yet: apply creates it in the DB's VPC
    plan = one(containment_plan(found(DB), settings(), db_state([WEB, SSH], True, quarantine=False)))
    assert plan["status"] == "planned" and plan["changes"] == {
        "vpc_id": DB_VPC, "snapshot": DB_SNAPSHOT, "previous_publicly_accessible": True, "previous_vpc_security_groups": [WEB, SSH],
        "tags": CONTAINED_DB}
    reason = plan["reason"]
    assert reason.index("take a snapshot") < reason.index("make it not publicly accessible") < reason.index("quarantine group")
    done = containment_plan(found(DB), settings(time=s.TIME, done=True, record_file=None), db_state([WEB, SSH], True))
    assert done["record"]["resources"] == [dict(rec_db(), status="applied", time=s.TIME)]
    # once contained and snapshotted: unchanged; another investigation's snapshot does not count
    again = one(containment_plan(found(DB), settings(), db_state([QG], False, CONTAINED_DB, [(DB_SNAPSHOT, s.INV_ID)])))
    assert again["status"] == "unchanged" and again["changes"] == {} and DB_SNAPSHOT in again["reason"]
    other = one(containment_plan(found(DB), settings(), db_state([QG], False, CONTAINED_DB, [("theirs", "0a1b2c3d-1234-4abc-8def-0123456789ab")])))
    assert other["status"] == "planned" and other["changes"]["snapshot"] == DB_SNAPSHOT and "publicly" not in other["reason"]


def test_a_second_apply_keeps_the_db_settings_from_before_any_containment():
    base = s.record(rec_db())
    plan = containment_plan(found(DB), settings(time=s.TIME, done=True, record=base, record_file=None),
                            db_state([QG], True, CONTAINED_DB, [(DB_SNAPSHOT, s.INV_ID)]))  # someone made it public again
    (rec,) = plan["record"]["resources"]
    assert (rec["previous_publicly_accessible"], rec["previous_vpc_security_groups"], rec["snapshot"]) == (True, [WEB, SSH], DB_SNAPSHOT)


@pytest.mark.parametrize("status", ["deleting", "failed"])
def test_db_instances_gone_or_missing_are_skipped(status):
    assert "the DB instance is " + status in one(containment_plan(found(DB), settings(), db_state([WEB], True, status=status)))["reason"]
    missing = one(containment_plan(found(DB), settings(), {"db_instances": []}))
    assert missing["status"] == "skipped" and "no such RDS DB instance" in missing["reason"]


def test_rollback_gives_the_db_back_what_the_record_holds_and_keeps_the_snapshot():
    contained = db_state([QG], False, dict(CONTAINED_DB, team="orders"), [(DB_SNAPSHOT, s.INV_ID)])
    back = one(containment_plan(found(DB), s.rollback(rec_db()), contained))
    assert back["status"] == "planned" and back["record_status"] == "rolled_back"
    assert back["changes"] == {"restore": True, "publicly_accessible": True, "vpc_security_groups": [WEB, SSH], "tags": {"team": "orders"}}
    assert f"its snapshot {DB_SNAPSHOT} stays as evidence" in back["reason"]
    # a DB that was private before containment stays private
    private = one(containment_plan(found(DB), s.rollback(rec_db(previous_public=False)), contained))
    assert private["changes"]["publicly_accessible"] is False and "keep it not publicly accessible" in private["reason"]
    # done: a second rollback has nothing to undo
    again = one(containment_plan(found(DB), s.rollback(rec_db()), db_state([SSH, WEB], True, {"team": "orders"}, [(DB_SNAPSHOT, s.INV_ID)])))
    assert again["status"] == "unchanged" and again["changes"] == {} and again["record_status"] == "rolled_back"


def test_db_rollback_takes_nothing_from_tags_and_leaves_a_disagreeing_db_contained():
    # no record: a tagged DB stays contained; an untagged one is not ours
    assert one(containment_plan(found(DB), s.rollback(), db_state([QG], False, CONTAINED_DB)))["status"] == "skipped"
    assert one(containment_plan(found(DB), s.rollback(), db_state([WEB], True)))["status"] == "unchanged"
    # the tag names another investigation: left to it
    theirs = one(containment_plan(found(DB), s.rollback(rec_db()), db_state([QG], False, {"secops-guardduty:contained-by": "0a1b2c3d"})))
    assert theirs["status"] == "skipped" and "roll back with that investigation" in theirs["reason"]
    # the tag was removed while the DB is contained: the record and the tag disagree, the DB stays as it is
    gone = one(containment_plan(found(DB), s.rollback(rec_db()), db_state([QG], False)))
    assert gone["status"] == "skipped" and gone["changes"] == {} and "disagrees with the containment record" in gone["reason"]
    # made public or given other groups since containment: left as it is
    for changed in (db_state([QG], True, CONTAINED_DB), db_state([QG, SSH], False, CONTAINED_DB)):
        plan = one(containment_plan(found(DB), s.rollback(rec_db()), changed))
        assert plan["status"] == "skipped" and plan["changes"] == {} and "changed since containment" in plan["reason"]


def test_a_db_tagged_by_another_investigation_is_taken_over_and_the_plan_says_so():
    plan = one(containment_plan(found(DB), settings(), db_state([WEB], True, {"secops-guardduty:contained-by": "0a1b2c3d"})))
    assert plan["status"] == "planned" and "which this containment takes over" in plan["reason"]
    assert plan["changes"]["tags"] == CONTAINED_DB


@pytest.mark.parametrize("change,message", [
    (lambda e: e.update(id="orders--db"), r"\(rds_instance\) has no valid id"),
    (lambda e: e.update(vpc_id="vpc-x"), "has no valid vpc_id"),
    (lambda e: e.update(previous_publicly_accessible="yes"), "has no previous_publicly_accessible"),
    (lambda e: e.pop("previous_publicly_accessible"), "has no previous_publicly_accessible"),
    (lambda e: e.update(previous_vpc_security_groups=[ATTACKER]), "previous_vpc_security_groups are not security group ids"),
    (lambda e: e.update(previous_vpc_security_groups=[]), "previous_vpc_security_groups are not security group ids"),
    (lambda e: e.update(snapshot="snap; id"), "has no snapshot"),
    (lambda e: e.pop("snapshot"), "has no snapshot"),
])
def test_a_record_entry_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    s.assert_refused_whole(change, message, "rds_instance")


# ---------------------------------------------------------------- the steps of apply and rollback

ARN = "arn:aws:rds:us-east-1:123456789012:db:orders-db"
KEY = "rds_instance:orders-db"
GROUP = f"vpc:{DB_VPC}:quarantine-group"
SNAPSHOT, MARK, CLOSE, RESTORE, UNMARK = (f"{KEY}:{step}" for step in ("snapshot", "mark", "close", "restore", "unmark"))
NEW_GROUP = "sg-0000000000000000c"
DEFAULT_EGRESS = {"SecurityGroupRuleId": "sgr-0000000000000000e", "GroupId": NEW_GROUP, "IsEgress": True, "IpProtocol": "-1",
                  "FromPort": -1, "ToPort": -1, "CidrIpv4": "0.0.0.0/0"}


def with_arn(state):
    """``state`` with the DB instance's ARN (rds_instance_info's db_instance_arn: the steps tag it)."""
    state["db_instances"][0]["db_instance_arn"] = ARN
    return state


def expect_snapshot(aws):
    aws.expect("rds", "create_db_snapshot", {"DBInstanceIdentifier": "orders-db", "DBSnapshotIdentifier": DB_SNAPSHOT, "Tags": [
        {"Key": "secops-guardduty:investigation", "Value": s.INV_ID}, {"Key": "secops-guardduty:db-instance", "Value": "orders-db"}]},
        {"DBSnapshot": {"DBSnapshotIdentifier": DB_SNAPSHOT, "Status": "creating"}})
    # waited for until available (botocore's db_snapshot_available waiter)
    aws.expect("rds", "describe_db_snapshots", {"DBSnapshotIdentifier": DB_SNAPSHOT},
               {"DBSnapshots": [{"DBSnapshotIdentifier": DB_SNAPSHOT, "Status": "available"}]})


def test_apply_snapshots_marks_then_closes_the_db_into_its_vpcs_quarantine_group():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(DB), settings(), with_arn(db_state([WEB, SSH], True)), aws)
    assert aws_.dependencies(steps) == {GROUP: [], SNAPSHOT: [], MARK: [SNAPSHOT], CLOSE: [SNAPSHOT, MARK, GROUP]}
    # the group exists and has no rule: nothing to change in it
    aws.expect("ec2", "describe_security_group_rules", {"Filters": [{"Name": "group-id", "Values": [QG]}]}, {"SecurityGroupRules": []})
    expect_snapshot(aws)
    aws.expect("rds", "add_tags_to_resource", {"ResourceName": ARN, "Tags": [{"Key": "secops-guardduty:contained-by", "Value": s.INV_ID}]})
    aws.expect("rds", "modify_db_instance", {"DBInstanceIdentifier": "orders-db", "PubliclyAccessible": False, "VpcSecurityGroupIds": [QG],
                                             "ApplyImmediately": True}, {"DBInstance": {"DBInstanceIdentifier": "orders-db"}})
    assert aws_.run(steps, aws)[0] == [(GROUP, "unchanged"), (SNAPSHOT, "done"), (MARK, "done"), (CLOSE, "done")]
    assert aws.slept == []


def test_a_quarantine_group_created_by_the_run_is_emptied_and_the_db_moved_into_it():
    aws = aws_.StubbedAWS()
    # snapshotted already: no snapshot step
    state = with_arn(db_state([WEB], True, snapshots=[(DB_SNAPSHOT, s.INV_ID)], quarantine=False))
    _plan, steps = aws_.steps_of(found(DB), settings(), state, aws)
    assert aws_.dependencies(steps) == {GROUP: [], MARK: [], CLOSE: [MARK, GROUP]}
    aws.expect("ec2", "create_security_group", {
        "GroupName": "secops-guardduty-quarantine", "Description": "Quarantine of secops.guardduty.contain - no inbound and no outbound traffic",
        "VpcId": DB_VPC, "TagSpecifications": [{"ResourceType": "security-group", "Tags": [{"Key": "secops-guardduty:quarantine", "Value": "true"}]}]},
        {"GroupId": NEW_GROUP})
    aws.expect("ec2", "describe_security_group_rules", {"Filters": [{"Name": "group-id", "Values": [NEW_GROUP]}]},
               {"SecurityGroupRules": [DEFAULT_EGRESS]})  # the egress rule AWS gives every new group
    aws.expect("ec2", "revoke_security_group_egress", {"GroupId": NEW_GROUP, "SecurityGroupRuleIds": ["sgr-0000000000000000e"]}, {"Return": True})
    aws.expect("rds", "add_tags_to_resource", {"ResourceName": ARN, "Tags": [{"Key": "secops-guardduty:contained-by", "Value": s.INV_ID}]})
    aws.expect("rds", "modify_db_instance", {"DBInstanceIdentifier": "orders-db", "PubliclyAccessible": False,
                                             "VpcSecurityGroupIds": [NEW_GROUP], "ApplyImmediately": True})
    assert aws_.run(steps, aws)[0] == [(GROUP, "done"), (MARK, "done"), (CLOSE, "done")]


def test_a_snapshot_refused_keeps_the_db_as_it_is_and_the_group_is_still_made():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(DB), settings(), with_arn(db_state([WEB, SSH], True)), aws)
    aws.expect("ec2", "describe_security_group_rules", {"Filters": [{"Name": "group-id", "Values": [QG]}]}, {"SecurityGroupRules": []})
    aws.refuse("rds", "create_db_snapshot", {"DBInstanceIdentifier": "orders-db", "DBSnapshotIdentifier": DB_SNAPSHOT, "Tags": [
        {"Key": "secops-guardduty:investigation", "Value": s.INV_ID}, {"Key": "secops-guardduty:db-instance", "Value": "orders-db"}]},
        code="SnapshotQuotaExceeded", message="quota", status=400)
    ran, results = aws_.run(steps, aws)
    assert ran == [(GROUP, "unchanged"), (SNAPSHOT, "failed"), (MARK, "skipped"), (CLOSE, "skipped")]
    # the close needs the snapshot (evidence first); it waits for the mark without needing it (a skipped mark is not why)
    assert "CreateDBSnapshot" in results[SNAPSHOT]["error"] and results[CLOSE]["error"] == f"not run: {SNAPSHOT} did not succeed"


def contained():
    return with_arn(db_state([QG], False, dict(CONTAINED_DB, team="orders"), [(DB_SNAPSHOT, s.INV_ID)]))


def test_rollback_gives_back_public_access_and_groups_then_removes_only_the_containment_tag():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(DB), s.rollback(rec_db()), contained(), aws)
    assert aws_.dependencies(steps) == {RESTORE: [], UNMARK: [RESTORE]}
    aws.expect("rds", "modify_db_instance", {"DBInstanceIdentifier": "orders-db", "PubliclyAccessible": True, "VpcSecurityGroupIds": [WEB, SSH],
                                             "ApplyImmediately": True})
    aws.expect("rds", "remove_tags_from_resource", {"ResourceName": ARN, "TagKeys": ["secops-guardduty:contained-by"]})
    assert aws_.run(steps, aws)[0] == [(RESTORE, "done"), (UNMARK, "done")]
    # the restore refused: the tag that says the DB is contained stays
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(DB), s.rollback(rec_db()), contained(), aws)
    aws.refuse("rds", "modify_db_instance", {"DBInstanceIdentifier": "orders-db", "PubliclyAccessible": True, "VpcSecurityGroupIds": [WEB, SSH],
                                             "ApplyImmediately": True}, code="InvalidDBInstanceState", message="not available", status=400)
    assert aws_.run(steps, aws)[0] == [(RESTORE, "failed"), (UNMARK, "skipped")]


def test_a_db_closed_while_its_mark_failed_is_given_back_from_the_record():
    unmarked = dict(rec_db(), steps={"mark": "failed", "close": "done"})
    plan = one(containment_plan(found(DB), s.rollback(unmarked), db_state([QG], False)))
    assert plan["status"] == "planned" and plan["changes"]["restore"] is True and plan["changes"]["vpc_security_groups"] == [WEB, SSH]
