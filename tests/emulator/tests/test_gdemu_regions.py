"""Regions: each request answered in the Region of its SigV4 credential scope; Region failures; per-Region admin calls."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from gdemu import scenarios as sc
from gdemu.regions import World

REGIONS = sc.REGIONAL_REGIONS
OTHER = 'eu-central-1'  # a Region without content
RUN_PY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'run.py')
INVESTIGATION_OPERATIONS = ('ListInvestigations', 'GetInvestigation', 'ListInvestigationRecords', 'CreateInvestigation')


@pytest.fixture
def clients(make_client, guardduty_emulator):
    """{Region: boto3 client signing for that Region, without retries}; the emulator must stay error-free."""
    guardduty_emulator.load(sc.regional())
    yield {region: make_client(region=region, retries={'total_max_attempts': 1}) for region in REGIONS + (OTHER,)}
    assert not guardduty_emulator.emulator_errors


def own_ids(region):
    return {sc.regional_id(region, index) for index in range(3)}


def signed(emulator, method, path, region, body=None):
    """A raw request signed (not verifiably: the emulator reads the scope) for ``region`` -> (status, headers, JSON body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(emulator.url + path, data=data, method=method)
    request.add_header('Authorization', f'AWS4-HMAC-SHA256 Credential=AKIDRAWREQUEST000001/20260101/{region}/guardduty/aws4_request, '
                                        'SignedHeaders=host;x-amz-date, Signature=' + '0' * 64)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b'{}')
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b'{}')


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as exc:
        call(*args, **kwargs)
    response = exc.value.response
    return response['ResponseMetadata']['HTTPStatusCode'], response['Error']['Code'], response['Error']['Message']


def test_three_regions_answer_only_their_own(clients, guardduty_emulator):
    for region in REGIONS:
        client, detector_id = clients[region], sc.regional_detector_id(region)
        assert client.list_detectors()['DetectorIds'] == [detector_id]
        listed = client.list_investigations(DetectorId=detector_id)['Investigations']
        assert {item['InvestigationId'] for item in listed} == own_ids(region)
        assert all(item['Title'].startswith(f'{region} ') for item in listed)
        inv = client.get_investigation(DetectorId=detector_id, InvestigationId=sc.regional_id(region, 0))['Investigation']
        assert inv['Cloud']['Region'] == region
        assert client.list_findings(DetectorId=detector_id)['FindingIds'] == [sc.regional_finding_id(region)]
        finding = client.get_findings(DetectorId=detector_id, FindingIds=[sc.regional_finding_id(r) for r in REGIONS])['Findings']
        assert [(item['Id'], item['Region']) for item in finding] == [(sc.regional_finding_id(region), region)]
        for other in REGIONS:
            if other == region:
                continue
            status, code, message = error_of(client.list_investigations, DetectorId=sc.regional_detector_id(other))
            assert (status, code) == (400, 'BadRequestException') and 'not owned by the current account' in message
            with pytest.raises(client.exceptions.ResourceNotFoundException):
                client.get_investigation(DetectorId=detector_id, InvestigationId=sc.regional_id(other, 0))
    assert {call['region'] for call in guardduty_emulator.calls()} == set(REGIONS)


def test_the_same_id_in_two_regions_is_two_investigations(clients, guardduty_emulator):
    guardduty_emulator.load({'regions': {'us-east-1': sc.demo(), 'eu-west-1': sc.demo()}})
    assert guardduty_emulator.world.regions() == ['us-east-1', 'eu-west-1']
    east, west = clients['us-east-1'], clients['eu-west-1']
    west_inv = west.get_investigation(DetectorId=sc.DETECTOR_ID, InvestigationId=sc.ACCOUNT_INV_ID)['Investigation']
    assert west_inv['Cloud']['Region'] == 'eu-west-1'
    created = west.create_investigation(DetectorId=sc.DETECTOR_ID, TriggerPrompt='Analyze findings in my organization')['InvestigationId']
    assert west.get_investigation(DetectorId=sc.DETECTOR_ID, InvestigationId=created)['Investigation']['Cloud']['Region'] == 'eu-west-1'
    with pytest.raises(east.exceptions.ResourceNotFoundException):
        east.get_investigation(DetectorId=sc.DETECTOR_ID, InvestigationId=created)
    assert len(east.list_investigations(DetectorId=sc.DETECTOR_ID)['Investigations']) == 3
    assert guardduty_emulator.created(region='eu-west-1') == [created] == guardduty_emulator.created()
    assert guardduty_emulator.created(region='us-east-1') == []


def test_quota_counts_per_region(clients, guardduty_emulator):
    guardduty_emulator.load({'regions': {region: dict(sc.empty(), quota={'daily': 1}) for region in ('us-east-1', 'eu-west-1')}})
    for region in ('us-east-1', 'eu-west-1'):
        clients[region].create_investigation(DetectorId=sc.DETECTOR_ID, TriggerPrompt='Analyze findings in my organization')
    status, code, message = error_of(clients['eu-west-1'].create_investigation, DetectorId=sc.DETECTOR_ID, TriggerPrompt='Analyze my account')
    assert (status, code) == (400, 'BadRequestException') and 'daily investigation quota (1 per account)' in message


def test_a_region_without_content_has_no_detector(clients):
    client = clients[OTHER]
    assert client.list_detectors()['DetectorIds'] == []
    status, code, message = error_of(client.get_detector, DetectorId=sc.DETECTOR_ID)
    assert (status, code) == (400, 'BadRequestException') and 'not owned by the current account' in message
    with pytest.raises(client.exceptions.BadRequestException):
        client.list_investigations(DetectorId=sc.DETECTOR_ID)


def test_a_scenario_without_regions_is_the_same_in_every_region(make_client, guardduty_emulator):
    guardduty_emulator.load('demo')
    for region in ('us-east-1', 'eu-west-1', 'ap-southeast-2'):
        client = make_client(region=region, retries={'total_max_attempts': 1})
        assert client.list_detectors()['DetectorIds'] == [sc.DETECTOR_ID]
        assert client.get_investigation(DetectorId=sc.DETECTOR_ID, InvestigationId=sc.ORG_INV_ID)['Investigation']['Status'] == 'COMPLETED'
    assert guardduty_emulator.world.regions() == [] and guardduty_emulator.state is guardduty_emulator.world.state('eu-west-1')
    assert [call['region'] for call in guardduty_emulator.calls('ListDetectors')] == ['us-east-1', 'eu-west-1', 'ap-southeast-2']
    assert guardduty_emulator.count('ListDetectors') == 3 and guardduty_emulator.count('ListDetectors', region='eu-west-1') == 1


def test_regions_empty_keeps_the_top_level_in_its_own_region(make_client, guardduty_emulator):
    guardduty_emulator.load(dict(sc.demo(), regions={}))
    assert make_client().list_detectors()['DetectorIds'] == [sc.DETECTOR_ID]
    assert make_client(region='eu-west-1').list_detectors()['DetectorIds'] == []
    guardduty_emulator.load(dict(sc.demo(), region='eu-west-1', regions={'us-east-1': 'basic'}))
    west = make_client(region='eu-west-1').get_investigation(DetectorId=sc.DETECTOR_ID, InvestigationId=sc.ORG_INV_ID)['Investigation']
    assert west['Cloud']['Region'] == 'eu-west-1'
    east = make_client().list_investigations(DetectorId=sc.DETECTOR_ID)['Investigations']
    assert sc.COMPLETED_INV_ID in {item['InvestigationId'] for item in east}


def test_load_and_put_findings_in_one_region(make_client, guardduty_emulator):
    guardduty_emulator.load('demo')
    east = make_client(retries={'total_max_attempts': 1})
    east.list_detectors()
    guardduty_emulator.load(sc.basic(), region='eu-west-1')
    west = make_client(region='eu-west-1', retries={'total_max_attempts': 1})
    assert {item['InvestigationId'] for item in west.list_investigations(DetectorId=sc.DETECTOR_ID)['Investigations']} >= {sc.COMPLETED_INV_ID}
    assert east.get_investigation(DetectorId=sc.DETECTOR_ID, InvestigationId=sc.ORG_INV_ID)['Investigation']
    assert make_client(region=OTHER).list_detectors()['DetectorIds'] == []
    assert guardduty_emulator.count('ListDetectors', region='us-east-1') == 1  # loading one Region keeps the call log
    west_finding = sc.finding('ab' * 16)
    del west_finding['Region']  # defaults to the Region it is put in
    guardduty_emulator.put_findings([west_finding], region='eu-west-1')
    guardduty_emulator.put_findings([sc.finding('cd' * 16)])
    assert west.list_findings(DetectorId=sc.DETECTOR_ID)['FindingIds'] == ['ab' * 16]
    assert east.list_findings(DetectorId=sc.DETECTOR_ID)['FindingIds'] == ['cd' * 16]
    assert west.get_findings(DetectorId=sc.DETECTOR_ID, FindingIds=['ab' * 16])['Findings'][0]['Region'] == 'eu-west-1'
    with pytest.raises(ValueError, match='unknown detector_id'):
        guardduty_emulator.put_findings([sc.finding()], region=OTHER)


def test_raw_requests_are_told_apart_by_their_credential_scope(guardduty_emulator):
    guardduty_emulator.load(sc.regional())
    for region in REGIONS:
        status, _headers, body = signed(guardduty_emulator, 'GET', '/detector', region)
        assert status == 200 and body['detectorIds'] == [sc.regional_detector_id(region)]
    assert [call['region'] for call in guardduty_emulator.calls('ListDetectors')] == list(REGIONS)


# ---------------------------------------------------------------- failures

def test_no_detector(clients, guardduty_emulator):
    guardduty_emulator.set_region_errors({'eu-west-1': 'no detector'})
    west, detector_id = clients['eu-west-1'], sc.regional_detector_id('eu-west-1')
    assert west.list_detectors()['DetectorIds'] == []
    status, code, message = error_of(west.list_investigations, DetectorId=detector_id)
    assert (status, code) == (400, 'BadRequestException') and 'not owned by the current account' in message
    assert clients['us-east-1'].list_detectors()['DetectorIds'] == [sc.DETECTOR_ID]
    guardduty_emulator.set_region_errors({})
    assert west.list_detectors()['DetectorIds'] == [detector_id]


def test_ai_analysis_not_enabled(clients, guardduty_emulator):
    guardduty_emulator.set_region_errors({'eu-west-1': 'AI analysis not enabled'})
    assert guardduty_emulator.region_errors == {'eu-west-1': 'ai_analysis_not_enabled'}
    west, detector_id = clients['eu-west-1'], sc.regional_detector_id('eu-west-1')
    assert west.list_detectors()['DetectorIds'] == [detector_id]
    features = {item['Name']: item['Status'] for item in west.get_detector(DetectorId=detector_id)['Features']}
    assert features['AI_ANALYST'] == 'DISABLED' and features['CLOUD_TRAIL'] == 'ENABLED'
    calls = {'ListInvestigations': lambda: west.list_investigations(DetectorId=detector_id),
             'GetInvestigation': lambda: west.get_investigation(DetectorId=detector_id, InvestigationId=sc.regional_id('eu-west-1', 0)),
             'ListInvestigationRecords': lambda: west.list_investigation_records(DetectorId=detector_id,
                                                                                 InvestigationId=sc.regional_id('eu-west-1', 0)),
             'CreateInvestigation': lambda: west.create_investigation(DetectorId=detector_id, TriggerPrompt='Analyze my account')}
    for operation in INVESTIGATION_OPERATIONS:
        status, code, message = error_of(calls[operation])
        assert (status, code) == (400, 'BadRequestException'), operation
        assert message.startswith(f'The AI_ANALYST feature is not enabled for the detector {detector_id}.')
    assert west.list_findings(DetectorId=detector_id)['FindingIds'] == [sc.regional_finding_id('eu-west-1')]  # findings are not AI analysis
    assert clients['us-east-1'].list_investigations(DetectorId=sc.DETECTOR_ID)['Investigations']
    status, headers, body = signed(guardduty_emulator, 'POST', f'/detector/{detector_id}/investigation/list', 'eu-west-1', {})
    assert status == 400 and headers['x-amzn-ErrorType'] == 'BadRequestException'
    assert set(body) == {'message', 'type', '__type'} and body['__type'] == body['type'] == 'BadRequestException'


def test_access_denied(clients, guardduty_emulator):
    guardduty_emulator.set_region_errors({'eu-west-1': 'access_denied'})
    west, detector_id = clients['eu-west-1'], sc.regional_detector_id('eu-west-1')
    status, code, message = error_of(west.list_detectors)
    assert (status, code) == (403, 'AccessDeniedException')
    assert message == ('User: arn:aws:iam::123456789012:user/gdemu is not authorized to perform: guardduty:ListDetectors on resource: '
                       'arn:aws:guardduty:eu-west-1:123456789012:detector/* with an explicit deny in a service control policy')
    with pytest.raises(west.exceptions.AccessDeniedException, match=f'detector/{detector_id} '):
        west.list_investigations(DetectorId=detector_id)
    with pytest.raises(west.exceptions.AccessDeniedException):
        west.list_findings(DetectorId=detector_id)
    assert clients['ap-northeast-1'].list_detectors()['DetectorIds'] == [sc.regional_detector_id('ap-northeast-1')]
    status, headers, body = signed(guardduty_emulator, 'GET', '/detector', 'eu-west-1')
    assert status == 403 and headers['x-amzn-ErrorType'] == 'AccessDeniedException'
    assert set(body) == {'message', 'type', '__type'} and body['__type'] == 'AccessDeniedException'


def test_unreachable_after_retries(clients, guardduty_emulator, make_client):
    guardduty_emulator.set_region_errors({'eu-west-1': 'unreachable'})
    retrying = make_client(region='eu-west-1', retries={'mode': 'standard', 'total_max_attempts': 3})
    with pytest.raises(ConnectionClosedError):
        retrying.list_detectors()
    assert [call['status'] for call in guardduty_emulator.calls(region='eu-west-1')] == [0, 0, 0]
    assert clients['us-east-1'].list_detectors()['DetectorIds'] == [sc.DETECTOR_ID]
    guardduty_emulator.set_region_errors()
    assert retrying.list_detectors()['ResponseMetadata']['RetryAttempts'] == 0


def test_region_errors_in_the_scenario_and_the_control_plane(control, make_client, guardduty_emulator):
    guardduty_emulator.load(dict(sc.demo(), region_errors={'eu-west-1': 'access denied'}))  # every Region sees the demo ...
    assert make_client().list_detectors()['DetectorIds'] == [sc.DETECTOR_ID]
    with pytest.raises(make_client(region='eu-west-1').exceptions.AccessDeniedException):  # ... but one fails
        make_client(region='eu-west-1', retries={'total_max_attempts': 1}).list_detectors()
    status, body = control(guardduty_emulator, 'POST', 'region-errors', {'eu-west-1': 'no-detector', 'us-east-2': 'UNREACHABLE'})
    assert status == 200 and body['region_errors'] == {'eu-west-1': 'no_detector', 'us-east-2': 'unreachable'}
    assert make_client(region='eu-west-1').list_detectors()['DetectorIds'] == []
    assert control(guardduty_emulator, 'GET', 'health')[1]['state']['region_errors'] == body['region_errors']
    assert control(guardduty_emulator, 'POST', 'region-errors', {'eu-west-1': 'on fire'})[0] == 400
    assert control(guardduty_emulator, 'POST', 'region-errors', {'eu-west': 'unreachable'})[0] == 400
    assert guardduty_emulator.region_errors == body['region_errors']  # a refused change changes nothing
    assert control(guardduty_emulator, 'POST', 'region-errors', {})[1]['region_errors'] == {}
    guardduty_emulator.load('demo')
    assert guardduty_emulator.region_errors == {}  # a new scenario brings its own


def test_faults_of_one_region(control, clients, guardduty_emulator):
    guardduty_emulator.set_faults(region='eu-west-1', fail_first={'ListDetectors': 1})
    assert clients['us-east-1'].list_detectors()
    with pytest.raises(clients['eu-west-1'].exceptions.InternalServerErrorException):
        clients['eu-west-1'].list_detectors()
    assert clients['eu-west-1'].list_detectors()
    assert control(guardduty_emulator, 'POST', 'faults?region=ap-northeast-1', {'throttle_every': 1})[0] == 200
    assert error_of(clients['ap-northeast-1'].list_detectors)[:2] == (429, 'ThrottlingException')
    assert clients['eu-west-1'].list_detectors()
    assert set(control(guardduty_emulator, 'GET', 'health')[1]['faults']['regions']) == {'eu-west-1', 'ap-northeast-1'}
    guardduty_emulator.clear_faults()
    assert clients['ap-northeast-1'].list_detectors()


# ---------------------------------------------------------------- admin calls

def test_counts_per_region(control, clients, guardduty_emulator):
    for region, times in zip(REGIONS, (1, 2, 3)):
        for _time in range(times):
            clients[region].list_investigations(DetectorId=sc.regional_detector_id(region))
    assert [guardduty_emulator.count('ListInvestigations', region=region) for region in REGIONS] == [1, 2, 3]
    assert guardduty_emulator.count('ListInvestigations') == 6 and guardduty_emulator.count(region=OTHER) == 0
    assert {call['region'] for call in guardduty_emulator.calls('ListInvestigations', region='eu-west-1')} == {'eu-west-1'}
    log = control(guardduty_emulator, 'GET', 'log')[1]
    assert log['counts'] == {'ListInvestigations': 6}
    assert log['counts_by_region'] == {region: {'ListInvestigations': times} for region, times in zip(REGIONS, (1, 2, 3))}
    west = control(guardduty_emulator, 'GET', 'log?region=eu-west-1')[1]
    assert west['counts'] == {'ListInvestigations': 2} and len(west['calls']) == 2


def test_control_plane_per_region(control, make_client, guardduty_emulator):
    status, body = control(guardduty_emulator, 'POST', 'scenario', {'name': 'demo', 'regions': {'eu-west-1': 'basic'}})
    assert status == 200 and set(body['state']['regions']) == {'us-east-1', 'eu-west-1'}
    status, body = control(guardduty_emulator, 'POST', 'scenario?region=ap-northeast-1', {'name': 'many', 'args': {'n': 4}})
    assert status == 200 and body['state']['investigations'] == 4
    assert len(make_client(region='ap-northeast-1').list_investigations(DetectorId=sc.DETECTOR_ID)['Investigations']) == 4
    finding = sc.finding('ef' * 16, region='ap-northeast-1')
    assert control(guardduty_emulator, 'POST', 'findings?region=ap-northeast-1', {'findings': [finding]})[0] == 200
    assert make_client(region='ap-northeast-1').list_findings(DetectorId=sc.DETECTOR_ID)['FindingIds'] == ['ef' * 16]
    assert make_client().list_findings(DetectorId=sc.DETECTOR_ID)['FindingIds'] == []
    health = control(guardduty_emulator, 'GET', 'health?region=eu-west-1')[1]
    assert health['state']['investigations'] == 5
    assert control(guardduty_emulator, 'GET', 'health?region=Europe')[0] == 400
    assert control(guardduty_emulator, 'POST', 'scenario', sc.regional())[1]['state']['regions']['eu-west-1']['investigations'] == 3


def test_scenario_format_is_checked():
    world = World()
    before = world.summary()
    with pytest.raises(ValueError, match="regions: 'eu-west' is not a Region name"):
        world.load({'regions': {'eu-west': sc.empty()}})
    with pytest.raises(ValueError, match='may not hold regions'):
        world.load({'regions': {'eu-west-1': {'regions': {}}}})
    with pytest.raises(ValueError, match='unknown regions'):
        world.load({'regions': {'eu-west-1': {'detectorz': []}}})
    with pytest.raises(ValueError, match="its top level may not also give content \\(detectors, investigations\\)"):
        world.load(dict(sc.empty(), regions={'us-east-1': sc.empty()}))
    with pytest.raises(ValueError, match='unknown Region failure'):
        world.load(dict(sc.empty(), region_errors={'eu-west-1': 'slow'}))
    with pytest.raises(ValueError, match='RiskLevel'):
        broken = sc.regional()
        broken['regions']['eu-west-1']['investigations'][0]['investigation']['RiskLevel'] = 'Severe'
        world.load(broken)
    assert world.summary() == before and world.regions() == []  # nothing changed
    world.load(sc.regional(('eu-west-1', 'eu-north-1'), per_region=2))
    assert world.regions() == ['eu-west-1', 'eu-north-1'] and world.home_region == 'eu-west-1'
    assert world.summary()['regions']['eu-north-1']['investigations'] == 2


def test_regional_builder_interleaves_start_times(clients):
    listed = []
    for region in REGIONS:
        listed += clients[region].list_investigations(DetectorId=sc.regional_detector_id(region))['Investigations']
    newest_first = [item['InvestigationId'] for item in sorted(listed, key=lambda item: item['StartTime'], reverse=True)]
    assert newest_first[:3] == [sc.regional_id(region, 0) for region in REGIONS]
    risks = {item['InvestigationId']: item['RiskLevel'] for item in listed}
    assert [risks[sc.regional_id(region, 0)] for region in REGIONS] == ['Critical', 'High', 'Medium']


def test_run_py_serves_a_scenario_file_with_regions(tmp_path):
    scenario = dict(sc.regional(), region_errors={'eu-west-1': 'unreachable'})
    path = tmp_path / 'regions.json'
    path.write_text(json.dumps(scenario), encoding='utf-8')
    with subprocess.Popen([sys.executable, RUN_PY, '--port', '0', '--scenario', str(path)], stdout=subprocess.PIPE, text=True) as process:
        try:
            url = process.stdout.readline().strip().split('=', 1)[1]
            with urllib.request.urlopen(f'{url}/_emulator/health', timeout=5) as response:
                state = json.loads(response.read())['state']
            assert set(state['regions']) == set(REGIONS) and state['region_errors'] == {'eu-west-1': 'unreachable'}
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
