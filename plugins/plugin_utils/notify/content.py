# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a notification says, in one shape for every channel, and the state it tells.

``notification`` builds it from the report data (report/data.py: the same cleaned values the reports show), the
containment (the contain role's ``contain_result``, or a dict with a ``status``) and the disposition (a dict with a
``status``: the contract a disposition role's result meets), and where the report is. The console link is built
from ids checked against their patterns only, never from text the AI wrote.

The state a channel is told once: the investigation's status, risk level and confidence, and the containment and
disposition status when given (``STATE_KEYS``); ``fingerprint`` names it, ``changes`` says what changed since the
state a channel was told before.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.secops.guardduty.plugins.module_utils.model import console_url
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import INVESTIGATION_ID
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import InvestigationDataError
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.errors import NotifyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.data import report_data
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import clean_or_none

STATE_KEYS = ("status", "risk_level", "confidence", "containment", "disposition")
STATE_LABELS = {"status": "Status", "risk_level": "Risk level", "confidence": "Confidence", "containment": "Containment",
                "disposition": "Disposition"}
# a disposition (or a hand-made containment) with one of these statuses and no ``resolved`` says resolved
RESOLVED_STATUSES = ("resolved", "closed")
MAX_NEEDS_PERSON = 20  # resources a notification lists by name; the rest are counted


def _status_text(value, what):
    text = clean_or_none(value)
    if text is None:
        raise NotifyError(f"{what} needs a status (a non-empty string), got {type_name(value)} {value!r}")
    return " ".join(text.split())


def _resolved(value, status, what):
    if "resolved" not in value or value["resolved"] is None:
        return status.lower() in RESOLVED_STATUSES
    if not isinstance(value["resolved"], bool):
        raise NotifyError(f"{what}: resolved must be true or false, got {type_name(value['resolved'])}")
    return value["resolved"]


def _given_status(value, what):
    """A hand-made containment or a disposition: {status, resolved (optional), summary (optional)}."""
    status = _status_text(value.get("status"), what)
    return {"status": status, "resolved": _resolved(value, status, what), "text": clean_or_none(value.get("summary")),
            "needs_person": [], "mode": None}


def _person_item(item):
    return {"type": clean_or_none(item.get("type")), "id": clean_or_none(item.get("id")),
            "reason": clean_or_none(item.get("by_hand") or item.get("reason"))}


def _contain_result(value):
    """The contain role's contain_result -> its status, what a person must do, and whether it resolves the matter."""
    mode = value.get("mode")
    counts = value.get("counts")
    resources = value.get("resources") if isinstance(value.get("resources"), list) else []
    if mode not in ("plan", "apply", "auto", "rollback") or not isinstance(counts, dict):
        raise NotifyError("notify_containment: expected the contain role's contain_result (mode plan, apply, auto or rollback, "
                          "with counts and resources) or a dict with a status; got mode "
                          f"{mode!r} and counts of type {type_name(counts)}")

    def count(status):
        number = counts.get(status, 0)
        return number if isinstance(number, int) and not isinstance(number, bool) else 0

    # plan: what the plan would do waits for a person's approval; apply and auto did it (done) or could not (skipped)
    waiting = [_person_item(r) for r in resources if isinstance(r, dict) and r.get("status") == "planned"] if mode == "plan" else []
    skipped = [_person_item(r) for r in resources if isinstance(r, dict) and r.get("status") == "skipped"]
    by_hand = [_person_item(r) for r in value.get("unrecognised") or [] if isinstance(r, dict) and r.get("by_hand")]
    failed = [_person_item(r) for r in resources if isinstance(r, dict) and r.get("status") == "failed"]  # a step failed
    blocked = [clean_or_none(b) for b in value.get("blocked") or [] if clean_or_none(b)]
    needs_person = failed + waiting + skipped + by_hand
    done, unchanged = count("done"), count("unchanged")
    parts = []
    if mode == "plan":
        status = "planned" if waiting else "nothing to contain" if not (skipped or by_hand) else "needs a person"
        if waiting:
            parts.append(f"{len(waiting)} action(s) wait for a person's approval")
    elif mode == "rollback":
        status = "blocked" if blocked else "rolled back"
        parts.append(f"{done} restored")
    else:
        status = ("blocked" if blocked and not done else "contained" if (done or unchanged) and not needs_person
                  else "partly contained" if done or unchanged else "not contained")
        parts.append(f"{done} applied" + (" without a person" if mode == "auto" else "") + (f", {unchanged} already contained" if unchanged else ""))
    if failed:
        parts.append(f"{len(failed)} failed")
    if skipped or by_hand:
        parts.append(f"{len(skipped) + len(by_hand)} need(s) a person")
    parts += [f"blocked: {b}" for b in blocked]
    return {"status": status, "resolved": status == "contained", "text": "; ".join(parts) or None,
            "needs_person": needs_person[:MAX_NEEDS_PERSON], "needs_person_count": len(needs_person), "mode": mode}


def containment_summary(value):
    """The containment a notification tells (None when none is given): its status, a line of text, what needs a
    person, and whether it says the matter is resolved (fully contained, or a hand-made ``resolved``)."""
    if value in (None, {}, ""):
        return None
    if not isinstance(value, dict):
        raise NotifyError(f"notify_containment: expected the contain role's contain_result or a dict with a status, got {type_name(value)}")
    if "counts" in value or "mode" in value:
        return _contain_result(value)
    return dict(_given_status(value, "notify_containment"), needs_person_count=0)


def disposition_summary(value):
    """The disposition a notification tells (None when none is given). The contract: a dict with ``status`` (text, as a
    person reads it), optionally ``resolved`` (true or false; without it, the status resolved or closed says resolved),
    ``verdict`` and ``summary``."""
    if value in (None, {}, ""):
        return None
    if not isinstance(value, dict):
        raise NotifyError(f"notify_disposition: expected a dict with a status (and optionally resolved, verdict, summary), got {type_name(value)}")
    summary = _given_status(value, "notify_disposition")
    summary["verdict"] = clean_or_none(value.get("verdict"))
    return summary


def report_locations(value):
    """Where the report is (``notify_report``): a path or URL, or a list of them, as the playbook gives them."""
    if value in (None, "", []):
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    locations = []
    for item in items:
        if not isinstance(item, str):
            raise NotifyError(f"notify_report: expected a path or URL (a string) or a list of them, got {type_name(item)}")
        if clean_or_none(item):
            locations.append(clean_or_none(item))
    return locations


def fingerprint(state):
    """A short name of a state (12 hexadecimal digits), the same for the same state on every runner."""
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode("utf-8")).hexdigest()[:12]


def changes(previous, state):
    """What changed since the ``previous`` state a channel was told: [{field, label, before, after}]."""
    if not isinstance(previous, dict):
        return []
    return [{"field": key, "label": STATE_LABELS[key], "before": previous.get(key), "after": state.get(key)}
            for key in STATE_KEYS if previous.get(key) != state.get(key)]


def notification(value, containment=None, disposition=None, report=None):
    """Everything a notification says about an investigation (an investigation, a registered info result or a lookup
    element), with its state and fingerprint."""
    try:
        data = report_data(value)
    except InvestigationDataError as e:
        raise NotifyError(f"notify_investigation: {e}") from None
    inv_id = data["investigation_id"]
    if not isinstance(inv_id, str) or not INVESTIGATION_ID.fullmatch(inv_id):
        raise NotifyError(f"notify_investigation: the investigation id {inv_id!r} is not a GuardDuty investigation id "
                          "(1 to 64 hexadecimal digits and hyphens)")
    contained = containment_summary(containment)
    disposed = disposition_summary(disposition)
    state = {
        "status": data["status"],
        "risk_level": data["risk_level"],
        "confidence": data["confidence"],
        "containment": contained["status"] if contained else None,
        "disposition": disposed["status"] if disposed else None,
    }
    observations = data["key_observations"] or {}
    return {
        "investigation_id": inv_id,
        "status": data["status"],
        "risk_level": data["risk_level"],
        "risk_rank": data["risk_rank"],
        "confidence": data["confidence"],
        "risk": data["risk"],
        "title": observations.get("title"),
        "investigation_type": data["investigation_type"],
        "account_id": data["account_id"],
        "region": data["region"],
        "finding_id": data["finding_id"],
        "finding_type": data["finding_type"],
        "start_time": data["start_time"],
        "end_time": data["end_time"],
        "error": data["error"],
        "actions": [action["title"] for action in data["actions"]],
        "containment": contained,
        "disposition": disposed,
        "resolved": bool((contained and contained["resolved"]) or (disposed and disposed["resolved"])),
        "console_url": console_url(data["region"], data["finding_id"]),
        "report": report_locations(report),
        "ai_notice": data["ai_notice"],
        "state": state,
        "fingerprint": fingerprint(state),
        "report_data": data,
    }
