# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""GuardDuty findings closed or reopened where they live: archived or not, and the feedback given on them.

Each step is a function of a GuardDuty client (the collection's retries), so the guardduty_finding module and the
disposition engine call the same code:

- ``check_finding_ids(ids)``: GuardDuty's id pattern, before any call;
- ``read_findings(client, detector_id, ids)``: GetFindings in batches of the API's maximum;
- ``finding_state(finding)``: ``{"archived": bool, "feedback": "useful" | "not_useful" | None}``;
- ``plan_finding_changes(states, archived=, feedback=)``: which ids differ, for which call;
- ``planned_states(states, plan)``: the states after the plan;
- ``apply_finding_changes(client, detector_id, plan, comment=)``: ArchiveFindings / UnarchiveFindings /
  UpdateFindingsFeedback for those ids only, in batches.

GuardDuty gives no way to withdraw feedback (only useful or not useful can be set) and does not return the comment
given with it: a comment is sent with a change of feedback, and a comment alone changes nothing.
"""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.module_utils.client import guardduty_client
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyErrorHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.model import FINDING_ID_RE
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader

calling = GuardDutyErrorHandler.calling

# The option's words for the API's Feedback values.
FEEDBACK = {"useful": "USEFUL", "not_useful": "NOT_USEFUL"}
DEFAULT_BATCH = 50
ON_MISSING = ("fail", "warn")

ARGUMENT_SPEC = dict(
    finding_ids=dict(type="list", elements="str", required=True, aliases=["finding_id"]),
    detector_id=dict(type="str"),
    archived=dict(type="bool"),
    feedback=dict(type="str", choices=list(FEEDBACK)),
    feedback_comment=dict(type="str"),
    on_missing=dict(type="str", choices=list(ON_MISSING), default="fail"),
)


def batch_size(client, operation, member="FindingIds"):
    """The most ids one call of ``operation`` takes: the list's maximum in botocore's service model."""
    shape = client.meta.service_model.operation_model(operation).input_shape.members[member]
    return int(shape.metadata.get("max") or DEFAULT_BATCH)


def batches(items, size):
    items = list(items)
    return [items[start:start + size] for start in range(0, len(items), size)]


def check_finding_ids(finding_ids, label="finding_ids"):
    """The ids in GuardDuty's spelling (32 hexadecimal characters, lower case), duplicates dropped, order kept;
    one invalid() naming every id that is not one, before any call."""
    if not finding_ids:
        raise invalid(f"No finding id was given: {label} needs at least one GuardDuty finding id")
    bad = [value for value in finding_ids if not isinstance(value, str) or not FINDING_ID_RE.fullmatch(value.strip())]
    if bad:
        shown = ", ".join(repr(value) for value in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise invalid(f"Invalid {label}: {shown}; a GuardDuty finding id is 32 hexadecimal characters (nothing was called)")
    return list(dict.fromkeys(value.strip().lower() for value in finding_ids))


@calling("GetFindings")
def _get_findings(client, detector_id, finding_ids, region=None):
    return client.get_findings(aws_retry=True, DetectorId=detector_id, FindingIds=finding_ids)["Findings"]


def read_findings(client, detector_id, finding_ids, region=None):
    """{id: Finding} of the ids the detector holds (GetFindings, as many ids per call as the API takes); an id the
    detector does not hold (another account's, another Region's, or none) is absent."""
    found = {}
    for batch in batches(finding_ids, batch_size(client, "GetFindings")):
        for finding in _get_findings(client, detector_id, batch, region):
            found[finding["Id"]] = finding
    return found


def finding_state(finding):
    """What this collection changes on a finding: ``archived`` (Service.Archived) and ``feedback`` (Service.UserFeedback,
    in the option's words; a value the collection does not know is returned as GuardDuty gave it)."""
    service = finding.get("Service") or {}
    given = service.get("UserFeedback")
    words = {value: word for word, value in FEEDBACK.items()}
    feedback = words.get(given.upper(), given) if isinstance(given, str) else given
    return {"archived": bool(service.get("Archived")), "feedback": feedback}


def finding_summary(finding):
    """The facts of a finding a result shows beside its state (all from GuardDuty, none rewritten)."""
    return {
        "finding_id": finding["Id"],
        "arn": finding.get("Arn"),
        "account_id": finding.get("AccountId"),
        "region": finding.get("Region"),
        "type": finding.get("Type"),
        "severity": finding.get("Severity"),
    }


def plan_finding_changes(states, archived=None, feedback=None):
    """{"archive": [ids], "unarchive": [ids], "feedback": [ids], "feedback_value": "useful" | "not_useful" | None}: the
    ids of ``states`` ({id: finding_state}) whose state differs from what is wanted (None: leave it as it is)."""
    if feedback is not None and feedback not in FEEDBACK:
        raise invalid(f"feedback must be one of {', '.join(FEEDBACK)}, got {feedback!r}")
    plan = {"archive": [], "unarchive": [], "feedback": [], "feedback_value": feedback}
    for finding_id, state in states.items():
        if archived is not None and state["archived"] != archived:
            plan["archive" if archived else "unarchive"].append(finding_id)
        if feedback is not None and state["feedback"] != feedback:
            plan["feedback"].append(finding_id)
    return plan


def plan_is_empty(plan):
    return not (plan["archive"] or plan["unarchive"] or plan["feedback"])


def planned_states(states, plan):
    """The states after ``plan`` (what check mode reports)."""
    after = {finding_id: dict(state) for finding_id, state in states.items()}
    for key, value in (("archive", True), ("unarchive", False)):
        for finding_id in plan[key]:
            after[finding_id]["archived"] = value
    for finding_id in plan["feedback"]:
        after[finding_id]["feedback"] = plan["feedback_value"]
    return after


@calling("UpdateFindingsFeedback")
def _feedback(client, detector_id, finding_ids, value, comment=None, region=None):
    params = {"DetectorId": detector_id, "FindingIds": finding_ids, "Feedback": FEEDBACK[value]}
    if comment:
        params["Comments"] = comment
    client.update_findings_feedback(aws_retry=True, **params)


@calling("ArchiveFindings")
def _archive(client, detector_id, finding_ids, region=None):
    client.archive_findings(aws_retry=True, DetectorId=detector_id, FindingIds=finding_ids)


@calling("UnarchiveFindings")
def _unarchive(client, detector_id, finding_ids, region=None):
    client.unarchive_findings(aws_retry=True, DetectorId=detector_id, FindingIds=finding_ids)


def apply_finding_changes(client, detector_id, plan, comment=None, region=None):
    """Make the calls ``plan`` holds, each for at most the API's maximum of ids: the feedback first (with ``comment``),
    then archive and unarchive. Returns the calls made, [{"operation", "finding_ids"}]; a failed call raises a
    GuardDutyError that says which calls were made before it (``done`` in its result data)."""
    done = []
    steps = (
        ("UpdateFindingsFeedback", plan["feedback"], lambda ids: _feedback(client, detector_id, ids, plan["feedback_value"], comment, region)),
        ("ArchiveFindings", plan["archive"], lambda ids: _archive(client, detector_id, ids, region)),
        ("UnarchiveFindings", plan["unarchive"], lambda ids: _unarchive(client, detector_id, ids, region)),
    )
    for operation, ids, call in steps:
        for batch in batches(ids, batch_size(client, operation)):
            try:
                call(batch)
            except GuardDutyError as e:
                made = "; ".join(f"{item['operation']} for {len(item['finding_ids'])}" for item in done) or "none"
                raise GuardDutyError(f"{e.message}. Calls made before it: {made}", exception=e.exception, reason=e.reason, done=done) from e
            done.append({"operation": operation, "finding_ids": batch})
    return done


# ---------------------------------------------------------------- the guardduty_finding module


def _checked(params):
    ids = check_finding_ids(params["finding_ids"])
    if params.get("feedback_comment") and params.get("feedback") is None:
        raise invalid("feedback_comment is sent with feedback: give feedback (useful or not_useful) too")
    return ids


def missing_message(missing, detector_id, region):
    shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
    return (
        f"{len(missing)} finding(s) not found on detector {detector_id} in {region}: {shown}. GetFindings did not return them: "
        "check the ids and the Region; a finding of another account is only visible to that account or its GuardDuty administrator"
    )


def run_finding_module(module):
    """guardduty_finding: check the ids, resolve the detector, read, change what differs (not in check mode), and
    return the findings' state before and after."""
    params = module.params
    try:
        ids = _checked(params)
        client = guardduty_client(module)
        region = module.region
        detector_id = InvestigationReader(client, region=region).resolve_detector(params.get("detector_id"))
        found = read_findings(client, detector_id, ids, region)
        missing = [finding_id for finding_id in ids if finding_id not in found]
        if missing and params["on_missing"] == "fail":
            raise GuardDutyError(missing_message(missing, detector_id, region) + " (nothing was changed)", reason="missing", not_found=missing)
        if missing:
            module.warn(missing_message(missing, detector_id, region) + "; the others were handled")
        before = {finding_id: finding_state(found[finding_id]) for finding_id in ids if finding_id in found}
        plan = plan_finding_changes(before, params.get("archived"), params.get("feedback"))
        if not plan_is_empty(plan) and not module.check_mode:
            apply_finding_changes(client, detector_id, plan, params.get("feedback_comment"), region)
    except GuardDutyError as e:
        module.fail_json_aws_error(e)
    after = planned_states(before, plan)
    findings = [dict(finding_summary(found[finding_id]), **after[finding_id]) for finding_id in before]
    result = dict(changed=not plan_is_empty(plan), detector_id=detector_id, findings=findings, not_found=missing, before=before, after=after)
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)
