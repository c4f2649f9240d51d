"""ArchiveFindings, UnarchiveFindings and UpdateFindingsFeedback through boto3: what GetFindings shows afterwards."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from gdemu import scenarios as sc

DET = sc.DETECTOR_ID
IDS = [f'{index:032x}' for index in range(1, 4)]


@pytest.fixture
def loaded(guardduty_emulator):
    scenario = sc.empty()
    scenario['findings'] = [sc.finding(finding_id, updated_at='2026-11-30T10:00:00.250Z') for finding_id in IDS]
    guardduty_emulator.load(scenario)
    return guardduty_emulator


def service(client, finding_id):
    return client.get_findings(DetectorId=DET, FindingIds=[finding_id])['Findings'][0]['Service']


def test_archive_and_unarchive_show_in_get_findings_without_moving_updated_at(client, loaded):
    client.archive_findings(DetectorId=DET, FindingIds=IDS[:2])
    assert [service(client, finding_id)['Archived'] for finding_id in IDS] == [True, True, False]
    listed = client.list_findings(DetectorId=DET, FindingCriteria={'Criterion': {'service.archived': {'Equals': ['false']}}})
    assert listed['FindingIds'] == [IDS[2]]
    client.unarchive_findings(DetectorId=DET, FindingIds=[IDS[0]])
    assert [service(client, finding_id)['Archived'] for finding_id in IDS] == [False, True, False]
    assert client.get_findings(DetectorId=DET, FindingIds=[IDS[0]])['Findings'][0]['UpdatedAt'] == '2026-11-30T10:00:00.250Z'
    client.archive_findings(DetectorId=DET, FindingIds=[IDS[1]])  # already archived: no error, no change
    assert service(client, IDS[1])['Archived'] is True


def test_feedback_sets_user_feedback_and_keeps_the_comment_for_the_tests(client, loaded):
    assert 'UserFeedback' not in service(client, IDS[0])
    client.update_findings_feedback(DetectorId=DET, FindingIds=IDS[:2], Feedback='NOT_USEFUL', Comments='benign: the nightly scan')
    assert [service(client, finding_id).get('UserFeedback') for finding_id in IDS] == ['NOT_USEFUL', 'NOT_USEFUL', None]
    assert loaded.feedback(IDS[0]) == {'Feedback': 'NOT_USEFUL', 'Comments': 'benign: the nightly scan'}
    client.update_findings_feedback(DetectorId=DET, FindingIds=[IDS[0]], Feedback='USEFUL')
    assert service(client, IDS[0])['UserFeedback'] == 'USEFUL' and loaded.feedback(IDS[0]) == {'Feedback': 'USEFUL', 'Comments': None}


@pytest.mark.parametrize('call', ['archive_findings', 'unarchive_findings', 'update_findings_feedback'])
def test_an_id_the_detector_does_not_hold_fails_the_whole_request(client, loaded, call):
    extra = {'Feedback': 'USEFUL'} if call == 'update_findings_feedback' else {}
    with pytest.raises(ClientError) as exc:
        getattr(client, call)(DetectorId=DET, FindingIds=[IDS[0], 'f' * 32], **extra)
    assert exc.value.response['Error']['Code'] == 'BadRequestException' and 'f' * 32 in exc.value.response['Error']['Message']
    assert service(client, IDS[0])['Archived'] is False and 'UserFeedback' not in service(client, IDS[0])
    with pytest.raises(ClientError, match='give at least one finding id'):
        getattr(client, call)(DetectorId=DET, FindingIds=[], **extra)


def test_the_model_limits_hold(make_client, loaded):
    unchecked = make_client(retries={'total_max_attempts': 1}, parameter_validation=False)
    with pytest.raises(ClientError, match='valid max length: 50'):
        unchecked.archive_findings(DetectorId=DET, FindingIds=[f'{index:032x}' for index in range(51)])
    with pytest.raises(ClientError, match='valid values: USEFUL, NOT_USEFUL'):
        unchecked.update_findings_feedback(DetectorId=DET, FindingIds=[IDS[0]], Feedback='useful')
    with pytest.raises(ClientError, match='not owned by the current account'):
        unchecked.archive_findings(DetectorId='f' * 32, FindingIds=[IDS[0]])


def test_a_member_account_cannot_archive_but_can_give_feedback(client, guardduty_emulator):
    scenario = sc.detectors(1, role='member')
    scenario['findings'] = [sc.finding(IDS[0])]
    guardduty_emulator.load(scenario)
    for call in (client.archive_findings, client.unarchive_findings):
        with pytest.raises(ClientError, match='only the administrator account can archive or unarchive findings'):
            call(DetectorId=DET, FindingIds=[IDS[0]])
    client.update_findings_feedback(DetectorId=DET, FindingIds=[IDS[0]], Feedback='USEFUL')
    assert service(client, IDS[0])['UserFeedback'] == 'USEFUL'


def test_an_administrator_archives_a_member_accounts_finding(client, guardduty_emulator):
    scenario = sc.empty()
    scenario['findings'] = [sc.finding(IDS[0], account_id=sc.MEMBER_ACCOUNT_ID)]
    guardduty_emulator.load(scenario)
    client.archive_findings(DetectorId=DET, FindingIds=[IDS[0]])
    found = client.get_findings(DetectorId=DET, FindingIds=[IDS[0]])['Findings'][0]
    assert found['AccountId'] == sc.MEMBER_ACCOUNT_ID and found['Service']['Archived'] is True
    assert f':{sc.MEMBER_ACCOUNT_ID}:detector/' in found['Arn']


def test_the_calls_are_logged_by_operation(client, loaded):
    loaded.reset_log()
    client.archive_findings(DetectorId=DET, FindingIds=IDS)
    client.update_findings_feedback(DetectorId=DET, FindingIds=IDS, Feedback='USEFUL')
    assert [(call['operation'], call['service'], call['detector_id']) for call in loaded.calls()] == [
        ('ArchiveFindings', 'guardduty', DET), ('UpdateFindingsFeedback', 'guardduty', DET)]
