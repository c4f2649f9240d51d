# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Investigations naming resources, in the shape the modules return them (snake_case keys), plan helpers, and what the
action types' tests (tests/unit/plugins/plugin_utils/respond/types/) share: an instance's state, the deny-all policy
of a principal, a record holding one entry of every type."""

from __future__ import annotations

import json

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.resources import investigation_resources

ACCOUNT = "123456789012"
OTHER = "999988887777"
REGION = "us-east-1"
INV_ID = "6a7b8c9d-7890-4a12-b345-6789abcdef01"
INSTANCE = "i-0a1b2c3d4e5f67890"
KEY = "AKIAIOSFODNN7EXAMPLE"
PWNED = "/tmp/secops-guardduty-contain-unit-pwned"


def resource(identifier, kind, arn=None):
    res = {"identifier": identifier, "type": kind}
    if arn is not None:
        res["arn"] = arn
    return res


def action(resources, priority="IMMEDIATE", title="Act", cli=None):
    return {"title": title, "description": "Do it.", "priority": priority, "disposition": "Isolated",
            "cli_commands": cli or [f"aws ec2 stop-instances --instance-ids {INSTANCE}; touch {PWNED}"],
            "affected_resources": resources}


def investigation(actions=(), risk="High", account=ACCOUNT, region=REGION, records=None, account_resources=None, **extra):
    summary = {"countermeasures": [{"defense_tactic": "Isolate", "description": "Contain.", "actions": list(actions)}]}
    if account_resources is not None:
        summary["account_analysis"] = {"affected_resources": account_resources}
    inv = {"investigation_id": INV_ID, "status": "COMPLETED", "risk_level": risk, "confidence": "High",
           "cloud": {"provider": "AWS", "account": account, "region": region}, "summary_data": summary}
    if records is not None:
        inv["records"] = records
    inv.update(extra)
    return inv


TIME = "2025-06-01T12:00:00Z"
LATER = "2025-06-02T08:30:00Z"


def settings(mode="apply", **extra):
    """The role's settings for ``mode``, approved, with credentials of the investigation's account."""
    return dict({"mode": mode, "approved": True, "caller_account": ACCOUNT}, **extra)


def record(*resources, investigation_id=INV_ID, **extra):
    """A containment record as apply writes it, holding ``resources`` (record entries without status and time)."""
    return dict({"record_format": 1, "investigation_id": investigation_id, "account_id": ACCOUNT, "region": REGION,
                 "created": TIME, "updated": TIME, "role_version": "0.2.0",
                 "resources": [dict({"status": "applied", "time": TIME}, **r) for r in resources]}, **extra)


def rollback(*resources, **extra):
    """The role's rollback settings with a record holding ``resources``."""
    return settings("rollback", record=record(*resources), time=TIME, **extra)


def one(plan):
    """The one resource of a plan."""
    assert len(plan["resources"]) == 1
    return plan["resources"][0]


def found(*resources, risk="High"):
    """What investigation_resources returns for an investigation whose one action names ``resources``."""
    return investigation_resources(investigation([action(list(resources))], risk=risk))


# ---------------------------------------------------------------- an instance and its VPC's quarantine group

QG = "sg-0000000000000000a"
WEB, SSH = "sg-11111111111111111", "sg-22222222222222222"
ENI = "eni-0123456789abcdef0"
POLICY = "secops-guardduty-contain-" + INV_ID
EC2 = resource(INSTANCE, "EC2_INSTANCE")


def instance(groups, tags=None, state="running"):
    return {"instance_id": INSTANCE, "vpc_id": "vpc-1", "state": {"name": state}, "tags": tags or {},
            "network_interfaces": [{"network_interface_id": ENI, "groups": [{"group_id": g} for g in groups]}],
            "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {"volume_id": "vol-1"}}]}


def ec2_state(groups, tags=None, quarantine=True, rules=False, snapshots=()):
    group = {"group_id": QG, "group_name": "secops-guardduty-quarantine", "vpc_id": "vpc-1",
             "ip_permissions": [{"ip_protocol": "-1"}] if rules else [], "ip_permissions_egress": []}
    return {"instances": [instance(groups, tags)],
            "groups": [group] if quarantine else [],
            "snapshots": [{"volume_id": v, "tags": {"secops-guardduty:investigation": INV_ID}} for v in snapshots]}


# ---------------------------------------------------------------- users and roles: the deny-all inline policy


def assert_one_deny_policy_lost_only_it(kind):
    """A user (``IAM_USER``), or a role with contain_role_action=deny_all (``IAM_ROLE``), gets the deny-all inline
    policy once, and rollback removes only it, only when the record holds it."""
    key = "user_policies" if kind == "IAM_USER" else "role_policies"
    res = resource("alice", kind)

    def state(names):
        return {key: {"alice": names}}

    def deny_all(*args, **kwargs):  # a role gets the deny-all policy with contain_role_action=deny_all
        return settings(*args, role_action="deny_all", **kwargs)

    assert one(containment_plan(found(res), deny_all(), state(["other"])))["changes"] == {"policy_name": POLICY}
    assert one(containment_plan(found(res), deny_all(), state(["other", POLICY])))["status"] == "unchanged"
    recorded = {"type": "iam_user" if kind == "IAM_USER" else "iam_role", "id": "alice", "policy_name": POLICY}
    assert one(containment_plan(found(res), rollback(recorded), state(["other", POLICY])))["changes"] == {"policy_name": POLICY}
    assert one(containment_plan(found(res), rollback(recorded), state(["other"])))["status"] == "unchanged"
    # attached, but not in the record: left attached
    plan = one(containment_plan(found(res), rollback(), state(["other", POLICY])))
    assert plan["status"] == "skipped" and "holds nothing for it" in plan["reason"]
    missing = {key: {"alice": None}}  # iam_policy_info found no such principal
    assert one(containment_plan(found(res), deny_all(), missing))["status"] == "skipped"


# ---------------------------------------------------------------- a record given back: refused whole

ATTACKER = "sg-0badbadbadbadbad0;{{ lookup('pipe', 'id') }}"


def every_type_record():
    """A record as apply writes it, holding one entry of every action type."""
    return record({"type": "ec2_instance", "id": INSTANCE, "vpc_id": "vpc-0123456789abcdef0",
                   "interfaces": [{"eni_id": ENI, "previous_groups": [WEB]}]},
                  {"type": "iam_role", "id": "web", "policy_name": "secops-guardduty-contain-" + INV_ID},
                  {"type": "s3_bucket", "id": "customer-exports", "previous_public_access_block": None},
                  {"type": "iam_access_key", "id": KEY, "user_name": "alice", "previous_status": "Active"},
                  {"type": "ec2_security_group", "id": "sg-0123456789abcdef0", "removed_rules": [
                      {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0", "description_base64": "c3No"},
                      {"protocol": "-1", "from_port": None, "to_port": None, "cidr": "::/0", "description_base64": None}]},
                  {"type": "lambda_function", "id": "payments", "previous_reserved_concurrency": None},
                  {"type": "ebs_volume", "id": "vol-0123456789abcdef0", "forensic_snapshot": True},
                  {"type": "rds_instance", "id": "orders-db", "vpc_id": "vpc-0123456789abcdef0", "previous_publicly_accessible": True,
                   "previous_vpc_security_groups": [WEB], "snapshot": "secops-guardduty-orders-db-" + INV_ID})


def entry_of(rec, kind):
    """The entry of type ``kind`` in ``rec`` (every_type_record holds one of each)."""
    return next(r for r in rec["resources"] if r["type"] == kind)


def assert_refused_whole(change, message, kind=None):
    """every_type_record() is accepted as written; once ``change``d (the record, or its entry of type ``kind``), rollback
    refuses it whole, saying ``message``."""
    rec = every_type_record()
    containment_plan(found(EC2), settings("rollback", record=json.loads(json.dumps(rec))))  # as written, it is accepted
    change(entry_of(rec, kind) if kind else rec)
    with pytest.raises(ContainError, match=message) as error:
        containment_plan(found(EC2), settings("rollback", record=rec))
    assert "contain_record is not a containment record this role wrote" in str(error.value)
    assert "nothing was changed" in str(error.value) and "lookup" not in str(error.value)
