# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Many Regions in one task: which Regions (``regions``), reading them concurrently, and what a failed Region is.

Each Region is read on its own reader (one client per Region, the collection's retries in each) by the read flow of
read.py, the detector found per Region; the Regions run in a thread pool, and a wait waits in every Region with
the same batched rounds (wait.py, through ``fetch``). A Region that fails (no detector, AI analysis not enabled,
access denied, unreachable after retries, ...) becomes one ``region_errors`` entry {region, reason, message} and
does not hide the others; ``on_region_error`` says whether the task warns (one warning per Region) or fails.
"""

from __future__ import annotations

import os
import re

from ansible_collections.secops.guardduty.plugins.module_utils.client import MAX_CONCURRENCY
from ansible_collections.secops.guardduty.plugins.module_utils.client import PREVIEW_REGIONS
from ansible_collections.secops.guardduty.plugins.module_utils.client import region_warning
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import classify
from ansible_collections.secops.guardduty.plugins.module_utils.errors import error_code
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.model import as_dict
from ansible_collections.secops.guardduty.plugins.module_utils.model import epoch

ALL = "all"
WARN, FAIL = "warn", "fail"
ON_REGION_ERROR = (WARN, FAIL)
# A Region name as AWS writes them (us-east-1, eu-west-3, us-gov-west-1, ap-southeast-2, ...).
REGION_RE = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}")
# Where amazon.aws's ``region`` option falls back to (its argument spec and the lookup's env).
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
# The reasons of a region_errors entry.
NO_DETECTOR = "no_detector"
SEVERAL_DETECTORS = "several_detectors"
AI_ANALYSIS_NOT_ENABLED = "ai_analysis_not_enabled"
ACCESS_DENIED = "access_denied"
UNREACHABLE = "unreachable"
SERVER_ERROR = "server_error"
REJECTED = "rejected"
API_ERROR = "api_error"
# GuardDutyError reasons that are a Region's failure (a call that failed there); the others (bad input, no
# credentials, botocore too old, a timeout or FAILED investigation, a missing id) are the task's, as without regions.
REGIONAL_REASONS = ("denied", "rejected", "api", "quota", "region", "feature")
# The sort order of the enumerated sort fields, as the service model lists their values (least first).
SORT_MEMBERS = {"start_time": "StartTime", "end_time": "EndTime", "status": "Status", "risk_level": "RiskLevel", "confidence": "Confidence"}


# ---------------------------------------------------------------- which Regions


def resolve_regions(value):
    """``regions`` as given (a list, or one string) -> the Region names, in order, without repeats; ``all`` is the
    Regions where the API answers (client.PREVIEW_REGIONS). None when not given."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    names = []
    for item in value:
        if not isinstance(item, str):
            raise invalid(f"Invalid Region {item!r} in regions: give Region names such as us-east-1, or all")
        name = item.strip()
        if name.lower() == ALL:
            names.extend(PREVIEW_REGIONS)
        elif REGION_RE.fullmatch(name):
            names.append(name)
        else:
            raise invalid(f"Invalid Region {item!r} in regions: give Region names such as us-east-1 or eu-west-1, or all (the Regions where the API answers)")
    if not names:
        raise invalid("regions is empty: give Region names such as us-east-1, or all (the Regions where the API answers)")
    return list(dict.fromkeys(names))


def region_warnings(regions):
    """The Region warning (client.region_warning) of each Region outside the preview."""
    return [w for w in (region_warning(r) for r in regions) if w]


def region_from_environment(value):
    """True when ``value`` (the ``region`` a plugin ended up with) is what AWS_REGION or AWS_DEFAULT_REGION say: a
    module cannot tell an environment fallback from the same value given in the task, so that counts as the
    environment (``regions`` wins)."""
    return any(os.environ.get(variable) == value for variable in REGION_VARIABLES)


TASK_REGION = (
    "in the task (or its module_defaults, or the lookup's arguments)",
    "read the Regions of regions (in a play whose module_defaults set region, set region: '' in this task), or leave "
    "regions out to read one Region",
)


def check_region_conflict(regions, task_region, given=TASK_REGION):
    """Refuse ``regions`` beside a ``region`` given in the task (not one from the environment or a profile).

    ``given``: (where region was given, what to do instead), for a plugin that is not a task (an event source)."""
    if regions is None or not task_region:
        return
    where, instead = given
    raise invalid(
        f"regions and region are mutually exclusive: region {task_region!r} was given {where} beside regions "
        f"({', '.join(regions)}). Leave region out to {instead}. "
        "A Region that comes only from AWS_REGION, AWS_DEFAULT_REGION or the profile does not conflict: regions wins"
    )


def check_on_region_error(value):
    if value not in ON_REGION_ERROR:
        raise invalid(f"on_region_error must be one of {', '.join(ON_REGION_ERROR)}; got {value!r}")
    return value


# ---------------------------------------------------------------- what a failed Region is


def region_error(region, error, detector_id=None):
    """A region_errors entry {region, reason, message} for the GuardDutyError that ended ``region``'s reading."""
    exc = error.exception
    code, text, _status = error_code(exc) if exc is not None else ("", "", None)
    kind = classify(exc) if exc is not None else None
    where = f"detector {detector_id} in {region}" if detector_id else region
    leave_out = f"or leave {region} out of regions"
    if error.reason == NO_DETECTOR:
        return _entry(region, NO_DETECTOR, error.message)
    if error.reason == SEVERAL_DETECTORS:
        return _entry(region, SEVERAL_DETECTORS, error.message)
    if "AI_ANALYST" in text or "ai analysis" in text.lower():
        return _entry(
            region,
            AI_ANALYSIS_NOT_ENABLED,
            f"GuardDuty AI analysis (the AI_ANALYST feature) is not enabled on {where}, so its investigations cannot be read. "
            f"Enable it (UpdateDetector with the feature AI_ANALYST ENABLED, or in the console: Settings, AI powered "
            f"investigations), {leave_out}",
        )
    said = error.message if region in error.message else f"{region}: {error.message}"
    if error.reason == "denied" or kind == "denied":
        return _entry(region, ACCESS_DENIED, f"{said}; {leave_out}")
    if kind == "server":
        if code:
            return _entry(
                region,
                SERVER_ERROR,
                f"GuardDuty in {region} answered with a server error ({code}) after the retries: {error.message}. Try again later, {leave_out}",
            )
        return _entry(
            region,
            UNREACHABLE,
            f"GuardDuty in {region} did not answer after the retries ({type(exc).__name__}): {error.message}. Check the network "
            f"path, proxy and endpoint_url to {region}, {leave_out}",
        )
    if error.reason == "rejected" or kind == "rejected":
        return _entry(region, REJECTED, f"{said} ({code or 'error'}: {text}). Check the request, {leave_out}")
    return _entry(region, API_ERROR, said + (f" ({code}: {text})" if code else ""))


def _entry(region, reason, message):
    return {"region": region, "reason": reason, "message": message}


def detector_of(reader):
    """The only detector of the reader's Region; GuardDutyError(reason no_detector / several_detectors) otherwise."""
    detectors = reader._detectors()  # pylint: disable=protected-access
    region = reader.region
    if not detectors:
        raise GuardDutyError(
            f"No GuardDuty detector was found in {region}: GuardDuty is not enabled there. Enable GuardDuty in {region}, " f"or leave {region} out of regions",
            reason=NO_DETECTOR,
        )
    if len(detectors) > 1:
        raise GuardDutyError(
            f"Found {len(detectors)} GuardDuty detectors in {region} ({', '.join(detectors)}), where one is expected: "
            f"read {region} on its own with region and detector_id, or leave it out of regions",
            reason=SEVERAL_DETECTORS,
        )
    return detectors[0]


# ---------------------------------------------------------------- reading every Region


class RegionOutcome:
    """What reading one Region gave: its detector and value, or its region_errors entry, or the task's error."""

    def __init__(self, region, detector_id=None, value=None, failure=None, error=None):
        self.region = region
        self.detector_id = detector_id
        self.value = value
        self.failure = failure
        self.error = error


def read_regions(readers, work):
    """Run ``work(reader, detector_id)`` in every Region (``readers``: {region: reader}), concurrently, after finding
    the Region's detector. Returns the RegionOutcome of each Region, in the order of ``readers``."""

    def one(region):
        reader = readers[region]
        detector_id = None
        try:
            detector_id = detector_of(reader)
            return RegionOutcome(region, detector_id, value=work(reader, detector_id))
        except GuardDutyError as e:
            if e.reason in (NO_DETECTOR, SEVERAL_DETECTORS) or e.reason in REGIONAL_REASONS:
                return RegionOutcome(region, detector_id, failure=region_error(region, e, detector_id))
            return RegionOutcome(region, detector_id, error=e)

    return map_regions(one, readers)


def map_regions(func, regions):
    """``func(region)`` for every Region, concurrently (a thread per Region, at most MAX_CONCURRENCY), the results in
    the order of ``regions``. ``func`` handles its Region's failures itself."""
    regions = list(regions)
    if len(regions) == 1:
        return [func(regions[0])]
    from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel

    with ThreadPoolExecutor(max_workers=min(len(regions), MAX_CONCURRENCY)) as pool:
        return list(pool.map(func, regions))


# ---------------------------------------------------------------- the merged result


def located(item, region):
    """A normalised investigation with its ``region`` (the Region it was read in) and ``account_id`` (from the
    service's Cloud.Account when the item has none); values the service sent are never replaced."""
    item = dict(item)
    item.setdefault("region", region)
    if "account_id" not in item:
        account = as_dict(item.get("cloud")).get("account")
        if account:
            item["account_id"] = account
    return item


def merge_sorted(items, sort_by, sort_order, ranks):
    """``items`` (each Region's listing, in Region order) as one list sorted by ``sort_by`` / ``sort_order`` across
    Regions: times by their moment, status, risk level and confidence in the service model's order of their values
    (``ranks``: {field: [values, least first]}); items without the value last; ties keep the Regions' order."""
    descending = sort_order == "desc"
    ranking = ranks.get(sort_by)

    def value(item):
        raw = item.get(sort_by)
        if raw is None:
            return None
        if ranking is not None:
            return ranking.index(raw) if raw in ranking else len(ranking)
        try:
            return epoch(raw)
        except ValueError:
            return None

    present = [(value(item), index, item) for index, item in enumerate(items)]
    known = [entry for entry in present if entry[0] is not None]
    unknown = [entry[2] for entry in present if entry[0] is None]
    known.sort(key=lambda entry: (-entry[0] if descending else entry[0], entry[1]))
    return [entry[2] for entry in known] + unknown


def sort_ranks(client):
    """{field: the model's values, least first} for the enumerated sort fields."""
    shape = client.meta.service_model.shape_for("InvestigationSummary")
    ranks = {field: getattr(shape.members[member], "enum", None) for field, member in SORT_MEMBERS.items()}
    return {field: list(values) for field, values in ranks.items() if values}
