"""GuardDuty filters (suppression rules): CreateFilter, GetFilter, UpdateFilter, DeleteFilter, ListFilters, the
scenario key ``filters``, and ARCHIVE filters archiving new findings."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from gdemu import scenarios as sc
from gdemu.filters import criterion_fields

DET = sc.DETECTOR_ID
CRITERIA = {'Criterion': {'type': {'Equals': [sc.LOW_FINDING_TYPE]}, 'resource.instanceDetails.instanceId': {'Equals': [sc.INSTANCE_ID]}}}


def create(client, name='benign-portscan', **extra):
    params = dict({'DetectorId': DET, 'Name': name, 'FindingCriteria': CRITERIA}, **extra)
    return client.create_filter(**params)


def test_create_get_update_delete(client):
    assert create(client, Action='ARCHIVE', Rank=1, Description='the nightly scan', Tags={'owner': 'secops'})['Name'] == 'benign-portscan'
    got = client.get_filter(DetectorId=DET, FilterName='benign-portscan')
    assert {key: got[key] for key in ('Name', 'Action', 'Rank', 'Description', 'FindingCriteria', 'Tags', 'Version')} == {
        'Name': 'benign-portscan', 'Action': 'ARCHIVE', 'Rank': 1, 'Description': 'the nightly scan', 'FindingCriteria': CRITERIA,
        'Tags': {'owner': 'secops'}, 'Version': 1}
    client.update_filter(DetectorId=DET, FilterName='benign-portscan', Action='NOOP', FindingCriteria={'Criterion': {'severity': {'Lt': 4}}})
    got = client.get_filter(DetectorId=DET, FilterName='benign-portscan')
    assert got['Action'] == 'NOOP' and got['Rank'] == 1 and got['Description'] == 'the nightly scan'
    assert got['FindingCriteria'] == {'Criterion': {'severity': {'Lt': 4}}} and got['Version'] == 2 and got['UpdatedAt'] >= got['CreatedAt']
    client.delete_filter(DetectorId=DET, FilterName='benign-portscan')
    assert client.list_filters(DetectorId=DET)['FilterNames'] == []


def test_defaults_are_noop_and_the_next_rank(client):
    create(client, name='first')
    create(client, name='second')
    assert [client.get_filter(DetectorId=DET, FilterName=name)['Rank'] for name in ('first', 'second')] == [1, 2]
    assert client.get_filter(DetectorId=DET, FilterName='first')['Action'] == 'NOOP'
    assert 'Description' not in client.get_filter(DetectorId=DET, FilterName='first')


@pytest.mark.parametrize('call', ['get_filter', 'update_filter', 'delete_filter'])
def test_a_filter_that_does_not_exist_answers_as_guardduty_does(client, call):
    with pytest.raises(ClientError) as exc:
        getattr(client, call)(DetectorId=DET, FilterName='absent')
    assert exc.value.response['Error']['Code'] == 'BadRequestException'
    assert exc.value.response['Error']['Message'] == 'The request is rejected since no such resource found.'


@pytest.mark.parametrize('name,criteria,message', [
    ('has space', CRITERIA, 'may only hold letters, digits'),
    ('ok-name', {'Criterion': {}}, 'needs at least one criterion'),
    ('ok-name', {'Criterion': {'resource.instanceDetails.instanceid': {'Equals': ['x']}}}, 'is not a finding criterion field'),
    ('ok-name', {'Criterion': {'type': {}}}, "condition for 'type' in findingCriteria is empty"),
    ('ok-name', {'Criterion': {'type': {'Equals': [str(index) for index in range(51)]}}}, 'has 51 values: give 1 to 50'),
])
def test_what_guardduty_documents_is_refused(client, name, criteria, message):
    with pytest.raises(ClientError) as exc:
        client.create_filter(DetectorId=DET, Name=name, FindingCriteria=criteria)
    assert exc.value.response['Error']['Code'] == 'BadRequestException' and message in exc.value.response['Error']['Message']
    assert client.list_filters(DetectorId=DET)['FilterNames'] == []


def test_the_models_limits_hold_on_the_wire(make_client):
    unchecked = make_client(retries={'total_max_attempts': 1}, parameter_validation=False)
    for extra, message in (({'Rank': 0}, 'valid min value: 1'), ({'Rank': 101}, 'valid max value: 100'), ({'Name': 'ab'}, 'valid min length: 3'),
                           ({'Action': 'DELETE'}, 'valid values: NOOP, ARCHIVE')):
        with pytest.raises(ClientError, match=message):
            unchecked.create_filter(**dict({'DetectorId': DET, 'Name': 'valid', 'FindingCriteria': CRITERIA}, **extra))


def test_a_name_is_unique_a_client_token_repeats_and_100_is_the_most(client):
    create(client, ClientToken='token-1')
    assert create(client, ClientToken='token-1')['Name'] == 'benign-portscan'  # the same request again
    with pytest.raises(ClientError, match='already exists'):
        create(client)
    for index in range(99):
        create(client, name=f'rule-{index:03d}')
    with pytest.raises(ClientError, match='already has 100 filters'):
        create(client, name='one-too-many')


def test_list_filters_pages(client):
    for index in range(7):
        create(client, name=f'rule-{index}')
    first = client.list_filters(DetectorId=DET, MaxResults=5)
    second = client.list_filters(DetectorId=DET, MaxResults=5, NextToken=first['NextToken'])
    assert first['FilterNames'] + second['FilterNames'] == [f'rule-{index}' for index in range(7)] and 'NextToken' not in second
    pages = client.get_paginator('list_filters').paginate(DetectorId=DET, PaginationConfig={'PageSize': 3})
    assert [name for page in pages for name in page['FilterNames']] == [f'rule-{index}' for index in range(7)]


def test_an_archive_filter_archives_new_findings_only_and_keeps_them_from_security_hub(client, guardduty_emulator):
    old = sc.finding('a' * 32, 2.0, sc.LOW_FINDING_TYPE)
    guardduty_emulator.put_findings([old])
    create(client, Action='ARCHIVE')
    create(client, name='noop-high', FindingCriteria={'Criterion': {'severity': {'Gte': 7}}})
    guardduty_emulator.put_findings([sc.finding('b' * 32, 2.0, sc.LOW_FINDING_TYPE), sc.finding('c' * 32, 8.0)])
    archived = {item['Id']: item['Service']['Archived'] for item in client.get_findings(DetectorId=DET, FindingIds=['a' * 32, 'b' * 32, 'c' * 32])['Findings']}
    assert archived == {'a' * 32: False, 'b' * 32: True, 'c' * 32: False}
    assert guardduty_emulator.securityhub_finding('b' * 32) is None and guardduty_emulator.securityhub_finding('a' * 32) is not None


def test_scenario_filters_load_and_are_checked(client, guardduty_emulator):
    scenario = sc.empty()
    scenario['filters'] = [{'Name': 'loaded', 'Action': 'ARCHIVE', 'FindingCriteria': CRITERIA}]
    scenario['findings'] = [sc.finding('d' * 32, 2.0, sc.LOW_FINDING_TYPE)]
    guardduty_emulator.load(scenario)
    assert client.get_filter(DetectorId=DET, FilterName='loaded')['Rank'] == 1
    assert client.get_findings(DetectorId=DET, FindingIds=['d' * 32])['Findings'][0]['Service']['Archived'] is True
    assert guardduty_emulator.filters()['loaded']['Action'] == 'ARCHIVE'
    for bad, message in (({'Name': 'x y', 'FindingCriteria': CRITERIA}, 'may only hold'),
                         ({'Name': 'n1', 'FindingCriteria': CRITERIA, 'Colour': 1}, 'unknown filters key'),
                         ({'Name': 'n1', 'FindingCriteria': CRITERIA, 'Action': 'DROP'}, 'does not fit the model'),
                         ({'Name': 'n1', 'FindingCriteria': CRITERIA, 'detector_id': 'f' * 32}, 'unknown detector_id')):
        with pytest.raises(ValueError, match=message):
            guardduty_emulator.load(dict(sc.empty(), filters=[bad]))


def test_the_criterion_fields_are_guardduty_documented_ones():
    fields = criterion_fields()
    assert {'type', 'severity', 'accountId', 'service.archived', 'resource.instanceDetails.instanceId', 'updatedAt'} <= fields
    assert len(fields) > 100 and 'JSON field name' not in fields and all(' ' not in field for field in fields)
