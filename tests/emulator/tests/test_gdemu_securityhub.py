"""Security Hub beside GuardDuty: GetFindings (Id filter) and BatchUpdateFindings for requests signed for securityhub."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from gdemu import scenarios as sc

DET = sc.DETECTOR_ID
IDS = [f'{index:032x}' for index in range(1, 4)]
PRODUCT = f'arn:aws:securityhub:{sc.REGION}::product/aws/guardduty'


def arn(finding_id, account=sc.ACCOUNT_ID):
    return f'arn:aws:guardduty:{sc.REGION}:{account}:detector/{DET}/finding/{finding_id}'


def ident(finding_id, product=PRODUCT):
    return {'Id': arn(finding_id), 'ProductArn': product}


@pytest.fixture
def hub(guardduty_emulator):
    scenario = sc.empty()
    scenario['findings'] = [sc.finding(finding_id, severity) for finding_id, severity in zip(IDS, (8.0, 5.0, 2.0))]
    guardduty_emulator.load(scenario)
    client = guardduty_emulator.client(service='securityhub', retries={'total_max_attempts': 1})
    yield client
    assert not guardduty_emulator.emulator_errors


def by_id(client, *finding_ids):
    filters = {'Id': [{'Value': arn(finding_id), 'Comparison': 'EQUALS'} for finding_id in finding_ids]}
    return client.get_findings(Filters=filters)['Findings']


def test_a_guardduty_finding_is_a_security_hub_finding_with_its_arn_as_id(hub, guardduty_emulator):
    found = by_id(hub, IDS[0])
    assert len(found) == 1
    item = found[0]
    assert item['Id'] == arn(IDS[0]) and item['ProductArn'] == PRODUCT and item['AwsAccountId'] == sc.ACCOUNT_ID
    assert item['GeneratorId'] == f'arn:aws:guardduty:{sc.REGION}:{sc.ACCOUNT_ID}:detector/{DET}'
    assert item['Severity']['Label'] == 'HIGH' and item['Workflow'] == {'Status': 'NEW'} and item['RecordState'] == 'ACTIVE'
    assert item['Resources'][0]['Type'] == 'AwsEc2Instance' and item['Resources'][0]['Id'].endswith(f'instance/{sc.INSTANCE_ID}')
    assert [item['Id'] for item in by_id(hub, *IDS)] == [arn(finding_id) for finding_id in IDS]
    assert by_id(hub, 'f' * 32) == []


def test_filters_combine_as_security_hub_documents(hub):
    product = {'ProductArn': [{'Value': PRODUCT, 'Comparison': 'EQUALS'}]}
    assert len(hub.get_findings(Filters=product)['Findings']) == 3
    not_low = dict(product, SeverityLabel=[{'Value': 'LOW', 'Comparison': 'NOT_EQUALS'}])
    assert [item['Id'] for item in hub.get_findings(Filters=not_low)['Findings']] == [arn(IDS[0]), arn(IDS[1])]
    prefix = {'Id': [{'Value': arn(IDS[1])[:-32], 'Comparison': 'PREFIX'}, {'Value': IDS[1], 'Comparison': 'NOT_CONTAINS'}]}
    assert [item['Id'] for item in hub.get_findings(Filters=prefix)['Findings']] == [arn(IDS[0]), arn(IDS[2])]
    with pytest.raises(ClientError) as exc:
        hub.get_findings(Filters={'Confidence': [{'Gte': 50}]})
    assert exc.value.response['ResponseMetadata']['HTTPStatusCode'] == 501
    with pytest.raises(hub.exceptions.InvalidInputException, match='at most 20 are allowed'):
        hub.get_findings(Filters={'Id': [{'Value': arn(f'{index:032x}'), 'Comparison': 'EQUALS'} for index in range(21)]})


def test_get_findings_pages(hub):
    first = hub.get_findings(MaxResults=2)
    second = hub.get_findings(MaxResults=2, NextToken=first['NextToken'])
    assert len(first['Findings']) == 2 and len(second['Findings']) == 1 and 'NextToken' not in second
    assert len([item for page in hub.get_paginator('get_findings').paginate(PaginationConfig={'PageSize': 1}) for item in page['Findings']]) == 3


def test_batch_update_findings_sets_what_it_names_and_leaves_updated_at(hub):
    before = by_id(hub, IDS[0])[0]
    out = hub.batch_update_findings(FindingIdentifiers=[ident(IDS[0]), ident(IDS[1])], Workflow={'Status': 'SUPPRESSED'},
                                    VerificationState='BENIGN_POSITIVE', Note={'Text': 'benign: nightly scan', 'UpdatedBy': 'secops.guardduty'},
                                    UserDefinedFields={'investigation': 'a1b2'})
    assert out == {'ProcessedFindings': [ident(IDS[0]), ident(IDS[1])], 'UnprocessedFindings': [], 'ResponseMetadata': out['ResponseMetadata']}
    after = by_id(hub, IDS[0])[0]
    assert after['Workflow'] == {'Status': 'SUPPRESSED'} and after['VerificationState'] == 'BENIGN_POSITIVE'
    assert after['Note']['Text'] == 'benign: nightly scan' and after['Note']['UpdatedBy'] == 'secops.guardduty' and after['Note']['UpdatedAt']
    assert after['UserDefinedFields'] == {'investigation': 'a1b2'} and after['UpdatedAt'] == before['UpdatedAt']
    hub.batch_update_findings(FindingIdentifiers=[ident(IDS[0])], UserDefinedFields={'ticket': 'SEC-1'})
    assert by_id(hub, IDS[0])[0]['UserDefinedFields'] == {'ticket': 'SEC-1'}  # the map given replaces the finding's
    assert by_id(hub, IDS[2])[0]['Workflow'] == {'Status': 'NEW'} and 'Note' not in by_id(hub, IDS[2])[0]


def test_unknown_and_duplicated_identifiers_are_unprocessed(hub):
    out = hub.batch_update_findings(FindingIdentifiers=[ident('f' * 32), ident(IDS[0], 'arn:aws:securityhub:us-east-1::product/aws/macie'),
                                                        ident(IDS[1]), ident(IDS[1]), ident(IDS[2])], Workflow={'Status': 'NOTIFIED'})
    assert out['ProcessedFindings'] == [ident(IDS[2])]
    assert [(item['FindingIdentifier']['Id'][-32:], item['ErrorCode'], item['ErrorMessage']) for item in out['UnprocessedFindings']] == [
        ('f' * 32, 'FindingNotFound', 'Finding Not Found'), (IDS[0], 'FindingNotFound', 'Finding Not Found'),
        (IDS[1], 'DuplicatedFindingIdentifier', 'Finding Identifier is duplicated'),
        (IDS[1], 'DuplicatedFindingIdentifier', 'Finding Identifier is duplicated')]


@pytest.mark.parametrize('extra,message', [
    ({'Note': {'Text': 'x' * 513, 'UpdatedBy': 'me'}}, 'Note.Text is 513 characters long; the maximum is 512'),
    ({'Note': {'Text': 'ok', 'UpdatedBy': 'u' * 513}}, 'Note.UpdatedBy is 513 characters long; the maximum is 512'),
    ({'UserDefinedFields': {f'k{index}': 'v' for index in range(51)}}, 'holds 51 fields; the maximum is 50'),
    ({'UserDefinedFields': {'k': 'v' * 1025}}, 'a value at most 1024'),
    ({}, 'needs at least one field to update'),
])
def test_documented_limits_are_refused(hub, extra, message):
    with pytest.raises(hub.exceptions.InvalidInputException, match=message):
        hub.batch_update_findings(FindingIdentifiers=[ident(IDS[0])], **extra)
    assert 'Note' not in by_id(hub, IDS[0])[0]


def test_at_most_100_findings_per_call(hub):
    with pytest.raises(hub.exceptions.InvalidInputException, match='1 to 100 findings; this request lists 101'):
        hub.batch_update_findings(FindingIdentifiers=[ident(f'{index:032x}') for index in range(101)], Workflow={'Status': 'NOTIFIED'})
    out = hub.batch_update_findings(FindingIdentifiers=[ident(f'{index:032x}') for index in range(1, 101)], Workflow={'Status': 'NOTIFIED'})
    assert len(out['ProcessedFindings']) == 3 and len(out['UnprocessedFindings']) == 97


def test_security_hub_off_answers_as_an_account_that_has_not_enabled_it(hub, guardduty_emulator, control):
    guardduty_emulator.set_securityhub(enabled=False)
    for call in (lambda: by_id(hub, IDS[0]), lambda: hub.batch_update_findings(FindingIdentifiers=[ident(IDS[0])], Workflow={'Status': 'NOTIFIED'})):
        with pytest.raises(hub.exceptions.InvalidAccessException) as exc:
            call()
        assert exc.value.response['Error']['Message'] == f'Account {sc.ACCOUNT_ID} is not subscribed to AWS Security Hub'
        assert exc.value.response['ResponseMetadata']['HTTPStatusCode'] == 401
    assert control(guardduty_emulator, 'POST', 'securityhub', {'enabled': True})[0] == 200
    assert len(by_id(hub, IDS[0])) == 1
    assert control(guardduty_emulator, 'POST', 'securityhub', {'colour': 'red'})[0] == 400


def test_not_imported_and_archived_findings(hub, guardduty_emulator):
    scenario = sc.empty()
    scenario['findings'] = [sc.finding(finding_id) for finding_id in IDS]
    scenario['securityhub'] = {'not_imported': [IDS[1]]}
    guardduty_emulator.load(scenario)
    assert [item['Id'] for item in by_id(hub, *IDS)] == [arn(IDS[0]), arn(IDS[2])]
    guardduty_emulator.client().archive_findings(DetectorId=DET, FindingIds=[IDS[0]])
    assert by_id(hub, IDS[0])[0]['RecordState'] == 'ARCHIVED'
    assert by_id(hub, IDS[0])[0]['ProductFields']['aws/guardduty/service/archived'] == 'true'
    guardduty_emulator.set_securityhub(not_imported=[])
    assert len(by_id(hub, *IDS)) == 3
    with pytest.raises(ValueError, match='securityhub must be a mapping'):
        guardduty_emulator.load(dict(sc.empty(), securityhub={'enabled': True, 'colour': 1}))


def test_a_member_accounts_finding_has_its_own_arn(hub, guardduty_emulator):
    guardduty_emulator.put_findings([sc.finding('e' * 32, account_id=sc.MEMBER_ACCOUNT_ID)])
    item = guardduty_emulator.securityhub_finding('e' * 32)
    assert item['Id'] == arn('e' * 32, sc.MEMBER_ACCOUNT_ID) and item['AwsAccountId'] == sc.MEMBER_ACCOUNT_ID


def test_told_apart_by_the_signing_service(hub, guardduty_emulator, raw_request):
    status, headers, _body = raw_request('POST', '/findings', {}, service='guardduty')
    assert status == 404 and headers['x-amzn-ErrorType'] == 'UnknownOperationException'
    status, _headers, body = raw_request('POST', '/findings', {}, service='securityhub')
    assert status == 200 and len(body['Findings']) == 3
    status, headers, _body = raw_request('POST', '/findings', {}, service='macie2')
    assert status == 403 and headers['x-amzn-ErrorType'] == 'UnrecognizedClientException'
    status, headers, body = raw_request('POST', '/findings', {'MaxResults': 0}, service='securityhub')
    assert status == 400 and headers['x-amzn-ErrorType'] == 'InvalidInputException' and 'valid min value: 1' in body['Message']
    guardduty_emulator.reset_log()
    by_id(hub, IDS[0])
    assert [(call['operation'], call['service']) for call in guardduty_emulator.calls()] == [('securityhub:GetFindings', 'securityhub')]


def test_denied_operations_faults_and_region_failures_name_security_hub_operations(hub, guardduty_emulator):
    scenario = sc.empty()
    scenario['findings'] = [sc.finding(IDS[0])]
    scenario['denied_operations'] = ['securityhub:BatchUpdateFindings']
    guardduty_emulator.load(scenario)
    assert len(by_id(hub, IDS[0])) == 1
    with pytest.raises(ClientError) as exc:
        hub.batch_update_findings(FindingIdentifiers=[ident(IDS[0])], Workflow={'Status': 'NOTIFIED'})
    assert exc.value.response['Error']['Code'] == 'AccessDeniedException'
    assert 'securityhub:BatchUpdateFindings on resource: arn:aws:securityhub:us-east-1:123456789012:hub/default' in exc.value.response['Error']['Message']
    guardduty_emulator.set_faults(fail_first={'securityhub:GetFindings': 1})
    with pytest.raises(hub.exceptions.InternalException):
        by_id(hub, IDS[0])
    assert len(by_id(hub, IDS[0])) == 1
    guardduty_emulator.set_faults(throttle_every=1)
    with pytest.raises(hub.exceptions.LimitExceededException):
        by_id(hub, IDS[0])
    guardduty_emulator.set_faults()
    guardduty_emulator.set_region_errors({'us-east-1': 'access_denied'})
    with pytest.raises(ClientError, match='explicit deny'):
        by_id(hub, IDS[0])


def test_each_region_has_its_own_security_hub(guardduty_emulator):
    guardduty_emulator.load(sc.regional())
    for region in sc.REGIONAL_REGIONS:
        client = guardduty_emulator.client(region, service='securityhub')
        found = client.get_findings()['Findings']
        assert [item['Region'] for item in found] == [region]
        assert found[0]['ProductArn'] == f'arn:aws:securityhub:{region}::product/aws/guardduty'
    guardduty_emulator.set_securityhub(enabled=False, region='eu-west-1')
    with pytest.raises(ClientError):
        guardduty_emulator.client('eu-west-1', service='securityhub').get_findings()
    assert guardduty_emulator.client('us-east-1', service='securityhub').get_findings()['Findings']
