"""Self-tests of the emulator: shared fixtures (real boto3 clients against a running Emulator)."""
from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gdemu.pytest_plugin import guardduty_emulator  # noqa: F401,E402  pylint: disable=unused-import,wrong-import-position

ACCESS_KEY_ID = 'AKIDEMULATORTESTKEY00000000000001'
SECRET_ACCESS_KEY = 'emulator-test-secret-key-that-cannot-occur-in-data-0001'
FAKE_AUTH = ('AWS4-HMAC-SHA256 Credential=AKIDRAWREQUEST000001/20260101/us-east-1/{service}/aws4_request, '
             'SignedHeaders=host;x-amz-date, Signature=' + '0' * 64)


@pytest.fixture
def make_client(guardduty_emulator):  # pylint: disable=redefined-outer-name
    """factory(emulator=None, **botocore_config) -> boto3 GuardDuty client."""
    def factory(emulator=None, region='us-east-1', **config):
        return boto3.client('guardduty', endpoint_url=(emulator or guardduty_emulator).url, region_name=region,
                            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY, config=Config(**config))
    return factory


@pytest.fixture
def client(make_client, guardduty_emulator):  # pylint: disable=redefined-outer-name
    """A boto3 client without retries; after the test, the emulator must not have produced invalid responses."""
    yield make_client(retries={'total_max_attempts': 1})
    assert not guardduty_emulator.emulator_errors


@pytest.fixture
def raw_request(guardduty_emulator):  # pylint: disable=redefined-outer-name
    """request(method, path, body=None, service='guardduty' | None for unsigned) -> (status, headers, parsed JSON body)."""
    def request(method, path, body=None, service='guardduty'):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(guardduty_emulator.url + path, data=data, method=method)
        if service:
            req.add_header('Authorization', FAKE_AUTH.format(service=service))
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, dict(resp.headers), json.loads(resp.read() or b'{}')
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), json.loads(exc.read() or b'{}')
    return request


@pytest.fixture
def control():
    """control(emulator, method, action, body=None) -> (HTTP status, JSON answer) of the emulator's control plane."""
    def call(emulator, method, action, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f'{emulator.url}/_emulator/{action}', data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
    return call
