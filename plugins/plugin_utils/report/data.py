# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report data: everything an investigation report shows, in one shape.

``report_data`` turns a normalised investigation (as the modules and the lookup return it, or a registered result
holding one) into the data the templates render (render.py) and the ``investigation_report_data`` filter returns:
the summary in one shape whether the service sent text (a JSON document) or the structured form (the model's
``summary_of``), countermeasure actions (the model's ``countermeasure_actions``) and recommendations ordered by
priority, the affected resources, the records as a timeline, times in UTC (the model's ``parse_time``). Every text
is cleaned for display (text.py); nothing here interprets the AI-written content.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.secops.guardduty.plugins.module_utils.model import affected_resources
from ansible_collections.secops.guardduty.plugins.module_utils.model import countermeasure_actions
from ansible_collections.secops.guardduty.plugins.module_utils.model import parse_time
from ansible_collections.secops.guardduty.plugins.module_utils.model import summary_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import PRIORITIES
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import InvestigationDataError
from ansible_collections.secops.guardduty.plugins.module_utils.model import as_dict
from ansible_collections.secops.guardduty.plugins.module_utils.model import as_list
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import investigation_in
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import plain
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.errors import ReportError
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.risk import RISK_LEVELS
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import clean
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import clean_or_none

CONFIDENCE_LEVELS = ("Unknown", "Low", "Medium", "High")
PRIORITY_LABELS = {"IMMEDIATE": "Immediate", "SHORT_TERM": "Short term", "STRATEGIC": "Strategic", "UNSPECIFIED": "No priority given"}
SEVERITIES = ("critical", "high", "medium", "low", "info")

AI_NOTICE = (
    "AI-generated content: this report was written by Amazon GuardDuty's AI analyst from data that an attacker may "
    "influence. It may be wrong or incomplete. A person must review it before anyone acts on it, and the CLI commands "
    "it suggests are shown as text only: check every command before running it."
)

# where affected_resources() says a resource of the account analysis was named
_ACCOUNT_ANALYSIS_PATH = "summary_data.account_analysis."

_MITRE_TACTIC_RE = re.compile(r"TA\d{4}")
_MITRE_TECHNIQUE_RE = re.compile(r"(T\d{4})(?:\.(\d{3}))?")


def format_time(value):
    """A time parse_time() reads -> 'YYYY-MM-DD HH:MM:SS UTC'; other text unchanged (cleaned); None for None or ""."""
    try:
        moment = parse_time(value)
    except (ValueError, OverflowError, OSError, RuntimeError):  # RuntimeError: botocore's parser, for a number no clock holds
        return clean(value)
    return None if moment is None else moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration_seconds(start, end):
    try:
        first, last = parse_time(start), parse_time(end)
    except (ValueError, OverflowError, OSError, RuntimeError):
        return None
    if first is None or last is None:
        return None
    return (last - first).total_seconds()


def format_duration(seconds):
    if seconds is None or seconds < 0:
        return None
    seconds = int(round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def mitre(ref):
    """{name, uid, url} of a tactic/technique reference; the ATT&CK URL only for a well-formed id."""
    ref = as_dict(ref)
    uid = clean_or_none(ref.get("uid"))
    url = None
    if uid and _MITRE_TACTIC_RE.fullmatch(uid):
        url = f"https://attack.mitre.org/tactics/{uid}/"
    elif uid and _MITRE_TECHNIQUE_RE.fullmatch(uid):
        base, sub = _MITRE_TECHNIQUE_RE.fullmatch(uid).groups()
        url = f"https://attack.mitre.org/techniques/{base}/" + (f"{sub}/" if sub else "")
    name = clean_or_none(ref.get("name"))
    if not (name or uid):
        return None
    return {"name": name, "uid": uid, "url": url}


def _priority(value):
    key = re.sub(r"[\s-]+", "_", clean(value).strip().upper())
    return key if key in PRIORITIES else "UNSPECIFIED"


def _priority_groups(items):
    groups = []
    for priority in PRIORITIES + ("UNSPECIFIED",):
        members = [item for item in items if item["priority"] == priority]
        if members:
            groups.append({"priority": priority, "label": PRIORITY_LABELS[priority], "entries": members})
    return groups


def _label(value):
    """ENUM_LIKE -> 'Enum like' for display; other text unchanged."""
    text = clean_or_none(value)
    if text and re.fullmatch(r"[A-Z0-9_]+", text):
        return text.replace("_", " ").capitalize()
    return text


def _members(parent, key):
    """The elements of the list ``parent[key]``, each as a dict (API data: a missing or odd one is empty)."""
    return [as_dict(item) for item in as_list(parent.get(key))]


def _attack_progression(assessment):
    phases = []
    for phase in _members(assessment, "attack_progression"):
        attacks = [
            {
                "tactic": mitre(attack.get("tactic")),
                "technique": mitre(attack.get("technique")),
                "findings": [{"finding_type": clean_or_none(f.get("finding_type")), "uid": clean_or_none(f.get("uid"))} for f in _members(attack, "findings")],
            }
            for attack in _members(phase, "attacks")
        ]
        phases.append({
            "phase": clean_or_none(phase.get("phase")) or "Unspecified phase",
            "description": clean_or_none(phase.get("description")),
            "attacks": attacks,
        })
    return phases


def _resource(resource):
    resource = as_dict(resource)
    identifier = clean_or_none(resource.get("identifier"))
    arn = clean_or_none(resource.get("arn"))
    if not (identifier or arn):
        return None
    return {"identifier": identifier or arn, "type": clean_or_none(resource.get("type")), "arn": arn, "finding_count": resource.get("finding_count")}


def _recommendations(items):
    recommendations = []
    for item in as_list(items):
        item = as_dict(item)
        priority = _priority(item.get("priority"))
        recommendations.append({
            "title": clean_or_none(item.get("title")) or "Untitled recommendation",
            "rationale": clean_or_none(item.get("rationale")),
            "category": _label(item.get("category")),
            "priority": priority,
            "priority_label": PRIORITY_LABELS[priority],
            "cli_commands": [clean(c) for c in as_list(item.get("cli_commands")) if clean(c).strip()],
        })
    order = {p: i for i, p in enumerate(PRIORITIES + ("UNSPECIFIED",))}
    return sorted(recommendations, key=lambda r: order[r["priority"]])


def _findings_summary(summary):
    summary = as_dict(summary)
    if not summary:
        return None
    breakdown = {str(k).lower(): v for k, v in as_dict(summary.get("severity_breakdown")).items()}
    return {
        "total_findings": summary.get("total_findings"),
        "total_account_count": summary.get("total_account_count"),
        "affected_account_count": summary.get("affected_account_count"),
        "severity": [{"level": level.capitalize(), "count": breakdown[level]} for level in SEVERITIES if breakdown.get(level) is not None],
        "top_finding_types": [
            {"finding_type": clean_or_none(as_dict(t).get("finding_type")), "count": as_dict(t).get("count")} for t in as_list(summary.get("top_finding_types"))
        ],
        "by_time_window": [
            {"start": format_time(as_dict(w).get("start_time")), "end": format_time(as_dict(w).get("end_time")), "count": as_dict(w).get("finding_count")}
            for w in as_list(summary.get("by_time_window"))
        ],
    }


def _account_analysis(analysis):
    analysis = as_dict(analysis)
    if not analysis:
        return None
    coverage = []
    for tactic in _members(analysis, "tactic_coverage"):
        techniques = [
            dict(mitre(technique.get("technique")) or {"name": None, "uid": None, "url": None}, finding_count=technique.get("finding_count"))
            for technique in _members(tactic, "techniques")
        ]
        coverage.append({
            "phase": clean_or_none(tactic.get("phase")) or "Unspecified phase",
            "finding_count": tactic.get("finding_count"),
            "finding_types": [clean(t) for t in as_list(tactic.get("finding_types"))],
            "techniques": techniques,
        })
    return {"findings": _findings_summary(analysis.get("findings_summary")), "tactic_coverage": coverage, "accounts": []}


def _organization_analysis(analysis):
    analysis = as_dict(analysis)
    if not analysis:
        return None
    accounts = [
        {"account_id": clean_or_none(as_dict(a).get("account_id")), "finding_count": as_dict(a).get("finding_count")}
        for a in as_list(analysis.get("account_breakdown"))
    ]
    return {"findings": _findings_summary(analysis.get("findings_summary")), "tactic_coverage": [], "accounts": accounts}


def _record_detail(record):
    data = as_dict(record.get("supporting_data"))
    parts = []
    for member, discriminator in (("fetch", "fetch_type"), ("analysis", "analysis_type"), ("observation", "observation_type")):
        value = as_dict(data.get(member)).get(discriminator)
        if value:
            parts.append(_label(value))
    indicators = as_list(as_dict(data.get("analysis")).get("indicators")) + as_list(as_dict(data.get("observation")).get("indicators"))
    values = [clean(as_dict(i).get("value")) for i in indicators if as_dict(i).get("value")]
    if values:
        parts.append("indicators: " + ", ".join(values))
    total_ms = as_dict(data.get("metadata")).get("total_time_milliseconds")
    if isinstance(total_ms, (int, float)) and not isinstance(total_ms, bool):
        parts.append("total time " + (format_duration(total_ms / 1000.0) or f"{total_ms} ms"))
    return "; ".join(parts) or None


def _records(inv):
    if "records" not in inv or not isinstance(inv.get("records"), list):
        return None
    timeline = []
    for record in inv["records"]:
        record = as_dict(record)
        timeline.append({
            "time": format_time(record.get("created_at")),
            "type": clean_or_none(record.get("type")) or "RECORD",
            "title": clean_or_none(record.get("title")),
            "narrative": clean_or_none(record.get("narrative")),
            "detail": _record_detail(record),
        })
    return timeline


def _actions(summary):
    """The countermeasure actions, by priority (the service's order within a priority)."""
    actions = []
    for found in countermeasure_actions(summary):
        group, action = found["group"], found["action"]
        priority = _priority(action.get("priority"))
        actions.append({
            "title": clean_or_none(action.get("title")) or "Untitled action",
            "description": clean_or_none(action.get("description")),
            "priority": priority,
            "priority_label": PRIORITY_LABELS[priority],
            "defense_tactic": clean_or_none(group.get("defense_tactic")),
            "countermeasure": clean_or_none(group.get("description")),
            "defense_technique": clean_or_none(action.get("defense_technique")),
            "mitigates": [m for m in (mitre({"uid": uid}) for uid in as_list(action.get("mitigates"))) if m],
            "disposition": clean_or_none(action.get("disposition")),
            "cli_commands": [clean(c) for c in as_list(action.get("cli_commands")) if clean(c).strip()],
            "affected_resources": [r for r in map(_resource, found["resources"]) if r],
        })
    order = {p: i for i, p in enumerate(PRIORITIES + ("UNSPECIFIED",))}
    return sorted(actions, key=lambda a: order[a["priority"]])  # stable: the service's order within a priority


def _merge_resources(inv, summary, actions):
    """Each resource once (type, identifier): those of the actions, by priority, then those of the account analysis."""
    merged = {}
    for action in actions:
        for resource in action["affected_resources"]:
            entry = merged.setdefault((resource["type"], resource["identifier"]), dict(resource, actions=[]))
            entry["arn"] = entry["arn"] or resource["arn"]
            if action["title"] not in entry["actions"]:
                entry["actions"].append(action["title"])
    for named in affected_resources(inv, summary):
        if not named["path"].startswith(_ACCOUNT_ANALYSIS_PATH):
            continue
        resource = _resource(named)
        if resource:
            entry = merged.setdefault((resource["type"], resource["identifier"]), dict(resource, actions=[]))
            if resource["finding_count"] is not None:
                entry["finding_count"] = resource["finding_count"]
    return list(merged.values())


def _summary(inv):
    """summary_of()'s (summary or {}, source, text), the text cleaned for display: the service's own text, or a JSON
    document of another shape as summary_of() pretty-prints it (its strings may hold control characters too)."""
    summary, source, text = summary_of(inv)
    return summary or {}, source, (clean(text) if text is not None else None)


def report_data(value):
    """Everything a report shows, in one shape for text and structured summaries and every investigation type."""
    try:
        inv = plain(investigation_in(value))
    except InvestigationDataError as e:
        raise ReportError(str(e)) from None
    summary, source, summary_text = _summary(inv)
    scope = as_dict(inv.get("scope"))
    assessment = as_dict(summary.get("threat_assessment"))
    actions = _actions(summary)
    recommendations = _recommendations(summary.get("recommendations"))
    account_analysis = _account_analysis(summary.get("account_analysis"))
    organization_analysis = _organization_analysis(summary.get("organization_analysis"))
    observations = as_dict(summary.get("key_observations"))
    window = as_dict(scope.get("query_time_window"))
    risk_level = clean_or_none(inv.get("risk_level"))
    confidence = clean_or_none(inv.get("confidence"))
    known_risk = risk_level if risk_level in RISK_LEVELS else None
    investigation_type = clean_or_none(scope.get("investigation_type")) or clean_or_none(inv.get("investigation_type"))
    data = {
        "investigation_id": clean_or_none(inv.get("investigation_id")),
        "status": clean_or_none(inv.get("status")) or "UNKNOWN",
        "risk_level": risk_level,
        "risk_class": known_risk.lower() if known_risk else "unknown",
        "risk_rank": RISK_LEVELS.index(known_risk) if known_risk else None,
        "confidence": confidence,
        "confidence_class": confidence.lower() if confidence in CONFIDENCE_LEVELS else "unknown",
        "risk": clean_or_none(inv.get("risk")),
        "trigger_prompt": clean_or_none(inv.get("trigger_prompt")),
        "triggered_by": clean_or_none(inv.get("triggered_by")),
        "investigation_type": investigation_type,
        "finding_id": clean_or_none(scope.get("finding_id")),
        # the investigated account: the scope's (an account investigation), else the account the investigation is of
        # (a member's finding, read from the administrator: its account_id or cloud.account), but for the organization
        "account_id": clean_or_none(scope.get("account_id")) or (
            None if investigation_type == "ORGANIZATION"
            else clean_or_none(inv.get("account_id")) or clean_or_none(as_dict(inv.get("cloud")).get("account"))),
        "admin_account_id": clean_or_none(scope.get("admin_account_id")),
        "query_window_start": format_time(window.get("start_time")),
        "query_window_end": format_time(window.get("end_time")),
        "start_time": format_time(inv.get("start_time")),
        "end_time": format_time(inv.get("end_time")),
        "duration": format_duration(_duration_seconds(inv.get("start_time"), inv.get("end_time"))),
        "error": clean_or_none(inv.get("error")),
        "region": clean_or_none(as_dict(inv.get("cloud")).get("region")),
        "summary_source": source,
        "summary_text": summary_text,
        "finding_type": clean_or_none(summary.get("finding_type")),
        "key_observations": {
            "title": clean_or_none(observations.get("title")),
            "narrative": clean_or_none(observations.get("narrative")),
            "observations": [clean(o) for o in as_list(observations.get("observations")) if clean(o).strip()],
        } if observations else None,
        "attack_progression": _attack_progression(assessment),
        "threat_actor_profile": clean_or_none(assessment.get("threat_actor_profile")),
        "actions": actions,
        "action_groups": _priority_groups(actions),
        "recommendations": recommendations,
        "recommendation_groups": _priority_groups(recommendations),
        "affected_resources": _merge_resources(inv, summary, actions),
        "account_analysis": account_analysis,
        "organization_analysis": organization_analysis,
        "records": _records(inv),
        "ai_notice": AI_NOTICE,
    }
    return data
