# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""GuardDuty suppression rules (disposition, with dispose_suppress): a filter that archives new findings of the same
type on the same resource of the same account, built only from GuardDuty's structured fields of a benign finding, under
a deterministic name (``secops-guardduty-<16 hexadecimal digits>``), never more than dispose_max_filters of them per
detector; deleted on rollback when it is still as the disposition made it.

Identifiers: the filter's name. Reads the detector's filter names and the filters of this collection
(module_utils/guardduty_filters.py, which the guardduty_filter module uses too).
"""

from __future__ import annotations

import hashlib
import re

from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import create_filter
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import delete_filter
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import filter_changes
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import list_filters
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import read_filter
from ansible_collections.secops.guardduty.plugins.module_utils.guardduty_filters import update_filter
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import REST
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step

PREFIX = "secops-guardduty-"
FILTER_RESOURCES = ["arn:aws:guardduty:REGION:ACCOUNT_ID:detector/*", "arn:aws:guardduty:REGION:ACCOUNT_ID:detector/*/filter/*"]
MAX_DETECTOR_FILTERS = 100  # GuardDuty's quota of filters per detector
NAME = re.compile(PREFIX + r"[0-9a-f]{16}", re.ASCII)
# the criterion field of a resource's identifier, per GuardDuty resource type (finding_criteria.py lists every field)
RESOURCE_FIELDS = {"Instance": "resource.instanceDetails.instanceId", "AccessKey": "resource.accessKeyDetails.accessKeyId",
                   "S3Bucket": "resource.s3BucketDetails.name"}


def rule_for(finding):
    """(name, FindingCriteria, what it matches in words) of the suppression rule for a finding the plan read (its type,
    its resource's identifier, its account: GuardDuty's structured fields), or (None, None, why there is none)."""
    field = RESOURCE_FIELDS.get(finding.get("resource_type"))
    if not field or not finding.get("resource_id") or not finding.get("finding_type"):
        return None, None, (f"no suppression rule: its resource ({finding.get('resource_type') or 'unknown'}) names no single identifier "
                            "a rule could match (instances, access keys and buckets do)")
    values = (finding["finding_type"], finding["resource_type"], finding["resource_id"], finding["account_id"])
    name = PREFIX + hashlib.sha256("\x00".join(values).encode("utf-8")).hexdigest()[:16]
    criteria = {"Criterion": {"type": {"Equals": [finding["finding_type"]]}, "accountId": {"Equals": [finding["account_id"]]},
                              field: {"Equals": [finding["resource_id"]]}}}
    return name, criteria, f"{finding['finding_type']} on {finding['resource_type']} {finding['resource_id']} of account {finding['account_id']}"


def read(aws, _resources, context):
    """filters: the detector's filters of this collection (name, action, criteria), and how many filters it has."""
    client, detector = aws("guardduty"), context.settings["detector_id"]
    names = list_filters(client, detector)
    ours = [read_filter(client, detector, name) for name in names if NAME.fullmatch(name)]
    return {"filters": [{"name": f["Name"], "action": f.get("Action"), "criteria": f.get("FindingCriteria"), "description": f.get("Description")}
                        for f in ours if f], "filter_count": [{"count": len(names)}]}


def _wanted(resource, context):
    return {"Action": "ARCHIVE", "Description": (f"secops.guardduty: suppresses what investigation {context.investigation_id} judged benign "
                                                 f"({resource['matches']})")[:512],
            "FindingCriteria": resource["criteria"]}


def contain(resource, context):
    """Create the rule when it is missing (and the detector has room for another of ours), or bring it back to what it
    should be; unchanged when it is."""
    current = context.state.by("filters", "name").get(resource["id"])
    wanted = _wanted(resource, context)
    if current is not None:
        changes = filter_changes({"Action": current["action"], "FindingCriteria": current["criteria"], "Description": current["description"]},
                                 wanted)
        if not changes:
            return entry(resource, "unchanged", f"the suppression rule {resource['id']} exists ({resource['matches']})")
        return entry(resource, "planned", f"bring the suppression rule {resource['id']} back to what it should be ({', '.join(sorted(changes))})",
                     filter=changes, created=False, previous={"action": current["action"], "criteria": current["criteria"],
                                                              "description": current["description"]})
    ours = len(context.state.items("filters")) + context.allocated.setdefault("filters", 0)
    if ours >= context.settings["max_filters"]:
        return entry(resource, "skipped", f"no suppression rule: the detector has {ours} of this collection's rules, dispose_max_filters="
                     f"{context.settings['max_filters']}; raise it, or delete rules that are no longer needed")
    total = sum(item["count"] for item in context.state.items("filter_count")) + context.allocated["filters"]
    if total >= MAX_DETECTOR_FILTERS:
        return entry(resource, "skipped", f"no suppression rule: the detector has {total} filters, the most GuardDuty keeps "
                     f"({MAX_DETECTOR_FILTERS}); delete filters that are no longer needed")
    context.allocated["filters"] += 1
    return entry(resource, "planned", f"create the suppression rule {resource['id']}: archive new findings of {resource['matches']}",
                 filter=wanted, created=True, previous=None)


def roll_back(resource, context):
    """Delete the rule the disposition created, while it is still as the record says it was made."""
    rec = context.recorded(resource)
    current = context.state.by("filters", "name").get(resource["id"])
    if rec is None:
        return entry(resource, "unchanged", "the disposition record holds nothing for it: left as it is")
    if rec.get("status") == "rolled_back":
        again = "" if current is None else ": a rule of the same name is there again, left as it is"
        return entry(resource, "unchanged", "rolled back already" + again)
    if current is None:
        return entry(resource, "unchanged", "the suppression rule is gone already", record_status="rolled_back")
    if not rec.get("created"):
        return entry(resource, "unchanged", "the rule existed before the disposition: left as it is", record_status="rolled_back")
    if filter_changes({"Action": current["action"], "FindingCriteria": current["criteria"]},
                      {"Action": rec["action"], "FindingCriteria": rec["criteria"]}):
        return entry(resource, "skipped", f"the suppression rule {resource['id']} changed since the disposition made it: left as it is; "
                     "delete it by hand if it is no longer wanted")
    return entry(resource, "planned", f"delete the suppression rule {resource['id']} (the disposition created it)", record_status="rolled_back",
                 delete=True)


def apply(planned, context):
    name, changes = planned["id"], planned["changes"]
    client, detector = context.aws("guardduty"), context.settings["detector_id"]

    def run(_outputs):
        if changes["created"]:
            create_filter(client, detector, name, changes["filter"])
        else:
            update_filter(client, detector, name, changes["filter"])
        return True

    return [Step(f"guardduty_filter:{name}:filter", ("guardduty_filter", name), "create or update the suppression rule", REST, run)]


def undo(planned, context):
    name = planned["id"]
    client, detector = context.aws("guardduty"), context.settings["detector_id"]

    def run(_outputs):
        delete_filter(client, detector, name)
        return True

    return [Step(f"guardduty_filter:{name}:filter", ("guardduty_filter", name), "delete the suppression rule", REST, run)]


def record(planned):
    changes = planned["changes"]
    made = changes["filter"]
    return {"created": changes["created"], "action": made.get("Action", "ARCHIVE"), "criteria": made.get("FindingCriteria")
            or (changes["previous"] or {}).get("criteria")}


def check(where, rec, _investigation_id):
    need(rec.get("created") in (True, False) and rec.get("action") in ("ARCHIVE", "NOOP"), f"{where} has no created and action")
    criteria = rec.get("criteria")
    need(isinstance(criteria, dict) and isinstance(criteria.get("Criterion"), dict) and set(criteria["Criterion"]) <= set(RESOURCE_FIELDS.values())
         | {"type", "accountId"}, f"{where} has criteria this collection does not make")


def merge(old, new):
    """A rule an earlier disposition created stays the one rollback deletes."""
    return dict(new, created=old.get("created") or new.get("created"))


TYPE = ActionType(
    name="guardduty_filter", service_type=None, id_problem=pattern_problem(NAME, PREFIX + "and 16 hexadecimal digits"), arn=None, regional=True,
    read=read, reads={"filters": "this collection's suppression rules on the detector (name, action, criteria, description)",
                      "filter_count": "how many filters the detector has"},
    contain=contain, roll_back=roll_back, apply=apply, undo=undo, record=record, check=check, merge=merge,
    auto={"suppress": "a suppression rule for a benign finding's type on its resource (deleted on rollback)"},
    iam={
        "plan": [("ReadTheDetectorsSuppressionRules", ["guardduty:ListFilters", "guardduty:GetFilter"], FILTER_RESOURCES, None)],
        "apply": [("CreateSuppressionRules", ["guardduty:CreateFilter", "guardduty:UpdateFilter"], FILTER_RESOURCES, None)],
        "rollback": [("DeleteTheSuppressionRulesTheRecordHolds", ["guardduty:DeleteFilter"], FILTER_RESOURCES, None)],
    },
)
