# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""GuardDuty filters (suppression rules): checked, read, compared and changed.

Each step is a function of a GuardDuty client (the collection's retries), so the guardduty_filter module and the
disposition engine call the same code:

- ``filter_criteria(client, criteria)``: the criteria a user (or the engine) gives -> the API's FindingCriteria, every
  field and operator checked before any call (one message for all that is wrong);
- ``read_filter(client, detector_id, name)``: GetFilter, None when there is no such filter;
- ``filter_changes(current, wanted)``: the UpdateFilter parameters that differ;
- ``create_filter`` / ``update_filter`` / ``delete_filter`` / ``list_filters``;
- ``ensure_filter(client, detector_id, name, wanted, state, check_mode)``: all of it, (changed, before, after).

The criteria's form: ``{field: {operator: value}}``. A field is GuardDuty's criterion field as it documents it
(``type``, ``severity``, ``resource.instanceDetails.instanceId``, ``service.archived``: finding_criteria.py), never
converted. An operator is a member of the model's ``Condition`` shape in snake_case (``equals``, ``not_equals``,
``greater_than_or_equal``, ``matches``...) or as the API spells it (``Equals``, ``NotEquals``...); the deprecated
ones (``eq``, ``neq``, ``gt``, ``gte``, ``lt``, ``lte``) are sent as their current names (GuardDuty treats them
alike), so a filter read back compares equal whichever was used. ``{"criterion": {...}}`` (a GetFilter answer's
FindingCriteria) is taken too.
"""

from __future__ import annotations

import difflib
import re
import uuid

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.secops.guardduty.plugins.module_utils.client import guardduty_client
from ansible_collections.secops.guardduty.plugins.module_utils.client import paginate
from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.finding_criteria import CRITERION_FIELDS
from ansible_collections.secops.guardduty.plugins.module_utils.finding_criteria import TIMESTAMP_FIELDS
from ansible_collections.secops.guardduty.plugins.module_utils.model import parse_time
from ansible_collections.secops.guardduty.plugins.module_utils.options import _check_string
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader

# The deprecated operators of the Condition shape and the current ones GuardDuty treats them as (API reference).
DEPRECATED_OPERATORS = {
    "Eq": "Equals",
    "Neq": "NotEquals",
    "Gt": "GreaterThan",
    "Gte": "GreaterThanOrEqual",
    "Lt": "LessThan",
    "Lte": "LessThanOrEqual",
}
# At most this many values in a list condition (each Condition member's documentation: "Max values: 50"), unless the
# model says less (Matches: 5).
MAX_VALUES = 50
# A filter name: letters, digits, period, underscore and dash (CreateFilter's documentation; the model has 3 to 64).
FILTER_NAME_RE = re.compile(r"[A-Za-z0-9._-]+", re.ASCII)
ACTIONS = {"archive": "ARCHIVE", "noop": "NOOP"}
NOT_FOUND = (("BadRequestException", "no such resource"),)

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    detector_id=dict(type="str"),
    action=dict(type="str", choices=list(ACTIONS)),
    rank=dict(type="int"),
    description=dict(type="str"),
    criteria=dict(type="dict"),
)


# ---------------------------------------------------------------- criteria


def _key(text):
    return str(text).replace("_", "").lower()


def condition_operators(client):
    """{spelling: Condition member} for every operator of the model's Condition shape, in any case, with or without
    underscores (``not_equals``, ``NotEquals``, ``notequals``)."""
    return {_key(name): name for name in client.meta.service_model.shape_for("Condition").members}


def _snake(operator):
    return next(iter(camel_dict_to_snake_dict({operator: None})))


def _list_value(value, field, operator, limit, problems):
    values = value if isinstance(value, list) else [value]
    out = []
    for item in values:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (int, float)):
            out.append(str(int(item)) if float(item).is_integer() else str(item))
        elif isinstance(item, str) and item.strip():
            out.append(item)
        else:
            problems.append(f"{field}.{operator}: {item!r} is not a value (give strings, numbers or true/false)")
    if not values:
        problems.append(f"{field}.{operator}: the list is empty (give 1 to {limit} values)")
    elif len(values) > limit:
        problems.append(f"{field}.{operator}: {len(values)} values, at most {limit}")
    return out


def _number_value(value, field, operator, problems):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if field in TIMESTAMP_FIELDS:
        try:
            moment = parse_time(value)
        except ValueError:
            moment = None
        if moment is not None:
            return int(moment.timestamp() * 1000)
        problems.append(f"{field}.{operator}: {value!r} is not a time (epoch milliseconds, or an ISO-8601 time such as 2026-12-01T00:00:00Z)")
        return None
    problems.append(f"{field}.{operator}: {value!r} is not a whole number")
    return None


def _unwrapped(criteria):
    if isinstance(criteria, dict) and len(criteria) == 1 and _key(next(iter(criteria))) == "criterion":
        return next(iter(criteria.values()))
    return criteria


def filter_criteria(client, criteria):
    """The API's FindingCriteria for ``criteria`` (see the module docstring), in the current operator names; one
    invalid() naming every unknown field, unknown operator and bad value, before any call."""
    criteria = _unwrapped(criteria)
    if not isinstance(criteria, dict) or not criteria:
        raise invalid("criteria must be a mapping of at least one finding criterion field to its conditions, e.g. {type: {equals: [Recon:EC2/Portscan]}}")
    operators = condition_operators(client)
    shape = client.meta.service_model.shape_for("Condition")
    problems, criterion = [], {}
    for field, conditions in criteria.items():
        if field not in CRITERION_FIELDS:
            close = difflib.get_close_matches(str(field), CRITERION_FIELDS, n=1)
            problems.append(f"unknown criterion field {field!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            continue
        if not isinstance(conditions, dict) or not conditions:
            problems.append(f"{field}: give its conditions as a mapping of operator to value, e.g. {{equals: [value]}}")
            continue
        out = {}
        for given, value in conditions.items():
            member = operators.get(_key(given))
            if member is None:
                problems.append(f"{field}: unknown operator {given!r}")
                continue
            member = DEPRECATED_OPERATORS.get(member, member)
            if member in out:
                problems.append(f"{field}: {given!r} repeats the operator {_snake(member)} (deprecated names are the same operator)")
                continue
            member_shape = shape.members[member]
            if member_shape.type_name == "list":
                out[member] = _list_value(value, field, _snake(member), int(member_shape.metadata.get("max") or MAX_VALUES), problems)
            else:
                out[member] = _number_value(value, field, _snake(member), problems)
        criterion[field] = out
    if any("unknown operator" in problem for problem in problems):
        valid = sorted({_snake(DEPRECATED_OPERATORS.get(name, name)) for name in shape.members})
        problems.append("valid operators: " + ", ".join(valid) + " (or the API's names; eq, neq, gt, gte, lt, lte are the deprecated forms)")
    if problems:
        raise invalid("Invalid criteria, nothing was called: " + "; ".join(problems) + ". The fields are those GuardDuty documents for filters "
                      "(https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateFilter.html)")
    return {"Criterion": criterion}


def _canonical(finding_criteria):
    """FindingCriteria with current operator names and list values in order, for comparing."""
    out = {}
    for field, conditions in ((finding_criteria or {}).get("Criterion") or {}).items():
        canonical = {}
        for name, value in (conditions or {}).items():
            if value is None:
                continue
            current = DEPRECATED_OPERATORS.get(name, name)
            if current in canonical and name != current:
                continue  # the current name given beside its deprecated twin wins
            canonical[current] = sorted(str(item) for item in value) if isinstance(value, list) else value
        out[field] = canonical
    return out


def criteria_result(finding_criteria):
    """FindingCriteria as results show it: {field: {snake_case operator: value}} (fields as GuardDuty names them)."""
    out = {}
    for field, conditions in ((finding_criteria or {}).get("Criterion") or {}).items():
        shown = {}
        for name, value in (conditions or {}).items():
            if value is not None:
                shown.setdefault(_snake(DEPRECATED_OPERATORS.get(name, name)), value)
        out[field] = shown
    return out


# ---------------------------------------------------------------- the other options


def check_filter_name(client, name):
    _check_string(client, "FilterName", name, "filter name")
    if not FILTER_NAME_RE.fullmatch(name):
        raise invalid(f"Invalid filter name {name!r}: it may only hold letters, digits, period (.), underscore (_) and dash (-)")
    return name


def check_rank(client, rank):
    meta = client.meta.service_model.shape_for("FilterRank").metadata
    low, high = meta.get("min", 1), meta.get("max", 100)
    if isinstance(rank, bool) or not isinstance(rank, int) or not low <= rank <= high:
        raise invalid(f"rank must be a whole number from {low} to {high} (the filter's position, 1 first), got {rank!r}")
    return rank


def wanted_filter(client, action=None, rank=None, description=None, criteria=None):
    """What the caller wants, in the API's members (None: not managed): Action, Rank, Description, FindingCriteria."""
    wanted = {}
    if action is not None:
        if action not in ACTIONS:
            raise invalid(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
        wanted["Action"] = ACTIONS[action]
    if rank is not None:
        wanted["Rank"] = check_rank(client, rank)
    if description is not None:
        wanted["Description"] = description if description == "" else _check_string(client, "FilterDescription", description, "description")
    if criteria is not None:
        wanted["FindingCriteria"] = filter_criteria(client, criteria)
    return wanted


def filter_changes(current, wanted):
    """The UpdateFilter parameters whose wanted value differs from ``current`` (a GetFilter answer)."""
    changes = {}
    for member, value in wanted.items():
        if member == "FindingCriteria":
            if _canonical(value) != _canonical(current.get(member)):
                changes[member] = value
        elif (current.get(member) or ("" if member == "Description" else None)) != value:
            changes[member] = value
    return changes


def filter_result(filter_data):
    """A GetFilter answer as results show it (None for no filter)."""
    if filter_data is None:
        return None
    return {
        "name": filter_data["Name"],
        "action": filter_data.get("Action"),
        "rank": filter_data.get("Rank"),
        "description": filter_data.get("Description") or "",
        "criteria": criteria_result(filter_data.get("FindingCriteria")),
    }


# ---------------------------------------------------------------- the calls


@AWSCallHandler.calling("guardduty:GetFilter", "filter {name} of detector {detector_id}", missing=NOT_FOUND)
def _get_filter(client, detector_id, name):
    return client.get_filter(aws_retry=True, DetectorId=detector_id, FilterName=name)


def read_filter(client, detector_id, name):
    """GetFilter's answer (without ResponseMetadata), or None when the detector has no filter of that name."""
    try:
        found = _get_filter(client, detector_id, name)
    except GuardDutyError as e:
        if e.reason == "missing":
            return None
        raise
    return {key: value for key, value in found.items() if key != "ResponseMetadata"}


@AWSCallHandler.calling("guardduty:CreateFilter", "filter {name} of detector {detector_id}")
def create_filter(client, detector_id, name, wanted, client_token=None):
    """CreateFilter with ``wanted`` (wanted_filter's members; FindingCriteria needed). One ClientToken for the task, so
    that a retried call does not create a second filter."""
    params = dict(wanted, DetectorId=detector_id, Name=name, ClientToken=client_token or uuid.uuid4().hex)
    return client.create_filter(aws_retry=True, **params)["Name"]


@AWSCallHandler.calling("guardduty:UpdateFilter", "filter {name} of detector {detector_id}")
def update_filter(client, detector_id, name, changes):
    client.update_filter(aws_retry=True, DetectorId=detector_id, FilterName=name, **changes)


@AWSCallHandler.calling("guardduty:DeleteFilter", "filter {name} of detector {detector_id}")
def delete_filter(client, detector_id, name):
    client.delete_filter(aws_retry=True, DetectorId=detector_id, FilterName=name)


@AWSCallHandler.calling("guardduty:ListFilters", "the filters of detector {detector_id}")
def list_filters(client, detector_id):
    """The names of every filter of the detector (every page)."""
    return paginate(client, "list_filters", "FilterNames", DetectorId=detector_id)


def ensure_filter(client, detector_id, name, wanted, state="present", check_mode=False):
    """Make the filter ``name`` be as ``wanted`` (wanted_filter's members) or absent: (changed, before, after), each a
    GetFilter answer or None; in check mode ``after`` is what it would be (a new filter's rank, which GuardDuty
    chooses, None)."""
    before = read_filter(client, detector_id, name)
    if state == "absent":
        if before is not None and not check_mode:
            delete_filter(client, detector_id, name)
        return before is not None, before, None
    if before is None:
        if "FindingCriteria" not in wanted:
            raise invalid(f"There is no filter {name} on detector {detector_id} to update, and creating it needs criteria: give criteria")
        if check_mode:
            return True, None, dict({"Name": name, "Action": "NOOP", "Rank": None}, **wanted)
        create_filter(client, detector_id, name, wanted)
        return True, None, read_filter(client, detector_id, name)
    changes = filter_changes(before, wanted)
    if not changes:
        return False, before, before
    if check_mode:
        return True, before, dict(before, **changes)
    update_filter(client, detector_id, name, changes)
    return True, before, read_filter(client, detector_id, name)


# ---------------------------------------------------------------- the guardduty_filter module


def run_filter_module(module):
    """guardduty_filter: check everything, resolve the detector, read, create / update what differs / delete."""
    params = module.params
    managed = ("action", "rank", "description", "criteria")
    try:
        client = guardduty_client(module)
        name = check_filter_name(client, params["name"])
        if params["state"] == "absent":
            given = [option for option in managed if params.get(option) is not None]
            if given:
                raise invalid(f"{', '.join(given)} only apply with state=present (state=absent deletes the filter {name})")
        wanted = wanted_filter(client, params.get("action"), params.get("rank"), params.get("description"), params.get("criteria"))
        detector_id = InvestigationReader(client, region=module.region).resolve_detector(params.get("detector_id"))
        changed, before, after = ensure_filter(client, detector_id, name, wanted, params["state"], module.check_mode)
    except GuardDutyError as e:
        module.fail_json_aws_error(e)
    before, after = filter_result(before), filter_result(after)
    result = dict(changed=changed, detector_id=detector_id, filter=after, before=before, after=after)
    if module._diff:
        result["diff"] = {"before": before or {}, "after": after or {}}
    module.exit_json(**result)
