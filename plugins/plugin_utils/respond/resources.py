# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which resources an investigation names, typed and checked: what ``investigation_resources`` returns.

It reads an investigation as the modules and the lookup return it (snake_case; structured summary ``summary_data`` or
a text summary holding JSON, ``records``) through the investigation model (``summary_of``, ``affected_resources``)
and returns the resources the ``contain`` role can act on (EC2 instances, IAM access keys, IAM users, IAM roles, S3
buckets, security groups, Lambda functions, EBS volumes, RDS DB instances) as a typed, de-duplicated list. Every
identifier is checked against the AWS pattern of its type; anything else (other resource types, malformed or
ambiguous identifiers, ARNs of the wrong service) goes to ``unrecognised`` with the reason. CLI commands the AI
suggested are never returned; the countermeasure a resource came from is kept as descriptive, untrusted text.
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.module_utils.model import affected_resources
from ansible_collections.secops.guardduty.plugins.module_utils.model import summary_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import PRIORITIES
from ansible_collections.secops.guardduty.plugins.module_utils.model import as_dict
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import investigation_in
from ansible_collections.secops.guardduty.plugins.module_utils.model import ACCOUNT_ID
from ansible_collections.secops.guardduty.plugins.module_utils.model import REGION_NAME
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import plain
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES

# the service's resource type (InvestigationResourceType) -> the resource_type this collection returns: one per action type
RESOURCE_TYPE_OF = {t.service_type: name for name, t in TYPES.items()}
RESOURCE_TYPES = tuple(TYPES)
ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)", re.ASCII)

PRIORITY_ORDER = {p: i for i, p in enumerate(PRIORITIES)}
MAX_TEXT = 512  # countermeasure text kept per resource (a reminder of why, not the whole AI narrative)


def _text(value):
    return value if isinstance(value, str) else None


def _short(value):
    text = _text(value)
    if text is None:
        return None
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "\u2026"


def id_problem(resource_type, value):
    """Why ``value`` is not an identifier of ``resource_type``, or None when it is one."""
    if not isinstance(value, str):
        return f"the identifier is a {type_name(value)}, not a string"
    problem = TYPES[resource_type].id_problem(value)
    return f"{value!r} is not a valid {resource_type} identifier (expected {problem})" if problem else None


def parse_arn(resource_type, arn):
    """(id, account_id, region, owner_user) from an ARN of ``resource_type``; ValueError with the reason."""
    match = ARN.fullmatch(arn)
    if not match:
        raise ValueError(f"{arn!r} is not an ARN (arn:partition:service:region:account:resource)")
    _partition, service, region, account, resource = match.groups()
    ident, account, region, owner = TYPES[resource_type].arn(arn, service, region, account, resource)
    return ident, account or None, region or None, owner


def caller_principal(arn):
    """(iam_user, name) or (iam_role, name) of the caller's ARN (aws_caller_info), or None."""
    match = ARN.fullmatch(arn) if isinstance(arn, str) else None
    if not match:
        return None
    service, resource = match.group(2), match.group(5)
    if service == "iam" and resource.startswith("user/"):
        return "iam_user", resource.rsplit("/", 1)[1]
    if service == "sts" and resource.startswith("assumed-role/") and resource.count("/") >= 2:
        return "iam_role", resource.split("/")[1]
    return None


def _context(inv):
    cloud, scope = as_dict(inv.get("cloud")), as_dict(inv.get("scope"))
    account = _text(cloud.get("account")) or _text(scope.get("account_id"))
    region = _text(cloud.get("region"))
    return (account if account and ACCOUNT_ID.fullmatch(account) else None), (region if region and REGION_NAME.fullmatch(region) else None)


def _named(inv, summary):
    """(service type, identifier, arn, where, priority, countermeasure, sibling users) for every resource the model names.

    Only a countermeasure's resources are read with their ARN: the account analysis's and the records' are read by
    identifier (as the contain role always has).
    """
    for named in affected_resources(inv, summary):
        action = named["action"]
        if action is None:
            yield named["type"], named["identifier"], None, named["path"], None, None, []
            continue
        group, item = action["group"], action["action"]
        priority = item.get("priority") if item.get("priority") in PRIORITY_ORDER else None
        countermeasure = {
            "defense_tactic": _short(group.get("defense_tactic")),
            "title": _short(item.get("title")),
            "description": _short(item.get("description")),
            "disposition": _short(item.get("disposition")),
        }
        users = [r.get("identifier") for r in action["resources"] if r.get("type") == "IAM_USER"]
        yield named["type"], named["identifier"], named["arn"], named["path"], priority, countermeasure, users


def _resolve(resource_type, identifier, arn, inv_account, inv_region):
    """The resource dict (without priority/countermeasure) or a reason string."""
    account, region = inv_account, (inv_region if TYPES[resource_type].regional else None)
    identifier_is_arn = isinstance(identifier, str) and identifier.startswith("arn:")
    parsed = []
    for candidate in (arn, identifier if identifier_is_arn else None):
        if candidate in (None, ""):
            continue
        if not isinstance(candidate, str):
            return f"the ARN is a {type_name(candidate)}, not a string"
        try:
            parsed.append((candidate,) + parse_arn(resource_type, candidate))
        except ValueError as e:
            return str(e)
    names = {(ident, acct, reg) for _arn, ident, acct, reg, _owner in parsed if ident is not None}
    bare = identifier if identifier not in (None, "") and not identifier_is_arn else None
    if len(names) > 1 or (bare is not None and any(ident != bare for ident, _acct, _reg in names)):
        shown = [repr(identifier)] if bare is not None else []
        return f"the identifier and ARN name different resources ({', '.join(shown + [repr(p[0]) for p in parsed])})"
    ident = bare if bare is not None else next((name[0] for name in names), None)
    owner = None
    for _arn, _ident, arn_account, arn_region, arn_owner in parsed:
        account = arn_account or account
        if TYPES[resource_type].regional:
            region = arn_region
        owner = arn_owner or owner
    if ident in (None, ""):
        return "no identifier"
    problem = id_problem(resource_type, ident)
    if problem:
        return problem
    ident = TYPES[resource_type].normal(ident)  # RDS keeps DB instance identifiers in lowercase and matches them ignoring case
    resource = {"type": resource_type, "id": ident, "account_id": account, "region": region}
    if resource_type == "iam_access_key":
        resource["user_name"] = owner
    return resource


def investigation_resources(value):
    """{"resources": [...], "unrecognised": [...]} for an investigation (see the module docstring)."""
    inv = plain(investigation_in(value))
    inv_account, inv_region = _context(inv)
    summary = summary_of(inv)[0]
    merged = {}
    unrecognised = []
    for service_type, identifier, arn, where, priority, countermeasure, users in _named(inv, summary):
        resource_type = RESOURCE_TYPE_OF.get(service_type) if isinstance(service_type, str) else None
        shown = identifier if identifier not in (None, "") else arn
        if resource_type is None:
            reason = (f"resource type {service_type!r} is not one the contain role acts on ({', '.join(RESOURCE_TYPE_OF)})"
                      if isinstance(service_type, str) and service_type else "no resource type")
            unrecognised.append({"type": service_type, "id": shown, "source": where, "reason": reason})
            continue
        resolved = _resolve(resource_type, identifier, arn, inv_account, inv_region)
        if isinstance(resolved, str):
            unrecognised.append({"type": service_type, "id": shown, "source": where, "reason": resolved})
            continue
        if resource_type == "iam_access_key" and resolved["user_name"] is None:
            owners = sorted({u for u in users if isinstance(u, str) and not id_problem("iam_user", u)})
            resolved["user_name"] = owners[0] if len(owners) == 1 else None
        key = (resource_type, resolved["id"], resolved["account_id"], resolved["region"])
        entry = merged.get(key)
        if entry is None:
            entry = merged[key] = dict(resolved, priority=priority, countermeasure=countermeasure, sources=[where])
            continue
        entry["sources"].append(where)
        if resource_type == "iam_access_key" and entry["user_name"] is None:
            entry["user_name"] = resolved["user_name"]
        if priority is not None and (entry["priority"] is None or PRIORITY_ORDER[priority] < PRIORITY_ORDER[entry["priority"]]):
            entry["priority"], entry["countermeasure"] = priority, countermeasure
        elif entry["countermeasure"] is None and countermeasure is not None:
            entry["countermeasure"] = countermeasure
    seen = set()
    unique = []
    for item in unrecognised:
        key = (repr(item["type"]), repr(item["id"]), item["reason"])
        if key not in seen:
            seen.add(key)
            unique.append(item)
    order = {resource_type: i for i, resource_type in enumerate(RESOURCE_TYPES)}
    resources = sorted(merged.values(), key=lambda r: (PRIORITY_ORDER.get(r["priority"], len(PRIORITY_ORDER)), order[r["type"]]))
    return {
        "investigation_id": inv.get("investigation_id"),
        "account_id": inv_account,
        "region": inv_region,
        "risk_level": inv.get("risk_level"),
        "confidence": inv.get("confidence"),
        "resources": resources,
        "unrecognised": unique,
    }
