# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""GuardDuty findings (disposition): archived or left active, and the feedback given on them, as the verdict's class
wants (respond/dispose.py); unarchived again on rollback (feedback cannot be withdrawn in the API: the plan and the
rollback say so).

Identifiers: a GuardDuty finding id (32 hexadecimal characters), from the investigation's structured data only. Reads
GetFindings on the investigation's detector (module_utils/guardduty_findings.py, which the guardduty_finding module
uses too); a finding of another account or Region, or that the detector does not hold, is skipped.
"""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import apply_finding_changes
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import finding_state
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import plan_finding_changes
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import read_findings
from ansible_collections.secops.guardduty.plugins.module_utils.model import FINDING_ID_RE
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import batched_step

FEEDBACK_FINAL = "feedback cannot be withdrawn in GuardDuty's API: rollback leaves it as it is"


def findings(aws, context):
    """{finding id: GetFindings' finding} of every finding the disposition names, on the investigation's detector (one
    read for the finding and Security Hub types)."""
    ids = [r["id"] for r in context.settings["named_findings"]]
    return context.once("findings", lambda: read_findings(aws("guardduty"), context.settings["detector_id"], ids, region=context.region)
                        if ids else {})


def _resource(finding):
    """(resource type, identifier) of a finding's resource, from GuardDuty's structured fields."""
    resource = finding.get("Resource") or {}
    kind = resource.get("ResourceType")
    if kind == "Instance":
        return kind, (resource.get("InstanceDetails") or {}).get("InstanceId")
    if kind == "AccessKey":
        return kind, (resource.get("AccessKeyDetails") or {}).get("AccessKeyId")
    if kind == "S3Bucket":
        buckets = resource.get("S3BucketDetails") or []
        return kind, buckets[0].get("Name") if len(buckets) == 1 else None
    return kind, None


def read(aws, _resources, context):
    """findings: per finding id, what the plan needs (account, Region, type, its resource, archived, feedback, ARN)."""
    found = []
    for finding_id, finding in findings(aws, context).items():
        kind, ident = _resource(finding)
        found.append(dict(finding_state(finding), id=finding_id, arn=finding.get("Arn"), account_id=finding.get("AccountId"),
                          region=finding.get("Region"), finding_type=finding.get("Type"), resource_type=kind, resource_id=ident))
    return {"findings": found}


def finding_of(resource, context):
    """(the entry when the finding cannot be acted on, None) or (None, the finding read)."""
    finding = context.state.by("findings", "id").get(resource["id"])
    if finding is None:
        return entry(resource, "skipped", f"detector {context.settings['detector_id']} holds no such finding (GetFindings returned none): "
                     "another Region's, another account's the detector does not administer, or gone"), None
    if finding.get("account_id") != resource.get("account_id"):
        return entry(resource, "skipped", f"in account {finding.get('account_id')}, not the investigation's account {resource.get('account_id')}"), None
    if finding.get("region") != context.region:
        return entry(resource, "skipped", f"in Region {finding.get('region')}, not the investigation's Region {context.region}"), None
    return None, finding


def _words(state):
    feedback = state.get("feedback") or "none"
    return f"{'archived' if state['archived'] else 'active'}, feedback {feedback}"


def contain(resource, context):
    """What apply does to the finding: archived or not, and its feedback, as the class's policy wants."""
    skipped, finding = finding_of(resource, context)
    if skipped:
        return skipped
    wanted = context.settings["disposition"]
    if wanted.get("archived") is None and not wanted.get("feedback"):
        return entry(resource, "unchanged", f"the policy changes nothing in GuardDuty for this verdict (it is {_words(finding)})")
    plan = plan_finding_changes({resource["id"]: finding}, archived=wanted.get("archived"), feedback=wanted.get("feedback"))
    if not (plan["archive"] or plan["unarchive"] or plan["feedback"]):
        return entry(resource, "unchanged", f"already {_words(finding)}")
    what = []
    if plan["archive"]:
        what.append("archive it")
    if plan["unarchive"]:
        what.append("unarchive it")
    if plan["feedback"]:
        what.append(f"give the feedback {wanted['feedback']} ({FEEDBACK_FINAL})")
    return entry(resource, "planned", "; ".join(what) + f" (it is {_words(finding)})", archived=wanted.get("archived") if plan["archive"]
                 or plan["unarchive"] else None, feedback=wanted.get("feedback") if plan["feedback"] else None,
                 previous_archived=finding["archived"], previous_feedback=finding.get("feedback"))


def to_roll_back(resource, context, now):
    """(the disposition record's entry of ``resource``, None), or (None, the plan entry) when the record holds nothing
    for it or says it was rolled back already; ``now`` says what the resource is now."""
    rec = context.recorded(resource)
    if rec is None:
        return None, entry(resource, "unchanged", "the disposition record holds nothing for it: left as it is")
    if rec.get("status") == "rolled_back":
        return None, entry(resource, "unchanged", f"rolled back already (it is {now})")
    return rec, None


def roll_back(resource, context):
    """What rollback undoes: the archive it made (the finding is unarchived when it is still archived)."""
    skipped, finding = finding_of(resource, context)
    if skipped:
        return skipped
    rec, done = to_roll_back(resource, context, _words(finding))
    if done:
        return done
    note = f"; its feedback stays ({FEEDBACK_FINAL})" if rec.get("feedback") else ""
    if rec.get("archived") is True and rec.get("previous_archived") is False:
        if finding["archived"]:
            return entry(resource, "planned", "unarchive it (the record says the disposition archived it)" + note, record_status="rolled_back",
                         archived=False)
        return entry(resource, "unchanged", "it is active again already" + note, record_status="rolled_back")
    return entry(resource, "unchanged", "nothing to undo" + note, record_status="rolled_back")


def _batched(context):
    """The calls every finding of the plan needs, made once: each kind of change for all the findings that get it, in
    batches of the API's maximum (guardduty_findings.apply_finding_changes). The finding steps share its outcome."""
    planned = [e for e in context.entries if e["type"] == "guardduty_finding" and e["status"] == "done"]
    plan = {"archive": [], "unarchive": [], "feedback": [], "feedback_value": None}
    for item in planned:
        changes = item["changes"]
        if changes.get("archived") is True:
            plan["archive"].append(item["id"])
        elif changes.get("archived") is False:
            plan["unarchive"].append(item["id"])
        if changes.get("feedback"):
            plan["feedback"].append(item["id"])
            plan["feedback_value"] = changes["feedback"]
    return apply_finding_changes(context.aws("guardduty"), context.settings["detector_id"], plan, comment=context.settings.get("comment"),
                                 region=context.region)


def apply(planned, context):
    return batched_step(planned, context, "finding", "archive the findings, or give their feedback (one call per batch)", _batched)


def undo(planned, context):
    return batched_step(planned, context, "finding", "unarchive the findings (one call per batch)", _batched)


def record(planned):
    changes = planned["changes"]
    return {"archived": changes.get("archived"), "feedback": changes.get("feedback"), "previous_archived": changes["previous_archived"],
            "previous_feedback": changes.get("previous_feedback")}


def check(where, rec, _investigation_id):
    need(rec.get("archived") in (True, False, None) and rec.get("previous_archived") in (True, False),
         f"{where} has no archived (true, false or null) and previous_archived (true or false)")
    for key in ("feedback", "previous_feedback"):
        need(rec.get(key) in (None, "useful", "not_useful"), f"{where} has a {key} that is not useful, not_useful or null")


def merge(old, new):
    """What the finding was before any disposition is what rollback gives back."""
    return dict(new, previous_archived=old["previous_archived"], previous_feedback=old.get("previous_feedback"),
                archived=new.get("archived") if new.get("archived") is not None else old.get("archived"))


TYPE = ActionType(
    name="guardduty_finding", service_type=None, id_problem=pattern_problem(FINDING_ID_RE, "32 hexadecimal characters"), arn=None,
    read=read, reads={"findings": "per finding: id, arn, account_id, region, finding_type, resource_type, resource_id, archived, feedback"},
    contain=contain, roll_back=roll_back, apply=apply, undo=undo, record=record, check=check, merge=merge,
    auto={"archive": "a benign finding is archived (unarchived on rollback)", "feedback": "the finding gets the class's feedback (final)"},
    iam={
        "plan": [("ReadTheInvestigationsFindings", ["guardduty:GetFindings"], "arn:aws:guardduty:REGION:ACCOUNT_ID:detector/*", None)],
        "apply": [("ArchiveFindingsAndGiveFeedback", ["guardduty:ArchiveFindings", "guardduty:UnarchiveFindings", "guardduty:UpdateFindingsFeedback"],
                   "arn:aws:guardduty:REGION:ACCOUNT_ID:detector/*", None)],
        "rollback": [("UnarchiveTheFindingsTheRecordHolds", ["guardduty:UnarchiveFindings"], "arn:aws:guardduty:REGION:ACCOUNT_ID:detector/*", None)],
    },
)
