"""GuardDuty's filters (suppression rules): CreateFilter, GetFilter, UpdateFilter, DeleteFilter, ListFilters (a
mixin of State), and the scenario key ``filters``.

Limits the model's shapes do not carry come from its documentation, cited where they are used:
- a filter name: 3 to 64 characters (the shape), only period, underscore, dash and alphanumeric characters
  (CreateFilter's ``Name`` documentation: "A whitespace is considered to be an invalid character");
- at most 100 filters per account and Region (CreateFilter's documentation);
- at most 50 values in a list condition (each Condition member's documentation: "Max values: 50");
- a criterion field must be one CreateFilter's ``FindingCriteria`` documentation lists (``criterion_fields``), and a
  condition must say something (at least one operator).

A filter that does not exist answers what GuardDuty answers: 400 BadRequestException "The request is rejected since
no such resource found.". Ranks are stored as given (the next free position when left out). ``ARCHIVE`` filters
suppress: a new finding (put_findings, or a scenario's) that matches one is stored archived.
"""
from __future__ import annotations

import copy
import functools
import re

from .errors import bad_request
from .model import documented_list, named_shape, service_model, validate

FILTER_NAME_RE = re.compile(r'[A-Za-z0-9._-]+')
MAX_FILTERS = 100
MAX_VALUES = 50
NO_SUCH_FILTER = 'The request is rejected since no such resource found.'
FILTER_KEYS = {'detector_id', 'Name', 'Description', 'Action', 'Rank', 'FindingCriteria', 'Tags'}


@functools.lru_cache(maxsize=1)
def criterion_fields():
    """The finding criterion fields that CreateFilter's FindingCriteria documentation lists (``type``,
    ``severity``, ``service.archived``, ``resource.instanceDetails.instanceId``, ...)."""
    shape = service_model().operation_model('CreateFilter').input_shape.members['FindingCriteria']
    return frozenset(documented_list(shape.documentation))


def check_filter_name(name):
    if not FILTER_NAME_RE.fullmatch(name):
        raise bad_request(f'The request is rejected because the parameter name has an invalid value: {name[:80]!r} may only hold '
                          'letters, digits, period (.), underscore (_) and dash (-).')


def check_criteria(criteria):
    """FindingCriteria (member names) checked as GuardDuty documents it; 400 naming the first problem."""
    criterion = (criteria or {}).get('Criterion') or {}
    if not criterion:
        raise bad_request('The request is rejected because the parameter findingCriteria has an invalid value: it needs at least one criterion.')
    known = criterion_fields()
    for field, condition in criterion.items():
        if field not in known:
            raise bad_request(f'The request is rejected because the parameter findingCriteria has an invalid value: {field[:100]!r} is not a '
                              'finding criterion field.')
        given = {name: value for name, value in condition.items() if value is not None}
        if not given:
            raise bad_request(f'The request is rejected because the condition for {field!r} in findingCriteria is empty.')
        for name, value in given.items():
            if isinstance(value, list) and not 1 <= len(value) <= MAX_VALUES:
                raise bad_request(f'The request is rejected because the condition {name} for {field!r} has {len(value)} values: '
                                  f'give 1 to {MAX_VALUES}.')
    return criteria


class Filters:
    """The filter operations on State's ``_filters`` ({detector_id: {name: GetFilter output}}; State holds the lock)."""

    def _detector_filters(self, params):
        self._detector(params)
        return self._filters.setdefault(params['DetectorId'], {})

    def _named_filter(self, params):
        found = self._detector_filters(params).get(params['FilterName'])
        if found is None:
            raise bad_request(NO_SUCH_FILTER)
        return found

    def _create_filter(self, params, ctx):
        filters = self._detector_filters(params)
        token = params.get('ClientToken')
        if token and (params['DetectorId'], token) in self._filter_tokens:
            return {'Name': self._filter_tokens[(params['DetectorId'], token)]}, None, False
        name = params['Name']
        check_filter_name(name)
        if name in filters:
            raise bad_request(f'The request is rejected because a filter named {name} already exists for this detector.')
        if len(filters) >= MAX_FILTERS:
            raise bad_request(f'The request is rejected because the detector already has {MAX_FILTERS} filters, the most an account can '
                              'have in a Region.')
        check_criteria(params['FindingCriteria'])
        item = {'Name': name, 'Action': params.get('Action') or 'NOOP', 'Rank': params.get('Rank') or len(filters) + 1,
                'FindingCriteria': copy.deepcopy(params['FindingCriteria']), 'CreatedAt': ctx.now, 'UpdatedAt': ctx.now, 'Version': 1}
        for member in ('Description', 'Tags'):
            if params.get(member) is not None:
                item[member] = copy.deepcopy(params[member])
        filters[name] = item
        if token:
            self._filter_tokens[(params['DetectorId'], token)] = name
        return {'Name': name}, None, False

    def _get_filter(self, params, _ctx):
        return copy.deepcopy(self._named_filter(params)), None, False

    def _update_filter(self, params, ctx):
        item = self._named_filter(params)
        if params.get('FindingCriteria') is not None:
            check_criteria(params['FindingCriteria'])
        for member in ('Description', 'Action', 'Rank', 'FindingCriteria'):
            if params.get(member) is not None:
                item[member] = copy.deepcopy(params[member])
        item['UpdatedAt'] = ctx.now
        item['Version'] += 1
        return {'Name': item['Name']}, None, False

    def _delete_filter(self, params, _ctx):
        self._named_filter(params)
        del self._filters[params['DetectorId']][params['FilterName']]
        return {}, None, False

    def _list_filters(self, params, _ctx):
        names = list(self._detector_filters(params))
        page, token = self._page(names, params, 50, {'op': 'ListFilters', 'detector': params['DetectorId']})
        return self._with_token({'FilterNames': page}, token), None, False


def load_filters(entries, detectors, now):
    """{detector_id: {name: filter}} from a scenario's ``filters`` (GetFilter's members, plus an optional
    ``detector_id``, default the first detector); ValueError when one does not fit."""
    out = {}
    first = next(iter(detectors), None)
    for entry in entries or []:
        if not isinstance(entry, dict):
            raise ValueError('every entry of filters must be a mapping of GetFilter members')
        unknown = sorted(set(entry) - FILTER_KEYS)
        if unknown:
            raise ValueError(f'unknown filters key(s): {", ".join(unknown)}; valid: {", ".join(sorted(FILTER_KEYS))}')
        item = copy.deepcopy(entry)
        detector_id = item.pop('detector_id', None) or first
        if detector_id not in detectors:
            raise ValueError(f'filter {item.get("Name")!r}: unknown detector_id {detector_id!r}')
        filters = out.setdefault(detector_id, {})
        item.setdefault('Action', 'NOOP')
        item.setdefault('Rank', len(filters) + 1)
        item.setdefault('CreatedAt', now)
        item.setdefault('UpdatedAt', now)
        item.setdefault('Version', 1)
        problems = validate(item, named_shape('GetFilterResponse'), 'filter')
        if problems:
            raise ValueError(f'filter {item.get("Name")!r} does not fit the model: ' + '; '.join(problems[:5]))
        try:
            check_filter_name(item['Name'])
            check_criteria(item['FindingCriteria'])
        except Exception as exc:  # an ApiError: the same rule as CreateFilter's, said as a scenario error
            raise ValueError(f'filter {item["Name"]!r}: {exc}') from exc
        if item['Name'] in filters:
            raise ValueError(f'duplicate filter Name {item["Name"]}')
        filters[item['Name']] = item
    return out
