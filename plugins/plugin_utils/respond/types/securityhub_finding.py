# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Security Hub side of a GuardDuty finding (disposition): its workflow status, verification state and note, as the
verdict's class wants (respond/dispose.py); given back on rollback from the record (workflow status, verification
state and note as they were), where nobody changed them since.

Identifiers: the GuardDuty finding id; its Security Hub identifier is the finding's ARN (GetFindings) and GuardDuty's
product (module_utils/securityhub.py, which the securityhub_finding module uses too). A finding Security Hub does not
hold (Security Hub off in the account and Region, or not imported yet) is skipped with the reason, never an error.
"""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.module_utils.model import FINDING_ID_RE
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import MAX_NOTE
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import apply_hub_updates
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import fit_note
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import guardduty_identifier
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import hub_state
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import hub_update
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import key_of
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import plan_hub_updates
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import read_hub_findings
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import batched_step
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import guardduty_finding

HUB = "arn:aws:securityhub:REGION:ACCOUNT_ID:hub/default"  # BatchUpdateFindings and GetFindings act on the hub
WORKFLOW = ("NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED")
VERIFICATION = ("UNKNOWN", "TRUE_POSITIVE", "FALSE_POSITIVE", "BENIGN_POSITIVE")


def read(aws, _resources, context):
    """hub_findings: per GuardDuty finding id, its Security Hub identifier and state; hub_unavailable: why Security
    Hub could not answer (not enabled), or nothing."""
    identifiers = {}
    for finding_id, finding in guardduty_finding.findings(aws, context).items():
        identifiers[finding_id] = guardduty_identifier(finding)
    answer = read_hub_findings(aws("securityhub"), list(identifiers.values())) if identifiers else {"found": {}, "unavailable": None}
    found = []
    for finding_id, identifier in identifiers.items():
        hub = answer["found"].get(key_of(identifier))
        found.append({"id": finding_id, "identifier": identifier, "state": hub_state(hub) if hub else None})
    return {"hub_findings": found, "hub_unavailable": [{"reason": answer["unavailable"]}] if answer["unavailable"] else []}


def _hub_finding(resource, context):
    """(the entry when Security Hub does not hold the finding, None) or (None, its identifier and state)."""
    skipped, _finding = guardduty_finding.finding_of(resource, context)
    if skipped:
        return skipped, None
    unavailable = context.state.items("hub_unavailable")
    if unavailable:
        return entry(resource, "skipped", f"not in Security Hub: {unavailable[0]['reason']}"), None
    hub = context.state.by("hub_findings", "id").get(resource["id"])
    if hub is None or hub.get("state") is None:
        return entry(resource, "skipped", "Security Hub does not hold this finding (not imported yet, or archived before it was): "
                     "left as it is"), None
    return None, hub


def _words(state):
    return (f"workflow {state.get('workflow_status') or 'none'}, verification {state.get('verification_state') or 'none'}"
            + (", with a note" if state.get("note") else ""))


def contain(resource, context):
    """What apply sets on the finding in Security Hub: the class's workflow status, verification state and note."""
    skipped, hub = _hub_finding(resource, context)
    if skipped:
        return skipped
    wanted = context.settings["disposition"]
    note = context.settings["note"] if wanted.get("note") else None
    update = hub_update(hub["state"], workflow_status=wanted.get("workflow_status"), verification_state=wanted.get("verification_state"),
                        note=note)
    if not update:
        return entry(resource, "unchanged", f"already {_words(hub['state'])}")
    what = []
    if "Workflow" in update:
        what.append(f"set its workflow status to {update['Workflow']['Status']}")
    if "VerificationState" in update:
        what.append(f"its verification state to {update['VerificationState']}")
    if "Note" in update:
        what.append("write the disposition's note" + (" (cut to Security Hub's 512 characters)" if context.settings.get("note_cut") else ""))
    previous = hub["state"]
    return entry(resource, "planned", ", ".join(what) + f" in Security Hub (it is {_words(previous)})", identifier=hub["identifier"],
                 update=update, previous={"workflow_status": previous.get("workflow_status"), "verification_state": previous.get("verification_state"),
                                          "note": {"text": previous["note"]["text"], "updated_by": previous["note"]["updated_by"]}
                                          if previous.get("note") else None})


def roll_back(resource, context):
    """What rollback gives back: the recorded workflow status, verification state and note, while the finding still has
    what the disposition set (someone who changed it since decided otherwise: left as it is)."""
    skipped, hub = _hub_finding(resource, context)
    if skipped:
        return skipped
    rec, done = guardduty_finding.to_roll_back(resource, context, _words(hub["state"]))
    if done:
        return done
    state, previous, applied = hub["state"], rec["previous"], rec["applied"]
    if any(applied.get(key) is not None and state.get(key) != applied[key] for key in ("workflow_status", "verification_state")):
        return entry(resource, "skipped", f"changed in Security Hub since the disposition (it is {_words(state)}): left as it is")
    update, what = {}, []
    workflow = previous.get("workflow_status") or "NEW"  # Security Hub's own default
    if applied.get("workflow_status") is not None and state.get("workflow_status") != workflow:
        update["Workflow"] = {"Status": workflow}
        what.append(f"its workflow status {workflow}")
    verification = previous.get("verification_state") or "UNKNOWN"  # Security Hub's default; it cannot be unset
    if applied.get("verification_state") is not None and state.get("verification_state") != verification:
        update["VerificationState"] = verification
        what.append(f"its verification state {verification}")
    if applied.get("note"):
        if previous.get("note"):
            wanted = {"Text": previous["note"]["text"], "UpdatedBy": previous["note"]["updated_by"]}
            what.append("its note from before")
        else:  # Security Hub cannot remove a note: it says the disposition was withdrawn
            wanted = fit_note(f"secops.guardduty: the disposition of investigation {context.investigation_id} was rolled back; "
                              "this finding has no verdict from it.")[0]
            what.append("a note saying the disposition was rolled back (Security Hub cannot remove a note)")
        if ((state.get("note") or {}).get("text"), (state.get("note") or {}).get("updated_by")) != (wanted["Text"], wanted["UpdatedBy"]):
            update["Note"] = wanted
        else:
            what.pop()
    if not update:
        return entry(resource, "unchanged", f"it has what the record holds ({_words(state)})", record_status="rolled_back")
    return entry(resource, "planned", f"give it back {', '.join(what)} in Security Hub (it is {_words(state)})", record_status="rolled_back",
                 identifier=hub["identifier"], update=update)


def _batched(context):
    """BatchUpdateFindings for every finding of the plan, made once: one call per distinct update and at most 100
    findings (securityhub.plan_hub_updates). The finding steps share its outcome: {key: why it was not processed}."""
    updates = {key_of(e["changes"]["identifier"]): e["changes"]["update"] for e in context.entries
               if e["type"] == "securityhub_finding" and e["status"] == "done"}
    answer = apply_hub_updates(context.aws("securityhub"), plan_hub_updates(updates))
    failed = {}
    for item in answer["unprocessed"]:
        identifier = item.get("FindingIdentifier") or {}
        failed[(identifier.get("Id"), identifier.get("ProductArn"))] = f"{item.get('ErrorCode')}: {item.get('ErrorMessage')}"
    return failed


def _unprocessed(outcome, planned):
    why = outcome.get(key_of(planned["changes"]["identifier"]))
    return f"Security Hub did not update it ({why})" if why else None


def apply(planned, context):
    return batched_step(planned, context, "update", "update the finding in Security Hub", _batched, _unprocessed)


def undo(planned, context):
    return batched_step(planned, context, "update", "give the finding back its Security Hub state", _batched, _unprocessed)


def record(planned):
    changes = planned["changes"]
    update = changes["update"]
    applied = {"workflow_status": (update.get("Workflow") or {}).get("Status"), "verification_state": update.get("VerificationState"),
               "note": "Note" in update}
    return {"previous": changes["previous"], "applied": applied}


def check(where, rec, _investigation_id):
    previous, applied = rec.get("previous"), rec.get("applied")
    need(isinstance(previous, dict) and isinstance(applied, dict), f"{where} has no previous and applied Security Hub state")
    need(previous.get("workflow_status") in WORKFLOW + (None,) and applied.get("workflow_status") in WORKFLOW + (None,),
         f"{where} has a workflow status Security Hub does not know")
    need(previous.get("verification_state") in VERIFICATION + (None,) and applied.get("verification_state") in VERIFICATION + (None,),
         f"{where} has a verification state Security Hub does not know")
    note = previous.get("note")
    need(note is None or (isinstance(note, dict) and isinstance(note.get("text"), str) and len(note["text"]) <= MAX_NOTE
                          and isinstance(note.get("updated_by"), str) and len(note["updated_by"]) <= MAX_NOTE),
         f"{where} has a previous note that is not a Security Hub note")
    need(applied.get("note") in (True, False), f"{where} does not say whether it wrote a note")


def merge(old, new):
    """The state before any disposition is the one to give back."""
    return dict(new, previous=old["previous"])


TYPE = ActionType(
    name="securityhub_finding", service_type=None, id_problem=pattern_problem(FINDING_ID_RE, "32 hexadecimal characters"), arn=None,
    read=read, reads={"hub_findings": "per GuardDuty finding id: its Security Hub identifier and state (null: Security Hub does not hold it)",
                      "hub_unavailable": "why Security Hub could not answer (not enabled), when it could not"},
    contain=contain, roll_back=roll_back, apply=apply, undo=undo, record=record, check=check, merge=merge,
    auto={"securityhub": "the finding's workflow status, verification state and note in Security Hub (given back on rollback)"},
    iam={
        "plan": [("ReadTheFindingsInSecurityHub", ["securityhub:GetFindings"], HUB, None)],
        "apply": [("UpdateTheFindingsInSecurityHub", ["securityhub:BatchUpdateFindings"], HUB, None)],
        "rollback": [("GiveTheFindingsBackTheirSecurityHubState", ["securityhub:BatchUpdateFindings"], HUB, None)],
    },
)
