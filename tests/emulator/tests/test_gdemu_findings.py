"""Findings: the scenario key, put_findings / POST /_emulator/findings, ListFindings and GetFindings through boto3."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from gdemu import scenarios as sc
from gdemu.state import epoch_ms

DET = sc.DETECTOR_ID
HIGH_ID = 'a' * 32
LOW_ID = 'b' * 32
OTHER_ID = 'c' * 32


def ids(client, **criteria):
    return client.list_findings(DetectorId=DET, FindingCriteria={'Criterion': criteria})['FindingIds']


def test_scenario_findings_default_to_the_first_detector_and_fit_the_model(client, guardduty_emulator):
    scenario = sc.detectors(2)
    scenario['findings'] = [sc.finding(HIGH_ID, 8.5, updated_at='2026-11-30T10:00:00.250Z'),
                            sc.finding(LOW_ID, 2.0, sc.LOW_FINDING_TYPE, detector_id=sc.SECOND_DETECTOR_ID)]
    guardduty_emulator.load(scenario)
    assert client.list_findings(DetectorId=DET)['FindingIds'] == [HIGH_ID]
    assert client.list_findings(DetectorId=sc.SECOND_DETECTOR_ID)['FindingIds'] == [LOW_ID]
    found = client.get_findings(DetectorId=DET, FindingIds=[HIGH_ID])['Findings'][0]
    assert found['Severity'] == 8.5 and found['Type'] == sc.HIGH_FINDING_TYPE
    assert found['UpdatedAt'] == found['CreatedAt'] == '2026-11-30T10:00:00.250Z'
    assert found['Arn'] == f'arn:aws:guardduty:{sc.REGION}:{sc.ACCOUNT_ID}:detector/{DET}/finding/{HIGH_ID}'
    assert found['Service']['Archived'] is False and found['Resource']['InstanceDetails']['InstanceId'] == sc.INSTANCE_ID
    assert guardduty_emulator.state.summary()['findings'] == 2


def test_bad_scenario_findings_are_refused(guardduty_emulator):
    with pytest.raises(ValueError, match='unknown detector_id'):
        guardduty_emulator.load(dict(sc.empty(), findings=[sc.finding(HIGH_ID, detector_id='f' * 32)]))
    with pytest.raises(ValueError, match='does not fit the model'):
        guardduty_emulator.load(dict(sc.empty(), findings=[sc.finding(HIGH_ID, Severity='high')]))
    with pytest.raises(ValueError, match='duplicate finding Id'):
        guardduty_emulator.load(dict(sc.empty(), findings=[sc.finding(HIGH_ID), sc.finding(HIGH_ID)]))


def test_put_findings_upserts_by_id_with_millisecond_updated_at(client, guardduty_emulator):
    before = int(time.time() * 1000)  # the emulator truncates to the millisecond, as the stamp it shows
    assert guardduty_emulator.put_findings([sc.finding(HIGH_ID, 7.5)]) == [HIGH_ID]
    first = client.get_findings(DetectorId=DET, FindingIds=[HIGH_ID])['Findings'][0]
    assert first['UpdatedAt'] == first['CreatedAt'] and epoch_ms(first['UpdatedAt']) >= before
    assert len(first['UpdatedAt']) == len('2026-12-01T09:57:01.123Z') and first['UpdatedAt'].endswith('Z')
    time.sleep(0.01)
    guardduty_emulator.put_findings([{'Id': HIGH_ID, 'Severity': 8.9, 'Title': 'updated'}])
    second = client.get_findings(DetectorId=DET, FindingIds=[HIGH_ID])['Findings'][0]
    assert second['Severity'] == 8.9 and second['Title'] == 'updated' and second['Type'] == first['Type']
    assert second['CreatedAt'] == first['CreatedAt'] and epoch_ms(second['UpdatedAt']) > epoch_ms(first['UpdatedAt'])
    assert second['Service']['Count'] == 2
    assert client.list_findings(DetectorId=DET)['FindingIds'] == [HIGH_ID]


def test_put_findings_is_all_or_nothing(guardduty_emulator):
    with pytest.raises(ValueError, match='does not fit the model'):
        guardduty_emulator.put_findings([sc.finding(HIGH_ID), sc.finding(LOW_ID, Severity='x')])
    with pytest.raises(ValueError, match='needs an Id'):
        guardduty_emulator.put_findings([{'Severity': 5.0}])
    assert guardduty_emulator.state.summary()['findings'] == 0


def test_list_findings_severity_and_updated_at_criteria(client, guardduty_emulator):
    guardduty_emulator.load(dict(sc.empty(), findings=[
        sc.finding(HIGH_ID, 8.0, updated_at='2026-11-30T10:00:00.000Z'),
        sc.finding(LOW_ID, 3.0, sc.LOW_FINDING_TYPE, updated_at='2026-11-30T10:00:00.500Z'),
        sc.finding(OTHER_ID, 7.0, updated_at='2026-11-30T10:00:01.000Z')]))
    assert ids(client, severity={'Gte': 7}) == [HIGH_ID, OTHER_ID]
    assert ids(client, severity={'GreaterThanOrEqual': 8}) == [HIGH_ID]
    assert ids(client, severity={'GreaterThan': 7}) == [HIGH_ID]
    assert ids(client, severity={'Lt': 7}) == [LOW_ID]
    stamp = epoch_ms('2026-11-30T10:00:00.500Z')
    assert ids(client, updatedAt={'GreaterThan': stamp}) == [OTHER_ID]
    assert ids(client, updatedAt={'GreaterThanOrEqual': stamp}) == [LOW_ID, OTHER_ID]
    assert ids(client, updatedAt={'Gte': stamp}) == [LOW_ID, OTHER_ID]
    assert ids(client, updatedAt={'LessThanOrEqual': stamp}) == [HIGH_ID, LOW_ID]
    assert ids(client, severity={'Gte': 7}, updatedAt={'GreaterThan': epoch_ms('2026-11-30T10:00:00.000Z')}) == [OTHER_ID]
    assert ids(client, type={'Eq': [sc.LOW_FINDING_TYPE]}) == [LOW_ID]
    assert ids(client, id={'Neq': [HIGH_ID, LOW_ID]}) == [OTHER_ID]
    assert ids(client, **{'service.archived': {'Equals': ['false']}}) == [HIGH_ID, LOW_ID, OTHER_ID]
    assert ids(client, **{'service.archived': {'Equals': ['true']}}) == []
    assert ids(client, **{'resource.instanceDetails.instanceId': {'Eq': [sc.INSTANCE_ID]}}, severity={'Gte': 8}) == [HIGH_ID]


def test_list_findings_sorting_and_paging(client, guardduty_emulator):
    findings = [sc.finding(f'{index:032x}', 5.0 + index % 4, updated_at=1764496800 + (7 - index) * 10) for index in range(8)]
    guardduty_emulator.load(dict(sc.empty(), findings=findings))
    ascending = client.list_findings(DetectorId=DET, SortCriteria={'AttributeName': 'updatedAt', 'OrderBy': 'ASC'})['FindingIds']
    assert ascending == [f'{index:032x}' for index in reversed(range(8))]
    descending = client.list_findings(DetectorId=DET, SortCriteria={'AttributeName': 'updatedAt', 'OrderBy': 'DESC'})['FindingIds']
    assert descending == ascending[::-1]
    first = client.list_findings(DetectorId=DET, MaxResults=3, SortCriteria={'AttributeName': 'updatedAt', 'OrderBy': 'ASC'})
    assert first['FindingIds'] == ascending[:3] and first['NextToken']
    paged = client.get_paginator('list_findings').paginate(
        DetectorId=DET, SortCriteria={'AttributeName': 'updatedAt', 'OrderBy': 'ASC'}, PaginationConfig={'PageSize': 3})
    assert [finding_id for page in paged for finding_id in page['FindingIds']] == ascending
    assert guardduty_emulator.count('ListFindings') == 6
    with pytest.raises(ClientError) as exc:
        client.list_findings(DetectorId=DET, NextToken=first['NextToken'])  # another query
    assert exc.value.response['Error']['Code'] == 'BadRequestException'


def test_get_findings_batches_unknown_ids_and_limits(client, guardduty_emulator):
    guardduty_emulator.load(dict(sc.empty(), findings=[sc.finding(f'{index:032x}') for index in range(60)]))
    batch = [f'{index:032x}' for index in range(50)]
    assert [item['Id'] for item in client.get_findings(DetectorId=DET, FindingIds=batch)['Findings']] == batch
    assert [item['Id'] for item in client.get_findings(DetectorId=DET, FindingIds=['f' * 32, batch[3]])['Findings']] == [batch[3]]
    with pytest.raises(ClientError) as exc:
        client.get_findings(DetectorId=DET, FindingIds=batch + ['e' * 32])
    assert exc.value.response['Error']['Code'] == 'BadRequestException' and 'valid max length: 50' in exc.value.response['Error']['Message']
    with pytest.raises(ClientError) as exc:
        client.get_findings(DetectorId='0' * 32, FindingIds=batch[:1])
    assert exc.value.response['Error']['Code'] == 'BadRequestException'


def test_list_findings_errors(client, guardduty_emulator):
    for criterion in ({'noSuchProperty': {'Eq': ['x']}}, {'severity': {}}):
        with pytest.raises(ClientError) as exc:
            client.list_findings(DetectorId=DET, FindingCriteria={'Criterion': criterion})
        assert exc.value.response['Error']['Code'] == 'BadRequestException'
    guardduty_emulator.load(dict(sc.empty(), denied_operations=['ListFindings']))
    with pytest.raises(ClientError) as exc:
        client.list_findings(DetectorId=DET)
    assert exc.value.response['Error']['Code'] == 'AccessDeniedException' and 'guardduty:ListFindings' in exc.value.response['Error']['Message']


def test_findings_faults_apply(make_client, guardduty_emulator):
    guardduty_emulator.put_findings([sc.finding(HIGH_ID)])
    guardduty_emulator.set_faults(fail_first={'ListFindings': 2}, throttle_every=0)
    client = make_client(retries={'mode': 'standard', 'max_attempts': 5})
    assert client.list_findings(DetectorId=DET)['FindingIds'] == [HIGH_ID]
    assert [call['status'] for call in guardduty_emulator.calls('ListFindings')] == [500, 500, 200]


def test_control_plane_post_findings(client, guardduty_emulator):
    def post(body):
        request = urllib.request.Request(guardduty_emulator.url + '/_emulator/findings', data=json.dumps(body).encode(), method='POST')
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    assert post({'findings': [sc.finding(HIGH_ID, 9.0)]}) == (200, {'ok': True, 'findings': [HIGH_ID]})
    assert post({'findings': [{'Id': HIGH_ID, 'Severity': 9.5}]})[0] == 200
    assert client.get_findings(DetectorId=DET, FindingIds=[HIGH_ID])['Findings'][0]['Severity'] == 9.5
    status, body = post({'findings': [{'Id': LOW_ID}]})
    assert status == 400 and 'does not fit the model' in body['error']
    status, body = post([sc.finding(LOW_ID)])
    assert status == 400 and 'findings' in body['error']
    assert guardduty_emulator.calls('GetFindings') and not guardduty_emulator.emulator_errors
