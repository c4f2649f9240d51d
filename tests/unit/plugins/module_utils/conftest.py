# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.secops.guardduty.plugins.module_utils.common import retry_decorator

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"


@pytest.fixture
def stubbed():
    """(wrapped client, Stubber) on a real boto3 GuardDuty client: requests are validated against the service model."""
    client = boto3.client(
        "guardduty",
        region_name="us-east-1",
        aws_access_key_id="AKIAUNITTESTKEYTHATNEVEROCCURS000001",
        aws_secret_access_key="unit-test-secret-that-never-occurs-in-data-000001",
    )
    stubber = Stubber(client)
    stubber.activate()
    yield RetryingBotoClientWrapper(client, retry_decorator()), stubber
    stubber.deactivate()
