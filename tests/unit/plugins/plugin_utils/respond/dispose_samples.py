# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the disposition's unit tests share: an investigation as the info module returns it, the ``found`` and
``settings`` plan_disposition takes, the state its action types read, and the steps the engine makes from a plan."""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import dispose
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import execute
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import DISPOSE_TYPES

INV_ID = "8d9e0f1a-0123-4d45-a678-9abcdef01234"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999988887777"
REGION = "us-east-1"
DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
FINDING = "be1a9e0f1a2b3c4d5e6f7a8b9c0d1e2f"
RELATED = "be2b0f1a2b3c4d5e6f7a8b9c0d1e2f3a"
INSTANCE = "i-0a1b2c3d4e5f67890"
PORTSCAN = "Recon:EC2/Portscan"
TIME = "2026-12-07T03:00:00Z"
PRODUCT = f"arn:aws:securityhub:{REGION}::product/aws/guardduty"


def arn(finding_id, account=ACCOUNT, region=REGION):
    return f"arn:aws:guardduty:{region}:{account}:detector/{DETECTOR}/finding/{finding_id}"


def investigation(risk="Low", confidence="High", finding_id=FINDING, named=(RELATED,), title="Port probes from a known scanner", **extra):
    """A COMPLETED FINDING investigation (snake_case, as guardduty_investigation_info returns it) whose records name
    ``named`` findings as representative resources."""
    inv = {
        "investigation_id": INV_ID, "status": "COMPLETED", "risk_level": risk, "confidence": confidence,
        "cloud": {"account": ACCOUNT, "region": REGION},
        "scope": {"investigation_type": "FINDING", "finding_id": finding_id},
        "summary_data": {"finding_type": PORTSCAN, "key_observations": {"title": title, "narrative": f"Also see finding {'c' * 32}."},
                         "threat_assessment": {"attack_progression": [
                             {"phase": "Discovery", "attacks": [{"findings": [{"finding_type": PORTSCAN, "uid": finding_id}]}]}]}},
        "records": [{"record_id": "rec-0001", "type": "OBSERVATION", "supporting_data": {"observation": {
            "observation_type": "REPRESENTATIVE_RESOURCE",
            "representative_resources": [{"resource_type": "Instance", "identifier": INSTANCE, "finding_id": n} for n in named]}}}],
    }
    inv.update(extra)
    return inv


def found(*finding_ids, risk="Low", confidence="High", unrecognised=()):
    """What dispose.run gives plan_disposition: the investigation's verdict and the findings within reach."""
    return {"investigation_id": INV_ID, "account_id": ACCOUNT, "region": REGION, "risk_level": risk, "confidence": confidence,
            "resources": [{"type": "guardduty_finding", "id": f, "account_id": ACCOUNT, "region": REGION, "sources": ["scope.finding_id"]}
                          for f in finding_ids], "unrecognised": list(unrecognised)}


def settings(mode="plan", **extra):
    base = {"mode": mode, "approved": mode in ("apply", "rollback"), "policy": {}, "suppress": False, "max_filters": 10, "auto_apply": None,
            "record_dir": "/nonexistent/dispose-records", "record": None, "time": TIME, "detector_id": DETECTOR,
            "comment": f"secops.guardduty: benign verdict of GuardDuty investigation {INV_ID}", "contained": False}
    base.update(extra)
    return base


def finding(finding_id, archived=False, feedback=None, account=ACCOUNT, region=REGION, resource_type="Instance", resource_id=INSTANCE,
            finding_type=PORTSCAN):
    return {"id": finding_id, "arn": arn(finding_id, account, region), "account_id": account, "region": region, "finding_type": finding_type,
            "resource_type": resource_type, "resource_id": resource_id, "archived": archived, "feedback": feedback}


def hub(finding_id, workflow="NEW", verification=None, note=None):
    state = {"workflow_status": workflow, "verification_state": verification, "note": note, "user_defined_fields": {},
             "record_state": "ACTIVE"}
    return {"id": finding_id, "identifier": {"Id": arn(finding_id), "ProductArn": PRODUCT}, "state": state}


def state(*findings, hubs=None, filters=(), filter_count=None, unavailable=None):
    """The state the three action types read: the findings, their Security Hub side (each NEW unless ``hubs`` says),
    this collection's filters."""
    hubs = [hub(f["id"]) for f in findings] if hubs is None else hubs
    return {"findings": list(findings), "hub_findings": hubs, "hub_unavailable": [{"reason": unavailable}] if unavailable else [],
            "filters": list(filters), "filter_count": [{"count": len(filters) if filter_count is None else filter_count}]}


def plan(found_, settings_, state_, inv=None):
    """plan_disposition's plan (without its Context)."""
    return dispose.plan_disposition(found_, inv or investigation(risk=found_["risk_level"], confidence=found_["confidence"]), settings_, state_)[0]


def entries(plan_):
    return {(e["type"], e["id"]): e for e in plan_["resources"]}


def steps_of(found_, settings_, state_, aws, inv=None):
    """(the plan, its steps) as the engine makes them when it acts (settings.done), with ``aws`` as the clients."""
    plan_, context = dispose.plan_disposition(found_, inv or investigation(risk=found_["risk_level"], confidence=found_["confidence"]),
                                              dict(settings_, done=True), state_)
    context.aws, context.entries, context.sleep = aws, plan_["resources"], aws.slept.append
    act = "undo" if plan_["mode"] == "rollback" else "apply"
    return plan_, [step for e in plan_["resources"] if e["status"] == "done" for step in getattr(DISPOSE_TYPES[e["type"]], act)(e, context)]


def run(steps, aws, workers=1):
    """Run ``steps``: ([(key, status)] in the order they ended, the results); every call expected was made."""
    results, order = execute(steps, workers=workers)
    aws.verify()
    return [(key, results[key]["status"]) for key in order], results
