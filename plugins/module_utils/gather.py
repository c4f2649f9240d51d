# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The read flow shared by guardduty_investigation_info, the guardduty_investigation lookup and the start module:
validate -> resolve the detector -> get or list -> wait -> records -> normalise.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info

from ansible_collections.secops.guardduty.plugins.module_utils.common import COLLECTION_NAME
from ansible_collections.secops.guardduty.plugins.module_utils.common import COLLECTION_VERSION
from ansible_collections.secops.guardduty.plugins.module_utils.common import LOOKUP_REGION_HELP
from ansible_collections.secops.guardduty.plugins.module_utils.common import MAX_CONCURRENCY
from ansible_collections.secops.guardduty.plugins.module_utils.common import region_warning
from ansible_collections.secops.guardduty.plugins.module_utils.common import guardduty_client
from ansible_collections.secops.guardduty.plugins.module_utils.common import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.common import sdk_requirement
from ansible_collections.secops.guardduty.plugins.module_utils.investigations import RECORD_TYPES
from ansible_collections.secops.guardduty.plugins.module_utils.investigations import InvestigationReader
from ansible_collections.secops.guardduty.plugins.module_utils.investigations import SORT_FIELDS
from ansible_collections.secops.guardduty.plugins.module_utils.investigations import build_filter_criteria
from ansible_collections.secops.guardduty.plugins.module_utils.investigations import normalize_investigation
from ansible_collections.secops.guardduty.plugins.module_utils.investigations import normalize_records
from ansible_collections.secops.guardduty.plugins.module_utils.investigations import validate_investigation_ids
from ansible_collections.secops.guardduty.plugins.module_utils.waiting import initial_states
from ansible_collections.secops.guardduty.plugins.module_utils.waiting import wait_until_settled

ERROR, WARN, SKIP = "error", "warn", "skip"
LOOKUP_NAME = COLLECTION_NAME + ".guardduty_investigation"

# Defaults shared by every face (documented once in the secops.guardduty.investigation doc fragment).
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


def _invalid(message):
    return GuardDutyError(message, kind="invalid")


def check_read_options(opts):
    """Validate the options every face shares; no API call. Returns the options with defaults filled."""
    opts = dict(DEFAULTS, **{k: v for k, v in opts.items() if v is not None})
    for name in ("wait_timeout", "wait_sleep"):
        value = opts[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise _invalid(f"{name} must be a positive number of seconds, got {value!r}")
    if opts["wait"] and opts["wait_sleep"] > opts["wait_timeout"]:
        raise _invalid(
            f"wait_sleep ({opts['wait_sleep']}) is longer than wait_timeout ({opts['wait_timeout']}): "
            "the wait would end before the first poll; lower wait_sleep or raise wait_timeout"
        )
    concurrency = opts["concurrency"]
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise _invalid(f"concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, got {concurrency!r}")
    if opts["summary_format"] not in ("text", "structured"):
        raise _invalid(f"summary_format must be one of text, structured; got {opts['summary_format']!r}")
    if opts["record_types"] and not opts["include_records"]:
        raise _invalid("record_types selects which records to attach; it needs include_records=true")
    if opts.get("max_results") is not None and opts["max_results"] < 1:
        raise _invalid(f"max_results must be at least 1, got {opts['max_results']!r}")
    for feature, used in (
        ("summary_format=structured", opts["summary_format"] == "structured"),
        ("include_records", opts["include_records"]),
        ("filters", opts.get("filters") or opts.get("exclude_filters")),
    ):
        message = used and sdk_requirement(feature)
        if message:
            raise GuardDutyError(message, kind="sdk")
    return opts


def sort_criteria(sort_by, sort_order):
    if sort_order and not sort_by:
        raise _invalid("sort_order needs sort_by: say which field to sort on (" + ", ".join(SORT_FIELDS) + ")")
    if not sort_by:
        return None
    criteria = {"AttributeName": sort_by.upper()}
    if sort_order:
        criteria["OrderBy"] = sort_order.upper()
    return criteria


def _combine(errors, kind):
    if len(errors) == 1:
        return errors[0]
    return GuardDutyError("; ".join(e.message for e in errors), exception=errors[0].exception, kind=kind)


def _apply_policy(errors, policy, warn):
    """Raise, warn about or quietly drop the ids that failed one way (missing or denied)."""
    if not errors:
        return
    if policy == ERROR:
        raise _combine(list(errors.values()), next(iter(errors.values())).kind)
    if policy == WARN:
        for error in errors.values():
            warn(f"Skipping: {error.message}")


def fetch(reader, detector_id, ids, opts, warn, on_missing=ERROR, on_denied=ERROR, states=None):
    """Get ids (or start from ``states``), wait when asked, attach records; normalised, in id order.

    Ids that are missing or denied follow ``on_missing`` / ``on_denied`` (error, warn or skip).
    """
    batched = None  # let the wait decide
    if states is None and opts["wait"] and len(ids) > 1:
        # one listing tells which ids are RUNNING: only the others are fetched now, the rest once they leave RUNNING
        states, listing_allowed = initial_states(reader, detector_id, ids, opts["summary_format"])
        batched = None if listing_allowed else False
    elif states is None:
        states = reader.get_many(detector_id, ids, opts["summary_format"])
    denied = {i: s for i, s in states.items() if isinstance(s, GuardDutyError) and s.kind == "denied"}
    others = [s for s in states.values() if isinstance(s, GuardDutyError) and s.kind not in ("denied", "missing")]
    if others:
        raise others[0]
    _apply_policy(denied, on_denied, warn)
    states = {i: s for i, s in states.items() if i not in denied}

    if opts["wait"]:
        outcome = wait_until_settled(reader, detector_id, states, opts["summary_format"], opts["wait_timeout"], opts["wait_sleep"], batched=batched)
        states = outcome.states
        # an id seen only in a RUNNING listing is fetched for the first time during the wait
        late = {i: s for i, s in states.items() if isinstance(s, GuardDutyError) and s.kind == "denied"}
        _apply_policy(late, on_denied, warn)
        states = {i: s for i, s in states.items() if i not in late}
        running = [i for i in outcome.pending if isinstance(states[i], dict)]
        if running:
            raise GuardDutyError(
                f"Timed out after {outcome.elapsed:.0f} s (wait_timeout={opts['wait_timeout']}) waiting for "
                f"{', '.join(running)} on detector {detector_id} to leave RUNNING; raise wait_timeout, "
                "or run again later: the investigation goes on in GuardDuty",
                kind="timeout",
                investigations=[normalize_investigation(s) for s in states.values() if isinstance(s, dict)],
                still_running=running,
                waited=round(outcome.elapsed, 1),
                detector_id=detector_id,
            )

    missing = {i: s for i, s in states.items() if isinstance(s, GuardDutyError)}
    _apply_policy(missing, on_missing, warn)
    found = [states[i] for i in states if i not in missing]

    if opts["wait"] and not opts["allow_failed"]:
        failed = [s for s in found if s.get("Status") == "FAILED"]
        if failed:
            details = "; ".join(f"{s['InvestigationId']}: {s.get('Error') or 'no error text'}" for s in failed)
            raise GuardDutyError(
                f"Investigation(s) on detector {detector_id} ended FAILED ({details}). "
                "Failed investigations do not count toward the quota; set allow_failed=true to return them without failing",
                kind="failed",
                investigations=[normalize_investigation(s) for s in found],
                detector_id=detector_id,
            )
    return attach_records(reader, detector_id, found, opts)


def attach_records(reader, detector_id, raw_items, opts):
    """Normalise, and add ``records`` (every page) to each item when include_records is set."""
    items = [normalize_investigation(raw) for raw in raw_items]
    if not opts["include_records"]:
        return items

    def records_of(item):
        if item.get("status") != "COMPLETED":
            return []  # GuardDuty keeps records only for COMPLETED investigations
        return normalize_records(reader.records(detector_id, item["investigation_id"], opts["record_types"]))

    for item, records in zip(items, reader.map(records_of, items)):
        item["records"] = records
    return items


def gather(reader, opts, warn, on_missing=ERROR, on_denied=ERROR):
    """The info flow: ids -> get; otherwise list (filters, sort, max_results), details when asked."""
    opts = check_read_options(opts)
    ids = opts.get("investigation_ids")
    if ids is not None:
        ids = validate_investigation_ids(reader.client, ids)
    criteria = build_filter_criteria(reader.client, opts.get("filters"), opts.get("exclude_filters"))
    sort = sort_criteria(opts.get("sort_by"), opts.get("sort_order"))
    if ids is not None and (criteria or sort or opts.get("max_results")):
        raise _invalid("investigation_ids cannot be combined with filters, exclude_filters, sort_by or max_results")
    if not opts["wait"] and opts["allow_failed"]:
        warn("allow_failed only matters with wait=true; it has no effect here")

    detector_id = reader.resolve_detector(opts.get("detector_id"))
    if ids is not None:
        items = fetch(reader, detector_id, ids, opts, warn, on_missing=on_missing, on_denied=on_denied)
        return {"detector_id": detector_id, "investigations": items}

    summaries = reader.list(detector_id, criteria, sort, opts.get("max_results"))
    if opts.get("details") or opts["wait"]:
        listed = [s["InvestigationId"] for s in summaries]
        # listed ids exist; one that vanished or is denied since is reported like an explicit id
        items = fetch(reader, detector_id, listed, opts, warn)
    else:
        if opts["summary_format"] == "structured":
            warn("summary_format only shapes full investigations; listed summaries have no summary (set details=true)")
        items = attach_records(reader, detector_id, summaries, opts)
    return {"detector_id": detector_id, "investigations": items}


READ_OPTION_NAMES = tuple(READ_ARGUMENT_SPEC)
INFO_OPTION_NAMES = READ_OPTION_NAMES + (
    "investigation_ids",
    "filters",
    "exclude_filters",
    "sort_by",
    "sort_order",
    "max_results",
    "details",
)


def run_info_module(module):
    """guardduty_investigation_info: read, never change, fail with one clear message."""
    opts = {name: module.params.get(name) for name in INFO_OPTION_NAMES}
    try:
        client = guardduty_client(module, module.params["concurrency"])
        reader = InvestigationReader(client, region=module.region, concurrency=module.params["concurrency"])
        result = gather(reader, opts, module.warn)
    except GuardDutyError as e:
        module.fail_guardduty(e)
    if opts["investigation_ids"] is not None and len(opts["investigation_ids"]) == 1 and result["investigations"]:
        result["investigation"] = result["investigations"][0]
    module.exit_json(changed=False, **result)


def _flatten(terms):
    for term in terms:
        if isinstance(term, (list, tuple)):
            yield from _flatten(term)
        else:
            yield term


def lookup_investigations(plugin, terms, error_class):
    """guardduty_investigation lookup: one element per term, in term order; errors become ``error_class``."""
    set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
    opts = {name: plugin.get_option(name) for name in READ_OPTION_NAMES}
    policies = {name: plugin.get_option(name) for name in ("on_missing", "on_denied")}
    for name, value in policies.items():
        if value not in (ERROR, WARN, SKIP):
            raise error_class(f"{name} must be one of error, warn, skip; got {value!r}")
    terms = list(_flatten(terms))
    if plugin.get_option("endpoint_url") == "":
        plugin.set_option("endpoint_url", None)  # an empty AWS_URL means the default endpoint, as in the modules
    try:
        opts = check_read_options(opts)
        region = plugin.region
        if not region:
            # amazon.aws would say "requires a region ... module parameters", but module_defaults never reach a lookup
            profile = plugin.get_option("profile")
            why = f" (profile {profile!r} gave none: check that it exists and sets region)" if profile else ""
            raise GuardDutyError(f"The {LOOKUP_NAME} lookup needs a Region and found none{why}. {LOOKUP_REGION_HELP}", kind="invalid")
        warning = region_warning(region)
        if warning:
            plugin.warn(warning)
        client = guardduty_client(plugin, opts["concurrency"], reuse=True)
        reader = InvestigationReader(client, region=region, concurrency=opts["concurrency"])
        ids = validate_investigation_ids(client, terms)
        detector_id = reader.resolve_detector(opts.get("detector_id"))
        items = fetch(reader, detector_id, ids, opts, plugin.warn, **policies)
    except GuardDutyError as e:
        raise error_class(str(e)) from None
    by_id = {item["investigation_id"]: item for item in items}
    return [by_id[term] for term in terms if term in by_id]
