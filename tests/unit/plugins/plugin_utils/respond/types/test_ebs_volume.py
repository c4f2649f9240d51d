# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EBS volumes: a forensic snapshot, kept on rollback.

The action type's plan, rollback and record check (containment_plan with a plain state), and the steps of its apply
and rollback run against real boto3 clients with botocore's Stubber (no AWS)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

found, settings, one = s.found, s.settings, s.one
VOL = "vol-0123456789abcdef0"
VOLUME = s.resource(VOL, "EBS_VOLUME")


def vol_state(*snapshots, exists=True):
    """The volume as ec2_vol_info returns it and the snapshots read (tagged with the investigation, or another)."""
    return {"volumes": [{"id": VOL, "status": "in-use"}] if exists else [],
            "snapshots": [{"snapshot_id": snap, "volume_id": VOL, "tags": {"secops-guardduty:investigation": inv}} for snap, inv in snapshots]}


def test_a_volume_is_snapshotted_once_and_its_snapshot_kept_on_rollback():
    other = ("snap-0000000000000000b", "0a1b2c3d-1234-4abc-8def-0123456789ab")  # another investigation's snapshot does not count
    plan = one(containment_plan(found(VOLUME), settings(), vol_state(other)))
    assert plan["status"] == "planned" and plan["changes"] == {"snapshot": True} and "kept on rollback" in plan["reason"]
    done = containment_plan(found(VOLUME), settings(time=s.TIME, done=True, record_file=None), vol_state())
    assert done["record"]["resources"] == [{"type": "ebs_volume", "id": VOL, "status": "applied", "time": s.TIME, "forensic_snapshot": True}]
    ours = ("snap-0000000000000000a", s.INV_ID)
    again = one(containment_plan(found(VOLUME), settings(), vol_state(other, ours)))
    assert again["status"] == "unchanged" and "snap-0000000000000000a" in again["reason"]
    back = one(containment_plan(found(VOLUME), s.rollback({"type": "ebs_volume", "id": VOL, "forensic_snapshot": True}), vol_state(ours)))
    assert back["status"] == "unchanged" and back["changes"] == {} and back["record_status"] == "rolled_back"
    assert "its forensic snapshots stay as evidence (snap-0000000000000000a)" in back["reason"]
    assert "no such EBS volume" in one(containment_plan(found(VOLUME), settings(), vol_state(exists=False)))["reason"]


@pytest.mark.parametrize("change,message", [
    (lambda e: e.update(forensic_snapshot="snap-0123456789abcdef0"), "has no forensic_snapshot true"),
    (lambda e: e.update(id="vol-x; id"), r"\(ebs_volume\) has no valid id"),
])
def test_a_record_entry_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    s.assert_refused_whole(change, message, "ebs_volume")


# ---------------------------------------------------------------- the steps of apply and rollback

STEP = f"ebs_volume:{VOL}:snapshot"
INSTANCE_SNAPSHOT = f"ec2_instance:{s.INSTANCE}:snapshot:{VOL}"


def snapshot_call(description, **tags):
    return {"VolumeId": VOL, "Description": description,
            "TagSpecifications": [{"ResourceType": "snapshot", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]}


def test_apply_takes_one_tagged_snapshot_and_rollback_keeps_it():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(VOLUME), settings(), vol_state(), aws)
    assert aws_.dependencies(steps) == {STEP: []}
    aws.expect("ec2", "create_snapshot", snapshot_call(f"Forensic snapshot of {VOL} for GuardDuty investigation {s.INV_ID}",
                                                       **{"secops-guardduty:investigation": s.INV_ID, "secops-guardduty:volume": VOL}),
               {"SnapshotId": "snap-0123456789abcdef0", "VolumeId": VOL, "State": "pending"})
    assert aws_.run(steps, aws)[0] == [(STEP, "done")]
    rec = {"type": "ebs_volume", "id": VOL, "forensic_snapshot": True}
    plan, steps = aws_.steps_of(found(VOLUME), s.rollback(rec), vol_state(("snap-0123456789abcdef0", s.INV_ID)), aws_.StubbedAWS())
    assert one(plan)["record_status"] == "rolled_back" and steps == []  # nothing to undo: the snapshot is evidence


def instance_with_the_volume():
    """The instance (already in the quarantine group) with the volume attached, and the volume."""
    state = s.ec2_state([s.QG])
    state["instances"][0]["block_device_mappings"][0]["ebs"]["volume_id"] = VOL
    return dict(state, volumes=vol_state()["volumes"])


def test_a_volume_its_instance_snapshots_in_the_same_run_is_snapshotted_once():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(s.EC2, VOLUME), settings(snapshots=True), instance_with_the_volume(), aws)
    assert aws_.dependencies(steps) == {INSTANCE_SNAPSHOT: [], STEP: [INSTANCE_SNAPSHOT]}
    aws.expect("ec2", "create_snapshot", snapshot_call(f"Forensic snapshot of {s.INSTANCE} for GuardDuty investigation {s.INV_ID}",
                                                       **{"secops-guardduty:investigation": s.INV_ID, "secops-guardduty:instance": s.INSTANCE}),
               {"SnapshotId": "snap-0123456789abcdef0", "VolumeId": VOL, "State": "pending"})
    assert aws_.run(steps, aws)[0] == [(INSTANCE_SNAPSHOT, "done"), (STEP, "done")]
    # the instance's snapshot refused: the volume's step says so rather than claiming a snapshot
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(s.EC2, VOLUME), settings(snapshots=True), instance_with_the_volume(), aws)
    aws.refuse("ec2", "create_snapshot", snapshot_call(f"Forensic snapshot of {s.INSTANCE} for GuardDuty investigation {s.INV_ID}",
                                                       **{"secops-guardduty:investigation": s.INV_ID, "secops-guardduty:instance": s.INSTANCE}),
               code="UnauthorizedOperation")
    ran, results = aws_.run(steps, aws)
    assert ran == [(INSTANCE_SNAPSHOT, "failed"), (STEP, "skipped")] and "CreateSnapshot" in results[INSTANCE_SNAPSHOT]["error"]
