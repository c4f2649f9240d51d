# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Investigation reports: one normalisation and one rendering path for every face.

``report_data`` turns a normalised investigation (as the modules and the lookup return it) into the data a report
is rendered from: the summary in one shape whether the service sent text (a JSON document) or the structured form,
countermeasure actions and recommendations ordered by priority, the affected resources, the records as a timeline.
``render_markdown`` and ``render_html`` render that data with the templates of the ``investigation_report`` role
(``roles/investigation_report/templates/report.{md,html}.j2``), in a sandboxed Jinja environment of their own that
escapes every value: HTML-escaped (autoescape) in the HTML report, Markdown-escaped in the Markdown report.
The ``investigation_markdown`` / ``investigation_html`` filters and the role all call these functions, so there is
one template per format and one code path.

Investigation content is written by an AI from attacker-influenced data. It is only ever rendered as text: never
evaluated as a template, never marked trusted, CLI commands shown in code blocks and never run. Control characters
(terminal escape sequences) and bidirectional overrides are replaced by visible placeholders.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

try:
    from jinja2 import FileSystemLoader
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:  # pragma: no cover - ansible-core always ships Jinja2
    ImmutableSandboxedEnvironment = None

try:
    # ansible-core 2.19+ (data tagging): values a plugin returns are never trusted as templates
    from ansible.template import trust_as_template as _DATA_TAGGING
except ImportError:  # ansible-core 2.17 / 2.18: mark values unsafe so they are never templated again
    _DATA_TAGGING = None

RISK_LEVELS = ("Info", "Low", "Medium", "High", "Critical")
CONFIDENCE_LEVELS = ("Unknown", "Low", "Medium", "High")
PRIORITIES = ("IMMEDIATE", "SHORT_TERM", "STRATEGIC")
PRIORITY_LABELS = {"IMMEDIATE": "Immediate", "SHORT_TERM": "Short term", "STRATEGIC": "Strategic", "UNSPECIFIED": "No priority given"}
SEVERITIES = ("critical", "high", "medium", "low", "info")

AI_NOTICE = (
    "AI-generated content: this report was written by Amazon GuardDuty's AI analyst from data that an attacker may "
    "influence. It may be wrong or incomplete. A person must review it before anyone acts on it, and the CLI commands "
    "it suggests are shown as text only: check every command before running it."
)

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles", "investigation_report", "templates")
MARKDOWN_TEMPLATE = "report.md.j2"
HTML_TEMPLATE = "report.html.j2"

_MITRE_TACTIC_RE = re.compile(r"TA\d{4}")
_MITRE_TECHNIQUE_RE = re.compile(r"(T\d{4})(?:\.(\d{3}))?")


class ReportError(ValueError):
    """Input that cannot be reported on; the message says what was given and what is expected."""


def _kind(value):
    """The name of a value's type as a playbook author knows it (list, dict, str, int, ...)."""
    for name, types in (("dict", dict), ("list", (list, tuple)), ("str", str), ("bool", bool), ("int", int), ("float", float)):
        if isinstance(value, types):
            return name
    return type(value).__name__


def as_filter(render, error_class):
    """A Jinja filter face for ``render``: its output as untrusted data, a ReportError as ``error_class``."""

    def face(investigation):
        try:
            return untrusted(render(investigation))
        except ReportError as e:
            raise error_class(str(e)) from None

    face.__name__ = render.__name__
    return face


def untrusted(value):
    """``value`` as data that is never templated again, on every supported ansible-core (never trusted)."""
    if _DATA_TAGGING is None:
        from ansible.utils.unsafe_proxy import wrap_var  # pylint: disable=import-outside-toplevel

        return wrap_var(value)
    return value


# ---------------------------------------------------------------- risk ordering


def risk_rank(level, what="risk level"):
    """Position of ``level`` in Info < Low < Medium < High < Critical (case-insensitive); ReportError otherwise."""
    if isinstance(level, str):
        for rank, name in enumerate(RISK_LEVELS):
            if level.strip().lower() == name.lower():
                return rank
    raise ReportError(f"Unknown {what} {level!r}: expected one of {', '.join(RISK_LEVELS)} (ordered from lowest to highest)")


def risk_level_of(value):
    """The risk level of an investigation dict or a risk-level string; None when an investigation has none yet."""
    if isinstance(value, dict):
        level = value.get("risk_level")
        if level is None and "investigation_id" not in value and isinstance(value.get("investigation"), dict):
            level = value["investigation"].get("risk_level")  # a registered module result
        if level is None and "investigation_id" not in value and "investigation" not in value:
            raise ReportError(
                "Expected an investigation (a dict with investigation_id and risk_level, as the secops.guardduty modules "
                f"and lookup return it) or a risk level string; got a dict with keys {', '.join(sorted(map(str, value))) or 'none'}"
            )
        return level if level not in ("", None) else None
    if value is None or isinstance(value, str):
        return value or None
    raise ReportError(f"Expected an investigation (dict) or a risk level string, got {_kind(value)}")


def risk_at_least(value, threshold):
    """True when the risk level of ``value`` is ``threshold`` or higher; False when it has no risk level (yet)."""
    floor = risk_rank(threshold, "risk level threshold")
    level = risk_level_of(value)
    if level is None:
        return False
    return risk_rank(level) >= floor


# ---------------------------------------------------------------- untrusted text

_CONTROL = {code: chr(0x2400 + code) for code in range(32) if code not in (9, 10)}
_CONTROL[0x7F] = "\u2421"
_CONTROL.update({code: "\ufffd" for code in range(0x80, 0xA0)})
# bidirectional embeddings, overrides and isolates can make text display in another order than it is stored
_CONTROL.update({code: "\ufffd" for code in (0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)})


def clean(value):
    """Text for display: str, CRLF/CR -> LF, control characters and bidi overrides replaced by visible placeholders."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list)) else str(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)


def paragraphs(value):
    """Text split into paragraphs at blank lines, each with its line breaks kept."""
    text = clean(value).strip()
    if not text:
        return []
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


class Markdown(str):
    """Markdown that is already escaped (output of the md_* helpers); the Markdown environment leaves it as is."""


# always escaped; "_" only at a word boundary, where it could open or close emphasis (IAM_ROLE stays readable)
_MD_ESCAPE_RE = re.compile(r"([\\`*\[\]<>|~])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# what would start a block (heading, list, quote, rule) at the start of a line
_MD_BLOCK_START_RE = re.compile(r"^([#+=-])|^(\d{1,9})([.)])(?=\s|$)")


def md_inline(value):
    """Text as one line of Markdown that renders literally: no HTML, links, emphasis, tables or block syntax."""
    if isinstance(value, Markdown):
        return value
    text = " ".join(clean(value).split())
    text = _MD_ESCAPE_RE.sub(lambda m: "\\" + m.group(0), text)
    text = _MD_BLOCK_START_RE.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text)
    return Markdown(text)


def md_paragraphs(value):
    """Text as Markdown paragraphs (blank-line separated), each escaped like md_inline."""
    return Markdown("\n\n".join(md_inline(p) for p in paragraphs(value)))


def md_code(value, info="text"):
    """A fenced code block showing ``value`` (a string or a list of lines) literally; the fence outgrows any backtick run."""
    lines = value if isinstance(value, (list, tuple)) else [value]
    text = "\n".join(clean(line) for line in lines)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markdown(f"{fence}{info}\n{text}\n{fence}")


def _md_finalize(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    return md_inline(value)


def _html_finalize(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


# ---------------------------------------------------------------- small shaping helpers


def _plain(value):
    """A copy made of plain dict/list/str/number (no tagged or lazy container types of the templating engine)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    return str(value)


def _list(value):
    if isinstance(value, dict) and isinstance(value.get("items"), list):
        return value["items"]  # {"items": [...]}, as some text summaries wrap lists
    if isinstance(value, list):
        return value
    return []


def _dict(value):
    return value if isinstance(value, dict) else {}


def _text(value):
    text = clean(value).strip()
    return text or None


def format_time(value):
    """ISO-8601 string or epoch seconds -> 'YYYY-MM-DD HH:MM:SS UTC'; other text unchanged (cleaned)."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            moment = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
        else:
            moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=datetime.timezone.utc)
        return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (ValueError, OverflowError, OSError):
        return clean(value)


def _seconds(start, end):
    try:
        first = datetime.datetime.fromisoformat(str(start).replace("Z", "+00:00"))
        last = datetime.datetime.fromisoformat(str(end).replace("Z", "+00:00"))
        return (last - first).total_seconds()
    except (TypeError, ValueError):
        return None


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
    ref = _dict(ref)
    uid = _text(ref.get("uid"))
    url = None
    if uid and _MITRE_TACTIC_RE.fullmatch(uid):
        url = f"https://attack.mitre.org/tactics/{uid}/"
    elif uid and _MITRE_TECHNIQUE_RE.fullmatch(uid):
        base, sub = _MITRE_TECHNIQUE_RE.fullmatch(uid).groups()
        url = f"https://attack.mitre.org/techniques/{base}/" + (f"{sub}/" if sub else "")
    name = _text(ref.get("name"))
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
    text = _text(value)
    if text and re.fullmatch(r"[A-Z0-9_]+", text):
        return text.replace("_", " ").capitalize()
    return text


# ---------------------------------------------------------------- the report data


def _summary_source(inv):
    """(structured summary in snake_case or None, where it came from, text to show when there is no structure)."""
    data = inv.get("summary_data")
    if isinstance(data, dict) and data:
        return data, "structured", None
    parsed = inv.get("summary_parsed")
    if parsed is None and isinstance(inv.get("summary"), str) and inv["summary"].lstrip()[:1] == "{":
        try:
            parsed = json.loads(inv["summary"])
        except ValueError:
            parsed = None
    if isinstance(parsed, dict) and parsed:
        data = camel_dict_to_snake_dict(parsed)
        known = ("key_observations", "threat_assessment", "countermeasures", "recommendations", "account_analysis", "organization_analysis")
        if any(key in data for key in known):
            return data, "text", None
        return None, "text", json.dumps(parsed, indent=2, sort_keys=True, ensure_ascii=False)
    summary = inv.get("summary")
    if summary not in (None, ""):
        return None, "text", clean(summary)
    return None, None, None


def _attack_progression(assessment):
    phases = []
    for phase in _list(assessment.get("attack_progression")):
        phase = _dict(phase)
        attacks = []
        for attack in _list(phase.get("attacks")):
            attack = _dict(attack)
            findings = [
                {"finding_type": _text(_dict(f).get("finding_type")), "uid": _text(_dict(f).get("uid"))}
                for f in _list(attack.get("findings"))
            ]
            attacks.append({"tactic": mitre(attack.get("tactic")), "technique": mitre(attack.get("technique")), "findings": findings})
        phases.append({"phase": _text(phase.get("phase")) or "Unspecified phase", "description": _text(phase.get("description")), "attacks": attacks})
    return phases


def _resource(resource):
    resource = _dict(resource)
    identifier = _text(resource.get("identifier"))
    arn = _text(resource.get("arn"))
    if not (identifier or arn):
        return None
    return {"identifier": identifier or arn, "type": _text(resource.get("type")), "arn": arn, "finding_count": resource.get("finding_count")}


def _actions(countermeasures):
    actions = []
    for group in _list(countermeasures):
        group = _dict(group)
        for action in _list(group.get("actions")):
            action = _dict(action)
            priority = _priority(action.get("priority"))
            actions.append({
                "title": _text(action.get("title")) or "Untitled action",
                "description": _text(action.get("description")),
                "priority": priority,
                "priority_label": PRIORITY_LABELS[priority],
                "defense_tactic": _text(group.get("defense_tactic")),
                "countermeasure": _text(group.get("description")),
                "defense_technique": _text(action.get("defense_technique")),
                "mitigates": [m for m in (mitre({"uid": uid}) for uid in _list(action.get("mitigates"))) if m],
                "disposition": _text(action.get("disposition")),
                "cli_commands": [clean(c) for c in _list(action.get("cli_commands")) if clean(c).strip()],
                "affected_resources": [r for r in map(_resource, _list(action.get("affected_resources"))) if r],
            })
    order = {p: i for i, p in enumerate(PRIORITIES + ("UNSPECIFIED",))}
    return sorted(actions, key=lambda a: order[a["priority"]])  # stable: the service's order within a priority


def _recommendations(items):
    recommendations = []
    for item in _list(items):
        item = _dict(item)
        priority = _priority(item.get("priority"))
        recommendations.append({
            "title": _text(item.get("title")) or "Untitled recommendation",
            "rationale": _text(item.get("rationale")),
            "category": _label(item.get("category")),
            "priority": priority,
            "priority_label": PRIORITY_LABELS[priority],
            "cli_commands": [clean(c) for c in _list(item.get("cli_commands")) if clean(c).strip()],
        })
    order = {p: i for i, p in enumerate(PRIORITIES + ("UNSPECIFIED",))}
    return sorted(recommendations, key=lambda r: order[r["priority"]])


def _findings_summary(summary):
    summary = _dict(summary)
    if not summary:
        return None
    breakdown = {str(k).lower(): v for k, v in _dict(summary.get("severity_breakdown")).items()}
    return {
        "total_findings": summary.get("total_findings"),
        "total_account_count": summary.get("total_account_count"),
        "affected_account_count": summary.get("affected_account_count"),
        "severity": [{"level": level.capitalize(), "count": breakdown[level]} for level in SEVERITIES if breakdown.get(level) is not None],
        "top_finding_types": [
            {"finding_type": _text(_dict(t).get("finding_type")), "count": _dict(t).get("count")} for t in _list(summary.get("top_finding_types"))
        ],
        "by_time_window": [
            {"start": format_time(_dict(w).get("start_time")), "end": format_time(_dict(w).get("end_time")), "count": _dict(w).get("finding_count")}
            for w in _list(summary.get("by_time_window"))
        ],
    }


def _account_analysis(analysis):
    analysis = _dict(analysis)
    if not analysis:
        return None
    coverage = []
    for tactic in _list(analysis.get("tactic_coverage")):
        tactic = _dict(tactic)
        techniques = []
        for technique in _list(tactic.get("techniques")):
            technique = _dict(technique)
            ref = mitre(technique.get("technique")) or {"name": None, "uid": None, "url": None}
            techniques.append(dict(ref, finding_count=technique.get("finding_count")))
        coverage.append({
            "phase": _text(tactic.get("phase")) or "Unspecified phase",
            "finding_count": tactic.get("finding_count"),
            "finding_types": [clean(t) for t in _list(tactic.get("finding_types"))],
            "techniques": techniques,
        })
    return {"findings": _findings_summary(analysis.get("findings_summary")), "tactic_coverage": coverage, "accounts": []}


def _organization_analysis(analysis):
    analysis = _dict(analysis)
    if not analysis:
        return None
    accounts = [
        {"account_id": _text(_dict(a).get("account_id")), "finding_count": _dict(a).get("finding_count")} for a in _list(analysis.get("account_breakdown"))
    ]
    return {"findings": _findings_summary(analysis.get("findings_summary")), "tactic_coverage": [], "accounts": accounts}


def _merge_resources(actions, account_analysis):
    merged = {}
    for action in actions:
        for resource in action["affected_resources"]:
            entry = merged.setdefault((resource["type"], resource["identifier"]), dict(resource, actions=[]))
            entry["arn"] = entry["arn"] or resource["arn"]
            if action["title"] not in entry["actions"]:
                entry["actions"].append(action["title"])
    for resource in _list(_dict(account_analysis).get("affected_resources")):
        resource = _resource(resource)
        if resource:
            entry = merged.setdefault((resource["type"], resource["identifier"]), dict(resource, actions=[]))
            if resource["finding_count"] is not None:
                entry["finding_count"] = resource["finding_count"]
    return list(merged.values())


def _record_detail(record):
    data = _dict(record.get("supporting_data"))
    parts = []
    for member, discriminator in (("fetch", "fetch_type"), ("analysis", "analysis_type"), ("observation", "observation_type")):
        value = _dict(data.get(member)).get(discriminator)
        if value:
            parts.append(_label(value))
    indicators = _list(_dict(data.get("analysis")).get("indicators")) + _list(_dict(data.get("observation")).get("indicators"))
    values = [clean(_dict(i).get("value")) for i in indicators if _dict(i).get("value")]
    if values:
        parts.append("indicators: " + ", ".join(values))
    total_ms = _dict(data.get("metadata")).get("total_time_milliseconds")
    if isinstance(total_ms, (int, float)) and not isinstance(total_ms, bool):
        parts.append("total time " + (format_duration(total_ms / 1000.0) or f"{total_ms} ms"))
    return "; ".join(parts) or None


def _records(inv):
    if "records" not in inv or not isinstance(inv.get("records"), list):
        return None
    timeline = []
    for record in inv["records"]:
        record = _dict(record)
        timeline.append({
            "time": format_time(record.get("created_at")),
            "type": _text(record.get("type")) or "RECORD",
            "title": _text(record.get("title")),
            "narrative": _text(record.get("narrative")),
            "detail": _record_detail(record),
        })
    return timeline


def _investigation(value):
    """The investigation dict inside ``value`` (an investigation, or a registered module result holding one)."""
    if isinstance(value, dict):
        if "investigation_id" in value:
            return value
        if isinstance(value.get("investigation"), dict) and "investigation_id" in value["investigation"]:
            return value["investigation"]
        investigations = value.get("investigations")
        if isinstance(investigations, list) and len(investigations) == 1 and isinstance(investigations[0], dict):
            return investigations[0]
        keys = ", ".join(sorted(map(str, value))) or "none"
        raise ReportError(
            "Expected an investigation (a dict with investigation_id, as guardduty_investigation_info returns it in "
            f"investigation / investigations[], or the guardduty_investigation lookup returns it); got a dict with keys {keys}"
        )
    raise ReportError(f"Expected an investigation (a dict with investigation_id), got {_kind(value)}")


def report_data(value):
    """Everything a report shows, in one shape for text and structured summaries and every investigation type."""
    inv = _plain(_investigation(value))
    summary, source, summary_text = _summary_source(inv)
    summary = summary or {}
    scope = _dict(inv.get("scope"))
    assessment = _dict(summary.get("threat_assessment"))
    actions = _actions(summary.get("countermeasures"))
    recommendations = _recommendations(summary.get("recommendations"))
    account_analysis = _account_analysis(summary.get("account_analysis"))
    organization_analysis = _organization_analysis(summary.get("organization_analysis"))
    observations = _dict(summary.get("key_observations"))
    window = _dict(scope.get("query_time_window"))
    risk_level = _text(inv.get("risk_level"))
    confidence = _text(inv.get("confidence"))
    known_risk = risk_level if risk_level in RISK_LEVELS else None
    investigation_type = _text(scope.get("investigation_type")) or _text(inv.get("investigation_type"))
    data = {
        "investigation_id": _text(inv.get("investigation_id")),
        "status": _text(inv.get("status")) or "UNKNOWN",
        "risk_level": risk_level,
        "risk_class": known_risk.lower() if known_risk else "unknown",
        "risk_rank": RISK_LEVELS.index(known_risk) if known_risk else None,
        "confidence": confidence,
        "confidence_class": confidence.lower() if confidence in CONFIDENCE_LEVELS else "unknown",
        "risk": _text(inv.get("risk")),
        "trigger_prompt": _text(inv.get("trigger_prompt")),
        "triggered_by": _text(inv.get("triggered_by")),
        "investigation_type": investigation_type,
        "finding_id": _text(scope.get("finding_id")),
        "account_id": _text(scope.get("account_id")),
        "admin_account_id": _text(scope.get("admin_account_id")),
        "query_window_start": format_time(window.get("start_time")),
        "query_window_end": format_time(window.get("end_time")),
        "start_time": format_time(inv.get("start_time")),
        "end_time": format_time(inv.get("end_time")),
        "duration": format_duration(_seconds(inv.get("start_time"), inv.get("end_time"))),
        "error": _text(inv.get("error")),
        "region": _text(_dict(inv.get("cloud")).get("region")),
        "summary_source": source,
        "summary_text": summary_text,
        "finding_type": _text(summary.get("finding_type")),
        "key_observations": {
            "title": _text(observations.get("title")),
            "narrative": _text(observations.get("narrative")),
            "observations": [clean(o) for o in _list(observations.get("observations")) if clean(o).strip()],
        } if observations else None,
        "attack_progression": _attack_progression(assessment),
        "threat_actor_profile": _text(assessment.get("threat_actor_profile")),
        "actions": actions,
        "action_groups": _priority_groups(actions),
        "recommendations": recommendations,
        "recommendation_groups": _priority_groups(recommendations),
        "affected_resources": _merge_resources(actions, summary.get("account_analysis")),
        "account_analysis": account_analysis,
        "organization_analysis": organization_analysis,
        "records": _records(inv),
        "ai_notice": AI_NOTICE,
    }
    return data


# ---------------------------------------------------------------- rendering


@functools.lru_cache(maxsize=None)
def _environment(template_dir, kind):
    if ImmutableSandboxedEnvironment is None:  # pragma: no cover
        raise ReportError("Rendering reports needs Jinja2")
    common = {
        "loader": FileSystemLoader(template_dir),
        "undefined": StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if kind == "html":
        env = ImmutableSandboxedEnvironment(autoescape=True, finalize=_html_finalize, **common)
        env.filters["paragraphs"] = paragraphs
    else:
        env = ImmutableSandboxedEnvironment(autoescape=False, finalize=_md_finalize, **common)
        env.filters["paragraphs"] = md_paragraphs
        env.filters["code"] = md_code
        env.filters["inline"] = md_inline
    return env


def _render(value, kind, template, template_dir=None):
    data = report_data(value)
    env = _environment(template_dir or TEMPLATE_DIR, kind)
    try:
        return env.get_template(template).render(r=data)
    except OSError as e:  # pragma: no cover - a broken installation
        raise ReportError(f"Cannot read the report template {template} in {template_dir or TEMPLATE_DIR}: {e}") from e


def render_markdown(value, template_dir=None):
    """The investigation as a Markdown report (CommonMark / GitHub-flavoured), every API value escaped."""
    return _render(value, "markdown", MARKDOWN_TEMPLATE, template_dir)


def render_html(value, template_dir=None):
    """The investigation as a self-contained HTML page (inline CSS, no scripts or external assets), autoescaped."""
    return _render(value, "html", HTML_TEMPLATE, template_dir)
