# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""RDS DB instances: a forensic snapshot first (waited for), then not publicly accessible and alone in its VPC's
quarantine group, changes applied immediately; the previous public setting and groups recorded and given back on
rollback (only while the DB is still private, alone in the quarantine group, and its tag agrees). The snapshot is kept.

Identifiers: a DB instance identifier (RDS matches it ignoring case: kept lowercase), or its ARN
(arn:aws:rds:<region>:<account>:db:<id>). Reads the DB instance, its manual snapshots and its VPC's quarantine group.
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import DISAGREE
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import REST
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_CONTAINED_BY
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_PREFIX
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_SNAPSHOT
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import VPC_ID
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import api_tags
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import recorded
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import tags_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import taken_over
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import unmarked
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import group_step_key
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import group_steps
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import quarantine_groups
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.ec2 import snake
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import ec2_security_group

# a DB instance identifier: 1 to 63 letters, digits and hyphens, a letter first, no hyphen last, no two in a row
ID = re.compile(r"(?!.*--)[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?", re.ASCII)
RULE = "a DB instance identifier: 1 to 63 letters, digits and hyphens, starting with a letter, no hyphen at the end or two in a row"
# a DB snapshot identifier: 1 to 255 letters, digits and hyphens, a letter first, no hyphen last, no two in a row
DB_SNAPSHOT_ID = re.compile(r"(?!.*--)[a-zA-Z](?:[a-zA-Z0-9-]{0,253}[a-zA-Z0-9])?", re.ASCII)
DB_GONE = ("deleting", "deleted", "failed", "incompatible-restore", "inaccessible-encryption-credentials")
call = AWSCallHandler.call


def arn(text, service, region, account, resource):
    if service != "rds" or not region or not account or not resource.startswith("db:"):
        raise ValueError(f"{text!r} is not the ARN of an rds_instance (arn:aws:rds:<region>:<account>:db:<id>)")
    return resource[len("db:"):], account, region, None


def read(aws, resources, context):
    """db_instances (rds_instance_info's shape, tags as a dict), db_snapshots (their manual snapshots, with tag_list),
    groups (the quarantine and untrack groups of their VPCs)."""
    rds = aws("rds")
    found = AWSCallHandler.pages(rds, "describe_db_instances", "DBInstances", "rds:DescribeDBInstances", "the DB instances the investigation names",
                                 Filters=[{"Name": "db-instance-id", "Values": [r["id"] for r in resources]}])
    dbs = []
    for item in found:
        db = snake({k: v for k, v in item.items() if k != "TagList"})
        db["tags"] = tags_of(item.get("TagList"))
        dbs.append(db)
    snapshots = []
    for db in dbs:
        snapshots += [dict(snake(s), tag_list=s.get("TagList") or []) for s in AWSCallHandler.pages(
            rds, "describe_db_snapshots", "DBSnapshots", "rds:DescribeDBSnapshots", f"the snapshots of DB instance {db['db_instance_identifier']}",
            DBInstanceIdentifier=db["db_instance_identifier"], SnapshotType="manual")]
    vpcs = {(db.get("db_subnet_group") or {}).get("vpc_id") for db in dbs} - {None}
    return {"db_instances": dbs, "db_snapshots": snapshots, "groups": quarantine_groups(aws, context, vpcs)}


def db_snapshot_name(investigation_id, db_id):
    """The forensic snapshot containment takes of DB instance ``db_id`` (a DB snapshot identifier: letters, digits and
    single hyphens, at most 255), or None when the two do not make one."""
    name = re.sub(r"-+", "-", f"secops-guardduty-{db_id}-{investigation_id}").strip("-")[:255].rstrip("-")
    return name if DB_SNAPSHOT_ID.fullmatch(name) else None


def _db_groups(db):
    return [g.get("vpc_security_group_id") for g in db.get("vpc_security_groups") or [] if isinstance(g, dict)]


def _snapshot_tags(snapshot):
    """A DB snapshot's tags: DescribeDBSnapshots' TagList comes as ``tag_list`` (rds_snapshot_info's ``tags`` is empty)."""
    return dict(tags_of(snapshot.get("tag_list")), **tags_of(snapshot.get("tags")))


def _db(resource, context):
    """(the entry when the DB instance cannot be acted on, None) or (None, what the decisions read: the instance, its
    VPC, its VPC's quarantine group (or None), its groups, whether it is public, this investigation's snapshots of it)."""
    db = context.state.by("db_instances", "db_instance_identifier").get(resource["id"])
    if db is None:
        return entry(resource, "skipped", "no such RDS DB instance in the account and Region (none found)"), None
    if db.get("db_instance_status") in DB_GONE:
        return entry(resource, "skipped", f"the DB instance is {db['db_instance_status']}: left as it is"), None
    vpc_id = (db.get("db_subnet_group") or {}).get("vpc_id")
    groups = _db_groups(db)
    if not vpc_id or not groups or not isinstance(db.get("publicly_accessible"), bool):
        return entry(resource, "skipped", "the DB instance is not in a VPC with VPC security groups (or its settings were not read): "
                     "contain it by hand"), None
    group = next((g for g in context.state.items("groups") if g.get("vpc_id") == vpc_id
                  and g.get("group_name") == context.settings["quarantine_group_name"]), None)
    taken = sorted(snap["db_snapshot_identifier"] for snap in context.state.items("db_snapshots")
                   if snap.get("db_instance_identifier") == resource["id"] and isinstance(snap.get("db_snapshot_identifier"), str)
                   and _snapshot_tags(snap).get(TAG_SNAPSHOT) == context.investigation_id)
    return None, {"db": db, "vpc_id": vpc_id, "group": group, "groups": groups, "public": db["publicly_accessible"],
                  "taken": taken, "tags": tags_of(db.get("tags"))}


def contain(resource, context):
    skipped, db = _db(resource, context)
    if skipped:
        return skipped
    group = db["group"]
    quarantined = group is not None and db["groups"] == [group.get("group_id")]
    purge = bool(group) and bool(group.get("ip_permissions") or group.get("ip_permissions_egress"))
    if db["taken"] and not db["public"] and quarantined and not purge:
        return entry(resource, "unchanged", f"not publicly accessible, only in the quarantine group {group['group_id']}, and snapshotted "
                     f"({', '.join(db['taken'])})")
    snapshot = None
    what = []
    if not db["taken"]:
        snapshot = db_snapshot_name(context.investigation_id, resource["id"])
        if snapshot is None:
            return entry(resource, "skipped", "no DB snapshot identifier can be made of its identifier and the investigation's: contain it by hand")
        what.append(f"take a snapshot {snapshot}, tagged {TAG_SNAPSHOT}={context.investigation_id} (kept on rollback: it is evidence)")
    if db["public"]:
        what.append("make it not publicly accessible")
    if not quarantined or purge:
        what.append(f"put it in the quarantine group {context.settings['quarantine_group_name']} of its VPC {db['vpc_id']} alone "
                    f"(it is in {' '.join(db['groups'])})")
    reason = ("; then ".join(what) + "; its previous settings are recorded and given back on rollback, changes applied immediately "
              "(connections already open to the DB are not closed by a security group change)")
    reason += taken_over(db["tags"], context, "leaves the DB instance contained")
    return entry(resource, "planned", reason, vpc_id=db["vpc_id"], snapshot=snapshot, previous_publicly_accessible=db["public"],
                 previous_vpc_security_groups=db["groups"], tags={TAG_CONTAINED_BY: context.investigation_id})


def roll_back(resource, context):
    skipped, db = _db(resource, context)
    if skipped:
        return skipped
    tags = db["tags"]
    rec, refused = recorded(resource, context, tags, "not contained by this investigation (no record, no secops-guardduty:contained-by tag)")
    if refused:
        return refused
    kept = f"its snapshot {rec['snapshot']} stays as evidence" if rec["snapshot"] else "its snapshots stay as evidence"
    previous_public, previous_groups = rec["previous_publicly_accessible"], rec["previous_vpc_security_groups"]
    restored = db["public"] == previous_public and sorted(db["groups"]) == sorted(previous_groups)
    owner = tags.get(TAG_CONTAINED_BY)
    remaining = {k: v for k, v in tags.items() if k != TAG_CONTAINED_BY}
    if owner is None and not unmarked(rec):  # a mark that failed, as the record says, is no disagreement
        if restored:
            return entry(resource, "unchanged", f"it has the settings the record holds ({kept})", record_status="rolled_back")
        return entry(resource, "skipped", f"left as it is: its tag {TAG_CONTAINED_BY} is gone (it {DISAGREE}); give it back "
                     "its public access and security groups by hand if they are wanted")
    if restored:
        return entry(resource, "planned", f"its settings are back already; remove the tag {TAG_CONTAINED_BY} ({kept})",
                     record_status="rolled_back", restore=False, tags=remaining)
    group = db["group"]
    if db["public"] or group is None or db["groups"] != [group.get("group_id")]:
        return entry(resource, "skipped", "its public access or security groups changed since containment (not only in the "
                     "quarantine group, or public): left as it is; restore them by hand")
    what = ("make it publicly accessible again" if previous_public else "keep it not publicly accessible") + \
        f" and give it back the security groups {' '.join(previous_groups)} (from the containment record)"
    return entry(resource, "planned", f"{what}, remove the tag {TAG_CONTAINED_BY}; {kept}", record_status="rolled_back", restore=True,
                 publicly_accessible=previous_public, vpc_security_groups=list(previous_groups), tags=remaining)


def _arn_of(db_id, context):
    return (context.state.by("db_instances", "db_instance_identifier").get(db_id) or {}).get("db_instance_arn")


def apply(planned, context):
    """The snapshot first (waited for: evidence before any change), the tag, then not public and in the quarantine group."""
    db_id, changes, rds = planned["id"], planned["changes"], context.aws("rds")
    key, db_arn = f"rds_instance:{db_id}", _arn_of(db_id, context)
    steps = group_steps(context, [changes["vpc_id"]])
    quarantine = group_step_key(changes["vpc_id"], untrack=False)
    before_change = []
    if changes.get("snapshot"):
        def snapshot(_outputs):
            call(rds.create_db_snapshot, "rds:CreateDBSnapshot", f"DB instance {db_id}", DBInstanceIdentifier=db_id,
                 DBSnapshotIdentifier=changes["snapshot"],
                 Tags=api_tags({TAG_SNAPSHOT: context.investigation_id, TAG_PREFIX + "db-instance": db_id}))
            AWSCallHandler.wait(rds, "db_snapshot_available", "rds:DescribeDBSnapshots", f"the snapshot {changes['snapshot']}",
                                DBSnapshotIdentifier=changes["snapshot"])
            return True
        steps.append(Step(key + ":snapshot", ("rds_instance", db_id), "take a forensic snapshot (and wait until it is available)", REST, snapshot))
        before_change.append(key + ":snapshot")

    def mark(_outputs):
        call(rds.add_tags_to_resource, "rds:AddTagsToResource", f"DB instance {db_id}", ResourceName=db_arn, Tags=api_tags(changes["tags"]))
        return True

    def close(outputs):
        call(rds.modify_db_instance, "rds:ModifyDBInstance", f"DB instance {db_id}", DBInstanceIdentifier=db_id, PubliclyAccessible=False,
             VpcSecurityGroupIds=[outputs[quarantine]], ApplyImmediately=True)
        return True

    steps.append(Step(key + ":mark", ("rds_instance", db_id), "mark the DB instance with the investigation", REST, mark, after=before_change))
    steps.append(Step(key + ":close", ("rds_instance", db_id), "make it not publicly accessible, alone in the quarantine group", REST, close,
                      after=before_change + [key + ":mark", quarantine], waits=[key + ":mark"]))
    return steps


def undo(planned, context):
    db_id, changes, rds = planned["id"], planned["changes"], context.aws("rds")
    key, db_arn = f"rds_instance:{db_id}", _arn_of(db_id, context)
    current = tags_of((context.state.by("db_instances", "db_instance_identifier").get(db_id) or {}).get("tags"))
    steps = []
    if changes.get("restore"):
        def restore(_outputs):
            call(rds.modify_db_instance, "rds:ModifyDBInstance", f"DB instance {db_id}", DBInstanceIdentifier=db_id,
                 PubliclyAccessible=changes["publicly_accessible"], VpcSecurityGroupIds=list(changes["vpc_security_groups"]),
                 ApplyImmediately=True)
            return True
        steps.append(Step(key + ":restore", ("rds_instance", db_id), "give back its public access and security groups", REST, restore))

    def unmark(_outputs):
        gone = sorted(set(current) - set(changes["tags"]))
        if gone:
            call(rds.remove_tags_from_resource, "rds:RemoveTagsFromResource", f"DB instance {db_id}", ResourceName=db_arn, TagKeys=gone)
        return bool(gone)
    steps.append(Step(key + ":unmark", ("rds_instance", db_id), "remove the containment tag", REST, unmark, after=[s.key for s in steps]))
    return steps


def record(planned):
    changes = planned["changes"]
    return {"vpc_id": changes["vpc_id"], "previous_publicly_accessible": changes["previous_publicly_accessible"],
            "previous_vpc_security_groups": list(changes["previous_vpc_security_groups"]),
            "snapshot": changes["snapshot"]}  # the forensic snapshot's identifier (kept on rollback), or null: one existed


def merge(old, new):
    """The settings from before any containment are the ones to give back."""
    return dict(new, previous_publicly_accessible=old["previous_publicly_accessible"],
                previous_vpc_security_groups=old["previous_vpc_security_groups"], snapshot=new["snapshot"] or old.get("snapshot"))


def check(where, rec, _investigation_id):
    need(isinstance(rec.get("vpc_id"), str) and VPC_ID.fullmatch(rec["vpc_id"]), f"{where} has no valid vpc_id")
    need(isinstance(rec.get("previous_publicly_accessible"), bool), f"{where} has no previous_publicly_accessible (true or false)")
    groups = rec.get("previous_vpc_security_groups")
    need(isinstance(groups, list) and groups and all(isinstance(g, str) and ec2_security_group.ID.fullmatch(g) for g in groups),
         f"{where}: its previous_vpc_security_groups are not security group ids")
    snapshot = rec.get("snapshot", False)
    need(snapshot is None or (isinstance(snapshot, str) and DB_SNAPSHOT_ID.fullmatch(snapshot)),
         f"{where} has no snapshot (null, or a DB snapshot identifier)")


TYPE = ActionType(
    name="rds_instance", service_type="RDS_INSTANCE", id_problem=pattern_problem(ID, RULE), arn=arn, normal=str.lower, read=read,
    reads={"db_instances": "rds_instance_info's instances (those the investigation names)",
           "db_snapshots": "rds_snapshot_info's snapshots (of the DB instances the investigation names)",
           "groups": "ec2_security_group_info's security_groups (the quarantine and untrack groups of their VPCs)"},
    contain=contain, roll_back=roll_back, apply=apply, undo=undo, record=record, check=check, merge=merge,
    iam={
        "plan": [("ReadNamedDBInstancesAndTheirSnapshots", ["rds:DescribeDBInstances", "rds:DescribeDBSnapshots"], "*", "regional"),
                 ("ReadTheQuarantineGroupsOfTheirVpcs", ["ec2:DescribeSecurityGroups"], "*", "regional")],
        "apply": [("SnapshotNamedDBInstancesAndCloseThem",
                   ["rds:CreateDBSnapshot", "rds:DescribeDBSnapshots", "rds:AddTagsToResource", "rds:ModifyDBInstance"], "*", "regional"),
                  ("CreateOrEmptyTheQuarantineGroupOfTheirVpcs",
                   ["ec2:CreateSecurityGroup", "ec2:CreateTags", "ec2:DescribeSecurityGroupRules", "ec2:RevokeSecurityGroupIngress",
                    "ec2:RevokeSecurityGroupEgress"], "*", "regional")],
        "rollback": [("GiveNamedDBInstancesTheirAccessBack", ["rds:ModifyDBInstance", "rds:RemoveTagsFromResource"], "*", "regional")],
    },
)
