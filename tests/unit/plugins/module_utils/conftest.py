# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.tests.unit.conftest import stubbed_guardduty_client

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"


@pytest.fixture
def stubbed():
    """(wrapped client, Stubber) on a real boto3 GuardDuty client: requests are validated against the service model."""
    client, stubber = stubbed_guardduty_client()
    yield client, stubber
    stubber.deactivate()
