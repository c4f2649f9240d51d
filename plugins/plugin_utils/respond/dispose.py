# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The disposition of an investigation's findings, on the response engine: what the ``disposition`` action (and the
``dispose`` role) runs.

The verdict's class decides what each finding gets (``dispose_policy`` overrides any of it):

- benign (risk Info or Low, confidence Medium or High): archived, feedback ``not_useful`` with a comment naming the
  investigation, Security Hub ``SUPPRESSED`` / ``BENIGN_POSITIVE`` with a note; with ``dispose_suppress``, a suppression
  rule built only from GuardDuty's structured fields (types/guardduty_filter.py);
- true positive (risk High or Critical, confidence Medium or High): left active, feedback ``useful``, Security Hub
  ``NOTIFIED`` / ``TRUE_POSITIVE`` with a note; ``RESOLVED`` once a containment record of the same investigation shows
  it applied;
- uncertain (anything else): a Security Hub note only, and the plan says a person must decide.

Which findings: the investigation's own (its scope) and those its structured summary and records name (representative
resources, finding details, the attacks' finding references, malware scans' triggers), each checked against
GuardDuty's finding id pattern, then read from the investigation's detector: only those of the investigation's account
and Region are acted on. Nothing is taken from the AI's free text or commands.

The run is the engine's (engine.py): scope, read (the types side by side), plan, record (a disposition record, as the
containment record: dispose_record_dir, mode 0600, the guardduty_dispose_record artifact), steps, record.
"""

from __future__ import annotations

import json
import os
import time

from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_VERSION
from ansible_collections.secops.guardduty.plugins.module_utils.model import FINDING_ID_RE
from ansible_collections.secops.guardduty.plugins.module_utils.model import as_dict
from ansible_collections.secops.guardduty.plugins.module_utils.model import as_list
from ansible_collections.secops.guardduty.plugins.module_utils.model import console_url
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import CUT_MARKER
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import GUARDDUTY_ARN_RE
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import MAX_NOTE
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import fit_note
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import investigation_in
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import plain
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import plain_line
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import engine
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TIME
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import Context
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import CONTAINMENT
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import Kind
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import load_record
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import merge_records
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import new_record
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import read_record_file
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import record_entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import record_path
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import with_statuses
from ansible_collections.secops.guardduty.plugins.module_utils.model import ACCOUNT_ID
from ansible_collections.secops.guardduty.plugins.module_utils.model import REGION_NAME
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.state import State
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.state import merge_states
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import DISPOSE_TYPES
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types.guardduty_filter import rule_for
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types.guardduty_finding import FEEDBACK_FINAL

DISPOSITION = Kind(DISPOSE_TYPES, "disposition record", "guardduty_dispose_record", "dispose_record_dir")
MODES = ("plan", "apply", "rollback", "auto")
CLASSES = ("benign", "true_positive", "uncertain")
CONFIDENCE_LEVELS = ("Unknown", "Low", "Medium", "High")
DEFAULT_POLICY = {
    "benign": {"archived": True, "feedback": "not_useful", "workflow_status": "SUPPRESSED", "verification_state": "BENIGN_POSITIVE",
               "note": True, "suppress": False},
    "true_positive": {"archived": None, "feedback": "useful", "workflow_status": "NOTIFIED", "verification_state": "TRUE_POSITIVE",
                      "note": True, "suppress": False, "resolved_when_contained": True},
    "uncertain": {"archived": None, "feedback": None, "workflow_status": None, "verification_state": None, "note": True, "suppress": False},
}
CHOICES = {"archived": (True, False, None), "feedback": ("useful", "not_useful", None),
           "workflow_status": ("NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED", None),
           "verification_state": ("UNKNOWN", "TRUE_POSITIVE", "FALSE_POSITIVE", "BENIGN_POSITIVE", None),
           "note": (True, False), "suppress": (True, False), "resolved_when_contained": (True, False)}
AUTO_ACTIONS = {action: name for name, t in DISPOSE_TYPES.items() for action in t.auto}
DEFAULT_RECORD_DIR = "~/.ansible/secops-guardduty/dispose-records"
WORDS = {"benign": "benign", "true_positive": "true positive", "uncertain": "uncertain"}


def verdict_class(risk, confidence):
    """benign, true_positive or uncertain, from the investigation's risk level and confidence."""
    sure = confidence in ("Medium", "High")
    if sure and risk in ("Info", "Low"):
        return "benign"
    if sure and risk in ("High", "Critical"):
        return "true_positive"
    return "uncertain"


def _parsed(value, name):
    if isinstance(value, str) and value.strip():
        try:
            return json.loads(value)
        except ValueError as e:
            raise ContainError(f"{name} is not valid JSON ({e}): give a dict") from None
    return value


def check_policy(policy):
    """dispose_policy over the defaults, checked: {class: {what: value}}; one message for all that is wrong."""
    policy = _parsed(policy, "dispose_policy")
    if policy in (None, "", {}):
        return json.loads(json.dumps(DEFAULT_POLICY))
    if not isinstance(policy, dict):
        raise ContainError(f"dispose_policy must be a dict of verdict classes ({', '.join(CLASSES)}); got {type_name(policy)}")
    merged, problems = json.loads(json.dumps(DEFAULT_POLICY)), []
    for name, given in policy.items():
        if name not in CLASSES:
            problems.append(f"{name!r} is not a verdict class ({', '.join(CLASSES)})")
            continue
        if not isinstance(given, dict):
            problems.append(f"{name} must be a dict; got {type_name(given)}")
            continue
        for key, value in given.items():
            if key not in CHOICES:
                problems.append(f"{name}.{key} is not a setting ({', '.join(CHOICES)})")
            elif value not in CHOICES[key]:
                problems.append(f"{name}.{key} must be one of {', '.join('null' if c is None else str(c) for c in CHOICES[key])}; got {value!r}")
            else:
                merged[name][key] = value
    if problems:
        raise ContainError("dispose_policy is not valid, nothing was read or changed: " + "; ".join(problems))
    return merged


def check_auto(policy, mode):
    """dispose_auto_apply, checked: {actions, confidence}, or None when empty. Required by dispose_mode=auto."""
    policy = _parsed(policy, "dispose_auto_apply")
    if isinstance(policy, dict) and all(v in (None, "", []) for v in policy.values()):
        policy = None
    if policy in (None, "", {}):
        if mode == "auto":
            raise ContainError("dispose_mode=auto needs dispose_auto_apply: the actions that may be applied without a person (any of "
                               f"{', '.join(AUTO_ACTIONS)}) and the confidence an investigation must reach, for example "
                               "{actions: [archive, securityhub], confidence: High}")
        return None
    if not isinstance(policy, dict):
        raise ContainError(f"dispose_auto_apply must be a dict with actions and confidence; got {type_name(policy)}")
    unknown = sorted(str(k) for k in policy if k not in ("actions", "confidence"))
    if unknown:
        raise ContainError(f"dispose_auto_apply has unknown keys ({', '.join(unknown)}): it takes actions and confidence")
    actions = policy.get("actions")
    actions = [actions] if isinstance(actions, str) else actions
    if not isinstance(actions, list) or not actions or any(a not in AUTO_ACTIONS for a in actions):
        raise ContainError(f"dispose_auto_apply.actions must list one or more of {', '.join(AUTO_ACTIONS)}; got {actions!r}")
    confidence = policy.get("confidence") or "High"
    if not isinstance(confidence, str) or confidence.capitalize() not in CONFIDENCE_LEVELS[1:]:
        raise ContainError(f"dispose_auto_apply.confidence must be one of {', '.join(CONFIDENCE_LEVELS[1:])}; got {confidence!r}")
    return {"actions": list(dict.fromkeys(actions)), "confidence": confidence.capitalize()}


# ---------------------------------------------------------------- which findings


def _finding_ref(value):
    """A finding id from a structured reference: the id itself, or a GuardDuty finding ARN (id, account, Region)."""
    if not isinstance(value, str):
        return None, None, None
    match = GUARDDUTY_ARN_RE.fullmatch(value)
    if match:
        return match["finding"].lower(), match["account"], match["region"]
    return value.strip(), None, None


def _references(inv):
    """(where, value) of every finding the investigation's structured data names."""
    yield "scope.finding_id", as_dict(inv.get("scope")).get("finding_id")
    summary = as_dict(inv.get("summary_data"))
    for p, phase in enumerate(as_list(as_dict(summary.get("threat_assessment")).get("attack_progression"))):
        for a, attack in enumerate(as_list(as_dict(phase).get("attacks"))):
            for f, found in enumerate(as_list(as_dict(attack).get("findings"))):
                yield f"summary_data.threat_assessment.attack_progression[{p}].attacks[{a}].findings[{f}].uid", as_dict(found).get("uid")
    for r, record in enumerate(as_list(inv.get("records"))):
        observation = as_dict(as_dict(as_dict(record).get("supporting_data")).get("observation"))
        where = f"records[{r}].supporting_data.observation"
        yield f"{where}.finding_detail.finding_id", as_dict(observation.get("finding_detail")).get("finding_id")
        yield f"{where}.malware_scan.trigger_finding_id", as_dict(observation.get("malware_scan")).get("trigger_finding_id")
        for n, item in enumerate(as_list(observation.get("representative_resources"))):
            yield f"{where}.representative_resources[{n}].finding_id", as_dict(item).get("finding_id")


def named_findings(inv, account, region):
    """(the findings within reach, [{id, source, reason}] of those that are not): each id checked against GuardDuty's
    pattern; one named by an ARN of another account or Region is out of reach."""
    found, unrecognised = {}, []
    for where, value in _references(inv):
        if value in (None, ""):
            continue
        ident, arn_account, arn_region = _finding_ref(value)
        if not FINDING_ID_RE.fullmatch(ident or ""):
            shown = value if isinstance(value, str) and len(value) <= 100 and value.isprintable() else f"({type_name(value)})"
            unrecognised.append({"type": "FINDING", "id": shown, "source": where,
                                 "reason": "not a GuardDuty finding id (32 hexadecimal characters) or a GuardDuty finding ARN"})
            continue
        ident = ident.lower()
        if arn_account and (arn_account, arn_region) != (account, region):
            unrecognised.append({"type": "FINDING", "id": ident, "source": where,
                                 "reason": f"in account {arn_account} and Region {arn_region}, not the investigation's"})
            continue
        found.setdefault(ident, {"type": "guardduty_finding", "id": ident, "account_id": account, "region": region, "sources": []})
        found[ident]["sources"].append(where)
    return list(found.values()), unrecognised


# ---------------------------------------------------------------- the note


def note_of(inv, klass, finding_id, resolved):
    """(the Security Hub note, whether it was cut): the verdict, risk, confidence, the investigation's id and title (the
    AI's title as one plain line: control characters shown, nothing a renderer takes for a template, markup, a link or
    a mention), and the console link built from ids. A title too long for the note is cut with the marker, so that
    the link stays whole."""
    summary = as_dict(inv.get("summary_data"))
    title = (plain_line(as_dict(summary.get("key_observations")).get("title")) or plain_line(summary.get("finding_type"))
             or "(no title)")
    what = {"benign": "benign", "true_positive": "true positive" + (", contained" if resolved else ""), "uncertain": "uncertain: a person must decide"}
    head = (f"GuardDuty investigation {inv.get('investigation_id')}: {what[klass]} (risk {inv.get('risk_level') or 'not assessed'}, "
            f"confidence {inv.get('confidence') or 'not assessed'}). ")
    link = console_url(as_dict(inv.get("cloud")).get("region"), finding_id)
    tail = f". {link}" if link else "."
    room = MAX_NOTE - len(head) - len(tail)
    cut = len(title) > room
    if cut:
        title = title[:max(0, room - len(CUT_MARKER))].rstrip() + CUT_MARKER
    note, over = fit_note(head + title + tail)
    return note, cut or over


# ---------------------------------------------------------------- the plan


def _settings(settings):
    settings = dict(settings)
    if settings.get("mode", "plan") not in MODES:
        raise ContainError(f"dispose_mode must be one of {', '.join(MODES)}; got {settings.get('mode')!r}")
    settings["policy"] = check_policy(settings.get("policy"))
    if settings.get("suppress"):
        settings["policy"]["benign"]["suppress"] = True
    settings["auto_apply"] = check_auto(settings.get("auto_apply"), settings["mode"])
    given = settings.get("max_filters", 10)
    try:
        settings["max_filters"] = int(given)
    except (TypeError, ValueError):
        settings["max_filters"] = -1
    if settings["max_filters"] < 0 or isinstance(given, bool):
        raise ContainError(f"dispose_max_filters must be a whole number of 0 or more; got {given!r}")
    record_dir = settings.get("record_dir") or DEFAULT_RECORD_DIR
    if not isinstance(record_dir, str) or not record_dir.startswith(("/", "~")) or any(c in record_dir for c in "\n\r\x00"):
        raise ContainError(f"dispose_record_dir must be an absolute path on the controller (or start with ~/); got {record_dir!r}")
    settings["record_dir"] = record_dir
    time_ = settings.get("time")
    if time_ is not None and not (isinstance(time_, str) and TIME.fullmatch(time_)):
        raise ContainError(f"The disposition time must be a UTC ISO-8601 time; got {time_!r}")
    return settings


def _auto_gate(found, policy):
    confidence = found.get("confidence")
    if confidence not in CONFIDENCE_LEVELS or CONFIDENCE_LEVELS.index(confidence) < CONFIDENCE_LEVELS.index(policy["confidence"]):
        return (f"the confidence is {confidence or 'not assessed'}, below dispose_auto_apply.confidence={policy['confidence']}: nothing is "
                "applied without a person; review the plan and apply it with approval")
    return None


def _allowed(settings, wanted):
    """In auto mode, what of ``wanted`` the policy lets the engine do without a person."""
    if settings["mode"] != "auto":
        return wanted
    actions = settings["auto_apply"]["actions"]
    allowed = dict(wanted)
    if "archive" not in actions:
        allowed["archived"] = None
    if "feedback" not in actions:
        allowed["feedback"] = None
    if "securityhub" not in actions:
        allowed.update(workflow_status=None, verification_state=None, note=False)
    if "suppress" not in actions:
        allowed["suppress"] = False
    return allowed


def _records(found, settings, entries, base, identity=None):
    """(the record to write before acting, the record once done), as the containment's (plan._records)."""
    time_ = settings.get("time")
    if settings["mode"] == "plan" or not settings.get("done") or time_ is None:
        return None, base
    if settings["mode"] == "rollback":
        statuses = {(e["type"], e["id"]): e["record_status"] for e in entries if e.get("record_status")}
        return base, (with_statuses(base, statuses, time_, identity) if base is not None and statuses else base)
    pending = [record_entry(e, "pending", time_, identity, DISPOSITION) for e in entries if e["status"] in ("planned", "done")]
    if not pending:
        return base, base
    before = merge_records(base or new_record(found["investigation_id"], found["account_id"], found["region"], time_, COLLECTION_VERSION),
                           pending, time_, DISPOSITION)
    before["role_version"] = COLLECTION_VERSION
    return before, with_statuses(before, {(e["type"], e["id"]): "applied" for e in pending}, time_, identity)


def plan_disposition(found, inv, settings, state=None):  # pylint: disable=too-many-locals,too-many-branches
    """(the plan, its Context): what the disposition does about each finding ``found`` names (see the module)."""
    settings = _settings(settings)
    mode, inv_id = settings["mode"], found["investigation_id"]
    klass = verdict_class(found.get("risk_level"), found.get("confidence"))
    path = record_path(settings["record_dir"], inv_id)
    given = None
    if mode != "plan":
        files = [load_record(settings.get("record_file"), f"the disposition record file {path}", inv_id, found["account_id"], found["region"],
                             DISPOSITION),
                 load_record(settings.get("record"), "dispose_record", inv_id, found["account_id"], found["region"], DISPOSITION)]
        files = [r for r in files if r is not None]
        given = (merge_records(files[0], files[1]["resources"], max(files[0]["updated"], files[1]["updated"]), DISPOSITION) if len(files) == 2
                 else files[0] if files else None)
    wanted = dict(settings["policy"][klass])
    resolved = bool(klass == "true_positive" and wanted.get("resolved_when_contained") and settings.get("contained"))
    if resolved:
        wanted["workflow_status"] = "RESOLVED"
    gate = _auto_gate(found, settings["auto_apply"]) if mode == "auto" else None
    allowed = _allowed(settings, wanted)
    first = found["resources"][0]["id"] if found["resources"] else None
    note, cut = note_of(inv, klass, first, resolved)
    context = Context(State(state), dict(settings, disposition=allowed, note=note, note_cut=cut), inv_id, found["region"], given) \
        if state is not None else None
    entries, items = [], []
    for resource in found["resources"]:  # each finding in GuardDuty, then in Security Hub
        items += [resource, dict(resource, type="securityhub_finding")]
    if mode == "rollback":  # and whatever else the record holds (the suppression rules)
        named = {(r["type"], r["id"]) for r in items}
        items += [{"type": r["type"], "id": r["id"], "account_id": found["account_id"], "region": found["region"]}
                  for r in (given or {}).get("resources", []) if (r["type"], r["id"]) not in named]
    for item in items:
        if gate:
            entries.append(entry(item, "skipped", gate))
        elif context is None:
            entries.append(entry(item, "pending", "within reach: the disposition reads its state next"))
        elif mode != "rollback" and item["type"] == "securityhub_finding" and not (
                allowed.get("workflow_status") or allowed.get("verification_state") or allowed.get("note")):
            entries.append(entry(item, "skipped", "needs a person: dispose_auto_apply does not allow securityhub" if mode == "auto"
                                 else "the policy sets nothing in Security Hub for this verdict"))
        else:
            entries.append(DISPOSE_TYPES[item["type"]].decide(item, context))
    if context is not None and mode != "rollback" and not gate and wanted.get("suppress"):
        rules = {}
        for finding in context.state.items("findings"):
            if finding.get("account_id") != found["account_id"] or finding.get("region") != found["region"]:
                continue
            name, criteria, matches = rule_for(finding)
            if name is None:
                entries.append(entry({"type": "guardduty_filter", "id": "(none)", "account_id": found["account_id"], "region": found["region"]},
                                     "skipped", f"finding {finding['id']}: {matches}"))
            elif name not in rules:
                rules[name] = {"type": "guardduty_filter", "id": name, "account_id": found["account_id"], "region": found["region"],
                               "criteria": criteria, "matches": matches}
        for rule in rules.values():
            if not allowed.get("suppress"):
                entries.append(entry(rule, "skipped", "needs a person: dispose_auto_apply does not allow suppress"))
            else:
                entries.append(DISPOSE_TYPES["guardduty_filter"].decide(rule, context))
    blocked = []
    if mode in ("apply", "rollback") and not settings.get("approved"):
        blocked.append(f"dispose_mode={mode} needs dispose_approved=true (in AWX: the approval node)")
    if mode == "rollback" and "record_file" in settings and given is None:
        blocked.append(f"there is no disposition record of investigation {inv_id} (neither dispose_record nor the file {path}); rollback "
                       "restores only from the record apply wrote")
    record_before, record = _records(found, settings, entries, given) if context is not None else (None, given)
    if settings.get("done"):
        for item in entries:
            if item["status"] == "planned":
                item["status"] = "done"
    counts = {status: sum(1 for e in entries if e["status"] == status) for status in ("pending", "planned", "done", "unchanged", "skipped")}
    counts["unrecognised"] = len(found["unrecognised"])
    person = klass == "uncertain"
    return {
        "investigation_id": inv_id, "account_id": found["account_id"], "region": found["region"], "risk_level": found.get("risk_level"),
        "confidence": found.get("confidence"), "mode": mode, "verdict": klass, "policy": settings["policy"][klass],
        "auto_apply": settings["auto_apply"] if mode == "auto" else None, "blocked": blocked, "gate": gate, "counts": counts,
        "resources": entries, "unrecognised": found["unrecognised"], "needs_person": person,
        "decide": "the verdict is uncertain: only a note is written; a person must decide what becomes of the findings" if person else None,
        "feedback_final": FEEDBACK_FINAL, "contained": resolved,
        "detector_id": settings.get("detector_id"), "record_path": path, "record_before": record_before, "record": record,
    }, context


# ---------------------------------------------------------------- the run


def _contained(settings, found):
    """Whether a containment record of the same investigation shows something applied (the file, or the one given)."""
    given = settings.get("containment")
    if isinstance(given, dict) and isinstance(given.get("record"), dict):
        given = given["record"]  # the contain role's contain_result
    if not given:
        directory = settings.get("containment_record_dir") or "~/.ansible/secops-guardduty/contain-records"
        _exists, given = read_record_file(record_path(os.path.expanduser(directory), found["investigation_id"]), CONTAINMENT)
    record = load_record(given, "the containment record", found["investigation_id"], found["account_id"], found["region"], CONTAINMENT)
    return bool(record) and any(r["status"] == "applied" for r in record["resources"])


def status_of(plan):
    """What a person (and the notify role: notify_disposition) reads of the disposition: status, resolved, summary."""
    counts = plan["counts"]
    if plan["blocked"]:
        status = "refused"
    elif plan["needs_person"]:
        status = "needs a person"
    elif plan["mode"] == "plan" or counts.get("planned"):
        status = "planned"
    elif counts.get("failed"):
        status = "partly done"
    else:
        status = {"benign": "closed as benign", "true_positive": "resolved" if plan["contained"] else "confirmed, open"}[plan["verdict"]]
    if plan["mode"] == "rollback" and status not in ("refused", "planned"):
        status = "rolled back"
    resolved = status in ("closed as benign", "resolved")
    summary = f"{WORDS[plan['verdict']]} verdict: {counts.get('done', 0)} done, {counts.get('planned', 0)} planned, " \
              f"{counts.get('unchanged', 0)} unchanged, {counts.get('skipped', 0)} skipped"
    return {"status": status, "resolved": resolved, "summary": summary}


def run(request, readers, warn, clock=time.monotonic):
    """One disposition; Refused when it stops before any change. ``readers``: GuardDuty and Security Hub clients."""
    began, started = clock(), engine.now()
    _settings(request["settings"])  # every setting checked before anything is read
    inv = request.get("investigation")
    detector_id = request.get("detector_id") or None
    read_on = None
    if inv is None:
        inv, read_on = engine.read_investigation_on(readers, request["investigation_id"], detector_id, warn)
    inv = plain(investigation_in(inv))
    iid = inv.get("investigation_id") or "(no investigation_id)"
    if inv.get("status") != "COMPLETED":
        raise engine.Refused(f"Investigation {iid} is {inv.get('status') or 'without a status'}: only a COMPLETED investigation has a verdict "
                             "to dispose of. Wait for it (investigation_report role, or guardduty_investigation_info with wait=true)")
    cloud = as_dict(inv.get("cloud"))
    account, region = cloud.get("account"), cloud.get("region")
    if not (isinstance(account, str) and ACCOUNT_ID.fullmatch(account) and isinstance(region, str) and REGION_NAME.fullmatch(region)):
        raise engine.Refused(f"Investigation {iid} names no account or Region (cloud.account / cloud.region): nothing can be matched to it safely")
    resources, unrecognised = named_findings(inv, account, region)
    found = {"investigation_id": iid, "account_id": account, "region": region, "risk_level": inv.get("risk_level"),
             "confidence": inv.get("confidence"), "resources": resources, "unrecognised": unrecognised}
    clients = readers.in_region(region)
    clients.warm(["guardduty", "securityhub"])
    if detector_id is None and read_on is not None and readers.region == region:
        detector_id = read_on  # the detector the investigation was read from holds its findings
    if detector_id is None:
        detector_id = InvestigationReader(clients("guardduty"), region=region).resolve_detector(None)
    settings = dict(request["settings"], detector_id=detector_id, named_findings=resources,
                    comment=f"secops.guardduty: {WORDS[verdict_class(inv.get('risk_level'), inv.get('confidence'))]} verdict of GuardDuty "
                            f"investigation {iid}")
    settings["contained"] = _contained(settings, found) if inv.get("risk_level") in ("High", "Critical") else False
    mode, check_mode = settings.get("mode", "plan"), request.get("check_mode", False)
    scope, _ctx = plan_disposition(found, inv, settings)
    if mode != "plan":
        _exists, settings["record_file"] = read_record_file(scope["record_path"], DISPOSITION)
        scope, _ctx = plan_disposition(found, inv, settings)
    if mode != "plan" and scope["blocked"]:
        raise engine.Refused(f"dispose_mode={mode} for investigation {iid} is refused, nothing was changed: " + "; ".join(scope["blocked"]))
    context = engine.ReadContext(dict(settings, mode=mode), iid, region)
    kinds = ["guardduty_finding", "securityhub_finding"] + (["guardduty_filter"] if mode == "rollback" or scope["policy"].get("suppress") else [])
    state = merge_states(context.parallel({kind: (lambda k=kind: DISPOSE_TYPES[k].read(clients, resources, context)) for kind in kinds}).values())
    settings["done"] = mode != "plan" and not check_mode
    plan, plan_context = plan_disposition(found, inv, settings, state)
    plan = engine.act(plan, plan_context, clients, mode, DISPOSE_TYPES, DISPOSITION, settings.get("time"), None, (began, started, clock))
    plan.update(status_of(plan))
    return plan


__all__ = ["run", "plan_disposition", "verdict_class", "named_findings", "DISPOSITION"]
