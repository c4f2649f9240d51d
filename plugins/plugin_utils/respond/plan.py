# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the contain role does about the resources an investigation names: ``containment_plan``.

From what ``investigation_resources`` returns and the role's settings it decides which resources are within reach
(the investigation's account and Region, a type the role acts on, not the identity running it), what stops apply or
rollback (approval, contain_max_resources, a rollback without a containment record) and whether the risk level
keeps apply from acting. With the state the role read, the handler of each resource type (``handlers.HANDLERS``)
decides what each resource needs. It also says what the containment record holds before and after the run
(``records``): the role writes it before it changes anything, and rollback restores only from it. The role's tasks
only carry out what the plan says, with amazon.aws modules, and never template or run text from the investigation.
"""

from __future__ import annotations

import json
import re

from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_VERSION
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.risk import RISK_LEVELS as RISK_NAMES
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.risk import risk_rank
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TIME
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import Context
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.identity import acted_as
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import load_record
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import merge_records
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import new_record
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import record_entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import record_path
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import with_statuses
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.resources import caller_principal
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.state import State
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types.ec2_instance import instance_roles
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types.iam_access_key import user_tag_updates
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types.iam_role import ROLE_ACTIONS
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types.iam_user import POLICY_NAME
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types.iam_user import deny_all_policy
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types.iam_user import policy_name

MODES = ("plan", "apply", "rollback", "auto")
# contain_mode=auto (graded autonomy, contain_auto_apply): the actions it may carry out without a person, each a
# low-blast-radius one that stops an attacker's use of a credential or keeps evidence, and is undone by rollback.
AUTO_ACTIONS = {action: name for name, t in TYPES.items() for action in t.auto}  # each type says which, and what it does
AUTO_KEYS = ("actions", "risk_level", "confidence")
AUTO_RISK_LEVELS = ("Medium", "High", "Critical")
CONFIDENCE_LEVELS = ("Unknown", "Low", "Medium", "High")
DEFAULT_RECORD_DIR = "~/.ansible/secops-guardduty/contain-records"  # the role passes it expanded
STATUSES = ("pending", "planned", "done", "unchanged", "skipped")  # the engine adds "failed" once it acted
# What a person must do about the resource types the role does not act on (GuardDuty's InvestigationResourceType):
# listed in the plan next to each such resource, in the collection's words (never the AI's).
BY_HAND = {
    "EKS_CLUSTER": "no automatic action: limit the cluster's API endpoint (private, or public only from your networks), review its "
                   "access entries and aws-auth mappings, and contain the affected workloads (see KUBERNETES_WORKLOAD)",
    "KUBERNETES_WORKLOAD": "no automatic action: label the pod for forensics, isolate it with a deny-all NetworkPolicy, cordon its node, "
                           "and rotate the credentials of its service account; delete it once the evidence is kept",
    "ECS_CLUSTER": "no automatic action: record the affected tasks (task definition, role, network), stop them or scale their service "
                   "to zero, and review the task role's recent activity in CloudTrail",
    "RDS_DB_USER": "no automatic action: lock the user in the database itself (for example ACCOUNT LOCK or NOLOGIN), rotate its "
                   "password or IAM authentication, and review its grants",
}

# What no network cut of an instance can promise (EC2 security group connection tracking): said by every plan that
# quarantines an instance, and in docs/containment.md.
NETWORK_LIMITS = (
    "flows through a NAT gateway, a Network or Gateway Load Balancer, a Transit Gateway or a PrivateLink endpoint, and "
    "ICMP, are always tracked: an open one survives the security group change until it times out",
    "the instance keeps running: software on it still runs, and fetches fresh role credentials from the instance "
    "metadata service unless contain_disable_imds=true",
)


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
    record_dir = settings.get("record_dir") or DEFAULT_RECORD_DIR
    if not isinstance(record_dir, str) or not record_dir.strip() or any(c in record_dir for c in "\n\r\x00"):
        raise ContainError(f"contain_record_dir must be a directory path on the controller; got {record_dir!r}")
    if not record_dir.startswith(("/", "~")):
        raise ContainError(f"contain_record_dir must be an absolute path on the controller (or start with ~/); got {record_dir!r}")
    settings["record_dir"] = record_dir
    action = settings.get("role_action") or "revoke_sessions"
    if action not in ROLE_ACTIONS:
        raise ContainError(f"contain_role_action must be one of {', '.join(ROLE_ACTIONS)}; got {action!r}")
    settings["role_action"] = action
    for name in ("disable_imds", "asg_decrement", "network_acl"):
        if not isinstance(settings.get(name, False), bool):
            raise ContainError(f"contain_{name} must be true or false; got {settings.get(name)!r}")
    settings["auto_apply"] = _auto_policy(settings.get("auto_apply"), mode)
    time = settings.get("time")
    if time is not None and not (isinstance(time, str) and TIME.fullmatch(time)):
        raise ContainError(f"The containment time must be a UTC ISO-8601 time (YYYY-MM-DDTHH:MM:SSZ); got {time!r}")
    return settings


def _auto_policy(policy, mode):
    """contain_auto_apply, checked: {actions, risk_level, confidence}, or None when it is empty. Required by
    contain_mode=auto, and checked in every mode (a mistake in it is said at once, not at the next 3 a.m. verdict)."""
    if isinstance(policy, str) and policy.strip():
        try:
            policy = json.loads(policy)
        except ValueError as e:
            raise ContainError(f"contain_auto_apply is not valid JSON ({e}): give a dict such as "
                               '{"actions": ["deactivate_access_key"], "risk_level": "High", "confidence": "High"}') from None
    if isinstance(policy, dict) and all(v in (None, "", []) for v in policy.values()):
        policy = None
    if policy in (None, "", {}) or (isinstance(policy, str) and not policy.strip()):
        if mode == "auto":
            raise ContainError("contain_mode=auto needs contain_auto_apply: the actions that may be applied without a person "
                               f"(any of {', '.join(AUTO_ACTIONS)}) and the risk_level and confidence an investigation must "
                               "reach, for example {actions: [deactivate_access_key], risk_level: High, confidence: High}")
        return None
    if not isinstance(policy, dict):
        raise ContainError(f"contain_auto_apply must be a dict with actions, risk_level and confidence; got {type_name(policy)}")
    unknown = sorted(str(k) for k in policy if k not in AUTO_KEYS)
    if unknown:
        raise ContainError(f"contain_auto_apply has unknown keys ({', '.join(unknown)}): it takes {', '.join(AUTO_KEYS)}")
    actions = policy.get("actions")
    if isinstance(actions, str):
        actions = [actions]
    if not isinstance(actions, list) or not actions or any(a not in AUTO_ACTIONS for a in actions):
        raise ContainError(f"contain_auto_apply.actions must list one or more of {', '.join(AUTO_ACTIONS)} (every other action "
                           f"stays plan + approval); got {actions!r}")
    risk = policy.get("risk_level") or "High"
    if not isinstance(risk, str) or risk.capitalize() not in AUTO_RISK_LEVELS:
        raise ContainError(f"contain_auto_apply.risk_level must be one of {', '.join(AUTO_RISK_LEVELS)} (the lowest risk level "
                           f"acted on without a person); got {risk!r}")
    confidence = policy.get("confidence") or "High"
    if not isinstance(confidence, str) or confidence.capitalize() not in CONFIDENCE_LEVELS[1:]:
        raise ContainError(f"contain_auto_apply.confidence must be one of {', '.join(CONFIDENCE_LEVELS[1:])} (the lowest "
                           f"confidence acted on without a person); got {confidence!r}")
    return {"actions": list(dict.fromkeys(actions)), "risk_level": risk.capitalize(), "confidence": confidence.capitalize()}


def _auto_gate(found, policy):
    """Why the investigation's risk level or confidence keeps contain_mode=auto from acting, or None."""
    level, confidence = found.get("risk_level"), found.get("confidence")
    if level not in RISK_NAMES or risk_rank(level) < risk_rank(policy["risk_level"]):
        return (f"the risk level is {level or 'not assessed'}, below contain_auto_apply.risk_level={policy['risk_level']}: "
                "nothing is applied without a person; review the plan and apply it with approval")
    if confidence not in CONFIDENCE_LEVELS or CONFIDENCE_LEVELS.index(confidence) < CONFIDENCE_LEVELS.index(policy["confidence"]):
        return (f"the confidence is {confidence or 'not assessed'}, below contain_auto_apply.confidence={policy['confidence']}: "
                "nothing is applied without a person; review the plan and apply it with approval")
    return None


def _not_automatic(resource, settings):
    """Why contain_mode=auto leaves ``resource`` to a person (it is in the plan, with what apply would do), or None."""
    policy = settings["auto_apply"]
    allowed = {AUTO_ACTIONS[a] for a in policy["actions"]}
    if resource["type"] not in allowed:
        return (f"needs a person: contain_auto_apply allows only {', '.join(policy['actions'])}; "
                "review the plan and apply it with approval")
    if resource["type"] == "iam_role" and settings["role_action"] != "revoke_sessions":
        return ("needs a person: contain_role_action=deny_all is never applied without a person "
                "(contain_auto_apply revokes only a role's older sessions)")
    return None


def _no_record(inv_id, path):
    return (f"there is no containment record of investigation {inv_id} (neither contain_record nor the file {path}); "
            "rollback restores only from the record apply wrote, never from tags (an attacker can rewrite them). "
            "Give the record: the file apply wrote under contain_record_dir, or the guardduty_contain_record artifact of "
            "the apply job as contain_record (the playbook's record). Resources contained by version 0.2.0 of this role "
            "have no record: restore them by hand (docs/containment.md, \"Rolling back without a record\")")


def _given_record(found, settings, inv_id):
    """The containment record given back (the file's content and contain_record, checked and merged), or None."""
    path = record_path(settings["record_dir"], inv_id)
    account, region = found.get("account_id"), found.get("region")
    given = [load_record(settings.get("record_file"), f"the containment record file {path}", inv_id, account, region),
             load_record(settings.get("record"), "contain_record", inv_id, account, region)]
    given = [r for r in given if r is not None]
    if len(given) == 2:  # contain_record's entries replace the file's entries of the same resources
        return merge_records(given[0], given[1]["resources"], max(given[0]["updated"], given[1]["updated"]))
    return given[0] if given else None


def _records(found, settings, entries, inv_id, base, identity=None):
    """(the record to write before acting, the record once the run is done), from the record given back ``base``;
    ``identity`` (an assumed role's: acted_as()) goes with each resource the run changes."""
    time = settings.get("time")
    if settings["mode"] == "plan" or not settings.get("done") or time is None:
        return None, base  # plan, check mode: nothing is written
    if settings["mode"] == "rollback":
        statuses = {(e["type"], e["id"]): e["record_status"] for e in entries if e.get("record_status")}
        return base, (with_statuses(base, statuses, time, identity) if base is not None and statuses else base)
    pending = [record_entry(e, "pending", time, identity) for e in entries if e["status"] in ("planned", "done") and e["type"] in TYPES
               and TYPES[e["type"]].recordable(e)]
    if not pending:
        return base, base
    before = merge_records(base or new_record(inv_id, found.get("account_id"), found.get("region"), time, COLLECTION_VERSION), pending, time)
    before["role_version"] = COLLECTION_VERSION
    return before, with_statuses(before, {(e["type"], e["id"]): "applied" for e in pending}, time, identity)


def _out_of_reach(resource, found, settings):
    """Why ``resource`` is out of the role's reach, or None."""
    resource_type = resource["type"]
    if resource_type not in TYPES:
        return f"the contain role has no action for {resource_type}: review it by hand"
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


def _derived_roles(found, settings, context, given_record, entries, gate):
    """The IAM roles the role acts on without the investigation naming them: in plan and apply, the role of each
    contained instance (its sessions issued before containment are revoked: they may have been stolen from the
    instance); in rollback, those the containment record holds. Not counted against contain_max_resources."""
    named = {r["id"] for r in found["resources"] if r["type"] == "iam_role"}
    derived = {}
    base = {"type": "iam_role", "account_id": found.get("account_id"), "region": None, "countermeasure": None}
    if settings["mode"] == "rollback":
        for rec in (given_record or {}).get("resources", []):
            if rec["type"] == "iam_role" and rec["id"] not in named and rec.get("revoked_before"):
                derived[rec["id"]] = dict(base, id=rec["id"], priority=None,
                                          derived_from="the role of a contained instance, in the containment record")
        return list(derived.values())
    if context is None or (gate and settings["mode"] in ("apply", "auto")) or settings["mode"] == "auto":
        return []  # auto never contains an instance, so never its role either
    within = {e["id"] for e in entries if e["type"] == "ec2_instance" and e["status"] in ("planned", "unchanged")}
    for resource in found["resources"]:
        instance = context.state.by("instances", "instance_id").get(resource["id"]) if resource["id"] in within else None
        for role, profile in instance_roles(instance, context) if instance else []:
            if role not in named and role not in derived:
                derived[role] = dict(base, id=role, priority=resource.get("priority"), derived_from_id=resource["id"],
                                     derived_from=f"the role of instance {resource['id']}, through its instance profile {profile}")
    return list(derived.values())


def _gate(found, settings):
    """Why the risk level keeps apply from containing anything (reported in plan mode too), or None."""
    if settings["mode"] not in ("plan", "apply") or settings.get("force"):
        return None
    level = found.get("risk_level")
    if level in (None, "") or risk_rank(level) < risk_rank("Medium"):
        return f"the risk level is {level or 'not assessed'}, below Medium: nothing is contained unless contain_force=true"
    return None


def containment_plan(found, settings, state=None):
    """The plan alone (the containment_plan filter's result): see plan_with_context."""
    return plan_with_context(found, settings, state)[0]


def plan_with_context(found, settings, state=None):
    """(the plan, the Context its decisions read: None without ``state``): what containment does about each resource
    ``found`` (``investigation_resources``) names.

    Without ``state`` (the role's scope step, before it reads anything), resources within reach are ``pending``.
    With ``state`` (plain lists and dicts: see state.State), each resource is ``planned`` (with its ``changes``),
    ``unchanged`` or ``skipped`` with the reason; ``settings.done=true`` (the role carries out the plan right after)
    reports ``planned`` as ``done``. ``blocked`` lists what stops apply or rollback (approval, contain_max_resources,
    and - once the role looked for it, ``settings.record_file`` given - a rollback without a containment record);
    ``gate`` says why the risk level keeps apply from acting (reported by plan too, so that the reviewer sees it).
    The containment record comes back as ``settings.record_file`` (the file's text, or None) and ``settings.record``
    (``contain_record``); when the role acts (``done``), ``record_before`` is what it writes before it changes anything
    and ``record`` what the record holds once the run is done (``settings.time`` is the run's UTC time); otherwise
    ``record`` is the record given back.
    """
    if not isinstance(found, dict) or not isinstance(found.get("resources"), list):
        raise ContainError(f"Expected what secops.guardduty.investigation_resources returns (a dict with resources); got {type_name(found)}")
    settings = _settings(settings)
    mode = settings["mode"]
    inv_id = found.get("investigation_id")
    if not isinstance(inv_id, str) or not POLICY_NAME.fullmatch(policy_name(inv_id)):
        raise ContainError(f"The investigation id {inv_id!r} cannot name a containment (expected a GuardDuty investigation id)")
    caller = settings.get("caller_account")
    assumed = settings.get("assume_role") or None
    if caller is not None and found.get("account_id") is not None and str(caller) != found["account_id"]:
        if assumed:
            raise ContainError(
                f"The role assumed for investigation {inv_id}, {assumed['role_arn']} (contain_assume_role), gave credentials "
                f"of account {caller}, but the investigation is in account {found['account_id']}: point contain_assume_role "
                "at a role of the investigation's account, such as arn:aws:iam::{account_id}:role/SecOpsContainment "
                "(nothing was changed)"
            )
        raise ContainError(
            f"The AWS credentials belong to account {caller}, but investigation {inv_id} is in account {found['account_id']}: "
            "use credentials of the investigation's account (nothing was changed)"
        )
    identity = acted_as(settings.get("caller_arn"), assumed) if caller is not None else None
    given_record = _given_record(found, settings, inv_id) if mode != "plan" else None
    context = Context(State(state), settings, inv_id, found.get("region"), given_record) if state is not None else None
    gate = _auto_gate(found, settings["auto_apply"]) if mode == "auto" else _gate(found, settings)
    entries, within_reach = [], 0
    for resource in found["resources"]:
        reason = _out_of_reach(resource, found, settings)
        person = _not_automatic(resource, settings) if mode == "auto" and not reason else None
        if reason:
            entries.append(entry(resource, "skipped", reason))
        elif gate and mode in ("apply", "auto"):
            entries.append(entry(resource, "skipped", gate))
        elif person:
            within_reach += 1
            entries.append(entry(resource, "skipped", person))
        else:
            within_reach += 1
            entries.append(entry(resource, "pending", "within reach: the role reads its state next") if context is None
                           else TYPES[resource["type"]].decide(resource, context))
    for resource in _derived_roles(found, settings, context, given_record, entries, gate):
        reason = _out_of_reach(resource, found, settings)
        entries.append(entry(resource, "skipped", reason) if reason
                       else entry(resource, "pending", "within reach: the role reads its state next") if context is None
                       else TYPES["iam_role"].decide(resource, context))
    blocked = []
    if mode in ("apply", "rollback") and not settings.get("approved"):
        blocked.append(f"contain_mode={mode} needs contain_approved=true (in AWX: the approval node)")
    if within_reach > settings["max_resources"]:
        blocked.append(f"{within_reach} resources are within reach, more than contain_max_resources={settings['max_resources']}: "
                       "review them and raise contain_max_resources to go on")
    if mode == "rollback" and "record_file" in settings and given_record is None:
        blocked.append(_no_record(inv_id, record_path(settings["record_dir"], inv_id)))
    record_before, record = (_records(found, settings, entries, inv_id, given_record, identity if assumed else None) if context is not None
                             else (None, given_record))
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
        "confidence": found.get("confidence"),
        "mode": mode,
        "auto_apply": settings["auto_apply"] if mode == "auto" else None,
        "identity": identity,
        "blocked": blocked,
        "gate": gate,
        "counts": counts,
        "resources": entries,
        "unrecognised": [dict(item, by_hand=BY_HAND[item["type"]]) if isinstance(item, dict) and item.get("type") in BY_HAND else item
                         for item in found.get("unrecognised") or []],
        "user_tag_updates": user_tag_updates(context) if context is not None and mode == "rollback" else [],
        "record_path": record_path(settings["record_dir"], inv_id),
        "record_before": record_before,
        "record": record,
        "limits": list(NETWORK_LIMITS) if mode != "rollback" and any(
            e["type"] == "ec2_instance" and e["status"] in ("planned", "done") for e in entries) else [],
        "deny_policy_name": policy_name(inv_id),
        "deny_policy": deny_all_policy(),
    }, context
