"""Security Hub beside GuardDuty: GetFindings and BatchUpdateFindings, for requests signed for the service
``securityhub`` (the credential scope of SigV4), answered from the same Region's state as GuardDuty's.

GuardDuty sends its findings to Security Hub; here every GuardDuty finding of the Region is a Security Hub finding
in the AWS Security Finding Format, made from it when it is read (so a finding archived in GuardDuty shows
``RecordState: ARCHIVED`` at once): ``Id`` is the finding's ``Arn``, ``ProductArn``
``arn:<partition>:securityhub:<Region>::product/aws/guardduty``, ``GeneratorId`` the detector's ARN, ``Workflow``
NEW until BatchUpdateFindings says otherwise. Left out, as GuardDuty does not send them or Security Hub has not
received them yet: findings a suppression rule archived on arrival, and the ids of the scenario's
``securityhub.not_imported``.

The scenario key ``securityhub``: ``{"enabled": true, "not_imported": [<finding id>, ...]}``. With ``enabled: false``
every operation answers what Security Hub answers in an account and Region where it is not enabled: 401
InvalidAccessException "Account <id> is not subscribed to AWS Security Hub".

Limits the model does not carry (Security Hub's API reference and user guide):
- BatchUpdateFindings: 1 to 100 FindingIdentifiers (its documentation); Note.Text at most 512 characters (the Note
  type), Note.UpdatedBy at most 512 (the NoteUpdate property of AWS::SecurityHub::AutomationRule); UserDefinedFields
  at most 50, names at most 128 and values at most 1024 characters (the ASFF's limit for such maps);
- GetFindings: at most 10 filter attributes with at most 20 values each (its ``Filters`` documentation).
The reference does not say whether UserDefinedFields merges with the finding's or replaces them: the emulator
replaces them, so a client that relies on merging is caught (send the whole map you want).

GetFindings filters on the string attributes (StringFilter, every comparison); another filter type answers 501.
"""
from __future__ import annotations

import copy

from .errors import ApiError
from .model import SECURITYHUB, iso_ms, named_shape, validate, values_at

PRODUCT = 'product/aws/guardduty'
SCHEMA_VERSION = '2018-10-08'
MAX_IDENTIFIERS = 100
MAX_NOTE = 512
MAX_UPDATED_BY = 512
MAX_FIELDS, MAX_FIELD_NAME, MAX_FIELD_VALUE = 50, 128, 1024
MAX_FILTER_ATTRIBUTES, MAX_FILTER_VALUES = 10, 20
UPDATABLE = ('Note', 'Severity', 'VerificationState', 'Confidence', 'Criticality', 'Types', 'UserDefinedFields', 'Workflow',
             'RelatedFindings')
CONFIG_KEYS = {'enabled', 'not_imported'}
# Filter attributes whose value is not the finding member of the same name.
FILTER_PATHS = {'WorkflowStatus': ('Workflow', 'Status'), 'SeverityLabel': ('Severity', 'Label'), 'Type': ('Types',),
                'ResourceId': ('Resources', 'Id'), 'ResourceType': ('Resources', 'Type'), 'ResourcePartition': ('Resources', 'Partition'),
                'ResourceRegion': ('Resources', 'Region'), 'NoteText': ('Note', 'Text'), 'NoteUpdatedBy': ('Note', 'UpdatedBy'),
                'RelatedFindingsId': ('RelatedFindings', 'Id'), 'RelatedFindingsProductArn': ('RelatedFindings', 'ProductArn')}
POSITIVE = {'EQUALS': lambda value, wanted: value == wanted, 'PREFIX': lambda value, wanted: value.startswith(wanted),
            'CONTAINS': lambda value, wanted: wanted in value, 'CONTAINS_WORD': lambda value, wanted: wanted in value.split()}
NEGATIVE = {'NOT_EQUALS': POSITIVE['EQUALS'], 'PREFIX_NOT_EQUALS': POSITIVE['PREFIX'], 'NOT_CONTAINS': POSITIVE['CONTAINS']}


def error(code, message):
    return ApiError(code, message, service=SECURITYHUB)


def invalid_input(message):
    return error('InvalidInputException', message)


def product_arn(region, partition='aws'):
    """Security Hub's ProductArn of GuardDuty in ``region``."""
    return f'arn:{partition}:securityhub:{region}::{PRODUCT}'


def severity_label(severity):
    """GuardDuty's severity bands (1-3.9 Low, 4-6.9 Medium, 7-8.9 High, 9-10 Critical) as Security Hub labels."""
    return 'CRITICAL' if severity >= 9 else 'HIGH' if severity >= 7 else 'MEDIUM' if severity >= 4 else 'LOW'


def _resource(finding, partition, region, account):
    details = finding.get('Resource') or {}
    kind = details.get('ResourceType')
    instance = (details.get('InstanceDetails') or {}).get('InstanceId')
    key = (details.get('AccessKeyDetails') or {}).get('AccessKeyId')
    buckets = [item.get('Name') for item in details.get('S3BucketDetails') or [] if item.get('Name')]
    if kind == 'Instance' and instance:
        out = {'Type': 'AwsEc2Instance', 'Id': f'arn:{partition}:ec2:{region}:{account}:instance/{instance}'}
    elif kind == 'AccessKey' and key:
        out = {'Type': 'AwsIamAccessKey', 'Id': f'AWS::IAM::AccessKey:{key}'}
    elif kind == 'S3Bucket' and buckets:
        out = {'Type': 'AwsS3Bucket', 'Id': f'arn:{partition}:s3:::{buckets[0]}'}
    else:
        out = {'Type': 'Other', 'Id': f'AWS::::Account:{account}'}
    out.update(Partition=partition, Region=region)
    return out


def asff(finding, detector_id):
    """The Security Hub finding GuardDuty's ``finding`` becomes (before any BatchUpdateFindings)."""
    region, account, partition = finding['Region'], finding['AccountId'], finding.get('Partition') or 'aws'
    service = finding.get('Service') or {}
    severity = float(finding['Severity'])
    label = severity_label(severity)
    types = [f'TTPs/{finding["Type"]}']
    out = {
        'SchemaVersion': SCHEMA_VERSION, 'Id': finding['Arn'], 'ProductArn': product_arn(region, partition), 'ProductName': 'GuardDuty',
        'CompanyName': 'Amazon', 'Region': region, 'GeneratorId': f'arn:{partition}:guardduty:{region}:{account}:detector/{detector_id}',
        'AwsAccountId': account, 'Types': types, 'CreatedAt': finding['CreatedAt'], 'UpdatedAt': finding['UpdatedAt'],
        'Severity': {'Label': label, 'Normalized': int(round(severity * 10)), 'Product': severity, 'Original': str(severity)},
        'Title': finding.get('Title') or finding['Type'], 'Description': finding.get('Description') or finding['Type'],
        'ProductFields': {'aws/guardduty/service/archived': 'true' if service.get('Archived') else 'false',
                          'aws/guardduty/service/count': str(service.get('Count', 1)),
                          'aws/securityhub/FindingId': finding['Arn'], 'aws/securityhub/ProductName': 'GuardDuty',
                          'aws/securityhub/CompanyName': 'Amazon'},
        'Resources': [_resource(finding, partition, region, account)],
        'Workflow': {'Status': 'NEW'}, 'RecordState': 'ARCHIVED' if service.get('Archived') else 'ACTIVE',
        'FindingProviderFields': {'Severity': {'Label': label, 'Original': str(severity)}, 'Types': types},
    }
    for member, field in (('FirstObservedAt', 'EventFirstSeen'), ('LastObservedAt', 'EventLastSeen')):
        if service.get(field):
            out[member] = service[field]
    return out


class SecurityHub:
    """One account's Security Hub in one Region, over the GuardDuty findings of ``state`` (whose lock it runs under)."""

    HANDLERS = {'GetFindings': '_get_findings', 'BatchUpdateFindings': '_batch_update_findings'}

    def __init__(self, state, config=None):
        config = {} if config is None else config
        if not isinstance(config, dict) or set(config) - CONFIG_KEYS:
            raise ValueError(f'securityhub must be a mapping with the keys {", ".join(sorted(CONFIG_KEYS))}, got {config!r}')
        not_imported = config.get('not_imported') or []
        if not isinstance(not_imported, list) or not all(isinstance(item, str) for item in not_imported):
            raise ValueError('securityhub.not_imported must be a list of GuardDuty finding ids')
        self.state = state
        self.enabled = bool(config.get('enabled', True))
        self.not_imported = set(not_imported)
        self.updates = {}

    def configure(self, enabled=None, not_imported=None):
        """Switch Security Hub on or off, or change which GuardDuty findings it has not received yet (None: unchanged)."""
        if enabled is not None:
            self.enabled = bool(enabled)
        if not_imported is not None:
            self.not_imported = set(not_imported)

    def summary(self):
        return {'enabled': self.enabled, 'findings': len(self.findings()), 'updated': len(self.updates)}

    def findings(self):
        """The Security Hub findings of the Region now, with what BatchUpdateFindings set on them."""
        out = []
        for item in self.state._findings.values():  # pylint: disable=protected-access
            finding = item['finding']
            if item.get('suppressed') or finding['Id'] in self.not_imported:
                continue
            view = asff(finding, item['detector_id'])
            view.update(copy.deepcopy(self.updates.get((view['Id'], view['ProductArn']), {})))
            out.append(view)
        return out

    def finding(self, finding_id):
        """The Security Hub finding of a GuardDuty finding id or ARN, or None."""
        return next((item for item in self.findings() if item['Id'] == finding_id or item['Id'].endswith(f'/finding/{finding_id}')), None)

    def handle(self, operation, params, ctx):
        if operation not in self.HANDLERS:
            raise ApiError('NotImplementedException', f'securityhub:{operation} is not emulated by gdemu (emulated: '
                                                      f'{", ".join(self.HANDLERS)}).', 501, service=SECURITYHUB)
        if not self.enabled:
            raise error('InvalidAccessException', f'Account {self.state.account_id} is not subscribed to AWS Security Hub')
        return getattr(self, self.HANDLERS[operation])(params, ctx)

    # ------------------------------------------------------------ GetFindings

    def _checks(self, filters):
        given = {name: value for name, value in filters.items() if value}
        if len(given) > MAX_FILTER_ATTRIBUTES:
            raise invalid_input(f'Filters may name at most {MAX_FILTER_ATTRIBUTES} attributes; this request names {len(given)}.')
        members = named_shape('AwsSecurityFindingFilters', SECURITYHUB).members
        finding_members = named_shape('AwsSecurityFinding', SECURITYHUB).members
        checks = []
        for name, conditions in given.items():
            if len(conditions) > MAX_FILTER_VALUES:
                raise invalid_input(f'The filter {name} has {len(conditions)} values; at most {MAX_FILTER_VALUES} are allowed.')
            path = FILTER_PATHS.get(name)
            if path is None and name in finding_members and finding_members[name].type_name == 'string':
                path = (name,)
            if members[name].name != 'StringFilterList' or path is None:
                raise ApiError('NotImplementedException', f'gdemu does not emulate the Security Hub filter {name} '
                                                          '(emulated: the string attributes).', 501, service=SECURITYHUB)
            for condition in conditions:
                if not condition.get('Value') or not condition.get('Comparison'):
                    raise invalid_input(f'Each {name} filter needs a Value and a Comparison.')
            checks.append((path, conditions))
        return checks

    @staticmethod
    def _matches(finding, path, conditions):
        values = [value for value in values_at(finding, path) if isinstance(value, str)]
        positive = [item for item in conditions if item['Comparison'] in POSITIVE]
        negative = [item for item in conditions if item['Comparison'] in NEGATIVE]
        if positive and not any(POSITIVE[item['Comparison']](value, item['Value']) for item in positive for value in values):
            return False
        return not any(NEGATIVE[item['Comparison']](value, item['Value']) for item in negative for value in values)

    def _get_findings(self, params, _ctx):
        checks = self._checks(params.get('Filters') or {})
        found = [item for item in self.findings() if all(self._matches(item, path, conditions) for path, conditions in checks)]
        for criterion in reversed(params.get('SortCriteria') or []):
            field = criterion.get('Field')
            found.sort(key=lambda item, field=field: str(item.get(field, '')), reverse=criterion.get('SortOrder') == 'desc')
        query = {'op': 'securityhub:GetFindings', 'filters': params.get('Filters'), 'sort': params.get('SortCriteria')}
        page, token = self.state._page(found, params, 100, query, invalid=invalid_input)  # pylint: disable=protected-access
        out = {'Findings': page}
        if token:
            out['NextToken'] = token
        return out, None, False

    # ------------------------------------------------------------ BatchUpdateFindings

    @staticmethod
    def _check_update(params):
        identifiers = params['FindingIdentifiers']
        if not 1 <= len(identifiers) <= MAX_IDENTIFIERS:
            raise invalid_input(f'FindingIdentifiers must list 1 to {MAX_IDENTIFIERS} findings; this request lists {len(identifiers)}.')
        updates = {name: params[name] for name in UPDATABLE if params.get(name) is not None}
        if not updates:
            raise invalid_input('BatchUpdateFindings needs at least one field to update (' + ', '.join(UPDATABLE) + ').')
        note = updates.get('Note') or {}
        for member, limit in (('Text', MAX_NOTE), ('UpdatedBy', MAX_UPDATED_BY)):
            if member in note and len(note[member]) > limit:
                raise invalid_input(f'Note.{member} is {len(note[member])} characters long; the maximum is {limit}.')
        fields = updates.get('UserDefinedFields') or {}
        if len(fields) > MAX_FIELDS:
            raise invalid_input(f'UserDefinedFields holds {len(fields)} fields; the maximum is {MAX_FIELDS}.')
        for name, value in fields.items():
            if len(name) > MAX_FIELD_NAME or len(value) > MAX_FIELD_VALUE:
                raise invalid_input(f'UserDefinedFields {name[:40]!r}: a name may have at most {MAX_FIELD_NAME} characters and a value '
                                    f'at most {MAX_FIELD_VALUE}.')
        return identifiers, updates

    def _batch_update_findings(self, params, ctx):
        identifiers, updates = self._check_update(params)
        keys = [(item['Id'], item['ProductArn']) for item in identifiers]
        held = {(item['Id'], item['ProductArn']) for item in self.findings()}
        processed, unprocessed = [], []
        stamp = iso_ms(ctx.now)
        for identifier, key in zip(identifiers, keys):
            if keys.count(key) > 1:
                unprocessed.append({'FindingIdentifier': identifier, 'ErrorCode': 'DuplicatedFindingIdentifier',
                                    'ErrorMessage': 'Finding Identifier is duplicated'})
            elif key not in held:
                unprocessed.append({'FindingIdentifier': identifier, 'ErrorCode': 'FindingNotFound', 'ErrorMessage': 'Finding Not Found'})
            else:
                self._apply(key, updates, stamp)
                processed.append(identifier)
        return {'ProcessedFindings': processed, 'UnprocessedFindings': unprocessed}, None, False

    def _apply(self, key, updates, stamp):
        stored = self.updates.setdefault(key, {})
        for name, value in copy.deepcopy(updates).items():
            if name == 'Note':
                value['UpdatedAt'] = stamp
            if name == 'Severity':
                value = dict(stored.get('Severity') or {}, **value)
            stored[name] = value
        problems = validate(self.finding_by_key(key), named_shape('AwsSecurityFinding', SECURITYHUB), 'finding')
        if problems:
            raise invalid_input('; '.join(problems[:3]))

    def finding_by_key(self, key):
        return next(item for item in self.findings() if (item['Id'], item['ProductArn']) == key)
