# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading investigations: input validation against botocore's model, calls, and normalisation.

Everything here is shared by the modules and the lookup; nothing here knows which face called it.
"""

from __future__ import annotations

import json
import re

try:
    import botocore
except ImportError:
    pass  # The faces report a missing botocore through amazon.aws.

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.secops.guardduty.plugins.module_utils.common import DEFAULT_CONCURRENCY
from ansible_collections.secops.guardduty.plugins.module_utils.common import EXTRA_RETRY_CODES
from ansible_collections.secops.guardduty.plugins.module_utils.common import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.common import credentials_message
from ansible_collections.secops.guardduty.plugins.module_utils.common import is_credentials_error
from ansible_collections.secops.guardduty.plugins.module_utils.common import sdk_requirement

FILTER_KEYS = ("status", "risk_level", "confidence", "finding_id", "investigation_type")
SORT_FIELDS = ("start_time", "end_time", "status", "risk_level", "confidence")
RECORD_TYPES = ("observation", "analysis", "update", "fetch", "metadata")
SUMMARY_FORMATS = {"text": "STRING", "structured": "STRUCTURED"}
FINDING_ID_RE = re.compile(r"[a-f0-9]{32}")

# IAM action a caller needs for each operation we make (used in access-denied messages and docs/iam.md).
IAM_ACTIONS = {
    "ListDetectors": "guardduty:ListDetectors",
    "GetDetector": "guardduty:GetDetector",
    "GetInvestigation": "guardduty:GetInvestigation",
    "ListInvestigations": "guardduty:ListInvestigations",
    "ListInvestigationRecords": "guardduty:ListInvestigationRecords",
    "CreateInvestigation": "guardduty:CreateInvestigation",
    "ListFindings": "guardduty:ListFindings",
    "GetFindings": "guardduty:GetFindings",
}


def _paginate(client, operation, result_key, **params):
    """Follow every page with botocore's paginator; the whole listing is retried on throttling."""

    @AWSRetry.jittered_backoff(catch_extra_error_codes=EXTRA_RETRY_CODES)
    def _all_pages():
        return client.get_paginator(operation).paginate(**params).build_full_result().get(result_key, [])

    return _all_pages()


# ---------------------------------------------------------------- errors


def rejects_detector(exc):
    """True for GuardDuty's 400 on a detector id the caller does not own (wrong id, account or Region)."""
    if not isinstance(exc, is_boto3_error_code("BadRequestException", exc)):
        return False
    message = (exc.response.get("Error") or {}).get("Message") or ""
    return "detectorid" in message.replace(" ", "").lower()


def api_error(exc, operation, detector_id, investigation_id=None, region=None):
    """Turn a botocore exception into one GuardDutyError that says what, which id/detector, and what to do."""
    what = f"investigation {investigation_id}" if investigation_id else "investigations"
    if operation in ("ListDetectors", "GetDetector"):
        what = "detectors"
    if operation in ("ListFindings", "GetFindings"):
        what = "findings"
    where = f"detector {detector_id}" if detector_id else "this account"
    if region:
        where += f" in {region}"
    if isinstance(exc, is_boto3_error_code("ResourceNotFoundException", exc)):
        return GuardDutyError(
            f"Investigation {investigation_id} was not found on {where}. Check the id, the detector and the region",
            exception=exc,
            kind="missing",
        )
    if isinstance(exc, is_boto3_error_code(["AccessDeniedException", "AccessDenied"], exc)):
        action = IAM_ACTIONS.get(operation, f"guardduty:{operation}")
        return GuardDutyError(
            f"Access denied calling {operation} for {what} on {where}: the caller needs {action} "
            f"(on arn:aws:guardduty:<region>:<account>:detector/{detector_id or '<id>'} and .../*)"
            + ("" if what == "findings" else ", or the investigation belongs to another account (members only see their own)"),
            exception=exc,
            kind="denied",
        )
    if detector_id and rejects_detector(exc):
        return GuardDutyError(
            f"GuardDuty rejected {operation} for {what}: detector {detector_id} is not a detector of this account in "
            f"{region or 'this Region'}. Check detector_id and the region (a detector belongs to one account and Region), "
            "or leave detector_id out to use the Region's only detector",
            exception=exc,
            kind="api",
        )
    if isinstance(exc, botocore.exceptions.ClientError):
        return GuardDutyError(f"Failed to call {operation} for {what} on {where}", exception=exc, kind="api")
    if is_credentials_error(exc):
        # botocore found no (or half the) credentials before signing: nothing was sent, nothing was retried
        return GuardDutyError(credentials_message(exc, f"call {operation} for {what} on {where}"), kind="credentials")
    return GuardDutyError(
        f"Failed to call {operation} for {what} on {where} (retries exhausted or the endpoint did not answer)",
        exception=exc,
        kind="api",
    )


# ---------------------------------------------------------------- validation (no API call)


def _shape(client, name):
    return client.meta.service_model.shape_for(name)


def _check_string(client, shape_name, value, label):
    """Check ``value`` against a string shape's length and pattern in botocore's service model."""
    shape = _shape(client, shape_name)
    meta = shape.metadata
    if not isinstance(value, str):
        raise GuardDutyError(f"{label} must be a string, got {type(value).__name__} {value!r}", kind="invalid")
    problems = []
    if len(value) < meta.get("min", 0):
        problems.append(f"at least {meta['min']} character{'' if meta['min'] == 1 else 's'}")
    if "max" in meta and len(value) > meta["max"]:
        problems.append(f"at most {meta['max']} characters")
    if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
        problems.append(f"matching {meta['pattern']}")
    if problems:
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise GuardDutyError(f"Invalid {label} {shown!r}: it must be {' and '.join(problems)}", kind="invalid")
    return value


def validate_investigation_ids(client, ids):
    """Validate ids against the model's InvestigationId shape; drop duplicates, keep order."""
    if not ids:
        raise GuardDutyError("No investigation id was given: give at least one (investigation_ids, or the lookup's terms)", kind="invalid")
    result = []
    for value in ids:
        _check_string(client, "InvestigationId", value, "investigation id")
        if value not in result:
            result.append(value)
    return result


def validate_detector_id(client, detector_id):
    return _check_string(client, "DetectorId", detector_id, "detector_id")


def validate_finding_id(value, label="finding_id"):
    text = str(value).strip().lower()
    if not FINDING_ID_RE.fullmatch(text):
        raise GuardDutyError(f"Invalid {label} {value!r}: a GuardDuty finding id is 32 hexadecimal characters", kind="invalid")
    return text


def _filter_enum(client, key):
    """The API spelling of each value for a filter key, from the InvestigationSummary member it filters on."""
    member = "".join(part.capitalize() for part in key.split("_"))
    shape = _shape(client, "InvestigationSummary").members[member]
    return list(shape.enum)


def build_filter_criteria(client, filters, exclude_filters):
    """filters / exclude_filters (snake_case keys, value or list, any case) -> FilterCriteria."""
    criterion = {}
    for option, wire in (("filters", "Equals"), ("exclude_filters", "NotEquals")):
        given = (filters if option == "filters" else exclude_filters) or {}
        for key, values in given.items():
            if key not in FILTER_KEYS:
                raise GuardDutyError(
                    f"Unknown key {key!r} in {option}; valid keys are: {', '.join(FILTER_KEYS)}",
                    kind="invalid",
                )
            if not isinstance(values, list):
                values = [values]
            if not values:
                raise GuardDutyError(f"{option}.{key} is an empty list: give at least one value or remove the key", kind="invalid")
            spelled = []
            for value in values:
                if key == "finding_id":
                    spelled.append(validate_finding_id(value, f"{option}.finding_id value"))
                    continue
                choices = _filter_enum(client, key)
                match = [c for c in choices if c.lower() == str(value).strip().lower()]
                if not match:
                    raise GuardDutyError(
                        f"Invalid value {value!r} for {option}.{key}; valid values are: {', '.join(choices)}",
                        kind="invalid",
                    )
                spelled.append(match[0])
            entry = criterion.setdefault(key.upper(), {})
            entry[wire] = list(dict.fromkeys(spelled))
    return {"Criterion": criterion} if criterion else None


# ---------------------------------------------------------------- normalisation


def _jsonable(raw):
    # datetimes -> ISO-8601 strings, nothing else changes
    return normalize_boto3_result(raw)


def normalize_investigation(raw):
    """GetInvestigation's Investigation (or an InvestigationSummary) -> snake_case keys, ISO times, values untouched.

    A text summary that is itself a JSON document is also returned parsed as ``summary_parsed``.
    """
    result = camel_dict_to_snake_dict(_jsonable(raw))
    summary = result.get("summary")
    if isinstance(summary, str) and summary.lstrip()[:1] in ("{", "["):
        try:
            result["summary_parsed"] = json.loads(summary)
        except ValueError:
            pass
    return result


def normalize_records(records):
    return [camel_dict_to_snake_dict(_jsonable(r)) for r in records]


# ---------------------------------------------------------------- the reader


class InvestigationReader:
    """All read calls for one detector-scoped task, on one client.

    ``concurrency`` bounds how many GetInvestigation calls run at once.
    """

    def __init__(self, client, region=None, concurrency=DEFAULT_CONCURRENCY):
        self.client = client
        self.region = region
        self.concurrency = max(1, int(concurrency))

    def _error(self, exc, operation, detector_id, investigation_id=None):
        return api_error(exc, operation, detector_id, investigation_id, self.region)

    # -- detector

    def resolve_detector(self, detector_id=None):
        """The given detector (validated), or the only detector in the Region."""
        if detector_id:
            return validate_detector_id(self.client, detector_id)
        try:
            detectors = _paginate(self.client, "list_detectors", "DetectorIds")
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise self._error(e, "ListDetectors", None) from e
        region = self.region or "this Region"
        if not detectors:
            raise GuardDutyError(
                f"No GuardDuty detector was found in {region}. Enable GuardDuty in this Region, " "or set region / detector_id to where the investigations are",
                kind="invalid",
            )
        if len(detectors) > 1:
            raise GuardDutyError(
                f"Found {len(detectors)} GuardDuty detectors in {region} ({', '.join(detectors)}); " "set detector_id to choose one",
                kind="invalid",
            )
        return detectors[0]

    # -- single investigations

    def get(self, detector_id, investigation_id, summary_format="text"):
        params = {"DetectorId": detector_id, "InvestigationId": investigation_id}
        if summary_format == "structured":
            # Only botocore >= 1.44.2 knows the parameter; "text" is the service default, so it is never sent.
            params["SummaryFormat"] = SUMMARY_FORMATS[summary_format]
        try:
            return self.client.get_investigation(aws_retry=True, **params)["Investigation"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise self._error(e, "GetInvestigation", detector_id, investigation_id) from e

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

    def list(self, detector_id, filter_criteria=None, sort_criteria=None, max_results=None):
        params = {"DetectorId": detector_id}
        if filter_criteria:
            params["FilterCriteria"] = filter_criteria
        if sort_criteria:
            params["SortCriteria"] = sort_criteria
        if max_results:
            params["PaginationConfig"] = {"MaxItems": max_results, "PageSize": min(50, max_results)}
        try:
            return _paginate(self.client, "list_investigations", "Investigations", **params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise self._error(e, "ListInvestigations", detector_id) from e

    def running_ids(self, detector_id):
        """Ids of the investigations that are RUNNING now (one listing, every page)."""
        if sdk_requirement("filters") is None:
            summaries = self.list(detector_id, {"Criterion": {"STATUS": {"Equals": ["RUNNING"]}}})
        else:  # botocore < 1.44.2 cannot filter: list everything and look at the status
            summaries = self.list(detector_id)
        return {s["InvestigationId"] for s in summaries if s.get("Status") == "RUNNING"}

    def records(self, detector_id, investigation_id, record_types=None):
        params = {"DetectorId": detector_id, "InvestigationId": investigation_id}
        if record_types:
            params["RecordTypes"] = [t.upper() for t in record_types]
        try:
            return _paginate(self.client, "list_investigation_records", "Records", **params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise self._error(e, "ListInvestigationRecords", detector_id, investigation_id) from e
