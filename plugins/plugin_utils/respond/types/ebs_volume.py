# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EBS volumes: one forensic snapshot, tagged with the investigation; kept on rollback (it is evidence). The volume
itself stays as it is.

Identifiers: vol- and 8 or 17 hexadecimal digits, or its ARN (arn:aws:ec2:<region>:<account>:volume/<id>). Reads the
volume and this investigation's snapshots. A volume that a contained instance of the same plan snapshots
(contain_snapshots) is not snapshotted twice.
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import REST
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_PREFIX
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_SNAPSHOT
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import tags_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import create_snapshot
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import ec2_arn
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import forensic_snapshots
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step

ID = re.compile(r"vol-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)


def read(aws, resources, context):
    """volumes: the named volumes that exist ([{id}]); snapshots: this investigation's forensic snapshots."""
    found = AWSCallHandler.pages(aws("ec2"), "describe_volumes", "Volumes", "ec2:DescribeVolumes", "the EBS volumes the investigation names",
                                 Filters=[{"Name": "volume-id", "Values": [r["id"] for r in resources]}])
    return {"volumes": [{"id": v.get("VolumeId")} for v in found], "snapshots": forensic_snapshots(aws, context)}


def _volume(resource, context):
    """(the entry when the volume is not there, None) or (None, the ids of this investigation's snapshots of it)."""
    volume = context.state.by("volumes", "id").get(resource["id"])
    if volume is None:
        return entry(resource, "skipped", "no such EBS volume in the account and Region (none found)"), None
    taken = sorted(snap["snapshot_id"] for snap in context.state.items("snapshots") if snap.get("volume_id") == resource["id"]
                   and tags_of(snap.get("tags")).get(TAG_SNAPSHOT) == context.investigation_id and isinstance(snap.get("snapshot_id"), str))
    return None, taken


def contain(resource, context):
    skipped, taken = _volume(resource, context)
    if skipped:
        return skipped
    if taken:
        return entry(resource, "unchanged", f"a forensic snapshot of it for this investigation exists: {', '.join(taken)}")
    return entry(resource, "planned", f"take a forensic snapshot of it, tagged {TAG_SNAPSHOT}={context.investigation_id} (kept on "
                 "rollback: it is evidence); the volume itself stays as it is", snapshot=True)


def roll_back(resource, context):
    skipped, taken = _volume(resource, context)
    if skipped:
        return skipped
    if context.recorded(resource) is None:
        return entry(resource, "unchanged", "the containment record holds nothing for it: left as it is")
    kept = ", ".join(taken) if taken else "none found (deleted since, or still being created)"
    return entry(resource, "unchanged", f"nothing to undo: its forensic snapshots stay as evidence ({kept}); delete them by hand when "
                 "the investigation is closed", record_status="rolled_back")


def apply(planned, context):
    volume = planned["id"]
    key = f"ebs_volume:{volume}:snapshot"
    by_instance = next((f"ec2_instance:{e['id']}:snapshot:{volume}" for e in context.entries if e["type"] == "ec2_instance"
                        and e["status"] in ("planned", "done") and volume in (e["changes"].get("snapshot_volumes") or [])), None)
    if by_instance:  # the instance's snapshot of the same volume, in this run, is the one
        return [Step(key, ("ebs_volume", volume), "take a forensic snapshot (with its instance's)", REST, lambda _outputs: True,
                     after=[by_instance])]
    ec2 = context.aws("ec2")

    def snapshot(_outputs):
        create_snapshot(ec2, volume, f"Forensic snapshot of {volume} for GuardDuty investigation {context.investigation_id}",
                        {TAG_SNAPSHOT: context.investigation_id, TAG_PREFIX + "volume": volume})
        return True

    return [Step(key, ("ebs_volume", volume), "take a forensic snapshot", REST, snapshot)]


def undo(_planned, _context):
    return []  # the snapshot is evidence: kept


def record(_planned):
    return {"forensic_snapshot": True}  # taken, and kept: rollback has nothing to restore


def check(where, rec, _investigation_id):
    need(rec.get("forensic_snapshot") is True, f"{where} has no forensic_snapshot true")


TYPE = ActionType(
    name="ebs_volume", service_type="EBS_VOLUME", id_problem=pattern_problem(ID, "vol- and 8 or 17 lowercase hexadecimal digits"),
    arn=ec2_arn("ebs_volume", "volume/"), read=read,
    reads={"volumes": "ec2_vol_info's volumes (those the investigation names)",
           "snapshots": "ec2_snapshot_info's snapshots (this investigation's forensic snapshots)"},
    contain=contain, roll_back=roll_back, apply=apply, undo=undo, record=record, check=check,
    auto={"snapshot_volume": "a snapshot is taken; the volume stays attached and writable"},
    iam={
        "plan": [("ReadTheEbsVolumesTheInvestigationNamesAndTheirSnapshots", ["ec2:DescribeVolumes", "ec2:DescribeSnapshots"], "*", "regional")],
        "apply": [("ForensicSnapshotsOfNamedEbsVolumes", ["ec2:CreateSnapshot", "ec2:CreateTags"], "*", "regional")],
        "rollback": [],
    },
)
