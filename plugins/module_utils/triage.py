# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A batch of findings (guardduty_investigation's ``findings``): which to investigate, within the daily budget.

Each finding of the batch ends in exactly one state: investigated (its own FINDING investigation, started now),
covered (by one ACCOUNT investigation of its account, started now or reused), reused (an investigation of the finding
already exists) or deferred (budget, quota, or error when the task failed before deciding it). Reuse costs nothing;
every other start takes one from the daily budget, highest severity first (then newest). A quota refusal ends the
starts of the run: nothing is created after it, and it is never retried.

The question, reuse, the ClientToken and create are a single start's (start.py); ``triage`` is the batch's one entry
point, and ``Triage`` holds one run's decisions, each made by a small step.
"""

from __future__ import annotations

import time

from ansible_collections.secops.guardduty.plugins.module_utils.client import read_pages
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyErrorHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.model import epoch
from ansible_collections.secops.guardduty.plugins.module_utils.model import parse_time
from ansible_collections.secops.guardduty.plugins.module_utils.model import validate_finding_id
from ansible_collections.secops.guardduty.plugins.module_utils.options import READ_OPTION_NAMES
from ansible_collections.secops.guardduty.plugins.module_utils.read import warn_unused_allow_failed
from ansible_collections.secops.guardduty.plugins.module_utils.start import ACCOUNT_ID_RE
from ansible_collections.secops.guardduty.plugins.module_utils.start import ACCOUNT_PROMPT
from ansible_collections.secops.guardduty.plugins.module_utils.start import BATCH_OPTION_NAMES
from ansible_collections.secops.guardduty.plugins.module_utils.start import DEFAULT_REUSE_WINDOW
from ansible_collections.secops.guardduty.plugins.module_utils.start import FINDING_PROMPT
from ansible_collections.secops.guardduty.plugins.module_utils.start import QUESTION_OPTIONS
from ansible_collections.secops.guardduty.plugins.module_utils.start import START_OPTION_NAMES
from ansible_collections.secops.guardduty.plugins.module_utils.start import Question
from ansible_collections.secops.guardduty.plugins.module_utils.start import create_investigation
from ansible_collections.secops.guardduty.plugins.module_utils.start import derive_client_token
from ansible_collections.secops.guardduty.plugins.module_utils.start import select_existing
from ansible_collections.secops.guardduty.plugins.module_utils.start import started_at

DEFAULT_DAILY_BUDGET = 7
DEFAULT_GROUP_THRESHOLD = 3
BUDGET_PERIOD = 86400  # the budget counts the investigations started in the last 24 hours

INVESTIGATED, COVERED, REUSED, DEFERRED = "investigated", "covered", "reused", "deferred"
STATES = (INVESTIGATED, COVERED, REUSED, DEFERRED)
BUDGET, QUOTA, ERROR = "budget", "quota", "error"

BATCH_ITEM_HELP = (
    "give a finding id (32 hexadecimal characters), or a finding as the secops.guardduty.findings event source emits "
    "it (id, severity, account_id, updated_at), or such an event (its finding is used)"
)


# ---------------------------------------------------------------- the batch (validation, no API call)


class BatchFinding:
    """One finding of a batch: only what triage reads (the id, severity, account and update time); nothing else of a
    finding (its title, description and tags are attacker-influenced) is read or returned."""

    def __init__(self, finding_id, severity=None, account_id=None, updated_at=None):
        self.finding_id = finding_id
        self.severity = severity
        self.account_id = account_id
        self.updated_at = updated_at  # epoch seconds

    def priority(self):
        """Sort key: highest severity first, then newest, then the id (a finding without a severity comes last)."""
        severity = -1.0 if self.severity is None else self.severity
        updated = float("-inf") if self.updated_at is None else self.updated_at
        return (-severity, -updated, self.finding_id)

    def merge(self, other):
        """The same finding twice in one batch (an update): the highest severity, the newest time, the known account."""
        if other.severity is not None and (self.severity is None or other.severity > self.severity):
            self.severity = other.severity
        if other.updated_at is not None and (self.updated_at is None or other.updated_at > self.updated_at):
            self.updated_at = other.updated_at
        if self.account_id is None:
            self.account_id = other.account_id

    def question(self):
        """The FINDING question of this finding."""
        return Question("finding", FINDING_PROMPT.format(finding_id=self.finding_id), finding_id=self.finding_id)

    def as_result(self):
        updated = None if self.updated_at is None else parse_time(self.updated_at).isoformat()
        return {"finding_id": self.finding_id, "severity": self.severity, "account_id": self.account_id, "updated_at": updated}


def _severity(value, label):
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        severity = float(value)
        if not 0 <= severity <= 10:
            raise ValueError(value)
    except (TypeError, ValueError):
        raise invalid(f"{label}.severity must be a number from 0 to 10 (GuardDuty's scale), got {value!r}") from None
    return severity


def _account(value, label):
    if not ACCOUNT_ID_RE.fullmatch(str(value).strip()):
        raise invalid(f"Invalid {label}.account_id {value!r}: an AWS account id is exactly 12 digits (quote it in YAML)")
    return str(value).strip()


def _updated_at(value, label):
    try:
        return epoch(value)
    except (TypeError, ValueError):
        raise invalid(f"{label}.updated_at is not a time (ISO-8601 or epoch seconds): {value!r}") from None


def _batch_item(item, label):
    """One element of ``findings`` -> BatchFinding: a finding id, a finding as the event source emits it, or its event."""
    if isinstance(item, str):
        return BatchFinding(validate_finding_id(item, label))
    if not isinstance(item, dict):
        raise invalid(f"{label} is not a finding ({type(item).__name__} {item!r}): {BATCH_ITEM_HELP}")
    data = item
    if isinstance(item.get("finding"), dict):
        data, label = item["finding"], label + ".finding"
    finding_id = data.get("id", data.get("finding_id"))
    if finding_id is None:
        raise invalid(f"{label} has no id: {BATCH_ITEM_HELP}")
    finding = BatchFinding(validate_finding_id(finding_id, f"{label}.id"))
    if data.get("severity") is not None:
        finding.severity = _severity(data["severity"], label)
    if data.get("account_id") is not None:
        finding.account_id = _account(data["account_id"], label)
    if data.get("updated_at") not in (None, ""):
        finding.updated_at = _updated_at(data["updated_at"], label)
    return finding


def batch_findings(items):
    """The findings option -> BatchFindings, one per finding id (repeats merged), highest severity first, then newest.

    Raises GuardDutyError(reason=invalid), naming the element, for anything that is not a finding; no API call.
    """
    if not isinstance(items, list):
        raise invalid(f"findings must be a list, got {type(items).__name__}: in it, {BATCH_ITEM_HELP}")
    found = {}
    for index, item in enumerate(items):
        finding = _batch_item(item, f"findings[{index}]")
        if finding.finding_id in found:
            found[finding.finding_id].merge(finding)
        else:
            found[finding.finding_id] = finding
    return sorted(found.values(), key=BatchFinding.priority)


def check_batch_options(opts):
    """Validate a batch's options (no API call): the findings, daily_budget, group_threshold, reuse_window, and that no
    option of a single start is given. Returns (the findings in order, the options with defaults filled)."""
    given = [name for name in QUESTION_OPTIONS + ("client_token",) if opts.get(name) not in (None, False)]
    if given:
        raise invalid(
            f"findings (a batch) cannot be combined with {' and '.join(given)}: each finding of the batch gets its own "
            "question and ClientToken. Start a single investigation without findings"
        )
    for name in ("wait", "include_records"):
        if opts.get(name):
            raise invalid(
                f"{name} applies to a single investigation; a batch returns its decisions without waiting. Wait for the "
                "investigations it started with guardduty_investigation_info (investigation_ids) or the lookup"
            )
    opts = dict(opts)
    for name, default in (("daily_budget", DEFAULT_DAILY_BUDGET), ("group_threshold", DEFAULT_GROUP_THRESHOLD), ("reuse_window", DEFAULT_REUSE_WINDOW)):
        value = opts.get(name)
        if value is None:
            opts[name] = value = default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise invalid(f"{name} must be a whole number, 0 or more, got {value!r}")
    return batch_findings(opts["findings"]), opts


# ---------------------------------------------------------------- the budget's count (one listing)


@GuardDutyErrorHandler.calling("ListInvestigations")
def recent_investigations(client, detector_id, since, region=None):
    """The detector's investigations started since ``since`` (epoch), newest first: pages until one started before it.

    Investigations without a start time are kept (a RUNNING one is running now). The listing is data from the API:
    items that are not dicts with an id are dropped.
    """

    def enough(items):
        started = epoch(items[-1].get("StartTime")) if isinstance(items[-1], dict) else None
        return started is not None and started < since

    items, _pages = read_pages(
        client,
        "list_investigations",
        "Investigations",
        until=enough,
        DetectorId=detector_id,
        SortCriteria={"AttributeName": "START_TIME", "OrderBy": "DESC"},
        PaginationConfig={"PageSize": 50},
    )
    return [item for item in items if isinstance(item, dict) and isinstance(item.get("InvestigationId"), str)]


def started_within(summaries, now, period=BUDGET_PERIOD):
    """Ids of the investigations that count against the budget: started within ``period`` seconds and not FAILED
    (FAILED ones do not count toward GuardDuty's quota either)."""
    ids = set()
    for summary in summaries:
        if summary.get("Status") == "FAILED":
            continue
        try:
            started = started_at(summary)
        except ValueError:
            started = None  # an unreadable start time: counted, to be safe
        if started is None or started >= now - period:
            ids.add(summary["InvestigationId"])
    return ids


# ---------------------------------------------------------------- what the batch needs


class _Unit:
    """One investigation to start or reuse for a batch: a FINDING question for one finding, or an ACCOUNT question
    covering several findings of one account."""

    def __init__(self, question, findings):
        self.question = question
        self.findings = findings  # highest priority first

    @property
    def kind(self):
        return "ACCOUNT" if self.question.subject == "account" else "FINDING"

    @property
    def state(self):
        """What its findings are once it is started (or an existing one reused, for an ACCOUNT unit)."""
        return COVERED if self.kind == "ACCOUNT" else INVESTIGATED

    @property
    def finding_ids(self):
        return [f.finding_id for f in self.findings]


def plan_units(findings, reusable, group_threshold):
    """The investigations a batch needs, highest priority first (a group ranks by its highest finding).

    ``reusable`` (finding id -> existing investigation) are left out. The other findings of an account with more than
    ``group_threshold`` of them in the batch form one ACCOUNT unit; every other finding (and one without an account)
    its own FINDING unit.
    """
    open_findings = [f for f in findings if f.finding_id not in reusable]
    by_account = {}
    for finding in open_findings:
        if finding.account_id is not None:
            by_account.setdefault(finding.account_id, []).append(finding)
    grouped = {account for account, members in by_account.items() if len(members) > group_threshold}
    units, placed = [], set()
    for finding in open_findings:
        account = finding.account_id
        if account not in grouped:
            units.append(_Unit(finding.question(), [finding]))
        elif account not in placed:
            placed.add(account)
            units.append(_Unit(Question("account", ACCOUNT_PROMPT.format(account_id=account), account_id=account), by_account[account]))
    return units


# ---------------------------------------------------------------- one run's decisions


class Triage:
    """One run of a batch: the listing it started from, what counts against the budget, what it started, and the
    decision of every finding (state, investigation id, investigation type, reason).

    One listing (ListInvestigations, newest first, the last 24 hours or the reuse window if longer) gives both the
    budget's count and the investigations to reuse; then one CreateInvestigation per investigation started, each after
    the first preceded by a new count (one listing of the last 24 hours), so that what another runner started
    meanwhile counts too.
    """

    def __init__(self, reader, detector_id, findings, opts, check_mode, warn, now):
        self.reader, self.detector_id, self.findings = reader, detector_id, findings
        self.window, self.budget, self.group_threshold = opts["reuse_window"], opts["daily_budget"], opts["group_threshold"]
        self.check_mode, self.warn, self.now = check_mode, warn, now
        since = now - max(self.window, BUDGET_PERIOD)
        self.listing = recent_investigations(reader.client, detector_id, since, reader.region) if findings else []
        self.counted = started_within(self.listing, now)  # what uses the budget (ids), as the listings show it
        self.started_last_24h = len(self.counted)
        self.started = []  # what this run started (in check mode: what it would start)
        self.decided = {}  # finding id -> (state, investigation id, investigation type, reason)
        self.investigations = []
        self.failed_of = {}  # finding id -> FAILED attempts of its question in the window (its ClientToken)
        self.quota_refusal = None
        self.changed = False

    def room(self):
        """What is left of the budget; an investigation of this run that a later listing shows is counted once."""
        return max(0, self.budget - len(self.counted | set(self.started)))

    def existing(self, question):
        """(an investigation of ``question`` to reuse or None, its FAILED attempts) in the listing, within the window."""
        return select_existing(question, self.listing, self.now, self.window) if self.window else (None, [])

    def decide(self, finding_ids, state, investigation_id=None, investigation_type=None, reason=None):
        for finding_id in finding_ids:
            self.decided[finding_id] = (state, investigation_id, investigation_type, reason)

    def record(self, investigation_id, kind, prompt, token, account_id, finding_ids, reused):
        self.investigations.append(
            {"investigation_id": investigation_id, "investigation_type": kind, "trigger_prompt": prompt, "client_token": token,
             "account_id": account_id, "finding_ids": finding_ids, "reused": reused}
        )

    # -- the steps

    def reuse_findings(self):
        """Reuse what already investigates a finding (REUSED); returns {finding id: existing investigation}."""
        reusable = {}
        for finding in self.findings:
            existing, self.failed_of[finding.finding_id] = self.existing(finding.question())
            if existing is not None:
                reusable[finding.finding_id] = existing
        for finding_id, existing in reusable.items():
            self.record(existing["InvestigationId"], "FINDING", existing.get("TriggerPrompt"), None, None, [finding_id], True)
            self.decide([finding_id], REUSED, existing["InvestigationId"], "FINDING")
        return reusable

    def reuse_account(self, unit):
        """An ACCOUNT unit an existing investigation covers (COVERED, nothing started): True; else its FAILED attempts."""
        existing, failed = self.existing(unit.question)
        if existing is None:
            return False, failed
        self.record(existing["InvestigationId"], "ACCOUNT", existing.get("TriggerPrompt"), None, unit.question.account_id, unit.finding_ids, True)
        self.decide(unit.finding_ids, COVERED, existing["InvestigationId"], "ACCOUNT")
        return True, failed

    def count_again(self):
        """Before a start that is not the run's first: another runner may have started investigations since the listing."""
        if self.started and not self.check_mode and self.quota_refusal is None and self.room() > 0:
            self.counted |= started_within(recent_investigations(self.reader.client, self.detector_id, self.now - BUDGET_PERIOD, self.reader.region), self.now)

    def deferred(self, unit):
        """Defer the unit when the quota refused a start in this run or the budget is spent: True when it was."""
        if self.quota_refusal is None and self.room() > 0:
            return False
        self.decide(unit.finding_ids, DEFERRED, reason=QUOTA if self.quota_refusal is not None else BUDGET)
        return True

    def create(self, unit, token):
        """CreateInvestigation for the unit (not in check mode): its id, or None when GuardDuty refused it for the quota
        (final for the day: never retried, nothing else created in this run, the unit deferred)."""
        if self.check_mode:
            return None
        try:
            return create_investigation(self.reader.client, self.detector_id, unit.question.prompt, token, self.reader.region, bool(self.window))
        except GuardDutyError as e:
            if e.reason != "quota":
                raise
            self.quota_refusal = e
            self.warn(f"{e.message}. The findings left are deferred (reason quota); nothing more is started in this run")
            self.decide(unit.finding_ids, DEFERRED, reason=QUOTA)
            raise _Refused() from None

    def start(self, unit, failed):
        """Start the unit's investigation (in check mode: say it would be started) and decide its findings."""
        question = unit.question
        token = derive_client_token(self.detector_id, question.prompt, self.window, self.now, failed)
        try:
            investigation_id = self.create(unit, token)
        except _Refused:
            return
        self.changed = True  # started (in check mode: would be), as a single start reports it
        self.started.append(investigation_id or f"(would start {question.prompt})")
        self.record(investigation_id, unit.kind, question.prompt, token, question.account_id, unit.finding_ids, False)
        self.decide(unit.finding_ids, unit.state, investigation_id, unit.kind)

    def unit(self, unit):
        """Decide one unit: an ACCOUNT investigation to reuse, or deferred, or started."""
        failed = self.failed_of.get(unit.finding_ids[0], [])
        if unit.kind == "ACCOUNT":
            reused, failed = self.reuse_account(unit)
            if reused:
                return
        self.count_again()
        if not self.deferred(unit):
            self.start(unit, failed)

    def result(self, default=None):
        """The module result: every finding's decision (``default`` for those not decided), what was started or reused,
        the budget, and the count of each state."""
        decisions = []
        for finding in self.findings:
            state, investigation_id, investigation_type, reason = self.decided.get(finding.finding_id, default)
            decision = finding.as_result()
            decision.update(state=state, investigation_id=investigation_id, investigation_type=investigation_type)
            if state == DEFERRED:
                decision["reason"] = reason
            decisions.append(decision)
        budget = {"daily_budget": self.budget, "started_last_24h": self.started_last_24h, "remaining": self.room(),
                  "quota_refused": self.quota_refusal is not None}
        if self.quota_refusal is not None:
            budget["quota_message"] = self.quota_refusal.message
        return {
            "changed": self.changed,
            "detector_id": self.detector_id,
            "decisions": decisions,
            "investigations": self.investigations,
            "budget": budget,
            "counts": {state: sum(1 for d in decisions if d["state"] == state) for state in STATES},
        }


class _Refused(Exception):
    """A start the quota refused (Triage.create has decided the unit already)."""


def triage(reader, opts, check_mode, warn, now=None):
    """Decide a batch of findings (see Triage); start what the budget allows, unless in check mode. Returns the result;
    a failure carries the result so far (the findings not decided yet deferred, reason error)."""
    findings, opts = check_batch_options({name: opts.get(name) for name in READ_OPTION_NAMES + START_OPTION_NAMES + BATCH_OPTION_NAMES})
    warn_unused_allow_failed(opts, warn)
    detector_id = reader.resolve_detector(opts.get("detector_id"))
    run = Triage(reader, detector_id, findings, opts, check_mode, warn, time.time() if now is None else now)
    try:
        reusable = run.reuse_findings()
        for unit in plan_units(findings, reusable, opts["group_threshold"]):
            run.unit(unit)
    except GuardDutyError as e:
        e.kwargs = dict(e.kwargs, **run.result(default=(DEFERRED, None, None, ERROR)))
        raise
    return run.result()
