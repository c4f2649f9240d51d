"""Every emulated operation through a real boto3 client."""
from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from gdemu import scenarios as sc

DET = sc.DETECTOR_ID


def error_of(exc_info):
    response = exc_info.value.response
    return response['ResponseMetadata']['HTTPStatusCode'], response['Error']['Code'], response['Error']['Message']


def test_list_detectors_and_paging(client, guardduty_emulator):
    assert client.list_detectors()['DetectorIds'] == [DET]
    guardduty_emulator.load(sc.detectors(2))
    first = client.list_detectors(MaxResults=1)
    second = client.list_detectors(MaxResults=1, NextToken=first['NextToken'])
    assert first['DetectorIds'] + second['DetectorIds'] == [DET, sc.SECOND_DETECTOR_ID]
    assert 'NextToken' not in second
    guardduty_emulator.load(sc.detectors(0))
    assert client.list_detectors()['DetectorIds'] == []


@pytest.mark.parametrize('ai_analyst', [True, False])
def test_get_detector(client, guardduty_emulator, ai_analyst):
    guardduty_emulator.load(sc.basic(ai_analyst=ai_analyst))
    detector = client.get_detector(DetectorId=DET)
    features = {item['Name']: item['Status'] for item in detector['Features']}
    assert features['AI_ANALYST'] == ('ENABLED' if ai_analyst else 'DISABLED')
    assert detector['Status'] == 'ENABLED' and detector['ServiceRole'].startswith('arn:aws:iam::123456789012:')
    with pytest.raises(ClientError) as exc:
        client.get_detector(DetectorId='0' * 32)
    assert error_of(exc) == (400, 'BadRequestException', 'The request is rejected because the input detectorId is not owned by the current account.')


def test_get_investigation_text_and_structured(client):
    text = client.get_investigation(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID)['Investigation']
    assert text['Status'] == 'COMPLETED' and 'SummaryData' not in text
    summary = json.loads(text['Summary'])
    assert {'keyObservations', 'countermeasures', 'threatAssessment'} <= set(summary)
    assert text['Scope'] == {'InvestigationType': 'FINDING', 'FindingId': sc.BASIC_FINDING_ID}
    assert text['EndTime'] > text['StartTime'] and text['RiskLevel'] == 'High' and text['Confidence'] == 'High'
    assert text['Metadata']['Product']['Name'] == 'Amazon GuardDuty AI Analyst' and text['TriggeredBy'] == sc.ACCOUNT_ID

    structured = client.get_investigation(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID, SummaryFormat='STRUCTURED')['Investigation']
    assert 'Summary' not in structured
    data = structured['SummaryData']
    assert data['FindingType'] == sc.CRED_FINDING_TYPE
    tactic_ids = {attack['Tactic']['Uid'] for phase in data['ThreatAssessment']['AttackProgression'] for attack in phase['Attacks']}
    assert 'TA0001' in tactic_ids
    assert data['Countermeasures'][0]['Actions'][0]['CliCommands']
    assert client.get_investigation(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID, SummaryFormat='STRING')['Investigation']['Summary']

    text_only = client.get_investigation(DetectorId=DET, InvestigationId=sc.TEXT_ONLY_INV_ID, SummaryFormat='STRUCTURED')['Investigation']
    assert 'SummaryData' not in text_only and json.loads(text_only['Summary'])['accountAnalysis']


def test_get_investigation_running_failed_and_errors(client):
    running = client.get_investigation(DetectorId=DET, InvestigationId=sc.RUNNING_INV_ID, SummaryFormat='STRUCTURED')['Investigation']
    assert running['Status'] == 'RUNNING'
    assert not {'Summary', 'SummaryData', 'Scope', 'RiskLevel', 'Risk', 'Confidence', 'EndTime', 'Error'} & set(running)
    failed = client.get_investigation(DetectorId=DET, InvestigationId=sc.FAILED_INV_ID)['Investigation']
    assert failed['Status'] == 'FAILED' and failed['Error'] == sc.FAILED_ERROR and 'EndTime' in failed and 'Summary' not in failed

    with pytest.raises(client.exceptions.ResourceNotFoundException) as exc:
        client.get_investigation(DetectorId=DET, InvestigationId=sc.MISSING_INV_ID)
    assert error_of(exc)[0] == 404 and sc.MISSING_INV_ID in error_of(exc)[2]
    with pytest.raises(client.exceptions.AccessDeniedException) as exc:
        client.get_investigation(DetectorId=DET, InvestigationId=sc.DENIED_INV_ID)
    assert error_of(exc)[0] == 403
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.get_investigation(DetectorId=DET, InvestigationId='not-hex_at_all!')
    assert error_of(exc)[0] == 400 and 'pattern' in error_of(exc)[2]
    with pytest.raises(client.exceptions.BadRequestException):
        client.get_investigation(DetectorId='f' * 32, InvestigationId=sc.COMPLETED_INV_ID)


def test_list_investigations_basic(client):
    items = client.list_investigations(DetectorId=DET)['Investigations']
    assert [item['InvestigationId'] for item in items][:2] == [sc.RUNNING_INV_ID, sc.COMPLETED_INV_ID]  # START_TIME DESC
    by_id = {item['InvestigationId']: item for item in items}
    assert set(by_id) == {sc.COMPLETED_INV_ID, sc.RUNNING_INV_ID, sc.FAILED_INV_ID, sc.TEXT_ONLY_INV_ID, sc.DENIED_INV_ID}
    running = by_id[sc.RUNNING_INV_ID]
    assert not {'RiskLevel', 'Confidence', 'InvestigationType', 'FindingId', 'Title', 'AdminAccountId', 'EndTime'} & set(running)
    done = by_id[sc.COMPLETED_INV_ID]
    assert done['FindingId'] == sc.BASIC_FINDING_ID and done['InvestigationType'] == 'FINDING' and done['Title']
    assert by_id[sc.DENIED_INV_ID]['AdminAccountId'] == sc.ACCOUNT_ID


def test_list_investigations_filters(client, guardduty_emulator):
    guardduty_emulator.load(sc.many(60, running=5))

    def ids(**criterion):
        pages = client.get_paginator('list_investigations').paginate(DetectorId=DET, FilterCriteria={'Criterion': criterion})
        return [item for page in pages for item in page['Investigations']]

    completed = ids(STATUS={'Equals': ['COMPLETED']})
    assert completed and all(item['Status'] == 'COMPLETED' for item in completed)
    not_high = ids(RISK_LEVEL={'NotEquals': ['High']})
    assert sum(1 for item in not_high if item['Status'] == 'RUNNING') == 5  # missing value matches NotEquals
    assert all(item.get('RiskLevel') != 'High' for item in not_high)
    both = ids(STATUS={'Equals': ['COMPLETED']}, CONFIDENCE={'Equals': ['High', 'Low']}, INVESTIGATION_TYPE={'NotEquals': ['ORGANIZATION']})
    assert both and all(item['Confidence'] in ('High', 'Low') and item['InvestigationType'] != 'ORGANIZATION' for item in both)
    finding = ids(FINDING_ID={'Equals': [f'{9:032x}']})
    assert [item['InvestigationId'] for item in finding] == [sc.many_id(9)]
    for criterion in ({'STATUSX': {'Equals': ['RUNNING']}}, {'STATUS': {'Equals': ['running']}}, {'STATUS': {}}):
        with pytest.raises(client.exceptions.BadRequestException):
            client.list_investigations(DetectorId=DET, FilterCriteria={'Criterion': criterion})


@pytest.mark.parametrize('attribute', ['START_TIME', 'END_TIME', 'STATUS', 'RISK_LEVEL', 'CONFIDENCE'])
def test_list_investigations_sort_and_paging(client, guardduty_emulator, attribute):
    guardduty_emulator.load(sc.many(23, running=3))
    member = {'START_TIME': 'StartTime', 'END_TIME': 'EndTime', 'STATUS': 'Status', 'RISK_LEVEL': 'RiskLevel', 'CONFIDENCE': 'Confidence'}[attribute]
    rank = {'Status': ['RUNNING', 'COMPLETED', 'FAILED'], 'RiskLevel': ['Info', 'Low', 'Medium', 'High', 'Critical'],
            'Confidence': ['Unknown', 'Low', 'Medium', 'High']}.get(member)
    for order in ('ASC', 'DESC'):
        sort = {'AttributeName': attribute, 'OrderBy': order}
        pages = list(client.get_paginator('list_investigations').paginate(DetectorId=DET, SortCriteria=sort, PaginationConfig={'PageSize': 5}))
        assert len(pages) == 5
        items = [item for page in pages for item in page['Investigations']]
        assert len({item['InvestigationId'] for item in items}) == 23
        values = [rank.index(item[member]) if rank else item[member] for item in items if member in item]
        assert values == sorted(values, reverse=order == 'DESC')
        assert all(member in item for item in items[:len(values)])  # missing values last
    default = client.list_investigations(DetectorId=DET)['Investigations']
    assert [item['InvestigationId'] for item in default] == [sc.many_id(index) for index in range(23)]


def test_next_token_bound_to_query(client, guardduty_emulator):
    guardduty_emulator.load(sc.many(12))
    token = client.list_investigations(DetectorId=DET, MaxResults=5)['NextToken']
    assert client.list_investigations(DetectorId=DET, MaxResults=5, NextToken=token)['Investigations']
    with pytest.raises(client.exceptions.BadRequestException):
        client.list_investigations(DetectorId=DET, NextToken=token, SortCriteria={'AttributeName': 'STATUS', 'OrderBy': 'ASC'})
    with pytest.raises(client.exceptions.BadRequestException):
        client.list_investigations(DetectorId=DET, NextToken='bm90LWEtdG9rZW4=')
    with pytest.raises(client.exceptions.BadRequestException):
        client.list_investigations(DetectorId=DET, MaxResults=51)


def test_list_investigation_records(client):
    pages = list(client.get_paginator('list_investigation_records').paginate(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID))
    assert [len(page['Records']) for page in pages] == [20, 20, 5]
    assert all(page['Status'] == 'COMPLETED' and page['InvestigationId'] == sc.COMPLETED_INV_ID for page in pages)
    records = [record for page in pages for record in page['Records']]
    assert len({record['RecordId'] for record in records}) == sc.COMPLETED_RECORD_COUNT
    assert [record['CreatedAt'] for record in records] == sorted(record['CreatedAt'] for record in records)
    assert {record['Type'] for record in records} == {'UPDATE', 'FETCH', 'OBSERVATION', 'ANALYSIS', 'METADATA'}
    meta = client.list_investigation_records(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID, RecordTypes=['METADATA'])
    assert meta['Records'][0]['SupportingData']['Metadata']['TotalTimeMilliseconds'] == 300000 and 'NextToken' not in meta
    mixed = client.list_investigation_records(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID, RecordTypes=['UPDATE', 'ANALYSIS'], MaxResults=50)
    assert {record['Type'] for record in mixed['Records']} == {'UPDATE', 'ANALYSIS'}
    token = client.list_investigation_records(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID)['NextToken']
    with pytest.raises(client.exceptions.BadRequestException):  # token of another query
        client.list_investigation_records(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID, RecordTypes=['FETCH'], NextToken=token)

    running = client.list_investigation_records(DetectorId=DET, InvestigationId=sc.RUNNING_INV_ID)
    assert running['Records'] == [] and running['Status'] == 'RUNNING' and 'NextToken' not in running
    with pytest.raises(client.exceptions.BadRequestException):
        client.list_investigation_records(DetectorId=DET, InvestigationId=sc.RUNNING_INV_ID, NextToken=token)
    assert client.list_investigation_records(DetectorId=DET, InvestigationId=sc.FAILED_INV_ID)['Records'] == []
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_investigation_records(DetectorId=DET, InvestigationId=sc.MISSING_INV_ID)
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.list_investigation_records(DetectorId=DET, InvestigationId=sc.DENIED_INV_ID)


def test_create_investigation_kinds_and_lifecycle(client, guardduty_emulator):
    scenario = sc.basic()
    scenario['create'] = {'running_for': 1.5, 'visible_after': 0.3}
    scenario['investigations'].append({'detector_id': DET, 'running_for': 1.5, 'duration': 1.5,
                                       'investigation': {'InvestigationId': 'abcdef01-0000-4000-8000-000000000001', 'TriggerPrompt': 'x'}})
    guardduty_emulator.load(scenario)
    prompts = {'FINDING': f'Investigate finding {sc.DEMO_FINDING_ID} in account {sc.ACCOUNT_ID}',
               'ACCOUNT': f'Analyze findings in account with id {sc.MEMBER_ACCOUNT_ID}',
               'ORGANIZATION': 'Analyze findings in my organization', 'DEFAULT': 'What happened last night?'}
    created = {}
    for kind, prompt in prompts.items():
        response = client.create_investigation(DetectorId=DET, TriggerPrompt=prompt)
        assert response['ResponseMetadata']['HTTPStatusCode'] == 202
        created[kind] = response['InvestigationId']
    assert guardduty_emulator.created() == list(created.values()) and guardduty_emulator.count('CreateInvestigation') == 4
    with pytest.raises(client.exceptions.ResourceNotFoundException):  # visible_after: eventual consistency
        client.get_investigation(DetectorId=DET, InvestigationId=created['DEFAULT'])
    time.sleep(0.4)
    running = client.get_investigation(DetectorId=DET, InvestigationId=created['FINDING'])['Investigation']
    assert running['Status'] == 'RUNNING' and running['TriggeredBy'] == sc.ACCOUNT_ID and 'Scope' not in running
    assert client.get_investigation(DetectorId=DET, InvestigationId='abcdef01-0000-4000-8000-000000000001')['Investigation']['Status'] == 'RUNNING'
    time.sleep(1.3)
    assert client.get_investigation(DetectorId=DET, InvestigationId='abcdef01-0000-4000-8000-000000000001')['Investigation']['Status'] == 'COMPLETED'
    results = {kind: client.get_investigation(DetectorId=DET, InvestigationId=inv_id, SummaryFormat='STRUCTURED')['Investigation']
               for kind, inv_id in created.items()}
    assert all(item['Status'] == 'COMPLETED' and item['EndTime'] > item['StartTime'] for item in results.values())
    assert results['FINDING']['Scope'] == {'InvestigationType': 'FINDING', 'FindingId': sc.DEMO_FINDING_ID}
    attacks = [attack for phase in results['FINDING']['SummaryData']['ThreatAssessment']['AttackProgression'] for attack in phase['Attacks']]
    assert {'TA0001', 'T1078.004'} <= {attack['Tactic']['Uid'] for attack in attacks} | {attack['Technique']['Uid'] for attack in attacks}
    assert results['ACCOUNT']['Scope']['AccountId'] == sc.MEMBER_ACCOUNT_ID and results['ACCOUNT']['SummaryData']['Recommendations']
    assert results['ORGANIZATION']['Scope']['AdminAccountId'] == sc.ACCOUNT_ID and 'OrganizationAnalysis' in results['ORGANIZATION']['SummaryData']
    assert results['DEFAULT']['Scope']['AccountId'] == sc.ACCOUNT_ID
    text = client.get_investigation(DetectorId=DET, InvestigationId=created['FINDING'])['Investigation']['Summary']
    assert {'keyObservations', 'countermeasures', 'threatAssessment'} <= set(json.loads(text))
    records = client.list_investigation_records(DetectorId=DET, InvestigationId=created['FINDING'])['Records']
    assert {'UPDATE', 'FETCH', 'OBSERVATION', 'ANALYSIS', 'METADATA'} == {record['Type'] for record in records}
    assert records[-1]['SupportingData']['Metadata']['TotalTimeMilliseconds'] == 1500
    listed = client.list_investigations(DetectorId=DET, FilterCriteria={'Criterion': {'FINDING_ID': {'Equals': [sc.DEMO_FINDING_ID]}}})
    assert [item['InvestigationId'] for item in listed['Investigations']] == [created['FINDING']]


def test_create_failed_final_status(client, guardduty_emulator):
    scenario = sc.empty()
    scenario['create'] = {'running_for': 0, 'final_status': 'FAILED', 'error': 'Finding type not supported'}
    scenario['quota'] = {'daily': 1}
    guardduty_emulator.load(scenario)
    for _attempt in range(3):  # FAILED investigations do not use quota
        inv_id = client.create_investigation(DetectorId=DET, TriggerPrompt=f'Investigate finding {sc.DEMO_FINDING_ID}')['InvestigationId']
        failed = client.get_investigation(DetectorId=DET, InvestigationId=inv_id)['Investigation']
        assert failed['Status'] == 'FAILED' and failed['Error'] == 'Finding type not supported'


def test_client_token_idempotency(client, guardduty_emulator):
    guardduty_emulator.load(sc.detectors(2))
    prompt = f'Investigate finding {sc.DEMO_FINDING_ID}'
    first = client.create_investigation(DetectorId=DET, TriggerPrompt=prompt, ClientToken='token-1')['InvestigationId']
    again = client.create_investigation(DetectorId=DET, TriggerPrompt=prompt, ClientToken='token-1')['InvestigationId']
    assert first == again and guardduty_emulator.created() == [first]
    with pytest.raises(client.exceptions.BadRequestException):
        client.create_investigation(DetectorId=DET, TriggerPrompt=prompt + ' now', ClientToken='token-1')
    other = client.create_investigation(DetectorId=sc.SECOND_DETECTOR_ID, TriggerPrompt=prompt, ClientToken='token-1')['InvestigationId']
    assert other != first and len(guardduty_emulator.created()) == 2
    assert client.create_investigation(DetectorId=DET, TriggerPrompt=prompt)['InvestigationId'] not in (first, other)  # botocore uuid4 token


def test_quota(client, guardduty_emulator):
    scenario = sc.empty()
    scenario['quota'] = {'daily': 2, 'total': 100}
    guardduty_emulator.load(scenario)
    prompt = 'Analyze findings in my organization'
    for _attempt in range(2):
        client.create_investigation(DetectorId=DET, TriggerPrompt=prompt)
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.create_investigation(DetectorId=DET, TriggerPrompt=prompt)
    assert 'daily investigation quota' in error_of(exc)[2]
    scenario['quota'] = {'daily': 10, 'total': 1}
    guardduty_emulator.load(scenario)
    client.create_investigation(DetectorId=DET, TriggerPrompt=prompt)
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.create_investigation(DetectorId=DET, TriggerPrompt=prompt)
    assert 'total investigation quota' in error_of(exc)[2] and len(guardduty_emulator.created()) == 1


def test_create_refusals(client, guardduty_emulator):
    guardduty_emulator.load(sc.basic(role='member'))
    with pytest.raises(client.exceptions.AccessDeniedException) as exc:
        client.create_investigation(DetectorId=DET, TriggerPrompt='Analyze findings in my organization')
    assert error_of(exc)[:2] == (403, 'AccessDeniedException') and 'Only the administrator account' in error_of(exc)[2]
    guardduty_emulator.load(sc.basic(ai_analyst=False))
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.create_investigation(DetectorId=DET, TriggerPrompt='Analyze findings in my organization')
    assert 'AI_ANALYST is not enabled' in error_of(exc)[2].replace('feature ', '')
    guardduty_emulator.load(sc.basic())
    with pytest.raises(client.exceptions.BadRequestException):
        client.create_investigation(DetectorId=DET, TriggerPrompt=f'Investigate finding {"a" * 32} and {"b" * 32}')
    with pytest.raises(client.exceptions.BadRequestException):
        client.create_investigation(DetectorId='0' * 32, TriggerPrompt='x')
    assert guardduty_emulator.created() == []


def test_denied_operations(client, guardduty_emulator):
    scenario = sc.basic()
    scenario['denied_operations'] = ['ListInvestigations']
    guardduty_emulator.load(scenario)
    with pytest.raises(client.exceptions.AccessDeniedException) as exc:
        client.list_investigations(DetectorId=DET)
    assert 'guardduty:ListInvestigations' in error_of(exc)[2]
    assert client.get_investigation(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID)


def test_call_log(client, guardduty_emulator):
    client.get_investigation(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID)
    with pytest.raises(ClientError):
        client.get_investigation(DetectorId=DET, InvestigationId=sc.MISSING_INV_ID)
    calls = guardduty_emulator.calls('GetInvestigation')
    assert [call['status'] for call in calls] == [200, 404]
    assert calls[0]['access_key_id'] == 'AKIDEMULATORTESTKEY00000000000001' and calls[0]['region'] == 'us-east-1'
    assert calls[0]['detector_id'] == DET and calls[1]['error'] == 'ResourceNotFoundException'
    assert guardduty_emulator.count(investigation_id=sc.COMPLETED_INV_ID) == 1
    assert not any('Signature' in json.dumps(call) or 'secret' in json.dumps(call) for call in calls)
    guardduty_emulator.reset_log()
    assert guardduty_emulator.count() == 0
