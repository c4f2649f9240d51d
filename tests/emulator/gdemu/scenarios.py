"""Scenario builders and synthetic (but realistic) investigation results.

A scenario is a JSON-able dict: snake_case emulator keys wrapping botocore-shaped (PascalCase) data::

    {"account_id": "123456789012", "region": "us-east-1",
     "detectors": [{"detector_id": ..., "ai_analyst": True, "role": "standalone|administrator|member"}],
     "investigations": [{"detector_id": ..., "running_for": 0, "start_offset": -3600, "duration": 300, "denied": False,
                         "investigation": {<Investigation shape + optional Title>}, "records": [<InvestigationRecord>]}],
     "findings": [{<Finding shape>, "detector_id": ... (default: the first detector)}],
     "denied_operations": [...], "quota": {"daily": 10, "total": 100},
     "create": {"running_for": 3, "final_status": "COMPLETED", "error": "...", "visible_after": 0},
     "regions": {"eu-west-1": {<a scenario of this shape, without regions and region_errors>}, ...},
     "region_errors": {"eu-west-1": "no_detector|ai_analysis_not_enabled|access_denied|unreachable"}}

Without ``regions`` every Region (the Region of a request's SigV4 credential scope) sees the same content; with it,
the top level is the content of ``region`` only, each entry that of its Region, and other Regions have no detector
(regions.py).
"""
from __future__ import annotations

import hashlib
import re
import time
import uuid

from .model import to_wire_text

ACCOUNT_ID = '123456789012'
MEMBER_ACCOUNT_ID = '111122223333'
REGION = 'us-east-1'
DETECTOR_ID = '2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7'
DEMO_DETECTOR_ID = DETECTOR_ID
SECOND_DETECTOR_ID = '4ef5a6b7c8d9e0f1a2b3c4d5e6f7a8b9'

# demo()
DEMO_FINDING_ID = '1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6'
FINDING_INV_ID = 'a1b2c3d4-5678-90ab-cdef-ef1234567890'
ACCOUNT_INV_ID = 'b2c3d4e5-6789-01bc-def0-ef2345678901'
ORG_INV_ID = 'c3d4e5f6-7890-12cd-ef01-ef3456789012'
DEMO_RUNNING_FOR = 5

# basic()
BASIC_FINDING_ID = '5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b'
COMPLETED_INV_ID = 'd4e5f6a7-8901-23de-f012-ef4567890123'
RUNNING_INV_ID = 'e5f6a7b8-9012-34ef-0123-ef5678901234'
FAILED_INV_ID = 'f6a7b8c9-0123-45f0-1234-ef6789012345'
TEXT_ONLY_INV_ID = '0a1b2c3d-1234-4abc-8def-0123456789ab'
DENIED_INV_ID = '1b2c3d4e-2345-4bcd-9ef0-123456789abc'
MISSING_INV_ID = '9f8e7d6c-5b4a-4321-8fed-cba987654321'
COMPLETED_RECORD_COUNT = 45
FAILED_ERROR = 'The finding type Recon:EC2/Portscan is not supported by investigation (preview).'

# hostile()
HOSTILE_FINDING_ID = '6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c'
HOSTILE_INV_ID = '2c3d4e5f-3456-4cde-af01-23456789abcd'
HOSTILE_BIG_INV_ID = '3d4e5f6a-4567-4def-b012-3456789abcde'
HOSTILE_FAILED_INV_ID = '4e5f6a7b-5678-4ef0-c123-456789abcdef'
HOSTILE_RUNNING_INV_ID = '5f6a7b8c-6789-4f01-d234-56789abcdef0'
PWNED_PATH = '/tmp/pwned'
JINJA_PAYLOAD = "{{ lookup('pipe', 'touch /tmp/pwned') }}"
JINJA_BLOCK_PAYLOAD = "{% raw %}{{ raw_stays_raw }}{% endraw %}{% for x in range(2) %}{{ x }}{% endfor %}{# comment #}"
SCRIPT_PAYLOAD = '<script>alert(1)</script>'
ANSI_PAYLOAD = '\x1b[31mRED ALERT\x1b[0m'
NON_ASCII_PAYLOAD = 'Zugriff über Tōkyō 東京 — Ωμέγα ☠ 🚨'
HOSTILE_TEXT = ' '.join((JINJA_PAYLOAD, JINJA_BLOCK_PAYLOAD, SCRIPT_PAYLOAD, ANSI_PAYLOAD, NON_ASCII_PAYLOAD))
BIG_SUMMARY_CHARS = 262144

CRED_FINDING_TYPE = 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS'
ROLE_NAME = 'web-app-instance-role'
INSTANCE_ID = 'i-0a1b2c3d4e5f67890'
BAD_IP = '198.51.100.23'
DAY = 86400

_FINDING_RE = re.compile(r'(?<![0-9A-Za-z])[0-9a-f]{32}(?![0-9A-Za-z])')
_ACCOUNT_RE = re.compile(r'(?<![0-9A-Za-z])\d{12}(?![0-9A-Za-z])')


def classify_prompt(prompt, caller_account):
    """(InvestigationType, target) the way GuardDuty infers it from a TriggerPrompt; ValueError if ambiguous."""
    findings = sorted(set(_FINDING_RE.findall(prompt)))
    if len(findings) > 1:
        raise ValueError('The trigger prompt must reference at most one finding ID.')
    if findings:
        return 'FINDING', findings[0]
    accounts = sorted(set(_ACCOUNT_RE.findall(prompt)))
    if len(accounts) > 1:
        raise ValueError('The trigger prompt must reference at most one account ID.')
    if accounts:
        return 'ACCOUNT', accounts[0]
    if re.search(r'organi[sz]ation', prompt, re.IGNORECASE):
        return 'ORGANIZATION', caller_account
    return 'ACCOUNT', caller_account


# ---------------------------------------------------------------- synthetic results

def _attack(phase, description, tactic, technique, finding_id, finding_type=CRED_FINDING_TYPE):
    return {'Phase': phase, 'Description': description, 'Attacks': [{
        'Tactic': {'Name': tactic[0], 'Uid': tactic[1]}, 'Technique': {'Name': technique[0], 'Uid': technique[1]},
        'Findings': [{'FindingType': finding_type, 'Uid': finding_id}], 'Version': '15.1'}]}


def _recommendations(account_id):
    return [
        {'Title': 'Review the IAM principals with the most high-severity findings', 'Rationale': 'Two principals account for most of the credential findings.',
         'Category': 'FURTHER_INVESTIGATION', 'Priority': 'IMMEDIATE',
         'CliCommands': ['aws guardduty list-findings --detector-id <detector-id> --finding-criteria '
                         f'\'{{"Criterion":{{"accountId":{{"Eq":["{account_id}"]}}}}}}\'']},
        {'Title': 'Enable Runtime Monitoring for EC2', 'Rationale': 'Crypto-mining findings come from instances without runtime visibility.',
         'Category': 'ENABLE_PROTECTION', 'Priority': 'SHORT_TERM',
         'CliCommands': ['aws guardduty update-detector --detector-id <detector-id> --features \'[{"Name":"RUNTIME_MONITORING","Status":"ENABLED"}]\'']},
        {'Title': 'Require IMDSv2 on all instances', 'Rationale': 'IMDSv1 makes instance credential theft through SSRF easier.',
         'Category': 'HARDENING', 'Priority': 'STRATEGIC',
         'CliCommands': [f'aws ec2 modify-instance-metadata-options --instance-id {INSTANCE_ID} --http-tokens required']},
    ]


def finding_result(finding_id, account_id, region, risk_level='High', confidence='High'):
    """Result members (RiskLevel, Risk, Confidence, Scope, SummaryData) of a FINDING investigation."""
    attacks = [
        _attack('Initial Access', f'Instance role credentials of {ROLE_NAME} were used from {BAD_IP}.',
                ('Initial Access', 'TA0001'), ('Valid Accounts: Cloud Accounts', 'T1078.004'), finding_id),
        _attack('Discovery', 'The session listed buckets and bucket policies.',
                ('Discovery', 'TA0007'), ('Cloud Infrastructure Discovery', 'T1580'), finding_id),
        _attack('Collection', 'Objects were read from s3://customer-exports-prod.',
                ('Collection', 'TA0009'), ('Data from Cloud Storage', 'T1530'), finding_id),
    ]
    role_arn = f'arn:aws:iam::{account_id}:role/{ROLE_NAME}'
    countermeasures = [
        {'DefenseTactic': 'Evict', 'Description': 'Invalidate the stolen session.', 'Actions': [{
            'Title': 'Revoke active sessions of the instance role', 'Description': 'Deny all sessions issued before now.',
            'Priority': 'IMMEDIATE', 'DefenseTechnique': 'Credential Revocation', 'Mitigates': ['T1078.004'],
            'CliCommands': [f'aws iam put-role-policy --role-name {ROLE_NAME} --policy-name AWSRevokeOlderSessions --policy-document file://revoke.json'],
            'DispositionId': 24, 'Disposition': 'Access Revoked',
            'AffectedResources': [{'Identifier': ROLE_NAME, 'Type': 'IAM_ROLE', 'Arn': role_arn}]}]},
        {'DefenseTactic': 'Isolate', 'Description': 'Contain the instance the credentials came from.', 'Actions': [{
            'Title': 'Move the instance to a quarantine security group', 'Description': 'Block all traffic except forensics access.',
            'Priority': 'IMMEDIATE', 'DefenseTechnique': 'Network Isolation', 'Mitigates': ['T1530'],
            'CliCommands': [f'aws ec2 modify-instance-attribute --instance-id {INSTANCE_ID} --groups sg-0quarantine0000001',
                            f'aws ec2 create-snapshots --instance-specification InstanceId={INSTANCE_ID}'],
            'DispositionId': 4, 'Disposition': 'Isolated',
            'AffectedResources': [{'Identifier': INSTANCE_ID, 'Type': 'EC2_INSTANCE',
                                   'Arn': f'arn:aws:ec2:{region}:{account_id}:instance/{INSTANCE_ID}'}]}]},
        {'DefenseTactic': 'Harden', 'Description': 'Prevent a repeat.', 'Actions': [{
            'Title': 'Require IMDSv2', 'Priority': 'SHORT_TERM', 'Mitigates': ['T1078.004', 'T1580'],
            'CliCommands': [f'aws ec2 modify-instance-metadata-options --instance-id {INSTANCE_ID} --http-tokens required']}]},
    ]
    summary = {
        'FindingType': CRED_FINDING_TYPE,
        'KeyObservations': {
            'Title': 'EC2 instance role credentials used from an external IP address',
            'Narrative': (f'Temporary credentials of {ROLE_NAME} on {INSTANCE_ID} were used from {BAD_IP}, an address outside AWS '
                          'on a threat list. The session enumerated buckets and read 312 objects from a production bucket.'),
            'Observations': [
                f'Finding {finding_id} ({CRED_FINDING_TYPE}) in account {account_id}, {region}.',
                f'{BAD_IP} belongs to AS64500 (Example Hosting) and is on a commodity threat list.',
                'ListBuckets followed by 312 GetObject calls on s3://customer-exports-prod within 14 minutes.',
                'No IAM changes by the role in the last 90 days.',
            ]},
        'ThreatAssessment': {'AttackProgression': attacks,
                             'ThreatActorProfile': 'Opportunistic actor using stolen instance credentials from commodity hosting.'},
        'Countermeasures': countermeasures,
    }
    return {'RiskLevel': risk_level, 'Confidence': confidence,
            'Risk': 'Instance credentials were used outside AWS and read data from a production bucket.',
            'Scope': {'InvestigationType': 'FINDING', 'FindingId': finding_id}, 'SummaryData': summary}


def _findings_summary(start, total):
    windows = [{'StartTime': start - (3 - i) * 30 * DAY, 'EndTime': start - (2 - i) * 30 * DAY, 'FindingCount': count}
               for i, count in enumerate((total // 6, total // 3, total - total // 6 - total // 3))]
    return {'TotalFindings': total,
            'SeverityBreakdown': {'Critical': 2, 'High': 9, 'Medium': total - 26, 'Low': 12, 'Info': 3},
            'TopFindingTypes': [{'FindingType': CRED_FINDING_TYPE, 'Count': 11},
                                {'FindingType': 'CryptoCurrency:EC2/BitcoinTool.B!DNS', 'Count': 6},
                                {'FindingType': 'Recon:IAMUser/MaliciousIPCaller', 'Count': 5}],
            'ByTimeWindow': windows}


def account_result(account_id, region, start, risk_level='High', confidence='Medium'):
    """Result members of an ACCOUNT investigation."""
    summary = {
        'KeyObservations': {
            'Title': f'Credential misuse and crypto-mining activity in account {account_id}',
            'Narrative': f'47 findings in 90 days in {region}; two instance roles and one IAM user drive most of the risk.',
            'Observations': ['Credential exfiltration findings cluster on two EC2 instances.',
                             'Crypto-mining DNS lookups started 9 days ago.']},
        'AccountAnalysis': {
            'FindingsSummary': _findings_summary(start, 47),
            'TacticCoverage': [
                {'Phase': 'Initial Access', 'FindingCount': 11, 'FindingTypes': [CRED_FINDING_TYPE], 'Techniques': [
                    {'Technique': {'Name': 'Valid Accounts: Cloud Accounts', 'Uid': 'T1078.004'}, 'FindingCount': 11,
                     'FindingTypes': [CRED_FINDING_TYPE]}]},
                {'Phase': 'Impact', 'FindingCount': 6, 'FindingTypes': ['CryptoCurrency:EC2/BitcoinTool.B!DNS'], 'Techniques': [
                    {'Technique': {'Name': 'Resource Hijacking', 'Uid': 'T1496'}, 'FindingCount': 6,
                     'FindingTypes': ['CryptoCurrency:EC2/BitcoinTool.B!DNS']}]}],
            'AffectedResources': [{'Identifier': INSTANCE_ID, 'Type': 'EC2_INSTANCE', 'FindingCount': 11},
                                  {'Identifier': 'build-bot', 'Type': 'IAM_USER', 'FindingCount': 5}]},
        'Recommendations': _recommendations(account_id),
    }
    return {'RiskLevel': risk_level, 'Confidence': confidence,
            'Risk': 'Active credential misuse and resource hijacking in production.',
            'Scope': {'InvestigationType': 'ACCOUNT', 'AccountId': account_id,
                      'QueryTimeWindow': {'StartTime': start - 90 * DAY, 'EndTime': start}},
            'SummaryData': summary}


def organization_result(admin_account_id, start, risk_level='Medium', confidence='Medium'):
    """Result members of an ORGANIZATION investigation."""
    findings = _findings_summary(start, 132)
    findings.update({'TotalAccountCount': 14, 'AffectedAccountCount': 5})
    summary = {
        'KeyObservations': {
            'Title': 'Findings in 5 of 14 organization accounts, led by a member account',
            'Narrative': f'Account {MEMBER_ACCOUNT_ID} holds 58% of the findings; the rest is low-severity reconnaissance.',
            'Observations': [f'{MEMBER_ACCOUNT_ID}: repeated credential exfiltration findings.',
                             'Runtime Monitoring is disabled in 9 accounts.']},
        'OrganizationAnalysis': {
            'FindingsSummary': findings,
            'AccountBreakdown': [{'AccountId': MEMBER_ACCOUNT_ID, 'FindingCount': 77}, {'AccountId': admin_account_id, 'FindingCount': 31},
                                 {'AccountId': '444455556666', 'FindingCount': 24}]},
        'Recommendations': _recommendations(MEMBER_ACCOUNT_ID),
    }
    return {'RiskLevel': risk_level, 'Confidence': confidence,
            'Risk': 'One member account shows active credential misuse; others show background noise.',
            'Scope': {'InvestigationType': 'ORGANIZATION', 'AdminAccountId': admin_account_id,
                      'QueryTimeWindow': {'StartTime': start - 90 * DAY, 'EndTime': start}},
            'SummaryData': summary}


def records_for(kind, target, account_id, region, detector_id, total_ms):
    """Records of a completed investigation (UPDATE, FETCH, OBSERVATION, ANALYSIS, METADATA); CreatedAt derived."""
    if kind == 'FINDING':
        query = {'FindingId': target, 'AccountId': account_id}
        observation = {'ObservationType': 'FINDING_DETAIL', 'FindingDetail': {
            'FindingId': target, 'FindingType': CRED_FINDING_TYPE, 'Severity': '8.0', 'AccountId': account_id, 'Region': region}}
    else:
        query = {'AccountId': target, 'RowLimit': 500}
        observation = {'ObservationType': 'ACCOUNT_OVERVIEW', 'AccountOverview': {
            'AccountId': target, 'AccountStatus': 'ENABLED', 'DetectorId': detector_id, 'Region': region,
            'TotalMemberAccounts': 13 if kind == 'ORGANIZATION' else 0, 'TotalFindings': 47}}
    records = [
        {'Type': 'UPDATE', 'Title': 'Investigation started', 'Narrative': f'Started the investigation (type {kind}) of {target}.'},
        {'Type': 'FETCH', 'Title': 'Retrieved related findings', 'Narrative': 'Fetched findings from the last 90 days.',
         'SupportingData': {'Fetch': {'FetchType': 'FINDINGS', 'Query': query,
                                      'Result': {'ItemIds': [target] if kind == 'FINDING' else [], 'TotalCount': 47}}}},
        {'Type': 'FETCH', 'Title': 'Checked detector protection plans',
         'SupportingData': {'Fetch': {'FetchType': 'DETECTOR', 'Result': {'Features': [
             {'Name': 'CLOUD_TRAIL', 'Status': 'ENABLED'}, {'Name': 'DNS_LOGS', 'Status': 'ENABLED'},
             {'Name': 'RUNTIME_MONITORING', 'Status': 'DISABLED'}]}}}},
        {'Type': 'OBSERVATION', 'Title': 'Noted the subject of the investigation', 'SupportingData': {'Observation': observation}},
        {'Type': 'ANALYSIS', 'Title': f'Assessed the reputation of {BAD_IP}', 'Narrative': 'The address is on a commodity threat list.',
         'SupportingData': {'Analysis': {'AnalysisType': 'REPUTATION', 'ThreatAssessment': {
             'Reputation': {'FindingTimeDisposition': 'MALICIOUS', 'CurrentDisposition': 'MALICIOUS', 'ReputationComparison': 'unchanged'},
             'ThreatConfidence': 'HIGH', 'Assessment': 'Credential use from this address is not expected.'},
             'Indicators': [{'Value': BAD_IP, 'Type': 'IP'}]}}},
        {'Type': 'OBSERVATION', 'Title': 'Recommended next steps', 'SupportingData': {'Observation': {
            'ObservationType': 'RECOMMENDATION', 'Recommendations': _recommendations(account_id)[:2]}}},
        {'Type': 'UPDATE', 'Title': 'Investigation completed', 'Narrative': 'Summary and recommendations are available.'},
        {'Type': 'METADATA', 'Title': 'Investigation metadata', 'SupportingData': {'Metadata': {'TotalTimeMilliseconds': int(total_ms)}}},
    ]
    for index, record in enumerate(records):
        record['RecordId'] = f'rec-{index + 1:04d}'
    return records


def synthesize(prompt, account_id, region, detector_id, start, running_for):
    """(result members, records) for an investigation created with ``prompt``; ValueError for ambiguous prompts."""
    kind, target = classify_prompt(prompt, account_id)
    if kind == 'FINDING':
        result = finding_result(target, account_id, region)
    elif kind == 'ACCOUNT':
        result = account_result(target, region, start)
    else:
        result = organization_result(account_id, start)
    return result, records_for(kind, target, account_id, region, detector_id, running_for * 1000)


# ---------------------------------------------------------------- builders

def detector(detector_id=DETECTOR_ID, ai_analyst=True, role='standalone'):
    return {'detector_id': detector_id, 'ai_analyst': ai_analyst, 'role': role}


def _entry(inv_id, prompt, result=None, records=None, detector_id=DETECTOR_ID, **emulator_keys):
    investigation = {'InvestigationId': inv_id, 'Status': 'COMPLETED', 'TriggerPrompt': prompt}
    investigation.update(result or {})
    return dict(detector_id=detector_id, investigation=investigation, records=records or [], **emulator_keys)


def _scenario(investigations=(), detectors=None, **extra):
    scenario = {'account_id': ACCOUNT_ID, 'region': REGION,
                'detectors': [detector()] if detectors is None else detectors, 'investigations': list(investigations)}
    scenario.update(extra)
    return scenario


def empty():
    """One detector (DETECTOR_ID), no investigations."""
    return _scenario()


def detectors(n=1, ai_analyst=True, role='standalone'):
    """0, 1 or 2 detectors (DETECTOR_ID, SECOND_DETECTOR_ID), no investigations."""
    ids = (DETECTOR_ID, SECOND_DETECTOR_ID)[:n]
    return _scenario(detectors=[detector(detector_id, ai_analyst, role) for detector_id in ids])


def demo():
    """FINDING_INV_ID RUNNING for DEMO_RUNNING_FOR s then COMPLETED; ACCOUNT_INV_ID and ORG_INV_ID completed earlier."""
    now = time.time()
    finding_prompt = f'Investigate finding {DEMO_FINDING_ID} in account {ACCOUNT_ID}'
    return _scenario([
        _entry(FINDING_INV_ID, finding_prompt, finding_result(DEMO_FINDING_ID, ACCOUNT_ID, REGION, 'Critical', 'High'),
               records_for('FINDING', DEMO_FINDING_ID, ACCOUNT_ID, REGION, DETECTOR_ID, DEMO_RUNNING_FOR * 1000),
               running_for=DEMO_RUNNING_FOR),
        _entry(ACCOUNT_INV_ID, f'Analyze findings in account with id {ACCOUNT_ID}', account_result(ACCOUNT_ID, REGION, now - 7200),
               records_for('ACCOUNT', ACCOUNT_ID, ACCOUNT_ID, REGION, DETECTOR_ID, 312000), start_offset=-7200, duration=312),
        _entry(ORG_INV_ID, 'Analyze findings in my organization', organization_result(ACCOUNT_ID, now - DAY),
               records_for('ORGANIZATION', ACCOUNT_ID, ACCOUNT_ID, REGION, DETECTOR_ID, 540000), start_offset=-DAY, duration=540),
    ], detectors=[detector(role='administrator')])


def _filler_records(count):
    kinds = (
        ('OBSERVATION', {'Observation': {'ObservationType': 'RELATED_FINDINGS', 'RelatedFindings': {
            'Observed': [{'FindingType': 'Recon:IAMUser/MaliciousIPCaller', 'Count': 3, 'SeverityMax': 5.0}]}}}),
        ('FETCH', {'Fetch': {'FetchType': 'CLOUD_TRAIL_RAW_EVENTS', 'Query': {'RowLimit': 100}, 'Result': {'TotalCount': 100}}}),
        ('ANALYSIS', {'Analysis': {'AnalysisType': 'BASELINE', 'AccountAnalysis': {'Baseline': {'TotalFindings': 12, 'BaselineFindings': [
            {'FindingType': 'Recon:IAMUser/MaliciousIPCaller', 'Count': 4, 'Percentage': 33.3, 'Classification': 'recurring'}]}}}}),
    )
    return [{'Type': kinds[i % 3][0], 'Title': f'Step {i + 1}', 'Narrative': f'Detail {i + 1} of the analysis.',
             'SupportingData': kinds[i % 3][1]} for i in range(count)]


def basic(role='standalone', ai_analyst=True):
    """COMPLETED_INV_ID (FINDING, COMPLETED_RECORD_COUNT records), RUNNING_INV_ID, FAILED_INV_ID,
    TEXT_ONLY_INV_ID (ACCOUNT, no structured form), DENIED_INV_ID (ORGANIZATION, GetInvestigation -> 403)."""
    now = time.time()
    records = records_for('FINDING', BASIC_FINDING_ID, ACCOUNT_ID, REGION, DETECTOR_ID, 300000)
    records = records[:-2] + _filler_records(COMPLETED_RECORD_COUNT - len(records)) + records[-2:]
    for index, record in enumerate(records):
        record['RecordId'] = f'rec-{index + 1:04d}'
    text_only = account_result(ACCOUNT_ID, REGION, now - 3 * DAY, 'Medium', 'Low')
    text_only['Summary'] = to_wire_text(text_only.pop('SummaryData'), 'InvestigationSummaryData')
    return _scenario([
        _entry(COMPLETED_INV_ID, f'Investigate finding {BASIC_FINDING_ID} in account {ACCOUNT_ID}',
               finding_result(BASIC_FINDING_ID, ACCOUNT_ID, REGION), records, start_offset=-7200, duration=300),
        _entry(RUNNING_INV_ID, f'Analyze findings in account with id {MEMBER_ACCOUNT_ID}', account_result(MEMBER_ACCOUNT_ID, REGION, now),
               records_for('ACCOUNT', MEMBER_ACCOUNT_ID, ACCOUNT_ID, REGION, DETECTOR_ID, 600000), running_for=3600, start_offset=-120),
        _entry(FAILED_INV_ID, 'Investigate finding 0123456789abcdef0123456789abcdef', {'Status': 'FAILED', 'Error': FAILED_ERROR},
               start_offset=-DAY, duration=45),
        _entry(TEXT_ONLY_INV_ID, 'Analyze findings in my account', text_only,
               records_for('ACCOUNT', ACCOUNT_ID, ACCOUNT_ID, REGION, DETECTOR_ID, 280000), start_offset=-3 * DAY, duration=280),
        _entry(DENIED_INV_ID, 'Analyze findings in my organization', organization_result(ACCOUNT_ID, now - 2 * DAY),
               records_for('ORGANIZATION', ACCOUNT_ID, ACCOUNT_ID, REGION, DETECTOR_ID, 500000),
               start_offset=-2 * DAY, duration=500, denied=True),
    ], detectors=[detector(role=role, ai_analyst=ai_analyst)])


def many_id(index):
    return f'{index:08x}-0000-4000-8000-{index:012x}'


def many(n=120, detector_id=DETECTOR_ID, running=0):
    """n investigations (ids many_id(0..n-1)); the first ``running`` stay RUNNING, every 7th is FAILED, varied risk/confidence/type."""
    risks = ('Info', 'Low', 'Medium', 'High', 'Critical')
    confidences = ('Unknown', 'Low', 'Medium', 'High')
    entries = []
    for index in range(n):
        start = -(index + 1) * 600
        finding_id = f'{index:032x}'
        kind = ('FINDING', 'ACCOUNT', 'ORGANIZATION')[index % 3]
        scope = {'InvestigationType': kind}
        scope.update({'FINDING': {'FindingId': finding_id}, 'ACCOUNT': {'AccountId': ACCOUNT_ID},
                      'ORGANIZATION': {'AdminAccountId': ACCOUNT_ID}}[kind])
        result = {'RiskLevel': risks[index % 5], 'Confidence': confidences[index % 4], 'Risk': f'Synthetic risk #{index}', 'Scope': scope,
                  'SummaryData': {'KeyObservations': {'Title': f'Synthetic investigation #{index}', 'Narrative': f'{kind} analysis #{index}.',
                                                      'Observations': [f'Observation {index}']}}}
        if index % 7 == 6:
            result = {'Status': 'FAILED', 'Error': f'Synthetic failure #{index}'}
        prompt = {'FINDING': f'Investigate finding {finding_id}', 'ACCOUNT': f'Analyze findings in account with id {ACCOUNT_ID}',
                  'ORGANIZATION': 'Analyze findings in my organization'}[kind]
        records = records_for(kind, finding_id if kind == 'FINDING' else ACCOUNT_ID, ACCOUNT_ID, REGION, detector_id, 120000)
        entries.append(_entry(many_id(index), prompt, result, records, detector_id=detector_id, start_offset=start, duration=120 + index % 50,
                              running_for=3600 if index < running else 0))
    return _scenario(entries, detectors=[detector(detector_id)])


def staggered(n, first, step, denied=False):
    """many(n) completing first, first + step, ... seconds after the load (every 7th ends FAILED);
    ``denied`` refuses ListInvestigations, which forces per-id polling."""
    scenario = many(n)
    for index, entry in enumerate(scenario['investigations']):
        entry['running_for'] = first + step * index
    if denied:
        scenario['denied_operations'] = ['ListInvestigations']
    return scenario


HIGH_FINDING_TYPE = CRED_FINDING_TYPE
LOW_FINDING_TYPE = 'Recon:EC2/Portscan'


def finding(finding_id=None, severity=8.0, type=HIGH_FINDING_TYPE, updated_at=None, detector_id=None,  # pylint: disable=redefined-builtin
            account_id=ACCOUNT_ID, region=REGION, **extra):
    """A GuardDuty Finding (botocore member names) for the scenario key ``findings`` or Emulator.put_findings.

    ``finding_id`` defaults to a random 32-hex id; ``updated_at`` (ISO string or epoch seconds) defaults to the time
    the emulator stores it; ``extra`` adds or replaces Finding members (Title, Service, Resource, ...).
    """
    finding_id = finding_id or uuid.uuid4().hex
    item = {
        'Id': finding_id, 'AccountId': account_id, 'Region': region, 'Partition': 'aws', 'SchemaVersion': '2.0',
        'Type': type, 'Severity': float(severity),
        'Title': f'{type} on instance {INSTANCE_ID}',
        'Description': f'Credentials of the instance role {ROLE_NAME} were used from {BAD_IP}, an address outside AWS.',
        'Resource': {'ResourceType': 'Instance', 'InstanceDetails': {
            'InstanceId': INSTANCE_ID, 'InstanceType': 't3.medium', 'AvailabilityZone': f'{region}a', 'InstanceState': 'running'}},
        'Service': {'ServiceName': 'guardduty', 'Count': 1, 'Archived': False, 'ResourceRole': 'TARGET',
                    'Action': {'ActionType': 'AWS_API_CALL', 'AwsApiCallAction': {
                        'Api': 'ListBuckets', 'CallerType': 'Remote IP', 'ServiceName': 's3.amazonaws.com',
                        'RemoteIpDetails': {'IpAddressV4': BAD_IP}}}},
    }
    if updated_at is not None:
        item['UpdatedAt'] = updated_at
    if detector_id is not None:
        item['detector_id'] = detector_id
    item.update(extra)
    return item


def _big_summary():
    block = f'{JINJA_PAYLOAD} {SCRIPT_PAYLOAD} {ANSI_PAYLOAD} ' + 'x' * 200 + '\n'
    text = JINJA_PAYLOAD + block * (BIG_SUMMARY_CHARS // len(block) + 1)
    return text[:BIG_SUMMARY_CHARS - len(JINJA_PAYLOAD)] + JINJA_PAYLOAD


def hostile():
    """Template/markup/escape payloads (HOSTILE_TEXT) everywhere a string goes; HOSTILE_BIG_INV_ID has a BIG_SUMMARY_CHARS Summary."""
    now = time.time()
    result = finding_result(HOSTILE_FINDING_ID, ACCOUNT_ID, REGION, 'Critical', 'High')
    result['Risk'] = HOSTILE_TEXT
    summary = result['SummaryData']
    summary['KeyObservations'] = {'Title': f'Title {JINJA_PAYLOAD} {SCRIPT_PAYLOAD}', 'Narrative': HOSTILE_TEXT,
                                  'Observations': [JINJA_PAYLOAD, JINJA_BLOCK_PAYLOAD, SCRIPT_PAYLOAD, ANSI_PAYLOAD, NON_ASCII_PAYLOAD]}
    summary['ThreatAssessment']['ThreatActorProfile'] = HOSTILE_TEXT
    summary['Countermeasures'][0]['Actions'][0]['CliCommands'] = [
        f'aws s3 ls s3://bucket/{JINJA_PAYLOAD}', f'echo "$(touch {PWNED_PATH})" {SCRIPT_PAYLOAD}', f'printf "{ANSI_PAYLOAD}"']
    records = records_for('FINDING', HOSTILE_FINDING_ID, ACCOUNT_ID, REGION, DETECTOR_ID, 4242)
    for record in records:
        record['Narrative'] = HOSTILE_TEXT
    records[0]['Title'] = f'Started {JINJA_PAYLOAD}'
    big = account_result(ACCOUNT_ID, REGION, now - DAY)
    del big['SummaryData']
    big['Summary'] = _big_summary()
    return _scenario([
        _entry(HOSTILE_INV_ID, f'Investigate finding {HOSTILE_FINDING_ID} {JINJA_PAYLOAD} {SCRIPT_PAYLOAD}', result, records,
               start_offset=-3600, duration=300),
        _entry(HOSTILE_BIG_INV_ID, f'Analyze findings in account with id {ACCOUNT_ID} {JINJA_BLOCK_PAYLOAD}', big,
               records_for('ACCOUNT', ACCOUNT_ID, ACCOUNT_ID, REGION, DETECTOR_ID, 1000), start_offset=-DAY, duration=300),
        _entry(HOSTILE_FAILED_INV_ID, f'Investigate {ANSI_PAYLOAD} {NON_ASCII_PAYLOAD}', {'Status': 'FAILED', 'Error': HOSTILE_TEXT},
               start_offset=-2 * DAY, duration=30),
        _entry(HOSTILE_RUNNING_INV_ID, f'Analyze my organization {JINJA_PAYLOAD}', organization_result(ACCOUNT_ID, now),
               running_for=3600, start_offset=-60),
    ])


# ---------------------------------------------------------------- many Regions (issue 17)

REGIONAL_REGIONS = ('us-east-1', 'eu-west-1', 'ap-northeast-1')


def regional_detector_id(region):
    """Each Region's own detector: DETECTOR_ID in us-east-1, elsewhere 32 hex digits made from the Region's name."""
    return DETECTOR_ID if region == REGION else hashlib.sha256(region.encode()).hexdigest()[:32]


def regional_id(region, index, regions=REGIONAL_REGIONS):
    """The id of ``region``'s investigation ``index``: e0000000-..., e1000000-..., ... by the Region's place in ``regions``."""
    place = list(regions).index(region)
    return f'{0xe0 + place:02x}{index:06x}-0000-4000-8000-{place:04x}{index:08x}'


def regional_finding_id(region, regions=REGIONAL_REGIONS):
    """The one finding of ``region`` (severity 8, a HIGH_FINDING_TYPE on INSTANCE_ID)."""
    return f'{0xe0 + list(regions).index(region):02x}{0:029x}f'


def regional(regions=REGIONAL_REGIONS, per_region=3, running=0, running_for=3600):
    """Each Region of ``regions`` served separately (the first is the scenario's own): its own detector
    (regional_detector_id), ``per_region`` investigations (regional_id; started 10 minutes apart, interleaved across
    the Regions so that a merged listing alternates between them; risk Critical, High, Medium, Low in turn, shifted
    by the Region's place; the first ``running`` of each Region RUNNING for ``running_for`` s) and one finding
    (regional_finding_id). Every other Region has no detector."""
    regions = list(regions)
    content = {}
    for place, region in enumerate(regions):
        detector_id = regional_detector_id(region)
        entries = []
        for index in range(per_region):
            kind = ('FINDING', 'ACCOUNT', 'ORGANIZATION')[index % 3]
            target = regional_finding_id(region, regions) if kind == 'FINDING' else ACCOUNT_ID
            scope = {'FINDING': {'InvestigationType': kind, 'FindingId': target}, 'ACCOUNT': {'InvestigationType': kind, 'AccountId': target},
                     'ORGANIZATION': {'InvestigationType': kind, 'AdminAccountId': ACCOUNT_ID}}[kind]
            result = {'RiskLevel': ('Critical', 'High', 'Medium', 'Low')[(index + place) % 4], 'Confidence': 'High',
                      'Risk': f'{region}: synthetic risk #{index}', 'Scope': scope,
                      'SummaryData': {'KeyObservations': {'Title': f'{region} investigation #{index}', 'Narrative': f'{kind} analysis in {region}.',
                                                          'Observations': [f'Observation {index} in {region}']}}}
            prompt = {'FINDING': f'Investigate finding {target}', 'ACCOUNT': f'Analyze findings in account with id {ACCOUNT_ID}',
                      'ORGANIZATION': 'Analyze findings in my organization'}[kind]
            records = records_for(kind, target, ACCOUNT_ID, region, detector_id, 120000)
            entries.append(_entry(regional_id(region, index, regions), prompt, result, records, detector_id=detector_id,
                                  start_offset=-(index * len(regions) + place + 1) * 600, duration=120,
                                  running_for=running_for if index < running else 0))
        scenario = _scenario(entries, detectors=[detector(detector_id, role='administrator')])
        scenario['region'] = region
        scenario['findings'] = [finding(regional_finding_id(region, regions), 8.0, region=region, detector_id=detector_id)]
        content[region] = scenario
    return {'account_id': ACCOUNT_ID, 'region': regions[0], 'regions': content}


BUILDERS = {'empty': empty, 'detectors': detectors, 'demo': demo, 'basic': basic, 'many': many, 'hostile': hostile, 'regional': regional}


def build(name, **kwargs):
    if name not in BUILDERS:
        raise ValueError(f'unknown scenario {name!r}; known: {", ".join(sorted(BUILDERS))}')
    return BUILDERS[name](**kwargs)


# ---------------------------------------------------------------- containment (the contain role)

CONTAIN_INV_ID = '6a7b8c9d-7890-4a12-b345-6789abcdef01'
CONTAIN_FINDING_ID = '8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e'
OTHER_ACCOUNT_ID = '999988887777'


def contain(instance_id, access_key_id, user_name, role_name, bucket, bystander, marker, risk_level='High',
            inv_id=CONTAIN_INV_ID, account_id=ACCOUNT_ID, region=REGION, instance_only=False):
    """A FINDING investigation whose countermeasures name real resources (created elsewhere, e.g. in moto): an
    instance, an access key with its user, the user by ARN, a role, a bucket; plus what must never be acted on:
    ``bystander`` as a user of another account, an instance id carrying a shell command that touches ``marker``,
    a security group, an unsupported type, and CLI commands with shell metacharacters aimed at ``marker``.
    ``instance_only``: only the countermeasure that names the instance (and the malformed id and the group)."""
    shell = f'$(touch {marker}); touch {marker} && `touch {marker}` | tee {marker}'
    actions = [
        {'Title': 'Isolate the instance', 'Description': 'Move it to a quarantine security group.', 'Priority': 'IMMEDIATE',
         'DefenseTechnique': 'Network Isolation', 'Disposition': 'Isolated', 'DispositionId': 4,
         'CliCommands': [f'aws ec2 modify-instance-attribute --instance-id {instance_id} --groups sg-0123456789abcdef0; {shell}'],
         'AffectedResources': [{'Identifier': instance_id, 'Type': 'EC2_INSTANCE',
                                'Arn': f'arn:aws:ec2:{region}:{account_id}:instance/{instance_id}'},
                               {'Identifier': f'i-0123456789abcdef0; touch {marker}', 'Type': 'EC2_INSTANCE'},
                               {'Identifier': 'sg-0123456789abcdef0', 'Type': 'EC2_SECURITY_GROUP'}]},
        {'Title': 'Deactivate the leaked access key', 'Description': f'The key of {user_name} was used from {BAD_IP}.',
         'Priority': 'IMMEDIATE', 'Disposition': 'Access Revoked',
         'CliCommands': [f'aws iam update-access-key --access-key-id {access_key_id} --status Inactive --user-name {user_name} && {shell}'],
         'AffectedResources': [{'Identifier': access_key_id, 'Type': 'IAM_ACCESS_KEY'},
                               {'Identifier': user_name, 'Type': 'IAM_USER', 'Arn': f'arn:aws:iam::{account_id}:user/{user_name}'}]},
        {'Title': 'Deny the principals', 'Description': 'Attach a deny-all policy.', 'Priority': 'SHORT_TERM',
         'CliCommands': [f'aws iam put-role-policy --role-name {role_name} --policy-name deny --policy-document "{shell}"'],
         'AffectedResources': [{'Identifier': role_name, 'Type': 'IAM_ROLE', 'Arn': f'arn:aws:iam::{account_id}:role/{role_name}'},
                               {'Identifier': bystander, 'Type': 'IAM_USER', 'Arn': f'arn:aws:iam::{OTHER_ACCOUNT_ID}:user/{bystander}'},
                               {'Identifier': 'payments', 'Type': 'LAMBDA_FUNCTION'}]},
        {'Title': 'Block public access to the bucket', 'Priority': 'IMMEDIATE', 'Disposition': 'Blocked',
         'CliCommands': [f'aws s3api put-public-access-block --bucket {bucket} {shell}'],
         'AffectedResources': [{'Identifier': bucket, 'Type': 'S3_BUCKET', 'Arn': f'arn:aws:s3:::{bucket}'}]},
    ]
    if instance_only:
        actions = actions[:1]
    summary = {
        'FindingType': CRED_FINDING_TYPE,
        'KeyObservations': {'Title': f'Access key of {user_name} used from {BAD_IP}', 'Narrative': shell,
                            'Observations': [f'{instance_id} talked to {BAD_IP}.', f'{bucket} was made public.']},
        'ThreatAssessment': {'AttackProgression': [], 'ThreatActorProfile': shell},
        'Countermeasures': [{'DefenseTactic': 'Isolate', 'Description': 'Contain what the attacker used.', 'Actions': actions}],
    }
    result = {'RiskLevel': risk_level, 'Confidence': 'High', 'Risk': shell,
              'Scope': {'InvestigationType': 'FINDING', 'FindingId': CONTAIN_FINDING_ID}, 'SummaryData': summary}
    prompt = f'Investigate finding {CONTAIN_FINDING_ID} in account {account_id}'
    return _scenario([_entry(inv_id, prompt, result)])


CONTAIN_MORE_INV_ID = '8c9d0e1f-9012-4c34-b567-89abcdef0123'
CONTAIN_MORE_FINDING_ID = 'ad1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a'


def contain_more(affected, inv_id=CONTAIN_MORE_INV_ID, account_id=ACCOUNT_ID, risk_level='High', confidence='High'):
    """A COMPLETED FINDING investigation (High risk) whose one countermeasure names ``affected`` (AffectedResource
    dicts: Identifier, Type, optionally Arn): the resource types the contain role acts on besides instances, keys,
    principals and buckets (tests/integration/test_contain_more.py creates them in moto first), or one instance behind
    a load balancer (tests/integration/test_contain_targets.py), or what graded autonomy acts on
    (tests/integration/test_contain_auto.py, with the ``risk_level`` and ``confidence`` it compares)."""
    actions = [{'Title': 'Contain what the attacker reached', 'Description': 'Close what is open to the internet.',
                'Priority': 'IMMEDIATE', 'Disposition': 'Blocked', 'AffectedResources': list(affected)}]
    summary = {
        'FindingType': CRED_FINDING_TYPE,
        'KeyObservations': {'Title': f'Activity from {BAD_IP}', 'Narrative': f'{BAD_IP} reached the resources named here.',
                            'Observations': []},
        'ThreatAssessment': {'AttackProgression': [], 'ThreatActorProfile': 'unknown'},
        'Countermeasures': [{'DefenseTactic': 'Isolate', 'Description': 'Contain what the attacker reached.', 'Actions': actions}],
    }
    result = {'RiskLevel': risk_level, 'Confidence': confidence, 'Risk': 'Resources open to the internet were reached.',
              'Scope': {'InvestigationType': 'FINDING', 'FindingId': CONTAIN_MORE_FINDING_ID}, 'SummaryData': summary}
    return _scenario([_entry(inv_id, f'Investigate finding {CONTAIN_MORE_FINDING_ID} in account {account_id}', result)])


CONTAIN_DEMO_INV_ID = '7b8c9d0e-8901-4b23-a456-789abcdef012'
CONTAIN_DEMO_FINDING_ID = '9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f'


def contain_demo(instance_id, access_key_id, user_name, role_name, bucket, open_group_id, inv_id=CONTAIN_DEMO_INV_ID,
                 account_id=ACCOUNT_ID, region=REGION):
    """What ``scripts/demo contain`` shows: a COMPLETED FINDING investigation (Critical risk, High confidence) whose
    countermeasures name real resources created beforehand (in moto): an instance, a leaked access key and its user, the
    instance's role, a public bucket, and a security group open to the world (the contain role removes its rule open to
    the internet). Unlike ``contain()`` it carries no hostile payloads: it is the one a newcomer reads."""
    actions = [
        {'Title': 'Isolate the instance', 'Description': f'{instance_id} sent data to {BAD_IP}; keep it for forensics.',
         'Priority': 'IMMEDIATE', 'DefenseTechnique': 'Network Isolation', 'Disposition': 'Isolated', 'DispositionId': 4,
         'CliCommands': [f'aws ec2 modify-instance-attribute --instance-id {instance_id} --groups <quarantine-group-id>'],
         'AffectedResources': [{'Identifier': instance_id, 'Type': 'EC2_INSTANCE',
                                'Arn': f'arn:aws:ec2:{region}:{account_id}:instance/{instance_id}'}]},
        {'Title': 'Review the security group open to the internet', 'Description': 'SSH is open to 0.0.0.0/0.',
         'Priority': 'SHORT_TERM',
         'AffectedResources': [{'Identifier': open_group_id, 'Type': 'EC2_SECURITY_GROUP',
                                'Arn': f'arn:aws:ec2:{region}:{account_id}:security-group/{open_group_id}'}]},
        {'Title': 'Deactivate the leaked access key', 'Description': f'The key of {user_name} was used from {BAD_IP}.',
         'Priority': 'IMMEDIATE', 'Disposition': 'Access Revoked',
         'CliCommands': [f'aws iam update-access-key --access-key-id {access_key_id} --status Inactive --user-name {user_name}'],
         'AffectedResources': [{'Identifier': access_key_id, 'Type': 'IAM_ACCESS_KEY'},
                               {'Identifier': user_name, 'Type': 'IAM_USER', 'Arn': f'arn:aws:iam::{account_id}:user/{user_name}'}]},
        {'Title': "Deny the instance's role", 'Description': 'Its credentials were used outside AWS.', 'Priority': 'IMMEDIATE',
         'AffectedResources': [{'Identifier': role_name, 'Type': 'IAM_ROLE', 'Arn': f'arn:aws:iam::{account_id}:role/{role_name}'}]},
        {'Title': 'Block public access to the bucket', 'Description': f'{bucket} allows public access.', 'Priority': 'IMMEDIATE',
         'Disposition': 'Blocked', 'CliCommands': [f'aws s3api put-public-access-block --bucket {bucket} ...'],
         'AffectedResources': [{'Identifier': bucket, 'Type': 'S3_BUCKET', 'Arn': f'arn:aws:s3:::{bucket}'}]},
    ]
    summary = {
        'FindingType': CRED_FINDING_TYPE,
        'KeyObservations': {'Title': f'Access key of {user_name} and credentials of {role_name} used from {BAD_IP}',
                            'Narrative': (f'{instance_id} talked to {BAD_IP}; the key of {user_name} listed buckets from there '
                                          f'and read objects from {bucket}, which allows public access.'),
                            'Observations': [f'{instance_id} talked to {BAD_IP}.', f'{bucket} allows public access.']},
        'ThreatAssessment': {'AttackProgression': [], 'ThreatActorProfile': 'Opportunistic actor with stolen credentials.'},
        'Countermeasures': [{'DefenseTactic': 'Isolate', 'Description': 'Contain what the attacker used.', 'Actions': actions}],
    }
    result = {'RiskLevel': 'Critical', 'Confidence': 'High',
              'Risk': 'Leaked credentials were used outside AWS against a production instance and bucket.',
              'Scope': {'InvestigationType': 'FINDING', 'FindingId': CONTAIN_DEMO_FINDING_ID}, 'SummaryData': summary}
    prompt = f'Investigate finding {CONTAIN_DEMO_FINDING_ID} in account {account_id}'
    return _scenario([_entry(inv_id, prompt, result)])


# ---------------------------------------------------------------- disposition (issue 26)

DISPOSE_BENIGN_INV_ID = '8d9e0f1a-0123-4d45-a678-9abcdef01234'
DISPOSE_BENIGN_FINDING_ID = 'be1a9e0f1a2b3c4d5e6f7a8b9c0d1e2f'
DISPOSE_RELATED_FINDING_ID = 'be2b0f1a2b3c4d5e6f7a8b9c0d1e2f3a'
DISPOSE_TP_INV_ID = '9e0f1a2b-1234-4e56-b789-abcdef012345'
DISPOSE_TP_FINDING_ID = '7f0e1d2c3b4a59687766554433221100'
DISPOSE_UNCERTAIN_INV_ID = '0f1a2b3c-2345-4f67-8890-bcdef0123456'
DISPOSE_UNCERTAIN_FINDING_ID = 'c0ffee00112233445566778899aabbcc'
DISPOSE_OTHER_ACCOUNT_FINDING_ID = 'fa11fa11fa11fa11fa11fa11fa11fa11'
DISPOSE_MALFORMED_ID = 'not-a-finding; touch /tmp/pwned'
DISPOSE_SCANNER_IP = '203.0.113.10'


def dispose_extra_id(index):
    """The id of the ``index``-th extra finding the benign investigation names (``dispose(extra=N)``)."""
    return f'be3c{index:028x}'


def dispose_hostile_title():
    """The benign investigation's title with ``dispose(hostile=True)``: template, markup and terminal-escape payloads,
    over 600 characters (GuardDuty's Title takes at most 1,024)."""
    return ' '.join([HOSTILE_TEXT] * 3)


def _dispose_investigation(inv_id, finding_id, finding_type, risk_level, confidence, title, named=(), extra_records=()):
    """A COMPLETED FINDING investigation of ``finding_id`` whose records name ``named`` findings (representative
    resources) besides it."""
    summary = {'FindingType': finding_type,
               'KeyObservations': {'Title': title, 'Narrative': f'The investigation looked at finding {finding_id}.', 'Observations': []},
               'ThreatAssessment': {'AttackProgression': [{'Phase': 'Discovery', 'Description': 'Connections to many ports.', 'Attacks': [{
                   'Tactic': {'Name': 'Discovery', 'Uid': 'TA0007'}, 'Technique': {'Name': 'Network Service Discovery', 'Uid': 'T1046'},
                   'Findings': [{'FindingType': finding_type, 'Uid': finding_id}], 'Version': '15.1'}]}],
                   'ThreatActorProfile': 'unknown'},
               'Countermeasures': []}
    result = {'RiskLevel': risk_level, 'Confidence': confidence, 'Risk': title,
              'Scope': {'InvestigationType': 'FINDING', 'FindingId': finding_id}, 'SummaryData': summary}
    records = records_for('FINDING', finding_id, ACCOUNT_ID, REGION, DETECTOR_ID, 60000)
    named = list(named)
    for start in range(0, len(named), 20):  # the model takes at most 20 representative resources per observation
        records.insert(-2, {'Type': 'OBSERVATION', 'Title': 'Resources behind the same activity', 'SupportingData': {'Observation': {
            'ObservationType': 'REPRESENTATIVE_RESOURCE', 'RepresentativeResources': [
                {'ResourceType': 'Instance', 'Identifier': INSTANCE_ID, 'FindingId': named_id, 'FindingCount': 1, 'RiskLevel': risk_level}
                for named_id in named[start:start + 20]]}}})
    records[-2:-2] = list(extra_records)
    for index, record in enumerate(records):
        record['RecordId'] = f'rec-{index + 1:04d}'
    return _entry(inv_id, f'Investigate finding {finding_id} in account {ACCOUNT_ID}', result, records)


def dispose(extra=0, hostile=False):
    """What the disposition acts on (tests/integration/test_dispose*.py, ``scripts/demo dispose``): three COMPLETED
    FINDING investigations and their findings in GuardDuty (so in the emulator's Security Hub too):

    - ``DISPOSE_BENIGN_INV_ID`` (Low risk, High confidence: benign) of ``DISPOSE_BENIGN_FINDING_ID`` (a port scan
      from a known scanner), whose records name ``DISPOSE_RELATED_FINDING_ID``, the same finding's ARN, a finding ARN
      of account ``OTHER_ACCOUNT_ID``, ``DISPOSE_MALFORMED_ID`` and ``extra`` more findings (``dispose_extra_id(i)``,
      all held by the detector: more than one API call takes with ``extra=60``);
    - ``DISPOSE_TP_INV_ID`` (High risk, High confidence: true positive) of ``DISPOSE_TP_FINDING_ID``;
    - ``DISPOSE_UNCERTAIN_INV_ID`` (Medium risk, Low confidence: uncertain) of ``DISPOSE_UNCERTAIN_FINDING_ID``.

    ``hostile``: the benign investigation's AI title is ``dispose_hostile_title()`` (HOSTILE_TEXT again and again, longer
    than a Security Hub note may be).
    """
    extra = int(extra)
    scan = {'ResourceType': 'Instance', 'InstanceDetails': {'InstanceId': INSTANCE_ID, 'InstanceType': 't3.medium',
                                                            'AvailabilityZone': f'{REGION}a', 'InstanceState': 'running'}}
    scanner = {'ServiceName': 'guardduty', 'Count': 3, 'Archived': False, 'ResourceRole': 'TARGET', 'Action': {
        'ActionType': 'PORT_PROBE', 'PortProbeAction': {'Blocked': False, 'PortProbeDetails': [
            {'LocalPortDetails': {'Port': 22, 'PortName': 'SSH'}, 'RemoteIpDetails': {'IpAddressV4': DISPOSE_SCANNER_IP}}]}}}
    low = dict(type=LOW_FINDING_TYPE, severity=2.0, Resource=scan, Service=scanner, Title=f'Unprotected port on EC2 instance {INSTANCE_ID} is being probed',
               Description=f'{DISPOSE_SCANNER_IP} probed port 22 of {INSTANCE_ID}.')
    findings = [finding(DISPOSE_BENIGN_FINDING_ID, **low), finding(DISPOSE_RELATED_FINDING_ID, **low),
                finding(DISPOSE_TP_FINDING_ID, severity=8.0), finding(DISPOSE_UNCERTAIN_FINDING_ID, severity=5.0, type=LOW_FINDING_TYPE)]
    findings += [finding(dispose_extra_id(i), **low) for i in range(extra)]
    arn = f'arn:aws:guardduty:{REGION}:{ACCOUNT_ID}:detector/{DETECTOR_ID}/finding/{DISPOSE_RELATED_FINDING_ID}'
    other = f'arn:aws:guardduty:{REGION}:{OTHER_ACCOUNT_ID}:detector/{SECOND_DETECTOR_ID}/finding/{DISPOSE_OTHER_ACCOUNT_FINDING_ID}'
    malformed = {'Type': 'OBSERVATION', 'Title': 'A finding detail', 'SupportingData': {'Observation': {
        'ObservationType': 'FINDING_DETAIL', 'FindingDetail': {'FindingId': DISPOSE_MALFORMED_ID, 'FindingType': LOW_FINDING_TYPE}}}}
    benign = _dispose_investigation(DISPOSE_BENIGN_INV_ID, DISPOSE_BENIGN_FINDING_ID, LOW_FINDING_TYPE, 'Low', 'High',
                                    dispose_hostile_title() if hostile else f'Port probes from the known scanner {DISPOSE_SCANNER_IP}',
                                    [DISPOSE_RELATED_FINDING_ID, arn, other] + [dispose_extra_id(i) for i in range(extra)], [malformed])
    true_positive = _dispose_investigation(DISPOSE_TP_INV_ID, DISPOSE_TP_FINDING_ID, CRED_FINDING_TYPE, 'High', 'High',
                                           f'Instance credentials used from {BAD_IP}')
    uncertain = _dispose_investigation(DISPOSE_UNCERTAIN_INV_ID, DISPOSE_UNCERTAIN_FINDING_ID, LOW_FINDING_TYPE, 'Medium', 'Low',
                                       'Port probes from an address with no reputation')
    return _scenario([benign, true_positive, uncertain], findings=findings)


BUILDERS['dispose'] = dispose
