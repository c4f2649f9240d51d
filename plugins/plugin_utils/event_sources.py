# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The event sources for Event-Driven Ansible (extensions/eda/plugins/event_source/*.py, controller only): options, a
client outside Ansible, and the two pollers.

A poller is synchronous (``poll()`` returns the events of one poll) so that it can be unit-tested and benchmarked
without an event loop; ``run_source`` runs it in a worker thread (asyncio.to_thread) every ``interval`` seconds.
The investigations poller reads like the modules: the same reader (module_utils/read.py) and the wait engine's one
step (module_utils/wait.py: fetch what left RUNNING).

With ``regions``, one source watches many Regions (RegionalPoller): a poller per Region on its own client, polled
concurrently, one event stream; a Region's failure is logged and retried while the others go on.

Fatal problems (a bad option, access denied, rejected credentials, a botocore that is too old: GuardDutyError.final)
end ``run_source`` with one GuardDutyError whose message says what and what to do; ansible-rulebook reports it and
shuts the source down. Everything else (throttling, 5xx, dropped connections, an endpoint that is down) is retried
by botocore and AWSRetry, then logged; the poll is repeated after ``interval`` with the state it had, so no change
is lost.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

try:
    import botocore
except ImportError:
    pass  # run_source reports a missing botocore through amazon.aws's HAS_BOTO3

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.amazon.aws.plugins.module_utils.botocore import HAS_BOTO3
from ansible_collections.amazon.aws.plugins.module_utils.botocore import boto3_inventory_conn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import botocore_at_least
from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.secops.guardduty.plugins.module_utils.client import BOTOCORE_MINIMUM
from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_NAME
from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_VERSION
from ansible_collections.secops.guardduty.plugins.module_utils.client import read_pages
from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator
from ansible_collections.secops.guardduty.plugins.module_utils.client import session_clients
from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyErrorHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.model import epoch
from ansible_collections.secops.guardduty.plugins.module_utils.model import finding_ids_in
from ansible_collections.secops.guardduty.plugins.module_utils.model import normalize
from ansible_collections.secops.guardduty.plugins.module_utils.model import normalize_investigation
from ansible_collections.secops.guardduty.plugins.module_utils.modules import CREDENTIAL_VARIABLES
from ansible_collections.secops.guardduty.plugins.module_utils.modules import profile_conflict
from ansible_collections.secops.guardduty.plugins.module_utils.options import build_filter_criteria
from ansible_collections.secops.guardduty.plugins.module_utils.options import check_read_options
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader
from ansible_collections.secops.guardduty.plugins.module_utils.regions import check_region_conflict
from ansible_collections.secops.guardduty.plugins.module_utils.regions import map_regions
from ansible_collections.secops.guardduty.plugins.module_utils.regions import region_error
from ansible_collections.secops.guardduty.plugins.module_utils.regions import region_warnings
from ansible_collections.secops.guardduty.plugins.module_utils.regions import resolve_regions
from ansible_collections.secops.guardduty.plugins.module_utils.start import ACCOUNT_PROMPT
from ansible_collections.secops.guardduty.plugins.module_utils.start import FINDING_PROMPT
from ansible_collections.secops.guardduty.plugins.module_utils.start import Question
from ansible_collections.secops.guardduty.plugins.module_utils.triage import BUDGET_PERIOD
from ansible_collections.secops.guardduty.plugins.module_utils.triage import recent_investigations
from ansible_collections.secops.guardduty.plugins.module_utils.triage import started_within
from ansible_collections.secops.guardduty.plugins.module_utils.wait import RUNNING
from ansible_collections.secops.guardduty.plugins.module_utils.wait import settle_step
from ansible_collections.secops.guardduty.plugins.plugin_utils.lookup import CONNECTION_OPTIONS

INVESTIGATIONS = "investigations"
FINDINGS = "findings"
SOURCE_NAMES = {INVESTIGATIONS: "secops.guardduty.investigations", FINDINGS: "secops.guardduty.findings"}

PAGE_SIZE = 50  # the API's maximum for both listings
FINDINGS_BATCH = 50  # GetFindings takes at most 50 ids
# An investigation that becomes visible in the listing up to this long after a newer one started is still reported
# as new; ended investigations are remembered only that long (memory stays bounded).
SETTLE_SECONDS = 300
SEVERITY_LEVELS = {"low": 1.0, "medium": 4.0, "high": 7.0, "critical": 9.0}
# batch with daily_budget: the findings not investigated yet that a source remembers (the lowest priority are forgotten
# first, with a warning); each is remembered for BUDGET_PERIOD after it was first emitted.
PENDING_LIMIT = 1000
DEFAULT_RETRY_AFTER = 600

# botocore's own retries (standard mode also retries dropped connections and read timeouts) under the collection's
# AWSRetry; a user's aws_config wins.
CLIENT_CONFIG = {"retries": {"mode": "standard", "max_attempts": 4}, "connect_timeout": 10, "read_timeout": 60}

# amazon.aws's connection options, as the lookup takes them, less its botocore endpoint logging (a module feature)
SOURCE_CONNECTION_OPTIONS = tuple(name for name in CONNECTION_OPTIONS if name != "debug_botocore_endpoint_logs")

# Many Regions (``regions``): a Region's failure with one of these reasons is the source's (the same in every
# Region: it stops the source); any other is the Region's, which is logged and tried again at the next poll.
SOURCE_REASONS = ("invalid", "credentials", "sdk")
# region_errors reasons (regions.region_error) that no retry fixes: when every Region fails with one, the source stops.
UNFIXABLE = ("no_detector", "several_detectors", "ai_analysis_not_enabled", "access_denied", "rejected")
# A Region that keeps failing is logged at its first failure, when the reason changes, and every this many polls.
LOG_EVERY = 10
SOURCE_REGION = (
    "in the source's arguments",
    "watch the Regions of regions (with the bundled rulebooks: set guardduty_regions and leave guardduty_region unset), "
    "or leave regions out to watch one Region",
)

log = logging.getLogger("secops.guardduty.eda")


# ---------------------------------------------------------------- options


def argument_spec(source):
    """The options of a source: amazon.aws's connection options (aliases and environment variables included) + ours."""
    spec = {name: dict(value) for name, value in aws_argument_spec().items() if name in SOURCE_CONNECTION_OPTIONS}
    spec.update(
        detector_id={"type": "str"},
        interval={"type": "float", "default": 30},
        lookback={"type": "float", "default": 0},
        regions={"type": "list", "elements": "str"},
    )
    if source == INVESTIGATIONS:
        spec.update(filters={"type": "dict"}, summary_format={"type": "str", "choices": ["text", "structured"], "default": "text"})
    else:
        spec.update(
            min_severity={"type": "raw", "default": 7},
            include_archived={"type": "bool", "default": False},
            batch={"type": "bool", "default": False},
            daily_budget={"type": "int"},
            retry_after={"type": "float", "default": DEFAULT_RETRY_AFTER},
        )
    return spec


def severity_threshold(value):
    """min_severity (a number from 1 to 10, or Low/Medium/High/Critical) -> float; ValueError otherwise."""
    if isinstance(value, str) and value.strip().lower() in SEVERITY_LEVELS:
        return SEVERITY_LEVELS[value.strip().lower()]
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value)
    if not 0 < number <= 10:
        raise ValueError(value)
    return number


def check_source_options(source, args):
    """Validate a source's args (types, unknown names, ranges, SDK gates); no API call. Returns the options."""
    args = {key: value for key, value in dict(args or {}).items() if value is not None}
    spec = argument_spec(source)
    result = ArgumentSpecValidator(spec).validate(args)
    if result.error_messages:
        messages = []
        for error in result.errors:
            if isinstance(error, UnsupportedError):
                known = set(spec) | {alias for option in spec.values() for alias in option.get("aliases", [])}
                messages.append(f"unknown option(s) {', '.join(sorted(set(args) - known))}; valid options are: {', '.join(sorted(spec))}")
            else:
                messages.append(error.msg)
        raise invalid("; ".join(messages))
    opts = result.validated_parameters
    if opts.get("endpoint_url") == "":
        opts["endpoint_url"] = None  # an empty AWS_URL means the default endpoint, as in the modules
    if not opts["interval"] > 0 or math.isinf(opts["interval"]):
        raise invalid(f"interval must be a positive number of seconds, got {opts['interval']!r}")
    if opts["lookback"] < 0 or math.isinf(opts["lookback"]):
        raise invalid(f"lookback must be 0 or a positive number of seconds, got {opts['lookback']!r}")
    if source == FINDINGS:
        try:
            opts["min_severity"] = severity_threshold(opts["min_severity"])
        except (TypeError, ValueError):
            raise invalid(
                f"min_severity must be a number above 0 and at most 10, or one of Low, Medium, High, Critical; got {opts['min_severity']!r}"
            ) from None
        if opts.get("daily_budget") is not None and not opts["batch"]:
            raise invalid(
                "daily_budget applies to batch events (batch=true): the findings of a batch that were not investigated are "
                "emitted again when the budget has room. Set batch: true, or leave daily_budget out"
            )
        if opts.get("daily_budget") is not None and opts["daily_budget"] < 0:
            raise invalid(f"daily_budget must be a whole number, 0 or more, got {opts['daily_budget']!r}")
        if not opts["retry_after"] > 0 or math.isinf(opts["retry_after"]):
            raise invalid(f"retry_after must be a positive number of seconds, got {opts['retry_after']!r}")
    opts["regions"] = resolve_regions(opts.get("regions"))
    if opts["regions"] is not None:
        # a region given to the source conflicts; one from AWS_REGION, AWS_DEFAULT_REGION or the profile does not
        check_region_conflict(opts["regions"], args.get("region") or args.get("aws_region"), SOURCE_REGION)
        if opts.get("detector_id"):
            raise invalid(
                f"detector_id names one Region's detector and cannot be combined with regions ({', '.join(opts['regions'])}): "
                "leave detector_id out (each Region's only detector is found there), or watch that Region alone with region and detector_id"
            )
    if not HAS_BOTO3:
        raise GuardDutyError(missing_required_lib("boto3 and botocore"), reason="sdk")
    if not botocore_at_least(BOTOCORE_MINIMUM):
        raise GuardDutyError(missing_required_lib(f"botocore>={BOTOCORE_MINIMUM}", reason="for the GuardDuty investigation API"), reason="sdk")
    if source == INVESTIGATIONS:
        # summary_format and filters: the modules' checks, including the botocore >= 1.44.2 gate
        check_read_options({"summary_format": opts["summary_format"], "filters": opts.get("filters")})
    return opts


class _Connection:
    """What amazon.aws's get_aws_connection_info() reads from a module: the options, and a failure that raises."""

    def __init__(self, params):
        self.params = params

    def fail_json(self, msg, exception=None):
        raise invalid(msg)


def source_client(opts):
    """(GuardDuty client with botocore's and the collection's retries, region) from the source's options."""
    client, region, _connection = _source_client(opts)
    return client, region


@AWSCallHandler.connecting()
def _connect(opts):
    """A GuardDuty client for the source's options (amazon.aws's connection info), its endpoint URL and parameters."""
    region, endpoint_url, params = get_aws_connection_info(_Connection(opts))
    params["aws_config"] = botocore.config.Config(**CLIENT_CONFIG).merge(params.get("aws_config") or botocore.config.Config())
    return boto3_inventory_conn("client", "guardduty", region, endpoint_url, **params), endpoint_url, params


def _source_client(opts):
    """source_client(), and the connection (endpoint URL, parameters) it was built with."""
    set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
    conflict = profile_conflict(opts.get("profile"), {name: opts.get(name) for name in CREDENTIAL_VARIABLES})
    if conflict:
        raise invalid(conflict)
    try:
        client, endpoint_url, params = _connect(opts)
    except GuardDutyError as e:
        raise invalid(e.message) from None
    return RetryingBotoClientWrapper(client, retry_decorator()), client.meta.region_name, (endpoint_url, params)


# ---------------------------------------------------------------- small helpers


def _epoch_ms(value):
    return int(round(epoch(value) * 1000))


def _map_members(shape, found=None, visited=None):
    """Member names whose values are maps (user keys that snake_casing must not rewrite), anywhere under ``shape``."""
    found = set() if found is None else found
    visited = set() if visited is None else visited
    if shape.name in visited:
        return found
    visited.add(shape.name)
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            if member.type_name == "map":
                found.add(name)
            _map_members(member, found, visited)
    elif shape.type_name == "list":
        _map_members(shape.member, found, visited)
    elif shape.type_name == "map":
        _map_members(shape.value, found, visited)
    return found


# ---------------------------------------------------------------- investigations


_CRITERION_MEMBERS = {
    "STATUS": "Status",
    "RISK_LEVEL": "RiskLevel",
    "CONFIDENCE": "Confidence",
    "FINDING_ID": "FindingId",
    "INVESTIGATION_TYPE": "InvestigationType",
}


def matches(raw, criterion):
    """Whether an Investigation or InvestigationSummary (botocore names) passes the filters' criterion.

    Scope members count as well; a finding id filter also matches an investigation whose trigger prompt names the
    finding (a RUNNING investigation has no Scope yet).
    """
    for key, condition in (criterion or {}).items():
        member = _CRITERION_MEMBERS[key]
        values = {raw.get(member), (raw.get("Scope") or {}).get(member)} - {None}
        if key == "FINDING_ID":
            values |= set(finding_ids_in(raw.get("TriggerPrompt")))
        if condition.get("Equals") and not values & set(condition["Equals"]):
            return False
        if condition.get("NotEquals") and values & set(condition["NotEquals"]):
            return False
    return True


class InvestigationPoller:
    """State changes of a detector's investigations, one ListInvestigations (newest first) per poll.

    State: the RUNNING ids being watched (with their start), and the ended ids seen within SETTLE_SECONDS of the
    newest start (so they are not reported again); both are bounded by what GuardDuty keeps running.
    A poll reads listing pages until it has seen every watched id and an investigation that started before the
    newest known start minus SETTLE_SECONDS (usually one page), then calls GetInvestigation once per
    investigation that left RUNNING.
    """

    def __init__(self, reader, detector_id, summary_format="text", criterion=None, lookback=0, clock=time.time, logger=None):
        self.reader = reader
        self.detector_id = detector_id
        self.summary_format = summary_format
        self.criterion = criterion or {}
        self.lookback = lookback
        self.clock = clock
        self.log = logger or log
        self.started_at = clock()
        self.primed = False
        self.running = {}  # id -> StartTime (epoch)
        self.ended = {}  # id -> StartTime (epoch), ended and already seen
        self.newest = None  # the newest StartTime seen (GuardDuty's clock)
        self.pages = 0  # listing pages read by the last poll

    def _floor(self):
        return (self.newest if self.newest is not None else self.started_at) - SETTLE_SECONDS

    def _event(self, event_type, raw):
        return {
            "type": event_type,
            "investigation": normalize_investigation(raw),
            "detector_id": self.detector_id,
            "region": self.reader.region,
        }

    @GuardDutyErrorHandler.calling("ListInvestigations")
    def _list(self):
        """The listing, newest first, read until it has seen every watched id and one that started before the floor."""
        floor = self._floor()
        watched = set(self.running)
        primed = self.primed

        def enough(items):
            return primed and epoch(items[-1]["StartTime"]) < floor and watched <= {item["InvestigationId"] for item in items}

        items, self.pages = read_pages(
            self.reader.client,
            "list_investigations",
            "Investigations",
            until=enough,
            DetectorId=self.detector_id,
            SortCriteria={"AttributeName": "START_TIME", "OrderBy": "DESC"},
            PaginationConfig={"PageSize": PAGE_SIZE},
        )
        return items

    @property
    def region(self):
        return self.reader.region

    def poll(self):
        """One poll: the events of every state change since the last one (started first, then completions)."""
        primed, floor, cutoff = self.primed, self._floor(), self.started_at - self.lookback
        items = self._list()
        started, fetch, seen, newest = [], {}, set(), self.newest
        for summary in items:
            iid = summary["InvestigationId"]
            if iid in seen:
                continue  # a page boundary can repeat an id when the listing changes while it is read
            seen.add(iid)
            start = epoch(summary["StartTime"])
            newest = start if newest is None else max(newest, start)
            status = summary.get("Status")
            if iid in self.running:
                if status != RUNNING:
                    fetch[iid] = start
                continue
            if iid in self.ended:
                continue
            fresh = start >= (floor if primed else self.started_at)
            if fresh:
                started.append(summary)
            if status == RUNNING or fresh:
                # watched from now on; an ended one is fetched below and leaves the watch list once reported
                self.running[iid] = start
                if status != RUNNING:
                    fetch[iid] = start
            elif not primed and summary.get("EndTime") is not None and epoch(summary["EndTime"]) >= cutoff:
                fetch[iid] = start  # lookback: a completion within it, reported once
            elif not primed:
                self.ended[iid] = start
        for iid in set(self.running) - seen:
            # watched but not listed (the listing was read to its end): ask for it directly
            fetch.setdefault(iid, self.running[iid])

        started.sort(key=lambda s: (epoch(s["StartTime"]), s["InvestigationId"]))
        events = [self._event("investigation_started", s) for s in started if matches(s, self.criterion)]
        ended, retry_later = [], []
        running = {summary["InvestigationId"] for summary in items if summary.get("Status") == RUNNING} - set(fetch)
        fetched, _listed = settle_step(self.reader, self.detector_id, fetch, self.summary_format, running=running)
        for iid, outcome in fetched.items():
            if isinstance(outcome, GuardDutyError):
                if outcome.reason == "missing":
                    self.log.warning("secops.guardduty.investigations: %s; it is not watched any more", outcome.message)
                    self.running.pop(iid, None)
                    continue
                if outcome.final:
                    raise outcome
                self.running[iid] = fetch[iid]  # fetched again at the next poll: nothing is lost
                retry_later.append((iid, outcome))
                continue
            if outcome.get("Status") == RUNNING:
                self.running[iid] = fetch[iid]
                continue
            self.running.pop(iid, None)
            self.ended[iid] = fetch[iid]
            ended.append(outcome)
        ended.sort(key=lambda raw: (epoch(raw.get("EndTime")) or 0, raw["InvestigationId"]))
        for raw in ended:
            if matches(raw, self.criterion):
                events.append(self._event("investigation_completed" if raw["Status"] == "COMPLETED" else "investigation_failed", raw))
        if retry_later:
            self.log.warning(
                "secops.guardduty.investigations: GetInvestigation failed for %s (%s); asking again at the next poll",
                ", ".join(iid for iid, _e in retry_later),
                retry_later[0][1].detail,
            )
        self.newest, self.primed = newest, True
        floor = self._floor()
        self.ended = {iid: start for iid, start in self.ended.items() if start >= floor}
        return events


# ---------------------------------------------------------------- findings


def _severity(raw):
    """A finding's severity as a number for ordering (data from the API: anything else counts as 0)."""
    value = raw.get("Severity")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return float(value)


class FindingPoller:
    """New and updated findings of a detector: one ListFindings (every page) per poll, GetFindings in batches of 50.

    The only state is a cursor: the newest UpdatedAt (GuardDuty's clock, milliseconds) of the findings reported.
    ListFindings asks for severity >= min_severity and updatedAt > cursor, so a finding updated again (even in
    the same second) is listed again, and one already reported is not. A poll's events come highest severity first,
    then newest (then by id): what arrives together is decided in that order.
    """

    def __init__(self, client, detector_id, region, min_severity=7.0, include_archived=False, lookback=0, clock=time.time, logger=None,
                 batch=False, daily_budget=None, retry_after=DEFAULT_RETRY_AFTER):
        self.client = client
        self.detector_id = detector_id
        self.region = region
        self.min_severity = min_severity
        self.include_archived = include_archived
        self.cursor = int(math.floor((clock() - lookback) * 1000))
        self.clock = clock
        self.log = logger or log
        self.pages = 0
        self._keep_maps = None
        self.batch = batch
        self.daily_budget = daily_budget
        self.retry_after = retry_after
        # batch with daily_budget: finding id -> [finding event data, first emitted, last emitted] (local clock)
        self.pending = {}

    def criteria(self):
        criterion = {
            "severity": {"GreaterThanOrEqual": int(math.floor(self.min_severity))},
            "updatedAt": {"GreaterThan": self.cursor},
        }
        if not self.include_archived:
            criterion["service.archived"] = {"Equals": ["false"]}
        return {"Criterion": criterion}

    def _normalize(self, raw):
        if self._keep_maps is None:
            self._keep_maps = frozenset(_map_members(self.client.meta.service_model.shape_for("Finding")))
        return normalize(raw, self._keep_maps)

    @GuardDutyErrorHandler.calling("ListFindings")
    def _list(self):
        ids, self.pages = read_pages(
            self.client,
            "list_findings",
            "FindingIds",
            DetectorId=self.detector_id,
            FindingCriteria=self.criteria(),
            SortCriteria={"AttributeName": "updatedAt", "OrderBy": "ASC"},
            PaginationConfig={"PageSize": PAGE_SIZE},
        )
        return list(dict.fromkeys(ids))

    @GuardDutyErrorHandler.calling("GetFindings")
    def _get(self, ids):
        return self.client.get_findings(aws_retry=True, DetectorId=self.detector_id, FindingIds=ids)["Findings"]

    def poll(self):
        ids = self._list()
        found = []
        for start in range(0, len(ids), FINDINGS_BATCH):
            found.extend(self._get(ids[start : start + FINDINGS_BATCH]))  # on failure nothing is reported and the cursor stays
        fresh = []
        for raw in found:
            updated = _epoch_ms(raw["UpdatedAt"])
            if updated <= self.cursor or _severity(raw) < self.min_severity:
                continue
            if not self.include_archived and (raw.get("Service") or {}).get("Archived"):
                continue
            fresh.append((updated, raw["Id"], raw))
        if fresh:
            self.cursor = max(updated for updated, _i, _raw in fresh)
        fresh.sort(key=lambda item: (-_severity(item[2]), -item[0], item[1]))
        found = [self._normalize(raw) for _u, _i, raw in fresh]
        if not self.batch:
            return [{"type": "finding", "finding": finding, "detector_id": self.detector_id, "region": self.region} for finding in found]
        return self._batch(found)

    # ------------------------------------------------------------ batch

    def _batch(self, found):
        """batch=true: one ``findings`` event for the poll's findings (highest severity first), with the remembered
        findings that are due again (``retried``), or no event when there is nothing to decide."""
        retried = []
        if self.daily_budget is not None:
            now = self.clock()
            retried = self._due_again(now, {finding["id"] for finding in found})
            for finding in found:
                entry = self.pending.get(finding["id"])
                self.pending[finding["id"]] = [finding, entry[1] if entry else now, now]
            self._bound()
        ids = {finding["id"] for finding in found}
        findings = found + [finding for finding in retried if finding["id"] not in ids]
        if not findings:
            return []
        findings.sort(key=_priority)
        return [{
            "type": "findings",
            "findings": findings,
            "retried": [finding["id"] for finding in findings if finding["id"] not in ids],
            "detector_id": self.detector_id,
            "region": self.region,
        }]

    def _due_again(self, now, fresh_ids):
        """The remembered findings to emit again: not covered by an investigation, last emitted ``retry_after`` or more
        ago, while the investigations started on the detector in the last 24 hours are fewer than ``daily_budget``
        (one ListInvestigations, only when a finding is due)."""
        for finding_id in [fid for fid, (_f, first, _last) in self.pending.items() if first < now - BUDGET_PERIOD]:
            del self.pending[finding_id]  # by now the window has had room for a day: the module deferred it every time
        due = [fid for fid, (_f, _first, last) in self.pending.items() if last <= now - self.retry_after and fid not in fresh_ids]
        if not due:
            return []
        try:
            listing = recent_investigations(self.client, self.detector_id, now - BUDGET_PERIOD, self.region)
        except GuardDutyError as e:
            self.log.warning(
                "secops.guardduty.findings: could not count the investigations of the last 24 hours (%s); the %d finding(s) "
                "not investigated yet are tried again at a later poll", e.detail, len(due)
            )
            return []
        live = [summary for summary in listing if summary.get("Status") != "FAILED"]
        for finding_id in list(self.pending):
            finding = self.pending[finding_id][0]
            if _covered(finding, live):
                del self.pending[finding_id]
        room = self.daily_budget - len(started_within(listing, now))
        due = [fid for fid in due if fid in self.pending]
        if room <= 0 or not due:
            return []
        self.log.info(
            "secops.guardduty.findings: the daily budget has room (%d of %d); %d finding(s) not investigated yet are emitted again",
            room, self.daily_budget, len(due)
        )
        for finding_id in due:
            self.pending[finding_id][2] = now
        return [self.pending[finding_id][0] for finding_id in due]

    def _bound(self):
        if len(self.pending) <= PENDING_LIMIT:
            return
        kept = sorted(self.pending.items(), key=lambda item: _priority(item[1][0]))
        dropped = [fid for fid, _entry in kept[PENDING_LIMIT:]]
        self.log.warning(
            "secops.guardduty.findings: more than %d findings wait for the budget; the %d of lowest severity are not emitted again: %s",
            PENDING_LIMIT, len(dropped), ", ".join(dropped)
        )
        self.pending = dict(kept[:PENDING_LIMIT])


def _priority(finding):
    """Sort key of a normalized finding: highest severity first, then newest, then the id."""
    severity = finding.get("severity")
    severity = float(severity) if isinstance(severity, (int, float)) and not isinstance(severity, bool) else 0.0
    try:
        updated = epoch(finding.get("updated_at")) or 0.0
    except (TypeError, ValueError):
        updated = 0.0
    return (-severity, -updated, str(finding.get("id")))


def _covered(finding, investigations):
    """Whether an investigation of the listing investigates the finding (a FINDING investigation of it, or an ACCOUNT
    investigation of its account), as the start module's batch mode would reuse it."""
    questions = [Question("finding", FINDING_PROMPT.format(finding_id=finding["id"]), finding_id=str(finding["id"]).lower())]
    account = finding.get("account_id")
    if account:
        questions.append(Question("account", ACCOUNT_PROMPT.format(account_id=account), account_id=account))
    return any(question.matches(summary) for summary in investigations for question in questions)


# ---------------------------------------------------------------- the loop


def build_poller(source, opts, client, region, clock=None, logger=None, regional=False, lookback=None):
    """Resolve the detector (the modules' exactly-one rule) and make the poller; GuardDutyError on failure.

    ``regional``: a Region of ``regions`` (its only detector, with the Region's failure reasons: resolve_detector);
    ``lookback`` replaces the option's (a Region whose poller is made after the source's start)."""
    reader = InvestigationReader(client, region=region)
    clock = clock or time.time
    lookback = opts["lookback"] if lookback is None else lookback
    if source == INVESTIGATIONS:
        criterion = (build_filter_criteria(client, opts.get("filters"), None) or {}).get("Criterion")
    detector_id = reader.resolve_detector(opts.get("detector_id"), regional=regional)
    if source == INVESTIGATIONS:
        return InvestigationPoller(reader, detector_id, opts["summary_format"], criterion, lookback, clock=clock, logger=logger)
    return FindingPoller(
        client, detector_id, region, opts["min_severity"], opts["include_archived"], lookback, clock=clock, logger=logger,
        batch=opts.get("batch", False), daily_budget=opts.get("daily_budget"), retry_after=opts.get("retry_after", DEFAULT_RETRY_AFTER),
    )


class RegionalPoller:
    """One source over the Regions of ``regions``: one event stream from a poller per Region (its own client with the
    collection's retries, its own detector and state, so each Region's changes are reported once each), all Regions
    polled concurrently; a quiet poll is one listing call per Region.

    A Region that fails (no detector, AI analysis not enabled, access denied, unreachable after the retries, ...) is
    logged with its reason (regions.region_error) and tried again at the next poll while the others go on; its poller
    keeps its state, so nothing is lost there. A Region whose poller could not be made yet looks back to the source's
    start (plus ``lookback``) once it can. The source stops when a failure is the source's (SOURCE_REASONS), or when
    every Region failed for a reason no retry fixes (UNFIXABLE).
    """

    def __init__(self, source, opts, clients, clock=time.time, logger=None, interval=None):
        self.source = source
        self.name = SOURCE_NAMES[source]
        self.opts = opts
        self.clients = clients  # {region: client}, in the order of regions
        self.regions = list(clients)
        self.clock = clock
        self.log = logger or log
        self.interval = interval if interval is not None else opts["interval"]
        self.started_at = clock()
        self.pollers = dict.fromkeys(self.regions)
        self.failures = dict.fromkeys(self.regions, 0)  # failed polls in a row, per Region
        self.reasons = dict.fromkeys(self.regions)

    def _poll_region(self, region):
        """(events, region_errors entry or None, the source's GuardDutyError or None) of one Region's poll."""
        poller = self.pollers[region]
        try:
            if poller is None:
                lookback = self.opts["lookback"] + max(0.0, self.clock() - self.started_at)
                poller = build_poller(self.source, self.opts, self.clients[region], region, self.clock, self.log, regional=True, lookback=lookback)
                self.pollers[region] = poller
                self.log.info("%s: watching detector %s in %s every %s s", self.name, poller.detector_id, region, self.interval)
            return poller.poll(), None, None
        except GuardDutyError as e:
            if e.reason in SOURCE_REASONS:
                return [], None, e
            return [], region_error(region, e, poller.detector_id if poller is not None else None), None

    def _note(self, region, failure):
        count = self.failures[region]
        if failure is None:
            if count:
                self.log.info("%s: Region %s works again after %d failed poll(s)", self.name, region, count)
            self.failures[region], self.reasons[region] = 0, None
            return
        count += 1
        if count == 1 or failure["reason"] != self.reasons[region] or count % LOG_EVERY == 0:
            self.log.warning(
                "%s: Region %s failed (%s; %d poll(s) in a row); the other Regions go on and %s is tried again at every poll: %s",
                self.name,
                region,
                failure["reason"],
                count,
                region,
                failure["message"],
            )
        self.failures[region], self.reasons[region] = count, failure["reason"]

    def poll(self):
        """One poll of every Region: their events, in the order of ``regions``; GuardDutyError when the source stops."""
        outcomes = map_regions(self._poll_region, self.regions)
        for _events, _failure, error in outcomes:
            if error is not None:
                raise error
        events, failures = [], []
        for region, (found, failure, _error) in zip(self.regions, outcomes):
            events.extend(found)
            self._note(region, failure)
            if failure is not None:
                failures.append(failure)
        if len(failures) == len(self.regions) and all(f["reason"] in UNFIXABLE for f in failures):
            raise GuardDutyError(
                "no Region of regions can be watched: " + "; ".join(f"{f['region']} ({f['reason']}): {f['message']}" for f in failures),
                reason="denied" if any(f["reason"] == "access_denied" for f in failures) else "rejected",
            )
        return events


def regional_clients(opts, regions):
    """{region: GuardDuty client}: source_client() in the first Region, the others like it on one boto3 session
    (client.session_clients), or source_client() in each where that cannot build them."""
    first, _region, (endpoint_url, params) = _source_client(dict(opts, region=regions[0]))
    others = list(regions[1:])
    made = session_clients(others, endpoint_url, params, retry=first.retry) if others else {}
    if made is None:
        made = {region: source_client(dict(opts, region=region))[0] for region in others}
    return dict({regions[0]: first}, **made)


def _fatal(source, error):
    return GuardDutyError(f"{SOURCE_NAMES[source]} stopped: {error.detail}", reason=error.reason)


async def run_source(source, queue, args, sleep=asyncio.sleep, polls=None, logger=None, clock=time.time):
    """The body of a source's ``main(queue, args)``: poll every ``interval`` seconds and put the events on ``queue``.

    Returns after ``polls`` polls when given (tests, benchmarks); otherwise runs until cancelled.
    Raises GuardDutyError (one clear message) on a fatal problem. ``clock`` is the pollers' (GuardDuty's) time.
    """
    logger = logger or log
    name = SOURCE_NAMES[source]
    poller = None
    try:
        opts = check_source_options(source, args)
        regions = opts["regions"]
        if regions is None:
            client, region = await asyncio.to_thread(source_client, opts)
        else:
            poller = RegionalPoller(source, opts, await asyncio.to_thread(regional_clients, opts, regions), clock=clock, logger=logger)
    except GuardDutyError as e:
        raise _fatal(source, e) from None
    if source == INVESTIGATIONS:
        for warning in region_warnings(regions if regions is not None else [region]):
            logger.warning("%s: %s", name, warning)
    if regions is not None:
        logger.info("%s: watching %d Regions (%s) every %s s", name, len(regions), ", ".join(regions), opts["interval"])
    interval, failures, done = opts["interval"], 0, 0
    while polls is None or done < polls:
        began = time.monotonic()
        try:
            if poller is None:
                poller = await asyncio.to_thread(build_poller, source, opts, client, region, clock=clock, logger=logger)
                logger.info("%s: watching detector %s in %s every %s s", name, poller.detector_id, region, interval)
            events = await asyncio.to_thread(poller.poll)
        except GuardDutyError as e:
            if e.final:
                raise _fatal(source, e) from None
            failures += 1
            logger.warning("%s: poll failed (%d in a row), trying again in %s s; no change is lost: %s", name, failures, interval, e.detail)
            events = []
        else:
            if failures:
                logger.info("%s: polling works again after %d failed poll(s)", name, failures)
            failures = 0
        for event in events:
            await queue.put(event)
        done += 1
        if polls is None or done < polls:
            await sleep(max(0.0, interval - (time.monotonic() - began)))


async def investigations_main(queue, args):
    """main(queue, args) of the secops.guardduty.investigations source (extensions/eda/plugins/event_source): one
    event per investigation state change on ``queue`` until cancelled."""
    await run_source(INVESTIGATIONS, queue, args)


async def findings_main(queue, args):
    """main(queue, args) of the secops.guardduty.findings source: one event per new or updated finding on ``queue``
    until cancelled."""
    await run_source(FINDINGS, queue, args)


def source_documentation(documentation):
    """An event source's DOCUMENTATION (YAML text) as one dict, the doc fragments it extends merged in as ansible-doc
    merges them: their options added (an option both define is an error), their notes and requirements appended. The
    sources share their connection, Region and polling options through secops.guardduty.event_source; the reference
    pages (docs/eda-source-<name>.md) and the tests read a source's documentation through this."""
    import importlib  # pylint: disable=import-outside-toplevel

    import yaml  # pylint: disable=import-outside-toplevel

    doc = yaml.safe_load(documentation)
    for name in doc.pop("extends_documentation_fragment", None) or []:
        namespace, collection, fragment = name.split(".")[:3]
        variable = name.split(".")[3].upper() if name.count(".") > 2 else "DOCUMENTATION"
        module = importlib.import_module(f"ansible_collections.{namespace}.{collection}.plugins.doc_fragments.{fragment}")
        extra = yaml.safe_load(getattr(module.ModuleDocFragment, variable))
        both = sorted(set(doc.get("options") or {}) & set(extra.get("options") or {}))
        if both:
            raise ValueError(f"option(s) {', '.join(both)} documented both in the source and in the fragment {name}")
        doc.setdefault("options", {}).update(extra.get("options") or {})
        for key in ("notes", "requirements"):
            if extra.get(key):
                doc[key] = list(doc.get(key) or []) + list(extra[key])
    return doc
