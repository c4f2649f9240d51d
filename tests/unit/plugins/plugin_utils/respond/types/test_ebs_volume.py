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

found, settings, one = s.found, s.settings, s.one


# ---------------------------------------------------------------- EBS volumes: a forensic snapshot, kept

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


def written(rec):
    """The ebs_volume entry of s.every_type_record()."""
    return s.entry_of(rec, "ebs_volume")


@pytest.mark.parametrize("change,message", [
    (lambda r: written(r).update(forensic_snapshot="snap-0123456789abcdef0"), "has no forensic_snapshot true"),
    (lambda r: written(r).update(id="vol-x; id"), r"\(ebs_volume\) has no valid id"),
])
def test_a_record_entry_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    s.assert_refused_whole(change, message)
