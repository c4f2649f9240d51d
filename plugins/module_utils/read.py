# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading investigations: the calls (``InvestigationReader``) and the read flow every face shares:
validate -> resolve the detector -> get or list -> wait -> records -> normalise.

``run_info_module`` is guardduty_investigation_info's one entry point; the lookup (plugin_utils/lookup.py), the start
module and the investigations event source use the same reader and flow.
"""

from __future__ import annotations

import time

from ansible_collections.secops.guardduty.plugins.module_utils.client import DEFAULT_CONCURRENCY
from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info

from ansible_collections.secops.guardduty.plugins.module_utils.client import guardduty_client
from ansible_collections.secops.guardduty.plugins.module_utils.client import guardduty_clients
from ansible_collections.secops.guardduty.plugins.module_utils.client import paginate
from ansible_collections.secops.guardduty.plugins.module_utils.client import sdk_requirement
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyErrorHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.model import normalize_investigation
from ansible_collections.secops.guardduty.plugins.module_utils.model import normalize_records
from ansible_collections.secops.guardduty.plugins.module_utils.options import ERROR
from ansible_collections.secops.guardduty.plugins.module_utils.options import INFO_OPTION_NAMES
from ansible_collections.secops.guardduty.plugins.module_utils.options import SUMMARY_FORMATS
from ansible_collections.secops.guardduty.plugins.module_utils.options import WARN
from ansible_collections.secops.guardduty.plugins.module_utils.options import build_filter_criteria
from ansible_collections.secops.guardduty.plugins.module_utils.options import check_read_options
from ansible_collections.secops.guardduty.plugins.module_utils.options import sort_criteria
from ansible_collections.secops.guardduty.plugins.module_utils.options import validate_detector_id
from ansible_collections.secops.guardduty.plugins.module_utils.options import validate_investigation_ids
from ansible_collections.secops.guardduty.plugins.module_utils.regions import FAIL as FAIL_REGION
from ansible_collections.secops.guardduty.plugins.module_utils.regions import NO_DETECTOR
from ansible_collections.secops.guardduty.plugins.module_utils.regions import SEVERAL_DETECTORS
from ansible_collections.secops.guardduty.plugins.module_utils.regions import WARN as WARN_REGION
from ansible_collections.secops.guardduty.plugins.module_utils.regions import check_on_region_error
from ansible_collections.secops.guardduty.plugins.module_utils.regions import every_region_failed
from ansible_collections.secops.guardduty.plugins.module_utils.regions import located
from ansible_collections.secops.guardduty.plugins.module_utils.regions import merge_sorted
from ansible_collections.secops.guardduty.plugins.module_utils.regions import read_regions
from ansible_collections.secops.guardduty.plugins.module_utils.regions import region_warnings
from ansible_collections.secops.guardduty.plugins.module_utils.regions import sort_ranks
from ansible_collections.secops.guardduty.plugins.module_utils.wait import initial_states
from ansible_collections.secops.guardduty.plugins.module_utils.wait import wait_until_settled

calling = GuardDutyErrorHandler.calling


class InvestigationReader:
    """All read calls for one Region, on one client; every failure is one GuardDutyError (errors.py).

    ``concurrency`` bounds how many GetInvestigation calls run at once; ``clock`` and ``sleep`` are the wait's time
    (a test gives a virtual clock, here or on the class).
    """

    clock = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)

    def __init__(self, client, region=None, concurrency=DEFAULT_CONCURRENCY, clock=None, sleep=None):
        self.client = client
        self.region = region
        self.concurrency = max(1, int(concurrency))
        if clock is not None:
            self.clock = clock
        if sleep is not None:
            self.sleep = sleep

    # -- detector

    def resolve_detector(self, detector_id=None, regional=False):
        """The given detector (validated), or the only detector in the Region.

        ``regional``: the Region is one of a task over several (``regions``), where none or several detectors is that
        Region's failure (reason no_detector / several_detectors: a region_errors entry), said for that Region;
        otherwise it is the task's bad input."""
        if detector_id:
            return validate_detector_id(self.client, detector_id)
        detectors = self._detectors()
        if len(detectors) == 1:
            return detectors[0]
        region = self.region or "this Region"
        if regional and not detectors:
            raise GuardDutyError(
                f"No GuardDuty detector was found in {region}: GuardDuty is not enabled there. Enable GuardDuty in {region}, or leave {region} out of regions",
                reason=NO_DETECTOR,
            )
        if regional:
            raise GuardDutyError(
                f"Found {len(detectors)} GuardDuty detectors in {region} ({', '.join(detectors)}), where one is expected: "
                f"read {region} on its own with region and detector_id, or leave it out of regions",
                reason=SEVERAL_DETECTORS,
            )
        if not detectors:
            raise invalid(
                f"No GuardDuty detector was found in {region}. Enable GuardDuty in this Region, or set region / detector_id to where the investigations are"
            )
        raise invalid(f"Found {len(detectors)} GuardDuty detectors in {region} ({', '.join(detectors)}); set detector_id to choose one")

    @calling("ListDetectors")
    def _detectors(self):
        return paginate(self.client, "list_detectors", "DetectorIds")

    # -- single investigations

    @calling("GetInvestigation")
    def get(self, detector_id, investigation_id, summary_format="text"):
        params = {"DetectorId": detector_id, "InvestigationId": investigation_id}
        if summary_format == "structured":
            # Only botocore >= 1.44.2 knows the parameter; "text" is the service default, so it is never sent.
            params["SummaryFormat"] = SUMMARY_FORMATS[summary_format]
        return self.client.get_investigation(aws_retry=True, **params)["Investigation"]

    def map(self, func, items):
        """[func(item) for item in items], run concurrently (bounded by ``concurrency``), results in order."""
        items = list(items)
        if len(items) <= 1 or self.concurrency == 1:
            return [func(item) for item in items]
        from concurrent.futures import ThreadPoolExecutor  # only tasks that fetch several ids pay for it

        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(func, items))

    def get_many(self, detector_id, investigation_ids, summary_format="text"):
        """{id: Investigation or GuardDutyError}, fetched concurrently (bounded), in the order given."""
        ids = list(investigation_ids)

        def one(iid):
            try:
                return self.get(detector_id, iid, summary_format)
            except GuardDutyError as e:
                return e

        return dict(zip(ids, self.map(one, ids)))

    # -- listing

    @calling("ListInvestigations")
    def list(self, detector_id, filter_criteria=None, sort_criteria=None, max_results=None):  # pylint: disable=redefined-outer-name
        params = {"DetectorId": detector_id}
        if filter_criteria:
            params["FilterCriteria"] = filter_criteria
        if sort_criteria:
            params["SortCriteria"] = sort_criteria
        if max_results:
            params["PaginationConfig"] = {"MaxItems": max_results, "PageSize": min(50, max_results)}
        return paginate(self.client, "list_investigations", "Investigations", **params)

    def running_ids(self, detector_id):
        """Ids of the investigations that are RUNNING now (one listing, every page)."""
        if sdk_requirement("filters") is None:
            summaries = self.list(detector_id, {"Criterion": {"STATUS": {"Equals": ["RUNNING"]}}})
        else:  # botocore < 1.44.2 cannot filter: list everything and look at the status
            summaries = self.list(detector_id)
        return {s["InvestigationId"] for s in summaries if s.get("Status") == "RUNNING"}

    @calling("ListInvestigationRecords")
    def records(self, detector_id, investigation_id, record_types=None):
        params = {"DetectorId": detector_id, "InvestigationId": investigation_id}
        if record_types:
            params["RecordTypes"] = [t.upper() for t in record_types]
        return paginate(self.client, "list_investigation_records", "Records", **params)


# ---------------------------------------------------------------- the read flow


def _combine(errors, reason):
    if len(errors) == 1:
        return errors[0]
    return GuardDutyError("; ".join(e.message for e in errors), exception=errors[0].exception, reason=reason)


def _apply_policy(errors, policy, warn):
    """Raise, warn about or quietly drop the ids that failed one way (missing or denied)."""
    if not errors:
        return
    if policy == ERROR:
        raise _combine(list(errors.values()), next(iter(errors.values())).reason)
    if policy == WARN:
        for error in errors.values():
            warn(f"Skipping: {error.message}")


def _failed_with(states, reason):
    return {i: s for i, s in states.items() if isinstance(s, GuardDutyError) and s.reason == reason}


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
    denied = _failed_with(states, "denied")
    others = [s for s in states.values() if isinstance(s, GuardDutyError) and s.reason not in ("denied", "missing")]
    if others:
        raise others[0]
    _apply_policy(denied, on_denied, warn)
    states = {i: s for i, s in states.items() if i not in denied}

    if opts["wait"]:
        outcome = wait_until_settled(reader, detector_id, states, opts["summary_format"], opts["wait_timeout"], opts["wait_sleep"], batched=batched)
        states = outcome.states
        # an id seen only in a RUNNING listing is fetched for the first time during the wait
        late = _failed_with(states, "denied")
        _apply_policy(late, on_denied, warn)
        states = {i: s for i, s in states.items() if i not in late}
        running = [i for i in outcome.pending if isinstance(states[i], dict)]
        if running:
            raise GuardDutyError(
                f"Timed out after {outcome.elapsed:.0f} s (wait_timeout={opts['wait_timeout']}) waiting for "
                f"{', '.join(running)} on detector {detector_id} to leave RUNNING; raise wait_timeout, "
                "or run again later: the investigation goes on in GuardDuty",
                reason="timeout",
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
                reason="failed",
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


def warn_unused_allow_failed(opts, warn):
    if not opts["wait"] and opts["allow_failed"]:
        warn("allow_failed only matters with wait=true; it has no effect here")


def check_task_options(opts, regions=None):
    """The read options of a task, checked before any call (again by gather: checking twice changes nothing).
    ``regions``: the Regions of a task over several (regions, or the lookup's region:id terms), where detector_id is
    refused and a listing defaults to newest first; None for a task in its one Region."""
    opts = check_read_options(opts)
    if regions is not None:
        if opts.get("detector_id"):
            raise invalid(
                f"detector_id names one Region's detector and cannot be combined with regions ({', '.join(regions)}): leave "
                "detector_id out (each Region's only detector is found there), or read that Region alone with region and detector_id"
            )
        sort_criteria(opts.get("sort_by"), opts.get("sort_order"))  # sort_order without sort_by fails as in one Region
        if opts.get("investigation_ids") is None:
            # every Region is asked for the same order, which the merge keeps across Regions (and max_results takes the
            # first of that order in each Region, then of the merged list)
            opts["sort_by"] = opts.get("sort_by") or "start_time"
            opts["sort_order"] = opts.get("sort_order") or "desc"
    return opts


def _ids_in_region(reader, detector_id, ids, opts, warn):
    """(investigations, {id: denied error}) of the ``ids`` that exist in the reader's Region (fetched once each, then
    waited on there with the batched rounds of wait.py when asked); ids not found there are simply not there."""
    states = reader.get_many(detector_id, ids, opts["summary_format"])
    others = [s for s in states.values() if isinstance(s, GuardDutyError) and s.reason not in ("missing", "denied")]
    if others:
        raise others[0]  # the Region failed (AI analysis not enabled, unreachable, ...)
    denied = {i: s for i, s in states.items() if isinstance(s, GuardDutyError) and s.reason == "denied"}
    found = {i: s for i, s in states.items() if isinstance(s, dict)}
    if not found:
        return [], denied
    return fetch(reader, detector_id, list(found), opts, warn, states=found), denied


def gather(readers, opts, warn, wanted=None, regional=False, on_region_error=WARN_REGION, on_missing=ERROR, on_denied=ERROR):
    """The read flow of every face: in each Region of ``readers`` ({region: reader}, one client each; a task in its
    one Region is a list of one), concurrently: find the detector, then get the ids or list, wait, records, normalise.

    ``opts``: the task's read options, as given (checked here, before any call). Ids: ``opts["investigation_ids"]``
    in every Region, or ``wanted`` ({region: [ids]}, the lookup's terms); none: list (filters, sort, max_results).

    ``regional`` (a task over the Regions of ``regions``): a Region's failure is one ``region_errors`` entry
    (``on_region_error`` warn warns once per Region, fail raises with the rest's data; when no Region could be read
    the task fails either way), ids are looked for in every Region (pick_terms puts them in term order), a listing is
    one list sorted across Regions and cut to max_results, and every investigation has its ``region`` and
    ``account_id``; returns {"regions", "detector_ids", "region_errors", "investigations"} (plus "denied",
    {(region, id): error}, for ids). Otherwise ids missing or denied follow ``on_missing`` / ``on_denied``, every
    failure is the task's error, and the result is {"detector_id", "investigations"}, as the service listed or in
    id order. An error that is the task's (a timeout, a FAILED investigation, bad input) is raised with every
    Region's data.
    """
    regions = list(readers)
    opts = check_task_options(opts, regions if regional else None)
    warn_unused_allow_failed(opts, warn)
    any_client = readers[regions[0]].client
    ids = opts.get("investigation_ids")
    if ids is not None:
        ids = validate_investigation_ids(any_client, ids)
        wanted = wanted or {region: ids for region in regions}
    criteria = build_filter_criteria(any_client, opts.get("filters"), opts.get("exclude_filters"))
    sort = sort_criteria(opts.get("sort_by"), opts.get("sort_order"))
    if ids is not None and (criteria or opts.get("sort_by") or opts.get("max_results")):
        raise invalid("investigation_ids cannot be combined with filters, exclude_filters, sort_by or max_results")

    def work(reader, detector_id):
        if wanted is None:
            return list_investigations(reader, detector_id, opts, criteria, sort, warn), {}
        here = wanted.get(reader.region) or []
        if not regional:
            return fetch(reader, detector_id, here, opts, warn, on_missing=on_missing, on_denied=on_denied), {}
        return _ids_in_region(reader, detector_id, here, opts, warn) if here else ([], {})

    outcomes = read_regions(readers, work, opts.get("detector_id"), contained=regional)
    if not regional:
        (outcome,) = outcomes
        return {"detector_id": outcome.detector_id, "investigations": outcome.value[0]}
    return _regional_result(readers, outcomes, opts, warn, wanted, on_region_error)


def _regional_result(readers, outcomes, opts, warn, wanted, on_region_error):
    """gather's result over the Regions of ``regions``, from each Region's outcome (see gather)."""
    regions = list(readers)
    detector_ids = {o.region: o.detector_id for o in outcomes if o.detector_id}
    region_errors = [o.failure for o in outcomes if o.failure]
    items, denied = [], {}
    for o in outcomes:
        if o.value is not None:
            items.extend(located(item, o.region) for item in o.value[0])
            for iid, error in o.value[1].items():
                denied[(o.region, iid)] = error
        elif o.error is not None:
            items.extend(located(item, o.region) for item in o.error.kwargs.get("investigations") or [])
    if wanted is None:
        items = merge_sorted(items, opts["sort_by"], opts["sort_order"], sort_ranks(readers[regions[0]].client))
        if opts.get("max_results"):
            items = items[: opts["max_results"]]
    result = {"regions": regions, "detector_ids": detector_ids, "region_errors": region_errors, "investigations": items}

    failed = every_region_failed(regions, region_errors)
    if failed is not None:
        raise GuardDutyError(failed.message, reason=failed.reason, **result)
    if region_errors and on_region_error == FAIL_REGION:
        raise GuardDutyError(
            f"{len(region_errors)} of {len(regions)} Regions could not be read (on_region_error=fail): "
            + "; ".join(f"{e['region']} ({e['reason']}): {e['message']}" for e in region_errors)
            + ". Fix them, leave them out of regions, or set on_region_error=warn to return the other Regions with a warning",
            reason="region",
            **result,
        )
    for e in region_errors:
        warn(f"Region {e['region']} was not read ({e['reason']}): {e['message']}")
    errors = [o for o in outcomes if o.error is not None]
    if errors:
        first = errors[0].error
        message = first.message
        if len(errors) > 1 and first.reason not in ("credentials", "sdk", "invalid"):  # those say the same in every Region
            message = "; ".join(f"{o.region}: {o.error.message}" for o in errors)
        data = dict(result)
        still_running = [i for o in errors for i in o.error.kwargs.get("still_running") or []]
        if still_running:
            data["still_running"] = still_running
            data["waited"] = max(o.error.kwargs.get("waited") or 0 for o in errors)
        raise GuardDutyError(message, exception=first.exception, reason=first.reason, **data)
    if wanted is not None:
        result["denied"] = denied
    return result


def list_investigations(reader, detector_id, opts, criteria, sort, warn):
    """The listing of one detector (filters, sort, max_results), in full when details or wait ask for it."""
    summaries = reader.list(detector_id, criteria, sort, opts.get("max_results"))
    if opts.get("details") or opts["wait"]:
        listed = [s["InvestigationId"] for s in summaries]
        # listed ids exist; one that vanished or is denied since is reported like an explicit id
        return fetch(reader, detector_id, listed, opts, warn)
    if opts["summary_format"] == "structured":
        warn("summary_format only shapes full investigations; listed summaries have no summary (set details=true)")
    return attach_records(reader, detector_id, summaries, opts)


def pick_terms(result, terms, warn, on_missing=ERROR, on_denied=ERROR):
    """The investigations of ``terms`` ((region or None, id) pairs; None: any Region read) in term order, from a
    gather result over several Regions (regional=True) for ids. An id found nowhere follows ``on_denied`` when a Region denied it, else
    ``on_missing``; but when a Region it may be in could not be read (already in region_errors), it is left out with
    a warning that says so: not found there is not known."""
    by_key = {}
    for item in result["investigations"]:
        by_key.setdefault(item["investigation_id"], []).append(item)
    failed = {e["region"]: e["reason"] for e in result["region_errors"]}
    read = [r for r in result["regions"] if r not in failed]
    picked, missing, denied, unknown = [], {}, {}, {}
    for region, iid in terms:
        hits = [item for item in by_key.get(iid, []) if region is None or item["region"] == region]
        if hits:
            picked.extend(hits)
            continue
        refused = [error for (where, denied_id), error in result["denied"].items() if denied_id == iid and region in (None, where)]
        if refused:
            denied[iid] = refused[0]
            continue
        unread = [f"{r} ({failed[r]})" for r in ([region] if region else result["regions"]) if r in failed]
        if unread:
            unknown[iid] = (
                f"Investigation {iid} was not found in the Regions read ({', '.join(r for r in read if region in (None, r)) or 'none'}); "
                f"it may be in a Region that could not be read: {', '.join(unread)} (see region_errors)"
            )
            continue
        where = region if region else f"any of the Regions read ({', '.join(read)})"
        missing[iid] = GuardDutyError(f"Investigation {iid} was not found in {where}. Check the id and the Regions", reason="missing")
    _apply_policy(denied, on_denied, warn)
    _apply_policy(missing, on_missing, warn)
    for message in unknown.values():
        warn(message)
    return picked


def region_readers(clients, concurrency):
    """{region: InvestigationReader} on the client of each Region (``clients``: {region: client}, in order)."""
    return {region: InvestigationReader(client, region=region, concurrency=concurrency) for region, client in clients.items()}


def module_readers(module, regions=None):
    """{region: reader} of a module task: in its Region (its client, amazon.aws's with the collection's retries), or in
    each Region of ``regions`` (one client each, on one boto3 session)."""
    concurrency = module.params["concurrency"]
    if regions is None:
        clients = {module.region: guardduty_client(module, concurrency)}
    else:
        clients = guardduty_clients(module, regions, get_aws_connection_info, concurrency)
    return region_readers(clients, concurrency)


def module_reader(module):
    """The reader of a module task in its one Region."""
    return module_readers(module)[module.region]


def read_info(module, opts):
    """guardduty_investigation_info's result: its Region, or with ``regions`` one list over every Region read."""
    regions = module.params.get("regions")
    regional = regions is not None
    check_task_options(opts, regions)
    if regional:
        check_on_region_error(module.params["on_region_error"])
        for warning in region_warnings(regions):
            module.warn(warning)
    result = gather(module_readers(module, regions), opts, module.warn, regional=regional, on_region_error=module.params.get("on_region_error"))
    ids = opts.get("investigation_ids")
    if regional and ids is not None:
        denied = result.pop("denied")
        ids = list(dict.fromkeys(ids))
        try:
            result["investigations"] = pick_terms(dict(result, denied=denied), [(None, iid) for iid in ids], module.warn)
        except GuardDutyError as e:  # a missing or denied id: the task's failure, with what every Region gave
            raise GuardDutyError(e.message, exception=e.exception, reason=e.reason, **result) from None
    if ids is not None and len(ids) == 1 and len(result["investigations"]) == 1:
        result["investigation"] = result["investigations"][0]
    return result


def run_info_module(module):
    """guardduty_investigation_info: read, never change, fail with one clear message."""
    opts = {name: module.params.get(name) for name in INFO_OPTION_NAMES}
    try:
        result = read_info(module, opts)
    except GuardDutyError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, **result)
