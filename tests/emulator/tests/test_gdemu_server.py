"""Wire-level behaviour: auth, routing, validation, error bodies, keep-alive, control plane, run.py."""
from __future__ import annotations

import inspect
import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import botocore.loaders
import botocore.model
import botocore.session
import pytest

from gdemu import Emulator, model as model_mod, scenarios as sc
from gdemu.model import Router, service_model

DET = sc.DETECTOR_ID
RUN_PY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'run.py')


def test_every_model_operation_routes_to_itself():
    router = Router()
    for name in service_model().operation_names:
        http = service_model().operation_model(name).http
        path = http['requestUri'].split('?')[0].replace('{', 'x').replace('+}', '').replace('}', '')
        operation, _labels = router.resolve(http['method'], path)
        assert operation.name == name


def test_unsigned_and_wrongly_scoped_requests(raw_request, guardduty_emulator):
    for service in (None, 's3'):
        status, headers, body = raw_request('GET', f'/detector/{DET}', service=service)
        assert status == 403 and headers['x-amzn-ErrorType'] == 'UnrecognizedClientException'
        assert body['__type'] == 'UnrecognizedClientException' and body['message']
    assert [call['status'] for call in guardduty_emulator.calls('GetDetector')] == [403, 403]


def test_error_body_and_request_validation(raw_request):
    status, headers, body = raw_request('POST', f'/detector/{DET}/investigation/list', {'bogus': 1})
    assert status == 400 and headers['x-amzn-ErrorType'] == 'BadRequestException'
    assert set(body) == {'message', 'type', '__type'} and 'Unknown parameter' in body['message']
    status, _headers, body = raw_request('POST', f'/detector/{DET}/investigation/list', {'maxResults': 'ten'})
    assert status == 400 and 'MaxResults' in body['message']
    status, _headers, body = raw_request('POST', f'/detector/{DET}/investigation/list', {'sortCriteria': {'attributeName': 'TITLE'}})
    assert status == 400 and 'valid values' in body['message']
    status, _headers, body = raw_request('POST', f'/detector/{DET}/investigation', {'triggerPrompt': 'x' * 2049})
    assert status == 400 and 'max length' in body['message']
    status, _headers, body = raw_request('POST', f'/detector/{DET}/investigation', b'{not json')
    assert status == 400
    status, _headers, body = raw_request('GET', f'/detector/{DET}/investigation/{sc.COMPLETED_INV_ID}?summaryFormat=PDF')
    assert status == 400 and 'SummaryFormat' in body['message']


def test_unknown_path_and_not_emulated(client, raw_request):
    status, headers, _body = raw_request('GET', '/no/such/path')
    assert status == 404 and headers['x-amzn-ErrorType'] == 'UnknownOperationException'
    with pytest.raises(client.exceptions.ClientError) as exc:
        client.list_ip_sets(DetectorId=DET)
    assert exc.value.response['ResponseMetadata']['HTTPStatusCode'] == 501
    assert 'not emulated' in exc.value.response['Error']['Message']


def test_keep_alive(client, guardduty_emulator):
    for _attempt in range(10):
        client.get_investigation(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID)
    assert guardduty_emulator.connections_accepted == 1


def test_invalid_response_is_an_emulator_error(guardduty_emulator, make_client, monkeypatch):
    monkeypatch.setattr(guardduty_emulator.state, '_list_detectors', lambda params, ctx: ({'DetectorIds': 'oops'}, None, False))
    with pytest.raises(make_client().exceptions.InternalServerErrorException):
        make_client(retries={'total_max_attempts': 1}).list_detectors()
    assert guardduty_emulator.emulator_errors[0]['operation'] == 'ListDetectors'


def test_control_plane(control, client, guardduty_emulator):
    assert control(guardduty_emulator, 'GET', 'health')[1]['status'] == 'ok'
    assert control(guardduty_emulator, 'POST', 'scenario', {'name': 'demo'})[0] == 200
    assert client.get_investigation(DetectorId=DET, InvestigationId=sc.ORG_INV_ID)['Investigation']['Status'] == 'COMPLETED'
    assert control(guardduty_emulator, 'POST', 'scenario', {'name': 'many', 'args': {'n': 3}})[1]['state']['investigations'] == 3
    assert control(guardduty_emulator, 'POST', 'scenario', sc.detectors(2))[1]['state']['detectors'] == [DET, sc.SECOND_DETECTOR_ID]
    assert control(guardduty_emulator, 'POST', 'scenario', {'detectors': [], 'bogus': 1})[0] == 400
    assert control(guardduty_emulator, 'POST', 'faults', {'fail_first': {'ListDetectors': 1}})[0] == 200
    with pytest.raises(client.exceptions.InternalServerErrorException):
        client.list_detectors()
    assert control(guardduty_emulator, 'POST', 'faults', {'nope': 1})[0] == 400
    assert control(guardduty_emulator, 'POST', 'faults', {})[0] == 200
    client.create_investigation(DetectorId=DET, TriggerPrompt='Analyze findings in my organization')
    log = control(guardduty_emulator, 'GET', 'log')[1]
    assert log['counts'] == {'ListDetectors': 1, 'CreateInvestigation': 1} and len(log['created']) == 1
    assert log['counts_by_id'] == {log['created'][0]: {'CreateInvestigation': 1}} and log['emulator_errors'] == []
    assert control(guardduty_emulator, 'POST', 'reset-log')[0] == 200
    assert control(guardduty_emulator, 'GET', 'log')[1]['calls'] == []
    assert control(guardduty_emulator, 'GET', 'nope')[0] == 404


def test_context_manager_and_stop():
    with Emulator('basic', port=0) as emulator:
        url = emulator.url
        assert emulator.port and url.startswith('http://127.0.0.1:')
    with pytest.raises(OSError):
        urllib.request.urlopen(f'{url}/_emulator/health', timeout=2)  # pylint: disable=consider-using-with


def test_run_py_command(tmp_path):
    port_file = tmp_path / 'port'
    with subprocess.Popen([sys.executable, RUN_PY, '--port', '0', '--scenario', 'demo', '--latency-ms', '1', '--port-file', str(port_file)],
                          stdout=subprocess.PIPE, text=True) as process:
        try:
            line = process.stdout.readline().strip()
            assert line.startswith('GDEMU_URL=http://127.0.0.1:')
            url = line.split('=', 1)[1]
            assert url.endswith(':' + port_file.read_text(encoding='utf-8').strip())
            with urllib.request.urlopen(f'{url}/_emulator/health', timeout=5) as response:
                assert json.loads(response.read())['state']['investigations'] == 3
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0


def older_model():
    """GuardDuty's service model as botocore 1.43.35 had it: no records operation, no SummaryData or Scope."""
    data = botocore.loaders.Loader().load_service_model('guardduty', 'service-2')
    data = json.loads(json.dumps(data))
    del data['operations']['ListInvestigationRecords']
    for member in ('SummaryData', 'Scope'):
        del data['shapes']['Investigation']['members'][member]
    return data


def test_run_py_says_which_botocore_it_needs(tmp_path):
    model_dir = tmp_path / 'data' / 'guardduty' / service_model().api_version
    model_dir.mkdir(parents=True)
    (model_dir / 'service-2.json').write_text(json.dumps(older_model()), encoding='utf-8')
    env = dict(os.environ, AWS_DATA_PATH=str(tmp_path / 'data'))
    proc = subprocess.run([sys.executable, RUN_PY, '--scenario', 'demo'], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and proc.stdout == ''
    assert proc.stderr.count('\n') == 1 and 'Traceback' not in proc.stderr
    assert proc.stderr.startswith('run.py: the GuardDuty emulator needs botocore >= 1.44.2, ')
    assert 'lacks ListInvestigationRecords, Investigation.SummaryData, Investigation.Scope. Run it with scripts/emulator' in proc.stderr


def test_run_py_without_botocore():
    hide_botocore = f"import runpy, sys; sys.modules['botocore'] = None; sys.argv = [{RUN_PY!r}]; runpy.run_path({RUN_PY!r}, run_name='__main__')"
    proc = subprocess.run([sys.executable, '-c', hide_botocore], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1 and proc.stdout == ''
    assert proc.stderr.count('\n') == 1 and 'Traceback' not in proc.stderr
    assert 'needs botocore >= 1.44.2, and this Python' in proc.stderr and 'has no botocore' in proc.stderr


def test_run_py_port_in_use_and_unknown_scenario():
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, RUN_PY, '--port', str(port)], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and proc.stdout == ''
    assert proc.stderr == f'run.py: cannot listen on 127.0.0.1:{port}: Address already in use (--port 0 picks a free port)\n'
    proc = subprocess.run([sys.executable, RUN_PY, '--scenario', 'no-such-scenario'], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert 'error: --scenario no-such-scenario: not a builder name and not a readable JSON file' in proc.stderr


def test_emulator_refuses_an_old_model_in_one_sentence(monkeypatch):
    monkeypatch.setattr(model_mod, 'service_model', lambda: botocore.model.ServiceModel(older_model(), 'guardduty'))
    with pytest.raises(model_mod.ModelTooOld, match=r'needs botocore >= 1\.44\.2, .* lacks ListInvestigationRecords, Investigation\.SummaryData'):
        Emulator('demo')


def test_botocore_client_helper(guardduty_emulator):
    client = guardduty_emulator.client(retries={'total_max_attempts': 1})
    assert client.list_detectors()['DetectorIds'] == [DET]
    assert guardduty_emulator.calls()[0]['access_key_id'] == 'AKIDEMULATORTESTKEY00000000000001'


def test_run_py_takes_a_scenarios_arguments(tmp_path):
    """--scenario NAME:ARG=VALUE,... builds the scenario with those arguments (the regional scenario's running and
    running_for, a list joined with +); an argument the builder does not take is refused in one line."""
    spec = 'regional:regions=us-east-1+eu-north-1,running=2,running_for=60'
    with subprocess.Popen([sys.executable, RUN_PY, '--port', '0', '--scenario', spec], stdout=subprocess.PIPE, text=True) as process:
        try:
            url = process.stdout.readline().strip().split('=', 1)[1]
            with urllib.request.urlopen(f'{url}/_emulator/health', timeout=5) as response:
                assert json.loads(response.read())['state']['investigations'] == 3  # us-east-1's: per_region's default
            client = botocore.session.get_session().create_client(  # signing for eu-north-1
                'guardduty', endpoint_url=url, region_name='eu-north-1', aws_access_key_id='AKIDEMULATORTESTKEY00000000000001',
                aws_secret_access_key='emulator-test-secret-key-that-cannot-occur-in-data-0001')
            detector = client.list_detectors()['DetectorIds'][0]
            listed = client.list_investigations(DetectorId=detector, SortCriteria={'AttributeName': 'START_TIME', 'OrderBy': 'DESC'})
            statuses = [i['Status'] for i in listed['Investigations']]
            assert sorted(statuses) == ['COMPLETED', 'RUNNING', 'RUNNING']  # running=2 of 3
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
    proc = subprocess.run([sys.executable, RUN_PY, '--scenario', 'regional:runing=2'], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert "unexpected keyword argument 'runing'" in proc.stderr and 'see scripts/emulator --help' in proc.stderr


def test_the_readme_lists_every_scenario_with_its_arguments():
    """tests/emulator/README.md (what scripts/emulator --help prints) names every builder and every argument it takes."""
    with open(os.path.join(os.path.dirname(RUN_PY), 'README.md'), encoding='utf-8') as handle:
        section = handle.read().split('## Scenarios\n', 1)[1].split('\n## ', 1)[0]
    rows = {re.match(r'\| `([a-z_]+)` \| ([^|]*) \|', line).group(1): line for line in section.splitlines() if re.match(r'\| `[a-z_]+` \|', line)}
    assert set(rows) == set(sc.BUILDERS)
    for name, builder in sc.BUILDERS.items():
        arguments = rows[name].split('|')[2]
        for parameter in inspect.signature(builder).parameters:
            assert f'`{parameter}`' in arguments, (name, parameter)
        if not inspect.signature(builder).parameters:
            assert arguments.strip() == 'none', name
    assert sc.regional_id('eu-west-1', 0) in section and sc.regional_detector_id('eu-west-1') in section
