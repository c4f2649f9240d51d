# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the contain role does about the resources an investigation names: ``containment_plan``.

From what ``investigation_resources`` returns and the role's settings it decides which resources are within reach
(the investigation's account and Region, a type the role acts on, not the identity running it), what stops apply or
rollback (approval, contain_max_resources) and whether the risk level keeps apply from acting. With the state the
role read, the handler of each resource type (``handlers.HANDLERS``) decides what each resource needs. The role's
tasks only carry out what the plan says, with amazon.aws modules, and never template or run text from the
investigation.
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.handlers import HANDLERS
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.handlers import Context
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.handlers import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.handlers import user_tag_updates
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import POLICY_NAME
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import deny_all_policy
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import policy_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.resources import caller_principal
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.state import State
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.risk import risk_rank
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name

MODES = ("plan", "apply", "rollback")
STATUSES = ("pending", "planned", "done", "unchanged", "skipped")


def _settings(settings):
    settings = dict(settings or {})
    mode = settings.get("mode", "plan")
    if mode not in MODES:
        raise ContainError(f"contain_mode must be one of {', '.join(MODES)}; got {mode!r}")
    try:
        maximum = int(settings.get("max_resources", 20))
    except (TypeError, ValueError):
        maximum = 0
    if maximum < 1:
        raise ContainError(f"contain_max_resources must be a whole number of at least 1; got {settings.get('max_resources')!r}")
    settings["mode"], settings["max_resources"] = mode, maximum
    group = settings.get("quarantine_group_name") or "secops-guardduty-quarantine"
    if not isinstance(group, str) or not re.fullmatch(r"[\w .:/()#,@\[\]+=&;{}!$*-]{1,255}", group, re.ASCII) or group.lower().startswith("sg-"):
        raise ContainError(f"contain_quarantine_group_name must be a security group name (1-255 characters, not starting with sg-); got {group!r}")
    settings["quarantine_group_name"] = group
    return settings


def _out_of_reach(resource, found, settings):
    """Why ``resource`` is out of the role's reach, or None."""
    resource_type = resource["type"]
    if resource_type not in HANDLERS:
        return "the contain role has no action for security groups: review the group's rules by hand"
    if found.get("account_id") is None:
        return "the investigation names no account (cloud.account), so nothing can be matched to it"
    if resource["account_id"] != found["account_id"]:
        return f"in account {resource['account_id']}, not the investigation's account {found['account_id']}"
    if resource.get("region") is not None and resource["region"] != found.get("region"):
        return f"in Region {resource['region']}, not the investigation's Region {found.get('region')}"
    if resource_type == "iam_access_key" and resource["id"].startswith("ASIA"):
        return "a temporary (ASIA) access key cannot be deactivated: contain the role or user that issued it"
    if (resource_type, resource["id"]) == caller_principal(settings.get("caller_arn")):
        return ("this is the identity running the containment: denying it would stop this run and any rollback; "
                "contain it by hand with other credentials")
    return None


def _gate(found, settings):
    """Why the risk level keeps apply from containing anything (reported in plan mode too), or None."""
    if settings["mode"] not in ("plan", "apply") or settings.get("force"):
        return None
    level = found.get("risk_level")
    if level in (None, "") or risk_rank(level) < risk_rank("Medium"):
        return f"the risk level is {level or 'not assessed'}, below Medium: nothing is contained unless contain_force=true"
    return None


def containment_plan(found, settings, state=None):
    """What the contain role does about each resource ``found`` (``investigation_resources``) names.

    Without ``state`` (the role's scope step, before it reads anything), resources within reach are ``pending``.
    With ``state`` (plain lists and dicts: see state.State), each resource is ``planned`` (with its ``changes``),
    ``unchanged`` or ``skipped`` with the reason; ``settings.done=true`` (the role carries out the plan right after)
    reports ``planned`` as ``done``. ``blocked`` lists what stops apply or rollback (approval, contain_max_resources);
    ``gate`` says why the risk level keeps apply from acting (reported by plan too, so that the reviewer sees it).
    """
    if not isinstance(found, dict) or not isinstance(found.get("resources"), list):
        raise ContainError(f"Expected what secops.guardduty.investigation_resources returns (a dict with resources); got {type_name(found)}")
    settings = _settings(settings)
    mode = settings["mode"]
    inv_id = found.get("investigation_id")
    if not isinstance(inv_id, str) or not POLICY_NAME.fullmatch(policy_name(inv_id)):
        raise ContainError(f"The investigation id {inv_id!r} cannot name a containment (expected a GuardDuty investigation id)")
    caller = settings.get("caller_account")
    if caller is not None and found.get("account_id") is not None and str(caller) != found["account_id"]:
        raise ContainError(
            f"The AWS credentials belong to account {caller}, but investigation {inv_id} is in account {found['account_id']}: "
            "use credentials of the investigation's account (nothing was changed)"
        )
    context = Context(State(state), settings, inv_id, found.get("region")) if state is not None else None
    gate = _gate(found, settings)
    entries, within_reach = [], 0
    for resource in found["resources"]:
        reason = _out_of_reach(resource, found, settings)
        if reason:
            entries.append(entry(resource, "skipped", reason))
        elif gate and mode == "apply":
            entries.append(entry(resource, "skipped", gate))
        else:
            within_reach += 1
            entries.append(entry(resource, "pending", "within reach: the role reads its state next") if context is None
                           else HANDLERS[resource["type"]].decide(resource, context))
    blocked = []
    if mode != "plan" and not settings.get("approved"):
        blocked.append(f"contain_mode={mode} needs contain_approved=true (in AWX: the approval node)")
    if within_reach > settings["max_resources"]:
        blocked.append(f"{within_reach} resources are within reach, more than contain_max_resources={settings['max_resources']}: "
                       "review them and raise contain_max_resources to go on")
    if settings.get("done"):
        for item in entries:
            if item["status"] == "planned":
                item["status"] = "done"
    counts = {status: sum(1 for e in entries if e["status"] == status) for status in STATUSES}
    counts["unrecognised"] = len(found.get("unrecognised") or [])
    return {
        "investigation_id": inv_id,
        "account_id": found.get("account_id"),
        "region": found.get("region"),
        "risk_level": found.get("risk_level"),
        "mode": mode,
        "blocked": blocked,
        "gate": gate,
        "counts": counts,
        "resources": entries,
        "unrecognised": found.get("unrecognised") or [],
        "user_tag_updates": user_tag_updates(context) if context is not None and mode == "rollback" else [],
        "deny_policy_name": policy_name(inv_id),
        "deny_policy": deny_all_policy(),
    }
