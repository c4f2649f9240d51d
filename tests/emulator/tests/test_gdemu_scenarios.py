"""Scenario builders, load-time validation and hostile content round-trips."""
from __future__ import annotations

import json
import time

import pytest

from gdemu import scenarios as sc
from gdemu.state import State

DET = sc.DETECTOR_ID


@pytest.mark.parametrize('name', sorted(sc.BUILDERS))
def test_builders_load(name):
    assert State(sc.build(name)).summary()['account_id'] == sc.ACCOUNT_ID


@pytest.mark.parametrize('count', [0, 1, 2])
def test_detectors_builder(count):
    assert len(State(sc.detectors(count)).summary()['detectors']) == count


def test_load_rejects_model_violations():
    scenario = sc.basic()
    scenario['investigations'][0]['investigation']['RiskLevel'] = 'Severe'
    with pytest.raises(ValueError, match='RiskLevel'):
        State(scenario)
    scenario = sc.basic()
    scenario['investigations'][0]['records'][0]['Type'] = 'NOTE'
    with pytest.raises(ValueError, match='records'):
        State(scenario)
    with pytest.raises(ValueError, match='unknown scenario key'):
        State({'detectorz': []})
    with pytest.raises(ValueError, match='unknown detector_id'):
        State({'detectors': [], 'investigations': [{'detector_id': 'x', 'investigation': {'InvestigationId': 'ab'}}]})


def test_demo_finding_completes(client, guardduty_emulator, monkeypatch):
    guardduty_emulator.load('demo')
    assert client.get_investigation(DetectorId=DET, InvestigationId=sc.FINDING_INV_ID)['Investigation']['Status'] == 'RUNNING'
    assert client.list_investigation_records(DetectorId=DET, InvestigationId=sc.FINDING_INV_ID)['Records'] == []
    later = time.time() + sc.DEMO_RUNNING_FOR + 1
    monkeypatch.setattr(time, 'time', lambda: later)
    done = client.get_investigation(DetectorId=DET, InvestigationId=sc.FINDING_INV_ID, SummaryFormat='STRUCTURED')['Investigation']
    assert done['Status'] == 'COMPLETED' and done['RiskLevel'] == 'Critical' and done['SummaryData']['Countermeasures']
    assert len(client.list_investigation_records(DetectorId=DET, InvestigationId=sc.FINDING_INV_ID)['Records']) == 8


def test_hostile_round_trip(client, guardduty_emulator):
    guardduty_emulator.load('hostile')
    inv = client.get_investigation(DetectorId=DET, InvestigationId=sc.HOSTILE_INV_ID, SummaryFormat='STRUCTURED')['Investigation']
    assert inv['Risk'] == sc.HOSTILE_TEXT and sc.JINJA_PAYLOAD in inv['TriggerPrompt']
    assert inv['SummaryData']['KeyObservations']['Observations'] == [
        sc.JINJA_PAYLOAD, sc.JINJA_BLOCK_PAYLOAD, sc.SCRIPT_PAYLOAD, sc.ANSI_PAYLOAD, sc.NON_ASCII_PAYLOAD]
    assert sc.JINJA_PAYLOAD in inv['SummaryData']['Countermeasures'][0]['Actions'][0]['CliCommands'][0]
    text = client.get_investigation(DetectorId=DET, InvestigationId=sc.HOSTILE_INV_ID)['Investigation']['Summary']
    assert json.loads(text)['keyObservations']['narrative'] == sc.HOSTILE_TEXT
    big = client.get_investigation(DetectorId=DET, InvestigationId=sc.HOSTILE_BIG_INV_ID, SummaryFormat='STRUCTURED')['Investigation']
    assert len(big['Summary']) == sc.BIG_SUMMARY_CHARS and big['Summary'].endswith(sc.JINJA_PAYLOAD)
    records = client.list_investigation_records(DetectorId=DET, InvestigationId=sc.HOSTILE_INV_ID)['Records']
    assert all(record['Narrative'] == sc.HOSTILE_TEXT for record in records)
    failed = client.get_investigation(DetectorId=DET, InvestigationId=sc.HOSTILE_FAILED_INV_ID)['Investigation']
    assert failed['Error'] == sc.HOSTILE_TEXT
    titles = [item.get('Title') for item in client.list_investigations(DetectorId=DET)['Investigations']]
    assert f'Title {sc.JINJA_PAYLOAD} {sc.SCRIPT_PAYLOAD}' in titles


def test_many_paging(client, guardduty_emulator):
    guardduty_emulator.load(sc.many(120, running=4))
    pages = list(client.get_paginator('list_investigations').paginate(DetectorId=DET))
    assert [len(page['Investigations']) for page in pages] == [50, 50, 20]
    statuses = [item['Status'] for page in pages for item in page['Investigations']]
    assert statuses.count('RUNNING') == 4 and 'FAILED' in statuses
