# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Investigations naming resources, in the shape the modules return them (snake_case keys), and plan helpers."""

from __future__ import annotations

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
