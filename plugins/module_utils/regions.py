# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Many Regions in one task: which Regions (``regions``), reading them concurrently, and what a failed Region is.

Each Region is read on its own reader (one client per Region, the collection's retries in each) by the read flow of
read.py, the detector found per Region; the Regions run in a thread pool, and a wait waits in every Region with
the same batched rounds (wait.py, through ``fetch``). A Region that fails (no detector, AI analysis not enabled,
access denied, unreachable after retries, ...) becomes one ``region_errors`` entry {region, reason, message} and
does not hide the others; ``on_region_error`` says whether the task warns (one warning per Region) or fails, and when
no Region could be read the task fails whatever it says. A task in its one Region goes through the same
``read_regions`` as a list of one whose failures are the task's own. A Region name botocore does not know is refused
before any call, naming the nearest (``check_region_name``).
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
    Regions where the API answers (client.PREVIEW_REGIONS). None when not given. A name that is not a Region botocore
    knows is refused before any call, naming the nearest Regions (check_region_name)."""
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
        else:
            names.append(check_region_name(name, f"Invalid Region {item!r} in regions", "or all (the Regions where the API answers)"))
    if not names:
        raise invalid("regions is empty: give Region names such as us-east-1, or all (the Regions where the API answers)")
    return list(dict.fromkeys(names))


_KNOWN = []


def known_regions():
    """Every Region name of every AWS partition botocore knows (its partitions data, or its endpoints data where an
    older botocore has no partitions file), as a set; None without botocore (then only the shape of a name is checked).
    Read once per process."""
    if not _KNOWN:
        try:
            from botocore.exceptions import DataNotFoundError  # pylint: disable=import-outside-toplevel
            from botocore.loaders import create_loader  # pylint: disable=import-outside-toplevel
        except ImportError:
            return None
        loader, names = create_loader(), set()
        for data in ("partitions", "endpoints"):
            try:
                partitions = loader.load_data(data).get("partitions") or []
            except DataNotFoundError:
                continue
            # partitions data also lists global pseudo-Regions (aws-global): only names shaped like a Region count
            names.update(name for partition in partitions for name in partition.get("regions") or {} if REGION_RE.fullmatch(name))
            if names:
                break
        _KNOWN.append(names or None)
    return _KNOWN[0]


def nearest_regions(name, known):
    """The known Region names closest to ``name`` (what a typo most likely meant): those as close as the closest,
    at most three, sorted; none when nothing is close."""
    import difflib  # pylint: disable=import-outside-toplevel

    scored = [(difflib.SequenceMatcher(None, name.lower(), region).ratio(), region) for region in known]
    best = max((score for score, _region in scored), default=0)
    if best < 0.6:
        return []
    return sorted(region for score, region in scored if score >= best - 1e-9)[:3]


def check_region_name(name, said, instead=""):
    """``name`` when it is a Region of an AWS partition as botocore knows them; otherwise GuardDutyError(invalid):
    ``said`` (what was wrong, e.g. "Invalid Region 'x' in regions"), why, the nearest valid names, and what to give
    (``instead``: more ways to say it, e.g. "or all")."""
    known = known_regions()
    if REGION_RE.fullmatch(name) and (known is None or name in known):
        return name
    if REGION_RE.fullmatch(name):
        import botocore  # pylint: disable=import-outside-toplevel

        why = f"no AWS partition has a Region of that name, as botocore {botocore.__version__} knows them (a Region newer than that botocore needs a newer one)"
    else:
        why = "that is not a Region name"
    close = nearest_regions(name, known or ())
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    give = f" Give Region names such as us-east-1 or eu-west-1{', ' + instead if instead else ''}"
    raise invalid(f"{said}: {why}{hint}.{give}")


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


# ---------------------------------------------------------------- reading every Region


class RegionOutcome:
    """What reading one Region gave: its detector and value, or its region_errors entry, or the task's error."""

    def __init__(self, region, detector_id=None, value=None, failure=None, error=None):
        self.region = region
        self.detector_id = detector_id
        self.value = value
        self.failure = failure
        self.error = error


def read_regions(readers, work, detector_id=None, contained=True):
    """Run ``work(reader, detector_id)`` in every Region of ``readers`` ({region: reader}), concurrently, after finding
    the Region's detector (``detector_id``, or the Region's only one: InvestigationReader.resolve_detector).

    ``contained`` (a task over the Regions of ``regions``): a Region's failure is its RegionOutcome's ``failure`` (a
    region_errors entry) and does not stop the others; an error that is the task's is its ``error``. Not contained (a
    task in its one Region, a list of one): every error is raised as the task's own. Returns the RegionOutcome of each
    Region, in the order of ``readers``."""

    def one(region):
        reader = readers[region]
        found = None
        try:
            found = reader.resolve_detector(detector_id, regional=contained)
            return RegionOutcome(region, found, value=work(reader, found))
        except GuardDutyError as e:
            if not contained:
                raise
            if e.reason in (NO_DETECTOR, SEVERAL_DETECTORS) or e.reason in REGIONAL_REASONS:
                return RegionOutcome(region, found, failure=region_error(region, e, found))
            return RegionOutcome(region, found, error=e)

    return map_regions(one, readers)


def every_region_failed(regions, region_errors):
    """The task's error when no Region of ``regions`` could be read, whatever on_region_error says (an empty result
    would let a runbook carry on with nothing); None when at least one was read."""
    if not regions or len(region_errors) < len(regions):
        return None
    return GuardDutyError(
        f"No Region could be read ({len(regions)} of {len(regions)} failed): "
        + "; ".join(f"{e['region']} ({e['reason']}): {e['message']}" for e in region_errors)
        + ". With no Region read there is nothing to return, so the task fails whatever on_region_error says",
        reason="region",
    )


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
