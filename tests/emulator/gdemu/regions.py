"""Regions: which emulated account state answers a request, told apart by the Region of its SigV4 credential scope.

A scenario without the key ``regions`` is served alike in every Region (one state, as the emulator always did: a
client that does not care about Regions sees what it saw before). A scenario with ``regions`` serves each Region
separately: its top level is the content of its own ``region`` (default us-east-1), each entry of ``regions`` the
content of that Region (a scenario of the same shape), and any other Region has no detector.

``region_errors`` ({Region: failure}) makes a Region fail the way the real service fails there (see FAILURES).
"""
from __future__ import annotations

import copy
import re
import threading

from . import scenarios
from .state import SCENARIO_KEYS, ApiError, State, denied

DEFAULT_REGION = scenarios.REGION
REGION_RE = re.compile(r'[a-z]{2}(-[a-z]+)+-\d+')

NO_DETECTOR = 'no_detector'
AI_ANALYSIS_NOT_ENABLED = 'ai_analysis_not_enabled'
ACCESS_DENIED = 'access_denied'
UNREACHABLE = 'unreachable'
FAILURES = {
    NO_DETECTOR: 'GuardDuty is not enabled there: ListDetectors answers no detector, a call naming a detector 400 BadRequestException',
    AI_ANALYSIS_NOT_ENABLED: 'the detector shows AI_ANALYST DISABLED; the investigation operations answer 400 BadRequestException',
    ACCESS_DENIED: 'every operation answers 403 AccessDeniedException (an explicit deny of a service control policy)',
    UNREACHABLE: 'every connection is closed without an answer, so a client fails after its retries',
}
# What the top level of a scenario with ``regions`` may hold when ``regions`` also names its own Region.
SHARED_KEYS = {'name', 'account_id', 'region', 'regions', 'region_errors'}


def check_region(region, what='Region'):
    if not isinstance(region, str) or not REGION_RE.fullmatch(region):
        raise ValueError(f'{what} {region!r} is not a Region name such as us-east-1 or eu-west-1')
    return region


def failure_name(value):
    """'AI analysis not enabled', 'access-denied', 'UNREACHABLE', ... -> one of FAILURES; ValueError otherwise."""
    name = re.sub(r'[\s-]+', '_', str(value).strip().lower())
    if name not in FAILURES:
        raise ValueError(f'unknown Region failure {value!r}; valid: {", ".join(FAILURES)}')
    return name


def normalize_errors(errors):
    """{Region: failure} checked and spelled as FAILURES' keys."""
    if not isinstance(errors, dict):
        raise ValueError('region_errors must be a mapping {Region: failure}, failure one of: ' + ', '.join(FAILURES))
    return {check_region(region, 'region_errors:'): failure_name(failure) for region, failure in errors.items()}


BUILDER_REFERENCE_KEYS = {'name', 'args', 'regions', 'region_errors'}


def resolve(value):
    """A scenario: a dict, a builder name, or {"name": builder, "args": {...}} (as POST /_emulator/scenario takes), to
    which ``regions`` and ``region_errors`` may be added: {"name": "demo", "regions": {"eu-west-1": "basic"}}."""
    if isinstance(value, str):
        return scenarios.build(value)
    if isinstance(value, dict) and 'name' in value and set(value) <= BUILDER_REFERENCE_KEYS:
        built = scenarios.build(value['name'], **value.get('args', {}))
        built.update({key: value[key] for key in ('regions', 'region_errors') if key in value})
        return built
    return value


def _no_detector(account_id, region):
    return State({'account_id': account_id, 'region': region, 'detectors': []})


class World:
    """Every Region's state. ``home`` is the state of the scenario's top level (the one every Region shares unless
    the scenario has ``regions``); it stays the same object across loads, so ``Emulator.state`` keeps working."""

    def __init__(self):
        self._lock = threading.RLock()
        self.home = State()
        self.home_region = DEFAULT_REGION
        self.account_id = scenarios.ACCOUNT_ID
        self.per_region = False
        self._states = {}
        self._given = set()
        self._errors = {}
        self._failed = {}

    def load(self, scenario):
        """Replace every Region's content and the Region failures; ValueError (and no change) when something does not fit."""
        scenario = resolve(scenario)
        if not isinstance(scenario, dict):
            raise ValueError('a scenario must be a mapping')
        account = str(scenario.get('account_id', scenarios.ACCOUNT_ID))
        home_region = scenario.get('region', DEFAULT_REGION)
        errors = normalize_errors(scenario.get('region_errors') or {})
        per_region = 'regions' in scenario
        if per_region:  # without regions, ``region`` is only what the data says, as it always was
            check_region(home_region, 'region')
        entries = scenario.get('regions') or {}
        if not isinstance(entries, dict):
            raise ValueError('regions must be a mapping {Region: scenario}')
        home_content = scenario
        if home_region in entries:
            given = sorted(set(scenario) - SHARED_KEYS)
            if given:
                raise ValueError(f'regions names {home_region}, the scenario\'s own region, so its top level may not also give '
                                 f'content ({", ".join(given)}): give {home_region}\'s content in one place')
            home_content = self._entry(entries[home_region], home_region, account)
        states = {region: State(self._entry(entry, region, account)) for region, entry in entries.items() if region != home_region}
        with self._lock:
            self.home.load(home_content)  # checks everything before it changes anything: the last step that can fail
            self.home_region, self.account_id, self.per_region = home_region, account, per_region
            self._states, self._given, self._errors, self._failed = states, set(states), errors, {}

    @staticmethod
    def _entry(entry, region, account):
        check_region(region, 'regions:')
        entry = resolve(entry)
        if not isinstance(entry, dict):
            raise ValueError(f'regions[{region!r}] must be a scenario (a mapping, or a builder name)')
        nested = sorted({'regions', 'region_errors'} & set(entry))
        if nested:
            raise ValueError(f'regions[{region!r}] may not hold {", ".join(nested)} (give them at the top level)')
        unknown = sorted(set(entry) - SCENARIO_KEYS)
        if unknown:
            raise ValueError(f'unknown regions[{region!r}] key(s): {", ".join(unknown)}; valid: {", ".join(sorted(SCENARIO_KEYS))}')
        entry = copy.copy(entry)
        entry.setdefault('account_id', account)
        entry['region'] = region  # the content of a Region says that Region, whatever the builder put there
        return entry

    def load_region(self, region, scenario):
        """Replace one Region's content (the other Regions keep theirs). The first such load of a scenario without
        ``regions`` makes the emulator serve each Region separately, the top level staying in its own Region."""
        check_region(region)
        entry = self._entry(scenario, region, self.account_id)
        with self._lock:
            if region == self.home_region:
                self.home.load(entry)
            else:
                self._states[region] = State(entry)
                self._given.add(region)
            self.per_region = True

    def set_errors(self, errors):
        errors = normalize_errors(errors or {})
        with self._lock:
            self._errors, self._failed = errors, {}

    @property
    def errors(self):
        with self._lock:
            return dict(self._errors)

    def failure(self, region):
        with self._lock:
            return self._errors.get(region)

    def state(self, region):
        """The state answering ``region`` (a Region without content: one without a detector, kept for later calls)."""
        with self._lock:
            if self._errors.get(region) == NO_DETECTOR:
                if region not in self._failed:
                    self._failed[region] = _no_detector(self.account_id, region)
                return self._failed[region]
            if not self.per_region or region == self.home_region:
                return self.home
            if region not in self._states:
                self._states[region] = _no_detector(self.account_id, region)
            return self._states[region]

    def handle(self, operation, params, ctx):
        """State.handle in the request's Region, after its failure (ACCESS_DENIED, NO_DETECTOR, AI_ANALYSIS_NOT_ENABLED)."""
        failure = self.failure(ctx.region)
        state = self.state(ctx.region)
        if failure == ACCESS_DENIED:
            error = denied(ctx, state.account_id, operation, params)
            raise ApiError(error.code, f'{error.message} with an explicit deny in a service control policy', service=error.service)
        if failure == AI_ANALYSIS_NOT_ENABLED:
            ctx.ai_analysis = False
        return state.handle(operation, params, ctx)

    def regions(self):
        """The Regions with their own content (the scenario's Region first), or [] when every Region sees the same."""
        with self._lock:
            if not self.per_region:
                return []
            return [self.home_region] + sorted(self._given)

    def put_findings(self, findings, region=None):
        return self.state(region or self.home_region).put_findings(findings)

    def summary(self, region=None):
        with self._lock:
            if region is not None:
                return self.state(region).summary()
            out = self.home.summary()
            out['region'] = self.home_region
            if self.per_region:
                out['regions'] = {name: self.state(name).summary() for name in self.regions()}
            if self._errors:
                out['region_errors'] = dict(self._errors)
            return out
