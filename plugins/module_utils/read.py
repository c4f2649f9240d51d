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
from ansible_collections.secops.guardduty.plugins.module_utils.client import guardduty_client
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

    def resolve_detector(self, detector_id=None):
        """The given detector (validated), or the only detector in the Region."""
        if detector_id:
            return validate_detector_id(self.client, detector_id)
        detectors = self._detectors()
        region = self.region or "this Region"
        if not detectors:
            raise invalid(
                f"No GuardDuty detector was found in {region}. Enable GuardDuty in this Region, or set region / detector_id to where the investigations are"
            )
        if len(detectors) > 1:
            raise invalid(f"Found {len(detectors)} GuardDuty detectors in {region} ({', '.join(detectors)}); set detector_id to choose one")
        return detectors[0]

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


def gather(reader, opts, warn, on_missing=ERROR, on_denied=ERROR):
    """The info flow: ids -> get; otherwise list (filters, sort, max_results), details when asked."""
    opts = check_read_options(opts)
    ids = opts.get("investigation_ids")
    if ids is not None:
        ids = validate_investigation_ids(reader.client, ids)
    criteria = build_filter_criteria(reader.client, opts.get("filters"), opts.get("exclude_filters"))
    sort = sort_criteria(opts.get("sort_by"), opts.get("sort_order"))
    if ids is not None and (criteria or sort or opts.get("max_results")):
        raise invalid("investigation_ids cannot be combined with filters, exclude_filters, sort_by or max_results")
    warn_unused_allow_failed(opts, warn)

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


def module_reader(module):
    """The reader of a module task: its client (amazon.aws's, with the collection's retries), Region and concurrency."""
    concurrency = module.params["concurrency"]
    return InvestigationReader(guardduty_client(module, concurrency), region=module.region, concurrency=concurrency)


def run_info_module(module):
    """guardduty_investigation_info: read, never change, fail with one clear message."""
    opts = {name: module.params.get(name) for name in INFO_OPTION_NAMES}
    try:
        result = gather(module_reader(module), opts, module.warn)
    except GuardDutyError as e:
        module.fail_json_aws_error(e)
    if opts["investigation_ids"] is not None and len(opts["investigation_ids"]) == 1 and result["investigations"]:
        result["investigation"] = result["investigations"][0]
    module.exit_json(changed=False, **result)
