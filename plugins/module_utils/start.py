# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Starting investigations without burning quota twice: the question, reuse, the ClientToken, create, diagnosis.

GuardDuty allows 10 investigations per account per day and 100 in total (failed ones do not count) and has
no cancel or delete, so a start is made idempotent in two layers:

1. reuse - an investigation of the same question that is RUNNING or COMPLETED and started within
   ``reuse_window`` seconds is returned instead of starting another one;
2. a deterministic ClientToken - sha256 of detector, prompt and the ``reuse_window`` time bucket (plus the
   ids of FAILED attempts of the same question in the window), so a retried or re-run create within the
   window gets the same investigation back from GuardDuty. Create is only ever retried with that token.

A batch of findings (``findings``) is triaged instead (``triage``): each finding ends in exactly one state
(investigated, covered by an ACCOUNT investigation, reused, or deferred for the daily budget or the quota), highest
severity first, within a daily budget counted from ListInvestigations, with the same reuse, ClientToken and create
as a single start.

Nothing here knows which face called it; ``run_start_module`` is the module's one entry point.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid

from ansible_collections.secops.guardduty.plugins.module_utils.client import PREVIEW_REGIONS
from ansible_collections.secops.guardduty.plugins.module_utils.client import read_pages
from ansible_collections.secops.guardduty.plugins.module_utils.client import sdk_requirement
from ansible_collections.secops.guardduty.plugins.module_utils.errors import IAM_ACTIONS
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyErrorHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import api_error
from ansible_collections.secops.guardduty.plugins.module_utils.errors import classify
from ansible_collections.secops.guardduty.plugins.module_utils.errors import error_code
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.model import finding_ids_in
from ansible_collections.secops.guardduty.plugins.module_utils.model import epoch
from ansible_collections.secops.guardduty.plugins.module_utils.model import parse_time
from ansible_collections.secops.guardduty.plugins.module_utils.model import validate_finding_id
from ansible_collections.secops.guardduty.plugins.module_utils.options import READ_OPTION_NAMES
from ansible_collections.secops.guardduty.plugins.module_utils.options import check_read_options
from ansible_collections.secops.guardduty.plugins.module_utils.options import length_limits
from ansible_collections.secops.guardduty.plugins.module_utils.read import fetch
from ansible_collections.secops.guardduty.plugins.module_utils.read import module_reader
from ansible_collections.secops.guardduty.plugins.module_utils.read import warn_unused_allow_failed

# The sample prompts of the GuardDuty user guide (and of the TriggerPrompt documentation in the API model).
# No documented form names a finding without its account, so a finding alone is asked about by id only;
# GuardDuty infers the FINDING type from the single 32-hex id in the prompt.
FINDING_PROMPT = "Investigate finding {finding_id}"
ACCOUNT_PROMPT = "Analyze findings in account with id {account_id}"
ORGANIZATION_PROMPT = "Analyze findings in my organization"

QUESTION_OPTIONS = ("finding_id", "account_id", "organization", "trigger_prompt")
START_OPTION_NAMES = QUESTION_OPTIONS + ("reuse_window", "client_token")
DEFAULT_REUSE_WINDOW = 86400

ACCOUNT_ID_RE = re.compile(r"[0-9]{12}")

TOKEN_NAMESPACE = "secops.guardduty/guardduty_investigation/1"

REUSABLE = ("RUNNING", "COMPLETED")
QUOTA_RE = re.compile(r"quota|limit ?exceeded|exceed\w* (the )?(\w+ )?limit|maximum number of investigations", re.I)

AI_ANALYST_FIX = """aws guardduty update-detector --detector-id {detector_id} --features '[{{"Name":"AI_ANALYST","Status":"ENABLED"}}]' --region {region}"""


def _same_text(left, right):
    """Two prompts ask the same thing when they differ only in case and spacing."""
    return " ".join((left or "").split()).casefold() == " ".join((right or "").split()).casefold()


# ---------------------------------------------------------------- the question (validation, no API call)


class Question:
    """What to investigate: the prompt sent to GuardDuty, and how to recognise an investigation of it."""

    def __init__(self, subject, prompt, finding_id=None, account_id=None):
        self.subject = subject  # finding, account, organization or prompt
        self.prompt = prompt
        self.finding_id = finding_id
        self.account_id = account_id

    def matches(self, summary):
        """True when ``summary`` (an InvestigationSummary or Investigation) investigates this question.

        Same prompt text (ignoring case and spacing) always matches. For a finding, an investigation GuardDuty
        reports as being about that finding (FindingId, set once COMPLETED) matches too, and so does one whose
        prompt names that finding id and no other (a RUNNING one started from the console, say).
        """
        if _same_text(summary.get("TriggerPrompt"), self.prompt):
            return True
        if self.subject != "finding":
            return False
        finding = summary.get("FindingId") or (summary.get("Scope") or {}).get("FindingId")
        if finding:
            return finding.lower() == self.finding_id
        if summary.get("InvestigationType") not in (None, "FINDING"):
            return False
        return finding_ids_in(summary.get("TriggerPrompt")) == [self.finding_id]

    def __repr__(self):
        return f"Question({self.subject!r}, {self.prompt!r})"


def build_question(client, finding_id=None, account_id=None, organization=None, trigger_prompt=None):
    """Exactly one of the four ways to say what to investigate -> Question. Raises GuardDutyError(reason=invalid)."""
    given = []
    if finding_id is not None:
        given.append("finding_id")
    if account_id is not None:
        given.append("account_id")
    if organization:
        given.append("organization=true")
    if trigger_prompt is not None:
        given.append("trigger_prompt")
    choices = "finding_id, account_id, organization=true or trigger_prompt"
    if not given:
        raise invalid(f"Nothing to investigate: give exactly one of {choices}, or a batch of findings in findings")
    if len(given) > 1:
        raise invalid(
            f"Give exactly one of {choices}; got {' and '.join(given)}. "
            "To ask about a finding in a given account, write the whole question in trigger_prompt"
        )

    if finding_id is not None:
        fid = validate_finding_id(finding_id)
        return Question("finding", FINDING_PROMPT.format(finding_id=fid), finding_id=fid)
    if account_id is not None:
        account = str(account_id).strip()
        if not ACCOUNT_ID_RE.fullmatch(account):
            raise invalid(f"Invalid account_id {account_id!r}: an AWS account id is exactly 12 digits (quote it in YAML so leading zeros are kept)")
        return Question("account", ACCOUNT_PROMPT.format(account_id=account), account_id=account)
    if organization:
        return Question("organization", ORGANIZATION_PROMPT)

    if not isinstance(trigger_prompt, str):
        raise invalid(f"trigger_prompt must be a string, got {type(trigger_prompt).__name__}")
    low, high = length_limits(client, "TriggerPrompt")
    if not trigger_prompt.strip():
        raise invalid("trigger_prompt is empty: write the question for GuardDuty, or use finding_id, account_id or organization")
    if not low <= len(trigger_prompt) <= high:
        raise invalid(f"trigger_prompt is {len(trigger_prompt)} characters long; GuardDuty accepts {low} to {high}. Shorten it")
    return Question("prompt", trigger_prompt)


def check_start_options(client, opts):
    """Validate the start options (the question, reuse_window, client_token); no API call. Returns the Question."""
    question = build_question(client, **{name: opts.get(name) for name in QUESTION_OPTIONS})
    window = opts.get("reuse_window")
    if window is None:
        opts["reuse_window"] = window = DEFAULT_REUSE_WINDOW
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise invalid(f"reuse_window must be a whole number of seconds, 0 or more (0 disables reuse), got {window!r}")
    token = opts.get("client_token")
    if token is not None:
        _low, high = length_limits(client, "ClientToken")
        if not isinstance(token, str) or not 1 <= len(token) <= high:
            length = len(token) if isinstance(token, str) else type(token).__name__
            raise invalid(f"client_token must be 1 to {high} characters, got {length}; leave it out to derive one")
    return question


# ---------------------------------------------------------------- the ClientToken


def derive_client_token(detector_id, prompt, reuse_window, now, failed_ids=()):
    """The ClientToken for this question: the same within one ``reuse_window`` bucket, a fresh one otherwise.

    reuse_window 0 means "always start a new one": a random token for this run (its retries still share it).
    ``failed_ids`` are FAILED attempts of the same question in the window; they salt the token so that a new
    attempt is not answered with the FAILED investigation the previous token created.
    """
    if not reuse_window:
        return uuid.uuid4().hex
    bucket = int(now // reuse_window)
    material = "\n".join([TOKEN_NAMESPACE, detector_id, prompt, f"{reuse_window}:{bucket}"] + sorted(failed_ids))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- reuse


def _started_at(summary):
    return epoch(summary.get("StartTime"))


def _in_window(summary, now, reuse_window):
    started = _started_at(summary)
    if started is None:
        # no start time: a RUNNING investigation is running now; anything else cannot be placed in time
        return summary.get("Status") == "RUNNING"
    return started >= now - reuse_window


def select_existing(question, summaries, now, reuse_window):
    """(the newest reusable investigation or None, ids of FAILED attempts) of this question in the window."""
    reusable, failed, seen = [], [], set()
    for summary in summaries:
        iid = summary.get("InvestigationId")
        if iid in seen or not question.matches(summary) or not _in_window(summary, now, reuse_window):
            continue
        seen.add(iid)
        if summary.get("Status") in REUSABLE:
            reusable.append(summary)
        elif summary.get("Status") == "FAILED":
            failed.append(iid)
    best = max(reusable, key=lambda s: (_started_at(s) or now, s.get("Status") == "COMPLETED"), default=None)
    return best, failed


def list_candidates(reader, detector_id, question):
    """The investigations that may be of this question (one or two listings, every page)."""
    if sdk_requirement("filters") is not None:
        return reader.list(detector_id)  # botocore < 1.44.2 cannot filter: compare every prompt
    if question.subject == "finding":
        # FindingId is only set once COMPLETED: filter on it, and compare the prompts of the others
        by_finding = reader.list(detector_id, {"Criterion": {"FINDING_ID": {"Equals": [question.finding_id]}}})
        unsettled = reader.list(detector_id, {"Criterion": {"STATUS": {"Equals": ["RUNNING", "FAILED"]}}})
        return by_finding + unsettled
    return reader.list(detector_id)


# ---------------------------------------------------------------- create and diagnosis


@GuardDutyErrorHandler.calling("GetDetector")
def _get_detector(client, detector_id):
    return client.get_detector(DetectorId=detector_id, aws_retry=True)


def ai_analyst_status(client, detector_id):
    """(status, problem): AI_ANALYST's status on the detector (DISABLED when absent), or None and why it is unknown."""
    try:
        detector = _get_detector(client, detector_id)
    except GuardDutyError as e:
        code, message, _status = error_code(e.exception)
        return None, f"GetDetector failed ({code or message}), so whether AI_ANALYST is enabled could not be checked"
    for feature in detector.get("Features") or []:
        if feature.get("Name") == "AI_ANALYST":
            return feature.get("Status") or "DISABLED", None
    return "DISABLED", None


def diagnose_create_error(client, exc, detector_id, region, client_token, stable_token=True):
    """One GuardDutyError saying why CreateInvestigation was refused and what to do about it.

    ``stable_token`` tells whether a re-run sends the same ClientToken (not so with reuse_window 0).
    """
    code, message, _status = error_code(exc)
    reason = classify(exc)
    if reason in ("detector", "credentials"):
        return api_error(exc, "CreateInvestigation", detector_id, region=region)
    where = f"detector {detector_id}" + (f" in {region}" if region else "")
    base = f"GuardDuty refused to start the investigation on {where}"
    if reason == "server":
        if stable_token:
            advice = (
                "Running the task again is safe: it reuses the investigation if this attempt did start one, or sends the "
                f"same ClientToken {client_token} so that GuardDuty returns it instead of starting another"
            )
        else:
            advice = (
                "This attempt may still have started an investigation, and with reuse_window 0 a new run would start "
                "another: check with guardduty_investigation_info before running the task again"
            )
        return GuardDutyError(
            f"CreateInvestigation on {where} kept failing after retries (the endpoint did not answer or answered with a server error). {advice}",
            exception=exc,
            reason="api",
        )
    if reason == "quota" or QUOTA_RE.search(message):
        return GuardDutyError(
            f"{base}: the investigation quota is used up. The preview allows 10 investigations per account per day and "
            "100 in total; FAILED investigations do not count. Reuse an existing investigation (see reuse_window and "
            "guardduty_investigation_info) or try again tomorrow",
            exception=exc,
            reason="quota",
        )
    if region and region not in PREVIEW_REGIONS:
        return GuardDutyError(
            f"{base}: {region} is not one of the ten Regions where the investigation preview is available "
            f"({', '.join(PREVIEW_REGIONS)}). Run the task against one of them",
            exception=exc,
            reason="region",
        )
    denied = reason == "denied"
    member = (
        "either this is a member account (only administrator or standalone accounts may create investigations; run the "
        "task in the administrator account and name the member with account_id), or the caller lacks "
        f"{IAM_ACTIONS['CreateInvestigation']} on arn:aws:guardduty:<region>:<account>:detector/{detector_id} and .../*"
    )
    feature, unknown = ai_analyst_status(client, detector_id)
    if feature is not None and feature != "ENABLED":
        fix = AI_ANALYST_FIX.format(detector_id=detector_id, region=region or "<region>")
        text = (
            f"{base}: the AI_ANALYST feature is not enabled on detector {detector_id} (it is {feature}). "
            f"Enable it with: {fix} (or in the console: Settings, AI powered investigations)"
        )
        if denied:
            text += f". If it is still refused after that: {member}"
        return GuardDutyError(text, exception=exc, reason="feature")
    if denied:
        text = f"{base}: access denied. The likely reason: {member}"
        if unknown:
            text += f". ({unknown}.)"
        return GuardDutyError(text, exception=exc, reason="denied")
    text = f"{base} ({code or 'error'})"
    if unknown:
        text += f". {unknown}"
    text += (
        ". Check that the prompt names a finding or account this account owns or administers, that AI_ANALYST is "
        "enabled and that this is an administrator or standalone account"
    )
    return GuardDutyError(text, exception=exc, reason="api")


def _diagnose(exc, call):
    return diagnose_create_error(call["client"], exc, call["detector_id"], call["region"], call["client_token"], call.get("stable_token", True))


@GuardDutyErrorHandler.calling("CreateInvestigation", on_error=_diagnose)
def create_investigation(client, detector_id, prompt, client_token, region=None, stable_token=True):
    """CreateInvestigation with the fixed ClientToken (so its retries can only ever get the same one back)."""
    response = client.create_investigation(aws_retry=True, DetectorId=detector_id, TriggerPrompt=prompt, ClientToken=client_token)
    return response["InvestigationId"]


# ---------------------------------------------------------------- the flow


def _just_created(investigation_id, prompt):
    # GuardDuty answered 202 with the id but does not show it yet: it has just started, so it is RUNNING
    return {"InvestigationId": investigation_id, "Status": "RUNNING", "TriggerPrompt": prompt}


def start(reader, opts, check_mode, warn, now=None):
    """Reuse or create (never twice), then read it like the info module. Returns the module result."""
    given = [name for name in BATCH_SETTINGS if opts.get(name) is not None]
    if given:
        verb, them = ("applies", "it") if len(given) == 1 else ("apply", "them")
        raise invalid(f"{' and '.join(given)} only {verb} to a batch of findings (the findings option); leave {them} out to start one investigation")
    opts = check_read_options({name: opts.get(name) for name in READ_OPTION_NAMES + START_OPTION_NAMES})
    question = check_start_options(reader.client, opts)
    warn_unused_allow_failed(opts, warn)
    now = time.time() if now is None else now
    window = opts["reuse_window"]

    detector_id = reader.resolve_detector(opts.get("detector_id"))
    existing, failed = None, []
    if window:
        existing, failed = select_existing(question, list_candidates(reader, detector_id, question), now, window)
    token = opts.get("client_token") or derive_client_token(detector_id, question.prompt, window, now, failed)
    result = {
        "detector_id": detector_id,
        "trigger_prompt": question.prompt,
        "client_token": token,
        "reused": existing is not None,
        "changed": existing is None,
    }

    if existing is not None:
        investigation_id = existing["InvestigationId"]
        states = None
    elif check_mode:
        return result  # would create one: no call, nothing to read
    else:
        try:
            stable = bool(window or opts.get("client_token"))
            investigation_id = create_investigation(reader.client, detector_id, question.prompt, token, reader.region, stable)
        except GuardDutyError as e:
            e.kwargs = dict(e.kwargs, **dict(result, changed=False))
            raise
        states = reader.get_many(detector_id, [investigation_id], opts["summary_format"])
        if not opts["wait"] and getattr(states[investigation_id], "reason", None) == "missing":
            states = {investigation_id: _just_created(investigation_id, question.prompt)}
    result["investigation_id"] = investigation_id

    try:
        result["investigation"] = fetch(reader, detector_id, [investigation_id], opts, warn, states=states)[0]
    except GuardDutyError as e:
        # the investigation exists (and may just have been started): say so in the failed result too
        e.kwargs = dict(e.kwargs, **result)
        raise
    return result


# ---------------------------------------------------------------- a batch of findings: triage
#
# Each finding of the batch ends in exactly one state: investigated (its own FINDING investigation, started now),
# covered (by one ACCOUNT investigation of its account, started now or reused), reused (an investigation of the
# finding already exists) or deferred (budget, quota, or error when the task failed before deciding it). Reuse costs
# nothing; every other start takes one from the daily budget, highest severity first (then newest). A quota refusal
# ends the starts of the run: nothing is created after it, and it is never retried.

BATCH_SETTINGS = ("daily_budget", "group_threshold")
BATCH_OPTION_NAMES = ("findings",) + BATCH_SETTINGS
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

    def as_result(self):
        updated = None if self.updated_at is None else parse_time(self.updated_at).isoformat()
        return {"finding_id": self.finding_id, "severity": self.severity, "account_id": self.account_id, "updated_at": updated}


def _batch_item(item, label):
    if isinstance(item, str):
        return BatchFinding(validate_finding_id(item, label))
    if not isinstance(item, dict):
        raise invalid(f"{label} is not a finding ({type(item).__name__} {item!r}): {BATCH_ITEM_HELP}")
    data = item["finding"] if isinstance(item.get("finding"), dict) else item
    if isinstance(item.get("finding"), dict):
        label += ".finding"
    finding_id = data.get("id", data.get("finding_id"))
    if finding_id is None:
        raise invalid(f"{label} has no id: {BATCH_ITEM_HELP}")
    finding = BatchFinding(validate_finding_id(finding_id, f"{label}.id"))
    severity = data.get("severity")
    if severity is not None:
        try:
            if isinstance(severity, bool):
                raise ValueError(severity)
            finding.severity = float(severity)
            if not 0 <= finding.severity <= 10:
                raise ValueError(severity)
        except (TypeError, ValueError):
            raise invalid(f"{label}.severity must be a number from 0 to 10 (GuardDuty's scale), got {severity!r}") from None
    account = data.get("account_id")
    if account is not None:
        if not ACCOUNT_ID_RE.fullmatch(str(account).strip()):
            raise invalid(f"Invalid {label}.account_id {account!r}: an AWS account id is exactly 12 digits (quote it in YAML)")
        finding.account_id = str(account).strip()
    updated = data.get("updated_at")
    if updated not in (None, ""):
        try:
            finding.updated_at = epoch(updated)
        except (TypeError, ValueError):
            raise invalid(f"{label}.updated_at is not a time (ISO-8601 or epoch seconds): {updated!r}") from None
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
            started = _started_at(summary)
        except ValueError:
            started = None  # an unreadable start time: counted, to be safe
        if started is None or started >= now - period:
            ids.add(summary["InvestigationId"])
    return ids


class _Unit:
    """One investigation to start or reuse for a batch: a FINDING question for one finding, or an ACCOUNT question
    covering several findings of one account."""

    def __init__(self, question, findings):
        self.question = question
        self.findings = findings  # highest priority first

    @property
    def kind(self):
        return "ACCOUNT" if self.question.subject == "account" else "FINDING"


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
        if account in grouped:
            if account not in placed:
                placed.add(account)
                units.append(_Unit(Question("account", ACCOUNT_PROMPT.format(account_id=account), account_id=account), by_account[account]))
        else:
            question = Question("finding", FINDING_PROMPT.format(finding_id=finding.finding_id), finding_id=finding.finding_id)
            units.append(_Unit(question, [finding]))
    return units


def _decision(finding, state, investigation_id=None, investigation_type=None, reason=None):
    decision = finding.as_result()
    decision.update(state=state, investigation_id=investigation_id, investigation_type=investigation_type)
    if state == DEFERRED:
        decision["reason"] = reason
    return decision


def triage(reader, opts, check_mode, warn, now=None):
    """Decide a batch of findings (see above); start what the budget allows, unless in check mode. Returns the result.

    One listing (ListInvestigations, newest first, the last 24 hours or the reuse window if longer) gives both the
    budget's count and the investigations to reuse; then one CreateInvestigation per investigation started, each after
    the first preceded by a new count (one listing of the last 24 hours), so that what another runner started
    meanwhile counts too.
    """
    findings, opts = check_batch_options({name: opts.get(name) for name in READ_OPTION_NAMES + START_OPTION_NAMES + BATCH_OPTION_NAMES})
    warn_unused_allow_failed(opts, warn)
    now = time.time() if now is None else now
    window, budget = opts["reuse_window"], opts["daily_budget"]
    detector_id = reader.resolve_detector(opts.get("detector_id"))
    result = {"changed": False, "detector_id": detector_id, "decisions": [], "investigations": []}
    listing = recent_investigations(reader.client, detector_id, now - max(window, BUDGET_PERIOD), reader.region) if findings else []
    counted = started_within(listing, now)  # what uses the budget (ids), as the listings show it
    started = []  # what this run started (in check mode: what it would start)
    result["budget"] = {"daily_budget": budget, "started_last_24h": len(counted), "remaining": 0, "quota_refused": False}

    def room():
        # by id: an investigation of this run that a later listing shows is counted once
        return max(0, budget - len(counted | set(started)))

    decided = {}  # finding id -> decision
    reusable = {}
    failed_of = {}
    for finding in findings:
        question = Question("finding", FINDING_PROMPT.format(finding_id=finding.finding_id), finding_id=finding.finding_id)
        existing, failed = select_existing(question, listing, now, window) if window else (None, [])
        failed_of[finding.finding_id] = failed
        if existing is not None:
            reusable[finding.finding_id] = existing

    investigations = []
    for finding_id, existing in reusable.items():
        investigations.append(
            {"investigation_id": existing["InvestigationId"], "investigation_type": "FINDING", "trigger_prompt": existing.get("TriggerPrompt"),
             "client_token": None, "account_id": None, "finding_ids": [finding_id], "reused": True}
        )
        decided[finding_id] = (REUSED, existing["InvestigationId"], "FINDING", None)

    quota_refusal = None
    units = plan_units(findings, reusable, opts["group_threshold"])
    try:
        for unit in units:
            question, ids = unit.question, [f.finding_id for f in unit.findings]
            state = COVERED if unit.kind == "ACCOUNT" else INVESTIGATED
            failed = []
            if unit.kind == "ACCOUNT":
                existing, failed = select_existing(question, listing, now, window) if window else (None, [])
                if existing is not None:
                    investigations.append(
                        {"investigation_id": existing["InvestigationId"], "investigation_type": "ACCOUNT", "trigger_prompt": existing.get("TriggerPrompt"),
                         "client_token": None, "account_id": question.account_id, "finding_ids": ids, "reused": True}
                    )
                    for finding_id in ids:
                        decided[finding_id] = (COVERED, existing["InvestigationId"], "ACCOUNT", None)
                    continue
            else:
                failed = failed_of[ids[0]]
            if started and not check_mode and quota_refusal is None and room() > 0:
                # another runner may have started investigations since the listing: count again right before starting
                counted |= started_within(recent_investigations(reader.client, detector_id, now - BUDGET_PERIOD, reader.region), now)
            if quota_refusal is not None or room() <= 0:
                for finding_id in ids:
                    decided[finding_id] = (DEFERRED, None, None, QUOTA if quota_refusal is not None else BUDGET)
                continue
            token = derive_client_token(detector_id, question.prompt, window, now, failed)
            investigation_id = None
            if not check_mode:
                try:
                    investigation_id = create_investigation(reader.client, detector_id, question.prompt, token, reader.region, bool(window))
                except GuardDutyError as e:
                    if e.reason != "quota":
                        raise
                    # final for the day: never retried, nothing else created in this run
                    quota_refusal = e
                    warn(f"{e.message}. The findings left are deferred (reason quota); nothing more is started in this run")
                    for finding_id in ids:
                        decided[finding_id] = (DEFERRED, None, None, QUOTA)
                    continue
            result["changed"] = True  # started (in check mode: would be), as a single start reports it
            started.append(investigation_id or f"(would start {question.prompt})")
            investigations.append(
                {"investigation_id": investigation_id, "investigation_type": unit.kind, "trigger_prompt": question.prompt, "client_token": token,
                 "account_id": question.account_id, "finding_ids": ids, "reused": False}
            )
            for finding_id in ids:
                decided[finding_id] = (state, investigation_id, unit.kind, None)
    except GuardDutyError as e:
        # what was started is reported with the failure; the findings not decided yet are deferred (reason error)
        _finish(result, findings, decided, investigations, room(), quota_refusal, default=(DEFERRED, None, None, ERROR))
        e.kwargs = dict(e.kwargs, **result)
        raise
    _finish(result, findings, decided, investigations, room(), quota_refusal)
    return result


def _finish(result, findings, decided, investigations, room, quota_refusal, default=None):
    result["decisions"] = [_decision(f, *decided.get(f.finding_id, default)) for f in findings]
    result["investigations"] = investigations
    result["budget"].update(remaining=room, quota_refused=quota_refusal is not None)
    if quota_refusal is not None:
        result["budget"]["quota_message"] = quota_refusal.message
    result["counts"] = {state: sum(1 for d in result["decisions"] if d["state"] == state) for state in STATES}


def run_start_module(module):
    """guardduty_investigation: start (or reuse) one investigation, or triage a batch; fail with one clear message."""
    opts = {name: module.params.get(name) for name in READ_OPTION_NAMES + START_OPTION_NAMES + BATCH_OPTION_NAMES}
    try:
        if opts.get("findings") is not None:
            result = triage(module_reader(module), opts, module.check_mode, module.warn)
        else:
            result = start(module_reader(module), opts, module.check_mode, module.warn)
    except GuardDutyError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)
