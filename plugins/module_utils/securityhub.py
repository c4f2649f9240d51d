# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Security Hub side of GuardDuty findings: workflow status, verification state, note and user-defined fields,
read with GetFindings and set with BatchUpdateFindings.

Each step is a function of a Security Hub client (the collection's retries), so the securityhub_finding module and
the disposition engine call the same code:

- ``guardduty_identifiers(findings)``: GuardDuty findings (GetFindings) -> their Security Hub identifiers (the
  finding's ARN as Id, GuardDuty's product ARN in the finding's Region and partition);
- ``check_identifiers(identifiers)``: finding_identifiers checked and spelled as the API takes them;
- ``fit_note(text, updated_by)``: the note within Security Hub's limits, cut with a marker;
- ``read_hub_findings(client, identifiers)``: GetFindings by Id, 20 ids per call, every page; ``unavailable`` says why
  Security Hub could not answer (not enabled in the account and Region);
- ``hub_state(finding)``: what this collection sets, in snake_case;
- ``hub_update(state, ...)``: the BatchUpdateFindings fields that differ for one finding;
- ``plan_hub_updates({key: update})``: calls grouped by identical update, at most 100 findings each;
- ``apply_hub_updates(client, plan)``: BatchUpdateFindings; processed and unprocessed findings.

Security Hub's limits that its model does not carry are kept here, from its API reference: 100 findings per
BatchUpdateFindings, Note.Text and Note.UpdatedBy 512 characters, 20 values per GetFindings filter attribute,
user-defined fields at most 50, names at most 128 and values at most 1024 characters.
"""

from __future__ import annotations

import json
import re

from ansible_collections.secops.guardduty.plugins.module_utils.client import guardduty_client
from ansible_collections.secops.guardduty.plugins.module_utils.client import paginate
from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator
from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import batches
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import check_finding_ids
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_findings import read_findings
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader

MAX_IDENTIFIERS = 100
MAX_FILTER_VALUES = 20
MAX_NOTE = 512
MAX_UPDATED_BY = 512
MAX_FIELDS, MAX_FIELD_NAME, MAX_FIELD_VALUE = 50, 128, 1024
CUT_MARKER = " [...cut]"
DEFAULT_UPDATED_BY = "secops.guardduty"
# Security Hub's answer where it is not enabled ("Account ... is not subscribed to AWS Security Hub").
NOT_ENABLED = ("InvalidAccessException",)
GUARDDUTY_ARN_RE = re.compile(r"arn:(?P<partition>aws[a-z-]*):guardduty:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):detector/"
                              r"(?P<detector>[0-9a-zA-Z]+)/finding/(?P<finding>[0-9a-fA-F]{32})", re.ASCII)
ON_MISSING = ("warn", "fail")

ARGUMENT_SPEC = dict(
    guardduty_finding_ids=dict(type="list", elements="str"),
    detector_id=dict(type="str"),
    finding_identifiers=dict(type="list", elements="dict", options=dict(id=dict(type="str", required=True),
                                                                        product_arn=dict(type="str", required=True))),
    workflow_status=dict(type="str", choices=["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"]),
    verification_state=dict(type="str", choices=["UNKNOWN", "TRUE_POSITIVE", "FALSE_POSITIVE", "BENIGN_POSITIVE"]),
    note=dict(type="dict", options=dict(text=dict(type="str", required=True), updated_by=dict(type="str", default=DEFAULT_UPDATED_BY))),
    user_defined_fields=dict(type="dict"),
    on_missing=dict(type="str", choices=list(ON_MISSING), default="warn"),
)


# ---------------------------------------------------------------- identifiers


def guardduty_product_arn(region, partition="aws"):
    """Security Hub's ProductArn of GuardDuty in ``region``."""
    return f"arn:{partition}:securityhub:{region}::product/aws/guardduty"


def guardduty_identifier(finding):
    """The Security Hub identifier of a GuardDuty finding (a GetFindings answer): its ARN, and GuardDuty's product in
    the Region and partition the ARN names (a member account's finding keeps its own account and detector)."""
    match = GUARDDUTY_ARN_RE.fullmatch(finding.get("Arn") or "")
    if match is None:
        raise GuardDutyError(f"GuardDuty returned finding {finding.get('Id')} with an ARN this collection cannot read ({finding.get('Arn')!r})",
                             reason="api")
    return {"Id": finding["Arn"], "ProductArn": guardduty_product_arn(match["region"], match["partition"])}


def key_of(identifier):
    return identifier["Id"], identifier["ProductArn"]


def check_identifiers(identifiers):
    """finding_identifiers ({id, product_arn}) -> [{"Id", "ProductArn"}], duplicates dropped, order kept; one
    invalid() for all that is wrong, before any call. A GuardDuty finding's id must be a GuardDuty finding ARN."""
    out, problems = {}, []
    for index, item in enumerate(identifiers or []):
        finding_id, product = (item or {}).get("id"), (item or {}).get("product_arn")
        if not isinstance(finding_id, str) or not finding_id.strip() or not isinstance(product, str) or not product.strip():
            problems.append(f"finding_identifiers[{index}] needs an id and a product_arn")
            continue
        if not product.startswith("arn:") or ":securityhub:" not in product:
            problems.append(f"finding_identifiers[{index}]: {product!r} is not a Security Hub product ARN (arn:aws:securityhub:<region>::product/...)")
        elif product.endswith("::product/aws/guardduty") and not GUARDDUTY_ARN_RE.fullmatch(finding_id):
            problems.append(f"finding_identifiers[{index}]: {finding_id!r} is not a GuardDuty finding ARN "
                            "(arn:aws:guardduty:<region>:<account>:detector/<detector id>/finding/<32 hexadecimal characters>)")
        out[(finding_id, product)] = {"Id": finding_id, "ProductArn": product}
    if not identifiers:
        problems.append("finding_identifiers is empty: give at least one {id, product_arn}")
    if problems:
        raise invalid("Invalid finding_identifiers, nothing was called: " + "; ".join(problems))
    return list(out.values())


# ---------------------------------------------------------------- what is set


def _cut(text, limit):
    return text if len(text) <= limit else text[: limit - len(CUT_MARKER)] + CUT_MARKER


def fit_note(text, updated_by=DEFAULT_UPDATED_BY):
    """({"Text", "UpdatedBy"}, cut) within Security Hub's limits: a longer text or updated_by ends with CUT_MARKER."""
    for value, label in ((text, "note.text"), (updated_by, "note.updated_by")):
        if not isinstance(value, str) or not value.strip():
            raise invalid(f"{label} must be a text with at least one character that is not a space")
    note = {"Text": _cut(text, MAX_NOTE), "UpdatedBy": _cut(updated_by, MAX_UPDATED_BY)}
    return note, note["Text"] != text or note["UpdatedBy"] != updated_by


def check_fields(fields):
    """user_defined_fields: names and values non-blank text within the limits; one invalid() otherwise."""
    if not isinstance(fields, dict):
        raise invalid("user_defined_fields must be a mapping of names to values")
    problems = []
    for name, value in fields.items():
        if not isinstance(value, str) or not value.strip() or not str(name).strip():
            problems.append(f"{name!r}: names and values must be texts with a character that is not a space (got {value!r})")
        elif len(str(name)) > MAX_FIELD_NAME or len(value) > MAX_FIELD_VALUE:
            problems.append(f"{str(name)[:40]!r}: a name may have at most {MAX_FIELD_NAME} characters and a value at most {MAX_FIELD_VALUE}")
    if len(fields) > MAX_FIELDS:
        problems.append(f"{len(fields)} fields, Security Hub keeps at most {MAX_FIELDS}")
    if problems:
        raise invalid("Invalid user_defined_fields, nothing was called: " + "; ".join(problems))
    return {str(name): value for name, value in fields.items()}


def hub_state(finding):
    """What this collection sets on a Security Hub finding, in snake_case (values as Security Hub gives them)."""
    note = finding.get("Note")
    return {
        "workflow_status": (finding.get("Workflow") or {}).get("Status"),
        "verification_state": finding.get("VerificationState"),
        "note": {"text": note.get("Text"), "updated_by": note.get("UpdatedBy"), "updated_at": note.get("UpdatedAt")} if note else None,
        "user_defined_fields": dict(finding.get("UserDefinedFields") or {}),
        "record_state": finding.get("RecordState"),
    }


def hub_update(state, workflow_status=None, verification_state=None, note=None, user_defined_fields=None):
    """The BatchUpdateFindings fields that differ for one finding of ``state`` (hub_state): ``note`` as fit_note gives
    it, ``user_defined_fields`` merged into the finding's (the whole merged map is sent). {} when nothing differs."""
    update = {}
    if workflow_status is not None and state["workflow_status"] != workflow_status:
        update["Workflow"] = {"Status": workflow_status}
    if verification_state is not None and state["verification_state"] != verification_state:
        update["VerificationState"] = verification_state
    current = state["note"] or {}
    if note is not None and (current.get("text"), current.get("updated_by")) != (note["Text"], note["UpdatedBy"]):
        update["Note"] = dict(note)
    if user_defined_fields:
        merged = dict(state["user_defined_fields"], **user_defined_fields)
        if merged != state["user_defined_fields"]:
            if len(merged) > MAX_FIELDS:
                raise invalid(f"user_defined_fields: merged with the finding's own, {len(merged)} fields, Security Hub keeps at most {MAX_FIELDS}")
            update["UserDefinedFields"] = merged
    return update


def planned_state(state, update):
    """``state`` after ``update`` (what check mode reports; the note's updated_at is Security Hub's to set)."""
    after = dict(state)
    if "Workflow" in update:
        after["workflow_status"] = update["Workflow"]["Status"]
    if "VerificationState" in update:
        after["verification_state"] = update["VerificationState"]
    if "Note" in update:
        after["note"] = {"text": update["Note"]["Text"], "updated_by": update["Note"]["UpdatedBy"], "updated_at": None}
    if "UserDefinedFields" in update:
        after["user_defined_fields"] = dict(update["UserDefinedFields"])
    return after


def plan_hub_updates(updates):
    """{key: update} -> [{"update": fields, "identifiers": [...]}]: one call per distinct update, at most 100 findings
    each; findings with nothing to update are left out."""
    groups = {}
    for (finding_id, product), update in updates.items():
        if update:
            groups.setdefault(json.dumps(update, sort_keys=True), (update, []))[1].append({"Id": finding_id, "ProductArn": product})
    return [{"update": update, "identifiers": batch} for update, identifiers in groups.values() for batch in batches(identifiers, MAX_IDENTIFIERS)]


# ---------------------------------------------------------------- the calls


@AWSCallHandler.calling("securityhub:GetFindings", "Security Hub findings", missing=NOT_ENABLED)
def _get_hub_findings(client, ids):
    filters = {"Id": [{"Value": finding_id, "Comparison": "EQUALS"} for finding_id in ids]}
    return paginate(client, "get_findings", "Findings", Filters=filters, PaginationConfig={"PageSize": MAX_IDENTIFIERS})


def read_hub_findings(client, identifiers):
    """{"found": {(Id, ProductArn): finding}, "unavailable": None or why Security Hub did not answer}: GetFindings
    filtered by Id, 20 ids per call (the most a filter attribute takes), every page; a Security Hub that is not
    enabled in the account and Region (InvalidAccessException) makes every finding unavailable, not an error."""
    wanted = {key_of(identifier) for identifier in identifiers}
    found = {}
    ids = list(dict.fromkeys(identifier["Id"] for identifier in identifiers))
    for batch in batches(ids, MAX_FILTER_VALUES):
        try:
            findings = _get_hub_findings(client, batch)
        except GuardDutyError as e:
            if e.reason == "missing":
                return {"found": {}, "unavailable": f"Security Hub is not enabled for this account in this Region ({e.message})"}
            raise
        for finding in findings:
            if key_of(finding) in wanted:
                found[key_of(finding)] = finding
    return {"found": found, "unavailable": None}


@AWSCallHandler.calling("securityhub:BatchUpdateFindings", "{count} Security Hub findings")
def _batch_update(client, update, identifiers, count=0):
    return client.batch_update_findings(aws_retry=True, FindingIdentifiers=identifiers, **update)


def apply_hub_updates(client, plan):
    """BatchUpdateFindings for each call of ``plan``: {"processed": [identifiers], "unprocessed": [{"FindingIdentifier",
    "ErrorCode", "ErrorMessage"}]}. A failed call raises a GuardDutyError with what was processed before it."""
    processed, unprocessed = [], []
    for call in plan:
        try:
            answer = _batch_update(client, call["update"], call["identifiers"], count=len(call["identifiers"]))
        except GuardDutyError as e:
            raise GuardDutyError(f"{e.message}. Findings updated before it: {len(processed)}", exception=e.exception, reason=e.reason,
                                 processed=processed) from e
        processed.extend(answer.get("ProcessedFindings") or [])
        unprocessed.extend(answer.get("UnprocessedFindings") or [])
    return {"processed": processed, "unprocessed": unprocessed}


# ---------------------------------------------------------------- the securityhub_finding module


def _missing(identifier, reason, guardduty_finding_id=None):
    return {"id": identifier["Id"] if identifier else None, "product_arn": identifier["ProductArn"] if identifier else None,
            "guardduty_finding_id": guardduty_finding_id, "reason": reason}


def _targets(module, params):
    """[(identifier, GuardDuty finding id or None)] and the not_found entries of ids GuardDuty does not hold."""
    if params.get("finding_identifiers") is not None:
        return [(identifier, None) for identifier in check_identifiers(params["finding_identifiers"])], [], None
    ids = check_finding_ids(params.get("guardduty_finding_ids"), "guardduty_finding_ids")
    client = guardduty_client(module)
    detector_id = InvestigationReader(client, region=module.region).resolve_detector(params.get("detector_id"))
    found = read_findings(client, detector_id, ids, module.region)
    targets = [(guardduty_identifier(found[finding_id]), finding_id) for finding_id in ids if finding_id in found]
    missing = [_missing(None, f"not a finding of detector {detector_id} in {module.region} (GetFindings did not return it)", finding_id)
               for finding_id in ids if finding_id not in found]
    return targets, missing, detector_id


def _wanted(params):
    note, cut = (None, False)
    if params.get("note") is not None:
        note, cut = fit_note(params["note"]["text"], params["note"].get("updated_by") or DEFAULT_UPDATED_BY)
    fields = check_fields(params["user_defined_fields"]) if params.get("user_defined_fields") is not None else None
    return {"workflow_status": params.get("workflow_status"), "verification_state": params.get("verification_state"), "note": note,
            "user_defined_fields": fields}, cut


def _listed(not_found, count):
    return "; ".join(f"{item['id'] or item['guardduty_finding_id']}: {item['reason']}" for item in not_found[:count])


def _fail_on_missing(params, not_found, done):
    if not_found and params["on_missing"] == "fail":
        raise GuardDutyError(f"{len(not_found)} finding(s) not found in Security Hub ({done}): {_listed(not_found, 5)}", reason="missing",
                             not_found=not_found)


def run_securityhub_module(module):
    """securityhub_finding: identify the findings, read them in Security Hub, update what differs (not in check mode),
    list what Security Hub does not hold in ``not_found``."""
    params = module.params
    try:
        wanted, cut = _wanted(params)
        targets, not_found, detector_id = _targets(module, params)
        hub = module.client("securityhub", retry_decorator=retry_decorator())
        read = read_hub_findings(hub, [identifier for identifier, _gd in targets]) if targets else {"found": {}, "unavailable": None}
        found = read["found"]
        reason = read["unavailable"] or "Security Hub does not hold it (not imported yet, or not sent to Security Hub)"
        not_found += [_missing(identifier, reason, gd_id) for identifier, gd_id in targets if key_of(identifier) not in found]
        _fail_on_missing(params, not_found, "nothing was changed")
        before = {key: hub_state(finding) for key, finding in found.items()}
        updates = {key: hub_update(state, **wanted) for key, state in before.items()}
        plan = plan_hub_updates(updates)
        if plan and not module.check_mode:
            outcome = apply_hub_updates(hub, plan)
            failed = [item for item in outcome["unprocessed"] if item.get("ErrorCode") != "FindingNotFound"]
            vanished = {key_of(item["FindingIdentifier"]) for item in outcome["unprocessed"] if item.get("ErrorCode") == "FindingNotFound"}
            for key in vanished:
                not_found.append(_missing({"Id": key[0], "ProductArn": key[1]}, "Security Hub answered FindingNotFound to BatchUpdateFindings"))
                updates[key] = {}
            if failed:
                shown = "; ".join(f"{item['FindingIdentifier']['Id']}: {item.get('ErrorCode')} ({item.get('ErrorMessage')})" for item in failed[:5])
                raise GuardDutyError(f"Security Hub did not update {len(failed)} finding(s): {shown}", reason="api", unprocessed=failed,
                                     processed=outcome["processed"])
            _fail_on_missing(params, not_found, f"{len(outcome['processed'])} others were updated")
    except GuardDutyError as e:
        module.fail_json_aws_error(e)
    if not_found:
        module.warn(f"{len(not_found)} finding(s) not found in Security Hub, listed in not_found (on_missing=fail makes this an error): "
                    + _listed(not_found, 3))
    if cut and found:
        module.warn(f"The note is longer than Security Hub keeps ({MAX_NOTE} characters of text, {MAX_UPDATED_BY} of updated_by): "
                    f"it was cut, ending with {CUT_MARKER.strip()!r}")
    after = {key: planned_state(before[key], updates[key]) for key in before}
    gd_ids = {key_of(identifier): gd_id for identifier, gd_id in targets}
    findings = [dict(after[key], id=key[0], product_arn=key[1], guardduty_finding_id=gd_ids.get(key),
                     account_id=found[key].get("AwsAccountId")) for key in after]
    result = dict(changed=any(updates.values()), findings=findings, not_found=not_found, note_truncated=bool(cut and found),
                  before={key[0]: state for key, state in before.items()}, after={key[0]: state for key, state in after.items()})
    if detector_id is not None:
        result["detector_id"] = detector_id
    if module._diff:
        result["diff"] = {"before": result["before"], "after": result["after"]}
    module.exit_json(**result)
