"""Emulator state: scenario data, the investigation lifecycle and the semantics of the emulated operations.

Everything here works on botocore member names (PascalCase); model.py turns it into wire format.
"""
from __future__ import annotations

import base64
import binascii
import copy
import datetime
import fnmatch
import hashlib
import json
import math
import operator
import threading
import time
import uuid
from dataclasses import dataclass

from . import scenarios
from .errors import ApiError, bad_request
from .filters import Filters, load_filters
from .finding_updates import FindingUpdates
from .model import SERVICE_NAME, enum_values, iso_ms, named_shape, operation_names, to_epoch, to_wire_text, validate, values_at
from .securityhub import SecurityHub

DETECTOR_NOT_OWNED = 'The request is rejected because the input detectorId is not owned by the current account.'
RESULT_MEMBERS = ('Summary', 'SummaryData', 'Scope', 'RiskLevel', 'Risk', 'Confidence', 'EndTime', 'Error')
FILTER_MEMBERS = {'STATUS': 'Status', 'RISK_LEVEL': 'RiskLevel', 'CONFIDENCE': 'Confidence',
                  'FINDING_ID': 'FindingId', 'INVESTIGATION_TYPE': 'InvestigationType'}
SORT_MEMBERS = {'START_TIME': 'StartTime', 'END_TIME': 'EndTime', 'STATUS': 'Status', 'RISK_LEVEL': 'RiskLevel', 'CONFIDENCE': 'Confidence'}
ROLES = ('standalone', 'administrator', 'member')
# regions and region_errors are the Regions' business (regions.World); a State is the account in one Region.
SCENARIO_KEYS = {'name', 'account_id', 'region', 'detectors', 'investigations', 'findings', 'filters', 'securityhub', 'denied_operations',
                 'quota', 'create', 'regions', 'region_errors'}
INVESTIGATION_OPERATIONS = ('CreateInvestigation', 'GetInvestigation', 'ListInvestigations', 'ListInvestigationRecords')
DETECTOR_KEYS = {'detector_id', 'ai_analyst', 'role', 'status', 'tags', 'created_at'}
ENTRY_KEYS = {'detector_id', 'running_for', 'start_offset', 'duration', 'denied', 'investigation', 'records'}
DEFAULT_QUOTA = {'daily': 10, 'total': 100}
DEFAULT_CREATE = {'running_for': 3, 'final_status': 'COMPLETED', 'visible_after': 0,
                  'error': 'The investigation could not be completed: the finding type is not supported by investigation (preview).'}
DEFAULT_METADATA = {'Product': {'Name': 'Amazon GuardDuty AI Analyst', 'Feature': 'Investigation'}, 'Version': '1.0.0'}
DETECTOR_FEATURES = ('CLOUD_TRAIL', 'DNS_LOGS', 'FLOW_LOGS', 'S3_DATA_EVENTS', 'EKS_AUDIT_LOGS', 'EBS_MALWARE_PROTECTION',
                     'RDS_LOGIN_EVENTS', 'LAMBDA_NETWORK_LOGS')


@dataclass
class CallContext:
    region: str
    access_key_id: str
    now: float
    ai_analysis: bool = True  # False: the Region fails with AI analysis not enabled (regions.AI_ANALYSIS_NOT_ENABLED)
    service: str = SERVICE_NAME  # the service of the request's credential scope: guardduty or securityhub


def ai_analyst_disabled(detector_id):
    return bad_request(f'The AI_ANALYST feature is not enabled for the detector {detector_id}. '
                       'Enable it with UpdateDetector (Features: Name=AI_ANALYST, Status=ENABLED).')


def _check_keys(mapping, allowed, what):
    if not isinstance(mapping, dict):
        raise ValueError(f'{what} must be a mapping')
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise ValueError(f'unknown {what} key(s): {", ".join(unknown)}; valid: {", ".join(sorted(allowed))}')


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.000Z')


def epoch_ms(value):
    """A finding time (ISO string, epoch seconds or datetime) -> integer epoch milliseconds."""
    return int(round(to_epoch(value) * 1000))


@dataclass
class Investigation:
    """One investigation; its visible status and members depend on the time of the request."""

    detector_id: str
    data: dict
    records: list
    base: float
    running_for: float = 0.0
    start_offset: float = 0.0
    duration: float | None = None
    denied: bool = False
    title: str | None = None
    created_at: float | None = None
    visible_at: float = 0.0

    @property
    def investigation_id(self):
        return self.data['InvestigationId']

    def status(self, now):
        if now < self.base + self.running_for:
            return 'RUNNING'
        return self.data.get('Status', 'COMPLETED')

    def start_time(self):
        if self.data.get('StartTime') is not None:
            return to_epoch(self.data['StartTime'])
        return self.base + self.start_offset

    def end_time(self):
        if self.data.get('EndTime') is not None:
            return to_epoch(self.data['EndTime'])
        return self.start_time() + (self.running_for if self.duration is None else self.duration)

    def view(self, now, structured=False):
        """GetInvestigation's ``Investigation`` as of ``now``."""
        status = self.status(now)
        out = {key: value for key, value in self.data.items() if key not in RESULT_MEMBERS}
        out.update(Status=status, StartTime=self.start_time())
        if status != 'RUNNING':
            out['EndTime'] = self.end_time()
        if status == 'FAILED':
            out['Error'] = self.data.get('Error') or 'The investigation failed.'
        if status == 'COMPLETED':
            out.update({key: self.data[key] for key in ('RiskLevel', 'Risk', 'Confidence', 'Scope') if key in self.data})
            summary_data = self.data.get('SummaryData')
            if structured and summary_data:
                out['SummaryData'] = summary_data
            elif self.data.get('Summary') is not None:
                out['Summary'] = self.data['Summary']
            elif summary_data:
                out['Summary'] = to_wire_text(summary_data, 'InvestigationSummaryData')
        return out

    def summary(self, now):
        """ListInvestigations' ``InvestigationSummary`` as of ``now``."""
        status = self.status(now)
        scope = (self.data.get('Scope') or {}) if status == 'COMPLETED' else {}
        out = {'InvestigationId': self.investigation_id, 'Status': status, 'TriggerPrompt': self.data['TriggerPrompt'],
               'StartTime': self.start_time(), 'AccountId': scope.get('AccountId') or self.data['Cloud']['Account']}
        if status != 'RUNNING':
            out['EndTime'] = self.end_time()
        if status == 'COMPLETED':
            title = self.title or ((self.data.get('SummaryData') or {}).get('KeyObservations') or {}).get('Title')
            extra = {'RiskLevel': self.data.get('RiskLevel'), 'Confidence': self.data.get('Confidence'), 'Title': title,
                     'InvestigationType': scope.get('InvestigationType'), 'FindingId': scope.get('FindingId'),
                     'AdminAccountId': scope.get('AdminAccountId')}
            out.update({key: value for key, value in extra.items() if value is not None})
        return out

    def record_views(self):
        """Records with RecordId/CreatedAt filled in (spread between StartTime and EndTime), oldest first."""
        start = self.start_time()
        step = max(self.end_time() - start, 1.0) / (len(self.records) + 1)
        out = []
        for index, record in enumerate(self.records):
            item = dict(record)
            item.setdefault('RecordId', f'rec-{index + 1:04d}')
            item.setdefault('CreatedAt', start + step * (index + 1))
            out.append(item)
        return out


def _load_investigation(entry, account, region, base, detectors):
    _check_keys(entry, ENTRY_KEYS, 'investigation entry')
    data = copy.deepcopy(entry.get('investigation') or {})
    inv_id = data.get('InvestigationId')
    if not inv_id:
        raise ValueError('every investigation entry needs investigation.InvestigationId')
    if entry.get('detector_id') not in detectors:
        raise ValueError(f'investigation {inv_id}: unknown detector_id {entry.get("detector_id")!r}')
    title = data.pop('Title', None)
    data.setdefault('Status', 'COMPLETED')
    data.setdefault('TriggerPrompt', f'Analyze findings in account with id {account}')
    data.setdefault('TriggeredBy', account)
    data.setdefault('Metadata', copy.deepcopy(DEFAULT_METADATA))
    data.setdefault('Cloud', {'Provider': 'AWS', 'Region': region, 'Account': account})
    inv = Investigation(detector_id=entry['detector_id'], data=data, records=copy.deepcopy(entry.get('records') or []), base=base,
                        running_for=float(entry.get('running_for', 0)), start_offset=float(entry.get('start_offset', 0)),
                        duration=entry.get('duration'), denied=bool(entry.get('denied', False)), title=title)
    errors = []
    for structured in (True, False):
        errors += validate(inv.view(math.inf, structured), named_shape('Investigation'), 'Investigation')
    errors += validate(inv.summary(math.inf), named_shape('InvestigationSummary'), 'InvestigationSummary')
    for index, record in enumerate(inv.record_views()):
        errors += validate(record, named_shape('InvestigationRecord'), f'records[{index}]')
    if errors:
        raise ValueError(f'investigation {inv_id} does not fit the model: ' + '; '.join(sorted(set(errors))[:10]))
    return inv


FINDING_TIME_MEMBERS = ('CreatedAt', 'UpdatedAt')  # strings in the model; FindingCriteria compares them as epoch milliseconds
# What a finding says about itself and the emulator cannot make up: the rest gets the defaults of _finding_defaults.
FINDING_GIVEN_MEMBERS = ('Id', 'Type', 'Severity', 'Resource')


def _finding_defaults(data, detector_id, account, region):
    """Fill in what every GuardDuty finding has (botocore member names), keeping what ``data`` gives.

    The Finding shape's required members other than FINDING_GIVEN_MEMBERS (AccountId, Region, SchemaVersion, Arn;
    CreatedAt/UpdatedAt are stamped by _finding), Partition, and a Service with Archived false (ListFindings'
    ``service.archived`` criterion, which the findings source sends, needs it), Count 1, ServiceName, DetectorId and the
    EventFirstSeen/EventLastSeen of the finding's creation and last update.
    """
    data.setdefault('AccountId', account)
    data.setdefault('Region', region)
    data.setdefault('Partition', 'aws')
    data.setdefault('SchemaVersion', '2.0')
    data.setdefault('Arn', f'arn:aws:guardduty:{data["Region"]}:{data["AccountId"]}:detector/{detector_id}/finding/{data["Id"]}')
    service = data.get('Service')
    if service is None:
        service = data['Service'] = {}
    if isinstance(service, dict):
        service.setdefault('Archived', False)
        service.setdefault('Count', 1)
        service.setdefault('ServiceName', 'guardduty')
        service.setdefault('DetectorId', detector_id)
        service.setdefault('EventFirstSeen', data['CreatedAt'])
        service.setdefault('EventLastSeen', data['UpdatedAt'])


def _finding(entry, detectors, default_detector, now, existing=None, account=scenarios.ACCOUNT_ID, region=scenarios.REGION):
    """(detector_id, Finding) from a scenario / put_findings entry, merged over ``existing``; ValueError if it does not fit the model.

    A new finding needs FINDING_GIVEN_MEMBERS; the rest defaults (_finding_defaults: the scenario's ``account`` and
    ``region``, a non-archived Service, ...). UpdatedAt defaults to ``now`` (milliseconds, like GuardDuty); an update
    keeps CreatedAt and, unless it gives a Service, counts Service.Count up and moves Service.EventLastSeen to UpdatedAt.
    """
    if not isinstance(entry, dict):
        raise ValueError(f'a finding must be a mapping of Finding members, got {type(entry).__name__}')
    data = copy.deepcopy(entry)
    detector_id = data.pop('detector_id', None) or (existing or {}).get('detector_id') or default_detector
    if detector_id not in detectors:
        raise ValueError(f'finding {data.get("Id")!r}: unknown detector_id {detector_id!r}')
    if not data.get('Id'):
        raise ValueError('every finding needs an Id')
    recurred = False
    if existing is not None:
        merged = copy.deepcopy(existing['finding'])
        service = merged.get('Service') or {}
        if 'Service' not in data and isinstance(service.get('Count'), int):
            service['Count'] += 1
            recurred = True
        merged.pop('UpdatedAt', None)
        merged.update(data)
        data = merged
    else:
        missing = [name for name in FINDING_GIVEN_MEMBERS if data.get(name) is None]
        if missing:
            raise ValueError(f'finding {data["Id"]} does not fit the model: it needs {", ".join(missing)} (the emulator fills in '
                             'the other members; scenarios.finding() builds a complete one)')
    stamp = iso_ms(now)
    data.setdefault('UpdatedAt', stamp)
    data.setdefault('CreatedAt', data['UpdatedAt'] if existing is None else stamp)
    for member in FINDING_TIME_MEMBERS:
        if not isinstance(data[member], str):
            data[member] = iso_ms(to_epoch(data[member]))
    if recurred and isinstance(data.get('Service'), dict):
        data['Service']['EventLastSeen'] = data['UpdatedAt']
    _finding_defaults(data, detector_id, account, region)
    errors = validate(data, named_shape('Finding'), 'Finding')
    if errors:
        raise ValueError(f'finding {data["Id"]} does not fit the model: ' + '; '.join(sorted(set(errors))[:10]))
    return {'detector_id': detector_id, 'finding': data}


def denied(ctx, account_id, operation, params):
    """The AccessDeniedException of an IAM policy that does not allow the operation (``denied_operations``)."""
    if ctx.service == SERVICE_NAME:
        resource = f'arn:aws:guardduty:{ctx.region}:{account_id}:detector/{params.get("DetectorId", "*")}'
    else:
        resource = f'arn:aws:{ctx.service}:{ctx.region}:{account_id}:hub/default'
    return ApiError('AccessDeniedException', f'User: arn:aws:iam::{account_id}:user/gdemu is not authorized to perform: '
                                             f'{ctx.service}:{operation} on resource: {resource}', service=ctx.service)


def _suppress(item, filters):
    """Archive a new finding that an ARCHIVE filter (suppression rule) of its detector matches, as GuardDuty does; such a
    finding is not sent to Security Hub (``suppressed``)."""
    for rule in sorted((filters.get(item['detector_id']) or {}).values(), key=lambda rule: rule['Rank']):
        if rule['Action'] != 'ARCHIVE':
            continue
        try:
            criteria = [(_finding_path(key), key, condition) for key, condition in rule['FindingCriteria']['Criterion'].items()]
        except ApiError:  # a documented criterion field the Finding shape does not have: it matches nothing here
            continue
        if all(_finding_matches(item['finding'], path, key, condition) for path, key, condition in criteria):
            item['finding']['Service']['Archived'] = True
            item['suppressed'] = True
            return


class CallLog:
    """Thread-safe log of data-plane calls (each with the Region of its credential scope) and of created investigations."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls = []
        self._created = []

    def add(self, entry):
        with self._lock:
            self._calls.append(dict(entry))
            if entry.get('created'):
                self._created.append((entry['investigation_id'], entry.get('region')))

    def calls(self, operation=None, investigation_id=None, region=None):
        """The calls, optionally of one operation, investigation and Region (None: any)."""
        with self._lock:
            return [dict(call) for call in self._calls
                    if (operation is None or call['operation'] == operation)
                    and (investigation_id is None or call['investigation_id'] == investigation_id)
                    and (region is None or call.get('region') == region)]

    def created(self, region=None):
        with self._lock:
            return [inv_id for inv_id, where in self._created if region is None or where == region]

    def reset(self):
        with self._lock:
            self._calls = []
            self._created = []

    def snapshot(self, region=None):
        calls = self.calls(region=region)
        counts, by_id, by_region = {}, {}, {}
        for call in calls:
            counts[call['operation']] = counts.get(call['operation'], 0) + 1
            if call['investigation_id']:
                per_id = by_id.setdefault(call['investigation_id'], {})
                per_id[call['operation']] = per_id.get(call['operation'], 0) + 1
            if call.get('region'):
                per_region = by_region.setdefault(call['region'], {})
                per_region[call['operation']] = per_region.get(call['operation'], 0) + 1
        return {'calls': calls, 'counts': counts, 'counts_by_id': by_id, 'counts_by_region': by_region, 'created': self.created(region)}


class State(FindingUpdates, Filters):
    """The emulated account in one Region: detectors, investigations, findings, filters, idempotency tokens, quota, and
    the Security Hub beside GuardDuty (``securityhub``)."""

    HANDLERS = {'ListDetectors': '_list_detectors', 'GetDetector': '_get_detector', 'GetInvestigation': '_get_investigation',
                'ListInvestigations': '_list_investigations', 'ListInvestigationRecords': '_list_records',
                'CreateInvestigation': '_create_investigation', 'ListFindings': '_list_findings', 'GetFindings': '_get_findings',
                'ArchiveFindings': '_archive_findings', 'UnarchiveFindings': '_unarchive_findings',
                'UpdateFindingsFeedback': '_update_findings_feedback', 'CreateFilter': '_create_filter', 'GetFilter': '_get_filter',
                'UpdateFilter': '_update_filter', 'DeleteFilter': '_delete_filter', 'ListFilters': '_list_filters'}

    def __init__(self, scenario=None):
        self._lock = threading.RLock()
        self._generation = 0
        self.load(scenario if scenario is not None else scenarios.empty())

    def load(self, scenario):
        """Replace all state with ``scenario``; raises ValueError when it is inconsistent with the model."""
        _check_keys(scenario, SCENARIO_KEYS, 'scenario')
        now = time.time()
        account = str(scenario.get('account_id', scenarios.ACCOUNT_ID))
        region = scenario.get('region', scenarios.REGION)
        detectors = {}
        for item in scenario.get('detectors', []):
            _check_keys(item, DETECTOR_KEYS, 'detector')
            det = {'ai_analyst': True, 'role': 'standalone', 'status': 'ENABLED', 'tags': None, 'created_at': now - 400 * scenarios.DAY}
            det.update(item)
            if not det.get('detector_id') or det['role'] not in ROLES:
                raise ValueError(f'detector needs a detector_id and a role in {ROLES}: {item!r}')
            detectors[det['detector_id']] = det
        denied = set(scenario.get('denied_operations', []))
        if denied - operation_names():
            raise ValueError(f'denied_operations: unknown operation(s) {sorted(denied - operation_names())} (Security Hub\'s as '
                             'securityhub:<Operation>)')
        quota = dict(DEFAULT_QUOTA, **scenario.get('quota', {}))
        create = dict(DEFAULT_CREATE, **scenario.get('create', {}))
        _check_keys(quota, set(DEFAULT_QUOTA), 'quota')
        _check_keys(create, set(DEFAULT_CREATE), 'create')
        if create['final_status'] not in enum_values('Investigation', 'Status'):
            raise ValueError(f'create.final_status must be one of {enum_values("Investigation", "Status")}')
        investigations = {}
        for entry in scenario.get('investigations', []):
            inv = _load_investigation(entry, account, region, now, detectors)
            if inv.investigation_id in investigations:
                raise ValueError(f'duplicate InvestigationId {inv.investigation_id}')
            investigations[inv.investigation_id] = inv
        first_detector = next(iter(detectors), None)
        filters = load_filters(scenario.get('filters'), detectors, now)
        findings = {}
        for entry in scenario.get('findings', []):
            item = _finding(entry, detectors, first_detector, now, account=account, region=region)
            if item['finding']['Id'] in findings:
                raise ValueError(f'duplicate finding Id {item["finding"]["Id"]}')
            _suppress(item, filters)
            findings[item['finding']['Id']] = item
        securityhub = SecurityHub(self, scenario.get('securityhub'))
        with self._lock:
            self._generation += 1
            self.account_id, self.region = account, region
            self._detectors, self._investigations, self._findings = detectors, investigations, findings
            self._filters, self._filter_tokens, self.feedback, self.securityhub = filters, {}, {}, securityhub
            self._denied, self._quota, self._create = denied, quota, create
            self._tokens, self._created = {}, []

    def summary(self):
        with self._lock:
            return {'account_id': self.account_id, 'detectors': list(self._detectors), 'investigations': len(self._investigations),
                    'findings': len(self._findings), 'created': len(self._created),
                    'filters': sum(len(items) for items in self._filters.values()), 'securityhub': self.securityhub.summary()}

    def put_findings(self, findings, now=None):
        """Add or update findings (upsert by Id, see _finding); all or nothing. Returns their ids."""
        if not isinstance(findings, list):
            raise ValueError('findings must be a list of Finding mappings')
        now = time.time() if now is None else now
        with self._lock:
            first_detector = next(iter(self._detectors), None)
            staged = dict(self._findings)
            for entry in findings:
                existing = staged.get(entry.get('Id')) if isinstance(entry, dict) else None
                item = _finding(entry, self._detectors, first_detector, now, existing, self.account_id, self.region)
                if existing is None:
                    _suppress(item, self._filters)
                else:
                    item['suppressed'] = existing.get('suppressed', False)
                staged[item['finding']['Id']] = item
            self._findings = staged
            return [entry['Id'] for entry in findings]

    def handle(self, operation, params, ctx):
        """Run one operation of ``ctx.service`` -> (output, investigation_id or None, created?); raises ApiError."""
        if ctx.service != SERVICE_NAME:
            with self._lock:
                if f'{ctx.service}:{operation}' in self._denied:
                    raise denied(ctx, self.account_id, operation, params)
                return self.securityhub.handle(operation, params, ctx)
        if operation not in self.HANDLERS:
            raise ApiError('NotImplementedException', f'{operation} is not emulated by gdemu (emulated: {", ".join(self.HANDLERS)}).', 501)
        with self._lock:
            if operation in self._denied:
                raise denied(ctx, self.account_id, operation, params)
            if not ctx.ai_analysis and operation in INVESTIGATION_OPERATIONS:
                raise ai_analyst_disabled(self._detector(params)['detector_id'])
            return getattr(self, self.HANDLERS[operation])(params, ctx)

    # ------------------------------------------------------------ helpers

    def _detector(self, params):
        det = self._detectors.get(params['DetectorId'])
        if det is None:
            raise bad_request(DETECTOR_NOT_OWNED)
        return det

    def _visible(self, params, now):
        inv = self._investigations.get(params['InvestigationId'])
        if inv is None or inv.detector_id != params['DetectorId'] or now < inv.visible_at:
            raise ApiError('ResourceNotFoundException', f'The investigation {params["InvestigationId"]} was not found.')
        if inv.denied:
            raise ApiError('AccessDeniedException', f'You do not have access to the investigation {inv.investigation_id}.')
        return inv

    def _page(self, items, params, default_size, query, invalid=bad_request):
        digest = hashlib.sha256(json.dumps([self._generation, query], sort_keys=True, default=str).encode()).hexdigest()[:16]
        offset = 0
        if params.get('NextToken'):
            try:
                token = json.loads(base64.urlsafe_b64decode(params['NextToken'].encode()))
                offset = int(token['o'])
                valid = token['q'] == digest and offset >= 0
            except (ValueError, TypeError, KeyError, binascii.Error):
                valid = False
            if not valid:
                raise invalid('The NextToken is not valid for this request (it belongs to a different query, or has expired).')
        size = params.get('MaxResults', default_size)
        token = None
        if offset + size < len(items):
            token = base64.urlsafe_b64encode(json.dumps({'o': offset + size, 'q': digest}).encode()).decode()
        return items[offset:offset + size], token

    @staticmethod
    def _with_token(output, token):
        if token:
            output['NextToken'] = token
        return output

    # ------------------------------------------------------------ operations

    def _list_detectors(self, params, _ctx):
        page, token = self._page(list(self._detectors), params, 50, {'op': 'ListDetectors'})
        return self._with_token({'DetectorIds': page}, token), None, False

    def _get_detector(self, params, ctx):
        det = self._detector(params)
        created = _iso(det['created_at'])
        enabled = {'Status': 'ENABLED' if det['status'] == 'ENABLED' else 'DISABLED'}
        features = [{'Name': name, 'Status': 'ENABLED', 'UpdatedAt': det['created_at']} for name in DETECTOR_FEATURES]
        features.append({'Name': 'RUNTIME_MONITORING', 'Status': 'DISABLED', 'UpdatedAt': det['created_at']})
        features.append({'Name': 'AI_ANALYST', 'Status': 'ENABLED' if det['ai_analyst'] and ctx.ai_analysis else 'DISABLED', 'UpdatedAt': det['created_at']})
        role_arn = f'arn:aws:iam::{self.account_id}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty'
        out = {'CreatedAt': created, 'UpdatedAt': created, 'FindingPublishingFrequency': 'SIX_HOURS', 'ServiceRole': role_arn,
               'Status': det['status'], 'Features': features,
               'DataSources': {'CloudTrail': enabled, 'DNSLogs': enabled, 'FlowLogs': enabled, 'S3Logs': enabled,
                               'Kubernetes': {'AuditLogs': enabled},
                               'MalwareProtection': {'ScanEc2InstanceWithFindings': {'EbsVolumes': enabled}, 'ServiceRole': role_arn}}}
        if det.get('tags'):
            out['Tags'] = det['tags']
        return out, None, False

    def _get_investigation(self, params, ctx):
        self._detector(params)
        inv = self._visible(params, ctx.now)
        structured = params.get('SummaryFormat') == 'STRUCTURED'
        return {'Investigation': inv.view(ctx.now, structured)}, inv.investigation_id, False

    def _list_investigations(self, params, ctx):
        self._detector(params)
        criteria = (params.get('FilterCriteria') or {}).get('Criterion') or {}
        for key, condition in criteria.items():
            values = (condition.get('Equals') or []) + (condition.get('NotEquals') or [])
            if not values:
                raise bad_request(f'The filter condition for {key} needs Equals and/or NotEquals with at least one value.')
            member = named_shape('InvestigationSummary').members[FILTER_MEMBERS[key]]
            invalid = [value for value in values if member.enum and value not in member.enum]
            if invalid:
                raise bad_request(f'Invalid value(s) {invalid} for filter key {key}; valid values (case sensitive): {", ".join(member.enum)}.')
        summaries = [inv.summary(ctx.now) for inv in self._investigations.values()
                     if inv.detector_id == params['DetectorId'] and ctx.now >= inv.visible_at]
        summaries = [item for item in summaries if _matches(item, criteria)]
        sort = params.get('SortCriteria') or {}
        summaries = _sort(summaries, sort.get('AttributeName', 'START_TIME'), sort.get('OrderBy', 'DESC'))
        query = {'op': 'ListInvestigations', 'detector': params['DetectorId'], 'filter': criteria, 'sort': sort}
        page, token = self._page(summaries, params, 50, query)
        return self._with_token({'Investigations': page}, token), None, False

    def _list_records(self, params, ctx):
        self._detector(params)
        inv = self._visible(params, ctx.now)
        status = inv.status(ctx.now)
        out = {'InvestigationId': inv.investigation_id, 'Status': status, 'Records': []}
        if status != 'COMPLETED':
            if params.get('NextToken'):
                raise bad_request(f'NextToken is only valid for a COMPLETED investigation; {inv.investigation_id} is {status}.')
            return out, inv.investigation_id, False
        types = params.get('RecordTypes') or []
        records = [record for record in inv.record_views() if not types or record['Type'] in types]
        query = {'op': 'ListInvestigationRecords', 'detector': params['DetectorId'], 'id': inv.investigation_id, 'types': sorted(types)}
        out['Records'], token = self._page(records, params, 20, query)
        return self._with_token(out, token), inv.investigation_id, False

    def _detector_findings(self, params):
        self._detector(params)
        return [item['finding'] for item in self._findings.values() if item['detector_id'] == params['DetectorId']]

    def _list_findings(self, params, _ctx):
        findings = self._detector_findings(params)
        criterion = (params.get('FindingCriteria') or {}).get('Criterion') or {}
        checks = [(_finding_path(key), key, condition) for key, condition in criterion.items()]
        empty = [key for key, condition in criterion.items() if not any(value is not None for value in condition.values())]
        if empty:
            raise bad_request(f'The FindingCriteria condition for {empty[0]!r} is empty.')
        findings = [item for item in findings if all(_finding_matches(item, path, key, condition) for path, key, condition in checks)]
        sort = params.get('SortCriteria') or {}
        if sort.get('AttributeName'):
            findings = _sort_findings(findings, sort['AttributeName'], sort.get('OrderBy', 'ASC'))
        query = {'op': 'ListFindings', 'detector': params['DetectorId'], 'criterion': criterion, 'sort': sort}
        page, token = self._page([item['Id'] for item in findings], params, 50, query)
        return self._with_token({'FindingIds': page}, token), None, False

    def _get_findings(self, params, _ctx):
        by_id = {item['Id']: item for item in self._detector_findings(params)}
        found = [copy.deepcopy(by_id[finding_id]) for finding_id in dict.fromkeys(params['FindingIds']) if finding_id in by_id]
        sort = params.get('SortCriteria') or {}
        if sort.get('AttributeName'):
            found = _sort_findings(found, sort['AttributeName'], sort.get('OrderBy', 'ASC'))
        return {'Findings': found}, None, False

    def _create_investigation(self, params, ctx):
        det = self._detector(params)
        detector_id, prompt, token = det['detector_id'], params['TriggerPrompt'], params.get('ClientToken')
        if det['role'] == 'member':
            raise ApiError('AccessDeniedException', 'Only the administrator account can create an investigation.')
        if not det['ai_analyst']:
            raise ai_analyst_disabled(detector_id)
        if token and (detector_id, token) in self._tokens:
            known_prompt, known_id = self._tokens[(detector_id, token)]
            if known_prompt != prompt:
                raise bad_request('The ClientToken was already used for a CreateInvestigation request with a different TriggerPrompt.')
            return {'InvestigationId': known_id}, known_id, False
        live = [inv for inv in self._created if inv.status(ctx.now) != 'FAILED']
        today = time.gmtime(ctx.now)[:3]
        if sum(1 for inv in live if time.gmtime(inv.created_at)[:3] == today) >= self._quota['daily']:
            raise bad_request(f'The daily investigation quota ({self._quota["daily"]} per account) is exceeded. Failed investigations do not count.')
        if len(live) >= self._quota['total']:
            raise bad_request(f'The total investigation quota ({self._quota["total"]} per account) is exceeded. Failed investigations do not count.')
        running_for = float(self._create['running_for'])
        try:
            result, records = scenarios.synthesize(prompt, self.account_id, ctx.region, detector_id, ctx.now, running_for)
        except ValueError as exc:
            raise bad_request(str(exc)) from exc
        inv_id = str(uuid.uuid4())
        data = {'InvestigationId': inv_id, 'Status': self._create['final_status'], 'TriggerPrompt': prompt, 'TriggeredBy': self.account_id,
                'Metadata': copy.deepcopy(DEFAULT_METADATA), 'Cloud': {'Provider': 'AWS', 'Region': ctx.region, 'Account': self.account_id}}
        if data['Status'] == 'COMPLETED':
            data.update(result)
        else:
            records = []
            data['Error'] = self._create['error']
        inv = Investigation(detector_id, data, records, base=ctx.now, running_for=running_for, created_at=ctx.now,
                            visible_at=ctx.now + float(self._create['visible_after']))
        self._investigations[inv_id] = inv
        self._created.append(inv)
        if token:
            self._tokens[(detector_id, token)] = (prompt, inv_id)
        return {'InvestigationId': inv_id}, inv_id, True


def _matches(summary, criteria):
    for key, condition in criteria.items():
        value = summary.get(FILTER_MEMBERS[key])
        if condition.get('Equals') and value not in condition['Equals']:
            return False
        if condition.get('NotEquals') and value is not None and value in condition['NotEquals']:
            return False
    return True


def _sort(summaries, attribute, order):
    member = SORT_MEMBERS[attribute]
    ranking = enum_values('InvestigationSummary', member) if member in ('Status', 'RiskLevel', 'Confidence') else None
    descending = order == 'DESC'

    def key(item):
        value = item[member]
        return (ranking.index(value) if ranking else value, item['InvestigationId'])

    present = sorted((item for item in summaries if item.get(member) is not None), key=key, reverse=descending)
    missing = sorted((item for item in summaries if item.get(member) is None), key=lambda item: item['InvestigationId'], reverse=descending)
    return present + missing


# ---------------------------------------------------------------- findings criteria (attribute paths use the model's wire names)

NUMERIC_CONDITIONS = {'Gt': 'gt', 'Gte': 'ge', 'Lt': 'lt', 'Lte': 'le', 'GreaterThan': 'gt', 'GreaterThanOrEqual': 'ge',
                      'LessThan': 'lt', 'LessThanOrEqual': 'le'}


def _finding_path(attribute):
    """'service.archived' -> ['Service', 'Archived'] by walking the Finding shape's wire names; 400 for an unknown attribute."""
    shape, path = named_shape('Finding'), []
    for part in attribute.split('.'):
        while shape.type_name == 'list':
            shape = shape.member
        members = getattr(shape, 'members', None) or {}
        match = [name for name, member in members.items() if member.serialization.get('name', name) == part]
        if not match:
            raise bad_request(f'The request is rejected because the FindingCriteria attribute {attribute!r} is not a finding property.')
        path.append(match[0])
        shape = members[match[0]]
    return path


def _as_number(value, timestamp):
    if timestamp:
        return epoch_ms(value)
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _as_text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _finding_matches(finding, path, attribute, condition):
    timestamp = path[-1] in FINDING_TIME_MEMBERS
    values = values_at(finding, path)
    for name, wanted in condition.items():
        if wanted is None:
            continue
        if name in NUMERIC_CONDITIONS:
            numbers = [number for number in (_as_number(value, timestamp) for value in values) if number is not None]
            if not any(getattr(operator, NUMERIC_CONDITIONS[name])(number, wanted) for number in numbers):
                return False
            continue
        texts = {_as_text(value) for value in values}
        wanted = [_as_text(item) for item in wanted]
        if name in ('Eq', 'Equals') and not texts & set(wanted):
            return False
        if name in ('Neq', 'NotEquals') and texts & set(wanted):
            return False
        if name in ('Matches', 'NotMatches'):
            hit = any(fnmatch.fnmatchcase(text, pattern) for text in texts for pattern in wanted)
            if hit != (name == 'Matches'):
                return False
    return True


def _sort_findings(findings, attribute, order):
    path = _finding_path(attribute)
    timestamp = path[-1] in FINDING_TIME_MEMBERS

    def key(item):
        values = values_at(item, path)
        value = values[0] if values else None
        if value is None:
            return (1, 0, '', item['Id'])
        number = _as_number(value, timestamp)
        return (0, number if number is not None else 0, '' if number is not None else _as_text(value), item['Id'])

    present = [item for item in findings if values_at(item, path)]
    missing = [item for item in findings if not values_at(item, path)]
    return sorted(present, key=key, reverse=order == 'DESC') + missing
