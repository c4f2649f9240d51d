"""Fault injection, observed through boto3."""
from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from gdemu import scenarios as sc

DET = sc.DETECTOR_ID


def test_latency(client, guardduty_emulator):
    guardduty_emulator.set_faults(latency_ms=150)
    started = time.monotonic()
    client.list_detectors()
    assert time.monotonic() - started >= 0.15
    guardduty_emulator.set_faults(latency_ms={'GetDetector': 400})
    started = time.monotonic()
    client.list_detectors()
    assert time.monotonic() - started < 0.3
    started = time.monotonic()
    client.get_detector(DetectorId=DET)
    assert time.monotonic() - started >= 0.4


def test_throttle_every(client, guardduty_emulator, make_client):
    guardduty_emulator.set_faults(throttle_every=2)
    client.list_detectors()
    with pytest.raises(ClientError) as exc:
        client.list_detectors()
    assert exc.value.response['Error']['Code'] == 'ThrottlingException'
    assert exc.value.response['ResponseMetadata']['HTTPStatusCode'] == 429
    client.list_detectors()
    retrying = make_client(retries={'mode': 'standard', 'max_attempts': 3})
    assert retrying.list_detectors()['ResponseMetadata']['RetryAttempts'] == 1
    assert [call['status'] for call in guardduty_emulator.calls()] == [200, 429, 200, 429, 200]


def test_fail_first(client, guardduty_emulator, make_client):
    guardduty_emulator.set_faults(fail_first={'GetInvestigation': 2})
    for _attempt in range(2):
        with pytest.raises(client.exceptions.InternalServerErrorException):
            client.get_investigation(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID)
    assert client.get_investigation(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID)['Investigation']
    assert client.list_detectors()  # other operations are unaffected
    guardduty_emulator.set_faults(fail_first={'GetInvestigation': 1})  # counters reset
    retrying = make_client(retries={'mode': 'standard', 'max_attempts': 3})
    response = retrying.get_investigation(DetectorId=DET, InvestigationId=sc.COMPLETED_INV_ID)
    assert response['ResponseMetadata']['RetryAttempts'] == 1


def test_drop_connections(client, guardduty_emulator):
    guardduty_emulator.set_faults(drop_first={'ListDetectors': 1})
    with pytest.raises(ConnectionClosedError):
        client.list_detectors()
    assert client.list_detectors()['DetectorIds'] == [DET]
    guardduty_emulator.set_faults(drop_every=2)
    client.list_detectors()
    with pytest.raises(ConnectionClosedError):
        client.get_detector(DetectorId=DET)
    assert [call['status'] for call in guardduty_emulator.calls()][-2:] == [200, 0]


def test_slow_first_beyond_read_timeout(guardduty_emulator, make_client):
    guardduty_emulator.set_faults(slow_first={'GetDetector': 1, 'seconds': 1.0})
    impatient = make_client(read_timeout=0.3, retries={'total_max_attempts': 1})
    with pytest.raises(ReadTimeoutError):
        impatient.get_detector(DetectorId=DET)
    assert impatient.get_detector(DetectorId=DET)['Status'] == 'ENABLED'


def test_clear_and_validate_faults(client, guardduty_emulator):
    guardduty_emulator.set_faults(fail_first={'ListDetectors': 1})
    guardduty_emulator.clear_faults()
    assert client.list_detectors()
    with pytest.raises(ValueError):
        guardduty_emulator.set_faults(fail_frist={'ListDetectors': 1})
    with pytest.raises(ValueError):
        guardduty_emulator.set_faults(fail_first={'ListDetector': 1})
