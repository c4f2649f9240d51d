"""Findings get the members every GuardDuty finding has, so that a minimal one is listed and returned like a real one.

The findings event source asks ListFindings for ``service.archived = false``: a finding added without ``Service``
must still be delivered, whichever way it is added (scenario key, put_findings, POST /_emulator/findings).
"""
from __future__ import annotations

import time

import pytest

from gdemu import scenarios as sc
from gdemu.state import epoch_ms

DET = sc.DETECTOR_ID
BARE_ID = 'd' * 32
ARCHIVED_ID = 'e' * 32
RESOURCE = {'ResourceType': 'Instance', 'InstanceDetails': {'InstanceId': sc.INSTANCE_ID}}


def bare(finding_id=BARE_ID, **members):
    """Only what a finding must say about itself: no Service, AccountId, Region, Arn, times..."""
    return dict({'Id': finding_id, 'Type': sc.HIGH_FINDING_TYPE, 'Severity': 8.0, 'Resource': RESOURCE}, **members)


@pytest.fixture(params=['scenario', 'put_findings', 'post'])
def add(request, control):
    """add(emulator, findings): each of the three ways a finding is added (scenario key, put_findings, POST)."""
    def add_findings(emulator, findings):
        if request.param == 'scenario':
            emulator.load(dict(sc.empty(), findings=findings))
        elif request.param == 'put_findings':
            emulator.put_findings(findings)
        else:
            assert control(emulator, 'POST', 'findings', {'findings': findings}) == (200, {'ok': True, 'findings': [item['Id'] for item in findings]})
    return add_findings


def source_listing(client, cursor, archived='false', min_severity=7):
    """ListFindings (every page) with the criteria the findings event source sends."""
    criterion = {'severity': {'GreaterThanOrEqual': min_severity}, 'updatedAt': {'GreaterThan': cursor},
                 'service.archived': {'Equals': [archived]}}
    pages = client.get_paginator('list_findings').paginate(
        DetectorId=DET, FindingCriteria={'Criterion': criterion}, SortCriteria={'AttributeName': 'updatedAt', 'OrderBy': 'ASC'})
    return [finding_id for page in pages for finding_id in page['FindingIds']]


def test_a_finding_without_service_is_delivered_to_the_findings_source(add, client, guardduty_emulator):
    cursor = int(time.time() * 1000) - 1  # the emulator truncates its stamps to the millisecond
    add(guardduty_emulator, [bare()])
    assert source_listing(client, cursor) == [BARE_ID]
    assert source_listing(client, cursor, archived='true') == []
    found = client.get_findings(DetectorId=DET, FindingIds=[BARE_ID])['Findings']
    assert [item['Id'] for item in found] == [BARE_ID]
    finding = found[0]
    assert finding['Service'] == {'Archived': False, 'Count': 1, 'ServiceName': 'guardduty', 'DetectorId': DET,
                                  'EventFirstSeen': finding['CreatedAt'], 'EventLastSeen': finding['UpdatedAt']}
    assert finding['AccountId'] == sc.ACCOUNT_ID and finding['Region'] == sc.REGION and finding['Partition'] == 'aws'
    assert finding['SchemaVersion'] == '2.0'
    assert finding['Arn'] == f'arn:aws:guardduty:{sc.REGION}:{sc.ACCOUNT_ID}:detector/{DET}/finding/{BARE_ID}'
    assert finding['CreatedAt'] == finding['UpdatedAt'] and epoch_ms(finding['UpdatedAt']) > cursor
    assert finding['Type'] == sc.HIGH_FINDING_TYPE and finding['Severity'] == 8.0 and finding['Resource'] == RESOURCE
    assert not guardduty_emulator.emulator_errors  # the response fits the model (every required member present)


def test_an_explicitly_archived_finding_is_not_delivered(add, client, guardduty_emulator):
    cursor = int(time.time() * 1000) - 1
    add(guardduty_emulator, [bare(ARCHIVED_ID, Service={'Archived': True}), bare()])
    assert source_listing(client, cursor) == [BARE_ID]
    assert source_listing(client, cursor, archived='true') == [ARCHIVED_ID]
    archived = client.get_findings(DetectorId=DET, FindingIds=[ARCHIVED_ID])['Findings'][0]
    assert archived['Service']['Archived'] is True and archived['Service']['Count'] == 1  # the rest of Service defaults


def test_given_members_win_over_the_defaults(client, guardduty_emulator):
    given = bare(AccountId=sc.MEMBER_ACCOUNT_ID, Region='eu-west-1', Partition='aws-cn', SchemaVersion='2.1',
                 Service={'Archived': False, 'Count': 7, 'ServiceName': 'guardduty', 'ResourceRole': 'ACTOR',
                          'EventFirstSeen': '2026-11-01T00:00:00.000Z'},
                 CreatedAt='2026-11-01T00:00:00.000Z', UpdatedAt='2026-11-30T10:00:00.250Z')
    guardduty_emulator.put_findings([given])
    finding = client.get_findings(DetectorId=DET, FindingIds=[BARE_ID])['Findings'][0]
    for member in ('AccountId', 'Region', 'Partition', 'SchemaVersion', 'CreatedAt', 'UpdatedAt'):
        assert finding[member] == given[member]
    assert finding['Arn'] == f'arn:aws:guardduty:eu-west-1:{sc.MEMBER_ACCOUNT_ID}:detector/{DET}/finding/{BARE_ID}'
    assert finding['Service'] == dict(given['Service'], DetectorId=DET, EventLastSeen='2026-11-30T10:00:00.250Z')


def test_defaults_follow_the_scenario_account_and_region(client, guardduty_emulator):
    guardduty_emulator.load(dict(sc.empty(), account_id=sc.MEMBER_ACCOUNT_ID, region='eu-central-1', findings=[bare()]))
    finding = client.get_findings(DetectorId=DET, FindingIds=[BARE_ID])['Findings'][0]
    assert (finding['AccountId'], finding['Region']) == (sc.MEMBER_ACCOUNT_ID, 'eu-central-1')
    assert finding['Arn'].startswith(f'arn:aws:guardduty:eu-central-1:{sc.MEMBER_ACCOUNT_ID}:detector/')


def test_an_update_of_a_defaulted_finding_recurs_and_is_delivered_again(control, client, guardduty_emulator):
    guardduty_emulator.put_findings([bare()])
    first = client.get_findings(DetectorId=DET, FindingIds=[BARE_ID])['Findings'][0]
    cursor = epoch_ms(first['UpdatedAt'])
    time.sleep(0.01)
    status, _body = control(guardduty_emulator, 'POST', 'findings', {'findings': [{'Id': BARE_ID, 'Severity': 8.5}]})
    assert status == 200
    assert source_listing(client, cursor) == [BARE_ID]
    second = client.get_findings(DetectorId=DET, FindingIds=[BARE_ID])['Findings'][0]
    assert second['Service']['Count'] == 2 and second['Service']['Archived'] is False
    assert second['Service']['EventFirstSeen'] == first['CreatedAt'] == second['CreatedAt']
    assert second['Service']['EventLastSeen'] == second['UpdatedAt'] != first['UpdatedAt']
    guardduty_emulator.put_findings([{'Id': BARE_ID, 'Service': {'Archived': True}}])  # archived by a suppression rule
    assert source_listing(client, cursor) == []


@pytest.mark.parametrize('member', ['Type', 'Severity', 'Resource'])
def test_a_new_finding_must_say_what_it_is(control, member, guardduty_emulator):
    finding = bare()
    del finding[member]
    status, body = control(guardduty_emulator, 'POST', 'findings', {'findings': [finding]})
    assert status == 400 and 'does not fit the model' in body['error'] and f'needs {member}' in body['error']
    with pytest.raises(ValueError, match=f'needs {member}'):
        guardduty_emulator.load(dict(sc.empty(), findings=[finding]))
    assert guardduty_emulator.state.summary()['findings'] == 0
