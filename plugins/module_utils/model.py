# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The investigation model: how an API answer becomes what every face returns, and what can be read from it.

``normalize_investigation`` runs once per investigation (snake_case keys at every depth, ISO-8601 times, values
untouched). Everything else reads a normalised investigation: ``summary_of`` (the summary in one snake_case shape,
structured or parsed from text), ``countermeasure_actions`` and ``affected_resources`` (the one walk of what the
AI says is affected), ``finding_ids_in`` / ``validate_finding_id`` (the one finding-id pattern) and ``parse_time``
(the one time parser). The content is written by an AI from attacker-influenced logs: nothing here interprets it.
"""

from __future__ import annotations

import datetime
import json
import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result

from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid

# A finding id: 32 hexadecimal characters (GuardDuty writes them in lower case; any case is accepted).
FINDING_ID_RE = re.compile(r"[0-9a-f]{32}", re.IGNORECASE | re.ASCII)
# An account id and a Region name, as an investigation, a record and a role's settings give them.
ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
REGION_NAME = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d", re.ASCII)
# ... inside free text: not part of a longer run of hexadecimal characters
_FINDING_ID_IN_TEXT_RE = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", re.IGNORECASE | re.ASCII)

# Members of a text summary (JSON) that make it a summary this collection can read.
SUMMARY_MEMBERS = ("key_observations", "threat_assessment", "countermeasures", "recommendations", "account_analysis", "organization_analysis")


# ---------------------------------------------------------------- finding ids


def console_url(region, finding_id=None):
    """The GuardDuty console in ``region``, at ``finding_id`` when given: built from the Region name and the finding id
    only, each checked against its pattern (None without a valid Region). The console has no documented address of an
    investigation itself."""
    if not isinstance(region, str) or not REGION_NAME.fullmatch(region):
        return None
    base = f"https://{region}.console.aws.amazon.com/guardduty/home?region={region}"
    if isinstance(finding_id, str) and FINDING_ID_RE.fullmatch(finding_id):
        return f"{base}#/findings?macros=current&fId={finding_id.lower()}"
    return base


def validate_finding_id(value, label="finding_id"):
    """A finding id in GuardDuty's spelling (lower case); GuardDutyError(reason=invalid) otherwise."""
    text = str(value).strip()
    if not FINDING_ID_RE.fullmatch(text):
        raise invalid(f"Invalid {label} {value!r}: a GuardDuty finding id is 32 hexadecimal characters")
    return text.lower()


def finding_ids_in(text):
    """The finding ids a text names (lower case, in order, without repeats); a longer hexadecimal run names none."""
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(match.lower() for match in _FINDING_ID_IN_TEXT_RE.findall(text)))


# ---------------------------------------------------------------- times


def parse_time(value):
    """A time as the API, a normalised result or a user gives it -> an aware datetime (UTC when none is given).

    Accepts datetimes, ISO-8601 strings (GuardDuty's ``2026-12-01T09:57:01.123Z`` included) and epoch seconds;
    None for None or "". ValueError for anything else (out-of-range numbers and unreadable text included).
    """
    if value in (None, ""):
        return None
    try:
        if isinstance(value, datetime.datetime):
            moment = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
        elif isinstance(value, str):
            try:
                moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                from botocore.utils import parse_timestamp  # pylint: disable=import-outside-toplevel

                moment = parse_timestamp(value)
        else:
            raise ValueError(f"not a time: {value!r}")
    except (OverflowError, OSError, RuntimeError) as e:  # botocore says RuntimeError for text it cannot read
        raise ValueError(f"not a time: {value!r} ({e})") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.timezone.utc)


def epoch(value):
    """Epoch seconds (float) of a time parse_time() reads; None for None."""
    moment = parse_time(value)
    return None if moment is None else moment.timestamp()


# ---------------------------------------------------------------- normalisation


def snake_case(value, keep=()):
    """snake_case keys at every depth (lists of dicts included), leaving the values of the ``keep`` members as they are.

    (camel_dict_to_snake_dict's ignore_list is not passed on to dicts inside lists, where a finding's maps are.)
    """
    if isinstance(value, dict):
        return {next(iter(camel_dict_to_snake_dict({key: None}))): item if key in keep else snake_case(item, keep) for key, item in value.items()}
    if isinstance(value, list):
        return [snake_case(item, keep) for item in value]
    return value


def normalize(raw, keep=()):
    """An API answer -> snake_case keys at every depth, datetimes as ISO-8601 strings, values untouched."""
    return snake_case(normalize_boto3_result(raw), keep)


def normalize_investigation(raw):
    """GetInvestigation's Investigation (or an InvestigationSummary) as every face returns it.

    A text summary that is itself a JSON document is also returned parsed, as the service wrote it, in
    ``summary_parsed``; summary_of() reads it in the collection's snake_case shape.
    """
    result = normalize(raw)
    # the account the investigation is of (a member's, read from the administrator), as the listing's AccountId names
    # it: GetInvestigation gives it only in Cloud.Account
    account = as_dict(result.get("cloud")).get("account")
    if "account_id" not in result and isinstance(account, str) and account:
        result["account_id"] = account
    summary = result.get("summary")
    if isinstance(summary, str) and summary.lstrip()[:1] in ("{", "["):
        try:
            result["summary_parsed"] = json.loads(summary)
        except ValueError:
            pass
    return result


def normalize_records(records):
    return [normalize(record) for record in records]


# ---------------------------------------------------------------- reading a normalised investigation


def as_dict(value):
    """``value`` when it is a dict, else {} (AI-written data may have any shape)."""
    return value if isinstance(value, dict) else {}


def as_list(value):
    """``value`` when it is a list (or the list of ``{"items": [...]}``, as some text summaries wrap lists), else []."""
    if isinstance(value, dict) and isinstance(value.get("items"), list):
        return value["items"]
    return value if isinstance(value, list) else []


def summary_of(investigation):
    """(summary, source, text) of a normalised investigation.

    ``summary``: the structured summary in snake_case (``summary_data``, or a text summary that is a JSON document of
    that shape), else None. ``source``: "structured", "text" or None (no summary). ``text``: what to show when there
    is no structure (the text, or a JSON document of another shape, pretty-printed), else None.
    """
    data = investigation.get("summary_data")
    if isinstance(data, dict) and data:
        return data, "structured", None
    raw = investigation.get("summary")
    parsed = investigation.get("summary_parsed")
    if parsed is None and isinstance(raw, str) and raw.lstrip()[:1] == "{":
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
    if isinstance(parsed, dict) and parsed:
        data = snake_case(parsed)
        if any(key in data for key in SUMMARY_MEMBERS):
            return data, "text", None
        return None, "text", json.dumps(parsed, indent=2, sort_keys=True, ensure_ascii=False)
    if raw not in (None, ""):
        return None, "text", raw if isinstance(raw, str) else str(raw)
    return None, None, None


def countermeasure_actions(summary):
    """Every countermeasure action of a summary (summary_of's), in the service's order, each as a dict:

    ``path`` (where it is, as summary_data.countermeasures[i].actions[j]), ``group`` (its countermeasure),
    ``action``, ``resources`` (its affected resources that are dicts, each with its own ``path``).
    """
    actions = []
    for g_index, group in enumerate(as_list(as_dict(summary).get("countermeasures"))):
        if not isinstance(group, dict):
            continue
        for a_index, action in enumerate(as_list(group.get("actions"))):
            if not isinstance(action, dict):
                continue
            path = f"summary_data.countermeasures[{g_index}].actions[{a_index}]"
            resources = [
                dict(resource, path=f"{path}.affected_resources[{r_index}]")
                for r_index, resource in enumerate(as_list(action.get("affected_resources")))
                if isinstance(resource, dict)
            ]
            actions.append({"path": path, "group": group, "action": action, "resources": resources})
    return actions


def affected_resources(investigation, summary=None):
    """Every resource a normalised investigation names, in one shape: dicts with ``type`` (the service's
    InvestigationResourceType), ``identifier``, ``arn``, ``path`` (where it was named), ``finding_count`` and
    ``action`` (the countermeasure_actions() entry that names it, or None).

    From the countermeasures' affected resources, the account analysis's affected resources and the records'
    observations (their resource and representative resources), in that order; nothing is de-duplicated here.
    """
    if summary is None:
        summary = summary_of(investigation)[0]
    found = []
    for action in countermeasure_actions(summary):
        for resource in action["resources"]:
            found.append(_named(resource.get("type"), resource.get("identifier"), resource.get("arn"), resource["path"], resource.get("finding_count"), action))
    for index, resource in enumerate(as_list(as_dict(as_dict(summary).get("account_analysis")).get("affected_resources"))):
        if isinstance(resource, dict):
            path = f"summary_data.account_analysis.affected_resources[{index}]"
            found.append(_named(resource.get("type"), resource.get("identifier"), resource.get("arn"), path, resource.get("finding_count")))
    for index, record in enumerate(as_list(investigation.get("records"))):
        observation = as_dict(as_dict(as_dict(record).get("supporting_data")).get("observation"))
        resource = observation.get("resource")
        if isinstance(resource, dict):
            path = f"records[{index}].supporting_data.observation.resource"
            found.append(_named(resource.get("resource_type"), resource.get("uid"), None, path))
        for r_index, resource in enumerate(as_list(observation.get("representative_resources"))):
            if isinstance(resource, dict):
                path = f"records[{index}].supporting_data.observation.representative_resources[{r_index}]"
                found.append(_named(resource.get("resource_type"), resource.get("identifier"), None, path))
    return found


def _named(resource_type, identifier, arn, path, finding_count=None, action=None):
    return {"type": resource_type, "identifier": identifier, "arn": arn, "path": path, "finding_count": finding_count, "action": action}
