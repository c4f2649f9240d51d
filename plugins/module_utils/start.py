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

A batch of findings (``findings``) is triaged instead (triage.py): each finding ends in exactly one state
(investigated, covered by an ACCOUNT investigation, reused, or deferred for the daily budget or the quota), highest
severity first, within a daily budget counted from ListInvestigations, with this module's reuse, ClientToken and
create.

Nothing here knows which face called it; ``run_start_module`` is the module's one entry point.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid

from ansible_collections.secops.guardduty.plugins.module_utils.client import PREVIEW_REGIONS
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


def started_at(summary):
    """When an investigation (summary) started, epoch seconds; None without a start time, ValueError when unreadable."""
    return epoch(summary.get("StartTime"))


def _in_window(summary, now, reuse_window):
    started = started_at(summary)
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
    best = max(reusable, key=lambda s: (started_at(s) or now, s.get("Status") == "COMPLETED"), default=None)
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


# The options of a batch of findings (triage.py); a single start refuses the settings.
BATCH_SETTINGS = ("daily_budget", "group_threshold")
BATCH_OPTION_NAMES = ("findings",) + BATCH_SETTINGS


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


def run_start_module(module):
    """guardduty_investigation: start (or reuse) one investigation, or triage a batch; fail with one clear message."""
    # triage.py builds on this module (the question, reuse, the ClientToken, create): imported here, not at the top
    from ansible_collections.secops.guardduty.plugins.module_utils.triage import triage  # pylint: disable=import-outside-toplevel

    opts = {name: module.params.get(name) for name in READ_OPTION_NAMES + START_OPTION_NAMES + BATCH_OPTION_NAMES}
    try:
        if opts.get("findings") is not None:
            result = triage(module_reader(module), opts, module.check_mode, module.warn)
        else:
            result = start(module_reader(module), opts, module.check_mode, module.warn)
    except GuardDutyError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)
