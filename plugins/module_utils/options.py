# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options the faces share: argument spec, defaults, and validation against botocore's service model.

Nothing here calls the API. The options are documented once, in the secops.guardduty.investigation doc fragment.
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.module_utils.client import MAX_CONCURRENCY
from ansible_collections.secops.guardduty.plugins.module_utils.client import sdk_requirement
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.model import validate_finding_id

FILTER_KEYS = ("status", "risk_level", "confidence", "finding_id", "investigation_type")
SORT_FIELDS = ("start_time", "end_time", "status", "risk_level", "confidence")
RECORD_TYPES = ("observation", "analysis", "update", "fetch", "metadata")
SUMMARY_FORMATS = {"text": "STRING", "structured": "STRUCTURED"}
# How a face treats an id that is missing or denied.
ERROR, WARN, SKIP = "error", "warn", "skip"

# Defaults shared by every face.
DEFAULTS = {
    "summary_format": "text",
    "include_records": False,
    "record_types": None,
    "wait": False,
    "wait_timeout": 900,
    "wait_sleep": 15,
    "allow_failed": False,
    "concurrency": 8,
}

# Argument spec of the options above, shared by the modules (the lookup declares them through the same doc fragment).
READ_ARGUMENT_SPEC = {
    "detector_id": {"type": "str"},
    "summary_format": {"type": "str", "choices": ["text", "structured"], "default": "text"},
    "include_records": {"type": "bool", "default": False},
    "record_types": {"type": "list", "elements": "str", "choices": list(RECORD_TYPES)},
    "wait": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": 900},
    "wait_sleep": {"type": "int", "default": 15},
    "allow_failed": {"type": "bool", "default": False},
    "concurrency": {"type": "int", "default": 8},
}
READ_OPTION_NAMES = tuple(READ_ARGUMENT_SPEC)
LISTING_OPTION_NAMES = ("filters", "exclude_filters", "sort_by", "sort_order", "max_results")
INFO_OPTION_NAMES = READ_OPTION_NAMES + ("investigation_ids",) + LISTING_OPTION_NAMES + ("details",)


def check_read_options(opts):
    """Validate the options every face shares; no API call. Returns the options with defaults filled."""
    opts = dict(DEFAULTS, **{k: v for k, v in opts.items() if v is not None})
    for name in ("wait_timeout", "wait_sleep"):
        value = opts[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise invalid(f"{name} must be a positive number of seconds, got {value!r}")
    if opts["wait"] and opts["wait_sleep"] > opts["wait_timeout"]:
        raise invalid(
            f"wait_sleep ({opts['wait_sleep']}) is longer than wait_timeout ({opts['wait_timeout']}): "
            "the wait would end before the first poll; lower wait_sleep or raise wait_timeout"
        )
    concurrency = opts["concurrency"]
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise invalid(f"concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, got {concurrency!r}")
    if opts["summary_format"] not in SUMMARY_FORMATS:
        raise invalid(f"summary_format must be one of text, structured; got {opts['summary_format']!r}")
    if opts["record_types"] and not opts["include_records"]:
        raise invalid("record_types selects which records to attach; it needs include_records=true")
    if opts.get("max_results") is not None and opts["max_results"] < 1:
        raise invalid(f"max_results must be at least 1, got {opts['max_results']!r}")
    for feature, used in (
        ("summary_format=structured", opts["summary_format"] == "structured"),
        ("include_records", opts["include_records"]),
        ("filters", opts.get("filters") or opts.get("exclude_filters")),
    ):
        message = used and sdk_requirement(feature)
        if message:
            raise GuardDutyError(message, reason="sdk")
    return opts


def check_policies(policies):
    """on_missing / on_denied: each one of error, warn, skip."""
    for name, value in policies.items():
        if value not in (ERROR, WARN, SKIP):
            raise invalid(f"{name} must be one of error, warn, skip; got {value!r}")
    return policies


def sort_criteria(sort_by, sort_order):
    if sort_order and not sort_by:
        raise invalid("sort_order needs sort_by: say which field to sort on (" + ", ".join(SORT_FIELDS) + ")")
    if not sort_by:
        return None
    criteria = {"AttributeName": sort_by.upper()}
    if sort_order:
        criteria["OrderBy"] = sort_order.upper()
    return criteria


# ---------------------------------------------------------------- values checked against botocore's model


def _shape(client, name):
    return client.meta.service_model.shape_for(name)


def length_limits(client, shape_name):
    """(min, max) length of a string shape of the service model (max None when it has none)."""
    meta = _shape(client, shape_name).metadata
    return meta.get("min", 0), meta.get("max")


# What a valid value looks like, for the message that refuses one (each matches its shape in the service model).
EXAMPLES = {
    "InvestigationId": "a valid id looks like a1b2c3d4-5678-90ab-cdef-ef1234567890 (the investigation_id that "
    "guardduty_investigation, guardduty_investigation_info or the lookup return)",
}


def _check_string(client, shape_name, value, label):
    """Check ``value`` against a string shape's length and pattern in botocore's service model."""
    meta = _shape(client, shape_name).metadata
    if not isinstance(value, str):
        raise invalid(f"{label} must be a string, got {type(value).__name__} {value!r}")
    problems = []
    if len(value) < meta.get("min", 0):
        problems.append(f"at least {meta['min']} character{'' if meta['min'] == 1 else 's'}")
    if "max" in meta and len(value) > meta["max"]:
        problems.append(f"at most {meta['max']} characters")
    if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
        problems.append(f"matching {meta['pattern']}")
    if problems:
        shown = value if len(value) <= 80 else value[:77] + "..."
        example = f"; {EXAMPLES[shape_name]}" if shape_name in EXAMPLES else ""
        raise invalid(f"Invalid {label} {shown!r}: it must be {' and '.join(problems)}{example}")
    return value


NO_IDS = "No investigation id was given: give at least one (investigation_ids, or the lookup's terms)"


def validate_investigation_ids(client, ids):
    """Validate ids against the model's InvestigationId shape; drop duplicates, keep order."""
    if not ids:
        raise invalid(NO_IDS)
    result = []
    for value in ids:
        _check_string(client, "InvestigationId", value, "investigation id")
        if value not in result:
            result.append(value)
    return result


def validate_detector_id(client, detector_id):
    return _check_string(client, "DetectorId", detector_id, "detector_id")


def _filter_enum(client, key):
    """The API spelling of each value for a filter key, from the InvestigationSummary member it filters on."""
    member = "".join(part.capitalize() for part in key.split("_"))
    return list(_shape(client, "InvestigationSummary").members[member].enum)


def build_filter_criteria(client, filters, exclude_filters):
    """filters / exclude_filters (snake_case keys, value or list, any case) -> FilterCriteria."""
    criterion = {}
    for option, wire in (("filters", "Equals"), ("exclude_filters", "NotEquals")):
        given = (filters if option == "filters" else exclude_filters) or {}
        for key, values in given.items():
            if key not in FILTER_KEYS:
                raise invalid(f"Unknown key {key!r} in {option}; valid keys are: {', '.join(FILTER_KEYS)}")
            if not isinstance(values, list):
                values = [values]
            if not values:
                raise invalid(f"{option}.{key} is an empty list: give at least one value or remove the key")
            spelled = []
            for value in values:
                if key == "finding_id":
                    spelled.append(validate_finding_id(value, f"{option}.finding_id value"))
                    continue
                choices = _filter_enum(client, key)
                match = [c for c in choices if c.lower() == str(value).strip().lower()]
                if not match:
                    raise invalid(f"Invalid value {value!r} for {option}.{key}; valid values are: {', '.join(choices)}")
                spelled.append(match[0])
            entry = criterion.setdefault(key.upper(), {})
            entry[wire] = list(dict.fromkeys(spelled))
    return {"Criterion": criterion} if criterion else None
